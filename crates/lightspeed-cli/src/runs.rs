//! Run records: what each run of a job did, kept as JSON under `<work_dir>/runs/<job>/`, read
//! back by `report RUN` and `status`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::exit;

/// Items by how they ended, the same for every kind of job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Created (products, pool items, sales).
    pub created: usize,
    /// Updated (or shown again).
    pub updated: usize,
    /// Left as they were.
    pub unchanged: usize,
    /// Archived.
    pub archived: usize,
    /// Deleted.
    pub deleted: usize,
    /// Refused by the API.
    pub failed: usize,
    /// Left for the next run (transient failures, not all written, not started).
    pub pending: usize,
    /// Not planned (rows that did not map, the archive guard, unknown variants).
    pub skipped: usize,
    /// Waiting on purpose (fulfillment holds and business hours).
    pub waiting: usize,
}

impl Counts {
    /// Writes made.
    pub fn written(&self) -> usize {
        self.created + self.updated + self.archived + self.deleted
    }

    /// Items not done well.
    pub fn unfinished(&self) -> usize {
        self.failed + self.pending + self.skipped
    }

    /// The run's exit code: items failed, else nothing to do, else clean.
    pub fn exit_code(&self) -> u8 {
        if self.unfinished() > 0 {
            exit::FAILED
        } else if self.written() == 0 {
            exit::NOTHING
        } else {
            exit::OK
        }
    }

    /// `60 created, 0 updated, ...` with the counts that are not zero.
    pub fn line(&self) -> String {
        let parts = [
            ("created", self.created),
            ("updated", self.updated),
            ("unchanged", self.unchanged),
            ("archived", self.archived),
            ("deleted", self.deleted),
            ("failed", self.failed),
            ("pending", self.pending),
            ("skipped", self.skipped),
            ("waiting", self.waiting),
        ];
        let shown: Vec<String> = parts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(what, n)| format!("{n} {what}"))
            .collect();
        if shown.is_empty() {
            "nothing".into()
        } else {
            shown.join(", ")
        }
    }
}

/// One run of a job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// `catalog-20261120T091500.123Z`.
    pub id: String,
    /// The job.
    pub job: String,
    /// Its kind.
    pub kind: String,
    /// What started it: `run`, `apply`, `schedule`, `webhook`, `pim`.
    pub trigger: String,
    /// Whether it ran against the embedded emulator.
    pub emulator: bool,
    /// When it started and ended (RFC 3339, UTC).
    pub started_at: String,
    /// When it ended.
    pub finished_at: String,
    /// `clean`, `items_failed`, `nothing_to_do` or `error`.
    pub outcome: String,
    /// The exit code it gives.
    pub exit_code: u8,
    /// Items by how they ended.
    pub counts: Counts,
    /// The keys of a partial run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<String>>,
    /// The plan applied (catalog jobs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// The error that stopped it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The library's report, per item (its shape depends on the kind).
    #[serde(default)]
    pub report: Value,
    /// The report for people.
    #[serde(default)]
    pub text: String,
}

/// The name of an exit code's outcome.
pub fn outcome_name(code: u8) -> &'static str {
    match code {
        exit::OK => "clean",
        exit::FAILED => "items_failed",
        exit::NOTHING => "nothing_to_do",
        exit::NOT_RUN => "not_run",
        _ => "error",
    }
}

/// A run id: the job and when it started.
pub fn new_id(job: &str, started: DateTime<Utc>) -> String {
    format!("{job}-{}", started.format("%Y%m%dT%H%M%S%.3fZ"))
}

/// RFC 3339 in UTC, to the millisecond.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Keeps a record.
pub fn save(dir: &Path, record: &RunRecord) -> std::io::Result<PathBuf> {
    let folder = dir.join(&record.job);
    std::fs::create_dir_all(&folder)?;
    let path = folder.join(format!("{}.json", record.id));
    let text = serde_json::to_string_pretty(record).unwrap_or_default();
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, &path)?;
    Ok(path)
}

/// The records of a job, oldest first.
pub fn of_job(dir: &Path, job: &str) -> Vec<RunRecord> {
    let Ok(entries) = std::fs::read_dir(dir.join(job)) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|t| serde_json::from_str(&t).ok())
        .collect()
}

/// The last record of a job.
pub fn latest(dir: &Path, job: &str) -> Option<RunRecord> {
    of_job(dir, job).pop()
}

/// A record by id, or the last one of a job by the job's name.
pub fn find(dir: &Path, run: &str) -> Option<RunRecord> {
    if let Some(last) = latest(dir, run) {
        return Some(last);
    }
    let entries = std::fs::read_dir(dir).ok()?;
    for job in entries.filter_map(|e| e.ok()) {
        let path = job.path().join(format!("{run}.json"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            return serde_json::from_str(&text).ok();
        }
    }
    None
}
