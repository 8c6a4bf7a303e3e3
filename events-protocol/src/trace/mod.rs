//! Trace context carried inside the event, in `metadata.trace`
//! (PROTOCOL.md §8): W3C Trace Context (`traceparent`, `tracestate`) read
//! and written, Datadog's keys (`x-datadog-*`) read and written on demand.
//!
//! The Kotlin reference's tracing client injects the active span into
//! `metadata.trace`, a JSON object of string keys; its server extracts from
//! the same object. A [`TraceContext`] is that context without a tracing
//! backend: read from an event ([`TraceContext::from_metadata`]), else from
//! the HTTP `traceparent` header, else started fresh ([`TraceContext::root`]);
//! continued with a new span ([`TraceContext::child`]); written into the
//! `metadata` of the events sent on ([`TraceContext::inject`]).
//!
//! ```
//! use events_protocol::trace::{Propagation, TraceContext, TraceStyle};
//!
//! // the metadata of a request event, as a Datadog-traced Kotlin service sends it
//! let metadata = r#"{"origin":"app","trace":{"x-datadog-trace-id":"4611686018427387904","x-datadog-parent-id":"7","x-datadog-sampling-priority":"1"}}"#;
//!
//! // the server's span: a child of the caller's, or the root of a new trace
//! let span = TraceContext::extract(metadata, None, None)
//!     .unwrap_or_else(TraceContext::root)
//!     .child();
//! assert_eq!(span.trace_id().to_string(), "00000000000000004000000000000000");
//! assert_eq!(span.styles(), TraceStyle::Datadog);
//!
//! // an event sent on carries it: W3C always, Datadog since it came in so
//! let sent = span.inject(r#"{"origin":"app"}"#, Propagation::AsReceived);
//! assert_eq!(
//!     sent,
//!     format!(
//!         concat!(
//!             r#"{{"origin":"app","trace":{{"traceparent":"00-00000000000000004000000000000000-{span:016x}-01","#,
//!             r#""x-datadog-trace-id":"4611686018427387904","x-datadog-parent-id":"{span}","#,
//!             r#""x-datadog-sampling-priority":"1"}}}}"#,
//!         ),
//!         span = span.span_id().get(),
//!     )
//! );
//! assert_eq!(TraceContext::from_metadata(&sent), Some(span.with_styles(TraceStyle::Both)));
//! ```

mod datadog;
mod deferred;
mod id;
mod w3c;

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use crate::event::Spot;
use crate::json;

pub(crate) use deferred::{EventTrace, HandlerTrace, read_deferred};
pub use id::{SpanId, TraceId};

/// The largest `metadata.trace` object read, in bytes of JSON text; a larger
/// one is ignored.
pub const MAX_TRACE_BYTES: usize = 4096;

/// The most keys a `metadata.trace` object may have; one with more is
/// ignored.
pub const MAX_TRACE_KEYS: usize = 32;

/// Which propagation keys a [`TraceContext`] came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TraceStyle {
    /// W3C Trace Context: a valid `traceparent`. Also the style of a context
    /// made here ([`TraceContext::root`], [`TraceContext::new`]) or read
    /// from the `traceparent` header.
    W3c,
    /// Datadog's keys, valid, with no valid `traceparent`.
    Datadog,
    /// Both, each valid (the ids are the `traceparent`'s).
    Both,
}

impl TraceStyle {
    /// Whether this includes Datadog's keys.
    #[must_use]
    pub const fn has_datadog(self) -> bool {
        matches!(self, Self::Datadog | Self::Both)
    }
}

/// Which keys [`TraceContext::inject`] writes: the W3C keys always, and
/// Datadog's as this says. A setting of whatever sends events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Propagation {
    /// Datadog's keys too when the context came in with them
    /// ([`TraceStyle::has_datadog`]): each caller is answered in the style
    /// it speaks.
    #[default]
    AsReceived,
    /// Datadog's keys always, for services downstream that read only them.
    AlwaysDatadog,
}

