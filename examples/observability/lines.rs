//! One log line per event, cheaply: a `tracing` layer that keeps the fields
//! of each `event` span as they are recorded, and writes them as one line
//! when the span closes, with how long it lasted. It does what
//! `tracing_subscriber::fmt` with `FmtSpan::CLOSE` does for these spans, at
//! half the cost (`bench/README.md`): no timings at every enter and exit, no synthetic
//! `close` event formatted through the span's scope, one buffer per span.
//!
//! ```text
//! 2026-11-30T10:12:32.076745Z  INFO event name="greeting:say" version=1 id="run-1" flowId="run-flow" traceId=4bf92f3577b34da6a3ce929d0e0e4736 outcome="response" elapsed=129µs
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

/// Writes each field as ` name=value`: strings quoted as `Debug` quotes them.
struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        let _ = write!(self.0, " {}={value}", field.name());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        let _ = write!(self.0, " {}={value}", field.name());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
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
            let _ = writeln!(
                text,
                "  INFO event{} elapsed={:?}",
                line.fields,
                line.began.elapsed()
            );
            let _ = self.writer.make_writer().write_all(text.as_bytes());
        });
    }
}

/// Appends the UTC time as RFC 3339 with microseconds.
fn timestamp(out: &mut String) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = now.as_secs();
    let (days, second_of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
        now.subsec_micros()
    );
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
