//! The mapping contract (docs/mapping-contract.md), form by form: rules, transformations with their defaults, conditions, results,
//! errors with paths, channels, mapping sets, TOML, schemas.

use lightspeed_mapping::{JsonSchema, Mapping, Options, Value};
use serde_json::json;

use crate::{compile, map, through};

fn compile_errors(doc: serde_json::Value) -> Vec<(String, String)> {
    match Mapping::from_json(&doc.to_string(), &Options::default()) {
        Ok(_) => panic!("expected errors for {doc}"),
        Err(e) => e.errors.into_iter().map(|e| (e.path, e.message)).collect(),
    }
}

#[test]
fn rule_forms_match_set_transform_template_skip_empty() {
    let doc = compile(json!({"product_mappings": [
        {"pim_attribute": "name", "lightspeed_field": "title"},
        {"value": "visible", "lightspeed_field": "visibility"},
        {"value": 21, "lightspeed_field": "tax"},
        {"pim_attribute": "name", "lightspeed_field": "url", "transformation": {"type": "slugify"}},
        {"pim_attribute": "name", "lightspeed_field": "code", "transformations": [{"type": "uppercase"}, {"type": "replace", "parameters": {"find": " ", "with": "_"}}]},
        {"lightspeed_field": "data01", "skip": true},
        {"lightspeed_field": "data02", "empty": true},
        {"pim_attribute": "absent", "lightspeed_field": "data03"}
    ]}));
    assert_eq!(
        map(&doc, json!({"name": "Luxury Watch"})),
        json!({"title": "Luxury Watch", "visibility": "visible", "tax": 21, "url": "luxury-watch", "code": "LUXURY_WATCH", "data02": null})
    );
}

#[test]
fn null_is_missing_and_default_fills_it() {
    let doc = compile(json!({"product_mappings": [
        {"pim_attribute": "a", "lightspeed_field": "a"},
        {"pim_attribute": "b", "lightspeed_field": "b", "transformation": {"type": "default", "parameters": {"value": "none"}}},
        {"pim_attribute": "c", "lightspeed_field": "c", "transformation": {"type": "default", "parameters": {"value": 0}}}
    ]}));
    assert_eq!(
        map(&doc, json!({"a": null, "b": null, "c": ""})),
        json!({"b": "none", "c": 0})
    );
}

#[test]
fn required_missing_values_fail_the_record_with_the_rule_path() {
    let doc = compile(json!({"product_mappings": [
        {"pim_attribute": "sku", "lightspeed_field": "sku", "required": true},
        {"pim_attribute": "price", "lightspeed_field": "price", "transformations": [{"type": "trim"}, {"type": "parse_number", "parameters": {"decimal_separator": ","}}]}
    ]}));
    let errors = doc.apply(&json!({"price": "12,5,0"})).unwrap_err();
    assert_eq!(errors.len(), 2);
    assert_eq!(
        (errors[0].field.as_str(), errors[0].rule.as_str()),
        ("sku", "product_mappings[0]")
    );
    assert!(errors[0].message.contains("`sku`"), "{}", errors[0].message);
    assert_eq!(
        (errors[1].field.as_str(), errors[1].rule.as_str()),
        ("price", "product_mappings[1].transformations[1]")
    );
    assert_eq!(errors[1].message, "parse_number could not read \"12,5,0\"");
    assert_eq!(
        errors[1].to_string(),
        "price: parse_number could not read \"12,5,0\" (product_mappings[1].transformations[1])"
    );
}

