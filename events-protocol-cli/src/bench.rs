//! `events bench`: one event sent from several connections at once with the
//! async client, for a duration and at most a number of requests; a live
//! progress line on a terminal; at the end the request rate, the outcomes
//! and the latency percentiles of a real histogram.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use events_protocol::client::{Answer, AsyncEventClient, SendError};
use hdrhistogram::Histogram;
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};

use crate::input::{self, Event};
use crate::send::class;
use crate::style::{self, ColorChoice, Palette, Role};
use crate::{BenchArgs, Status};

/// How often the progress line is redrawn.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Runs the load of `args` and prints its report.
pub fn run(args: &BenchArgs, color: ColorChoice) -> Status {
    let prepared = input::async_client(&args.event)
        .and_then(|client| Event::read(&args.event).map(|event| (client, event)));
    let (client, event) = match prepared {
        Ok(prepared) => prepared,
        Err(usage) => return usage.report(),
    };
    if let Some(host) = remote_host(&args.event.url) {
        eprintln!(
            "events: {}: {host} is not a loopback address: this load goes over the network",
            Palette::for_stderr(color).paint(Role::Notice, "warning")
        );
    }
    let runtime = if args.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads as usize)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("events: cannot start the load's runtime: {error}");
            return Status::Transport;
        }
    };
    let load = Load {
        client,
        event: Arc::new(event),
        args,
    };
    runtime.block_on(load.run(color))
}

/// What is sent, by whom.
struct Load<'a> {
    client: AsyncEventClient,
    event: Arc<Event>,
    args: &'a BenchArgs,
}

/// What the workers share while the load runs.
struct Shared {
    /// Requests started, for the cap.
    started: AtomicU64,
    /// Answers and failures recorded, for the progress line.
    done: AtomicU64,
    /// Error answers and transport failures recorded.
    bad: AtomicU64,
    /// Every outcome and latency.
    tally: Mutex<Tally>,
}

/// How the load ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    /// Its duration ran out.
    Duration,
    /// Its cap of requests was sent.
    Cap,
    /// Ctrl-C.
    Interrupted,
}

impl Load<'_> {
    async fn run(self, color: ColorChoice) -> Status {
        // a first call outside the measure: opens a connection, and says at
        // once when the target cannot be reached
        let first = self.event.call(&self.client).send().await;
        if let Err(error) = first {
            eprintln!(
                "events: {} ({}): {}",
                Palette::for_stderr(color).paint(Role::Bad, "transport failure"),
                class(error.failure()),
                error.to_string().replace(['\n', '\r'], " ")
            );
            return Status::Transport;
        }
        let tally = match Tally::new() {
            Ok(tally) => tally,
            Err(error) => {
                eprintln!("events: cannot make the latency histogram: {error}");
                return Status::Transport;
            }
        };
        let shared = Arc::new(Shared {
            started: AtomicU64::new(0),
            done: AtomicU64::new(0),
            bad: AtomicU64::new(0),
            tally: Mutex::new(tally),
        });
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = stop.send(true);
            }
        });
        let started = Instant::now();
        let deadline = started + self.args.duration;
        let workers: Vec<_> = (0..self.args.connections)
            .map(|_| {
                let worker = Worker {
                    client: self.client.clone(),
                    event: Arc::clone(&self.event),
                    shared: Arc::clone(&shared),
                    cap: self.args.requests,
                    deadline,
                    stopped: stopped.clone(),
                };
                tokio::spawn(worker.run())
            })
            .collect();
        let progress = std::io::stderr().is_terminal().then(|| {
            let shared = Arc::clone(&shared);
            let duration = self.args.duration;
            tokio::spawn(progress(shared, started, duration))
        });
        for worker in workers {
            let _ = worker.await;
        }
        let elapsed = started.elapsed();
        if let Some(progress) = progress {
            progress.abort();
            let _ = progress.await;
            eprint!("\r\x1b[2K");
        }
        let end = if *stopped.borrow() {
            End::Interrupted
        } else if shared.started.load(Ordering::Relaxed) >= self.args.requests {
            End::Cap
        } else {
            End::Duration
        };
        let tally = shared.tally.lock().unwrap_or_else(PoisonError::into_inner);
        print!(
            "{}",
            report(self.args, &tally, elapsed, end, Palette::for_stdout(color))
        );
        let _ = std::io::stdout().flush();
        Status::Success
    }
}

/// One connection's loop.
struct Worker {
    client: AsyncEventClient,
    event: Arc<Event>,
    shared: Arc<Shared>,
    cap: u64,
    deadline: Instant,
    stopped: watch::Receiver<bool>,
}

