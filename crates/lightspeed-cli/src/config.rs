//! The configuration file (`lightspeed.toml`): named connections and jobs, the daemon and the
//! embedded emulator.
//!
//! The file is read in two passes. `toml` and serde read it into `Raw*` structs that refuse
//! unknown keys and values of the wrong type (with the byte span of the culprit); then each
//! section is checked (a job names a connection that exists, a cron expression parses, a key
//! fits the job's kind) with the span each value was read from. Every problem becomes a
//! [`ConfigError`] naming the file, the line, the column and the dotted key.
//!
//! Secrets are never written in the file: a connection names an environment variable
//! (`secret_env`) or a file (`secret_file`), read when the connection is used
//! ([`SecretRef::resolve`]), into `secrecy` types that never print.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{NaiveTime, Weekday};
use lightspeed_core::SecretString;
use lightspeed_sync::CreateMissing;
use lightspeed_sync::source::FileFormat;
use rust_decimal::Decimal;
use serde::Deserialize;
use toml::Spanned;

/// The file read when `--config` is not given.
pub const DEFAULT_FILE: &str = "lightspeed.toml";

/// One problem with the configuration, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub file: String,
    /// Line and column (1-based), when known.
    pub at: Option<(usize, usize)>,
    /// The dotted key (`jobs.catalog.schedule`), when known.
    pub key: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, column)) = self.at {
            write!(f, ":{line}:{column}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": {key}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, e) in self.0.iter().enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Where a secret comes from. Never the file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// An environment variable, by name.
    Env(String),
    /// A file holding only the secret (a trailing newline is ignored).
    File(PathBuf),
    /// Written in the config (allowed only for values that are not secret, such as an eCom
    /// API key).
    Plain(String),
}

impl SecretRef {
    /// Reads the secret; the error names the variable or the file, never the value.
    pub fn resolve(&self) -> Result<SecretString, String> {
        match self {
            SecretRef::Env(name) => match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => Ok(SecretString::from(v.trim().to_string())),
                Ok(_) => Err(format!("the environment variable {name} is empty")),
                Err(_) => Err(format!("the environment variable {name} is not set")),
            },
            SecretRef::File(path) => match std::fs::read_to_string(path) {
                Ok(v) if !v.trim().is_empty() => Ok(SecretString::from(v.trim().to_string())),
                Ok(_) => Err(format!("the file {} is empty", path.display())),
                Err(e) => Err(format!("cannot read {}: {e}", path.display())),
            },
            SecretRef::Plain(v) => Ok(SecretString::from(v.clone())),
        }
    }
}

/// Where eCom requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EcomEndpoint {
    /// A cluster (`eu1`, `us1`).
    Cluster(lightspeed_ecom::Cluster),
    /// Any base URL.
    BaseUrl(String),
}

/// An eCom shop.
#[derive(Debug, Clone)]
pub struct EcomConnection {
    /// The API key.
    pub key: SecretRef,
    /// The API secret.
    pub secret: SecretRef,
    /// Cluster or base URL.
    pub endpoint: EcomEndpoint,
    /// The language requests are made in.
    pub language: String,
    /// Another secret that may sign webhooks (the app secret), besides the API secret.
    pub webhook_secret: Option<SecretRef>,
}

/// Where X-Series requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XSeriesEndpoint {
    /// `https://{prefix}.retail.lightspeed.app`.
    DomainPrefix(String),
    /// Any base URL.
    BaseUrl(String),
}

/// How X-Series requests are authenticated.
#[derive(Debug, Clone)]
pub enum XSeriesAuth {
    /// A personal token.
    Token(SecretRef),
    /// An OAuth app, its tokens in a file that the tool keeps current.
    OAuth {
        /// The app's client id.
        client_id: String,
        /// The app's client secret (also the key of webhook signatures).
        client_secret: SecretRef,
        /// The token file ([`lightspeed_xseries::oauth::FileTokenStore`]).
        token_store: PathBuf,
    },
}

/// An X-Series store.
#[derive(Debug, Clone)]
pub struct XSeriesConnection {
    /// Domain prefix or base URL.
    pub endpoint: XSeriesEndpoint,
    /// Token or OAuth.
    pub auth: XSeriesAuth,
    /// Registers (the rate limit is `300 × registers + 50` per 5 minutes).
    pub registers: u32,
    /// The secret that signs webhooks when it is not the OAuth client secret.
    pub webhook_secret: Option<SecretRef>,
}

/// A named connection.
#[derive(Debug, Clone)]
pub enum Connection {
    /// Lightspeed eCom.
    Ecom(EcomConnection),
    /// Lightspeed Retail X-Series.
    XSeries(XSeriesConnection),
}

impl Connection {
    /// `ecom` or `xseries`.
    pub fn kind(&self) -> &'static str {
        match self {
            Connection::Ecom(_) => "ecom",
            Connection::XSeries(_) => "xseries",
        }
    }
}

/// Where a job's records come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A file; the format from `format` or the file's extension.
    File {
        /// The file.
        path: PathBuf,
        /// The format.
        format: FileFormat,
    },
    /// A command's standard output.
    Command {
        /// The program and its arguments.
        argv: Vec<String>,
        /// The output's format.
        format: FileFormat,
        /// Where it runs (the config file's folder).
        dir: PathBuf,
    },
}

impl SourceSpec {
    /// For messages and reports.
    pub fn describe(&self) -> String {
        match self {
            SourceSpec::File { path, .. } => path.display().to_string(),
            SourceSpec::Command { argv, .. } => format!("command `{}`", argv.join(" ")),
        }
    }
}

/// A catalog job: PIM records through a mapping into an eCom shop.
#[derive(Debug, Clone)]
pub struct CatalogJob {
    /// The PIM export.
    pub source: SourceSpec,
    /// The mapping document.
    pub mapping: PathBuf,
    /// The eCom connection.
    pub connection: String,
    /// Which missing brands, categories... may be created.
    pub create_missing: CreateMissing,
    /// Hide items that left the source.
    pub archive_missing: bool,
    /// Delete them instead.
    pub delete_missing: bool,
    /// The archive guard.
    pub max_archive_fraction: f64,
    /// Archive beyond the guard.
    pub force: bool,
    /// Items applied at once.
    pub concurrency: usize,
    /// Hours between full reads of the shop (0: every run).
    pub reconcile_hours: u64,
    /// The field that holds the create marker (`data03` by default).
    pub marker_field: Option<String>,
}

/// Get Inventory (Primary).
#[derive(Debug, Clone)]
pub struct PrimaryJob {
    /// The X-Series connection.
    pub connection: String,
    /// The mapping template (target `pool.item`).
    pub mapping: PathBuf,
    /// The pool (a SQLite file).
    pub pool: PathBuf,
    /// Archive items that left the feed.
    pub archive_missing: bool,
    /// Read everything on every run.
    pub full: bool,
    /// Count stock at these outlets only.
    pub outlets: Option<Vec<String>>,
}

