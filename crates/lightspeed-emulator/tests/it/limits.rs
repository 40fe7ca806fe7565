//! Rate-limit headers on every response, 429s when a window is spent, and windows that reset
//! on the emulator's clock. Every test here runs on a virtual clock: a window resets when the
//! test moves the clock, never because the machine happened to be fast or slow.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use lightspeed_core::RateLimitPolicy;
use lightspeed_emulator::{Clock, EmulatorConfig, EmulatorHandle, Faults, ManualClock};

use crate::support::{http, start_with};

/// A virtual clock at Sat, 14 Nov 2026 10:00:00 GMT (whole seconds, so HTTP dates are exact).
fn clock() -> ManualClock {
    ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_794_650_400))
}

/// A budget of 3/100/1000 eCom requests per `window` (hour and day scale with it) on `clock`.
fn small(window: Duration, clock: &ManualClock) -> EmulatorConfig {
    let mut config = EmulatorConfig::default()
        .with_window(window)
        .with_clock(Arc::new(clock.clone()));
    config.limits.ecom = [3, 100, 1000];
    config.limits.ecom_per_second = 1000;
    config.xseries.registers = 1;
    config
}

/// `GET /nl/shop.json`.
async fn shop(emu: &EmulatorHandle) -> reqwest::Response {
    http()
        .get(format!("{}/nl/shop.json", emu.ecom_url()))
        .basic_auth(emu.ecom_key(), Some(emu.ecom_secret()))
        .send()
        .await
        .unwrap()
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()[name].to_str().unwrap().to_string()
}

#[tokio::test]
async fn ecom_sends_triples_and_answers_429_with_minus_one_when_a_window_is_spent() {
    let clock = clock();
    let emu = start_with(small(Duration::from_secs(300), &clock)).await;
    let first = shop(&emu).await;
    assert_eq!(header(&first, "x-ratelimit-limit"), "3/100/1000");
    assert_eq!(header(&first, "x-ratelimit-remaining"), "2/99/999");
    assert_eq!(header(&first, "x-ratelimit-reset"), "300/3600/86400");
    shop(&emu).await;
    shop(&emu).await;
    clock.advance(Duration::from_millis(100_500));
    let refused = shop(&emu).await;
    assert_eq!(refused.status(), 429);
    assert_eq!(header(&refused, "x-ratelimit-remaining"), "-1/97/997");
    // 199.5 seconds are left; the headers round up.
    assert_eq!(header(&refused, "x-ratelimit-reset"), "200/3500/86300");
    assert_eq!(header(&refused, "retry-after"), "200");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], 429);
    assert_eq!(emu.stats().rate_limited, 1);
}

#[tokio::test]
async fn a_window_resets_exactly_when_the_clock_reaches_its_end() {
    let clock = clock();
    let emu = start_with(small(Duration::from_secs(300), &clock)).await;
    for _ in 0..3 {
        assert_eq!(shop(&emu).await.status(), 200);
    }
    assert_eq!(shop(&emu).await.status(), 429);
    clock.advance(Duration::from_secs(300) - Duration::from_millis(1));
    let still = shop(&emu).await;
    assert_eq!(still.status(), 429, "one millisecond before the reset");
    assert_eq!(header(&still, "retry-after"), "1");
    clock.advance(Duration::from_millis(1));
    let reset = shop(&emu).await;
    assert_eq!(reset.status(), 200);
    // The five-minute window starts again; the hour and the day keep counting (refused
    // requests spent nothing).
    assert_eq!(header(&reset, "x-ratelimit-remaining"), "2/96/996");
    assert_eq!(emu.stats().rate_limited, 2);
}

#[tokio::test]
async fn a_compressed_window_scales_the_hour_and_the_day_with_it() {
    let clock = clock();
    let emu = start_with(small(Duration::from_millis(200), &clock)).await;
    let first = shop(&emu).await;
    // 200 ms, 12 × 200 ms = 2.4 s and 288 × 200 ms = 57.6 s; a compressed window's resets
    // carry milliseconds, since whole seconds would be five of its windows.
    assert_eq!(header(&first, "x-ratelimit-reset"), "0.200/2.400/57.600");
    shop(&emu).await;
    shop(&emu).await;
    assert_eq!(shop(&emu).await.status(), 429);
    clock.advance(Duration::from_millis(200));
    assert_eq!(shop(&emu).await.status(), 200);
}

