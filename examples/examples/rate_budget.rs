//! How long will N API calls take under a shop's rate budget?
//!
//! Prints the estimate a plan would show ([`BudgetSnapshot::time_for`]) next to a simulation
//! that pushes the calls through the real [`RateLimiter`] on a virtual clock (nothing is sent,
//! nothing sleeps).
//!
//! ```text
//! cargo run -p lightspeed-examples --example rate_budget -- 30000 ecom
//! cargo run -p lightspeed-examples --example rate_budget -- 5000 xseries 3
//! ```

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use lightspeed_core::{Clock, ManualClock, RateLimitPolicy, RateLimiter};

fn usage() -> ! {
    eprintln!("usage: rate_budget <calls> ecom");
    eprintln!("       rate_budget <calls> xseries <registers>");
    std::process::exit(2);
}

fn human(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (days, hours, minutes, seconds) = (
        secs / 86_400,
        secs % 86_400 / 3_600,
        secs % 3_600 / 60,
        secs % 60,
    );
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, _) => format!("{minutes} min {seconds} s"),
        (0, _, _) => format!("{hours} h {minutes} min"),
        _ => format!("{days} d {hours} h {minutes} min"),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let calls: u64 = args
        .first()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| usage());
    let policy = match (
        args.get(1).map(String::as_str),
        args.get(2).map(|r| r.parse::<u32>()),
    ) {
        (Some("ecom"), None) => RateLimitPolicy::ecom(),
        (Some("xseries"), Some(Ok(registers))) => RateLimitPolicy::xseries(registers),
        _ => usage(),
    };

    println!("Budget:");
    for window in policy.windows() {
        println!(
            "  {:>10}: {} requests per {}",
            window.name,
            window.limit,
            human(window.length)
        );
    }
    if let Some(rate) = policy.per_second_cap() {
        println!("  {:>10}: {rate} requests per second", "cap");
    }

    let clock = ManualClock::new(SystemTime::now());
    let limiter = RateLimiter::with_clock(policy, Arc::new(clock.clone()));
    let estimate = limiter.snapshot().time_for(calls);
    for _ in 0..calls {
        drop(limiter.acquire().await);
    }
    println!();
    println!("{calls} calls, starting with a full budget:");
    println!(
        "  estimate (what a plan shows): at least {}",
        human(estimate)
    );
    println!("  simulated through the limiter: {}", human(clock.now()));
}
