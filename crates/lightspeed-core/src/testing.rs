//! Helpers for the crates' own tests (and yours): capturing log lines to check that they say
//! what they should and leak nothing, and a [`Tripwire`] transport that stops a client right
//! after a write landed, to prove that a crash or a cancelled future loses and duplicates
//! nothing.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use http::Method;

use crate::transport::{HttpRequest, Response, Transport, TransportError};

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

/// What a [`Tripwire`] does when it trips.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trip {
    /// Ends the process at once (`std::process::abort`): a crash, or a `kill -9`, right after
    /// the write landed and before anything could record its answer.
    Abort,
    /// Never answers: the caller's future waits forever, until whoever runs it drops it (a
    /// cancelled future, a timeout, a shutdown) while the write has landed.
    Hang,
}

/// A transport that passes requests to another one and trips once, right after the response
/// to its `nth` write (POST, PUT, PATCH or DELETE) arrived: the write has landed, its answer
/// never reaches the caller. Reads pass through, and so does everything after the trip when
/// the trip hangs (other requests in flight go on).
#[derive(Debug)]
pub struct Tripwire<T> {
    inner: T,
    nth: u64,
    trip: Trip,
    writes: AtomicU64,
    tripped: Arc<tokio::sync::Notify>,
}

impl<T: Transport> Tripwire<T> {
    /// Trips with `trip` after the `nth` write (1-based); `0` never trips.
    pub fn new(inner: T, nth: u64, trip: Trip) -> Self {
        Tripwire {
            inner,
            nth,
            trip,
            writes: AtomicU64::new(0),
            tripped: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Notified once the wire has tripped (with [`Trip::Hang`]).
    pub fn tripped(&self) -> Arc<tokio::sync::Notify> {
        self.tripped.clone()
    }
}

#[async_trait]
impl<T: Transport> Transport for Tripwire<T> {
    async fn send(&self, request: HttpRequest) -> Result<Response, TransportError> {
        let write = matches!(
            request.method,
            Method::POST | Method::PUT | Method::PATCH | Method::DELETE
        );
        let response = self.inner.send(request).await;
        if write && self.nth > 0 && self.writes.fetch_add(1, Ordering::SeqCst) + 1 == self.nth {
            match self.trip {
                Trip::Abort => std::process::abort(),
                Trip::Hang => {
                    self.tripped.notify_one();
                    std::future::pending::<()>().await;
                }
            }
        }
        response
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

    #[tokio::test]
    async fn a_tripwire_hangs_after_its_write_landed() {
        use crate::transport::{ScriptedTransport, Step};
        let scripted = ScriptedTransport::new();
        for _ in 0..3 {
            scripted.push(Step::status(200, "{}"));
        }
        let wire = Tripwire::new(scripted.clone(), 2, Trip::Hang);
        let request = |method: Method| HttpRequest {
            method,
            url: "http://localhost/x".parse().unwrap(),
            headers: Default::default(),
            body: None,
        };
        assert!(wire.send(request(Method::GET)).await.is_ok());
        assert!(wire.send(request(Method::POST)).await.is_ok());
        let tripped = wire.tripped();
        let hung = tokio::select! {
            _ = wire.send(request(Method::PUT)) => false,
            _ = tripped.notified() => true,
        };
        assert!(hung, "the second write never answers");
        assert_eq!(scripted.requests().len(), 3, "but it was sent");
    }
}
