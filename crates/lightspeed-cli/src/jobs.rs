//! Running jobs: `plan`, `apply`, `run` and `map`, on the library's flows.
//!
//! Everything here wires configuration to library calls: the catalog through
//! [`CatalogSync`], the inventory pool through
//! [`pool::xseries`](lightspeed_sync::pool::xseries), fulfillment through
//! [`fulfillment::send`]. A run takes the job's lease in its state store (renewed while it
//! runs), refuses a paused job, and ends with a [`RunRecord`].

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use lightspeed_core::{RateLimitPolicy, RateLimiter};
use lightspeed_mapping::{Document, Mapping, Options};
use lightspeed_sync::catalog::plan::{Action, duration};
use lightspeed_sync::fulfillment::{
    self, FulfillmentOptions, FulfillmentReport, MemoryOrderSource, RequestOutcome, XSeriesSales,
};
use lightspeed_sync::pool::xseries::{
    self as pool_xseries, PoolReport, PrimaryOptions, SecondaryOptions,
};
use lightspeed_sync::pool::{PoolSchema, SqliteInventorySink};
use lightspeed_sync::source::{CommandSource, FileSource, RecordSource};
use lightspeed_sync::state::{SqliteStateStore, StateStore};
use lightspeed_sync::{
    CatalogSync, EcomTarget, Outcome, Plan, PlanOptions, Reconcile, Report, StopSignal, SyncOptions,
};
use serde_json::{Value, json};

use crate::config::{CatalogJob, Config, FulfillmentJob, Job, JobKind, SourceSpec};
use crate::connect::Setup;
use crate::emulator::Embedded;
use crate::exit::{self, CliError, chain};
use crate::progress::Progress;
use crate::runs::{self, Counts, RunRecord};

/// What every command shares.
#[derive(Debug, Clone)]
pub struct Env<'a> {
    /// The configuration.
    pub config: &'a Config,
    /// The embedded emulator, under `--emulator`.
    pub emulator: Option<&'a Embedded>,
    /// `--json`: machine output on standard output, no bar.
    pub json: bool,
    /// Stops a catalog apply after the items in flight (the daemon's shutdown).
    pub stop: Option<StopSignal>,
    /// Who takes leases (`run:host:pid`, `daemon:host:pid:start`).
    pub holder: String,
}

impl Env<'_> {
    fn setup(&self) -> Setup<'_> {
        Setup {
            config: self.config,
            emulator: self.emulator,
            quick: false,
        }
    }

    fn progress(&self) -> Progress {
        Progress::new(self.json, self.emulator.map(Embedded::note))
    }

    /// The eCom client of `connection`, its rate-limit waits shown on `progress`.
    fn ecom(
        &self,
        connection: &str,
        progress: &Progress,
    ) -> Result<lightspeed_ecom::Client, CliError> {
        let client = self.setup().ecom(connection)?;
        client
            .http()
            .limiter()
            .set_observer(Some(progress.observer()));
        Ok(client)
    }

    /// The X-Series client of `connection`, its rate-limit waits shown on `progress`.
    fn xseries(
        &self,
        connection: &str,
        progress: &Progress,
    ) -> Result<lightspeed_xseries::Client, CliError> {
        let client = self.setup().xseries(connection)?;
        client
            .http()
            .limiter()
            .set_observer(Some(progress.observer()));
        Ok(client)
    }

    /// Prints for people (nothing under `--json`).
    fn say(&self, text: &str) {
        if !self.json {
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
        }
    }
}

/// The name of a job's lease.
pub fn lease_name(job: &str) -> String {
    format!("job:{job}")
}

/// The cursor that says a job is paused.
pub fn pause_cursor(job: &str) -> String {
    format!("paused:{job}")
}

/// Opens a job's state store.
pub fn open_state(job: &Job) -> Result<SqliteStateStore, CliError> {
    Ok(SqliteStateStore::open(&job.state)?)
}

