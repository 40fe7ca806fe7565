//! The emulator must not drift from the real APIs: for each served resource with a real
//! fixture, a similar record is created through the emulator's API, fetched, and its shape
//! compared with the fixture's entity.
//!
//! The rules:
//!
//! - every key of the fixture's entity is present in ours;
//! - every key of ours is in some fixture of that resource, or in the short list of keys the
//!   reference documents for it (each list says where);
//! - per key, the JSON types agree, where `null` on either side matches anything (a fixture's
//!   `null` says only that the key may be empty), `false` matches an object (eCom writes
//!   `false` for "none", reference §1.5), and an empty `[]` matches `{}` (PHP's empty array,
//!   §1.5).
//!
//! Folders of resources the emulator does not serve are listed with the reason, and the test
//! fails when a folder appears that is neither compared nor listed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use reqwest::Method;
use serde_json::{Map, Value, json};

use lightspeed_emulator::EmulatorConfig;

use crate::support::{ecom_get, ecom_send, http, start, start_with, xs_get, xs_send};

fn fixtures() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    lightspeed_core::conformance::project_fixtures(&root)
}

/// The entity of a response body: the first envelope value (or `data`), first item of a list.
fn entity(body: &Value) -> Value {
    let inner = match body {
        Value::Object(o) if o.contains_key("register_sales") => o["register_sales"].clone(),
        Value::Object(o) if o.contains_key("data") => o["data"].clone(),
        // An error body is its own entity.
        Value::Object(o) if o.contains_key("error") => return body.clone(),
        Value::Object(o) if o.len() == 1 => o.values().next().cloned().unwrap_or_default(),
        other => other.clone(),
    };
    match inner {
        Value::Array(items) => items.into_iter().next().unwrap_or_default(),
        other => other,
    }
}

