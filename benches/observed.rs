//! The sample event as a traced fleet sends it, into a service that
//! measures itself: the overhead of observability, next to the floor.
//!
//! ```text
//! cargo bench --bench observed
//! ```
//!
//! A Prometheus recorder is installed as the global recorder before the
//! first event, as `examples/server.rs` installs it: every event is counted,
//! timed and counted in flight. Then, side by side:
//!
//! - `observed/events_protocol`: the sample event carrying
//!   `metadata.trace` (a W3C `traceparent`) through `process_event` and the
//!   `#[event_handler]` macro. No subscriber listens and the README's handler
//!   calls nothing, so the trace context is carried to the handler's context
//!   but never read (it is read when first asked for);
//! - `observed/events_protocol_asked`: the same, to a handler that asks for
//!   its trace context, as one that calls another event does: the context
//!   read and the handler's span id drawn at every event;
//! - `observed/serde_json_floor`: the same body through the floor
//!   (`common::floor`), which reads the longer `metadata` and nothing else.
//!
//! The ratio of their medians is printed at the end (issue 12: at most 0.9),
//! and the ratio measured again in 200 interleaved rounds (each round times
//! both, so a drift of the machine's speed during the run moves both alike).
//! Without a recorder and without `metadata.trace`: `benches/processing.rs`.

mod common;
#[path = "common/ratios.rs"]
mod ratios;

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, Throughput};

fn main() {
    let started = SystemTime::now();
    let handle = common::prometheus_handle();
    let traced = common::traced_body();
    let asked = common::traced_asked_body();
    assert_eq!(
        events_protocol::process_event(&asked),
        common::SAMPLE_ANSWER.replacen(r#""version":1"#, r#""version":3"#, 1)
    );
    assert_eq!(
        events_protocol::process_event(&traced),
        common::SAMPLE_ANSWER
    );
    assert_eq!(
        common::floor_sample(&traced).as_deref(),
        Some(common::SAMPLE_ANSWER)
    );
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = criterion.benchmark_group("observed");
    group.throughput(Throughput::Elements(1));
    group.bench_function("events_protocol", |b| {
        b.iter(|| events_protocol::process_event(black_box(&traced)));
    });
    group.bench_function("events_protocol_asked", |b| {
        b.iter(|| events_protocol::process_event(black_box(&asked)));
    });
    group.bench_function("serde_json_floor", |b| {
        b.iter(|| common::floor_sample(black_box(&traced)));
    });
    group.finish();
    assert!(
        handle
            .render()
            .contains(r#"events_handled_total{name="event:name",version="1",outcome="response"}"#),
        "the recorder counted the events"
    );
    criterion.final_summary();
    const ASKED: &str = "floor ratio (the same, the handler asking for its trace context)";
    const LABEL: &str =
        "floor ratio (sample event with metadata.trace, a Prometheus recorder installed)";
    ratios::print(
        started,
        &[
            ratios::Ratio {
                group: "observed",
                ours: "events_protocol",
                floor: "serde_json_floor",
                label: LABEL,
                target: Some(0.9),
            },
            ratios::Ratio {
                group: "observed",
                ours: "events_protocol_asked",
                floor: "serde_json_floor",
                label: ASKED,
                target: Some(0.9),
            },
        ],
    );
    // the same two, side by side in each of 200 rounds of 2,000 calls
    ratios::Interleaved::measure(
        200,
        2000,
        || events_protocol::process_event(black_box(&traced)),
        || common::floor_sample(black_box(&traced)),
    )
    .print(LABEL, 0.9);
    ratios::Interleaved::measure(
        200,
        2000,
        || events_protocol::process_event(black_box(&asked)),
        || common::floor_sample(black_box(&traced)),
    )
    .print(ASKED, 0.9);
}
