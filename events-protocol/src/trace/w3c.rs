//! W3C Trace Context (<https://www.w3.org/TR/trace-context/>): reading and
//! writing `traceparent`, validating `tracestate`.

use std::sync::Arc;

use super::{SpanId, TraceId};

/// The length of a version-00 `traceparent`, and of the four fields every
/// version starts with.
const TRACEPARENT_LEN: usize = 55;

/// The most list members a `tracestate` may have.
pub(super) const MAX_TRACESTATE_MEMBERS: usize = 32;

/// The longest `tracestate` kept, in bytes (all its characters are ASCII).
pub(super) const MAX_TRACESTATE_LEN: usize = 512;

/// The ids and the sampled flag of a `traceparent` value:
/// `<version>-<trace-id>-<parent-id>-<trace-flags>`, lowercase hex. Version
/// `ff` is invalid; version `00` is exactly 55 characters; a higher version
/// is read by its first four fields, and what follows them must start with
/// `-`. All-zero ids are invalid.
pub(super) fn traceparent(value: &str) -> Option<(TraceId, SpanId, bool)> {
    let bytes = value.as_bytes();
    let fields = bytes.get(..TRACEPARENT_LEN)?;
    let version = hex(fields.get(0..2)?)?;
    let rest = bytes.get(TRACEPARENT_LEN..)?;
    let tail_ok = match version {
        0 => rest.is_empty(),
        0xff => false,
        _ => rest.first().is_none_or(|&byte| byte == b'-'),
    };
    if !tail_ok || fields[2] != b'-' || fields[35] != b'-' || fields[52] != b'-' {
        return None;
    }
    let trace = TraceId::new(hex(&fields[3..35])?)?;
    let span = SpanId::new(u64::try_from(hex(&fields[36..52])?).ok()?)?;
    let flags = hex(&fields[53..55])?;
    Some((trace, span, flags & 1 == 1))
}

/// The number written in `digits` (at most 32 of them), lowercase hex only.
pub(super) fn hex(digits: &[u8]) -> Option<u128> {
    if digits.is_empty() || digits.len() > 32 {
        return None;
    }
    let mut value = 0u128;
    for &digit in digits {
        let nibble = match digit {
            b'0'..=b'9' => digit - b'0',
            b'a'..=b'f' => digit - b'a' + 10,
            _ => return None,
        };
        value = (value << 4) | u128::from(nibble);
    }
    Some(value)
}

/// Appends the `digits` lowest hex digits of `value`, lowercase.
pub(super) fn push_hex(out: &mut String, value: u128, digits: u32) {
    for shift in (0..digits).rev() {
        let nibble = ((value >> (shift * 4)) & 0xf) as u8;
        out.push(char::from(if nibble < 10 {
            b'0' + nibble
        } else {
            b'a' + nibble - 10
        }));
    }
}

/// Appends the version-00 `traceparent` of these ids and flag.
pub(super) fn push_traceparent(out: &mut String, trace: TraceId, span: SpanId, sampled: bool) {
    out.push_str("00-");
    push_hex(out, trace.get(), 32);
    out.push('-');
    push_hex(out, u128::from(span.get()), 16);
    out.push_str(if sampled { "-01" } else { "-00" });
}

/// A `tracestate` value checked against the W3C grammar, normalised: its
/// list members without the optional whitespace around them and without
/// empty ones, joined by `,`. `None` (the value is dropped) when it is over
/// 512 bytes, has more than 32 members, none, a member that is not
/// `key=value` by the grammar, or a key twice.
pub(super) fn tracestate(value: &str) -> Option<Arc<str>> {
    if value.len() > MAX_TRACESTATE_LEN {
        return None;
    }
    let mut keys = [""; MAX_TRACESTATE_MEMBERS];
    let mut count = 0;
    let mut normalised = String::with_capacity(value.len());
    for member in value.split(',') {
        let member = member.trim_matches([' ', '\t']);
        if member.is_empty() {
            continue;
        }
        let (key, val) = member.split_once('=')?;
        if !state_key(key) || !state_value(val) || keys[..count].contains(&key) {
            return None;
        }
        *keys.get_mut(count)? = key;
        count += 1;
        if !normalised.is_empty() {
            normalised.push(',');
        }
        normalised.push_str(member);
    }
    (count > 0).then(|| normalised.into())
}

