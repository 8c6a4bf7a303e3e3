//! Serving a fleet (PROTOCOL.md §10): the graceful drain, the deadline of an
//! event, the bound on blocking handlers, the connection timeouts and the
//! health checks, each over real HTTP/1.1 against `events_protocol::serve` on
//! a free loopback port, driven with `std::net::TcpStream`.
//!
//! No test here measures speed: where an order matters (an answer sent
//! before its handler returned, a handler cancelled), a flag set by the
//! handler says so; the timeouts are short so the suite stays fast, and
//! every wait has a generous bound.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use events_protocol::serve::{Settings, serve};
use events_protocol::service::{EventsService, Health};
use events_protocol::{Event, Processor, Registry, Response};

/// A server of `events_protocol::serve` on a free loopback port, stopped by
/// [`Running::signal`] or when dropped.
struct Running {
    address: SocketAddr,
    signal: Option<tokio::sync::oneshot::Sender<()>>,
    stopped: mpsc::Receiver<std::io::Result<()>>,
    _runtime: tokio::runtime::Runtime,
}

impl Running {
    fn start(service: EventsService, settings: Settings) -> Running {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a free port");
        let address = listener.local_addr().expect("the bound address");
        let (signal, signalled) = tokio::sync::oneshot::channel::<()>();
        let (done, stopped) = mpsc::channel();
        let health = service.health().cloned();
        let mut server = serve(listener, service)
            .with_settings(settings)
            .with_graceful_shutdown(async move {
                let _ = signalled.await;
            });
        if let Some(health) = health {
            server = server.with_health(health);
        }
        runtime.spawn(async move {
            let _ = done.send(server.await);
        });
        Running {
            address,
            signal: Some(signal),
            stopped,
            _runtime: runtime,
        }
    }

    /// Sends the shutdown signal.
    fn signal(&mut self) {
        if let Some(signal) = self.signal.take() {
            let _ = signal.send(());
        }
    }

    /// Waits for `serve` to return.
    fn stopped(&self) -> std::io::Result<()> {
        self.stopped
            .recv_timeout(Duration::from_secs(30))
            .expect("the server stopped within 30 s")
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.address).expect("a connection");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("a read timeout");
        stream
    }
}

/// An answer as it came over the wire.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: u16,
    /// Every header but `date`, names in lower case, in order.
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn new(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
        Answer {
            status,
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            body: body.to_owned(),
        }
    }

    /// `200`, `application/json`, the event.
    fn event(body: &str, close: bool) -> Answer {
        let length = body.len().to_string();
        let mut headers = vec![("content-type", "application/json")];
        if close {
            headers.push(("connection", "close"));
        }
        headers.push(("content-length", &length));
        Answer::new(200, &headers, body)
    }

    /// A line of text.
    fn text(status: u16, extra: &[(&str, &str)], body: &str) -> Answer {
        let length = body.len().to_string();
        let mut headers = vec![("content-type", "text/plain; charset=utf-8")];
        headers.extend_from_slice(extra);
        headers.push(("content-length", &length));
        Answer::new(status, &headers, body)
    }
}

/// Reads one answer with a `Content-Length` from `stream`.
fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).expect("a byte of the head");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("a UTF-8 head");
    let mut lines = head.trim_end().split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status");
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').expect("a header");
            (name.trim().to_ascii_lowercase(), value.trim().to_owned())
        })
        .filter(|(name, _)| name != "date")
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .expect("a content length");
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).expect("the body");
    Answer {
        status,
        headers,
        body: String::from_utf8(body).expect("a UTF-8 body"),
    }
}

/// Whether the server has closed `stream`: the next read ends the stream
/// (or the connection was reset) without a byte.
fn closed(stream: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    match stream.read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(error) => error.kind() == ErrorKind::ConnectionReset,
    }
}

