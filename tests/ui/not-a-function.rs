use events_protocol::event_handler;

#[event_handler(name = "user:profile:get", version = 1)]
struct Profile {
    name: String,
}

fn main() {}
