//! The two ids of a trace context, never zero, shown as lowercase hex; and
//! the generator of fresh ones.

use std::cell::Cell;
use std::fmt;
use std::num::{NonZeroU64, NonZeroU128};

/// A trace id: 128 bits, never zero. Shown (`Display`) as 32 lowercase hex
/// digits, as W3C's `trace-id` and the logs spell it.
///
/// A 64-bit Datadog trace id is a `TraceId` whose upper 64 bits are zero.
///
/// ```
/// use events_protocol::trace::TraceId;
///
/// let id = TraceId::new(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736);
/// assert_eq!(
///     id.map(|id| id.to_string()).as_deref(),
///     Some("4bf92f3577b34da6a3ce929d0e0e4736")
/// );
/// assert_eq!(TraceId::new(0), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceId(NonZeroU128);

impl TraceId {
    /// The trace id of these 128 bits; `None` for zero, which is no trace id.
    #[must_use]
    pub const fn new(bits: u128) -> Option<Self> {
        match NonZeroU128::new(bits) {
            Some(bits) => Some(Self(bits)),
            None => None,
        }
    }

    /// Its 128 bits.
    #[must_use]
    pub const fn get(self) -> u128 {
        self.0.get()
    }

    /// Its lower 64 bits: what Datadog's `x-datadog-trace-id` carries.
    #[must_use]
    pub const fn low(self) -> u64 {
        self.0.get() as u64
    }

    /// Its upper 64 bits: what Datadog's `_dd.p.tid` tag carries; zero for a
    /// 64-bit trace id.
    #[must_use]
    pub const fn high(self) -> u64 {
        (self.0.get() >> 64) as u64
    }

    /// A fresh random trace id.
    pub(super) fn random() -> Self {
        Self(nonzero128(next_u64))
    }
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::w3c::fmt_hex(f, self.get(), 32)
    }
}

impl fmt::Debug for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceId({self})")
    }
}

/// A span id: 64 bits, never zero. Shown (`Display`) as 16 lowercase hex
/// digits, as W3C's `parent-id` spells it.
///
/// ```
/// use events_protocol::trace::SpanId;
///
/// let id = SpanId::new(0x00f0_67aa_0ba9_02b7);
/// assert_eq!(id.map(|id| id.to_string()).as_deref(), Some("00f067aa0ba902b7"));
/// assert_eq!(SpanId::new(0), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpanId(NonZeroU64);

impl SpanId {
    /// The span id of these 64 bits; `None` for zero, which is no span id.
    #[must_use]
    pub const fn new(bits: u64) -> Option<Self> {
        match NonZeroU64::new(bits) {
            Some(bits) => Some(Self(bits)),
            None => None,
        }
    }

    /// Its 64 bits (what Datadog's `x-datadog-parent-id` carries, in decimal).
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0.get()
    }

    /// A fresh random span id.
    pub(super) fn random() -> Self {
        Self(nonzero64(next_u64))
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::w3c::fmt_hex(f, u128::from(self.get()), 16)
    }
}

impl fmt::Debug for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SpanId({self})")
    }
}

/// The first non-zero draw (a draw is zero once in 2^64).
fn nonzero64(mut draw: impl FnMut() -> u64) -> NonZeroU64 {
    loop {
        if let Some(bits) = NonZeroU64::new(draw()) {
            return bits;
        }
    }
}

/// The first non-zero pair of draws.
fn nonzero128(mut draw: impl FnMut() -> u64) -> NonZeroU128 {
    loop {
        let bits = (u128::from(draw()) << 64) | u128::from(draw());
        if let Some(bits) = NonZeroU128::new(bits) {
            return bits;
        }
    }
}

/// SplitMix64's increment (the golden ratio, odd).
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

thread_local! {
    /// Each thread's SplitMix64 state, seeded once from the OS generator.
    static STATE: Cell<u64> = Cell::new(seed());
}

/// 64 bits from the OS generator (through `uuid`): the two halves of a
/// version-4 UUID, whose six fixed bits lie at different places in each
/// half, so that their exclusive or is 64 random bits.
fn seed() -> u64 {
    let (high, low) = uuid::Uuid::new_v4().as_u64_pair();
    high ^ low
}

/// The next 64 bits of this thread's generator: SplitMix64 (Steele, Lea and
/// Flood, 2014), a few nanoseconds, never repeating within a thread for 2^64
/// draws. The ids it makes are unique and well spread, not secret: a trace
/// id is no credential. From a thread-local destructor, where the state is
/// gone, each draw asks the OS.
fn next_u64() -> u64 {
    STATE
        .try_with(|state| {
            let next = state.get().wrapping_add(GAMMA);
            state.set(next);
            mix(next)
        })
        .unwrap_or_else(|_| seed())
}

/// SplitMix64's output function, a bijection of the state.
fn mix(state: u64) -> u64 {
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A draw function that replays `values`, then repeats the last one.
    fn replay(values: &[u64]) -> impl FnMut() -> u64 + '_ {
        let mut index = 0;
        move || {
            let value = values[index.min(values.len() - 1)];
            index += 1;
            value
        }
    }

    #[test]
    fn zero_draws_are_drawn_again() {
        assert_eq!(nonzero64(replay(&[0, 0, 7])).get(), 7);
        assert_eq!(nonzero128(replay(&[0, 0, 0, 0, 0, 9])).get(), 9);
        assert_eq!(nonzero128(replay(&[0, 0, 1, 0])).get(), 1 << 64);
    }

    #[test]
    fn splitmix_matches_its_reference_output() {
        // the reference implementation's first three outputs from seed 0
        // (Vigna's splitmix64.c, also Java's SplittableRandom)
        let mut state = 0u64;
        let mut next = || {
            state = state.wrapping_add(GAMMA);
            mix(state)
        };
        assert_eq!(
            [next(), next(), next()],
            [
                0xe220_a839_7b1d_cdaf,
                0x6e78_9e6a_a1b9_65f4,
                0x06c4_5d18_8009_454f
            ]
        );
    }

    #[test]
    fn fresh_ids_differ() {
        let traces: std::collections::HashSet<_> = (0..1000).map(|_| TraceId::random()).collect();
        let spans: std::collections::HashSet<_> = (0..1000).map(|_| SpanId::random()).collect();
        assert_eq!((traces.len(), spans.len()), (1000, 1000));
    }

    #[test]
    fn ids_show_as_fixed_width_lowercase_hex() {
        let trace = TraceId::new(0xab);
        let span = SpanId::new(0xab);
        assert_eq!(
            (
                trace.map(|id| format!("{id} {id:?}")),
                span.map(|id| format!("{id} {id:?}"))
            ),
            (
                Some(
                    "000000000000000000000000000000ab TraceId(000000000000000000000000000000ab)"
                        .to_owned()
                ),
                Some("00000000000000ab SpanId(00000000000000ab)".to_owned())
            )
        );
    }
}
