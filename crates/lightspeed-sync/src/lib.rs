//! The sync planner and executor: PIM records through a mapping into a Lightspeed catalog,
//! as a plan you can read, applied with checkpoints, resumable, never duplicating.
//!
//! The data path, one direction:
//!
//! ```text
//! RecordSource -> Mapping -> rows -> items (grouped by parent) --+
//!                                                                +--> planner -> Plan -> executor -> CatalogTarget
//! CatalogTarget::list (full reconcile) or StateStore -----------+                   |  checkpoints
//!                                                                                    +--> Report + StateStore
//! ```
//!
//! - [`source`]: [`RecordSource`](source::RecordSource), CSV / JSON / NDJSON files, memory.
//! - [`item`]: desired and actual items; rows with a `parent` become one product with variants.
//! - [`state`]: [`StateStore`](state::StateStore), SQLite (default) and memory.
//! - [`target`]: [`CatalogTarget`](target::CatalogTarget), the operations, a memory target;
//!   [`EcomTarget`] (feature `ecom`) for Lightspeed eCom.
//! - [`planner`] and [`plan`]: the plan as data, JSON and `terraform plan`-like text.
//! - [`executor`]: apply with bounded concurrency, checkpoints, progress, per-item outcomes.
//! - [`sync`](mod@sync): one pass end to end.
//! - [`pool`]: the inventory pool ([`InventorySink`](pool::InventorySink), memory and SQLite);
//!   [`inventory`] (feature `xseries`): X-Series -> pool, primary and secondary;
//!   [`fulfillment`] (feature `xseries`): fulfillment requests -> X-Series register sales.
//!
//! Every trait has an in-memory implementation and a conformance suite (`conformance`
//! modules) that every implementation passes.
//!
//! # Getting started
//!
//! ```
//! use lightspeed_mapping::{Mapping, Options};
//! use lightspeed_sync::source::MemorySource;
//! use lightspeed_sync::state::MemoryStateStore;
//! use lightspeed_sync::sync::{Sync, SyncOptions};
//! use lightspeed_sync::target::MemoryTarget;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mapping = Mapping::from_json(
//!     r#"{"key": "sku", "product_mappings": [
//!         {"pim_attribute": "name", "lightspeed_field": "title"},
//!         {"pim_attribute": "price", "lightspeed_field": "price_incl",
//!          "transformation": {"type": "parse_number", "parameters": {"decimal_separator": ","}}}
//!     ]}"#,
//!     &Options::default(),
//! )?;
//! let source = MemorySource::new("pim", vec![
//!     serde_json::json!({"sku": "LW-001", "name": "Luxury Leather Wallet", "price": "89,95"}),
//! ]);
//! let (target, state) = (MemoryTarget::new(), MemoryStateStore::new());
//! let sync = Sync { source: &source, mapping: &mapping, target: &target, state: &state,
//!                   options: SyncOptions::default() };
//! let (plan, report) = sync.run().await?;
//! println!("{}", plan.render());
//! assert_eq!(report.count(lightspeed_sync::executor::Outcome::Created), 1);
//! // A second run with nothing changed writes nothing.
//! let (_, again) = sync.run().await?;
//! assert_eq!(again.count(lightspeed_sync::executor::Outcome::Unchanged), 1);
//! # Ok(()) }
//! ```

// The user guide's sync page is compiled and run as a doctest, so it stays true to the code.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/sync.md")]
struct SyncGuide;

// The X-Series flows' guide, likewise (it starts an emulator).
#[cfg(all(doctest, feature = "xseries"))]
#[doc = include_str!("../../../docs/xseries-flows.md")]
struct XSeriesGuide;

pub mod diff;
#[cfg(feature = "ecom")]
pub mod ecom_target;
pub mod error;
pub mod executor;
#[cfg(feature = "xseries")]
pub mod fulfillment;
#[cfg(feature = "xseries")]
pub mod inventory;
pub mod item;
pub mod plan;
pub mod planner;
pub mod pool;
pub mod source;
pub mod state;
pub mod sync;
pub mod target;

#[cfg(feature = "ecom")]
pub use ecom_target::EcomTarget;
pub use error::{Error, ErrorClass, Result, TargetError};
