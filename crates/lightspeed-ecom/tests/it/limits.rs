//! Rate limits: the API's headers feed the shared limiter; 429 waits, then succeeds.

use std::time::Duration;

use lightspeed_ecom::model::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{client, clock};

fn limited(remaining: &str, reset: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("x-ratelimit-limit", "300/3000/12000")
        .insert_header("x-ratelimit-remaining", remaining)
        .insert_header("x-ratelimit-reset", reset)
}

#[tokio::test]
async fn rate_limit_headers_flow_into_the_limiter() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/products/1.json"))
        .respond_with(
            limited("2/2965/11910", "202/802/8002").set_body_json(json!({"product": {"id": 1}})),
        )
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    client.products().get(ProductId(1)).await.unwrap();
    let snapshot = client.http().limiter().snapshot();
    let five_minutes = &snapshot.windows[0];
    assert_eq!(five_minutes.remaining, 2);
    // Two calls fit now; the third waits for the five-minute window to reset.
    assert!(
        snapshot.time_for(3) >= Duration::from_secs(200),
        "{snapshot:?}"
    );
}

#[tokio::test]
async fn a_429_is_waited_out_then_the_call_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/variants/7.json"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-ratelimit-limit", "300/3000/12000")
                .insert_header("x-ratelimit-remaining", "-1/2700/11000")
                .insert_header("x-ratelimit-reset", "42/1000/9000")
                .set_body_json(json!({"error": {"code": 429, "method": "GET", "request": "/nl/variants/7.json", "message": "Too many requests"}})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/variants/7.json"))
        .respond_with(
            limited("299/2699/10999", "300/3600/86400")
                .set_body_json(json!({"variant": {"id": 7, "stockLevel": 3}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let variant = client.variants().get(VariantId(7)).await.unwrap();
    assert_eq!(variant.stock_level, Some(3));
    assert!(
        clock.total_slept() >= Duration::from_secs(42),
        "waited {:?}",
        clock.sleeps()
    );
}

#[tokio::test]
async fn account_ratelimit_seeds_the_limiter() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/account/ratelimit.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"accountRatelimit": {
            "limit5Min": {"limit": 300, "remaining": 10, "reset": 120, "resetTime": "2026-11-14T10:02:00+00:00"},
            "limitHour": {"limit": 3000, "remaining": 1000, "reset": 1800, "resetTime": "2026-11-14T10:30:00+00:00"},
            "limitDay": {"limit": 12000, "remaining": 9000, "reset": 50000, "resetTime": "2026-11-15T00:00:00+00:00"}
        }})))
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let limits = client.sync_rate_limit().await.unwrap();
    assert_eq!(limits.limit_5min.unwrap().remaining, Some(10));
    let snapshot = client.http().limiter().snapshot();
    assert_eq!(snapshot.windows[0].remaining, 10);
    assert_eq!(snapshot.windows[2].remaining, 9000);
}