#[tokio::test]
async fn account_ratelimit_reports_the_windows_on_the_clock() {
    let clock = clock();
    let emu = start_with(small(Duration::from_secs(300), &clock)).await;
    clock.advance(Duration::from_secs(60));
    let r = http()
        .get(format!("{}/nl/account/ratelimit.json", emu.ecom_url()))
        .basic_auth(emu.ecom_key(), Some(emu.ecom_secret()))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    let five = &body["accountRatelimit"]["limit5Min"];
    // The request itself was counted before the report.
    assert_eq!(five["remaining"], 2);
    assert_eq!(five["reset"], 240);
    // 10:01:00 GMT on the clock, 11:05:00 in the shop's UTC+1.
    assert_eq!(five["resetTime"], "2026-11-14T11:05:00+01:00");
}

#[tokio::test]
async fn xseries_allows_300_per_register_plus_50_and_retries_after_an_http_date() {
    let clock = clock();
    let emu = start_with(small(Duration::from_secs(300), &clock)).await;
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
    clock.advance(Duration::from_secs(100));
    let refused = http()
        .get(&url)
        .bearer_auth(emu.xseries_token())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    // The window has 200 of its 300 seconds left, on the emulator's clock.
    let retry = httpdate::parse_http_date(&header(&refused, "retry-after")).unwrap();
    assert_eq!(retry, clock.wall() + Duration::from_secs(200));
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

/// A typed eCom client on `clock` with `policy`.
fn ecom_client(
    emu: &EmulatorHandle,
    clock: &ManualClock,
    policy: RateLimitPolicy,
) -> lightspeed_ecom::Client {
    lightspeed_ecom::Client::builder(emu.ecom_key(), emu.ecom_secret())
        .base_url(emu.ecom_url())
        .language("nl")
        .rate_limit(policy)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn without_limits_the_budget_never_runs_out_and_typed_clients_never_wait() {
    let clock = clock();
    let emu = start_with(small(Duration::from_secs(300), &clock).unlimited()).await;
    let first = shop(&emu).await;
    assert_eq!(header(&first, "x-ratelimit-limit"), "3/100/1000");
    assert_eq!(header(&first, "x-ratelimit-remaining"), "3/100/1000");
    // A client that believes the headers (a budget of 3) makes ten calls without waiting
    // for a reset: only its per-second spacing shows.
    let client = ecom_client(&emu, &clock, RateLimitPolicy::ecom());
    for _ in 0..10 {
        client.shop().await.unwrap();
    }
    assert!(
        clock.sleeps().iter().all(|s| *s < Duration::from_secs(1)),
        "{:?}",
        clock.sleeps()
    );
    let xseries = lightspeed_xseries::Client::builder()
        .base_url(emu.xseries_url())
        .personal_token(emu.xseries_token().to_string())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    for _ in 0..400 {
        xseries.outlets().all().await.unwrap();
    }
    assert_eq!(clock.total_slept(), Duration::from_millis(9 * 51));
    assert_eq!(emu.stats().rate_limited, 0);
}

#[tokio::test]
async fn an_injected_429_spends_no_budget() {
    let clock = clock();
    let emu = start_with(small(Duration::from_secs(300), &clock)).await;
    emu.set_faults(Faults {
        extra_429: 1.0,
        ..Faults::default()
    });
    let refused = shop(&emu).await;
    assert_eq!(refused.status(), 429);
    assert_eq!(header(&refused, "x-ratelimit-remaining"), "3/100/1000");
    emu.set_faults(Faults::default());
    assert_eq!(
        header(&shop(&emu).await, "x-ratelimit-remaining"),
        "2/99/999"
    );
    assert_eq!(emu.stats().ecom_window_use, vec![1]);
}

/// Eight tasks sharing a typed client keep a compressed emulator busy for several windows:
/// the client's own traffic meets no 429 and uses nearly every unit of every full window.
#[tokio::test]
async fn a_paced_client_meets_no_429_and_fills_each_window() {
    let clock = clock();
    let window = Duration::from_secs(3);
    let mut config = EmulatorConfig::default()
        .with_window(window)
        .with_clock(Arc::new(clock.clone()));
    config.limits.ecom = [300, 3000, 12000];
    let emu = start_with(config).await;
    let client = ecom_client(&emu, &clock, RateLimitPolicy::ecom().compressed(window));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..150 {
                    client.suppliers().count().await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let stats = emu.stats();
    assert_eq!(stats.rate_limited, 0);
    assert_eq!(stats.requests, 1200);
    let used = &stats.ecom_window_use;
    let full = &used[..used.len() - 1];
    assert!(full.len() >= 3, "{used:?}");
    assert!(full.iter().all(|n| *n >= 285), "{used:?}");
}
