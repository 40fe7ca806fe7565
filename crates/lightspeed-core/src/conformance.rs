//! Conformance of typed models against recorded payloads, shared by the client crates.
//!
//! A fixture set follows the layout of the project's `fixtures/README.md`:
//! `<root>/<api>/<resource>/<name>.json` for responses (and, for X-Series, webhook payloads and
//! error bodies), `<root>/<api>/requests/<resource>/<name>.json` for request bodies, and
//! `<name>.expect.json` beside a fixture listing JSON Pointers whose values must survive
//! decoding into the model and encoding back. A client describes its API with an [`Api`] (the
//! folder vocabulary and a decoder); [`check`] walks a fixture set strictly (any folder outside
//! the vocabulary is a failure, so nothing is skipped silently) and reports every failure with
//! its file and JSON path; [`same_value`] is the README's equality.

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Whether a body is a response or a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A response body (`<api>/<resource>/`).
    Response,
    /// A request body (`<api>/requests/<resource>/`).
    Request,
}

pub use crate::decode::Failure;

/// A decoder: `(direction, folder, file stem, bytes)` to the re-encoded document and the name
/// of the model used, or `None` for a folder the API does not know.
pub type Decoder =
    fn(Direction, &str, &str, &[u8]) -> Option<(&'static str, Result<Value, Failure>)>;

/// An API's fixture vocabulary and its decoder.
#[derive(Debug, Clone, Copy)]
pub struct Api {
    /// The API's folder under the root (`ecom`, `xseries`).
    pub name: &'static str,
    /// The response folders (every one is known, even with no file).
    pub response_folders: &'static [&'static str],
    /// The request folders under `requests/`.
    pub request_folders: &'static [&'static str],
    /// Decodes one fixture.
    pub decode: Decoder,
    /// Response folders whose models are only ever decoded, each with the reason.
    pub decode_only: &'static [DecodeOnly],
}

/// A response folder whose model is inbound only: the client reads it and never sends it, so
/// its values are decoded to their meaning (`0` as `false`, `""` or `null` as none) rather than
/// kept in the wire form they came in. Its fixtures must decode and keep their expected values
/// (`.expect.json`); a full round trip does not list what their encoding changes, and the
/// report names them with the reason instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOnly {
    /// The response folder (`webhook_payload`).
    pub folder: &'static str,
    /// Why nothing encodes it back to the API.
    pub reason: &'static str,
}

/// What [`check`] found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// How many fixtures were decoded.
    pub fixtures: usize,
    /// How many expected values were compared.
    pub pointers: usize,
    /// Every failure, each naming its file.
    pub failures: Vec<String>,
    /// Every value that changed in a round trip, beyond `false` written for an absent "none"
    /// (filled only by [`check`] with `full_round_trip`).
    pub changed: Vec<String>,
    /// Fixtures of [decode-only](DecodeOnly) folders a full round trip did not compare, each
    /// with the reason (filled only by [`check`] with `full_round_trip`).
    pub decode_only: Vec<String>,
}

/// Decodes `body` into `T` and encodes it back, with serde paths in errors prefixed by `path`.
pub fn round_trip<T: DeserializeOwned + Serialize>(
    body: Value,
    path: &str,
) -> Result<Value, Failure> {
    let typed: T = serde_path_to_error::deserialize(body).map_err(|e| Failure {
        path: join(path, &e.path().to_string()),
        message: e.into_inner().to_string(),
    })?;
    let bytes = serde_json::to_vec(&typed).map_err(|e| Failure {
        path: path.into(),
        message: format!("could not encode: {e}"),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| Failure {
        path: path.into(),
        message: format!("encoded invalid JSON: {e}"),
    })
}

/// Round-trips each record of `body` (one record, or a list of them) as `T`.
pub fn round_trip_records<T: DeserializeOwned + Serialize>(
    body: Value,
    path: &str,
) -> Result<Value, Failure> {
    match body {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| round_trip::<T>(item, &format!("{path}[{i}]")))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        one => round_trip::<T>(one, path),
    }
}

