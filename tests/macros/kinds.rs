//! Which parameter is what: a parameter marked `#[payload]` or `#[view]` is
//! that; without an attribute, the last segment of its type's path decides
//! (`Identity`, `Auth`, `Metadata`, `EventContext`, `&Event` are views,
//! anything else is the payload). An alias or a renamed import hides that
//! segment: the attribute says what the parameter is.

use events_protocol::{Event, EventContext, EventRequest, Identity as Who, event_handler};
use serde::Deserialize;

use crate::answer;

#[derive(Deserialize)]
struct User {
    id: u64,
}

/// An alias of a view.
type Caller = events_protocol::Identity<User>;

/// An alias of the context.
type Context = EventContext;

#[derive(Deserialize)]
struct Query {
    page: u32,
}

/// An alias of the payload needs no attribute: it is no listed type.
type Page = Query;

fn with_identity(name: &str, payload: &str) -> String {
    events_protocol::process_event(&format!(
        r#"{{"name":"{name}","version":1,"id":"i-1","flowId":"f-1","payload":{payload},"identity":{{"id":7}}}}"#
    ))
}

#[event_handler(name = "test:kinds:alias", version = 1)]
fn aliased(#[view] caller: Caller, page: Page, #[view] context: Context) -> String {
    format!("{} {} {}", caller.id, page.page, context.flow_id())
}

#[test]
fn an_alias_marked_view_is_read_as_that_view() {
    assert_eq!(
        with_identity("test:kinds:alias", r#"{"page":2}"#),
        answer("test:kinds:alias:response", r#""7 2 f-1""#)
    );
}

#[event_handler(name = "test:kinds:renamed", version = 1)]
fn renamed(#[view] Who(user): Who<User>) -> u64 {
    user.id
}

#[test]
fn a_renamed_import_marked_view_is_read_as_that_view() {
    assert_eq!(
        with_identity("test:kinds:renamed", "null"),
        answer("test:kinds:renamed:response", "7")
    );
}

#[test]
fn a_view_that_does_not_fit_answers_bad_request_under_any_name() {
    assert_eq!(
        events_protocol::process_event(
            r#"{"name":"test:kinds:renamed","version":1,"id":"i-1","flowId":"f-1","identity":{"id":"seven"}}"#
        ),
        answer(
            "test:kinds:renamed:badRequest",
            r#"{"code":"MISSING_FIELDS","parameters":{"fields":[{"errorType":"invalid_type","message":"invalid type: string \"seven\", expected u64","name":"identity.id"}]}}"#
        )
    );
}

/// A type of one's own named like a view.
mod calendar {
    #[derive(serde::Deserialize, serde::Serialize)]
    pub struct Event {
        pub title: String,
    }
}

#[event_handler(name = "test:kinds:payload", version = 1)]
fn schedule(#[payload] event: calendar::Event, request: &Event<'_>) -> String {
    format!("{} in {}", event.title, request.name())
}

#[test]
fn a_payload_named_like_a_view_is_marked_payload() {
    assert_eq!(
        with_identity("test:kinds:payload", r#"{"title":"standup"}"#),
        answer(
            "test:kinds:payload:response",
            r#""standup in test:kinds:payload""#
        )
    );
}

#[test]
fn the_request_type_holds_the_marked_payload() {
    let request = ScheduleRequest(calendar::Event {
        title: "standup".to_owned(),
    });
    assert_eq!(
        serde_json::to_string(request.payload()).ok().as_deref(),
        Some(r#"{"title":"standup"}"#)
    );
    let _: <ScheduleRequest as EventRequest>::Response = String::new();
}

#[test]
fn marked_handlers_stay_ordinary_functions() {
    let context = EventContext::new("i", "f");
    assert_eq!(
        aliased(Who(User { id: 1 }), Query { page: 3 }, context),
        "1 3 f"
    );
    assert_eq!(renamed(Who(User { id: 4 })), 4);
}
