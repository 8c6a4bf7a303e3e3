//! The `axum` events route over real HTTP (PROTOCOL.md §5 and §6): a server
//! started on port 0, driven with raw HTTP/1.1 over `std::net::TcpStream`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use events_protocol::client::SendError;
use events_protocol::{
    Answer, CallError, Event, EventClient, EventError, IntoResponse, Json, NotFoundStyle,
    Processor, Redirect, Registry, Response, ViewError,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[path = "support/axum_server.rs"]
mod axum_server;

/// A server answering on a free loopback port until dropped.
type Server = axum_server::Served;

/// Serves `processor` over the events route.
fn serve(processor: Processor) -> Server {
    Server::start(events_protocol::axum::routes(processor))
}

/// What came back over HTTP.
#[derive(Debug)]
struct HttpAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl HttpAnswer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Sends one request, `head` being the request line and headers after
/// `Host` (each ending in `\r\n`), and reads the whole answer.
fn exchange(address: SocketAddr, head: &str, body: &[u8]) -> HttpAnswer {
    let mut stream = TcpStream::connect(address).expect("a connection");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    let (request_line, rest) = head.split_once("\r\n").expect("a request line");
    let request = format!("{request_line}\r\nHost: {address}\r\nConnection: close\r\n{rest}\r\n");
    stream.write_all(request.as_bytes()).expect("the head sent");
    stream.write_all(body).expect("the body sent");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("the answer read");
    parse_answer(&raw)
}

fn parse_answer(raw: &[u8]) -> HttpAnswer {
    let text = String::from_utf8(raw.to_vec()).expect("a UTF-8 answer");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("a status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status code");
    let headers = lines
        .map(|line| {
            let (key, value) = line.split_once(':').expect("a header");
            (key.trim().to_owned(), value.trim().to_owned())
        })
        .collect();
    HttpAnswer {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// POSTs `body` to `path` with a `Content-Length`.
fn post(address: SocketAddr, path: &str, body: &str) -> HttpAnswer {
    let head = format!(
        "POST {path} HTTP/1.1\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    exchange(address, &head, body.as_bytes())
}

/// POSTs `body` to `/events` and checks the HTTP side of an event answer:
/// `200`, `application/json`. Returns the answer event's text.
fn post_event(address: SocketAddr, body: &str) -> String {
    let answer = post(address, "/events", body);
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.header("content-type"), Some("application/json"));
    answer.body
}

#[derive(Deserialize)]
struct Greet {
    name: String,
}

#[derive(Serialize)]
struct Greeting {
    text: String,
}

#[derive(Deserialize)]
struct Caller {
    #[serde(rename = "userId")]
    user_id: u64,
}

/// The handlers of these tests, one per outcome.
fn registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register("test:greet", 1, |event: &Event<'_>| {
            let greet: Greet = match event.payload_as() {
                Ok(greet) => greet,
                Err(error) => return ViewError::into_response(error),
            };
            Json(Greeting {
                text: format!("hello, {}", greet.name),
            })
            .into_response()
        })
        .expect("one handler")
        .register("test:refuse", 1, |_: &Event<'_>| {
            EventError::forbidden("NOT_YOURS").with("owner", 7)
        })
        .expect("one handler")
        .register("test:moved", 1, |_: &Event<'_>| {
            Redirect::to("https://example.com/new").with_query("from", "old")
        })
        .expect("one handler")
        .register("test:whoami", 1, |event: &Event<'_>| {
            let caller: Caller = match event.identity_as() {
                Ok(caller) => caller,
                Err(error) => return ViewError::into_response(error),
            };
            Json(caller.user_id).into_response()
        })
        .expect("one handler")
        .register("test:echo", 1, |event: &Event<'_>| {
            Response::from_raw("response", event.payload().to_owned())
        })
        .expect("one handler")
        .register("test:panic", 1, |_: &Event<'_>| -> Response {
            panic!("the secret detail")
        })
        .expect("one handler")
        .register_async("test:later", 1, |event: Event<'static>| async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            Response::from_raw("response", event.payload().to_owned())
        })
        .expect("one handler")
        .register_async("test:panic_later", 1, |_: Event<'static>| async move {
            tokio::task::yield_now().await;
            if true {
                panic!("the secret detail, later");
            }
            Response::success("never")
        })
        .expect("one handler");
    registry
}

