//! The fixture folders of the eCom API and the typed model each one decodes into, for
//! conformance checks against recorded payloads (this crate's tests, and anything else that
//! produces eCom bodies, such as an emulator).
//!
//! The layout is the contract of the project's `fixtures/README.md`: `ecom/<resource>/*.json`
//! are response bodies with their envelope, `ecom/requests/<resource>/*.json` request bodies;
//! `<resource>` comes from a fixed vocabulary ([`RESPONSE_FOLDERS`], [`REQUEST_FOLDERS`]).
//! [`round_trip`] decodes a body into its model and encodes it back, so a check can compare the
//! values that must survive; [`same_value`] compares them with the README's equalities.

use std::borrow::Cow;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::model::*;

/// The response folders under `ecom/`.
pub const RESPONSE_FOLDERS: &[&str] = &[
    "account",
    "attribute",
    "brand",
    "categories_product",
    "category",
    "customer",
    "invoice",
    "language",
    "order",
    "order_product",
    "product",
    "product_image",
    "product_metafield",
    "shipment",
    "shop",
    "tag",
    "tags_product",
    "type",
    "types_attribute",
    "variant",
    "variant_metafield",
    "webhook",
];

/// The request folders under `ecom/requests/`.
pub const REQUEST_FOLDERS: &[&str] = &[
    "attribute",
    "brand",
    "categories_product",
    "category",
    "product",
    "product_image",
    "tag",
    "type",
    "types_attribute",
    "variant",
    "webhook",
];

/// Whether a body is a response or a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A response body (`ecom/<resource>/`).
    Response,
    /// A request body (`ecom/requests/<resource>/`).
    Request,
}

/// Why a body did not decode.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The JSON path of the offending value (`product.brand.resource.id`), `.` for the root.
    pub path: String,
    /// What was wrong.
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at `{}`: {}", self.path, self.message)
    }
}

/// The typed model of a folder: its name and envelope keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderModel {
    /// The Rust type the folder decodes into.
    pub type_name: &'static str,
    /// The envelope key of one record.
    pub singular: &'static str,
    /// The envelope key of a list.
    pub plural: &'static str,
}

macro_rules! folders {
    ($folder:expr, $bytes:expr; $($name:literal => $ty:ty, $one:literal, $many:literal;)*) => {
        match $folder {
            $($name => Some((
                FolderModel { type_name: stringify!($ty), singular: $one, plural: $many },
                $bytes.map(|b| decode_encode::<$ty>(b, $one, $many)),
            )),)*
            _ => None,
        }
    };
}

fn dispatch(
    direction: Direction,
    folder: &str,
    bytes: Option<&[u8]>,
) -> Option<(FolderModel, Option<Result<Value, Failure>>)> {
    match direction {
        Direction::Response => folders!(folder, bytes;
            "account" => Account, "account", "accounts";
            "attribute" => Attribute, "attribute", "attributes";
            "brand" => Brand, "brand", "brands";
            "categories_product" => CategoriesProduct, "categoriesProduct", "categoriesProducts";
            "category" => Category, "category", "categories";
            "customer" => Customer, "customer", "customers";
            "invoice" => Invoice, "invoice", "invoices";
            "language" => ShopLanguage, "language", "languages";
            "order" => Order, "order", "orders";
            "order_product" => OrderProduct, "orderProduct", "orderProducts";
            "product" => Product, "product", "products";
            "product_image" => ProductImage, "productImage", "productImages";
            "product_metafield" => Metafield, "productMetafield", "productMetafields";
            "shipment" => Shipment, "shipment", "shipments";
            "shop" => Shop, "shop", "shops";
            "tag" => Tag, "tag", "tags";
            "tags_product" => TagsProduct, "tagsProduct", "tagsProducts";
            "type" => ProductType, "type", "types";
            "types_attribute" => TypesAttribute, "typesAttribute", "typesAttributes";
            "variant" => Variant, "variant", "variants";
            "variant_metafield" => Metafield, "variantMetafield", "variantMetafields";
            "webhook" => Webhook, "webhook", "webhooks";
        ),
        Direction::Request => folders!(folder, bytes;
            "attribute" => AttributeInput, "attribute", "attributes";
            "brand" => BrandInput, "brand", "brands";
            "categories_product" => CategoriesProductInput, "categoriesProduct", "categoriesProducts";
            "category" => CategoryInput, "category", "categories";
            "product" => ProductInput, "product", "products";
            "product_image" => ProductImageInput, "productImage", "productImages";
            "tag" => TagInput, "tag", "tags";
            "type" => ProductTypeInput, "type", "types";
            "types_attribute" => TypesAttributeInput, "typesAttribute", "typesAttributes";
            "variant" => VariantInput, "variant", "variants";
            "webhook" => WebhookInput, "webhook", "webhooks";
        ),
    }
}

/// The model a folder decodes into, or `None` for a folder outside the vocabulary.
pub fn folder_model(direction: Direction, folder: &str) -> Option<FolderModel> {
    dispatch(direction, folder, None).map(|(model, _)| model)
}

/// Decodes `bytes` (a body of `folder`, envelope included) into the folder's model and encodes
/// it back into the same envelope. `None` for a folder outside the vocabulary.
pub fn round_trip(
    direction: Direction,
    folder: &str,
    bytes: &[u8],
) -> Option<Result<Value, Failure>> {
    dispatch(direction, folder, Some(bytes)).and_then(|(_, result)| result)
}

