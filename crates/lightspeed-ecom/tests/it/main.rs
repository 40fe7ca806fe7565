//! Integration tests for lightspeed-ecom: fixture conformance, the client against wiremock on
//! loopback, and whole flows against the emulator, always on a virtual clock (waits are
//! recorded, never slept).

mod conformance;
mod emulator;
mod endpoints;
mod errors;
mod limits;
mod pagination;
mod secrets;
mod webhooks;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use lightspeed_core::{ManualClock, RetryPolicy};
use lightspeed_ecom::Client;
use wiremock::MockServer;

/// The API key the tests use.
pub const KEY: &str = "0123456789abcdef0123456789abcdef";
/// The API secret the tests use.
pub const SECRET: &str = "fedcba9876543210fedcba9876543210";

/// A virtual clock at Sat, 14 Nov 2026 10:00:00 GMT.
pub fn clock() -> ManualClock {
    ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_794_650_400))
}

/// A client for `server` in Dutch, on a virtual clock, without retry jitter.
pub fn client(server: &MockServer, clock: &ManualClock) -> Client {
    Client::builder(KEY, SECRET)
        .base_url(&server.uri())
        .language("nl")
        .clock(Arc::new(clock.clone()))
        .retry(RetryPolicy::default().jitter(false))
        .build()
        .unwrap()
}

/// The bytes of one of the project's shared fixtures (`ecom/product/...json`); always the
/// project's own set, whatever `LIGHTSPEED_FIXTURES_DIR` says.
pub fn fixture(relative: &str) -> Vec<u8> {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = lightspeed_core::conformance::project_fixtures(&workspace).join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
