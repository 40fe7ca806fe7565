//! The executor: applies exactly a given plan, item by item, with bounded concurrency,
//! checkpointing each outcome in the state store as soon as the target confirms it.
//!
//! [`apply`] runs these steps, each a function below:
//!
//! 1. `Run::recover`: creates whose answer a crash (or a dropped connection, or a cancelled
//!    future) lost are found again by the marker their intent recorded, and remembered.
//! 2. `Run::create_references`: the brands, categories, tags... the items need, in order
//!    (parents first); their ids resolve the items.
//! 3. `Run::drift`: one call lists what changed in the target since the state last saw it;
//!    an item changed behind the sync's back is read again and re-planned, not overwritten.
//! 4. `Run::prepare`: each step's write, decided against the target's current view (a
//!    create whose item turns out to exist, by the state or by SKU, becomes an update).
//! 5. `Run::create_items`: each create's intent is recorded (durably) before its write,
//!    and closed once the new id is recorded.
//! 6. `Run::complete_creates`: what creates leave unknown (eCom's default variants), for
//!    all of them at once.
//! 7. `Run::finish`: updates (and the rest of each create), archives, deletes.
//! 8. `Run::end`: the run's cursors.
//!
//! A refused item fails with the API's message; an item that keeps failing transiently stays
//! pending for the next run; an item is complete (its fingerprint recorded) only when all of
//! it is: a reference that could not be created, a failed image or variant leave it pending.
//! Only authentication or configuration errors stop the run.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use async_trait::async_trait;
use chrono::{SecondsFormat, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use super::diff::{ItemDiff, Resolved};
use super::item::ActualItem;
use super::plan::{Action, Plan, Step};
use super::target::{
    Applied, CatalogTarget, Checkpoint, NoCheckpoint, Operation, ReadScope, References, is_fatal,
};
use crate::error::{Error, ErrorClass, Result, TargetError};
use crate::state::{Intent, ItemState, ProgressMark, StateStore};

/// The cursor of the last run's end.
pub const LAST_RUN: &str = "last_run";

/// The ledger's name for a catalog create.
pub const CREATE: &str = "create";

/// Progress of an apply, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Steps done (whatever their outcome).
    pub done: usize,
    /// Steps to do.
    pub total: usize,
    /// Steps per second so far.
    pub rate: f64,
}

/// A progress callback.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Asks a running apply to stop: once [`StopSignal::stop`] is called, no new item is
/// started, the items in flight are finished (their writes recorded), and the rest are
/// reported [`Outcome::Pending`] for the next run. Clones share the signal.
#[derive(Debug, Clone, Default)]
pub struct StopSignal(Arc<std::sync::atomic::AtomicBool>);

impl StopSignal {
    /// A signal not yet given.
    pub fn new() -> Self {
        Self::default()
    }

    /// Gives the signal.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the signal was given.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The message of a step the apply did not start because it was asked to stop.
pub const NOT_STARTED: &str = "not started: the run was asked to stop; the next run does it";

/// How the executor runs.
#[derive(Clone)]
pub struct ApplyOptions {
    /// Items applied at once (they share the client's rate limiter).
    pub concurrency: usize,
    /// Called after each step.
    pub progress: Option<ProgressFn>,
    /// Languages whose texts the items carry (for re-reads).
    pub languages: Vec<String>,
    /// Asked to stop: no new item starts (see [`StopSignal`]).
    pub stop: Option<StopSignal>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            concurrency: 4,
            progress: None,
            languages: Vec::new(),
            stop: None,
        }
    }
}

impl std::fmt::Debug for ApplyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplyOptions")
            .field("concurrency", &self.concurrency)
            .field("languages", &self.languages)
            .finish_non_exhaustive()
    }
}

/// How one step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Created.
    Created,
    /// Updated.
    Updated,
    /// Nothing to do.
    Unchanged,
    /// Archived.
    Archived,
    /// Unarchived.
    Unarchived,
    /// Deleted.
    Deleted,
    /// Refused by the target (the message says why); the next run tries again.
    Failed,
    /// Kept failing transiently, or not all of it could be written yet; the next run
    /// finishes it.
    Pending,
    /// Not planned (the reason says why).
    Skipped,
}

