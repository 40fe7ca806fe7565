//! The chaos suite's shared logic: the acceptance test of the sync's promise that a catalog
//! sync never loses, duplicates or drops a field, and that a fulfillment request becomes one
//! sale, whatever faults and crashes happen in between.
//!
//! The `chaos` example (`examples/examples/chaos.rs`) drives it: an emulator in a process of
//! its own (`chaos serve`), faults set through its admin route, sync passes as processes that
//! are killed right after their Nth write (`chaos sync --kill-after-writes N`, through
//! [`Tripwire`](lightspeed_core::testing::Tripwire)), passes until one completes, and then a
//! check of what the emulator holds against what the source asks for (`chaos check`).
//!
//! - [`catalog`]: deterministic PIM records and the mapping they go with.
//! - [`check`]: the emulator's eCom dump compared with the source mapped by the sync's own code.
//! - [`orders`]: fulfillment requests, the X-Series products they need, and the check that each
//!   became exactly one sale.
//! - Here: the clients the chaos processes use ([`ecom_client`], [`xseries_client`]), the
//!   transport wrapper they go through ([`Quiet`]), the fault mix ([`FaultMix`]) and the
//!   emulator's admin routes ([`Admin`]).
//!
//! **Time.** The emulator runs with its rate limits off: its budget headers and its
//! `account/ratelimit` report never run out, so the clients pace exactly as in production
//! (they read the report, learn from every answer's headers) and never wait for a budget. Its
//! injected 429s ask for `Retry-After: 1`; so that a chaos run spends no real second on them or
//! on back-off, the clients wait on a virtual clock ([`ManualClock`]): every retry decision is
//! the one the client makes in production (which requests are retried, how often, 429s never
//! given up), only the waits take no time. The waits the clients would have made are reported
//! ([`waited`]).
//!
//! The clients' rate-limit headers are not touched. An earlier version of this harness
//! dropped them (when the emulator's limits-off budget still counted down); since the sync
//! reads `account/ratelimit` before its first request, a client without the headers learnt a
//! finite budget it could never see refilled, and a 10,000-product run stopped converging
//! after 3,000 requests a pass.

pub mod catalog;
pub mod check;
pub mod orders;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use lightspeed_core::transport::{HttpRequest, Response, Transport, TransportError};
use lightspeed_core::{Clock, ExposeSecret, ManualClock, RateLimitPolicy, RetryPolicy};
use lightspeed_emulator::{EmulatorConfig, Stats};
use serde_json::{Value, json};

/// A transport wrapper for the chaos clients: counts the requests and writes sent through it
/// (the answers pass unchanged, rate-limit headers included; see the module docs).
///
/// With the environment variable `CHAOS_TRACE` set to a file name, every request and its
/// outcome is appended to that file as one line (`< 4242 POST /nl/products.json -> 201`), for
/// whoever looks into a failed check (`>` as it is sent, `<` with its outcome).
#[derive(Debug)]
pub struct Quiet<T> {
    inner: T,
    counts: Arc<Counts>,
    trace: Option<std::sync::Mutex<std::fs::File>>,
}

/// Requests and writes sent through a [`Quiet`] transport, every attempt counted.
#[derive(Debug, Default)]
pub struct Counts {
    /// Requests (each attempt, retries included).
    pub requests: AtomicU64,
    /// Writes among them (POST, PUT, PATCH, DELETE).
    pub writes: AtomicU64,
}

impl Counts {
    /// (requests, writes) so far.
    pub fn get(&self) -> (u64, u64) {
        (
            self.requests.load(Ordering::Relaxed),
            self.writes.load(Ordering::Relaxed),
        )
    }
}

