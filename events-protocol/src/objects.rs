//! The envelope's three objects, `identity`, `auth` and `metadata`, set once
//! for every type that carries them: the request builder, the client's
//! defaults, one call, and a handler's answer.
//!
//! Each is a JSON object or unset; an unset one is written `{}` (PROTOCOL.md
//! §1 and §4). A value that cannot be serialised, or is not an object, is
//! kept as the first error, to be reported by whoever builds the event; its
//! message names only the kind of value found (`a string`), never the value,
//! which may be a credential. `Debug` never shows `auth`.

use std::fmt;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::raw::{empty_object, to_object};

/// Which of the three objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// `identity`: who the event is about.
    Identity,
    /// `auth`: the caller's credentials, never shown.
    Auth,
    /// `metadata`: anything else the caller sends along.
    Metadata,
}

impl Key {
    /// The envelope's key: `identity`, `auth` or `metadata`.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Key::Identity => "identity",
            Key::Auth => "auth",
            Key::Metadata => "metadata",
        }
    }
}

/// An object that could not be set: which one, and why.
#[derive(Debug)]
pub(crate) struct ObjectError {
    /// Which object.
    pub(crate) key: Key,
    /// Why: it cannot be serialised, or it is not a JSON object.
    pub(crate) source: serde_json::Error,
}

impl fmt::Display for ObjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.key.as_str(), self.source)
    }
}

/// `identity`, `auth` and `metadata`, each a JSON object text or unset, and
/// the first value that could not be set.
///
/// The request builder, the client's builder and one call hold one; an
/// answer ([`Response`](crate::Response)) can too, taking each error as it
/// comes with [`Objects::take_error`] to record it its own way.
#[derive(Default)]
pub(crate) struct Objects {
    identity: Option<Box<RawValue>>,
    auth: Option<Box<RawValue>>,
    metadata: Option<Box<RawValue>>,
    /// Boxed: rare, and the holders (an answer among them) stay small.
    error: Option<Box<ObjectError>>,
}

impl Objects {
    /// No object set, no error.
    pub(crate) const fn new() -> Objects {
        Objects {
            identity: None,
            auth: None,
            metadata: None,
            error: None,
        }
    }

    fn slot(&mut self, key: Key) -> &mut Option<Box<RawValue>> {
        match key {
            Key::Identity => &mut self.identity,
            Key::Auth => &mut self.auth,
            Key::Metadata => &mut self.metadata,
        }
    }

    /// Sets `key` to `value`, which must serialise to a JSON object. When it
    /// does not, `key` keeps what it had and the error is kept, unless an
    /// earlier one already is.
    pub(crate) fn set<T: Serialize + ?Sized>(&mut self, key: Key, value: &T) {
        match to_object(value) {
            Ok(raw) => *self.slot(key) = Some(raw),
            Err(source) => {
                self.error
                    .get_or_insert(Box::new(ObjectError { key, source }));
            }
        }
    }

    /// The object set for `key`, if any.
    pub(crate) fn get(&self, key: Key) -> Option<&RawValue> {
        match key {
            Key::Identity => self.identity.as_deref(),
            Key::Auth => self.auth.as_deref(),
            Key::Metadata => self.metadata.as_deref(),
        }
    }

    /// The object set for `key`, else `{}`: what the envelope carries.
    pub(crate) fn or_empty(&self, key: Key) -> &RawValue {
        self.get(key).unwrap_or_else(|| empty_object())
    }

    /// Takes the first value that could not be set, leaving none.
    pub(crate) fn take_error(&mut self) -> Option<ObjectError> {
        self.error.take().map(|error| *error)
    }

    /// These objects, or the first that could not be set.
    pub(crate) fn checked(mut self) -> Result<Objects, ObjectError> {
        match self.take_error() {
            Some(error) => Err(error),
            None => Ok(self),
        }
    }
}

/// A copy of the objects. A kept error is copied as its message (a
/// `serde_json::Error` cannot be cloned): what is shown and logged of it.
impl Clone for Objects {
    fn clone(&self) -> Objects {
        Objects {
            identity: self.identity.clone(),
            auth: self.auth.clone(),
            metadata: self.metadata.clone(),
            error: self.error.as_ref().map(|error| {
                Box::new(ObjectError {
                    key: error.key,
                    source: serde::ser::Error::custom(&error.source),
                })
            }),
        }
    }
}

/// What `Debug` shows in place of an `auth` object: credentials are never
/// shown, by any type of the crate.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Shows `identity` and `metadata` as set, and only whether `auth` is.
impl fmt::Debug for Objects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Objects")
            .field("identity", &self.identity.as_deref().map(RawValue::get))
            .field("auth", &self.auth.as_ref().map(|_| Redacted))
            .field("metadata", &self.metadata.as_deref().map(RawValue::get))
            .field("error", &self.error.as_ref().map(ToString::to_string))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Key, Objects};

    #[test]
    fn unset_objects_are_written_as_empty_objects() {
        let mut objects = Objects::new();
        objects.set(Key::Metadata, &json!({"origin": "billing"}));
        assert_eq!(objects.or_empty(Key::Identity).get(), "{}");
        assert_eq!(objects.or_empty(Key::Auth).get(), "{}");
        assert_eq!(
            objects.or_empty(Key::Metadata).get(),
            r#"{"origin":"billing"}"#
        );
    }

    #[test]
    fn a_value_that_is_not_an_object_is_the_first_error_and_changes_nothing() {
        let mut objects = Objects::new();
        objects.set(Key::Identity, &json!({"userId": 1}));
        objects.set(Key::Identity, "secret-text");
        objects.set(Key::Metadata, &[1, 2]);
        assert_eq!(objects.or_empty(Key::Identity).get(), r#"{"userId":1}"#);
        let error = objects.checked().expect_err("an error");
        assert_eq!(error.key, Key::Identity);
        assert_eq!(
            error.to_string(),
            "`identity`: expected a JSON object, found a string"
        );
    }

    #[test]
    fn debug_shows_everything_but_auth() {
        let mut objects = Objects::new();
        objects.set(Key::Identity, &json!({"userId": 7}));
        objects.set(Key::Auth, &json!({"token": "secret-token"}));
        objects.set(Key::Auth, "secret-text");
        assert_eq!(
            format!("{objects:?}"),
            r#"Objects { identity: Some("{\"userId\":7}"), auth: Some(<redacted>), metadata: None, error: Some("`auth`: expected a JSON object, found a string") }"#
        );
    }

    #[test]
    fn a_clone_keeps_the_objects_and_the_error_message() {
        let mut objects = Objects::new();
        objects.set(Key::Auth, &json!({"token": "t"}));
        objects.set(Key::Metadata, &true);
        let mut copy = objects.clone();
        assert_eq!(copy.or_empty(Key::Auth).get(), r#"{"token":"t"}"#);
        assert_eq!(
            copy.take_error().map(|error| error.to_string()),
            objects.take_error().map(|error| error.to_string())
        );
    }
}
