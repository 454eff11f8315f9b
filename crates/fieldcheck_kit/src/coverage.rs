//! Coverage of event files (kit format v2): an export cut short at a row boundary, or one
//! missing an API page, looks exactly like a quiet month. A busy event file with a month of the
//! window that has no row at all is treated as damaged, unless the config accepts that month.

use jiff::Timestamp;

use crate::diag::{Diagnostic, Severity};
use crate::kit::Kit;
use crate::records::Kind;
use crate::time::Window;

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
fn each_time(kit: &Kit, kind: Kind, f: impl FnMut(Timestamp)) {
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

/// Checks every event kind's coverage of the window: a month with no row is a `coverage-gap`
/// error of the file (its controls become `not_evidenced`), or a note when the config accepts it.
pub fn check(kit: &mut Kit, rule: &Coverage, diags: &mut Vec<Diagnostic>) {
    let months = rule.window.months();
    if months.is_empty() {
        return;
    }
    for &(kind, field) in EVENT_KINDS {
        if !kit.file(kind).present() {
            continue;
        }
        let mut counts = vec![0u64; months.len()];
        each_time(kit, kind, |t| {
            if !rule.window.contains(t) {
                return;
            }
            // Months are few: a binary search over their starts.
            let i = months.partition_point(|m| m.start <= t);
            if i > 0 && months[i - 1].contains(t) {
                counts[i - 1] += 1;
            }
        });
        let total: u64 = counts.iter().sum();
        let floor = u64::from(rule.min_monthly) * months.len() as u64;
        if total < floor || total == 0 {
            continue;
        }
        let average = total as f64 / months.len() as f64;
        let shown = kit.file(kind).display_name();
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
                        "coverage-gap-accepted",
                        format!(
                            "no row of `{shown}` has a `{field}` in {} (the file averages {average:.0} a month); accepted in the config: {}",
                            m.label, g.reason
                        ),
                    )
                    .file(shown.clone())
                    .field(field),
                ),
                None => {
                    diags.push(
                        Diagnostic::error(
                            "coverage-gap",
                            format!(
                                "no row of `{shown}` has a `{field}` in {}, while the file averages {average:.0} a month over the window: an export cut short or a missing page looks exactly like this",
                                m.label
                            ),
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
