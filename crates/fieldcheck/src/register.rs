//! The exception register on the command line: `audit --record` and `fieldcheck exceptions`.
//!
//! This is where the register meets the clock and the user: the time of a change, who made it
//! (`--actor`, else `$USER`), and today's date in the org time zone. `FIELDCHECK_NOW` (RFC 3339)
//! fixes the clock for reproducible runs and tests.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use fieldcheck_controls::Audit;
use fieldcheck_controls::Status;
use fieldcheck_kit::{Config, Kit};
use fieldcheck_register::{
    Conclusion, Evaluated, Exception, Filter, Found, Override, Population, Reconciled,
    RecordedConclusion, Register, Run, RunSummary,
};
use jiff::{Span, Timestamp};
use owo_colors::OwoColorize;

/// The register's default place: `.fieldcheck/fieldcheck.db` in the kit folder.
pub fn default_path(kit_dir: &Path) -> PathBuf {
    kit_dir.join(".fieldcheck").join("fieldcheck.db")
}

/// Now, or `FIELDCHECK_NOW` when set.
pub fn now() -> anyhow::Result<Timestamp> {
    match std::env::var("FIELDCHECK_NOW") {
        Ok(v) => v
            .parse()
            .with_context(|| format!("`FIELDCHECK_NOW` = `{v}` is not an RFC 3339 timestamp")),
        Err(_) => Ok(Timestamp::now()),
    }
}

/// Who is acting: `--actor`, else the login name.
pub fn actor(given: Option<&str>) -> String {
    given
        .map(str::to_string)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .unwrap_or_else(|| "unknown".into())
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
    config: &Config,
    params: &fieldcheck_controls::Params,
    kit: &Kit,
    audit: &Audit,
    kit_label: &str,
    who: &str,
) -> anyhow::Result<Reconciled> {
    let now = now()?;
    let today = now.to_zoned(config.window.tz.clone()).date();
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
                let target = today
                    .checked_add(Span::new().days(days))
                    .unwrap_or(today)
                    .to_string();
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
    c.judgement
        .conclusion
        .and_then(|x| Conclusion::parse(x.as_str()))
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
                items: t.items.clone(),
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

/// One line about a person's conclusion just recorded.
pub fn concluded_line(o: &Override) -> String {
    use fieldcheck_register::Direction;
    let against = match (o.direction, o.computed) {
        (Direction::Softer, Some(c)) => format!("softer than the computed {c}"),
        (Direction::Harsher, Some(c)) => format!("harsher than the computed {c}"),
        (Direction::Same, Some(c)) => format!("the same as the computed {c}"),
        _ => "no computed conclusion recorded: shown as a softer override".to_string(),
    };
    format!(
        "concluded `{}` {} for the window {} ({against}, run {}){}",
        o.control,
        o.concluded,
        o.window,
        o.run,
        if o.why.is_empty() {
            String::new()
        } else {
            format!(": {}", o.why)
        }
    )
}

/// How a person's conclusion compares, for the list.
fn override_kind(x: &Override) -> String {
    use fieldcheck_register::Direction;
    let kind = match x.direction {
        Direction::Softer => "softer override",
        Direction::Harsher => "harsher override",
        Direction::Same => "override, as computed",
        Direction::Unknown => "override of no computed conclusion",
    };
    if x.is_softer() {
        kind.yellow().to_string()
    } else {
        kind.to_string()
    }
}

/// The controls' recorded conclusions in a window with people's conclusions (`exceptions
/// conclusions`); with `log`, every person's conclusion, oldest first, after them.
pub fn render_conclusions(
    window: &str,
    recorded: &[RecordedConclusion],
    overrides: &[Override],
    log: Option<&[Override]>,
) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}",
        format!("conclusions for the window {window}").bold()
    );
    if recorded.is_empty() {
        let _ = writeln!(
            o,
            "  no run of this window recorded conclusions (an older fieldcheck recorded it): record it again"
        );
    }
    let w = recorded
        .iter()
        .map(|r| r.control.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    if !recorded.is_empty() {
        let _ = writeln!(
            o,
            "  {}",
            format!("{:<w$}  {:<25}  CONCLUDED", "CONTROL", "COMPUTED (RUN)").dimmed()
        );
    }
    for r in recorded {
        let computed = format!(
            "{} ({})",
            r.conclusion.map_or("not computed", Conclusion::as_str),
            r.run
        );
        let ov = overrides.iter().find(|x| x.control == r.control);
        let concluded = match ov {
            Some(x) if x.applies() => {
                format!(
                    "{} ({} by {}, {})",
                    x.concluded.as_str().bold(),
                    override_kind(x),
                    x.actor,
                    &x.at[..x.at.len().min(10)]
                )
            }
            _ => r.conclusion.map_or("-", Conclusion::as_str).to_string(),
        };
        let _ = writeln!(o, "  {:<w$}  {computed:<25}  {concluded}", r.control);
        if let Some(x) = ov {
            if !x.why.is_empty() {
                let _ = writeln!(o, "  {:<w$}  {}", "", format!("why: {}", x.why).dimmed());
            }
            if let Some(l) = &x.lapsed {
                let _ = writeln!(
                    o,
                    "  {:<w$}  {} {} by {} no longer applies: {l}",
                    "",
                    "lapsed:".yellow(),
                    x.concluded,
                    x.actor
                );
            }
        }
    }
    if let Some(log) = log {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", "every conclusion recorded, oldest first".bold());
        if log.is_empty() {
            let _ = writeln!(o, "  none");
        }
        for x in log {
            let _ = writeln!(
                o,
                "  {}  {}  {}: {} → {} ({}, run {}){}",
                x.at.dimmed(),
                x.actor,
                x.control,
                x.computed.map_or("not recorded", Conclusion::as_str),
                x.concluded,
                x.direction.as_str(),
                x.run,
                if x.why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", x.why)
                }
            );
        }
    }
    o
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

