//! The catalog of the handlers (PROTOCOL.md §9): what it lists, in process
//! and over HTTP, where it is served only when asked for.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use events_protocol::catalog::{CATALOG_PATH, Catalog};
use events_protocol::client::CatalogError;
use events_protocol::registry::{HandlerFn, HandlerKind, Registration};
use events_protocol::service::EventsService;
use events_protocol::{
    Event, EventClient, EventError, Json, Processor, Registry, Response, event_handler,
};
use schemars::JsonSchema;
use serde::Deserialize;

#[path = "support/axum_server.rs"]
mod axum_server;

use axum_server::Served;

/// Doubles a number.
///
/// Any `i32`:
///     `21` gives `42`.
#[event_handler(name = "catalog:math:double", version = 1, inline)]
fn double(n: i32) -> i64 {
    i64::from(n) * 2
}

/// Whom to greet.
#[derive(Deserialize, JsonSchema)]
struct Greet {
    /// Their name.
    name: String,
}

/**
    Greets, asynchronously.
*/
#[event_handler(name = "catalog:greet", version = 2)]
async fn greet(whom: Greet) -> Result<Json<String>, EventError> {
    Ok(Json(format!("hello, {}", whom.name)))
}

/// A payload type without `JsonSchema`: no schema, and no compile error.
#[derive(Deserialize)]
struct Opaque {
    #[allow(dead_code)]
    n: u8,
}

#[event_handler(name = "catalog:opaque", version = 1)]
fn opaque(_opaque: Opaque) -> Response {
    Response::success("seen")
}

fn by_hand(_event: &Event<'_>) -> Response {
    Response::success("by hand")
}

events_protocol::registry::inventory::submit! {
    Registration::new("catalog:by_hand", 1, HandlerFn::Blocking(by_hand), file!(), line!())
        .with_doc("Registered by hand.")
}

/// The catalog of this test program's link-time handlers, as served.
const CATALOG: &str = concat!(
    r#"{"events":["#,
    r#"{"name":"catalog:by_hand","version":1,"kind":"blocking","doc":"Registered by hand.","payloadSchema":null,"responseSchema":null},"#,
    r#"{"name":"catalog:greet","version":2,"kind":"async","doc":"Greets, asynchronously.","#,
    r#""payloadSchema":{"$schema":"https://json-schema.org/draft/2020-12/schema","description":"Whom to greet.","properties":{"name":{"description":"Their name.","type":"string"}},"required":["name"],"title":"Greet","type":"object"},"#,
    r#""responseSchema":{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"string","type":"string"}},"#,
    r#"{"name":"catalog:math:double","version":1,"kind":"inline","doc":"Doubles a number.\n\nAny `i32`:\n    `21` gives `42`.","#,
    r#""payloadSchema":{"$schema":"https://json-schema.org/draft/2020-12/schema","format":"int32","title":"int32","type":"integer"},"#,
    r#""responseSchema":{"$schema":"https://json-schema.org/draft/2020-12/schema","format":"int64","title":"int64","type":"integer"}},"#,
    r#"{"name":"catalog:opaque","version":1,"kind":"blocking","doc":null,"payloadSchema":null,"responseSchema":null}"#,
    r#"]}"#,
);

#[test]
fn catalog_lists_every_handler_sorted_with_its_kind_doc_and_schemas() {
    assert_eq!(Processor::new().catalog().to_json(), CATALOG);
    assert_eq!(Registry::global().catalog(), Processor::new().catalog());
}

