//! The events endpoint as a [`tower_service::Service`] (feature `tower`):
//! [PROTOCOL.md §6](crate::protocol#6-http-binding) over any HTTP server that
//! takes one — hyper 1.x (through hyper-util's `TowerToHyperService`), axum
//! (whose [`axum`](crate::axum) routes are this service), or any `tower`
//! stack of layers.
//!
//! - `POST` only: any other method is answered `405 Method Not Allowed` with
//!   `Allow: POST`.
//! - A body longer than the processor's
//!   [`max_body_bytes`](Processor::max_body_bytes) is answered
//!   `413 Payload Too Large` before it is read: a declared `Content-Length`
//!   over the limit is refused at once, and a body without one is read only
//!   up to the limit. A body cut off by the client is `400`.
//! - The body is read once. Every event outcome, errors included, is `200`
//!   with `Content-Type: application/json` and the answer event.
//! - Synchronous handlers that may block run on Tokio's blocking threads
//!   ([`tokio::task::spawn_blocking`]), so a slow handler never stalls the
//!   worker threads; `async` handlers are awaited in place, on the request's
//!   task, and must not block; synchronous handlers declared `inline` and the
//!   answers the processor gives by itself run in place too.
//! - At most [`DEFAULT_MAX_BLOCKING`] handlers that may block run at once,
//!   and [`DEFAULT_MAX_QUEUED`] more wait for a thread
//!   ([`with_max_blocking`](EventsService::with_max_blocking),
//!   [`with_max_queued`](EventsService::with_max_queued)); past that, the
//!   event is refused at once with `503 Service Unavailable` and
//!   `Retry-After: 1`, its handler not called, so that a balancer or the
//!   caller may send it again elsewhere.
//! - The processor's [deadline](Processor::with_deadline) holds: an `async`
//!   handler past it is cancelled, a blocking one is answered for at the
//!   deadline (its thread runs on; its answer is dropped and logged); either
//!   way the answer is `<name>:error` with the code `DEADLINE_EXCEEDED`.
//! - A body not received whole within [`DEFAULT_BODY_READ_TIMEOUT`]
//!   ([`with_body_read_timeout`](EventsService::with_body_read_timeout)) is
//!   answered `408 Request Timeout` with `Connection: close`.
//! - [`EventsService::new`] answers at `/events` and `/events/` only (`404`
//!   elsewhere), what a server of its own wants;
//!   [`at_any_path`](EventsService::at_any_path) answers whatever path it is
//!   mounted at. With [`with_health`](EventsService::with_health), it also
//!   answers `GET /health/live` and `GET /health/ready` ([`Health`]).
//! - The W3C `traceparent` and `tracestate` headers go to the processor
//!   ([`Processor::process_bytes_in_place_timed`]): the trace context of an
//!   event whose `metadata.trace` has none
//!   ([PROTOCOL.md §8](crate::protocol#8-trace-context)).
//! - The [catalog](crate::catalog) of the handlers is not served unless
//!   asked for: [`with_catalog`](EventsService::with_catalog) answers
//!   `GET /events/catalog` with it, and [`CatalogService`] is the catalog
//!   alone, to mount at a path of the application's choice.
//!
//! These are the rules of [PROTOCOL.md §10](crate::protocol#10-serving-health-limits-and-shutdown);
//! the connection-level ones (header read and idle timeouts, the drain on
//! shutdown) are [`serve`](crate::serve)'s, which serves this service.
//!
//! ```no_run
//! use events_protocol::Processor;
//! use events_protocol::service::EventsService;
//! use hyper_util::rt::{TokioExecutor, TokioIo};
//! use hyper_util::server::conn::auto::Builder;
//! use hyper_util::service::TowerToHyperService;
//!
//! # async fn serve() -> std::io::Result<()> {
//! let service = EventsService::new(Processor::new());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! loop {
//!     let (stream, _) = listener.accept().await?;
//!     let service = TowerToHyperService::new(service.clone());
//!     tokio::spawn(async move {
//!         let _ = Builder::new(TokioExecutor::new())
//!             .serve_connection(TokioIo::new(stream), service)
//!             .await;
//!     });
//! }
//! # }
//! ```

mod blocking;
mod catalog;
mod health;
pub(crate) mod throttle;

use std::convert::Infallible;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::{BodyExt, Full};

use crate::Processor;
use crate::processor::InPlace;
use crate::trace::TraceHeaders;

