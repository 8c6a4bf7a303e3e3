//! Answers classified as PROTOCOL.md §2 says: success, redirect, each error
//! type, unknown types kept, names with no `:`.

use events_protocol::{
    Answer, ErrorPayload, Event, EventError, EventErrorType, NotFoundStyle, Processor, Redirect,
    Registry, Response,
};
use serde_json::{Value, json};

use crate::{client_of, support};

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register("user:profile:get", 1, |event: &Event<'_>| {
            let user_id = event
                .payload_as::<Value>()
                .map(|payload| payload["userId"].clone());
            Response::success(&json!({"userId": user_id.unwrap_or(Value::Null), "name": "Ada"}))
        })
        .expect("register user:profile:get")
        .register("test:fail", 1, |event: &Event<'_>| {
            let error_type = event
                .payload_as::<String>()
                .map(|suffix| EventErrorType::from_suffix(&suffix))
                .unwrap_or(EventErrorType::Error);
            EventError::new(error_type, "TEST_CODE").with("reason", "asked for it")
        })
        .expect("register test:fail")
        .register("test:redirect", 1, |_: &Event<'_>| {
            Redirect::to("https://example.invalid/login")
                .with_query("next", "/home")
                .with_query("attempt", 2)
        })
        .expect("register test:redirect")
        .register("test:suffix", 1, |event: &Event<'_>| {
            let suffix = event.payload_as::<String>().unwrap_or_default();
            let payload = ErrorPayload {
                code: "ODD".to_owned(),
                parameters: serde_json::Map::new(),
            };
            Response::with_suffix(suffix, &payload)
        })
        .expect("register test:suffix");
    registry
}

#[test]
fn success_answer_is_classified_success_with_the_whole_event() {
    let (client, _server) = client_of(registry());
    let answer = client
        .event("user:profile:get", 1)
        .payload(&json!({"userId": 42}))
        .id("i-1")
        .flow_id("f-1")
        .auth(&json!({"token": "secret"}))
        .send()
        .expect("an answer");
    assert!(answer.is_success());
    assert_eq!(answer.error_type(), None);
    assert_eq!(
        answer.event().to_json(),
        r#"{"name":"user:profile:get:response","version":1,"id":"i-1","flowId":"f-1","payload":{"name":"Ada","userId":42},"identity":{},"auth":{},"metadata":{}}"#
    );
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Profile {
        #[serde(rename = "userId")]
        user_id: u64,
        name: String,
    }
    assert_eq!(
        answer.payload_as::<Profile>().expect("a profile"),
        Profile {
            user_id: 42,
            name: "Ada".to_owned()
        }
    );
}

