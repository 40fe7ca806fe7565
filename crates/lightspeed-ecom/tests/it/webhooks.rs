//! Incoming webhooks: signatures accepted and rejected, fixture bodies parsed into events.

use http::HeaderMap;
use lightspeed_ecom::model::*;
use lightspeed_ecom::webhook::{WebhookEvent, WebhookRecord, WebhookVerifier, signature};

use crate::fixture;

fn headers(event: &str, id_header: &'static str, id: &str, signed: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-event", event.parse().unwrap());
    headers.insert("x-shop-id", "356891".parse().unwrap());
    headers.insert("x-cluster-id", "us1".parse().unwrap());
    headers.insert("x-language", "en".parse().unwrap());
    headers.insert("x-format", "json".parse().unwrap());
    headers.insert(id_header, id.parse().unwrap());
    headers.insert("x-signature", signed.parse().unwrap());
    headers
}

#[test]
fn fixture_bodies_verify_and_parse_into_typed_events() {
    let verifier = WebhookVerifier::new("app-secret").also_accept("key-secret");
    let cases = [
        (
            "ecom/product/webhook-products-created.json",
            "products/created",
            "x-product-id",
        ),
        (
            "ecom/order/webhook-orders-created.json",
            "orders/created",
            "x-order-id",
        ),
        (
            "ecom/customer/webhook-customers-created.json",
            "customers/created",
            "x-customer-id",
        ),
        (
            "ecom/invoice/webhook-invoices-created.json",
            "invoices/created",
            "x-invoice-id",
        ),
    ];
    for (file, event, id_header) in cases {
        let body = fixture(file);
        let headers = headers(event, id_header, "123", &signature(&body, "key-secret"));
        let parsed = verifier
            .parse(&headers, &body)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(parsed.action, Some(WebhookAction::Created), "{file}");
        assert_eq!(parsed.shop_id, Some(ShopId(356891)));
        assert_eq!(parsed.language.as_deref(), Some("en"));
        assert_eq!(parsed.cluster.as_deref(), Some("us1"));
        assert_eq!(parsed.record_id, Some(123));
        match (&parsed.record, event) {
            (WebhookRecord::Product(p), "products/created") => {
                assert_eq!(p.brand.as_ref().unwrap().id, Some(BrandId(123)));
                assert_eq!(p.images, None);
            }
            (WebhookRecord::Order(o), "orders/created") => {
                assert_eq!(o.number.as_deref(), Some("ORD00002"));
                assert_eq!(
                    o.embedded_lines().unwrap()[0].product_title.as_deref(),
                    Some("Product Title")
                );
                assert_eq!(
                    o.embedded_invoices().unwrap()[0].number.as_deref(),
                    Some("INV00002")
                );
                assert_eq!(
                    o.embedded_shipments().unwrap()[0].number.as_deref(),
                    Some("SHIP00002")
                );
                assert_eq!(
                    o.embedded_customer().unwrap().unwrap().id,
                    CustomerId(13353882)
                );
            }
            (WebhookRecord::Customer(c), "customers/created") => {
                assert_eq!(c.email.as_deref(), Some("customer@email.com"));
            }
            (WebhookRecord::Invoice(i), "invoices/created") => {
                assert_eq!(i.order.as_ref().unwrap().id, Some(OrderId(123)));
            }
            (other, event) => panic!("{event}: unexpected record {other:?}"),
        }
    }
}

#[test]
fn a_tampered_body_or_a_wrong_secret_is_rejected() {
    let verifier = WebhookVerifier::new("key-secret");
    let body = fixture("ecom/product/webhook-products-created.json");
    let signed = signature(&body, "key-secret");

    let mut tampered = body.clone();
    let at = tampered.iter().position(|b| *b == b'1').unwrap();
    tampered[at] = b'2';
    assert!(verifier.verify(&tampered, &signed).is_err());

    let wrong = signature(&body, "another-secret");
    let err = verifier
        .parse(
            &headers("products/created", "x-product-id", "123", &wrong),
            &body,
        )
        .unwrap_err();
    assert!(err.to_string().contains("signature"), "{err}");

    let mut unsigned = headers("products/created", "x-product-id", "123", &signed);
    unsigned.remove("x-signature");
    let err = verifier.parse(&unsigned, &body).unwrap_err();
    assert!(err.to_string().contains("X-Signature"), "{err}");
}

#[test]
fn the_body_alone_says_the_group() {
    let body = fixture("ecom/invoice/webhook-invoices-created.json");
    let event = WebhookEvent::parse_unverified(&HeaderMap::new(), &body).unwrap();
    assert_eq!(event.group, WebhookGroup::Invoices);
    assert_eq!(event.action, None);
    assert_eq!(event.record_id, Some(123));
}
