//! Authentication headers, the User-Agent, and the 401 refresh hook.

use std::sync::Mutex;

use async_trait::async_trait;
use lightspeed_core::{
    Authenticator, BasicAuth, BearerAuth, Error, HttpRequest, Request, Response, SecretString,
};
use wiremock::matchers::{header, header_regex, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{builder, clock};

#[tokio::test]
async fn basic_auth_and_user_agent_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/account.json"))
        // base64("0123456789abcdef0123456789abcdef:fedcba9876543210fedcba9876543210")
        .and(header(
            "authorization",
            "Basic MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY6ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=",
        ))
        .and(header_regex("user-agent", r"^lightspeed-core/\d+\.\d+\.\d+$"))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .auth(BasicAuth::new(
            "0123456789abcdef0123456789abcdef",
            "fedcba9876543210fedcba9876543210",
        ))
        .build()
        .unwrap();

    client
        .execute(Request::get("nl/account.json"))
        .await
        .unwrap();
}

#[tokio::test]
async fn bearer_auth_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer personal-token-1"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"data":[]}"#))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .auth(BearerAuth::new("personal-token-1"))
        .build()
        .unwrap();

    client
        .execute(Request::get("api/2.0/outlets"))
        .await
        .unwrap();
}

/// An OAuth-like authenticator whose token can be refreshed once.
#[derive(Debug)]
struct Rotating {
    token: Mutex<String>,
    refreshes: Mutex<u32>,
}

impl Rotating {
    fn expired() -> std::sync::Arc<Self> {
        std::sync::Arc::new(Rotating {
            token: Mutex::new("expired".into()),
            refreshes: Mutex::new(0),
        })
    }
}

#[async_trait]
impl Authenticator for Rotating {
    async fn authorize(&self, request: &mut HttpRequest) -> lightspeed_core::Result<()> {
        let token = SecretString::from(self.token.lock().unwrap().clone());
        request.headers.insert(
            http::header::AUTHORIZATION,
            BearerAuth::header_value_for(&token)?,
        );
        Ok(())
    }

    async fn refresh(&self, unauthorized: &Response) -> lightspeed_core::Result<bool> {
        assert_eq!(unauthorized.status, 401);
        *self.refreshes.lock().unwrap() += 1;
        *self.token.lock().unwrap() = "fresh".into();
        Ok(true)
    }
}

#[tokio::test]
async fn a_401_refreshes_the_token_and_retries_once() {
    let server = MockServer::start().await;
    Mock::given(header("authorization", "Bearer expired"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string(r#"{"error":"Access token is not valid"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(header("authorization", "Bearer fresh"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"data":{"id":"u1"}}"#))
        .expect(1)
        .mount(&server)
        .await;
    let auth = Rotating::expired();
    let clock = clock();
    let client = builder(&server, &clock)
        .shared_auth(auth.clone())
        .build()
        .unwrap();

    let response = client.execute(Request::get("api/2.0/user")).await.unwrap();
    assert_eq!(response.text(), r#"{"data":{"id":"u1"}}"#);
    assert_eq!(*auth.refreshes.lock().unwrap(), 1);
}

#[tokio::test]
async fn a_second_401_after_a_refresh_is_reported_not_looped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string(r#"{"error":"Access token is not valid"}"#),
        )
        .expect(2)
        .mount(&server)
        .await;
    let auth = Rotating::expired();
    let clock = clock();
    let client = builder(&server, &clock)
        .shared_auth(auth.clone())
        .build()
        .unwrap();

    let err = client
        .execute(Request::get("api/2.0/user"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unauthenticated { message, .. } if message == "Access token is not valid")
    );
    assert_eq!(*auth.refreshes.lock().unwrap(), 1);
}

#[tokio::test]
async fn the_application_name_goes_in_the_user_agent() {
    let server = MockServer::start().await;
    Mock::given(header_regex(
        "user-agent",
        r"^acme-sync/2\.1 lightspeed-core/",
    ))
    .respond_with(ResponseTemplate::new(200))
    .expect(1)
    .mount(&server)
    .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .transport(
            lightspeed_core::ReqwestTransport::builder()
                .application("acme-sync/2.1")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    client
        .execute(Request::get("api/2.0/retailer"))
        .await
        .unwrap();
}

/// Hands out a token that changes at virtual time 2 s, as an OAuth holder refreshed elsewhere.
#[derive(Debug)]
struct ChangesAtTwoSeconds(lightspeed_core::ManualClock);

#[async_trait]
impl Authenticator for ChangesAtTwoSeconds {
    async fn authorize(&self, request: &mut HttpRequest) -> lightspeed_core::Result<()> {
        use lightspeed_core::Clock;
        let token = if self.0.now() >= std::time::Duration::from_secs(2) {
            "new"
        } else {
            "old"
        };
        request.headers.insert(
            http::header::AUTHORIZATION,
            BearerAuth::header_value_for(&SecretString::from(token))?,
        );
        Ok(())
    }
}

#[tokio::test]
async fn credentials_are_taken_after_a_rate_limit_wait() {
    let server = MockServer::start().await;
    Mock::given(header("authorization", "Bearer old"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-RateLimit-Remaining", "0")
                .insert_header("X-RateLimit-Reset", "2"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(header("authorization", "Bearer new"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .auth(ChangesAtTwoSeconds(clock.clone()))
        .rate_limit(lightspeed_core::RateLimitPolicy::xseries(1))
        .build()
        .unwrap();

    client
        .execute(Request::get("api/2.0/products"))
        .await
        .unwrap();
    client
        .execute(Request::get("api/2.0/products"))
        .await
        .unwrap();
}
