//! `test-connection`: the clients' own tests, the cause named, an unreachable host fast.

use std::time::{Duration, Instant};

use lightspeed_emulator::{Emulator, EmulatorConfig};

use crate::support::{EMULATED_SHOP, Scratch, lightspeed, run, small_catalog};

fn connections(ecom: &str, xseries: &str) -> String {
    format!(
        r#"
[settings]
connect_timeout_seconds = 3

[connections.shop]
kind = "ecom"
key_env = "SHOP_KEY"
secret_env = "SHOP_SECRET"
base_url = "{ecom}"
language = "nl"

[connections.store]
kind = "xseries"
base_url = "{xseries}"
token_env = "STORE_TOKEN"
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_test_names_what_is_wrong() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let scratch = Scratch::new("connections");
    scratch.write(
        "lightspeed.toml",
        &connections(emulator.ecom_url(), emulator.xseries_url()),
    );
    let good = [
        ("SHOP_KEY", emulator.ecom_key()),
        ("SHOP_SECRET", emulator.ecom_secret()),
        ("STORE_TOKEN", emulator.xseries_token()),
    ];
    let out = run(&scratch.0, &["test-connection"], &good);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("shop (ecom): connected: shop 356891"),
        "{}",
        out.all()
    );
    assert!(
        out.stdout.contains("store (xseries): connected: store"),
        "{}",
        out.all()
    );

    let bad = [
        ("SHOP_KEY", emulator.ecom_key()),
        ("SHOP_SECRET", "not-the-secret"),
        ("STORE_TOKEN", "not-the-token"),
    ];
    let out = run(&scratch.0, &["--json", "test-connection"], &bad);
    assert_eq!(out.code, 1, "{}", out.all());
    let results = out.json();
    assert_eq!(results[0]["ok"], false);
    assert!(
        results[0]["problem"]
            .as_str()
            .unwrap()
            .contains("the API key or secret is wrong (401"),
        "{}",
        out.all()
    );
    assert!(
        results[1]["problem"].as_str().unwrap().contains("401"),
        "{}",
        out.all()
    );

    // One connection by name; a secret that is not set is named, not guessed, and is a
    // configuration error (exit 2) as it is for `run`.
    let out = run(&scratch.0, &["test-connection", "store"], &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stdout
            .contains("token: the environment variable STORE_TOKEN is not set"),
        "{}",
        out.all()
    );
    let out = run(&scratch.0, &["test-connection", "nope"], &good);
    assert_eq!(out.code, 2, "{}", out.all());
}

#[test]
fn an_unreachable_host_fails_within_seconds() {
    // A loopback port nobody listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let scratch = Scratch::new("unreachable");
    let url = format!("http://127.0.0.1:{port}");
    scratch.write("lightspeed.toml", &connections(&url, &url));
    let started = Instant::now();
    let out = lightspeed(
        &scratch.0,
        &["test-connection"],
        &[
            ("SHOP_KEY", "k"),
            ("SHOP_SECRET", "s"),
            ("STORE_TOKEN", "t"),
        ],
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout
            .contains(&format!("shop (ecom): FAILED: cannot reach {url}/")),
        "{}",
        out.all()
    );
    assert!(
        out.stdout.contains("store (xseries): FAILED: "),
        "{}",
        out.all()
    );
}

#[test]
fn the_embedded_emulator_passes_the_connection_test() {
    let scratch = Scratch::new("emulated-connection");
    small_catalog(&scratch, EMULATED_SHOP, "");
    let out = lightspeed(&scratch.0, &["--emulator", "test-connection"], &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("shop (ecom): connected"),
        "{}",
        out.all()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oauth_connection_refreshes_and_keeps_its_rotated_tokens() {
    use lightspeed_xseries::oauth::{FileTokenStore, OAuthApp, TokenEndpoint, TokenStore};
    use secrecy::ExposeSecret;

    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let settings = &emulator.config().xseries;
    let client_secret = settings.client_secret.expose_secret().to_string();
    // An authorization, as the app's own OAuth flow would make it.
    let app = OAuthApp::new(
        settings.client_id.clone(),
        client_secret.clone(),
        "http://localhost/cb",
    );
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http
        .get(format!(
            "{}/connect?response_type=code&client_id={}&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&state=s",
            emulator.xseries_url(),
            settings.client_id
        ))
        .send()
        .await
        .unwrap();
    let location = answer.headers()["location"].to_str().unwrap().to_string();
    let code = url_param(&location, "code");
    let endpoint =
        TokenEndpoint::new(lightspeed_core::BaseUrl::parse(emulator.xseries_url()).unwrap())
            .unwrap();
    let mut tokens = app.exchange_code(&endpoint, &code).await.unwrap();
    // Expired already: the tool must refresh before its first request.
    tokens.expires_at = Some(chrono::Utc::now() - chrono::Duration::minutes(5));
    let scratch = Scratch::new("oauth");
    let store = FileTokenStore::new(scratch.path("tokens.json"));
    store.save(&tokens).await.unwrap();
    scratch.write(
        "lightspeed.toml",
        &format!(
            r#"
[connections.store]
kind = "xseries"
base_url = "{}"
client_id = "{}"
client_secret_env = "STORE_CLIENT_SECRET"
token_store = "tokens.json"
"#,
            emulator.xseries_url(),
            settings.client_id
        ),
    );
    let out = run(
        &scratch.0,
        &["test-connection"],
        &[("STORE_CLIENT_SECRET", client_secret.as_str())],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let rotated = store.load().await.unwrap().unwrap();
    assert_ne!(
        rotated.refresh_token.expose_secret(),
        tokens.refresh_token.expose_secret(),
        "the rotated pair is kept for the next run"
    );
    let again = run(
        &scratch.0,
        &["test-connection"],
        &[("STORE_CLIENT_SECRET", client_secret.as_str())],
    );
    assert_eq!(again.code, 0, "{}", again.all());
    for secret in [
        client_secret.as_str(),
        rotated.access_token.expose_secret(),
        rotated.refresh_token.expose_secret(),
    ] {
        assert!(!out.all().contains(secret) && !again.all().contains(secret));
    }
}

fn url_param(url: &str, name: &str) -> String {
    url.split(['?', '&'])
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap()
        .to_string()
}
