//! The request flow: read the body, look its handler up, call it, write the
//! answer, and record each step in the event's span; and the hand-off of a
//! handler that may block.

use tracing::Span;
use tracing::field::Empty;

use crate::error::ProtocolError;
use crate::processor::answers::{answer, bad_protocol, not_found};
use crate::processor::executor::call_sync;
use crate::processor::{NotFoundStyle, Processor};
use crate::registry::{Handler, Lookup, SyncFn};
use crate::state::States;
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
#[must_use = "the event is not answered until `Handoff::answer` is called"]
pub struct Handoff(Box<Handed>);

/// What a [`Handoff`] carries (boxed: a hand-off is moved to another thread).
struct Handed {
    event: Event<'static>,
    function: SyncFn,
    states: States,
    span: Span,
}

impl Handoff {
    pub(super) fn new(event: Event<'_>, function: SyncFn, states: States, span: Span) -> Handoff {
        Handoff(Box::new(Handed {
            event: event.into_owned(),
            function,
            states,
            span,
        }))
    }

    /// The event to answer.
    pub fn event(&self) -> &Event<'static> {
        &self.0.event
    }

    /// Calls the handler on this thread and writes its answer; the event's
    /// span, its fields recorded already, gets the outcome.
    #[must_use]
    pub fn answer(self) -> String {
        let Handed {
            event,
            function,
            states,
            span,
        } = *self.0;
        let _entered = span.enter();
        let response = call_sync(&event, &function, &states);
        finish(&event, &response, &span)
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
            .finish_non_exhaustive()
    }
}