/// One step's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemReport {
    /// The item's key (`brand:Acme` for a reference).
    pub key: String,
    /// How it ended.
    pub outcome: Outcome,
    /// The API's message or the skip reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Where it came from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origin: Vec<String>,
    /// Whether it is a record the items refer to (a brand, a category), not an item.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reference: bool,
}

/// What an apply did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Per step, in plan order.
    pub items: Vec<ItemReport>,
}

impl Report {
    /// Items (references not counted) that ended as `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.items
            .iter()
            .filter(|i| i.outcome == outcome && !i.reference)
            .count()
    }

    /// References (brands, categories...) created.
    pub fn references_created(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.reference && i.outcome == Outcome::Created)
            .count()
    }

    /// Steps, items and references alike, that the next run must finish (pending or failed).
    pub fn unfinished(&self) -> usize {
        self.items
            .iter()
            .filter(|i| matches!(i.outcome, Outcome::Pending | Outcome::Failed))
            .count()
    }

    /// Whether everything planned was applied (skipped rows aside).
    pub fn is_complete(&self) -> bool {
        self.unfinished() == 0
    }

    /// Steps that did not end well (failed, pending, skipped), with their messages.
    pub fn problems(&self) -> impl Iterator<Item = &ItemReport> {
        self.items.iter().filter(|i| {
            matches!(
                i.outcome,
                Outcome::Failed | Outcome::Pending | Outcome::Skipped
            )
        })
    }

    /// A text summary for people, one line per problem.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{} created, {} updated, {} unchanged, {} archived, {} unarchived, {} deleted, {} failed, {} pending, {} skipped\n",
            self.count(Outcome::Created),
            self.count(Outcome::Updated),
            self.count(Outcome::Unchanged),
            self.count(Outcome::Archived),
            self.count(Outcome::Unarchived),
            self.count(Outcome::Deleted),
            self.count(Outcome::Failed),
            self.count(Outcome::Pending),
            self.count(Outcome::Skipped),
        );
        if self.references_created() > 0 {
            out.push_str(&format!(
                "  (and {} brands, categories or other references created)\n",
                self.references_created()
            ));
        }
        for p in self.problems() {
            let origin = if p.origin.is_empty() || p.origin == [p.key.clone()] {
                String::new()
            } else {
                format!(" ({})", p.origin.join(", "))
            };
            out.push_str(&format!(
                "  {:?} {}{}: {}\n",
                p.outcome,
                p.key,
                origin,
                p.message.as_deref().unwrap_or("")
            ));
        }
        out
    }
}

/// Saves each partial result of an operation as the item's state, not yet complete.
struct StateCheckpoint<'a> {
    state: &'a dyn StateStore,
    key: &'a str,
}

#[async_trait]
impl Checkpoint for StateCheckpoint<'_> {
    async fn save(&self, partial: &ActualItem) {
        let saved = self
            .state
            .put_item(
                self.key,
                &ItemState {
                    actual: partial.clone(),
                    fingerprint: None,
                },
            )
            .await;
        if let Err(e) = saved {
            tracing::error!(key = self.key, error = %e, "checkpoint not saved");
        }
    }
}

fn report(step: &Step, outcome: Outcome, message: Option<String>) -> ItemReport {
    ItemReport {
        key: step.key.clone(),
        outcome,
        message,
        origin: step.origin.clone(),
        reference: step.action == Action::CreateReference,
    }
}

/// A step the apply did not start because it was asked to stop: pending, for the next run.
fn not_started(step: &Step) -> ItemReport {
    report(step, Outcome::Pending, Some(NOT_STARTED.into()))
}

/// A step's write, decided against the target's current view.
struct Job<'p> {
    index: usize,
    step: &'p Step,
    op: Operation,
    /// Whether the item was created in this run (its update finishes the create).
    created: bool,
}

