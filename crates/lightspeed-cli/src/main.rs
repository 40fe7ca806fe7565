//! `lightspeed`: connections and jobs in a config file, on the lightspeed-sync libraries.
//!
//! ```text
//! lightspeed [--config lightspeed.toml] [--emulator] [--json] [-v] <command>
//! ```
//!
//! See `docs/cli.md` for the configuration file, every command and the exit codes. The tool
//! has no sync logic of its own: it reads the configuration, builds the library's clients,
//! sources, targets and state stores, and calls the library's flows.

mod config;
mod connect;
mod daemon;
mod emulator;
mod exit;
mod jobs;
mod progress;
mod runs;
mod status;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde_json::json;

use crate::config::Config;
use crate::emulator::Embedded;
use crate::exit::CliError;
use crate::jobs::Env;
use crate::runs::RunRecord;

/// Sync a PIM with Lightspeed eCom and X-Series: connections and jobs in a config file.
#[derive(Debug, Parser)]
#[command(
    name = "lightspeed",
    version,
    about,
    long_about = None,
    after_help = "Exit codes: 0 clean, 1 error (the run stopped), 2 configuration error, 3 items failed, \
                  4 nothing to do, 5 not run (paused, or leased elsewhere).\n\
                  The config file, every command and the daemon: docs/cli.md."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options of every command.
#[derive(Debug, Args)]
struct Global {
    /// The configuration file.
    #[arg(long, short = 'c', global = true, default_value = config::DEFAULT_FILE)]
    config: PathBuf,
    /// Run against an emulator embedded in the process (no shop, no credentials, no network;
    /// its data and state are kept apart, under the work folder's `emulator/`).
    #[arg(long, global = true)]
    emulator: bool,
    /// Machine-readable output (JSON) on standard output; no progress bar.
    #[arg(long, global = true)]
    json: bool,
    /// More log lines on standard error (-v info, -vv debug, -vvv trace); RUST_LOG, when
    /// set, decides instead.
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Reads and checks the configuration file.
    Check,
    /// Tests the connections (or one), naming the cause of a failure.
    TestConnection {
        /// The connection (default: every one).
        name: Option<String>,
    },
    /// Maps a catalog job's records: the failures, or one record's per-step trace.
    Map {
        /// The job.
        job: String,
        /// The key of the record to trace, step by step.
        #[arg(long)]
        preview: Option<String>,
    },
    /// Plans a catalog job: what it would create, update and archive, and the calls it takes.
    Plan {
        /// The job.
        job: String,
        /// Writes the plan to this file, for `apply`.
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
        /// Counts, calls and time, the fields that change and why items are skipped, instead
        /// of every step.
        #[arg(long)]
        summary: bool,
    },
    /// Applies exactly the plan in a file made by `plan -o`.
    Apply {
        /// The plan file.
        file: PathBuf,
        /// The job, for a plan file that does not name it.
        #[arg(long)]
        job: Option<String>,
    },
    /// Runs a job now: plan and apply, an inventory import, or the fulfillment requests.
    Run {
        /// The job.
        job: String,
        /// Only these keys (a catalog job; comma separated): a partial sync.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
    /// Every job: configured, mapped, connected, paused, last run, pending items, next run.
    Status {
        /// Do not test the connections.
        #[arg(long)]
        offline: bool,
    },
    /// A run's report: by run id, or the last run of a job by the job's name.
    Report {
        /// The run id (`catalog-20261120T091500.123Z`) or a job's name.
        run: String,
    },
    /// Pauses a job: neither the daemon nor `run` runs it until `resume`.
    Pause {
        /// The job.
        job: String,
        /// Why (shown by `status`).
        #[arg(long, default_value = "paused by hand")]
        reason: String,
    },
    /// Resumes a paused job.
    Resume {
        /// The job.
        job: String,
    },
    /// Runs jobs on their schedules and on webhooks until stopped (Ctrl-C, SIGTERM).
    Daemon(daemon::DaemonArgs),
}

fn init_logs(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => EnvFilter::new(v),
        _ => EnvFilter::new(match verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Who this process is, for leases: `run:host:pid`.
fn holder(role: &str) -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{role}:{host}:{}", std::process::id())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logs(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(exit::ERROR);
        }
    };
    let json = cli.global.json;
    match runtime.block_on(execute(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if json {
                println!(
                    "{}",
                    json!({"error": e.kind(), "message": e.to_string(), "exit_code": e.code()})
                );
            }
            eprintln!("error: {e}");
            ExitCode::from(e.code())
        }
    }
}

