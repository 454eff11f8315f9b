//! Coverage of event files (kit format v2): an export cut short at a row boundary, or one
//! missing an API page, looks exactly like a quiet month. A busy event file with a month of the
//! window that has no row at all is treated as damaged, unless the config accepts that month.

use crate::diag::{Diagnostic, Severity};
use crate::kit::Kit;
use crate::records::Kind;
use crate::time::{Period, Window};

/// The event kinds whose coverage is checked, with the field that places a row in time.
pub const EVENT_KINDS: &[(Kind, &str)] = &[
    (Kind::AccountEvents, "at"),
    (Kind::Deploys, "deployed_at"),
    (Kind::Sessions, "started_at"),
    (Kind::CentralLog, "received_at"),
    (Kind::BackupJobs, "started_at"),
];

/// The default of `evidence.coverage_min_monthly`.
pub const DEFAULT_MIN_MONTHLY: u32 = 20;

/// A month the config accepts as empty (`[[evidence.accepted_gaps]]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedGap {
    /// The kind (`sessions`).
    pub kind: Kind,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Why it is empty.
    pub reason: String,
}

/// The coverage rule: the window, the monthly floor and the accepted gaps.
#[derive(Clone, Debug)]
pub struct Coverage {
    /// The observation window.
    pub window: Window,
    /// `evidence.coverage_min_monthly`.
    pub min_monthly: u32,
    /// `[[evidence.accepted_gaps]]`.
    pub accepted: Vec<AcceptedGap>,
}

/// Calls `f` with the instant that places each row of an event kind in time, where known.
fn each_time(kit: &Kit, kind: Kind, f: impl FnMut(crate::Ts)) {
    match kind {
        Kind::AccountEvents => kit.account_events.iter().filter_map(|r| r.at).for_each(f),
        Kind::Deploys => kit.deploys.iter().filter_map(|r| r.deployed_at).for_each(f),
        Kind::Sessions => kit.sessions.iter().filter_map(|r| r.started_at).for_each(f),
        Kind::CentralLog => kit
            .central_log
            .iter()
            .filter_map(|r| r.received_at)
            .for_each(f),
        Kind::BackupJobs => kit
            .backup_jobs
            .iter()
            .filter_map(|r| r.started_at)
            .for_each(f),
        _ => {}
    }
}

/// The periods whose coverage is checked: the window's months (those whose last day falls in
/// it), then the part of the month in which the window ends, when it ends before that month's
/// last day (its first days are evidence too). Returns them and how many are whole months.
fn periods(w: &Window) -> (Vec<Period>, usize) {
    let mut months = w.months();
    let full = months.len();
    let first = w.end.first_of_month();
    if w.end != w.end.last_of_month() {
        let start = crate::time::midnight(&w.tz, first);
        months.push(Period {
            label: format!("{}-{:02}", first.year(), first.month()),
            start,
            end: w.end_ts,
            last_day: w.end,
        });
    }
    (months, full)
}

/// Checks every event kind's coverage of the window: a month with no row is a `coverage-gap`
/// error of the file (its controls become `not_evidenced`), or a note when the config accepts it.
///
/// A file is busy enough for an empty month to be a gap when (the spec's rule) it holds at least
/// `min_monthly` × the window's months rows in the window; and also (stricter, never looser) when
/// the months that have rows average at least `min_monthly` (an export cut short early in the
/// window keeps few rows, which must not hide the months it lost), or when it has no row in the
/// window but at least `min_monthly` outside it (an export that does not reach the window).
pub fn check(kit: &mut Kit, rule: &Coverage, diags: &mut Vec<Diagnostic>) {
    check_counted(kit, rule, diags, &[]);
}

/// An event kind's rows counted in each period of the window, and those outside it: what
/// [`check`] judges. A reading worker counts each event kind as soon as it has read it.
#[derive(Clone, Debug)]
pub(crate) struct Counted {
    kind: Kind,
    counts: Vec<u64>,
    outside: u64,
}

/// Counts `kind`'s rows per period of `rule`'s window (nothing for a kind that is not an event
/// kind).
pub(crate) fn count(kit: &Kit, kind: Kind, rule: &Coverage) -> Option<Counted> {
    EVENT_KINDS.iter().find(|e| e.0 == kind)?;
    let (months, _) = periods(&rule.window);
    let mut counts = vec![0u64; months.len()];
    let mut outside = 0u64;
    // The bounds as microseconds, compared with each row's instant as integers (the same
    // answers as comparing instants: `Ts::ceil_microsecond`).
    let us = crate::Ts::ceil_microsecond;
    let (lo, hi) = (us(rule.window.start_ts), us(rule.window.end_ts));
    let bounds: Vec<(i64, i64)> = months.iter().map(|m| (us(m.start), us(m.end))).collect();
    each_time(kit, kind, |t| {
        let t = t.as_microsecond();
        if !(lo <= t && t < hi) {
            outside += 1;
            return;
        }
        // Months are few: a binary search over their starts.
        let i = bounds.partition_point(|b| b.0 <= t);
        if i > 0 && t < bounds[i - 1].1 {
            counts[i - 1] += 1;
        }
    });
    Some(Counted {
        kind,
        counts,
        outside,
    })
}