fn read(rel: &str) -> Value {
    let path = fixtures().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn compatible(fixture: &Value, ours: &Value) -> bool {
    use Value::*;
    match (fixture, ours) {
        (Null, _) | (_, Null) => true,
        (Bool(_), Bool(_)) | (Number(_), Number(_)) | (String(_), String(_)) => true,
        (Array(_), Array(_)) | (Object(_), Object(_)) => true,
        (Bool(false), Object(_)) | (Object(_), Bool(false)) => true,
        (Array(a), Object(o)) | (Object(o), Array(a)) => a.is_empty() && o.is_empty(),
        _ => false,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Compares our entity with every fixture of a resource; answers the problems.
fn compare(resource: &str, files: &[&str], extras: &[&str], ours: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(ours) = ours.as_object() else {
        return vec![format!("{resource}: our entity is not an object: {ours}")];
    };
    let mut known: BTreeSet<String> = extras.iter().map(|s| s.to_string()).collect();
    for file in files {
        let fixture = entity(&read(&format!("{resource}/{file}")));
        let fixture = fixture.as_object().cloned().unwrap_or_default();
        for (key, value) in &fixture {
            known.insert(key.clone());
            match ours.get(key) {
                None => problems.push(format!("{resource}/{file}: key {key:?} missing from ours")),
                Some(v) if !compatible(value, v) => problems.push(format!(
                    "{resource}/{file}: key {key:?} is {} in the fixture, {} in ours",
                    kind(value),
                    kind(v)
                )),
                Some(_) => {}
            }
        }
    }
    for key in ours.keys() {
        if !known.contains(key) {
            problems.push(format!(
                "{resource}: our key {key:?} is in no fixture and not documented"
            ));
        }
    }
    problems
}

fn folders(api: &str) -> BTreeSet<String> {
    std::fs::read_dir(fixtures().join(api))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn check_coverage(api: &str, compared: &BTreeMap<&str, Vec<String>>, unserved: &[(&str, &str)]) {
    let mut accounted: BTreeSet<String> = compared
        .keys()
        .map(|k| k.trim_start_matches(&format!("{api}/")).to_string())
        .collect();
    accounted.extend(unserved.iter().map(|(f, _)| f.to_string()));
    let present = folders(api);
    let stray: Vec<_> = present.difference(&accounted).collect();
    assert!(
        stray.is_empty(),
        "{api} fixture folders neither compared nor listed as unserved: {stray:?}"
    );
}

fn report(compared: BTreeMap<&str, Vec<String>>) {
    let problems: Vec<String> = compared.into_values().flatten().collect();
    assert!(problems.is_empty(), "shape drift:\n{}", problems.join("\n"));
}

fn id(body: &Value, key: &str) -> u64 {
    body[key]["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("no {key}.id in {body}"))
}

#[tokio::test]
async fn ecom_records_have_the_fixtures_shape() {
    // Thirty requests in a burst: without limits, or the per-second cap answers 429.
    let emu = start_with(EmulatorConfig::default().unlimited()).await;
    let post = |path: &'static str, body: Value| {
        let emu = &emu;
        async move {
            let (status, b) = ecom_send(emu, Method::POST, path, &body).await;
            assert_eq!(status, 201, "POST {path}: {b}");
            b
        }
    };
    let brand = id(
        &post("nl/brands.json", json!({"brand": {"title": "Delta"}})).await,
        "brand",
    );
    let product = id(
        &post(
            "nl/products.json",
            json!({"product": {"title": "Relais module", "brand": brand}}),
        )
        .await,
        "product",
    );
    let (status, image) = ecom_send(
        &emu,
        Method::POST,
        &format!("nl/products/{product}/images.json"),
        &json!({"productImage": {"attachment": "aGVsbG8=", "filename": "relais.png"}}),
    )
    .await;
    assert_eq!(status, 201);
    let image = id(&image, "productImage");
    let parent = id(
        &post(
            "nl/categories.json",
            json!({"category": {"title": "Relais"}}),
        )
        .await,
        "category",
    );
    let category = id(
        &post(
            "nl/categories.json",
            json!({"category": {"title": "Boards", "parent": parent}}),
        )
        .await,
        "category",
    );
    let link = id(
        &post(
            "nl/categories/products.json",
            json!({"categoriesProduct": {"category": category, "product": product}}),
        )
        .await,
        "categoriesProduct",
    );
    let tag = id(
        &post("nl/tags.json", json!({"tag": {"title": "relay"}})).await,
        "tag",
    );
    let tag_link = id(
        &post(
            "nl/tags/products.json",
            json!({"tagsProduct": {"tag": tag, "product": product}}),
        )
        .await,
        "tagsProduct",
    );
    let kind_id = id(
        &post("nl/types.json", json!({"type": {"title": "Electronics"}})).await,
        "type",
    );
    let attribute = id(
        &post(
            "nl/attributes.json",
            json!({"attribute": {"title": "Color"}}),
        )
        .await,
        "attribute",
    );
    let type_attribute = id(
        &post(
            "nl/types/attributes.json",
            json!({"typesAttribute": {"type": kind_id, "attribute": attribute}}),
        )
        .await,
        "typesAttributes",
    );
    let webhook = id(
        &post(
            "nl/webhooks.json",
            json!({"webhook": {"isActive": true, "itemGroup": "products",
              "itemAction": "created", "language": "nl", "format": "json",
              "address": "https://example.com/hook"}}),
        )
        .await,
        "webhook",
    );
    let (_, variants) = ecom_get(&emu, &format!("nl/variants.json?product={product}")).await;
    let variant = variants["variants"][0]["id"].as_u64().unwrap();

    let get = |path: String| {
        let emu = &emu;
        async move {
            let (status, body) = ecom_get(emu, &path).await;
            assert_eq!(status, 200, "GET {path}: {body}");
            entity(&body)
        }
    };
    let mut compared = BTreeMap::new();
    let mut add = |resource: &'static str, files: &[&str], ours: Value| {
        compared.insert(resource, compare(resource, files, &[], &ours));
    };
    add(
        "ecom/product",
        &[
            "product.nl-live-trimmed.json",
            "us-product-get-example.json",
        ],
        get(format!("nl/products/{product}.json")).await,
    );
    add(
        "ecom/variant",
        &[
            "variant.nl-live-trimmed.json",
            "us-variant-get-example.json",
        ],
        get(format!("nl/variants/{variant}.json")).await,
    );
    add(
        "ecom/product_image",
        &["product-image.nl-live.json"],
        get(format!("nl/products/{product}/images/{image}.json")).await,
    );
    add(
        "ecom/category",
        &["category.nl-live-trimmed.json"],
        get(format!("nl/categories/{category}.json")).await,
    );
    add(
        "ecom/categories_product",
        &["categories-product.nl-live.json"],
        get(format!("nl/categories/products/{link}.json")).await,
    );
    add(
        "ecom/brand",
        &["brand.nl-live-trimmed.json"],
        get(format!("nl/brands/{brand}.json")).await,
    );
    add(
        "ecom/type",
        &["type.nl-live.json"],
        get(format!("nl/types/{kind_id}.json")).await,
    );
    add(
        "ecom/attribute",
        &["attribute.shape.json"],
        get(format!("nl/attributes/{attribute}.json")).await,
    );
    add(
        "ecom/types_attribute",
        &["types-attribute.shape.json"],
        get(format!("nl/types/attributes/{type_attribute}.json")).await,
    );
    add(
        "ecom/tag",
        &["tag.nl-live.json"],
        get(format!("nl/tags/{tag}.json")).await,
    );
    add(
        "ecom/tags_product",
        &["tags-product.nl-live.json"],
        get(format!("nl/tags/products/{tag_link}.json")).await,
    );
    add(
        "ecom/webhook",
        &["webhook.live-shape.json"],
        get(format!("nl/webhooks/{webhook}.json")).await,
    );
    add(
        "ecom/shop",
        &["shop.nl-live-trimmed.json"],
        get("nl/shop.json".into()).await,
    );
    add(
        "ecom/account",
        &["account.nl-live-trimmed.json"],
        get("nl/account.json".into()).await,
    );
    // Orders come from checkouts, which are not emulated: one is placed through the handle.
    let order = emu
        .place_ecom_order(&json!({
            "email": "anna@example.com", "firstname": "Anna", "lastname": "de Vries",
            "paymentStatus": "paid", "shipmentTitle": "DHL", "shipmentPriceExcl": 4.95,
            "lines": [{"sku": "X", "quantity": 1, "priceExcl": 10, "taxRate": 0.21}]}))
        .unwrap();
    add(
        "ecom/order",
        &["order.live-trimmed.json", "webhook-orders-created.json"],
        get(format!("nl/orders/{order}.json")).await,
    );
    check_coverage(
        "ecom",
        &compared,
        &[
            (
                "customer",
                "customers are not emulated (the flows read no eCom customers)",
            ),
            ("invoice", "invoices are not emulated"),
            ("product_metafield", "metafields are not emulated"),
            ("requests", "request bodies, not responses"),
        ],
    );
    report(compared);
}

#[tokio::test]
async fn xseries_records_have_the_fixtures_shape() {
    let emu = start().await;
    let (_, outlets) = xs_get(&emu, "api/2.0/outlets").await;
    let outlet = outlets["data"][0]["id"].as_str().unwrap().to_string();
    let (_, brand) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/brands",
        Some(&json!({"name": "Acme"})),
    )
    .await;
    let brand = brand["data"].as_str().unwrap().to_string();
    let (_, supplier) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/suppliers",
        Some(&json!({"name": "Leather Co"})),
    )
    .await;
    let supplier = supplier["data"].as_str().unwrap().to_string();
    let (_, tag) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/tags",
        Some(&json!({"name": "Gifts"})),
    )
    .await;
    let tag = tag["data"].as_str().unwrap().to_string();
    let (status, ids) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/products",
        Some(
            &json!({"name": "Wallet", "sku": "W-1", "brand_id": brand, "supplier_id": supplier,
                     "tag_ids": [tag], "price_excluding_tax": 40, "supply_price": 12,
                     "images": [{"type": "url", "location": "https://example.com/w.jpg"}],
                     "inventory": [{"outlet_id": outlet, "current_amount": 3}]}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{ids}");
    let product = ids["data"][0].as_str().unwrap().to_string();
    let (status, created_customer) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/customers",
        Some(&json!({"first_name": "Tony", "last_name": "Stark", "email": "tony@stark.com"})),
    )
    .await;
    assert_eq!(status, 201);
    let customer = created_customer["data"]["id"].as_str().unwrap().to_string();
    let (_, registers) = xs_get(&emu, "api/2.0/registers").await;
    let (_, users) = xs_get(&emu, "api/2.0/users").await;
    let (_, taxes) = xs_get(&emu, "api/2.0/taxes").await;
    let (_, payment_types) = xs_get(&emu, "api/2.0/payment_types").await;
    let (status, sale) = xs_send(
        &emu,
        Method::POST,
        "api/register_sales",
        Some(&json!({
            "register_id": registers["data"][0]["id"], "user_id": users["data"][0]["id"],
            "customer_id": customer, "status": "CLOSED", "note": "", "source_id": "FR-1",
            "register_sale_products": [{"product_id": product, "quantity": 1, "price": 40,
                                        "tax": 8.4, "tax_id": taxes["data"][0]["id"]}],
            "register_sale_payments": [{"retailer_payment_type_id": payment_types["data"][0]["id"],
                                        "amount": 48.4}],
        })),
    )
    .await;
    assert_eq!(status, 200, "{sale}");
    let sale_id = sale["register_sale"]["id"].as_str().unwrap().to_string();
    let cfg = emu.config().xseries.clone();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let location = no_redirects
        .get(format!(
            "{}/connect?response_type=code&client_id={}&redirect_uri=https://a.example/cb",
            emu.xseries_url(),
            cfg.client_id
        ))
        .send()
        .await
        .unwrap()
        .headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    use secrecy::ExposeSecret;
    let token: Value = http()
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
    let unauthorized: Value = http()
        .get(format!("{}/api/2.0/products", emu.xseries_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let get = |path: String| {
        let emu = &emu;
        async move {
            let (status, body) = xs_get(emu, &path).await;
            assert_eq!(status, 200, "GET {path}: {body}");
            entity(&body)
        }
    };
    let mut compared = BTreeMap::new();
    // A product create answers with the new ids only: `{"data": ["<uuid>", ...]}`.
    let fixture = read("xseries/product_ids/api20-2025__POST_products__200.json");
    let ids_of = |v: &Value| {
        v.as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.get("data"))
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string))
    };
    compared.insert(
        "xseries/product_ids",
        if ids_of(&fixture) && ids_of(&ids) {
            vec![]
        } else {
            vec![format!("product_ids: {ids} is not shaped like {fixture}")]
        },
    );
    let mut add = |resource: &'static str, files: &[&str], extras: &[&str], ours: Value| {
        compared.insert(resource, compare(resource, files, extras, &ours));
    };
    // Reference §3.1 documents these product fields beyond the 2.0 examples.
    let product_extras = [
        "deleted_at",
        "variant_parent_id",
        "variant_count",
        "source_id",
        "source_variant_id",
        "loyalty_amount",
        "weight",
        "weight_unit",
        "length",
        "width",
        "height",
        "dimensions_unit",
        "account_code",
        "account_code_purchase",
        // §3.2 and the 2.0 spec: the newer name of `product_type_id`.
        "product_category_id",
    ];
    add(
        "xseries/product",
        &[
            "api20-2025__GET_products_id__200.json",
            "api20-2025__GET_products__200.json",
        ],
        &product_extras,
        get(format!("api/2.0/products/{product}")).await,
    );
    // §3.5: inventory records carry `deleted_at`.
    add(
        "xseries/inventory",
        &[
            "api20-2025__GET_inventory__200.json",
            "api20-2025__GET_products_id_inventory__200.json",
        ],
        &["deleted_at"],
        get(format!("api/2.0/products/{product}/inventory")).await,
    );
    // §3.6: `deleted_at` and (since 2025-07) `tax_id`.
    add(
        "xseries/customer",
        &[
            "api20-2025__GET_customers_id__200.json",
            "api20-2025__GET_customers__200.json",
            "api20-2025__POST_customers__201.json",
            "api20-2025__PUT_customers_id__200.json",
        ],
        &["deleted_at", "tax_id"],
        get(format!("api/2.0/customers/{customer}")).await,
    );
    // §3.9: brands, tags and suppliers carry `deleted_at` and `version`.
    add(
        "xseries/brand",
        &["api20-2025__GET_brands__200.json"],
        &["deleted_at", "version"],
        get(format!("api/2.0/brands/{brand}")).await,
    );
    add(
        "xseries/tag",
        &["api20-2025__GET_tags__200.json"],
        &["deleted_at", "version"],
        get(format!("api/2.0/tags/{tag}")).await,
    );
    add(
        "xseries/supplier",
        &["api20-2025__GET_suppliers__200.json"],
        &[
            "deleted_at",
            "version",
            "description",
            "default_markup",
            "contact",
        ],
        get(format!("api/2.0/suppliers/{supplier}")).await,
    );
    add(
        "xseries/outlet",
        &[
            "api20-2025__GET_outlets__200.json",
            "api20-2025__GET_outlets_id__200.json",
        ],
        &["deleted_at"],
        get(format!("api/2.0/outlets/{outlet}")).await,
    );
    add(
        "xseries/register",
        &[
            "api20-2025__GET_registers__200.json",
            "api20-2025__GET_registers_id__200.json",
        ],
        &["deleted_at", "register_close_time"],
        entity(&registers),
    );
    add(
        "xseries/user",
        &[
            "api20-2025__GET_user__200.json",
            "api20-2025__GET_users__200.json",
        ],
        &[],
        get("api/2.0/user".into()).await,
    );
    add(
        "xseries/tax",
        &["api20-2025__GET_taxes__200.json"],
        &[],
        entity(&taxes),
    );
    // §3.9: payment types have `config` and `deleted_at`.
    add(
        "xseries/payment_type",
        &["api20-2025__GET_payment_types__200.json"],
        &["config", "deleted_at"],
        entity(&payment_types),
    );
    // §3.7: sales carry their source, invoice sequence, `return_for` and `deleted_at`.
    add(
        "xseries/sale",
        &[
            "api20-2025__GET_sales_id__200.json",
            "api20-2025__GET_sales__200.json",
        ],
        &[
            "source",
            "source_id",
            "invoice_sequence",
            "return_for",
            "deleted_at",
        ],
        get(format!("api/2.0/sales/{sale_id}")).await,
    );
    // §4.1: the answer adds `source`, `source_id`, `return_for`; `version` as in `sale.update`.
    add(
        "xseries/legacy_register_sale",
        &["pzurek-go-vend__GET_api_register_sales__200.json"],
        &["source", "source_id", "return_for", "version"],
        sale["register_sale"].clone(),
    );
    add(
        "xseries/token",
        &["changelog-2025-03__POST_api_1.0_token__refresh_response.json"],
        &[],
        token,
    );
    add(
        "xseries/error",
        &["api20-2025__GET_services__401.json"],
        &[],
        unauthorized,
    );
    check_coverage(
        "xseries",
        &compared,
        &[
            ("consignment", "consignments are not emulated"),
            ("consignment_product", "consignments are not emulated"),
            ("legacy_consignment", "0.9 consignments are not emulated"),
            (
                "legacy_product",
                "0.9 product reads are not emulated (2.0 replaces them)",
            ),
            (
                "legacy_status",
                "0.9 webhook management is not emulated (2.0 webhooks are)",
            ),
            (
                "legacy_webhook",
                "0.9 webhook management is not emulated (2.0 webhooks are)",
            ),
            ("outlet_tax", "outlet taxes are not emulated"),
            ("price_book_product", "price books are not emulated"),
            ("product_type", "product types are not emulated"),
            ("product_v3", "API 3.0 is not emulated"),
            ("requests", "request bodies, not responses"),
            (
                "webhook_payload",
                "outgoing payloads; checked by xseries_webhook_payloads_have_the_fixtures_shape",
            ),
        ],
    );
    report(compared);
}

