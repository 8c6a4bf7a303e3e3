//! Building request events, with `id` and `flowId` filled per [PROTOCOL.md §7](crate::protocol#7-context-propagation).

use std::borrow::Cow;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::Event;
use crate::context::{fresh_id, with_current};
use crate::event::Parts;
use crate::raw::{JsonText, to_raw};

/// Builds a request event.
///
/// `id` and `flowId` are, in order: the value given here, else the current
/// [`EventContext`](crate::EventContext) (so an event sent from inside a handler
/// continues its flow), else a fresh UUID v4.
///
/// ```
/// use events_protocol::{Event, EventContext};
/// use serde_json::json;
///
/// let event = Event::builder("user:profile:get", 1)
///     .payload(&json!({"userId": 42}))
///     .identity(&json!({"userId": 42}))
///     .build()?;
/// assert_eq!(event.payload().get(), r#"{"userId":42}"#);
/// assert_eq!(event.id().len(), 36); // a fresh UUID
///
/// let inside = EventContext::new("session-7", "flow-7").scope(|| {
///     Event::builder("user:name:set", 2).build()
/// })?;
/// assert_eq!((inside.id(), inside.flow_id()), ("session-7", "flow-7"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[must_use]
pub struct EventBuilder {
    name: String,
    version: i64,
    id: Option<String>,
    flow_id: Option<String>,
    payload: Result<Option<Box<RawValue>>, serde_json::Error>,
    identity: Result<Option<Box<RawValue>>, serde_json::Error>,
    auth: Result<Option<Box<RawValue>>, serde_json::Error>,
    metadata: Result<Option<Box<RawValue>>, serde_json::Error>,
}

impl EventBuilder {
    /// A builder for the event `name` of `version`, payload `{}`.
    pub fn new(name: impl Into<String>, version: i64) -> EventBuilder {
        EventBuilder {
            name: name.into(),
            version,
            id: None,
            flow_id: None,
            payload: Ok(None),
            identity: Ok(None),
            auth: Ok(None),
            metadata: Ok(None),
        }
    }

    /// Sets the id.
    pub fn id(mut self, id: impl Into<String>) -> EventBuilder {
        self.id = Some(id.into());
        self
    }

    /// Sets the flow id.
    pub fn flow_id(mut self, flow_id: impl Into<String>) -> EventBuilder {
        self.flow_id = Some(flow_id.into());
        self
    }

    /// Sets the payload.
    pub fn payload<T: Serialize + ?Sized>(mut self, payload: &T) -> EventBuilder {
        self.payload = to_raw(payload).map(Some);
        self
    }

    /// Sets the payload from JSON text.
    pub fn payload_raw(mut self, payload: Box<RawValue>) -> EventBuilder {
        self.payload = Ok(Some(payload));
        self
    }

    /// Sets the identity (an object).
    pub fn identity<T: Serialize + ?Sized>(mut self, identity: &T) -> EventBuilder {
        self.identity = object(identity);
        self
    }

    /// Sets the auth object.
    pub fn auth<T: Serialize + ?Sized>(mut self, auth: &T) -> EventBuilder {
        self.auth = object(auth);
        self
    }

    /// Sets the metadata (an object).
    pub fn metadata<T: Serialize + ?Sized>(mut self, metadata: &T) -> EventBuilder {
        self.metadata = object(metadata);
        self
    }

    /// The event.
    ///
    /// # Errors
    ///
    /// The first value that could not be serialised, or an `identity`, `auth`
    /// or `metadata` that is not a JSON object.
    pub fn build(self) -> Result<Event<'static>, serde_json::Error> {
        let (id, flow_id) = with_current(|current| match current {
            Some((id, flow_id)) => (
                self.id.unwrap_or_else(|| id.to_owned()),
                self.flow_id.unwrap_or_else(|| flow_id.to_owned()),
            ),
            None => (
                self.id.unwrap_or_else(fresh_id),
                self.flow_id.unwrap_or_else(fresh_id),
            ),
        });
        Ok(Parts {
            name: Cow::Owned(self.name),
            version: self.version,
            id: Some(Cow::Owned(id)),
            flow_id: Some(Cow::Owned(flow_id)),
            payload: self.payload?.map(JsonText::from),
            identity: self.identity?.map(JsonText::from),
            auth: self.auth?.map(JsonText::from),
            metadata: self.metadata?.map(JsonText::from),
            plain: false,
        }
        .into_event())
    }
}

fn object<T: Serialize + ?Sized>(value: &T) -> Result<Option<Box<RawValue>>, serde_json::Error> {
    crate::raw::to_object(value).map(Some)
}

impl std::fmt::Debug for EventBuilder {
    /// Shows everything but `auth`, which may hold credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBuilder")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("id", &self.id)
            .field("flow_id", &self.flow_id)
            .field("payload", &self.payload)
            .field("identity", &self.identity)
            .field("auth", &"<redacted>")
            .field("metadata", &self.metadata)
            .finish()
    }
}

impl Event<'static> {
    /// Starts building a request event (see [`EventBuilder`]).
    pub fn builder(name: impl Into<String>, version: i64) -> EventBuilder {
        EventBuilder::new(name, version)
    }
}
