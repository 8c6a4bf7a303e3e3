//! Application state for handlers: given once to the processor
//! (`Processor::with_state`), read by `State<T>` parameters in synchronous,
//! blocking and `async` handlers and in tasks that take the context along;
//! a missing one named by `Processor::check` and answered `UNHANDLED_ERROR`.

use std::sync::{Arc, Mutex};

use events_protocol::processor::{InPlace, MissingState};
use events_protocol::{EventContext, Processor, State, event_handler};

/// A pool-like state: shared, cheap to clone.
#[derive(Clone, Default)]
struct Names(Arc<Mutex<Vec<String>>>);

/// A second state type, for the handler that takes two.
#[derive(Clone)]
struct Greeting(&'static str);

#[event_handler(name = "test:state:add", version = 1)]
fn add(name: String, State(names): State<Names>) -> usize {
    let mut names = names.0.lock().expect("the names");
    names.push(name);
    names.len()
}

#[event_handler(name = "test:state:greet", version = 1, inline)]
fn greet(name: String, State(greeting): State<Greeting>, state: State<Names>) -> String {
    let known = state.0.0.lock().expect("the names").contains(&name);
    format!("{} {name}{}", greeting.0, if known { " again" } else { "" })
}

#[event_handler(name = "test:state:later", version = 1)]
async fn later(State(names): State<Names>) -> usize {
    // a task that takes the context along reads the state too
    let context = EventContext::current().expect("the handler's context");
    let from_task = std::thread::spawn(move || {
        context.scope(|| {
            EventContext::current()
                .and_then(|context| context.state::<Names>())
                .map(|names| names.0.lock().expect("the names").len())
        })
    })
    .join()
    .expect("the thread");
    let here = names.0.lock().expect("the names").len();
    assert_eq!(from_task, Some(here));
    here
}

fn event(name: &str, payload: &str) -> String {
    format!(r#"{{"name":"{name}","version":1,"id":"i","flowId":"f","payload":{payload}}}"#)
}

fn answer(name: &str, payload: &str) -> String {
    format!(
        r#"{{"name":"{name}:response","version":1,"id":"i","flowId":"f","payload":{payload},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
    )
}

fn processor() -> (Processor, Names) {
    let names = Names::default();
    let processor = Processor::new()
        .with_state(names.clone())
        .with_state(Greeting("hello"));
    (processor, names)
}

#[test]
fn a_processor_with_every_state_passes_its_check() {
    assert_eq!(processor().0.check(), Ok(()));
}

#[test]
fn handlers_read_the_state_the_processor_was_given() {
    let (processor, names) = processor();
    assert_eq!(
        processor.process(&event("test:state:add", r#""Ada""#)),
        answer("test:state:add", "1")
    );
    assert_eq!(
        processor.process(&event("test:state:greet", r#""Ada""#)),
        answer("test:state:greet", r#""hello Ada again""#)
    );
    assert_eq!(
        processor.process(&event("test:state:later", "{}")),
        answer("test:state:later", "1")
    );
    assert_eq!(*names.0.lock().expect("the names"), ["Ada"]);
}

#[test]
fn a_handed_off_blocking_handler_reads_the_state() {
    let (processor, names) = processor();
    let body = event("test:state:add", r#""Bo""#);
    let InPlace::Blocking(handoff) =
        futures_executor::block_on(processor.process_bytes_in_place(body.as_bytes()))
    else {
        panic!("test:state:add may block");
    };
    let answered = std::thread::spawn(move || handoff.answer())
        .join()
        .expect("the thread");
    assert_eq!(answered, answer("test:state:add", "1"));
    assert_eq!(*names.0.lock().expect("the names"), ["Bo"]);
}

#[test]
fn check_names_every_handler_whose_state_is_missing() {
    let error = Processor::new()
        .with_state(Greeting("hi"))
        .check()
        .expect_err("Names is missing");
    assert!(error.duplicates.is_empty());
    let mut missing: Vec<(String, &str)> = error
        .missing_states
        .iter()
        .map(|MissingState { name, state, .. }| (name.clone(), *state))
        .collect();
    missing.sort();
    assert_eq!(
        missing,
        [
            ("test:state:add".to_owned(), "state::Names"),
            ("test:state:greet".to_owned(), "state::Names"),
            ("test:state:later".to_owned(), "state::Names"),
        ]
    );
    let greet = error
        .missing_states
        .iter()
        .find(|missing| missing.name == "test:state:greet")
        .expect("greet");
    assert_eq!(
        greet.to_string(),
        format!(
            "the handler of `test:state:greet` version 1 (at {}) takes `State<state::Names>`, \
             which the processor was not given: add `.with_state(value)` to the `Processor`",
            greet.location
        )
    );
}

#[test]
fn an_event_reaching_a_handler_whose_state_is_missing_answers_unhandled_error() {
    let answered = Processor::new().process(&event("test:state:add", r#""Cy""#));
    assert_eq!(
        answered,
        r#"{"name":"test:state:add:error","version":1,"id":"i","flowId":"f","payload":{"code":"UNHANDLED_ERROR","parameters":{}},"identity":{},"auth":{},"metadata":{}}"#
    );
}
