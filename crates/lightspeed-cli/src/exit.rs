//! Exit codes, and the error a command ends with.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | clean: everything planned was applied (or the command succeeded) |
//! | 1 | error: the run stopped (unreachable host, refused credentials, a state store that cannot be written) |
//! | 2 | configuration error: the config file, a mapping, a source, a plan file or the command line |
//! | 3 | items failed: some items were refused, stay pending, or rows did not map |
//! | 4 | nothing to do: the plan or run writes nothing |
//! | 5 | not run: the job is paused, or another process holds its lease |

use std::fmt;

/// Clean.
pub const OK: u8 = 0;
/// The run stopped.
pub const ERROR: u8 = 1;
/// The configuration (or the command line) is wrong.
pub const CONFIG: u8 = 2;
/// Some items failed.
pub const FAILED: u8 = 3;
/// Nothing to do.
pub const NOTHING: u8 = 4;
/// Paused, or held elsewhere.
pub const NOT_RUN: u8 = 5;

/// How a command failed, with its exit code.
#[derive(Debug)]
pub enum CliError {
    /// The configuration, a mapping, a source, a plan file: exit 2.
    Config(String),
    /// The run stopped: exit 1.
    Run(String),
    /// The job did not run (paused, leased elsewhere): exit 5.
    NotRun(String),
}

impl CliError {
    /// The exit code.
    pub fn code(&self) -> u8 {
        match self {
            CliError::Config(_) => CONFIG,
            CliError::Run(_) => ERROR,
            CliError::NotRun(_) => NOT_RUN,
        }
    }

    /// A short name for machine output.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Config(_) => "configuration",
            CliError::Run(_) => "error",
            CliError::NotRun(_) => "not_run",
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Config(m) | CliError::Run(m) | CliError::NotRun(m) => f.write_str(m),
        }
    }
}

impl From<crate::config::ConfigErrors> for CliError {
    fn from(e: crate::config::ConfigErrors) -> Self {
        CliError::Config(e.to_string())
    }
}

impl From<lightspeed_sync::Error> for CliError {
    /// Source, mapping and plan problems are the configuration's; the rest stops the run.
    fn from(e: lightspeed_sync::Error) -> Self {
        use lightspeed_sync::ErrorKind;
        let message = chain(&e);
        match e.kind() {
            ErrorKind::Source | ErrorKind::Mapping | ErrorKind::Plan => CliError::Config(message),
            _ => CliError::Run(message),
        }
    }
}

/// An error with its causes (`a: b: c`), without repeating a cause its message already holds.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = e.source();
    }
    out
}
