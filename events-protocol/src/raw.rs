//! Small helpers for JSON texts kept as [`RawValue`].

use std::sync::LazyLock;

use serde::Serialize;
use serde_json::value::RawValue;

/// `{}`, the value of every absent object of the envelope.
pub(crate) fn empty_object() -> &'static RawValue {
    static EMPTY: LazyLock<Box<RawValue>> = LazyLock::new(|| {
        RawValue::from_string("{}".to_owned()).unwrap_or_else(|_| unreachable!("`{{}}` is JSON"))
    });
    &EMPTY
}

/// The JSON text of a value that must be an object. The error names only the
/// kind of value found (`a string`), never the value: it may be a credential.
pub(crate) fn to_object<T: Serialize + ?Sized>(
    value: &T,
) -> Result<Box<RawValue>, serde_json::Error> {
    let raw = to_raw(value)?;
    if raw.get().starts_with('{') {
        Ok(raw)
    } else {
        Err(serde::ser::Error::custom(format!(
            "expected a JSON object, found {}",
            kind_of(&raw)
        )))
    }
}

/// The kind of a JSON value, for messages: `a string`, `an array`, ...
pub(crate) fn kind_of(raw: &RawValue) -> &'static str {
    match raw.get().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// The JSON text of a value.
pub(crate) fn to_raw<T: Serialize + ?Sized>(value: &T) -> Result<Box<RawValue>, serde_json::Error> {
    serde_json::value::to_raw_value(value)
}