/// The HTTP headers of W3C Trace Context that came with a body: the
/// fallback of a server for an event that carries no `metadata.trace`
/// (PROTOCOL.md §8), as service meshes and proxies set them. Given to
/// [`Processor::process_bytes_in_place_with`](crate::Processor::process_bytes_in_place_with);
/// the `tower` service and the `axum` routes pass them.
///
/// ```
/// use events_protocol::trace::TraceHeaders;
///
/// let headers = TraceHeaders::new(
///     Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
///     Some("rojo=00f067aa0ba902b7"),
/// );
/// assert_eq!(
///     headers.context().map(|context| context.trace_id().to_string()).as_deref(),
///     Some("4bf92f3577b34da6a3ce929d0e0e4736")
/// );
/// assert_eq!(TraceHeaders::NONE.context(), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceHeaders<'a> {
    traceparent: Option<&'a str>,
    tracestate: Option<&'a str>,
}

impl<'a> TraceHeaders<'a> {
    /// No headers.
    pub const NONE: TraceHeaders<'static> = TraceHeaders {
        traceparent: None,
        tracestate: None,
    };

    /// The value of the `traceparent` header (exactly one line of it: with
    /// several, give `None`), and of the `tracestate` header (several lines
    /// joined with `,`).
    #[must_use]
    pub const fn new(traceparent: Option<&'a str>, tracestate: Option<&'a str>) -> Self {
        Self {
            traceparent,
            tracestate,
        }
    }

    /// The `traceparent` header.
    #[must_use]
    pub const fn traceparent(&self) -> Option<&'a str> {
        self.traceparent
    }

    /// The `tracestate` header.
    #[must_use]
    pub const fn tracestate(&self) -> Option<&'a str> {
        self.tracestate
    }

    /// The context of the headers alone: see
    /// [`TraceContext::from_traceparent_header`].
    #[must_use]
    pub fn context(&self) -> Option<TraceContext> {
        TraceContext::extract("", self.traceparent, self.tracestate)
    }
}

/// The trace context of an event: a trace id, the id of the span it names,
/// whether the trace is sampled, W3C's `tracestate`, and the style it came
/// in.
///
/// Read with [`TraceContext::from_metadata`],
/// [`TraceContext::from_traceparent_header`] or both through
/// [`TraceContext::extract`]: reading never fails loudly, any malformed or
/// hostile input is `None`, and the caller starts a fresh trace with
/// [`TraceContext::root`].
///
/// Cloning it is cheap (the `tracestate` is shared).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: TraceId,
    span_id: SpanId,
    sampled: bool,
    tracestate: Option<Arc<str>>,
    styles: TraceStyle,
}

/// The keys of `metadata.trace` that are read, lowercase; matched ignoring
/// ASCII case.
const KEYS: [&str; 6] = [
    "traceparent",
    "tracestate",
    "x-datadog-trace-id",
    "x-datadog-parent-id",
    "x-datadog-sampling-priority",
    "x-datadog-tags",
];
const TRACEPARENT: usize = 0;
const TRACESTATE: usize = 1;
const DD_TRACE_ID: usize = 2;
const DD_PARENT_ID: usize = 3;
const DD_SAMPLING_PRIORITY: usize = 4;
const DD_TAGS: usize = 5;

impl TraceContext {
    /// A context of these ids, style [`TraceStyle::W3c`], no `tracestate`:
    /// for a caller that has a tracer of its own.
    #[must_use]
    pub const fn new(trace_id: TraceId, span_id: SpanId, sampled: bool) -> Self {
        Self {
            trace_id,
            span_id,
            sampled,
            tracestate: None,
            styles: TraceStyle::W3c,
        }
    }

    /// The first span of a new trace: a random trace id and span id (never
    /// zero), sampled (the conservative choice without a sampler: services
    /// downstream keep the trace), style [`TraceStyle::W3c`].
    ///
    /// The ids come from a per-thread generator seeded from the OS: a few
    /// nanoseconds, unique and well spread, not secret.
    #[must_use]
    pub fn root() -> Self {
        Self::new(TraceId::random(), SpanId::random(), true)
    }

