//! The audit report: the serializable view of an audit (the JSON contract of
//! `docs/report-json.md`), built once and rendered as JSON, text, Markdown, OSCAL assessment
//! results, SARIF or JUnit XML.
//!
//! **API boundary:** the field names here are matched by downstream tools; add fields, never
//! rename or remove them.

pub mod committee;
pub mod html;
mod ids;
pub mod junit;
pub mod markdown;
pub mod oscal;
pub mod pdf;
pub mod sarif;

use fieldcheck_controls::Params;
use fieldcheck_controls::{Audit, Conclusion, ControlResult, Risk, Status, TestResult};
use fieldcheck_kit::{Config, Diagnostic, Kit, Severity};
use fieldcheck_sampling::{Frequency, SizeTable, Unit};
use serde::Serialize;

/// The JSON format's identifier.
pub const FORMAT: &str = "fieldcheck.audit/v1";

/// The whole report.
#[derive(Serialize)]
pub struct Report {
    pub format: &'static str,
    pub org: String,
    pub window: WindowOut,
    pub summary: Summary,
    pub controls: Vec<ControlOut>,
    pub evidence: EvidenceOut,
    /// The evidence locker the audit was replayed from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locker: Option<LockerOut>,
    pub diagnostics: Vec<Diagnostic>,
}

