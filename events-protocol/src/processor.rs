//! The processor: reads a body, finds its handler, calls it, and writes the
//! answer, producing every outcome of PROTOCOL.md §5 by itself.

use std::any::Any;
use std::borrow::Cow;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use serde::Serialize;
use tracing::field::Empty;
use tracing::{Instrument, Span};

use crate::context::Entered;
use crate::parse::{FieldError, ReadMode, fresh_uuid};
use crate::registry::{BoxFuture, Handler, HandlerFn, Lookup, Registry};
use crate::write::{Envelope, Head};
use crate::{Event, EventContext, EventError, ProtocolError, Response};

/// The largest body a [`Processor`] reads by default: 2 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// How the processor names the answer to an event no handler serves
/// (PROTOCOL.md §5).
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
/// use events_protocol::{NotFoundStyle, Processor, ReadMode};
///
/// let processor = Processor::new()
///     .read_mode(ReadMode::Strict)
///     .not_found_style(NotFoundStyle::Kotlin)
///     .max_body_bytes(64 * 1024);
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
            Input::Text(text) => crate::parse::read(text, mode),
            Input::Bytes(bytes) => Event::from_slice(bytes, mode),
        }
    }
}

/// A body whose handler may block, handed back by
/// [`Processor::process_bytes_in_place`] without being answered: answer it
/// with [`Blocking::process`] on a thread where blocking is allowed. It
/// carries the event's tracing span, so the event is logged once.
#[derive(Debug)]
#[must_use = "the event is not answered until `Blocking::process` is called"]
pub struct Blocking {
    span: Span,
}

impl Blocking {
    /// Answers the body (the same bytes given to
    /// [`Processor::process_bytes_in_place`]) on this thread.
    #[must_use]
    pub fn process(self, processor: &Processor, body: &[u8]) -> String {
        // the span holds the event's fields already: only the outcome is left
        processor.process_input_in(Input::Bytes(body), self.span, false)
    }
}