/// Get Inventory (Secondary).
#[derive(Debug, Clone)]
pub struct SecondaryJob {
    /// The X-Series connection.
    pub connection: String,
    /// The pool.
    pub pool: PathBuf,
    /// Count stock at these outlets only.
    pub outlets: Option<Vec<String>>,
    /// Add variants the pool does not know.
    pub allow_create_variant: bool,
    /// Archive the pool items whose products were deleted in X-Series.
    pub archive_missing: bool,
}

/// Fulfillment requests as X-Series register sales.
#[derive(Debug, Clone)]
pub struct FulfillmentJob {
    /// The X-Series connection.
    pub connection: String,
    /// The requests (a JSON array).
    pub source: SourceSpec,
    /// Register, user and tax.
    pub register_id: String,
    /// The user making the sales.
    pub user_id: String,
    /// The tax of every line.
    pub tax_id: String,
    /// Its rate (0.21).
    pub tax_rate: Decimal,
    /// A payment type paying the total.
    pub payment_type_id: Option<String>,
    /// The sales' status.
    pub status: lightspeed_xseries::model::SaleStatus,
    /// A shipping product's SKU.
    pub shipping_sku: Option<String>,
    /// Hours to hold a request.
    pub hold_hours: u32,
    /// When sales may be sent.
    pub business_hours: Option<lightspeed_sync::fulfillment::BusinessHours>,
}

/// What a job does.
#[derive(Debug, Clone)]
pub enum JobKind {
    /// `catalog`.
    Catalog(CatalogJob),
    /// `inventory-primary`.
    InventoryPrimary(PrimaryJob),
    /// `inventory-secondary`.
    InventorySecondary(SecondaryJob),
    /// `fulfillment`.
    Fulfillment(FulfillmentJob),
}

impl JobKind {
    /// The kind's name in the file.
    pub fn name(&self) -> &'static str {
        match self {
            JobKind::Catalog(_) => "catalog",
            JobKind::InventoryPrimary(_) => "inventory-primary",
            JobKind::InventorySecondary(_) => "inventory-secondary",
            JobKind::Fulfillment(_) => "fulfillment",
        }
    }

    /// The connection the job uses.
    pub fn connection(&self) -> &str {
        match self {
            JobKind::Catalog(j) => &j.connection,
            JobKind::InventoryPrimary(j) => &j.connection,
            JobKind::InventorySecondary(j) => &j.connection,
            JobKind::Fulfillment(j) => &j.connection,
        }
    }
}

/// A cron schedule in UTC.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// As written.
    pub text: String,
    /// Parsed.
    pub cron: croner::Cron,
}

impl Schedule {
    /// The first run strictly after `after`.
    pub fn next_after(
        &self,
        after: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        self.cron.find_next_occurrence(&after, false).ok()
    }
}

/// A named job.
#[derive(Debug, Clone)]
pub struct Job {
    /// Its name (the table's key).
    pub name: String,
    /// What it does.
    pub kind: JobKind,
    /// Its state store (a SQLite file; see [`Config::work_dir`]).
    pub state: PathBuf,
    /// When the daemon runs it.
    pub schedule: Option<Schedule>,
}

/// The daemon's settings.
#[derive(Debug, Clone)]
pub struct DaemonSettings {
    /// Where the webhook listener listens.
    pub listen: String,
    /// The bearer token a PIM sends with changed keys.
    pub pim_token: Option<SecretRef>,
    /// How long a job's lease lasts before it must be renewed.
    pub lease: Duration,
}

/// The embedded emulator's settings (`--emulator`).
#[derive(Debug, Clone)]
pub struct EmulatorSettings {
    /// Seed data for a fresh emulator.
    pub seed_data: Option<PathBuf>,
    /// How much faster than real time its rate-limit windows run.
    pub time_compression: u32,
    /// eCom requests per (compressed) five-minute window (300, as the real API).
    pub ecom_rate_limit: u32,
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub file: PathBuf,
    /// Where state stores, pools, run records and emulator data live (relative state and
    /// pool paths are relative to it).
    pub work_dir: PathBuf,
    /// How long to wait for a connection to a host.
    pub connect_timeout: Duration,
    /// Connections by name.
    pub connections: BTreeMap<String, Connection>,
    /// Jobs by name.
    pub jobs: BTreeMap<String, Job>,
    /// The daemon.
    pub daemon: DaemonSettings,
    /// The embedded emulator.
    pub emulator: EmulatorSettings,
}

impl Config {
    /// Reads and checks `file`; every problem is reported, each with its place.
    pub fn load(file: &Path, emulator: bool) -> Result<Config, ConfigErrors> {
        let shown = file.display().to_string();
        let text = std::fs::read_to_string(file).map_err(|e| {
            ConfigErrors(vec![ConfigError {
                file: shown.clone(),
                at: None,
                key: None,
                message: format!(
                    "cannot be read ({e}); give the configuration with --config, or write a {DEFAULT_FILE} (see docs/cli.md)"
                ),
            }])
        })?;
        // A file in the working folder has an empty parent: its relative paths stay relative.
        let dir = file.parent().map_or_else(PathBuf::new, Path::to_path_buf);
        parse(&text, &shown, &dir, emulator)
    }

    /// A job by name, or an error listing the jobs there are.
    pub fn job(&self, name: &str) -> Result<&Job, String> {
        self.jobs.get(name).ok_or_else(|| {
            format!(
                "no job `{name}` in {} (jobs: {})",
                self.file.display(),
                names(self.jobs.keys())
            )
        })
    }

    /// A connection by name, or an error listing the connections there are.
    pub fn connection(&self, name: &str) -> Result<&Connection, String> {
        self.connections.get(name).ok_or_else(|| {
            format!(
                "no connection `{name}` in {} (connections: {})",
                self.file.display(),
                names(self.connections.keys())
            )
        })
    }

    /// Where run records are kept.
    pub fn runs_dir(&self) -> PathBuf {
        self.work_dir.join("runs")
    }
}

fn names<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let all: Vec<&str> = keys.map(String::as_str).collect();
    if all.is_empty() {
        "none".into()
    } else {
        all.join(", ")
    }
}

// ---------------------------------------------------------------------------------------------
// The file as serde reads it.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    settings: Option<RawSettings>,
    #[serde(default)]
    connections: BTreeMap<String, Spanned<RawConnection>>,
    #[serde(default)]
    jobs: BTreeMap<String, Spanned<RawJob>>,
    #[serde(default)]
    daemon: Option<RawDaemon>,
    #[serde(default)]
    emulator: Option<RawEmulator>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    work_dir: Option<Spanned<String>>,
    connect_timeout_seconds: Option<Spanned<u64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDaemon {
    listen: Option<Spanned<String>>,
    pim_token_env: Option<Spanned<String>>,
    pim_token_file: Option<Spanned<String>>,
    lease_seconds: Option<Spanned<u64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmulator {
    seed_data: Option<Spanned<String>>,
    time_compression: Option<Spanned<u32>>,
    ecom_rate_limit: Option<Spanned<u32>>,
}

/// Every key a connection may have; which ones apply depends on `kind`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConnection {
    kind: Option<Spanned<String>>,
    // eCom
    key: Option<Spanned<String>>,
    key_env: Option<Spanned<String>>,
    key_file: Option<Spanned<String>>,
    secret: Option<Spanned<toml::Value>>,
    secret_env: Option<Spanned<String>>,
    secret_file: Option<Spanned<String>>,
    cluster: Option<Spanned<String>>,
    language: Option<Spanned<String>>,
    // X-Series
    domain_prefix: Option<Spanned<String>>,
    token: Option<Spanned<toml::Value>>,
    token_env: Option<Spanned<String>>,
    token_file: Option<Spanned<String>>,
    client_id: Option<Spanned<String>>,
    client_secret: Option<Spanned<toml::Value>>,
    client_secret_env: Option<Spanned<String>>,
    client_secret_file: Option<Spanned<String>>,
    token_store: Option<Spanned<String>>,
    registers: Option<Spanned<u32>>,
    // both
    base_url: Option<Spanned<String>>,
    webhook_secret_env: Option<Spanned<String>>,
    webhook_secret_file: Option<Spanned<String>>,
}

