//! The event context of [PROTOCOL.md §7](crate::protocol#7-context-propagation): the `id` and `flowId` of the event
//! being handled, readable from inside a handler, so that events sent from it
//! continue the flow.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

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
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventContext {
    id: String,
    flow_id: String,
}

impl EventContext {
    /// A context with this id and flow id.
    pub fn new(id: impl Into<String>, flow_id: impl Into<String>) -> EventContext {
        EventContext {
            id: id.into(),
            flow_id: flow_id.into(),
        }
    }

    /// The context of the event being handled on this thread (or by this
    /// task), if any.
    pub fn current() -> Option<EventContext> {
        with_current(|current| current.map(|(id, flow_id)| EventContext::new(id, flow_id)))
    }

    /// The terminal session id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The flow id.
    pub fn flow_id(&self) -> &str {
        &self.flow_id
    }

    /// Runs `work` with this context current, then restores the one before,
    /// even when `work` panics.
    pub fn scope<R>(&self, work: impl FnOnce() -> R) -> R {
        let _guard = Entered::enter(&self.id, &self.flow_id);
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
        let _guard = Entered::enter(&this.context.id, &this.context.flow_id);
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
    frames: Vec<(String, String)>,
    depth: usize,
}

thread_local! {
    static STACK: RefCell<Stack> = RefCell::new(Stack::default());
}

/// Calls `read` with the current `(id, flowId)`, without copying them.
pub(crate) fn with_current<R>(read: impl FnOnce(Option<(&str, &str)>) -> R) -> R {
    STACK.with(|stack| {
        let stack = stack.borrow();
        let current = stack
            .depth
            .checked_sub(1)
            .and_then(|top| stack.frames.get(top))
            .map(|(id, flow_id)| (id.as_str(), flow_id.as_str()));
        read(current)
    })
}

/// A context made current on this thread until it is dropped.
pub(crate) struct Entered(());

impl Entered {
    pub(crate) fn enter(id: &str, flow_id: &str) -> Entered {
        STACK.with(|stack| {
            let mut stack = stack.borrow_mut();
            let depth = stack.depth;
            match stack.frames.get_mut(depth) {
                Some((frame_id, frame_flow)) => {
                    frame_id.clear();
                    frame_id.push_str(id);
                    frame_flow.clear();
                    frame_flow.push_str(flow_id);
                }
                None => stack.frames.push((id.to_owned(), flow_id.to_owned())),
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
