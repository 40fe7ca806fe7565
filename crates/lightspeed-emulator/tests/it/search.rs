//! X-Series list filters and `/api/2.0/search`, as the official 2.0 spec lists them; an
//! unsupported parameter is a 400 that names it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{start, xs_get, xs_send};

/// The ids of a search or list answer, in order.
fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

async fn product(emu: &lightspeed_emulator::EmulatorHandle, body: Value) -> String {
    let (status, created) = xs_send(emu, Method::POST, "api/2.0/products", Some(&body)).await;
    assert_eq!(status, 200, "{created}");
    created["data"][0].as_str().unwrap().to_string()
}

/// Three sales: CLOSED on 1 May, SAVED on 2 May, CLOSED on 3 May; their ids.
async fn sales(emu: &lightspeed_emulator::EmulatorHandle) -> Vec<String> {
    let (_, registers) = xs_get(emu, "api/2.0/registers").await;
    let (_, users) = xs_get(emu, "api/2.0/users").await;
    let (_, taxes) = xs_get(emu, "api/2.0/taxes").await;
    let wallet = product(emu, json!({"name": "Wallet", "price_excluding_tax": 10})).await;
    let mut out = Vec::new();
    for (day, status) in [(1, "CLOSED"), (2, "SAVED"), (3, "CLOSED")] {
        let (code, body) = xs_send(
            emu,
            Method::POST,
            "api/register_sales",
            Some(&json!({
                "register_id": registers["data"][0]["id"], "user_id": users["data"][0]["id"],
                "status": status, "sale_date": format!("2026-05-0{day} 12:00:00"),
                "register_sale_products": [{"product_id": wallet, "quantity": 1, "price": 10,
                    "tax": 2.1, "tax_id": taxes["data"][0]["id"]}],
                "register_sale_payments": [],
            })),
        )
        .await;
        assert_eq!(code, 200, "{body}");
        out.push(body["register_sale"]["id"].as_str().unwrap().to_string());
    }
    out
}

#[tokio::test]
async fn sales_are_found_by_date_range_and_repeated_statuses_and_sorted() {
    let emu = start().await;
    let s = sales(&emu).await;
    let (status, body) = xs_get(
        &emu,
        "api/2.0/search?type=sales&date_from=2026-05-02T00:00:00Z&date_to=2026-05-03T12:00:00Z",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), vec![s[1].clone(), s[2].clone()]);
    let (_, body) = xs_get(
        &emu,
        "api/2.0/search?type=sales&date_to=2026-05-01T23:59:59Z",
    )
    .await;
    assert_eq!(ids(&body), vec![s[0].clone()]);
    let (_, body) = xs_get(&emu, "api/2.0/search?type=sales&status=SAVED").await;
    assert_eq!(ids(&body), vec![s[1].clone()]);
    let (_, body) = xs_get(&emu, "api/2.0/search?type=sales&status=CLOSED&status=SAVED").await;
    assert_eq!(ids(&body).len(), 3);
    let (_, body) = xs_get(
        &emu,
        "api/2.0/search?type=sales&order_by=date_from&order_direction=desc",
    )
    .await;
    assert_eq!(ids(&body), vec![s[2].clone(), s[1].clone(), s[0].clone()]);
    let (_, body) = xs_get(
        &emu,
        &format!("api/2.0/search?type=sales&_id={}&_id={}", s[0], s[2]),
    )
    .await;
    assert_eq!(ids(&body), vec![s[0].clone(), s[2].clone()]);
    let (_, body) = xs_get(&emu, &format!("api/2.0/search?type=sales&-_id={}", s[1])).await;
    assert_eq!(ids(&body), vec![s[0].clone(), s[2].clone()]);
    let (status, body) = xs_get(&emu, "api/2.0/search?type=sales&date_from=yesterday").await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("\"date_from\""));
}

