use events_protocol::event_handler;

#[event_handler(name = "user:profile:get")]
fn no_version() {}

#[event_handler(version = 1)]
fn no_name() {}

#[event_handler]
fn nothing() {}

fn main() {}