impl LockerOut {
    /// One sentence for the text and Markdown reports.
    pub fn sentence(&self, gaps: usize) -> String {
        format!(
            "evidence replayed from the locker `{}`{}: {} from {}, chain head {}{}",
            self.path,
            self.as_of
                .as_deref()
                .map(|t| {
                    // To the second: a date's end is 23:59:59.999999999, which reads as noise.
                    let shown = t
                        .parse::<jiff::Timestamp>()
                        .map(|x| x.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
                        .unwrap_or_else(|_| t.to_string());
                    format!(" as of {shown}")
                })
                .unwrap_or_default(),
            fieldcheck_kit::count(self.files, "file", "files"),
            fieldcheck_kit::count(self.collections as usize, "collection", "collections"),
            self.head,
            match gaps {
                0 => "; every source was collected on its cadence".to_string(),
                n => format!(
                    "; {} (see the warnings)",
                    fieldcheck_kit::count(
                        n,
                        "collection gap or stale source",
                        "collection gaps or stale sources"
                    )
                ),
            }
        )
    }
}

/// The locker state an audit used: anyone can check the evidence against this head.
#[derive(Serialize)]
pub struct LockerOut {
    pub path: String,
    pub head: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    pub collections: u64,
    pub files: usize,
    /// Whether every seal was verified against a key the audit pinned (`--key` or
    /// `[locker] public_key`). `false`: the evidence was not verified against a known key.
    pub key_verified: bool,
    /// Where the pinned key was given: `--key` or `config` (absent when none was).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned_by: Option<&'static str>,
    /// The key the replayed seals are signed by (absent: unsigned). Unless `key_verified`, only
    /// what the seals claim: a re-signed locker names its forger's key here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
    /// How many of the replayed collections' seals are signed.
    pub signed_seals: u64,
}

impl LockerOut {
    /// What the locker proves about who vouches for the evidence: one sentence.
    pub fn key_sentence(&self) -> String {
        if self.key_verified {
            return format!(
                "every seal is signed by the pinned key {} ({})",
                self.signed_by.as_deref().unwrap_or("?"),
                if self.pinned_by == Some("config") {
                    "from the config's `[locker] public_key`"
                } else {
                    "from `--key`"
                }
            );
        }
        let what = match (&self.signed_by, self.signed_seals) {
            (None, _) | (_, 0) => {
                "the locker is unsigned, so a locker rewritten by anyone with write access would pass as well".to_string()
            }
            (Some(k), n) if n < self.collections => format!(
                "only {n} of its {} seals are signed, by {k}, checked only against the key they name themselves",
                self.collections
            ),
            (Some(k), _) => format!(
                "the seals were checked only against the key they name themselves ({k}), which a locker rewritten and re-signed would name too"
            ),
        };
        format!(
            "the evidence was NOT verified against a known key: {what}; pin the key with `--key` or `[locker] public_key` in the config"
        )
    }
}

#[derive(Serialize)]
pub struct WindowOut {
    pub start: String,
    pub end: String,
    pub timezone: String,
}

#[derive(Serialize)]
pub struct Summary {
    pub controls: usize,
    pub failing: usize,
    /// Controls that never ran in the window (every test's population is empty): not failing,
    /// and not effective either (v2).
    pub not_occurring: usize,
    pub risk: Risk,
    /// The chance that fieldwork starting now records at least one exception.
    pub exception_probability: f64,
    /// Controls by conclusion: `ineffective` is the qualified-opinion risk, apart from the
    /// exceptions an auditor would disclose with the control still relied on.
    pub conclusions: ConclusionCounts,
}

/// How many controls reached each conclusion (scoped-out controls are in none).
#[derive(Serialize, Default)]
pub struct ConclusionCounts {
    pub effective: usize,
    pub effective_with_exceptions: usize,
    pub ineffective: usize,
    pub not_occurring: usize,
    pub not_evidenced: usize,
}

/// A marker of a systematic deviation found in a test.
#[derive(Serialize)]
pub struct MarkerOut {
    /// `rate`, `concentration`, `missed_period` or `majority`.
    pub id: &'static str,
    pub test: String,
    pub detail: String,
}

/// A person's conclusion recorded in the register over the computed one.
#[derive(Serialize)]
pub struct OverrideOut {
    /// What fieldcheck concluded.
    pub computed: Conclusion,
    /// Whether the person concluded softer than fieldcheck (then `why` is required).
    pub softer: bool,
    pub by: String,
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

#[derive(Serialize)]
pub struct ControlOut {
    pub id: String,
    pub title: String,
    pub criteria: Vec<String>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The chance that fieldwork starting now records an exception for this control: 1 when it
    /// is not evidenced (the auditor cannot rely on it), else the chance that some test's sample
    /// hits a deviation.
    pub exception_probability: f64,
    /// The auditor's conclusion on the census (v2 of the report, issue 11): `effective`,
    /// `effective_with_exceptions`, `ineffective`, `not_occurring` or `not_evidenced`; `null` for
    /// a control scoped out.
    pub conclusion: Option<Conclusion>,
    /// The conclusion's reason in one sentence.
    pub conclusion_reason: String,
    /// The markers of a systematic deviation behind an `ineffective` conclusion.
    pub markers: Vec<MarkerOut>,
    /// A person's conclusion recorded over the computed one (`exceptions conclude`).
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub override_: Option<OverrideOut>,
    pub tests: Vec<TestOut>,
    /// Observations about the control as a whole: its tests that did not occur (v2).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<NoteOut>,
}

#[derive(Serialize)]
pub struct TestOut {
    pub id: String,
    /// `effective`, `exceptions` or `not_occurring` (population 0) (v2).
    pub status: Status,
    pub population: usize,
    pub sampling: SamplingOut,
    pub deviations: Vec<DeviationOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<NoteOut>,
}

/// The auditor's view of a test: how many items they sample and the chance the sample hits a
/// deviation.
#[derive(Serialize)]
pub struct SamplingOut {
    pub frequency: &'static str,
    /// What the sample picks: `period` (the periods, with every in-scope system in them),
    /// `system` (each system's own periods) or `item`.
    pub unit: &'static str,
    /// Whether the auditor's sample is the whole population.
    pub census: bool,
    pub sample_size: usize,
    pub detection_probability: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_sample_size: Option<usize>,
}

#[derive(Serialize)]
pub struct DeviationOut {
    pub item: String,
    pub reasons: Vec<&'static str>,
    pub detail: String,
    pub evidence: Vec<EvidenceRef>,
}

#[derive(Serialize)]
pub struct EvidenceRef {
    pub file: String,
    pub line: u32,
    /// The raw record's JSON path, for evidence read from a JSON export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The source adapter that translated the raw export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// In an audit from the locker: the file's blob digest and manifest line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_line: Option<u64>,
}

#[derive(Serialize)]
pub struct NoteOut {
    pub item: String,
    pub detail: String,
}

/// What the kit held: one entry per file found, and the raw exports the sources read.
#[derive(Serialize)]
pub struct EvidenceOut {
    pub records: usize,
    pub files: Vec<FileOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<RawFileOut>,
    /// The API calls behind pulled sources: the range of events asked for, or when the state was
    /// observed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pulls: Vec<PulledOut>,
}

#[derive(Serialize)]
pub struct PulledOut {
    pub adapter: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_id: Option<String>,
    pub call: String,
    pub record: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<String>,
}

#[derive(Serialize)]
pub struct RawFileOut {
    pub file: String,
    pub adapter: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_id: Option<String>,
    pub records: u32,
}

#[derive(Serialize)]
pub struct FileOut {
    /// The record kind (`pull_requests`).
    pub kind: &'static str,
    /// The kit file, or the sources that make the kind.
    pub file: String,
    pub rows: u32,
    pub rejected: u32,
}

impl Report {
    /// Builds the report; `diagnostics` are the config's and the kit's, in that order.
    pub fn new(
        config: &Config,
        kit: &Kit,
        audit: &Audit,
        diagnostics: Vec<Diagnostic>,
        sizes: &SizeTable,
        params: &Params,
    ) -> Report {
        let unit = config
            .sampling_unit
            .and_then(Unit::parse)
            .unwrap_or(Unit::Period);
        // Each control's section (its tests' sampling odds) is independent of the others'.
        let controls: Vec<ControlOut> = fieldcheck_kit::par_map(&audit.controls, |c| {
            control_out(kit, c, sizes, params, unit)
        });
        Report {
            format: FORMAT,
            org: config.org.clone(),
            window: WindowOut {
                start: config.window.start.to_string(),
                end: config.window.end.to_string(),
                timezone: config.window.tz_name.clone(),
            },
            summary: Summary {
                controls: controls.len(),
                failing: audit.failing(),
                not_occurring: audit.not_occurring(),
                risk: audit.risk(),
                exception_probability: 1.0
                    - controls
                        .iter()
                        .map(|c| 1.0 - c.exception_probability)
                        .product::<f64>(),
                conclusions: counts(&controls),
            },
            controls,
            evidence: EvidenceOut {
                records: kit.record_count(),
                files: kit
                    .files
                    .iter()
                    .filter(|f| f.present())
                    .map(|f| FileOut {
                        kind: f.kind.stem(),
                        file: f.display_name(),
                        rows: f.rows,
                        rejected: f.rejected,
                    })
                    .collect(),
                sources: kit
                    .raw_files
                    .iter()
                    .map(|r| RawFileOut {
                        file: r.path.clone(),
                        adapter: r.adapter.clone(),
                        system_id: r.system_id.clone(),
                        records: r.records,
                    })
                    .collect(),
                pulls: kit
                    .pulls
                    .iter()
                    .map(|p| PulledOut {
                        adapter: p.adapter.clone(),
                        system_id: p.system_id.clone(),
                        call: p.call.clone(),
                        record: p.record.clone(),
                        from: p.from.clone(),
                        to: p.to.clone(),
                        observed_at: p.observed_at.clone(),
                        shortfall: p.shortfall.clone(),
                    })
                    .collect(),
            },
            locker: None,
            diagnostics,
        }
    }

