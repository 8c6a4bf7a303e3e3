//! What the macros' generated code calls. Not a public API: it may change in
//! any release.

pub use inventory;
pub use serde;
pub use serde_json;

pub use crate::registry::{BoxFuture, HandlerFn, Registration};
pub use crate::{Event, EventError, EventRequest, IntoResponse, Json, Response};

use serde::{Deserialize, Serialize};

use crate::ViewError;

/// The `badRequest` answer for a view that does not fit: code
/// `MISSING_FIELDS`, the failing path in `fields`.
pub fn bad_request(error: &ViewError) -> Response {
    error.clone().into_response()
}

/// Reads the payload, or answers `badRequest`.
pub fn payload<'a, T: Deserialize<'a>>(event: &'a Event<'a>) -> Result<T, Response> {
    event.payload_as().map_err(|error| bad_request(&error))
}

/// Reads the identity, or answers `badRequest`.
pub fn identity<'a, T: Deserialize<'a>>(event: &'a Event<'a>) -> Result<T, Response> {
    event.identity_as().map_err(|error| bad_request(&error))
}

/// Reads the auth object, or answers `badRequest`.
pub fn auth<'a, T: Deserialize<'a>>(event: &'a Event<'a>) -> Result<T, Response> {
    event.auth_as().map_err(|error| bad_request(&error))
}

/// Reads the metadata, or answers `badRequest`.
pub fn metadata<'a, T: Deserialize<'a>>(event: &'a Event<'a>) -> Result<T, Response> {
    event.metadata_as().map_err(|error| bad_request(&error))
}

/// A success answer with a serialisable payload.
pub fn success<T: Serialize + ?Sized>(payload: &T) -> Response {
    Response::success(payload)
}

/// An answer from anything a handler may return.
pub fn into_response<R: IntoResponse>(value: R) -> Response {
    value.into_response()
}

/// An error answer from anything convertible into an [`EventError`].
pub fn error<E: Into<EventError>>(error: E) -> Response {
    Response::error(&error.into())
}
