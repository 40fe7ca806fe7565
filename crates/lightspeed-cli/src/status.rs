//! `status`: per job, whether it is configured, mapped and connected, paused or held, its
//! last run with the outcome counts and the items left pending, and its next scheduled run.

use std::collections::BTreeMap;

use chrono::Utc;
use lightspeed_sync::pool::PoolSchema;
use serde_json::{Value, json};

use crate::config::{Connection, Job, JobKind, SourceSpec, XSeriesAuth};
use crate::connect::{self, Setup};
use crate::exit::{self, CliError};
use crate::jobs::{self, Env};
use crate::runs;

/// What is missing for a job to run, if anything.
fn configured(env: &Env<'_>, job: &Job) -> Vec<String> {
    let mut problems = Vec::new();
    let mut file = |what: &str, path: &std::path::Path| {
        if !path.exists() {
            problems.push(format!("{what} {} does not exist", path.display()));
        }
    };
    match &job.kind {
        JobKind::Catalog(c) => {
            file("the mapping", &c.mapping);
            if let SourceSpec::File { path, .. } = &c.source {
                file("the source", path);
            }
        }
        JobKind::InventoryPrimary(p) => file("the mapping", &p.mapping),
        JobKind::InventorySecondary(_) => {}
        JobKind::Fulfillment(f) => {
            if let SourceSpec::File { path, .. } = &f.source {
                file("the source", path);
            }
        }
    }
    if env.emulator.is_none()
        && let Ok(connection) = env.config.connection(job.kind.connection())
    {
        let refs = match connection {
            Connection::Ecom(c) => vec![("key", &c.key), ("secret", &c.secret)],
            Connection::XSeries(c) => match &c.auth {
                XSeriesAuth::Token(t) => vec![("token", t)],
                XSeriesAuth::OAuth { client_secret, .. } => vec![("client_secret", client_secret)],
            },
        };
        for (what, r) in refs {
            if let Err(e) = r.resolve() {
                problems.push(format!(
                    "connection `{}`: {what}: {e}",
                    job.kind.connection()
                ));
            }
        }
    }
    problems
}

/// Whether the job's mapping compiles against its target's schema (`None`: it has none).
fn mapped(job: &Job) -> Option<Result<(), String>> {
    use lightspeed_mapping::{Document, Options, TargetSchema};
    let (path, schema): (&std::path::Path, Box<dyn TargetSchema>) = match &job.kind {
        JobKind::Catalog(c) => (&c.mapping, Box::new(lightspeed_ecom::schema::ProductSchema)),
        JobKind::InventoryPrimary(p) => (&p.mapping, Box::new(PoolSchema)),
        _ => return None,
    };
    Some(
        Document::load(path)
            .and_then(|d| {
                d.compile(&Options {
                    channel: None,
                    schema: Some(&*schema),
                })
            })
            .map(|_| ())
            .map_err(|e| e.to_string().replace('\n', " ")),
    )
}

