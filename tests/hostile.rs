//! Hostile bodies: each gets its exact answer, and none panics or overflows
//! the stack.

use events_protocol::{Event, EventError, Json, Processor, Registry, Response};

fn processor() -> Processor {
    #[derive(serde::Deserialize)]
    struct Deep {
        #[allow(dead_code, reason = "read to check the payload's shape")]
        deep: serde_json::Value,
    }
    let mut registry = Registry::new();
    registry
        .register("hostile:echo", 1, |event: &Event<'_>| {
            Response::from_raw("response", event.payload().to_owned())
        })
        .and_then(|r| {
            r.register("hostile:typed", 1, |event: &Event<'_>| {
                let deep: Deep = event.payload_as()?;
                drop(deep);
                Ok::<_, EventError>(Json("read"))
            })
        })
        .expect("distinct handlers");
    Processor::from_registry(registry)
}

/// The `badProtocol` answer for one broken rule, with the given ids.
fn bad_protocol(id: &str, flow_id: &str, name: &str, error_type: &str, message: &str) -> String {
    format!(
        r#"{{"name":"badProtocol","version":1,"id":"{id}","flowId":"{flow_id}","payload":{{"code":"INVALID_COMMUNICATION_PROTOCOL","parameters":{{"propertyName":"{name}","fields":[{{"name":"{name}","errorType":"{error_type}","message":"{message}"}}]}}}},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
    )
}

/// The answer's id and flowId, checked to be fresh UUIDs v4.
fn fresh_ids(answer: &str) -> (String, String) {
    let event = Event::from_json(answer).expect("an event");
    for id in [event.id(), event.flow_id()] {
        let uuid = uuid::Uuid::parse_str(id).expect("a UUID");
        assert_eq!(uuid.get_version_num(), 4);
    }
    (event.id().to_owned(), event.flow_id().to_owned())
}

/// Asserts that `payload` comes back from `hostile:echo` byte for byte.
fn assert_echoed(payload: &str) {
    let body = format!(
        r#"{{"name":"hostile:echo","version":1,"id":"i","flowId":"f","payload":{payload}}}"#
    );
    assert_eq!(
        processor().process(&body),
        format!(
            r#"{{"name":"hostile:echo:response","version":1,"id":"i","flowId":"f","payload":{payload},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
        )
    );
}

/// Asserts that `body` is answered `badProtocol`, `invalid_json` with
/// serde_json's `message`.
fn assert_invalid_json(body: &[u8], message: &str) {
    let answer = processor().process_bytes(body);
    let (id, flow_id) = fresh_ids(&answer);
    assert_eq!(
        answer,
        bad_protocol(&id, &flow_id, "json", "invalid_json", message)
    );
}

#[test]
fn a_payload_nested_100000_levels_passes_through_as_text() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_echoed(&deep);
}

#[test]
fn a_payload_nested_100000_levels_is_a_bad_request_for_a_typed_handler() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let body = format!(
        r#"{{"name":"hostile:typed","version":1,"id":"i","flowId":"f","payload":{{"deep":{deep}}}}}"#
    );
    // serde_json stops at its recursion limit of 128 levels: `deep` and the
    // envelope's payload object are two of them
    let path = format!("deep{}", "[0]".repeat(126));
    // through `?` the field's keys come in serde_json::Map's sorted order
    assert_eq!(
        processor().process(&body),
        format!(
            r#"{{"name":"hostile:typed:badRequest","version":1,"id":"i","flowId":"f","payload":{{"code":"MISSING_FIELDS","parameters":{{"fields":[{{"errorType":"invalid_value","message":"recursion limit exceeded","name":"{path}"}}]}}}},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
        )
    );
}

#[test]
fn an_envelope_nested_100000_levels_is_bad_protocol() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let answer = processor().process(&deep);
    let (id, flow_id) = fresh_ids(&answer);
    assert_eq!(
        answer,
        bad_protocol(
            &id,
            &flow_id,
            "json",
            "invalid_type",
            "the body must be a JSON object"
        )
    );
}

#[test]
fn a_64_mib_body_is_refused_by_its_length() {
    let body = format!(
        r#"{{"name":"hostile:echo","version":1,"payload":"{}"}}"#,
        "x".repeat(64 * 1024 * 1024)
    );
    let answer = processor().process(&body);
    let (id, flow_id) = fresh_ids(&answer);
    let message = format!(
        "the body has {} bytes, more than the limit of 2097152",
        body.len()
    );
    assert_eq!(
        answer,
        bad_protocol(&id, &flow_id, "json", "too_large", &message)
    );
}

