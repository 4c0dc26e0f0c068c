//! Time, passed in. Nothing in tessera-core reads the system clock directly: expiry, retries, backoff and
//! activity timestamps all take a [`Clock`], so tests can move time (years, for a research consent).

use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current time in UTC.
    fn now(&self) -> OffsetDateTime;

    /// The current time as seconds since the Unix epoch (JWT NumericDate).
    fn unix_now(&self) -> i64 {
        self.now().unix_timestamp()
    }
}

/// The real clock of the machine.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to. Clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<OffsetDateTime>>);

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    /// A clock stopped at `unix` seconds since the epoch.
    pub fn at_unix(unix: i64) -> Self {
        Self::new(OffsetDateTime::from_unix_timestamp(unix).expect("a valid unix timestamp"))
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told_and_clones_share_time() {
        let clock = ManualClock::at_unix(1_800_000_000);
        let shared = clock.clone();
        assert_eq!(clock.unix_now(), 1_800_000_000);
        shared.advance(Duration::days(365 * 3));
        assert_eq!(clock.unix_now(), 1_800_000_000 + 3 * 365 * 86_400);
    }
}
