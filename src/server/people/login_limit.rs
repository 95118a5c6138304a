//! Sign-in attempts are limited per account (failed attempts only, so signing in often from
//! many tabs never locks anyone out) and per client address (every attempt). A paused account
//! or address is refused before the password hash is even computed, so guessing is slow and a
//! flood of attempts costs the server little.
//!
//! Account failures are a GCRA bucket kept in the database (`SignInRepo`): every instance
//! behind a load balancer reads and adds to the same count, so N instances do not give an
//! attacker N times the budget. The per-address flood guard is governor's in-memory bucket on
//! each instance: it protects that instance's CPU, which is per instance anyway.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::server::clock::Clock;
use crate::server::db::{DbError, SignInRepo};

/// Attempts one address may make at once, then one more every `IP_REFILL`.
const IP_BURST: u32 = 30;
const IP_REFILL: Duration = Duration::from_secs(2);
/// Failed attempts on one account (from anywhere, through any instance) before it pauses,
/// then one more every `ACCOUNT_REFILL`.
pub const ACCOUNT_BURST: i64 = 10;
pub const ACCOUNT_REFILL: Duration = Duration::from_secs(30);

/// Why an attempt is refused before it is checked.
#[derive(Debug)]
pub enum Refused {
    /// Wait this long.
    Wait(Duration),
    Db(DbError),
}

pub struct LoginLimiter {
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        let quota = Quota::with_period(IP_REFILL)
            .expect("non-zero period")
            .allow_burst(NonZeroU32::new(IP_BURST).expect("non-zero burst"));
        LoginLimiter { by_ip: RateLimiter::keyed(quota) }
    }
}

fn account_key(account: &str) -> String {
    account.trim().to_lowercase()
}

fn refill_ms() -> i64 {
    ACCOUNT_REFILL.as_millis() as i64
}

/// How long an account whose failure bucket drains at `drained_at` must wait: it may fail
/// `ACCOUNT_BURST` times in a row, then once more every `ACCOUNT_REFILL`.
fn wait_for(drained_at: i64, now_ms: i64) -> Option<Duration> {
    let over = drained_at - now_ms - (ACCOUNT_BURST - 1) * refill_ms();
    (over > 0).then(|| Duration::from_millis(over as u64))
}

impl LoginLimiter {
    /// Before verifying: takes one attempt from the address's budget, and refuses a paused
    /// account.
    pub async fn check(
        &self,
        repo: &(dyn SignInRepo + Send + Sync),
        clock: &Clock,
        ip: Option<IpAddr>,
        account: &str,
    ) -> Result<(), Refused> {
        if let Some(ip) = ip {
            let now = DefaultClock::default().now();
            self.by_ip.check_key(&ip).map_err(|not_until| Refused::Wait(not_until.wait_time_from(now)))?;
            if self.by_ip.len() > 10_000 {
                self.by_ip.retain_recent();
            }
        }
        let drained_at = repo.sign_in_drained_at(&account_key(account)).await.map_err(Refused::Db)?;
        match drained_at.and_then(|at| wait_for(at, clock.now().timestamp_millis())) {
            Some(wait) => Err(Refused::Wait(wait)),
            None => Ok(()),
        }
    }

    /// After a wrong password: counts the failure where every instance sees it. `Err` once the
    /// account's budget is spent, saying for how long it pauses.
    pub async fn failed(
        &self,
        repo: &(dyn SignInRepo + Send + Sync),
        clock: &Clock,
        account: &str,
    ) -> Result<(), Refused> {
        let now_ms = clock.now().timestamp_millis();
        let drained_at =
            repo.record_sign_in_failure(&account_key(account), now_ms, refill_ms()).await.map_err(Refused::Db)?;
        // The bucket may now hold ACCOUNT_BURST failures: this one still got its answer.
        match wait_for(drained_at - refill_ms(), now_ms) {
            Some(wait) => Err(Refused::Wait(wait)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_waits_only_once_its_burst_is_spent() {
        let now = 1_000_000;
        // Nine quick failures: the tenth attempt is still allowed.
        assert_eq!(wait_for(now + 9 * refill_ms(), now), None);
        // Ten: the next attempt waits one refill.
        assert_eq!(wait_for(now + 10 * refill_ms(), now), Some(ACCOUNT_REFILL));
        // Time drains the bucket.
        assert_eq!(wait_for(now + 10 * refill_ms(), now + refill_ms()), None);
    }

    #[test]
    fn an_address_is_limited_whatever_the_account() {
        let limiter = LoginLimiter::default();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let now = DefaultClock::default().now();
        for _ in 0..IP_BURST {
            assert!(limiter.by_ip.check_key(&ip).is_ok());
        }
        assert!(limiter.by_ip.check_key(&ip).map_err(|n| n.wait_time_from(now)).is_err());
        assert!(limiter.by_ip.check_key(&"192.0.2.8".parse().unwrap()).is_ok());
    }
}
