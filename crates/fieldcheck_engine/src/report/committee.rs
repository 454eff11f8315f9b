//! The audit committee's report: the three questions a committee asks of a SOC 2 Type II
//! program, answered from one audit and the exception register, with what the answers rest on.
//!
//! The questions (the seed's, asked at every readiness review):
//! 1. Did the program operate throughout the window? (each control's conclusion on its census)
//! 2. Were exceptions identified before fieldwork? (what this test found, and what the register
//!    already tracks)
//! 3. Is remediation tracking to closure? (the register's burndown and its projection to zero)
//!
//! [`Committee`] is a plain model gathered once ([`gather`]) and rendered by every face: the
//! HTML document (and the PDF printed from it), and later the web server's `/report`. It holds no
//! clock: "today" (for what is overdue) is the caller's, so the same kit, register and day give
//! the same bytes.

use fieldcheck_controls::Conclusion;
use fieldcheck_kit::{count, thousands};
use fieldcheck_register::{Exception, ExceptionStatus, Filter, Register, RunSummary};
use serde::Serialize;

use super::{Report, conclusion_label, percent};

/// Owners shown in the exceptions-by-owner table.
pub const OWNERS_SHOWN: usize = 6;
/// Exceptions listed under each owner.
pub const PER_OWNER: usize = 2;
/// Items listed per kind of change since the last run.
pub const CHANGES_SHOWN: usize = 6;

/// The committee's report.
#[derive(Serialize)]
pub struct Committee {
    pub org: String,
    pub window: String,
    /// The day the report is as of, in the org's time zone (`YYYY-MM-DD`): what is overdue.
    pub as_of: String,
    /// The three questions, answered in order.
    pub answers: Vec<Answer>,
    pub controls: Vec<ControlRow>,
    /// The self-check sentence of the audit.
    pub verdict: String,
    pub remediation: Remediation,
    pub changes: Changes,
    pub integrity: Integrity,
}

/// One of the three questions with its answer.
#[derive(Serialize)]
pub struct Answer {
    pub question: &'static str,
    /// `yes`, `no`, `partly` or `not_known`: how a reader scans the answers.
    pub verdict: &'static str,
    /// The short answer shown first: "No", "Yes, with exceptions", "Not yet known".
    pub short: String,
    /// The sentence behind it.
    pub because: String,
}

/// One control's line in the committee's table.
#[derive(Serialize)]
pub struct ControlRow {
    pub id: String,
    pub title: String,
    pub criteria: String,
    pub conclusion: Option<Conclusion>,
    pub conclusion_label: &'static str,
    pub population: usize,
    pub deviations: usize,
    /// The chance that fieldwork starting now records an exception for it.
    pub exception_probability: f64,
    /// Why, in one sentence (the conclusion's reason).
    pub why: String,
}

/// The register's side: the burndown and who owns what.
#[derive(Serialize)]
pub struct Remediation {
    /// Whether a register was read (else nothing is tracked yet).
    pub tracked: bool,
    /// The recorded runs, oldest first: open and overdue after each.
    pub runs: Vec<RunPoint>,
    /// Where remediation is heading, in one sentence.
    pub projection: String,
    /// The projected date to zero (`YYYY-MM-DD`), when one can be projected.
    pub zero_on: Option<String>,
    /// Whether the runs are enough to tell a trend: at least two, at least a week apart (else
    /// "Not yet known", rather than a verdict from noise).
    pub trend_known: bool,
    /// The day remediation must reach zero by to be on track: the end of the next observation
    /// window of the same length (`YYYY-MM-DD`; see docs/readings.md).
    pub zero_by: Option<String>,
    /// Exceptions not closed (open, in remediation, risk accepted).
    pub unclosed: usize,
    /// Exceptions marked remediated by a person that no recorded run has re-tested yet: not
    /// counted as closed for the answer (a run must see the fix).
    pub by_hand: usize,
    /// Open or in remediation past their target on `as_of`.
    pub overdue: usize,
    /// Open or in remediation with nobody named.
    pub unassigned: usize,
    /// Accepted risks.
    pub accepted: usize,
    /// The owners with the most overdue, then open, exceptions.
    pub owners: Vec<OwnerRow>,
    /// Owners not shown in `owners`.
    pub more_owners: usize,
}

