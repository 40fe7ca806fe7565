//! Maps NDJSON records from standard input with a mapping document (`docs/mapping-contract.md` §6).
//!
//! ```text
//! cargo run -q -p lightspeed-mapping --example map -- MAPPING_FILE [--channel NAME] < records.ndjson
//! ```
//!
//! Writes one JSON line per record, in order: `{"key": ..., "fields": {...}}` or
//! `{"key": ..., "errors": [{"field", "rule", "message"}]}`. Numbers are JSON numbers, texts
//! strings, `empty` fields `null`, missing fields left out. Exits 0 once the mapping compiled,
//! whatever the records gave; non-zero, naming the offending path, when the document is invalid.

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use lightspeed_mapping::{Document, Mapping, Options};

fn usage() -> ExitCode {
    eprintln!("usage: map MAPPING_FILE [--channel NAME] < records.ndjson");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut file: Option<PathBuf> = None;
    let mut channel: Option<String> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--channel" => match args.next() {
                Some(name) => channel = Some(name),
                None => return usage(),
            },
            "-h" | "--help" => {
                usage();
                return ExitCode::SUCCESS;
            }
            other if file.is_none() && !other.starts_with("--") => {
                file = Some(PathBuf::from(other))
            }
            _ => return usage(),
        }
    }
    let Some(file) = file else { return usage() };
    let options = Options {
        channel: channel.as_deref(),
        schema: None,
    };
    let mapping = match Document::load(&file).and_then(|doc| doc.compile(&options)) {
        Ok(mapping) => mapping,
        Err(errors) => {
            eprintln!("{}: {errors}", file.display());
            return ExitCode::FAILURE;
        }
    };
    match run(&mapping) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(mapping: &Mapping) -> io::Result<()> {
    let stdin = io::stdin().lock();
    let reader = io::BufReader::with_capacity(1 << 16, stdin);
    lightspeed_mapping::ndjson::map_lines(mapping, reader, io::stdout().lock()).map(drop)
}