impl<T: Transport> Quiet<T> {
    /// Wraps `inner`; answers the wrapper and its counters.
    pub fn new(inner: T) -> (Self, Arc<Counts>) {
        let counts = Arc::new(Counts::default());
        (
            Quiet {
                inner,
                counts: counts.clone(),
                trace: std::env::var_os("CHAOS_TRACE").and_then(|path| {
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .ok()
                        .map(std::sync::Mutex::new)
                }),
            },
            counts,
        )
    }
}

impl<T> Quiet<T> {
    fn trace_line(&self, line: impl FnOnce() -> Option<String>) {
        if let Some(file) = &self.trace
            && let Some(line) = line()
            && let Ok(mut file) = file.lock()
        {
            let _ = writeln!(file, "{line}");
        }
    }
}

#[async_trait]
impl<T: Transport> Transport for Quiet<T> {
    async fn send(&self, request: HttpRequest) -> Result<Response, TransportError> {
        self.counts.requests.fetch_add(1, Ordering::Relaxed);
        if !matches!(request.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
            self.counts.writes.fetch_add(1, Ordering::Relaxed);
        }
        let line = self.trace.as_ref().map(|_| {
            let url = &request.url;
            let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
            format!(
                "{} {} {}{query}",
                std::process::id(),
                request.method,
                url.path()
            )
        });
        self.trace_line(|| line.as_ref().map(|l| format!("> {l}")));
        let sent = self.inner.send(request).await;
        self.trace_line(|| {
            let outcome = match &sent {
                Ok(r) => r.status.as_u16().to_string(),
                Err(e) => format!("error: {e}"),
            };
            line.as_ref().map(|l| format!("< {l} -> {outcome}"))
        });
        sent
    }
}

/// The retry policy of the chaos clients: the production defaults (8 attempts, 429s never
/// given up, POSTs never repeated after they may have landed), on the virtual clock.
pub fn retry_policy() -> RetryPolicy {
    RetryPolicy::default()
}

/// The virtual clock a chaos client waits on.
pub fn clock() -> ManualClock {
    ManualClock::starting_now()
}

/// The seconds a client on `clock` would have waited (Retry-After, back-off).
pub fn waited(clock: &ManualClock) -> f64 {
    clock
        .sleeps()
        .iter()
        .fold(0.0, |sum, d| sum + d.as_secs_f64())
}

/// An eCom client for the emulator at `url` (its default test credentials, language `nl`)
/// through `transport`, waiting on `clock`.
pub fn ecom_client(
    url: &str,
    transport: impl Transport + 'static,
    clock: ManualClock,
) -> Result<lightspeed_ecom::Client, String> {
    let config = EmulatorConfig::default();
    lightspeed_ecom::Client::builder(
        config.ecom.key.clone(),
        config.ecom.secret.expose_secret().to_string(),
    )
    .base_url(url)
    .language("nl")
    .rate_limit(RateLimitPolicy::new())
    .retry(retry_policy())
    .clock(Arc::new(clock) as Arc<dyn Clock>)
    .transport(transport)
    .build()
    .map_err(|e| e.to_string())
}

/// An X-Series client for the emulator at `url` (its default personal token) through
/// `transport`, waiting on `clock`.
pub fn xseries_client(
    url: &str,
    transport: impl Transport + 'static,
    clock: ManualClock,
) -> Result<lightspeed_xseries::Client, String> {
    let config = EmulatorConfig::default();
    lightspeed_xseries::Client::builder()
        .base_url(url)
        .personal_token(config.xseries.token.expose_secret().to_string())
        .rate_limit(RateLimitPolicy::new())
        .retry(retry_policy())
        .clock(Arc::new(clock) as Arc<dyn Clock>)
        .transport(transport)
        .build()
        .map_err(|e| e.to_string())
}

/// A fault mix: probabilities of 5xx (spread evenly over 500, 502 and 503), extra 429s,
/// dropped connections (before anything is applied) and cut bodies (after the write is
/// applied). Written `5xx=0.05,429=0.05,drop=0.01` (and `truncate=0.01`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FaultMix {
    /// 500, 502 and 503 together.
    pub server_errors: f64,
    /// Extra 429s.
    pub too_many: f64,
    /// Connections dropped before the request is applied.
    pub dropped: f64,
    /// Bodies cut after the request was applied.
    pub truncated: f64,
}

