//! The blocking client, over `ureq`.

mod resolver;
mod transport;

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::catalog::{Catalog, catalog_url};
use crate::client::call::Prepared;
use crate::client::{
    Answer, Call, CallError, CatalogError, ClientBuildError, Config, EventClientBuilder, RawAnswer,
    SendError, USER_AGENT, measured,
};
use crate::metrics::client_series;
use crate::{Event, EventRequest};

/// A blocking client of one events URL, over a `ureq` agent whose
/// connections are reused. Cloning it is cheap; the clones share the
/// connections.
///
/// Every event it sends carries the client's default `identity`, `auth`,
/// `metadata` and headers unless the call sets its own, and takes its `id` and
/// `flowId` from the call, else from the current
/// [`EventContext`](crate::EventContext) (a call made inside a handler
/// continues its flow), else fresh UUIDs.
///
/// A call holds its thread until the answer or the timeout. Inside an async
/// runtime, use `AsyncEventClient` (feature `client-async`), or call this one
/// from a synchronous handler (the `axum` route runs those on the blocking
/// pool) or from `tokio::task::spawn_blocking`. A host written as an IP
/// address is used as it is; a host name is resolved by the system at every
/// call.
///
/// ```no_run
/// use std::time::Duration;
///
/// use events_protocol::client::{Answer, EventClient};
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

/// What the clones of one client share.
struct Shared {
    agent: ureq::Agent,
    config: Config,
}

impl EventClient {
    client_accessors!(EventClient);

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
        Call::new(self, &self.shared.config, Event::builder(name, version))
    }

    /// Sends an event as it is: its `id`, `flowId`, `identity`, `auth` and
    /// `metadata` are sent unchanged (the client's defaults do not apply, its
    /// headers do).
    ///
    /// # Errors
    ///
    /// As [`EventClient::send_event`].
    pub fn send(&self, event: &Event<'_>) -> Result<Answer, SendError> {
        let series = client_series(event.name(), event.version());
        measured(series, || {
            transport::exchange(
                self,
                Prepared {
                    body: event.to_json(),
                    headers: self.shared.config.headers.clone(),
                    timeout: None,
                },
            )
        })
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
    pub fn request<R: EventRequest>(&self, request: &R) -> Call<'_, R> {
        let event = Event::builder(R::NAME, R::VERSION).payload(request.payload());
        Call::new(self, &self.shared.config, event)
    }

    /// Reads the service's [catalog](crate::catalog) (PROTOCOL.md §9):
    /// `GET` at the events URL followed by `/catalog`
    /// ([`catalog_url`]), with the client's limits and default headers.
    ///
    /// ```no_run
    /// use events_protocol::EventClient;
    ///
    /// let client = EventClient::new("http://127.0.0.1:8080/events")?;
    /// for event in client.catalog()?.events {
    ///     println!("{} v{} ({})", event.name, event.version, event.kind);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`CatalogError`]: no answer ([`CatalogError::Send`]), a status
    /// other than 2xx ([`CatalogError::Status`]; `404` or `405` from a
    /// service that does not serve its catalog, which is opt-in), or a body
    /// that is not a catalog.
    pub fn catalog(&self) -> Result<Catalog, CatalogError> {
        let url = catalog_url(self.url());
        let raw = transport::get(self, &url)?;
        if !(200..300).contains(&raw.status) {
            return Err(CatalogError::Status {
                url,
                status: raw.status,
                body: String::from_utf8_lossy(&raw.body).into_owned(),
            });
        }
        let text = String::from_utf8_lossy(&raw.body);
        Catalog::from_json(&text).map_err(|error| CatalogError::NotACatalog {
            url,
            body: text.into_owned(),
            error,
        })
    }
}

impl fmt::Debug for EventClient {
    /// The options, the headers' names only, the default `auth` redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.config.debug("EventClient", f)
    }
}

impl EventClientBuilder<EventClient> {
    /// The client.
    ///
    /// # Errors
    ///
    /// The first [`ClientBuildError`]: an invalid URL or header, or a
    /// default object that is not a JSON object.
    pub fn build(self) -> Result<EventClient, ClientBuildError> {
        let config = self.into_config()?;
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .accept("application/json")
            .user_agent(USER_AGENT)
            .timeout_global(Some(config.timeout))
            .timeout_connect(Some(config.connect_timeout))
            .build();
        let agent = ureq::Agent::with_parts(
            agent_config,
            ureq::unversioned::transport::DefaultConnector::default(),
            resolver::LiteralFirst::default(),
        );
        Ok(EventClient {
            shared: Arc::new(Shared { agent, config }),
        })
    }
}

impl<R> Call<'_, R, EventClient> {
    /// Sends the event and classifies the answer.
    ///
    /// # Errors
    ///
    /// A [`SendError`]: the event cannot be written, a header is invalid, or
    /// the transport fails. An error answer is `Ok(Answer::Error { .. })`.
    pub fn send(self) -> Result<Answer, SendError> {
        let client = self.client();
        let series = self.series();
        measured(series, || transport::exchange(client, self.prepare()?))
    }

    /// Sends the event and returns the answer as it came: its HTTP status
    /// and its body, byte for byte, not classified (any status is an
    /// answer here). For a program that passes the answer on as it is (the
    /// `events` command line's `--raw`); [`RawAnswer::classify`] gives what
    /// [`send`](Call::send) would have.
    ///
    /// # Errors
    ///
    /// A [`SendError`]: the event cannot be written, a header is invalid,
    /// or no answer came (a timeout, a connection failure, a 2xx body over
    /// the size limit).
    pub fn send_raw(self) -> Result<RawAnswer, SendError> {
        let client = self.client();
        transport::post(client, self.prepare()?)
    }
}

impl<R: EventRequest> Call<'_, R, EventClient> {
    /// Sends the request and reads the success payload into `R::Response`.
    ///
    /// # Errors
    ///
    /// As [`EventClient::call`].
    pub fn call(self) -> Result<R::Response, CallError> {
        self.send()?.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::EventClient;

    #[test]
    fn debug_output_never_shows_the_default_auth() {
        let client = EventClient::builder("http://127.0.0.1:9/events")
            .auth(&serde_json::json!({"token": "secret-token"}))
            .header("authorization", "Bearer secret-header")
            .build()
            .expect("a client");
        assert_eq!(
            format!("{client:?}"),
            r#"EventClient { url: "http://127.0.0.1:9/events", timeout: 15s, connect_timeout: 5s, max_answer_bytes: 10485760, headers: ["content-type", "accept", "authorization"], objects: Objects { identity: None, auth: Some(<redacted>), metadata: None, error: None }, propagation: AsReceived }"#
        );
        let call = format!(
            "{:?}",
            client
                .event("a:b", 1)
                .auth(&serde_json::json!({"token": "secret-token"}))
        );
        assert!(!call.contains("secret"), "{call}");
    }
}
