//! When to retry a request, and how long to wait first: a pure function, tested on its own.
//!
//! The rules ([`decide`]):
//! - **429** is always retried while the deadline allows, whatever the method (the API refused
//!   the request, so it was not processed) and beyond the attempt cap. The wait is the API's
//!   `Retry-After` (seconds or an HTTP-date such as `Tue, 14 Nov 2026 10:00:00 GMT`), else the
//!   reset of the exhausted eCom window (`X-RateLimit-Remaining: -1/...` with
//!   `X-RateLimit-Reset`), else the next back-off delay.
//! - **5xx, timeouts and broken connections** are retried for idempotent methods only (GET, PUT,
//!   DELETE, ...). A POST that may have been processed is never sent twice: a sync looks the
//!   record up instead.
//! - **Connection failures** (nothing was sent) are retried for every method.
//! - Other statuses are final.
//! - Every retry stops at the **deadline** (default 15 minutes since the first attempt); other
//!   than 429s, a request is also attempted at most `max_attempts` times.
//!
//! Back-off delays come from backon's exponential back-off with jitter.

use std::time::{Duration, SystemTime};

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use http::{HeaderMap, Method, StatusCode, header};

use crate::ratelimit::RateLimitHeaders;
use crate::transport::TransportErrorKind;

/// How persistent the client is.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    min_delay: Duration,
    max_delay: Duration,
    factor: f32,
    jitter: bool,
    jitter_seed: Option<u64>,
    max_attempts: u32,
    deadline: Duration,
    rate_limit_fallback: Duration,
}

impl Default for RetryPolicy {
    /// Back-off from 500 ms doubling to 30 s with jitter, at most 8 attempts (429s not
    /// counted), and a 15-minute deadline.
    fn default() -> Self {
        Self {
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            factor: 2.0,
            jitter: true,
            jitter_seed: None,
            max_attempts: 8,
            deadline: Duration::from_secs(15 * 60),
            rate_limit_fallback: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that sends every request once and never waits: no retries, and a request that
    /// would have to wait for a rate-limit window to reset fails with `Error::RateLimited`.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            deadline: Duration::ZERO,
            ..Self::default()
        }
    }

    /// The first back-off delay (default 500 ms).
    pub fn min_delay(mut self, delay: Duration) -> Self {
        self.min_delay = delay;
        self
    }

    /// The largest back-off delay (default 30 s); `Retry-After` may ask for longer.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The growth factor between back-off delays (default 2).
    pub fn factor(mut self, factor: f32) -> Self {
        self.factor = factor;
        self
    }

    /// Adds random jitter to back-off delays (default on).
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Makes the jitter reproducible (tests).
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    /// Attempts per request, the first included, not counting those answered 429 (default 8).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// How long after the first attempt no more retries start (default 15 minutes).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The wait after a 429 that names no time at all (default 60 s).
    pub fn rate_limit_fallback(mut self, wait: Duration) -> Self {
        self.rate_limit_fallback = wait;
        self
    }

    /// The configured deadline.
    pub fn deadline_duration(&self) -> Duration {
        self.deadline
    }

    /// The configured attempt cap.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// A fresh back-off sequence for one request: `max_attempts - 1` delays, then `None`.
    pub fn backoff(&self) -> ExponentialBackoff {
        let mut builder = ExponentialBuilder::new()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_factor(self.factor)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize);
        if self.jitter {
            builder = builder.with_jitter();
            if let Some(seed) = self.jitter_seed {
                builder = builder.with_jitter_seed(seed);
            }
        }
        builder.build()
    }
}

/// What an attempt ended in.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    /// A response arrived.
    Response {
        /// Its status.
        status: StatusCode,
        /// Its headers.
        headers: &'a HeaderMap,
    },
    /// No complete response arrived.
    Transport(TransportErrorKind),
}

/// Everything the decision depends on.
#[derive(Debug, Clone, Copy)]
pub struct RetryInput<'a> {
    /// The request's method.
    pub method: &'a Method,
    /// How the attempt ended.
    pub outcome: Outcome<'a>,
    /// Attempts made so far that did not end in 429, this one included if it did not.
    pub attempt: u32,
    /// Time since the first attempt started.
    pub elapsed: Duration,
    /// The wall clock now (to read `Retry-After` dates).
    pub now: SystemTime,
    /// The back-off delay a retry would use, or `None` when the back-off is used up.
    pub next_backoff: Option<Duration>,
}