/// [`check`], with the kinds already counted (by the workers that read them) taken as counted.
pub(crate) fn check_counted(
    kit: &mut Kit,
    rule: &Coverage,
    diags: &mut Vec<Diagnostic>,
    counted: &[Counted],
) {
    let (months, full) = periods(&rule.window);
    if months.is_empty() {
        return;
    }
    let labels: Vec<&str> = months.iter().map(|m| m.label.as_str()).collect();
    for g in &rule.accepted {
        if !labels.contains(&g.month.as_str()) {
            diags.push(
                Diagnostic::warning(
                    crate::Code::UnusedAcceptedGap,
                    format!(
                        "the accepted gap of `{}` in {} is not a month of the window ({} to {})",
                        g.kind.stem(),
                        g.month,
                        labels[0],
                        labels[labels.len() - 1]
                    ),
                )
                .help("correct the month, or remove the `[[evidence.accepted_gaps]]` entry"),
            );
        }
    }
    for &(kind, field) in EVENT_KINDS {
        if !kit.file(kind).present() {
            continue;
        }
        let Counted {
            counts, outside, ..
        } = match counted.iter().find(|c| c.kind == kind) {
            Some(c) => c.clone(),
            None => count(kit, kind, rule).expect("an event kind"),
        };
        let total: u64 = counts.iter().sum();
        let with_rows = counts.iter().filter(|&&n| n > 0).count() as u64;
        let min = u64::from(rule.min_monthly);
        let busy = (total > 0 && total >= min * full as u64)
            || (with_rows > 0 && total >= min * with_rows)
            || (total == 0 && outside > 0 && outside >= min.max(1));
        if !busy {
            continue;
        }
        let shown = kit.file(kind).display_name();
        let why = if total == 0 {
            format!(
                "while the file has {outside} row{} outside the window: the export does not cover it",
                if outside == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "while the file averages {:.0} a month in the months that have rows: an export cut short or a missing page looks exactly like this",
                total as f64 / with_rows as f64
            )
        };
        let mut gaps = Vec::new();
        for (m, &n) in months.iter().zip(&counts) {
            if n > 0 {
                continue;
            }
            let accepted = rule
                .accepted
                .iter()
                .find(|g| g.kind == kind && g.month == m.label);
            match accepted {
                Some(g) => diags.push(
                    Diagnostic::new(
                        Severity::Note,
                        crate::Code::CoverageGapAccepted,
                        format!(
                            "no row of `{shown}` has a `{field}` in {}; accepted in the config: {}",
                            m.label, g.reason
                        ),
                    )
                    .file(shown.clone())
                    .field(field),
                ),
                None => {
                    diags.push(
                        Diagnostic::error(
                            crate::Code::CoverageGap,
                            format!("no row of `{shown}` has a `{field}` in {}, {why}", m.label),
                        )
                        .file(shown.clone())
                        .field(field)
                        .help(format!(
                            "export {} again for the whole window; if the month really had no events, say why in fieldcheck.toml: [[evidence.accepted_gaps]] file = \"{}\", month = \"{}\", reason = \"...\"",
                            m.label,
                            kind.stem(),
                            m.label
                        )),
                    );
                    gaps.push(m.label.clone());
                }
            }
        }
        for g in rule.accepted.iter().filter(|g| g.kind == kind) {
            if let Some(i) = labels.iter().position(|l| *l == g.month)
                && counts[i] > 0
            {
                diags.push(
                    Diagnostic::warning(
                        crate::Code::UnusedAcceptedGap,
                        format!(
                            "the accepted gap of `{}` in {} is not needed: the file has {} row{} that month",
                            g.kind.stem(),
                            g.month,
                            counts[i],
                            if counts[i] == 1 { "" } else { "s" }
                        ),
                    )
                    .file(shown.clone())
                    .help("remove the `[[evidence.accepted_gaps]]` entry, so that it cannot excuse a gap it was not written for"),
                );
            }
        }
        if !gaps.is_empty() {
            let msg = format!("{shown} has no rows in {} (coverage gap)", gaps.join(", "));
            let info = &mut kit.files[kind as usize];
            info.problem = Some(match info.problem.take() {
                Some(p) => format!("{p}; {msg}"),
                None => msg,
            });
        }
    }
}
