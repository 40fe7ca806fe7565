//! Conformance against recorded payloads: every fixture under `ecom/` decodes into its typed
//! model, the folder vocabulary is complete and strict, and every `.expect.json` pointer
//! survives decode -> encode. Point `LIGHTSPEED_FIXTURES_DIR` at another fixture set with the
//! same layout to run it against that.

use std::path::{Path, PathBuf};

use lightspeed_core::conformance::assert_conforms;
use lightspeed_ecom::conformance::API;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Expectations kept in this repository for the shared (read-only) fixtures, laid out like the
/// fixtures (`ecom/<resource>/<name>.expect.json`).
fn overlay() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expect")
}

#[test]
fn conformance_ecom_fixtures_decode_and_preserve_expected_values() {
    assert_conforms(&API, &workspace(), &overlay(), false);
}

/// Beyond the expectations: every value of every fixture survives the round trip.
#[test]
fn conformance_ecom_every_value_survives() {
    assert_conforms(&API, &workspace(), &overlay(), true);
}

/// Customers are decode-only (see `conformance::API`): a `null` birth date reads as none.
#[test]
fn a_customer_reads_a_null_birth_date_as_none() {
    let customer: lightspeed_ecom::model::Customer =
        serde_json::from_value(serde_json::json!({"id": 7, "birthDate": null})).unwrap();
    assert_eq!(customer.birth_date, None);
    assert!(
        lightspeed_ecom::conformance::API
            .decode_only
            .iter()
            .any(|d| d.folder == "customer")
    );
}