/// One line about a recorded run.
pub fn recorded_line(r: &Reconciled, location: &str) -> String {
    format!(
        "register: run {} recorded in `{}`: {} opened, {} remediated, {} reopened as regressions, {} expired acceptances, {} still open, {} not found but not verified fixed (kept open; `exceptions show ID` says why)",
        r.run,
        shown(location),
        r.opened,
        r.remediated,
        r.reopened,
        r.expired,
        r.unchanged,
        r.unverified
    )
}

/// How many departed items are listed per test without `--verbose`.
const DEPARTURES_SHOWN: usize = 20;

/// The items that left a population since the last recorded run of the same window, per test
/// (empty when none did).
pub fn departures_text(r: &Reconciled, verbose: bool) -> String {
    let mut o = String::new();
    if r.departures.is_empty() {
        return o;
    }
    let total: usize = r.departures.iter().map(|d| d.items.len()).sum();
    let _ = writeln!(
        o,
        "register: {total} item{} left a population since the last recorded run of this window, a shrink that deserves a question:",
        if total == 1 { "" } else { "s" }
    );
    for d in &r.departures {
        let shown_n = if verbose {
            d.items.len()
        } else {
            d.items.len().min(DEPARTURES_SHOWN)
        };
        let more = d.items.len() - shown_n;
        let _ = writeln!(
            o,
            "  {}/{} ({} since run {}): {}{}",
            d.control,
            d.test,
            d.items.len(),
            d.since,
            d.items[..shown_n].join(", "),
            if more > 0 {
                format!(" and {more} more (`--verbose` lists them all)")
            } else {
                String::new()
            }
        );
    }
    o
}

/// One exception as JSON (`exceptions list` and `show --format json`).
pub fn exception_json(x: &Exception, today: &str) -> serde_json::Value {
    serde_json::json!({
        "id": x.id, "control": x.control, "test": x.test, "item": x.item, "status": x.status,
        "owner": x.owner, "target": x.target, "reasons": x.reasons.split(' ').collect::<Vec<_>>(),
        "regression": x.regression, "opened_run": x.opened_run, "last_seen_run": x.last_seen_run,
        "overdue": (x.status == "open" || x.status == "in_remediation") && x.target.as_str() < today,
        "accepted": x.accepted.as_ref().map(|(by, why, until)| serde_json::json!({"by": by, "reason": why, "until": until})),
        "detail": x.detail,
        "unverified": x.unverified,
        "response": x.response.as_ref().map(|(text, by, at)| serde_json::json!({"text": text, "by": by, "at": at})),
    })
}