/// Why a request is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryReason {
    /// 429 Too Many Requests.
    RateLimited,
    /// A 5xx status.
    Server(StatusCode),
    /// 408, or the transport timed out.
    Timeout,
    /// The connection could not be established.
    Connect,
    /// The connection broke mid-exchange.
    Interrupted,
}

impl std::fmt::Display for RetryReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RetryReason::RateLimited => f.write_str("rate limited (429)"),
            RetryReason::Server(status) => write!(f, "server error ({status})"),
            RetryReason::Timeout => f.write_str("timed out"),
            RetryReason::Connect => f.write_str("could not connect"),
            RetryReason::Interrupted => f.write_str("connection interrupted"),
        }
    }
}

/// Why a retryable failure is not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUpReason {
    /// The method is not idempotent and the request may have been processed.
    NotIdempotent,
    /// The attempt cap is reached.
    AttemptsExhausted,
    /// Waiting would pass the deadline.
    DeadlineExceeded,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The outcome is final: a success, or a failure that a retry cannot fix.
    Stop,
    /// Wait, then try again.
    Retry {
        /// How long to wait.
        wait: Duration,
        /// Why.
        reason: RetryReason,
        /// Whether the wait is the back-off delay (the caller then advances its back-off).
        uses_backoff: bool,
    },
    /// The failure was retryable but is not retried.
    GiveUp {
        /// What it would have been retried for.
        reason: RetryReason,
        /// Why it is not.
        because: GiveUpReason,
        /// When the API would have allowed a retry, if known.
        retry_at: Option<SystemTime>,
    },
}

/// Whether repeating `method` cannot do more than doing it once.
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

/// The wait a `Retry-After` header asks for: delay-seconds or an HTTP-date.
///
/// An HTTP-date is measured against the response's own `Date` header when there is one, so a
/// local clock that is off does not change the wait; otherwise against `now`. A date in the past
/// gives zero.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = crate::clock::parse_http_date(value)?;
    let reference = headers
        .get(header::DATE)
        .and_then(|d| d.to_str().ok())
        .and_then(crate::clock::parse_http_date)
        .unwrap_or(now);
    Some(at.duration_since(reference).unwrap_or(Duration::ZERO))
}

