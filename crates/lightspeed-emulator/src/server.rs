//! The HTTP front: one entry for every API request (auth, budget, faults, stats), the admin
//! routes, and the pieces both APIs share (replies, calls, route templates).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::config::{EmulatorConfig, Faults};
use crate::faults::{self, Fault};
use crate::limits::{EcomBudget, Verdict, XSeriesBudget};
use crate::stats::Stats;
use crate::webhooks::Delivery;
use crate::{ecom, seed, xseries};

/// Locks a mutex, shrugging off poisoning (a panicked handler leaves consistent data: every
/// change is made under one lock and completes before it is released).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// State shared by every request.
pub(crate) struct Shared {
    pub config: EmulatorConfig,
    /// `http://127.0.0.1:PORT`, the host of links in eCom bodies.
    pub base: String,
    pub ecom: Mutex<ecom::Store>,
    pub xseries: Mutex<xseries::Store>,
    pub ecom_budget: Mutex<EcomBudget>,
    pub xseries_budgets: Mutex<HashMap<String, XSeriesBudget>>,
    pub stats: Mutex<Stats>,
    pub faults: Mutex<Faults>,
    pub requests: AtomicU64,
    pub writes: AtomicU64,
    pub hooks: mpsc::UnboundedSender<Delivery>,
}

impl Shared {
    pub fn new(
        config: EmulatorConfig,
        base: String,
        hooks: mpsc::UnboundedSender<Delivery>,
    ) -> Self {
        let now = config.clock.now();
        Shared {
            ecom: Mutex::new(ecom::Store::new(&config)),
            xseries: Mutex::new(xseries::Store::new(&config)),
            ecom_budget: Mutex::new(EcomBudget::new(&config.limits, now)),
            xseries_budgets: Mutex::new(HashMap::new()),
            stats: Mutex::new(Stats::default()),
            faults: Mutex::new(config.faults.clone()),
            requests: AtomicU64::new(0),
            writes: AtomicU64::new(0),
            hooks,
            base,
            config,
        }
    }

    /// Back to the seeded start: data, budgets, counters. Faults stay as set.
    pub fn reset(&self) {
        *lock(&self.ecom) = ecom::Store::new(&self.config);
        *lock(&self.xseries) = xseries::Store::new(&self.config);
        *lock(&self.ecom_budget) = EcomBudget::new(&self.config.limits, self.config.clock.now());
        lock(&self.xseries_budgets).clear();
        *lock(&self.stats) = Stats::default();
        self.requests.store(0, Ordering::SeqCst);
        self.writes.store(0, Ordering::SeqCst);
    }

    /// The counters, with the eCom budget's use per window.
    pub fn stats(&self) -> Stats {
        let mut stats = lock(&self.stats).clone();
        stats.ecom_window_use = lock(&self.ecom_budget).history();
        stats
    }

    fn send_hooks(&self, deliveries: Vec<Delivery>) {
        for d in deliveries {
            // The receiver lives as long as the server; a send fails only during shutdown.
            let _ = self.hooks.send(d);
        }
    }
}

/// One API request as the dispatchers see it.
pub(crate) struct Call<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl Call<'_> {
    /// The first value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Value::Null` when empty), or the reason it is not.
    pub fn json(&self) -> Result<Value, String> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(self.body).map_err(|e| format!("Invalid JSON body: {e}"))
    }

    /// Whether the request changes data.
    pub fn is_write(&self) -> bool {
        !matches!(*self.method, Method::GET | Method::HEAD | Method::OPTIONS)
    }
}

/// A response before faults and headers are applied.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Bytes,
    pub content_type: Option<&'static str>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn json(status: StatusCode, value: &Value) -> Reply {
        Reply {
            status,
            body: Bytes::from(serde_json::to_vec(value).unwrap_or_default()),
            content_type: Some("application/json"),
            headers: Vec::new(),
        }
    }

    pub fn ok(value: &Value) -> Reply {
        Reply::json(StatusCode::OK, value)
    }

    /// `{"<key>": <entity>}` from an entity already serialized.
    pub fn enveloped(status: StatusCode, key: &str, entity: &[u8]) -> Reply {
        let mut body = Vec::with_capacity(entity.len() + key.len() + 6);
        body.extend_from_slice(b"{\"");
        body.extend_from_slice(key.as_bytes());
        body.extend_from_slice(b"\":");
        body.extend_from_slice(entity);
        body.push(b'}');
        Reply {
            status,
            body: Bytes::from(body),
            content_type: Some("application/json"),
            headers: Vec::new(),
        }
    }

    /// `{"<key>": [<entity>, ...]}` from entities already serialized.
    pub fn enveloped_list(key: &str, entities: &[Bytes]) -> Reply {
        let size = entities.iter().map(|e| e.len() + 1).sum::<usize>() + key.len() + 8;
        let mut body = Vec::with_capacity(size);
        body.extend_from_slice(b"{\"");
        body.extend_from_slice(key.as_bytes());
        body.extend_from_slice(b"\":[");
        for (i, e) in entities.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(e);
        }
        body.extend_from_slice(b"]}");
        Reply {
            status: StatusCode::OK,
            body: Bytes::from(body),
            content_type: Some("application/json"),
            headers: Vec::new(),
        }
    }

    pub fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            body: Bytes::new(),
            content_type: None,
            headers: Vec::new(),
        }
    }

    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        let h = response.headers_mut();
        if let Some(ct) = self.content_type {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(name, v);
            }
        }
        response
    }
}