/// Every key a job may have; which ones apply depends on `kind`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJob {
    kind: Option<Spanned<String>>,
    connection: Option<Spanned<String>>,
    schedule: Option<Spanned<String>>,
    state: Option<Spanned<String>>,
    source: Option<Spanned<String>>,
    command: Option<Spanned<Vec<String>>>,
    format: Option<Spanned<String>>,
    mapping: Option<Spanned<String>>,
    // catalog
    create_missing: Option<Spanned<toml::Value>>,
    archive_missing: Option<Spanned<bool>>,
    delete_missing: Option<Spanned<bool>>,
    max_archive_fraction: Option<Spanned<f64>>,
    force: Option<Spanned<bool>>,
    concurrency: Option<Spanned<usize>>,
    reconcile_hours: Option<Spanned<u64>>,
    marker_field: Option<Spanned<String>>,
    // inventory
    pool: Option<Spanned<String>>,
    full: Option<Spanned<bool>>,
    outlets: Option<Spanned<Vec<String>>>,
    allow_create_variant: Option<Spanned<bool>>,
    // fulfillment
    register_id: Option<Spanned<String>>,
    user_id: Option<Spanned<String>>,
    tax_id: Option<Spanned<String>>,
    tax_rate: Option<Spanned<toml::Value>>,
    payment_type_id: Option<Spanned<String>>,
    status: Option<Spanned<String>>,
    shipping_sku: Option<Spanned<String>>,
    hold_hours: Option<Spanned<u32>>,
    business_hours: Option<Spanned<RawHours>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHours {
    zone: Spanned<String>,
    #[serde(default)]
    days: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    open: Option<Spanned<String>>,
    #[serde(default)]
    close: Option<Spanned<String>>,
}

// ---------------------------------------------------------------------------------------------
// Places in the text.

/// The line and column (1-based, in characters) of byte `offset` of `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// The dotted key being defined at byte `offset`: the nearest table header above it, and the
/// key of its line (`jobs.catalog.schedule`).
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start_of_line = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start_of_line..].lines().next().unwrap_or("");
    let table = text[..start_of_line]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|h| h.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    let trimmed = line.trim_start();
    if trimmed.starts_with('[') {
        return Some(
            trimmed
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string(),
        );
    }
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty() && !k.starts_with('#'));
    match (table, key) {
        (Some(t), Some(k)) => Some(format!("{t}.{k}")),
        (None, Some(k)) => Some(k),
        (Some(t), None) => Some(t),
        (None, None) => None,
    }
}

/// Collects problems as the sections are checked.
struct Check<'a> {
    text: &'a str,
    file: &'a str,
    dir: &'a Path,
    errors: Vec<ConfigError>,
}

impl Check<'_> {
    fn at(&mut self, span: Range<usize>, key: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ConfigError {
            file: self.file.to_string(),
            at: Some(line_column(self.text, span.start)),
            key: Some(key.into()),
            message: message.into(),
        });
    }

    fn path(&self, value: &str) -> PathBuf {
        let p = PathBuf::from(value);
        if p.is_absolute() { p } else { self.dir.join(p) }
    }
}

/// Parses and checks a configuration text (`file` names it in errors, `dir` resolves its
/// relative paths).
pub fn parse(text: &str, file: &str, dir: &Path, emulator: bool) -> Result<Config, ConfigErrors> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let span = e.span();
        ConfigErrors(vec![ConfigError {
            file: file.to_string(),
            at: span.clone().map(|s| line_column(text, s.start)),
            key: span.and_then(|s| key_at(text, s.start)),
            message: e.message().trim().to_string(),
        }])
    })?;
    let mut check = Check {
        text,
        file,
        dir,
        errors: Vec::new(),
    };
    let settings = raw.settings.as_ref();
    let work_dir = settings
        .and_then(|s| s.work_dir.as_ref())
        .map_or_else(|| dir.join(".lightspeed"), |w| check.path(w.get_ref()));
    // The emulator keeps its own state beside the real one, so a trial never touches it.
    let work_dir = if emulator {
        work_dir.join("emulator")
    } else {
        work_dir
    };
    let connect_timeout = Duration::from_secs(
        settings
            .and_then(|s| s.connect_timeout_seconds.as_ref())
            .map_or(10, |s| *s.get_ref())
            .max(1),
    );
    let mut connections = BTreeMap::new();
    for (name, raw) in &raw.connections {
        if let Some(c) = connection(&mut check, name, raw) {
            connections.insert(name.clone(), c);
        }
    }
    let mut jobs = BTreeMap::new();
    for (name, raw) in &raw.jobs {
        if let Some(j) = job(&mut check, name, raw, &connections) {
            let state = j.1.unwrap_or_else(|| format!("{name}.db"));
            let state = if Path::new(&state).is_absolute() {
                PathBuf::from(state)
            } else {
                work_dir.join(state)
            };
            jobs.insert(
                name.clone(),
                Job {
                    name: name.clone(),
                    kind: j.0,
                    state,
                    schedule: j.2,
                },
            );
        }
    }
    // Pools are relative to the work folder too.
    for job in jobs.values_mut() {
        match &mut job.kind {
            JobKind::InventoryPrimary(p) if p.pool.is_relative() => {
                p.pool = work_dir.join(&p.pool);
            }
            JobKind::InventorySecondary(p) if p.pool.is_relative() => {
                p.pool = work_dir.join(&p.pool);
            }
            _ => {}
        }
    }
    let daemon = match &raw.daemon {
        None => DaemonSettings {
            listen: "127.0.0.1:8787".into(),
            pim_token: None,
            lease: Duration::from_secs(300),
        },
        Some(d) => {
            let pim_token = secret_ref(
                &mut check,
                "daemon.pim_token",
                None,
                d.pim_token_env.as_ref(),
                d.pim_token_file.as_ref(),
            );
            if let Some(listen) = &d.listen
                && listen.get_ref().parse::<std::net::SocketAddr>().is_err()
            {
                check.at(
                    listen.span(),
                    "daemon.listen",
                    format!(
                        "`{}` is not an address and port (like `127.0.0.1:8787`)",
                        listen.get_ref()
                    ),
                );
            }
            DaemonSettings {
                listen: d
                    .listen
                    .as_ref()
                    .map_or_else(|| "127.0.0.1:8787".into(), |l| l.get_ref().clone()),
                pim_token,
                lease: Duration::from_secs(
                    d.lease_seconds
                        .as_ref()
                        .map_or(300, |s| *s.get_ref())
                        .max(5),
                ),
            }
        }
    };
    let emulator_settings = EmulatorSettings {
        seed_data: raw
            .emulator
            .as_ref()
            .and_then(|e| e.seed_data.as_ref())
            .map(|s| check.path(s.get_ref())),
        time_compression: raw
            .emulator
            .as_ref()
            .and_then(|e| e.time_compression.as_ref())
            .map_or(100, |t| *t.get_ref())
            .clamp(1, 100_000),
        ecom_rate_limit: raw
            .emulator
            .as_ref()
            .and_then(|e| e.ecom_rate_limit.as_ref())
            .map_or(300, |t| *t.get_ref())
            .max(1),
    };
    if !check.errors.is_empty() {
        check.errors.sort_by_key(|e| e.at);
        return Err(ConfigErrors(check.errors));
    }
    Ok(Config {
        file: PathBuf::from(file),
        work_dir,
        connect_timeout,
        connections,
        jobs,
        daemon,
        emulator: emulator_settings,
    })
}

