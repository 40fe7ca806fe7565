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
//! - **Accounting from the server's answers.** The newest answer in a window sets its budget:
//!   what the server reported, less every request of ours it cannot have counted (those in
//!   flight when it was reserved and those reserved since), so answers arriving out of order
//!   never restore budget that is already spent. A reset time in whole seconds is rounded, so
//!   each answer bounds the server's reset from above and the smallest bound is kept; an answer
//!   whose reset is a window earlier than ours (a late answer from before the turn) is ignored,
//!   one a window later (the server turned first) is believed. After a told reset the next
//!   window is expected one length later, as with fixed windows, until its first answer says.
//! - **Per-second cap.** eCom also caps a key at 20 requests per second. Requests under the
//!   cap are spaced evenly (governor with a burst of one), never in bursts: 51 ms apart by
//!   default, so that 21 of them span a second plus 20 ms of [network
//!   jitter](RateLimitPolicy::jitter_allowance) and a server counting fixed seconds never sees
//!   21 in one.
//! - **Refusals.** A 429 whose headers show an exhausted window closes it for everyone until
//!   its reset or `Retry-After`, whichever is later, and the window after it starts full. A 429
//!   with budget left in every window (someone else's traffic, the per-second cap) delays only
//!   the refused request ([`Permit::observe_refused`]).
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
//! estimated conservatively as one window length after the limiter first saw the window (and
//! moved to the answer that first finds the budget higher again), and a 429's `Retry-After`
//! replaces the estimate with the API's own answer. Seconds with a fraction (`2.345`, what the
//! emulator sends when its windows are compressed) are read too.
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitPolicy {
    windows: Vec<WindowSpec>,
    per_second: Option<NonZeroU32>,
    /// The length of the cap's second (shorter in a [compressed](Self::compressed) policy).
    second: Duration,
    /// Network jitter the spacing under the cap absorbs.
    jitter: Duration,
}

impl Default for RateLimitPolicy {
    fn default() -> Self {
        Self {
            windows: Vec::new(),
            per_second: None,
            second: Duration::from_secs(1),
            jitter: DEFAULT_JITTER,
        }
    }
}

/// Requests under a cap of 20 per second go out 51 ms apart instead of 50, so that network
/// jitter of up to 20 ms cannot put 21 of them into one second of the server's.
const DEFAULT_JITTER: Duration = Duration::from_millis(20);

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

    /// Caps requests per second (0 removes the cap). Requests under the cap are spaced evenly,
    /// never sent in bursts, [`spacing`](Self::spacing) apart: a server counting fixed seconds
    /// then never sees more than `requests` in one of them.
    pub fn per_second(mut self, requests: u32) -> Self {
        self.per_second = NonZeroU32::new(requests);
        self
    }

    /// The network jitter the spacing under the per-second cap absorbs (default 20 ms):
    /// `cap + 1` requests span a second plus this much, so requests that reach the server
    /// closer together than they left still fit its seconds. Zero spaces them exactly
    /// `1 s / cap` apart.
    pub fn jitter_allowance(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// The same budget with time compressed as the emulator compresses it
    /// (`EmulatorConfig::with_window`, `--window-seconds`): the five-minute window lasts
    /// `five_minutes`, and every other window and the per-second cap's second shrink in the
    /// same ratio (at a 3-second window, eCom's 20 per second become 20 per 10 ms). The jitter
    /// allowance stays as it is: the network does not get faster.
    pub fn compressed(mut self, five_minutes: Duration) -> Self {
        let ratio = five_minutes.as_secs_f64() / 300.0;
        if !(ratio.is_finite() && ratio > 0.0) {
            return self;
        }
        for window in &mut self.windows {
            window.length = window.length.mul_f64(ratio);
        }
        self.second = self.second.mul_f64(ratio);
        self
    }

    /// The windows, in header order.
    pub fn windows(&self) -> &[WindowSpec] {
        &self.windows
    }

    /// The per-second cap, if any (requests per [`second`](Self::second)).
    pub fn per_second_cap(&self) -> Option<NonZeroU32> {
        self.per_second
    }

    /// The length of the cap's second: one second, or less in a compressed policy.
    pub fn second(&self) -> Duration {
        self.second
    }

    /// The time between two requests under the per-second cap: `(second + jitter) / cap`.
    pub fn spacing(&self) -> Option<Duration> {
        self.per_second
            .map(|cap| (self.second + self.jitter) / cap.get())
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
    // Seconds with a fraction (`2.345`): the emulator sends them when its windows are
    // compressed, where whole seconds would be a third of a window.
    if part.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && let Ok(seconds) = part.parse::<f64>()
        && seconds.is_finite()
        && seconds < UNIX_TIME_THRESHOLD as f64
    {
        return Some(ResetHint::After(Duration::from_secs_f64(seconds)));
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
    /// The length of the cap's second (one second unless the policy was compressed).
    pub second: Duration,
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
            // Evenly spaced: the first at once, each next one a `second / rate` later.
            let rate = u64::from(rate.max(1));
            let micros = u64::try_from(self.second.as_micros()).unwrap_or(u64::MAX);
            let paced =
                Duration::from_micros(calls.saturating_sub(1).saturating_mul(micros) / rate);
            worst = worst.max(paced);
        }
        worst
    }
}

