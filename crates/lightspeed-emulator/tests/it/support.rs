//! What the tests share: starting emulators, clients bound to them, a webhook receiver.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use lightspeed_core::RetryPolicy;
use lightspeed_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::Value;
use tokio::sync::{Mutex, mpsc};

/// An emulator with the default configuration but for rate limits, which it reports in the
/// headers and does not enforce. With the real per-second cap of 20 on the real clock, a test
/// sending a burst of raw requests passed on a slow machine and met a 429 on a fast one; the
/// tests of the budgets (`limits.rs`) set their own limits on a virtual clock.
pub async fn start() -> EmulatorHandle {
    start_with(EmulatorConfig::default().unlimited()).await
}

/// An emulator with `config`.
pub async fn start_with(config: EmulatorConfig) -> EmulatorHandle {
    Emulator::start(config).await.expect("emulator starts")
}

/// A retry policy that retries quickly (tests never wait for real seconds).
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .min_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
        .max_attempts(20)
        .jitter(false)
}

/// The typed eCom client, pointed at the emulator.
pub fn ecom(emu: &EmulatorHandle) -> lightspeed_ecom::Client {
    lightspeed_ecom::Client::builder(emu.ecom_key(), emu.ecom_secret())
        .base_url(emu.ecom_url())
        .language("nl")
        .retry(fast_retries())
        .build()
        .expect("client")
}

/// The typed X-Series client, pointed at the emulator.
pub fn xseries(emu: &EmulatorHandle) -> lightspeed_xseries::Client {
    lightspeed_xseries::Client::builder()
        .base_url(emu.xseries_url())
        .personal_token(emu.xseries_token().to_string())
        .retry(fast_retries())
        .build()
        .expect("client")
}

/// A plain HTTP client.
pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// `GET {ecom}/{path}` with the right credentials; status and JSON body.
pub async fn ecom_get(emu: &EmulatorHandle, path: &str) -> (u16, Value) {
    let r = http()
        .get(format!("{}/{path}", emu.ecom_url()))
        .basic_auth(emu.ecom_key(), Some(emu.ecom_secret()))
        .send()
        .await
        .expect("response");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `{method} {ecom}/{path}` with a JSON body; status and JSON body.
pub async fn ecom_send(
    emu: &EmulatorHandle,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let r = http()
        .request(method, format!("{}/{path}", emu.ecom_url()))
        .basic_auth(emu.ecom_key(), Some(emu.ecom_secret()))
        .json(body)
        .send()
        .await
        .expect("response");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `{method} {xseries}/{path}` with the token and an optional JSON body.
pub async fn xs_send(
    emu: &EmulatorHandle,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut r = http()
        .request(method, format!("{}/{path}", emu.xseries_url()))
        .bearer_auth(emu.xseries_token());
    if let Some(b) = body {
        r = r.json(b);
    }
    let r = r.send().await.expect("response");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `GET {xseries}/{path}`.
pub async fn xs_get(emu: &EmulatorHandle, path: &str) -> (u16, Value) {
    xs_send(emu, reqwest::Method::GET, path, None).await
}

/// One webhook call as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A loopback server that records every POST it gets.
pub struct Receiver {
    pub url: String,
    calls: Arc<Mutex<mpsc::UnboundedReceiver<Received>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let (tx, rx) = mpsc::unbounded_channel();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(Received { headers, body });
                "ok"
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver {
            url,
            calls: Arc::new(Mutex::new(rx)),
            _task: task,
        }
    }

    /// The next call, waiting up to [`PATIENCE`].
    pub async fn next(&self) -> Received {
        let mut rx = self.calls.lock().await;
        tokio::time::timeout(PATIENCE, rx.recv())
            .await
            .expect("a webhook call within the patience bound")
            .expect("receiver open")
    }

    /// The next `n` calls, in the order they arrived.
    pub async fn take(&self, n: usize) -> Vec<Received> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.next().await);
        }
        out
    }

    /// Fails if another call arrives within `wait`. A negative check: a slow machine can only
    /// make it pass wrongly, never fail wrongly.
    pub async fn assert_no_more(&self, wait: Duration) {
        let mut rx = self.calls.lock().await;
        if let Ok(Some(extra)) = tokio::time::timeout(wait, rx.recv()).await {
            panic!("an unexpected webhook call: {extra:?}");
        }
    }
}

/// How long a test waits for something that must happen (a webhook call, a counter to move, a
/// port to close). Only a broken emulator reaches it; a loaded machine merely waits longer, so
/// no test depends on how fast the machine is.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Waits until `done` answers `true`, checking every 10 ms; panics naming `what` after
/// [`PATIENCE`].
pub async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
