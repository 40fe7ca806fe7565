//! Catalog jobs against the embedded emulator: run, plan and apply, map, report, status and
//! the exit codes; the quickstart's data through the sample config.

use crate::support::{EMULATED_SHOP, Scratch, examples, lightspeed, small_catalog};

#[test]
fn the_quickstart_data_runs_through_the_sample_config_with_the_emulator() {
    let scratch = Scratch::new("quickstart");
    scratch.quickstart_data();
    // The sample config as shipped, with its work folder in the scratch folder.
    let sample = std::fs::read_to_string(examples().join("lightspeed.toml")).unwrap();
    let config = format!(
        "[settings]\nwork_dir = \"{}\"\n\n[emulator]\ntime_compression = 3000\n{sample}",
        scratch.path("work").display()
    );
    scratch.write("lightspeed.toml", &config);

    let out = lightspeed(&scratch.0, &["--emulator", "run", "catalog"], &[]);
    // Two rows of the export are broken: items failed.
    assert_eq!(out.code, 3, "{}", out.all());
    assert!(
        out.stdout.contains("60 created, 2 skipped"),
        "{}",
        out.all()
    );
    assert!(out.stdout.contains("BROKEN-PRICE"), "{}", out.all());
    assert!(
        out.stderr.contains(
            "(emulator: time compressed 3000x; under the real budget these calls take about"
        ),
        "{}",
        out.all()
    );

    // Everything is kept: the next run writes nothing.
    let out = lightspeed(&scratch.0, &["--emulator", "--json", "run", "catalog"], &[]);
    let run = out.json();
    assert_eq!(run["counts"]["unchanged"], 60, "{}", out.all());
    assert_eq!(run["counts"]["created"], 0);
    assert_eq!(run["exit_code"], 3);
    assert!(scratch.path("work/emulator/catalog.db").exists());
    assert!(scratch.path("work/emulator/data.json").exists());
    assert!(
        !scratch.path("work/catalog.db").exists(),
        "emulator state is kept apart"
    );
}

#[test]
fn exit_codes_say_clean_then_nothing_to_do() {
    let scratch = Scratch::new("exit-codes");
    small_catalog(&scratch, EMULATED_SHOP, "");
    let out = lightspeed(&scratch.0, &["--emulator", "run", "shop"], &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("3 created"), "{}", out.all());
    let out = lightspeed(&scratch.0, &["--emulator", "run", "shop"], &[]);
    assert_eq!(out.code, 4, "{}", out.all());
    assert!(out.stdout.contains("nothing to do"), "{}", out.all());
    let out = lightspeed(&scratch.0, &["--emulator", "plan", "shop"], &[]);
    assert_eq!(out.code, 4, "{}", out.all());
    assert!(
        out.stdout
            .contains("Plan: 0 to create, 0 to update, 3 unchanged"),
        "{}",
        out.all()
    );
}

