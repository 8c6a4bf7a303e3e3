//! The async client, over hyper-util's pooled client on Tokio.

mod transport;

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use serde::Serialize;

use crate::client::call::Prepared;
use crate::client::{
    Answer, Call, CallError, ClientBuildError, EventClientBuilder, SendError, Untyped,
};
use crate::metrics::client_series;
use crate::{Event, EventRequest};

/// An async client of one events URL, over hyper-util's client, whose
/// keep-alive connections are pooled. Cloning it is cheap; the clones share
/// the connections. Feature `client-async`.
///
/// It does what [`EventClient`](crate::client::EventClient) does, with the
/// same builder, the same per-call [`Call`], the same defaults (15 s per
/// call, 5 s to connect, answers up to 10 MiB, no redirect followed) and the
/// same outcomes; `send()` and `call()` return futures.
///
/// **The flow is taken when the future is made.** A call's `id` and
/// `flowId`, when not set, come from the [`EventContext`](crate::EventContext)
/// current when `send_event`, `send`, `call` or a [`Call`]'s `send()`/`call()`
/// is called, not when the future is first polled: a future made inside a
/// handler and handed to `tokio::spawn` still continues the handler's flow.
/// The futures are `Send` and `'static`.
///
/// The futures need a Tokio runtime with its I/O and time drivers (as
/// `#[tokio::main]` and `#[tokio::test]` make); polled elsewhere they fail
/// with [`SendError::NoRuntime`]. A future dropped before it completes
/// leaves nothing behind: its connection, if it had one, is closed rather
/// than returned to the pool half-read.
///
/// ```no_run
/// use events_protocol::client::{Answer, AsyncEventClient};
/// use serde_json::json;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = AsyncEventClient::builder("http://127.0.0.1:8080/events")
///     .metadata(&json!({"origin": "billing"}))
///     .build()?;
/// match client.send_event("user:profile:get", 1, &json!({"userId": 42})).await? {
///     Answer::Success(event) => println!("{}", event.payload()),
///     Answer::Redirect { redirect, .. } => println!("go to {}", redirect.url),
///     Answer::Error { error, .. } => println!("{}: {}", error.error_type(), error.code()),
/// }
/// let answer = client.event("user:name:set", 2).payload(&json!({"name": "Ada"})).send().await?;
/// # let _ = answer;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AsyncEventClient {
    shared: Arc<transport::Shared>,
}

impl AsyncEventClient {
    client_accessors!(AsyncEventClient);

    /// Sends the event `name` of `version` with `payload`, and classifies the
    /// answer. The event (and its flow) is made now; the future sends it.
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
    ) -> impl Future<Output = Result<Answer, SendError>> + Send + 'static + use<T> {
        self.event(name, version).payload(payload).send()
    }

    /// Starts a call of the event `name` of `version`, to set its payload,
    /// `id`, `flowId`, `identity`, `auth`, `metadata`, timeout or headers.
    pub fn event(&self, name: &str, version: i64) -> Call<'_, Untyped, AsyncEventClient> {
        Call::new(self, &self.shared.config, Event::builder(name, version))
    }

    /// Sends an event as it is: its `id`, `flowId`, `identity`, `auth` and
    /// `metadata` are sent unchanged (the client's defaults do not apply, its
    /// headers do).
    ///
    /// # Errors
    ///
    /// As [`AsyncEventClient::send_event`].
    pub fn send(
        &self,
        event: &Event<'_>,
    ) -> impl Future<Output = Result<Answer, SendError>> + Send + 'static + use<> {
        transport::exchange(
            Arc::clone(&self.shared),
            Ok(Prepared {
                body: event.to_json(),
                headers: self.shared.config.headers.clone(),
                timeout: None,
            }),
            client_series(event.name(), event.version()),
        )
    }

    /// Calls a typed request and reads the success payload into its
    /// response type.
    ///
    /// # Errors
    ///
    /// As [`EventClient::call`](crate::client::EventClient::call).
    pub fn call<R: EventRequest>(
        &self,
        request: &R,
    ) -> impl Future<Output = Result<R::Response, CallError>> + Send + 'static + use<R>
    where
        R::Response: 'static,
    {
        self.request(request).call()
    }

    /// Starts a typed call, to set its `id`, `flowId`, `identity`, `auth`,
    /// `metadata`, timeout or headers.
    pub fn request<R: EventRequest>(&self, request: &R) -> Call<'_, R, AsyncEventClient> {
        let event = Event::builder(R::NAME, R::VERSION).payload(request.payload());
        Call::new(self, &self.shared.config, event)
    }
}