#[tokio::test]
async fn xseries_webhook_payloads_have_the_fixtures_shape() {
    let emu = start().await;
    let receiver = crate::support::Receiver::start().await;
    for kind in ["product.update", "inventory.update"] {
        xs_send(
            &emu,
            Method::POST,
            "api/2.0/webhooks",
            Some(&json!({"url": receiver.url, "active": true, "type": kind})),
        )
        .await;
    }
    let (_, outlets) = xs_get(&emu, "api/2.0/outlets").await;
    xs_send(
        &emu,
        Method::POST,
        "api/2.0/products",
        Some(&json!({"name": "Wallet", "sku": "W-9",
                     "inventory": [{"outlet_id": outlets["data"][0]["id"], "current_amount": 2}]})),
    )
    .await;
    let mut compared = BTreeMap::new();
    for call in receiver.take(2).await {
        let form: Map<String, Value> = form_urlencoded::parse(&call.body)
            .map(|(k, v)| (k.into_owned(), Value::from(v.into_owned())))
            .collect();
        let payload: Value = serde_json::from_str(form["payload"].as_str().unwrap()).unwrap();
        let (resource, file): (&'static str, &str) = if payload.get("handle").is_some() {
            ("xseries/webhook_payload", "product.update.json")
        } else {
            ("xseries/webhook_payload#inventory", "inventory.update.json")
        };
        let problems = compare("xseries/webhook_payload", &[file], &[], &payload);
        compared.insert(resource, problems);
    }
    assert_eq!(compared.len(), 2, "{compared:?}");
    report(compared);
}

