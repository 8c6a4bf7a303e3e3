//! The events route for [`axum`] (feature `axum`): [PROTOCOL.md §6](crate::protocol#6-http-binding) over
//! HTTP/1, served by the one implementation of the endpoint, the `tower`
//! service [`EventsService`] (see
//! [`service`](crate::service) for what it answers).
//!
//! [`router`] serves the link-time registry's handlers at `/events` and
//! `/events/`; [`routes`] does the same with a [`Processor`] of your choice,
//! or an [`EventsService`] with its limits and health checks, and
//! [`events_route`] gives the bare method router to mount at any path;
//! [`catalog_route`] serves the [catalog](crate::catalog), opt-in.
//! Each answers exactly as the service does: `405` but for `POST`, `413`
//! over the body limit before the body is read, `200` and the answer event
//! for every event outcome, handlers that may block on the blocking pool
//! within their bound (`503` past it) and the processor's deadline.
//!
//! [`axum::serve`](::axum::serve()) serves these routes, and so does
//! [`events_protocol::serve`](crate::serve) (feature `serve`), which adds what
//! a fleet needs: a graceful drain on shutdown, header read and idle
//! timeouts, readiness turning to `503` when it begins to stop.
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
use crate::service::{CatalogService, EVENTS_PATHS, EventsService, LIVENESS_PATH, READINESS_PATH};

/// The events route at `/events` and `/events/`, answering with the handlers
/// of the link-time registry, as [`process_event`](crate::process_event)
/// does, with the default body limit
/// ([`DEFAULT_MAX_BODY_BYTES`](crate::processor::DEFAULT_MAX_BODY_BYTES)).
pub fn router() -> Router {
    routes(Processor::new())
}

/// The events route at `/events` and `/events/`, answering with a
/// [`Processor`] (its registry, its reading mode, its not-found naming, its
/// deadline, and its body limit as the HTTP body limit, `413` above it) or
/// with an [`EventsService`] of your settings. A service
/// [with health checks](EventsService::with_health) is also routed at
/// `/health/live` and `/health/ready`.
///
/// The router's state type is free, so it merges into an application that has
/// a state of its own.
///
/// ```
/// use std::time::Duration;
///
/// use events_protocol::Processor;
/// use events_protocol::service::{EventsService, Health};
///
/// let processor = Processor::new().with_deadline(Duration::from_secs(10));
/// let app: axum::Router = events_protocol::axum::routes(
///     EventsService::new(processor)
///         .with_max_blocking(32)
///         .with_health(Health::new()),
/// );
/// # drop(app);
/// ```
pub fn routes<S>(service: impl Into<EventsService>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let service = service.into().at_any_path();
    let [bare, slashed] = EVENTS_PATHS;
    let router = match service.health() {
        Some(health) => Router::new()
            .route_service(LIVENESS_PATH, health.clone())
            .route_service(READINESS_PATH, health.clone()),
        None => Router::new(),
    };
    router
        .route_service(bare, service.clone())
        .route_service(slashed, service)
}

/// The events route alone, to mount at a path of your choice: `POST` answered
/// with a [`Processor`] or an [`EventsService`], any other method `405`.
pub fn events_route<S>(service: impl Into<EventsService>) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    any_service(service.into().at_any_path())
}

/// The [catalog](crate::catalog) route alone (PROTOCOL.md §9), opt-in: `GET`
/// answered with `processor`'s catalog as JSON, any other method `405`. Mount
/// it at [`CATALOG_PATH`](crate::catalog::CATALOG_PATH), `/events/catalog`,
/// beside [`routes`] (or at your events path followed by `/catalog`), where
/// clients look for it.
///
/// ```
/// use axum::Router;
/// use events_protocol::Processor;
/// use events_protocol::catalog::CATALOG_PATH;
///
/// let processor = Processor::new();
/// let app: Router = events_protocol::axum::routes(processor.clone())
///     .route(CATALOG_PATH, events_protocol::axum::catalog_route(processor));
/// # drop(app);
/// ```
pub fn catalog_route<S>(processor: Processor) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    any_service(CatalogService::new(processor))
}

/// Answers one HTTP request carrying an event, as the routes of this module
/// do: for a handler of your own that does something else first (checks a
/// header, say) and then answers the event. It keeps the processor's
/// deadline and the default body read timeout, but has no service to share
/// a bound on blocking handlers with: to keep one, hold an [`EventsService`]
/// in your state and call [`EventsService::answer`].
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
    crate::service::answer(
        &processor,
        request,
        crate::service::DEFAULT_BODY_READ_TIMEOUT,
        None,
    )
    .await
    .into_response()
}
