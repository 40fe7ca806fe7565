//! Outgoing webhooks arrive in each API's format with a signature the clients accept.

use lightspeed_ecom::model::{
    ProductInput, VariantInput, WebhookAction, WebhookFormat, WebhookGroup, WebhookInput,
};
use lightspeed_ecom::webhook::{WebhookRecord, WebhookVerifier};
use lightspeed_xseries::model::{InventoryInput, ProductCreate};
use reqwest::Method;
use serde_json::json;

use crate::support::{Receiver, ecom, eventually, start, xs_send, xseries};

#[tokio::test]
async fn ecom_product_and_variant_events_are_signed_with_md5_of_body_and_secret() {
    let emu = start().await;
    let receiver = Receiver::start().await;
    let client = ecom(&emu);
    for (group, action) in [
        (WebhookGroup::Products, WebhookAction::Created),
        (WebhookGroup::Variants, WebhookAction::Updated),
        (WebhookGroup::Products, WebhookAction::Deleted),
    ] {
        client
            .webhooks()
            .create(&WebhookInput {
                is_active: Some(true),
                item_group: Some(group),
                item_action: Some(action),
                language: Some("en".into()),
                format: Some(WebhookFormat::Json),
                address: Some(receiver.url.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let (product, variant) = client
        .create_product(&ProductInput {
            title: Some("Luxury Watch".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let verifier = WebhookVerifier::new(emu.ecom_secret().to_string());
    let call = receiver.next().await;
    assert!(
        std::str::from_utf8(&call.body).unwrap().contains("\\/"),
        "slashes are escaped as PHP writes them"
    );
    let event = verifier.parse(&call.headers, &call.body).unwrap();
    assert_eq!(event.group, WebhookGroup::Products);
    assert_eq!(event.action, Some(WebhookAction::Created));
    assert_eq!(event.language.as_deref(), Some("en"));
    assert_eq!(event.record_id, Some(product.id.get()));
    assert!(matches!(event.record, WebhookRecord::Product(_)));

    client
        .variants()
        .update(
            variant.unwrap().id,
            &VariantInput {
                stock_level: Some(3),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let call = receiver.next().await;
    let event = verifier.parse(&call.headers, &call.body).unwrap();
    assert_eq!(event.group, WebhookGroup::Variants);

    client.products().delete(product.id).await.unwrap();
    let call = receiver.next().await;
    assert!(call.body.is_empty());
    assert_eq!(
        call.headers["x-product-id"],
        product.id.to_string().as_str()
    );
    let event = verifier.parse(&call.headers, &call.body).unwrap();
    assert_eq!(event.action, Some(WebhookAction::Deleted));
    // A wrong secret is refused.
    assert!(
        WebhookVerifier::new("other")
            .parse(&call.headers, &call.body)
            .is_err()
    );
    // The counter moves once the receiver has answered.
    eventually("three deliveries counted", || async {
        emu.stats().webhooks_delivered >= 3
    })
    .await;
    assert_eq!(emu.stats().webhooks_delivered, 3);
}

#[tokio::test]
async fn xseries_events_are_form_bodies_signed_with_hmac_sha256() {
    let emu = start().await;
    let receiver = Receiver::start().await;
    for kind in ["product.update", "inventory.update"] {
        let (status, _) = xs_send(
            &emu,
            Method::POST,
            "api/2.0/webhooks",
            Some(&json!({"url": receiver.url, "active": true, "type": kind})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let client = xseries(&emu);
    let outlet = client.outlets().all().await.unwrap().remove(0);
    client
        .products()
        .create(&ProductCreate {
            name: Some("Wallet".into()),
            sku: Some("W-1".into()),
            inventory: Some(vec![InventoryInput {
                outlet_id: outlet.id,
                current_amount: Some(4.into()),
                ..Default::default()
            }]),
            ..Default::default()
        })
        .await
        .unwrap();
    use secrecy::ExposeSecret;
    let verifier = lightspeed_xseries::webhook::WebhookVerifier::new(
        emu.config()
            .xseries
            .client_secret
            .expose_secret()
            .to_string(),
    );
    // One product.update and one inventory.update, and nothing else.
    let calls = receiver.take(2).await;
    receiver
        .assert_no_more(std::time::Duration::from_millis(300))
        .await;
    let mut kinds = Vec::new();
    for call in calls {
        assert_eq!(
            call.headers["content-type"],
            "application/x-www-form-urlencoded"
        );
        let signature = call.headers["x-signature"].to_str().unwrap();
        assert!(signature.ends_with(",algorithm=HMAC-SHA256"), "{signature}");
        verifier.verify(signature, &call.body).unwrap();
        let event =
            lightspeed_xseries::webhook::WebhookEvent::parse_unverified(&call.body, None).unwrap();
        assert_eq!(event.domain_prefix.as_deref(), Some("emulator"));
        kinds.push(
            format!("{:?}", event.payload)
                .split('(')
                .next()
                .unwrap()
                .to_string(),
        );
    }
    kinds.sort();
    assert_eq!(kinds, ["Inventory", "Product"]);
}