fn decode_encode<T: DeserializeOwned + Serialize>(
    bytes: &[u8],
    singular: &str,
    plural: &str,
) -> Result<Value, Failure> {
    let root: Map<String, Value> = serde_json::from_slice(bytes).map_err(|e| Failure {
        path: ".".into(),
        message: format!("not a JSON object: {e}"),
    })?;
    let (key, body) = root
        .into_iter()
        .find(|(k, _)| k == singular || k == plural)
        .ok_or_else(|| Failure {
            path: ".".into(),
            message: format!("no `{singular}` or `{plural}` envelope"),
        })?;
    let encoded = match body {
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                out.push(one::<T>(item, &format!("{key}[{i}]"))?);
            }
            Value::Array(out)
        }
        item => one::<T>(item, &key)?,
    };
    let mut map = Map::new();
    map.insert(key, encoded);
    Ok(Value::Object(map))
}

fn one<T: DeserializeOwned + Serialize>(item: Value, prefix: &str) -> Result<Value, Failure> {
    let typed: T = serde_path_to_error::deserialize(item).map_err(|e| Failure {
        path: join(prefix, &e.path().to_string()),
        message: e.into_inner().to_string(),
    })?;
    // Through bytes, as a real request would be encoded.
    let bytes = serde_json::to_vec(&typed).map_err(|e| Failure {
        path: prefix.into(),
        message: format!("could not encode: {e}"),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| Failure {
        path: prefix.into(),
        message: format!("encoded invalid JSON: {e}"),
    })
}

fn join(prefix: &str, path: &str) -> String {
    if path == "." {
        prefix.to_owned()
    } else if path.starts_with('[') {
        format!("{prefix}{path}")
    } else {
        format!("{prefix}.{path}")
    }
}

/// Compares two JSON values with the fixtures' equalities: numbers by decimal value (`19.9`
/// == `"19.90"`), timestamps by the instant they name (`"2024-11-20 03:07:55"` read as UTC ==
/// `"2024-11-20T03:07:55Z"`), null == absent (`None`); objects and lists member by member.
pub fn same_value(expected: Option<&Value>, actual: Option<&Value>) -> bool {
    let expected = expected.filter(|v| !v.is_null());
    let actual = actual.filter(|v| !v.is_null());
    match (expected, actual) {
        (None, None) => true,
        (Some(a), Some(b)) => same(a, b),
        _ => false,
    }
}

fn same(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (as_decimal(a), as_decimal(b))
        && (a.is_number() || b.is_number() || a == b)
    {
        return x == y;
    }
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            x == y
                || matches!(
                    (time(x), time(y)),
                    (Some(p), Some(q)) if p == q
                )
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => x
            .keys()
            .chain(y.keys())
            .all(|k| same_value(x.get(k), y.get(k))),
        _ => a == b,
    }
}

fn as_decimal(value: &Value) -> Option<rust_decimal::Decimal> {
    let text: Cow<'_, str> = match value {
        Value::Number(n) => Cow::Owned(n.to_string()),
        Value::String(s) => Cow::Borrowed(s.trim()),
        _ => return None,
    };
    lightspeed_core::lenient::parse_decimal(&text).ok()
}

fn time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    // Only date-times: a bare date or a number is not a timestamp.
    (text.len() >= 19).then(|| lightspeed_core::lenient::parse_timestamp(text))?
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn equalities_follow_the_fixtures_readme() {
        assert!(same_value(Some(&json!(19.9)), Some(&json!("19.90"))));
        assert!(same_value(Some(&json!(19.9)), Some(&json!(19.90))));
        assert!(!same_value(Some(&json!(19.9)), Some(&json!(19.91))));
        assert!(same_value(
            Some(&json!("2024-11-20 03:07:55")),
            Some(&json!("2024-11-20T05:07:55+02:00"))
        ));
        assert!(same_value(Some(&Value::Null), None));
        assert!(!same_value(Some(&json!(false)), None));
        assert!(!same_value(Some(&json!("abc")), Some(&json!("abd"))));
        assert!(same_value(
            Some(&json!({"a": 1, "b": null})),
            Some(&json!({"a": "1.0"}))
        ));
        assert!(!same_value(Some(&json!("ORD001")), Some(&json!("ORD1"))));
    }

    #[test]
    fn every_folder_of_the_vocabulary_has_a_model() {
        for folder in RESPONSE_FOLDERS {
            assert!(
                folder_model(Direction::Response, folder).is_some(),
                "{folder}"
            );
        }
        for folder in REQUEST_FOLDERS {
            assert!(
                folder_model(Direction::Request, folder).is_some(),
                "{folder}"
            );
        }
        assert!(folder_model(Direction::Response, "products").is_none());
    }

    #[test]
    fn round_trips_report_the_path() {
        let body = br#"{"variants": [{"id": 1}, {"id": 2, "priceExcl": "n/a"}]}"#;
        let failure = round_trip(Direction::Response, "variant", body)
            .unwrap()
            .unwrap_err();
        assert_eq!(failure.path, "variants[1].priceExcl");
    }
}