/// Writes a `POST /events` of `body`, kept alive.
fn send_event(stream: &mut TcpStream, body: &str) {
    let request = format!(
        "POST /events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .expect("a request sent");
}

/// A request of `name` with the ids `id`/`f`, its payload `payload`.
fn event(name: &str, id: &str, payload: &str) -> String {
    format!(r#"{{"name":"{name}","version":1,"id":"{id}","flowId":"f","payload":{payload}}}"#)
}

/// The success answer to [`event`] echoing `payload`.
fn echoed(name: &str, id: &str, payload: &str) -> String {
    format!(
        r#"{{"name":"{name}:response","version":1,"id":"{id}","flowId":"f","payload":{payload},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
    )
}

/// The `DEADLINE_EXCEEDED` answer to [`event`].
fn deadline_exceeded(name: &str, id: &str) -> String {
    format!(
        r#"{{"name":"{name}:error","version":1,"id":"{id}","flowId":"f","payload":{{"code":"DEADLINE_EXCEEDED","parameters":{{}}}},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
    )
}

/// A gate handlers wait at until the test opens it; it counts who came.
#[derive(Default)]
struct Gate {
    state: Mutex<(bool, usize)>,
    changed: Condvar,
}

impl Gate {
    /// Waits until the gate is open.
    fn pass(&self) {
        let mut state = self.state.lock().expect("the gate");
        state.1 += 1;
        self.changed.notify_all();
        while !state.0 {
            state = self.changed.wait(state).expect("the gate");
        }
    }

    /// Waits until `count` handlers have come to the gate.
    fn wait_for(&self, count: usize) {
        let state = self.state.lock().expect("the gate");
        let (_state, timeout) = self
            .changed
            .wait_timeout_while(state, Duration::from_secs(30), |state| state.1 < count)
            .expect("the gate");
        assert!(
            !timeout.timed_out(),
            "{count} handlers at the gate within 30 s"
        );
    }

    fn open(&self) {
        self.state.lock().expect("the gate").0 = true;
        self.changed.notify_all();
    }
}

/// The handlers of these tests:
/// - `test:echo`, synchronous, may block: echoes the payload;
/// - `test:fast`, `inline`: echoes the payload;
/// - `test:sleep`, may block: sleeps `payload` milliseconds, then echoes;
/// - `test:gate`, may block: waits at `gate`, then echoes;
/// - `test:async_sleep`, `async`: sleeps `payload` milliseconds, then echoes.
///
/// `done` is set when a `test:sleep` returns; `cancelled` when a
/// `test:async_sleep` is dropped before it answered.
struct Handlers {
    gate: Arc<Gate>,
    done: Arc<AtomicBool>,
    cancelled: Arc<AtomicBool>,
}

impl Handlers {
    fn new() -> Handlers {
        Handlers {
            gate: Arc::default(),
            done: Arc::default(),
            cancelled: Arc::default(),
        }
    }

    fn registry(&self) -> Registry {
        fn echo(event: &Event<'_>) -> Response {
            Response::from_raw("response", event.payload().to_owned())
        }
        fn millis(event: &Event<'_>) -> u64 {
            event.payload_as::<u64>().unwrap_or(0)
        }
        let (gate, done, cancelled) = (
            Arc::clone(&self.gate),
            Arc::clone(&self.done),
            Arc::clone(&self.cancelled),
        );
        let mut registry = Registry::new();
        registry
            .register("test:echo", 1, echo)
            .expect("one handler")
            .register_inline("test:fast", 1, echo)
            .expect("one handler")
            .register("test:sleep", 1, move |event: &Event<'_>| {
                thread::sleep(Duration::from_millis(millis(event)));
                done.store(true, Ordering::SeqCst);
                echo(event)
            })
            .expect("one handler")
            .register("test:gate", 1, move |event: &Event<'_>| {
                gate.pass();
                echo(event)
            })
            .expect("one handler")
            .register_async("test:async_sleep", 1, move |event: Event<'static>| {
                /// Sets the flag when dropped before it is disarmed.
                struct Dropped(Arc<AtomicBool>, bool);
                impl Dropped {
                    fn disarm(&mut self) {
                        self.1 = false;
                    }
                }
                impl Drop for Dropped {
                    fn drop(&mut self) {
                        if self.1 {
                            self.0.store(true, Ordering::SeqCst);
                        }
                    }
                }
                let mut dropped = Dropped(Arc::clone(&cancelled), true);
                async move {
                    tokio::time::sleep(Duration::from_millis(millis(&event))).await;
                    dropped.disarm();
                    echo(&event)
                }
            })
            .expect("one handler");
        registry
    }
}

