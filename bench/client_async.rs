//! The async client under load: 64 calls of `greeting:say` (payload
//! `{"name":"Ada"}`) kept in flight against a server for a few seconds, each
//! answer checked to be a success; prints the round trips per second.
//!
//! ```text
//! cargo run --release --example bench_client_async -- http://127.0.0.1:8080/events 5
//! ```
//!
//! Arguments: the events URL, the seconds to run (default 5), and the calls
//! kept in flight (default 64). It stops by itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use events_protocol::client::{Answer, AsyncEventClient};
use serde_json::json;
use tokio::time::Instant;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: bench_client_async <events URL> [seconds] [in flight]")?;
    let seconds: f64 = args.next().map_or(Ok(5.0), |text| text.parse())?;
    let in_flight: usize = args.next().map_or(Ok(64), |text| text.parse())?;
    let client = AsyncEventClient::new(url)?;
    let payload = json!({"name": "Ada"});
    // the first connection is opened outside the timing
    client.send_event("greeting:say", 1, &payload).await?;

    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds);
    let workers: Vec<_> = (0..in_flight)
        .map(|_| {
            let (client, done, payload) = (client.clone(), Arc::clone(&done), payload.clone());
            tokio::spawn(async move {
                while Instant::now() < until {
                    match client.send_event("greeting:say", 1, &payload).await {
                        Ok(Answer::Success(_)) => {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(other) => return Err(format!("not a success: {other:?}")),
                        Err(error) => return Err(error.to_string()),
                    }
                }
                Ok(())
            })
        })
        .collect();
    for worker in workers {
        worker.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let count = done.load(Ordering::Relaxed);
    println!(
        "{count} round trips in {elapsed:.2} s with {in_flight} in flight: {:.0} per second",
        count as f64 / elapsed
    );
    Ok(())
}
