//! `events send`: one event; its outcome, the time it took and the answer's
//! payload, or with `--raw` the answer exactly as it came.

use std::io::Write;
use std::time::{Duration, Instant};

use events_protocol::client::{Answer, Failure, SendError};

use crate::input::{self, Event};
use crate::style::{self, ColorChoice, Palette, Role};
use crate::{SendArgs, Status};

/// Sends the event of `args` and prints what came back.
pub fn run(args: &SendArgs, color: ColorChoice) -> Status {
    let prepared = input::client(&args.event)
        .and_then(|client| Event::read(&args.event).map(|event| (client, event)));
    let (client, event) = match prepared {
        Ok(prepared) => prepared,
        Err(usage) => return usage.report(),
    };
    let call = event.call(&client);
    let started = Instant::now();
    let sent = call.send_raw();
    let elapsed = started.elapsed();
    let answered = sent.and_then(|raw| raw.classify().map(|answer| (raw, answer)));
    let (raw, answer) = match answered {
        Ok(answered) => answered,
        Err(error) => return failure(&error, elapsed, color),
    };
    let status = status_of(&answer);
    let palette = Palette::for_stdout(color);
    let mut stdout = std::io::stdout().lock();
    // a closed pipe is the reader's choice: nothing to report
    let _ = if args.raw {
        stdout.write_all(&raw.body)
    } else {
        writeln!(
            stdout,
            "{}\n{}",
            outcome(&answer, elapsed, palette),
            palette.json(answer.event().payload().get())
        )
    };
    let _ = stdout.flush();
    status
}

/// The exit status of an answer.
pub fn status_of(answer: &Answer) -> Status {
    match answer {
        Answer::Success(_) => Status::Success,
        Answer::Redirect { .. } => Status::Redirect,
        Answer::Error { .. } => Status::ErrorEvent,
    }
}

/// The outcome line of an answer: what it is, its name, the time taken.
fn outcome(answer: &Answer, elapsed: Duration, palette: Palette) -> String {
    let what = match answer {
        Answer::Success(_) => palette.paint(Role::Good, "success"),
        Answer::Redirect { redirect, .. } => {
            format!(
                "{} to {}",
                palette.paint(Role::Notice, "redirect"),
                redirect.url
            )
        }
        Answer::Error { error, .. } => format!(
            "{} {}, code {}",
            palette.paint(Role::Bad, "error"),
            palette.paint(Role::Bad, &error.error_type().to_string()),
            error.code()
        ),
    };
    format!(
        "{what} ({}) in {}",
        palette.paint(Role::Strong, answer.event().name()),
        palette.paint(Role::Faint, &style::duration(elapsed))
    )
}

/// The name of a transport failure's class, as PROTOCOL.md §6 says it.
pub fn class(failure: Failure) -> &'static str {
    match failure {
        Failure::Timeout => "timeout",
        Failure::FailedDependency => "failed dependency",
        Failure::BadProtocol => "bad protocol",
        Failure::NotSent => "not sent",
        _ => "failure",
    }
}

/// Reports a call that got no answer event, on standard error, on one line.
fn failure(error: &SendError, elapsed: Duration, color: ColorChoice) -> Status {
    let palette = Palette::for_stderr(color);
    let detail = match error {
        SendError::Status { body, .. } if !body.trim().is_empty() => {
            let first = body.trim().lines().next().unwrap_or_default();
            format!("{error}: {}", first.chars().take(200).collect::<String>())
        }
        _ => error.to_string(),
    };
    eprintln!(
        "events: {} ({}) after {}: {}",
        palette.paint(Role::Bad, "transport failure"),
        class(error.failure()),
        palette.paint(Role::Faint, &style::duration(elapsed)),
        detail.replace(['\n', '\r'], " ")
    );
    Status::Transport
}
