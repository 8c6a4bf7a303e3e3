//! Reading the envelope from a body, by the rules of PROTOCOL.md §1, and the
//! error that names every key that breaks them.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserializer as _, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::Event;
use crate::raw::JsonText;

/// How strictly an event body is read (PROTOCOL.md §1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReadMode {
    /// The default: only `name` and `version` are required; `version` may be a
    /// string holding an integer; absent or `null` `id`/`flowId` get fresh
    /// UUIDs; `flow_id` is read as `flowId`; absent or `null` `identity`,
    /// `auth` and `metadata` read as `{}`; an absent `payload` as `{}`.
    #[default]
    Lenient,
    /// As the Kotlin reference's `StrictEventValidator`: all eight keys present,
    /// `version` a JSON integer, `id` and `flowId` strings, `identity`, `auth`
    /// and `metadata` objects; `payload` may be `null`. `flow_id` is an unknown
    /// key here.
    Strict,
}

/// One broken rule of a body, as written in the `fields` of a `badProtocol`
/// answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The key (`version`), or `json` for the body as a whole.
    pub name: String,
    /// `invalid_json`, `invalid_type`, `invalid_value`, `missing`,
    /// `duplicate_key` or `too_large`.
    #[serde(rename = "errorType")]
    pub error_type: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl FieldError {
    fn new(name: &str, error_type: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            name: name.to_owned(),
            error_type: error_type.to_owned(),
            message: message.into(),
        }
    }
}

/// A body that is not a well-formed event. The processor answers it with a
/// `badProtocol` event (PROTOCOL.md §5).
///
/// ```
/// use events_protocol::Event;
///
/// let error = Event::from_json(r#"{"name":"a:b","version":"one","id":"x"}"#).unwrap_err();
/// assert_eq!(error.property_name(), "version");
/// assert_eq!(error.fields()[0].error_type, "invalid_value");
/// assert_eq!(error.id(), Some("x"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolError {
    fields: Vec<FieldError>,
    version: Option<i64>,
    id: Option<String>,
    flow_id: Option<String>,
}

impl ProtocolError {
    /// Every broken rule found, the first one first.
    pub fn fields(&self) -> &[FieldError] {
        &self.fields
    }

    /// The key of the first broken rule (`json` for the body as a whole).
    pub fn property_name(&self) -> &str {
        self.fields
            .first()
            .map_or("json", |field| field.name.as_str())
    }

    /// The request's version, when it could be read.
    pub fn version(&self) -> Option<i64> {
        self.version
    }

    /// The request's id, when it could be read.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The request's flow id, when it could be read.
    pub fn flow_id(&self) -> Option<&str> {
        self.flow_id.as_deref()
    }

    pub(crate) fn whole_body(error_type: &str, message: impl Into<String>) -> ProtocolError {
        ProtocolError {
            fields: vec![FieldError::new("json", error_type, message)],
            version: None,
            id: None,
            flow_id: None,
        }
    }

    pub(crate) fn not_utf8(error: &std::str::Utf8Error) -> ProtocolError {
        ProtocolError::whole_body(
            "invalid_json",
            format!("the body is not valid UTF-8: {error}"),
        )
    }

