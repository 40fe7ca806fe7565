//! Plans 100,000 products against 100,000 existing ones and reports the time and the peak
//! memory of the whole process (inputs included).
//!
//! ```sh
//! cargo run --release -p lightspeed-benches --example plan_100k [count] [reconcile|incremental]
//! ```
//!
//! `reconcile` (the default): the target read in full, every item diffed. `incremental`: the
//! state store's copy of every item with its fingerprint (a second copy of the catalog in
//! memory, as a loaded state store holds it).

use std::collections::BTreeMap;
use std::time::Instant;

use lightspeed_sync::catalog::References;
use lightspeed_sync::catalog::planner::{PlanInput, PlanOptions, plan};

/// Peak resident memory (Linux `VmHWM`), in MB.
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let mode = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "reconcile".into());
    let (desired, actual) = lightspeed_benches::catalog(count);
    let state: BTreeMap<String, lightspeed_sync::state::ItemState> = BTreeMap::new();
    let mut references = References::default();
    references.insert("categories", "Accessoires > Portemonnees", "77");
    let input = PlanInput {
        desired: &desired,
        problems: &[],
        state: &state,
        actual: Some(&actual),
        references: Some(&references),
        full_snapshot: true,
        target: "ecom",
        now: "2026-11-27T10:00:00Z",
    };
    if mode == "incremental" {
        let remembered = lightspeed_benches::remembered(&desired, &actual);
        let incremental = PlanInput {
            state: &remembered,
            actual: None,
            ..input
        };
        let started = Instant::now();
        let q = plan(&incremental, &PlanOptions::default());
        println!(
            "{count} products, state remembered: incremental plan in {:.0} ms ({} unchanged); peak memory {:.0} MB",
            started.elapsed().as_secs_f64() * 1000.0,
            q.counts().unchanged,
            peak_mb().unwrap_or(f64::NAN),
        );
        return;
    }
    let inputs_mb = peak_mb().unwrap_or(f64::NAN);
    let started = Instant::now();
    let p = plan(&input, &PlanOptions::default());
    let c = p.counts();
    println!(
        "{count} products against {count}: reconcile plan in {:.0} ms ({} to update, {} unchanged, {} calls); peak memory {:.0} MB ({inputs_mb:.0} MB before planning)",
        started.elapsed().as_secs_f64() * 1000.0,
        c.update,
        c.unchanged,
        p.calls,
        peak_mb().unwrap_or(f64::NAN),
    );
}