    /// Points every evidence reference at its blob in the locker the audit was replayed from
    /// (`by_name`: each replayed file's digest and manifest line), and names the locker.
    pub fn attach_locker(
        &mut self,
        locker: LockerOut,
        by_name: &std::collections::BTreeMap<String, (String, u64)>,
    ) {
        for c in &mut self.controls {
            for t in &mut c.tests {
                for d in &mut t.deviations {
                    for e in &mut d.evidence {
                        if let Some((digest, line)) = by_name.get(&e.file) {
                            e.digest = Some(digest.clone());
                            e.manifest_line = Some(*line);
                        }
                    }
                }
            }
        }
        self.locker = Some(locker);
    }

    /// Shows the people's conclusions recorded in the register over the computed ones, each
    /// judged against this audit's conclusion (an override lapses when the evidence is no longer
    /// complete, or when a softer one meets a changed computed conclusion).
    pub fn apply_overrides(&mut self, overrides: &[fieldcheck_register::Override]) {
        for c in &mut self.controls {
            let Some(o) = overrides.iter().find(|o| o.control == c.id) else {
                continue;
            };
            let now = c.conclusion.map(crate::record::to_register);
            let o = o.against(now);
            let (Some(computed), true) = (c.conclusion, o.applies()) else {
                continue;
            };
            c.override_ = Some(OverrideOut {
                computed,
                softer: o.is_softer(),
                by: o.actor.clone(),
                at: o.at.clone(),
                why: Some(o.why.clone()).filter(|w| !w.trim().is_empty()),
            });
            c.conclusion = Some(crate::record::from_register(o.concluded));
        }
        self.summary.conclusions = counts(&self.controls);
    }

