//! The plan: what a sync will do, as data. It serialises to JSON (a versioned format) and
//! renders for people like `terraform plan`.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::diff::Change;
use crate::target::{Operation, Taxonomy};

/// The plan format this code writes and reads.
pub const PLAN_FORMAT: u32 = 1;

/// What happens to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A brand to create.
    CreateBrand,
    /// A category to create.
    CreateCategory,
    /// A new item.
    Create,
    /// Changed fields.
    Update,
    /// Nothing to do.
    Unchanged,
    /// Left the source: hidden (kept).
    Archive,
    /// Came back: shown again.
    Unarchive,
    /// Left the source: deleted (only when deletes are enabled).
    Delete,
    /// Not planned; `reason` says why.
    Skip,
}

impl Action {
    fn sign(self) -> &'static str {
        match self {
            Action::Create | Action::CreateBrand | Action::CreateCategory => "+",
            Action::Update | Action::Unarchive => "~",
            Action::Archive => "-",
            Action::Delete => "-",
            Action::Unchanged => " ",
            Action::Skip => "!",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Action::CreateBrand => "create brand",
            Action::CreateCategory => "create category",
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
            Action::Archive => "archive",
            Action::Unarchive => "unarchive",
            Action::Delete => "delete",
            Action::Skip => "skip",
        }
    }
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The item's key (`brand:Acme`, `category:Men > Shoes` for taxonomy steps).
    pub key: String,
    /// What happens.
    pub action: Action,
    /// Changed fields with before and after.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// API calls it takes.
    pub calls: u64,
    /// Why it is skipped, or a note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where the item came from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origin: Vec<String>,
    /// The fingerprint to remember once applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The write (none for unchanged and skipped items); boxed, so that the many steps
    /// without one stay small.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<Box<Operation>>,
}

/// Counts per action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Items to create (taxonomy steps included).
    pub create: usize,
    /// Items to update.
    pub update: usize,
    /// Unchanged items.
    pub unchanged: usize,
    /// Items to archive.
    pub archive: usize,
    /// Items to unarchive.
    pub unarchive: usize,
    /// Items to delete.
    pub delete: usize,
    /// Skipped items and rows.
    pub skip: usize,
}

/// A plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The format ([`PLAN_FORMAT`]).
    pub format: u32,
    /// An id for progress records: a hash of the plan's content.
    pub id: String,
    /// When it was made (RFC 3339, UTC).
    pub created_at: String,
    /// The target's name.
    pub target: String,
    /// Whether the target was read in full (a reconcile) rather than trusted from state.
    pub full_reconcile: bool,
    /// The brands and categories the target had.
    #[serde(default)]
    pub taxonomy: Taxonomy,
    /// The steps: taxonomy first, then items in source order, then archives.
    pub steps: Vec<Step>,
    /// API calls the plan takes.
    pub calls: u64,
    /// How long those calls take under the target's current rate budget, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eta_seconds: Option<u64>,
}

impl Plan {
    /// Counts per action.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for s in &self.steps {
            match s.action {
                Action::Create | Action::CreateBrand | Action::CreateCategory => c.create += 1,
                Action::Update => c.update += 1,
                Action::Unchanged => c.unchanged += 1,
                Action::Archive => c.archive += 1,
                Action::Unarchive => c.unarchive += 1,
                Action::Delete => c.delete += 1,
                Action::Skip => c.skip += 1,
            }
        }
        c
    }

    /// The plan as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a plan written by [`Plan::to_json`]; refuses other format versions.
    pub fn from_json(text: &str) -> Result<Plan, String> {
        let v: Json = serde_json::from_str(text).map_err(|e| format!("not a plan: {e}"))?;
        let format = v.get("format").and_then(Json::as_u64).unwrap_or(0);
        if format != u64::from(PLAN_FORMAT) {
            return Err(format!(
                "plan format {format}; this version reads format {PLAN_FORMAT}"
            ));
        }
        serde_json::from_value(v).map_err(|e| format!("not a plan: {e}"))
    }

    /// The plan for people: one line per step with a sign (`+` create, `~` update, `-`
    /// archive or delete, `!` skip), the field changes under it, and a summary with the API
    /// calls and the time they take. Unchanged items are counted, not listed.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for step in &self.steps {
            if step.action == Action::Unchanged {
                continue;
            }
            let _ = write!(
                out,
                "{} {} {}",
                step.action.sign(),
                step.action.word(),
                step.key
            );
            if step.calls > 0 {
                let _ = write!(
                    out,
                    " ({} call{})",
                    step.calls,
                    if step.calls == 1 { "" } else { "s" }
                );
            }
            if let Some(origin) = step.origin.first() {
                let _ = write!(
                    out,
                    " [{origin}{}]",
                    if step.origin.len() > 1 { ", ..." } else { "" }
                );
            }
            out.push('\n');
            if let Some(reason) = &step.reason {
                let _ = writeln!(out, "    {reason}");
            }
            let detail = matches!(step.action, Action::Update | Action::Unarchive);
            let shown = if detail { step.changes.len() } else { 0 };
            for c in step.changes.iter().take(shown.min(12)) {
                let _ = writeln!(
                    out,
                    "    {}: {} -> {}",
                    c.field,
                    short(&c.before),
                    short(&c.after)
                );
            }
            if shown > 12 {
                let _ = writeln!(out, "    ... and {} more", shown - 12);
            }
        }
        let c = self.counts();
        let _ = writeln!(
            out,
            "Plan: {} to create, {} to update, {} unchanged, {} to archive, {} to unarchive, {} to delete, {} skipped.",
            c.create, c.update, c.unchanged, c.archive, c.unarchive, c.delete, c.skip
        );
        let _ = write!(out, "API calls: {}", self.calls);
        match self.eta_seconds {
            Some(s) if self.calls > 0 => {
                let _ = write!(out, ", about {} under the current rate budget", duration(s));
                if s >= 86_400 {
                    out.push_str(" (the daily quota makes it span days)");
                }
            }
            _ => {}
        }
        out.push('\n');
        out
    }
}

fn short(v: &Json) -> String {
    let text = match v {
        Json::Null => "(none)".to_string(),
        Json::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// `95 s`, `12 min`, `3 h 20 min`, `2 days 4 h`.
pub fn duration(seconds: u64) -> String {
    match seconds {
        s if s < 90 => format!("{s} s"),
        s if s < 3600 => format!("{} min", (s + 30) / 60),
        s if s < 86_400 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        s => format!("{} days {} h", s / 86_400, (s % 86_400) / 3600),
    }
}