/// What reading and looking up a body left to do.
enum Step<'a, 'r> {
    Answered(String),
    Call(Event<'a>, &'r Handler),
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
        }
    }

    /// A processor of an explicit registry.
    pub fn with_registry(registry: impl Into<Arc<Registry>>) -> Processor {
        Processor {
            source: Source::Own(registry.into()),
            ..Processor::new()
        }
    }

    /// Sets how bodies are read.
    #[must_use]
    pub fn read_mode(mut self, mode: ReadMode) -> Processor {
        self.mode = mode;
        self
    }

    /// Sets how not-found answers are named.
    #[must_use]
    pub fn not_found_style(mut self, style: NotFoundStyle) -> Processor {
        self.not_found = style;
        self
    }

    /// Sets the largest body read; a larger one is answered `badProtocol`
    /// with the error type `too_large`.
    #[must_use]
    pub fn max_body_bytes(mut self, limit: usize) -> Processor {
        self.max_body_bytes = limit;
        self
    }

    /// The largest body read.
    pub fn body_limit(&self) -> usize {
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

    fn process_input(&self, body: Input<'_>) -> String {
        self.process_input_in(body, event_span(), true)
    }

    /// Answers one body on this thread, recording the outcome in `span`, and
    /// the event's fields too when `record_event` says so.
    fn process_input_in(&self, body: Input<'_>, span: Span, record_event: bool) -> String {
        let _entered = span.enter();
        let fields = if record_event {
            span.clone()
        } else {
            Span::none()
        };
        match self.prepare(body, &fields) {
            Step::Answered(answer) => answer,
            Step::Call(event, handler) => {
                let response = match start(&event, handler) {
                    Started::Answered(response) => response,
                    Started::Running(future) => block_on(run(&event, future)),
                };
                finish(&event, &response, &span)
            }
        }
    }

    /// Answers one body, awaiting `async` handlers in place. The future
    /// depends on no particular async runtime. Synchronous handlers run
    /// inline, on the polling thread.
    pub async fn process_async(&self, body: &str) -> String {
        match self.answer_in_place(Input::Text(body), false).await {
            Ok(answer) => answer,
            Err(blocking) => blocking.process(self, body.as_bytes()),
        }
    }

    /// [`Processor::process_async`] for a body given as bytes.
    pub async fn process_bytes_async(&self, body: &[u8]) -> String {
        match self.answer_in_place(Input::Bytes(body), false).await {
            Ok(answer) => answer,
            Err(blocking) => blocking.process(self, body),
        }
    }

    /// Answers one body in place, as [`Processor::process_bytes_async`], unless
    /// its handler may block ([`Processor::blocks`]): then nothing is called,
    /// and the [`Blocking`] returned answers it on a thread where blocking is
    /// allowed. The body is read once for an answer given in place, which is
    /// what an async server wants:
    ///
    /// ```
    /// # async fn serve(processor: std::sync::Arc<events_protocol::Processor>, body: Vec<u8>) -> String {
    /// match processor.process_bytes_in_place(&body).await {
    ///     Ok(answer) => answer,
    ///     // with tokio: tokio::task::spawn_blocking(move || blocking.process(&processor, &body))
    ///     Err(blocking) => blocking.process(&processor, &body),
    /// }
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The [`Blocking`] hand-off, for a body whose handler may block.
    pub fn process_bytes_in_place<'a>(
        &'a self,
        body: &'a [u8],
    ) -> impl Future<Output = Result<String, Blocking>> + Send + 'a {
        self.answer_in_place(Input::Bytes(body), true)
    }

    /// Answers in place; with `hand_off`, stops before a handler that may
    /// block and returns the [`Blocking`] that answers it.
    #[allow(
        clippy::manual_async_fn,
        reason = "the signature promises a `Send` future, which an `async fn` would not state"
    )]
    fn answer_in_place<'a>(
        &'a self,
        body: Input<'a>,
        hand_off: bool,
    ) -> impl Future<Output = Result<String, Blocking>> + Send + 'a {
        let span = event_span();
        let recorder = span.clone();
        async move {
            match self.prepare(body, &recorder) {
                Step::Answered(answer) => Ok(answer),
                Step::Call(_, handler) if hand_off && handler.blocks() => {
                    Err(Blocking { span: recorder })
                }
                Step::Call(event, handler) => {
                    let response = match start(&event, handler) {
                        Started::Answered(response) => response,
                        Started::Running(future) => run(&event, future).await,
                    };
                    Ok(finish(&event, &response, &recorder))
                }
            }
        }
        .instrument(span)
    }

    /// Whether answering the body calls a synchronous handler that may block
    /// ([`HandlerFn::Blocking`](crate::HandlerFn::Blocking), or registered with
    /// [`Registry::register`]). A server on an async runtime runs those where
    /// blocking is allowed, and everything else in place: `async` and inline
    /// handlers, and the answers the processor gives by itself (`badProtocol`,
    /// `notFound`).
    pub fn blocks(&self, body: &[u8]) -> bool {
        // reads and looks up only: nothing answered, nothing logged
        self.read(Input::Bytes(body)).is_ok_and(|event| {
            matches!(
                self.registry().lookup(event.name(), event.version()),
                Lookup::Found(handler) if handler.blocks()
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

    /// Reads the body and looks its handler up, recording in `span` what it
    /// learns of the event and, when it answers by itself, the outcome.
    fn prepare<'a>(&self, body: Input<'a>, span: &Span) -> Step<'a, '_> {
        let event = match self.read(body) {
            Ok(event) => event,
            Err(error) => {
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
                return Step::Answered(bad_protocol(&error));
            }
        };
        record_event(span, &event);
        match self.registry().lookup(event.name(), event.version()) {
            Lookup::Found(handler) => Step::Call(event, handler),
            Lookup::Missing => {
                span.record(
                    "outcome",
                    match self.not_found {
                        NotFoundStyle::Protocol => "notFound",
                        NotFoundStyle::Kotlin => "eventNotFound",
                    },
                );
                Step::Answered(self.not_found(&event))
            }
            Lookup::Clash(clash) => {
                tracing::error!(%clash, "event not served: duplicate handlers");
                let response = Response::error(&EventError::error("UNHANDLED_ERROR"));
                Step::Answered(finish(&event, &response, span))
            }
        }
    }

    fn not_found(&self, event: &Event<'_>) -> String {
        match self.not_found {
            NotFoundStyle::Protocol => {
                #[derive(Serialize)]
                struct Parameters<'a> {
                    message: String,
                    event: &'a str,
                    version: i64,
                }
                let parameters = Parameters {
                    message: format!(
                        "Event Name {} of version {} was not found",
                        event.name(),
                        event.version()
                    ),
                    event: event.name(),
                    version: event.version(),
                };
                let payload = ErrorBody {
                    code: "EVENT_NOT_FOUND",
                    parameters,
                };
                answer(event, &Response::with_suffix("notFound", &payload))
            }
            NotFoundStyle::Kotlin => {
                #[derive(Serialize)]
                struct Parameters<'a> {
                    event: &'a str,
                    version: i64,
                }
                let payload = ErrorBody {
                    code: "NO_EVENT_HANDLER_FOUND",
                    parameters: Parameters {
                        event: event.name(),
                        version: event.version(),
                    },
                };
                standalone("eventNotFound", 1, event.id(), event.flow_id(), &payload)
            }
        }
    }
}