/// Why the job is paused, if it is.
pub async fn paused(state: &dyn StateStore, job: &str) -> Result<Option<String>, CliError> {
    let mark = state.cursor(&pause_cursor(job)).await?;
    Ok(mark.filter(|m| !m.is_empty()))
}

/// Pauses or resumes a job (`reason` `None` resumes).
pub async fn set_paused(
    state: &dyn StateStore,
    job: &str,
    reason: Option<&str>,
) -> Result<(), CliError> {
    state
        .set_cursor(&pause_cursor(job), reason.unwrap_or(""))
        .await?;
    Ok(())
}

/// Holds a job's lease while it runs, renewing it in the background.
struct LeaseGuard {
    state: Arc<SqliteStateStore>,
    name: String,
    holder: String,
    renew: tokio::task::JoinHandle<()>,
}

impl LeaseGuard {
    async fn take(
        state: Arc<SqliteStateStore>,
        job: &str,
        holder: &str,
        ttl: std::time::Duration,
    ) -> Result<LeaseGuard, CliError> {
        let name = lease_name(job);
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(ttl).unwrap_or_default();
        let lease = state.acquire_lease(&name, holder, now, until).await?;
        if lease.holder != holder {
            return Err(CliError::NotRun(format!(
                "job `{job}` is running in {} (its lease lasts until {} unless renewed); not run",
                lease.holder,
                runs::stamp(lease.until)
            )));
        }
        let renew = {
            let (state, name, holder) = (state.clone(), name.clone(), holder.to_string());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(ttl / 3).await;
                    let now = Utc::now();
                    let until = now + chrono::Duration::from_std(ttl).unwrap_or_default();
                    match state.acquire_lease(&name, &holder, now, until).await {
                        Ok(l) if l.holder == holder => {}
                        Ok(l) => {
                            tracing::error!(lease = %name, holder = %l.holder, "the lease was taken over");
                            break;
                        }
                        Err(e) => tracing::warn!(lease = %name, error = %e, "lease not renewed"),
                    }
                }
            })
        };
        Ok(LeaseGuard {
            state,
            name,
            holder: holder.to_string(),
            renew,
        })
    }

    async fn release(self) {
        self.renew.abort();
        if let Err(e) = self.state.release_lease(&self.name, &self.holder).await {
            tracing::warn!(lease = %self.name, error = %e, "lease not given back; it runs out");
        }
    }
}

/// What a flow did.
struct Done {
    counts: Counts,
    report: Value,
    text: String,
    plan_id: Option<String>,
}

/// Runs a job (plan and apply, or an import, or sending requests), recording the run.
/// `only` makes a catalog run partial. Errors before the run starts (configuration, a paused
/// job, a lease held elsewhere) are returned; a run that starts ends with a record, its
/// error in it.
pub async fn run(
    env: &Env<'_>,
    job: &Job,
    trigger: &str,
    only: Option<BTreeSet<String>>,
) -> Result<RunRecord, CliError> {
    run_with(env, job, trigger, only, None).await
}

/// Applies a plan file (made by `plan -o`), recording the run.
pub async fn apply(env: &Env<'_>, file: &Path, job: Option<&str>) -> Result<RunRecord, CliError> {
    let (job_name, plan) = read_plan_file(env, file, job)?;
    let job = env.config.job(&job_name).map_err(CliError::Config)?;
    if !matches!(job.kind, JobKind::Catalog(_)) {
        return Err(CliError::Config(format!(
            "job `{job_name}` is not a catalog job"
        )));
    }
    run_with(env, job, "apply", None, Some(plan)).await
}

