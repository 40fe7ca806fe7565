//! The fixture folders of the X-Series API and the typed model each one decodes into, for
//! [`lightspeed_core::conformance::check`] (this crate's tests, and anything else that
//! produces X-Series bodies, such as an emulator).
//!
//! Bodies are read the way the API writes them: 2.0/2.1/3.0 responses as `{"data": ...}` (an
//! object or a list, with `version` beside it); API 0.9 (`legacy_*`) as `{"register_sale":
//! ...}` / `{"register_sales": [...]}` (with `pagination`) or a bare object; token answers,
//! error bodies, webhook payloads and request bodies bare. A webhook payload's file is named
//! after its type (`product.update.json`), which picks the model.

use lightspeed_core::conformance::{Api, DecodeOnly, round_trip_enveloped};
pub use lightspeed_core::conformance::{Direction, Failure};
use serde_json::Value;

use crate::model::*;
use crate::webhook::WebhookPayload;

/// The response folders under `xseries/`.
pub const RESPONSE_FOLDERS: &[&str] = &[
    "brand",
    "consignment",
    "consignment_product",
    "customer",
    "error",
    "inventory",
    "legacy_consignment",
    "legacy_product",
    "legacy_register_sale",
    "legacy_status",
    "legacy_webhook",
    "outlet",
    "outlet_tax",
    "payment_type",
    "price_book_product",
    "product",
    "product_ids",
    "product_type",
    "product_v3",
    "register",
    "sale",
    "supplier",
    "tag",
    "tax",
    "token",
    "user",
    "webhook_payload",
];

/// The request folders under `xseries/requests/`.
pub const REQUEST_FOLDERS: &[&str] = &[
    "customer",
    "legacy_consignment",
    "legacy_product",
    "product_21",
    "product_create",
    "register_sale",
    "sale_2026",
    "webhook",
];

/// The X-Series API for [`lightspeed_core::conformance::check`].
pub const API: Api = Api {
    name: "xseries",
    response_folders: RESPONSE_FOLDERS,
    request_folders: REQUEST_FOLDERS,
    decode,
    decode_only: &[DecodeOnly {
        folder: "webhook_payload",
        reason: "a webhook payload is received from X-Series and never sent back: flags sent as \
                 0/1 read as booleans, an empty reorder point as none, and they encode as such",
    }],
};

const DATA: &[&str] = &["data"];

/// Decodes one fixture (see the module docs); `None` for a folder outside the vocabulary.
pub fn decode(
    direction: Direction,
    folder: &str,
    stem: &str,
    bytes: &[u8],
) -> Option<(&'static str, Result<Value, Failure>)> {
    macro_rules! model {
        ($ty:ty, $keys:expr, $bare:expr) => {
            (
                stringify!($ty),
                round_trip_enveloped::<$ty>(bytes, $keys, $bare),
            )
        };
    }
    Some(match (direction, folder) {
        (Direction::Response, "brand") => model!(Brand, DATA, true),
        (Direction::Response, "consignment") => model!(Consignment, DATA, true),
        (Direction::Response, "consignment_product") => model!(ConsignmentProduct, DATA, true),
        (Direction::Response, "customer") => model!(Customer, DATA, true),
        (Direction::Response, "error") => model!(ApiErrorBody, &[], true),
        (Direction::Response, "inventory") => model!(Inventory, DATA, true),
        (Direction::Response, "legacy_consignment") => {
            model!(LegacyConsignment, &["consignment", "consignments"], true)
        }
        (Direction::Response, "legacy_product") => {
            model!(LegacyProduct, &["product", "products"], true)
        }
        (Direction::Response, "legacy_register_sale") => {
            model!(RegisterSale, &["register_sale", "register_sales"], true)
        }
        (Direction::Response, "legacy_status") => model!(Status, &[], true),
        (Direction::Response, "legacy_webhook") => model!(Webhook, &["webhook", "webhooks"], true),
        (Direction::Response, "outlet") => model!(Outlet, DATA, true),
        (Direction::Response, "outlet_tax") => model!(OutletTax, DATA, true),
        (Direction::Response, "payment_type") => model!(PaymentType, DATA, true),
        (Direction::Response, "price_book_product") => model!(PriceBookProduct, DATA, true),
        (Direction::Response, "product") => model!(Product, DATA, true),
        (Direction::Response, "product_ids") => model!(ProductId, DATA, false),
        (Direction::Response, "product_type") => model!(ProductType, DATA, true),
        (Direction::Response, "product_v3") => model!(ProductV3, DATA, true),
        (Direction::Response, "register") => model!(Register, DATA, true),
        (Direction::Response, "sale") => model!(Sale, DATA, true),
        (Direction::Response, "supplier") => model!(Supplier, DATA, true),
        (Direction::Response, "tag") => model!(Tag, DATA, true),
        (Direction::Response, "tax") => model!(Tax, DATA, true),
        (Direction::Response, "token") => model!(Token, &[], true),
        (Direction::Response, "user") => model!(User, DATA, true),
        (Direction::Response, "webhook_payload") => webhook_payload(stem, bytes),
        (Direction::Request, "customer") => model!(CustomerInput, &[], true),
        (Direction::Request, "legacy_consignment") => model!(LegacyConsignmentInput, &[], true),
        (Direction::Request, "legacy_product") => model!(LegacyProductInput, &[], true),
        (Direction::Request, "product_21") => model!(Product21, &[], true),
        (Direction::Request, "product_create") => model!(ProductCreate, &[], true),
        (Direction::Request, "register_sale") => {
            model!(RegisterSaleInput, &["register_sale"], true)
        }
        (Direction::Request, "sale_2026") => model!(Sale2026Input, &[], true),
        (Direction::Request, "webhook") => model!(WebhookInput, &[], true),
        _ => return None,
    })
}

/// A webhook payload named after its type (`sale.update.json`, or `sale.update.voided.json`).
fn webhook_payload(stem: &str, bytes: &[u8]) -> (&'static str, Result<Value, Failure>) {
    let kind = WebhookType::KNOWN
        .iter()
        .find(|t| stem == t.as_str() || stem.starts_with(&format!("{}.", t.as_str())))
        .cloned()
        .unwrap_or_else(|| WebhookType::from(stem));
    let result = serde_json::from_slice::<Value>(bytes)
        .map_err(|e| Failure {
            path: ".".into(),
            message: format!("not JSON: {e}"),
        })
        .and_then(|json| {
            WebhookPayload::from_json(&kind, json).and_then(|payload| {
                payload.to_json().map_err(|e| Failure {
                    path: ".".into(),
                    message: format!("could not encode: {e}"),
                })
            })
        });
    (WebhookPayload::model_name(&kind), result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_folder_of_the_vocabulary_has_a_model() {
        for folder in RESPONSE_FOLDERS {
            assert!(
                decode(Direction::Response, folder, "x", b"{}").is_some(),
                "{folder}"
            );
        }
        for folder in REQUEST_FOLDERS {
            assert!(
                decode(Direction::Request, folder, "x", b"{}").is_some(),
                "{folder}"
            );
        }
        assert!(decode(Direction::Response, "products", "x", b"{}").is_none());
    }

    #[test]
    fn data_envelopes_and_paths() {
        let body = br#"{"data": [{"id": "a", "version": 1}, {"id": "b", "version": "x"}]}"#;
        let (model, result) = decode(Direction::Response, "brand", "x", body).unwrap();
        assert_eq!(model, "Brand");
        assert_eq!(result.unwrap_err().path, "data[1].version");
    }
}
