//! The trace contexts of one event, read when first asked for.
//!
//! What is read is what [PROTOCOL.md §8](crate::protocol#8-trace-context)
//! says, whenever it is read. But when nothing asks (no subscriber listens to
//! the event's span, and the handler neither reads its context nor calls
//! another event), nothing is read: reading `metadata.trace` and drawing a
//! span id cost about as much as the rest of observability together.

use std::cell::OnceCell;

use crate::event::Spot;
use crate::trace::{MAX_TRACE_BYTES, TraceContext, TraceHeaders};

/// The trace contexts of one event being processed: the one it came with
/// ([`incoming`](Self::incoming)) and its handler's
/// ([`handler`](Self::handler)), each read (and its span id drawn) once, the
/// first time it is asked for.
pub(crate) struct EventTrace<'a> {
    metadata: &'a str,
    spot: Spot,
    headers: TraceHeaders<'a>,
    incoming: OnceCell<Option<TraceContext>>,
    handler: OnceCell<TraceContext>,
}

impl<'a> EventTrace<'a> {
    /// The trace of the event whose `metadata` text is `metadata`, its
    /// `trace` member at `spot` when the reader noted it, that came with
    /// `headers`.
    pub(crate) fn new(metadata: &'a str, spot: Spot, headers: TraceHeaders<'a>) -> Self {
        Self {
            metadata,
            spot,
            headers,
            incoming: OnceCell::new(),
            handler: OnceCell::new(),
        }
    }

    /// The context the event came with: `metadata.trace`, else the headers.
    pub(crate) fn incoming(&self) -> Option<&TraceContext> {
        self.incoming
            .get_or_init(|| {
                TraceContext::extract_at(
                    self.metadata,
                    self.spot,
                    self.headers.traceparent(),
                    self.headers.tracestate(),
                )
            })
            .as_ref()
    }

    /// The handler's span: a child of the incoming context, else the first
    /// span of a fresh trace.
    pub(crate) fn handler(&self) -> &TraceContext {
        self.handler.get_or_init(|| {
            self.incoming()
                .map_or_else(TraceContext::root, TraceContext::child)
        })
    }

    /// Makes `handler` the handler's span (an OpenTelemetry span's context).
    pub(crate) fn set_handler(&mut self, handler: TraceContext) {
        self.handler = OnceCell::from(handler);
    }

    /// The handler's span as the handler's context takes it: known, or,
    /// when it has not been asked for yet and can be read from the event's
    /// text alone (no headers to fall back on), that text, to be read if
    /// the handler asks.
    pub(crate) fn for_handler(&self) -> HandlerTrace<'_> {
        if let Some(handler) = self.handler.get() {
            return HandlerTrace::Known(handler);
        }
        if self.headers.traceparent().is_none() {
            match self.spot {
                Spot::At(open) => {
                    if let Some(object) = usize::try_from(open)
                        .ok()
                        .and_then(|open| self.metadata.get(open..))
                    {
                        return HandlerTrace::Deferred(bounded(object));
                    }
                }
                // no context came: a fresh trace, begun when asked for
                Spot::Nowhere | Spot::Repeated => return HandlerTrace::Deferred(""),
                Spot::Unknown => {}
            }
        }
        HandlerTrace::Known(self.handler())
    }
}

