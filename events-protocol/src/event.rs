//! The event envelope: reading it (leniently or strictly), its accessors and
//! typed views, and writing it.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::context::fresh_id;
use crate::error::{ViewError, read_view};
use crate::json;
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
    /// Where the members of `metadata` and `identity` read by the crate
    /// are, when the reader found out.
    spots: Spots,
}

/// Where a member of `metadata` or `identity` that the crate reads itself
/// is, as the one-pass reader saw it while checking the object: that member
/// is then read without walking the object a second time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Spot {
    /// Not looked for (an escape in some key may spell it): the object is
    /// walked.
    Unknown,
    /// Not a member of the object.
    Nowhere,
    /// A member more than once: ambiguous, read as none.
    Repeated,
    /// The one such member, whose value starts at this offset of the
    /// object's text.
    At(u32),
}

/// Where the members read by the crate are: `metadata.trace`
/// ([PROTOCOL.md §8](crate::protocol#8-trace-context)), `metadata.origin`,
/// `identity.userId` and `identity.user` (for the span and the log line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Spots {
    pub(crate) trace: Spot,
    pub(crate) origin: Spot,
    pub(crate) user_id: Spot,
    pub(crate) user: Spot,
}

impl Spots {
    /// Nothing looked for.
    pub(crate) const UNKNOWN: Spots = Spots {
        trace: Spot::Unknown,
        origin: Spot::Unknown,
        user_id: Spot::Unknown,
        user: Spot::Unknown,
    };
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
    /// Where the members of `metadata` and `identity` read by the crate
    /// are, when the reader found out.
    pub(crate) spots: Spots,
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
            spots: self.spots,
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

    /// Where `metadata.trace` is, when the reader found out.
    pub(crate) fn trace_spot(&self) -> Spot {
        self.spots.trace
    }

    /// Where the members read by the crate are, when the reader found out.
    #[cfg(any(test, feature = "__testing"))]
    pub(crate) fn spots(&self) -> Spots {
        self.spots
    }

    /// The user's id: `identity.userId`, else `identity.user.id`, as a JSON
    /// integer or a string holding one. `None` when absent or not an integer,
    /// or when the key it is read from is repeated (ambiguous).
    ///
    /// Read without building anything: from where the one-pass reader saw
    /// the keys, else by walking the keys of `identity` (and of
    /// `identity.user`); only the value found is read.
    pub fn user_id(&self) -> Option<i64> {
        let identity = self.identity.get();
        let spots = [self.spots.user_id, self.spots.user];
        let [user_id, user] = members_at(identity, spots, ["userId", "user"])?;
        let not_null = |token: Option<json::Token>| not_null_in(identity, token?);
        let raw = match (not_null(user_id), not_null(user)) {
            (Some(user_id), _) => identity.get(user_id.range)?,
            (None, Some(user)) => {
                let user = identity.get(user.range)?;
                let [id] = json::unique_members(user, ["id"])?;
                user.get(not_null_in(user, id?)?.range)?
            }
            (None, None) => return None,
        };
        integer_of(raw)
    }

    /// The user's type: `identity.user.type`, when it is a string (and
    /// neither `user` nor its `type` is repeated).
    pub fn user_type(&self) -> Option<String> {
        let identity = self.identity.get();
        let [user] = members_at(identity, [self.spots.user], ["user"])?;
        let user = identity.get(not_null_in(identity, user?)?.range)?;
        let [kind] = json::unique_members(user, ["type"])?;
        string_in(user, kind?).map(Cow::into_owned)
    }

    /// The origin of the event: `metadata.origin`, when it is a string.
    pub fn origin(&self) -> Option<String> {
        self.origin_text().map(Cow::into_owned)
    }

    /// The origin of the event, borrowed from `metadata` when it holds no
    /// escape.
    pub(crate) fn origin_text(&self) -> Option<Cow<'_, str>> {
        let metadata = self.metadata.get();
        let [origin] = members_at(metadata, [self.spots.origin], ["origin"])?;
        string_in(metadata, origin?)
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
            spots: self.spots,
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
fn integer_of(text: &str) -> Option<i64> {
    let digits = match text.strip_prefix('"') {
        Some(quoted) => quoted.strip_suffix('"')?,
        None => text,
    };
    decimal_i64(digits).ok()
}

/// The values of the members `keys` of the object `text`, where `spots`
/// says they are; walked for when one is [`Spot::Unknown`]. `None` when one
/// is repeated (see [`json::unique_members`]).
fn members_at<const N: usize>(
    text: &str,
    spots: [Spot; N],
    keys: [&str; N],
) -> Option<[Option<json::Token>; N]> {
    if spots.contains(&Spot::Unknown) {
        return json::unique_members(text, keys);
    }
    let mut found: [Option<json::Token>; N] = std::array::from_fn(|_| None);
    for (slot, spot) in found.iter_mut().zip(spots) {
        *slot = match spot {
            Spot::At(at) => Some(json::token_at(text, usize::try_from(at).ok()?)?),
            Spot::Nowhere => None,
            Spot::Repeated | Spot::Unknown => return None,
        };
    }
    Some(found)
}

/// The string `token` of `text`, decoded; `None` when it is no string.
fn string_in(text: &str, token: json::Token) -> Option<Cow<'_, str>> {
    if text.as_bytes().get(token.range.start) != Some(&b'"') {
        return None;
    }
    json::decode(text, &token)
}

