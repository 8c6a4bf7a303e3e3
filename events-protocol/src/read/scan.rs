//! The one-pass reader of plain envelopes: the fast path of reading a body.
//!
//! Almost every body a service receives is a well-formed event written by a
//! client library: the known keys once each (as `read::Key` knows them,
//! `flow_id` for `flowId` when reading leniently), `name`, `id` and `flowId`
//! strings without escapes, `version` an integer. [`read`] reads such a body
//! in one pass over its bytes, checking the JSON of `payload`, `identity`,
//! `auth` and `metadata` (escapes, `null`s and all) without building
//! anything, and gives up (`None`) on anything else: an unknown or repeated
//! key, an escape in a key, in `name` or in an id, a `null` as the value of
//! a key other than `payload`, a string `version`, nesting deeper than
//! [`MAX_DEPTH`], or any syntax error. The caller then reads the body with
//! serde_json ([`super::serde_reader`]), which gives the exact answer or the exact
//! `badProtocol` fields. So this reader never decides an error: it only has
//! to be right about the bodies it accepts, and it accepts a body only when
//! serde_json's reading would give the same event (pinned by
//! `tests/properties.rs` and the `process_event` fuzz target, which compare
//! the two on every input).

use std::borrow::Cow;

use crate::Event;
use crate::escape::{plain_prefix, plain_run};
use crate::event::{Parts, Spot, Spots};
use crate::raw::{JsonText, decimal_i64};
use crate::read::{Key, ReadMode};

/// The most containers open at once inside one of the four values (the
/// value's own container is the first): a body with more, even an empty `{}`
/// or `[]` at the next level, is left to serde_json.
pub(crate) const MAX_DEPTH: u32 = 64;

// `skip_value` keeps one bit per open container in a `u64`
const _: () = assert!(MAX_DEPTH <= u64::BITS);

/// The members of `identity` and `metadata` whose places are noted, as
/// their keys are written.
const USER_ID: &[u8] = br#""userId""#;
const USER: &[u8] = br#""user""#;
const TRACE: &[u8] = br#""trace""#;
const ORIGIN: &[u8] = br#""origin""#;

/// Reads a plain, well-formed body; `None` for anything else.
pub(crate) fn read(body: &str, mode: ReadMode) -> Option<Event<'_>> {
    let mut cursor = Cursor {
        bytes: body.as_bytes(),
        at: 0,
    };
    let mut event = Scanned::default();
    cursor.skip_whitespace();
    cursor.eat(b'{')?;
    cursor.skip_whitespace();
    loop {
        let key = cursor.plain_string(body)?;
        cursor.skip_whitespace();
        cursor.eat(b':')?;
        cursor.skip_whitespace();
        event.accept(Key::of(key, mode)?, &mut cursor, body)?;
        cursor.skip_whitespace();
        match cursor.next()? {
            b',' => cursor.skip_whitespace(),
            b'}' => break,
            _ => return None,
        }
    }
    cursor.skip_whitespace();
    if cursor.at != body.len() {
        return None;
    }
    event.finish(mode)
}

/// What has been read of the body so far.
#[derive(Default)]
struct Scanned<'a> {
    name: Option<&'a str>,
    version: Option<i64>,
    id: Option<&'a str>,
    flow_id: Option<&'a str>,
    payload: Option<&'a str>,
    identity: Option<&'a str>,
    auth: Option<&'a str>,
    metadata: Option<&'a str>,
    /// Where `identity.userId` and `identity.user` are.
    identity_spots: Option<[Spot; 2]>,
    /// Where `metadata.trace` and `metadata.origin` are.
    metadata_spots: Option<[Spot; 2]>,
}

