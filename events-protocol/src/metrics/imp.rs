//! The series and measures, with the feature `metrics`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use metrics::{Counter, Gauge, Histogram, Key, Label, Metadata, Recorder, SharedString};

use super::{
    CLIENT_CALL_DURATION, CLIENT_CALLS, EVENTS_DURATION, EVENTS_HANDLED, EVENTS_IN_FLIGHT,
    MAX_CLIENT_SERIES, OUTCOMES, UNREGISTERED, outcome_index,
};

/// What every metric of this crate is registered with.
static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()));

/// The key of the in-flight gauge: no labels.
static IN_FLIGHT: Key = Key::from_static_name(EVENTS_IN_FLIGHT);

/// The counter and histogram names of a processor's events, or of a client's
/// calls.
#[derive(Debug, Clone, Copy)]
struct Names {
    count: &'static str,
    duration: &'static str,
}

const EVENTS: Names = Names {
    count: EVENTS_HANDLED,
    duration: EVENTS_DURATION,
};

#[cfg_attr(not(feature = "client"), allow(dead_code))]
const CALLS: Names = Names {
    count: CLIENT_CALLS,
    duration: CLIENT_CALL_DURATION,
};

/// The series of one (name, version): the keys of its counter and histogram
/// for each outcome, made the first time each is used, and the recorder's
/// handles of those, kept once the global recorder has given them.
#[derive(Debug)]
pub(crate) struct Series {
    names: Names,
    name: SharedString,
    version: SharedString,
    keys: [OnceLock<[Key; 2]>; OUTCOMES.len()],
    handles: [Kept<Handles>; OUTCOMES.len()],
}

/// A counter and a histogram as a recorder registered them.
#[derive(Debug)]
struct Handles {
    counter: Counter,
    histogram: Histogram,
}

/// What recorders registered, kept for at most two of them (by address),
/// each once: the global recorder as the first events saw it (the facade's
/// no-op when none was installed yet), and the one installed after them.
/// The global recorder can be installed only once, so two are all there
/// can be.
#[derive(Debug)]
struct Kept<T>([OnceLock<(usize, T)>; 2]);

impl<T> Kept<T> {
    const fn new() -> Kept<T> {
        Kept([const { OnceLock::new() }; 2])
    }

    /// What the recorder at `seen` registered, when it is kept.
    fn get(&self, seen: usize) -> Option<&T> {
        self.0.iter().find_map(|slot| match slot.get() {
            Some((recorder, kept)) if *recorder == seen => Some(kept),
            _ => None,
        })
    }

    /// Keeps what the recorder at `seen` registered, in the first free
    /// slot, unless it is kept already (two threads may register at once).
    fn keep(&self, seen: usize, value: T) {
        let mut value = value;
        for slot in &self.0 {
            match slot.set((seen, value)) {
                Ok(()) => return,
                Err((_, refused)) => {
                    if slot.get().is_some_and(|(recorder, _)| *recorder == seen) {
                        return;
                    }
                    value = refused;
                }
            }
        }
    }
}

/// The address of a recorder, to tell recorders apart.
fn address(recorder: &dyn Recorder) -> usize {
    std::ptr::from_ref(recorder).cast::<()>() as usize
}

/// Whether `seen` is the global recorder: the one a thread without a
/// recorder of its own sees (or the facade's no-op, when none is installed
/// yet), probed on a thread of its own. Handles are kept only when they come
/// from it: a global recorder lives as long as the process, while a
/// thread-local one (`metrics::with_local_recorder`) may be dropped and
/// another made at the same address.
///
/// Called at each registration whose handles are not kept: the first events
/// of a series, and every event counted by a thread-local recorder. The
/// first call probes; later ones probe again once in [`REPROBE_EVERY`] calls
/// that see another recorder (a thread spawned and joined, on the caller's
/// thread), so that a global recorder installed after the first events gets
/// its handles kept too. One probe runs at a time: a call meeting another's
/// probe is answered "not global" (its handles are kept at a later event).
fn is_global(seen: usize) -> bool {
    /// What was probed: 0 before the first probe, [`usize::MAX`] when the
    /// probe could not run.
    static GLOBAL: AtomicUsize = AtomicUsize::new(0);
    static MISSES: AtomicU32 = AtomicU32::new(0);
    static PROBING: Mutex<()> = Mutex::new(());
    let known = GLOBAL.load(Ordering::Relaxed);
    if known != 0 {
        if known == seen {
            return true;
        }
        if MISSES.fetch_add(1, Ordering::Relaxed) % REPROBE_EVERY != 0 {
            return false;
        }
    }
    let Ok(_probing) = PROBING.try_lock() else {
        return false;
    };
    let probed = std::thread::Builder::new()
        .name("events-metrics-probe".into())
        .spawn(|| metrics::with_recorder(address))
        .ok()
        .and_then(|probe| probe.join().ok())
        .filter(|&probed| probed != 0)
        .unwrap_or(usize::MAX);
    GLOBAL.store(probed, Ordering::Relaxed);
    probed == seen
}

