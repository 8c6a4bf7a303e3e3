//! W3C Trace Context (<https://www.w3.org/TR/trace-context/>): reading and
//! writing `traceparent`, validating `tracestate`.

use std::sync::Arc;

use super::{SpanId, TraceId};

/// The length of a version-00 `traceparent`, and of the four fields every
/// version starts with.
pub(super) const TRACEPARENT_LEN: usize = 55;

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
    let high = hex16(&fields[3..19])?;
    let low = hex16(&fields[19..35])?;
    let trace = TraceId::new((u128::from(high) << 64) | u128::from(low))?;
    let span = SpanId::new(hex16(&fields[36..52])?)?;
    let flags = hex(&fields[53..55])?;
    Some((trace, span, flags & 1 == 1))
}

/// The value of each lowercase hex digit; `0xff` for every other byte.
const HEX: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut digit = 0;
    while digit < 16 {
        let byte = if digit < 10 {
            b'0' + digit
        } else {
            b'a' + digit - 10
        };
        table[byte as usize] = digit;
        digit += 1;
    }
    table
};

/// The number written in `digits` (1 to 16 of them), lowercase hex only.
/// Without a branch per digit: the table's invalid marks are gathered and
/// checked once.
pub(super) fn hex(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut value = 0u64;
    let mut marks = 0u8;
    for &digit in digits {
        let nibble = HEX[usize::from(digit)];
        marks |= nibble;
        value = (value << 4) | u64::from(nibble & 0x0f);
    }
    (marks & 0xf0 == 0).then_some(value)
}

/// The number written in exactly 16 lowercase hex digits, eight at a time.
pub(super) fn hex16(digits: &[u8]) -> Option<u64> {
    let (high, low) = digits.split_at_checked(8)?;
    Some((u64::from(hex8(high)?) << 32) | u64::from(hex8(low)?))
}

/// The number written in exactly 8 lowercase hex digits, checked and
/// converted in one 64-bit word (SWAR), the first digit in the top byte.
fn hex8(digits: &[u8]) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = ONES * 0x80;
    let word = u64::from_be_bytes(<[u8; 8]>::try_from(digits).ok()?);
    if word & HIGHS != 0 {
        return None;
    }
    // the high bit of each byte that is at least `floor`: with every byte
    // below 0x80, adding at most 0x80 to each never carries into the next
    let at_least = |floor: u8| (word + ONES * u64::from(0x80 - floor)) & HIGHS;
    let digit = at_least(b'0') & !at_least(b'9' + 1);
    let letter = at_least(b'a') & !at_least(b'f' + 1);
    if digit | letter != HIGHS {
        return None;
    }
    // a digit's low nibble is its value; a letter's is its value less 9,
    // and only letters have bit 6 set
    let nibbles = (word & (ONES * 0x0f)) + ((word >> 6) & ONES) * 9;
    // gather the nibbles: two per byte, then two bytes, then four
    let bytes = ((nibbles >> 4) | nibbles) & 0x00ff_00ff_00ff_00ff;
    let pairs = ((bytes >> 8) | bytes) & 0x0000_ffff_0000_ffff;
    let all = ((pairs >> 16) | pairs) & 0x0000_0000_ffff_ffff;
    u32::try_from(all).ok()
}

/// The `digits` lowest hex digits of `value`, lowercase (at most 32), in a
/// buffer: the first `digits` bytes are the text.
fn hex_digits(value: u128, digits: usize) -> ([u8; 32], usize) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = [0u8; 32];
    let digits = digits.min(text.len());
    for (index, slot) in text[..digits].iter_mut().enumerate() {
        let shift = (digits - 1 - index) * 4;
        *slot = DIGITS[((value >> shift) & 0xf) as usize];
    }
    (text, digits)
}