#[test]
fn transformations_and_their_defaults() {
    let cases = [
        (
            json!({"type": "format_number"}),
            json!(1234.5),
            json!("1234.50"),
        ),
        (
            json!({"type": "format_number", "parameters": {"decimals": 2}}),
            json!(484.645),
            json!("484.65"),
        ),
        (
            json!({"type": "format_number", "parameters": {"decimals": 2, "rounding": "half_even"}}),
            json!(484.645),
            json!("484.64"),
        ),
        (
            json!({"type": "format_number", "parameters": {"decimals": 1, "decimal_separator": ",", "thousands_separator": "."}}),
            json!(1234567.25),
            json!("1.234.567,3"),
        ),
        (
            json!({"type": "round", "parameters": {"decimals": 1}}),
            json!(2.25),
            json!(2.3),
        ),
        (
            json!({"type": "round", "parameters": {"decimals": 0, "rounding": "down"}}),
            json!(2.9),
            json!(2),
        ),
        (
            json!({"type": "round", "parameters": {"decimals": 0, "rounding": "up"}}),
            json!(2.1),
            json!(3),
        ),
        (json!({"type": "parse_number"}), json!("12.5"), json!(12.5)),
        (
            json!({"type": "parse_number", "parameters": {"decimal_separator": ",", "thousands_separator": "."}}),
            json!("1.299,99"),
            json!(1299.99),
        ),
        (
            json!({"type": "convert_unit", "parameters": {"from": "g", "to": "kg"}}),
            json!(250),
            json!(0.25),
        ),
        (
            json!({"type": "convert_unit", "parameters": {"from": "cm", "to": "mm"}}),
            json!(12.5),
            json!(125),
        ),
        (
            json!({"type": "convert_unit", "parameters": {"from": "l", "to": "ml"}}),
            json!(1.5),
            json!(1500),
        ),
        (
            json!({"type": "convert_unit", "parameters": {"from": "lb", "to": "g"}}),
            json!(1),
            json!(453.59237),
        ),
        (
            json!({"type": "convert_unit", "parameters": {"from": "ft", "to": "in"}}),
            json!(1),
            json!(12),
        ),
        (
            json!({"type": "multiply", "parameters": {"by": 1.21}}),
            json!(10),
            json!(12.1),
        ),
        (
            json!({"type": "add", "parameters": {"value": -0.5}}),
            json!(10),
            json!(9.5),
        ),
        (
            json!({"type": "markup_percent", "parameters": {"percent": 25}}),
            json!(8),
            json!(10),
        ),
        (json!({"type": "trim"}), json!("  a b  "), json!("a b")),
        (json!({"type": "lowercase"}), json!("ÉCOLE"), json!("école")),
        (
            json!({"type": "uppercase"}),
            json!("straße"),
            json!("STRASSE"),
        ),
        (
            json!({"type": "title_case"}),
            json!("the LUXURY watch"),
            json!("The Luxury Watch"),
        ),
        (
            json!({"type": "sentence_case"}),
            json!("THE LUXURY WATCH"),
            json!("The luxury watch"),
        ),
        (
            json!({"type": "slugify"}),
            json!("Crème Brûlée & Co."),
            json!("creme-brulee-co"),
        ),
        (
            json!({"type": "strip_html"}),
            json!("<p>A&amp;B</p>  <br/>c"),
            json!("A&B c"),
        ),
        (
            json!({"type": "replace", "parameters": {"find": "-", "with": "/"}}),
            json!("a-b-c"),
            json!("a/b/c"),
        ),
        (
            json!({"type": "regex_replace", "parameters": {"pattern": "(\\d+)x(\\d+)", "with": "$1 × $2"}}),
            json!("10x20"),
            json!("10 × 20"),
        ),
        (
            json!({"type": "regex_extract", "parameters": {"pattern": "EAN:(\\d+)"}}),
            json!("code EAN:8712345 x"),
            json!("8712345"),
        ),
        (
            json!({"type": "regex_extract", "parameters": {"pattern": "(a)(b)", "group": 2}}),
            json!("ab"),
            json!("b"),
        ),
        (
            json!({"type": "truncate", "parameters": {"max_length": 5}}),
            json!("Crème brûlée"),
            json!("Crème"),
        ),
        (
            json!({"type": "truncate", "parameters": {"max_length": 6, "ellipsis": "..."}}),
            json!("abcdefgh"),
            json!("abc..."),
        ),
        (
            json!({"type": "truncate", "parameters": {"max_length": 8, "ellipsis": "..."}}),
            json!("abcdefgh"),
            json!("abcdefgh"),
        ),
        (
            json!({"type": "split", "parameters": {"separator": ","}}),
            json!("a,b"),
            json!(["a", "b"]),
        ),
        (
            json!({"type": "join", "parameters": {"separator": "|"}}),
            json!(["a", 1, "c"]),
            json!("a|1|c"),
        ),
        (json!({"type": "to_boolean"}), json!("Ja"), json!(true)),
        (json!({"type": "to_boolean"}), json!("nee"), json!(false)),
        (json!({"type": "to_boolean"}), json!(""), json!(false)),
        (
            json!({"type": "to_boolean", "parameters": {"true_values": ["on"], "false_values": ["off"]}}),
            json!("ON"),
            json!(true),
        ),
        (
            json!({"type": "format_date", "parameters": {"to": "%d-%m-%Y"}}),
            json!("2026-06-02T10:24:43+02:00"),
            json!("02-06-2026"),
        ),
        (
            json!({"type": "format_date", "parameters": {"from": "%d/%m/%Y", "to": "%Y-%m-%d"}}),
            json!("02/06/2026"),
            json!("2026-06-02"),
        ),
        (
            json!({"type": "lookup", "parameters": {"entries": {"Rood": "Red"}}}),
            json!("Rood"),
            json!("Red"),
        ),
        (
            json!({"type": "lookup", "parameters": {"entries": {"Rood": "Red"}}}),
            json!("Blauw"),
            json!("Blauw"),
        ),
        (
            json!({"type": "lookup", "parameters": {"entries": {"Rood": "Red"}, "no_match": {"use": "default", "value": "Other"}}}),
            json!("Blauw"),
            json!("Other"),
        ),
        (
            json!({"type": "lookup", "parameters": {"entries": {"1": "one"}}}),
            json!(1),
            json!("one"),
        ),
        ("strip_html".into(), json!("<i>x</i>"), json!("x")),
    ];
    for (transformation, input, expected) in cases {
        let out = through(transformation.clone(), input.clone())
            .unwrap_or_else(|e| panic!("{transformation} on {input}: {e}"));
        assert_eq!(out, expected, "{transformation} on {input}");
    }
}

