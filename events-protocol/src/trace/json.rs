//! A walk over the members of one JSON object: where each key and value
//! starts and ends, for reading the `trace` key and for splicing it. It does
//! not recurse (a deeply nested value costs its length, not stack), never
//! allocates, and never panics: its input is text already checked to be
//! JSON, and anything unexpected only ends the walk.

use std::borrow::Cow;
use std::ops::Range;

/// One member of an object, as byte ranges of the object's text.
pub(super) struct Member {
    /// The key's string token, quotes included.
    pub(super) key: Range<usize>,
    /// The value's token (a whole object or array for a nested one).
    pub(super) value: Range<usize>,
    /// The comma before this member; `None` for the first member.
    pub(super) comma: Option<usize>,
}

/// Where a walked object's opening brace is.
pub(super) struct Walked {
    pub(super) open: usize,
}

/// Walks the members of the object `text` holds (whitespace around it
/// allowed), calling `visit` on each in order while it returns `true`.
/// `None` when `text` is not one object, or when `visit` stopped the walk.
pub(super) fn members(text: &str, mut visit: impl FnMut(Member) -> bool) -> Option<Walked> {
    let bytes = text.as_bytes();
    let open = skip_space(bytes, 0);
    if bytes.get(open) != Some(&b'{') {
        return None;
    }
    let mut at = skip_space(bytes, open + 1);
    if bytes.get(at) == Some(&b'}') {
        return end(bytes, open, at);
    }
    let mut comma = None;
    loop {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(bytes, at)?;
        let colon = skip_space(bytes, key_end);
        if bytes.get(colon) != Some(&b':') {
            return None;
        }
        let value_start = skip_space(bytes, colon + 1);
        let value_end = value_end(bytes, value_start)?;
        let member = Member {
            key: at..key_end,
            value: value_start..value_end,
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
            b'}' => return end(bytes, open, next),
            _ => return None,
        }
    }
}

/// The walk's result once the closing brace at `close` is found: nothing
/// but whitespace may follow it.
fn end(bytes: &[u8], open: usize, close: usize) -> Option<Walked> {
    (skip_space(bytes, close + 1) == bytes.len()).then_some(Walked { open })
}

/// The content of a string token (quotes included), its escapes decoded:
/// borrowed when it has none. `None` when it is not a valid string token.
pub(super) fn decode(token: &str) -> Option<Cow<'_, str>> {
    if token.as_bytes().contains(&b'\\') {
        serde_json::from_str::<String>(token).ok().map(Cow::Owned)
    } else {
        let inner = token.strip_prefix('"')?.strip_suffix('"')?;
        Some(Cow::Borrowed(inner))
    }
}

/// The first position at or after `at` that is not JSON whitespace.
fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// The end of the string token starting (with its quote) at `at`.
fn string_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut at = at + 1;
    loop {
        match bytes.get(at)? {
            b'"' => return Some(at + 1),
            b'\\' => at += 2,
            _ => at += 1,
        }
    }
}

/// The end of the value starting at `at`: a string, an object or array
/// (brackets counted, not recursed into), or a number or literal.
fn value_end(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at)? {
        b'"' => string_end(bytes, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut at = at;
            loop {
                match bytes.get(at)? {
                    b'"' => {
                        at = string_end(bytes, at)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(at + 1);
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
            (end > at).then_some(end)
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
            seen.push((&text[member.key], &text[member.value], member.comma));
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
    fn decodes_keys_with_and_without_escapes() {
        assert_eq!(decode(r#""trace""#).as_deref(), Some("trace"));
        assert_eq!(decode(r#""tr\u0061ce""#).as_deref(), Some("trace"));
        assert_eq!(decode(r#""bad\x""#), None);
        assert_eq!(decode("\""), None);
    }
}
