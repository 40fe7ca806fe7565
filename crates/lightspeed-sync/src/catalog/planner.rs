//! The planner: desired items against what the target has (read in full, or as the state
//! store remembers it) give a [`Plan`]. No I/O: everything it needs is passed in.
//!
//! In steps: [`Index`] the target's items (by id, SKU and create marker); plan each desired
//! item (`Planner::item`), collecting the references it names that the target lacks; turn
//! those into reference steps, parents first; add the rows that did not map as skips; add the
//! items that left the source (archive or delete, within the guard); sum the calls.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::diff::{Change, ItemDiff, create_calls};
use super::item::{ActualItem, DesiredItem, RowProblem};
use super::plan::{Action, PLAN_FORMAT, Plan, Step};
use super::target::{Operation, References};
use crate::state::ItemState;

/// Which missing references (brands, categories, tags...) the sync may create.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CreateMissing {
    /// None: an item naming a missing one is skipped with the reason.
    #[default]
    None,
    /// Any reference field's.
    All,
    /// Only these reference fields' (`brand`, `categories`).
    Only(BTreeSet<String>),
}

impl CreateMissing {
    /// Whether missing records of `field` may be created.
    pub fn allows(&self, field: &str) -> bool {
        match self {
            CreateMissing::None => false,
            CreateMissing::All => true,
            CreateMissing::Only(fields) => fields.contains(field),
        }
    }
}

/// What the planner may do.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOptions {
    /// Archive items that left the source (only on full-snapshot reads).
    pub archive_missing: bool,
    /// Delete them instead (only when explicitly enabled).
    pub delete_missing: bool,
    /// The largest share of known items a run may archive or delete (default 0.2).
    pub max_archive_fraction: f64,
    /// Archive or delete beyond that share.
    pub force: bool,
    /// Create the brands, categories (parents first), tags... that items name and the
    /// target lacks.
    pub create_missing: CreateMissing,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            archive_missing: false,
            delete_missing: false,
            max_archive_fraction: 0.2,
            force: false,
            create_missing: CreateMissing::None,
        }
    }
}

/// Everything a plan is made from.
#[derive(Debug, Clone)]
pub struct PlanInput<'a> {
    /// Items from the source, mapped and grouped.
    pub desired: &'a [DesiredItem],
    /// Rows that did not become items (mapping errors, source problems).
    pub problems: &'a [RowProblem],
    /// What the sync remembers, by key.
    pub state: &'a BTreeMap<String, ItemState>,
    /// The target read in full (a reconcile), or `None` to trust the state.
    pub actual: Option<&'a [ActualItem]>,
    /// The records the items refer to (needed when changed items name some).
    pub references: Option<&'a References>,
    /// Whether the source read is the whole catalog.
    pub full_snapshot: bool,
    /// The target's name.
    pub target: &'a str,
    /// When the plan is made (RFC 3339).
    pub now: &'a str,
}

/// The target's items of a full read, by id, by SKU and by the key their create marker names.
#[derive(Debug, Default)]
pub struct Index<'a> {
    by_id: HashMap<&'a str, &'a ActualItem>,
    by_sku: HashMap<&'a str, &'a ActualItem>,
    by_marker: HashMap<&'a str, &'a ActualItem>,
}

impl<'a> Index<'a> {
    /// Indexes `actual`.
    pub fn new(actual: &'a [ActualItem]) -> Self {
        let mut index = Index::default();
        for item in actual {
            index.by_id.insert(item.id.as_str(), item);
            if let Some(key) = &item.marker {
                index.by_marker.entry(key.as_str()).or_insert(item);
            }
            for v in &item.variants {
                if !v.sku.is_empty() {
                    index.by_sku.insert(v.sku.as_str(), item);
                }
            }
        }
        index
    }

    /// The target's item for a desired one: the one the state knows, else one holding any
    /// of its SKUs, else the one its create marker names.
    pub fn find(&self, item: &DesiredItem, known: Option<&ItemState>) -> Option<&'a ActualItem> {
        known
            .and_then(|s| self.by_id.get(s.actual.id.as_str()).copied())
            .or_else(|| item.skus().find_map(|s| self.by_sku.get(s).copied()))
            .or_else(|| self.by_marker.get(item.key.as_str()).copied())
    }
}

/// The planner at work: its input, options, and what it has found so far.
struct Planner<'a> {
    input: &'a PlanInput<'a>,
    options: &'a PlanOptions,
    references: &'a References,
    index: Option<Index<'a>>,
    /// Missing reference records to create: (field, depth, name), so parents sort first.
    new_references: BTreeSet<(String, usize, String)>,
}

