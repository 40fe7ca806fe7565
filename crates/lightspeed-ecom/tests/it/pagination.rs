//! Lists: pages of 250 until a short page, counts with the same filters, the `since_id` walk.

use futures::TryStreamExt;
use lightspeed_ecom::model::*;
use serde_json::json;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{client, clock};

fn products(ids: std::ops::Range<u64>) -> serde_json::Value {
    let list: Vec<_> = ids
        .map(|id| json!({"id": id, "title": format!("P{id}")}))
        .collect();
    json!({ "products": list })
}

#[tokio::test]
async fn stream_walks_pages_of_250_until_a_short_page() {
    let server = MockServer::start().await;
    for (page, ids) in [(1, 1..251), (2, 251..501), (3, 501..612)] {
        Mock::given(method("GET"))
            .and(path("/nl/products.json"))
            .and(query_param("page", page.to_string()))
            .and(query_param("limit", "250"))
            .and(query_param("updated_at_min", "2026-11-01 00:00:00"))
            .respond_with(ResponseTemplate::new(200).set_body_json(products(ids)))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/nl/products/count.json"))
        .and(query_param("updated_at_min", "2026-11-01 00:00:00"))
        .and(query_param_is_missing("page"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 611})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);
    let since = "2026-11-01T00:00:00Z".parse().unwrap();

    let all: Vec<Product> = client
        .products()
        .list()
        .updated_at_min(since)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 611);
    assert_eq!(all.last().unwrap().id, ProductId(611));
    let count = client
        .products()
        .list()
        .updated_at_min(since)
        .count()
        .await
        .unwrap();
    assert_eq!(count, 611);
}

#[tokio::test]
async fn an_exact_multiple_of_the_page_size_ends_on_an_empty_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/products.json"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(products(1..3)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/products.json"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"products": []})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);
    let all = client.products().list().limit(2).all().await.unwrap();
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn since_id_walk_follows_the_highest_id() {
    let server = MockServer::start().await;
    for (since, ids) in [(0, 1..251), (250, 251..501), (500, 501..502)] {
        Mock::given(method("GET"))
            .and(path("/nl/variants.json"))
            .and(query_param("since_id", since.to_string()))
            .and(query_param("limit", "250"))
            .and(query_param("product", "9"))
            .and(query_param_is_missing("page"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "variants": ids.map(|id| json!({"id": id})).collect::<Vec<_>>()
            })))
            .expect(1)
            .mount(&server)
            .await;
    }
    let clock = clock();
    let client = client(&server, &clock);
    let all: Vec<Variant> = client
        .variants()
        .list()
        .product(ProductId(9))
        .stream_by_id()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 501);
}

#[tokio::test]
async fn a_page_that_repeats_ends_the_stream_with_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/products.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(products(1..3)))
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);
    let err = client.products().list().limit(2).all().await.unwrap_err();
    assert!(err.to_string().contains("ignores the page number"), "{err}");
}
