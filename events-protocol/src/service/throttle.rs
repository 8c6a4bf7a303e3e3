//! A log line at most once a second: for what can happen thousands of times
//! a second under load (a refusal, a failed accept), so the log says it
//! without becoming the load.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Lets one log line through per period, counting the ones it holds back.
#[derive(Debug)]
pub(crate) struct Throttle {
    /// Milliseconds since [`origin`] of the last line let through, plus one
    /// (`0`: none yet).
    last: AtomicU64,
    held_back: AtomicU64,
}

/// The instant the throttles count from.
fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// How often a line is let through.
const PERIOD: Duration = Duration::from_secs(1);

impl Throttle {
    pub(crate) const fn new() -> Throttle {
        Throttle {
            last: AtomicU64::new(0),
            held_back: AtomicU64::new(0),
        }
    }

    /// `Some(n)` when a line may be logged now, `n` being how many were held
    /// back since the last one; `None` otherwise.
    pub(crate) fn allow(&self) -> Option<u64> {
        let now = u64::try_from(origin().elapsed().as_millis()).unwrap_or(u64::MAX - 1);
        self.allow_at(now.saturating_add(1))
    }

    /// [`Throttle::allow`] at `now`, in milliseconds since [`origin`], plus
    /// one.
    fn allow_at(&self, now: u64) -> Option<u64> {
        let period = u64::try_from(PERIOD.as_millis()).unwrap_or(u64::MAX);
        let last = self.last.load(Ordering::Relaxed);
        let too_soon = last != 0 && now.saturating_sub(last) < period;
        if too_soon
            || self
                .last
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            self.held_back.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Some(self.held_back.swap(0, Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::Throttle;

    #[test]
    fn one_line_per_period_and_the_count_of_the_others() {
        let throttle = Throttle::new();
        assert_eq!(throttle.allow_at(1), Some(0));
        assert_eq!(throttle.allow_at(2), None);
        assert_eq!(throttle.allow_at(1000), None);
        assert_eq!(throttle.allow_at(1001), Some(2));
        assert_eq!(throttle.allow_at(1500), None);
        assert_eq!(throttle.allow_at(5000), Some(1));
    }
}
