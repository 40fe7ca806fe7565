//! Unsuccessful responses become semantic errors carrying the API's own message.

use lightspeed_core::{Endpoint, Error, ErrorKind, Request, Response};
use serde::Deserialize;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{builder, clock};

async fn error_for(status: u16, body: &str) -> Error {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(status).set_body_string(body))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();
    client
        .execute(Request::put("nl/variants/322925834.json"))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn each_status_maps_to_its_variant_with_the_apis_message() {
    let ecom = |message: &str, code: u16| {
        format!(
            r#"{{"error":{{"code":{code},"method":"PUT","request":"/nl/variants/322925834.json","message":"{message}"}}}}"#
        )
    };
    let cases = [
        (
            400,
            ecom("Invalid variant title", 400),
            ErrorKind::Validation,
            "Invalid variant title",
        ),
        (
            401,
            r#"{"error":"Access token is not valid"}"#.to_owned(),
            ErrorKind::Unauthenticated,
            "Access token is not valid",
        ),
        (
            403,
            r#"{"error":"permission denied"}"#.to_owned(),
            ErrorKind::PermissionDenied,
            "permission denied",
        ),
        (
            404,
            ecom("Unknown or inactive language", 404),
            ErrorKind::NotFound,
            "Unknown or inactive language",
        ),
        (
            405,
            ecom("Method not allowed", 405),
            ErrorKind::Http,
            "Method not allowed",
        ),
        (
            409,
            r#"{"error":"A webhook with this type and URL already exists"}"#.to_owned(),
            ErrorKind::Conflict,
            "A webhook with this type and URL already exists",
        ),
        (
            422,
            r#"{"errors":{"sku":["SKU already in use"]},"reference":"r1"}"#.to_owned(),
            ErrorKind::Validation,
            "sku: SKU already in use",
        ),
    ];
    for (status, body, kind, message) in cases {
        let err = error_for(status, &body).await;
        assert_eq!(err.kind(), kind, "{status}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(err.api_message(), Some(message), "{status}");
        let text = err.to_string();
        assert!(
            text.starts_with("PUT nl/variants/322925834.json: "),
            "{text}"
        );
        assert!(text.contains(message), "{text}");
    }
}

#[tokio::test]
async fn a_validation_error_names_the_field() {
    let err = error_for(422, r#"{"errors":{"sku":["SKU already in use"]}}"#).await;
    assert!(matches!(&err, Error::Validation { field: Some(f), .. } if f == "sku"));
    assert!(err.to_string().contains("on field `sku`"));
}

#[tokio::test]
async fn an_empty_or_html_body_falls_back_to_the_status_reason() {
    let err = error_for(502, "<html>Bad gateway</html>").await;
    assert!(matches!(&err, Error::Server { message, .. } if message == "Bad Gateway"));
}

#[tokio::test]
async fn a_413_names_the_status_and_the_apis_message_and_is_not_retried() {
    let server = MockServer::start().await;
    let body = r#"{"error":{"code":413,"method":"POST","request":"/nl/products.json","message":"Request entity too large"}}"#;
    for verb in ["POST", "PUT"] {
        Mock::given(method(verb))
            .respond_with(ResponseTemplate::new(413).set_body_string(body))
            .expect(1)
            .named(format!("{verb} answered 413, once"))
            .mount(&server)
            .await;
    }
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();
    let description = "x".repeat(64 * 1024);
    for request in [
        Request::post("nl/products.json"),
        // Idempotent, so retried if the error were retryable.
        Request::put("nl/products/1.json"),
    ] {
        let request = request
            .json(&serde_json::json!({"product": {"description": description}}))
            .unwrap();
        let err = client.execute(request).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PayloadTooLarge);
        assert_eq!(err.status().map(|s| s.as_u16()), Some(413));
        assert_eq!(err.api_message(), Some("Request entity too large"));
        assert!(!err.is_retryable());
        let text = err.to_string();
        assert!(text.contains("request too large (413)"), "{text}");
        assert!(text.contains("Request entity too large"), "{text}");
        assert!(!text.contains("interrupted"), "{text}");
    }
    // The mocks' `expect(1)`: each request was sent once, not retried.
    server.verify().await;
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Variant {
    id: u64,
    #[serde(rename = "priceExcl", with = "lightspeed_core::lenient::decimal")]
    price_excl: lightspeed_core::Decimal,
}

#[derive(Debug, Deserialize)]
struct Variants {
    variants: Vec<Variant>,
}

struct ListVariants;

impl Endpoint for ListVariants {
    type Output = Vec<Variant>;

    fn request(&self) -> lightspeed_core::Result<Request> {
        Ok(Request::get("nl/variants.json").query("limit", 250))
    }

    fn parse(&self, response: Response) -> lightspeed_core::Result<Vec<Variant>> {
        Ok(response.json::<Variants>()?.variants)
    }
}

#[tokio::test]
async fn a_decode_error_names_the_request_and_the_json_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/variants.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"variants":[{"id":1,"priceExcl":"2.50"},{"id":2,"priceExcl":"n/a"}]}"#,
        ))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();

    let err = client.send(&ListVariants).await.unwrap_err();
    match &err {
        Error::Decode { request, path, .. } => {
            assert_eq!(path, "variants[1].priceExcl");
            assert_eq!(request.as_ref().unwrap().path, "nl/variants.json");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.starts_with(
            "GET nl/variants.json: could not decode the response at `variants[1].priceExcl`"
        ),
        "{text}"
    );
    assert!(text.contains("\"n/a\""), "{text}");
}

#[tokio::test]
async fn an_endpoint_round_trip_decodes_lenient_values() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/variants.json"))
        .and(wiremock::matchers::query_param("limit", "250"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"variants":[{"id":1,"priceExcl":2.8843},{"id":2,"priceExcl":"0.000"}]}"#,
        ))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();

    let variants = client.send(&ListVariants).await.unwrap();
    assert_eq!(variants[0].price_excl.to_string(), "2.8843");
    assert_eq!(variants[1].price_excl.to_string(), "0.000");
}