/// What does not change during a run.
struct Ctx<'a> {
    plan: &'a Plan,
    target: &'a dyn CatalogTarget,
    state: &'a dyn StateStore,
    concurrency: usize,
    scope: ReadScope,
    progress: Option<ProgressFn>,
    started: Instant,
    done: AtomicUsize,
    stop: Option<StopSignal>,
}

impl Ctx<'_> {
    /// Whether the run was asked to stop (no new item starts).
    fn stopping(&self) -> bool {
        self.stop.as_ref().is_some_and(StopSignal::is_stopped)
    }

    fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(p) = &self.progress {
            let secs = self.started.elapsed().as_secs_f64().max(1e-3);
            p(Progress {
                done,
                total: self.plan.steps.len(),
                rate: done as f64 / secs,
            });
        }
    }

    async fn mark(&self, step: &Step, mark: ProgressMark) -> Result<()> {
        self.state
            .set_progress(&self.plan.id, &step.key, &mark)
            .await
    }

    /// A target error as the step's outcome (recorded), or the error that stops the run.
    async fn failed(&self, step: &Step, e: TargetError) -> Result<ItemReport> {
        let (outcome, mark) = match e.class {
            ErrorClass::Fatal => return Err(Error::Target(e)),
            ErrorClass::Rejected => (Outcome::Failed, ProgressMark::Failed(e.message.clone())),
            ErrorClass::Transient => (Outcome::Pending, ProgressMark::Pending(e.message.clone())),
        };
        self.mark(step, mark).await?;
        Ok(report(step, outcome, Some(e.message)))
    }
}

/// One apply in progress: its context, the outcomes so far, and what the reference steps
/// left behind.
struct Run<'a> {
    ctx: Ctx<'a>,
    results: BTreeMap<usize, ItemReport>,
    references: References,
    /// Why a reference record is missing, by its step key (`brand:Acme`).
    reference_failures: BTreeMap<String, TargetError>,
}

/// Applies `plan` to `target`, recording in `state`. Returns the per-item report; fails only
/// for errors that stop a run (authentication, configuration, the state store).
pub async fn apply(
    plan: &Plan,
    target: &dyn CatalogTarget,
    state: &dyn StateStore,
    options: &ApplyOptions,
) -> Result<Report> {
    let references: BTreeSet<String> = plan
        .steps
        .iter()
        .filter_map(|s| match s.op.as_deref() {
            Some(Operation::Create { item, .. } | Operation::Update { item, .. }) => {
                Some(item.refs.keys().cloned())
            }
            _ => None,
        })
        .flatten()
        .collect();
    let mut run = Run {
        ctx: Ctx {
            plan,
            target,
            state,
            concurrency: options.concurrency.max(1),
            scope: ReadScope {
                languages: options.languages.clone(),
                references: references.into_iter().collect(),
            },
            progress: options.progress.clone(),
            started: Instant::now(),
            done: AtomicUsize::new(0),
            stop: options.stop.clone(),
        },
        results: BTreeMap::new(),
        references: plan.references.clone(),
        reference_failures: BTreeMap::new(),
    };
    recover(target, state, &run.ctx.scope).await?;
    run.create_references().await?;
    let changed = run.drift().await?;
    let jobs = run.prepare(&changed).await?;
    let (creates, others): (Vec<_>, Vec<_>) = jobs
        .into_iter()
        .partition(|j| matches!(j.op, Operation::Create { .. }));
    let created = run.create_items(creates).await?;
    let mut jobs = run.complete_creates(created).await?;
    jobs.extend(others);
    run.finish(jobs).await?;
    run.end().await
}