#[tokio::test]
async fn products_are_found_by_repeated_skus_tags_and_exclusions() {
    let emu = start().await;
    let (_, tag) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/tags",
        Some(&json!({"name": "Leather"})),
    )
    .await;
    let tag = tag["data"].as_str().unwrap().to_string();
    let a = product(
        &emu,
        json!({"name": "A", "sku": "SKU-A", "price_excluding_tax": 1, "tag_ids": [tag]}),
    )
    .await;
    let b = product(
        &emu,
        json!({"name": "B", "sku": "SKU-B", "price_excluding_tax": 1}),
    )
    .await;
    let c = product(
        &emu,
        json!({"name": "C", "sku": "SKU-C", "price_excluding_tax": 1}),
    )
    .await;
    // The spec asks for lowercased SKUs; the stored spelling is found too.
    let (_, body) = xs_get(&emu, "api/2.0/search?type=products&sku=sku-a&sku=SKU-C").await;
    assert_eq!(ids(&body), vec![a.clone(), c.clone()]);
    let (_, body) = xs_get(&emu, "api/2.0/search?type=products&-sku=sku-b").await;
    assert_eq!(ids(&body), vec![a.clone(), c.clone()]);
    let (_, body) = xs_get(&emu, &format!("api/2.0/search?type=products&tag_id={tag}")).await;
    assert_eq!(ids(&body), vec![a.clone()]);
    let (_, body) = xs_get(&emu, &format!("api/2.0/search?type=products&-tag_id={tag}")).await;
    assert_eq!(ids(&body), vec![b.clone(), c.clone()]);
    let (_, body) = xs_get(
        &emu,
        &format!("api/2.0/search?type=products&_id={a}&_id={b}&-_id={a}"),
    )
    .await;
    assert_eq!(ids(&body), vec![b.clone()]);
    let (_, body) = xs_get(
        &emu,
        "api/2.0/search?type=products&order_by=sku&order_direction=DESC&page_size=2",
    )
    .await;
    assert_eq!(ids(&body), vec![c.clone(), b.clone()]);
    let (_, body) = xs_get(
        &emu,
        "api/2.0/search?type=products&order_by=sku&offset=1&page_size=5000",
    )
    .await;
    assert_eq!(ids(&body), vec![b, c]);
}

#[tokio::test]
async fn an_unsupported_filter_is_a_400_that_names_it() {
    let emu = start().await;
    for (path, name) in [
        ("api/2.0/search?type=sales&sku=a", "sku"),
        ("api/2.0/search?type=products&status=CLOSED", "status"),
        ("api/2.0/search?type=customers&-email=a@b.c", "-email"),
        ("api/2.0/search?type=products&colour=red", "colour"),
        ("api/2.0/search?type=products&order_by=colour", "order_by"),
        (
            "api/2.0/search?type=products&order_direction=up",
            "order_direction",
        ),
        ("api/2.0/products?colour=red", "colour"),
        ("api/2.0/customers?email=a@b.c", "email"),
        ("api/2.0/sales?status=CLOSED", "status"),
        ("api/2.0/sales?deleted=true", "deleted"),
        ("api/2.0/inventory?outlet_id=x", "outlet_id"),
    ] {
        let (status, body) = xs_get(&emu, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        let message = body["error"].as_str().unwrap();
        assert!(
            message.contains(&format!("\"{name}\"")),
            "{path}: {message}"
        );
    }
}

#[tokio::test]
async fn the_product_list_finds_a_family_by_name_or_family_name_and_a_product_by_any_sku() {
    let emu = start().await;
    let (_, size) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/variant_attributes",
        Some(&json!({"name": "Size"})),
    )
    .await;
    let size = size["data"]["id"].as_str().unwrap().to_string();
    let (_, family) = xs_send(
        &emu,
        Method::POST,
        "api/2.0/products",
        Some(
            &json!({"name": "Shirt", "price_excluding_tax": 20, "variants": [
                {"sku": "SH-S", "variant_definitions": [{"attribute_id": size, "value": "S"}]},
                {"sku": "SH-M", "variant_definitions": [{"attribute_id": size, "value": "M"},],
                 "product_codes": [{"type": "EAN", "code": "8712345000017"}]},
            ]}),
        ),
    )
    .await;
    let family = ids(
        &json!({"data": family["data"].as_array().unwrap().iter().map(|id| json!({"id": id})).collect::<Vec<_>>()}),
    );
    product(&emu, json!({"name": "Other", "price_excluding_tax": 1})).await;
    for query in [
        "name=Shirt",
        "family_name=Shirt",
        "family_name=Shirt&after=999999999999",
    ] {
        let (status, body) = xs_get(&emu, &format!("api/2.0/products?{query}")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            ids(&body),
            family,
            "{query}: the other parameters are ignored"
        );
    }
    let (_, body) = xs_get(&emu, "api/2.0/products?sku=8712345000017").await;
    assert_eq!(ids(&body), vec![family[1].clone()]);
}
