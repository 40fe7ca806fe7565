//! Tokens and secrets never appear in Debug, Display, errors, webhook verifiers or logs.

use std::sync::Arc;

use lightspeed_core::{BaseUrl, SecretString};
use lightspeed_xseries::Client;
use lightspeed_xseries::oauth::{MemoryTokenStore, OAuthApp, OAuthAuth, TokenEndpoint, Tokens};
use lightspeed_xseries::webhook::WebhookVerifier;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{TOKEN, clock};

const ACCESS: &str = "access-8d7c6b5a4f3e";
const REFRESH: &str = "refresh-1a2b3c4d5e6f";
const NEW_ACCESS: &str = "access-new-0f9e8d7c";
const NEW_REFRESH: &str = "refresh-new-6b5a4f3e";
const CLIENT_SECRET: &str = "client-secret-77aa88bb";

fn assert_clean(what: &str, text: &str) {
    for secret in [
        TOKEN,
        ACCESS,
        REFRESH,
        NEW_ACCESS,
        NEW_REFRESH,
        CLIENT_SECRET,
    ] {
        assert!(!text.contains(secret), "{what} leaks a credential: {text}");
    }
}

#[tokio::test]
async fn tokens_and_secrets_never_show() {
    let logs = lightspeed_core::testing::CapturedLogs::start();

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
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": NEW_ACCESS, "refresh_token": NEW_REFRESH, "expires_in": 600
        })))
        .mount(&server)
        .await;
    let clock = clock();
    let app = OAuthApp::new("cid", CLIENT_SECRET, "https://app.example/cb");
    let endpoint = TokenEndpoint::with_transport(
        BaseUrl::parse(&server.uri()).unwrap(),
        None,
        Some(Arc::new(clock.clone())),
    )
    .unwrap();
    let store = Arc::new(MemoryTokenStore::new(Tokens {
        access_token: SecretString::from(ACCESS),
        refresh_token: SecretString::from(REFRESH),
        expires_at: None,
        domain_prefix: None,
        scope: None,
    }));
    let auth = OAuthAuth::new(app.clone(), endpoint, store.clone()).clock(Arc::new(clock.clone()));
    assert_clean("OAuthAuth", &format!("{auth:?}"));
    assert_clean("OAuthApp", &format!("{app:?}"));
    let client = Client::builder()
        .base_url(&server.uri())
        .auth(auth)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    assert_clean("the client", &format!("{client:?}"));

    // 401, refresh, 401 again: the error and its sources.
    let error = client.me().await.unwrap_err();
    let mut chain = format!("{error} / {error:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        chain.push_str(&format!(" / {cause} / {cause:?}"));
        source = cause.source();
    }
    assert_clean("the error", &chain);
    assert_clean("the token store", &format!("{store:?}"));
    let problem = client.test_connection().await.unwrap_err();
    assert_clean("the connection problem", &format!("{problem} {problem:?}"));

    let personal = Client::builder()
        .domain_prefix("shop")
        .personal_token(TOKEN)
        .build()
        .unwrap();
    assert_clean("a personal-token client", &format!("{personal:?}"));
    assert_clean(
        "the webhook verifier",
        &format!("{:?}", WebhookVerifier::new(CLIENT_SECRET)),
    );

    let logged = logs.text();
    assert!(
        logged.contains("refreshed"),
        "the refresh was logged: {logged}"
    );
    assert_clean("the logs", &logged);
}
