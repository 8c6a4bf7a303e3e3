//! A walk over the members of one JSON object: where each key and value
//! starts and ends, for reading a few keys of a text already checked
//! (`metadata.trace`, `metadata.origin`, `identity.userId`,
//! `identity.user.id` and `identity.user.type`) without building anything,
//! and for splicing `metadata.trace`. It does
//! not recurse (a deeply nested value costs its length, not stack), never
//! allocates, and never panics: its input is text already checked to be
//! JSON, and anything unexpected only ends the walk.

use std::borrow::Cow;
use std::ops::Range;

/// Where a token is in the text (a string token with its quotes), and
/// whether it is a string holding an escape.
#[derive(Clone)]
pub(crate) struct Token {
    pub(crate) range: Range<usize>,
    pub(crate) escaped: bool,
}

/// One member of an object, as tokens of the object's text.
pub(crate) struct Member {
    /// The key's string token.
    pub(crate) key: Token,
    /// The value's token (a whole object or array for a nested one).
    pub(crate) value: Token,
    /// The comma before this member; `None` for the first member.
    pub(crate) comma: Option<usize>,
}

/// Where a walked object's opening brace is.
pub(crate) struct Walked {
    pub(crate) open: usize,
}

/// Walks the object whose `{` is at `open` in `text`, giving each member
/// whole to `visit`, in order, while it returns `true`. The position just
/// after its `}`; `None` when there is no object there or `visit` stopped.
pub(crate) fn object_members(
    text: &str,
    open: usize,
    mut visit: impl FnMut(Member) -> bool,
) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.get(open) != Some(&b'{') {
        return None;
    }
    let mut at = skip_space(bytes, open + 1);
    if bytes.get(at) == Some(&b'}') {
        return Some(at + 1);
    }
    let mut comma = None;
    loop {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let (key_end, key_escaped) = string_end(bytes, at)?;
        let colon = skip_space(bytes, key_end);
        if bytes.get(colon) != Some(&b':') {
            return None;
        }
        let value_start = skip_space(bytes, colon + 1);
        let (value_end, value_escaped) = value_end(bytes, value_start)?;
        let member = Member {
            key: Token {
                range: at..key_end,
                escaped: key_escaped,
            },
            value: Token {
                range: value_start..value_end,
                escaped: value_escaped,
            },
            comma,
        };
        if !visit(member) {
            return None;
        }
        let next = skip_space(bytes, value_end);
        match bytes.get(next)? {
            b',' => {
                comma = Some(next);
                at = skip_space(bytes, next + 1);
            }
            b'}' => return Some(next + 1),
            _ => return None,
        }
    }
}

/// [`object_members`] of the one object `text` holds, whitespace around it
/// allowed. `None` when `text` is not one object, or `visit` stopped.
pub(crate) fn members(text: &str, visit: impl FnMut(Member) -> bool) -> Option<Walked> {
    let open = skip_space(text.as_bytes(), 0);
    let end = object_members(text, open, visit)?;
    only_space_after(text, end).then_some(Walked { open })
}

/// The values of the members `keys` of the object `text` (a text already
/// checked to be JSON), keys compared with their escapes decoded; `None`
/// when `text` is not an object or one of `keys` is repeated (as a typed
/// view of those keys would fail).
pub(crate) fn unique_members<const N: usize>(
    text: &str,
    keys: [&str; N],
) -> Option<[Option<Token>; N]> {
    let mut found: [Option<Token>; N] = std::array::from_fn(|_| None);
    let mut repeated = false;
    members(text, |member| {
        let Some(key) = decode(text, &member.key) else {
            return false;
        };
        if let Some(slot) = keys.iter().position(|known| *known == key) {
            repeated |= found[slot].replace(member.value).is_some();
        }
        !repeated
    })?;
    Some(found)
}

/// Whether `text` holds only whitespace from `at` on.
pub(crate) fn only_space_after(text: &str, at: usize) -> bool {
    skip_space(text.as_bytes(), at) == text.len()
}

/// The content of the string `token` of `text`, its escapes decoded:
/// borrowed when it has none. `None` when it is not a valid string token.
pub(crate) fn decode<'a>(text: &'a str, token: &Token) -> Option<Cow<'a, str>> {
    let raw = text.get(token.range.clone())?;
    if token.escaped {
        serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
    } else {
        let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
        Some(Cow::Borrowed(inner))
    }
}

/// The first position at or after `at` that is not JSON whitespace.
pub(crate) fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// The end of the string token starting (with its quote) at `at`, and
/// whether it holds an escape.
fn string_end(bytes: &[u8], at: usize) -> Option<(usize, bool)> {
    let mut at = at + 1;
    let mut escaped = false;
    loop {
        at = quote_or_backslash(bytes, at)?;
        match bytes.get(at)? {
            b'"' => return Some((at + 1, escaped)),
            _ => {
                escaped = true;
                at += 2;
            }
        }
    }
}

