//! One sync pass, end to end: read the source, map, group, plan, apply.

use std::collections::BTreeSet;

use chrono::{SecondsFormat, Utc};
use lightspeed_mapping::Mapping;

use crate::error::Result;
use crate::executor::{ApplyOptions, ProgressFn, Report, apply};
use crate::item::{DesiredItem, MappedRow, RowProblem, group_rows};
use crate::plan::Plan;
use crate::planner::{PlanInput, PlanOptions, plan};
use crate::source::RecordSource;
use crate::state::StateStore;
use crate::target::CatalogTarget;

/// The cursor of the last full reconcile.
pub const LAST_RECONCILE: &str = "last_reconcile";

/// When the target is read in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconcile {
    /// On the first run, and when the last full read is older than this many seconds.
    Every(u64),
    /// Every run.
    Always,
    /// Only on the first run (an empty state).
    FirstRunOnly,
}

/// How a sync runs.
#[derive(Clone)]
pub struct SyncOptions {
    /// What the planner may do.
    pub plan: PlanOptions,
    /// When to read the target in full.
    pub reconcile: Reconcile,
    /// Items applied at once.
    pub concurrency: usize,
    /// Progress callback.
    pub progress: Option<ProgressFn>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            plan: PlanOptions::default(),
            reconcile: Reconcile::Every(24 * 3600),
            concurrency: 4,
            progress: None,
        }
    }
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("plan", &self.plan)
            .field("reconcile", &self.reconcile)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// The parts of a sync: where records come from, how they map, where they go, what is
/// remembered.
pub struct Sync<'a> {
    /// The source.
    pub source: &'a dyn RecordSource,
    /// The compiled mapping (its key attribute identifies records).
    pub mapping: &'a Mapping,
    /// The target.
    pub target: &'a dyn CatalogTarget,
    /// The state store.
    pub state: &'a dyn StateStore,
    /// Options.
    pub options: SyncOptions,
}

/// What the source gave, mapped and grouped.
#[derive(Debug, Clone, Default)]
pub struct Desired {
    /// The items.
    pub items: Vec<DesiredItem>,
    /// Rows that did not become items, with the reason.
    pub problems: Vec<RowProblem>,
    /// Whether the read was the whole catalog.
    pub full_snapshot: bool,
}

impl Desired {
    /// The languages other than the default one the items carry texts in.
    pub fn languages(&self) -> Vec<String> {
        self.items
            .iter()
            .flat_map(|i| i.texts.keys().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }
}

/// Reads and maps a source: every record either becomes part of an item or is reported with
/// its place and the mapping's message.
pub async fn desired(source: &dyn RecordSource, mapping: &Mapping) -> Result<Desired> {
    let batch = source.read().await?;
    let mut problems: Vec<RowProblem> = batch
        .problems
        .into_iter()
        .map(|p| RowProblem {
            key: None,
            origin: p.location,
            message: p.message,
        })
        .collect();
    let mut rows = Vec::with_capacity(batch.records.len());
    for record in batch.records {
        let key = mapping.key_of(&record.data).as_text();
        let Some(key) = key.filter(|k| !k.trim().is_empty()) else {
            problems.push(RowProblem {
                key: None,
                origin: record.location,
                message: format!("no `{}` (the mapping's key)", mapping.key_attribute()),
            });
            continue;
        };
        match mapping.apply(&record.data) {
            Ok(mapped) => {
                let fields = match mapped.nested().to_json() {
                    serde_json::Value::Object(o) => o,
                    _ => Default::default(),
                };
                rows.push(MappedRow {
                    key,
                    origin: record.location,
                    fields,
                });
            }
            Err(errors) => problems.push(RowProblem {
                key: Some(key),
                origin: record.location,
                message: errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            }),
        }
    }
    let (items, group_problems) = group_rows(rows);
    problems.extend(group_problems);
    Ok(Desired {
        items,
        problems,
        full_snapshot: source.is_full_snapshot(),
    })
}

impl Sync<'_> {
    /// Reads the source and the state (and the target when a reconcile is due) and plans.
    pub async fn plan(&self) -> Result<(Plan, Desired)> {
        let desired = desired(self.source, self.mapping).await?;
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        let state = self.state.items().await?;
        let last = self.state.cursor(LAST_RECONCILE).await?;
        let full = state.is_empty()
            || match self.options.reconcile {
                Reconcile::Always => true,
                Reconcile::FirstRunOnly => false,
                Reconcile::Every(secs) => last
                    .as_deref()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .is_none_or(|t| {
                        (Utc::now() - t.with_timezone(&Utc)).num_seconds() >= secs as i64
                    }),
            };
        let languages = desired.languages();
        let actual = if full {
            Some(
                self.target
                    .list(&languages)
                    .await
                    .map_err(crate::error::Error::Target)?,
            )
        } else {
            None
        };
        // The taxonomy only when a changed item names a brand or categories.
        let needs_taxonomy = desired.items.iter().any(|i| {
            (i.brand.is_some() || !i.categories.is_empty())
                && (full
                    || state.get(&i.key).and_then(|s| s.fingerprint.as_deref())
                        != Some(i.fingerprint().as_str()))
        });
        let taxonomy = if needs_taxonomy {
            Some(
                self.target
                    .taxonomy()
                    .await
                    .map_err(crate::error::Error::Target)?,
            )
        } else {
            None
        };
        let input = PlanInput {
            desired: &desired.items,
            problems: &desired.problems,
            state: &state,
            actual: actual.as_deref(),
            taxonomy: taxonomy.as_ref(),
            full_snapshot: desired.full_snapshot,
            target: self.target.name(),
            now: &now,
        };
        let mut plan = plan(&input, &self.options.plan);
        plan.eta_seconds = self.target.time_for(plan.calls).map(|d| d.as_secs());
        Ok((plan, desired))
    }

    /// Applies a plan made by [`Sync::plan`] (or read back from its JSON).
    pub async fn apply(&self, plan: &Plan, languages: Vec<String>) -> Result<Report> {
        if plan.target != self.target.name() {
            return Err(crate::error::Error::Plan(format!(
                "the plan is for target {:?}, not {:?}",
                plan.target,
                self.target.name()
            )));
        }
        let options = ApplyOptions {
            concurrency: self.options.concurrency,
            progress: self.options.progress.clone(),
            languages,
        };
        let report = apply(plan, self.target, self.state, &options).await?;
        if plan.full_reconcile {
            self.state
                .set_cursor(LAST_RECONCILE, &plan.created_at)
                .await?;
        }
        Ok(report)
    }

    /// Plans and applies.
    pub async fn run(&self) -> Result<(Plan, Report)> {
        let (plan, desired) = self.plan().await?;
        let report = self.apply(&plan, desired.languages()).await?;
        Ok((plan, report))
    }
}