impl<'a> Scanned<'a> {
    /// Reads the value of `key`; `None` when the key is repeated, or its
    /// value is not the plain kind.
    fn accept(&mut self, key: Key, cursor: &mut Cursor<'a>, body: &'a str) -> Option<()> {
        let (slot, object) = match key {
            Key::Name => return set(&mut self.name, cursor.plain_string(body)?),
            Key::Id => return set(&mut self.id, cursor.plain_string(body)?),
            Key::FlowId => return set(&mut self.flow_id, cursor.plain_string(body)?),
            Key::Version => return set(&mut self.version, cursor.integer(body)?),
            Key::Payload => (&mut self.payload, false),
            Key::Identity => {
                let start = cursor.at;
                self.identity_spots = Some(cursor.object_spots([USER_ID, USER])?);
                return set(&mut self.identity, body.get(start..cursor.at)?);
            }
            Key::Auth => (&mut self.auth, true),
            Key::Metadata => {
                let start = cursor.at;
                self.metadata_spots = Some(cursor.object_spots([TRACE, ORIGIN])?);
                return set(&mut self.metadata, body.get(start..cursor.at)?);
            }
        };
        let start = cursor.at;
        if object && cursor.peek() != Some(b'{') {
            return None;
        }
        cursor.skip_value(MAX_DEPTH)?;
        set(slot, body.get(start..cursor.at)?)
    }

    /// The event, when every key the mode requires is there.
    fn finish(self, mode: ReadMode) -> Option<Event<'a>> {
        if mode == ReadMode::Strict
            && (self.id.is_none()
                || self.flow_id.is_none()
                || self.payload.is_none()
                || self.identity.is_none()
                || self.auth.is_none()
                || self.metadata.is_none())
        {
            return None;
        }
        let checked =
            |text: Option<&'a str>| text.map(|text| JsonText::Checked(Cow::Borrowed(text)));
        Some(
            Parts {
                name: Cow::Borrowed(self.name?),
                version: self.version?,
                id: self.id.map(Cow::Borrowed),
                flow_id: self.flow_id.map(Cow::Borrowed),
                payload: checked(self.payload),
                identity: checked(self.identity),
                auth: checked(self.auth),
                metadata: checked(self.metadata),
                // strings read by `plain_string`, or fresh UUIDs
                plain: true,
                spots: {
                    // an absent object is `{}`: no member anywhere
                    let [user_id, user] = self.identity_spots.unwrap_or([Spot::Nowhere; 2]);
                    let [trace, origin] = self.metadata_spots.unwrap_or([Spot::Nowhere; 2]);
                    Spots {
                        trace,
                        origin,
                        user_id,
                        user,
                    }
                },
            }
            .into_event(),
        )
    }
}

/// Fills an empty slot; `None` when it was filled already (a repeated key).
fn set<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value);
            Some(())
        }
    }
}

