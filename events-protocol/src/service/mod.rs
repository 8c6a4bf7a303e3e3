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
//! - [`EventsService::new`] answers at `/events` and `/events/` only (`404`
//!   elsewhere), what a server of its own wants;
//!   [`at_any_path`](EventsService::at_any_path) answers whatever path it is
//!   mounted at.
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

use std::convert::Infallible;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::{BodyExt, Full};

use crate::Processor;
use crate::processor::InPlace;

/// The paths [`EventsService::new`] answers at (and the `axum` routes).
pub const EVENTS_PATHS: [&str; 2] = ["/events", "/events/"];

/// The body of every answer of the service: the answer event, or a line of
/// text for an HTTP-level refusal.
pub type ResponseBody = Full<Bytes>;

/// An error of a request body, as [`Body::Error`] converts into it.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The events endpoint: a cheap-to-clone [`tower_service::Service`] answering
/// HTTP requests with a [`Processor`] (see [the module](self)).
#[derive(Clone)]
pub struct EventsService {
    shared: Arc<Shared>,
}

#[derive(Clone)]
struct Shared {
    processor: Processor,
    any_path: bool,
}

impl EventsService {
    /// The endpoint of `processor`, at `/events` and `/events/`.
    pub fn new(processor: Processor) -> EventsService {
        EventsService {
            shared: Arc::new(Shared {
                processor,
                any_path: false,
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

    /// The processor answering the events.
    pub fn processor(&self) -> &Processor {
        &self.shared.processor
    }

    /// Answers one HTTP request, as [`tower_service::Service::call`] does.
    pub async fn answer<B>(&self, request: Request<B>) -> Response<ResponseBody>
    where
        B: Body,
        B::Error: Into<BoxError>,
    {
        if !self.shared.any_path && !EVENTS_PATHS.contains(&request.uri().path()) {
            return text(StatusCode::NOT_FOUND, "no events route at this path\n");
        }
        answer(&self.shared.processor, request).await
    }
}

impl std::fmt::Debug for EventsService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventsService")
            .field("processor", &self.shared.processor)
            .field("any_path", &self.shared.any_path)
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

/// Answers an HTTP request carrying an event with `processor`, at any path.
pub(crate) async fn answer<B>(processor: &Processor, request: Request<B>) -> Response<ResponseBody>
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
    let body = match read_limited(request.into_body(), limit, declared).await {
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
    let answer = match processor.process_bytes_in_place(&body).await {
        InPlace::Answered(answer) => answer,
        InPlace::Blocking(handoff) => {
            match tokio::task::spawn_blocking(|| handoff.answer()).await {
                Ok(answer) => answer,
                Err(error) => {
                    tracing::error!(%error, "the blocking task answering an event failed");
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
fn text(status: StatusCode, line: &'static str) -> Response<ResponseBody> {
    let mut response = Response::new(Full::new(Bytes::from_static(line.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// `413` with a line of text saying the limit.
fn too_large(limit: usize) -> Response<ResponseBody> {
    tracing::debug!(limit, "request body over the limit");
    let mut response = Response::new(Full::new(Bytes::from(format!(
        "the request body is over the limit of {limit} bytes\n"
    ))));
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
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
