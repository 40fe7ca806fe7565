//! A typed client for the Lightspeed eCom (C-Series) API.
//!
//! - [`Client`]: Basic auth with an API key and secret, a cluster (`eu1`, `us1`) or any base
//!   URL, and a default language; a handler per resource (`client.products()`,
//!   `client.variants()`...) with `list` (filters, [`stream`](ListBuilder::stream),
//!   [`count`](ListBuilder::count)), `get`, `create`, `update`, `delete`.
//! - [`model`]: the records, decoded leniently from real payloads and encoded back exactly, and
//!   the input types to create and update them.
//! - [`resource`]: one request value per endpoint, built without I/O.
//! - [`webhook`]: verifying and parsing the calls eCom makes to your webhooks.
//! - [`schema`]: what a mapping ([`lightspeed_mapping`]) may write for an eCom product or variant,
//!   as one table of fields with their aliases, languages and roles.
//! - [`Client::test_connection`]: checks credentials, cluster, language and permissions, and
//!   says which is wrong.
//!
//! Rate limits (300 per 5 minutes, 3000 per hour, 12000 per day, 20 per second), retries and
//! `429` handling come from [`lightspeed_core`].
//!
//! # Getting started
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use lightspeed_ecom::model::{ProductInput, VariantInput};
//! use lightspeed_ecom::{Client, Cluster, Decimal};
//!
//! # async fn run() -> lightspeed_ecom::Result<()> {
//! let client = Client::builder("api-key", "api-secret")
//!     .cluster(Cluster::Eu1)
//!     .language("nl")
//!     .build()?;
//!
//! // Create a product; the API creates its default variant with it.
//! let input = ProductInput { title: Some("Relais board 3V".into()), ..Default::default() };
//! let (product, variant) = client.create_product(&input).await?;
//! if let Some(variant) = variant {
//!     let changes = VariantInput {
//!         sku: Some("LABL26".into()),
//!         price_incl: Some(Decimal::new(349, 2)),
//!         stock_level: Some(148),
//!         ..Default::default()
//!     };
//!     client.variants().update(variant.id, &changes).await?;
//! }
//! // Its English title.
//! let english = ProductInput { title: Some("Relay board 3V".into()), ..Default::default() };
//! client.products().in_language("en")?.update(product.id, &english).await?;
//!
//! // Every product changed since yesterday, 250 per call.
//! let since = chrono::Utc::now() - chrono::Duration::days(1);
//! let changed: Vec<_> = client.products().list().updated_at_min(since).stream().try_collect().await?;
//! println!("{} products changed", changed.len());
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! - `testing` (off by default): the `conformance` module, the eCom fixture vocabulary and
//!   decoders for checking models against recorded payloads (with `lightspeed-core`'s
//!   `testing`). For tests only; enable it in `[dev-dependencies]`.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod client;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod conformance;
pub mod connection;
pub mod error;
pub mod language;
pub mod model;
pub mod resource;
pub mod schema;
pub mod webhook;

pub use client::{Client, ClientBuilder, ListBuilder, Records};
pub use connection::{ConnectionInfo, ConnectionProblem};
pub use error::{Error, Result};
pub use language::{Cluster, Language};
pub use lightspeed_core::Decimal;

// The user guide's eCom snippets are compiled (and run where they need no network) as doctests,
// so the guide stays true to the code.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/connect.md")]
struct GuideConnect;
