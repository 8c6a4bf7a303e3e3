//! What a handler takes: its payload by type, any view of the envelope, in
//! any order; a view or payload that does not fit answers `badRequest` with
//! its path (PROTOCOL.md §5).

use events_protocol::{Auth, Event, EventContext, Identity, Metadata, event_handler};
use serde::{Deserialize, Serialize};

use crate::{answer, call};

#[derive(Debug, PartialEq, Deserialize)]
struct Address {
    zip: String,
}

#[derive(Debug, PartialEq, Deserialize)]
struct Customer {
    name: String,
    address: Address,
}

#[event_handler(name = "test:params:payload", version = 1)]
fn label(customer: Customer) -> String {
    format!("{} at {}", customer.name, customer.address.zip)
}

#[test]
fn the_payload_is_read_into_the_parameter_s_type() {
    assert_eq!(
        call(
            "test:params:payload",
            r#"{"name":"Ada","address":{"zip":"01001"}}"#
        ),
        answer("test:params:payload:response", r#""Ada at 01001""#)
    );
}

#[test]
fn a_payload_that_does_not_fit_answers_bad_request_with_its_path() {
    assert_eq!(
        call("test:params:payload", r#"{"name":"Ada","address":{}}"#),
        answer(
            "test:params:payload:badRequest",
            r#"{"code":"MISSING_FIELDS","parameters":{"fields":[{"errorType":"missing","message":"missing field `zip`","name":"address.zip"}]}}"#
        )
    );
}

#[test]
fn the_handler_stays_an_ordinary_function() {
    let customer = Customer {
        name: "Bo".to_owned(),
        address: Address {
            zip: "9".to_owned(),
        },
    };
    assert_eq!(label(customer), "Bo at 9");
}

#[event_handler(name = "test:params:none", version = 1)]
fn pong() -> &'static str {
    "pong"
}

#[test]
fn without_a_payload_parameter_the_payload_is_ignored() {
    for payload in ["null", r#"{"any":"thing"}"#, "[1,2]"] {
        assert_eq!(
            call("test:params:none", payload),
            answer("test:params:none:response", r#""pong""#)
        );
    }
}

#[event_handler(name = "test:params:inline", version = 1, inline)]
fn shout(word: String) -> String {
    word.to_uppercase()
}

#[test]
fn an_inline_handler_answers_in_place_and_is_not_called_blocking() {
    assert_eq!(
        call("test:params:inline", r#""hey""#),
        answer("test:params:inline:response", r#""HEY""#)
    );
    let processor = events_protocol::Processor::new();
    assert!(!processor.blocks(br#"{"name":"test:params:inline","version":1}"#));
    assert!(processor.blocks(br#"{"name":"test:params:none","version":1}"#));
    assert_eq!(shout("a".to_owned()), "A", "still an ordinary function");
}

#[derive(Deserialize)]
struct User {
    id: u64,
}

#[derive(Deserialize)]
struct Caller {
    user: User,
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

#[derive(Deserialize)]
struct Origin {
    origin: String,
}

#[derive(Deserialize)]
struct Query {
    page: u32,
}

#[derive(Serialize)]
struct Seen {
    page: u32,
    user: u64,
    token: String,
    origin: String,
    event: String,
    id: String,
    #[serde(rename = "flowId")]
    flow_id: String,
    current: bool,
}

/// Every view, in no particular order, around the payload.
#[event_handler(name = "test:params:every", version = 1)]
fn every(
    Metadata(metadata): Metadata<Origin>,
    event: &Event<'_>,
    Identity(caller): Identity<Caller>,
    context: EventContext,
    query: Query,
    auth: Auth<Token>,
) -> Seen {
    Seen {
        page: query.page,
        user: caller.user.id,
        token: auth.0.token,
        origin: metadata.origin,
        event: event.name().to_owned(),
        id: context.id().to_owned(),
        flow_id: context.flow_id().to_owned(),
        current: EventContext::current() == Some(context),
    }
}

fn every_view(identity: &str, auth: &str, metadata: &str) -> String {
    events_protocol::process_event(&format!(
        r#"{{"name":"test:params:every","version":1,"id":"i-1","flowId":"f-1","payload":{{"page":2}},"identity":{identity},"auth":{auth},"metadata":{metadata}}}"#
    ))
}

#[test]
fn views_of_the_envelope_are_read_in_any_order() {
    assert_eq!(
        every_view(
            r#"{"user":{"id":7}}"#,
            r#"{"token":"t-1"}"#,
            r#"{"origin":"app"}"#
        ),
        answer(
            "test:params:every:response",
            r#"{"page":2,"user":7,"token":"t-1","origin":"app","event":"test:params:every","id":"i-1","flowId":"f-1","current":true}"#
        )
    );
}

#[test]
fn an_identity_that_does_not_fit_answers_bad_request_with_its_path() {
    assert_eq!(
        every_view(
            r#"{"user":{"id":"seven"}}"#,
            r#"{"token":"t-1"}"#,
            r#"{"origin":"app"}"#
        ),
        answer(
            "test:params:every:badRequest",
            r#"{"code":"MISSING_FIELDS","parameters":{"fields":[{"errorType":"invalid_type","message":"invalid type: string \"seven\", expected u64","name":"identity.user.id"}]}}"#
        )
    );
}

#[test]
fn an_auth_that_does_not_fit_answers_bad_request_with_its_path() {
    assert_eq!(
        every_view(r#"{"user":{"id":7}}"#, "{}", r#"{"origin":"app"}"#),
        answer(
            "test:params:every:badRequest",
            r#"{"code":"MISSING_FIELDS","parameters":{"fields":[{"errorType":"missing","message":"missing field `token`","name":"auth.token"}]}}"#
        )
    );
}

#[test]
fn a_metadata_that_does_not_fit_answers_bad_request_with_its_path() {
    assert_eq!(
        every_view(
            r#"{"user":{"id":7}}"#,
            r#"{"token":"t-1"}"#,
            r#"{"origin":false}"#
        ),
        answer(
            "test:params:every:badRequest",
            r#"{"code":"MISSING_FIELDS","parameters":{"fields":[{"errorType":"invalid_type","message":"invalid type: boolean `false`, expected a string","name":"metadata.origin"}]}}"#
        )
    );
}

#[test]
fn the_payload_is_checked_with_the_views() {
    let answer_text = events_protocol::process_event(
        r#"{"name":"test:params:every","version":1,"id":"i-1","flowId":"f-1","payload":{"page":-1},"identity":{"user":{"id":7}},"auth":{"token":"t"},"metadata":{"origin":"app"}}"#,
    );
    assert_eq!(
        answer_text,
        answer(
            "test:params:every:badRequest",
            r#"{"code":"MISSING_FIELDS","parameters":{"fields":[{"errorType":"invalid_value","message":"invalid value: integer `-1`, expected u32","name":"page"}]}}"#
        )
    );
}

#[event_handler(name = "test:params:event", version = 1)]
fn whole(event: &Event) -> String {
    event.payload().get().to_owned()
}

#[test]
fn the_whole_request_event_is_a_parameter() {
    assert_eq!(
        call("test:params:event", r#"{"n":1.50}"#),
        answer("test:params:event:response", r#""{\"n\":1.50}""#)
    );
}

#[event_handler(legacy_name = "LegacyUserGet", version = 1)]
fn legacy() -> &'static str {
    "legacy"
}

#[test]
fn a_legacy_name_is_served_as_written() {
    assert_eq!(
        call("LegacyUserGet", "{}"),
        answer("LegacyUserGet:response", r#""legacy""#)
    );
}
