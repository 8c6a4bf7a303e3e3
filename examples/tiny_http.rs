//! The same handlers as `examples/server.rs`, served by `tiny_http`, a
//! synchronous HTTP server, with no async runtime at all: a `Processor`
//! needs nothing from `axum`. Any framework does the same four things:
//! accept `POST` only, cap the body, hand the bytes to
//! `Processor::process_bytes`, answer `200` with `application/json`.
//!
//! ```text
//! cargo run --example tiny_http
//! cargo run --example tiny_http -- 127.0.0.1:9000
//! ```
//!
//! The address is the first argument, else `EVENTS_LISTEN`, else
//! `127.0.0.1:8081`.

mod handlers;

use std::error::Error;
use std::io::Read;
use std::sync::Arc;
use std::thread;

use events_protocol::Processor;
use events_protocol::processor::DEFAULT_MAX_BODY_BYTES;
use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

/// How many requests are answered at once.
const WORKERS: usize = 8;

/// Answers one HTTP request by PROTOCOL.md §6.
fn answer(processor: &Processor, mut request: Request) -> std::io::Result<()> {
    let path = request.url().split('?').next().unwrap_or_default();
    if path != "/events" && path != "/events/" {
        return request.respond(Response::empty(StatusCode(404)));
    }
    if *request.method() != Method::Post {
        let allow = Header::from_bytes("Allow", "POST").expect("a valid header");
        return request.respond(Response::empty(StatusCode(405)).with_header(allow));
    }
    if request
        .body_length()
        .is_some_and(|length| length > DEFAULT_MAX_BODY_BYTES)
    {
        return request.respond(Response::empty(StatusCode(413)));
    }
    // read one byte past the limit, to tell a body at the limit from one over it
    let mut body = Vec::new();
    let limit = DEFAULT_MAX_BODY_BYTES as u64 + 1;
    if let Err(error) = request.as_reader().take(limit).read_to_end(&mut body) {
        eprintln!("cannot read a request body: {error}");
        return request.respond(Response::empty(StatusCode(400)));
    }
    if body.len() > DEFAULT_MAX_BODY_BYTES {
        return request.respond(Response::empty(StatusCode(413)));
    }

    let answer = processor.process_bytes(&body);

    let json = Header::from_bytes("Content-Type", "application/json").expect("a valid header");
    request.respond(Response::from_string(answer).with_header(json))
}

fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let listen = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("EVENTS_LISTEN").ok())
        .unwrap_or_else(|| "127.0.0.1:8081".to_owned());
    let server = Arc::new(Server::http(listen.as_str())?);
    let url = format!("http://{}/events", server.server_addr());
    let processor = handlers::processor(&url)?;
    processor.check()?;
    println!("answering events on {url}");

    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let server = Arc::clone(&server);
            let processor = processor.clone();
            thread::spawn(move || {
                for request in server.incoming_requests() {
                    if let Err(error) = answer(&processor, request) {
                        eprintln!("cannot answer a request: {error}");
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        if worker.join().is_err() {
            eprintln!("a worker stopped");
        }
    }
    Ok(())
}
