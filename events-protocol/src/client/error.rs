//! Everything that can go wrong on the client's side: building a client,
//! sending an event, and a typed call.

use std::time::Duration;

use crate::error::{ProtocolError, ViewError};
use crate::{EventError, Redirect};

/// A client that cannot be built: its URL, a default header, or a default
/// `identity`, `auth` or `metadata`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientBuildError {
    /// The URL is not an absolute `http://` or `https://` URL.
    #[error("`{url}` is not an events URL: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An `https://` URL, and the crate was built without its `tls` feature.
    #[error("`{url}` needs TLS: turn on the `tls` feature of events-protocol")]
    TlsNotEnabled {
        /// The URL as given.
        url: String,
    },
    /// A default header's name or value is not valid in HTTP.
    #[error("invalid header `{name}`")]
    InvalidHeader {
        /// The header's name, as given.
        name: String,
    },
    /// The TLS configuration of the async client could not be made.
    #[error("the TLS configuration cannot be made: {0}")]
    Tls(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A default `identity`, `auth` or `metadata` cannot be serialised, or is
    /// not a JSON object.
    #[error("the default `{key}` is not a JSON object: {source}")]
    NotAnObject {
        /// `identity`, `auth` or `metadata`.
        key: &'static str,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

/// Why sending an event gave no answer ([PROTOCOL.md §6](crate::protocol#6-http-binding)): the event could not
/// be written, or the transport failed. An answer that is an error event is
/// not a `SendError`: it is an [`Answer::Error`](crate::client::Answer::Error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The event could not be written: a payload that cannot be serialised,
    /// or an `identity`, `auth` or `metadata` that is not a JSON object.
    #[error("the event cannot be written: {0}")]
    InvalidEvent(#[source] serde_json::Error),
    /// A per-call header's name or value is not valid in HTTP.
    #[error("invalid header `{name}`")]
    InvalidHeader {
        /// The header's name, as given.
        name: String,
    },
    /// No complete answer within the limit: connecting took longer than the
    /// connect limit, or the whole call longer than the call's limit.
    #[error("no answer within {limit:?} (gave up after {elapsed:?}{})", if *.connecting { ", while connecting" } else { "" })]
    Timeout {
        /// The limit that ran out.
        limit: Duration,
        /// How long the call ran.
        elapsed: Duration,
        /// Whether it was the connect limit that ran out: the connection was
        /// never made, so the server never saw the event.
        connecting: bool,
    },
    /// The connection could not be made (refused, unreachable, unknown host),
    /// or it broke before the answer was complete.
    #[error("connection to {url} failed: {source}")]
    Connection {
        /// The events URL.
        url: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The server answered with a status other than 2xx.
    #[error("the server answered HTTP {status}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The body, as text (invalid UTF-8 replaced), cut at the answer
        /// size limit.
        body: String,
    },
    /// The server answered 2xx with a body that is not an event.
    #[error("the server answered HTTP {status} with a body that is not an event: {error}")]
    NotAnEvent {
        /// The HTTP status.
        status: u16,
        /// The body, as text (invalid UTF-8 replaced).
        body: String,
        /// Why it is not an event.
        #[source]
        error: Box<ProtocolError>,
    },
    /// The answer is a `redirect` whose payload does not have the protocol's
    /// shape `{"url", "queryParameters"}`. (An error answer is classified by
    /// its name alone: a payload of another shape still makes an
    /// [`Answer::Error`](crate::client::Answer::Error).)
    #[error("the answer `{name}` has a malformed payload: {error}")]
    MalformedAnswer {
        /// The answer's name.
        name: String,
        /// The whole body.
        body: String,
        /// What does not fit.
        #[source]
        error: ViewError,
    },
    /// The answer's body is larger than the client's limit.
    #[error("the answer is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The async client was polled outside a Tokio runtime (it needs one,
    /// with its I/O and time drivers): nothing was sent.
    #[error("the async client needs a Tokio runtime, and none is running")]
    NoRuntime,
}

impl SendError {
    /// Whether the call ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendError::Timeout { .. })
    }

    /// Which of the protocol's transport failures this is ([PROTOCOL.md §6](crate::protocol#6-http-binding)),
    /// or [`Failure::NotSent`] when the event never left this process.
    pub fn failure(&self) -> Failure {
        match self {
            SendError::InvalidEvent(_) | SendError::InvalidHeader { .. } | SendError::NoRuntime => {
                Failure::NotSent
            }
            SendError::Timeout { .. } => Failure::Timeout,
            SendError::Connection { .. }
            | SendError::Status { .. }
            | SendError::TooLarge { .. } => Failure::FailedDependency,
            SendError::NotAnEvent { .. } | SendError::MalformedAnswer { .. } => {
                Failure::BadProtocol
            }
        }
    }
}

/// The transport failures of [PROTOCOL.md §6](crate::protocol#6-http-binding), as the Python and Kotlin clients
/// name them, to match a [`SendError`] coarsely with
/// [`SendError::failure`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Failure {
    /// No complete answer within the limit.
    Timeout,
    /// The connection failed, the status was not 2xx, or the answer was
    /// larger than the client's limit.
    FailedDependency,
    /// A 2xx answer that is not an event (or a `redirect` without its URL).
    BadProtocol,
    /// Nothing was sent: the event or a header could not be written, or the
    /// async client had no runtime.
    NotSent,
}

