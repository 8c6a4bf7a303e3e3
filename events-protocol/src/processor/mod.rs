//! The processor: reads a body, finds its handler, calls it, and writes the
//! answer, producing every outcome of [PROTOCOL.md §5](crate::protocol#5-outcomes-the-server-produces-by-itself) by itself.
//!
//! Its parts, one job each: this module holds the configuration and the
//! entry points; `flow` the steps of one event and the hand-off of a handler
//! that may block; `answers` the answers the processor gives by itself;
//! `executor` calling handlers, catching their panics, and driving an `async`
//! one on the calling thread.

mod answers;
mod check;
mod executor;
mod flow;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use crate::Event;
use crate::error::ProtocolError;
use crate::metrics::Measure;
use crate::registry::{Handler, Lookup, Registry};
use crate::state::States;
use crate::trace::TraceHeaders;

use answers::deadline_exceeded;
use executor::{Started, block_on, block_on_within, run, start, within};
use flow::{Begun, Handling, Step, finish, millis};

pub use crate::read::ReadMode;
pub use answers::DEADLINE_EXCEEDED;
pub use check::{MissingState, SetupError};
pub use flow::{Deadline, Handoff};

/// The largest body a [`Processor`] reads by default: 2 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// How the processor names the answer to an event no handler serves
/// ([PROTOCOL.md §5](crate::protocol#5-outcomes-the-server-produces-by-itself)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NotFoundStyle {
    /// `<name>:notFound`, the request's version, code `EVENT_NOT_FOUND`,
    /// parameters `{"message", "event", "version"}`.
    #[default]
    Protocol,
    /// The Kotlin reference's form: `eventNotFound`, version `1`, code
    /// `NO_EVENT_HANDLER_FOUND`, parameters `{"event", "version"}`.
    Kotlin,
}

#[derive(Clone, Debug)]
enum Source {
    Global,
    Own(Arc<Registry>),
}

/// Answers event bodies with the handlers of a [`Registry`].
///
/// [`Processor::new`] serves the link-time registry, as
/// [`process_event`](crate::process_event) does; the options choose lenient
/// or strict reading, the naming of not-found answers and the body limit.
///
/// ```
/// use events_protocol::{processor::{NotFoundStyle, ReadMode}, Processor};
///
/// let processor = Processor::new()
///     .with_read_mode(ReadMode::Strict)
///     .with_not_found_style(NotFoundStyle::Kotlin)
///     .with_max_body_bytes(64 * 1024);
/// let answer = processor.process(
///     r#"{"name":"no:such","version":3,"id":"i","flowId":"f","payload":null,"identity":{},"auth":{},"metadata":{}}"#,
/// );
/// assert_eq!(
///     answer,
///     r#"{"name":"eventNotFound","version":1,"id":"i","flowId":"f","payload":{"code":"NO_EVENT_HANDLER_FOUND","parameters":{"event":"no:such","version":3}},"identity":{},"auth":{},"metadata":{}}"#
/// );
/// ```
#[derive(Clone, Debug)]
pub struct Processor {
    source: Source,
    mode: ReadMode,
    not_found: NotFoundStyle,
    max_body_bytes: usize,
    states: States,
    deadline: Option<Duration>,
}

impl Default for Processor {
    fn default() -> Processor {
        Processor::new()
    }
}

/// A body as it was given: text needs no UTF-8 check.
#[derive(Clone, Copy)]
enum Input<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

impl<'a> Input<'a> {
    fn len(self) -> usize {
        match self {
            Input::Text(text) => text.len(),
            Input::Bytes(bytes) => bytes.len(),
        }
    }

    fn read(self, mode: ReadMode) -> Result<Event<'a>, ProtocolError> {
        match self {
            Input::Text(text) => crate::read::read(text, mode),
            Input::Bytes(bytes) => Event::from_slice(bytes, mode),
        }
    }
}

/// What [`Processor::process_bytes_in_place`] did with a body.
#[derive(Debug)]
#[must_use = "a handed-off event is not answered until `Handoff::answer` is called"]
pub enum InPlace {
    /// Answered in place: the answer event.
    Answered(String),
    /// Its handler may block: nothing was called. Answer it with
    /// [`Handoff::answer`] on a thread where blocking is allowed.
    Blocking(Handoff),
}

