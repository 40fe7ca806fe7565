//! What a mapping may write for eCom: the target schemas of a catalog product and of a variant,
//! for [`lightspeed_mapping`] (unknown fields are compile errors, aliases become canonical
//! names, and every mapped record is checked for types, required fields, lengths and allowed
//! values).
//!
//! The table below is the one list of the fields of an eCom catalog item: their types, limits,
//! aliases, languages and [`FieldRole`]s, from which the sync learns what a mapped field is
//! (a product text, a variant's price, a brand by title, categories by path, an image by URL,
//! how rows group into one product). Texts in other languages are written `title@en`,
//! `description@de`... (any two-letter code). [`api_name`] gives a field's name in the API,
//! and [`INTEGER_FIELDS`] says which API fields take whole numbers.

use lightspeed_mapping::{FieldRole, FieldSpec, FieldType, TargetSchema};

use FieldRole::{Container, Grouping, Media, PathReference, Record, Reference, Variant};
use FieldType::{List, Number, Object, Text};

fn field(name: &str, kind: FieldType, role: FieldRole) -> FieldSpec {
    FieldSpec::new(name, kind).role(role)
}

/// The fields of a variant (`variants` resource, API names in camelCase: [`api_name`]),
/// each of role [`FieldRole::Variant`]. A product mapping writes them at the top level of a
/// row (the row's variant) or as `variants[].<name>`; a variant mapping at the top level.
fn variant_fields() -> Vec<FieldSpec> {
    let text = |name: &str| field(name, Text, Variant);
    let number = |name: &str| field(name, Number, Variant);
    vec![
        text("sku").max_length(64),
        // The barcode (EAN, UPC), as text: a JSON number is written as its digits.
        text("ean").max_length(64),
        // The merchant's own article code.
        text("article_code").max_length(64),
        // Prices, in the shop's currency; eCom computes the other side from the tax rate.
        number("price_incl").alias("price"),
        number("price_excl"),
        number("price_cost"),
        // The "compare at" price.
        number("old_price_incl"),
        number("old_price_excl"),
        // Stock: whole numbers (INTEGER_FIELDS).
        number("stock_level"),
        // The level under which the back office warns.
        number("stock_alert"),
        number("stock_minimum"),
        // The fewest and most one order may buy (eCom's defaults: 1 and 10000).
        number("stock_buy_minimum"),
        number("stock_buy_maximum"),
        // disabled: not tracked; enabled: tracked, no sale out of stock; indicator: tracked,
        // sold out of stock.
        text("stock_tracking").allowed(&["disabled", "enabled", "indicator"]),
        // Whole grams.
        number("weight"),
        // The weight in `weight_unit`.
        number("weight_value"),
        text("weight_unit").allowed(&["g", "kg", "oz", "lb"]),
        // Whole millilitres.
        number("volume"),
        // The volume in `volume_unit`.
        number("volume_value"),
        text("volume_unit").allowed(&["ml", "l", "fl_oz"]),
        // How many packages the variant ships in (whole).
        number("colli"),
        // Width, height and length in whole centimetres.
        number("size_x"),
        number("size_y"),
        number("size_z"),
        // The same in `size_unit`.
        number("size_x_value"),
        number("size_y_value"),
        number("size_z_value"),
        // Only these two: the API and the emulator refuse mm and m.
        text("size_unit").allowed(&["cm", "in"]),
        // The HS tariff code for customs.
        text("hs").max_length(32),
        // The price per unit shown beside the price, and the unit's name (meter, liter...).
        number("unit_price"),
        text("unit_unit"),
    ]
}

/// The variant fields again as `variants[].<name>`, aliases included.
fn nested_variant_fields() -> impl Iterator<Item = FieldSpec> {
    variant_fields().into_iter().map(|mut spec| {
        spec.name = format!("variants[].{}", spec.name);
        for alias in &mut spec.aliases {
            *alias = format!("variants[].{alias}");
        }
        spec
    })
}

/// A catalog product (`ecom.product`), with the fields of its variants: of the row's own
/// variant at the top level, of several under `variants[]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProductSchema;

impl TargetSchema for ProductSchema {
    fn name(&self) -> &str {
        "ecom.product"
    }

