//! Both clients behind one face, so that a test body runs over each: the
//! blocking [`EventClient`], and the [`AsyncEventClient`] on a multi-thread
//! and on a current-thread Tokio runtime. Options are data, applied to
//! either builder and either kind of call by the same generic code.

use std::time::Duration;

use events_protocol::EventRequest;
use events_protocol::client::{
    Answer, AsyncEventClient, Call, CallError, EventClient, EventClientBuilder, SendError, Untyped,
};
use serde_json::{Value, json};
use tokio::runtime::Runtime;

/// Which client sends, and on which runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// [`EventClient`], on the test's thread.
    Blocking,
    /// [`AsyncEventClient`] on a multi-thread runtime.
    MultiThread,
    /// [`AsyncEventClient`] on a current-thread runtime.
    CurrentThread,
}

/// Every flavor, for table-driven tests.
pub const FLAVORS: [Flavor; 3] = [Flavor::Blocking, Flavor::MultiThread, Flavor::CurrentThread];

/// The async flavors only.
pub const ASYNC_FLAVORS: [Flavor; 2] = [Flavor::MultiThread, Flavor::CurrentThread];

impl Flavor {
    /// A runtime of this flavor (the blocking flavor has none).
    pub fn runtime(self) -> Option<Runtime> {
        let mut builder = match self {
            Flavor::Blocking => return None,
            Flavor::MultiThread => {
                let mut builder = tokio::runtime::Builder::new_multi_thread();
                builder.worker_threads(2);
                builder
            }
            Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        };
        Some(builder.enable_all().build().expect("a runtime"))
    }
}

/// A client's options, applied to either builder.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub timeout: Option<Duration>,
    pub max_answer_bytes: Option<usize>,
    pub headers: Vec<(&'static str, &'static str)>,
    pub identity: Option<Value>,
    pub auth: Option<Value>,
    pub metadata: Option<Value>,
}

impl Options {
    fn apply<C>(&self, mut builder: EventClientBuilder<C>) -> EventClientBuilder<C> {
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(limit) = self.max_answer_bytes {
            builder = builder.max_answer_bytes(limit);
        }
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        if let Some(identity) = &self.identity {
            builder = builder.identity(identity);
        }
        if let Some(auth) = &self.auth {
            builder = builder.auth(auth);
        }
        if let Some(metadata) = &self.metadata {
            builder = builder.metadata(metadata);
        }
        builder
    }
}

/// One call's fields, applied to either kind of call.
#[derive(Clone, Debug)]
pub struct Event {
    pub name: &'static str,
    pub version: i64,
    pub payload: Value,
    pub id: Option<&'static str>,
    pub flow_id: Option<&'static str>,
    pub timeout: Option<Duration>,
    pub headers: Vec<(&'static str, &'static str)>,
    pub identity: Option<Value>,
    pub auth: Option<Value>,
    pub metadata: Option<Value>,
}

impl Event {
    /// The event `name` version 1, payload `{}`, nothing else set.
    pub fn named(name: &'static str) -> Event {
        Event {
            name,
            version: 1,
            payload: json!({}),
            id: None,
            flow_id: None,
            timeout: None,
            headers: Vec::new(),
            identity: None,
            auth: None,
            metadata: None,
        }
    }

    fn apply<'c, R, C>(&self, mut call: Call<'c, R, C>) -> Call<'c, R, C> {
        if let Some(id) = self.id {
            call = call.id(id);
        }
        if let Some(flow_id) = self.flow_id {
            call = call.flow_id(flow_id);
        }
        if let Some(timeout) = self.timeout {
            call = call.timeout(timeout);
        }
        for (name, value) in &self.headers {
            call = call.header(name, value);
        }
        if let Some(identity) = &self.identity {
            call = call.identity(identity);
        }
        if let Some(auth) = &self.auth {
            call = call.auth(auth);
        }
        if let Some(metadata) = &self.metadata {
            call = call.metadata(metadata);
        }
        call
    }

    fn untyped<'c, C>(&self, call: Call<'c, Untyped, C>) -> Call<'c, Untyped, C> {
        self.apply(call.payload(&self.payload))
    }
}

/// A client of one flavor, with its runtime.
pub enum Client {
    Blocking(EventClient),
    Async(AsyncEventClient, Runtime),
}

impl Client {
    /// A client of `url` with `options`.
    pub fn new(flavor: Flavor, url: &str, options: &Options) -> Client {
        match flavor.runtime() {
            None => Client::Blocking(
                options
                    .apply(EventClient::builder(url))
                    .build()
                    .expect("a client"),
            ),
            Some(runtime) => Client::Async(
                options
                    .apply(AsyncEventClient::builder(url))
                    .build()
                    .expect("a client"),
                runtime,
            ),
        }
    }

    /// A client of `url` with the defaults.
    pub fn of(flavor: Flavor, url: &str) -> Client {
        Client::new(flavor, url, &Options::default())
    }

    /// Sends `event` and classifies the answer.
    pub fn send(&self, event: &Event) -> Result<Answer, SendError> {
        match self {
            Client::Blocking(client) => event
                .untyped(client.event(event.name, event.version))
                .send(),
            Client::Async(client, runtime) => runtime.block_on(
                event
                    .untyped(client.event(event.name, event.version))
                    .send(),
            ),
        }
    }

    /// Sends the event `name` version 1 with payload `{}`.
    pub fn send_named(&self, name: &'static str) -> Result<Answer, SendError> {
        self.send(&Event::named(name))
    }

    /// A typed call of `request`, with the fields of `event` but its name,
    /// version and payload.
    pub fn call<R>(&self, request: &R, event: &Event) -> Result<R::Response, CallError>
    where
        R: EventRequest,
        R::Response: 'static,
    {
        match self {
            Client::Blocking(client) => event.apply(client.request(request)).call(),
            Client::Async(client, runtime) => {
                runtime.block_on(event.apply(client.request(request)).call())
            }
        }
    }

    /// Sends a prebuilt event unchanged.
    pub fn send_prebuilt(
        &self,
        prebuilt: &events_protocol::Event<'_>,
    ) -> Result<Answer, SendError> {
        match self {
            Client::Blocking(client) => client.send(prebuilt),
            Client::Async(client, runtime) => runtime.block_on(client.send(prebuilt)),
        }
    }
}
