//! Rate limiting per shop: proactive pacing, and budgets learned from response headers.
//!
//! A [`RateLimiter`] guards one shop's budget (one eCom API key, or one X-Series retailer and
//! application) and is shared by every task using it (wrap it in an `Arc`; the client does).
//!
//! - **Windows.** Each window (eCom: 5 minutes, hour, day; X-Series: 5 minutes) has a limit,
//!   a remaining budget and, when known, a reset time. The limiter starts from the
//!   [`RateLimitPolicy`]'s published numbers and corrects them from every response's
//!   `X-RateLimit-*` headers ([`RateLimitHeaders`]). Each request reserves one unit of every
//!   window before it is sent, so concurrent tasks cannot overshoot; when a window's remaining
//!   budget is zero, the next request waits for that window's reset instead of being sent to
//!   fail.
//! - **Per-second cap.** eCom also caps a key at 20 requests per second; a governor limiter
//!   spaces requests to stay under it.
//!
//! # What is known about the headers
//!
//! eCom sends three slash-separated values per header, one per window:
//! `X-RateLimit-Limit: 300/3000/12000`, `X-RateLimit-Remaining: 298/2965/11910`,
//! `X-RateLimit-Reset: 202/802/8002` (seconds until each window resets); an exhausted window
//! shows `-1`. X-Series documents `X-RateLimit-Limit` and `X-RateLimit-Remaining` only (one
//! 5-minute window of `300 × registers + 50`). Whether X-Series also sends a reset header is
//! uncertain, so both readings are handled: a `X-RateLimit-Reset` is used when present (small
//! integers as seconds, large ones as a Unix time, or an HTTP-date); without one, the reset is
//! estimated conservatively as one window length after the limiter first saw the window, and a
//! 429's `Retry-After` replaces the estimate with the API's own answer.
//!
//! # Seeing the waits
//!
//! A wait is logged (`tracing`, level `info`), and reported to the limiter's observer, if one is
//! set ([`RateLimiter::set_observer`]): [`RateLimitEvent::Waiting`] with the wall-clock time
//! requests go out again, then [`RateLimitEvent::Resumed`]. A progress bar shows "waiting for
//! the rate limit until 14:05:00" with it. The client reports its waits after a 429 the same way.

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, middleware::NoOpMiddleware};
use http::HeaderMap;

use crate::clock::{Clock, GovernorClock, SystemClock};

/// The `X-RateLimit-Limit` header.
pub const LIMIT_HEADER: &str = "x-ratelimit-limit";
/// The `X-RateLimit-Remaining` header.
pub const REMAINING_HEADER: &str = "x-ratelimit-remaining";
/// The `X-RateLimit-Reset` header.
pub const RESET_HEADER: &str = "x-ratelimit-reset";

/// Two reset times closer than this belong to the same window (responses race each other).
const RESET_TOLERANCE: Duration = Duration::from_secs(2);

/// One rate-limit window as published by the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowSpec {
    /// A name for logs and reports (`"5 minutes"`, `"hour"`, `"day"`).
    pub name: String,
    /// Requests allowed per window.
    pub limit: u32,
    /// The window's length.
    pub length: Duration,
}

/// The budget a limiter starts from, before any response has told it the real numbers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RateLimitPolicy {
    windows: Vec<WindowSpec>,
    per_second: Option<NonZeroU32>,
}

impl RateLimitPolicy {
    /// No windows and no per-second cap; add them with [`window`](Self::window) and
    /// [`per_second`](Self::per_second).
    pub fn new() -> Self {
        Self::default()
    }

    /// eCom's published limits per API key: 300 per 5 minutes, 3,000 per hour, 12,000 per day,
    /// and 20 requests per second.
    pub fn ecom() -> Self {
        Self::new()
            .window("5 minutes", 300, Duration::from_secs(300))
            .window("hour", 3_000, Duration::from_secs(3_600))
            .window("day", 12_000, Duration::from_secs(86_400))
            .per_second(20)
    }

