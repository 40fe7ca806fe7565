//! OAuth 2.0 (authorization-code grant) with refresh-token rotation.
//!
//! 1. Send the merchant to [`OAuthApp::authorization_url`] with a `state` you keep.
//! 2. Lightspeed redirects back with `code`, `domain_prefix` and `state`; check the state, then
//!    [`OAuthApp::exchange_code`] (a form POST to `https://{prefix}.retail.lightspeed.app/api/1.0/token`).
//! 3. Keep the tokens in a [`TokenStore`] and build the client with [`OAuthAuth`]: it adds the
//!    access token to every request, refreshes it shortly before it expires, and on a 401
//!    refreshes once and lets the client retry the request.
//!
//! Refresh tokens rotate: every refresh returns a new refresh token and revokes the old one
//! *and* the access token issued with it. Both are therefore replaced together, and the store
//! is told at once ([`TokenStore::save`]; [`MemoryTokenStore::on_change`] calls you back) so
//! that a restarted process never starts from a revoked pair. [`FileTokenStore`] keeps them in
//! a file, for programs that run again and again (a command-line tool, a scheduled job).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use http::{HeaderValue, header};
use lightspeed_core::transport::HttpRequest;
use lightspeed_core::{
    Authenticator, BaseUrl, Clock, ExposeSecret, NoAuth, Request, Response, RetryPolicy,
    SecretString, SystemClock, Transport,
};
use url::Url;

use crate::error::{Error, Result};
use crate::model::Token;

/// Where merchants approve an app.
pub const AUTHORIZE_URL: &str = "https://secure.retail.lightspeed.app/connect";

/// An app registered on the developer portal.
#[derive(Clone)]
pub struct OAuthApp {
    /// The app's client id.
    pub client_id: String,
    client_secret: SecretString,
    /// The redirect URI registered for the app.
    pub redirect_uri: String,
}

impl fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

/// An access token and the refresh token issued with it.
#[derive(Clone)]
pub struct Tokens {
    /// The access token (`Authorization: Bearer`).
    pub access_token: SecretString,
    /// The refresh token; used once, then replaced.
    pub refresh_token: SecretString,
    /// When the access token expires, if the API said.
    pub expires_at: Option<DateTime<Utc>>,
    /// The store the tokens are for.
    pub domain_prefix: Option<String>,
    /// The granted scopes, space separated.
    pub scope: Option<String>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"[redacted]")
            .field("refresh_token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .field("domain_prefix", &self.domain_prefix)
            .field("scope", &self.scope)
            .finish()
    }
}

impl Tokens {
    /// Tokens from the token endpoint's answer, `now` being when it answered.
    pub fn from_answer(answer: Token, now: DateTime<Utc>) -> Result<Self> {
        let missing = |what: &str| Error::OAuth {
            message: format!("the token endpoint's answer has no `{what}`"),
            source: None,
        };
        let access = answer.access_token.ok_or_else(|| missing("access_token"))?;
        let refresh = answer
            .refresh_token
            .ok_or_else(|| missing("refresh_token"))?;
        // `expires` (Unix seconds) when given, else now + `expires_in`.
        let expires_at = answer
            .expires
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
            .or_else(|| {
                answer
                    .expires_in
                    .map(|secs| now + chrono::Duration::seconds(secs))
            });
        Ok(Self {
            access_token: SecretString::from(access.expose().to_owned()),
            refresh_token: SecretString::from(refresh.expose().to_owned()),
            expires_at,
            domain_prefix: answer.domain_prefix,
            scope: answer.scope,
        })
    }

    /// Whether the access token expires within `margin` of `now`.
    pub fn expires_within(&self, now: DateTime<Utc>, margin: Duration) -> bool {
        self.expires_at
            .is_some_and(|at| at <= now + chrono::Duration::from_std(margin).unwrap_or_default())
    }
}

