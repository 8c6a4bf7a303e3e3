//! Serving the events endpoint over HTTP/1.1 the way a fleet needs it
//! (feature `serve`): [`serve`] runs any `tower` service of `http` requests,
//! the [`EventsService`](crate::service::EventsService) or an `axum`
//! [`Router`](::axum::Router) holding the events routes, on a Tokio
//! listener, with
//!
//! - a **graceful drain** on the shutdown signal
//!   ([`with_graceful_shutdown`](Serve::with_graceful_shutdown)):
//!   readiness turns to `503` ([`with_health`](Serve::with_health)); for the
//!   drain window every answer carries `Connection: close`, so a client or a
//!   balancer stops reusing its connection; then new connections are refused,
//!   answers in flight are sent, idle connections closed, and `serve`
//!   returns; whatever is still open at the shutdown limit is cut;
//! - a **header read timeout**, from the first byte of a request's head
//!   (`408`, then the connection is closed), and an **idle timeout** between
//!   requests on a kept-alive connection (closed quietly);
//! - an accept loop that **survives running out of file descriptors**: it
//!   logs, waits 50 ms and tries again, without spinning.
//!
//! [`bind`] makes a listener with a backlog for bursts of connections.
//!
//! The settings and their defaults are [`Settings`]'s; the rules on the wire
//! are [PROTOCOL.md §10](crate::protocol#10-serving-health-limits-and-shutdown).
//! The limits of one request (blocking handlers, the body read timeout, the
//! deadline) are the service's and the processor's.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use events_protocol::Processor;
//! use events_protocol::serve::{Settings, serve, shutdown_signal};
//! use events_protocol::service::{EventsService, Health};
//!
//! # async fn run() -> std::io::Result<()> {
//! let health = Health::new();
//! let service = EventsService::new(Processor::new().with_deadline(Duration::from_secs(10)))
//!     .with_health(health.clone());
//! let listener = events_protocol::serve::bind(([127, 0, 0, 1], 8080).into())?;
//! serve(listener, events_protocol::axum::routes(service))
//!     .with_settings(Settings::new().with_drain_window(Duration::from_secs(5)))
//!     .with_health(health)
//!     .with_graceful_shutdown(shutdown_signal())
//!     .await
//! # }
//! ```

mod connection;

use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use http::{Request, Response};
use http_body::Body;
use hyper::body::Incoming;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until, timeout_at};

use crate::service::throttle::Throttle;
use crate::service::{BoxError, Health};

/// How long the drain lasts by default: 10 s.
pub const DEFAULT_DRAIN_WINDOW: Duration = Duration::from_secs(10);

/// How long a shutdown may take by default, drain included: 30 s.
pub const DEFAULT_SHUTDOWN_LIMIT: Duration = Duration::from_secs(30);

/// How long a request's head may take by default, from its first byte: 10 s.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a kept-alive connection may stay idle by default: 75 s, longer
/// than the usual balancers' upstream keep-alive (nginx's 60 s), so that the
/// balancer, not this server, closes an idle connection.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(75);

/// How long the accept loop waits after failing to accept for want of a
/// resource (file descriptors, memory).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The settings of [`serve`]: the drain on shutdown and the connection
/// timeouts.
///
/// | setting | default | what |
/// |---|---|---|
/// | [`with_drain_window`](Settings::with_drain_window) | [10 s](DEFAULT_DRAIN_WINDOW) | from the shutdown signal, how long every answer says `Connection: close` before the server stops accepting; longer than the balancer's upstream keep-alive timeout |
/// | [`with_shutdown_limit`](Settings::with_shutdown_limit) | [30 s](DEFAULT_SHUTDOWN_LIMIT) | from the shutdown signal, when whatever is still open is cut |
/// | [`with_accepting_while_draining`](Settings::with_accepting_while_draining) | `true` | whether new connections are accepted during the drain window (for balancers that watch readiness), or refused from the signal on (for balancers that learn from a refused connection) |
/// | [`with_header_read_timeout`](Settings::with_header_read_timeout) | [10 s](DEFAULT_HEADER_READ_TIMEOUT) | from a head's first byte (a new connection's accept for its first), until the head is whole; past it `408` and the connection closed |
/// | [`with_idle_timeout`](Settings::with_idle_timeout) | [75 s](DEFAULT_IDLE_TIMEOUT) | after an answer, until the next request's first byte; past it the connection is closed |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    drain_window: Duration,
    shutdown_limit: Duration,
    accept_while_draining: bool,
    header_read_timeout: Duration,
    idle_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings::new()
    }
}

impl Settings {
    /// The defaults (see [`Settings`]).
    pub const fn new() -> Settings {
        Settings {
            drain_window: DEFAULT_DRAIN_WINDOW,
            shutdown_limit: DEFAULT_SHUTDOWN_LIMIT,
            accept_while_draining: true,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        }
    }

