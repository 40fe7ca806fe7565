//! Mapping NDJSON streams, as the `map` example does (`docs/mapping-contract.md` §6): one JSON line per record,
//! in order, `{"key": ..., "fields": {...}}` or `{"key": ..., "errors": [...]}`.

use std::io::{self, BufRead, Write};

use serde::Serialize;

use crate::error::RecordError;
use crate::mapping::{Mapping, Nested};
use crate::value::Value;

#[derive(Serialize)]
struct Fields<'a> {
    key: &'a Value,
    fields: Nested,
}

#[derive(Serialize)]
struct Errors<'a> {
    key: &'a Value,
    errors: &'a [RecordError],
}

/// What a stream held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Records mapped.
    pub mapped: usize,
    /// Records with errors (including lines that are not JSON records).
    pub failed: usize,
}

/// Maps every record of `input` (NDJSON; blank lines are skipped) to a line of `output`. A line
/// that is not JSON gives an error line naming its line number, and the stream goes on.
pub fn map_lines<R: BufRead, W: Write>(
    mapping: &Mapping,
    mut input: R,
    output: W,
) -> io::Result<Counts> {
    let mut out = io::BufWriter::with_capacity(1 << 16, output);
    let mut line = String::new();
    let mut number = 0usize;
    let mut counts = Counts::default();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            break;
        }
        number += 1;
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(record) => match mapping.apply(&record) {
                Ok(mapped) => {
                    counts.mapped += 1;
                    let line = Fields {
                        key: &mapped.key,
                        fields: mapped.nested(),
                    };
                    serde_json::to_writer(&mut out, &line)?;
                }
                Err(errors) => {
                    counts.failed += 1;
                    let key = mapping.key_of(&record);
                    serde_json::to_writer(
                        &mut out,
                        &Errors {
                            key: &key,
                            errors: &errors,
                        },
                    )?;
                }
            },
            Err(e) => {
                counts.failed += 1;
                let errors = [RecordError {
                    field: String::new(),
                    rule: ".".into(),
                    message: format!("line {number} is not a JSON record: {e}"),
                }];
                serde_json::to_writer(
                    &mut out,
                    &Errors {
                        key: &Value::Missing,
                        errors: &errors,
                    },
                )?;
            }
        }
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(counts)
}
