//! The clients against real HTTP servers on `127.0.0.1`: one running our own
//! processor (`answers`, `typed`, `context`, `options`), and hostile ones
//! written for the tests (`hostile`); typed calls with the macros' request
//! types (`macros`). Where a rule holds for both clients, the test runs over
//! the blocking one and the async one on a multi-thread and a current-thread
//! runtime (`clients`); the async client's own rules: the flow across
//! `join!` and `spawn` (`flow_async`), a dropped call (`cancel`). `?` across
//! calls (`errors`).

mod answers;
mod cancel;
mod clients;
mod context;
mod errors;
mod flow_async;
mod hostile;
mod macros;
mod options;
mod support;
mod typed;

use events_protocol::{EventClient, Processor, Registry};

/// A client of a fresh server running `registry`'s handlers.
fn client_of(registry: Registry) -> (EventClient, support::EventsServer) {
    let server = support::serve(Processor::from_registry(registry));
    let client = EventClient::new(&server.url).expect("a client of the test server");
    (client, server)
}