/// Finds what open create intents made (their answers were lost) and remembers it, so that
/// nothing is created twice; closes the intents of creates that never landed. Runs at the
/// start of every apply and plan; a no-op when no intent is open.
pub async fn recover(
    target: &dyn CatalogTarget,
    state: &dyn StateStore,
    scope: &ReadScope,
) -> Result<usize> {
    let intents: Vec<Intent> = state
        .intents()
        .await?
        .into_iter()
        .filter(|i| i.op == CREATE)
        .collect();
    if intents.is_empty() {
        return Ok(0);
    }
    let found = target
        .recover(&intents, scope)
        .await
        .map_err(Error::Target)?;
    for intent in &intents {
        if let Some(actual) = found.get(&intent.key) {
            tracing::info!(key = %intent.key, id = %actual.id, "a create whose answer was lost is found by its marker");
            state
                .put_item(
                    &intent.key,
                    &ItemState {
                        actual: actual.clone(),
                        fingerprint: None,
                    },
                )
                .await?;
        }
        state.close_intent(&intent.key, CREATE).await?;
    }
    Ok(found.len())
}

impl<'a> Run<'a> {
    /// Step 2: the reference records, in plan order (parents before children).
    async fn create_references(&mut self) -> Result<()> {
        self.refresh_references().await?;
        let ctx = &self.ctx;
        for (index, step) in ctx.plan.steps.iter().enumerate() {
            let Some(Operation::CreateReference { field, name, .. }) = step.op.as_deref() else {
                continue;
            };
            if ctx.stopping() {
                self.results.insert(index, not_started(step));
                ctx.tick();
                continue;
            }
            // Made since the plan was: by an earlier apply of this plan, another run or a
            // person. Creating it again would make a second one of the same name.
            if let Some(id) = self.references.id(field, name) {
                let message = format!("exists already (id {id}), made since the plan was");
                self.results
                    .insert(index, report(step, Outcome::Unchanged, Some(message)));
                ctx.tick();
                continue;
            }
            // A category's parent was created by an earlier step, or existed.
            let parent_path = name.rsplit_once(" > ").map(|(p, _)| p);
            let parent = parent_path.and_then(|p| self.references.id(field, p).map(str::to_string));
            let outcome = match (parent_path, &parent) {
                (Some(p), None) => {
                    // As final as its parent's failure.
                    let parent = self.reference_failures.get(&format!("{field}:{p}"));
                    let why = parent.map_or("it is not in the target", |e| e.message.as_str());
                    let e = TargetError {
                        class: parent.map_or(ErrorClass::Transient, |e| e.class),
                        message: format!("its parent {p:?} was not created: {why}"),
                        source: None,
                    };
                    self.reference_failures.insert(step.key.clone(), e.clone());
                    ctx.failed(step, e).await?
                }
                _ => {
                    let op = Operation::CreateReference {
                        field: field.clone(),
                        name: name.clone(),
                        parent,
                    };
                    match ctx.target.apply(&op, &NoCheckpoint).await {
                        Ok(Applied::Created(id)) => {
                            self.references.insert(field, name.clone(), id);
                            report(step, Outcome::Created, None)
                        }
                        Ok(other) => {
                            let e = TargetError::rejected(format!("unexpected answer {other:?}"));
                            self.reference_failures.insert(step.key.clone(), e.clone());
                            ctx.failed(step, e).await?
                        }
                        Err(e) => {
                            if !is_fatal(&e) {
                                self.reference_failures.insert(step.key.clone(), e.clone());
                            }
                            ctx.failed(step, e).await?
                        }
                    }
                }
            };
            self.results.insert(index, outcome);
            ctx.tick();
        }
        Ok(())
    }

    /// Before creating references: the target's current ones for the fields the plan
    /// creates in, so that a plan applied twice, or after another run made the same brand,
    /// creates nothing twice (reference records carry no ledger marker; their name is their
    /// key in the target). One read per field, only when the plan creates references.
    async fn refresh_references(&mut self) -> Result<()> {
        let fields: BTreeSet<String> = self
            .ctx
            .plan
            .steps
            .iter()
            .filter_map(|s| match s.op.as_deref() {
                Some(Operation::CreateReference { field, .. }) => Some(field.clone()),
                _ => None,
            })
            .collect();
        if fields.is_empty() {
            return Ok(());
        }
        let fields: Vec<String> = fields.into_iter().collect();
        let current = self
            .ctx
            .target
            .references(&fields)
            .await
            .map_err(Error::Target)?;
        for (field, names) in current.by_field {
            for (name, id) in names {
                self.references.insert(&field, name, id);
            }
        }
        Ok(())
    }

