//! What a mapping may write for eCom: the target schemas of a catalog product and of a variant,
//! for [`lightspeed_mapping`] (unknown fields are compile errors; every mapped record is checked
//! for types, required fields, lengths and allowed values).
//!
//! The fields are those of the catalog item a sync sends: product texts, visibility, the brand
//! and categories by name (created when missing, if the sync allows), tags, images by URL, and
//! the default variant's SKU, codes, prices, stock and weight. Texts in other languages are
//! written `title@en`, `description@de`... (any two-letter code). The sync turns these into API
//! calls; a variant mapping uses [`VariantSchema`].

use lightspeed_mapping::{FieldSpec, FieldType, TargetSchema};

fn field(name: &str, kind: FieldType) -> FieldSpec {
    FieldSpec::new(name, kind)
}

fn required(mut spec: FieldSpec) -> FieldSpec {
    spec.required = true;
    spec
}

fn max(mut spec: FieldSpec, length: usize) -> FieldSpec {
    spec.max_length = Some(length);
    spec
}

fn allowed(mut spec: FieldSpec, values: &[&str]) -> FieldSpec {
    spec.allowed = Some(values.iter().map(|v| (*v).to_owned()).collect());
    spec
}

/// The texts that can be written per language (`title@en`).
pub const TRANSLATABLE: &[&str] = &["title", "fulltitle", "description", "content", "url"];

fn variant_fields() -> Vec<FieldSpec> {
    use FieldType::*;
    vec![
        max(field("sku", Text), 64),
        max(field("ean", Text), 64),
        max(field("article_code", Text), 64),
        field("price_incl", Number),
        field("price_excl", Number),
        field("price_cost", Number),
        field("old_price_incl", Number),
        field("old_price_excl", Number),
        field("stock_level", Number),
        allowed(
            field("stock_tracking", Text),
            &["disabled", "enabled", "indicator"],
        ),
        field("weight", Number),
        field("weight_value", Number),
        allowed(field("weight_unit", Text), &["g", "kg", "oz", "lb"]),
        field("volume", Number),
        field("size_x", Number),
        field("size_y", Number),
        field("size_z", Number),
        allowed(field("size_unit", Text), &["cm", "mm", "m", "in"]),
        max(field("hs", Text), 32),
        field("unit_price", Number),
        field("unit_unit", Text),
        field("tax", Number),
    ]
}

/// A catalog product (with its default variant's fields).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProductSchema;

impl TargetSchema for ProductSchema {
    fn name(&self) -> &str {
        "ecom.product"
    }

    fn fields(&self) -> Vec<FieldSpec> {
        use FieldType::*;
        let mut fields = vec![
            required(max(field("title", Text), 255)),
            max(field("fulltitle", Text), 255),
            field("description", Text),
            field("content", Text),
            max(field("url", Text), 255),
            allowed(field("visibility", Text), &["hidden", "visible", "auto"]),
            max(field("brand", Text), 255),
            field("categories", List),
            field("categories[]", Text),
            field("tags", List),
            field("tags[]", Text),
            field("images", List),
            field("images[].src", Text),
            field("images[].title", Text),
            field("data01", Text),
            field("data02", Text),
            field("data03", Text),
            field("type", Text),
            field("supplier", Text),
            field("variants", List),
        ];
        fields.extend(variant_fields());
        fields.extend(variant_fields().into_iter().map(|mut f| {
            f.name = format!("variants[].{}", f.name);
            f
        }));
        fields.push(field("variants[].title", Text));
        fields.push(field("variants[].options", Object));
        // One source row per variant: rows sharing `parent` become one product; `options`
        // (`options.size`, `options.colour`) and `variant_title` describe the row's variant.
        fields.push(max(field("parent", Text), 255));
        fields.push(field("options", Object));
        fields.push(max(field("variant_title", Text), 255));
        fields
    }

    fn check_field(&self, shape: &str) -> Result<(), String> {
        check(self, shape)
    }
}

