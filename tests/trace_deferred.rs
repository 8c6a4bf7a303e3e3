//! The trace context of an event processed with no `tracing` subscriber
//! (nothing listens to the event's span, so nothing reads the context until
//! the handler asks): what the handler sees and sends on is what
//! PROTOCOL.md §8 says, as with a subscriber (`tests/trace_propagation.rs`,
//! which installs one). This binary installs none.

use events_protocol::trace::TraceContext;
use events_protocol::{Event, EventContext, event_handler, process_event};
use serde_json::{Value, json};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// What a handler sees of its trace context, asked for twice, and the
/// `metadata.trace` of an event it builds.
fn seen() -> Value {
    let context = EventContext::current().expect("a handler runs in a context");
    let trace = context.trace().expect("a handler has a trace context");
    let again = EventContext::current()
        .and_then(|context| context.trace().cloned())
        .expect("still there");
    let sent = Event::builder("downstream:call", 1)
        .build()
        .expect("an event without a payload builds");
    let sent_trace: Value = serde_json::from_str(sent.metadata().get()).expect("metadata is JSON");
    json!({
        "traceId": trace.trace_id().to_string(),
        "spanId": trace.span_id().to_string(),
        "same": *trace == again,
        "sampled": trace.sampled(),
        "current": EventContext::current_trace().as_ref() == Some(trace),
        "sent": sent_trace["trace"],
    })
}

#[event_handler(name = "deferred:seen", version = 1)]
fn deferred_seen(_payload: Value) -> Value {
    seen()
}

/// Asks for nothing, then processes a nested event: the frames of the
/// thread's context stack are reused, each with its own trace.
#[event_handler(name = "deferred:nested", version = 1)]
fn deferred_nested(payload: Value) -> Value {
    let inner = process_event(&payload.to_string());
    let inner: Value = serde_json::from_str(&inner).expect("an answer is JSON");
    json!({ "inner": inner["payload"], "outer": seen() })
}

fn body(name: &str, metadata: &str, payload: &str) -> String {
    format!(
        r#"{{"name":"{name}","version":1,"id":"i","flowId":"f","payload":{payload},"identity":{{}},"auth":{{}},"metadata":{metadata}}}"#
    )
}

fn answer(name: &str, metadata: &str, payload: &str) -> Value {
    let answer: Value =
        serde_json::from_str(&process_event(&body(name, metadata, payload))).expect("JSON");
    assert_eq!(answer["name"], format!("{name}:response"), "{answer}");
    answer["payload"].clone()
}

/// The trace id and parent id of a `trace` object sent on.
fn sent_ids(trace: &Value) -> (String, String) {
    let traceparent = trace["traceparent"]
        .as_str()
        .expect("a traceparent is sent");
    let fields: Vec<&str> = traceparent.split('-').collect();
    (fields[1].to_owned(), fields[2].to_owned())
}

#[test]
fn a_continued_trace_is_read_when_the_handler_asks_and_sent_on_with_its_span() {
    let seen = answer(
        "deferred:seen",
        &format!(r#"{{"origin":"app","trace":{{"traceparent":"{TRACEPARENT}"}}}}"#),
        "{}",
    );
    assert_eq!(seen["traceId"], TRACE_ID);
    // a span of its own, the caller's as parent
    assert_ne!(seen["spanId"], "00f067aa0ba902b7");
    assert_eq!(seen["same"], true, "the span id is drawn once");
    assert_eq!(seen["current"], true);
    assert_eq!(
        sent_ids(&seen["sent"]),
        (
            TRACE_ID.to_owned(),
            seen["spanId"].as_str().unwrap_or_default().to_owned()
        )
    );
    assert_eq!(seen["sampled"], true);
    assert!(
        seen["sent"]["traceparent"]
            .as_str()
            .is_some_and(|sent| sent.ends_with("-01"))
    );
    // not sampled: kept so downstream
    let unsampled = TRACEPARENT.replace("-01", "-00");
    let seen = answer(
        "deferred:seen",
        &format!(r#"{{"trace":{{"traceparent":"{unsampled}","tracestate":"rojo=1"}}}}"#),
        "{}",
    );
    assert_eq!(seen["sampled"], false);
    assert!(
        seen["sent"]["traceparent"]
            .as_str()
            .is_some_and(|sent| sent.ends_with("-00"))
    );
    assert_eq!(seen["sent"]["tracestate"], "rojo=1");
}

#[test]
fn datadog_keys_are_read_and_written_back_when_the_handler_asks() {
    let seen = answer(
        "deferred:seen",
        r#"{"trace":{"x-datadog-trace-id":"4611686018427387904","x-datadog-parent-id":"7","x-datadog-sampling-priority":"1"}}"#,
        "{}",
    );
    assert_eq!(seen["traceId"], "00000000000000004000000000000000");
    assert_eq!(seen["sent"]["x-datadog-trace-id"], "4611686018427387904");
}

#[test]
fn without_a_trace_or_with_a_hostile_one_the_handler_has_a_fresh_trace() {
    for metadata in [
        "{}".to_owned(),
        r#"{"trace":"not an object"}"#.to_owned(),
        r#"{"trace":{"traceparent":"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}}"#
            .to_owned(),
        format!(r#"{{"trace":{{"traceparent":"{TRACEPARENT}","n":1}}}}"#),
        format!(
            r#"{{"trace":{{"traceparent":"{TRACEPARENT}","pad":"{}"}}}}"#,
            "x".repeat(events_protocol::trace::MAX_TRACE_BYTES)
        ),
        format!(r#"{{"trace":{{"traceparent":"{TRACEPARENT}"}},"trace":{{}}}}"#),
    ] {
        let first = answer("deferred:seen", &metadata, "{}");
        let second = answer("deferred:seen", &metadata, "{}");
        assert_ne!(first["traceId"], TRACE_ID, "{metadata}");
        assert_ne!(
            first["traceId"], second["traceId"],
            "fresh each time: {metadata}"
        );
        assert_eq!(first["same"], true);
        assert_eq!(
            sent_ids(&first["sent"]).0,
            first["traceId"].as_str().unwrap_or_default()
        );
    }
}

#[test]
fn a_nested_event_has_its_own_trace_and_the_outer_one_is_kept() {
    let inner = body(
        "deferred:seen",
        r#"{"trace":{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}"#,
        "{}",
    );
    let seen = answer(
        "deferred:nested",
        &format!(r#"{{"trace":{{"traceparent":"{TRACEPARENT}"}}}}"#),
        &inner,
    );
    assert_eq!(seen["inner"]["traceId"], "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(seen["outer"]["traceId"], TRACE_ID);
    assert_eq!(sent_ids(&seen["outer"]["sent"]).0, TRACE_ID);
}

#[test]
fn a_context_taken_out_of_the_handler_keeps_the_trace_it_read() {
    #[event_handler(name = "deferred:taken", version = 1)]
    fn taken(_payload: Value) -> Value {
        let context = EventContext::current().expect("in a handler");
        // the context outlives the handler's frame, as a spawned task's does
        let trace = std::thread::spawn(move || {
            context.scope(|| EventContext::current().and_then(|c| c.trace().cloned()))
        })
        .join()
        .ok()
        .flatten()
        .map(|trace: TraceContext| trace.trace_id().to_string());
        json!(trace)
    }
    let seen = answer(
        "deferred:taken",
        &format!(r#"{{"trace":{{"traceparent":"{TRACEPARENT}"}}}}"#),
        "{}",
    );
    assert_eq!(seen, TRACE_ID);
}
