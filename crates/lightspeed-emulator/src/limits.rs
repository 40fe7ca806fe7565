//! Fixed-window request budgets with the APIs' own headers.
//!
//! eCom counts three windows per key (five minutes, an hour, a day) and a per-second cap, and
//! reports them as `a/b/c` triples. X-Series counts `300 × registers + 50` per five minutes.
//! Windows are fixed and aligned to the emulator's start (the real algorithm is not
//! documented; fixed windows are what third-party emulators chose). Rejected requests do not
//! use budget.
//!
//! With limits off, the headers still come, but their budget never runs out: `Remaining`
//! stays at the limit, so a client pacing from them never waits for a budget nobody enforces.
//! With a compressed window, eCom's resets carry milliseconds (`2.345`): whole seconds would
//! round a three-second window's reset by up to a third of it.
//!
//! Time is given, never read here: `now` is the emulator clock's monotonic time (a
//! [`Clock::now`](lightspeed_core::Clock::now) reading) and `wall` its wall time, so a test on a
//! virtual clock decides exactly when a window resets.

use std::time::{Duration, SystemTime};

use crate::config::LimitSettings;

#[derive(Debug, Clone)]
struct Window {
    limit: u32,
    len: Duration,
    start: Duration,
    used: u32,
}

impl Window {
    fn new(limit: u32, len: Duration, now: Duration) -> Self {
        Window {
            limit,
            len: len.max(Duration::from_micros(1)),
            start: now,
            used: 0,
        }
    }

    fn roll(&mut self, now: Duration) {
        let elapsed = now.saturating_sub(self.start);
        if elapsed >= self.len {
            let windows = elapsed.as_nanos() / self.len.as_nanos();
            self.start += self.len * u32::try_from(windows).unwrap_or(u32::MAX);
            self.used = 0;
        }
    }

    fn full(&self) -> bool {
        self.used >= self.limit
    }

    fn remaining(&self) -> i64 {
        i64::from(self.limit) - i64::from(self.used)
    }

    fn until_reset(&self, now: Duration) -> Duration {
        (self.start + self.len).saturating_sub(now)
    }
}

/// Whole seconds, rounded up, as the headers carry them.
fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// A reset as eCom's header carries it: whole seconds rounded up, or, when `precise`,
/// milliseconds rounded up (`2.345`).
fn reset_text(d: Duration, precise: bool) -> String {
    if precise {
        let ms = d.as_nanos().div_ceil(1_000_000);
        format!("{}.{:03}", ms / 1000, ms % 1000)
    } else {
        ceil_secs(d).to_string()
    }
}

/// The outcome of one request against a budget: the headers to send, and for a 429 the wait.
#[derive(Debug, Clone)]
pub(crate) struct Verdict {
    pub headers: Vec<(&'static str, String)>,
    pub limited: Option<Duration>,
}

/// eCom: three windows and a per-second cap.
#[derive(Debug)]
pub(crate) struct EcomBudget {
    enabled: bool,
    /// Resets with milliseconds (a compressed window).
    precise: bool,
    windows: [Window; 3],
    second: Window,
    origin: Duration,
    /// Requests counted in each five-minute window since `origin`, oldest first.
    history: Vec<u64>,
}

impl EcomBudget {
    pub fn new(settings: &LimitSettings, now: Duration) -> Self {
        let w = settings.window;
        EcomBudget {
            enabled: settings.enabled,
            precise: w != Duration::from_secs(300),
            windows: [
                Window::new(settings.ecom[0], w, now),
                Window::new(settings.ecom[1], w * 12, now),
                Window::new(settings.ecom[2], w * 288, now),
            ],
            second: Window::new(settings.ecom_per_second, w / 300, now),
            origin: now,
            history: Vec::new(),
        }
    }

    /// What a client sees of a window: the real count, or a full budget with limits off.
    fn remaining(&self, w: &Window) -> i64 {
        if self.enabled {
            w.remaining().max(0)
        } else {
            i64::from(w.limit)
        }
    }

