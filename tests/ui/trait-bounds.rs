use events_protocol::{EventError, Identity, event_handler};

struct NotDeserialize;

struct NotSerialize;

struct NotAnError;

#[derive(serde::Deserialize)]
struct User {
    id: u64,
}

/// An alias hides `Identity`: without `#[view]`, it is read as the payload.
type Caller = Identity<User>;

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

#[event_handler(name = "user:profile:list", version = 1)]
fn success() -> Result<NotSerialize, EventError> {
    Ok(NotSerialize)
}

#[event_handler(name = "user:profile:find", version = 1)]
fn alias_as_payload(caller: Caller) -> u64 {
    caller.id
}

#[event_handler(name = "user:profile:copy", version = 1)]
fn not_a_view(#[view] _user: User) {}

fn main() {}
