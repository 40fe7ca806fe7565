//! The executor: applies exactly a given plan, item by item, with bounded concurrency,
//! checkpointing each outcome in the state store as soon as the target confirms it.
//!
//! - Taxonomy steps (brands, categories) run first, in order; their ids resolve the items.
//! - Before updates, one call lists what changed in the target since the state last saw it;
//!   an item changed behind the sync's back is read again and re-planned, not overwritten.
//! - Before a create, the target is asked whether the item already exists (by SKU, or, after
//!   an interrupted run, by title among products created since), so a retry never duplicates.
//! - A refused item fails with the API's message; an item that keeps failing transiently stays
//!   pending for the next run; only authentication or configuration errors stop the run.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::diff::ItemDiff;
use crate::error::{Error, ErrorClass, Result, TargetError};
use crate::item::ActualItem;
use crate::plan::{Action, Plan, Step};
use crate::planner::resolve;
use crate::state::{ItemState, ProgressMark, StateStore};
use crate::target::{Applied, CatalogTarget, Checkpoint, Operation, Taxonomy};

/// The cursor set while a run is under way (cleared when it ends with nothing pending): the
/// time the next run's lookups before create reach back to.
pub const UNFINISHED_SINCE: &str = "unfinished_since";
/// The cursor of the last run's end.
pub const LAST_RUN: &str = "last_run";

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

/// How the executor runs.
#[derive(Clone)]
pub struct ApplyOptions {
    /// Items applied at once (they share the client's rate limiter).
    pub concurrency: usize,
    /// Called after each step.
    pub progress: Option<ProgressFn>,
    /// Languages whose texts the items carry (for re-reads).
    pub languages: Vec<String>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            concurrency: 4,
            progress: None,
            languages: Vec::new(),
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
    /// Refused by the target (the message says why).
    Failed,
    /// Kept failing transiently; the next run tries again.
    Pending,
    /// Not planned (the reason says why).
    Skipped,
}

/// One step's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemReport {
    /// The item's key.
    pub key: String,
    /// How it ended.
    pub outcome: Outcome,
    /// The API's message or the skip reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Where it came from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origin: Vec<String>,
    /// Whether it is a brand or category the items needed, not an item.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub taxonomy: bool,
}

/// What an apply did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Per step, in plan order.
    pub items: Vec<ItemReport>,
}

