//! The mapping and transformation engine: how a source record (a PIM product, an X-Series
//! product, an order) becomes a target record (an eCom product, a pool item, a register sale).
//!
//! The contract is the repository's `docs/mapping-contract.md`: a mapping document (JSON, or the same structure
//! in TOML) lists rules per target field: copy an attribute, set a constant, transform
//! (a chain of decimal-exact transformations), template, smart rules with conditions, skip, set
//! to empty; with mapping sets, a source locale and per-channel overrides. A [`Document`] is
//! read once and compiled into a [`Mapping`] (every problem reported at its path, syntax errors
//! with line and column); a `Mapping` is `Send + Sync` and maps any number of records: each
//! gives a [`MappedRecord`] or every one of its errors, and never affects another.
//!
//! # Getting started
//!
//! ```
//! use lightspeed_mapping::{Mapping, Options};
//! use serde_json::json;
//!
//! let mapping = Mapping::from_json(r#"{
//!     "key": "sku",
//!     "source_locale": { "decimal_separator": ",", "thousands_separator": "." },
//!     "product_mappings": [
//!         { "template": "{brand} {model}", "lightspeed_field": "title" },
//!         { "pim_attribute": "price", "lightspeed_field": "price", "transformations": [
//!             { "type": "parse_number" },
//!             { "type": "format_number", "parameters": { "thousands_separator": "," } }
//!         ] },
//!         { "pim_attribute": "weight_kg", "lightspeed_field": "weight",
//!           "transformation": { "type": "convert_unit", "parameters": { "from": "kg", "to": "g" } } },
//!         { "lightspeed_field": "visibility", "rules": [
//!             { "when": { "attribute": "stock", "op": "gt", "value": 0 }, "value": "visible" },
//!             { "otherwise": true, "value": "hidden" }
//!         ] }
//!     ]
//! }"#, &Options::default())?;
//!
//! let record = json!({"sku": "LW-001", "brand": "Lux", "model": "Watch", "price": "1.299,99",
//!                     "weight_kg": 0.25, "stock": 3});
//! let mapped = mapping.apply(&record).expect("no errors");
//! assert_eq!(
//!     serde_json::to_value(mapped.nested())?,
//!     json!({"title": "Lux Watch", "price": "1,299.99", "weight": 250, "visibility": "visible"})
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod condition;
pub mod error;
pub mod mapping;
pub mod ndjson;
pub mod schema;
pub mod source;
pub mod transform;
pub mod value;

pub use error::{CompileError, CompileErrors, RecordError};
pub use mapping::{
    Document, MappedField, MappedRecord, Mapping, Nested, Options, Outcome, Preview,
};
pub use schema::{FieldRole, FieldSpec, FieldType, JsonSchema, TargetSchema};
pub use value::Value;

// The user guide's Rust snippets are compiled and run as doctests, so the guide stays true to
// the code.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/mapping.md")]
struct GuideMap;
