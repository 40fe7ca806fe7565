//! Integration tests for lightspeed-xseries: fixture conformance, and the client against
//! wiremock on loopback with a virtual clock (waits are recorded, never slept).

mod conformance;
mod endpoints;
mod oauth;
mod paging;
mod secrets;
mod webhooks;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use lightspeed_core::{ManualClock, RetryPolicy};
use lightspeed_xseries::Client;
use wiremock::MockServer;

/// The personal token the tests use.
pub const TOKEN: &str = "lsxs_pt_test_9f8e7d6c5b4a";

/// A virtual clock at Sat, 14 Nov 2026 10:00:00 GMT.
pub fn clock() -> ManualClock {
    ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_794_650_400))
}

/// A client for `server` with a personal token, on a virtual clock, without retry jitter.
pub fn client(server: &MockServer, clock: &ManualClock) -> Client {
    Client::builder()
        .base_url(&server.uri())
        .personal_token(TOKEN)
        .clock(Arc::new(clock.clone()))
        .retry(RetryPolicy::default().jitter(false))
        .build()
        .unwrap()
}

/// The bytes of one of the project's shared fixtures (`xseries/product/...json`); always the
/// project's own set, whatever `LIGHTSPEED_FIXTURES_DIR` says.
pub fn fixture(relative: &str) -> Vec<u8> {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = lightspeed_core::conformance::project_fixtures(&workspace).join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fixture as JSON.
pub fn fixture_json(relative: &str) -> serde_json::Value {
    serde_json::from_slice(&fixture(relative)).unwrap()
}
