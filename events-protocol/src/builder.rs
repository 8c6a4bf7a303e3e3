//! Building request events, with `id` and `flowId` filled per [PROTOCOL.md §7](crate::protocol#7-context-propagation),
//! and the current trace context written into `metadata.trace` per
//! [§8](crate::protocol#8-trace-context).

use std::borrow::Cow;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::Event;
use crate::context::{fresh_id, with_current};
use crate::event::{Parts, Spots};
use crate::objects::{Key, Objects};
use crate::raw::{JsonText, to_raw};
use crate::trace::{Propagation, TraceContext};

/// Builds a request event.
///
/// `id` and `flowId` are, in order: the value given here, else the current
/// [`EventContext`](crate::EventContext) (so an event sent from inside a handler
/// continues its flow), else a fresh UUID v4.
///
/// The trace context written into `metadata.trace` is, in order: the one
/// given with [`trace`](EventBuilder::trace), else the current span's (with
/// the feature `opentelemetry`, the current `tracing` span's OpenTelemetry
/// context when it has one), else the current
/// [`EventContext::trace`](crate::EventContext::trace), else none and
/// `metadata` is sent as it is. Only the key `trace` of `metadata` is
/// written; every other byte of it is kept
/// ([PROTOCOL.md §8](crate::protocol#8-trace-context)).
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
#[derive(Debug)]
pub struct EventBuilder {
    name: String,
    version: i64,
    id: Option<String>,
    flow_id: Option<String>,
    payload: Result<Option<Box<RawValue>>, serde_json::Error>,
    objects: Objects,
    trace: Option<TraceContext>,
    propagation: Propagation,
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
            objects: Objects::new(),
            trace: None,
            propagation: Propagation::AsReceived,
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
        self.objects.set(Key::Identity, identity);
        self
    }

    /// Sets the auth object.
    pub fn auth<T: Serialize + ?Sized>(mut self, auth: &T) -> EventBuilder {
        self.objects.set(Key::Auth, auth);
        self
    }

    /// Sets the metadata (an object).
    pub fn metadata<T: Serialize + ?Sized>(mut self, metadata: &T) -> EventBuilder {
        self.objects.set(Key::Metadata, metadata);
        self
    }

    /// Sets the trace context the event is sent from: its span id is written
    /// as the parent of the receiver's span. A caller with a span of its own
    /// gives it here; inside a handler, the handler's span is taken without
    /// it.
    pub fn trace(mut self, trace: TraceContext) -> EventBuilder {
        self.trace = Some(trace);
        self
    }

    /// Sets which keys `metadata.trace` is written with: W3C's always, and
    /// Datadog's as `propagation` says (default
    /// [`Propagation::AsReceived`]).
    pub fn propagation(mut self, propagation: Propagation) -> EventBuilder {
        self.propagation = propagation;
        self
    }

    /// The event's name.
    #[cfg(feature = "client")]
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The event's version.
    #[cfg(feature = "client")]
    pub(crate) fn version(&self) -> i64 {
        self.version
    }

    /// Starts from these objects (a client's defaults) instead of none.
    #[cfg(feature = "client")]
    pub(crate) fn with_objects(mut self, objects: Objects) -> EventBuilder {
        self.objects = objects;
        self
    }

    /// The event.
    ///
    /// # Errors
    ///
    /// A payload that could not be serialised, else the first `identity`,
    /// `auth` or `metadata` that could not be serialised or is not a JSON
    /// object (the message names only the kind of value found).
    pub fn build(self) -> Result<Event<'static>, serde_json::Error> {
        let payload = self.payload?;
        let objects = self.objects.checked().map_err(|error| error.source)?;
        let explicit = self.trace;
        let (id, flow_id, trace) = with_current(|current| match current {
            Some(current) => (
                self.id.unwrap_or_else(|| current.id.to_owned()),
                self.flow_id.unwrap_or_else(|| current.flow_id.to_owned()),
                explicit.or_else(|| crate::otel::sending_span(current.trace)),
            ),
            None => (
                self.id.unwrap_or_else(fresh_id),
                self.flow_id.unwrap_or_else(fresh_id),
                explicit.or_else(|| crate::otel::sending_span(None)),
            ),
        });
        let object = |key| objects.get(key).map(|raw| JsonText::from(raw.to_owned()));
        let metadata = match trace {
            // the text of an object serde_json wrote, with a `trace` object
            // of strings in place: JSON serde_json reads
            Some(trace) => Some(JsonText::Checked(Cow::Owned(trace.inject(
                objects.get(Key::Metadata).map_or("{}", RawValue::get),
                self.propagation,
            )))),
            None => object(Key::Metadata),
        };
        Ok(Parts {
            name: Cow::Owned(self.name),
            version: self.version,
            id: Some(Cow::Owned(id)),
            flow_id: Some(Cow::Owned(flow_id)),
            payload: payload.map(JsonText::from),
            identity: object(Key::Identity),
            auth: object(Key::Auth),
            metadata,
            plain: false,
            spots: Spots::UNKNOWN,
        }
        .into_event())
    }
}

impl Event<'static> {
    /// Starts building a request event (see [`EventBuilder`]).
    pub fn builder(name: impl Into<String>, version: i64) -> EventBuilder {
        EventBuilder::new(name, version)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::Event;

    #[test]
    fn debug_output_never_shows_auth() {
        let builder = Event::builder("a:b", 1)
            .id("i")
            .flow_id("f")
            .identity(&json!({"userId": 1}))
            .auth(&json!({"token": "secret-token"}));
        assert_eq!(
            format!("{builder:?}"),
            r#"EventBuilder { name: "a:b", version: 1, id: Some("i"), flow_id: Some("f"), payload: Ok(None), objects: Objects { identity: Some("{\"userId\":1}"), auth: Some(<redacted>), metadata: None, error: None }, trace: None, propagation: AsReceived }"#
        );
    }

    #[test]
    fn the_first_object_that_is_not_an_object_fails_the_build() {
        let error = Event::builder("a:b", 1)
            .metadata(&json!({"origin": "x"}))
            .auth("secret-text")
            .identity(&[1])
            .build()
            .expect_err("auth is not an object");
        assert_eq!(error.to_string(), "expected a JSON object, found a string");
    }
}
