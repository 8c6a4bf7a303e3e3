//! The processor's entry points: text, bytes, async, and async handlers
//! driven from synchronous code.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use events_protocol::processor::InPlace;
use events_protocol::{
    Event, Json, Processor, Registry, Response,
    registry::{BoxFuture, HandlerFn, Registration},
};

/// Ready after another thread wakes it: a handler that really waits.
struct WokenLater {
    state: Arc<Mutex<(bool, Option<Waker>)>>,
}

impl WokenLater {
    fn new(delay: Duration) -> WokenLater {
        let state: Arc<Mutex<(bool, Option<Waker>)>> = Arc::default();
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            let mut state = shared.lock().expect("not poisoned");
            state.0 = true;
            if let Some(waker) = state.1.take() {
                waker.wake();
            }
        });
        WokenLater { state }
    }
}

impl Future for WokenLater {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.state.lock().expect("not poisoned");
        if state.0 {
            Poll::Ready(())
        } else {
            state.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

fn waits<'a>(event: &'a Event<'a>) -> BoxFuture<'a, Response> {
    Box::pin(async move {
        WokenLater::new(Duration::from_millis(20)).await;
        Response::success(&format!("waited for {}", event.name()))
    })
}

fn panics_later<'a>(_event: &'a Event<'a>) -> BoxFuture<'a, Response> {
    Box::pin(async move {
        WokenLater::new(Duration::from_millis(1)).await;
        panic!("an async handler failed")
    })
}

events_protocol::registry::inventory::submit! {
    Registration::new("processor:waits", 1, HandlerFn::Async(waits), file!(), line!())
}
events_protocol::registry::inventory::submit! {
    Registration::new("processor:panics_later", 1, HandlerFn::Async(panics_later), file!(), line!())
}

const WAITS: &str = r#"{"name":"processor:waits","version":1,"id":"i","flowId":"f"}"#;
const WAITED: &str = r#"{"name":"processor:waits:response","version":1,"id":"i","flowId":"f","payload":"waited for processor:waits","identity":{},"auth":{},"metadata":{}}"#;

#[test]
fn process_event_drives_an_async_handler_to_completion() {
    assert_eq!(events_protocol::process_event(WAITS), WAITED);
}

#[test]
fn process_event_async_awaits_an_async_handler() {
    assert_eq!(
        futures_executor::block_on(events_protocol::process_event_async(WAITS)),
        WAITED
    );
}

#[test]
fn a_panicking_async_handler_answers_unhandled_error() {
    let body = r#"{"name":"processor:panics_later","version":1,"id":"i","flowId":"f"}"#;
    let expected = r#"{"name":"processor:panics_later:error","version":1,"id":"i","flowId":"f","payload":{"code":"UNHANDLED_ERROR","parameters":{}},"identity":{},"auth":{},"metadata":{}}"#;
    assert_eq!(
        futures_executor::block_on(events_protocol::process_event_async(body)),
        expected
    );
    assert_eq!(events_protocol::process_event(body), expected);
    assert_eq!(
        events_protocol::process_event(WAITS),
        WAITED,
        "served after the panic"
    );
}

#[test]
fn bytes_that_are_not_utf8_answer_bad_protocol() {
    let answer = events_protocol::process_event_bytes(b"{\"name\":\"a\xff\",\"version\":1}");
    let event = Event::from_json(&answer).expect("an event");
    assert_eq!(event.name(), "badProtocol");
    assert_eq!(
        event.payload().get(),
        r#"{"code":"INVALID_COMMUNICATION_PROTOCOL","parameters":{"propertyName":"json","fields":[{"name":"json","errorType":"invalid_json","message":"the body is not valid UTF-8: invalid utf-8 sequence of 1 bytes from index 10"}]}}"#
    );
}

#[test]
fn blocks_tells_which_bodies_call_a_handler_that_may_block() {
    let processor = Processor::new();
    assert!(!processor.blocks(WAITS.as_bytes()), "an async handler");
    let mut registry = Registry::new();
    registry
        .register("sync:one", 1, |_: &Event<'_>| Json(1))
        .and_then(|r| r.register_inline("inline:one", 1, |_: &Event<'_>| Json(2)))
        .expect("distinct handlers");
    let explicit = Processor::from_registry(registry);
    assert!(explicit.blocks(br#"{"name":"sync:one","version":1}"#));
    assert!(!explicit.blocks(br#"{"name":"inline:one","version":1}"#));
    assert!(!explicit.blocks(br#"{"name":"missing:one","version":1}"#));
    assert!(!explicit.blocks(b"not json"));
    assert_eq!(
        explicit.process(r#"{"name":"inline:one","version":1,"id":"i","flowId":"f"}"#),
        r#"{"name":"inline:one:response","version":1,"id":"i","flowId":"f","payload":2,"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn explicit_async_handlers_run_from_both_entry_points() {
    let mut registry = Registry::new();
    registry
        .register_async("later:one", 1, |event: Event<'static>| async move {
            WokenLater::new(Duration::from_millis(5)).await;
            Json(format!("{} done", event.id()))
        })
        .expect("one handler");
    let processor = Processor::from_registry(registry);
    let body = r#"{"name":"later:one","version":1,"id":"x","flowId":"y"}"#;
    let expected = r#"{"name":"later:one:response","version":1,"id":"x","flowId":"y","payload":"x done","identity":{},"auth":{},"metadata":{}}"#;
    assert_eq!(processor.process(body), expected);
    assert_eq!(
        futures_executor::block_on(processor.process_async(body)),
        expected
    );
}

#[test]
fn in_place_processing_hands_back_only_handlers_that_may_block() {
    let mut registry = Registry::new();
    registry
        .register("sync:one", 1, |_: &Event<'_>| Json(1))
        .and_then(|r| r.register_inline("inline:one", 1, |_: &Event<'_>| Json(2)))
        .expect("distinct handlers");
    let processor = Processor::from_registry(registry);
    let in_place = |body: &[u8]| futures_executor::block_on(processor.process_bytes_in_place(body));
    let InPlace::Answered(answer) =
        in_place(br#"{"name":"inline:one","version":1,"id":"i","flowId":"f"}"#)
    else {
        panic!("an inline handler is answered in place");
    };
    assert_eq!(
        answer,
        r#"{"name":"inline:one:response","version":1,"id":"i","flowId":"f","payload":2,"identity":{},"auth":{},"metadata":{}}"#
    );
    let InPlace::Blocking(handoff) =
        in_place(br#"{"name":"sync:one","version":1,"id":"i","flowId":"f"}"#)
    else {
        panic!("a handler that may block is handed back");
    };
    assert_eq!(handoff.event().name(), "sync:one");
    assert_eq!(
        handoff.answer(),
        r#"{"name":"sync:one:response","version":1,"id":"i","flowId":"f","payload":1,"identity":{},"auth":{},"metadata":{}}"#
    );
    let InPlace::Answered(answer) =
        in_place(br#"{"name":"missing:one","version":1,"id":"i","flowId":"f"}"#)
    else {
        panic!("a missing handler is answered in place");
    };
    assert!(
        answer.starts_with(r#"{"name":"missing:one:notFound""#),
        "{answer}"
    );
}