async fn run_with(
    env: &Env<'_>,
    job: &Job,
    trigger: &str,
    only: Option<BTreeSet<String>>,
    plan: Option<Plan>,
) -> Result<RunRecord, CliError> {
    let state = Arc::new(open_state(job)?);
    if let Some(why) = paused(&*state, &job.name).await? {
        return Err(CliError::NotRun(format!(
            "job `{}` is paused ({why}); `lightspeed resume {}` to run it again",
            job.name, job.name
        )));
    }
    let lease = LeaseGuard::take(
        state.clone(),
        &job.name,
        &env.holder,
        env.config.daemon.lease,
    )
    .await?;
    let started = Utc::now();
    let keys = only.as_ref().map(|k| k.iter().cloned().collect());
    let done = match &job.kind {
        JobKind::Catalog(c) => catalog(env, job, c, &state, only, plan).await,
        JobKind::InventoryPrimary(p) => primary(env, p, &state).await,
        JobKind::InventorySecondary(s) => secondary(env, s, &state).await,
        JobKind::Fulfillment(f) => fulfill(env, f, &state).await,
    };
    lease.release().await;
    if let Some(emu) = env.emulator
        && let Err(e) = emu.save()
    {
        tracing::error!(error = %e, "the emulator's data was not saved");
    }
    let finished = Utc::now();
    let (counts, report, text, plan_id, error, code) = match done {
        Ok(d) => {
            let code = d.counts.exit_code();
            (d.counts, d.report, d.text, d.plan_id, None, code)
        }
        Err(e) => (
            Counts::default(),
            Value::Null,
            String::new(),
            None,
            Some(e.to_string()),
            e.code(),
        ),
    };
    let record = RunRecord {
        id: runs::new_id(&job.name, started),
        job: job.name.clone(),
        kind: job.kind.name().into(),
        trigger: trigger.into(),
        emulator: env.emulator.is_some(),
        started_at: runs::stamp(started),
        finished_at: runs::stamp(finished),
        outcome: runs::outcome_name(code).into(),
        exit_code: code,
        counts,
        keys,
        plan_id,
        error,
        report,
        text,
    };
    if let Err(e) = runs::save(&env.config.runs_dir(), &record) {
        tracing::error!(error = %e, "the run record was not saved");
    }
    Ok(record)
}

fn load_mapping(
    path: &Path,
    schema: Option<&dyn lightspeed_mapping::TargetSchema>,
) -> Result<Mapping, CliError> {
    Document::load(path)
        .and_then(|d| {
            d.compile(&Options {
                channel: None,
                schema,
            })
        })
        .map_err(|e| CliError::Config(format!("mapping {}: {e}", path.display())))
}

fn record_source(spec: &SourceSpec) -> Result<Box<dyn RecordSource>, CliError> {
    Ok(match spec {
        SourceSpec::File { path, format } => Box::new(FileSource::with_format(path, *format)),
        SourceSpec::Command { argv, format, dir } => Box::new(
            CommandSource::new(argv.clone(), *format)
                .map_err(|e| CliError::Config(chain(&e)))?
                .current_dir(dir),
        ),
    })
}

fn sync_options(
    c: &CatalogJob,
    progress: &Progress,
    only: Option<BTreeSet<String>>,
    stop: Option<StopSignal>,
) -> SyncOptions {
    SyncOptions {
        plan: PlanOptions {
            archive_missing: c.archive_missing,
            delete_missing: c.delete_missing,
            max_archive_fraction: c.max_archive_fraction,
            force: c.force,
            create_missing: c.create_missing.clone(),
        },
        reconcile: match c.reconcile_hours {
            0 => Reconcile::Always,
            h => Reconcile::Every(h * 3600),
        },
        concurrency: c.concurrency,
        progress: Some(progress.callback()),
        only,
        stop,
    }
}

fn ecom_target(env: &Env<'_>, c: &CatalogJob, progress: &Progress) -> Result<EcomTarget, CliError> {
    let client = env.ecom(&c.connection, progress)?;
    let target = EcomTarget::new(client);
    Ok(match &c.marker_field {
        Some(field) => target.with_marker_field(field),
        None => target,
    })
}

/// The plan's time under the real budget, said when the emulator compresses time.
fn eta_note(env: &Env<'_>, plan: &Plan) -> Option<String> {
    let emu = env.emulator?;
    let real = RateLimiter::new(RateLimitPolicy::ecom())
        .snapshot()
        .time_for(plan.calls);
    Some(format!(
        "({}; under the real budget these calls take about {})",
        emu.note(),
        duration(real.as_secs())
    ))
}

