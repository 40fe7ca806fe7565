//! The planner without I/O: rendered plans as snapshots, the JSON format, the guards.

use std::collections::BTreeMap;

use lightspeed_sync::catalog::item::{
    ActualImage, ActualItem, ActualVariant, DesiredImage, DesiredItem, DesiredVariant, LiteMap,
    Refs, RowProblem,
};
use lightspeed_sync::catalog::plan::{Action, Plan};
use lightspeed_sync::catalog::planner::{CreateMissing, PlanInput, PlanOptions, plan};
use lightspeed_sync::catalog::target::References;
use lightspeed_sync::state::ItemState;
use serde_json::json;

fn variant(sku: &str, title: &str, price: f64, stock: i64) -> DesiredVariant {
    DesiredVariant {
        sku: sku.into(),
        title: title.into(),
        options: BTreeMap::new(),
        fields: LiteMap::from_iter([
            ("price_incl".into(), json!(price)),
            ("stock_level".into(), json!(stock)),
        ]),
    }
}

fn wallet() -> DesiredItem {
    DesiredItem {
        key: "LW-001".into(),
        fields: LiteMap::from_iter([
            ("title".into(), json!("Luxe leren portemonnee")),
            ("visibility".into(), json!("visible")),
        ]),
        texts: BTreeMap::from([(
            "en".into(),
            LiteMap::from_iter([("title".into(), json!("Luxury Leather Wallet"))]),
        )]),
        variants: vec![variant("LW-001", "Default", 89.95, 24)],
        images: Some(vec![DesiredImage {
            src: "https://img.example/luxury-leather-wallet.jpg".into(),
            title: None,
        }]),
        refs: BTreeMap::from([
            (
                "categories".into(),
                Refs::Paths(vec!["Accessoires > Portemonnees".into()]),
            ),
            ("brand".into(), Refs::One("Maison Cuir".into())),
        ]),
        origin: vec!["pim.csv:2".into()],
    }
}

fn tshirt() -> DesiredItem {
    DesiredItem {
        key: "TS-ORG".into(),
        fields: LiteMap::from_iter([("title".into(), json!("Biologisch katoenen T-shirt"))]),
        texts: BTreeMap::new(),
        variants: vec![
            variant("TS-S", "S", 24.95, 10),
            variant("TS-M", "M", 24.95, 3),
        ],
        images: Some(vec![]),
        refs: BTreeMap::new(),
        origin: vec!["pim.csv:3".into(), "pim.csv:4".into()],
    }
}

fn actual_tshirt() -> ActualItem {
    ActualItem {
        id: "500".into(),
        updated_at: Some("2026-11-01T10:00:00+01:00".into()),
        fields: LiteMap::from_iter([("title".into(), json!("Katoenen T-shirt"))]),
        variants: vec![
            ActualVariant {
                id: "501".into(),
                sku: "TS-S".into(),
                title: "S".into(),
                is_default: true,
                fields: LiteMap::from_iter([
                    ("price_incl".into(), json!(24.95)),
                    ("stock_level".into(), json!(10)),
                ]),
            },
            ActualVariant {
                id: "502".into(),
                sku: "TS-M".into(),
                title: "M".into(),
                is_default: false,
                fields: LiteMap::from_iter([
                    ("price_incl".into(), json!(19.95)),
                    ("stock_level".into(), json!(3)),
                ]),
            },
            ActualVariant {
                id: "503".into(),
                sku: "TS-XL".into(),
                title: "XL".into(),
                is_default: false,
                fields: LiteMap::new(),
            },
        ],
        images: vec![ActualImage {
            id: "9".into(),
            name: "old".into(),
            source: None,
            position: 1,
        }],
        ..Default::default()
    }
}

fn input<'a>(
    desired: &'a [DesiredItem],
    problems: &'a [RowProblem],
    state: &'a BTreeMap<String, ItemState>,
    actual: Option<&'a [ActualItem]>,
    references: Option<&'a References>,
) -> PlanInput<'a> {
    PlanInput {
        desired,
        problems,
        state,
        actual,
        references,
        full_snapshot: true,
        target: "ecom",
        now: "2026-11-27T10:00:00Z",
    }
}

