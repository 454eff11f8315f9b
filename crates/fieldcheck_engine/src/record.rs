//! Stage "record": an audit's deviations reconciled into the exception register, and the
//! register's views that every face shares (JSON, CSV, XLSX, the projection to zero).
//!
//! The time of a run and who records it are the caller's (`now`, `who`): the engine reads no
//! clock and no environment. The register's date rules are `fieldcheck_register::rules`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use fieldcheck_controls::Audit;
use fieldcheck_controls::Status;
use fieldcheck_register::rules;
use fieldcheck_register::{
    Conclusion, Evaluated, Exception, ExceptionStatus, Filter, Found, Override, Population,
    Reconciled, RecordedConclusion, Register, Run, RunSummary,
};
use jiff::Timestamp;

/// The recorded runs of the register at `location`, oldest first (none when it cannot be read):
/// what the projection to zero is made of.
pub fn runs(location: &str) -> Option<Vec<RunSummary>> {
    Register::at(location).and_then(|mut reg| reg.runs()).ok()
}

/// The register's default place: `.fieldcheck/fieldcheck.db` in the kit folder.
pub fn default_path(kit_dir: &Path) -> PathBuf {
    kit_dir.join(".fieldcheck").join("fieldcheck.db")
}

/// The org's time zone for the register's dates: the kit's config's, else UTC (a register is
/// usable without a readable config).
pub fn org_zone(kit_dir: &Path) -> jiff::tz::TimeZone {
    std::fs::read_to_string(kit_dir.join("fieldcheck.toml"))
        .ok()
        .and_then(|t| fieldcheck_kit::parse_config("fieldcheck.toml", &t).0)
        .map(|c| c.window.tz)
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

/// Where a register is, for messages: a file path as is, a URL without its password.
pub fn shown(location: &str) -> String {
    match location.split_once("://").and_then(|(scheme, rest)| {
        rest.split_once('@')
            .map(|(cred, host)| (scheme, cred, host))
    }) {
        Some((scheme, cred, host)) => {
            format!("{scheme}://{}@{host}", cred.split(':').next().unwrap_or(""))
        }
        None => location.to_string(),
    }
}

/// Records an audit's deviations in the register at `location` (a file or a PostgreSQL URL).
pub fn record(
    location: &str,
    loaded: &crate::Loaded,
    audit: &Audit,
    kit_label: &str,
    who: &str,
    now: Timestamp,
) -> anyhow::Result<Reconciled> {
    let (config, params, kit) = (&loaded.config, &loaded.params, &loaded.kit);
    let today = rules::today(now, &config.window.tz);
    // An item's owner is the owner recorded for what it is about: its system, vendor or risk.
    let email = |o: &str| {
        kit.people
            .iter()
            .find(|p| &*p.person_id == o)
            .and_then(|p| p.email.as_deref())
            .unwrap_or(o)
            .to_string()
    };
    let record_owner = |item: &str| -> Option<String> {
        let head = item.split('/').next()?;
        let owner = kit
            .systems
            .iter()
            .find(|s| &*s.system_id == head)
            .and_then(|s| s.owner_id.as_deref())
            .or_else(|| {
                kit.vendors
                    .iter()
                    .find(|v| &*v.vendor_id == item)
                    .and_then(|v| v.owner_id.as_deref())
            })
            .or_else(|| {
                kit.risks
                    .iter()
                    .find(|r| &*r.risk_id == item)
                    .and_then(|r| r.owner_id.as_deref())
            })?;
        Some(email(owner))
    };
    let mut found = Vec::new();
    for c in &audit.controls {
        let p = params.control(&c.meta.id);
        let default_days = p.target_days.unwrap_or(c.meta.target_days);
        for t in &c.tests {
            for d in &t.deviations {
                // The most urgent of its reasons sets the target.
                let days = d
                    .reasons
                    .iter()
                    .map(|r| {
                        p.target_days_by_reason
                            .get(*r)
                            .copied()
                            .unwrap_or(default_days)
                    })
                    .min()
                    .unwrap_or(default_days);
                let target = rules::target_date(today, days);
                found.push(Found {
                    control: c.meta.id.clone(),
                    test: t.id.to_string(),
                    item: d.item.clone(),
                    reasons: d.reasons.iter().map(|r| r.to_string()).collect(),
                    detail: d.detail.clone(),
                    owner: record_owner(&d.item).or_else(|| p.owner.clone()),
                    target,
                });
            }
        }
    }
    let run = Run {
        at: now.to_string(),
        today: today.to_string(),
        actor: who.to_string(),
        kit: kit_label.to_string(),
        window: window_label(&config.window),
        controls: audit.controls.iter().map(evaluated).collect(),
        files: fieldcheck_kit::Kind::ALL
            .iter()
            .map(|k| (k.csv_name(), i64::from(kit.file(*k).rows)))
            .collect(),
    };
    let mut reg = Register::at(location)
        .with_context(|| format!("cannot open the exception register `{}`", shown(location)))?;
    Ok(reg.record(&run, &found)?)
}

/// A window as the register names it (`2026-01-01..2026-06-30 Europe/Paris`): the key of
/// [`Register::overrides`], [`Register::prior_deviations`] and the other per-window calls.
pub fn window_label(w: &fieldcheck_kit::time::Window) -> String {
    format!("{}..{} {}", w.start, w.end, w.tz_name)
}

/// The conclusion a run records for a control: the conclusion engine's (none when scoped out).
fn computed_conclusion(c: &fieldcheck_controls::ControlResult) -> Option<Conclusion> {
    c.judgement.conclusion.map(to_register)
}

/// The conclusion engine's conclusion as the register keeps it. The two enums are one to one;
/// with [`from_register`], an exhaustive match each way, so a variant added to either side alone
/// does not compile.
pub fn to_register(c: fieldcheck_controls::Conclusion) -> Conclusion {
    use fieldcheck_controls::Conclusion as C;
    match c {
        C::Effective => Conclusion::Effective,
        C::EffectiveWithExceptions => Conclusion::EffectiveWithExceptions,
        C::Ineffective => Conclusion::Ineffective,
        C::NotOccurring => Conclusion::NotOccurring,
        C::NotEvidenced => Conclusion::NotEvidenced,
    }
}

/// A conclusion of the register as the conclusion engine names it (see [`to_register`]).
pub fn from_register(c: Conclusion) -> fieldcheck_controls::Conclusion {
    use fieldcheck_controls::Conclusion as C;
    match c {
        Conclusion::Effective => C::Effective,
        Conclusion::EffectiveWithExceptions => C::EffectiveWithExceptions,
        Conclusion::Ineffective => C::Ineffective,
        Conclusion::NotOccurring => C::NotOccurring,
        Conclusion::NotEvidenced => C::NotEvidenced,
    }
}

/// What a run can vouch for about a control: a scoped-out or `not_evidenced` control re-tests
/// nothing, so it can remediate nothing (any other status, `not_occurring` included, can remediate
/// what is in its populations).
fn evaluated(c: &fieldcheck_controls::ControlResult) -> Evaluated {
    let unverifiable = match c.status {
        Status::NotApplicable => Some(match &c.reason {
            Some(r) => format!("the control is scoped out: {r}"),
            None => "the control is scoped out".into(),
        }),
        Status::NotEvidenced => Some(
            c.reason
                .clone()
                .unwrap_or_else(|| "the control is not evidenced".into()),
        ),
        _ => None,
    };
    // The files it needs, and identities.csv, which resolves people wherever people are read.
    let mut reads: Vec<String> = c.meta.needs.iter().map(|n| format!("{n}.csv")).collect();
    if c.meta.resolves_people {
        reads.push("identities.csv".into());
    }
    Evaluated {
        control: c.meta.id.clone(),
        unverifiable,
        reads,
        tests: c
            .tests
            .iter()
            .map(|t| Population {
                test: t.id.to_string(),
                items: t.items.to_vec(),
            })
            .collect(),
        conclusion: computed_conclusion(c),
    }
}

/// The recorded window that `START/END` (or `START..END`) names, the one of the latest run when
/// several time zones were recorded.
pub fn resolve_window(reg: &mut Register, given: &str) -> anyhow::Result<String> {
    let (start, end) = given
        .split_once('/')
        .or_else(|| given.split_once(".."))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "`{given}` is not a window: give it as START/END, e.g. 2026-01-01/2026-06-30"
            )
        })?;
    for d in [start, end] {
        fieldcheck_kit::time::parse_date(d)
            .map_err(|m| anyhow::anyhow!("`{d}` in `--window {given}` is not a date ({m})"))?;
    }
    let windows = reg.windows()?;
    windows
        .iter()
        .find(|w| fieldcheck_register::window_dates(w) == Some((start, end)))
        .cloned()
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no recorded run of the window {start}/{end}; record one with `fieldcheck audit KIT --record`{}",
                if windows.is_empty() {
                    String::new()
                } else {
                    format!(" (recorded windows: {})", windows.join(", "))
                }
            )
        })
}

