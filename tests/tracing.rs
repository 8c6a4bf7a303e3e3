//! What the processor tells `tracing`: one span per event carrying `name`,
//! `version`, `id`, `flowId`, `userId`, `origin` and `outcome`, and an
//! `error` event with the detail of every panic and `UNHANDLED_ERROR` that
//! the caller never sees.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use events_protocol::processor::InPlace;
use events_protocol::{
    Event, EventError, Processor, Redirect, Registry, Response, processor::NotFoundStyle,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

type Fields = BTreeMap<String, String>;

/// The fields of a span or an event, every value as text.
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

/// One `tracing` event seen: its level, its fields, and the fields of the
/// span it happened in.
#[derive(Debug)]
struct Seen {
    level: Level,
    fields: Fields,
    span: Option<(String, Fields)>,
}

/// A layer that keeps every closed span and every event.
#[derive(Clone, Default)]
struct Capture {
    spans: Arc<Mutex<Vec<(String, Fields)>>>,
    events: Arc<Mutex<Vec<Seen>>>,
    /// The name of every field recorded after a span was made, in order.
    recorded: Arc<Mutex<Vec<String>>>,
}

/// The names of the fields a record carries.
struct Names<'a>(&'a mut Vec<String>);

impl Visit for Names<'_> {
    fn record_debug(&mut self, field: &Field, _: &dyn fmt::Debug) {
        self.0.push(field.name().to_owned());
    }
}

/// The placeholder of a fresh trace id, once checked: 32 lowercase hex
/// digits, not all zero.
const FRESH_TRACE_ID: &str = "<fresh trace id>";

/// `fields` with a fresh `traceId` replaced by [`FRESH_TRACE_ID`].
fn fresh_trace_id(mut fields: Fields) -> Fields {
    if let Some(trace_id) = fields.get_mut("traceId") {
        assert!(
            trace_id.len() == 32
                && trace_id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                && trace_id.bytes().any(|b| b != b'0'),
            "a trace id: {trace_id}"
        );
        *trace_id = FRESH_TRACE_ID.to_owned();
    }
    fields
}

impl Capture {
    /// The spans closed, their fresh trace ids checked and replaced.
    fn spans(&self) -> Vec<(String, Fields)> {
        self.spans
            .lock()
            .expect("the spans")
            .drain(..)
            .map(|(name, fields)| (name, fresh_trace_id(fields)))
            .collect()
    }

    fn events(&self) -> Vec<Seen> {
        self.events.lock().expect("the events").drain(..).collect()
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        let mut fields = Collect::default();
        attributes.record(&mut fields);
        if let Some(span) = context.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, context: Context<'_, S>) {
        values.record(&mut Names(&mut self.recorded.lock().expect("the records")));
        let Some(span) = context.span(id) else {
            return;
        };
        if let Some(fields) = span.extensions_mut().get_mut::<Collect>() {
            values.record(fields);
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, context: Context<'_, S>) {
        let mut fields = Collect::default();
        event.record(&mut fields);
        let span = context.event_span(event).map(|span| {
            let fields = span
                .extensions()
                .get::<Collect>()
                .map(|fields| fields.0.clone())
                .unwrap_or_default();
            (span.name().to_owned(), fresh_trace_id(fields))
        });
        self.events.lock().expect("the events").push(Seen {
            level: *event.metadata().level(),
            fields: fields.0,
            span,
        });
    }

    fn on_close(&self, id: Id, context: Context<'_, S>) {
        if let Some(span) = context.span(&id) {
            let fields = span
                .extensions_mut()
                .remove::<Collect>()
                .map(|fields| fields.0)
                .unwrap_or_default();
            self.spans
                .lock()
                .expect("the spans")
                .push((span.name().to_owned(), fields));
        }
    }
}

/// An object that refuses to be serialised, to make an answer that cannot be
/// written.
struct Unwritable;

impl serde::Serialize for Unwritable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "this value refuses to be written",
        ))
    }
}

fn processor() -> Processor {
    let mut registry = Registry::new();
    registry
        .register("test:echo", 1, |event: &Event<'_>| {
            Response::from_raw("response", event.payload().to_owned())
        })
        .expect("one handler")
        .register("test:refuse", 1, |_: &Event<'_>| {
            EventError::forbidden("NOT_YOURS")
        })
        .expect("one handler")
        .register("test:moved", 2, |_: &Event<'_>| {
            Redirect::to("https://example.com")
        })
        .expect("one handler")
        .register("test:panic", 1, |_: &Event<'_>| -> Response {
            panic!("the secret detail")
        })
        .expect("one handler")
        .register("test:unwritable", 1, |_: &Event<'_>| {
            Response::success(&Unwritable)
        })
        .expect("one handler")
        .register_async("test:later", 1, |event: Event<'static>| async move {
            Response::from_raw("response", event.payload().to_owned())
        })
        .expect("one handler");
    Processor::from_registry(registry)
}

