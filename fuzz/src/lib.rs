//! Helpers shared by the fuzz targets: the input layouts and the invariants they check.

use lightspeed_mapping::{CompileErrors, Mapping, Outcome};
use lightspeed_sync::source::SourceBatch;
use serde_json::Value as Json;

/// The number of lines of `bytes` (a text without a final newline still has its last line).
pub fn line_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count() + 1
}

/// A webhook input: `name: value` header lines, an empty line, then the body (as an HTTP
/// request reads). An input without an empty line is all body.
pub fn split_call(data: &[u8]) -> (Vec<(&[u8], &[u8])>, &[u8]) {
    let Some(end) = data.windows(2).position(|w| w == b"\n\n") else {
        return (Vec::new(), data);
    };
    let headers = data[..end]
        .split(|b| *b == b'\n')
        .filter_map(|line| {
            let colon = line.iter().position(|b| *b == b':')?;
            Some((trim(&line[..colon]), trim(&line[colon + 1..])))
        })
        .collect();
    (headers, &data[end + 2..])
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace());
    match (start, end) {
        (Some(s), Some(e)) => &bytes[s..=e],
        _ => &[],
    }
}

/// A compiled document, or errors that each say where: at least one error, a path, and a line
/// (when given) inside the text.
pub fn check_compiled(text: &str, result: &Result<Mapping, CompileErrors>) {
    match result {
        Ok(mapping) => {
            // A mapping that compiles maps an empty record and its key without panicking.
            check_outcome(&mapping.apply(&Json::Object(Default::default())));
            let key = mapping.key_attribute().to_owned();
            let record = serde_json::json!({ key: "K-1" });
            check_outcome(&mapping.apply(&record));
            let _ = mapping.preview(&record);
        }
        Err(errors) => {
            assert!(
                !errors.errors.is_empty(),
                "a compile failure without an error"
            );
            let lines = line_count(text.as_bytes());
            for error in &errors.errors {
                assert!(!error.path.is_empty(), "an error without a path: {error:?}");
                if let Some(line) = error.line {
                    assert!(
                        (1..=lines).contains(&line),
                        "line {line} outside a text of {lines} lines: {error:?}"
                    );
                }
            }
            let _ = errors.to_string();
        }
    }
}

/// A mapped record encodes; a failed one has at least one error, each naming its rule.
pub fn check_outcome(outcome: &Outcome) {
    match outcome {
        Ok(mapped) => {
            let nested = mapped.nested();
            let _ = nested.to_json();
            serde_json::to_string(&nested).expect("a mapped record encodes as JSON");
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "a failed record without an error");
            for error in errors {
                assert!(
                    !error.rule.is_empty(),
                    "an error without its rule: {error:?}"
                );
                let _ = error.to_string();
            }
        }
    }
}

/// Every record and problem of a line-based source is at `name:N` with N a line of the input;
/// records are objects, and no two records share a location.
pub fn check_lines(name: &str, input: &[u8], batch: &SourceBatch) {
    let lines = line_count(input);
    let line_of = |location: &str| -> usize {
        let n = location
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(':'))
            .unwrap_or_else(|| panic!("location `{location}` is not `{name}:LINE`"));
        let n: usize = n
            .parse()
            .unwrap_or_else(|_| panic!("location `{location}` has no line number"));
        assert!(
            (1..=lines).contains(&n),
            "location `{location}` outside an input of {lines} lines"
        );
        n
    };
    let mut seen = std::collections::BTreeSet::new();
    for record in &batch.records {
        assert!(record.data.is_object(), "a record that is not an object");
        assert!(
            seen.insert(line_of(&record.location)),
            "two records at {}",
            record.location
        );
    }
    for problem in &batch.problems {
        line_of(&problem.location);
        assert!(!problem.message.is_empty(), "a problem without a message");
    }
}
