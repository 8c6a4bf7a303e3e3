use events_protocol::{EventError, Identity, event_handler};

struct NotDeserialize;

struct NotSerialize;

struct NotAnError;

#[event_handler(name = "user:profile:get", version = 1)]
fn payload(_payload: NotDeserialize) {}

#[event_handler(name = "user:profile:set", version = 1)]
fn identity(_identity: Identity<NotDeserialize>) {}

#[event_handler(name = "user:profile:put", version = 1)]
fn answer() -> NotSerialize {
    NotSerialize
}

#[event_handler(name = "user:profile:del", version = 1)]
fn error() -> Result<u8, NotAnError> {
    Ok(1)
}

#[event_handler(name = "user:profile:patch", version = 1)]
async fn not_send() -> Result<u8, EventError> {
    let here = std::rc::Rc::new(1);
    std::future::ready(()).await;
    Ok(*here)
}

fn main() {}