/// A position in the body.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    /// Consumes `byte`, or gives up.
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    /// Consumes `literal` (`true`, `false`, `null`), or gives up.
    fn literal(&mut self, literal: &[u8]) -> Option<()> {
        let end = self.at + literal.len();
        (self.bytes.get(self.at..end) == Some(literal)).then(|| self.at = end)
    }

    /// JSON's whitespace: space, tab, line feed, carriage return.
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// Consumes digits; how many.
    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.at += 1;
        }
        self.at - start
    }

    /// A string without escapes, its content borrowed from `body`.
    fn plain_string<'b>(&mut self, body: &'b str) -> Option<&'b str> {
        self.eat(b'"')?;
        let start = self.at;
        let (length, quoted) = plain_run(self.bytes.get(start..)?);
        if !quoted {
            return None;
        }
        self.at = start + length + 1;
        body.get(start..start + length)
    }

    /// A string, escapes checked, from its opening quote. Inlined for
    /// the string without escapes (almost every one), the rest out of line.
    #[inline]
    fn skip_string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        let (length, quoted) = plain_run(self.bytes.get(self.at..)?);
        self.at += length;
        if quoted {
            self.at += 1;
            return Some(());
        }
        self.skip_escaped_string()
    }

    /// The rest of a string from its first escape (or control character).
    #[cold]
    fn skip_escaped_string(&mut self) -> Option<()> {
        loop {
            match self.next()? {
                b'"' => return Some(()),
                b'\\' => match self.next()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        // as serde_json checks a skipped string: four hex
                        // digits, whichever code unit they name
                        let hex = self.bytes.get(self.at..self.at + 4)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        self.at += 4;
                    }
                    _ => return None,
                },
                // a control character
                _ => return None,
            }
            self.at += plain_prefix(self.bytes.get(self.at..)?);
        }
    }

    /// A number, by JSON's grammar.
    fn skip_number(&mut self) -> Option<()> {
        let _minus = self.eat(b'-');
        match self.next()? {
            b'0' if self.peek().is_some_and(|byte| byte.is_ascii_digit()) => return None,
            b'0' => {}
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.eat(b'.').is_some() && self.digits() == 0 {
            return None;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    /// `version`: an integer in the 64-bit range, without fraction or
    /// exponent.
    fn integer(&mut self, body: &str) -> Option<i64> {
        let start = self.at;
        self.skip_number()?;
        let text = body.get(start..self.at)?;
        decimal_i64(text).ok()
    }

    /// An object (`identity`, `metadata`), checked as
    /// [`skip_value`](Self::skip_value) checks it, and where the members
    /// `keys` (each a key as written, quotes included) are: the offset of
    /// each one's value from the object's `{`. A key is matched as it is
    /// written: with an escape in any key, every spot is [`Spot::Unknown`]
    /// and the object is walked when one of them is read.
    fn object_spots<const N: usize>(&mut self, keys: [&[u8]; N]) -> Option<[Spot; N]> {
        let open = self.at;
        self.eat(b'{')?;
        self.skip_whitespace();
        let mut spots = [Spot::Nowhere; N];
        if self.eat(b'}').is_some() {
            return Some(spots);
        }
        let mut escaped = false;
        loop {
            let key = self.at;
            self.skip_string()?;
            let key = self.bytes.get(key..self.at)?;
            self.skip_whitespace();
            self.eat(b':')?;
            self.skip_whitespace();
            let value = self.at;
            // the members' values are one level inside the object
            self.skip_value(MAX_DEPTH - 1)?;
            if let Some(slot) = keys.iter().position(|known| *known == key) {
                spots[slot] = match (spots[slot], u32::try_from(value - open)) {
                    (Spot::Nowhere, Ok(at)) => Spot::At(at),
                    (Spot::Nowhere, Err(_)) => Spot::Unknown,
                    _ => Spot::Repeated,
                };
            } else if key.contains(&b'\\') {
                escaped = true;
            }
            self.skip_whitespace();
            match self.next()? {
                b',' => self.skip_whitespace(),
                b'}' => break,
                _ => return None,
            }
        }
        if escaped {
            spots = [Spot::Unknown; N];
        }
        Some(spots)
    }

    /// One JSON value of any kind, checked, from its first byte, with at
    /// most `max_depth` containers open at once. Containers are followed
    /// with a stack of one bit per level (set for an object), so nothing is
    /// allocated.
    fn skip_value(&mut self, max_depth: u32) -> Option<()> {
        let mut objects: u64 = 0;
        let mut depth: u32 = 0;
        loop {
            // at the start of a value
            match self.peek()? {
                b'{' | b'[' => {
                    if depth == max_depth {
                        return None;
                    }
                    let object = self.next()? == b'{';
                    self.skip_whitespace();
                    if self.eat(if object { b'}' } else { b']' }).is_none() {
                        depth += 1;
                        objects = objects << 1 | u64::from(object);
                        if object {
                            self.member_key()?;
                        }
                        continue;
                    }
                }
                b'"' => self.skip_string()?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                _ => self.skip_number()?,
            }
            // after a value: close the containers it ends
            loop {
                if depth == 0 {
                    return Some(());
                }
                self.skip_whitespace();
                let in_object = objects & 1 == 1;
                match (self.next()?, in_object) {
                    (b',', _) => {
                        self.skip_whitespace();
                        if in_object {
                            self.member_key()?;
                        }
                        break;
                    }
                    (b'}', true) | (b']', false) => {
                        depth -= 1;
                        objects >>= 1;
                    }
                    _ => return None,
                }
            }
        }
    }

    /// A member's key and its colon, up to the start of its value.
    fn member_key(&mut self) -> Option<()> {
        self.skip_string()?;
        self.skip_whitespace();
        self.eat(b':')?;
        self.skip_whitespace();
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `body` both ways; when this reader takes it, the events agree.
    fn agree(body: &str) -> bool {
        match crate::read::agree::readers_agree(body) {
            Ok(taken) => taken,
            Err(difference) => panic!("{difference}"),
        }
    }

    const FULL: &str = r#"{"name":"a:b","version":1,"id":"i","flowId":"f","payload":{"x":[1,-2.5e+3,true,false,null,"\u00e9\n"]},"identity":{"userId":"42"},"auth":{},"metadata":{"origin":"app"}}"#;

    #[test]
    fn reads_a_plain_body_as_serde_json_does() {
        assert!(agree(FULL));
        assert!(agree(
            " {\n \"version\" : 7 , \"name\": \"x\", \"payload\": [ ] } \r\n"
        ));
        assert!(agree(r#"{"name":"é😀","version":-9223372036854775808}"#));
        assert!(agree(r#"{"name":"a","version":0,"payload":"\ud800"}"#));
        // `flow_id` is `flowId` when reading leniently, as serde_json's
        // reading has it (and an unknown key strictly: left to serde_json)
        assert!(agree(r#"{"name":"a","version":1,"flow_id":"f"}"#));
        let strict = r#"{"name":"a","version":1,"id":"i","flow_id":"f","payload":1,"identity":{},"auth":{},"metadata":{}}"#;
        assert!(read(strict, ReadMode::Strict).is_none());
        assert!(
            read(
                r#"{"name":"a","version":1,"flowId":"f","flow_id":"g"}"#,
                ReadMode::Lenient
            )
            .is_none()
        );
    }

    #[test]
    fn notes_where_the_members_read_by_the_crate_are() {
        let traceparent =
            r#""traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01""#;
        let spots = |identity: &str, metadata: &str| {
            let body = format!(
                r#"{{"name":"a","version":1,"identity":{identity},"metadata":{metadata}}}"#
            );
            // panics when the readers disagree, on these members included
            let _taken = agree(&body);
            read(&body, ReadMode::Lenient).map(|event| event.spots())
        };
        let trace = |metadata: &str| spots("{}", metadata).map(|spots| spots.trace);
        let object = format!("{{{traceparent}}}");
        assert_eq!(trace("{}"), Some(Spot::Nowhere));
        assert_eq!(trace(r#"{"origin":"app"}"#), Some(Spot::Nowhere));
        assert_eq!(
            trace(&format!(r#"{{"trace":{object}}}"#)),
            Some(Spot::At(9))
        );
        assert_eq!(
            spots(
                r#"{ "user": {"id": 1}, "userId" : "42" }"#,
                &format!(r#"{{ "origin" : "app" , "trace" : {object} }}"#)
            ),
            Some(Spots {
                trace: Spot::At(31),
                origin: Spot::At(13),
                user_id: Spot::At(32),
                user: Spot::At(10),
            })
        );
        // a key that only looks like `trace`, nested `trace`s
        assert_eq!(
            trace(&format!(
                r#"{{"traces":{object},"x":{{"trace":{object}}}}}"#
            )),
            Some(Spot::Nowhere)
        );
        // any kind of value is noted: what it holds is read later
        for value in [r#""text""#, "[]", "null", "1"] {
            assert_eq!(trace(&format!(r#"{{"trace":{value}}}"#)), Some(Spot::At(9)));
        }
        // repeated: ambiguous, none read
        assert_eq!(
            trace(&format!(r#"{{"trace":{object},"trace":{object}}}"#)),
            Some(Spot::Repeated)
        );
        // an escape in a key (which may spell `trace`): metadata is walked
        assert_eq!(
            trace(&format!(r#"{{"tr\u0061ce":{object}}}"#)),
            Some(Spot::Unknown)
        );
        assert_eq!(
            trace(&format!(r#"{{"trace":{object},"a\n":1}}"#)),
            Some(Spot::Unknown)
        );
        // hostile shapes are read as walking reads them
        for hostile in [
            r#"{"trace":{"traceparent":1}}"#,
            r#"{"trace":{"traceparent":"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}}"#,
            r#"{"trace":{"x-datadog-trace-id":"12","x-datadog-parent-id":"ab"}}"#,
        ] {
            assert_eq!(trace(hostile), Some(Spot::At(9)));
        }
        for identity in [
            r#"{"userId":1,"userId":2}"#,
            r#"{"user":{"id":1,"id":2}}"#,
            r#"{"user":"x","userId":3}"#,
            r#"{"user\u0049d":4}"#,
        ] {
            assert!(spots(identity, "{}").is_some(), "{identity}");
        }
        // the members of the object are one level inside it: the reader's
        // depth bound is unchanged
        let deep =
            |levels: usize| format!(r#"{{"a":{}{}}}"#, "[".repeat(levels), "]".repeat(levels));
        assert_eq!(trace(&deep(63)), Some(Spot::Nowhere));
        assert_eq!(trace(&deep(64)), None);
    }

    #[test]
    fn leaves_every_other_body_to_serde_json() {
        for body in [
            "",
            "{}",
            "[]",
            r#"{"name":"a"}"#,
            r#"{"name":"a","version":1,}"#,
            r#"{"name":"a","version":1} x"#,
            r#"{"name":"a","name":"a","version":1}"#,
            r#"{"name":"a\n","version":1}"#,
            r#"{"name":"a","version":"1"}"#,
            r#"{"name":"a","version":1.0}"#,
            r#"{"name":"a","version":1e2}"#,
            r#"{"name":"a","version":01}"#,
            r#"{"name":"a","version":9223372036854775808}"#,
            r#"{"name":"a","version":1,"id":null}"#,
            r#"{"name":"a","version":1,"other":1}"#,
            r#"{"name":"a","version":1,"identity":null}"#,
            r#"{"name":"a","version":1,"identity":[]}"#,
            r#"{"name":"a","version":1,"payload":{"a":1,}}"#,
            r#"{"name":"a","version":1,"payload":[1,]}"#,
            r#"{"name":"a","version":1,"payload":[1 2]}"#,
            r#"{"name":"a","version":1,"payload":{"a" 1}}"#,
            r#"{"name":"a","version":1,"payload":{"a":1]}"#,
            r#"{"name":"a","version":1,"payload":"\x"}"#,
            r#"{"name":"a","version":1,"payload":"\u12g4"}"#,
            r#"{"name":"a","version":1,"payload":"tab	here"}"#,
            r#"{"name":"a","version":1,"payload":tru}"#,
            r#"{"name":"a","version":1,"payload":-}"#,
            r#"{"name":"a","version":1,"payload":1.}"#,
            r#"{"name":"a","version":1,"payload":1e}"#,
            r#"{"name":"a","version":1,"payload":"open}"#,
            r#"{"name":"a","version":1,"payload":{"#,
        ] {
            assert!(read(body, ReadMode::Lenient).is_none(), "{body}");
        }
        let strict_only = r#"{"name":"a","version":1}"#;
        assert!(read(strict_only, ReadMode::Lenient).is_some());
        assert!(read(strict_only, ReadMode::Strict).is_none());
    }

    #[test]
    fn nesting_deeper_than_the_stack_is_left_to_serde_json() {
        let nested = |depth: usize| {
            format!(
                r#"{{"name":"a","version":1,"payload":{}{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        assert!(agree(&nested(MAX_DEPTH as usize)));
        assert!(read(&nested(MAX_DEPTH as usize + 1), ReadMode::Lenient).is_none());
    }

    #[test]
    fn every_cut_of_a_body_is_left_to_serde_json() {
        for end in 0..=FULL.len() {
            if let Some(cut) = FULL.get(..end) {
                assert_eq!(agree(cut), end == FULL.len(), "{cut}");
            }
        }
    }
}
