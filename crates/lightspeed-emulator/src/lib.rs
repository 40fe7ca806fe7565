//! A faithful local emulator of the Lightspeed eCom (C-Series) and Retail X-Series APIs, for
//! tests, examples, benchmarks and offline development.
//!
//! One server answers both APIs on loopback:
//!
//! - **eCom** under `/{lang}/{resource}.json` with Basic auth: products (a create also creates
//!   the default variant), variants, product images, categories, categories/products, brands,
//!   suppliers, types, attributes, types/attributes, tags, tags/products, webhooks, shop,
//!   account, account/permissions, account/ratelimit and languages; orders, their lines and
//!   shipments (read and update; orders are placed with
//!   [`EmulatorHandle::place_ecom_order`]), and `variants/bulk`. Lists take `page`, `limit`
//!   (at most 250), `since_id`, `created_at_min/max`, `updated_at_min/max`, `fields` and the
//!   resource filters (`variants?product=`, `products?supplier=`...); `…/count.json` counts.
//!   Texts are stored per language.
//! - **X-Series** under `/api/...` with Bearer auth: 2.0 products, inventory, outlets,
//!   registers, users, taxes, payment types, customers, brands, suppliers, tags, variant
//!   attributes, product categories, sales, search, retailer and webhooks; 2.1 product create and update; 0.9
//!   `register_sales`; OAuth at `/connect` and `/api/1.0/token` with refresh-token rotation.
//!   Every change bumps one retailer-wide version; lists honour `after`, `before`,
//!   `page_size` and `deleted`.
//! - **Rate limits** with the real headers on every response (eCom's three windows and
//!   per-second cap, X-Series' `300 × registers + 50`); the window length is configurable, and
//!   the windows run on the configured [`Clock`]: a test on a [`ManualClock`] moves time
//!   forward instead of sleeping (see [`EmulatorConfig::with_clock`]).
//! - **Outgoing webhooks** in each API's format and signature.
//! - **Faults** drawn deterministically from a seed (5xx, extra 429s, latency, dropped
//!   connections, cut bodies) and a switch that fails the Nth write, before or after applying
//!   it.
//! - **Admin routes**: `GET /_emulator/stats`, `POST /_emulator/reset`, `POST /_emulator/load`,
//!   `GET /_emulator/dump`, `PUT /_emulator/faults`.
//!
//! Where the reference leaves a fact open, the emulator picks one reading and says so where
//! it is implemented: eCom creates answer `201`, eCom webhooks are signed with the API
//! secret, X-Series webhooks sign the raw form body as hex, 2.1 creates answer
//! `{"data": [ids]}`.
//!
//! # Getting started
//!
//! ```
//! use lightspeed_emulator::{Emulator, EmulatorConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::start(EmulatorConfig::default()).await?;
//! let http = reqwest::Client::new();
//! let shop: serde_json::Value = http
//!     .get(format!("{}/nl/shop.json", emulator.ecom_url()))
//!     .basic_auth(emulator.ecom_key(), Some(emulator.ecom_secret()))
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(shop["shop"]["currency"]["shortcode"], "EUR");
//! assert_eq!(emulator.stats().requests, 1);
//! # Ok(())
//! # }
//! ```

// The product row in `xseries::store` is one large `json!` literal.
#![recursion_limit = "256"]

// The user guide's emulator page is compiled and run as a doctest, so it stays true to the code.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/emulator.md")]
struct EmulatorGuide;

mod config;
mod ecom;
mod faults;
mod limits;
mod seed;
mod server;
mod stats;
mod webhooks;
mod xseries;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

pub use config::{
    EcomSettings, EmulatorConfig, Faults, LimitSettings, WriteFault, XSeriesSettings,
};
/// The time sources of [`EmulatorConfig::clock`], shared with the typed clients so one virtual
/// clock can drive both.
pub use lightspeed_core::clock::{Clock, ManualClock, SystemClock};
pub use stats::Stats;

use server::{Shared, lock};

/// What can go wrong starting or seeding an emulator.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The listen address is taken or not allowed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A seed file cannot be read.
    #[error("cannot read seed file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// Seed data is malformed; the message names the place (`ecom.products[3]: ...`).
    #[error("seed data: {0}")]
    Seed(String),
}

