//! Integration tests for lightspeed-core: the reqwest transport against wiremock on loopback.
//!
//! Time is virtual ([`ManualClock`]): retries and rate-limit waits are asserted, never slept.

mod auth;
mod errors;
mod pacing;
mod pagination;
mod retries;
mod secrets;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use lightspeed_core::{
    Authenticator, BaseUrl, Client, ClientBuilder, ManualClock, RateLimitPolicy, ReqwestTransport,
    RetryPolicy,
};
use wiremock::MockServer;

/// A fixed wall-clock start for the virtual clock: Sat, 14 Nov 2026 10:00:00 GMT.
pub const START: u64 = 1_794_650_400;

/// A client for `server` on a virtual clock, with a deterministic retry policy.
pub fn builder(server: &MockServer, clock: &ManualClock) -> ClientBuilder {
    Client::builder(BaseUrl::parse(&server.uri()).unwrap())
        .transport(
            ReqwestTransport::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        )
        .clock(Arc::new(clock.clone()))
        .retry(RetryPolicy::default().jitter(false))
}

/// A virtual clock starting at [`START`].
pub fn clock() -> ManualClock {
    ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(START))
}

/// A client with the given authenticator and eCom limits.
pub fn ecom_client(
    server: &MockServer,
    clock: &ManualClock,
    auth: impl Authenticator + 'static,
) -> Client {
    builder(server, clock)
        .auth(auth)
        .rate_limit(RateLimitPolicy::ecom())
        .build()
        .unwrap()
}
