//! The cases of the integration guides: number formatting, units, comma decimals, brand +
//! model titles, visibility from stock, and the wallet example with Dutch attribute names.

use serde_json::json;

use crate::{compile, map, through};

#[test]
fn price_1299_99_is_formatted_with_a_thousands_separator() {
    let out = through(
        json!({"type": "format_number", "parameters": {"decimals": 2, "thousands_separator": ","}}),
        json!(1299.99),
    );
    assert_eq!(out.unwrap(), json!("1,299.99"));
}

#[test]
fn kilograms_become_grams() {
    let out = through(
        json!({"type": "convert_unit", "parameters": {"from": "kg", "to": "g"}}),
        json!(1.25),
    );
    assert_eq!(out.unwrap(), json!(1250));
    let out = through(
        json!({"type": "convert_unit", "parameters": {"from": "kg", "to": "g"}}),
        json!("0.4"),
    );
    assert_eq!(out.unwrap(), json!(400));
}

#[test]
fn comma_decimals_become_numbers() {
    let out = through(
        json!({"type": "parse_number", "parameters": {"decimal_separator": ","}}),
        json!("0,25"),
    );
    assert_eq!(out.unwrap(), json!(0.25));
    let doc = compile(json!({
        "source_locale": {"decimal_separator": ",", "thousands_separator": "."},
        "product_mappings": [{"pim_attribute": "p", "lightspeed_field": "price", "transformation": {"type": "parse_number"}}]
    }));
    assert_eq!(
        map(&doc, json!({"p": "1.299,99"})),
        json!({"price": 1299.99})
    );
}

#[test]
fn brand_and_model_make_the_title() {
    let doc = compile(json!({"product_mappings": [
        {"template": "{brand} {model_number}", "lightspeed_field": "title"},
        {"lightspeed_field": "fulltitle", "pim_attribute": "brand", "transformation": {"type": "concat", "parameters": {"attributes": ["brand", "model_number"], "separator": " - "}}}
    ]}));
    assert_eq!(
        map(&doc, json!({"brand": "Casio", "model_number": "F-91W"})),
        json!({"title": "Casio F-91W", "fulltitle": "Casio - F-91W"})
    );
    // A missing attribute renders empty, spaces collapse, and an empty title is missing.
    assert_eq!(
        map(&doc, json!({"model_number": "F-91W"})),
        json!({"title": "F-91W", "fulltitle": "F-91W"})
    );
    assert_eq!(map(&doc, json!({})), json!({}));
}

#[test]
fn visibility_follows_stock() {
    let doc = compile(
        json!({"product_mappings": [{"lightspeed_field": "visibility", "rules": [
            {"when": {"attribute": "stock", "op": "gt", "value": 0}, "value": "visible"},
            {"otherwise": true, "value": "hidden"}
        ]}]}),
    );
    assert_eq!(
        map(&doc, json!({"stock": 5})),
        json!({"visibility": "visible"})
    );
    assert_eq!(
        map(&doc, json!({"stock": "0"})),
        json!({"visibility": "hidden"})
    );
    assert_eq!(map(&doc, json!({})), json!({"visibility": "hidden"}));
}

/// A wallet from a Dutch PIM: attribute names as the PIM writes them, including a translated
/// description under `omschrijving@nl` and nested brand data.
#[test]
fn the_wallet_example_with_dutch_attribute_names() {
    let doc = compile(json!({
        "version": 1,
        "target": "ecom.product",
        "key": "artikelnummer",
        "source_locale": {"decimal_separator": ",", "thousands_separator": "."},
        "mapping_sets": {
            "kleuren": {"entries": {"Zwart": "Black", "Bruin": "Brown", "Cognac": "Cognac"}, "no_match": {"use": "default", "value": "Other"}}
        },
        "product_mappings": [
            {"template": "{merk.naam} {naam}", "lightspeed_field": "title", "required": true},
            {"pim_attribute": "omschrijving@nl", "lightspeed_field": "description", "transformations": [
                {"type": "strip_html"}, {"type": "truncate", "parameters": {"max_length": 40, "ellipsis": "…"}}
            ]},
            {"pim_attribute": "prijs", "lightspeed_field": "price", "transformation": {"type": "parse_number"}},
            {"pim_attribute": "gewicht_kg", "lightspeed_field": "weight", "transformations": [
                {"type": "parse_number"}, {"type": "convert_unit", "parameters": {"from": "kg", "to": "g"}}, {"type": "round", "parameters": {"decimals": 0}}
            ]},
            {"pim_attribute": "kleur", "lightspeed_field": "color", "transformation": {"type": "lookup", "parameters": {"set": "kleuren"}}},
            {"pim_attribute": "op_voorraad", "lightspeed_field": "in_stock", "transformation": {"type": "to_boolean"}},
            {"lightspeed_field": "visibility", "rules": [
                {"when": {"attribute": "voorraad", "op": "gt", "value": 0}, "value": "visible"},
                {"otherwise": true, "value": "hidden"}
            ]}
        ],
        "media_mappings": [{"pim_attribute": "afbeeldingen[0]", "lightspeed_field": "images[0].src"}]
    }));
    let wallet = json!({
        "artikelnummer": "PORT-001",
        "naam": "Portemonnee Leer",
        "merk": {"naam": "Castelijn & Beerens"},
        "omschrijving@nl": "<p>Handgemaakte <b>leren</b> portemonnee met RFID-bescherming &amp; muntvak.</p>",
        "prijs": "1.049,95",
        "gewicht_kg": "0,185",
        "kleur": "Cognac",
        "op_voorraad": "ja",
        "voorraad": 12,
        "afbeeldingen": ["https://pim.example/port-001.jpg"]
    });
    let mapped = lightspeed_mapping::Mapping::apply(&doc, &wallet).unwrap();
    assert_eq!(
        mapped.key,
        lightspeed_mapping::Value::Text("PORT-001".into())
    );
    assert_eq!(
        serde_json::to_value(mapped.nested()).unwrap(),
        json!({
            "title": "Castelijn & Beerens Portemonnee Leer",
            "description": "Handgemaakte leren portemonnee met RFID…",
            "price": 1049.95,
            "weight": 185,
            "color": "Cognac",
            "in_stock": true,
            "visibility": "visible",
            "images": [{"src": "https://pim.example/port-001.jpg"}]
        })
    );
    let other = json!({"artikelnummer": "PORT-002", "naam": "Kaarthouder", "kleur": "Groen", "op_voorraad": "nee", "voorraad": 0});
    assert_eq!(
        map(&doc, other),
        json!({"title": "Kaarthouder", "color": "Other", "in_stock": false, "visibility": "hidden"})
    );
}
