//! The `lightspeed-emulator` binary: documented options, and the base URLs once listening.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_lightspeed-emulator");

#[test]
fn help_documents_every_option() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for option in [
        "--listen",
        "--ecom-key",
        "--ecom-secret",
        "--xseries-token",
        "--registers",
        "--window-seconds",
        "--ecom-rate-limit",
        "--faults",
        "--seed",
        "--load",
        "--fail-write",
    ] {
        assert!(help.contains(option), "--help does not mention {option}");
    }
}

#[test]
fn bad_options_are_named() {
    let out = Command::new(BIN)
        .args(["--ecom-rate-limit", "300/3000"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("three numbers"));
}

#[test]
fn it_prints_both_base_urls_when_listening_and_serves_them() {
    let seed = std::env::temp_dir().join(format!("emulator-cli-seed-{}.json", std::process::id()));
    std::fs::write(
        &seed,
        r#"{"xseries": {"brands": [{"id": "b-cli", "name": "From the seed file"}]}}"#,
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--xseries-token",
            "cli-token",
            "--seed",
            "3",
            "--load",
        ])
        .arg(&seed)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ecom = lines.next().unwrap().unwrap();
    let xseries = lines.next().unwrap().unwrap();
    let url = xseries.rsplit(' ').next().unwrap().to_string();
    assert!(
        ecom.starts_with("eCom base URL:") && url.starts_with("http://127.0.0.1:"),
        "{ecom} / {xseries}"
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (status, brand) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let status = http
            .get(format!("{url}/api/2.0/retailer"))
            .bearer_auth("cli-token")
            .send()
            .await
            .unwrap()
            .status();
        let brand: serde_json::Value = http
            .get(format!("{url}/api/2.0/brands/b-cli"))
            .bearer_auth("cli-token")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (status, brand)
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_file(&seed);
    assert_eq!(status, 200);
    assert_eq!(brand["data"]["name"], "From the seed file", "{brand}");
}
