//! The deadline of one event (PROTOCOL.md §5): the processor's setting, off
//! by default; an `async` handler past it cancelled, a blocking one answered
//! for through its hand-off's `Deadline`, its late answer dropped and logged.
//! Over HTTP, `tests/serving.rs` pins the same answers.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use events_protocol::processor::{DEADLINE_EXCEEDED, InPlace};
use events_protocol::trace::TraceHeaders;
use events_protocol::{Event, Processor, Registry, Response};
use tracing::field::{Field, Visit};
use tracing::{Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// The `DEADLINE_EXCEEDED` answer to an event of `name` with ids `i`/`f`.
fn deadline_exceeded(name: &str) -> String {
    format!(
        r#"{{"name":"{name}:error","version":1,"id":"i","flowId":"f","payload":{{"code":"DEADLINE_EXCEEDED","parameters":{{}}}},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
    )
}

fn body(name: &str) -> String {
    format!(r#"{{"name":"{name}","version":1,"id":"i","flowId":"f","payload":"p"}}"#)
}

fn answered(name: &str) -> String {
    format!(
        r#"{{"name":"{name}:response","version":1,"id":"i","flowId":"f","payload":"p","identity":{{}},"auth":{{}},"metadata":{{}}}}"#
    )
}

fn echo(event: &Event<'_>) -> Response {
    Response::from_raw("response", event.payload().to_owned())
}

/// `test:never`, `async`, never answers and says when it is dropped;
/// `test:nap`, may block, sleeps 50 ms; `test:wait`, may block, waits for a
/// message on `release`.
fn registry(dropped: Arc<AtomicBool>, release: mpsc::Receiver<()>) -> Registry {
    let release = Mutex::new(release);
    let mut registry = Registry::new();
    registry
        .register_async("test:never", 1, move |_: Event<'static>| {
            struct Flag(Arc<AtomicBool>);
            impl Drop for Flag {
                fn drop(&mut self) {
                    self.0.store(true, Ordering::SeqCst);
                }
            }
            let flag = Flag(Arc::clone(&dropped));
            async move {
                let _flag = flag;
                std::future::pending::<Response>().await
            }
        })
        .expect("one handler")
        .register("test:nap", 1, |event: &Event<'_>| {
            std::thread::sleep(Duration::from_millis(50));
            echo(event)
        })
        .expect("one handler")
        .register("test:wait", 1, move |event: &Event<'_>| {
            let _ = release
                .lock()
                .expect("the channel")
                .recv_timeout(Duration::from_secs(30));
            echo(event)
        })
        .expect("one handler");
    registry
}

fn processor(deadline: Option<Duration>) -> (Processor, Arc<AtomicBool>, mpsc::Sender<()>) {
    let dropped = Arc::new(AtomicBool::new(false));
    let (release, released) = mpsc::channel();
    let processor =
        Processor::from_registry(registry(Arc::clone(&dropped), released)).with_deadline(deadline);
    (processor, dropped, release)
}

