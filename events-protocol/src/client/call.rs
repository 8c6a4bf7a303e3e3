//! One call: the event's fields, its timeout and headers, set before it is
//! sent, the same for both clients and for typed and untyped calls.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::Serialize;
use ureq::http::HeaderMap;

use crate::client::{Config, EventClient, SendError, header_pair};
use crate::metrics::{Series, client_series};
use crate::request::EventBuilder;
use crate::trace::TraceContext;

/// What an untyped [`Call`] returns: its `send()` answers an
/// [`Answer`](crate::client::Answer). (A typed call's `R` is its
/// [`EventRequest`](crate::EventRequest), whose `call()` answers
/// `R::Response`.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Untyped {}

/// One call of an event: every field the Python package's `send_event`
/// takes (`payload`, `id`, `flow_id`, `identity`, `auth`, `metadata`,
/// `timeout`) and per-call headers.
///
/// Made by `event()` of a client (`R` is [`Untyped`]: `send()` answers an
/// [`Answer`](crate::client::Answer)) or by `request()` (`R` is the
/// [`EventRequest`](crate::EventRequest): `call()` answers its response
/// type, and `send()` still gives the whole answer). `C` is the client:
/// [`EventClient`], whose `send()` and `call()` block, or
/// `AsyncEventClient` (feature `client-async`), whose return futures.
///
/// Fields left unset take the client's defaults; `id` and `flowId` left
/// unset come from the current [`EventContext`](crate::EventContext) when
/// the call is sent (for an async client: when its future is made), else
/// are fresh UUIDs (PROTOCOL.md §7). So does the trace context written
/// into `metadata.trace` (§8): the one given with [`Call::trace`], else
/// the current span's (inside a handler, the handler's), else none.
///
/// ```no_run
/// use std::time::Duration;
///
/// use events_protocol::client::EventClient;
/// use serde_json::json;
///
/// let client = EventClient::new("http://127.0.0.1:8080/events")?;
/// let answer = client
///     .event("user:profile:get", 1)
///     .payload(&json!({"userId": 42}))
///     .flow_id("flow-1")
///     .identity(&json!({"userId": 42}))
///     .auth(&json!({"token": "t"}))
///     .timeout(Duration::from_secs(2))
///     .header("x-request-origin", "billing")
///     .send()?;
/// assert!(answer.is_success());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub struct Call<'c, R = Untyped, C = EventClient> {
    client: &'c C,
    config: &'c Config,
    event: EventBuilder,
    timeout: Option<Duration>,
    headers: HeaderMap,
    invalid_header: Option<String>,
    returns: PhantomData<fn() -> R>,
}

/// A call ready to go: the event's JSON text, the headers and the limit.
pub(crate) struct Prepared {
    pub(crate) body: String,
    pub(crate) headers: HeaderMap,
    pub(crate) timeout: Option<Duration>,
}

impl<'c, R, C> Call<'c, R, C> {
    /// A call by `client` (configured by `config`) of `event`, with the
    /// client's default objects and headers.
    pub(crate) fn new(client: &'c C, config: &'c Config, event: EventBuilder) -> Call<'c, R, C> {
        Call {
            client,
            config,
            event: event
                .with_objects(config.objects.clone())
                .propagation(config.propagation),
            timeout: None,
            headers: config.headers.clone(),
            invalid_header: None,
            returns: PhantomData,
        }
    }

    /// The client that sends the call.
    pub(crate) fn client(&self) -> &'c C {
        self.client
    }

    /// Sets the id.
    pub fn id(mut self, id: impl Into<String>) -> Call<'c, R, C> {
        self.event = self.event.id(id);
        self
    }

    /// Sets the flow id.
    pub fn flow_id(mut self, flow_id: impl Into<String>) -> Call<'c, R, C> {
        self.event = self.event.flow_id(flow_id);
        self
    }

    /// Sets the identity (an object), instead of the client's.
    pub fn identity<T: Serialize + ?Sized>(mut self, identity: &T) -> Call<'c, R, C> {
        self.event = self.event.identity(identity);
        self
    }

    /// Sets the auth object, instead of the client's.
    pub fn auth<T: Serialize + ?Sized>(mut self, auth: &T) -> Call<'c, R, C> {
        self.event = self.event.auth(auth);
        self
    }

    /// Sets the metadata (an object), instead of the client's.
    pub fn metadata<T: Serialize + ?Sized>(mut self, metadata: &T) -> Call<'c, R, C> {
        self.event = self.event.metadata(metadata);
        self
    }

    /// Sets the trace context the call is made from (its span id is sent as
    /// the parent of the receiver's span), instead of the current one: for
    /// a caller outside a handler that continues a trace of its own.
    pub fn trace(mut self, trace: TraceContext) -> Call<'c, R, C> {
        self.event = self.event.trace(trace);
        self
    }

    /// Sets the limit of this whole call, instead of the client's.
    pub fn timeout(mut self, timeout: Duration) -> Call<'c, R, C> {
        self.timeout = Some(timeout);
        self
    }

    /// Adds a header, replacing the client's header of the same name.
    pub fn header(mut self, name: &str, value: &str) -> Call<'c, R, C> {
        match header_pair(name, value) {
            Some((name, value)) => {
                self.headers.insert(name, value);
            }
            None => {
                self.invalid_header.get_or_insert_with(|| name.to_owned());
            }
        }
        self
    }

    /// The metric series of the call's (name, version).
    pub(crate) fn series(&self) -> &'static Series {
        client_series(self.event.name(), self.event.version())
    }

    /// Builds the event, taking `id` and `flowId` from the current context
    /// where they are unset.
    pub(crate) fn prepare(self) -> Result<Prepared, SendError> {
        if let Some(name) = self.invalid_header {
            return Err(SendError::InvalidHeader { name });
        }
        let event = self.event.build().map_err(SendError::InvalidEvent)?;
        Ok(Prepared {
            body: event.to_json(),
            headers: self.headers,
            timeout: self.timeout,
        })
    }
}

impl<'c, C> Call<'c, Untyped, C> {
    /// Sets the payload (default `{}`).
    pub fn payload<T: Serialize + ?Sized>(mut self, payload: &T) -> Call<'c, Untyped, C> {
        self.event = self.event.payload(payload);
        self
    }
}

impl<R, C> fmt::Debug for Call<'_, R, C> {
    /// The URL, what the call returns, the limit and the headers' names:
    /// the event's fields and the headers' values are left out, as they may
    /// hold credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("url", &self.config.url)
            .field("returns", &std::any::type_name::<R>())
            .field("timeout", &self.timeout)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}
