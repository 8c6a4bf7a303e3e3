//! JSON texts kept as they were read ([`JsonText`]), and small helpers for
//! [`RawValue`]s.

use std::borrow::Cow;
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

/// The JSON text of one of an event's values (`payload`, `identity`, `auth`,
/// `metadata`).
#[derive(Clone)]
pub(crate) enum JsonText<'a> {
    /// Read by serde_json, or written by it.
    Raw(Cow<'a, RawValue>),
    /// Checked by the one-pass reader ([`crate::scan`]), which accepts only
    /// what serde_json reads as one value, or written by serde_json (a
    /// response's payload). Handlers and the writer use the text; a
    /// `RawValue` is made from it only when one is asked for.
    Checked(Cow<'a, str>),
}

impl<'a> JsonText<'a> {
    /// `{}`.
    pub(crate) fn empty_object() -> JsonText<'a> {
        JsonText::Raw(Cow::Borrowed(empty_object()))
    }

    /// The JSON text.
    pub(crate) fn get(&self) -> &str {
        match self {
            JsonText::Raw(raw) => raw.get(),
            JsonText::Checked(text) => text,
        }
    }

    /// The JSON text as a [`RawValue`]; a checked text is read by serde_json
    /// (without a copy).
    pub(crate) fn raw(&self) -> &RawValue {
        match self {
            JsonText::Raw(raw) => raw,
            JsonText::Checked(text) => checked_raw(text),
        }
    }

    /// A copy that borrows nothing.
    pub(crate) fn into_owned(self) -> JsonText<'static> {
        match self {
            JsonText::Raw(raw) => JsonText::Raw(Cow::Owned(raw.into_owned())),
            JsonText::Checked(text) => JsonText::Checked(Cow::Owned(text.into_owned())),
        }
    }
}

impl<'a> From<&'a RawValue> for JsonText<'a> {
    fn from(raw: &'a RawValue) -> JsonText<'a> {
        JsonText::Raw(Cow::Borrowed(raw))
    }
}

impl From<Box<RawValue>> for JsonText<'_> {
    fn from(raw: Box<RawValue>) -> Self {
        JsonText::Raw(Cow::Owned(raw))
    }
}

/// A text known to be one JSON value (checked by the one-pass reader, or
/// written by serde_json) as a [`RawValue`], read by serde_json without a
/// copy.
pub(crate) fn checked_raw(text: &str) -> &RawValue {
    // the one-pass reader accepts only texts serde_json reads
    // (tests/properties.rs and the fuzz targets compare the two); were one
    // to slip through, the views and the writer, which use the text itself,
    // are unaffected, and this answers `null` with the disagreement logged
    // as an error, rather than panic on a request
    serde_json::from_str(text).unwrap_or_else(|error| {
        tracing::error!(
            %error,
            length = text.len(),
            "a text taken as JSON (by the one-pass reader, or written by serde_json) \
             is not JSON to serde_json; `null` given in its place: please report this"
        );
        null()
    })
}

/// `null`.
fn null() -> &'static RawValue {
    static NULL: LazyLock<Box<RawValue>> = LazyLock::new(|| {
        RawValue::from_string("null".to_owned()).unwrap_or_else(|_| unreachable!("`null` is JSON"))
    });
    &NULL
}

/// Reads an optional `-` and decimal digits (nothing else) into an `i64`.
pub(crate) fn decimal_i64(text: &str) -> Result<i64, ()> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    text.parse().map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Level, Metadata, Subscriber};

    use super::JsonText;

    /// Counts the `error` events logged.
    struct Errors(Arc<AtomicUsize>);

    impl Subscriber for Errors {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            if *event.metadata().level() == Level::ERROR {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[test]
    fn a_checked_text_serde_json_refuses_reads_as_null_and_is_logged_as_an_error() {
        let errors = Arc::new(AtomicUsize::new(0));
        let text = JsonText::Checked(Cow::Borrowed("{\"a\":"));
        let raw = tracing::subscriber::with_default(Errors(Arc::clone(&errors)), || {
            text.raw().get().to_owned()
        });
        assert_eq!(raw, "null");
        assert_eq!(errors.load(Ordering::SeqCst), 1);
        // the text itself is what views and writing use
        assert_eq!(text.get(), "{\"a\":");
    }

    #[test]
    fn a_checked_text_reads_as_itself() {
        let text = JsonText::Checked(Cow::Borrowed(r#"{"a":[1,2.5e3,"\u00e9"]}"#));
        assert_eq!(text.raw().get(), r#"{"a":[1,2.5e3,"\u00e9"]}"#);
    }
}
