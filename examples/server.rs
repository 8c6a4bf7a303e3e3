//! A real events server: the example handlers of `examples/handlers/` served
//! over `axum` at `http://127.0.0.1:8080/events`, one log line per event
//! (with its trace id), the health checks at `/health/live` and
//! `/health/ready`, Prometheus text at `GET /metrics`, the handlers' catalog
//! at `GET /events/catalog`, spans exported by OTLP when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set, drained gracefully on Ctrl-C or
//! `SIGTERM` by `events_protocol::serve`.
//!
//! ```text
//! cargo run --example server
//! cargo run --example server -- --address 0.0.0.0 --port 9000
//! EVENTS_PORT=9000 RUST_LOG=debug cargo run --example server
//! cargo run --example server -- --drain-window 3s --deadline 2s --max-blocking 16
//! ```
//!
//! Flags win over the environment (`--drain-window` is `EVENTS_DRAIN_WINDOW`,
//! and so on); durations are written `10s`, `1.5s` or `500ms`:
//!
//! | flag | default | what |
//! |---|---|---|
//! | `--address` | `127.0.0.1` | where to listen |
//! | `--port` | `8080` | `0` picks a free one |
//! | `--body-limit` | `2097152` | the largest body, in bytes (`413` over it) |
//! | `--deadline` | `10s` | the time limit of one event (`off`: none) |
//! | `--max-blocking` | `128` | handlers that may block running at once |
//! | `--max-queued` | `128` | more waiting for a thread (`503` past them) |
//! | `--body-timeout` | `30s` | to receive a body whole (`408` past it) |
//! | `--header-timeout` | `10s` | to receive a head whole, from its first byte |
//! | `--idle-timeout` | `75s` | a kept-alive connection with no request |
//! | `--drain-window` | `10s` | on shutdown, how long answers say `Connection: close` |
//! | `--shutdown-limit` | `30s` | on shutdown, when what is still open is cut |
//! | `--accept-while-draining` | `true` | whether new connections are taken during the window |
//! | `--catalog` | `true` | whether `GET /events/catalog` answers the handlers' catalog |
//! | `--metrics` | `true` | whether events are counted and timed (the Prometheus recorder) and `GET /metrics` answers |
//!
//! `RUST_LOG` filters the log (default `info`). What is logged, measured
//! and exported, and how: `examples/observability/`.

mod handlers;
mod observability;

use std::error::Error;
use std::net::IpAddr;
use std::time::Duration;

use events_protocol::serve::{Settings, serve, shutdown_signal};
use events_protocol::service::{
    DEFAULT_BODY_READ_TIMEOUT, DEFAULT_MAX_BLOCKING, DEFAULT_MAX_QUEUED, EventsService, Health,
};

/// The flags: each one's name, its variable, and its text in `--help`.
const FLAGS: [(&str, &str, &str); 14] = [
    ("--address", "EVENTS_ADDRESS", "IP"),
    ("--port", "EVENTS_PORT", "PORT"),
    ("--body-limit", "EVENTS_BODY_LIMIT", "BYTES"),
    ("--deadline", "EVENTS_DEADLINE", "DURATION|off"),
    ("--max-blocking", "EVENTS_MAX_BLOCKING", "N"),
    ("--max-queued", "EVENTS_MAX_QUEUED", "N"),
    ("--body-timeout", "EVENTS_BODY_TIMEOUT", "DURATION"),
    ("--header-timeout", "EVENTS_HEADER_TIMEOUT", "DURATION"),
    ("--idle-timeout", "EVENTS_IDLE_TIMEOUT", "DURATION"),
    ("--drain-window", "EVENTS_DRAIN_WINDOW", "DURATION"),
    ("--shutdown-limit", "EVENTS_SHUTDOWN_LIMIT", "DURATION"),
    (
        "--accept-while-draining",
        "EVENTS_ACCEPT_WHILE_DRAINING",
        "true|false",
    ),
    ("--catalog", "EVENTS_CATALOG", "true|false"),
    ("--metrics", "EVENTS_METRICS", "true|false"),
];

/// Where to listen, and the limits.
struct Config {
    address: IpAddr,
    port: u16,
    body_limit: usize,
    deadline: Option<Duration>,
    max_blocking: usize,
    max_queued: usize,
    body_timeout: Duration,
    serve: Settings,
    /// Whether `GET /events/catalog` answers the handlers' catalog.
    catalog: bool,
    /// Whether the Prometheus recorder is installed and `GET /metrics`
    /// answers.
    metrics: bool,
}

