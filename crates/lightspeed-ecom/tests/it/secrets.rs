//! The API key and secret never appear in Debug, Display, errors, webhook verifiers or logs.

use std::io;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use lightspeed_ecom::webhook::WebhookVerifier;
use lightspeed_ecom::{Client, Cluster};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{KEY, SECRET, client, clock};

fn assert_clean(what: &str, text: &str) {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:{SECRET}"));
    for secret in [KEY, SECRET, basic.as_str()] {
        assert!(!text.contains(secret), "{what} leaks a credential: {text}");
    }
}

/// A log sink shared with the test.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

#[tokio::test]
async fn credentials_never_show() {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::TRACE)
        .finish();
    // With a single scoped subscriber, tracing computes a callsite's interest from whichever
    // thread hits it first; another test's thread (no subscriber) would switch the client's
    // log lines off for this one too. A second live dispatcher makes tracing combine all of
    // them, so events reach this thread's subscriber whatever the other tests do.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());
    let _guard = tracing::subscriber::set_default(subscriber);

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

    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("sending request"),
        "no TRACE/DEBUG logs were captured"
    );
    assert_clean("the logs", &logged);
}
