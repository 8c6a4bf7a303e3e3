//! Metrics through the `metrics` facade (feature `metrics`), read from a real
//! recorder (`metrics-util`'s `DebuggingRecorder`, installed for this test
//! binary): a known sequence of events over real HTTP, one of each outcome,
//! gives these exact counters, these histograms and an in-flight gauge back
//! at zero, on the server's side and the client's.

#[path = "support/axum_server.rs"]
mod axum_server;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use axum_server::Served;
use events_protocol::client::{Answer, SendError};
use events_protocol::{Event, EventClient, EventError, Processor, Redirect, Registry, Response};
use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use serde_json::json;

/// Every series of the snapshot, one line each, sorted: the kind, the name,
/// the labels in their order, and the value (a histogram's count, its values
/// checked to be durations).
fn lines(snapshotter: &Snapshotter) -> Vec<String> {
    let mut lines: Vec<String> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let labels = key
                .key()
                .labels()
                .map(|label| format!("{}={}", label.key(), label.value()))
                .collect::<Vec<_>>()
                .join(",");
            let kind = match key.kind() {
                MetricKind::Counter => "counter",
                MetricKind::Gauge => "gauge",
                MetricKind::Histogram => "histogram",
            };
            let value = match value {
                DebugValue::Counter(count) => count.to_string(),
                DebugValue::Gauge(value) => value.to_string(),
                DebugValue::Histogram(values) => {
                    assert!(
                        values
                            .iter()
                            .all(|seconds| **seconds > 0.0 && **seconds < 60.0),
                        "durations in seconds: {values:?}"
                    );
                    format!("count={}", values.len())
                }
            };
            format!("{kind} {}{{{labels}}} {value}", key.key().name())
        })
        .collect();
    lines.sort();
    lines
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register_inline("m:ok", 1, |event: &Event<'_>| {
            Response::from_raw("response", event.payload().to_owned())
        })
        .expect("one handler")
        .register("m:block", 1, |_: &Event<'_>| Response::success("done"))
        .expect("one handler")
        .register_async("m:later", 2, |_: Event<'static>| async {
            Response::success("later")
        })
        .expect("one handler")
        .register_inline("m:moved", 1, |_: &Event<'_>| {
            Redirect::to("https://example.com/")
        })
        .expect("one handler")
        .register_inline("m:refuse", 1, |_: &Event<'_>| {
            EventError::forbidden("NOT_YOURS")
        })
        .expect("one handler")
        .register_inline("m:panic", 1, |_: &Event<'_>| -> Response {
            panic!("a handler that fails")
        })
        .expect("one handler")
        .register_inline("m:custom", 1, |_: &Event<'_>| {
            Response::new("invented", &json!({}))
        })
        .expect("one handler");
    registry
}

