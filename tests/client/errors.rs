//! `?` across calls: a handler that calls another service answers the
//! error that service answered, or an `error` naming the class of the
//! failure (PROTOCOL.md §6), never the URL or the body it got.

use std::thread;
use std::time::Duration;

use events_protocol::client::{AsyncEventClient, CallError, EventClient};
use events_protocol::{
    Event, EventError, EventRequest, Json, Processor, Registry, request::NoPayload,
};
use serde_json::Value;

use crate::clients::{FLAVORS, Flavor};
use crate::support;

/// The call service A makes to service B.
struct Lookup;

impl EventRequest for Lookup {
    const NAME: &'static str = "b:lookup";
    const VERSION: i64 = 1;
    type Payload = NoPayload;
    type Response = Value;

    fn payload(&self) -> &NoPayload {
        &NoPayload
    }
}

/// Service A, whose `a:relay` calls B at `url` with the flavor's client and
/// answers B's payload, `?` turning a failed call into its answer.
fn service_a(flavor: Flavor, url: &str) -> Processor {
    let mut registry = Registry::new();
    match flavor {
        Flavor::Blocking => {
            let to_b = EventClient::builder(url)
                .timeout(Duration::from_millis(300))
                .build()
                .expect("a client");
            registry
                .register("a:relay", 1, move |_: &Event<'_>| {
                    let found = to_b.call(&Lookup)?;
                    Ok::<_, CallError>(Json(found))
                })
                .expect("register a:relay");
        }
        Flavor::MultiThread | Flavor::CurrentThread => {
            let to_b = AsyncEventClient::builder(url)
                .timeout(Duration::from_millis(300))
                .build()
                .expect("a client");
            registry
                .register_async("a:relay", 1, move |_: Event<'static>| {
                    let call = to_b.call(&Lookup);
                    async move { Ok::<_, CallError>(Json(call.await?)) }
                })
                .expect("register a:relay");
        }
    }
    Processor::from_registry(registry)
}

/// A's answer to `a:relay` when B is at `url`, with each client.
fn answers(url: &str) -> Vec<(Flavor, String)> {
    let request = r#"{"name":"a:relay","version":1,"id":"i-1","flowId":"f-1"}"#;
    FLAVORS
        .iter()
        .map(|&flavor| {
            let a = service_a(flavor, url);
            let answer = match flavor.runtime() {
                None => a.process(request),
                Some(runtime) => runtime.block_on(a.process_async(request)),
            };
            (flavor, answer)
        })
        .collect()
}

/// The answer `a:relay:<suffix>` with `payload`.
fn answer(suffix: &str, payload: &str) -> String {
    format!(
        r#"{{"name":"a:relay:{suffix}","version":1,"id":"i-1","flowId":"f-1","payload":{payload},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
    )
}

/// Service B answering every `b:lookup` with `respond`'s answer.
fn service_b(respond: EventError) -> support::EventsServer {
    let mut registry = Registry::new();
    registry
        .register("b:lookup", 1, move |_: &Event<'_>| respond.clone())
        .expect("register b:lookup");
    support::serve(Processor::from_registry(registry))
}

#[test]
fn an_error_answered_downstream_is_answered_with_its_type_code_and_parameters() {
    let b = service_b(EventError::not_found("NO_SUCH_USER").with("userId", 7));
    for (flavor, sent) in answers(&b.url) {
        assert_eq!(
            sent,
            answer(
                "notFound",
                r#"{"code":"NO_SUCH_USER","parameters":{"userId":7}}"#
            ),
            "{flavor:?}"
        );
    }
}

#[test]
fn a_service_that_cannot_be_reached_is_a_failed_dependency() {
    let refused = support::refused_url();
    for (flavor, sent) in answers(&refused) {
        assert_eq!(
            sent,
            answer("error", r#"{"code":"FAILED_DEPENDENCY","parameters":{}}"#),
            "{flavor:?}"
        );
    }
}

#[test]
fn a_non_2xx_status_is_a_failed_dependency_without_its_body() {
    let url = support::answering(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 21\r\nConnection: close\r\n\r\ninternal detail here.",
    );
    for (flavor, sent) in answers(&url) {
        assert_eq!(
            sent,
            answer("error", r#"{"code":"FAILED_DEPENDENCY","parameters":{}}"#),
            "{flavor:?}"
        );
    }
}

#[test]
fn an_answer_that_is_not_an_event_is_a_dependency_bad_protocol() {
    let url = support::answering(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<html></html>",
    );
    for (flavor, sent) in answers(&url) {
        assert_eq!(
            sent,
            answer(
                "error",
                r#"{"code":"DEPENDENCY_BAD_PROTOCOL","parameters":{}}"#
            ),
            "{flavor:?}"
        );
    }
}

#[test]
fn a_service_that_never_answers_is_a_dependency_timeout() {
    let url = support::raw_server(|stream| {
        thread::sleep(Duration::from_secs(5));
        drop(stream);
    });
    for (flavor, sent) in answers(&url) {
        assert_eq!(
            sent,
            answer("error", r#"{"code":"DEPENDENCY_TIMEOUT","parameters":{}}"#),
            "{flavor:?}"
        );
    }
}

#[test]
fn a_redirect_downstream_is_a_dependency_redirect_without_its_url() {
    let url = support::answering(support::ok_json(
        r#"{"name":"b:lookup:redirect","version":1,"id":"i","flowId":"f","payload":{"url":"https://internal.invalid/secret","queryParameters":{}}}"#,
    ));
    for (flavor, sent) in answers(&url) {
        assert_eq!(
            sent,
            answer("error", r#"{"code":"DEPENDENCY_REDIRECT","parameters":{}}"#),
            "{flavor:?}"
        );
    }
}
