//! Properties: whatever the body, the processor answers a well-formed event
//! and never panics; the one-pass reader of plain bodies reads every body it
//! takes as serde_json does.

use std::fmt;

use events_protocol::{Event, EventError, Json, Processor, Registry, processor::ReadMode};
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
        Processor::from_registry(registry.clone()),
        Processor::from_registry(registry).with_read_mode(ReadMode::Strict),
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
        if let Ok(text) = std::str::from_utf8(&body) {
            assert_readers_agree(text)?;
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

    #[test]
    fn ids_come_back_as_they_were_sent(id in any::<String>(), flow_id in any::<String>()) {
        let body = serde_json::json!({
            "name": "prop:echo", "version": 1, "id": id, "flowId": flow_id, "payload": 1
        })
        .to_string();
        let [lenient, _] = processors();
        let answer = lenient.process(&body);
        assert_well_formed(&answer)?;
        let answered = Event::from_json(&answer).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(answered.name(), "prop:echo:response");
        prop_assert_eq!((answered.id(), answered.flow_id()), (id.as_str(), flow_id.as_str()));
    }

    #[test]
    fn the_one_pass_reader_agrees_with_serde_json_on_any_envelope(body in envelope()) {
        assert_readers_agree(&body)?;
    }
}

#[test]
fn the_one_pass_reader_takes_the_bodies_clients_write() {
    let spaced = serde_json::to_string_pretty(
        &serde_json::from_str::<serde_json::Value>(VALID).expect("JSON"),
    )
    .expect("JSON");
    for body in [VALID, spaced.as_str()] {
        match events_protocol::__testing::readers_agree(body) {
            Ok(taken) => assert!(taken, "not taken: {body}"),
            Err(difference) => panic!("{difference}"),
        }
    }
}

#[test]
fn the_envelopes_generated_reach_both_readers() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = envelope();
    let mut taken = 0;
    for _ in 0..1000 {
        let body = strategy.new_tree(&mut runner).expect("a body").current();
        if matches!(events_protocol::__testing::readers_agree(&body), Ok(true)) {
            taken += 1;
        }
    }
    // the property above compares the readers only on the bodies the
    // one-pass reader takes: both kinds must be frequent
    assert!((200..=800).contains(&taken), "{taken} of 1000 taken");
}

/// Asserts that the one-pass reader agrees with serde_json on `body`.
fn assert_readers_agree(body: &str) -> Result<bool, TestCaseError> {
    events_protocol::__testing::readers_agree(body)
        .map_err(|difference| TestCaseError::fail(difference.to_string()))
}

/// A value for one of the envelope's keys: mostly the right kind, sometimes
/// not, sometimes with escapes.
fn envelope_value(key: &'static str) -> BoxedStrategy<String> {
    let string = prop_oneof![
        6 => "[a-z:0-9-]{1,40}".prop_map(|s| format!("\"{s}\"")),
        1 => any::<String>().prop_map(|s| serde_json::to_string(&s).expect("strings serialise")),
    ];
    match key {
        "version" => prop_oneof![
            6 => any::<i64>().prop_map(|n| n.to_string()),
            1 => "-?[0-9]{1,21}(\\.[0-9])?(e[0-9])?",
            1 => prop::sample::select(vec!["\"7\"", "null", "-", "-0", "01"]).prop_map(str::to_owned),
        ]
        .boxed(),
        "identity" => prop_oneof![
            4 => json_value().prop_map(|value| format!("{{\"k\": {value}}}")),
            1 => json_value(),
            3 => identity_with_user(),
        ]
        .boxed(),
        "auth" => prop_oneof![
            6 => json_value().prop_map(|value| format!("{{\"k\": {value}}}")),
            1 => json_value(),
        ]
        .boxed(),
        "metadata" => prop_oneof![
            4 => json_value().prop_map(|value| format!("{{\"k\": {value}}}")),
            1 => json_value(),
            3 => metadata_with_trace(),
        ]
        .boxed(),
        "payload" => json_value().boxed(),
        _ => prop_oneof![6 => string, 1 => json_value()].boxed(),
    }
}

