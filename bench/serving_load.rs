//! The clients of `bench/serving.sh`: raw HTTP/1.1 over Tokio sockets
//! against `bench/serving_server.rs` on the loopback, each run bounded in
//! time, with the server's resident memory and thread count sampled from
//! `/proc/<pid>/status` every 100 ms.
//!
//! ```text
//! bench_serving_load overload ADDRESS PID [SLOW] [SECONDS]
//!     SLOW (2000) connections each post `bench:sleep` (1 s) in a loop,
//!     waiting `Retry-After` after a 503; 4 others post `greeting:say` every
//!     10 ms; every answer timed and sorted by kind.
//! bench_serving_load abuse ADDRESS PID [IDLE] [SLOWLORIS] [SLOW_BODIES] [SECONDS]
//!     IDLE (5000) connections each answered once then left idle;
//!     SLOWLORIS (1000) sending a head one byte a second; SLOW_BODIES (100)
//!     sending a body one byte a second; 4 others post `greeting:say` every
//!     10 ms.
//! bench_serving_load descriptors ADDRESS PID [CONNECTIONS] [SECONDS]
//!     CONNECTIONS (1500) connections opened and held, more than the server
//!     has file descriptors; the server's CPU time while it cannot accept;
//!     then all closed, and a new connection answered.
//! ```

use std::collections::BTreeMap;
use std::error::Error;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

type Failure = Box<dyn Error + Send + Sync>;

/// The fast event, and its exact answer.
const FAST: &str = r#"{"name":"greeting:say","version":1,"id":"bench","flowId":"bench","payload":{"name":"fast"}}"#;
const FAST_ANSWER: &str = r#"{"name":"greeting:say:response","version":1,"id":"bench","flowId":"bench","payload":{"greeting":"hello, fast"},"identity":{},"auth":{},"metadata":{}}"#;
/// The slow event (1 s), and its two possible exact answers.
const SLOW: &str =
    r#"{"name":"bench:sleep","version":1,"id":"bench","flowId":"bench","payload":1000}"#;
const SLOW_ANSWER: &str = r#"{"name":"bench:sleep:response","version":1,"id":"bench","flowId":"bench","payload":1000,"identity":{},"auth":{},"metadata":{}}"#;
const SLOW_DEADLINE: &str = r#"{"name":"bench:sleep:error","version":1,"id":"bench","flowId":"bench","payload":{"code":"DEADLINE_EXCEEDED","parameters":{}},"identity":{},"auth":{},"metadata":{}}"#;

/// One answer read from a connection.
struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: String,
}

/// Connects within 3 s (a handshake the kernel dropped is tried again after
/// 1 s, then 3 s), recording how long it took.
async fn connect(address: SocketAddr, tally: &Tally, what: &str) -> Result<TcpStream, Failure> {
    let started = Instant::now();
    match tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(address)).await {
        Ok(Ok(stream)) => {
            tally.add(&format!("{what}: connected"), started.elapsed());
            Ok(stream)
        }
        Ok(Err(error)) => {
            tally.add(
                &format!("{what}: cannot connect ({error})"),
                started.elapsed(),
            );
            Err(error.into())
        }
        Err(_) => {
            tally.add(
                &format!("{what}: cannot connect within 3 s"),
                started.elapsed(),
            );
            Err("no connection within 3 s".into())
        }
    }
}