fn server() -> Server {
    serve(Processor::with_registry(registry()))
}

#[test]
fn success_answers_response() {
    let server = server();
    let answer = post_event(
        server.address,
        r#"{"name":"test:greet","version":1,"id":"i-1","flowId":"f-1","payload":{"name":"Ada"},"identity":{"userId":1},"auth":{"token":"secret"},"metadata":{"origin":"tests"}}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"test:greet:response","version":1,"id":"i-1","flowId":"f-1","payload":{"text":"hello, Ada"},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn redirect_answers_redirect() {
    let server = server();
    let answer = post_event(
        server.address,
        r#"{"name":"test:moved","version":1,"id":"i-2","flowId":"f-2"}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"test:moved:redirect","version":1,"id":"i-2","flowId":"f-2","payload":{"url":"https://example.com/new","queryParameters":{"from":"old"}},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn handler_error_answers_its_type_with_status_200() {
    let server = server();
    let answer = post_event(
        server.address,
        r#"{"name":"test:refuse","version":1,"id":"i-3","flowId":"f-3","payload":{}}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"test:refuse:forbidden","version":1,"id":"i-3","flowId":"f-3","payload":{"code":"NOT_YOURS","parameters":{"owner":7}},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn identity_is_read_by_the_handler() {
    let server = server();
    let answer = post_event(
        server.address,
        r#"{"name":"test:whoami","version":1,"id":"i-4","flowId":"f-4","identity":{"userId":42}}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"test:whoami:response","version":1,"id":"i-4","flowId":"f-4","payload":42,"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn unknown_event_answers_not_found() {
    let server = server();
    let answer = post_event(
        server.address,
        r#"{"name":"test:nobody","version":3,"id":"i-5","flowId":"f-5"}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"test:nobody:notFound","version":3,"id":"i-5","flowId":"f-5","payload":{"code":"EVENT_NOT_FOUND","parameters":{"message":"Event Name test:nobody of version 3 was not found","event":"test:nobody","version":3}},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn unknown_event_answers_kotlin_not_found_when_asked() {
    let server = serve(Processor::with_registry(registry()).not_found_style(NotFoundStyle::Kotlin));
    let answer = post_event(
        server.address,
        r#"{"name":"test:nobody","version":3,"id":"i-6","flowId":"f-6"}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"eventNotFound","version":1,"id":"i-6","flowId":"f-6","payload":{"code":"NO_EVENT_HANDLER_FOUND","parameters":{"event":"test:nobody","version":3}},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn payload_that_does_not_fit_answers_bad_request() {
    let server = server();
    let answer = post_event(
        server.address,
        r#"{"name":"test:greet","version":1,"id":"i-7","flowId":"f-7","payload":{"nom":"Ada"}}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"test:greet:badRequest","version":1,"id":"i-7","flowId":"f-7","payload":{"code":"MISSING_FIELDS","parameters":{"fields":[{"name":"name","errorType":"missing","message":"missing field `name`"}]}},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn malformed_event_answers_bad_protocol_with_the_readable_keys() {
    let server = server();
    let answer = post_event(
        server.address,
        r#"{"name":"test:greet","version":"one","id":"i-8","flowId":"f-8"}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"badProtocol","version":1,"id":"i-8","flowId":"f-8","payload":{"code":"INVALID_COMMUNICATION_PROTOCOL","parameters":{"propertyName":"version","fields":[{"name":"version","errorType":"invalid_value","message":"must be a base-10 integer in the 64-bit range"}]}},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn body_that_is_not_json_answers_bad_protocol_with_fresh_ids() {
    let server = server();
    for body in ["this is not json", "\u{FFFD}\u{FFFD}", "[1,2]", ""] {
        let answer: serde_json::Value =
            serde_json::from_str(&post_event(server.address, body)).expect("an event");
        assert_eq!(answer["name"], "badProtocol", "{body:?}: {answer}");
        assert_eq!(
            answer["payload"]["code"], "INVALID_COMMUNICATION_PROTOCOL",
            "{body:?}: {answer}"
        );
        for key in ["id", "flowId"] {
            let id = answer[key].as_str().expect("an id");
            assert!(
                uuid::Uuid::parse_str(id).is_ok_and(|uuid| uuid.get_version_num() == 4),
                "{key} {id:?} is not a UUID v4"
            );
        }
    }
}

#[test]
fn body_that_is_not_utf8_answers_bad_protocol() {
    let server = server();
    let head = "POST /events HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 4\r\n";
    let answer = exchange(server.address, head, &[0xff, 0xfe, b'{', b'}']);
    assert_eq!(answer.status, 200);
    let event: serde_json::Value = serde_json::from_str(&answer.body).expect("an event");
    assert_eq!(event["name"], "badProtocol");
    assert_eq!(event["payload"]["parameters"]["propertyName"], "json");
}

#[test]
fn panicking_handler_answers_unhandled_error_then_service_goes_on() {
    let server = server();
    for (name, id) in [("test:panic", "i-9"), ("test:panic_later", "i-10")] {
        let answer = post_event(
            server.address,
            &format!(r#"{{"name":"{name}","version":1,"id":"{id}","flowId":"f"}}"#),
        );
        assert_eq!(
            answer,
            format!(
                r#"{{"name":"{name}:error","version":1,"id":"{id}","flowId":"f","payload":{{"code":"UNHANDLED_ERROR","parameters":{{}}}},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
            )
        );
    }
    let answer = post_event(
        server.address,
        r#"{"name":"test:greet","version":1,"id":"i-11","flowId":"f","payload":{"name":"again"}}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"test:greet:response","version":1,"id":"i-11","flowId":"f","payload":{"text":"hello, again"},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn async_handler_is_awaited() {
    let server = server();
    let answer = post_event(
        server.address,
        r#"{"name":"test:later","version":1,"id":"i-12","flowId":"f-12","payload":[1,2.50,12345678901234567890123]}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"test:later:response","version":1,"id":"i-12","flowId":"f-12","payload":[1,2.50,12345678901234567890123],"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn trailing_slash_is_the_same_route() {
    let server = server();
    let answer = post(
        server.address,
        "/events/",
        r#"{"name":"test:echo","version":1,"id":"i-13","flowId":"f-13","payload":"x"}"#,
    );
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        r#"{"name":"test:echo:response","version":1,"id":"i-13","flowId":"f-13","payload":"x","identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn other_paths_are_not_served() {
    let server = server();
    let answer = post(
        server.address,
        "/event",
        r#"{"name":"test:echo","version":1}"#,
    );
    assert_eq!(answer.status, 404);
}

#[test]
fn method_other_than_post_answers_405() {
    let server = server();
    for method in ["GET", "PUT", "DELETE", "PATCH", "HEAD"] {
        for path in ["/events", "/events/"] {
            let head = format!("{method} {path} HTTP/1.1\r\nContent-Length: 0\r\n");
            let answer = exchange(server.address, &head, b"");
            assert_eq!(answer.status, 405, "{method} {path}");
            assert_eq!(answer.header("allow"), Some("POST"), "{method} {path}");
        }
    }
}

/// A server whose body limit is 100 bytes.
fn small_server() -> Server {
    serve(Processor::with_registry(registry()).max_body_bytes(100))
}

/// An echo event of exactly `length` bytes.
fn event_of_length(length: usize) -> String {
    let shell = r#"{"name":"test:echo","version":1,"id":"i","flowId":"f","payload":""}"#;
    let padding = "x".repeat(length - shell.len());
    format!(r#"{{"name":"test:echo","version":1,"id":"i","flowId":"f","payload":"{padding}"}}"#)
}

#[test]
fn body_at_the_limit_is_answered() {
    let server = small_server();
    let body = event_of_length(100);
    let answer = post_event(server.address, &body);
    let padding = "x".repeat(100 - 67);
    assert_eq!(
        answer,
        format!(
            r#"{{"name":"test:echo:response","version":1,"id":"i","flowId":"f","payload":"{padding}","identity":{{}},"auth":{{}},"metadata":{{}}}}"#
        )
    );
}

#[test]
fn declared_length_over_the_limit_answers_413_before_reading() {
    let server = small_server();
    // the head alone: the server answers without waiting for the body
    let head = "POST /events HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 101\r\n";
    let answer = exchange(server.address, head, b"");
    assert_eq!(answer.status, 413);
    assert_eq!(
        answer.body,
        "the request body is over the limit of 100 bytes\n"
    );
}

#[test]
fn chunked_body_over_the_limit_answers_413() {
    let server = small_server();
    let body = event_of_length(101);
    let (first, second) = body.split_at(60);
    let chunked = format!(
        "{:x}\r\n{first}\r\n{:x}\r\n{second}\r\n0\r\n\r\n",
        first.len(),
        second.len()
    );
    let head =
        "POST /events HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n";
    let answer = exchange(server.address, head, chunked.as_bytes());
    assert_eq!(answer.status, 413);
    let fits = event_of_length(100);
    let chunked = format!("{:x}\r\n{fits}\r\n0\r\n\r\n", fits.len());
    let answer = exchange(server.address, head, chunked.as_bytes());
    assert_eq!(answer.status, 200);
    assert!(answer.body.starts_with(r#"{"name":"test:echo:response""#));
}

#[test]
fn default_body_limit_is_the_processors() {
    let server = server();
    let head = format!(
        "POST /events HTTP/1.1\r\nContent-Length: {}\r\n",
        events_protocol::DEFAULT_MAX_BODY_BYTES + 1
    );
    let answer = exchange(server.address, &head, b"");
    assert_eq!(answer.status, 413);
}

#[test]
fn sixty_four_concurrent_clients_each_get_their_own_answer() {
    let server = server();
    let address = server.address;
    let clients: Vec<_> = (0..64)
        .map(|n| {
            thread::spawn(move || {
                // half of them through a synchronous handler, half through an async one
                let name = if n % 2 == 0 { "test:echo" } else { "test:later" };
                let body = format!(
                    r#"{{"name":"{name}","version":1,"id":"client-{n}","flowId":"flow-{n}","payload":{{"n":{n}}}}}"#
                );
                let answer = post_event(address, &body);
                assert_eq!(
                    answer,
                    format!(
                        r#"{{"name":"{name}:response","version":1,"id":"client-{n}","flowId":"flow-{n}","payload":{{"n":{n}}},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
                    )
                );
            })
        })
        .collect();
    for client in clients {
        client.join().expect("a client that got its own answer");
    }
}

#[test]
fn connection_is_reused_for_several_events() {
    let server = server();
    let mut stream = TcpStream::connect(server.address).expect("a connection");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    for n in 0..3 {
        let body = format!(
            r#"{{"name":"test:echo","version":1,"id":"k-{n}","flowId":"f","payload":{n}}}"#
        );
        let request = format!(
            "POST /events HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            server.address,
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .expect("a request sent");
        let answer = read_one_answer(&mut stream);
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.body,
            format!(
                r#"{{"name":"test:echo:response","version":1,"id":"k-{n}","flowId":"f","payload":{n},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
            )
        );
    }
}

/// Reads one answer with a `Content-Length` from a kept-alive connection.
fn read_one_answer(stream: &mut TcpStream) -> HttpAnswer {
    let mut raw = Vec::new();
    let mut byte = [0u8; 1];
    while !raw.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).expect("a head byte");
        raw.push(byte[0]);
    }
    let head = parse_answer(&raw);
    let length: usize = head
        .header("content-length")
        .and_then(|value| value.parse().ok())
        .expect("a content length");
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).expect("the body");
    HttpAnswer {
        body: String::from_utf8(body).expect("a UTF-8 body"),
        ..head
    }
}

/// Our client of the server's `/events`.
fn client_of(server: &Server) -> EventClient {
    EventClient::new(format!("http://{}/events", server.address)).expect("a client")
}

/// An answer event as the client keeps it.
fn event(json: &str) -> Event<'static> {
    Event::from_json(json).expect("an event").into_owned()
}

#[test]
fn client_classifies_every_outcome() {
    let server = server();
    let client = client_of(&server);
    let send = |name: &str, payload: serde_json::Value| {
        client
            .event(name, 1)
            .id("c-1")
            .flow_id("cf-1")
            .payload(&payload)
            .send()
            .expect("an answer")
    };

    assert_eq!(
        send("test:greet", json!({"name": "Ada"})),
        Answer::Success(event(
            r#"{"name":"test:greet:response","version":1,"id":"c-1","flowId":"cf-1","payload":{"text":"hello, Ada"},"identity":{},"auth":{},"metadata":{}}"#
        ))
    );
    assert_eq!(
        send("test:moved", json!({})),
        Answer::Redirect {
            redirect: Redirect::to("https://example.com/new").with_query("from", "old"),
            event: event(
                r#"{"name":"test:moved:redirect","version":1,"id":"c-1","flowId":"cf-1","payload":{"url":"https://example.com/new","queryParameters":{"from":"old"}},"identity":{},"auth":{},"metadata":{}}"#
            ),
        }
    );
    assert_eq!(
        send("test:refuse", json!({})),
        Answer::Error {
            error: EventError::forbidden("NOT_YOURS").with("owner", 7),
            event: event(
                r#"{"name":"test:refuse:forbidden","version":1,"id":"c-1","flowId":"cf-1","payload":{"code":"NOT_YOURS","parameters":{"owner":7}},"identity":{},"auth":{},"metadata":{}}"#
            ),
        }
    );
    assert_eq!(
        send("test:nobody", json!({})),
        Answer::Error {
            error: EventError::not_found("EVENT_NOT_FOUND")
                .with(
                    "message",
                    "Event Name test:nobody of version 1 was not found"
                )
                .with("event", "test:nobody")
                .with("version", 1),
            event: event(
                r#"{"name":"test:nobody:notFound","version":1,"id":"c-1","flowId":"cf-1","payload":{"code":"EVENT_NOT_FOUND","parameters":{"message":"Event Name test:nobody of version 1 was not found","event":"test:nobody","version":1}},"identity":{},"auth":{},"metadata":{}}"#
            ),
        }
    );
    assert_eq!(
        send("test:greet", json!({"nom": "Ada"})),
        Answer::Error {
            error: EventError::bad_request("MISSING_FIELDS").with(
                "fields",
                json!([{"name": "name", "errorType": "missing", "message": "missing field `name`"}])
            ),
            event: event(
                r#"{"name":"test:greet:badRequest","version":1,"id":"c-1","flowId":"cf-1","payload":{"code":"MISSING_FIELDS","parameters":{"fields":[{"name":"name","errorType":"missing","message":"missing field `name`"}]}},"identity":{},"auth":{},"metadata":{}}"#
            ),
        }
    );
    assert_eq!(
        send("test:panic", json!({})),
        Answer::Error {
            error: EventError::error("UNHANDLED_ERROR"),
            event: event(
                r#"{"name":"test:panic:error","version":1,"id":"c-1","flowId":"cf-1","payload":{"code":"UNHANDLED_ERROR","parameters":{}},"identity":{},"auth":{},"metadata":{}}"#
            ),
        }
    );
    // service goes on after the panic
    assert_eq!(
        send("test:later", json!([1, 2])),
        Answer::Success(event(
            r#"{"name":"test:later:response","version":1,"id":"c-1","flowId":"cf-1","payload":[1,2],"identity":{},"auth":{},"metadata":{}}"#
        ))
    );
}

#[test]
fn client_sees_413_as_a_failed_dependency_with_the_status_and_body() {
    let server = small_server();
    let client = client_of(&server);
    let error = client
        .event("test:echo", 1)
        .payload(&"x".repeat(200))
        .send()
        .expect_err("a body over the limit");
    match error {
        SendError::Status { status, body, .. } => {
            assert_eq!(status, 413);
            assert_eq!(body, "the request body is over the limit of 100 bytes\n");
        }
        other => panic!("not a status error: {other:?}"),
    }
}

#[test]
fn sixty_four_concurrent_clients_of_ours_each_get_their_own_answer() {
    let server = server();
    let client = client_of(&server);
    let threads: Vec<_> = (0..64)
        .map(|n| {
            let client = client.clone();
            thread::spawn(move || {
                let name = if n % 2 == 0 { "test:echo" } else { "test:later" };
                let answer = client
                    .event(name, 1)
                    .id(format!("ours-{n}"))
                    .flow_id(format!("flow-{n}"))
                    .payload(&json!({"n": n}))
                    .send()
                    .expect("an answer");
                assert_eq!(
                    answer,
                    Answer::Success(event(&format!(
                        r#"{{"name":"{name}:response","version":1,"id":"ours-{n}","flowId":"flow-{n}","payload":{{"n":{n}}},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
                    )))
                );
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("a client that got its own answer");
    }
}

#[test]
fn typed_call_of_an_error_is_the_event_error() {
    let server = server();
    let client = client_of(&server);
    let answer = client
        .event("test:refuse", 1)
        .send()
        .expect("an answer")
        .into_result::<serde_json::Value>();
    match answer {
        Err(CallError::Event(error)) => {
            assert_eq!(error, EventError::forbidden("NOT_YOURS").with("owner", 7));
        }
        other => panic!("not an event error: {other:?}"),
    }
}
