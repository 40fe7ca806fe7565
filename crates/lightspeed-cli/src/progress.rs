//! Progress on the terminal: a bar with the elapsed time, the ETA and the current step, and a
//! visible "waiting for the rate limit until HH:MM:SS" while the budget is spent.
//!
//! The bar is drawn on standard error when it is a terminal (and `--json` is off). When it is
//! not (a CI log, a test), nothing is drawn, but each rate-limit wait is still said once, as a
//! line on standard error, so a run that seems to stand still says why.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lightspeed_core::{RateLimitEvent, RateLimitObserver};
use lightspeed_sync::catalog::ProgressFn;

/// The progress of one command.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
    drawn: bool,
    /// The step shown while not waiting.
    step: Arc<Mutex<String>>,
    /// Said after each wait (`emulator: time compressed 100x`).
    note: Option<String>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("drawn", &self.drawn)
            .finish()
    }
}

impl Progress {
    /// A bar on standard error, drawn only when it is a terminal and `quiet` is off.
    pub fn new(quiet: bool, note: Option<String>) -> Progress {
        use std::io::IsTerminal;
        let drawn = !quiet && std::io::stderr().is_terminal();
        let target = if drawn {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} ETA {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        if drawn {
            bar.enable_steady_tick(Duration::from_millis(200));
        }
        Progress {
            bar,
            drawn,
            step: Arc::new(Mutex::new(String::new())),
            note,
        }
    }

    /// The current step (`reading the source`, `planning`, `applying`).
    pub fn step(&self, step: &str) {
        *self.step.lock().unwrap_or_else(|e| e.into_inner()) = step.to_string();
        self.bar.set_message(step.to_string());
        tracing::info!(step, "step");
    }

    /// The sync's progress callback: steps done out of the total.
    pub fn callback(&self) -> ProgressFn {
        let bar = self.bar.clone();
        Arc::new(move |p| {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
        })
    }

    /// The rate limiter's observer: the wait on the bar (and as a line when no bar is drawn).
    pub fn observer(&self) -> RateLimitObserver {
        let bar = self.bar.clone();
        let step = self.step.clone();
        let drawn = self.drawn;
        let note = self.note.clone();
        // Concurrent requests wait for the same reset: it is said once.
        let said: Mutex<Option<String>> = Mutex::new(None);
        Arc::new(move |event: &RateLimitEvent| match event {
            RateLimitEvent::Waiting { window, until } => {
                let line = waiting_line(window, *until, note.as_deref());
                if drawn {
                    bar.set_message(line);
                } else {
                    let mut said = said.lock().unwrap_or_else(|e| e.into_inner());
                    if said.as_deref() != Some(line.as_str()) {
                        eprintln!("{line}");
                        *said = Some(line);
                    }
                }
            }
            RateLimitEvent::Resumed => {
                bar.set_message(step.lock().unwrap_or_else(|e| e.into_inner()).clone());
            }
            _ => {}
        })
    }

    /// Prints a line above the bar (or plainly when none is drawn).
    pub fn println(&self, line: &str) {
        if self.drawn {
            self.bar.println(line);
        } else {
            eprintln!("{line}");
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// `waiting for the rate limit (5 minutes window) until 14:05:03 UTC`.
pub fn waiting_line(window: &str, until: SystemTime, note: Option<&str>) -> String {
    let at: DateTime<Utc> = until.into();
    let why = if window == "429" {
        "the API answered 429".to_string()
    } else {
        format!("{window} window spent")
    };
    let note = note.map(|n| format!("; {n}")).unwrap_or_default();
    format!(
        "waiting for the rate limit until {} UTC ({why}{note})",
        at.format("%H:%M:%S")
    )
}
