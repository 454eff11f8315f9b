//! `audit --format oscal|sarif|junit` end to end, read back by the ecosystem's own tools in
//! Python: compliance-trestle loads the OSCAL (the NIST-ecosystem tool GRC platforms use) and
//! junitparser the JUnit XML. `scripts/test.sh` makes their virtual environment and sets
//! `FIELDCHECK_TEST_TRESTLE_VENV`; without it the Python checks are skipped outside CI and fail
//! under CI. The schemas themselves are checked in `fieldcheck_engine`'s `tests/formats.rs`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{assert_exit, fieldcheck, s, text};

/// The virtual environment with compliance-trestle and junitparser, or `None` (skipped).
fn venv() -> Option<PathBuf> {
    let Some(v) = std::env::var_os("FIELDCHECK_TEST_TRESTLE_VENV") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but FIELDCHECK_TEST_TRESTLE_VENV is not: run the tests with scripts/test.sh"
        );
        eprintln!(
            "FIELDCHECK_TEST_TRESTLE_VENV is not set: run scripts/test.sh to load the OSCAL with compliance-trestle"
        );
        return None;
    };
    let v = PathBuf::from(v);
    assert!(
        v.join("bin/python").is_file(),
        "no python in FIELDCHECK_TEST_TRESTLE_VENV `{}`",
        v.display()
    );
    Some(v)
}

/// The demo kit in `dir/demo-kit`, audited in `format` from `dir` (so the kit is given as the
/// relative `demo-kit`, as in a repository); the output must be the same twice.
fn audit(dir: &Path, format: &str) -> String {
    let kit = dir.join("demo-kit");
    if !kit.exists() {
        assert_exit(&fieldcheck(&["demo", "--out", s(&kit)]), 0);
    }
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_fieldcheck"))
            .args(["audit", "demo-kit", "--format", format])
            .current_dir(dir)
            .env_remove("FIELDCHECK_NOW")
            .output()
            .expect("runs")
    };
    let o = run();
    // The demo has exceptions: exit 1, as for every format.
    assert_exit(&o, 1);
    assert_eq!(o.stdout, run().stdout, "{format}: the same bytes twice");
    text(&o.stdout)
}

fn python(venv: &Path, script: &str, file: &Path) -> String {
    let o = Command::new(venv.join("bin/python"))
        .args(["-c", script, s(file)])
        .output()
        .expect("python runs");
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    text(&o.stdout)
}

#[test]
fn oscal_loads_in_compliance_trestle() {
    let dir = tempfile::tempdir().expect("tmp");
    let oscal = audit(dir.path(), "oscal");
    let v: serde_json::Value = serde_json::from_str(&oscal).expect("JSON");
    let result = &v["assessment-results"]["results"][0];
    let findings = result["findings"].as_array().expect("findings").len();
    let observations = result["observations"]
        .as_array()
        .expect("observations")
        .len();
    assert_eq!(
        v["assessment-results"]["import-ap"]["href"],
        "demo-kit/fieldcheck.toml"
    );
    let Some(venv) = venv() else { return };
    let path = dir.path().join("assessment-results.json");
    std::fs::write(&path, &oscal).expect("write");
    let out = python(
        &venv,
        "import pathlib, sys\n\
         from trestle.oscal.assessment_results import AssessmentResults\n\
         ar = AssessmentResults.oscal_read(pathlib.Path(sys.argv[1]))\n\
         r = ar.results[0]\n\
         states = sorted({f.target.status.state.value if hasattr(f.target.status.state, 'value') else str(f.target.status.state) for f in r.findings})\n\
         print(len(r.findings), len(r.observations), ','.join(states))\n",
        &path,
    );
    assert_eq!(
        out.trim(),
        format!("{findings} {observations} not-satisfied,satisfied"),
        "trestle reads every finding and observation"
    );
    // The check is real: trestle refuses a state OSCAL does not know.
    let broken = oscal.replacen("\"state\": \"satisfied\"", "\"state\": \"pass\"", 1);
    assert_ne!(broken, oscal);
    std::fs::write(&path, broken).expect("write");
    let o = Command::new(venv.join("bin/python"))
        .args([
            "-c",
            "import pathlib, sys\nfrom trestle.oscal.assessment_results import AssessmentResults\nAssessmentResults.oscal_read(pathlib.Path(sys.argv[1]))",
            s(&path),
        ])
        .output()
        .expect("python runs");
    assert!(!o.status.success(), "trestle loaded a broken document");
}

#[test]
fn junit_parses_with_junitparser() {
    let dir = tempfile::tempdir().expect("tmp");
    let xml = audit(dir.path(), "junit");
    let json = {
        let o = Command::new(env!("CARGO_BIN_EXE_fieldcheck"))
            .args(["audit", "demo-kit", "--format", "json"])
            .current_dir(dir.path())
            .output()
            .expect("runs");
        serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("JSON")
    };
    let controls = json["controls"].as_array().expect("controls");
    let tests: usize = controls
        .iter()
        .map(|c| c["tests"].as_array().expect("tests").len())
        .sum();
    let deviations: usize = controls
        .iter()
        .flat_map(|c| c["tests"].as_array().expect("tests"))
        .map(|t| t["deviations"].as_array().expect("deviations").len())
        .sum();
    let Some(venv) = venv() else { return };
    let path = dir.path().join("fieldcheck.xml");
    std::fs::write(&path, &xml).expect("write");
    let out = python(
        &venv,
        "import sys\n\
         from junitparser import JUnitXml, Failure\n\
         x = JUnitXml.fromfile(sys.argv[1])\n\
         suites = list(x)\n\
         cases = [c for s in suites for c in s]\n\
         failures = sum(1 for c in cases for r in c.result if isinstance(r, Failure))\n\
         print(len(suites), len(cases), failures, x.tests)\n",
        &path,
    );
    assert_eq!(
        out.trim(),
        format!("{} {tests} {deviations} {tests}", controls.len()),
        "a suite per control, a case per test, a failure per deviation"
    );
}

