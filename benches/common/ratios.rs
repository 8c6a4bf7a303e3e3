//! The ratios of criterion medians measured in one run, printed at its end.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

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
            Some(limit) if value <= limit => format!(" (target at most {limit}: met)"),
            Some(limit) => format!(" (target at most {limit}: MISSED)"),
            None => String::new(),
        };
        println!(
            "{}: {value:.3} = median {ours:.1} ns / median {floor:.1} ns{verdict}",
            ratio.label
        );
    }
}