#[test]
fn failing_transformations_name_the_value() {
    let cases = [
        (json!({"type": "to_boolean"}), json!("maybe"), "\"maybe\""),
        (
            json!({"type": "multiply", "parameters": {"by": 2}}),
            json!("abc"),
            "\"abc\"",
        ),
        (
            json!({"type": "lookup", "parameters": {"entries": {"a": 1}, "no_match": {"use": "error"}}}),
            json!("z"),
            "\"z\"",
        ),
        (
            json!({"type": "format_date", "parameters": {"to": "%Y"}}),
            json!("soon"),
            "\"soon\"",
        ),
    ];
    for (transformation, input, named) in cases {
        let err = through(transformation.clone(), input).unwrap_err();
        assert!(err.contains(named), "{transformation}: {err}");
    }
    // `skip` leaves the field out; regex_extract without a match is missing.
    let skip = through(
        json!({"type": "lookup", "parameters": {"entries": {"a": 1}, "no_match": {"use": "skip"}}}),
        json!("z"),
    );
    assert_eq!(skip.unwrap(), serde_json::Value::Null);
    let none = through(
        json!({"type": "regex_extract", "parameters": {"pattern": "(\\d+)"}}),
        json!("abc"),
    );
    assert_eq!(none.unwrap(), serde_json::Value::Null);
}

#[test]
fn conditions_compare_numbers_as_decimals_and_texts_as_texts() {
    let rule = |when: serde_json::Value| {
        compile(
            json!({"product_mappings": [{"lightspeed_field": "hit", "rules": [{"when": when, "value": true}]}]}),
        )
    };
    let holds = |when: serde_json::Value, record: serde_json::Value| {
        map(&rule(when), record).get("hit").is_some()
    };
    assert!(holds(
        json!({"attribute": "p", "op": "eq", "value": 10}),
        json!({"p": "10.00"})
    ));
    assert!(holds(
        json!({"attribute": "p", "op": "lt", "value": 10}),
        json!({"p": 9.99})
    ));
    assert!(holds(
        json!({"attribute": "p", "op": "lte", "value": 10}),
        json!({"p": 10})
    ));
    assert!(holds(
        json!({"attribute": "p", "op": "gte", "value": "b"}),
        json!({"p": "c"})
    ));
    assert!(holds(
        json!({"attribute": "p", "op": "ne", "value": "x"}),
        json!({"p": "y"})
    ));
    assert!(holds(
        json!({"attribute": "t", "op": "contains", "value": "watch"}),
        json!({"t": "a watch"})
    ));
    assert!(holds(
        json!({"attribute": "t", "op": "contains", "value": "red"}),
        json!({"t": ["blue", "red"]})
    ));
    assert!(holds(
        json!({"attribute": "t", "op": "starts_with", "value": "LW"}),
        json!({"t": "LW-1"})
    ));
    assert!(holds(
        json!({"attribute": "t", "op": "ends_with", "value": "-1"}),
        json!({"t": "LW-1"})
    ));
    assert!(holds(
        json!({"attribute": "t", "op": "in", "value": ["a", "b"]}),
        json!({"t": "b"})
    ));
    assert!(holds(
        json!({"attribute": "t", "op": "not_in", "value": ["a", "b"]}),
        json!({"t": "c"})
    ));
    assert!(holds(
        json!({"attribute": "t", "op": "matches", "value": "^\\d{3}$"}),
        json!({"t": "123"})
    ));
    assert!(holds(
        json!({"attribute": "t", "op": "is_empty"}),
        json!({})
    ));
    assert!(holds(
        json!({"attribute": "t", "op": "is_not_empty"}),
        json!({"t": "x"})
    ));
    assert!(holds(
        json!({"all": [{"attribute": "a", "op": "eq", "value": 1}, {"not": {"attribute": "b", "op": "eq", "value": 1}}]}),
        json!({"a": 1, "b": 2})
    ));
    assert!(holds(
        json!({"any": [{"attribute": "a", "op": "eq", "value": 2}, {"attribute": "b", "op": "eq", "value": 2}]}),
        json!({"a": 1, "b": 2})
    ));
    assert!(!holds(
        json!({"attribute": "p", "op": "gt", "value": 0}),
        json!({})
    ));
}

