//! The daemon: a scheduled run (its clock started just before the occurrence), a paused job
//! that does not run, a signed X-Series webhook whose change lands in the pool, a PIM post of
//! changed keys, refused forgeries, and a graceful stop.

use lightspeed_emulator::{Emulator, EmulatorConfig};
use lightspeed_sync::pool::{InventorySink, SqliteInventorySink};
use serde_json::json;

use crate::inventory::{POOL_JOBS, client, seed, store};
use crate::support::{Daemon, EMULATED_SHOP, Scratch, small_catalog};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_job_runs_a_paused_one_does_not_and_a_pim_post_syncs_its_keys() {
    let scratch = Scratch::new("daemon-schedule");
    // Two catalog jobs on one schedule (03:00 UTC); the second is paused.
    small_catalog(
        &scratch,
        &format!("{EMULATED_SHOP}\n[daemon]\npim_token_env = \"PIM_TOKEN\"\n"),
        "schedule = \"0 3 * * *\"\n\n[jobs.paused]\nkind = \"catalog\"\nconnection = \"shop\"\nsource = \"data/pim.csv\"\nmapping = \"mappings/m.json\"\nschedule = \"0 3 * * *\"",
    );
    let out = crate::support::run(&scratch.0, &["--emulator", "pause", "paused"], &[]);
    assert_eq!(out.code, 0, "{}", out.all());

    let env = [("PIM_TOKEN", "pim-token-1234")];
    let mut daemon = tokio::task::block_in_place(|| {
        Daemon::start(
            &scratch.0,
            &["--emulator"],
            &["--clock-start", "2026-01-01T02:59:59.5Z"],
            &env,
        )
    });
    let ran = tokio::task::block_in_place(|| daemon.wait_for(|l| l.starts_with("shop: run ")));
    assert!(ran.contains("(schedule): clean: 3 created"), "{ran}");
    let skipped = tokio::task::block_in_place(|| daemon.wait_for(|l| l.starts_with("paused: ")));
    assert!(
        skipped.contains("not run (schedule): job `paused` is paused"),
        "{skipped}"
    );

    // The PIM says X-2 changed: a partial sync of that key.
    scratch.write(
        "data/pim.csv",
        "sku;name;price;brand\nX-1;Wallet;10,00;Acme\nX-2;Watch II;20,00;Acme\nX-3;Belt;30,00;Acme\n",
    );
    let http = reqwest::Client::new();
    let refused = http
        .post(format!("{}/pim/shop", daemon.url))
        .bearer_auth("wrong")
        .json(&json!(["X-2"]))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let accepted = http
        .post(format!("{}/pim/shop", daemon.url))
        .bearer_auth("pim-token-1234")
        .json(&json!({"keys": ["X-2"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 202);
    let partial = tokio::task::block_in_place(|| {
        daemon.wait_for(|l| l.starts_with("shop: run ") && l.contains("(pim)"))
    });
    assert!(partial.contains("clean: 1 updated"), "{partial}");

    let (code, output, stderr) = tokio::task::block_in_place(|| daemon.stop());
    assert_eq!(code, 0, "{output}\n{stderr}");
    assert!(output.contains("daemon stopped"), "{output}");

    // The paused job never ran; the other one has two runs.
    let none = crate::support::run(&scratch.0, &["--emulator", "report", "paused"], &[]);
    assert_eq!(none.code, 2, "{}", none.all());
    let last = crate::support::run(&scratch.0, &["--emulator", "--json", "report", "shop"], &[]);
    assert_eq!(last.json()["trigger"], "pim");
    assert_eq!(last.json()["keys"], json!(["X-2"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_x_series_webhook_refreshes_the_pool_and_a_forged_one_is_refused() {
    let emulator = Emulator::start(EmulatorConfig::default().unlimited())
        .await
        .unwrap();
    seed(&emulator).await;
    let scratch = Scratch::new("daemon-webhook");
    scratch.quickstart_data();
    scratch.write(
        "lightspeed.toml",
        &format!("{}{POOL_JOBS}", store(&emulator)),
    );
    let secret = emulator.config().xseries.client_secret.clone();
    let secret = secrecy::ExposeSecret::expose_secret(&secret).to_string();
    let env = [
        ("STORE_TOKEN", emulator.xseries_token()),
        ("STORE_WEBHOOK_SECRET", secret.as_str()),
    ];
    let out = crate::support::run(&scratch.0, &["run", "pool"], &env);
    assert_eq!(out.code, 0, "{}", out.all());

    let mut daemon =
        tokio::task::block_in_place(|| Daemon::start(&scratch.0, &[], &["--job", "pool"], &env));
    let hook = format!("{}/webhooks/xseries/store", daemon.url);
    let http = reqwest::Client::new();
    // A forgery: the right shape, the wrong signature.
    let forged = http
        .post(&hook)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-signature", "signature=00ff,algorithm=HMAC-SHA256")
        .body("type=product.update&payload=%7B%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);

    // The store calls the daemon when a product changes.
    let registered = http
        .post(format!("{}/api/2.0/webhooks", emulator.xseries_url()))
        .bearer_auth(emulator.xseries_token())
        .json(&json!({"url": hook, "type": "product.update", "active": true}))
        .send()
        .await
        .unwrap();
    assert!(
        registered.status().is_success(),
        "{:?}",
        registered.text().await
    );
    let client = client(&emulator);
    let wallet = client
        .products()
        .list()
        .all()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.sku.as_deref() == Some("LW-001"))
        .unwrap();
    http.put(format!(
        "{}/api/2.1/products/{}",
        emulator.xseries_url(),
        wallet.id.unwrap()
    ))
    .bearer_auth(emulator.xseries_token())
    .json(&json!({"common": {"name": "Wallet, renamed in the store"}}))
    .send()
    .await
    .unwrap()
    .error_for_status()
    .unwrap();

    let line = tokio::task::block_in_place(|| daemon.wait_for(|l| l.starts_with("pool: run ")));
    assert!(
        line.contains("(webhook): clean: 1 updated"),
        "{line}\n{}",
        daemon.seen()
    );
    let pool = SqliteInventorySink::open(scratch.path(".lightspeed/pool.db")).unwrap();
    let item = pool.get("LW-001").await.unwrap().unwrap();
    assert_eq!(item.title, "Wallet, renamed in the store");
    let (code, output, stderr) = tokio::task::block_in_place(|| daemon.stop());
    assert_eq!(code, 0, "{output}\n{stderr}");
}
