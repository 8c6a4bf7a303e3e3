//! The event envelope: reading it (leniently or strictly), its accessors and
//! typed views, and writing it.

use std::borrow::Cow;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::context::fresh_id;
use crate::error::{ViewError, read_view};
use crate::objects::Redacted;
use crate::raw::{JsonText, decimal_i64};
use crate::write::{Envelope, Head};

/// One event of the protocol: the eight keys of the envelope ([PROTOCOL.md §1](crate::protocol#1-the-envelope)).
///
/// An `Event<'a>` read from a body borrows what it can from that body (names,
/// ids and the JSON texts of `payload`, `identity`, `auth` and `metadata`), so
/// reading one costs few allocations; [`Event::into_owned`] detaches it.
/// `payload`, `identity`, `auth` and `metadata` are kept as JSON text, so their
/// numbers pass through unchanged (a 30-digit decimal, `2^63+1`) unless a
/// typed view retypes them.
///
/// A plain, well-formed body (the known keys once each; no escapes in keys,
/// `name` or ids; no `null` but as `payload`; `version` an integer; at most
/// 64 levels of nesting) is read in one pass, faster than serde_json reads
/// it; any other body is read by serde_json, which names every broken
/// rule. Both give the same event. The typed views
/// ([`payload_as`](Event::payload_as), ...) read the texts directly; the
/// [`RawValue`] accessors ([`payload`](Event::payload), ...) of an event read
/// in one pass have serde_json read the text again (without a copy) on each
/// call.
///
/// ```
/// use events_protocol::Event;
///
/// let body = r#"{"name":"user:profile:get","version":1,"id":"i-1","flowId":"f-1",
///     "payload":{"userId":42},"identity":{"userId":"42"},"auth":{},"metadata":{"origin":"app"}}"#;
/// let event = Event::from_json(body)?;
/// assert_eq!(event.name(), "user:profile:get");
/// assert_eq!(event.version(), 1);
/// assert_eq!(event.flow_id(), "f-1");
/// assert_eq!(event.user_id(), Some(42));
/// assert_eq!(event.origin().as_deref(), Some("app"));
///
/// #[derive(serde::Deserialize)]
/// struct Query {
///     #[serde(rename = "userId")]
///     user_id: u64,
/// }
/// let query: Query = event.payload_as()?;
/// assert_eq!(query.user_id, 42);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Event<'a> {
    name: Cow<'a, str>,
    version: i64,
    id: Cow<'a, str>,
    flow_id: Cow<'a, str>,
    payload: JsonText<'a>,
    identity: JsonText<'a>,
    auth: JsonText<'a>,
    metadata: JsonText<'a>,
    /// Whether `name`, `id` and `flow_id` need no escape when written (see
    /// [`Head::plain`]).
    plain: bool,
}

/// What an [`Event`] is made of, before the protocol's rules fill what is
/// absent: fresh UUIDs for `id` and `flowId` ([PROTOCOL.md §7](crate::protocol#7-context-propagation)), `{}` for the
/// payload and the three objects (§1). Every event is built through it.
pub(crate) struct Parts<'a> {
    pub(crate) name: Cow<'a, str>,
    pub(crate) version: i64,
    pub(crate) id: Option<Cow<'a, str>>,
    pub(crate) flow_id: Option<Cow<'a, str>>,
    pub(crate) payload: Option<JsonText<'a>>,
    pub(crate) identity: Option<JsonText<'a>>,
    pub(crate) auth: Option<JsonText<'a>>,
    pub(crate) metadata: Option<JsonText<'a>>,
    /// Whether `name`, `id` and `flow_id` are known to need no escape when
    /// written (fresh UUIDs need none).
    pub(crate) plain: bool,
}

