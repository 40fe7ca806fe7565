//! The repository's mappings, compiled once, applied to arbitrary records: each record gives a
//! mapped record or its errors, never a panic. An input that is JSON is the record; any other
//! input builds one from the mappings' own words (attribute names, separators, values) and
//! arbitrary strings and numbers.
#![no_main]

use std::sync::LazyLock;

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use lightspeed_fuzz::check_outcome;
use lightspeed_mapping::{Mapping, Options};
use serde_json::{Map, Value as Json};

const DOCUMENTS: &[&str] = &[
    include_str!("../../examples/mappings/ecom.json"),
    include_str!("../../examples/mappings/xseries-primary.json"),
    include_str!("../../examples/mappings/chaos.json"),
    include_str!("../../benches/data/guide-mapping.json"),
    include_str!("../../benches/data/realistic-mapping.json"),
];

static MAPPINGS: LazyLock<Vec<Mapping>> = LazyLock::new(|| {
    let mut mappings: Vec<Mapping> = DOCUMENTS
        .iter()
        .map(|d| Mapping::from_json(d, &Options::default()).expect("a repository mapping compiles"))
        .collect();
    // The sync compiles the eCom mapping against the eCom product schema.
    mappings.push(
        mappings[0]
            .with_schema(&lightspeed_ecom::schema::ProductSchema)
            .expect("the eCom mapping compiles with the eCom schema"),
    );
    mappings
});

/// Every string of the documents: attribute names, fields, separators, constants.
static WORDS: LazyLock<Vec<String>> = LazyLock::new(|| {
    fn walk(value: &Json, out: &mut Vec<String>) {
        match value {
            Json::String(s) => out.push(s.clone()),
            Json::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Json::Object(map) => map.iter().for_each(|(k, v)| {
                out.push(k.clone());
                walk(v, out);
            }),
            _ => {}
        }
    }
    let mut words = Vec::new();
    for d in DOCUMENTS {
        walk(&serde_json::from_str(d).unwrap(), &mut words);
    }
    words.sort();
    words.dedup();
    words
});

fn word(u: &mut Unstructured) -> Result<String> {
    Ok(if u.ratio(3, 4)? {
        u.choose(&WORDS)?.clone()
    } else {
        u.arbitrary()?
    })
}

/// Text that looks like a number more often than arbitrary text does.
fn numberish(u: &mut Unstructured) -> Result<String> {
    const PARTS: &[&str] = &[
        "0", "1", "9", "12", "999", "1e308", "-", "+", ",", ".", " ", "e", "E", "%", "€", "kg",
        "NaN", "inf", "00",
    ];
    let n = u.int_in_range(1..=8)?;
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(u.choose(PARTS)?);
    }
    Ok(s)
}

fn value(u: &mut Unstructured, depth: u32) -> Result<Json> {
    let max = if depth >= 3 { 6 } else { 8 };
    Ok(match u.int_in_range(0..=max)? {
        0 => Json::Null,
        1 => Json::Bool(u.arbitrary()?),
        2 => Json::from(u.arbitrary::<i64>()?),
        3 => serde_json::Number::from_f64(u.arbitrary()?).map_or(Json::Null, Json::Number),
        4 => Json::String(numberish(u)?),
        5 => Json::String(word(u)?),
        6 => Json::String(u.arbitrary()?),
        7 => {
            let n = u.int_in_range(0..=4)?;
            Json::Array((0..n).map(|_| value(u, depth + 1)).collect::<Result<_>>()?)
        }
        _ => Json::Object(object(u, depth + 1)?),
    })
}

fn object(u: &mut Unstructured, depth: u32) -> Result<Map<String, Json>> {
    let n = u.int_in_range(0..=12)?;
    let mut map = Map::new();
    for _ in 0..n {
        map.insert(word(u)?, value(u, depth)?);
    }
    Ok(map)
}

fuzz_target!(|data: &[u8]| {
    let record = match serde_json::from_slice::<Json>(data) {
        Ok(record) => record,
        Err(_) => match object(&mut Unstructured::new(data), 0) {
            Ok(map) => Json::Object(map),
            Err(_) => return,
        },
    };
    for mapping in MAPPINGS.iter() {
        check_outcome(&mapping.apply(&record));
        let _ = mapping.preview(&record);
        let _ = mapping.key_of(&record);
    }
});