    /// Counts one request (unless it is refused, or `count` is false: an injected refusal)
    /// and answers with the headers.
    pub fn take(&mut self, now: Duration, count: bool) -> Verdict {
        for w in self
            .windows
            .iter_mut()
            .chain(std::iter::once(&mut self.second))
        {
            w.roll(now);
        }
        let exhausted = self.windows.iter().position(Window::full);
        let limited = if !self.enabled {
            None
        } else if let Some(i) = exhausted {
            Some(self.windows[i].until_reset(now))
        } else if self.second.full() {
            Some(self.second.until_reset(now))
        } else {
            None
        };
        if limited.is_none() && count {
            for w in self.windows.iter_mut() {
                w.used += 1;
            }
            self.second.used += 1;
            let index = (now.saturating_sub(self.origin).as_nanos()
                / self.windows[0].len.as_nanos()) as usize;
            if self.history.len() <= index {
                self.history.resize(index + 1, 0);
            }
            self.history[index] += 1;
        }
        let triple = |f: &dyn Fn(usize, &Window) -> String| {
            self.windows
                .iter()
                .enumerate()
                .map(|(i, w)| f(i, w))
                .collect::<Vec<_>>()
                .join("/")
        };
        let mut headers = vec![
            ("x-ratelimit-limit", triple(&|_, w| w.limit.to_string())),
            (
                "x-ratelimit-remaining",
                triple(&|i, w| {
                    if limited.is_some() && exhausted == Some(i) {
                        "-1".into()
                    } else {
                        self.remaining(w).to_string()
                    }
                }),
            ),
            (
                "x-ratelimit-reset",
                triple(&|_, w| reset_text(w.until_reset(now), self.precise)),
            ),
        ];
        if let Some(wait) = limited {
            headers.push(("retry-after", ceil_secs(wait).max(1).to_string()));
        }
        Verdict { headers, limited }
    }

    /// The windows as `account/ratelimit` reports them: (limit, remaining, reset seconds).
    pub fn report(&mut self, now: Duration) -> [(u32, i64, u64); 3] {
        let mut out = [(0, 0, 0); 3];
        for (i, slot) in out.iter_mut().enumerate() {
            self.windows[i].roll(now);
            let w = &self.windows[i];
            let remaining = if self.enabled {
                w.remaining()
            } else {
                i64::from(w.limit)
            };
            *slot = (w.limit, remaining, ceil_secs(w.until_reset(now)));
        }
        out
    }

    /// Requests counted in each five-minute window since the start, oldest first.
    pub fn history(&self) -> Vec<u64> {
        self.history.clone()
    }
}

/// X-Series: one five-minute window per application.
#[derive(Debug)]
pub(crate) struct XSeriesBudget {
    enabled: bool,
    window: Window,
}

impl XSeriesBudget {
    pub fn new(settings: &LimitSettings, registers: u32, now: Duration) -> Self {
        XSeriesBudget {
            enabled: settings.enabled,
            window: Window::new(300 * registers + 50, settings.window, now),
        }
    }

