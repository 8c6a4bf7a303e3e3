//! Criterion benches of processing one event body, and the floor ratio.
//!
//! ```text
//! cargo bench --bench processing
//! ```
//!
//! - `sample/events_protocol`: the sample event (the README's handler, a full
//!   envelope) through `process_event` and the `#[event_handler]` macro;
//!   `sample/serde_json_floor`: the same event through a hand-written
//!   function doing only what cannot be avoided (see `common::floor`). The
//!   ratio of their medians is the floor ratio, printed at the end. No
//!   metrics recorder is installed: the `metrics` facade does nothing.
//!   (The sample event traced, with a recorder installed: `benches/observed.rs`.)
//! - `paths/*`: the not-found answer, the `badProtocol` answer, an `async`
//!   handler (driven by `process_event` on this thread), and strict reading.
//! - `large/*`: a 100 KiB payload of records, read whole and echoed whole,
//!   through ours and through the floor.
//!
//! Medians are in `target/criterion/<group>/<bench>/new/estimates.json`.

mod common;
#[path = "common/ratios.rs"]
mod ratios;

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, Throughput};
use events_protocol::{Processor, processor::ReadMode};

fn sample(c: &mut Criterion) {
    assert_eq!(
        events_protocol::process_event(common::SAMPLE),
        common::SAMPLE_ANSWER
    );
    assert_eq!(
        common::floor_sample(common::SAMPLE).as_deref(),
        Some(common::SAMPLE_ANSWER)
    );
    let mut group = c.benchmark_group("sample");
    group.throughput(Throughput::Elements(1));
    group.bench_function("events_protocol", |b| {
        b.iter(|| events_protocol::process_event(black_box(common::SAMPLE)));
    });
    group.bench_function("serde_json_floor", |b| {
        b.iter(|| common::floor_sample(black_box(common::SAMPLE)));
    });
    group.finish();
}

fn paths(c: &mut Criterion) {
    let not_found = common::not_found_body();
    let bad_protocol = common::bad_protocol_body();
    let asynchronous = common::async_body();
    let strict = Processor::new().with_read_mode(ReadMode::Strict);
    common::check(&not_found, "event:unknown:notFound");
    common::check(&bad_protocol, "badProtocol");
    common::check(&asynchronous, "event:name:response");
    assert_eq!(strict.process(common::SAMPLE), common::SAMPLE_ANSWER);

    let mut group = c.benchmark_group("paths");
    group.throughput(Throughput::Elements(1));
    group.bench_function("not_found", |b| {
        b.iter(|| events_protocol::process_event(black_box(&not_found)));
    });
    group.bench_function("bad_protocol", |b| {
        b.iter(|| events_protocol::process_event(black_box(&bad_protocol)));
    });
    group.bench_function("async_handler", |b| {
        b.iter(|| events_protocol::process_event(black_box(&asynchronous)));
    });
    group.bench_function("strict", |b| {
        b.iter(|| strict.process(black_box(common::SAMPLE)));
    });
    group.finish();
}

fn large(c: &mut Criterion) {
    let body = common::large_body();
    common::check(&body, "bulk:items:echo:response");
    let ours = events_protocol::process_event(&body);
    assert_eq!(common::floor_large(&body).as_deref(), Some(ours.as_str()));

    let mut group = c.benchmark_group("large");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("events_protocol_100k", |b| {
        b.iter(|| events_protocol::process_event(black_box(&body)));
    });
    group.bench_function("serde_json_floor_100k", |b| {
        b.iter(|| common::floor_large(black_box(&body)));
    });
    group.finish();
}

/// The ratios this bench prints.
const RATIOS: [ratios::Ratio; 2] = [
    ratios::Ratio {
        group: "sample",
        ours: "events_protocol",
        floor: "serde_json_floor",
        label: "floor ratio (sample event)",
        target: Some(1.3),
    },
    ratios::Ratio {
        group: "large",
        ours: "events_protocol_100k",
        floor: "serde_json_floor_100k",
        label: "floor ratio (100 KiB payload)",
        target: None,
    },
];

fn main() {
    let started = SystemTime::now();
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    sample(&mut criterion);
    paths(&mut criterion);
    large(&mut criterion);
    criterion.final_summary();
    ratios::print(started, &RATIOS);
    // the sample's ratio again, side by side in each of 200 rounds
    ratios::Interleaved::measure(
        200,
        2000,
        || events_protocol::process_event(black_box(common::SAMPLE)),
        || common::floor_sample(black_box(common::SAMPLE)),
    )
    .print("floor ratio (sample event)", 1.3);
}
