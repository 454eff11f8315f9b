//! What every collector test does the same way: a config with one `[[collectors]]` block checked
//! against its spec, a pull into a stage folder with given secrets, and reading what it wrote.
//! Each test file uses a part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use fieldcheck_pull::http::RetryPolicy;
use fieldcheck_pull::{
    CallOutcome, Collector, CollectorSpec, Configured, Planned, PullError, PullRecord, Retrieval,
    Secret, Session, check_collectors,
};
use jiff::Timestamp;

use super::server::Request;

/// The moment every test pulls at.
pub const NOW: &str = "2026-12-05T12:00:00Z";

/// The observation window every test pulls for, unless it says otherwise.
pub const YEAR: (&str, &str) = ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");

/// [`NOW`] as a timestamp.
pub fn now() -> Timestamp {
    NOW.parse().expect("ts")
}

/// [`YEAR`] as timestamps.
pub fn window() -> (Timestamp, Timestamp) {
    (YEAR.0.parse().expect("ts"), YEAR.1.parse().expect("ts"))
}

/// The collector's `[[collectors]]` block (`block` is everything after its `collector = ...`
/// line), checked against its spec with no diagnostic.
pub fn configured(spec: &'static CollectorSpec, block: &str) -> Configured {
    let text = format!(
        "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-12-31\"\n[[collectors]]\ncollector = \"{}\"\n{block}",
        spec.name
    );
    let (cfg, diags) = fieldcheck_kit::parse_config("fieldcheck.toml", &text);
    assert!(diags.is_empty(), "{diags:?}");
    let (c, d) = check_collectors(&cfg.expect("config").collectors, "fieldcheck.toml", &[spec]);
    assert!(d.is_empty(), "{d:?}");
    c.into_iter().next().expect("one")
}

/// The retry waits cut to milliseconds (as `FIELDCHECK_PULL_MAX_WAIT_MS` does for the CLI).
pub fn fast() -> RetryPolicy {
    RetryPolicy {
        cap: Some(std::time::Duration::from_millis(5)),
        ..RetryPolicy::default()
    }
}

/// A session pulling into `stage` with these secrets, at [`NOW`], for `window`.
pub fn session<'a>(
    c: &'a Configured,
    secrets: &'a BTreeMap<String, Secret>,
    stage: &Path,
    window: (&str, &str),
) -> Session<'a> {
    let mut s = Session::new(
        c.spec,
        &c.entries,
        secrets,
        stage.to_path_buf(),
        format!("exports/{}", c.spec.name),
        now(),
        (window.0.parse().expect("ts"), window.1.parse().expect("ts")),
    );
    s.set_retry_policy(fast());
    s
}

/// The secrets as the session takes them.
pub fn secrets(pairs: &[(&str, &str)]) -> BTreeMap<String, Secret> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Secret::new(v.to_string())))
        .collect()
}

/// Pulls into `stage` with these secrets for `window`; the records, and `pull.json` as written.
pub fn pull_in(
    collector: &dyn Collector,
    c: &Configured,
    pairs: &[(&str, &str)],
    stage: &Path,
    window: (&str, &str),
) -> Result<(Vec<Retrieval>, PullRecord), PullError> {
    let secrets = secrets(pairs);
    let mut s = session(c, &secrets, stage, window);
    collector.pull(&mut s)?;
    let records = s.records().to_vec();
    s.write_records()?;
    let record: PullRecord =
        serde_json::from_slice(&std::fs::read(stage.join("pull.json")).expect("pull.json"))
            .expect("json");
    Ok((records, record))
}

/// [`pull_in`] for the whole [`YEAR`].
pub fn pull_with(
    collector: &dyn Collector,
    c: &Configured,
    pairs: &[(&str, &str)],
    stage: &Path,
) -> Result<(Vec<Retrieval>, PullRecord), PullError> {
    pull_in(collector, c, pairs, stage, YEAR)
}

/// [`pull_with`] into a stage of its own, which must fail; the error.
pub fn pull_err(collector: &dyn Collector, c: &Configured, pairs: &[(&str, &str)]) -> PullError {
    let dir = tempfile::tempdir().expect("tmp");
    pull_with(collector, c, pairs, dir.path()).expect_err("the pull fails")
}

/// A file the pull wrote, as text.
pub fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Asserts that `folder` holds exactly `pages`, as served, byte for byte: `page-0001.json`,
/// `page-0002.json`, ... and no page after the last.
pub fn assert_pages(stage: &Path, folder: &str, pages: &[impl AsRef<str>]) {
    for (i, p) in pages.iter().enumerate() {
        let file = format!("{folder}/page-{:04}.json", i + 1);
        assert_eq!(read(stage, &file), p.as_ref(), "{file}");
    }
    let after = format!("{folder}/page-{:04}.json", pages.len() + 1);
    assert!(!stage.join(&after).exists(), "{after} was written");
}

/// Each retrieval record's call, page and attempts, in the order the calls were made.
pub fn calls(records: &[Retrieval]) -> Vec<(&str, u32, u32)> {
    records
        .iter()
        .map(|r| (r.call.as_str(), r.page, r.attempts))
        .collect()
}

/// The outcome the pull record gives for `call`.
pub fn outcome<'r>(record: &'r PullRecord, call: &str) -> &'r CallOutcome {
    record
        .calls
        .iter()
        .find(|c| c.call == call)
        .unwrap_or_else(|| panic!("no outcome for {call}: {:?}", record.calls))
}

/// Asserts that `secret` is in no file the pull wrote of its own (`retrieval.jsonl`,
/// `pull.json`) and in no URL the server was asked for (secrets go in headers).
pub fn assert_kept_out(stage: &Path, requests: &[Request], secret: &str) {
    for file in ["retrieval.jsonl", "pull.json"] {
        assert!(
            !read(stage, file).contains(secret),
            "{file} holds the secret"
        );
    }
    for r in requests {
        assert!(!r.target.contains(secret), "{} holds the secret", r.target);
    }
}

/// Asserts that the error, as a person reads it (message and help), names every one of
/// `names` and shows none of `secrets`, nor does its debug form; the text.
pub fn assert_error_names(e: &PullError, names: &[&str], secrets: &[&str]) -> String {
    let text = format!("{e} {}", e.help().unwrap_or(""));
    for n in names {
        assert!(text.contains(n), "{n:?} not in {text}");
    }
    for s in secrets {
        assert!(!text.contains(s), "a secret in {text}");
        assert!(!format!("{e:?}").contains(s), "a secret in {e:?}");
    }
    text
}

/// The collector's dry run for `c` over the whole [`YEAR`], without secrets.
pub fn plan(collector: &dyn Collector, c: &Configured) -> Vec<Planned> {
    let secrets = BTreeMap::new();
    collector.plan(&session(c, &secrets, &std::env::temp_dir(), YEAR))
}