    /// A span in the same trace whose parent is this one: the same trace id,
    /// flag, `tracestate` and style, a new random span id. What a server
    /// continues an incoming context with, and what it then injects into
    /// the events it sends.
    #[must_use]
    pub fn child(&self) -> Self {
        Self {
            span_id: SpanId::random(),
            ..self.clone()
        }
    }

    /// This context naming another span of the same trace.
    #[cfg_attr(not(feature = "opentelemetry"), allow(dead_code))]
    pub(crate) fn with_span_id(self, span_id: SpanId) -> Self {
        Self { span_id, ..self }
    }

    /// This context with another sampled flag.
    #[must_use]
    pub fn with_sampled(self, sampled: bool) -> Self {
        Self { sampled, ..self }
    }

    /// This context with another style, which decides whether
    /// [`Propagation::AsReceived`] writes Datadog's keys.
    #[must_use]
    pub fn with_styles(self, styles: TraceStyle) -> Self {
        Self { styles, ..self }
    }

    /// This context with a `tracestate` (as the HTTP `tracestate` header
    /// gives it, several header lines joined with `,`): kept normalised when
    /// it is valid by the W3C grammar, within 32 list members and 512 bytes;
    /// otherwise the context has none.
    #[must_use]
    pub fn with_tracestate(self, tracestate: &str) -> Self {
        Self {
            tracestate: w3c::tracestate(tracestate),
            ..self
        }
    }

    /// The trace id.
    #[must_use]
    pub const fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The span this context names: the caller's span on a context read from
    /// an event (W3C's `parent-id`), a new one on a [`child`](Self::child).
    /// Written as `parent-id` and `x-datadog-parent-id`.
    #[must_use]
    pub const fn span_id(&self) -> SpanId {
        self.span_id
    }

    /// Whether the trace is sampled: W3C's `sampled` flag, or a Datadog
    /// sampling priority above zero.
    #[must_use]
    pub const fn sampled(&self) -> bool {
        self.sampled
    }

    /// The W3C `tracestate`, normalised (no empty members, no whitespace
    /// around them).
    #[must_use]
    pub fn tracestate(&self) -> Option<&str> {
        self.tracestate.as_deref()
    }

    /// The style the context came in.
    #[must_use]
    pub const fn styles(&self) -> TraceStyle {
        self.styles
    }

    /// The version-00 `traceparent` of this context, for an HTTP header or a
    /// log: `00-<trace id>-<span id>-<01 or 00>`.
    #[must_use]
    pub fn traceparent(&self) -> String {
        let mut out = String::with_capacity(55);
        w3c::push_traceparent(&mut out, self.trace_id, self.span_id, self.sampled);
        out
    }