/// A recorded run in the burndown.
#[derive(Serialize)]
pub struct RunPoint {
    pub run: i64,
    /// When it was recorded (RFC 3339, UTC).
    pub at: String,
    /// Its day in the org's time zone.
    pub day: String,
    pub open: i64,
    pub overdue: i64,
}

/// One owner's exceptions.
#[derive(Serialize)]
pub struct OwnerRow {
    pub owner: String,
    pub open: usize,
    pub overdue: usize,
    /// The earliest target date among their active exceptions.
    pub next_target: Option<String>,
    /// Their most pressing exceptions: overdue first, then by target date.
    pub exceptions: Vec<ExceptionRow>,
}

/// One exception as the committee sees it.
#[derive(Serialize)]
pub struct ExceptionRow {
    pub id: String,
    pub status: ExceptionStatus,
    pub target: String,
    pub overdue: bool,
    pub criteria: String,
}

/// What changed since the last recorded run.
#[derive(Serialize)]
pub struct Changes {
    /// One sentence: what was compared, or why nothing can be.
    pub summary: String,
    /// The controls whose conclusion in this audit differs from the last recorded run's:
    /// `(control, then, now)`.
    pub conclusions: Vec<(String, &'static str, &'static str)>,
    /// Exceptions the last run opened, remediated and reopened (a few of each).
    pub opened: Vec<String>,
    pub remediated: Vec<String>,
    pub reopened: Vec<String>,
    pub counts: (usize, usize, usize),
}

/// What the evidence rests on.
#[derive(Serialize)]
pub struct Integrity {
    /// Whether the audit read the evidence locker (else the kit's files as they are).
    pub from_locker: bool,
    /// The locker's chain head, when it did.
    pub head: Option<String>,
    /// Whether every seal is signed by a key the audit pinned.
    pub key_verified: bool,
    /// The sentences: where the evidence came from, its signature, what was read and rejected.
    pub lines: Vec<String>,
}

/// Gathers the committee's report from an audit's report model and, when there is one, its
/// exception register; `today` is the org's date (`YYYY-MM-DD`) the register's targets are
/// judged on.
pub fn gather(
    report: &Report,
    register: Option<&mut Register>,
    today: &str,
) -> anyhow::Result<Committee> {
    let controls: Vec<ControlRow> = report
        .controls
        .iter()
        .map(|c| ControlRow {
            id: c.id.clone(),
            title: c.title.clone(),
            criteria: c.criteria.join(", "),
            conclusion: c.conclusion,
            conclusion_label: conclusion_label(c.conclusion),
            population: c.tests.iter().map(|t| t.population).sum(),
            deviations: c.tests.iter().map(|t| t.deviations.len()).sum(),
            exception_probability: c.exception_probability,
            why: c.conclusion_reason.clone(),
        })
        .collect();
    let (remediation, changes) = match register {
        Some(reg) => tracked(report, reg, today)?,
        None => (
            untracked(),
            Changes::none(
                "no exception register: nothing was recorded, so there is no earlier run to compare with",
            ),
        ),
    };
    let answers = vec![
        operated(report),
        identified(report, &remediation),
        tracking(&remediation),
    ];
    Ok(Committee {
        org: report.org.clone(),
        window: format!(
            "{} to {} ({})",
            report.window.start, report.window.end, report.window.timezone
        ),
        as_of: today.to_string(),
        answers,
        controls,
        verdict: super::verdict(report),
        remediation,
        changes,
        integrity: integrity(report),
    })
}