#[test]
fn a_plan_is_reviewed_saved_and_applied_exactly() {
    let scratch = Scratch::new("plan-apply");
    small_catalog(&scratch, EMULATED_SHOP, "");
    let out = lightspeed(
        &scratch.0,
        &["--emulator", "plan", "shop", "-o", "plan.json"],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("+ create brand Acme"), "{}", out.all());
    assert!(out.stdout.contains("+ create X-1"), "{}", out.all());
    assert!(out.stdout.contains("Plan: 4 to create"), "{}", out.all());
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(scratch.path("plan.json")).unwrap()).unwrap();
    assert_eq!(saved["job"], "shop");
    let plan_id = saved["plan"]["id"].as_str().unwrap().to_string();

    // The summary, for catalogs too big to list.
    let out = lightspeed(
        &scratch.0,
        &["--emulator", "plan", "shop", "--summary"],
        &[],
    );
    assert!(!out.stdout.contains("+ create X-1"), "{}", out.all());
    assert!(
        out.stdout.contains("Plan: 4 to create") && out.stdout.contains("API calls: "),
        "{}",
        out.all()
    );

    // A plan made against the emulator is not applied to a real shop.
    let out = lightspeed(&scratch.0, &["apply", "plan.json"], &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("with --emulator"), "{}", out.all());

    let out = lightspeed(
        &scratch.0,
        &["--emulator", "--json", "apply", "plan.json"],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let run = out.json();
    assert_eq!(run["plan_id"], plan_id.as_str());
    assert_eq!(run["trigger"], "apply");
    assert_eq!(run["counts"]["created"], 3);

    // A plan edited by hand into nonsense is refused, naming the step.
    let mut broken = saved.clone();
    broken["plan"]["steps"][1]["op"] = serde_json::Value::Null;
    scratch.write("broken.json", &broken.to_string());
    let out = lightspeed(&scratch.0, &["--emulator", "apply", "broken.json"], &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("steps[1]"), "{}", out.all());

    // The report of that run, by id and by the job's name.
    let id = run["id"].as_str().unwrap();
    let by_id = lightspeed(&scratch.0, &["--emulator", "report", id], &[]);
    assert_eq!(by_id.code, 0, "{}", by_id.all());
    assert!(
        by_id.stdout.contains(&format!(
            "run {id} (catalog job shop, apply, emulator): clean"
        )),
        "{}",
        by_id.all()
    );
    assert!(by_id.stdout.contains("3 created"), "{}", by_id.all());
    let by_job = lightspeed(&scratch.0, &["--emulator", "--json", "report", "shop"], &[]);
    assert_eq!(by_job.json()["id"], id);
    assert_eq!(by_job.json()["report"]["items"][0]["key"], "brand:Acme");
    let none = lightspeed(&scratch.0, &["--emulator", "report", "shop-1999"], &[]);
    assert_eq!(none.code, 2, "{}", none.all());
}

#[test]
fn map_traces_one_record_and_lists_the_rows_that_fail() {
    let scratch = Scratch::new("map");
    scratch.quickstart_data();
    let sample = std::fs::read_to_string(examples().join("lightspeed.toml")).unwrap();
    scratch.write("lightspeed.toml", &sample);
    let out = lightspeed(&scratch.0, &["map", "catalog", "--preview", "LW-001"], &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("key \"LW-001\""), "{}", out.all());
    assert!(
        out.stdout.contains("weight  (variant_mappings["),
        "{}",
        out.all()
    );
    assert!(
        out.stdout
            .contains("convert_unit (variant_mappings[3].transformations[1]): 250"),
        "{}",
        out.all()
    );
    let out = lightspeed(
        &scratch.0,
        &["map", "catalog", "--preview", "BROKEN-PRICE"],
        &[],
    );
    assert_eq!(out.code, 3, "{}", out.all());
    assert!(
        out.stdout
            .contains("=> error: parse_number could not read \"twaalf euro\""),
        "{}",
        out.all()
    );
    let out = lightspeed(
        &scratch.0,
        &["--json", "map", "catalog", "--preview", "LW-001"],
        &[],
    );
    assert_eq!(out.json()["preview"]["key"], "LW-001");

    let out = lightspeed(&scratch.0, &["map", "catalog"], &[]);
    assert_eq!(out.code, 3, "{}", out.all());
    assert!(
        out.stdout
            .contains("pim-catalog.csv:78 BROKEN-PRICE: price_incl: parse_number"),
        "{}",
        out.all()
    );
    assert!(
        out.stdout.contains("76 records mapped, 2 failed"),
        "{}",
        out.all()
    );
    let out = lightspeed(&scratch.0, &["map", "catalog", "--preview", "NOPE"], &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("no record with sku `NOPE`"),
        "{}",
        out.all()
    );
}