use blocking::{Blocking, Refused};

pub use blocking::{DEFAULT_MAX_BLOCKING, DEFAULT_MAX_QUEUED};
pub use catalog::CatalogService;
pub use health::{Health, LIVENESS_PATH, READINESS_PATH};

/// How long a request body may take to arrive whole, by default: 30 s.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The `Retry-After` of a `503` refusal, in seconds.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// The paths [`EventsService::new`] answers at (and the `axum` routes).
pub const EVENTS_PATHS: [&str; 2] = ["/events", "/events/"];

/// The body of every answer of the service: the answer event, or a line of
/// text for an HTTP-level refusal.
pub type ResponseBody = Full<Bytes>;

/// An error of a request body, as [`Body::Error`] converts into it.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The events endpoint: a cheap-to-clone [`tower_service::Service`] answering
/// HTTP requests with a [`Processor`] (see [the module](self)). Its clones
/// share one bound on blocking handlers.
///
/// ```
/// use std::time::Duration;
///
/// use events_protocol::Processor;
/// use events_protocol::service::{EventsService, Health};
///
/// let health = Health::new();
/// let service = EventsService::new(Processor::new().with_deadline(Duration::from_secs(10)))
///     .with_max_blocking(64)
///     .with_max_queued(64)
///     .with_body_read_timeout(Duration::from_secs(10))
///     .with_health(health.clone());
/// assert_eq!(service.max_blocking(), 64);
/// assert_eq!(service.health().map(Health::is_ready), Some(true));
/// ```
#[derive(Clone)]
pub struct EventsService {
    shared: Arc<Shared>,
}

struct Shared {
    processor: Processor,
    any_path: bool,
    /// Whether `GET /events/catalog` is answered (`with_catalog`).
    catalog: bool,
    health: Option<Health>,
    body_read_timeout: Duration,
    blocking: Blocking,
}

impl Clone for Shared {
    /// A copy with the same settings, and a bound of its own.
    fn clone(&self) -> Shared {
        Shared {
            processor: self.processor.clone(),
            any_path: self.any_path,
            catalog: self.catalog,
            health: self.health.clone(),
            body_read_timeout: self.body_read_timeout,
            blocking: Blocking::new(self.blocking.running(), self.blocking.queued()),
        }
    }
}

impl From<Processor> for EventsService {
    fn from(processor: Processor) -> EventsService {
        EventsService::new(processor)
    }
}

impl EventsService {
    /// The endpoint of `processor`, at `/events` and `/events/`, with the
    /// default limits: [`DEFAULT_MAX_BLOCKING`], [`DEFAULT_MAX_QUEUED`],
    /// [`DEFAULT_BODY_READ_TIMEOUT`]; no health checks.
    pub fn new(processor: Processor) -> EventsService {
        EventsService {
            shared: Arc::new(Shared {
                processor,
                any_path: false,
                catalog: false,
                health: None,
                body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
                blocking: Blocking::new(DEFAULT_MAX_BLOCKING, DEFAULT_MAX_QUEUED),
            }),
        }
    }

    /// Answers at whatever path the request has: for a service mounted at
    /// a path of the application's choice (the `axum` routes are).
    #[must_use]
    pub fn at_any_path(mut self) -> EventsService {
        Arc::make_mut(&mut self.shared).any_path = true;
        self
    }

    /// Also answers [`CATALOG_PATH`](crate::catalog::CATALOG_PATH),
    /// `/events/catalog`, with the processor's
    /// [catalog](crate::catalog) (PROTOCOL.md §9): `GET` (or `HEAD`) is
    /// answered `200` with the catalog as JSON, any other method `405`.
    /// Without it (the default) that path is `404`, as any other: a
    /// service's shape is not public unless its owner says so.
    #[must_use]
    pub fn with_catalog(mut self) -> EventsService {
        Arc::make_mut(&mut self.shared).catalog = true;
        self
    }

    /// Answers the health checks too, `GET /health/live` and
    /// `GET /health/ready`, with `health` ([`Health`]); give the same handle
    /// to [`serve`](crate::serve::Serve::with_health) so that readiness
    /// turns to `503` when the server begins to shut down.
    #[must_use]
    pub fn with_health(mut self, health: Health) -> EventsService {
        Arc::make_mut(&mut self.shared).health = Some(health);
        self
    }