impl FaultMix {
    /// The suite's default: 5% 5xx, 5% extra 429, 1% dropped connections.
    pub fn standard() -> Self {
        FaultMix {
            server_errors: 0.05,
            too_many: 0.05,
            dropped: 0.01,
            truncated: 0.0,
        }
    }

    /// The body of `PUT /_emulator/faults`.
    pub fn body(&self) -> Value {
        let each = self.server_errors / 3.0;
        json!({
            "error_500": each, "error_502": each, "error_503": each,
            "extra_429": self.too_many,
            "drop_connection": self.dropped,
            "truncate_body": self.truncated,
        })
    }
}

impl std::fmt::Display for FaultMix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "5xx={},429={},drop={},truncate={}",
            self.server_errors, self.too_many, self.dropped, self.truncated
        )
    }
}

impl std::str::FromStr for FaultMix {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut mix = FaultMix::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?}: expected NAME=PROBABILITY"))?;
            let p: f64 = value
                .trim()
                .parse()
                .map_err(|_| format!("{part:?}: {value:?} is not a number"))?;
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{part:?}: a probability is between 0 and 1"));
            }
            match name.trim() {
                "5xx" => mix.server_errors = p,
                "429" => mix.too_many = p,
                "drop" => mix.dropped = p,
                "truncate" => mix.truncated = p,
                other => {
                    return Err(format!(
                        "{other:?}: the faults are 5xx, 429, drop and truncate"
                    ));
                }
            }
        }
        Ok(mix)
    }
}

/// The emulator's admin routes, over HTTP (the emulator runs in another process).
#[derive(Debug, Clone)]
pub struct Admin {
    base: String,
    http: reqwest::Client,
}

impl Admin {
    /// The admin routes of the emulator at `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Self {
        Admin {
            base: base.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
        }
    }

    async fn get(&self, path: &str) -> Result<Value, String> {
        let url = format!("{}/_emulator/{path}", self.base);
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        if !status.is_success() {
            return Err(format!("GET {url}: {status}"));
        }
        serde_json::from_slice(&bytes).map_err(|e| format!("GET {url}: {e}"))
    }

    /// `GET /_emulator/stats`.
    pub async fn stats(&self) -> Result<Stats, String> {
        serde_json::from_value(self.get("stats").await?).map_err(|e| format!("stats: {e}"))
    }

    /// `GET /_emulator/dump`: everything stored, `{"ecom": {...}, "xseries": {...}}`.
    pub async fn dump(&self) -> Result<Value, String> {
        self.get("dump").await
    }

    /// `PUT /_emulator/faults` with `mix` (no faults: [`FaultMix::default`]).
    pub async fn set_faults(&self, mix: &FaultMix) -> Result<(), String> {
        let url = format!("{}/_emulator/faults", self.base);
        let response = self
            .http
            .put(&url)
            .header("content-type", "application/json")
            .body(mix.body().to_string())
            .send()
            .await
            .map_err(|e| format!("PUT {url}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("PUT {url}: {}", response.status()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_mix_reads_and_spreads_its_5xx() {
        let mix: FaultMix = "5xx=0.06,429=0.05,drop=0.01".parse().unwrap();
        assert_eq!(mix.server_errors, 0.06);
        let body = mix.body();
        assert!((body["error_502"].as_f64().unwrap() - 0.02).abs() < 1e-12);
        assert_eq!(body["extra_429"], 0.05);
        assert!("5xx=2".parse::<FaultMix>().is_err());
        assert!("teapot=0.1".parse::<FaultMix>().is_err());
        assert_eq!("".parse::<FaultMix>().unwrap(), FaultMix::default());
    }
}
