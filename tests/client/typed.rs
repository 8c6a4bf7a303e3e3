//! Typed calls: any `EventRequest` in, its response type out, and each way
//! a call can fail told apart.

use events_protocol::client::{CallError, EventClient, SendError};
use events_protocol::{
    Event, EventError, EventRequest, Redirect, Registry,
    error::{EventErrorType, MismatchKind},
};
use serde::{Deserialize, Serialize};

use crate::clients::{Client, Event as Sent, FLAVORS};
use crate::{client_of, support};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Address {
    street: String,
    zip: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Customer {
    customer_id: u64,
    name: String,
    addresses: Vec<Address>,
    tags: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SaveCustomer {
    customer: Customer,
    dry_run: bool,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Saved {
    customer: Customer,
    revision: u32,
    billing: Address,
}

impl EventRequest for SaveCustomer {
    const NAME: &'static str = "customer:save";
    const VERSION: i64 = 2;
    type Payload = SaveCustomer;
    type Response = Saved;

    fn payload(&self) -> &SaveCustomer {
        self
    }
}

/// A request to a handler that answers what the request's `answer` says.
#[derive(Debug, Serialize)]
struct Ask {
    answer: &'static str,
}

#[derive(Debug, PartialEq, Deserialize)]
struct Count {
    count: u32,
}

impl EventRequest for Ask {
    const NAME: &'static str = "test:ask";
    const VERSION: i64 = 1;
    type Payload = Ask;
    type Response = Count;

    fn payload(&self) -> &Ask {
        self
    }
}

fn registry() -> Registry {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Incoming {
        customer: Customer,
        dry_run: bool,
    }
    #[derive(Serialize)]
    struct Outgoing<'a> {
        customer: &'a Customer,
        revision: u32,
        billing: &'a Address,
    }
    #[derive(Deserialize)]
    struct Asked {
        answer: String,
    }
    let mut registry = Registry::new();
    registry
        .register("customer:save", 2, |event: &Event<'_>| {
            let incoming: Incoming = event.payload_as().map_err(|error| {
                EventError::bad_request("MISSING_FIELDS").with("path", error.path())
            })?;
            let Some(billing) = incoming.customer.addresses.first() else {
                return Err(EventError::bad_request("NO_ADDRESS"));
            };
            let revision = if incoming.dry_run { 0 } else { 7 };
            Ok(events_protocol::Response::success(&Outgoing {
                customer: &incoming.customer,
                revision,
                billing,
            }))
        })
        .expect("register customer:save")
        .register("test:ask", 1, |event: &Event<'_>| {
            let asked: Asked = event
                .payload_as()
                .map_err(|_| EventError::bad_request("ASK"))?;
            Ok::<_, EventError>(match asked.answer.as_str() {
                "count" => events_protocol::Response::success(&serde_json::json!({"count": 3})),
                "wrong" => {
                    events_protocol::Response::success(&serde_json::json!({"count": "three"}))
                }
                "redirect" => {
                    events_protocol::Response::redirect(&Redirect::to("https://example.invalid/"))
                }
                _ => events_protocol::Response::error(
                    &EventError::forbidden("NOT_YOURS").with("owner", 9),
                ),
            })
        })
        .expect("register test:ask");
    registry
}

fn customer() -> Customer {
    Customer {
        customer_id: 12_345_678_901,
        name: "Ada Lovelace".to_owned(),
        addresses: vec![
            Address {
                street: "12 St James's Square".to_owned(),
                zip: "SW1Y 4JH".to_owned(),
            },
            Address {
                street: "Ockham Park".to_owned(),
                zip: "GU23 6NP".to_owned(),
            },
        ],
        tags: Some(vec!["vip".to_owned()]),
    }
}

