//! Events per second on the sample event, ours and the serde_json floor, in
//! one loop each, side by side: the Rust line of `bench/compare`.
//!
//! ```text
//! cargo bench --bench throughput [-- --rounds 5 --seconds 2]
//! ```
//!
//! Each round times ours and the floor in alternating slices of 50 ms (so
//! that both meet the same noise from other processes), for `--seconds` in
//! all; the figures printed are the medians over `--rounds` rounds, the
//! ratio the median of the rounds' ratios. Events are counted per second of
//! elapsed time and per second of this process's CPU time (which other
//! processes on a busy machine do not inflate). Prints
//!
//! ```text
//! events_protocol <events/s> <events per CPU-second>
//! serde_json_floor <events/s> <events per CPU-second>
//! floor_ratio <ours' time per event / the floor's> <the same, in CPU time>
//! ```

mod common;
#[path = "../bench/cpu_time.rs"]
mod cpu_time;

use std::hint::black_box;
use std::time::{Duration, Instant};

use cpu_time::cpu_time;

/// Time spent: elapsed, and on the CPU.
#[derive(Clone, Copy, Default)]
struct Spent {
    events: u64,
    elapsed: Duration,
    cpu: Duration,
}

impl Spent {
    fn add(&mut self, other: Spent) {
        self.events += other.events;
        self.elapsed += other.elapsed;
        self.cpu += other.cpu;
    }

    fn rate(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64()
    }

    /// Events per CPU-second; the elapsed rate when no CPU time was read.
    fn cpu_rate(&self) -> f64 {
        if self.cpu.is_zero() {
            self.rate()
        } else {
            self.events as f64 / self.cpu.as_secs_f64()
        }
    }
}

/// Runs `process` for about `slice`.
fn run(slice: Duration, process: &impl Fn() -> Option<String>) -> Spent {
    let cpu = cpu_time();
    let started = Instant::now();
    let mut events = 0;
    loop {
        // check the clock every 64 events only
        for _ in 0..64 {
            black_box(process());
        }
        events += 64;
        let elapsed = started.elapsed();
        if elapsed >= slice {
            return Spent {
                events,
                elapsed,
                cpu: cpu_time().saturating_sub(cpu),
            };
        }
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}

/// The value of `--name` among the arguments, else `default`.
fn argument(name: &str, default: f64) -> f64 {
    let mut args = std::env::args().skip_while(|arg| arg != name).skip(1);
    args.next()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rounds = argument("--rounds", 5.0).max(1.0) as usize;
    let seconds = argument("--seconds", 2.0).max(0.1);
    assert_eq!(
        events_protocol::process_event(common::SAMPLE),
        common::SAMPLE_ANSWER
    );
    let ours = || Some(events_protocol::process_event(black_box(common::SAMPLE)));
    let floor = || common::floor_sample(black_box(common::SAMPLE));
    assert_eq!(floor().as_deref(), Some(common::SAMPLE_ANSWER));

    let slice = Duration::from_millis(50);
    let slices = ((seconds / 2.0) / slice.as_secs_f64()).ceil() as usize;
    run(Duration::from_millis(300), &ours);
    run(Duration::from_millis(300), &floor);
    let mut figures: [Vec<f64>; 6] = Default::default();
    for round in 1..=rounds {
        let (mut our_spent, mut floor_spent) = (Spent::default(), Spent::default());
        for _ in 0..slices {
            our_spent.add(run(slice, &ours));
            floor_spent.add(run(slice, &floor));
        }
        let round_figures = [
            our_spent.rate(),
            our_spent.cpu_rate(),
            floor_spent.rate(),
            floor_spent.cpu_rate(),
            floor_spent.rate() / our_spent.rate(),
            floor_spent.cpu_rate() / our_spent.cpu_rate(),
        ];
        eprintln!(
            "round {round}: events_protocol {:.0}/s ({:.0} per CPU-second), serde_json floor {:.0}/s ({:.0}), ratio {:.3} ({:.3})",
            round_figures[0],
            round_figures[1],
            round_figures[2],
            round_figures[3],
            round_figures[4],
            round_figures[5],
        );
        for (list, figure) in figures.iter_mut().zip(round_figures) {
            list.push(figure);
        }
    }
    let [ours, ours_cpu, floor, floor_cpu, ratio, ratio_cpu] =
        figures.map(|mut list| median(&mut list));
    println!("events_protocol {ours:.0} {ours_cpu:.0}");
    println!("serde_json_floor {floor:.0} {floor_cpu:.0}");
    println!("floor_ratio {ratio:.3} {ratio_cpu:.3}");
}
