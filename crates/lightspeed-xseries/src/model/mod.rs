//! Typed X-Series records, as the API sends them, and the bodies to send it.
//!
//! Decoding is lenient, following the real payloads in the project's `fixtures/`: money arrives
//! as numbers or as strings (API 0.9 and webhooks: `"202.980"`), booleans as `true` or `0/1`,
//! timestamps as RFC 3339 or `YYYY-MM-DD HH:MM:SS` (UTC), and nearly anything may be `null` or
//! missing. Ids are UUID strings in newtypes; `version` is an `i64` (values pass 2^32). Unknown
//! fields are kept in each model's `extra` map and encoded back; unknown enum values are kept as
//! `Other`. Money is [`Decimal`](rust_decimal::Decimal).

mod catalog_gen;
mod inputs_gen;
mod legacy_gen;
mod store_gen;

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

pub use catalog_gen::*;
pub use inputs_gen::*;
pub use legacy_gen::*;
pub use lightspeed_core::fields::SecretText;
pub use store_gen::*;

macro_rules! id_types {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(IdVisitor).map(Self)
            }
        }
    )*};
}

/// Reads an id: a string (UUIDs), or a number (global payment type ids) as its text.
struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id (a UUID string)")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

id_types! {
    /// A product's (or variant's) id.
    ProductId;
    /// An outlet's id.
    OutletId;
    /// A register's id.
    RegisterId;
    /// A user's id.
    UserId;
    /// A customer's id.
    CustomerId;
    /// A customer group's id.
    CustomerGroupId;
    /// A sale's id.
    SaleId;
    /// A tax's id.
    TaxId;
    /// A payment type's id.
    PaymentTypeId;
    /// A brand's id.
    BrandId;
    /// A supplier's id.
    SupplierId;
    /// A tag's id.
    TagId;
    /// A product type's (category's) id.
    ProductTypeId;
    /// A consignment's id.
    ConsignmentId;
    /// A webhook's id.
    WebhookId;
    /// A variant attribute's id (Size, Color).
    VariantAttributeId;
    /// The id of another record without a dedicated type here.
    RecordId;
}

lightspeed_core::string_enum! {
    /// A sale's status.
    SaleStatus {
        /// Parked.
        Saved = "SAVED",
        /// Completed.
        Closed = "CLOSED",
        /// On account, open.
        OnAccount = "ONACCOUNT",
        /// Layby, open.
        Layby = "LAYBY",
        /// On account, paid.
        OnAccountClosed = "ONACCOUNT_CLOSED",
        /// Layby, paid.
        LaybyClosed = "LAYBY_CLOSED",
        /// Awaiting dispatch.
        AwaitingDispatch = "AWAITING_DISPATCH",
        /// Awaiting pickup.
        AwaitingPickup = "AWAITING_PICKUP",
        /// Dispatched.
        DispatchedClosed = "DISPATCHED_CLOSED",
        /// Picked up.
        PickedUpClosed = "PICKED_UP_CLOSED",
        /// Voided.
        Voided = "VOIDED",
        /// Service.
        Service = "SERVICE",
        /// Service, closed.
        ServiceClosed = "SERVICE_CLOSED",
    }
}

lightspeed_core::string_enum! {
    /// The unit of a product's `weight`.
    WeightUnit {
        /// Kilograms.
        Kg = "KG",
        /// Grams.
        G = "G",
        /// Pounds.
        Lb = "LB",
        /// Ounces.
        Oz = "OZ",
        /// Carats.
        Ct = "CT",
    }
}

lightspeed_core::string_enum! {
    /// The unit of a product's `length`, `width` and `height`.
    DimensionsUnit {
        /// Centimetres.
        Cm = "CM",
        /// Millimetres.
        Mm = "MM",
        /// Inches.
        In = "IN",
        /// Yards.
        Yd = "YD",
    }
}

lightspeed_core::string_enum! {
    /// A webhook event type.
    WebhookType {
        /// A product changed (created, updated or deleted).
        ProductUpdate = "product.update",
        /// Stock changed.
        InventoryUpdate = "inventory.update",
        /// A sale changed.
        SaleUpdate = "sale.update",
        /// A customer changed.
        CustomerUpdate = "customer.update",
        /// A register was closed.
        RegisterClosureCreate = "register_closure.create",
        /// A consignment was sent.
        ConsignmentSend = "consignment.send",
        /// A consignment was received.
        ConsignmentReceive = "consignment.receive",
    }
}