#[test]
fn send_event_posts_the_whole_event_as_json_to_the_url() {
    let (client, server) = client_of(registry());
    let answer = client
        .event("user:profile:get", 1)
        .payload(&json!({"userId": 1}))
        .id("i-2")
        .flow_id("f-2")
        .send()
        .expect("an answer");
    assert!(answer.is_success());
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/events")
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(
        request.body,
        r#"{"name":"user:profile:get","version":1,"id":"i-2","flowId":"f-2","payload":{"userId":1},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn each_error_type_is_classified_with_its_code_and_parameters() {
    let (client, _server) = client_of(registry());
    for error_type in EventErrorType::KNOWN {
        let answer = client
            .send_event("test:fail", 1, error_type.as_str())
            .expect("an answer");
        let expected =
            EventError::new(error_type.clone(), "TEST_CODE").with("reason", "asked for it");
        match answer {
            Answer::Error { error, event } => {
                assert_eq!(error, expected, "answer {}", event.name());
                assert_eq!(event.name(), format!("test:fail:{error_type}"));
            }
            other => panic!("{error_type}: not an error: {other:?}"),
        }
    }
}

#[test]
fn redirect_is_classified_with_its_url_and_query_parameters() {
    let (client, _server) = client_of(registry());
    let answer = client
        .send_event("test:redirect", 1, &json!({}))
        .expect("an answer");
    let Answer::Redirect { redirect, event } = answer else {
        panic!("not a redirect: {answer:?}");
    };
    assert_eq!(event.name(), "test:redirect:redirect");
    assert_eq!(redirect.url, "https://example.invalid/login");
    assert_eq!(
        Value::Object(redirect.query_parameters),
        json!({"next": "/home", "attempt": 2})
    );
}

#[test]
fn unknown_error_type_is_kept_as_written() {
    let (client, _server) = client_of(registry());
    let answer = client
        .send_event("test:suffix", 1, "teapot")
        .expect("an answer");
    assert_eq!(
        answer.error_type(),
        Some(&EventErrorType::Unknown("teapot".to_owned()))
    );
    let Answer::Error { error, .. } = answer else {
        panic!("not an error: {answer:?}");
    };
    assert_eq!(error.code(), "ODD");
    assert!(error.parameters().is_empty());
}

#[test]
fn snake_case_error_type_reads_as_its_camel_case_type() {
    let (client, _server) = client_of(registry());
    let answer = client
        .send_event("test:suffix", 1, "not_found")
        .expect("an answer");
    assert_eq!(answer.error_type(), Some(&EventErrorType::NotFound));
}

#[test]
fn unknown_event_is_classified_not_found_with_the_processor_payload() {
    let (client, _server) = client_of(registry());
    let answer = client
        .send_event("no:such", 3, &json!({}))
        .expect("an answer");
    let Answer::Error { error, .. } = answer else {
        panic!("not an error: {answer:?}");
    };
    assert_eq!(error.error_type(), &EventErrorType::NotFound);
    assert_eq!(error.code(), "EVENT_NOT_FOUND");
    assert_eq!(
        Value::Object(error.parameters().clone()),
        json!({"message": "Event Name no:such of version 3 was not found", "event": "no:such", "version": 3})
    );
}

#[test]
fn name_without_colon_is_classified_by_the_whole_name() {
    let server =
        support::serve(Processor::with_registry(registry()).not_found_style(NotFoundStyle::Kotlin));
    let client = events_protocol::EventClient::new(&server.url).expect("a client");
    let answer = client
        .send_event("no:such", 3, &json!({}))
        .expect("an answer");
    assert_eq!(answer.event().name(), "eventNotFound");
    let Answer::Error { error, .. } = answer else {
        panic!("not an error: {answer:?}");
    };
    assert_eq!(error.error_type(), &EventErrorType::EventNotFound);
    assert_eq!(error.code(), "NO_EVENT_HANDLER_FOUND");
}

#[test]
fn an_error_payload_without_a_code_is_still_an_error_by_its_name() {
    let url = support::answering(support::ok_json(
        r#"{"name":"a:b:forbidden","version":1,"id":"i","flowId":"f","payload":{"reason":"no","parameters":null}}"#,
    ));
    let client = events_protocol::EventClient::new(url).expect("a client");
    let answer = client.send_event("a:b", 1, &json!({})).expect("an answer");
    let Answer::Error { error, event } = answer else {
        panic!("not an error: {answer:?}");
    };
    assert_eq!(error.error_type(), &EventErrorType::Forbidden);
    assert_eq!((error.code(), error.parameters().len()), ("", 0));
    assert_eq!(
        event.payload().get(),
        r#"{"reason":"no","parameters":null}"#
    );
}

#[test]
fn a_redirect_without_a_url_is_a_malformed_answer() {
    let url = support::answering(support::ok_json(
        r#"{"name":"a:b:redirect","version":1,"id":"i","flowId":"f","payload":{"to":"elsewhere"}}"#,
    ));
    let client = events_protocol::EventClient::new(url).expect("a client");
    let error = client
        .send_event("a:b", 1, &json!({}))
        .expect_err("a malformed answer");
    let events_protocol::client::SendError::MalformedAnswer { name, error, .. } = error else {
        panic!("not a malformed answer: {error:?}");
    };
    assert_eq!(name, "a:b:redirect");
    assert_eq!(error.path(), "url");
}
