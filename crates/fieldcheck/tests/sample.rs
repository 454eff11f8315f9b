//! `fieldcheck sample` end to end: the sampling unit, the cadence-driven frequency, the derived
//! seed nobody can re-roll, the re-derivation from the PBC files alone (by the binary and by the
//! documented Python script), what the sample would show, and `--table aicpa`.

mod common;

use std::path::Path;
use std::process::Command;

use common::{assert_exit, assert_stderr, fieldcheck, s, text};
use serde_json::Value;

fn demo(dir: &Path) -> std::path::PathBuf {
    let kit = dir.join("demo");
    let o = fieldcheck(&["demo", "--out", s(&kit)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    kit
}

/// `sample KIT ARGS --out DIR`, which must succeed; returns stdout and the plan.
fn sample(kit: &Path, out: &Path, args: &[&str]) -> (String, Value) {
    let mut a = vec!["sample", s(kit), "--out", s(out)];
    a.extend_from_slice(args);
    let o = fieldcheck(&a);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let plan = std::fs::read_to_string(out.join("sample-plan.json")).expect("plan");
    (
        text(&o.stdout),
        serde_json::from_str(&plan).expect("plan json"),
    )
}

fn test<'a>(plan: &'a Value, control: &str, test: &str) -> &'a Value {
    plan["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .find(|t| t["control"] == control && t["test"] == test)
        .expect("the test is in the plan")
}

fn python_rederive(dir: &Path) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/rederive-sample.py");
    Command::new("python3")
        .arg(&script)
        .arg(dir)
        .output()
        .expect("python3 runs (the re-derivation script needs only its standard library)")
}

fn append_config(kit: &Path, extra: &str) {
    let path = kit.join("fieldcheck.toml");
    let mut text = std::fs::read_to_string(&path).expect("config");
    text.push_str(extra);
    std::fs::write(path, text).expect("config");
}

