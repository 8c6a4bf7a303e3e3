//! What the tests of `events` run against: the example server's handlers on
//! a free loopback port, with or without the catalog, and raw HTTP servers
//! answering fixed bytes; and the built binary itself.

#![allow(dead_code, reason = "each test file uses the part it needs")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

#[path = "../../../examples/handlers/mod.rs"]
mod handlers;

#[path = "../../../tests/support/axum_server.rs"]
mod axum_server;

use axum_server::Served;
use events_protocol::catalog::CATALOG_PATH;

/// The example server (`examples/server.rs`'s handlers and routes, the
/// catalog served), shared by the tests of a file: its events URL.
pub fn example_server() -> &'static str {
    static SERVER: OnceLock<(Served, String)> = OnceLock::new();
    &SERVER
        .get_or_init(|| {
            let served = Served::start_at(|url| {
                let processor = handlers::processor(url).expect("a processor");
                events_protocol::axum::routes(processor.clone()).route(
                    CATALOG_PATH,
                    events_protocol::axum::catalog_route(processor),
                )
            });
            let url = served.url();
            (served, url)
        })
        .1
}

/// The example handlers served without the catalog: its events URL.
pub fn server_without_catalog() -> &'static str {
    static SERVER: OnceLock<(Served, String)> = OnceLock::new();
    &SERVER
        .get_or_init(|| {
            let served = Served::start_at(|url| {
                events_protocol::axum::routes(handlers::processor(url).expect("a processor"))
            });
            let url = served.url();
            (served, url)
        })
        .1
}

/// A server that answers every request with `status` (`200 OK`), a body of
/// `content_type` and `body`, and keeps the requests it was sent: its events
/// URL, and the requests.
pub fn fixed_server(
    status: &str,
    content_type: &str,
    body: &str,
) -> (String, Arc<Mutex<Vec<Request>>>) {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!(
        "http://{}/events",
        listener.local_addr().expect("an address")
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            if let Some(request) = read_request(&stream) {
                record.lock().expect("not poisoned").push(request);
            }
            let mut stream = stream;
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (url, seen)
}

/// A request a [`fixed_server`] saw.
#[derive(Debug, Clone)]
pub struct Request {
    /// The request line.
    pub line: String,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        let (name, value) = (name.to_ascii_lowercase(), value.trim().to_owned());
        if name == "content-length" {
            length = value.parse().ok()?;
        }
        headers.push((name, value));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        line: line.trim_end().to_owned(),
        headers,
        body: String::from_utf8(body).ok()?,
    })
}

/// A loopback address where nothing listens: connections are refused.
pub fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address: SocketAddr = listener.local_addr().expect("an address");
    drop(listener);
    format!("http://{address}/events")
}

/// A loopback listener that never accepts: a connection is made (the
/// system's backlog takes it) and no answer ever comes. Kept open while the
/// returned listener lives.
pub fn silent_server() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!(
        "http://{}/events",
        listener.local_addr().expect("an address")
    );
    (listener, url)
}

/// `events` with `args`, standard input empty, its environment without
/// `NO_COLOR`.
pub fn events(args: &[&str]) -> Output {
    events_with_input(args, b"")
}

/// `events` with `args` and `input` on standard input.
pub fn events_with_input(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_events"))
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("events runs");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input).expect("the input written");
    }
    child.wait_with_output().expect("events ends")
}

/// What a run of `events` printed and how it ended, times and rates
/// replaced by `<time>` and `<rate>` (they differ at every run).
#[derive(Debug, PartialEq, Eq)]
pub struct Run {
    /// The exit status.
    pub status: i32,
    /// Standard output, normalised.
    pub stdout: String,
    /// Standard error, normalised.
    pub stderr: String,
}

impl Run {
    /// The run of `output`.
    pub fn of(output: &Output) -> Run {
        Run {
            status: output.status.code().unwrap_or(-1),
            stdout: normalise(&String::from_utf8_lossy(&output.stdout)),
            stderr: normalise(&String::from_utf8_lossy(&output.stderr)),
        }
    }

    /// A run expected to end with `status`, printing `stdout` and `stderr`.
    pub fn expected(status: i32, stdout: &str, stderr: &str) -> Run {
        Run {
            status,
            stdout: stdout.to_owned(),
            stderr: stderr.to_owned(),
        }
    }
}

/// `text` with every duration (`0.42 ms`, `1.50 s`, `203.330852ms`)
/// replaced by `<time>` and every rate (`41,234 per second`, `41,234/s`) by
/// `<rate>`: a number with decimals followed by a unit of time, a number
/// followed by ` per second` or `/s`.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut after_number_char = false;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() && !after_number_char {
            let length = rest
                .find(|c: char| !is_number_char(c))
                .unwrap_or(rest.len());
            let (number, tail) = rest.split_at(length);
            let unit = [" ms", " s", "ms", "µs", "s"]
                .into_iter()
                .find(|unit| tail.starts_with(unit) && ends_word(&tail[unit.len()..]));
            if let (true, Some(unit)) = (number.contains('.'), unit) {
                out.push_str("<time>");
                rest = &tail[unit.len()..];
            } else if tail.starts_with(" per second")
                || tail.starts_with("/s") && ends_word(&tail[2..])
            {
                out.push_str("<rate>");
                rest = tail;
            } else {
                out.push_str(number);
                rest = tail;
            }
            after_number_char = false;
            continue;
        }
        out.push(c);
        after_number_char = is_number_char(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Whether `rest` does not go on with a letter or a digit.
fn ends_word(rest: &str) -> bool {
    !rest.starts_with(|c: char| c.is_alphanumeric())
}

fn is_number_char(c: char) -> bool {
    c.is_ascii_digit() || c == '.' || c == ','
}
