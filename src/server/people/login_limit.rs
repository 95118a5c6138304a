//! Sign-in attempts are rate limited per client address (every attempt) and per account (failed
//! attempts only, so signing in often from many tabs never locks anyone out), with governor's
//! GCRA buckets. A paused address or account is refused before the password hash is even
//! computed, so guessing is slow and a flood of attempts costs the server nothing. Each instance
//! keeps its own buckets: behind a load balancer with N instances an attacker gets at most N
//! times the budget.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Attempts one address may make at once, then one more every `IP_REFILL`.
const IP_BURST: u32 = 30;
const IP_REFILL: Duration = Duration::from_secs(2);
/// Failed attempts on one account (from anywhere) before it pauses, then one more every
/// `ACCOUNT_REFILL`.
const ACCOUNT_BURST: u32 = 10;
const ACCOUNT_REFILL: Duration = Duration::from_secs(30);

pub struct LoginLimiter {
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    failures: DefaultKeyedRateLimiter<String>,
    /// Accounts whose failure budget ran out, and until when.
    paused: Mutex<HashMap<String, Instant>>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        let quota = |burst: u32, refill: Duration| {
            Quota::with_period(refill)
                .expect("non-zero period")
                .allow_burst(NonZeroU32::new(burst).expect("non-zero burst"))
        };
        LoginLimiter {
            by_ip: RateLimiter::keyed(quota(IP_BURST, IP_REFILL)),
            failures: RateLimiter::keyed(quota(ACCOUNT_BURST, ACCOUNT_REFILL)),
            paused: Mutex::new(HashMap::new()),
        }
    }
}

fn account_key(account: &str) -> String {
    account.trim().to_lowercase()
}

impl LoginLimiter {
    /// Before verifying: takes one attempt from the address's budget, and refuses a paused
    /// account. `Err` says how long to wait.
    pub fn check(&self, ip: Option<IpAddr>, account: &str) -> Result<(), Duration> {
        if let Some(ip) = ip {
            let now = DefaultClock::default().now();
            self.by_ip.check_key(&ip).map_err(|not_until| not_until.wait_time_from(now))?;
        }
        let mut paused = self.paused.lock().unwrap_or_else(|e| e.into_inner());
        match paused.get(&account_key(account)) {
            Some(until) if *until > Instant::now() => Err(*until - Instant::now()),
            Some(_) => {
                paused.remove(&account_key(account));
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// After a wrong password: counts the failure; once the account's budget is spent it pauses
    /// (this attempt included), and `Err` says for how long.
    pub fn failed(&self, account: &str) -> Result<(), Duration> {
        let key = account_key(account);
        let now = DefaultClock::default().now();
        let result = self.failures.check_key(&key).map_err(|not_until| not_until.wait_time_from(now));
        if let Err(wait) = result {
            let mut paused = self.paused.lock().unwrap_or_else(|e| e.into_inner());
            paused.insert(key, Instant::now() + wait);
            // Forget old pauses now and then, so the map cannot grow without bound.
            if paused.len() > 10_000 {
                paused.retain(|_, until| *until > Instant::now());
            }
        }
        if self.by_ip.len() > 10_000 || self.failures.len() > 10_000 {
            self.by_ip.retain_recent();
            self.failures.retain_recent();
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_pauses_after_its_failures_whatever_the_address() {
        let limiter = LoginLimiter::default();
        for i in 0..ACCOUNT_BURST {
            let ip: IpAddr = format!("10.0.0.{i}").parse().unwrap();
            assert!(limiter.check(Some(ip), "Admin@Example.com").is_ok());
            assert!(limiter.failed("Admin@Example.com").is_ok());
        }
        assert!(limiter.check(Some("10.0.1.1".parse().unwrap()), "admin@example.com ").is_ok());
        let wait = limiter.failed("admin@example.com").unwrap_err();
        assert!(wait > Duration::ZERO && wait <= ACCOUNT_REFILL);
        assert!(
            limiter.check(Some("10.0.1.2".parse().unwrap()), "ADMIN@example.com").is_err(),
            "paused, from anywhere"
        );
        assert!(
            limiter.check(Some("10.0.1.1".parse().unwrap()), "other@example.com").is_ok(),
            "other accounts unaffected"
        );
    }

    #[test]
    fn successful_sign_ins_never_pause_an_account() {
        let limiter = LoginLimiter::default();
        for i in 0..(3 * ACCOUNT_BURST) {
            let ip: IpAddr = format!("10.1.{}.{}", i / 200, i % 200).parse().unwrap();
            assert!(limiter.check(Some(ip), "busy@example.com").is_ok());
        }
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
