//! Reading the envelope from a body, by the rules of [PROTOCOL.md §1](crate::protocol#1-the-envelope).
//!
//! The rules both readers share live here: the reading modes, the envelope's
//! keys, and the choice of reader. [`scan`] reads the plain, well-formed
//! bodies clients write in one pass; [`serde_reader`] reads any other body
//! with serde_json and names every broken rule. Both build the [`Event`]
//! through [`Parts`](crate::event::Parts), so the rules for what is absent
//! (fresh UUIDs for the ids, `{}` for the objects) are written once.

#[cfg(any(test, feature = "__testing"))]
pub(crate) mod agree;
pub(crate) mod scan;
pub(crate) mod serde_reader;

use crate::Event;
use crate::error::ProtocolError;

/// How strictly an event body is read ([PROTOCOL.md §1](crate::protocol#1-the-envelope)).
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

    pub(super) fn bit(self) -> u8 {
        1 << (self as u8)
    }

    pub(super) fn as_str(self) -> &'static str {
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

    pub(super) const ALL: [Key; 8] = [
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

/// Reads a body by the rules of `mode`: in one pass when it is plain and
/// well-formed ([`scan`]), else by serde_json.
pub(crate) fn read(body: &str, mode: ReadMode) -> Result<Event<'_>, ProtocolError> {
    // RFC 8259 §8.1: a parser may ignore a byte order mark, and some clients send one
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    match scan::read(body, mode) {
        Some(event) => Ok(event),
        None => serde_reader::read(body, mode),
    }
}

impl<'a> Event<'a> {
    /// Reads an event leniently (the default of [PROTOCOL.md §1](crate::protocol#1-the-envelope)). A leading
    /// UTF-8 byte order mark is ignored, in both modes (RFC 8259 §8.1).
    ///
    /// A plain, well-formed body (the known keys once each; no escapes in
    /// keys, `name` or ids; no `null` but as `payload`; `version` an integer;
    /// at most 64 levels of nesting) is read in one pass, faster than
    /// serde_json reads it; any other body is read by serde_json, which names
    /// every broken rule. Both give the same event.
    ///
    /// # Errors
    ///
    /// A [`ProtocolError`] naming every key that breaks the rules, when the body
    /// is not JSON, not an object, or a key is missing, ill-typed or repeated.
    pub fn from_json(body: &'a str) -> Result<Event<'a>, ProtocolError> {
        read(body, ReadMode::Lenient)
    }

    /// Reads an event strictly: all eight keys present, `id` and `flowId`
    /// strings, `version` a JSON integer, `identity`, `auth` and `metadata`
    /// objects ([PROTOCOL.md §1](crate::protocol#1-the-envelope), strict).
    ///
    /// # Errors
    ///
    /// As [`Event::from_json`], with the strict rules.
    pub fn from_json_strict(body: &'a str) -> Result<Event<'a>, ProtocolError> {
        read(body, ReadMode::Strict)
    }

    /// Reads an event from bytes in the given mode; bytes that are not UTF-8
    /// are a [`ProtocolError`] like any other malformed body.
    ///
    /// # Errors
    ///
    /// As [`Event::from_json`].
    pub fn from_slice(body: &'a [u8], mode: ReadMode) -> Result<Event<'a>, ProtocolError> {
        match std::str::from_utf8(body) {
            Ok(text) => read(text, mode),
            Err(error) => Err(ProtocolError::not_utf8(&error)),
        }
    }
}
