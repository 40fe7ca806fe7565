//! Maps the benchmark records in a loop, for profilers and instruction counts
//! (`perf stat -e instructions:u target/release/examples/apply_loop realistic`), which stay
//! stable on a noisy machine where times do not.

use std::path::PathBuf;

use lightspeed_mapping::{Document, Options};

fn main() {
    let which = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "realistic".into());
    let file = format!("{which}-mapping.json");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(file);
    let mapping = Document::load(&path)
        .unwrap()
        .compile(&Options::default())
        .unwrap();
    let records = lightspeed_benches::records(1_000);
    let mut ok = 0usize;
    for _ in 0..100 {
        for record in &records {
            ok += usize::from(mapping.apply(record).is_ok());
        }
    }
    println!("{ok} records mapped");
}