#[test]
fn a_first_run_creates_items_and_the_references_they_need() {
    let desired = [wallet(), tshirt()];
    let problems = [RowProblem {
        key: Some("BROKEN".into()),
        origin: "pim.csv:9".into(),
        message: "price_incl: parse_number could not read \"twaalf\" (variant_mappings[1].transformation)".into(),
    }];
    let state = BTreeMap::new();
    let options = PlanOptions {
        create_missing: CreateMissing::All,
        ..Default::default()
    };
    let p = plan(
        &input(
            &desired,
            &problems,
            &state,
            Some(&[]),
            Some(&References::default()),
        ),
        &options,
    );
    insta::assert_snapshot!("first_run", p.render());
    assert_eq!(p.counts().create, 5);
    // brand and two categories; the wallet: product, default variant, image, category, English;
    // the T-shirt: product, default variant, second variant.
    assert_eq!(p.calls, 3 + 5 + 3);
}

#[test]
fn a_reconcile_shows_field_diffs_and_removed_variants() {
    let desired = [tshirt()];
    let actual = [actual_tshirt()];
    let state = BTreeMap::new();
    let p = plan(
        &input(&desired, &[], &state, Some(&actual), None),
        &PlanOptions::default(),
    );
    insta::assert_snapshot!("reconcile_update", p.render());
    let step = &p.steps[0];
    assert_eq!(step.action, Action::Update);
    // title, one variant price, the XL variant, the stray image
    assert_eq!(step.calls, 4);
}

#[test]
fn missing_items_are_archived_within_the_guard_and_skipped_beyond_it() {
    let known: BTreeMap<String, ItemState> = (0..10)
        .map(|i| {
            (
                format!("K{i}"),
                ItemState {
                    actual: ActualItem {
                        id: format!("{i}"),
                        ..Default::default()
                    },
                    fingerprint: Some("x".into()),
                },
            )
        })
        .collect();
    let desired: Vec<DesiredItem> = (0..8)
        .map(|i| DesiredItem {
            key: format!("K{i}"),
            ..tshirt()
        })
        .collect();
    let options = PlanOptions {
        archive_missing: true,
        ..Default::default()
    };
    let p = plan(&input(&desired, &[], &known, None, None), &options);
    assert_eq!(p.counts().archive, 2, "20% may go");
    let fewer = &desired[..7];
    let p = plan(&input(fewer, &[], &known, None, None), &options);
    assert_eq!(p.counts().archive, 0, "30% may not");
    let guarded: Vec<_> = p
        .steps
        .iter()
        .filter(|s| s.action == Action::Skip)
        .collect();
    assert_eq!(guarded.len(), 3);
    insta::assert_snapshot!("archive_guard", guarded[0].reason.clone().unwrap());
    let forced = plan(
        &input(fewer, &[], &known, None, None),
        &PlanOptions {
            force: true,
            ..options.clone()
        },
    );
    assert_eq!(forced.counts().archive, 3);
    // A partial source never archives.
    let mut partial = input(fewer, &[], &known, None, None);
    partial.full_snapshot = false;
    assert_eq!(plan(&partial, &options).counts().archive, 0);
}

#[test]
fn unchanged_fingerprints_cost_nothing_and_unknown_references_are_a_skip() {
    let item = wallet();
    let state = BTreeMap::from([(
        item.key.clone(),
        ItemState {
            actual: ActualItem {
                id: "1".into(),
                ..Default::default()
            },
            fingerprint: Some(item.fingerprint()),
        },
    )]);
    let desired = [item.clone()];
    let p = plan(
        &input(&desired, &[], &state, None, None),
        &PlanOptions::default(),
    );
    assert_eq!(p.steps[0].action, Action::Unchanged);
    assert_eq!(p.calls, 0);
    let fresh = BTreeMap::new();
    let p = plan(
        &input(
            &desired,
            &[],
            &fresh,
            Some(&[]),
            Some(&References::default()),
        ),
        &PlanOptions::default(),
    );
    assert_eq!(p.steps[0].action, Action::Skip);
    insta::assert_snapshot!("unknown_references", p.render());
}

#[test]
fn plans_round_trip_as_versioned_json() {
    let desired = [wallet()];
    let state = BTreeMap::new();
    let options = PlanOptions {
        create_missing: CreateMissing::All,
        ..Default::default()
    };
    let p = plan(
        &input(
            &desired,
            &[],
            &state,
            Some(&[]),
            Some(&References::default()),
        ),
        &options,
    );
    let text = p.to_json();
    assert_eq!(Plan::from_json(&text).unwrap(), p);
    let newer = text.replacen("\"format\": 2", "\"format\": 3", 1);
    let e = Plan::from_json(&newer).unwrap_err().to_string();
    assert!(e.contains("format 3"), "{e}");
}

