//! A real events server: the example handlers of `examples/handlers/` served
//! over `axum` at `http://127.0.0.1:8080/events`, one log line per event
//! (with its trace id), Prometheus text at `GET /metrics`, spans exported by
//! OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, stopped cleanly by Ctrl-C.
//!
//! ```text
//! cargo run --example server
//! cargo run --example server -- --address 0.0.0.0 --port 9000
//! EVENTS_PORT=9000 RUST_LOG=debug cargo run --example server
//! ```
//!
//! Flags win over the environment: `--address` (`EVENTS_ADDRESS`, default
//! `127.0.0.1`), `--port` (`EVENTS_PORT`, default `8080`; `0` picks a free
//! one), `--body-limit` in bytes (`EVENTS_BODY_LIMIT`, default 2 MiB),
//! `--catalog false` (`EVENTS_CATALOG`, default `true`) not to serve the
//! handlers' catalog at `GET /events/catalog`.
//! `RUST_LOG` filters the log (default `info`). What is logged, measured
//! and exported, and how: `examples/observability/`.

mod handlers;
mod observability;

use std::error::Error;
use std::net::IpAddr;

use events_protocol::{EventClient, Processor};

/// Where to listen, and how large a body to accept.
struct Config {
    address: IpAddr,
    port: u16,
    body_limit: usize,
    /// Whether `GET /events/catalog` answers the handlers' catalog.
    catalog: bool,
}

impl Config {
    /// The flags, else the environment, else the defaults.
    fn read() -> Result<Config, String> {
        let mut config = Config {
            address: env_or("EVENTS_ADDRESS", IpAddr::from([127, 0, 0, 1]))?,
            port: env_or("EVENTS_PORT", 8080)?,
            body_limit: env_or(
                "EVENTS_BODY_LIMIT",
                events_protocol::processor::DEFAULT_MAX_BODY_BYTES,
            )?,
            catalog: env_or("EVENTS_CATALOG", true)?,
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or(format!("{flag} needs a value"));
            match flag.as_str() {
                "--address" => config.address = parse(&flag, &value()?)?,
                "--port" => config.port = parse(&flag, &value()?)?,
                "--body-limit" => config.body_limit = parse(&flag, &value()?)?,
                "--catalog" => config.catalog = parse(&flag, &value()?)?,
                "--help" | "-h" => {
                    return Err(
                        "usage: server [--address IP] [--port PORT] [--body-limit BYTES] [--catalog BOOL]"
                            .into(),
                    );
                }
                other => return Err(format!("unknown flag {other}; try --help")),
            }
        }
        Ok(config)
    }
}

fn parse<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{what}: cannot read {text:?}"))
}

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> Result<T, String> {
    match std::env::var(key) {
        Ok(text) => parse(key, &text),
        Err(_) => Ok(default),
    }
}

/// Resolves on Ctrl-C, or on `SIGTERM` where there is one.
async fn shutdown() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // one line per event (the event's span, closed, with its fields and its
    // trace id), written by a thread of its own; spans exported by OTLP when
    // an endpoint is configured
    let _observed = observability::init()?;
    // the metrics facade's recorder: every event counted and timed
    let metrics = observability::metrics()?;

    let config = Config::read()?;
    // refuse to start with two handlers for one (name, version)
    events_protocol::registry::check_handlers()?;

    let listener = tokio::net::TcpListener::bind((config.address, config.port)).await?;
    let address = listener.local_addr()?;
    let url = format!("http://{address}/events");
    handlers::use_client(EventClient::new(url.as_str())?);

    let processor = Processor::new().with_max_body_bytes(config.body_limit);
    let mut app = events_protocol::axum::routes(processor.clone())
        .merge(observability::metrics_route(metrics));
    if config.catalog {
        // opt-in: the handlers' names, docs and schemas, for `events list`
        app = app.route(
            events_protocol::catalog::CATALOG_PATH,
            events_protocol::axum::catalog_route(processor),
        );
    }
    tracing::info!(%url, "answering events");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}