#[test]
fn a_utf8_byte_order_mark_is_ignored() {
    let body = "\u{feff}{\"name\":\"hostile:echo\",\"version\":1,\"id\":\"i\",\"flowId\":\"f\",\"payload\":1}";
    assert_eq!(
        processor().process_bytes(body.as_bytes()),
        r#"{"name":"hostile:echo:response","version":1,"id":"i","flowId":"f","payload":1,"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn only_one_byte_order_mark_is_ignored() {
    let body = "\u{feff}\u{feff}{\"name\":\"hostile:echo\",\"version\":1,\"payload\":1}";
    assert_invalid_json(body.as_bytes(), "expected value at line 1 column 1");
}

#[test]
fn nul_bytes_outside_strings_are_bad_protocol() {
    assert_invalid_json(
        b"{\"name\":\"hostile:echo\",\0\"version\":1}",
        "key must be a string at line 1 column 24",
    );
}

#[test]
fn an_escaped_nul_in_a_name_is_looked_up_and_written_escaped() {
    let body = r#"{"name":"a\u0000b","version":1,"id":"i","flowId":"f"}"#;
    assert_eq!(
        processor().process(body),
        r#"{"name":"a\u0000b:notFound","version":1,"id":"i","flowId":"f","payload":{"code":"EVENT_NOT_FOUND","parameters":{"message":"Event Name a\u0000b of version 1 was not found","event":"a\u0000b","version":1}},"identity":{},"auth":{},"metadata":{}}"#
    );
}

#[test]
fn a_1_mib_event_name_is_answered_not_found() {
    let name = "n".repeat(1024 * 1024);
    let body = format!(r#"{{"name":"{name}","version":1,"id":"i","flowId":"f"}}"#);
    assert_eq!(
        processor().process(&body),
        format!(
            r#"{{"name":"{name}:notFound","version":1,"id":"i","flowId":"f","payload":{{"code":"EVENT_NOT_FOUND","parameters":{{"message":"Event Name {name} of version 1 was not found","event":"{name}","version":1}}}},"identity":{{}},"auth":{{}},"metadata":{{}}}}"#
        )
    );
}

#[test]
fn numbers_of_10000_digits_pass_through_in_the_payload() {
    let number = format!("9{}.{}", "0".repeat(4_999), "1".repeat(5_000));
    assert_echoed(&format!("[{number},-{number}]"));
}

#[test]
fn a_version_of_10000_digits_is_bad_protocol() {
    let body = format!(
        r#"{{"name":"hostile:echo","version":{},"id":"i","flowId":"f"}}"#,
        "9".repeat(10_000)
    );
    assert_eq!(
        processor().process(&body),
        bad_protocol(
            "i",
            "f",
            "version",
            "invalid_value",
            "is out of the range of a 64-bit integer"
        )
    );
}

#[test]
fn a_version_of_2_pow_64_is_bad_protocol() {
    for version in ["18446744073709551616", "\"18446744073709551616\""] {
        let body =
            format!(r#"{{"name":"hostile:echo","version":{version},"id":"i","flowId":"f"}}"#);
        let message = if version.starts_with('"') {
            "must be a base-10 integer in the 64-bit range"
        } else {
            "is out of the range of a 64-bit integer"
        };
        assert_eq!(
            processor().process(&body),
            bad_protocol("i", "f", "version", "invalid_value", message)
        );
    }
}

#[test]
fn a_key_repeated_10000_times_is_reported_once() {
    let repeats = r#""extra":1,"#.repeat(10_000);
    let body = format!(r#"{{{repeats}"name":"hostile:echo","version":1,"id":"i","flowId":"f"}}"#);
    assert_eq!(
        processor().process(&body),
        bad_protocol("i", "f", "extra", "duplicate_key", "the key is repeated")
    );
}

#[test]
fn many_distinct_repeated_keys_list_at_most_sixteen_problems() {
    let keys: String = (0..10_000)
        .map(|n| format!(r#""k{n}":1,"k{n}":2,"#))
        .collect();
    let body = format!(r#"{{{keys}"name":"hostile:echo","version":1,"id":"i","flowId":"f"}}"#);
    let answer = processor().process(&body);
    let event = Event::from_json(&answer).expect("an event");
    #[derive(serde::Deserialize)]
    struct Payload {
        parameters: Parameters,
    }
    #[derive(serde::Deserialize)]
    struct Parameters {
        fields: Vec<serde_json::Value>,
    }
    let payload: Payload = event.payload_as().expect("an error payload");
    assert_eq!(payload.parameters.fields.len(), 16);
    assert_eq!(payload.parameters.fields[15]["name"], "k15");
}
