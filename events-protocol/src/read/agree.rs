//! The check that the two readers agree, for this module's unit tests and,
//! through `__testing`, the workspace's property tests and fuzz targets.

use serde_json::value::RawValue;

use crate::Event;
use crate::error::ProtocolError;
use crate::read::{ReadMode, scan, serde_reader};
use crate::trace::TraceContext;

/// How the one-pass reader of plain bodies and serde_json's reading differ
/// on a body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Disagreement {
    /// The one-pass reader took a body serde_json refuses.
    #[error("{mode:?}: the one-pass reader took {body:?}, serde_json refuses it: {error}")]
    Refused {
        /// The reading mode.
        mode: ReadMode,
        /// The body.
        body: String,
        /// serde_json's reason.
        error: ProtocolError,
    },
    /// The one-pass reader kept a text serde_json does not read as a value.
    #[error("{mode:?}: {text:?} of {body:?} is not one JSON value: {error}")]
    NotJson {
        /// The reading mode.
        mode: ReadMode,
        /// The body.
        body: String,
        /// The text kept.
        text: String,
        /// serde_json's reason.
        error: serde_json::Error,
    },
    /// What the one-pass reader noted of `metadata` and `identity` reads
    /// another trace context, user id or origin than walking them does.
    #[error(
        "{mode:?}: in {body:?} the one-pass reader's members read {fast}, walking gives {walked}"
    )]
    Members {
        /// The reading mode.
        mode: ReadMode,
        /// The body.
        body: String,
        /// The trace context, user id and origin read where the one-pass
        /// reader saw them.
        fast: String,
        /// The same, read by walking the objects.
        walked: String,
    },
    /// The two read different events, or write them differently.
    #[error("{mode:?}: from {body:?} the one-pass reader read {fast}, serde_json {slow}")]
    Read {
        /// The reading mode.
        mode: ReadMode,
        /// The body.
        body: String,
        /// The event the one-pass reader read, and how it is written.
        fast: String,
        /// The event serde_json read, and how it is written.
        slow: String,
    },
}

/// Checks that the one-pass reader of plain bodies agrees with serde_json's
/// reading on `body`, in both modes. When the one-pass reader takes the
/// body, serde_json must read the same event: name, version, the four JSON
/// texts (each one JSON value), and the ids: the same when the body gives
/// them, fresh UUIDs on both sides when it does not (serde_json reading the
/// body twice tells which). When the body gives both ids, the two events
/// must also be written alike, and the one-pass reader's must be marked
/// plain (its name and ids written without an escape scan). Where the
/// one-pass reader saw `metadata.trace`, `metadata.origin` and
/// `identity.userId` must give what walking the objects reads. `Ok(true)` when
/// the one-pass reader took the body in some mode.
///
/// # Errors
///
/// The [`Disagreement`].
pub fn readers_agree(body: &str) -> Result<bool, Disagreement> {
    let mut taken = false;
    for mode in [ReadMode::Lenient, ReadMode::Strict] {
        let Some(fast) = scan::read(body, mode) else {
            continue;
        };
        taken = true;
        let read = || serde_reader::read(body, mode);
        let slow = read().map_err(|error| Disagreement::Refused {
            mode,
            body: body.to_owned(),
            error,
        })?;
        let texts = |event: &Event<'_>| event.texts().map(str::to_owned);
        let fast_texts = texts(&fast);
        for text in &fast_texts {
            if let Err(error) = serde_json::from_str::<&RawValue>(text) {
                return Err(Disagreement::NotJson {
                    mode,
                    body: body.to_owned(),
                    text: text.clone(),
                    error,
                });
            }
        }
        let again = read().ok();
        let given =
            |id: fn(&Event<'_>) -> String| again.as_ref().is_some_and(|e| id(e) == id(&slow));
        let fresh = |id: &str| uuid::Uuid::parse_str(id).is_ok();
        let ids: [fn(&Event<'_>) -> String; 2] = [
            |event| event.id().to_owned(),
            |event| event.flow_id().to_owned(),
        ];
        let ids_agree = ids.iter().all(|&id| {
            if given(id) {
                id(&fast) == id(&slow)
            } else {
                fresh(&id(&fast)) && fresh(&id(&slow))
            }
        });
        let both_given = ids.iter().all(|&id| given(id));
        let written_alike = !both_given || (fast.is_plain() && fast.to_json() == slow.to_json());
        if (fast.name(), fast.version(), &fast_texts)
            != (slow.name(), slow.version(), &texts(&slow))
            || !ids_agree
            || !written_alike
        {
            return Err(Disagreement::Read {
                mode,
                body: body.to_owned(),
                fast: format!("{fast:?} written {}", fast.to_json()),
                slow: format!("{slow:?} written {}", slow.to_json()),
            });
        }
        let members = |event: &Event<'_>| {
            let trace =
                TraceContext::extract_at(event.metadata_text(), event.trace_spot(), None, None);
            format!(
                "{trace:?}, {:?}, {:?}, {:?}",
                event.user_id(),
                event.user_type(),
                event.origin()
            )
        };
        // serde_json's event has no spots: its members are walked for
        let (seen, walked) = (members(&fast), members(&slow));
        if seen != walked {
            return Err(Disagreement::Members {
                mode,
                body: body.to_owned(),
                fast: format!("{seen} ({:?})", fast.spots()),
                walked,
            });
        }
    }
    Ok(taken)
}
