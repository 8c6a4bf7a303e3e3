use std::cell::Cell;

use events_protocol::{State, event_handler};

/// Not `Sync`: a state is shared by every thread that answers events.
#[derive(Clone)]
struct Counter(Cell<u64>);

/// Not `Clone`: a handler gets a clone of the state.
struct Pool;

#[event_handler(name = "state:counter:bump", version = 1)]
fn bump(State(counter): State<Counter>) -> u64 {
    counter.0.get()
}

#[event_handler(name = "state:pool:use", version = 1)]
fn pool(State(_pool): State<Pool>) {}

/// A state taken by reference: the handler owns its clone.
#[event_handler(name = "state:pool:borrow", version = 1)]
fn borrowed(_pool: &State<Counter>) {}

fn main() {}
