//! Trace context in `metadata.trace` (PROTOCOL.md §8): which keys are read
//! and in which order of precedence, that anything malformed is no context
//! at all, the `traceparent` header fallback, fresh ids, and what is written
//! into the metadata of the events sent on, byte for byte.

use std::fmt;

use events_protocol::trace::{Propagation, SpanId, TraceContext, TraceId, TraceStyle};
use proptest::prelude::*;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The W3C specification's example ids.
const TRACE: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;
const SPAN: u64 = 0x00f0_67aa_0ba9_02b7;
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// The `trace` object written for `context(TRACE, SPAN, true)`, W3C only.
const W3C_OBJECT: &str =
    r#"{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#;

/// A context of these ids (not zero), style W3C, no `tracestate`.
fn context(trace: u128, span: u64, sampled: bool) -> TraceContext {
    let (Some(trace), Some(span)) = (TraceId::new(trace), SpanId::new(span)) else {
        panic!("test ids are not zero");
    };
    TraceContext::new(trace, span, sampled)
}

/// Metadata holding `trace` (a JSON text) and an `origin`.
fn metadata(trace: &str) -> String {
    format!(r#"{{"origin":"app","trace":{trace}}}"#)
}

// ---------------------------------------------------------------- reading

#[test]
fn traceparent_and_tracestate_are_read() {
    let read = TraceContext::from_metadata(&metadata(&format!(
        r#"{{"traceparent":"{TRACEPARENT}","tracestate":"rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"}}"#
    )));
    assert_eq!(
        read,
        Some(context(TRACE, SPAN, true).with_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"))
    );
}

#[test]
fn trace_flags_give_the_sampled_bit_only() {
    for (flags, sampled) in [("00", false), ("01", true), ("02", false), ("ff", true)] {
        let traceparent = format!("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-{flags}");
        assert_eq!(
            TraceContext::from_metadata(&metadata(&format!(
                r#"{{"traceparent":"{traceparent}"}}"#
            ))),
            Some(context(TRACE, SPAN, sampled)),
            "{flags}"
        );
    }
}

#[test]
fn a_higher_traceparent_version_is_read_by_its_first_four_fields() {
    for traceparent in [
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds",
        "fe-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
    ] {
        assert_eq!(
            TraceContext::from_metadata(&metadata(&format!(
                r#"{{"traceparent":"{traceparent}"}}"#
            ))),
            Some(context(TRACE, SPAN, true)),
            "{traceparent}"
        );
    }
}

#[test]
fn datadog_keys_are_read_with_64_bit_ids() {
    let read = TraceContext::from_metadata(&metadata(
        r#"{"x-datadog-trace-id":"1234567890123456789","x-datadog-parent-id":"987654321","x-datadog-sampling-priority":"1","x-datadog-origin":"synthetics"}"#,
    ));
    assert_eq!(
        read,
        Some(
            context(1_234_567_890_123_456_789, 987_654_321, true).with_styles(TraceStyle::Datadog)
        )
    );
}

#[test]
fn datadog_tid_tag_gives_the_upper_64_bits() {
    let read = TraceContext::from_metadata(&metadata(
        r#"{"x-datadog-trace-id":"1234567890123456789","x-datadog-parent-id":"987654321","x-datadog-sampling-priority":"2","x-datadog-tags":"_dd.p.dm=-1,_dd.p.tid=640cfd8d00000000"}"#,
    ));
    assert_eq!(
        read,
        Some(
            context(
                (0x640c_fd8d_0000_0000 << 64) | 1_234_567_890_123_456_789,
                987_654_321,
                true
            )
            .with_styles(TraceStyle::Datadog)
        )
    );
}

#[test]
fn malformed_datadog_tags_leave_the_64_bit_trace_id() {
    for tags in [
        "_dd.p.tid=640CFD8D00000000",
        "_dd.p.tid=640cfd8d",
        "_dd.p.tid=640cfd8d00000000,_dd.p.tid=640cfd8d00000001",
        "no-equals-sign,_dd.p.tid=640cfd8d00000000",
    ] {
        let read = TraceContext::from_metadata(&metadata(&format!(
            r#"{{"x-datadog-trace-id":"77","x-datadog-parent-id":"88","x-datadog-tags":"{tags}"}}"#
        )));
        assert_eq!(
            read,
            Some(context(77, 88, false).with_styles(TraceStyle::Datadog)),
            "{tags}"
        );
    }
}

#[test]
fn datadog_sampling_priority_above_zero_is_sampled() {
    for (priority, sampled) in [
        (None, false),
        (Some("-1"), false),
        (Some("0"), false),
        (Some("1"), true),
        (Some("2"), true),
    ] {
        let priority = priority
            .map(|p| format!(r#","x-datadog-sampling-priority":"{p}""#))
            .unwrap_or_default();
        let read = TraceContext::from_metadata(&metadata(&format!(
            r#"{{"x-datadog-trace-id":"77","x-datadog-parent-id":"88"{priority}}}"#
        )));
        assert_eq!(
            read,
            Some(context(77, 88, sampled).with_styles(TraceStyle::Datadog)),
            "{priority}"
        );
    }
}

#[test]
fn w3c_wins_over_datadog_when_both_are_valid() {
    let read = TraceContext::from_metadata(&metadata(&format!(
        r#"{{"x-datadog-trace-id":"77","x-datadog-parent-id":"88","x-datadog-sampling-priority":"0","traceparent":"{TRACEPARENT}"}}"#
    )));
    assert_eq!(
        read,
        Some(context(TRACE, SPAN, true).with_styles(TraceStyle::Both))
    );
}

#[test]
fn an_invalid_traceparent_falls_back_to_datadog_without_its_tracestate() {
    let read = TraceContext::from_metadata(&metadata(
        r#"{"traceparent":"00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01","tracestate":"rojo=1","x-datadog-trace-id":"77","x-datadog-parent-id":"88","x-datadog-sampling-priority":"1"}"#,
    ));
    assert_eq!(
        read,
        Some(context(77, 88, true).with_styles(TraceStyle::Datadog))
    );
}

#[test]
fn invalid_datadog_keys_leave_the_traceparent() {
    let read = TraceContext::from_metadata(&metadata(&format!(
        r#"{{"traceparent":"{TRACEPARENT}","x-datadog-trace-id":"0","x-datadog-parent-id":"88"}}"#
    )));
    assert_eq!(read, Some(context(TRACE, SPAN, true)));
}

#[test]
fn an_invalid_tracestate_is_dropped_and_the_traceparent_kept() {
    for tracestate in [
        "Upper=1",
        "k=1,k=2",
        &(0..33)
            .map(|n| format!("k{n}=v"))
            .collect::<Vec<_>>()
            .join(","),
        &format!("k={}", "v".repeat(600)),
    ] {
        let read = TraceContext::from_metadata(&metadata(&format!(
            r#"{{"traceparent":"{TRACEPARENT}","tracestate":"{tracestate}"}}"#
        )));
        assert_eq!(read, Some(context(TRACE, SPAN, true)), "{tracestate}");
    }
}

#[test]
fn keys_are_matched_ignoring_ascii_case() {
    let read = TraceContext::from_metadata(&metadata(&format!(
        r#"{{"TraceParent":"{TRACEPARENT}","X-Datadog-Trace-Id":"77","X-DATADOG-PARENT-ID":"88"}}"#
    )));
    assert_eq!(
        read,
        Some(context(TRACE, SPAN, true).with_styles(TraceStyle::Both))
    );
}

#[test]
fn escapes_in_keys_and_values_are_decoded() {
    let read = TraceContext::from_metadata(
        r#"{"tr\u0061ce":{"trace\u0070arent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\u0031","tracestate":"k=a\"b\\c"}}"#,
    );
    assert_eq!(
        read,
        Some(context(TRACE, SPAN, true).with_tracestate(r#"k=a"b\c"#))
    );
}

#[test]
fn spaced_metadata_is_read() {
    let read = TraceContext::from_metadata(&format!(
        "{{\n  \"origin\": \"app\",\n  \"trace\" : {{ \"traceparent\" : \"{TRACEPARENT}\" }}\n}}"
    ));
    assert_eq!(read, Some(context(TRACE, SPAN, true)));
}

#[test]
fn metadata_without_a_trace_key_has_no_context() {
    for text in [
        "{}",
        r#"{"origin":"app"}"#,
        r#"{"origin":"trace","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#,
        r#"{"a":{"trace":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}}"#,
        r#"{"a\n":"\"trace\""}"#,
        r#"{"Trace":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}"#,
    ] {
        assert_eq!(TraceContext::from_metadata(text), None, "{text}");
    }
}

/// A `trace` object with one more key than allowed, each a valid one.
fn too_many_keys() -> String {
    let mut keys: Vec<String> = (0..32).map(|n| format!(r#""k{n}":"v""#)).collect();
    keys.push(format!(r#""traceparent":"{TRACEPARENT}""#));
    format!("{{{}}}", keys.join(","))
}

#[test]
fn a_malformed_or_hostile_trace_is_no_context() {
    let valid = format!(r#""traceparent":"{TRACEPARENT}""#);
    let hostile: Vec<(&str, String)> = vec![
        // not an object
        ("a string", format!(r#""{TRACEPARENT}""#)),
        ("an array", format!(r#"["{TRACEPARENT}"]"#)),
        ("null", "null".into()),
        ("a number", "1".into()),
        ("empty", "{}".into()),
        // bounds
        (
            "over 4 KiB",
            format!(r#"{{{valid},"pad":"{}"}}"#, "x".repeat(4096)),
        ),
        ("over 32 keys", too_many_keys()),
        // values that are not strings
        ("a number value", r#"{"traceparent":1}"#.into()),
        ("a null value", r#"{"traceparent":null}"#.into()),
        ("an array value", format!(r#"{{"traceparent":["{TRACEPARENT}"]}}"#)),
        (
            "an object value",
            format!(r#"{{"traceparent":{{"value":"{TRACEPARENT}"}}}}"#),
        ),
        ("a non-string value of another key", format!(r#"{{{valid},"other":true}}"#)),
        (
            "deep nesting",
            format!(
                r#"{{{valid},"deep":{}{}}}"#,
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
        ),
        // duplicated keys
        ("traceparent twice", format!(r#"{{{valid},{valid}}}"#)),
        (
            "traceparent twice in two cases",
            format!(r#"{{{valid},"TRACEPARENT":"{TRACEPARENT}"}}"#),
        ),
        (
            "a Datadog key twice",
            r#"{"x-datadog-trace-id":"77","x-datadog-parent-id":"88","x-datadog-parent-id":"88"}"#
                .into(),
        ),
        // traceparent: hex, case, zeros, lengths, versions
        (
            "uppercase hex",
            r#"{"traceparent":"00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"}"#.into(),
        ),
        (
            "uppercase flags",
            r#"{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A"}"#.into(),
        ),
        (
            "bad hex",
            r#"{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"}"#.into(),
        ),
        (
            "zero trace id",
            r#"{"traceparent":"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}"#.into(),
        ),
        (
            "zero parent id",
            r#"{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"}"#.into(),
        ),
        (
            "short trace id",
            r#"{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"}"#.into(),
        ),
        (
            "long parent id",
            r#"{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b71-01"}"#.into(),
        ),
        (
            "version 00 with more",
            r#"{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-"}"#.into(),
        ),
        (
            "version ff",
            r#"{"traceparent":"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#.into(),
        ),
        (
            "a higher version with no dash after its fields",
            r#"{"traceparent":"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"}"#.into(),
        ),
        (
            "underscores for dashes",
            r#"{"traceparent":"00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01"}"#.into(),
        ),
        (
            "spaces around",
            r#"{"traceparent":" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#.into(),
        ),
        // Datadog: zeros, signs, overflow, missing halves, bad priority
        (
            "zero Datadog trace id",
            r#"{"x-datadog-trace-id":"0","x-datadog-parent-id":"88"}"#.into(),
        ),
        (
            "zero Datadog parent id",
            r#"{"x-datadog-trace-id":"77","x-datadog-parent-id":"0"}"#.into(),
        ),
        (
            "negative Datadog id",
            r#"{"x-datadog-trace-id":"-77","x-datadog-parent-id":"88"}"#.into(),
        ),
        (
            "Datadog id over 64 bits",
            r#"{"x-datadog-trace-id":"18446744073709551616","x-datadog-parent-id":"88"}"#.into(),
        ),
        (
            "hex Datadog id",
            r#"{"x-datadog-trace-id":"4d","x-datadog-parent-id":"88"}"#.into(),
        ),
        ("Datadog trace id alone", r#"{"x-datadog-trace-id":"77"}"#.into()),
        (
            "Datadog parent id alone",
            r#"{"x-datadog-parent-id":"88","x-datadog-sampling-priority":"1"}"#.into(),
        ),
        (
            "bad Datadog priority",
            r#"{"x-datadog-trace-id":"77","x-datadog-parent-id":"88","x-datadog-sampling-priority":"yes"}"#
                .into(),
        ),
        // a tracestate alone is no context
        ("tracestate alone", r#"{"tracestate":"rojo=1"}"#.into()),
    ];
    for (what, trace) in &hostile {
        assert_eq!(
            TraceContext::from_metadata(&metadata(trace)),
            None,
            "{what}: {trace}"
        );
    }
}

#[test]
fn a_repeated_trace_key_is_no_context() {
    let trace = format!(r#"{{"traceparent":"{TRACEPARENT}"}}"#);
    for text in [
        format!(r#"{{"trace":{trace},"trace":{trace}}}"#),
        format!(r#"{{"trace":{trace},"tr\u0061ce":{trace}}}"#),
    ] {
        assert_eq!(TraceContext::from_metadata(&text), None, "{text}");
    }
}

#[test]
fn metadata_that_is_not_an_object_has_no_context() {
    let trace = format!(r#"{{"traceparent":"{TRACEPARENT}"}}"#);
    for text in [
        String::new(),
        "null".into(),
        format!(r#"["trace",{trace}]"#),
        "\"trace\"".to_owned(),
        format!(r#"{{"trace":{trace}}} {{}}"#),
        format!(r#"{{"trace":{trace}"#),
    ] {
        assert_eq!(TraceContext::from_metadata(&text), None, "{text}");
    }
}

// ---------------------------------------------------------- the headers

#[test]
fn the_traceparent_header_is_the_fallback() {
    let read = TraceContext::extract(
        r#"{"origin":"app"}"#,
        Some(" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00\t"),
        Some("rojo=00f067aa0ba902b7"),
    );
    assert_eq!(
        read,
        Some(context(TRACE, SPAN, false).with_tracestate("rojo=00f067aa0ba902b7"))
    );
}

#[test]
fn the_event_wins_over_the_headers() {
    let read = TraceContext::extract(
        &metadata(r#"{"x-datadog-trace-id":"77","x-datadog-parent-id":"88"}"#),
        Some(TRACEPARENT),
        Some("rojo=00f067aa0ba902b7"),
    );
    assert_eq!(
        read,
        Some(context(77, 88, false).with_styles(TraceStyle::Datadog))
    );
}

#[test]
fn a_malformed_trace_in_the_event_is_no_trace_and_the_header_counts() {
    let read = TraceContext::extract(
        &metadata(r#"{"traceparent":"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}"#),
        Some(TRACEPARENT),
        None,
    );
    assert_eq!(read, Some(context(TRACE, SPAN, true)));
}

#[test]
fn a_malformed_header_is_no_context() {
    let none = TraceContext::extract(
        &metadata(r#"{"traceparent":"garbage"}"#),
        Some("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
        Some("rojo=1"),
    );
    assert_eq!(none, None);
    assert_eq!(TraceContext::extract("{}", None, Some("rojo=1")), None);
    assert_eq!(
        TraceContext::from_traceparent_header(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"
        ),
        None
    );
}

#[test]
fn an_invalid_tracestate_header_is_dropped() {
    let read = TraceContext::extract("{}", Some(TRACEPARENT), Some("Rojo=1"));
    assert_eq!(read, Some(context(TRACE, SPAN, true)));
}

// ------------------------------------------------------------- new ids

#[test]
fn root_contexts_are_fresh_sampled_w3c_traces() {
    let roots: Vec<TraceContext> = (0..10_000).map(|_| TraceContext::root()).collect();
    let mut trace_ids: Vec<u128> = roots.iter().map(|c| c.trace_id().get()).collect();
    let mut span_ids: Vec<u64> = roots.iter().map(|c| c.span_id().get()).collect();
    trace_ids.sort_unstable();
    trace_ids.dedup();
    span_ids.sort_unstable();
    span_ids.dedup();
    assert_eq!((trace_ids.len(), span_ids.len()), (10_000, 10_000));
    assert_eq!(trace_ids.first().map(|&id| id != 0), Some(true));
    assert_eq!(span_ids.first().map(|&id| id != 0), Some(true));
    for root in &roots {
        assert_eq!(
            (root.sampled(), root.tracestate(), root.styles()),
            (true, None, TraceStyle::W3c)
        );
        assert_eq!(
            TraceContext::from_traceparent_header(&root.traceparent()).as_ref(),
            Some(root)
        );
    }
}

#[test]
fn a_child_keeps_all_but_the_span_id() {
    let parent = context(TRACE, SPAN, false)
        .with_tracestate("rojo=1")
        .with_styles(TraceStyle::Both);
    let child = parent.child();
    assert_ne!(child.span_id(), parent.span_id());
    assert_eq!(
        child.clone(),
        context(TRACE, child.span_id().get(), false)
            .with_tracestate("rojo=1")
            .with_styles(TraceStyle::Both)
    );
}

#[test]
fn ids_show_as_lowercase_hex() {
    let context = context(TRACE, SPAN, true);
    assert_eq!(
        (
            context.trace_id().to_string(),
            context.span_id().to_string(),
            context.traceparent()
        ),
        (
            "4bf92f3577b34da6a3ce929d0e0e4736".to_owned(),
            "00f067aa0ba902b7".to_owned(),
            TRACEPARENT.to_owned()
        )
    );
}

// ------------------------------------------------------------- writing

#[test]
fn inject_adds_trace_after_the_other_keys_byte_for_byte() {
    let context = context(TRACE, SPAN, true);
    for (metadata, expected) in [
        ("{}", format!(r#"{{"trace":{W3C_OBJECT}}}"#)),
        ("{ }", format!(r#"{{"trace":{W3C_OBJECT} }}"#)),
        (
            r#"{"origin":"app","n":1}"#,
            format!(r#"{{"origin":"app","n":1,"trace":{W3C_OBJECT}}}"#),
        ),
        (
            r#"{"origin": "app", "n": 1.50, "big": 123456789012345678901234567890}"#,
            format!(
                r#"{{"origin": "app", "n": 1.50, "big": 123456789012345678901234567890,"trace":{W3C_OBJECT}}}"#
            ),
        ),
        (
            r#"{"a\"b": "\u00e9\n", "c\\": ["trace", {"trace": 1}]}"#,
            format!(
                r#"{{"a\"b": "\u00e9\n", "c\\": ["trace", {{"trace": 1}}],"trace":{W3C_OBJECT}}}"#
            ),
        ),
        (
            "{\n  \"origin\": \"app\"\n}\n",
            format!("{{\n  \"origin\": \"app\",\"trace\":{W3C_OBJECT}\n}}\n"),
        ),
    ] {
        assert_eq!(
            context.inject(metadata, Propagation::AsReceived),
            expected,
            "{metadata}"
        );
    }
}

#[test]
fn inject_replaces_an_existing_trace_in_place() {
    let context = context(TRACE, SPAN, true);
    for (metadata, expected) in [
        (
            r#"{"trace": {"traceparent": "old"}, "origin": "app"}"#,
            format!(r#"{{"trace": {W3C_OBJECT}, "origin": "app"}}"#),
        ),
        (
            r#"{"origin":"app","trace":null}"#,
            format!(r#"{{"origin":"app","trace":{W3C_OBJECT}}}"#),
        ),
        (
            r#"{"tr\u0061ce":[1,2]}"#,
            format!(r#"{{"tr\u0061ce":{W3C_OBJECT}}}"#),
        ),
        (
            r#"{"a":1,"trace":1,"b":2 , "trace":{},"c":3,"trace":"x"}"#,
            format!(r#"{{"a":1,"trace":{W3C_OBJECT},"b":2 ,"c":3}}"#),
        ),
    ] {
        assert_eq!(
            context.inject(metadata, Propagation::AsReceived),
            expected,
            "{metadata}"
        );
    }
}

#[test]
fn inject_reads_text_that_is_not_an_object_as_empty() {
    let context = context(TRACE, SPAN, true);
    for metadata in ["", "null", " ", "[1]", "{\"a\":1", "{} {}"] {
        assert_eq!(
            context.inject(metadata, Propagation::AsReceived),
            format!(r#"{{"trace":{W3C_OBJECT}}}"#),
            "{metadata:?}"
        );
    }
}

#[test]
fn inject_appends_to_a_buffer() {
    let mut out = String::from(r#"{"metadata":"#);
    context(TRACE, SPAN, true).inject_into("{}", Propagation::AsReceived, &mut out);
    assert_eq!(out, format!(r#"{{"metadata":{{"trace":{W3C_OBJECT}}}"#));
}

#[test]
fn inject_writes_tracestate_escaped() {
    let context = context(TRACE, SPAN, true).with_tracestate(r#"rojo=a"b\c, congo=2"#);
    assert_eq!(
        context.inject("{}", Propagation::AsReceived),
        r#"{"trace":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tracestate":"rojo=a\"b\\c,congo=2"}}"#
    );
}

#[test]
fn inject_writes_datadog_keys_when_they_came_in() {
    let context = context(0x4d2, 88, true).with_styles(TraceStyle::Datadog);
    assert_eq!(
        context.inject("{}", Propagation::AsReceived),
        r#"{"trace":{"traceparent":"00-000000000000000000000000000004d2-0000000000000058-01","x-datadog-trace-id":"1234","x-datadog-parent-id":"88","x-datadog-sampling-priority":"1"}}"#
    );
}

#[test]
fn inject_writes_datadog_keys_when_asked() {
    let context = context(TRACE, SPAN, false);
    assert_eq!(
        context.inject("{}", Propagation::AlwaysDatadog),
        r#"{"trace":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00","x-datadog-trace-id":"11803532876627986230","x-datadog-parent-id":"67667974448284343","x-datadog-sampling-priority":"0","x-datadog-tags":"_dd.p.tid=4bf92f3577b34da6"}}"#
    );
}

#[test]
fn what_is_written_is_read_back() {
    let contexts = [
        context(TRACE, SPAN, true).with_tracestate("rojo=1,congo=2"),
        context(TRACE, SPAN, false),
        context(77, 88, true).with_styles(TraceStyle::Datadog),
        context(u128::MAX, u64::MAX, false).with_styles(TraceStyle::Both),
        TraceContext::root().child(),
    ];
    for context in contexts {
        for propagation in [Propagation::AsReceived, Propagation::AlwaysDatadog] {
            let written = context.inject(r#"{"origin":"app"}"#, propagation);
            let styles =
                if context.styles().has_datadog() || propagation == Propagation::AlwaysDatadog {
                    TraceStyle::Both
                } else {
                    TraceStyle::W3c
                };
            assert_eq!(
                TraceContext::from_metadata(&written),
                Some(context.clone().with_styles(styles)),
                "{written}"
            );
        }
    }
}

#[test]
fn datadog_in_is_w3c_and_datadog_out() {
    let incoming = TraceContext::from_metadata(&metadata(
        r#"{"x-datadog-trace-id":"1234","x-datadog-parent-id":"88","x-datadog-sampling-priority":"2","x-datadog-tags":"_dd.p.tid=640cfd8d00000000"}"#,
    ));
    assert_eq!(
        incoming.map(|c| c.inject(r#"{"origin":"app"}"#, Propagation::AsReceived)),
        Some(
            r#"{"origin":"app","trace":{"traceparent":"00-640cfd8d0000000000000000000004d2-0000000000000058-01","x-datadog-trace-id":"1234","x-datadog-parent-id":"88","x-datadog-sampling-priority":"1","x-datadog-tags":"_dd.p.tid=640cfd8d00000000"}}"#
                .to_owned()
        )
    );
}

// ---------------------------------------------------------- properties

/// The top-level members of a JSON object in the order written, each value
/// as its exact text (repeated keys kept).
struct Members(Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Walk;
        impl<'de> Visitor<'de> for Walk {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: &RawValue = map.next_value()?;
                    members.push((key, value.get().to_owned()));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Walk)
    }
}

/// The members whose key is not `trace`.
fn others(members: &Members) -> Vec<(String, String)> {
    members
        .0
        .iter()
        .filter(|(key, _)| key != "trace")
        .cloned()
        .collect()
}

/// A JSON string token: any text, or one of the keys read.
fn string_token() -> impl Strategy<Value = String> {
    prop_oneof![
        30 => any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
        1 => Just(r#""trace""#.to_owned()),
        1 => Just(r#""tr\u0061ce""#.to_owned()),
        1 => prop::sample::select(vec![
            "traceparent",
            "TraceParent",
            "tracestate",
            "x-datadog-trace-id",
            "X-Datadog-Parent-Id",
            "x-datadog-sampling-priority",
            "x-datadog-tags",
        ])
        .prop_map(|key| format!("\"{key}\"")),
        1 => prop::sample::select(vec![
            TRACEPARENT,
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "rojo=1,congo=2",
            "1234",
            "0",
            "-1",
            "18446744073709551616",
            "_dd.p.tid=640cfd8d00000000",
        ])
        .prop_map(|value| format!("\"{value}\"")),
    ]
}

/// Whitespace between tokens: none, Python's, or a pretty printer's.
fn space() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", "", " ", "\n  ", "\t"])
}

/// The text of an object of these members, spaced as drawn.
fn object(members: Vec<(String, String)>, spaces: (&str, &str)) -> String {
    let (after_colon, after_comma) = spaces;
    let members: Vec<String> = members
        .into_iter()
        .map(|(key, value)| format!("{key}:{after_colon}{value}"))
        .collect();
    format!(
        "{{{after_comma}{}{after_comma}}}",
        members.join(&format!(",{after_comma}"))
    )
}

/// Any JSON value's text, a few levels deep, objects with repeated keys
/// and keys read by the tracing included.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,5})?([eE][+-]?[0-9]{1,3})?",
        string_token(),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6)
                .prop_map(|items| format!("[{}]", items.join(","))),
            (
                prop::collection::vec((string_token(), inner), 0..8),
                space(),
                space()
            )
                .prop_map(|(members, colon, comma)| object(members, (colon, comma))),
        ]
    })
}

/// The keys read in `metadata.trace`, and values for each, mostly valid.
const TRACE_KEYS: [(&str, &[&str]); 7] = [
    (
        "traceparent",
        &[
            TRACEPARENT,
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-x",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        ],
    ),
    (
        "tracestate",
        &["rojo=1,congo=2", "rojo=1,rojo=2", r#"a@b=\"x"#],
    ),
    (
        "x-datadog-trace-id",
        &["1234", "18446744073709551615", "0", "-1"],
    ),
    (
        "x-datadog-parent-id",
        &["88", "1", "0", "18446744073709551616"],
    ),
    ("x-datadog-sampling-priority", &["1", "2", "0", "-1", "x"]),
    (
        "x-datadog-tags",
        &[
            "_dd.p.tid=640cfd8d00000000",
            "_dd.p.tid=640CFD8D00000000",
            "",
        ],
    ),
    ("x-datadog-origin", &["synthetics"]),
];

/// A `trace` object: distinct keys read in any order and case, each with
/// one of its values (or now and then any JSON value), and maybe another
/// key.
fn trace_object() -> impl Strategy<Value = String> {
    let member = |(key, values): (&'static str, &'static [&'static str])| {
        (
            prop_oneof![
                Just(key.to_owned()),
                Just(key.to_ascii_uppercase()),
                Just(key.replacen('t', "T", 1)),
            ],
            prop_oneof![
                40 => prop::sample::select(values).prop_map(|value| format!("\"{value}\"")),
                1 => json_value(),
            ],
        )
            .prop_map(|(key, value)| (format!("\"{key}\""), value))
    };
    (
        prop::sample::subsequence(TRACE_KEYS.to_vec(), 0..=TRACE_KEYS.len())
            .prop_shuffle()
            .prop_flat_map(move |keys| keys.into_iter().map(member).collect::<Vec<_>>()),
        prop::option::weighted(0.2, (string_token(), json_value())),
        space(),
        space(),
    )
        .prop_map(|(mut members, other, colon, comma)| {
            members.extend(other);
            object(members, (colon, comma))
        })
}

/// Metadata text: an object of any members (`trace` now and then among
/// them), and maybe a trace object at any place.
fn metadata_text() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((string_token(), json_value()), 0..6),
        prop::option::weighted(0.8, trace_object()),
        any::<prop::sample::Index>(),
        space(),
        space(),
    )
        .prop_map(|(mut members, trace, at, colon, comma)| {
            if let Some(trace) = trace {
                let at = at.index(members.len() + 1);
                members.insert(at, ("\"trace\"".to_owned(), trace));
            }
            object(members, (colon, comma))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn reading_any_metadata_never_panics(metadata in metadata_text()) {
        let read = TraceContext::from_metadata(&metadata);
        // whatever is read is written and read back the same (Datadog in:
        // W3C and Datadog out)
        if let Some(context) = read {
            let written = context.inject(&metadata, Propagation::AsReceived);
            let styles = if context.styles().has_datadog() { TraceStyle::Both } else { TraceStyle::W3c };
            prop_assert_eq!(TraceContext::from_metadata(&written), Some(context.with_styles(styles)));
        }
    }

    #[test]
    fn inject_keeps_every_other_member_and_writes_one_trace(
        metadata in metadata_text(),
        datadog in any::<bool>(),
    ) {
        let context = TraceContext::root().with_tracestate("rojo=a\"b");
        let propagation = if datadog { Propagation::AlwaysDatadog } else { Propagation::AsReceived };
        let written = context.inject(&metadata, propagation);
        let before: Members = serde_json::from_str(&metadata).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let after: Members = serde_json::from_str(&written).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let expected = context.inject("{}", propagation);
        let object = expected
            .strip_prefix(r#"{"trace":"#)
            .and_then(|rest| rest.strip_suffix('}'))
            .unwrap_or_default();
        let traces: Vec<&str> = after.0.iter().filter(|(key, _)| key == "trace").map(|(_, value)| value.as_str()).collect();
        prop_assert_eq!(traces, vec![object]);
        prop_assert_eq!(others(&after), others(&before));
    }
}