/// Settings with short timeouts, for tests that do not exercise them.
fn quick() -> Settings {
    Settings::new()
        .with_drain_window(Duration::from_millis(300))
        .with_shutdown_limit(Duration::from_secs(10))
}

// --- the graceful drain ---------------------------------------------------

#[test]
fn drain_answers_what_is_in_flight_and_says_connection_close_during_the_window() {
    let handlers = Handlers::new();
    let health = Health::new();
    let service =
        EventsService::new(Processor::from_registry(handlers.registry())).with_health(health);
    let mut server = Running::start(
        service,
        Settings::new()
            .with_drain_window(Duration::from_millis(500))
            .with_shutdown_limit(Duration::from_secs(20)),
    );

    // before the signal: kept alive, no `Connection: close`
    let mut kept = server.connect();
    send_event(&mut kept, &event("test:echo", "before", "1"));
    assert_eq!(
        read_answer(&mut kept),
        Answer::event(&echoed("test:echo", "before", "1"), false)
    );
    // one event in flight across the signal and the whole window
    let mut in_flight = server.connect();
    send_event(&mut in_flight, &event("test:gate", "in-flight", "2"));
    handlers.gate.wait_for(1);

    server.signal();
    // readiness turns to 503 (the window has begun)...
    let mut ready = server.connect();
    let answer = loop {
        ready
            .write_all(b"GET /health/ready HTTP/1.1\r\nHost: test\r\n\r\n")
            .expect("a request sent");
        let answer = read_answer(&mut ready);
        if answer.status == 503 {
            break answer;
        }
        assert_eq!(answer, Answer::text(200, &[], "ready\n"));
    };
    assert_eq!(
        answer,
        Answer::text(503, &[("connection", "close")], "not ready\n")
    );
    assert!(closed(&mut ready));
    // ...a kept-alive connection is answered, told to go, and closed
    send_event(&mut kept, &event("test:echo", "during", "3"));
    assert_eq!(
        read_answer(&mut kept),
        Answer::event(&echoed("test:echo", "during", "3"), true)
    );
    assert!(closed(&mut kept));
    // ...and a new connection is still served, told to go
    let mut fresh = server.connect();
    send_event(&mut fresh, &event("test:fast", "fresh", "4"));
    assert_eq!(
        read_answer(&mut fresh),
        Answer::event(&echoed("test:fast", "fresh", "4"), true)
    );

    // after the window: the event in flight is still answered, and the
    // server stops once it is
    handlers.gate.wait_for(1);
    thread::sleep(Duration::from_millis(700));
    assert!(
        TcpStream::connect(server.address).is_err(),
        "not accepting after the window"
    );
    handlers.gate.open();
    assert_eq!(
        read_answer(&mut in_flight),
        Answer::event(&echoed("test:gate", "in-flight", "2"), true)
    );
    assert!(closed(&mut in_flight));
    server.stopped().expect("a clean stop");
}

#[test]
fn idle_connections_are_closed_when_the_window_ends() {
    let handlers = Handlers::new();
    let service = EventsService::new(Processor::from_registry(handlers.registry()));
    let mut server = Running::start(service, quick());
    let mut idle = server.connect();
    send_event(&mut idle, &event("test:fast", "idle", "1"));
    assert_eq!(
        read_answer(&mut idle),
        Answer::event(&echoed("test:fast", "idle", "1"), false)
    );
    server.signal();
    assert!(closed(&mut idle));
    server.stopped().expect("a clean stop");
}

