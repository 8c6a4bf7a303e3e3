//! The example handlers (`examples/handlers/`) behind `events_protocol::axum::router()`,
//! as `cargo run --example server` serves them: the README's `curl` answer,
//! and every example event through our client.

#[path = "../examples/handlers/mod.rs"]
mod handlers;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;

use events_protocol::{Answer, Event, EventClient, EventError, Redirect};
use serde_json::json;

#[path = "support/axum_server.rs"]
mod axum_server;

use axum_server::Served;

/// The example server on a free loopback port, shared by every test of this
/// file: `greeting:relay` calls back into it through the client its
/// processor is given (`handlers::processor`).
struct Server {
    address: SocketAddr,
    client: EventClient,
    _served: Served,
}

fn start() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let served = Served::start_at(|url| {
            events_protocol::axum::routes(handlers::processor(url).expect("a processor"))
        });
        let client = EventClient::new(served.url()).expect("a client");
        Server {
            address: served.address,
            client,
            _served: served,
        }
    })
}

/// The text between `start` and the next `end`, after `from`.
fn between<'a>(text: &'a str, from: usize, start: &str, end: &str) -> (&'a str, usize) {
    let begin = text[from..].find(start).expect("the start marker") + from + start.len();
    let length = text[begin..].find(end).expect("the end marker");
    (&text[begin..begin + length], begin + length)
}

#[test]
fn readme_curl_answer_is_what_the_server_sends() {
    let readme = include_str!("../README.md");
    let (curl, after) = between(readme, 0, "```sh\ncurl ", "\n```");
    let (url, _) = between(curl, 0, "http://127.0.0.1:8080", " ");
    let (content_type, _) = between(curl, 0, "-H 'Content-Type: ", "'");
    let (body, _) = between(curl, 0, "-d '", "'");
    let (expected, _) = between(readme, after, "```json\n", "\n```");
    assert_eq!(url, "/events");
    assert_eq!(content_type, "application/json");

    let server = start();
    let mut stream = TcpStream::connect(server.address).expect("a connection");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    // what curl sends for that command line
    let request = format!(
        "POST {url} HTTP/1.1\r\nHost: {}\r\nUser-Agent: curl\r\nAccept: */*\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        server.address,
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .expect("the request sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("the answer");
    let (head, sent) = answer.split_once("\r\n\r\n").expect("a head and a body");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("\r\ncontent-type: application/json\r\n"),
        "{head}"
    );
    assert_eq!(sent, expected);
}

/// An answer event as the client keeps it.
fn event(json: &str) -> Event<'static> {
    Event::from_json(json).expect("an event").into_owned()
}

/// Sends an example event with fixed ids.
fn send(
    server: &Server,
    name: &str,
    payload: serde_json::Value,
    identity: serde_json::Value,
) -> Answer {
    server
        .client
        .event(name, 1)
        .id("x-1")
        .flow_id("xf-1")
        .payload(&payload)
        .identity(&identity)
        .send()
        .expect("an answer")
}

#[test]
fn typed_payload_is_answered_with_a_typed_payload() {
    let server = start();
    assert_eq!(
        send(server, "greeting:say", json!({"name": "Ada"}), json!({})),
        Answer::Success(event(
            r#"{"name":"greeting:say:response","version":1,"id":"x-1","flowId":"xf-1","payload":{"greeting":"hello, Ada"},"identity":{},"auth":{},"metadata":{}}"#
        ))
    );
    assert_eq!(
        send(server, "greeting:say", json!({"nom": "Ada"}), json!({})),
        Answer::Error {
            error: EventError::bad_request("MISSING_FIELDS").with(
                "fields",
                json!([{"name": "name", "errorType": "missing", "message": "missing field `name`"}])
            ),
            event: event(
                r#"{"name":"greeting:say:badRequest","version":1,"id":"x-1","flowId":"xf-1","payload":{"code":"MISSING_FIELDS","parameters":{"fields":[{"errorType":"missing","message":"missing field `name`","name":"name"}]}},"identity":{},"auth":{},"metadata":{}}"#
            ),
        }
    );
}

