//! Servers for the client's tests, on `127.0.0.1`, port 0: a small HTTP/1.1
//! server that answers every request with a [`Processor`] (keep-alive, so
//! connection reuse shows), and raw TCP servers whose behaviour a test writes.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use events_protocol::Processor;

/// One request as the server read it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `POST`, ...
    pub method: String,
    /// `/events`, ...
    pub path: String,
    /// The headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
}

impl Recorded {
    /// The value of the header `name` (lower case), if sent once or more.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A running events server over a processor.
pub struct EventsServer {
    /// `http://127.0.0.1:<port>/events`.
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    connections: Arc<AtomicUsize>,
}

impl EventsServer {
    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("request log").clone()
    }

    /// How many TCP connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Serves `processor` on a fresh port, answering every request `200`
/// `application/json` with the processor's answer, connections kept alive.
pub fn serve(processor: Processor) -> EventsServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let url = format!("http://{}/events", address(&listener));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(AtomicUsize::new(0));
    let processor = Arc::new(processor);
    let (log, count) = (Arc::clone(&requests), Arc::clone(&connections));
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            count.fetch_add(1, Ordering::SeqCst);
            let (processor, log) = (Arc::clone(&processor), Arc::clone(&log));
            thread::spawn(move || keep_alive(stream, &processor, &log));
        }
    });
    EventsServer {
        url,
        requests,
        connections,
    }
}

/// Answers requests on one connection until the client closes it.
fn keep_alive(stream: TcpStream, processor: &Processor, log: &Mutex<Vec<Recorded>>) {
    let mut writer = stream.try_clone().expect("clone the stream");
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        let answer = processor.process(&request.body);
        log.lock().expect("request log").push(request);
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        );
        if writer.write_all(head.as_bytes()).is_err()
            || writer.write_all(answer.as_bytes()).is_err()
        {
            return;
        }
    }
}

/// Reads one request (head and `Content-Length` body); `None` at the end of
/// the connection or on a malformed request.
pub fn read_request(reader: &mut impl BufRead) -> Option<Recorded> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(Some(0), |(_, value)| value.parse::<usize>().ok())?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        path,
        headers,
        body: String::from_utf8(body).ok()?,
    })
}

/// A raw server: every accepted connection is handed, on its own thread, to
/// `behave`, after its request has been read. Returns the events URL.
pub fn raw_server(behave: impl Fn(TcpStream) + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let url = format!("http://{}/events", address(&listener));
    let behave = Arc::new(behave);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let behave = Arc::clone(&behave);
            thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
                if read_request(&mut reader).is_some() {
                    behave(stream);
                }
            });
        }
    });
    url
}

/// A raw server that answers every request with these exact bytes, then
/// closes the connection.
pub fn answering(response: impl Into<Vec<u8>>) -> String {
    let response: Vec<u8> = response.into();
    raw_server(move |mut stream| {
        let _ = stream.write_all(&response);
    })
}

/// A `200 application/json` response with `body` and its length.
pub fn ok_json(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A URL of `127.0.0.1` on which nothing listens: a port bound, then freed.
pub fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let url = format!("http://{}/events", address(&listener));
    drop(listener);
    url
}

fn address(listener: &TcpListener) -> SocketAddr {
    listener.local_addr().expect("local address")
}