    /// The context in `metadata.trace`, given the text of an event's
    /// `metadata` object (valid JSON). Never an error, never a panic: `None`
    /// when there is no usable context, and the caller starts a fresh trace.
    ///
    /// Only the top-level key `trace` is read, and it costs a byte search
    /// when it is absent. It is `None` when `trace` is repeated, not an
    /// object, over [`MAX_TRACE_BYTES`] or [`MAX_TRACE_KEYS`], holds a value
    /// that is not a string, or holds one of the keys read twice. The keys
    /// read are matched ignoring ASCII case (they are HTTP header names);
    /// others are ignored:
    ///
    /// - `traceparent`: `00-<32 hex>-<16 hex>-<2 hex>`, lowercase, ids not
    ///   zero; a version above `00` (but not `ff`) by its first four fields;
    /// - `tracestate`, kept with a valid `traceparent` when valid (see
    ///   [`with_tracestate`](Self::with_tracestate)), else dropped;
    /// - `x-datadog-trace-id`, `x-datadog-parent-id`: non-zero decimal
    ///   64-bit numbers; `x-datadog-sampling-priority`: a decimal integer,
    ///   sampled above zero, not sampled when absent; `x-datadog-tags`: its
    ///   `_dd.p.tid` (16 lowercase hex digits) gives the upper 64 bits of the
    ///   trace id, and malformed tags are ignored as Datadog's tracers do.
    ///
    /// A valid `traceparent` wins (style [`TraceStyle::Both`] when Datadog's
    /// keys are valid too); Datadog's keys are the fallback.
    ///
    /// ```
    /// use events_protocol::trace::{TraceContext, TraceStyle};
    ///
    /// let metadata = r#"{"trace":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tracestate":"rojo=00f067aa0ba902b7"}}"#;
    /// let context = TraceContext::from_metadata(metadata);
    /// assert_eq!(
    ///     context.as_ref().map(|c| (c.trace_id().to_string(), c.span_id().to_string(), c.sampled(), c.tracestate(), c.styles())),
    ///     Some(("4bf92f3577b34da6a3ce929d0e0e4736".into(), "00f067aa0ba902b7".into(), true, Some("rojo=00f067aa0ba902b7"), TraceStyle::W3c))
    /// );
    /// assert_eq!(TraceContext::from_metadata(r#"{"origin":"app"}"#), None);
    /// assert_eq!(TraceContext::from_metadata(r#"{"trace":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#), None);
    /// ```
    #[must_use]
    pub fn from_metadata(metadata_json: &str) -> Option<Self> {
        if !may_hold_trace(metadata_json) {
            return None;
        }
        // a repeated `trace` is ambiguous: none is read
        let [trace] = json::unique_members(metadata_json, ["trace"])?;
        Self::from_trace_object(metadata_json, trace?.range.start)
    }

    /// The context of the `trace` object that `text` begins with (what
    /// follows it is not read).
    pub(crate) fn from_trace_object_text(text: &str) -> Option<Self> {
        Self::from_trace_object(text, 0)
    }

    /// The context of the `trace` object whose `{` is at `open` in `text`
    /// (`None` when there is no object there).
    fn from_trace_object(text: &str, open: usize) -> Option<Self> {
        Self::from_w3c_object(text.get(open..)?).or_else(|| Self::walk_trace_object(text, open))
    }