fn secret_ref(
    check: &mut Check<'_>,
    key: &str,
    inline: Option<&Spanned<toml::Value>>,
    env: Option<&Spanned<String>>,
    file: Option<&Spanned<String>>,
) -> Option<SecretRef> {
    if let Some(inline) = inline {
        check.at(
            inline.span(),
            key,
            format!(
                "secrets are not written in the config file: name an environment variable with `{}_env`, or a file with `{}_file`",
                key.rsplit('.').next().unwrap_or(key),
                key.rsplit('.').next().unwrap_or(key)
            ),
        );
        return None;
    }
    match (env, file) {
        (Some(e), Some(f)) => {
            let span = e.span().start.min(f.span().start)..e.span().end.max(f.span().end);
            check.at(
                span,
                key,
                "give the secret once: an environment variable or a file, not both",
            );
            None
        }
        (Some(e), None) => Some(SecretRef::Env(e.get_ref().clone())),
        (None, Some(f)) => Some(SecretRef::File(check.path(f.get_ref()))),
        (None, None) => None,
    }
}

/// The keys present in a section, with their spans.
type Present<'a> = Vec<(&'static str, Range<usize>)>;

/// Refuses the keys that do not apply to a section's kind.
fn only_keys(
    check: &mut Check<'_>,
    table: &str,
    kind: &str,
    present: &Present<'_>,
    allowed: &[&str],
) {
    for (key, span) in present {
        if !allowed.contains(key) {
            check.at(
                span.clone(),
                format!("{table}.{key}"),
                format!(
                    "`{key}` is not a key of a {kind} (it takes: {})",
                    allowed.join(", ")
                ),
            );
        }
    }
}

macro_rules! present {
    ($raw:expr; $($field:ident),* $(,)?) => {{
        let mut present: Present<'_> = Vec::new();
        $(
            if let Some(value) = &$raw.$field {
                present.push((stringify!($field), value.span()));
            }
        )*
        present
    }};
}