/// A person's conclusion as JSON.
pub fn override_json(x: &Override) -> serde_json::Value {
    serde_json::json!({
        "control": x.control, "window": x.window, "concluded": x.concluded.as_str(),
        "computed": x.computed.map(Conclusion::as_str), "run": x.run,
        "direction": x.direction.as_str(), "softer": x.is_softer(),
        "why": x.why, "by": x.actor, "at": x.at,
        "current": x.current.map(Conclusion::as_str),
        "applies": x.applies(), "lapsed": x.lapsed,
    })
}

/// The recorded conclusions of a window with people's conclusions, as JSON.
pub fn conclusions_json(
    window: &str,
    recorded: &[RecordedConclusion],
    overrides: &[Override],
    log: Option<&[Override]>,
) -> serde_json::Value {
    let controls: Vec<serde_json::Value> = recorded
        .iter()
        .map(|r| {
            let ov = overrides.iter().find(|x| x.control == r.control);
            serde_json::json!({
                "control": r.control, "run": r.run,
                "computed": r.conclusion.map(Conclusion::as_str),
                "unverifiable": r.unverifiable,
                "conclusion": ov.map_or(r.conclusion, Override::shown).map(Conclusion::as_str),
                "override": ov.map(override_json),
            })
        })
        .collect();
    let mut v = serde_json::json!({ "window": window, "controls": controls });
    if let Some(log) = log {
        v["log"] = log.iter().map(override_json).collect();
    }
    v
}

