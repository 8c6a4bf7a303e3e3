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
//! - `sample/events_protocol_observed`: the sample event carrying a
//!   `metadata.trace` (continued by the handler's span), with a Prometheus
//!   recorder installed (every event counted, timed, and in flight), next to
//!   `sample/serde_json_floor_traced`, the floor of the same body.
//! - `paths/*`: the not-found answer, the `badProtocol` answer, an `async`
//!   handler (driven by `process_event` on this thread), and strict reading.
//! - `large/*`: a 100 KiB payload of records, read whole and echoed whole,
//!   through ours and through the floor.
//!
//! Medians are in `target/criterion/<group>/<bench>/new/estimates.json`.

mod common;

use std::hint::black_box;
use std::path::{Path, PathBuf};
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
    let traced = common::traced_body();
    assert_eq!(
        events_protocol::process_event(&traced),
        common::SAMPLE_ANSWER
    );
    let recorder = common::prometheus();
    metrics::with_local_recorder(&recorder, || {
        group.bench_function("events_protocol_observed", |b| {
            b.iter(|| events_protocol::process_event(black_box(&traced)));
        });
    });
    assert!(
        recorder
            .handle()
            .render()
            .contains(r#"events_handled_total{name="event:name",version="1",outcome="response"}"#),
        "the recorder counted the events"
    );
    group.bench_function("serde_json_floor_traced", |b| {
        b.iter(|| common::floor_sample(black_box(&traced)));
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

/// Where criterion writes its estimates, by criterion's own rule:
/// `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the target
/// directory this binary was built in.
fn criterion_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Some(PathBuf::from(home));
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(target).join("criterion"));
    }
    // <target>/<profile>/deps/<this binary>
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.parent()?.parent()?.join("criterion"))
}

/// The median, in nanoseconds, of a bench measured by this run (written
/// after `started`; an older file is another run's).
fn median(home: &Path, started: SystemTime, group: &str, bench: &str) -> Option<f64> {
    let path = home.join(group).join(bench).join("new/estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < started {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

/// Prints the ratio of ours to the floor for each pair measured in this run.
fn print_ratios(started: SystemTime) {
    let Some(home) = criterion_home() else {
        return;
    };
    let pairs = [
        (
            "sample",
            "events_protocol",
            "serde_json_floor",
            "floor ratio (sample event)",
            Some(1.3),
        ),
        (
            "sample",
            "events_protocol_observed",
            "serde_json_floor_traced",
            "floor ratio (sample event with metadata.trace, a metrics recorder installed)",
            Some(0.9),
        ),
        (
            "large",
            "events_protocol_100k",
            "serde_json_floor_100k",
            "floor ratio (100 KiB payload)",
            None,
        ),
    ];
    for (group, ours, floor, label, target) in pairs {
        let (Some(ours), Some(floor)) = (
            median(&home, started, group, ours),
            median(&home, started, group, floor),
        ) else {
            continue;
        };
        let ratio = ours / floor;
        let verdict = match target {
            Some(limit) if ratio <= limit => format!(" (target at most {limit}: met)"),
            Some(limit) => format!(" (target at most {limit}: MISSED)"),
            None => String::new(),
        };
        println!("{label}: {ratio:.3} = median {ours:.1} ns / median {floor:.1} ns{verdict}");
    }
}

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
    print_ratios(started);
}
