//! `events`: send any event to an Events Protocol service and see its
//! answer, its outcome and its timing; read a service's catalog; load a
//! service and see its rate and latency percentiles.
//!
//! ```text
//! events send http://127.0.0.1:8080/events greeting:say 1 '{"name":"Ada"}'
//! events list http://127.0.0.1:8080/events
//! events describe http://127.0.0.1:8080/events greeting:say
//! events bench http://127.0.0.1:8080/events greeting:say 1 '{"name":"Ada"}' -c 16 -d 10
//! ```
//!
//! The exit status tells the outcomes apart ([`Status`]). Bad input is one
//! line on standard error naming the argument, never a panic.

mod bench;
mod catalog;
mod input;
mod send;
mod style;

use std::process::ExitCode;
use std::time::Duration;

use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand};

use crate::style::ColorChoice;

/// The exit statuses of `events`, one per outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// 0: a success answer; the catalog read; the load run.
    Success = 0,
    /// 1: an error answer (`<name>:<errorType>`, `badProtocol`, ...); the
    /// event asked for is not in the catalog.
    ErrorEvent = 1,
    /// 2: bad usage: an argument is missing or invalid (invalid JSON, an
    /// unreadable file, a bad URL or header).
    Usage = 2,
    /// 3: a redirect answer.
    Redirect = 3,
    /// 4: a transport failure: no answer event (a timeout, no connection, a
    /// status other than 2xx, a body that is not an event).
    Transport = 4,
    /// 5: the service does not serve a catalog (`list`, `describe`).
    NoCatalog = 5,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// What went wrong before anything was sent: an argument, named, and why.
#[derive(Debug)]
pub struct Usage {
    /// The argument as the help names it (`PAYLOAD`, `--identity`).
    pub argument: &'static str,
    /// What is wrong with it, on one line.
    pub message: String,
}

impl Usage {
    /// A bad `argument`.
    pub fn new(argument: &'static str, message: impl Into<String>) -> Usage {
        Usage {
            argument,
            message: message.into(),
        }
    }

    /// Reports it on standard error, on one line: the status for bad usage.
    pub fn report(&self) -> Status {
        let message = self.message.replace(['\n', '\r'], " ");
        eprintln!("events: {}: {message}", self.argument);
        Status::Usage
    }
}

const EXIT_STATUSES: &str = "\
Exit status:
  0  success (send: a success answer; list, describe: the catalog read; bench: the load ran)
  1  an error answer (send), or no such event in the catalog (describe)
  2  bad usage: a missing or invalid argument
  3  a redirect answer (send)
  4  a transport failure: timeout, no connection, a non-2xx status, not an event
  5  the service does not serve a catalog (list, describe)";

/// Send events to an Events Protocol service, read its catalog, load it.
#[derive(Debug, Parser)]
#[command(name = "events", version, after_help = EXIT_STATUSES)]
struct Cli {
    /// When to colour the output: `auto` colours it when standard output is
    /// a terminal and `NO_COLOR` is unset or empty.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Send one event and print the outcome, the time taken and the answer's
    /// payload.
    #[command(after_help = EXIT_STATUSES)]
    Send(SendArgs),
    /// List the events a service serves, from its catalog.
    #[command(after_help = EXIT_STATUSES)]
    List {
        /// The service's events URL (`http://127.0.0.1:8080/events`).
        url: String,
        #[command(flatten)]
        timeout: Timeout,
    },
    /// Show one event's documentation and schemas, from the catalog.
    #[command(after_help = EXIT_STATUSES)]
    Describe {
        /// The service's events URL (`http://127.0.0.1:8080/events`).
        url: String,
        /// The event's name.
        name: String,
        /// Its version (default: every version served).
        version: Option<i64>,
        #[command(flatten)]
        timeout: Timeout,
    },
    /// Load a service with one event from several connections, and print the
    /// rate, the outcomes and the latency percentiles.
    #[command(after_help = EXIT_STATUSES)]
    Bench(BenchArgs),
}

/// The event to send, and how.
#[derive(Debug, Args)]
pub struct EventArgs {
    /// The service's events URL (`http://127.0.0.1:8080/events`).
    pub url: String,
    /// The event's name (`greeting:say`).
    pub name: String,
    /// The event's version.
    #[arg(allow_negative_numbers = true)]
    pub version: i64,
    /// The payload: JSON text, `@file`, or `-` for standard input [default: {}].
    pub payload: Option<String>,
    /// The `identity` object: JSON text or `@file`.
    #[arg(long, value_name = "JSON")]
    pub identity: Option<String>,
    /// The `auth` object: JSON text or `@file`.
    #[arg(long, value_name = "JSON")]
    pub auth: Option<String>,
    /// The `metadata` object: JSON text or `@file`.
    #[arg(long, value_name = "JSON")]
    pub metadata: Option<String>,
    /// The event's `id` [default: a fresh UUID].
    #[arg(long)]
    pub id: Option<String>,
    /// The event's `flowId` [default: a fresh UUID].
    #[arg(long = "flow-id", value_name = "FLOW_ID")]
    pub flow_id: Option<String>,
    /// An HTTP header, `name: value`; repeat it for several.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    #[command(flatten)]
    pub timeout: Timeout,
}

/// The limit of one call.
#[derive(Debug, Args)]
pub struct Timeout {
    /// The limit of one call, in seconds.
    #[arg(long = "timeout", value_name = "SECONDS", default_value = "15", value_parser = seconds)]
    pub limit: Duration,
}

/// `events send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub event: EventArgs,
    /// Print the answer event exactly as received, and nothing else (for
    /// pipes); the exit status still tells the outcome.
    #[arg(long)]
    pub raw: bool,
}

/// `events bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub event: EventArgs,
    /// How many calls to keep in flight, each on its own connection.
    #[arg(short = 'c', long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub connections: u32,
    /// How long to run, in seconds (at most an hour).
    #[arg(short = 'd', long, value_name = "SECONDS", default_value = "10", value_parser = seconds)]
    pub duration: Duration,
    /// The most requests to send, whatever the duration.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub requests: u64,
    /// The load's threads (1: one thread, as `wrk -t1`).
    #[arg(short = 't', long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub threads: u32,
}

/// A number of seconds: positive, finite, at most an hour.
fn seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(value > 0.0 && value <= 3600.0) {
        return Err(format!(
            "`{text}`: give a number of seconds above 0, at most 3600"
        ));
    }
    Duration::try_from_secs_f64(value).map_err(|error| format!("`{text}`: {error}"))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return clap_error(&error).into(),
    };
    let color = cli.color;
    let status = match cli.command {
        Command::Send(args) => send::run(&args, color),
        Command::List { url, timeout } => catalog::list(&url, timeout.limit, color),
        Command::Describe {
            url,
            name,
            version,
            timeout,
        } => catalog::describe(&url, &name, version, timeout.limit, color),
        Command::Bench(args) => bench::run(&args, color),
    };
    status.into()
}

/// Prints clap's error or help: `--help` and `--version` to standard output
/// (status 0); an invalid value on one line naming the argument, any other
/// mistake with clap's usage (status 2).
fn clap_error(error: &clap::Error) -> Status {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            print!("{error}");
            Status::Success
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let text = error.to_string();
            let first = text.lines().next().unwrap_or_default();
            eprintln!("events: {}", first.strip_prefix("error: ").unwrap_or(first));
            Status::Usage
        }
        _ => {
            eprint!("{error}");
            Status::Usage
        }
    }
}
