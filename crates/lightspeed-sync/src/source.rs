//! Where records come from: the [`RecordSource`] trait, PIM export files (CSV, JSON arrays,
//! NDJSON) and an in-memory source.
//!
//! A source answers every record it could read with its location (`pim.csv:12`) and every
//! place it could not read with the reason; one bad row never hides the others.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};

/// One source record: a JSON object, and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    /// `file:line`, or the source's own notion of a place.
    pub location: String,
    /// The record (attribute names as keys).
    pub data: Json,
}

/// A place a source could not read.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SourceProblem {
    /// `file:line`.
    pub location: String,
    /// Why.
    pub message: String,
}

/// What a source read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceBatch {
    /// The records, in source order.
    pub records: Vec<SourceRecord>,
    /// The places that could not be read.
    pub problems: Vec<SourceProblem>,
}

/// Where records come from. Implement it to plug in any PIM or back office:
///
/// ```
/// use async_trait::async_trait;
/// use lightspeed_sync::source::{RecordSource, SourceBatch, SourceRecord};
///
/// struct Pim;
///
/// #[async_trait]
/// impl RecordSource for Pim {
///     fn name(&self) -> &str { "pim" }
///     async fn read(&self) -> lightspeed_sync::Result<SourceBatch> {
///         let data = serde_json::json!({"sku": "LW-001", "name": "Luxury Wallet"});
///         Ok(SourceBatch {
///             records: vec![SourceRecord { location: "pim:LW-001".into(), data }],
///             problems: vec![],
///         })
///     }
/// }
/// ```
#[async_trait]
pub trait RecordSource: Send + Sync {
    /// A name for reports (`examples/data/pim-catalog.csv`).
    fn name(&self) -> &str;

    /// Whether a read returns the whole catalog (so that missing items may be archived), or
    /// only changes.
    fn is_full_snapshot(&self) -> bool {
        true
    }

    /// Reads every record.
    async fn read(&self) -> Result<SourceBatch>;
}

/// Records held in memory (tests, or records built by other code).
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    name: String,
    records: Vec<Json>,
    full: bool,
}

impl MemorySource {
    /// A full-snapshot source of these records.
    pub fn new(name: impl Into<String>, records: Vec<Json>) -> Self {
        MemorySource {
            name: name.into(),
            records,
            full: true,
        }
    }

    /// Marks the records as changes only (missing items are not archived).
    pub fn partial(mut self) -> Self {
        self.full = false;
        self
    }
}

#[async_trait]
impl RecordSource for MemorySource {
    fn name(&self) -> &str {
        &self.name
    }

    fn is_full_snapshot(&self) -> bool {
        self.full
    }

    async fn read(&self) -> Result<SourceBatch> {
        let mut batch = SourceBatch::default();
        for (i, record) in self.records.iter().enumerate() {
            let location = format!("{}[{i}]", self.name);
            if record.is_object() {
                batch.records.push(SourceRecord {
                    location,
                    data: record.clone(),
                });
            } else {
                batch.problems.push(SourceProblem {
                    location,
                    message: "a record must be a JSON object".into(),
                });
            }
        }
        Ok(batch)
    }
}

/// The formats of [`FileSource`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma- or semicolon-separated values with a header row of attribute names.
    Csv,
    /// A JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl FileFormat {
    /// The format a file name suggests (`.csv`, `.json`, `.ndjson` / `.jsonl`).
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" | "txt" => Some(FileFormat::Csv),
            "json" => Some(FileFormat::Json),
            "ndjson" | "jsonl" => Some(FileFormat::Ndjson),
            _ => None,
        }
    }
}

/// A PIM export file.
///
/// - CSV: the header row names the attributes; `;` or `,` separated (whichever the header uses
///   more), UTF-8 with or without a byte-order mark, quoted fields may span lines. Empty cells
///   are missing values. A row with the wrong number of cells is reported with its line
///   number and skipped.
/// - JSON: an array of objects; an element that is not an object is reported by index.
/// - NDJSON: one object per line; a line that does not parse is reported by line number.
#[derive(Debug, Clone)]
pub struct FileSource {
    path: PathBuf,
    name: String,
    format: FileFormat,
}