    /// Sets how many handlers that may block run at once (at least one;
    /// [`DEFAULT_MAX_BLOCKING`] by default). Tokio's blocking pool must allow
    /// as many threads (512 by default).
    #[must_use]
    pub fn with_max_blocking(mut self, running: usize) -> EventsService {
        let shared = Arc::make_mut(&mut self.shared);
        shared.blocking = Blocking::new(running, shared.blocking.queued());
        self
    }

    /// Sets how many more wait for a thread ([`DEFAULT_MAX_QUEUED`] by
    /// default; `0`: none waits). Past them, an event whose handler may
    /// block is refused at once: `503` with `Retry-After: 1`.
    #[must_use]
    pub fn with_max_queued(mut self, queued: usize) -> EventsService {
        let shared = Arc::make_mut(&mut self.shared);
        shared.blocking = Blocking::new(shared.blocking.running(), queued);
        self
    }

    /// Sets how long a request body may take to arrive whole, from the
    /// moment the request's head was read ([`DEFAULT_BODY_READ_TIMEOUT`] by
    /// default); past it, `408` with `Connection: close`.
    #[must_use]
    pub fn with_body_read_timeout(mut self, timeout: Duration) -> EventsService {
        Arc::make_mut(&mut self.shared).body_read_timeout = timeout;
        self
    }

    /// The processor answering the events.
    pub fn processor(&self) -> &Processor {
        &self.shared.processor
    }

    /// The health handle, if it answers the health checks.
    pub fn health(&self) -> Option<&Health> {
        self.shared.health.as_ref()
    }

    /// How many handlers that may block run at once.
    pub fn max_blocking(&self) -> usize {
        self.shared.blocking.running()
    }

    /// How many more wait for a thread.
    pub fn max_queued(&self) -> usize {
        self.shared.blocking.queued()
    }

    /// How long a request body may take to arrive whole.
    pub fn body_read_timeout(&self) -> Duration {
        self.shared.body_read_timeout
    }

    /// Answers one HTTP request, as [`tower_service::Service::call`] does.
    pub async fn answer<B>(&self, request: Request<B>) -> Response<ResponseBody>
    where
        B: Body,
        B::Error: Into<BoxError>,
    {
        if let Some(answer) = self
            .shared
            .health
            .as_ref()
            .and_then(|health| health.answer(&request))
        {
            return answer;
        }
        if self.shared.catalog && request.uri().path() == crate::catalog::CATALOG_PATH {
            return catalog::answer(&self.shared.processor, request.method());
        }
        if !self.shared.any_path && !EVENTS_PATHS.contains(&request.uri().path()) {
            return text(StatusCode::NOT_FOUND, "no events route at this path\n");
        }
        let shared = &*self.shared;
        answer(
            &shared.processor,
            request,
            shared.body_read_timeout,
            Some(&shared.blocking),
        )
        .await
    }
}

impl std::fmt::Debug for EventsService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shared = &*self.shared;
        f.debug_struct("EventsService")
            .field("processor", &shared.processor)
            .field("any_path", &shared.any_path)
            .field("catalog", &shared.catalog)
            .field("health", &shared.health)
            .field("body_read_timeout", &shared.body_read_timeout)
            .field("max_blocking", &shared.blocking.running())
            .field("max_queued", &shared.blocking.queued())
            .finish()
    }
}

impl<B> tower_service::Service<Request<B>> for EventsService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResponseBody>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let service = self.clone();
        Box::pin(async move { Ok(service.answer(request).await) })
    }
}

