//! Handlers and request types in a library crate of their own: a test binary
//! that links this crate serves its handlers with no registration code, and a
//! client uses its request types. The crate depends on `events-protocol`
//! under the name `ep`, so every macro here says `crate = "::ep"`.

pub mod accounts;
pub mod greetings;
