//! OAuth: code exchange, refresh-token rotation, and one refresh and retry on a 401.

use std::sync::{Arc, Mutex};

use lightspeed_core::{BaseUrl, ExposeSecret, RetryPolicy, SecretString};
use lightspeed_xseries::Client;
use lightspeed_xseries::oauth::{
    MemoryTokenStore, OAuthApp, OAuthAuth, TokenEndpoint, TokenStore, Tokens,
};
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::clock;

fn app() -> OAuthApp {
    OAuthApp::new(
        "client-id",
        "client-secret-123",
        "https://app.example/callback",
    )
}

fn token_answer(access: &str, refresh: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": access, "token_type": "Bearer", "expires_in": 604800,
        "refresh_token": refresh, "domain_prefix": "mystore", "scope": "products:read"
    }))
}

fn endpoint(server: &MockServer, clock: &lightspeed_core::ManualClock) -> TokenEndpoint {
    TokenEndpoint::with_transport(
        BaseUrl::parse(&server.uri()).unwrap(),
        None,
        Some(Arc::new(clock.clone())),
    )
    .unwrap()
}

#[tokio::test]
async fn a_code_is_exchanged_with_a_form_post() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/1.0/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code=the-code"))
        .and(body_string_contains("client_id=client-id"))
        .and(body_string_contains(
            "redirect_uri=https%3A%2F%2Fapp.example%2Fcallback",
        ))
        .respond_with(token_answer("access-1", "refresh-1"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let tokens = app()
        .exchange_code(&endpoint(&server, &clock), "the-code")
        .await
        .unwrap();
    assert_eq!(tokens.access_token.expose_secret(), "access-1");
    assert_eq!(tokens.domain_prefix.as_deref(), Some("mystore"));
    assert!(tokens.expires_at.is_some());
    assert!(!format!("{tokens:?}").contains("access-1"));
}

#[tokio::test]
async fn a_401_refreshes_once_rotates_both_tokens_and_retries() {
    let server = MockServer::start().await;
    // The old access token is refused; the new one works.
    Mock::given(method("GET"))
        .and(path("/api/2.0/user"))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"error": "Access token is not valid"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/user"))
        .and(header("authorization", "Bearer access-2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"id": "u1", "username": "api"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/1.0/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=refresh-1"))
        .respond_with(token_answer("access-2", "refresh-2"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let saved: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let seen = saved.clone();
    let store = MemoryTokenStore::new(Tokens {
        access_token: SecretString::from("access-1"),
        refresh_token: SecretString::from("refresh-1"),
        expires_at: None,
        domain_prefix: Some("mystore".into()),
        scope: None,
    })
    .on_change(move |t| {
        seen.lock().unwrap().push((
            t.access_token.expose_secret().to_owned(),
            t.refresh_token.expose_secret().to_owned(),
        ))
    });
    let store = Arc::new(store);
    let auth = OAuthAuth::new(app(), endpoint(&server, &clock), store.clone())
        .clock(Arc::new(clock.clone()));
    let client = Client::builder()
        .base_url(&server.uri())
        .auth(auth)
        .clock(Arc::new(clock.clone()))
        .retry(RetryPolicy::default().jitter(false))
        .build()
        .unwrap();

    let me = client.me().await.unwrap();
    assert_eq!(me.username.as_deref(), Some("api"));
    assert_eq!(
        *saved.lock().unwrap(),
        vec![("access-2".to_string(), "refresh-2".to_string())]
    );
    let now = store.load().await.unwrap().unwrap();
    assert_eq!(now.refresh_token.expose_secret(), "refresh-2");
}

#[tokio::test]
async fn a_refused_refresh_is_reported_with_the_endpoints_message() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/user"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"error": "Access token is not valid"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/1.0/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": "invalid_grant", "error_description": "refresh token revoked"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let store = Arc::new(MemoryTokenStore::new(Tokens {
        access_token: SecretString::from("access-1"),
        refresh_token: SecretString::from("refresh-old"),
        expires_at: None,
        domain_prefix: None,
        scope: None,
    }));
    let auth =
        OAuthAuth::new(app(), endpoint(&server, &clock), store).clock(Arc::new(clock.clone()));
    let client = Client::builder()
        .base_url(&server.uri())
        .auth(auth)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let err = client.me().await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("invalid_grant"), "{text}");
    assert!(
        !text.contains("refresh-old") && !text.contains("client-secret-123"),
        "{text}"
    );
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_before_the_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/1.0/token"))
        .respond_with(token_answer("access-2", "refresh-2"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/user"))
        .and(header("authorization", "Bearer access-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"id": "u1"}})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let now: chrono::DateTime<chrono::Utc> = lightspeed_core::Clock::wall(&clock).into();
    let store = Arc::new(MemoryTokenStore::new(Tokens {
        access_token: SecretString::from("access-1"),
        refresh_token: SecretString::from("refresh-1"),
        expires_at: Some(now + chrono::Duration::seconds(30)),
        domain_prefix: None,
        scope: None,
    }));
    let auth =
        OAuthAuth::new(app(), endpoint(&server, &clock), store).clock(Arc::new(clock.clone()));
    let client = Client::builder()
        .base_url(&server.uri())
        .auth(auth)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    client.me().await.unwrap();
}
