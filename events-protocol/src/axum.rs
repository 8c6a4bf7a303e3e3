//! The events route for [`axum`] (feature `axum`): [PROTOCOL.md §6](crate::protocol#6-http-binding) over
//! HTTP/1, served by the one implementation of the endpoint, the `tower`
//! service [`EventsService`] (see
//! [`service`](crate::service) for what it answers).
//!
//! [`router`] serves the link-time registry's handlers at `/events` and
//! `/events/`; [`routes`] does the same with a [`Processor`] of your choice,
//! and [`events_route`] gives the bare method router to mount at any path.
//! Each answers exactly as the service does: `405` but for `POST`, `413`
//! over the body limit before the body is read, `200` and the answer event
//! for every event outcome, handlers that may block on the blocking pool.
//!
//! ```no_run
//! use events_protocol::registry::{HandlerFn, Registration};
//! use events_protocol::{Event, Response};
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

use std::sync::Arc;

use ::axum::Router;
use ::axum::extract::Request;
use ::axum::response::{IntoResponse as _, Response};
use ::axum::routing::{MethodRouter, any_service};

use crate::Processor;
use crate::service::{EVENTS_PATHS, EventsService};

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
    let service = EventsService::new(processor).at_any_path();
    let [bare, slashed] = EVENTS_PATHS;
    Router::new()
        .route_service(bare, service.clone())
        .route_service(slashed, service)
}

/// The events route alone, to mount at a path of your choice: `POST` answered
/// with `processor`, any other method `405`.
pub fn events_route<S>(processor: Processor) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    any_service(EventsService::new(processor).at_any_path())
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
    crate::service::answer(&processor, request)
        .await
        .into_response()
}