/// Round-trips the records under the first of `keys` the document has, keeping the other
/// top-level members (`version`, `pagination`) as they are; a document with none of the keys
/// is decoded as one bare record when `bare` allows it.
pub fn round_trip_enveloped<T: DeserializeOwned + Serialize>(
    bytes: &[u8],
    keys: &[&str],
    bare: bool,
) -> Result<Value, Failure> {
    let document: Value = serde_json::from_slice(bytes).map_err(|e| Failure {
        path: ".".into(),
        message: format!("not JSON: {e}"),
    })?;
    let Value::Object(mut root) = document else {
        return Err(Failure {
            path: ".".into(),
            message: "the body is not a JSON object".into(),
        });
    };
    if let Some(key) = keys.iter().find(|k| root.contains_key(**k)) {
        let body = root.remove(*key).expect("present");
        let encoded = round_trip_records::<T>(body, key)?;
        let mut out = Map::new();
        out.insert((*key).to_owned(), encoded);
        out.extend(root);
        return Ok(Value::Object(out));
    }
    if bare {
        return round_trip::<T>(Value::Object(root), ".");
    }
    Err(Failure {
        path: ".".into(),
        message: format!(
            "no {} envelope",
            keys.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    })
}

fn join(prefix: &str, path: &str) -> String {
    match (prefix, path) {
        (".", p) => p.to_owned(),
        (p, ".") => p.to_owned(),
        (p, q) if q.starts_with('[') => format!("{p}{q}"),
        (p, q) => format!("{p}.{q}"),
    }
}

/// Compares two JSON values with the fixtures' equalities: numbers by decimal value (`19.9`
/// == `"19.90"`), timestamps by the instant they name (`"2024-11-20 03:07:55"` read as UTC ==
/// `"2024-11-20T03:07:55Z"`), null == absent (`None`); objects and lists member by member.
pub fn same_value(expected: Option<&Value>, actual: Option<&Value>) -> bool {
    let expected = expected.filter(|v| !v.is_null());
    let actual = actual.filter(|v| !v.is_null());
    match (expected, actual) {
        (None, None) => true,
        (Some(a), Some(b)) => same(a, b),
        _ => false,
    }
}

fn same(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (as_decimal(a), as_decimal(b))
        && (a.is_number() || b.is_number() || a == b)
    {
        return x == y;
    }
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            x == y || matches!((time(x), time(y)), (Some(p), Some(q)) if p == q)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => x
            .keys()
            .chain(y.keys())
            .all(|k| same_value(x.get(k), y.get(k))),
        _ => a == b,
    }
}

fn as_decimal(value: &Value) -> Option<rust_decimal::Decimal> {
    let text: Cow<'_, str> = match value {
        Value::Number(n) => Cow::Owned(n.to_string()),
        Value::String(s) => Cow::Borrowed(s.trim()),
        _ => return None,
    };
    crate::lenient::parse_decimal(&text).ok()
}

fn time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    // Only date-times: a bare date or a number is not a timestamp.
    (text.len() >= 19).then(|| crate::lenient::parse_timestamp(text))?
}

/// Walks `<root>/<api>/` strictly, decodes every fixture, and checks every `.expect.json`
/// beside a fixture and in `overlay` (the same layout, for expectations kept elsewhere). With
/// `full_round_trip`, also lists every value a round trip changed.
pub fn check(root: &Path, api: &Api, overlay: Option<&Path>, full_round_trip: bool) -> Report {
    let mut report = Report::default();
    for fixture in collect(root, api, &mut report.failures) {
        check_one(&fixture, api, overlay, full_round_trip, &mut report);
    }
    report
}

struct Fixture {
    path: PathBuf,
    relative: String,
    direction: Direction,
    folder: String,
}