/// The trust services criteria of a control (`CC6.2`), from the catalog; none for a control the
/// catalog no longer has.
pub fn criteria(control: &str) -> &'static [String] {
    fieldcheck_controls::catalog()
        .iter()
        .find(|c| c.id == control)
        .map_or(&[], |c| c.criteria.as_slice())
}

/// A register time (RFC 3339, UTC) as a person reads it, in the org's zone to the minute:
/// `2026-10-03 09:14 EDT`. A time that cannot be read is shown as stored.
pub fn local_time(at: &str, tz: &jiff::tz::TimeZone) -> String {
    match at.parse::<Timestamp>() {
        Ok(t) => t
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string(),
        Err(_) => at.to_string(),
    }
}

/// A register time in the org's zone as RFC 3339 with its offset, to the second
/// (`2026-10-03T09:14:07-04:00`): the `local` field beside the exact UTC `at` in JSON.
pub fn local_rfc3339(at: &str, tz: &jiff::tz::TimeZone) -> Option<String> {
    let t = at.parse::<Timestamp>().ok()?;
    Some(
        t.to_zoned(tz.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
    )
}

/// One exception as JSON (`exceptions list` and `show --format json`).
pub fn exception_json(x: &Exception, today: &str) -> serde_json::Value {
    serde_json::json!({
        "id": x.id, "control": x.control, "criteria": criteria(&x.control), "test": x.test, "item": x.item, "status": x.status.as_str(),
        "owner": x.owner, "target": x.target, "reasons": x.reasons.split(' ').collect::<Vec<_>>(),
        "regression": x.regression, "opened_run": x.opened_run, "last_seen_run": x.last_seen_run,
        "overdue": rules::is_overdue(x.status, &x.target, today),
        "accepted": x.accepted.as_ref().map(|(by, why, until)| serde_json::json!({"by": by, "reason": why, "until": until})),
        "detail": x.detail,
        "unverified": x.unverified,
        "response": x.response.as_ref().map(|(text, by, at)| serde_json::json!({"text": text, "by": by, "at": at})),
    })
}

/// The exceptions as a JSON array (`exceptions list --format json`, `exceptions export`).
pub fn list_json(list: &[Exception], today: &str) -> serde_json::Value {
    list.iter().map(|x| exception_json(x, today)).collect()
}

/// One exception with its history as JSON (`exceptions show --format json`): each change's `at`
/// is the exact UTC timestamp, `local` the same moment in the org's zone `tz`.
pub fn show_json(
    reg: &mut Register,
    id: &str,
    today: &str,
    tz: &jiff::tz::TimeZone,
) -> anyhow::Result<serde_json::Value> {
    let (x, history) = reg.show(id)?;
    let mut v = exception_json(&x, today);
    v["history"] = history
        .iter()
        .map(|c| {
            serde_json::json!({
                "at": c.at, "local": local_rfc3339(&c.at, tz), "actor": c.actor, "field": c.field, "old": c.old,
                "new": c.new, "why": c.why, "run": c.run,
            })
        })
        .collect();
    Ok(v)
}

/// The burndown series as CSV: open and overdue exceptions by recorded run.
pub fn burndown_csv(runs: &[RunSummary]) -> String {
    crate::csv_out::write_csv(
        &["run", "at", "open", "overdue"],
        runs.iter().map(|r| {
            [
                r.id.to_string(),
                r.at.clone(),
                r.open.to_string(),
                r.overdue.to_string(),
            ]
        }),
    )
}

/// The burndown series as an XLSX workbook (numbers as numbers, for a chart).
pub fn write_burndown_xlsx(path: &Path, runs: &[RunSummary]) -> anyhow::Result<()> {
    let mut wb = crate::csv_out::workbook();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = wb
        .add_worksheet()
        .set_name("Burndown")
        .context("naming the sheet")?;
    for (j, h) in ["run", "at", "open", "overdue"].iter().enumerate() {
        sheet.write_string_with_format(0, j as u16, *h, &bold)?;
    }
    for (i, r) in runs.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_number(row, 0, r.id as f64)?;
        sheet.write_string(row, 1, &r.at)?;
        sheet.write_number(row, 2, r.open as f64)?;
        sheet.write_number(row, 3, r.overdue as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    wb.save(path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}

/// The burndown as JSON: each recorded run's open and overdue exceptions, and the projection.
pub fn burndown_json(runs: &[RunSummary], tz: &jiff::tz::TimeZone) -> serde_json::Value {
    let p = Projection::of(runs, tz);
    serde_json::json!({
        "runs": runs.iter().map(|r| serde_json::json!({
            "run": r.id, "at": r.at, "open": r.open, "overdue": r.overdue,
        })).collect::<Vec<_>>(),
        "projection": p.sentence(),
        "forecast": p.to_json(),
    })
}

/// The register's columns, as exported.
const COLUMNS: [&str; 20] = [
    "id",
    "control",
    "criteria",
    "test",
    "item",
    "status",
    "owner",
    "target",
    "reasons",
    "regression",
    "opened_run",
    "last_seen_run",
    "accepted_by",
    "accepted_reason",
    "accepted_until",
    "detail",
    "response",
    "response_by",
    "response_at",
    "unverified",
];

fn row(e: &Exception) -> [String; 20] {
    let (by, why, until) = e.accepted.clone().unwrap_or_default();
    let (response, response_by, response_at) = e.response.clone().unwrap_or_default();
    [
        e.id.clone(),
        e.control.clone(),
        criteria(&e.control).join(", "),
        e.test.clone(),
        e.item.clone(),
        e.status.as_str().to_string(),
        e.owner.clone(),
        e.target.clone(),
        e.reasons.clone(),
        e.regression.to_string(),
        e.opened_run.to_string(),
        e.last_seen_run.to_string(),
        by,
        why,
        until,
        e.detail.clone(),
        response,
        response_by,
        response_at,
        e.unverified.clone().unwrap_or_default(),
    ]
}

/// The list as CSV.
pub fn to_csv(list: &[Exception]) -> String {
    crate::csv_out::write_csv(&COLUMNS, list.iter().map(row))
}

/// The list as an XLSX workbook.
pub fn write_xlsx(path: &Path, list: &[Exception]) -> anyhow::Result<()> {
    let mut wb = crate::csv_out::workbook();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = wb
        .add_worksheet()
        .set_name("Exceptions")
        .context("naming the sheet")?;
    for (j, h) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, j as u16, *h, &bold)?;
    }
    for (i, e) in list.iter().enumerate() {
        for (j, v) in row(e).iter().enumerate() {
            sheet.write_string(i as u32 + 1, j as u16, v)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, list.len() as u32, COLUMNS.len() as u16 - 1)?;
    sheet.autofit();
    wb.save(path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}

/// The least time between the first and the latest recorded run for a projection to zero: a
/// closure rate measured over less is noise (two runs seconds apart would "close" thousands a day).
pub const PROJECTION_MIN_DAYS: f64 = 7.0;

/// Where remediation is heading, as every face shows it (the terminal, the committee's report,
/// JSON): open and overdue after the latest run, the closure rate, and the date the register
/// reaches zero at that rate, or why no date can be projected yet.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    /// How many runs are recorded.
    pub runs: usize,
    /// The latest run's number and its date in the org's time zone.
    pub latest: Option<(i64, jiff::civil::Date)>,
    /// Open (open, in remediation or accepted) after the latest run.
    pub open: i64,
    /// Of those, overdue on the latest run's day.
    pub overdue: i64,
    /// Days between the first and the latest run.
    pub span_days: f64,
    /// Exceptions closed per day between the first and the latest run, when projected.
    pub per_day: Option<f64>,
    /// The projected date to zero, in the org's time zone.
    pub zero_on: Option<jiff::civil::Date>,
    /// Why no date is projected (`None` when one is).
    pub why_not: Option<NoProjection>,
}

/// Why a [`Projection`] has no date to zero.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NoProjection {
    /// No run is recorded.
    NoRun,
    /// The register is at zero: nothing to project.
    AtZero,
    /// One run only: no trend yet.
    OneRun,
    /// The runs span less than [`PROJECTION_MIN_DAYS`] (the span in days).
    TooShort(f64),
    /// Open exceptions did not fall between the first and the latest run.
    NotFalling,
}

impl NoProjection {
    /// Its stable name in JSON.
    pub fn code(self) -> &'static str {
        match self {
            NoProjection::NoRun => "no_run",
            NoProjection::AtZero => "at_zero",
            NoProjection::OneRun => "one_run",
            NoProjection::TooShort(_) => "span_too_short",
            NoProjection::NotFalling => "not_falling",
        }
    }

    /// Why, in words.
    pub fn sentence(self) -> String {
        match self {
            NoProjection::NoRun => {
                "no recorded run yet: record one with `fieldcheck audit KIT --record`".into()
            }
            NoProjection::AtZero => "the register is at zero".into(),
            NoProjection::OneRun => "one run recorded so far: record again to see the trend".into(),
            NoProjection::TooShort(days) => format!(
                "runs span {} days so far; a projection needs at least {} days between the first and last recorded runs",
                days_shown(days),
                PROJECTION_MIN_DAYS
            ),
            NoProjection::NotFalling => {
                "not falling since the first recorded run: no date to zero can be projected".into()
            }
        }
    }
}

