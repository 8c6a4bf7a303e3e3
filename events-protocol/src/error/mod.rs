//! Every error of the library: the error types of the protocol (the error
//! suffixes, the error payload, the error value a handler returns), a body
//! that is not a well-formed event ([`ProtocolError`]), and a payload or
//! object that does not fit a handler's type ([`ViewError`]). The client's
//! errors are in [`client`](crate::client).

mod protocol;
mod view;

pub use protocol::{FieldError, ProtocolError};
pub(crate) use view::read as read_view;
pub use view::{MismatchKind, ViewError};

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The type of an error response: the suffix after the request's name
/// (`user:profile:get:badRequest`), spelled as [PROTOCOL.md §2](crate::protocol#2-names) says.
///
/// Parsing never fails: the snake_case spellings of the protocol's prose
/// (`bad_request`) read as their camelCase types, and any other text is kept in
/// [`EventErrorType::Unknown`].
///
/// ```
/// use events_protocol::error::EventErrorType;
///
/// assert_eq!("badRequest".parse::<EventErrorType>(), Ok(EventErrorType::BadRequest));
/// assert_eq!("not_found".parse::<EventErrorType>(), Ok(EventErrorType::NotFound));
/// assert_eq!(EventErrorType::UserDenied.to_string(), "userDenied");
/// assert_eq!(
///     "teapot".parse::<EventErrorType>(),
///     Ok(EventErrorType::Unknown("teapot".to_owned()))
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventErrorType {
    /// `error`: an unexpected failure of the server.
    Error,
    /// `badRequest`: the payload does not fit what the handler expects.
    BadRequest,
    /// `badProtocol`: the body is not a well-formed event.
    BadProtocol,
    /// `eventNotFound`: no handler, in the Kotlin reference's naming.
    EventNotFound,
    /// `unauthorized`: the caller is not authenticated.
    Unauthorized,
    /// `notFound`: no handler for the event, or the resource does not exist.
    NotFound,
    /// `forbidden`: the caller may not do this.
    Forbidden,
    /// `userDenied`: the user refused.
    UserDenied,
    /// `resourceDenied`: the resource refused.
    ResourceDenied,
    /// `expired`: a credential or resource has expired.
    Expired,
    /// `unprocessable`: the request is well-formed but cannot be processed.
    Unprocessable,
    /// `gone`: the resource existed and is no longer available.
    Gone,
    /// Any other suffix, kept as it was written.
    Unknown(String),
}

impl EventErrorType {
    /// The twelve error types [PROTOCOL.md §2](crate::protocol#2-names) names, in its order.
    pub const KNOWN: [EventErrorType; 12] = [
        EventErrorType::Error,
        EventErrorType::BadRequest,
        EventErrorType::BadProtocol,
        EventErrorType::EventNotFound,
        EventErrorType::Unauthorized,
        EventErrorType::NotFound,
        EventErrorType::Forbidden,
        EventErrorType::UserDenied,
        EventErrorType::ResourceDenied,
        EventErrorType::Expired,
        EventErrorType::Unprocessable,
        EventErrorType::Gone,
    ];

    /// The suffix as written on the wire (`badRequest`, or the unknown text).
    pub fn as_str(&self) -> &str {
        match self {
            EventErrorType::Error => "error",
            EventErrorType::BadRequest => "badRequest",
            EventErrorType::BadProtocol => "badProtocol",
            EventErrorType::EventNotFound => "eventNotFound",
            EventErrorType::Unauthorized => "unauthorized",
            EventErrorType::NotFound => "notFound",
            EventErrorType::Forbidden => "forbidden",
            EventErrorType::UserDenied => "userDenied",
            EventErrorType::ResourceDenied => "resourceDenied",
            EventErrorType::Expired => "expired",
            EventErrorType::Unprocessable => "unprocessable",
            EventErrorType::Gone => "gone",
            EventErrorType::Unknown(text) => text,
        }
    }