fn collect(root: &Path, api: &Api, failures: &mut Vec<String>) -> Vec<Fixture> {
    let base = root.join(api.name);
    let mut fixtures = Vec::new();
    let Ok(entries) = fs::read_dir(&base) else {
        failures.push(format!(
            "{}: no `{}` folder in the fixture root",
            root.display(),
            api.name
        ));
        return fixtures;
    };
    for entry in sorted(entries) {
        let name = file_name(&entry);
        if !entry.is_dir() {
            failures.push(format!(
                "{}/{name}: a file outside any resource folder",
                api.name
            ));
        } else if name == "requests" {
            let Ok(requests) = fs::read_dir(&entry) else {
                continue;
            };
            for request in sorted(requests) {
                let folder = file_name(&request);
                if !request.is_dir() || !api.request_folders.contains(&folder.as_str()) {
                    failures.push(format!(
                        "{}/requests/{folder}: not a request folder of the vocabulary ({})",
                        api.name,
                        api.request_folders.join(", ")
                    ));
                    continue;
                }
                let relative = format!("{}/requests/{folder}", api.name);
                files(
                    &request,
                    &relative,
                    Direction::Request,
                    &folder,
                    &mut fixtures,
                    failures,
                );
            }
        } else if api.response_folders.contains(&name.as_str()) {
            let relative = format!("{}/{name}", api.name);
            files(
                &entry,
                &relative,
                Direction::Response,
                &name,
                &mut fixtures,
                failures,
            );
        } else {
            failures.push(format!(
                "{}/{name}: not a folder of the vocabulary ({})",
                api.name,
                api.response_folders.join(", ")
            ));
        }
    }
    fixtures
}

fn files(
    dir: &Path,
    relative: &str,
    direction: Direction,
    folder: &str,
    fixtures: &mut Vec<Fixture>,
    failures: &mut Vec<String>,
) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for file in sorted(entries) {
        let name = file_name(&file);
        if file.is_dir() {
            failures.push(format!(
                "{relative}/{name}: a folder inside a resource folder"
            ));
        } else if name.ends_with(".json") && !name.ends_with(".expect.json") {
            fixtures.push(Fixture {
                path: file.clone(),
                relative: format!("{relative}/{name}"),
                direction,
                folder: folder.to_owned(),
            });
        }
    }
}

fn sorted(entries: fs::ReadDir) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    paths
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

fn check_one(
    fixture: &Fixture,
    api: &Api,
    overlay: Option<&Path>,
    full: bool,
    report: &mut Report,
) {
    let bytes = match fs::read(&fixture.path) {
        Ok(bytes) => bytes,
        Err(e) => {
            report
                .failures
                .push(format!("{}: unreadable: {e}", fixture.relative));
            return;
        }
    };
    let stem = file_name(&fixture.path)
        .trim_end_matches(".json")
        .to_owned();
    let Some((model, result)) = (api.decode)(fixture.direction, &fixture.folder, &stem, &bytes)
    else {
        report
            .failures
            .push(format!("{}: no model for this folder", fixture.relative));
        return;
    };
    report.fixtures += 1;
    let encoded = match result {
        Ok(encoded) => encoded,
        Err(failure) => {
            report.failures.push(format!(
                "{}: does not decode into {model} {failure}",
                fixture.relative
            ));
            return;
        }
    };
    let original: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(e) => {
            report
                .failures
                .push(format!("{}: not JSON: {e}", fixture.relative));
            return;
        }
    };
    let expect_name = fixture.relative.trim_end_matches(".json").to_owned() + ".expect.json";
    let beside = fixture.path.with_extension("expect.json");
    let elsewhere = overlay.map(|dir| dir.join(&expect_name));
    for path in std::iter::once(beside)
        .chain(elsewhere)
        .filter(|p| p.is_file())
    {
        let name = path.display().to_string();
        let expect: Value = match fs::read(&path).map(|b| serde_json::from_slice(&b)) {
            Ok(Ok(value)) => value,
            Ok(Err(e)) => {
                report.failures.push(format!("{name}: not JSON: {e}"));
                continue;
            }
            Err(e) => {
                report.failures.push(format!("{name}: unreadable: {e}"));
                continue;
            }
        };
        let Some(pointers) = expect.get("preserve").and_then(Value::as_array) else {
            report.failures.push(format!("{name}: no `preserve` list"));
            continue;
        };
        for pointer in pointers {
            let Some(pointer) = pointer.as_str() else {
                report
                    .failures
                    .push(format!("{name}: `preserve` holds a non-string {pointer}"));
                continue;
            };
            report.pointers += 1;
            let (before, after) = (original.pointer(pointer), encoded.pointer(pointer));
            if !same_value(before, after) {
                report.failures.push(format!(
                    "{}: `{pointer}` (serde path {}) did not survive decode -> encode into {model}: fixture has {}, encoded has {}",
                    fixture.relative,
                    serde_path(pointer),
                    show(before),
                    show(after),
                ));
            }
        }
    }
    if full
        && fixture.direction == Direction::Response
        && let Some(only) = api.decode_only.iter().find(|d| d.folder == fixture.folder)
    {
        report.decode_only.push(format!(
            "{}: decode-only ({})",
            fixture.relative, only.reason
        ));
        return;
    }
    if full {
        let mut changed = Vec::new();
        diff("", &original, &encoded, &mut changed);
        report.changed.extend(
            changed
                .into_iter()
                .map(|c| format!("{}: {c}", fixture.relative)),
        );
    }
}