async fn execute(cli: Cli) -> Result<u8, CliError> {
    let g = &cli.global;
    let config = Config::load(&g.config, g.emulator)?;
    let embedded = match g.emulator {
        true => Some(Embedded::start(&config).await?),
        false => None,
    };
    let role = if matches!(cli.command, Command::Daemon(_)) {
        "daemon"
    } else {
        "cli"
    };
    let env = Env {
        config: &config,
        emulator: embedded.as_ref(),
        json: g.json,
        stop: None,
        holder: holder(role),
    };
    match &cli.command {
        Command::Check => {
            if g.json {
                println!(
                    "{}",
                    json!({"file": config.file, "connections": config.connections.keys().collect::<Vec<_>>(), "jobs": config.jobs.keys().collect::<Vec<_>>()})
                );
            } else {
                println!(
                    "{}: {} connection(s) ({}), {} job(s) ({})",
                    config.file.display(),
                    config.connections.len(),
                    config
                        .connections
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                    config.jobs.len(),
                    config.jobs.keys().cloned().collect::<Vec<_>>().join(", ")
                );
            }
            Ok(exit::OK)
        }
        Command::TestConnection { name } => {
            let names: Vec<String> = match name {
                Some(n) => {
                    config.connection(n).map_err(CliError::Config)?;
                    vec![n.clone()]
                }
                None => config.connections.keys().cloned().collect(),
            };
            if names.is_empty() {
                return Err(CliError::Config(format!(
                    "{} has no connections",
                    config.file.display()
                )));
            }
            let setup = connect::Setup {
                config: &config,
                emulator: embedded.as_ref(),
                quick: true,
            };
            // The worst outcome decides: a configuration problem (an unset secret) is 2, as
            // it is for `run`; a failed test is 1.
            let mut code = exit::OK;
            let mut all = Vec::new();
            for name in &names {
                let tested = connect::test(&setup, name).await;
                if let Err(e) = &tested.result {
                    code = if code == exit::CONFIG { code } else { e.code() };
                }
                if g.json {
                    all.push(tested.json());
                } else {
                    println!("{}", tested.line());
                }
            }
            if g.json {
                println!("{}", serde_json::Value::Array(all));
            }
            Ok(code)
        }
        Command::Map { job, preview } => {
            let job = config.job(job).map_err(CliError::Config)?;
            jobs::map(&env, job, preview.as_deref()).await
        }
        Command::Plan { job, out, summary } => {
            let job = config.job(job).map_err(CliError::Config)?;
            jobs::plan(&env, job, out.as_deref(), *summary).await
        }
        Command::Apply { file, job } => {
            let record = jobs::apply(&env, file, job.as_deref()).await?;
            Ok(show(&env, &record))
        }
        Command::Run { job, only } => {
            let job = config.job(job).map_err(CliError::Config)?;
            let only =
                (!only.is_empty()).then(|| only.iter().map(|k| k.trim().to_string()).collect());
            if only.is_some() && !matches!(job.kind, config::JobKind::Catalog(_)) {
                return Err(CliError::Config("--only applies to catalog jobs".into()));
            }
            let record = jobs::run(&env, job, "run", only).await?;
            Ok(show(&env, &record))
        }
        Command::Status { offline } => status::show(&env, *offline).await,
        Command::Report { run } => {
            let record = runs::find(&config.runs_dir(), run).ok_or_else(|| {
                CliError::Config(format!(
                    "no run `{run}` under {} (give a run id, or a job's name for its last run)",
                    config.runs_dir().display()
                ))
            })?;
            if g.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&record).unwrap_or_default()
                );
            } else {
                print!("{}", describe(&record));
            }
            Ok(exit::OK)
        }
        Command::Pause { job, reason } => {
            let job = config.job(job).map_err(CliError::Config)?;
            let state = jobs::open_state(job)?;
            let why = format!("{reason}, {}", runs::stamp(chrono::Utc::now()));
            jobs::set_paused(&state, &job.name, Some(&why)).await?;
            if g.json {
                println!(
                    "{}",
                    json!({"job": job.name, "paused": true, "reason": why})
                );
            } else {
                println!("{} paused ({why})", job.name);
            }
            Ok(exit::OK)
        }
        Command::Resume { job } => {
            let job = config.job(job).map_err(CliError::Config)?;
            let state = jobs::open_state(job)?;
            jobs::set_paused(&state, &job.name, None).await?;
            if g.json {
                println!("{}", json!({"job": job.name, "paused": false}));
            } else {
                println!("{} resumed", job.name);
            }
            Ok(exit::OK)
        }
        Command::Daemon(args) => daemon::run(&env, args).await,
    }
}

/// A run record for people.
fn describe(record: &RunRecord) -> String {
    let mut out = format!(
        "run {} ({} job {}, {}{}): {} (exit {})\n  started {}, finished {}\n",
        record.id,
        record.kind,
        record.job,
        record.trigger,
        if record.emulator { ", emulator" } else { "" },
        record.outcome.replace('_', " "),
        record.exit_code,
        record.started_at,
        record.finished_at,
    );
    if let Some(keys) = &record.keys {
        out.push_str(&format!("  keys: {}\n", keys.join(", ")));
    }
    if let Some(error) = &record.error {
        out.push_str(&format!("  error: {error}\n"));
    } else {
        out.push_str(&format!("  {}\n", record.counts.line()));
    }
    if !record.text.is_empty() {
        out.push_str(&record.text);
        if !record.text.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Prints a run and answers its exit code.
fn show(env: &Env<'_>, record: &RunRecord) -> u8 {
    if env.json {
        let mut value = serde_json::to_value(record).unwrap_or_default();
        if let Some(o) = value.as_object_mut() {
            o.remove("text");
        }
        println!("{value}");
    } else {
        print!("{}", describe(record));
    }
    if let Some(error) = &record.error {
        eprintln!("error: {error}");
    }
    record.exit_code
}
