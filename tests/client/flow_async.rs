//! PROTOCOL.md §7 with the async client: an `async` handler's calls
//! continue its flow across `.await`, `tokio::join!` and `tokio::spawn`,
//! because a call takes its `id` and `flowId` when its future is made.
//! Each test runs on a multi-thread and on a current-thread runtime.

use std::sync::{Arc, Mutex};

use events_protocol::client::{AsyncEventClient, local};
use events_protocol::{Event, EventContext, EventError, EventRequest, Json, Processor, Registry};
use serde::Serialize;
use serde_json::{Value, json};

use crate::clients::ASYNC_FLAVORS;
use crate::support;

/// The `(id, flowId, payload)` of every event a service handled.
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// Service B: records what it handles, answers `{"recorded": true}`.
fn service_b() -> (support::EventsServer, Seen) {
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let mut registry = Registry::new();
    registry
        .register("b:record", 1, move |event: &Event<'_>| {
            log.lock().expect("log").push((
                event.id().to_owned(),
                event.flow_id().to_owned(),
                event.payload().get().to_owned(),
            ));
            Json(json!({"recorded": true}))
        })
        .expect("register b:record");
    (support::serve(Processor::from_registry(registry)), seen)
}

/// What B saw, in the order of the payloads.
fn seen_sorted(seen: &Seen) -> Vec<(String, String, String)> {
    let mut seen = seen.lock().expect("log").clone();
    seen.sort_by(|a, b| a.2.cmp(&b.2));
    seen
}

/// The request of service A's `a:fanout`.
#[derive(Serialize)]
struct Fanout;

impl EventRequest for Fanout {
    const NAME: &'static str = "a:fanout";
    const VERSION: i64 = 1;
    type Payload = Fanout;
    type Response = Value;

    fn payload(&self) -> &Fanout {
        self
    }
}

/// Service A: `a:fanout` calls B twice at once (`tokio::join!`), then once
/// from a spawned task, and answers the names of B's answers.
fn service_a(to_b: AsyncEventClient) -> Processor {
    let mut registry = Registry::new();
    registry
        .register_async("a:fanout", 1, move |_: Event<'static>| {
            let to_b = to_b.clone();
            async move {
                let (first, second) = tokio::join!(
                    to_b.send_event("b:record", 1, &json!({"n": 1})),
                    to_b.send_event("b:record", 1, &json!({"n": 2})),
                );
                // made here, in the handler's context, and run by another task
                let third = tokio::spawn(to_b.send_event("b:record", 1, &json!({"n": 3})))
                    .await
                    .map_err(|_| EventError::error("TASK_FAILED"))?;
                let names =
                    [first?, second?, third?].map(|answer| answer.event().name().to_owned());
                Ok::<_, EventError>(Json(json!({"answers": names})))
            }
        })
        .expect("register a:fanout");
    Processor::from_registry(registry)
}

#[test]
fn an_async_handler_continues_its_flow_through_joined_and_spawned_calls() {
    for flavor in ASYNC_FLAVORS {
        let (b, seen) = service_b();
        let a = service_a(AsyncEventClient::new(&b.url).expect("a client"));
        let runtime = flavor.runtime().expect("a runtime");
        let answer = runtime
            .block_on(
                EventContext::new("session-1", "flow-1").scope(|| local::call_async(&a, &Fanout)),
            )
            .expect("an answer");
        assert_eq!(
            answer,
            json!({"answers": ["b:record:response", "b:record:response", "b:record:response"]}),
            "{flavor:?}"
        );
        let flow = |n: u32| {
            (
                "session-1".to_owned(),
                "flow-1".to_owned(),
                format!(r#"{{"n":{n}}}"#),
            )
        };
        assert_eq!(
            seen_sorted(&seen),
            [flow(1), flow(2), flow(3)],
            "{flavor:?}"
        );
    }
}

#[test]
fn a_call_takes_its_flow_when_its_future_is_made_not_when_it_runs() {
    for flavor in ASYNC_FLAVORS {
        let (b, seen) = service_b();
        let client = AsyncEventClient::new(&b.url).expect("a client");
        let runtime = flavor.runtime().expect("a runtime");
        // made inside a context, run by a task spawned outside it
        let made_inside = EventContext::new("session-2", "flow-2")
            .scope(|| client.send_event("b:record", 1, &json!({"n": 1})));
        // made outside any context, polled inside one
        let made_outside = client.send_event("b:record", 1, &json!({"n": 2}));
        runtime.block_on(async {
            tokio::spawn(made_inside)
                .await
                .expect("the task")
                .expect("an answer");
            EventContext::new("session-3", "flow-3")
                .wrap(made_outside)
                .await
                .expect("an answer");
        });
        let seen = seen_sorted(&seen);
        assert_eq!(
            seen[0],
            (
                "session-2".to_owned(),
                "flow-2".to_owned(),
                r#"{"n":1}"#.to_owned()
            ),
            "{flavor:?}"
        );
        // fresh UUIDs, not the context it was polled in
        for id in [&seen[1].0, &seen[1].1] {
            let uuid = uuid::Uuid::parse_str(id).expect("a UUID");
            assert_eq!(uuid.get_version_num(), 4, "{flavor:?}: {id}");
        }
    }
}

#[test]
fn explicit_id_and_flow_id_win_over_the_context_in_the_async_client() {
    for flavor in ASYNC_FLAVORS {
        let (b, seen) = service_b();
        let client = AsyncEventClient::new(&b.url).expect("a client");
        let runtime = flavor.runtime().expect("a runtime");
        let call = EventContext::new("context-id", "context-flow").scope(|| {
            client
                .event("b:record", 1)
                .id("explicit-id")
                .flow_id("explicit-flow")
                .send()
        });
        runtime.block_on(call).expect("an answer");
        assert_eq!(
            seen_sorted(&seen),
            [(
                "explicit-id".to_owned(),
                "explicit-flow".to_owned(),
                "{}".to_owned()
            )],
            "{flavor:?}"
        );
    }
}