/// How many registrations through another recorder than the one probed as
/// global pass before it is probed again (a thread is spawned for it).
const REPROBE_EVERY: u32 = 4096;

impl Series {
    /// The series of a registered handler.
    pub(crate) fn of(name: &str, version: i64) -> Series {
        warm_clock();
        Series::new(
            EVENTS,
            SharedString::from_owned(name.to_owned()),
            SharedString::from_owned(version.to_string()),
        )
    }

    const fn new(names: Names, name: SharedString, version: SharedString) -> Series {
        Series {
            names,
            name,
            version,
            keys: [const { OnceLock::new() }; OUTCOMES.len()],
            handles: [const { Kept::new() }; OUTCOMES.len()],
        }
    }

    /// Counts one event (or call) of the outcome at `index` in [`OUTCOMES`]
    /// and records its duration, with `recorder`'s handles: kept ones when
    /// `recorder` gave them, else registered now (and kept when it is the
    /// global recorder).
    fn record(&self, recorder: &dyn Recorder, index: usize, seconds: f64) {
        let seen = address(recorder);
        if let Some(handles) = self.handles[index].get(seen) {
            handles.counter.increment(1);
            handles.histogram.record(seconds);
            return;
        }
        let [count, duration] = self.keys(index);
        let counter = recorder.register_counter(count, &METADATA);
        let histogram = recorder.register_histogram(duration, &METADATA);
        counter.increment(1);
        histogram.record(seconds);
        if is_global(seen) {
            self.handles[index].keep(seen, Handles { counter, histogram });
        }
    }

    /// The counter's and histogram's keys of the outcome at `index`.
    fn keys(&self, index: usize) -> &[Key; 2] {
        self.keys[index].get_or_init(|| {
            let labels = || {
                vec![
                    Label::new("name", self.name.clone()),
                    Label::new("version", self.version.clone()),
                    Label::from_static_parts("outcome", OUTCOMES[index]),
                ]
            };
            // retained: a recorder that retains the key it is given (as the
            // Prometheus exporter does at every call) clones an `Arc`, where
            // it would copy the labels of a key made of owned parts
            [
                Key::from_parts(self.names.count, labels()).to_retained(),
                Key::from_parts(self.names.duration, labels()).to_retained(),
            ]
        })
    }
}

impl Default for Series {
    /// A series of no handler: name and version [`UNREGISTERED`].
    fn default() -> Series {
        Series::new(
            EVENTS,
            SharedString::const_str(UNREGISTERED),
            SharedString::const_str(UNREGISTERED),
        )
    }
}

/// The series of the events no handler serves: name and version
/// [`UNREGISTERED`].
pub(crate) fn unregistered() -> &'static Series {
    static UNREGISTERED_EVENTS: Series = Series::new(
        EVENTS,
        SharedString::const_str(UNREGISTERED),
        SharedString::const_str(UNREGISTERED),
    );
    &UNREGISTERED_EVENTS
}

#[cfg_attr(not(feature = "client"), allow(dead_code))]
/// The series of a client's calls of (name, version): one per pair for the
/// first [`MAX_CLIENT_SERIES`] pairs, kept for the life of the process (so
/// at most that many), then one for every other pair.
pub(crate) fn client_series(name: &str, version: i64) -> &'static Series {
    static OVERFLOW: Series = Series::new(
        CALLS,
        SharedString::const_str(UNREGISTERED),
        SharedString::const_str(UNREGISTERED),
    );
    /// Per name, the versions called and their series.
    type Known = HashMap<Box<str>, Vec<(i64, &'static Series)>>;
    static KNOWN: OnceLock<Mutex<(Known, usize)>> = OnceLock::new();
    let known = KNOWN.get_or_init(Mutex::default);
    // a panic elsewhere while holding the lock leaves the map as it was
    let mut known = known.lock().unwrap_or_else(PoisonError::into_inner);
    let (by_name, count) = &mut *known;
    if let Some((_, series)) = by_name
        .get(name)
        .and_then(|versions| versions.iter().find(|(known, _)| *known == version))
    {
        return series;
    }
    if *count >= MAX_CLIENT_SERIES {
        return &OVERFLOW;
    }
    // at most MAX_CLIENT_SERIES of them, ever: kept for the process's life
    let series: &'static Series = Box::leak(Box::new(Series::new(
        CALLS,
        SharedString::from_owned(name.to_owned()),
        SharedString::from_owned(version.to_string()),
    )));
    by_name
        .entry(Box::from(name))
        .or_default()
        .push((version, series));
    *count += 1;
    series
}