#[test]
fn smart_rules_give_values_attributes_or_templates_with_their_own_chains() {
    let doc = compile(
        json!({"product_mappings": [{"lightspeed_field": "label", "rules": [
            {"when": {"attribute": "kind", "op": "eq", "value": "watch"}, "template": "{brand} watch", "transformation": {"type": "uppercase"}},
            {"when": {"attribute": "kind", "op": "eq", "value": "strap"}, "pim_attribute": "name"},
            {"otherwise": true, "value": "Other"}
        ]}]}),
    );
    assert_eq!(
        map(&doc, json!({"kind": "watch", "brand": "Casio"})),
        json!({"label": "CASIO WATCH"})
    );
    assert_eq!(
        map(&doc, json!({"kind": "strap", "name": "Leather"})),
        json!({"label": "Leather"})
    );
    assert_eq!(map(&doc, json!({"kind": "box"})), json!({"label": "Other"}));
    // No rule holds and there is no `otherwise`: missing.
    let doc = compile(
        json!({"product_mappings": [{"lightspeed_field": "x", "rules": [{"when": {"attribute": "a", "op": "eq", "value": 1}, "value": "one"}]}]}),
    );
    assert_eq!(map(&doc, json!({"a": 2})), json!({}));
}

#[test]
fn mapping_sets_and_their_no_match_policies() {
    let doc = compile(json!({
        "mapping_sets": {
            "colors": {"entries": {"Rood": "Red", "Zwart": "Black"}, "no_match": {"use": "default", "value": "Other"}},
            "sizes": {"entries": {"S": "Small"}, "no_match": {"use": "skip"}},
            "strict": {"entries": {"A": "a"}, "no_match": {"use": "error"}},
            "keep": {"entries": {"A": "a"}}
        },
        "product_mappings": [
            {"pim_attribute": "c", "lightspeed_field": "color", "transformation": {"type": "lookup", "parameters": {"set": "colors"}}},
            {"pim_attribute": "s", "lightspeed_field": "size", "transformation": {"type": "lookup", "parameters": {"set": "sizes"}}},
            {"pim_attribute": "k", "lightspeed_field": "keep", "transformation": {"type": "lookup", "parameters": {"set": "keep"}}},
            {"pim_attribute": "x", "lightspeed_field": "strict", "transformation": {"type": "lookup", "parameters": {"set": "strict"}}}
        ]
    }));
    assert_eq!(
        map(&doc, json!({"c": "Rood", "s": "S", "k": "B", "x": "A"})),
        json!({"color": "Red", "size": "Small", "keep": "B", "strict": "a"})
    );
    assert_eq!(
        map(&doc, json!({"c": "Blauw", "s": "XL", "x": "A"})),
        json!({"color": "Other", "strict": "a"})
    );
    let errors = doc.apply(&json!({"x": "B"})).unwrap_err();
    assert_eq!(errors[0].rule, "product_mappings[3].transformation");
}

