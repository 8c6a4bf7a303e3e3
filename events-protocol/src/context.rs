//! The event context of [PROTOCOL.md §7](crate::protocol#7-context-propagation): the `id` and `flowId` of the event
//! being handled, readable from inside a handler, so that events sent from it
//! continue the flow.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::state::States;

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
/// the state a handler can.
#[derive(Clone, Debug)]
pub struct EventContext {
    id: String,
    flow_id: String,
    states: States,
}

/// Contexts are equal when their ids are and they carry the same states.
impl PartialEq for EventContext {
    fn eq(&self, other: &EventContext) -> bool {
        self.id == other.id && self.flow_id == other.flow_id && self.states.same(&other.states)
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
    /// A context with this id and flow id.
    pub fn new(id: impl Into<String>, flow_id: impl Into<String>) -> EventContext {
        EventContext {
            id: id.into(),
            flow_id: flow_id.into(),
            states: States::default(),
        }
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
            })
        })
    }

    /// The terminal session id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The flow id.
    pub fn flow_id(&self) -> &str {
        &self.flow_id
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
        let _guard = Entered::enter(&self.id, &self.flow_id, &self.states);
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
        let _guard = Entered::enter(&context.id, &context.flow_id, &context.states);
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
}

impl Stack {
    fn top(&self) -> Option<&Frame> {
        self.frames.get(self.depth.checked_sub(1)?)
    }
}

thread_local! {
    static STACK: RefCell<Stack> = RefCell::new(Stack::default());
}

/// Calls `read` with the current `(id, flowId)`, without copying them.
pub(crate) fn with_current<R>(read: impl FnOnce(Option<(&str, &str)>) -> R) -> R {
    STACK.with(|stack| {
        let stack = stack.borrow();
        read(
            stack
                .top()
                .map(|frame| (frame.id.as_str(), frame.flow_id.as_str())),
        )
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
    pub(crate) fn enter(id: &str, flow_id: &str, states: &States) -> Entered {
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
