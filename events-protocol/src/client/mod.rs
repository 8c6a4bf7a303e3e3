//! The HTTP client: sends events to any Events Protocol server with `ureq`
//! ([PROTOCOL.md §6](crate::protocol#6-http-binding)), continues the current flow (§7), and tells every outcome
//! apart (§2).

mod answer;
mod call;
mod error;
mod resolver;
mod transport;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::value::RawValue;
use ureq::http::header::{ACCEPT, CONTENT_TYPE};
use ureq::http::{HeaderMap, HeaderName, HeaderValue, Uri};

pub use answer::Answer;
pub use call::{Call, TypedCall};
pub use error::{CallError, ClientBuildError, Failure, SendError};

use crate::{Event, EventRequest};

/// The default limit of a whole call, connecting included: 15 s ([PROTOCOL.md §6](crate::protocol#6-http-binding)).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// The default limit for making the connection: 5 s, within the call's limit.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest answer body read by default: 10 MiB.
pub const DEFAULT_MAX_ANSWER_BYTES: usize = 10 * 1024 * 1024;

/// A client of one events URL, over a `ureq` agent whose connections are
/// reused. Cloning it is cheap; the clones share the connections.
///
/// Every event it sends carries the client's default `identity`, `auth`,
/// `metadata` and headers unless the call sets its own, and takes its `id` and
/// `flowId` from the call, else from the current
/// [`EventContext`](crate::EventContext) (a call made inside a handler
/// continues its flow), else fresh UUIDs.
///
/// The client is blocking: a call holds its thread until the answer or the
/// timeout. Inside an async runtime, call it from a synchronous handler (the
/// `axum` route runs those on the blocking pool) or from
/// `tokio::task::spawn_blocking`. A host written as an IP address is used as
/// it is; a host name is resolved by the system at every call.
///
/// ```no_run
/// use std::time::Duration;
///
/// use events_protocol::{Answer, EventClient};
/// use serde_json::json;
///
/// let client = EventClient::builder("http://127.0.0.1:8080/events")
///     .timeout(Duration::from_secs(5))
///     .metadata(&json!({"origin": "billing"}))
///     .build()?;
/// match client.send_event("user:profile:get", 1, &json!({"userId": 42}))? {
///     Answer::Success(event) => println!("{}", event.payload()),
///     Answer::Redirect { redirect, .. } => println!("go to {}", redirect.url),
///     Answer::Error { error, .. } => println!("{}: {}", error.error_type(), error.code()),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct EventClient {
    shared: Arc<Shared>,
}

/// What the clients of one [`EventClient::builder`] share.
struct Shared {
    agent: ureq::Agent,
    url: String,
    timeout: Duration,
    connect_timeout: Duration,
    max_answer_bytes: usize,
    headers: HeaderMap,
    identity: Option<Box<RawValue>>,
    auth: Option<Box<RawValue>>,
    metadata: Option<Box<RawValue>>,
}

impl EventClient {
    /// A client of `url` with the defaults: 15 s per call, 5 s to connect,
    /// answers up to 10 MiB, no default headers or objects.
    ///
    /// # Errors
    ///
    /// A [`ClientBuildError`] when `url` is not an absolute `http://` (or,
    /// with the `tls` feature, `https://`) URL.
    pub fn new(url: impl Into<String>) -> Result<EventClient, ClientBuildError> {
        EventClient::builder(url).build()
    }

    /// A builder of a client of `url`.
    pub fn builder(url: impl Into<String>) -> EventClientBuilder {
        EventClientBuilder {
            url: url.into(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
            headers: Vec::new(),
            identity: None,
            auth: None,
            metadata: None,
            error: None,
        }
    }

    /// The events URL.
    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// The limit of a whole call.
    pub fn timeout(&self) -> Duration {
        self.shared.timeout
    }

    /// The limit for making the connection.
    pub fn connect_timeout(&self) -> Duration {
        self.shared.connect_timeout
    }

    /// The largest answer body read.
    pub fn max_answer_bytes(&self) -> usize {
        self.shared.max_answer_bytes
    }

    /// Sends the event `name` of `version` with `payload`, and classifies the
    /// answer.
    ///
    /// # Errors
    ///
    /// A [`SendError`] when the payload cannot be serialised or the transport
    /// fails; an error *answer* is an `Ok(Answer::Error { .. })`.
    pub fn send_event<T: Serialize + ?Sized>(
        &self,
        name: &str,
        version: i64,
        payload: &T,
    ) -> Result<Answer, SendError> {
        self.event(name, version).payload(payload).send()
    }

    /// Starts a call of the event `name` of `version`, to set its payload,
    /// `id`, `flowId`, `identity`, `auth`, `metadata`, timeout or headers.
    pub fn event(&self, name: &str, version: i64) -> Call<'_> {
        Call::new(self, Event::builder(name, version))
    }