    /// Sets how long the drain lasts, from the shutdown signal.
    #[must_use]
    pub const fn with_drain_window(mut self, window: Duration) -> Settings {
        self.drain_window = window;
        self
    }

    /// Sets how long a shutdown may take, from the signal, drain included.
    #[must_use]
    pub const fn with_shutdown_limit(mut self, limit: Duration) -> Settings {
        self.shutdown_limit = limit;
        self
    }

    /// Sets whether new connections are accepted during the drain window.
    #[must_use]
    pub const fn with_accepting_while_draining(mut self, accept: bool) -> Settings {
        self.accept_while_draining = accept;
        self
    }

    /// Sets how long a request's head may take, from its first byte.
    #[must_use]
    pub const fn with_header_read_timeout(mut self, timeout: Duration) -> Settings {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets how long a kept-alive connection may stay idle.
    #[must_use]
    pub const fn with_idle_timeout(mut self, timeout: Duration) -> Settings {
        self.idle_timeout = timeout;
        self
    }

    /// How long the drain lasts.
    pub const fn drain_window(&self) -> Duration {
        self.drain_window
    }

    /// How long a shutdown may take.
    pub const fn shutdown_limit(&self) -> Duration {
        self.shutdown_limit
    }

    /// Whether new connections are accepted during the drain window.
    pub const fn accepting_while_draining(&self) -> bool {
        self.accept_while_draining
    }

    /// How long a request's head may take.
    pub const fn header_read_timeout(&self) -> Duration {
        self.header_read_timeout
    }

    /// How long a kept-alive connection may stay idle.
    pub const fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }
}

/// The listen backlog of [`bind`]: connections the kernel completes while
/// the accept loop is busy, before it drops new ones (the kernel caps it at
/// `net.core.somaxconn`, 4096 by default on Linux).
pub const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `address` with a backlog of [`LISTEN_BACKLOG`] and
/// `SO_REUSEADDR` (an instance started again binds its port at once).
/// `tokio::net::TcpListener::bind` keeps the standard library's backlog of
/// 128: past 128 connections opened faster than they are accepted (a burst,
/// or the first moments of a flood), the kernel drops the next ones'
/// handshakes and their clients wait a second to try again.
///
/// # Errors
///
/// The socket's, as [`tokio::net::TcpSocket`] gives them (the address in
/// use, say). It must be called inside a Tokio runtime.
pub fn bind(address: SocketAddr) -> io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    #[cfg(not(windows))]
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves `service` on every connection `listener` accepts, over HTTP/1.1,
/// until the shutdown signal (none by default: it serves for ever). Await
/// it, after setting what it needs:
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// events_protocol::serve::serve(listener, events_protocol::axum::router())
///     .with_graceful_shutdown(events_protocol::serve::shutdown_signal())
///     .await
/// # }
/// ```
pub fn serve<S>(listener: TcpListener, service: S) -> Serve<S> {
    Serve {
        listener,
        service,
        settings: Settings::new(),
        health: None,
        signal: Box::pin(std::future::pending()),
    }
}

/// A server to await, made by [`serve`].
#[must_use = "a server serves nothing until awaited"]
pub struct Serve<S> {
    listener: TcpListener,
    service: S,
    settings: Settings,
    health: Option<Health>,
    signal: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl<S> Serve<S> {
    /// Sets the drain and the connection timeouts.
    pub fn with_settings(mut self, settings: Settings) -> Serve<S> {
        self.settings = settings;
        self
    }

    /// Turns `health` to not ready when the shutdown signal comes: the
    /// handle the service answers `/health/ready` with
    /// ([`EventsService::with_health`](crate::service::EventsService::with_health)).
    pub fn with_health(mut self, health: Health) -> Serve<S> {
        self.health = Some(health);
        self
    }

    /// Drains and stops when `signal` completes ([`shutdown_signal`]: on
    /// Ctrl-C or `SIGTERM`).
    pub fn with_graceful_shutdown<F>(mut self, signal: F) -> Serve<S>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.signal = Box::pin(signal);
        self
    }
}

impl<S> fmt::Debug for Serve<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .field("settings", &self.settings)
            .field("health", &self.health)
            .finish_non_exhaustive()
    }
}

impl<S, B> IntoFuture for Serve<S>
where
    S: tower_service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// Where the server is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Serving,
    /// The drain window: answers say `Connection: close`.
    Draining,
    /// Not accepting: connections close once idle.
    Closing,
}

/// What every connection of a server shares.
struct Server {
    settings: Settings,
    stage: watch::Sender<Stage>,
    /// `stage` is `Draining` or later: read on every answer, so an atomic.
    draining: AtomicBool,
    /// `stage` is `Closing`: read by idle connections.
    closing: AtomicBool,
}

impl Server {
    fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    fn enter(&self, stage: Stage) {
        self.draining
            .store(stage != Stage::Serving, Ordering::Release);
        self.closing
            .store(stage == Stage::Closing, Ordering::Release);
        self.stage.send_replace(stage);
    }
}

