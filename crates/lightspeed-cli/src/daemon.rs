//! `daemon`: runs jobs on their schedules (cron, in UTC) and on webhooks, until stopped.
//!
//! - **Schedules**: each job with a `schedule` runs at its next occurrence. `--clock-start`
//!   starts the schedule clock at a given time instead of now (it then runs at normal speed),
//!   to try a schedule out without waiting for it, and in tests.
//! - **One run at a time per job**: each job has a worker; triggers that arrive while it runs
//!   are merged into its next run. Every run takes the job's lease in its state store, so two
//!   daemons (or a daemon and a `run`) sharing a state file never run the job at once; a paused
//!   job is not run (`pause`, `resume`).
//! - **Webhooks** (axum): `POST /webhooks/ecom/{connection}` (eCom, `X-Signature` checked with
//!   the API secret and the configured webhook secret): the products named are synced again
//!   from the PIM by every catalog job on that shop, a partial sync of their keys;
//!   `POST /webhooks/xseries/{connection}` (X-Series, signed with the OAuth client secret or the
//!   configured webhook secret): `product.update` runs the connection's `inventory-primary`
//!   jobs (they read what changed since their cursor), `inventory.update` its
//!   `inventory-secondary` jobs (or the primary ones when there are none);
//!   `POST /pim/{job}` with `Authorization: Bearer <[daemon] pim_token>` and a JSON list of
//!   changed keys (or `{"keys": [...]}`): a partial sync of those keys. `GET /health` answers
//!   the jobs and their state.
//! - **Shutdown** (Ctrl-C, SIGTERM): no new run starts; a catalog run in flight finishes the
//!   items it is writing and leaves the rest pending for the next run; the listener stops.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use lightspeed_core::{ExposeSecret, SecretString};
use lightspeed_sync::StopSignal;
use lightspeed_sync::state::StateStore;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc, watch};

use crate::config::{Connection, Job, JobKind};
use crate::connect::{self, Setup};
use crate::exit::{self, CliError};
use crate::jobs::{self, Env};
use crate::runs;

/// The daemon's options.
#[derive(Debug, clap::Args)]
pub struct DaemonArgs {
    /// Where the webhook listener listens (default: `[daemon] listen`, `127.0.0.1:8787`).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Starts the schedule clock at this UTC time (RFC 3339) instead of now; it then runs at
    /// normal speed. To try a schedule out, and in tests.
    #[arg(long, value_name = "TIME")]
    clock_start: Option<DateTime<Utc>>,
    /// Only these jobs (default: every job).
    #[arg(long = "job", value_name = "JOB")]
    jobs: Vec<String>,
}

