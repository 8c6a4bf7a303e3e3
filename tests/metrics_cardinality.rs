//! Label cardinality is bounded (feature `metrics`): callers choose the names
//! they send, and 10,000 invented names, over real HTTP, leave the number of
//! a server's metric series unchanged; a client labels at most
//! `MAX_CLIENT_SERIES` (name, version) pairs, the rest together. Read from a
//! real recorder (`metrics-util`'s `DebuggingRecorder`), installed for this
//! test binary alone.

#[path = "support/axum_server.rs"]
mod axum_server;

use std::collections::BTreeMap;

use axum_server::Served;
use events_protocol::client::Answer;
use events_protocol::metrics::{CLIENT_CALLS, MAX_CLIENT_SERIES};
use events_protocol::{EventClient, Processor, Registry};
use metrics_util::debugging::{DebuggingRecorder, Snapshotter};

/// How many series each metric has (its name, and the kind of series).
fn series(snapshotter: &Snapshotter) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for (key, ..) in snapshotter.snapshot().into_vec() {
        *counts.entry(key.key().name().to_owned()).or_default() += 1;
    }
    counts
}

#[test]
fn ten_thousand_invented_names_leave_the_servers_series_unchanged() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder
        .install()
        .expect("the only recorder of this binary");

    let served = Served::start(events_protocol::axum::routes(Processor::from_registry(
        Registry::new(),
    )));
    let client = EventClient::new(served.url()).expect("a client");
    let not_found = |name: &str, version: i64| match client.event(name, version).send() {
        Ok(Answer::Error { error, .. }) => error.code().to_owned(),
        other => panic!("{other:?}"),
    };
    assert_eq!(not_found("invented:first", 1), "EVENT_NOT_FOUND");
    let before = series(&snapshotter);
    assert_eq!(
        before,
        BTreeMap::from([
            ("events_client_call_duration_seconds".to_owned(), 1),
            ("events_client_calls_total".to_owned(), 1),
            ("events_duration_seconds".to_owned(), 1),
            ("events_handled_total".to_owned(), 1),
            ("events_in_flight".to_owned(), 1),
        ])
    );

    for n in 0..10_000_i64 {
        assert_eq!(
            not_found(&format!("invented:name:{n}"), n),
            "EVENT_NOT_FOUND"
        );
    }

    let after = series(&snapshotter);
    // the server: the same series; the client: one per (name, version) up
    // to its limit, then one for all the rest
    let client_series = MAX_CLIENT_SERIES + 1;
    assert_eq!(
        after,
        BTreeMap::from([
            (
                "events_client_call_duration_seconds".to_owned(),
                client_series
            ),
            (CLIENT_CALLS.to_owned(), client_series),
            ("events_duration_seconds".to_owned(), 1),
            ("events_handled_total".to_owned(), 1),
            ("events_in_flight".to_owned(), 1),
        ])
    );
}