    /// X-Series' published limit for a retailer with `registers` registers:
    /// `300 × registers + 50` requests per 5 minutes (at least one register is assumed).
    pub fn xseries(registers: u32) -> Self {
        let registers = registers.max(1);
        Self::new().window(
            "5 minutes",
            registers.saturating_mul(300).saturating_add(50),
            Duration::from_secs(300),
        )
    }

    /// Adds a window.
    pub fn window(mut self, name: impl Into<String>, limit: u32, length: Duration) -> Self {
        self.windows.push(WindowSpec {
            name: name.into(),
            limit,
            length,
        });
        self
    }

    /// Caps requests per second (0 removes the cap).
    pub fn per_second(mut self, requests: u32) -> Self {
        self.per_second = NonZeroU32::new(requests);
        self
    }

    /// The windows, in header order.
    pub fn windows(&self) -> &[WindowSpec] {
        &self.windows
    }

    /// The per-second cap, if any.
    pub fn per_second_cap(&self) -> Option<NonZeroU32> {
        self.per_second
    }
}

/// When a window resets, as a header said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetHint {
    /// After this long, counted from when the response was received.
    After(Duration),
    /// At this wall-clock time.
    At(SystemTime),
}

/// One window as a response's headers described it; each part may be missing or malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ObservedWindow {
    /// `X-RateLimit-Limit`.
    pub limit: Option<u32>,
    /// `X-RateLimit-Remaining` (eCom shows `-1` for an exhausted window).
    pub remaining: Option<i64>,
    /// `X-RateLimit-Reset`.
    pub reset: Option<ResetHint>,
}

/// The rate-limit headers of one response, window by window.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RateLimitHeaders {
    /// One entry per slash-separated position (eCom: 3, X-Series: 1; none without headers).
    pub windows: Vec<ObservedWindow>,
    /// What was malformed and ignored, for logging.
    pub warnings: Vec<String>,
}

impl RateLimitHeaders {
    /// Reads `X-RateLimit-Limit`, `-Remaining` and `-Reset` from `headers`.
    ///
    /// Malformed values are left out and described in `warnings`; they never fail the request.
    pub fn parse(headers: &HeaderMap) -> Self {
        let mut out = Self::default();
        let limits = split_header(headers, LIMIT_HEADER, &mut out.warnings, |s| {
            s.parse::<u32>().ok()
        });
        let remaining = split_header(headers, REMAINING_HEADER, &mut out.warnings, |s| {
            s.parse::<i64>().ok()
        });
        let resets = split_header(headers, RESET_HEADER, &mut out.warnings, parse_reset);
        let count = limits.len().max(remaining.len()).max(resets.len());
        out.windows = (0..count)
            .map(|i| ObservedWindow {
                limit: limits.get(i).copied().flatten(),
                remaining: remaining.get(i).copied().flatten(),
                reset: resets.get(i).copied().flatten(),
            })
            .collect();
        out
    }

    /// The longest time until a window whose remaining budget is zero or less resets, relative
    /// to `now` (the wall clock); `None` if no exhausted window has a known reset.
    pub fn exhausted_reset(&self, now: SystemTime) -> Option<Duration> {
        self.windows
            .iter()
            .filter(|w| w.remaining.is_some_and(|r| r <= 0))
            .filter_map(|w| w.reset.map(|r| reset_after(r, now)))
            .max()
    }
}

fn reset_after(hint: ResetHint, now: SystemTime) -> Duration {
    match hint {
        ResetHint::After(d) => d,
        ResetHint::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
    }
}

/// Values at or above this are Unix times, below it seconds to wait (about 31 years).
const UNIX_TIME_THRESHOLD: u64 = 1_000_000_000;

fn parse_reset(part: &str) -> Option<ResetHint> {
    if let Ok(n) = part.parse::<u64>() {
        return Some(if n >= UNIX_TIME_THRESHOLD {
            ResetHint::At(SystemTime::UNIX_EPOCH + Duration::from_secs(n))
        } else {
            ResetHint::After(Duration::from_secs(n))
        });
    }
    crate::clock::parse_http_date(part).map(ResetHint::At)
}

