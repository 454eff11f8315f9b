//! `fieldcheck sample`: the auditor's sample of every test, drawn so that nobody can re-roll it
//! (the seed is derived from the engagement and the population's SHA-256), as a PBC ("provided by
//! client") request list in CSV and XLSX, with the plan and the canonical population listings
//! that let anyone re-derive the selection (`fieldcheck sample --rederive DIR`).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use fieldcheck_controls::{Audit, ControlResult, Params, Status, TestResult};
use fieldcheck_kit::Kit;
use fieldcheck_sampling::{
    Frequency, Member, Population, Sample, SizeTable, Unit, choose, extend, parse_listing, seed,
    strata,
};
use rust_xlsxwriter::Format;
use serde::{Deserialize, Serialize};

/// One requested item.
pub struct Request {
    pub id: String,
    pub control: String,
    pub criteria: String,
    pub test: String,
    pub unit: String,
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
    pub frequency: Frequency,
    pub population: usize,
    pub deviations: usize,
    /// The test never ran in the window (population 0): there is nothing to sample.
    pub not_occurring: bool,
    pub sample: Sample,
    /// The selected items' keys, in listing order.
    pub selected: Vec<String>,
    /// The keys an extension after a first deviation would add, in listing order.
    pub extension: Vec<String>,
    /// Each stratum's chosen units: the periods, or the items' keys.
    pub chosen: Vec<Vec<String>>,
}

/// A time as the listing writes it: UTC, to the second, `YYYY-MM-DDTHH:MM:SSZ` (a civil date from
/// the day count, without a time-zone lookup per item).
fn utc_second(t: jiff::Timestamp) -> String {
    let secs = t.as_second();
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// The frequency that sizes a test: the catalog's, following the cadence settings.
pub fn frequency(control: &ControlResult, test: &TestResult, params: &Params) -> Frequency {
    use fieldcheck_controls::control_params::{backup_restore, security_training};
    let cadence = |c| match c {
        fieldcheck_controls::Cadence::Monthly => Frequency::Monthly,
        fieldcheck_controls::Cadence::Quarterly => Frequency::Quarterly,
    };
    let p = params.control(&control.meta.id);
    match (control.meta.id.as_str(), test.id) {
        ("security-training", "phishing-simulations") => {
            cadence(security_training::Params::from_control(p).phishing_cadence)
        }
        // Pooled (the item unit), the restore tests take the tier-1 cadence; by period or system,
        // each period's label sets its stratum's frequency (tier-1 monthly, tier-2 quarterly).
        ("backup-restore", "restore-tests") => {
            cadence(backup_restore::Params::from_control(p).tier1_cadence)
        }
        _ => control
            .meta
            .tests
            .iter()
            .find(|t| t.id == test.id)
            .and_then(|t| Frequency::parse(&t.frequency))
            .unwrap_or(Frequency::Event),
    }
}

/// A test's items as the sample sees them: key, occurrence time (UTC, to the second), period and
/// system, from the test's facts. Where a periodic item's facts do not name its period or system,
/// the item key does, by the catalog's pattern (`{system_id}/{period}`).
pub fn members(control: &ControlResult, test: &TestResult) -> Vec<Member> {
    let per_system = per_system(control, test);
    test.items
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let facts = test.facts.get(i);
            let (period, system) = placed(key, facts, per_system);
            Member {
                key: key.to_string(),
                at: facts.and_then(|f| f.at()).map(|t| utc_second(t.get())),
                period: period.map(str::to_string),
                system: system.map(str::to_string),
            }
        })
        .collect()
}

/// Whether every item of a test has a period and a system, as [`members`] reads them: what the
/// period and system units sample by (else every unit samples items), told without building the
/// members.
pub fn placed_per_system(control: &ControlResult, test: &TestResult) -> bool {
    let per_system = per_system(control, test);
    test.items.iter().enumerate().all(|(i, key)| {
        let (period, system) = placed(key, test.facts.get(i), per_system);
        period.is_some() && system.is_some()
    })
}

/// Whether the catalog's item pattern of the test starts with the system (`{system_id}/…`).
fn per_system(control: &ControlResult, test: &TestResult) -> bool {
    control
        .meta
        .tests
        .iter()
        .find(|t| t.id == test.id)
        .is_some_and(|t| t.item.starts_with("{system_id}/"))
}

