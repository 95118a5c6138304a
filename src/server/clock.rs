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
}

impl Clock {
    /// The system clock, as production runs it.
    pub fn system() -> Clock {
        Clock::default()
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
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
}
