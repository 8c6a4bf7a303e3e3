//! Our client's round trips per second: `EventClient::send_event` of
//! `greeting:say` (payload `{"name":"Ada"}`) in a loop against a server,
//! each answer checked to be a success. The Rust line of the client part of
//! `bench/http`.
//!
//! ```text
//! cargo run --release --example bench_client -- http://127.0.0.1:8080/events 5
//! ```
//!
//! Arguments: the events URL, and the seconds to run (default 5). Prints the
//! round trips per second, and the CPU time this process spent per round trip
//! in microseconds (the client's own cost, whatever the wait for the server).

#[path = "cpu_time.rs"]
mod cpu_time;

use std::time::{Duration, Instant};

use cpu_time::cpu_time;

use events_protocol::{Answer, EventClient};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: bench_client <events URL> [seconds]")?;
    let seconds: f64 = args.next().map_or(Ok(5.0), |text| text.parse())?;
    let client = EventClient::new(url)?;
    let payload = json!({"name": "Ada"});
    let call = || -> Result<(), Box<dyn std::error::Error>> {
        match client.send_event("greeting:say", 1, &payload)? {
            Answer::Success(_) => Ok(()),
            other => Err(format!("not a success: {other:?}").into()),
        }
    };
    // the connection is opened by the first call, outside the timing
    call()?;
    let limit = Duration::from_secs_f64(seconds);
    let (started, cpu) = (Instant::now(), cpu_time());
    let mut calls = 0_u64;
    while started.elapsed() < limit {
        call()?;
        calls += 1;
    }
    let elapsed = started.elapsed();
    // where the CPU time is not read, elapsed time stands for it
    let cpu = match cpu_time().saturating_sub(cpu) {
        Duration::ZERO => elapsed,
        cpu => cpu,
    };
    println!(
        "{:.0} {:.1}",
        calls as f64 / elapsed.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / calls as f64
    );
    Ok(())
}
