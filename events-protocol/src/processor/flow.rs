//! The request flow: read the body, look its handler up, call it, write the
//! answer, and record each step in the event's span; and the hand-off of a
//! handler that may block.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use tracing::Span;
use tracing::field::Empty;

use crate::error::ProtocolError;
use crate::processor::answers::{answer, bad_protocol, deadline_exceeded, not_found};
use crate::processor::executor::call_sync;
use crate::processor::{NotFoundStyle, Processor};
use crate::registry::{Handler, Lookup, SyncFn};
use crate::{Event, EventError, Response};

/// What reading and looking up a body left to do.
pub(super) enum Step<'a, 'r> {
    Answered(String),
    Call(Event<'a>, &'r Handler),
}

/// The span of one event: `name`, `version`, `id`, `flowId`, `userId`,
/// `origin`, and the `outcome` (the answer's suffix, or `badProtocol`, or
/// `eventNotFound`), recorded as they become known.
pub(super) fn event_span() -> Span {
    tracing::info_span!(
        "event",
        name = Empty,
        version = Empty,
        id = Empty,
        flowId = Empty,
        userId = Empty,
        origin = Empty,
        outcome = Empty,
    )
}

impl Processor {
    /// Reads the body and looks its handler up, recording in `span` what it
    /// learns of the event and, when it answers by itself, the outcome.
    pub(super) fn prepare<'a>(
        &self,
        body: Result<Event<'a>, ProtocolError>,
        span: &Span,
    ) -> Step<'a, '_> {
        let event = match body {
            Ok(event) => event,
            Err(error) => {
                record_error(span, &error);
                return Step::Answered(bad_protocol(&error));
            }
        };
        record_event(span, &event);
        match self.registry().lookup(event.name(), event.version()) {
            Lookup::Found(handler) => Step::Call(event, handler),
            Lookup::Missing => {
                let style = self.not_found_style();
                span.record(
                    "outcome",
                    match style {
                        NotFoundStyle::Protocol => "notFound",
                        NotFoundStyle::Kotlin => "eventNotFound",
                    },
                );
                Step::Answered(not_found(&event, style))
            }
            Lookup::Clash(clash) => {
                tracing::error!(%clash, "event not served: duplicate handlers");
                let response = Response::error(&EventError::error("UNHANDLED_ERROR"));
                Step::Answered(finish(&event, &response, span))
            }
        }
    }
}

/// Records what could be read of a body that is not a well-formed event.
fn record_error(span: &Span, error: &ProtocolError) {
    if let Some(version) = error.version() {
        span.record("version", version);
    }
    if let Some(id) = error.id() {
        span.record("id", id);
    }
    if let Some(flow_id) = error.flow_id() {
        span.record("flowId", flow_id);
    }
    span.record("outcome", "badProtocol");
}

/// Records the event's fields in its span. The user id and the origin cost a
/// read of `identity` and `metadata`: they are read only when a subscriber
/// listens to the span.
fn record_event(span: &Span, event: &Event<'_>) {
    if span.is_disabled() {
        return;
    }
    span.record("name", event.name());
    span.record("version", event.version());
    span.record("id", event.id());
    span.record("flowId", event.flow_id());
    if let Some(user_id) = event.user_id() {
        span.record("userId", user_id);
    }
    if let Some(origin) = event.origin() {
        span.record("origin", origin.as_str());
    }
}

/// Writes `response` as the answer to `event`, recording its outcome in
/// `span`: the response's suffix, or `error` when it could not be built.
pub(super) fn finish(event: &Event<'_>, response: &Response, span: &Span) -> String {
    let outcome = if response.fault().is_some() {
        "error"
    } else {
        response.suffix()
    };
    span.record("outcome", outcome);
    answer(event, response)
}

/// An event whose handler may block, read and looked up but not answered:
/// made by [`Processor::process_bytes_in_place`]. It holds the event as it was
/// read (its ids included: an event read without `id` or `flowId` keeps the
/// UUIDs it was given, in the log and in the answer), its handler and its
/// tracing span. Answer it with [`Handoff::answer`] on a thread where
/// blocking is allowed.
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
    span: Span,
    /// The processor's deadline, and when it passes.
    deadline: Option<(Duration, Instant)>,
    /// With a deadline, who answered first: [`PENDING`], then [`ANSWERED`] or
    /// [`EXPIRED`].
    state: AtomicU8,
}

const PENDING: u8 = 0;
const ANSWERED: u8 = 1;
const EXPIRED: u8 = 2;

impl Handoff {
    pub(super) fn new(
        event: Event<'_>,
        function: SyncFn,
        span: Span,
        deadline: Option<Duration>,
    ) -> Handoff {
        Handoff(Arc::new(Handed {
            event: event.into_owned(),
            function,
            span,
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
        let Handed {
            event,
            function,
            span,
            deadline,
            state,
        } = &*self.0;
        let _entered = span.enter();
        let response = call_sync(event, function);
        let late = deadline.filter(|_| {
            state
                .compare_exchange(PENDING, ANSWERED, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        });
        match late {
            None => finish(event, &response, span),
            Some((limit, due)) => {
                let outcome = if response.fault().is_some() {
                    "error"
                } else {
                    response.suffix()
                };
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
        let Handed {
            event, span, state, ..
        } = &*self.handed;
        state
            .compare_exchange(PENDING, EXPIRED, Ordering::AcqRel, Ordering::Acquire)
            .ok()?;
        let _entered = span.enter();
        tracing::warn!(
            deadline_ms = millis(self.limit),
            "a blocking handler did not answer within the deadline: answered DEADLINE_EXCEEDED; its thread runs on"
        );
        Some(finish(event, &deadline_exceeded(), span))
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
