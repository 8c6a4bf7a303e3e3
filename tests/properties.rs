//! Properties: whatever the body, the processor answers a well-formed event
//! and never panics.

use std::fmt;

use events_protocol::{Event, EventError, Json, Processor, ReadMode, Registry};
use proptest::prelude::*;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

/// The top-level keys of a JSON object, in the order written.
struct KeyOrder(Vec<String>);

impl<'de> serde::Deserialize<'de> for KeyOrder {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> Visitor<'de> for Keys {
            type Value = KeyOrder;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyOrder, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.push(key);
                }
                Ok(KeyOrder(keys))
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

const KEYS: [&str; 8] = [
    "name", "version", "id", "flowId", "payload", "identity", "auth", "metadata",
];

fn processors() -> [Processor; 2] {
    #[derive(serde::Deserialize)]
    struct Typed {
        #[allow(dead_code, reason = "read to check the payload's shape")]
        count: u32,
    }
    let mut registry = Registry::new();
    registry
        .register("prop:echo", 1, |event: &Event<'_>| {
            events_protocol::Response::from_raw("response", event.payload().to_owned())
        })
        .and_then(|r| {
            r.register("prop:typed", 1, |event: &Event<'_>| {
                let typed: Typed = event.payload_as()?;
                Ok::<_, EventError>(Json(typed.count))
            })
        })
        .expect("distinct handlers");
    let registry = std::sync::Arc::new(registry);
    [
        Processor::with_registry(registry.clone()),
        Processor::with_registry(registry).read_mode(ReadMode::Strict),
    ]
}

/// Asserts that `answer` is one well-formed event: JSON, the eight keys in
/// order, readable strictly.
fn assert_well_formed(answer: &str) -> Result<(), TestCaseError> {
    let keys: KeyOrder = serde_json::from_str(answer)
        .map_err(|e| TestCaseError::fail(format!("not a JSON object: {e}: {answer}")))?;
    prop_assert_eq!(keys.0, KEYS.map(str::to_owned).to_vec());
    prop_assert!(
        Event::from_json_strict(answer).is_ok(),
        "not a strict event: {}",
        answer
    );
    Ok(())
}

const VALID: &str = r#"{"name":"prop:typed","version":1,"id":"i","flowId":"f","payload":{"count":3},"identity":{"userId":1},"auth":{"token":"t"},"metadata":{"origin":"p"}}"#;

/// One edit of a body.
#[derive(Clone, Debug)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Replace { at: usize, byte: u8 },
    Repeat { at: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0..VALID.len();
    prop_oneof![
        (at.clone(), 1..8usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (
            at.clone(),
            prop::collection::vec(
                prop_oneof![
                    any::<u8>(),
                    prop::sample::select(b"{}[]:,\"\\0123456789-.eEtrufalsn ".to_vec())
                ],
                1..6
            )
        )
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (at.clone(), any::<u8>()).prop_map(|(at, byte)| Mutation::Replace { at, byte }),
        (at, 1..40usize).prop_map(|(at, len)| Mutation::Repeat { at, len }),
    ]
}

fn apply(body: &mut Vec<u8>, mutation: &Mutation) {
    let clamp = |at: usize, body: &Vec<u8>| at.min(body.len());
    match mutation {
        Mutation::Delete { at, len } => {
            let start = clamp(*at, body);
            let end = clamp(start + len, body);
            body.drain(start..end);
        }
        Mutation::Insert { at, bytes } => {
            let at = clamp(*at, body);
            body.splice(at..at, bytes.iter().copied());
        }
        Mutation::Replace { at, byte } => {
            if let Some(slot) = body.get_mut(*at) {
                *slot = *byte;
            }
        }
        Mutation::Repeat { at, len } => {
            let start = clamp(*at, body);
            let end = clamp(start + len, body);
            let copy = body[start..end].to_vec();
            body.splice(end..end, copy);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_bytes_get_a_well_formed_event(body in prop::collection::vec(any::<u8>(), 0..256)) {
        for processor in processors() {
            assert_well_formed(&processor.process_bytes(&body))?;
        }
    }

    #[test]
    fn any_mutation_of_a_valid_event_gets_a_well_formed_event(
        mutations in prop::collection::vec(mutation(), 1..5)
    ) {
        let mut body = VALID.as_bytes().to_vec();
        for mutation in &mutations {
            apply(&mut body, mutation);
        }
        for processor in processors() {
            assert_well_formed(&processor.process_bytes(&body))?;
        }
    }

    #[test]
    fn any_json_value_as_payload_is_answered(payload in json_value()) {
        let body = format!(
            r#"{{"name":"prop:echo","version":1,"id":"i","flowId":"f","payload":{payload}}}"#
        );
        let [lenient, _] = processors();
        let answer = lenient.process(&body);
        assert_well_formed(&answer)?;
        let echoed = Event::from_json(&answer).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(echoed.payload().get(), payload.as_str());
    }
}

/// Compact JSON texts of any shape.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "-?(0|[1-9][0-9]{0,39})\\.[0-9]{1,40}",
        any::<String>().prop_map(|s| serde_json::to_string(&s).expect("strings serialise")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec(("[a-z]{1,6}", inner), 0..6).prop_map(|entries| {
                let mut seen = std::collections::HashSet::new();
                let fields: Vec<String> = entries
                    .into_iter()
                    .filter(|(key, _)| seen.insert(key.clone()))
                    .map(|(key, value)| format!("\"{key}\":{value}"))
                    .collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}
