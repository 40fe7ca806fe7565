//! One catalog sync pass, end to end: read the source, map, group, plan, apply.

use std::collections::BTreeSet;

use chrono::{SecondsFormat, Utc};
use lightspeed_mapping::Mapping;

use super::executor::{ApplyOptions, ProgressFn, Report, StopSignal, apply, recover};
use super::item::{ActualItem, DesiredItem, ItemShape, MappedRow, RowProblem};
use super::plan::Plan;
use super::planner::{PlanInput, PlanOptions, plan};
use super::target::{CatalogTarget, ReadScope};
use crate::error::{Error, Result};
use crate::source::RecordSource;
use crate::state::StateStore;

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
    /// A partial sync: only the items whose key, or one of whose SKUs, is listed (the keys a
    /// PIM says changed, the products a webhook named). The source then counts as a partial
    /// read (nothing is archived), and those items are read again from the target instead of
    /// trusted from the state, so that an edit made in the shop is set right too. `None`:
    /// every item.
    pub only: Option<BTreeSet<String>>,
    /// Asked to stop: the apply starts no new item once it is set, finishes the ones in
    /// flight, and reports the others pending for the next run.
    pub stop: Option<StopSignal>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            plan: PlanOptions::default(),
            reconcile: Reconcile::Every(24 * 3600),
            concurrency: 4,
            progress: None,
            only: None,
            stop: None,
        }
    }
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("plan", &self.plan)
            .field("reconcile", &self.reconcile)
            .field("concurrency", &self.concurrency)
            .field("only", &self.only)
            .finish_non_exhaustive()
    }
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

    /// The reference fields (`brand`, `categories`) the items name.
    pub fn reference_fields(&self) -> Vec<String> {
        self.items
            .iter()
            .flat_map(|i| i.refs.keys().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// What a read of the target must bring back for these items.
    pub fn scope(&self) -> ReadScope {
        ReadScope {
            languages: self.languages(),
            references: self.reference_fields(),
        }
    }
}

/// A catalog sync: where records come from, how they map, where they go, what is
/// remembered.
///
/// The mapping is compiled against the target's schema ([`CatalogTarget::schema`]), whatever
/// it was compiled with before, so a field the
/// target does not take, or a document for another target, is refused before anything is
/// read, each error at its rule path, and the accepted spellings (`price`, `summary`) reach
/// the target under their canonical names.
pub struct CatalogSync<'a> {
    source: &'a dyn RecordSource,
    mapping: Mapping,
    shape: ItemShape,
    target: &'a dyn CatalogTarget,
    state: &'a dyn StateStore,
    /// Options.
    pub options: SyncOptions,
}