impl<S> Serve<S> {
    async fn run<B>(self) -> io::Result<()>
    where
        S: tower_service::Service<Request<Incoming>, Response = Response<B>>
            + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let Serve {
            listener,
            service,
            settings,
            health,
            mut signal,
        } = self;
        let server = Arc::new(Server {
            settings,
            stage: watch::Sender::new(Stage::Serving),
            draining: AtomicBool::new(false),
            closing: AtomicBool::new(false),
        });
        let mut connections = JoinSet::new();
        let mut failures = AcceptFailures::default();
        let spawner = Arc::clone(&server);
        let spawn = move |connections: &mut JoinSet<()>, stream: TcpStream| {
            // answers are written whole; no reason to wait for more
            let _ = stream.set_nodelay(true);
            connections.spawn(connection::serve_connection(
                stream,
                service.clone(),
                Arc::clone(&spawner),
            ));
            while connections.try_join_next().is_some() {}
        };

        loop {
            tokio::select! {
                () = &mut signal => break,
                stream = accept(&listener, &mut failures) => spawn(&mut connections, stream),
            }
        }

        let signalled = Instant::now();
        let window_end = signalled + settings.drain_window.min(settings.shutdown_limit);
        let limit = signalled + settings.shutdown_limit;
        if let Some(health) = &health {
            health.set_ready(false);
        }
        server.enter(Stage::Draining);
        tracing::info!(
            drain_window = ?settings.drain_window,
            accepting = settings.accept_while_draining,
            connections = connections.len(),
            "shutdown signal: draining (readiness 503, `Connection: close` on every answer)"
        );
        if settings.accept_while_draining {
            loop {
                tokio::select! {
                    () = sleep_until(window_end) => break,
                    stream = accept(&listener, &mut failures) => spawn(&mut connections, stream),
                }
            }
        }
        // what completed its handshake already is served, not reset
        for stream in accept_queued(&listener) {
            spawn(&mut connections, stream);
        }
        drop(listener);
        if !settings.accept_while_draining {
            // the window, or until every client has gone
            let _ = timeout_at(window_end, join_all(&mut connections)).await;
        }

        server.enter(Stage::Closing);
        while connections.try_join_next().is_some() {}
        tracing::info!(
            connections = connections.len(),
            "not accepting any more: closing connections once their answers are sent"
        );
        if timeout_at(limit, join_all(&mut connections)).await.is_err() {
            tracing::warn!(
                connections = connections.len(),
                limit = ?settings.shutdown_limit,
                "connections still open at the shutdown limit: cut"
            );
            connections.shutdown().await;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Waits for every connection to end.
async fn join_all(connections: &mut JoinSet<()>) {
    while connections.join_next().await.is_some() {}
}

/// Accepts the next connection; waits and tries again when the process is
/// out of a resource (file descriptors, memory), saying so in the log.
async fn accept(listener: &TcpListener, failures: &mut AcceptFailures) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                failures.recovered();
                return stream;
            }
            // the client's failure, not ours: the next one may be fine
            Err(error) if is_of_one_connection(&error) => {
                tracing::debug!(%error, "a connection failed before it was accepted");
            }
            Err(error) => {
                failures.failed(&error);
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// Every connection already waiting to be accepted, without waiting for
/// more.
fn accept_queued(listener: &TcpListener) -> Vec<TcpStream> {
    let mut context = Context::from_waker(Waker::noop());
    let mut queued = Vec::new();
    loop {
        match listener.poll_accept(&mut context) {
            Poll::Ready(Ok((stream, _))) => queued.push(stream),
            Poll::Ready(Err(error)) if is_of_one_connection(&error) => {}
            Poll::Ready(Err(_)) | Poll::Pending => return queued,
        }
    }
}

fn is_of_one_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}

/// The failures of the accept loop, told once when they begin, at most once a
/// second while they last, and once when they end.
#[derive(Default)]
struct AcceptFailures {
    /// Failures in a row.
    count: u64,
    throttle: Option<Throttle>,
}

impl AcceptFailures {
    fn failed(&mut self, error: &io::Error) {
        self.count += 1;
        let throttle = self.throttle.get_or_insert_with(Throttle::new);
        if throttle.allow().is_some() {
            tracing::warn!(
                %error,
                failures = self.count,
                retry_in = ?ACCEPT_BACKOFF,
                "cannot accept connections (out of file descriptors?): serving the open ones, trying again"
            );
        }
    }

    fn recovered(&mut self) {
        if self.count > 0 {
            tracing::warn!(failures = self.count, "accepting connections again");
            self.count = 0;
            self.throttle = None;
        }
    }
}

/// Completes on Ctrl-C, or on `SIGTERM` where there is one: the usual
/// shutdown signal of [`Serve::with_graceful_shutdown`]. A signal that cannot
/// be listened for is logged, and never completes.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C"),
        () = terminate => tracing::info!("SIGTERM"),
    }
}