impl fmt::Debug for AsyncEventClient {
    /// The options, the headers' names only, the default `auth` redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.config.debug("AsyncEventClient", f)
    }
}

impl EventClientBuilder<AsyncEventClient> {
    /// The client. It may be built outside a runtime; its calls run inside
    /// one.
    ///
    /// # Errors
    ///
    /// The first [`ClientBuildError`]: an invalid URL or header, or a
    /// default object that is not a JSON object.
    pub fn build(self) -> Result<AsyncEventClient, ClientBuildError> {
        let config = self.into_config()?;
        Ok(AsyncEventClient {
            shared: Arc::new(transport::Shared::new(config)?),
        })
    }
}

impl<R> Call<'_, R, AsyncEventClient> {
    /// Sends the event and classifies the answer. The event, with its `id`
    /// and `flowId`, is made now, in the current context; the future sends
    /// it.
    ///
    /// # Errors
    ///
    /// A [`SendError`]: the event cannot be written, a header is invalid, the
    /// transport fails, or no runtime runs the future. An error answer is
    /// `Ok(Answer::Error { .. })`.
    pub fn send(self) -> impl Future<Output = Result<Answer, SendError>> + Send + 'static + use<R> {
        let shared = Arc::clone(&self.client().shared);
        let series = self.series();
        transport::exchange(shared, self.prepare(), series)
    }
}

impl<R: EventRequest> Call<'_, R, AsyncEventClient> {
    /// Sends the request and reads the success payload into `R::Response`.
    /// The event is made now, as by [`send`](Call::send).
    ///
    /// # Errors
    ///
    /// As [`EventClient::call`](crate::client::EventClient::call).
    pub fn call(
        self,
    ) -> impl Future<Output = Result<R::Response, CallError>> + Send + 'static + use<R>
    where
        R::Response: 'static,
    {
        let answer = self.send();
        async move { answer.await?.into_result() }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::AsyncEventClient;
    use crate::client::SendError;

    #[test]
    fn a_call_polled_outside_a_tokio_runtime_fails_without_sending() {
        let client = AsyncEventClient::new("http://127.0.0.1:9/events").expect("a client");
        let error = futures_executor::block_on(client.send_event("a:b", 1, &json!({})))
            .expect_err("no runtime");
        assert!(matches!(error, SendError::NoRuntime), "{error:?}");
    }

    #[test]
    fn debug_output_never_shows_the_default_auth_or_header_values() {
        let client = AsyncEventClient::builder("http://127.0.0.1:9/events")
            .auth(&json!({"token": "secret-token"}))
            .header("authorization", "Bearer secret-header")
            .build()
            .expect("a client");
        assert_eq!(
            format!("{client:?}"),
            r#"AsyncEventClient { url: "http://127.0.0.1:9/events", timeout: 15s, connect_timeout: 5s, max_answer_bytes: 10485760, headers: ["content-type", "accept", "authorization", "user-agent"], objects: Objects { identity: None, auth: Some(<redacted>), metadata: None, error: None }, propagation: AsReceived }"#
        );
    }

    #[cfg(feature = "tls")]
    #[test]
    fn with_the_tls_feature_an_https_client_builds() {
        let client = AsyncEventClient::new("https://127.0.0.1/events").expect("a client");
        assert_eq!(client.url(), "https://127.0.0.1/events");
    }
}