impl OAuthApp {
    /// An app with its client id, client secret and registered redirect URI.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uri: redirect_uri.into(),
        }
    }

    /// The client secret (also the key of webhook signatures).
    pub fn client_secret(&self) -> &SecretString {
        &self.client_secret
    }

    /// Where to send the merchant: `response_type=code`, `client_id`, `redirect_uri`, `state`
    /// and the space-separated `scope` (scopes become mandatory for new connections in 2026).
    pub fn authorization_url(&self, state: &str, scopes: &[&str]) -> Url {
        let mut url = Url::parse(AUTHORIZE_URL).expect("a valid constant");
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.client_id)
                .append_pair("redirect_uri", &self.redirect_uri)
                .append_pair("state", state);
            if !scopes.is_empty() {
                query.append_pair("scope", &scopes.join(" "));
            }
        }
        url
    }

    /// Exchanges the code of the redirect for tokens.
    pub async fn exchange_code(&self, endpoint: &TokenEndpoint, code: &str) -> Result<Tokens> {
        endpoint
            .request(&[
                ("code", code),
                ("client_id", &self.client_id),
                ("client_secret", self.client_secret.expose_secret()),
                ("grant_type", "authorization_code"),
                ("redirect_uri", &self.redirect_uri),
            ])
            .await
    }

    /// Exchanges a refresh token for a new pair (the old refresh and access tokens are revoked).
    pub async fn refresh(
        &self,
        endpoint: &TokenEndpoint,
        refresh_token: &SecretString,
    ) -> Result<Tokens> {
        endpoint
            .request(&[
                ("refresh_token", refresh_token.expose_secret()),
                ("client_id", &self.client_id),
                ("client_secret", self.client_secret.expose_secret()),
                ("grant_type", "refresh_token"),
            ])
            .await
    }
}

/// A store's token endpoint (`POST /api/1.0/token`, form-encoded).
#[derive(Debug, Clone)]
pub struct TokenEndpoint {
    http: lightspeed_core::Client,
}

impl TokenEndpoint {
    /// The token endpoint of a store (`https://{prefix}.retail.lightspeed.app`, or any base URL).
    pub fn new(base_url: BaseUrl) -> Result<Self> {
        Self::with_transport(base_url, None, None)
    }

    /// The same, with a transport and clock (tests, the emulator).
    pub fn with_transport(
        base_url: BaseUrl,
        transport: Option<Arc<dyn Transport>>,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<Self> {
        let mut builder = lightspeed_core::Client::builder(base_url)
            .auth(NoAuth)
            .retry(RetryPolicy::default().max_attempts(3));
        if let Some(transport) = transport {
            builder = builder.shared_transport(transport);
        }
        if let Some(clock) = clock {
            builder = builder.clock(clock);
        }
        Ok(Self {
            http: builder.build()?,
        })
    }

    async fn request(&self, form: &[(&str, &str)]) -> Result<Tokens> {
        let request = Request::post("api/1.0/token").form(form);
        let response = self.http.execute(request).await.map_err(|e| Error::OAuth {
            message: e
                .api_message()
                .map(str::to_owned)
                .unwrap_or_else(|| e.to_string()),
            source: Some(Box::new(e)),
        })?;
        let answer: Token = response.json().map_err(|e| Error::OAuth {
            message: format!("the token endpoint's answer could not be read: {e}"),
            source: Some(Box::new(e)),
        })?;
        Tokens::from_answer(answer, to_utc(self.http.clock().wall()))
    }
}

fn to_utc(time: std::time::SystemTime) -> DateTime<Utc> {
    time.into()
}

/// Where tokens live between requests and between runs; called on every change.
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The current tokens, if any.
    async fn load(&self) -> Result<Option<Tokens>>;
    /// Replaces the tokens (both together: the old pair is revoked by now).
    async fn save(&self, tokens: &Tokens) -> Result<()>;
}

type OnChange = Arc<dyn Fn(&Tokens) + Send + Sync>;

/// Tokens in memory, with an optional callback on every change (to persist them elsewhere).
#[derive(Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<Option<Tokens>>,
    on_change: Option<OnChange>,
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let has = self.tokens.lock().map(|t| t.is_some()).unwrap_or(false);
        write!(f, "MemoryTokenStore {{ has_tokens: {has} }}")
    }
}

impl MemoryTokenStore {
    /// A store holding `tokens`.
    pub fn new(tokens: Tokens) -> Self {
        Self {
            tokens: Mutex::new(Some(tokens)),
            on_change: None,
        }
    }

    /// Calls `callback` with the new tokens after every change.
    pub fn on_change(mut self, callback: impl Fn(&Tokens) + Send + Sync + 'static) -> Self {
        self.on_change = Some(Arc::new(callback));
        self
    }
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self) -> Result<Option<Tokens>> {
        Ok(self.tokens.lock().expect("not poisoned").clone())
    }

    async fn save(&self, tokens: &Tokens) -> Result<()> {
        *self.tokens.lock().expect("not poisoned") = Some(tokens.clone());
        if let Some(callback) = &self.on_change {
            callback(tokens);
        }
        Ok(())
    }
}

