//! X-Series endpoint families through the typed client, and the wire shapes that matter.

use futures::TryStreamExt;
use lightspeed_xseries::Decimal;
use lightspeed_xseries::model::{
    CustomerInput, InventoryInput, Product21, Product21Details, ProductCreate, RegisterSaleInput,
    RegisterSalePaymentInput, RegisterSaleProductInput, SaleStatus, WebhookInput,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{http, start, xs_get, xs_send, xseries};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[tokio::test]
async fn a_product_family_with_stock_is_created_read_and_versioned() {
    let emu = start().await;
    let client = xseries(&emu);
    let outlet = client.outlets().all().await.unwrap().remove(0);
    let (_, size) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/variant_attributes",
        Some(&json!({"name": "Size"})),
    )
    .await;
    let size_id = size["data"]["id"].as_str().unwrap().to_string();
    let (status, created) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/products",
        Some(&json!({
            "name": "Organic Cotton T-shirt",
            "price_excluding_tax": 20,
            "variants": [
                {"sku": "TS-S", "variant_definitions": [{"attribute_id": size_id, "value": "S"}],
                 "inventory": [{"outlet_id": outlet.id, "current_amount": 5}]},
                {"sku": "TS-M", "variant_definitions": [{"attribute_id": size_id, "value": "M"}]},
            ]
        })),
    )
    .await;
    assert_eq!(status, 200);
    let ids: Vec<String> = serde_json::from_value(created["data"].clone()).unwrap();
    assert_eq!(ids.len(), 2);
    let small = client
        .products()
        .get(&ids[0].as_str().into())
        .await
        .unwrap();
    let medium = client
        .products()
        .get(&ids[1].as_str().into())
        .await
        .unwrap();
    assert_eq!(
        small.variant_name.as_deref(),
        Some("Organic Cotton T-shirt / S")
    );
    assert_eq!(
        medium.variant_parent_id.as_ref().map(|p| p.as_str()),
        Some(ids[0].as_str())
    );
    assert_eq!(small.price_excluding_tax, Some(d("20")));
    assert_eq!(
        small.price_including_tax,
        Some(d("24.2")),
        "21% on top, two decimals"
    );
    let stock = client
        .products()
        .inventory(small.id.as_ref().unwrap())
        .all()
        .await
        .unwrap();
    assert_eq!(stock.len(), 1);
    assert_eq!(stock[0].inventory_level, Some(d("5")));

    // Both prices at once are refused, as the docs say.
    let (status, body) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/products",
        Some(&json!({"name": "X", "price_excluding_tax": 1, "price_including_tax": 1.21})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["price_including_tax"].is_array(), "{body}");

    // The version cursor: everything after the last version seen, then nothing.
    let mut cursor = 0;
    let pages: Vec<_> = client
        .products()
        .changed_since(cursor)
        .try_collect()
        .await
        .unwrap();
    let seen: usize = pages.iter().map(|p| p.items.len()).sum();
    assert_eq!(seen, 2);
    cursor = pages.last().unwrap().version;
    let again: Vec<_> = client
        .products()
        .changed_since(cursor)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(again.iter().map(|p| p.items.len()).sum::<usize>(), 0);

    // 2.1 update sets stock and bumps versions; deletes leave tombstones.
    client
        .products()
        .update_v21(
            medium.id.as_ref().unwrap(),
            &Product21 {
                details: Some(Product21Details {
                    inventory: Some(vec![InventoryInput {
                        outlet_id: outlet.id.clone(),
                        current_amount: Some(d("7")),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let changed: Vec<_> = client
        .inventory()
        .changed_since(0)
        .try_collect()
        .await
        .unwrap();
    let levels: Vec<_> = changed
        .iter()
        .flat_map(|p| p.items.iter())
        .map(|i| i.inventory_level)
        .collect();
    assert!(levels.contains(&Some(d("7"))), "{levels:?}");
    client
        .products()
        .delete(small.id.as_ref().unwrap())
        .await
        .unwrap();
    let (status, _) = xs_get(
        &emu,
        &format!("api/2.0/products/{}", small.id.as_ref().unwrap()),
    )
    .await;
    assert_eq!(status, 404);
    let (_, live) = xs_get(&emu, &format!("api/2.0/products?after={cursor}")).await;
    assert!(
        live["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != small.id.as_ref().unwrap().as_str())
    );
    let (_, tombstones) = xs_get(
        &emu,
        &format!("api/2.0/products?after={cursor}&deleted=true"),
    )
    .await;
    let tomb = tombstones["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == small.id.as_ref().unwrap().as_str())
        .expect("the deleted product is listed with deleted=true");
    assert!(tomb["deleted_at"].is_string());
    assert!(
        tombstones["version"]["max"].as_i64().unwrap() > 4_294_967_296,
        "versions exceed 2^32"
    );
}

#[tokio::test]
async fn empty_pages_have_a_null_version_range_and_page_size_before_work() {
    let emu = start().await;
    // A fresh store has no brands (its one customer is the walk-in customer).
    let (_, page) = xs_get(&emu, "api/2.0/brands").await;
    assert_eq!(
        page,
        json!({"data": [], "version": {"min": null, "max": null}})
    );
    let client = xseries(&emu);
    for i in 0..5 {
        client
            .customers()
            .create(&CustomerInput {
                first_name: Some(format!("C{i}")),
                last_name: Some("Test".into()),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let (_, first) = xs_get(&emu, "api/2.0/customers?page_size=2").await;
    let first = first["data"].as_array().unwrap().clone();
    assert_eq!(first.len(), 2);
    let v1 = first[0]["version"].as_i64().unwrap();
    let v3 = first[1]["version"].as_i64().unwrap() + 2;
    let (_, window) = xs_get(&emu, &format!("api/2.0/customers?after={v1}&before={v3}")).await;
    assert_eq!(window["data"].as_array().unwrap().len(), 2);
    let (status, _) = xs_get(&emu, "api/2.0/customers?page_size=zero").await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn customers_are_created_found_by_email_and_validated() {
    let emu = start().await;
    let client = xseries(&emu);
    let created = client
        .customers()
        .create(&CustomerInput {
            first_name: Some("Tony".into()),
            last_name: Some("Stark".into()),
            email: Some("tony@stark.com".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        created
            .customer_code
            .as_deref()
            .unwrap()
            .starts_with("Tony-")
    );
    let found = client
        .customers()
        .find_by_email("tony@stark.com")
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, created.id);
    let (status, body) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/customers",
        Some(&json!({"first_name": "No last name"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body, json!({"errors": {"last_name": ["is required"]}}));
    let (status, _) = xs_send(
        &emu,
        Method::DELETE,
        &format!("api/2.0/customers/{}", created.id.as_ref().unwrap()),
        None,
    )
    .await;
    assert_eq!(status, 204);
}

async fn product_with_stock(
    emu: &lightspeed_emulator::EmulatorHandle,
    sku: &str,
    level: i64,
) -> String {
    let client = xseries(emu);
    let outlet = client.outlets().all().await.unwrap().remove(0);
    let ids = client
        .products()
        .create(&ProductCreate {
            name: Some(format!("Product {sku}")),
            sku: Some(sku.into()),
            price_excluding_tax: Some(d("22")),
            inventory: Some(vec![InventoryInput {
                outlet_id: outlet.id,
                current_amount: Some(Decimal::from(level)),
                ..Default::default()
            }]),
            ..Default::default()
        })
        .await
        .unwrap();
    ids[0].to_string()
}

#[tokio::test]
async fn a_closed_register_sale_numbers_the_invoice_decrements_stock_and_is_found_by_source_id() {
    let emu = start().await;
    let client = xseries(&emu);
    let product = product_with_stock(&emu, "WALLET-1", 10).await;
    let register = client.registers().all().await.unwrap().remove(0);
    let user = client.users().all().await.unwrap().remove(0);
    let tax = client.taxes().all().await.unwrap().remove(0);
    let cash = client
        .payment_types()
        .all()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.name.as_deref() == Some("Cash"))
        .unwrap();
    let sale = RegisterSaleInput {
        register_id: register.id.clone(),
        user_id: user.id.clone(),
        status: Some(SaleStatus::Closed),
        source_id: Some("FR-1001".into()),
        register_sale_products: Some(vec![RegisterSaleProductInput {
            product_id: Some(product.as_str().into()),
            quantity: Some(d("2")),
            price: Some(d("22")),
            tax: Some(d("4.62")),
            tax_id: tax.id.clone(),
            ..Default::default()
        }]),
        register_sale_payments: Some(vec![RegisterSalePaymentInput {
            retailer_payment_type_id: cash.id.clone(),
            amount: Some(d("53.24")),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let created = client.sales().create_register_sale(&sale).await.unwrap();
    assert_eq!(created.invoice_number.as_deref(), Some("R1-1001"));
    assert_eq!(created.source_id.as_deref(), Some("FR-1001"));
    let totals = created.totals.clone().unwrap();
    assert_eq!(totals["total_price"], json!(44));
    assert_eq!(totals["total_tax"], json!(9.24));
    assert_eq!(totals["total_to_pay"], json!(0));
    let level = client
        .products()
        .inventory(&product.as_str().into())
        .all()
        .await
        .unwrap()[0]
        .inventory_level;
    assert_eq!(level, Some(d("8")));
    let found = client.sales().find_by_source_id("FR-1001").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].status, Some(SaleStatus::Closed));
    let second = client.sales().create_register_sale(&sale).await.unwrap();
    assert_eq!(second.invoice_number.as_deref(), Some("R1-1002"));

    // A saved (parked) sale moves no stock; voiding a closed one puts it back.
    let mut void = sale.clone();
    void.id = created.id.clone();
    void.status = Some(SaleStatus::Voided);
    client.sales().create_register_sale(&void).await.unwrap();
    let level = client
        .products()
        .inventory(&product.as_str().into())
        .all()
        .await
        .unwrap()[0]
        .inventory_level;
    assert_eq!(level, Some(d("8")), "10 - 2 - 2 + 2");
}

#[tokio::test]
async fn register_sale_errors_use_the_legacy_shape_and_name_the_line() {
    let emu = start().await;
    let (_, registers) = xs_get(&emu, "api/2.0/registers").await;
    let (_, users) = xs_get(&emu, "api/2.0/users").await;
    let (status, body) = xs_send(
        &emu,
        Method::POST,
        "api/register_sales",
        Some(&json!({
            "register_id": registers["data"][0]["id"],
            "user_id": users["data"][0]["id"],
            "status": "CLOSED",
            "register_sale_products": [{"product_id": "nope", "quantity": 1, "price": 1, "tax": 0, "tax_id": "x"}],
        })),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["status"], "error");
    assert_eq!(body["error"], "Invalid product_id");
    assert!(
        body["details"]
            .as_str()
            .unwrap()
            .contains("register_sale_products[0]")
    );
    let (status, body) = xs_send(
        &emu,
        Method::POST,
        "api/register_sales",
        Some(&json!({"status": "CLOSED"})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "Missing register_id");
}

#[tokio::test]
async fn retailer_user_and_webhook_management() {
    let emu = start().await;
    let client = xseries(&emu);
    let retailer = client.retailer().await.unwrap();
    assert_eq!(retailer.domain_prefix.as_deref(), Some("emulator"));
    let me = client.me().await.unwrap();
    assert_eq!(me.username.as_deref(), Some("admin"));
    let (_, raw_user) = xs_get(&emu, "api/2.0/user").await;
    assert!(
        raw_user["data"].is_array(),
        "the official example is a list of one"
    );
    let input = WebhookInput {
        url: Some("https://example.com/hook".into()),
        active: Some(true),
        kind: Some("product.update".into()),
        ..Default::default()
    };
    let hook = client.webhooks().create(&input).await.unwrap();
    let (status, body) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/webhooks",
        Some(&json!({"url": "https://example.com/hook", "active": true, "type": "product.update"})),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(client.webhooks().list().await.unwrap().len(), 1);
    client
        .webhooks()
        .delete(hook.id.as_ref().unwrap())
        .await
        .unwrap();
    assert!(client.webhooks().list().await.unwrap().is_empty());
}

#[tokio::test]
async fn oauth_code_exchange_and_refresh_rotation() {
    let emu = start().await;
    let cfg = emu.config().xseries.clone();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects
        .get(format!(
            "{}/connect?response_type=code&client_id={}&redirect_uri=https://app.example/cb&state=s1",
            emu.xseries_url(),
            cfg.client_id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "s1");
    assert_eq!(q["domain_prefix"], "emulator");
    use secrecy::ExposeSecret;
    let secret = cfg.client_secret.expose_secret().to_string();
    let token = |form: Vec<(&'static str, String)>| {
        let http = http();
        let url = format!("{}/api/1.0/token", emu.xseries_url());
        async move { http.post(url).form(&form).send().await.unwrap() }
    };
    let r = token(vec![
        ("grant_type", "authorization_code".into()),
        ("code", q["code"].clone()),
        ("client_id", cfg.client_id.clone()),
        ("client_secret", secret.clone()),
        ("redirect_uri", "https://app.example/cb".into()),
    ])
    .await;
    assert_eq!(r.status(), 200);
    let first: Value = r.json().await.unwrap();
    assert_eq!(first["token_type"], "Bearer");
    assert_eq!(first["expires_in"], 604_800);
    let access = first["access_token"].as_str().unwrap();
    let call = |token: String| {
        let url = format!("{}/api/2.0/retailer", emu.xseries_url());
        async move {
            http()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(call(access.into()).await, 200);
    // A code is single use.
    let reuse = token(vec![
        ("grant_type", "authorization_code".into()),
        ("code", q["code"].clone()),
        ("client_id", cfg.client_id.clone()),
        ("client_secret", secret.clone()),
    ])
    .await;
    assert_eq!(reuse.status(), 400);
    // Refresh rotates: the old refresh token and the old access token stop working.
    let refresh = || {
        token(vec![
            ("grant_type", "refresh_token".into()),
            (
                "refresh_token",
                first["refresh_token"].as_str().unwrap().into(),
            ),
            ("client_id", cfg.client_id.clone()),
            ("client_secret", secret.clone()),
        ])
    };
    let second: Value = refresh().await.json().await.unwrap();
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(call(access.into()).await, 401);
    assert_eq!(
        call(second["access_token"].as_str().unwrap().into()).await,
        200
    );
    assert_eq!(refresh().await.status(), 400);
}

#[tokio::test]
async fn an_access_token_expires_when_the_clock_passes_its_lifetime() {
    use lightspeed_emulator::{EmulatorConfig, ManualClock};
    use secrecy::ExposeSecret;
    use std::time::Duration;

    let clock = ManualClock::starting_now();
    let mut config = EmulatorConfig::default().with_clock(std::sync::Arc::new(clock.clone()));
    config.xseries.access_token_lifetime = Duration::from_secs(3600);
    let emu = crate::support::start_with(config).await;
    let cfg = emu.config().xseries.clone();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects
        .get(format!(
            "{}/connect?response_type=code&client_id={}&redirect_uri=https://app.example/cb",
            emu.xseries_url(),
            cfg.client_id
        ))
        .send()
        .await
        .unwrap();
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let granted: Value = http()
        .post(format!("{}/api/1.0/token", emu.xseries_url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", cfg.client_id.as_str()),
            ("client_secret", cfg.client_secret.expose_secret()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = granted["access_token"].as_str().unwrap().to_string();
    let retailer = || {
        http()
            .get(format!("{}/api/2.0/retailer", emu.xseries_url()))
            .bearer_auth(&access)
            .send()
    };
    assert_eq!(retailer().await.unwrap().status(), 200);
    clock.advance(Duration::from_secs(3599));
    assert_eq!(retailer().await.unwrap().status(), 200);
    clock.advance(Duration::from_secs(1));
    assert_eq!(retailer().await.unwrap().status(), 401);
}

#[tokio::test]
async fn image_upload_takes_a_multipart_file() {
    let emu = start().await;
    let client = xseries(&emu);
    let id = product_with_stock(&emu, "IMG-1", 1).await;
    client
        .products()
        .upload_image(&id.as_str().into(), "front.png", b"\x89PNG...".to_vec())
        .await
        .unwrap();
    let images = client.products().images(&id.as_str().into()).await.unwrap();
    assert_eq!(images.len(), 1);
    let (status, _) = xs_send(
        &emu,
        Method::POST,
        &format!("api/2.0/products/{id}/actions/image_upload"),
        Some(&json!({"image": "not multipart"})),
    )
    .await;
    assert_eq!(status, 422);
}

fn is_uuid(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 36 && s.bytes().filter(|b| *b == b'-').count() == 4)
}

#[tokio::test]
async fn a_sale_without_a_customer_is_the_walk_in_customers_and_keeps_its_short_code() {
    let emu = start().await;
    let (_, registers) = xs_get(&emu, "api/2.0/registers").await;
    let (_, users) = xs_get(&emu, "api/2.0/users").await;
    let (_, taxes) = xs_get(&emu, "api/2.0/taxes").await;
    let (_, product) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/products",
        Some(&json!({"name": "Wallet", "price_excluding_tax": 10})),
    )
    .await;
    let (status, body) = xs_send(
        &emu,
        Method::POST,
        "api/register_sales",
        Some(&json!({
            "register_id": registers["data"][0]["id"],
            "user_id": users["data"][0]["id"],
            "status": "SAVED",
            "short_code": "ab12cd",
            "register_sale_products": [{"product_id": product["data"][0], "quantity": 1,
                "price": 10, "tax": 2.1, "tax_id": taxes["data"][0]["id"]}],
        })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let sale = &body["register_sale"];
    assert_eq!(sale["customer"]["customer_code"], "WALKIN");
    assert_eq!(sale["customer_name"], "");
    assert!(is_uuid(&sale["customer_id"]), "{sale}");
    assert_eq!(sale["short_code"], "ab12cd");
    let (_, read) = xs_get(
        &emu,
        &format!("api/2.0/sales/{}", sale["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(read["data"]["customer_id"], sale["customer_id"]);
    assert_eq!(read["data"]["short_code"], "ab12cd");
    // The walk-in customer is one of the retailer's customers.
    let (_, customers) = xs_get(&emu, "api/2.0/customers").await;
    assert!(
        customers["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == sale["customer_id"] && c["customer_code"] == "WALKIN")
    );
}

#[tokio::test]
async fn registers_have_a_receipt_template_and_the_retailer_a_sku_sequence_of_the_specs_shape() {
    let emu = start().await;
    let (_, registers) = xs_get(&emu, "api/2.0/registers").await;
    for register in registers["data"].as_array().unwrap() {
        assert!(is_uuid(&register["receipt_template_id"]), "{register}");
    }
    let (_, retailer) = xs_get(&emu, "api/2.0/retailer").await;
    let sequence = &retailer["data"]["sku_sequence"];
    assert_eq!(sequence["enabled"], true);
    assert!(sequence["value"].is_u64(), "{sequence}");
}

#[tokio::test]
async fn error_messages_name_values_without_rust_formatting() {
    let emu = start().await;
    let (status, body) = xs_get(&emu, "api/2.0/search?type=foo").await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"],
        "query parameter \"type\" must be sales, products or customers, not \"foo\""
    );
    let (status, body) = xs_get(&emu, "api/2.0/search").await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"],
        "query parameter \"type\" is required: sales, products or customers"
    );
    let (_, registers) = xs_get(&emu, "api/2.0/registers").await;
    let (_, users) = xs_get(&emu, "api/2.0/users").await;
    let mut bodies = vec![body];
    for request in [
        json!({"register_id": registers["data"][0]["id"], "user_id": users["data"][0]["id"],
               "status": "CLOSED",
               "register_sale_products": [{"product_id": "nope", "quantity": 1, "price": 1, "tax": 0, "tax_id": "x"}]}),
    ] {
        bodies.push(
            xs_send(&emu, Method::POST, "api/register_sales", Some(&request))
                .await
                .1,
        );
    }
    bodies.push(
        xs_send(
            &emu,
            Method::POST,
            "api/2.0/webhooks",
            Some(&json!({"url": "https://example.com/h", "active": true, "type": "nope.update"})),
        )
        .await
        .1,
    );
    for body in bodies {
        let text = body.to_string();
        assert!(
            !text.contains("Some(") && !text.contains("None") && !text.contains("\\u{"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn brand_supplier_tag_and_variant_attribute_writes_answer_as_the_spec_says() {
    let emu = start().await;
    let mut ids = Vec::new();
    for table in ["brands", "suppliers", "tags"] {
        let (status, body) = xs_send(
            &emu,
            Method::POST,
            &format!("api/2.0/{table}"),
            Some(&json!({"name": "Acme"})),
        )
        .await;
        assert_eq!(status, 200, "{table}");
        let id = body["data"]
            .as_str()
            .unwrap_or_else(|| panic!("{table}: {body}"));
        ids.push(id.to_string());
    }
    let (brand, supplier, tag) = (&ids[0], &ids[1], &ids[2]);
    let rename = json!({"name": "Acme Leather"});
    let (status, body) = xs_send(
        &emu,
        Method::PUT,
        &format!("api/2.0/brands/{brand}"),
        Some(&rename),
    )
    .await;
    assert_eq!((status, body), (200, json!({"data": {"id": brand}})));
    let (status, body) = xs_send(
        &emu,
        Method::PUT,
        &format!("api/2.0/suppliers/{supplier}"),
        Some(&rename),
    )
    .await;
    assert_eq!((status, body), (200, json!({"id": supplier})));
    let (status, body) = xs_send(
        &emu,
        Method::PUT,
        &format!("api/2.0/tags/{tag}"),
        Some(&rename),
    )
    .await;
    assert_eq!((status, body), (200, json!({"data": tag})));

    // A product using all three loses them when they are deleted.
    let (_, created) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/products",
        Some(
            &json!({"name": "Wallet", "price_excluding_tax": 10, "brand_id": brand,
                     "supplier_id": supplier, "tag_ids": [tag]}),
        ),
    )
    .await;
    let product = created["data"][0].as_str().unwrap().to_string();
    let (status, body) = xs_send(
        &emu,
        Method::DELETE,
        &format!("api/2.0/brands/{brand}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["payload"]["data"]["id"], brand.as_str());
    assert!(body["payload"]["data"]["job_id"].is_string());
    for (table, id) in [("suppliers", supplier), ("tags", tag)] {
        let (status, body) =
            xs_send(&emu, Method::DELETE, &format!("api/2.0/{table}/{id}"), None).await;
        assert_eq!(status, 200);
        assert_eq!(body["data"]["id"], id.as_str(), "{table}");
        assert!(body["data"]["job_id"].is_string(), "{table}");
    }
    let (_, read) = xs_get(&emu, &format!("api/2.0/products/{product}")).await;
    assert_eq!(read["data"]["brand_id"], Value::Null);
    assert_eq!(read["data"]["supplier_id"], Value::Null);
    assert_eq!(read["data"]["tag_ids"], json!([]));

    let (status, body) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/variant_attributes",
        Some(&json!({"name": "Size"})),
    )
    .await;
    assert_eq!(status, 201);
    let size = body["data"]["id"].as_str().unwrap().to_string();
    assert!(body["data"]["created_at"].is_string() && body["data"]["updated_at"].is_string());
    let (status, body) = xs_send(
        &emu,
        Method::PUT,
        &format!("api/2.0/variant_attributes/{size}"),
        Some(&json!({"name": "Maat"})),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!({"data": {"id": size, "name": "Maat"}}))
    );
    let (status, body) = xs_send(
        &emu,
        Method::DELETE,
        &format!("api/2.0/variant_attributes/{size}"),
        None,
    )
    .await;
    assert_eq!((status, body), (200, json!({"data": {"id": size}})));
    let (status, _) = xs_send(
        &emu,
        Method::DELETE,
        &format!("api/2.0/variant_attributes/{size}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/variant_attributes",
        Some(&json!({"name": ""})),
    )
    .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn product_categories_form_a_tree_that_products_are_filed_under() {
    let emu = start().await;
    let client = xseries(&emu);
    let (status, made) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/product_categories/bulk",
        Some(&json!({"categories": [
            {"payload_id": "root", "name": "Clothing"},
            {"payload_parent_category_id": "root", "payload_id": "tops", "name": "Tops"},
            {"payload_parent_category_id": "tops", "name": "T-shirts"}]})),
    )
    .await;
    assert_eq!(status, 200, "{made}");
    let leaf = made["data"][2]["id"].as_str().unwrap().to_string();
    let categories = client.product_categories().await.unwrap();
    let leaf_row = categories
        .iter()
        .find(|c| c.id.as_ref().map(|i| i.as_str()) == Some(leaf.as_str()))
        .unwrap();
    let path: Vec<&str> = leaf_row
        .category_path
        .iter()
        .flatten()
        .filter_map(|e| e.name.as_deref())
        .collect();
    assert_eq!(path, ["Clothing", "Tops", "T-shirts"]);
    assert_eq!(leaf_row.leaf_category, Some(true));
    // A product names its category; an unknown one is refused with the field.
    let (status, created) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/products",
        Some(&json!({"name": "Tee", "sku": "TEE-1", "product_category_id": leaf})),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["data"][0].as_str().unwrap();
    let product = client.products().get(&id.into()).await.unwrap();
    assert_eq!(
        product.product_category_id.as_ref().map(|i| i.as_str()),
        Some(leaf.as_str())
    );
    assert_eq!(
        product.kind.and_then(|t| t.name).as_deref(),
        Some("T-shirts")
    );
    let (status, refused) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/products",
        Some(&json!({"name": "Tee", "sku": "TEE-2", "product_category_id": "nope"})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        refused.to_string().contains("product_category_id"),
        "{refused}"
    );
    // Paging by category id.
    let (_, first) = xs_get(&emu, "api/2.0/product_categories?page_size=2").await;
    assert_eq!(first["page_info"]["has_next"], true);
    let after = first["page_info"]["last_seen"].as_str().unwrap();
    let (_, second) = xs_get(
        &emu,
        &format!("api/2.0/product_categories?page_size=2&after={after}"),
    )
    .await;
    assert_eq!(second["data"]["categories"].as_array().unwrap().len(), 1);
    assert_eq!(second["page_info"]["has_next"], false);
}
