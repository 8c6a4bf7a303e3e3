//! A global recorder installed after the first events (feature `metrics`):
//! it counts every event from then on, and its handles are kept once it is
//! noticed, so that the events after that cost it no registration. Read
//! from a real recorder (`metrics-util`'s `DebuggingRecorder`), installed
//! for this test binary alone behind a wrapper that counts registrations.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use events_protocol::{Event, Processor, Registry, Response};
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

/// A recorder that counts the registrations it is asked for, and hands them
/// to the real one.
struct Counting {
    inner: DebuggingRecorder,
    registrations: Arc<AtomicUsize>,
}

impl Recorder for Counting {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.inner.describe_counter(key, unit, description);
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.inner.describe_gauge(key, unit, description);
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.inner.describe_histogram(key, unit, description);
    }

    fn register_counter(&self, key: &Key, metadata: &Metadata<'_>) -> Counter {
        self.registrations.fetch_add(1, Ordering::Relaxed);
        self.inner.register_counter(key, metadata)
    }

    fn register_gauge(&self, key: &Key, metadata: &Metadata<'_>) -> Gauge {
        self.registrations.fetch_add(1, Ordering::Relaxed);
        self.inner.register_gauge(key, metadata)
    }

    fn register_histogram(&self, key: &Key, metadata: &Metadata<'_>) -> Histogram {
        self.registrations.fetch_add(1, Ordering::Relaxed);
        self.inner.register_histogram(key, metadata)
    }
}

#[test]
fn a_recorder_installed_after_the_first_events_counts_the_rest_without_registering_again() {
    let mut registry = Registry::new();
    registry
        .register_inline("late:ok", 1, |_: &Event<'_>| Response::success("ok"))
        .expect("one handler");
    let processor = Processor::from_registry(registry);
    let body = r#"{"name":"late:ok","version":1,"id":"i","flowId":"f"}"#;
    let answered = r#"{"name":"late:ok:response","version":1,"id":"i","flowId":"f","payload":"ok","identity":{},"auth":{},"metadata":{}}"#;
    // before any recorder: the facade does nothing
    for _ in 0..10 {
        assert_eq!(processor.process(body), answered);
    }

    let registrations = Arc::new(AtomicUsize::new(0));
    let inner = DebuggingRecorder::new();
    let snapshotter = inner.snapshotter();
    metrics::set_global_recorder(Counting {
        inner,
        registrations: Arc::clone(&registrations),
    })
    .expect("the only recorder of this binary");

    assert_eq!(processor.process(body), answered);
    let after_first = registrations.load(Ordering::Relaxed);
    assert!(after_first > 0, "the new recorder was asked to register");
    for _ in 0..99 {
        assert_eq!(processor.process(body), answered);
    }
    assert_eq!(
        registrations.load(Ordering::Relaxed),
        after_first,
        "once noticed, the recorder's handles are kept: no more registrations"
    );

    let handled = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .find(|(key, ..)| key.key().name() == events_protocol::metrics::EVENTS_HANDLED)
        .map(|(key, _, _, value)| {
            (
                format!("{:?}", key.key().labels().collect::<Vec<_>>()),
                value,
            )
        });
    let Some((labels, DebugValue::Counter(count))) = handled else {
        panic!("no events_handled_total: {handled:?}");
    };
    assert_eq!(count, 100, "every event since the recorder was installed");
    assert!(
        labels.contains("late:ok") && labels.contains("response"),
        "{labels}"
    );
}
