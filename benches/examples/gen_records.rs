//! Writes N benchmark records as NDJSON to standard output (default 100,000):
//! `cargo run --release -p lightspeed-benches --example gen_records -- 100000 > records.ndjson`.

use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let count = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let mut out = BufWriter::new(std::io::stdout().lock());
    for record in lightspeed_benches::records(count) {
        serde_json::to_writer(&mut out, &record)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}