/// A variant of a product (a variant mapping's target).
#[derive(Debug, Clone, Copy, Default)]
pub struct VariantSchema;

impl TargetSchema for VariantSchema {
    fn name(&self) -> &str {
        "ecom.variant"
    }

    fn fields(&self) -> Vec<FieldSpec> {
        let mut fields = variant_fields();
        fields.push(max(field("title", FieldType::Text), 255));
        fields.push(required(max(field("parent", FieldType::Text), 255)));
        fields.push(field("options", FieldType::Object));
        fields
    }

    fn check_field(&self, shape: &str) -> Result<(), String> {
        check(self, shape)
    }
}

/// Known fields, and translatable ones with a language suffix (`title@en`).
fn check(schema: &dyn TargetSchema, shape: &str) -> Result<(), String> {
    let fields = schema.fields();
    if fields.iter().any(|f| f.name == shape) {
        return Ok(());
    }
    // Option values by option name: `options.size`, `variants[].options.colour`.
    if let Some((object, name)) = shape.rsplit_once('.')
        && !name.is_empty()
        && fields
            .iter()
            .any(|f| f.name == object && f.kind == FieldType::Object)
    {
        return Ok(());
    }
    if let Some((name, language)) = shape.split_once('@') {
        let two_letters = language.len() == 2 && language.bytes().all(|b| b.is_ascii_lowercase());
        if two_letters && TRANSLATABLE.contains(&name) && fields.iter().any(|f| f.name == name) {
            return Ok(());
        }
        if TRANSLATABLE.contains(&name) {
            return Err(format!(
                "`{shape}`: a language is a two-letter code (`{name}@en`)"
            ));
        }
    }
    let mut known: Vec<String> = fields.into_iter().map(|f| f.name).collect();
    known.sort();
    Err(format!(
        "`{shape}` is not a field of {}; known fields: {}",
        schema.name(),
        known.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use lightspeed_mapping::{Mapping, Options};
    use serde_json::json;

    use super::*;

    #[test]
    fn mappings_are_checked_against_the_product_schema() {
        let doc = json!({"product_mappings": [
            {"pim_attribute": "name", "lightspeed_field": "title"},
            {"pim_attribute": "name_en", "lightspeed_field": "title@en"},
            {"pim_attribute": "sku", "lightspeed_field": "sku"},
            {"pim_attribute": "price", "lightspeed_field": "price_incl", "transformation": {"type": "parse_number"}},
            {"pim_attribute": "image", "lightspeed_field": "images[0].src"},
            {"value": "auto", "lightspeed_field": "visibility"}
        ]});
        let options = Options {
            channel: None,
            schema: Some(&ProductSchema),
        };
        let mapping = Mapping::from_json(&doc.to_string(), &options).unwrap();
        assert!(mapping.apply(&json!({"name": "Watch", "name_en": "Watch", "sku": "S", "price": "10", "image": "u"})).is_ok());
        let errors = mapping.apply(&json!({"sku": "S"})).unwrap_err();
        assert_eq!(errors[0].field, "title");

        let bad = json!({"product_mappings": [{"pim_attribute": "x", "lightspeed_field": "titel"}, {"pim_attribute": "x", "lightspeed_field": "title@english"}]});
        let e = Mapping::from_json(&bad.to_string(), &options).unwrap_err();
        assert!(
            e.to_string()
                .contains("`titel` is not a field of ecom.product"),
            "{e}"
        );
        assert!(e.to_string().contains("two-letter"), "{e}");
    }

    #[test]
    fn variants_need_their_parent() {
        let doc =
            json!({"variant_mappings": [{"pim_attribute": "sku", "lightspeed_field": "sku"}]});
        let mapping = Mapping::from_json(
            &doc.to_string(),
            &Options {
                channel: None,
                schema: Some(&VariantSchema),
            },
        )
        .unwrap();
        let errors = mapping.apply(&json!({"sku": "S-1"})).unwrap_err();
        assert_eq!(errors[0].field, "parent");
    }
}
