//! Arbitrary bytes to a processor of an explicit registry, macro-free, in
//! both reading modes and both not-found namings: every answer must be a
//! well-formed event that the strict reader accepts. (No handler panics here:
//! libFuzzer's panic hook aborts before the processor could catch it; panics
//! are covered by the tests.)

#![no_main]

use std::sync::{Arc, LazyLock};

use events_protocol::{processor::{NotFoundStyle, ReadMode}, Event, EventError, Json, Processor, Redirect, Registry, Response};
use libfuzzer_sys::fuzz_target;

#[derive(serde::Deserialize)]
struct Order {
    count: u8,
    items: Vec<String>,
}

static REGISTRY: LazyLock<Arc<Registry>> = LazyLock::new(|| {
    let mut registry = Registry::new();
    let filled = registry
        .register("fuzz:echo", 1, |event: &Event<'_>| {
            Response::from_raw("response", event.payload().to_owned())
        })
        .and_then(|r| {
            r.register("fuzz:order", 1, |event: &Event<'_>| {
                let order: Order = event.payload_as()?;
                Ok::<_, EventError>(Json(order.items.len() + usize::from(order.count)))
            })
        })
        .and_then(|r| {
            r.register("fuzz:redirect", 1, |event: &Event<'_>| {
                Redirect::to("https://example.com").with_query("user", event.user_id())
            })
        })
        .and_then(|r| {
            r.register_async("fuzz:async", 1, |event: Event<'static>| async move {
                Json(event.origin())
            })
        });
    if let Err(clash) = filled {
        panic!("the fuzz handlers are distinct: {clash}");
    }
    Arc::new(registry)
});

fuzz_target!(|body: &[u8]| {
    let processors = [
        Processor::from_registry(Arc::clone(&REGISTRY)),
        Processor::from_registry(Arc::clone(&REGISTRY))
            .with_read_mode(ReadMode::Strict)
            .with_not_found_style(NotFoundStyle::Kotlin),
    ];
    for processor in processors {
        let answer = processor.process_bytes(body);
        if let Err(error) = Event::from_json_strict(&answer) {
            panic!("not a well-formed event ({error}): {answer}");
        }
    }
});