#[test]
fn channels_replace_rules_of_the_same_field_when_chosen() {
    let doc = json!({
        "product_mappings": [
            {"pim_attribute": "name", "lightspeed_field": "title"},
            {"pim_attribute": "description", "lightspeed_field": "description"}
        ],
        "channels": {"lightspeed": {"product_mappings": [
            {"pim_attribute": "short_description", "lightspeed_field": "description"},
            {"value": "yes", "lightspeed_field": "data01"}
        ]}}
    });
    let record = json!({"name": "N", "description": "long", "short_description": "short"});
    let plain = Mapping::from_json(&doc.to_string(), &Options::default()).unwrap();
    assert_eq!(
        map(&plain, record.clone()),
        json!({"title": "N", "description": "long"})
    );
    let channel = Mapping::from_json(
        &doc.to_string(),
        &Options {
            channel: Some("lightspeed"),
            schema: None,
        },
    )
    .unwrap();
    assert_eq!(
        map(&channel, record),
        json!({"title": "N", "description": "short", "data01": "yes"})
    );
    let unknown = Mapping::from_json(
        &doc.to_string(),
        &Options {
            channel: Some("amazon"),
            schema: None,
        },
    )
    .unwrap_err();
    assert!(unknown.has_path("channels.amazon"), "{unknown}");
}

#[test]
fn compile_errors_name_the_path_of_every_problem() {
    let errors = compile_errors(json!({
        "key": "sku",
        "mapping_sets": {"colors": {"entries": {"a": "b"}, "no_match": {"use": "sometimes"}}},
        "product_mappings": [
            {"pim_attribute": "a", "lightspeed_field": "a"},
            {"pim_attribute": "a", "lightspeed_field": "b", "transformations": [{"type": "trim"}, {"type": "reverse"}]},
            {"pim_attribute": "a", "lightspeed_field": "c", "transformation": {"type": "lookup", "parameters": {"set": "sizes"}}},
            {"pim_attribute": "a", "lightspeed_field": "d", "transfomation": {"type": "trim"}},
            {"pim_attribute": "a", "lightspeed_field": "e", "transformation": {"type": "convert_unit", "parameters": {"from": "kg", "to": "ml"}}},
            {"pim_attribute": "a", "lightspeed_field": "f", "transformation": {"type": "regex_extract", "parameters": {"pattern": "[unclosed"}}},
            {"pim_attribute": "a", "lightspeed_field": "g", "transformation": {"type": "truncate"}},
            {"pim_attribute": "a", "lightspeed_field": "h", "transformation": {"type": "round", "parameters": {"decimals": 2, "precision": 3}}},
            {"lightspeed_field": "i", "rules": [{"when": {"attribute": "a", "op": "like", "value": 1}, "value": 1}]},
            {"pim_attribute": "a"}
        ],
        "media_mapping": []
    }));
    let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
    for expected in [
        "mapping_sets.colors.no_match.use",
        "product_mappings[1].transformations[1]",
        "product_mappings[2].transformation.parameters.set",
        "product_mappings[3].transfomation",
        "product_mappings[4].transformation.parameters.to",
        "product_mappings[5].transformation.parameters.pattern",
        "product_mappings[6].transformation.parameters.max_length",
        "product_mappings[7].transformation.parameters.precision",
        "product_mappings[8].rules[0].when.op",
        "product_mappings[9].lightspeed_field",
        "media_mapping",
    ] {
        assert!(
            paths.contains(&expected),
            "no error at {expected}; got {errors:#?}"
        );
    }
    let reverse = errors
        .iter()
        .find(|(p, _)| p == "product_mappings[1].transformations[1]")
        .unwrap();
    assert!(reverse.1.contains("`reverse`"), "{}", reverse.1);
}

#[test]
fn syntax_errors_give_line_and_column_for_json_and_toml() {
    let e = Mapping::from_json("{\n  \"product_mappings\": [\n    { \"pim_attribute\": \"a\" \"lightspeed_field\": \"b\" }\n  ]\n}", &Options::default()).unwrap_err();
    assert_eq!(
        (e.errors[0].line, e.errors[0].column.is_some()),
        (Some(3), true)
    );
    assert!(e.to_string().contains("line 3"), "{e}");
    let e = Mapping::from_toml(
        "[[product_mappings]]\npim_attribute = \"a\"\nlightspeed_field = \n",
        &Options::default(),
    )
    .unwrap_err();
    assert_eq!(e.errors[0].line, Some(3), "{e}");
}

