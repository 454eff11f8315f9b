//! The demo company through the real reader and engine: its kit is clean input, and it tells
//! its story (three effective controls, seven with the seed's classic gaps) for several seeds.

use std::collections::{BTreeMap, BTreeSet};

use fieldcheck_controls::{Params, Status, audit};
use fieldcheck_kit::{Kind, ReadOptions, header_line, parse_config, read_kit};

fn story(
    seed: u64,
    people: usize,
) -> BTreeMap<String, (Status, usize, usize, BTreeSet<&'static str>)> {
    let dir = tempfile::tempdir().expect("tmp");
    fieldcheck_demo::write_kit(dir.path(), &fieldcheck_demo::DemoOptions { seed, people })
        .expect("demo kit");
    let text = std::fs::read_to_string(dir.path().join("fieldcheck.toml")).expect("config");
    let (config, d) = parse_config("fieldcheck.toml", &text);
    assert!(d.is_empty(), "{d:?}");
    let config = config.expect("valid config");
    for kind in Kind::ALL {
        let text = std::fs::read_to_string(dir.path().join(kind.csv_name()))
            .expect("every kind is written");
        // The canonical kit states the judged fields, not the sources' facts (issue 12's
        // optional fields, which only adapters fill): every other field, in the spec's order.
        const FACTS: &[&str] = &[
            "check_conclusions",
            "environment_name",
            "ciphers",
            "recipient_events",
        ];
        let header = header_line(kind.schema());
        let spec: Vec<&str> = header.split(',').filter(|f| !FACTS.contains(f)).collect();
        assert_eq!(
            text.lines().next(),
            Some(spec.join(",").as_str()),
            "{} header, in the spec's order",
            kind.csv_name()
        );
    }
    let (kit, diags) = read_kit(dir.path(), &ReadOptions::default()).expect("kit");
    assert!(diags.is_empty(), "the demo kit is clean input: {diags:#?}");
    let a = audit(&kit, &config.window, &Params::defaults(), &[]);
    a.controls
        .iter()
        .map(|c| {
            let reasons: BTreeSet<&'static str> = c
                .tests
                .iter()
                .flat_map(|t| t.deviations.iter().flat_map(|d| d.reasons.iter().copied()))
                .collect();
            (
                c.meta.id.clone(),
                (c.status, c.population(), c.deviation_count(), reasons),
            )
        })
        .collect()
}

fn assert_story(seed: u64) {
    let s = story(seed, 600);
    for clean in ["privileged-sessions", "encryption", "security-training"] {
        let (status, population, deviations, _) = &s[clean];
        assert!(*population > 0, "seed {seed}: {clean} has a population");
        assert_eq!(
            (*status, *deviations),
            (Status::Effective, 0),
            "seed {seed}: {clean} is effective: {:?}",
            s[clean].3
        );
    }
    let expected: &[(&str, &[&str])] = &[
        (
            "access-reviews",
            &[
                "missing_review",
                "late_review",
                "incomplete_coverage",
                "self_review",
                "revocation_not_applied",
            ],
        ),
        (
            "service-accounts",
            &[
                "no_owner",
                "owner_unknown",
                "owner_departed",
                "mfa_not_enforced",
                "stale_credential",
            ],
        ),
        (
            "change-management",
            &[
                "no_ticket",
                "retroactive_ticket",
                "not_approved",
                "self_approved",
                "no_peer_review",
                "no_test_evidence",
                "tests_failed",
                "emergency_review_late",
            ],
        ),
        (
            "vendor-management",
            &[
                "no_tier",
                "stale_record",
                "missing_assurance",
                "expired_assurance",
                "assurance_not_reviewed",
                "no_subprocessor_clause",
            ],
        ),
        (
            "backup-restore",
            &[
                "no_restore_test",
                "not_isolated",
                "rto_exceeded",
                "no_successful_backup",
            ],
        ),
        (
            "leaver-deprovisioning",
            &[
                "late_deprovision",
                "not_deprovisioned",
                "activity_after_termination",
                "sessions_not_revoked",
            ],
        ),
        (
            "risk-register",
            &[
                "stale_review",
                "above_appetite_untreated",
                "register_not_refreshed",
                "vendor_risk_unlinked",
            ],
        ),
    ];
    for (control, reasons) in expected {
        let (status, population, deviations, seen) = &s[*control];
        assert_eq!(*status, Status::Exceptions, "seed {seed}: {control}");
        for r in *reasons {
            assert!(
                seen.contains(r),
                "seed {seed}: {control} shows {r}: {seen:?}"
            );
        }
        // Realistic rates: some items fail, most do not (the risk register skipped a quarter).
        if *control != "risk-register" {
            assert!(
                *deviations * 2 < *population,
                "seed {seed}: {control}: {deviations} of {population}"
            );
        }
    }
}

#[test]
fn the_default_demo_tells_its_story() {
    assert_story(7);
}

#[test]
fn other_seeds_tell_the_same_story() {
    for seed in [1, 2, 99] {
        assert_story(seed);
    }
}

/// The default demo's conclusions, each explained by its markers (issue 11's bar): what an
/// experienced auditor would conclude on Northpeak, as the README says.
#[test]
fn the_default_demo_concludes_as_an_auditor_would() {
    use fieldcheck_controls::Conclusion::{Effective, Ineffective};
    let dir = tempfile::tempdir().expect("tmp");
    fieldcheck_demo::write_kit(
        dir.path(),
        &fieldcheck_demo::DemoOptions {
            seed: 7,
            people: 600,
        },
    )
    .expect("demo kit");
    let text = std::fs::read_to_string(dir.path().join("fieldcheck.toml")).expect("config");
    let config = parse_config("fieldcheck.toml", &text).0.expect("config");
    let (kit, _) = read_kit(dir.path(), &ReadOptions::default()).expect("kit");
    let a = audit(&kit, &config.window, &Params::defaults(), &[]);
    let got: BTreeMap<&str, (Option<fieldcheck_controls::Conclusion>, BTreeSet<&str>)> = a
        .controls
        .iter()
        .map(|c| {
            let markers = c
                .judgement
                .markers
                .iter()
                .map(|m| m.kind.as_str())
                .collect();
            (c.meta.id.as_str(), (c.judgement.conclusion, markers))
        })
        .collect();
    let expected: &[(&str, _, &[&str])] = &[
        ("change-management", Ineffective, &["rate"]),
        ("leaver-deprovisioning", Ineffective, &["rate"]),
        ("access-reviews", Ineffective, &["missed_period"]),
        ("vendor-management", Ineffective, &["rate"]),
        ("backup-restore", Ineffective, &["missed_period"]),
        ("risk-register", Ineffective, &["missed_period"]),
        ("service-accounts", Ineffective, &["rate"]),
        ("privileged-sessions", Effective, &[]),
        ("encryption", Effective, &[]),
        ("security-training", Effective, &[]),
    ];
    for (control, conclusion, markers) in expected {
        let (c, m) = &got[control];
        assert_eq!(*c, Some(*conclusion), "{control}: {m:?}");
        for k in *markers {
            assert!(m.contains(k), "{control} is explained by {k}: {m:?}");
        }
        if *conclusion == Effective {
            assert!(m.is_empty(), "{control}: {m:?}");
        }
    }
    // The sentence names the numbers: the README quotes it.
    let cm = a
        .controls
        .iter()
        .find(|c| c.meta.id == "change-management")
        .expect("change-management");
    assert_eq!(
        cm.judgement.sentence.split(';').next(),
        Some(
            "ineffective: 282 of 1,214 deploys (23.2 %) deviate, above 5 %, in every month of the window"
        )
    );
}
