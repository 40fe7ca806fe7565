//! Conformance against recorded payloads: every fixture under `ecom/` decodes into its typed
//! model, the folder vocabulary is complete and strict, and every `.expect.json` pointer
//! survives decode -> encode. Point `LIGHTSPEED_FIXTURES_DIR` at another fixture set with the
//! same layout to run it against that.

use std::fs;
use std::path::{Path, PathBuf};

use lightspeed_ecom::conformance::{
    Direction, REQUEST_FOLDERS, RESPONSE_FOLDERS, folder_model, round_trip, same_value,
};
use serde_json::Value;

/// The fixture root: `LIGHTSPEED_FIXTURES_DIR`, else the project's own (`../shared/fixtures`).
fn fixtures_root() -> (PathBuf, bool) {
    match std::env::var_os("LIGHTSPEED_FIXTURES_DIR") {
        Some(dir) => (PathBuf::from(dir), false),
        None => (crate::project_fixtures(), true),
    }
}

/// Expectations kept in this repository for fixtures whose folder is read-only, laid out like
/// the fixtures (`ecom/<resource>/<name>.expect.json`).
fn overlay_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expect")
}

struct Fixture {
    path: PathBuf,
    relative: String,
    direction: Direction,
    folder: String,
}

/// Walks `ecom/` and `ecom/requests/`, reporting any folder or file outside the layout.
fn collect(root: &Path, failures: &mut Vec<String>) -> Vec<Fixture> {
    let ecom = root.join("ecom");
    let mut fixtures = Vec::new();
    let Ok(entries) = fs::read_dir(&ecom) else {
        failures.push(format!(
            "{}: no `ecom` folder in the fixture root",
            root.display()
        ));
        return fixtures;
    };
    for entry in sorted(entries) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.is_dir() {
            failures.push(format!("ecom/{name}: a file outside any resource folder"));
        } else if name == "requests" {
            for request in sorted(fs::read_dir(&entry).expect("readable")) {
                let folder = request.file_name().to_string_lossy().into_owned();
                if !request.is_dir() || !REQUEST_FOLDERS.contains(&folder.as_str()) {
                    failures.push(format!(
                        "ecom/requests/{folder}: not a request folder of the vocabulary ({})",
                        REQUEST_FOLDERS.join(", ")
                    ));
                    continue;
                }
                files(
                    &request,
                    &format!("ecom/requests/{folder}"),
                    Direction::Request,
                    &folder,
                    &mut fixtures,
                    failures,
                );
            }
        } else if RESPONSE_FOLDERS.contains(&name.as_str()) {
            files(
                &entry,
                &format!("ecom/{name}"),
                Direction::Response,
                &name,
                &mut fixtures,
                failures,
            );
        } else {
            failures.push(format!(
                "ecom/{name}: not a folder of the vocabulary ({})",
                RESPONSE_FOLDERS.join(", ")
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
    for file in sorted(fs::read_dir(dir).expect("readable")) {
        let name = file.file_name().to_string_lossy().into_owned();
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
    let mut paths: Vec<PathBuf> = entries.map(|e| e.expect("readable").path()).collect();
    paths.sort();
    paths
}

trait FileName {
    fn file_name(&self) -> std::ffi::OsString;
}

impl FileName for PathBuf {
    fn file_name(&self) -> std::ffi::OsString {
        Path::file_name(self).unwrap_or_default().to_owned()
    }
}

/// The `.expect.json` files that apply to a fixture: beside it, and in the overlay.
fn expectations(fixture: &Fixture) -> Vec<(String, PathBuf)> {
    let expect_name = fixture.relative.trim_end_matches(".json").to_owned() + ".expect.json";
    let beside = fixture.path.with_extension("expect.json");
    let overlay = overlay_root().join(&expect_name);
    [beside, overlay]
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), p))
        .collect()
}

fn check(fixture: &Fixture, failures: &mut Vec<String>) -> usize {
    let bytes = fs::read(&fixture.path).expect("readable fixture");
    let model = folder_model(fixture.direction, &fixture.folder).expect("vocabulary folder");
    let encoded =
        match round_trip(fixture.direction, &fixture.folder, &bytes).expect("vocabulary folder") {
            Ok(encoded) => encoded,
            Err(failure) => {
                failures.push(format!(
                    "{}: does not decode into {} {failure}",
                    fixture.relative, model.type_name
                ));
                return 0;
            }
        };
    let original: Value = serde_json::from_slice(&bytes).expect("decoded above");
    let mut checked = 0;
    for (name, path) in expectations(fixture) {
        let expect: Value = match fs::read(&path).map(|b| serde_json::from_slice(&b)) {
            Ok(Ok(value)) => value,
            Ok(Err(e)) => {
                failures.push(format!("{name}: not JSON: {e}"));
                continue;
            }
            Err(e) => {
                failures.push(format!("{name}: unreadable: {e}"));
                continue;
            }
        };
        let Some(pointers) = expect.get("preserve").and_then(Value::as_array) else {
            failures.push(format!("{name}: no `preserve` list"));
            continue;
        };
        for pointer in pointers {
            let Some(pointer) = pointer.as_str() else {
                failures.push(format!("{name}: `preserve` holds a non-string {pointer}"));
                continue;
            };
            checked += 1;
            let before = original.pointer(pointer);
            let after = encoded.pointer(pointer);
            if !same_value(before, after) {
                failures.push(format!(
                    "{}: `{pointer}` (serde path {}) did not survive decode -> encode into {}: fixture has {}, encoded has {}",
                    fixture.relative,
                    serde_path(pointer),
                    model.type_name,
                    show(before),
                    show(after),
                ));
            }
        }
    }
    checked
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

#[test]
fn conformance_ecom_fixtures_decode_and_preserve_expected_values() {
    let (root, default_root) = fixtures_root();
    let mut failures = Vec::new();
    let fixtures = collect(&root, &mut failures);
    let mut pointers = 0;
    for fixture in &fixtures {
        pointers += check(fixture, &mut failures);
    }
    if default_root {
        // The repository's own expectations must keep matching a fixture.
        for expect in walk(&overlay_root()) {
            let relative = expect
                .strip_prefix(overlay_root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let fixture = relative.trim_end_matches(".expect.json").to_owned() + ".json";
            if !root.join(&fixture).is_file() {
                failures.push(format!("tests/expect/{relative}: no fixture {fixture}"));
            }
        }
        assert!(
            !fixtures.is_empty(),
            "no fixtures found under {}",
            root.display()
        );
        assert!(pointers > 0, "no expectation was checked");
    }
    assert!(
        failures.is_empty(),
        "{} conformance failure(s) under {} ({} fixtures, {pointers} pointers checked):\n{}",
        failures.len(),
        root.display(),
        fixtures.len(),
        failures.join("\n")
    );
    eprintln!(
        "{} fixtures decoded, {pointers} expected values preserved",
        fixtures.len()
    );
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

/// Beyond the expectations: every value of every visible fixture survives the round trip,
/// except the encodings the models normalise on purpose (listed here).
#[test]
fn conformance_every_value_of_the_visible_fixtures_survives() {
    let (root, _) = fixtures_root();
    let mut failures = Vec::new();
    let fixtures = collect(&root, &mut failures);
    for fixture in &fixtures {
        let bytes = fs::read(&fixture.path).unwrap();
        let original: Value = serde_json::from_slice(&bytes).unwrap();
        let Some(Ok(encoded)) = round_trip(fixture.direction, &fixture.folder, &bytes) else {
            continue; // reported by the test above
        };
        let mut differences = Vec::new();
        diff("", &original, &encoded, &mut differences);
        for difference in differences {
            failures.push(format!("{}: {difference}", fixture.relative));
        }
    }
    assert!(
        failures.is_empty(),
        "values changed by the round trip:\n{}",
        failures.join("\n")
    );
}

/// Collects leaf differences; a `false` "none" written back where the fixture had nothing is
/// the one normalisation allowed (the API's own "none" for relations and files).
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
