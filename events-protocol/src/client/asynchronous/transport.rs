//! The async HTTP exchange of PROTOCOL.md §6, as the blocking one does it:
//! POST the event, read the answer within the limits, and name each way it
//! can fail.

use std::error::Error as _;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Bytes, Incoming};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::capture_connection;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::time::{Instant, timeout_at};
use ureq::http::header::USER_AGENT;
use ureq::http::{HeaderValue, Request, Uri};

use crate::client::call::Prepared;
use crate::client::{Answer, ClientBuildError, Config, SendError, outcome};
use crate::metrics::{Measure, Series};

/// How a connection is made: plain TCP, or TLS too for `https://`.
#[cfg(not(feature = "tls"))]
type Connector = HttpConnector;
/// How a connection is made: plain TCP, or TLS too for `https://`.
#[cfg(feature = "tls")]
type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// What the clones of one async client share.
pub(super) struct Shared {
    pub(super) config: Config,
    uri: Uri,
    http: Client<Connector, Full<Bytes>>,
}

impl Shared {
    /// The pooled client of a checked configuration.
    pub(super) fn new(mut config: Config) -> Result<Shared, ClientBuildError> {
        let uri: Uri = config
            .url
            .parse()
            .map_err(
                |error: ureq::http::uri::InvalidUri| ClientBuildError::InvalidUrl {
                    url: config.url.clone(),
                    reason: error.to_string(),
                },
            )?;
        config.headers.insert(
            USER_AGENT,
            HeaderValue::from_static(super::super::USER_AGENT),
        );
        let mut tcp = HttpConnector::new();
        tcp.set_connect_timeout(Some(config.connect_timeout));
        tcp.set_nodelay(true);
        let http = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build(connector(tcp)?);
        Ok(Shared { config, uri, http })
    }
}

#[cfg(not(feature = "tls"))]
fn connector(tcp: HttpConnector) -> Result<Connector, ClientBuildError> {
    Ok(tcp)
}

/// TLS by rustls with ring and the webpki roots, as the blocking client's.
#[cfg(feature = "tls")]
fn connector(mut tcp: HttpConnector) -> Result<Connector, ClientBuildError> {
    tcp.enforce_http(false);
    let builder = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .map_err(|error| ClientBuildError::Tls(Box::new(error)))?;
    Ok(builder.https_or_http().enable_http1().wrap_connector(tcp))
}

/// Posts the prepared call (or fails with why it could not be prepared) and
/// classifies the answer, counted and timed in `series`. Nothing is spawned:
/// dropping the future drops the request, and hyper closes a connection left
/// half-read.
pub(super) async fn exchange(
    shared: Arc<Shared>,
    call: Result<Prepared, SendError>,
    series: &'static Series,
) -> Result<Answer, SendError> {
    let measure = Measure::call();
    let result = post(shared, call).await;
    measure.finish(series, outcome(&result));
    result
}

/// Posts the prepared call and classifies the answer.
async fn post(shared: Arc<Shared>, call: Result<Prepared, SendError>) -> Result<Answer, SendError> {
    let call = call?;
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(SendError::NoRuntime);
    }
    let config = &shared.config;
    let limits = Limits {
        call: call.timeout.unwrap_or(config.timeout),
        connect: config.connect_timeout,
        started: Instant::now(),
    };
    let deadline = limits.started + limits.call;
    let mut request = Request::post(shared.uri.clone())
        .body(Full::new(Bytes::from(call.body)))
        .map_err(|error| connection(config, error))?;
    *request.headers_mut() = call.headers;
    let connected = capture_connection(&mut request);
    let response = match timeout_at(deadline, shared.http.request(request)).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => return Err(limits.failure(config, error)),
        Err(_) => {
            // the connection made (or taken from the pool) is captured
            let connecting = connected.connection_metadata().is_none();
            return Err(limits.timeout(limits.call, connecting));
        }
    };
    let status = response.status().as_u16();
    let body = response.into_body();
    let max = config.max_answer_bytes;
    let bytes = if (200..300).contains(&status) {
        read_all(body, max, deadline)
            .await
            .map_err(|failure| match failure {
                Cut::TooLarge => SendError::TooLarge { limit: max },
                Cut::Timeout => limits.timeout(limits.call, false),
                Cut::Broken(error) => connection(config, error),
            })?
    } else {
        read_what_comes(body, max, deadline).await
    };
    Answer::from_http(status, &bytes)
}

/// Why a body was not read whole.
enum Cut {
    TooLarge,
    Timeout,
    Broken(hyper::Error),
}

/// Reads a whole body of at most `max` bytes by `deadline`. A body that
/// announces more, or sends more, is not read further.
async fn read_all(mut body: Incoming, max: usize, deadline: Instant) -> Result<Vec<u8>, Cut> {
    let max_u64 = u64::try_from(max).unwrap_or(u64::MAX);
    if body.size_hint().lower() > max_u64 {
        return Err(Cut::TooLarge);
    }
    let mut bytes = Vec::new();
    loop {
        match timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(Cut::Timeout),
            Ok(None) => return Ok(bytes),
            Ok(Some(Err(error))) => return Err(Cut::Broken(error)),
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    if bytes.len() + data.len() > max {
                        return Err(Cut::TooLarge);
                    }
                    bytes.extend_from_slice(&data);
                }
            }
        }
    }
}

/// Reads a body until its end, `max` bytes, the deadline or a broken
/// connection, keeping what came: the body of a non-2xx answer is kept for
/// diagnosis, whatever happens while reading it.
async fn read_what_comes(mut body: Incoming, max: usize, deadline: Instant) -> Vec<u8> {
    let mut bytes = Vec::new();
    while let Ok(Some(Ok(frame))) = timeout_at(deadline, body.frame()).await {
        if let Ok(data) = frame.into_data() {
            let room = max - bytes.len();
            if data.len() >= room {
                bytes.extend_from_slice(&data[..room]);
                break;
            }
            bytes.extend_from_slice(&data);
        }
    }
    bytes
}

/// The connection failure of `error`, naming the URL.
fn connection(config: &Config, error: impl std::error::Error + Send + Sync + 'static) -> SendError {
    SendError::Connection {
        url: config.url.clone(),
        source: Box::new(error),
    }
}

/// The limits of one call, to name the one that ran out.
struct Limits {
    call: Duration,
    connect: Duration,
    started: Instant,
}

impl Limits {
    fn timeout(&self, limit: Duration, connecting: bool) -> SendError {
        SendError::Timeout {
            limit,
            elapsed: self.started.elapsed(),
            connecting,
        }
    }

    /// The [`SendError`] of a request that failed before its answer's head:
    /// the connect limit, or a connection failure.
    fn failure(&self, config: &Config, error: hyper_util::client::legacy::Error) -> SendError {
        if error.is_connect() && timed_out(&error) {
            return self.timeout(self.connect.min(self.call), true);
        }
        connection(config, error)
    }
}

/// Whether an I/O error that timed out is among the causes of `error`.
fn timed_out(error: &hyper_util::client::legacy::Error) -> bool {
    let mut source = error.source();
    while let Some(cause) = source {
        if cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::TimedOut)
        {
            return true;
        }
        source = cause.source();
    }
    false
}