/// An `identity` with `userId` and `user` members (read for the span and
/// the log line): ids as integers, strings or anything, now and then
/// repeated or behind an escaped key.
fn identity_with_user() -> impl Strategy<Value = String> {
    let id = prop_oneof![
        3 => any::<i64>().prop_map(|n| n.to_string()),
        2 => any::<i64>().prop_map(|n| format!("\"{n}\"")),
        1 => json_value(),
    ];
    let member = prop_oneof![
        3 => id.clone().prop_map(|id| format!(r#""userId":{id}"#)),
        3 => (id, prop::option::of(json_value())).prop_map(|(id, other)| match other {
            Some(other) => format!(r#""user":{{"type":{other},"id":{id}}}"#),
            None => format!(r#""user":{{"id":{id}}}"#),
        }),
        1 => json_value().prop_map(|value| format!(r#""user":{value}"#)),
        1 => json_value().prop_map(|value| format!(r#""user\u0049d":{value}"#)),
    ];
    prop::collection::vec(member, 0..4).prop_map(|members| format!("{{{}}}", members.join(",")))
}

/// A `metadata` with a `trace` member (PROTOCOL.md §8) among others: W3C or
/// Datadog keys, good or broken, now and then not an object, repeated, or
/// behind an escaped key.
fn metadata_with_trace() -> impl Strategy<Value = String> {
    let traceparent = prop_oneof![
        Just("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned()),
        "[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-0[01]",
        "[0-9a-fA-Fx-]{0,60}",
    ];
    let trace = prop_oneof![
        4 => (traceparent, prop::option::of("[a-z]{1,8}=[a-z0-9]{1,8}")).prop_map(|(parent, state)| {
            match state {
                Some(state) => format!(r#"{{"traceparent":"{parent}","tracestate":"{state}"}}"#),
                None => format!(r#"{{"traceparent":"{parent}"}}"#),
            }
        }),
        2 => ("[0-9]{1,21}", "[0-9]{1,21}").prop_map(|(trace, parent)| {
            format!(r#"{{"x-datadog-trace-id":"{trace}","x-datadog-parent-id":"{parent}","x-datadog-sampling-priority":"1"}}"#)
        }),
        1 => json_value(),
    ];
    let key = prop::sample::select(vec![
        r#""trace""#,
        r#""trace""#,
        r#""tr\u0061ce""#,
        r#""traces""#,
    ]);
    (
        prop::collection::vec((key, trace), 1..3),
        prop::option::of(json_value()),
    )
        .prop_map(|(traces, other)| {
            let mut members: Vec<String> = traces
                .into_iter()
                .map(|(key, value)| format!("{key}: {value}"))
                .collect();
            if let Some(other) = other {
                members.insert(0, format!(r#""origin":{other}"#));
            }
            format!("{{{}}}", members.join(","))
        })
}

/// Envelopes: `name` and `version` (now and then not), some of the other
/// keys, now and then an unknown or repeated one, in any order, compact or
/// spaced as Python's `json.dumps` writes them.
fn envelope() -> impl Strategy<Value = String> {
    let keys = (
        prop::sample::subsequence(KEYS[2..].to_vec(), 0..=KEYS.len() - 2),
        prop_oneof![
            8 => Just(vec!["name", "version"]),
            1 => Just(vec!["name"]),
            1 => Just(vec!["version"]),
        ],
        prop::option::weighted(
            0.1,
            prop::sample::select(vec!["name", "flow_id", "other", "id"]),
        ),
    )
        .prop_map(|(mut keys, required, extra)| {
            keys.extend(required);
            keys.extend(extra);
            keys
        })
        .prop_shuffle();
    (keys, prop::sample::select(vec![",", ", ", " ,\n\t"]))
        .prop_flat_map(|(keys, separator)| {
            let values: Vec<_> = keys
                .iter()
                .map(|&key| envelope_value(key).prop_map(move |value| (key, value)))
                .collect();
            (values, Just(separator))
        })
        .prop_map(|(members, separator)| {
            let members: Vec<String> = members
                .into_iter()
                .map(|(key, value)| format!("\"{key}\": {value}"))
                .collect();
            format!("{{{}}}", members.join(separator))
        })
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
