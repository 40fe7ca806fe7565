//! The README's main job, run as the README runs it: three passes, the last one writing
//! nothing. (`cargo test` builds the examples; this runs the built quickstart.)

use std::path::PathBuf;
use std::process::Command;

fn example(name: &str) -> PathBuf {
    // target/<profile>/deps/<this test> -> target/<profile>/examples/<name>
    let exe = std::env::current_exe().expect("test path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir")
        .join("examples");
    dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

fn summaries(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("summary "))
        .map(|json| serde_json::from_str(json).expect("a summary is JSON"))
        .collect()
}

#[test]
fn the_quickstart_creates_updates_three_and_then_writes_nothing() {
    let out = Command::new(example("quickstart"))
        .output()
        .expect("the quickstart example is built by cargo test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let passes = summaries(&stdout);
    assert_eq!(passes.len(), 3, "{stdout}");
    assert_eq!(passes[0]["created"], 60);
    assert_eq!(passes[0]["failed"], 2);
    assert_eq!(passes[1]["updated"], 3);
    assert_eq!(passes[1]["writes"], 3);
    assert_eq!(passes[2]["unchanged"], 60);
    assert_eq!(passes[2]["writes"], 0);
    // Paced from the emulator's headers, the quickstart's own traffic meets no 429 (which
    // would also make its request counts differ from the plan between runs).
    assert_eq!(
        stdout
            .matches("rate limit: 0 requests answered 429")
            .count(),
        3,
        "{stdout}"
    );
    // The broken rows are named with their errors.
    assert!(stdout.contains("parse_number could not read \"twaalf euro\""));
    assert!(stdout.contains("5 cells where the header has 14"));
    // The summary's keys come in the documented order.
    let line = stdout.lines().find(|l| l.starts_with("summary ")).unwrap();
    assert!(line.starts_with("summary {\"pass\": 1, \"created\": 60, \"updated\": 0, \"unchanged\": 0, \"archived\": 0, \"failed\": 2, \"requests\": "), "{line}");
}

#[test]
fn the_custom_source_example_syncs_its_records() {
    let out = Command::new(example("custom_source"))
        .output()
        .expect("built");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("2 created"), "{stdout}");
}

#[test]
fn the_inventory_example_fills_the_pool_then_finds_nothing_new() {
    let out = Command::new(example("xseries_inventory"))
        .output()
        .expect("built");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let passes = summaries(&stdout);
    assert_eq!(passes.len(), 2, "{stdout}");
    assert_eq!(passes[0]["created"], 5);
    assert_eq!(passes[1]["created"], 0);
    assert_eq!(passes[1]["unchanged"], 5);
    assert_eq!(passes[1]["writes"], 0);
}

#[test]
fn the_fulfillment_example_sends_each_request_once() {
    let out = Command::new(example("fulfillment"))
        .output()
        .expect("built");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let passes = summaries(&stdout);
    assert_eq!(passes.len(), 2, "{stdout}");
    assert_eq!(passes[0]["created"], 3);
    assert_eq!(passes[0]["failed"], 1);
    assert!(stdout.contains("ship_to.postcode is required"));
    assert_eq!(passes[1]["created"], 0);
    assert_eq!(passes[1]["writes"], 0);
}
