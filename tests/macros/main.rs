//! `#[event_handler]` and `#[derive(EventRequest)]`: handlers spread over the
//! modules of this test crate and over the library crate `handlers-lib`, all
//! found by `process_event` with no registration code; every parameter and
//! return form answering the exact event PROTOCOL.md specifies.

mod asyncs;
mod cross_crate;
mod hygiene;
mod kinds;
mod params;
mod requests;
mod returns;

/// Sends an event of version 1 with ids `i-1` and `f-1` and this payload.
fn call(name: &str, payload: &str) -> String {
    events_protocol::process_event(&format!(
        r#"{{"name":"{name}","version":1,"id":"i-1","flowId":"f-1","payload":{payload}}}"#
    ))
}

/// The answer to [`call`] named `name` with this payload, every other key as
/// PROTOCOL.md §4 says.
fn answer(name: &str, payload: &str) -> String {
    format!(
        r#"{{"name":"{name}","version":1,"id":"i-1","flowId":"f-1","payload":{payload},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
    )
}

#[test]
fn answer_writes_the_whole_envelope() {
    assert_eq!(
        answer("a:b:response", "null"),
        r#"{"name":"a:b:response","version":1,"id":"i-1","flowId":"f-1","payload":null,"identity":{},"auth":{},"metadata":{}}"#
    );
}
