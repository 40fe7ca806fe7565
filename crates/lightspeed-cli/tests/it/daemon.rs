//! The daemon: a scheduled run (its clock started just before the occurrence), a paused job
//! that does not run, a signed X-Series webhook whose change lands in the pool, a PIM post of
//! changed keys, refused forgeries, and a graceful stop.

use lightspeed_emulator::{Emulator, EmulatorConfig};
use lightspeed_sync::pool::{InventorySink, SqliteInventorySink};
use serde_json::json;

use crate::inventory::{client, pool_store};
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
    let (emulator, scratch) = pool_store("daemon-webhook").await;
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

/// A catalog job on an eCom emulator of the test's (key and secret from the environment).
fn shop_on(scratch: &Scratch, emulator: &lightspeed_emulator::EmulatorHandle) {
    small_catalog(
        scratch,
        &format!(
            r#"
[connections.shop]
kind = "ecom"
key_env = "SHOP_KEY"
secret_env = "SHOP_SECRET"
base_url = "{}"
language = "nl"
"#,
            emulator.ecom_url()
        ),
        "concurrency = 1",
    );
}

/// `GET` an eCom path of the emulator (language `nl`), as JSON.
async fn ecom_get(emulator: &lightspeed_emulator::EmulatorHandle, path: &str) -> serde_json::Value {
    reqwest::Client::new()
        .get(format!("{}/nl/{path}", emulator.ecom_url()))
        .basic_auth(emulator.ecom_key(), Some(emulator.ecom_secret()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn title_of(emulator: &lightspeed_emulator::EmulatorHandle, sku: &str) -> (u64, String) {
    let variants = ecom_get(emulator, "variants.json?limit=250").await;
    let product = variants["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["sku"] == sku)
        .map(|v| v["product"]["resource"]["id"].as_u64().unwrap())
        .unwrap();
    let body = ecom_get(emulator, &format!("products/{product}.json")).await;
    (
        product,
        body["product"]["title"].as_str().unwrap().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_ecom_webhook_sets_a_shop_edit_right_from_the_pim() {
    let emulator = Emulator::start(EmulatorConfig::default().unlimited())
        .await
        .unwrap();
    let scratch = Scratch::new("daemon-ecom-webhook");
    shop_on(&scratch, &emulator);
    let env = [
        ("SHOP_KEY", emulator.ecom_key()),
        ("SHOP_SECRET", emulator.ecom_secret()),
    ];
    assert_eq!(
        crate::support::run(&scratch.0, &["run", "shop"], &env).code,
        0
    );
    let mut daemon = tokio::task::block_in_place(|| Daemon::start(&scratch.0, &[], &[], &env));

    // The shop calls the daemon when a product is updated; then someone edits X-2 by hand.
    let http = reqwest::Client::new();
    let webhook = json!({"webhook": {"isActive": true, "itemGroup": "products", "itemAction": "updated",
        "language": "nl", "format": "json", "address": format!("{}/webhooks/ecom/shop", daemon.url)}});
    let created = http
        .post(format!("{}/nl/webhooks.json", emulator.ecom_url()))
        .basic_auth(emulator.ecom_key(), Some(emulator.ecom_secret()))
        .json(&webhook)
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{:?}", created.text().await);
    let (product, title) = title_of(&emulator, "X-2").await;
    assert_eq!(title, "Watch");
    http.put(format!(
        "{}/nl/products/{product}.json",
        emulator.ecom_url()
    ))
    .basic_auth(emulator.ecom_key(), Some(emulator.ecom_secret()))
    .json(&json!({"product": {"title": "Edited by hand"}}))
    .send()
    .await
    .unwrap()
    .error_for_status()
    .unwrap();

    let line = tokio::task::block_in_place(|| {
        daemon.wait_for(|l| l.starts_with("shop: run ") && l.contains("(webhook)"))
    });
    assert!(
        line.contains("clean: 1 updated"),
        "{line}\n{}",
        daemon.seen()
    );
    assert_eq!(
        title_of(&emulator, "X-2").await.1,
        "Watch",
        "the PIM's title is back"
    );

    // A call not signed with the shop's secret is refused.
    let forged = http
        .post(format!("{}/webhooks/ecom/shop", daemon.url))
        .header("x-event", "products/updated")
        .header("x-signature", "0123456789abcdef0123456789abcdef")
        .body(r#"{"product": {"id": 1}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let (code, output, stderr) = tokio::task::block_in_place(|| daemon.stop());
    assert_eq!(code, 0, "{output}\n{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_daemon_finishes_the_item_in_flight_and_the_next_run_the_rest() {
    let emulator = Emulator::start(EmulatorConfig::default().unlimited())
        .await
        .unwrap();
    let scratch = Scratch::new("daemon-stop");
    shop_on(&scratch, &emulator);
    // Thirty products, each create slowed down.
    let mut csv = String::from("sku;name;price;brand\n");
    for i in 0..30 {
        csv.push_str(&format!("S-{i:02};Product {i};1,00;Acme\n"));
    }
    scratch.write("data/pim.csv", &csv);
    emulator.set_faults(lightspeed_emulator::Faults {
        latency: 1.0,
        latency_duration: std::time::Duration::from_millis(40),
        ..Default::default()
    });
    let env = [
        ("SHOP_KEY", emulator.ecom_key()),
        ("SHOP_SECRET", emulator.ecom_secret()),
        ("PIM_TOKEN", "t"),
        ("RUST_LOG", "lightspeed=info"),
    ];
    let mut config = std::fs::read_to_string(scratch.path("lightspeed.toml")).unwrap();
    config.push_str("\n[daemon]\npim_token_env = \"PIM_TOKEN\"\n");
    scratch.write("lightspeed.toml", &config);
    let daemon = tokio::task::block_in_place(|| Daemon::start(&scratch.0, &[], &[], &env));
    let keys: Vec<String> = (0..30).map(|i| format!("S-{i:02}")).collect();
    let accepted = reqwest::Client::new()
        .post(format!("{}/pim/shop", daemon.url))
        .bearer_auth("t")
        .json(&keys)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 202);
    // Stop once the creates are under way.
    tokio::task::block_in_place(|| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !daemon.stderr().contains("step=\"applying\"") {
            assert!(std::time::Instant::now() < deadline, "{}", daemon.stderr());
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    });
    let (code, output, stderr) = tokio::task::block_in_place(|| daemon.stop());
    assert_eq!(code, 0, "{output}\n{stderr}");
    let run = output
        .lines()
        .find(|l| l.starts_with("shop: run "))
        .unwrap_or_else(|| panic!("{output}\n{stderr}"));
    assert!(
        run.contains("items failed") && run.contains("pending"),
        "{run}"
    );
    let stopping = output.find("stopping").unwrap();
    assert!(
        output.find("shop: run ").unwrap() > stopping,
        "the run ended after the signal:\n{output}"
    );

    // What was not started is done by the next run, nothing twice.
    emulator.set_faults(lightspeed_emulator::Faults::default());
    let out = crate::support::run(&scratch.0, &["--json", "run", "shop"], &env);
    let rest = out.json();
    assert_eq!(rest["counts"]["pending"], 0, "{}", out.all());
    assert_eq!(rest["counts"]["failed"], 0, "{}", out.all());
    assert!(
        rest["counts"]["created"].as_u64().unwrap() > 0,
        "{}",
        out.all()
    );
    let products = ecom_get(&emulator, "products/count.json").await;
    assert_eq!(products["count"], 30, "every product once");
}
