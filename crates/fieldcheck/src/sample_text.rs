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
        let name = format!("{}/{}", t.control, t.test);
        let [_, unit, frequency, taken, dev, p, udl, reliance] = cells(t);
        if t.not_occurring {
            let _ = writeln!(o, "  {name:<w$}  {unit:<6}  {frequency:<10}  {taken}");
            continue;
        }
        let line = format!(
            "  {name:<w$}  {unit:<6}  {frequency:<10}  {taken:<24}  {dev:>10}  {p:>11}  {udl:>7}  {reliance}"
        );
        let _ = writeln!(
            o,
            "{}",
            if t.sample.deviations_in_sample > 0 {
                line.red().to_string()
            } else {
                line
            }
        );
    }
    let _ = writeln!(o);
    for l in footer(sizes, tests) {
        let _ = writeln!(o, "{l}");
    }
    o
}

/// A test's cells: test, unit, frequency, sample, deviations (population → sample), P(find),
/// UDL and reliance.
fn cells(t: &TestSample) -> [String; 8] {
    let s = &t.sample;
    let name = format!("{}/{}", t.control, t.test);
    let (unit, frequency) = (
        s.unit.as_str().to_string(),
        t.frequency.as_str().to_string(),
    );
    if t.not_occurring {
        let none = String::from("-");
        return [
            name,
            unit,
            frequency,
            "did not occur: no sample (ask for the recorded zero)".into(),
            none.clone(),
            none.clone(),
            none.clone(),
            none,
        ];
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
            "{} of {} ({})",
            thousands(periods),
            fieldcheck_kit::count(all, "period", "periods"),
            fieldcheck_kit::count(s.selected.len(), "item", "items")
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
    let udl = format!("{:.1} %", s.upper_limit);
    let mut reliance = if s.supports_reliance {
        "supports".to_string()
    } else {
        "does not support".to_string()
    };
    if s.prior_period {
        reliance.push_str("  (next larger size: deviations in the prior period)");
    }
    [name, unit, frequency, taken, dev, p, udl, reliance]
}

/// The summary's closing lines: how many tests the sample would catch, and the legend.
fn footer(sizes: &SizeTable, tests: &[TestSample]) -> [String; 2] {
    let hit = tests
        .iter()
        .filter(|t| t.sample.deviations_in_sample > 0)
        .count();
    let unsupported = tests
        .iter()
        .filter(|t| !t.not_occurring && !t.sample.supports_reliance)
        .count();
    [
        format!(
            "{hit} of {} would show an exception in this sample; {unsupported} would not support reliance on the control",
            fieldcheck_kit::count(tests.len(), "test", "tests")
        ),
        format!(
            "DEVIATIONS: in the population → in the sample; P(FIND): the chance a sample of that size finds one; UDL: the sample's upper deviation limit at {:.0} % confidence (against {:.0} % tolerable; for sizes from the frequency table, only a sample without deviation supports reliance)",
            sizes.confidence * 100.0,
            sizes.tolerable_rate * 100.0
        ),
    ]
}

/// `sample --format markdown`: the summary as a table.
pub fn markdown(engagement: &str, sizes: &SizeTable, tests: &[TestSample]) -> String {
    let mut o = format!(
        "# Sample\n\nEngagement {} · sample sizes: {} at {:.0} % confidence, {:.0} % tolerable.\n\n",
        crate::markdown::cell(engagement),
        crate::markdown::cell(&sizes.name),
        sizes.confidence * 100.0,
        sizes.tolerable_rate * 100.0
    );
    o.push_str(&crate::markdown::table(
        &[
            "Test",
            "Unit",
            "Frequency",
            "Sample",
            "Deviations",
            "P(find)",
            "UDL",
            "Reliance",
        ],
        tests.iter().map(|t| cells(t).to_vec()),
    ));
    o.push('\n');
    for l in footer(sizes, tests) {
        let _ = writeln!(o, "{l}.\n");
    }
    o
}
