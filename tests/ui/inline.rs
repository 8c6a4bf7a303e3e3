use events_protocol::event_handler;

#[event_handler(name = "user:profile:get", version = 1, inline = true)]
fn inline_with_a_value() {}

#[event_handler(name = "user:profile:set", version = 1, inline, inline)]
fn inline_twice() {}

#[event_handler(name = "user:profile:delete", version = 1, inline)]
async fn inline_async() {}

fn main() {}