/// The handler's trace context as it is handed to the handler's context.
#[derive(Clone, Copy)]
pub(crate) enum HandlerTrace<'a> {
    /// Known already.
    Known(&'a TraceContext),
    /// Not read yet: the text of the event's `metadata.trace` from its first
    /// byte (at most [`MAX_TRACE_BYTES`] and one of it), or empty when the
    /// event came without one. Read with [`read_deferred`].
    Deferred(&'a str),
}

/// The handler's span from a [`HandlerTrace::Deferred`] text: a child of the
/// context it holds, else the first span of a fresh trace.
pub(crate) fn read_deferred(text: &str) -> TraceContext {
    TraceContext::from_trace_object_text(text)
        .map_or_else(TraceContext::root, |incoming| incoming.child())
}

/// The first [`MAX_TRACE_BYTES`] and one bytes of `text` (at a character
/// boundary): a `trace` object within the limit fits whole, and one over it
/// is cut, which reads as none, as it would whole.
fn bounded(text: &str) -> &str {
    let mut end = text.len().min(MAX_TRACE_BYTES + 1);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn metadata_with(trace: &str) -> String {
        format!(r#"{{"origin":"app","trace":{trace}}}"#)
    }

    /// Where `trace` is in `metadata`, as the one-pass reader notes it.
    fn spot(metadata: &str) -> Spot {
        let at = metadata
            .find(r#""trace":"#)
            .map(|at| at + r#""trace":"#.len());
        at.and_then(|at| u32::try_from(at).ok())
            .map_or(Spot::Nowhere, Spot::At)
    }

    /// The incoming context read at once, and read later from the deferred
    /// text, agree, for every shape of `metadata.trace`.
    #[test]
    fn a_deferred_trace_reads_as_the_trace_read_at_once() {
        let big = format!(
            r#"{{"traceparent":"{TRACEPARENT}","pad":"{}"}}"#,
            "x".repeat(MAX_TRACE_BYTES)
        );
        let just_fits = {
            let head = format!(r#"{{"traceparent":"{TRACEPARENT}","pad":""#);
            let pad = MAX_TRACE_BYTES - head.len() - 2;
            format!("{head}{}\"}}", "é".repeat(pad / 2) + &"x".repeat(pad % 2))
        };
        assert_eq!(just_fits.len(), MAX_TRACE_BYTES);
        // one byte over: refused whole, and cut at the limit
        let one_over = just_fits.replacen("\"pad\":\"", "\"pad\":\"x", 1);
        assert_eq!(one_over.len(), MAX_TRACE_BYTES + 1);
        // over, the cut inside a two-byte character
        let cut_in_a_character = {
            let head = format!(r#"{{"traceparent":"{TRACEPARENT}","pad":""#);
            let odd = usize::from((MAX_TRACE_BYTES - head.len()) % 2 == 1);
            format!(
                "{head}{}{}\"}}",
                "x".repeat(odd),
                "é".repeat(MAX_TRACE_BYTES)
            )
        };
        assert!(!cut_in_a_character.is_char_boundary(MAX_TRACE_BYTES + 1));
        for trace in [
            format!(r#"{{"traceparent":"{TRACEPARENT}"}}"#),
            format!(r#"{{"TraceParent":"{TRACEPARENT}","tracestate":"rojo=1"}}"#),
            r#"{"x-datadog-trace-id":"1","x-datadog-parent-id":"2"}"#.to_owned(),
            r#"{"traceparent":"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}"#
                .to_owned(),
            format!(r#"{{"traceparent":"{TRACEPARENT}","n":1}}"#),
            format!(r#""{TRACEPARENT}""#),
            "null".to_owned(),
            big,
            just_fits,
            one_over,
            cut_in_a_character,
        ] {
            let metadata = metadata_with(&trace);
            let events = EventTrace::new(&metadata, spot(&metadata), TraceHeaders::NONE);
            let at_once = events.incoming().cloned();
            let deferred = EventTrace::new(&metadata, spot(&metadata), TraceHeaders::NONE);
            let HandlerTrace::Deferred(text) = deferred.for_handler() else {
                panic!("deferred: {trace}");
            };
            // nothing read, no span id drawn, until asked
            assert!(deferred.incoming.get().is_none() && deferred.handler.get().is_none());
            assert!(text.len() <= MAX_TRACE_BYTES + 1);
            let later = read_deferred(text);
            match at_once {
                Some(incoming) => {
                    assert_eq!(later.trace_id(), incoming.trace_id(), "{trace}");
                    assert_eq!(later.sampled(), incoming.sampled(), "{trace}");
                    assert_eq!(later.tracestate(), incoming.tracestate(), "{trace}");
                    assert_eq!(later.styles(), incoming.styles(), "{trace}");
                    assert_ne!(later.span_id(), incoming.span_id(), "a child: {trace}");
                }
                None => assert_eq!(TraceContext::from_trace_object_text(text), None, "{trace}"),
            }
        }
    }

    #[test]
    fn a_trace_asked_for_is_known_and_the_same_each_time() {
        let metadata = metadata_with(&format!(r#"{{"traceparent":"{TRACEPARENT}"}}"#));
        let events = EventTrace::new(&metadata, spot(&metadata), TraceHeaders::NONE);
        let first = events.handler().clone();
        assert_eq!(events.handler(), &first);
        assert!(matches!(events.for_handler(), HandlerTrace::Known(known) if *known == first));
    }

    #[test]
    fn headers_or_an_unknown_spot_are_read_at_once() {
        let metadata = metadata_with("{}");
        let headers = TraceHeaders::new(Some(TRACEPARENT), None);
        let events = EventTrace::new(&metadata, spot(&metadata), headers);
        let HandlerTrace::Known(known) = events.for_handler() else {
            panic!("the headers are not kept for later");
        };
        assert_eq!(
            known.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        let events = EventTrace::new(&metadata, Spot::Unknown, TraceHeaders::NONE);
        assert!(matches!(events.for_handler(), HandlerTrace::Known(_)));
        // no trace at all: a fresh one, begun when asked for
        let events = EventTrace::new("{}", Spot::Nowhere, TraceHeaders::NONE);
        assert!(matches!(events.for_handler(), HandlerTrace::Deferred("")));
    }

    #[test]
    fn the_kept_text_is_cut_at_a_character_boundary() {
        // a two-byte character across the limit is dropped whole
        let text = "x".repeat(MAX_TRACE_BYTES) + "é";
        assert_eq!(bounded(&text), "x".repeat(MAX_TRACE_BYTES));
        let text = "x".repeat(MAX_TRACE_BYTES - 1) + "é";
        assert_eq!(bounded(&text), text);
        let text = "é".repeat(MAX_TRACE_BYTES);
        assert_eq!(bounded(&text), "é".repeat(MAX_TRACE_BYTES / 2));
        assert_eq!(bounded("{}"), "{}");
    }
}