fn connection(
    check: &mut Check<'_>,
    name: &str,
    raw: &Spanned<RawConnection>,
) -> Option<Connection> {
    let table = format!("connections.{name}");
    let span = raw.span();
    let raw = raw.get_ref();
    let present = present!(raw; kind, key, key_env, key_file, secret, secret_env, secret_file,
        cluster, language, domain_prefix, token, token_env, token_file, client_id, client_secret,
        client_secret_env, client_secret_file, token_store, registers, base_url,
        webhook_secret_env, webhook_secret_file);
    let Some(kind) = &raw.kind else {
        check.at(
            span,
            table,
            "no `kind`: write `kind = \"ecom\"` or `kind = \"xseries\"`",
        );
        return None;
    };
    let webhook_secret = secret_ref(
        check,
        &format!("{table}.webhook_secret"),
        None,
        raw.webhook_secret_env.as_ref(),
        raw.webhook_secret_file.as_ref(),
    );
    match kind.get_ref().as_str() {
        "ecom" => {
            only_keys(
                check,
                &table,
                "eCom connection",
                &present,
                &[
                    "kind",
                    "key",
                    "key_env",
                    "key_file",
                    "secret",
                    "secret_env",
                    "secret_file",
                    "cluster",
                    "base_url",
                    "language",
                    "webhook_secret_env",
                    "webhook_secret_file",
                ],
            );
            let key = match (&raw.key, &raw.key_env, &raw.key_file) {
                (Some(k), None, None) => Some(SecretRef::Plain(k.get_ref().clone())),
                (None, e, f) => {
                    secret_ref(check, &format!("{table}.key"), None, e.as_ref(), f.as_ref())
                }
                (Some(k), _, _) => {
                    check.at(
                        k.span(),
                        format!("{table}.key"),
                        "give the key once: `key`, `key_env` or `key_file`",
                    );
                    None
                }
            };
            let secret = secret_ref(
                check,
                &format!("{table}.secret"),
                raw.secret.as_ref(),
                raw.secret_env.as_ref(),
                raw.secret_file.as_ref(),
            );
            if key.is_none() && raw.key.is_none() && raw.key_env.is_none() && raw.key_file.is_none()
            {
                check.at(
                    span.clone(),
                    table.clone(),
                    "no API key: give `key`, `key_env` or `key_file`",
                );
            }
            if secret.is_none()
                && raw.secret.is_none()
                && raw.secret_env.is_none()
                && raw.secret_file.is_none()
            {
                check.at(
                    span.clone(),
                    table.clone(),
                    "no API secret: give `secret_env` or `secret_file`",
                );
            }
            let endpoint = match (&raw.cluster, &raw.base_url) {
                (Some(c), None) => match c.get_ref().as_str() {
                    "eu1" => Some(EcomEndpoint::Cluster(lightspeed_ecom::Cluster::Eu1)),
                    "us1" => Some(EcomEndpoint::Cluster(lightspeed_ecom::Cluster::Us1)),
                    other => {
                        check.at(c.span(), format!("{table}.cluster"), format!("`{other}` is not a cluster: `eu1` (api.webshopapp.com) or `us1` (api.shoplightspeed.com)"));
                        None
                    }
                },
                (None, Some(u)) => Some(EcomEndpoint::BaseUrl(u.get_ref().clone())),
                (Some(c), Some(_)) => {
                    check.at(
                        c.span(),
                        format!("{table}.cluster"),
                        "give `cluster` or `base_url`, not both",
                    );
                    None
                }
                (None, None) => {
                    check.at(
                        span.clone(),
                        table.clone(),
                        "no `cluster` (`eu1`, `us1`) or `base_url`",
                    );
                    None
                }
            };
            let language = match &raw.language {
                Some(l)
                    if l.get_ref().len() == 2
                        && l.get_ref().chars().all(|c| c.is_ascii_lowercase()) =>
                {
                    Some(l.get_ref().clone())
                }
                Some(l) => {
                    check.at(
                        l.span(),
                        format!("{table}.language"),
                        format!(
                            "`{}` is not a two-letter language code (`nl`, `en`)",
                            l.get_ref()
                        ),
                    );
                    None
                }
                None => {
                    check.at(
                        span.clone(),
                        table.clone(),
                        "no `language`: one of the shop's active languages (`nl`, `en`...)",
                    );
                    None
                }
            };
            Some(Connection::Ecom(EcomConnection {
                key: key?,
                secret: secret?,
                endpoint: endpoint?,
                language: language?,
                webhook_secret,
            }))
        }
        "xseries" => {
            only_keys(
                check,
                &table,
                "X-Series connection",
                &present,
                &[
                    "kind",
                    "domain_prefix",
                    "base_url",
                    "token",
                    "token_env",
                    "token_file",
                    "client_id",
                    "client_secret",
                    "client_secret_env",
                    "client_secret_file",
                    "token_store",
                    "registers",
                    "webhook_secret_env",
                    "webhook_secret_file",
                ],
            );
            let endpoint = match (&raw.domain_prefix, &raw.base_url) {
                (Some(p), None) => {
                    match lightspeed_xseries::client::validate_domain_prefix(p.get_ref()) {
                        Ok(prefix) => Some(XSeriesEndpoint::DomainPrefix(prefix)),
                        Err(e) => {
                            check.at(p.span(), format!("{table}.domain_prefix"), e.to_string());
                            None
                        }
                    }
                }
                (None, Some(u)) => Some(XSeriesEndpoint::BaseUrl(u.get_ref().clone())),
                (Some(p), Some(_)) => {
                    check.at(
                        p.span(),
                        format!("{table}.domain_prefix"),
                        "give `domain_prefix` or `base_url`, not both",
                    );
                    None
                }
                (None, None) => {
                    check.at(span.clone(), table.clone(), "no `domain_prefix` (`mystore` of mystore.retail.lightspeed.app) or `base_url`");
                    None
                }
            };
            let token = secret_ref(
                check,
                &format!("{table}.token"),
                raw.token.as_ref(),
                raw.token_env.as_ref(),
                raw.token_file.as_ref(),
            );
            let oauth = raw.client_id.is_some()
                || raw.client_secret.is_some()
                || raw.client_secret_env.is_some()
                || raw.client_secret_file.is_some()
                || raw.token_store.is_some();
            let auth = match (token, oauth) {
                (Some(_), true) => {
                    check.at(span.clone(), table.clone(), "give a personal token (`token_env`/`token_file`) or an OAuth app (`client_id`, `client_secret_env`, `token_store`), not both");
                    None
                }
                (Some(t), false) => Some(XSeriesAuth::Token(t)),
                (None, true) => {
                    let secret = secret_ref(
                        check,
                        &format!("{table}.client_secret"),
                        raw.client_secret.as_ref(),
                        raw.client_secret_env.as_ref(),
                        raw.client_secret_file.as_ref(),
                    );
                    let mut missing = Vec::new();
                    if raw.client_id.is_none() {
                        missing.push("client_id");
                    }
                    if secret.is_none() && raw.client_secret.is_none() {
                        missing.push("client_secret_env or client_secret_file");
                    }
                    if raw.token_store.is_none() {
                        missing.push("token_store");
                    }
                    if !missing.is_empty() {
                        check.at(
                            span.clone(),
                            table.clone(),
                            format!("an OAuth app needs {}", missing.join(", ")),
                        );
                    }
                    match (&raw.client_id, secret, &raw.token_store) {
                        (Some(id), Some(secret), Some(store)) => Some(XSeriesAuth::OAuth {
                            client_id: id.get_ref().clone(),
                            client_secret: secret,
                            token_store: check.path(store.get_ref()),
                        }),
                        _ => None,
                    }
                }
                (None, false) => {
                    if raw.token.is_none() {
                        check.at(span.clone(), table.clone(), "no credentials: a personal token (`token_env` or `token_file`) or an OAuth app (`client_id`, `client_secret_env`, `token_store`)");
                    }
                    None
                }
            };
            Some(Connection::XSeries(XSeriesConnection {
                endpoint: endpoint?,
                auth: auth?,
                registers: raw.registers.as_ref().map_or(1, |r| *r.get_ref()).max(1),
                webhook_secret,
            }))
        }
        other => {
            check.at(
                kind.span(),
                format!("{table}.kind"),
                format!("`{other}` is not a kind of connection: `ecom` or `xseries`"),
            );
            None
        }
    }
}

const JOB_KINDS: &str = "`catalog`, `inventory-primary`, `inventory-secondary` or `fulfillment`";

/// A job's kind, state path (as written) and schedule.
type Checked = (JobKind, Option<String>, Option<Schedule>);