/// What starts a run.
#[derive(Debug, Clone)]
enum Trigger {
    /// Everything: the schedule, or an X-Series webhook.
    Full(&'static str),
    /// These keys (a PIM post).
    Keys(BTreeSet<String>),
    /// These eCom product ids (a webhook); the state store knows their keys.
    Products(BTreeSet<String>),
}

/// An eCom connection's webhooks: the secrets that may sign, and the catalog jobs on it.
struct EcomHooks {
    secrets: Vec<SecretString>,
    catalogs: Vec<String>,
}

/// An X-Series connection's webhooks: the secret that signs, the primary and secondary jobs.
struct XSeriesHooks {
    secret: Option<SecretString>,
    primaries: Vec<String>,
    secondaries: Vec<String>,
}

/// What the listener needs, owned (the handlers outlive any borrow).
struct Hooks {
    /// Per eCom connection.
    ecom: BTreeMap<String, EcomHooks>,
    /// Per X-Series connection.
    xseries: BTreeMap<String, XSeriesHooks>,
    /// The PIM's bearer token.
    pim_token: Option<SecretString>,
    /// The catalog jobs (a PIM may post to).
    catalogs: BTreeSet<String>,
    /// Each job's worker.
    workers: BTreeMap<String, mpsc::UnboundedSender<Trigger>>,
    /// When the daemon started, and its jobs (for `/health`).
    started: String,
}

impl Hooks {
    fn send(&self, job: &str, trigger: Trigger) -> bool {
        self.workers
            .get(job)
            .is_some_and(|w| w.send(trigger).is_ok())
    }
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

async fn health(State(hooks): State<Arc<Hooks>>) -> Response {
    answer(
        StatusCode::OK,
        json!({"status": "ok", "started": hooks.started, "jobs": hooks.workers.keys().collect::<Vec<_>>()}),
    )
}

async fn ecom_webhook(
    State(hooks): State<Arc<Hooks>>,
    Path(connection): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(EcomHooks { secrets, catalogs }) = hooks.ecom.get(&connection) else {
        return answer(
            StatusCode::NOT_FOUND,
            json!({"error": format!("no eCom connection `{connection}`")}),
        );
    };
    let mut verifier = lightspeed_ecom::webhook::WebhookVerifier::new(secrets[0].clone());
    for s in &secrets[1..] {
        verifier = verifier.also_accept(s.clone());
    }
    let event = match verifier.parse(&headers, &body) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(connection, error = %e, "eCom webhook refused");
            let forged = matches!(e, lightspeed_ecom::Error::WebhookSignature { .. });
            return refused(forged, &e);
        }
    };
    use lightspeed_ecom::webhook::WebhookRecord;
    let product = match &event.record {
        WebhookRecord::Variant(v) => v.product.as_ref().and_then(|l| l.id).map(|i| i.to_string()),
        WebhookRecord::Product(p) => Some(p.id.to_string()),
        _ if event.group.as_str() == "products" => event.record_id.map(|i| i.to_string()),
        _ => None,
    };
    let Some(product) = product else {
        return answer(
            StatusCode::OK,
            json!({"ignored": format!("{} events do not start a sync", event.group.as_str())}),
        );
    };
    let queued: Vec<&String> = catalogs
        .iter()
        .filter(|job| hooks.send(job, Trigger::Products(BTreeSet::from([product.clone()]))))
        .collect();
    tracing::info!(connection, product, jobs = ?queued, "eCom webhook: a partial sync is queued");
    answer(
        StatusCode::ACCEPTED,
        json!({"queued": queued, "product": product}),
    )
}

/// A webhook refused: 401 when its signature does not verify, 400 when it does not parse.
fn refused(forged: bool, error: &dyn std::fmt::Display) -> Response {
    let status = if forged {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::BAD_REQUEST
    };
    answer(status, json!({"error": error.to_string()}))
}

async fn xseries_webhook(
    State(hooks): State<Arc<Hooks>>,
    Path(connection): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(XSeriesHooks {
        secret,
        primaries,
        secondaries,
    }) = hooks.xseries.get(&connection)
    else {
        return answer(
            StatusCode::NOT_FOUND,
            json!({"error": format!("no X-Series connection `{connection}`")}),
        );
    };
    let Some(secret) = secret else {
        return answer(
            StatusCode::UNAUTHORIZED,
            json!({"error": format!("connection `{connection}` has no secret to check signatures with (an OAuth client secret, or webhook_secret_env); unsigned webhooks are refused")}),
        );
    };
    let signature = headers.get("x-signature").and_then(|v| v.to_str().ok());
    let verifier = lightspeed_xseries::webhook::WebhookVerifier::new(secret.clone());
    let event = match verifier.parse(signature, &body, None) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(connection, error = %e, "X-Series webhook refused");
            let forged = matches!(e, lightspeed_xseries::Error::WebhookSignature { .. });
            return refused(forged, &e);
        }
    };
    use lightspeed_xseries::model::WebhookType;
    let jobs: &Vec<String> = match event.kind {
        WebhookType::ProductUpdate => primaries,
        WebhookType::InventoryUpdate if !secondaries.is_empty() => secondaries,
        WebhookType::InventoryUpdate => primaries,
        ref other => {
            return answer(
                StatusCode::OK,
                json!({"ignored": format!("{other} events do not start a sync")}),
            );
        }
    };
    let queued: Vec<&String> = jobs
        .iter()
        .filter(|job| hooks.send(job, Trigger::Full("webhook")))
        .collect();
    tracing::info!(connection, kind = %event.kind, jobs = ?queued, "X-Series webhook: runs queued");
    answer(
        StatusCode::ACCEPTED,
        json!({"queued": queued, "event": event.kind.to_string()}),
    )
}