    /// Step 3: edits made behind the sync's back since the last run (a trusted-state plan
    /// with updates only; a reconcile has just read everything).
    async fn drift(&self) -> Result<BTreeMap<String, String>> {
        let ctx = &self.ctx;
        let has_updates = ctx
            .plan
            .steps
            .iter()
            .any(|s| matches!(s.op.as_deref(), Some(Operation::Update { .. })));
        if !has_updates || ctx.plan.full_reconcile {
            return Ok(BTreeMap::new());
        }
        let Some(since) = ctx.state.cursor(LAST_RUN).await? else {
            return Ok(BTreeMap::new());
        };
        match ctx.target.changed_since(&since).await {
            Ok(changed) => Ok(changed),
            Err(e) if is_fatal(&e) => Err(Error::Target(e)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot check for concurrent edits; items are re-read");
                Ok(BTreeMap::new())
            }
        }
    }

    /// Step 4: every remaining step's write, or its outcome when there is nothing to write.
    async fn prepare(&mut self, changed: &BTreeMap<String, String>) -> Result<Vec<Job<'a>>> {
        let plan = self.ctx.plan;
        let pending: Vec<(usize, &'a Step)> = plan
            .steps
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.results.contains_key(i))
            .collect();
        let ctx = &self.ctx;
        let references = &self.references;
        let mut jobs = Vec::with_capacity(pending.len());
        let mut stream = futures::stream::iter(pending)
            .map(|(index, step)| async move {
                if ctx.stopping() && step.op.is_some() {
                    return (index, step, Ok(Err(not_started(step))));
                }
                (index, step, prepare(ctx, references, changed, step).await)
            })
            .buffer_unordered(ctx.concurrency);
        while let Some((index, step, prepared)) = stream.next().await {
            match prepared? {
                Ok(op) => jobs.push(Job {
                    index,
                    step,
                    op,
                    created: false,
                }),
                Err(done) => {
                    self.results.insert(index, done);
                    ctx.tick();
                }
            }
        }
        jobs.sort_by_key(|j| j.index);
        Ok(jobs)
    }

    /// Step 5: the creates, each behind an intent in the ledger. Answers the created items,
    /// partly written, for their completion.
    async fn create_items(&mut self, jobs: Vec<Job<'a>>) -> Result<Vec<(Job<'a>, ActualItem)>> {
        let ctx = &self.ctx;
        let at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        let after = ctx.target.watermark();
        let mut created = Vec::with_capacity(jobs.len());
        let mut stream = futures::stream::iter(jobs)
            .map(|job| {
                let at = at.clone();
                let after = after.clone();
                async move {
                    if ctx.stopping() {
                        let pending = not_started(job.step);
                        return (job, Ok(Err(pending)));
                    }
                    let result = create(ctx, &job, at, after).await;
                    (job, result)
                }
            })
            .buffer_unordered(ctx.concurrency);
        while let Some((job, result)) = stream.next().await {
            match result? {
                Ok(partial) => created.push((job, partial)),
                Err(done) => {
                    self.results.insert(job.index, done);
                    ctx.tick();
                }
            }
        }
        created.sort_by_key(|(j, _)| j.index);
        Ok(created)
    }

    /// Step 6: what the creates left unknown, for all at once; each created item then goes on
    /// to the update that finishes it, unless it is complete already.
    async fn complete_creates(
        &mut self,
        created: Vec<(Job<'a>, ActualItem)>,
    ) -> Result<Vec<Job<'a>>> {
        let ctx = &self.ctx;
        let mut partials: Vec<ActualItem> = created.iter().map(|(_, a)| a.clone()).collect();
        if partials.is_empty() {
            return Ok(Vec::new());
        }
        if let Err(e) = ctx.target.complete_creates(&mut partials).await {
            // The items exist and their state says so; the next run finishes them.
            for (job, _) in &created {
                let done = ctx.failed(job.step, e.clone()).await?;
                self.results.insert(job.index, done);
                ctx.tick();
            }
            return Ok(Vec::new());
        }
        let mut jobs = Vec::new();
        for ((job, _), partial) in created.into_iter().zip(partials) {
            let Operation::Create { item, resolved } = job.op else {
                continue;
            };
            ctx.state
                .put_item(
                    &job.step.key,
                    &ItemState {
                        actual: partial.clone(),
                        fingerprint: None,
                    },
                )
                .await?;
            if ItemDiff::new(&item, Some(&partial), &resolved).is_empty() {
                let done = settle(
                    &self.ctx,
                    &self.reference_failures,
                    job.step,
                    &resolved,
                    Outcome::Created,
                    partial,
                )
                .await?;
                self.results.insert(job.index, done);
                self.ctx.tick();
                continue;
            }
            jobs.push(Job {
                index: job.index,
                step: job.step,
                op: Operation::Update {
                    before: partial,
                    item,
                    resolved,
                },
                created: true,
            });
        }
        Ok(jobs)
    }

    /// Step 7: updates, archives and deletes, `concurrency` at a time.
    async fn finish(&mut self, mut jobs: Vec<Job<'a>>) -> Result<()> {
        jobs.sort_by_key(|j| j.index);
        let ctx = &self.ctx;
        let mut stream = futures::stream::iter(jobs)
            .map(|job| async move {
                if ctx.stopping() {
                    return (job, None);
                }
                let checkpoint = StateCheckpoint {
                    state: ctx.state,
                    key: &job.step.key,
                };
                let applied = ctx.target.apply(&job.op, &checkpoint).await;
                (job, Some(applied))
            })
            .buffer_unordered(ctx.concurrency);
        let failures = &self.reference_failures;
        let mut fatal = None;
        while let Some((job, applied)) = stream.next().await {
            let done = match applied {
                // Not started; a create's item exists and its state says so (no fingerprint),
                // so the next run finishes it.
                None => Ok(not_started(job.step)),
                Some(Ok(applied)) => record(ctx, failures, &job, applied).await,
                Some(Err(e)) => ctx.failed(job.step, e).await,
            };
            match done {
                Ok(done) => {
                    self.results.insert(job.index, done);
                    ctx.tick();
                }
                Err(e) => {
                    fatal.get_or_insert(e);
                }
            }
        }
        drop(stream);
        match fatal {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Step 8: the run's end. A run that left nothing unfinished forgets its progress marks.
    async fn end(self) -> Result<Report> {
        let ctx = &self.ctx;
        let report = Report {
            items: self.results.into_values().collect(),
        };
        if report.is_complete() {
            ctx.state.clear_progress(&ctx.plan.id).await?;
        }
        ctx.state.set_cursor(LAST_RUN, &ctx.plan.created_at).await?;
        Ok(report)
    }
}

/// Step 4 for one step: its write against the target's current view (`Ok`), or its outcome
/// already (`Err`).
async fn prepare(
    ctx: &Ctx<'_>,
    references: &References,
    changed: &BTreeMap<String, String>,
    step: &Step,
) -> Result<std::result::Result<Operation, ItemReport>> {
    let Some(op) = step.op.as_deref() else {
        // Unchanged: remember the fingerprint if the state lacks it (an interrupted run
        // finished this item without recording it). Skipped: nothing.
        if step.action == Action::Unchanged
            && let Some(f) = &step.fingerprint
            && let Some(mut s) = ctx.state.item(&step.key).await?
            && s.fingerprint.as_ref() != Some(f)
        {
            s.fingerprint = Some(f.clone());
            ctx.state.put_item(&step.key, &s).await?;
        }
        let outcome = if step.action == Action::Skip {
            Outcome::Skipped
        } else {
            Outcome::Unchanged
        };
        return Ok(Err(report(step, outcome, step.reason.clone())));
    };
    ctx.mark(step, ProgressMark::Started).await?;
    let (item, before) = match op {
        Operation::Create { item, .. } => (item, None),
        Operation::Update { item, before, .. } => (item, Some(before)),
        other => return Ok(Ok(other.clone())),
    };
    let resolved = references.resolve(item);
    // What the target has: as planned, or read again when the state knows better (a create
    // recovered or finished by an interrupted run), when someone changed it, or when an
    // interrupted run left it half-done.
    let known = ctx.state.item(&step.key).await?;
    let stale = known.as_ref().is_some_and(|s| s.fingerprint.is_none());
    let reread = match (before, &known) {
        (None, Some(known)) => Some(known.actual.id.clone()),
        (Some(before), _)
            if stale
                || changed
                    .get(&before.id)
                    .is_some_and(|u| Some(u) != before.updated_at.as_ref()) =>
        {
            Some(before.id.clone())
        }
        _ => None,
    };
    let current = match reread {
        Some(id) => match ctx.target.fetch(&id, &ctx.scope).await {
            Ok(found) => found,
            Err(e) => return Ok(Err(ctx.failed(step, e).await?)),
        },
        None => before.cloned(),
    };
    let current = match current {
        Some(current) => Some(current),
        None => {
            if known.is_some() {
                // Gone from the target: created anew.
                ctx.state.remove_item(&step.key).await?;
            }
            // The lookup before a create: an item holding its SKUs is adopted.
            match ctx.target.find_by_sku(item, &ctx.scope).await {
                Ok(found) => found,
                Err(e) => return Ok(Err(ctx.failed(step, e).await?)),
            }
        }
    };
    let Some(before) = current else {
        return Ok(Ok(Operation::Create {
            item: item.clone(),
            resolved,
        }));
    };
    if ItemDiff::new(item, Some(&before), &resolved).is_empty()
        && resolved.missing.is_empty()
        && step.action != Action::Unarchive
    {
        ctx.state
            .put_item(
                &step.key,
                &ItemState {
                    actual: before,
                    fingerprint: step.fingerprint.clone(),
                },
            )
            .await?;
        ctx.mark(step, ProgressMark::Done).await?;
        return Ok(Err(report(step, Outcome::Unchanged, None)));
    }
    // Not complete from here until the update is: should the first write land and its answer
    // be lost, the next run must read the item again rather than trust the state's copy
    // (a repeated image or link POST would make a second one, a repeated DELETE a 404).
    if known.as_ref().is_none_or(|s| s.fingerprint.is_some()) {
        ctx.state
            .put_item(
                &step.key,
                &ItemState {
                    actual: before.clone(),
                    fingerprint: None,
                },
            )
            .await?;
    }
    Ok(Ok(Operation::Update {
        before,
        item: item.clone(),
        resolved,
    }))
}

/// Step 5 for one create: the intent, the write, the new id recorded, the intent closed.
/// `Ok(Ok(partial))`: created; `Ok(Err(report))`: failed; `Err`: the run stops.
async fn create(
    ctx: &Ctx<'_>,
    job: &Job<'_>,
    at: String,
    after: Option<String>,
) -> Result<std::result::Result<ActualItem, ItemReport>> {
    let key = &job.step.key;
    ctx.state
        .open_intent(&Intent {
            key: key.clone(),
            op: CREATE.into(),
            marker: ctx.target.marker(key),
            at,
            after,
        })
        .await?;
    let checkpoint = StateCheckpoint {
        state: ctx.state,
        key,
    };
    match ctx.target.apply(&job.op, &checkpoint).await {
        Ok(Applied::Item(partial)) => {
            ctx.state
                .put_item(
                    key,
                    &ItemState {
                        actual: partial.clone(),
                        fingerprint: None,
                    },
                )
                .await?;
            ctx.state.close_intent(key, CREATE).await?;
            Ok(Ok(partial))
        }
        Ok(other) => {
            ctx.state.close_intent(key, CREATE).await?;
            let e = TargetError::rejected(format!("unexpected answer {other:?}"));
            Ok(Err(ctx.failed(job.step, e).await?))
        }
        // Whatever the error, the create may have landed (a body cut after the write reads
        // as undecodable, not as refused): the intent stays open, and the next run's
        // recovery looks for the item before anything is sent again.
        Err(e) => Ok(Err(ctx.failed(job.step, e).await?)),
    }
}

/// Records what an operation left, and how the step ended.
async fn record(
    ctx: &Ctx<'_>,
    failures: &BTreeMap<String, TargetError>,
    job: &Job<'_>,
    applied: Applied,
) -> Result<ItemReport> {
    let step = job.step;
    match (applied, &job.op) {
        (Applied::Removed, _) => {
            ctx.state.remove_item(&step.key).await?;
            ctx.mark(step, ProgressMark::Done).await?;
            Ok(report(step, Outcome::Deleted, None))
        }
        (Applied::Item(actual), Operation::Archive { .. }) => {
            let fingerprint = ctx.state.item(&step.key).await?.and_then(|s| s.fingerprint);
            ctx.state
                .put_item(
                    &step.key,
                    &ItemState {
                        actual,
                        fingerprint,
                    },
                )
                .await?;
            ctx.mark(step, ProgressMark::Done).await?;
            Ok(report(step, Outcome::Archived, None))
        }
        (Applied::Item(actual), op) => {
            let outcome = match (op, step.action) {
                (_, Action::Unarchive) => Outcome::Unarchived,
                (Operation::Create { .. }, _) => Outcome::Created,
                _ if job.created || step.action == Action::Create => Outcome::Created,
                _ => Outcome::Updated,
            };
            let resolved = match op {
                Operation::Create { resolved, .. } | Operation::Update { resolved, .. } => {
                    resolved.clone()
                }
                _ => Resolved::default(),
            };
            settle(ctx, failures, step, &resolved, outcome, actual).await
        }
        (Applied::Created(id), _) => Ok(report(
            step,
            Outcome::Failed,
            Some(format!("unexpected answer: a reference {id}")),
        )),
    }
}

/// An item written as far as it could be: complete (its fingerprint recorded) when every
/// reference it names resolved, else pending with the reason, to be finished by the next
/// run.
async fn settle(
    ctx: &Ctx<'_>,
    failures: &BTreeMap<String, TargetError>,
    step: &Step,
    resolved: &Resolved,
    outcome: Outcome,
    actual: ActualItem,
) -> Result<ItemReport> {
    if resolved.missing.is_empty() {
        ctx.state
            .put_item(
                &step.key,
                &ItemState {
                    actual,
                    fingerprint: step.fingerprint.clone(),
                },
            )
            .await?;
        ctx.mark(step, ProgressMark::Done).await?;
        return Ok(report(step, outcome, None));
    }
    ctx.state
        .put_item(
            &step.key,
            &ItemState {
                actual,
                fingerprint: None,
            },
        )
        .await?;
    let mut class = ErrorClass::Transient;
    let reasons: Vec<String> = resolved
        .missing
        .iter()
        .map(|missing| {
            // `brand "Acme"` is the step `brand:Acme`.
            let key = missing
                .split_once(' ')
                .map(|(field, name)| format!("{field}:{}", name.trim_matches('"')))
                .unwrap_or_default();
            match failures.get(&key) {
                Some(e) => {
                    if e.class == ErrorClass::Rejected {
                        class = ErrorClass::Rejected;
                    }
                    format!("{missing} was not created: {}", e.message)
                }
                None => format!("{missing} is not in the target"),
            }
        })
        .collect();
    let message = format!(
        "written without {}; the next run finishes it",
        reasons.join("; ")
    );
    ctx.failed(
        step,
        TargetError {
            class,
            message,
            source: None,
        },
    )
    .await
}