    /// Sends an event as it is: its `id`, `flowId`, `identity`, `auth` and
    /// `metadata` are sent unchanged (the client's defaults do not apply).
    ///
    /// # Errors
    ///
    /// As [`EventClient::send_event`].
    pub fn send(&self, event: &Event<'_>) -> Result<Answer, SendError> {
        transport::exchange(self, event.to_json(), &HeaderMap::new(), None)
    }

    /// Calls a typed request and reads the success payload into its
    /// response type.
    ///
    /// # Errors
    ///
    /// [`CallError::Event`] when the server answers an error,
    /// [`CallError::Redirect`] for a redirect, [`CallError::Send`] when the
    /// call fails, [`CallError::Payload`] when the answer does not fit
    /// `R::Response`.
    pub fn call<R: EventRequest>(&self, request: &R) -> Result<R::Response, CallError> {
        self.request(request).call()
    }

    /// Starts a typed call, to set its `id`, `flowId`, `identity`, `auth`,
    /// `metadata`, timeout or headers.
    pub fn request<R: EventRequest>(&self, request: &R) -> TypedCall<'_, R> {
        TypedCall::new(self.event(R::NAME, R::VERSION).payload(request.payload()))
    }

    fn shared(&self) -> &Shared {
        &self.shared
    }
}

impl fmt::Debug for EventClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = self.shared();
        f.debug_struct("EventClient")
            .field("url", &shared.url)
            .field("timeout", &shared.timeout)
            .field("connect_timeout", &shared.connect_timeout)
            .field("max_answer_bytes", &shared.max_answer_bytes)
            .field("headers", &shared.headers.keys().collect::<Vec<_>>())
            .field("identity", &shared.identity.as_deref().map(RawValue::get))
            .field("auth", &shared.auth.as_ref().map(|_| "<redacted>"))
            .field("metadata", &shared.metadata.as_deref().map(RawValue::get))
            .finish()
    }
}

/// Builds an [`EventClient`]; made by [`EventClient::builder`].
#[must_use]
pub struct EventClientBuilder {
    url: String,
    timeout: Duration,
    connect_timeout: Duration,
    max_answer_bytes: usize,
    headers: Vec<(HeaderName, HeaderValue)>,
    identity: Option<Box<RawValue>>,
    auth: Option<Box<RawValue>>,
    metadata: Option<Box<RawValue>>,
    error: Option<ClientBuildError>,
}

impl fmt::Debug for EventClientBuilder {
    /// Shows everything but `auth` and the headers' values, which may hold
    /// credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventClientBuilder")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_answer_bytes", &self.max_answer_bytes)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field("identity", &self.identity)
            .field("auth", &"<redacted>")
            .field("metadata", &self.metadata)
            .field("error", &self.error)
            .finish()
    }
}

impl EventClientBuilder {
    /// The limit of a whole call: connecting, sending, and reading the whole
    /// answer. A server that never answers, or trickles its answer, fails
    /// with [`SendError::Timeout`] once it runs out. Default 15 s.
    pub fn timeout(mut self, timeout: Duration) -> EventClientBuilder {
        self.timeout = timeout;
        self
    }

    /// The limit for making the connection (within the call's limit).
    /// Default 5 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> EventClientBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// The largest answer body read; a larger one fails with
    /// [`SendError::TooLarge`]. Default 10 MiB.
    pub fn max_answer_bytes(mut self, limit: usize) -> EventClientBuilder {
        self.max_answer_bytes = limit;
        self
    }

    /// A header sent with every event (a per-call header of the same name
    /// replaces it).
    pub fn header(mut self, name: &str, value: &str) -> EventClientBuilder {
        match header_pair(name, value) {
            Some(pair) => self.headers.push(pair),
            None => self.fail(ClientBuildError::InvalidHeader {
                name: name.to_owned(),
            }),
        }
        self
    }

    /// The `identity` of every event that does not set its own.
    pub fn identity<T: Serialize + ?Sized>(mut self, identity: &T) -> EventClientBuilder {
        self.identity = self.object("identity", identity);
        self
    }

