//! Every implementation of each trait passes the same suite.

use lightspeed_sync::catalog::conformance as target_suite;
use lightspeed_sync::source::{FileSource, MemorySource, conformance as source_suite};

use crate::support::{emulator, target};

#[tokio::test]
async fn every_source_conforms() {
    let dir = std::env::temp_dir().join(format!("ls-sync-sources-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("pim.csv");
    std::fs::write(
        &csv,
        "\u{feff}sku;name;price\nA;Wallet;12,50\nB;Watch\nC;Tee;3\n",
    )
    .unwrap();
    let json = dir.join("pim.json");
    std::fs::write(&json, r#"[{"sku": "A"}, 4, {"sku": "B"}]"#).unwrap();
    let ndjson = dir.join("pim.ndjson");
    std::fs::write(&ndjson, "{\"sku\": \"A\"}\nnot json\n{\"sku\": \"B\"}\n").unwrap();
    let memory = MemorySource::new("memory", vec![serde_json::json!({"sku": "A"})]);
    source_suite::check(&memory).await.unwrap();
    for path in [&csv, &json, &ndjson] {
        let source = FileSource::open(path).unwrap();
        source_suite::check(&source)
            .await
            .unwrap_or_else(|f| panic!("{}: {f:?}", path.display()));
        let batch = lightspeed_sync::source::RecordSource::read(&source)
            .await
            .unwrap();
        assert_eq!(batch.records.len(), 2, "{}", path.display());
        assert_eq!(batch.problems.len(), 1, "{}", path.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_ecom_target_conforms() {
    let emu = emulator().await;
    target_suite::check(&target(&emu)).await;
}
