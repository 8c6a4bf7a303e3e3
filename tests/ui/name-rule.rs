use events_protocol::event_handler;

#[event_handler(name = "UserProfileGet", version = 1)]
fn camel_case() {}

#[event_handler(name = "user", version = 1)]
fn one_segment() {}

#[event_handler(name = "user:profile:get2", version = 1)]
fn digit() {}

#[event_handler(legacy_name = "", version = 1)]
fn empty_legacy_name() {}

fn main() {}