/// Where a window's reset time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResetSource {
    /// Not known: estimated as one window length after the window was first used.
    Unknown,
    /// The server said it (a `X-RateLimit-Reset` header, the smallest of the window's
    /// answers, or a 429's `Retry-After`): never earlier than the server's own reset.
    Server,
    /// Predicted as one window length after the previous reset the server told (fixed
    /// windows); the window's first answer replaces it.
    Predicted,
}

#[derive(Debug, Clone)]
struct WindowState {
    spec: WindowSpec,
    remaining: i64,
    /// Clock time of the next reset, when the server told it or it was predicted.
    reset_at: Option<Duration>,
    source: ResetSource,
    /// Clock time at which we first used this window (for estimating resets we are not told).
    started_at: Option<Duration>,
    /// The reservation number of the newest answer that set `remaining` in this window.
    basis: u64,
    /// The remaining budget that answer reported.
    basis_reported: Option<i64>,
    /// Reservations made before this window began on our side: without a reset time, their
    /// answers cannot be told from the previous window's.
    epoch: u64,
}

/// Where an answer's budget came from, to weigh it against what was reserved since.
#[derive(Debug, Clone, Copy)]
struct Basis {
    /// The reservation number of the request answered (the newest one for a direct report).
    seq: u64,
    /// Our requests the server may not have counted in the answer: those in flight when the
    /// request was reserved, and every one reserved after it.
    uncounted: i64,
    /// Whether the request was reserved before `epoch` may have moved (a direct report is not).
    reserved: bool,
    /// How long the answer took since the request was reserved (zero for a direct report).
    round_trip: Duration,
}

impl WindowState {
    fn new(spec: WindowSpec) -> Self {
        Self {
            remaining: i64::from(spec.limit),
            spec,
            reset_at: None,
            source: ResetSource::Unknown,
            started_at: None,
            basis: 0,
            basis_reported: None,
            epoch: 0,
        }
    }

    /// Two reset times closer than this name the same window: answers race each other and
    /// whole-second resets are rounded up, but the next window ends a whole length later.
    fn tolerance(&self) -> Duration {
        RESET_TOLERANCE.min(self.spec.length / 2)
    }

    /// When the current window ends: told, predicted or estimated.
    fn end(&self) -> Option<Duration> {
        self.reset_at
            .or(self.started_at.map(|s| s + self.spec.length))
    }