    /// Counts one request (unless refused, or `count` is false: an injected refusal); a 429
    /// carries `Retry-After` as an HTTP-date.
    pub fn take(&mut self, now: Duration, wall: SystemTime, count: bool) -> Verdict {
        self.window.roll(now);
        let limited = (self.enabled && self.window.full()).then(|| self.window.until_reset(now));
        if limited.is_none() && count {
            self.window.used += 1;
        }
        let remaining = if self.enabled {
            self.window.remaining().max(0)
        } else {
            i64::from(self.window.limit)
        };
        let mut headers = vec![
            ("x-ratelimit-limit", self.window.limit.to_string()),
            ("x-ratelimit-remaining", remaining.to_string()),
        ];
        if let Some(wait) = limited {
            let at = wall + Duration::from_secs(ceil_secs(wait).max(1));
            headers.push(("retry-after", httpdate::fmt_http_date(at)));
        }
        Verdict { headers, limited }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(window: Duration) -> LimitSettings {
        LimitSettings {
            enabled: true,
            window,
            ecom: [3, 5, 10],
            ecom_per_second: 100,
        }
    }

    #[test]
    fn ecom_headers_count_down_and_the_exhausted_window_shows_minus_one() {
        let t0 = Duration::from_secs(7);
        let mut b = EcomBudget::new(&settings(Duration::from_secs(300)), t0);
        let v = b.take(t0, true);
        assert_eq!(v.headers[0].1, "3/5/10");
        assert_eq!(v.headers[1].1, "2/4/9");
        assert_eq!(v.headers[2].1, "300/3600/86400");
        b.take(t0, true);
        b.take(t0, true);
        let refused = b.take(t0 + Duration::from_millis(1500), true);
        assert_eq!(refused.headers[1].1, "-1/2/7");
        assert_eq!(refused.headers[3], ("retry-after", "299".to_string()));
        assert!(refused.limited.is_some());
        let next = b.take(t0 + Duration::from_secs(300), true);
        assert!(next.limited.is_none());
        assert_eq!(next.headers[1].1, "2/1/6");
    }

    #[test]
    fn ecom_per_second_cap_scales_with_the_window() {
        let t0 = Duration::from_secs(7);
        let mut s = settings(Duration::from_secs(3));
        s.ecom = [1000, 1000, 1000];
        s.ecom_per_second = 2;
        let mut b = EcomBudget::new(&s, t0);
        assert!(b.take(t0, true).limited.is_none());
        assert!(b.take(t0, true).limited.is_none());
        assert!(b.take(t0, true).limited.is_some());
        // One emulated second is 10 ms here.
        assert!(
            b.take(t0 + Duration::from_millis(10), true)
                .limited
                .is_none()
        );
    }

    #[test]
    fn xseries_limit_follows_registers_and_retry_after_is_an_http_date() {
        let t0 = Duration::from_secs(7);
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut b = XSeriesBudget::new(&settings(Duration::from_secs(300)), 2, t0);
        for _ in 0..650 {
            assert!(b.take(t0, wall, true).limited.is_none());
        }
        let v = b.take(t0 + Duration::from_secs(100), wall, true);
        assert_eq!(v.headers[0].1, "650");
        assert_eq!(v.headers[1].1, "0");
        let at = httpdate::parse_http_date(&v.headers[2].1).unwrap();
        assert_eq!(at, wall + Duration::from_secs(200));
    }

    #[test]
    fn disabled_limits_send_a_budget_that_never_runs_out() {
        let t0 = Duration::from_secs(7);
        let mut s = settings(Duration::from_secs(300));
        s.enabled = false;
        let mut b = EcomBudget::new(&s, t0);
        for _ in 0..20 {
            let v = b.take(t0, true);
            assert!(v.limited.is_none());
            assert_eq!(v.headers[0].1, "3/5/10");
            assert_eq!(v.headers[1].1, "3/5/10", "remaining stays at the limit");
        }
        assert_eq!(b.report(t0)[0], (3, 3, 300));
        assert_eq!(b.history(), vec![20], "counted all the same");
        let mut x = XSeriesBudget::new(&s, 1, t0);
        let wall = SystemTime::UNIX_EPOCH;
        for _ in 0..400 {
            let v = x.take(t0, wall, true);
            assert!(v.limited.is_none());
            assert_eq!(v.headers[1].1, "350");
        }
    }

    #[test]
    fn compressed_windows_send_resets_with_milliseconds_and_history_per_window() {
        let t0 = Duration::from_secs(7);
        let mut b = EcomBudget::new(&settings(Duration::from_secs(3)), t0);
        let v = b.take(t0 + Duration::from_micros(1_234_500), true);
        assert_eq!(v.headers[2].1, "1.766/34.766/862.766");
        b.take(t0 + Duration::from_secs(7), true);
        assert_eq!(b.history(), vec![1, 0, 1]);
    }

    #[test]
    fn an_uncounted_request_spends_nothing() {
        let t0 = Duration::from_secs(7);
        let mut b = EcomBudget::new(&settings(Duration::from_secs(300)), t0);
        assert_eq!(b.take(t0, false).headers[1].1, "3/5/10");
        assert_eq!(b.take(t0, true).headers[1].1, "2/4/9");
    }
}
