//! The client: sends request values through a transport with auth, pacing and retries.
//!
//! For every attempt, [`Client::execute`] asks the authenticator for credentials, waits for
//! the shop's [`RateLimiter`], sends through the [`Transport`], feeds the response's rate-limit
//! headers back to the limiter, and lets [`retry::decide`] choose between returning, waiting
//! and giving up. A 401 gives the authenticator one chance to refresh its token. Unsuccessful
//! responses become [`Error`]s with the API's own message.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};

use crate::auth::{Authenticator, NoAuth};
use crate::clock::{Clock, SystemClock};
use crate::endpoint::Endpoint;
use crate::error::{Error, RequestInfo, Result};
use crate::ratelimit::{RateLimitEvent, RateLimitPolicy, RateLimiter};
use crate::request::{BaseUrl, Request};
use crate::retry::{self, Decision, GiveUpReason, Outcome, RetryInput, RetryPolicy};
use crate::transport::{
    HttpRequest, ReqwestTransport, Response, Transport, TransportError, TransportErrorKind,
};

/// A configured connection to one shop. Cheap to clone; clones share everything.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    base_url: BaseUrl,
    transport: Arc<dyn Transport>,
    auth: Arc<dyn Authenticator>,
    limiter: Arc<RateLimiter>,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    headers: HeaderMap,
}

/// Configures a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: BaseUrl,
    transport: Option<Arc<dyn Transport>>,
    auth: Arc<dyn Authenticator>,
    limiter: Option<Arc<RateLimiter>>,
    policy: RateLimitPolicy,
    retry: RetryPolicy,
    clock: Option<Arc<dyn Clock>>,
    headers: HeaderMap,
}

impl ClientBuilder {
    /// The transport (default: a [`ReqwestTransport`] with default settings).
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// A transport shared with other clients.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The authentication (default: none).
    pub fn auth(mut self, auth: impl Authenticator + 'static) -> Self {
        self.auth = Arc::new(auth);
        self
    }

    /// An authenticator shared with other parts of the program (e.g. an OAuth token holder).
    pub fn shared_auth(mut self, auth: Arc<dyn Authenticator>) -> Self {
        self.auth = auth;
        self
    }

    /// The budget of a new limiter for this client (default: no limits until headers arrive).
    pub fn rate_limit(mut self, policy: RateLimitPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// A limiter shared with the other clients of the same shop (one API key, one retailer).
    pub fn shared_limiter(mut self, limiter: Arc<RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The clock for waits and deadlines (default: [`SystemClock`]). A limiter created by this
    /// builder uses it too.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// A header sent with every request (e.g. `Accept: application/json`).
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let clock = self
            .clock
            .unwrap_or_else(|| Arc::new(SystemClock::new()) as Arc<dyn Clock>);
        let transport = match self.transport {
            Some(transport) => transport,
            None => Arc::new(ReqwestTransport::new()?) as Arc<dyn Transport>,
        };
        let limiter = self
            .limiter
            .unwrap_or_else(|| Arc::new(RateLimiter::with_clock(self.policy, clock.clone())));
        Ok(Client {
            inner: Arc::new(Inner {
                base_url: self.base_url,
                transport,
                auth: self.auth,
                limiter,
                retry: self.retry,
                clock,
                headers: self.headers,
            }),
        })
    }
}

impl Client {
    /// Starts configuring a client for `base_url`.
    pub fn builder(base_url: BaseUrl) -> ClientBuilder {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        ClientBuilder {
            base_url,
            transport: None,
            auth: Arc::new(NoAuth),
            limiter: None,
            policy: RateLimitPolicy::new(),
            retry: RetryPolicy::default(),
            clock: None,
            headers,
        }
    }

    /// The base URL requests are resolved against.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base_url
    }

    /// The shop's rate limiter (for budget snapshots and time estimates).
    pub fn limiter(&self) -> &Arc<RateLimiter> {
        &self.inner.limiter
    }

    /// The clock the client waits on.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// Sends an endpoint's request and parses its response.
    pub async fn send<E: Endpoint + ?Sized>(&self, endpoint: &E) -> Result<E::Output> {
        let request = endpoint.request()?;
        let info = request.info();
        let response = self.execute(request).await?;
        endpoint.parse(response).map_err(|error| match error {
            Error::Decode {
                request: None,
                path,
                source,
            } => Error::Decode {
                request: Some(info),
                path,
                source,
            },
            other => other,
        })
    }