#[test]
fn there_is_no_deadline_by_default() {
    assert_eq!(Processor::new().deadline(), None);
    assert_eq!(DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED");
}

#[test]
fn async_handler_driven_on_the_calling_thread_is_cancelled_at_the_deadline() {
    let (processor, dropped, _release) = processor(Some(Duration::from_millis(50)));
    assert_eq!(
        processor.process(&body("test:never")),
        deadline_exceeded("test:never")
    );
    assert!(dropped.load(Ordering::SeqCst), "its future was dropped");
}

#[test]
fn blocking_handler_on_the_calling_thread_runs_to_its_end() {
    // the caller's thread is the handler's: nothing else could answer
    let (processor, _dropped, _release) = processor(Some(Duration::from_millis(1)));
    assert_eq!(processor.process(&body("test:nap")), answered("test:nap"));
}

#[test]
fn in_place_the_timer_is_the_callers() {
    let (processor, dropped, _release) = processor(Some(Duration::from_secs(3600)));
    // a timer that has already rung, whatever the duration
    let ring_at_once = |_: Duration| std::future::ready(());
    let in_place = futures_executor::block_on(processor.process_bytes_in_place_timed(
        body("test:never").as_bytes(),
        TraceHeaders::NONE,
        ring_at_once,
    ));
    match in_place {
        InPlace::Answered(answer) => assert_eq!(answer, deadline_exceeded("test:never")),
        InPlace::Blocking(handoff) => panic!("an async handler handed off: {handoff:?}"),
    }
    assert!(dropped.load(Ordering::SeqCst), "its future was dropped");
}

#[test]
fn handoff_without_a_deadline_has_none() {
    let (processor, _dropped, _release) = processor(None);
    let in_place =
        futures_executor::block_on(processor.process_bytes_in_place(body("test:nap").as_bytes()));
    let InPlace::Blocking(handoff) = in_place else {
        panic!("a handler that may block is handed off")
    };
    assert!(handoff.deadline().is_none());
    assert_eq!(handoff.answer(), answered("test:nap"));
}

#[test]
fn handler_that_answers_first_wins_over_the_deadline() {
    let (processor, _dropped, release) = processor(Some(Duration::from_millis(10)));
    let in_place =
        futures_executor::block_on(processor.process_bytes_in_place(body("test:wait").as_bytes()));
    let InPlace::Blocking(handoff) = in_place else {
        panic!("a handler that may block is handed off")
    };
    let deadline = handoff.deadline().expect("a deadline");
    assert_eq!(deadline.limit(), Duration::from_millis(10));
    release.send(()).expect("the handler released");
    // answered, even after the deadline passed, before the deadline expired
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(handoff.answer(), answered("test:wait"));
    assert_eq!(deadline.expire(), None);
}

/// The `warn` events of the processor, with their fields.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<BTreeMap<String, String>>>>);

struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber> Layer<S> for Warnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if *event.metadata().level() == Level::WARN {
            let mut fields = Fields(BTreeMap::new());
            event.record(&mut fields);
            self.0.lock().expect("the warnings").push(fields.0);
        }
    }
}

/// The warnings of every test of this file (one subscriber for the process:
/// the handler runs on a thread of its own).
fn warnings() -> &'static Warnings {
    static WARNINGS: OnceLock<Warnings> = OnceLock::new();
    WARNINGS.get_or_init(|| {
        let warnings = Warnings::default();
        let subscriber = tracing_subscriber::registry().with(warnings.clone());
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        warnings
    })
}

#[test]
fn deadline_answers_for_a_blocking_handler_whose_late_answer_is_dropped_and_logged() {
    let warnings = warnings();
    let (processor, _dropped, release) = processor(Some(Duration::from_millis(10)));
    let in_place =
        futures_executor::block_on(processor.process_bytes_in_place(body("test:wait").as_bytes()));
    let InPlace::Blocking(handoff) = in_place else {
        panic!("a handler that may block is handed off")
    };
    let deadline = handoff.deadline().expect("a deadline");
    let thread = std::thread::spawn(move || handoff.answer());
    assert_eq!(
        deadline.expire().as_deref(),
        Some(deadline_exceeded("test:wait").as_str())
    );
    release.send(()).expect("the handler released");
    // the late answer is still written, for its caller to drop
    assert_eq!(
        thread.join().expect("the handler's thread"),
        answered("test:wait")
    );
    let logged: Vec<_> = warnings
        .0
        .lock()
        .expect("the warnings")
        .iter()
        .filter(|fields| fields.get("deadline_ms").map(String::as_str) == Some("10"))
        .map(|fields| {
            let mut fields = fields.clone();
            // how late depends on the machine; that it is said does not
            if fields.contains_key("late_outcome") {
                assert!(fields.remove("late_ms").is_some(), "{fields:?}");
            }
            fields
        })
        .collect();
    assert_eq!(
        logged,
        [
            BTreeMap::from([
                ("deadline_ms".to_owned(), "10".to_owned()),
                (
                    "message".to_owned(),
                    "a blocking handler did not answer within the deadline: answered DEADLINE_EXCEEDED; its thread runs on".to_owned()
                ),
            ]),
            BTreeMap::from([
                ("deadline_ms".to_owned(), "10".to_owned()),
                ("late_outcome".to_owned(), "response".to_owned()),
                (
                    "message".to_owned(),
                    "a blocking handler answered after its deadline; its answer is dropped (the caller was answered DEADLINE_EXCEEDED)".to_owned()
                ),
            ]),
        ]
    );
}