    pub(crate) fn too_large(length: usize, limit: usize) -> ProtocolError {
        ProtocolError::whole_body(
            "too_large",
            format!("the body has {length} bytes, more than the limit of {limit}"),
        )
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a well-formed event")?;
        for field in &self.fields {
            write!(f, "; {}: {}", field.name, field.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ProtocolError {}

/// Reads a body by the rules of `mode`: in one pass when it is plain and
/// well-formed ([`crate::scan`]), else by serde_json.
pub(crate) fn read(body: &str, mode: ReadMode) -> Result<Event<'_>, ProtocolError> {
    // RFC 8259 §8.1: a parser may ignore a byte order mark, and some clients send one
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    match crate::scan::read(body, mode) {
        Some(event) => Ok(event),
        None => read_with_serde_json(body, mode),
    }
}

/// Reads a body by the rules of `mode` with serde_json, which finds every
/// broken rule. The one-pass reader must agree with it on every body it takes.
/// `body` starts after the byte order mark, if there was one: a second one is
/// an error.
pub(crate) fn read_with_serde_json(body: &str, mode: ReadMode) -> Result<Event<'_>, ProtocolError> {
    let mut partial = Partial::default();
    let mut deserializer = serde_json::Deserializer::from_str(body);
    let outcome = deserializer
        .deserialize_map(Seed {
            partial: &mut partial,
            mode,
        })
        .and_then(|()| deserializer.end());
    if let Err(error) = outcome {
        partial.problems.insert(0, whole_body_problem(&error));
        partial.problems.truncate(MAX_PROBLEMS);
    }
    partial.finish(mode)
}

fn whole_body_problem(error: &serde_json::Error) -> FieldError {
    use serde_json::error::Category;
    match error.classify() {
        Category::Data => FieldError::new("json", "invalid_type", "the body must be a JSON object"),
        Category::Io | Category::Syntax | Category::Eof => {
            FieldError::new("json", "invalid_json", error.to_string())
        }
    }
}

/// The keys of the envelope, one bit each, to find the repeated ones.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    Name,
    Version,
    Id,
    FlowId,
    Payload,
    Identity,
    Auth,
    Metadata,
}

impl Key {
    /// The key `text` names in `mode`, if it is one of the envelope's.
    pub(crate) fn of(text: &str, mode: ReadMode) -> Option<Key> {
        Some(match text {
            "name" => Key::Name,
            "version" => Key::Version,
            "id" => Key::Id,
            "flowId" => Key::FlowId,
            "flow_id" if mode == ReadMode::Lenient => Key::FlowId,
            "payload" => Key::Payload,
            "identity" => Key::Identity,
            "auth" => Key::Auth,
            "metadata" => Key::Metadata,
            _ => return None,
        })
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    fn as_str(self) -> &'static str {
        match self {
            Key::Name => "name",
            Key::Version => "version",
            Key::Id => "id",
            Key::FlowId => "flowId",
            Key::Payload => "payload",
            Key::Identity => "identity",
            Key::Auth => "auth",
            Key::Metadata => "metadata",
        }
    }

    const ALL: [Key; 8] = [
        Key::Name,
        Key::Version,
        Key::Id,
        Key::FlowId,
        Key::Payload,
        Key::Identity,
        Key::Auth,
        Key::Metadata,
    ];
}

/// What has been read of a body so far: kept when the body turns out broken,
/// so that the answer can carry the request's version, id and flow id.
#[derive(Default)]
struct Partial<'de> {
    seen: u8,
    name: Option<Cow<'de, str>>,
    version: Option<i64>,
    id: Option<Cow<'de, str>>,
    flow_id: Option<Cow<'de, str>>,
    payload: Option<&'de RawValue>,
    identity: Option<&'de RawValue>,
    auth: Option<&'de RawValue>,
    metadata: Option<&'de RawValue>,
    /// Unknown keys seen so far (allocated only when there are some).
    unknown: HashSet<Cow<'de, str>>,
    problems: Vec<FieldError>,
}

/// At most this many broken rules are listed; a body that breaks more is
/// answered with the first ones.
const MAX_PROBLEMS: usize = 16;

impl<'de> Partial<'de> {
    fn accept(&mut self, key: Cow<'de, str>, value: &'de RawValue, mode: ReadMode) {
        let Some(known) = Key::of(&key, mode) else {
            if self.unknown.contains(&key) {
                self.problem(&key, "duplicate_key", "the key is repeated");
            } else {
                self.unknown.insert(key);
            }
            return;
        };
        if self.seen & known.bit() != 0 {
            self.problem(known.as_str(), "duplicate_key", "the key is repeated");
            return;
        }
        self.seen |= known.bit();
        match known {
            Key::Name => match string_of(value) {
                Some(name) => self.name = Some(name),
                None => self.problem("name", "invalid_type", "must be a string"),
            },
            Key::Version => match version_of(value, mode) {
                Ok(version) => self.version = Some(version),
                Err((error_type, message)) => self.problem("version", error_type, message),
            },
            Key::Id | Key::FlowId => {
                let slot = if known == Key::Id {
                    &mut self.id
                } else {
                    &mut self.flow_id
                };
                if let Some(text) = string_of(value) {
                    *slot = Some(text);
                } else if !(mode == ReadMode::Lenient && value.get() == "null") {
                    let message = match mode {
                        ReadMode::Lenient => "must be a string or null",
                        ReadMode::Strict => "must be a string",
                    };
                    self.problem(known.as_str(), "invalid_type", message);
                }
            }
            Key::Payload => self.payload = Some(value),
            Key::Identity | Key::Auth | Key::Metadata => {
                let slot = match known {
                    Key::Identity => &mut self.identity,
                    Key::Auth => &mut self.auth,
                    _ => &mut self.metadata,
                };
                if value.get().starts_with('{') {
                    *slot = Some(value);
                } else if !(mode == ReadMode::Lenient && value.get() == "null") {
                    let message = match mode {
                        ReadMode::Lenient => "must be an object or null",
                        ReadMode::Strict => "must be an object",
                    };
                    self.problem(known.as_str(), "invalid_type", message);
                }
            }
        }
    }

