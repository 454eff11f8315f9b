//! `fieldcheck sample`: the auditor's sample of every test, drawn reproducibly from a seed, as a
//! PBC ("provided by client") request list in CSV and XLSX.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use fieldcheck_controls::{Audit, Status};
use fieldcheck_kit::Kit;
use fieldcheck_sampling::{SizeTable, select};
use rust_xlsxwriter::{Format, Workbook};

use crate::report::plan;

/// One requested item.
pub struct Request {
    pub id: String,
    pub control: String,
    pub criteria: String,
    pub test: String,
    pub rank: usize,
    pub item: String,
    pub evidence_requested: String,
    pub fieldcheck_finding: &'static str,
    pub reasons: String,
    pub detail: String,
    pub evidence: String,
}

/// One test's sample.
pub struct TestSample {
    pub control: String,
    pub test: String,
    pub frequency: &'static str,
    pub population: usize,
    pub deviations: usize,
    pub sample_size: usize,
    pub in_sample: usize,
    pub detection_probability: f64,
    pub extended_sample_size: Option<usize>,
    /// The test never ran in the window (population 0): there is nothing to sample.
    pub not_occurring: bool,
}

/// Draws the sample of every test of the audit.
pub fn draw(
    seed: &str,
    kit: &Kit,
    audit: &Audit,
    sizes: &SizeTable,
) -> (Vec<TestSample>, Vec<Request>) {
    let mut tests = Vec::new();
    let mut requests = Vec::new();
    for c in &audit.controls {
        for t in &c.tests {
            let p = plan(sizes, c, t);
            let meta = c.meta.tests.iter().find(|m| m.id == t.id);
            // A test that did not occur has no sample: the auditor asks for the recorded zero.
            let not_occurring = t.status() == Status::NotOccurring;
            let picked = if not_occurring {
                Vec::new()
            } else {
                select(seed, &c.meta.id, t.id, &t.items, p.sample_size)
            };
            let mut in_sample = 0;
            for (rank, &i) in picked.iter().enumerate() {
                let item = &t.items[i];
                let dev = t.deviations.iter().find(|d| &d.item == item);
                in_sample += usize::from(dev.is_some());
                requests.push(Request {
                    id: format!("PBC-{:04}", requests.len() + 1),
                    control: c.meta.id.clone(),
                    criteria: c.meta.criteria.join(", "),
                    test: t.id.to_string(),
                    rank: rank + 1,
                    item: item.clone(),
                    evidence_requested: meta.map(|m| m.request.clone()).unwrap_or_default(),
                    fieldcheck_finding: if dev.is_some() {
                        "deviation"
                    } else {
                        "no deviation"
                    },
                    reasons: dev.map(|d| d.reasons.join(" ")).unwrap_or_default(),
                    detail: dev.map(|d| d.detail.clone()).unwrap_or_default(),
                    evidence: dev
                        .map(|d| {
                            d.evidence
                                .iter()
                                .take(10)
                                .map(|l| kit.describe(*l))
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .unwrap_or_default(),
                });
            }
            tests.push(TestSample {
                control: c.meta.id.clone(),
                test: t.id.to_string(),
                frequency: p.frequency.as_str(),
                population: t.population,
                deviations: t.deviations.len(),
                sample_size: p.sample_size,
                in_sample,
                detection_probability: p.detection_probability,
                extended_sample_size: p.extended_sample_size,
                not_occurring,
            });
        }
    }
    (tests, requests)
}

const COLUMNS: [&str; 11] = [
    "request",
    "control",
    "criteria",
    "test",
    "rank",
    "item",
    "evidence requested",
    "fieldcheck finding",
    "reasons",
    "detail",
    "evidence",
];

fn row(r: &Request) -> [String; 11] {
    [
        r.id.clone(),
        r.control.clone(),
        r.criteria.clone(),
        r.test.clone(),
        r.rank.to_string(),
        r.item.clone(),
        r.evidence_requested.clone(),
        r.fieldcheck_finding.to_string(),
        r.reasons.clone(),
        r.detail.clone(),
        r.evidence.clone(),
    ]
}

/// The request list as CSV.
pub fn to_csv(requests: &[Request]) -> String {
    crate::csv_out::write_csv(&COLUMNS, requests.iter().map(row))
}

/// The request list and the per-test plan as an XLSX workbook.
pub fn write_xlsx(
    path: &Path,
    seed: &str,
    sizes: &SizeTable,
    tests: &[TestSample],
    requests: &[Request],
) -> anyhow::Result<()> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let sheet = wb
        .add_worksheet()
        .set_name("PBC request list")
        .context("naming the sheet")?;
    for (j, h) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, j as u16, *h, &bold)?;
    }
    for (i, r) in requests.iter().enumerate() {
        for (j, v) in row(r).iter().enumerate() {
            let (row_n, col) = (i as u32 + 1, j as u16);
            if j == 4 {
                sheet.write_number(row_n, col, r.rank as f64)?;
            } else {
                sheet.write_string(row_n, col, v)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, requests.len() as u32, COLUMNS.len() as u16 - 1)?;
    sheet.autofit();
    let plan = wb
        .add_worksheet()
        .set_name("Sample plan")
        .context("naming the sheet")?;
    let head = [
        "control",
        "test",
        "frequency",
        "population",
        "deviations in population",
        "sample size",
        "deviations in sample",
        "chance the sample finds one",
        "extended size after a first",
    ];
    for (j, h) in head.iter().enumerate() {
        plan.write_string_with_format(0, j as u16, *h, &bold)?;
    }
    for (i, t) in tests.iter().enumerate() {
        let r = i as u32 + 1;
        plan.write_string(r, 0, &t.control)?;
        plan.write_string(r, 1, &t.test)?;
        plan.write_string(r, 2, t.frequency)?;
        plan.write_number(r, 3, t.population as f64)?;
        plan.write_number(r, 4, t.deviations as f64)?;
        plan.write_number(r, 5, t.sample_size as f64)?;
        plan.write_number(r, 6, t.in_sample as f64)?;
        plan.write_number_with_format(r, 7, t.detection_probability, &pct)?;
        if let Some(e) = t.extended_sample_size {
            plan.write_number(r, 8, e as f64)?;
        }
    }
    let note = tests.len() as u32 + 2;
    plan.write_string(
        note,
        0,
        format!(
            "seed {seed}; sample sizes: {}; items ranked by SHA-256(seed, control, test, item)",
            sizes.name
        ),
    )?;
    plan.autofit();
    wb.save(path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}

/// The terminal summary of the samples.
pub fn summary(seed: &str, sizes: &SizeTable, tests: &[TestSample]) -> String {
    use owo_colors::OwoColorize;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} · seed {seed} · sample sizes: {}",
        "fieldcheck sample".bold(),
        sizes.name
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
            "{:<w$}  {:>10}  {:>10}  {:>7}  {:>10}  {:>8}",
            "TEST", "FREQUENCY", "POPULATION", "SAMPLE", "DEVIATIONS", "P(FIND)"
        )
        .dimmed()
    );
    for t in tests {
        let name = format!("{}/{}", t.control, t.test);
        let dev = format!("{} → {}", t.deviations, t.in_sample);
        let pct = t.detection_probability * 100.0;
        let p = if t.not_occurring {
            "-".to_string()
        } else if (99.95..100.0).contains(&pct) {
            ">99.9%".to_string()
        } else {
            format!("{pct:.1}%")
        };
        let mut line = format!(
            "  {name:<w$}  {:>10}  {:>10}  {:>7}  {:>10}  {p:>8}",
            t.frequency, t.population, t.sample_size, dev
        );
        if t.not_occurring {
            line.push_str("  did not occur: no sample (ask for the recorded zero)");
        }
        let _ = writeln!(
            o,
            "{}",
            if t.in_sample > 0 {
                line.red().to_string()
            } else {
                line
            }
        );
    }
    let hit = tests.iter().filter(|t| t.in_sample > 0).count();
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{} of {} tests would show an exception in this sample (DEVIATIONS: in the population → in the sample; P(FIND): the chance a sample of that size finds one)",
        hit,
        tests.len()
    );
    o
}
