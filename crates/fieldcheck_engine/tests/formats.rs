//! The exchange formats of the demo's report: OSCAL and SARIF valid against their schemas
//! (`../shared/reference/`), JUnit well-formed with the report's counts, every format
//! byte-identical across two runs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use fieldcheck_controls::Status;
use fieldcheck_engine::RunOptions;
use fieldcheck_engine::report::{self, Report};
use serde_json::Value;

mod common;

fn demo_report(dir: &Path) -> Report {
    if !dir.join("fieldcheck.toml").exists() {
        common::write_demo(dir);
    }
    fieldcheck_engine::run(&common::load(dir), &RunOptions::plain("demo-kit"))
        .expect("the demo runs")
        .report
}

/// The reference schemas, beside the repository (`../shared/reference/`) or under
/// `FIELDCHECK_REFERENCE_DIR`.
fn reference(rel: &str) -> Value {
    let base = std::env::var_os("FIELDCHECK_REFERENCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"));
    let path = base.join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the reference schema {}: {e}", path.display()));
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn assert_valid(schema: &Value, doc: &Value, what: &str) {
    let v = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the schema compiles");
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(20)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is not valid:\n{}",
        errors.join("\n")
    );
}

fn assert_invalid(schema: &Value, doc: &Value) {
    let v = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the schema compiles");
    assert!(!v.is_valid(doc), "the schema check can fail");
}

fn deviations(r: &Report) -> usize {
    r.controls
        .iter()
        .flat_map(|c| &c.tests)
        .map(|t| t.deviations.len())
        .sum()
}