/// Writes the `digits` lowest hex digits of `value`, lowercase: what
/// `write!(f, "{:0<digits>x}")` writes (the caller's width and precision
/// ignored, as that does), without the formatting machinery.
pub(super) fn fmt_hex(
    f: &mut std::fmt::Formatter<'_>,
    value: u128,
    digits: usize,
) -> std::fmt::Result {
    let (text, digits) = hex_digits(value, digits);
    // hex digits are ASCII, so this is never empty for want of UTF-8
    f.write_str(std::str::from_utf8(&text[..digits]).unwrap_or_default())
}

/// Appends the `digits` lowest hex digits of `value`, lowercase.
pub(super) fn push_hex(out: &mut String, value: u128, digits: usize) {
    let (text, digits) = hex_digits(value, digits);
    // hex digits are ASCII, so this is never empty for want of UTF-8
    out.push_str(std::str::from_utf8(&text[..digits]).unwrap_or_default());
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
/// `key=value` by the grammar, or a key twice. One pass over the bytes; a
/// value already normalised is shared as it is.
pub(super) fn tracestate(value: &str) -> Option<Arc<str>> {
    if value.len() > MAX_TRACESTATE_LEN {
        return None;
    }
    let mut keys = [""; MAX_TRACESTATE_MEMBERS];
    let mut count = 0;
    let mut normalised = true;
    let mut rest = value;
    loop {
        let (member, next) = match rest.as_bytes().iter().position(|&byte| byte == b',') {
            Some(comma) => (rest.get(..comma)?, rest.get(comma + 1..)),
            None => (rest, None),
        };
        let trimmed = member.trim_matches([' ', '\t']);
        normalised &= !trimmed.is_empty() && trimmed.len() == member.len();
        if !trimmed.is_empty() {
            let equals = trimmed.as_bytes().iter().position(|&byte| byte == b'=')?;
            let key = trimmed.get(..equals)?;
            let val = trimmed.get(equals + 1..)?;
            if !state_key(key) || !state_value(val) || keys[..count].contains(&key) {
                return None;
            }
            *keys.get_mut(count)? = key;
            count += 1;
        }
        match next {
            Some(next) => rest = next,
            None => break,
        }
    }
    if count == 0 {
        return None;
    }
    if normalised {
        return Some(Arc::from(value));
    }
    let mut joined = String::with_capacity(value.len());
    for member in value.split(',') {
        let member = member.trim_matches([' ', '\t']);
        if !member.is_empty() {
            if !joined.is_empty() {
                joined.push(',');
            }
            joined.push_str(member);
        }
    }
    Some(Arc::from(joined))
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
    fn hex16_reads_as_the_digit_by_digit_reader_does() {
        let valid = *b"0123456789abcdef";
        assert_eq!(hex16(&valid), Some(0x0123_4567_89ab_cdef));
        assert_eq!(hex16(b"ffffffffffffffff"), Some(u64::MAX));
        assert_eq!(hex16(b"0000000000000000"), Some(0));
        for at in 0..16 {
            for byte in 0..=255u8 {
                let mut digits = valid;
                digits[at] = byte;
                assert_eq!(hex16(&digits), hex(&digits), "{byte:#x} at {at}");
            }
        }
        assert_eq!(hex16(b"0123456789abcde"), None);
        assert_eq!(hex16(b"0123456789abcdef0"), None);
    }

    #[test]
    fn hex_is_lowercase_and_bounded() {
        assert_eq!(hex(b"00ff"), Some(255));
        assert_eq!(hex(b"0123456789abcdef"), Some(0x0123_4567_89ab_cdef));
        assert_eq!(hex(b"00FF"), None);
        assert_eq!(hex(b""), None);
        assert_eq!(hex(b"g"), None);
        assert_eq!(hex(&[b'f'; 16]), Some(u64::MAX));
        assert_eq!(hex(&[b'f'; 17]), None);
        let mut out = String::new();
        push_hex(&mut out, 0xab, 4);
        assert_eq!(out, "00ab");
    }
}
