//! How the output looks: colours (only on a terminal, and never with
//! `NO_COLOR`), JSON pretty-printed from its text (keys in their order,
//! numbers and strings as written), durations and counts.

use std::io::IsTerminal;
use std::time::Duration;

/// When to colour the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// When standard output is a terminal and `NO_COLOR` is unset or empty.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// What a piece of output is, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A success.
    Good,
    /// A redirect, a warning.
    Notice,
    /// An error answer, a failure.
    Bad,
    /// A name, a heading.
    Strong,
    /// A time, a detail.
    Faint,
    /// A JSON object's key.
    Key,
    /// A JSON string.
    Text,
    /// A JSON number.
    Number,
    /// `true`, `false`, `null`.
    Literal,
}

impl Role {
    /// Its ANSI SGR parameters.
    fn code(self) -> &'static str {
        match self {
            Role::Good => "1;32",
            Role::Notice => "1;33",
            Role::Bad => "1;31",
            Role::Strong => "1",
            Role::Faint => "2",
            Role::Key => "34",
            Role::Text => "32",
            Role::Number => "36",
            Role::Literal => "35",
        }
    }
}

/// Colours, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Palette {
    on: bool,
}

impl Palette {
    /// The palette of standard output for `choice`.
    pub fn for_stdout(choice: ColorChoice) -> Palette {
        Palette::of(choice, std::io::stdout().is_terminal())
    }

    /// The palette of standard error for `choice`.
    pub fn for_stderr(choice: ColorChoice) -> Palette {
        Palette::of(choice, std::io::stderr().is_terminal())
    }

    fn of(choice: ColorChoice, terminal: bool) -> Palette {
        let on = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                terminal && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
            }
        };
        Palette { on }
    }

    /// `text` in the colour of `role`.
    pub fn paint(self, role: Role, text: &str) -> String {
        if self.on {
            format!("\x1b[{}m{text}\x1b[0m", role.code())
        } else {
            text.to_owned()
        }
    }

    /// Valid JSON text, pretty-printed: two spaces of indentation, keys in
    /// their order, strings and numbers exactly as written, `{}` and `[]`
    /// kept on one line.
    pub fn json(self, json: &str) -> String {
        let bytes = json.as_bytes();
        let mut out = String::with_capacity(json.len() * 2);
        // for each open container, whether it is an object
        let mut open: Vec<bool> = Vec::new();
        let mut key_next = false;
        let mut at = 0;
        while let Some(&byte) = bytes.get(at) {
            match byte {
                b' ' | b'\t' | b'\n' | b'\r' => at += 1,
                b'{' | b'[' => {
                    let close = if byte == b'{' { b'}' } else { b']' };
                    let next = skip_space(bytes, at + 1);
                    if bytes.get(next) == Some(&close) {
                        out.push_str(if byte == b'{' { "{}" } else { "[]" });
                        at = next + 1;
                        continue;
                    }
                    out.push(char::from(byte));
                    open.push(byte == b'{');
                    key_next = byte == b'{';
                    newline(&mut out, open.len());
                    at += 1;
                }
                b'}' | b']' => {
                    open.pop();
                    newline(&mut out, open.len());
                    out.push(char::from(byte));
                    at += 1;
                }
                b',' => {
                    out.push(',');
                    newline(&mut out, open.len());
                    key_next = open.last() == Some(&true);
                    at += 1;
                }
                b':' => {
                    out.push_str(": ");
                    key_next = false;
                    at += 1;
                }
                b'"' => {
                    let end = string_end(bytes, at);
                    let role = if key_next { Role::Key } else { Role::Text };
                    out.push_str(&self.paint(role, json.get(at..end).unwrap_or_default()));
                    at = end;
                }
                _ => {
                    let end = bytes[at..]
                        .iter()
                        .position(|b| b",]}: \t\n\r".contains(b))
                        .map_or(bytes.len(), |length| at + length);
                    let token = json.get(at..end).unwrap_or_default();
                    let role = match token {
                        "true" | "false" | "null" => Role::Literal,
                        _ => Role::Number,
                    };
                    out.push_str(&self.paint(role, token));
                    // never stuck, whatever the text
                    at = end.max(at + 1);
                }
            }
        }
        out
    }
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        at += 1;
    }
    at
}

/// Where the string starting with the quote at `start` ends (just past its
/// closing quote, or the end of the text).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut at = start + 1;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// A duration as a person reads it: `0.42 ms`, `12.31 ms`, `1.50 s`.
pub fn duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 1.0 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{seconds:.2} s")
    }
}

/// A count with thousands separated: `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A rate with thousands separated and no decimals: `41,234`.
pub fn rate(per_second: f64) -> String {
    // a rate is finite and positive; anything else is shown as 0
    if per_second.is_finite() && per_second > 0.0 {
        // `as` saturates: a rate over u64::MAX is not one
        count(per_second.round() as u64)
    } else {
        count(0)
    }
}

#[cfg(test)]
mod tests {
    use super::{ColorChoice, Palette, count, duration};
    use std::time::Duration;

    #[test]
    fn json_is_pretty_printed_from_its_text() {
        let palette = Palette::of(ColorChoice::Never, false);
        assert_eq!(
            palette.json(r#"{"b":1.50,"a":[true,null,{}],"s":"x\"y, z: {","e":[],"o":{"k":-2e3}}"#),
            "{\n  \"b\": 1.50,\n  \"a\": [\n    true,\n    null,\n    {}\n  ],\n  \"s\": \"x\\\"y, z: {\",\n  \"e\": [],\n  \"o\": {\n    \"k\": -2e3\n  }\n}"
        );
        assert_eq!(palette.json(" \"text\" "), "\"text\"");
    }

    #[test]
    fn json_is_coloured_by_role_only_when_on() {
        let palette = Palette::of(ColorChoice::Always, false);
        assert_eq!(
            palette.json(r#"{"k":["v",1,false]}"#),
            "{\n  \x1b[34m\"k\"\x1b[0m: [\n    \x1b[32m\"v\"\x1b[0m,\n    \x1b[36m1\x1b[0m,\n    \x1b[35mfalse\x1b[0m\n  ]\n}"
        );
    }

    #[test]
    fn malformed_json_is_printed_without_panicking() {
        let palette = Palette::of(ColorChoice::Never, false);
        for text in ["{", "}", "\"open", "[1,", "{\"a\\", "é"] {
            let _ = palette.json(text);
        }
    }

    #[test]
    fn auto_colours_only_a_terminal() {
        assert!(!Palette::of(ColorChoice::Auto, false).on);
        assert!(Palette::of(ColorChoice::Always, false).on);
        assert!(!Palette::of(ColorChoice::Never, true).on);
    }

    #[test]
    fn durations_and_counts_read_as_a_person_writes_them() {
        assert_eq!(duration(Duration::from_micros(420)), "0.42 ms");
        assert_eq!(duration(Duration::from_millis(1500)), "1.50 s");
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_234_567), "1,234,567");
    }
}
