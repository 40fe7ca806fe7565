//! NDJSON in, one JSON line per record out (`docs/mapping-contract.md` §6).

use lightspeed_mapping::ndjson::{Counts, map_lines};
use serde_json::json;

use crate::compile;

#[test]
fn every_record_gives_one_line_in_order() {
    let mapping = compile(json!({"key": "sku", "product_mappings": [
        {"pim_attribute": "name", "lightspeed_field": "title"},
        {"pim_attribute": "price", "lightspeed_field": "price", "transformation": {"type": "format_number", "parameters": {"thousands_separator": ","}}},
        {"pim_attribute": "weight", "lightspeed_field": "weight", "transformation": {"type": "convert_unit", "parameters": {"from": "kg", "to": "g"}}},
        {"lightspeed_field": "data01", "empty": true},
        {"pim_attribute": "image", "lightspeed_field": "images[0].src"}
    ]}));
    let input = concat!(
        "{\"sku\": \"LW-001\", \"name\": \"Luxury Watch\", \"price\": 1299.99, \"weight\": 0.125, \"image\": \"https://x/1.jpg\"}\n",
        "\n",
        "{\"sku\": \"LW-002\", \"name\": \"Watch\", \"price\": \"12,5,0\"}\n",
        "{not json}\n",
        "{\"name\": \"No key\"}\n",
    );
    let mut out = Vec::new();
    let counts = map_lines(&mapping, input.as_bytes(), &mut out).unwrap();
    assert_eq!(
        counts,
        Counts {
            mapped: 2,
            failed: 2
        }
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines[0],
        json!({"key": "LW-001", "fields": {"title": "Luxury Watch", "price": "1,299.99", "weight": 125, "data01": null, "images": [{"src": "https://x/1.jpg"}]}})
    );
    assert_eq!(lines[1]["key"], "LW-002");
    assert_eq!(lines[1]["errors"][0]["field"], "price");
    assert_eq!(
        lines[1]["errors"][0]["rule"],
        "product_mappings[1].transformation"
    );
    assert!(
        lines[2]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("line 4")
    );
    assert_eq!(
        lines[3],
        json!({"key": null, "fields": {"title": "No key", "data01": null}})
    );
}

#[test]
fn numbers_keep_their_digits_in_the_output() {
    let mapping = compile(json!({"product_mappings": [
        {"pim_attribute": "p", "lightspeed_field": "p", "transformation": {"type": "multiply", "parameters": {"by": "0.1"}}}
    ]}));
    let mut out = Vec::new();
    map_lines(
        &mapping,
        "{\"p\": 3}\n{\"p\": \"12345678901234567.89\"}\n".as_bytes(),
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("\"p\":0.3}"), "{text}");
    assert!(text.contains("\"p\":1234567890123456.789"), "{text}");
}
