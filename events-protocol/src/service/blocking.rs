//! Running the handlers that may block: on Tokio's blocking threads, at most
//! so many at once and so many waiting for a thread, each within its
//! deadline ([PROTOCOL.md §10](crate::protocol#10-serving-health-limits-and-shutdown)).

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::time::timeout_at;

use super::throttle::Throttle;
use crate::processor::{Deadline, Handoff};

/// Handlers that may block running at once, by default.
pub const DEFAULT_MAX_BLOCKING: usize = 128;

/// Handlers that may block waiting for a thread, by default.
pub const DEFAULT_MAX_QUEUED: usize = 128;

/// The bound on handlers that may block, shared by every clone of a
/// service.
#[derive(Debug)]
pub(crate) struct Blocking {
    running: usize,
    queued: usize,
    /// Permits for every event admitted: running or waiting for a thread.
    admitted: Arc<Semaphore>,
    /// Permits for the events running on a thread.
    threads: Arc<Semaphore>,
}

/// Why a handler that may block was not run to an answer.
#[derive(Debug)]
pub(super) enum Refused {
    /// As many handlers run, and as many wait, as the bound allows.
    Overloaded,
    /// The blocking task failed (the runtime is shutting down).
    Failed,
}

/// The throttle of the overload warnings.
static OVERLOADED: Throttle = Throttle::new();

impl Blocking {
    pub(super) fn new(running: usize, queued: usize) -> Blocking {
        // at least one may run; a bound of zero would refuse every such event
        let running = running.clamp(1, Semaphore::MAX_PERMITS);
        let queued = queued.min(Semaphore::MAX_PERMITS - running);
        Blocking {
            running,
            queued,
            admitted: Arc::new(Semaphore::new(running + queued)),
            threads: Arc::new(Semaphore::new(running)),
        }
    }

    pub(super) fn running(&self) -> usize {
        self.running
    }

    pub(super) fn queued(&self) -> usize {
        self.queued
    }

    /// Answers the handed-off event on a blocking thread, waiting for one
    /// if all are busy; refused at once when as many already wait. With a
    /// deadline, the answer comes at the deadline at the latest, whether the
    /// event waited for a thread all that time or its handler is still
    /// running.
    pub(super) async fn answer(&self, handoff: Handoff) -> Result<String, Refused> {
        let Ok(admitted) = Arc::clone(&self.admitted).try_acquire_owned() else {
            if let Some(held_back) = OVERLOADED.allow() {
                tracing::warn!(
                    running = self.running,
                    queued = self.queued,
                    refused_since_last_line = held_back,
                    "refused an event: every blocking thread is busy and the queue is full (503)"
                );
            }
            return Err(Refused::Overloaded);
        };
        let deadline = handoff.deadline();
        let waiting = Arc::clone(&self.threads).acquire_owned();
        let thread = match &deadline {
            None => Some(waiting.await),
            Some(deadline) => timeout_at(deadline.due().into(), waiting).await.ok(),
        };
        let Some(thread) = thread else {
            tracing::debug!("the deadline passed while the event waited for a thread");
            drop(handoff);
            return deadline.and_then(Deadline::expire).ok_or(Refused::Failed);
        };
        // the semaphores are never closed
        let Ok(thread) = thread else {
            return Err(Refused::Failed);
        };
        // both permits are held until the handler returns, even after its
        // deadline: the thread is busy until then
        on_a_thread(handoff, deadline, (admitted, thread)).await
    }

    /// Answers the handed-off event on a blocking thread, without a bound:
    /// for [`crate::axum::handle`], which has no service to share one.
    #[cfg_attr(
        not(feature = "axum"),
        allow(dead_code, reason = "used by the `axum` module")
    )]
    pub(super) async fn unbounded(handoff: Handoff) -> Result<String, Refused> {
        let deadline = handoff.deadline();
        on_a_thread(handoff, deadline, ()).await
    }
}

/// Answers the event on a blocking thread that holds `permits` until the
/// handler returns; with a deadline, answers for the handler when it passes
/// first.
async fn on_a_thread<P: Send + 'static>(
    handoff: Handoff,
    deadline: Option<Deadline>,
    permits: P,
) -> Result<String, Refused> {
    let mut task = tokio::task::spawn_blocking(move || {
        let _permits = permits;
        handoff.answer()
    });
    let joined = match deadline {
        None => task.await,
        Some(deadline) => match timeout_at(deadline.due().into(), &mut task).await {
            Ok(joined) => joined,
            Err(_) => match deadline.expire() {
                Some(answer) => return Ok(answer),
                // the handler answered just as the deadline passed
                None => task.await,
            },
        },
    };
    joined.map_err(|error| {
        tracing::error!(%error, "the blocking task answering an event failed");
        Refused::Failed
    })
}
