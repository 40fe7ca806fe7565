//! Integration tests of the sync: planner snapshots, source and target conformance, and end
//! to end runs against the emulator (initial, incremental, drift, archive guard, crash and
//! resume, faults, refused items, call counts), and the X-Series flows (the inventory pool,
//! fulfillment requests as sales).

mod conformance;
mod ecom;
mod fields;
mod fulfillment;
mod ledger;
mod orders;
mod partial;
mod plans;
mod pool;
mod stock;
mod support;
mod xseries;