async fn pim_post(
    State(hooks): State<Arc<Hooks>>,
    Path(job): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = &hooks.pim_token else {
        return answer(
            StatusCode::FORBIDDEN,
            json!({"error": "the daemon takes no PIM posts: set [daemon] pim_token_env (or pim_token_file)"}),
        );
    };
    let given = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    use subtle::ConstantTimeEq;
    let expected = token.expose_secret().as_bytes();
    if given.len() != expected.len() || !bool::from(given.as_bytes().ct_eq(expected)) {
        return answer(
            StatusCode::UNAUTHORIZED,
            json!({"error": "missing or wrong bearer token"}),
        );
    }
    if !hooks.catalogs.contains(&job) {
        return answer(
            StatusCode::NOT_FOUND,
            json!({"error": format!("no catalog job `{job}`")}),
        );
    }
    let keys: Option<Vec<String>> = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
        let list = v.get("keys").cloned().unwrap_or(v);
        serde_json::from_value(list).ok()
    });
    let Some(keys) = keys.filter(|k| !k.is_empty()) else {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({"error": "expected a JSON list of keys, or {\"keys\": [...]}"}),
        );
    };
    let keys: BTreeSet<String> = keys.into_iter().map(|k| k.trim().to_string()).collect();
    let count = keys.len();
    hooks.send(&job, Trigger::Keys(keys));
    tracing::info!(job, keys = count, "PIM post: a partial sync is queued");
    answer(
        StatusCode::ACCEPTED,
        json!({"queued": [job], "keys": count}),
    )
}

/// Prints an event: a line for people, or a JSON object under `--json`.
fn event(json_mode: bool, value: Value, line: String) {
    if json_mode {
        println!("{value}");
    } else {
        println!("{line}");
    }
}

/// Resolves eCom product ids to the keys the state store knows them by.
async fn keys_of(job: &Job, ids: &BTreeSet<String>) -> BTreeSet<String> {
    let Ok(state) = jobs::open_state(job) else {
        return BTreeSet::new();
    };
    match state.items().await {
        Ok(items) => items
            .into_iter()
            .filter(|(_, s)| ids.contains(&s.actual.id))
            .map(|(k, _)| k)
            .collect(),
        Err(e) => {
            tracing::warn!(job = %job.name, error = %e, "cannot read the state store");
            BTreeSet::new()
        }
    }
}

/// One job's worker: runs it once per batch of triggers, until shutdown.
async fn worker(
    env: &Env<'_>,
    job: &Job,
    mut rx: mpsc::UnboundedReceiver<Trigger>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let first = tokio::select! {
            biased;
            _ = shutdown.wait_for(|stopping| *stopping) => return,
            t = rx.recv() => match t { Some(t) => t, None => return },
        };
        let mut batch = vec![first];
        while let Ok(t) = rx.try_recv() {
            batch.push(t);
        }
        let full = batch.iter().find_map(|t| match t {
            Trigger::Full(why) => Some(*why),
            _ => None,
        });
        let (trigger, only) = match full {
            Some(why) => (why, None),
            None => {
                let mut keys = BTreeSet::new();
                let mut why = "pim";
                for t in &batch {
                    match t {
                        Trigger::Keys(k) => keys.extend(k.iter().cloned()),
                        Trigger::Products(ids) => {
                            why = "webhook";
                            keys.extend(keys_of(job, ids).await);
                        }
                        Trigger::Full(_) => {}
                    }
                }
                if keys.is_empty() {
                    event(
                        env.json,
                        json!({"event": "skipped", "job": job.name, "reason": "no known keys"}),
                        format!(
                            "{}: the webhook named no product this job synced; nothing to do",
                            job.name
                        ),
                    );
                    continue;
                }
                (why, Some(keys))
            }
        };
        match jobs::run(env, job, trigger, only).await {
            Ok(record) => event(
                env.json,
                json!({"event": "run", "job": job.name, "run": record.id, "trigger": trigger, "outcome": record.outcome, "counts": record.counts, "error": record.error}),
                format!(
                    "{}: run {} ({trigger}): {}: {}",
                    job.name,
                    record.id,
                    record.outcome.replace('_', " "),
                    record.error.clone().unwrap_or_else(|| record.counts.line())
                ),
            ),
            Err(e) => event(
                env.json,
                json!({"event": "not_run", "job": job.name, "trigger": trigger, "reason": e.to_string()}),
                format!("{}: not run ({trigger}): {e}", job.name),
            ),
        }
    }
}