impl Processor {
    /// A processor of the link-time registry, lenient, with the protocol's
    /// not-found naming and a body limit of [`DEFAULT_MAX_BODY_BYTES`].
    pub const fn new() -> Processor {
        Processor {
            source: Source::Global,
            mode: ReadMode::Lenient,
            not_found: NotFoundStyle::Protocol,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            states: States::new(),
            deadline: None,
        }
    }

    /// A processor of an explicit registry, with the other settings of
    /// [`Processor::new`].
    pub fn from_registry(registry: impl Into<Arc<Registry>>) -> Processor {
        Processor {
            source: Source::Own(registry.into()),
            ..Processor::new()
        }
    }

    /// Sets how bodies are read.
    #[must_use]
    pub fn with_read_mode(mut self, mode: ReadMode) -> Processor {
        self.mode = mode;
        self
    }

    /// Sets how not-found answers are named.
    #[must_use]
    pub fn with_not_found_style(mut self, style: NotFoundStyle) -> Processor {
        self.not_found = style;
        self
    }

    /// Sets the largest body read; a larger one is answered `badProtocol`
    /// with the error type `too_large` (and `413` by the HTTP servers).
    #[must_use]
    pub fn with_max_body_bytes(mut self, limit: usize) -> Processor {
        self.max_body_bytes = limit;
        self
    }

    /// Gives handlers a value of the application's: a handler with a
    /// [`State<T>`](crate::State) parameter gets a clone of it. One value per
    /// type; a second of the same type replaces the first.
    #[must_use]
    pub fn with_state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Processor {
        self.states.insert(value);
        self
    }

    /// Checks, before serving, that every handler can be called: no
    /// (name, version) declared twice, and every state a handler takes
    /// given with [`Processor::with_state`]. Call it at start-up.
    ///
    /// # Errors
    ///
    /// A [`SetupError`] naming every problem, each with the handler's
    /// (name, version) and where it was declared.
    pub fn check(&self) -> Result<(), SetupError> {
        let registry = self.registry();
        let duplicates = match registry.check() {
            Ok(()) => Vec::new(),
            Err(duplicates) => duplicates.0,
        };
        let missing_states: Vec<MissingState> = registry
            .needs()
            .filter(|(.., state)| !self.states.has(*state))
            .map(|(name, version, location, state)| MissingState {
                name: name.to_owned(),
                version,
                location,
                state: state.name(),
            })
            .collect();
        if duplicates.is_empty() && missing_states.is_empty() {
            Ok(())
        } else {
            Err(SetupError {
                duplicates,
                missing_states,
            })
        }
    }

    /// Sets the time limit of one event, counted from the moment its body
    /// has been read: a handler that has not answered by then is answered
    /// for, `<name>:error` with the code [`DEADLINE_EXCEEDED`]
    /// ([PROTOCOL.md §5](crate::protocol#5-outcomes-the-server-produces-by-itself)).
    /// `None` (the default) sets no limit. Only this setting counts: nothing
    /// the caller sends shortens or lengthens it.
    ///
    /// The processor has no timer of its own, so where the limit holds
    /// depends on who runs the handler:
    ///
    /// | entry point | `async` handler | synchronous handler that may block | `inline` handler |
    /// |---|---|---|---|
    /// | the `tower` service and the `axum` routes (feature `tower`) | cancelled at the deadline | answered at the deadline; its thread runs on, its answer is dropped and logged | runs to its end |
    /// | [`process`](Processor::process), [`process_bytes`](Processor::process_bytes) (the calling thread) | cancelled at the deadline | runs to its end on the calling thread | runs to its end |
    /// | [`process_bytes_in_place_timed`](Processor::process_bytes_in_place_timed) | cancelled at the deadline | handed off, with its [`Deadline`] | runs to its end |
    /// | [`process_bytes_in_place`](Processor::process_bytes_in_place), [`process_async`](Processor::process_async) | no limit (no timer) | handed off with its [`Deadline`] / runs to its end | runs to its end |
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use events_protocol::registry::{HandlerFn, Registration};
    /// use events_protocol::{Event, Processor, Response};
    ///
    /// fn never<'a>(_: &'a Event<'a>) -> events_protocol::registry::BoxFuture<'a, Response> {
    ///     Box::pin(std::future::pending())
    /// }
    ///
    /// events_protocol::registry::inventory::submit! {
    ///     Registration::new("demo:deadline:never", 1, HandlerFn::Async(never), file!(), line!())
    /// }
    ///
    /// let processor = Processor::new().with_deadline(Duration::from_millis(50));
    /// assert_eq!(processor.deadline(), Some(Duration::from_millis(50)));
    /// assert_eq!(
    ///     processor.process(r#"{"name":"demo:deadline:never","version":1,"id":"i","flowId":"f"}"#),
    ///     r#"{"name":"demo:deadline:never:error","version":1,"id":"i","flowId":"f","payload":{"code":"DEADLINE_EXCEEDED","parameters":{}},"identity":{},"auth":{},"metadata":{}}"#
    /// );
    /// ```
    #[must_use]
    pub fn with_deadline(mut self, deadline: impl Into<Option<Duration>>) -> Processor {
        self.deadline = deadline.into();
        self
    }

