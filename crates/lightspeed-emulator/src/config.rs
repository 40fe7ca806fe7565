//! What an emulator serves: credentials, languages, registers, rate limits, faults, and the
//! clock it reads the time from.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lightspeed_core::{Clock, SystemClock};
use secrecy::SecretString;

/// Everything [`Emulator::start`](crate::Emulator::start) needs. `Default` gives a working
/// emulator on a free loopback port with test credentials, real rate limits and no faults.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where to listen; port 0 picks a free port (the default, `127.0.0.1:0`).
    pub listen: SocketAddr,
    /// The eCom shop.
    pub ecom: EcomSettings,
    /// The X-Series store.
    pub xseries: XSeriesSettings,
    /// Rate limits and their window length.
    pub limits: LimitSettings,
    /// Injected faults (none by default).
    pub faults: Faults,
    /// The seed of every random choice: fault draws, generated ids and codes.
    pub seed: u64,
    /// Attempts per outgoing webhook delivery (at least 1).
    pub webhook_attempts: u32,
    /// Where the emulator reads the time: rate-limit windows and their reset headers, record
    /// timestamps and OAuth token expiry. [`SystemClock`] by default; a test passes a
    /// [`ManualClock`](lightspeed_core::ManualClock) and moves it forward (see
    /// [`with_clock`](Self::with_clock)). Pauses that shape the I/O itself (injected latency,
    /// webhook retries) stay on real time.
    pub clock: Arc<dyn Clock>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ecom: EcomSettings::default(),
            xseries: XSeriesSettings::default(),
            limits: LimitSettings::default(),
            faults: Faults::default(),
            seed: 42,
            webhook_attempts: 3,
            clock: Arc::new(SystemClock::new()),
        }
    }
}

impl EmulatorConfig {
    /// The default configuration with every rate limit window compressed to `window` (the
    /// five-minute window; the hour and the day scale with it).
    pub fn with_window(mut self, window: Duration) -> Self {
        self.limits.window = window;
        self
    }

    /// The default configuration without rate limits (benchmarks of the client side): nothing
    /// is refused, and the headers report a budget that never runs out.
    pub fn unlimited(mut self) -> Self {
        self.limits.enabled = false;
        self
    }

    /// The configuration reading the time from `clock`. With a
    /// [`ManualClock`](lightspeed_core::ManualClock) a test decides when a rate-limit window
    /// resets instead of sleeping past it, and a typed client given the same clock waits for
    /// the emulator's windows in virtual time.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

/// The emulated eCom shop.
#[derive(Debug, Clone)]
pub struct EcomSettings {
    /// The API key (Basic auth user name).
    pub key: String,
    /// The API secret (Basic auth password); also the secret that signs outgoing webhooks.
    pub secret: SecretString,
    /// Active languages; the first is the shop's default.
    pub languages: Vec<String>,
    /// The shop id (`X-Shop-Id` of webhooks, `shop.id`).
    pub shop_id: u64,
    /// The cluster name sent in webhooks (`eu1` or `us1`).
    pub cluster: String,
    /// The shop's UTC offset in minutes; timestamps are written in shop-local time.
    pub utc_offset_minutes: i32,
}

impl Default for EcomSettings {
    fn default() -> Self {
        EcomSettings {
            key: "0123456789abcdef0123456789abcdef".into(),
            secret: SecretString::from("fedcba9876543210fedcba9876543210"),
            languages: vec!["nl".into(), "en".into()],
            shop_id: 356_891,
            cluster: "eu1".into(),
            utc_offset_minutes: 60,
        }
    }
}

/// The emulated X-Series store.
#[derive(Debug, Clone)]
pub struct XSeriesSettings {
    /// The personal token accepted as `Authorization: Bearer`.
    pub token: SecretString,
    /// Number of registers; the rate limit is `300 × registers + 50` per window.
    pub registers: u32,
    /// The store's domain prefix (in tokens, webhooks and the retailer record).
    pub domain_prefix: String,
    /// The OAuth app's client id (`/api/1.0/token`).
    pub client_id: String,
    /// The OAuth app's client secret; also the key that signs outgoing webhooks.
    pub client_secret: SecretString,
    /// How long an OAuth access token lives.
    pub access_token_lifetime: Duration,
}

impl Default for XSeriesSettings {
    fn default() -> Self {
        XSeriesSettings {
            token: SecretString::from("emulator-personal-token"),
            registers: 1,
            domain_prefix: "emulator".into(),
            client_id: "emulator-client".into(),
            client_secret: SecretString::from("emulator-client-secret"),
            access_token_lifetime: Duration::from_secs(604_800),
        }
    }
}

/// Rate limits. The real APIs count five minutes (and, for eCom, an hour and a day); tests and
/// benchmarks compress that with [`window`](Self::window): every other window scales with it
/// (an hour is 12 windows, a day 288, eCom's one-second cap `window / 300`).
#[derive(Debug, Clone)]
pub struct LimitSettings {
    /// Whether limits are enforced. Headers are sent either way; without limits their
    /// `Remaining` stays at the limit, so a client pacing from them never waits.
    pub enabled: bool,
    /// The length of the five-minute window.
    pub window: Duration,
    /// eCom requests per five minutes, hour and day.
    pub ecom: [u32; 3],
    /// eCom requests per second.
    pub ecom_per_second: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            enabled: true,
            window: Duration::from_secs(300),
            ecom: [300, 3000, 12000],
            ecom_per_second: 20,
        }
    }
}