impl FileSource {
    /// A file whose format follows from its extension.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let format = FileFormat::from_path(&path).ok_or_else(|| {
            Error::source_error(
                path.display().to_string(),
                "unknown format: use .csv, .json, .ndjson or .jsonl, or FileSource::with_format",
                None,
            )
        })?;
        Ok(Self::with_format(path, format))
    }

    /// A file in a given format.
    pub fn with_format(path: impl Into<PathBuf>, format: FileFormat) -> Self {
        let path = path.into();
        let name = path.display().to_string();
        FileSource { path, name, format }
    }
}

#[async_trait]
impl RecordSource for FileSource {
    fn name(&self) -> &str {
        &self.name
    }

    async fn read(&self) -> Result<SourceBatch> {
        let bytes = std::fs::read(&self.path)
            .map_err(|e| Error::source_error(&self.name, "cannot be read", Some(Box::new(e))))?;
        parse_bytes(&self.name, self.format, bytes)
    }
}

/// Records a command writes to its standard output (a PIM's export script), in CSV, JSON or
/// NDJSON, read as [`FileSource`] reads a file. The command runs at every read, without a
/// shell (the program and its arguments are given apart), with no standard input. A command
/// that cannot be started, or that exits with an error, fails the read with its status and
/// the end of its standard error.
#[derive(Debug, Clone)]
pub struct CommandSource {
    command: Vec<String>,
    dir: Option<PathBuf>,
    format: FileFormat,
    name: String,
}

impl CommandSource {
    /// `command` (the program, then its arguments) whose output is in `format`.
    pub fn new(command: Vec<String>, format: FileFormat) -> Result<Self> {
        if command.first().is_none_or(|p| p.trim().is_empty()) {
            return Err(Error::source_error(
                "command",
                "no program to run (give the program, then its arguments)",
                None,
            ));
        }
        let name = command.join(" ");
        Ok(CommandSource {
            command,
            dir: None,
            format,
            name,
        })
    }

    /// Runs the command in `dir` (default: the working directory).
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// Runs the command and answers its standard output.
    pub async fn output(&self) -> Result<Vec<u8>> {
        let mut command = std::process::Command::new(&self.command[0]);
        command
            .args(&self.command[1..])
            .stdin(std::process::Stdio::null());
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        let name = self.name.clone();
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .map_err(|e| {
                Error::source_error(&name, "the command's task failed", Some(Box::new(e)))
            })?
            .map_err(|e| Error::source_error(&name, "cannot be started", Some(Box::new(e))))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.trim().lines().rev().take(3).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(Error::source_error(
                &self.name,
                format!("exited with {}: {}", output.status, tail.join(" | ")),
                None,
            ));
        }
        Ok(output.stdout)
    }
}

#[async_trait]
impl RecordSource for CommandSource {
    fn name(&self) -> &str {
        &self.name
    }

    async fn read(&self) -> Result<SourceBatch> {
        parse_bytes(&self.name, self.format, self.output().await?)
    }
}

/// Reads the bytes of a file in `format`, as [`FileSource`] does (locations are
/// `name:line`, or `name[index]` for JSON): for a source that is not a file (a download, a
/// pipe). Only a JSON document that cannot be read is refused whole; CSV and NDJSON answer
/// every row as a record or a problem naming its line.
pub fn parse_bytes(name: &str, format: FileFormat, bytes: Vec<u8>) -> Result<SourceBatch> {
    let (text, mut bad_lines) = match String::from_utf8(bytes) {
        Ok(text) => (text, Vec::new()),
        // JSON is one document: its bad byte is named, and the source refused.
        Err(e) if format == FileFormat::Json => {
            let (line, column) = line_of(e.as_bytes(), e.utf8_error().valid_up_to());
            return Err(Error::source_error(
                name,
                format!("not UTF-8 at line {line}, column {column}"),
                Some(Box::new(e)),
            ));
        }
        // Rows are lines: a line with a bad byte is reported, the others are kept.
        Err(e) => utf8_lines(name, e.as_bytes()),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut batch = match format {
        FileFormat::Csv => parse_csv(name, text),
        FileFormat::Json => parse_json(name, text)?,
        FileFormat::Ndjson => parse_ndjson(name, text),
    };
    batch.problems.append(&mut bad_lines);
    batch.problems.sort_by_key(|p| line_number(&p.location));
    Ok(batch)
}

/// The line and column (1-based, in bytes) of byte `offset`.
fn line_of(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, column)
}

/// The line number of a `file:line` location (0 for others), to keep problems in file order.
fn line_number(location: &str) -> usize {
    location
        .rsplit_once(':')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}

