//! The request flow: read the body, look its handler up, call it, write the
//! answer, and record each step in the event's span; and the hand-off of a
//! handler that may block.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tracing::Span;
use tracing::field::{Empty, display};

use crate::error::ProtocolError;
use crate::event::Spot;
use crate::metrics::{Measure, Series, unregistered};
use crate::processor::answers::{answer, bad_protocol, deadline_exceeded, not_found};
use crate::processor::executor::call_sync;
use crate::processor::{NotFoundStyle, Processor};
use crate::registry::{Handler, Lookup, SyncFn};
use crate::state::States;
use crate::trace::{EventTrace, HandlerTrace, TraceContext, TraceHeaders};
use crate::{Event, EventError, Response};

/// What looking up an event left to do, the event's span (made, not
/// entered), and its trace contexts
/// ([PROTOCOL.md §8](crate::protocol#8-trace-context)): read already when a
/// subscriber listens to the span, else when the handler asks for them.
pub(super) struct Begun<'r, 'e> {
    pub(super) span: Span,
    pub(super) trace: EventTrace<'e>,
    pub(super) step: Step<'r>,
}

/// What looking up an event left to do.
pub(super) enum Step<'r> {
    Answered(String),
    Call(Handling<'r>),
}

/// How to call an event's handler (the event itself stays with the
/// caller, which borrows it: it is not moved at each step): the handler,
/// the handler's metric series, and the event's measure.
pub(super) struct Handling<'r> {
    pub(super) handler: &'r Handler,
    pub(super) series: &'r Arc<Series>,
    pub(super) measure: Measure,
}

/// The span of one event: `name`, `version`, `id`, `flowId`, `userId`,
/// `origin`, `traceId`, and the `outcome` (the answer's suffix, or
/// `badProtocol`, or `eventNotFound`), recorded when it is known. The
/// fields are given all at once when the span is made (one record for the
/// subscriber, not one per field), and computed only when a subscriber
/// listens (the trace contexts are read then). `otel.name` and `otel.kind`
/// are recorded only for an OpenTelemetry layer (feature `opentelemetry`).
fn event_span(event: &Event<'_>, trace: &EventTrace<'_>) -> Span {
    tracing::info_span!(
        "event",
        name = event.name(),
        version = event.version(),
        id = event.id(),
        flowId = event.flow_id(),
        userId = event.user_id(),
        origin = event.origin_text().as_deref(),
        traceId = trace_id_at_start(trace.incoming()).then(|| display(trace.handler().trace_id())),
        outcome = Empty,
        otel.name = Empty,
        otel.kind = Empty,
    )
}

/// The span of a body that is not a well-formed event: what could be read
/// of it.
fn bad_protocol_span(error: &ProtocolError, trace: &EventTrace<'_>) -> Span {
    tracing::info_span!(
        "event",
        version = error.version(),
        id = error.id(),
        flowId = error.flow_id(),
        traceId = trace_id_at_start(trace.incoming()).then(|| display(trace.handler().trace_id())),
        outcome = "badProtocol",
        otel.name = Empty,
        otel.kind = Empty,
    )
}

/// Whether the trace id is given when the span is made: always, but when an
/// OpenTelemetry layer may choose it (feature `opentelemetry`, and no
/// incoming trace context to continue, whose trace id the layer's span
/// keeps): then it is recorded once that is known.
fn trace_id_at_start(incoming: Option<&TraceContext>) -> bool {
    !cfg!(feature = "opentelemetry") || incoming.is_some()
}

impl Processor {
    /// Answers a body that is not a well-formed event: `badProtocol`, its
    /// span made and closed, the outcome in the metrics.
    pub(super) fn bad_protocol(
        &self,
        error: &ProtocolError,
        headers: TraceHeaders<'_>,
        measure: Measure,
    ) -> String {
        // the headers alone: the body is no event
        let mut trace = EventTrace::new("", Spot::Nowhere, headers);
        let span = bad_protocol_span(error, &trace);
        begin_otel(&span, &mut trace, None);
        let answer = bad_protocol(error);
        measure.finish(unregistered(), "badProtocol");
        answer
    }

    /// Makes the event's span and looks the handler up; answers by itself
    /// when there is none (the answer written, the outcome in the span and
    /// the metrics). The event's trace context (`metadata.trace`, else the
    /// headers) is read once, when the span's subscriber or the handler
    /// first asks for it.
    pub(super) fn prepare<'e>(
        &self,
        event: &'e Event<'_>,
        headers: TraceHeaders<'e>,
        measure: Measure,
    ) -> Begun<'_, 'e> {
        let mut trace = EventTrace::new(event.metadata_text(), event.trace_spot(), headers);
        let span = event_span(event, &trace);
        begin_otel(&span, &mut trace, Some(event));
        let step = match self.registry().lookup(event.name(), event.version()) {
            Lookup::Found(handler, series) => Step::Call(Handling {
                handler,
                series,
                measure,
            }),
            Lookup::Missing => {
                let style = self.not_found_style();
                let outcome = match style {
                    NotFoundStyle::Protocol => "notFound",
                    NotFoundStyle::Kotlin => "eventNotFound",
                };
                span.record("outcome", outcome);
                let answer = not_found(event, style);
                measure.finish(unregistered(), outcome);
                Step::Answered(answer)
            }
            Lookup::Clash(clash) => {
                span.in_scope(|| {
                    tracing::error!(%clash, "event not served: duplicate handlers");
                });
                let response = Response::error(&EventError::error("UNHANDLED_ERROR"));
                Step::Answered(finish(event, &response, &span, unregistered(), measure))
            }
        };
        Begun { span, trace, step }
    }
}

