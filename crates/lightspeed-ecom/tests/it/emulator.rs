//! Whole flows against the emulator, where the exact wire is the emulator's business: the
//! client and the emulator share one virtual clock, so a rate-limit wait costs no real time and
//! no result depends on how fast the machine is.

use std::sync::Arc;
use std::time::Duration;

use lightspeed_core::{ManualClock, RetryPolicy};
use lightspeed_ecom::Client;
use lightspeed_ecom::model::*;
use lightspeed_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

/// An emulator with `config` on `clock`, and a Dutch client of it on the same clock.
async fn start(config: EmulatorConfig, clock: &ManualClock) -> (EmulatorHandle, Client) {
    let emulator = Emulator::start(config.with_clock(Arc::new(clock.clone())))
        .await
        .unwrap();
    let client = Client::builder(emulator.ecom_key(), emulator.ecom_secret())
        .base_url(emulator.ecom_url())
        .language("nl")
        .clock(Arc::new(clock.clone()))
        .retry(RetryPolicy::default().jitter(false))
        .build()
        .unwrap();
    (emulator, client)
}

/// The supplier with this title, created when the shop has none (as the sync does).
async fn supplier_named(client: &Client, title: &str) -> Supplier {
    let existing = client.suppliers().list().all().await.unwrap();
    if let Some(found) = existing
        .into_iter()
        .find(|s| s.title.as_deref() == Some(title))
    {
        return found;
    }
    client
        .suppliers()
        .create(&SupplierInput {
            title: Some(title.into()),
            ..Default::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_products_supplier_type_and_tags_round_trip_through_the_emulator() {
    let clock = crate::clock();
    let (_emulator, client) = start(EmulatorConfig::default().unlimited(), &clock).await;

    let acme = supplier_named(&client, "Acme").await;
    assert_eq!(
        supplier_named(&client, "Acme").await,
        acme,
        "found, not made twice"
    );
    assert_eq!(client.suppliers().count().await.unwrap(), 1);
    let wallets = client
        .types()
        .create(&ProductTypeInput {
            title: Some("Wallets".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let (wallet, _) = client
        .create_product(&ProductInput {
            title: Some("Wallet".into()),
            supplier: Some(acme.id),
            product_type: Some(wallets.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(wallet.supplier.as_ref().unwrap().id, Some(acme.id));
    assert_eq!(
        wallet.supplier.as_ref().unwrap().url.as_deref(),
        Some(format!("suppliers/{}", acme.id).as_str())
    );
    assert_eq!(wallet.product_type.as_ref().unwrap().id, Some(wallets.id));
    client
        .create_product(&ProductInput {
            title: Some("Belt".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let by_supplier = client
        .products()
        .list()
        .supplier(acme.id)
        .all()
        .await
        .unwrap();
    assert_eq!(by_supplier.len(), 1);
    assert_eq!(by_supplier[0].id, wallet.id);
    let by_type = client
        .products()
        .list()
        .product_type(wallets.id)
        .count()
        .await
        .unwrap();
    assert_eq!(by_type, 1);

    let gifts = client
        .tags()
        .create(&TagInput {
            title: Some("Gifts".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let link = client
        .tags_products()
        .create(&TagsProductInput {
            tag: Some(gifts.id),
            product: Some(wallet.id),
            ..Default::default()
        })
        .await
        .unwrap();
    let links = client
        .tags_products()
        .list()
        .product(wallet.id)
        .all()
        .await
        .unwrap();
    assert_eq!(links, vec![link.clone()]);
    client.tags_products().delete(link.id).await.unwrap();
    assert!(
        client
            .tags_products()
            .list()
            .product(wallet.id)
            .all()
            .await
            .unwrap()
            .is_empty()
    );

    let renamed = client
        .suppliers()
        .update(
            acme.id,
            &SupplierInput {
                title: Some("Acme Leather".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.title.as_deref(), Some("Acme Leather"));
    client.suppliers().delete(acme.id).await.unwrap();
    assert_eq!(client.suppliers().get_opt(acme.id).await.unwrap(), None);
}

#[tokio::test]
async fn the_client_waits_out_the_emulators_window_in_virtual_time() {
    let clock = crate::clock();
    let mut config = EmulatorConfig::default();
    config.limits.ecom = [3, 100, 1000];
    let (emulator, client) = start(config, &clock).await;

    for _ in 0..5 {
        client.suppliers().count().await.unwrap();
    }
    // Calls go out 51 ms apart (20 a second, evenly spaced with a 2% margin). The third
    // answer says the budget is spent; the client waits on the shared clock until the reset
    // its answers told (t = 300 s) before the fourth call, so the emulator never has to refuse
    // one, and the fifth follows 51 ms later.
    let sleeps = clock.sleeps();
    assert_eq!(
        sleeps,
        vec![
            Duration::from_millis(51),
            Duration::from_millis(51),
            Duration::from_millis(299_898),
            Duration::from_millis(51)
        ]
    );
    assert_eq!(emulator.stats().rate_limited, 0);
    assert_eq!(emulator.stats().requests, 5);
}

#[tokio::test]
async fn orders_lines_shipments_and_bulk_variants_through_the_emulator() {
    let clock = crate::clock();
    let (emulator, client) = start(EmulatorConfig::default().unlimited(), &clock).await;
    let (product, variant) = client
        .create_product(&ProductInput {
            title: Some("Wallet".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let variant = variant.unwrap();
    client
        .variants()
        .update(
            variant.id,
            &VariantInput {
                sku: Some("LW-001".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let id = emulator
        .place_ecom_order(&serde_json::json!({
            "email": "anna@example.com", "firstname": "Anna", "lastname": "de Vries",
            "paymentStatus": "paid", "shipmentTitle": "DHL", "shipmentPriceExcl": 4.95,
            "shipmentTaxRate": 0.21,
            "lines": [{"sku": "LW-001", "quantity": 2, "priceExcl": 74.34, "taxRate": 0.21,
                       "productTitle": "Wallet"}]}))
        .unwrap();
    let orders = client.orders().list().send().await.unwrap();
    assert_eq!(orders.len(), 1);
    let order = &orders[0];
    assert_eq!(order.id, OrderId(id));
    assert_eq!(order.number.as_deref(), Some("ORD00001"));
    assert_eq!(order.payment_status, Some(PaymentStatus::Paid));
    // 2 x 74.34 + 4.95 shipping, and 21% on both.
    assert_eq!(order.price_excl, Some("153.63".parse().unwrap()));
    assert_eq!(order.price_incl, Some("185.89".parse().unwrap()));
    let lines = client.order_products(order.id).list().send().await.unwrap();
    assert_eq!(lines[0].sku.as_deref(), Some("LW-001"));
    assert_eq!(lines[0].quantity_ordered, Some(2));
    assert_eq!(lines[0].base_price_excl, Some("74.34".parse().unwrap()));
    assert_eq!(
        lines[0].variant.as_ref().and_then(|l| l.id),
        Some(variant.id),
        "the line links the shop's variant"
    );
    // Updates: the order's status, then its shipment.
    let updated = client
        .orders()
        .update(
            order.id,
            &OrderInput {
                memo: Some("X-Series sale 1".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.memo.as_deref(), Some("X-Series sale 1"));
    let shipments = client
        .shipments()
        .list()
        .order(order.id)
        .send()
        .await
        .unwrap();
    assert_eq!(shipments.len(), 1);
    let shipped = client
        .shipments()
        .update(
            shipments[0].id,
            &ShipmentInput {
                status: Some(ShipmentStatus::Shipped),
                tracking_code: Some("3SABC123".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(shipped.tracking_code.as_deref(), Some("3SABC123"));
    let order = client.orders().get(order.id).await.unwrap();
    assert_eq!(order.shipment_status, Some(ShipmentStatus::Shipped));
    assert_eq!(order.status, Some(OrderStatus::CompletedShipped));
    // Many variants in one call.
    let changed = client
        .update_variants_bulk(vec![VariantBulkItem {
            id: variant.id,
            changes: VariantInput {
                stock_level: Some(7),
                ..Default::default()
            },
        }])
        .await
        .unwrap();
    assert_eq!(changed[0].stock_level, Some(7));
    let _ = product;
}
