//! Rate limits and quotas, per key (an IP, a username, a user): sign-ins, sign-ups, runs.
//! governor's GCRA does the counting; this module names the limits and turns a refusal into
//! 429 with `Retry-After`.

use crate::error::ApiError;
use axum::http::StatusCode;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::time::Duration;

/// The numbers, all configurable (`[auth.limits]` in the config file). Zero turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub login_per_ip_per_minute: u32,
    pub login_per_username_per_minute: u32,
    /// Sign-ups and new guests.
    pub signups_per_ip_per_hour: u32,
    pub runs_per_minute: PerCaller,
    /// Runs queued or running at once.
    pub concurrent_runs: PerCaller,
}

/// One number for each kind of caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerCaller {
    pub user: u32,
    pub guest: u32,
    /// Per IP address.
    pub anonymous: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            login_per_ip_per_minute: 30,
            login_per_username_per_minute: 10,
            signups_per_ip_per_hour: 30,
            runs_per_minute: PerCaller {
                user: 600,
                guest: 60,
                anonymous: 600,
            },
            concurrent_runs: PerCaller {
                user: 50,
                guest: 4,
                anonymous: 50,
            },
        }
    }
}

/// One keyed limiter, or none when its number is zero.
#[derive(Debug)]
pub struct Limiter {
    inner: Option<DefaultKeyedRateLimiter<String>>,
    what: &'static str,
}

impl Limiter {
    fn new(per: u32, period: Duration, what: &'static str) -> Self {
        let inner = NonZeroU32::new(per).and_then(|n| {
            Quota::with_period(period / n.get())
                .map(|q| q.allow_burst(n))
                .map(DefaultKeyedRateLimiter::keyed)
        });
        Limiter { inner, what }
    }

    pub fn per_minute(per: u32, what: &'static str) -> Self {
        Self::new(per, Duration::from_secs(60), what)
    }

    pub fn per_hour(per: u32, what: &'static str) -> Self {
        Self::new(per, Duration::from_secs(3600), what)
    }

    /// Takes one from `key`'s allowance, or says when to come back.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        let Some(limiter) = &self.inner else {
            return Ok(());
        };
        limiter.check_key(&key.to_string()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            limited(self.what, wait)
        })
    }

    /// Forgets keys whose allowance is full again (memory stays bounded by recent callers).
    pub fn shrink(&self) {
        if let Some(limiter) = &self.inner {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

pub fn limited(what: &str, wait: Duration) -> ApiError {
    let seconds = u32::try_from(wait.as_secs_f64().ceil() as u64)
        .unwrap_or(u32::MAX)
        .max(1);
    let mut error = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many {what}: retry in {seconds} s"),
    );
    error.retry_after = Some(seconds);
    error
}

/// Every limiter of the server.
#[derive(Debug)]
pub struct Limiters {
    pub config: RateLimits,
    pub login_ip: Limiter,
    pub login_username: Limiter,
    pub signup_ip: Limiter,
    pub runs_user: Limiter,
    pub runs_guest: Limiter,
    pub runs_anonymous: Limiter,
}

impl Limiters {
    pub fn new(config: RateLimits) -> Self {
        Limiters {
            config,
            login_ip: Limiter::per_minute(config.login_per_ip_per_minute, "sign-in attempts"),
            login_username: Limiter::per_minute(
                config.login_per_username_per_minute,
                "sign-in attempts for this user",
            ),
            signup_ip: Limiter::per_hour(config.signups_per_ip_per_hour, "sign-ups"),
            runs_user: Limiter::per_minute(config.runs_per_minute.user, "runs"),
            runs_guest: Limiter::per_minute(config.runs_per_minute.guest, "runs"),
            runs_anonymous: Limiter::per_minute(config.runs_per_minute.anonymous, "runs"),
        }
    }

    pub fn shrink(&self) {
        for limiter in [
            &self.login_ip,
            &self.login_username,
            &self.signup_ip,
            &self.runs_user,
            &self.runs_guest,
            &self.runs_anonymous,
        ] {
            limiter.shrink();
        }
    }
}
