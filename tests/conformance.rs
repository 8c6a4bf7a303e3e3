//! Runs every case of `tests/conformance/*.cases` (see the README there)
//! against a processor serving the handlers below.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use events_protocol::{
    Event, EventContext, EventError, IntoResponse, Json, Processor, Redirect, Registry, Response,
    error::EventErrorType,
    processor::{NotFoundStyle, ReadMode},
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The handlers the cases call.
fn registry() -> Registry {
    #[derive(Deserialize)]
    struct Customer {
        name: String,
        address: Address,
    }
    #[derive(Deserialize)]
    struct Address {
        zip: String,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Order {
        count: u8,
        kind: Kind,
    }
    #[derive(Deserialize, Serialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Book,
        Pen,
    }
    #[derive(Deserialize)]
    struct Failure {
        #[serde(rename = "type")]
        error_type: String,
        code: String,
    }
    #[derive(Deserialize)]
    struct Identity {
        user: User,
    }
    #[derive(Deserialize)]
    struct User {
        id: u64,
    }
    /// A value whose serialisation always fails.
    struct Unserializable;
    impl Serialize for Unserializable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom(
                "internal state that must stay private",
            ))
        }
    }

    let mut registry = Registry::new();
    registry
        .register("test:echo", 1, |event: &Event<'_>| {
            Response::from_raw("response", event.payload().to_owned())
        })
        .and_then(|r| {
            r.register("test:greet", 1, |event: &Event<'_>| {
                match event.payload_as::<Customer>() {
                    Ok(customer) => Response::success(&json!({
                        "greeting": format!("hello, {}", customer.name),
                        "zip": customer.address.zip,
                    })),
                    Err(error) => error.into_response(),
                }
            })
        })
        .and_then(|r| {
            r.register("test:order", 1, |event: &Event<'_>| {
                match event.payload_as::<Order>() {
                    Ok(order) => {
                        Response::success(&json!({"count": order.count, "kind": order.kind}))
                    }
                    Err(error) => error.into_response(),
                }
            })
        })
        .and_then(|r| {
            r.register("test:fail", 1, |event: &Event<'_>| {
                let failure: Failure = event
                    .payload_as()
                    .map_err(|_| EventError::bad_request("BAD_TEST_INPUT"))?;
                let error_type = EventErrorType::from_suffix(&failure.error_type);
                Err::<Json<()>, _>(EventError::new(error_type, failure.code))
            })
        })
        .and_then(|r| {
            r.register("test:fail_with_parameters", 1, |_: &Event<'_>| {
                Err::<Json<()>, _>(
                    EventError::unprocessable("LIMIT_EXCEEDED")
                        .with("limit", 100)
                        .with("asked", 250),
                )
            })
        })
        .and_then(|r| {
            r.register("test:redirect", 1, |_: &Event<'_>| {
                Redirect::to("https://example.com/login").with_query("next", "/home")
            })
        })
        .and_then(|r| {
            r.register("test:panic", 1, |_: &Event<'_>| -> Response {
                panic!("secret detail of the panic")
            })
        })
        .and_then(|r| {
            r.register("test:unserializable", 1, |_: &Event<'_>| {
                Json(Unserializable)
            })
        })
        .and_then(|r| {
            r.register("test:whoami", 1, |event: &Event<'_>| {
                match event.identity_as::<Identity>() {
                    Ok(identity) => Response::success(&json!({"userId": identity.user.id})),
                    Err(error) => error.into_response(),
                }
            })
        })
        .and_then(|r| {
            r.register("test:custom", 1, |_: &Event<'_>| {
                Response::new("accepted", &json!({"queued": true}))
                    .with_identity(&json!({"userId": 7}))
                    .with_metadata(&json!({"origin": "conformance"}))
            })
        })
        .and_then(|r| {
            r.register("test:context", 1, |_: &Event<'_>| {
                let context = EventContext::current();
                Json(context.map(|c| json!({"id": c.id(), "flowId": c.flow_id()})))
            })
        })
        .and_then(|r| r.register("test:versioned", 2, |_: &Event<'_>| Json("version two")))
        .and_then(|r| {
            r.register_async("test:async", 1, |event: Event<'static>| async move {
                let context = EventContext::current();
                Json(json!({
                    "name": event.name(),
                    "sameFlow": context.is_some_and(|c| c.flow_id() == event.flow_id()),
                }))
            })
        })
        .and_then(|r| {
            r.register("Legacy Name!", 1, |_: &Event<'_>| {
                Json("names are only looked up")
            })
        })
        .expect("the conformance handlers are distinct");
    registry
}