/// The plan's summary: its counts, calls and time, the fields that change, the reasons of
/// skips; for catalogs too big to list.
pub fn summary(plan: &Plan) -> String {
    use std::collections::BTreeMap;
    let rendered = plan.render();
    let mut out: String = rendered
        .lines()
        .filter(|l| l.starts_with("Plan:") || l.starts_with("API calls:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut fields: BTreeMap<&str, usize> = BTreeMap::new();
    let mut skips: BTreeMap<String, usize> = BTreeMap::new();
    for step in &plan.steps {
        if step.action == Action::Update {
            for c in &step.changes {
                *fields.entry(c.field.as_str()).or_default() += 1;
            }
        }
        if step.action == Action::Skip {
            let reason = step.reason.clone().unwrap_or_default();
            // The reason without the value that made it (`price_incl: parse_number ...`).
            let kind = reason
                .split(" could not")
                .next()
                .unwrap_or(&reason)
                .to_string();
            *skips.entry(kind).or_default() += 1;
        }
    }
    if !fields.is_empty() {
        let mut by_count: Vec<_> = fields.into_iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        out.push_str("Changed fields:\n");
        for (field, n) in by_count.iter().take(15) {
            out.push_str(&format!("  {field}: {n}\n"));
        }
    }
    if !skips.is_empty() {
        let mut by_count: Vec<_> = skips.into_iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out.push_str("Skipped, by reason:\n");
        for (reason, n) in by_count.iter().take(10) {
            out.push_str(&format!("  {n} x {reason}\n"));
        }
    }
    out
}

/// `plan JOB`: the plan, printed (in full or as a summary) and written to `out` when given.
/// Answers the exit code: 0 when it writes something, 4 when not.
pub async fn plan(
    env: &Env<'_>,
    job: &Job,
    out: Option<&Path>,
    brief: bool,
) -> Result<u8, CliError> {
    let JobKind::Catalog(c) = &job.kind else {
        return Err(CliError::Config(format!(
            "job `{}` is a {} job: only catalog jobs are planned; run it with `lightspeed run {}`",
            job.name,
            job.kind.name(),
            job.name
        )));
    };
    let state = open_state(job)?;
    let progress = env.progress();
    let mapping = load_mapping(&c.mapping, None)?;
    let source = record_source(&c.source)?;
    let target = ecom_target(env, c, &progress)?;
    let sync = CatalogSync::new(&*source, &mapping, &target, &state)?
        .with_options(sync_options(c, &progress, None, None));
    progress.step("reading the source and planning");
    let planned = sync.plan().await;
    progress.finish();
    let (plan, _) = planned?;
    if let Some(out) = out {
        let envelope = json!({
            "lightspeed_plan": 1,
            "job": job.name,
            "emulator": env.emulator.is_some(),
            "plan": serde_json::to_value(&plan).unwrap_or_default(),
        });
        std::fs::write(
            out,
            serde_json::to_string_pretty(&envelope).unwrap_or_default(),
        )
        .map_err(|e| CliError::Run(format!("cannot write {}: {e}", out.display())))?;
    }
    if env.json {
        let counts = plan.counts();
        println!(
            "{}",
            json!({"job": job.name, "plan_id": plan.id, "counts": counts, "calls": plan.calls, "eta_seconds": plan.eta_seconds, "writes": plan.has_writes(), "file": out.map(|o| o.display().to_string()), "emulator": env.emulator.map(Embedded::compression)})
        );
    } else {
        env.say(&if brief { summary(&plan) } else { plan.render() });
        if let Some(note) = eta_note(env, &plan) {
            env.say(&note);
        }
        if let Some(out) = out {
            env.say(&format!(
                "Plan written to {}; apply it with `lightspeed apply {}`",
                out.display(),
                out.display()
            ));
        }
    }
    if let Some(emu) = env.emulator {
        emu.save()?;
    }
    Ok(if plan.has_writes() {
        exit::OK
    } else {
        exit::NOTHING
    })
}

/// Reads a plan file: the job it was made for, and the plan (checked as it is read).
fn read_plan_file(
    env: &Env<'_>,
    file: &Path,
    job: Option<&str>,
) -> Result<(String, Plan), CliError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::Config(format!("cannot read {}: {e}", file.display())))?;
    let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        CliError::Config(format!(
            "{}: not a plan (line {}, column {}: {e})",
            file.display(),
            e.line(),
            e.column()
        ))
    })?;
    let (made_for, plan_value, emulated) = if value.get("lightspeed_plan").is_some() {
        (
            value["job"].as_str().map(str::to_string),
            value["plan"].clone(),
            value["emulator"].as_bool().unwrap_or(false),
        )
    } else {
        (None, value, env.emulator.is_some())
    };
    if emulated != env.emulator.is_some() {
        return Err(CliError::Config(format!(
            "{} was made {} the emulator; apply it {}",
            file.display(),
            if emulated { "against" } else { "without" },
            if emulated {
                "with --emulator"
            } else {
                "without --emulator"
            }
        )));
    }
    let job = match (job, made_for) {
        (Some(given), Some(made)) if given != made => {
            return Err(CliError::Config(format!(
                "{} was made for job `{made}`, not `{given}`",
                file.display()
            )));
        }
        (Some(given), _) => given.to_string(),
        (None, Some(made)) => made,
        (None, None) => {
            return Err(CliError::Config(format!(
                "{} does not say its job: give it with --job",
                file.display()
            )));
        }
    };
    let plan = Plan::from_json(&plan_value.to_string())
        .map_err(|e| CliError::Config(format!("{}: {}", file.display(), chain(&e))))?;
    Ok((job, plan))
}

