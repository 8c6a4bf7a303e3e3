//! Typed views of the envelope's JSON texts, with errors that name the path
//! that failed.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::EventError;

/// How a value failed to fit the type it was read into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MismatchKind {
    /// A required field is absent (`missing`).
    Missing,
    /// A value has the wrong JSON type (`invalid_type`).
    InvalidType,
    /// A value has the right type but a wrong value or length (`invalid_value`).
    InvalidValue,
    /// A field the type does not accept (`unknown_field`).
    UnknownField,
}

impl MismatchKind {
    /// The `errorType` written in a `badRequest` answer.
    pub fn as_str(self) -> &'static str {
        match self {
            MismatchKind::Missing => "missing",
            MismatchKind::InvalidType => "invalid_type",
            MismatchKind::InvalidValue => "invalid_value",
            MismatchKind::UnknownField => "unknown_field",
        }
    }
}

impl fmt::Display for MismatchKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A payload, identity, auth or metadata object that does not fit the type a
/// handler asked for. Serialises as one entry of a `badRequest` answer's
/// `fields`: `{"errorType": <kind>, "message": <text>, "name": <path>}`.
///
/// ```
/// use events_protocol::{error::MismatchKind, Event};
///
/// #[derive(Debug, serde::Deserialize)]
/// struct Address {
///     zip: String,
/// }
/// #[derive(Debug, serde::Deserialize)]
/// struct Customer {
///     address: Address,
/// }
///
/// let event = Event::from_json(r#"{"name":"a:b","version":1,"payload":{"address":{}}}"#)?;
/// let error = event.payload_as::<Customer>().unwrap_err();
/// assert_eq!(error.path(), "address.zip");
/// assert_eq!(error.kind(), MismatchKind::Missing);
/// # Ok::<(), events_protocol::error::ProtocolError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewError {
    path: String,
    kind: MismatchKind,
    message: String,
}

impl ViewError {
    /// The path of the value that failed (`address.zip`, `items[2].price`),
    /// prefixed with `identity`, `auth` or `metadata` for those views;
    /// `payload` (or `identity`, ...) when the object as a whole failed.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// How it failed.
    pub fn kind(&self) -> MismatchKind {
        self.kind
    }

    /// What failed, for a person.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ViewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ViewError {}

/// A view that does not fit is a `badRequest` with the code `MISSING_FIELDS`
/// and the failure in `fields` ([PROTOCOL.md §5](crate::protocol#5-outcomes-the-server-produces-by-itself)): `{"errorType", "message",
/// "name"}`, the keys in `serde_json::Map`'s order. This is the one place
/// that answer is made: `?` on a typed view in a handler, the
/// [`IntoResponse`](crate::IntoResponse) of a `ViewError` and the processor's
/// answer for a macro handler all go through it.
impl From<ViewError> for EventError {
    fn from(error: ViewError) -> EventError {
        EventError::bad_request("MISSING_FIELDS").with("fields", vec![Value::Object(error.field())])
    }
}

impl ViewError {
    /// The failure as an element of `fields`: the one definition of its
    /// shape, which the `EventError` and the serialisation of a `ViewError`
    /// both use.
    fn field(&self) -> Map<String, Value> {
        Map::from_iter([
            ("name".to_owned(), Value::from(self.path.as_str())),
            ("errorType".to_owned(), Value::from(self.kind.as_str())),
            ("message".to_owned(), Value::from(self.message.as_str())),
        ])
    }
}

/// Serialised as an element of a `MISSING_FIELDS` answer's `fields`.
impl Serialize for ViewError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.field().serialize(serializer)
    }
}

/// Reads `json` into `T`; failures name their path below `root`.
///
/// A value that fits is read once, by serde_json alone: tracking the path
/// costs an allocation per map key, so it is done only to describe a failure,
/// by reading the value a second time.
pub(crate) fn read<'de, T: Deserialize<'de>>(json: &'de str, root: &str) -> Result<T, ViewError> {
    if let Ok(value) = T::deserialize(&mut serde_json::Deserializer::from_str(json)) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = message_of(&inner);
        let (kind, missing) = classify(&message);
        let mut full = String::from(root);
        // serde reports a missing field at its parent; every other failure at
        // the failing value itself
        for part in [path.as_str(), missing.unwrap_or("")] {
            if part.is_empty() || part == "." {
                continue;
            }
            if !full.is_empty() && !part.starts_with('[') {
                full.push('.');
            }
            full.push_str(part);
        }
        if full.is_empty() {
            full.push_str("payload");
        }
        ViewError {
            path: full,
            kind,
            message,
        }
    })
}