/// `/products/0/priceExcl` -> `products[0].priceExcl`.
fn serde_path(pointer: &str) -> String {
    let mut out = String::new();
    for part in pointer.split('/').skip(1) {
        let part = part.replace("~1", "/").replace("~0", "~");
        if part.parse::<usize>().is_ok() {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&part);
        }
    }
    out
}

fn show(value: Option<&Value>) -> String {
    value.map_or("nothing".into(), Value::to_string)
}

/// Leaf differences; `false` written back where the fixture had nothing is the one
/// normalisation allowed (eCom's own "none" for relations and files).
fn diff(at: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let here = format!("{at}/{key}");
                match (x.get(key), y.get(key)) {
                    (Some(p), Some(q)) => diff(&here, p, q, out),
                    (None, Some(Value::Bool(false))) => {}
                    (p, q) if same_value(p, q) => {}
                    (p, q) => out.push(format!("{here}: {} -> {}", show(p), show(q))),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(&format!("{at}/{i}"), p, q, out);
            }
        }
        (p, q) if same_value(Some(p), Some(q)) => {}
        (p, q) => out.push(format!("{at}: {p} -> {q}")),
    }
}

/// Every `.expect.json` under `overlay` that names no fixture under `root`.
pub fn orphan_expectations(root: &Path, overlay: &Path) -> Vec<String> {
    let mut orphans = Vec::new();
    for expect in walk(overlay) {
        let relative = expect
            .strip_prefix(overlay)
            .unwrap_or(&expect)
            .to_string_lossy()
            .replace('\\', "/");
        let fixture = relative.trim_end_matches(".expect.json").to_owned() + ".json";
        if !root.join(&fixture).is_file() {
            orphans.push(format!("{relative}: no fixture {fixture}"));
        }
    }
    orphans
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for path in sorted(entries) {
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// The fixture root for a crate's tests: `LIGHTSPEED_FIXTURES_DIR` when set (and `true`, it was
/// given), else the project's own set in `fixtures/` at the workspace root.
pub fn fixtures_root(workspace_root: &Path) -> (PathBuf, bool) {
    match std::env::var_os("LIGHTSPEED_FIXTURES_DIR") {
        Some(dir) => (PathBuf::from(dir), true),
        None => (project_fixtures(workspace_root), false),
    }
}

/// The project's own fixtures (`fixtures/` at the workspace root, carried by the repository),
/// whatever `LIGHTSPEED_FIXTURES_DIR` says.
pub fn project_fixtures(workspace_root: &Path) -> PathBuf {
    workspace_root.join("fixtures")
}

/// The conformance test of a client crate, in one call: checks the fixture set (the one
/// `LIGHTSPEED_FIXTURES_DIR` names, else the project's own, where the `overlay` expectations must
/// each name a fixture and some must be checked) and panics with every failure, or with every
/// value a full round trip changed when `full_round_trip` is set.
pub fn assert_conforms(api: &Api, workspace_root: &Path, overlay: &Path, full_round_trip: bool) {
    let (root, given) = fixtures_root(workspace_root);
    if full_round_trip {
        let report = check(&root, api, None, true);
        assert!(
            report.changed.is_empty(),
            "values changed by the round trip:\n{}",
            report.changed.join("\n")
        );
        return;
    }
    let mut report = check(&root, api, Some(overlay), false);
    if !given {
        report.failures.extend(orphan_expectations(&root, overlay));
        assert!(
            report.fixtures > 0,
            "no fixtures found under {}: the repository carries them in `fixtures/`; to test \
             another set with the same layout, point LIGHTSPEED_FIXTURES_DIR at it",
            root.display()
        );
        assert!(report.pointers > 0, "no expectation was checked");
    }
    assert!(
        report.failures.is_empty(),
        "{} conformance failure(s) under {} ({} fixtures, {} pointers checked):\n{}",
        report.failures.len(),
        root.display(),
        report.fixtures,
        report.pointers,
        report.failures.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn equalities_follow_the_fixtures_readme() {
        assert!(same_value(Some(&json!(19.9)), Some(&json!("19.90"))));
        assert!(same_value(Some(&json!(19.9)), Some(&json!(19.90))));
        assert!(!same_value(Some(&json!(19.9)), Some(&json!(19.91))));
        assert!(same_value(
            Some(&json!("2024-11-20 03:07:55")),
            Some(&json!("2024-11-20T05:07:55+02:00"))
        ));
        assert!(same_value(Some(&Value::Null), None));
        assert!(!same_value(Some(&json!(false)), None));
        assert!(!same_value(Some(&json!("abc")), Some(&json!("abd"))));
        assert!(same_value(
            Some(&json!({"a": 1, "b": null})),
            Some(&json!({"a": "1.0"}))
        ));
        assert!(!same_value(Some(&json!("ORD001")), Some(&json!("ORD1"))));
    }

    #[derive(serde::Deserialize, Serialize)]
    struct Flag {
        #[serde(default, with = "crate::lenient::option_bool")]
        active: Option<bool>,
    }

    fn decode_flag(
        _: Direction,
        folder: &str,
        _: &str,
        bytes: &[u8],
    ) -> Option<(&'static str, Result<Value, Failure>)> {
        matches!(folder, "hook" | "record")
            .then(|| ("Flag", round_trip_enveloped::<Flag>(bytes, &["data"], true)))
    }

    #[test]
    fn a_decode_only_folder_is_named_with_its_reason_instead_of_listing_its_changes() {
        let root = std::env::temp_dir().join(format!("conformance-{}", std::process::id()));
        for folder in ["hook", "record"] {
            let dir = root.join("api").join(folder);
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join("one.json"), br#"{"active": 0}"#).unwrap();
        }
        fs::write(
            root.join("api/hook/one.expect.json"),
            br#"{"preserve": ["/active"]}"#,
        )
        .unwrap();
        let api = Api {
            name: "api",
            response_folders: &["hook", "record"],
            request_folders: &[],
            decode: decode_flag,
            decode_only: &[DecodeOnly {
                folder: "hook",
                reason: "received, never sent",
            }],
        };
        let full = check(&root, &api, None, true);
        assert_eq!(
            full.changed,
            vec!["api/record/one.json: /active: 0 -> false"]
        );
        assert_eq!(
            full.decode_only,
            vec!["api/hook/one.json: decode-only (received, never sent)"]
        );
        // Expectations still hold a decode-only folder to its values: 0 is not false.
        let strict = check(&root, &api, None, false);
        assert_eq!(strict.failures.len(), 1, "{:?}", strict.failures);
        assert!(strict.failures[0].starts_with("api/hook/one.json: `/active`"));
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn envelopes_keep_their_siblings_and_name_paths() {
        #[derive(serde::Deserialize, Serialize)]
        struct Rec {
            id: u32,
        }
        let body = br#"{"data": [{"id": 1}], "version": {"min": 1, "max": 1}}"#;
        let out = round_trip_enveloped::<Rec>(body, &["data"], true).unwrap();
        assert_eq!(
            out,
            json!({"data": [{"id": 1}], "version": {"min": 1, "max": 1}})
        );
        let bad = br#"{"data": [{"id": 1}, {"id": "x"}]}"#;
        let failure = round_trip_enveloped::<Rec>(bad, &["data"], true).unwrap_err();
        assert_eq!(failure.path, "data[1].id");
        let bare = br#"{"id": 3}"#;
        assert_eq!(
            round_trip_enveloped::<Rec>(bare, &["data"], true).unwrap(),
            json!({"id": 3})
        );
        assert!(round_trip_enveloped::<Rec>(bare, &["data"], false).is_err());
    }
}