fn catalog_counts(report: &Report) -> Counts {
    Counts {
        created: report.count(Outcome::Created),
        updated: report.count(Outcome::Updated) + report.count(Outcome::Unarchived),
        unchanged: report.count(Outcome::Unchanged),
        archived: report.count(Outcome::Archived),
        deleted: report.count(Outcome::Deleted),
        failed: report.count(Outcome::Failed),
        pending: report.count(Outcome::Pending),
        skipped: report.count(Outcome::Skipped),
        waiting: 0,
    }
}

async fn catalog(
    env: &Env<'_>,
    job: &Job,
    c: &CatalogJob,
    state: &SqliteStateStore,
    only: Option<BTreeSet<String>>,
    given: Option<Plan>,
) -> Result<Done, CliError> {
    let progress = env.progress();
    let mapping = load_mapping(&c.mapping, None)?;
    let source = record_source(&c.source)?;
    let target = ecom_target(env, c, &progress)?;
    let sync = CatalogSync::new(&*source, &mapping, &target, state)?.with_options(sync_options(
        c,
        &progress,
        only,
        env.stop.clone(),
    ));
    let result = async {
        let (plan, languages) = match given {
            Some(plan) => {
                let languages = plan.languages();
                (plan, languages)
            }
            None => {
                progress.step("reading the source and planning");
                let (plan, desired) = sync.plan().await?;
                (plan, desired.languages())
            }
        };
        let summary_text = summary(&plan);
        if !env.json {
            for line in summary_text.lines().take(2) {
                progress.println(&format!("{}: {line}", job.name));
            }
            if let Some(note) = eta_note(env, &plan) {
                progress.println(&note);
            }
        }
        progress.step("applying");
        let report = sync.apply(&plan, languages).await?;
        Ok::<_, lightspeed_sync::Error>((plan, report))
    }
    .await;
    progress.finish();
    let (plan, report) = result?;
    Ok(Done {
        counts: catalog_counts(&report),
        report: serde_json::to_value(&report).unwrap_or_default(),
        text: report.render(),
        plan_id: Some(plan.id),
    })
}

