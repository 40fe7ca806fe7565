//! Secrets never appear in Debug, Display, errors or logs.

use std::sync::Arc;

use base64::Engine as _;
use lightspeed_core::{
    BaseUrl, BasicAuth, BearerAuth, Client, Error, RateLimitPolicy, Request, RetryPolicy,
    ScriptedTransport, transport::Step,
};

const KEY: &str = "0123456789abcdef0123456789abcdef";
const SECRET: &str = "s3cr3t-5e2f9a7c1d4b8e6f0a3c5d7e9b1f";
const TOKEN: &str = "tok-9f8e7d6c5b4a3f2e1d0c";

/// Every form in which a credential could leak.
fn forbidden() -> Vec<String> {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:{SECRET}"));
    vec![SECRET.into(), TOKEN.into(), KEY.into(), basic]
}

fn assert_clean(what: &str, text: &str) {
    for secret in forbidden() {
        assert!(!text.contains(&secret), "{what} leaks a credential: {text}");
    }
}

fn scripted_client(
    transport: &ScriptedTransport,
    auth: impl lightspeed_core::Authenticator + 'static,
) -> Client {
    Client::builder(BaseUrl::parse("https://api.webshopapp.com/").unwrap())
        .transport(transport.clone())
        .auth(auth)
        .rate_limit(RateLimitPolicy::ecom())
        .clock(Arc::new(crate::clock()))
        .retry(RetryPolicy::default().jitter(false).max_attempts(2))
        .build()
        .unwrap()
}

#[tokio::test]
async fn no_public_type_error_or_log_line_shows_a_credential() {
    let logs = lightspeed_core::testing::CapturedLogs::start();

    let basic = BasicAuth::new(KEY, SECRET);
    let bearer = BearerAuth::new(TOKEN);
    assert_clean("BasicAuth", &format!("{basic:?}"));
    assert_clean("BearerAuth", &format!("{bearer:?}"));
    assert_clean(
        "Basic header",
        &format!("{:?}", basic.header_value().unwrap()),
    );

    // Every error path a request can take, with credentials attached.
    let transport = ScriptedTransport::new();
    for step in [
        Step::status(401, r#"{"error":"Access token is not valid"}"#),
        Step::status(403, r#"{"error":"permission denied"}"#),
        Step::status(
            404,
            r#"{"error":{"code":404,"message":"Unknown or inactive language"}}"#,
        ),
        Step::status(422, r#"{"errors":{"title":["missing"]}}"#),
        Step::status(409, r#"{"error":"exists"}"#),
        Step::status(503, "").header("retry-after", "1"),
        Step::status(503, ""),
        Step::status(200, r#"{"oops": "#),
        Step::fail(lightspeed_core::TransportErrorKind::Interrupted),
        Step::fail(lightspeed_core::TransportErrorKind::Connect),
        Step::fail(lightspeed_core::TransportErrorKind::Connect),
    ] {
        transport.push(step);
    }
    let client = scripted_client(&transport, BasicAuth::new(KEY, SECRET));
    assert_clean("Client", &format!("{client:?}"));

    let mut errors: Vec<Error> = Vec::new();
    for _ in 0..5 {
        errors.push(
            client
                .execute(Request::get("nl/products.json"))
                .await
                .unwrap_err(),
        );
    }
    errors.push(
        client
            .execute(Request::get("nl/shop.json"))
            .await
            .unwrap_err(),
    ); // 503 twice
    errors.push(
        client
            .execute(Request::get("nl/shop.json"))
            .await
            .and_then(|r| r.json::<serde_json::Value>())
            .unwrap_err(),
    );
    errors.push(
        client
            .execute(Request::post("nl/products.json"))
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .execute(Request::get("nl/shop.json"))
            .await
            .unwrap_err(),
    ); // connect x2
    errors
        .push(BaseUrl::parse(&format!("https://{KEY}:{SECRET}@api.webshopapp.com/")).unwrap_err());
    assert_eq!(transport.remaining(), 0);

    let kinds: Vec<_> = errors.iter().map(Error::kind).collect();
    assert_eq!(kinds.len(), 10, "{kinds:?}");
    for error in &errors {
        assert_clean("Error Display", &error.to_string());
        assert_clean("Error Debug", &format!("{error:?}"));
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            assert_clean("error source", &inner.to_string());
            source = inner.source();
        }
    }

    // The requests the transport saw did carry the credentials, and still print clean.
    let sent = transport.requests();
    assert!(
        sent.iter()
            .all(|r| r.headers.contains_key(http::header::AUTHORIZATION))
    );
    for request in &sent {
        assert_clean("HttpRequest", &format!("{request:?}"));
    }

    let bearer_transport = ScriptedTransport::new();
    bearer_transport.push(Step::status(
        401,
        r#"{"error":"Access token is not valid"}"#,
    ));
    let bearer_client = scripted_client(&bearer_transport, BearerAuth::new(TOKEN));
    let err = bearer_client
        .execute(Request::get("api/2.0/user"))
        .await
        .unwrap_err();
    assert_clean("Bearer error", &format!("{err} {err:?} {bearer_client:?}"));
    assert_clean(
        "Bearer request",
        &format!("{:?}", bearer_transport.requests()),
    );

    let logged = logs.text();
    assert!(
        logged.contains("retrying request"),
        "the retries were logged: {logged}"
    );
    assert_clean("logs", &logged);
}