    /// Starts a fresh window if the current one is over. A window whose reset the server
    /// told is followed by one a window length later (fixed windows); its first answer says
    /// whether that holds.
    fn roll(&mut self, now: Duration, reserved: u64) {
        let Some(end) = self.end() else {
            return;
        };
        if now < end {
            return;
        }
        let next = match self.source {
            ResetSource::Server | ResetSource::Predicted if !self.spec.length.is_zero() => {
                let behind = now.saturating_sub(end).as_nanos() / self.spec.length.as_nanos();
                let windows = u32::try_from(behind + 1).unwrap_or(u32::MAX);
                Some(end.saturating_add(self.spec.length.saturating_mul(windows)))
            }
            _ => None,
        };
        self.remaining = i64::from(self.spec.limit);
        self.reset_at = next;
        self.source = if next.is_some() {
            ResetSource::Predicted
        } else {
            ResetSource::Unknown
        };
        self.started_at = None;
        self.basis = 0;
        self.basis_reported = None;
        self.epoch = reserved;
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

    /// Learns from one answer's view of this window.
    ///
    /// The answer's reset time (`reset_at`: when it was received plus what the header said)
    /// tells which window it speaks of: the current one (its reset refines ours, the smallest
    /// being the closest to the server's), an earlier one (a late answer, ignored), or a later
    /// one (the server's window turned over before ours did). Its remaining budget, less the
    /// requests it cannot have counted, becomes ours when it is the newest answer in the
    /// window.
    fn learn(
        &mut self,
        now: Duration,
        observed: &ObservedWindow,
        reset_at: Option<Duration>,
        basis: Basis,
    ) {
        if let Some(limit) = observed.limit {
            self.spec.limit = limit;
        }
        let tolerance = self.tolerance();
        if reset_at.is_some() && basis.round_trip > tolerance {
            // The server counted this request some time in a long interval: which window its
            // reset speaks of cannot be told, and its count is old news.
            return;
        }
        let mut turned_over = false;
        // An estimate of ours (no reset told yet) gives way to the server's word.
        let ours = self
            .reset_at
            .filter(|_| self.source != ResetSource::Unknown);
        match (reset_at, ours) {
            (Some(told), Some(ours)) if told + tolerance < ours => return,
            (Some(told), Some(ours)) if told > ours + tolerance => {
                self.reset_at = Some(told);
                turned_over = true;
            }
            (Some(told), Some(ours)) => {
                self.reset_at = Some(if self.source == ResetSource::Server {
                    told.min(ours)
                } else {
                    told
                });
            }
            (Some(told), None) => self.reset_at = Some(told),
            (None, _) if basis.reserved && basis.seq <= self.epoch => return,
            (None, _) => {}
        }
        if reset_at.is_some() {
            self.source = ResetSource::Server;
            self.started_at = None;
        }
        let Some(remaining) = observed.remaining else {
            return;
        };
        if reset_at.is_none()
            && basis.seq > self.basis
            && self.basis_reported.is_some_and(|before| remaining > before)
        {
            // No reset time: a later request finding more budget than an earlier one means
            // the server's window turned over in between, at the latest now.
            turned_over = true;
            if self.source == ResetSource::Unknown {
                self.started_at = Some(now);
            }
        }
        if turned_over || basis.seq >= self.basis {
            self.remaining = remaining - basis.uncounted;
            self.basis = basis.seq;
            self.basis_reported = Some(remaining);
        }
    }
}

#[derive(Debug)]
struct State {
    windows: Vec<WindowState>,
    in_flight: u32,
    /// Reservations made so far; each permit carries its number in this sequence.
    reserved: u64,
}

impl State {
    fn roll(&mut self, now: Duration) {
        let reserved = self.reserved;
        for window in &mut self.windows {
            window.roll(now, reserved);
        }
    }
}

type PerSecond =
    governor::RateLimiter<NotKeyed, InMemoryState, GovernorClock, NoOpMiddleware<Duration>>;

/// Paces requests for one shop and learns its real budget from response headers.
pub struct RateLimiter {
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    per_second: Option<PerSecond>,
    per_second_cap: Option<NonZeroU32>,
    second: Duration,
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
        // One request per spacing, no burst: governor's cell rate algorithm with a burst of one
        // is exact spacing.
        let per_second = policy.spacing().and_then(|spacing| {
            Quota::with_period(spacing).map(|quota| {
                governor::RateLimiter::direct_with_clock(
                    quota.allow_burst(NonZeroU32::MIN),
                    GovernorClock(clock.clone()),
                )
            })
        });
        Self {
            state: Mutex::new(State {
                windows: policy.windows.into_iter().map(WindowState::new).collect(),
                in_flight: 0,
                reserved: 0,
            }),
            per_second,
            per_second_cap: policy.per_second,
            second: policy.second,
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
        loop {
            self.wait_for_windows(deadline).await?;
            // Exact spacing under the per-second cap. Waiting for the instant (not for a
            // duration) keeps concurrent waiters on one timeline, on a virtual clock too.
            if let Some(per_second) = &self.per_second {
                while let Err(not_until) = per_second.check() {
                    self.clock.sleep_until(not_until.earliest_possible()).await;
                }
            }
            // The windows may have been spent while this request waited for its slot.
            let mut state = self.lock();
            let now = self.clock.now();
            state.roll(now);
            if state.windows.iter().any(|w| w.remaining <= 0) {
                continue;
            }
            for window in &mut state.windows {
                if window.reset_at.is_none() && window.started_at.is_none() {
                    window.started_at = Some(now);
                }
                window.remaining -= 1;
            }
            let in_flight_before = state.in_flight;
            state.in_flight += 1;
            state.reserved += 1;
            return Ok(Permit {
                limiter: self,
                finished: false,
                seq: state.reserved,
                in_flight_before,
                reserved_at: now,
            });
        }
    }

