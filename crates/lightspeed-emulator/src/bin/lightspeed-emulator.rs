//! `lightspeed-emulator`: the eCom and X-Series emulator as a standalone server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use lightspeed_emulator::{Emulator, EmulatorConfig, Faults};
use secrecy::SecretString;

/// A local emulator of the Lightspeed eCom and Retail X-Series APIs: real paths, envelopes and
/// quirks, rate limits with real headers, outgoing webhooks and deterministic faults.
///
/// eCom answers at http://LISTEN/{lang}/...json (Basic auth with the key and secret), X-Series
/// at http://LISTEN/api/... (Bearer auth with the token). Admin routes: GET /_emulator/stats,
/// POST /_emulator/reset, POST /_emulator/load, GET /_emulator/dump, PUT /_emulator/faults.
#[derive(Debug, Parser)]
#[command(name = "lightspeed-emulator", version)]
struct Args {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// eCom API key (Basic auth user name).
    #[arg(long, default_value = "0123456789abcdef0123456789abcdef")]
    ecom_key: String,
    /// eCom API secret (Basic auth password; also signs eCom webhooks).
    #[arg(long, default_value = "fedcba9876543210fedcba9876543210")]
    ecom_secret: String,
    /// eCom shop languages, comma separated; the first is the default.
    #[arg(long, default_value = "nl,en", value_delimiter = ',')]
    languages: Vec<String>,
    /// X-Series personal token (Bearer).
    #[arg(long, default_value = "emulator-personal-token")]
    xseries_token: String,
    /// X-Series registers; the rate limit is 300 × registers + 50 per window.
    #[arg(long, default_value_t = 1)]
    registers: u32,
    /// Length in seconds of the five-minute rate-limit window (fractions allowed); the hour
    /// and the day scale with it.
    #[arg(long, default_value_t = 300.0)]
    window_seconds: f64,
    /// eCom requests per five minutes, hour and day, as `A/B/C`.
    #[arg(long, default_value = "300/3000/12000", value_parser = parse_triple)]
    ecom_rate_limit: [u32; 3],
    /// Turn rate limiting off: nothing is refused, and the headers still come with a budget
    /// that never runs out (Remaining stays at the limit), so clients pacing from them never
    /// wait.
    #[arg(long)]
    no_rate_limits: bool,
    /// Total fault probability, spread over 500, 502, 503, extra 429, dropped connections and
    /// cut bodies, plus 20 ms latency with the same probability.
    #[arg(long, default_value_t = 0.0)]
    faults: f64,
    /// Fail the Nth write (POST, PUT, PATCH, DELETE) with a 500 and change nothing.
    #[arg(long)]
    fail_write: Option<u64>,
    /// Seed of every random choice (faults, ids, codes).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Seed data to load at start (JSON: {"ecom": {...}, "xseries": {...}}).
    #[arg(long)]
    load: Option<PathBuf>,
}

fn parse_triple(s: &str) -> Result<[u32; 3], String> {
    let parts: Vec<&str> = s.split('/').collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(format!(
            "expected three numbers like 300/3000/12000, got {s:?}"
        ));
    };
    let n = |p: &str| {
        p.trim()
            .parse::<u32>()
            .map_err(|_| format!("{p:?} in {s:?} is not a whole number"))
    };
    Ok([n(a)?, n(b)?, n(c)?])
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if !(args.window_seconds > 0.0 && args.window_seconds.is_finite()) {
        eprintln!("error: --window-seconds must be a positive number");
        return ExitCode::from(2);
    }
    if !(0.0..=1.0).contains(&args.faults) {
        eprintln!("error: --faults must be a probability between 0 and 1");
        return ExitCode::from(2);
    }
    let mut config = EmulatorConfig {
        listen: args.listen,
        seed: args.seed,
        ..EmulatorConfig::default()
    };
    config.ecom.key = args.ecom_key;
    config.ecom.secret = SecretString::from(args.ecom_secret);
    config.ecom.languages = args.languages;
    config.xseries.token = SecretString::from(args.xseries_token);
    config.xseries.registers = args.registers.max(1);
    config.limits.window = Duration::from_secs_f64(args.window_seconds);
    config.limits.ecom = args.ecom_rate_limit;
    config.limits.enabled = !args.no_rate_limits;
    config.faults = if args.faults > 0.0 {
        Faults::rate(args.faults)
    } else {
        Faults::default()
    };
    config.faults.fail_write = args.fail_write.map(|nth| lightspeed_emulator::WriteFault {
        nth,
        after_apply: false,
    });
    let emulator = match Emulator::start(config).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = args.load {
        match emulator.load_file(&path) {
            Ok(counts) => eprintln!("loaded {}: {counts}", path.display()),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("eCom base URL:     {}", emulator.ecom_url());
    println!("X-Series base URL: {}", emulator.xseries_url());
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("error: cannot wait for Ctrl-C");
        return ExitCode::FAILURE;
    }
    eprintln!("stopping; served {} requests", emulator.stats().requests);
    ExitCode::SUCCESS
}