impl std::fmt::Debug for CatalogSync<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogSync")
            .field("source", &self.source.name())
            .field("target", &self.target.name())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<'a> CatalogSync<'a> {
    /// A sync of `source` through `mapping` into `target`, remembering in `state`, with the
    /// default options. Fails when the mapping does not compile against the target's schema.
    pub fn new(
        source: &'a dyn RecordSource,
        mapping: &Mapping,
        target: &'a dyn CatalogTarget,
        state: &'a dyn StateStore,
    ) -> Result<Self> {
        let schema = target.schema();
        // Compiled again even when the caller used a schema of the same name: the target's
        // own may refuse more (eCom's marker field).
        let mapping = mapping.with_schema(&*schema).map_err(Error::Mapping)?;
        Ok(CatalogSync {
            source,
            mapping,
            shape: ItemShape::new(&*schema),
            target,
            state,
            options: SyncOptions::default(),
        })
    }

    /// The same sync with these options.
    pub fn with_options(mut self, options: SyncOptions) -> Self {
        self.options = options;
        self
    }

    /// The mapping as compiled against the target's schema.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Reads and maps the source: every record either becomes part of an item or is
    /// reported with its place and the mapping's message.
    pub async fn desired(&self) -> Result<Desired> {
        let batch = self.source.read().await?;
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
            let key = self.mapping.key_of(&record.data).as_text();
            let Some(key) = key.filter(|k| !k.trim().is_empty()) else {
                problems.push(RowProblem {
                    key: None,
                    origin: record.location,
                    message: format!("no `{}` (the mapping's key)", self.mapping.key_attribute()),
                });
                continue;
            };
            match self.mapping.apply(&record.data) {
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
        let (mut items, group_problems) = self.shape.group_rows(rows);
        problems.extend(group_problems);
        let mut full_snapshot = self.source.is_full_snapshot();
        if let Some(only) = &self.options.only {
            // An item answers to its key and to each of its SKUs.
            fn names(i: &DesiredItem) -> impl Iterator<Item = &str> {
                std::iter::once(i.key.as_str()).chain(i.skus())
            }
            items.retain(|i| names(i).any(|n| only.contains(n)));
            problems.retain(|p| p.key.as_ref().is_some_and(|k| only.contains(k)));
            full_snapshot = false;
            // A listed key that matches no row is said (a typo, or a product the source no
            // longer has), never dropped in silence.
            let found: BTreeSet<&str> = items
                .iter()
                .flat_map(names)
                .chain(problems.iter().filter_map(|p| p.key.as_deref()))
                .collect();
            let missing: Vec<RowProblem> = only
                .iter()
                .filter(|k| !found.contains(k.as_str()))
                .map(|k| RowProblem {
                    key: Some(k.clone()),
                    origin: "the partial sync's keys".into(),
                    message: "not in the source: no row has this key or SKU (a full run \
                              archives the product, or keeps it, as `archive_missing` says)"
                        .into(),
                })
                .collect();
            problems.extend(missing);
        }
        Ok(Desired {
            items,
            problems,
            full_snapshot,
        })
    }

    /// A partial sync's items as the target has them now (those the state knows; the others
    /// are looked up by SKU when applied).
    async fn read_again(
        &self,
        desired: &Desired,
        state: &std::collections::BTreeMap<String, crate::state::ItemState>,
        scope: &super::target::ReadScope,
    ) -> Result<Vec<ActualItem>> {
        let mut actual = Vec::new();
        for item in &desired.items {
            let Some(known) = state.get(&item.key) else {
                continue;
            };
            if let Some(found) = self
                .target
                .fetch(&known.actual.id, scope)
                .await
                .map_err(Error::Target)?
            {
                actual.push(found);
            }
        }
        Ok(actual)
    }

    /// Whether this run reads the target in full.
    async fn reconcile_due(&self, state_is_empty: bool) -> Result<bool> {
        if state_is_empty {
            return Ok(true);
        }
        Ok(match self.options.reconcile {
            Reconcile::Always => true,
            Reconcile::FirstRunOnly => false,
            Reconcile::Every(secs) => self
                .state
                .cursor(LAST_RECONCILE)
                .await?
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .is_none_or(|t| (Utc::now() - t.with_timezone(&Utc)).num_seconds() >= secs as i64),
        })
    }

    /// Reads the source and the state (and the target when a reconcile is due) and plans.
    /// Creates an earlier run lost the answer of are recovered first, so the plan shows them
    /// as the updates they are.
    pub async fn plan(&self) -> Result<(Plan, Desired)> {
        let desired = self.desired().await?;
        let scope = desired.scope();
        recover(self.target, self.state, &scope).await?;
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        let state = self.state.items().await?;
        let partial = self.options.only.is_some();
        let full = !partial && self.reconcile_due(state.is_empty()).await?;
        let actual = if full {
            Some(self.target.list(&scope).await.map_err(Error::Target)?)
        } else if partial {
            Some(self.read_again(&desired, &state, &scope).await?)
        } else {
            None
        };
        // The references only for the fields changed items name.
        let fields: BTreeSet<String> = desired
            .items
            .iter()
            .filter(|i| {
                full || partial
                    || state.get(&i.key).and_then(|s| s.fingerprint.as_deref())
                        != Some(i.fingerprint().as_str())
            })
            .flat_map(|i| i.refs.keys().cloned())
            .collect();
        let references = if fields.is_empty() {
            None
        } else {
            let fields: Vec<String> = fields.into_iter().collect();
            Some(
                self.target
                    .references(&fields)
                    .await
                    .map_err(Error::Target)?,
            )
        };
        let input = PlanInput {
            desired: &desired.items,
            problems: &desired.problems,
            state: &state,
            actual: actual.as_deref(),
            references: references.as_ref(),
            full_snapshot: desired.full_snapshot,
            target: self.target.name(),
            now: &now,
        };
        let mut plan = plan(&input, &self.options.plan);
        // A partial sync read some items, not the whole target.
        plan.full_reconcile = full;
        plan.eta_seconds = self.target.time_for(plan.calls).map(|d| d.as_secs());
        Ok((plan, desired))
    }

    /// Applies a plan made by [`CatalogSync::plan`] (or read back from its JSON).
    pub async fn apply(&self, plan: &Plan, languages: Vec<String>) -> Result<Report> {
        if plan.target != self.target.name() {
            return Err(Error::Plan(format!(
                "the plan is for target {:?}, not {:?}",
                plan.target,
                self.target.name()
            )));
        }
        plan.validate()?;
        let options = ApplyOptions {
            concurrency: self.options.concurrency,
            progress: self.options.progress.clone(),
            languages,
            stop: self.options.stop.clone(),
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
