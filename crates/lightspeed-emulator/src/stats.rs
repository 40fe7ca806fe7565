//! Request counters (`GET /_emulator/stats`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What the emulator has served since it started or was reset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// API requests received (admin routes excluded).
    pub requests: u64,
    /// API requests by method and route template (`GET /{lang}/products/{id}.json`).
    pub routes: BTreeMap<String, u64>,
    /// Responses by status code.
    pub statuses: BTreeMap<u16, u64>,
    /// Responses with status 429 (budget spent or injected).
    pub rate_limited: u64,
    /// Write requests received (POST, PUT, PATCH, DELETE; the OAuth token endpoint excluded).
    pub writes: u64,
    /// Faults injected (5xx, extra 429, dropped connections, truncated bodies, failed writes).
    pub faults: u64,
    /// Webhook deliveries answered with a 2xx.
    pub webhooks_delivered: u64,
    /// Webhook deliveries that failed after every attempt.
    pub webhooks_failed: u64,
    /// eCom requests counted against the budget in each five-minute window (of the configured
    /// length, aligned to the start or the last reset), oldest first: how much of each window
    /// a client used. With limits off they are counted all the same.
    #[serde(default)]
    pub ecom_window_use: Vec<u64>,
}

impl Stats {
    /// Requests counted for one route template, e.g. `stats.route("POST /{lang}/products.json")`.
    pub fn route(&self, key: &str) -> u64 {
        self.routes.get(key).copied().unwrap_or(0)
    }
}
