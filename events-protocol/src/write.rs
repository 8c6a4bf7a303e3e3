//! Writing events as compact JSON, keys in the order of [PROTOCOL.md §1](crate::protocol#1-the-envelope).

use crate::escape::{escape_into, plain_prefix};

/// What an event's answer repeats of it: its name, version and ids.
#[derive(Clone, Copy)]
pub(crate) struct Head<'a> {
    pub name: &'a str,
    pub version: i64,
    pub id: &'a str,
    pub flow_id: &'a str,
    /// Whether `name`, `id` and `flow_id` are known to need no escape (read
    /// in one pass from a body, which takes only strings without one, or
    /// fresh UUIDs): then they are written as they are, without a scan.
    pub plain: bool,
}

/// The parts of an event to write. `payload`, `identity`, `auth` and
/// `metadata` are JSON texts, written as they are.
pub(crate) struct Envelope<'a> {
    pub head: Head<'a>,
    /// Appended to the name after a `:` when present.
    pub suffix: Option<&'a str>,
    pub payload: &'a str,
    pub identity: &'a str,
    pub auth: &'a str,
    pub metadata: &'a str,
    /// Whether `payload`, `identity`, `auth` and `metadata` may hold
    /// whitespace to drop: `true` for values read from a body; `false` for
    /// values serde_json wrote, which are compact already.
    pub may_hold_whitespace: bool,
}

impl Envelope<'_> {
    /// The JSON text of the event.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(self.estimated_len());
        self.write(&mut out);
        out
    }

    pub fn estimated_len(&self) -> usize {
        // the fixed keys and punctuation take 80 bytes; 16 more leave room
        // for a few escapes and the version's digits without a reallocation
        96 + self.head.name.len()
            + self.suffix.map_or(0, |s| s.len() + 1)
            + self.head.id.len()
            + self.head.flow_id.len()
            + self.payload.len()
            + self.identity.len()
            + self.auth.len()
            + self.metadata.len()
    }

    /// Appends the JSON text of the event to `out`.
    pub fn write(&self, out: &mut String) {
        let head = &self.head;
        debug_assert!(
            !head.plain
                || [head.name, head.id, head.flow_id]
                    .iter()
                    .all(|text| plain_prefix(text.as_bytes()) == text.len()),
            "a plain head holds a character to escape"
        );
        let text: fn(&mut String, &str) = if head.plain {
            String::push_str
        } else {
            escape_into
        };
        out.push_str("{\"name\":\"");
        text(out, head.name);
        if let Some(suffix) = self.suffix {
            out.push(':');
            escape_into(out, suffix);
        }
        out.push_str("\",\"version\":");
        out.push_str(itoa::Buffer::new().format(head.version));
        out.push_str(",\"id\":\"");
        text(out, head.id);
        out.push_str("\",\"flowId\":\"");
        text(out, head.flow_id);
        out.push('"');
        let value: fn(&mut String, &str) = if self.may_hold_whitespace {
            push_compact
        } else {
            String::push_str
        };
        out.push_str(",\"payload\":");
        value(out, self.payload);
        if [self.identity, self.auth, self.metadata] == ["{}"; 3] {
            // most answers: one piece of known length, not three
            out.push_str(r#","identity":{},"auth":{},"metadata":{}}"#);
            return;
        }
        out.push_str(",\"identity\":");
        value(out, self.identity);
        out.push_str(",\"auth\":");
        value(out, self.auth);
        out.push_str(",\"metadata\":");
        value(out, self.metadata);
        out.push('}');
    }
}

/// Appends a JSON text without the whitespace outside its strings: every
/// event this library writes is compact ([PROTOCOL.md §1](crate::protocol#1-the-envelope)), even when a value
/// passed through from a body that was not (Python's `json.dumps` writes
/// `", "` and `": "`). Numbers and strings are kept byte for byte.
pub(crate) fn push_compact(out: &mut String, json: &str) {
    let bytes = json.as_bytes();
    // JSON's whitespace is the only text at or below b' ' outside a string
    // (control characters must be escaped inside one)
    if !bytes.iter().any(|&byte| byte <= b' ') {
        out.push_str(json);
        return;
    }
    let (mut in_string, mut escaped, mut start) = (false, false, 0);
    for (index, &byte) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else if byte == b'"' {
            in_string = true;
        } else if byte <= b' ' {
            out.push_str(&json[start..index]);
            start = index + 1;
        }
    }
    out.push_str(&json[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_text_drops_whitespace_outside_strings_only() {
        let mut out = String::new();
        push_compact(
            &mut out,
            "{ \"a b\" : [ 1 ,\n\t2.50 ] , \"c\\\" d\": \" x \" }",
        );
        assert_eq!(out, "{\"a b\":[1,2.50],\"c\\\" d\":\" x \"}");
        let compact = r#"{"already":["compact",1]}"#;
        out.clear();
        push_compact(&mut out, compact);
        assert_eq!(out, compact);
    }
}
