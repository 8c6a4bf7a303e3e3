//! The client's options: defaults every event carries, headers, limits, and
//! connections reused.

use std::time::Duration;

use events_protocol::client::{
    AsyncEventClient, ClientBuildError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_ANSWER_BYTES,
    DEFAULT_TIMEOUT, EventClient, SendError,
};
use events_protocol::{Event, Json, Registry};
use serde_json::json;

use crate::clients::{ASYNC_FLAVORS, Client, Event as Sent, FLAVORS, Options};
use crate::support;

fn echo() -> support::EventsServer {
    let mut registry = Registry::new();
    registry
        .register("test:echo", 1, |event: &Event<'_>| {
            Json(serde_json::from_str::<serde_json::Value>(event.payload().get()).ok())
        })
        .expect("register test:echo");
    support::serve(events_protocol::Processor::from_registry(registry))
}

#[test]
fn default_timeout_is_fifteen_seconds_per_call() {
    let client = EventClient::new("http://127.0.0.1:9/events").expect("a client");
    assert_eq!(DEFAULT_TIMEOUT, Duration::from_secs(15));
    assert_eq!(client.timeout(), Duration::from_secs(15));
    assert!(client.connect_timeout() <= client.timeout());
}

#[test]
fn both_clients_have_the_same_defaults() {
    let blocking = EventClient::new("http://127.0.0.1:9/events").expect("a client");
    let nonblocking = AsyncEventClient::new("http://127.0.0.1:9/events").expect("a client");
    let defaults = (
        DEFAULT_TIMEOUT,
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_MAX_ANSWER_BYTES,
    );
    assert_eq!(
        defaults,
        (
            Duration::from_secs(15),
            Duration::from_secs(5),
            10 * 1024 * 1024
        )
    );
    assert_eq!(
        (
            blocking.timeout(),
            blocking.connect_timeout(),
            blocking.max_answer_bytes()
        ),
        defaults
    );
    assert_eq!(
        (
            nonblocking.timeout(),
            nonblocking.connect_timeout(),
            nonblocking.max_answer_bytes()
        ),
        defaults
    );
}

#[test]
fn client_defaults_are_sent_unless_the_call_sets_its_own() {
    let options = Options {
        identity: Some(json!({"userId": 1})),
        auth: Some(json!({"token": "default"})),
        metadata: Some(json!({"origin": "billing"})),
        headers: vec![("x-tenant", "acme")],
        ..Options::default()
    };
    let plain = Sent {
        id: Some("i"),
        flow_id: Some("f"),
        ..Sent::named("test:echo")
    };
    let own = Sent {
        identity: Some(json!({"userId": 2})),
        auth: Some(json!({"token": "mine"})),
        metadata: Some(json!({})),
        headers: vec![("x-tenant", "other")],
        ..plain.clone()
    };
    for flavor in FLAVORS {
        let server = echo();
        let client = Client::new(flavor, &server.url, &options);
        client.send(&plain).expect("an answer");
        client.send(&own).expect("an answer");
        let requests = server.requests();
        assert_eq!(
            requests[0].body,
            r#"{"name":"test:echo","version":1,"id":"i","flowId":"f","payload":{},"identity":{"userId":1},"auth":{"token":"default"},"metadata":{"origin":"billing"}}"#,
            "{flavor:?}"
        );
        assert_eq!(requests[0].header("x-tenant"), Some("acme"), "{flavor:?}");
        assert_eq!(
            requests[1].body,
            r#"{"name":"test:echo","version":1,"id":"i","flowId":"f","payload":{},"identity":{"userId":2},"auth":{"token":"mine"},"metadata":{}}"#,
            "{flavor:?}"
        );
        let tenants: Vec<_> = requests[1]
            .headers
            .iter()
            .filter(|(name, _)| name == "x-tenant")
            .collect();
        assert_eq!(
            tenants,
            [&("x-tenant".to_owned(), "other".to_owned())],
            "{flavor:?}"
        );
    }
}

#[test]
fn both_clients_send_the_same_protocol_headers() {
    for flavor in FLAVORS {
        let server = echo();
        Client::of(flavor, &server.url)
            .send_named("test:echo")
            .expect("an answer");
        let request = &server.requests()[0];
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/events")
        );
        for (name, value) in [
            ("content-type", "application/json"),
            ("accept", "application/json"),
            (
                "user-agent",
                concat!("events-protocol-rs/", env!("CARGO_PKG_VERSION")),
            ),
        ] {
            assert_eq!(request.header(name), Some(value), "{flavor:?}: {name}");
        }
    }
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
fn async_connections_are_pooled_between_calls_and_clones() {
    // hyper-util puts a connection back in its pool from the connection's
    // own task once the answer is read: a call made at once may find the
    // pool empty for that instant and open a second connection (seen under
    // load). Twenty calls on one or two connections is pooling; twenty
    // connections would be none.
    for flavor in ASYNC_FLAVORS {
        let server = echo();
        let runtime = flavor.runtime().expect("a runtime");
        let client = AsyncEventClient::new(&server.url).expect("a client");
        runtime.block_on(async {
            for n in 0..19 {
                let answer = client
                    .send_event("test:echo", 1, &json!({"n": n}))
                    .await
                    .expect("an answer");
                assert_eq!(
                    answer.payload_as::<serde_json::Value>().expect("JSON"),
                    json!({"n": n})
                );
            }
            client
                .clone()
                .send_event("test:echo", 1, &json!({}))
                .await
                .expect("an answer");
        });
        let connections = server.connections();
        assert!(
            (1..=2).contains(&connections),
            "{flavor:?}: 20 calls on {connections} connections"
        );
    }
}

#[test]
fn send_posts_a_prebuilt_event_unchanged() {
    let event = Event::builder("test:echo", 1)
        .id("i")
        .flow_id("f")
        .payload(&[1, 2])
        .build()
        .expect("an event");
    let options = Options {
        auth: Some(json!({"token": "default"})),
        ..Options::default()
    };
    for flavor in FLAVORS {
        let server = echo();
        let answer = Client::new(flavor, &server.url, &options)
            .send_prebuilt(&event)
            .expect("an answer");
        assert_eq!(answer.event().payload().get(), "[1,2]", "{flavor:?}");
        assert_eq!(
            server.requests()[0].body,
            r#"{"name":"test:echo","version":1,"id":"i","flowId":"f","payload":[1,2],"identity":{},"auth":{},"metadata":{}}"#,
            "{flavor:?}"
        );
    }
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