#[test]
fn typed_error_is_answered_as_its_event_error() {
    let server = start();
    assert_eq!(
        send(server, "account:withdraw", json!({"amount": 30}), json!({})),
        Answer::Success(event(
            r#"{"name":"account:withdraw:response","version":1,"id":"x-1","flowId":"xf-1","payload":{"balance":70},"identity":{},"auth":{},"metadata":{}}"#
        ))
    );
    assert_eq!(
        send(
            server,
            "account:withdraw",
            json!({"amount": 500}),
            json!({})
        ),
        Answer::Error {
            error: EventError::forbidden("INSUFFICIENT_FUNDS").with("balance", 100),
            event: event(
                r#"{"name":"account:withdraw:forbidden","version":1,"id":"x-1","flowId":"xf-1","payload":{"code":"INSUFFICIENT_FUNDS","parameters":{"balance":100}},"identity":{},"auth":{},"metadata":{}}"#
            ),
        }
    );
    assert_eq!(
        send(server, "account:withdraw", json!({"amount": 0}), json!({})),
        Answer::Error {
            error: EventError::bad_request("ZERO_AMOUNT"),
            event: event(
                r#"{"name":"account:withdraw:badRequest","version":1,"id":"x-1","flowId":"xf-1","payload":{"code":"ZERO_AMOUNT","parameters":{}},"identity":{},"auth":{},"metadata":{}}"#
            ),
        }
    );
}

#[test]
fn redirect_is_answered_as_a_redirect() {
    let server = start();
    assert_eq!(
        send(server, "page:home:open", json!({}), json!({})),
        Answer::Redirect {
            redirect: Redirect::to("https://example.com/home").with_query("tab", "news"),
            event: event(
                r#"{"name":"page:home:open:redirect","version":1,"id":"x-1","flowId":"xf-1","payload":{"url":"https://example.com/home","queryParameters":{"tab":"news"}},"identity":{},"auth":{},"metadata":{}}"#
            ),
        }
    );
}

#[test]
fn identity_chooses_the_profile() {
    let server = start();
    assert_eq!(
        send(server, "user:profile:get", json!({}), json!({"userId": 42})),
        Answer::Success(event(
            r#"{"name":"user:profile:get:response","version":1,"id":"x-1","flowId":"xf-1","payload":{"userId":42,"name":"Ada"},"identity":{},"auth":{},"metadata":{}}"#
        ))
    );
    assert_eq!(
        send(server, "user:profile:get", json!({}), json!({"userId": 7})),
        Answer::Error {
            error: EventError::not_found("USER_NOT_FOUND").with("userId", 7),
            event: event(
                r#"{"name":"user:profile:get:notFound","version":1,"id":"x-1","flowId":"xf-1","payload":{"code":"USER_NOT_FOUND","parameters":{"userId":7}},"identity":{},"auth":{},"metadata":{}}"#
            ),
        }
    );
    let missing = send(server, "user:profile:get", json!({}), json!({}));
    assert_eq!(
        missing.error_type(),
        Some(&events_protocol::error::EventErrorType::BadRequest),
        "{missing:?}"
    );
    assert_eq!(
        missing
            .payload_as::<serde_json::Value>()
            .expect("a payload")["parameters"]["fields"][0]["name"],
        "identity.userId"
    );
}

#[test]
fn async_handler_keeps_the_flow_across_await() {
    let server = start();
    assert_eq!(
        send(server, "report:build", json!({"rows": 2}), json!({})),
        Answer::Success(event(
            r#"{"name":"report:build:response","version":1,"id":"x-1","flowId":"xf-1","payload":{"rows":["row 1","row 2"],"flowId":"xf-1"},"identity":{},"auth":{},"metadata":{}}"#
        ))
    );
}

#[test]
fn relay_calls_another_event_through_the_client() {
    let server = start();
    assert_eq!(
        send(
            server,
            "greeting:relay",
            json!({"name": "Grace"}),
            json!({})
        ),
        Answer::Success(event(
            r#"{"name":"greeting:relay:response","version":1,"id":"x-1","flowId":"xf-1","payload":{"greeting":"HELLO, GRACE"},"identity":{},"auth":{},"metadata":{}}"#
        ))
    );
}

#[test]
fn unknown_event_is_not_found() {
    let server = start();
    assert_eq!(
        send(server, "no:such:event", json!({}), json!({})),
        Answer::Error {
            error: EventError::not_found("EVENT_NOT_FOUND")
                .with(
                    "message",
                    "Event Name no:such:event of version 1 was not found"
                )
                .with("event", "no:such:event")
                .with("version", 1),
            event: event(
                r#"{"name":"no:such:event:notFound","version":1,"id":"x-1","flowId":"xf-1","payload":{"code":"EVENT_NOT_FOUND","parameters":{"message":"Event Name no:such:event of version 1 was not found","event":"no:such:event","version":1}},"identity":{},"auth":{},"metadata":{}}"#
            ),
        }
    );
}
