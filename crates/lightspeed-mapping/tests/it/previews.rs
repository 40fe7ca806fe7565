//! Previews: the source value, every step of the chain and the result, per field.

use serde_json::json;

use crate::compile;

#[test]
fn a_preview_shows_each_step() {
    let mapping = compile(json!({
        "key": "sku",
        "source_locale": {"decimal_separator": ",", "thousands_separator": "."},
        "product_mappings": [
            {"template": "{brand} {model}", "lightspeed_field": "title"},
            {"pim_attribute": "price", "lightspeed_field": "price", "transformations": [
                {"type": "parse_number"},
                {"type": "markup_percent", "parameters": {"percent": 21}},
                {"type": "format_number", "parameters": {"thousands_separator": ","}}
            ]},
            {"pim_attribute": "weight", "lightspeed_field": "weight", "transformations": [
                {"type": "parse_number"},
                {"type": "convert_unit", "parameters": {"from": "kg", "to": "g"}}
            ]},
            {"lightspeed_field": "visibility", "rules": [
                {"when": {"attribute": "stock", "op": "gt", "value": 0}, "value": "visible"},
                {"otherwise": true, "value": "hidden"}
            ]},
            {"pim_attribute": "ean", "lightspeed_field": "ean", "required": true},
            {"lightspeed_field": "data01", "skip": true},
            {"lightspeed_field": "data02", "empty": true}
        ]
    }));
    let preview = mapping.preview(&json!({
        "sku": "LW-001", "brand": "Lux", "model": "Watch", "price": "1.074,37", "weight": "0,25", "stock": 0
    }));
    insta::assert_json_snapshot!(preview);
    insta::assert_snapshot!("a_preview_shows_each_step_rendered", preview.render());
}

#[test]
fn a_preview_shows_where_a_chain_fails() {
    let mapping = compile(json!({"product_mappings": [
        {"pim_attribute": "price", "lightspeed_field": "price", "transformations": [
            {"type": "trim"}, {"type": "parse_number", "parameters": {"decimal_separator": ","}}, {"type": "round", "parameters": {"decimals": 1}}
        ]}
    ]}));
    let preview = mapping.preview(&json!({"sku": "LW-002", "price": " 12,5,0 "}));
    insta::assert_json_snapshot!(preview);
    let text = preview.render();
    assert!(text.starts_with("key \"LW-002\"\n"), "{text}");
    assert!(text.contains("  => error: "), "{text}");
}