/// Starts emulators.
#[derive(Debug, Clone, Copy)]
pub struct Emulator;

impl Emulator {
    /// Starts an emulator on `config.listen` in the current Tokio runtime. The server stops
    /// when the returned handle is dropped.
    pub async fn start(config: EmulatorConfig) -> Result<EmulatorHandle, Error> {
        let addr = config.listen;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| Error::Bind { addr, source })?;
        let base = format!("http://{local}");
        let attempts = config.webhook_attempts;
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::new(config, base.clone(), tx));
        let hooks = webhooks::spawn(&shared, attempts, rx);
        let app = server::router(shared.clone());
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stop_rx.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "emulator server stopped");
            }
        });
        Ok(EmulatorHandle {
            addr: local,
            base,
            shared,
            stop: Some(stop_tx),
            tasks: vec![server, hooks],
        })
    }
}

/// A running emulator. Dropping it stops the server.
pub struct EmulatorHandle {
    addr: SocketAddr,
    base: String,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The eCom base URL (`http://127.0.0.1:PORT`); requests go to `{url}/{lang}/...json`.
    pub fn ecom_url(&self) -> &str {
        &self.base
    }

    /// The X-Series base URL (`http://127.0.0.1:PORT`); requests go to `{url}/api/...`.
    pub fn xseries_url(&self) -> &str {
        &self.base
    }

    /// The eCom API key.
    pub fn ecom_key(&self) -> &str {
        &self.shared.config.ecom.key
    }

    /// The eCom API secret (as text: it is a test credential).
    pub fn ecom_secret(&self) -> &str {
        self.shared.config.ecom.secret.expose_secret()
    }

    /// The X-Series personal token (as text: it is a test credential).
    pub fn xseries_token(&self) -> &str {
        self.shared.config.xseries.token.expose_secret()
    }

    /// The configuration the emulator runs with.
    pub fn config(&self) -> &EmulatorConfig {
        &self.shared.config
    }

    /// Counters since start or the last reset.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Back to the seeded start: data, budgets, counters (faults stay).
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Changes the injected faults from now on.
    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.shared.faults) = faults;
    }

    /// Loads seed data (see `POST /_emulator/load`); answers with counts per resource.
    pub fn load(&self, doc: &Value) -> Result<Value, Error> {
        seed::load(&self.shared, doc)
    }

    /// Loads a seed file.
    pub fn load_file(&self, path: impl Into<PathBuf>) -> Result<Value, Error> {
        let path = path.into();
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        let doc: Value = serde_json::from_str(&text)
            .map_err(|e| Error::Seed(format!("{}: {e}", path.display())))?;
        self.load(&doc)
    }

    /// Everything stored, as a seed document.
    pub fn dump(&self) -> Value {
        seed::dump(&self.shared)
    }

    /// Records per resource: `{"ecom": {...}, "xseries": {...}}`.
    pub fn counts(&self) -> Value {
        serde_json::json!({"ecom": ecom::counts(&self.shared), "xseries": xseries::counts(&self.shared)})
    }

    /// Places an eCom order, as a shopper's checkout would (the API itself has no order
    /// create); answers its id. `order` holds the order's fields in the API's names
    /// (`email`, `firstname`, `addressShippingStreet`, `paymentStatus`, `shipmentTitle`,
    /// `shipmentPriceExcl`, `discountAmount`...) and `lines`: `[{"sku", "quantity",
    /// "priceExcl" (unit, excluding tax), "taxRate", "productTitle"}]`. Totals, the number
    /// (`ORD00001`), the lines' links to the shop's variants by SKU and one shipment are made
    /// from them.
    pub fn place_ecom_order(&self, order: &Value) -> Result<u64, Error> {
        let input = order
            .as_object()
            .ok_or_else(|| Error::Seed("an order is an object".into()))?;
        let mut store = lock(&self.shared.ecom);
        ecom::Orders::place(&mut store, input).map_err(|e| Error::Seed(format!("order: {}", e.0)))
    }

    /// The X-Series retailer-wide version counter.
    pub fn xseries_version(&self) -> i64 {
        xseries::version(&self.shared)
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        for t in &self.tasks {
            t.abort();
        }
    }
}