impl Config {
    /// The flags, else the environment, else the defaults.
    fn read() -> Result<Config, String> {
        let mut values: Vec<(&str, String)> = Vec::new();
        for (flag, variable, _) in FLAGS {
            if let Ok(value) = std::env::var(variable) {
                values.push((flag, value));
            }
        }
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                let usage: Vec<String> = FLAGS
                    .iter()
                    .map(|(flag, _, value)| format!("[{flag} {value}]"))
                    .collect();
                return Err(format!("usage: server {}", usage.join(" ")));
            }
            let Some((flag, _, _)) = FLAGS.iter().find(|(flag, _, _)| *flag == arg) else {
                return Err(format!("unknown flag {arg}; try --help"));
            };
            let value = args.next().ok_or(format!("{flag} needs a value"))?;
            values.push((flag, value));
        }
        let mut config = Config {
            address: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            body_limit: events_protocol::processor::DEFAULT_MAX_BODY_BYTES,
            deadline: Some(Duration::from_secs(10)),
            max_blocking: DEFAULT_MAX_BLOCKING,
            max_queued: DEFAULT_MAX_QUEUED,
            body_timeout: DEFAULT_BODY_READ_TIMEOUT,
            serve: Settings::new(),
            catalog: true,
            metrics: true,
        };
        // the environment first, then the flags: the last value wins
        for (flag, value) in values {
            let serve = config.serve;
            match flag {
                "--address" => config.address = parse(flag, &value)?,
                "--port" => config.port = parse(flag, &value)?,
                "--body-limit" => config.body_limit = parse(flag, &value)?,
                "--deadline" if value == "off" => config.deadline = None,
                "--deadline" => config.deadline = Some(duration(flag, &value)?),
                "--max-blocking" => config.max_blocking = parse(flag, &value)?,
                "--max-queued" => config.max_queued = parse(flag, &value)?,
                "--body-timeout" => config.body_timeout = duration(flag, &value)?,
                "--catalog" => config.catalog = parse(flag, &value)?,
                "--metrics" => config.metrics = parse(flag, &value)?,
                "--header-timeout" => {
                    config.serve = serve.with_header_read_timeout(duration(flag, &value)?);
                }
                "--idle-timeout" => config.serve = serve.with_idle_timeout(duration(flag, &value)?),
                "--drain-window" => config.serve = serve.with_drain_window(duration(flag, &value)?),
                "--shutdown-limit" => {
                    config.serve = serve.with_shutdown_limit(duration(flag, &value)?);
                }
                "--accept-while-draining" => {
                    config.serve = serve.with_accepting_while_draining(parse(flag, &value)?);
                }
                other => return Err(format!("unknown flag {other}")),
            }
        }
        Ok(config)
    }
}

fn parse<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{what}: cannot read {text:?}"))
}

/// `10s`, `1.5s`, `500ms`.
fn duration(what: &str, text: &str) -> Result<Duration, String> {
    let seconds = match text.strip_suffix("ms") {
        Some(millis) => parse::<f64>(what, millis)? / 1000.0,
        None => parse::<f64>(what, text.strip_suffix('s').unwrap_or(text))?,
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("{what}: cannot read {text:?}"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // one line per event (the event's span, closed, with its fields and its
    // trace id), written by a thread of its own; spans exported by OTLP when
    // an endpoint is configured
    let _observed = observability::init()?;
    let config = Config::read()?;
    // the metrics facade's recorder: every event counted and timed
    let metrics = if config.metrics {
        Some(observability::metrics()?)
    } else {
        None
    };
    let listener = events_protocol::serve::bind((config.address, config.port).into())?;
    let address = listener.local_addr()?;
    let url = format!("http://{address}/events");
    // `greeting:relay` calls this very server, with the client it is given
    let processor = handlers::processor(&url)?
        .with_max_body_bytes(config.body_limit)
        .with_deadline(config.deadline);
    // refuse to start with two handlers for one (name, version), or a
    // handler whose state the processor was not given
    processor.check()?;
    let health = Health::new();
    let service = EventsService::new(processor.clone())
        .with_max_blocking(config.max_blocking)
        .with_max_queued(config.max_queued)
        .with_body_read_timeout(config.body_timeout)
        .with_health(health.clone());
    let mut app = events_protocol::axum::routes(service);
    if let Some(metrics) = metrics {
        app = app.merge(observability::metrics_route(metrics));
    }
    if config.catalog {
        // opt-in: the handlers' names, docs and schemas, for `events list`
        app = app.route(
            events_protocol::catalog::CATALOG_PATH,
            events_protocol::axum::catalog_route(processor),
        );
    }
    tracing::info!(%url, ?config.serve, "answering events");
    serve(listener, app)
        .with_settings(config.serve)
        .with_health(health)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}