#[test]
fn the_demo_sample_rederives_from_the_pbc_files_alone() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let out = dir.path().join("pbc");
    let (_, plan) = sample(&kit, &out, &["--engagement", "NP-2026-T2"]);
    assert_eq!(plan["format"], "fieldcheck-sample-plan/1");
    assert_eq!(plan["engagement"], "NP-2026-T2");
    assert_eq!(plan["confidence"], 0.95);
    // The kit is not needed: move it away.
    std::fs::rename(&kit, dir.path().join("gone")).expect("move the kit");
    let o = fieldcheck(&["sample", "--rederive", s(&out)]);
    assert_exit(&o, 0);
    let report = text(&o.stdout);
    let tests = plan["tests"].as_array().expect("tests").len();
    assert!(
        report.contains(&format!("{tests} of {tests} tests re-derived")),
        "{report}"
    );
    let py = python_rederive(&out);
    assert_exit(&py, 0);
    assert!(
        text(&py.stdout).contains(&format!("{tests} of {tests} tests re-derived")),
        "{}",
        text(&py.stdout)
    );
    // Every requested item is in the plan's selection, with the unit the plan names.
    let csv = std::fs::read_to_string(out.join("pbc-request-list.csv")).expect("csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().expect("header").clone();
    assert_eq!(&header[4], "unit");
    let mut requested = 0;
    for row in reader.records() {
        let row = row.expect("row");
        let t = test(&plan, &row[1], &row[3]);
        assert_eq!(t["unit"], &row[4]);
        assert!(
            t["selected"]
                .as_array()
                .expect("selected")
                .iter()
                .any(|k| k == &row[6]),
            "{}",
            &row[6]
        );
        requested += 1;
    }
    let planned: u64 = plan["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .map(|t| t["sample_size"].as_u64().expect("size"))
        .sum();
    assert_eq!(requested, planned);

    // A changed population (one deploy dropped from the listing) is caught by both.
    let listing = out.join("populations/change-management--deploy-traceability.tsv");
    let text_before = std::fs::read_to_string(&listing).expect("listing");
    let dropped: String = text_before
        .lines()
        .skip(1)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&listing, dropped).expect("tamper");
    let o = fieldcheck(&["sample", "--rederive", s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout)
            .contains("MISMATCH  change-management/deploy-traceability: the listing's SHA-256"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(python_rederive(&out).status.code(), Some(1));
    // A re-rolled selection (another item put in the plan) is caught too.
    std::fs::write(&listing, &text_before).expect("restore");
    let plan_path = out.join("sample-plan.json");
    let mut p: Value =
        serde_json::from_str(&std::fs::read_to_string(&plan_path).expect("plan")).expect("json");
    let deploys = p["tests"]
        .as_array_mut()
        .expect("tests")
        .iter_mut()
        .find(|t| t["test"] == "deploy-traceability")
        .expect("deploys");
    let other = text_before
        .lines()
        .last()
        .expect("a line")
        .split('\t')
        .next()
        .expect("key");
    deploys["selected"][0] = Value::from(other);
    std::fs::write(&plan_path, serde_json::to_string(&p).expect("json")).expect("write");
    let o = fieldcheck(&["sample", "--rederive", s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout).contains("the selected items differ"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(python_rederive(&out).status.code(), Some(1));
}

#[test]
fn nobody_can_re_roll_the_sample() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let (a, b, c, d) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
        dir.path().join("d"),
    );
    let (summary, plan_a) = sample(&kit, &a, &["--engagement", "E-1"]);
    assert!(summary.contains("engagement E-1"), "{summary}");
    let (_, plan_b) = sample(&kit, &b, &["--engagement", "E-1"]);
    let csv = |p: &Path| std::fs::read_to_string(p.join("pbc-request-list.csv")).expect("csv");
    assert_eq!(csv(&a), csv(&b), "same inputs, same sample");
    assert_eq!(plan_a, plan_b);
    // The seed is SHA-256(engagement|control|test|population hash), and the hash is the listing's.
    let t = test(&plan_a, "change-management", "deploy-traceability");
    let listing = std::fs::read(a.join(t["listing"].as_str().expect("file"))).expect("listing");
    assert_eq!(
        t["population_sha256"],
        fieldcheck_sampling::sha256_hex(&listing)
    );
    assert_eq!(
        t["seed"],
        fieldcheck_sampling::seed(
            "E-1",
            "change-management",
            "deploy-traceability",
            t["population_sha256"].as_str().expect("hash")
        )
    );
    // `--seed` is only a deprecated alias of the engagement: same sample, and a warning.
    let o = fieldcheck(&["sample", s(&kit), "--seed", "E-1", "--out", s(&c)]);
    assert_stderr(&o, 0, "`--seed` is deprecated");
    assert_eq!(csv(&c), csv(&a));
    // Another engagement, another sample; the default engagement is the org and the window.
    let (summary, plan_d) = sample(&kit, &d, &[]);
    assert!(
        summary.contains("engagement Northpeak Software 2026-"),
        "{summary}"
    );
    assert_ne!(
        test(&plan_d, "change-management", "deploy-traceability")["selected"],
        t["selected"]
    );
    assert_eq!(
        test(&plan_d, "change-management", "deploy-traceability")["population_sha256"],
        t["population_sha256"],
        "the population is the same"
    );
}

#[test]
fn periodic_tests_per_system_are_sampled_by_period_by_default() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let (summary, plan) = sample(&kit, &dir.path().join("p"), &[]);
    // Ten systems over two quarters: both quarters are chosen and every system in them tested.
    let reviews = test(&plan, "access-reviews", "quarterly-reviews");
    assert_eq!(reviews["unit"], "period");
    assert_eq!(reviews["census"], true);
    assert_eq!(reviews["sample_size"], reviews["population"]);
    assert_eq!(reviews["detection_probability"], 1.0);
    assert_eq!(reviews["supports_reliance"], false);
    let line = summary
        .lines()
        .find(|l| l.contains("access-reviews/quarterly-reviews"))
        .expect("line");
    assert!(line.contains("census: 20 of 20 tested"), "{line}");
    // Restore tests: tier-1 systems by month, tier-2 by quarter, two periods of each.
    let restores = test(&plan, "backup-restore", "restore-tests");
    let strata: Vec<(&str, u64)> = restores["strata"]
        .as_array()
        .expect("strata")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().expect("name"),
                s["size"].as_u64().expect("size"),
            )
        })
        .collect();
    assert_eq!(strata, [("quarterly", 2), ("monthly", 2)]);
    // Events have no unit of their own: the item unit.
    assert_eq!(
        test(&plan, "change-management", "deploy-traceability")["unit"],
        "item"
    );

    // The old pooled reading, and one population per system, from the config.
    append_config(&kit, "\n[sampling]\nunit = \"item\"\n");
    let (_, pooled) = sample(&kit, &dir.path().join("i"), &[]);
    let r = test(&pooled, "access-reviews", "quarterly-reviews");
    assert_eq!(
        (r["unit"].as_str(), r["sample_size"].as_u64()),
        (Some("item"), Some(2))
    );
    assert!(r["detection_probability"].as_f64().expect("p") < 0.5);
    let config = std::fs::read_to_string(kit.join("fieldcheck.toml")).expect("config");
    std::fs::write(
        kit.join("fieldcheck.toml"),
        config.replace("unit = \"item\"", "unit = \"system\""),
    )
    .expect("config");
    let (_, per_system) = sample(&kit, &dir.path().join("s"), &[]);
    let r = test(&per_system, "access-reviews", "quarterly-reviews");
    assert_eq!(r["unit"], "system");
    assert_eq!(r["strata"].as_array().expect("strata").len(), 10);
    // A unit that does not exist is a config diagnostic.
    std::fs::write(
        kit.join("fieldcheck.toml"),
        config.replace("unit = \"item\"", "unit = \"quarter\""),
    )
    .expect("config");
    let o = fieldcheck(&["sample", s(&kit)]);
    assert_stderr(&o, 2, "config-invalid-value");
    assert!(
        text(&o.stderr).contains("sampling.unit"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn the_frequency_follows_the_cadence_and_the_confidence_the_config() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    append_config(
        &kit,
        "\n[controls.security-training]\nphishing_cadence = \"monthly\"\n[sampling]\nconfidence = 0.90\n",
    );
    let (summary, plan) = sample(&kit, &dir.path().join("p"), &[]);
    assert_eq!(
        test(&plan, "security-training", "phishing-simulations")["frequency"],
        "monthly"
    );
    assert_eq!(plan["confidence"], 0.90);
    assert!(summary.contains("at 90 % confidence"), "{summary}");
    // At 90 % the extension after a first deviation is 38 (AICPA Table A-2); at 95 %, 46.
    let deploys = test(&plan, "change-management", "deploy-traceability");
    assert_eq!(deploys["extension"].as_array().expect("ext").len(), 38 - 29);
    let (_, at95) = sample(&kit, &dir.path().join("q"), &["--confidence", "95"]);
    let deploys = test(&at95, "change-management", "deploy-traceability");
    assert_eq!(deploys["extension"].as_array().expect("ext").len(), 46 - 29);
}

#[test]
fn what_the_sample_would_show_and_the_prior_period() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let (summary, plan) = sample(&kit, &dir.path().join("p"), &[]);
    let audit = common::audit_json(&[s(&kit)]);
    for c in audit["controls"].as_array().expect("controls") {
        for t in c["tests"].as_array().expect("tests") {
            let p = test(
                &plan,
                c["id"].as_str().expect("id"),
                t["id"].as_str().expect("id"),
            );
            let deviating: Vec<&str> = t["deviations"]
                .as_array()
                .expect("devs")
                .iter()
                .map(|d| d["item"].as_str().expect("item"))
                .collect();
            // The deviations in the sample are the census's deviations among the selected items.
            let in_sample = p["selected"]
                .as_array()
                .expect("selected")
                .iter()
                .filter(|k| deviating.contains(&k.as_str().expect("key")))
                .count();
            assert_eq!(p["deviations_in_sample"], in_sample, "{}", p["test"]);
            assert_eq!(p["population"], t["population"]);
        }
    }
    // 282 of 1,214 deploys deviate: a sample of 29 finds some and its limit is far above 10 %.
    let deploys = test(&plan, "change-management", "deploy-traceability");
    assert_eq!(deploys["sample_size"], 29);
    assert!(deploys["deviations_in_sample"].as_u64().expect("n") > 0);
    assert!(deploys["upper_deviation_limit"].as_f64().expect("udl") > 10.0);
    assert_eq!(deploys["supports_reliance"], false);
    // Sessions have no deviation: 29 of 3,540 with none gives a limit under 10 %.
    let sessions = test(&plan, "privileged-sessions", "session-logging");
    assert_eq!(sessions["deviations_in_sample"], 0);
    assert!(sessions["upper_deviation_limit"].as_f64().expect("udl") < 10.0);
    assert_eq!(sessions["supports_reliance"], true);
    let line = summary
        .lines()
        .find(|l| l.contains("privileged-sessions/session-logging"))
        .expect("line");
    assert!(
        line.contains("29 of 3,540 sampled") && line.contains("supports"),
        "{line}"
    );
    // A control with deviations in the prior period takes the next larger size: 29 → 46.
    let (summary, prior) = sample(
        &kit,
        &dir.path().join("q"),
        &["--prior-deviations", "change-management"],
    );
    let deploys = test(&prior, "change-management", "deploy-traceability");
    assert_eq!(
        (
            deploys["sample_size"].as_u64(),
            deploys["prior_period"].as_bool()
        ),
        (Some(46), Some(true))
    );
    assert!(
        summary.contains("next larger size: deviations in the prior period"),
        "{summary}"
    );
    // The first sample is not lost for it: the larger one is drawn from the same seed.
    assert_eq!(
        deploys["seed"],
        test(&plan, "change-management", "deploy-traceability")["seed"]
    );
}