impl Committee {
    /// The first paragraph: the three questions with their short answers, in one breath.
    pub fn first_paragraph(&self) -> String {
        self.answers
            .iter()
            .map(|a| format!("{} {}: {}.", a.question, a.short, a.because))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Question 1: did the program operate throughout the window?
fn operated(r: &Report) -> Answer {
    let k = &r.summary.conclusions;
    let total = r.controls.iter().filter(|c| c.conclusion.is_some()).count();
    let ids = |want: Conclusion| {
        r.controls
            .iter()
            .filter(|c| c.conclusion == Some(want))
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // The periods in which a control did not run at all: the strongest evidence of "not
    // throughout".
    let missed: Vec<String> = r
        .controls
        .iter()
        .filter(|c| c.conclusion == Some(Conclusion::Ineffective))
        .filter(|c| c.markers.iter().any(|m| m.id == "missed_period"))
        .map(|c| c.id.clone())
        .collect();
    let missed = if missed.is_empty() {
        String::new()
    } else {
        format!(
            "; {} did not operate at all for part of the window ({})",
            count(missed.len(), "control", "controls"),
            missed.join(", ")
        )
    };
    let question = "Did the program operate throughout the window?";
    if k.ineffective > 0 {
        return Answer {
            question,
            verdict: "no",
            short: "No".into(),
            because: format!(
                "{} of {total} controls would likely be concluded ineffective, a risk of a qualified opinion ({}){missed}",
                k.ineffective,
                ids(Conclusion::Ineffective)
            ),
        };
    }
    if k.not_evidenced > 0 {
        return Answer {
            question,
            verdict: "not_known",
            short: "Not known yet".into(),
            because: format!(
                "the evidence of {} is incomplete, so nothing can be concluded on {} ({})",
                count(k.not_evidenced, "control", "controls"),
                if k.not_evidenced == 1 { "it" } else { "them" },
                ids(Conclusion::NotEvidenced)
            ),
        };
    }
    let not_occurring = if k.not_occurring > 0 {
        format!(
            "; {} never ran in the window ({}), which the auditor reports as not occurring, not as effective",
            count(k.not_occurring, "control", "controls"),
            ids(Conclusion::NotOccurring)
        )
    } else {
        String::new()
    };
    if k.effective_with_exceptions > 0 {
        return Answer {
            question,
            verdict: "partly",
            short: "Yes, with exceptions".into(),
            because: format!(
                "every tested control operated, but {} {} isolated deviations an auditor would disclose ({}){not_occurring}",
                count(k.effective_with_exceptions, "control", "controls"),
                if k.effective_with_exceptions == 1 {
                    "has"
                } else {
                    "have"
                },
                ids(Conclusion::EffectiveWithExceptions)
            ),
        };
    }
    if k.effective == 0 {
        return Answer {
            question,
            verdict: "not_known",
            short: "Not shown".into(),
            because: format!("no control was seen operating{not_occurring}"),
        };
    }
    Answer {
        question,
        verdict: "yes",
        short: "Yes".into(),
        because: format!(
            "{} operated effectively on 100 % of {} population{not_occurring}",
            count(k.effective, "control", "controls"),
            if k.effective == 1 { "its" } else { "their" }
        ),
    }
}

/// Question 2: were exceptions identified before fieldwork?
fn identified(r: &Report, rem: &Remediation) -> Answer {
    let question = "Were exceptions identified before fieldwork?";
    let items: usize = r
        .controls
        .iter()
        .flat_map(|c| &c.tests)
        .map(|t| t.population)
        .sum();
    let deviations: usize = r
        .controls
        .iter()
        .flat_map(|c| &c.tests)
        .map(|t| t.deviations.len())
        .sum();
    let controls_with = r
        .controls
        .iter()
        .filter(|c| c.tests.iter().any(|t| !t.deviations.is_empty()))
        .count();
    let odds = percent(r.summary.exception_probability);
    if deviations == 0 {
        return Answer {
            question,
            verdict: "yes",
            short: "Yes, none found".into(),
            because: format!(
                "this readiness test covered all {} items of every population and found no deviation; fieldwork starting now would record an exception with {odds} probability",
                thousands(items)
            ),
        };
    }
    let found = format!(
        "this readiness test covered all {} items of every population and found {} in {}",
        thousands(items),
        count(deviations, "deviation", "deviations"),
        count(controls_with, "control", "controls")
    );
    if !rem.tracked {
        return Answer {
            question,
            verdict: "partly",
            short: "Found, not yet tracked".into(),
            because: format!(
                "{found}, but none is recorded in an exception register with an owner and a target date (record them with `fieldcheck audit KIT --record`); fieldwork starting now would record an exception with {odds} probability"
            ),
        };
    }
    let first = rem
        .runs
        .first()
        .map(|p| format!(" since {}", day_in(&p.at, &zone(&r.window.timezone))))
        .unwrap_or_default();
    Answer {
        question,
        verdict: "yes",
        short: "Yes".into(),
        because: format!(
            "{found}; the exception register has tracked them{first}, {} now not closed{}; fieldwork starting now would record an exception with {odds} probability, which management can show it already knew",
            thousands(rem.unclosed),
            if rem.unassigned > 0 {
                format!(" ({} without an owner)", thousands(rem.unassigned))
            } else {
                String::new()
            }
        ),
    }
}

/// Question 3: is remediation tracking to closure?
fn tracking(rem: &Remediation) -> Answer {
    let question = "Is remediation tracking to closure?";
    if !rem.tracked {
        return Answer {
            question,
            verdict: "not_known",
            short: "Not tracked yet".into(),
            because:
                "no exception register has been recorded, so there is no remediation to follow"
                    .into(),
        };
    }
    if rem.unclosed == 0 && rem.by_hand > 0 {
        return Answer {
            question,
            verdict: "not_known",
            short: "Not yet verified".into(),
            because: format!(
                "every exception is closed, but {} closed by hand and no recorded run has re-tested {} yet: record a run to verify the fixes",
                count(rem.by_hand, "was", "were")
                    .replacen("was", "exception was", 1)
                    .replacen("were", "exceptions were", 1),
                if rem.by_hand == 1 { "it" } else { "them" }
            ),
        };
    }
    if rem.unclosed == 0 {
        return Answer {
            question,
            verdict: "yes",
            short: "Yes, at zero".into(),
            because: "every exception in the register is remediated".into(),
        };
    }
    let overdue = if rem.overdue > 0 {
        format!(
            ", {} past {} target date",
            count(rem.overdue, "exception", "exceptions"),
            if rem.overdue == 1 { "its" } else { "their" }
        )
    } else {
        String::new()
    };
    // A date to zero after the next window would end is no answer to the committee: the next
    // period's controls would still be deviating throughout it.
    let too_late = match (&rem.zero_on, &rem.zero_by) {
        (Some(on), Some(by)) => on > by,
        _ => false,
    };
    let (verdict, short) = match (&rem.zero_on, rem.overdue) {
        (Some(_), _) if too_late => ("no", "Too slowly"),
        (Some(_), 0) => ("yes", "On track"),
        (Some(_), _) => ("partly", "Closing, with overdue items"),
        (None, _) if !rem.trend_known => ("not_known", "Not yet known"),
        (None, _) => ("no", "Not yet"),
    };
    let late = match (&rem.zero_by, too_late) {
        (Some(by), true) => format!(", after the next window would end on {by}"),
        _ => String::new(),
    };
    Answer {
        question,
        verdict,
        short: short.into(),
        because: format!(
            "{} not closed{overdue}; {}{late}",
            count(rem.unclosed, "exception", "exceptions"),
            rem.projection
        ),
    }
}

fn untracked() -> Remediation {
    Remediation {
        tracked: false,
        runs: Vec::new(),
        projection: "no recorded run yet: record one with `fieldcheck audit KIT --record`".into(),
        zero_on: None,
        trend_known: false,
        zero_by: None,
        unclosed: 0,
        by_hand: 0,
        overdue: 0,
        unassigned: 0,
        accepted: 0,
        owners: Vec::new(),
        more_owners: 0,
    }
}

impl Changes {
    fn none(why: &str) -> Changes {
        Changes {
            summary: why.to_string(),
            conclusions: Vec::new(),
            opened: Vec::new(),
            remediated: Vec::new(),
            reopened: Vec::new(),
            counts: (0, 0, 0),
        }
    }
}

fn tracked(
    report: &Report,
    reg: &mut Register,
    today: &str,
) -> anyhow::Result<(Remediation, Changes)> {
    let runs: Vec<RunSummary> = reg.runs()?;
    let list: Vec<Exception> = reg.list(&Filter::default())?;
    let criteria = |control: &str| {
        report
            .controls
            .iter()
            .find(|c| c.id == control)
            .map(|c| c.criteria.join(", "))
            .or_else(|| fieldcheck_controls::control_meta(control).map(|m| m.criteria.join(", ")))
            .unwrap_or_default()
    };
    let unclosed: Vec<&Exception> = list.iter().filter(|e| e.status.is_unclosed()).collect();
    let overdue_of =
        |e: &Exception| fieldcheck_register::rules::is_overdue(e.status, &e.target, today);
    let mut by_owner: std::collections::BTreeMap<&str, Vec<&Exception>> = Default::default();
    for e in unclosed.iter().filter(|e| e.status.is_active()) {
        by_owner.entry(e.owner.as_str()).or_default().push(e);
    }
    let mut owners: Vec<OwnerRow> = by_owner
        .into_iter()
        .map(|(owner, mut xs)| {
            xs.sort_by(|a, b| {
                overdue_of(b)
                    .cmp(&overdue_of(a))
                    .then_with(|| target_key(&a.target).cmp(&target_key(&b.target)))
                    .then_with(|| a.id.cmp(&b.id))
            });
            OwnerRow {
                owner: owner.to_string(),
                open: xs.len(),
                overdue: xs.iter().filter(|e| overdue_of(e)).count(),
                next_target: xs
                    .iter()
                    .map(|e| e.target.as_str())
                    .filter(|t| !t.is_empty())
                    .min()
                    .map(str::to_string),
                exceptions: xs
                    .iter()
                    .take(PER_OWNER)
                    .map(|e| ExceptionRow {
                        id: e.id.clone(),
                        status: e.status,
                        target: e.target.clone(),
                        overdue: overdue_of(e),
                        criteria: criteria(&e.control),
                    })
                    .collect(),
            }
        })
        .collect();
    owners.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then_with(|| b.open.cmp(&a.open))
            .then_with(|| a.owner.cmp(&b.owner))
    });
    let more_owners = owners.len().saturating_sub(OWNERS_SHOWN);
    owners.truncate(OWNERS_SHOWN);
    let (projection, zero_on, trend_known) = project(&runs, &zone(&report.window.timezone));
    let remediation = Remediation {
        tracked: true,
        runs: runs
            .iter()
            .map(|r| RunPoint {
                run: r.id,
                at: r.at.clone(),
                day: day_in(&r.at, &zone(&report.window.timezone)),
                open: r.open,
                overdue: r.overdue,
            })
            .collect(),
        projection,
        zero_on,
        trend_known,
        zero_by: next_window_end(&report.window.start, &report.window.end),
        unclosed: unclosed.len(),
        by_hand: reg.closed_by_hand()?.len(),
        overdue: unclosed.iter().filter(|e| overdue_of(e)).count(),
        unassigned: unclosed
            .iter()
            .filter(|e| e.status.is_active() && (e.owner.is_empty() || e.owner == "unassigned"))
            .count(),
        accepted: unclosed
            .iter()
            .filter(|e| e.status == ExceptionStatus::RiskAccepted)
            .count(),
        owners,
        more_owners,
    };
    let changes = changes(report, reg, &runs)?;
    Ok((remediation, changes))
}

/// Targets sort by date; none last.
fn target_key(t: &str) -> (bool, &str) {
    (t.is_empty(), t)
}

/// The end of the next observation window: as long as this one in calendar terms (six months, a
/// year), starting the day after it ends. None when the window's dates do not read as dates.
fn next_window_end(start: &str, end: &str) -> Option<String> {
    let start = start.parse::<jiff::civil::Date>().ok()?;
    let next = end.parse::<jiff::civil::Date>().ok()?.tomorrow().ok()?;
    let length = start.until((jiff::Unit::Year, next)).ok()?;
    Some(next.checked_add(length).ok()?.yesterday().ok()?.to_string())
}

/// The projection to zero (dates in the org's zone): its sentence, the date when one can be
/// made, and whether the runs are enough to tell a trend (not: no run, one run, or runs less than
/// a week apart).
fn project(runs: &[RunSummary], tz: &jiff::tz::TimeZone) -> (String, Option<String>, bool) {
    use crate::record::NoProjection;
    let p = crate::record::Projection::of(runs, tz);
    let known = !matches!(
        p.why_not,
        Some(NoProjection::NoRun | NoProjection::OneRun | NoProjection::TooShort(_))
    );
    (p.sentence(), p.zero_on.map(|d| d.to_string()), known)
}

fn changes(report: &Report, reg: &mut Register, runs: &[RunSummary]) -> anyhow::Result<Changes> {
    let Some(last) = runs.last() else {
        return Ok(Changes::none(
            "no recorded run yet, so there is nothing to compare with",
        ));
    };
    let now = reg.run_changes(last.id)?;
    // This audit's conclusions against the ones the last recorded run kept.
    let conclusions: Vec<(String, &'static str, &'static str)> = report
        .controls
        .iter()
        .filter_map(|c| {
            let then = now.conclusions.iter().find(|(id, _)| *id == c.id)?.1;
            let here = c.conclusion.map(crate::record::to_register);
            (then != here).then(|| {
                (
                    c.id.clone(),
                    then.map(|t| conclusion_label(Some(crate::record::from_register(t))))
                        .unwrap_or("not recorded"),
                    conclusion_label(c.conclusion),
                )
            })
        })
        .collect();
    let mut opened = Vec::new();
    let mut remediated = Vec::new();
    let mut reopened = Vec::new();
    for s in &now.status {
        match (s.old, s.new) {
            (None, _) => opened.push(s.id.clone()),
            (_, Some(ExceptionStatus::Remediated)) => remediated.push(s.id.clone()),
            (Some(_), Some(ExceptionStatus::Open)) => reopened.push(s.id.clone()),
            _ => {}
        }
    }
    let counts = (opened.len(), remediated.len(), reopened.len());
    let since = match runs.len() {
        1 => format!(
            "run {} on {} is the only recorded run: it opened {}",
            last.id,
            day_in(&last.at, &zone(&report.window.timezone)),
            count(counts.0, "exception", "exceptions")
        ),
        _ => format!(
            "run {} on {} opened {}, remediated {} and reopened {}",
            last.id,
            day_in(&last.at, &zone(&report.window.timezone)),
            count(counts.0, "exception", "exceptions"),
            thousands(counts.1),
            thousands(counts.2)
        ),
    };
    let summary = if conclusions.is_empty() {
        format!("{since}; this audit concludes on every control as that run did")
    } else {
        format!(
            "{since}; this audit concludes differently on {}",
            count(conclusions.len(), "control", "controls")
        )
    };
    for v in [&mut opened, &mut remediated, &mut reopened] {
        v.truncate(CHANGES_SHOWN);
    }
    Ok(Changes {
        summary,
        conclusions,
        opened,
        remediated,
        reopened,
        counts,
    })
}

fn integrity(r: &Report) -> Integrity {
    let rejected: u32 = r.evidence.files.iter().map(|f| f.rejected).sum();
    let (errors, warnings) = r.diagnostic_counts();
    let mut lines = Vec::new();
    match &r.locker {
        Some(l) => {
            lines.push(format!("{}.", capitalise(&l.sentence(r.freshness_warnings()))));
            lines.push(format!("{}.", capitalise(&l.key_sentence())));
        }
        None => lines.push(
            "The evidence was read from the kit's files as they are, not from the evidence locker: nothing here shows they are the files that were collected. Collect them (`fieldcheck collect KIT --sign KEY`) and report from the locker (`--locker --key`) to prove it.".into(),
        ),
    }
    lines.push(format!(
        "{} read from {}; {} rejected; {} and {} in the input.",
        capitalise(&count(r.evidence.records, "record", "records")),
        count(r.evidence.files.len(), "record kind", "record kinds"),
        count(rejected as usize, "row", "rows"),
        count(errors, "error", "errors"),
        count(warnings, "warning", "warnings")
    ));
    Integrity {
        from_locker: r.locker.is_some(),
        head: r.locker.as_ref().map(|l| l.head.clone()),
        key_verified: r.locker.as_ref().is_some_and(|l| l.key_verified),
        lines,
    }
}

/// The org's time zone by its name (UTC if unknown: the report was made with it, so it is known).
fn zone(name: &str) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(name).unwrap_or(jiff::tz::TimeZone::UTC)
}

