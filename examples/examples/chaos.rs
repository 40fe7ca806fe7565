//! The chaos suite: the sync's acceptance test under faults and crashes.
//!
//! ```text
//! cargo run -p lightspeed-examples --example chaos -- run --products 200 --kills 5,40,300
//! cargo run -p lightspeed-examples --example chaos -- run --products 200 --kills 5,40,300 --later
//! cargo run -p lightspeed-examples --example chaos -- fulfillment --requests 50 --kills 2,7,20
//! ```
//!
//! (`examples/chaos.sh` runs the large cases with a release build.)
//!
//! `run` generates a PIM catalog ([`catalog`]), starts `chaos serve` as a child process (the
//! emulator, rate limits off), sets a fault mix through `PUT /_emulator/faults` (by default 5%
//! 5xx spread over 500/502/503, 5% extra 429 and 1% dropped connections), and runs `chaos sync`
//! as child processes: first one killed right after each kill count's write (counted within
//! that process: `Tripwire` aborts it once the write's answer arrived, before anything could
//! record it), then unkilled passes until one exits 0 (at most `--max-passes`). With `--later`,
//! a clean complete run of 60% of the products comes first, then the whole catalog, with some
//! records changed, is synced with the kills. Faults are turned off and `chaos check` compares
//! the emulator's dump with the source mapped by the sync's own code. It prints one JSON line
//! (below) and exits 0 only if the passes converged and missing, duplicated and different are
//! all zero.
//!
//! ```text
//! {"kind":"run","products":40,"records":50,"later":false,"seed":1,
//!  "faults":"5xx=0.05,429=0.05,drop=0.01,truncate=0","work":"/tmp/chaos-catalog-...",
//!  "kills":[3,17,60],"killed":3,"passes":6,"passes_after_kills":3,"converged":true,
//!  "plan_calls":272,"requests":570,"writes":303,"faults_injected":66,"rate_limited":28,
//!  "waited_seconds":47.8,"wall_seconds":3.5,
//!  "passes_detail":[{"kill_after_writes":3,"killed":true,"exit":null,"plan_calls":272},...,
//!    {"killed":false,"exit":0,"plan_calls":2,"created":0,"updated":1,"unchanged":39,
//!     "failed":0,"pending":0,"skipped":0,"unfinished":0,"references_created":0,
//!     "requests":13,"writes":3,"waited_seconds":2.9}],
//!  "check":{"products":40,"skus":50,"shop_products":40,"source_problems":0,"missing":0,
//!    "duplicated":0,"different":0,"duplicates":{"skus":0,"extra_products":0,"brands":0,
//!    "categories":0,"links":0,"images":0},"different_fields":{},"missing_keys":[],
//!    "duplicated_keys":[],"differences":[]}}
//! ```
//!
//! `plan_calls` is the API calls the first pass's plan counted; `requests`, `writes`,
//! `faults_injected` and `rate_limited` are the emulator's counts over every pass of the run
//! (with `--later`, the clean run's are under `early`). A pass that is not killed also reports
//! its outcome counts and `problems` (the first ten items left pending or failed, with the
//! API's message). Exit codes: 0 when every count is zero, 1 when not.
//!
//! The subcommands, each usable on its own:
//!
//! - `serve --listen 127.0.0.1:0 [--seed S]`: the emulator; prints
//!   `{"ecom":"http://127.0.0.1:PORT","xseries":"http://127.0.0.1:PORT"}` once listening and runs
//!   until killed (or, with `--exit-on-eof`, until its standard input closes).
//! - `generate --products N --seed S --out catalog.ndjson [--later-edition]`: the records, and
//!   `mapping.json` beside them (the same as `examples/mappings/chaos.json`).
//! - `sync --ecom URL --state PATH --source catalog.ndjson --mapping M [--kill-after-writes N]`:
//!   one catalog sync pass; prints a `{"kind":"plan",...}` line before applying and a
//!   `{"kind":"summary",...}` line after; exits 0 when the report is complete, 3 when items are
//!   pending or failed, 2 when the run stopped with an error.
//! - `check --ecom URL --source .. --mapping ..`: prints a `{"kind":"check",...}` line (see
//!   [`check::CatalogCheck`]); exits 0 only when every count is zero.
//! - `fulfillment --requests N --kills 2,7`: the same for fulfillment requests -> X-Series
//!   register sales, passes run by `send` (below); checks that every request has exactly one
//!   sale with its `source_id` ([`orders::SaleCheck`]). It prints `{"kind":"fulfillment",
//!   "requests":N,"kills":[..],"killed":..,"passes":..,"converged":..,"api_requests":..,
//!   "writes":..,"faults_injected":..,"passes_detail":[..],"check":{"requests":N,"sales":N,
//!   "missing":0,"duplicated":0,"different":0,"keys":[]}}`.
//! - `send --xseries URL --state PATH --requests requests.json [--kill-after-writes N]`: one
//!   fulfillment pass; exits 0 when every request has its sale, 3 otherwise.
//!
//! Reproducing a failure: each pass applies `--concurrency` items at once (4 by default). With
//! `--concurrency 1` the requests come in the same order on every run, and so do the faults the
//! emulator draws for them (seeded by `--seed` and each request's number) and the write each
//! kill lands on: a failing case replays exactly. `CHAOS_TRACE=FILE` logs every request of every
//! pass to `FILE`; a failed check keeps the emulator's dump in the work folder.
//!
//! Time: the clients wait on a virtual clock (see [`lightspeed_examples::chaos`]), so the
//! injected 429s' `Retry-After` and the back-offs cost no real time; `waited_seconds` is what
//! they would have waited.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

