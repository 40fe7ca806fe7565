//! Each endpoint family: method, path, query, body shape and answer, with bearer auth.

use lightspeed_xseries::model::*;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{TOKEN, client, clock, fixture};

fn ok_bytes(file: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_bytes(fixture(file))
}

#[tokio::test]
async fn products_read_create_update_delete_with_the_right_api_generation() {
    let server = MockServer::start().await;
    let bearer = format!("Bearer {TOKEN}");
    Mock::given(method("GET"))
        .and(path(
            "/api/2.0/products/b8ca3a65-0183-11e4-fbb5-9776c5cd0240",
        ))
        .and(header("authorization", bearer.as_str()))
        .respond_with(ok_bytes(
            "xseries/product/api20-2025__GET_products_id__200.json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/2.0/products"))
        .and(body_json(
            json!({"name": "Tee", "sku": "TEE-1", "price_excluding_tax": 10.5,
            "inventory": [{"outlet_id": "o1", "current_amount": 5}]}),
        ))
        .respond_with(ok_bytes(
            "xseries/product_ids/api20-2025__POST_products__200.json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/2.1/products/p1"))
        .and(body_json(json!({"common": {"name": "Tee"}, "details": {"inventory": [{"outlet_id": "o1", "current_amount": 7}]}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/2.0/products/p1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/products/p1/inventory"))
        .respond_with(ok_bytes(
            "xseries/inventory/api20-2025__GET_products_id_inventory__200.json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let product = client
        .products()
        .get(&"b8ca3a65-0183-11e4-fbb5-9776c5cd0240".into())
        .await
        .unwrap();
    assert!(product.name.is_some());
    assert!(product.version.is_some());

    let create = ProductCreate {
        name: Some("Tee".into()),
        sku: Some("TEE-1".into()),
        price_excluding_tax: Some("10.5".parse().unwrap()),
        inventory: Some(vec![InventoryInput {
            outlet_id: Some("o1".into()),
            current_amount: Some(5.into()),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let ids = client.products().create(&create).await.unwrap();
    assert!(!ids.is_empty());

    let update = Product21 {
        common: Some(Product21Common {
            name: Some("Tee".into()),
            ..Default::default()
        }),
        details: Some(Product21Details {
            inventory: Some(vec![InventoryInput {
                outlet_id: Some("o1".into()),
                current_amount: Some(7.into()),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    };
    client
        .products()
        .update_v21(&"p1".into(), &update)
        .await
        .unwrap();
    let stock = client
        .products()
        .inventory(&"p1".into())
        .page()
        .await
        .unwrap()
        .items();
    assert!(!stock.is_empty());
    client.products().delete(&"p1".into()).await.unwrap();
}

#[tokio::test]
async fn store_reads() {
    let server = MockServer::start().await;
    for (route, file) in [
        (
            "/api/2.0/outlets",
            "xseries/outlet/api20-2025__GET_outlets__200.json",
        ),
        (
            "/api/2.0/registers",
            "xseries/register/api20-2025__GET_registers__200.json",
        ),
        (
            "/api/2.0/users",
            "xseries/user/api20-2025__GET_users__200.json",
        ),
        (
            "/api/2.0/user",
            "xseries/user/api20-2025__GET_user__200.json",
        ),
        (
            "/api/2.0/taxes",
            "xseries/tax/api20-2025__GET_taxes__200.json",
        ),
        (
            "/api/2.0/payment_types",
            "xseries/payment_type/api20-2025__GET_payment_types__200.json",
        ),
        (
            "/api/2.0/brands",
            "xseries/brand/api20-2025__GET_brands__200.json",
        ),
        (
            "/api/2.0/suppliers",
            "xseries/supplier/api20-2025__GET_suppliers__200.json",
        ),
        (
            "/api/2.0/product_types",
            "xseries/product_type/api20-2025__GET_product_types__200.json",
        ),
        (
            "/api/2.0/tags",
            "xseries/tag/api20-2025__GET_tags__200.json",
        ),
        (
            "/api/2.0/inventory",
            "xseries/inventory/api20-2025__GET_inventory__200.json",
        ),
        (
            "/api/2.0/consignments/c1",
            "xseries/consignment/api20-2025__GET_consignments_id__200.json",
        ),
        (
            "/api/2.0/consignments/c1/products",
            "xseries/consignment_product/api20-2025__GET_consignments_id_products__200.json",
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(ok_bytes(file))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/api/2.0/retailer"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {
            "id": "r", "name": "My Store", "domain_prefix": "mystore", "tax_exclusive": false, "version": "12"
        }})))
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let outlets = client.outlets().page().await.unwrap();
    assert!(outlets.items().iter().all(|o| o.id.is_some()));
    let registers = client.registers().page().await.unwrap().items();
    assert!(registers[0].invoice_prefix.is_some());
    assert!(!client.users().page().await.unwrap().items().is_empty());
    assert!(client.me().await.unwrap().username.is_some());
    let taxes = client.taxes().page().await.unwrap().items();
    assert!(taxes[0].rates.as_ref().is_some_and(|r| !r.is_empty()));
    let types = client.payment_types().page().await.unwrap().items();
    assert!(types.iter().any(|t| t.type_id.is_some()));
    assert!(!client.brands().page().await.unwrap().items().is_empty());
    assert!(!client.suppliers().page().await.unwrap().items().is_empty());
    assert!(
        !client
            .product_types()
            .page()
            .await
            .unwrap()
            .items()
            .is_empty()
    );
    assert!(!client.tags().page().await.unwrap().items().is_empty());
    let inventory = client.inventory().page().await.unwrap().items();
    assert!(
        inventory
            .iter()
            .all(|i| i.product_id.is_some() && i.outlet_id.is_some())
    );
    let consignment = client.consignment(&"c1".into()).await.unwrap();
    assert_eq!(consignment.kind.as_deref(), Some("SUPPLIER"));
    let lines = client
        .consignment_products(&"c1".into())
        .page()
        .await
        .unwrap()
        .items();
    assert!(lines[0].count.is_some());
    let retailer = client.retailer().await.unwrap();
    assert_eq!(retailer.domain_prefix.as_deref(), Some("mystore"));
}

#[tokio::test]
async fn customers_create_update_and_find() {
    let server = MockServer::start().await;
    let request: serde_json::Value = serde_json::from_slice(&fixture(
        "xseries/requests/customer/vendspec2019__POST_customers__request.json",
    ))
    .unwrap();
    Mock::given(method("POST"))
        .and(path("/api/2.0/customers"))
        .and(body_json(request.clone()))
        .respond_with(ResponseTemplate::new(201).set_body_bytes(fixture(
            "xseries/customer/api20-2025__POST_customers__201.json",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/2.0/customers/c1"))
        .and(body_json(
            json!({"first_name": "Tony", "last_name": "Stark", "physical_city": "Malibu"}),
        ))
        .respond_with(ok_bytes(
            "xseries/customer/api20-2025__PUT_customers_id__200.json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/search"))
        .and(query_param("type", "customers"))
        .and(query_param("email", "tony@stark.com"))
        .respond_with(ok_bytes(
            "xseries/customer/api20-2025__GET_customers__200.json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let input: CustomerInput = serde_json::from_value(request).unwrap();
    let made = client.customers().create(&input).await.unwrap();
    assert!(made.id.is_some());
    let changes = CustomerInput {
        first_name: Some("Tony".into()),
        last_name: Some("Stark".into()),
        physical_city: Some("Malibu".into()),
        ..Default::default()
    };
    client
        .customers()
        .update(&"c1".into(), &changes)
        .await
        .unwrap();
    let found = client
        .customers()
        .find_by_email("tony@stark.com")
        .await
        .unwrap();
    assert!(
        found
            .iter()
            .any(|c| c.email.as_deref() == Some("tony@stark.com"))
    );
}

#[tokio::test]
async fn register_sales_go_through_api_0_9_and_sales_read_through_2_0() {
    let server = MockServer::start().await;
    let minimal: serde_json::Value = serde_json::from_slice(&fixture(
        "xseries/requests/register_sale/docs-sales101__POST_api_register_sales__minimal_request.json",
    ))
    .unwrap();
    let created =
        fixture("xseries/legacy_register_sale/pzurek-go-vend__GET_api_register_sales__200.json");
    let created: serde_json::Value = serde_json::from_slice(&created).unwrap();
    Mock::given(method("POST"))
        .and(path("/api/register_sales"))
        .and(body_json(minimal.clone()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"register_sale": created["register_sales"][0]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/sales/s1"))
        .respond_with(ok_bytes("xseries/sale/api20-2025__GET_sales_id__200.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/search"))
        .and(query_param("type", "sales"))
        .and(query_param("source_id", "ORD-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .expect(1)
        .mount(&server)
        .await;
    let full: serde_json::Value = serde_json::from_slice(&fixture(
        "xseries/requests/sale_2026/docs-v2026.01-sales101__POST_api_2026-01_sales__full_request.json",
    ))
    .unwrap();
    Mock::given(method("POST"))
        .and(path("/api/2026-01/sales"))
        .and(body_json(full.clone()))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"data": {"id": "s9"}})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let input: RegisterSaleInput = serde_json::from_value(minimal).unwrap();
    let sale = client.sales().create_register_sale(&input).await.unwrap();
    assert_eq!(sale.status, Some(SaleStatus::Closed));
    assert!(
        sale.register_sale_products
            .as_ref()
            .is_some_and(|l| !l.is_empty())
    );
    let read = client.sales().get(&"s1".into()).await.unwrap();
    assert!(read.line_items.is_some());
    assert!(
        client
            .sales()
            .find_by_source_id("ORD-1")
            .await
            .unwrap()
            .is_empty()
    );
    let dated: Sale2026Input = serde_json::from_value(full).unwrap();
    let answer = client.sales().create_2026(&dated).await.unwrap();
    assert_eq!(answer["id"], "s9");
}

#[tokio::test]
async fn webhooks_crud_and_a_duplicate_is_a_conflict() {
    let server = MockServer::start().await;
    let body =
        json!({"url": "https://hooks.example/x", "active": true, "type": "inventory.update"});
    Mock::given(method("POST"))
        .and(path("/api/2.0/webhooks"))
        .and(body_json(body.clone()))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"data": {"id": "w1", "url": "https://hooks.example/x", "active": true, "type": "inventory.update"}})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/2.0/webhooks"))
        .respond_with(
            ResponseTemplate::new(409)
                .set_body_json(json!({"error": "A webhook with this type and URL already exists"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/webhooks"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [{"id": "w1", "type": "inventory.update"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/2.0/webhooks/w1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"id": "w1", "active": false}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/2.0/webhooks/w1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);
    let input = WebhookInput {
        url: Some("https://hooks.example/x".into()),
        active: Some(true),
        kind: Some(WebhookType::InventoryUpdate),
        ..Default::default()
    };
    let hook = client.webhooks().create(&input).await.unwrap();
    assert_eq!(hook.kind, Some(WebhookType::InventoryUpdate));
    let err = client.webhooks().create(&input).await.unwrap_err();
    assert_eq!(err.kind(), lightspeed_core::ErrorKind::Conflict);
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(client.webhooks().list().await.unwrap().len(), 1);
    let id = hook.id.unwrap();
    let off = WebhookInput {
        active: Some(false),
        ..input
    };
    client.webhooks().update(&id, &off).await.unwrap();
    client.webhooks().delete(&id).await.unwrap();
}

#[tokio::test]
async fn error_bodies_and_the_connection_test_name_the_cause() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/users/u1"))
        .respond_with(ResponseTemplate::new(404).set_body_bytes(fixture(
            "xseries/error/api20-2025__DELETE_users_id__404.json",
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/retailer"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_bytes(fixture("xseries/error/api20-2025__GET_services__401.json")),
        )
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);
    let err = client
        .send(&lightspeed_xseries::endpoints::GetOne::<User>::new(
            "api/2.0/users/u1",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.api_message(), Some("user not found"));
    let problem = client.test_connection().await.unwrap_err();
    assert!(
        matches!(
            problem,
            lightspeed_xseries::ConnectionProblem::BadToken { .. }
        ),
        "{problem:?}"
    );
    assert!(
        problem.to_string().contains("Access token is not valid"),
        "{problem}"
    );

    let scoped = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/retailer"))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(json!({"error": "permission denied"})),
        )
        .mount(&scoped)
        .await;
    let problem = crate::client(&scoped, &clock)
        .test_connection()
        .await
        .unwrap_err();
    assert!(problem.to_string().contains("retailer:read"), "{problem}");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let unreachable = lightspeed_xseries::Client::builder()
        .base_url(&format!("http://{address}/"))
        .personal_token(TOKEN)
        .clock(std::sync::Arc::new(clock.clone()))
        .retry(lightspeed_core::RetryPolicy::never())
        .build()
        .unwrap();
    let problem = unreachable.test_connection().await.unwrap_err();
    assert!(
        matches!(
            problem,
            lightspeed_xseries::ConnectionProblem::Unreachable { .. }
        ),
        "{problem:?}"
    );
    assert!(problem.to_string().contains("domain prefix"), "{problem}");
}

#[tokio::test]
async fn a_search_that_ignores_source_id_cannot_pass_another_sale_off_as_the_one_sought() {
    let server = MockServer::start().await;
    // One reading of the 2.0 search: `source_id` is not a listed attribute and is ignored,
    // so every sale comes back.
    Mock::given(method("GET"))
        .and(path("/api/2.0/search"))
        .and(query_param("type", "sales"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"id": "s1", "source_id": "ORD-1"},
            {"id": "s2", "source_id": "ORD-2"},
            {"id": "s3"}
        ]})))
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);
    let found = client.sales().find_by_source_id("ORD-2").await.unwrap();
    let ids: Vec<_> = found.iter().filter_map(|s| s.id.clone()).collect();
    assert_eq!(ids, vec![SaleId::from("s2")]);
    assert!(
        client
            .sales()
            .find_by_source_id("ORD-9")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn users_by_id_variant_attributes_categories_and_customers_by_code() {
    let server = MockServer::start().await;
    // The official example of `GET /users/{id}` is a list of one.
    Mock::given(method("GET"))
        .and(path("/api/2.0/users/b1ed6158-f019-11e3-a0f5-b8ca3a64f8f4"))
        .respond_with(ok_bytes("xseries/user/api20-2025__GET_user__200.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/variant_attributes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"id": "06564c2b-6841-11eb-f2da-d2fb9abb0c90", "name": "Size", "deleted_at": null}]})))
        .mount(&server)
        .await;
    // Product categories page by category id (`page_info.last_seen`), not by version; the
    // bodies follow the OpenAPI schema (there is no recorded example).
    Mock::given(method("GET"))
        .and(path("/api/2.0/product_categories"))
        .and(query_param("after", "c2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "page_info": {"has_next": false, "last_seen": "c3"},
            "data": {"categories": [{"id": "c3", "name": "Socks", "parent_category_id": "c1",
                "root_category_id": "c1", "leaf_category": true,
                "category_path": [{"id": "c1", "name": "Clothing"}, {"id": "c3", "name": "Socks"}]}]}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/product_categories"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "page_info": {"has_next": true, "last_seen": "c2"},
            "data": {"categories": [
                {"id": "c1", "name": "Clothing", "leaf_category": false,
                 "category_path": [{"id": "c1", "name": "Clothing"}]},
                {"id": "c2", "name": "Shirts", "parent_category_id": "c1",
                 "category_path": [{"id": "c1", "name": "Clothing"}, {"id": "c2", "name": "Shirts"}]}]}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/search"))
        .and(query_param("type", "customers"))
        .and(query_param("customer_code", "lsync-FR-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{"id": "k1"}]})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server, &clock());
    let user = client
        .user(&UserId::from("b1ed6158-f019-11e3-a0f5-b8ca3a64f8f4"))
        .await
        .unwrap();
    assert!(user.id.is_some());
    let attributes = client.variant_attributes().all().await.unwrap();
    assert_eq!(attributes[0].name.as_deref(), Some("Size"));
    let categories = client.product_categories().await.unwrap();
    let paths: Vec<Vec<String>> = categories
        .iter()
        .map(|c| {
            c.category_path
                .iter()
                .flatten()
                .filter_map(|e| e.name.clone())
                .collect()
        })
        .collect();
    assert_eq!(
        paths,
        [
            vec!["Clothing"],
            vec!["Clothing", "Shirts"],
            vec!["Clothing", "Socks"]
        ]
    );
    let found = client.customers().find_by_code("lsync-FR-1").await.unwrap();
    assert_eq!(found[0].id, Some(CustomerId::from("k1")));
}