    /// Freshness warnings (`evidence-gap`, `stale-evidence`) of an audit from the locker.
    pub fn freshness_warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| matches!(d.code.as_str(), "evidence-gap" | "stale-evidence"))
            .count()
    }

    /// The exit code of `audit`: 0 when nothing fails, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.summary.failing > 0)
    }

    /// Counts of error and warning diagnostics.
    pub fn diagnostic_counts(&self) -> (usize, usize) {
        let e = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let w = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count();
        (e, w)
    }

    /// The report as pretty JSON, with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the report serializes");
        s.push('\n');
        s
    }

    /// [`Report::to_json`]'s bytes written to `w` as they are made: a large kit's report (17 MB at
    /// 50,000 people) is never held whole in memory. Give a buffered writer.
    pub fn write_json<W: std::io::Write>(&self, mut w: W) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut w, self).map_err(std::io::Error::from)?;
        w.write_all(b"\n")
    }
}

/// The auditor's sample of one test as fieldwork would draw it: its unit (the config's
/// `[sampling] unit`, periods by default for periodic tests run per system), its frequency
/// (following the cadence settings), the size and the exact chance it finds a deviation. The
/// odds do not depend on the engagement, so the report draws with none, and only where the
/// figures depend on the draw ([`SizeTable::odds`]).
pub fn plan(
    sizes: &SizeTable,
    params: &Params,
    unit: Unit,
    control: &ControlResult,
    test: &TestResult,
) -> (Frequency, fieldcheck_sampling::Odds) {
    let deviating: std::collections::HashSet<&str> =
        test.deviations.iter().map(|d| d.item.as_str()).collect();
    let frequency = crate::sample::frequency(control, test, params);
    // Sampled by item (the unit, or items without a period or system): the counts say it all,
    // and the members (every key, time, period and system as text) are not built.
    if unit == Unit::Item
        || test.items.is_empty()
        || !crate::sample::placed_per_system(control, test)
    {
        let n = test.items.len();
        let d = test.items.iter().filter(|k| deviating.contains(k)).count();
        return (frequency, sizes.item_odds(frequency, false, n, d));
    }
    let members = crate::sample::members(control, test);
    let deviates: Vec<bool> = test.items.iter().map(|k| deviating.contains(k)).collect();
    let odds = sizes.odds(&fieldcheck_sampling::Population {
        engagement: "",
        control: &control.meta.id,
        test: test.id,
        frequency,
        unit,
        prior_period: false,
        members: &members,
        deviates: &deviates,
    });
    (frequency, odds)
}

