//! Proactive pacing: the budget announced by the API's headers is respected before a 429.

use std::sync::Arc;
use std::time::Duration;

use lightspeed_core::{
    BasicAuth, Clock, Error, RateLimitPolicy, RateLimiter, Request, RetryPolicy,
};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{builder, clock, ecom_client};

fn ecom_headers(remaining: &str, reset: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("X-RateLimit-Limit", "300/3000/12000")
        .insert_header("X-RateLimit-Remaining", remaining)
        .insert_header("X-RateLimit-Reset", reset)
        .set_body_string("{}")
}

#[tokio::test]
async fn an_exhausted_ecom_window_makes_the_next_request_wait_for_its_reset() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ecom_headers("0/10/10", "2/100/1000"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ecom_headers("299/9/9", "300/98/998"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = ecom_client(&server, &clock, BasicAuth::new("k", "s"));

    client.execute(Request::get("nl/shop.json")).await.unwrap();
    assert_eq!(clock.total_slept(), Duration::ZERO);
    client.execute(Request::get("nl/shop.json")).await.unwrap();

    assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)]);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "no request was sent to fail"
    );
}

#[tokio::test]
async fn an_exhausted_daily_quota_fails_fast_with_its_reset_time() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ecom_headers("250/2000/0", "100/1000/43200"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = ecom_client(&server, &clock, BasicAuth::new("k", "s"));

    client.execute(Request::get("nl/shop.json")).await.unwrap();
    let err = client
        .execute(Request::get("nl/shop.json"))
        .await
        .unwrap_err();

    match err {
        Error::RateLimited {
            retry_at: Some(at), ..
        } => {
            assert_eq!(at.timestamp(), crate::START as i64 + 43_200);
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(
        clock.total_slept(),
        Duration::ZERO,
        "it did not wait half a day"
    );
}

#[tokio::test]
async fn an_xseries_429_teaches_the_shared_limiter_when_to_resume() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-RateLimit-Limit", "350")
                .insert_header("X-RateLimit-Remaining", "0")
                .insert_header("Date", "Sat, 14 Nov 2026 10:00:00 GMT")
                .insert_header("Retry-After", "Sat, 14 Nov 2026 10:00:30 GMT"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-RateLimit-Limit", "350")
                .insert_header("X-RateLimit-Remaining", "349"),
        )
        .mount(&server)
        .await;
    let clock = clock();
    let limiter = Arc::new(RateLimiter::with_clock(
        RateLimitPolicy::xseries(1),
        Arc::new(clock.clone()),
    ));
    let first = builder(&server, &clock)
        .shared_limiter(limiter.clone())
        .build()
        .unwrap();
    let second = builder(&server, &clock)
        .shared_limiter(limiter.clone())
        .build()
        .unwrap();

    first
        .execute(Request::get("api/2.0/products"))
        .await
        .unwrap();
    // 30 s from the Retry-After; the limiter knew the window was over when the retry went out.
    assert_eq!(clock.total_slept(), Duration::from_secs(30));
    second
        .execute(Request::get("api/2.0/outlets"))
        .await
        .unwrap();
    assert_eq!(clock.total_slept(), Duration::from_secs(30));
    assert_eq!(limiter.snapshot().windows[0].limit, 350);
}

#[tokio::test]
async fn concurrent_requests_through_one_client_stay_within_the_window() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .rate_limit(RateLimitPolicy::new().window("5 minutes", 4, Duration::from_secs(300)))
        .retry(RetryPolicy::default().deadline(Duration::from_secs(3600)))
        .build()
        .unwrap();

    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .execute(Request::get(format!("nl/products/{i}.json")))
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }

    // Ten requests at four per window: three windows, two waits for a reset.
    assert_eq!(clock.now(), Duration::from_secs(600));
    assert_eq!(server.received_requests().await.unwrap().len(), 10);
}
