//! What the bench binaries share: the sample event, the handlers it goes
//! through, the bodies of the other paths, and the serde_json floor.
//!
//! The sample event is the README's (`event:name` version 1, payload
//! `{"example":"hello"}`, answered `{"MyEventPayload":"hello"}`) in a full,
//! realistic envelope: ids, an identity, auth tokens and metadata
//! (`bench/sample_event.json`, the same bytes the Python and JavaScript
//! packages are fed by `bench/compare`).

#![allow(
    dead_code,
    reason = "each bench binary uses its own part of this module"
)]

use std::hint::black_box;

use events_protocol::event_handler;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The sample event, a full envelope.
pub const SAMPLE: &str = include_str!("../../bench/sample_event.json").trim_ascii_end();

/// The sample event's exact answer: `auth` not echoed, identity and metadata
/// `{}` (PROTOCOL.md §4).
pub const SAMPLE_ANSWER: &str = r#"{"name":"event:name:response","version":1,"id":"a3a0f1e2-5b6c-4d7e-8f90-1a2b3c4d5e6f","flowId":"b7c1d2e3-4f5a-4b6c-8d7e-9f0a1b2c3d4e","payload":{"MyEventPayload":"hello"},"identity":{},"auth":{},"metadata":{}}"#;

/// The README's payload type.
#[derive(Deserialize)]
pub struct MyEvent {
    /// The text to echo.
    pub example: String,
}

/// The README's answer type.
#[derive(Serialize)]
pub struct MyEventResponse {
    /// The text echoed.
    #[serde(rename = "MyEventPayload")]
    pub my_event_payload: String,
}

/// The README's handler, as written there.
#[event_handler(name = "event:name", version = 1)]
fn my_event(payload: MyEvent) -> MyEventResponse {
    MyEventResponse {
        my_event_payload: payload.example,
    }
}

/// The same handler as an `async fn`, served as version 2 of the event.
#[event_handler(name = "event:name", version = 2)]
async fn my_event_async(payload: MyEvent) -> MyEventResponse {
    MyEventResponse {
        my_event_payload: payload.example,
    }
}

/// The README's handler, asking for its trace context (as a handler that
/// calls another event does), served as version 3 of the event.
#[event_handler(name = "event:name", version = 3)]
fn my_event_traced(payload: MyEvent) -> MyEventResponse {
    black_box(events_protocol::EventContext::current_trace());
    MyEventResponse {
        my_event_payload: payload.example,
    }
}

/// One record of the large payload.
#[derive(Serialize, Deserialize)]
pub struct Item {
    /// Its id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its price.
    pub price: f64,
    /// Its tags.
    pub tags: Vec<String>,
}

/// The large payload: records, read whole and echoed whole.
#[derive(Serialize, Deserialize)]
pub struct Bulk {
    /// The records.
    pub items: Vec<Item>,
}

/// Echoes a large payload: 100 KiB read into typed records, 100 KiB written.
#[event_handler(name = "bulk:items:echo", version = 1)]
fn bulk_echo(bulk: Bulk) -> Bulk {
    bulk
}

/// The sample envelope around another name, version and payload.
fn envelope(name: &str, version: i64, payload: &str) -> String {
    format!(
        r#"{{"name":"{name}","version":{version},"id":"a3a0f1e2-5b6c-4d7e-8f90-1a2b3c4d5e6f","flowId":"b7c1d2e3-4f5a-4b6c-8d7e-9f0a1b2c3d4e","payload":{payload},"identity":{{"userId":"42","user":{{"id":"42","type":"CUSTOMER"}}}},"auth":{{"token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl","x-sid":"2f6b1c9e"}},"metadata":{{"origin":"mobile-app","originId":"c0ffee00-1234-4abc-9def-0123456789ab","timestamp":1700000000000}}}}"#
    )
}

/// The sample event carrying a W3C trace context in `metadata.trace`, as a
/// traced caller sends it: answered as the sample event.
pub fn traced_body() -> String {
    SAMPLE.replacen(
        r#""timestamp":1700000000000}"#,
        r#""timestamp":1700000000000,"trace":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}"#,
        1,
    )
}

