//! JSON string content: the bytes that may stand in a string as they are,
//! found eight at a time (for reading strings in one pass and for writing
//! them), and the escapes of the others (RFC 8259 §7, as serde_json writes
//! them).

/// The length of the longest prefix of `bytes` that is plain string content:
/// no quote, no backslash, no control character. Read eight bytes at a time.
#[inline]
pub(crate) fn plain_prefix(bytes: &[u8]) -> usize {
    plain_run(bytes).0
}

/// [`plain_prefix`], and whether a quote ends it (not a backslash, a control
/// character or the end of `bytes`): told by the same eight-byte masks,
/// without reading the byte again.
#[inline]
pub(crate) fn plain_run(bytes: &[u8]) -> (usize, bool) {
    let mut chunks = bytes.chunks_exact(8);
    let mut plain = 0;
    for chunk in chunks.by_ref() {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        if let Some((index, quote)) = first_special(word) {
            return (plain + index, quote);
        }
        plain += 8;
    }
    let (index, quote) = plain_tail(chunks.remainder());
    (plain + index, quote)
}

/// [`plain_run`] of the last few bytes (fewer than eight): padded with plain
/// ones. Out of line: most strings end inside a full word.
#[cold]
fn plain_tail(rest: &[u8]) -> (usize, bool) {
    let mut word = [b'a'; 8];
    word[..rest.len()].copy_from_slice(rest);
    first_special(word).unwrap_or((rest.len(), false))
}

/// The index of the first quote, backslash or control character (a byte
/// whose top three bits are zero) among eight bytes, and whether it is a
/// quote.
#[inline]
fn first_special(chunk: [u8; 8]) -> Option<(usize, bool)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    /// A high bit set in the first byte of `word` that is zero, if any. Bits
    /// above it may be set for bytes that are not zero (a borrow runs
    /// upwards from a zero byte): only the lowest set bit is read.
    fn zeros(word: u64) -> u64 {
        word.wrapping_sub(ONES) & !word & HIGHS
    }
    let word = u64::from_le_bytes(chunk);
    let control = zeros(word & 0xe0e0_e0e0_e0e0_e0e0);
    let quote = zeros(word ^ (ONES * u64::from(b'"')));
    let backslash = zeros(word ^ (ONES * u64::from(b'\\')));
    let found = control | quote | backslash;
    (found != 0).then(|| {
        // the lowest bit of each mask is exact: no byte below it is special,
        // so no borrow reaches it
        let first = found & found.wrapping_neg();
        ((found.trailing_zeros() / 8) as usize, quote & first != 0)
    })
}

/// Appends `value` with the escapes a JSON string needs, without quotes.
pub(crate) fn escape_into(out: &mut String, value: &str) {
    let clean = plain_prefix(value.as_bytes());
    if clean == value.len() {
        out.push_str(value);
        return;
    }
    escape_from(out, value, clean);
}

/// Appends `value` from byte `start` on, escaped, `value[..start]` first as
/// it is.
fn escape_from(out: &mut String, value: &str, start: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = value.as_bytes();
    let mut start_of_run = 0;
    for (index, &byte) in bytes.iter().enumerate().skip(start) {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&value[start_of_run..index]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        } else {
            out.push_str(escape);
        }
        start_of_run = index + 1;
    }
    out.push_str(&value[start_of_run..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `value` as a quoted JSON string.
    fn write_str(out: &mut String, value: &str) {
        out.push('"');
        escape_into(out, value);
        out.push('"');
    }

    #[test]
    fn escapes_agree_with_serde_json() {
        let text = "plain \"quoted\" back\\slash \n\r\t \u{8}\u{c} \u{1} \u{1f} é 😀";
        let mut out = String::new();
        write_str(&mut out, text);
        assert_eq!(out, serde_json::to_string(text).unwrap());
    }

    #[test]
    fn escapes_agree_with_serde_json_at_every_position() {
        for special in [
            "\"", "\\", "\n", "\u{1}", "\u{1f}", "é", "😀", "\u{7f}", " ",
        ] {
            for position in 0..24 {
                let text = format!(
                    "{}{special}{}",
                    "a".repeat(position),
                    "b".repeat(24 - position)
                );
                let mut out = String::new();
                write_str(&mut out, &text);
                assert_eq!(out, serde_json::to_string(&text).unwrap(), "{text:?}");
            }
        }
    }

    #[test]
    fn plain_run_tells_a_quote_from_the_other_stops_at_every_position() {
        for (special, quote) in [("\"", true), ("\\", false), ("\n", false), ("\u{1}", false)] {
            for position in 0..24 {
                // a quote after the stop may not be taken for it
                let text = format!("{}{special}\"{}", "a".repeat(position), "#".repeat(12));
                assert_eq!(plain_run(text.as_bytes()), (position, quote), "{text:?}");
            }
        }
        assert_eq!(plain_run(b"abc"), (3, false));
        assert_eq!(plain_run(b"abcdefghij"), (10, false));
    }

    #[test]
    fn plain_prefix_stops_at_the_first_special_byte_at_every_position() {
        for special in ["\"", "\\", "\n", "\u{1}", "\u{1f}"] {
            for position in 0..24 {
                let text = format!("{}{special}{}", "a".repeat(position), "é".repeat(12));
                assert_eq!(plain_prefix(text.as_bytes()), position, "{text:?}");
            }
        }
        assert_eq!(plain_prefix("é😀 \u{7f}".as_bytes()), "é😀 \u{7f}".len());
    }
}