/// Runs `work` with the capture as this thread's subscriber, listening at
/// `level` and above.
fn captured(level: LevelFilter, work: impl FnOnce()) -> Capture {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone().with_filter(level));
    tracing::subscriber::with_default(subscriber, work);
    capture
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

fn event_span(pairs: &[(&str, &str)]) -> Vec<(String, Fields)> {
    vec![("event".to_owned(), fields(pairs))]
}

#[test]
fn span_carries_the_event_its_user_its_origin_and_its_outcome() {
    let processor = processor();
    let capture = captured(LevelFilter::INFO, || {
        let _answer = processor.process(
            r#"{"name":"test:echo","version":1,"id":"i-1","flowId":"f-1","payload":{},"identity":{"userId":"42"},"metadata":{"origin":"app"}}"#,
        );
    });
    assert_eq!(
        capture.spans(),
        event_span(&[
            ("name", "test:echo"),
            ("version", "1"),
            ("id", "i-1"),
            ("flowId", "f-1"),
            ("userId", "42"),
            ("origin", "app"),
            ("traceId", FRESH_TRACE_ID),
            ("outcome", "response"),
        ])
    );
    assert!(capture.events().is_empty());
}

#[test]
fn span_reads_the_user_from_identity_user_id() {
    let processor = processor();
    let capture = captured(LevelFilter::INFO, || {
        let _answer = processor.process(
            r#"{"name":"test:refuse","version":1,"id":"i-2","flowId":"f-2","identity":{"user":{"id":7,"type":"CUSTOMER"}}}"#,
        );
    });
    assert_eq!(
        capture.spans(),
        event_span(&[
            ("name", "test:refuse"),
            ("version", "1"),
            ("id", "i-2"),
            ("flowId", "f-2"),
            ("userId", "7"),
            ("traceId", FRESH_TRACE_ID),
            ("outcome", "forbidden"),
        ])
    );
}

#[test]
fn span_outcome_is_the_answers_suffix_for_every_outcome() {
    let processor = processor();
    let cases = [
        (
            r#"{"name":"test:moved","version":2,"id":"i","flowId":"f"}"#,
            "redirect",
        ),
        (
            r#"{"name":"test:none","version":1,"id":"i","flowId":"f"}"#,
            "notFound",
        ),
        (
            r#"{"name":"test:panic","version":1,"id":"i","flowId":"f"}"#,
            "error",
        ),
        (
            r#"{"name":"test:unwritable","version":1,"id":"i","flowId":"f"}"#,
            "error",
        ),
    ];
    for (body, outcome) in cases {
        let capture = captured(LevelFilter::INFO, || {
            let _answer = processor.process(body);
        });
        let event: serde_json::Value = serde_json::from_str(body).expect("a body");
        let name = event["name"].as_str().expect("a name");
        let version = event["version"].to_string();
        assert_eq!(
            capture.spans(),
            event_span(&[
                ("name", name),
                ("version", &version),
                ("id", "i"),
                ("flowId", "f"),
                ("traceId", FRESH_TRACE_ID),
                ("outcome", outcome),
            ]),
            "{body}"
        );
    }
}

