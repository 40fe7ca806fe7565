//! The pool -> eCom (feature `ecom`): pool quantities (and, when asked, prices) pushed to the
//! eCom variants with the same SKU, writing only the SKUs that changed since the last push.
//!
//! # A run
//!
//! 1. Reads `account/ratelimit` ([`PushOptions::read_rate_limit`]): the client's limiter
//!    starts from the shop's real budget, and the run writes no more than the day window has
//!    left (less [`PushOptions::reserve`]); what does not fit is reported as deferred and
//!    pushed by the next run. A shop that does not answer the call is pushed without a cap.
//! 2. Reads the pool and fingerprints each SKU's pushed values (the stock level, and the
//!    prices when pushed). A SKU whose fingerprint equals the one last pushed costs nothing.
//! 3. Finds the changed SKUs' variants: ids are cached in the state store; one listing of
//!    the shop's variants (`fields=id,sku`, 250 a call) is made only when a changed SKU has no
//!    cached id. A SKU the shop does not have is reported as unknown on every run, and looked
//!    for again (by a listing) once [`PushOptions::relist_hours`] have passed.
//! 4. Writes the changes with `PUT variants/bulk` ([`BulkMode::Bulk`], the default), in
//!    batches. The reference documents the endpoint but not its body (\[?\]): this sends
//!    `{"variant": [{"id", ...changes}]}`, the vendor client's key. When the shop refuses a
//!    bulk call (a 4xx other than 429), the batch is written one `PUT variants/{id}` at a
//!    time instead, and the state store remembers, so later runs go one by one from the
//!    start. [`BulkMode::PerVariant`] always does.
//! 5. Records each SKU's fingerprint once its write is confirmed. A crash in between writes
//!    the same values again next time, which changes nothing.
//!
//! # Values
//!
//! - `stockLevel` is the pool's quantity rounded down to a whole number (eCom keeps whole
//!   stock levels), never below 0; an archived item has 0.
//! - With [`PushOptions::prices`], `priceIncl` is the pool's `msrp` (the price including
//!   tax) and `priceCost` its `cost`, each when the pool has one.

use std::collections::{BTreeMap, BTreeSet};

use futures::TryStreamExt;
use lightspeed_ecom::model::{VariantBulkItem, VariantId, VariantInput};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorClass, Result, TargetError};
use crate::pool::{InventoryItem, InventorySink};
use crate::state::StateStore;

/// The state key of a SKU's last pushed fingerprint.
fn fingerprint_key(sku: &str) -> String {
    format!("ecom.stock:{sku}")
}

/// The state key of a SKU's cached variant id.
fn variant_key(sku: &str) -> String {
    format!("ecom.variant:{sku}")
}

/// Set once the shop refused a bulk call: later runs write one variant at a time.
pub const BULK_REFUSED: &str = "ecom.variants_bulk.refused";

/// How changes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkMode {
    /// `PUT variants/bulk`, this many variants a call (falls back to one by one when refused).
    Bulk {
        /// Variants per call.
        batch: usize,
    },
    /// `PUT variants/{id}`, one call per variant.
    PerVariant,
}

impl Default for BulkMode {
    fn default() -> Self {
        BulkMode::Bulk { batch: 50 }
    }
}

/// What a push writes and how.
#[derive(Debug, Clone, PartialEq)]
pub struct PushOptions {
    /// Push prices too (`msrp` as `priceIncl`, `cost` as `priceCost`).
    pub prices: bool,
    /// Bulk calls or one call per variant.
    pub mode: BulkMode,
    /// Read `account/ratelimit` first, and write no more than the day window has left.
    pub read_rate_limit: bool,
    /// Calls of the day window to leave for other processes of the same key.
    pub reserve: u32,
    /// A SKU the shop did not have is looked for again (with a listing of the shop's
    /// variants) after this many hours (default 24), so that a pool with items the webshop
    /// does not sell does not list the shop on every run.
    pub relist_hours: u32,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions {
            prices: false,
            mode: BulkMode::default(),
            read_rate_limit: true,
            reserve: 0,
            relist_hours: 24,
        }
    }
}

/// What a push did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PushReport {
    /// SKUs written.
    pub written: Vec<String>,
    /// SKUs unchanged since the last push (no call).
    pub unchanged: usize,
    /// Changed SKUs the shop has no variant for.
    pub unknown: Vec<String>,
    /// SKUs whose write failed, with the API's message; the next run tries again.
    pub failed: Vec<(String, String)>,
    /// Changed SKUs left for the next run: the day's budget would not cover them.
    pub deferred: Vec<String>,
    /// Write calls made.
    pub write_calls: u64,
    /// The day window's remaining calls at the start, when `account/ratelimit` answered.
    pub budget: Option<i64>,
    /// Whether the run wrote one variant at a time after the shop refused a bulk call.
    pub bulk_refused: bool,
}

