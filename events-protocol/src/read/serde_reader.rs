//! Reading any body with serde_json, by the rules of [PROTOCOL.md §1](crate::protocol#1-the-envelope): the
//! event, or the error that names every key that breaks them.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer as _, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::Event;
use crate::error::{FieldError, ProtocolError};
use crate::event::{Parts, Spots};
use crate::raw::{JsonText, decimal_i64};
use crate::read::{Key, ReadMode};

/// Reads a body by the rules of `mode` with serde_json, which finds every
/// broken rule. The one-pass reader must agree with it on every body it takes.
/// `body` starts after the byte order mark, if there was one: a second one is
/// an error.
pub(crate) fn read(body: &str, mode: ReadMode) -> Result<Event<'_>, ProtocolError> {
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
            (true, Some(name), Some(version)) => Ok(Parts {
                name,
                version,
                id: self.id,
                flow_id: self.flow_id,
                payload: self.payload.map(JsonText::from),
                identity: self.identity.map(JsonText::from),
                auth: self.auth.map(JsonText::from),
                metadata: self.metadata.map(JsonText::from),
                plain: false,
                spots: Spots::UNKNOWN,
            }
            .into_event()),
            _ => Err(ProtocolError::new(
                self.problems,
                self.version,
                self.id.map(Cow::into_owned),
                self.flow_id.map(Cow::into_owned),
            )),
        }
    }
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
