//! One call: the event's fields, its timeout and headers, set before it is
//! sent.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::Serialize;
use ureq::http::HeaderMap;

use crate::EventRequest;
use crate::client::{Answer, CallError, EventClient, SendError, header_pair, transport};
use crate::request::EventBuilder;

/// One call of an event, made by [`EventClient::event`]: every field the
/// Python package's `send_event` takes (`payload`, `id`, `flow_id`,
/// `identity`, `auth`, `metadata`, `timeout`) and per-call headers.
///
/// Fields left unset take the client's defaults; `id` and `flowId` left
/// unset come from the current [`EventContext`](crate::EventContext), else
/// are fresh UUIDs ([PROTOCOL.md §7](crate::protocol#7-context-propagation)).
///
/// ```no_run
/// use std::time::Duration;
///
/// use events_protocol::EventClient;
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
pub struct Call<'c> {
    client: &'c EventClient,
    event: EventBuilder,
    timeout: Option<Duration>,
    headers: HeaderMap,
    invalid_header: Option<String>,
}

impl<'c> Call<'c> {
    pub(crate) fn new(client: &'c EventClient, mut event: EventBuilder) -> Call<'c> {
        let shared = client.shared();
        if let Some(identity) = &shared.identity {
            event = event.identity(identity);
        }
        if let Some(auth) = &shared.auth {
            event = event.auth(auth);
        }
        if let Some(metadata) = &shared.metadata {
            event = event.metadata(metadata);
        }
        Call {
            client,
            event,
            timeout: None,
            headers: shared.headers.clone(),
            invalid_header: None,
        }
    }

    /// Sets the payload (default `{}`).
    pub fn payload<T: Serialize + ?Sized>(mut self, payload: &T) -> Call<'c> {
        self.event = self.event.payload(payload);
        self
    }

    /// Sets the id.
    pub fn id(mut self, id: impl Into<String>) -> Call<'c> {
        self.event = self.event.id(id);
        self
    }

    /// Sets the flow id.
    pub fn flow_id(mut self, flow_id: impl Into<String>) -> Call<'c> {
        self.event = self.event.flow_id(flow_id);
        self
    }

    /// Sets the identity (an object), instead of the client's.
    pub fn identity<T: Serialize + ?Sized>(mut self, identity: &T) -> Call<'c> {
        self.event = self.event.identity(identity);
        self
    }

    /// Sets the auth object, instead of the client's.
    pub fn auth<T: Serialize + ?Sized>(mut self, auth: &T) -> Call<'c> {
        self.event = self.event.auth(auth);
        self
    }

    /// Sets the metadata (an object), instead of the client's.
    pub fn metadata<T: Serialize + ?Sized>(mut self, metadata: &T) -> Call<'c> {
        self.event = self.event.metadata(metadata);
        self
    }

    /// Sets the limit of this whole call, instead of the client's.
    pub fn timeout(mut self, timeout: Duration) -> Call<'c> {
        self.timeout = Some(timeout);
        self
    }

    /// Adds a header, replacing the client's header of the same name.
    pub fn header(mut self, name: &str, value: &str) -> Call<'c> {
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

    /// Sends the event and classifies the answer.
    ///
    /// # Errors
    ///
    /// A [`SendError`]: the event cannot be written, a header is invalid, or
    /// the transport fails. An error answer is `Ok(Answer::Error { .. })`.
    pub fn send(self) -> Result<Answer, SendError> {
        if let Some(name) = self.invalid_header {
            return Err(SendError::InvalidHeader { name });
        }
        let event = self.event.build().map_err(SendError::InvalidEvent)?;
        transport::exchange(self.client, event.to_json(), &self.headers, self.timeout)
    }
}

impl fmt::Debug for Call<'_> {
    /// The event's fields are left out: they may hold credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("url", &self.client.url())
            .field("timeout", &self.timeout)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// A typed call, made by [`EventClient::request`]: the event, version and
/// payload come from the request; the other fields can be set as on a
/// [`Call`].
#[must_use]
pub struct TypedCall<'c, R> {
    call: Call<'c>,
    request: PhantomData<fn() -> R>,
}

impl<R> fmt::Debug for TypedCall<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TypedCall")
            .field(&std::any::type_name::<R>())
            .field(&self.call)
            .finish()
    }
}

impl<'c, R: EventRequest> TypedCall<'c, R> {
    pub(crate) fn new(call: Call<'c>) -> TypedCall<'c, R> {
        TypedCall {
            call,
            request: PhantomData,
        }
    }

    fn map(self, set: impl FnOnce(Call<'c>) -> Call<'c>) -> TypedCall<'c, R> {
        TypedCall::new(set(self.call))
    }

    /// Sets the id.
    pub fn id(self, id: impl Into<String>) -> TypedCall<'c, R> {
        self.map(|call| call.id(id))
    }

    /// Sets the flow id.
    pub fn flow_id(self, flow_id: impl Into<String>) -> TypedCall<'c, R> {
        self.map(|call| call.flow_id(flow_id))
    }

    /// Sets the identity (an object), instead of the client's.
    pub fn identity<T: Serialize + ?Sized>(self, identity: &T) -> TypedCall<'c, R> {
        self.map(|call| call.identity(identity))
    }

    /// Sets the auth object, instead of the client's.
    pub fn auth<T: Serialize + ?Sized>(self, auth: &T) -> TypedCall<'c, R> {
        self.map(|call| call.auth(auth))
    }

    /// Sets the metadata (an object), instead of the client's.
    pub fn metadata<T: Serialize + ?Sized>(self, metadata: &T) -> TypedCall<'c, R> {
        self.map(|call| call.metadata(metadata))
    }

    /// Sets the limit of this whole call, instead of the client's.
    pub fn timeout(self, timeout: Duration) -> TypedCall<'c, R> {
        self.map(|call| call.timeout(timeout))
    }

    /// Adds a header, replacing the client's header of the same name.
    pub fn header(self, name: &str, value: &str) -> TypedCall<'c, R> {
        self.map(|call| call.header(name, value))
    }

    /// Sends the request and reads the success payload into `R::Response`.
    ///
    /// # Errors
    ///
    /// As [`EventClient::call`].
    pub fn call(self) -> Result<R::Response, CallError> {
        self.call.send()?.into_result()
    }
}