/// Tokens in a JSON file, rewritten on every change: written to a temporary file beside it,
/// then renamed over it (a crash never leaves half a file), readable and writable by the
/// owner only on Unix. A missing file is an empty store.
///
/// The file holds `access_token`, `refresh_token`, and, when known, `expires_at` (RFC 3339),
/// `domain_prefix` and `scope`; write it once with the tokens of an authorization (see the
/// module), and the client keeps it current. Processes that use one app's tokens must share
/// one file: a refresh revokes the pair another copy would hold.
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    path: std::path::PathBuf,
}

/// The file's shape (secrets exposed only to be written, never logged).
#[derive(serde::Serialize, serde::Deserialize)]
struct TokenFile {
    access_token: String,
    refresh_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    domain_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

impl FileTokenStore {
    /// A store in the file at `path` (created at the first save).
    pub fn new(path: impl Into<std::path::PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Where the tokens are kept.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn error(&self, what: impl fmt::Display) -> Error {
        Error::OAuth {
            message: format!("token store {}: {what}", self.path.display()),
            source: None,
        }
    }
}

#[async_trait]
impl TokenStore for FileTokenStore {
    async fn load(&self) -> Result<Option<Tokens>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.error(format_args!("cannot be read ({e})"))),
        };
        // The serde error names the line, column and field; it never quotes a value.
        let file: TokenFile = serde_json::from_str(&text).map_err(|e| {
            self.error(format_args!(
                "not a token file (line {}, column {}; it needs `access_token` and `refresh_token`)",
                e.line(),
                e.column()
            ))
        })?;
        Ok(Some(Tokens {
            access_token: SecretString::from(file.access_token),
            refresh_token: SecretString::from(file.refresh_token),
            expires_at: file.expires_at,
            domain_prefix: file.domain_prefix,
            scope: file.scope,
        }))
    }

    async fn save(&self, tokens: &Tokens) -> Result<()> {
        let file = TokenFile {
            access_token: tokens.access_token.expose_secret().to_owned(),
            refresh_token: tokens.refresh_token.expose_secret().to_owned(),
            expires_at: tokens.expires_at,
            domain_prefix: tokens.domain_prefix.clone(),
            scope: tokens.scope.clone(),
        };
        let text = serde_json::to_string_pretty(&file)
            .map_err(|e| self.error(format_args!("cannot be encoded ({e})")))?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| self.error(format_args!("cannot create its folder ({e})")))?;
        }
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".tmp");
        let temporary = self.path.with_file_name(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&temporary).and_then(|mut f| {
            std::io::Write::write_all(&mut f, text.as_bytes())?;
            f.sync_all()
        });
        written
            .and_then(|()| std::fs::rename(&temporary, &self.path))
            .map_err(|e| self.error(format_args!("cannot be written ({e})")))
    }
}

/// Bearer authentication from a [`TokenStore`], refreshed before expiry and once on a 401.
pub struct OAuthAuth {
    app: OAuthApp,
    endpoint: TokenEndpoint,
    store: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    /// One refresh at a time; the instant (clock time) of the last one.
    refreshing: tokio::sync::Mutex<Option<Duration>>,
    margin: Duration,
}

impl fmt::Debug for OAuthAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthAuth")
            .field("app", &self.app)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// A refresh that happened this recently answers a 401 without another one: the request was
/// most likely sent with the token just replaced.
const RECENT_REFRESH: Duration = Duration::from_secs(5);

impl OAuthAuth {
    /// Authentication for `app` with tokens from `store`, refreshed at `endpoint`.
    pub fn new(app: OAuthApp, endpoint: TokenEndpoint, store: Arc<dyn TokenStore>) -> Self {
        Self {
            app,
            endpoint,
            store,
            clock: Arc::new(SystemClock::new()),
            refreshing: tokio::sync::Mutex::new(None),
            margin: Duration::from_secs(60),
        }
    }

    /// The clock expiry is judged by (tests use a virtual one).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Refreshes this long before the access token expires (default 60 s).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Refreshes now, unless another refresh happened within `recent`.
    async fn refresh_now(&self, recent: Option<Duration>) -> Result<Tokens> {
        let mut last = self.refreshing.lock().await;
        let now = self.clock.now();
        let current = self.current().await?;
        if let (Some(recent), Some(at)) = (recent, *last)
            && now.saturating_sub(at) < recent
        {
            return Ok(current);
        }
        let tokens = self
            .app
            .refresh(&self.endpoint, &current.refresh_token)
            .await?;
        self.store.save(&tokens).await?;
        *last = Some(now);
        tracing::info!("X-Series access token refreshed; both tokens replaced");
        Ok(tokens)
    }

