//! Heap allocations per processed event, counted by a counting global
//! allocator: the sample event and every other path. A check as well as a
//! report: it exits non-zero when the sample event takes more than
//! [`SAMPLE_LIMIT`] allocations.
//!
//! ```text
//! cargo bench --bench allocations
//! ```
//!
//! An allocation is a call to `alloc`, `alloc_zeroed` or `realloc` (a
//! `realloc` may move the block: it is counted as one more allocation).
//! Each path is processed a few times first, so that what is set up once
//! per process or per thread (the link-time registry, the thread's context
//! frames) is not counted, then [`ROUNDS`] times counted.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

use events_protocol::{Processor, processor::ReadMode};

/// The most allocations the sample event may take (the issue's target).
const SAMPLE_LIMIT: f64 = 6.0;

/// How many times each path is processed while counting.
const ROUNDS: u64 = 1000;

/// The system allocator, counting.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static REALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are only added to.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: the caller's contract is the system allocator's
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: as above
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        REALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(
            new_size.saturating_sub(layout.size()) as u64,
            Ordering::Relaxed,
        );
        // SAFETY: as above
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations of one processed event, on average over [`ROUNDS`].
struct Count {
    allocs: f64,
    reallocs: f64,
    bytes: f64,
}

impl Count {
    fn total(&self) -> f64 {
        self.allocs + self.reallocs
    }
}

fn count(process: impl Fn() -> String) -> Count {
    for _ in 0..10 {
        drop(black_box(process()));
    }
    let allocs = ALLOCS.load(Ordering::Relaxed);
    let reallocs = REALLOCS.load(Ordering::Relaxed);
    let bytes = BYTES.load(Ordering::Relaxed);
    for _ in 0..ROUNDS {
        drop(black_box(process()));
    }
    let per_event = |after: u64, before: u64| (after - before) as f64 / ROUNDS as f64;
    Count {
        allocs: per_event(ALLOCS.load(Ordering::Relaxed), allocs),
        reallocs: per_event(REALLOCS.load(Ordering::Relaxed), reallocs),
        bytes: per_event(BYTES.load(Ordering::Relaxed), bytes),
    }
}

fn main() -> ExitCode {
    let not_found = common::not_found_body();
    let bad_protocol = common::bad_protocol_body();
    let asynchronous = common::async_body();
    let large = common::large_body();
    let strict = Processor::new().with_read_mode(ReadMode::Strict);
    assert_eq!(
        events_protocol::process_event(common::SAMPLE),
        common::SAMPLE_ANSWER
    );
    common::check(&not_found, "event:unknown:notFound");
    common::check(&bad_protocol, "badProtocol");
    common::check(&asynchronous, "event:name:response");
    common::check(&large, "bulk:items:echo:response");

    let sample = count(|| events_protocol::process_event(black_box(common::SAMPLE)));
    let sample_total = sample.total();
    let mut rows = vec![
        ("sample event", sample),
        (
            "sample event, serde_json floor",
            count(|| common::floor_sample(black_box(common::SAMPLE)).unwrap_or_default()),
        ),
        (
            "not found",
            count(|| events_protocol::process_event(black_box(&not_found))),
        ),
        (
            "badProtocol",
            count(|| events_protocol::process_event(black_box(&bad_protocol))),
        ),
        (
            "async handler",
            count(|| events_protocol::process_event(black_box(&asynchronous))),
        ),
        (
            "strict reading",
            count(|| strict.process(black_box(common::SAMPLE))),
        ),
        (
            "100 KiB payload",
            count(|| events_protocol::process_event(black_box(&large))),
        ),
        (
            "100 KiB payload, serde_json floor",
            count(|| common::floor_large(black_box(&large)).unwrap_or_default()),
        ),
    ];
    // last, a global recorder, installed after the events of the other rows
    // (as a service that installs it late: its handles are kept once it is
    // noticed, at the first events, before counting)
    let _handle = common::prometheus_handle();
    let traced = common::traced_body();
    rows.insert(
        1,
        (
            "sample event, traced, metrics recorder",
            count(|| events_protocol::process_event(black_box(&traced))),
        ),
    );
    println!(
        "{:<34} {:>8} {:>8} {:>8} {:>12}",
        "allocations per event", "total", "alloc", "realloc", "bytes"
    );
    for (label, count) in &rows {
        println!(
            "{label:<34} {:>8.2} {:>8.2} {:>8.2} {:>12.0}",
            count.total(),
            count.allocs,
            count.reallocs,
            count.bytes
        );
    }
    if sample_total > SAMPLE_LIMIT {
        println!(
            "FAILED: the sample event takes {sample_total:.2} allocations, more than {SAMPLE_LIMIT}"
        );
        ExitCode::FAILURE
    } else {
        println!(
            "ok: the sample event takes {sample_total:.2} allocations, at most {SAMPLE_LIMIT}"
        );
        ExitCode::SUCCESS
    }
}