fn control_out(
    kit: &Kit,
    c: &ControlResult,
    sizes: &SizeTable,
    params: &Params,
    unit: Unit,
) -> ControlOut {
    let plans: Vec<(Frequency, fieldcheck_sampling::Odds)> = c
        .tests
        .iter()
        .map(|t| plan(sizes, params, unit, c, t))
        .collect();
    let exception_probability = match c.status {
        Status::NotEvidenced => 1.0,
        Status::NotApplicable => 0.0,
        _ => {
            1.0 - plans
                .iter()
                .map(|p| 1.0 - p.1.detection_probability)
                .product::<f64>()
        }
    };
    ControlOut {
        id: c.meta.id.clone(),
        title: c.meta.title.clone(),
        criteria: c.meta.criteria.clone(),
        status: c.status,
        reason: c.reason.clone(),
        exception_probability,
        conclusion: c.judgement.conclusion,
        conclusion_reason: c.judgement.sentence.clone(),
        markers: c
            .judgement
            .markers
            .iter()
            .map(|m| MarkerOut {
                id: m.kind.as_str(),
                test: m.test.to_string(),
                detail: m.detail.clone(),
            })
            .collect(),
        override_: None,
        tests: c
            .tests
            .iter()
            .zip(&plans)
            .map(|(t, (frequency, p))| TestOut {
                id: t.id.to_string(),
                status: t.status(),
                population: t.population,
                sampling: SamplingOut {
                    frequency: frequency.as_str(),
                    unit: p.unit.as_str(),
                    census: p.census,
                    sample_size: p.sample_size,
                    detection_probability: p.detection_probability,
                    extended_sample_size: p.extended_sample_size,
                },
                deviations: t
                    .deviations
                    .iter()
                    .map(|d| DeviationOut {
                        item: d.item.clone(),
                        reasons: d.reasons.clone(),
                        detail: d.detail.clone(),
                        evidence: d
                            .evidence
                            .iter()
                            .map(|l| {
                                let e = kit.evidence_at(*l);
                                EvidenceRef {
                                    file: e.file,
                                    line: e.line,
                                    path: e.path,
                                    source: e.source,
                                    digest: None,
                                    manifest_line: None,
                                }
                            })
                            .collect(),
                    })
                    .collect(),
                notes: t.notes.iter().map(note_out).collect(),
            })
            .collect(),
        notes: c.notes.iter().map(note_out).collect(),
    }
}

/// A conclusion as the text and Markdown tables show it.
pub fn conclusion_label(conclusion: Option<Conclusion>) -> &'static str {
    match conclusion {
        Some(Conclusion::Effective) => "effective",
        Some(Conclusion::EffectiveWithExceptions) => "with exceptions",
        Some(Conclusion::Ineffective) => "ineffective",
        Some(Conclusion::NotOccurring) => "not occurring",
        Some(Conclusion::NotEvidenced) => "not evidenced",
        None => "scoped out",
    }
}

/// Counts the controls by conclusion.
pub fn counts(controls: &[ControlOut]) -> ConclusionCounts {
    let mut n = ConclusionCounts::default();
    for c in controls {
        match c.conclusion {
            Some(Conclusion::Effective) => n.effective += 1,
            Some(Conclusion::EffectiveWithExceptions) => n.effective_with_exceptions += 1,
            Some(Conclusion::Ineffective) => n.ineffective += 1,
            Some(Conclusion::NotOccurring) => n.not_occurring += 1,
            Some(Conclusion::NotEvidenced) => n.not_evidenced += 1,
            None => {}
        }
    }
    n
}

fn note_out(n: &fieldcheck_controls::Note) -> NoteOut {
    NoteOut {
        item: n.item.clone(),
        detail: n.detail.clone(),
    }
}

