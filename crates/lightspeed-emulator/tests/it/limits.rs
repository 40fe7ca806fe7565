//! Rate-limit headers on every response, 429s when a window is spent, and compressed windows.

use std::time::Duration;

use lightspeed_emulator::EmulatorConfig;

use crate::support::{http, start_with};

fn small(window: Duration) -> EmulatorConfig {
    let mut config = EmulatorConfig::default().with_window(window);
    config.limits.ecom = [3, 100, 1000];
    config.limits.ecom_per_second = 1000;
    config.xseries.registers = 1;
    config
}

#[tokio::test]
async fn ecom_sends_triples_and_answers_429_with_minus_one_when_a_window_is_spent() {
    let emu = start_with(small(Duration::from_secs(300))).await;
    let url = format!("{}/nl/shop.json", emu.ecom_url());
    let get = || {
        http()
            .get(&url)
            .basic_auth(emu.ecom_key(), Some(emu.ecom_secret()))
            .send()
    };
    let first = get().await.unwrap();
    assert_eq!(first.headers()["x-ratelimit-limit"], "3/100/1000");
    assert_eq!(first.headers()["x-ratelimit-remaining"], "2/99/999");
    let reset = first.headers()["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .to_string();
    let resets: Vec<u64> = reset.split('/').map(|s| s.parse().unwrap()).collect();
    assert!(
        resets[0] <= 300 && resets[1] <= 3600 && resets[2] <= 86400,
        "{reset}"
    );
    get().await.unwrap();
    get().await.unwrap();
    let refused = get().await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["x-ratelimit-remaining"], "-1/97/997");
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&wait));
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], 429);
    assert_eq!(emu.stats().rate_limited, 1);
}

#[tokio::test]
async fn a_compressed_window_resets_in_milliseconds() {
    let emu = start_with(small(Duration::from_millis(200))).await;
    let url = format!("{}/nl/shop.json", emu.ecom_url());
    let get = || {
        http()
            .get(&url)
            .basic_auth(emu.ecom_key(), Some(emu.ecom_secret()))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(get().await.unwrap().status(), 200);
    }
    assert_eq!(get().await.unwrap().status(), 429);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(get().await.unwrap().status(), 200);
}

#[tokio::test]
async fn xseries_allows_300_per_register_plus_50_and_retries_after_an_http_date() {
    let mut config = small(Duration::from_secs(300));
    config.xseries.registers = 1;
    let emu = start_with(config).await;
    let url = format!("{}/api/2.0/outlets", emu.xseries_url());
    let mut last = None;
    for _ in 0..350 {
        let r = http()
            .get(&url)
            .bearer_auth(emu.xseries_token())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        last = Some(r);
    }
    let last = last.unwrap();
    assert_eq!(last.headers()["x-ratelimit-limit"], "350");
    assert_eq!(last.headers()["x-ratelimit-remaining"], "0");
    let refused = http()
        .get(&url)
        .bearer_auth(emu.xseries_token())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    let date = httpdate::parse_http_date(refused.headers()["date"].to_str().unwrap()).unwrap();
    let retry =
        httpdate::parse_http_date(refused.headers()["retry-after"].to_str().unwrap()).unwrap();
    let wait = retry.duration_since(date).unwrap();
    assert!(
        wait > Duration::from_secs(200) && wait <= Duration::from_secs(301),
        "{wait:?}"
    );
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["message"], "Rate limiting enforced");
    // The OAuth token endpoint has its own budget.
    let token = http()
        .post(format!("{}/api/1.0/token", emu.xseries_url()))
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_ne!(token.status(), 429);
}