use clap::{Parser, Subcommand};
use lightspeed_core::testing::{Trip, Tripwire};
use lightspeed_core::transport::ReqwestTransport;
use lightspeed_emulator::{Emulator, EmulatorConfig};
use lightspeed_examples::chaos::catalog::{self, Edition};
use lightspeed_examples::chaos::{self, Admin, FaultMix, Quiet, check, orders};
use lightspeed_mapping::{Mapping, Options};
use lightspeed_sync::fulfillment::{MemoryOrderSource, RequestOutcome, XSeriesSales, send};
use lightspeed_sync::{
    CatalogSync, CreateMissing, EcomTarget, FileSource, Outcome, PlanOptions, SqliteStateStore,
    SyncOptions,
};
use serde_json::{Value, json};

/// The chaos suite: kills and faults against the sync, then a check that nothing was lost,
/// duplicated or dropped.
#[derive(Debug, Parser)]
#[command(name = "chaos")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Runs the emulator (eCom and X-Series, rate limits off) until killed.
    Serve {
        /// Where to listen (port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
        /// The emulator's seed (fault draws, ids).
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Also stop when standard input closes (a parent process that dies takes the server
        /// with it).
        #[arg(long)]
        exit_on_eof: bool,
    },
    /// Writes deterministic PIM records (NDJSON) and the mapping beside them.
    Generate {
        /// Products (a family of sizes counts once).
        #[arg(long)]
        products: u64,
        /// The seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where to write the records; `mapping.json` goes beside them.
        #[arg(long)]
        out: PathBuf,
        /// The later export: the same products, about 15% of them changed.
        #[arg(long)]
        later_edition: bool,
    },
    /// One catalog sync pass.
    Sync {
        /// The eCom base URL.
        #[arg(long)]
        ecom: String,
        /// The SQLite state store.
        #[arg(long)]
        state: PathBuf,
        /// The PIM records.
        #[arg(long)]
        source: PathBuf,
        /// The mapping document.
        #[arg(long)]
        mapping: PathBuf,
        /// Abort the process right after its Nth write landed.
        #[arg(long)]
        kill_after_writes: Option<u64>,
        /// Items applied at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
    },
    /// Compares the emulator's eCom catalog with the source mapped through the mapping.
    Check {
        /// The eCom base URL (the admin routes are on the same host).
        #[arg(long)]
        ecom: String,
        /// The PIM records.
        #[arg(long)]
        source: PathBuf,
        /// The mapping document.
        #[arg(long)]
        mapping: PathBuf,
    },
    /// Generates, serves, sets faults, syncs with kills until complete, checks.
    Run {
        /// Products (a family of sizes counts once).
        #[arg(long)]
        products: u64,
        /// Kill the first passes after these many of their own writes, one pass each
        /// (`--kills` alone: no kills).
        #[arg(long, value_delimiter = ',', num_args = 0..=1, default_value = "5,40,300")]
        kills: Vec<u64>,
        /// First a clean complete run of 60% of the products; the kills happen in the run of
        /// the whole catalog that follows, some records changed.
        #[arg(long)]
        later: bool,
        /// The seed of the data and of the emulator's fault draws.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The fault mix.
        #[arg(long, default_value = "5xx=0.05,429=0.05,drop=0.01")]
        faults: FaultMix,
        /// Unkilled passes allowed before giving up.
        #[arg(long, default_value_t = 20)]
        max_passes: u32,
        /// Items applied at once by each pass.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Keep the data, the state and the emulator's dump here (default: a temporary folder,
        /// removed when everything is zero).
        #[arg(long)]
        work: Option<PathBuf>,
    },
    /// Fulfillment requests -> X-Series register sales, with kills and faults, then a check.
    Fulfillment {
        /// Requests.
        #[arg(long)]
        requests: u64,
        /// Kill the first passes after these many of their own writes, one pass each
        /// (`--kills` alone: no kills).
        #[arg(long, value_delimiter = ',', num_args = 0..=1, default_value = "2,7,20")]
        kills: Vec<u64>,
        /// The seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The fault mix.
        #[arg(long, default_value = "5xx=0.05,429=0.05,drop=0.01")]
        faults: FaultMix,
        /// Unkilled passes allowed before giving up.
        #[arg(long, default_value_t = 20)]
        max_passes: u32,
        /// Keep the requests and the state here.
        #[arg(long)]
        work: Option<PathBuf>,
    },
    /// One fulfillment pass: the requests as register sales.
    Send {
        /// The X-Series base URL.
        #[arg(long)]
        xseries: String,
        /// The SQLite state store.
        #[arg(long)]
        state: PathBuf,
        /// The requests (a JSON list).
        #[arg(long)]
        requests: PathBuf,
        /// Abort the process right after its Nth write landed.
        #[arg(long)]
        kill_after_writes: Option<u64>,
    },
}