/// The day of an RFC 3339 time in the org's zone.
fn day_in(at: &str, tz: &jiff::tz::TimeZone) -> String {
    match at.parse::<jiff::Timestamp>() {
        Ok(t) => t.to_zoned(tz.clone()).date().to_string(),
        Err(_) => at[..at.len().min(10)].to_string(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::*;
    use fieldcheck_controls::{Risk, Status};

    /// A report of controls `(id, conclusion, deviations)`, each with one test of 10 items.
    fn report(controls: &[(&str, Option<Conclusion>, usize)]) -> Report {
        let controls: Vec<ControlOut> = controls
            .iter()
            .map(|(id, conclusion, n)| ControlOut {
                id: id.to_string(),
                title: format!("{id} title"),
                criteria: vec!["CC6.2".into()],
                status: if *n > 0 {
                    Status::Exceptions
                } else {
                    Status::Effective
                },
                reason: None,
                exception_probability: if *n > 0 { 0.9 } else { 0.0 },
                conclusion: *conclusion,
                conclusion_reason: "because".into(),
                markers: Vec::new(),
                override_: None,
                tests: vec![TestOut {
                    id: "t".into(),
                    status: Status::Effective,
                    population: 10,
                    sampling: SamplingOut {
                        frequency: "event",
                        unit: "item",
                        census: true,
                        sample_size: 10,
                        detection_probability: 0.0,
                        extended_sample_size: None,
                    },
                    deviations: (0..*n)
                        .map(|i| DeviationOut {
                            item: format!("i{i}"),
                            reasons: vec!["late"],
                            detail: "<script>alert(1)</script>".into(),
                            evidence: Vec::new(),
                        })
                        .collect(),
                    notes: Vec::new(),
                }],
                notes: Vec::new(),
            })
            .collect();
        Report {
            format: FORMAT,
            org: "Acme <Corp> & Co".into(),
            window: WindowOut {
                start: "2026-01-01".into(),
                end: "2026-06-30".into(),
                timezone: "Europe/Paris".into(),
            },
            summary: Summary {
                controls: controls.len(),
                failing: 0,
                not_occurring: 0,
                risk: Risk::Low,
                exception_probability: 0.5,
                conclusions: counts(&controls),
            },
            controls,
            evidence: EvidenceOut {
                records: 10,
                files: Vec::new(),
                sources: Vec::new(),
                pulls: Vec::new(),
            },
            locker: None,
            diagnostics: Vec::new(),
        }
    }

    fn answers(r: &Report) -> Vec<(String, &'static str)> {
        gather(r, None, "2026-07-15")
            .unwrap()
            .answers
            .into_iter()
            .map(|a| (a.short, a.verdict))
            .collect()
    }

    use Conclusion::*;

    #[test]
    fn one_ineffective_control_answers_no() {
        let r = report(&[("a", Some(Ineffective), 3), ("b", Some(Effective), 0)]);
        let a = answers(&r);
        assert_eq!(a[0], ("No".to_string(), "no"));
        assert_eq!(a[1], ("Found, not yet tracked".to_string(), "partly"));
        assert_eq!(a[2], ("Not tracked yet".to_string(), "not_known"));
    }

    #[test]
    fn incomplete_evidence_is_never_a_yes() {
        let r = report(&[("a", Some(NotEvidenced), 0), ("b", Some(Effective), 0)]);
        assert_eq!(answers(&r)[0], ("Not known yet".to_string(), "not_known"));
    }

    #[test]
    fn isolated_exceptions_answer_yes_with_exceptions() {
        let r = report(&[
            ("a", Some(EffectiveWithExceptions), 1),
            ("b", Some(Effective), 0),
        ]);
        assert_eq!(
            answers(&r)[0],
            ("Yes, with exceptions".to_string(), "partly")
        );
    }

    #[test]
    fn all_effective_answers_yes_and_names_what_did_not_occur() {
        let r = report(&[("a", Some(Effective), 0), ("b", Some(NotOccurring), 0)]);
        let c = gather(&r, None, "2026-07-15").unwrap();
        assert_eq!(c.answers[0].short, "Yes");
        assert!(
            c.answers[0].because.contains("never ran in the window (b)"),
            "{}",
            c.answers[0].because
        );
        assert_eq!(c.answers[1].short, "Yes, none found");
        // At the boundary: nothing seen operating is not a yes.
        let r = report(&[("b", Some(NotOccurring), 0)]);
        assert_eq!(answers(&r)[0], ("Not shown".to_string(), "not_known"));
    }

    #[test]
    fn the_next_window_is_as_long_as_this_one_and_starts_the_day_after() {
        assert_eq!(
            next_window_end("2026-04-01", "2026-09-30").as_deref(),
            Some("2027-03-31")
        );
        assert_eq!(
            next_window_end("2026-01-01", "2026-12-31").as_deref(),
            Some("2027-12-31")
        );
        assert_eq!(
            next_window_end("2026-07-01", "2026-09-30").as_deref(),
            Some("2026-12-31")
        );
        assert_eq!(next_window_end("2026-01-01", "soon"), None);
    }

    #[test]
    fn tracking_is_on_track_only_when_zero_comes_by_the_next_window_end() {
        let rem = |zero_on: Option<&str>, overdue: usize, trend_known: bool| Remediation {
            tracked: true,
            projection: "p".into(),
            zero_on: zero_on.map(str::to_string),
            trend_known,
            zero_by: Some("2027-03-31".into()),
            unclosed: 5,
            overdue,
            ..untracked()
        };
        let verdict = |r: &Remediation| {
            let a = tracking(r);
            (a.short, a.verdict)
        };
        let on = |s: &str| (s.to_string(), "yes");
        assert_eq!(verdict(&rem(Some("2027-03-31"), 0, true)), on("On track"));
        let late = tracking(&rem(Some("2027-04-01"), 0, true));
        assert_eq!((late.short.as_str(), late.verdict), ("Too slowly", "no"));
        assert!(
            late.because
                .ends_with("after the next window would end on 2027-03-31"),
            "{}",
            late.because
        );
        assert_eq!(
            verdict(&rem(Some("2027-01-01"), 2, true)),
            ("Closing, with overdue items".to_string(), "partly")
        );
        assert_eq!(
            verdict(&rem(None, 0, false)),
            ("Not yet known".to_string(), "not_known")
        );
        assert_eq!(verdict(&rem(None, 0, true)), ("Not yet".to_string(), "no"));
        // At zero only when a run saw the fixes: closed by hand is not verified yet.
        let zero = |by_hand| Remediation {
            tracked: true,
            unclosed: 0,
            by_hand,
            ..untracked()
        };
        assert_eq!(verdict(&zero(0)), ("Yes, at zero".to_string(), "yes"));
        let hand = tracking(&zero(2));
        assert_eq!(
            (hand.short.as_str(), hand.verdict),
            ("Not yet verified", "not_known")
        );
        assert!(
            hand.because.contains("2 exceptions were closed by hand"),
            "{}",
            hand.because
        );
    }

    #[test]
    fn the_first_paragraph_asks_and_answers_all_three_questions_in_order() {
        let r = report(&[("a", Some(Ineffective), 2)]);
        let p = gather(&r, None, "2026-07-15").unwrap().first_paragraph();
        let at = |s: &str| p.find(s).unwrap_or_else(|| panic!("`{s}` not in {p}"));
        assert!(
            at("Did the program operate throughout the window? No:")
                < at("Were exceptions identified before fieldwork? Found, not yet tracked:")
        );
        assert!(
            at("Were exceptions identified")
                < at("Is remediation tracking to closure? Not tracked yet:")
        );
    }

    #[test]
    fn the_html_escapes_every_text_from_the_kit() {
        let r = report(&[("a", Some(Ineffective), 2)]);
        let c = gather(&r, None, "2026-07-15").unwrap();
        let page = crate::report::html::render(&c, "A4", "fieldcheck test");
        assert!(page.contains("Acme &lt;Corp&gt; &amp; Co"));
        assert!(!page.contains("<Corp>"));
        assert!(!page.contains("<script"));
        assert!(page.contains("size: A4"));
        // The same model renders the same bytes.
        assert_eq!(
            page,
            crate::report::html::render(&c, "A4", "fieldcheck test")
        );
    }
}
