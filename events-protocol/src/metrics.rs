//! Metrics through the [`metrics`](https://docs.rs/metrics) facade (feature
//! `metrics`): every event handled and every call made, counted and timed by
//! name, version and outcome, and the events in flight.
//!
//! The library installs no recorder: the application does (a Prometheus
//! exporter, a StatsD one, ...), and without one the facade does nothing.
//!
//! | metric | kind | labels | what |
//! |---|---|---|---|
//! | [`EVENTS_HANDLED`] | counter | `name`, `version`, `outcome` | events answered by a processor |
//! | [`EVENTS_DURATION`] | histogram, seconds | `name`, `version`, `outcome` | from the body given to the answer written |
//! | [`EVENTS_IN_FLIGHT`] | gauge | none | events being processed |
//! | [`CLIENT_CALLS`] | counter | `name`, `version`, `outcome` | calls made by the clients |
//! | [`CLIENT_CALL_DURATION`] | histogram, seconds | `name`, `version`, `outcome` | from the request sent to the answer read |
//!
//! **The labels are bounded.** Callers choose the names they send, so a name
//! is a label only when it is known:
//!
//! - a processor labels an event with its `name` and `version` only when a
//!   handler is registered for them; any other event (not found, a
//!   `badProtocol` body, a (name, version) with two handlers) is labelled
//!   name and version [`UNREGISTERED`];
//! - a client labels a call with the name and version it sends, for the
//!   first [`MAX_CLIENT_SERIES`] (name, version) pairs of the process; later
//!   ones are labelled [`UNREGISTERED`] (a program calls a fixed set of
//!   events; a gateway forwarding names it is sent does not grow memory);
//! - `outcome` is the answer's suffix when it is one of the protocol's
//!   (`response`, `redirect`, and the error types of PROTOCOL.md §2:
//!   `error`, `badRequest`, `badProtocol`, `eventNotFound`, `unauthorized`,
//!   `notFound`, `forbidden`, `userDenied`, `resourceDenied`, `expired`,
//!   `unprocessable`, `gone`), else `other`; a client's call that got no
//!   answer is one of `timeout`, `failedDependency`, `invalidAnswer` or
//!   `notSent` (the classes of
//!   [`Failure`](crate::client::Failure)).
//!
//! The keys of every series are made once, the first time each is used, and
//! kept by the registry's handlers; the global recorder's handles of them
//! too, so that counting an event costs no look-up in the recorder once it is
//! installed (a global recorder installed after the first events is looked
//! up per event until it is noticed, within 4,096 registrations). A
//! thread-local recorder (`metrics::with_local_recorder`) is looked up at
//! every event: it may be dropped and another made in its place.

// without the feature, the module is private and only its names are used
#![cfg_attr(not(feature = "metrics"), allow(dead_code))]

#[cfg(feature = "metrics")]
mod imp;

#[cfg(all(feature = "metrics", feature = "client"))]
pub(crate) use imp::client_series;
#[cfg(all(feature = "metrics", feature = "client"))]
pub(crate) use imp::warm_clock;
#[cfg(feature = "metrics")]
pub(crate) use imp::{Measure, Series, unregistered};

/// Events answered by a processor: a counter labelled `name`, `version`,
/// `outcome`.
pub const EVENTS_HANDLED: &str = "events_handled_total";

/// How long a processor took to answer an event, in seconds: a histogram
/// labelled `name`, `version`, `outcome`.
pub const EVENTS_DURATION: &str = "events_duration_seconds";

/// Events being processed: a gauge.
pub const EVENTS_IN_FLIGHT: &str = "events_in_flight";

/// Calls made by the clients: a counter labelled `name`, `version`,
/// `outcome`.
pub const CLIENT_CALLS: &str = "events_client_calls_total";

/// How long a client's call took, in seconds: a histogram labelled `name`,
/// `version`, `outcome`.
pub const CLIENT_CALL_DURATION: &str = "events_client_call_duration_seconds";

/// The `name` and `version` label of an event no handler is registered for,
/// and of a client's call past [`MAX_CLIENT_SERIES`].
pub const UNREGISTERED: &str = "unregistered";

/// The `outcome` label of an answer whose suffix is none of the protocol's.
pub const OTHER: &str = "other";

/// How many (name, version) pairs the clients of a process label their calls
/// with; calls of any other are labelled [`UNREGISTERED`].
pub const MAX_CLIENT_SERIES: usize = 1000;

/// Every `outcome` label: the protocol's suffixes, the classes of a call
/// that got no answer, and [`OTHER`] last.
pub(crate) const OUTCOMES: [&str; 19] = [
    "response",
    "redirect",
    "error",
    "badRequest",
    "badProtocol",
    "eventNotFound",
    "unauthorized",
    "notFound",
    "forbidden",
    "userDenied",
    "resourceDenied",
    "expired",
    "unprocessable",
    "gone",
    "timeout",
    "failedDependency",
    "invalidAnswer",
    "notSent",
    OTHER,
];

/// The index in [`OUTCOMES`] of `outcome`, [`OTHER`]'s for any other.
pub(crate) fn outcome_index(outcome: &str) -> usize {
    OUTCOMES
        .iter()
        .position(|known| *known == outcome)
        .unwrap_or(OUTCOMES.len() - 1)
}

/// Without the feature: nothing measured, nothing kept.
#[cfg(not(feature = "metrics"))]
mod off {
    /// The series of one handler: nothing.
    #[derive(Debug, Default)]
    pub(crate) struct Series;

    impl Series {
        pub(crate) fn of(_name: &str, _version: i64) -> Series {
            Series
        }
    }

    /// The series of the events no handler serves.
    pub(crate) fn unregistered() -> &'static Series {
        &Series
    }

    /// No clock to warm.
    pub(crate) fn warm_clock() {}

    /// The series of a client's calls.
    pub(crate) fn client_series(_name: &str, _version: i64) -> &'static Series {
        &Series
    }

    /// One event or call under way: nothing.
    #[derive(Debug)]
    pub(crate) struct Measure;

    impl Measure {
        pub(crate) fn start() -> Measure {
            Measure
        }

        #[cfg_attr(not(feature = "client"), allow(dead_code))]
        pub(crate) fn call() -> Measure {
            Measure
        }

        pub(crate) fn finish(self, _series: &Series, _outcome: &str) {}
    }
}

#[cfg(all(not(feature = "metrics"), feature = "client"))]
pub(crate) use off::client_series;
#[cfg(all(not(feature = "metrics"), feature = "client"))]
pub(crate) use off::warm_clock;
#[cfg(not(feature = "metrics"))]
pub(crate) use off::{Measure, Series, unregistered};

#[cfg(test)]
mod tests {
    use super::{OTHER, OUTCOMES, outcome_index};

    #[test]
    fn the_error_outcomes_are_the_protocol_s_error_types() {
        // the labels are written here as static text: they must not drift
        // from `EventErrorType`'s spellings
        let known: Vec<&str> = crate::error::EventErrorType::KNOWN
            .iter()
            .map(crate::error::EventErrorType::as_str)
            .collect();
        assert_eq!(&OUTCOMES[2..2 + known.len()], known.as_slice());
    }

    #[test]
    fn an_unknown_suffix_is_other() {
        assert_eq!(OUTCOMES[outcome_index("forbidden")], "forbidden");
        assert_eq!(OUTCOMES[outcome_index("invented-by-a-caller")], OTHER);
    }
}
