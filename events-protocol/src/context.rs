//! The event context of [PROTOCOL.md §7](crate::protocol#7-context-propagation): the `id` and `flowId` of the event
//! being handled, readable from inside a handler, so that events sent from it
//! continue the flow; and the handler's trace context
//! ([§8](crate::protocol#8-trace-context)), which they carry in
//! `metadata.trace`.

use std::cell::{OnceCell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::state::States;
use crate::trace::{HandlerTrace, TraceContext, read_deferred};

/// The `id` and `flowId` of the event being handled.
///
/// The processor sets it around every handler; a synchronous handler reads it
/// with [`EventContext::current`], and an `async` handler too, across `.await`
/// points and threads. Work that leaves the handler (a spawned task) takes it
/// along with [`EventContext::scope`] or [`EventContext::wrap`].
///
/// ```
/// use events_protocol::EventContext;
///
/// assert_eq!(EventContext::current(), None);
/// let outer = EventContext::new("session-1", "flow-1");
/// outer.scope(|| {
///     assert_eq!(EventContext::current().unwrap().flow_id(), "flow-1");
///     EventContext::new("session-2", "flow-2").scope(|| {
///         assert_eq!(EventContext::current().unwrap().flow_id(), "flow-2");
///     });
///     // the outer context is restored, not cleared
///     assert_eq!(EventContext::current().unwrap().flow_id(), "flow-1");
/// });
/// assert_eq!(EventContext::current(), None);
/// ```
///
/// The context also carries the processor's application state (see
/// [`State`](crate::State)), so a task that takes the context along can read
/// the state a handler can; and the handler's trace context
/// ([`EventContext::trace`]), which every event built in it carries in
/// `metadata.trace`.
#[derive(Clone, Debug)]
pub struct EventContext {
    id: String,
    flow_id: String,
    states: States,
    trace: Option<TraceContext>,
}

/// Contexts are equal when their ids and trace contexts are and they carry
/// the same states.
impl PartialEq for EventContext {
    fn eq(&self, other: &EventContext) -> bool {
        self.id == other.id
            && self.flow_id == other.flow_id
            && self.trace == other.trace
            && self.states.same(&other.states)
    }
}

impl Eq for EventContext {}

impl std::hash::Hash for EventContext {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
        self.flow_id.hash(state);
    }
}

impl EventContext {
    /// A context with this id and flow id, and no trace context.
    pub fn new(id: impl Into<String>, flow_id: impl Into<String>) -> EventContext {
        EventContext {
            id: id.into(),
            flow_id: flow_id.into(),
            states: States::default(),
            trace: None,
        }
    }

    /// The same context, with `trace` as the span it runs in: the events
    /// built while it is current carry `trace` in `metadata.trace`, `trace`'s
    /// span id as their parent ([PROTOCOL.md §8](crate::protocol#8-trace-context)).
    /// The processor sets it around every handler; set it yourself to
    /// continue a trace of your own from outside a handler.
    ///
    /// ```
    /// use events_protocol::trace::TraceContext;
    /// use events_protocol::{Event, EventContext};
    ///
    /// let incoming = TraceContext::from_traceparent_header(
    ///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    /// )
    /// .ok_or("not a traceparent")?;
    /// // the span of this piece of work: a child of the incoming one
    /// let span = incoming.child();
    /// let context = EventContext::new("session-1", "flow-1").with_trace(span.clone());
    /// let event = context.scope(|| Event::builder("user:profile:get", 1).build())?;
    /// assert_eq!(
    ///     event.metadata().get(),
    ///     format!(r#"{{"trace":{{"traceparent":"{}"}}}}"#, span.traceparent())
    /// );
    /// assert!(span.traceparent().starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_trace(mut self, trace: TraceContext) -> EventContext {
        self.trace = Some(trace);
        self
    }

    /// The same context, carrying `states`.
    pub(crate) fn with_states(mut self, states: States) -> EventContext {
        self.states = states;
        self
    }

    /// The context of the event being handled on this thread (or by this
    /// task), if any, with the state it carries.
    pub fn current() -> Option<EventContext> {
        STACK.with(|stack| {
            let stack = stack.borrow();
            let frame = stack.top()?;
            Some(EventContext {
                id: frame.id.clone(),
                flow_id: frame.flow_id.clone(),
                states: frame.states.clone(),
                trace: frame.trace.get().cloned(),
            })
        })
    }

    /// The trace context of the event being handled on this thread (or by
    /// this task), if any: what [`EventContext::current`] would carry,
    /// without copying the ids and the state. A handler's context is read
    /// from its event's `metadata.trace` the first time it is asked for
    /// ([PROTOCOL.md §8](crate::protocol#8-trace-context)).
    ///
    /// ```
    /// use events_protocol::EventContext;
    /// use events_protocol::trace::TraceContext;
    ///
    /// assert_eq!(EventContext::current_trace(), None);
    /// let trace = TraceContext::root();
    /// EventContext::new("session-1", "flow-1")
    ///     .with_trace(trace.clone())
    ///     .scope(|| assert_eq!(EventContext::current_trace(), Some(trace)));
    /// ```
    pub fn current_trace() -> Option<TraceContext> {
        with_current(|current| current?.trace.cloned())
    }

    /// The terminal session id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The flow id.
    pub fn flow_id(&self) -> &str {
        &self.flow_id
    }

    /// The trace context of the span this context runs in: inside a handler,
    /// the handler's span, a child of the context its event came with (or
    /// the first span of a fresh trace).
    pub fn trace(&self) -> Option<&TraceContext> {
        self.trace.as_ref()
    }

    /// A clone of the processor's state of type `T` (see
    /// [`State`](crate::State)), when it was given one: for a handler written
    /// by hand, or a task that took the context along.
    pub fn state<T: Clone + 'static>(&self) -> Option<T> {
        self.states.get::<T>().cloned()
    }

    /// Runs `work` with this context current, then restores the one before,
    /// even when `work` panics.
    pub fn scope<R>(&self, work: impl FnOnce() -> R) -> R {
        let _guard = Entered::enter(
            &self.id,
            &self.flow_id,
            &self.states,
            self.trace.as_ref().map(HandlerTrace::Known),
        );
        work()
    }

    /// A future that has this context current whenever it is polled, on
    /// whichever thread.
    pub fn wrap<F: Future>(self, future: F) -> WithContext<F> {
        WithContext {
            context: self,
            future,
        }
    }
}