#[test]
fn toml_documents_are_the_same_structure() {
    let toml = r#"
key = "sku"
[source_locale]
decimal_separator = ","

[[product_mappings]]
pim_attribute = "price"
lightspeed_field = "price"
transformations = [ { type = "parse_number" }, { type = "format_number", parameters = { decimals = 2 } } ]

[[product_mappings]]
lightspeed_field = "visibility"
rules = [
  { when = { attribute = "stock", op = "gt", value = 0 }, value = "visible" },
  { otherwise = true, value = "hidden" },
]
"#;
    let doc = Mapping::from_toml(toml, &Options::default()).unwrap();
    assert_eq!(
        map(&doc, json!({"price": "3,5", "stock": 1})),
        json!({"price": "3.50", "visibility": "visible"})
    );
}

#[test]
fn the_guides_own_document_is_accepted_as_it_stands() {
    let doc = compile(json!({
        "product_mappings": [
            {"pim_attribute": "product_name", "lightspeed_field": "title"},
            {"pim_attribute": "long_description", "lightspeed_field": "content", "transformation": {"type": "strip_html"}},
            {"pim_attribute": "price", "lightspeed_field": "price", "transformation": {"type": "format_number", "parameters": {"decimals": 2}}}
        ],
        "media_mappings": [{"pim_attribute": "main_image", "lightspeed_field": "images[0].src"}]
    }));
    assert_eq!(
        map(
            &doc,
            json!({"product_name": "T", "long_description": "<p>x</p>", "price": 5, "main_image": "u"})
        ),
        json!({"title": "T", "content": "x", "price": "5.00", "images": [{"src": "u"}]})
    );
}

#[test]
fn schemas_check_fields_when_compiling_and_values_when_mapping() {
    let schema = JsonSchema::from_json(
        &json!({"name": "ecom.product", "fields": {
            "title": {"type": "text", "required": true, "max_length": 10},
            "visibility": {"type": "text", "allowed": ["hidden", "visible", "auto"]},
            "price": {"type": "number"},
            "images[].src": {"type": "text"}
        }})
        .to_string(),
    )
    .unwrap();
    let options = Options {
        channel: None,
        schema: Some(&schema),
    };
    let bad = json!({"product_mappings": [{"pim_attribute": "a", "lightspeed_field": "titel"}]});
    let e = Mapping::from_json(&bad.to_string(), &options).unwrap_err();
    assert!(e.has_path("product_mappings[0].lightspeed_field"), "{e}");
    assert!(
        e.to_string()
            .contains("`titel` is not a field of ecom.product"),
        "{e}"
    );

    let doc = json!({"product_mappings": [
        {"pim_attribute": "t", "lightspeed_field": "title"},
        {"pim_attribute": "v", "lightspeed_field": "visibility"},
        {"pim_attribute": "p", "lightspeed_field": "price"},
        {"pim_attribute": "i", "lightspeed_field": "images[0].src"}
    ]});
    let mapping = Mapping::from_json(&doc.to_string(), &options).unwrap();
    assert!(
        mapping
            .apply(&json!({"t": "Watch", "v": "auto", "p": 5, "i": "u"}))
            .is_ok()
    );
    let errors = mapping
        .apply(&json!({"t": "A very long title", "v": "sometimes", "p": "cheap"}))
        .unwrap_err();
    let messages: Vec<_> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    assert_eq!(errors.len(), 3, "{messages:?}");
    assert!(
        messages[0].contains("more than the 10 allowed"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("not one of hidden, visible, auto"),
        "{messages:?}"
    );
    assert!(messages[2].contains("\"cheap\""), "{messages:?}");
    let missing = mapping.apply(&json!({"v": "auto"})).unwrap_err();
    assert_eq!(missing[0].field, "title");
}

#[test]
fn one_bad_record_never_affects_another_and_mappings_are_shared_across_threads() {
    let doc = compile(json!({"key": "sku", "product_mappings": [
        {"pim_attribute": "price", "lightspeed_field": "price", "transformation": {"type": "parse_number"}}
    ]}));
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    assert_send_sync(&doc);
    let doc = std::sync::Arc::new(doc);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let doc = doc.clone();
            std::thread::spawn(move || {
                (0..500)
                    .map(|i| {
                        let price = if i % 7 == 0 {
                            json!("bad")
                        } else {
                            json!(format!("{t}.{i}"))
                        };
                        doc.apply(&json!({"sku": format!("S{t}-{i}"), "price": price}))
                            .is_ok()
                    })
                    .filter(|ok| *ok)
                    .count()
            })
        })
        .collect();
    let ok: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(ok, 4 * (500 - 72));
    let mapped = doc.apply(&json!({"sku": 17, "price": "1"})).unwrap();
    assert_eq!(mapped.key, Value::Number(17.into()));
}
