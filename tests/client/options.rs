//! The client's options: defaults every event carries, headers, limits, and
//! connections reused.

use std::time::Duration;

use events_protocol::client::{ClientBuildError, DEFAULT_TIMEOUT, EventClient, SendError};
use events_protocol::{Event, Json, Registry};
use serde_json::json;

use crate::support;

fn echo() -> support::EventsServer {
    let mut registry = Registry::new();
    registry
        .register("test:echo", 1, |event: &Event<'_>| {
            Json(serde_json::from_str::<serde_json::Value>(event.payload().get()).ok())
        })
        .expect("register test:echo");
    support::serve(events_protocol::Processor::with_registry(registry))
}

#[test]
fn default_timeout_is_fifteen_seconds_per_call() {
    let client = EventClient::new("http://127.0.0.1:9/events").expect("a client");
    assert_eq!(DEFAULT_TIMEOUT, Duration::from_secs(15));
    assert_eq!(client.timeout(), Duration::from_secs(15));
    assert!(client.connect_timeout() <= client.timeout());
}

#[test]
fn client_defaults_are_sent_unless_the_call_sets_its_own() {
    let server = echo();
    let client = EventClient::builder(&server.url)
        .identity(&json!({"userId": 1}))
        .auth(&json!({"token": "default"}))
        .metadata(&json!({"origin": "billing"}))
        .header("x-tenant", "acme")
        .build()
        .expect("a client");
    client
        .event("test:echo", 1)
        .id("i")
        .flow_id("f")
        .send()
        .expect("an answer");
    client
        .event("test:echo", 1)
        .id("i")
        .flow_id("f")
        .identity(&json!({"userId": 2}))
        .auth(&json!({"token": "mine"}))
        .metadata(&json!({}))
        .header("x-tenant", "other")
        .send()
        .expect("an answer");
    let requests = server.requests();
    assert_eq!(
        requests[0].body,
        r#"{"name":"test:echo","version":1,"id":"i","flowId":"f","payload":{},"identity":{"userId":1},"auth":{"token":"default"},"metadata":{"origin":"billing"}}"#
    );
    assert_eq!(requests[0].header("x-tenant"), Some("acme"));
    assert_eq!(
        requests[1].body,
        r#"{"name":"test:echo","version":1,"id":"i","flowId":"f","payload":{},"identity":{"userId":2},"auth":{"token":"mine"},"metadata":{}}"#
    );
    let tenants: Vec<_> = requests[1]
        .headers
        .iter()
        .filter(|(name, _)| name == "x-tenant")
        .collect();
    assert_eq!(tenants, [&("x-tenant".to_owned(), "other".to_owned())]);
}

#[test]
fn connections_are_reused_between_calls() {
    let server = echo();
    let client = EventClient::new(&server.url).expect("a client");
    for n in 0..5 {
        let answer = client
            .send_event("test:echo", 1, &json!({"n": n}))
            .expect("an answer");
        assert_eq!(
            answer.payload_as::<serde_json::Value>().expect("JSON"),
            json!({"n": n})
        );
    }
    let clone = client.clone();
    clone
        .send_event("test:echo", 1, &json!({}))
        .expect("an answer");
    assert_eq!(server.connections(), 1);
}

#[test]
fn send_posts_a_prebuilt_event_unchanged() {
    let server = echo();
    let client = EventClient::builder(&server.url)
        .auth(&json!({"token": "default"}))
        .build()
        .expect("a client");
    let event = Event::builder("test:echo", 1)
        .id("i")
        .flow_id("f")
        .payload(&[1, 2])
        .build()
        .expect("an event");
    let answer = client.send(&event).expect("an answer");
    assert_eq!(answer.event().payload().get(), "[1,2]");
    assert_eq!(
        server.requests()[0].body,
        r#"{"name":"test:echo","version":1,"id":"i","flowId":"f","payload":[1,2],"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn builder_rejects_urls_that_are_not_http() {
    for url in [
        "",
        "not a url",
        "/events",
        "ftp://127.0.0.1/events",
        "http:///events",
    ] {
        let error = EventClient::new(url).expect_err(url);
        assert!(
            matches!(error, ClientBuildError::InvalidUrl { .. }),
            "{url}: {error:?}"
        );
    }
}

#[test]
fn builder_rejects_invalid_headers_and_objects_that_are_not_objects() {
    let error = EventClient::builder("http://127.0.0.1:9/events")
        .header("bad header", "x")
        .build()
        .expect_err("an invalid header");
    assert!(
        matches!(&error, ClientBuildError::InvalidHeader { name } if name == "bad header"),
        "{error:?}"
    );
    let error = EventClient::builder("http://127.0.0.1:9/events")
        .metadata(&[1, 2])
        .build()
        .expect_err("metadata not an object");
    assert!(
        matches!(
            error,
            ClientBuildError::NotAnObject {
                key: "metadata",
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn per_call_invalid_header_or_identity_fails_before_sending() {
    let server = echo();
    let client = EventClient::new(&server.url).expect("a client");
    let error = client
        .event("test:echo", 1)
        .header("x-value", "line\nbreak")
        .send()
        .expect_err("an invalid header");
    assert!(
        matches!(&error, SendError::InvalidHeader { name } if name == "x-value"),
        "{error:?}"
    );
    let error = client
        .event("test:echo", 1)
        .identity("just text")
        .send()
        .expect_err("identity not an object");
    assert!(matches!(error, SendError::InvalidEvent(_)), "{error:?}");
    assert!(server.requests().is_empty());
}
