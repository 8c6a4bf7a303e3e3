//! Building responses: success, redirect and error, carrying over only what
//! [PROTOCOL.md §4](crate::protocol#4-what-a-response-carries-over) allows.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::ViewError;
use crate::event::{Parts, Spots};
use crate::objects::{Key, Objects};
use crate::raw::{JsonText, checked_raw, empty_object};
use crate::write::{Envelope, Head};
use crate::{Event, EventError};

/// The payload of a `redirect` answer: where the caller should go instead.
///
/// ```
/// use events_protocol::Redirect;
///
/// let redirect = Redirect::to("https://example.com/login").with_query("next", "/home");
/// assert_eq!(
///     serde_json::to_string(&redirect).unwrap(),
///     r#"{"url":"https://example.com/login","queryParameters":{"next":"/home"}}"#
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Redirect {
    /// The address to go to.
    pub url: String,
    /// Query parameters to add to it.
    #[serde(rename = "queryParameters", default)]
    pub query_parameters: Map<String, Value>,
}

impl Redirect {
    /// A redirect to `url` with no query parameters.
    #[must_use]
    pub fn to(url: impl Into<String>) -> Redirect {
        Redirect {
            url: url.into(),
            query_parameters: Map::new(),
        }
    }

    /// Adds (or replaces) a query parameter.
    #[must_use]
    pub fn with_query(mut self, key: impl Into<String>, value: impl Into<Value>) -> Redirect {
        self.query_parameters.insert(key.into(), value.into());
        self
    }
}

/// What a handler answers, before it is written as the event
/// `<request name>:<suffix>`.
///
/// The response copies `version`, `id` and `flowId` from its request;
/// `identity`, `auth` and `metadata` are `{}` unless set here ([PROTOCOL.md §4](crate::protocol#4-what-a-response-carries-over)).
/// A value that cannot be serialised makes the answer an `error` event with
/// the code `UNHANDLED_ERROR`; the detail goes to the log, never to the caller.
///
/// ```
/// use events_protocol::{Event, Response};
///
/// let request = Event::from_json(
///     r#"{"name":"user:get","version":2,"id":"i","flowId":"f","auth":{"token":"secret"}}"#,
/// )?;
/// let answer = Response::success(&serde_json::json!({"name": "Ada"}))
///     .with_metadata(&serde_json::json!({"origin": "users"}))
///     .to_event(&request);
/// assert_eq!(
///     answer.to_json(),
///     r#"{"name":"user:get:response","version":2,"id":"i","flowId":"f","payload":{"name":"Ada"},"identity":{},"auth":{},"metadata":{"origin":"users"}}"#
/// );
/// # Ok::<(), events_protocol::error::ProtocolError>(())
/// ```
#[derive(Clone)]
pub struct Response {
    suffix: Cow<'static, str>,
    payload: Payload,
    objects: Objects,
    /// Why this answer could not be built, for the log; `Some` makes it an
    /// `UNHANDLED_ERROR`.
    fault: Option<Box<str>>,
}

/// The JSON text of a response's payload.
#[derive(Clone)]
enum Payload {
    /// As serde_json wrote it: compact, kept in the buffer it was written in
    /// (not copied into a `Box<RawValue>`).
    Written(String),
    /// As it was given ([`Response::from_raw`]): it may hold whitespace.
    Raw(Box<RawValue>),
    /// `{}`.
    Empty,
}

impl Payload {
    fn text(&self) -> &str {
        match self {
            Payload::Written(text) => text,
            Payload::Raw(raw) => raw.get(),
            Payload::Empty => empty_object().get(),
        }
    }
}

impl std::fmt::Debug for Response {
    /// Shows everything but `auth`, which may hold credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("suffix", &self.suffix)
            .field("payload", &self.payload.text())
            .field("objects", &self.objects)
            .field("fault", &self.fault)
            .finish()
    }
}

impl Response {
    /// A `response` (success) with `payload`.
    #[must_use]
    pub fn success<T: Serialize + ?Sized>(payload: &T) -> Response {
        Response::new("response", payload)
    }

