//! A parameter is what its attribute says (`#[payload]`, `#[view]`), else
//! what the last segment of its type's path says; the attributes misused.

use events_protocol::{Identity, event_handler};

#[derive(serde::Deserialize)]
struct Query {
    id: u64,
}

#[derive(serde::Deserialize)]
struct Filter {
    text: String,
}

#[derive(serde::Deserialize)]
struct User {
    id: u64,
}

/// An alias hides `Identity`: without `#[view]`, it is a second payload.
type Caller = Identity<User>;

#[event_handler(name = "user:profile:get", version = 1)]
fn alias_without_view(query: Query, caller: Caller) -> u64 {
    query.id + caller.id
}

#[event_handler(name = "user:profile:set", version = 1)]
fn two_marked_payloads(#[payload] query: Query, #[payload] filter: Filter) -> u64 {
    query.id + filter.text.len() as u64
}

#[event_handler(name = "user:profile:put", version = 1)]
fn two_kinds(#[payload] #[view] _caller: Caller) {}

#[event_handler(name = "user:profile:del", version = 1)]
fn twice(#[view] #[view] _caller: Caller) {}

#[event_handler(name = "user:profile:patch", version = 1)]
fn with_arguments(#[payload(strict)] _query: Query, #[view = "identity"] _caller: Caller) {}

#[event_handler(name = "user:profile:list", version = 1)]
#[payload]
fn on_the_function(_query: Query) {}

#[event_handler(name = "user:profile:find", version = 1)]
fn borrowed_payload(#[payload] _name: &str) {}

#[event_handler(name = "user:profile:copy", version = 1)]
fn generic_view(#[view] _caller: impl Sized) {}

#[event_handler(name = "user:profile:move", version = 1)]
fn view_by_reference(_caller: &Identity<User>) {}

fn main() {}
