//! Arbitrary bytes read as an NDJSON source: every line is a record or a problem naming a line
//! of the input; never a panic, never the whole source refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lightspeed_fuzz::check_lines;
use lightspeed_sync::source::{FileFormat, parse_bytes};

fuzz_target!(|data: &[u8]| {
    let batch = parse_bytes("pim.ndjson", FileFormat::Ndjson, data.to_vec())
        .expect("an NDJSON source is read line by line, never refused whole");
    check_lines("pim.ndjson", data, &batch);
    // Each non-blank line that is a JSON object is a record.
    let objects = data
        .split(|b| *b == b'\n')
        .filter(|line| {
            serde_json::from_slice::<serde_json::Value>(line).is_ok_and(|v| v.is_object())
        })
        .count();
    assert!(
        batch.records.len() <= objects + 1,
        "more records than object lines"
    );
});
