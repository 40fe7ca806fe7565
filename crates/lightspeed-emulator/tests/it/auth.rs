//! Authentication failures: 401 without or with wrong credentials, in each API's shape.

use serde_json::json;

use crate::support::{http, start};

#[tokio::test]
async fn ecom_refuses_missing_and_wrong_credentials() {
    let emu = start().await;
    let url = format!("{}/nl/products.json", emu.ecom_url());
    let none = http().get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let body: serde_json::Value = none.json().await.unwrap();
    assert_eq!(body["error"]["code"], 401);
    let wrong = http()
        .get(&url)
        .basic_auth(emu.ecom_key(), Some("not-the-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let err = lightspeed_ecom::Client::builder(emu.ecom_key(), "wrong-secret")
        .base_url(emu.ecom_url())
        .language("nl")
        .build()
        .unwrap()
        .test_connection()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            lightspeed_ecom::ConnectionProblem::BadCredentials { .. }
        ),
        "{err:?}"
    );
    // Refused requests spend no budget.
    assert_eq!(emu.stats().statuses.get(&401), Some(&3));
}

#[tokio::test]
async fn xseries_refuses_missing_and_wrong_tokens() {
    let emu = start().await;
    let url = format!("{}/api/2.0/products", emu.xseries_url());
    for request in [
        http().get(&url),
        http().get(&url).bearer_auth("wrong-token"),
    ] {
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 401);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body, json!({"error": "Access token is not valid"}));
    }
    let err = lightspeed_xseries::Client::builder()
        .base_url(emu.xseries_url())
        .personal_token("wrong-token".to_string())
        .build()
        .unwrap()
        .test_connection()
        .await
        .unwrap_err();
    assert!(format!("{err}").to_lowercase().contains("token"), "{err}");
}
