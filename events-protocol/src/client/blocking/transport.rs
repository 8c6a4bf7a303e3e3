//! The HTTP exchange of [PROTOCOL.md §6](crate::protocol#6-http-binding): POST the event, read the answer
//! within the limits, and name each way it can fail.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use ureq::http::header::CONTENT_TYPE;

use crate::client::call::Prepared;
use crate::client::{Answer, EventClient, RawAnswer, SendError};

/// Posts the prepared call to the client's URL and classifies the answer.
pub(super) fn exchange(client: &EventClient, call: Prepared) -> Result<Answer, SendError> {
    let raw = post(client, call)?;
    Answer::from_http(raw.status, &raw.body)
}

/// Posts the prepared call to the client's URL: the answer's status and
/// body, as they came.
pub(super) fn post(client: &EventClient, call: Prepared) -> Result<RawAnswer, SendError> {
    let shared = &client.shared;
    let limits = Limits {
        call: call.timeout.unwrap_or(shared.config.timeout),
        connect: shared.config.connect_timeout,
        started: Instant::now(),
    };
    let mut request = shared.agent.post(shared.config.url.as_str());
    if let Some(timeout) = call.timeout {
        request = request.config().timeout_global(Some(timeout)).build();
    }
    for (name, value) in &call.headers {
        request = request.header(name, value);
    }
    let response = request
        .send(call.body)
        .map_err(|error| limits.failure(client, error))?;
    read(client, &limits, response)
}

/// `GET url` with the client's limits and default headers: the answer's
/// status and body, as they came.
pub(super) fn get(client: &EventClient, url: &str) -> Result<RawAnswer, SendError> {
    let shared = &client.shared;
    let limits = Limits {
        call: shared.config.timeout,
        connect: shared.config.connect_timeout,
        started: Instant::now(),
    };
    let mut request = shared.agent.get(url);
    for (name, value) in &shared.config.headers {
        if name != CONTENT_TYPE {
            request = request.header(name, value);
        }
    }
    let response = request
        .call()
        .map_err(|error| match limits.failure(client, error) {
            // the URL that failed is this one, not the events URL
            SendError::Connection { source, .. } => SendError::Connection {
                url: url.to_owned(),
                source,
            },
            other => other,
        })?;
    read(client, &limits, response)
}

/// Reads an answer's body within the limits: whole for a 2xx status (over
/// the limit is [`SendError::TooLarge`]), what comes for any other.
fn read(
    client: &EventClient,
    limits: &Limits,
    mut response: ureq::http::Response<ureq::Body>,
) -> Result<RawAnswer, SendError> {
    let status = response.status().as_u16();
    let max = client.shared.config.max_answer_bytes;
    let reader = response
        .body_mut()
        .with_config()
        .limit(u64::try_from(max).unwrap_or(u64::MAX));
    let body = if (200..300).contains(&status) {
        // over the limit is `TooLarge`, as `Limits::failure` maps it
        reader
            .read_to_vec()
            .map_err(|error| limits.failure(client, error))?
    } else {
        read_what_comes(reader.reader())
    };
    Ok(RawAnswer { status, body })
}

/// The limits of one call, to name the one that ran out.
struct Limits {
    call: Duration,
    connect: Duration,
    started: Instant,
}

impl Limits {
    /// The [`SendError`] of a failed exchange.
    fn failure(&self, client: &EventClient, error: ureq::Error) -> SendError {
        let elapsed = self.started.elapsed();
        match error {
            ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
                SendError::Timeout {
                    limit: self.connect.min(self.call),
                    elapsed,
                    connecting: true,
                }
            }
            ureq::Error::Timeout(_) => SendError::Timeout {
                limit: self.call,
                elapsed,
                connecting: false,
            },
            ureq::Error::Io(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                SendError::Timeout {
                    limit: self.call,
                    elapsed,
                    connecting: false,
                }
            }
            ureq::Error::BodyExceedsLimit(_) => SendError::TooLarge {
                limit: client.max_answer_bytes(),
            },
            other => SendError::Connection {
                url: client.url().to_owned(),
                source: Box::new(other),
            },
        }
    }
}

/// Reads a body until its end, its limit, a timeout or a broken connection,
/// keeping what came: the body of a non-2xx answer is kept for diagnosis,
/// whatever happens while reading it.
fn read_what_comes(mut reader: impl Read) -> Vec<u8> {
    let mut body = Vec::new();
    let mut chunk = [0_u8; 8 * 1024];
    loop {
        match reader.read(&mut chunk) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Ok(0) | Err(_) => return body,
            Ok(read) => body.extend_from_slice(&chunk[..read]),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::Limits;
    use crate::client::{EventClient, SendError};

    fn limits() -> Limits {
        Limits {
            call: Duration::from_secs(3),
            connect: Duration::from_secs(1),
            started: Instant::now(),
        }
    }

    #[test]
    fn connect_timeout_reports_the_connect_limit() {
        let client = EventClient::new("http://127.0.0.1:9/events").expect("a client");
        let error = limits().failure(&client, ureq::Error::Timeout(ureq::Timeout::Connect));
        assert!(
            matches!(
                error,
                SendError::Timeout { limit, connecting: true, .. } if limit == Duration::from_secs(1)
            ),
            "{error:?}"
        );
    }

    #[test]
    fn any_other_timeout_reports_the_call_limit() {
        let client = EventClient::new("http://127.0.0.1:9/events").expect("a client");
        for which in [
            ureq::Timeout::Global,
            ureq::Timeout::RecvResponse,
            ureq::Timeout::RecvBody,
        ] {
            let error = limits().failure(&client, ureq::Error::Timeout(which));
            assert!(
                matches!(
                    error,
                    SendError::Timeout { limit, connecting: false, .. } if limit == Duration::from_secs(3)
                ),
                "{error:?}"
            );
        }
    }

    #[test]
    fn a_refused_connection_is_a_connection_failure_naming_the_url() {
        let client = EventClient::new("http://127.0.0.1:9/events").expect("a client");
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let error = limits().failure(&client, ureq::Error::Io(refused));
        assert_eq!(
            error.to_string(),
            "connection to http://127.0.0.1:9/events failed: io: connection refused"
        );
    }
}