/// Sends each job its scheduled runs; `start` is the schedule clock's start (now, or
/// `--clock-start`).
async fn scheduler(
    jobs: &[&Job],
    hooks: &Hooks,
    start: DateTime<Utc>,
    mut shutdown: watch::Receiver<bool>,
) {
    let began = std::time::Instant::now();
    let now = || start + chrono::Duration::from_std(began.elapsed()).unwrap_or_default();
    let mut next: BTreeMap<String, DateTime<Utc>> = jobs
        .iter()
        .filter_map(|j| Some((j.name.clone(), j.schedule.as_ref()?.next_after(now())?)))
        .collect();
    loop {
        let Some((name, at)) = next
            .iter()
            .min_by_key(|(_, at)| **at)
            .map(|(n, a)| (n.clone(), *a))
        else {
            // Nothing scheduled: wait for shutdown.
            let _ = shutdown.wait_for(|stopping| *stopping).await;
            return;
        };
        let wait = (at - now()).to_std().unwrap_or(Duration::ZERO);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait_for(|stopping| *stopping) => return,
        }
        hooks.send(&name, Trigger::Full("schedule"));
        let job = jobs.iter().find(|j| j.name == name);
        match job.and_then(|j| j.schedule.as_ref()?.next_after(at)) {
            Some(after) => {
                next.insert(name, after);
            }
            None => {
                next.remove(&name);
            }
        }
    }
}

