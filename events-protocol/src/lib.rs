//! A client and a server of the **Events Protocol**: a JSON envelope
//! (`name`, `version`, `id`, `flowId`, `payload`, `identity`, `auth`,
//! `metadata`) sent by HTTP POST and answered by an event named
//! `<name>:response`, `<name>:redirect` or `<name>:<errorType>`.
//!
//! A handler is a function of the request event; submitted to the link-time
//! registry, it is found by [`process_event`] with no registration code, from
//! any web framework:
//!
//! ```
//! use events_protocol::{Event, EventError, HandlerFn, Registration, Response};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize)]
//! struct Greet {
//!     name: String,
//! }
//!
//! #[derive(Serialize)]
//! struct Greeting {
//!     text: String,
//! }
//!
//! fn greet(event: &Event<'_>) -> Response {
//!     let greet: Greet = match event.payload_as() {
//!         Ok(greet) => greet,
//!         Err(_) => return Response::error(&EventError::bad_request("NAME_REQUIRED")),
//!     };
//!     Response::success(&Greeting { text: format!("hello, {}", greet.name) })
//! }
//!
//! events_protocol::inventory::submit! {
//!     Registration::new("demo:greet", 1, HandlerFn::Blocking(greet), file!(), line!())
//! }
//!
//! let answer = events_protocol::process_event(
//!     r#"{"name":"demo:greet","version":1,"id":"i-1","flowId":"f-1","payload":{"name":"Ada"},"auth":{"token":"t"}}"#,
//! );
//! assert_eq!(
//!     answer,
//!     r#"{"name":"demo:greet:response","version":1,"id":"i-1","flowId":"f-1","payload":{"text":"hello, Ada"},"identity":{},"auth":{},"metadata":{}}"#
//! );
//! ```
//!
//! The parts, each in its own module:
//!
//! - the event model, [`Event`], read leniently or strictly ([`ReadMode`]) and
//!   written with the eight keys in the protocol's order;
//! - errors: [`EventErrorType`], [`ErrorPayload`], the handler's [`EventError`],
//!   and the reading errors [`ProtocolError`] and [`ViewError`];
//! - answers: [`Response`], [`Redirect`], [`IntoResponse`], and request events
//!   with [`EventBuilder`];
//! - the [`Registry`] of handlers (link-time, or filled by hand);
//! - the [`Processor`] that answers bodies, behind [`process_event`];
//! - the [`EventContext`] a handler runs in;
//! - the macros: [`event_handler`] makes a plain function a registered
//!   handler, with typed views ([`Identity`], [`Auth`], [`Metadata`]) as
//!   parameters and a request type for typed calls; [`EventRequest`](macro@EventRequest)
//!   derives one for a payload struct;
//! - with the feature `client` (on by default), the HTTP [`EventClient`]: any
//!   event sent with [`EventClient::send_event`] and its [`Answer`] classified,
//!   typed calls of any [`EventRequest`], and every failure its own
//!   [`SendError`] or [`CallError`];
//! - with the feature `axum`, the [`axum`](mod@axum) module: the events route,
//!   ready to serve or to mount.

#![warn(missing_docs)]

mod builder;
#[cfg(feature = "client")]
mod client;
mod context;
mod error;
mod escape;
mod event;
mod extract;
mod parse;
mod processor;
mod raw;
mod registry;
mod request;
mod response;
mod scan;
mod view;
mod write;

#[doc(hidden)]
pub mod __private;
#[doc(hidden)]
pub mod __testing;

#[cfg(feature = "axum")]
pub mod axum;
pub mod trace;

pub use builder::EventBuilder;
#[cfg(feature = "client")]
pub use client::{
    Answer, Call, CallError, ClientBuildError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_ANSWER_BYTES,
    DEFAULT_TIMEOUT, EventClient, EventClientBuilder, Failure, SendError, TypedCall,
};
pub use context::{EventContext, WithContext};
pub use error::{ErrorPayload, EventError, EventErrorType};
pub use event::Event;
pub use extract::{Auth, Identity, Metadata};
pub use parse::{FieldError, ProtocolError, ReadMode};
pub use processor::{Blocking, DEFAULT_MAX_BODY_BYTES, NotFoundStyle, Processor};
pub use registry::{
    BoxFuture, DuplicateHandler, DuplicateHandlers, HandlerFn, Location, Registration, Registry,
    check_handlers,
};
pub use request::{EventRequest, NoPayload};
pub use response::{IntoResponse, Json, Redirect, Response};
pub use view::{MismatchKind, ViewError};

pub use events_protocol_derive::{EventRequest, event_handler};

/// The `inventory` crate, for submitting a [`Registration`] by hand.
pub use inventory;

/// The processor of [`process_event`] and its variants: the link-time
/// registry, default options.
static DEFAULT: Processor = Processor::new();

/// Answers one event body with the link-time registry's handlers: the
/// response event, or the error event PROTOCOL.md §5 prescribes. Never panics
/// (a handler's panic is caught, unless the program is built with
/// `panic = "abort"`).
///
/// # Blocking
///
/// It runs the handler on the calling thread, and drives an `async` one to
/// completion there: inside an async runtime, use [`process_event_async`]
/// (an `async` handler that waits on the runtime's timers or sockets never
/// completes when driven here).
#[must_use]
pub fn process_event(body: &str) -> String {
    DEFAULT.process(body)
}

/// [`process_event`] for a body given as bytes.
#[must_use]
pub fn process_event_bytes(body: &[u8]) -> String {
    DEFAULT.process_bytes(body)
}

/// [`process_event`] that awaits `async` handlers in place, on any runtime.
pub fn process_event_async(body: &str) -> impl std::future::Future<Output = String> + Send + '_ {
    DEFAULT.process_async(body)
}
