//! The HTTP clients: send events to any Events Protocol server (PROTOCOL.md
//! §6), continue the current flow (§7), and tell every outcome apart (§2).
//!
//! Two clients share one way of building them, one per-call builder and one
//! set of outcomes:
//!
//! - [`EventClient`] (feature `client`, on by default) blocks its thread,
//!   over `ureq`;
//! - `AsyncEventClient` (feature `client-async`) returns futures, over
//!   hyper on a Tokio runtime.
//!
//! Each is made by an [`EventClientBuilder`] (URL, limits, default headers,
//! default `identity`/`auth`/`metadata`), starts a [`Call`] with `event()`
//! (its answer an [`Answer`]) or a typed one with `request()` (its answer the
//! request's response type), and names every failure: a [`SendError`] when
//! no answer came, a [`CallError`] when a typed call got no response payload,
//! each with its protocol class ([`Failure`]). Both convert into an
//! [`EventError`](crate::EventError), so a handler calling another service
//! can use `?` (see [`CallError`] for the mapping). [`local`] makes the same
//! typed calls through a [`Processor`](crate::Processor), without HTTP, for
//! tests.
//!
//! ```no_run
//! use events_protocol::client::{Answer, EventClient};
//! use serde_json::json;
//!
//! let client = EventClient::new("http://127.0.0.1:8080/events")?;
//! match client.send_event("user:profile:get", 1, &json!({"userId": 42}))? {
//!     Answer::Success(event) => println!("{}", event.payload()),
//!     Answer::Redirect { redirect, .. } => println!("go to {}", redirect.url),
//!     Answer::Error { error, .. } => println!("{}: {}", error.error_type(), error.code()),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

/// The constructors and the getters both clients have, written once: `new`,
/// `builder`, `url`, `timeout`, `connect_timeout`, `max_answer_bytes` (each
/// client keeps its settings in `shared.config`).
macro_rules! client_accessors {
    ($client:ident) => {
        /// A client of `url` with the defaults: 15 s per call, 5 s to connect,
        /// answers up to 10 MiB, no default headers or objects.
        ///
        /// # Errors
        ///
        /// A [`ClientBuildError`](crate::client::ClientBuildError) when `url`
        /// is not an absolute `http://` (or, with the `tls` feature,
        /// `https://`) URL.
        pub fn new(url: impl Into<String>) -> Result<$client, crate::client::ClientBuildError> {
            $client::builder(url).build()
        }

        /// A builder of a client of `url`: the limits, default headers and
        /// default objects of every call.
        pub fn builder(url: impl Into<String>) -> crate::client::EventClientBuilder<$client> {
            crate::client::EventClientBuilder::new(url.into())
        }

        /// The events URL.
        pub fn url(&self) -> &str {
            &self.shared.config.url
        }

        /// The limit of a whole call.
        pub fn timeout(&self) -> std::time::Duration {
            self.shared.config.timeout
        }

        /// The limit for making the connection.
        pub fn connect_timeout(&self) -> std::time::Duration {
            self.shared.config.connect_timeout
        }

        /// The largest answer body read.
        pub fn max_answer_bytes(&self) -> usize {
            self.shared.config.max_answer_bytes
        }
    };
}

mod answer;
#[cfg(feature = "client-async")]
mod asynchronous;
mod blocking;
mod call;
mod error;
pub mod local;

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::Serialize;
use ureq::http::header::{ACCEPT, CONTENT_TYPE};
use ureq::http::{HeaderMap, HeaderName, HeaderValue, Uri};

pub use answer::{Answer, RawAnswer};
#[cfg(feature = "client-async")]
pub use asynchronous::AsyncEventClient;
pub use blocking::EventClient;
pub use call::{Call, Untyped};
pub use error::{CallError, CatalogError, ClientBuildError, Failure, SendError};

use crate::metrics::{Measure, Series};
use crate::objects::{Key, Objects};
use crate::trace::Propagation;