fn job(
    check: &mut Check<'_>,
    name: &str,
    raw: &Spanned<RawJob>,
    connections: &BTreeMap<String, Connection>,
) -> Option<Checked> {
    let table = format!("jobs.{name}");
    let span = raw.span();
    let raw = raw.get_ref();
    let present = present!(raw; kind, connection, schedule, state, source, command, format,
        mapping, create_missing, archive_missing, delete_missing, max_archive_fraction, force,
        concurrency, reconcile_hours, marker_field, pool, full, outlets, allow_create_variant,
        register_id, user_id, tax_id, tax_rate, payment_type_id, status, shipping_sku,
        hold_hours, business_hours);
    let Some(kind) = &raw.kind else {
        check.at(span, table, format!("no `kind`: {JOB_KINDS}"));
        return None;
    };
    let schedule = raw.schedule.as_ref().and_then(|s| {
        match croner::Cron::from_str(s.get_ref()) {
            Ok(cron) => Some(Schedule {
                text: s.get_ref().clone(),
                cron,
            }),
            Err(e) => {
                check.at(
                    s.span(),
                    format!("{table}.schedule"),
                    format!(
                        "`{}` is not a cron expression ({e}); five fields in UTC, like `*/15 * * * *` (every 15 minutes) or `0 3 * * *` (at 03:00)",
                        s.get_ref()
                    ),
                );
                None
            }
        }
    });
    let state = raw.state.as_ref().map(|s| s.get_ref().clone());
    let kind = match kind.get_ref().as_str() {
        "catalog" => {
            only_keys(
                check,
                &table,
                "catalog job",
                &present,
                &[
                    "kind",
                    "connection",
                    "schedule",
                    "state",
                    "source",
                    "command",
                    "format",
                    "mapping",
                    "create_missing",
                    "archive_missing",
                    "delete_missing",
                    "max_archive_fraction",
                    "force",
                    "concurrency",
                    "reconcile_hours",
                    "marker_field",
                ],
            );
            let connection = job_connection(check, &table, span.clone(), raw, connections, "eCom");
            let source = source(check, &table, span.clone(), raw);
            let mapping = required_path(
                check,
                &table,
                span.clone(),
                raw.mapping.as_ref(),
                "mapping",
                "the mapping document (JSON or TOML)",
            );
            let create_missing = match &raw.create_missing {
                None => Some(CreateMissing::None),
                Some(v) => match v.get_ref() {
                    toml::Value::Boolean(true) => Some(CreateMissing::All),
                    toml::Value::Boolean(false) => Some(CreateMissing::None),
                    toml::Value::Array(items) if items.iter().all(|i| i.is_str()) => {
                        Some(CreateMissing::Only(
                            items
                                .iter()
                                .filter_map(|i| i.as_str().map(str::to_string))
                                .collect(),
                        ))
                    }
                    _ => {
                        check.at(v.span(), format!("{table}.create_missing"), "expected `true`, `false` or a list of fields (`[\"brand\", \"categories\"]`)");
                        None
                    }
                },
            };
            if let Some(f) = &raw.max_archive_fraction
                && !(0.0..=1.0).contains(f.get_ref())
            {
                check.at(
                    f.span(),
                    format!("{table}.max_archive_fraction"),
                    "expected a share between 0 and 1 (0.2 is 20%)",
                );
            }
            JobKind::Catalog(CatalogJob {
                source: source?,
                mapping: mapping?,
                connection: connection?,
                create_missing: create_missing?,
                archive_missing: flag(&raw.archive_missing),
                delete_missing: flag(&raw.delete_missing),
                max_archive_fraction: raw
                    .max_archive_fraction
                    .as_ref()
                    .map_or(0.2, |f| *f.get_ref()),
                force: flag(&raw.force),
                concurrency: raw.concurrency.as_ref().map_or(4, |c| *c.get_ref()).max(1),
                reconcile_hours: raw.reconcile_hours.as_ref().map_or(24, |r| *r.get_ref()),
                marker_field: raw.marker_field.as_ref().map(|m| m.get_ref().clone()),
            })
        }
        "inventory-primary" => {
            only_keys(
                check,
                &table,
                "inventory-primary job",
                &present,
                &[
                    "kind",
                    "connection",
                    "schedule",
                    "state",
                    "mapping",
                    "pool",
                    "archive_missing",
                    "full",
                    "outlets",
                ],
            );
            let connection =
                job_connection(check, &table, span.clone(), raw, connections, "X-Series");
            let mapping = required_path(
                check,
                &table,
                span.clone(),
                raw.mapping.as_ref(),
                "mapping",
                "the mapping template (target `pool.item`, e.g. examples/mappings/xseries-primary.json)",
            );
            JobKind::InventoryPrimary(PrimaryJob {
                connection: connection?,
                mapping: mapping?,
                pool: PathBuf::from(
                    raw.pool
                        .as_ref()
                        .map_or("pool.db", |p| p.get_ref().as_str()),
                ),
                archive_missing: flag(&raw.archive_missing),
                full: flag(&raw.full),
                outlets: raw.outlets.as_ref().map(|o| o.get_ref().clone()),
            })
        }
        "inventory-secondary" => {
            only_keys(
                check,
                &table,
                "inventory-secondary job",
                &present,
                &[
                    "kind",
                    "connection",
                    "schedule",
                    "state",
                    "pool",
                    "outlets",
                    "allow_create_variant",
                    "archive_missing",
                ],
            );
            let connection =
                job_connection(check, &table, span.clone(), raw, connections, "X-Series");
            JobKind::InventorySecondary(SecondaryJob {
                connection: connection?,
                pool: PathBuf::from(
                    raw.pool
                        .as_ref()
                        .map_or("pool.db", |p| p.get_ref().as_str()),
                ),
                outlets: raw.outlets.as_ref().map(|o| o.get_ref().clone()),
                allow_create_variant: flag(&raw.allow_create_variant),
                archive_missing: flag(&raw.archive_missing),
            })
        }
        "fulfillment" => {
            only_keys(
                check,
                &table,
                "fulfillment job",
                &present,
                &[
                    "kind",
                    "connection",
                    "schedule",
                    "state",
                    "source",
                    "command",
                    "register_id",
                    "user_id",
                    "tax_id",
                    "tax_rate",
                    "payment_type_id",
                    "status",
                    "shipping_sku",
                    "hold_hours",
                    "business_hours",
                ],
            );
            let connection =
                job_connection(check, &table, span.clone(), raw, connections, "X-Series");
            let source = source(check, &table, span.clone(), raw);
            let mut text =
                |value: &Option<Spanned<String>>, key: &str, what: &str| -> Option<String> {
                    match value {
                        Some(v) if !v.get_ref().trim().is_empty() => Some(v.get_ref().clone()),
                        Some(v) => {
                            check.at(
                                v.span(),
                                format!("{table}.{key}"),
                                format!("empty; give {what}"),
                            );
                            None
                        }
                        None => {
                            check.at(span.clone(), table.clone(), format!("no `{key}`: {what}"));
                            None
                        }
                    }
                };
            let register_id = text(
                &raw.register_id,
                "register_id",
                "the id of the register the sales are made on",
            );
            let user_id = text(&raw.user_id, "user_id", "the id of the user who makes them");
            let tax_id = text(&raw.tax_id, "tax_id", "the id of the tax of every line");
            let tax_rate = match &raw.tax_rate {
                None => {
                    check.at(
                        span.clone(),
                        table.clone(),
                        "no `tax_rate`: the rate of that tax, as a decimal (\"0.21\" for 21%)",
                    );
                    None
                }
                Some(v) => {
                    let parsed = match v.get_ref() {
                        toml::Value::String(s) => Decimal::from_str(s.trim()).ok(),
                        toml::Value::Float(f) => Decimal::from_str(&f.to_string()).ok(),
                        toml::Value::Integer(i) => Some(Decimal::from(*i)),
                        _ => None,
                    };
                    match parsed {
                        Some(d) if d >= Decimal::ZERO && d < Decimal::ONE => Some(d),
                        _ => {
                            check.at(
                                v.span(),
                                format!("{table}.tax_rate"),
                                "expected a rate between 0 and 1 as a decimal (\"0.21\" for 21%)",
                            );
                            None
                        }
                    }
                }
            };
            use lightspeed_xseries::model::SaleStatus;
            let status = match raw
                .status
                .as_ref()
                .map(|s| (s, s.get_ref().to_ascii_uppercase()))
            {
                None => Some(SaleStatus::Closed),
                Some((_, s)) if s == "CLOSED" => Some(SaleStatus::Closed),
                Some((_, s)) if s == "SAVED" => Some(SaleStatus::Saved),
                Some((_, s)) if s == "ONACCOUNT" => Some(SaleStatus::OnAccount),
                Some((_, s)) if s == "LAYBY" => Some(SaleStatus::Layby),
                Some((v, _)) => {
                    check.at(
                        v.span(),
                        format!("{table}.status"),
                        "expected `closed`, `saved`, `onaccount` or `layby`",
                    );
                    None
                }
            };
            let hours = raw.business_hours.as_ref().map(|h| hours(check, &table, h));
            JobKind::Fulfillment(FulfillmentJob {
                connection: connection?,
                source: source?,
                register_id: register_id?,
                user_id: user_id?,
                tax_id: tax_id?,
                tax_rate: tax_rate?,
                payment_type_id: raw.payment_type_id.as_ref().map(|p| p.get_ref().clone()),
                status: status?,
                shipping_sku: raw.shipping_sku.as_ref().map(|p| p.get_ref().clone()),
                hold_hours: raw.hold_hours.as_ref().map_or(0, |h| *h.get_ref()),
                business_hours: match hours {
                    None => None,
                    Some(h) => Some(h?),
                },
            })
        }
        other => {
            check.at(
                kind.span(),
                format!("{table}.kind"),
                format!("`{other}` is not a kind of job: {JOB_KINDS}"),
            );
            return None;
        }
    };
    if raw.schedule.is_some() && schedule.is_none() {
        return None;
    }
    Some((kind, state, schedule))
}

