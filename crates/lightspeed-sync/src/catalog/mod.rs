//! The catalog flow: PIM records through a mapping into a Lightspeed catalog (eCom), as a plan
//! you can read, applied with checkpoints and a write-ahead ledger, never losing or duplicating
//! an item.
//!
//! ```text
//! RecordSource -> Mapping (compiled against the target's schema) -> rows -> items --+
//!                                                                                   +--> planner -> Plan -> executor -> CatalogTarget
//! CatalogTarget::list (full reconcile) or StateStore --------------------------------+                  |  intents, checkpoints
//!                                                                                                       +--> Report + StateStore
//! ```
//!
//! - [`item`]: desired and actual items, and [`ItemShape`]: how the target's schema places
//!   each mapped field (product, variant, reference, image, grouping).
//! - [`target`]: [`CatalogTarget`], the operations, [`MemoryTarget`]; [`EcomTarget`] (feature
//!   `ecom`) for Lightspeed eCom.
//! - [`planner`] and [`plan`]: the plan as data, JSON and `terraform plan`-like text.
//! - [`executor`]: recovery, references, creates behind intents, updates, per-item outcomes.
//! - [`sync`](mod@sync): [`CatalogSync`], one pass end to end.
//! - `conformance` (feature `testing`): the suite every [`CatalogTarget`] passes.

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod conformance;
pub mod diff;
#[cfg(feature = "ecom")]
pub mod ecom;
pub mod executor;
pub mod item;
pub mod plan;
pub mod planner;
pub mod sync;
pub mod target;

#[cfg(feature = "ecom")]
pub use ecom::EcomTarget;
pub use executor::{ApplyOptions, ItemReport, Outcome, Progress, ProgressFn, Report, StopSignal};
pub use item::{ActualItem, DesiredItem, ItemShape, Refs};
pub use plan::{Action, Plan, Step};
pub use planner::{CreateMissing, PlanOptions};
pub use sync::{CatalogSync, Desired, Reconcile, SyncOptions};
pub use target::{CatalogTarget, MemorySchema, MemoryTarget, Operation, ReadScope, References};