#[test]
fn span_outcome_names_kotlin_not_found() {
    let processor = processor().with_not_found_style(NotFoundStyle::Kotlin);
    let capture = captured(LevelFilter::INFO, || {
        let _answer =
            processor.process(r#"{"name":"test:none","version":4,"id":"i","flowId":"f"}"#);
    });
    assert_eq!(
        capture.spans(),
        event_span(&[
            ("name", "test:none"),
            ("version", "4"),
            ("id", "i"),
            ("flowId", "f"),
            ("traceId", FRESH_TRACE_ID),
            ("outcome", "eventNotFound"),
        ])
    );
}

#[test]
fn span_of_a_malformed_body_keeps_what_could_be_read() {
    let processor = processor();
    let capture = captured(LevelFilter::INFO, || {
        let _answer = processor.process(r#"{"name":7,"version":3,"id":"i-3","flowId":"f-3"}"#);
        let _answer = processor.process("not json");
    });
    assert_eq!(
        capture.spans(),
        vec![
            (
                "event".to_owned(),
                fields(&[
                    ("version", "3"),
                    ("id", "i-3"),
                    ("flowId", "f-3"),
                    ("traceId", FRESH_TRACE_ID),
                    ("outcome", "badProtocol"),
                ])
            ),
            (
                "event".to_owned(),
                fields(&[("traceId", FRESH_TRACE_ID), ("outcome", "badProtocol")])
            ),
        ]
    );
}

#[test]
fn span_follows_an_async_handler() {
    let processor = processor();
    let capture = captured(LevelFilter::INFO, || {
        let answer = futures_executor::block_on(processor.process_async(
            r#"{"name":"test:later","version":1,"id":"i-4","flowId":"f-4","payload":1,"metadata":{"origin":"batch"}}"#,
        ));
        assert_eq!(
            answer,
            r#"{"name":"test:later:response","version":1,"id":"i-4","flowId":"f-4","payload":1,"identity":{},"auth":{},"metadata":{}}"#
        );
    });
    assert_eq!(
        capture.spans(),
        event_span(&[
            ("name", "test:later"),
            ("version", "1"),
            ("id", "i-4"),
            ("flowId", "f-4"),
            ("origin", "batch"),
            ("traceId", FRESH_TRACE_ID),
            ("outcome", "response"),
        ])
    );
}

#[test]
fn panic_is_logged_at_error_level_with_its_detail_inside_the_event_span() {
    let processor = processor();
    let capture = captured(LevelFilter::INFO, || {
        let _answer =
            processor.process(r#"{"name":"test:panic","version":1,"id":"i-5","flowId":"f-5"}"#);
    });
    let events = capture.events();
    assert_eq!(events.len(), 1, "{events:?}");
    let seen = &events[0];
    assert_eq!(seen.level, Level::ERROR);
    assert_eq!(
        seen.fields,
        fields(&[
            ("message", "UNHANDLED_ERROR"),
            ("event", "test:panic"),
            ("version", "1"),
            ("id", "i-5"),
            ("flow_id", "f-5"),
            (
                "detail",
                "the handler of `test:panic` version 1 panicked: the secret detail"
            ),
        ])
    );
    assert_eq!(
        seen.span,
        Some((
            "event".to_owned(),
            fields(&[
                ("name", "test:panic"),
                ("version", "1"),
                ("id", "i-5"),
                ("flowId", "f-5"),
                ("traceId", FRESH_TRACE_ID),
                ("outcome", "error"),
            ])
        ))
    );
}

#[test]
fn unwritable_answer_is_logged_at_error_level_with_its_detail() {
    let processor = processor();
    let capture = captured(LevelFilter::ERROR, || {
        let _answer = processor
            .process(r#"{"name":"test:unwritable","version":1,"id":"i-6","flowId":"f-6"}"#);
    });
    let events = capture.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].level, Level::ERROR);
    assert_eq!(
        events[0].fields,
        fields(&[
            ("message", "UNHANDLED_ERROR"),
            ("event", "test:unwritable"),
            ("version", "1"),
            ("id", "i-6"),
            ("flow_id", "f-6"),
            (
                "detail",
                "the answer's payload cannot be serialised: this value refuses to be written"
            ),
        ])
    );
    // at `error` level the `info` span is not made: nothing of it is recorded
    assert!(capture.spans().is_empty());
    assert!(events[0].span.is_none());
}

#[test]
fn nothing_is_recorded_below_the_subscribers_level() {
    let processor = processor();
    let capture = captured(LevelFilter::WARN, || {
        let answer = processor.process(
            r#"{"name":"test:echo","version":1,"id":"i-7","flowId":"f-7","payload":[],"identity":{"userId":1}}"#,
        );
        assert_eq!(
            answer,
            r#"{"name":"test:echo:response","version":1,"id":"i-7","flowId":"f-7","payload":[],"identity":{},"auth":{},"metadata":{}}"#
        );
    });
    assert!(capture.spans().is_empty());
    assert!(capture.events().is_empty());
}

#[test]
fn a_handler_handed_to_the_blocking_pool_keeps_one_span_with_its_fields_once() {
    let processor = processor();
    let body = br#"{"name":"test:echo","version":1,"id":"i-7","flowId":"f-7","payload":{}}"#;
    let capture = captured(LevelFilter::INFO, || {
        let InPlace::Blocking(handoff) =
            futures_executor::block_on(processor.process_bytes_in_place(body))
        else {
            panic!("test:echo may block");
        };
        let _answer = handoff.answer();
    });
    assert_eq!(
        capture.spans(),
        event_span(&[
            ("name", "test:echo"),
            ("version", "1"),
            ("id", "i-7"),
            ("flowId", "f-7"),
            ("traceId", FRESH_TRACE_ID),
            ("outcome", "response"),
        ])
    );
    let recorded = capture.recorded.lock().expect("the records").clone();
    // the fields are given when the span is made; the trace id once an
    // OpenTelemetry layer (feature `opentelemetry`, which the workspace's
    // tests build with) may have chosen it, and the outcome at the end
    assert_eq!(recorded, ["traceId", "outcome"]);
}

#[test]
fn a_handed_off_event_without_ids_logs_the_ids_it_answers_with() {
    let processor = processor();
    let body = br#"{"name":"test:echo","version":1,"payload":{"n":1}}"#;
    let mut answer = String::new();
    let capture = captured(LevelFilter::INFO, || {
        let InPlace::Blocking(handoff) =
            futures_executor::block_on(processor.process_bytes_in_place(body))
        else {
            panic!("test:echo may block");
        };
        answer = handoff.answer();
    });
    let answered: serde_json::Value = serde_json::from_str(&answer).expect("an event");
    let spans = capture.spans();
    let [(name, logged)] = spans.as_slice() else {
        panic!("one span: {spans:?}");
    };
    assert_eq!(name, "event");
    assert_eq!(logged["id"], answered["id"].as_str().expect("an id"));
    assert_eq!(
        logged["flowId"],
        answered["flowId"].as_str().expect("a flow id")
    );
}