/// The span of one event: `name`, `version`, `id`, `flowId`, `userId`,
/// `origin`, and the `outcome` (the answer's suffix, or `badProtocol`, or
/// `eventNotFound`), recorded as they become known.
fn event_span() -> Span {
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
fn finish(event: &Event<'_>, response: &Response, span: &Span) -> String {
    let outcome = if response.fault().is_some() {
        "error"
    } else {
        response.suffix()
    };
    span.record("outcome", outcome);
    answer(event, response)
}

/// An error payload with typed parameters.
#[derive(Serialize)]
pub(crate) struct ErrorBody<P> {
    pub code: &'static str,
    pub parameters: P,
}

/// The `badProtocol` answer to a body that is not a well-formed event.
fn bad_protocol(error: &ProtocolError) -> String {
    #[derive(Serialize)]
    struct Parameters<'a> {
        #[serde(rename = "propertyName")]
        property_name: &'a str,
        fields: &'a [FieldError],
    }
    let payload = ErrorBody {
        code: "INVALID_COMMUNICATION_PROTOCOL",
        parameters: Parameters {
            property_name: error.property_name(),
            fields: error.fields(),
        },
    };
    let id = error
        .id()
        .map_or_else(fresh_uuid, |id| Cow::Owned(id.to_owned()));
    let flow_id = error
        .flow_id()
        .map_or_else(fresh_uuid, |flow_id| Cow::Owned(flow_id.to_owned()));
    standalone(
        "badProtocol",
        error.version().unwrap_or(1),
        &id,
        &flow_id,
        &payload,
    )
}

/// An answer whose name stands alone, not appended to the request's.
fn standalone<T: Serialize>(
    name: &str,
    version: i64,
    id: &str,
    flow_id: &str,
    payload: &T,
) -> String {
    let head = Head {
        name,
        version,
        id,
        flow_id,
        plain: false,
    };
    match crate::raw::to_raw(payload) {
        Ok(payload) => Envelope {
            head,
            suffix: None,
            payload: payload.get(),
            identity: "{}",
            auth: "{}",
            metadata: "{}",
            may_hold_whitespace: false,
        }
        .to_json(),
        Err(error) => {
            let response = Response::unhandled(format!("cannot write `{name}`: {error}"));
            let mut out = String::new();
            response.write(head, &mut out);
            out
        }
    }
}

/// Writes `response` as the answer to `event`.
fn answer(event: &Event<'_>, response: &Response) -> String {
    let mut out = String::new();
    response.write(event.head(), &mut out);
    out
}

/// A handler called: a synchronous one has answered, an `async` one has
/// returned the future to await.
enum Started<'a> {
    Answered(Response),
    Running(BoxFuture<'a, Response>),
}

/// Calls the handler with the event's context current, turning a panic into
/// `UNHANDLED_ERROR`: a synchronous handler to its answer, an `async` one to
/// its future (awaited by [`run`]).
fn start<'a>(event: &'a Event<'_>, handler: &Handler) -> Started<'a> {
    let started = match handler {
        Handler::Static(HandlerFn::Blocking(function) | HandlerFn::Inline(function)) => {
            return Started::Answered(call_sync(event, || function(event)));
        }
        Handler::Blocking(function) | Handler::Inline(function) => {
            return Started::Answered(call_sync(event, || function(event)));
        }
        Handler::Static(HandlerFn::Async(function)) => {
            catch_unwind(AssertUnwindSafe(|| function(event)))
        }
        Handler::Async(function) => {
            let owned = event.clone().into_owned();
            catch_unwind(AssertUnwindSafe(|| function(owned)))
        }
    };
    match started {
        Ok(future) => Started::Running(future),
        Err(panic) => Started::Answered(panicked(event, &*panic)),
    }
}

/// Calls a synchronous handler with the event's context current, turning a
/// panic into `UNHANDLED_ERROR`.
fn call_sync(event: &Event<'_>, call: impl FnOnce() -> Response) -> Response {
    let _context = Entered::enter(event.id(), event.flow_id());
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|panic| panicked(event, &*panic))
}

/// Awaits an `async` handler's future with the event's context current at
/// every poll, turning a panic into `UNHANDLED_ERROR`.
async fn run(event: &Event<'_>, future: BoxFuture<'_, Response>) -> Response {
    let context = EventContext::new(event.id(), event.flow_id());
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
fn block_on<F: Future>(future: F) -> F::Output {
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
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            Poll::Pending => thread::park(),
        }
    }
}