#[test]
fn the_aicpa_table_is_printed() {
    let o = fieldcheck(&[
        "sample",
        "--table",
        "aicpa",
        "--confidence",
        "95",
        "--tolerable",
        "5",
        "--expected",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout)
            .contains("tolerable rate 5 %, expected rate 1 %: sample 93, expecting 1 deviation"),
        "{}",
        text(&o.stdout)
    );
    let whole = fieldcheck(&["sample", "--table", "aicpa", "--confidence", "90"]);
    let t = text(&whole.stdout);
    assert!(t.contains("Table A-2"), "{t}");
    assert!(
        t.contains("45 (0)") && t.contains("22 (0)") && t.contains("38 (1)"),
        "{t}"
    );
    let bad = fieldcheck(&["sample", "--table", "aicpa", "--confidence", "0.95"]);
    assert_stderr(&bad, 2, "--confidence 95");
}

/// Once every control fills `TestResult.facts` (the lead's `facts` branch), event populations are
/// listed in time order and the sample spans the window: one pick in each contiguous run.
#[test]

fn the_selection_spans_the_window_once_items_have_times() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let out = dir.path().join("p");
    let (_, plan) = sample(&kit, &out, &[]);
    let deploys = test(&plan, "change-management", "deploy-traceability");
    let listing = std::fs::read_to_string(out.join(deploys["listing"].as_str().expect("f")))
        .expect("listing");
    let lines: Vec<Vec<&str>> = listing.lines().map(|l| l.split('\t').collect()).collect();
    assert!(
        lines.iter().all(|f| !f[1].is_empty()),
        "every deploy has a time"
    );
    assert!(
        lines
            .windows(2)
            .all(|w| (w[0][1], w[0][0]) <= (w[1][1], w[1][0]))
    );
    let keys: Vec<&str> = lines.iter().map(|f| f[0]).collect();
    let n = 29;
    for (r, k) in deploys["selected"]
        .as_array()
        .expect("sel")
        .iter()
        .enumerate()
    {
        let pos = keys.iter().position(|x| k == x).expect("listed");
        assert!(
            pos >= r * keys.len() / n && pos < (r + 1) * keys.len() / n,
            "run {r}"
        );
    }
    // The access reviews are listed with their period and system.
    let reviews = test(&plan, "access-reviews", "quarterly-reviews");
    let listing = std::fs::read_to_string(out.join(reviews["listing"].as_str().expect("f")))
        .expect("listing");
    assert!(
        listing
            .lines()
            .all(|l| l.split('\t').filter(|f| !f.is_empty()).count() == 4)
    );
}

