//! Invariants, checked on generated inputs.

use lightspeed_mapping::transform::{Locale, Rounding, format_number, parse_number, truncate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use crate::compile;

fn decimal() -> impl Strategy<Value = Decimal> {
    (any::<i64>(), 0u32..8).prop_map(|(mantissa, scale)| Decimal::new(mantissa, scale))
}

fn separators() -> impl Strategy<Value = (&'static str, &'static str)> {
    prop_oneof![
        Just((".", "")),
        Just((".", ",")),
        Just((",", ".")),
        Just((",", " ")),
        Just((",", ""))
    ]
}

fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Json::from),
        ".{0,20}".prop_map(Json::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::from),
            prop::collection::btree_map("[a-z_.@\\[\\]0-9]{1,8}", inner, 0..5)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

/// A mapping that uses every transformation on every attribute a generated record may have
/// (compiled once, shared by every case).
fn everything() -> &'static lightspeed_mapping::Mapping {
    static MAPPING: std::sync::OnceLock<lightspeed_mapping::Mapping> = std::sync::OnceLock::new();
    MAPPING.get_or_init(build_everything)
}

fn build_everything() -> lightspeed_mapping::Mapping {
    let names = ["a", "b", "c", "brand.name", "list[0]", "x@nl"];
    let chains = [
        json!([{"type": "parse_number", "parameters": {"decimal_separator": ","}}, {"type": "format_number", "parameters": {"thousands_separator": "."}}]),
        json!([{"type": "round", "parameters": {"decimals": 2}}, {"type": "multiply", "parameters": {"by": 1.21}}, {"type": "add", "parameters": {"value": 3}}]),
        json!([{"type": "convert_unit", "parameters": {"from": "lb", "to": "g"}}, {"type": "markup_percent", "parameters": {"percent": 10}}]),
        json!([{"type": "strip_html"}, {"type": "title_case"}, {"type": "slugify"}, {"type": "truncate", "parameters": {"max_length": 5, "ellipsis": "…"}}]),
        json!([{"type": "regex_replace", "parameters": {"pattern": "\\s+", "with": " "}}, {"type": "regex_extract", "parameters": {"pattern": "(\\w+)"}}, {"type": "sentence_case"}]),
        json!([{"type": "split", "parameters": {"separator": ","}}, {"type": "join", "parameters": {"separator": "|"}}, {"type": "lookup", "parameters": {"entries": {"a": "b"}}}]),
        json!([{"type": "to_boolean"}]),
        json!([{"type": "format_date", "parameters": {"to": "%Y"}}]),
        json!([{"type": "default", "parameters": {"value": "none"}}, {"type": "uppercase"}, {"type": "replace", "parameters": {"find": "A", "with": "b"}}]),
    ];
    let mut rules = Vec::new();
    for (i, name) in names.iter().enumerate() {
        for (j, chain) in chains.iter().enumerate() {
            rules.push(json!({"pim_attribute": name, "lightspeed_field": format!("f{i}_{j}"), "transformations": chain}));
        }
    }
    rules.push(json!({"template": "{a} {b} {brand.name}", "lightspeed_field": "t"}));
    rules.push(json!({"lightspeed_field": "r", "rules": [
        {"when": {"any": [{"attribute": "a", "op": "gt", "value": 1}, {"attribute": "b", "op": "matches", "value": "^x"}]}, "value": 1},
        {"otherwise": true, "pim_attribute": "c"}
    ]}));
    compile(json!({"product_mappings": rules}))
}

proptest! {
    #[test]
    fn parse_number_reads_back_what_format_number_wrote(x in decimal(), decimals in 0u32..5, (dec, thou) in separators()) {
        let text = format_number(x, decimals, dec, thou, Rounding::HalfAwayFromZero);
        let locale = Locale { decimal_separator: dec.into(), thousands_separator: thou.into() };
        let back = parse_number(&text, &locale);
        let expected = x.round_dp_with_strategy(decimals, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        prop_assert_eq!(back, Some(expected), "{} -> {:?}", x, text);
    }

    #[test]
    fn truncate_never_exceeds_max_length_characters(text in ".{0,60}", max in 1usize..30, ellipsis in prop_oneof![Just(""), Just("…"), Just("...")]) {
        prop_assume!(ellipsis.chars().count() <= max);
        let out = truncate(&text, max, ellipsis);
        prop_assert!(out.chars().count() <= max);
        if text.chars().count() <= max {
            prop_assert_eq!(out, text);
        }
    }

    #[test]
    fn no_record_panics_the_engine(record in json_value()) {
        let mapping = everything();
        let _ = mapping.apply(&record);
        let _ = mapping.preview(&record);
    }

    #[test]
    fn no_string_panics_a_transformation(text in ".{0,40}") {
        let mapping = everything();
        for name in ["a", "b", "c", "x@nl"] {
            let _ = mapping.apply(&json!({ name: text.clone() }));
        }
    }
}
