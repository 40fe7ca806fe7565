//! The X-Series store's data: rows in the API 2.0 read shape, the retailer-wide version
//! counter, and the writes (2.0 and 2.1 products, customers, 0.9 register sales).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use lightspeed_core::Clock;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::config::EmulatorConfig;

/// The customer code of the retailer's walk-in customer.
pub(crate) const WALK_IN: &str = "WALKIN";

/// The resources with a version-paged list, in seed-document order.
pub(crate) const TABLES: [&str; 15] = [
    "outlets",
    "registers",
    "users",
    "taxes",
    "payment_types",
    "brands",
    "suppliers",
    "tags",
    "variant_attributes",
    "products",
    "inventory",
    "customers",
    "sales",
    "webhooks",
    "product_categories",
];

/// A refused write: status, and the body in the shape of the endpoint's API generation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Refusal {
    pub status: u16,
    pub body: Value,
}

impl Refusal {
    /// A 2.0/2.1 validation error: `{"errors": {field: [message]}}` (422).
    pub fn field(field: &str, message: &str) -> Refusal {
        Refusal {
            status: 422,
            body: json!({"errors": {field: [message]}}),
        }
    }

    /// A 0.9 error: `{"status": "error", "error": title, "details": text}` (400).
    pub fn legacy(title: &str, details: &str) -> Refusal {
        Refusal {
            status: 400,
            body: json!({"status": "error", "error": title, "details": details}),
        }
    }

    /// `{"error": "<what> not found"}` (404).
    pub fn not_found(what: &str) -> Refusal {
        Refusal {
            status: 404,
            body: json!({"error": format!("{what} not found")}),
        }
    }
}

#[derive(Debug, Default)]
struct Table {
    rows: HashMap<String, Map<String, Value>>,
    by_version: BTreeMap<i64, String>,
}

/// The store.
#[derive(Debug)]
pub(crate) struct Store {
    version: i64,
    rng: ChaCha8Rng,
    seed: u64,
    /// Every id loaded from seed data, nested ones (images, sale lines) included: the
    /// generator never hands one out again.
    loaded_ids: std::collections::HashSet<String>,
    tables: HashMap<&'static str, Table>,
    sku_sequence: u64,
    pub retailer: Map<String, Value>,
    pub domain_prefix: String,
    /// OAuth codes and tokens.
    pub oauth: super::oauth::Tokens,
    /// Lookups that keep writes independent of the number of rows.
    index: Index,
    /// The emulator's clock: every timestamp is its wall time.
    clock: Arc<dyn Clock>,
}

/// Live products by SKU and by family, live inventory rows by (product, outlet).
#[derive(Debug, Default)]
struct Index {
    skus: HashMap<String, String>,
    families: HashMap<String, std::collections::BTreeSet<String>>,
    stock: HashMap<(String, String), String>,
}

fn live_row(row: &Map<String, Value>) -> bool {
    row.get("deleted_at").is_none_or(Value::is_null)
}

fn text_of<'a>(row: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    row.get(key).and_then(Value::as_str)
}

impl Index {
    /// The family a product belongs to: its parent's id, or its own.
    fn family(row: &Map<String, Value>, id: &str) -> String {
        text_of(row, "variant_parent_id").unwrap_or(id).to_string()
    }

    fn remove(&mut self, table: &str, id: &str, row: &Map<String, Value>) {
        match table {
            "products" => {
                if let Some(sku) = text_of(row, "sku")
                    && self.skus.get(sku).is_some_and(|p| p == id)
                {
                    self.skus.remove(sku);
                }
                if let Some(set) = self.families.get_mut(&Self::family(row, id)) {
                    set.remove(id);
                }
            }
            "inventory" => {
                if let (Some(p), Some(o)) = (text_of(row, "product_id"), text_of(row, "outlet_id"))
                {
                    let key = (p.to_string(), o.to_string());
                    if self.stock.get(&key).is_some_and(|i| i == id) {
                        self.stock.remove(&key);
                    }
                }
            }
            _ => {}
        }
    }

    fn add(&mut self, table: &str, id: &str, row: &Map<String, Value>) {
        if !live_row(row) {
            return;
        }
        match table {
            "products" => {
                if let Some(sku) = text_of(row, "sku") {
                    self.skus.insert(sku.to_string(), id.to_string());
                }
                self.families
                    .entry(Self::family(row, id))
                    .or_default()
                    .insert(id.to_string());
            }
            "inventory" => {
                if let (Some(p), Some(o)) = (text_of(row, "product_id"), text_of(row, "outlet_id"))
                {
                    self.stock
                        .insert((p.to_string(), o.to_string()), id.to_string());
                }
            }
            _ => {}
        }
    }
}

/// Every text under an `id` key, at any depth.
fn collect_ids(value: &Value, out: &mut std::collections::HashSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "id"
                    && let Some(id) = v.as_str()
                {
                    out.insert(id.to_string());
                }
                collect_ids(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_ids(v, out)),
        _ => {}
    }
}

pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// A JSON number from a decimal, written as the eCom store writes them.
pub(crate) use crate::ecom::number as num;