impl<'a> Parts<'a> {
    /// The event.
    pub(crate) fn into_event(self) -> Event<'a> {
        let id = |id: Option<Cow<'a, str>>| id.unwrap_or_else(|| Cow::Owned(fresh_id()));
        let object = |text: Option<JsonText<'a>>| text.unwrap_or_else(JsonText::empty_object);
        Event {
            name: self.name,
            version: self.version,
            id: id(self.id),
            flow_id: id(self.flow_id),
            payload: object(self.payload),
            identity: object(self.identity),
            auth: object(self.auth),
            metadata: object(self.metadata),
            plain: self.plain,
        }
    }
}

impl<'a> Event<'a> {
    /// The event's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version of the event's payload schema.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The terminal session id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The flow id.
    pub fn flow_id(&self) -> &str {
        &self.flow_id
    }

    /// The payload, as its JSON text (see [`Event`] for its cost).
    pub fn payload(&self) -> &RawValue {
        self.payload.raw()
    }

    /// The identity object, as its JSON text (see [`Event`] for its cost).
    pub fn identity(&self) -> &RawValue {
        self.identity.raw()
    }

    /// The auth object, as its JSON text (see [`Event`] for its cost).
    pub fn auth(&self) -> &RawValue {
        self.auth.raw()
    }

    /// The metadata object, as its JSON text (see [`Event`] for its cost).
    pub fn metadata(&self) -> &RawValue {
        self.metadata.raw()
    }

    /// Reads the payload into `T`.
    ///
    /// # Errors
    ///
    /// A [`ViewError`] naming the failing path (`address.zip`) and the kind of
    /// mismatch.
    pub fn payload_as<'de, T: Deserialize<'de>>(&'de self) -> Result<T, ViewError> {
        read_view(self.payload.get(), "")
    }

    /// Reads the identity into `T`; paths in errors start with `identity.`.
    ///
    /// # Errors
    ///
    /// As [`Event::payload_as`].
    pub fn identity_as<'de, T: Deserialize<'de>>(&'de self) -> Result<T, ViewError> {
        read_view(self.identity.get(), "identity")
    }

    /// Reads the auth object into `T`; paths in errors start with `auth.`.
    ///
    /// # Errors
    ///
    /// As [`Event::payload_as`].
    pub fn auth_as<'de, T: Deserialize<'de>>(&'de self) -> Result<T, ViewError> {
        read_view(self.auth.get(), "auth")
    }

    /// Reads the metadata into `T`; paths in errors start with `metadata.`.
    ///
    /// # Errors
    ///
    /// As [`Event::payload_as`].
    pub fn metadata_as<'de, T: Deserialize<'de>>(&'de self) -> Result<T, ViewError> {
        read_view(self.metadata.get(), "metadata")
    }

    /// The JSON text of `metadata`, as kept (no check made again).
    pub(crate) fn metadata_text(&self) -> &str {
        self.metadata.get()
    }

