//! Conformance against recorded payloads: every fixture under `xseries/` (responses, request
//! bodies, webhook payloads, error bodies) decodes into its typed model, the folder vocabulary
//! is complete and strict, and every `.expect.json` pointer survives decode -> encode. Point
//! `LIGHTSPEED_FIXTURES_DIR` at another fixture set with the same layout to run it against that.

use std::path::{Path, PathBuf};

use lightspeed_core::conformance::assert_conforms;
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
    assert_conforms(&API, &workspace(), &overlay(), false);
}

/// Beyond the expectations: every value of every fixture survives the round trip.
#[test]
fn conformance_xseries_every_value_survives() {
    assert_conforms(&API, &workspace(), &overlay(), true);
}

/// Webhook payloads are decode-only (see `conformance::API`): what third-party clients met in
/// real payloads (`0` for a flag, `""` for a reorder point) reads as its meaning.
#[test]
fn webhook_payloads_read_wire_variants_as_their_meaning() {
    use lightspeed_xseries::model::{WebhookCustomer, WebhookInventory, WebhookProduct};
    let product: WebhookProduct =
        serde_json::from_value(serde_json::json!({"id": "p1", "active": 0})).unwrap();
    assert_eq!(product.active, Some(false));
    let customer: WebhookCustomer =
        serde_json::from_value(serde_json::json!({"id": "c1", "do_not_email": 0})).unwrap();
    assert_eq!(customer.do_not_email, Some(false));
    let inventory: WebhookInventory =
        serde_json::from_value(serde_json::json!({"id": "i1", "reorder_point": ""})).unwrap();
    assert_eq!(inventory.reorder_point, None);
    assert!(
        lightspeed_xseries::conformance::API
            .decode_only
            .iter()
            .any(|d| d.folder == "webhook_payload")
    );
}
