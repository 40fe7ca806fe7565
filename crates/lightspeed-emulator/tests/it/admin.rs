//! The admin routes: stats, reset, load, dump, faults.

use lightspeed_emulator::{EmulatorConfig, Stats};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{ecom_get, ecom_send, eventually, http, start, start_with, xs_get};

#[tokio::test]
async fn stats_count_routes_statuses_and_writes() {
    let emu = start().await;
    ecom_send(
        &emu,
        Method::POST,
        "nl/products.json",
        &json!({"product": {"title": "A"}}),
    )
    .await;
    ecom_get(&emu, "nl/products/10000001.json").await;
    ecom_get(&emu, "nl/products/999.json").await;
    xs_get(&emu, "api/2.0/outlets").await;
    let stats: Stats = http()
        .get(format!("{}/_emulator/stats", emu.ecom_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats, emu.stats());
    assert_eq!(stats.requests, 4);
    assert_eq!(stats.writes, 1);
    assert_eq!(stats.route("POST /{lang}/products.json"), 1);
    assert_eq!(stats.route("GET /{lang}/products/{id}.json"), 2);
    assert_eq!(stats.route("GET /api/2.0/outlets"), 1);
    assert_eq!(stats.statuses.get(&404), Some(&1));
    assert_eq!(stats.statuses.get(&201), Some(&1));
}

#[tokio::test]
async fn reset_returns_to_the_seeded_start() {
    let emu = start().await;
    ecom_send(
        &emu,
        Method::POST,
        "nl/products.json",
        &json!({"product": {"title": "A"}}),
    )
    .await;
    let r = http()
        .post(format!("{}/_emulator/reset", emu.ecom_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(emu.stats(), Stats::default());
    let (_, count) = ecom_get(&emu, "nl/products/count.json").await;
    assert_eq!(count["count"], 0);
    let (_, outlets) = xs_get(&emu, "api/2.0/outlets").await;
    assert_eq!(
        outlets["data"].as_array().unwrap().len(),
        1,
        "the seeded outlet is back"
    );
}

#[tokio::test]
async fn a_dump_loads_back_into_a_fresh_emulator() {
    let emu = start().await;
    let seed = json!({
        "ecom": {
            "brands": [{"id": 500, "title": "Acme"}],
            "products": [{"id": 600, "title": "Portemonnee", "brand": 500,
                          "translations": {"en": {"title": "Wallet"}}}],
            "variants": [{"id": 601, "product": 600, "title": "Bruin", "sku": "W-BR",
                          "priceExcl": 49.95, "isDefault": true}],
            "product_images": [{"product": 600, "attachment": "https://example.com/w.jpg",
                                "filename": "w.jpg"}],
        },
        "xseries": {
            "brands": [{"id": "b-1", "name": "Acme"}],
            "products": [{"id": "p-1", "name": "Wallet", "sku": "W-BR", "brand_id": "b-1"}],
        },
    });
    let counts = emu.load(&seed).unwrap();
    assert_eq!(counts["ecom"]["products"], 1);
    let (_, en) = ecom_get(&emu, "en/products/600.json").await;
    assert_eq!(en["product"]["title"], "Wallet");
    assert_eq!(en["product"]["brand"]["resource"]["id"], 500);
    assert_eq!(en["product"]["image"]["title"], "w");
    let dump: Value = http()
        .get(format!("{}/_emulator/dump", emu.ecom_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let other = start().await;
    let r = http()
        .post(format!("{}/_emulator/load", other.ecom_url()))
        .json(&json!({"ecom": dump["ecom"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(other.dump()["ecom"], dump["ecom"]);
    let (_, product) = xs_get(&emu, "api/2.0/products/p-1").await;
    assert_eq!(product["data"]["sku"], "W-BR");
}

#[tokio::test]
async fn bad_seed_data_names_the_place() {
    let emu = start().await;
    let err = emu
        .load(&json!({"ecom": {"products": [{"title": "ok"}, {"content": "no title"}]}}))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "seed data: ecom.products[1]: Invalid product title"
    );
    let err = emu.load(&json!({"ecom": {"orders": []}})).unwrap_err();
    assert!(err.to_string().contains("ecom.orders"), "{err}");
    let r = http()
        .post(format!("{}/_emulator/load", emu.ecom_url()))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn faults_can_be_set_over_http() {
    let emu = start_with(EmulatorConfig::default()).await;
    let r = http()
        .put(format!("{}/_emulator/faults", emu.ecom_url()))
        .json(&json!({"fail_write": {"nth": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (status, _) = ecom_send(
        &emu,
        Method::POST,
        "nl/brands.json",
        &json!({"brand": {"title": "A"}}),
    )
    .await;
    assert_eq!(status, 500);
    let bad = http()
        .put(format!("{}/_emulator/faults", emu.ecom_url()))
        .json(&json!({"eror_500": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400, "unknown fields are refused");
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let emu = start().await;
    let url = format!("{}/_emulator/stats", emu.ecom_url());
    assert!(http().get(&url).send().await.is_ok());
    drop(emu);
    // A fresh client each time: no pooled connection to the old server.
    eventually(
        "the port refuses connections after the handle was dropped",
        || {
            let url = url.clone();
            async move { reqwest::Client::new().get(&url).send().await.is_err() }
        },
    )
    .await;
}

/// What a check of a shop against its source reads from a dump: per product its texts in every
/// language, every variant field, images with title and order, category and tag links, the
/// brand, supplier and type ids and the template fields; see "Seed data, dumps, stats" in
/// `docs/emulator.md`.
#[tokio::test]
async fn a_dump_holds_everything_a_shop_check_compares() {
    let emu = start().await;
    let send = |method: Method, path: String, body: Value| {
        let emu = &emu;
        async move {
            let (status, body) = ecom_send(emu, method, &path, &body).await;
            assert!(status == 200 || status == 201, "{path}: {status} {body}");
            body
        }
    };
    let post = |path: &str, key: &str, body: Value| {
        let (path, key) = (path.to_string(), key.to_string());
        let request = send(Method::POST, path, json!({ key.clone(): body }));
        async move { request.await[&key]["id"].as_u64().unwrap() }
    };
    let brand = post("nl/brands.json", "brand", json!({"title": "Acme"})).await;
    let supplier = post(
        "nl/suppliers.json",
        "supplier",
        json!({"title": "Leather Co"}),
    )
    .await;
    let kind = post("nl/types.json", "type", json!({"title": "Wallets"})).await;
    let category = post("nl/categories.json", "category", json!({"title": "Bags"})).await;
    let tag = post("nl/tags.json", "tag", json!({"title": "Gifts"})).await;
    let product = post(
        "nl/products.json",
        "product",
        json!({"title": "Portemonnee", "fulltitle": "Leren portemonnee", "description": "Kort",
               "content": "<p>Lang</p>", "brand": brand, "supplier": supplier, "type": kind,
               "data01": "a", "data02": "b", "data03": "c", "visibility": "auto"}),
    )
    .await;
    send(
        Method::PUT,
        format!("en/products/{product}.json"),
        json!({"product": {"title": "Wallet", "content": "<p>Long</p>"}}),
    )
    .await;
    let variant = post(
        "nl/variants.json",
        "variant",
        json!({"product": product, "title": "Zwart", "sku": "W-BL", "ean": "8712345678906",
               "articleCode": "A-1", "priceExcl": 41.28, "priceIncl": 49.95, "stockLevel": 7,
               "stockTracking": "enabled", "weightValue": 0.25, "weightUnit": "kg"}),
    )
    .await;
    send(
        Method::PUT,
        format!("en/variants/{variant}.json"),
        json!({"variant": {"title": "Black"}}),
    )
    .await;
    for (file, order) in [("Front.jpg", 2), ("Back.jpg", 1)] {
        post(
            &format!("nl/products/{product}/images.json"),
            "productImage",
            json!({"attachment": "https://example.com/x.jpg", "filename": file,
                   "sortOrder": order}),
        )
        .await;
    }
    post(
        "nl/categories/products.json",
        "categoriesProduct",
        json!({"category": category, "product": product}),
    )
    .await;
    post(
        "nl/tags/products.json",
        "tagsProduct",
        json!({"tag": tag, "product": product}),
    )
    .await;

    let dump = emu.dump()["ecom"].clone();
    let of_product = |table: &str| -> Vec<Value> {
        dump[table]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["product"] == product)
            .cloned()
            .collect()
    };
    let products = dump["products"].as_array().unwrap();
    assert_eq!(products.len(), 1);
    let p = &products[0];
    // Texts of the default language inline, another language's whole set under translations.
    assert_eq!(
        (
            &p["title"],
            &p["fulltitle"],
            &p["description"],
            &p["content"]
        ),
        (
            &json!("Portemonnee"),
            &json!("Leren portemonnee"),
            &json!("Kort"),
            &json!("<p>Lang</p>")
        )
    );
    assert_eq!(
        p["translations"]["en"],
        json!({"title": "Wallet", "fulltitle": "Leren portemonnee", "description": "Kort",
               "content": "<p>Long</p>"})
    );
    // Relations as ids, the template fields and the rest of the shared fields.
    assert_eq!(
        (&p["brand"], &p["supplier"], &p["type"]),
        (&json!(brand), &json!(supplier), &json!(kind))
    );
    assert_eq!(
        (&p["data01"], &p["data02"], &p["data03"]),
        (&json!("a"), &json!("b"), &json!("c"))
    );
    assert_eq!(
        (&p["url"], &p["visibility"]),
        (&json!("portemonnee"), &json!("auto"))
    );

    // The default variant the create made, and the one added, with every stored field.
    let variants = of_product("variants");
    assert_eq!(variants.len(), 2);
    let added = variants.iter().find(|v| v["id"] == variant).unwrap();
    for (field, value) in [
        ("sku", json!("W-BL")),
        ("ean", json!("8712345678906")),
        ("articleCode", json!("A-1")),
        ("priceExcl", json!(41.28)),
        ("priceIncl", json!(49.95)),
        ("stockLevel", json!(7)),
        ("stockTracking", json!("enabled")),
        ("weightValue", json!("0.250")),
        ("weightUnit", json!("kg")),
        ("isDefault", json!(false)),
        ("title", json!("Zwart")),
    ] {
        assert_eq!(added[field], value, "variant {field}");
    }
    assert_eq!(added["translations"]["en"]["title"], "Black");
    // Every field the API shows is dumped, but for what the emulator derives on reading.
    let derived_variant = [
        "createdAt",
        "updatedAt",
        "stockBuyMininum",
        "matrix",
        "movements",
        "metafields",
        "additionalcost",
        "options",
    ];
    let (_, shown) = ecom_get(&emu, &format!("nl/variants/{variant}.json")).await;
    for key in shown["variant"].as_object().unwrap().keys() {
        if !derived_variant.contains(&key.as_str()) {
            assert!(added.get(key).is_some(), "variant {key} is not dumped");
        }
    }
    let derived_product = [
        "createdAt",
        "updatedAt",
        "isVisible",
        "hasMatrix",
        "image",
        "images",
        "categories",
        "relations",
        "metafields",
        "reviews",
        "attributes",
        "tags",
        "variants",
        "movements",
        "templateDataFields",
    ];
    let (_, shown) = ecom_get(&emu, &format!("nl/products/{product}.json")).await;
    for key in shown["product"].as_object().unwrap().keys() {
        if !derived_product.contains(&key.as_str()) {
            assert!(p.get(key).is_some(), "product {key} is not dumped");
        }
    }

    let mut images: Vec<_> = of_product("product_images")
        .iter()
        .map(|i| (i["sortOrder"].as_i64().unwrap(), i["title"].clone()))
        .collect();
    images.sort_by_key(|(order, _)| *order);
    assert_eq!(images, [(1, json!("back")), (2, json!("front"))]);
    let categories: Vec<_> = of_product("categories_products")
        .iter()
        .map(|l| l["category"].clone())
        .collect();
    assert_eq!(categories, [json!(category)]);
    let tags: Vec<_> = of_product("tags_products")
        .iter()
        .map(|l| l["tag"].clone())
        .collect();
    assert_eq!(tags, [json!(tag)]);
    // The linked records themselves, by id.
    assert_eq!(
        dump["suppliers"][0],
        json!({"id": supplier, "title": "Leather Co"})
    );
    assert_eq!(dump["brands"][0]["title"], "Acme");
    assert_eq!(dump["types"][0]["title"], "Wallets");
}

/// Every id held anywhere in `value` (rows, images, sale lines...).
fn ids(value: &Value, out: &mut std::collections::BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "id"
                    && let Some(id) = v.as_str()
                {
                    out.insert(id.to_string());
                }
                ids(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| ids(v, out)),
        _ => {}
    }
}

/// Creates a brand, a product with an image and a customer through the X-Series API; answers
/// the new product's id.
async fn xseries_records(emu: &lightspeed_emulator::EmulatorHandle) -> String {
    use crate::support::xs_send;
    let (status, _) = xs_send(
        emu,
        Method::POST,
        "api/2.0/brands",
        Some(&json!({"name": "Acme"})),
    )
    .await;
    assert_eq!(status / 100, 2);
    let (status, product) = xs_send(
        emu,
        Method::POST,
        "api/2.0/products",
        Some(&json!({"name": "Wallet", "price_excluding_tax": 10,
                     "images": [{"location": "https://img.example/w.jpg"}]})),
    )
    .await;
    assert_eq!(status, 200, "{product}");
    let (status, _) = xs_send(
        emu,
        Method::POST,
        "api/2.0/customers",
        Some(&json!({"first_name": "Ada", "last_name": "Lovelace"})),
    )
    .await;
    assert_eq!(status / 100, 2);
    product["data"][0].as_str().unwrap().to_string()
}

#[tokio::test]
async fn ids_are_never_reused_after_a_load_in_any_table() {
    // A dump of an emulator that created records.
    let source = start().await;
    xseries_records(&source).await;
    let dump = source.dump();
    let mut loaded = std::collections::BTreeSet::new();
    ids(&dump["xseries"], &mut loaded);

    // Loaded into a fresh emulator with the same seed (`--load`), and into one reset first:
    // the seeded generator would hand out the very ids the dump's records got.
    let fresh = start().await;
    let reset = start().await;
    reset.reset();
    for emu in [&fresh, &reset] {
        emu.load(&json!({"xseries": dump["xseries"].clone()}))
            .unwrap();
        let before = emu.dump();
        let new_product = xseries_records(emu).await;
        assert!(!loaded.contains(&new_product));
        let after = emu.dump();
        let mut now = std::collections::BTreeSet::new();
        ids(&after["xseries"], &mut now);
        let mut fresh_ids: Vec<_> = now.difference(&loaded).collect();
        fresh_ids.sort();
        assert!(
            fresh_ids.len() >= 4,
            "brand, product, image, customer: {fresh_ids:?}"
        );
        // Every loaded record is still there, unchanged but for nothing.
        for table in ["products", "brands", "customers"] {
            let was = before["xseries"][table].as_array().unwrap();
            let is = after["xseries"][table].as_array().unwrap();
            assert_eq!(is.len(), was.len() + 1, "{table}");
            for row in was {
                assert!(is.contains(row), "{table}: {row} was overwritten");
            }
        }
    }
}

#[tokio::test]
async fn generated_skus_continue_after_loaded_ones() {
    let emu = start().await;
    emu.load(&json!({"xseries": {"products": [{"name": "Loaded", "sku": "10007"}]}}))
        .unwrap();
    let (status, created) = crate::support::xs_send(
        &emu,
        Method::POST,
        "api/2.0/products",
        Some(&json!({"name": "New", "price_excluding_tax": 1})),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["data"][0].as_str().unwrap();
    let (_, product) = xs_get(&emu, &format!("api/2.0/products/{id}")).await;
    assert_eq!(product["data"]["sku"], "10008");
    let (_, retailer) = xs_get(&emu, "api/2.0/retailer").await;
    assert_eq!(
        retailer["data"]["sku_sequence"],
        json!({"enabled": true, "value": 10008})
    );
}
