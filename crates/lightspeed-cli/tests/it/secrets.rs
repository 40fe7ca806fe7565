//! Secrets come from the environment or files and never show: not in output, logs (at trace
//! level), errors, run records or status.

use lightspeed_emulator::{Emulator, EmulatorConfig};
use secrecy::SecretString;

use crate::support::{Scratch, run};

const SECRET: &str = "ecom-secret-4f1d9c2b7a";
const TOKEN: &str = "xseries-token-8e3a6d0c5b";

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_show_in_output_logs_errors_or_records() {
    let mut config = EmulatorConfig::default().unlimited();
    config.ecom.secret = SecretString::from(SECRET);
    config.xseries.token = SecretString::from(TOKEN);
    let emulator = Emulator::start(config).await.unwrap();
    let scratch = Scratch::new("secrets");
    scratch.write("secrets/shop", &format!("{SECRET}\n"));
    crate::support::small_catalog(
        &scratch,
        &format!(
            r#"
[connections.shop]
kind = "ecom"
key = "{key}"
secret_file = "secrets/shop"
base_url = "{url}"
language = "nl"

[connections.store]
kind = "xseries"
base_url = "{url}"
token_env = "STORE_TOKEN"
"#,
            key = emulator.ecom_key(),
            url = emulator.ecom_url()
        ),
        "",
    );
    let env = [("STORE_TOKEN", TOKEN), ("RUST_LOG", "trace")];
    let mut outputs = Vec::new();
    for args in [
        &["-vvv", "test-connection"][..],
        &["-vvv", "run", "shop"],
        &["--json", "run", "shop"],
        &["--json", "report", "shop"],
        &["--json", "status"],
        &["check"],
    ] {
        let out = run(&scratch.0, args, &env);
        assert!(out.code == 0 || out.code == 4, "{args:?}: {}", out.all());
        outputs.push((args, out));
    }
    // A refused secret: the error names where it came from, not what it was.
    std::fs::write(scratch.path("secrets/shop"), "wrong-secret-0a9b8c7d").unwrap();
    let out = run(&scratch.0, &["-vvv", "test-connection", "shop"], &env);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        !out.all().contains("wrong-secret-0a9b8c7d"),
        "{}",
        out.all()
    );
    assert!(
        out.stdout.contains("the API key or secret is wrong (401"),
        "{}",
        out.all()
    );
    outputs.push((&["test-connection (refused)"][..], out));

    let traced = &outputs[0].1.stderr;
    assert!(
        traced.contains("TRACE") || traced.contains("DEBUG"),
        "logging is on: {traced}"
    );
    for (args, out) in &outputs {
        for secret in [SECRET, TOKEN] {
            assert!(
                !out.stdout.contains(secret),
                "{args:?} printed a secret: {}",
                out.stdout
            );
            assert!(
                !out.stderr.contains(secret),
                "{args:?} logged a secret: {}",
                out.stderr
            );
        }
    }
    let mut files = Vec::new();
    walk(&scratch.path(".lightspeed"), &mut files);
    assert!(!files.is_empty());
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in [SECRET, TOKEN] {
            assert!(!text.contains(secret), "{} holds a secret", file.display());
        }
    }
}