    /// The time limit of one event, if there is one.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// How bodies are read.
    pub fn read_mode(&self) -> ReadMode {
        self.mode
    }

    /// How not-found answers are named.
    pub fn not_found_style(&self) -> NotFoundStyle {
        self.not_found
    }

    /// The largest body read.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// The registry served.
    pub fn registry(&self) -> &Registry {
        match &self.source {
            Source::Global => Registry::global(),
            Source::Own(registry) => registry,
        }
    }

    /// Answers one body. An `async` handler is driven to completion on this
    /// thread; use [`Processor::process_async`] inside an async runtime (an
    /// `async` handler that waits on a runtime's timers or sockets never
    /// completes when driven here).
    #[must_use]
    pub fn process(&self, body: &str) -> String {
        self.process_input(Input::Text(body))
    }

    /// Answers one body given as bytes; bytes that are not UTF-8 are answered
    /// `badProtocol`.
    #[must_use]
    pub fn process_bytes(&self, body: &[u8]) -> String {
        self.process_input(Input::Bytes(body))
    }

    /// Answers one body on this thread.
    fn process_input(&self, body: Input<'_>) -> String {
        let measure = Measure::start();
        // borrowed where it was read, not moved out (a copy of its bytes)
        let read = self.read(body);
        let event = match &read {
            Ok(event) => event,
            Err(error) => return self.bad_protocol(error, TraceHeaders::NONE, measure),
        };
        // the parts are used in place (moving them out copies their bytes)
        let begun = self.prepare(event, TraceHeaders::NONE, measure);
        let _entered = begun.span.enter();
        match begun.step {
            Step::Answered(answer) => answer,
            Step::Call(Handling {
                handler,
                series,
                measure,
            }) => match start(event, handler, &self.states, &begun.trace) {
                Started::Answered(ref response) => {
                    finish(event, response, &begun.span, series, measure)
                }
                Started::Running(future) => {
                    let run = run(event, future, &self.states, begun.trace.handler().clone());
                    let response = match self.deadline {
                        None => block_on(run),
                        Some(limit) => {
                            block_on_within(run, limit).unwrap_or_else(|| cancelled(limit))
                        }
                    };
                    finish(event, &response, &begun.span, series, measure)
                }
            },
        }
    }

    /// Answers one body, awaiting `async` handlers in place. The future
    /// depends on no particular async runtime. Synchronous handlers run
    /// inline, on the polling thread, even those that may block: on an async
    /// runtime, prefer [`Processor::process_bytes_in_place`], which hands
    /// those back.
    pub async fn process_async(&self, body: &str) -> String {
        answered(
            self.answer_in_place(Input::Text(body), false, TraceHeaders::NONE, NO_TIMER)
                .await,
        )
    }

