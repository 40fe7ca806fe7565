//! The main job, offline: a PIM catalog export synced into Lightspeed eCom, three times.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! It starts the emulator in this process (time compressed a hundredfold: its five-minute
//! rate-limit window lasts three seconds), reads `examples/data/pim-catalog.csv` (60 products,
//! some with variants in sizes and colours, Dutch and English texts, images, weights in kg,
//! prices with comma decimals, and two broken rows) through `examples/mappings/ecom.json`,
//! prints the plan, applies it with a progress bar and prints the report. Then it changes
//! three records and syncs again (an incremental pass), and syncs once more with nothing
//! changed. After each pass it prints one line:
//!
//! ```text
//! summary {"pass": 1, "created": 60, "updated": 0, "unchanged": 0, "archived": 0, "failed": 2, "requests": ..., "writes": ...}
//! ```
//!
//! `failed` counts items the API refused and rows that could not be read or mapped;
//! `requests` and `writes` are counted by the emulator. The last pass writes nothing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use lightspeed_core::RateLimitPolicy;
use lightspeed_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use lightspeed_mapping::{Mapping, Options};
use lightspeed_sync::{
    CatalogSync, CreateMissing, EcomTarget, FileSource, Outcome, PlanOptions, Report,
    SqliteStateStore, SyncOptions,
};

/// The emulator's five-minute window, compressed.
const WINDOW: Duration = Duration::from_secs(3);

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The PIM export with three records changed: a price, an English name, a stock level.
fn changed_copy(original: &Path, dir: &Path) -> std::io::Result<PathBuf> {
    let text = std::fs::read_to_string(original)?;
    let changed: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with("LW-001;") {
                line.replace(";89,95;", ";79,95;")
            } else if line.starts_with("LWATCH-01;") {
                line.replace(";Luxury Watch;", ";Luxury Swiss Watch;")
            } else if line.starts_with("TS-ORG-M-BLA;") {
                let mut cells: Vec<&str> = line.split(';').collect();
                cells[10] = "99";
                cells.join(";")
            } else {
                line.to_string()
            }
        })
        .collect();
    let path = dir.join("pim-catalog-changed.csv");
    std::fs::write(&path, changed.join("\n") + "\n")?;
    Ok(path)
}

struct Pass<'a> {
    number: u32,
    source: &'a Path,
    mapping: &'a Mapping,
    target: &'a EcomTarget,
    state: &'a SqliteStateStore,
    emulator: &'a EmulatorHandle,
}

impl Pass<'_> {
    async fn run(&self) -> Result<Report, String> {
        let before = self.emulator.stats();
        let source = FileSource::open(self.source).map_err(|e| e.to_string())?;
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} items, {msg}")
                .map_err(|e| e.to_string())?,
        );
        let progress_bar = bar.clone();
        let options = SyncOptions {
            plan: PlanOptions {
                create_missing: CreateMissing::All,
                archive_missing: true,
                ..PlanOptions::default()
            },
            progress: Some(Arc::new(move |p| {
                progress_bar.set_length(p.total as u64);
                progress_bar.set_position(p.done as u64);
                progress_bar.set_message(format!("{:.0}/s", p.rate));
            })),
            ..SyncOptions::default()
        };
        let sync = CatalogSync::new(&source, self.mapping, self.target, self.state)
            .map_err(|e| e.to_string())?
            .with_options(options);
        println!("== pass {}: {}", self.number, self.source.display());
        let (plan, desired) = sync.plan().await.map_err(|e| e.to_string())?;
        print!("{}", plan.render());
        let report = sync
            .apply(&plan, desired.languages())
            .await
            .map_err(|e| e.to_string())?;
        bar.finish_and_clear();
        print!("{}", report.render());
        let after = self.emulator.stats();
        let summary = lightspeed_examples::summary(
            self.number,
            report.count(Outcome::Created),
            report.count(Outcome::Updated) + report.count(Outcome::Unarchived),
            report.count(Outcome::Unchanged),
            report.count(Outcome::Archived),
            report.count(Outcome::Failed)
                + report.count(Outcome::Skipped)
                + report.count(Outcome::Pending),
            after.requests - before.requests,
            after.writes - before.writes,
        );
        println!("{summary}");
        // The client paces from the emulator's headers: its own traffic is never refused.
        println!(
            "rate limit: {} requests answered 429",
            after.rate_limited - before.rate_limited
        );
        Ok(report)
    }
}

async fn quickstart() -> Result<(), String> {
    let config = EmulatorConfig::default().with_window(WINDOW);
    let emulator = Emulator::start(config).await.map_err(|e| e.to_string())?;
    // The client paces itself on the same compressed budget: every window and the per-second
    // cap's second shrink a hundredfold (20 requests per 10 ms).
    let policy = RateLimitPolicy::ecom().compressed(WINDOW);
    let client = lightspeed_ecom::Client::builder(emulator.ecom_key(), emulator.ecom_secret())
        .base_url(emulator.ecom_url())
        .language("nl")
        .rate_limit(policy)
        .build()
        .map_err(|e| e.to_string())?;
    let target = EcomTarget::new(client);
    let mapping_path = examples_dir().join("mappings/ecom.json");
    let mapping_text = std::fs::read_to_string(&mapping_path)
        .map_err(|e| format!("{}: {e}", mapping_path.display()))?;
    // The sync compiles the mapping against the target's schema when it starts.
    let mapping = Mapping::from_json(&mapping_text, &Options::default())
        .map_err(|e| format!("{}: {e}", mapping_path.display()))?;
    let work = std::env::temp_dir().join(format!("lightspeed-quickstart-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let state = SqliteStateStore::open(work.join("state.db")).map_err(|e| e.to_string())?;
    println!(
        "emulator at {}, state in {}",
        emulator.ecom_url(),
        state.path().display()
    );
    let original = examples_dir().join("data/pim-catalog.csv");
    let changed = changed_copy(&original, &work).map_err(|e| e.to_string())?;
    for (number, source) in [(1, &original), (2, &changed), (3, &changed)] {
        Pass {
            number,
            source,
            mapping: &mapping,
            target: &target,
            state: &state,
            emulator: &emulator,
        }
        .run()
        .await?;
    }
    drop(state);
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match quickstart().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