    /// Sends a request, retrying as the policy allows, and returns a successful (2xx) response.
    pub async fn execute(&self, request: Request) -> Result<Response> {
        let inner = &*self.inner;
        let info = request.info();
        let url = request.url(&inner.base_url)?;
        let (method, extra_headers, body) = request.into_parts();
        let mut headers = inner.headers.clone();
        headers.extend(extra_headers);

        let started = inner.clock.now();
        let deadline = started + inner.retry.deadline_duration();
        let mut backoff = inner.retry.backoff().peekable();
        let mut attempts = 0u32;
        let mut refreshed = false;
        loop {
            let mut http = HttpRequest {
                method: method.clone(),
                url: url.clone(),
                headers: headers.clone(),
                body: body.clone(),
            };
            let permit = match inner.limiter.acquire_before(Some(deadline)).await {
                Ok(permit) => permit,
                Err(reset) => {
                    let wait = reset.saturating_sub(inner.clock.now());
                    return Err(Error::RateLimited {
                        request: info,
                        retry_at: Some(to_utc(inner.clock.wall() + wait)),
                    });
                }
            };
            // Credentials are taken after any wait, so a token refreshed meanwhile is used.
            inner.auth.authorize(&mut http).await?;
            tracing::debug!(method = %method, path = %info.path, "sending request");
            let outcome = inner.transport.send(http).await;
            match &outcome {
                Ok(response) if response.status == StatusCode::TOO_MANY_REQUESTS => {
                    let after = retry::retry_after(&response.headers, inner.clock.wall());
                    permit.observe_refused(&response.headers, after);
                }
                Ok(response) => permit.observe(&response.headers),
                Err(_) => drop(permit),
            }

            let outcome = match outcome {
                Ok(response) if response.status.is_success() => return Ok(response),
                other => other,
            };
            if let Ok(response) = &outcome
                && response.status == StatusCode::UNAUTHORIZED
                && !refreshed
            {
                refreshed = true;
                if inner.auth.refresh(response).await? {
                    tracing::info!(
                        method = %method,
                        path = %info.path,
                        "credentials refreshed after 401; retrying once"
                    );
                    continue;
                }
            }

            let rate_limited =
                matches!(&outcome, Ok(r) if r.status == StatusCode::TOO_MANY_REQUESTS);
            if !rate_limited {
                attempts += 1;
            }
            let elapsed = inner.clock.now().saturating_sub(started);
            let decision = retry::decide(
                &inner.retry,
                &RetryInput {
                    method: &method,
                    outcome: match &outcome {
                        Ok(r) => Outcome::Response {
                            status: r.status,
                            headers: &r.headers,
                        },
                        Err(e) => Outcome::Transport(e.kind()),
                    },
                    attempt: attempts,
                    elapsed,
                    now: inner.clock.wall(),
                    next_backoff: backoff.peek().copied(),
                },
            );
            match decision {
                Decision::Retry {
                    wait,
                    reason,
                    uses_backoff,
                } => {
                    if uses_backoff {
                        backoff.next();
                    }
                    if rate_limited {
                        inner.limiter.notify(&RateLimitEvent::Waiting {
                            window: "429".into(),
                            until: inner.clock.wall() + wait,
                        });
                    }
                    tracing::warn!(
                        method = %method,
                        path = %info.path,
                        attempt = attempts,
                        wait_ms = wait.as_millis() as u64,
                        reason = %reason,
                        "retrying request"
                    );
                    inner.clock.sleep(wait).await;
                    if rate_limited {
                        inner.limiter.notify(&RateLimitEvent::Resumed);
                    }
                }
                Decision::Stop => return Err(final_error(info, outcome, None, elapsed, None)),
                Decision::GiveUp {
                    reason,
                    because,
                    retry_at,
                } => {
                    tracing::warn!(
                        method = %method,
                        path = %info.path,
                        attempt = attempts,
                        reason = %reason,
                        because = ?because,
                        "not retrying"
                    );
                    return Err(final_error(info, outcome, retry_at, elapsed, Some(because)));
                }
            }
        }
    }
}

fn to_utc(time: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(time)
}

fn final_error(
    request: RequestInfo,
    outcome: std::result::Result<Response, TransportError>,
    retry_at: Option<SystemTime>,
    elapsed: Duration,
    because: Option<GiveUpReason>,
) -> Error {
    match outcome {
        Ok(response) => Error::from_response(
            request,
            response.status,
            &response.headers,
            &response.body,
            retry_at.map(to_utc),
        ),
        // A timeout, or a failure retried until the attempts or the deadline ran out.
        Err(source)
            if source.kind() == TransportErrorKind::Timeout
                || matches!(
                    because,
                    Some(GiveUpReason::AttemptsExhausted | GiveUpReason::DeadlineExceeded)
                ) =>
        {
            Error::Timeout {
                request,
                elapsed,
                source,
            }
        }
        Err(source) => Error::Transport { request, source },
    }
}
