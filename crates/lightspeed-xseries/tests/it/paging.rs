//! The version cursor: pages until an empty one, the version to save, a cursor that does not
//! move; and 429 with an HTTP-date `Retry-After`.

use std::time::Duration;

use futures::TryStreamExt;
use lightspeed_xseries::model::*;
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{client, clock};

fn page(versions: std::ops::RangeInclusive<i64>) -> ResponseTemplate {
    let data: Vec<_> = versions
        .clone()
        .map(|v| json!({"id": format!("p{v}"), "version": v}))
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({
        "data": data,
        "version": {"min": versions.start(), "max": versions.end()}
    }))
}

#[tokio::test]
async fn changed_since_walks_the_cursor_until_an_empty_page_and_says_the_version() {
    let server = MockServer::start().await;
    for (after, response) in [
        ("500", page(501..=502)),
        ("502", page(503..=503)),
        (
            "503",
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [], "version": {"min": null, "max": null}})),
        ),
    ] {
        Mock::given(method("GET"))
            .and(path("/api/2.0/products"))
            .and(query_param("after", after))
            .and(query_param("page_size", "2"))
            .and(query_param("deleted", "true"))
            .respond_with(response)
            .expect(1)
            .mount(&server)
            .await;
    }
    let clock = clock();
    let client = client(&server, &clock);
    let pages: Vec<_> = client
        .products()
        .list()
        .page_size(2)
        .deleted(true)
        .changed_since(500)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].version, 502);
    assert_eq!(pages[1].version, 503);
    assert_eq!(pages.iter().map(|p| p.items.len()).sum::<usize>(), 3);
}

#[tokio::test]
async fn pages_without_a_version_range_use_the_records_versions() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/inventory"))
        .and(query_param("after", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"id": "i1", "version": 10}, {"id": "i2", "version": 12}
        ]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/inventory"))
        .and(query_param("after", "12"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);
    let all: Vec<Inventory> = client.inventory().stream().try_collect().await.unwrap();
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn a_cursor_that_does_not_move_is_an_error_not_a_loop() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/customers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "c1", "version": 7}], "version": {"min": 7, "max": 7}
        })))
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);
    let err = client
        .customers()
        .list()
        .changed_since(7)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("did not advance"), "{err}");
}

#[tokio::test]
async fn a_429_waits_for_the_http_date_in_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/brands"))
        .respond_with(
            ResponseTemplate::new(429)
                // The server's clock, which an HTTP-date `Retry-After` is relative to.
                .insert_header("date", "Sat, 14 Nov 2026 10:00:00 GMT")
                .insert_header("retry-after", "Sat, 14 Nov 2026 10:01:30 GMT")
                .insert_header("x-ratelimit-limit", "350")
                .insert_header("x-ratelimit-remaining", "0")
                .set_body_json(
                    json!({"error": "Too Many Requests", "message": "Rate limiting enforced"}),
                ),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/brands"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-limit", "350")
                .insert_header("x-ratelimit-remaining", "349")
                .set_body_json(json!({"data": [{"id": "b1", "name": "Peak", "version": 1}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);
    let brands = client.brands().page().await.unwrap().items();
    assert_eq!(brands[0].name.as_deref(), Some("Peak"));
    // The clock starts at 10:00:00; the API said 10:01:30.
    assert!(
        clock.total_slept() >= Duration::from_secs(90),
        "{:?}",
        clock.sleeps()
    );
    assert!(
        clock.total_slept() < Duration::from_secs(120),
        "{:?}",
        clock.sleeps()
    );
}