    /// The context of a `trace` object that `text` begins with, when it is
    /// written as this library and W3C propagators write it, compact, with
    /// nothing but a valid version-00 `traceparent` and, after it, a
    /// `tracestate` without escapes: read without walking the object, to
    /// the context [`walk_trace_object`](Self::walk_trace_object) gives. Any
    /// other object (other keys, another order, spacing, escapes, an
    /// invalid `traceparent`) is `None` here and walked.
    fn from_w3c_object(text: &str) -> Option<Self> {
        let value = text.strip_prefix(r#"{"traceparent":""#)?;
        let (traceparent, rest) = value.split_at_checked(w3c::TRACEPARENT_LEN)?;
        // only hex digits and dashes in a valid one: its string ends here
        let (trace_id, span_id, sampled) = w3c::traceparent(traceparent)?;
        let tracestate = match rest.strip_prefix('"')? {
            after if after.starts_with('}') => None,
            after => {
                let state = after.strip_prefix(r#","tracestate":""#)?;
                let end = json::quote_or_backslash(state.as_bytes(), 0)?;
                let (state, after) = state.split_at_checked(end)?;
                // the object's own end, and its size within the bound
                let size = text.len() - after.len() + 2;
                if !after.starts_with("\"}") || size > MAX_TRACE_BYTES {
                    return None;
                }
                // an invalid one is dropped, the traceparent kept
                w3c::tracestate(state)
            }
        };
        Some(Self {
            trace_id,
            span_id,
            sampled,
            tracestate,
            styles: TraceStyle::W3c,
        })
    }

    /// [`from_trace_object`](Self::from_trace_object) by walking the
    /// object's members.
    fn walk_trace_object(text: &str, open: usize) -> Option<Self> {
        let mut values: [Option<Cow<'_, str>>; KEYS.len()] = Default::default();
        let mut count = 0;
        let end = json::object_members(text, open, |member| {
            count += 1;
            if count > MAX_TRACE_KEYS
                || member.value.range.end.saturating_sub(open) > MAX_TRACE_BYTES
            {
                return false;
            }
            if text.as_bytes().get(member.value.range.start) != Some(&b'"') {
                return false;
            }
            let Some(key) = json::decode(text, &member.key) else {
                return false;
            };
            let Some(slot) = KEYS
                .iter()
                .position(|known| known.eq_ignore_ascii_case(&key))
            else {
                return true;
            };
            match (&values[slot], json::decode(text, &member.value)) {
                (None, Some(value)) => {
                    values[slot] = Some(value);
                    true
                }
                _ => false,
            }
        })?;
        if end - open > MAX_TRACE_BYTES {
            return None;
        }
        let value = |slot: usize| values[slot].as_deref();
        let datadog = match (value(DD_TRACE_ID), value(DD_PARENT_ID)) {
            (Some(trace_id), Some(parent_id)) => datadog::read(
                trace_id,
                parent_id,
                value(DD_SAMPLING_PRIORITY),
                value(DD_TAGS),
            ),
            _ => None,
        };
        let context = match value(TRACEPARENT).and_then(w3c::traceparent) {
            Some((trace_id, span_id, sampled)) => Self {
                trace_id,
                span_id,
                sampled,
                tracestate: value(TRACESTATE).and_then(w3c::tracestate),
                styles: if datadog.is_some() {
                    TraceStyle::Both
                } else {
                    TraceStyle::W3c
                },
            },
            None => {
                let (trace_id, span_id, sampled) = datadog?;
                Self {
                    styles: TraceStyle::Datadog,
                    ..Self::new(trace_id, span_id, sampled)
                }
            }
        };
        Some(context)
    }

    /// The context of an HTTP `traceparent` header value (optional
    /// whitespace around it allowed), style [`TraceStyle::W3c`], by the
    /// rules of [`from_metadata`](Self::from_metadata). Attach the
    /// `tracestate` header with [`with_tracestate`](Self::with_tracestate).
    ///
    /// ```
    /// use events_protocol::trace::TraceContext;
    ///
    /// let context = TraceContext::from_traceparent_header(
    ///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
    /// )
    /// .map(|context| context.with_tracestate("congo=t61rcWkgMzE"));
    /// assert_eq!(
    ///     context.as_ref().map(|c| (c.traceparent(), c.tracestate())),
    ///     Some((
    ///         "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00".to_owned(),
    ///         Some("congo=t61rcWkgMzE")
    ///     ))
    /// );
    /// ```
    #[must_use]
    pub fn from_traceparent_header(value: &str) -> Option<Self> {
        let (trace_id, span_id, sampled) = w3c::traceparent(value.trim_matches([' ', '\t']))?;
        Some(Self::new(trace_id, span_id, sampled))
    }

    /// The context a server continues: `metadata.trace` when it holds one
    /// ([`from_metadata`](Self::from_metadata)), else the HTTP `traceparent`
    /// header with its `tracestate` header, else `None` (start a
    /// [`root`](Self::root)). The event wins over the headers even when both
    /// are valid.
    #[must_use]
    pub fn extract(
        metadata_json: &str,
        traceparent_header: Option<&str>,
        tracestate_header: Option<&str>,
    ) -> Option<Self> {
        Self::extract_at(
            metadata_json,
            Spot::Unknown,
            traceparent_header,
            tracestate_header,
        )
    }

    /// [`extract`](Self::extract), told where the `trace` member of the
    /// metadata is when the reader found out.
    pub(crate) fn extract_at(
        metadata_json: &str,
        at: Spot,
        traceparent_header: Option<&str>,
        tracestate_header: Option<&str>,
    ) -> Option<Self> {
        let in_metadata = match at {
            Spot::Unknown => Self::from_metadata(metadata_json),
            Spot::Nowhere | Spot::Repeated => None,
            // a `trace` that is not an object is no trace context
            Spot::At(open) => usize::try_from(open)
                .ok()
                .and_then(|open| Self::from_trace_object(metadata_json, open)),
        };
        in_metadata.or_else(|| {
            let context = Self::from_traceparent_header(traceparent_header?)?;
            Some(match tracestate_header {
                Some(tracestate) => context.with_tracestate(tracestate),
                None => context,
            })
        })
    }

    /// The text of the `metadata` object `metadata_json` with its `trace` key
    /// set to this context: see [`inject_into`](Self::inject_into).
    ///
    /// ```
    /// use events_protocol::trace::{Propagation, TraceContext};
    ///
    /// let context = TraceContext::from_traceparent_header(
    ///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    /// );
    /// let inject = |metadata, propagation| context.as_ref().map(|c| c.inject(metadata, propagation));
    /// assert_eq!(
    ///     inject(r#"{"origin": "app", "trace": {"old": "x"}}"#, Propagation::AsReceived).as_deref(),
    ///     Some(r#"{"origin": "app", "trace": {"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}"#)
    /// );
    /// assert_eq!(
    ///     inject("{}", Propagation::AlwaysDatadog).as_deref(),
    ///     Some(concat!(
    ///         r#"{"trace":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","#,
    ///         r#""x-datadog-trace-id":"11803532876627986230","x-datadog-parent-id":"67667974448284343","#,
    ///         r#""x-datadog-sampling-priority":"1","x-datadog-tags":"_dd.p.tid=4bf92f3577b34da6"}}"#
    ///     ))
    /// );
    /// ```
    #[must_use]
    pub fn inject(&self, metadata_json: &str, propagation: Propagation) -> String {
        let mut out = String::with_capacity(metadata_json.len() + 256);
        self.inject_into(metadata_json, propagation, &mut out);
        out
    }

    /// Appends to `out` the text of the `metadata` object `metadata_json`
    /// with its `trace` key set to this context, a compact JSON object of
    /// string keys: `traceparent` (version `00`), `tracestate` when there is
    /// one, and when `propagation` asks for Datadog's keys
    /// `x-datadog-trace-id` (the lower 64 bits, decimal),
    /// `x-datadog-parent-id` (decimal), `x-datadog-sampling-priority` (`1`
    /// or `0`), and `x-datadog-tags` (`_dd.p.tid=<16 hex>`) when the upper 64
    /// bits are not zero.
    ///
    /// Every other byte of `metadata_json` is kept as it is: the other keys
    /// in their order, their spacing and escapes. An existing `trace` keeps
    /// its place and gets the new value; a repeated one is removed. Without
    /// one, `trace` is appended after the last key. Text that is not a JSON
    /// object (such as an empty string or `null`, an absent `metadata`) is
    /// read as `{}`.
    pub fn inject_into(&self, metadata_json: &str, propagation: Propagation, out: &mut String) {
        let datadog = match propagation {
            Propagation::AsReceived => self.styles.has_datadog(),
            Propagation::AlwaysDatadog => true,
        };
        let text = metadata_json;
        let mut first: Option<Range<usize>> = None;
        let mut repeated: Vec<Range<usize>> = Vec::new();
        let mut last_end = None;
        let walked = json::members(text, |member| {
            if is_trace_key(text, &member.key) {
                match (&first, member.comma) {
                    (None, _) => first = Some(member.value.range.clone()),
                    // a repeated member is removed with the comma before it
                    (Some(_), Some(comma)) => repeated.push(comma..member.value.range.end),
                    (Some(_), None) => return false,
                }
            }
            last_end = Some(member.value.range.end);
            true
        });
        // the positions are all next to ASCII bytes, so `get` never fails
        let slice = |range: Range<usize>| text.get(range).unwrap_or_default();
        let Some(walked) = walked else {
            out.push_str("{\"trace\":");
            self.push_object(datadog, out);
            out.push('}');
            return;
        };
        match first {
            Some(value) => {
                out.push_str(slice(0..value.start));
                self.push_object(datadog, out);
                let mut kept_from = value.end;
                for range in repeated {
                    out.push_str(slice(kept_from..range.start));
                    kept_from = range.end;
                }
                out.push_str(slice(kept_from..text.len()));
            }
            None => {
                let (at, separator) = match last_end {
                    Some(end) => (end, ","),
                    None => (walked.open + 1, ""),
                };
                out.push_str(slice(0..at));
                out.push_str(separator);
                out.push_str("\"trace\":");
                self.push_object(datadog, out);
                out.push_str(slice(at..text.len()));
            }
        }
    }

    /// Appends the compact `trace` object.
    fn push_object(&self, datadog: bool, out: &mut String) {
        out.push_str("{\"traceparent\":\"");
        w3c::push_traceparent(out, self.trace_id, self.span_id, self.sampled);
        out.push('"');
        if let Some(tracestate) = &self.tracestate {
            out.push_str(",\"tracestate\":\"");
            // printable ASCII: only `"` and `\` need an escape
            for character in tracestate.chars() {
                if matches!(character, '"' | '\\') {
                    out.push('\\');
                }
                out.push(character);
            }
            out.push('"');
        }
        if datadog {
            datadog::push_members(out, self.trace_id, self.span_id, self.sampled);
        }
        out.push('}');
    }
}

/// Whether `metadata` may have a `trace` key: it holds `"trace"`, or a
/// backslash (an escape could spell `trace`). Two searches, each faster
/// than one pass that stops at every quote.
fn may_hold_trace(metadata: &str) -> bool {
    metadata.contains("\"trace\"") || metadata.as_bytes().contains(&b'\\')
}

/// Whether the key `key` of `text` is `trace` (escapes decoded).
fn is_trace_key(text: &str, key: &json::Token) -> bool {
    if key.escaped {
        json::decode(text, key).as_deref() == Some("trace")
    } else {
        text.get(key.range.clone()) == Some("\"trace\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast read of a W3C `trace` object gives what the walk gives,
    /// whenever it gives anything; what it declines is walked.
    #[test]
    fn the_w3c_fast_read_agrees_with_the_walk() {
        let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let long_state = format!("a={}", "x".repeat(600));
        let huge_state = format!("a={}", "x".repeat(MAX_TRACE_BYTES));
        let mut taken = 0;
        for traceparent in [
            valid,
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01é",
        ] {
            for tail in [
                String::new(),
                r#","tracestate":"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE""#.to_owned(),
                r#","tracestate":"rojo=1 , congo=2""#.to_owned(),
                r#","tracestate":"not valid""#.to_owned(),
                r#","tracestate":"ro\"jo=1""#.to_owned(),
                r#","tracestate":"rojo=1","x-datadog-trace-id":"1","x-datadog-parent-id":"2""#
                    .to_owned(),
                r#","TraceState":"rojo=1""#.to_owned(),
                format!(r#","tracestate":"{long_state}""#),
                format!(r#","tracestate":"{huge_state}""#),
                r#","n":1"#.to_owned(),
            ] {
                for object in [
                    format!(r#"{{"traceparent":"{traceparent}"{tail}}}"#),
                    format!(r#"{{ "traceparent": "{traceparent}"{tail} }}"#),
                ] {
                    let walked = TraceContext::walk_trace_object(&object, 0);
                    if let Some(fast) = TraceContext::from_w3c_object(&object) {
                        taken += 1;
                        assert_eq!(Some(fast), walked, "{object}");
                    }
                    assert_eq!(
                        TraceContext::from_trace_object(&object, 0),
                        walked,
                        "{object}"
                    );
                }
            }
        }
        // the compact objects of valid traceparents, with a tracestate or none
        assert!(taken >= 12, "{taken}");
    }
}