    /// Waits until no window is exhausted.
    async fn wait_for_windows(&self, deadline: Option<Duration>) -> Result<(), Duration> {
        let mut waited = false;
        loop {
            let blocked = {
                let mut state = self.lock();
                let now = self.clock.now();
                state.roll(now);
                state
                    .windows
                    .iter_mut()
                    .filter_map(|w| w.blocked_until(now).map(|t| (t, w.spec.name.clone())))
                    .max()
            };
            let Some((until, window)) = blocked else {
                if waited {
                    self.notify(&RateLimitEvent::Resumed);
                }
                return Ok(());
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
    }

    /// Learns from rate-limit headers that came without a permit (a budget report such as
    /// eCom's `account/ratelimit`); answers to requests go through [`Permit::observe`].
    ///
    /// The report is taken as the newest word on the budget, less the requests in flight.
    pub fn observe(&self, headers: &HeaderMap) {
        let mut state = self.lock();
        let basis = Basis {
            seq: state.reserved,
            uncounted: i64::from(state.in_flight),
            reserved: false,
            round_trip: Duration::ZERO,
        };
        self.learn(&mut state, headers, basis);
    }

    fn learn(&self, state: &mut State, headers: &HeaderMap, basis: Basis) -> RateLimitHeaders {
        let parsed = RateLimitHeaders::parse(headers);
        for warning in &parsed.warnings {
            tracing::warn!(%warning, "ignoring a malformed rate-limit header value");
        }
        let now = self.clock.now();
        let wall = self.clock.wall();
        state.roll(now);
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
            let reset_at = observed.reset.map(|hint| now + reset_after(hint, wall));
            window.learn(now, observed, reset_at, basis);
        }
        parsed
    }

    /// Learns from a 429: the API refused the request until `retry_after` from now (if it said).
    ///
    /// Windows the headers already showed as exhausted get that reset; if none did (X-Series
    /// may send no headers), the first window is marked exhausted until then. Prefer
    /// [`Permit::observe_refused`], which also tells a refusal of the shop's budget from one
    /// that leaves it intact.
    pub fn observe_throttled(&self, retry_after: Option<Duration>) {
        let now = self.clock.now();
        let mut state = self.lock();
        Self::throttle(&mut state, now, retry_after, true);
    }

    fn throttle(
        state: &mut State,
        now: Duration,
        retry_after: Option<Duration>,
        blame_first: bool,
    ) {
        let any_exhausted = state.windows.iter().any(|w| w.remaining <= 0);
        for (index, window) in state.windows.iter_mut().enumerate() {
            if window.remaining <= 0 || (blame_first && !any_exhausted && index == 0) {
                window.remaining = window.remaining.min(0);
                if let Some(after) = retry_after {
                    let until = now + after;
                    window.reset_at = Some(match window.reset_at {
                        Some(told) if window.source == ResetSource::Server => told.max(until),
                        _ => until,
                    });
                    window.source = ResetSource::Server;
                    window.started_at = None;
                }
            }
        }
    }

    /// The budget as the limiter sees it now.
    pub fn snapshot(&self) -> BudgetSnapshot {
        let now = self.clock.now();
        let mut state = self.lock();
        state.roll(now);
        let windows = state
            .windows
            .iter()
            .map(|w| WindowSnapshot {
                name: w.spec.name.clone(),
                limit: w.spec.limit,
                remaining: w.remaining,
                resets_in: w.end().map(|t| t.saturating_sub(now)),
                length: w.spec.length,
            })
            .collect();
        BudgetSnapshot {
            windows,
            per_second: self.per_second_cap.map(NonZeroU32::get),
            second: self.second,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A reserved request slot; see [`RateLimiter::acquire`].
#[derive(Debug)]
pub struct Permit<'a> {
    limiter: &'a RateLimiter,
    finished: bool,
    seq: u64,
    in_flight_before: u32,
    reserved_at: Duration,
}

impl Permit<'_> {
    /// Feeds the response's headers to the limiter and releases the slot.
    pub fn observe(mut self, headers: &HeaderMap) {
        let mut state = self.limiter.lock();
        self.learn(&mut state, headers);
        self.finished = true;
        state.in_flight = state.in_flight.saturating_sub(1);
    }

    /// Feeds a 429's headers to the limiter and releases the slot.
    ///
    /// A refusal whose headers show a window exhausted (by this process or another one using
    /// the same credentials) closes that window until its reset or `retry_after`, whichever is
    /// later, for every request. A refusal whose headers show budget left in every window (a
    /// per-second cap hit by other traffic, a hiccup) leaves the windows alone: the refused
    /// request waits its `Retry-After` and the others go on at full pace. A refusal without
    /// rate-limit headers (X-Series may send none) closes the first window until
    /// `retry_after`.
    pub fn observe_refused(mut self, headers: &HeaderMap, retry_after: Option<Duration>) {
        let mut state = self.limiter.lock();
        let parsed = self.learn(&mut state, headers);
        self.finished = true;
        state.in_flight = state.in_flight.saturating_sub(1);
        let now = self.limiter.clock.now();
        let told_budget = parsed.windows.iter().any(|w| w.remaining.is_some());
        RateLimiter::throttle(&mut state, now, retry_after, !told_budget);
    }

    fn learn(&self, state: &mut State, headers: &HeaderMap) -> RateLimitHeaders {
        let after = state.reserved.saturating_sub(self.seq);
        let basis = Basis {
            seq: self.seq,
            uncounted: i64::from(self.in_flight_before)
                .saturating_add(i64::try_from(after).unwrap_or(i64::MAX)),
            reserved: true,
            round_trip: self.limiter.clock.now().saturating_sub(self.reserved_at),
        };
        self.limiter.learn(state, headers, basis)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.finished {
            let mut state = self.limiter.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
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
    async fn the_newest_answer_sets_the_budget_less_what_it_cannot_have_counted() {
        let (limiter, _clock) = limiter(RateLimitPolicy::xseries(1));
        let mut permits: Vec<_> =
            futures::future::join_all((0..10).map(|_| limiter.acquire())).await;
        assert_eq!(limiter.snapshot().windows[0].remaining, 340);
        // The 5th request's answer: 4 were in flight before it and 5 reserved after it, any of
        // which the server may not have counted yet.
        let fifth = permits.remove(4);
        fifth.observe(&headers(&[
            ("x-ratelimit-limit", "350"),
            ("x-ratelimit-remaining", "345"),
        ]));
        assert_eq!(limiter.snapshot().windows[0].remaining, 345 - 9);
        // An older answer arriving late says nothing newer: ignored.
        let first = permits.remove(0);
        first.observe(&headers(&[("x-ratelimit-remaining", "349")]));
        assert_eq!(limiter.snapshot().windows[0].remaining, 336);
        // A newer one is believed, lower (another application shares the budget) or higher.
        let last = permits.pop().unwrap();
        last.observe(&headers(&[("x-ratelimit-remaining", "200")]));
        assert_eq!(
            limiter.snapshot().windows[0].remaining,
            200 - 9,
            "the 9 others were in flight when it was reserved"
        );
        drop(permits);
        // With nothing in flight, a report is the budget.
        limiter.observe(&headers(&[
            ("x-ratelimit-remaining", "190"),
            ("x-ratelimit-limit", "650"),
        ]));
        let window = &limiter.snapshot().windows[0];
        assert_eq!((window.remaining, window.limit), (190, 650));
    }

    #[tokio::test]
    async fn the_smallest_told_reset_is_kept_and_a_late_answer_of_an_old_window_is_ignored() {
        let policy = RateLimitPolicy::new().window("5 minutes", 300, Duration::from_secs(300));
        let (limiter, clock) = limiter(policy);
        // Whole seconds rounded up: answers at different moments bound the reset from above.
        limiter.acquire().await.observe(&headers(&[
            ("x-ratelimit-remaining", "299"),
            ("x-ratelimit-reset", "100"),
        ]));
        clock.advance(Duration::from_millis(700));
        let late = limiter.acquire().await;
        limiter.acquire().await.observe(&headers(&[
            ("x-ratelimit-remaining", "297"),
            ("x-ratelimit-reset", "99"),
        ]));
        assert_eq!(
            limiter.snapshot().windows[0].resets_in,
            Some(Duration::from_secs(99)),
            "t=99.7 (99 s from t=0.7) is earlier than t=100 (100 s from t=0)"
        );
        // The window turns over at t=99.7 s; the next one is expected a length later.
        clock.advance(Duration::from_secs(99));
        let snapshot = limiter.snapshot();
        assert_eq!(snapshot.windows[0].remaining, 300);
        assert_eq!(
            snapshot.windows[0].resets_in,
            Some(Duration::from_secs(300))
        );
        // An answer from before the turn arrives now: it speaks of the old window.
        late.observe(&headers(&[
            ("x-ratelimit-remaining", "2"),
            ("x-ratelimit-reset", "1"),
        ]));
        assert_eq!(limiter.snapshot().windows[0].remaining, 300);
        // The first answer of the new window replaces the prediction.
        limiter.acquire().await.observe(&headers(&[
            ("x-ratelimit-remaining", "299"),
            ("x-ratelimit-reset", "298"),
        ]));
        let window = &limiter.snapshot().windows[0];
        assert_eq!(
            (window.remaining, window.resets_in),
            (299, Some(Duration::from_secs(298)))
        );
    }

    #[tokio::test]
    async fn an_answer_that_took_longer_than_the_tolerance_is_not_read() {
        let policy = RateLimitPolicy::new().window("5 minutes", 300, Duration::from_secs(3));
        let (limiter, clock) = limiter(policy);
        limiter.acquire().await.observe(&headers(&[
            ("x-ratelimit-remaining", "290"),
            ("x-ratelimit-reset", "2.500"),
        ]));
        let slow = limiter.acquire().await;
        // The window turns while the request is out; its answer could speak of either.
        clock.advance(Duration::from_millis(2600));
        assert_eq!(limiter.snapshot().windows[0].remaining, 300);
        slow.observe(&headers(&[
            ("x-ratelimit-remaining", "10"),
            ("x-ratelimit-reset", "2.499"),
        ]));
        let window = &limiter.snapshot().windows[0];
        assert_eq!(window.remaining, 300);
        assert_eq!(window.resets_in, Some(Duration::from_millis(2900)));
    }

    #[tokio::test]
    async fn an_answer_from_the_servers_next_window_is_believed_before_ours_turns() {
        let policy = RateLimitPolicy::new().window("5 minutes", 300, Duration::from_secs(300));
        let (limiter, _clock) = limiter(policy);
        limiter.acquire().await.observe(&headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "3"),
        ]));
        assert_eq!(limiter.snapshot().windows[0].remaining, 0);
        // Another process's answer (through `observe`) already shows the next window.
        limiter.observe(&headers(&[
            ("x-ratelimit-remaining", "290"),
            ("x-ratelimit-reset", "302"),
        ]));
        let window = &limiter.snapshot().windows[0];
        assert_eq!(
            (window.remaining, window.resets_in),
            (290, Some(Duration::from_secs(302)))
        );
    }

    #[tokio::test]
    async fn without_reset_headers_more_budget_in_a_later_answer_starts_a_window() {
        let (limiter, clock) = limiter(RateLimitPolicy::xseries(1));
        limiter
            .acquire()
            .await
            .observe(&headers(&[("x-ratelimit-remaining", "3")]));
        clock.advance(Duration::from_secs(120));
        limiter
            .acquire()
            .await
            .observe(&headers(&[("x-ratelimit-remaining", "349")]));
        let window = &limiter.snapshot().windows[0];
        assert_eq!(window.remaining, 349);
        assert_eq!(
            window.resets_in,
            Some(Duration::from_secs(300)),
            "the server's window began by t=120 at the latest"
        );
    }

    #[tokio::test]
    async fn a_refusal_with_budget_left_does_not_stop_the_others() {
        let (limiter, clock) = limiter(RateLimitPolicy::ecom());
        limiter.acquire().await.observe_refused(
            &headers(&[
                ("x-ratelimit-remaining", "250/2900/11900"),
                ("x-ratelimit-reset", "200/3000/80000"),
            ]),
            Some(Duration::from_secs(1)),
        );
        for _ in 0..5 {
            drop(limiter.acquire().await);
        }
        assert!(
            clock.now() < Duration::from_secs(1),
            "paced, not paused: {:?}",
            clock.now()
        );
    }

    #[tokio::test]
    async fn a_refusal_of_a_spent_window_waits_for_the_later_of_its_reset_and_retry_after() {
        let (limiter, clock) = limiter(RateLimitPolicy::ecom());
        limiter.acquire().await.observe_refused(
            &headers(&[
                ("x-ratelimit-remaining", "-1/2900/11900"),
                ("x-ratelimit-reset", "20/3000/80000"),
            ]),
            Some(Duration::from_secs(30)),
        );
        drop(limiter.acquire().await);
        assert_eq!(clock.now(), Duration::from_secs(30));
        // And the window after it is full: throughput does not collapse.
        assert_eq!(limiter.snapshot().windows[0].remaining, 299);
    }

    #[tokio::test]
    async fn a_refusal_without_headers_closes_the_first_window_until_retry_after() {
        let (limiter, clock) = limiter(RateLimitPolicy::xseries(1));
        limiter
            .acquire()
            .await
            .observe_refused(&HeaderMap::new(), Some(Duration::from_secs(42)));
        drop(limiter.acquire().await);
        assert_eq!(clock.total_slept(), Duration::from_secs(42));
        assert_eq!(limiter.snapshot().windows[0].remaining, 349);
    }

    #[test]
    fn fractional_reset_seconds_are_read() {
        let parsed = RateLimitHeaders::parse(&headers(&[("x-ratelimit-reset", "2.345/35.5/864")]));
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(
            parsed.windows[0].reset,
            Some(ResetHint::After(Duration::from_millis(2345)))
        );
        assert_eq!(
            parsed.windows[2].reset,
            Some(ResetHint::After(Duration::from_secs(864)))
        );
        let bad = RateLimitHeaders::parse(&headers(&[("x-ratelimit-reset", "-2.5/1e3/NaN")]));
        assert_eq!(bad.warnings.len(), 3);
    }

    #[test]
    fn a_compressed_policy_scales_every_window_and_the_cap() {
        let policy = RateLimitPolicy::ecom().compressed(Duration::from_secs(3));
        let lengths: Vec<_> = policy.windows().iter().map(|w| w.length).collect();
        assert_eq!(
            lengths,
            [
                Duration::from_secs(3),
                Duration::from_secs(36),
                Duration::from_secs(864)
            ]
        );
        assert_eq!(policy.per_second_cap().map(NonZeroU32::get), Some(20));
        assert_eq!(policy.second(), Duration::from_millis(10));
        // 21 requests span the compressed second plus the same 20 ms of jitter.
        assert_eq!(policy.spacing(), Some(Duration::from_micros(1500)));
        assert_eq!(
            RateLimitPolicy::ecom().spacing(),
            Some(Duration::from_millis(51))
        );
        assert_eq!(
            RateLimitPolicy::ecom()
                .jitter_allowance(Duration::ZERO)
                .spacing(),
            Some(Duration::from_millis(50))
        );
    }

    /// A server with fixed windows (aligned to an odd phase, resets rounded up to whole
    /// seconds) and a client answering in a scrambled order: the client's own traffic never
    /// meets a refusal and uses nearly all of every window.
    #[tokio::test]
    async fn a_steady_client_never_overshoots_a_fixed_window_server_and_uses_it() {
        const LIMIT: u32 = 300;
        let length = Duration::from_secs(300);
        let phase = Duration::from_millis(137_400);
        let policy = RateLimitPolicy::new()
            .window("5 minutes", LIMIT, length)
            .per_second(20);
        let (limiter, clock) = limiter(policy);
        let window_of = |t: Duration| ((t + length - phase).as_nanos() / length.as_nanos()) as u64;
        let mut served: std::collections::BTreeMap<u64, u32> = Default::default();
        let mut refused = 0;
        for batch in 0..600u64 {
            let permits: Vec<_> =
                futures::future::join_all((0..4).map(|_| limiter.acquire())).await;
            let mut answers = Vec::new();
            for permit in permits {
                let now = clock.now();
                let window = window_of(now);
                let used = served.entry(window).or_default();
                let end = phase + length * (window as u32);
                let reset = (end - now).as_secs() + u64::from((end - now).subsec_nanos() > 0);
                let status = if *used >= LIMIT {
                    refused += 1;
                    "-1".to_string()
                } else {
                    *used += 1;
                    (LIMIT - *used).to_string()
                };
                answers.push((
                    permit,
                    headers(&[
                        ("x-ratelimit-limit", "300"),
                        ("x-ratelimit-remaining", &status),
                        ("x-ratelimit-reset", &reset.to_string()),
                    ]),
                ));
            }
            // Answers come back out of order.
            answers.rotate_left((batch % 4) as usize);
            for (permit, headers) in answers {
                permit.observe(&headers);
            }
        }
        assert_eq!(refused, 0);
        // Every full window the client spent time in was used to at least 97%.
        let last = window_of(clock.now());
        let full: Vec<_> = served
            .iter()
            .filter(|(w, _)| **w > 0 && **w < last)
            .collect();
        assert!(full.len() >= 5, "{served:?}");
        for (window, used) in full {
            assert!(*used >= 291, "window {window}: {used} of 300");
        }
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
    async fn the_per_second_cap_spaces_requests_exactly() {
        let (limiter, clock) = limiter(
            RateLimitPolicy::new()
                .per_second(20)
                .jitter_allowance(Duration::ZERO),
        );
        let mut sent = Vec::new();
        for _ in 0..41 {
            drop(limiter.acquire().await);
            sent.push(clock.now());
        }
        let gaps: Vec<_> = sent.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(
            gaps.iter().all(|g| *g == Duration::from_millis(50)),
            "{gaps:?}"
        );
        // No second of the server's, wherever it begins, holds more than 20.
        for start in sent.iter() {
            let in_second = sent
                .iter()
                .filter(|t| **t >= *start && **t < *start + Duration::from_secs(1))
                .count();
            assert!(in_second <= 20, "{in_second} from {start:?}");
        }
    }

    #[tokio::test]
    async fn concurrent_waiters_share_one_timeline_under_the_cap() {
        let (limiter, clock) = limiter(RateLimitPolicy::new().per_second(20));
        let limiter = Arc::new(limiter);
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let limiter = limiter.clone();
                tokio::spawn(async move { drop(limiter.acquire().await) })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(clock.now(), Duration::from_millis(19 * 51));
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
            second: Duration::from_secs(1),
        };
        assert_eq!(snapshot.time_for(0), Duration::ZERO);
        assert_eq!(
            snapshot.time_for(300),
            Duration::from_millis(14_950),
            "20 a second, evenly spaced"
        );
        assert_eq!(snapshot.time_for(1), Duration::ZERO);
        assert_eq!(snapshot.time_for(301), Duration::from_secs(300));
        assert_eq!(snapshot.time_for(900), Duration::from_secs(600));
        // 30,000 calls: 12,000 today, 12,000 after the reset in an hour, 6,000 a day later.
        assert_eq!(
            snapshot.time_for(30_000),
            Duration::from_secs(3_600 + 86_400)
        );
    }
}