/// A span in days to one decimal, rounded down, so a span just short of the minimum never reads
/// as the minimum (6.96 days is "6.9", not "7.0").
fn days_shown(days: f64) -> String {
    format!("{:.1}", (days * 10.0).floor() / 10.0)
}

impl Projection {
    /// The projection from the recorded runs (oldest first), dates in the org's time zone `tz`.
    pub fn of(runs: &[RunSummary], tz: &jiff::tz::TimeZone) -> Projection {
        let at = |r: &RunSummary| r.at.parse::<Timestamp>().ok();
        let mut p = Projection {
            runs: runs.len(),
            latest: None,
            open: 0,
            overdue: 0,
            span_days: 0.0,
            per_day: None,
            zero_on: None,
            why_not: None,
        };
        let (Some(first), Some(last)) = (runs.first(), runs.last()) else {
            p.why_not = Some(NoProjection::NoRun);
            return p;
        };
        let (t0, t1) = (at(first), at(last));
        let last_day = t1.map(|t| t.to_zoned(tz.clone()).date());
        p.latest = last_day.map(|d| (last.id, d));
        p.open = last.open;
        p.overdue = last.overdue;
        if let (Some(t0), Some(t1)) = (t0, t1) {
            p.span_days = t1.duration_since(t0).as_secs_f64().max(0.0) / 86_400.0;
        }
        let closed = first.open - last.open;
        p.why_not = if last.open == 0 {
            Some(NoProjection::AtZero)
        } else if runs.len() == 1 {
            Some(NoProjection::OneRun)
        } else if p.span_days < PROJECTION_MIN_DAYS {
            Some(NoProjection::TooShort(p.span_days))
        } else if closed <= 0 {
            Some(NoProjection::NotFalling)
        } else {
            None
        };
        if p.why_not.is_none() {
            let per_day = closed as f64 / p.span_days;
            // Days to zero, from the counts (not through the rounded rate); a whole number of days
            // stays whole.
            let to_zero = (last.open as f64 * p.span_days / closed as f64 - 1e-9).ceil() as i64;
            p.per_day = Some(per_day);
            p.zero_on = last_day.and_then(|d| d.checked_add(jiff::Span::new().days(to_zero)).ok());
        }
        p
    }

