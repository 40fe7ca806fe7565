//! Retries: what is retried, how long the client waits, and when it gives up.

use std::io::Write;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lightspeed_core::{Error, NoAuth, Request, RetryPolicy, TransportErrorKind};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{START, builder, clock};

#[tokio::test]
async fn a_get_is_retried_after_two_503s_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/shop.json"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/shop.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"shop":{"id":1}}"#))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();

    let response = client.execute(Request::get("nl/shop.json")).await.unwrap();

    assert_eq!(response.text(), r#"{"shop":{"id":1}}"#);
    // Back-off without jitter: 500 ms, then 1 s.
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_millis(500), Duration::from_secs(1)]
    );
}

#[tokio::test]
async fn a_post_is_not_retried_after_a_500() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/register_sales"))
        .respond_with(ResponseTemplate::new(500).set_body_string(r#"{"error":"internal"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();

    let err = client
        .execute(
            Request::post("api/register_sales")
                .json(&serde_json::json!({}))
                .unwrap(),
        )
        .await
        .unwrap_err();

    assert!(
        matches!(err, Error::Server { status, .. } if status == 500),
        "{err:?}"
    );
    assert_eq!(err.api_message(), Some("internal"));
    assert_eq!(clock.total_slept(), Duration::ZERO);
}

#[tokio::test]
async fn a_429_waits_for_retry_after_in_seconds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_string("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();

    // A POST refused with 429 was not processed, so it is retried.
    client
        .execute(Request::post("nl/products.json"))
        .await
        .unwrap();

    assert_eq!(clock.sleeps(), vec![Duration::from_secs(3)]);
}

#[tokio::test]
async fn a_429_wait_is_reported_to_the_limiter_s_observer() {
    use std::sync::{Arc, Mutex};

    use lightspeed_core::{Clock as _, RateLimitEvent};

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    client
        .limiter()
        .set_observer(Some(Arc::new(move |e: &RateLimitEvent| {
            sink.lock().unwrap().push(e.clone())
        })));
    let start = clock.wall();

    client.execute(Request::get("nl/shop.json")).await.unwrap();

    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            RateLimitEvent::Waiting {
                window: "429".into(),
                until: start + Duration::from_secs(3),
            },
            RateLimitEvent::Resumed,
        ]
    );
}

#[tokio::test]
async fn a_429_waits_for_retry_after_as_an_http_date() {
    let server = MockServer::start().await;
    // The date X-Series sends, measured against the response's own Date header.
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Date", "Sat, 14 Nov 2026 09:59:15 GMT")
                .insert_header("Retry-After", "Tue, 14 Nov 2026 10:00:00 GMT")
                .set_body_string(
                    r#"{"error":"Too Many Requests","message":"Rate limiting enforced"}"#,
                ),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"data":[]}"#))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();

    client
        .execute(Request::get("api/2.0/products"))
        .await
        .unwrap();

    assert_eq!(clock.sleeps(), vec![Duration::from_secs(45)]);
}

#[tokio::test]
async fn the_deadline_ends_retries_with_rate_limited_and_the_retry_time() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
        .expect(3)
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .retry(RetryPolicy::default().deadline(Duration::from_secs(300)))
        .build()
        .unwrap();

    let err = client
        .execute(Request::get("api/2.0/products"))
        .await
        .unwrap_err();

    // 0 s and 120 s and 240 s: a fourth wait would end at 360 s, past the 300 s deadline.
    assert_eq!(clock.total_slept(), Duration::from_secs(240));
    let expected: DateTime<Utc> = DateTime::from_timestamp(START as i64 + 240 + 120, 0).unwrap();
    match err {
        Error::RateLimited { retry_at, request } => {
            assert_eq!(retry_at, Some(expected));
            assert_eq!(request.path, "api/2.0/products");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
}

#[tokio::test]
async fn rate_limits_are_never_given_up_before_the_deadline() {
    let server = MockServer::start().await;
    // Twenty 429s in a row (far beyond the attempt cap of 3), then success.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(20)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .retry(RetryPolicy::default().jitter(false).max_attempts(3))
        .build()
        .unwrap();

    client.execute(Request::get("nl/shop.json")).await.unwrap();
    assert_eq!(clock.sleeps().len(), 20);
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_a_post_then_reported() {
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let clock = clock();
    let server_like = format!("http://{address}/");
    let client =
        lightspeed_core::Client::builder(lightspeed_core::BaseUrl::parse(&server_like).unwrap())
            .clock(std::sync::Arc::new(clock.clone()))
            .retry(RetryPolicy::default().jitter(false).max_attempts(3))
            .auth(NoAuth)
            .build()
            .unwrap();

    let err = client
        .execute(Request::post("nl/products.json"))
        .await
        .unwrap_err();

    assert_eq!(clock.sleeps().len(), 2, "three attempts, two waits");
    match &err {
        Error::Timeout { source, .. } => assert_eq!(source.kind(), TransportErrorKind::Connect),
        other => panic!("expected Timeout after exhausting attempts, got {other:?}"),
    }
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_slow_get_times_out_is_retried_and_reported_as_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .expect(2)
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .transport(
            lightspeed_core::ReqwestTransport::builder()
                .timeout(Duration::from_millis(150))
                .build()
                .unwrap(),
        )
        .retry(RetryPolicy::default().jitter(false).max_attempts(2))
        .build()
        .unwrap();

    let err = client
        .execute(Request::get("nl/shop.json"))
        .await
        .unwrap_err();

    assert!(
        matches!(&err, Error::Timeout { source, .. } if source.kind() == TransportErrorKind::Timeout),
        "{err:?}"
    );
    assert_eq!(clock.sleeps().len(), 1);
}

#[tokio::test]
async fn gzip_bodies_are_decoded() {
    let server = MockServer::start().await;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(br#"{"count":75}"#).unwrap();
    let gzipped = encoder.finish().unwrap();
    Mock::given(method("GET"))
        .and(wiremock::matchers::header("accept-encoding", "gzip"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Encoding", "gzip")
                .set_body_raw(gzipped, "application/json"),
        )
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();

    let response = client
        .execute(Request::get("nl/products/count.json"))
        .await
        .unwrap();
    assert_eq!(response.text(), r#"{"count":75}"#);
}
