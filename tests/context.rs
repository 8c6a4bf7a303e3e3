//! PROTOCOL.md §7: the event context, per thread and per task.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll};

use events_protocol::{Event, EventContext, Json, Processor, Registry};
use futures_executor::block_on;
use futures_util_free::yield_now;
use serde_json::json;

/// A future that is pending once, so that tasks on one thread interleave.
mod futures_util_free {
    use super::*;

    pub struct YieldNow(bool);

    impl Future for YieldNow {
        type Output = ();

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                Poll::Ready(())
            } else {
                self.0 = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }

    pub fn yield_now() -> YieldNow {
        YieldNow(false)
    }
}

fn context_registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register("ctx:sync", 1, |event: &Event<'_>| {
            // let the other thread enter its own handler meanwhile
            let seen = EventContext::current().expect("a context inside a handler");
            std::thread::sleep(std::time::Duration::from_millis(20));
            let again = EventContext::current().expect("still a context");
            assert_eq!(seen, again);
            Json(json!({"id": seen.id(), "flowId": seen.flow_id(), "event": event.id()}))
        })
        .and_then(|r| {
            r.register_async("ctx:async", 1, |_event: Event<'static>| async move {
                let mut seen = Vec::new();
                for _ in 0..3 {
                    let context = EventContext::current().expect("a context at every poll");
                    seen.push(json!([context.id(), context.flow_id()]));
                    yield_now().await;
                }
                Json(seen)
            })
        })
        .expect("distinct handlers");
    registry
}

fn body(name: &str, id: &str, flow_id: &str) -> String {
    format!(r#"{{"name":"{name}","version":1,"id":"{id}","flowId":"{flow_id}"}}"#)
}

#[test]
fn two_threads_each_see_their_own_context() {
    let processor = Arc::new(Processor::from_registry(context_registry()));
    let barrier = Arc::new(Barrier::new(2));
    let threads: Vec<_> = ["one", "two"]
        .into_iter()
        .map(|who| {
            let processor = Arc::clone(&processor);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                let answer = processor.process(&body("ctx:sync", who, &format!("flow-{who}")));
                (who, answer)
            })
        })
        .collect();
    for thread in threads {
        let (who, answer) = thread.join().expect("no panic");
        assert_eq!(
            answer,
            format!(
                r#"{{"name":"ctx:sync:response","version":1,"id":"{who}","flowId":"flow-{who}","payload":{{"event":"{who}","flowId":"flow-{who}","id":"{who}"}},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
            )
        );
    }
    assert_eq!(EventContext::current(), None);
}

#[test]
fn two_async_tasks_interleaved_on_one_thread_each_see_their_own_context() {
    let processor = Processor::from_registry(context_registry());
    let bodies = [
        body("ctx:async", "a", "flow-a"),
        body("ctx:async", "b", "flow-b"),
    ];
    let mut tasks: Vec<Pin<Box<dyn Future<Output = String> + Send + '_>>> = bodies
        .iter()
        .map(|body| Box::pin(processor.process_async(body)) as Pin<Box<_>>)
        .collect();
    let mut answers: [Option<String>; 2] = [None, None];
    let mut cx = Context::from_waker(std::task::Waker::noop());
    // poll a, then b, then a, ...: each is pending between its polls
    let mut polls = 0;
    while answers.iter().any(Option::is_none) {
        for (task, answer) in tasks.iter_mut().zip(answers.iter_mut()) {
            if answer.is_none() {
                if let Poll::Ready(done) = task.as_mut().poll(&mut cx) {
                    *answer = Some(done);
                }
                polls += 1;
            }
        }
    }
    assert!(polls >= 6, "the tasks interleaved ({polls} polls)");
    for (who, answer) in ["a", "b"].into_iter().zip(answers) {
        let seen = format!(r#"["{who}","flow-{who}"]"#);
        assert_eq!(
            answer.as_deref(),
            Some(
                format!(
                    r#"{{"name":"ctx:async:response","version":1,"id":"{who}","flowId":"flow-{who}","payload":[{seen},{seen},{seen}],"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
                )
                .as_str()
            )
        );
    }
    assert_eq!(EventContext::current(), None);
}

#[test]
fn an_async_handler_keeps_its_context_across_threads() {
    let processor = Processor::from_registry(context_registry());
    let body = body("ctx:async", "moving", "flow-moving");
    let mut future = Box::pin(processor.process_async(&body));
    let waker = std::task::Waker::noop();
    let mut cx = Context::from_waker(waker);
    // first poll here, the others on fresh threads
    assert!(future.as_mut().poll(&mut cx).is_pending());
    let answer = loop {
        let polled = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let mut cx = Context::from_waker(std::task::Waker::noop());
                    future.as_mut().poll(&mut cx)
                })
                .join()
                .expect("no panic")
        });
        if let Poll::Ready(answer) = polled {
            break answer;
        }
    };
    let seen = r#"["moving","flow-moving"]"#;
    assert_eq!(
        answer,
        format!(
            r#"{{"name":"ctx:async:response","version":1,"id":"moving","flowId":"flow-moving","payload":[{seen},{seen},{seen}],"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
        )
    );
}

#[test]
fn nested_contexts_restore_the_outer_one() {
    let outer = EventContext::new("outer", "outer-flow");
    let inner = EventContext::new("inner", "inner-flow");
    outer.scope(|| {
        inner.scope(|| assert_eq!(EventContext::current().as_ref(), Some(&inner)));
        assert_eq!(EventContext::current().as_ref(), Some(&outer));
        let nested = block_on(inner.clone().wrap(async { EventContext::current() }));
        assert_eq!(nested.as_ref(), Some(&inner));
        assert_eq!(EventContext::current().as_ref(), Some(&outer));
    });
    assert_eq!(EventContext::current(), None);
}

#[test]
fn a_panic_inside_a_scope_restores_the_outer_context() {
    let outer = EventContext::new("outer", "outer-flow");
    outer.scope(|| {
        let caught = std::panic::catch_unwind(|| {
            EventContext::new("inner", "inner-flow").scope(|| panic!("inside"))
        });
        assert!(caught.is_err());
        assert_eq!(EventContext::current().as_ref(), Some(&outer));
    });
}

#[test]
fn an_event_built_inside_a_handler_continues_the_flow() {
    let mut registry = Registry::new();
    registry
        .register("ctx:forward", 1, |_: &Event<'_>| {
            let onward = Event::builder("other:service:call", 1)
                .build()
                .expect("serialisable");
            let explicit = Event::builder("other:service:call", 1)
                .flow_id("chosen")
                .build()
                .expect("serialisable");
            Json(json!([
                onward.id(),
                onward.flow_id(),
                explicit.id(),
                explicit.flow_id()
            ]))
        })
        .expect("one handler");
    let answer = Processor::from_registry(registry).process(&body("ctx:forward", "s-1", "f-1"));
    assert_eq!(
        answer,
        r#"{"name":"ctx:forward:response","version":1,"id":"s-1","flowId":"f-1","payload":["s-1","f-1","s-1","chosen"],"identity":{},"auth":{},"metadata":{}}"#
    );
}
