//! Datadog's propagation keys: `x-datadog-trace-id` and
//! `x-datadog-parent-id` (decimal), `x-datadog-sampling-priority` (a decimal
//! integer, kept when above zero), and the `_dd.p.tid` tag of
//! `x-datadog-tags` (the upper 64 bits of a 128-bit trace id, 16 lowercase
//! hex digits).

use super::w3c::{hex16, push_hex};
use super::{SpanId, TraceId};

/// The longest `x-datadog-tags` read, in bytes (Datadog's own default).
pub(super) const MAX_TAGS_LEN: usize = 512;

/// The tag holding the upper 64 bits of the trace id.
const TID: &str = "_dd.p.tid";

/// The ids and the sampled flag of Datadog's keys. `None` when the trace or
/// parent id is not a non-zero decimal 64-bit number, or the priority (when
/// present) not a decimal integer. A missing priority is "not sampled", as
/// Datadog's own tracers write it in a `traceparent`. The tags only ever add
/// the upper bits: tags over 512 bytes, not a `,`-separated list of `k=v`,
/// or whose `_dd.p.tid` is repeated or not 16 lowercase hex digits are
/// ignored, as Datadog's tracers do, and the trace id is the 64-bit one.
pub(super) fn read(
    trace_id: &str,
    parent_id: &str,
    priority: Option<&str>,
    tags: Option<&str>,
) -> Option<(TraceId, SpanId, bool)> {
    let low = decimal(trace_id).filter(|&low| low != 0)?;
    let span = SpanId::new(decimal(parent_id)?)?;
    let sampled = match priority {
        Some(priority) => sampling_priority(priority)? > 0,
        None => false,
    };
    let high = tags.and_then(tid).unwrap_or(0);
    let trace = TraceId::new((u128::from(high) << 64) | u128::from(low))?;
    Some((trace, span, sampled))
}

/// A decimal `u64`: 1 to 20 ASCII digits, no sign, no space.
fn decimal(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    text.bytes().try_fold(0u64, |value, byte| {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// A sampling priority: an optional `-` and 1 to 10 ASCII digits.
fn sampling_priority(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The upper 64 bits `_dd.p.tid` holds, when the tags are well formed.
fn tid(tags: &str) -> Option<u64> {
    if tags.len() > MAX_TAGS_LEN {
        return None;
    }
    let mut found = None;
    for tag in tags.split(',') {
        let (key, value) = tag.split_once('=')?;
        if key == TID {
            if found.is_some() {
                return None;
            }
            found = Some(hex16(value.as_bytes())?);
        }
    }
    found
}

/// Appends Datadog's keys for these ids and flag as members of a JSON
/// object (after others: each starts with `,`).
pub(super) fn push_members(out: &mut String, trace: TraceId, span: SpanId, sampled: bool) {
    let mut decimal = itoa::Buffer::new();
    out.push_str(",\"x-datadog-trace-id\":\"");
    out.push_str(decimal.format(trace.low()));
    out.push_str("\",\"x-datadog-parent-id\":\"");
    out.push_str(decimal.format(span.get()));
    out.push_str("\",\"x-datadog-sampling-priority\":\"");
    out.push(if sampled { '1' } else { '0' });
    out.push('"');
    if trace.high() != 0 {
        out.push_str(",\"x-datadog-tags\":\"");
        out.push_str(TID);
        out.push('=');
        push_hex(out, u128::from(trace.high()), 16);
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_digits_only() {
        assert_eq!(decimal("18446744073709551615"), Some(u64::MAX));
        assert_eq!(decimal("007"), Some(7));
        assert_eq!(decimal("18446744073709551610"), Some(u64::MAX - 5));
        assert_eq!(decimal("00000000000000000001"), Some(1));
        for text in [
            "",
            "18446744073709551616",
            "+1",
            "-1",
            " 1",
            "1 ",
            "1e3",
            "0x1",
        ] {
            assert_eq!(decimal(text), None, "{text:?}");
        }
    }

    #[test]
    fn sampling_priorities_are_signed_integers() {
        assert_eq!(
            ["-1", "0", "1", "2"].map(sampling_priority),
            [Some(-1), Some(0), Some(1), Some(2)]
        );
        for text in ["", "-", "+1", "1.0", "true", "--1", "12345678901"] {
            assert_eq!(sampling_priority(text), None, "{text:?}");
        }
    }

    #[test]
    fn tid_is_one_tag_of_sixteen_lowercase_hex_digits() {
        assert_eq!(
            tid("_dd.p.tid=640cfd8d00000000"),
            Some(0x640c_fd8d_0000_0000)
        );
        assert_eq!(
            tid("_dd.p.dm=-0,_dd.p.tid=640cfd8d00000000"),
            Some(0x640c_fd8d_0000_0000)
        );
        assert_eq!(tid("_dd.p.dm=-0"), None);
        for tags in [
            "_dd.p.tid=640CFD8D00000000",
            "_dd.p.tid=640cfd8d",
            "_dd.p.tid=640cfd8d000000000",
            "_dd.p.tid=640cfd8d00000000,_dd.p.tid=640cfd8d00000000",
            "_dd.p.tid=640cfd8d00000000,broken",
            "",
        ] {
            assert_eq!(tid(tags), None, "{tags:?}");
        }
        let long = format!("_dd.p.tid=640cfd8d00000000,_dd.p.x={}", "v".repeat(478));
        assert_eq!(long.len(), 513);
        assert_eq!(tid(&long), None);
    }
}
