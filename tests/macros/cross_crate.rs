//! Handlers of the library crate `handlers-lib`, registered at link time in
//! that crate and served by this binary's `process_event`; its request types
//! used as a client would.

use events_protocol::EventRequest;
use handlers_lib::accounts::{Account, AccountQuery, CloseAccount, GetAccountRequest};
use handlers_lib::greetings::{Greet, Greeting, SayRequest};

#[test]
fn a_sync_handler_of_another_crate_is_served() {
    let answer = events_protocol::process_event(
        r#"{"name":"bank:account:get","version":1,"id":"i-1","flowId":"f-1","payload":{"number":1}}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"bank:account:get:response","version":1,"id":"i-1","flowId":"f-1","payload":{"number":1,"holder":"Ada"},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn an_error_of_another_crate_s_handler_answers_its_type() {
    let answer = events_protocol::process_event(
        r#"{"name":"bank:account:get","version":1,"id":"i-1","flowId":"f-1","payload":{"number":9}}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"bank:account:get:notFound","version":1,"id":"i-1","flowId":"f-1","payload":{"code":"ACCOUNT_NOT_FOUND","parameters":{"number":9}},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn an_async_handler_of_another_crate_is_served() {
    let answer = events_protocol::process_event(
        r#"{"name":"greeting:say","version":3,"id":"i-1","flowId":"f-1","payload":{"name":"Bo"}}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"greeting:say:response","version":3,"id":"i-1","flowId":"f-1","payload":{"text":"hello, Bo","flowId":"f-1"},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn the_registry_lists_the_handlers_of_both_crates() {
    let events = events_protocol::Registry::global().events();
    for event in [
        ("bank:account:get", 1),
        ("greeting:say", 3),
        ("test:params:payload", 1),
        ("test:async:order", 1),
    ] {
        assert!(events.contains(&event), "{event:?} in {events:?}");
    }
    assert_eq!(events_protocol::registry::check_handlers(), Ok(()));
}

#[test]
fn another_crate_s_handlers_stay_functions() {
    let account = handlers_lib::accounts::get_account(AccountQuery { number: 1 });
    assert_eq!(
        account,
        Ok(Account {
            number: 1,
            holder: "Ada".to_owned(),
        })
    );
    let greeting = futures_executor::block_on(handlers_lib::greetings::say(
        Greet {
            name: "Cy".to_owned(),
        },
        events_protocol::EventContext::new("i", "f"),
    ));
    assert_eq!(
        greeting,
        Greeting {
            text: "hello, Cy".to_owned(),
            flow_id: "f".to_owned(),
        }
    );
}

/// What a typed call would send: the event's name, version and payload.
fn sent<R: EventRequest>(request: &R) -> String {
    format!(
        "{} {} {}",
        R::NAME,
        R::VERSION,
        serde_json::to_string(request.payload()).unwrap_or_default()
    )
}

/// What a typed call would read from a success payload.
fn received<R: EventRequest>(payload: &str) -> Option<R::Response> {
    serde_json::from_str(payload).ok()
}

#[test]
fn another_crate_s_request_types_describe_its_events() {
    assert_eq!(
        sent(&GetAccountRequest(AccountQuery { number: 1 })),
        r#"bank:account:get 1 {"number":1}"#
    );
    assert_eq!(
        received::<GetAccountRequest>(r#"{"number":2,"holder":"Bo"}"#),
        Some(Account {
            number: 2,
            holder: "Bo".to_owned(),
        })
    );
    assert_eq!(
        sent(&SayRequest(Greet {
            name: "Di".to_owned()
        })),
        r#"greeting:say 3 {"name":"Di"}"#
    );
    assert_eq!(
        received::<SayRequest>(r#"{"text":"hi","flowId":"f"}"#),
        Some(Greeting {
            text: "hi".to_owned(),
            flow_id: "f".to_owned(),
        })
    );
}

#[test]
fn a_derived_request_type_describes_its_event() {
    assert_eq!(
        sent(&CloseAccount { number: 5 }),
        r#"bank:account:close 2 {"number":5}"#
    );
    assert_eq!(
        received::<CloseAccount>(r#"{"number":5,"holder":"Ed"}"#),
        Some(Account {
            number: 5,
            holder: "Ed".to_owned(),
        })
    );
    // a request type that nobody serves here: calling it answers notFound
    let answer = events_protocol::process_event(
        r#"{"name":"bank:account:close","version":2,"id":"i-1","flowId":"f-1","payload":{"number":5}}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"bank:account:close:notFound","version":2,"id":"i-1","flowId":"f-1","payload":{"code":"EVENT_NOT_FOUND","parameters":{"message":"Event Name bank:account:close of version 2 was not found","event":"bank:account:close","version":2}},"identity":{},"auth":{},"metadata":{}}"#
    );
}