    /// The projection in one sentence: `12 open after run 4 on 2026-05-02 (3 of them overdue
    /// then), closing 1.5 a day: zero projected around 2026-05-10`, or why no date is projected.
    pub fn sentence(&self) -> String {
        let Some((id, day)) = self.latest else {
            return match self.why_not {
                Some(w) if self.runs > 0 => w.sentence(),
                _ => NoProjection::NoRun.sentence(),
            };
        };
        if self.why_not == Some(NoProjection::AtZero) {
            return format!("the register is at zero after run {id} on {day}");
        }
        let now = format!(
            "{} after run {id} on {day} ({} overdue then)",
            fieldcheck_kit::count(self.open as usize, "exception open", "exceptions open"),
            if self.overdue == 0 {
                "none of them".to_string()
            } else {
                format!(
                    "{} of them",
                    fieldcheck_kit::thousands(self.overdue as usize)
                )
            }
        );
        match (self.why_not, self.per_day, self.zero_on) {
            (None, Some(per_day), Some(zero)) => {
                format!("{now}, closing {per_day:.1} a day: zero projected around {zero}")
            }
            (Some(w), _, _) => format!("{now}; {}", w.sentence()),
            _ => format!("{now}; no date to zero can be projected"),
        }
    }

    /// The projection as JSON: `open`, `overdue`, `latest_run`, `latest_on`, `span_days`,
    /// `per_day`, `zero_on` (dates in the org's time zone; `null` when none), and `why_not`
    /// (`{code, text}`, `null` when a date is projected), with the `sentence`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "runs": self.runs,
            "latest_run": self.latest.map(|(id, _)| id),
            "latest_on": self.latest.map(|(_, d)| d.to_string()),
            "open": self.open,
            "overdue": self.overdue,
            "span_days": (self.span_days * 1000.0).round() / 1000.0,
            "per_day": self.per_day.map(|r| (r * 1000.0).round() / 1000.0),
            "zero_on": self.zero_on.map(|d| d.to_string()),
            "why_not": self.why_not.map(|w| serde_json::json!({"code": w.code(), "text": w.sentence()})),
            "sentence": self.sentence(),
        })
    }
}