    async fn current(&self) -> Result<Tokens> {
        self.store.load().await?.ok_or_else(|| Error::OAuth {
            message: "the token store is empty: exchange an authorization code first".into(),
            source: None,
        })
    }
}

fn core_error(error: Error) -> lightspeed_core::Error {
    match error {
        Error::Api(e) => e,
        other => lightspeed_core::Error::config(other.to_string()),
    }
}

#[async_trait]
impl Authenticator for OAuthAuth {
    async fn authorize(&self, request: &mut HttpRequest) -> lightspeed_core::Result<()> {
        let mut tokens = self.current().await.map_err(core_error)?;
        if tokens.expires_within(to_utc(self.clock.wall()), self.margin) {
            tokens = self
                .refresh_now(Some(RECENT_REFRESH))
                .await
                .map_err(core_error)?;
        }
        let mut value =
            HeaderValue::try_from(format!("Bearer {}", tokens.access_token.expose_secret()))
                .map_err(|_| {
                    lightspeed_core::Error::config(
                        "the access token has characters not allowed in a header",
                    )
                })?;
        value.set_sensitive(true);
        request.headers.insert(header::AUTHORIZATION, value);
        Ok(())
    }

    async fn refresh(&self, _unauthorized: &Response) -> lightspeed_core::Result<bool> {
        match self.refresh_now(Some(RECENT_REFRESH)).await {
            Ok(_) => Ok(true),
            Err(error) => {
                tracing::warn!(error = %error, "X-Series token refresh after a 401 failed");
                Err(core_error(error))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_url_carries_state_and_scopes() {
        let app = OAuthApp::new("cid", "secret", "https://app.example/callback");
        let url = app.authorization_url("xyz", &["products:read", "sales:write"]);
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert!(
            url.as_str()
                .starts_with("https://secure.retail.lightspeed.app/connect?")
        );
        assert!(pairs.contains(&("response_type".into(), "code".into())));
        assert!(pairs.contains(&("state".into(), "xyz".into())));
        assert!(pairs.contains(&("scope".into(), "products:read sales:write".into())));
        assert!(pairs.contains(&("redirect_uri".into(), "https://app.example/callback".into())));
        assert!(!format!("{app:?}").contains("secret\""));
    }

    #[tokio::test]
    async fn a_file_store_keeps_tokens_between_processes_and_never_shows_them() {
        let dir = std::env::temp_dir().join(format!("ls-tokens-{}", std::process::id()));
        let store = FileTokenStore::new(dir.join("nested/tokens.json"));
        assert!(
            store.load().await.unwrap().is_none(),
            "a missing file is empty"
        );
        let tokens = Tokens {
            access_token: SecretString::from("access-very-secret"),
            refresh_token: SecretString::from("refresh-very-secret"),
            expires_at: DateTime::from_timestamp(2_000_000_000, 0),
            domain_prefix: Some("mystore".into()),
            scope: None,
        };
        store.save(&tokens).await.unwrap();
        let again = FileTokenStore::new(store.path())
            .load()
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.access_token.expose_secret(), "access-very-secret");
        assert_eq!(again.refresh_token.expose_secret(), "refresh-very-secret");
        assert_eq!(again.expires_at, tokens.expires_at);
        assert_eq!(again.domain_prefix.as_deref(), Some("mystore"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{store:?}").contains("very-secret"));

        std::fs::write(store.path(), "{\"access_token\": \"leaked-secret\"}").unwrap();
        let err = store.load().await.unwrap_err().to_string();
        assert!(
            err.contains("tokens.json") && err.contains("refresh_token"),
            "{err}"
        );
        assert!(!err.contains("leaked-secret"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn tokens_expire_from_expires_or_expires_in() {
        let now = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let answer: Token = serde_json::from_str(
            r#"{"access_token": "a", "refresh_token": "r", "expires_in": 600}"#,
        )
        .unwrap();
        let tokens = Tokens::from_answer(answer, now).unwrap();
        assert_eq!(
            tokens.expires_at,
            Some(now + chrono::Duration::seconds(600))
        );
        assert!(tokens.expires_within(now, Duration::from_secs(601)));
        assert!(!tokens.expires_within(now, Duration::from_secs(60)));
        assert!(!format!("{tokens:?}").contains("\"a\""));
        let answer: Token = serde_json::from_str(r#"{"access_token": "a"}"#).unwrap();
        assert!(
            Tokens::from_answer(answer, now)
                .unwrap_err()
                .to_string()
                .contains("refresh_token")
        );
    }
}