fn split_header<T: Copy>(
    headers: &HeaderMap,
    name: &'static str,
    warnings: &mut Vec<String>,
    parse: impl Fn(&str) -> Option<T>,
) -> Vec<Option<T>> {
    let Some(value) = headers.get(name) else {
        return Vec::new();
    };
    let Ok(text) = value.to_str() else {
        warnings.push(format!("{name}: not visible ASCII"));
        return Vec::new();
    };
    // An HTTP-date contains no '/', so only numeric triples are split.
    let parts: Vec<&str> = if text.contains('/') {
        text.split('/').map(str::trim).collect()
    } else {
        vec![text.trim()]
    };
    parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let parsed = parse(part);
            if parsed.is_none() {
                warnings.push(format!(
                    "{name}: part {} `{part}` is not a valid value",
                    i + 1
                ));
            }
            parsed
        })
        .collect()
}

/// What a limiter tells its observer about waits (see [`RateLimiter::set_observer`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateLimitEvent {
    /// Requests wait until `until`: a window's budget is spent, or the API answered 429.
    Waiting {
        /// The spent window (`5 minutes`, `hour`, `day`), or `429` when the API refused a
        /// request and named (or implied) a time to retry.
        window: String,
        /// When requests go out again, on the wall clock of the limiter's [`Clock`].
        until: SystemTime,
    },
    /// The wait is over; requests go out again.
    Resumed,
}

/// A callback for [`RateLimitEvent`]s. It runs on the waiting task: keep it short (update a
/// progress bar, send on a channel).
pub type RateLimitObserver = Arc<dyn Fn(&RateLimitEvent) + Send + Sync>;

/// A limiter's view of one window at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowSnapshot {
    /// The window's name.
    pub name: String,
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left in the current window (reservations of requests in flight deducted).
    pub remaining: i64,
    /// Time until the window resets, when known or estimated.
    pub resets_in: Option<Duration>,
    /// The window's length.
    pub length: Duration,
}

/// A limiter's view of the whole budget at a moment; the base of time estimates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetSnapshot {
    /// Every window.
    pub windows: Vec<WindowSnapshot>,
    /// The per-second cap, if any.
    pub per_second: Option<u32>,
}

impl BudgetSnapshot {
    /// A lower-bound estimate of how long `calls` more requests take under this budget.
    ///
    /// Each window allows its remaining budget now, then `limit` more per window length after
    /// each reset; the slowest window (or the per-second cap) decides. With eCom's daily quota
    /// of 12,000, 30,000 calls take more than a day, which this makes visible.
    pub fn time_for(&self, calls: u64) -> Duration {
        let mut worst = Duration::ZERO;
        for window in &self.windows {
            let available = window.remaining.max(0) as u64;
            if calls <= available {
                continue;
            }
            let extra = calls - available;
            let limit = u64::from(window.limit.max(1));
            let first_reset = window.resets_in.unwrap_or(window.length);
            let more_windows = u32::try_from((extra - 1) / limit).unwrap_or(u32::MAX);
            let needed = first_reset.saturating_add(window.length.saturating_mul(more_windows));
            worst = worst.max(needed);
        }
        if let Some(rate) = self.per_second {
            // The first second's worth goes out as a burst, the rest at the rate.
            let rate = u64::from(rate.max(1));
            let paced =
                Duration::from_millis(calls.saturating_sub(rate).saturating_mul(1000) / rate);
            worst = worst.max(paced);
        }
        worst
    }
}

#[derive(Debug, Clone)]
struct WindowState {
    spec: WindowSpec,
    remaining: i64,
    /// Clock time of the next reset, when a header told us or we estimated it.
    reset_at: Option<Duration>,
    /// Clock time at which we first used this window (for estimating resets we are not told).
    started_at: Option<Duration>,
}