/// Text with every line that is not UTF-8 emptied (so later lines keep their numbers), and a
/// problem for each.
fn utf8_lines(name: &str, bytes: &[u8]) -> (String, Vec<SourceProblem>) {
    let mut text = String::with_capacity(bytes.len());
    let mut problems = Vec::new();
    for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if n > 0 {
            text.push('\n');
        }
        match std::str::from_utf8(line) {
            Ok(line) => text.push_str(line),
            Err(e) => problems.push(SourceProblem {
                location: format!("{name}:{}", n + 1),
                message: format!(
                    "not UTF-8 (byte {} of the line); the line is left out (export the file as UTF-8)",
                    e.valid_up_to() + 1
                ),
            }),
        }
    }
    (text, problems)
}

/// Parses CSV text (see [`FileSource`]): the separator the header uses more (`;` or `,`),
/// quoted cells that may span lines. A row with the wrong number of cells is reported with its
/// line; so is a quote left open, which would otherwise swallow every line after it into one
/// cell: the row is left out and reading goes on at the next line.
pub fn parse_csv(name: &str, text: &str) -> SourceBatch {
    let header = text.lines().next().unwrap_or("");
    let delimiter = if header.matches(';').count() > header.matches(',').count() {
        b';'
    } else {
        b','
    };
    let lines: Vec<&str> = text.split('\n').collect();
    let mut batch = SourceBatch::default();
    let mut headers: Option<Vec<String>> = None;
    let mut start = 0;
    while start < lines.len() {
        // A record: lines until its quotes balance (a doubled quote counts twice).
        let mut end = start;
        let mut quotes = lines[start].matches('"').count();
        while quotes % 2 == 1 && end + 1 < lines.len() {
            end += 1;
            quotes += lines[end].matches('"').count();
        }
        let line = start + 1;
        let location = format!("{name}:{line}");
        if quotes % 2 == 1 {
            batch.problems.push(SourceProblem {
                location,
                message: "a quote is never closed (it would take every line after it as one cell); the row is left out".into(),
            });
            start += 1;
            continue;
        }
        let chunk = lines[start..=end].join("\n");
        let next = end + 1;
        if chunk.trim().is_empty() {
            start = next;
            continue;
        }
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(chunk.as_bytes());
        let cells: Vec<String> = match reader.records().next() {
            Some(Ok(row)) => row.iter().map(str::to_string).collect(),
            Some(Err(e)) => {
                batch.problems.push(SourceProblem {
                    location,
                    message: e.to_string(),
                });
                start = next;
                continue;
            }
            None => {
                start = next;
                continue;
            }
        };
        let Some(headers) = &headers else {
            headers = Some(cells.iter().map(|c| c.trim().to_string()).collect());
            start = next;
            continue;
        };
        if cells.len() != headers.len() {
            let spans = if end > start {
                format!(" (a quoted cell runs from line {line} to line {})", end + 1)
            } else {
                String::new()
            };
            batch.problems.push(SourceProblem {
                location,
                message: format!(
                    "{} cells where the header has {}{spans} (a stray separator or quote?)",
                    cells.len(),
                    headers.len()
                ),
            });
            // A quote that opened a cell by mistake and closed rows later: read those rows.
            start = if end > start { start + 1 } else { next };
            continue;
        }
        let data: Map<String, Json> = headers
            .iter()
            .zip(cells)
            .map(|(h, cell)| {
                let value = if cell.trim().is_empty() {
                    Json::Null
                } else {
                    Json::from(cell)
                };
                (h.clone(), value)
            })
            .collect();
        batch.records.push(SourceRecord {
            location,
            data: Json::Object(data),
        });
        start = next;
    }
    if headers.is_none() {
        batch.problems.push(SourceProblem {
            location: format!("{name}:1"),
            message: "no header row".into(),
        });
    }
    batch
}

fn parse_json(name: &str, text: &str) -> Result<SourceBatch> {
    let value: Json = serde_json::from_str(text).map_err(|e| {
        Error::source_error(
            name,
            format!(
                "not a JSON array (line {}, column {})",
                e.line(),
                e.column()
            ),
            Some(Box::new(e)),
        )
    })?;
    let Json::Array(items) = value else {
        return Err(Error::source_error(
            name,
            "expected a JSON array of records",
            None,
        ));
    };
    let mut batch = SourceBatch::default();
    for (i, item) in items.into_iter().enumerate() {
        let location = format!("{name}[{i}]");
        if item.is_object() {
            batch.records.push(SourceRecord {
                location,
                data: item,
            });
        } else {
            batch.problems.push(SourceProblem {
                location,
                message: "a record must be a JSON object".into(),
            });
        }
    }
    Ok(batch)
}