#[test]
fn oscal_is_valid_deterministic_and_complete() {
    let dir = tempfile::tempdir().expect("tmp");
    let r = demo_report(dir.path());
    let text = report::oscal::render(&r, "demo-kit");
    // A second run of the same kit: the same bytes (no clock, no random ids).
    assert_eq!(
        text,
        report::oscal::render(&demo_report(dir.path()), "demo-kit")
    );
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    assert_valid(
        &reference("oscal/oscal_assessment-results_schema.json"),
        &doc,
        "the OSCAL",
    );

    // The check is real: a UUID v1, a bad time and a missing import-ap are refused.
    let schema = reference("oscal/oscal_assessment-results_schema.json");
    for (pointer, bad) in [
        (
            "/assessment-results/uuid",
            Value::from("c232ab00-9414-11ec-b3c8-9e6bdeced846"),
        ),
        (
            "/assessment-results/results/0/start",
            Value::from("2025-01-01 00:00"),
        ),
        ("/assessment-results/import-ap", Value::Null),
    ] {
        let mut broken = doc.clone();
        *broken.pointer_mut(pointer).expect("the field") = bad;
        assert_invalid(&schema, &broken);
    }

    let ar = &doc["assessment-results"];
    let results = ar["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "one result for the window");
    let result = &results[0];
    let start = result["start"].as_str().expect("start");
    assert!(
        start.starts_with(&format!("{}T00:00:00-0", r.window.start)),
        "{start}"
    );
    let findings = result["findings"].as_array().expect("findings");
    let tests: usize = r
        .controls
        .iter()
        .filter(|c| c.status != Status::NotApplicable)
        .map(|c| c.tests.len())
        .sum();
    assert_eq!(findings.len(), tests, "a finding per test");
    let observations = result["observations"].as_array().expect("observations");
    assert_eq!(
        observations.len(),
        deviations(&r),
        "an observation per deviation"
    );

    // Every UUID is version 5 and unique.
    let mut uuids = Vec::new();
    collect_uuids(&doc, &mut uuids);
    let related = uuids
        .iter()
        .filter(|(k, _)| k == "observation-uuid")
        .count();
    assert_eq!(
        related,
        observations.len(),
        "each observation is related to its finding"
    );
    let defined: Vec<&String> = uuids
        .iter()
        .filter(|(k, _)| k == "uuid")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(defined.len(), 2 + findings.len() + observations.len());
    for u in &defined {
        assert_eq!(u.as_bytes()[14], b'5', "{u} is not a v5 UUID");
    }
    let unique: BTreeSet<&&String> = defined.iter().collect();
    assert_eq!(unique.len(), defined.len(), "UUIDs are unique");

    // The criteria are the reviewed controls and the findings' targets.
    let selected: BTreeSet<&str> =
        result["reviewed-controls"]["control-selections"][0]["include-controls"]
            .as_array()
            .expect("include-controls")
            .iter()
            .map(|c| c["control-id"].as_str().expect("id"))
            .collect();
    assert!(selected.contains("CC6.2"), "{selected:?}");
    for f in findings {
        let target = f["target"]["target-id"].as_str().expect("target");
        assert!(selected.contains(target), "{target}");
    }

    // Status: satisfied only for a test that ran on evidence and found nothing.
    let mut satisfied_seen = 0;
    for (c, t) in r
        .controls
        .iter()
        .filter(|c| c.status != Status::NotApplicable)
        .flat_map(|c| c.tests.iter().map(move |t| (c, t)))
    {
        let f = findings
            .iter()
            .find(|f| {
                let props = f["props"].as_array().expect("props");
                let has =
                    |n: &str, v: &str| props.iter().any(|p| p["name"] == n && p["value"] == v);
                has("control", &c.id) && has("test", &t.id)
            })
            .expect("the test's finding");
        let satisfied = f["target"]["status"]["state"] == "satisfied";
        let expect = c.status != Status::NotEvidenced && t.status == Status::Effective;
        assert_eq!(satisfied, expect, "{}/{}", c.id, t.id);
        satisfied_seen += usize::from(satisfied);
    }
    assert!(satisfied_seen > 0 && satisfied_seen < findings.len());

    // An observation points at its evidence's file and line.
    let first = r
        .controls
        .iter()
        .flat_map(|c| &c.tests)
        .flat_map(|t| &t.deviations)
        .find(|d| d.evidence.first().is_some_and(|e| e.line > 0))
        .expect("a deviation with evidence");
    let e = &first.evidence[0];
    let href = format!("demo-kit/{}#L{}", e.file, e.line);
    assert!(text.contains(&format!("\"href\": \"{href}\"")), "{href}");
}

fn collect_uuids(v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k.ends_with("uuid")
                    && let Some(s) = x.as_str()
                {
                    out.push((k.clone(), s.to_string()));
                }
                collect_uuids(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_uuids(x, out)),
        _ => {}
    }
}

