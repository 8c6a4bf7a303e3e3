//! Trace context across services (PROTOCOL.md §8), over real HTTP: an event's
//! `metadata.trace` (W3C or Datadog's keys), else its `traceparent` header,
//! is continued by the handler, whose span is logged with the trace id, and
//! every call the handler makes carries that trace with the handler's span
//! as parent: from synchronous and `async` handlers, through both clients,
//! across a nested call. A malformed or hostile `metadata.trace` is ignored:
//! a fresh trace, the answer unchanged, the metadata passed on untouched.
//!
//! Two servers on loopback ports: the upstream one serves the relays (each
//! calls `trace:echo` downstream and answers what it received and what the
//! echo saw), the downstream one `trace:echo` (it answers its own metadata).

#[path = "support/axum_server.rs"]
mod axum_server;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use axum_server::Served;
use events_protocol::client::{Answer, AsyncEventClient, SendError};
use events_protocol::trace::{Propagation, TraceContext};
use events_protocol::{
    Event, EventClient, EventContext, EventError, Processor, Registry, Response,
};
use serde_json::value::RawValue;
use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The W3C specification's example trace.
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

// ------------------------------------------------------------ the spans

type Fields = BTreeMap<String, String>;

#[derive(Default)]
struct Collect(Fields);

impl Visit for Collect {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

/// Keeps the fields of every `event` span closed, in the order they close.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<Fields>>>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Spans {
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        let mut fields = Collect::default();
        attributes.record(&mut fields);
        if let Some(span) = context.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, context: Context<'_, S>) {
        if let Some(span) = context.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<Collect>()
        {
            values.record(fields);
        }
    }

    fn on_close(&self, id: Id, context: Context<'_, S>) {
        if let Some(span) = context.span(&id)
            && span.name() == "event"
            && let Some(fields) = span.extensions_mut().remove::<Collect>()
        {
            self.0.lock().expect("the spans").push(fields.0);
        }
    }
}

/// The spans of this process (the servers run on other threads).
fn spans() -> &'static Spans {
    static SPANS: OnceLock<Spans> = OnceLock::new();
    SPANS.get_or_init(|| {
        let spans = Spans::default();
        let subscriber = tracing_subscriber::registry().with(spans.clone());
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        spans
    })
}

/// `(name, traceId, outcome)` of every span of the events of session `id`,
/// in the order they closed (the innermost call first).
fn logged(id: &str) -> Vec<(String, String, String)> {
    let field = |fields: &Fields, key: &str| fields.get(key).cloned().unwrap_or_default();
    spans()
        .0
        .lock()
        .expect("the spans")
        .iter()
        .filter(|fields| fields.get("id").map(String::as_str) == Some(id))
        .map(|fields| {
            (
                field(fields, "name"),
                field(fields, "traceId"),
                field(fields, "outcome"),
            )
        })
        .collect()
}

// ------------------------------------------------------------ the servers

/// The clients the relays call with.
#[derive(Clone)]
struct Downstream {
    echo: EventClient,
    echo_async: AsyncEventClient,
    echo_datadog: EventClient,
    upstream_async: AsyncEventClient,
}

fn downstream() -> Downstream {
    EventContext::current()
        .and_then(|context| context.state::<Downstream>())
        .unwrap_or_else(|| panic!("the relays run with the clients in state"))
}

/// `{"received": <the relay's metadata>, "sent": <what the call's echo saw>}`.
fn relayed(event: &Event<'_>, answer: Result<Answer, SendError>) -> Response {
    match answer {
        Ok(Answer::Success(echo)) => {
            let text = format!(
                r#"{{"received":{},"sent":{}}}"#,
                event.metadata().get(),
                echo.payload().get()
            );
            match RawValue::from_string(text) {
                Ok(raw) => Response::from_raw("response", raw),
                Err(_) => Response::error(&EventError::error("NOT_JSON")),
            }
        }
        Ok(_) => Response::error(&EventError::error("UNEXPECTED_ANSWER")),
        Err(error) => Response::error(&EventError::from(error)),
    }
}

struct Servers {
    upstream: EventClient,
    _downstream: Served,
    _upstream: Served,
}