/// The job's connection, when it names one of the kind it needs (`eCom` or `X-Series`).
fn job_connection(
    check: &mut Check<'_>,
    table: &str,
    span: Range<usize>,
    raw: &RawJob,
    connections: &BTreeMap<String, Connection>,
    wanted: &str,
) -> Option<String> {
    let Some(c) = &raw.connection else {
        check.at(
            span,
            table.to_string(),
            format!("no `connection`: the name of an {wanted} connection"),
        );
        return None;
    };
    match connections.get(c.get_ref()) {
        Some(found) if (found.kind() == "ecom") == (wanted == "eCom") => Some(c.get_ref().clone()),
        Some(found) => {
            check.at(
                c.span(),
                format!("{table}.connection"),
                format!(
                    "`{}` is an {} connection; this job needs an {wanted} one",
                    c.get_ref(),
                    found.kind()
                ),
            );
            None
        }
        None => {
            // A connection that is declared but has errors of its own is reported there; the
            // job names it as such instead of claiming it does not exist.
            let prefix = format!("connections.{}", c.get_ref());
            let declared_with_errors = check.errors.iter().any(|e| {
                e.key
                    .as_deref()
                    .is_some_and(|k| k == prefix || k.starts_with(&format!("{prefix}.")))
            });
            let message = if declared_with_errors {
                format!(
                    "connection `{}` has errors (reported at `{prefix}`)",
                    c.get_ref()
                )
            } else {
                format!(
                    "no connection `{}` (connections: {})",
                    c.get_ref(),
                    names(connections.keys())
                )
            };
            check.at(c.span(), format!("{table}.connection"), message);
            None
        }
    }
}

fn flag(value: &Option<Spanned<bool>>) -> bool {
    value.as_ref().is_some_and(|v| *v.get_ref())
}

fn required_path(
    check: &mut Check<'_>,
    table: &str,
    span: Range<usize>,
    value: Option<&Spanned<String>>,
    key: &str,
    what: &str,
) -> Option<PathBuf> {
    match value {
        Some(v) => Some(check.path(v.get_ref())),
        None => {
            check.at(span, table.to_string(), format!("no `{key}`: {what}"));
            None
        }
    }
}

fn format_of(check: &mut Check<'_>, table: &str, raw: &RawJob) -> Option<Option<FileFormat>> {
    match &raw.format {
        None => Some(None),
        Some(f) => match f.get_ref().to_ascii_lowercase().as_str() {
            "csv" => Some(Some(FileFormat::Csv)),
            "json" => Some(Some(FileFormat::Json)),
            "ndjson" | "jsonl" => Some(Some(FileFormat::Ndjson)),
            other => {
                check.at(
                    f.span(),
                    format!("{table}.format"),
                    format!("`{other}` is not a format: `csv`, `json` or `ndjson`"),
                );
                None
            }
        },
    }
}

fn source(
    check: &mut Check<'_>,
    table: &str,
    span: Range<usize>,
    raw: &RawJob,
) -> Option<SourceSpec> {
    let fulfillment = raw
        .kind
        .as_ref()
        .is_some_and(|k| k.get_ref() == "fulfillment");
    let format = if fulfillment {
        Some(Some(FileFormat::Json))
    } else {
        format_of(check, table, raw)
    }?;
    match (&raw.source, &raw.command) {
        (Some(s), None) => {
            let path = check.path(s.get_ref());
            let format = match format.or_else(|| FileFormat::from_path(&path)) {
                Some(f) => f,
                None => {
                    check.at(s.span(), format!("{table}.source"), "the format does not follow from the file's name: add `format = \"csv\"` (or `json`, `ndjson`)");
                    return None;
                }
            };
            Some(SourceSpec::File { path, format })
        }
        (None, Some(c)) => {
            if c.get_ref().first().is_none_or(|p| p.trim().is_empty()) {
                check.at(
                    c.span(),
                    format!("{table}.command"),
                    "expected the program, then its arguments: `[\"pim-export\", \"--all\"]`",
                );
                return None;
            }
            let Some(format) = format else {
                check.at(
                    c.span(),
                    format!("{table}.command"),
                    "a command's output needs `format = \"csv\"` (or `json`, `ndjson`)",
                );
                return None;
            };
            Some(SourceSpec::Command {
                argv: c.get_ref().clone(),
                format,
                dir: check.dir.to_path_buf(),
            })
        }
        (Some(s), Some(_)) => {
            check.at(
                s.span(),
                format!("{table}.source"),
                "give `source` (a file) or `command`, not both",
            );
            None
        }
        (None, None) => {
            check.at(
                span,
                table.to_string(),
                "no `source` (a file) or `command` (a program writing the records)",
            );
            None
        }
    }
}