#[test]
fn sarif_is_valid_deterministic_and_complete() {
    let dir = tempfile::tempdir().expect("tmp");
    let r = demo_report(dir.path());
    let text = report::sarif::render(&r, "./demo-kit/");
    assert_eq!(
        text,
        report::sarif::render(&demo_report(dir.path()), "./demo-kit/")
    );
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    assert_valid(
        &reference("sarif/sarif-schema-2.1.0.json"),
        &doc,
        "the SARIF",
    );
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    assert_invalid(&reference("sarif/sarif-schema-2.1.0.json"), &broken);
    let run = &doc["runs"][0];
    let results = run["results"].as_array().expect("results");
    // One result per deviation and reason.
    let expected: usize = r
        .controls
        .iter()
        .filter(|c| c.status != Status::NotApplicable)
        .flat_map(|c| &c.tests)
        .flat_map(|t| &t.deviations)
        .map(|d| d.reasons.len())
        .sum();
    assert!(expected > 0);
    assert_eq!(results.len(), expected);
    assert!(results.len() <= report::sarif::MAX_RESULTS);

    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules
        .iter()
        .map(|x| x["id"].as_str().expect("id"))
        .collect();
    let unique: BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "rule ids are unique");
    let mut fingerprints = BTreeSet::new();
    for res in results {
        let id = res["ruleId"].as_str().expect("ruleId");
        assert_eq!(id.split('/').count(), 3, "control/test/reason: {id}");
        let n = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(ids[n], id);
        let rule = &rules[n];
        assert!(
            !rule["properties"]["criteria"]
                .as_array()
                .expect("criteria")
                .is_empty()
        );
        assert!(
            rule["help"]["text"]
                .as_str()
                .expect("help")
                .contains("population")
        );
        assert!(!res["message"]["text"].as_str().expect("message").is_empty());
        for l in res["locations"].as_array().expect("locations") {
            let p = &l["physicalLocation"];
            let uri = p["artifactLocation"]["uri"].as_str().expect("uri");
            assert!(
                uri.starts_with("demo-kit/"),
                "relative to the repository: {uri}"
            );
            if let Some(line) = p["region"].get("startLine") {
                assert!(line.as_u64().expect("a line") >= 1);
            }
        }
        let fp = res["partialFingerprints"]["fieldcheckDeviation/v1"]
            .as_str()
            .expect("fingerprint");
        fingerprints.insert(fp.to_string());
    }
    assert_eq!(fingerprints.len(), results.len(), "fingerprints are unique");
    assert!(
        rules.iter().any(|x| x["properties"]["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .any(|t| t == "CC6.2")),
        "a rule is tagged with its criterion"
    );
}

#[test]
fn sarif_location_without_a_line_has_no_region() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut r = demo_report(dir.path());
    let d = r
        .controls
        .iter_mut()
        .flat_map(|c| &mut c.tests)
        .flat_map(|t| &mut t.deviations)
        .next()
        .expect("a deviation");
    d.evidence.truncate(1);
    d.evidence[0].line = 0;
    d.evidence[0].file = "a b.csv".to_string();
    let doc: Value = serde_json::from_str(&report::sarif::render(&r, "kit")).expect("JSON");
    assert_valid(
        &reference("sarif/sarif-schema-2.1.0.json"),
        &doc,
        "the SARIF",
    );
    let p = &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(p["artifactLocation"]["uri"], "kit/a%20b.csv");
    assert!(p.get("region").is_none(), "{p}");
}

#[test]
fn junit_counts_match_and_text_is_escaped() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut r = demo_report(dir.path());
    assert_eq!(
        report::junit::render(&r),
        report::junit::render(&demo_report(dir.path()))
    );
    // Evidence can hold anything: markup, ampersands, control characters.
    let d = r
        .controls
        .iter_mut()
        .flat_map(|c| &mut c.tests)
        .flat_map(|t| &mut t.deviations)
        .next()
        .expect("a deviation");
    d.detail = "<script>alert(1)</script> & \u{1b}[31m\u{0}\"quoted\"".to_string();
    d.item = "item <&>".to_string();
    d.evidence.truncate(1);
    d.evidence[0].file = "x<y>&z.csv".to_string();
    let xml = report::junit::render(&r);
    assert!(!xml.contains("<script>"));
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), r.controls.len(), "a suite per control");
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    let tests: usize = r.controls.iter().map(|c| c.tests.len()).sum();
    assert_eq!(cases, tests, "a case per test");
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    let listed: usize = r
        .controls
        .iter()
        .filter(|c| c.status != Status::NotApplicable)
        .flat_map(|c| &c.tests)
        .map(|t| t.deviations.len())
        .sum();
    assert_eq!(failures.len(), listed, "a failure per deviation");
    let text = failures[0].text().expect("text");
    assert!(
        text.starts_with(
            "item <&>: <script>alert(1)</script> & [31m\"quoted\"\nevidence: x<y>&z.csv"
        ),
        "the hostile detail round-trips, control characters dropped: {text:?}"
    );
    // The attributes' counts add up to the elements.
    let attr = |n: roxmltree::Node, a: &str| -> usize {
        n.attribute(a).expect("count").parse().expect("a number")
    };
    let names = ["tests", "failures", "errors", "skipped"];
    let mut sum = [0usize; 4];
    for s in &suites {
        let cases: Vec<_> = s
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let has = |c: &roxmltree::Node, tag: &str| c.children().any(|n| n.has_tag_name(tag));
        assert_eq!(attr(*s, "tests"), cases.len());
        assert_eq!(
            attr(*s, "errors"),
            cases.iter().filter(|c| has(c, "error")).count()
        );
        assert_eq!(
            attr(*s, "skipped"),
            cases.iter().filter(|c| has(c, "skipped")).count()
        );
        assert_eq!(
            attr(*s, "failures"),
            cases
                .iter()
                .filter(|c| has(c, "failure") && !has(c, "error"))
                .count()
        );
        for (i, a) in names.iter().enumerate() {
            sum[i] += attr(*s, a);
        }
    }
    for (i, a) in names.iter().enumerate() {
        assert_eq!(attr(root, a), sum[i], "{a}");
    }
    assert!(sum[1] > 0, "the demo fails some tests");
}