    /// A `redirect` with the payload `{"url", "queryParameters"}`.
    #[must_use]
    pub fn redirect(redirect: &Redirect) -> Response {
        Response::new("redirect", redirect)
    }

    /// An error: suffix the error's type, payload `{"code", "parameters"}`.
    ///
    /// An unknown type that no client would read as an error (`response`,
    /// `redirect`, empty, or holding a `:`) makes the answer
    /// `UNHANDLED_ERROR` instead, with the detail in the log.
    #[must_use]
    pub fn error(error: &EventError) -> Response {
        let suffix = error.error_type().as_str();
        if matches!(suffix, "response" | "redirect" | "") || suffix.contains(':') {
            return Response::unhandled(format!(
                "the error type `{suffix}` would not be read as an error"
            ));
        }
        Response::new(suffix.to_owned(), error)
    }

    /// An answer with any suffix, for full control of the answer's name:
    /// `Response::new("badRequest", &payload)` answers
    /// `<request name>:badRequest`.
    #[must_use]
    pub fn new<T: Serialize + ?Sized>(
        suffix: impl Into<Cow<'static, str>>,
        payload: &T,
    ) -> Response {
        let (payload, fault) = match serde_json::to_string(payload) {
            Ok(text) => (Payload::Written(text), None),
            Err(error) => (Payload::Empty, Some(error)),
        };
        let mut response = Response::with_payload(suffix.into(), payload);
        if let Some(error) = fault {
            response.fail("payload", &error);
        }
        response
    }

    /// An answer with a payload that is already JSON text.
    #[must_use]
    pub fn from_raw(suffix: impl Into<Cow<'static, str>>, payload: Box<RawValue>) -> Response {
        Response::with_payload(suffix.into(), Payload::Raw(payload))
    }

    fn with_payload(suffix: Cow<'static, str>, payload: Payload) -> Response {
        Response {
            suffix,
            payload,
            objects: Objects::new(),
            fault: None,
        }
    }

    /// The `UNHANDLED_ERROR` answer, with a detail for the log only.
    #[must_use]
    pub fn unhandled(detail: impl Into<String>) -> Response {
        let mut response = Response::with_payload("error".into(), Payload::Empty);
        response.fault = Some(detail.into().into_boxed_str());
        response
    }

    /// Sets the answer's `identity` (an object).
    #[must_use]
    pub fn with_identity<T: Serialize + ?Sized>(self, identity: &T) -> Response {
        self.with_object(Key::Identity, identity)
    }

    /// Sets the answer's `auth` (an object). Nothing of the request's `auth`
    /// is ever copied: only what is set here is sent.
    #[must_use]
    pub fn with_auth<T: Serialize + ?Sized>(self, auth: &T) -> Response {
        self.with_object(Key::Auth, auth)
    }

    /// Sets the answer's `metadata` (an object).
    #[must_use]
    pub fn with_metadata<T: Serialize + ?Sized>(self, metadata: &T) -> Response {
        self.with_object(Key::Metadata, metadata)
    }

    /// Sets one of the three objects; one that cannot be set makes the
    /// answer `UNHANDLED_ERROR`, the reason in the log.
    fn with_object<T: Serialize + ?Sized>(mut self, key: Key, value: &T) -> Response {
        self.objects.set(key, value);
        if let Some(error) = self.objects.take_error() {
            self.fail(key.as_str(), &error.source);
        }
        self
    }

    fn fail(&mut self, key: &str, error: &serde_json::Error) {
        self.fault =
            Some(format!("the answer's {key} cannot be serialised: {error}").into_boxed_str());
    }

    /// The suffix of the answer's name (`response`, `badRequest`, ...).
    pub fn suffix(&self) -> &str {
        &self.suffix
    }

    /// The answer's payload. One serialised by [`Response::new`] (or
    /// [`success`](Response::success), [`error`](Response::error), ...) is
    /// kept as the text serde_json wrote, which is written into the answer as
    /// it is; this accessor reads that text as a [`RawValue`] at each call (a
    /// pass over it, no copy).
    pub fn payload(&self) -> &RawValue {
        match &self.payload {
            // JSON serde_json wrote
            Payload::Written(text) => checked_raw(text),
            Payload::Raw(raw) => raw,
            Payload::Empty => empty_object(),
        }
    }