/// Every `{"resource": {"url", "link"}}` at any depth of `value`.
fn links(value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(o) => {
            if let Some(Value::Object(r)) = o.get("resource")
                && let (Some(url), Some(link)) = (
                    r.get("url").and_then(Value::as_str),
                    r.get("link").and_then(Value::as_str),
                )
            {
                out.push((url.to_string(), link.to_string()));
            }
            o.values().for_each(|v| links(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| links(v, out)),
        _ => {}
    }
}

/// `products/12/relations` -> `products/{id}/relations`; the query left out.
fn template(url: &str) -> String {
    url.split('?')
        .next()
        .unwrap_or_default()
        .split('/')
        .map(|s| {
            if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() {
                "{id}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_link_in_a_body_is_served_or_listed_here() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    // The eCom rows' path cells: `| eCom | `a`, `b` | linked from |`.
    let not_emulated: Vec<&str> = readme
        .split("## Not emulated")
        .nth(1)
        .expect("the README has a \"Not emulated\" section")
        .lines()
        .filter_map(|line| line.strip_prefix("| eCom | "))
        .filter_map(|rest| rest.split(" | ").next())
        .flat_map(|cell| cell.split('`').skip(1).step_by(2))
        .collect();
    let emu = start().await;
    let post = |path: &'static str, body: Value| {
        let emu = &emu;
        async move {
            let (status, b) = ecom_send(emu, Method::POST, path, &body).await;
            assert_eq!(status, 201, "POST {path}: {b}");
            b
        }
    };
    let brand = id(
        &post("nl/brands.json", json!({"brand": {"title": "Delta"}})).await,
        "brand",
    );
    let kind = id(
        &post("nl/types.json", json!({"type": {"title": "Relais"}})).await,
        "type",
    );
    let attribute = id(
        &post(
            "nl/attributes.json",
            json!({"attribute": {"title": "Spanning"}}),
        )
        .await,
        "attribute",
    );
    let category = id(
        &post(
            "nl/categories.json",
            json!({"category": {"title": "Boards"}}),
        )
        .await,
        "category",
    );
    let tag = id(
        &post("nl/tags.json", json!({"tag": {"title": "Nieuw"}})).await,
        "tag",
    );
    let product = id(
        &post(
            "nl/products.json",
            json!({"product": {"title": "Relais module", "brand": brand, "type": kind}}),
        )
        .await,
        "product",
    );
    let (status, _) = ecom_send(
        &emu,
        Method::POST,
        &format!("nl/products/{product}/images.json"),
        &json!({"productImage": {"attachment": "aGVsbG8=", "filename": "relais.png"}}),
    )
    .await;
    assert_eq!(status, 201);
    let mut found = Vec::new();
    for path in [
        "nl/shop.json".to_string(),
        "nl/account.json".to_string(),
        format!("nl/products/{product}.json"),
        format!("nl/variants.json?product={product}"),
        format!("nl/categories/{category}.json"),
        format!("nl/brands/{brand}.json"),
        format!("nl/types/{kind}.json"),
        format!("nl/attributes/{attribute}.json"),
        format!("nl/tags/{tag}.json"),
    ] {
        let (status, body) = ecom_get(&emu, &path).await;
        assert_eq!(status, 200, "{path}: {body}");
        links(&body, &mut found);
    }
    assert!(found.len() > 20, "{found:?}");
    let mut unlisted = Vec::new();
    for (url, link) in found {
        let answer = http()
            .get(&link)
            .basic_auth(emu.ecom_key(), Some(emu.ecom_secret()))
            .send()
            .await
            .unwrap();
        match answer.status().as_u16() {
            200 => {}
            404 if not_emulated.contains(&template(&url).as_str()) => {}
            status => unlisted.push(format!("{url} ({status})")),
        }
    }
    assert!(
        unlisted.is_empty(),
        "links neither served nor in the README's \"Not emulated\" table: {unlisted:?}"
    );
}