/// A decimal from a JSON number or numeric text.
pub(crate) fn dec(v: Option<&Value>) -> Option<Decimal> {
    v.and_then(crate::ecom::decimal_of)
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

fn slug(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

/// The `common` and `details` objects of an API 2.1 product body (empty when absent).
fn v21_parts(body: &Map<String, Value>) -> (Map<String, Value>, Map<String, Value>) {
    let part = |k: &str| {
        body.get(k)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    (part("common"), part("details"))
}

impl Store {
    pub fn new(config: &EmulatorConfig) -> Self {
        let mut s = Store {
            version: 4_300_000_000,
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            seed: config.seed,
            loaded_ids: Default::default(),
            tables: TABLES.iter().map(|t| (*t, Table::default())).collect(),
            sku_sequence: 10_000,
            retailer: Map::new(),
            domain_prefix: config.xseries.domain_prefix.clone(),
            oauth: Default::default(),
            index: Index::default(),
            clock: config.clock.clone(),
        };
        s.seed_defaults(config.xseries.registers.max(1));
        s
    }

    /// The clock's wall time.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.wall().into()
    }

    /// A random (seeded) lowercase UUID that no record holds.
    pub fn uuid(&mut self) -> String {
        loop {
            let mut bytes = [0u8; 16];
            self.rng.fill_bytes(&mut bytes);
            let id = uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .hyphenated()
                .to_string();
            if !self.loaded_ids.contains(&id)
                && !self.tables.values().any(|t| t.rows.contains_key(&id))
            {
                return id;
            }
        }
    }

    /// After seed data is loaded: the generator moves to a sequence of its own (seeded with
    /// the emulator's seed and the loaded ids, so the same load gives the same ids), since the
    /// seeded one would hand out again the ids of the records a dump was taken from.
    pub fn loaded(&mut self) {
        let mut ids: Vec<&String> = self.loaded_ids.iter().collect();
        ids.sort();
        // FNV-1a: stable across Rust versions, unlike std's hasher.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ self.seed;
        for id in ids {
            for byte in id.bytes().chain(std::iter::once(0)) {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        self.rng = ChaCha8Rng::seed_from_u64(hash);
    }

    /// `n` random characters from `alphabet`.
    pub fn code(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n)
            .map(|_| alphabet[(self.rng.next_u32() as usize) % alphabet.len()] as char)
            .collect()
    }

    fn seed_defaults(&mut self, registers: u32) {
        let now = timestamp(self.now());
        let outlet = self.uuid();
        let tax = self.uuid();
        let no_tax = self.uuid();
        let rate = self.uuid();
        let no_rate = self.uuid();
        self.retailer = json!({
            "id": self.uuid(),
            "domain_prefix": self.domain_prefix,
            "store_url": format!("https://{}.retail.lightspeed.app", self.domain_prefix),
            "account_status": "active",
            "account_type": "paid",
            "name": "Emulator Store",
            "version": "1",
            "discount_product_id": null,
            "no_tax_group_id": no_tax,
            "loyalty": {"enabled": false},
            // The 2.0 spec's shape: whether SKUs are generated, and the last one generated.
            "sku_sequence": {"enabled": true, "value": 10000},
            "culture": "nl-NL",
            "timezone": "Europe/Amsterdam",
            "tax_exclusive": true,
            "country": "NL",
            "currency": {"code": "EUR", "symbol": "€"},
            "store_credit": false,
            "gift_cards": {"enabled": false},
            "created_at": now,
            "activated_at": now,
        })
        .as_object()
        .cloned()
        .unwrap_or_default();
        self.put_new(
            "taxes",
            json!({"id": tax, "name": "BTW", "display_name": "BTW 21%", "is_default": true,
                   "deleted_at": null,
                   "rates": [{"id": rate, "name": "BTW", "rate": 0.21, "display_name": "BTW 21%"}]}),
        );
        self.put_new(
            "taxes",
            json!({"id": no_tax, "name": "No Tax", "display_name": "No Tax", "is_default": false,
                   "deleted_at": null,
                   "rates": [{"id": no_rate, "name": "No Tax", "rate": 0, "display_name": "No Tax"}]}),
        );
        self.put_new(
            "outlets",
            json!({"id": outlet, "name": "Main Outlet", "default_tax_id": tax, "currency": "EUR",
                   "currency_symbol": "€", "display_prices": "exclusive",
                   "time_zone": "Europe/Amsterdam", "physical_address_1": "Damrak 1",
                   "physical_address_2": "", "physical_suburb": "", "physical_city": "Amsterdam",
                   "physical_postcode": "1012 LG", "physical_state": "Noord-Holland",
                   "physical_country_id": "NL", "attributes": [], "deleted_at": null}),
        );
        // Every register of a real store prints with a receipt template (a uuid in every real
        // payload); the emulator's registers share one.
        let receipt_template = self.uuid();
        for i in 1..=registers {
            let id = self.uuid();
            self.put_new(
                "registers",
                json!({"id": id, "name": format!("Register {i}"), "outlet_id": outlet,
                       "ask_for_note_on_save": 0, "print_note_on_receipt": false,
                       "ask_for_user_on_sale": false, "show_discounts_on_receipts": true,
                       "print_receipt": true, "email_receipt": false,
                       "invoice_prefix": format!("R{i}-"), "invoice_suffix": "",
                       "invoice_sequence": 1000, "button_layout_id": null, "is_open": true,
                       "is_quick_keys_enabled": false, "receipt_template_id": receipt_template,
                       "register_open_time": now, "register_close_time": null,
                       "register_open_sequence_id": null,
                       "cash_managed_payment_type_id": null, "deleted_at": null}),
            );
        }
        let user = self.uuid();
        self.put_new(
            "users",
            json!({"id": user, "username": "admin", "display_name": "Emulator Admin",
                   "email": "admin@example.com", "email_verified_at": null,
                   "switch_id": "usi:emulator", "account_type": "admin", "roles": [],
                   "enabled": true, "restricted_outlet_id": null, "restricted_outlet_ids": [],
                   "permissions": [], "rules": {}, "is_primary_user": true,
                   "image_source": "", "images": {}, "target_daily": 0, "target_weekly": 0,
                   "target_monthly": 0, "seen_at": now, "created_at": now, "updated_at": now,
                   "deleted_at": null, "time_until_deletion": null, "enabled_mfa": null,
                   "require_password_change": false}),
        );
        for (name, type_id) in [("Cash", 1), ("Credit Card", 3), ("Gift Card", 118)] {
            let id = self.uuid();
            self.put_new(
                "payment_types",
                json!({"id": id, "name": name, "type_id": type_id, "config": null, "deleted_at": null}),
            );
        }
        // The retailer's walk-in customer: a sale sent without a customer gets it, as real
        // payloads show (`customer_code: "WALKIN"`, an empty name).
        let walk_in = json!({"first_name": "", "last_name": "", "customer_code": WALK_IN});
        if let Some(input) = walk_in.as_object() {
            let _ = self.write_customer(None, input);
        }
    }

    /// The id of the walk-in customer (`customer_code` `WALKIN`), if one is live.
    pub fn walk_in_customer(&self) -> Option<String> {
        self.rows("customers")
            .find(|c| c.get("customer_code").and_then(Value::as_str) == Some(WALK_IN))
            .and_then(|c| c.get("id").and_then(Value::as_str).map(str::to_string))
    }

    fn table(&self, name: &str) -> &Table {
        &self.tables[name]
    }

    fn table_mut(&mut self, name: &str) -> &mut Table {
        self.tables.get_mut(name).expect("a known table")
    }

    /// Whether `name` is a table of this store.
    pub fn has_table(name: &str) -> bool {
        TABLES.contains(&name)
    }

    /// The row with this id, deleted or not.
    pub fn row(&self, table: &str, id: &str) -> Option<&Map<String, Value>> {
        self.table(table).rows.get(id)
    }

    /// The live (not deleted) row with this id.
    pub fn live(&self, table: &str, id: &str) -> Option<&Map<String, Value>> {
        self.row(table, id)
            .filter(|r| r.get("deleted_at").is_none_or(Value::is_null))
    }

    /// Every live row of a table.
    pub fn rows<'a>(&'a self, table: &str) -> impl Iterator<Item = &'a Map<String, Value>> {
        self.table(table)
            .by_version
            .values()
            .filter_map(move |id| self.table(table).rows.get(id))
            .filter(|r| r.get("deleted_at").is_none_or(Value::is_null))
    }

    /// Bumps the retailer-wide version and stamps `row` with it (and `updated_at` where the
    /// resource has one), then stores it.
    pub fn save(&mut self, table: &str, mut row: Map<String, Value>) -> String {
        self.version += 1;
        let version = self.version;
        let id = row
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| self.uuid());
        row.insert("id".into(), Value::from(id.clone()));
        row.insert("version".into(), Value::from(version));
        if row.contains_key("updated_at") {
            row.insert("updated_at".into(), Value::from(timestamp(self.now())));
        }
        let mut index = std::mem::take(&mut self.index);
        let t = self.table_mut(table);
        if let Some(old) = t.rows.get(&id) {
            if let Some(v) = old.get("version").and_then(Value::as_i64) {
                t.by_version.remove(&v);
            }
            index.remove(table, &id, old);
        }
        index.add(table, &id, &row);
        t.by_version.insert(version, id.clone());
        t.rows.insert(id.clone(), row);
        self.index = index;
        id
    }

    fn put_new(&mut self, table: &str, row: Value) -> String {
        let row = row.as_object().cloned().unwrap_or_default();
        self.save(table, row)
    }

    /// Soft-deletes a row: `deleted_at` set, version bumped.
    pub fn soft_delete(&mut self, table: &str, id: &str) -> bool {
        let Some(mut row) = self.live(table, id).cloned() else {
            return false;
        };
        row.insert("deleted_at".into(), Value::from(timestamp(self.now())));
        self.save(table, row);
        true
    }

    /// One page of a version-paged list: rows with `after < version < before`, in version
    /// order, deleted ones only when asked.
    pub fn page(
        &self,
        table: &str,
        after: i64,
        before: Option<i64>,
        size: usize,
        deleted: bool,
        filter: &dyn Fn(&Map<String, Value>) -> bool,
    ) -> Vec<&Map<String, Value>> {
        let t = self.table(table);
        let upper = before.unwrap_or(i64::MAX);
        if after.saturating_add(1) >= upper {
            return Vec::new();
        }
        t.by_version
            .range(after.saturating_add(1)..upper)
            .filter_map(|(_, id)| t.rows.get(id))
            .filter(|r| deleted || r.get("deleted_at").is_none_or(Value::is_null))
            .filter(|r| filter(r))
            .take(size)
            .collect()
    }

    fn default_tax(&self) -> (String, Decimal) {
        self.rows("taxes")
            .find(|t| t.get("is_default") == Some(&Value::Bool(true)))
            .or_else(|| self.rows("taxes").next())
            .map(|t| {
                let rate = t
                    .get("rates")
                    .and_then(Value::as_array)
                    .map(|rates| rates.iter().filter_map(|r| dec(r.get("rate"))).sum())
                    .unwrap_or_default();
                (
                    t.get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    rate,
                )
            })
            .unwrap_or_default()
    }

    /// Tax rate of a tax id (sum of its rates).
    pub fn tax_rate(&self, id: &str) -> Option<(String, Decimal)> {
        let t = self.live("taxes", id)?;
        let rate = t
            .get("rates")
            .and_then(Value::as_array)
            .map(|rates| rates.iter().filter_map(|r| dec(r.get("rate"))).sum())
            .unwrap_or_default();
        Some((
            t.get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            rate,
        ))
    }

    fn outlet_ids(&self) -> Vec<String> {
        self.rows("outlets")
            .filter_map(|o| o.get("id").and_then(Value::as_str).map(str::to_string))
            .collect()
    }

    fn named_ref(&self, table: &str, id: Option<&Value>) -> Result<Value, String> {
        match id {
            None | Some(Value::Null) => Ok(Value::Null),
            Some(Value::String(id)) => match self.live(table, id) {
                Some(r) => Ok(
                    json!({"id": id, "name": r.get("name").cloned().unwrap_or_default(),
                                     "version": r.get("version").cloned().unwrap_or_default()}),
                ),
                None => Err(id.clone()),
            },
            Some(other) => Err(other.to_string()),
        }
    }

    /// Both prices from the one given (the store is tax exclusive; the default tax applies).
    fn prices(&self, input: &Map<String, Value>) -> Result<(Decimal, Decimal), Refusal> {
        let incl = input.get("price_including_tax");
        let excl = input.get("price_excluding_tax");
        if incl.is_some_and(|v| !v.is_null()) && excl.is_some_and(|v| !v.is_null()) {
            return Err(Refusal::field(
                "price_including_tax",
                "send either price_including_tax or price_excluding_tax, not both",
            ));
        }
        let factor = Decimal::ONE + self.default_tax().1;
        let bad = |f: &str| Refusal::field(f, "must be a number");
        match (incl, excl) {
            (Some(v), _) if !v.is_null() => {
                let i = dec(Some(v)).ok_or_else(|| bad("price_including_tax"))?;
                Ok(((i / factor).round_dp(5), i))
            }
            (_, Some(v)) if !v.is_null() => {
                let e = dec(Some(v)).ok_or_else(|| bad("price_excluding_tax"))?;
                Ok((e, (e * factor).round_dp(2)))
            }
            _ => Ok((Decimal::ZERO, Decimal::ZERO)),
        }
    }

    fn images_of(&mut self, input: &Map<String, Value>) -> Vec<Value> {
        let mut out = Vec::new();
        for (i, image) in input
            .get("images")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(url) = image.get("location").and_then(Value::as_str) {
                let id = self.uuid();
                out.push(self.image(&id, url, i));
            }
        }
        out
    }

    /// A product image record.
    pub fn image(&mut self, id: &str, url: &str, position: usize) -> Value {
        self.version += 1;
        json!({"id": id, "url": url, "version": self.version, "position": position,
               "status": "uploaded",
               "sizes": {"ss": url, "st": url, "sm": url, "sl": url, "thumb": url,
                         "standard": url, "original": url}})
    }

    /// Builds (without saving) one product row from a 2.0 create body or a variant of it.
    fn product_row(
        &mut self,
        family: &Map<String, Value>,
        own: &Map<String, Value>,
        parent: Option<&str>,
    ) -> Result<Map<String, Value>, Refusal> {
        let now = timestamp(self.now());
        let name = text(family.get("name")).unwrap_or_default();
        let (excl, incl) = self.prices(
            if own.contains_key("price_excluding_tax") || own.contains_key("price_including_tax") {
                own
            } else {
                family
            },
        )?;
        let get = |k: &str| own.get(k).or_else(|| family.get(k)).cloned();
        let sku = match text(own.get("sku")) {
            Some(s) if !s.is_empty() => s,
            _ => {
                self.sku_sequence += 1;
                self.retailer.insert(
                    "sku_sequence".into(),
                    json!({"enabled": true, "value": self.sku_sequence}),
                );
                self.sku_sequence.to_string()
            }
        };
        if self.index.skus.contains_key(&sku) {
            return Err(Refusal::field(
                "sku",
                &format!("sku {sku} is already in use"),
            ));
        }
        let brand = self
            .named_ref("brands", family.get("brand_id"))
            .map_err(|id| Refusal::field("brand_id", &format!("no brand with id {id}")))?;
        let supplier = self
            .named_ref("suppliers", family.get("supplier_id"))
            .map_err(|id| Refusal::field("supplier_id", &format!("no supplier with id {id}")))?;
        let mut tags = Vec::new();
        for id in family
            .get("tag_ids")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            // A null in the list names no tag: refused, not listed as a null category.
            let tag = self
                .named_ref("tags", Some(id))
                .and_then(|tag| {
                    if tag.is_null() {
                        Err("null".into())
                    } else {
                        Ok(tag)
                    }
                })
                .map_err(|id| Refusal::field("tag_ids", &format!("no tag with id {id}")))?;
            tags.push(tag);
        }
        // The product category (the newer name of the product type), shared by a family.
        let category_field = if family.contains_key("product_category_id") {
            "product_category_id"
        } else {
            "product_type_id"
        };
        let category_id = family
            .get(category_field)
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or(Value::Null);
        let category = super::categories::embed(self, category_field, &category_id)?;
        let mut options = Vec::new();
        for def in own
            .get("variant_definitions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let attr = def
                .get("attribute_id")
                .and_then(Value::as_str)
                .unwrap_or("");
            let Some(a) = self.live("variant_attributes", attr) else {
                return Err(Refusal::field(
                    "variant_definitions",
                    &format!("no variant attribute with id {attr}"),
                ));
            };
            options.push(
                json!({"id": attr, "name": a.get("name").cloned().unwrap_or_default(),
                                "value": def.get("value").cloned().unwrap_or_default()}),
            );
        }
        let variant_name = std::iter::once(name.clone())
            .chain(
                options
                    .iter()
                    .filter_map(|o| o["value"].as_str().map(str::to_string)),
            )
            .collect::<Vec<_>>()
            .join(" / ");
        let mut codes: Vec<Value> = get("product_codes")
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default();
        if !codes
            .iter()
            .any(|c| c.get("code").and_then(Value::as_str) == Some(&sku))
        {
            codes.push(json!({"type": "CUSTOM", "code": sku}));
        }
        let images = {
            let mut imgs = self.images_of(own);
            if imgs.is_empty() && parent.is_none() {
                imgs = self.images_of(family);
            }
            imgs
        };
        let placeholder =
            "https://secure.vendhq.com/images/placeholder/product/no-image-white-thumb.png";
        let image_url = images
            .first()
            .and_then(|i| i.get("url"))
            .and_then(Value::as_str)
            .unwrap_or(placeholder)
            .to_string();
        let handle = text(family.get("handle")).unwrap_or_else(|| slug(&name));
        let is_active = get("is_active").and_then(|v| v.as_bool()).unwrap_or(true);
        let num_of = |k: &str| -> Result<Value, Refusal> {
            match get(k) {
                None | Some(Value::Null) => Ok(Value::Null),
                Some(v) => dec(Some(&v))
                    .map(num)
                    .ok_or_else(|| Refusal::field(k, "must be a number")),
            }
        };
        let supply = match get("supply_price") {
            None | Some(Value::Null) => num(Decimal::ZERO),
            Some(v) => dec(Some(&v))
                .map(num)
                .ok_or_else(|| Refusal::field("supply_price", "must be a number"))?,
        };
        let row = json!({
            "name": name,
            "variant_name": variant_name,
            "handle": handle,
            "sku": sku,
            "supplier_code": get("supplier_code").unwrap_or_else(|| Value::from("")),
            "active": is_active,
            "is_active": is_active,
            "has_inventory": true,
            "is_composite": false,
            "description": family.get("description").cloned().unwrap_or_else(|| Value::from("")),
            "image_url": image_url,
            "image_thumbnail_url": image_url,
            "created_at": now,
            "updated_at": now,
            "deleted_at": null,
            "source": get("source").unwrap_or_else(|| Value::from("USER")),
            "source_id": get("source_id").unwrap_or(Value::Null),
            "source_variant_id": own.get("source_variant_id").cloned().unwrap_or(Value::Null),
            "supply_price": supply,
            "type": category,
            "product_type_id": category_id.clone(),
            "product_category_id": category_id,
            "supplier": supplier,
            "supplier_id": family.get("supplier_id").cloned().unwrap_or(Value::Null),
            "brand": brand,
            "brand_id": family.get("brand_id").cloned().unwrap_or(Value::Null),
            "variant_parent_id": parent,
            "variant_options": options,
            "variant_count": 0,
            "categories": tags,
            "tag_ids": family.get("tag_ids").cloned().unwrap_or_else(|| json!([])),
            "images": images,
            "has_variants": false,
            "button_order": 0,
            "price_including_tax": num(incl),
            "price_excluding_tax": num(excl),
            "loyalty_amount": num_of("loyalty_amount")?,
            "attributes": [],
            "product_codes": codes,
            "product_suppliers": get("product_suppliers").unwrap_or_else(|| json!([])),
            "weight": num_of("weight")?,
            "weight_unit": get("weight_unit").unwrap_or(Value::Null),
            "length": num_of("length")?,
            "width": num_of("width")?,
            "height": num_of("height")?,
            "dimensions_unit": get("dimensions_unit").unwrap_or(Value::Null),
            "account_code": get("account_code_sale").unwrap_or(Value::Null),
            "account_code_purchase": get("account_code_purchase").unwrap_or(Value::Null),
        });
        let mut row = row.as_object().cloned().unwrap_or_default();
        row.insert("id".into(), Value::from(self.uuid()));
        Ok(row)
    }

    /// Inventory rows of a new product: one per outlet, levels from `inventory[]`.
    fn create_inventory(
        &mut self,
        product: &str,
        input: Option<&Value>,
        cost: &Value,
    ) -> Result<Vec<String>, Refusal> {
        let mut levels: HashMap<String, &Value> = HashMap::new();
        for entry in input.and_then(Value::as_array).into_iter().flatten() {
            let outlet = entry.get("outlet_id").and_then(Value::as_str).unwrap_or("");
            if self.live("outlets", outlet).is_none() {
                return Err(Refusal::field(
                    "inventory",
                    &format!("no outlet with id {outlet}"),
                ));
            }
            if dec(entry.get("current_amount")).is_none() {
                return Err(Refusal::field(
                    "inventory",
                    "current_amount must be a number",
                ));
            }
            levels.insert(outlet.to_string(), entry);
        }
        let mut ids = Vec::new();
        for outlet in self.outlet_ids() {
            let entry = levels.get(&outlet);
            let level = entry
                .and_then(|e| dec(e.get("current_amount")))
                .unwrap_or_default();
            let id = self.uuid();
            let reorder = |k: &str| {
                entry
                    .and_then(|e| dec(e.get(k)))
                    .map(num)
                    .unwrap_or_else(|| Value::from(0))
            };
            let row = json!({"id": id, "product_id": product, "outlet_id": outlet,
                             "inventory_level": num(level), "current_amount": num(level),
                             "average_cost": cost, "reorder_point": reorder("reorder_point"),
                             "reorder_amount": reorder("reorder_amount"), "deleted_at": null});
            ids.push(self.put_new("inventory", row));
        }
        Ok(ids)
    }

    /// `POST /api/2.0/products`: a product, or a family with `variants[]` (the first variant
    /// is the family's parent). Answers with the new ids and the changed inventory rows.
    pub fn create_products(
        &mut self,
        input: &Map<String, Value>,
    ) -> Result<(Vec<String>, Vec<String>), Refusal> {
        match input.get("name").and_then(Value::as_str) {
            Some(n) if !n.trim().is_empty() => {}
            _ => return Err(Refusal::field("name", "is required")),
        }
        let variants: Vec<Map<String, Value>> = input
            .get("variants")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(|x| x.as_object().cloned()).collect())
            .unwrap_or_default();
        let mut rows = Vec::new();
        if variants.is_empty() {
            rows.push((
                self.product_row(input, input, None)?,
                input.get("inventory").cloned(),
            ));
        } else {
            let mut parent: Option<String> = None;
            for v in &variants {
                let row = self.product_row(input, v, parent.as_deref())?;
                if parent.is_none() {
                    parent = row.get("id").and_then(Value::as_str).map(str::to_string);
                }
                rows.push((row, v.get("inventory").cloned()));
            }
            let count = rows.len();
            for (row, _) in rows.iter_mut() {
                row.insert("has_variants".into(), Value::Bool(true));
                row.insert("variant_count".into(), Value::from(count));
            }
        }
        // Check every inventory block before anything is stored.
        let outlets = self.outlet_ids();
        for (_, inv) in &rows {
            for e in inv.as_ref().and_then(Value::as_array).into_iter().flatten() {
                let o = e.get("outlet_id").and_then(Value::as_str).unwrap_or("");
                if !outlets.iter().any(|x| x == o) {
                    return Err(Refusal::field(
                        "inventory",
                        &format!("no outlet with id {o}"),
                    ));
                }
            }
        }
        let mut ids = Vec::new();
        let mut inventory = Vec::new();
        for (row, inv) in rows {
            let cost = row.get("supply_price").cloned().unwrap_or_default();
            let id = self.save("products", row);
            inventory.extend(self.create_inventory(&id, inv.as_ref(), &cost)?);
            ids.push(id);
        }
        Ok((ids, inventory))
    }

    /// `POST /api/2.1/products`: one product, or one variant of the family of
    /// `details.variant_parent_id` with `details.variant_attribute_values`.
    pub fn create_v21(
        &mut self,
        body: &Map<String, Value>,
    ) -> Result<(Vec<String>, Vec<String>), Refusal> {
        let (common, details) = &v21_parts(body);
        let parent = details.get("variant_parent_id").and_then(Value::as_str);
        let mut family = common.clone();
        let mut own = details.clone();
        if let Some(values) = details
            .get("variant_attribute_values")
            .and_then(Value::as_array)
        {
            let defs: Vec<Value> = values
                .iter()
                .map(|v| json!({"attribute_id": v.get("attribute_id"), "value": v.get("attribute_value")}))
                .collect();
            own.insert("variant_definitions".into(), Value::Array(defs));
        }
        if let Some(p) = parent {
            let Some(parent_row) = self.live("products", p).cloned() else {
                return Err(Refusal::field(
                    "variant_parent_id",
                    &format!("no product with id {p}"),
                ));
            };
            for k in [
                "name",
                "handle",
                "description",
                "brand_id",
                "supplier_id",
                "tag_ids",
                "product_category_id",
            ] {
                if !family.contains_key(k)
                    && let Some(v) = parent_row.get(k)
                {
                    family.insert(k.into(), v.clone());
                }
            }
        }
        match family.get("name").and_then(Value::as_str) {
            Some(n) if !n.trim().is_empty() => {}
            _ => return Err(Refusal::field("name", "is required")),
        }
        let row = self.product_row(&family, &own, parent)?;
        let cost = row.get("supply_price").cloned().unwrap_or_default();
        let id = self.save("products", row);
        let inventory = self.create_inventory(&id, details.get("inventory"), &cost)?;
        if let Some(p) = parent {
            let members = self.family_members(p);
            for m in &members {
                if let Some(mut r) = self.live("products", m).cloned() {
                    r.insert("has_variants".into(), Value::Bool(true));
                    r.insert("variant_count".into(), Value::from(members.len()));
                    self.save("products", r);
                }
            }
        }
        Ok((vec![id], inventory))
    }

    /// `PUT /api/2.1/products/{id}`: `common` applies to the whole family, `details` to this
    /// product; `details.inventory[]` sets stock. Answers with the changed product ids and
    /// inventory rows.
    pub fn update_v21(
        &mut self,
        id: &str,
        body: &Map<String, Value>,
    ) -> Result<(Vec<String>, Vec<String>), Refusal> {
        let Some(row) = self.live("products", id).cloned() else {
            return Err(Refusal::not_found("product"));
        };
        let (common, details) = &v21_parts(body);
        let family_root = row
            .get("variant_parent_id")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_string();
        let members = self.family_members(&family_root);
        let mut changed = Vec::new();
        if !common.is_empty() {
            if let Some(n) = common.get("name")
                && n.as_str().is_none_or(|s| s.trim().is_empty())
            {
                return Err(Refusal::field("name", "must not be empty"));
            }
            let brand =
                match common.get("brand_id") {
                    Some(b) => Some(self.named_ref("brands", Some(b)).map_err(|id| {
                        Refusal::field("brand_id", &format!("no brand with id {id}"))
                    })?),
                    None => None,
                };
            for m in &members {
                let Some(mut r) = self.live("products", m).cloned() else {
                    continue;
                };
                for k in ["name", "description", "tag_ids"] {
                    if let Some(v) = common.get(k) {
                        r.insert(k.into(), v.clone());
                    }
                }
                if let Some(b) = &brand {
                    r.insert("brand".into(), b.clone());
                    r.insert("brand_id".into(), common["brand_id"].clone());
                }
                if let Some(t) = common.get("track_inventory").and_then(Value::as_bool) {
                    r.insert("has_inventory".into(), Value::Bool(t));
                }
                self.save("products", r);
                changed.push(m.clone());
            }
        }
        let mut inventory = Vec::new();
        if !details.is_empty() {
            let mut r = self.live("products", id).cloned().unwrap_or(row);
            if details.contains_key("price_excluding_tax")
                || details.contains_key("price_including_tax")
            {
                let (excl, incl) = self.prices(details)?;
                r.insert("price_excluding_tax".into(), num(excl));
                r.insert("price_including_tax".into(), num(incl));
            }
            for k in [
                "weight",
                "length",
                "width",
                "height",
                "loyalty_amount",
                "supply_price",
            ] {
                if let Some(v) = details.get(k) {
                    let d = dec(Some(v)).ok_or_else(|| Refusal::field(k, "must be a number"))?;
                    r.insert(k.into(), num(d));
                }
            }
            for k in ["weight_unit", "product_codes", "product_suppliers"] {
                if let Some(v) = details.get(k) {
                    r.insert(k.into(), v.clone());
                }
            }
            // Postman spells it `dimension_unit`, the docs `dimensions_unit`.
            if let Some(v) = details
                .get("dimensions_unit")
                .or_else(|| details.get("dimension_unit"))
            {
                r.insert("dimensions_unit".into(), v.clone());
            }
            if let Some(a) = details.get("is_active").and_then(Value::as_bool) {
                r.insert("is_active".into(), Value::Bool(a));
                r.insert("active".into(), Value::Bool(a));
            }
            if let Some(entries) = details.get("inventory").and_then(Value::as_array) {
                for e in entries {
                    let outlet = e.get("outlet_id").and_then(Value::as_str).unwrap_or("");
                    if self.live("outlets", outlet).is_none() {
                        return Err(Refusal::field(
                            "inventory",
                            &format!("no outlet with id {outlet}"),
                        ));
                    }
                    let level = dec(e.get("current_amount")).ok_or_else(|| {
                        Refusal::field("inventory", "current_amount must be a number")
                    })?;
                    if let Some(inv) = self.set_level(id, outlet, level, e) {
                        inventory.push(inv);
                    }
                }
            }
            self.save("products", r);
            if !changed.iter().any(|c| c == id) {
                changed.push(id.to_string());
            }
        }
        Ok((changed, inventory))
    }

    /// Sets a product's level at an outlet; answers with the inventory row id if it changed.
    fn set_level(
        &mut self,
        product: &str,
        outlet: &str,
        level: Decimal,
        extra: &Value,
    ) -> Option<String> {
        let existing = self.stock_row(product, outlet).cloned();
        let mut row = match existing {
            Some(r) => r,
            None => json!({"product_id": product, "outlet_id": outlet, "inventory_level": 0,
                           "current_amount": 0, "average_cost": 0, "reorder_point": 0,
                           "reorder_amount": 0, "deleted_at": null})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        };
        let before = row.clone();
        row.insert("inventory_level".into(), num(level));
        row.insert("current_amount".into(), num(level));
        for k in ["reorder_point", "reorder_amount"] {
            if let Some(d) = dec(extra.get(k)) {
                row.insert(k.into(), num(d));
            }
        }
        if row == before {
            return None;
        }
        Some(self.save("inventory", row))
    }

    /// The live members of the family rooted at `root` (the parent and its variants).
    pub fn family_members(&self, root: &str) -> Vec<String> {
        self.index
            .families
            .get(root)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The live inventory row of a product at an outlet.
    pub fn stock_row(&self, product: &str, outlet: &str) -> Option<&Map<String, Value>> {
        let id = self
            .index
            .stock
            .get(&(product.to_string(), outlet.to_string()))?;
        self.live("inventory", id)
    }

    /// The ids of a product's live inventory rows, one per outlet.
    pub fn stock_ids(&self, product: &str) -> Vec<String> {
        self.outlet_ids()
            .iter()
            .filter_map(|o| {
                self.index
                    .stock
                    .get(&(product.to_string(), o.clone()))
                    .cloned()
            })
            .collect()
    }

    /// Adds `delta` to a product's level at an outlet.
    pub fn adjust_level(&mut self, product: &str, outlet: &str, delta: Decimal) -> Option<String> {
        let current = self
            .stock_row(product, outlet)
            .and_then(|r| dec(r.get("inventory_level")))
            .unwrap_or_default();
        self.set_level(product, outlet, current + delta, &Value::Null)
    }

    /// Soft-deletes a product (and its inventory rows), or with `family` every member.
    pub fn delete_product(&mut self, id: &str, family: bool) -> Option<Vec<String>> {
        let row = self.live("products", id)?.clone();
        let mut targets = vec![id.to_string()];
        if family {
            let root = row
                .get("variant_parent_id")
                .and_then(Value::as_str)
                .unwrap_or(id)
                .to_string();
            targets = self.family_members(&root);
        }
        for t in &targets {
            self.soft_delete("products", t);
            for i in self.stock_ids(t) {
                self.soft_delete("inventory", &i);
            }
        }
        Some(targets)
    }

    /// `POST /api/2.0/customers` and `PUT /api/2.0/customers/{id}`.
    pub fn write_customer(
        &mut self,
        id: Option<&str>,
        input: &Map<String, Value>,
    ) -> Result<String, Refusal> {
        for k in ["first_name", "last_name"] {
            if !input.contains_key(k) {
                return Err(Refusal::field(k, "is required"));
            }
        }
        if let Some(e) = input.get("email").and_then(Value::as_str)
            && !e.is_empty()
            && !e.contains('@')
        {
            return Err(Refusal::field("email", "is not a valid email address"));
        }
        let mut row = match id {
            Some(id) => self
                .live("customers", id)
                .cloned()
                .ok_or_else(|| Refusal::not_found("customer"))?,
            None => {
                let now = timestamp(self.now());
                let first = input
                    .get("first_name")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let code = format!(
                    "{}-{}",
                    if first.is_empty() { "Customer" } else { first },
                    self.code(4, b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
                );
                let mut r = Map::new();
                for k in [
                    "email",
                    "note",
                    "gender",
                    "date_of_birth",
                    "company_name",
                    "phone",
                    "mobile",
                    "fax",
                    "twitter",
                    "website",
                    "physical_address_1",
                    "physical_address_2",
                    "physical_suburb",
                    "physical_city",
                    "physical_postcode",
                    "physical_state",
                    "physical_country_id",
                    "postal_address_1",
                    "postal_address_2",
                    "postal_suburb",
                    "postal_city",
                    "postal_postcode",
                    "postal_state",
                    "postal_country_id",
                    "custom_field_1",
                    "custom_field_2",
                    "custom_field_3",
                    "custom_field_4",
                ] {
                    r.insert(k.into(), Value::Null);
                }
                for (k, v) in [
                    ("customer_code", Value::from(code)),
                    ("year_to_date", Value::from(0)),
                    ("balance", Value::from(0)),
                    ("loyalty_balance", Value::from(0)),
                    ("do_not_email", Value::Bool(false)),
                    ("enable_loyalty", Value::Bool(false)),
                    ("customer_group_id", Value::from("all-customers")),
                    ("on_account_limit", Value::Null),
                    ("tax_id", Value::Null),
                    ("created_at", Value::from(now.clone())),
                    ("updated_at", Value::from(now)),
                    ("deleted_at", Value::Null),
                ] {
                    r.insert(k.into(), v);
                }
                r
            }
        };
        for (k, v) in input {
            if matches!(
                k.as_str(),
                "id" | "version"
                    | "created_at"
                    | "updated_at"
                    | "deleted_at"
                    | "name"
                    | "year_to_date"
                    | "balance"
                    | "loyalty_balance"
            ) {
                continue;
            }
            row.insert(k.clone(), v.clone());
        }
        let name = format!(
            "{} {}",
            row.get("first_name").and_then(Value::as_str).unwrap_or(""),
            row.get("last_name").and_then(Value::as_str).unwrap_or("")
        );
        row.insert("name".into(), Value::from(name.trim()));
        Ok(self.save("customers", row))
    }

    /// Imports a seed row into `table` (ids and versions assigned when missing).
    pub fn import(&mut self, table: &str, row: &Value) -> Result<String, String> {
        let mut row = row
            .as_object()
            .cloned()
            .ok_or_else(|| format!("{table}: a record must be an object"))?;
        if table == "products" {
            for (k, v) in [
                ("deleted_at", Value::Null),
                ("is_active", Value::Bool(true)),
                ("active", Value::Bool(true)),
                ("has_inventory", Value::Bool(true)),
                ("variant_parent_id", Value::Null),
            ] {
                row.entry(k).or_insert(v);
            }
        }
        row.entry("deleted_at").or_insert(Value::Null);
        collect_ids(&Value::Object(row.clone()), &mut self.loaded_ids);
        if table == "products"
            && let Some(n) = row
                .get("sku")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<u64>().ok())
        {
            // Generated SKUs continue after the loaded ones instead of colliding with them.
            self.sku_sequence = self.sku_sequence.max(n);
            self.retailer.insert(
                "sku_sequence".into(),
                json!({"enabled": true, "value": self.sku_sequence}),
            );
        }
        Ok(self.save(table, row))
    }

    /// Every row of every table, deleted ones included.
    pub fn export(&self) -> Map<String, Value> {
        let mut out = Map::new();
        for t in TABLES {
            let table = self.table(t);
            let rows: Vec<Value> = table
                .by_version
                .values()
                .filter_map(|id| table.rows.get(id))
                .map(|r| Value::Object(r.clone()))
                .collect();
            out.insert(t.into(), Value::Array(rows));
        }
        out
    }

    /// Rows per table.
    pub fn counts(&self) -> Map<String, Value> {
        TABLES
            .iter()
            .map(|t| ((*t).to_string(), Value::from(self.table(t).rows.len())))
            .collect()
    }

    /// The current version counter.
    pub fn version(&self) -> i64 {
        self.version
    }
}