/// A `tracestate` key: `lcalpha 0*255(keychar)`, or
/// `tenant@system` with `(lcalpha / DIGIT) 0*240(keychar)` and
/// `lcalpha 0*13(keychar)`.
fn state_key(key: &str) -> bool {
    fn rest_ok(rest: &[u8], max: usize) -> bool {
        rest.len() <= max
            && rest.iter().all(|&byte| {
                byte.is_ascii_lowercase()
                    || byte.is_ascii_digit()
                    || matches!(byte, b'_' | b'-' | b'*' | b'/')
            })
    }
    match key.split_once('@') {
        None => match key.as_bytes().split_first() {
            Some((first, rest)) => first.is_ascii_lowercase() && rest_ok(rest, 255),
            None => false,
        },
        Some((tenant, system)) => {
            let tenant_ok = match tenant.as_bytes().split_first() {
                Some((first, rest)) => {
                    (first.is_ascii_lowercase() || first.is_ascii_digit()) && rest_ok(rest, 240)
                }
                None => false,
            };
            let system_ok = match system.as_bytes().split_first() {
                Some((first, rest)) => first.is_ascii_lowercase() && rest_ok(rest, 13),
                None => false,
            };
            tenant_ok && system_ok
        }
    }
}

/// A `tracestate` value: 1 to 256 printable ASCII characters but `,` and
/// `=`, the last one not a space.
fn state_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    (1..=256).contains(&bytes.len())
        && bytes
            .iter()
            .all(|&byte| (0x20..=0x7e).contains(&byte) && byte != b',' && byte != b'=')
        && bytes.last() != Some(&b' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracestate_is_normalised() {
        assert_eq!(
            tracestate(" rojo=00f067aa0ba902b7 ,\t,congo=t61rcWkgMzE, a@b-1=x y").as_deref(),
            Some("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,a@b-1=x y")
        );
        assert_eq!(tracestate("k= \"v\\").as_deref(), Some("k= \"v\\"));
    }

    #[test]
    fn tracestate_within_bounds_is_kept() {
        let members: Vec<String> = (0..32).map(|n| format!("k{n}=v")).collect();
        assert_eq!(
            tracestate(&members.join(",")).as_deref(),
            Some(members.join(",").as_str())
        );
        let at_limit = format!("k={},j={}", "v".repeat(256), "v".repeat(251));
        assert_eq!(at_limit.len(), 512);
        assert_eq!(tracestate(&at_limit).as_deref(), Some(at_limit.as_str()));
    }

    #[test]
    fn tracestate_out_of_grammar_or_bounds_is_dropped() {
        let too_many: Vec<String> = (0..33).map(|n| format!("k{n}=v")).collect();
        let too_long = format!("k={},j={}", "v".repeat(256), "v".repeat(252));
        for value in [
            "",
            " , ",
            "novalue",
            "=v",
            "Upper=v",
            "1key=v",
            "k=",
            "k=a,k=b",
            "k=a=b",
            "k=tab\there",
            "k=caf\u{e9}",
            "@sys=v",
            "tenant@=v",
            "tenant@1sys=v",
            "tenant@sys@x=v",
            "tenant@systemnamewaytoolong=v",
            &format!("k={}", "v".repeat(257)),
            &format!("{}=v", "k".repeat(257)),
            &too_many.join(","),
            &too_long,
        ] {
            assert_eq!(tracestate(value), None, "{value:?}");
        }
    }

    #[test]
    fn hex_is_lowercase_and_bounded() {
        assert_eq!(hex(b"00ff"), Some(255));
        assert_eq!(hex(b"00FF"), None);
        assert_eq!(hex(b""), None);
        assert_eq!(hex(b"g"), None);
        assert_eq!(hex(&[b'f'; 33]), None);
        let mut out = String::new();
        push_hex(&mut out, 0xab, 4);
        assert_eq!(out, "00ab");
    }
}