/// Answers an HTTP request carrying an event with `processor`, at any path:
/// its body read within `body_read_timeout`, its blocking handler within
/// `blocking`'s bound (with none, without a bound).
pub(crate) async fn answer<B>(
    processor: &Processor,
    request: Request<B>,
    body_read_timeout: Duration,
    blocking: Option<&Blocking>,
) -> Response<ResponseBody>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    if request.method() != Method::POST {
        let mut response = text(
            StatusCode::METHOD_NOT_ALLOWED,
            "events are sent with POST\n",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let limit = processor.max_body_bytes();
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large(limit);
    }
    let (parts, body) = request.into_parts();
    let reading = read_limited(body, limit, declared);
    let Ok(body) = tokio::time::timeout(body_read_timeout, reading).await else {
        tracing::debug!(
            ?body_read_timeout,
            "the request body was not received in time"
        );
        let mut response = text(
            StatusCode::REQUEST_TIMEOUT,
            "the request body was not received in time\n",
        );
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    };
    let body = match body {
        Ok(body) => body,
        Err(ReadError::TooLarge) => return too_large(limit),
        Err(ReadError::Failed(error)) => {
            tracing::debug!(%error, "the request body could not be read");
            return text(
                StatusCode::BAD_REQUEST,
                "the request body could not be read\n",
            );
        }
    };
    // the body is read once; a handler that may block is handed, with the
    // event as read and its span, to the blocking pool
    let trace_headers = TraceHeaderValues::of(&parts.headers);
    let answer = match processor
        .process_bytes_in_place_timed(&body, trace_headers.get(), tokio::time::sleep)
        .await
    {
        InPlace::Answered(answer) => answer,
        InPlace::Blocking(handoff) => {
            let answered = match blocking {
                Some(blocking) => blocking.answer(handoff).await,
                None => Blocking::unbounded(handoff).await,
            };
            match answered {
                Ok(answer) => answer,
                Err(Refused::Overloaded) => return overloaded(),
                Err(Refused::Failed) => {
                    return text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "the event could not be answered\n",
                    );
                }
            }
        }
    };
    let mut response = Response::new(Full::new(Bytes::from(answer)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A refusal at the HTTP level: `status`, and a line of text.
fn text(status: StatusCode, line: impl Into<Bytes>) -> Response<ResponseBody> {
    let mut response = Response::new(Full::new(line.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// `503` with `Retry-After`: the handler was not called.
fn overloaded() -> Response<ResponseBody> {
    let mut response = text(
        StatusCode::SERVICE_UNAVAILABLE,
        "too many events are waiting for a blocking thread; the event was not handled\n",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    response
}

/// `413` with a line of text saying the limit.
fn too_large(limit: usize) -> Response<ResponseBody> {
    tracing::debug!(limit, "request body over the limit");
    text(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is over the limit of {limit} bytes\n"),
    )
}

/// Why a body was not read whole.
enum ReadError {
    TooLarge,
    Failed(BoxError),
}

/// Reads a body up to `limit` bytes, stopping as soon as it goes over.
async fn read_limited<B>(body: B, limit: usize, declared: Option<u64>) -> Result<Vec<u8>, ReadError>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    /// What is reserved up front at most, whatever the client declares.
    const FIRST_RESERVATION: usize = 64 * 1024;
    let reserve = declared
        .and_then(|length| usize::try_from(length).ok())
        .unwrap_or(0)
        .min(limit)
        .min(FIRST_RESERVATION);
    let mut buffer = Vec::with_capacity(reserve);
    let mut body = pin!(body);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| ReadError::Failed(error.into()))?;
        if let Ok(mut data) = frame.into_data() {
            if data.remaining() > limit - buffer.len() {
                return Err(ReadError::TooLarge);
            }
            while data.has_remaining() {
                let chunk = data.chunk();
                let read = chunk.len();
                buffer.extend_from_slice(chunk);
                data.advance(read);
            }
        }
    }
    Ok(buffer)
}

/// The W3C trace headers of a request (PROTOCOL.md §8): one `traceparent`
/// line (several are none), and the `tracestate` lines joined with `,`.
struct TraceHeaderValues<'a> {
    traceparent: Option<&'a str>,
    tracestate: Option<std::borrow::Cow<'a, str>>,
}

impl<'a> TraceHeaderValues<'a> {
    fn of(headers: &'a http::HeaderMap) -> TraceHeaderValues<'a> {
        let mut traceparents = headers.get_all("traceparent").iter();
        let traceparent = match (traceparents.next(), traceparents.next()) {
            (Some(value), None) => value.to_str().ok(),
            _ => None,
        };
        let mut lines = headers
            .get_all("tracestate")
            .iter()
            .filter_map(|value| value.to_str().ok());
        let tracestate = lines.next().map(|first| match lines.next() {
            None => std::borrow::Cow::Borrowed(first),
            Some(second) => {
                let mut joined = format!("{first},{second}");
                for line in lines {
                    joined.push(',');
                    joined.push_str(line);
                }
                std::borrow::Cow::Owned(joined)
            }
        });
        TraceHeaderValues {
            traceparent,
            tracestate,
        }
    }

    fn get(&self) -> TraceHeaders<'_> {
        TraceHeaders::new(self.traceparent, self.tracestate.as_deref())
    }
}