#[test]
fn typed_call_round_trips_structs_with_nested_fields() {
    let (client, server) = client_of(registry());
    let saved = client
        .call(&SaveCustomer {
            customer: customer(),
            dry_run: false,
        })
        .expect("saved");
    assert_eq!(
        saved,
        Saved {
            customer: customer(),
            revision: 7,
            billing: customer().addresses[0].clone(),
        }
    );
    let body: serde_json::Value =
        serde_json::from_str(&server.requests()[0].body).expect("a JSON request");
    assert_eq!(body["name"], "customer:save");
    assert_eq!(body["version"], 2);
    assert_eq!(
        body["payload"],
        serde_json::json!({
            "customer": {
                "customerId": 12_345_678_901_u64,
                "name": "Ada Lovelace",
                "addresses": [
                    {"street": "12 St James's Square", "zip": "SW1Y 4JH"},
                    {"street": "Ockham Park", "zip": "GU23 6NP"}
                ],
                "tags": ["vip"]
            },
            "dryRun": false
        })
    );
}

#[test]
fn typed_call_takes_per_call_fields() {
    let event = Sent {
        id: Some("i-7"),
        flow_id: Some("f-7"),
        identity: Some(serde_json::json!({"userId": 5})),
        headers: vec![("x-trace", "on")],
        ..Sent::named("ignored:by:typed:calls")
    };
    for flavor in FLAVORS {
        let server = support::serve(events_protocol::Processor::from_registry(registry()));
        let count = Client::of(flavor, &server.url)
            .call(&Ask { answer: "count" }, &event)
            .expect("a count");
        assert_eq!(count, Count { count: 3 }, "{flavor:?}");
        let request = &server.requests()[0];
        assert_eq!(request.header("x-trace"), Some("on"), "{flavor:?}");
        assert_eq!(
            request.body,
            r#"{"name":"test:ask","version":1,"id":"i-7","flowId":"f-7","payload":{"answer":"count"},"identity":{"userId":5},"auth":{},"metadata":{}}"#,
            "{flavor:?}"
        );
    }
}

#[test]
fn typed_call_error_answer_is_an_event_error_with_type_code_and_parameters() {
    for flavor in FLAVORS {
        let server = support::serve(events_protocol::Processor::from_registry(registry()));
        let error = Client::of(flavor, &server.url)
            .call(&Ask { answer: "no" }, &Sent::named("ignored"))
            .expect_err("an error");
        assert_eq!(
            error.event_error(),
            Some(&EventError::forbidden("NOT_YOURS").with("owner", 9)),
            "{flavor:?}"
        );
        assert!(
            matches!(
                error,
                CallError::Event(ref event) if event.error_type() == &EventErrorType::Forbidden
            ),
            "{flavor:?}"
        );
    }
}

#[test]
fn typed_call_redirect_answer_is_a_redirect_error() {
    let (client, _server) = client_of(registry());
    let error = client
        .call(&Ask { answer: "redirect" })
        .expect_err("a redirect");
    let CallError::Redirect(redirect) = error else {
        panic!("not a redirect: {error:?}");
    };
    assert_eq!(redirect, Redirect::to("https://example.invalid/"));
}

#[test]
fn typed_call_answer_that_does_not_fit_is_a_payload_error_naming_the_path() {
    let (client, _server) = client_of(registry());
    let error = client.call(&Ask { answer: "wrong" }).expect_err("a misfit");
    let CallError::Payload {
        name,
        payload,
        error,
    } = error
    else {
        panic!("not a payload error: {error:?}");
    };
    assert_eq!(name, "test:ask:response");
    assert_eq!(payload, r#"{"count":"three"}"#);
    assert_eq!(error.path(), "count");
    assert_eq!(error.kind(), MismatchKind::InvalidType);
}

#[test]
fn typed_call_transport_failure_is_a_send_error() {
    let client = EventClient::new(support::refused_url()).expect("a client");
    let error = client
        .call(&Ask { answer: "count" })
        .expect_err("no server");
    assert!(
        matches!(error, CallError::Send(SendError::Connection { .. })),
        "{error:?}"
    );
}

#[test]
fn typed_call_bad_request_from_the_server_is_an_event_error() {
    let (client, _server) = client_of(registry());
    let error = client
        .call(&SaveCustomer {
            customer: Customer {
                addresses: Vec::new(),
                ..customer()
            },
            dry_run: true,
        })
        .expect_err("no address");
    assert_eq!(
        error.event_error(),
        Some(&EventError::bad_request("NO_ADDRESS"))
    );
}
