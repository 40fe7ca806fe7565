//! Seed data (`POST /_emulator/load`, `--load`), dumps (`GET /_emulator/dump`) and the faults
//! body (`PUT /_emulator/faults`).
//!
//! A seed document is `{"ecom": {...}, "xseries": {...}}`:
//!
//! - `ecom` holds lists per resource (`products`, `variants`, `product_images`, `categories`,
//!   `categories_products`, `brands`, `suppliers`, `types`, `attributes`, `types_attributes`,
//!   `tags`, `tags_products`, `webhooks`). A record is written the way a POST body's inner object is
//!   (`{"title": "Wallet", "brand": 10000001}`), with an optional `id` and, for texts in other
//!   languages, `"translations": {"en": {"title": "..."}}`. Product images name their `product`.
//!   Products loaded this way get no default variant: seed data says exactly what exists.
//! - `xseries` holds lists per resource (`products`, `inventory`, `outlets`, `registers`,
//!   `users`, `taxes`, `payment_types`, `customers`, `brands`, `suppliers`, `tags`,
//!   `variant_attributes`, `sales`, `webhooks`) in the API 2.0 read shape; missing ids and
//!   versions are assigned.
//!
//! A dump has the same shape, so loading a dump into a reset emulator restores it.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::config::{Faults, WriteFault};
use crate::server::Shared;
use crate::{Error, ecom, xseries};

/// Loads a seed document; answers with the number of records loaded per resource.
pub(crate) fn load(shared: &Shared, doc: &Value) -> Result<Value, Error> {
    let doc = doc
        .as_object()
        .ok_or_else(|| Error::Seed("a seed document is an object".into()))?;
    for key in doc.keys() {
        if key != "ecom" && key != "xseries" {
            return Err(Error::Seed(format!(
                "{key}: expected only \"ecom\" and \"xseries\""
            )));
        }
    }
    let mut out = Map::new();
    if let Some(e) = doc.get("ecom") {
        let e = e
            .as_object()
            .ok_or_else(|| Error::Seed("ecom: expected an object".into()))?;
        out.insert(
            "ecom".into(),
            Value::Object(ecom::load(shared, e).map_err(Error::Seed)?),
        );
    }
    if let Some(x) = doc.get("xseries") {
        let x = x
            .as_object()
            .ok_or_else(|| Error::Seed("xseries: expected an object".into()))?;
        out.insert(
            "xseries".into(),
            Value::Object(xseries::load(shared, x).map_err(Error::Seed)?),
        );
    }
    Ok(Value::Object(out))
}

/// Everything stored, as a seed document.
pub(crate) fn dump(shared: &Shared) -> Value {
    json!({"ecom": ecom::dump(shared), "xseries": xseries::dump(shared)})
}

/// The JSON form of [`Faults`]: probabilities by name, `latency_ms`, `fail_write`, or a
/// total `rate` spread like [`Faults::rate`].
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct FaultsBody {
    rate: Option<f64>,
    error_500: f64,
    error_502: f64,
    error_503: f64,
    extra_429: f64,
    drop_connection: f64,
    truncate_body: f64,
    latency: f64,
    latency_ms: u64,
    fail_write: Option<WriteFaultBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WriteFaultBody {
    nth: u64,
    #[serde(default)]
    after_apply: bool,
}

impl From<FaultsBody> for Faults {
    fn from(b: FaultsBody) -> Self {
        let mut f = match b.rate {
            Some(p) => Faults::rate(p),
            None => Faults {
                error_500: b.error_500,
                error_502: b.error_502,
                error_503: b.error_503,
                extra_429: b.extra_429,
                drop_connection: b.drop_connection,
                truncate_body: b.truncate_body,
                latency: b.latency,
                latency_duration: Duration::from_millis(b.latency_ms),
                fail_write: None,
            },
        };
        f.fail_write = b.fail_write.map(|w| WriteFault {
            nth: w.nth,
            after_apply: w.after_apply,
        });
        f
    }
}