/// The position of the first `"` or `\` at or after `at`, eight bytes at a
/// time: in a word whose bytes are XORed with the byte sought, `(w - ONES) &
/// !w & HIGHS` sets the high bit of the first zero byte (bits above it may
/// be set by the borrow, so only the lowest one is read).
pub(crate) fn quote_or_backslash(bytes: &[u8], mut at: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    fn zeros(word: u64) -> u64 {
        word.wrapping_sub(ONES) & !word & HIGHS
    }
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let found =
            zeros(word ^ (ONES * u64::from(b'"'))) | zeros(word ^ (ONES * u64::from(b'\\')));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = bytes.get(at..)?;
    rest.iter()
        .position(|&byte| byte == b'"' || byte == b'\\')
        .map(|index| at + index)
}

/// The token of the value starting at `at` in `text` (a text already
/// checked to be JSON).
pub(crate) fn token_at(text: &str, at: usize) -> Option<Token> {
    let (end, escaped) = value_end(text.as_bytes(), at)?;
    Some(Token {
        range: at..end,
        escaped,
    })
}

/// The end of the value starting at `at`: a string (and whether it holds an
/// escape), an object or array (brackets counted, not recursed into), or a
/// number or literal.
fn value_end(bytes: &[u8], at: usize) -> Option<(usize, bool)> {
    match bytes.get(at)? {
        b'"' => string_end(bytes, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut at = at;
            loop {
                match bytes.get(at)? {
                    b'"' => {
                        at = string_end(bytes, at)?.0;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some((at + 1, false));
                        }
                    }
                    _ => {}
                }
                at += 1;
            }
        }
        _ => {
            let mut end = at;
            while let Some(byte) = bytes.get(end) {
                if matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                end += 1;
            }
            (end > at).then_some((end, false))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every member of `text` as (key, value, comma) texts, or `None`.
    fn walk(text: &str) -> Option<Vec<(&str, &str, Option<usize>)>> {
        let mut seen = Vec::new();
        members(text, |member| {
            seen.push((
                &text[member.key.range],
                &text[member.value.range],
                member.comma,
            ));
            true
        })?;
        Some(seen)
    }

    #[test]
    fn walks_compact_and_spaced_objects() {
        assert_eq!(walk("{}"), Some(vec![]));
        assert_eq!(walk(" { } \n"), Some(vec![]));
        assert_eq!(
            walk(r#"{"a":1,"b":{"c":[1,{"}":"]"}]},"d":"x\"y"}"#),
            Some(vec![
                (r#""a""#, "1", None),
                (r#""b""#, r#"{"c":[1,{"}":"]"}]}"#, Some(6)),
                (r#""d""#, r#""x\"y""#, Some(30)),
            ])
        );
        assert_eq!(
            walk(r#"{"a": -1.5e3, "b": [true, null]}"#),
            Some(vec![
                (r#""a""#, "-1.5e3", None),
                (r#""b""#, "[true, null]", Some(12)),
            ])
        );
    }

    #[test]
    fn anything_but_one_object_ends_the_walk() {
        for text in [
            "",
            "null",
            "[]",
            "\"{}\"",
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{\"a\":1 \"b\":2}",
            "{} {}",
            "{\"a\":\"open",
            "{\"a\":[1,2}",
        ] {
            assert_eq!(walk(text), None, "{text}");
        }
    }

    #[test]
    fn deep_nesting_costs_no_stack() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(walk(&deep).map(|members| members.len()), Some(1));
    }

    #[test]
    fn finds_quotes_and_backslashes_at_every_offset() {
        for length in 0..20 {
            for special in 0..length {
                for byte in [b'"', b'\\'] {
                    let mut text = vec![b'a'; length];
                    text[special] = byte;
                    // a zero byte just before it must not hide it
                    if special > 0 {
                        text[special - 1] = 0;
                    }
                    for from in 0..=special {
                        assert_eq!(quote_or_backslash(&text, from), Some(special));
                    }
                    assert_eq!(quote_or_backslash(&text, special + 1), None);
                }
            }
        }
        assert_eq!(quote_or_backslash(b"abc", 9), None);
    }

    #[test]
    fn decodes_keys_with_and_without_escapes() {
        /// The decoded keys of `text`, `None` for one that does not decode.
        fn keys(text: &str) -> Vec<Option<Cow<'_, str>>> {
            let mut keys = Vec::new();
            object_members(text, 0, |member| {
                keys.push(decode(text, &member.key));
                true
            });
            keys
        }
        assert_eq!(
            keys(r#"{"trace":1,"tr\u0061ce":2,"a\"b":3,"bad\x":4}"#),
            [
                Some("trace".into()),
                Some("trace".into()),
                Some("a\"b".into()),
                None
            ]
        );
        let token = Token {
            range: 0..1,
            escaped: false,
        };
        assert_eq!(decode("\"", &token), None);
    }
}
