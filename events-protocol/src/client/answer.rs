//! The answer to an event, classified as PROTOCOL.md §2 says: success,
//! redirect, or an error of a known or unknown type.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::client::{CallError, SendError};
use crate::{
    Event, EventError, Redirect,
    error::{ErrorPayload, EventErrorType, ViewError},
    processor::ReadMode,
};

/// The event a server answered, classified by the text after the last `:` of
/// its name (the whole name when it has no `:`, as `badProtocol`).
///
/// ```
/// use events_protocol::client::Answer;
/// use events_protocol::{error::EventErrorType, Event};
///
/// let event = Event::from_json(
///     r#"{"name":"user:get:notFound","version":1,"payload":{"code":"NO_USER","parameters":{"id":7}}}"#,
/// )?
/// .into_owned();
/// match Answer::from_event(event)? {
///     Answer::Error { error, .. } => {
///         assert_eq!(error.error_type(), &EventErrorType::NotFound);
///         assert_eq!(error.code(), "NO_USER");
///         assert_eq!(error.parameters()["id"], 7);
///     }
///     other => panic!("not an error: {other:?}"),
/// }
///
/// // an unknown type is kept, as written
/// let event = Event::from_json(r#"{"name":"user:get:teapot","version":1,"payload":{"code":"T"}}"#)?;
/// let answer = Answer::from_event(event.into_owned())?;
/// assert_eq!(answer.error_type(), Some(&EventErrorType::Unknown("teapot".to_owned())));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// `<name>:response`: the handler succeeded; read the payload with
    /// [`Answer::payload_as`] or [`Event::payload_as`].
    Success(Event<'static>),
    /// `<name>:redirect`: the caller should go to `redirect.url`.
    Redirect {
        /// The redirect's URL and query parameters.
        redirect: Redirect,
        /// The whole answer.
        event: Event<'static>,
    },
    /// An error: a known type (`notFound`, `badRequest`, ...), the snake_case
    /// spellings read as their camelCase types, or an unknown type kept as
    /// [`EventErrorType::Unknown`].
    Error {
        /// The error's type, code and parameters.
        error: EventError,
        /// The whole answer.
        event: Event<'static>,
    },
}

impl Answer {
    /// Classifies an HTTP answer by its status and body, as
    /// [`EventClient`](crate::client::EventClient) does: for a program that carries
    /// events over an HTTP stack of its own.
    ///
    /// ```
    /// use events_protocol::client::{Answer, SendError};
    ///
    /// let body = br#"{"name":"user:get:response","version":1,"id":"i","flowId":"f","payload":{"name":"Ada"}}"#;
    /// assert!(Answer::from_http(200, body)?.is_success());
    /// assert!(matches!(
    ///     Answer::from_http(502, b"bad gateway"),
    ///     Err(SendError::Status { status: 502, .. })
    /// ));
    /// assert!(matches!(
    ///     Answer::from_http(200, b"<html></html>"),
    ///     Err(SendError::NotAnEvent { status: 200, .. })
    /// ));
    /// # Ok::<(), SendError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SendError::Status`] for a status outside 2xx (the body kept),
    /// [`SendError::NotAnEvent`] for a 2xx body that is not an event, and
    /// [`SendError::MalformedAnswer`] for a `redirect` without its
    /// `{"url", "queryParameters"}`.
    pub fn from_http(status: u16, body: &[u8]) -> Result<Answer, SendError> {
        let text = || String::from_utf8_lossy(body).into_owned();
        if !(200..300).contains(&status) {
            return Err(SendError::Status {
                status,
                body: text(),
            });
        }
        let event = match Event::from_slice(body, ReadMode::Lenient) {
            Ok(event) => event.into_owned(),
            Err(error) => {
                return Err(SendError::NotAnEvent {
                    status,
                    body: text(),
                    error: Box::new(error),
                });
            }
        };
        let name = event.name().to_owned();
        Answer::from_event(event).map_err(|error| SendError::MalformedAnswer {
            name,
            body: text(),
            error,
        })
    }

    /// Classifies an answer event.
    ///
    /// # Errors
    ///
    /// A [`ViewError`] when a `redirect` payload is not `{"url",
    /// "queryParameters"}`. An error answer is classified by its name alone
    /// (PROTOCOL.md §2): a payload missing `code` or `parameters`, or of
    /// another shape, reads as the code `""` and the parameters `{}`, the
    /// whole payload staying in the event.
    pub fn from_event(event: Event<'static>) -> Result<Answer, ViewError> {
        let suffix = match event.name().rsplit_once(':') {
            Some((_, suffix)) => suffix,
            None => event.name(),
        };
        match suffix {
            "response" => Ok(Answer::Success(event)),
            "redirect" => {
                let redirect = event.payload_as::<Redirect>()?;
                Ok(Answer::Redirect { redirect, event })
            }
            other => {
                let error_type = EventErrorType::from_suffix(other);
                let error = EventError::from_payload(error_type, error_payload(&event));
                Ok(Answer::Error { error, event })
            }
        }
    }