/// Exit code of a pass that left items pending or failed.
const INCOMPLETE: u8 = 3;
/// Exit code of a pass that stopped with an error.
const STOPPED: u8 = 2;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Serve {
            listen,
            seed,
            exit_on_eof,
        } => serve(listen, seed, exit_on_eof).await,
        Cmd::Generate {
            products,
            seed,
            out,
            later_edition,
        } => {
            let edition = if later_edition {
                Edition::Later
            } else {
                Edition::First
            };
            catalog::write(&out, products, seed, edition)
                .map(|records| {
                    println!(
                        "{}",
                        json!({"kind": "generate", "products": products, "records": records,
                               "out": out, "mapping": catalog::mapping_beside(&out)})
                    );
                    ExitCode::SUCCESS
                })
                .map_err(|e| format!("writing {}: {e}", out.display()))
        }
        Cmd::Sync {
            ecom,
            state,
            source,
            mapping,
            kill_after_writes,
            concurrency,
        } => {
            sync(
                &ecom,
                &state,
                &source,
                &mapping,
                kill_after_writes,
                concurrency,
            )
            .await
        }
        Cmd::Check {
            ecom,
            source,
            mapping,
        } => check_cmd(&ecom, &source, &mapping).await,
        Cmd::Run {
            products,
            kills,
            later,
            seed,
            faults,
            max_passes,
            concurrency,
            work,
        } => {
            let run = CatalogRun {
                products,
                kills,
                later,
                seed,
                faults,
                max_passes,
                concurrency,
            };
            run.run(work).await
        }
        Cmd::Fulfillment {
            requests,
            kills,
            seed,
            faults,
            max_passes,
            work,
        } => fulfillment(requests, &kills, seed, faults, max_passes, work).await,
        Cmd::Send {
            xseries,
            state,
            requests,
            kill_after_writes,
        } => send_pass(&xseries, &state, &requests, kill_after_writes).await,
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            println!("{}", json!({"kind": "error", "message": message}));
            eprintln!("error: {message}");
            ExitCode::from(STOPPED)
        }
    }
}

async fn serve(
    listen: std::net::SocketAddr,
    seed: u64,
    exit_on_eof: bool,
) -> Result<ExitCode, String> {
    let config = EmulatorConfig {
        listen,
        seed,
        ..EmulatorConfig::default()
    }
    .unlimited();
    let emulator = Emulator::start(config).await.map_err(|e| e.to_string())?;
    println!(
        "{}",
        json!({"ecom": emulator.ecom_url(), "xseries": emulator.xseries_url()})
    );
    if exit_on_eof {
        // Standard input is read on a thread of its own; its end stops the server.
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let mut sink = String::new();
            while std::io::stdin()
                .lock()
                .read_line(&mut sink)
                .is_ok_and(|n| n > 0)
            {
                sink.clear();
            }
            let _ = tx.send(());
        });
        tokio::select! {
            _ = rx => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    } else {
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
    }
    drop(emulator);
    Ok(ExitCode::SUCCESS)
}

