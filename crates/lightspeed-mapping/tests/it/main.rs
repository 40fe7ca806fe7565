//! Integration tests for lightspeed-mapping: the mapping contract (docs/mapping-contract.md), the integration
//! guide's cases, property tests, preview snapshots and NDJSON streams.

mod contract;
mod guide;
mod previews;
mod properties;
mod streams;

use lightspeed_mapping::{Mapping, Options};
use serde_json::Value as Json;

/// Compiles a JSON document, panicking with every error.
pub fn compile(doc: Json) -> Mapping {
    Mapping::from_json(&doc.to_string(), &Options::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Maps one record and returns the nested fields as JSON, panicking on record errors.
pub fn map(mapping: &Mapping, record: Json) -> Json {
    let mapped = mapping.apply(&record).unwrap_or_else(|e| panic!("{e:?}"));
    serde_json::to_value(mapped.nested()).unwrap()
}

/// A one-rule mapping of `value` through `transformation` into `out`.
pub fn one(transformation: Json) -> Mapping {
    compile(serde_json::json!({"product_mappings": [
        {"pim_attribute": "in", "lightspeed_field": "out", "transformation": transformation}
    ]}))
}

/// The `out` field of mapping `{"in": input}` with a one-rule mapping.
pub fn through(transformation: Json, input: Json) -> Result<Json, String> {
    let mapping = one(transformation);
    match mapping.apply(&serde_json::json!({ "in": input })) {
        Ok(mapped) => Ok(serde_json::to_value(mapped.nested())
            .unwrap()
            .get("out")
            .cloned()
            .unwrap_or(Json::Null)),
        Err(errors) => Err(errors
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("; ")),
    }
}