    /// Reads a suffix: the exact camelCase spellings, the snake_case ones of
    /// the protocol's prose, and anything else as [`EventErrorType::Unknown`].
    pub fn from_suffix(suffix: &str) -> EventErrorType {
        match suffix {
            "error" => EventErrorType::Error,
            "badRequest" | "bad_request" => EventErrorType::BadRequest,
            "badProtocol" | "bad_protocol" => EventErrorType::BadProtocol,
            "eventNotFound" | "event_not_found" => EventErrorType::EventNotFound,
            "unauthorized" => EventErrorType::Unauthorized,
            "notFound" | "not_found" => EventErrorType::NotFound,
            "forbidden" => EventErrorType::Forbidden,
            "userDenied" | "user_denied" => EventErrorType::UserDenied,
            "resourceDenied" | "resource_denied" => EventErrorType::ResourceDenied,
            "expired" => EventErrorType::Expired,
            "unprocessable" => EventErrorType::Unprocessable,
            "gone" => EventErrorType::Gone,
            other => EventErrorType::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for EventErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventErrorType {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(EventErrorType::from_suffix(s))
    }
}

/// The payload every error response carries: `{"code": ..., "parameters": {...}}`
/// ([PROTOCOL.md §3](crate::protocol#3-error-payload)).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorPayload {
    /// The error's code, UPPER_SNAKE_CASE (`INVALID_EMAIL`).
    pub code: String,
    /// Details of the error; `{}` when there are none.
    #[serde(default)]
    pub parameters: Map<String, Value>,
}

/// The error a handler returns: an [`EventErrorType`], a code and parameters.
///
/// The processor answers it as the event `<request name>:<type>` with the
/// payload `{"code", "parameters"}`.
///
/// ```
/// use events_protocol::{error::EventErrorType, EventError};
///
/// let email = "not-an-email";
/// let error = EventError::bad_request("INVALID_EMAIL").with("email", email);
/// assert_eq!(error.error_type(), &EventErrorType::BadRequest);
/// assert_eq!(error.code(), "INVALID_EMAIL");
/// assert_eq!(error.parameters()["email"], "not-an-email");
/// ```
///
/// A service's own error enum converts with a `From` impl, so `?` works in
/// handlers that return `Result<T, EventError>`:
///
/// ```
/// use events_protocol::EventError;
///
/// enum AccountError {
///     Missing(u64),
///     Locked,
/// }
///
/// impl From<AccountError> for EventError {
///     fn from(error: AccountError) -> Self {
///         match error {
///             AccountError::Missing(id) => EventError::not_found("ACCOUNT_NOT_FOUND").with("id", id),
///             AccountError::Locked => EventError::forbidden("ACCOUNT_LOCKED"),
///         }
///     }
/// }
///
/// let error: EventError = AccountError::Missing(7).into();
/// assert_eq!(error.to_string(), "notFound: ACCOUNT_NOT_FOUND");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct EventError {
    error_type: EventErrorType,
    code: Cow<'static, str>,
    parameters: Map<String, Value>,
}

macro_rules! constructors {
    ($($(#[$doc:meta])* $fn_name:ident => $variant:ident,)*) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $fn_name(code: impl Into<Cow<'static, str>>) -> EventError {
                EventError::new(EventErrorType::$variant, code)
            }
        )*
    };
}

impl EventError {
    /// An error of any type with a code and no parameters. An
    /// [`EventErrorType::Unknown`] that spells a known type
    /// (`Unknown("badRequest")`) becomes that type.
    #[must_use]
    pub fn new(error_type: EventErrorType, code: impl Into<Cow<'static, str>>) -> EventError {
        let error_type = match error_type {
            EventErrorType::Unknown(text) => EventErrorType::from_suffix(&text),
            known => known,
        };
        EventError {
            error_type,
            code: code.into(),
            parameters: Map::new(),
        }
    }

    constructors! {
        /// An `error`: an unexpected failure.
        error => Error,
        /// A `badRequest`: the input is wrong.
        bad_request => BadRequest,
        /// An `unauthorized`: the caller is not authenticated.
        unauthorized => Unauthorized,
        /// A `notFound`: the resource does not exist.
        not_found => NotFound,
        /// A `forbidden`: the caller may not do this.
        forbidden => Forbidden,
        /// A `userDenied`: the user refused.
        user_denied => UserDenied,
        /// A `resourceDenied`: the resource refused.
        resource_denied => ResourceDenied,
        /// An `expired`: a credential or resource has expired.
        expired => Expired,
        /// An `unprocessable`: well-formed, but cannot be processed.
        unprocessable => Unprocessable,
        /// A `gone`: no longer available.
        gone => Gone,
    }

    /// Adds (or replaces) a parameter.
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> EventError {
        self.parameters.insert(key.into(), value.into());
        self
    }

    /// Replaces all parameters.
    #[must_use]
    pub fn with_parameters(mut self, parameters: Map<String, Value>) -> EventError {
        self.parameters = parameters;
        self
    }

    /// The error's type, which names the response's suffix.
    pub fn error_type(&self) -> &EventErrorType {
        &self.error_type
    }

    /// The error's code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The error's parameters.
    pub fn parameters(&self) -> &Map<String, Value> {
        &self.parameters
    }

    /// The payload this error is answered with.
    pub fn to_payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code.clone().into_owned(),
            parameters: self.parameters.clone(),
        }
    }

    /// Builds the error from a type and a received payload.
    pub fn from_payload(error_type: EventErrorType, payload: ErrorPayload) -> EventError {
        EventError {
            error_type,
            code: Cow::Owned(payload.code),
            parameters: payload.parameters,
        }
    }
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.code)
    }
}

impl std::error::Error for EventError {}

impl Serialize for EventError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut state = serializer.serialize_struct("ErrorPayload", 2)?;
        state.serialize_field("code", &self.code)?;
        state.serialize_field("parameters", &self.parameters)?;
        state.end()
    }
}

/// An error payload with typed parameters: how the processor writes the
/// errors it answers by itself.
#[derive(Serialize)]
pub(crate) struct ErrorBody<P> {
    pub code: &'static str,
    pub parameters: P,
}