fn servers() -> &'static Servers {
    static SERVERS: OnceLock<Servers> = OnceLock::new();
    SERVERS.get_or_init(|| {
        spans();
        let mut echo = Registry::new();
        echo.register_inline("trace:echo", 1, |event: &Event<'_>| {
            Response::from_raw("response", event.metadata().to_owned())
        })
        .expect("one handler");
        let downstream = Served::start(events_protocol::axum::routes(Processor::from_registry(
            echo,
        )));
        let url = downstream.url();
        let upstream = Served::start_with(move |listener| {
            let own = format!(
                "http://{}/events",
                listener.local_addr().expect("an address")
            );
            let clients = Downstream {
                echo: EventClient::builder(url.as_str())
                    .metadata(&serde_json::json!({"origin": "relay"}))
                    .build()
                    .expect("a client"),
                echo_async: AsyncEventClient::builder(url.as_str())
                    .metadata(&serde_json::json!({"origin": "relay"}))
                    .build()
                    .expect("a client"),
                echo_datadog: EventClient::builder(url.as_str())
                    .propagation(Propagation::AlwaysDatadog)
                    .build()
                    .expect("a client"),
                upstream_async: AsyncEventClient::new(own).expect("a client"),
            };
            let processor = Processor::from_registry(relays()).with_state(clients);
            async move {
                let _ = axum::serve(listener, events_protocol::axum::routes(processor)).await;
            }
        });
        Servers {
            upstream: EventClient::new(upstream.url()).expect("a client"),
            _downstream: downstream,
            _upstream: upstream,
        }
    })
}

/// The relays: each calls `trace:echo` (or another relay) and answers what it
/// received and what the call's receiver saw.
fn relays() -> Registry {
    let mut registry = Registry::new();
    registry
        .register("trace:relay", 1, |event: &Event<'_>| {
            relayed(event, downstream().echo.event("trace:echo", 1).send())
        })
        .expect("one handler")
        .register("trace:relay:datadog", 1, |event: &Event<'_>| {
            relayed(
                event,
                downstream().echo_datadog.event("trace:echo", 1).send(),
            )
        })
        .expect("one handler")
        .register_async("trace:relay:async", 1, |event: Event<'static>| async move {
            let call = downstream().echo_async.event("trace:echo", 1).send();
            relayed(&event, call.await)
        })
        .expect("one handler")
        .register_async("trace:nested", 1, |event: Event<'static>| async move {
            let call = downstream().upstream_async.event("trace:relay", 1).send();
            relayed(&event, call.await)
        })
        .expect("one handler");
    registry
}

// ------------------------------------------------------------ helpers

/// Sends `name` with `metadata` (JSON text) and the headers, as session `id`;
/// the answer's JSON text.
fn send(name: &str, id: &str, metadata: &str, headers: &[(&str, &str)]) -> String {
    // as it is written: its keys in their order, repeated ones kept
    let metadata = RawValue::from_string(metadata.to_owned()).expect("JSON metadata");
    let mut call = servers()
        .upstream
        .event(name, 1)
        .id(id)
        .flow_id("flow")
        .metadata(&metadata);
    for (header, value) in headers {
        call = call.header(header, value);
    }
    match call.send().expect("an answer") {
        Answer::Success(event) => event.to_json(),
        other => panic!("not a success: {other:?}"),
    }
}