impl<'a> Planner<'a> {
    fn step(item: &DesiredItem, action: Action) -> Step {
        Step {
            key: item.key.clone(),
            action,
            changes: Vec::new(),
            calls: 0,
            reason: None,
            origin: item.origin.clone(),
            fingerprint: None,
            op: None,
        }
    }

    fn skip(item: &DesiredItem, reason: String) -> Step {
        Step {
            reason: Some(reason),
            ..Self::step(item, Action::Skip)
        }
    }

    /// The references `item` names that the target lacks: noted for creation when allowed,
    /// else described (the item is then skipped).
    fn missing_references(&mut self, item: &DesiredItem) -> Vec<String> {
        let mut refused = Vec::new();
        for (field, refs) in &item.refs {
            for name in refs.names() {
                if self.references.id(field, name).is_some() {
                    continue;
                }
                if !self.options.create_missing.allows(field) {
                    refused.push(format!("{field} {name:?}"));
                    continue;
                }
                if refs.is_paths() {
                    let parts: Vec<&str> = name.split(" > ").collect();
                    for depth in 1..=parts.len() {
                        let path = parts[..depth].join(" > ");
                        if self.references.id(field, &path).is_none() {
                            self.new_references.insert((field.clone(), depth, path));
                        }
                    }
                } else {
                    self.new_references.insert((field.clone(), 1, name.clone()));
                }
            }
        }
        refused
    }

    /// The step of one desired item.
    fn item(&mut self, item: &DesiredItem) -> Step {
        let known = self.input.state.get(&item.key);
        let fingerprint = item.fingerprint();
        let actual: Option<&ActualItem> = match &self.index {
            Some(index) => index.find(item, known),
            None => known.map(|s| &s.actual),
        };
        // Trusted state: an unchanged fingerprint costs nothing.
        if self.index.is_none()
            && let Some(s) = known
            && s.fingerprint.as_deref() == Some(fingerprint.as_str())
            && !s.actual.archived
        {
            return Step {
                fingerprint: Some(fingerprint),
                ..Self::step(item, Action::Unchanged)
            };
        }
        let refused = self.missing_references(item);
        if !refused.is_empty() {
            return Self::skip(
                item,
                format!(
                    "{} not in the target (enable creating them, or create them first)",
                    refused.join(", ")
                ),
            );
        }
        let resolved = self.references.resolve(item);
        let Some(before) = actual else {
            return Step {
                changes: ItemDiff::new(item, None, &resolved).changes(),
                calls: create_calls(item),
                fingerprint: Some(fingerprint),
                op: Some(Box::new(Operation::Create {
                    item: item.clone(),
                    resolved,
                })),
                ..Self::step(item, Action::Create)
            };
        };
        let archived = before.archived || known.is_some_and(|s| s.actual.archived);
        // Coming back from the archive: shown again, whatever the mapping says of visibility
        // (an unmapped visibility would leave it hidden).
        let restored;
        let item = if archived && !item.fields.contains_key("visibility") {
            let mut copy = item.clone();
            copy.fields
                .insert("visibility".into(), Json::from("visible"));
            restored = copy;
            &restored
        } else {
            item
        };
        let diff = ItemDiff::new(item, Some(before), &resolved);
        // Names still to be created leave the item incomplete: it is an update even when
        // nothing else differs, so that the executor finishes it once they exist.
        let action = if archived {
            Action::Unarchive
        } else if diff.is_empty() && resolved.missing.is_empty() {
            Action::Unchanged
        } else {
            Action::Update
        };
        let calls = diff.update_calls() + u64::from(archived && diff.product.is_empty());
        let mut changes = diff.changes();
        if archived {
            changes.insert(
                0,
                Change {
                    field: "archived".into(),
                    before: Json::Bool(true),
                    after: Json::Bool(false),
                },
            );
        }
        let op = (action != Action::Unchanged).then(|| {
            let mut before = before.clone();
            before.archived = false;
            Box::new(Operation::Update {
                before,
                item: item.clone(),
                resolved,
            })
        });
        Step {
            changes,
            calls,
            fingerprint: Some(fingerprint),
            op,
            ..Self::step(item, action)
        }
    }

