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
//! use events_protocol::registry::{HandlerFn, Registration};
//! use events_protocol::{Event, EventError, Response};
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
//! events_protocol::registry::inventory::submit! {
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
//! The crate root holds what nearly every program names; the rest lives in
//! modules:
//!
//! - the event model, [`Event`], read leniently or strictly
//!   ([`ReadMode`](processor::ReadMode)) and written with the eight keys in
//!   the protocol's order; request events are built with
//!   [`Event::builder`];
//! - answers: [`Response`], [`Redirect`], [`Json`] and [`IntoResponse`], and
//!   the handler's error [`EventError`]; every error type of the library is
//!   in [`error`];
//! - the [`Registry`] of handlers (link-time, or filled by hand), with
//!   [`registry`] holding what registering by hand needs;
//! - the [`Processor`] that answers bodies, behind [`process_event`], with
//!   its settings in [`processor`];
//! - the [`EventContext`] a handler runs in ([`context`]), and the
//!   application's [`State`] a handler takes, given once to the processor;
//! - the macros: [`event_handler`] makes a plain function a registered
//!   handler, with typed views ([`Identity`], [`Auth`], [`Metadata`]) as
//!   parameters and a request type for typed calls; [`EventRequest`](macro@EventRequest)
//!   derives one for a payload struct ([`request`]);
//! - with the feature `client` (on by default), the [`client`] module: the
//!   HTTP [`EventClient`] (and, with `client-async`, its async twin): any
//!   event sent and its [`Answer`] classified, typed calls of any
//!   [`EventRequest`], every failure its own [`CallError`] or
//!   [`SendError`](client::SendError);
//! - with the feature `tower`, the events endpoint as a `tower` service,
//!   [`service::EventsService`], for hyper 1.x or any tower stack; with the
//!   feature `axum`, the [`axum`](mod@axum) module: the same endpoint as
//!   axum routes, ready to serve or to mount; with the feature `serve`,
//!   [`serve`](mod@serve): either served over HTTP/1.1 as a fleet needs it
//!   (a graceful drain on shutdown, header read and idle timeouts, health
//!   checks);
//! - trace context carried in `metadata.trace` ([`trace`]): read from every
//!   event, continued by the handler, written into the calls it makes
//!   (W3C Trace Context and Datadog's keys, as PROTOCOL.md §8 says);
//! - the [`catalog`] of the handlers served: names, versions, kinds, doc
//!   comments and (feature `schemars`) JSON Schemas, in process and, opt-in,
//!   at `GET /events/catalog`;
//! - the wire contract itself, [`protocol`]: PROTOCOL.md, which the
//!   documentation cites by section.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod builder;
mod escape;
mod event;
mod extract;
mod json;
mod objects;
mod otel;
mod raw;
mod read;
mod response;
mod state;
mod write;

#[cfg(feature = "axum")]
pub mod axum;
pub mod catalog;
#[cfg(feature = "client")]
pub mod client;
pub mod context;
pub mod error;
#[cfg(feature = "metrics")]
pub mod metrics;
#[cfg(not(feature = "metrics"))]
mod metrics;
pub mod processor;
pub mod protocol;
pub mod registry;
pub mod request;
#[cfg(feature = "serve")]
pub mod serve;
#[cfg(feature = "tower")]
pub mod service;
pub mod trace;

#[doc(hidden)]
#[path = "__private.rs"]
pub mod __private_0_1_0;
#[cfg(any(test, feature = "__testing"))]
#[doc(hidden)]
pub mod __testing;

#[cfg(feature = "client")]
pub use client::{Answer, CallError, EventClient};
pub use context::EventContext;
pub use error::EventError;
pub use event::Event;
pub use extract::{Auth, Identity, Metadata};
pub use processor::Processor;
pub use registry::Registry;
pub use request::EventRequest;
pub use response::{IntoResponse, Json, Redirect, Response};
pub use state::State;

pub use events_protocol_derive::{EventRequest, event_handler};

/// The processor of [`process_event`] and its variants: the link-time
/// registry, default options.
static DEFAULT: Processor = Processor::new();

/// Answers one event body with the link-time registry's handlers: the
/// response event, or the error event [PROTOCOL.md §5](crate::protocol#5-outcomes-the-server-produces-by-itself) prescribes. Never panics
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