#[test]
fn connection_opened_before_the_window_ended_gets_its_first_request_answered() {
    // a balancer opens a connection and sends its request at once; the
    // request may still be on its way when the server stops accepting
    let handlers = Handlers::new();
    let service = EventsService::new(Processor::from_registry(handlers.registry()));
    let mut server = Running::start(
        service,
        Settings::new().with_drain_window(Duration::from_millis(100)),
    );
    let mut fresh = server.connect();
    server.signal();
    thread::sleep(Duration::from_millis(400));
    assert!(
        TcpStream::connect(server.address).is_err(),
        "not accepting after the window"
    );
    send_event(&mut fresh, &event("test:fast", "late", "1"));
    assert_eq!(
        read_answer(&mut fresh),
        Answer::event(&echoed("test:fast", "late", "1"), true)
    );
    assert!(closed(&mut fresh));
    server.stopped().expect("a clean stop");
}

#[test]
fn not_accepting_while_draining_refuses_new_connections_and_serves_the_open_ones() {
    let handlers = Handlers::new();
    let service = EventsService::new(Processor::from_registry(handlers.registry()));
    let mut server = Running::start(
        service,
        Settings::new()
            .with_drain_window(Duration::from_secs(20))
            .with_accepting_while_draining(false),
    );
    let mut kept = server.connect();
    send_event(&mut kept, &event("test:fast", "before", "1"));
    assert_eq!(
        read_answer(&mut kept),
        Answer::event(&echoed("test:fast", "before", "1"), false)
    );
    server.signal();
    let refused = (0..300).any(|_| {
        thread::sleep(Duration::from_millis(10));
        TcpStream::connect(server.address).is_err()
    });
    assert!(refused, "new connections refused once the signal came");
    send_event(&mut kept, &event("test:fast", "during", "2"));
    assert_eq!(
        read_answer(&mut kept),
        Answer::event(&echoed("test:fast", "during", "2"), true)
    );
    assert!(closed(&mut kept));
    // every client has gone: no need to wait for the 20 s window
    server.stopped().expect("a clean stop");
}

#[test]
fn shutdown_limit_cuts_what_is_still_open() {
    let handlers = Handlers::new();
    let service = EventsService::new(Processor::from_registry(handlers.registry()));
    let mut server = Running::start(
        service,
        Settings::new()
            .with_drain_window(Duration::from_millis(100))
            .with_shutdown_limit(Duration::from_millis(400)),
    );
    let mut stuck = server.connect();
    send_event(&mut stuck, &event("test:gate", "stuck", "1"));
    handlers.gate.wait_for(1);
    server.signal();
    server.stopped().expect("a stop at the limit");
    assert!(closed(&mut stuck), "cut without an answer");
    handlers.gate.open();
}

// --- deadlines ------------------------------------------------------------

/// A server of [`Handlers`] whose processor has a deadline of 200 ms.
fn with_deadline(handlers: &Handlers) -> Running {
    let processor =
        Processor::from_registry(handlers.registry()).with_deadline(Duration::from_millis(200));
    Running::start(EventsService::new(processor), quick())
}

#[test]
fn blocking_handler_past_the_deadline_is_answered_for_and_runs_on() {
    let handlers = Handlers::new();
    let server = with_deadline(&handlers);
    let mut stream = server.connect();
    send_event(&mut stream, &event("test:sleep", "slow", "3000"));
    assert_eq!(
        read_answer(&mut stream),
        Answer::event(&deadline_exceeded("test:sleep", "slow"), false)
    );
    assert!(
        !handlers.done.load(Ordering::SeqCst),
        "answered before the handler returned"
    );
    // the connection goes on serving
    send_event(&mut stream, &event("test:echo", "next", "1"));
    assert_eq!(
        read_answer(&mut stream),
        Answer::event(&echoed("test:echo", "next", "1"), false)
    );
}

