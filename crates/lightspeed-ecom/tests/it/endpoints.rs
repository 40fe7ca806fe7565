//! Each endpoint family: method, path with language, query, and the envelope both ways.

use lightspeed_ecom::model::*;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{KEY, SECRET, client, clock, fixture};

fn ok(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn products_crud_in_the_clients_language_with_basic_auth() {
    let server = MockServer::start().await;
    let basic = format!(
        "Basic {}",
        base64_encode(format!("{KEY}:{SECRET}").as_bytes())
    );
    Mock::given(method("GET"))
        .and(path("/nl/products/163090479.json"))
        .and(header("authorization", basic.as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(fixture("ecom/product/product.nl-live-trimmed.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/nl/products.json"))
        .and(body_json(
            json!({"product": {"title": "Shirt", "visibility": "auto", "brand": 7}}),
        ))
        .respond_with(ok(json!({"product": {"id": 9, "title": "Shirt"}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/en/products/9.json"))
        .and(body_json(json!({"product": {"title": "Shirt EN"}})))
        .respond_with(ok(json!({"product": {"id": 9, "title": "Shirt EN"}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/nl/products/9.json"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let product = client.products().get(ProductId(163090479)).await.unwrap();
    assert_eq!(product.title.as_deref(), Some("1 kanaals relais board 3V"));
    assert_eq!(product.brand, None);

    let input = ProductInput {
        title: Some("Shirt".into()),
        visibility: Some(Visibility::Auto),
        brand: Some(BrandId(7)),
        ..Default::default()
    };
    let created = client.products().create(&input).await.unwrap();
    assert_eq!(created.id, ProductId(9));

    let english = ProductInput {
        title: Some("Shirt EN".into()),
        ..Default::default()
    };
    let updated = client
        .products()
        .in_language("en")
        .unwrap()
        .update(created.id, &english)
        .await
        .unwrap();
    assert_eq!(updated.title.as_deref(), Some("Shirt EN"));
    client.products().delete(created.id).await.unwrap();
}

#[tokio::test]
async fn creating_a_product_returns_its_default_variant() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/nl/products.json"))
        .respond_with(ok(json!({"product": {"id": 163090479, "title": "x"}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/variants.json"))
        .and(query_param("product", "163090479"))
        .respond_with(ok(json!({"variants": [
            {"id": 1, "isDefault": false},
            serde_json::from_slice::<serde_json::Value>(&fixture("ecom/variant/variant.nl-live-trimmed.json")).unwrap()["variant"],
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/nl/variants/322925834.json"))
        .and(body_json(
            json!({"variant": {"sku": "LABL26", "priceIncl": 3.49, "stockLevel": 148}}),
        ))
        .respond_with(ok(json!({"variant": {"id": 322925834, "sku": "LABL26"}})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let (product, variant) = client
        .create_product(&ProductInput {
            title: Some("x".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let variant = variant.expect("the default variant");
    assert_eq!(product.id, ProductId(163090479));
    assert_eq!(variant.id, VariantId(322925834));
    assert_eq!(variant.price_excl, Some("2.8843".parse().unwrap()));

    let changes = VariantInput {
        sku: Some("LABL26".into()),
        price_incl: Some("3.49".parse().unwrap()),
        stock_level: Some(148),
        ..Default::default()
    };
    client
        .variants()
        .update(variant.id, &changes)
        .await
        .unwrap();
}

#[tokio::test]
async fn images_from_a_url_from_bytes_and_reordered() {
    let server = MockServer::start().await;
    let image = serde_json::from_slice::<serde_json::Value>(&fixture(
        "ecom/product_image/product-image.nl-live.json",
    ))
    .unwrap();
    Mock::given(method("POST"))
        .and(path("/nl/products/5/images.json"))
        .and(body_json(json!({"productImage": {"attachment": "https://pim.example/a.png", "filename": "a.png"}})))
        .respond_with(ok(image.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/nl/products/5/images.json"))
        .and(body_json(
            json!({"productImage": {"attachment": "aGVsbG8=", "filename": "b.png"}}),
        ))
        .respond_with(ok(image.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/nl/products/5/images/445094675.json"))
        .and(body_json(json!({"productImage": {"sortOrder": 2}})))
        .respond_with(ok(image.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/products/5/images.json"))
        .respond_with(ok(json!({"productImages": [image["productImage"]]})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);
    let images = client.product_images(ProductId(5));

    let created = images
        .create_from_url("https://pim.example/a.png", "a.png")
        .await
        .unwrap();
    assert_eq!(created.id, ProductImageId(445094675));
    images.create_from_bytes(b"hello", "b.png").await.unwrap();
    images.set_sort_order(created.id, 2).await.unwrap();
    let listed = images.list().send().await.unwrap();
    assert_eq!(listed[0].sort_order, Some(1));
}

#[tokio::test]
async fn category_tree_links_and_bulk_links() {
    let server = MockServer::start().await;
    let category = serde_json::from_slice::<serde_json::Value>(&fixture(
        "ecom/category/category.nl-live-trimmed.json",
    ))
    .unwrap();
    Mock::given(method("GET"))
        .and(path("/nl/categories.json"))
        .and(query_param("parent", "13881644"))
        .respond_with(ok(json!({"categories": [category["category"]]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/nl/categories/products.json"))
        .and(body_json(
            json!({"categoriesProduct": {"category": 13881645, "product": 163090479}}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_bytes(fixture(
            "ecom/categories_product/categories-product.nl-live.json",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/nl/categories/products/1171906066.json"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/nl/categories/products/bulk.json"))
        .and(body_json(json!({"categoriesProduct": [
            {"category": 1, "product": 2},
            {"category": 1, "product": 3, "sortOrder": 2}
        ]})))
        .respond_with(ResponseTemplate::new(200).set_body_string(""))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let children = client
        .categories()
        .list()
        .parent(CategoryId(13881644))
        .send()
        .await
        .unwrap();
    assert_eq!(children[0].depth, Some(2));
    assert_eq!(
        children[0].path_ids(),
        vec![CategoryId(13881645), CategoryId(13881644)]
    );
    assert_eq!(
        children[0].parent.as_ref().unwrap().id,
        Some(CategoryId(13881644))
    );

    let link = client
        .categories_products()
        .create(&CategoriesProductInput {
            category: Some(CategoryId(13881645)),
            product: Some(ProductId(163090479)),
            ..Default::default()
        })
        .await
        .unwrap();
    client.categories_products().delete(link.id).await.unwrap();

    let links = vec![
        CategoriesProductInput {
            category: Some(CategoryId(1)),
            product: Some(ProductId(2)),
            ..Default::default()
        },
        CategoriesProductInput {
            category: Some(CategoryId(1)),
            product: Some(ProductId(3)),
            sort_order: Some(2),
            ..Default::default()
        },
    ];
    assert!(client.link_categories_bulk(links).await.unwrap().is_empty());
}

#[tokio::test]
async fn types_attributes_answer_create_with_the_plural_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/nl/types/attributes.json"))
        .and(body_json(
            json!({"typesAttribute": {"type": 252474, "attribute": 2}}),
        ))
        .respond_with(ok(json!({"typesAttributes": {"id": 5, "sortOrder": null}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/nl/products/1/attributes.json"))
        .and(body_json(
            json!({"productAttributes": [{"id": 2, "value": "Red"}]}),
        ))
        .respond_with(ok(
            json!({"productAttributes": [{"id": 2, "value": "Red"}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/nl/products/1/attributes/2.json"))
        .and(body_json(json!({"productAttribute": {"value": "Blue"}})))
        .respond_with(ok(json!({"productAttribute": {"id": 2, "value": "Blue"}})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let link = client
        .types_attributes()
        .create(&TypesAttributeInput {
            product_type: Some(TypeId(252474)),
            attribute: Some(AttributeId(2)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(link.id, TypesAttributeId(5));

    let values = client.product_attributes(ProductId(1));
    let all = values
        .update_all(vec![lightspeed_ecom::client::ProductAttributeValue {
            id: AttributeId(2),
            value: "Red".into(),
        }])
        .await
        .unwrap();
    assert_eq!(all[0].value.as_deref(), Some("Red"));
    let one = values
        .update(
            AttributeId(2),
            &ProductAttributeInput {
                value: Some("Blue".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(one.value.as_deref(), Some("Blue"));
}

#[tokio::test]
async fn brands_types_attributes_tags_and_tag_links() {
    let server = MockServer::start().await;
    for (route, file) in [
        (
            "/nl/brands/5000916.json",
            "ecom/brand/brand.nl-live-trimmed.json",
        ),
        ("/nl/types/252474.json", "ecom/type/type.nl-live.json"),
        (
            "/nl/attributes/1.json",
            "ecom/attribute/attribute.shape.json",
        ),
        ("/nl/tags/18890214.json", "ecom/tag/tag.nl-live.json"),
    ] {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(fixture(file)))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/nl/brands.json"))
        .and(body_json(json!({"brand": {"title": "Delta"}})))
        .respond_with(ok(json!({"brand": {"id": 5000916, "title": "Delta"}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/tags/products.json"))
        .and(query_param("product", "163090479"))
        .respond_with(ok(json!({"tagsProducts": [
            serde_json::from_slice::<serde_json::Value>(&fixture("ecom/tags_product/tags-product.nl-live.json")).unwrap()["tagsProduct"]
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/nl/tags/products.json"))
        .and(body_json(
            json!({"tagsProduct": {"tag": 18890214, "product": 163090479}}),
        ))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_bytes(fixture("ecom/tags_product/tags-product.nl-live.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let brand = client.brands().get(BrandId(5000916)).await.unwrap();
    assert_eq!(
        (brand.title.as_deref(), brand.content.as_deref()),
        (Some("Delta"), None)
    );
    let made = client
        .brands()
        .create(&BrandInput {
            title: Some("Delta".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(made.id, brand.id);
    assert_eq!(
        client
            .types()
            .get(TypeId(252474))
            .await
            .unwrap()
            .title
            .as_deref(),
        Some("Electronics")
    );
    assert_eq!(
        client
            .attributes()
            .get(AttributeId(1))
            .await
            .unwrap()
            .title
            .as_deref(),
        Some("Color")
    );
    let tag = client.tags().get(TagId(18890214)).await.unwrap();
    let links = client
        .tags_products()
        .list()
        .product(ProductId(163090479))
        .send()
        .await
        .unwrap();
    assert_eq!(links[0].tag.as_ref().unwrap().id, Some(tag.id));
    client
        .tags_products()
        .create(&TagsProductInput {
            tag: Some(tag.id),
            product: Some(ProductId(163090479)),
            ..Default::default()
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn suppliers_crud_and_products_by_supplier_and_type() {
    let server = MockServer::start().await;
    let acme = json!({"id": 41, "createdAt": "2026-11-14T11:00:00+01:00",
                      "updatedAt": "2026-11-14T11:00:00+01:00", "title": "Acme"});
    Mock::given(method("POST"))
        .and(path("/nl/suppliers.json"))
        .and(body_json(json!({"supplier": {"title": "Acme"}})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"supplier": acme})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/suppliers.json"))
        .respond_with(ok(json!({"suppliers": [acme]})))
        .expect(1)
        .mount(&server)
        .await;
    // A field this crate does not model is kept.
    let mut renamed = acme.clone();
    renamed["title"] = json!("Acme Leather");
    renamed["city"] = json!("Amsterdam");
    Mock::given(method("PUT"))
        .and(path("/nl/suppliers/41.json"))
        .and(body_json(json!({"supplier": {"title": "Acme Leather"}})))
        .respond_with(ok(json!({"supplier": renamed})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/nl/suppliers/41.json"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/products.json"))
        .and(query_param("supplier", "41"))
        .and(query_param("type", "9"))
        .respond_with(ok(json!({"products": [{"id": 7, "title": "Wallet",
            "supplier": {"resource": {"id": 41, "url": "suppliers/41",
                                      "link": "https://api.webshopapp.com/nl/suppliers/41.json"}},
            "type": {"resource": {"id": 9, "url": "types/9",
                                  "link": "https://api.webshopapp.com/nl/types/9.json"}}}]})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let made = client
        .suppliers()
        .create(&SupplierInput {
            title: Some("Acme".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (made.id, made.title.as_deref()),
        (SupplierId(41), Some("Acme"))
    );
    assert!(made.created_at.is_some());
    assert_eq!(client.suppliers().list().send().await.unwrap(), vec![made]);
    let renamed = client
        .suppliers()
        .update(
            SupplierId(41),
            &SupplierInput {
                title: Some("Acme Leather".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.extra["city"], "Amsterdam");
    let products = client
        .products()
        .list()
        .supplier(SupplierId(41))
        .product_type(TypeId(9))
        .send()
        .await
        .unwrap();
    assert_eq!(
        products[0].supplier.as_ref().unwrap().id,
        Some(SupplierId(41))
    );
    assert_eq!(
        products[0].product_type.as_ref().unwrap().id,
        Some(TypeId(9))
    );
    client.suppliers().delete(SupplierId(41)).await.unwrap();
}

#[tokio::test]
async fn metafields_movements_and_bulk_variants() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/products/163090479/metafields.json"))
        .respond_with(ok(json!({"productMetafields": [
            serde_json::from_slice::<serde_json::Value>(&fixture("ecom/product_metafield/product-metafield.nl-live.json")).unwrap()["productMetafield"]
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/nl/variants/7/metafields.json"))
        .and(body_json(
            json!({"variantMetafield": {"key": "color", "value": "red"}}),
        ))
        .respond_with(ok(
            json!({"variantMetafield": {"id": 3, "key": "color", "value": "red"}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/variants/movements.json"))
        .and(query_param("variant", "7"))
        .respond_with(ok(json!({"variantsMovements": [
            {"id": 1, "createdAt": "2026-06-02T10:24:43+02:00", "channel": "api", "stockLevelChange": -2},
            {"id": 2, "type": "sale", "amount": 1, "variant": {"resource": {"id": 7, "url": "variants/7", "link": "x"}}}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/nl/variants/bulk.json"))
        .and(body_json(
            json!({"variant": [{"id": 7, "stockLevel": 3}, {"id": 8, "priceExcl": 10.5}]}),
        ))
        .respond_with(ok(json!({"variants": [{"id": 7}, {"id": 8}]})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let metafields = client
        .product_metafields(ProductId(163090479))
        .list()
        .send()
        .await
        .unwrap();
    assert_eq!(metafields[0].key.as_deref(), Some("meta_description_nl"));
    let made = client
        .variant_metafields(VariantId(7))
        .create(&MetafieldInput {
            key: Some("color".into()),
            value: Some("red".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(made.id, MetafieldId(3));

    let moves = client
        .variant_movements()
        .list()
        .variant(VariantId(7))
        .send()
        .await
        .unwrap();
    assert_eq!(moves[0].stock_level_change, Some(-2));
    assert_eq!(moves[1].amount, Some(1));

    let items = vec![
        VariantBulkItem {
            id: VariantId(7),
            changes: VariantInput {
                stock_level: Some(3),
                ..Default::default()
            },
        },
        VariantBulkItem {
            id: VariantId(8),
            changes: VariantInput {
                price_excl: Some("10.5".parse().unwrap()),
                ..Default::default()
            },
        },
    ];
    assert_eq!(client.update_variants_bulk(items).await.unwrap().len(), 2);
}

#[tokio::test]
async fn orders_lines_customers_invoices_and_shipments() {
    let server = MockServer::start().await;
    let order = serde_json::from_slice::<serde_json::Value>(&fixture(
        "ecom/order/webhook-orders-created.json",
    ))
    .unwrap();
    let lines = order["order"]["products"]["resource"]["embedded"].clone();
    Mock::given(method("GET"))
        .and(path("/nl/orders.json"))
        .and(query_param("number", "ORD00002"))
        .respond_with(ok(json!({"orders": [order["order"]]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/orders/123/products.json"))
        .respond_with(ok(json!({"orderProducts": lines})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/nl/orders/123.json"))
        .and(body_json(
            json!({"order": {"shipmentStatus": "shipped", "memo": "sent"}}),
        ))
        .respond_with(ok(
            json!({"order": {"id": 123, "shipmentStatus": "shipped"}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/customers.json"))
        .and(query_param("email", "customer@email.com"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(fixture("ecom/customer/webhook-customers-created.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/nl/customers/123.json"))
        .and(body_json(json!({"customer": {"phone": "+31 20 123"}})))
        .respond_with(ok(json!({"customer": {"id": 123, "phone": "+31 20 123"}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/invoices.json"))
        .and(query_param("order", "123"))
        .respond_with(ok(
            json!({"invoices": order["order"]["invoices"]["resource"]["embedded"]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/shipments/123.json"))
        .respond_with(ok(
            json!({"shipment": order["order"]["shipments"]["resource"]["embedded"][0]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let found = client
        .orders()
        .list()
        .number("ORD00002")
        .send()
        .await
        .unwrap();
    let order = &found[0];
    assert_eq!(order.status, Some(OrderStatus::ProcessingAwaitingShipment));
    assert_eq!(
        order.embedded_customer().unwrap().unwrap().email.as_deref(),
        Some("customer@email.com")
    );
    let lines = client.order_products(order.id).list().send().await.unwrap();
    assert_eq!(lines[0].product_title.as_deref(), Some("Product Title"));
    assert_eq!(lines[0].quantity_ordered, Some(1));
    client
        .orders()
        .update(
            order.id,
            &OrderInput {
                shipment_status: Some(ShipmentStatus::Shipped),
                memo: Some("sent".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let customers = client
        .customers()
        .list()
        .email("customer@email.com")
        .send()
        .await
        .unwrap();
    assert_eq!(customers[0].birth_date, None);
    client
        .customers()
        .update(
            customers[0].id,
            &CustomerInput {
                phone: Some("+31 20 123".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let invoices = client
        .invoices()
        .list()
        .order(OrderId(123))
        .send()
        .await
        .unwrap();
    assert_eq!(invoices[0].number.as_deref(), Some("INV00002"));
    let shipment = client.shipments().get(ShipmentId(123)).await.unwrap();
    assert_eq!(shipment.status, Some(ShipmentStatus::NotShipped));
}

#[tokio::test]
async fn webhooks_crud_and_store_singletons() {
    let server = MockServer::start().await;
    let request: serde_json::Value = serde_json::from_slice(&fixture(
        "ecom/requests/webhook/webhook-create-request.json",
    ))
    .unwrap();
    Mock::given(method("POST"))
        .and(path("/nl/webhooks.json"))
        .and(body_json(request.clone()))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_bytes(fixture("ecom/webhook/webhook.live-shape.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/nl/webhooks/4745101.json"))
        .and(body_json(json!({"webhook": {"isActive": false}})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(fixture("ecom/webhook/webhook.live-shape.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/webhooks.json"))
        .respond_with(ok(json!({"webhooks": []})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/nl/webhooks/4745101.json"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    for (route, file) in [
        ("/nl/shop.json", "ecom/shop/shop.nl-live-trimmed.json"),
        (
            "/nl/account.json",
            "ecom/account/account.nl-live-trimmed.json",
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(fixture(file)))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/nl/languages.json"))
        .respond_with(ok(json!({"languages": [
            {"id": 1, "isActive": true, "isDefault": true, "code": "nl", "locale": "nl_NL", "title": "Nederlands"},
            {"id": 3, "isActive": true, "isDefault": false, "code": "en", "locale": "en_GB", "title": "English"}
        ]})))
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let input: WebhookInput = serde_json::from_value(request["webhook"].clone()).unwrap();
    let hook = client.webhooks().create(&input).await.unwrap();
    assert_eq!(hook.item_group, Some(WebhookGroup::Products));
    assert_eq!(hook.language.as_ref().unwrap().code.as_deref(), Some("nl"));
    client
        .webhooks()
        .update(
            hook.id,
            &WebhookInput {
                is_active: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(client.webhooks().list().send().await.unwrap().is_empty());
    client.webhooks().delete(hook.id).await.unwrap();

    let shop = client.shop().await.unwrap();
    assert_eq!(shop.currency.unwrap().shortcode.as_deref(), Some("EUR"));
    let account = client.account().await.unwrap();
    assert_eq!(account.app_id, None);
    assert!(!format!("{account:?}").contains("test-api-key"));
    let languages = client.languages().list().send().await.unwrap();
    assert_eq!(languages.len(), 2);
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