fn pool_done(report: &PoolReport) -> Done {
    let mut text = format!(
        "{} created, {} updated, {} unchanged, {} archived, {} unarchived, {} skipped\n",
        report.created,
        report.updated,
        report.unchanged,
        report.archived,
        report.unarchived,
        report.skipped.len()
    );
    for (sku, why) in &report.skipped {
        text.push_str(&format!("  skipped {sku}: {why}\n"));
    }
    Done {
        counts: Counts {
            created: report.created,
            updated: report.updated + report.unarchived,
            unchanged: report.unchanged,
            archived: report.archived,
            skipped: report.skipped.len(),
            ..Counts::default()
        },
        report: serde_json::to_value(report).unwrap_or_default(),
        text,
        plan_id: None,
    }
}

async fn primary(
    env: &Env<'_>,
    p: &crate::config::PrimaryJob,
    state: &SqliteStateStore,
) -> Result<Done, CliError> {
    let progress = env.progress();
    let mapping = load_mapping(&p.mapping, Some(&PoolSchema))?;
    let client = env.xseries(&p.connection, &progress)?;
    let sink = SqliteInventorySink::open(&p.pool)?;
    progress.step("importing the X-Series catalog into the pool");
    let options = PrimaryOptions {
        archive_missing: p.archive_missing,
        full: p.full,
        outlets: p.outlets.clone(),
    };
    let report = pool_xseries::primary(&client, &mapping, &sink, state, &options).await;
    progress.finish();
    Ok(pool_done(&report?))
}

async fn secondary(
    env: &Env<'_>,
    s: &crate::config::SecondaryJob,
    state: &SqliteStateStore,
) -> Result<Done, CliError> {
    let progress = env.progress();
    let client = env.xseries(&s.connection, &progress)?;
    let sink = SqliteInventorySink::open(&s.pool)?;
    progress.step("refreshing quantities in the pool");
    let options = SecondaryOptions {
        outlets: s.outlets.clone(),
        allow_create_variant: s.allow_create_variant,
        archive_missing: s.archive_missing,
    };
    let report = pool_xseries::secondary(&client, &sink, state, &options).await;
    progress.finish();
    Ok(pool_done(&report?))
}

async fn source_bytes(spec: &SourceSpec) -> Result<Vec<u8>, CliError> {
    match spec {
        SourceSpec::File { path, .. } => std::fs::read(path)
            .map_err(|e| CliError::Config(format!("cannot read {}: {e}", path.display()))),
        SourceSpec::Command { argv, format, dir } => CommandSource::new(argv.clone(), *format)
            .map_err(|e| CliError::Config(chain(&e)))?
            .current_dir(dir)
            .output()
            .await
            .map_err(|e| CliError::Run(chain(&e))),
    }
}

fn fulfillment_done(report: &FulfillmentReport) -> Done {
    let mut counts = Counts::default();
    let mut text = String::new();
    for (number, outcome) in &report.requests {
        let line = match outcome {
            RequestOutcome::Created { sale_id } => {
                counts.created += 1;
                format!("sale {sale_id} created")
            }
            RequestOutcome::Found { sale_id } => {
                counts.unchanged += 1;
                format!("sale {sale_id} found (sent by an interrupted run)")
            }
            RequestOutcome::AlreadyProcessed => {
                counts.unchanged += 1;
                "already sent".into()
            }
            RequestOutcome::Held => {
                counts.waiting += 1;
                "held (younger than hold_hours)".into()
            }
            RequestOutcome::Waiting => {
                counts.waiting += 1;
                "waiting (outside business hours)".into()
            }
            RequestOutcome::Rejected { message } => {
                counts.failed += 1;
                format!("refused: {message}")
            }
            RequestOutcome::Pending { message } => {
                counts.pending += 1;
                format!("pending: {message}")
            }
        };
        text.push_str(&format!("  {number}: {line}\n"));
    }
    Done {
        text: format!("{}\n{text}", counts.line()),
        counts,
        report: serde_json::to_value(report).unwrap_or_default(),
        plan_id: None,
    }
}