/// Decides what to do after an attempt; see the module docs for the rules.
pub fn decide(policy: &RetryPolicy, input: &RetryInput<'_>) -> Decision {
    let (reason, headers) = match input.outcome {
        Outcome::Response { status, headers } => {
            let reason = match status.as_u16() {
                429 => RetryReason::RateLimited,
                408 => RetryReason::Timeout,
                500..=599 => RetryReason::Server(status),
                _ => return Decision::Stop,
            };
            (reason, Some(headers))
        }
        Outcome::Transport(kind) => {
            let reason = match kind {
                TransportErrorKind::Connect => RetryReason::Connect,
                TransportErrorKind::Timeout => RetryReason::Timeout,
                TransportErrorKind::Interrupted => RetryReason::Interrupted,
                _ => return Decision::Stop,
            };
            (reason, None)
        }
    };
    let give_up = |because, wait: Option<Duration>| Decision::GiveUp {
        reason,
        because,
        retry_at: wait.map(|w| input.now + w),
    };

    let asked = headers.and_then(|h| retry_after(h, input.now));
    let (wait, uses_backoff) = if reason == RetryReason::RateLimited {
        let reset = headers.and_then(|h| RateLimitHeaders::parse(h).exhausted_reset(input.now));
        match (asked.or(reset), input.next_backoff) {
            // A hint in the past must not turn into a tight loop of 429s.
            (Some(hint), _) => (hint.max(policy.min_delay), false),
            (None, Some(backoff)) => (backoff, true),
            (None, None) => (policy.rate_limit_fallback, false),
        }
    } else {
        let may_have_been_processed = reason != RetryReason::Connect;
        if may_have_been_processed && !is_idempotent(input.method) {
            return give_up(GiveUpReason::NotIdempotent, None);
        }
        match input.next_backoff {
            Some(backoff) if input.attempt < policy.max_attempts => {
                (asked.map_or(backoff, |a| a.max(backoff)), true)
            }
            _ => return give_up(GiveUpReason::AttemptsExhausted, None),
        }
    };
    if input.elapsed.saturating_add(wait) > policy.deadline {
        return give_up(GiveUpReason::DeadlineExceeded, Some(wait));
    }
    Decision::Retry {
        wait,
        reason,
        uses_backoff,
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    const NOW: u64 = 1_794_650_400; // a fixed instant in November 2026

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(NOW)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn input<'a>(method: &'a Method, outcome: Outcome<'a>) -> RetryInput<'a> {
        RetryInput {
            method,
            outcome,
            attempt: 1,
            elapsed: Duration::ZERO,
            now: now(),
            next_backoff: Some(Duration::from_millis(500)),
        }
    }

    fn status(code: u16, headers: &HeaderMap) -> Outcome<'_> {
        Outcome::Response {
            status: StatusCode::from_u16(code).unwrap(),
            headers,
        }
    }

    #[test]
    fn success_and_client_errors_are_final() {
        let h = HeaderMap::new();
        let policy = RetryPolicy::default();
        for code in [200, 201, 204, 400, 401, 403, 404, 409, 422] {
            assert_eq!(
                decide(&policy, &input(&Method::GET, status(code, &h))),
                Decision::Stop,
                "{code}"
            );
        }
    }

    #[test]
    fn server_errors_are_retried_for_idempotent_methods_only() {
        let h = HeaderMap::new();
        let policy = RetryPolicy::default();
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            assert_eq!(
                decide(&policy, &input(&method, status(503, &h))),
                Decision::Retry {
                    wait: Duration::from_millis(500),
                    reason: RetryReason::Server(StatusCode::SERVICE_UNAVAILABLE),
                    uses_backoff: true
                }
            );
        }
        assert!(matches!(
            decide(&policy, &input(&Method::POST, status(500, &h))),
            Decision::GiveUp {
                because: GiveUpReason::NotIdempotent,
                ..
            }
        ));
    }

    #[test]
    fn transport_failures_follow_whether_the_request_may_have_been_sent() {
        let policy = RetryPolicy::default();
        let post = |kind| decide(&policy, &input(&Method::POST, Outcome::Transport(kind)));
        assert!(matches!(
            post(TransportErrorKind::Connect),
            Decision::Retry {
                reason: RetryReason::Connect,
                ..
            }
        ));
        assert!(matches!(
            post(TransportErrorKind::Timeout),
            Decision::GiveUp {
                because: GiveUpReason::NotIdempotent,
                ..
            }
        ));
        assert!(matches!(
            post(TransportErrorKind::Interrupted),
            Decision::GiveUp { .. }
        ));
        assert_eq!(post(TransportErrorKind::Other), Decision::Stop);
        assert!(matches!(
            decide(
                &policy,
                &input(
                    &Method::GET,
                    Outcome::Transport(TransportErrorKind::Timeout)
                )
            ),
            Decision::Retry {
                reason: RetryReason::Timeout,
                ..
            }
        ));
    }

    #[test]
    fn rate_limits_wait_for_retry_after_in_seconds_for_any_method() {
        let h = headers(&[("retry-after", "7")]);
        let decision = decide(
            &RetryPolicy::default(),
            &input(&Method::POST, status(429, &h)),
        );
        assert_eq!(
            decision,
            Decision::Retry {
                wait: Duration::from_secs(7),
                reason: RetryReason::RateLimited,
                uses_backoff: false
            }
        );
    }

    #[test]
    fn retry_after_dates_are_read_against_the_servers_date_header() {
        // The local clock is an hour fast; the server's Date header keeps the wait right.
        let h = headers(&[
            ("retry-after", "Sat, 14 Nov 2026 10:00:30 GMT"),
            ("date", "Sat, 14 Nov 2026 10:00:00 GMT"),
        ]);
        let local = crate::clock::parse_http_date("Sat, 14 Nov 2026 11:00:00 GMT").unwrap();
        assert_eq!(retry_after(&h, local), Some(Duration::from_secs(30)));
        // Without a Date header the local clock is all there is.
        let h = headers(&[("retry-after", "Sat, 14 Nov 2026 10:00:30 GMT")]);
        let local = crate::clock::parse_http_date("Sat, 14 Nov 2026 10:00:10 GMT").unwrap();
        assert_eq!(retry_after(&h, local), Some(Duration::from_secs(20)));
        // A date already past means "now".
        let local = crate::clock::parse_http_date("Sat, 14 Nov 2026 12:00:00 GMT").unwrap();
        assert_eq!(retry_after(&h, local), Some(Duration::ZERO));
        assert_eq!(
            retry_after(&headers(&[("retry-after", "soon")]), local),
            None
        );
    }

    #[test]
    fn a_past_retry_after_still_waits_the_minimum_delay() {
        let h = headers(&[("retry-after", "0")]);
        let decision = decide(
            &RetryPolicy::default(),
            &input(&Method::GET, status(429, &h)),
        );
        assert!(
            matches!(decision, Decision::Retry { wait, .. } if wait == Duration::from_millis(500))
        );
    }

    #[test]
    fn ecom_429_without_retry_after_waits_for_the_exhausted_window() {
        let h = headers(&[
            ("x-ratelimit-limit", "300/3000/12000"),
            ("x-ratelimit-remaining", "-1/2000/10000"),
            ("x-ratelimit-reset", "42/900/9000"),
        ]);
        let decision = decide(
            &RetryPolicy::default(),
            &input(&Method::GET, status(429, &h)),
        );
        assert!(
            matches!(decision, Decision::Retry { wait, uses_backoff: false, .. } if wait == Duration::from_secs(42))
        );
    }

    #[test]
    fn a_429_is_retried_beyond_the_attempt_cap_and_backoff() {
        let h = HeaderMap::new();
        let mut i = input(&Method::GET, status(429, &h));
        i.attempt = 100;
        i.next_backoff = None;
        let decision = decide(&RetryPolicy::default(), &i);
        assert_eq!(
            decision,
            Decision::Retry {
                wait: Duration::from_secs(60),
                reason: RetryReason::RateLimited,
                uses_backoff: false
            }
        );
    }

    #[test]
    fn the_attempt_cap_and_backoff_end_other_retries() {
        let h = HeaderMap::new();
        let policy = RetryPolicy::default().max_attempts(3);
        let mut i = input(&Method::GET, status(502, &h));
        i.attempt = 3;
        assert!(matches!(
            decide(&policy, &i),
            Decision::GiveUp {
                because: GiveUpReason::AttemptsExhausted,
                ..
            }
        ));
        i.attempt = 2;
        i.next_backoff = None;
        assert!(matches!(
            decide(&policy, &i),
            Decision::GiveUp {
                because: GiveUpReason::AttemptsExhausted,
                ..
            }
        ));
    }

    #[test]
    fn the_deadline_ends_rate_limit_waits_with_the_time_the_api_named() {
        let h = headers(&[("retry-after", "600")]);
        let mut i = input(&Method::GET, status(429, &h));
        i.elapsed = Duration::from_secs(14 * 60);
        let decision = decide(&RetryPolicy::default(), &i);
        assert_eq!(
            decision,
            Decision::GiveUp {
                reason: RetryReason::RateLimited,
                because: GiveUpReason::DeadlineExceeded,
                retry_at: Some(now() + Duration::from_secs(600)),
            }
        );
    }

    #[test]
    fn a_503_retry_after_lengthens_the_backoff() {
        let h = headers(&[("retry-after", "5")]);
        let decision = decide(
            &RetryPolicy::default(),
            &input(&Method::GET, status(503, &h)),
        );
        assert!(matches!(decision, Decision::Retry { wait, .. } if wait == Duration::from_secs(5)));
    }

    #[test]
    fn backoff_grows_exponentially_and_stops_at_the_cap() {
        let delays: Vec<_> = RetryPolicy::default()
            .jitter(false)
            .max_attempts(5)
            .min_delay(Duration::from_secs(1))
            .max_delay(Duration::from_secs(5))
            .backoff()
            .collect();
        assert_eq!(delays, [1, 2, 4, 5].map(Duration::from_secs).to_vec());
        let jittered: Vec<_> = RetryPolicy::default().jitter_seed(7).backoff().collect();
        assert_eq!(jittered.len(), 7);
        assert!(jittered[0] >= Duration::from_millis(500) && jittered[0] <= Duration::from_secs(1));
    }
}
