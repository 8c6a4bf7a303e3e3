//! A body that is not a well-formed event: every broken rule, and what could
//! be read of the body, for the `badProtocol` answer ([PROTOCOL.md §5](crate::protocol#5-outcomes-the-server-produces-by-itself)).

use std::fmt;

use serde::{Deserialize, Serialize};

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
    pub(crate) fn new(name: &str, error_type: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            name: name.to_owned(),
            error_type: error_type.to_owned(),
            message: message.into(),
        }
    }
}

/// A body that is not a well-formed event. The processor answers it with a
/// `badProtocol` event ([PROTOCOL.md §5](crate::protocol#5-outcomes-the-server-produces-by-itself)).
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

    /// The error of a body that breaks the rules `fields` names, with what
    /// could be read of it.
    pub(crate) fn new(
        fields: Vec<FieldError>,
        version: Option<i64>,
        id: Option<String>,
        flow_id: Option<String>,
    ) -> ProtocolError {
        ProtocolError {
            fields,
            version,
            id,
            flow_id,
        }
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
