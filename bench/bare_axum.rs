//! The bare `axum` handler that `bench/http` loads side by side with
//! `examples/server.rs`: `POST /events` goes through the serde_json floor of
//! the processing benches (`benches/common`: the envelope read with strings
//! borrowed and the payload as a raw value, the payload read into its type,
//! the answer event written), answering `greeting:say` as the example handler
//! does, with none of the protocol's rules, lookup, context, panic guard,
//! blocking pool or log.
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

/// The bench binaries' common module: the serde_json floor this handler
/// serves is the very one the processing benches measure.
#[path = "../benches/common/mod.rs"]
mod common;

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

/// Parses the envelope and the payload, greets, writes the answer: the
/// floor, with the example's `greeting:say`.
fn answer(body: &[u8]) -> Option<String> {
    let body = std::str::from_utf8(body).ok()?;
    common::floor(body, |hello: Hello<'_>| Greeting {
        greeting: format!("hello, {}", hello.name),
    })
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
