//! Servers that do not answer with an event: every transport failure of
//! PROTOCOL.md §6 is its own `SendError`, with what the server sent kept.
//! Each test runs over both clients ([`FLAVORS`]).

use std::io::Write;
use std::thread;
use std::time::{Duration, Instant};

use events_protocol::client::SendError;

use crate::clients::{Client, Event, FLAVORS, Flavor, Options};
use crate::support;

/// Sends one event to `url` with each client, and returns each failure.
fn failures_with(url: &str, options: &Options) -> Vec<(Flavor, SendError)> {
    FLAVORS
        .iter()
        .map(|&flavor| {
            let client = Client::new(flavor, url, options);
            let error = client.send_named("test:hostile").expect_err("a failure");
            (flavor, error)
        })
        .collect()
}

/// [`failures_with`] the default options.
fn failures(url: &str) -> Vec<(Flavor, SendError)> {
    failures_with(url, &Options::default())
}

#[test]
fn status_500_is_a_status_error_with_its_body() {
    let url = support::answering(
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nit is down.",
    );
    for (flavor, error) in failures(&url) {
        let SendError::Status { status, body } = error else {
            panic!("{flavor:?}: not a status error: {error:?}");
        };
        assert_eq!((status, body.as_str()), (500, "it is down."), "{flavor:?}");
    }
}

#[test]
fn status_3xx_is_a_status_error_and_is_not_followed() {
    let url = support::answering(
        "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    for (flavor, error) in failures(&url) {
        assert!(
            matches!(&error, SendError::Status { status: 302, body } if body.is_empty()),
            "{flavor:?}: {error:?}"
        );
    }
}

#[test]
fn status_204_is_not_an_event() {
    let url = support::answering("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
    for (flavor, error) in failures(&url) {
        let SendError::NotAnEvent { status, body, .. } = error else {
            panic!("{flavor:?}: not `NotAnEvent`: {error:?}");
        };
        assert_eq!((status, body.as_str()), (204, ""), "{flavor:?}");
    }
}

#[test]
fn html_with_status_200_is_not_an_event_and_the_body_is_kept() {
    let html = "<html><body>Welcome to nginx!</body></html>";
    let url = support::answering(format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
        html.len()
    ));
    for (flavor, error) in failures(&url) {
        let SendError::NotAnEvent {
            status,
            body,
            error,
        } = error
        else {
            panic!("{flavor:?}: not `NotAnEvent`: {error:?}");
        };
        assert_eq!((status, body.as_str()), (200, html), "{flavor:?}");
        assert_eq!(error.property_name(), "json", "{flavor:?}");
    }
}

