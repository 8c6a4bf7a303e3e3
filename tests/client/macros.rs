//! Typed calls with the macros' request types: `#[event_handler]` serves the
//! event from the link-time registry and names its request type;
//! `#[derive(EventRequest)]` types a call to an event served elsewhere.

use events_protocol::{EventClient, EventError, EventRequest, Processor, event_handler};
use serde::{Deserialize, Serialize};

use crate::support;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Order {
    items: Vec<Item>,
    note: Option<String>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Item {
    sku: String,
    quantity: u32,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Placed {
    order_id: String,
    total_items: u32,
}

#[event_handler(name = "client:order:place", version = 3)]
fn place_order(order: Order) -> Result<Placed, EventError> {
    if order.items.is_empty() {
        return Err(EventError::unprocessable("EMPTY_ORDER"));
    }
    Ok(Placed {
        order_id: "o-1".to_owned(),
        total_items: order.items.iter().map(|item| item.quantity).sum(),
    })
}

/// The same event, typed by a derive, as a client of another service would.
#[derive(Serialize, EventRequest)]
#[event(name = "client:order:place", version = 3, response = Placed)]
struct PlaceOrder {
    items: Vec<Item>,
    note: Option<String>,
}

fn client() -> (EventClient, support::EventsServer) {
    let server = support::serve(Processor::new());
    let client = EventClient::new(&server.url).expect("a client");
    (client, server)
}

fn items() -> Vec<Item> {
    vec![
        Item {
            sku: "A-1".to_owned(),
            quantity: 2,
        },
        Item {
            sku: "B-2".to_owned(),
            quantity: 3,
        },
    ]
}

#[test]
fn handler_request_type_calls_its_handler_over_http() {
    let (client, server) = client();
    let placed = client
        .call(&PlaceOrderRequest(Order {
            items: items(),
            note: Some("ring twice".to_owned()),
        }))
        .expect("placed");
    assert_eq!(
        placed,
        Placed {
            order_id: "o-1".to_owned(),
            total_items: 5
        }
    );
    let body: serde_json::Value =
        serde_json::from_str(&server.requests()[0].body).expect("a JSON request");
    assert_eq!(body["name"], "client:order:place");
    assert_eq!(body["version"], 3);
}

#[test]
fn derived_request_type_calls_the_event_and_reads_its_errors() {
    let (client, _server) = client();
    let placed = client
        .call(&PlaceOrder {
            items: items(),
            note: None,
        })
        .expect("placed");
    assert_eq!(placed.total_items, 5);
    let error = client
        .call(&PlaceOrder {
            items: Vec::new(),
            note: None,
        })
        .expect_err("an empty order");
    assert_eq!(
        error.event_error(),
        Some(&EventError::unprocessable("EMPTY_ORDER"))
    );
}
