//! Every mistake is reported in one build, each at its own tokens: here, all
//! of one handler's, then all of one derive's.

use events_protocol::{EventRequest, event_handler};

#[derive(serde::Deserialize)]
struct Query {
    id: u64,
}

#[derive(serde::Deserialize)]
struct Filter {
    text: String,
}

#[event_handler(name = "User:Get", version = 0, timeout = 5, inline, inline)]
async unsafe fn everything<T>(_name: &str, _query: Query, _filter: Filter) -> ! {
    loop {}
}

#[derive(EventRequest)]
#[event(name = "Profile", version = "2", request = Other)]
enum Several {
    One,
}

fn main() {}