fn parse_ndjson(name: &str, text: &str) -> SourceBatch {
    let mut batch = SourceBatch::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let location = format!("{name}:{}", i + 1);
        match serde_json::from_str::<Json>(line) {
            Ok(v) if v.is_object() => batch.records.push(SourceRecord { location, data: v }),
            Ok(_) => batch.problems.push(SourceProblem {
                location,
                message: "a record must be a JSON object".into(),
            }),
            Err(e) => batch.problems.push(SourceProblem {
                location,
                message: format!("not JSON: {e}"),
            }),
        }
    }
    batch
}

/// The conformance suite every [`RecordSource`] passes: reads are repeatable, every record is
/// an object with a location, locations are distinct, problems name their place.
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod conformance {
    use super::*;

    /// Runs the suite; answers what failed.
    pub async fn check(source: &dyn RecordSource) -> std::result::Result<(), Vec<String>> {
        let mut failures = Vec::new();
        let first = match source.read().await {
            Ok(b) => b,
            Err(e) => return Err(vec![format!("{}: read failed: {e}", source.name())]),
        };
        let second = match source.read().await {
            Ok(b) => b,
            Err(e) => return Err(vec![format!("{}: second read failed: {e}", source.name())]),
        };
        if first != second {
            failures.push(format!("{}: two reads differ", source.name()));
        }
        let mut seen = std::collections::BTreeSet::new();
        for r in &first.records {
            if !r.data.is_object() {
                failures.push(format!("{}: record is not an object", r.location));
            }
            if r.location.is_empty() {
                failures.push(format!("{}: a record has no location", source.name()));
            }
            if !seen.insert(r.location.clone()) {
                failures.push(format!("{}: location used twice", r.location));
            }
        }
        for p in &first.problems {
            if p.location.is_empty() || p.message.is_empty() {
                failures.push(format!(
                    "{}: a problem without place or message",
                    source.name()
                ));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_semicolons_bom_quotes_and_a_bad_row() {
        let text = "sku;name;price\nA;\"Wallet; leather\";12,50\nB;Watch\nC;\"Multi\nline\";3\n";
        let batch = parse_csv("pim.csv", text);
        assert_eq!(batch.records.len(), 2);
        assert_eq!(batch.records[0].data["name"], "Wallet; leather");
        assert_eq!(batch.records[0].data["price"], "12,50");
        assert_eq!(batch.records[0].location, "pim.csv:2");
        assert_eq!(batch.records[1].data["name"], "Multi\nline");
        assert_eq!(batch.problems.len(), 1);
        assert_eq!(batch.problems[0].location, "pim.csv:3");
        assert!(
            batch.problems[0]
                .message
                .contains("2 cells where the header has 3")
        );
    }

    #[test]
    fn an_unclosed_quote_is_one_bad_row_not_the_rest_of_the_file() {
        let text = "sku;name;price\nA;Wallet;1\nB;\"Watch;2\nC;Tee;3\nD;Belt;4\n";
        let batch = parse_csv("pim.csv", text);
        let skus: Vec<_> = batch
            .records
            .iter()
            .map(|r| r.data["sku"].clone())
            .collect();
        assert_eq!(skus, ["A", "C", "D"]);
        assert_eq!(batch.records[1].location, "pim.csv:4");
        assert_eq!(batch.problems.len(), 1, "{:?}", batch.problems);
        assert_eq!(batch.problems[0].location, "pim.csv:3");
        assert!(
            batch.problems[0].message.contains("never closed"),
            "{:?}",
            batch.problems
        );

        // A stray quote that a later row closes (so that the rows would merge into one with
        // too few cells): each row is reported, the rest reads.
        let text = "sku;name;price\nA;\"Wal;1\nB;Watch;2\"\nC;Tee;3\n";
        let batch = parse_csv("pim.csv", text);
        let skus: Vec<_> = batch
            .records
            .iter()
            .map(|r| r.data["sku"].clone())
            .collect();
        assert_eq!(skus, ["C"], "{:?}", batch);
        assert_eq!(batch.problems.len(), 2, "{:?}", batch.problems);
        assert_eq!(batch.problems[0].location, "pim.csv:2");
        assert_eq!(batch.problems[1].location, "pim.csv:3");
        assert!(
            batch.problems[0]
                .message
                .contains("runs from line 2 to line 3"),
            "{:?}",
            batch.problems
        );
    }

    #[tokio::test]
    async fn a_line_that_is_not_utf8_is_reported_and_the_others_kept() {
        let dir = std::env::temp_dir().join(format!("ls-sync-utf8-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("pim.csv");
        let mut bytes = b"sku;name\nA;Wallet\nB;Caf".to_vec();
        bytes.push(0xE9); // Latin-1 `é`
        bytes.extend_from_slice(b"\nC;Tee\n");
        std::fs::write(&csv, &bytes).unwrap();
        let batch = FileSource::open(&csv).unwrap().read().await.unwrap();
        let skus: Vec<_> = batch
            .records
            .iter()
            .map(|r| r.data["sku"].clone())
            .collect();
        assert_eq!(skus, ["A", "C"]);
        assert_eq!(batch.records[1].location, format!("{}:4", csv.display()));
        assert_eq!(batch.problems.len(), 1);
        assert_eq!(batch.problems[0].location, format!("{}:3", csv.display()));
        assert!(
            batch.problems[0]
                .message
                .contains("not UTF-8 (byte 6 of the line)")
        );

        let json = dir.join("pim.json");
        let mut bytes = b"[\n{\"sku\": \"A\"},\n{\"sku\": \"B".to_vec();
        bytes.push(0xFF);
        bytes.extend_from_slice(b"\"}\n]");
        std::fs::write(&json, &bytes).unwrap();
        let e = FileSource::open(&json).unwrap().read().await.unwrap_err();
        assert!(
            e.to_string().contains("not UTF-8 at line 3, column 11"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn csv_with_commas_and_empty_cells() {
        let batch = parse_csv("x.csv", "sku,name,brand\nA,Wallet,\n");
        assert_eq!(batch.records[0].data["brand"], Json::Null);
    }

    #[test]
    fn ndjson_reports_bad_lines_and_keeps_the_rest() {
        let batch = parse_ndjson(
            "x.ndjson",
            "{\"sku\":\"A\"}\n{nope\n\n[1]\n{\"sku\":\"B\"}\n",
        );
        assert_eq!(batch.records.len(), 2);
        assert_eq!(batch.records[1].location, "x.ndjson:5");
        assert_eq!(
            batch
                .problems
                .iter()
                .map(|p| p.location.as_str())
                .collect::<Vec<_>>(),
            ["x.ndjson:2", "x.ndjson:4"]
        );
    }

    #[test]
    fn json_arrays_report_elements_by_index() {
        let batch = parse_json("x.json", r#"[{"sku":"A"}, 3]"#).unwrap();
        assert_eq!(batch.records.len(), 1);
        assert_eq!(batch.problems[0].location, "x.json[1]");
        assert!(parse_json("x.json", "{}").is_err());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_command_s_output_is_read_like_a_file() {
        let script = "printf 'sku;name\\nA;Wallet\\nB\\n'";
        let source = CommandSource::new(
            vec!["sh".into(), "-c".into(), script.into()],
            FileFormat::Csv,
        )
        .unwrap()
        .current_dir(std::env::temp_dir());
        let batch = source.read().await.unwrap();
        assert_eq!(batch.records.len(), 1);
        assert_eq!(batch.records[0].data["name"], "Wallet");
        assert!(
            batch.records[0].location.ends_with(":2"),
            "{:?}",
            batch.records[0]
        );
        assert_eq!(batch.problems.len(), 1, "the short row is reported");
        assert!(source.is_full_snapshot());
        conformance::check(&source).await.unwrap();
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_failing_command_fails_the_read_with_its_status_and_message() {
        let script = "echo 'export failed: PIM down' >&2; exit 3";
        let source = CommandSource::new(
            vec!["sh".into(), "-c".into(), script.into()],
            FileFormat::Json,
        )
        .unwrap();
        let err = source.read().await.unwrap_err().to_string();
        assert!(err.contains("PIM down") && err.contains('3'), "{err}");
        let missing = CommandSource::new(vec!["/no/such/program".into()], FileFormat::Json)
            .unwrap()
            .read()
            .await
            .unwrap_err();
        assert!(
            missing.to_string().contains("cannot be started"),
            "{missing}"
        );
        assert!(CommandSource::new(vec![], FileFormat::Csv).is_err());
    }
}
