//! One log line per event, cheaply: a `tracing` layer that keeps the fields
//! of each `event` span as they are recorded, and writes them as one line
//! when the span closes, with how long it lasted. It does what
//! `tracing_subscriber::fmt` with `FmtSpan::CLOSE` does for these spans, at
//! half the cost (`bench/README.md`): no timings at every enter and exit, no synthetic
//! `close` event formatted through the span's scope, one buffer per span.
//!
//! ```text
//! 2026-11-30T10:12:32.076745Z  INFO event name="greeting:say" version=1 id="run-1" flowId="run-flow" traceId=4bf92f3577b34da6a3ce929d0e0e4736 outcome="response" elapsed=129.000µs
//! ```

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::Write;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// The layer: lines written to `W`.
pub struct EventLines<W> {
    writer: W,
}

impl<W> EventLines<W> {
    /// One line per `event` span, written to `writer`.
    pub fn new(writer: W) -> EventLines<W> {
        EventLines { writer }
    }
}

/// What a span keeps: its fields as text, and when it began.
struct Line {
    fields: String,
    began: Instant,
}

/// Writes each field as ` name=value`: strings quoted as `Debug` quotes them
/// (copied as they are when they need no escape, as ids and names do).
struct Fields<'a>(&'a mut String);

impl Fields<'_> {
    fn name(&mut self, field: &Field) {
        self.0.push(' ');
        self.0.push_str(field.name());
        self.0.push('=');
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.name(field);
        // without an early exit, so that the check runs many bytes at a time
        let needs_escape = value.bytes().fold(false, |escape, byte| {
            escape | !(b' '..=b'~').contains(&byte) | (byte == b'"') | (byte == b'\\')
        });
        if !needs_escape {
            self.0.push('"');
            self.0.push_str(value);
            self.0.push('"');
        } else {
            let _ = write!(self.0, "{value:?}");
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.name(field);
        if value < 0 {
            self.0.push('-');
        }
        push_decimal(self.0, value.unsigned_abs(), 1);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.name(field);
        push_decimal(self.0, value, 1);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.name(field);
        let _ = write!(self.0, "{value:?}");
    }
}

impl<S, W> Layer<S> for EventLines<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        if attributes.metadata().name() != "event" {
            return;
        }
        let mut fields = String::with_capacity(256);
        attributes.record(&mut Fields(&mut fields));
        if let Some(span) = context.span(id) {
            span.extensions_mut().insert(Line {
                fields,
                began: Instant::now(),
            });
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, context: Context<'_, S>) {
        if let Some(span) = context.span(id)
            && let Some(line) = span.extensions_mut().get_mut::<Line>()
        {
            values.record(&mut Fields(&mut line.fields));
        }
    }

    fn on_close(&self, id: Id, context: Context<'_, S>) {
        let Some(span) = context.span(&id) else {
            return;
        };
        let Some(line) = span.extensions_mut().remove::<Line>() else {
            return;
        };
        thread_local! {
            static BUFFER: RefCell<String> = RefCell::new(String::with_capacity(512));
        }
        BUFFER.with(|buffer| {
            let Ok(mut text) = buffer.try_borrow_mut() else {
                return;
            };
            text.clear();
            timestamp(&mut text);
            let nanos = u64::try_from(line.began.elapsed().as_nanos()).unwrap_or(u64::MAX);
            text.push_str("  INFO event");
            text.push_str(&line.fields);
            text.push_str(" elapsed=");
            push_decimal(&mut text, nanos / 1000, 1);
            text.push('.');
            push_decimal(&mut text, nanos % 1000, 3);
            text.push_str("µs\n");
            let _ = self.writer.make_writer().write_all(text.as_bytes());
        });
    }
}

/// Appends the UTC time as RFC 3339 with microseconds. The text up to the
/// second is made once per second per thread.
fn timestamp(out: &mut String) {
    thread_local! {
        /// The second last written, and its text up to the `.`.
        static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = now.as_secs();
    let cached = SECOND.with(|second| {
        let Ok(mut second) = second.try_borrow_mut() else {
            return false;
        };
        let (written, text) = &mut *second;
        if *written != seconds {
            *written = seconds;
            text.clear();
            push_second(text, seconds);
        }
        out.push_str(text);
        true
    });
    if !cached {
        push_second(out, seconds);
    }
    push_decimal(out, u64::from(now.subsec_micros()), 6);
    out.push('Z');
}

/// Appends the UTC date and time of `seconds` since the epoch, up to the
/// second, and the `.` before the fraction.
fn push_second(out: &mut String, seconds: u64) {
    let (days, second_of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
    );
}

/// Appends `value` in decimal, with leading zeros to at least `width`
/// digits (at most 20), without the formatting machinery.
fn push_decimal(out: &mut String, mut value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    while value > 0 {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    let start = start.min(digits.len() - width.clamp(1, digits.len()));
    // ASCII digits: always UTF-8
    out.push_str(std::str::from_utf8(&digits[start..]).unwrap_or_default());
}

/// The date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}
