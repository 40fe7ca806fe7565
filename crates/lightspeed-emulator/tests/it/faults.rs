//! Fault injection: deterministic from the seed, and the failed-write switch both ways.

use lightspeed_emulator::{EmulatorConfig, EmulatorHandle, Faults, WriteFault};
use reqwest::Method;
use serde_json::json;

use crate::support::{ecom, ecom_get, ecom_send, http, start, start_with};

/// What each of `n` sequential GETs met: a status, or a broken connection or body.
async fn outcomes(emu: &EmulatorHandle, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        // A fresh client per request: a dropped connection must not leak into the next one.
        let r = reqwest::Client::new()
            .get(format!("{}/nl/shop.json", emu.ecom_url()))
            .basic_auth(emu.ecom_key(), Some(emu.ecom_secret()))
            .send()
            .await;
        out.push(match r {
            Err(_) => "dropped".to_string(),
            Ok(r) => {
                let status = r.status().as_u16();
                match r.bytes().await {
                    Ok(_) => status.to_string(),
                    Err(_) => format!("{status} cut"),
                }
            }
        });
    }
    out
}

fn faulty(seed: u64) -> EmulatorConfig {
    let mut config = EmulatorConfig::default().unlimited();
    config.seed = seed;
    config.faults = Faults {
        latency: 0.0,
        ..Faults::rate(0.6)
    };
    config
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults_in_the_same_order() {
    let a = outcomes(&start_with(faulty(7)).await, 60).await;
    let b = outcomes(&start_with(faulty(7)).await, 60).await;
    let c = outcomes(&start_with(faulty(8)).await, 60).await;
    assert_eq!(a, b);
    assert_ne!(a, c);
    for kind in ["200", "500", "502", "503", "429", "dropped", "200 cut"] {
        assert!(a.iter().any(|o| o == kind), "no {kind} in {a:?}");
    }
}

#[tokio::test]
async fn a_failed_write_before_apply_changes_nothing() {
    let emu = start().await;
    emu.set_faults(Faults {
        fail_write: Some(WriteFault {
            nth: 2,
            after_apply: false,
        }),
        ..Faults::default()
    });
    let body = json!({"product": {"title": "A"}});
    assert_eq!(
        ecom_send(&emu, Method::POST, "nl/products.json", &body)
            .await
            .0,
        201
    );
    let (status, err) = ecom_send(&emu, Method::POST, "nl/products.json", &body).await;
    assert_eq!(status, 500);
    assert_eq!(err["error"]["code"], 500);
    assert_eq!(
        ecom_send(&emu, Method::POST, "nl/products.json", &body)
            .await
            .0,
        201
    );
    let (_, count) = ecom_get(&emu, "nl/products/count.json").await;
    assert_eq!(count["count"], 2);
    assert_eq!(emu.stats().faults, 1);
}

#[tokio::test]
async fn a_failed_write_after_apply_lands_but_the_client_never_hears_of_it() {
    let emu = start().await;
    emu.set_faults(Faults {
        fail_write: Some(WriteFault {
            nth: 1,
            after_apply: true,
        }),
        ..Faults::default()
    });
    let sent = http()
        .post(format!("{}/nl/products.json", emu.ecom_url()))
        .basic_auth(emu.ecom_key(), Some(emu.ecom_secret()))
        .json(&json!({"product": {"title": "Ghost"}}))
        .send()
        .await;
    let broken = match sent {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(broken, "the client must not get an answer");
    let (_, count) = ecom_get(&emu, "nl/products/count.json").await;
    assert_eq!(count["count"], 1, "the product exists anyway");
}

#[tokio::test]
async fn the_typed_client_reads_everything_through_faults() {
    let emu = start_with(EmulatorConfig::default().unlimited()).await;
    let products: Vec<_> = (0..300)
        .map(|i| json!({"title": format!("Product {i}")}))
        .collect();
    emu.load(&json!({"ecom": {"products": products}})).unwrap();
    emu.set_faults(Faults {
        latency: 0.0,
        ..Faults::rate(0.3)
    });
    let client = ecom(&emu);
    use futures::TryStreamExt;
    let all: Vec<_> = client
        .products()
        .list()
        .limit(20)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 300);
    assert!(emu.stats().faults > 0);
}
