//! The macros of `events-protocol`: `#[event_handler]` and
//! `#[derive(EventRequest)]`. Use them through the `events-protocol` crate,
//! which re-exports them.
