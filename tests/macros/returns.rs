//! What a handler returns, and the exact event each form answers.

use std::collections::BTreeMap;

use events_protocol::{EventError, IntoResponse, Json, Redirect, Response, event_handler};
use serde::{Deserialize, Serialize};

use crate::{answer, call};

#[derive(Serialize)]
struct Profile {
    name: String,
}

fn ada() -> Profile {
    Profile {
        name: "Ada".to_owned(),
    }
}

#[derive(Deserialize)]
struct Switch {
    ok: bool,
}

#[event_handler(name = "test:returns:nothing", version = 1)]
fn nothing() {}

#[test]
fn a_handler_that_returns_nothing_answers_null() {
    assert_eq!(
        call("test:returns:nothing", "{}"),
        answer("test:returns:nothing:response", "null")
    );
}

#[event_handler(name = "test:returns:value", version = 1)]
fn value() -> Profile {
    ada()
}

#[test]
fn a_serializable_value_is_the_success_payload() {
    assert_eq!(
        call("test:returns:value", "{}"),
        answer("test:returns:value:response", r#"{"name":"Ada"}"#)
    );
}

#[event_handler(name = "test:returns:result", version = 1)]
fn result(switch: Switch) -> Result<Profile, EventError> {
    if switch.ok {
        Ok(ada())
    } else {
        Err(EventError::forbidden("NOT_YOURS").with("owner", "Bo"))
    }
}

#[test]
fn ok_of_a_result_is_the_success_payload() {
    assert_eq!(
        call("test:returns:result", r#"{"ok":true}"#),
        answer("test:returns:result:response", r#"{"name":"Ada"}"#)
    );
}

#[test]
fn err_of_a_result_answers_its_error_type() {
    assert_eq!(
        call("test:returns:result", r#"{"ok":false}"#),
        answer(
            "test:returns:result:forbidden",
            r#"{"code":"NOT_YOURS","parameters":{"owner":"Bo"}}"#
        )
    );
}

/// A service's own error.
enum LookupError {
    Gone(u32),
}

impl From<LookupError> for EventError {
    fn from(error: LookupError) -> EventError {
        match error {
            LookupError::Gone(id) => EventError::gone("PROFILE_GONE").with("id", id),
        }
    }
}

#[event_handler(name = "test:returns:own_error", version = 1)]
fn own_error() -> Result<(), LookupError> {
    Err(LookupError::Gone(4))
}

#[test]
fn an_error_converts_into_event_error() {
    assert_eq!(
        call("test:returns:own_error", "{}"),
        answer(
            "test:returns:own_error:gone",
            r#"{"code":"PROFILE_GONE","parameters":{"id":4}}"#
        )
    );
}

type Answer = Result<Profile, EventError>;

#[event_handler(name = "test:returns:alias", version = 1)]
fn alias() -> Answer {
    Err(EventError::not_found("NO_PROFILE"))
}

#[test]
fn an_alias_of_result_answers_as_the_result() {
    assert_eq!(
        call("test:returns:alias", "{}"),
        answer(
            "test:returns:alias:notFound",
            r#"{"code":"NO_PROFILE","parameters":{}}"#
        )
    );
}

#[event_handler(name = "test:returns:json", version = 1)]
fn json() -> Json<Vec<u8>> {
    Json(vec![1, 2])
}

#[test]
fn json_is_a_success() {
    assert_eq!(
        call("test:returns:json", "{}"),
        answer("test:returns:json:response", "[1,2]")
    );
}

#[event_handler(name = "test:returns:response", version = 1)]
fn full_control() -> Response {
    Response::new("accepted", &ada())
        .with_identity(&BTreeMap::from([("userId", 7)]))
        .with_metadata(&BTreeMap::from([("origin", "profiles")]))
}

#[test]
fn a_response_is_answered_as_built() {
    assert_eq!(
        call("test:returns:response", "{}"),
        r#"{"name":"test:returns:response:accepted","version":1,"id":"i-1","flowId":"f-1","payload":{"name":"Ada"},"identity":{"userId":7},"auth":{},"metadata":{"origin":"profiles"}}"#
    );
}

#[event_handler(name = "test:returns:response_result", version = 1)]
fn response_result(switch: Switch) -> Result<Response, EventError> {
    if switch.ok {
        Ok(Response::success(&ada()).with_metadata(&BTreeMap::from([("cached", true)])))
    } else {
        Err(EventError::unauthorized("LOGIN_FIRST"))
    }
}

#[test]
fn a_result_of_a_response_answers_either() {
    assert_eq!(
        call("test:returns:response_result", r#"{"ok":true}"#),
        r#"{"name":"test:returns:response_result:response","version":1,"id":"i-1","flowId":"f-1","payload":{"name":"Ada"},"identity":{},"auth":{},"metadata":{"cached":true}}"#
    );
    assert_eq!(
        call("test:returns:response_result", r#"{"ok":false}"#),
        answer(
            "test:returns:response_result:unauthorized",
            r#"{"code":"LOGIN_FIRST","parameters":{}}"#
        )
    );
}

#[event_handler(name = "test:returns:redirect", version = 1)]
fn redirect() -> Redirect {
    Redirect::to("https://example.com/login").with_query("next", "/home")
}

#[test]
fn a_redirect_answers_redirect() {
    assert_eq!(
        call("test:returns:redirect", "{}"),
        answer(
            "test:returns:redirect:redirect",
            r#"{"url":"https://example.com/login","queryParameters":{"next":"/home"}}"#
        )
    );
}

#[event_handler(name = "test:returns:redirect_result", version = 1)]
fn redirect_result(switch: Switch) -> Result<Redirect, EventError> {
    if switch.ok {
        Ok(Redirect::to("https://example.com"))
    } else {
        Err(EventError::expired("LINK_EXPIRED"))
    }
}

#[test]
fn a_result_of_a_redirect_answers_either() {
    assert_eq!(
        call("test:returns:redirect_result", r#"{"ok":true}"#),
        answer(
            "test:returns:redirect_result:redirect",
            r#"{"url":"https://example.com","queryParameters":{}}"#
        )
    );
    assert_eq!(
        call("test:returns:redirect_result", r#"{"ok":false}"#),
        answer(
            "test:returns:redirect_result:expired",
            r#"{"code":"LINK_EXPIRED","parameters":{}}"#
        )
    );
}

#[event_handler(name = "test:returns:error", version = 1)]
fn error() -> EventError {
    EventError::unprocessable("CLOSED")
}

#[test]
fn an_event_error_answers_its_type() {
    assert_eq!(
        call("test:returns:error", "{}"),
        answer(
            "test:returns:error:unprocessable",
            r#"{"code":"CLOSED","parameters":{}}"#
        )
    );
}

#[event_handler(name = "test:returns:impl_into_response", version = 1)]
fn impl_into_response() -> impl IntoResponse {
    Json("opaque")
}

#[event_handler(name = "test:returns:impl_serialize", version = 1)]
fn impl_serialize() -> impl Serialize {
    [true]
}

#[test]
fn impl_trait_returns_answer_by_their_trait() {
    assert_eq!(
        call("test:returns:impl_into_response", "{}"),
        answer("test:returns:impl_into_response:response", r#""opaque""#)
    );
    assert_eq!(
        call("test:returns:impl_serialize", "{}"),
        answer("test:returns:impl_serialize:response", "[true]")
    );
}

/// A type of the service's own that answers by itself; it is serialisable
/// too, and `IntoResponse` wins.
#[derive(Serialize)]
struct Teapot;

impl IntoResponse for Teapot {
    fn into_response(self) -> Response {
        Response::new("teapot", &BTreeMap::from([("short", "stout")]))
    }
}

#[event_handler(name = "test:returns:own_answer", version = 1)]
fn own_answer() -> Teapot {
    Teapot
}

#[test]
fn a_type_of_one_s_own_answers_by_its_into_response() {
    assert_eq!(
        call("test:returns:own_answer", "{}"),
        answer("test:returns:own_answer:teapot", r#"{"short":"stout"}"#)
    );
}

#[event_handler(name = "test:returns:option", version = 1)]
fn option(switch: Switch) -> Option<u8> {
    switch.ok.then_some(1)
}

#[test]
fn an_option_is_a_serializable_value() {
    assert_eq!(
        call("test:returns:option", r#"{"ok":true}"#),
        answer("test:returns:option:response", "1")
    );
    assert_eq!(
        call("test:returns:option", r#"{"ok":false}"#),
        answer("test:returns:option:response", "null")
    );
}

#[event_handler(name = "test:returns:unserializable", version = 1)]
fn unserializable() -> BTreeMap<(u8, u8), u8> {
    BTreeMap::from([((1, 2), 3)])
}

#[test]
fn a_value_that_cannot_be_serialised_answers_unhandled_error() {
    assert_eq!(
        call("test:returns:unserializable", "{}"),
        answer(
            "test:returns:unserializable:error",
            r#"{"code":"UNHANDLED_ERROR","parameters":{}}"#
        )
    );
}

#[event_handler(name = "test:returns:panic", version = 1)]
fn panics() -> u8 {
    panic!("secret detail")
}

#[test]
fn a_panic_answers_unhandled_error_without_its_text() {
    assert_eq!(
        call("test:returns:panic", "{}"),
        answer(
            "test:returns:panic:error",
            r#"{"code":"UNHANDLED_ERROR","parameters":{}}"#
        )
    );
}