/// Why [`EventClient::catalog`](crate::client::EventClient::catalog) gave
/// no [catalog](crate::catalog).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// No answer came: a timeout, or a connection failure.
    #[error(transparent)]
    Send(#[from] SendError),
    /// The server answered with a status other than 2xx: `404` or `405`
    /// from a service that does not serve its catalog
    /// ([`is_not_served`](CatalogError::is_not_served)).
    #[error("GET {url} answered HTTP {status}")]
    Status {
        /// The catalog's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The body, as text (invalid UTF-8 replaced).
        body: String,
    },
    /// The server answered 2xx with a body that is not a catalog.
    #[error("the answer of GET {url} is not a catalog: {error}")]
    NotACatalog {
        /// The catalog's URL.
        url: String,
        /// The body, as text (invalid UTF-8 replaced).
        body: String,
        /// What does not fit.
        #[source]
        error: serde_json::Error,
    },
}

impl CatalogError {
    /// Whether the service does not serve a catalog at that URL: it answered
    /// `404 Not Found` or `405 Method Not Allowed` (the catalog is opt-in,
    /// and services of other implementations may have none).
    pub fn is_not_served(&self) -> bool {
        matches!(
            self,
            CatalogError::Status {
                status: 404 | 405,
                ..
            }
        )
    }
}

/// Why a typed call gave no response payload: the server answered an error
/// or a redirect, the call failed, or the answer's payload does not fit the
/// response type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The server answered an error event: its type, code and parameters.
    #[error("the server answered {0}")]
    Event(EventError),
    /// The server answered a redirect.
    #[error("the server redirected to {}", .0.url)]
    Redirect(Redirect),
    /// The event could not be sent, or the transport failed.
    #[error(transparent)]
    Send(#[from] SendError),
    /// The success answer's payload does not fit the response type.
    #[error("the answer `{name}` does not fit the response type: {error}")]
    Payload {
        /// The answer's name.
        name: String,
        /// The payload, as JSON text.
        payload: String,
        /// What does not fit, with its path.
        #[source]
        error: ViewError,
    },
}

impl CallError {
    /// The error the server answered, when it answered one.
    pub fn event_error(&self) -> Option<&EventError> {
        match self {
            CallError::Event(error) => Some(error),
            _ => None,
        }
    }
}

/// A failed call as the error a handler answers, so that `?` works across
/// calls (PROTOCOL.md §6 names the classes):
///
/// | the call's outcome | the handler's answer |
/// |---|---|
/// | [`CallError::Event`]: the service called answered an error | that error: its type, code and parameters |
/// | [`CallError::Redirect`] | `error`, code `DEPENDENCY_REDIRECT` |
/// | [`SendError::Timeout`] ([`Failure::Timeout`]) | `error`, code `DEPENDENCY_TIMEOUT` |
/// | [`SendError::Connection`], [`SendError::Status`], [`SendError::TooLarge`] ([`Failure::FailedDependency`]) | `error`, code `FAILED_DEPENDENCY` |
/// | [`SendError::NotAnEvent`], [`SendError::MalformedAnswer`] ([`Failure::BadProtocol`]), [`CallError::Payload`] | `error`, code `DEPENDENCY_BAD_PROTOCOL` |
/// | [`SendError::InvalidEvent`], [`SendError::InvalidHeader`], [`SendError::NoRuntime`] ([`Failure::NotSent`]) | `error`, code `UNHANDLED_ERROR`, as a handler's own fault |
///
/// Every error made here has the parameters `{}`: the URL, status and body
/// of the service called stay out of the answer (the caller of this service
/// has no business with them). They go to the log instead: the error, URL
/// included, at `warn`, and the body, when there is one, at `debug`.
///
/// ```
/// use events_protocol::client::{CallError, SendError};
/// use events_protocol::{EventError, Redirect};
///
/// let refused = CallError::Event(EventError::forbidden("NOT_YOURS").with("owner", 9));
/// assert_eq!(EventError::from(refused), EventError::forbidden("NOT_YOURS").with("owner", 9));
///
/// let down = CallError::Send(SendError::Status { status: 502, body: "bad gateway".to_owned() });
/// assert_eq!(EventError::from(down), EventError::error("FAILED_DEPENDENCY"));
///
/// let redirected = CallError::Redirect(Redirect::to("https://example.com/login"));
/// assert_eq!(EventError::from(redirected), EventError::error("DEPENDENCY_REDIRECT"));
/// ```
impl From<CallError> for EventError {
    fn from(error: CallError) -> EventError {
        match error {
            CallError::Event(error) => error,
            CallError::Send(error) => EventError::from(error),
            CallError::Redirect(redirect) => {
                tracing::warn!("a call was answered with a redirect");
                tracing::debug!(url = %redirect.url, "the redirect");
                EventError::error("DEPENDENCY_REDIRECT")
            }
            CallError::Payload {
                name,
                payload,
                error,
            } => {
                tracing::warn!(answer = %name, %error, "a call's answer does not fit its response type");
                tracing::debug!(%payload, "the answer's payload");
                EventError::error("DEPENDENCY_BAD_PROTOCOL")
            }
        }
    }
}

