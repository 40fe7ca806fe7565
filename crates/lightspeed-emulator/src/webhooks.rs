//! Outgoing webhooks: one task POSTs queued deliveries in order, retrying failures a few
//! times with a short back-off (the real APIs retry over hours; an emulator cannot wait that
//! long).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::server::{Shared, lock};

/// One POST to a webhook address.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub url: String,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Delivers until the channel closes (the emulator stops).
pub(crate) async fn run(
    shared: std::sync::Weak<Shared>,
    attempts: u32,
    mut queue: mpsc::UnboundedReceiver<Delivery>,
) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_default();
    while let Some(d) = queue.recv().await {
        let mut delivered = false;
        for attempt in 0..attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(50 << attempt.min(6))).await;
            }
            let mut request = http
                .post(&d.url)
                .header("content-type", d.content_type)
                .body(d.body.clone());
            for (k, v) in &d.headers {
                request = request.header(k, v);
            }
            match request.send().await {
                Ok(r) if r.status().is_success() => {
                    delivered = true;
                    break;
                }
                // 3xx and 4xx answers are not retried (as the real X-Series does).
                Ok(r) if !r.status().is_server_error() => break,
                Ok(_) | Err(_) => {}
            }
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let mut stats = lock(&shared.stats);
        if delivered {
            stats.webhooks_delivered += 1;
        } else {
            stats.webhooks_failed += 1;
            tracing::warn!(url = %d.url, "webhook delivery failed");
        }
    }
}

/// Starts the delivery task.
pub(crate) fn spawn(
    shared: &Arc<Shared>,
    attempts: u32,
    queue: mpsc::UnboundedReceiver<Delivery>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(Arc::downgrade(shared), attempts, queue))
}
