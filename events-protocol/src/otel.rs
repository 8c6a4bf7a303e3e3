//! The bridge to OpenTelemetry (feature `opentelemetry`), through
//! `tracing-opentelemetry`: the event's `tracing` span is parented to the
//! incoming trace context and named as the other implementations name the
//! operation; the span context of the current span is what an outgoing call
//! carries.
//!
//! Without the feature, or without an OpenTelemetry layer in the
//! subscriber, the crate's own [`TraceContext`](crate::trace::TraceContext)
//! does the same: the handler's span is a child of the incoming context, its
//! trace id logged, its span id sent on.

#[cfg(feature = "opentelemetry")]
pub(crate) use on::{begin, finish, sending_span};

#[cfg(not(feature = "opentelemetry"))]
pub(crate) use off::{begin, finish, sending_span};

#[cfg(not(feature = "opentelemetry"))]
mod off {
    use tracing::Span;

    use crate::Event;
    use crate::trace::TraceContext;

    /// The trace context an outgoing event carries: the current context's.
    pub(crate) fn sending_span(current: Option<&TraceContext>) -> Option<TraceContext> {
        current.cloned()
    }

    /// No OpenTelemetry span: the handler's span is the crate's own.
    pub(crate) fn begin(
        _span: &Span,
        _incoming: Option<&TraceContext>,
        _event: Option<&Event<'_>>,
    ) -> Option<TraceContext> {
        None
    }

    /// Nothing to tell OpenTelemetry.
    pub(crate) fn finish(_span: &Span, _outcome: &str) {}
}

#[cfg(feature = "opentelemetry")]
mod on {
    use std::str::FromStr;

    use opentelemetry::trace::{
        SpanContext, SpanId as OtelSpanId, Status, TraceContextExt, TraceFlags,
        TraceId as OtelTraceId, TraceState,
    };
    use tracing::Span;
    use tracing_opentelemetry::OpenTelemetrySpanExt;

    use crate::Event;
    use crate::trace::{SpanId, TraceContext, TraceId};

    /// The value of `rpc.system` on every event's span.
    const RPC_SYSTEM: &str = "events-protocol";

    /// The crate's trace context of an OpenTelemetry span context, when it is
    /// valid.
    fn from_otel(context: &SpanContext) -> Option<TraceContext> {
        if !context.is_valid() {
            return None;
        }
        let trace_id = TraceId::new(u128::from_be_bytes(context.trace_id().to_bytes()))?;
        let span_id = SpanId::new(u64::from_be_bytes(context.span_id().to_bytes()))?;
        let trace = TraceContext::new(trace_id, span_id, context.is_sampled());
        let tracestate = context.trace_state().header();
        Some(if tracestate.is_empty() {
            trace
        } else {
            trace.with_tracestate(&tracestate)
        })
    }

    /// The remote OpenTelemetry parent of an incoming trace context.
    fn to_otel(incoming: &TraceContext) -> opentelemetry::Context {
        let flags = TraceFlags::default().with_sampled(incoming.sampled());
        let state = incoming
            .tracestate()
            .and_then(|tracestate| TraceState::from_str(tracestate).ok())
            .unwrap_or_default();
        let context = SpanContext::new(
            OtelTraceId::from(incoming.trace_id().get()),
            OtelSpanId::from(incoming.span_id().get()),
            flags,
            true,
            state,
        );
        opentelemetry::Context::new().with_remote_span_context(context)
    }

    /// The trace context an outgoing event carries: the current `tracing`
    /// span's OpenTelemetry context when it has one in the trace of the
    /// current event context (a span of the handler's own, inside the
    /// event's), keeping the event's `tracestate` and style; else the current
    /// context's.
    pub(crate) fn sending_span(current: Option<&TraceContext>) -> Option<TraceContext> {
        let otel = Span::current().context();
        let Some(span) = from_otel(otel.span().span_context()) else {
            return current.cloned();
        };
        match current {
            Some(current) if current.trace_id() == span.trace_id() => Some(
                current
                    .clone()
                    .with_span_id(span.span_id())
                    .with_sampled(span.sampled()),
            ),
            Some(current) => Some(current.clone()),
            None => Some(span),
        }
    }

    /// Makes the event's span an OpenTelemetry span, when the subscriber has
    /// an OpenTelemetry layer: parented to `incoming` (else to whatever
    /// contains it), named `name:V<version>` (as the other implementations
    /// name the operation), of kind server, with the protocol's attributes.
    /// Returns its span context, which the handler runs in; `None` without
    /// the layer.
    pub(crate) fn begin(
        span: &Span,
        incoming: Option<&TraceContext>,
        event: Option<&Event<'_>>,
    ) -> Option<TraceContext> {
        // no subscriber listens (the log's level is above the span's): no
        // OpenTelemetry span either
        if span.is_disabled() {
            return None;
        }
        // fails at once without the layer (an empty context is no parent,
        // and the span is not started yet: the parent set below replaces
        // it): nothing more to do, no context made
        span.set_parent(opentelemetry::Context::new()).ok()?;
        let parent = match incoming {
            Some(incoming) => to_otel(incoming),
            None => {
                // what the layer would have chosen: the containing span's
                let outer = Span::current().context();
                if outer.has_active_span() {
                    outer
                } else {
                    opentelemetry::Context::current()
                }
            }
        };
        span.set_parent(parent).ok()?;
        span.record("otel.kind", "server");
        span.set_attribute("rpc.system", RPC_SYSTEM);
        if let Some(event) = event {
            let method = format!("{}:V{}", event.name(), event.version());
            span.record("otel.name", method.as_str());
            span.set_attribute("rpc.method", method);
            span.set_attribute("EventID", event.id().to_owned());
            span.set_attribute("FlowID", event.flow_id().to_owned());
            span.set_attribute(
                "UserID",
                event
                    .user_id()
                    .map_or_else(|| "unknown".to_owned(), |id| id.to_string()),
            );
            span.set_attribute(
                "Origin",
                event.origin().unwrap_or_else(|| "unknown".to_owned()),
            );
        }
        let started = span.context();
        let context = from_otel(started.span().span_context())?;
        Some(match incoming {
            // the incoming style and `tracestate` go on
            Some(incoming) => incoming
                .clone()
                .with_span_id(context.span_id())
                .with_sampled(context.sampled()),
            None => context,
        })
    }

    /// Marks the span failed when the handler failed (`error`: a panic, an
    /// answer that could not be written, a dependency that failed).
    pub(crate) fn finish(span: &Span, outcome: &str) {
        if outcome == "error" {
            span.set_status(Status::error("the event was answered `error`"));
        }
    }
}
