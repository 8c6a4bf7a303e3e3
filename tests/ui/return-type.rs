use events_protocol::event_handler;

#[event_handler(name = "user:profile:get", version = 1)]
fn future() -> impl std::future::Future<Output = u8> {
    async { 1 }
}

#[event_handler(name = "user:profile:set", version = 1)]
fn display() -> impl std::fmt::Display {
    1
}

#[event_handler(name = "user:profile:put", version = 1)]
fn boxed() -> Box<dyn std::fmt::Debug> {
    Box::new(1)
}

#[event_handler(name = "user:profile:del", version = 1)]
fn trait_object() -> &'static dyn std::fmt::Debug {
    &1
}

#[event_handler(name = "user:profile:patch", version = 1)]
fn never() -> ! {
    loop {}
}

fn main() {}
