//! An async call whose future is dropped before it completes leaves nothing
//! behind: the server sees its connection closed, no task is left running,
//! and the client goes on answering.

use std::io::{BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use events_protocol::client::AsyncEventClient;
use serde_json::json;

use crate::clients::ASYNC_FLAVORS;
use crate::support;

/// A server that answers `test:ok` at once, and for `test:hang` sends what
/// the payload's `stage` says (`"none"`, or `"head"` and part of the body)
/// then waits until the client closes the connection, which it reports.
fn hanging_server() -> (String, mpsc::Receiver<&'static str>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let url = format!("http://{}/events", listener.local_addr().expect("bound"));
    let (closed, seen_closed) = mpsc::channel();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let closed = closed.clone();
            thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
                while let Some(request) = support::read_request(&mut reader) {
                    if request.body.contains(r#""name":"test:ok""#) {
                        let event = r#"{"name":"test:ok:response","version":1,"id":"i","flowId":"f","payload":{}}"#;
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{event}",
                            event.len()
                        );
                        if stream.write_all(answer.as_bytes()).is_err() {
                            return;
                        }
                        continue;
                    }
                    let stage = if request.body.contains(r#""stage":"body""#) {
                        let partial = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":";
                        let _ = stream.write_all(partial.as_bytes());
                        "body"
                    } else {
                        "head"
                    };
                    // wait for the client to close: a read of 0 bytes, or an error
                    let mut byte = [0_u8; 1];
                    while matches!(reader.read(&mut byte), Ok(n) if n > 0) {}
                    let _ = closed.send(stage);
                    return;
                }
            });
        }
    });
    (url, seen_closed)
}

#[test]
fn a_call_dropped_mid_flight_closes_its_connection_and_leaves_the_client_usable() {
    for flavor in ASYNC_FLAVORS {
        for stage in ["head", "body"] {
            let (url, closed) = hanging_server();
            let client = AsyncEventClient::new(&url).expect("a client");
            let runtime = flavor.runtime().expect("a runtime");
            runtime.block_on(async {
                let call = client.send_event("test:hang", 1, &json!({"stage": stage}));
                let dropped = tokio::time::timeout(Duration::from_millis(300), call).await;
                assert!(dropped.is_err(), "{flavor:?} {stage}: {dropped:?}");
                // drive the runtime while the server waits for the close
                let deadline = Instant::now() + Duration::from_secs(5);
                let seen = loop {
                    if let Ok(seen) = closed.try_recv() {
                        break seen;
                    }
                    assert!(
                        Instant::now() < deadline,
                        "{flavor:?} {stage}: the connection was left open"
                    );
                    tokio::time::sleep(Duration::from_millis(10)).await;
                };
                assert_eq!(seen, stage, "{flavor:?}");
                let metrics = tokio::runtime::Handle::current().metrics();
                while metrics.num_alive_tasks() > 0 {
                    assert!(
                        Instant::now() < deadline,
                        "{flavor:?} {stage}: {} tasks left running",
                        metrics.num_alive_tasks()
                    );
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                let answer = client
                    .send_event("test:ok", 1, &json!({}))
                    .await
                    .expect("an answer after the dropped call");
                assert!(answer.is_success(), "{flavor:?} {stage}");
            });
        }
    }
}
