//! Our client against the Python package's `EventProcessor`
//! (`events-protocol==0.2.4`), served by `tests/interop/python_server.py`.
//!
//! Ignored by `cargo test`: `tests/interop/python_server.sh` installs the
//! package, starts the server, and runs these with `--ignored`, the server's
//! URL in `EVENTS_PYTHON_URL`.

use events_protocol::{
    Answer, CallError, EventClient, EventError, EventRequest, Redirect, error::EventErrorType,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const NEEDS_SERVER: &str = "needs the Python server: run tests/interop/python_server.sh";

fn client() -> EventClient {
    let url = std::env::var("EVENTS_PYTHON_URL")
        .unwrap_or_else(|_| panic!("EVENTS_PYTHON_URL is not set; {NEEDS_SERVER}"));
    EventClient::new(url).expect("a client of the Python server")
}

#[derive(Debug, Serialize)]
struct Greet {
    name: String,
}

#[derive(Debug, PartialEq, Deserialize)]
struct Greeting {
    text: String,
}

impl EventRequest for Greet {
    const NAME: &'static str = "interop:greet";
    const VERSION: i64 = 1;
    type Payload = Greet;
    type Response = Greeting;

    fn payload(&self) -> &Greet {
        self
    }
}

#[test]
#[ignore = "needs the Python server: run tests/interop/python_server.sh"]
fn python_success_is_classified_success_and_keeps_the_flow() {
    let answer = client()
        .event("interop:greet", 1)
        .payload(&json!({"name": "Ada"}))
        .id("session-py")
        .flow_id("flow-py")
        .send()
        .expect("an answer");
    let Answer::Success(event) = answer else {
        panic!("not a success: {answer:?}");
    };
    assert_eq!(event.name(), "interop:greet:response");
    assert_eq!((event.id(), event.flow_id()), ("session-py", "flow-py"));
    assert_eq!(
        event.payload_as::<Value>().expect("JSON"),
        json!({"text": "hello, Ada"})
    );
}

#[test]
#[ignore = "needs the Python server: run tests/interop/python_server.sh"]
fn python_typed_call_round_trips() {
    let greeting = client()
        .call(&Greet {
            name: "Grace".to_owned(),
        })
        .expect("a greeting");
    assert_eq!(
        greeting,
        Greeting {
            text: "hello, Grace".to_owned()
        }
    );
}

#[test]
#[ignore = "needs the Python server: run tests/interop/python_server.sh"]
fn python_not_found_is_classified_not_found() {
    let answer = client()
        .send_event("interop:missing", 1, &json!({}))
        .expect("an answer");
    let Answer::Error { error, event } = answer else {
        panic!("not an error: {answer:?}");
    };
    assert_eq!(event.name(), "interop:missing:notFound");
    assert_eq!(
        error,
        EventError::not_found("EVENT_NOT_FOUND").with(
            "message",
            "Event Name interop:missing of version 1 was not found"
        )
    );
}

#[test]
#[ignore = "needs the Python server: run tests/interop/python_server.sh"]
fn python_bad_request_is_classified_bad_request_with_its_fields() {
    let answer = client()
        .send_event("interop:greet", 1, &json!({"nom": "Ada"}))
        .expect("an answer");
    let Answer::Error { error, .. } = answer else {
        panic!("not an error: {answer:?}");
    };
    assert_eq!(error.error_type(), &EventErrorType::BadRequest);
    assert_eq!(error.code(), "MISSING_FIELDS");
    let fields = &error.parameters()["fields"];
    assert_eq!(fields[0]["name"], "name", "{fields}");
    assert_eq!(fields[0]["errorType"], "value_error.missing", "{fields}");
}

#[test]
#[ignore = "needs the Python server: run tests/interop/python_server.sh"]
fn python_bad_request_fails_a_typed_call_as_an_event_error() {
    #[derive(Debug, Serialize)]
    struct Nameless {}
    impl EventRequest for Nameless {
        const NAME: &'static str = "interop:greet";
        const VERSION: i64 = 1;
        type Payload = Nameless;
        type Response = Greeting;
        fn payload(&self) -> &Nameless {
            self
        }
    }
    let error = client().call(&Nameless {}).expect_err("a bad request");
    let CallError::Event(error) = error else {
        panic!("not an event error: {error:?}");
    };
    assert_eq!(error.error_type(), &EventErrorType::BadRequest);
}

#[test]
#[ignore = "needs the Python server: run tests/interop/python_server.sh"]
fn python_redirect_is_classified_redirect() {
    let answer = client()
        .send_event("interop:login", 1, &json!({}))
        .expect("an answer");
    let Answer::Redirect { redirect, .. } = answer else {
        panic!("not a redirect: {answer:?}");
    };
    assert_eq!(
        redirect,
        Redirect::to("https://example.invalid/login").with_query("next", "/home")
    );
}

#[test]
#[ignore = "needs the Python server: run tests/interop/python_server.sh"]
fn python_raised_error_is_classified_with_its_type_code_and_parameters() {
    let answer = client()
        .send_event("interop:secret", 1, &json!({}))
        .expect("an answer");
    assert_eq!(answer.error_type(), Some(&EventErrorType::Forbidden));
    let Answer::Error { error, .. } = answer else {
        panic!("not an error: {answer:?}");
    };
    assert_eq!(error, EventError::forbidden("NOT_YOURS").with("owner", 9));
}
