use events_protocol::{Event, Identity, event_handler};

#[derive(serde::Deserialize)]
struct Query {
    id: u64,
}

#[derive(serde::Deserialize)]
struct Filter {
    text: String,
}

#[event_handler(name = "user:profile:get", version = 1)]
fn two_payloads(query: Query, filter: Filter) -> u64 {
    query.id + filter.text.len() as u64
}

#[event_handler(name = "user:profile:set", version = 1)]
fn borrowed(_name: &str) {}

#[event_handler(name = "user:profile:put", version = 1)]
fn event_by_value(_event: Event<'static>) {}

#[event_handler(name = "user:profile:del", version = 1)]
fn event_mut(_event: &mut Event<'_>) {}

#[event_handler(name = "user:profile:patch", version = 1)]
fn bare_view(_identity: Identity) {}

#[event_handler(name = "user:profile:list", version = 1)]
fn impl_trait(_payload: impl serde::de::DeserializeOwned) {}

fn main() {}