/// [`traced_body`] to version 3, whose handler asks for its trace context:
/// answered as the sample event but for the version.
pub fn traced_asked_body() -> String {
    traced_body().replacen(r#""version":1"#, r#""version":3"#, 1)
}

/// Installs a Prometheus recorder of the `metrics` facade as the global
/// recorder, as `examples/server.rs` does; its handle renders what it
/// counted.
///
/// # Panics
///
/// When a global recorder is installed already.
pub fn prometheus_handle() -> metrics_exporter_prometheus::PrometheusHandle {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).expect("the bench installs the only global recorder");
    handle
}

/// The sample event with a name no handler serves: answered `notFound`.
pub fn not_found_body() -> String {
    envelope("event:unknown", 1, r#"{"example":"hello"}"#)
}

/// The sample event with `version` a boolean: answered `badProtocol`.
pub fn bad_protocol_body() -> String {
    SAMPLE.replacen(r#""version":1"#, r#""version":true"#, 1)
}

/// The sample event, version 2: answered by the `async` handler.
pub fn async_body() -> String {
    SAMPLE.replacen(r#""version":1"#, r#""version":2"#, 1)
}

/// An event whose payload is at least 100 KiB of records, and that payload.
pub fn large_body() -> String {
    let mut items = Vec::new();
    let mut length = 0;
    while length < 100 * 1024 {
        let item = Item {
            id: items.len() as u64,
            name: format!("item number {}", items.len()),
            price: 12.5 + items.len() as f64 / 100.0,
            tags: vec!["new".to_owned(), "sale".to_owned(), "blue".to_owned()],
        };
        length += serde_json::to_string(&item).map_or(0, |text| text.len() + 1);
        items.push(item);
    }
    let payload = serde_json::to_string(&Bulk { items }).unwrap_or_default();
    envelope("bulk:items:echo", 1, &payload)
}

/// The envelope, read by serde_json: strings borrowed, the four objects kept
/// as raw JSON text.
#[derive(Deserialize)]
struct Envelope<'a> {
    name: &'a str,
    version: i64,
    id: &'a str,
    #[serde(rename = "flowId")]
    flow_id: &'a str,
    #[serde(borrow)]
    payload: &'a RawValue,
    #[serde(borrow)]
    identity: &'a RawValue,
    #[serde(borrow)]
    auth: &'a RawValue,
    #[serde(borrow)]
    metadata: &'a RawValue,
}

/// The answer's name, `<name>:<suffix>`, written without an allocation.
struct Suffixed<'a>(&'a str, &'static str);

impl Serialize for Suffixed<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}:{}", self.0, self.1))
    }
}

/// `{}`.
#[derive(Serialize)]
struct Empty {}

/// The answer event.
#[derive(Serialize)]
struct Answer<'a, R> {
    name: Suffixed<'a>,
    version: i64,
    id: &'a str,
    #[serde(rename = "flowId")]
    flow_id: &'a str,
    payload: R,
    identity: Empty,
    auth: Empty,
    metadata: Empty,
}

/// The floor: only what processing an event cannot do without. serde_json
/// reads the envelope (strings borrowed, payload as a raw value), reads the
/// payload into `P`, calls `handle`, and writes the answer event. No rule of
/// the protocol is checked, no lookup, no context, no panic guard.
pub fn floor<'a, P: Deserialize<'a>, R: Serialize>(
    body: &'a str,
    handle: impl FnOnce(P) -> R,
) -> Option<String> {
    let envelope: Envelope<'a> = serde_json::from_str(body).ok()?;
    let payload: P = serde_json::from_str(envelope.payload.get()).ok()?;
    black_box((envelope.identity, envelope.auth, envelope.metadata));
    let answer = Answer {
        name: Suffixed(envelope.name, "response"),
        version: envelope.version,
        id: envelope.id,
        flow_id: envelope.flow_id,
        payload: handle(payload),
        identity: Empty {},
        auth: Empty {},
        metadata: Empty {},
    };
    serde_json::to_string(&answer).ok()
}

/// The floor of the sample event: the README's handler, called directly.
pub fn floor_sample(body: &str) -> Option<String> {
    floor(body, my_event)
}

/// The floor of the large event.
pub fn floor_large(body: &str) -> Option<String> {
    floor(body, bulk_echo)
}

/// Checks that both ways of processing answer `body` as expected before they
/// are timed, so that no bench measures a wrong answer.
pub fn check(body: &str, expected_name: &str) {
    let ours = events_protocol::process_event(body);
    let answer: serde_json::Value = serde_json::from_str(&ours).unwrap_or_default();
    assert_eq!(
        answer["name"], expected_name,
        "unexpected answer to the bench body: {ours}"
    );
}
