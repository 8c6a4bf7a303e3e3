//! Answers events read from standard input, one JSON body per line, with no
//! HTTP at all: `process_event` needs nothing from a web framework.
//!
//! ```text
//! echo '{"name":"demo:echo","version":1,"payload":{"hello":"world"}}' | cargo run --example process
//! ```

use std::io::{self, BufRead, Write};

use events_protocol::{
    Event, EventError, Response,
    registry::{HandlerFn, Registration},
};

/// Answers with the payload it was sent, untouched.
fn echo(event: &Event<'_>) -> Response {
    Response::from_raw("response", event.payload().to_owned())
}

/// Always refuses, to show an error answer.
fn refuse(_event: &Event<'_>) -> Response {
    Response::error(&EventError::forbidden("NOT_ALLOWED").with("reason", "demo"))
}

events_protocol::registry::inventory::submit! {
    Registration::new("demo:echo", 1, HandlerFn::Blocking(echo), file!(), line!())
}
events_protocol::registry::inventory::submit! {
    Registration::new("demo:refuse", 1, HandlerFn::Blocking(refuse), file!(), line!())
}

fn main() -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for line in io::stdin().lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        writeln!(out, "{}", events_protocol::process_event(&line))?;
    }
    Ok(())
}