/// Makes the span an OpenTelemetry one when there is a layer for it (feature
/// `opentelemetry`), whose context is then the handler's trace context.
/// When the span was made without its trace id, it is recorded now. Nothing
/// is read when no subscriber listens to the span.
fn begin_otel(span: &Span, trace: &mut EventTrace<'_>, event: Option<&Event<'_>>) {
    if span.is_disabled() {
        return;
    }
    if let Some(otel) = crate::otel::begin(span, trace.incoming(), event) {
        trace.set_handler(otel);
    }
    if !trace_id_at_start(trace.incoming()) {
        span.record("traceId", display(trace.handler().trace_id()));
    }
}

/// The outcome of an answer, as logged and counted: the response's suffix,
/// or `error` when it could not be built (it is sent as `UNHANDLED_ERROR`).
fn outcome_of(response: &Response) -> &str {
    if response.fault().is_some() {
        "error"
    } else {
        response.suffix()
    }
}

/// Writes `response` as the answer to `event`, recording its outcome in
/// `span` (the response's suffix, or `error` when it could not be built)
/// and in the metrics of `series`.
pub(super) fn finish(
    event: &Event<'_>,
    response: &Response,
    span: &Span,
    series: &Series,
    measure: impl Into<Option<Measure>>,
) -> String {
    let outcome = outcome_of(response);
    span.record("outcome", outcome);
    crate::otel::finish(span, outcome);
    let answer = answer(event, response);
    if let Some(measure) = measure.into() {
        measure.finish(series, outcome);
    }
    answer
}

/// An event whose handler may block, read and looked up but not answered:
/// made by [`Processor::process_bytes_in_place`]. It holds the event as it was
/// read (its ids included: an event read without `id` or `flowId` keeps the
/// UUIDs it was given, in the log and in the answer), its handler, its
/// tracing span and its trace context. Answer it with [`Handoff::answer`] on
/// a thread where blocking is allowed.
///
/// When the processor has a [deadline](Processor::with_deadline), the
/// hand-off carries it: [`Handoff::deadline`] gives the [`Deadline`] that
/// answers the event in the handler's place when it passes first.
#[must_use = "the event is not answered until `Handoff::answer` is called"]
pub struct Handoff(Arc<Handed>);

/// What a [`Handoff`] and its [`Deadline`] share (behind an `Arc`: a hand-off
/// is moved to another thread, its deadline stays with the server).
struct Handed {
    event: Event<'static>,
    function: SyncFn,
    states: States,
    span: Span,
    trace: TraceContext,
    series: Arc<Series>,
    /// The event's measure, taken by whoever answers: the handler, or the
    /// deadline.
    measure: Mutex<Option<Measure>>,
    /// The processor's deadline, and when it passes.
    deadline: Option<(Duration, Instant)>,
    /// With a deadline, who answered first: [`PENDING`], then [`ANSWERED`] or
    /// [`EXPIRED`].
    state: AtomicU8,
}

const PENDING: u8 = 0;
const ANSWERED: u8 = 1;
const EXPIRED: u8 = 2;