/// Sends a `POST /events` of `body` and reads its answer.
async fn post(stream: &mut TcpStream, body: &str) -> Result<Answer, Failure> {
    let request = format!(
        "POST /events HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    read_answer(stream).await
}

/// Reads one answer with a `Content-Length`.
async fn read_answer(stream: &mut TcpStream) -> Result<Answer, Failure> {
    let mut raw = Vec::with_capacity(512);
    let head_end = loop {
        let mut chunk = [0u8; 512];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err("the connection was closed before an answer".into());
        }
        raw.extend_from_slice(&chunk[..read]);
        if let Some(end) = raw.windows(4).position(|window| window == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or("no status")?;
    let header = |name: &str| {
        head.split("\r\n")
            .find_map(|line| line.strip_prefix(name).map(|value| value.trim().to_owned()))
    };
    let length: usize = header("content-length:")
        .and_then(|value| value.parse().ok())
        .ok_or("no content-length")?;
    let retry_after = header("retry-after:").and_then(|value| value.parse().ok());
    let mut body = raw[head_end..].to_vec();
    while body.len() < length {
        let mut chunk = vec![0u8; length - body.len()];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err("the connection was closed inside an answer".into());
        }
        body.extend_from_slice(&chunk[..read]);
    }
    Ok(Answer {
        status,
        retry_after,
        body: String::from_utf8(body)?,
    })
}

/// Latencies by kind of answer.
#[derive(Clone, Default)]
struct Tally(Arc<Mutex<BTreeMap<String, Vec<Duration>>>>);

impl Tally {
    fn add(&self, kind: &str, latency: Duration) {
        if let Ok(mut kinds) = self.0.lock() {
            kinds.entry(kind.to_owned()).or_default().push(latency);
        }
    }

    fn print(&self) {
        let Ok(mut kinds) = self.0.lock() else {
            return;
        };
        println!(
            "{:<58} {:>8} {:>10} {:>10} {:>10}",
            "answers", "count", "p50", "p99", "max"
        );
        for (kind, latencies) in kinds.iter_mut() {
            latencies.sort();
            let at = |fraction: f64| {
                let index = ((latencies.len() as f64 * fraction) as usize).min(latencies.len() - 1);
                latencies[index]
            };
            println!(
                "{:<58} {:>8} {:>10} {:>10} {:>10}",
                kind,
                latencies.len(),
                format!("{:.2?}", at(0.50)),
                format!("{:.2?}", at(0.99)),
                format!("{:.2?}", at(1.0))
            );
        }
    }
}

/// The server's resident memory (KiB), threads and open descriptors, at
/// most and last.
#[derive(Clone, Copy, Default, Debug)]
struct Sample {
    rss_kib: u64,
    threads: u64,
    descriptors: u64,
}

fn sample(pid: u32) -> Sample {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|value| value.parse().ok())
            .unwrap_or(0)
    };
    let descriptors = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|entries| entries.count() as u64)
        .unwrap_or(0);
    Sample {
        rss_kib: field("VmRSS:"),
        threads: field("Threads:"),
        descriptors,
    }
}

/// The server's CPU time (user + system), in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // the fields after the command, which is in parentheses
    let rest = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |index: usize| {
        fields
            .get(index)
            .and_then(|value| value.parse::<u64>().ok())
    };
    tick(11).unwrap_or(0) + tick(12).unwrap_or(0)
}

/// Samples the server every 100 ms until `end`; returns the first sample and
/// the highest of each.
async fn watch(pid: u32, end: Instant) -> (Sample, Sample) {
    let first = sample(pid);
    let mut peak = first;
    while Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = sample(pid);
        peak.rss_kib = peak.rss_kib.max(now.rss_kib);
        peak.threads = peak.threads.max(now.threads);
        peak.descriptors = peak.descriptors.max(now.descriptors);
    }
    (first, peak)
}

fn print_samples(before: Sample, peak: Sample, after: Sample) {
    println!(
        "server resident memory: {} KiB before, {} KiB at most, {} KiB at the end",
        before.rss_kib, peak.rss_kib, after.rss_kib
    );
    println!(
        "server threads: {} before, {} at most, {} at the end",
        before.threads, peak.threads, after.threads
    );
    println!(
        "server open descriptors: {} before, {} at most, {} at the end",
        before.descriptors, peak.descriptors, after.descriptors
    );
}

