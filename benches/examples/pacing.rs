//! How well a sync uses eCom's rate budget: a catalog sync against the emulator with a
//! compressed window, on the real clock, reporting how much of each window it used, the 429s
//! it met and the calls it made per created product against its plan.
//!
//! ```sh
//! cargo run --release -p lightspeed-benches --example pacing -- [products] [window-seconds] [foreign-429-rate]
//! cargo run --release -p lightspeed-benches --example pacing -- 2000 3
//! cargo run --release -p lightspeed-benches --example pacing -- 2000 3 0.01
//! ```
//!
//! The emulator enforces eCom's real budget (300 per five minutes, 3,000 per hour, 12,000 per
//! day, 20 per second) with every window compressed in the ratio `window / 300 s`; the client
//! paces on the same budget (`RateLimitPolicy::ecom().compressed(window)`), reads
//! `account/ratelimit` first and then learns from the headers. The state lives in memory, so the
//! run measures the pacing, not the disk. With a third argument, that share of requests is
//! refused with an injected 429 (`Retry-After: 1`) whatever the budget, standing for someone
//! else's traffic.
//!
//! *Allowed* per five-minute window is what the server would have accepted in it given what
//! was used before it: the least of the window's 300, what the hour has left and what the day
//! has left. Only windows the run spent whole are counted (not the one it ended in).

use std::time::{Duration, Instant};

use lightspeed_core::{RateLimitPolicy, RetryPolicy};
use lightspeed_emulator::{Emulator, EmulatorConfig, Faults};
use lightspeed_mapping::{Mapping, Options};
use lightspeed_sync::{
    CatalogSync, CreateMissing, EcomTarget, MemorySource, MemoryStateStore, Outcome, PlanOptions,
    Reconcile, SyncOptions,
};
use serde_json::{Value, json};

const MAPPING: &str = r#"{
  "version": 1, "target": "ecom.product", "key": "sku",
  "source_locale": {"decimal_separator": ",", "thousands_separator": "."},
  "product_mappings": [
    {"pim_attribute": "name", "lightspeed_field": "title"},
    {"pim_attribute": "brand", "lightspeed_field": "brand"}
  ],
  "variant_mappings": [
    {"pim_attribute": "sku", "lightspeed_field": "sku"},
    {"pim_attribute": "price", "lightspeed_field": "price_incl", "transformation": {"type": "parse_number"}},
    {"pim_attribute": "stock", "lightspeed_field": "stock_level", "transformation": {"type": "parse_number"}}
  ]
}"#;

/// `n` simple products over three brands.
fn records(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let brand = ["Castelijn", "Burkely", "Secrid"][i % 3];
            json!({"sku": format!("P-{i:05}"), "name": format!("Product {i}"),
                   "brand": brand,
                   "price": format!("{},95", 10 + i % 90), "stock": (i % 7).to_string()})
        })
        .collect()
}

/// For each five-minute window, what the server would have allowed given the use before it.
fn allowed(used: &[u64], limits: [u64; 3]) -> Vec<u64> {
    (0..used.len())
        .map(|k| {
            let hour = k - k % 12;
            let day = k - k % 288;
            let in_hour: u64 = used[hour..k].iter().sum();
            let in_day: u64 = used[day..k].iter().sum();
            limits[0]
                .min(limits[1].saturating_sub(in_hour))
                .min(limits[2].saturating_sub(in_day))
        })
        .collect()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let products: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let seconds: f64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3.0);
    let foreign: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(0.0);
    let window = Duration::from_secs_f64(seconds);

    let config = EmulatorConfig::default().with_window(window);
    let limits = config.limits.ecom.map(u64::from);
    let emulator = Emulator::start(config).await?;
    if foreign > 0.0 {
        emulator.set_faults(Faults {
            extra_429: foreign,
            ..Faults::default()
        });
    }
    let client = lightspeed_ecom::Client::builder(emulator.ecom_key(), emulator.ecom_secret())
        .base_url(emulator.ecom_url())
        .language("nl")
        .rate_limit(RateLimitPolicy::ecom().compressed(window))
        .retry(RetryPolicy::default().deadline(Duration::from_secs(3600)))
        .build()?;
    let target = EcomTarget::new(client);
    let state = MemoryStateStore::new();
    let mapping = Mapping::from_json(MAPPING, &Options::default())?;
    let source = MemorySource::new("pim", records(products));
    let options = SyncOptions {
        plan: PlanOptions {
            create_missing: CreateMissing::All,
            ..PlanOptions::default()
        },
        reconcile: Reconcile::FirstRunOnly,
        ..SyncOptions::default()
    };
    let sync = CatalogSync::new(&source, &mapping, &target, &state)?.with_options(options);

    let started = Instant::now();
    let (plan, desired) = sync.plan().await?;
    let planning = emulator.stats().requests;
    let report = sync.apply(&plan, desired.languages()).await?;
    let elapsed = started.elapsed();
    let stats = emulator.stats();

    let created = report.count(Outcome::Created) as u64;
    let applying = stats.requests - planning;
    let injected = stats.faults;
    let own_429 = stats.rate_limited.saturating_sub(injected);
    let used = &stats.ecom_window_use;
    let allowed = allowed(used, limits);
    let full = used.len().saturating_sub(1);
    let (used_full, allowed_full): (u64, u64) =
        (used[..full].iter().sum(), allowed[..full].iter().sum());

    println!(
        "{products} products, window {seconds} s (eCom budget {}/{}/{} per 5 min/hour/day, 20/s, compressed), concurrency {}",
        limits[0],
        limits[1],
        limits[2],
        SyncOptions::default().concurrency
    );
    println!(
        "run: {:.1} s, {} requests ({} planning, {} applying), {} created, {} failed",
        elapsed.as_secs_f64(),
        stats.requests,
        planning,
        applying,
        created,
        report.count(Outcome::Failed) + report.count(Outcome::Pending)
    );
    println!("per window (used/allowed):");
    let cells: Vec<String> = used
        .iter()
        .zip(&allowed)
        .map(|(u, a)| format!("{u}/{a}"))
        .collect();
    println!("  {}", cells.join(" "));
    if allowed_full > 0 {
        println!(
            "achieved / allowed over {full} full windows: {used_full} / {allowed_full} = {:.1}% (goal >= 95%)",
            100.0 * used_full as f64 / allowed_full as f64
        );
    }
    println!(
        "429s: {} received, {} injected as someone else's traffic, {} from the run's own traffic (goal 0)",
        stats.rate_limited, injected, own_429
    );
    if created > 0 {
        println!(
            "calls per created product: {:.3} made while applying, {:.3} planned ({} calls in the plan)",
            applying as f64 / created as f64,
            plan.calls as f64 / created as f64,
            plan.calls
        );
    }
    Ok(())
}