/// Which API a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    Ecom,
    XSeries,
}

fn is_id(segment: &str) -> bool {
    let s = segment.strip_suffix(".json").unwrap_or(segment);
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        || (s.len() == 36 && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
}

/// `GET /{lang}/products/{id}.json`: the route with ids and the language replaced.
fn template(api: Api, method: &Method, path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    out.push_str(method.as_str());
    out.push(' ');
    for (i, segment) in path.split('/').enumerate().skip(1) {
        out.push('/');
        if api == Api::Ecom && i == 1 {
            out.push_str("{lang}");
        } else if is_id(segment) {
            out.push_str("{id}");
            if segment.ends_with(".json") {
                out.push_str(".json");
            }
        } else {
            out.push_str(segment);
        }
    }
    out
}

/// The admin and API router over `shared`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/_emulator/stats", get(admin_stats))
        .route("/_emulator/reset", post(admin_reset))
        .route("/_emulator/load", post(admin_load))
        .route("/_emulator/dump", get(admin_dump))
        .route("/_emulator/faults", put(admin_faults))
        .fallback(api)
        .with_state(shared)
}

async fn admin_stats(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.stats()).into_response()
}

async fn admin_reset(State(shared): State<Arc<Shared>>) -> Response {
    shared.reset();
    StatusCode::NO_CONTENT.into_response()
}

async fn admin_load(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": format!("seed data is not JSON: {e}")})),
            )
                .into_response();
        }
    };
    match seed::load(&shared, &value) {
        Ok(counts) => axum::Json(counts).into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}

async fn admin_dump(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(seed::dump(&shared)).into_response()
}

async fn admin_faults(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<seed::FaultsBody>(&body) {
        Ok(f) => {
            *lock(&shared.faults) = f.into();
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": format!("faults: {e}")})),
        )
            .into_response(),
    }
}

fn cut() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "emulator fault: connection dropped",
    )
}

/// A connection closed before any answer: the body fails before hyper writes the head.
fn dropped() -> Response {
    Response::new(Body::from_stream(futures::stream::iter([Err::<Bytes, _>(
        cut(),
    )])))
}

/// The head and the first half of the body, then the connection is cut. The pause lets hyper
/// flush what was sent, so the client sees a status and a short body rather than nothing.
fn truncated(reply: Reply) -> Response {
    let full = reply.body.len();
    let head = reply.body.slice(..full / 2);
    let mut response = reply.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(full));
    let body = futures::stream::unfold(0u8, move |step| {
        let head = head.clone();
        async move {
            match step {
                0 => Some((Ok(head), 1)),
                1 => {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    Some((Err(cut()), 2))
                }
                _ => None,
            }
        }
    });
    *response.body_mut() = Body::from_stream(body);
    response
}

