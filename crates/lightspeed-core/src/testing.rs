//! Helpers for the crates' own tests (and yours): capturing log lines to check that they say
//! what they should and leak nothing.

use std::io;
use std::sync::{Arc, Mutex};

use tracing::Dispatch;
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::fmt::MakeWriter;

/// Every log line (TRACE and up) written on this thread while the capture is alive.
///
/// With a single scoped subscriber, `tracing` caches a log line's interest from whichever
/// thread reaches it first, so a test running beside others (which have no subscriber) could
/// see nothing. The capture keeps a second dispatcher alive, which makes `tracing` ask every
/// dispatcher, so lines reach this thread's subscriber whatever the other tests do.
pub struct CapturedLogs {
    lines: Arc<Mutex<Vec<u8>>>,
    _second: Dispatch,
    _guard: DefaultGuard,
}

impl CapturedLogs {
    /// Starts capturing on this thread.
    pub fn start() -> Self {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::fmt()
            .with_writer(Sink(lines.clone()))
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .finish();
        let second = Dispatch::new(tracing_subscriber::registry());
        let guard = tracing::subscriber::set_default(subscriber);
        Self {
            lines,
            _second: second,
            _guard: guard,
        }
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.lines.lock().expect("not poisoned")).into_owned()
    }
}

#[derive(Clone)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Sink {
    type Writer = Sink;
    fn make_writer(&'a self) -> Sink {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_captured() {
        let logs = CapturedLogs::start();
        tracing::debug!(what = "x", "a debug line");
        assert!(logs.text().contains("a debug line"), "{}", logs.text());
    }
}