impl WeightUnit {
    /// Reads a unit in any case (`kg`, `KG`).
    pub fn parse(text: &str) -> Self {
        Self::from(text.trim().to_ascii_uppercase().as_str())
    }
}

impl DimensionsUnit {
    /// Reads a unit in any case (`cm`, `CM`).
    pub fn parse(text: &str) -> Self {
        Self::from(text.trim().to_ascii_uppercase().as_str())
    }
}

impl Product {
    /// Whether this product is a variant of a family (it has a parent).
    pub fn is_variant(&self) -> bool {
        self.variant_parent_id.is_some()
    }

    /// The code of a type (`EAN`, `UPC`...), compared without regard to case.
    pub fn code(&self, kind: &str) -> Option<&str> {
        self.product_codes
            .iter()
            .flatten()
            .find(|c| {
                c.kind
                    .as_deref()
                    .is_some_and(|k| k.eq_ignore_ascii_case(kind))
            })
            .and_then(|c| c.code.as_deref())
    }
}

impl RegisterSaleProduct {
    /// Whether the line's price is fixed, whichever way the payload wrote it (`1`, `true`).
    pub fn price_is_set(&self) -> bool {
        match &self.price_set {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::Number(n)) => n.as_i64() == Some(1),
            Some(serde_json::Value::String(s)) => s == "1" || s.eq_ignore_ascii_case("true"),
            _ => false,
        }
    }
}

/// The version range of a 2.0 list page (`{"min": ..., "max": ...}`); `None` on empty pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VersionRange {
    /// The lowest version on the page.
    #[serde(default, with = "lightspeed_core::lenient::option_i64")]
    pub min: Option<i64>,
    /// The highest version on the page: the `after` of the next page.
    #[serde(default, with = "lightspeed_core::lenient::option_i64")]
    pub max: Option<i64>,
}

/// One page of a 2.0 list: `{"data": [...], "version": {"min", "max"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>", serialize = "T: Serialize"))]
pub struct Page<T> {
    /// The records.
    #[serde(default, with = "lightspeed_core::fields::opt")]
    pub data: Option<Vec<T>>,
    /// The page's version range; absent in some responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<VersionRange>,
}

impl<T> Page<T> {
    /// The records (empty when there were none).
    pub fn items(self) -> Vec<T> {
        self.data.unwrap_or_default()
    }
}

/// One record of a 2.0 response: `{"data": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct One<T> {
    /// The record.
    pub data: T,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_strings_and_numbers_read_as_text() {
        let ids: Vec<PaymentTypeId> = serde_json::from_str(r#"["b1e1d70e", 1]"#).unwrap();
        assert_eq!(
            ids,
            vec![PaymentTypeId("b1e1d70e".into()), PaymentTypeId("1".into())]
        );
    }

    #[test]
    fn money_as_strings_and_version_as_i64() {
        let c: WebhookCustomer = serde_json::from_str(
            r#"{"id": "c1", "balance": "202.980", "year_to_date": "404.07001", "enable_loyalty": 1}"#,
        )
        .unwrap();
        assert_eq!(c.balance, Some("202.980".parse().unwrap()));
        assert_eq!(c.enable_loyalty, Some(true));
        let p: Product = serde_json::from_str(r#"{"id": "p", "version": 4284638488}"#).unwrap();
        assert_eq!(p.version, Some(4_284_638_488));
    }

    #[test]
    fn codes_match_their_type_in_any_case() {
        let p: Product = serde_json::from_str(
            r#"{"product_codes": [{"type": "custom", "code": "123"}, {"type": "EAN", "code": "456"}]}"#,
        )
        .unwrap();
        assert_eq!(p.code("CUSTOM"), Some("123"));
        assert_eq!(p.code("ean"), Some("456"));
        assert_eq!(WeightUnit::parse("kg"), WeightUnit::Kg);
    }

    #[test]
    fn tokens_never_print() {
        let t: Token = serde_json::from_str(r#"{"access_token": "AAA-secret", "refresh_token": "RRR-secret", "expires_in": 604800}"#).unwrap();
        let shown = format!("{t:?}");
        assert!(
            !shown.contains("AAA-secret") && !shown.contains("RRR-secret"),
            "{shown}"
        );
    }
}