/// A failed send as the error a handler answers: see the table at
/// [`From<CallError> for EventError`](CallError#impl-From<CallError>-for-EventError).
impl From<SendError> for EventError {
    fn from(error: SendError) -> EventError {
        let failure = error.failure();
        match failure {
            Failure::NotSent => tracing::error!(%error, "a call could not be sent"),
            _ => tracing::warn!(%error, "a call failed"),
        }
        match &error {
            SendError::Status { body, .. }
            | SendError::NotAnEvent { body, .. }
            | SendError::MalformedAnswer { body, .. } => {
                tracing::debug!(%body, "the answer's body");
            }
            _ => {}
        }
        EventError::error(match failure {
            Failure::Timeout => "DEPENDENCY_TIMEOUT",
            Failure::FailedDependency => "FAILED_DEPENDENCY",
            Failure::BadProtocol => "DEPENDENCY_BAD_PROTOCOL",
            Failure::NotSent => "UNHANDLED_ERROR",
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{CallError, SendError};
    use crate::{Event, EventError, Redirect, error::ViewError, processor::ReadMode};

    fn not_an_event() -> SendError {
        let error = Event::from_slice(b"<html>", ReadMode::Lenient).expect_err("not JSON");
        SendError::NotAnEvent {
            status: 200,
            body: "<html>".to_owned(),
            error: Box::new(error),
        }
    }

    fn view_error() -> ViewError {
        let event = Event::from_json(r#"{"name":"a:response","version":1,"payload":{}}"#)
            .expect("an event");
        event.payload_as::<Redirect>().expect_err("no url")
    }

    #[test]
    fn an_error_answered_downstream_keeps_its_type_code_and_parameters() {
        let error = EventError::not_found("NO_USER").with("userId", 7);
        assert_eq!(EventError::from(CallError::Event(error.clone())), error);
    }

    #[test]
    fn every_failure_becomes_an_error_naming_its_class_and_nothing_else() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let cases = [
            (
                CallError::Redirect(Redirect::to("https://internal.invalid/secret")),
                "DEPENDENCY_REDIRECT",
            ),
            (
                CallError::Send(SendError::Timeout {
                    limit: Duration::from_secs(1),
                    elapsed: Duration::from_secs(1),
                    connecting: false,
                }),
                "DEPENDENCY_TIMEOUT",
            ),
            (
                CallError::Send(SendError::Connection {
                    url: "http://internal.invalid/events".to_owned(),
                    source: Box::new(io),
                }),
                "FAILED_DEPENDENCY",
            ),
            (
                CallError::Send(SendError::Status {
                    status: 500,
                    body: "stack trace".to_owned(),
                }),
                "FAILED_DEPENDENCY",
            ),
            (
                CallError::Send(SendError::TooLarge { limit: 10 }),
                "FAILED_DEPENDENCY",
            ),
            (CallError::Send(not_an_event()), "DEPENDENCY_BAD_PROTOCOL"),
            (
                CallError::Send(SendError::MalformedAnswer {
                    name: "a:redirect".to_owned(),
                    body: "{}".to_owned(),
                    error: view_error(),
                }),
                "DEPENDENCY_BAD_PROTOCOL",
            ),
            (
                CallError::Payload {
                    name: "a:response".to_owned(),
                    payload: "{}".to_owned(),
                    error: view_error(),
                },
                "DEPENDENCY_BAD_PROTOCOL",
            ),
            (
                CallError::Send(SendError::InvalidHeader {
                    name: "x".to_owned(),
                }),
                "UNHANDLED_ERROR",
            ),
            (CallError::Send(SendError::NoRuntime), "UNHANDLED_ERROR"),
        ];
        for (error, code) in cases {
            let shown = error.to_string();
            assert_eq!(EventError::from(error), EventError::error(code), "{shown}");
        }
    }

    #[test]
    fn a_send_error_converts_as_the_call_error_holding_it() {
        assert_eq!(
            EventError::from(SendError::TooLarge { limit: 1 }),
            EventError::error("FAILED_DEPENDENCY")
        );
    }
}