/// `token` of `text`, unless it is `null`.
fn not_null_in(text: &str, token: json::Token) -> Option<json::Token> {
    (text.get(token.range.clone()) != Some("null")).then_some(token)
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

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::value::RawValue;

    use super::*;

    /// The typed views `user_id` and `origin` were written as: the walk must
    /// read what they read, but where `userId` is given and `user` is not an
    /// object (the view failed as a whole; `userId` is read).
    fn user_id_by_serde(identity: &str) -> Option<i64> {
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
        let identity: Identity<'_> = serde_json::from_str(identity).ok()?;
        let raw = identity
            .user_id
            .or_else(|| identity.user.and_then(|user| user.id))?;
        integer_of(raw.get())
    }

    fn user_type_by_serde(identity: &str) -> Option<String> {
        #[derive(Deserialize)]
        struct Identity {
            user: Option<User>,
        }
        #[derive(Deserialize)]
        struct User {
            #[serde(rename = "type")]
            kind: Option<String>,
        }
        serde_json::from_str::<Identity>(identity).ok()?.user?.kind
    }

    fn origin_by_serde(metadata: &str) -> Option<String> {
        #[derive(Deserialize)]
        struct Metadata {
            origin: Option<String>,
        }
        serde_json::from_str::<Metadata>(metadata).ok()?.origin
    }

    fn event(identity: &str, metadata: &str) -> Event<'static> {
        let body =
            format!(r#"{{"name":"a","version":1,"identity":{identity},"metadata":{metadata}}}"#);
        Event::from_json(&body)
            .map(Event::into_owned)
            .unwrap_or_else(|error| panic!("{body}: {error}"))
    }

    #[test]
    fn user_id_and_origin_read_what_typed_views_read() {
        let identities = [
            "{}",
            r#"{"userId":42}"#,
            r#"{"userId":"42"}"#,
            r#"{"userId": -7 , "user": {"id": 9}}"#,
            r#"{"userId":null,"user":{"id":"9"}}"#,
            r#"{"user":{"id":9,"type":"CUSTOMER"},"other":[1,{"userId":3}]}"#,
            r#"{"user":null}"#,
            r#"{"user":{"id":null}}"#,
            r#"{"user":"9"}"#,
            r#"{"userId":42,"user":"9"}"#,
            r#"{"userId":42,"userId":43}"#,
            r#"{"user":{"id":1},"user":{"id":2}}"#,
            r#"{"user":{"id":1,"id":2}}"#,
            r#"{"userId":1.5}"#,
            r#"{"userId":"4\u0032"}"#,
            r#"{"user\u0049d":42}"#,
            r#"{"userId":true}"#,
            r#"{"userId":9223372036854775808}"#,
            r#"{"userId":{"id":1}}"#,
        ];
        for identity in identities {
            let expected = match identity {
                r#"{"userId":42,"user":"9"}"# => Some(42),
                _ => user_id_by_serde(identity),
            };
            assert_eq!(event(identity, "{}").user_id(), expected, "{identity}");
        }
        for identity in identities.iter().chain(&[
            r#"{"user":{"id":1,"type":"CUSTOMER"}}"#,
            r#"{"user":{"type":"A\u0042"},"userId":1,"userId":2}"#,
            r#"{"user":{"type":1}}"#,
            r#"{"user":{"type":"A","type":"B"}}"#,
            r#"{"user":{"type":null}}"#,
        ]) {
            assert_eq!(
                event(identity, "{}").user_type(),
                user_type_by_serde(identity),
                "{identity}"
            );
        }
        let metadatas = [
            "{}",
            r#"{"origin":"app"}"#,
            r#"{ "timestamp": 1, "origin" : "mobile\napp" }"#,
            r#"{"origin":null}"#,
            r#"{"origin":1}"#,
            r#"{"origin":"a","origin":"b"}"#,
            r#"{"orig\u0069n":"escaped key"}"#,
            r#"{"nested":{"origin":"no"}}"#,
        ];
        for metadata in metadatas {
            assert_eq!(
                event("{}", metadata).origin(),
                origin_by_serde(metadata),
                "{metadata}"
            );
        }
    }
}
