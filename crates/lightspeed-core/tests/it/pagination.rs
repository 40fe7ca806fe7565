//! Pagination helpers driven by real requests: eCom page numbers and the X-Series cursor.

use futures::TryStreamExt;
use lightspeed_core::pagination::{CursorPage, cursor_pages, page_numbered};
use lightspeed_core::{Client, Error, Request};
use serde::Deserialize;
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{builder, clock};

#[derive(Debug, Deserialize)]
struct Brand {
    id: u64,
}

#[derive(Debug, Deserialize)]
struct Brands {
    brands: Vec<Brand>,
}

#[tokio::test]
async fn ecom_pages_are_walked_until_a_short_page() {
    let server = MockServer::start().await;
    for (page, ids) in [(1, vec![1, 2]), (2, vec![3, 4]), (3, vec![5])] {
        let brands: Vec<_> = ids.iter().map(|id| json!({"id": id})).collect();
        Mock::given(method("GET"))
            .and(path("/nl/brands.json"))
            .and(query_param("page", page.to_string()))
            .and(query_param("limit", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "brands": brands })))
            .expect(1)
            .mount(&server)
            .await;
    }
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();
    let request = Request::get("nl/brands.json");

    let ids: Vec<u64> = page_numbered(
        request.info(),
        2,
        |b: &Brand| b.id,
        |page| {
            let client = client.clone();
            let request = request.clone().query("limit", 2).query("page", page);
            async move { Ok(client.execute(request).await?.json::<Brands>()?.brands) }
        },
    )
    .map_ok(|b| b.id)
    .try_collect()
    .await
    .unwrap();

    assert_eq!(ids, vec![1, 2, 3, 4, 5]);
}

#[derive(Debug, Deserialize)]
struct Product {
    id: String,
}

#[derive(Debug, Deserialize)]
struct VersionRange {
    max: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct Page {
    data: Vec<Product>,
    version: Option<VersionRange>,
}

/// Fetches one X-Series 2.0 page after `after`; the next cursor is the page's `version.max`.
fn fetch_page(
    client: &Client,
    request: &Request,
    after: i64,
) -> impl Future<Output = lightspeed_core::Result<CursorPage<Product, i64>>> + use<> {
    let client = client.clone();
    let request = request
        .clone()
        .query("after", after)
        .query("page_size", 1000);
    async move {
        let page = client.execute(request).await?.json::<Page>()?;
        Ok(CursorPage {
            next: page.version.and_then(|v| v.max),
            items: page.data,
        })
    }
}

#[tokio::test]
async fn xseries_version_cursor_is_walked_until_an_empty_page() {
    let server = MockServer::start().await;
    let page = |ids: &[&str], max: Option<i64>| {
        let data: Vec<_> = ids.iter().map(|id| json!({"id": id})).collect();
        json!({"data": data, "version": {"min": null, "max": max}})
    };
    for (after, body) in [
        ("0", page(&["a", "b"], Some(1042))),
        ("1042", page(&["c"], Some(2077))),
        ("2077", page(&[], None)),
    ] {
        Mock::given(method("GET"))
            .and(path("/api/2.0/products"))
            .and(query_param("after", after))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();
    let request = Request::get("api/2.0/products");

    let pages: Vec<CursorPage<Product, i64>> = cursor_pages(request.info(), 0i64, |after| {
        fetch_page(&client, &request, after)
    })
    .try_collect()
    .await
    .unwrap();

    let ids: Vec<&str> = pages
        .iter()
        .flat_map(|p| p.items.iter().map(|i| i.id.as_str()))
        .collect();
    assert_eq!(ids, vec!["a", "b", "c"]);
    assert_eq!(
        pages.last().unwrap().next,
        Some(2077),
        "the checkpoint to resume from"
    );
}

#[tokio::test]
async fn a_server_that_repeats_the_cursor_ends_with_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [{"id": "a"}], "version": {"min": 5, "max": 5}})),
        )
        .expect(2)
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();
    let request = Request::get("api/2.0/products");

    let result: Result<Vec<CursorPage<Product, i64>>, Error> =
        cursor_pages(request.info(), 0i64, |after| {
            fetch_page(&client, &request, after)
        })
        .try_collect()
        .await;

    let err = result.unwrap_err();
    assert!(
        matches!(&err, Error::Pagination { request, .. } if request.path == "api/2.0/products")
    );
}
