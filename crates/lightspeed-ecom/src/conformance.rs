//! The fixture folders of the eCom API and the typed model each one decodes into, for
//! conformance checks against recorded payloads (this crate's tests, and anything else that
//! produces eCom bodies, such as an emulator).
//!
//! The layout is the contract of the project's `fixtures/README.md`: `ecom/<resource>/*.json`
//! are response bodies with their envelope, `ecom/requests/<resource>/*.json` request bodies;
//! `<resource>` comes from a fixed vocabulary ([`RESPONSE_FOLDERS`], [`REQUEST_FOLDERS`]).
//! [`API`] gives them to [`lightspeed_core::conformance::check`]; [`round_trip`] decodes one body
//! into its model and encodes it back, so a check can compare the values that must survive.

use lightspeed_core::conformance::{Api, DecodeOnly, round_trip_enveloped};
pub use lightspeed_core::conformance::{Direction, Failure, same_value};
use serde_json::Value;

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
                $bytes.map(|b| round_trip_enveloped::<$ty>(b, &[$one, $many], false)),
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

/// The eCom API for [`lightspeed_core::conformance::check`].
pub const API: Api = Api {
    name: "ecom",
    response_folders: RESPONSE_FOLDERS,
    request_folders: REQUEST_FOLDERS,
    decode,
    decode_only: &[DecodeOnly {
        folder: "customer",
        reason: "a customer is only read: updates send a CustomerInput, never the model, and a \
                 null birthDate reads as none and encodes as eCom's false",
    }],
};

fn decode(
    direction: Direction,
    folder: &str,
    _stem: &str,
    bytes: &[u8],
) -> Option<(&'static str, Result<Value, Failure>)> {
    dispatch(direction, folder, Some(bytes))
        .and_then(|(model, result)| Some((model.type_name, result?)))
}

#[cfg(test)]
mod tests {
    use super::*;

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
