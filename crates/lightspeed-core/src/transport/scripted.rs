//! A scripted transport for unit tests: canned responses in order, every request recorded.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode};

use super::{HttpRequest, Response, Transport, TransportError, TransportErrorKind};

/// One scripted outcome.
#[derive(Debug, Clone)]
pub enum Step {
    /// Answer with this response.
    Respond(Response),
    /// Fail with this transport error.
    Fail(TransportError),
}

impl Step {
    /// A response with `status` and a JSON (or any) body.
    pub fn status(status: u16, body: impl Into<Bytes>) -> Self {
        let mut response =
            Response::new(StatusCode::from_u16(status).expect("a valid HTTP status code"));
        response.body = body.into();
        Step::Respond(response)
    }

    /// Adds a header to a `Respond` step (ignored for `Fail`).
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Step::Respond(response) = &mut self {
            response.headers.append(
                HeaderName::from_static(name),
                HeaderValue::from_str(value).expect("a valid header value"),
            );
        }
        self
    }

    /// A transport failure of `kind`.
    pub fn fail(kind: TransportErrorKind) -> Self {
        Step::Fail(TransportError::message(kind, "scripted failure"))
    }
}

/// A [`Transport`] that plays back a script and records what it was sent.
///
/// When the script runs out, it fails with [`TransportErrorKind::Other`] naming the request,
/// so a test that sends more than it expected fails loudly instead of hanging.
#[derive(Debug, Clone, Default)]
pub struct ScriptedTransport {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    steps: VecDeque<Step>,
    requests: Vec<HttpRequest>,
}

impl ScriptedTransport {
    /// An empty script.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a step to the script.
    pub fn push(&self, step: Step) -> &Self {
        self.lock().steps.push_back(step);
        self
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.lock().requests.clone()
    }

    /// How many steps are left.
    pub fn remaining(&self) -> usize {
        self.lock().steps.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl Transport for ScriptedTransport {
    async fn send(&self, request: HttpRequest) -> Result<Response, TransportError> {
        let mut inner = self.lock();
        let description = format!("{} {}", request.method, request.url.path());
        inner.requests.push(request);
        match inner.steps.pop_front() {
            Some(Step::Respond(response)) => Ok(response),
            Some(Step::Fail(error)) => Err(error),
            None => Err(TransportError::message(
                TransportErrorKind::Other,
                format!("the script has no step left for {description}"),
            )),
        }
    }
}
