//! Liveness and readiness ([PROTOCOL.md §10](crate::protocol#10-serving-health-limits-and-shutdown)):
//! `GET /health/live` answers `200` while the process answers at all;
//! `GET /health/ready` answers `200` until the server begins to shut down,
//! `503` from then on.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use http::{HeaderValue, Method, Request, Response, StatusCode, header};

use super::{ResponseBody, text};

/// The path of the liveness answer.
pub const LIVENESS_PATH: &str = "/health/live";

/// The path of the readiness answer.
pub const READINESS_PATH: &str = "/health/ready";

/// Whether the server is ready: a cheap-to-clone handle shared by the
/// [`EventsService`](super::EventsService) that answers the health checks
/// ([`EventsService::with_health`](super::EventsService::with_health)) and
/// whoever knows when the server stops (the [`serve`](crate::serve) helper
/// turns it to not ready on the shutdown signal).
///
/// It is also a [`tower_service::Service`] answering the two paths by itself,
/// `404` elsewhere: what the `axum` routes mount.
///
/// | request | answer |
/// |---|---|
/// | `GET` or `HEAD` [`/health/live`](LIVENESS_PATH) | `200`, `live` |
/// | `GET` or `HEAD` [`/health/ready`](READINESS_PATH), ready | `200`, `ready` |
/// | `GET` or `HEAD` [`/health/ready`](READINESS_PATH), shutting down | `503`, `not ready` |
/// | another method on either path | `405`, `Allow: GET, HEAD` |
///
/// ```
/// use events_protocol::service::Health;
///
/// let health = Health::new();
/// assert!(health.is_ready());
/// health.set_ready(false);
/// assert!(!health.is_ready());
/// ```
#[derive(Clone, Debug)]
pub struct Health {
    ready: Arc<AtomicBool>,
}

impl Default for Health {
    fn default() -> Health {
        Health::new()
    }
}

impl Health {
    /// A handle that says ready.
    pub fn new() -> Health {
        Health {
            ready: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Whether the readiness answer is `200`.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Sets the readiness answer: `200` when `ready`, else `503`.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }

    /// The answer to a request at one of the two paths; `None` at any other
    /// path.
    pub(super) fn answer<B>(&self, request: &Request<B>) -> Option<Response<ResponseBody>> {
        let path = request.uri().path();
        let is_live = path == LIVENESS_PATH;
        if !is_live && path != READINESS_PATH {
            return None;
        }
        if request.method() != Method::GET && request.method() != Method::HEAD {
            let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "health is read with GET\n");
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return Some(response);
        }
        Some(if is_live {
            text(StatusCode::OK, "live\n")
        } else if self.is_ready() {
            text(StatusCode::OK, "ready\n")
        } else {
            text(StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
        })
    }
}

impl<B> tower_service::Service<Request<B>> for Health {
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = Ready<Result<Response<ResponseBody>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        ready(Ok(self.answer(&request).unwrap_or_else(|| {
            text(StatusCode::NOT_FOUND, "no health check at this path\n")
        })))
    }
}
