//! The generated code keeps working when the user's module has its own
//! `Result`, `Option`, `Ok`, `Err`, `Box`, `serde`, `core` and `str`.

#![allow(dead_code, clippy::upper_case_acronyms)]

use events_protocol::{EventContext, event_handler};

use crate::{answer, call};

/// A `Result` of one's own, with one parameter.
type Result<T> = std::result::Result<T, events_protocol::EventError>;
/// An `Option` that is not the prelude's.
enum Option {
    Nothing,
}
struct Ok;
struct Err;
struct Box;
struct Some;
struct None;
mod serde {}
mod core {}
#[allow(non_camel_case_types)]
struct str;
#[allow(non_camel_case_types)]
struct i64;

/// The payload, declared where `str` is the primitive (serde's own derive
/// would not compile next to the `str` above).
mod types {
    #[derive(serde::Deserialize)]
    pub struct Payload {
        pub n: u8,
    }
}
use types::Payload;

#[event_handler(name = "test:hygiene:sync", version = 1)]
fn sync(payload: Payload) -> Result<u8> {
    std::result::Result::Ok(payload.n + 1)
}

#[event_handler(name = "test:hygiene:async", version = 1)]
async fn asynchronous(payload: Payload, context: EventContext) -> Result<String> {
    std::result::Result::Ok(format!("{} in {}", payload.n, context.flow_id()))
}

#[test]
fn generated_code_ignores_the_user_s_names() {
    assert_eq!(
        call("test:hygiene:sync", r#"{"n":1}"#),
        answer("test:hygiene:sync:response", "2")
    );
    assert_eq!(
        call("test:hygiene:async", r#"{"n":1}"#),
        answer("test:hygiene:async:response", r#""1 in f-1""#)
    );
}