    /// The `auth` of every event that does not set its own.
    pub fn auth<T: Serialize + ?Sized>(mut self, auth: &T) -> EventClientBuilder {
        self.auth = self.object("auth", auth);
        self
    }

    /// The `metadata` of every event that does not set its own.
    pub fn metadata<T: Serialize + ?Sized>(mut self, metadata: &T) -> EventClientBuilder {
        self.metadata = self.object("metadata", metadata);
        self
    }

    /// The client.
    ///
    /// # Errors
    ///
    /// The first [`ClientBuildError`]: an invalid URL or header, or a
    /// default object that is not a JSON object.
    pub fn build(self) -> Result<EventClient, ClientBuildError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        check_url(&self.url)?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .accept("application/json")
            .user_agent(concat!("events-protocol-rs/", env!("CARGO_PKG_VERSION")))
            .timeout_global(Some(self.timeout))
            .timeout_connect(Some(self.connect_timeout))
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            ureq::unversioned::transport::DefaultConnector::default(),
            resolver::LiteralFirst::default(),
        );
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        Ok(EventClient {
            shared: Arc::new(Shared {
                agent,
                url: self.url,
                timeout: self.timeout,
                connect_timeout: self.connect_timeout,
                max_answer_bytes: self.max_answer_bytes,
                headers,
                identity: self.identity,
                auth: self.auth,
                metadata: self.metadata,
            }),
        })
    }

    fn object<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Option<Box<RawValue>> {
        match crate::raw::to_object(value) {
            Ok(raw) => Some(raw),
            Err(source) => {
                self.fail(ClientBuildError::NotAnObject { key, source });
                None
            }
        }
    }

    fn fail(&mut self, error: ClientBuildError) {
        self.error.get_or_insert(error);
    }
}

/// A header's name and value, when both are valid.
pub(crate) fn header_pair(name: &str, value: &str) -> Option<(HeaderName, HeaderValue)> {
    let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
    let value = HeaderValue::from_str(value).ok()?;
    Some((name, value))
}

/// Checks that `url` is an absolute `http://` or `https://` URL with a host.
fn check_url(url: &str) -> Result<(), ClientBuildError> {
    let invalid = |reason: &str| ClientBuildError::InvalidUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let uri: Uri = url
        .parse()
        .map_err(|error: ureq::http::uri::InvalidUri| invalid(&error.to_string()))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    match uri.scheme_str() {
        Some("http") => Ok(()),
        Some("https") if cfg!(feature = "tls") => Ok(()),
        Some("https") => Err(ClientBuildError::TlsNotEnabled {
            url: url.to_owned(),
        }),
        _ => Err(invalid("the scheme is not `http` or `https`")),
    }
}

#[cfg(test)]
mod tests {
    use super::{ClientBuildError, EventClient};

    #[cfg(not(feature = "tls"))]
    #[test]
    fn https_url_without_the_tls_feature_is_refused_at_build() {
        let error = EventClient::new("https://127.0.0.1/events").expect_err("no TLS");
        assert!(
            matches!(error, ClientBuildError::TlsNotEnabled { .. }),
            "{error:?}"
        );
    }

    #[cfg(feature = "tls")]
    #[test]
    fn https_url_with_the_tls_feature_builds() {
        let client = EventClient::new("https://127.0.0.1/events").expect("a client");
        assert_eq!(client.url(), "https://127.0.0.1/events");
    }

    #[test]
    fn debug_output_never_shows_the_default_auth() {
        let client = EventClient::builder("http://127.0.0.1:9/events")
            .auth(&serde_json::json!({"token": "secret-token"}))
            .build()
            .expect("a client");
        let debug = format!("{client:?}");
        assert!(!debug.contains("secret-token"), "{debug}");
        let call = format!(
            "{:?}",
            client
                .event("a:b", 1)
                .auth(&serde_json::json!({"token": "secret-token"}))
        );
        assert!(!call.contains("secret-token"), "{call}");
    }

    #[test]
    fn url_with_no_host_or_another_scheme_is_invalid() {
        for url in [
            "http:///events",
            "ftp://127.0.0.1/",
            "127.0.0.1:8080/events",
        ] {
            let error = EventClient::new(url).expect_err(url);
            assert!(
                matches!(error, ClientBuildError::InvalidUrl { .. }),
                "{url}: {error:?}"
            );
        }
    }
}