/// The `parent-id` of the `n`-th `traceparent` of trace `trace` in what
/// the relay's call sent (after `"sent":` in `text`), checked: 16 lowercase
/// hex digits, not zero.
fn parent_sent(text: &str, trace: &str, n: usize) -> String {
    let text = &text[text.find(r#""sent":"#).expect("what was sent")..];
    let marker = format!("\"traceparent\":\"00-{trace}-");
    let Some((at, _)) = text.match_indices(&marker).nth(n) else {
        panic!("no traceparent {n} of trace {trace} in {text}");
    };
    let start = at + marker.len();
    let span = &text[start..start + 16];
    assert!(
        span.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && span != "0000000000000000",
        "a span id: {span}"
    );
    span.to_owned()
}

/// The trace id of the first `traceparent` the relay's call sent.
fn trace_sent(text: &str) -> String {
    let text = &text[text.find(r#""sent":"#).expect("what was sent")..];
    let marker = "\"traceparent\":\"00-";
    let start = text.find(marker).expect("a traceparent") + marker.len();
    text[start..start + 32].to_owned()
}

/// The answer of `name` to session `id`: `payload` in an envelope.
fn answer(name: &str, id: &str, payload: &str) -> String {
    format!(
        r#"{{"name":"{name}:response","version":1,"id":"{id}","flowId":"flow","payload":{payload},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
    )
}

fn span(name: &str, trace: &str) -> (String, String, String) {
    (name.to_owned(), trace.to_owned(), "response".to_owned())
}

// ------------------------------------------------------------ W3C

#[test]
fn w3c_trace_is_continued_by_a_sync_handler_and_sent_on_with_its_span_as_parent() {
    let metadata = format!(
        r#"{{"origin":"app","trace":{{"traceparent":"00-{TRACE}-{PARENT}-01","tracestate":"rojo=00f067aa0ba902b7"}}}}"#
    );
    let answered = send("trace:relay", "w3c-sync", &metadata, &[]);
    let parent = parent_sent(&answered, TRACE, 0);
    assert_ne!(parent, PARENT, "the handler's span is a new one");
    assert_eq!(
        answered,
        answer(
            "trace:relay",
            "w3c-sync",
            &format!(
                r#"{{"received":{metadata},"sent":{{"origin":"relay","trace":{{"traceparent":"00-{TRACE}-{parent}-01","tracestate":"rojo=00f067aa0ba902b7"}}}}}}"#
            )
        )
    );
    assert_eq!(
        logged("w3c-sync"),
        [span("trace:echo", TRACE), span("trace:relay", TRACE)]
    );
}

#[test]
fn w3c_trace_is_continued_by_an_async_handler_through_the_async_client() {
    let metadata = format!(r#"{{"trace":{{"traceparent":"00-{TRACE}-{PARENT}-00"}}}}"#);
    let answered = send("trace:relay:async", "w3c-async", &metadata, &[]);
    let parent = parent_sent(&answered, TRACE, 0);
    assert_ne!(parent, PARENT);
    // not sampled stays not sampled
    assert_eq!(
        answered,
        answer(
            "trace:relay:async",
            "w3c-async",
            &format!(
                r#"{{"received":{metadata},"sent":{{"origin":"relay","trace":{{"traceparent":"00-{TRACE}-{parent}-00"}}}}}}"#
            )
        )
    );
    assert_eq!(
        logged("w3c-async"),
        [span("trace:echo", TRACE), span("trace:relay:async", TRACE)]
    );
}

#[test]
fn a_nested_call_carries_the_trace_with_each_handlers_span_as_parent() {
    let metadata = format!(r#"{{"trace":{{"traceparent":"00-{TRACE}-{PARENT}-01"}}}}"#);
    let answered = send("trace:nested", "nested", &metadata, &[]);
    // the relay received the nested handler's span; the echo the relay's
    let nested_span = parent_sent(&answered, TRACE, 0);
    let relay_span = parent_sent(&answered, TRACE, 1);
    assert!(nested_span != relay_span && nested_span != PARENT && relay_span != PARENT);
    let relay_received = format!(r#"{{"trace":{{"traceparent":"00-{TRACE}-{nested_span}-01"}}}}"#);
    let echo_saw =
        format!(r#"{{"origin":"relay","trace":{{"traceparent":"00-{TRACE}-{relay_span}-01"}}}}"#);
    assert_eq!(
        answered,
        answer(
            "trace:nested",
            "nested",
            &format!(
                r#"{{"received":{metadata},"sent":{{"received":{relay_received},"sent":{echo_saw}}}}}"#
            )
        )
    );
    assert_eq!(
        logged("nested"),
        [
            span("trace:echo", TRACE),
            span("trace:relay", TRACE),
            span("trace:nested", TRACE)
        ]
    );
}

// ------------------------------------------------------------ Datadog

#[test]
fn datadog_keys_in_are_continued_and_written_back_with_the_w3c_keys() {
    let metadata = r#"{"trace":{"x-datadog-trace-id":"4611686018427387904","x-datadog-parent-id":"7","x-datadog-sampling-priority":"2","x-datadog-origin":"synthetics"}}"#;
    let trace = "00000000000000004000000000000000";
    let answered = send("trace:relay", "datadog-in", metadata, &[]);
    let parent = parent_sent(&answered, trace, 0);
    let decimal = u64::from_str_radix(&parent, 16).expect("hex");
    assert_eq!(
        answered,
        answer(
            "trace:relay",
            "datadog-in",
            &format!(
                r#"{{"received":{metadata},"sent":{{"origin":"relay","trace":{{"traceparent":"00-{trace}-{parent}-01","x-datadog-trace-id":"4611686018427387904","x-datadog-parent-id":"{decimal}","x-datadog-sampling-priority":"1"}}}}}}"#
            )
        )
    );
    assert_eq!(
        logged("datadog-in"),
        [span("trace:echo", trace), span("trace:relay", trace)]
    );
}

#[test]
fn a_client_set_to_always_write_datadogs_keys_writes_them_for_a_w3c_trace() {
    let metadata = format!(r#"{{"trace":{{"traceparent":"00-{TRACE}-{PARENT}-01"}}}}"#);
    let answered = send("trace:relay:datadog", "datadog-out", &metadata, &[]);
    let parent = parent_sent(&answered, TRACE, 0);
    let decimal = u64::from_str_radix(&parent, 16).expect("hex");
    let low = u64::from_str_radix(&TRACE[16..], 16).expect("hex");
    assert_eq!(
        answered,
        answer(
            "trace:relay:datadog",
            "datadog-out",
            &format!(
                r#"{{"received":{metadata},"sent":{{"trace":{{"traceparent":"00-{TRACE}-{parent}-01","x-datadog-trace-id":"{low}","x-datadog-parent-id":"{decimal}","x-datadog-sampling-priority":"1","x-datadog-tags":"_dd.p.tid={}"}}}}}}"#,
                &TRACE[..16]
            )
        )
    );
}

// ------------------------------------------------------------ HTTP headers

#[test]
fn the_traceparent_header_is_continued_when_the_event_has_no_trace() {
    let answered = send(
        "trace:relay",
        "header",
        r#"{"origin":"mesh"}"#,
        &[
            ("traceparent", &format!("00-{TRACE}-{PARENT}-01")),
            ("tracestate", "congo=t61rcWkgMzE"),
        ],
    );
    let parent = parent_sent(&answered, TRACE, 0);
    assert_eq!(
        answered,
        answer(
            "trace:relay",
            "header",
            &format!(
                r#"{{"received":{{"origin":"mesh"}},"sent":{{"origin":"relay","trace":{{"traceparent":"00-{TRACE}-{parent}-01","tracestate":"congo=t61rcWkgMzE"}}}}}}"#
            )
        )
    );
    assert_eq!(
        logged("header"),
        [span("trace:echo", TRACE), span("trace:relay", TRACE)]
    );
}

#[test]
fn the_event_wins_over_the_traceparent_header() {
    let event_trace = "0af7651916cd43dd8448eb211c80319c";
    let metadata =
        format!(r#"{{"trace":{{"traceparent":"00-{event_trace}-b7ad6b7169203331-01"}}}}"#);
    let answered = send(
        "trace:relay",
        "event-wins",
        &metadata,
        &[("traceparent", &format!("00-{TRACE}-{PARENT}-01"))],
    );
    let parent = parent_sent(&answered, event_trace, 0);
    assert_eq!(
        answered,
        answer(
            "trace:relay",
            "event-wins",
            &format!(
                r#"{{"received":{metadata},"sent":{{"origin":"relay","trace":{{"traceparent":"00-{event_trace}-{parent}-01"}}}}}}"#
            )
        )
    );
    assert_eq!(
        logged("event-wins"),
        [
            span("trace:echo", event_trace),
            span("trace:relay", event_trace)
        ]
    );
}

// ------------------------------------------------------------ none, hostile

#[test]
fn without_any_trace_a_fresh_one_is_logged_and_sent_on() {
    let answered = send("trace:relay", "fresh", "{}", &[]);
    let trace = trace_sent(&answered);
    let parent = parent_sent(&answered, &trace, 0);
    assert_ne!(trace, "00000000000000000000000000000000");
    assert_eq!(
        answered,
        answer(
            "trace:relay",
            "fresh",
            &format!(
                r#"{{"received":{{}},"sent":{{"origin":"relay","trace":{{"traceparent":"00-{trace}-{parent}-01"}}}}}}"#
            )
        )
    );
    assert_eq!(
        logged("fresh"),
        [span("trace:echo", &trace), span("trace:relay", &trace)]
    );
}

/// `metadata` objects whose `trace` is malformed or hostile, each ignored.
fn hostile() -> Vec<String> {
    let valid = format!("00-{TRACE}-{PARENT}-01");
    let many_keys = (0..33)
        .map(|n| format!(r#""k{n}":"v""#))
        .chain([format!(r#""traceparent":"{valid}""#)])
        .collect::<Vec<_>>()
        .join(",");
    vec![
        // not an object
        format!(r#"{{"trace":"{valid}"}}"#),
        format!(r#"{{"trace":["{valid}"]}}"#),
        r#"{"trace":null}"#.to_owned(),
        // repeated
        format!(r#"{{"trace":{{"traceparent":"{valid}"}},"trace":{{"traceparent":"{valid}"}}}}"#),
        // a key read twice, in another case
        format!(r#"{{"trace":{{"traceparent":"{valid}","TraceParent":"{valid}"}}}}"#),
        // a value that is not a string
        format!(r#"{{"trace":{{"traceparent":"{valid}","tracestate":7}}}}"#),
        format!(r#"{{"trace":{{"traceparent":"{valid}","x":{{"deep":[[[[[[[[[[1]]]]]]]]]]}}}}}}"#),
        // over the bounds
        format!(r#"{{"trace":{{{many_keys}}}}}"#),
        format!(
            r#"{{"trace":{{"padding":"{}","traceparent":"{valid}"}}}}"#,
            "x".repeat(4096)
        ),
        // malformed values
        format!(
            r#"{{"trace":{{"traceparent":"00-{}-{PARENT}-01"}}}}"#,
            TRACE.to_uppercase()
        ),
        format!(
            r#"{{"trace":{{"traceparent":"00-{}-{PARENT}-01"}}}}"#,
            "0".repeat(32)
        ),
        format!(r#"{{"trace":{{"traceparent":"00-{TRACE}-0000000000000000-01"}}}}"#),
        format!(r#"{{"trace":{{"traceparent":"ff-{TRACE}-{PARENT}-01"}}}}"#),
        format!(r#"{{"trace":{{"traceparent":" {valid}"}}}}"#),
        format!(r#"{{"trace":{{"traceparent":"{valid}\u0000"}}}}"#),
        r#"{"trace":{"x-datadog-trace-id":"0","x-datadog-parent-id":"1"}}"#.to_owned(),
        r#"{"trace":{"x-datadog-trace-id":"18446744073709551616","x-datadog-parent-id":"1"}}"#
            .to_owned(),
        r#"{"trace":{"tracestate":"rojo=00f067aa0ba902b7"}}"#.to_owned(),
        // a `trace` deeper than the top level is ordinary data
        format!(r#"{{"context":{{"trace":{{"traceparent":"{valid}"}}}}}}"#),
    ]
}

#[test]
fn a_malformed_or_hostile_trace_is_ignored_with_a_fresh_trace_and_the_metadata_untouched() {
    for (n, metadata) in hostile().iter().enumerate() {
        let id = format!("hostile-{n}");
        let answered = send("trace:relay", &id, metadata, &[]);
        let trace = trace_sent(&answered);
        assert_ne!(trace, TRACE, "{metadata}");
        let parent = parent_sent(&answered, &trace, 0);
        assert_eq!(
            answered,
            answer(
                "trace:relay",
                &id,
                &format!(
                    r#"{{"received":{metadata},"sent":{{"origin":"relay","trace":{{"traceparent":"00-{trace}-{parent}-01"}}}}}}"#
                )
            ),
            "{metadata}"
        );
        assert_eq!(
            logged(&id),
            [span("trace:echo", &trace), span("trace:relay", &trace)],
            "{metadata}"
        );
    }
}

// ------------------------------------------------------------ outside a handler

#[test]
fn a_call_outside_a_handler_sends_its_metadata_as_it_is_unless_given_a_trace() {
    let servers = servers();
    let echo = |call: events_protocol::client::Call<'_>| match call.send() {
        Ok(Answer::Success(event)) => event.payload().get().to_owned(),
        other => panic!("{other:?}"),
    };
    let client = &servers.upstream;
    // the upstream server serves no `trace:echo`: ask the relay to show
    // what it received instead
    let plain = echo(
        client
            .event("trace:relay", 1)
            .metadata(&serde_json::json!({"a": 1})),
    );
    assert!(plain.starts_with(r#"{"received":{"a":1},"#), "{plain}");
    let Some(incoming) = TraceContext::from_traceparent_header(&format!("00-{TRACE}-{PARENT}-01"))
    else {
        panic!("a valid traceparent");
    };
    let ours = incoming.child();
    let traced = echo(
        client
            .event("trace:relay", 1)
            .metadata(&serde_json::json!({"a": 1}))
            .trace(ours.clone()),
    );
    assert!(
        traced.starts_with(&format!(
            r#"{{"received":{{"a":1,"trace":{{"traceparent":"{}"}}}},"#,
            ours.traceparent()
        )),
        "{traced}"
    );
}
