//! One connection: hyper's HTTP/1.1 server over a socket watched for the
//! header read and idle timeouts, a service that marks each request in
//! flight and adds `Connection: close` while the server drains, and the
//! close of an idle connection when the server stops.
//!
//! hyper's own graceful shutdown is not used: it closes a connection that
//! has read nothing yet, even when its first request is waiting in the
//! socket (a balancer's fresh connection, sent a request at once: lost).
//! Here a connection closes once the server stops only when reading finds
//! nothing waiting after an answer; a fresh one is given its first request
//! (answered with `Connection: close`) or its header read timeout.

use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use http::{HeaderValue, Request, Response, header};
use http_body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use super::{Server, Settings, Stage};
use crate::service::BoxError;

/// What is sent to a client that began a request's head and did not finish
/// it within the header read timeout, before the connection is closed.
const HEAD_TIMED_OUT: &[u8] = b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: 42\r\n\r\nthe request head was not received in time\n";

/// Serves one connection until it ends: closed by the client, idle or slow
/// past a timeout, or closed gracefully when the server stops (an answer in
/// flight is sent first).
pub(super) async fn serve_connection<S, B>(stream: TcpStream, service: S, server: Arc<Server>)
where
    S: tower_service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let requests = Arc::new(AtomicU64::new(0));
    let io = Watched::new(stream, Arc::clone(&requests), Arc::clone(&server));
    let service = Tracked {
        inner: TowerToHyperService::new(service),
        requests,
        server: Arc::clone(&server),
    };
    let mut builder = http1::Builder::new();
    // the header read timeout is `Watched`'s, counted from a head's first
    // byte: hyper's would count the idle time between requests too
    builder.header_read_timeout(None);
    let connection = builder.serve_connection(TokioIo::new(io), service);
    let mut connection = pin!(connection);
    let mut stage = server.stage.subscribe();
    let closing = stage.wait_for(|stage| *stage == Stage::Closing);
    let ended = tokio::select! {
        ended = connection.as_mut() => Some(ended),
        _ = closing => None,
    };
    // polled again once the server closes, an idle connection reads the end
    // of its stream (`Watched`); an answer in flight says `Connection: close`
    let ended = match ended {
        Some(ended) => ended,
        None => connection.await,
    };
    if let Err(error) = ended {
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// The service of one connection: counts its requests in flight (the low bit
/// of `requests`: one is in flight; the rest: how many have been answered),
/// and adds `Connection: close` to every answer once the server drains.
struct Tracked<S> {
    inner: TowerToHyperService<S>,
    requests: Arc<AtomicU64>,
    server: Arc<Server>,
}

/// A request in flight on a connection, until dropped.
struct InFlight(Arc<AtomicU64>);

impl InFlight {
    fn start(requests: &Arc<AtomicU64>) -> InFlight {
        requests.fetch_add(1, Ordering::AcqRel);
        InFlight(Arc::clone(requests))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

impl<S, B> hyper::service::Service<Request<Incoming>> for Tracked<S>
where
    S: tower_service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
{
    type Response = Response<B>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<B>, S::Error>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let in_flight = InFlight::start(&self.requests);
        let server = Arc::clone(&self.server);
        let answer = hyper::service::Service::call(&self.inner, request);
        Box::pin(async move {
            let mut response = answer.await?;
            if server.is_draining() {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            drop(in_flight);
            Ok(response)
        })
    }
}

/// Where a connection is, as its socket sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request's head; `begun` once a byte of it came.
    Head { begun: bool },
    /// A request is in flight: the service's timeouts hold.
    Busy,
    /// Between requests, nothing received.
    Idle,
}

/// A socket that ends the connection when a request's head takes longer
/// than the header read timeout from its first byte (answering `408`), when
/// no request comes within the idle timeout after the last answer, or when
/// the server is closing and nothing waits to be read after an answer. A
/// fresh connection gets the header read timeout from its accept for its
/// first head.
///
/// The timer is polled only while hyper waits to read, which is when these
/// timeouts can pass. A change of phase only notes the phase's deadline: the
/// timer is re-armed when it rings, never further than the shorter timeout
/// ahead, so it rings at a deadline or before it, and a connection answering
/// requests costs no timer operation per request (two per request cost a
/// tenth of a request's CPU time).
struct Watched {
    stream: TcpStream,
    requests: Arc<AtomicU64>,
    /// `requests` when the phase was last read from it.
    seen: u64,
    phase: Phase,
    /// When the phase's timeout passes (none while `Busy`).
    deadline: Instant,
    timer: Pin<Box<Sleep>>,
    header_read_timeout: Duration,
    idle_timeout: Duration,
    server: Arc<Server>,
}

impl Watched {
    fn new(stream: TcpStream, requests: Arc<AtomicU64>, server: Arc<Server>) -> Watched {
        let Settings {
            header_read_timeout,
            idle_timeout,
            ..
        } = server.settings;
        let now = Instant::now();
        let deadline = after(now, header_read_timeout);
        // never further than the shorter timeout ahead (see above)
        let ring = after(now, header_read_timeout.min(idle_timeout));
        Watched {
            stream,
            requests,
            seen: 0,
            phase: Phase::Head { begun: false },
            deadline,
            timer: Box::pin(tokio::time::sleep_until(ring)),
            header_read_timeout,
            idle_timeout,
            server,
        }
    }

    /// Notes the deadline of a phase that begins now.
    fn arm(&mut self, timeout: Duration) {
        self.deadline = after(Instant::now(), timeout);
    }

    /// Catches up with the requests the service has seen.
    fn observe(&mut self) {
        let requests = self.requests.load(Ordering::Acquire);
        if requests % 2 == 1 {
            self.phase = Phase::Busy;
        } else if requests != self.seen {
            // a request was answered since: idle from now
            self.seen = requests;
            self.phase = Phase::Idle;
            self.arm(self.idle_timeout);
        }
    }

    /// Bytes came.
    fn received(&mut self) {
        match self.phase {
            Phase::Idle => {
                self.phase = Phase::Head { begun: true };
                self.arm(self.header_read_timeout);
            }
            Phase::Head { begun: false } => self.phase = Phase::Head { begun: true },
            Phase::Head { begun: true } | Phase::Busy => {}
        }
    }

    /// Nothing to read now: whether the server is closing and this
    /// connection idle, or a timeout has passed; if so, what reading gives
    /// instead.
    fn poll_timeout(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.phase == Phase::Idle && self.server.is_closing() {
            // the end of the stream: hyper closes the connection
            return Poll::Ready(Ok(()));
        }
        if self.phase == Phase::Busy || self.timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let now = Instant::now();
        if now < self.deadline {
            // rang early: to the deadline, or the shorter timeout ahead
            let shorter = self.header_read_timeout.min(self.idle_timeout);
            self.timer
                .as_mut()
                .reset(self.deadline.min(after(now, shorter)));
            // registers the waker for the new time
            return match self.timer.as_mut().poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(()) => self.poll_timeout(cx),
            };
        }
        match self.phase {
            Phase::Head { begun: true } => {
                tracing::debug!(
                    timeout = ?self.header_read_timeout,
                    "a request head was not received in time: 408, connection closed"
                );
                // what came since the last read is dropped first: closing a
                // socket with unread bytes resets the connection, and the
                // reset would destroy the answer before the client reads it
                // (at most 64 KiB: a client sending faster is not waited for)
                let mut unread = [0u8; 1024];
                for _ in 0..64 {
                    if !matches!(self.stream.try_read(&mut unread), Ok(read) if read > 0) {
                        break;
                    }
                }
                // best effort: the socket's buffer has room for this unless
                // the client reads nothing at all
                let _ = self.stream.try_write(HEAD_TIMED_OUT);
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the request head was not received within the header read timeout",
                )))
            }
            // nothing pending: the end of the stream, a clean close
            Phase::Head { begun: false } | Phase::Idle | Phase::Busy => Poll::Ready(Ok(())),
        }
    }
}

/// `now` plus `timeout`, or a year from now if that is past the clock.
fn after(now: Instant, timeout: Duration) -> Instant {
    const YEAR: Duration = Duration::from_secs(86_400 * 365);
    now.checked_add(timeout)
        .or_else(|| now.checked_add(YEAR))
        .unwrap_or(now)
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        this.observe();
        match read {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.received();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => this.poll_timeout(cx),
        }
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::HEAD_TIMED_OUT;

    #[test]
    fn the_408_declares_its_length() {
        let text = std::str::from_utf8(HEAD_TIMED_OUT).expect("text");
        let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
        assert!(head.ends_with("content-length: 42"), "{head}");
        assert_eq!(body, "the request head was not received in time\n");
    }
}
