//! The exception register on the command line: the clock and the actor (`FIELDCHECK_NOW`,
//! `--actor`, git's `user.email`, `$USER`), the one-line feedback of a change, and the terminal
//! renderings of `audit --record` and `fieldcheck exceptions`. Recording, the rules and the
//! exports are the engine's (`fieldcheck_engine::record`) and the register's
//! (`fieldcheck_register::rules`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context;
use fieldcheck_engine::record::{Projection, local_time, shown};
use fieldcheck_register::{
    Conclusion, Exception, ExceptionStatus, Override, Reconciled, RecordedConclusion, Register,
    rules,
};
use jiff::Timestamp;
use owo_colors::OwoColorize;

/// Now, or `FIELDCHECK_NOW` when set.
pub fn now() -> anyhow::Result<Timestamp> {
    match std::env::var("FIELDCHECK_NOW") {
        Ok(v) => v
            .parse()
            .with_context(|| format!("`FIELDCHECK_NOW` = `{v}` is not an RFC 3339 timestamp")),
        Err(_) => Ok(Timestamp::now()),
    }
}

/// Who is acting, as the history records it: `--actor`, else git's `user.email` (asked in
/// `dir`, the kit's folder, so a repository's own setting counts; no git is fine), else `$USER`
/// (`%USERNAME%` on Windows), else `unknown` with a warning on stderr: never silently.
pub fn actor(given: Option<&str>, dir: &Path) -> String {
    if let Some(a) = given.map(str::trim).filter(|a| !a.is_empty()) {
        return a.to_string();
    }
    if let Some(email) = git_email(dir) {
        return email;
    }
    for var in ["USER", "USERNAME"] {
        if let Ok(v) = std::env::var(var)
            && !v.trim().is_empty()
        {
            return v.trim().to_string();
        }
    }
    let _ = writeln!(
        anstream::stderr(),
        "warning: nobody to name in the history: no `--actor`, no git `user.email` and no `$USER`; recording `unknown` (pass `--actor you@example.com`)"
    );
    "unknown".into()
}

/// git's `user.email` as seen from `dir` (or the current folder when `dir` is not one).
fn git_email(dir: &Path) -> Option<String> {
    let dir = if dir.is_dir() { dir } else { Path::new(".") };
    let o = std::process::Command::new("git")
        .args(["config", "user.email"])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let email = String::from_utf8(o.stdout).ok()?.trim().to_string();
    (o.status.success() && !email.is_empty()).then_some(email)
}

/// One line saying what the latest change to exception `id` changed:
/// `access-reviews/quarterly-reviews/github/2026-Q2: owner unassigned → alice@example.com`.
pub fn change_line(reg: &mut Register, id: &str) -> anyhow::Result<String> {
    let (_, history) = reg.show(id)?;
    let Some(c) = history.last() else {
        return Ok(format!("{id}: no change recorded"));
    };
    let what = match c.field.as_str() {
        "note" => format!("note added: {}", c.new),
        "response" if c.old.is_empty() => format!("management's response recorded: {}", c.new),
        "response" => format!("management's response replaced: {}", c.new),
        field => {
            let none = if field == "owner" {
                "unassigned"
            } else {
                "none"
            };
            let old = if c.old.is_empty() { none } else { &c.old };
            let why = if c.why.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.why)
            };
            format!("{field} {old} → {}{why}", c.new)
        }
    };
    Ok(format!("{id}: {what}"))
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
    tz: &jiff::tz::TimeZone,
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
                    local_time(&x.at, tz).get(..10).unwrap_or(&x.at)
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
                local_time(&x.at, tz).dimmed(),
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

/// One line about a recorded run.
pub fn recorded_line(r: &Reconciled, location: &str) -> String {
    format!(
        "register: run {} recorded in `{}`: {} opened, {} remediated, {} reopened as regressions, {} expired, {} still open, {} not found but not verified fixed (kept open; `exceptions show ID` says why)",
        r.run,
        shown(location),
        fieldcheck_kit::thousands(r.opened),
        fieldcheck_kit::thousands(r.remediated),
        fieldcheck_kit::thousands(r.reopened),
        fieldcheck_kit::count(r.expired, "acceptance", "acceptances"),
        fieldcheck_kit::thousands(r.unchanged),
        fieldcheck_kit::thousands(r.unverified)
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
        "register: {} left a population since the last recorded run of this window, a shrink that deserves a question:",
        fieldcheck_kit::count(total, "item", "items")
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
            fieldcheck_kit::thousands(d.items.len()),
            d.since,
            d.items[..shown_n].join(", "),
            if more > 0 {
                format!(
                    " and {} more (`--verbose` lists them all)",
                    fieldcheck_kit::thousands(more)
                )
            } else {
                String::new()
            }
        );
    }
    o
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
        let overdue = rules::is_overdue(e.status, &e.target, today);
        let status = format!("{:<14}", e.status.as_str());
        let status = match e.status {
            ExceptionStatus::Remediated => status.green().to_string(),
            ExceptionStatus::RiskAccepted => status.yellow().to_string(),
            ExceptionStatus::Open | ExceptionStatus::InRemediation => status.red().to_string(),
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
    let open = list.iter().filter(|e| rules::is_active(e.status)).count();
    let overdue = list
        .iter()
        .filter(|e| rules::is_overdue(e.status, &e.target, today))
        .count();
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{}: {} open or in remediation ({} overdue)",
        fieldcheck_kit::count(list.len(), "exception", "exceptions"),
        fieldcheck_kit::thousands(open),
        fieldcheck_kit::thousands(overdue)
    );
    o
}

/// One exception with its history, each time in the org's zone `tz` (`2026-10-03 09:14 EDT`).
pub fn render_show(
    reg: &mut Register,
    id: &str,
    tz: &jiff::tz::TimeZone,
) -> anyhow::Result<String> {
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
        let _ = writeln!(o, "  response   {text} ({by}, {})", local_time(at, tz));
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
        let _ = writeln!(
            o,
            "  {}  {}  {change}{why}",
            local_time(&c.at, tz).dimmed(),
            c.actor
        );
    }
    Ok(o)
}

/// Open and overdue exceptions over the recorded runs, with the projection (dates in `tz`).
pub fn render_burndown(
    runs: &[fieldcheck_register::RunSummary],
    tz: &jiff::tz::TimeZone,
) -> String {
    let mut o = String::new();
    if !runs.is_empty() {
        let max = runs.iter().map(|r| r.open).max().unwrap_or(0).max(1);
        let scale = |n: i64| ((n as f64 / max as f64) * 50.0).round() as usize;
        let _ = writeln!(
            o,
            "{}",
            "open exceptions by recorded run (▓ overdue)".bold()
        );
        for r in runs {
            let overdue = scale(r.overdue);
            let bar = format!(
                "{}{}",
                "▓".repeat(overdue).red().bold(),
                "█".repeat(scale(r.open).saturating_sub(overdue)).red()
            );
            // The run's day in the org's time zone, as the projection dates it.
            let day =
                r.at.parse::<Timestamp>()
                    .map(|t| t.to_zoned(tz.clone()).date().to_string())
                    .unwrap_or_else(|_| r.at[..r.at.len().min(10)].to_string());
            let _ = writeln!(
                o,
                "  run {:>3}  {day}  {:>6} open  {:>6} overdue  {bar}",
                r.id, r.open, r.overdue
            );
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "{}", Projection::of(runs, tz).sentence());
    o
}
