//! Sign-in attempts are rate limited per client address and per account (governor's GCRA
//! buckets), checked before the password hash is even computed, so guessing is slow and a flood
//! of attempts costs the server nothing. Each instance keeps its own buckets: behind a load
//! balancer with N instances an attacker gets at most N times the budget.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Attempts one address may make at once, then one more every `IP_REFILL`.
const IP_BURST: u32 = 30;
const IP_REFILL: Duration = Duration::from_secs(2);
/// Attempts on one account at once (from anywhere), then one more every `ACCOUNT_REFILL`.
const ACCOUNT_BURST: u32 = 10;
const ACCOUNT_REFILL: Duration = Duration::from_secs(30);

pub struct LoginLimiter {
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    by_account: DefaultKeyedRateLimiter<String>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        let quota = |burst: u32, refill: Duration| {
            Quota::with_period(refill).expect("non-zero period").allow_burst(NonZeroU32::new(burst).expect("non-zero burst"))
        };
        LoginLimiter {
            by_ip: RateLimiter::keyed(quota(IP_BURST, IP_REFILL)),
            by_account: RateLimiter::keyed(quota(ACCOUNT_BURST, ACCOUNT_REFILL)),
        }
    }
}

impl LoginLimiter {
    /// Takes one attempt from the address's and the account's budgets, or says how long to wait.
    pub fn check(&self, ip: Option<IpAddr>, account: &str) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        if let Some(ip) = ip {
            self.by_ip.check_key(&ip).map_err(|not_until| not_until.wait_time_from(now))?;
        }
        self.by_account.check_key(&account.trim().to_lowercase()).map_err(|not_until| not_until.wait_time_from(now))?;
        // Forget idle keys now and then, so the maps cannot grow without bound.
        if self.by_account.len() > 10_000 || self.by_ip.len() > 10_000 {
            self.by_account.retain_recent();
            self.by_ip.retain_recent();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_limited_whatever_the_address() {
        let limiter = LoginLimiter::default();
        for i in 0..ACCOUNT_BURST {
            let ip: IpAddr = format!("10.0.0.{i}").parse().unwrap();
            assert!(limiter.check(Some(ip), "Admin@Example.com").is_ok());
        }
        let wait = limiter.check(Some("10.0.1.1".parse().unwrap()), "admin@example.com ").unwrap_err();
        assert!(wait > Duration::ZERO && wait <= ACCOUNT_REFILL);
        assert!(limiter.check(Some("10.0.1.1".parse().unwrap()), "other@example.com").is_ok(), "other accounts unaffected");
    }

    #[test]
    fn an_address_is_limited_whatever_the_account() {
        let limiter = LoginLimiter::default();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        for i in 0..IP_BURST {
            assert!(limiter.check(Some(ip), &format!("user{i}@example.com")).is_ok());
        }
        assert!(limiter.check(Some(ip), "fresh@example.com").is_err());
        assert!(limiter.check(Some("192.0.2.8".parse().unwrap()), "fresh@example.com").is_ok());
    }
}
