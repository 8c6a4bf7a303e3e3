//! OpenTelemetry (feature `opentelemetry`), with a real SDK and its in-memory
//! exporter: a request through two of our services, over real HTTP, is one
//! trace whose spans are parented as the calls were made. The first service's
//! event span is a child of the caller's `metadata.trace`, named
//! `name:V<version>`, of kind server, with the protocol's attributes; a span
//! of the handler's own is its child; the call made inside that span carries
//! it, so the second service's event span is that span's child.

#[path = "support/axum_server.rs"]
mod axum_server;

use axum_server::Served;
use events_protocol::client::{Answer, AsyncEventClient};
use events_protocol::{
    Event, EventClient, EventContext, EventError, Processor, Registry, Response,
};
use opentelemetry::trace::{SpanId, TraceId, TracerProvider as _};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use serde_json::value::RawValue;
use tracing_subscriber::layer::SubscriberExt;

/// The caller's trace and span.
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

/// The front service: `otel:front` asks the back service, from inside a span
/// of its own (`lookup`).
fn front(back: AsyncEventClient) -> Processor {
    let mut registry = Registry::new();
    registry
        .register_async("otel:front", 1, |_: Event<'static>| async {
            let Some(back) = EventContext::current().and_then(|c| c.state::<AsyncEventClient>())
            else {
                return Response::error(&EventError::error("NO_CLIENT"));
            };
            let call = {
                let _lookup = tracing::info_span!("lookup").entered();
                back.event("otel:back", 1).send()
            };
            match call.await {
                Ok(Answer::Success(answer)) => {
                    Response::from_raw("response", answer.payload().to_owned())
                }
                Ok(_) => Response::error(&EventError::error("UNEXPECTED")),
                Err(error) => Response::error(&EventError::from(error)),
            }
        })
        .expect("one handler");
    Processor::from_registry(registry).with_state(back)
}

/// The back service: `otel:back`, a handler that may block, answers "done".
fn back() -> Processor {
    let mut registry = Registry::new();
    registry
        .register("otel:back", 1, |_: &Event<'_>| Response::success("done"))
        .expect("one handler");
    Processor::from_registry(registry)
}

/// A span as the test reads it: its name, kind, parent (named when it is
/// one of the spans exported, marked remote when it came over HTTP), and
/// attributes, sorted.
fn describe(span: &SpanData, all: &[SpanData]) -> String {
    let exported = all
        .iter()
        .find(|other| other.span_context.span_id() == span.parent_span_id);
    let parent = match (span.parent_span_id == SpanId::INVALID, exported) {
        (true, _) => "none".to_owned(),
        (false, Some(parent)) => parent.name.to_string(),
        (false, None) => span.parent_span_id.to_string(),
    };
    let parent = if span.parent_span_is_remote {
        format!("remote {parent}")
    } else {
        parent
    };
    let mut attributes: Vec<String> = span
        .attributes
        .iter()
        .map(|pair| format!("{}={}", pair.key, pair.value))
        .collect();
    attributes.sort();
    format!(
        "{} kind={:?} parent={parent} status={:?} [{}]",
        span.name,
        span.span_kind,
        span.status,
        attributes.join(" ")
    )
}

#[test]
fn a_request_through_two_services_is_one_trace_with_its_spans_parented() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let layer = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("tests"))
        .with_location(false)
        .with_threads(false)
        .with_target(false)
        .with_tracked_inactivity(false);
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
        .expect("the only subscriber of this binary");

    let back_served = Served::start(events_protocol::axum::routes(back()));
    let back_client = AsyncEventClient::new(back_served.url()).expect("a client");
    let front_served = Served::start(events_protocol::axum::routes(front(back_client)));
    let caller = EventClient::new(front_served.url()).expect("a client");

    let metadata = RawValue::from_string(format!(
        r#"{{"origin":"test","trace":{{"traceparent":"00-{TRACE}-{PARENT}-01"}}}}"#
    ))
    .expect("JSON");
    let answer = caller
        .event("otel:front", 1)
        .id("session-1")
        .flow_id("flow-1")
        .identity(&serde_json::json!({"userId": 42}))
        .metadata(&metadata)
        .send()
        .expect("an answer");
    assert!(answer.is_success(), "{answer:?}");

    provider.force_flush().expect("the spans flushed");
    let mut spans = exporter.get_finished_spans().expect("the spans");
    spans.sort_by(|a, b| a.name.cmp(&b.name));
    let trace = TraceId::from_hex(TRACE).expect("hex");
    assert!(
        spans
            .iter()
            .all(|span| span.span_context.trace_id() == trace),
        "one trace: {spans:?}"
    );
    let described: Vec<String> = spans.iter().map(|span| describe(span, &spans)).collect();
    let traced = format!("traceId={TRACE}");
    assert_eq!(
        described,
        [
            "lookup kind=Internal parent=otel:front:V1 status=Unset []".to_owned(),
            format!(
                "otel:back:V1 kind=Server parent=remote lookup status=Unset [EventID=session-1 FlowID=flow-1 Origin=unknown UserID=unknown flowId=flow-1 id=session-1 name=otel:back outcome=response rpc.method=otel:back:V1 rpc.system=events-protocol {traced} version=1]"
            ),
            format!(
                "otel:front:V1 kind=Server parent=remote {PARENT} status=Unset [EventID=session-1 FlowID=flow-1 Origin=test UserID=42 flowId=flow-1 id=session-1 name=otel:front origin=test outcome=response rpc.method=otel:front:V1 rpc.system=events-protocol {traced} userId=42 version=1]"
            ),
        ]
    );
}