    /// Records a broken rule, once per key and kind, up to [`MAX_PROBLEMS`].
    fn problem(&mut self, name: &str, error_type: &str, message: &str) {
        let known = self
            .problems
            .iter()
            .any(|p| p.name == name && p.error_type == error_type);
        if !known && self.problems.len() < MAX_PROBLEMS {
            self.problems
                .push(FieldError::new(name, error_type, message));
        }
    }

    fn finish(mut self, mode: ReadMode) -> Result<Event<'de>, ProtocolError> {
        let required: &[Key] = match mode {
            ReadMode::Lenient => &[Key::Name, Key::Version],
            ReadMode::Strict => &Key::ALL,
        };
        let body_broken = self.problems.first().is_some_and(|p| p.name == "json");
        if !body_broken {
            for key in required {
                if self.seen & key.bit() == 0 {
                    self.problem(key.as_str(), "missing", "the key is required");
                }
            }
        }
        match (self.problems.is_empty(), self.name, self.version) {
            (true, Some(name), Some(version)) => Ok(Event {
                name,
                version,
                id: self.id.unwrap_or_else(fresh_uuid),
                flow_id: self.flow_id.unwrap_or_else(fresh_uuid),
                payload: object_or_empty(self.payload),
                identity: object_or_empty(self.identity),
                auth: object_or_empty(self.auth),
                metadata: object_or_empty(self.metadata),
                plain: false,
            }),
            _ => Err(ProtocolError {
                fields: self.problems,
                version: self.version,
                id: self.id.map(Cow::into_owned),
                flow_id: self.flow_id.map(Cow::into_owned),
            }),
        }
    }
}

fn object_or_empty(value: Option<&RawValue>) -> JsonText<'_> {
    JsonText::from(value.unwrap_or_else(|| crate::raw::empty_object()))
}

pub(crate) fn fresh_uuid<'a>() -> Cow<'a, str> {
    Cow::Owned(uuid::Uuid::new_v4().to_string())
}

/// A JSON string value, borrowed from the body when it has no escapes.
fn string_of(value: &RawValue) -> Option<Cow<'_, str>> {
    let text = value.get();
    if !text.starts_with('"') {
        return None;
    }
    // serde_json has checked the text of the value: a string without a
    // backslash is its quotes around its content, read as is
    if !text.contains('\\') {
        return text
            .strip_prefix('"')
            .and_then(|rest| rest.strip_suffix('"'))
            .map(Cow::Borrowed);
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.deserialize_str(CowStrVisitor).ok()
}

/// Reads `version`: a JSON integer, or (leniently) a string holding one.
fn version_of(value: &RawValue, mode: ReadMode) -> Result<i64, (&'static str, &'static str)> {
    const NOT_INTEGER: (&str, &str) = ("invalid_type", "must be an integer");
    let text = value.get();
    let first = text.as_bytes().first().copied().unwrap_or(b' ');
    if first == b'-' || first.is_ascii_digit() {
        if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
            return Err(NOT_INTEGER);
        }
        return decimal_i64(text)
            .map_err(|()| ("invalid_value", "is out of the range of a 64-bit integer"));
    }
    if first == b'"' && mode == ReadMode::Lenient {
        let digits = string_of(value).ok_or(NOT_INTEGER)?;
        return decimal_i64(&digits).map_err(|()| {
            (
                "invalid_value",
                "must be a base-10 integer in the 64-bit range",
            )
        });
    }
    Err(NOT_INTEGER)
}

/// Reads an optional `-` and decimal digits (nothing else) into an `i64`.
pub(crate) fn decimal_i64(text: &str) -> Result<i64, ()> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    text.parse().map_err(|_| ())
}

struct CowStrVisitor;

impl<'de> Visitor<'de> for CowStrVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value))
    }
}

struct KeyText<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for KeyText<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(CowStrVisitor).map(KeyText)
    }
}

/// Fills a [`Partial`] from the body's top-level object.
struct Seed<'p, 'de> {
    partial: &'p mut Partial<'de>,
    mode: ReadMode,
}

impl<'de> Visitor<'de> for Seed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(KeyText(key)) = map.next_key()? {
            let value: &'de RawValue = map.next_value()?;
            self.partial.accept(key, value, self.mode);
        }
        Ok(())
    }
}