/// Reads the clock of the durations once: it calibrates itself at its
/// first read (a spin of a millisecond or more), which should happen when a
/// registry or a client is made, not in the first event or call.
pub(crate) fn warm_clock() {
    let _ = quanta::Instant::now();
}

/// The events being processed, counted here and given to the
/// [`EVENTS_IN_FLIGHT`] gauge when each ends (one call to the recorder per
/// event, not two).
static IN_FLIGHT_NOW: AtomicI64 = AtomicI64::new(0);

/// One event (or call) under way: when it started. An event counts in
/// [`EVENTS_IN_FLIGHT`] from [`Measure::start`] until the measure is dropped;
/// the gauge is set when it ends, to the events still in flight then.
///
/// Durations are read from `quanta`'s clock (the CPU's time stamp counter
/// where it is reliable, the OS clock elsewhere): two reads an event.
#[derive(Debug)]
pub(crate) struct Measure {
    started: quanta::Instant,
    in_flight: bool,
}

impl Measure {
    /// An event begins: one more in flight.
    pub(crate) fn start() -> Measure {
        IN_FLIGHT_NOW.fetch_add(1, Ordering::Relaxed);
        Measure {
            started: quanta::Instant::now(),
            in_flight: true,
        }
    }

    /// A client's call begins.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn call() -> Measure {
        Measure {
            started: quanta::Instant::now(),
            in_flight: false,
        }
    }

    /// It ended with `outcome`: counted, and its duration recorded, in
    /// `series` (and, for an event, the gauge of those in flight set).
    pub(crate) fn finish(mut self, series: &Series, outcome: &str) {
        let seconds = self.started.elapsed().as_secs_f64();
        let index = outcome_index(outcome);
        let in_flight = self.end();
        metrics::with_recorder(|recorder| {
            series.record(recorder, index, seconds);
            if let Some(in_flight) = in_flight {
                set_in_flight(recorder, in_flight);
            }
        });
    }

    /// Takes the event out of those in flight (once): how many are left.
    fn end(&mut self) -> Option<i64> {
        if !std::mem::take(&mut self.in_flight) {
            return None;
        }
        Some(IN_FLIGHT_NOW.fetch_sub(1, Ordering::Relaxed) - 1)
    }
}

impl Drop for Measure {
    /// An event dropped unanswered (a hand-off never answered) leaves those
    /// in flight too.
    fn drop(&mut self) {
        if let Some(in_flight) = self.end() {
            metrics::with_recorder(|recorder| set_in_flight(recorder, in_flight));
        }
    }
}

/// Sets the gauge of the events in flight, with the global recorder's kept
/// handle when `recorder` is it.
fn set_in_flight(recorder: &dyn Recorder, in_flight: i64) {
    static KEPT: Kept<Gauge> = Kept::new();
    let seen = address(recorder);
    if let Some(gauge) = KEPT.get(seen) {
        gauge.set(in_flight as f64);
        return;
    }
    let gauge = recorder.register_gauge(&IN_FLIGHT, &METADATA);
    gauge.set(in_flight as f64);
    if is_global(seen) {
        KEPT.keep(seen, gauge);
    }
}

#[cfg(test)]
mod tests {
    use super::Kept;

    #[test]
    fn a_recorder_is_kept_once_even_by_threads_at_once_and_a_second_beside_it() {
        let kept: Kept<u8> = Kept::new();
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| kept.keep(1, 10));
            }
        });
        assert_eq!(kept.get(1), Some(&10));
        // the second slot is still free for the recorder installed later
        kept.keep(2, 20);
        assert_eq!((kept.get(1), kept.get(2)), (Some(&10), Some(&20)));
        // and no third
        kept.keep(3, 30);
        assert_eq!(kept.get(3), None);
    }
}