/// Posts `body` as it is over a connection of its own; the status line.
fn post_raw(address: std::net::SocketAddr, body: &str) -> String {
    let mut stream = TcpStream::connect(address).expect("a connection");
    write!(
        stream,
        "POST /events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("the request written");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("the answer read");
    answer.lines().next().unwrap_or_default().to_owned()
}

/// The outcome of a call, as the test expects it.
fn kind(answer: Result<Answer, SendError>) -> String {
    match answer {
        Ok(Answer::Success(_)) => "success".to_owned(),
        Ok(Answer::Redirect { .. }) => "redirect".to_owned(),
        Ok(Answer::Error { error, .. }) => error.error_type().to_string(),
        Err(error) => format!("{:?}", error.failure()),
    }
}

#[test]
fn a_known_sequence_of_events_gives_these_counters_histograms_and_gauge() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder
        .install()
        .expect("the only recorder of this binary");

    let served = Served::start(events_protocol::axum::routes(Processor::from_registry(
        registry(),
    )));
    let client = EventClient::new(served.url()).expect("a client");
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        listener.local_addr().expect("its address")
    };
    let refused = EventClient::new(format!("http://{closed}/events")).expect("a client");

    let outcomes = [
        kind(client.event("m:ok", 1).send()),
        kind(client.event("m:ok", 1).send()),
        kind(client.event("m:block", 1).send()),
        kind(client.event("m:later", 2).send()),
        kind(client.event("m:moved", 1).send()),
        kind(client.event("m:refuse", 1).send()),
        kind(client.event("m:panic", 1).send()),
        kind(client.event("m:custom", 1).send()),
        // invented: neither its name nor its version is a label
        kind(client.event("no:such", 7).send()),
        kind(refused.event("m:ok", 1).send()),
    ];
    assert_eq!(
        outcomes,
        [
            "success",
            "success",
            "success",
            "success",
            "redirect",
            "forbidden",
            "error",
            "invented",
            "notFound",
            "FailedDependency"
        ]
    );
    assert_eq!(
        post_raw(served.address, r#"{"name":"m:ok","version":true}"#),
        "HTTP/1.1 200 OK"
    );

    assert_eq!(
        lines(&snapshotter),
        [
            "counter events_client_calls_total{name=m:block,version=1,outcome=response} 1",
            "counter events_client_calls_total{name=m:custom,version=1,outcome=other} 1",
            "counter events_client_calls_total{name=m:later,version=2,outcome=response} 1",
            "counter events_client_calls_total{name=m:moved,version=1,outcome=redirect} 1",
            "counter events_client_calls_total{name=m:ok,version=1,outcome=failedDependency} 1",
            "counter events_client_calls_total{name=m:ok,version=1,outcome=response} 2",
            "counter events_client_calls_total{name=m:panic,version=1,outcome=error} 1",
            "counter events_client_calls_total{name=m:refuse,version=1,outcome=forbidden} 1",
            "counter events_client_calls_total{name=no:such,version=7,outcome=notFound} 1",
            "counter events_handled_total{name=m:block,version=1,outcome=response} 1",
            "counter events_handled_total{name=m:custom,version=1,outcome=other} 1",
            "counter events_handled_total{name=m:later,version=2,outcome=response} 1",
            "counter events_handled_total{name=m:moved,version=1,outcome=redirect} 1",
            "counter events_handled_total{name=m:ok,version=1,outcome=response} 2",
            "counter events_handled_total{name=m:panic,version=1,outcome=error} 1",
            "counter events_handled_total{name=m:refuse,version=1,outcome=forbidden} 1",
            "counter events_handled_total{name=unregistered,version=unregistered,outcome=badProtocol} 1",
            "counter events_handled_total{name=unregistered,version=unregistered,outcome=notFound} 1",
            "gauge events_in_flight{} 0",
            "histogram events_client_call_duration_seconds{name=m:block,version=1,outcome=response} count=1",
            "histogram events_client_call_duration_seconds{name=m:custom,version=1,outcome=other} count=1",
            "histogram events_client_call_duration_seconds{name=m:later,version=2,outcome=response} count=1",
            "histogram events_client_call_duration_seconds{name=m:moved,version=1,outcome=redirect} count=1",
            "histogram events_client_call_duration_seconds{name=m:ok,version=1,outcome=failedDependency} count=1",
            "histogram events_client_call_duration_seconds{name=m:ok,version=1,outcome=response} count=2",
            "histogram events_client_call_duration_seconds{name=m:panic,version=1,outcome=error} count=1",
            "histogram events_client_call_duration_seconds{name=m:refuse,version=1,outcome=forbidden} count=1",
            "histogram events_client_call_duration_seconds{name=no:such,version=7,outcome=notFound} count=1",
            "histogram events_duration_seconds{name=m:block,version=1,outcome=response} count=1",
            "histogram events_duration_seconds{name=m:custom,version=1,outcome=other} count=1",
            "histogram events_duration_seconds{name=m:later,version=2,outcome=response} count=1",
            "histogram events_duration_seconds{name=m:moved,version=1,outcome=redirect} count=1",
            "histogram events_duration_seconds{name=m:ok,version=1,outcome=response} count=2",
            "histogram events_duration_seconds{name=m:panic,version=1,outcome=error} count=1",
            "histogram events_duration_seconds{name=m:refuse,version=1,outcome=forbidden} count=1",
            "histogram events_duration_seconds{name=unregistered,version=unregistered,outcome=badProtocol} count=1",
            "histogram events_duration_seconds{name=unregistered,version=unregistered,outcome=notFound} count=1",
        ]
    );
}