/// One case of a `.cases` file.
#[derive(Debug)]
struct Case {
    file: String,
    name: String,
    options: Vec<String>,
    body: String,
    expect: String,
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

fn load_cases() -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/conformance exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "cases"))
        .collect();
    files.sort();
    files.iter().flat_map(|path| parse_cases(path)).collect()
}

fn parse_cases(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).expect("readable case file");
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut cases = Vec::new();
    for chunk in text.split("\n=== ").skip(1) {
        let (name, rest) = chunk.split_once('\n').expect("a case has a body");
        let (head, rest) = rest.split_once("\nbody:\n").unwrap_or_else(|| {
            rest.strip_prefix("body:\n")
                .map(|r| ("", r))
                .unwrap_or_else(|| panic!("{file}: case {name} has no `body:`"))
        });
        let (body, expect) = rest
            .split_once("\nexpect:\n")
            .or_else(|| rest.strip_prefix("expect:\n").map(|e| ("", e)))
            .unwrap_or_else(|| panic!("{file}: case {name} has no `expect:`"));
        let options = head
            .lines()
            .find_map(|line| line.strip_prefix("options:"))
            .map(|o| o.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        assert!(
            head.lines().any(|line| line.starts_with("rule: ")),
            "{file}: case {name} names no rule"
        );
        cases.push(Case {
            file: file.clone(),
            name: name.trim().to_owned(),
            options,
            body: body.to_owned(),
            expect: expect.trim_end_matches('\n').to_owned(),
        });
    }
    cases
}

fn processor_for(case: &Case, registry: &std::sync::Arc<Registry>) -> Processor {
    let mut processor = Processor::from_registry(registry.clone());
    for option in &case.options {
        processor = match option.as_str() {
            "strict" => processor.with_read_mode(ReadMode::Strict),
            "kotlin" => processor.with_not_found_style(NotFoundStyle::Kotlin),
            other => match other.strip_prefix("max_body=") {
                Some(limit) => processor.with_max_body_bytes(limit.parse().expect("a number")),
                None => panic!("{}: unknown option {other}", case.name),
            },
        };
    }
    processor
}

/// Matches `actual` against `expect`, where `<uuid>` stands for any UUID v4;
/// returns the UUIDs found, or what differs.
fn matches(expect: &str, actual: &str) -> Result<Vec<String>, String> {
    let mut uuids = Vec::new();
    let mut rest = actual;
    let mut parts = expect.split("<uuid>").peekable();
    while let Some(part) = parts.next() {
        rest = rest.strip_prefix(part).ok_or_else(|| {
            format!(
                "expected `{part}`\n     here `{}`",
                &rest[..rest.len().min(part.len() + 40)]
            )
        })?;
        if parts.peek().is_some() {
            let candidate = rest
                .get(..36)
                .ok_or("answer ends where a UUID was expected")?;
            let uuid = uuid::Uuid::parse_str(candidate)
                .map_err(|e| format!("`{candidate}` is not a UUID: {e}"))?;
            if uuid.get_version_num() != 4 {
                return Err(format!("{uuid} is not a version 4 UUID"));
            }
            uuids.push(candidate.to_owned());
            rest = &rest[36..];
        }
    }
    if rest.is_empty() {
        Ok(uuids)
    } else {
        Err(format!("unexpected trailing text `{rest}`"))
    }
}

