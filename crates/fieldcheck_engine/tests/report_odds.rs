//! The report's sampling columns (`report::plan`) are the figures of the sample fieldwork would
//! draw: where the report takes them from the counts alone (a test sampled by item), they equal
//! those of the drawn sample, under every `[sampling] unit`, on the demo company's populations.

use fieldcheck_engine::report::plan;
use fieldcheck_engine::{RunOptions, sample};
use fieldcheck_sampling::{Odds, Population, Unit};

mod common;

#[test]
fn the_reports_odds_are_the_drawn_samples_figures() {
    let dir = tempfile::tempdir().unwrap();
    common::write_demo(dir.path());
    let config = dir.path().join("fieldcheck.toml");
    let base = std::fs::read_to_string(&config).unwrap();
    let mut by_unit = [0usize; 3];
    for unit in [Unit::Period, Unit::System, Unit::Item] {
        std::fs::write(
            &config,
            format!("{base}\n[sampling]\nunit = \"{}\"\n", unit.as_str()),
        )
        .unwrap();
        let loaded = common::load(dir.path());
        let outcome = fieldcheck_engine::run(&loaded, &RunOptions::plain("demo")).unwrap();
        for c in &outcome.audit.controls {
            for t in &c.tests {
                let (frequency, odds) = plan(&loaded.sizes, &loaded.params, unit, c, t);
                // The full draw, as the report made it before it took the counts' shortcut.
                let members = sample::members(c, t);
                let deviates: Vec<bool> = t
                    .items
                    .iter()
                    .map(|k| t.deviations.iter().any(|d| d.item == k))
                    .collect();
                let drawn = loaded.sizes.sample(&Population {
                    engagement: "",
                    control: &c.meta.id,
                    test: t.id,
                    frequency,
                    unit,
                    prior_period: false,
                    members: &members,
                    deviates: &deviates,
                });
                assert_eq!(odds, Odds::of(&drawn), "{}/{} by {unit:?}", c.meta.id, t.id);
                by_unit[drawn.unit as usize] += 1;
            }
        }
    }
    // Every unit was met, so both ways of the report's plan were compared.
    assert!(by_unit.iter().all(|&n| n > 0), "{by_unit:?}");
}
