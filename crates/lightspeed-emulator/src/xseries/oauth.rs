//! OAuth 2.0 (authorization-code grant): `GET /connect` approves at once and redirects with a
//! code; `POST /api/1.0/token` exchanges codes and refresh tokens. A refresh rotates: the
//! refresh token used and the access token issued with it are revoked.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use secrecy::ExposeSecret;
use serde_json::json;

use crate::server::{Call, Reply, Shared, lock};

/// Issued codes and tokens.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    /// code → redirect URI it was issued for.
    codes: HashMap<String, String>,
    /// access token → expiry.
    access: HashMap<String, SystemTime>,
    /// refresh token → the access token issued with it.
    refresh: HashMap<String, String>,
}

impl Tokens {
    /// Whether `token` is a live access token at wall time `now`.
    pub fn valid(&self, token: &str, now: SystemTime) -> bool {
        self.access.get(token).is_some_and(|exp| *exp > now)
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

/// `GET /connect?response_type=code&client_id&redirect_uri&state`: redirects back with a code.
pub(crate) fn connect(shared: &Shared, call: &Call<'_>) -> Reply {
    let cfg = &shared.config.xseries;
    if call.param("response_type") != Some("code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            "response_type must be code",
        );
    }
    if call.param("client_id") != Some(cfg.client_id.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "unknown client_id",
        );
    }
    let Some(redirect) = call.param("redirect_uri").filter(|r| !r.is_empty()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri is required",
        );
    };
    let mut store = lock(&shared.xseries);
    let code = store.code(
        32,
        b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    );
    store.oauth.codes.insert(code.clone(), redirect.to_string());
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("code", &code);
    query.append_pair("domain_prefix", &cfg.domain_prefix);
    if let Some(state) = call.param("state") {
        query.append_pair("state", state);
    }
    let sep = if redirect.contains('?') { '&' } else { '?' };
    let mut reply = Reply::empty(StatusCode::FOUND);
    reply
        .headers
        .push(("location", format!("{redirect}{sep}{}", query.finish())));
    reply
}

/// `POST /api/1.0/token` (form-encoded).
pub(crate) fn token(shared: &Shared, call: &Call<'_>) -> Reply {
    let cfg = &shared.config.xseries;
    let form: HashMap<String, String> = form_urlencoded::parse(call.body).into_owned().collect();
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if field("client_id") != cfg.client_id
        || field("client_secret") != cfg.client_secret.expose_secret()
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client_id or client_secret is wrong",
        );
    }
    let mut store = lock(&shared.xseries);
    match field("grant_type") {
        "authorization_code" => {
            let Some(redirect) = store.oauth.codes.remove(field("code")) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown or used code",
                );
            };
            if form.get("redirect_uri").is_some_and(|r| *r != redirect) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri does not match",
                );
            }
        }
        "refresh_token" => {
            let Some(old_access) = store.oauth.refresh.remove(field("refresh_token")) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown or revoked refresh token",
                );
            };
            store.oauth.access.remove(&old_access);
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            );
        }
    }
    let alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let access = store.code(40, alphabet);
    let refresh = store.code(40, alphabet);
    let lifetime = cfg.access_token_lifetime.max(Duration::from_secs(1));
    let expires_at = shared.config.clock.wall() + lifetime;
    store.oauth.access.insert(access.clone(), expires_at);
    store.oauth.refresh.insert(refresh.clone(), access.clone());
    let expires = expires_at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    Reply::ok(&json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires": expires,
        "expires_in": lifetime.as_secs(),
        "refresh_token": refresh,
        "domain_prefix": cfg.domain_prefix,
        "scope": "",
    }))
}
