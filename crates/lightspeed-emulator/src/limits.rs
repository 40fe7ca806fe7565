//! Fixed-window request budgets with the APIs' own headers.
//!
//! eCom counts three windows per key (five minutes, an hour, a day) and a per-second cap, and
//! reports them as `a/b/c` triples. X-Series counts `300 × registers + 50` per five minutes.
//! Windows are fixed and aligned to the emulator's start (the real algorithm is not
//! documented; fixed windows are what third-party emulators chose). Rejected requests do not
//! use budget.
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
    windows: [Window; 3],
    second: Window,
}

impl EcomBudget {
    pub fn new(settings: &LimitSettings, now: Duration) -> Self {
        let w = settings.window;
        EcomBudget {
            enabled: settings.enabled,
            windows: [
                Window::new(settings.ecom[0], w, now),
                Window::new(settings.ecom[1], w * 12, now),
                Window::new(settings.ecom[2], w * 288, now),
            ],
            second: Window::new(settings.ecom_per_second, w / 300, now),
        }
    }

    /// Counts one request (unless it is refused) and answers with the headers.
    pub fn take(&mut self, now: Duration) -> Verdict {
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
        if limited.is_none() {
            for w in self.windows.iter_mut() {
                w.used += 1;
            }
            self.second.used += 1;
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
                        w.remaining().max(0).to_string()
                    }
                }),
            ),
            (
                "x-ratelimit-reset",
                triple(&|_, w| ceil_secs(w.until_reset(now)).to_string()),
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
        for (slot, w) in out.iter_mut().zip(self.windows.iter_mut()) {
            w.roll(now);
            *slot = (w.limit, w.remaining(), ceil_secs(w.until_reset(now)));
        }
        out
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

    /// Counts one request (unless refused); a 429 carries `Retry-After` as an HTTP-date.
    pub fn take(&mut self, now: Duration, wall: SystemTime) -> Verdict {
        self.window.roll(now);
        let limited = (self.enabled && self.window.full()).then(|| self.window.until_reset(now));
        if limited.is_none() {
            self.window.used += 1;
        }
        let mut headers = vec![
            ("x-ratelimit-limit", self.window.limit.to_string()),
            (
                "x-ratelimit-remaining",
                self.window.remaining().max(0).to_string(),
            ),
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
        let v = b.take(t0);
        assert_eq!(v.headers[0].1, "3/5/10");
        assert_eq!(v.headers[1].1, "2/4/9");
        assert_eq!(v.headers[2].1, "300/3600/86400");
        b.take(t0);
        b.take(t0);
        let refused = b.take(t0 + Duration::from_millis(1500));
        assert_eq!(refused.headers[1].1, "-1/2/7");
        assert_eq!(refused.headers[3], ("retry-after", "299".to_string()));
        assert!(refused.limited.is_some());
        let next = b.take(t0 + Duration::from_secs(300));
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
        assert!(b.take(t0).limited.is_none());
        assert!(b.take(t0).limited.is_none());
        assert!(b.take(t0).limited.is_some());
        // One emulated second is 10 ms here.
        assert!(b.take(t0 + Duration::from_millis(10)).limited.is_none());
    }

    #[test]
    fn xseries_limit_follows_registers_and_retry_after_is_an_http_date() {
        let t0 = Duration::from_secs(7);
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut b = XSeriesBudget::new(&settings(Duration::from_secs(300)), 2, t0);
        for _ in 0..650 {
            assert!(b.take(t0, wall).limited.is_none());
        }
        let v = b.take(t0 + Duration::from_secs(100), wall);
        assert_eq!(v.headers[0].1, "650");
        assert_eq!(v.headers[1].1, "0");
        let at = httpdate::parse_http_date(&v.headers[2].1).unwrap();
        assert_eq!(at, wall + Duration::from_secs(200));
    }

    #[test]
    fn disabled_limits_still_send_headers() {
        let t0 = Duration::from_secs(7);
        let mut s = settings(Duration::from_secs(300));
        s.enabled = false;
        let mut b = EcomBudget::new(&s, t0);
        for _ in 0..20 {
            assert!(b.take(t0).limited.is_none());
        }
        assert_eq!(b.take(t0).headers[0].1, "3/5/10");
    }
}
