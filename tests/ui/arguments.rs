use events_protocol::event_handler;

#[event_handler(name = "user:profile:get", version = 1, timeout = 5)]
fn unknown() {}

#[event_handler(name = "user:profile:get", version = 1, version = 2)]
fn repeated() {}

#[event_handler(name = "user:profile:get", legacy_name = "UserProfileGet", version = 1)]
fn name_and_legacy_name() {}

#[event_handler(name = user_profile_get, version = 1)]
fn name_not_a_string() {}

#[event_handler(name = "user:profile:get", version = 1, crate = "not a path")]
fn crate_not_a_path() {}

#[event_handler(name = "user:profile:get", name = "user:profile:set", version = 1)]
fn name_twice() {}

#[event_handler(name = "user:profile:get", version = 1, crate = ::events_protocol)]
fn crate_not_a_string() {}

#[event_handler(name("user:profile:get"), version = 1, response, request = "Named")]
fn forms() {}

// a syntax error in one value, and the arguments after it still checked
#[event_handler(name = "user:profile:get", response = [u8;], version = 0)]
fn past_a_syntax_error() {}

fn main() {}
