//! Arbitrary bytes read as a CSV source: every row is a record or a problem naming a line of
//! the input; never a panic, never the whole source refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lightspeed_fuzz::check_lines;
use lightspeed_sync::source::{FileFormat, parse_bytes};

fuzz_target!(|data: &[u8]| {
    let batch = parse_bytes("pim.csv", FileFormat::Csv, data.to_vec())
        .expect("a CSV source is read row by row, never refused whole");
    check_lines("pim.csv", data, &batch);
});