/// The default limit of a whole call, connecting included: 15 s (PROTOCOL.md §6).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// The default limit for making the connection: 5 s, within the call's limit.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest answer body read by default: 10 MiB.
pub const DEFAULT_MAX_ANSWER_BYTES: usize = 10 * 1024 * 1024;

/// The `User-Agent` both clients send.
const USER_AGENT: &str = concat!("events-protocol-rs/", env!("CARGO_PKG_VERSION"));

/// What a client is built with, shared by its clones and by each of its
/// calls.
pub(crate) struct Config {
    pub(crate) url: String,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_answer_bytes: usize,
    /// `Content-Type`, `Accept` and the default headers, in that order.
    pub(crate) headers: HeaderMap,
    /// The default `identity`, `auth` and `metadata`.
    pub(crate) objects: Objects,
    /// Which keys `metadata.trace` is written with.
    pub(crate) propagation: Propagation,
}

impl Config {
    /// Writes the configuration as the struct `name`: the headers' names
    /// only, `auth` redacted.
    fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_answer_bytes", &self.max_answer_bytes)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("objects", &self.objects)
            .field("propagation", &self.propagation)
            .finish()
    }
}

/// Builds an [`EventClient`] (made by [`EventClient::builder`]) or, with the
/// feature `client-async`, an `AsyncEventClient` (made by
/// `AsyncEventClient::builder`): the same options for both.
///
/// `Debug` shows the headers' names but not their values, and never the
/// default `auth`: they may hold credentials.
#[must_use]
pub struct EventClientBuilder<C = EventClient> {
    config: Config,
    error: Option<ClientBuildError>,
    client: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for EventClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.config.debug("EventClientBuilder", f)?;
        if let Some(error) = &self.error {
            write!(f, " (invalid: {error})")?;
        }
        Ok(())
    }
}

impl<C> EventClientBuilder<C> {
    /// A builder of a client of `url` with the defaults.
    pub(crate) fn new(url: String) -> EventClientBuilder<C> {
        crate::metrics::warm_clock();
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        EventClientBuilder {
            config: Config {
                url,
                timeout: DEFAULT_TIMEOUT,
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
                headers,
                objects: Objects::new(),
                propagation: Propagation::AsReceived,
            },
            error: None,
            client: PhantomData,
        }
    }

    /// The limit of a whole call: connecting, sending, and reading the whole
    /// answer. A server that never answers, or trickles its answer, fails
    /// with [`SendError::Timeout`] once it runs out. Default 15 s.
    pub fn timeout(mut self, timeout: Duration) -> EventClientBuilder<C> {
        self.config.timeout = timeout;
        self
    }

    /// The limit for making the connection (within the call's limit).
    /// Default 5 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> EventClientBuilder<C> {
        self.config.connect_timeout = timeout;
        self
    }

    /// The largest answer body read; a larger one fails with
    /// [`SendError::TooLarge`]. Default 10 MiB.
    pub fn max_answer_bytes(mut self, limit: usize) -> EventClientBuilder<C> {
        self.config.max_answer_bytes = limit;
        self
    }

    /// A header sent with every event (a per-call header of the same name
    /// replaces it).
    pub fn header(mut self, name: &str, value: &str) -> EventClientBuilder<C> {
        match header_pair(name, value) {
            Some((name, value)) => {
                self.config.headers.insert(name, value);
            }
            None => {
                self.error.get_or_insert(ClientBuildError::InvalidHeader {
                    name: name.to_owned(),
                });
            }
        }
        self
    }

    /// The `identity` of every event that does not set its own.
    pub fn identity<T: Serialize + ?Sized>(mut self, identity: &T) -> EventClientBuilder<C> {
        self.config.objects.set(Key::Identity, identity);
        self
    }

    /// The `auth` of every event that does not set its own.
    pub fn auth<T: Serialize + ?Sized>(mut self, auth: &T) -> EventClientBuilder<C> {
        self.config.objects.set(Key::Auth, auth);
        self
    }

    /// The `metadata` of every event that does not set its own.
    pub fn metadata<T: Serialize + ?Sized>(mut self, metadata: &T) -> EventClientBuilder<C> {
        self.config.objects.set(Key::Metadata, metadata);
        self
    }

    /// Which keys the trace context of every call is written with in
    /// `metadata.trace` ([PROTOCOL.md §8](crate::protocol#8-trace-context)):
    /// W3C's always, and Datadog's too when the handler's event came with
    /// them ([`Propagation::AsReceived`], the default) or always
    /// ([`Propagation::AlwaysDatadog`], for services downstream that read
    /// only Datadog's).
    pub fn propagation(mut self, propagation: Propagation) -> EventClientBuilder<C> {
        self.config.propagation = propagation;
        self
    }

    /// The checked configuration, for the client's own `build`.
    fn into_config(self) -> Result<Config, ClientBuildError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let mut config = self.config;
        if let Some(error) = config.objects.take_error() {
            return Err(ClientBuildError::NotAnObject {
                key: error.key.as_str(),
                source: error.source,
            });
        }
        check_url(&config.url)?;
        Ok(config)
    }
}

