//! The ratios of criterion medians measured in one run, printed at its end;
//! and ratios measured in interleaved rounds, which a machine whose speed
//! drifts during the run (a shared virtual machine) cannot tilt.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// A ratio to print: ours over the floor, both benches of one group.
pub struct Ratio {
    /// The criterion group of both benches.
    pub group: &'static str,
    /// Our bench.
    pub ours: &'static str,
    /// The floor's bench.
    pub floor: &'static str,
    /// What the ratio is of.
    pub label: &'static str,
    /// The most it may be, when it has a target.
    pub target: Option<f64>,
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

/// Prints each ratio whose two benches were measured by this run (started
/// at `started`), with its verdict when it has a target.
pub fn print(started: SystemTime, ratios: &[Ratio]) {
    let Some(home) = criterion_home() else {
        return;
    };
    for ratio in ratios {
        let (Some(ours), Some(floor)) = (
            median(&home, started, ratio.group, ratio.ours),
            median(&home, started, ratio.group, ratio.floor),
        ) else {
            continue;
        };
        let value = ours / floor;
        let verdict = match ratio.target {
            Some(limit) => format!(" (target at most {limit}: {})", verdict(value, limit)),
            None => String::new(),
        };
        println!(
            "{}: {value:.3} = median {ours:.1} ns / median {floor:.1} ns{verdict}",
            ratio.label
        );
    }
}

/// The ratio of two workloads measured in interleaved rounds: each round
/// times `batch` calls of one, then `batch` of the other (which goes first
/// alternates), and yields one ratio; the median of the rounds' ratios is
/// what a slow drift of the machine's speed cannot move, as it moves both
/// halves of a round alike (criterion measures one bench for seconds, then
/// the other).
pub struct Interleaved {
    /// The median of the rounds' ratios, ours over the floor.
    pub ratio: f64,
    /// Our median time per call, in nanoseconds.
    pub ours_ns: f64,
    /// The floor's median time per call, in nanoseconds.
    pub floor_ns: f64,
    /// How many rounds.
    pub rounds: usize,
}

impl Interleaved {
    /// Measures `ours` against `floor` in `rounds` rounds of `batch` calls
    /// each, after one round of warm-up.
    pub fn measure<A, B>(
        rounds: usize,
        batch: usize,
        mut ours: impl FnMut() -> A,
        mut floor: impl FnMut() -> B,
    ) -> Interleaved {
        let time = |work: &mut dyn FnMut()| {
            let start = Instant::now();
            for _ in 0..batch {
                work();
            }
            start.elapsed().as_secs_f64() * 1e9 / batch as f64
        };
        let mut ours = || {
            black_box(ours());
        };
        let mut floor = || {
            black_box(floor());
        };
        let (mut ratios, mut ours_ns, mut floor_ns) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..=rounds {
            let (a, b) = if round % 2 == 0 {
                let a = time(&mut ours);
                (a, time(&mut floor))
            } else {
                let b = time(&mut floor);
                (time(&mut ours), b)
            };
            // round 0 warms up
            if round > 0 {
                ratios.push(a / b);
                ours_ns.push(a);
                floor_ns.push(b);
            }
        }
        Interleaved {
            ratio: middle(&mut ratios),
            ours_ns: middle(&mut ours_ns),
            floor_ns: middle(&mut floor_ns),
            rounds,
        }
    }

    /// Prints the ratio with its verdict against `target`.
    pub fn print(&self, label: &str, target: f64) {
        let verdict = verdict(self.ratio, target);
        println!(
            "{label}, interleaved: {:.3} = median of {} rounds' ratios (ours {:.1} ns, floor {:.1} ns; target at most {target}: {verdict})",
            self.ratio, self.rounds, self.ours_ns, self.floor_ns
        );
    }
}

/// Whether a ratio meets its target (at most `limit`).
fn verdict(ratio: f64, limit: f64) -> &'static str {
    if ratio <= limit { "met" } else { "MISSED" }
}

/// The median of `values` (sorted in place); 0 for none.
fn middle(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}