#[test]
fn oscal_from_the_locker_points_at_blobs_and_is_dated_as_of() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut r = demo_report(dir.path());
    let files: BTreeSet<String> = r
        .controls
        .iter()
        .flat_map(|c| &c.tests)
        .flat_map(|t| &t.deviations)
        .flat_map(|d| &d.evidence)
        .map(|e| e.file.clone())
        .collect();
    let by_name = files
        .iter()
        .enumerate()
        .map(|(n, f)| (f.clone(), (format!("sha256:{n:064x}"), n as u64 + 1)))
        .collect();
    r.attach_locker(
        report::LockerOut {
            path: "locker".to_string(),
            head: "sha256:00ff".to_string(),
            as_of: Some("2025-12-31T16:00:00Z".to_string()),
            collections: 4,
            files: files.len(),
            key_verified: false,
            pinned_by: None,
            signed_by: None,
            signed_seals: 0,
        },
        &by_name,
    );
    let text = report::oscal::render(&r, "kit");
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    assert_valid(
        &reference("oscal/oscal_assessment-results_schema.json"),
        &doc,
        "the OSCAL of a replay",
    );
    let ar = &doc["assessment-results"];
    // 16:00 UTC is 11:00 in New York (EST): the as-of time, in the org's zone.
    assert_eq!(ar["metadata"]["last-modified"], "2025-12-31T11:00:00-05:00");
    let o = &ar["results"][0]["observations"][0];
    assert_eq!(o["collected"], "2025-12-31T11:00:00-05:00");
    let props = o["relevant-evidence"][0]["props"]
        .as_array()
        .expect("props");
    assert!(
        props.iter().any(|p| p["name"] == "locker-digest"
            && p["value"]
                .as_str()
                .is_some_and(|v| v.starts_with("sha256:"))),
        "{props:?}"
    );
}

#[test]
fn sarif_keeps_to_githubs_result_limit() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut r = demo_report(dir.path());
    let t = r
        .controls
        .iter_mut()
        .flat_map(|c| &mut c.tests)
        .find(|t| !t.deviations.is_empty())
        .expect("a test with deviations");
    let one = serde_json::to_value(&t.deviations[0]).expect("serializes");
    let reasons = t.deviations[0].reasons.clone();
    let evidence_file = one["evidence"][0]["file"]
        .as_str()
        .unwrap_or("x.csv")
        .to_string();
    for n in 0..report::sarif::MAX_RESULTS {
        t.deviations.push(report::DeviationOut {
            item: format!("copy-{n}"),
            reasons: reasons.clone(),
            detail: "a copy".to_string(),
            evidence: vec![report::EvidenceRef {
                file: evidence_file.clone(),
                line: 1,
                path: None,
                source: None,
                digest: None,
                manifest_line: None,
            }],
        });
    }
    let doc: Value = serde_json::from_str(&report::sarif::render(&r, "kit")).expect("JSON");
    let run = &doc["runs"][0];
    assert_eq!(
        run["results"].as_array().expect("results").len(),
        report::sarif::MAX_RESULTS
    );
    let total = run["properties"]["results"].as_u64().expect("total") as usize;
    assert!(total > report::sarif::MAX_RESULTS);
    let note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .expect("a notification");
    assert!(note.contains(&total.to_string()), "{note}");
}