fn read_mapping(path: &Path) -> Result<Mapping, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    Mapping::from_json(&text, &Options::default()).map_err(|e| format!("{}: {e}", path.display()))
}

/// A transport that aborts the process right after its `kill`th write (none: never).
fn transport(kill: Option<u64>) -> Result<Tripwire<ReqwestTransport>, String> {
    Ok(Tripwire::new(
        ReqwestTransport::new().map_err(|e| e.to_string())?,
        kill.unwrap_or(0),
        Trip::Abort,
    ))
}

async fn sync(
    url: &str,
    state: &Path,
    source: &Path,
    mapping: &Path,
    kill: Option<u64>,
    concurrency: usize,
) -> Result<ExitCode, String> {
    let started = Instant::now();
    let (wire, counts) = Quiet::new(transport(kill)?);
    let clock = chaos::clock();
    let target = EcomTarget::new(chaos::ecom_client(url, wire, clock.clone())?);
    let mapping = read_mapping(mapping)?;
    let source = FileSource::open(source).map_err(|e| e.to_string())?;
    let state = SqliteStateStore::open(state).map_err(|e| e.to_string())?;
    let sync = CatalogSync::new(&source, &mapping, &target, &state)
        .map_err(|e| e.to_string())?
        .with_options(SyncOptions {
            plan: PlanOptions {
                create_missing: CreateMissing::All,
                ..PlanOptions::default()
            },
            concurrency,
            ..SyncOptions::default()
        });
    let (plan, desired) = sync.plan().await.map_err(|e| format!("plan: {e}"))?;
    let (requests, writes) = counts.get();
    println!(
        "{}",
        json!({"kind": "plan", "calls": plan.calls, "steps": plan.steps.len(),
               "items": desired.items.len(), "problems": desired.problems.len(),
               "full_reconcile": plan.full_reconcile,
               "requests": requests, "writes": writes})
    );
    let report = sync
        .apply(&plan, desired.languages())
        .await
        .map_err(|e| format!("apply: {e}"))?;
    let (requests, writes) = counts.get();
    let problems: Vec<Value> = report
        .problems()
        .filter(|p| p.outcome != Outcome::Skipped)
        .take(10)
        .map(|p| json!({"key": p.key, "outcome": p.outcome, "message": p.message}))
        .collect();
    println!(
        "{}",
        json!({"kind": "summary", "complete": report.is_complete(),
               "created": report.count(Outcome::Created),
               "updated": report.count(Outcome::Updated),
               "unchanged": report.count(Outcome::Unchanged),
               "failed": report.count(Outcome::Failed),
               "pending": report.count(Outcome::Pending),
               "skipped": report.count(Outcome::Skipped),
               "references_created": report.references_created(),
               "unfinished": report.unfinished(),
               "plan_calls": plan.calls,
               "requests": requests, "writes": writes,
               "waited_seconds": chaos::waited(&clock),
               "seconds": started.elapsed().as_secs_f64(),
               "problems": problems})
    );
    Ok(if report.is_complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(INCOMPLETE)
    })
}