fn hours(
    check: &mut Check<'_>,
    table: &str,
    raw: &Spanned<RawHours>,
) -> Option<lightspeed_sync::fulfillment::BusinessHours> {
    let key = format!("{table}.business_hours");
    let h = raw.get_ref();
    let zone = match h.zone.get_ref().parse::<chrono_tz::Tz>() {
        Ok(z) => Some(z),
        Err(_) => {
            check.at(
                h.zone.span(),
                format!("{key}.zone"),
                format!(
                    "`{}` is not a time zone; use an IANA name (`Europe/Amsterdam`)",
                    h.zone.get_ref()
                ),
            );
            None
        }
    };
    let zone = zone?;
    let mut hours = lightspeed_sync::fulfillment::BusinessHours::office(zone);
    let mut ok = true;
    if let Some(days) = &h.days {
        let mut parsed = Vec::new();
        for d in days.get_ref() {
            match d.parse::<Weekday>() {
                Ok(w) => parsed.push(w),
                Err(_) => {
                    check.at(
                        days.span(),
                        format!("{key}.days"),
                        format!("`{d}` is not a day (`mon`, `tue`... `sun`)"),
                    );
                    ok = false;
                }
            }
        }
        hours.days = parsed;
    }
    for (value, name, slot) in [
        (&h.open, "open", &mut hours.open),
        (&h.close, "close", &mut hours.close),
    ] {
        if let Some(v) = value {
            match NaiveTime::parse_from_str(v.get_ref(), "%H:%M") {
                Ok(t) => *slot = t,
                Err(_) => {
                    check.at(
                        v.span(),
                        format!("{key}.{name}"),
                        format!("`{}` is not a time of day (`09:00`)", v.get_ref()),
                    );
                    ok = false;
                }
            }
        }
    }
    if ok && hours.open >= hours.close {
        check.at(raw.span(), key, "`open` must come before `close`");
        ok = false;
    }
    ok.then_some(hours)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        parse(text, "lightspeed.toml", Path::new("/cfg"), false)
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const GOOD: &str = r#"
[connections.shop]
kind = "ecom"
key_env = "SHOP_KEY"
secret_env = "SHOP_SECRET"
cluster = "eu1"
language = "nl"

[jobs.catalog]
kind = "catalog"
connection = "shop"
source = "data/pim.csv"
mapping = "mappings/ecom.json"
create_missing = ["brand"]
schedule = "*/15 * * * *"
"#;

    #[test]
    fn a_good_file_reads() {
        let config = parse(GOOD, "lightspeed.toml", Path::new("/cfg"), false).unwrap();
        let job = config.job("catalog").unwrap();
        assert_eq!(job.state, Path::new("/cfg/.lightspeed/catalog.db"));
        let JobKind::Catalog(c) = &job.kind else {
            panic!()
        };
        assert_eq!(c.mapping, Path::new("/cfg/mappings/ecom.json"));
        assert!(c.create_missing.allows("brand") && !c.create_missing.allows("categories"));
        assert!(job.schedule.is_some());
        let emulated = parse(GOOD, "lightspeed.toml", Path::new("/cfg"), true).unwrap();
        assert_eq!(
            emulated.job("catalog").unwrap().state,
            Path::new("/cfg/.lightspeed/emulator/catalog.db")
        );
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let text = GOOD.replace("schedule = ", "shedule = ");
        assert_eq!(errors(&text).len(), 1);
        let e = &errors(&text)[0];
        assert!(
            e.starts_with("lightspeed.toml:15:1: jobs.catalog.shedule: unknown field `shedule`"),
            "{e}"
        );
    }

    #[test]
    fn a_bad_value_is_named_with_its_line() {
        let text = GOOD.replace("schedule = \"*/15 * * * *\"", "schedule = \"every day\"");
        let e = errors(&text);
        assert!(
            e[0].starts_with(
                "lightspeed.toml:15:12: jobs.catalog.schedule: `every day` is not a cron"
            ),
            "{e:?}"
        );
        let text = GOOD.replace("create_missing = [\"brand\"]", "create_missing = 3");
        let e = errors(&text);
        assert!(
            e[0].starts_with("lightspeed.toml:14:18: jobs.catalog.create_missing:"),
            "{e:?}"
        );
        let text = GOOD.replace("cluster = \"eu1\"", "cluster = 1");
        let e = errors(&text);
        assert!(
            e[0].starts_with("lightspeed.toml:6:11: connections.shop.cluster: invalid type"),
            "{e:?}"
        );
    }

    #[test]
    fn an_inline_secret_is_refused() {
        let text = GOOD.replace("secret_env = \"SHOP_SECRET\"", "secret = \"s3cr3t-value\"");
        let e = errors(&text);
        assert!(
            e[0].contains("connections.shop.secret: secrets are not written"),
            "{e:?}"
        );
        assert!(!e[0].contains("s3cr3t-value"), "{e:?}");
    }

    #[test]
    fn a_job_on_a_connection_with_errors_says_so_instead_of_no_connection() {
        let text = GOOD.replace("secret_env = \"SHOP_SECRET\"", "secret = \"s3cr3t-value\"");
        let e = errors(&text);
        let job = e
            .iter()
            .find(|e| e.contains("jobs.catalog.connection"))
            .expect("the job's error");
        assert!(
            job.contains("connection `shop` has errors (reported at `connections.shop`)"),
            "{e:?}"
        );
    }

    #[test]
    fn a_job_names_a_connection_that_exists_and_only_its_own_keys() {
        let text = GOOD.replace(
            "connection = \"shop\"",
            "connection = \"shopp\"\npool = \"p.db\"",
        );
        let e = errors(&text);
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].contains("jobs.catalog.connection: no connection `shopp` (connections: shop)"),
            "{e:?}"
        );
        assert!(
            e[1].contains("jobs.catalog.pool: `pool` is not a key of a catalog job"),
            "{e:?}"
        );
    }

    const ORDERS: &str = r#"
[connections.store]
kind = "xseries"
domain_prefix = "mystore"
token_env = "STORE_TOKEN"

[jobs.orders]
kind = "fulfillment"
connection = "store"
source = "orders.json"
register_id = "r1"
user_id = "u1"
tax_id = "t1"
tax_rate = "0.21"
hold_hours = 2
business_hours = { zone = "Europe/Amsterdam", days = ["mon", "fri"], open = "08:30", close = "17:00" }
"#;

    #[test]
    fn a_fulfillment_job_reads_its_ids_rate_and_hours() {
        let config = parse(ORDERS, "lightspeed.toml", Path::new("/cfg"), false).unwrap();
        let JobKind::Fulfillment(f) = &config.job("orders").unwrap().kind else {
            panic!()
        };
        assert_eq!(f.tax_rate, Decimal::new(21, 2));
        assert_eq!(f.hold_hours, 2);
        let hours = f.business_hours.as_ref().unwrap();
        assert_eq!(hours.days, [Weekday::Mon, Weekday::Fri]);
        assert_eq!(hours.open, NaiveTime::from_hms_opt(8, 30, 0).unwrap());
        assert!(matches!(
            &f.source,
            SourceSpec::File {
                format: FileFormat::Json,
                ..
            }
        ));

        let e = errors(&ORDERS.replace("Europe/Amsterdam", "Europe/Amsterdan"));
        assert!(e[0].starts_with("lightspeed.toml:16:27: jobs.orders.business_hours.zone: `Europe/Amsterdan` is not a time zone"), "{e:?}");
        let e = errors(&ORDERS.replace("\"0.21\"", "\"21%\""));
        assert!(
            e[0].contains("jobs.orders.tax_rate: expected a rate between 0 and 1"),
            "{e:?}"
        );
        let e = errors(&ORDERS.replace("register_id = \"r1\"\n", ""));
        assert!(
            e[0].starts_with("lightspeed.toml:7:1: jobs.orders: no `register_id`"),
            "{e:?}"
        );
        let e = errors(&ORDERS.replace(
            "token_env = \"STORE_TOKEN\"",
            "token_env = \"STORE_TOKEN\"\nclient_id = \"app\"",
        ));
        assert!(
            e[0].contains("connections.store: give a personal token"),
            "{e:?}"
        );
    }

    #[test]
    fn keys_are_found_under_their_table() {
        let text = "[a]\nx = 1\n\n[b.c]\n  y = 2\n";
        assert_eq!(
            key_at(text, text.find("x =").unwrap()).as_deref(),
            Some("a.x")
        );
        assert_eq!(
            key_at(text, text.find("y =").unwrap()).as_deref(),
            Some("b.c.y")
        );
        assert_eq!(
            key_at(text, text.find("[b").unwrap()).as_deref(),
            Some("b.c")
        );
    }
}