/// The list as a table.
pub fn render_list(list: &[Exception], today: &str) -> String {
    let mut o = String::new();
    if list.is_empty() {
        let _ = writeln!(o, "no exception matches");
        return o;
    }
    let w_id = list
        .iter()
        .map(|e| e.id.chars().count())
        .max()
        .unwrap_or(2)
        .max(2);
    let w_owner = list
        .iter()
        .map(|e| e.owner.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        o,
        "  {}",
        format!(
            "{:<w_id$}  {:<14}  {:<w_owner$}  {:<10}  REASONS",
            "ID", "STATUS", "OWNER", "TARGET"
        )
        .dimmed()
    );
    for e in list {
        let overdue =
            (e.status == "open" || e.status == "in_remediation") && e.target.as_str() < today;
        let status = format!("{:<14}", e.status);
        let status = match e.status.as_str() {
            "remediated" => status.green().to_string(),
            "risk_accepted" => status.yellow().to_string(),
            _ => status.red().to_string(),
        };
        let target = if overdue {
            format!("{:<10}", e.target).red().bold().to_string()
        } else {
            format!("{:<10}", e.target)
        };
        let id_pad = w_id - e.id.chars().count();
        let owner_pad = w_owner - e.owner.chars().count();
        let _ = writeln!(
            o,
            "  {}{}  {status}  {}{}  {target}  {}{}",
            e.id,
            " ".repeat(id_pad),
            e.owner,
            " ".repeat(owner_pad),
            e.reasons,
            if e.regression {
                " (regression)".red().to_string()
            } else {
                String::new()
            }
        );
        if let Some(why) = &e.unverified {
            let _ = writeln!(o, "      {} {why}", "fix not verified:".yellow());
        }
        if let Some((text, by, at)) = &e.response {
            let _ = writeln!(
                o,
                "      {} {text}",
                format!("response ({by}, {}):", &at[..at.len().min(10)]).dimmed()
            );
        }
    }
    let open = list
        .iter()
        .filter(|e| e.status == "open" || e.status == "in_remediation")
        .count();
    let overdue = list
        .iter()
        .filter(|e| {
            (e.status == "open" || e.status == "in_remediation") && e.target.as_str() < today
        })
        .count();
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{} exception{}: {open} open or in remediation ({overdue} overdue)",
        list.len(),
        if list.len() == 1 { "" } else { "s" }
    );
    o
}