async fn check_cmd(url: &str, source: &Path, mapping: &Path) -> Result<ExitCode, String> {
    let result = check::catalog(url, source, &read_mapping(mapping)?).await?;
    println!("{}", json!({"kind": "check", "check": result}));
    Ok(if result.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The emulator as a child process; killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    /// Starts `chaos serve` and waits for the line that says it listens.
    fn start(seed: u64) -> Result<Server, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .args(["serve", "--listen", "127.0.0.1:0", "--exit-on-eof"])
            .args(["--seed", &seed.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting chaos serve: {e}"))?;
        let stdout = child.stdout.take().ok_or("no standard output")?;
        // The line comes once the server listens: reading it is the readiness check.
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("reading chaos serve's address: {e}"))?;
        let urls: Value = serde_json::from_str(&line)
            .map_err(|e| format!("chaos serve printed {line:?}: {e}"))?;
        let url = urls["ecom"]
            .as_str()
            .ok_or_else(|| format!("chaos serve printed {line:?}"))?
            .to_string();
        Ok(Server { child, url })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How one child pass ended.
#[derive(Debug)]
struct Pass {
    /// Its exit code (`None`: ended by a signal, the abort of a kill).
    code: Option<i32>,
    /// Its JSON lines.
    lines: Vec<Value>,
    /// The end of its standard error.
    stderr: String,
}

impl Pass {
    fn run(args: &[String]) -> Result<Pass, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let out = Command::new(exe)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("running chaos {}: {e}", args.join(" ")))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: String = stderr
            .lines()
            .rev()
            .take(5)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        Ok(Pass {
            code: out.status.code(),
            lines: stdout
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect(),
            stderr: tail,
        })
    }

    fn line(&self, kind: &str) -> Option<&Value> {
        self.lines.iter().find(|l| l["kind"] == kind)
    }

    /// Whether the pass was ended by its tripwire (a signal, no exit code).
    fn killed(&self) -> bool {
        self.code.is_none()
    }

    /// The pass as a line of the run's report.
    fn describe(&self, kill: Option<u64>) -> Value {
        let summary = self.line("summary");
        let mut out = json!({"exit": self.code, "killed": self.killed()});
        if let Some(plan) = self.line("plan") {
            out["plan_calls"] = plan["calls"].clone();
        }
        if let Some(k) = kill {
            out["kill_after_writes"] = json!(k);
        }
        if let Some(s) = summary.and_then(Value::as_object) {
            for (key, value) in s {
                let shown = match key.as_str() {
                    "kind" | "complete" | "seconds" | "plan_calls" => false,
                    "problems" => value.as_array().is_some_and(|p| !p.is_empty()),
                    _ => true,
                };
                if shown {
                    out[key] = value.clone();
                }
            }
        }
        if let Some(e) = self.line("error") {
            out["error"] = e["message"].clone();
        }
        if !self.killed() && self.code != Some(0) && summary.is_none() && !self.stderr.is_empty() {
            out["stderr"] = json!(self.stderr);
        }
        out
    }
}

/// A folder for one run: the one given, or a fresh temporary one.
fn work_dir(work: Option<PathBuf>, what: &str) -> Result<(PathBuf, bool), String> {
    let (dir, temporary) = match work {
        Some(dir) => (dir, false),
        None => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            (
                std::env::temp_dir().join(format!("chaos-{what}-{}-{nanos}", std::process::id())),
                true,
            )
        }
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    Ok((dir, temporary))
}

/// Passes until one exits 0: the killed ones first, then at most `max` unkilled ones.
/// Answers the passes' reports and whether the last one completed.
fn passes(
    args: &dyn Fn(Option<u64>) -> Vec<String>,
    kills: &[u64],
    max: u32,
) -> Result<(Vec<Value>, Vec<Pass>, bool), String> {
    let mut reports = Vec::new();
    let mut runs = Vec::new();
    for &k in kills {
        let pass = Pass::run(&args(Some(k)))?;
        reports.push(pass.describe(Some(k)));
        runs.push(pass);
    }
    for _ in 0..max {
        let pass = Pass::run(&args(None))?;
        reports.push(pass.describe(None));
        let done = pass.code == Some(0);
        runs.push(pass);
        if done {
            return Ok((reports, runs, true));
        }
    }
    Ok((reports, runs, false))
}

/// `chaos run`.
struct CatalogRun {
    products: u64,
    kills: Vec<u64>,
    later: bool,
    seed: u64,
    faults: FaultMix,
    max_passes: u32,
    concurrency: usize,
}

impl CatalogRun {
    async fn run(&self, work: Option<PathBuf>) -> Result<ExitCode, String> {
        let started = Instant::now();
        let (dir, temporary) = work_dir(work, "catalog")?;
        let full = dir.join("catalog.ndjson");
        let edition = if self.later {
            Edition::Later
        } else {
            Edition::First
        };
        let records = catalog::write(&full, self.products, self.seed, edition)
            .map_err(|e| format!("writing {}: {e}", full.display()))?;
        let mapping = catalog::mapping_beside(&full);
        let server = Server::start(self.seed)?;
        let admin = Admin::new(&server.url);
        let state = dir.join("state.db");
        let sync_args = |source: &Path| {
            let url = server.url.clone();
            let state = state.clone();
            let source = source.to_path_buf();
            let mapping = mapping.clone();
            let concurrency = self.concurrency;
            move |kill: Option<u64>| {
                let mut args: Vec<String> = vec![
                    "sync".into(),
                    "--ecom".into(),
                    url.clone(),
                    "--state".into(),
                    state.display().to_string(),
                    "--source".into(),
                    source.display().to_string(),
                    "--mapping".into(),
                    mapping.display().to_string(),
                    "--concurrency".into(),
                    concurrency.to_string(),
                ];
                if let Some(k) = kill {
                    args.push("--kill-after-writes".into());
                    args.push(k.to_string());
                }
                args
            }
        };
        let mut report = json!({
            "kind": "run", "products": self.products, "records": records, "later": self.later,
            "seed": self.seed, "faults": self.faults.to_string(),
            "work": dir,
        });
        if self.later {
            // A clean, complete run of the first 60% of the products.
            let early = dir.join("early").join("catalog.ndjson");
            let part = self.products * 6 / 10;
            catalog::write(&early, part, self.seed, Edition::First)
                .map_err(|e| format!("writing {}: {e}", early.display()))?;
            admin.set_faults(&FaultMix::default()).await?;
            let before = admin.stats().await?;
            let (reports, _, done) = passes(&sync_args(&early), &[], self.max_passes)?;
            let after = admin.stats().await?;
            report["early"] = json!({"products": part, "passes": reports.len(),
                "converged": done, "requests": after.requests - before.requests,
                "writes": after.writes - before.writes, "passes_detail": reports});
            if !done {
                report["converged"] = json!(false);
                println!("{report}");
                return Ok(ExitCode::FAILURE);
            }
        }
        admin.set_faults(&self.faults).await?;
        let before = admin.stats().await?;
        let (reports, runs, converged) = passes(&sync_args(&full), &self.kills, self.max_passes)?;
        let after = admin.stats().await?;
        admin.set_faults(&FaultMix::default()).await?;
        let plan_calls = runs
            .iter()
            .find_map(|r| r.line("plan").map(|p| p["calls"].clone()));
        let waited: f64 = runs
            .iter()
            .filter_map(|r| r.line("summary").and_then(|s| s["waited_seconds"].as_f64()))
            .sum();
        let result = check::catalog(&server.url, &full, &read_mapping(&mapping)?).await?;
        let clean = converged && result.is_clean();
        if !clean {
            // Kept for whoever looks into it.
            let dump = admin.dump().await?;
            let path = dir.join("dump.json");
            std::fs::write(&path, dump.to_string())
                .map_err(|e| format!("writing {}: {e}", path.display()))?;
        }
        drop(server);
        let killed = runs
            .iter()
            .take(self.kills.len())
            .filter(|r| r.killed())
            .count();
        report["kills"] = json!(self.kills);
        report["killed"] = json!(killed);
        report["passes"] = json!(reports.len());
        report["passes_after_kills"] = json!(reports.len() - self.kills.len());
        report["converged"] = json!(converged);
        report["plan_calls"] = json!(plan_calls);
        report["requests"] = json!(after.requests - before.requests);
        report["writes"] = json!(after.writes - before.writes);
        report["faults_injected"] = json!(after.faults - before.faults);
        report["rate_limited"] = json!(after.rate_limited - before.rate_limited);
        report["waited_seconds"] = json!(waited);
        report["wall_seconds"] = json!(started.elapsed().as_secs_f64());
        report["passes_detail"] = json!(reports);
        report["check"] = json!(result);
        println!("{report}");
        if clean && temporary {
            let _ = std::fs::remove_dir_all(&dir);
        }
        Ok(if clean {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}

async fn send_pass(
    url: &str,
    state: &Path,
    requests: &Path,
    kill: Option<u64>,
) -> Result<ExitCode, String> {
    let started = Instant::now();
    let (wire, counts) = Quiet::new(transport(kill)?);
    let clock = chaos::clock();
    let client = chaos::xseries_client(url, wire, clock.clone())?;
    let text = std::fs::read_to_string(requests)
        .map_err(|e| format!("reading {}: {e}", requests.display()))?;
    let source = MemoryOrderSource::from_json(&text).map_err(|e| e.to_string())?;
    let state = SqliteStateStore::open(state).map_err(|e| e.to_string())?;
    // Reads only: the kill counts the pass's writes.
    let options = orders::options(&client).await?;
    let report = send(
        &XSeriesSales::new(client),
        &source,
        &state,
        &options,
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| format!("send: {e}"))?;
    let (requests, writes) = counts.get();
    let mut tally = std::collections::BTreeMap::<&str, usize>::new();
    let mut problems = Vec::new();
    for (number, outcome) in &report.requests {
        let name = match outcome {
            RequestOutcome::Created { .. } => "created",
            RequestOutcome::Found { .. } => "found",
            RequestOutcome::AlreadyProcessed => "already_processed",
            RequestOutcome::Held => "held",
            RequestOutcome::Waiting => "waiting",
            RequestOutcome::Rejected { message } | RequestOutcome::Pending { message } => {
                if problems.len() < 10 {
                    problems.push(json!({"request": number, "message": message}));
                }
                if matches!(outcome, RequestOutcome::Rejected { .. }) {
                    "rejected"
                } else {
                    "pending"
                }
            }
        };
        *tally.entry(name).or_default() += 1;
    }
    let done = report.requests.iter().all(|(_, o)| {
        matches!(
            o,
            RequestOutcome::Created { .. }
                | RequestOutcome::Found { .. }
                | RequestOutcome::AlreadyProcessed
        )
    });
    let get = |k: &str| tally.get(k).copied().unwrap_or(0);
    println!(
        "{}",
        json!({"kind": "summary", "complete": done,
               "created": get("created"), "found": get("found"),
               "already_processed": get("already_processed"),
               "pending": get("pending"), "failed": get("rejected"),
               "held": get("held") + get("waiting"),
               "requests": requests, "writes": writes,
               "waited_seconds": chaos::waited(&clock),
               "seconds": started.elapsed().as_secs_f64(),
               "problems": problems})
    );
    Ok(if done {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(INCOMPLETE)
    })
}

async fn fulfillment(
    n: u64,
    kills: &[u64],
    seed: u64,
    faults: FaultMix,
    max_passes: u32,
    work: Option<PathBuf>,
) -> Result<ExitCode, String> {
    let started = Instant::now();
    let (dir, temporary) = work_dir(work, "fulfillment")?;
    let server = Server::start(seed)?;
    let admin = Admin::new(&server.url);
    // The products the requests name, made without faults.
    admin.set_faults(&FaultMix::default()).await?;
    let skus = orders::seed_products(&server.url).await?;
    let requests = orders::requests(n, seed, &skus);
    let path = dir.join("requests.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&requests).map_err(|e| e.to_string())?,
    )
    .map_err(|e| format!("writing {}: {e}", path.display()))?;
    let state = dir.join("state.db");
    let args = |kill: Option<u64>| {
        let mut args: Vec<String> = vec![
            "send".into(),
            "--xseries".into(),
            server.url.clone(),
            "--state".into(),
            state.display().to_string(),
            "--requests".into(),
            path.display().to_string(),
        ];
        if let Some(k) = kill {
            args.push("--kill-after-writes".into());
            args.push(k.to_string());
        }
        args
    };
    admin.set_faults(&faults).await?;
    let before = admin.stats().await?;
    let (reports, runs, converged) = passes(&args, kills, max_passes)?;
    let after = admin.stats().await?;
    admin.set_faults(&FaultMix::default()).await?;
    let result = orders::check(&admin.dump().await?, &requests);
    let clean = converged && result.is_clean();
    if !clean {
        let dump = admin.dump().await?;
        let p = dir.join("dump.json");
        std::fs::write(&p, dump.to_string())
            .map_err(|e| format!("writing {}: {e}", p.display()))?;
    }
    drop(server);
    let killed = runs.iter().take(kills.len()).filter(|r| r.killed()).count();
    let waited: f64 = runs
        .iter()
        .filter_map(|r| r.line("summary").and_then(|s| s["waited_seconds"].as_f64()))
        .sum();
    println!(
        "{}",
        json!({"kind": "fulfillment", "requests": n, "seed": seed,
               "faults": faults.to_string(), "work": dir,
               "kills": kills, "killed": killed,
               "passes": reports.len(), "passes_after_kills": reports.len() - kills.len(),
               "converged": converged,
               "api_requests": after.requests - before.requests,
               "writes": after.writes - before.writes,
               "faults_injected": after.faults - before.faults,
               "waited_seconds": waited,
               "wall_seconds": started.elapsed().as_secs_f64(),
               "passes_detail": reports,
               "check": result})
    );
    if clean && temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