/// Deterministic faults. Each API request draws once from a generator seeded with the
/// emulator's seed and the request's sequence number, so the same requests in the same order
/// meet the same faults. Admin routes and the OAuth token endpoint never fail.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Probability of `500 Internal Server Error` (nothing applied).
    pub error_500: f64,
    /// Probability of `502 Bad Gateway` (nothing applied).
    pub error_502: f64,
    /// Probability of `503 Service Unavailable` (nothing applied).
    pub error_503: f64,
    /// Probability of a 429 although the budget is not spent.
    pub extra_429: f64,
    /// Probability of a connection dropped before any response.
    pub drop_connection: f64,
    /// Probability of a body cut in the middle (the request is applied).
    pub truncate_body: f64,
    /// Probability of added latency.
    pub latency: f64,
    /// The latency added when it is drawn.
    pub latency_duration: Duration,
    /// Fail one write (POST, PUT, PATCH, DELETE) by its number.
    pub fail_write: Option<WriteFault>,
}

impl Faults {
    /// A total fault probability `p` spread evenly over 500, 502, 503, extra 429, dropped
    /// connections and truncated bodies, plus latency of 20 ms with probability `p`.
    pub fn rate(p: f64) -> Self {
        let each = p / 6.0;
        Faults {
            error_500: each,
            error_502: each,
            error_503: each,
            extra_429: each,
            drop_connection: each,
            truncate_body: each,
            latency: p,
            latency_duration: Duration::from_millis(20),
            fail_write: None,
        }
    }

    /// Whether no fault is configured.
    pub fn is_none(&self) -> bool {
        *self == Faults::default()
    }
}

/// Fail the `nth` write (1-based, counted from start or the last reset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteFault {
    /// Which write fails.
    pub nth: u64,
    /// `false`: answer 500 and change nothing. `true`: apply the write, then drop the
    /// connection, so the client cannot know it landed (a crash between the POST and its
    /// checkpoint).
    pub after_apply: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn debug_output_hides_every_secret() {
        let config = EmulatorConfig::default();
        let shown = format!("{config:?}");
        for secret in [
            config.ecom.secret.expose_secret(),
            config.xseries.token.expose_secret(),
            config.xseries.client_secret.expose_secret(),
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains(&config.ecom.key), "the key is not a secret");
    }

    #[test]
    fn a_fault_rate_is_spread_evenly() {
        let f = Faults::rate(0.6);
        let total = f.error_500
            + f.error_502
            + f.error_503
            + f.extra_429
            + f.drop_connection
            + f.truncate_body;
        assert!((total - 0.6).abs() < 1e-9);
        assert!(!f.is_none());
        assert!(Faults::default().is_none());
    }
}
