//! Incoming webhooks: the fixture payloads, form-encoded and signed, verify and parse.

use lightspeed_xseries::model::*;
use lightspeed_xseries::webhook::{
    WebhookEvent, WebhookPayload, WebhookVerifier, sign_base64, sign_hex,
};

use crate::fixture;

fn form(kind: &str, payload: &[u8]) -> Vec<u8> {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("type", kind)
        .append_pair("payload", std::str::from_utf8(payload).unwrap())
        .append_pair("environment", "production")
        .append_pair("domain_prefix", "mystore")
        .finish()
        .into_bytes()
}

#[test]
fn every_fixture_payload_verifies_and_parses_into_its_model() {
    let verifier = WebhookVerifier::new("client-secret");
    for kind in [
        "product.update",
        "inventory.update",
        "sale.update",
        "customer.update",
        "register_closure.create",
        "consignment.send",
        "consignment.receive",
    ] {
        let payload = fixture(&format!("xseries/webhook_payload/{kind}.json"));
        let body = form(kind, &payload);
        let header = format!(
            "signature={},algorithm=HMAC-SHA256",
            sign_hex(&body, "client-secret")
        );
        let event = verifier
            .parse(Some(&header), &body, None)
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(event.kind.as_str(), kind);
        assert_eq!(event.domain_prefix.as_deref(), Some("mystore"));
        match (&event.payload, kind) {
            (WebhookPayload::Product(p), "product.update") => assert!(p.sku.is_some()),
            (WebhookPayload::Inventory(i), "inventory.update") => {
                assert!(i.count.is_some());
                assert!(i.product.as_ref().is_some_and(|p| p.id.is_some()));
            }
            (WebhookPayload::Sale(s), "sale.update") => {
                assert_eq!(s.status, Some(SaleStatus::Closed));
                assert!(
                    s.register_sale_products
                        .as_ref()
                        .is_some_and(|l| !l.is_empty())
                );
            }
            (WebhookPayload::Customer(c), "customer.update") => assert!(c.balance.is_some()),
            (WebhookPayload::RegisterClosure(r), "register_closure.create") => {
                assert!(r.id.is_some())
            }
            (WebhookPayload::ConsignmentProduct(c), _) => assert!(c.consignment_id.is_some()),
            (other, kind) => panic!("{kind}: unexpected {other:?}"),
        }
    }
}

#[test]
fn the_payload_alone_may_be_signed_in_base64() {
    let payload = fixture("xseries/webhook_payload/customer.update.json");
    let body = form("customer.update", &payload);
    let header = format!(
        "signature={},algorithm=HMAC-SHA256",
        sign_base64(&payload, "client-secret")
    );
    WebhookVerifier::new("client-secret")
        .parse(Some(&header), &body, None)
        .unwrap();
}

#[test]
fn a_wrong_secret_a_tampered_body_or_no_header_is_rejected() {
    let payload = fixture("xseries/webhook_payload/sale.update.json");
    let body = form("sale.update", &payload);
    let verifier = WebhookVerifier::new("client-secret");
    let wrong = format!("signature={}", sign_hex(&body, "other-secret"));
    assert!(verifier.parse(Some(&wrong), &body, None).is_err());
    let good = format!("signature={}", sign_hex(&body, "client-secret"));
    let mut tampered = body.clone();
    tampered.extend_from_slice(b"&extra=1");
    assert!(verifier.parse(Some(&good), &tampered, None).is_err());
    let err = verifier.parse(None, &body, None).unwrap_err();
    assert!(err.to_string().contains("X-Signature"), "{err}");
}

#[test]
fn the_type_is_guessed_when_the_call_does_not_say_it() {
    let payload = fixture("xseries/webhook_payload/sale.update.json");
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", std::str::from_utf8(&payload).unwrap())
        .finish();
    let event = WebhookEvent::parse_unverified(body.as_bytes(), None).unwrap();
    assert_eq!(event.kind, WebhookType::SaleUpdate);
}
