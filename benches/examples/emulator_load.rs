//! How many simple GETs per second the emulator serves on loopback.
//!
//! ```sh
//! cargo run --release -p lightspeed-benches --example emulator_load -- [seconds] [connections] [ecom|xseries|ecom-writes]
//! ```
//!
//! Starts an emulator in this process (rate limits off, 100 products loaded), then keeps
//! `connections` keep-alive HTTP/1.1 connections busy with `GET /nl/products/{id}.json` (eCom,
//! Basic auth) or `GET /api/2.0/products/{id}` (X-Series, Bearer) for `seconds`, one request
//! in flight per connection, and prints requests per second and latency percentiles.
//! `ecom-writes` creates products instead (`POST /nl/products.json`, each with its default
//! variant), so the catalog grows during the run: a check that writes do not slow down as it
//! does.
//!
//! The load generator is deliberately thin (pre-built request bytes, a `Content-Length` read
//! of each answer), like `wrk`: it shares the machine's two cores with the server, and a heavy
//! client would measure itself. Every answer's status is checked.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use lightspeed_emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads one HTTP/1.1 answer from `stream` into `buf`; answers its status.
async fn read_answer(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<u16> {
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).unwrap_or("");
            let status: u16 = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            let total = end + 4 + length;
            while buf.len() < total {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(status);
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: f64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let connections: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(32);
    let api = args
        .get(2)
        .map(String::as_str)
        .unwrap_or("ecom")
        .to_string();

    let emulator = Emulator::start(EmulatorConfig::default().unlimited())
        .await
        .expect("emulator starts");
    let products: Vec<Value> = (0..100)
        .map(|i| json!({"id": 1000 + i, "title": format!("Product {i}")}))
        .collect();
    let xs_products: Vec<Value> = (0..100)
        .map(|i| json!({"id": format!("p-{i}"), "name": format!("Product {i}"), "sku": format!("SKU-{i}")}))
        .collect();
    emulator
        .load(&json!({"ecom": {"products": products}, "xseries": {"products": xs_products}}))
        .expect("seed loads");

    let addr = emulator.addr();
    let auth = if api == "xseries" {
        format!("Bearer {}", emulator.xseries_token())
    } else {
        let pair = format!("{}:{}", emulator.ecom_key(), emulator.ecom_secret());
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    };
    // Pre-built requests, one per product.
    let requests: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..100)
            .map(|i| {
                let path = if api == "xseries" {
                    format!("/api/2.0/products/p-{i}")
                } else {
                    format!("/nl/products/{}.json", 1000 + i)
                };
                format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nAccept: application/json\r\n\r\n")
                    .into_bytes()
            })
            .collect(),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (requests, stop, api, auth) =
            (requests.clone(), stop.clone(), api.clone(), auth.clone());
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            let mut buf = Vec::with_capacity(16 * 1024);
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut i = c;
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                i = (i + 7) % requests.len();
                n += 1;
                let write;
                let request: &[u8] = if api == "ecom-writes" {
                    let body = format!(r#"{{"product": {{"title": "Load {c}-{n}"}}}}"#);
                    write = format!(
                        "POST /nl/products.json HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    write.as_bytes()
                } else {
                    &requests[i]
                };
                let expected = if api == "ecom-writes" { 201 } else { 200 };
                let t = Instant::now();
                if stream.write_all(request).await.is_err() {
                    errors += 1;
                    break;
                }
                match read_answer(&mut stream, &mut buf).await {
                    Ok(status) if status == expected => latencies.push(t.elapsed()),
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        break;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("task");
        latencies.extend(l);
        errors += e;
    }
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    println!(
        "{api}: {} requests in {elapsed:.1} s over {connections} connections: {:.0} requests/s, {errors} errors, p50 {:.2} ms, p99 {:.2} ms (server counted {})",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        pct(0.5),
        pct(0.99),
        emulator.stats().requests
    );
}