    fn fields(&self) -> Vec<FieldSpec> {
        let mut fields = vec![
            // The product's own texts, in the shop's default language and per language.
            field("title", Text, Record)
                .required()
                .max_length(255)
                .translatable(),
            field("fulltitle", Text, Record)
                .max_length(255)
                .translatable(),
            // The short text; `summary` is the integration guide's name for it.
            field("description", Text, Record)
                .translatable()
                .alias("summary"),
            // The long description, HTML.
            field("content", Text, Record).translatable(),
            // The slug; eCom makes one from the title when none is given. Whether it exists per
            // language is uncertain (reference ecom-api.md §8: shared across languages in the
            // model of a client tested against live shops, marked [?]). Declared shared, so a
            // mapping's `url@en` is refused at compile time rather than written per language and
            // possibly overwriting itself in turn (which would never converge); if live shops
            // turn out to keep one slug per language, adding `.translatable()` here is the whole
            // change.
            field("url", Text, Record).max_length(255),
            // hidden, visible (always), auto (visible when in stock).
            field("visibility", Text, Record).allowed(&["hidden", "visible", "auto"]),
            // The shop template's extra fields.
            field("data01", Text, Record).max_length(255),
            field("data02", Text, Record).max_length(255),
            field("data03", Text, Record).max_length(255),
            // Other records by title, found or created by the sync.
            field("brand", Text, Reference).max_length(255),
            field("supplier", Text, Reference).max_length(255),
            // The product type ("specification"), which carries its attributes.
            field("type", Text, Reference).max_length(255),
            field("tags", List, Reference),
            field("tags[]", Text, Reference),
            // Each category a path, parents first (`Men > Shoes`).
            field("categories", List, PathReference),
            field("categories[]", Text, PathReference),
            // Images by URL, in order: the first is the product's main image.
            field("images", List, Container),
            field("images[].src", Text, Media),
            field("images[].title", Text, Media),
            field("variants", List, Container),
            // One source row per variant: rows sharing `parent` become one product; `options`
            // (`options.size`, `options.colour`) and `variant_title` name the row's variant.
            field("parent", Text, Grouping).max_length(255),
            field("options", Object, Grouping),
            field("variant_title", Text, Grouping).max_length(255),
            // The same for a product whose row lists its variants.
            field("variants[].options", Object, Grouping),
            field("variants[].title", Text, Grouping).max_length(255),
        ];
        fields.extend(variant_fields());
        fields.extend(nested_variant_fields());
        fields
    }
}

/// A variant of a product (`ecom.variant`, a variant mapping's target): the variant fields,
/// its `title`, its `parent` product (required) and its `options`.
#[derive(Debug, Clone, Copy, Default)]
pub struct VariantSchema;

impl TargetSchema for VariantSchema {
    fn name(&self) -> &str {
        "ecom.variant"
    }

    fn fields(&self) -> Vec<FieldSpec> {
        let mut fields = variant_fields();
        fields.push(field("title", Text, Grouping).max_length(255));
        fields.push(field("parent", Text, Grouping).required().max_length(255));
        fields.push(field("options", Object, Grouping));
        fields
    }
}