impl Handed {
    /// The event's measure, for the one that answers.
    fn take_measure(&self) -> Option<Measure> {
        self.measure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

impl Handoff {
    pub(super) fn new(
        event: Event<'_>,
        handling: Handling<'_>,
        trace: TraceContext,
        function: SyncFn,
        states: States,
        span: Span,
        deadline: Option<Duration>,
    ) -> Handoff {
        let Handling {
            series, measure, ..
        } = handling;
        Handoff(Arc::new(Handed {
            event: event.into_owned(),
            function,
            states,
            span,
            trace,
            series: Arc::clone(series),
            measure: Mutex::new(Some(measure)),
            deadline: deadline.map(|limit| (limit, Instant::now() + limit)),
            state: AtomicU8::new(PENDING),
        }))
    }

    /// The event to answer.
    pub fn event(&self) -> &Event<'static> {
        &self.0.event
    }

    /// The event's deadline, when the processor has one: the answer to send
    /// if the handler has not answered by [`Deadline::due`]. It counts from
    /// the moment the event was read.
    pub fn deadline(&self) -> Option<Deadline> {
        self.0.deadline.map(|(limit, due)| Deadline {
            handed: Arc::clone(&self.0),
            limit,
            due,
        })
    }

    /// Calls the handler on this thread and writes its answer; the event's
    /// span, its fields recorded already, gets the outcome.
    ///
    /// If the event's [`Deadline`] was [expired](Deadline::expire) before the
    /// handler returned, the caller was answered `DEADLINE_EXCEEDED`: this
    /// answer is late, and is logged (at `warn`, with its outcome and how
    /// late it is) for the caller of this method to drop.
    #[must_use]
    pub fn answer(self) -> String {
        let handed = &*self.0;
        let Handed {
            event,
            function,
            states,
            span,
            trace,
            series,
            deadline,
            state,
            ..
        } = handed;
        let _entered = span.enter();
        let response = call_sync(event, function, states, HandlerTrace::Known(trace));
        let late = deadline.filter(|_| {
            state
                .compare_exchange(PENDING, ANSWERED, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        });
        match late {
            None => finish(event, &response, span, series, handed.take_measure()),
            Some((limit, due)) => {
                let outcome = outcome_of(&response);
                tracing::warn!(
                    deadline_ms = millis(limit),
                    late_ms = millis(Instant::now().saturating_duration_since(due)),
                    late_outcome = outcome,
                    "a blocking handler answered after its deadline; its answer is dropped (the caller was answered DEADLINE_EXCEEDED)"
                );
                answer(event, &response)
            }
        }
    }
}

impl std::fmt::Debug for Handoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let event = self.event();
        f.debug_struct("Handoff")
            .field("name", &event.name())
            .field("version", &event.version())
            .field("id", &event.id())
            .field("flow_id", &event.flow_id())
            .field("deadline", &self.0.deadline.map(|(limit, _)| limit))
            .finish_non_exhaustive()
    }
}

/// The deadline of a [`Handoff`]: what answers the event in the handler's
/// place when the handler has not answered by [`Deadline::due`]. A handler
/// that may block cannot be stopped, so the server answers at the deadline
/// and lets the thread run on: its answer, when it comes, is dropped and
/// logged.
///
/// ```
/// use std::time::Duration;
///
/// use events_protocol::processor::InPlace;
/// use events_protocol::registry::{HandlerFn, Registration};
/// use events_protocol::{Event, Processor, Response};
///
/// fn slow(_: &Event<'_>) -> Response {
///     std::thread::sleep(Duration::from_millis(200));
///     Response::success("done")
/// }
///
/// events_protocol::registry::inventory::submit! {
///     Registration::new("demo:deadline:slow", 1, HandlerFn::Blocking(slow), file!(), line!())
/// }
///
/// let processor = Processor::new().with_deadline(Duration::from_millis(20));
/// let body = br#"{"name":"demo:deadline:slow","version":1,"id":"i","flowId":"f"}"#;
/// let InPlace::Blocking(handoff) = futures_executor::block_on(processor.process_bytes_in_place(body)) else {
///     unreachable!("a handler that may block is handed off")
/// };
/// let deadline = handoff.deadline().expect("the processor has a deadline");
/// let thread = std::thread::spawn(move || handoff.answer());
/// std::thread::sleep(deadline.due().saturating_duration_since(std::time::Instant::now()));
/// // the handler is still sleeping: the deadline answers
/// assert_eq!(
///     deadline.expire().as_deref(),
///     Some(r#"{"name":"demo:deadline:slow:error","version":1,"id":"i","flowId":"f","payload":{"code":"DEADLINE_EXCEEDED","parameters":{}},"identity":{},"auth":{},"metadata":{}}"#)
/// );
/// // the handler's late answer is logged and dropped
/// let _late = thread.join();
/// ```
#[must_use = "a deadline answers nothing until `Deadline::expire` is called"]
pub struct Deadline {
    handed: Arc<Handed>,
    limit: Duration,
    due: Instant,
}

impl Deadline {
    /// When the answer is due: the processor's deadline after the event was
    /// read.
    pub fn due(&self) -> Instant {
        self.due
    }

    /// The processor's deadline.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// Answers the event in the handler's place: `<name>:error` with the
    /// code `DEADLINE_EXCEEDED` ([PROTOCOL.md §5](crate::protocol#5-outcomes-the-server-produces-by-itself)),
    /// logged at `warn`, and the handler's answer, when it comes, dropped.
    /// `None` when the handler has answered already: its answer is the one
    /// to send.
    #[must_use]
    pub fn expire(self) -> Option<String> {
        let handed = &*self.handed;
        let Handed {
            event,
            span,
            series,
            state,
            ..
        } = handed;
        state
            .compare_exchange(PENDING, EXPIRED, Ordering::AcqRel, Ordering::Acquire)
            .ok()?;
        let _entered = span.enter();
        tracing::warn!(
            deadline_ms = millis(self.limit),
            "a blocking handler did not answer within the deadline: answered DEADLINE_EXCEEDED; its thread runs on"
        );
        Some(finish(
            event,
            &deadline_exceeded(),
            span,
            series,
            handed.take_measure(),
        ))
    }
}

impl std::fmt::Debug for Deadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deadline")
            .field("limit", &self.limit())
            .field("due", &self.due())
            .finish()
    }
}

/// A duration in whole milliseconds, for the log.
pub(super) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
