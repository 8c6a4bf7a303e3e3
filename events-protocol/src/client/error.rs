//! Everything that can go wrong on the client's side: building a client,
//! sending an event, and a typed call.

use std::time::Duration;

use crate::{EventError, ProtocolError, Redirect, ViewError};

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

/// Why sending an event gave no answer (PROTOCOL.md §6): the event could not
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
}

impl SendError {
    /// Whether the call ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendError::Timeout { .. })
    }

    /// Which of the protocol's transport failures this is (PROTOCOL.md §6),
    /// or [`Failure::NotSent`] when the event never left this process.
    pub fn failure(&self) -> Failure {
        match self {
            SendError::InvalidEvent(_) | SendError::InvalidHeader { .. } => Failure::NotSent,
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

/// The transport failures of PROTOCOL.md §6, as the Python and Kotlin clients
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
    /// Nothing was sent: the event or a header could not be written.
    NotSent,
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
