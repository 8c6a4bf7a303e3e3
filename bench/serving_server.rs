//! The server of `bench/serving.sh`: the main job (`examples/server.rs`,
//! the example handlers over `events_protocol::serve`) with one more
//! handler, `bench:sleep`, which may block and sleeps its payload's
//! milliseconds: a slow dependency.
//!
//! Its settings come from the main job's environment variables, with the
//! main job's defaults: `EVENTS_PORT`, `EVENTS_DEADLINE` (`off` or a number of
//! milliseconds), `EVENTS_MAX_BLOCKING`, `EVENTS_MAX_QUEUED`,
//! `EVENTS_BODY_TIMEOUT`, `EVENTS_HEADER_TIMEOUT`, `EVENTS_IDLE_TIMEOUT` (in
//! milliseconds). It logs at `warn` (`RUST_LOG` to change it) and stops on
//! `SIGTERM`.

#[path = "../examples/handlers/mod.rs"]
mod handlers;

use std::error::Error;
use std::time::Duration;

use events_protocol::registry::{HandlerFn, Registration};
use events_protocol::serve::{Settings, serve, shutdown_signal};
use events_protocol::service::{EventsService, Health};
use events_protocol::{Event, Response};
use tracing_subscriber::EnvFilter;

/// Sleeps the payload's milliseconds (at most 60 s), then answers them.
fn sleep(event: &Event<'_>) -> Response {
    let millis = event.payload_as::<u64>().unwrap_or(0).min(60_000);
    std::thread::sleep(Duration::from_millis(millis));
    Response::success(&millis)
}

events_protocol::registry::inventory::submit! {
    Registration::new("bench:sleep", 1, HandlerFn::Blocking(sleep), file!(), line!())
}

/// An environment variable, read as `T`.
fn env<T: std::str::FromStr>(key: &str) -> Result<Option<T>, String> {
    match std::env::var(key) {
        Ok(text) => text
            .parse()
            .map(Some)
            .map_err(|_| format!("{key}: cannot read {text:?}")),
        Err(_) => Ok(None),
    }
}

fn millis(key: &str) -> Result<Option<Duration>, String> {
    Ok(env::<u64>(key)?.map(Duration::from_millis))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_ansi(false)
        .init();
    let port: u16 = env("EVENTS_PORT")?.unwrap_or(8080);
    let deadline = match std::env::var("EVENTS_DEADLINE").as_deref() {
        Ok("off") => None,
        Ok(_) => millis("EVENTS_DEADLINE")?,
        Err(_) => Some(Duration::from_secs(10)),
    };
    let listener = events_protocol::serve::bind(([127, 0, 0, 1], port).into())?;
    let url = format!("http://{}/events", listener.local_addr()?);
    let mut service = EventsService::new(handlers::processor(&url)?.with_deadline(deadline));
    if let Some(running) = env("EVENTS_MAX_BLOCKING")? {
        service = service.with_max_blocking(running);
    }
    if let Some(queued) = env("EVENTS_MAX_QUEUED")? {
        service = service.with_max_queued(queued);
    }
    if let Some(timeout) = millis("EVENTS_BODY_TIMEOUT")? {
        service = service.with_body_read_timeout(timeout);
    }
    let mut settings = Settings::new().with_drain_window(Duration::from_millis(100));
    if let Some(timeout) = millis("EVENTS_HEADER_TIMEOUT")? {
        settings = settings.with_header_read_timeout(timeout);
    }
    if let Some(timeout) = millis("EVENTS_IDLE_TIMEOUT")? {
        settings = settings.with_idle_timeout(timeout);
    }
    let health = Health::new();
    let service = service.with_health(health.clone());

    println!("answering events at {url}");
    serve(listener, events_protocol::axum::routes(service))
        .with_settings(settings)
        .with_health(health)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}