#[test]
fn a_hand_edited_plan_that_does_not_hold_together_is_refused_naming_the_step() {
    let desired = [wallet(), tshirt()];
    let state = BTreeMap::new();
    let options = PlanOptions {
        create_missing: CreateMissing::All,
        ..Default::default()
    };
    let p = plan(
        &input(
            &desired,
            &[],
            &state,
            Some(&[]),
            Some(&References::default()),
        ),
        &options,
    );
    let json: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
    let wallet_step = p.steps.iter().position(|s| s.key == "LW-001").unwrap();
    let refuse = |edited: serde_json::Value| {
        Plan::from_json(&edited.to_string())
            .unwrap_err()
            .to_string()
    };

    // The same create twice.
    let mut twice = json.clone();
    let step = twice["steps"][wallet_step].clone();
    twice["steps"].as_array_mut().unwrap().push(step);
    let e = refuse(twice);
    assert!(e.contains("LW-001 is written twice"), "{e}");
    assert!(e.contains(&format!("steps[{wallet_step}]")), "{e}");

    // A create step without its operation.
    let mut no_op = json.clone();
    no_op["steps"][wallet_step]
        .as_object_mut()
        .unwrap()
        .remove("op");
    let e = refuse(no_op);
    assert!(
        e.contains(&format!("steps[{wallet_step}] (create LW-001)")),
        "{e}"
    );
    assert!(e.contains("no `op`"), "{e}");

    // A value of the wrong type, named with its path.
    let mut wrong = json.clone();
    wrong["steps"][wallet_step]["op"]["item"]["variants"][0]["sku"] = serde_json::json!(42);
    let e = refuse(wrong);
    assert!(e.contains(&format!("step {wallet_step} (LW-001)")), "{e}");
    assert!(e.contains("variants[0].sku"), "{e}");

    // An operation that is not the step's.
    let mut other = json.clone();
    other["steps"][wallet_step]["op"]["op"] = serde_json::json!("delete");
    other["steps"][wallet_step]["op"]["before"] = serde_json::json!({"id": "1"});
    let e = refuse(other);
    assert!(e.contains("a `delete` operation in a create step"), "{e}");

    // Not JSON at all: the line and column.
    let e = Plan::from_json("{\n  \"format\": 2,\n  oops")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 3"), "{e}");
}

#[test]
fn a_plan_spanning_days_says_so() {
    let desired = [wallet()];
    let state = BTreeMap::new();
    let options = PlanOptions {
        create_missing: CreateMissing::All,
        ..Default::default()
    };
    let mut p = plan(
        &input(
            &desired,
            &[],
            &state,
            Some(&[]),
            Some(&References::default()),
        ),
        &options,
    );
    p.calls = 30_000;
    p.eta_seconds = Some(2 * 86_400 + 3_600);
    assert!(p.render().ends_with("API calls: 30000, about 2 days 1 h under the current rate budget (the daily quota makes it span days)\n"), "{}", p.render());
}

#[test]
fn the_ecom_budget_makes_30000_calls_span_days() {
    use lightspeed_sync::CatalogTarget;
    // No request is made: the estimate reads the client's rate budget (300 per 5 minutes,
    // 3000 per hour, 12000 per day).
    let client = lightspeed_ecom::Client::builder("key", "secret")
        .cluster(lightspeed_ecom::Cluster::Eu1)
        .language("nl")
        .build()
        .unwrap();
    let target = lightspeed_sync::EcomTarget::new(client);
    let eta = target.time_for(30_000).unwrap();
    assert!(eta.as_secs() >= 2 * 86_400, "{eta:?}");
    let desired = [wallet()];
    let state = BTreeMap::new();
    let options = PlanOptions {
        create_missing: CreateMissing::All,
        ..Default::default()
    };
    let mut p = plan(
        &input(
            &desired,
            &[],
            &state,
            Some(&[]),
            Some(&References::default()),
        ),
        &options,
    );
    p.calls = 30_000;
    p.eta_seconds = Some(eta.as_secs());
    assert!(
        p.render().contains("(the daily quota makes it span days)"),
        "{}",
        p.render()
    );
}

#[test]
fn a_plan_names_the_languages_it_writes_and_whether_it_writes_at_all() {
    let desired = [wallet(), tshirt()];
    let state = BTreeMap::new();
    let options = PlanOptions {
        create_missing: CreateMissing::All,
        ..PlanOptions::default()
    };
    let made = plan(&input(&desired, &[], &state, Some(&[]), None), &options);
    assert!(made.has_writes());
    // Read back from its JSON, as `apply plan.json` does.
    let read = Plan::from_json(&made.to_json()).unwrap();
    assert_eq!(read.languages(), ["en"]);
    let nothing = plan(&input(&[], &[], &state, Some(&[]), None), &options);
    assert!(!nothing.has_writes());
    assert!(nothing.languages().is_empty());
}