/// A field's name in the eCom API: the schema's snake_case in camelCase (`price_incl` ->
/// `priceIncl`, `size_x_value` -> `sizeXValue`, `article_code` -> `articleCode`, `data01`
/// stays `data01`). Give it a field's last part, without indices or a language suffix.
pub fn api_name(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The API fields of a variant that take whole numbers (a stock level, whole grams,
/// millilitres and centimetres): a value with decimals must be rounded before it is sent.
pub const INTEGER_FIELDS: &[&str] = &[
    "stockLevel",
    "stockAlert",
    "stockMinimum",
    "stockBuyMinimum",
    "stockBuyMaximum",
    "weight",
    "volume",
    "colli",
    "sizeX",
    "sizeY",
    "sizeZ",
];

/// Whether a field takes whole numbers in the API, given its schema name (`stock_level`) or
/// its API name (`stockLevel`).
pub fn is_integer_field(field: &str) -> bool {
    INTEGER_FIELDS.contains(&api_name(field).as_str())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use lightspeed_mapping::{CompileErrors, Mapping, Options, Value};
    use rust_decimal::Decimal;
    use serde_json::json;

    use super::*;

    fn product(doc: serde_json::Value) -> Result<Mapping, CompileErrors> {
        Mapping::from_json(
            &doc.to_string(),
            &Options {
                channel: None,
                schema: Some(&ProductSchema),
            },
        )
    }

    fn one_field(field: &str) -> Result<Mapping, CompileErrors> {
        product(json!({"product_mappings": [
            {"pim_attribute": "name", "lightspeed_field": "title"},
            {"pim_attribute": "x", "lightspeed_field": field}
        ]}))
    }

    /// The integration guide's document, verbatim.
    const GUIDE: &str = r#"{"version": 1, "target": "ecom.product", "key": "sku",
 "product_mappings": [
   {"pim_attribute": "name", "lightspeed_field": "title"},
   {"pim_attribute": "summary", "lightspeed_field": "summary", "transformation": {"type": "strip_html"}},
   {"pim_attribute": "price", "lightspeed_field": "price", "transformation": {"type": "format_number", "parameters": {"decimals": 2, "thousands_separator": ","}}}],
 "media_mappings": [{"pim_attribute": "image_url", "lightspeed_field": "images[0].src"}]}"#;

    #[test]
    fn the_guides_mapping_writes_canonical_fields() {
        let options = Options {
            channel: None,
            schema: Some(&ProductSchema),
        };
        let mapping = Mapping::from_json(GUIDE, &options).unwrap();
        assert_eq!(mapping.schema_name(), Some("ecom.product"));
        let mapped = mapping
            .apply(
                &json!({"name": "Luxury Watch", "summary": "<p>Swiss</p>", "price": 1299.99,
                           "image_url": "https://x/1.jpg"}),
            )
            .unwrap();
        let fields: Vec<&str> = mapped.fields().map(|f| f.field).collect();
        assert_eq!(
            fields,
            ["title", "description", "price_incl", "images[0].src"]
        );
        assert_eq!(
            mapped.get("price_incl"),
            Some(&Value::Number(Decimal::new(129999, 2)))
        );
        assert_eq!(
            mapped.nested().to_json(),
            json!({"title": "Luxury Watch", "description": "Swiss", "price_incl": 1299.99,
                   "images": [{"src": "https://x/1.jpg"}]})
        );

        // Compiled without the schema, as a caller might, then for the target: the same.
        let plain = Mapping::from_json(GUIDE, &Options::default()).unwrap();
        assert_eq!(plain.fields().nth(2), Some("price"));
        let again = plain.with_schema(&ProductSchema).unwrap();
        assert_eq!(again.fields().nth(2), Some("price_incl"));
    }

    #[test]
    fn typos_get_a_suggestion() {
        let e = one_field("descripton").unwrap_err();
        assert!(e.has_path("product_mappings[1].lightspeed_field"), "{e}");
        assert_eq!(
            e.errors[0].message,
            "`descripton` is not a field of ecom.product; did you mean `description`?"
        );
        let e = one_field("titel").unwrap_err();
        assert!(
            e.errors[0].message.ends_with("did you mean `title`?"),
            "{e}"
        );
        let e = one_field("prijs").unwrap_err();
        assert_eq!(
            e.errors[0].message,
            "`prijs` is not a field of ecom.product"
        );

        let mut doc: serde_json::Value = serde_json::from_str(GUIDE).unwrap();
        doc["target"] = json!("ecom.prodcut");
        let e = product(doc).unwrap_err();
        assert!(e.has_path("target"), "{e}");
        assert_eq!(
            e.errors[0].message,
            "`ecom.prodcut` is not this schema's target `ecom.product`; did you mean `ecom.product`?"
        );
    }

    #[test]
    fn languages_aliases_and_indices() {
        let mapping = product(json!({"product_mappings": [
            {"pim_attribute": "name", "lightspeed_field": "title"},
            {"pim_attribute": "name_en", "lightspeed_field": "title@en"},
            {"pim_attribute": "summary_en", "lightspeed_field": "summary@en"},
            {"pim_attribute": "price", "lightspeed_field": "variants[0].price"},
            {"pim_attribute": "size", "lightspeed_field": "variants[0].options.size"},
            {"pim_attribute": "colour", "lightspeed_field": "options.colour"}
        ]}))
        .unwrap();
        assert_eq!(
            mapping.fields().collect::<Vec<_>>(),
            [
                "title",
                "title@en",
                "description@en",
                "variants[0].price_incl",
                "variants[0].options.size",
                "options.colour"
            ]
        );
        let e = one_field("title@english").unwrap_err();
        assert!(e.errors[0].message.contains("two-letter"), "{e}");
        let e = one_field("brand@en").unwrap_err();
        assert!(
            e.errors[0].message.contains("not written per language"),
            "{e}"
        );
    }

    #[test]
    fn values_are_checked_against_the_table() {
        let mapping = product(json!({"product_mappings": [
            {"pim_attribute": "name", "lightspeed_field": "title"},
            {"pim_attribute": "unit", "lightspeed_field": "size_unit"},
            {"pim_attribute": "ean", "lightspeed_field": "ean"},
            {"pim_attribute": "stock", "lightspeed_field": "stock_level"}
        ]}))
        .unwrap();
        let mapped = mapping
            .apply(&json!({"name": "W", "unit": "cm", "ean": 8712345678906_u64, "stock": "12"}))
            .unwrap();
        assert_eq!(
            mapped.nested().to_json(),
            json!({"title": "W", "size_unit": "cm", "ean": "8712345678906", "stock_level": 12})
        );
        let errors = mapping
            .apply(&json!({"name": "W", "unit": "mm"}))
            .unwrap_err();
        assert_eq!(errors[0].field, "size_unit");
        assert!(
            errors[0].message.contains("not one of cm, in"),
            "{errors:?}"
        );
        assert!(
            mapping.apply(&json!({"unit": "cm"})).is_err(),
            "title is required"
        );
        assert!(one_field("tax").is_err(), "eCom wants a tax id there");
    }

    #[test]
    fn variant_mappings_need_their_parent() {
        let doc = json!({"variant_mappings": [
            {"pim_attribute": "sku", "lightspeed_field": "sku"},
            {"pim_attribute": "price", "lightspeed_field": "price"}
        ]});
        let mapping = Mapping::from_json(
            &doc.to_string(),
            &Options {
                channel: None,
                schema: Some(&VariantSchema),
            },
        )
        .unwrap();
        assert_eq!(mapping.fields().nth(1), Some("price_incl"));
        let errors = mapping.apply(&json!({"sku": "S-1"})).unwrap_err();
        assert_eq!(errors[0].field, "parent");
    }

    #[test]
    fn the_table_is_one_consistent_list() {
        let fields = ProductSchema.fields();
        let mut names = HashSet::new();
        for spec in &fields {
            for name in std::iter::once(&spec.name).chain(&spec.aliases) {
                assert!(names.insert(name.clone()), "{name} is listed twice");
            }
        }
        let role = |name: &str| ProductSchema.field_spec(name).map(|s| s.role);
        assert_eq!(role("title@en"), Some(FieldRole::Record));
        assert_eq!(role("brand"), Some(FieldRole::Reference));
        assert_eq!(role("tags[0]"), Some(FieldRole::Reference));
        assert_eq!(role("categories"), Some(FieldRole::PathReference));
        assert_eq!(role("images[2].src"), Some(FieldRole::Media));
        assert_eq!(role("images"), Some(FieldRole::Container));
        assert_eq!(role("variants"), Some(FieldRole::Container));
        assert_eq!(role("price"), Some(FieldRole::Variant));
        assert_eq!(role("variants[1].stock_level"), Some(FieldRole::Variant));
        assert_eq!(role("options.size"), Some(FieldRole::Grouping));
        assert_eq!(role("variants[0].title"), Some(FieldRole::Grouping));
        assert_eq!(role("parent"), Some(FieldRole::Grouping));
        // Every variant field is there twice: at the top level and under `variants[]`.
        for spec in fields.iter().filter(|s| s.role == FieldRole::Variant) {
            let other = match spec.name.strip_prefix("variants[].") {
                Some(name) => name.to_owned(),
                None => format!("variants[].{}", spec.name),
            };
            assert!(names.contains(&other), "{} has no {other}", spec.name);
        }
        // The variant schema's variant fields are the product's.
        let variant: Vec<String> = VariantSchema
            .fields()
            .into_iter()
            .filter(|s| s.role == FieldRole::Variant)
            .map(|s| s.name)
            .collect();
        let top: Vec<String> = fields
            .iter()
            .filter(|s| s.role == FieldRole::Variant && !s.name.starts_with("variants[]"))
            .map(|s| s.name.clone())
            .collect();
        assert_eq!(variant, top);
        // Every integer field is a variant field of the table.
        for api in INTEGER_FIELDS {
            assert!(
                top.iter().any(|name| api_name(name) == *api),
                "{api} is not in the table"
            );
        }
    }

    #[test]
    fn api_names_are_camel_case() {
        for (field, api) in [
            ("price_incl", "priceIncl"),
            ("size_x_value", "sizeXValue"),
            ("article_code", "articleCode"),
            ("data01", "data01"),
            ("stock_buy_minimum", "stockBuyMinimum"),
            ("hs", "hs"),
            ("stockLevel", "stockLevel"),
        ] {
            assert_eq!(api_name(field), api);
        }
        assert!(is_integer_field("stock_level"));
        assert!(is_integer_field("sizeX"));
        assert!(!is_integer_field("size_x_value"));
        assert!(!is_integer_field("price_incl"));
    }
}
