//! Time sources: the one every wait in this crate goes through, so tests never sleep for real.
//!
//! Pacing, retry back-off and the overall retry deadline all ask a [`Clock`] for the time and
//! wait through it. Production code uses [`SystemClock`] (tokio timers, the system wall clock);
//! tests use [`ManualClock`], whose `sleep` returns at once and moves virtual time forward, so a
//! five-minute rate-limit window costs nothing and the test can assert how long the client
//! *would* have waited.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

/// A source of time and a way to wait.
#[async_trait]
pub trait Clock: Send + Sync + fmt::Debug {
    /// Monotonic time elapsed since this clock's fixed origin.
    fn now(&self) -> Duration;

    /// The wall-clock time, used to read HTTP dates such as `Retry-After`.
    fn wall(&self) -> SystemTime;

    /// Waits for `duration`.
    async fn sleep(&self, duration: Duration);

    /// Waits until [`Clock::now`] reaches `deadline`; returns at once if it already has.
    ///
    /// Prefer this over `sleep` when several tasks wait for the same moment (a rate-limit
    /// window's reset), so that they all wake at that moment.
    async fn sleep_until(&self, deadline: Duration) {
        let now = self.now();
        if deadline > now {
            self.sleep(deadline - now).await;
        }
    }
}

/// The real clock: tokio timers and the system wall clock.
///
/// Because it uses `tokio::time`, a test that pauses tokio's clock also pauses this one.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    origin: tokio::time::Instant,
}

impl SystemClock {
    /// A clock whose origin is the current instant.
    pub fn new() -> Self {
        Self {
            origin: tokio::time::Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> Duration {
        tokio::time::Instant::now().saturating_duration_since(self.origin)
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A virtual clock for tests: `sleep` returns immediately and advances the time.
///
/// `sleep(d)` moves the clock to `now + d`; `sleep_until(t)` moves it to `t` if it is not there
/// yet, so concurrent tasks waiting for the same instant move the clock once, as on a real
/// clock. Every wait is recorded (as the duration it covered), so a test can assert how long the
/// code under test waited.
#[derive(Clone)]
pub struct ManualClock {
    state: Arc<Mutex<ManualState>>,
}

struct ManualState {
    now: Duration,
    wall_origin: SystemTime,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock at virtual time zero whose wall clock starts at `wall_origin`.
    pub fn new(wall_origin: SystemTime) -> Self {
        Self {
            state: Arc::new(Mutex::new(ManualState {
                now: Duration::ZERO,
                wall_origin,
                sleeps: Vec::new(),
            })),
        }
    }

    /// A clock whose wall clock starts at the current system time.
    pub fn starting_now() -> Self {
        Self::new(SystemTime::now())
    }

    /// Moves virtual time forward without recording a sleep.
    pub fn advance(&self, by: Duration) {
        self.lock().now += by;
    }

    /// Every duration passed to [`Clock::sleep`], in call order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// The sum of every recorded sleep.
    pub fn total_slept(&self) -> Duration {
        self.lock().sleeps.iter().sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        // A panic in another test thread must not hide this test's own result.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("ManualClock")
            .field("now", &state.now)
            .field("sleeps", &state.sleeps.len())
            .finish()
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> Duration {
        self.lock().now
    }

    fn wall(&self) -> SystemTime {
        let state = self.lock();
        state.wall_origin + state.now
    }

    async fn sleep(&self, duration: Duration) {
        {
            let mut state = self.lock();
            state.sleeps.push(duration);
            state.now += duration;
        }
        tokio::task::yield_now().await;
    }

    async fn sleep_until(&self, deadline: Duration) {
        {
            let mut state = self.lock();
            let waited = deadline.saturating_sub(state.now);
            state.sleeps.push(waited);
            state.now = state.now.max(deadline);
        }
        tokio::task::yield_now().await;
    }
}

/// Parses an HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`, and the obsolete RFC 850 and asctime
/// forms).
///
/// A weekday that does not match the date is ignored rather than rejected: the day and time
/// are what matter for a `Retry-After`, and examples in the wild (the X-Series docs' own
/// `Tue, 14 Nov 2026 10:00:00 GMT`, a Saturday) get it wrong.
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    if let Ok(time) = httpdate::parse_http_date(text) {
        return Some(time);
    }
    let (_, rest) = text.split_once(", ")?;
    let naive = chrono::NaiveDateTime::parse_from_str(rest.trim(), "%d %b %Y %H:%M:%S GMT").ok()?;
    let seconds = u64::try_from(naive.and_utc().timestamp()).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
}

/// Adapts a [`Clock`] to governor's clock so the per-second limiter runs on the same time.
#[derive(Debug, Clone)]
pub(crate) struct GovernorClock(pub(crate) Arc<dyn Clock>);

impl governor::clock::Clock for GovernorClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.0.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_sleep_advances_and_records() {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH);
        clock.sleep(Duration::from_secs(2)).await;
        clock.sleep(Duration::from_millis(500)).await;
        assert_eq!(clock.now(), Duration::from_millis(2500));
        assert_eq!(
            clock.sleeps(),
            vec![Duration::from_secs(2), Duration::from_millis(500)]
        );
        assert_eq!(
            clock.wall(),
            SystemTime::UNIX_EPOCH + Duration::from_millis(2500)
        );
    }

    #[tokio::test]
    async fn manual_clock_sleep_until_wakes_concurrent_waiters_at_the_same_instant() {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH);
        let deadline = Duration::from_secs(2);
        let (a, b) = (clock.clone(), clock.clone());
        tokio::join!(a.sleep_until(deadline), b.sleep_until(deadline));
        assert_eq!(clock.now(), deadline);
        clock.sleep_until(Duration::from_secs(1)).await;
        assert_eq!(
            clock.now(),
            deadline,
            "a past deadline does not move the clock"
        );
    }

    #[test]
    fn http_dates_parse_with_or_without_a_matching_weekday() {
        let expected = SystemTime::UNIX_EPOCH + Duration::from_secs(1_794_650_400);
        assert_eq!(
            parse_http_date("Sat, 14 Nov 2026 10:00:00 GMT"),
            Some(expected)
        );
        assert_eq!(
            parse_http_date("Tue, 14 Nov 2026 10:00:00 GMT"),
            Some(expected)
        );
        assert_eq!(
            parse_http_date("Saturday, 14-Nov-26 10:00:00 GMT"),
            Some(expected)
        );
        assert_eq!(parse_http_date("tomorrow"), None);
        assert_eq!(parse_http_date("Tue, 32 Nov 2026 10:00:00 GMT"), None);
    }

    #[tokio::test]
    async fn manual_clock_advance_is_not_a_sleep() {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH);
        clock.advance(Duration::from_secs(7));
        assert_eq!(clock.now(), Duration::from_secs(7));
        assert_eq!(clock.total_slept(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn system_clock_follows_tokio_time() {
        let clock = SystemClock::new();
        clock.sleep(Duration::from_secs(300)).await;
        assert!(clock.now() >= Duration::from_secs(300));
    }
}