/// serde_json's message without its ` at line L column C` tail.
fn message_of(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let tail = format!(" at line {} column {}", error.line(), error.column());
    match text.strip_suffix(&tail) {
        Some(head) => head.to_owned(),
        None => text,
    }
}

/// The text between the first pair of backticks at the start of `rest`.
fn quoted(rest: &str) -> Option<&str> {
    rest.strip_prefix('`')?.split('`').next()
}

/// The kind of a serde message, and the name of the missing field, which is
/// one level below the path serde reports.
fn classify(message: &str) -> (MismatchKind, Option<&str>) {
    if let Some(rest) = message.strip_prefix("missing field ") {
        (MismatchKind::Missing, quoted(rest))
    } else if message.starts_with("unknown field ") {
        (MismatchKind::UnknownField, None)
    } else if message.starts_with("invalid type") {
        (MismatchKind::InvalidType, None)
    } else {
        (MismatchKind::InvalidValue, None)
    }
}

#[cfg(test)]
mod tests {
    //! The kinds are told apart by the start of serde's messages: each shape
    //! serde_json writes is pinned here, so a rewording fails a test instead
    //! of drifting into another kind.

    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::{MismatchKind, ViewError, read};

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code, reason = "read to make serde fail, never used")]
    struct Order {
        kind: Kind,
        count: u8,
        lines: (u8, u8),
        address: Address,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "read to make serde fail, never used")]
    struct Address {
        zip: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Book,
    }

    const GOOD: &str = r#""kind":"book","count":1,"lines":[1,2],"address":{"zip":"z"}"#;

    fn failure(json: &str) -> ViewError {
        read::<Order>(json, "").expect_err("a mismatch")
    }

    fn seen(error: &ViewError) -> (&str, MismatchKind, &str) {
        (error.path(), error.kind(), error.message())
    }

    #[test]
    fn a_good_value_reads() {
        assert!(read::<Order>(&format!("{{{GOOD}}}"), "").is_ok());
    }

    #[test]
    fn missing_field_is_missing_and_names_the_field_below_its_parent() {
        let error = failure(r#"{"kind":"book","count":1,"lines":[1,2],"address":{}}"#);
        assert_eq!(
            seen(&error),
            ("address.zip", MismatchKind::Missing, "missing field `zip`")
        );
    }

    #[test]
    fn unknown_field_is_unknown_field() {
        let error = failure(&format!(r#"{{{GOOD},"color":"red"}}"#));
        assert_eq!(
            seen(&error),
            (
                "color",
                MismatchKind::UnknownField,
                "unknown field `color`, expected one of `kind`, `count`, `lines`, `address`"
            )
        );
    }

    #[test]
    fn invalid_type_is_invalid_type() {
        let error = failure(r#"{"kind":"book","count":"one","lines":[1,2],"address":{"zip":"z"}}"#);
        assert_eq!(
            seen(&error),
            (
                "count",
                MismatchKind::InvalidType,
                r#"invalid type: string "one", expected u8"#
            )
        );
    }

    #[test]
    fn invalid_value_unknown_variant_and_invalid_length_are_invalid_value() {
        let cases = [
            (
                r#"{"kind":"book","count":300,"lines":[1,2],"address":{"zip":"z"}}"#,
                ("count", "invalid value: integer `300`, expected u8"),
            ),
            (
                r#"{"kind":"pen","count":1,"lines":[1,2],"address":{"zip":"z"}}"#,
                ("kind", "unknown variant `pen`, expected `book`"),
            ),
            (
                r#"{"kind":"book","count":1,"lines":[1],"address":{"zip":"z"}}"#,
                ("lines", "invalid length 1, expected a tuple of size 2"),
            ),
        ];
        for (json, (path, message)) in cases {
            let error = failure(json);
            assert_eq!(
                seen(&error),
                (path, MismatchKind::InvalidValue, message),
                "{json}"
            );
        }
    }

    #[test]
    fn a_failure_at_the_root_is_named_by_the_root_or_payload() {
        let error = read::<BTreeMap<String, u8>>("[1]", "identity").expect_err("a mismatch");
        assert_eq!(
            seen(&error),
            (
                "identity",
                MismatchKind::InvalidType,
                "invalid type: sequence, expected a map"
            )
        );
        let error = read::<BTreeMap<String, u8>>("[1]", "").expect_err("a mismatch");
        assert_eq!(error.path(), "payload");
    }
}