/// The values a push writes for one pool item.
fn changes(item: &InventoryItem, prices: bool) -> VariantInput {
    let stock = if item.archived {
        0
    } else {
        item.quantity
            .round_dp_with_strategy(0, RoundingStrategy::ToNegativeInfinity)
            .max(Decimal::ZERO)
            .try_into()
            .unwrap_or(i64::MAX)
    };
    VariantInput {
        stock_level: Some(stock),
        price_incl: if prices { item.msrp } else { None },
        price_cost: if prices { item.cost } else { None },
        ..Default::default()
    }
}

fn fingerprint(input: &VariantInput) -> String {
    let text = serde_json::to_string(input).unwrap_or_default();
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// How many of `work` variants fit in `budget` calls of `batch` variants each.
fn fitting(work: usize, budget: Option<u64>, batch: usize) -> usize {
    match budget {
        None => work,
        Some(calls) => work.min(
            usize::try_from(calls)
                .unwrap_or(usize::MAX)
                .saturating_mul(batch.max(1)),
        ),
    }
}

fn ecom(e: lightspeed_ecom::Error) -> TargetError {
    TargetError::from_ecom(e)
}

/// Pushes the pool's stock (and prices) to the eCom variants with the same SKUs.
pub async fn push(
    client: &lightspeed_ecom::Client,
    pool: &dyn InventorySink,
    state: &dyn StateStore,
    options: &PushOptions,
) -> Result<PushReport> {
    let mut report = PushReport::default();
    let mut budget: Option<u64> = None;
    if options.read_rate_limit
        && let Ok(limits) = client.sync_rate_limit().await
        && let Some(day) = limits.limit_day.and_then(|w| w.remaining)
    {
        report.budget = Some(day);
        budget = Some((day.max(0) as u64).saturating_sub(u64::from(options.reserve)));
    }
    // What changed since the last push.
    let mut changed: Vec<(String, VariantInput, String)> = Vec::new();
    for (sku, item) in pool.all().await? {
        let input = changes(&item, options.prices);
        let print = fingerprint(&input);
        if state.cursor(&fingerprint_key(&sku)).await?.as_deref() == Some(print.as_str()) {
            report.unchanged += 1;
        } else {
            changed.push((sku, input, print));
        }
    }
    if changed.is_empty() {
        return Ok(report);
    }
    // Their variants: cached ids, else one listing of the shop's variants.
    let now = chrono::Utc::now();
    let mut ids: BTreeMap<String, VariantId> = BTreeMap::new();
    let mut absent: BTreeSet<String> = BTreeSet::new();
    let mut stale = false;
    for (sku, _, _) in &changed {
        let cached = state.cursor(&variant_key(sku)).await?;
        match cached.as_deref().map(|c| (c, c.parse::<u64>())) {
            Some((_, Ok(id))) => {
                ids.insert(sku.clone(), VariantId(id));
            }
            // Not in the shop when it was last listed: listed again after `relist_hours`.
            Some((c, Err(_))) if c.starts_with("none@") => {
                let seen = chrono::DateTime::parse_from_rfc3339(&c[5..])
                    .map(|t| t.with_timezone(&chrono::Utc));
                if seen.is_ok_and(|t| {
                    now - t < chrono::Duration::hours(i64::from(options.relist_hours))
                }) {
                    absent.insert(sku.clone());
                } else {
                    stale = true;
                }
            }
            _ => stale = true,
        }
    }
    let wanted: BTreeSet<&str> = changed.iter().map(|(s, _, _)| s.as_str()).collect();
    if stale {
        absent.clear();
        let mut variants = std::pin::pin!(
            client
                .variants()
                .list()
                .limit(250)
                .fields(&["id", "sku"])
                .stream_by_id()
        );
        while let Some(v) = variants
            .try_next()
            .await
            .map_err(|e| Error::Target(ecom(e)))?
        {
            if let Some(sku) = v.sku.as_deref().filter(|s| wanted.contains(s))
                && !ids.contains_key(sku)
            {
                state
                    .set_cursor(&variant_key(sku), &v.id.to_string())
                    .await?;
                ids.insert(sku.to_string(), v.id);
            }
        }
    }
    let mut work = Vec::new();
    for (sku, input, print) in changed {
        match ids.get(&sku) {
            Some(id) => work.push((sku, *id, input, print)),
            None => {
                if !absent.contains(&sku) {
                    state
                        .set_cursor(&variant_key(&sku), &format!("none@{}", now.to_rfc3339()))
                        .await?;
                }
                report.unknown.push(sku);
            }
        }
    }
    let per_variant =
        matches!(options.mode, BulkMode::PerVariant) || state.cursor(BULK_REFUSED).await?.is_some();
    let batch = match options.mode {
        BulkMode::Bulk { batch } if !per_variant => batch.max(1),
        _ => 1,
    };
    // Within the day's budget: one call per batch.
    let fits = fitting(work.len(), budget, batch);
    if work.len() > fits {
        report
            .deferred
            .extend(work.drain(fits..).map(|(sku, ..)| sku));
    }
    for chunk in work.chunks(batch) {
        if !per_variant {
            let items: Vec<VariantBulkItem> = chunk
                .iter()
                .map(|(_, id, input, _)| VariantBulkItem {
                    id: *id,
                    changes: input.clone(),
                })
                .collect();
            report.write_calls += 1;
            match client.update_variants_bulk(items).await.map_err(ecom) {
                Ok(_) => {
                    for (sku, _, _, print) in chunk {
                        state.set_cursor(&fingerprint_key(sku), print).await?;
                        report.written.push(sku.clone());
                    }
                    continue;
                }
                Err(e) if e.class == ErrorClass::Fatal => return Err(Error::Target(e)),
                Err(e) if e.class == ErrorClass::Rejected => {
                    // The shop does not take this body: one by one, now and from now on.
                    state.set_cursor(BULK_REFUSED, &e.message).await?;
                    report.bulk_refused = true;
                }
                Err(e) => {
                    for (sku, ..) in chunk {
                        report.failed.push((sku.clone(), e.message.clone()));
                    }
                    continue;
                }
            }
        }
        for (sku, id, input, print) in chunk {
            report.write_calls += 1;
            match client.variants().update(*id, input).await {
                Ok(_) => {
                    state.set_cursor(&fingerprint_key(sku), print).await?;
                    report.written.push(sku.clone());
                }
                Err(raw) => {
                    let gone = matches!(&raw, lightspeed_ecom::Error::Api(core)
                        if core.kind() == lightspeed_core::ErrorKind::NotFound);
                    let e = ecom(raw);
                    if e.class == ErrorClass::Fatal {
                        return Err(Error::Target(e));
                    }
                    if gone {
                        // The variant is gone: look its SKU up again next run.
                        state.set_cursor(&variant_key(sku), "").await?;
                    }
                    report.failed.push((sku.clone(), e.message));
                }
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_is_whole_never_negative_and_zero_when_archived() {
        let mut item = InventoryItem {
            sku: "A".into(),
            quantity: Decimal::new(75, 1),
            msrp: Some(Decimal::new(8995, 2)),
            ..Default::default()
        };
        assert_eq!(changes(&item, false).stock_level, Some(7));
        assert_eq!(changes(&item, false).price_incl, None);
        assert_eq!(changes(&item, true).price_incl, Some(Decimal::new(8995, 2)));
        item.quantity = Decimal::new(-3, 0);
        assert_eq!(changes(&item, false).stock_level, Some(0));
        item.quantity = Decimal::TEN;
        item.archived = true;
        assert_eq!(changes(&item, false).stock_level, Some(0));
    }

    #[test]
    fn a_run_writes_what_the_days_budget_covers() {
        assert_eq!(fitting(120, None, 50), 120);
        assert_eq!(fitting(120, Some(2), 50), 100, "two bulk calls");
        assert_eq!(fitting(120, Some(2), 1), 2, "two single writes");
        assert_eq!(fitting(120, Some(0), 50), 0);
        assert_eq!(fitting(3, Some(10), 1), 3);
    }

    #[test]
    fn the_fingerprint_follows_what_is_pushed() {
        let item = InventoryItem {
            sku: "A".into(),
            quantity: Decimal::TEN,
            cost: Some(Decimal::ONE),
            ..Default::default()
        };
        let mut cheaper = item.clone();
        cheaper.cost = Some(Decimal::TWO);
        assert_eq!(
            fingerprint(&changes(&item, false)),
            fingerprint(&changes(&cheaper, false)),
            "prices are not pushed, so they do not count"
        );
        assert_ne!(
            fingerprint(&changes(&item, true)),
            fingerprint(&changes(&cheaper, true))
        );
    }
}
