//! What `examples/server.rs` sets up to be observed: one log line per event
//! (its span, closed, with the trace id), written through a buffer;
//! Prometheus text for `GET /metrics`; and, when an OTLP endpoint is
//! configured, every event's span exported to it with OpenTelemetry.
//!
//! | environment | what |
//! |---|---|
//! | `RUST_LOG` | the log's filter (default `info`: a line per event) |
//! | `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | where to export spans, by OTLP over HTTP (protobuf); unset: nothing exported |
//! | `OTEL_SERVICE_NAME` | the service's name in the spans (default `events-server`) |

mod lines;

use std::error::Error;
use std::io::{BufWriter, IsTerminal, Read, Stdout, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{SpanExporter, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{LevelFilter, filter_fn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub use lines::EventLines;

/// What must live until the program ends: the log's buffer (dropping it
/// writes what is left) and the span exporter (dropping it sends what is
/// left).
pub struct Observed {
    out: BufferedStdout,
    spans: Option<SdkTracerProvider>,
}

impl Drop for Observed {
    fn drop(&mut self) {
        self.out.flush();
        if let Some(provider) = &self.spans
            && let Err(error) = provider.shutdown()
        {
            eprintln!("the last spans were not exported: {error}");
        }
    }
}

/// Installs the subscriber: the log, one line per event, and the
/// OpenTelemetry layer when an OTLP endpoint is configured.
///
/// The line is the event's span closing, with its fields (`traceId`
/// included), written by [`EventLines`] (what `fmt` with `FmtSpan::CLOSE`
/// writes, for half the cost: `bench/README.md`) into a buffer that a
/// thread of its own writes to standard output every 100 ms.
pub fn init() -> Result<Observed, Box<dyn Error>> {
    let out = BufferedStdout::new();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    // a line per event span, when it closes; everything else (start-up,
    // errors with their detail) through `fmt`, which is told to ignore spans
    // so that it formats none of their fields. The ignoring filter says it
    // lets nothing through above the log's level: without that, `tracing`
    // would have to ask the subscriber about every `debug!` and `trace!` of
    // every crate, at every call
    let lines = EventLines::new(out.clone());
    let others = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::stdout().is_terminal())
        .with_writer(out.clone())
        .with_filter(
            filter_fn(|metadata| !metadata.is_span())
                .with_max_level_hint(filter.max_level_hint().unwrap_or(LevelFilter::TRACE)),
        );
    let spans = span_exporter()?;
    let otel = spans.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("events-server"))
            .with_tracked_inactivity(false)
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(lines)
        .with(others)
        .with(otel)
        .try_init()?;
    Ok(Observed { out, spans })
}

/// The OTLP exporter of spans, when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the
/// traces' own variable) is set: spans batched, sent over HTTP by `ureq`
/// from the exporter's thread.
fn span_exporter() -> Result<Option<SdkTracerProvider>, Box<dyn Error>> {
    let configured = [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()));
    if !configured {
        return Ok(None);
    }
    let exporter = SpanExporter::builder()
        .with_http()
        .with_http_client(Ureq::new())
        .build()?;
    let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "events-server".into());
    Ok(Some(
        SdkTracerProvider::builder()
            .with_resource(Resource::builder().with_service_name(service).build())
            .with_batch_exporter(exporter)
            .build(),
    ))
}

/// OTLP's HTTP client: `ureq`, which the events client already uses (the
/// exporter calls it on its own thread, where blocking is fine).
#[derive(Debug)]
struct Ureq(ureq::Agent);

impl Ureq {
    fn new() -> Ureq {
        Ureq(
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(10)))
                .build()
                .into(),
        )
    }
}

#[async_trait::async_trait]
impl HttpClient for Ureq {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let (parts, body) = request.into_parts();
        let mut answer = self.0.run(Request::from_parts(parts, body.to_vec()))?;
        let mut bytes = Vec::new();
        answer
            .body_mut()
            .as_reader()
            .take(4 * 1024 * 1024)
            .read_to_end(&mut bytes)?;
        let (parts, _) = answer.into_parts();
        Ok(Response::from_parts(parts, Bytes::from(bytes)))
    }
}

/// Installs the Prometheus recorder of the `metrics` facade: from now on the
/// processor counts and times every event (and the clients every call).
/// Its histograms are kept in bounded windows, cleaned every 5 s.
pub fn metrics() -> Result<PrometheusHandle, Box<dyn Error>> {
    let handle = PrometheusBuilder::new().install_recorder()?;
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            upkeep.run_upkeep();
        }
    });
    Ok(handle)
}

/// `GET /metrics`: the Prometheus text of every metric.
pub fn metrics_route(handle: PrometheusHandle) -> Router {
    Router::new().route("/metrics", get(move || std::future::ready(handle.render())))
}

/// Standard output behind a 64 KiB buffer, written when it fills and at
/// least every 100 ms (by a thread of its own), and when the program ends:
/// a line costs a copy, not a system call.
#[derive(Clone)]
pub struct BufferedStdout(Arc<Mutex<BufWriter<Stdout>>>);

impl BufferedStdout {
    pub fn new() -> BufferedStdout {
        let out = BufferedStdout(Arc::new(Mutex::new(BufWriter::with_capacity(
            64 * 1024,
            std::io::stdout(),
        ))));
        let flushed = out.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(100));
                flushed.flush();
            }
        });
        out
    }

    pub fn flush(&self) {
        let _ = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .flush();
    }
}

/// The buffer, held for one line.
pub struct Locked<'a>(MutexGuard<'a, BufWriter<Stdout>>);

impl Write for Locked<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.write(bytes)
    }

    /// The buffer is written by its thread, not after every line.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BufferedStdout {
    type Writer = Locked<'a>;

    fn make_writer(&'a self) -> Locked<'a> {
        Locked(self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