impl WindowState {
    fn new(spec: WindowSpec) -> Self {
        Self {
            remaining: i64::from(spec.limit),
            spec,
            reset_at: None,
            started_at: None,
        }
    }

    /// Starts a fresh window if the current one is over.
    fn roll(&mut self, now: Duration) {
        let over = match (self.reset_at, self.started_at) {
            (Some(reset), _) => now >= reset,
            (None, Some(start)) => now >= start + self.spec.length,
            (None, None) => false,
        };
        if over {
            self.remaining = i64::from(self.spec.limit);
            self.reset_at = None;
            self.started_at = None;
        }
    }

    /// When this window lets requests through again, if it is exhausted.
    fn blocked_until(&mut self, now: Duration) -> Option<Duration> {
        if self.remaining > 0 {
            return None;
        }
        let length = self.spec.length;
        let reset = *self
            .reset_at
            .get_or_insert_with(|| self.started_at.map_or(now + length, |s| s + length));
        Some(reset)
    }
}

#[derive(Debug)]
struct State {
    windows: Vec<WindowState>,
    in_flight: u32,
}

type PerSecond =
    governor::RateLimiter<NotKeyed, InMemoryState, GovernorClock, NoOpMiddleware<Duration>>;

/// Paces requests for one shop and learns its real budget from response headers.
pub struct RateLimiter {
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    per_second: Option<PerSecond>,
    per_second_cap: Option<NonZeroU32>,
    observer: Mutex<Option<RateLimitObserver>>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("budget", &self.snapshot())
            .finish()
    }
}

impl RateLimiter {
    /// A limiter on the system clock.
    pub fn new(policy: RateLimitPolicy) -> Self {
        Self::with_clock(policy, Arc::new(SystemClock::new()))
    }

    /// A limiter on `clock` (tests use a [`ManualClock`](crate::ManualClock)).
    pub fn with_clock(policy: RateLimitPolicy, clock: Arc<dyn Clock>) -> Self {
        let per_second = policy.per_second.map(|rate| {
            governor::RateLimiter::direct_with_clock(
                Quota::per_second(rate),
                GovernorClock(clock.clone()),
            )
        });
        Self {
            state: Mutex::new(State {
                windows: policy.windows.into_iter().map(WindowState::new).collect(),
                in_flight: 0,
            }),
            per_second,
            per_second_cap: policy.per_second,
            clock,
            observer: Mutex::new(None),
        }
    }

    /// Sets (or, with `None`, removes) the callback told about waits: when requests start
    /// waiting for a spent window (or after a 429, reported by the client) and when they go
    /// out again. One observer per limiter; a new one replaces the old.
    pub fn set_observer(&self, observer: Option<RateLimitObserver>) {
        *self.observer.lock().unwrap_or_else(|p| p.into_inner()) = observer;
    }

    /// Tells the observer, if there is one, about `event`.
    pub fn notify(&self, event: &RateLimitEvent) {
        let observer = self
            .observer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(observer) = observer {
            observer(event);
        }
    }