#[test]
fn async_handler_past_the_deadline_is_cancelled() {
    let handlers = Handlers::new();
    let server = with_deadline(&handlers);
    let mut stream = server.connect();
    send_event(&mut stream, &event("test:async_sleep", "slow", "60000"));
    assert_eq!(
        read_answer(&mut stream),
        Answer::event(&deadline_exceeded("test:async_sleep", "slow"), false)
    );
    assert!(
        handlers.cancelled.load(Ordering::SeqCst),
        "its future dropped before it answered"
    );
}

#[test]
fn handlers_within_the_deadline_answer_as_usual() {
    let handlers = Handlers::new();
    let server = with_deadline(&handlers);
    let mut stream = server.connect();
    for (name, id) in [("test:sleep", "a"), ("test:async_sleep", "b")] {
        send_event(&mut stream, &event(name, id, "10"));
        assert_eq!(
            read_answer(&mut stream),
            Answer::event(&echoed(name, id, "10"), false)
        );
    }
    assert!(!handlers.cancelled.load(Ordering::SeqCst));
}

#[test]
fn event_waiting_for_a_thread_past_the_deadline_is_answered_for() {
    let handlers = Handlers::new();
    let processor =
        Processor::from_registry(handlers.registry()).with_deadline(Duration::from_millis(200));
    let server = Running::start(
        EventsService::new(processor)
            .with_max_blocking(1)
            .with_max_queued(1),
        quick(),
    );
    let mut running = server.connect();
    send_event(&mut running, &event("test:gate", "running", "1"));
    handlers.gate.wait_for(1);
    // the only thread is busy: this one waits for it, past its deadline
    let mut waiting = server.connect();
    send_event(&mut waiting, &event("test:echo", "waiting", "2"));
    assert_eq!(
        read_answer(&mut waiting),
        Answer::event(&deadline_exceeded("test:echo", "waiting"), false)
    );
    assert_eq!(
        read_answer(&mut running),
        Answer::event(&deadline_exceeded("test:gate", "running"), false)
    );
    handlers.gate.open();
}

// --- overload -------------------------------------------------------------

/// The `503` of a refused event.
fn overloaded() -> Answer {
    Answer::text(
        503,
        &[("retry-after", "1")],
        "too many events are waiting for a blocking thread; the event was not handled\n",
    )
}

#[test]
fn blocking_handler_past_the_bound_is_refused_with_503_and_not_called() {
    let handlers = Handlers::new();
    let service = EventsService::new(Processor::from_registry(handlers.registry()))
        .with_max_blocking(1)
        .with_max_queued(0);
    let server = Running::start(service, quick());
    let mut running = server.connect();
    send_event(&mut running, &event("test:gate", "running", "1"));
    handlers.gate.wait_for(1);

    let mut refused = server.connect();
    send_event(&mut refused, &event("test:gate", "refused", "2"));
    assert_eq!(read_answer(&mut refused), overloaded());
    // events that do not block are still answered
    for name in ["test:fast", "test:async_sleep"] {
        send_event(&mut refused, &event(name, "fast", "0"));
        assert_eq!(
            read_answer(&mut refused),
            Answer::event(&echoed(name, "fast", "0"), false)
        );
    }
    handlers.gate.open();
    assert_eq!(
        read_answer(&mut running),
        Answer::event(&echoed("test:gate", "running", "1"), false)
    );
    // the refused one never reached the gate
    assert_eq!(handlers.gate.state.lock().expect("the gate").1, 1);
    send_event(&mut refused, &event("test:echo", "after", "3"));
    assert_eq!(
        read_answer(&mut refused),
        Answer::event(&echoed("test:echo", "after", "3"), false)
    );
}

