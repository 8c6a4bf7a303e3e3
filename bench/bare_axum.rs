//! The bare `axum` handler that `bench/http` loads side by side with
//! `examples/server.rs`: `POST /events` parses the same JSON envelope with
//! serde_json (strings borrowed, payload as a raw value, then read into its
//! type), answers `greeting:say` as the example handler does, and writes the
//! same answer event, with none of the protocol's rules, lookup, context,
//! panic guard, blocking pool or log.
//!
//! ```text
//! cargo run --release --example bench_bare_axum -- --port 8081
//! ```
//!
//! Listens on `127.0.0.1`, on `--port` (default `8081`; `0` picks a free
//! one, printed on standard output), until it is killed.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The envelope: strings borrowed, the four objects kept as raw JSON text.
#[derive(Deserialize)]
struct Envelope<'a> {
    name: &'a str,
    version: i64,
    id: &'a str,
    #[serde(rename = "flowId")]
    flow_id: &'a str,
    #[serde(borrow)]
    payload: &'a RawValue,
    #[serde(borrow)]
    identity: &'a RawValue,
    #[serde(borrow)]
    auth: &'a RawValue,
    #[serde(borrow)]
    metadata: &'a RawValue,
}

/// The payload of `greeting:say`.
#[derive(Deserialize)]
struct Hello<'a> {
    name: &'a str,
}

/// The answer of `greeting:say`.
#[derive(Serialize)]
struct Greeting {
    greeting: String,
}

/// The answer's name, `<name>:response`, written without an allocation.
struct Suffixed<'a>(&'a str);

impl Serialize for Suffixed<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}:response", self.0))
    }
}

/// `{}`.
#[derive(Serialize)]
struct Empty {}

/// The answer event.
#[derive(Serialize)]
struct Answer<'a> {
    name: Suffixed<'a>,
    version: i64,
    id: &'a str,
    #[serde(rename = "flowId")]
    flow_id: &'a str,
    payload: Greeting,
    identity: Empty,
    auth: Empty,
    metadata: Empty,
}

/// Parses the envelope and the payload, greets, writes the answer.
fn answer(body: &[u8]) -> Option<String> {
    let envelope: Envelope<'_> = serde_json::from_slice(body).ok()?;
    let hello: Hello<'_> = serde_json::from_str(envelope.payload.get()).ok()?;
    let _ = (envelope.identity, envelope.auth, envelope.metadata);
    serde_json::to_string(&Answer {
        name: Suffixed(envelope.name),
        version: envelope.version,
        id: envelope.id,
        flow_id: envelope.flow_id,
        payload: Greeting {
            greeting: format!("hello, {}", hello.name),
        },
        identity: Empty {},
        auth: Empty {},
        metadata: Empty {},
    })
    .ok()
}

async fn events(body: Bytes) -> Response {
    match answer(&body) {
        Some(answer) => {
            let mut response = Response::new(answer.into());
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        None => StatusCode::BAD_REQUEST.into_response(),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut port: u16 = 8081;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next().map(|value| value.parse())) {
            ("--port", Some(Ok(value))) => port = value,
            _ => {
                eprintln!("usage: bench_bare_axum [--port PORT]");
                std::process::exit(2);
            }
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("{}", listener.local_addr()?.port());
    let app = Router::new()
        .route("/events", post(events))
        .route("/events/", post(events));
    axum::serve(listener, app).await
}
