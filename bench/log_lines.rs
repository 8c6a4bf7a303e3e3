//! What a log line per event costs, by way of writing it: CPU time per
//! event of `greeting:say` (bench/http_event.json) through a `Processor`,
//! with each subscriber in turn, standard output sent to /dev/null.
//!
//! ```text
//! cargo run --release --example bench_log_lines > /dev/null
//! ```
//!
//! The CPU time is the process's (a writer's own thread included), so a
//! writer that moves work to another thread is not flattered by it. The
//! ways are measured in alternating rounds; the table (on standard error)
//! gives the median of each.

#[path = "../examples/handlers/mod.rs"]
#[allow(
    dead_code,
    reason = "only the handlers are used here, not the client they call"
)]
mod handlers;
#[path = "../examples/observability/mod.rs"]
#[allow(
    dead_code,
    reason = "only the log line's layer and buffer are measured here, not the rest of the set-up"
)]
mod observability;

use std::hint::black_box;

use events_protocol::Processor;
use tracing::Dispatch;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;

/// The process's CPU time, in seconds.
fn cpu_seconds() -> f64 {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid `timespec` for the call to write
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut time) };
    time.tv_sec as f64 + time.tv_nsec as f64 / 1e9
}

const EVENTS: usize = 100_000;

/// CPU nanoseconds per event with `dispatch` (none: no subscriber).
fn per_event(processor: &Processor, body: &str, dispatch: Option<&Dispatch>) -> f64 {
    let work = || {
        let started = cpu_seconds();
        for _ in 0..EVENTS {
            black_box(processor.process(black_box(body)));
        }
        (cpu_seconds() - started) / EVENTS as f64 * 1e9
    };
    match dispatch {
        Some(dispatch) => tracing::dispatcher::with_default(dispatch, work),
        None => work(),
    }
}

fn main() {
    let body = include_str!("http_event.json").trim();
    let processor = Processor::new();
    let fmt = || {
        tracing_subscriber::fmt::layer()
            .with_span_events(FmtSpan::CLOSE)
            .with_ansi(false)
    };
    let info = || EnvFilter::new("info");
    let buffered = observability::BufferedStdout::new();
    let (non_blocking, _guard) = tracing_appender::non_blocking(std::io::stdout());
    let ways: Vec<(&str, Option<Dispatch>)> = vec![
        ("no subscriber", None),
        (
            "RUST_LOG=warn (fmt, FmtSpan::CLOSE)",
            Some(Dispatch::new(
                tracing_subscriber::registry()
                    .with(EnvFilter::new("warn"))
                    .with(fmt()),
            )),
        ),
        (
            "fmt, FmtSpan::CLOSE, stdout",
            Some(Dispatch::new(
                tracing_subscriber::registry()
                    .with(info())
                    .with(fmt().with_writer(std::io::stdout)),
            )),
        ),
        (
            "fmt, FmtSpan::CLOSE, tracing-appender",
            Some(Dispatch::new(
                tracing_subscriber::registry()
                    .with(info())
                    .with(fmt().with_writer(non_blocking.clone())),
            )),
        ),
        (
            "fmt, FmtSpan::CLOSE, 64 KiB buffer",
            Some(Dispatch::new(
                tracing_subscriber::registry()
                    .with(info())
                    .with(fmt().with_writer(buffered.clone())),
            )),
        ),
        (
            "EventLines + fmt without spans, stdout",
            Some(Dispatch::new(
                tracing_subscriber::registry()
                    .with(info())
                    .with(observability::EventLines::new(std::io::stdout))
                    .with(
                        tracing_subscriber::fmt::layer()
                            .with_writer(std::io::stdout)
                            .with_filter(filter_fn(|metadata| !metadata.is_span())),
                    ),
            )),
        ),
        (
            "EventLines + fmt without spans, tracing-appender",
            Some(Dispatch::new(
                tracing_subscriber::registry()
                    .with(info())
                    .with(observability::EventLines::new(non_blocking.clone()))
                    .with(
                        tracing_subscriber::fmt::layer()
                            .with_writer(non_blocking.clone())
                            .with_filter(filter_fn(|metadata| !metadata.is_span())),
                    ),
            )),
        ),
        (
            "EventLines + fmt without spans, 64 KiB buffer (the example's)",
            Some(Dispatch::new(
                tracing_subscriber::registry()
                    .with(info())
                    .with(observability::EventLines::new(buffered.clone()))
                    .with(
                        tracing_subscriber::fmt::layer()
                            .with_writer(buffered.clone())
                            .with_filter(filter_fn(|metadata| !metadata.is_span())),
                    ),
            )),
        ),
    ];
    let rounds = 5;
    let mut times = vec![Vec::new(); ways.len()];
    for _ in 0..rounds {
        for ((_, dispatch), times) in ways.iter().zip(&mut times) {
            times.push(per_event(&processor, body, dispatch.as_ref()));
        }
    }
    buffered.flush();
    eprintln!("CPU time per event, median of {rounds} rounds of {EVENTS} events:");
    for ((label, _), times) in ways.iter().zip(&mut times) {
        times.sort_by(f64::total_cmp);
        eprintln!("{label:<64} {:>7.0} ns", times[rounds / 2]);
    }
}