    /// One step per reference record to create, parents before children.
    fn reference_steps(&mut self) -> Vec<Step> {
        let mut ordered: Vec<_> = std::mem::take(&mut self.new_references)
            .into_iter()
            .collect();
        ordered.sort_by(|a, b| (a.1, &a.0, &a.2).cmp(&(b.1, &b.0, &b.2)));
        ordered
            .into_iter()
            .map(|(field, _, name)| Step {
                key: format!("{field}:{name}"),
                action: Action::CreateReference,
                changes: Vec::new(),
                calls: 1,
                reason: None,
                origin: Vec::new(),
                fingerprint: None,
                op: Some(Box::new(Operation::CreateReference {
                    field,
                    name,
                    parent: None,
                })),
            })
            .collect()
    }

    /// Items that left the source: archived (or deleted), unless that would touch more than
    /// the allowed share of the catalog.
    fn retirement_steps(&self) -> Vec<Step> {
        let input = self.input;
        let options = self.options;
        if !input.full_snapshot || !(options.archive_missing || options.delete_missing) {
            return Vec::new();
        }
        let wanted: BTreeSet<&str> = input.desired.iter().map(|d| d.key.as_str()).collect();
        let failed_rows: BTreeSet<&str> = input
            .problems
            .iter()
            .filter_map(|p| p.key.as_deref())
            .collect();
        let gone: Vec<(&String, &ItemState)> = input
            .state
            .iter()
            .filter(|(k, s)| {
                !wanted.contains(k.as_str())
                    && !failed_rows.contains(k.as_str())
                    && (!s.actual.archived || options.delete_missing)
            })
            .collect();
        let total = input.state.len().max(1);
        let share = gone.len() as f64 / total as f64;
        let guard = !options.force && share > options.max_archive_fraction;
        gone.into_iter()
            .map(|(key, s)| {
                let (action, op) = if options.delete_missing {
                    (
                        Action::Delete,
                        Operation::Delete {
                            before: s.actual.clone(),
                        },
                    )
                } else {
                    (
                        Action::Archive,
                        Operation::Archive {
                            before: s.actual.clone(),
                        },
                    )
                };
                let step = Step {
                    key: key.clone(),
                    action,
                    changes: Vec::new(),
                    calls: 1,
                    reason: Some("no longer in the source".into()),
                    origin: Vec::new(),
                    fingerprint: None,
                    op: Some(Box::new(op)),
                };
                if !guard {
                    return step;
                }
                Step {
                    action: Action::Skip,
                    calls: 0,
                    op: None,
                    reason: Some(format!(
                        "not archived: {:.0}% of the catalog left the source, more than the {:.0}% allowed (check the source, or force it)",
                        share * 100.0,
                        options.max_archive_fraction * 100.0
                    )),
                    ..step
                }
            })
            .collect()
    }
}

/// A skip step for a row that did not become an item.
fn problem_step(p: &RowProblem) -> Step {
    Step {
        key: p.key.clone().unwrap_or_else(|| p.origin.clone()),
        action: Action::Skip,
        changes: Vec::new(),
        calls: 0,
        reason: Some(p.message.clone()),
        origin: vec![p.origin.clone()],
        fingerprint: None,
        op: None,
    }
}

/// Makes a plan. Fast enough for 100,000 items against 100,000: one pass over each side, a
/// hash lookup per item, diffs only for items whose fingerprint changed.
pub fn plan(input: &PlanInput<'_>, options: &PlanOptions) -> Plan {
    let empty = References::default();
    let mut planner = Planner {
        input,
        options,
        references: input.references.unwrap_or(&empty),
        index: input.actual.map(Index::new),
        new_references: BTreeSet::new(),
    };
    let mut items = Vec::with_capacity(input.desired.len() + input.problems.len());
    let mut seen = BTreeSet::new();
    for item in input.desired {
        items.push(if seen.insert(item.key.as_str()) {
            planner.item(item)
        } else {
            Planner::skip(
                item,
                "the key appears twice in the source; the first one is used".into(),
            )
        });
    }
    let mut steps = planner.reference_steps();
    steps.append(&mut items);
    steps.extend(input.problems.iter().map(problem_step));
    steps.extend(planner.retirement_steps());

    let calls = steps.iter().map(|s| s.calls).sum();
    let mut hasher = Sha256::new();
    hasher.update(input.now.as_bytes());
    for s in &steps {
        hasher.update(s.key.as_bytes());
        hasher.update(s.fingerprint.as_deref().unwrap_or("").as_bytes());
    }
    Plan {
        format: PLAN_FORMAT,
        id: hex::encode(&hasher.finalize()[..8]),
        created_at: input.now.to_string(),
        target: input.target.to_string(),
        full_reconcile: input.actual.is_some(),
        references: planner.references.clone(),
        steps,
        calls,
        eta_seconds: None,
    }
}