#[test]
fn one_event_waits_for_a_thread_and_the_next_is_refused() {
    let handlers = Handlers::new();
    let service = EventsService::new(Processor::from_registry(handlers.registry()))
        .with_max_blocking(1)
        .with_max_queued(1);
    let server = Running::start(service, quick());
    let mut running = server.connect();
    send_event(&mut running, &event("test:gate", "running", "1"));
    handlers.gate.wait_for(1);
    // two more: one is queued, the other refused, whichever comes first
    let mut second = server.connect();
    let mut third = server.connect();
    send_event(&mut second, &event("test:echo", "second", "2"));
    send_event(&mut third, &event("test:echo", "third", "3"));
    let (refused, queued, id) = {
        let (tx, rx) = mpsc::channel();
        for (mut stream, id) in [(second, "second"), (third, "third")] {
            let tx = tx.clone();
            thread::spawn(move || {
                let answer = read_answer(&mut stream);
                let _ = tx.send((answer, id));
            });
        }
        let (first, first_id) = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the refusal");
        handlers.gate.open();
        let (later, later_id) = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the queued answer");
        assert_ne!(first_id, later_id);
        (first, later, later_id)
    };
    assert_eq!(refused, overloaded());
    let payload = if id == "second" { "2" } else { "3" };
    assert_eq!(
        queued,
        Answer::event(&echoed("test:echo", id, payload), false)
    );
    assert_eq!(
        read_answer(&mut running),
        Answer::event(&echoed("test:gate", "running", "1"), false)
    );
}

// --- connection timeouts --------------------------------------------------

#[test]
fn head_not_received_within_the_header_read_timeout_answers_408() {
    let handlers = Handlers::new();
    let service = EventsService::new(Processor::from_registry(handlers.registry()));
    let server = Running::start(
        service,
        quick().with_header_read_timeout(Duration::from_millis(200)),
    );
    let mut slow = server.connect();
    slow.write_all(b"POST /events HTTP/1.1\r\nHost: te")
        .expect("part of a head");
    let mut answer = String::new();
    slow.read_to_string(&mut answer)
        .expect("the answer, then the end");
    assert_eq!(
        answer,
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: 42\r\n\r\nthe request head was not received in time\n"
    );
}

#[test]
fn connection_that_sends_nothing_is_closed_at_the_header_read_timeout() {
    let handlers = Handlers::new();
    let service = EventsService::new(Processor::from_registry(handlers.registry()));
    let server = Running::start(
        service,
        quick().with_header_read_timeout(Duration::from_millis(200)),
    );
    let mut silent = server.connect();
    let mut answer = Vec::new();
    silent.read_to_end(&mut answer).expect("the end");
    assert_eq!(answer, b"");
}

#[test]
fn idle_connection_is_closed_at_the_idle_timeout() {
    let handlers = Handlers::new();
    let service = EventsService::new(Processor::from_registry(handlers.registry()));
    let server = Running::start(
        service,
        quick()
            .with_idle_timeout(Duration::from_millis(300))
            .with_header_read_timeout(Duration::from_secs(20)),
    );
    let mut idle = server.connect();
    send_event(&mut idle, &event("test:fast", "once", "1"));
    assert_eq!(
        read_answer(&mut idle),
        Answer::event(&echoed("test:fast", "once", "1"), false)
    );
    // closed by the idle timeout, well before the header read timeout
    idle.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    let mut rest = Vec::new();
    idle.read_to_end(&mut rest).expect("the end, within 10 s");
    assert_eq!(rest, b"");
}