#[test]
fn the_registers_prior_window_sizes_the_next_sample() {
    // Record the demo's second quarter in the kit's own register, then sample the third: the
    // tests that deviated in the recorded window before it take the next larger size.
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let config = kit.join("fieldcheck.toml");
    let toml = std::fs::read_to_string(&config).expect("config");
    let window = |start: &str, end: &str| {
        toml.replace("start = \"2026-04-01\"", &format!("start = \"{start}\""))
            .replace("end = \"2026-09-30\"", &format!("end = \"{end}\""))
    };
    std::fs::write(&config, window("2026-04-01", "2026-06-30")).expect("write");
    let o = fieldcheck(&["audit", s(&kit), "--record", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    std::fs::write(&config, window("2026-07-01", "2026-09-30")).expect("write");
    let (summary, plan) = sample(&kit, &dir.path().join("pbc"), &[]);
    let deploys = test(&plan, "change-management", "deploy-traceability");
    assert_eq!(
        (
            deploys["sample_size"].as_u64(),
            deploys["prior_period"].as_bool()
        ),
        (Some(46), Some(true)),
        "{summary}"
    );
    // A control with no deviation in the prior window keeps its size.
    let sessions = test(&plan, "privileged-sessions", "session-logging");
    assert_eq!(sessions["prior_period"].as_bool(), Some(false), "{summary}");
    // Boundary: without a recorded prior window, nothing is enlarged.
    std::fs::remove_dir_all(kit.join(".fieldcheck")).expect("rm register");
    let (_, plan) = sample(&kit, &dir.path().join("pbc2"), &[]);
    let deploys = test(&plan, "change-management", "deploy-traceability");
    assert_eq!(deploys["prior_period"].as_bool(), Some(false));
}