/// The answer with every UUID v4 replaced by `<uuid>`, as a case expects it.
fn blessed(actual: &str) -> String {
    let mut out = String::new();
    let mut rest = actual;
    while let Some(at) = rest.find('"') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let is_uuid = rest.get(..37).is_some_and(|c| {
            c.ends_with('"')
                && uuid::Uuid::parse_str(&c[..36]).is_ok_and(|u| u.get_version_num() == 4)
        });
        if is_uuid {
            out.push_str("<uuid>");
            rest = &rest[36..];
        }
    }
    out.push_str(rest);
    out
}

/// `CONFORMANCE_BLESS=1 cargo test --test conformance` writes the current
/// answers into the cases' `expect:` sections, for review with `git diff`.
fn bless(cases: &[Case], registry: &std::sync::Arc<Registry>) {
    let mut files: Vec<&str> = cases.iter().map(|c| c.file.as_str()).collect();
    files.dedup();
    for file in files {
        let path = cases_dir().join(file);
        let mut text = std::fs::read_to_string(&path).expect("readable case file");
        for case in cases.iter().filter(|c| c.file == file) {
            let answer = blessed(&processor_for(case, registry).process(&case.body));
            let marker = format!("\n=== {}\n", case.name);
            let start = text.find(&marker).expect("the case is in its file") + marker.len();
            let expect_at = start + text[start..].find("expect:\n").expect("expect section") + 8;
            let end = text[expect_at..]
                .find("\n=== ")
                .map_or(text.len(), |e| expect_at + e);
            text.replace_range(expect_at..end, &format!("{answer}\n"));
        }
        std::fs::write(&path, text).expect("writable case file");
    }
}

#[test]
fn every_conformance_case_answers_exactly() {
    let registry = std::sync::Arc::new(registry());
    let cases = load_cases();
    if std::env::var_os("CONFORMANCE_BLESS").is_some() {
        bless(&cases, &registry);
        return;
    }
    assert!(cases.len() >= 40, "only {} conformance cases", cases.len());
    let mut failures = String::new();
    for case in &cases {
        let processor = processor_for(case, &registry);
        let first = processor.process(&case.body);
        let second = processor.process(&case.body);
        let outcome = matches(&case.expect, &first).and_then(|uuids| {
            let again = matches(&case.expect, &second)?;
            if uuids.len() == 2 && uuids[0] == uuids[1] {
                return Err("id and flowId got the same UUID".to_owned());
            }
            match uuids.iter().find(|uuid| again.contains(uuid)) {
                Some(uuid) => Err(format!("{uuid} was generated twice: not fresh")),
                None => Ok(()),
            }
        });
        if let Err(why) = outcome {
            let _ = writeln!(
                failures,
                "\n{} / {}:\n  {why}\n  expect: {}\n  actual: {first}",
                case.file, case.name, case.expect
            );
        }
    }
    assert!(failures.is_empty(), "conformance failures:{failures}");
}

#[test]
fn case_names_are_unique() {
    let cases = load_cases();
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "two conformance cases share a name");
}

#[test]
fn a_panicking_handler_leaves_the_processor_serving() {
    let processor = Processor::from_registry(registry());
    let panic = processor.process(r#"{"name":"test:panic","version":1,"id":"a","flowId":"b"}"#);
    assert_eq!(
        panic,
        r#"{"name":"test:panic:error","version":1,"id":"a","flowId":"b","payload":{"code":"UNHANDLED_ERROR","parameters":{}},"identity":{},"auth":{},"metadata":{}}"#
    );
    let next =
        processor.process(r#"{"name":"test:echo","version":1,"id":"c","flowId":"d","payload":7}"#);
    assert_eq!(
        next,
        r#"{"name":"test:echo:response","version":1,"id":"c","flowId":"d","payload":7,"identity":{},"auth":{},"metadata":{}}"#
    );
}
