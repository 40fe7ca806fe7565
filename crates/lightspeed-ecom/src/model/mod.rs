//! Typed eCom records, as the API sends them, and the bodies to send it.
//!
//! Decoding is lenient, following the real payloads in the project's `fixtures/`: `false`,
//! `null` and `[]` mean "none", decimals arrive as numbers or strings (`"0.000"`), unknown
//! fields are kept in each model's `extra` map and enum values this crate does not know are
//! kept as `Other`. Encoding is exact: a decoded record encodes back to the same values, with
//! "none" written the way the API writes it for that field (`false` for relations and files,
//! left out otherwise). Money is [`Decimal`](rust_decimal::Decimal); timestamps keep the shop's
//! offset.

mod catalog_gen;
pub mod common;
mod inputs_gen;
mod sales_gen;
mod store_gen;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use catalog_gen::*;
pub use common::*;
pub use inputs_gen::*;
pub use sales_gen::*;
pub use store_gen::*;

/// A credential as a response returns it (the account's API key): never shown by `Debug`.
pub use lightspeed_core::fields::SecretText;

impl Variant {
    /// The minimum order quantity, from `stockBuyMinimum` or, failing that, the API's
    /// misspelled `stockBuyMininum`.
    pub fn buy_minimum(&self) -> Option<i64> {
        self.stock_buy_minimum.or(self.stock_buy_mininum)
    }
}

impl Category {
    /// The ids from this category up to the top of the tree (self first), from `path`.
    pub fn path_ids(&self) -> Vec<CategoryId> {
        let Some(serde_json::Value::Array(ids)) = &self.path else {
            return Vec::new();
        };
        ids.iter()
            .filter_map(|id| CategoryId::deserialize(id).ok())
            .collect()
    }
}

impl Order {
    /// The customer inlined by webhook payloads, if any.
    pub fn embedded_customer(&self) -> Option<Result<Customer, serde_json::Error>> {
        self.customer.as_ref().and_then(Link::embedded_as)
    }

    /// The order lines inlined by webhook payloads (empty when not inlined).
    pub fn embedded_lines(&self) -> Result<Vec<OrderProduct>, serde_json::Error> {
        embedded(&self.products)
    }

    /// The invoices inlined by webhook payloads (empty when not inlined).
    pub fn embedded_invoices(&self) -> Result<Vec<Invoice>, serde_json::Error> {
        embedded(&self.invoices)
    }

    /// The shipments inlined by webhook payloads (empty when not inlined).
    pub fn embedded_shipments(&self) -> Result<Vec<Shipment>, serde_json::Error> {
        embedded(&self.shipments)
    }
}

fn embedded<T: serde::de::DeserializeOwned>(
    link: &Option<ListLink>,
) -> Result<Vec<T>, serde_json::Error> {
    link.as_ref().map_or(Ok(Vec::new()), ListLink::embedded_as)
}

/// Read and write access to one area of the shop (`account/permissions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AreaPermission {
    /// The key may read the area.
    #[serde(default, with = "lightspeed_core::lenient::bool")]
    pub read: bool,
    /// The key may write the area.
    #[serde(default, with = "lightspeed_core::lenient::bool")]
    pub write: bool,
}

/// Read or write, for [`AccountPermissions::allows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Reading.
    Read,
    /// Writing.
    Write,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Read => "read",
            Access::Write => "write",
        })
    }
}

/// The API key's permissions per area (`account/permissions`; envelope `accountPermissions`):
/// `content`, `products`, `customers`, `orders`, `settings`, `tracking`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountPermissions {
    /// The permissions, by area name.
    pub areas: BTreeMap<String, AreaPermission>,
}

impl AccountPermissions {
    /// Whether the key has `access` to `area` (`products`, `orders`...).
    pub fn allows(&self, area: &str, access: Access) -> bool {
        self.areas.get(area).is_some_and(|p| match access {
            Access::Read => p.read,
            Access::Write => p.write,
        })
    }

    /// The permissions of `needed` that the key lacks, as `area:access` (`products:write`).
    pub fn missing(&self, needed: &[(&str, Access)]) -> Vec<String> {
        needed
            .iter()
            .filter(|(area, access)| !self.allows(area, *access))
            .map(|(area, access)| format!("{area}:{access}"))
            .collect()
    }
}

/// A body for `variants/bulk`: one variant's id and the fields to change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VariantBulkItem {
    /// The variant to change.
    pub id: VariantId,
    /// The fields to change.
    #[serde(flatten)]
    pub changes: VariantInput,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_never_print() {
        let account: Account =
            serde_json::from_str(r#"{"id": 1, "appId": false, "apiKey": "0123456789abcdef"}"#)
                .unwrap();
        let shown = format!("{account:?}");
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
        assert_eq!(
            account.api_key.as_ref().unwrap().expose(),
            "0123456789abcdef"
        );
        let encoded = serde_json::to_string(&account).unwrap();
        assert!(
            encoded.starts_with(r#"{"id":1,"appId":false,"apiKey":"0123456789abcdef""#),
            "{encoded}"
        );
    }

    #[test]
    fn the_misspelled_minimum_is_read_when_the_right_one_is_missing() {
        let v: Variant = serde_json::from_str(r#"{"id": 1, "stockBuyMininum": 3}"#).unwrap();
        assert_eq!(v.buy_minimum(), Some(3));
        let v: Variant =
            serde_json::from_str(r#"{"id": 1, "stockBuyMininum": 3, "stockBuyMinimum": 2}"#)
                .unwrap();
        assert_eq!(v.buy_minimum(), Some(2));
    }

    #[test]
    fn permissions_name_what_is_missing() {
        let p: AccountPermissions = serde_json::from_str(
            r#"{"products": {"read": true, "write": false}, "orders": {"read": true, "write": true}}"#,
        )
        .unwrap();
        assert!(p.allows("orders", Access::Write));
        assert_eq!(
            p.missing(&[
                ("products", Access::Read),
                ("products", Access::Write),
                ("content", Access::Read)
            ]),
            vec!["products:write".to_string(), "content:read".to_string()]
        );
    }

    #[test]
    fn unknown_fields_are_kept_and_encoded_back() {
        let json = r#"{"id":7,"title":"Delta","newField":{"a":[1,2]}}"#;
        let brand: Brand = serde_json::from_str(json).unwrap();
        assert_eq!(brand.extra["newField"]["a"][1], 2);
        assert_eq!(
            serde_json::to_string(&brand).unwrap(),
            r#"{"id":7,"title":"Delta","content":false,"image":false,"products":false,"newField":{"a":[1,2]}}"#
        );
    }
}
