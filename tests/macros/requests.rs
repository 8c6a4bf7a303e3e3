//! The request types: one written by `#[event_handler]` for every handler,
//! named after the function, and `#[derive(EventRequest)]` for payloads of
//! events served elsewhere.

use events_protocol::{EventError, EventRequest, Response, event_handler, request::NoPayload};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The name, version and payload a typed call sends.
fn sent<R: EventRequest>(request: &R) -> String {
    format!(
        "{} {} {}",
        R::NAME,
        R::VERSION,
        serde_json::to_string(request.payload()).unwrap_or_default()
    )
}

/// What a typed call reads from a success payload.
fn received<R: EventRequest>(payload: &str) -> Option<R::Response> {
    serde_json::from_str(payload).ok()
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct ProfileQuery {
    id: u64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Profile {
    name: String,
}

#[event_handler(name = "test:requests:profile", version = 4)]
fn get_profile(query: ProfileQuery) -> Result<Profile, EventError> {
    Ok(Profile {
        name: format!("user {}", query.id),
    })
}

#[test]
fn a_handler_s_request_type_is_named_after_it_and_holds_its_payload() {
    let request = GetProfileRequest(ProfileQuery { id: 3 });
    assert_eq!(sent(&request), r#"test:requests:profile 4 {"id":3}"#);
    assert_eq!(
        received::<GetProfileRequest>(r#"{"name":"Ada"}"#),
        Some(Profile {
            name: "Ada".to_owned()
        })
    );
}

#[event_handler(name = "test:requests:ping", version = 1)]
fn ping() -> u8 {
    1
}

#[test]
fn a_handler_without_payload_sends_an_empty_object() {
    assert_eq!(sent(&PingRequest), "test:requests:ping 1 {}");
    assert_eq!(received::<PingRequest>("1"), Some(1));
    assert_eq!(
        serde_json::to_string(&NoPayload).ok().as_deref(),
        Some("{}")
    );
}

#[event_handler(name = "test:requests:untyped", version = 1)]
fn untyped() -> Response {
    Response::success(&json!({"any": [1]}))
}

#[test]
fn an_untyped_answer_is_read_as_json() {
    assert_eq!(sent(&UntypedRequest), "test:requests:untyped 1 {}");
    assert_eq!(
        received::<UntypedRequest>(r#"{"any":[1]}"#),
        Some(json!({"any": [1]}))
    );
}

#[event_handler(
    name = "test:requests:renamed",
    version = 2,
    request = FetchProfile,
    response = Profile
)]
fn renamed(query: ProfileQuery) -> Response {
    Response::success(&Profile {
        name: format!("no. {}", query.id),
    })
}

#[test]
fn request_and_response_can_be_named() {
    assert_eq!(
        sent(&FetchProfile(ProfileQuery { id: 8 })),
        r#"test:requests:renamed 2 {"id":8}"#
    );
    assert_eq!(
        received::<FetchProfile>(r#"{"name":"no. 8"}"#),
        Some(Profile {
            name: "no. 8".to_owned()
        })
    );
    // and the handler answers as any other
    assert_eq!(
        events_protocol::process_event(
            r#"{"name":"test:requests:renamed","version":2,"id":"i-1","flowId":"f-1","payload":{"id":8}}"#
        ),
        r#"{"name":"test:requests:renamed:response","version":2,"id":"i-1","flowId":"f-1","payload":{"name":"no. 8"},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[derive(Debug, PartialEq, Serialize, EventRequest)]
#[event(name = "test:requests:derived", version = 7, response = Vec<Profile>)]
struct ListProfiles {
    page: u32,
}

#[derive(Serialize, EventRequest)]
#[event(legacy_name = "ListEverything", version = 1)]
#[event(response = serde_json::Value)]
struct ListEverything;

#[test]
fn a_derived_request_type_is_its_own_payload() {
    assert_eq!(
        sent(&ListProfiles { page: 2 }),
        r#"test:requests:derived 7 {"page":2}"#
    );
    assert_eq!(
        received::<ListProfiles>(r#"[{"name":"Ada"}]"#),
        Some(vec![Profile {
            name: "Ada".to_owned()
        }])
    );
    assert_eq!(sent(&ListEverything), "ListEverything 1 null");
}
