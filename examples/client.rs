//! Calls the example server (`cargo run --example server`) with each of its
//! events, and an event nobody serves, and prints how each was answered.
//!
//! ```text
//! cargo run --example client
//! cargo run --example client -- http://127.0.0.1:9000/events
//! ```
//!
//! The URL is the first argument, else `EVENTS_URL`, else
//! `http://127.0.0.1:8080/events`.
//!
//! The last call continues a trace: that of `TRACEPARENT` (a W3C
//! `traceparent`, as a caller's tracer gives it) when it is set, else a new
//! one. The server logs its trace id on the lines of `greeting:relay` and of
//! the `greeting:say` it calls.

use std::error::Error;

use events_protocol::trace::TraceContext;
use events_protocol::{Answer, EventClient, EventRequest};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A typed request: the event, its payload and the type its answer reads
/// into, checked by the compiler.
#[derive(Serialize, EventRequest)]
#[event(name = "greeting:say", version = 1, response = Greeting)]
struct SayHello {
    name: String,
}

#[derive(Debug, Deserialize)]
struct Greeting {
    greeting: String,
}

/// One line for an answer: its kind, then what it carries.
fn describe(answer: &Answer) -> String {
    match answer {
        Answer::Success(event) => format!("success   {}", event.payload()),
        Answer::Redirect { redirect, .. } => format!(
            "redirect  {} {}",
            redirect.url,
            serde_json::Value::Object(redirect.query_parameters.clone())
        ),
        Answer::Error { error, .. } => format!(
            "error     {} {} {}",
            error.error_type(),
            error.code(),
            serde_json::Value::Object(error.parameters().clone())
        ),
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("EVENTS_URL").ok())
        .unwrap_or_else(|| "http://127.0.0.1:8080/events".to_owned());
    let client = EventClient::builder(url)
        .metadata(&json!({"origin": "example-client"}))
        .build()?;

    let calls = [
        ("greeting:say", json!({"name": "Ada"}), json!({})),
        ("greeting:say", json!({"nom": "Ada"}), json!({})),
        ("account:withdraw", json!({"amount": 30}), json!({})),
        ("account:withdraw", json!({"amount": 500}), json!({})),
        ("page:home:open", json!({}), json!({})),
        ("user:profile:get", json!({}), json!({"userId": 42})),
        ("user:profile:get", json!({}), json!({"userId": 7})),
        ("report:build", json!({"rows": 2}), json!({})),
        ("greeting:relay", json!({"name": "Grace"}), json!({})),
        ("no:such:event", json!({}), json!({})),
    ];
    for (name, payload, identity) in calls {
        let answer = client
            .event(name, 1)
            .payload(&payload)
            .identity(&identity)
            .send()?;
        println!(
            "{name:<18} {:<18} -> {}",
            payload.to_string(),
            describe(&answer)
        );
    }

    let greeting = client.call(&SayHello {
        name: "Linus".to_owned(),
    })?;
    println!("typed call {:<26} -> {}", SayHello::NAME, greeting.greeting);

    // a call that continues a trace: this program's span, a child of the
    // caller's, is sent in `metadata.trace` as the parent of the server's
    let caller = std::env::var("TRACEPARENT")
        .ok()
        .and_then(|traceparent| TraceContext::from_traceparent_header(&traceparent));
    let span = caller.map_or_else(TraceContext::root, |caller| caller.child());
    let answer = client
        .event("greeting:relay", 1)
        .payload(&json!({"name": "Trace"}))
        .trace(span.clone())
        .send()?;
    println!(
        "traced {:<30} -> {}  (trace {})",
        span.traceparent(),
        describe(&answer),
        span.trace_id()
    );
    Ok(())
}
