use events_protocol::EventRequest;
use serde::Serialize;

#[derive(Serialize, EventRequest)]
#[event(name = "user:mode:set", version = 1, response = ())]
enum Mode {
    Light,
    Dark,
}

#[derive(Serialize, EventRequest)]
#[event(name = "user:profile:get", version = 1)]
struct NoResponse {
    id: u64,
}

#[derive(Serialize, EventRequest)]
struct NoAttribute {
    id: u64,
}

#[derive(Serialize, EventRequest)]
#[event(name = "User:Profile", version = 1, response = ())]
struct BadName;

#[derive(Serialize, EventRequest)]
#[event(name = "user:profile:get", version = 1, response = (), request = Other)]
struct HandlerOnlyArgument;

#[derive(Serialize, EventRequest)]
#[event(name = "user:profile:get", response = ())]
struct NoVersion;

#[derive(Serialize, EventRequest)]
#[event = "user:profile:get"]
struct NotAList;

fn main() {}