impl Report {
    /// Items (brands and categories not counted) that ended as `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.items
            .iter()
            .filter(|i| i.outcome == outcome && !i.taxonomy)
            .count()
    }

    /// Brands and categories created.
    pub fn taxonomy_created(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.taxonomy && i.outcome == Outcome::Created)
            .count()
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
        if self.taxonomy_created() > 0 {
            out.push_str(&format!(
                "  (and {} brands or categories created)\n",
                self.taxonomy_created()
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
        taxonomy: matches!(step.action, Action::CreateBrand | Action::CreateCategory),
    }
}

/// Applies `plan` to `target`, recording in `state`. Returns the per-item report; fails only
/// for errors that stop a run (authentication, configuration, the state store).
pub async fn apply(
    plan: &Plan,
    target: &dyn CatalogTarget,
    state: &dyn StateStore,
    options: &ApplyOptions,
) -> Result<Report> {
    let started = Instant::now();
    let total = plan.steps.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let tick = || {
        let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if let Some(p) = &options.progress {
            let secs = started.elapsed().as_secs_f64().max(1e-3);
            p(Progress {
                done: d,
                total,
                rate: d as f64 / secs,
            });
        }
    };
    let writes = plan.steps.iter().any(|s| s.op.is_some());
    let unfinished = state.cursor(UNFINISHED_SINCE).await?;
    if writes && unfinished.is_none() {
        state.set_cursor(UNFINISHED_SINCE, &plan.created_at).await?;
    }
    let mut results: BTreeMap<usize, ItemReport> = BTreeMap::new();

    // Taxonomy first, in order.
    let mut taxonomy = plan.taxonomy.clone();
    for (i, step) in plan.steps.iter().enumerate() {
        let Some(op @ (Operation::CreateBrand { .. } | Operation::CreateCategory { .. })) =
            step.op.as_deref()
        else {
            continue;
        };
        // A category's parent was created by an earlier step, or existed.
        let resolved;
        let op = match op {
            Operation::CreateCategory { path, .. } => {
                let parent = path
                    .rsplit_once(" > ")
                    .and_then(|(p, _)| taxonomy.categories.get(p).cloned());
                resolved = Operation::CreateCategory {
                    path: path.clone(),
                    parent,
                };
                &resolved
            }
            other => other,
        };
        let outcome = match target.apply(op, &crate::target::NoCheckpoint).await {
            Ok(Applied::Created(id)) => {
                match op {
                    Operation::CreateBrand { title } => taxonomy.brands.insert(title.clone(), id),
                    Operation::CreateCategory { path, .. } => {
                        taxonomy.categories.insert(path.clone(), id)
                    }
                    _ => None,
                };
                report(step, Outcome::Created, None)
            }
            Ok(other) => report(
                step,
                Outcome::Failed,
                Some(format!("unexpected answer {other:?}")),
            ),
            Err(e) if e.class == ErrorClass::Fatal => return Err(Error::Target(e)),
            Err(e) => report(
                step,
                if e.class == ErrorClass::Rejected {
                    Outcome::Failed
                } else {
                    Outcome::Pending
                },
                Some(e.message),
            ),
        };
        results.insert(i, outcome);
        tick();
    }

    // Edits behind the sync's back since the state last saw the items.
    let since = state.cursor(LAST_RUN).await?;
    let has_updates = plan
        .steps
        .iter()
        .any(|s| matches!(s.op.as_deref(), Some(Operation::Update { .. })));
    let changed: BTreeMap<String, String> = match (&since, has_updates && !plan.full_reconcile) {
        (Some(since), true) => match target.changed_since(since).await {
            Ok(c) => c,
            Err(e) if e.class == ErrorClass::Fatal => return Err(Error::Target(e)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot check for concurrent edits; items are re-read");
                BTreeMap::new()
            }
        },
        _ => BTreeMap::new(),
    };

    let taxonomy = &taxonomy;
    let changed = &changed;
    let unfinished = unfinished.as_deref();
    let pending: Vec<(usize, &Step)> = plan
        .steps
        .iter()
        .enumerate()
        .filter(|(i, _)| !results.contains_key(i))
        .collect();
    let concurrency = options.concurrency.max(1);

    // 1. Decide each step's write against the target's current view.
    let mut prepared = Vec::with_capacity(pending.len());
    {
        let mut stream = futures::stream::iter(pending)
            .map(|(i, step)| async move {
                (
                    i,
                    step,
                    prepare(
                        step, plan, target, state, taxonomy, changed, unfinished, options,
                    )
                    .await,
                )
            })
            .buffer_unordered(concurrency);
        while let Some((i, step, r)) = stream.next().await {
            match r? {
                Prepared::Done(rep) => {
                    results.insert(i, rep);
                    tick();
                }
                Prepared::Write(op) => prepared.push((i, step, *op)),
            }
        }
    }
    prepared.sort_by_key(|(i, _, _)| *i);

    // 2. Creates, then what they leave unknown for all of them at once.
    let (creates, others): (Vec<_>, Vec<_>) = prepared
        .into_iter()
        .partition(|(_, _, op)| matches!(op, Operation::Create { .. }));
    let mut follow_ups = Vec::new();
    {
        let mut stream = futures::stream::iter(creates)
            .map(|(i, step, op)| async move {
                let checkpoint = StateCheckpoint {
                    state,
                    key: &step.key,
                };
                (i, step, op.clone(), target.apply(&op, &checkpoint).await)
            })
            .buffer_unordered(concurrency);
        while let Some((i, step, op, r)) = stream.next().await {
            match r {
                Ok(Applied::Item(actual)) => follow_ups.push((i, step, op, actual)),
                Ok(other) => {
                    results.insert(
                        i,
                        report(
                            step,
                            Outcome::Failed,
                            Some(format!("unexpected answer {other:?}")),
                        ),
                    );
                    tick();
                }
                Err(e) => {
                    results.insert(i, classify(step, plan, state, e).await?);
                    tick();
                }
            }
        }
    }
    let mut partials: Vec<ActualItem> = follow_ups.iter().map(|(_, _, _, a)| a.clone()).collect();
    if !partials.is_empty()
        && let Err(e) = target.complete_creates(&mut partials).await
    {
        if e.class == ErrorClass::Fatal {
            return Err(Error::Target(e));
        }
        for (i, step, _, _) in &follow_ups {
            results.insert(*i, classify(step, plan, state, e.clone()).await?);
            tick();
        }
        partials.clear();
        follow_ups.clear();
    }
    let mut jobs: Vec<(usize, &Step, Operation, bool)> = others
        .into_iter()
        .map(|(i, step, op)| (i, step, op, false))
        .collect();
    for ((i, step, op, _), partial) in follow_ups.into_iter().zip(partials) {
        if let Operation::Create { item, resolved } = op {
            let complete = ItemDiff::new(&item, Some(&partial), &resolved).is_empty();
            let fingerprint = complete.then(|| step.fingerprint.clone()).flatten();
            state
                .put_item(
                    &step.key,
                    &ItemState {
                        actual: partial.clone(),
                        fingerprint,
                    },
                )
                .await?;
            if complete {
                state
                    .set_progress(&plan.id, &step.key, &ProgressMark::Done)
                    .await?;
                results.insert(i, report(step, Outcome::Created, None));
                tick();
            } else {
                jobs.push((
                    i,
                    step,
                    Operation::Update {
                        before: partial,
                        item,
                        resolved,
                    },
                    true,
                ));
            }
        }
    }

    // 3. Everything else: updates (and the rest of each create), archives, deletes.
    let mut stream = futures::stream::iter(jobs)
        .map(|(i, step, op, created)| async move {
            (i, finish(step, plan, target, state, &op, created).await)
        })
        .buffer_unordered(concurrency);
    let mut fatal = None;
    while let Some((i, r)) = stream.next().await {
        match r {
            Ok(rep) => {
                results.insert(i, rep);
            }
            Err(e) => {
                fatal.get_or_insert(e);
            }
        }
        tick();
    }
    drop(stream);
    if let Some(e) = fatal {
        return Err(e);
    }
    let report = Report {
        items: results.into_values().collect(),
    };
    let clean = report.count(Outcome::Pending) == 0;
    if clean {
        state.clear_progress(&plan.id).await?;
        if writes || unfinished.is_some() {
            state.set_cursor(UNFINISHED_SINCE, "").await?;
        }
    }
    state.set_cursor(LAST_RUN, &plan.created_at).await?;
    Ok(report)
}

/// A step's write, decided against the target's current view, or its outcome already.
enum Prepared {
    Done(ItemReport),
    Write(Box<Operation>),
}

#[allow(clippy::too_many_arguments)]
async fn prepare(
    step: &Step,
    plan: &Plan,
    target: &dyn CatalogTarget,
    state: &dyn StateStore,
    taxonomy: &Taxonomy,
    changed: &BTreeMap<String, String>,
    unfinished: Option<&str>,
    options: &ApplyOptions,
) -> Result<Prepared> {
    let Some(op) = step.op.as_deref() else {
        // Unchanged: remember the fingerprint if the state lacks it (an interrupted run
        // finished this item without recording it). Skipped: nothing.
        if step.action == Action::Unchanged
            && let Some(f) = &step.fingerprint
            && let Some(mut s) = state.item(&step.key).await?
            && s.fingerprint.as_ref() != Some(f)
        {
            s.fingerprint = Some(f.clone());
            state.put_item(&step.key, &s).await?;
        }
        let outcome = if step.action == Action::Skip {
            Outcome::Skipped
        } else {
            Outcome::Unchanged
        };
        return Ok(Prepared::Done(report(step, outcome, step.reason.clone())));
    };
    state
        .set_progress(&plan.id, &step.key, &ProgressMark::Started)
        .await?;
    let unfinished = unfinished.filter(|s| !s.is_empty());
    let op = match op {
        Operation::Create { item, .. } => match target.find_existing(item, unfinished).await {
            // It exists already (a create that landed before a crash): update it.
            Ok(Some(existing)) => Operation::Update {
                before: existing,
                item: item.clone(),
                resolved: resolve(item, taxonomy),
            },
            Ok(None) => Operation::Create {
                item: item.clone(),
                resolved: resolve(item, taxonomy),
            },
            Err(e) => return Ok(Prepared::Done(classify(step, plan, state, e).await?)),
        },
        Operation::Update { before, item, .. } => {
            let stale_state = state
                .item(&step.key)
                .await?
                .is_some_and(|s| s.fingerprint.is_none());
            let moved = changed
                .get(&before.id)
                .is_some_and(|u| Some(u) != before.updated_at.as_ref());
            let before = if moved || stale_state {
                // Changed behind the sync's back, or left half-done: re-plan on a fresh read.
                match target.fetch(&before.id, &options.languages).await {
                    Ok(Some(fresh)) => fresh,
                    Ok(None) => {
                        state.remove_item(&step.key).await?;
                        return Ok(Prepared::Write(Box::new(Operation::Create {
                            item: item.clone(),
                            resolved: resolve(item, taxonomy),
                        })));
                    }
                    Err(e) => return Ok(Prepared::Done(classify(step, plan, state, e).await?)),
                }
            } else {
                before.clone()
            };
            let resolved = resolve(item, taxonomy);
            if ItemDiff::new(item, Some(&before), &resolved).is_empty() && !step_unarchives(step) {
                state
                    .put_item(
                        &step.key,
                        &ItemState {
                            actual: before,
                            fingerprint: step.fingerprint.clone(),
                        },
                    )
                    .await?;
                state
                    .set_progress(&plan.id, &step.key, &ProgressMark::Done)
                    .await?;
                return Ok(Prepared::Done(report(step, Outcome::Unchanged, None)));
            }
            Operation::Update {
                before,
                item: item.clone(),
                resolved,
            }
        }
        other => other.clone(),
    };
    Ok(Prepared::Write(Box::new(op)))
}

fn step_unarchives(step: &Step) -> bool {
    step.action == Action::Unarchive
}

async fn finish(
    step: &Step,
    plan: &Plan,
    target: &dyn CatalogTarget,
    state: &dyn StateStore,
    op: &Operation,
    created: bool,
) -> Result<ItemReport> {
    let checkpoint = StateCheckpoint {
        state,
        key: &step.key,
    };
    let applied = match target.apply(op, &checkpoint).await {
        Ok(a) => a,
        Err(e) => return classify(step, plan, state, e).await,
    };
    let outcome = match (&applied, op) {
        (Applied::Removed, _) => {
            state.remove_item(&step.key).await?;
            Outcome::Deleted
        }
        (Applied::Item(actual), _) => {
            let fingerprint = match op {
                Operation::Archive { .. } => {
                    state.item(&step.key).await?.and_then(|s| s.fingerprint)
                }
                _ => step.fingerprint.clone(),
            };
            state
                .put_item(
                    &step.key,
                    &ItemState {
                        actual: actual.clone(),
                        fingerprint,
                    },
                )
                .await?;
            match (op, step.action) {
                (Operation::Archive { .. }, _) => Outcome::Archived,
                (_, Action::Unarchive) => Outcome::Unarchived,
                (Operation::Create { .. }, _) => Outcome::Created,
                _ if created || step.action == Action::Create => Outcome::Created,
                _ => Outcome::Updated,
            }
        }
        (Applied::Created(_), _) => Outcome::Created,
    };
    state
        .set_progress(&plan.id, &step.key, &ProgressMark::Done)
        .await?;
    Ok(report(step, outcome, None))
}

async fn classify(
    step: &Step,
    plan: &Plan,
    state: &dyn StateStore,
    e: TargetError,
) -> Result<ItemReport> {
    match e.class {
        ErrorClass::Fatal => Err(Error::Target(e)),
        ErrorClass::Rejected => {
            state
                .set_progress(
                    &plan.id,
                    &step.key,
                    &ProgressMark::Failed(e.message.clone()),
                )
                .await?;
            Ok(report(step, Outcome::Failed, Some(e.message)))
        }
        ErrorClass::Transient => {
            state
                .set_progress(
                    &plan.id,
                    &step.key,
                    &ProgressMark::Pending(e.message.clone()),
                )
                .await?;
            Ok(report(step, Outcome::Pending, Some(e.message)))
        }
    }
}
