//! `--emulator`: every connection points at an emulator embedded in the process.
//!
//! Its rate-limit windows are compressed (`[emulator] time_compression`, 100 by default: the
//! five-minute window lasts three seconds) and the clients pace themselves on the same
//! compressed budget. What the emulated shop and store hold is kept between commands in
//! `<work_dir>/emulator/data.json` (the work folder of `--emulator` runs is its own), so a second
//! `run` finds what the first one made; a fresh one starts from `[emulator] seed_data` when
//! given.

use std::path::PathBuf;
use std::time::Duration;

use lightspeed_core::RateLimitPolicy;
use lightspeed_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

use crate::config::Config;
use crate::exit::CliError;

/// A running embedded emulator.
#[derive(Debug)]
pub struct Embedded {
    handle: EmulatorHandle,
    data: PathBuf,
    window: Duration,
    compression: u32,
    ecom_limit: u32,
}

/// The real five-minute window.
const FIVE_MINUTES: Duration = Duration::from_secs(300);

impl Embedded {
    /// Starts the emulator and loads what it held after the last command (or the seed data).
    pub async fn start(config: &Config) -> Result<Embedded, CliError> {
        let compression = config.emulator.time_compression;
        let window = FIVE_MINUTES / compression;
        let mut settings = EmulatorConfig::default().with_window(window);
        // Compressed a hundredfold, eCom's per-second cap would be a 10 ms window, finer than
        // any client paces; the five-minute, hourly and daily windows stay.
        settings.limits.ecom_per_second = 100_000;
        settings.limits.ecom[0] = config.emulator.ecom_rate_limit;
        let handle = Emulator::start(settings)
            .await
            .map_err(|e| CliError::Run(format!("the embedded emulator did not start: {e}")))?;
        let data = config.work_dir.join("data.json");
        if data.exists() {
            handle.reset();
            handle.load_file(&data).map_err(|e| {
                CliError::Config(format!(
                    "the emulator's saved data {} cannot be loaded ({e}); delete it to start afresh",
                    data.display()
                ))
            })?;
        } else if let Some(seed) = &config.emulator.seed_data {
            handle
                .load_file(seed)
                .map_err(|e| CliError::Config(format!("emulator seed data: {e}")))?;
        }
        tracing::info!(url = handle.ecom_url(), data = %data.display(), "embedded emulator started");
        Ok(Embedded {
            handle,
            data,
            window,
            compression,
            ecom_limit: config.emulator.ecom_rate_limit,
        })
    }

    /// The emulator.
    pub fn handle(&self) -> &EmulatorHandle {
        &self.handle
    }

    /// Keeps what the emulator holds for the next command.
    pub fn save(&self) -> Result<(), CliError> {
        let dump = serde_json::to_vec(&self.handle.dump()).unwrap_or_default();
        if let Some(dir) = self.data.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::Run(format!("cannot create {}: {e}", dir.display())))?;
        }
        let temporary = self.data.with_extension("json.tmp");
        std::fs::write(&temporary, dump)
            .and_then(|()| std::fs::rename(&temporary, &self.data))
            .map_err(|e| CliError::Run(format!("cannot save {}: {e}", self.data.display())))
    }

    /// eCom's budget, compressed like the emulator's windows.
    pub fn ecom_policy(&self) -> RateLimitPolicy {
        let w = self.window;
        RateLimitPolicy::new()
            .window("5 minutes", self.ecom_limit, w)
            .window("hour", 3000, w * 12)
            .window("day", 12000, w * 288)
            .per_second(20 * self.compression)
    }

    /// X-Series' budget (one register), compressed.
    pub fn xseries_policy(&self) -> RateLimitPolicy {
        RateLimitPolicy::new().window("5 minutes", 350, self.window)
    }

    /// How much faster than real time the windows run.
    pub fn compression(&self) -> u32 {
        self.compression
    }

    /// The note on time estimates and waits.
    pub fn note(&self) -> String {
        format!("emulator: time compressed {}x", self.compression)
    }
}
