//! The sample drawn from a run's own audit (`sample::run_on`, what the web server does at start)
//! is the sample `fieldcheck sample` draws by testing the controls itself (`sample::run`): same
//! populations, seeds, selections and requests; and it is drawn from the audit given, not from a
//! new one.

use fieldcheck_engine::sample::{self, SampleOptions};
use fieldcheck_engine::{Loaded, RunOptions};

mod common;

fn demo() -> (tempfile::TempDir, Loaded) {
    let dir = tempfile::tempdir().unwrap();
    common::write_demo(dir.path());
    let loaded = common::load(dir.path());
    (dir, loaded)
}

fn opts(loaded: &Loaded) -> SampleOptions<'_> {
    SampleOptions {
        only: &[],
        prior_deviations: &[],
        engagement: None,
        sizes: loaded.sizes.clone(),
    }
}

#[test]
fn sampling_the_runs_audit_draws_what_a_fresh_audit_draws() {
    let (_dir, loaded) = demo();
    let outcome = fieldcheck_engine::run(&loaded, &RunOptions::plain("demo-kit")).unwrap();
    let reused = sample::run_on(&loaded, outcome.audit, opts(&loaded)).unwrap();
    let fresh = sample::run(&loaded, opts(&loaded)).unwrap();
    assert_eq!(reused.engagement, fresh.engagement);
    assert_eq!(reused.tests.len(), fresh.tests.len());
    assert!(
        reused
            .tests
            .iter()
            .any(|t| t.population > 0 && !t.selected.is_empty())
    );
    for (a, b) in reused.tests.iter().zip(&fresh.tests) {
        assert_eq!((&a.control, &a.test), (&b.control, &b.test));
        assert_eq!(a.population, b.population, "{}/{}", a.control, a.test);
        assert_eq!(a.sample.seed, b.sample.seed, "{}/{}", a.control, a.test);
        assert_eq!(a.selected, b.selected, "{}/{}", a.control, a.test);
    }
    assert_eq!(
        sample::to_csv(&reused.requests),
        sample::to_csv(&fresh.requests)
    );
}

#[test]
fn the_sample_is_drawn_from_the_audit_given() {
    let (_dir, loaded) = demo();
    // A run of one control: its audit holds that control only, and so does the sample drawn
    // from it, although the sample's options ask for every control.
    let only = ["vendor-management".to_string()];
    let run = RunOptions {
        only: &only,
        ..RunOptions::plain("demo-kit")
    };
    let outcome = fieldcheck_engine::run(&loaded, &run).unwrap();
    let reused = sample::run_on(&loaded, outcome.audit, opts(&loaded)).unwrap();
    let controls: std::collections::BTreeSet<&str> =
        reused.tests.iter().map(|t| t.control.as_str()).collect();
    assert_eq!(
        controls.into_iter().collect::<Vec<_>>(),
        ["vendor-management"]
    );
    // The boundary: a fresh audit under the same options samples every control.
    let fresh = sample::run(&loaded, opts(&loaded)).unwrap();
    assert!(fresh.tests.iter().any(|t| t.control != "vendor-management"));
}
