//! Running handlers: a synchronous one called with the event's context
//! current, an `async` one polled with it current at every poll, each with
//! its panics turned into `UNHANDLED_ERROR`; a small executor that drives
//! an `async` handler on the calling thread; and the deadline of an `async`
//! handler, timed by the OS (parking with a timeout) on the calling thread or
//! by the caller's timer in place.

use std::any::Any;
use std::convert::Infallible;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use crate::context::Entered;
use crate::registry::{AsyncFn, BoxFuture, Handler, SyncFn};
use crate::state::States;
use crate::trace::{EventTrace, HandlerTrace, TraceContext};
use crate::{Event, EventContext, Response};

/// A handler called: a synchronous one has answered, an `async` one has
/// returned the future to await.
pub(super) enum Started<'a> {
    Answered(Response),
    Running(BoxFuture<'a, Response>),
}

/// Calls the handler: a synchronous one to its answer, an `async` one to its
/// future (to await with [`run`], with the handler's span of `trace`). A
/// synchronous handler's trace context is read only if it asks for it.
pub(super) fn start<'a>(
    event: &'a Event<'_>,
    handler: &Handler,
    states: &States,
    trace: &EventTrace<'_>,
) -> Started<'a> {
    match handler {
        Handler::Sync { function, .. } => {
            Started::Answered(call_sync(event, function, states, trace.for_handler()))
        }
        Handler::Async(function) => start_async(event, function, states, trace.handler()),
    }
}

/// Calls a synchronous handler with the event's context current, turning a
/// panic into `UNHANDLED_ERROR`.
pub(super) fn call_sync(
    event: &Event<'_>,
    function: &SyncFn,
    states: &States,
    trace: HandlerTrace<'_>,
) -> Response {
    let _context = Entered::enter(event.id(), event.flow_id(), states, Some(trace));
    catch_unwind(AssertUnwindSafe(|| function.call(event)))
        .unwrap_or_else(|panic| panicked(event, &*panic))
}

/// Starts an `async` handler, turning a panic before its first poll into
/// `UNHANDLED_ERROR`.
fn start_async<'a>(
    event: &'a Event<'_>,
    function: &AsyncFn,
    states: &States,
    trace: &TraceContext,
) -> Started<'a> {
    // the future is made in the context, as it is polled in it (by `run`)
    let _context = Entered::enter(
        event.id(),
        event.flow_id(),
        states,
        Some(HandlerTrace::Known(trace)),
    );
    match catch_unwind(AssertUnwindSafe(|| function.start(event))) {
        Ok(future) => Started::Running(future),
        Err(panic) => Started::Answered(panicked(event, &*panic)),
    }
}

/// Awaits an `async` handler's future with the event's context current at
/// every poll, turning a panic into `UNHANDLED_ERROR`.
pub(super) async fn run(
    event: &Event<'_>,
    future: BoxFuture<'_, Response>,
    states: &States,
    trace: TraceContext,
) -> Response {
    let context = EventContext::new(event.id(), event.flow_id())
        .with_states(states.clone())
        .with_trace(trace);
    CatchUnwind(context.wrap(future))
        .await
        .unwrap_or_else(|panic| panicked(event, &*panic))
}

fn panicked(event: &Event<'_>, panic: &(dyn Any + Send)) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic with a non-text payload");
    Response::unhandled(format!(
        "the handler of `{}` version {} panicked: {message}",
        event.name(),
        event.version()
    ))
}

/// A future whose panics are caught and returned.
struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match catch_unwind(AssertUnwindSafe(|| Pin::new(&mut *inner).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// Drives a future to completion on this thread, parking between wake-ups.
pub(super) fn block_on<F: Future>(future: F) -> F::Output {
    let parked = drive(future, || {
        thread::park();
        Ok::<(), Infallible>(())
    });
    match parked {
        Ok(output) => output,
        Err(never) => match never {},
    }
}

/// Drives a future on this thread until it completes, or until `limit` has
/// passed: then it is dropped (cancelled) and `None` returned. The timer is
/// the OS's: the thread parks with a timeout between wake-ups.
pub(super) fn block_on_within<F: Future>(future: F, limit: Duration) -> Option<F::Output> {
    let due = Instant::now() + limit;
    drive(future, || {
        match due.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => {
                thread::park_timeout(left);
                Ok(())
            }
            _ => Err(()),
        }
    })
    .ok()
}

/// Polls `future` on this thread; between polls, `wait` parks until a
/// wake-up, or gives up with its error.
fn drive<F: Future, E>(future: F, mut wait: impl FnMut() -> Result<(), E>) -> Result<F::Output, E> {
    struct Unparker(Thread);
    impl Wake for Unparker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return Ok(output);
        }
        wait()?;
    }
}

/// Awaits `future` until `timer` completes first: then `future` is dropped
/// (cancelled) and `None` returned. `future` is polled first, so an answer
/// ready at the deadline is kept.
pub(super) async fn within<F: Future, T: Future<Output = ()>>(
    future: F,
    timer: T,
) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut timer = pin!(timer);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}