pin_project_lite::pin_project! {
    /// A future with an [`EventContext`] current while it is polled; made by
    /// [`EventContext::wrap`].
    #[derive(Debug)]
    pub struct WithContext<F> {
        context: EventContext,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for WithContext<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let context = &this.context;
        let _guard = Entered::enter(
            &context.id,
            &context.flow_id,
            &context.states,
            context.trace.as_ref().map(HandlerTrace::Known),
        );
        this.future.poll(cx)
    }
}

/// A fresh id: a UUID v4, the `id` or `flowId` of an event that has none
/// ([PROTOCOL.md §7](crate::protocol#7-context-propagation)).
pub(crate) fn fresh_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The contexts entered on this thread, innermost last. Frames are reused, so
/// entering a context allocates only the first few times on a thread.
#[derive(Default)]
struct Stack {
    frames: Vec<Frame>,
    depth: usize,
}

/// One context entered.
#[derive(Default)]
struct Frame {
    id: String,
    flow_id: String,
    states: States,
    trace: FrameTrace,
}

/// The trace context of a frame: none, known, or read from the kept text of
/// the event's `metadata.trace` the first time it is asked for
/// ([`HandlerTrace::Deferred`]).
#[derive(Default)]
struct FrameTrace {
    known: OnceCell<TraceContext>,
    /// Whether `text` is to be read when the context is asked for.
    deferred: bool,
    /// The deferred text (a buffer reused by the frame's next contexts).
    text: String,
}

impl FrameTrace {
    fn set(&mut self, trace: Option<HandlerTrace<'_>>) {
        self.known = OnceCell::new();
        self.deferred = false;
        match trace {
            None => {}
            Some(HandlerTrace::Known(known)) => self.known = OnceCell::from(known.clone()),
            Some(HandlerTrace::Deferred(text)) => {
                self.text.clear();
                // at most MAX_TRACE_BYTES and one (`HandlerTrace::Deferred`)
                self.text.push_str(text);
                self.deferred = true;
            }
        }
    }

    fn get(&self) -> Option<&TraceContext> {
        match self.known.get() {
            Some(known) => Some(known),
            None if self.deferred => Some(self.known.get_or_init(|| read_deferred(&self.text))),
            None => None,
        }
    }
}

impl Stack {
    fn top(&self) -> Option<&Frame> {
        self.frames.get(self.depth.checked_sub(1)?)
    }
}

thread_local! {
    static STACK: RefCell<Stack> = RefCell::new(Stack::default());
}

/// What an event built now takes from the current context.
pub(crate) struct Current<'a> {
    pub(crate) id: &'a str,
    pub(crate) flow_id: &'a str,
    pub(crate) trace: Option<&'a TraceContext>,
}

/// Calls `read` with the current context's ids and trace, without copying
/// them.
pub(crate) fn with_current<R>(read: impl FnOnce(Option<Current<'_>>) -> R) -> R {
    STACK.with(|stack| {
        let stack = stack.borrow();
        read(stack.top().map(|frame| Current {
            id: frame.id.as_str(),
            flow_id: frame.flow_id.as_str(),
            trace: frame.trace.get(),
        }))
    })
}

/// Calls `read` with the states of the current context (none outside one).
pub(crate) fn with_current_states<R>(read: impl FnOnce(&States) -> R) -> R {
    STACK.with(|stack| {
        let stack = stack.borrow();
        match stack.top() {
            Some(frame) => read(&frame.states),
            None => read(&States::default()),
        }
    })
}

/// A context made current on this thread until it is dropped.
pub(crate) struct Entered(());

impl Entered {
    pub(crate) fn enter(
        id: &str,
        flow_id: &str,
        states: &States,
        trace: Option<HandlerTrace<'_>>,
    ) -> Entered {
        STACK.with(|stack| {
            let mut stack = stack.borrow_mut();
            let depth = stack.depth;
            if stack.frames.len() == depth {
                stack.frames.push(Frame::default());
            }
            if let Some(frame) = stack.frames.get_mut(depth) {
                frame.id.clear();
                frame.id.push_str(id);
                frame.flow_id.clear();
                frame.flow_id.push_str(flow_id);
                if !(frame.states.is_empty() && states.is_empty()) {
                    frame.states = states.clone();
                }
                frame.trace.set(trace);
            }
            stack.depth = depth + 1;
        });
        Entered(())
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        // `try_with`: a guard dropped while the thread's locals are being
        // destroyed has nothing left to restore
        let _ = STACK.try_with(|stack| {
            let mut stack = stack.borrow_mut();
            stack.depth = stack.depth.saturating_sub(1);
        });
    }
}
