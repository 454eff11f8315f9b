//! The terminal summary of `fieldcheck sample`.

use std::fmt::Write as _;

use fieldcheck_engine::sample::TestSample;
use fieldcheck_kit::thousands;
use fieldcheck_sampling::{SizeTable, Unit};

/// The terminal summary of the samples.
pub fn summary(engagement: &str, sizes: &SizeTable, tests: &[TestSample]) -> String {
    use owo_colors::OwoColorize;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} · engagement {engagement} · sample sizes: {} at {:.0} % confidence, {:.0} % tolerable",
        "fieldcheck sample".bold(),
        sizes.name,
        sizes.confidence * 100.0,
        sizes.tolerable_rate * 100.0
    );
    let _ = writeln!(o);
    let w = tests
        .iter()
        .map(|t| t.control.len() + t.test.len() + 1)
        .max()
        .unwrap_or(10)
        .max(10);
    let _ = writeln!(
        o,
        "  {}",
        format!(
            "{:<w$}  {:<6}  {:<10}  {:<24}  {:>10}  {:>11}  {:>7}  {}",
            "TEST", "UNIT", "FREQUENCY", "SAMPLE", "DEVIATIONS", "P(FIND)", "UDL", "RELIANCE"
        )
        .dimmed()
    );
    for t in tests {
        let s = &t.sample;
        let name = format!("{}/{}", t.control, t.test);
        if t.not_occurring {
            let _ = writeln!(
                o,
                "  {name:<w$}  {:<6}  {:<10}  did not occur: no sample (ask for the recorded zero)",
                s.unit.as_str(),
                t.frequency.as_str()
            );
            continue;
        }
        let taken = if s.census {
            format!(
                "census: {} of {} tested",
                thousands(t.population),
                thousands(t.population)
            )
        } else if s.unit == Unit::Period {
            let periods: usize = s.strata.iter().map(|st| st.chosen.len()).sum();
            let all: usize = s.strata.iter().map(|st| st.units.len()).sum();
            format!(
                "{periods} of {all} periods ({} items)",
                thousands(s.selected.len())
            )
        } else {
            format!(
                "{} of {} sampled",
                thousands(s.selected.len()),
                thousands(t.population)
            )
        };
        let dev = format!(
            "{} → {}",
            thousands(t.deviations),
            thousands(s.deviations_in_sample)
        );
        // Percentages as every report writes them (`44.7 %`, `over 99.9 %`).
        let p = fieldcheck_engine::report::percent(s.detection_probability);
        let mut line = format!(
            "  {name:<w$}  {:<6}  {:<10}  {taken:<24}  {dev:>10}  {p:>11}  {:>5.1} %  {}",
            s.unit.as_str(),
            t.frequency.as_str(),
            s.upper_limit,
            if s.supports_reliance {
                "supports"
            } else {
                "does not support"
            }
        );
        if s.prior_period {
            line.push_str("  (next larger size: deviations in the prior period)");
        }
        let _ = writeln!(
            o,
            "{}",
            if s.deviations_in_sample > 0 {
                line.red().to_string()
            } else {
                line
            }
        );
    }
    let hit = tests
        .iter()
        .filter(|t| t.sample.deviations_in_sample > 0)
        .count();
    let unsupported = tests
        .iter()
        .filter(|t| !t.not_occurring && !t.sample.supports_reliance)
        .count();
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{hit} of {} tests would show an exception in this sample; {unsupported} would not support reliance on the control",
        tests.len()
    );
    let _ = writeln!(
        o,
        "DEVIATIONS: in the population → in the sample; P(FIND): the chance a sample of that size finds one; UDL: the sample's upper deviation limit at {:.0} % confidence (against {:.0} % tolerable; for sizes from the frequency table, only a sample without deviation supports reliance)",
        sizes.confidence * 100.0,
        sizes.tolerable_rate * 100.0
    );
    o
}