/// The register's columns, as exported.
const COLUMNS: [&str; 19] = [
    "id",
    "control",
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

fn row(e: &Exception) -> [String; 19] {
    let (by, why, until) = e.accepted.clone().unwrap_or_default();
    let (response, response_by, response_at) = e.response.clone().unwrap_or_default();
    [
        e.id.clone(),
        e.control.clone(),
        e.test.clone(),
        e.item.clone(),
        e.status.clone(),
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
    fieldcheck_engine::csv_out::write_csv(&COLUMNS, list.iter().map(row))
}

/// The list as an XLSX workbook.
pub fn write_xlsx(path: &Path, list: &[Exception]) -> anyhow::Result<()> {
    let mut wb = rust_xlsxwriter::Workbook::new();
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

/// One exception with its history.
pub fn render_show(reg: &mut Register, id: &str) -> anyhow::Result<String> {
    let (e, history) = reg.show(id)?;
    let mut o = String::new();
    let _ = writeln!(o, "{} {}", e.id.bold(), format!("({})", e.status).dimmed());
    let _ = writeln!(o, "  owner      {}", e.owner);
    let _ = writeln!(o, "  target     {}", e.target);
    let _ = writeln!(
        o,
        "  reasons    {}{}",
        e.reasons,
        if e.regression { " (regression)" } else { "" }
    );
    let _ = writeln!(
        o,
        "  runs       opened by run {}, last found by run {}",
        e.opened_run, e.last_seen_run
    );
    if let Some((by, why, until)) = &e.accepted {
        let _ = writeln!(o, "  accepted   by {by} until {until}: {why}");
    }
    if let Some(why) = &e.unverified {
        let _ = writeln!(
            o,
            "  unverified {why} (not found by the latest run, which could not verify a fix)"
        );
    }
    let _ = writeln!(o, "  detail     {}", e.detail);
    if let Some((text, by, at)) = &e.response {
        let _ = writeln!(o, "  response   {text} ({by}, {at})");
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", "history".bold());
    for c in history {
        let change = if c.field == "note" {
            format!("note: {}", c.new)
        } else if c.field == "response" {
            format!("response: {}", c.new)
        } else if c.field == "unverified" {
            format!("fix not verified: {}", c.new)
        } else {
            format!(
                "{}: {} → {}",
                c.field,
                if c.old.is_empty() { "∅" } else { &c.old },
                c.new
            )
        };
        let why = if c.why.is_empty() {
            String::new()
        } else {
            format!(" ({})", c.why)
        };
        let _ = writeln!(o, "  {}  {}  {change}{why}", c.at.dimmed(), c.actor);
    }
    Ok(o)
}

/// Where remediation is heading: open and overdue now, and the date the register reaches zero at
/// the closure rate between the first and the latest run.
pub fn projection(runs: &[RunSummary]) -> String {
    let (Some(first), Some(last)) = (runs.first(), runs.last()) else {
        return "no recorded run yet: record one with `fieldcheck audit KIT --record`".into();
    };
    if last.open == 0 {
        return "the register is at zero".into();
    }
    let now = format!(
        "{} open after run {} on {} ({} of them overdue then)",
        last.open,
        last.id,
        &last.at[..last.at.len().min(10)],
        last.overdue
    );
    if runs.len() == 1 {
        return format!("{now}; one run recorded so far: record again to see the trend");
    }
    let (t0, t1): (Timestamp, Timestamp) = (
        first.at.parse().unwrap_or(Timestamp::UNIX_EPOCH),
        last.at.parse().unwrap_or(Timestamp::UNIX_EPOCH),
    );
    let days = t1.duration_since(t0).as_secs_f64() / 86_400.0;
    let closed = first.open - last.open;
    if closed > 0 && days > 0.0 {
        let per_day = closed as f64 / days;
        let to_zero = (last.open as f64 / per_day).ceil() as i64;
        let date = t1
            .checked_add(jiff::SignedDuration::from_hours(24 * to_zero))
            .map(|t| t.to_string())
            .unwrap_or_default();
        format!(
            "{now}, closing {per_day:.1} a day: zero projected around {}",
            &date[..date.len().min(10)]
        )
    } else {
        format!("{now}, not falling since the first recorded run: no date to zero can be projected")
    }
}

/// Open and overdue exceptions over the recorded runs, with the projection; and the series as CSV.
pub fn render_burndown(reg: &mut Register) -> anyhow::Result<(String, String)> {
    let runs = reg.runs()?;
    let csv = fieldcheck_engine::csv_out::write_csv(
        &["run", "at", "open", "overdue"],
        runs.iter().map(|r| {
            [
                r.id.to_string(),
                r.at.clone(),
                r.open.to_string(),
                r.overdue.to_string(),
            ]
        }),
    );
    let mut o = String::new();
    if !runs.is_empty() {
        let max = runs.iter().map(|r| r.open).max().unwrap_or(0).max(1);
        let scale = |n: i64| ((n as f64 / max as f64) * 50.0).round() as usize;
        let _ = writeln!(
            o,
            "{}",
            "open exceptions by recorded run (▓ overdue)".bold()
        );
        for r in &runs {
            let overdue = scale(r.overdue);
            let bar = format!(
                "{}{}",
                "▓".repeat(overdue).red().bold(),
                "█".repeat(scale(r.open).saturating_sub(overdue)).red()
            );
            let _ = writeln!(
                o,
                "  run {:>3}  {}  {:>6} open  {:>6} overdue  {bar}",
                r.id,
                &r.at[..r.at.len().min(10)],
                r.open,
                r.overdue
            );
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "{}", projection(&runs));
    Ok((o, csv))
}

/// The filter from the command line.
pub fn filter(
    owner: Option<String>,
    control: Option<String>,
    statuses: Vec<String>,
    overdue_on: Option<String>,
) -> Filter {
    Filter {
        owner,
        control,
        statuses,
        overdue_on,
    }
}
