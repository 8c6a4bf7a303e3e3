//! The events route for [`axum`] (feature `axum`): [PROTOCOL.md §6](crate::protocol#6-http-binding) over
//! HTTP/1.
//!
//! [`router`] serves the link-time registry's handlers at `/events` and
//! `/events/`; [`routes`] does the same with a [`Processor`] of your choice,
//! and [`events_route`] gives the bare method router to mount at any path.
//!
//! - `POST` only: any other method is answered `405 Method Not Allowed`.
//! - A body longer than the processor's [`max_body_bytes`](Processor::max_body_bytes)
//!   is answered `413 Payload Too Large`, before it is read: a declared
//!   `Content-Length` over the limit is refused at once, and a body without
//!   one is read only up to the limit.
//! - Every event outcome, errors included, is `200` with
//!   `Content-Type: application/json` and the answer event as the body.
//! - Synchronous handlers run on the runtime's blocking threads
//!   ([`tokio::task::spawn_blocking`]), so a slow handler never stalls the
//!   worker threads; `async` handlers are awaited in place, on the request's
//!   task, and must not block. A synchronous handler declared `inline`
//!   (`#[event_handler(..., inline)]`, [`HandlerFn::Inline`](crate::registry::HandlerFn::Inline))
//!   promises never to block and runs in place too, saving the hand-off to
//!   the blocking pool; so do the answers the processor gives by itself.
//!
//! ```no_run
//! use events_protocol::{registry::{HandlerFn, Registration}, Event, Response};
//!
//! fn ping(_event: &Event<'_>) -> Response {
//!     Response::success("pong")
//! }
//!
//! events_protocol::registry::inventory::submit! {
//!     Registration::new("demo:served:ping", 1, HandlerFn::Blocking(ping), file!(), line!())
//! }
//!
//! # fn main() -> std::io::Result<()> {
//! let runtime = tokio::runtime::Builder::new_multi_thread().enable_io().build()?;
//! runtime.block_on(async {
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//!     axum::serve(listener, events_protocol::axum::router()).await
//! })
//! # }
//! ```
//!
//! Mounted in an application of your own, with its state and other routes:
//!
//! ```
//! use axum::Router;
//! use axum::extract::State;
//! use axum::routing::get;
//! use events_protocol::Processor;
//!
//! #[derive(Clone)]
//! struct AppState {
//!     greeting: &'static str,
//! }
//!
//! let processor = Processor::new().with_max_body_bytes(64 * 1024);
//! let app: Router = Router::new()
//!     .route("/hello", get(|State(state): State<AppState>| async move { state.greeting }))
//!     .merge(events_protocol::axum::routes(processor.clone()))
//!     .route("/api/v2/events", events_protocol::axum::events_route(processor))
//!     .with_state(AppState { greeting: "hello" });
//! # drop(app);
//! ```

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;

use ::axum::Router;
use ::axum::body::{Body, HttpBody};
use ::axum::extract::Request;
use ::axum::http::{HeaderValue, StatusCode, header};
use ::axum::response::{IntoResponse as _, Response};
use ::axum::routing::{MethodRouter, post};

use crate::Processor;
use crate::processor::InPlace;

/// The paths [`router`] and [`routes`] serve.
pub const EVENTS_PATHS: [&str; 2] = ["/events", "/events/"];

/// The events route at `/events` and `/events/`, answering with the handlers
/// of the link-time registry, as [`process_event`](crate::process_event)
/// does, with the default body limit
/// ([`DEFAULT_MAX_BODY_BYTES`](crate::processor::DEFAULT_MAX_BODY_BYTES)).
pub fn router() -> Router {
    routes(Processor::new())
}

/// The events route at `/events` and `/events/`, answering with `processor`:
/// its registry, its reading mode, its not-found naming, and its body limit
/// as the HTTP body limit (`413` above it).
///
/// The router's state type is free, so it merges into an application that has
/// a state of its own.
pub fn routes<S>(processor: Processor) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let route = events_route(processor);
    let [bare, slashed] = EVENTS_PATHS;
    Router::new()
        .route(bare, route.clone())
        .route(slashed, route)
}

/// The events route alone, to mount at a path of your choice: `POST` answered
/// with `processor`, any other method `405`.
pub fn events_route<S>(processor: Processor) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    let processor = Arc::new(processor);
    post(move |request: Request| handle(Arc::clone(&processor), request))
}

/// Answers one HTTP request carrying an event, as the routes of this module
/// do: for a handler of your own that does something else first (checks a
/// header, say) and then answers the event.
///
/// ```
/// use std::sync::Arc;
///
/// use axum::Router;
/// use axum::extract::{Request, State};
/// use axum::http::StatusCode;
/// use axum::response::{IntoResponse, Response};
/// use axum::routing::post;
/// use events_protocol::Processor;
///
/// async fn gated(State(processor): State<Arc<Processor>>, request: Request) -> Response {
///     if !request.headers().contains_key("x-internal") {
///         return StatusCode::FORBIDDEN.into_response();
///     }
///     events_protocol::axum::handle(processor, request).await
/// }
///
/// let app: Router = Router::new()
///     .route("/internal/events", post(gated))
///     .with_state(Arc::new(Processor::new()));
/// # drop(app);
/// ```
pub async fn handle(processor: Arc<Processor>, request: Request) -> Response {
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
            return (
                StatusCode::BAD_REQUEST,
                "the request body could not be read\n",
            )
                .into_response();
        }
    };
    // the body is read once when it is answered in place; a handler that may
    // block is handed, with the event's span, to the blocking pool
    let answer = match processor.process_bytes_in_place(&body).await {
        InPlace::Answered(answer) => answer,
        InPlace::Blocking(handoff) => {
            // the event, read once, goes along: its span and its answer
            // carry the same ids
            let task = tokio::task::spawn_blocking(move || handoff.answer());
            match task.await {
                Ok(answer) => answer,
                Err(error) => {
                    tracing::error!(%error, "the blocking task answering an event failed");
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
            }
        }
    };
    json(answer)
}

/// `200`, `Content-Type: application/json`, the answer event.
fn json(answer: String) -> Response {
    let mut response = Response::new(Body::from(answer));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `413` with a line of text saying the limit.
fn too_large(limit: usize) -> Response {
    tracing::debug!(limit, "request body over the limit");
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is over the limit of {limit} bytes\n"),
    )
        .into_response()
}

/// Why a body was not read whole.
enum ReadError {
    TooLarge,
    Failed(::axum::Error),
}

/// Reads a body up to `limit` bytes, stopping as soon as it goes over.
async fn read_limited(
    mut body: Body,
    limit: usize,
    declared: Option<u64>,
) -> Result<Vec<u8>, ReadError> {
    /// What is reserved up front at most, whatever the client declares.
    const FIRST_RESERVATION: usize = 64 * 1024;
    let reserve = declared
        .and_then(|length| usize::try_from(length).ok())
        .unwrap_or(0)
        .min(limit)
        .min(FIRST_RESERVATION);
    let mut buffer = Vec::with_capacity(reserve);
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(ReadError::Failed)?;
        if let Ok(data) = frame.into_data() {
            if data.len() > limit - buffer.len() {
                return Err(ReadError::TooLarge);
            }
            buffer.extend_from_slice(&data);
        }
    }
    Ok(buffer)
}
