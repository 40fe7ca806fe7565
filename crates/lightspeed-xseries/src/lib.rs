//! A typed client for Lightspeed Retail X-Series (formerly Vend).
//!
//! - [`Client`]: a store's domain prefix (or any base URL), a personal token or OAuth 2.0
//!   ([`oauth`]), and the rate limit of `300 × registers + 50` requests per 5 minutes from
//!   [`lightspeed_core`] (429 waits for `Retry-After`, an HTTP-date).
//! - Reads through API 2.0 with the version cursor: [`List::stream`] for everything,
//!   [`List::changed_since`] for incremental syncs (each page says the version to save).
//! - Writes where the API takes them: products through 2.0 (create) and 2.1 (`{common,
//!   details}`, stock with `details.inventory`), customers through 2.0, sales through 0.9
//!   `register_sales` (or the dated 2026-01 API), webhooks through 2.0.
//! - [`model`]: the records, decoded leniently (money as numbers or strings, `0/1` booleans,
//!   two timestamp formats) and encoded back exactly; checked against the project's fixtures.
//! - [`webhook`]: verifying `X-Signature` and parsing the form-encoded `payload`.
//! - [`Client::test_connection`]: names a bad token, a wrong domain prefix, a missing scope or
//!   an unreachable host.
//!
//! # Getting started
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use lightspeed_xseries::model::{RegisterSaleInput, RegisterSaleProductInput, SaleStatus};
//! use lightspeed_xseries::{Client, Decimal};
//!
//! # async fn run() -> lightspeed_xseries::Result<()> {
//! let client = Client::builder()
//!     .domain_prefix("mystore")
//!     .personal_token("lsxs_pt_...")
//!     .registers(2)
//!     .build()?;
//!
//! // Stock at every outlet.
//! let inventory: Vec<_> = client.inventory().stream().try_collect().await?;
//! println!("{} inventory records", inventory.len());
//!
//! // A sale for an order, once: its number is the sale's source_id.
//! if client.sales().find_by_source_id("ORD-1001").await?.is_empty() {
//!     let sale = RegisterSaleInput {
//!         register_id: Some("b1e198a9-f019-11e3-a0f5-b8ca3a64f8f4".into()),
//!         user_id: Some("b1ed6158-f019-11e3-a0f5-b8ca3a64f8f4".into()),
//!         status: Some(SaleStatus::Closed),
//!         source_id: Some("ORD-1001".into()),
//!         register_sale_products: Some(vec![RegisterSaleProductInput {
//!             product_id: Some("b1d87b58-f019-11e3-a0f5-b8ca3a64f8f4".into()),
//!             quantity: Some(Decimal::ONE),
//!             price: Some(Decimal::new(2200, 2)),
//!             tax: Some(Decimal::new(330, 2)),
//!             tax_id: Some("b1d192bc-f019-11e3-a0f5-b8ca3a64f8f4".into()),
//!             ..Default::default()
//!         }]),
//!         ..Default::default()
//!     };
//!     client.sales().create_register_sale(&sale).await?;
//! }
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! - `testing` (off by default): the `conformance` module, the X-Series fixture vocabulary and
//!   decoders for checking models against recorded payloads (with `lightspeed-core`'s
//!   `testing`). For tests only; enable it in `[dev-dependencies]`.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod client;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod conformance;
pub mod connection;
pub mod endpoints;
pub mod error;
pub mod model;
pub mod oauth;
pub mod webhook;

pub use client::{ChangedPage, Client, ClientBuilder, List, Versioned};
pub use connection::{ConnectionInfo, ConnectionProblem};
pub use error::{Error, Result};
pub use lightspeed_core::Decimal;

// The user guide's X-Series snippets are compiled (and run where they need no network) as
// doctests, so the guide stays true to the code.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/connect-xseries.md")]
struct GuideConnectXSeries;
