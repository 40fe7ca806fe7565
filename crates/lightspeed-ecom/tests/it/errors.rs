//! Error mapping: the API's error body becomes an error carrying its message; the unknown
//! language is its own error; the connection test names the cause.

use lightspeed_core::{ErrorKind, RetryPolicy};
use lightspeed_ecom::model::*;
use lightspeed_ecom::{Client, ConnectionProblem, Error};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{KEY, SECRET, client, clock};

fn api_error(status: u16, method_: &str, request: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": {"code": status, "method": method_, "request": request, "message": message}
    }))
}

#[tokio::test]
async fn validation_errors_carry_the_apis_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/nl/variants.json"))
        .respond_with(api_error(
            400,
            "POST",
            "/nl/variants.json",
            "Invalid variant title",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let err = client
        .variants()
        .create(&VariantInput {
            product: Some(ProductId(1)),
            title: Some(String::new()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(err.api_message(), Some("Invalid variant title"));
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("Invalid variant title"), "{err}");
}

#[tokio::test]
async fn an_unknown_language_is_its_own_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fr/products.json"))
        .respond_with(api_error(
            404,
            "GET",
            "/fr/products.json",
            "Unknown or inactive language",
        ))
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);

    let err = client
        .products()
        .in_language("fr")
        .unwrap()
        .list()
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::UnknownLanguage { language, .. } => assert_eq!(language, "fr"),
        other => panic!("expected UnknownLanguage, got {other:?}"),
    }
    assert!(err.to_string().contains("Settings > Languages"), "{err}");
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn a_missing_record_is_none_with_get_opt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/products/404.json"))
        .respond_with(api_error(
            404,
            "GET",
            "/nl/products/404.json",
            "Product not found",
        ))
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);
    assert_eq!(
        client.products().get_opt(ProductId(404)).await.unwrap(),
        None
    );
    let err = client.products().get(ProductId(404)).await.unwrap_err();
    assert_eq!(err.api_message(), Some("Product not found"));
}

#[tokio::test]
async fn bad_configuration_is_explained_before_any_call() {
    let err = Client::builder(KEY, SECRET)
        .language("nl")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("cluster"), "{err}");
    let err = Client::builder(KEY, SECRET)
        .cluster(lightspeed_ecom::Cluster::Eu1)
        .language("dutch")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("two-letter"), "{err}");
    let err = Client::builder("", SECRET)
        .cluster(lightspeed_ecom::Cluster::Eu1)
        .language("nl")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("key and secret"), "{err}");
}

#[tokio::test]
async fn the_client_never_shows_its_credentials() {
    let server = MockServer::start().await;
    let clock = clock();
    let client = client(&server, &clock);
    let shown = format!("{client:?}");
    assert!(!shown.contains(KEY) && !shown.contains(SECRET), "{shown}");
}

fn permissions(products_write: bool) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"accountPermissions": {
        "content": {"read": true, "write": true},
        "products": {"read": true, "write": products_write},
        "customers": {"read": true, "write": false},
        "orders": {"read": true, "write": false},
        "settings": {"read": true, "write": false},
        "tracking": {"read": false, "write": false}
    }}))
}

#[tokio::test]
async fn test_connection_reports_the_shop_when_all_is_well() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/account/permissions.json"))
        .respond_with(permissions(true))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/shop.json"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(crate::fixture("ecom/shop/shop.nl-live-trimmed.json")),
        )
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);
    let info = client
        .test_connection_for(&[("products", Access::Write)])
        .await
        .unwrap();
    assert_eq!(info.shop_id, ShopId(356891));
    assert_eq!(info.language, "nl");
}

#[tokio::test]
async fn test_connection_names_a_missing_permission() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/account/permissions.json"))
        .respond_with(permissions(false))
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&server, &clock);
    let problem = client
        .test_connection_for(&[("products", Access::Write)])
        .await
        .unwrap_err();
    assert!(
        matches!(&problem, ConnectionProblem::MissingPermission { missing, .. } if missing == &["products:write".to_string()]),
        "{problem:?}"
    );
    assert!(problem.to_string().contains("products:write"), "{problem}");
}

#[tokio::test]
async fn test_connection_names_bad_credentials_and_a_bad_language() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/account/permissions.json"))
        .respond_with(api_error(
            401,
            "GET",
            "/nl/account/permissions.json",
            "Invalid API key or secret",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/xx/account/permissions.json"))
        .respond_with(ResponseTemplate::new(404).set_body_string("Unknown or inactive language"))
        .mount(&server)
        .await;
    let clock = clock();
    let problem = client(&server, &clock).test_connection().await.unwrap_err();
    assert!(
        matches!(problem, ConnectionProblem::BadCredentials { .. }),
        "{problem:?}"
    );
    assert!(problem.to_string().contains("key or secret"), "{problem}");

    let other = Client::builder(KEY, SECRET)
        .base_url(&server.uri())
        .language("xx")
        .clock(std::sync::Arc::new(clock.clone()))
        .build()
        .unwrap();
    let problem = other.test_connection().await.unwrap_err();
    assert!(
        matches!(&problem, ConnectionProblem::UnknownLanguage { language } if language == "xx"),
        "{problem:?}"
    );
}

#[tokio::test]
async fn test_connection_names_an_unreachable_host_and_a_refused_call() {
    // A port nothing listens on: connection refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let clock = clock();
    let client = Client::builder(KEY, SECRET)
        .base_url(&format!("http://{address}/"))
        .language("nl")
        .clock(std::sync::Arc::new(clock.clone()))
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let problem = client.test_connection().await.unwrap_err();
    assert!(
        matches!(problem, ConnectionProblem::Unreachable { .. }),
        "{problem:?}"
    );
    assert!(problem.to_string().contains("cluster"), "{problem}");

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/nl/account/permissions.json"))
        .respond_with(permissions(true))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/nl/shop.json"))
        .respond_with(api_error(403, "GET", "/nl/shop.json", "Access denied"))
        .mount(&server)
        .await;
    let problem = crate::client(&server, &clock)
        .test_connection()
        .await
        .unwrap_err();
    assert!(
        matches!(problem, ConnectionProblem::MissingPermission { .. }),
        "{problem:?}"
    );
}
