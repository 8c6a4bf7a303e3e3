//! Arbitrary bytes to `process_event_bytes` and `process_event_async`, with
//! macro handlers of typed payloads, typed views and an async handler
//! registered at link time: every answer must be a well-formed event that
//! the strict reader accepts, both entry points must agree, and the one-pass
//! reader of plain bodies must read every body it takes as serde_json does.

#![no_main]

use std::collections::BTreeMap;

use events_protocol::{
    Auth, Event, EventContext, EventError, Identity, Metadata, Redirect, event_handler,
};
use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Address {
    zip: String,
    #[serde(default)]
    lines: Vec<String>,
}

#[derive(Deserialize)]
struct Customer {
    name: String,
    age: Option<u8>,
    address: Address,
    tags: BTreeMap<String, i64>,
}

#[derive(Serialize)]
struct Greeting {
    text: String,
    lines: usize,
}

#[event_handler(name = "fuzz:customer:greet", version = 1)]
fn greet(customer: Customer) -> Result<Greeting, EventError> {
    if customer.age.is_some_and(|age| age < 18) {
        return Err(EventError::forbidden("TOO_YOUNG").with("zip", customer.address.zip));
    }
    Ok(Greeting {
        text: format!("hello, {}", customer.name),
        lines: customer.address.lines.len() + customer.tags.len(),
    })
}

#[derive(Deserialize)]
struct User {
    id: u64,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct WhoIdentity {
    user: User,
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

#[derive(Deserialize)]
struct Origin {
    origin: Option<String>,
}

#[event_handler(name = "fuzz:user:whoami", version = 2)]
fn whoami(
    identity: Identity<WhoIdentity>,
    auth: Auth<Token>,
    metadata: Metadata<Origin>,
    context: EventContext,
    event: &Event<'_>,
) -> serde_json::Value {
    serde_json::json!({
        "id": identity.user.id,
        "type": identity.user.kind,
        "tokenLength": auth.token.len(),
        "origin": metadata.origin,
        "flow": context.flow_id(),
        "userId": event.user_id(),
    })
}

#[event_handler(name = "fuzz:user:login", version = 1)]
fn login(payload: serde_json::Value) -> Redirect {
    Redirect::to("https://example.com/login")
        .with_query("keys", payload.as_object().map_or(0, |o| o.len()))
}

#[event_handler(name = "fuzz:async:echo", version = 1)]
async fn echo(payload: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    payload
}

fuzz_target!(|body: &[u8]| {
    let answer = events_protocol::process_event_bytes(body);
    if let Err(error) = Event::from_json_strict(&answer) {
        panic!("not a well-formed event ({error}): {answer}");
    }
    if let Ok(text) = std::str::from_utf8(body) {
        if let Err(difference) = events_protocol::__testing::readers_agree(text) {
            panic!("the readers disagree: {difference}");
        }
        let awaited = block_on_spinning(events_protocol::process_event_async(text));
        // fresh UUIDs (ids, and a context's flow id in a payload) differ
        // between the two calls: the answers must agree on name and version
        let (sync, asynch) = (Event::from_json(&answer), Event::from_json(&awaited));
        match (sync, asynch) {
            (Ok(a), Ok(b)) => assert_eq!((a.name(), a.version()), (b.name(), b.version())),
            other => panic!("the entry points disagree: {other:?}"),
        }
    }
});

/// Drives a future to completion on this thread; the handlers here never
/// wait on anything, so polling again at once is enough.
fn block_on_spinning<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}