/// Where remediation is heading, in one sentence ([`Projection::sentence`]), dates in `tz`.
pub fn projection(runs: &[RunSummary], tz: &jiff::tz::TimeZone) -> String {
    Projection::of(runs, tz).sentence()
}

/// The filter from the command line.
pub fn filter(
    owner: Option<String>,
    control: Option<String>,
    statuses: Vec<ExceptionStatus>,
    overdue_on: Option<String>,
) -> Filter {
    Filter {
        owner,
        control,
        statuses,
        overdue_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: i64, at: &str, open: i64, overdue: i64) -> RunSummary {
        RunSummary {
            id,
            at: at.into(),
            open,
            overdue,
        }
    }

    fn utc() -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::UTC
    }

    #[test]
    fn a_projection_needs_seven_days_between_the_first_and_last_runs() {
        // 6.9 days: the rate is noise, no date.
        let short = [
            run(1, "2026-04-01T09:00:00Z", 20, 0),
            run(2, "2026-04-08T06:50:00Z", 13, 2),
        ];
        let p = Projection::of(&short, &utc());
        assert_eq!(p.zero_on, None);
        assert_eq!(p.per_day, None);
        assert!(matches!(p.why_not, Some(NoProjection::TooShort(d)) if d > 6.9 && d < 7.0));
        assert_eq!(
            p.sentence(),
            "13 exceptions open after run 2 on 2026-04-08 (2 of them overdue then); runs span 6.9 days so far; a projection needs at least 7 days between the first and last recorded runs"
        );
        // Exactly 7 days: 7 closed over 7 days, 13 left, so zero 13 days after the last run.
        let week = [
            run(1, "2026-04-01T09:00:00Z", 20, 0),
            run(2, "2026-04-08T09:00:00Z", 13, 0),
        ];
        let p = Projection::of(&week, &utc());
        assert_eq!(p.why_not, None);
        assert_eq!(p.per_day, Some(1.0));
        assert_eq!(p.zero_on, Some(jiff::civil::date(2026, 4, 21)));
        assert_eq!(
            p.sentence(),
            "13 exceptions open after run 2 on 2026-04-08 (none of them overdue then), closing 1.0 a day: zero projected around 2026-04-21"
        );
        let j = p.to_json();
        assert_eq!(j["zero_on"], "2026-04-21");
        assert_eq!(j["why_not"], serde_json::Value::Null);
        assert_eq!(j["span_days"], 7.0);
    }

    #[test]
    fn runs_seconds_apart_project_nothing() {
        let runs = [
            run(1, "2026-04-01T09:00:00Z", 5061, 0),
            run(2, "2026-04-01T09:00:01.5Z", 5060, 0),
        ];
        let p = Projection::of(&runs, &utc());
        assert_eq!(p.zero_on, None);
        let s = p.sentence();
        assert!(
            s.ends_with("runs span 0.0 days so far; a projection needs at least 7 days between the first and last recorded runs"),
            "{s}"
        );
        assert!(s.starts_with("5,060 exceptions open after run 2"), "{s}");
        assert!(!s.contains("a day"), "{s}");
        assert_eq!(p.to_json()["why_not"]["code"], "span_too_short");
    }

    #[test]
    fn a_register_not_falling_says_so_and_dates_are_the_orgs() {
        let runs = [
            run(1, "2026-04-01T09:00:00Z", 10, 0),
            run(2, "2026-04-20T23:30:00Z", 12, 1),
        ];
        let paris = jiff::tz::TimeZone::get("Europe/Paris").expect("zone");
        let p = Projection::of(&runs, &paris);
        assert_eq!(p.why_not, Some(NoProjection::NotFalling));
        assert_eq!(p.zero_on, None);
        // 23:30 UTC is the next day in Paris.
        assert_eq!(p.latest, Some((2, jiff::civil::date(2026, 4, 21))));
        assert_eq!(
            p.sentence(),
            "12 exceptions open after run 2 on 2026-04-21 (1 of them overdue then); not falling since the first recorded run: no date to zero can be projected"
        );
        // The date to zero is counted from the org's day too.
        let falling = [
            run(1, "2026-04-01T09:00:00Z", 30, 0),
            run(2, "2026-04-11T23:30:00Z", 10, 0),
        ];
        let p = Projection::of(&falling, &paris);
        assert_eq!(p.latest, Some((2, jiff::civil::date(2026, 4, 12))));
        let per_day = p.per_day.expect("projected");
        assert!((per_day - 20.0 / (10.0 + 14.5 / 24.0)).abs() < 1e-9);
        assert_eq!(p.zero_on, Some(jiff::civil::date(2026, 4, 18)));
    }

    #[test]
    fn no_run_one_run_and_zero_say_why() {
        assert_eq!(
            projection(&[], &utc()),
            "no recorded run yet: record one with `fieldcheck audit KIT --record`"
        );
        assert_eq!(
            projection(&[run(1, "2026-04-01T09:00:00Z", 1, 0)], &utc()),
            "1 exception open after run 1 on 2026-04-01 (none of them overdue then); one run recorded so far: record again to see the trend"
        );
        let zero = [
            run(1, "2026-04-01T09:00:00Z", 3, 0),
            run(2, "2026-04-02T09:00:00Z", 0, 0),
        ];
        assert_eq!(
            projection(&zero, &utc()),
            "the register is at zero after run 2 on 2026-04-02"
        );
        assert_eq!(
            Projection::of(&zero, &utc()).to_json()["why_not"]["code"],
            "at_zero"
        );
    }

    #[test]
    fn the_register_keeps_the_conclusion_engines_conclusions_one_to_one() {
        let engine = fieldcheck_controls::Conclusion::ALL;
        assert_eq!(engine.len(), Conclusion::ALL.len());
        for c in engine {
            let kept = to_register(c);
            assert_eq!(kept.as_str(), c.as_str());
            assert_eq!(from_register(kept), c);
            assert_eq!(kept.harshness(), c.severity(), "{c:?}");
        }
        for c in Conclusion::ALL {
            assert_eq!(to_register(from_register(c)), c);
        }
    }
}
