//! Two `#[event_handler]`s for the same (name, version), in a test binary of
//! their own: both source locations are reported, and the event is answered
//! `UNHANDLED_ERROR` rather than by either handler.

use events_protocol::{
    event_handler,
    registry::{DuplicateHandler, DuplicateHandlers, Location},
};

const FIRST_LINE: u32 = line!() + 1;
#[event_handler(name = "test:duplicate:get", version = 1)]
fn first() -> &'static str {
    "first"
}

mod elsewhere {
    pub const SECOND_LINE: u32 = line!() + 1;
    #[events_protocol::event_handler(name = "test:duplicate:get", version = 1)]
    fn second() -> &'static str {
        "second"
    }
}

#[event_handler(name = "test:duplicate:get", version = 2)]
fn another_version() -> &'static str {
    "version 2"
}

#[test]
fn two_handlers_of_one_event_are_reported_with_both_locations() {
    let error = events_protocol::registry::check_handlers().err();
    let at = |line| Location {
        file: "tests/macros_duplicate.rs",
        line,
    };
    // which of the two was gathered first depends on the linker's order
    let both = |first, second| {
        Some(DuplicateHandlers(vec![DuplicateHandler {
            name: "test:duplicate:get".to_owned(),
            version: 1,
            first: at(first),
            second: at(second),
        }]))
    };
    assert!(
        error == both(FIRST_LINE, elsewhere::SECOND_LINE)
            || error == both(elsewhere::SECOND_LINE, FIRST_LINE),
        "{error:?}"
    );
    let message = error.map(|error| error.to_string()).unwrap_or_default();
    assert!(
        message
            == format!(
                "event `test:duplicate:get` version 1 has two handlers: at tests/macros_duplicate.rs:{FIRST_LINE} and at tests/macros_duplicate.rs:{}",
                elsewhere::SECOND_LINE
            )
            || message
                == format!(
                    "event `test:duplicate:get` version 1 has two handlers: at tests/macros_duplicate.rs:{} and at tests/macros_duplicate.rs:{FIRST_LINE}",
                    elsewhere::SECOND_LINE
                ),
        "{message}"
    );
}

#[test]
fn a_duplicated_event_answers_unhandled_error() {
    let answer = events_protocol::process_event(
        r#"{"name":"test:duplicate:get","version":1,"id":"i-1","flowId":"f-1"}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"test:duplicate:get:error","version":1,"id":"i-1","flowId":"f-1","payload":{"code":"UNHANDLED_ERROR","parameters":{}},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn another_version_of_a_duplicated_event_is_served() {
    let answer = events_protocol::process_event(
        r#"{"name":"test:duplicate:get","version":2,"id":"i-1","flowId":"f-1"}"#,
    );
    assert_eq!(
        answer,
        r#"{"name":"test:duplicate:get:response","version":2,"id":"i-1","flowId":"f-1","payload":"version 2","identity":{},"auth":{},"metadata":{}}"#
    );
}