/// Every API request: auth, budget, faults, dispatch, stats.
async fn api(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let api = if path.starts_with("/api/") || path == "/connect" {
        Api::XSeries
    } else {
        Api::Ecom
    };
    let route = template(api, &method, path);
    let call = Call {
        method: &method,
        path,
        query: uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default(),
        headers: &headers,
        body: &body,
    };
    let n = shared.requests.fetch_add(1, Ordering::SeqCst);

    // The OAuth endpoints have their own limits and never fail on purpose.
    if api == Api::XSeries && xseries::is_oauth(path) {
        let reply = xseries::oauth(&shared, &call);
        record(&shared, &route, reply.status, false, false);
        return reply.into_response();
    }

    let is_write = call.is_write();
    let clock = &shared.config.clock;
    let faults_now = lock(&shared.faults).clone();
    let drawn = faults::draw(&faults_now, shared.config.seed, n);
    // An injected 429 is a refusal: like a real one, it spends no budget.
    let count = drawn.fault != Some(Fault::TooMany);
    let verdict = match api {
        Api::Ecom => match ecom::authorize(&shared, &call) {
            Ok(()) => lock(&shared.ecom_budget).take(clock.now(), count),
            Err(reply) => return finish(&shared, &route, is_write, reply, false),
        },
        Api::XSeries => match xseries::authorize(&shared, &call) {
            Ok(app) => {
                let mut budgets = lock(&shared.xseries_budgets);
                let budget = budgets.entry(app).or_insert_with(|| {
                    XSeriesBudget::new(
                        &shared.config.limits,
                        shared.config.xseries.registers,
                        clock.now(),
                    )
                });
                budget.take(clock.now(), clock.wall(), count)
            }
            Err(reply) => return finish(&shared, &route, is_write, reply, false),
        },
    };
    if verdict.limited.is_some() {
        return finish(
            &shared,
            &route,
            is_write,
            too_many(&shared, api, &call, verdict),
            false,
        );
    }

    if let Some(delay) = drawn.delay {
        tokio::time::sleep(delay).await;
    }
    match drawn.fault {
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut reply = server_error(api, &call, status);
            reply.headers.extend(verdict.headers);
            return finish(&shared, &route, is_write, reply, true);
        }
        Some(Fault::TooMany) => {
            let mut limited = verdict.clone();
            limited.limited = Some(std::time::Duration::from_secs(1));
            return finish(
                &shared,
                &route,
                is_write,
                too_many(&shared, api, &call, limited),
                true,
            );
        }
        Some(Fault::Drop) => {
            record(&shared, &route, StatusCode::OK, is_write, true);
            return dropped();
        }
        Some(Fault::Truncate) | None => {}
    }

    let mut drop_after = false;
    if is_write {
        let k = shared.writes.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(wf) = faults_now.fail_write.filter(|wf| wf.nth == k) {
            if wf.after_apply {
                drop_after = true;
            } else {
                let mut reply = server_error(api, &call, StatusCode::INTERNAL_SERVER_ERROR);
                reply.headers.extend(verdict.headers);
                return finish(&shared, &route, is_write, reply, true);
            }
        }
    }

    let mut deliveries = Vec::new();
    let mut reply = match api {
        Api::Ecom => ecom::dispatch(&shared, &call, &mut deliveries),
        Api::XSeries => xseries::dispatch(&shared, &call, &mut deliveries),
    };
    shared.send_hooks(deliveries);
    reply.headers.extend(verdict.headers);
    if drop_after {
        record(&shared, &route, reply.status, is_write, true);
        return dropped();
    }
    if drawn.fault == Some(Fault::Truncate) && !reply.body.is_empty() {
        record(&shared, &route, reply.status, is_write, true);
        return truncated(reply);
    }
    finish(&shared, &route, is_write, reply, false)
}

fn finish(shared: &Shared, route: &str, is_write: bool, reply: Reply, fault: bool) -> Response {
    record(shared, route, reply.status, is_write, fault);
    reply.into_response()
}

fn record(shared: &Shared, route: &str, status: StatusCode, is_write: bool, fault: bool) {
    let mut stats = lock(&shared.stats);
    stats.requests += 1;
    *stats.routes.entry(route.to_owned()).or_default() += 1;
    *stats.statuses.entry(status.as_u16()).or_default() += 1;
    if status == StatusCode::TOO_MANY_REQUESTS {
        stats.rate_limited += 1;
    }
    if is_write {
        stats.writes += 1;
    }
    if fault {
        stats.faults += 1;
    }
}

fn too_many(shared: &Shared, api: Api, call: &Call<'_>, verdict: Verdict) -> Reply {
    let mut reply = match api {
        Api::Ecom => ecom::error(call, StatusCode::TOO_MANY_REQUESTS, "Too many requests"),
        Api::XSeries => Reply::json(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({"error": "Too Many Requests", "message": "Rate limiting enforced"}),
        ),
    };
    reply.headers.extend(verdict.headers);
    if let Some(wait) = verdict.limited
        && !reply.headers.iter().any(|(n, _)| *n == "retry-after")
    {
        let value = match api {
            Api::Ecom => wait.as_secs().max(1).to_string(),
            Api::XSeries => httpdate::fmt_http_date(
                shared.config.clock.wall() + std::time::Duration::from_secs(wait.as_secs().max(1)),
            ),
        };
        reply.headers.push(("retry-after", value));
    }
    reply
}

fn server_error(api: Api, call: &Call<'_>, status: StatusCode) -> Reply {
    let text = status.canonical_reason().unwrap_or("Server error");
    match api {
        Api::Ecom => ecom::error(call, status, text),
        Api::XSeries => Reply::json(status, &json!({"error": text})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_hide_ids_and_languages() {
        assert_eq!(
            template(Api::Ecom, &Method::GET, "/nl/products/12345.json"),
            "GET /{lang}/products/{id}.json"
        );
        assert_eq!(
            template(Api::Ecom, &Method::POST, "/en/products/9/images.json"),
            "POST /{lang}/products/{id}/images.json"
        );
        assert_eq!(
            template(
                Api::XSeries,
                &Method::GET,
                "/api/2.0/products/0a6f6e36-8b71-11eb-f3d6-40cea3d59c5a/inventory"
            ),
            "GET /api/2.0/products/{id}/inventory"
        );
        assert_eq!(
            template(Api::XSeries, &Method::PUT, "/api/2.1/products/abc"),
            "PUT /api/2.1/products/abc"
        );
    }
}