async fn fulfill(
    env: &Env<'_>,
    f: &FulfillmentJob,
    state: &SqliteStateStore,
) -> Result<Done, CliError> {
    let progress = env.progress();
    let bytes = source_bytes(&f.source).await?;
    let text = String::from_utf8_lossy(&bytes);
    let source = MemoryOrderSource::from_json(text.trim_start_matches('\u{feff}'))
        .map_err(|e| CliError::Config(format!("{}: {}", f.source.describe(), chain(&e))))?;
    let client = env.xseries(&f.connection, &progress)?;
    let options = FulfillmentOptions {
        register_id: f.register_id.clone(),
        user_id: f.user_id.clone(),
        tax_id: f.tax_id.clone(),
        tax_rate: f.tax_rate,
        payment_type_id: f.payment_type_id.clone(),
        status: f.status.clone(),
        shipping_sku: f.shipping_sku.clone(),
        hold_hours: f.hold_hours,
        business_hours: f.business_hours.clone(),
    };
    progress.step("sending fulfillment requests");
    let report = fulfillment::send(
        &XSeriesSales::new(client),
        &source,
        state,
        &options,
        Utc::now(),
    )
    .await;
    progress.finish();
    Ok(fulfillment_done(&report?))
}

/// `map JOB [--preview KEY]`: the records of a catalog job's source through its mapping
/// (compiled against the eCom product schema). With a key, the per-step trace of that
/// record; without, each record's mapped fields (NDJSON under `--json`) and the failures.
pub async fn map(env: &Env<'_>, job: &Job, preview: Option<&str>) -> Result<u8, CliError> {
    let JobKind::Catalog(c) = &job.kind else {
        return Err(CliError::Config(format!(
            "job `{}` is a {} job: `map` reads a catalog job's source (a file or a command)",
            job.name,
            job.kind.name()
        )));
    };
    let schema = lightspeed_ecom::schema::ProductSchema;
    let mapping = load_mapping(&c.mapping, Some(&schema))?;
    let batch = record_source(&c.source)?.read().await?;
    if let Some(key) = preview {
        let Some(record) = batch
            .records
            .iter()
            .find(|r| mapping.key_of(&r.data).as_text().as_deref() == Some(key))
        else {
            let some: Vec<String> = batch
                .records
                .iter()
                .filter_map(|r| mapping.key_of(&r.data).as_text())
                .take(5)
                .collect();
            return Err(CliError::Config(format!(
                "no record with {} `{key}` in {} (the first keys: {})",
                mapping.key_attribute(),
                c.source.describe(),
                some.join(", ")
            )));
        };
        let shown = mapping.preview(&record.data);
        if env.json {
            println!("{}", json!({"location": record.location, "preview": shown}));
        } else {
            println!("{} ({})", c.source.describe(), record.location);
            print!("{}", shown.render());
        }
        let failed = shown.fields.iter().any(|f| {
            matches!(
                f.outcome,
                lightspeed_mapping::mapping::PreviewOutcome::Error { .. }
            )
        });
        return Ok(if failed { exit::FAILED } else { exit::OK });
    }
    let (mut mapped, mut failed) = (0, 0);
    for record in &batch.records {
        let key = mapping.key_of(&record.data).as_text();
        match mapping.apply(&record.data) {
            Ok(m) => {
                mapped += 1;
                if env.json {
                    println!(
                        "{}",
                        json!({"key": key, "location": record.location, "fields": m.nested().to_json()})
                    );
                }
            }
            Err(errors) => {
                failed += 1;
                let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
                if env.json {
                    println!(
                        "{}",
                        json!({"key": key, "location": record.location, "errors": messages})
                    );
                } else {
                    println!(
                        "{} {}: {}",
                        record.location,
                        key.unwrap_or_default(),
                        messages.join("; ")
                    );
                }
            }
        }
    }
    for problem in &batch.problems {
        failed += 1;
        if env.json {
            println!(
                "{}",
                json!({"location": problem.location, "errors": [problem.message]})
            );
        } else {
            println!("{}: {}", problem.location, problem.message);
        }
    }
    env.say(&format!(
        "{mapped} records mapped, {failed} failed ({})",
        c.source.describe()
    ));
    Ok(if failed > 0 { exit::FAILED } else { exit::OK })
}
