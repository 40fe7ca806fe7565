//! The configuration file: problems named by file, line and key, exit code 2.

use crate::support::{EMULATED_SHOP, Scratch, lightspeed, small_catalog};

#[test]
fn a_config_error_names_its_file_line_and_key_and_exits_2() {
    let scratch = Scratch::new("config-error");
    small_catalog(
        &scratch,
        EMULATED_SHOP,
        "archive_misssing = true\nschedule = \"every hour\"",
    );
    let out = lightspeed(&scratch.0, &["check"], &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    // serde stops at the first unknown key: its line and key are named.
    assert!(
        out.stderr.contains(
            "lightspeed.toml:20:1: jobs.shop.archive_misssing: unknown field `archive_misssing`"
        ),
        "{}",
        out.all()
    );

    // Fixed, the next problem is a bad value, found with its place too.
    small_catalog(&scratch, EMULATED_SHOP, "schedule = \"every hour\"");
    let out = lightspeed(&scratch.0, &["run", "shop", "--emulator"], &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains(
            "lightspeed.toml:20:12: jobs.shop.schedule: `every hour` is not a cron expression"
        ),
        "{}",
        out.all()
    );

    // Machine output says the same.
    let out = lightspeed(&scratch.0, &["check", "--json"], &[]);
    assert_eq!(out.json()["error"], "configuration");
    assert_eq!(out.json()["exit_code"], 2);
}

#[test]
fn a_good_config_checks_and_a_missing_one_says_where_it_looked() {
    let scratch = Scratch::new("config-good");
    small_catalog(&scratch, EMULATED_SHOP, "schedule = \"*/15 * * * *\"");
    let out = lightspeed(&scratch.0, &["check"], &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .contains("1 connection(s) (shop), 1 job(s) (shop)"),
        "{}",
        out.all()
    );
    let out = lightspeed(&scratch.0, &["--config", "nope.toml", "check"], &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("nope.toml: cannot be read"),
        "{}",
        out.all()
    );
    let out = lightspeed(&scratch.0, &["run", "nojob", "--emulator"], &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("no job `nojob`") && out.stderr.contains("jobs: shop"),
        "{}",
        out.all()
    );
}