    /// The user's id: `identity.userId`, else `identity.user.id`, as a JSON
    /// integer or a string holding one. `None` when absent or not an integer.
    pub fn user_id(&self) -> Option<i64> {
        #[derive(Deserialize)]
        struct Identity<'a> {
            #[serde(rename = "userId", borrow, default)]
            user_id: Option<&'a RawValue>,
            #[serde(borrow, default)]
            user: Option<User<'a>>,
        }
        #[derive(Deserialize)]
        struct User<'a> {
            #[serde(borrow, default)]
            id: Option<&'a RawValue>,
        }
        let identity: Identity<'_> = serde_json::from_str(self.identity.get()).ok()?;
        let raw = identity
            .user_id
            .or_else(|| identity.user.and_then(|user| user.id))?;
        integer_of(raw)
    }

    /// The user's type: `identity.user.type`, when it is a string.
    pub fn user_type(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Identity {
            user: Option<User>,
        }
        #[derive(Deserialize)]
        struct User {
            #[serde(rename = "type")]
            kind: Option<String>,
        }
        let identity: Identity = lenient_view(self.identity.get())?;
        identity.user?.kind
    }

    /// The origin of the event: `metadata.origin`, when it is a string.
    pub fn origin(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Metadata {
            origin: Option<String>,
        }
        let metadata: Metadata = lenient_view(self.metadata.get())?;
        metadata.origin
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> Event<'static> {
        Parts {
            name: Cow::Owned(self.name.into_owned()),
            version: self.version,
            id: Some(Cow::Owned(self.id.into_owned())),
            flow_id: Some(Cow::Owned(self.flow_id.into_owned())),
            payload: Some(self.payload.into_owned()),
            identity: Some(self.identity.into_owned()),
            auth: Some(self.auth.into_owned()),
            metadata: Some(self.metadata.into_owned()),
            plain: self.plain,
        }
        .into_event()
    }

    /// The JSON texts of `payload`, `identity`, `auth` and `metadata`, as
    /// kept.
    #[cfg(any(test, feature = "__testing"))]
    pub(crate) fn texts(&self) -> [&str; 4] {
        [
            self.payload.get(),
            self.identity.get(),
            self.auth.get(),
            self.metadata.get(),
        ]
    }

    /// Whether its name and ids are known to need no escape when written.
    #[cfg(any(test, feature = "__testing"))]
    pub(crate) fn is_plain(&self) -> bool {
        self.plain
    }

    /// The event as compact JSON, the eight keys in the protocol's order.
    pub fn to_json(&self) -> String {
        self.envelope().to_json()
    }

    /// What an answer to this event repeats of it.
    pub(crate) fn head(&self) -> Head<'_> {
        Head {
            name: &self.name,
            version: self.version,
            id: &self.id,
            flow_id: &self.flow_id,
            plain: self.plain,
        }
    }

    pub(crate) fn envelope(&self) -> Envelope<'_> {
        Envelope {
            head: self.head(),
            suffix: None,
            payload: self.payload.get(),
            identity: self.identity.get(),
            auth: self.auth.get(),
            metadata: self.metadata.get(),
            may_hold_whitespace: true,
        }
    }
}

/// Reads a JSON integer, or a string holding a base-10 one.
fn integer_of(raw: &RawValue) -> Option<i64> {
    let text = raw.get();
    let digits = match text.strip_prefix('"') {
        Some(quoted) => quoted.strip_suffix('"')?,
        None => text,
    };
    decimal_i64(digits).ok()
}

/// A typed view of an object that yields `None` instead of an error.
fn lenient_view<T: DeserializeOwned>(json: &str) -> Option<T> {
    serde_json::from_str(json).ok()
}

impl PartialEq for Event<'_> {
    /// Events are equal when their keys are, the JSON texts compared as text.
    fn eq(&self, other: &Event<'_>) -> bool {
        self.name == other.name
            && self.version == other.version
            && self.id == other.id
            && self.flow_id == other.flow_id
            && self.payload.get() == other.payload.get()
            && self.identity.get() == other.identity.get()
            && self.auth.get() == other.auth.get()
            && self.metadata.get() == other.metadata.get()
    }
}

impl Eq for Event<'_> {}

impl fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("id", &self.id)
            .field("flow_id", &self.flow_id)
            .field("payload", &self.payload.get())
            .field("identity", &self.identity.get())
            .field("auth", &Redacted)
            .field("metadata", &self.metadata.get())
            .finish()
    }
}

impl Serialize for Event<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut state = serializer.serialize_struct("Event", 8)?;
        state.serialize_field("name", &*self.name)?;
        state.serialize_field("version", &self.version)?;
        state.serialize_field("id", &*self.id)?;
        state.serialize_field("flowId", &*self.flow_id)?;
        state.serialize_field("payload", self.payload.raw())?;
        state.serialize_field("identity", self.identity.raw())?;
        state.serialize_field("auth", self.auth.raw())?;
        state.serialize_field("metadata", self.metadata.raw())?;
        state.end()
    }
}
