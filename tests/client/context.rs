//! `id` and `flowId` per PROTOCOL.md §7: explicit, else the current event
//! context (a call made inside a handler continues its flow), else fresh
//! UUIDs v4.

use std::sync::{Arc, Mutex};

use events_protocol::{Event, EventClient, EventContext, EventError, Json, Registry};
use serde_json::json;

use crate::{client_of, support};

/// The `(id, flowId)` of every event a service handled.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// Service B: records the `(id, flowId)` of every event it handles.
fn service_b() -> (EventClient, support::EventsServer, Seen) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let mut registry = Registry::new();
    registry
        .register("b:record", 1, move |event: &Event<'_>| {
            log.lock()
                .expect("log")
                .push((event.id().to_owned(), event.flow_id().to_owned()));
            Json(json!({"recorded": true}))
        })
        .expect("register b:record");
    let (client, server) = client_of(registry);
    (client, server, seen)
}

/// Serves `registry` (whose `a:relay` calls service B and answers B's
/// answer name), calls `a:relay` with `id` and `flow_id`, and asserts that
/// B was reached with that very id and flow.
fn assert_relay_continues_the_flow(registry: Registry, seen: &Seen, id: &str, flow_id: &str) {
    let (to_a, _a) = client_of(registry);
    let answer = to_a
        .event("a:relay", 1)
        .id(id)
        .flow_id(flow_id)
        .send()
        .expect("an answer");
    assert!(answer.is_success(), "{answer:?}");
    assert_eq!(
        answer.payload_as::<serde_json::Value>().expect("JSON"),
        json!({"b": "b:record:response"})
    );
    assert_eq!(
        *seen.lock().expect("log"),
        [(id.to_owned(), flow_id.to_owned())]
    );
}

#[test]
fn call_from_inside_a_handler_continues_the_flow() {
    let (to_b, _b, seen) = service_b();
    let mut registry = Registry::new();
    registry
        .register("a:relay", 1, move |_: &Event<'_>| {
            let answer = to_b
                .send_event("b:record", 1, &json!({}))
                .map_err(|_| EventError::error("B_UNREACHABLE"))?;
            Ok::<_, EventError>(Json(json!({"b": answer.event().name()})))
        })
        .expect("register a:relay");
    assert_relay_continues_the_flow(registry, &seen, "session-9", "flow-9");
}

#[test]
fn call_from_inside_an_async_handler_continues_the_flow() {
    let (to_b, _b, seen) = service_b();
    let to_b = Arc::new(to_b);
    let mut registry = Registry::new();
    registry
        .register_async("a:relay", 1, move |_: Event<'static>| {
            let to_b = Arc::clone(&to_b);
            async move {
                let answer = to_b
                    .send_event("b:record", 1, &json!({}))
                    .map_err(|_| EventError::error("B_UNREACHABLE"))?;
                Ok::<_, EventError>(Json(json!({"b": answer.event().name()})))
            }
        })
        .expect("register a:relay");
    assert_relay_continues_the_flow(registry, &seen, "session-10", "flow-10");
}

#[test]
fn explicit_id_and_flow_id_win_over_the_current_context() {
    let (client, _b, seen) = service_b();
    EventContext::new("context-id", "context-flow").scope(|| {
        client
            .event("b:record", 1)
            .id("explicit-id")
            .flow_id("explicit-flow")
            .send()
            .expect("an answer");
        client
            .send_event("b:record", 1, &json!({}))
            .expect("an answer");
    });
    assert_eq!(
        *seen.lock().expect("log"),
        [
            ("explicit-id".to_owned(), "explicit-flow".to_owned()),
            ("context-id".to_owned(), "context-flow".to_owned()),
        ]
    );
}

#[test]
fn outside_any_context_each_event_gets_fresh_uuids_v4() {
    let (client, _b, seen) = service_b();
    client
        .send_event("b:record", 1, &json!({}))
        .expect("an answer");
    client
        .send_event("b:record", 1, &json!({}))
        .expect("an answer");
    let seen = seen.lock().expect("log").clone();
    let ids: Vec<&str> = seen
        .iter()
        .flat_map(|(id, flow_id)| [id.as_str(), flow_id.as_str()])
        .collect();
    for id in &ids {
        let uuid = uuid::Uuid::parse_str(id).expect("a UUID");
        assert_eq!(uuid.get_version_num(), 4, "{id}");
    }
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "{ids:?}");
}
