//! Handler faults over the `axum` route: panics under concurrency, handlers
//! that block for a long time, answers that cannot be serialised. Every other
//! event goes on being answered.

use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use events_protocol::{Event, EventClient, Json, Processor, Registry, Response};
use serde::Serialize;

/// A gate the blocking handlers wait at until the test opens it; it counts
/// the handlers waiting.
#[derive(Default)]
struct Gate {
    state: Mutex<(bool, usize)>,
    changed: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut state = self.state.lock().expect("not poisoned");
        state.1 += 1;
        self.changed.notify_all();
        while !state.0 {
            state = self.changed.wait(state).expect("not poisoned");
        }
    }

    fn wait_for_waiting(&self, count: usize) {
        let mut state = self.state.lock().expect("not poisoned");
        while state.1 < count {
            state = self.changed.wait(state).expect("not poisoned");
        }
    }

    fn open(&self) {
        self.state.lock().expect("not poisoned").0 = true;
        self.changed.notify_all();
    }
}

/// A value whose serialisation fails.
struct Broken;

impl Serialize for Broken {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("a private detail"))
    }
}

#[path = "support/axum_server.rs"]
mod axum_server;

use axum_server::Served as Server;

fn server(gate: Arc<Gate>) -> Server {
    let mut registry = Registry::new();
    registry
        .register("fault:echo", 1, |event: &Event<'_>| {
            Response::from_raw("response", event.payload().to_owned())
        })
        .and_then(|r| {
            r.register("fault:panic", 1, |event: &Event<'_>| -> Response {
                panic!("panic in {}", event.id())
            })
        })
        .and_then(|r| {
            r.register("fault:block", 1, move |_: &Event<'_>| {
                gate.wait();
                Json("unblocked")
            })
        })
        .and_then(|r| r.register("fault:broken", 1, |_: &Event<'_>| Json(Broken)))
        .expect("distinct handlers");
    Server::start(events_protocol::axum::routes(Processor::from_registry(
        registry,
    )))
}

fn client(server: &Server) -> EventClient {
    EventClient::builder(server.url())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a valid URL")
}

fn answer(client: &EventClient, name: &str, id: &str, payload: &serde_json::Value) -> String {
    let event = Event::builder(name, 1)
        .id(id)
        .flow_id(format!("flow-{id}"))
        .payload(payload)
        .build()
        .expect("serialisable");
    client.send(&event).expect("an answer").event().to_json()
}

#[test]
fn panics_under_64_concurrent_requests_leave_every_other_answer_right() {
    let server = server(Arc::default());
    let threads: Vec<_> = (0..64)
        .map(|n| {
            let client = client(&server);
            thread::spawn(move || {
                let id = format!("request-{n}");
                let name = if n % 2 == 0 {
                    "fault:echo"
                } else {
                    "fault:panic"
                };
                (n, answer(&client, name, &id, &serde_json::json!({"n": n})))
            })
        })
        .collect();
    for thread in threads {
        let (n, answer) = thread.join().expect("no panic in the client");
        let expected = if n % 2 == 0 {
            format!(
                r#"{{"name":"fault:echo:response","version":1,"id":"request-{n}","flowId":"flow-request-{n}","payload":{{"n":{n}}},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
            )
        } else {
            format!(
                r#"{{"name":"fault:panic:error","version":1,"id":"request-{n}","flowId":"flow-request-{n}","payload":{{"code":"UNHANDLED_ERROR","parameters":{{}}}},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
            )
        };
        assert_eq!(answer, expected);
    }
}

#[test]
fn handlers_that_block_leave_other_events_served() {
    let gate = Arc::new(Gate::default());
    let server = server(Arc::clone(&gate));
    // more blocked handlers than the runtime has worker threads
    let blocked: Vec<_> = (0..4)
        .map(|n| {
            let client = client(&server);
            thread::spawn(move || {
                answer(
                    &client,
                    "fault:block",
                    &format!("blocked-{n}"),
                    &serde_json::json!({}),
                )
            })
        })
        .collect();
    // every other event is answered while all four wait: the gate opens only after
    gate.wait_for_waiting(4);
    let client = client(&server);
    for n in 0..16 {
        assert_eq!(
            answer(
                &client,
                "fault:echo",
                &format!("free-{n}"),
                &serde_json::json!(n)
            ),
            format!(
                r#"{{"name":"fault:echo:response","version":1,"id":"free-{n}","flowId":"flow-free-{n}","payload":{n},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
            )
        );
    }
    assert!(
        blocked.iter().all(|thread| !thread.is_finished()),
        "the blocked handlers still wait"
    );
    gate.open();
    for (n, thread) in blocked.into_iter().enumerate() {
        assert_eq!(
            thread.join().expect("no panic in the client"),
            format!(
                r#"{{"name":"fault:block:response","version":1,"id":"blocked-{n}","flowId":"flow-blocked-{n}","payload":"unblocked","identity":{{}},"auth":{{}},"metadata":{{}}}}"#
            )
        );
    }
}

#[test]
fn an_answer_that_cannot_be_serialised_is_an_unhandled_error_without_detail() {
    let server = server(Arc::default());
    let client = client(&server);
    assert_eq!(
        answer(&client, "fault:broken", "b", &serde_json::json!({})),
        r#"{"name":"fault:broken:error","version":1,"id":"b","flowId":"flow-b","payload":{"code":"UNHANDLED_ERROR","parameters":{}},"identity":{},"auth":{},"metadata":{}}"#
    );
    assert_eq!(
        answer(&client, "fault:echo", "after", &serde_json::json!(1)),
        r#"{"name":"fault:echo:response","version":1,"id":"after","flowId":"flow-after","payload":1,"identity":{},"auth":{},"metadata":{}}"#
    );
}
