//! Conformance against recorded payloads: every fixture under `xseries/` (responses, request
//! bodies, webhook payloads, error bodies) decodes into its typed model, the folder vocabulary
//! is complete and strict, and every `.expect.json` pointer survives decode -> encode. Point
//! `LIGHTSPEED_FIXTURES_DIR` at another fixture set with the same layout to run it against that.

use std::path::{Path, PathBuf};

use lightspeed_core::conformance::{check, fixtures_root, orphan_expectations};
use lightspeed_xseries::conformance::API;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Expectations kept in this repository for the shared (read-only) fixtures, laid out like the
/// fixtures (`xseries/<resource>/<name>.expect.json`).
fn overlay() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expect")
}

#[test]
fn conformance_xseries_fixtures_decode_and_preserve_expected_values() {
    let (root, given) = fixtures_root(&workspace());
    let mut report = check(&root, &API, Some(&overlay()), false);
    if !given {
        report
            .failures
            .extend(orphan_expectations(&root, &overlay()));
        assert!(
            report.fixtures > 0,
            "no fixtures found under {}",
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

/// Beyond the expectations: every value of every fixture survives the round trip.
#[test]
fn conformance_xseries_every_value_survives() {
    let (root, _) = fixtures_root(&workspace());
    let report = check(&root, &API, None, true);
    assert!(
        report.changed.is_empty(),
        "values changed by the round trip:\n{}",
        report.changed.join("\n")
    );
}
