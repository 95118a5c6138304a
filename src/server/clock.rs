//! The time as the server reads it: the system clock plus an offset that only tests move.
//! Expiry, sweeping and timestamps all ask this clock, so a test makes an hour pass by
//! advancing it instead of sleeping (and a URL is made already expired by signing it in the
//! past).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
    /// Set only by tests that compare spans shorter than a loaded machine's pauses: the time
    /// then stands still until advanced.
    frozen_at: Option<DateTime<Utc>>,
}

impl Clock {
    /// The system clock, as production runs it.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that stands still (at the present moment) until a test advances it.
    pub fn frozen() -> Clock {
        Clock { frozen_at: Some(Utc::now()), ..Clock::default() }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.frozen_at.unwrap_or_else(Utc::now) + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every clone of it) by `by`, forwards or, negative, back.
    pub fn advance(&self, by: Duration) {
        self.offset_ms.fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_offset() {
        let clock = Clock::system();
        let seen_by_the_app = clock.clone();
        clock.advance(Duration::hours(2));
        let ahead = seen_by_the_app.now() - Utc::now();
        assert!(ahead > Duration::minutes(119) && ahead <= Duration::hours(2), "{ahead}");
        clock.advance(Duration::hours(-3));
        assert!(seen_by_the_app.now() < Utc::now() - Duration::minutes(59));
    }

    #[test]
    fn a_frozen_clock_moves_only_when_advanced() {
        let clock = Clock::frozen();
        let then = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(clock.now(), then);
        clock.advance(Duration::milliseconds(100));
        assert_eq!(clock.now() - then, Duration::milliseconds(100));
    }
}