    /// [`Processor::process_async`] for a body given as bytes.
    pub async fn process_bytes_async(&self, body: &[u8]) -> String {
        answered(
            self.answer_in_place(Input::Bytes(body), false, TraceHeaders::NONE, NO_TIMER)
                .await,
        )
    }

    /// Answers one body in place, as [`Processor::process_bytes_async`], unless
    /// its handler may block ([`Processor::blocks`]): then nothing is called,
    /// and the [`Handoff`] returned, which holds the event as it was read,
    /// answers it on a thread where blocking is allowed. The body is read
    /// once either way, which is what an async server wants:
    ///
    /// ```
    /// use events_protocol::processor::InPlace;
    ///
    /// # async fn serve(processor: events_protocol::Processor, body: Vec<u8>) -> String {
    /// match processor.process_bytes_in_place(&body).await {
    ///     InPlace::Answered(answer) => answer,
    ///     // with tokio: tokio::task::spawn_blocking(move || handoff.answer())
    ///     InPlace::Blocking(handoff) => handoff.answer(),
    /// }
    /// # }
    /// ```
    pub fn process_bytes_in_place<'a>(
        &'a self,
        body: &'a [u8],
    ) -> impl Future<Output = InPlace> + Send + 'a {
        self.answer_in_place(Input::Bytes(body), true, TraceHeaders::NONE, NO_TIMER)
    }

    /// [`Processor::process_bytes_in_place`] for a body that came with HTTP
    /// trace headers: the event's trace context is its `metadata.trace`, else
    /// these `traceparent` and `tracestate` headers, else a fresh trace
    /// ([PROTOCOL.md §8](crate::protocol#8-trace-context)). What the `tower`
    /// service and the `axum` routes call.
    ///
    /// ```
    /// use events_protocol::processor::InPlace;
    /// use events_protocol::trace::TraceHeaders;
    ///
    /// # async fn serve(processor: events_protocol::Processor, body: Vec<u8>, traceparent: Option<String>) -> String {
    /// let headers = TraceHeaders::new(traceparent.as_deref(), None);
    /// match processor.process_bytes_in_place_with(&body, headers).await {
    ///     InPlace::Answered(answer) => answer,
    ///     InPlace::Blocking(handoff) => handoff.answer(),
    /// }
    /// # }
    /// ```
    pub fn process_bytes_in_place_with<'a>(
        &'a self,
        body: &'a [u8],
        headers: TraceHeaders<'a>,
    ) -> impl Future<Output = InPlace> + Send + 'a {
        self.answer_in_place(Input::Bytes(body), true, headers, NO_TIMER)
    }

    /// [`Processor::process_bytes_in_place_with`] keeping the processor's
    /// [deadline](Processor::with_deadline) for `async` handlers too: one
    /// that has not answered when `sleep(deadline)` completes is cancelled
    /// (its future dropped) and answered `DEADLINE_EXCEEDED`. `sleep` is the
    /// runtime's timer, `tokio::time::sleep` on Tokio; it is called only when
    /// there is a deadline and an `async` handler to run. A handed-off event
    /// carries its [`Deadline`] either way. What the `tower` service and the
    /// `axum` routes call.
    ///
    /// ```
    /// # async fn serve(processor: events_protocol::Processor, body: Vec<u8>) -> String {
    /// use events_protocol::processor::InPlace;
    /// use events_protocol::trace::TraceHeaders;
    ///
    /// match processor
    ///     .process_bytes_in_place_timed(&body, TraceHeaders::NONE, tokio::time::sleep)
    ///     .await
    /// {
    ///     InPlace::Answered(answer) => answer,
    ///     InPlace::Blocking(handoff) => handoff.answer(),
    /// }
    /// # }
    /// ```
    pub fn process_bytes_in_place_timed<'a, T, F>(
        &'a self,
        body: &'a [u8],
        headers: TraceHeaders<'a>,
        sleep: T,
    ) -> impl Future<Output = InPlace> + Send + 'a
    where
        T: FnOnce(Duration) -> F + Send + 'a,
        F: Future<Output = ()> + Send + 'a,
    {
        self.answer_in_place(Input::Bytes(body), true, headers, Some(sleep))
    }

    /// Answers in place; with `hand_off`, stops before a handler that may
    /// block and returns the [`Handoff`] that answers it; with a timer, an
    /// `async` handler past the deadline is cancelled.
    #[allow(
        clippy::manual_async_fn,
        reason = "the signature promises a `Send` future, which an `async fn` would not state"
    )]
    fn answer_in_place<'a, T, F>(
        &'a self,
        body: Input<'a>,
        hand_off: bool,
        headers: TraceHeaders<'a>,
        timer: Option<T>,
    ) -> impl Future<Output = InPlace> + Send + 'a
    where
        T: FnOnce(Duration) -> F + Send + 'a,
        F: Future<Output = ()> + Send + 'a,
    {
        async move {
            let measure = Measure::start();
            let event = match self.read(body) {
                Ok(event) => event,
                Err(error) => {
                    return InPlace::Answered(self.bad_protocol(&error, headers, measure));
                }
            };
            let Begun { span, trace, step } = self.prepare(&event, headers, measure);
            let handling = match step {
                Step::Answered(answer) => return InPlace::Answered(answer),
                Step::Call(handling) => handling,
            };
            match handling.handler {
                Handler::Sync {
                    function,
                    blocks: true,
                } if hand_off => {
                    // read now: the event moves to the hand-off
                    let trace = trace.handler().clone();
                    InPlace::Blocking(Handoff::new(
                        event,
                        handling,
                        trace,
                        function.clone(),
                        self.states.clone(),
                        span,
                        self.deadline,
                    ))
                }
                handler => {
                    let recorder = span.clone();
                    let event = &event;
                    async move {
                        let Handling {
                            series, measure, ..
                        } = handling;
                        let response = match start(event, handler, &self.states, &trace) {
                            Started::Answered(response) => response,
                            Started::Running(future) => {
                                let run = run(event, future, &self.states, trace.handler().clone());
                                match (self.deadline, timer) {
                                    (Some(limit), Some(sleep)) => within(run, sleep(limit))
                                        .await
                                        .unwrap_or_else(|| cancelled(limit)),
                                    _ => run.await,
                                }
                            }
                        };
                        InPlace::Answered(finish(event, &response, &recorder, series, measure))
                    }
                    .instrument(span)
                    .await
                }
            }
        }
    }

    /// Whether answering the body calls a synchronous handler that may block
    /// ([`HandlerFn::Blocking`](crate::registry::HandlerFn::Blocking), or
    /// registered with [`Registry::register`]). A server on an async runtime
    /// runs those where blocking is allowed, and everything else in place:
    /// `async` and inline handlers, and the answers the processor gives by
    /// itself (`badProtocol`, `notFound`).
    pub fn blocks(&self, body: &[u8]) -> bool {
        // reads and looks up only: nothing answered, nothing logged
        self.read(Input::Bytes(body)).is_ok_and(|event| {
            matches!(
                self.registry().lookup(event.name(), event.version()),
                Lookup::Found(handler, _) if handler.blocks()
            )
        })
    }

    /// Reads a body within the size limit.
    fn read<'a>(&self, body: Input<'a>) -> Result<Event<'a>, ProtocolError> {
        if body.len() > self.max_body_bytes {
            return Err(ProtocolError::too_large(body.len(), self.max_body_bytes));
        }
        body.read(self.mode)
    }
}

/// The answer of an entry point that answers every body itself: a hand-off
/// (made only when asked for) is answered on this thread.
fn answered(in_place: InPlace) -> String {
    match in_place {
        InPlace::Answered(answer) => answer,
        InPlace::Blocking(handoff) => handoff.answer(),
    }
}

/// The timer of the entry points that have none.
const NO_TIMER: Option<fn(Duration) -> std::future::Ready<()>> = None;

/// The response of an `async` handler cancelled at the deadline, logged.
fn cancelled(limit: Duration) -> crate::Response {
    tracing::warn!(
        deadline_ms = millis(limit),
        "an async handler did not answer within the deadline: cancelled, answered DEADLINE_EXCEEDED"
    );
    deadline_exceeded()
}