/// An item's period and system: from its facts, else from its key (`{system_id}/{period}`).
fn placed<'a>(
    key: &'a str,
    facts: Option<fieldcheck_controls::Fact<'a>>,
    per_system: bool,
) -> (Option<&'a str>, Option<&'a str>) {
    let (prefix, last) = match key.rsplit_once('/') {
        Some((a, b)) => (Some(a), b),
        None => (None, key),
    };
    let period = facts
        .and_then(|f| f.period())
        .or_else(|| Frequency::of_period(last).map(|_| last));
    let system = facts
        .and_then(|f| f.system())
        .or_else(|| per_system.then_some(prefix).flatten());
    (period, system)
}

/// What `draw` needs besides the audit.
pub struct Draw<'a> {
    pub engagement: &'a str,
    pub unit: Unit,
    pub sizes: &'a SizeTable,
    pub params: &'a Params,
    /// Controls with deviations in the prior recorded window.
    pub prior_period: &'a [String],
}

/// Draws the sample of every test of the audit.
pub fn draw(d: &Draw<'_>, kit: &Kit, audit: &Audit) -> (Vec<TestSample>, Vec<Request>) {
    let mut tests = Vec::new();
    let mut requests = Vec::new();
    // The draws (each population listed, sorted and hashed) are independent: two threads share
    // them, and the requests are numbered afterwards in catalog order.
    let pairs: Vec<(&ControlResult, &TestResult)> = audit
        .controls
        .iter()
        .flat_map(|c| c.tests.iter().map(move |t| (c, t)))
        .collect();
    let drawn = fieldcheck_kit::par_map(&pairs, |&(c, t)| {
        let ms = members(c, t);
        let deviating: HashSet<&str> = t.deviations.iter().map(|d| d.item.as_str()).collect();
        let deviates: Vec<bool> = t.items.iter().map(|k| deviating.contains(k)).collect();
        let frequency = frequency(c, t, d.params);
        let sample = d.sizes.sample(&Population {
            engagement: d.engagement,
            control: &c.meta.id,
            test: t.id,
            frequency,
            unit: d.unit,
            prior_period: d.prior_period.contains(&c.meta.id),
            members: &ms,
            deviates: &deviates,
        });
        (frequency, sample)
    });
    for (&(c, t), (frequency, sample)) in pairs.iter().zip(drawn) {
        let meta = c.meta.tests.iter().find(|m| m.id == t.id);
        // A test that did not occur has no sample: the auditor asks for the recorded zero.
        let not_occurring = t.status() == Status::NotOccurring;
        let deviating: HashSet<&str> = t.deviations.iter().map(|d| d.item.as_str()).collect();
        let key = |p: usize| &t.items[sample.listing.order[p]];
        let selected: Vec<String> = sample
            .selected
            .iter()
            .map(|&p| key(p).to_string())
            .collect();
        let extension: Vec<String> = sample
            .extension
            .iter()
            .map(|&p| key(p).to_string())
            .collect();
        let chosen: Vec<Vec<String>> = sample
            .strata
            .iter()
            .map(|st| {
                st.chosen
                    .iter()
                    .map(|&u| match st.labels.get(u) {
                        Some(label) => label.clone(),
                        None => key(st.units[u][0]).to_string(),
                    })
                    .collect()
            })
            .collect();
        for (rank, item) in selected.iter().enumerate() {
            let dev = deviating
                .contains(item.as_str())
                .then(|| t.deviations.iter().find(|d| &d.item == item))
                .flatten();
            requests.push(Request {
                id: format!("PBC-{:04}", requests.len() + 1),
                control: c.meta.id.clone(),
                criteria: c.meta.criteria.join(", "),
                test: t.id.to_string(),
                unit: sample.unit.as_str().to_string(),
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
            frequency,
            population: t.population,
            deviations: t.deviations.len(),
            not_occurring,
            sample,
            selected,
            extension,
            chosen,
        });
    }
    (tests, requests)
}

const COLUMNS: [&str; 12] = [
    "request",
    "control",
    "criteria",
    "test",
    "unit",
    "rank",
    "item",
    "evidence requested",
    "fieldcheck finding",
    "reasons",
    "detail",
    "evidence",
];

fn row(r: &Request) -> [String; 12] {
    [
        r.id.clone(),
        r.control.clone(),
        r.criteria.clone(),
        r.test.clone(),
        r.unit.clone(),
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

/// The file, inside the output folder, of a test's canonical population listing.
fn listing_file(control: &str, test: &str) -> String {
    format!("populations/{control}--{test}.tsv")
}

/// The plan of the whole sample, as `sample-plan.json`: enough, with the listings, to re-derive
/// every selection.
#[derive(Serialize, Deserialize)]
pub struct PlanFile {
    /// `fieldcheck-sample-plan/1`.
    pub format: String,
    pub engagement: String,
    pub table: String,
    pub confidence: f64,
    pub tolerable_rate: f64,
    pub tests: Vec<TestPlan>,
}

#[derive(Serialize, Deserialize)]
pub struct TestPlan {
    pub control: String,
    pub test: String,
    pub unit: String,
    pub frequency: String,
    pub confidence: f64,
    pub population: usize,
    pub population_sha256: String,
    pub listing: String,
    pub seed: String,
    pub prior_period: bool,
    pub strata: Vec<StratumPlan>,
    pub sample_size: usize,
    pub selected: Vec<String>,
    pub extension: Vec<String>,
    pub census: bool,
    pub deviations_in_sample: usize,
    pub detection_probability: f64,
    pub upper_deviation_limit: f64,
    pub supports_reliance: bool,
}

#[derive(Serialize, Deserialize)]
pub struct StratumPlan {
    pub name: String,
    pub frequency: String,
    pub units: usize,
    pub size: usize,
    pub chosen: Vec<String>,
}

/// The plan of every test.
pub fn plan_file(engagement: &str, sizes: &SizeTable, tests: &[TestSample]) -> PlanFile {
    PlanFile {
        format: "fieldcheck-sample-plan/1".into(),
        engagement: engagement.into(),
        table: sizes.name.clone(),
        confidence: sizes.confidence,
        tolerable_rate: sizes.tolerable_rate,
        tests: tests
            .iter()
            .map(|t| {
                let s = &t.sample;
                TestPlan {
                    control: t.control.clone(),
                    test: t.test.clone(),
                    unit: s.unit.as_str().into(),
                    frequency: t.frequency.as_str().into(),
                    confidence: sizes.confidence,
                    population: t.population,
                    population_sha256: s.listing.sha256.clone(),
                    listing: listing_file(&t.control, &t.test),
                    seed: s.seed.clone(),
                    prior_period: s.prior_period,
                    strata: s
                        .strata
                        .iter()
                        .zip(&t.chosen)
                        .map(|(st, chosen)| StratumPlan {
                            name: st.name.clone(),
                            frequency: st.frequency.as_str().into(),
                            units: st.units.len(),
                            size: st.size,
                            chosen: chosen.clone(),
                        })
                        .collect(),
                    sample_size: s.selected.len(),
                    selected: t.selected.clone(),
                    extension: t.extension.clone(),
                    census: s.census,
                    deviations_in_sample: s.deviations_in_sample,
                    detection_probability: s.detection_probability,
                    upper_deviation_limit: s.upper_limit,
                    supports_reliance: s.supports_reliance,
                }
            })
            .collect(),
    }
}

/// Writes the plan and the listings into `dir`.
pub fn write_plan(
    dir: &Path,
    engagement: &str,
    sizes: &SizeTable,
    tests: &[TestSample],
) -> anyhow::Result<()> {
    let pops = dir.join("populations");
    std::fs::create_dir_all(&pops)
        .with_context(|| format!("cannot create `{}`", pops.display()))?;
    for t in tests {
        let path = dir.join(listing_file(&t.control, &t.test));
        std::fs::write(&path, &t.sample.listing.text)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    let path = dir.join("sample-plan.json");
    let mut json = serde_json::to_string_pretty(&plan_file(engagement, sizes, tests))?;
    json.push('\n');
    std::fs::write(&path, json).with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}

/// Re-derives every selection of a `sample --out` folder from its plan and listings alone: each
/// listing's SHA-256, each seed, each stratum's choice and each extension. Returns the report and
/// whether everything matched.
pub fn rederive(dir: &Path) -> anyhow::Result<(String, bool)> {
    let path = dir.join("sample-plan.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let plan: PlanFile = serde_json::from_str(&text)
        .with_context(|| format!("`{}` is not a sample plan", path.display()))?;
    let mut out = String::new();
    let mut all_ok = true;
    for t in &plan.tests {
        let name = format!("{}/{}", t.control, t.test);
        let lpath = dir.join(&t.listing);
        let listing = std::fs::read_to_string(&lpath)
            .with_context(|| format!("cannot read `{}`", lpath.display()))?;
        let mut problems = Vec::new();
        let sha = fieldcheck_sampling::sha256_hex(listing.as_bytes());
        if sha != t.population_sha256 {
            problems.push(format!(
                "the listing's SHA-256 is {sha}, the plan says {}",
                t.population_sha256
            ));
        }
        let s = seed(&plan.engagement, &t.control, &t.test, &sha);
        if s != t.seed {
            problems.push(format!("the seed is {s}, the plan says {}", t.seed));
        }
        let members = parse_listing(&listing).map_err(|line| {
            anyhow::anyhow!(
                "`{}` line {line} is not four tab-separated fields",
                lpath.display()
            )
        })?;
        let unit =
            Unit::parse(&t.unit).with_context(|| format!("{name}: unknown unit `{}`", t.unit))?;
        let freq = Frequency::parse(&t.frequency)
            .with_context(|| format!("{name}: unknown frequency `{}`", t.frequency))?;
        let mut st = strata(unit, freq, &members);
        let names: Vec<&str> = st.iter().map(|s| s.name.as_str()).collect();
        let planned: Vec<&str> = t.strata.iter().map(|s| s.name.as_str()).collect();
        if names != planned {
            problems.push(format!(
                "the listing's strata are {names:?}, the plan's {planned:?}"
            ));
        } else {
            for (a, b) in st.iter_mut().zip(&t.strata) {
                a.size = b.size;
            }
            let selected: Vec<String> = choose(&s, &mut st)
                .into_iter()
                .map(|p| members[p].key.clone())
                .collect();
            if selected != t.selected {
                problems.push("the selected items differ from the plan's".into());
            }
            if let [only] = st.as_slice()
                && !t.extension.is_empty()
            {
                let added = extend(
                    &s,
                    &only.name,
                    only.units.len(),
                    &only.chosen,
                    only.size + t.extension.len(),
                );
                let mut keys: Vec<usize> = added;
                keys.sort_unstable();
                let ext: Vec<String> = keys.into_iter().map(|u| members[u].key.clone()).collect();
                if ext != t.extension {
                    problems.push("the extension differs from the plan's".into());
                }
            }
        }
        if problems.is_empty() {
            let _ = writeln!(
                out,
                "ok  {name}: {} of {}, seed {}…",
                fieldcheck_kit::thousands(t.selected.len()),
                fieldcheck_kit::count(members.len(), "item", "items"),
                &s[..12]
            );
        } else {
            all_ok = false;
            let _ = writeln!(out, "MISMATCH  {name}: {}", problems.join("; "));
        }
    }
    let _ = writeln!(
        out,
        "{} of {} re-derived from `{}` alone",
        plan.tests.len() - out.lines().filter(|l| l.starts_with("MISMATCH")).count(),
        fieldcheck_kit::count(plan.tests.len(), "test", "tests"),
        dir.display()
    );
    Ok((out, all_ok))
}

/// The request list and the per-test plan as an XLSX workbook.
pub fn write_xlsx(
    path: &Path,
    engagement: &str,
    sizes: &SizeTable,
    tests: &[TestSample],
    requests: &[Request],
) -> anyhow::Result<()> {
    let mut wb = crate::csv_out::workbook();
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
            if j == 5 {
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
        "unit",
        "frequency",
        "population",
        "deviations in population",
        "sample size",
        "deviations in sample",
        "chance the sample finds one",
        "upper deviation limit",
        "supports reliance",
        "population SHA-256",
        "seed",
    ];
    for (j, h) in head.iter().enumerate() {
        plan.write_string_with_format(0, j as u16, *h, &bold)?;
    }
    for (i, t) in tests.iter().enumerate() {
        let r = i as u32 + 1;
        let s = &t.sample;
        plan.write_string(r, 0, &t.control)?;
        plan.write_string(r, 1, &t.test)?;
        plan.write_string(r, 2, s.unit.as_str())?;
        plan.write_string(r, 3, t.frequency.as_str())?;
        plan.write_number(r, 4, t.population as f64)?;
        plan.write_number(r, 5, t.deviations as f64)?;
        plan.write_number(r, 6, s.selected.len() as f64)?;
        plan.write_number(r, 7, s.deviations_in_sample as f64)?;
        plan.write_number_with_format(r, 8, s.detection_probability, &pct)?;
        plan.write_number_with_format(r, 9, s.upper_limit / 100.0, &pct)?;
        plan.write_string(r, 10, if s.supports_reliance { "yes" } else { "no" })?;
        plan.write_string(r, 11, &s.listing.sha256)?;
        plan.write_string(r, 12, &s.seed)?;
    }
    let note = tests.len() as u32 + 2;
    plan.write_string(
        note,
        0,
        format!(
            "engagement {engagement}; sample sizes: {} at {:.0} % confidence, {:.0} % tolerable; seed = SHA-256(engagement|control|test|population SHA-256); re-derive with `fieldcheck sample --rederive DIR` (docs/sampling.md)",
            sizes.name,
            sizes.confidence * 100.0,
            sizes.tolerable_rate * 100.0
        ),
    )?;
    plan.autofit();
    wb.save(path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}

/// The loaded sample-size table at `confidence` (a fraction), or as configured.
pub fn sizes_at(loaded: &crate::Loaded, confidence: Option<f64>) -> anyhow::Result<SizeTable> {
    Ok(match confidence {
        Some(c) => loaded.sizes.at_confidence(c).with_context(|| {
            format!(
                "the sample-size table `{}` at `--confidence`",
                loaded.sizes.name
            )
        })?,
        None => loaded.sizes.clone(),
    })
}

/// What to sample.
pub struct SampleOptions<'a> {
    /// Only these controls (all when empty).
    pub only: &'a [String],
    /// Controls with deviations in the prior period (they take the next larger size), besides
    /// those the kit's register records.
    pub prior_deviations: &'a [String],
    /// The engagement [default: the org and the window, `Northpeak Software 2026-01-01/2026-06-30`].
    pub engagement: Option<String>,
    /// The sample-size table (see [`sizes_at`]).
    pub sizes: SizeTable,
}

/// A drawn sample: every test's, and the PBC request list.
pub struct Sampled {
    /// The engagement the seeds derive from.
    pub engagement: String,
    /// The sample-size table used.
    pub sizes: SizeTable,
    /// The audit the populations come from.
    pub audit: Audit,
    /// Every test's sample.
    pub tests: Vec<TestSample>,
    /// The PBC request list.
    pub requests: Vec<Request>,
}

/// Stage "sample" on a loaded kit: the controls tested, the prior period's deviations read from
/// the kit's register (when it has one), and every test's sample drawn.
pub fn run(loaded: &crate::Loaded, opts: SampleOptions<'_>) -> anyhow::Result<Sampled> {
    let audit = fieldcheck_controls::audit(
        &loaded.kit,
        &loaded.config.window,
        &loaded.params,
        opts.only,
    );
    run_on(loaded, audit, opts)
}

/// [`run`] on the audit a run of the pipeline already made of the same loaded kit
/// ([`crate::Outcome::audit`]): its populations are sampled as they are, without testing the
/// controls again (`opts.only` is the audit's own).
pub fn run_on(
    loaded: &crate::Loaded,
    audit: Audit,
    opts: SampleOptions<'_>,
) -> anyhow::Result<Sampled> {
    let engagement = opts.engagement.unwrap_or_else(|| {
        let w = &loaded.config.window;
        format!("{} {}/{}", loaded.config.org, w.start, w.end)
    });
    let unit = loaded
        .config
        .sampling_unit
        .and_then(Unit::parse)
        .unwrap_or(Unit::Period);
    // Controls with deviations in the previous recorded window (the kit's register, when it has
    // one) take the next larger size, as do those named with `--prior-deviations`.
    let mut prior = opts.prior_deviations.to_vec();
    let default_register = crate::record::default_path(&loaded.kit_dir);
    if default_register.is_file() {
        let location = default_register.to_string_lossy();
        let found = fieldcheck_register::Register::at(&location)
            .and_then(|mut reg| {
                reg.prior_deviations(&crate::record::window_label(&loaded.config.window))
            })
            .with_context(|| {
                format!("cannot read the prior period from the register `{location}`")
            })?;
        for (control, _) in found {
            if !prior.contains(&control) {
                prior.push(control);
            }
        }
    }
    let d = Draw {
        engagement: &engagement,
        unit,
        sizes: &opts.sizes,
        params: &loaded.params,
        prior_period: &prior,
    };
    let (tests, requests) = draw(&d, &loaded.kit, &audit);
    Ok(Sampled {
        engagement,
        sizes: opts.sizes,
        audit,
        tests,
        requests,
    })
}

/// Writes the PBC request list (CSV and XLSX), the plan and the population listings into `dir`;
/// returns the request list's two files.
pub fn write_out(
    dir: &Path,
    s: &Sampled,
) -> anyhow::Result<(std::path::PathBuf, std::path::PathBuf)> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let csv = dir.join("pbc-request-list.csv");
    std::fs::write(&csv, to_csv(&s.requests))
        .with_context(|| format!("cannot write `{}`", csv.display()))?;
    let xlsx = dir.join("pbc-request-list.xlsx");
    write_xlsx(&xlsx, &s.engagement, &s.sizes, &s.tests, &s.requests)?;
    write_plan(dir, &s.engagement, &s.sizes, &s.tests)?;
    Ok((csv, xlsx))
}

/// `fieldcheck sample --table aicpa`: the attribute-sampling sizes (AICPA Tables ).
pub fn aicpa_table(confidence: f64, tolerable: Option<f64>, expected: Option<f64>) -> String {
    let bp = |pct: f64| (pct * 100.0).round() as u32;
    let mut o = String::new();
    let name = if (confidence - 0.95).abs() < 1e-9 {
        " (Table A-1)"
    } else if (confidence - 0.90).abs() < 1e-9 {
        " (Table A-2)"
    } else {
        ""
    };
    let _ = writeln!(
        o,
        "AICPA attribute sampling{name}: sample size (expected deviations) at {} % confidence",
        confidence * 100.0
    );
    if let Some(t) = tolerable {
        let e = expected.unwrap_or(0.0);
        match fieldcheck_sampling::attribute_sample_size(confidence, bp(t), bp(e)) {
            Some((n, c)) => {
                let _ = writeln!(
                    o,
                    "tolerable rate {t} %, expected rate {e} %: sample {}, expecting {}",
                    fieldcheck_kit::thousands(n),
                    fieldcheck_kit::count(c, "deviation", "deviations")
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "tolerable rate {t} %, expected rate {e} %: no sample up to 5,000 supports it (the expected rate must be below the tolerable one)"
                );
            }
        }
        return o;
    }
    let tol = [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 15.0, 20.0];
    let exp = [
        0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.25, 3.5, 3.75,
        4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0,
    ];
    let _ = write!(o, "{:>9}", "expected");
    for t in tol {
        let _ = write!(o, "{:>10}", format!("{t} %"));
    }
    let _ = writeln!(o);
    for e in exp {
        let _ = write!(o, "{:>9}", format!("{e:.2} %"));
        for t in tol {
            let cell = match fieldcheck_sampling::attribute_sample_size(confidence, bp(t), bp(e)) {
                Some((n, c)) if n <= 1_000 => format!("{n} ({c})"),
                _ => "*".to_string(),
            };
            let _ = write!(o, "{cell:>10}");
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(
        o,
        "columns: tolerable deviation rate; * : more than 1,000 items, or none (the tables' \"too large to be cost-effective\")"
    );
    o
}

#[cfg(test)]
mod tests {
    use super::utc_second;

    #[test]
    fn listing_times_are_utc_to_the_second() {
        for text in [
            "2026-05-14T09:30:07Z",
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59Z",
            "1969-12-31T23:59:59Z",
            "2100-03-01T00:00:00Z",
        ] {
            let t: jiff::Timestamp = text.parse().expect("time");
            assert_eq!(utc_second(t), text);
            assert_eq!(utc_second(t), t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
        let t: jiff::Timestamp = "2026-05-14T09:30:07.999-04:00".parse().expect("time");
        assert_eq!(utc_second(t), "2026-05-14T13:30:07Z");
    }
}