#[test]
fn idle_time_and_head_time_are_counted_apart() {
    let handlers = Handlers::new();
    let service = EventsService::new(Processor::from_registry(handlers.registry()));
    let server = Running::start(
        service,
        quick()
            .with_idle_timeout(Duration::from_secs(20))
            .with_header_read_timeout(Duration::from_millis(300)),
    );
    let mut stream = server.connect();
    for n in 0..3 {
        send_event(&mut stream, &event("test:fast", "kept", &n.to_string()));
        assert_eq!(
            read_answer(&mut stream),
            Answer::event(&echoed("test:fast", "kept", &n.to_string()), false)
        );
        // idle for longer than the header read timeout: still open
        thread::sleep(Duration::from_millis(500));
    }
    // a head begun and not finished: 408, well before the idle timeout
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    stream
        .write_all(b"POST /events HTTP/1.1\r\n")
        .expect("part of a head");
    assert_eq!(
        read_answer(&mut stream),
        Answer::text(
            408,
            &[("connection", "close")],
            "the request head was not received in time\n"
        )
    );
    assert!(closed(&mut stream));
}

#[test]
fn body_not_received_within_the_body_read_timeout_answers_408() {
    let handlers = Handlers::new();
    let service = EventsService::new(Processor::from_registry(handlers.registry()))
        .with_body_read_timeout(Duration::from_millis(200));
    let server = Running::start(service, quick());
    let mut slow = server.connect();
    slow.write_all(
        b"POST /events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":",
    )
    .expect("a head and part of a body");
    assert_eq!(
        read_answer(&mut slow),
        Answer::text(
            408,
            &[("connection", "close")],
            "the request body was not received in time\n"
        )
    );
    assert!(closed(&mut slow));
}

// --- health ---------------------------------------------------------------

/// `GET path`, kept alive.
fn get(stream: &mut TcpStream, method: &str, path: &str) -> Answer {
    stream
        .write_all(format!("{method} {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes())
        .expect("a request sent");
    read_answer(stream)
}

#[test]
fn health_checks_answer_live_and_ready() {
    let handlers = Handlers::new();
    let health = Health::new();
    let service = EventsService::new(Processor::from_registry(handlers.registry()))
        .with_health(health.clone());
    let server = Running::start(service, quick());
    let mut stream = server.connect();
    assert_eq!(
        get(&mut stream, "GET", "/health/live"),
        Answer::text(200, &[], "live\n")
    );
    assert_eq!(
        get(&mut stream, "GET", "/health/ready"),
        Answer::text(200, &[], "ready\n")
    );
    assert_eq!(
        get(&mut stream, "POST", "/health/ready"),
        Answer::text(405, &[("allow", "GET, HEAD")], "health is read with GET\n")
    );
    health.set_ready(false);
    assert_eq!(
        get(&mut stream, "GET", "/health/ready"),
        Answer::text(503, &[], "not ready\n")
    );
    assert_eq!(
        get(&mut stream, "GET", "/health/live"),
        Answer::text(200, &[], "live\n")
    );
}

#[test]
fn health_checks_are_opt_in() {
    let handlers = Handlers::new();
    let service = EventsService::new(Processor::from_registry(handlers.registry()));
    let server = Running::start(service, quick());
    let mut stream = server.connect();
    assert_eq!(
        get(&mut stream, "GET", "/health/ready"),
        Answer::text(404, &[], "no events route at this path\n")
    );
}

#[test]
fn axum_routes_serve_the_health_checks_of_their_service() {
    let handlers = Handlers::new();
    let health = Health::new();
    let service = EventsService::new(Processor::from_registry(handlers.registry()))
        .with_health(health.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a free port");
    let address = listener.local_addr().expect("the bound address");
    let app: axum::Router = events_protocol::axum::routes(service);
    runtime.spawn(async move { serve(listener, app).with_health(health).await });
    let mut stream = TcpStream::connect(address).expect("a connection");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    assert_eq!(
        get(&mut stream, "GET", "/health/ready"),
        Answer::text(200, &[], "ready\n")
    );
    // HEAD is answered too, with the head alone
    stream
        .write_all(b"HEAD /health/live HTTP/1.1\r\nHost: test\r\n\r\n")
        .expect("a request sent");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).expect("a byte of the head");
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert_eq!(
        get(&mut stream, "GET", "/health/live"),
        Answer::text(200, &[], "live\n")
    );
}
