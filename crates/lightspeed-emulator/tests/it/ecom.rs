//! eCom endpoint families, driven through the typed client where it has the call and raw HTTP
//! where the wire shape is the point.

use futures::TryStreamExt;
use lightspeed_ecom::model::{
    BrandInput, CategoriesProductInput, CategoryInput, ProductInput, TagInput, TagsProductInput,
    TypesAttributeInput, VariantInput,
};
use lightspeed_ecom::{Decimal, Error};
use reqwest::Method;
use serde_json::json;

use crate::support::{ecom, ecom_get, ecom_send, start};

#[tokio::test]
async fn product_create_makes_the_default_variant_and_answers_201_in_the_singular_envelope() {
    let emu = start().await;
    let (status, body) = ecom_send(
        &emu,
        Method::POST,
        "nl/products.json",
        &json!({"product": {"title": "Luxury Leather Wallet", "visibility": "visible"}}),
    )
    .await;
    assert_eq!(status, 201);
    let id = body["product"]["id"].as_u64().unwrap();
    assert_eq!(body["product"]["url"], "luxury-leather-wallet");
    assert_eq!(body["product"]["brand"], false);
    assert_eq!(body["product"]["images"], false);
    assert_eq!(
        body["product"]["variants"]["resource"]["url"],
        format!("variants?product={id}")
    );
    let (_, variants) = ecom_get(&emu, &format!("nl/variants.json?product={id}")).await;
    let variants = variants["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 1);
    assert_eq!(variants[0]["isDefault"], true);
    assert_eq!(variants[0]["product"]["resource"]["id"], id);

    // The typed client reads the same thing.
    let client = ecom(&emu);
    let (product, variant) = client
        .create_product(&ProductInput {
            title: Some("Luxury Watch".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(product.title.as_deref(), Some("Luxury Watch"));
    assert!(variant.unwrap().is_default.unwrap());
    assert_eq!(client.products().count().await.unwrap(), 2);
    assert_eq!(client.variants().count().await.unwrap(), 2);
}

#[tokio::test]
async fn texts_are_per_language_and_shared_fields_are_shared() {
    let emu = start().await;
    let client = ecom(&emu);
    let (product, variant) = client
        .create_product(&ProductInput {
            title: Some("Biologisch katoenen T-shirt".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let variant = variant.unwrap();
    let en = client.products().in_language("en").unwrap();
    en.update(
        product.id,
        &ProductInput {
            title: Some("Organic Cotton T-shirt".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    client
        .variants()
        .update(
            variant.id,
            &VariantInput {
                price_excl: Some(Decimal::new(1995, 2)),
                stock_level: Some(12),
                sku: Some("TSHIRT-ORG".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let nl = client.products().get(product.id).await.unwrap();
    let en_product = en.get(product.id).await.unwrap();
    assert_eq!(nl.title.as_deref(), Some("Biologisch katoenen T-shirt"));
    assert_eq!(en_product.title.as_deref(), Some("Organic Cotton T-shirt"));
    assert_eq!(nl.url, en_product.url);
    let en_variant = client
        .variants()
        .in_language("en")
        .unwrap()
        .get(variant.id)
        .await
        .unwrap();
    assert_eq!(en_variant.price_excl, Some(Decimal::new(1995, 2)));
    assert_eq!(en_variant.stock_level, Some(12));
}

#[tokio::test]
async fn validation_errors_use_the_error_envelope_and_name_the_field() {
    let emu = start().await;
    let (status, body) = ecom_send(
        &emu,
        Method::POST,
        "nl/products.json",
        &json!({"product": {"content": "no title"}}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": {"code": 400, "method": "POST", "request": "nl/products.json",
                          "message": "Invalid product title"}})
    );
    let (_, p) = ecom_send(
        &emu,
        Method::POST,
        "nl/products.json",
        &json!({"product": {"title": "T"}}),
    )
    .await;
    let pid = p["product"]["id"].as_u64().unwrap();
    let (status, body) = ecom_send(
        &emu,
        Method::POST,
        "nl/variants.json",
        &json!({"variant": {"product": pid, "title": "M", "priceExcl": "twelve"}}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["message"], "Invalid variant priceExcl");
    // Numbers written as text are accepted, as PHP does.
    let (status, body) = ecom_send(
        &emu,
        Method::POST,
        "nl/variants.json",
        &json!({"variant": {"product": pid, "title": "M", "priceExcl": "12.50"}}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(body["variant"]["priceExcl"], json!(12.5));

    // The typed client surfaces the API's message.
    let err = ecom(&emu)
        .variants()
        .update(
            body["variant"]["id"].as_u64().unwrap().into(),
            &VariantInput {
                title: Some(String::new()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Invalid variant title"), "{err}");
}

#[tokio::test]
async fn an_unknown_language_is_a_404_with_the_real_message() {
    let emu = start().await;
    let (status, body) = ecom_get(&emu, "de/products.json").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["message"], "Unknown or inactive language");
    let err = ecom(&emu)
        .products()
        .in_language("de")
        .unwrap()
        .count()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownLanguage { .. }), "{err:?}");
}

#[tokio::test]
async fn lists_page_by_250_filter_and_count() {
    let emu = start().await;
    let client = ecom(&emu);
    let brand = client
        .brands()
        .create(&BrandInput {
            title: Some("Acme".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut docs = Vec::new();
    for i in 0..260 {
        let brand_field = if i % 2 == 0 {
            json!(brand.id.get())
        } else {
            json!(false)
        };
        docs.push(json!({"id": 20_000_000 + i, "title": format!("P{i}"), "brand": brand_field}));
    }
    emu.load(&json!({"ecom": {"products": docs}})).unwrap();
    let (_, page) = ecom_get(&emu, "nl/products.json?limit=500").await;
    assert_eq!(
        page["products"].as_array().unwrap().len(),
        250,
        "limit caps at 250"
    );
    let (_, page2) = ecom_get(&emu, "nl/products.json?limit=250&page=2").await;
    assert_eq!(page2["products"].as_array().unwrap().len(), 10);
    let (_, default) = ecom_get(&emu, "nl/products.json").await;
    assert_eq!(default["products"].as_array().unwrap().len(), 50);
    let (_, since) = ecom_get(&emu, "nl/products.json?since_id=20000255&fields=id,title").await;
    let since = since["products"].as_array().unwrap();
    assert_eq!(since.len(), 4);
    assert_eq!(since[0], json!({"id": 20000256, "title": "P256"}));
    let (_, count) = ecom_get(&emu, &format!("nl/products/count.json?brand={}", brand.id)).await;
    assert_eq!(count, json!({"count": 130}));

    let all: Vec<_> = client
        .products()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 260);
    let by_id: Vec<_> = client
        .products()
        .list()
        .stream_by_id()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(by_id.len(), 260);
    let future = chrono::Utc::now() + chrono::Duration::hours(3);
    assert_eq!(
        client
            .products()
            .list()
            .updated_at_min(future)
            .count()
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn categories_nest_and_link_products_once() {
    let emu = start().await;
    let client = ecom(&emu);
    let men = client
        .categories()
        .create(&CategoryInput {
            title: Some("Men".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let shoes = client
        .categories()
        .create(&CategoryInput {
            title: Some("Shoes".into()),
            parent: Some(men.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(shoes.depth, Some(2));
    assert_eq!(shoes.url.as_deref(), Some("men/shoes"));
    let (_, raw) = ecom_get(&emu, &format!("nl/categories/{}.json", shoes.id)).await;
    assert_eq!(
        raw["category"]["path"],
        json!([shoes.id.to_string(), men.id.to_string()])
    );
    let (product, _) = client
        .create_product(&ProductInput {
            title: Some("Sneaker".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let link = CategoriesProductInput {
        category: Some(shoes.id),
        product: Some(product.id),
        ..Default::default()
    };
    let created = client.categories_products().create(&link).await.unwrap();
    let again = client
        .categories_products()
        .create(&link)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("already linked"), "{again}");
    let links = client
        .categories_products()
        .list()
        .filter("product", product.id)
        .send()
        .await
        .unwrap();
    assert_eq!(links.len(), 1);
    client
        .categories_products()
        .delete(created.id)
        .await
        .unwrap();
    assert_eq!(client.categories_products().count().await.unwrap(), 0);
    // Link resources have no update.
    let (status, _) = ecom_send(
        &emu,
        Method::PUT,
        &format!("nl/categories/products/{}.json", created.id),
        &json!({"categoriesProduct": {"sortOrder": 2}}),
    )
    .await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn images_brands_types_attributes_and_tags() {
    let emu = start().await;
    let client = ecom(&emu);
    let (product, _) = client
        .create_product(&ProductInput {
            title: Some("Watch".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let images = client.product_images(product.id);
    let first = images
        .create_from_url("https://example.com/watch-front.jpg", "watch-front.jpg")
        .await
        .unwrap();
    let second = images
        .create_from_bytes(b"\x89PNG fake image bytes", "Watch Back.PNG")
        .await
        .unwrap();
    assert_eq!(second.extension.as_deref(), Some("png"));
    assert_eq!(second.size, Some(21));
    assert_eq!(second.title.as_deref(), Some("watch-back"));
    let (_, p) = ecom_get(&emu, &format!("nl/products/{}.json", product.id)).await;
    assert_eq!(p["product"]["image"]["title"], "watch-front");
    images.set_sort_order(first.id, 5).await.unwrap();
    let (_, p) = ecom_get(&emu, &format!("nl/products/{}.json", product.id)).await;
    assert_eq!(p["product"]["image"]["title"], "watch-back");
    assert_eq!(images.count().await.unwrap(), 2);

    let (_, t) = ecom_send(
        &emu,
        Method::POST,
        "nl/types.json",
        &json!({"type": {"title": "Watches"}}),
    )
    .await;
    let (_, a) = ecom_send(
        &emu,
        Method::POST,
        "nl/attributes.json",
        &json!({"attribute": {"title": "Strap"}}),
    )
    .await;
    let input = TypesAttributeInput {
        product_type: Some(t["type"]["id"].as_u64().unwrap().into()),
        attribute: Some(a["attribute"]["id"].as_u64().unwrap().into()),
        ..Default::default()
    };
    // The create is answered with the plural key; the client reads both.
    let (status, raw) = ecom_send(
        &emu,
        Method::POST,
        "nl/types/attributes.json",
        &json!({"typesAttribute": {"type": t["type"]["id"], "attribute": a["attribute"]["id"]}}),
    )
    .await;
    assert_eq!(status, 201);
    assert!(raw.get("typesAttributes").is_some(), "{raw}");
    client
        .types_attributes()
        .delete(raw["typesAttributes"]["id"].as_u64().unwrap().into())
        .await
        .unwrap();
    client.types_attributes().create(&input).await.unwrap();

    let tag = client
        .tags()
        .create(&TagInput {
            title: Some("Gift ideas".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    client
        .tags_products()
        .create(&TagsProductInput {
            tag: Some(tag.id),
            product: Some(product.id),
            ..Default::default()
        })
        .await
        .unwrap();
    // Deleting the product removes its links, images and variants.
    client.products().delete(product.id).await.unwrap();
    assert_eq!(client.tags_products().count().await.unwrap(), 0);
    assert_eq!(client.variants().count().await.unwrap(), 0);
    let (status, _) = ecom_get(&emu, &format!("nl/products/{}/images.json", product.id)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn shop_account_permissions_ratelimit_languages_and_the_connection_test() {
    let emu = start().await;
    let client = ecom(&emu);
    let info = client.test_connection().await.unwrap();
    assert!(
        info.permissions
            .allows("products", lightspeed_ecom::model::Access::Write)
    );
    let shop = client.shop().await.unwrap();
    assert_eq!(shop.id.get(), emu.config().ecom.shop_id);
    let languages = client.languages().list().send().await.unwrap();
    assert_eq!(languages.len(), 2);
    let limits = client.account_ratelimit().await.unwrap();
    let five = limits.limit_5min.unwrap();
    assert_eq!(five.limit, Some(300));
    // Limits are off here (`start`): the budget is reported full, never running out.
    assert_eq!(five.remaining, Some(300));
    let account = client.account().await.unwrap();
    assert!(!format!("{account:?}").contains(emu.ecom_key()));
}

#[tokio::test]
async fn suppliers_are_served_and_products_link_and_filter_by_them() {
    let emu = start().await;
    let (status, body) = ecom_send(
        &emu,
        Method::POST,
        "nl/suppliers.json",
        &json!({"supplier": {"title": "Acme Leather"}}),
    )
    .await;
    assert_eq!(status, 201);
    let supplier = &body["supplier"];
    let id = supplier["id"].as_u64().unwrap();
    let mut keys: Vec<_> = supplier.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["createdAt", "id", "title", "updatedAt"]);
    assert_eq!(supplier["title"], "Acme Leather");

    let (status, err) = ecom_send(
        &emu,
        Method::POST,
        "nl/suppliers.json",
        &json!({"supplier": {"title": " "}}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["message"], "Invalid supplier title");

    let (status, list) = ecom_get(&emu, "nl/suppliers.json").await;
    assert_eq!(status, 200);
    assert_eq!(list["suppliers"].as_array().unwrap().len(), 1);
    assert_eq!(
        ecom_get(&emu, "nl/suppliers/count.json").await.1["count"],
        1
    );

    let (status, updated) = ecom_send(
        &emu,
        Method::PUT,
        &format!("nl/suppliers/{id}.json"),
        &json!({"supplier": {"title": "Acme"}}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["supplier"]["title"], "Acme");
    // A supplier's name is one for every language.
    let (_, en) = ecom_get(&emu, &format!("en/suppliers/{id}.json")).await;
    assert_eq!(en["supplier"]["title"], "Acme");

    let (_, t) = ecom_send(
        &emu,
        Method::POST,
        "nl/types.json",
        &json!({"type": {"title": "Wallets"}}),
    )
    .await;
    let type_id = t["type"]["id"].as_u64().unwrap();
    let (status, p) = ecom_send(
        &emu,
        Method::POST,
        "nl/products.json",
        &json!({"product": {"title": "Wallet", "supplier": id, "type": type_id}}),
    )
    .await;
    assert_eq!(status, 201);
    let product = p["product"]["id"].as_u64().unwrap();
    let base = emu.ecom_url();
    assert_eq!(
        p["product"]["supplier"],
        json!({"resource": {"id": id, "url": format!("suppliers/{id}"),
                            "link": format!("{base}/nl/suppliers/{id}.json")}})
    );
    assert_eq!(
        p["product"]["type"],
        json!({"resource": {"id": type_id, "url": format!("types/{type_id}"),
                            "link": format!("{base}/nl/types/{type_id}.json")}})
    );
    let (_, other) = ecom_send(
        &emu,
        Method::POST,
        "nl/products.json",
        &json!({"product": {"title": "Belt"}}),
    )
    .await;
    assert_eq!(other["product"]["supplier"], false);
    assert_eq!(other["product"]["type"], false);
    let (status, err) = ecom_send(
        &emu,
        Method::POST,
        "nl/products.json",
        &json!({"product": {"title": "Ghost", "supplier": 999}}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["message"], "Invalid product supplier");

    let (_, by_supplier) = ecom_get(&emu, &format!("nl/products.json?supplier={id}")).await;
    let ids: Vec<_> = by_supplier["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [product]);
    let count = |query: String| {
        let emu = &emu;
        async move {
            ecom_get(emu, &format!("nl/products/count.json?{query}"))
                .await
                .1["count"]
                .clone()
        }
    };
    assert_eq!(count(format!("supplier={id}")).await, 1);
    assert_eq!(count(format!("type={type_id}")).await, 1);
    ecom_send(
        &emu,
        Method::PUT,
        &format!("nl/products/{product}.json"),
        &json!({"product": {"supplier": false}}),
    )
    .await;
    assert_eq!(count(format!("supplier={id}")).await, 0);
    assert_eq!(count(format!("type={type_id}")).await, 1);

    let dumped = emu.dump();
    assert_eq!(dumped["ecom"]["suppliers"][0]["title"], "Acme");
    let (status, _) = ecom_send(
        &emu,
        Method::DELETE,
        &format!("nl/suppliers/{id}.json"),
        &json!(null),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        ecom_get(&emu, &format!("nl/suppliers/{id}.json")).await.0,
        404
    );
    assert_eq!(
        ecom_get(&emu, "nl/suppliers/count.json").await.1["count"],
        0
    );
}

#[tokio::test]
async fn suppliers_load_before_the_products_that_name_them() {
    let emu = start().await;
    let counts = emu
        .load(&json!({"ecom": {
            "products": [{"id": 800, "title": "Wallet", "supplier": 700}],
            "suppliers": [{"id": 700, "title": "Acme"}],
        }}))
        .unwrap();
    assert_eq!(counts["ecom"]["suppliers"], 1);
    let (_, p) = ecom_get(&emu, "nl/products/800.json").await;
    assert_eq!(p["product"]["supplier"]["resource"]["id"], 700);
    let err = emu
        .load(&json!({"ecom": {"suppliers": [{"title": ""}]}}))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "seed data: ecom.suppliers[0]: Invalid supplier title"
    );
}

#[tokio::test]
async fn types_and_tag_links_create_list_by_product_and_delete_like_the_rest() {
    let emu = start().await;
    let post = |path: &'static str, body: serde_json::Value| {
        let emu = &emu;
        async move { ecom_send(emu, Method::POST, path, &body).await }
    };
    let (status, t) = post("nl/types.json", json!({"type": {"title": "Wallets"}})).await;
    assert_eq!(status, 201);
    let type_id = t["type"]["id"].as_u64().unwrap();
    assert_eq!(ecom_get(&emu, "nl/types/count.json").await.1["count"], 1);
    let (_, types) = ecom_get(&emu, "nl/types.json").await;
    assert_eq!(types["types"][0]["id"], type_id);

    let (_, a) = post("nl/products.json", json!({"product": {"title": "A"}})).await;
    let (_, b) = post("nl/products.json", json!({"product": {"title": "B"}})).await;
    let (a, b) = (
        a["product"]["id"].as_u64().unwrap(),
        b["product"]["id"].as_u64().unwrap(),
    );
    let (_, tag) = post("nl/tags.json", json!({"tag": {"title": "Gifts"}})).await;
    let tag = tag["tag"]["id"].as_u64().unwrap();
    let (status, link) = post(
        "nl/tags/products.json",
        json!({"tagsProduct": {"tag": tag, "product": a}}),
    )
    .await;
    assert_eq!(status, 201);
    let link = link["tagsProduct"]["id"].as_u64().unwrap();
    let (status, err) = post(
        "nl/tags/products.json",
        json!({"tagsProduct": {"tag": tag, "product": a}}),
    )
    .await;
    assert_eq!(status, 400, "{err}");
    post(
        "nl/tags/products.json",
        json!({"tagsProduct": {"tag": tag, "product": b}}),
    )
    .await;

    let (_, of_a) = ecom_get(&emu, &format!("nl/tags/products.json?product={a}")).await;
    let of_a = of_a["tagsProducts"].as_array().unwrap();
    assert_eq!(of_a.len(), 1);
    assert_eq!(of_a[0]["id"], link);
    assert_eq!(of_a[0]["tag"]["resource"]["id"], tag);
    let count = |query: String| {
        let emu = &emu;
        async move {
            ecom_get(emu, &format!("nl/tags/products/count.json?{query}"))
                .await
                .1["count"]
                .clone()
        }
    };
    assert_eq!(count(format!("tag={tag}")).await, 2);
    assert_eq!(count(format!("product={b}")).await, 1);
    // The product links to its tag links.
    let (_, product) = ecom_get(&emu, &format!("nl/products/{a}.json")).await;
    assert_eq!(
        product["product"]["tags"]["resource"]["url"],
        format!("tags/products?product={a}")
    );

    let (status, _) = ecom_send(
        &emu,
        Method::PUT,
        &format!("nl/tags/products/{link}.json"),
        &json!({"tagsProduct": {"product": b}}),
    )
    .await;
    assert_eq!(status, 405);
    for path in [
        format!("nl/tags/products/{link}.json"),
        format!("nl/types/{type_id}.json"),
    ] {
        let (status, _) = ecom_send(&emu, Method::DELETE, &path, &json!(null)).await;
        assert_eq!(status, 204, "{path}");
        assert_eq!(ecom_get(&emu, &path).await.0, 404, "{path}");
    }
    assert_eq!(count(format!("product={a}")).await, 0);
    assert_eq!(count(format!("product={b}")).await, 1);
    assert_eq!(ecom_get(&emu, "nl/types/count.json").await.1["count"], 0);
}