/// Deviations of one test grouped by reason code, in the catalog's order of the codes (the order
/// of the test's reason enum): `(code, items)`. Every code comes from those enums, so a code the
/// catalog does not list is a bug, not a report to sort.
pub fn by_reason<'a>(
    control_id: &str,
    test: &'a TestOut,
) -> Vec<(&'static str, Vec<&'a DeviationOut>)> {
    let rank = |code: &str| {
        fieldcheck_controls::reason_rank(control_id, &test.id, code).unwrap_or_else(|| {
            panic!(
                "reason `{code}` of {control_id}/{} is not in the catalog",
                test.id
            )
        })
    };
    let mut groups: Vec<(&'static str, Vec<&DeviationOut>)> = Vec::new();
    for d in &test.deviations {
        for r in &d.reasons {
            match groups.iter_mut().find(|g| g.0 == *r) {
                Some(g) => g.1.push(d),
                None => groups.push((r, vec![d])),
            }
        }
    }
    groups.sort_by_key(|g| rank(g.0));
    groups
}

/// A probability for humans: `44.7 %`, `over 99.9 %`, `100 %`, `0 %`.
pub fn percent(p: f64) -> String {
    let pct = p * 100.0;
    if pct >= 100.0 || pct == 0.0 {
        format!("{pct:.0} %")
    } else if pct >= 99.95 {
        "over 99.9 %".to_string()
    } else if pct < 0.05 {
        "under 0.1 %".to_string()
    } else {
        format!("{pct:.1} %")
    }
}

/// What an auditor's sample of this test would find: `an auditor's sample of 29 finds one with
/// 93.1 % probability (38 after a first)`.
pub fn odds_sentence(s: &SamplingOut) -> String {
    let p = percent(s.detection_probability);
    let ext = s
        .extended_sample_size
        .map(|e| format!(", extended to {e} after a first"))
        .unwrap_or_default();
    if s.census {
        return format!(
            "an auditor tests all {} ({}, census) and finds one with {p} probability",
            fieldcheck_kit::count(s.sample_size, "item", "items"),
            s.frequency
        );
    }
    let unit = match s.unit {
        "period" => ", by period: every system in the chosen periods",
        "system" => ", per system",
        _ => "",
    };
    format!(
        "an auditor's sample of {} ({}{unit}) finds one with {p} probability{ext}",
        s.sample_size, s.frequency
    )
}

/// The self-check sentence: the committee's question first (which controls an auditor would
/// likely conclude did not operate: the qualified-opinion risk), then the exceptions they would
/// disclose with the control still relied on, then the rest.
pub fn verdict(report: &Report) -> String {
    let s = &report.summary;
    let ids = |conclusion: Conclusion| -> Vec<&str> {
        report
            .controls
            .iter()
            .filter(|c| c.conclusion == Some(conclusion))
            .map(|c| c.id.as_str())
            .collect()
    };
    let named = |n: usize, one: &str, many: &str, list: Vec<&str>| {
        format!(
            "{n} {}{}",
            if n == 1 { one } else { many },
            if list.is_empty() {
                String::new()
            } else {
                format!(" ({})", list.join(", "))
            }
        )
    };
    let k = &s.conclusions;
    let mut parts = Vec::new();
    parts.push(if k.ineffective == 0 {
        "no control would likely be concluded ineffective".to_string()
    } else {
        named(
            k.ineffective,
            "control would likely be concluded ineffective, a risk of a qualified opinion",
            "controls would likely be concluded ineffective, a risk of a qualified opinion",
            ids(Conclusion::Ineffective),
        )
    });
    if k.effective_with_exceptions > 0 {
        parts.push(named(
            k.effective_with_exceptions,
            "effective with exceptions an auditor would disclose",
            "effective with exceptions an auditor would disclose",
            ids(Conclusion::EffectiveWithExceptions),
        ));
    }
    if k.not_evidenced > 0 {
        parts.push(named(
            k.not_evidenced,
            "not evidenced, nothing concluded until the evidence is complete",
            "not evidenced, nothing concluded until the evidence is complete",
            ids(Conclusion::NotEvidenced),
        ));
    }
    if k.not_occurring > 0 {
        parts.push(named(
            k.not_occurring,
            "not occurring, never ran in the window",
            "not occurring, never ran in the window",
            ids(Conclusion::NotOccurring),
        ));
    }
    parts.push(format!("{} effective", k.effective));
    format!(
        "{}: {}; fieldwork starting now would record an exception with {} probability",
        s.risk,
        parts.join("; "),
        percent(s.exception_probability)
    )
}