impl Worker {
    async fn run(mut self) {
        while Instant::now() < self.deadline
            && !*self.stopped.borrow()
            && self.shared.started.fetch_add(1, Ordering::Relaxed) < self.cap
        {
            let call = self.event.call(&self.client);
            let sent = Instant::now();
            // a call still running at the deadline (or at Ctrl-C) is dropped,
            // not counted: the load lasts its duration
            let result = tokio::select! {
                result = call.send() => result,
                () = sleep_until(self.deadline) => break,
                _ = self.stopped.wait_for(|stopped| *stopped) => break,
            };
            let latency = sent.elapsed();
            let bad = !matches!(result, Ok(Answer::Success(_) | Answer::Redirect { .. }));
            self.shared
                .tally
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .record(&result, latency);
            self.shared.done.fetch_add(1, Ordering::Relaxed);
            if bad {
                self.shared.bad.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Redraws the progress line on standard error until aborted.
async fn progress(shared: Arc<Shared>, started: Instant, duration: Duration) {
    let mut ticks = tokio::time::interval(PROGRESS_EVERY);
    loop {
        ticks.tick().await;
        let elapsed = started.elapsed();
        let done = shared.done.load(Ordering::Relaxed);
        let bad = shared.bad.load(Ordering::Relaxed);
        let mut stderr = std::io::stderr().lock();
        let _ = write!(
            stderr,
            "\r\x1b[2K{:.1} s / {:.1} s   {} requests   {}/s   {} errors",
            elapsed.as_secs_f64(),
            duration.as_secs_f64(),
            style::count(done),
            style::rate(done as f64 / elapsed.as_secs_f64()),
            style::count(bad),
        );
        let _ = stderr.flush();
    }
}

/// Every outcome and latency of a load.
struct Tally {
    /// Latencies in microseconds.
    latency: Histogram<u64>,
    success: u64,
    redirect: u64,
    /// Error answers by type.
    errors: BTreeMap<String, u64>,
    /// Transport failures by class.
    failures: BTreeMap<&'static str, u64>,
}

impl Tally {
    fn new() -> Result<Tally, hdrhistogram::CreationError> {
        Ok(Tally {
            // three significant figures, the range growing as needed
            latency: Histogram::new(3)?,
            success: 0,
            redirect: 0,
            errors: BTreeMap::new(),
            failures: BTreeMap::new(),
        })
    }

    fn record(&mut self, result: &Result<Answer, SendError>, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency.saturating_record(micros);
        match result {
            Ok(Answer::Success(_)) => self.success += 1,
            Ok(Answer::Redirect { .. }) => self.redirect += 1,
            Ok(Answer::Error { error, .. }) => {
                *self
                    .errors
                    .entry(error.error_type().to_string())
                    .or_default() += 1;
            }
            Err(error) => *self.failures.entry(class(error.failure())).or_default() += 1,
        }
    }

    fn total(&self) -> u64 {
        self.success
            + self.redirect
            + self.errors.values().sum::<u64>()
            + self.failures.values().sum::<u64>()
    }
}

/// The report of a load, a few lines.
fn report(
    args: &BenchArgs,
    tally: &Tally,
    elapsed: Duration,
    end: End,
    palette: Palette,
) -> String {
    let event = &args.event;
    let total = tally.total();
    let errors: u64 = tally.errors.values().sum();
    let failures: u64 = tally.failures.values().sum();
    let ended = match end {
        End::Duration => String::new(),
        End::Cap => format!(" (the cap of {} requests)", style::count(args.requests)),
        End::Interrupted => String::from(" (interrupted)"),
    };
    let label = |text: &str| palette.paint(Role::Strong, &format!("{text:<10}"));
    let mut lines = vec![
        format!(
            "{} version {} at {}: {} connections, {}",
            palette.paint(Role::Strong, &event.name),
            event.version,
            event.url,
            args.connections,
            if args.threads == 1 {
                String::from("1 thread")
            } else {
                format!("{} threads", args.threads)
            }
        ),
        format!(
            "{}{} in {}{ended}: {} per second",
            label("requests"),
            style::count(total),
            style::duration(elapsed),
            palette.paint(
                Role::Good,
                &style::rate(total as f64 / elapsed.as_secs_f64())
            ),
        ),
        format!(
            "{}{} success, {} redirect, {} error, {} transport failure",
            label("outcomes"),
            style::count(tally.success),
            style::count(tally.redirect),
            paint_if(palette, errors, Role::Bad),
            paint_if(palette, failures, Role::Bad),
        ),
    ];
    if !tally.errors.is_empty() {
        lines.push(format!("{}{}", label("errors"), counts(&tally.errors)));
    }
    if !tally.failures.is_empty() {
        lines.push(format!("{}{}", label("failures"), counts(&tally.failures)));
    }
    if total > 0 {
        let at = |quantile: f64| {
            style::duration(Duration::from_micros(
                tally.latency.value_at_quantile(quantile),
            ))
        };
        lines.push(format!(
            "{}p50 {}, p90 {}, p99 {}, max {}",
            label("latency"),
            at(0.50),
            at(0.90),
            at(0.99),
            style::duration(Duration::from_micros(tally.latency.max())),
        ));
    }
    let mut report = lines.join("\n");
    report.push('\n');
    report
}

/// A count, coloured in `role` when it is not zero.
fn paint_if(palette: Palette, n: u64, role: Role) -> String {
    if n == 0 {
        String::from("0")
    } else {
        palette.paint(role, &style::count(n))
    }
}

/// `12 forbidden, 3 notFound`.
fn counts<K: std::fmt::Display>(counts: &BTreeMap<K, u64>) -> String {
    counts
        .iter()
        .map(|(what, n)| format!("{} {what}", style::count(*n)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The host of `url` when it is not a loopback address (`localhost`,
/// `127.0.0.0/8`, `::1`).
fn remote_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    let local = host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    (!local).then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::remote_host;

    #[test]
    fn loopback_hosts_are_local_and_others_are_named() {
        for local in [
            "http://127.0.0.1:8080/events",
            "http://127.1.2.3/events",
            "http://localhost/events",
            "http://[::1]:9/events",
            "http://user@127.0.0.1/events",
        ] {
            assert_eq!(remote_host(local), None, "{local}");
        }
        assert_eq!(
            remote_host("http://10.0.0.5:8080/events").as_deref(),
            Some("10.0.0.5")
        );
        assert_eq!(
            remote_host("https://api.example/events").as_deref(),
            Some("api.example")
        );
        assert_eq!(
            remote_host("http://[2001:db8::1]/events").as_deref(),
            Some("2001:db8::1")
        );
    }
}