/// Posts the fast event every 10 ms on one kept-alive connection until
/// `end`, reconnecting when a connection fails. An answer is timed from
/// the request's first byte; connecting is timed apart.
async fn fast_client(address: SocketAddr, end: Instant, tally: Tally) {
    let mut stream = None;
    while Instant::now() < end {
        let connection = match stream.take() {
            Some(connection) => Ok(connection),
            None => connect(address, &tally, "fast client").await,
        };
        let Ok(mut connection) = connection else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let started = Instant::now();
        let kind = match post(&mut connection, FAST).await {
            Ok(answer) if answer.status == 200 && answer.body == FAST_ANSWER => {
                stream = Some(connection);
                "fast event: 200, the expected answer".to_owned()
            }
            Ok(answer) => format!("fast event: {} (unexpected)", answer.status),
            Err(error) => format!("fast event: failed ({error})"),
        };
        tally.add(&kind, started.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// One connection posting the slow event in a loop until `end`.
async fn slow_client(address: SocketAddr, end: Instant, tally: Tally) {
    let mut stream = None;
    while Instant::now() < end {
        let connection = match stream.take() {
            Some(connection) => Ok(connection),
            None => connect(address, &tally, "slow client").await,
        };
        let started = Instant::now();
        let mut wait = Duration::ZERO;
        let kind = match connection {
            Ok(mut connection) => match post(&mut connection, SLOW).await {
                Ok(answer) => {
                    stream = Some(connection);
                    match (answer.status, answer.body.as_str()) {
                        (200, SLOW_ANSWER) => "slow event: 200, answered".to_owned(),
                        (200, SLOW_DEADLINE) => "slow event: 200, DEADLINE_EXCEEDED".to_owned(),
                        (503, _) => {
                            wait = Duration::from_secs(answer.retry_after.unwrap_or(1));
                            "slow event: 503 refused (Retry-After)".to_owned()
                        }
                        (status, _) => format!("slow event: {status} (unexpected)"),
                    }
                }
                Err(error) => {
                    wait = Duration::from_millis(100);
                    format!("slow event: failed ({error})")
                }
            },
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        tally.add(&kind, started.elapsed());
        tokio::time::sleep(wait).await;
    }
}

async fn overload(address: SocketAddr, pid: u32, slow: usize, seconds: u64) {
    println!(
        "== overload: {slow} connections posting bench:sleep (1 s), 4 posting greeting:say every 10 ms, {seconds} s"
    );
    let end = Instant::now() + Duration::from_secs(seconds);
    let tally = Tally::default();
    let watcher = tokio::spawn(watch(pid, end));
    let mut clients = Vec::new();
    for _ in 0..slow {
        clients.push(tokio::spawn(slow_client(address, end, tally.clone())));
    }
    for _ in 0..4 {
        clients.push(tokio::spawn(fast_client(address, end, tally.clone())));
    }
    for client in clients {
        let _ = client.await;
    }
    let (before, peak) = watcher.await.unwrap_or_default();
    tally.print();
    print_samples(before, peak, sample(pid));
}

/// How each abusive connection ended.
async fn record_end(stream: &mut TcpStream, started: Instant, tally: &Tally, what: &str) {
    let mut answer = Vec::new();
    let kind = match stream.read_to_end(&mut answer).await {
        Ok(_) => {
            let text = String::from_utf8_lossy(&answer);
            match text.split("\r\n").next() {
                Some(line) if !line.is_empty() => format!("{what}: answered `{line}`, then closed"),
                _ => format!("{what}: closed by the server without an answer"),
            }
        }
        Err(error) => format!("{what}: {error}"),
    };
    tally.add(&kind, started.elapsed());
}

/// Until `end`, over and over: connects, sends `head` at once, then
/// `trickle` a byte a second (round and round), and records how the server
/// ended the connection.
async fn trickling(
    address: SocketAddr,
    end: Instant,
    tally: Tally,
    what: &'static str,
    head: &'static [u8],
    trickle: &'static [u8],
) {
    while Instant::now() < end {
        let Ok(mut stream) = connect(address, &tally, what).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let started = Instant::now();
        if stream.write_all(head).await.is_err() {
            tally.add(&format!("{what}: head not sent"), started.elapsed());
            continue;
        }
        let (mut reader, mut writer) = stream.split();
        let trickle = async {
            for byte in trickle.iter().cycle() {
                if writer.write_all(&[*byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        };
        let mut answer = Vec::new();
        tokio::select! {
            () = trickle => {
                tally.add(&format!("{what}: could not send"), started.elapsed());
            }
            read = reader.read_to_end(&mut answer) => {
                let text = String::from_utf8_lossy(&answer);
                let line = text.split("\r\n").next().unwrap_or("");
                let kind = match read {
                    Ok(_) if !line.is_empty() => format!("{what}: answered `{line}`, then closed"),
                    Ok(_) => format!("{what}: closed without an answer"),
                    Err(error) => format!("{what}: {error}"),
                };
                tally.add(&kind, started.elapsed());
            }
            () = tokio::time::sleep_until(end.into()) => {
                tally.add(&format!("{what}: still open at the end"), started.elapsed());
            }
        }
    }
}

async fn abuse(
    address: SocketAddr,
    pid: u32,
    idle: usize,
    slowloris: usize,
    slow_bodies: usize,
    seconds: u64,
) {
    println!(
        "== abuse: {idle} idle connections, {slowloris} slowloris (a head byte a second), {slow_bodies} slow bodies (a body byte a second), 4 fast clients every 10 ms, {seconds} s"
    );
    let end = Instant::now() + Duration::from_secs(seconds);
    let tally = Tally::default();
    let watcher = tokio::spawn(watch(pid, end));
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(tokio::spawn(fast_client(address, end, tally.clone())));
    }
    for _ in 0..idle {
        let tally = tally.clone();
        clients.push(tokio::spawn(async move {
            let Ok(mut stream) = connect(address, &tally, "idle").await else {
                return;
            };
            match post(&mut stream, FAST).await {
                Ok(answer) if answer.body == FAST_ANSWER => {}
                _ => tally.add("idle: first request not answered", Duration::ZERO),
            }
            let started = Instant::now();
            tokio::select! {
                () = record_end(&mut stream, started, &tally, "idle") => {}
                () = tokio::time::sleep_until(end.into()) => {
                    tally.add("idle: still open at the end", started.elapsed());
                }
            }
        }));
    }
    for _ in 0..slowloris {
        let head = b"POST /events HTTP/1.1\r\nHost: bench\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        clients.push(tokio::spawn(trickling(
            address,
            end,
            tally.clone(),
            "slowloris",
            b"",
            head,
        )));
    }
    for _ in 0..slow_bodies {
        let head = b"POST /events HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
        clients.push(tokio::spawn(trickling(
            address,
            end,
            tally.clone(),
            "slow body",
            head,
            b" ",
        )));
    }
    for client in clients {
        let _ = client.await;
    }
    let (before, peak) = watcher.await.unwrap_or_default();
    tally.print();
    print_samples(before, peak, sample(pid));
}

async fn descriptors(address: SocketAddr, pid: u32, connections: usize, seconds: u64) {
    println!(
        "== descriptors: {connections} connections held for {seconds} s, more than the server may open"
    );
    let tally = Tally::default();
    let end = Instant::now() + Duration::from_secs(seconds);
    // a client connected before: it must keep being answered
    let fast = tokio::spawn(fast_client(address, end, tally.clone()));
    let before = sample(pid);
    let mut held = Vec::new();
    for _ in 0..connections {
        // past the server's descriptors and its backlog, the kernel drops
        // the handshakes: 1 s is enough to tell
        match tokio::time::timeout(Duration::from_secs(1), TcpStream::connect(address)).await {
            Ok(Ok(mut stream)) => {
                let request = format!(
                    "POST /events HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{FAST}",
                    FAST.len()
                );
                if stream.write_all(request.as_bytes()).await.is_ok() {
                    held.push(stream);
                }
            }
            Ok(Err(error)) => tally.add(&format!("held: cannot connect ({error})"), Duration::ZERO),
            Err(_) => tally.add("held: no connection within 1 s", Duration::from_secs(1)),
        }
    }
    // answered, or waiting in the listener's backlog
    let answered = Arc::new(Mutex::new(0usize));
    let mut readers = Vec::new();
    for mut stream in held {
        let answered = Arc::clone(&answered);
        readers.push(tokio::spawn(async move {
            let read = tokio::time::timeout(Duration::from_secs(2), read_answer(&mut stream)).await;
            if let (Ok(Ok(_)), Ok(mut answered)) = (read, answered.lock()) {
                *answered += 1;
            }
            stream
        }));
    }
    let mut held = Vec::new();
    for reader in readers {
        if let Ok(stream) = reader.await {
            held.push(stream);
        }
    }
    let during = sample(pid);
    let ticks_before = cpu_ticks(pid);
    let measured = Instant::now();
    tokio::time::sleep_until(end.into()).await;
    let ticks = cpu_ticks(pid).saturating_sub(ticks_before);
    let busy = ticks as f64 / 100.0 / measured.elapsed().as_secs_f64() * 100.0;
    let _ = fast.await;
    println!(
        "held connections: {}, answered within 2 s: {} (the rest wait in the listener's backlog)",
        held.len(),
        answered.lock().map(|count| *count).unwrap_or(0)
    );
    println!(
        "server while out of descriptors: {} descriptors open, CPU {busy:.1}% of one core over {:.1} s",
        during.descriptors,
        measured.elapsed().as_secs_f64()
    );
    drop(held);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = TcpStream::connect(address).await;
    let recovered = match after {
        Ok(mut stream) => {
            match tokio::time::timeout(Duration::from_secs(5), post(&mut stream, FAST)).await {
                Ok(Ok(answer)) if answer.body == FAST_ANSWER => "answered".to_owned(),
                Ok(Ok(answer)) => format!("answered {}", answer.status),
                Ok(Err(error)) => format!("failed: {error}"),
                Err(_) => "not answered within 5 s".to_owned(),
            }
        }
        Err(error) => format!("cannot connect: {error}"),
    };
    println!("after the held connections closed, a new connection: {recovered}");
    tally.print();
    print_samples(before, during, sample(pid));
}

fn arg<T: std::str::FromStr>(args: &[String], index: usize, default: T) -> Result<T, Failure> {
    match args.get(index) {
        Some(text) => text
            .parse()
            .map_err(|_| format!("cannot read {text:?}").into()),
        None => Ok(default),
    }
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_serving_load overload|abuse|descriptors ADDRESS PID [...]";
    let address: SocketAddr = args.get(1).ok_or(usage)?.parse()?;
    let pid: u32 = args.get(2).ok_or(usage)?.parse()?;
    match args.first().map(String::as_str) {
        Some("overload") => overload(address, pid, arg(&args, 3, 2000)?, arg(&args, 4, 20)?).await,
        Some("abuse") => {
            abuse(
                address,
                pid,
                arg(&args, 3, 5000)?,
                arg(&args, 4, 1000)?,
                arg(&args, 5, 100)?,
                arg(&args, 6, 30)?,
            )
            .await;
        }
        Some("descriptors") => {
            descriptors(address, pid, arg(&args, 3, 1500)?, arg(&args, 4, 10)?).await;
        }
        _ => return Err(usage.into()),
    }
    Ok(())
}