/// Prints every job's status; answers 0, or 3 when a job is not configured, not mapped or not
/// connected, or its last run left items unfinished.
pub async fn show(env: &Env<'_>, offline: bool) -> Result<u8, CliError> {
    let setup = Setup {
        config: env.config,
        emulator: env.emulator,
        quick: true,
    };
    let mut connected: BTreeMap<String, Result<String, String>> = BTreeMap::new();
    if !offline {
        let used: std::collections::BTreeSet<&str> = env
            .config
            .jobs
            .values()
            .map(|j| j.kind.connection())
            .collect();
        for name in used {
            let tested = connect::test(&setup, name).await;
            let result = tested
                .result
                .map(|info| {
                    info.get("summary")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                })
                .map_err(|e| e.to_string());
            connected.insert(name.to_string(), result);
        }
    }
    let now = Utc::now();
    let mut all = Vec::new();
    let mut code = exit::OK;
    for job in env.config.jobs.values() {
        let problems = configured(env, job);
        let mapping = mapped(job);
        let connection = connected.get(job.kind.connection());
        let state = jobs::open_state(job)?;
        let paused = jobs::paused(&state, &job.name).await?;
        let lease = lightspeed_sync::StateStore::lease(&state, &jobs::lease_name(&job.name))
            .await?
            .filter(|l| l.is_held_at(now));
        let last = runs::latest(&env.config.runs_dir(), &job.name);
        let next = job.schedule.as_ref().and_then(|s| s.next_after(now));
        let pending = last.as_ref().map_or(0, |r| r.counts.unfinished());
        if !problems.is_empty()
            || mapping.as_ref().is_some_and(Result::is_err)
            || connection.is_some_and(Result::is_err)
            || pending > 0
        {
            code = exit::FAILED;
        }
        let value = json!({
            "job": job.name,
            "kind": job.kind.name(),
            "connection": job.kind.connection(),
            "configured": problems.is_empty(),
            "configuration_problems": problems,
            "mapped": mapping.as_ref().map(Result::is_ok),
            "mapping_problem": mapping.as_ref().and_then(|m| m.clone().err()),
            "connected": connection.map(Result::is_ok),
            "connection_problem": connection.and_then(|c| c.clone().err()),
            "paused": paused.is_some(),
            "paused_because": paused,
            "running_in": lease.as_ref().map(|l| l.holder.clone()),
            "schedule": job.schedule.as_ref().map(|s| s.text.clone()),
            "next_run": next.map(runs::stamp),
            "last_run": last.as_ref().map(|r| json!({
                "id": r.id, "trigger": r.trigger, "finished_at": r.finished_at,
                "outcome": r.outcome, "exit_code": r.exit_code, "counts": r.counts, "error": r.error,
            })),
            "pending": pending,
        });
        if !env.json {
            print!("{}", text(job, &value));
        }
        all.push(value);
    }
    if env.json {
        println!("{}", Value::Array(all));
    }
    Ok(code)
}

fn yes_no(v: &Value, problem: &Value) -> String {
    match v.as_bool() {
        Some(true) => "yes".into(),
        Some(false) => format!("NO: {}", problem.as_str().unwrap_or("")),
        None => "not checked".into(),
    }
}

fn text(job: &Job, v: &Value) -> String {
    let mut out = format!(
        "{} ({} job, connection {})\n",
        job.name,
        job.kind.name(),
        job.kind.connection()
    );
    let problems: Vec<&str> = v["configuration_problems"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    out.push_str(&format!(
        "  configured: {}\n",
        if problems.is_empty() {
            "yes".to_string()
        } else {
            format!("NO: {}", problems.join("; "))
        }
    ));
    if !v["mapped"].is_null() {
        out.push_str(&format!(
            "  mapped: {}\n",
            yes_no(&v["mapped"], &v["mapping_problem"])
        ));
    }
    out.push_str(&format!(
        "  connected: {}\n",
        yes_no(&v["connected"], &v["connection_problem"])
    ));
    match v["paused_because"].as_str() {
        Some(why) => out.push_str(&format!("  paused: yes ({why})\n")),
        None => out.push_str("  paused: no\n"),
    }
    if let Some(holder) = v["running_in"].as_str() {
        out.push_str(&format!("  running now in {holder}\n"));
    }
    match (v["schedule"].as_str(), v["next_run"].as_str()) {
        (Some(s), Some(next)) => out.push_str(&format!("  schedule: {s} (UTC), next run {next}\n")),
        (Some(s), None) => out.push_str(&format!("  schedule: {s} (UTC), no next run\n")),
        _ => out.push_str("  schedule: none (runs by hand or on webhooks)\n"),
    }
    match v["last_run"].as_object() {
        Some(last) => {
            let counts: runs::Counts =
                serde_json::from_value(last["counts"].clone()).unwrap_or_default();
            out.push_str(&format!(
                "  last run: {} ({}), {}: {}\n",
                last["id"].as_str().unwrap_or(""),
                last["trigger"].as_str().unwrap_or(""),
                last["outcome"].as_str().unwrap_or("").replace('_', " "),
                last["error"]
                    .as_str()
                    .map_or_else(|| counts.line(), str::to_string)
            ));
            out.push_str(&format!("  pending: {}\n", v["pending"]));
        }
        None => out.push_str("  last run: never\n"),
    }
    out
}
