use events_protocol::event_handler;

#[event_handler(name = "user:profile:get", version = 0)]
fn zero() {}

#[event_handler(name = "user:profile:get", version = -1)]
fn negative() {}

#[event_handler(name = "user:profile:get", version = "1")]
fn string() {}

#[event_handler(name = "user:profile:get", version = 1.5)]
fn fraction() {}

#[event_handler(name = "user:profile:get", version = V1)]
fn constant() {}

#[event_handler(name = "user:profile:get", version = 99999999999999999999)]
fn too_large() {}

fn main() {}
