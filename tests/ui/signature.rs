use events_protocol::event_handler;

struct Service;

impl Service {
    #[event_handler(name = "user:profile:get", version = 1)]
    fn get(&self) {}
}

#[event_handler(name = "user:profile:set", version = 1)]
fn generic<T: serde::de::DeserializeOwned>(_payload: T) {}

#[event_handler(name = "user:profile:put", version = 1)]
fn lifetime<'a>(_payload: std::borrow::Cow<'a, str>) {}

#[event_handler(name = "user:profile:del", version = 1)]
unsafe fn dangerous() {}

fn main() {}
