//! Shared HTTP plumbing for the Lightspeed eCom and Retail X-Series clients.
//!
//! Most users reach this crate through `lightspeed-ecom` or `lightspeed-xseries`; use it
//! directly to call an endpoint those crates do not cover yet, to plug in your own transport,
//! or to share one shop's rate budget between several clients.
//!
//! What it does for every request:
//!
//! - **Transport** ([`Transport`]): reqwest with rustls, timeouts, gzip and a `User-Agent`
//!   naming this crate ([`ReqwestTransport`]); a [`ScriptedTransport`] for unit tests; or yours.
//! - **Auth** ([`Authenticator`]): HTTP Basic for eCom ([`BasicAuth`]), Bearer for X-Series
//!   ([`BearerAuth`]), with a refresh hook for OAuth. Secrets are `secrecy` types and never
//!   appear in `Debug`, `Display`, logs or errors.
//! - **Rate limits** ([`RateLimiter`]): paces proactively and learns the real budget from the
//!   `X-RateLimit-*` headers of both APIs; an exhausted window makes the next request wait for
//!   its reset instead of failing.
//! - **Retries** ([`retry`]): 429s wait for `Retry-After` (seconds or an HTTP-date) and are
//!   never given up while the deadline allows; 5xx and timeouts are retried for idempotent
//!   methods only, never for a POST that may have been processed.
//! - **Errors** ([`Error`]): semantic variants with the API's own message and a retry
//!   classification.
//! - **Pagination** ([`pagination`]): page-number and cursor listings as `Stream`s.
//! - **Lenient serde** ([`lenient`]): `false`/`""`/`[]` as none, numbers as strings, decimals
//!   as [`Decimal`], two timestamp formats; [`fields`] for the optional fields of the clients'
//!   models (each encoding "none" the way its API writes it), vendor enums and secret texts.
//! - **Conformance** (`conformance`, feature `testing`): checking typed models against
//!   recorded payloads laid out like the project's `fixtures/`, shared by both clients'
//!   conformance tests.
//! - **Testing** (`testing`, feature `testing`): capturing log lines in tests, and a transport
//!   that stops a client right after a write landed.
//!
//! # Features
//!
//! - `testing` (off by default): the `conformance` and `testing` modules, helpers for tests
//!   (this workspace's and yours) and the test-only dependency they need (`tracing-subscriber`).
//!   Enable it in `[dev-dependencies]`:
//!   `lightspeed-core = { version = "0.1", features = ["testing"] }`.
//!
//! # Getting started
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use lightspeed_core::pagination::{ECOM_MAX_LIMIT, page_numbered};
//! use lightspeed_core::{BaseUrl, BasicAuth, Client, RateLimitPolicy, Request};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Brand {
//!     id: u64,
//!     title: String,
//! }
//!
//! #[derive(Deserialize)]
//! struct Brands {
//!     brands: Vec<Brand>,
//! }
//!
//! # async fn run() -> Result<(), lightspeed_core::Error> {
//! let client = Client::builder(BaseUrl::parse("https://api.webshopapp.com/")?)
//!     .auth(BasicAuth::new(
//!         std::env::var("LIGHTSPEED_KEY").unwrap_or_default(),
//!         std::env::var("LIGHTSPEED_SECRET").unwrap_or_default(),
//!     ))
//!     .rate_limit(RateLimitPolicy::ecom())
//!     .build()?;
//!
//! // One request.
//! let response = client.execute(Request::get("nl/brands/count.json")).await?;
//! println!("{}", response.text());
//!
//! // Every brand, 250 per page, as a stream.
//! let request = Request::get("nl/brands.json");
//! let brands: Vec<Brand> = page_numbered(request.info(), ECOM_MAX_LIMIT, |b: &Brand| b.id, |page| {
//!     let client = client.clone();
//!     let request = request.clone().query("limit", ECOM_MAX_LIMIT).query("page", page);
//!     async move { Ok(client.execute(request).await?.json::<Brands>()?.brands) }
//! })
//! .try_collect()
//! .await?;
//! for brand in &brands {
//!     println!("{} {}", brand.id, brand.title);
//! }
//!
//! // How long would 30,000 more calls take under this key's budget?
//! let eta = client.limiter().snapshot().time_for(30_000);
//! println!("30,000 calls need at least {} hours", eta.as_secs() / 3600);
//! # Ok(())
//! # }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod client;
pub mod clock;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod conformance;
pub mod decode;
pub mod endpoint;
pub mod error;
pub mod fields;
pub mod lenient;
pub mod pagination;
pub mod ratelimit;
pub mod request;
pub mod retry;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod transport;

pub use auth::{Authenticator, BasicAuth, BearerAuth, NoAuth};
pub use client::{Client, ClientBuilder};
pub use clock::{Clock, ManualClock, SystemClock};
pub use endpoint::Endpoint;
pub use error::{ApiMessage, Error, ErrorKind, RequestInfo, Result};
pub use ratelimit::{
    BudgetSnapshot, RateLimitEvent, RateLimitObserver, RateLimitPolicy, RateLimiter,
};
pub use request::{BaseUrl, Request};
pub use retry::RetryPolicy;
pub use transport::{
    HttpRequest, ReqwestTransport, Response, ScriptedTransport, Transport, TransportError,
    TransportErrorKind,
};

// The user guide's Rust snippets are compiled and run as doctests, so the guide stays true to
// the code.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/rate-limits-and-retries.md")]
struct GuideRateLimitsAndRetries;

/// Money, prices and quantities: `rust_decimal::Decimal`, re-exported so users need not pin it.
pub use rust_decimal::Decimal;
/// Secret strings for credentials, re-exported from `secrecy`.
pub use secrecy::{ExposeSecret, SecretString};
