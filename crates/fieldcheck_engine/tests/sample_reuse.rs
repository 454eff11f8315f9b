//! The sample drawn from a run's own audit (`sample::run_on`, what the web server does at start)
//! is the sample `fieldcheck sample` draws by testing the controls itself (`sample::run`): same
//! populations, seeds, selections and requests.

use fieldcheck_engine::sample::{self, SampleOptions};
use fieldcheck_engine::{LoadRequest, RunOptions};

#[test]
fn sampling_the_runs_audit_draws_what_a_fresh_audit_draws() {
    let dir = tempfile::tempdir().unwrap();
    fieldcheck_demo::write_kit(
        dir.path(),
        &fieldcheck_demo::DemoOptions {
            seed: 7,
            people: 300,
        },
    )
    .expect("demo kit");
    let Ok(loaded) = fieldcheck_engine::load(LoadRequest::new(dir.path(), None)) else {
        panic!("the demo loads");
    };
    let outcome = fieldcheck_engine::run(
        &loaded,
        &RunOptions {
            only: &[],
            replay: None,
            register: None,
            now: None,
            label: "demo-kit",
            progress: &fieldcheck_kit::NoProgress,
        },
    )
    .expect("the demo runs");
    let opts = || SampleOptions {
        only: &[],
        prior_deviations: &[],
        engagement: None,
        sizes: loaded.sizes.clone(),
    };
    let reused = sample::run_on(&loaded, outcome.audit, opts()).unwrap();
    let fresh = sample::run(&loaded, opts()).unwrap();
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