#[test]
fn sarif_uris_are_relative_to_where_the_audit_ran() {
    let dir = tempfile::tempdir().expect("tmp");
    let sarif = audit(dir.path(), "sarif");
    let v: serde_json::Value = serde_json::from_str(&sarif).expect("JSON");
    let results = v["runs"][0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri");
        assert!(uri.starts_with("demo-kit/"), "{uri}");
        assert!(
            dir.path().join(uri).is_file(),
            "{uri} names a file of the kit"
        );
    }
}

/// `examples/ci/`: both files parse as YAML, run on a schedule, and their audit and gate
/// commands, run as written on the demo (7 controls likely ineffective), keep the reports and
/// fail the job.
#[test]
fn ci_examples_run_on_the_demo() {
    let Some(venv) = venv() else { return };
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ci");
    let out = python(
        &venv,
        "import json, sys, yaml\n\
         d = sys.argv[1]\n\
         gh = yaml.safe_load(open(d + '/github-actions.yml'))\n\
         gl = yaml.safe_load(open(d + '/gitlab-ci.yml'))\n\
         on = gh.get('on', gh.get(True))\n\
         steps = gh['jobs']['audit']['steps']\n\
         job = gl['fieldcheck-audit']\n\
         print(json.dumps({\n\
           'gh_schedule': bool(on['schedule'][0]['cron']),\n\
           'gh_upload': [s['with']['sarif_file'] for s in steps if s.get('uses', '').startswith('github/codeql-action/upload-sarif@')],\n\
           'gh_runs': [s['run'] for s in steps if 'run' in s and 'fieldcheck audit' in s['run']],\n\
           'gl_schedule': any('schedule' in r['if'] for r in job['rules']),\n\
           'gl_junit': job['artifacts']['reports']['junit'],\n\
           'gl_script': job['script'],\n\
         }))\n",
        &examples,
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["gh_schedule"], true);
    assert_eq!(v["gl_schedule"], true);
    assert_eq!(v["gh_upload"], serde_json::json!(["fieldcheck.sarif"]));
    assert_eq!(v["gl_junit"], "fieldcheck-junit.xml");
    if Command::new("jq").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but jq is missing: scripts/test.sh installs it"
        );
        eprintln!("jq is missing: the CI examples' commands were not run");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    assert_exit(
        &fieldcheck(&["demo", "--out", s(&dir.path().join("demo-kit"))]),
        0,
    );
    let bin = Path::new(env!("CARGO_BIN_EXE_fieldcheck"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let sh = |script: &str| {
        Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("KIT", "demo-kit")
            .output()
            .expect("bash runs")
    };
    // GitHub: the SARIF step passes despite the deviations; the gate fails, naming the controls.
    let runs: Vec<&str> = v["gh_runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| r.as_str().expect("a script"))
        .collect();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_exit(&sh(runs[0]), 0);
    assert!(dir.path().join("fieldcheck.sarif").is_file());
    let gate = sh(runs[1]);
    assert_eq!(gate.status.code(), Some(1), "{}", text(&gate.stderr));
    let said = text(&gate.stdout);
    assert_eq!(said.matches("::error title=").count(), 7, "{said}");
    assert!(said.contains("ineffective::"), "{said}");
    // GitLab: each script line as the runner does; only the last (the gate) fails.
    let script = v["gl_script"].as_array().expect("script");
    for (n, line) in script.iter().enumerate() {
        let o = sh(line.as_str().expect("a line"));
        let last = n + 1 == script.len();
        assert_eq!(o.status.code(), Some(i32::from(last)), "line {n}: {line}");
    }
    let junit = std::fs::read_to_string(dir.path().join("fieldcheck-junit.xml")).expect("junit");
    assert!(junit.starts_with("<?xml"));
}

/// The audit JSON is streamed as it is serialized: to a file it is stdout's bytes exactly, and a
/// file that cannot be written is an error naming it, never a silent empty report.
#[test]
fn the_json_written_to_a_file_is_the_json_printed() {
    let dir = tempfile::tempdir().expect("tmp");
    let printed = audit(dir.path(), "json");
    let v: serde_json::Value = serde_json::from_str(&printed).expect("JSON");
    assert!(v["controls"].as_array().is_some_and(|c| c.len() == 10));
    let kit = dir.path().join("demo-kit");
    let to = |out: &Path| fieldcheck(&["audit", s(&kit), "--format", "json", "--out", s(out)]);
    let file = dir.path().join("audit.json");
    assert_exit(&to(&file), 1);
    assert_eq!(std::fs::read_to_string(&file).expect("written"), printed);
    let o = to(&dir.path().join("no-such-folder/audit.json"));
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("cannot write"),
        "{}",
        text(&o.stderr)
    );
    assert!(
        text(&o.stderr).contains("no-such-folder"),
        "{}",
        text(&o.stderr)
    );
}
