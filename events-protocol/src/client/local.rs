//! Typed calls through a [`Processor`], without HTTP: what a client would
//! return, for unit tests of handlers.
//!
//! The request is written as the client writes it (`id` and `flowId` from
//! the current [`EventContext`](crate::EventContext), else fresh UUIDs),
//! answered by [`Processor::process`] or [`Processor::process_async`], and
//! read as the client reads a `200` answer, so a handler's test sees exactly
//! the `Result` a caller over HTTP would.
//!
//! ```
//! use events_protocol::client::{local, CallError};
//! use events_protocol::{event_handler, EventError, Processor};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Withdrawal {
//!     amount: u64,
//! }
//!
//! #[derive(Debug, PartialEq, Serialize, Deserialize)]
//! struct Balance {
//!     balance: u64,
//! }
//!
//! #[event_handler(name = "account:withdraw", version = 1)]
//! fn withdraw(withdrawal: Withdrawal) -> Result<Balance, EventError> {
//!     match 100_u64.checked_sub(withdrawal.amount) {
//!         Some(balance) => Ok(Balance { balance }),
//!         None => Err(EventError::forbidden("INSUFFICIENT_FUNDS").with("balance", 100)),
//!     }
//! }
//!
//! // the link-time registry, as `process_event` serves it
//! let processor = Processor::new();
//! let balance = local::call(&processor, &WithdrawRequest(Withdrawal { amount: 30 }))?;
//! assert_eq!(balance, Balance { balance: 70 });
//!
//! let refused = local::call(&processor, &WithdrawRequest(Withdrawal { amount: 500 }));
//! assert_eq!(
//!     refused.map_err(|error| error.event_error().cloned()).expect_err("refused"),
//!     Some(EventError::forbidden("INSUFFICIENT_FUNDS").with("balance", 100))
//! );
//! # Ok::<(), CallError>(())
//! ```
//!
//! [`call_async`] awaits `async` handlers in place, on any runtime; an
//! `async` handler that needs Tokio (its timers, its sockets, the
//! `AsyncEventClient`) is tested inside `#[tokio::test]`.

use crate::client::{Answer, CallError, SendError};
use crate::{Event, EventRequest, Processor};

/// Sends `request` through `processor` on this thread and reads the answer
/// as [`EventClient::call`](crate::client::EventClient::call) does.
///
/// An `async` handler is driven to completion on this thread (as
/// [`Processor::process`] does): use [`call_async`] inside an async runtime.
///
/// # Errors
///
/// As [`EventClient::call`](crate::client::EventClient::call); a transport
/// failure cannot happen, but a request whose payload cannot be serialised is
/// [`CallError::Send`] with [`SendError::InvalidEvent`].
pub fn call<R: EventRequest>(processor: &Processor, request: &R) -> Result<R::Response, CallError> {
    let body = body(request)?;
    read(&processor.process(&body))
}

/// [`call`] that awaits `async` handlers in place, on any runtime.
///
/// The request is written (and its `id` and `flowId` taken from the current
/// context) when the future is made.
///
/// # Errors
///
/// As [`call`].
pub fn call_async<'p, R: EventRequest>(
    processor: &'p Processor,
    request: &R,
) -> impl Future<Output = Result<R::Response, CallError>> + Send + use<'p, R>
where
    R::Response: 'p,
{
    let body = body(request);
    async move { read(&processor.process_async(&body?).await) }
}

/// The request event's JSON text.
fn body<R: EventRequest>(request: &R) -> Result<String, SendError> {
    let event = Event::builder(R::NAME, R::VERSION)
        .payload(request.payload())
        .build()
        .map_err(SendError::InvalidEvent)?;
    Ok(event.to_json())
}

/// The answer, read as a client reads a `200` answer.
fn read<T: serde::de::DeserializeOwned>(answer: &str) -> Result<T, CallError> {
    Answer::from_http(200, answer.as_bytes())?.into_result()
}