    /// Waits until a request may be sent, and reserves it in every window.
    ///
    /// Keep the returned [`Permit`] until the response arrives and pass its headers to
    /// [`Permit::observe`]; dropping the permit without a response is fine too.
    pub async fn acquire(&self) -> Permit<'_> {
        match self.acquire_before(None).await {
            Ok(permit) => permit,
            Err(_) => unreachable!("no deadline was given"),
        }
    }

    /// Like [`acquire`](Self::acquire), but refuses to wait for a window reset later than
    /// `deadline` (in [`Clock::now`] time): the error is the clock time of that reset.
    ///
    /// The client uses this so that a request facing, say, an exhausted daily quota fails
    /// with the time the quota resets instead of blocking for hours.
    pub async fn acquire_before(&self, deadline: Option<Duration>) -> Result<Permit<'_>, Duration> {
        let mut waited = false;
        loop {
            let (until, window) = {
                let mut state = self.lock();
                let now = self.clock.now();
                let blocked = state
                    .windows
                    .iter_mut()
                    .filter_map(|w| {
                        w.roll(now);
                        w.blocked_until(now).map(|t| (t, w.spec.name.clone()))
                    })
                    .max();
                match blocked {
                    Some(blocked) => blocked,
                    None => {
                        for window in &mut state.windows {
                            if window.started_at.is_none() && window.reset_at.is_none() {
                                window.started_at = Some(now);
                            }
                            window.remaining -= 1;
                        }
                        state.in_flight += 1;
                        break;
                    }
                }
            };
            if deadline.is_some_and(|d| until > d) {
                if waited {
                    self.notify(&RateLimitEvent::Resumed);
                }
                return Err(until);
            }
            let wait = until.saturating_sub(self.clock.now());
            tracing::info!(
                window = %window,
                wait_ms = wait.as_millis() as u64,
                "rate-limit window exhausted; waiting for its reset"
            );
            self.notify(&RateLimitEvent::Waiting {
                window,
                until: self.clock.wall() + wait,
            });
            waited = true;
            self.clock.sleep_until(until).await;
        }
        if waited {
            self.notify(&RateLimitEvent::Resumed);
        }
        if let Some(per_second) = &self.per_second {
            while let Err(not_until) = per_second.check() {
                let wait = not_until.wait_time_from(self.clock.now());
                self.clock.sleep(wait).await;
            }
        }
        Ok(Permit {
            limiter: self,
            finished: false,
        })
    }

    /// Learns from a response's rate-limit headers (also done by [`Permit::observe`]).
    pub fn observe(&self, headers: &HeaderMap) {
        let parsed = RateLimitHeaders::parse(headers);
        for warning in &parsed.warnings {
            tracing::warn!(%warning, "ignoring a malformed rate-limit header value");
        }
        if parsed.windows.is_empty() {
            return;
        }
        let now = self.clock.now();
        let wall = self.clock.wall();
        let mut state = self.lock();
        let in_flight = i64::from(state.in_flight);
        while state.windows.len() < parsed.windows.len() {
            let index = state.windows.len() + 1;
            // A window the policy did not announce: assume a long one until told its reset.
            state.windows.push(WindowState::new(WindowSpec {
                name: format!("window {index}"),
                limit: 0,
                length: Duration::from_secs(86_400),
            }));
        }
        for (window, observed) in state.windows.iter_mut().zip(&parsed.windows) {
            window.roll(now);
            if let Some(limit) = observed.limit {
                window.spec.limit = limit;
            }
            let reset_at = observed.reset.map(|hint| now + reset_after(hint, wall));
            if let Some(remaining) = observed.remaining {
                let new_window = matches!(
                    (reset_at, window.reset_at),
                    (Some(new), Some(old)) if new > old + RESET_TOLERANCE
                );
                // Responses race: one sent earlier may report a higher remaining budget than we
                // have already reserved. Only accept a higher number when it cannot be stale.
                let fresh_budget = remaining > window.remaining + in_flight;
                if new_window || fresh_budget || remaining < window.remaining {
                    window.remaining = remaining;
                }
                if fresh_budget && reset_at.is_none() {
                    window.started_at = Some(now);
                }
            }
            if let Some(reset_at) = reset_at {
                window.reset_at = Some(reset_at);
                window.started_at = None;
            }
        }
    }

    /// Learns from a 429: the API refused the request until `retry_after` from now (if it said).
    ///
    /// Windows the headers already showed as exhausted get that reset; if none did (X-Series
    /// may send no headers), the first window is marked exhausted until then.
    pub fn observe_throttled(&self, retry_after: Option<Duration>) {
        let now = self.clock.now();
        let mut state = self.lock();
        let any_exhausted = state.windows.iter().any(|w| w.remaining <= 0);
        for (index, window) in state.windows.iter_mut().enumerate() {
            if window.remaining <= 0 || (!any_exhausted && index == 0) {
                window.remaining = window.remaining.min(0);
                if let Some(after) = retry_after {
                    window.reset_at = Some(now + after);
                }
            }
        }
    }

    /// The budget as the limiter sees it now.
    pub fn snapshot(&self) -> BudgetSnapshot {
        let now = self.clock.now();
        let mut state = self.lock();
        let windows = state
            .windows
            .iter_mut()
            .map(|w| {
                w.roll(now);
                let resets_in = w
                    .reset_at
                    .or(w.started_at.map(|s| s + w.spec.length))
                    .map(|t| t.saturating_sub(now));
                WindowSnapshot {
                    name: w.spec.name.clone(),
                    limit: w.spec.limit,
                    remaining: w.remaining,
                    resets_in,
                    length: w.spec.length,
                }
            })
            .collect();
        BudgetSnapshot {
            windows,
            per_second: self.per_second_cap.map(NonZeroU32::get),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn release(&self) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
    }
}