/// A call's outcome, as the metrics label it: the answer's suffix, or the
/// class of the failure.
pub(crate) fn outcome(result: &Result<Answer, SendError>) -> &str {
    match result {
        Ok(Answer::Success(_)) => "response",
        Ok(Answer::Redirect { .. }) => "redirect",
        Ok(Answer::Error { error, .. }) => error.error_type().as_str(),
        Err(error) => match error.failure() {
            Failure::Timeout => "timeout",
            Failure::FailedDependency => "failedDependency",
            Failure::BadProtocol => "invalidAnswer",
            Failure::NotSent => "notSent",
        },
    }
}

/// Counts and times a call (feature `metrics`) in `series`.
pub(crate) fn measured(
    series: &Series,
    call: impl FnOnce() -> Result<Answer, SendError>,
) -> Result<Answer, SendError> {
    let measure = Measure::call();
    let result = call();
    measure.finish(series, outcome(&result));
    result
}

/// A header's name and value, when both are valid.
pub(crate) fn header_pair(name: &str, value: &str) -> Option<(HeaderName, HeaderValue)> {
    let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
    let value = HeaderValue::from_str(value).ok()?;
    Some((name, value))
}

/// Checks that `url` is an absolute `http://` or `https://` URL with a host.
fn check_url(url: &str) -> Result<Uri, ClientBuildError> {
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
        Some("http") => Ok(uri),
        Some("https") if cfg!(feature = "tls") => Ok(uri),
        Some("https") => Err(ClientBuildError::TlsNotEnabled {
            url: url.to_owned(),
        }),
        _ => Err(invalid("the scheme is not `http` or `https`")),
    }
}

#[cfg(test)]
mod tests {
    use super::{ClientBuildError, check_url};

    #[cfg(not(feature = "tls"))]
    #[test]
    fn https_url_without_the_tls_feature_is_refused_at_build() {
        let error = check_url("https://127.0.0.1/events").expect_err("no TLS");
        assert!(
            matches!(error, ClientBuildError::TlsNotEnabled { .. }),
            "{error:?}"
        );
    }

    #[cfg(feature = "tls")]
    #[test]
    fn https_url_with_the_tls_feature_is_accepted() {
        let uri = check_url("https://127.0.0.1/events").expect("an https URL");
        assert_eq!(uri.scheme_str(), Some("https"));
    }

    #[test]
    fn url_with_no_host_or_another_scheme_is_invalid() {
        for url in [
            "http:///events",
            "ftp://127.0.0.1/",
            "127.0.0.1:8080/events",
        ] {
            let error = check_url(url).expect_err(url);
            assert!(
                matches!(error, ClientBuildError::InvalidUrl { .. }),
                "{url}: {error:?}"
            );
        }
    }
}