    /// Why the answer could not be built, when it could not: such an answer
    /// is sent as `UNHANDLED_ERROR`.
    pub fn fault(&self) -> Option<&str> {
        self.fault.as_deref()
    }

    /// The answer written as the complete event for `request`.
    pub fn to_event(&self, request: &Event<'_>) -> Event<'static> {
        if self.fault.is_some() {
            return Response::error(&EventError::error("UNHANDLED_ERROR")).to_event(request);
        }
        let object = |key| {
            self.objects
                .get(key)
                .map(|raw| JsonText::from(raw.to_owned()))
        };
        Parts {
            name: Cow::Owned(format!("{}:{}", request.name(), self.suffix)),
            version: request.version(),
            id: Some(Cow::Owned(request.id().to_owned())),
            flow_id: Some(Cow::Owned(request.flow_id().to_owned())),
            payload: Some(match &self.payload {
                Payload::Written(text) => JsonText::Checked(Cow::Owned(text.clone())),
                Payload::Raw(raw) => JsonText::from(raw.clone()),
                Payload::Empty => JsonText::empty_object(),
            }),
            identity: object(Key::Identity),
            auth: object(Key::Auth),
            metadata: object(Key::Metadata),
            plain: false,
            spots: Spots::UNKNOWN,
        }
        .into_event()
    }

    /// The answer written as the JSON text of the event for `request`.
    pub fn to_json(&self, request: &Event<'_>) -> String {
        let mut out = String::new();
        self.write(request.head(), &mut out);
        out
    }

    /// Appends the answer to the request `head` comes from.
    pub(crate) fn write(&self, head: Head<'_>, out: &mut String) {
        if let Some(fault) = &self.fault {
            tracing::error!(
                event = head.name,
                version = head.version,
                id = head.id,
                flow_id = head.flow_id,
                detail = %fault,
                "UNHANDLED_ERROR"
            );
            let error = EventError::error("UNHANDLED_ERROR");
            return Response::error(&error).write(head, out);
        }
        let envelope = Envelope {
            head,
            suffix: Some(&self.suffix),
            payload: self.payload.text(),
            identity: self.objects.or_empty(Key::Identity).get(),
            auth: self.objects.or_empty(Key::Auth).get(),
            metadata: self.objects.or_empty(Key::Metadata).get(),
            // serde_json writes compact text
            may_hold_whitespace: matches!(self.payload, Payload::Raw(_)),
        };
        out.reserve(envelope.estimated_len());
        envelope.write(out);
    }
}

/// What a handler may return: turned into its [`Response`].
///
/// Implemented for [`Response`], [`Redirect`], [`EventError`], [`Json`],
/// [`ViewError`](crate::error::ViewError), and `Result<T, E>` where `T` is one of
/// these and `E: Into<EventError>`.
pub trait IntoResponse {
    /// The answer.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for Redirect {
    fn into_response(self) -> Response {
        Response::redirect(&self)
    }
}

impl IntoResponse for EventError {
    fn into_response(self) -> Response {
        Response::error(&self)
    }
}

impl<T: IntoResponse, E: Into<EventError>> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(value) => value.into_response(),
            Err(error) => Response::error(&error.into()),
        }
    }
}

/// A view that does not fit answers `badRequest` with the code
/// `MISSING_FIELDS` and the failing path, as [PROTOCOL.md §5](crate::protocol#5-outcomes-the-server-produces-by-itself) writes it: the
/// [`EventError`] a `ViewError` converts into, so `?` on a view in a handler
/// and the processor's own answer are the same bytes.
impl IntoResponse for ViewError {
    fn into_response(self) -> Response {
        Response::error(&EventError::from(self))
    }
}

/// A success answer whose payload is any serialisable value.
///
/// ```
/// use events_protocol::{IntoResponse, Json};
///
/// let response = Json(vec![1, 2, 3]).into_response();
/// assert_eq!(response.suffix(), "response");
/// assert_eq!(response.payload().get(), "[1,2,3]");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        Response::success(&self.0)
    }
}