    /// The whole answer event.
    pub fn event(&self) -> &Event<'static> {
        match self {
            Answer::Success(event)
            | Answer::Redirect { event, .. }
            | Answer::Error { event, .. } => event,
        }
    }

    /// The whole answer event, owned.
    pub fn into_event(self) -> Event<'static> {
        match self {
            Answer::Success(event)
            | Answer::Redirect { event, .. }
            | Answer::Error { event, .. } => event,
        }
    }

    /// Whether the answer is a success (`<name>:response`).
    pub fn is_success(&self) -> bool {
        matches!(self, Answer::Success(_))
    }

    /// The error's type, when the answer is an error.
    pub fn error_type(&self) -> Option<&EventErrorType> {
        match self {
            Answer::Error { error, .. } => Some(error.error_type()),
            Answer::Success(_) | Answer::Redirect { .. } => None,
        }
    }

    /// Reads the answer's payload, whatever its kind, into `T`.
    ///
    /// # Errors
    ///
    /// A [`ViewError`] naming the path that does not fit.
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, ViewError> {
        self.event().payload_as()
    }

    /// The success payload read into `T`, or the redirect or error as a
    /// [`CallError`]: what a typed call returns.
    ///
    /// # Errors
    ///
    /// [`CallError::Event`] for an error answer, [`CallError::Redirect`] for
    /// a redirect, [`CallError::Payload`] when a success payload does not fit
    /// `T`.
    pub fn into_result<T: DeserializeOwned>(self) -> Result<T, CallError> {
        match self {
            Answer::Success(event) => event.payload_as().map_err(|error| CallError::Payload {
                name: event.name().to_owned(),
                payload: event.payload().get().to_owned(),
                error,
            }),
            Answer::Redirect { redirect, .. } => Err(CallError::Redirect(redirect)),
            Answer::Error { error, .. } => Err(CallError::Event(error)),
        }
    }
}

/// An answer as it came over HTTP, not classified: its status and its body,
/// byte for byte. [`Call::send_raw`](crate::client::Call::send_raw) returns
/// it.
///
/// ```
/// use events_protocol::client::RawAnswer;
///
/// let raw = RawAnswer {
///     status: 200,
///     body: br#"{"name":"a:b:response","version":1,"id":"i","flowId":"f","payload":1}"#.to_vec(),
/// };
/// assert!(raw.classify()?.is_success());
/// # Ok::<(), events_protocol::client::SendError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The body, as received (a body that is not 2xx cut at the answer size
    /// limit).
    pub body: Vec<u8>,
}

impl RawAnswer {
    /// The answer classified, as [`Answer::from_http`] does.
    ///
    /// # Errors
    ///
    /// As [`Answer::from_http`].
    pub fn classify(&self) -> Result<Answer, SendError> {
        Answer::from_http(self.status, &self.body)
    }
}

/// The `{"code", "parameters"}` of an error answer, read leniently: an error
/// is classified by its name alone (PROTOCOL.md §2), so a payload that is not
/// of that shape still makes an error, with the code `""` and the parameters
/// `{}` where they are missing or of another type. The whole payload stays
/// in the answer's event.
fn error_payload(event: &Event<'_>) -> ErrorPayload {
    let mut payload = match event.payload_as::<Value>() {
        Ok(Value::Object(payload)) => payload,
        _ => Map::new(),
    };
    ErrorPayload {
        code: match payload.remove("code") {
            Some(Value::String(code)) => code,
            _ => String::new(),
        },
        parameters: match payload.remove("parameters") {
            Some(Value::Object(parameters)) => parameters,
            _ => Map::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::Answer;
    use crate::{Event, Redirect, error::EventErrorType};

    fn answer(body: &str) -> Answer {
        let event = Event::from_json(body).expect("an event").into_owned();
        Answer::from_event(event).expect("an answer")
    }

    #[test]
    fn classification_reads_the_text_after_the_last_colon() {
        let success = answer(r#"{"name":"a:b:c:response","version":1,"payload":{"ok":true}}"#);
        assert!(success.is_success());
        let redirect = answer(
            r#"{"name":"a:b:redirect","version":1,"payload":{"url":"https://x.invalid","queryParameters":{"q":1}}}"#,
        );
        assert!(matches!(
            redirect,
            Answer::Redirect { ref redirect, .. } if *redirect == Redirect::to("https://x.invalid").with_query("q", 1)
        ));
        for (suffix, expected) in [
            ("bad_request", EventErrorType::BadRequest),
            ("resourceDenied", EventErrorType::ResourceDenied),
            ("gone", EventErrorType::Gone),
            ("Response", EventErrorType::Unknown("Response".to_owned())),
        ] {
            let error = answer(&format!(
                r#"{{"name":"a:b:{suffix}","version":1,"payload":{{"code":"C"}}}}"#
            ));
            assert_eq!(error.error_type(), Some(&expected), "{suffix}");
        }
    }

    #[test]
    fn a_name_without_colon_is_classified_by_the_whole_name() {
        let error = answer(
            r#"{"name":"badProtocol","version":1,"payload":{"code":"INVALID_COMMUNICATION_PROTOCOL","parameters":{}}}"#,
        );
        assert_eq!(error.error_type(), Some(&EventErrorType::BadProtocol));
        let success = answer(r#"{"name":"response","version":1}"#);
        assert!(success.is_success());
    }

    #[test]
    fn a_redirect_without_url_is_malformed() {
        let event = Event::from_json(r#"{"name":"a:redirect","version":1,"payload":{}}"#)
            .expect("an event")
            .into_owned();
        let error = Answer::from_event(event).expect_err("no url");
        assert_eq!(error.path(), "url");
    }
}