#[test]
fn catalog_of_closures_registered_by_hand_has_kinds_and_nothing_else() {
    let mut registry = Registry::new();
    registry
        .register("hand:b", 1, |_: &Event<'_>| Json(1))
        .and_then(|registry| registry.register_inline("hand:a", 2, |_: &Event<'_>| Json(2)))
        .and_then(|registry| registry.register_async("hand:a", 1, |_| async { Json(3) }))
        .expect("no duplicate");
    assert_eq!(
        Processor::from_registry(registry).catalog().to_json(),
        concat!(
            r#"{"events":["#,
            r#"{"name":"hand:a","version":1,"kind":"async","doc":null,"payloadSchema":null,"responseSchema":null},"#,
            r#"{"name":"hand:a","version":2,"kind":"inline","doc":null,"payloadSchema":null,"responseSchema":null},"#,
            r#"{"name":"hand:b","version":1,"kind":"blocking","doc":null,"payloadSchema":null,"responseSchema":null}"#,
            r#"]}"#
        )
    );
}

#[test]
fn an_event_declared_twice_is_not_listed() {
    static TWICE: Registration =
        Registration::new("twice:a", 1, HandlerFn::Blocking(by_hand), "a.rs", 1);
    static AGAIN: Registration =
        Registration::new("twice:a", 1, HandlerFn::Inline(by_hand), "b.rs", 2);
    let mut registry = Registry::new();
    registry.register_static(&TWICE).expect("the first");
    assert!(registry.register_static(&AGAIN).is_err());
    registry.register("twice:b", 1, by_hand).expect("another");
    let names: Vec<(String, HandlerKind)> = registry
        .catalog()
        .events
        .into_iter()
        .map(|event| (event.name, event.kind))
        .collect();
    assert_eq!(
        names,
        [
            ("twice:a".to_owned(), HandlerKind::Blocking),
            ("twice:b".to_owned(), HandlerKind::Blocking)
        ]
    );
}

#[test]
fn catalog_is_read_back_from_its_json_ignoring_unknown_keys() {
    let catalog = Catalog::from_json(CATALOG).expect("a catalog");
    assert_eq!(catalog, Processor::new().catalog());
    let other = Catalog::from_json(
        r#"{"service":"py","events":[{"name":"a:b","version":1,"kind":"blocking","extra":true}]}"#,
    )
    .expect("a catalog of another implementation");
    assert_eq!(
        other.to_json(),
        r#"{"events":[{"name":"a:b","version":1,"kind":"blocking","doc":null,"payloadSchema":null,"responseSchema":null}]}"#
    );
    assert!(Catalog::from_json(r#"{"events":[{"name":"a:b","version":1}]}"#).is_err());
}

/// `method path` sent over HTTP/1.1: the status line, the headers (lower
/// case names, sorted, without `date`) and the body.
fn http(address: SocketAddr, method: &str, path: &str) -> (String, Vec<(String, String)>, String) {
    let mut stream = TcpStream::connect(address).expect("a connection");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("the request sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("the answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default().to_owned();
    let mut headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
        .filter(|(name, _)| name != "date")
        .collect();
    headers.sort();
    (status, headers, body.to_owned())
}

fn header(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

/// The `axum` routes with the catalog route beside them, as the example
/// server mounts it.
fn served_with_catalog() -> Served {
    let processor = Processor::new();
    Served::start(events_protocol::axum::routes(processor.clone()).route(
        CATALOG_PATH,
        events_protocol::axum::catalog_route(processor),
    ))
}

/// The `tower` service alone, over hyper.
fn served_service(service: EventsService) -> Served {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;

    Served::start_with(move |listener| async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

#[test]
fn catalog_route_answers_get_with_the_catalog_as_json() {
    let served = served_with_catalog();
    let (status, headers, body) = http(served.address, "GET", "/events/catalog");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        headers,
        header(&[
            ("connection", "close"),
            ("content-length", &CATALOG.len().to_string()),
            ("content-type", "application/json"),
        ])
    );
    assert_eq!(body, CATALOG);
}

#[test]
fn catalog_route_answers_head_without_a_body_and_refuses_other_methods() {
    let served = served_with_catalog();
    let (status, _, body) = http(served.address, "HEAD", "/events/catalog");
    assert_eq!((status.as_str(), body.as_str()), ("HTTP/1.1 200 OK", ""));
    let (status, headers, body) = http(served.address, "POST", "/events/catalog");
    assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
    assert_eq!(
        headers,
        header(&[
            ("allow", "GET, HEAD"),
            ("connection", "close"),
            ("content-length", "29"),
            ("content-type", "text/plain; charset=utf-8"),
        ])
    );
    assert_eq!(body, "the catalog is read with GET\n");
}

#[test]
fn catalog_is_not_served_unless_asked_for() {
    let routes = Served::start(events_protocol::axum::router());
    let (status, _, _) = http(routes.address, "GET", "/events/catalog");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    let service = served_service(EventsService::new(Processor::new()));
    let (status, _, body) = http(service.address, "GET", "/events/catalog");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert_eq!(body, "no events route at this path\n");
}

#[test]
fn events_service_with_catalog_answers_get_events_catalog() {
    let served = served_service(EventsService::new(Processor::new()).with_catalog());
    let (status, headers, body) = http(served.address, "GET", "/events/catalog");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        headers,
        header(&[
            ("connection", "close"),
            ("content-length", &CATALOG.len().to_string()),
            ("content-type", "application/json"),
        ])
    );
    assert_eq!(body, CATALOG);
    // the events route is unchanged
    let (status, _, _) = http(served.address, "GET", "/events");
    assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
}

#[test]
fn client_reads_the_catalog_at_the_events_url_followed_by_catalog() {
    let served = served_with_catalog();
    for url in [served.url(), format!("{}/", served.url())] {
        let client = EventClient::new(url).expect("a client");
        assert_eq!(
            client.catalog().expect("the catalog"),
            Processor::new().catalog()
        );
    }
}

#[test]
fn client_says_when_a_service_does_not_serve_its_catalog() {
    let served = Served::start(events_protocol::axum::router());
    let client = EventClient::new(served.url()).expect("a client");
    let error = client.catalog().expect_err("no catalog");
    assert!(error.is_not_served(), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("GET {}/catalog answered HTTP 404", served.url())
    );
    let served = served_with_catalog();
    let error = EventClient::new(format!("http://{}/other", served.address))
        .expect("a client")
        .catalog()
        .expect_err("no catalog there");
    assert!(
        matches!(error, CatalogError::Status { status: 404, .. }),
        "{error:?}"
    );
}
