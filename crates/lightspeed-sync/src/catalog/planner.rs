//! The planner: desired items against what the target has (read in full, or as the state
//! store remembers it) give a [`Plan`]. No I/O: everything it needs is passed in.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::diff::{ItemDiff, Resolved, create_calls};
use crate::item::{ActualItem, DesiredItem, RowProblem};
use crate::plan::{Action, PLAN_FORMAT, Plan, Step};
use crate::state::ItemState;
use crate::target::{Operation, Taxonomy};

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
    /// Create categories that do not exist (`Men > Shoes`, parents first).
    pub create_categories: bool,
    /// Create brands that do not exist.
    pub create_brands: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            archive_missing: false,
            delete_missing: false,
            max_archive_fraction: 0.2,
            force: false,
            create_categories: false,
            create_brands: false,
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
    /// The target's brands and categories (needed when items name some).
    pub taxonomy: Option<&'a Taxonomy>,
    /// Whether the source read is the whole catalog.
    pub full_snapshot: bool,
    /// The target's name.
    pub target: &'a str,
    /// When the plan is made (RFC 3339).
    pub now: &'a str,
}

/// Makes a plan. Fast enough for 100,000 items against 100,000: one pass over each side, a
/// hash lookup per item, diffs only for items whose fingerprint changed.
pub fn plan(input: &PlanInput<'_>, options: &PlanOptions) -> Plan {
    let empty = Taxonomy::default();
    let taxonomy = input.taxonomy.unwrap_or(&empty);

    // The target's items by id and by SKU (a reconcile), to find each desired item.
    let mut by_id: HashMap<&str, &ActualItem> = HashMap::new();
    let mut by_sku: HashMap<&str, &ActualItem> = HashMap::new();
    if let Some(actual) = input.actual {
        for item in actual {
            by_id.insert(item.id.as_str(), item);
            for v in &item.variants {
                if !v.sku.is_empty() {
                    by_sku.insert(v.sku.as_str(), item);
                }
            }
        }
    }

    // Taxonomy the items need and the target lacks.
    let mut new_brands = BTreeSet::new();
    let mut new_categories = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut item_steps = Vec::with_capacity(input.desired.len() + input.problems.len() + 16);
    for item in input.desired {
        if !seen.insert(item.key.as_str()) {
            item_steps.push(skip(
                item,
                "the key appears twice in the source; the first one is used",
            ));
            continue;
        }
        let known = input.state.get(&item.key);
        let fingerprint = item.fingerprint();
        let actual: Option<&ActualItem> = match input.actual {
            Some(_) => known
                .and_then(|s| by_id.get(s.actual.id.as_str()).copied())
                .or_else(|| item.skus().find_map(|s| by_sku.get(s).copied())),
            None => known.map(|s| &s.actual),
        };
        // Trusted state: an unchanged fingerprint costs nothing.
        if input.actual.is_none()
            && let Some(s) = known
            && s.fingerprint.as_deref() == Some(fingerprint.as_str())
            && !s.actual.archived
        {
            item_steps.push(Step {
                key: item.key.clone(),
                action: Action::Unchanged,
                changes: Vec::new(),
                calls: 0,
                reason: None,
                origin: item.origin.clone(),
                fingerprint: Some(fingerprint),
                op: None,
            });
            continue;
        }
        // Brands and categories.
        let mut missing = Vec::new();
        if let Some(brand) = &item.brand
            && !taxonomy.brands.contains_key(brand)
        {
            if options.create_brands {
                new_brands.insert(brand.clone());
            } else {
                missing.push(format!("brand {brand:?}"));
            }
        }
        for path in &item.categories {
            if !taxonomy.categories.contains_key(path) {
                if options.create_categories {
                    let parts: Vec<&str> = path.split(" > ").collect();
                    for depth in 1..=parts.len() {
                        let p = parts[..depth].join(" > ");
                        if !taxonomy.categories.contains_key(&p) {
                            new_categories.insert((depth, p));
                        }
                    }
                } else {
                    missing.push(format!("category {path:?}"));
                }
            }
        }
        if !missing.is_empty() {
            item_steps.push(skip(
                item,
                &format!(
                    "{} not in the target (enable creating them, or create them first)",
                    missing.join(", ")
                ),
            ));
            continue;
        }
        let resolved = resolve(item, taxonomy);
        let step = match actual {
            None => Step {
                key: item.key.clone(),
                action: Action::Create,
                changes: ItemDiff::new(item, None, &resolved).changes(),
                calls: create_calls(item, &resolved),
                reason: None,
                origin: item.origin.clone(),
                fingerprint: Some(fingerprint),
                op: Some(Box::new(Operation::Create {
                    item: item.clone(),
                    resolved,
                })),
            },
            Some(before) => {
                let archived = before.archived || known.is_some_and(|s| s.actual.archived);
                // Coming back from the archive: shown again, whatever the mapping says of
                // visibility (an unmapped visibility would leave it hidden).
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
                let action = if archived {
                    Action::Unarchive
                } else if diff.is_empty() {
                    Action::Unchanged
                } else {
                    Action::Update
                };
                let calls = diff.update_calls() + u64::from(archived && diff.product.is_empty());
                let mut changes = diff.changes();
                if archived {
                    changes.insert(
                        0,
                        crate::diff::Change {
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
                    key: item.key.clone(),
                    action,
                    changes,
                    calls,
                    reason: None,
                    origin: item.origin.clone(),
                    fingerprint: Some(fingerprint),
                    op,
                }
            }
        };
        item_steps.push(step);
    }
    let mut taxonomy_steps = Vec::new();
    for title in new_brands {
        taxonomy_steps.push(Step {
            key: format!("brand:{title}"),
            action: Action::CreateBrand,
            changes: Vec::new(),
            calls: 1,
            reason: None,
            origin: Vec::new(),
            fingerprint: None,
            op: Some(Box::new(Operation::CreateBrand { title })),
        });
    }
    for (_, path) in new_categories {
        taxonomy_steps.push(Step {
            key: format!("category:{path}"),
            action: Action::CreateCategory,
            changes: Vec::new(),
            calls: 1,
            reason: None,
            origin: Vec::new(),
            fingerprint: None,
            op: Some(Box::new(Operation::CreateCategory { path, parent: None })),
        });
    }
    // Taxonomy first; the items' vector already has room for it.
    item_steps.splice(0..0, taxonomy_steps);
    let mut steps = item_steps;
    for p in input.problems {
        steps.push(Step {
            key: p.key.clone().unwrap_or_else(|| p.origin.clone()),
            action: Action::Skip,
            changes: Vec::new(),
            calls: 0,
            reason: Some(p.message.clone()),
            origin: vec![p.origin.clone()],
            fingerprint: None,
            op: None,
        });
    }

    // Items that left the source.
    let wanted: BTreeSet<&str> = input.desired.iter().map(|d| d.key.as_str()).collect();
    let failed_rows: BTreeSet<&str> = input
        .problems
        .iter()
        .filter_map(|p| p.key.as_deref())
        .collect();
    if input.full_snapshot && (options.archive_missing || options.delete_missing) {
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
        for (key, s) in gone {
            let mut step = Step {
                key: key.clone(),
                action: if options.delete_missing {
                    Action::Delete
                } else {
                    Action::Archive
                },
                changes: Vec::new(),
                calls: 1,
                reason: Some("no longer in the source".into()),
                origin: Vec::new(),
                fingerprint: None,
                op: Some(Box::new(if options.delete_missing {
                    Operation::Delete {
                        before: s.actual.clone(),
                    }
                } else {
                    Operation::Archive {
                        before: s.actual.clone(),
                    }
                })),
            };
            if guard {
                step.action = Action::Skip;
                step.calls = 0;
                step.op = None;
                step.reason = Some(format!(
                    "not archived: {:.0}% of the catalog left the source, more than the {:.0}% allowed (check the source, or force it)",
                    share * 100.0,
                    options.max_archive_fraction * 100.0
                ));
            }
            steps.push(step);
        }
    }

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
        taxonomy: taxonomy.clone(),
        steps,
        calls,
        eta_seconds: None,
    }
}

fn skip(item: &DesiredItem, reason: &str) -> Step {
    Step {
        key: item.key.clone(),
        action: Action::Skip,
        changes: Vec::new(),
        calls: 0,
        reason: Some(reason.to_string()),
        origin: item.origin.clone(),
        fingerprint: None,
        op: None,
    }
}

/// The brand and category ids of an item under `taxonomy` (unknown ones left out).
pub fn resolve(item: &DesiredItem, taxonomy: &Taxonomy) -> Resolved {
    Resolved {
        brand: item
            .brand
            .as_ref()
            .and_then(|b| taxonomy.brands.get(b).cloned()),
        categories: item
            .categories
            .iter()
            .filter_map(|p| taxonomy.categories.get(p).cloned())
            .collect(),
    }
}
