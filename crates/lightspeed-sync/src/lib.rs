//! The sync engine for Lightspeed: its three flows, each behind traits with an in-memory
//! implementation and a conformance suite that every implementation passes.
//!
//! - [`catalog`]: PIM records through a mapping into an eCom catalog, as a plan you can read,
//!   applied with checkpoints and a write-ahead ledger, resumable, never duplicating and never
//!   dropping a mapped field ([`CatalogSync`], [`EcomTarget`] with feature `ecom`).
//! - [`pool`]: the inventory pool ([`InventorySink`](pool::InventorySink), memory and
//!   SQLite), filled from X-Series, primary and secondary (feature `xseries`), and pushed to
//!   eCom's variants by SKU (feature `ecom`).
//! - [`fulfillment`] (feature `xseries`): fulfillment requests -> X-Series register sales,
//!   once and only once, typed or through a mapping template; eCom orders as requests, each
//!   sale written back to its order (with feature `ecom`).
//!
//! Shared by the flows: [`source`] (where records come from: CSV, JSON, NDJSON, memory, your
//! own), [`state`] (what is remembered between runs: SQLite by default, memory; with the
//! ledger of intents), [`error`].
//!
//! # Features
//!
//! - `ecom` (default): the eCom catalog target, [`EcomTarget`].
//! - `xseries` (default): the X-Series flows, the inventory pool's imports and [`fulfillment`].
//! - `testing` (off by default): the conformance suites (`catalog::conformance`,
//!   `source::conformance`, `state::conformance`, `pool::conformance`,
//!   `fulfillment::conformance`) for checking your own targets, sources, stores and sinks in
//!   your tests; enable it in `[dev-dependencies]`.
//!
//! # Getting started
//!
//! ```
//! use lightspeed_mapping::{Mapping, Options};
//! use lightspeed_sync::{CatalogSync, MemorySource, MemoryStateStore, MemoryTarget, Outcome};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mapping = Mapping::from_json(
//!     r#"{"key": "sku", "product_mappings": [
//!         {"pim_attribute": "name", "lightspeed_field": "title"},
//!         {"pim_attribute": "price", "lightspeed_field": "price",
//!          "transformation": {"type": "parse_number", "parameters": {"decimal_separator": ","}}}
//!     ]}"#,
//!     &Options::default(),
//! )?;
//! let source = MemorySource::new("pim", vec![
//!     serde_json::json!({"sku": "LW-001", "name": "Luxury Leather Wallet", "price": "89,95"}),
//! ]);
//! let (target, state) = (MemoryTarget::new(), MemoryStateStore::new());
//! // The mapping is checked against the target's schema here: `price` is the accepted
//! // spelling of `price_incl`, a typo would be refused with its rule path.
//! let sync = CatalogSync::new(&source, &mapping, &target, &state)?;
//! let (plan, report) = sync.run().await?;
//! println!("{}", plan.render());
//! assert_eq!(report.count(Outcome::Created), 1);
//! // A second run with nothing changed writes nothing.
//! let (_, again) = sync.run().await?;
//! assert_eq!(again.count(Outcome::Unchanged), 1);
//! # Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

// The user guide's sync page is compiled and run as a doctest, so it stays true to the code.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/sync.md")]
struct SyncGuide;

// The X-Series flows' guide, likewise (it starts an emulator).
#[cfg(all(doctest, feature = "xseries"))]
#[doc = include_str!("../../../docs/xseries-flows.md")]
struct XSeriesGuide;

// The pages of the fulfillment template, eCom orders and the stock push, likewise.
#[cfg(all(doctest, feature = "xseries"))]
#[doc = include_str!("../../../docs/fulfillment-template.md")]
struct FulfillmentTemplateGuide;

#[cfg(all(doctest, feature = "xseries", feature = "ecom"))]
#[doc = include_str!("../../../docs/ecom-orders.md")]
struct EcomOrdersGuide;

#[cfg(all(doctest, feature = "ecom"))]
#[doc = include_str!("../../../docs/stock-to-ecom.md")]
struct StockGuide;

pub mod catalog;
pub mod error;
#[cfg(feature = "xseries")]
pub mod fulfillment;
pub mod pool;
pub mod source;
pub mod state;

#[cfg(feature = "ecom")]
pub use catalog::EcomTarget;
pub use catalog::{
    CatalogSync, CatalogTarget, CreateMissing, MemoryTarget, Outcome, Plan, PlanOptions, Reconcile,
    Report, StopSignal, SyncOptions,
};
pub use error::{Error, ErrorClass, ErrorKind, Result, TargetError};
pub use source::{CommandSource, FileSource, MemorySource, RecordSource};
pub use state::{MemoryStateStore, SqliteStateStore, StateStore};