#[test]
fn json_that_is_not_an_event_is_not_an_event() {
    let url = support::answering(support::ok_json(r#"{"status":"ok","items":[1,2]}"#));
    for (flavor, error) in failures(&url) {
        let SendError::NotAnEvent { body, error, .. } = error else {
            panic!("{flavor:?}: not `NotAnEvent`: {error:?}");
        };
        assert_eq!(body, r#"{"status":"ok","items":[1,2]}"#, "{flavor:?}");
        assert_eq!(error.property_name(), "name", "{flavor:?}");
    }
}

#[test]
fn truncated_json_with_a_matching_length_is_not_an_event() {
    let url = support::answering(support::ok_json(r#"{"name":"test:hostile:response","vers"#));
    for (flavor, error) in failures(&url) {
        assert!(
            matches!(&error, SendError::NotAnEvent { body, .. } if body == r#"{"name":"test:hostile:response","vers"#),
            "{flavor:?}: {error:?}"
        );
    }
}

#[test]
fn body_shorter_than_its_length_is_a_connection_failure() {
    let url = support::answering(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\nConnection: close\r\n\r\n{\"name\":\"test:hostile:response\"",
    );
    for (flavor, error) in failures(&url) {
        assert!(
            matches!(error, SendError::Connection { .. }),
            "{flavor:?}: {error:?}"
        );
    }
}

#[test]
fn connection_closed_in_the_middle_of_the_head_is_a_connection_failure() {
    let url = support::answering("HTTP/1.1 200 OK\r\nContent-Ty");
    for (flavor, error) in failures(&url) {
        assert!(
            matches!(error, SendError::Connection { .. }),
            "{flavor:?}: {error:?}"
        );
    }
}

#[test]
fn connection_closed_before_any_answer_is_a_connection_failure() {
    let url = support::raw_server(drop);
    for (flavor, error) in failures(&url) {
        assert!(
            matches!(error, SendError::Connection { .. }),
            "{flavor:?}: {error:?}"
        );
    }
}

#[test]
fn body_larger_than_the_limit_is_too_large() {
    let payload = "x".repeat(4096);
    let event = format!(
        r#"{{"name":"test:hostile:response","version":1,"id":"i","flowId":"f","payload":"{payload}"}}"#
    );
    let url = support::answering(support::ok_json(&event));
    let options = Options {
        max_answer_bytes: Some(1024),
        ..Options::default()
    };
    for (flavor, error) in failures_with(&url, &options) {
        assert!(
            matches!(error, SendError::TooLarge { limit: 1024 }),
            "{flavor:?}: {error:?}"
        );
    }
}

#[test]
fn body_larger_than_the_limit_without_a_length_is_too_large() {
    let url = support::raw_server(|mut stream| {
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
        );
        let chunk = [b' '; 1024];
        for _ in 0..64 {
            if stream.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let options = Options {
        max_answer_bytes: Some(4096),
        ..Options::default()
    };
    for (flavor, error) in failures_with(&url, &options) {
        assert!(
            matches!(error, SendError::TooLarge { limit: 4096 }),
            "{flavor:?}: {error:?}"
        );
    }
}

#[test]
fn body_exactly_at_the_limit_is_read() {
    let event =
        r#"{"name":"test:hostile:response","version":1,"id":"i","flowId":"f","payload":{}}"#;
    let url = support::answering(support::ok_json(event));
    let options = Options {
        max_answer_bytes: Some(event.len()),
        ..Options::default()
    };
    for flavor in FLAVORS {
        let answer = Client::new(flavor, &url, &options)
            .send_named("test:hostile")
            .expect("an answer");
        assert!(answer.is_success(), "{flavor:?}");
    }
}

#[test]
fn refused_port_is_a_connection_failure() {
    let refused = support::refused_url();
    for (flavor, error) in failures(&refused) {
        let SendError::Connection { url, .. } = &error else {
            panic!("{flavor:?}: not a connection failure: {error:?}");
        };
        assert_eq!(*url, refused, "{flavor:?}");
    }
}

/// Asserts that `error` is a timeout of `limit`, reached close to it.
fn assert_timed_out(error: &SendError, limit: Duration, elapsed: Duration) {
    let SendError::Timeout {
        limit: reported,
        elapsed: measured,
        connecting,
    } = error
    else {
        panic!("not a timeout: {error:?}");
    };
    eprintln!("timed out after {elapsed:?}, limit {limit:?}");
    assert_eq!(*reported, limit);
    assert!(!connecting, "{error:?}");
    assert!(*measured <= elapsed, "{measured:?} > {elapsed:?}");
    // generous bounds: never before the limit, never long after it
    assert!(elapsed >= limit.mul_f32(0.9), "gave up early: {elapsed:?}");
    assert!(
        elapsed <= limit + Duration::from_millis(2500),
        "gave up late: {elapsed:?}"
    );
}

/// Asserts that each client of `url` with a timeout of `limit` gives up at
/// it.
fn assert_client_times_out(url: &str, limit: Duration) {
    let options = Options {
        timeout: Some(limit),
        ..Options::default()
    };
    for flavor in FLAVORS {
        let client = Client::new(flavor, url, &options);
        let started = Instant::now();
        let error = client.send_named("test:hostile").expect_err("a timeout");
        eprintln!("{flavor:?}");
        assert_timed_out(&error, limit, started.elapsed());
    }
}

#[test]
fn server_that_never_answers_times_out_at_the_limit() {
    let url = support::raw_server(|stream| {
        thread::sleep(Duration::from_secs(10));
        drop(stream);
    });
    let limit = Duration::from_millis(400);
    assert_client_times_out(&url, limit);
}

#[test]
fn server_that_trickles_bytes_times_out_at_the_limit() {
    let url = support::raw_server(|mut stream| {
        let head =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
        for _ in 0..1000 {
            thread::sleep(Duration::from_millis(100));
            if stream.write_all(b" ").is_err() {
                return;
            }
        }
    });
    let limit = Duration::from_millis(500);
    assert_client_times_out(&url, limit);
}

#[test]
fn server_that_trickles_its_head_times_out_at_the_limit() {
    let url = support::raw_server(|mut stream| {
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: "
            .iter()
            .chain([b'a'; 1000].iter())
        {
            thread::sleep(Duration::from_millis(100));
            if stream.write_all(&[*byte]).is_err() {
                return;
            }
        }
    });
    let limit = Duration::from_millis(500);
    assert_client_times_out(&url, limit);
}

#[test]
fn per_call_timeout_replaces_the_client_timeout() {
    let url = support::raw_server(|stream| {
        thread::sleep(Duration::from_secs(10));
        drop(stream);
    });
    let limit = Duration::from_millis(300);
    let event = Event {
        timeout: Some(limit),
        ..Event::named("test:hostile")
    };
    for flavor in FLAVORS {
        let client = Client::of(flavor, &url);
        let started = Instant::now();
        let error = client.send(&event).expect_err("a timeout");
        assert!(error.is_timeout(), "{flavor:?}");
        assert_timed_out(&error, limit, started.elapsed());
    }
}

#[test]
fn every_transport_failure_names_its_protocol_class() {
    use events_protocol::client::Failure;
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let address = listener.local_addr().expect("bound");
        drop(listener);
        format!("http://{address}/events")
    };
    for (flavor, error) in failures(&refused) {
        assert_eq!(error.failure(), Failure::FailedDependency, "{flavor:?}");
    }
    for (status, body, failure) in [
        (500, &b"oops"[..], Failure::FailedDependency),
        (200, &b"<html></html>"[..], Failure::BadProtocol),
        (
            200,
            &br#"{"name":"a:b:redirect","version":1,"payload":{}}"#[..],
            Failure::BadProtocol,
        ),
    ] {
        let error =
            events_protocol::client::Answer::from_http(status, body).expect_err("not an answer");
        assert_eq!(error.failure(), failure, "{error}");
    }
}