#[test]
fn a_partial_run_writes_only_the_keys_given() {
    let scratch = Scratch::new("partial");
    small_catalog(&scratch, EMULATED_SHOP, "");
    assert_eq!(
        lightspeed(&scratch.0, &["--emulator", "run", "shop"], &[]).code,
        0
    );
    scratch.write(
        "data/pim.csv",
        "sku;name;price;brand\nX-1;Wallet II;10,00;Acme\nX-2;Watch II;20,00;Acme\nX-3;Belt;30,00;Acme\n",
    );
    let out = lightspeed(
        &scratch.0,
        &["--emulator", "--json", "run", "shop", "--only", "X-2"],
        &[],
    );
    let run = out.json();
    assert_eq!(run["counts"]["updated"], 1, "{}", out.all());
    assert_eq!(run["keys"], serde_json::json!(["X-2"]));
    // A key the source does not have is named, and the run is not clean.
    let out = lightspeed(
        &scratch.0,
        &["--emulator", "run", "shop", "--only", "X-2,NOPE"],
        &[],
    );
    assert_eq!(out.code, 3, "{}", out.all());
    assert!(
        out.stdout.contains("NOPE") && out.stdout.contains("not in the source"),
        "{}",
        out.all()
    );
    let out = lightspeed(&scratch.0, &["--emulator", "--json", "run", "shop"], &[]);
    assert_eq!(
        out.json()["counts"]["updated"],
        1,
        "X-1 is left for the full run: {}",
        out.all()
    );
}

#[test]
fn status_tells_configured_mapped_connected_last_run_and_next_run() {
    let scratch = Scratch::new("status");
    small_catalog(&scratch, EMULATED_SHOP, "schedule = \"0 3 * * *\"");
    let out = lightspeed(&scratch.0, &["--emulator", "status"], &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("configured: yes"), "{}", out.all());
    assert!(out.stdout.contains("mapped: yes"), "{}", out.all());
    assert!(out.stdout.contains("connected: yes"), "{}", out.all());
    assert!(out.stdout.contains("last run: never"), "{}", out.all());
    assert!(
        out.stdout.contains("schedule: 0 3 * * * (UTC), next run "),
        "{}",
        out.all()
    );
    lightspeed(&scratch.0, &["--emulator", "run", "shop"], &[]);
    lightspeed(
        &scratch.0,
        &["--emulator", "pause", "shop", "--reason", "stock count"],
        &[],
    );
    let out = lightspeed(&scratch.0, &["--emulator", "--json", "status"], &[]);
    let job = &out.json()[0];
    assert_eq!(job["last_run"]["outcome"], "clean", "{}", out.all());
    assert_eq!(job["last_run"]["counts"]["created"], 3);
    assert_eq!(job["pending"], 0);
    assert_eq!(job["paused"], true);
    assert!(
        job["paused_because"]
            .as_str()
            .unwrap()
            .starts_with("stock count")
    );
    assert!(
        job["next_run"]
            .as_str()
            .unwrap()
            .ends_with("T03:00:00.000Z")
    );

    // Without the emulator, the real shop's secrets are missing: not configured, exit 3.
    let out = lightspeed(&scratch.0, &["status", "--offline"], &[]);
    assert_eq!(out.code, 3, "{}", out.all());
    assert!(
        out.stdout.contains(
            "configured: NO: connection `shop`: key: the environment variable UNUSED_KEY is not set"
        ),
        "{}",
        out.all()
    );

    // A paused job is not run by hand either.
    let out = lightspeed(&scratch.0, &["--emulator", "run", "shop"], &[]);
    assert_eq!(out.code, 5, "{}", out.all());
    assert!(
        out.stderr.contains("job `shop` is paused (stock count"),
        "{}",
        out.all()
    );
    assert_eq!(
        lightspeed(&scratch.0, &["--emulator", "resume", "shop"], &[]).code,
        0
    );
    assert_eq!(
        lightspeed(&scratch.0, &["--emulator", "run", "shop"], &[]).code,
        4
    );
}

#[test]
fn a_spent_rate_budget_shows_when_requests_go_out_again() {
    let scratch = Scratch::new("rate-wait");
    // Five requests per (compressed, one-second) window: the run, about ten requests, waits
    // for a reset once, and says so. (The wait is under a second: the emulator's reset
    // headers count whole seconds, as the real ones do.)
    small_catalog(
        &scratch,
        &EMULATED_SHOP.replace(
            "time_compression = 3000",
            "time_compression = 300\necom_rate_limit = 5",
        ),
        "",
    );
    let out = lightspeed(&scratch.0, &["--emulator", "run", "shop"], &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    let waits: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("waiting for the rate limit until "))
        .collect();
    assert!(!waits.is_empty(), "{}", out.all());
    assert!(
        waits[0].ends_with(" UTC (5 minutes window spent; emulator: time compressed 300x)"),
        "{}",
        out.all()
    );
}