/// Waits for Ctrl-C or SIGTERM.
async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs the daemon until Ctrl-C or SIGTERM.
pub async fn run(env: &Env<'_>, args: &DaemonArgs) -> Result<u8, CliError> {
    let config = env.config;
    for name in &args.jobs {
        config.job(name).map_err(CliError::Config)?;
    }
    let chosen: Vec<&Job> = config
        .jobs
        .values()
        .filter(|j| args.jobs.is_empty() || args.jobs.contains(&j.name))
        .collect();
    if chosen.is_empty() {
        return Err(CliError::Config(format!(
            "{} has no jobs to run",
            config.file.display()
        )));
    }
    let setup = Setup {
        config,
        emulator: env.emulator,
        quick: false,
    };
    let mut hooks = Hooks {
        ecom: BTreeMap::new(),
        xseries: BTreeMap::new(),
        pim_token: match &config.daemon.pim_token {
            Some(r) => Some(
                r.resolve()
                    .map_err(|e| CliError::Config(format!("[daemon] pim_token: {e}")))?,
            ),
            None => None,
        },
        catalogs: BTreeSet::new(),
        workers: BTreeMap::new(),
        started: runs::stamp(Utc::now()),
    };
    for (name, connection) in &config.connections {
        let used: Vec<&&Job> = chosen
            .iter()
            .filter(|j| j.kind.connection() == name)
            .collect();
        if used.is_empty() {
            continue;
        }
        match connection {
            Connection::Ecom(c) => {
                let secrets = connect::ecom_webhook_secrets(&setup, name, c)?;
                let catalogs = used
                    .iter()
                    .filter(|j| matches!(j.kind, JobKind::Catalog(_)))
                    .map(|j| j.name.clone())
                    .collect();
                hooks
                    .ecom
                    .insert(name.clone(), EcomHooks { secrets, catalogs });
            }
            Connection::XSeries(c) => {
                let secret = connect::xseries_webhook_secret(&setup, name, c)?;
                let primaries = used
                    .iter()
                    .filter(|j| matches!(j.kind, JobKind::InventoryPrimary(_)))
                    .map(|j| j.name.clone())
                    .collect();
                let secondaries = used
                    .iter()
                    .filter(|j| matches!(j.kind, JobKind::InventorySecondary(_)))
                    .map(|j| j.name.clone())
                    .collect();
                hooks.xseries.insert(
                    name.clone(),
                    XSeriesHooks {
                        secret,
                        primaries,
                        secondaries,
                    },
                );
            }
        }
    }
    let mut receivers = Vec::new();
    for job in &chosen {
        let (tx, rx) = mpsc::unbounded_channel();
        hooks.workers.insert(job.name.clone(), tx);
        if matches!(job.kind, JobKind::Catalog(_)) {
            hooks.catalogs.insert(job.name.clone());
        }
        receivers.push((*job, rx));
    }
    let hooks = Arc::new(hooks);
    let listen: SocketAddr = match args.listen {
        Some(l) => l,
        None => config.daemon.listen.parse().map_err(|_| {
            CliError::Config(format!(
                "[daemon] listen `{}` is not an address",
                config.daemon.listen
            ))
        })?,
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| CliError::Run(format!("cannot listen on {listen}: {e}")))?;
    let address = listener
        .local_addr()
        .map_err(|e| CliError::Run(format!("cannot listen on {listen}: {e}")))?;
    let app = Router::new()
        .route("/health", get(health))
        .route("/webhooks/ecom/{connection}", post(ecom_webhook))
        .route("/webhooks/xseries/{connection}", post(xseries_webhook))
        .route("/pim/{job}", post(pim_post))
        .with_state(hooks.clone());

    let stop = StopSignal::new();
    let env = Env {
        stop: Some(stop.clone()),
        ..env.clone()
    };
    let (shutdown, watching) = watch::channel(false);
    let server_stop = Arc::new(Notify::new());
    let server = {
        let server_stop = server_stop.clone();
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { server_stop.notified().await })
    };
    let start = args.clock_start.unwrap_or_else(Utc::now);
    let scheduled: Vec<String> = chosen
        .iter()
        .filter_map(|j| {
            Some(format!(
                "{} ({}, next {})",
                j.name,
                j.schedule.as_ref()?.text,
                runs::stamp(j.schedule.as_ref()?.next_after(start)?)
            ))
        })
        .collect();
    event(
        env.json,
        json!({"event": "listening", "address": format!("http://{address}"), "jobs": chosen.iter().map(|j| &j.name).collect::<Vec<_>>(), "clock_start": runs::stamp(start)}),
        format!("daemon listening on http://{address}"),
    );
    if !env.json {
        println!(
            "schedules (UTC): {}",
            if scheduled.is_empty() {
                "none".to_string()
            } else {
                scheduled.join("; ")
            }
        );
    }
    let workers = futures::future::join_all(
        receivers
            .into_iter()
            .map(|(job, rx)| worker(&env, job, rx, watching.clone())),
    );
    let schedule = scheduler(&chosen, &hooks, start, watching.clone());
    let stopping = async {
        signal().await;
        event(
            env.json,
            json!({"event": "stopping"}),
            "stopping: no new run starts; the items in flight are finished".into(),
        );
        stop.stop();
        let _ = shutdown.send(true);
        server_stop.notify_one();
    };
    let (_, _, _, served) = tokio::join!(workers, schedule, stopping, async { server.await });
    if let Err(e) = served {
        return Err(CliError::Run(format!("the listener failed: {e}")));
    }
    event(
        env.json,
        json!({"event": "stopped"}),
        "daemon stopped".into(),
    );
    Ok(exit::OK)
}
