//! The event model: accessors, typed views, building and writing.

use events_protocol::{
    Event,
    error::{EventErrorType, MismatchKind},
    processor::ReadMode,
};
use serde::Deserialize;
use serde_json::json;

fn event_with_identity(identity: &str) -> String {
    format!(r#"{{"name":"a:b","version":1,"id":"i","flowId":"f","identity":{identity}}}"#)
}

#[test]
fn user_id_reads_user_id_as_number_or_numeric_string() {
    for (identity, expected) in [
        (r#"{"userId":42}"#, Some(42)),
        (r#"{"userId":"42"}"#, Some(42)),
        (r#"{"user":{"id":7,"type":"CUSTOMER"}}"#, Some(7)),
        (r#"{"user":{"id":"7"}}"#, Some(7)),
        (r#"{"userId":"not a number"}"#, None),
        (r#"{"userId":1.5}"#, None),
        (r#"{}"#, None),
    ] {
        let body = event_with_identity(identity);
        let event = Event::from_json(&body).expect("a valid event");
        assert_eq!(event.user_id(), expected, "identity {identity}");
    }
}

#[test]
fn user_type_and_origin_read_identity_and_metadata() {
    let body = r#"{"name":"a:b","version":1,"identity":{"user":{"id":1,"type":"ADMIN"}},"metadata":{"origin":"mobile","timestamp":1}}"#;
    let event = Event::from_json(body).expect("a valid event");
    assert_eq!(event.user_type().as_deref(), Some("ADMIN"));
    assert_eq!(event.origin().as_deref(), Some("mobile"));
    let bare = Event::from_json(r#"{"name":"a:b","version":1}"#).expect("a valid event");
    assert_eq!((bare.user_type(), bare.origin()), (None, None));
}

#[test]
fn typed_views_name_the_failing_path() {
    #[derive(Debug, Deserialize)]
    struct Item {
        #[allow(dead_code, reason = "read to check the shape")]
        price: u32,
    }
    #[derive(Debug, Deserialize)]
    struct Cart {
        #[allow(dead_code, reason = "read to check the shape")]
        items: Vec<Item>,
    }
    #[derive(Debug, Deserialize)]
    struct Token {
        #[allow(dead_code, reason = "read to check the shape")]
        token: String,
    }
    let body = r#"{"name":"a:b","version":1,"payload":{"items":[{"price":1},{"price":"x"}]},"auth":{},"metadata":{"origin":3}}"#;
    let event = Event::from_json(body).expect("a valid event");
    let cart = event.payload_as::<Cart>().expect_err("price is a string");
    assert_eq!(
        (cart.path(), cart.kind()),
        ("items[1].price", MismatchKind::InvalidType)
    );
    let auth = event.auth_as::<Token>().expect_err("no token");
    assert_eq!(
        (auth.path(), auth.kind()),
        ("auth.token", MismatchKind::Missing)
    );
    assert_eq!(auth.message(), "missing field `token`");
    #[derive(Debug, Deserialize)]
    struct Meta {
        #[allow(dead_code, reason = "read to check the shape")]
        origin: String,
    }
    let meta = event.metadata_as::<Meta>().expect_err("origin is a number");
    assert_eq!(meta.path(), "metadata.origin");
    assert_eq!(
        serde_json::to_value(&meta).expect("serialisable"),
        json!({"name": "metadata.origin", "errorType": "invalid_type", "message": "invalid type: integer `3`, expected a string"})
    );
}

#[test]
fn typed_views_may_borrow_from_the_body() {
    #[derive(Deserialize)]
    struct Borrowed<'a> {
        name: &'a str,
    }
    let body = r#"{"name":"a:b","version":1,"payload":{"name":"Ada"}}"#;
    let event = Event::from_json(body).expect("a valid event");
    let view: Borrowed<'_> = event.payload_as().expect("fits");
    assert_eq!(view.name, "Ada");
}

#[test]
fn an_event_reads_back_what_it_writes() {
    let body = r#"{"name":"a:b","version":3,"id":"i","flowId":"f","payload":{"n":123456789012345678901234567890},"identity":{"userId":1},"auth":{"t":"x"},"metadata":{"origin":"o"}}"#;
    let event = Event::from_json(body).expect("a valid event");
    assert_eq!(event.to_json(), body);
    assert_eq!(serde_json::to_string(&event).expect("serialisable"), body);
    let owned = event.clone().into_owned();
    assert_eq!(owned, event);
    assert_eq!(
        Event::from_slice(body.as_bytes(), ReadMode::Strict).expect("strict"),
        event
    );
}

#[test]
fn debug_of_builders_answers_and_views_never_shows_auth() {
    let secret = json!({"token": "very-secret"});
    let builder = Event::builder("a:b", 1).auth(&secret);
    let response = events_protocol::Response::success("ok").with_auth(&secret);
    let view = events_protocol::Auth(secret.clone());
    for debug in [
        format!("{builder:?}"),
        format!("{response:?}"),
        format!("{view:?}"),
    ] {
        assert!(!debug.contains("very-secret"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }
    let client = events_protocol::EventClient::builder("http://127.0.0.1:1/events")
        .auth(&secret)
        .header("Authorization", "Bearer very-secret");
    let debug = format!("{client:?}");
    assert!(!debug.contains("very-secret"), "{debug}");
}

#[test]
fn debug_output_never_shows_auth() {
    let body = r#"{"name":"a:b","version":1,"auth":{"token":"very-secret"}}"#;
    let event = Event::from_json(body).expect("a valid event");
    let debug = format!("{event:?}");
    assert!(!debug.contains("very-secret"), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
}

#[test]
fn builder_fills_every_key_and_fresh_ids() {
    let first = Event::builder("user:name:set", 2)
        .payload(&json!({"name": "Ada"}))
        .identity(&json!({"userId": 1}))
        .auth(&json!({"token": "t"}))
        .metadata(&json!({"origin": "test"}))
        .build()
        .expect("serialisable");
    let second = Event::builder("user:name:set", 2)
        .build()
        .expect("serialisable");
    assert_eq!(
        first.to_json(),
        format!(
            r#"{{"name":"user:name:set","version":2,"id":"{}","flowId":"{}","payload":{{"name":"Ada"}},"identity":{{"userId":1}},"auth":{{"token":"t"}},"metadata":{{"origin":"test"}}}}"#,
            first.id(),
            first.flow_id()
        )
    );
    for id in [first.id(), first.flow_id(), second.id(), second.flow_id()] {
        let uuid = uuid::Uuid::parse_str(id).expect("a UUID");
        assert_eq!(uuid.get_version_num(), 4);
    }
    assert_ne!(first.id(), second.id(), "a fresh UUID per event");
    assert_ne!(first.id(), first.flow_id());
    assert_eq!(second.payload().get(), "{}");
}

#[test]
fn builder_refuses_identity_that_is_not_an_object() {
    let error = Event::builder("a:b", 1)
        .identity(&json!([1]))
        .build()
        .expect_err("an array");
    assert_eq!(error.to_string(), "expected a JSON object, found an array");
}

#[test]
fn error_types_read_and_write_their_exact_spellings() {
    let spellings = [
        "error",
        "badRequest",
        "badProtocol",
        "eventNotFound",
        "unauthorized",
        "notFound",
        "forbidden",
        "userDenied",
        "resourceDenied",
        "expired",
        "unprocessable",
        "gone",
    ];
    for (known, spelling) in EventErrorType::KNOWN.iter().zip(spellings) {
        assert_eq!(known.as_str(), spelling);
        assert_eq!(&EventErrorType::from_suffix(spelling), known);
    }
    for (snake, camel) in [
        ("bad_request", EventErrorType::BadRequest),
        ("bad_protocol", EventErrorType::BadProtocol),
        ("event_not_found", EventErrorType::EventNotFound),
        ("not_found", EventErrorType::NotFound),
        ("user_denied", EventErrorType::UserDenied),
        ("resource_denied", EventErrorType::ResourceDenied),
    ] {
        assert_eq!(EventErrorType::from_suffix(snake), camel);
    }
    let unknown = EventErrorType::from_suffix("teapot");
    assert_eq!(unknown, EventErrorType::Unknown("teapot".to_owned()));
    assert_eq!(unknown.to_string(), "teapot");
}
