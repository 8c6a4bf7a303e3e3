//! The registries: link-time (`inventory`) and explicit.

use events_protocol::{
    Event, Json, Processor, Registry, Response,
    registry::{HandlerFn, Registration, check_handlers},
};

fn linked(_event: &Event<'_>) -> Response {
    Response::success("linked at build time")
}

events_protocol::registry::inventory::submit! {
    Registration::new("registry:linked", 1, HandlerFn::Blocking(linked), file!(), line!())
}

#[test]
fn submitted_handlers_are_found_by_process_event() {
    assert_eq!(
        events_protocol::process_event(
            r#"{"name":"registry:linked","version":1,"id":"i","flowId":"f"}"#
        ),
        r#"{"name":"registry:linked:response","version":1,"id":"i","flowId":"f","payload":"linked at build time","identity":{},"auth":{},"metadata":{}}"#
    );
    assert!(
        Registry::global()
            .events()
            .contains(&("registry:linked", 1))
    );
    assert_eq!(check_handlers(), Ok(()));
}

#[test]
fn registering_a_pair_twice_is_refused_with_both_locations() {
    let first = |_: &Event<'_>| Json("first");
    let second = |_: &Event<'_>| Json("second");
    let mut registry = Registry::new();
    let first_line = line!() + 1;
    let accepted = registry.register("dup:event", 1, first).map(|_| ());
    let second_line = line!() + 1;
    let refused = registry.register("dup:event", 1, second).map(|_| ());
    assert_eq!(accepted, Ok(()));
    let clash = refused.expect_err("the second one is refused");
    assert_eq!(clash.name, "dup:event");
    assert_eq!(clash.version, 1);
    assert_eq!((clash.first.file, clash.first.line), (file!(), first_line));
    assert_eq!(
        (clash.second.file, clash.second.line),
        (file!(), second_line)
    );
    assert_eq!(
        clash.to_string(),
        format!(
            "event `dup:event` version 1 has two handlers: at {}:{first_line} and at {}:{second_line}",
            file!(),
            file!()
        )
    );
    // the first handler is kept
    let answer = Processor::from_registry(registry)
        .process(r#"{"name":"dup:event","version":1,"id":"i","flowId":"f"}"#);
    assert_eq!(
        answer,
        r#"{"name":"dup:event:response","version":1,"id":"i","flowId":"f","payload":"first","identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn a_static_registration_twice_is_refused() {
    let registration = Registration::new("dup:static", 1, HandlerFn::Blocking(linked), "a.rs", 1);
    let again = Registration::new("dup:static", 1, HandlerFn::Blocking(linked), "b.rs", 2);
    let mut registry = Registry::new();
    registry
        .register_static(&registration)
        .expect("the first one");
    let clash = registry
        .register_static(&again)
        .map(|_| ())
        .expect_err("the second");
    assert_eq!(
        clash.to_string(),
        "event `dup:static` version 1 has two handlers: at a.rs:1 and at b.rs:2"
    );
    assert_eq!(registry.check(), Ok(()));
}

#[test]
fn versions_of_one_name_are_separate_handlers() {
    let mut registry = Registry::new();
    registry
        .register("multi:version", 1, |_: &Event<'_>| Json(1))
        .and_then(|r| r.register("multi:version", 2, |_: &Event<'_>| Json(2)))
        .expect("distinct versions");
    assert_eq!(
        registry.events(),
        vec![("multi:version", 1), ("multi:version", 2)]
    );
    let processor = Processor::from_registry(registry);
    for version in [1, 2] {
        let answer = processor.process(&format!(
            r#"{{"name":"multi:version","version":{version},"id":"i","flowId":"f"}}"#
        ));
        assert_eq!(
            answer,
            format!(
                r#"{{"name":"multi:version:response","version":{version},"id":"i","flowId":"f","payload":{version},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
            )
        );
    }
}

#[test]
fn several_processors_serve_their_own_registries_in_one_process() {
    let mut one = Registry::new();
    one.register("which:one", 1, |_: &Event<'_>| Json("one"))
        .expect("one handler");
    let mut two = Registry::new();
    two.register("which:one", 1, |_: &Event<'_>| Json("two"))
        .expect("one handler");
    let body = r#"{"name":"which:one","version":1,"id":"i","flowId":"f"}"#;
    let (one, two) = (Processor::from_registry(one), Processor::from_registry(two));
    assert!(one.process(body).contains(r#""payload":"one""#));
    assert!(two.process(body).contains(r#""payload":"two""#));
}
