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

/// The JSON text of a value.
pub(crate) fn to_raw<T: Serialize + ?Sized>(value: &T) -> Result<Box<RawValue>, serde_json::Error> {
    serde_json::value::to_raw_value(value)
}