/// A reserved request slot; see [`RateLimiter::acquire`].
#[derive(Debug)]
pub struct Permit<'a> {
    limiter: &'a RateLimiter,
    finished: bool,
}

impl Permit<'_> {
    /// Feeds the response's headers to the limiter and releases the slot.
    pub fn observe(mut self, headers: &HeaderMap) {
        self.limiter.observe(headers);
        self.finished = true;
        self.limiter.release();
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.limiter.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;
    use crate::clock::ManualClock;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn limiter(policy: RateLimitPolicy) -> (RateLimiter, ManualClock) {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
        (
            RateLimiter::with_clock(policy, Arc::new(clock.clone())),
            clock,
        )
    }

    #[test]
    fn parses_ecom_triples() {
        let parsed = RateLimitHeaders::parse(&headers(&[
            ("x-ratelimit-limit", "300/3000/12000"),
            ("x-ratelimit-remaining", "298/2965/-1"),
            ("x-ratelimit-reset", "202/802/8002"),
        ]));
        assert!(parsed.warnings.is_empty());
        assert_eq!(parsed.windows.len(), 3);
        assert_eq!(
            parsed.windows[0],
            ObservedWindow {
                limit: Some(300),
                remaining: Some(298),
                reset: Some(ResetHint::After(Duration::from_secs(202))),
            }
        );
        assert_eq!(parsed.windows[2].remaining, Some(-1));
        assert_eq!(
            parsed.exhausted_reset(SystemTime::now()),
            Some(Duration::from_secs(8002))
        );
    }

    #[test]
    fn parses_xseries_single_values_and_both_reset_readings() {
        let parsed = RateLimitHeaders::parse(&headers(&[
            ("x-ratelimit-limit", "950"),
            ("x-ratelimit-remaining", "12"),
        ]));
        assert_eq!(
            parsed.windows,
            vec![ObservedWindow {
                limit: Some(950),
                remaining: Some(12),
                reset: None
            }]
        );
        let epoch = RateLimitHeaders::parse(&headers(&[("x-ratelimit-reset", "1800000300")]));
        assert_eq!(
            epoch.windows[0].reset,
            Some(ResetHint::At(
                SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_300)
            ))
        );
        let date = RateLimitHeaders::parse(&headers(&[(
            "x-ratelimit-reset",
            "Tue, 14 Nov 2026 10:00:00 GMT",
        )]));
        assert!(matches!(date.windows[0].reset, Some(ResetHint::At(_))));
    }

    #[test]
    fn malformed_values_are_ignored_with_a_warning() {
        let parsed = RateLimitHeaders::parse(&headers(&[
            ("x-ratelimit-limit", "300/abc/12000"),
            ("x-ratelimit-remaining", "lots"),
        ]));
        assert_eq!(parsed.windows.len(), 3);
        assert_eq!(parsed.windows[0].limit, Some(300));
        assert_eq!(parsed.windows[1].limit, None);
        assert_eq!(parsed.windows[0].remaining, None);
        assert_eq!(parsed.warnings.len(), 2);
        assert!(parsed.warnings[0].contains("`abc`"));
        assert!(
            RateLimitHeaders::parse(&HeaderMap::new())
                .windows
                .is_empty()
        );
    }

    #[tokio::test]
    async fn an_exhausted_window_makes_the_next_request_wait_for_its_reset() {
        let (limiter, clock) = limiter(RateLimitPolicy::ecom());
        limiter.acquire().await.observe(&headers(&[
            ("x-ratelimit-limit", "300/3000/12000"),
            ("x-ratelimit-remaining", "0/10/10"),
            ("x-ratelimit-reset", "2/100/1000"),
        ]));
        let _permit = limiter.acquire().await;
        assert_eq!(clock.total_slept(), Duration::from_secs(2));
        let snapshot = limiter.snapshot();
        assert_eq!(
            snapshot.windows[0].remaining, 299,
            "fresh window, one reserved"
        );
        assert_eq!(snapshot.windows[1].remaining, 9);
    }

    #[tokio::test]
    async fn the_observer_sees_a_wait_with_its_end_and_the_resume() {
        let (limiter, clock) = limiter(RateLimitPolicy::ecom());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        limiter.set_observer(Some(Arc::new(move |e: &RateLimitEvent| {
            sink.lock().unwrap().push(e.clone())
        })));
        let start = clock.wall();
        limiter.acquire().await.observe(&headers(&[
            ("x-ratelimit-limit", "300/3000/12000"),
            ("x-ratelimit-remaining", "0/10/10"),
            ("x-ratelimit-reset", "2/100/1000"),
        ]));
        assert!(seen.lock().unwrap().is_empty(), "no wait, no event");
        drop(limiter.acquire().await);
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                RateLimitEvent::Waiting {
                    window: "5 minutes".into(),
                    until: start + Duration::from_secs(2),
                },
                RateLimitEvent::Resumed,
            ]
        );
        limiter.set_observer(None);
        limiter.notify(&RateLimitEvent::Resumed);
        assert_eq!(
            seen.lock().unwrap().len(),
            2,
            "a removed observer hears nothing"
        );
    }

    #[tokio::test]
    async fn a_reset_beyond_the_deadline_is_refused_with_its_time() {
        let (limiter, clock) = limiter(RateLimitPolicy::ecom());
        limiter.acquire().await.observe(&headers(&[
            ("x-ratelimit-remaining", "100/1000/0"),
            ("x-ratelimit-reset", "20/2000/36000"),
        ]));
        let refused = limiter
            .acquire_before(Some(Duration::from_secs(900)))
            .await
            .unwrap_err();
        assert_eq!(refused, Duration::from_secs(36_000));
        assert_eq!(clock.total_slept(), Duration::ZERO);
    }

    #[tokio::test]
    async fn concurrent_tasks_never_overshoot_a_window() {
        let policy = RateLimitPolicy::new().window("5 minutes", 5, Duration::from_secs(300));
        let (limiter, clock) = limiter(policy);
        let limiter = Arc::new(limiter);
        let mut tasks = Vec::new();
        for _ in 0..12 {
            let limiter = limiter.clone();
            let clock = clock.clone();
            tasks.push(tokio::spawn(async move {
                let permit = limiter.acquire().await;
                let at = clock.now();
                drop(permit);
                at
            }));
        }
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.unwrap());
        }
        times.sort();
        let in_window = |w: u32| {
            times
                .iter()
                .filter(|t| {
                    **t >= Duration::from_secs(300) * w && **t < Duration::from_secs(300) * (w + 1)
                })
                .count()
        };
        assert_eq!((in_window(0), in_window(1), in_window(2)), (5, 5, 2));
    }

    #[tokio::test]
    async fn a_stale_response_does_not_restore_reserved_budget() {
        let (limiter, _clock) = limiter(RateLimitPolicy::xseries(1));
        let permits: Vec<_> = futures::future::join_all((0..10).map(|_| limiter.acquire())).await;
        assert_eq!(limiter.snapshot().windows[0].remaining, 340);
        // Responses to requests sent before the other reservations report more budget than is
        // left; with ten requests in flight, anything up to 350 may be stale.
        limiter.observe(&headers(&[
            ("x-ratelimit-limit", "350"),
            ("x-ratelimit-remaining", "349"),
        ]));
        limiter.observe(&headers(&[("x-ratelimit-remaining", "345")]));
        assert_eq!(limiter.snapshot().windows[0].remaining, 340);
        // A lower number is always believed (another application shares the budget).
        limiter.observe(&headers(&[("x-ratelimit-remaining", "200")]));
        assert_eq!(limiter.snapshot().windows[0].remaining, 200);
        drop(permits);
        // With nothing in flight, a higher number can only mean a new window.
        limiter.observe(&headers(&[
            ("x-ratelimit-remaining", "348"),
            ("x-ratelimit-limit", "650"),
        ]));
        let window = &limiter.snapshot().windows[0];
        assert_eq!((window.remaining, window.limit), (348, 650));
    }

    #[tokio::test]
    async fn without_a_reset_header_the_reset_is_estimated_from_the_window_start() {
        let (limiter, clock) = limiter(RateLimitPolicy::xseries(1));
        limiter
            .acquire()
            .await
            .observe(&headers(&[("x-ratelimit-remaining", "5")]));
        clock.advance(Duration::from_secs(100));
        limiter
            .acquire()
            .await
            .observe(&headers(&[("x-ratelimit-remaining", "0")]));
        let _permit = limiter.acquire().await;
        // Window first used at t=0, so it resets by t=300: 200 s after t=100.
        assert_eq!(clock.total_slept(), Duration::from_secs(200));
    }

    #[tokio::test]
    async fn a_429_retry_after_replaces_the_estimate() {
        let (limiter, clock) = limiter(RateLimitPolicy::xseries(1));
        drop(limiter.acquire().await);
        limiter.observe_throttled(Some(Duration::from_secs(42)));
        let _permit = limiter.acquire().await;
        assert_eq!(clock.total_slept(), Duration::from_secs(42));
    }

    #[tokio::test]
    async fn the_per_second_cap_spaces_requests() {
        let (limiter, clock) = limiter(RateLimitPolicy::new().per_second(20));
        for _ in 0..20 {
            drop(limiter.acquire().await);
        }
        assert_eq!(
            clock.total_slept(),
            Duration::ZERO,
            "a burst of 20 is allowed"
        );
        for _ in 0..20 {
            drop(limiter.acquire().await);
        }
        assert_eq!(
            clock.now(),
            Duration::from_secs(1),
            "20 more take one second"
        );
    }

    #[test]
    fn time_for_accounts_for_every_window() {
        let snapshot = BudgetSnapshot {
            windows: vec![
                WindowSnapshot {
                    name: "5 minutes".into(),
                    limit: 300,
                    remaining: 300,
                    resets_in: Some(Duration::from_secs(300)),
                    length: Duration::from_secs(300),
                },
                WindowSnapshot {
                    name: "day".into(),
                    limit: 12_000,
                    remaining: 12_000,
                    resets_in: Some(Duration::from_secs(3_600)),
                    length: Duration::from_secs(86_400),
                },
            ],
            per_second: Some(20),
        };
        assert_eq!(snapshot.time_for(0), Duration::ZERO);
        assert_eq!(
            snapshot.time_for(300),
            Duration::from_secs(14),
            "a burst of 20, then 20/s"
        );
        assert_eq!(snapshot.time_for(20), Duration::ZERO, "one burst");
        assert_eq!(snapshot.time_for(301), Duration::from_secs(300));
        assert_eq!(snapshot.time_for(900), Duration::from_secs(600));
        // 30,000 calls: 12,000 today, 12,000 after the reset in an hour, 6,000 a day later.
        assert_eq!(
            snapshot.time_for(30_000),
            Duration::from_secs(3_600 + 86_400)
        );
    }
}
