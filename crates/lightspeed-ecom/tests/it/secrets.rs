//! The API key and secret never appear in Debug, Display, errors, webhook verifiers or logs.

use base64::Engine as _;
use lightspeed_ecom::webhook::WebhookVerifier;
use lightspeed_ecom::{Client, Cluster};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{KEY, SECRET, client, clock};

fn assert_clean(what: &str, text: &str) {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:{SECRET}"));
    for secret in [KEY, SECRET, basic.as_str()] {
        assert!(!text.contains(secret), "{what} leaks a credential: {text}");
    }
}

#[tokio::test]
async fn credentials_never_show() {
    let logs = lightspeed_core::testing::CapturedLogs::start();

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/account.json"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"account": {"id": 1, "apiKey": KEY}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/shop.json"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": {"code": 401, "message": "Invalid credentials"}})),
        )
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let account = client.account().await.unwrap();
    assert_eq!(account.api_key.as_ref().unwrap().expose(), KEY);
    assert_clean("the account", &format!("{account:?}"));
    let error = client.shop().await.unwrap_err();
    let mut chain = format!("{error} / {error:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        chain.push_str(&format!(" / {cause} / {cause:?}"));
        source = cause.source();
    }
    assert_clean("the error", &chain);
    let problem = client.test_connection().await.unwrap_err();
    assert_clean("the connection problem", &format!("{problem} {problem:?}"));
    assert_clean("the client", &format!("{client:?}"));
    let builder = Client::builder(KEY, SECRET)
        .cluster(Cluster::Us1)
        .language("en");
    assert_clean("the builder", &format!("{builder:?}"));
    let verifier = WebhookVerifier::new(SECRET).also_accept(KEY);
    assert_clean("the webhook verifier", &format!("{verifier:?}"));

    let logged = logs.text();
    assert!(
        logged.contains("sending request"),
        "no TRACE/DEBUG logs were captured"
    );
    assert_clean("the logs", &logged);
}
