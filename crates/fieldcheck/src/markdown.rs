//! `--format markdown` of the commands that print a report besides the audit (whose Markdown is
//! `fieldcheck_engine::report::markdown`): GitHub-flavoured tables, every row with as many
//! cells as its header, and `|` escaped in cells.

use std::fmt::Write as _;

use fieldcheck_engine::record::{criteria, local_time, projection};
use fieldcheck_register::{
    Conclusion, Exception, Override, RecordedConclusion, Register, RunSummary, rules,
};
use jiff::tz::TimeZone;

/// A cell: `|` escaped, line breaks as spaces, empty as `-`.
pub(crate) fn cell(s: &str) -> String {
    let s = s.replace('|', "\\|").replace(['\r', '\n'], " ");
    if s.trim().is_empty() { "-".into() } else { s }
}

/// A table with `header` and `rows` (each as long as the header).
pub(crate) fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "| {} |", header.join(" | "));
    let _ = writeln!(
        o,
        "|{}|",
        header.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    );
    for r in rows {
        debug_assert_eq!(r.len(), header.len());
        let cells: Vec<String> = r.iter().map(|c| cell(c)).collect();
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    }
    o
}

/// `exceptions list --format markdown`.
pub(crate) fn exception_list(list: &[Exception], today: &str) -> String {
    let mut o = String::from("# Exceptions\n\n");
    if list.is_empty() {
        o.push_str("No exception matches.\n");
        return o;
    }
    o.push_str(&table(
        &[
            "ID", "Criteria", "Status", "Owner", "Target", "Overdue", "Reasons", "Response",
        ],
        list.iter().map(|e| {
            vec![
                format!("`{}`", e.id),
                criteria(&e.control).join(", "),
                format!(
                    "{}{}",
                    e.status.as_str(),
                    if e.regression { " (regression)" } else { "" }
                ),
                e.owner.clone(),
                e.target.clone(),
                if rules::is_overdue(e.status, &e.target, today) {
                    "yes".into()
                } else {
                    "no".into()
                },
                e.reasons.clone(),
                e.response.as_ref().map(|r| r.0.clone()).unwrap_or_default(),
            ]
        }),
    ));
    let open = list.iter().filter(|e| rules::is_active(e.status)).count();
    let overdue = list
        .iter()
        .filter(|e| rules::is_overdue(e.status, &e.target, today))
        .count();
    let _ = writeln!(
        o,
        "\n{}: {} open or in remediation ({} overdue).",
        fieldcheck_kit::count(list.len(), "exception", "exceptions"),
        fieldcheck_kit::thousands(open),
        fieldcheck_kit::thousands(overdue)
    );
    o
}

/// `exceptions show --format markdown`: the exception, then its history in the org's zone.
pub(crate) fn exception_show(
    reg: &mut Register,
    id: &str,
    tz: &TimeZone,
) -> anyhow::Result<String> {
    let (e, history) = reg.show(id)?;
    let mut o = String::new();
    let _ = writeln!(o, "# `{}` ({})\n", e.id, e.status);
    let mut fields = vec![
        ("Criteria", criteria(&e.control).join(", ")),
        ("Owner", e.owner.clone()),
        ("Target", e.target.clone()),
        (
            "Reasons",
            format!(
                "{}{}",
                e.reasons,
                if e.regression { " (regression)" } else { "" }
            ),
        ),
        (
            "Runs",
            format!(
                "opened by run {}, last found by run {}",
                e.opened_run, e.last_seen_run
            ),
        ),
        ("Detail", e.detail.clone()),
    ];
    if let Some((by, why, until)) = &e.accepted {
        fields.push(("Accepted", format!("by {by} until {until}: {why}")));
    }
    if let Some(why) = &e.unverified {
        fields.push(("Fix not verified", why.clone()));
    }
    if let Some((text, by, at)) = &e.response {
        fields.push(("Response", format!("{text} ({by}, {})", local_time(at, tz))));
    }
    for (k, v) in fields {
        let _ = writeln!(o, "- **{k}:** {}", cell(&v));
    }
    let _ = writeln!(o, "\n## History\n");
    o.push_str(&table(
        &["Time", "Actor", "Field", "Old", "New", "Why"],
        history.iter().map(|c| {
            vec![
                local_time(&c.at, tz),
                c.actor.clone(),
                c.field.clone(),
                c.old.clone(),
                c.new.clone(),
                c.why.clone(),
            ]
        }),
    ));
    Ok(o)
}

/// `exceptions conclusions --format markdown`.
pub(crate) fn conclusions(
    window: &str,
    recorded: &[RecordedConclusion],
    overrides: &[Override],
    log: Option<&[Override]>,
    tz: &TimeZone,
) -> String {
    let mut o = format!("# Conclusions for the window {window}\n\n");
    if recorded.is_empty() {
        o.push_str("No run of this window recorded conclusions: record it again.\n");
    } else {
        o.push_str(&table(
            &["Control", "Computed", "Run", "Concluded", "By", "Why"],
            recorded.iter().map(|r| {
                let ov = overrides
                    .iter()
                    .find(|x| x.control == r.control && x.applies());
                vec![
                    r.control.clone(),
                    r.conclusion
                        .map_or("not computed", Conclusion::as_str)
                        .into(),
                    r.run.to_string(),
                    ov.map_or(
                        r.conclusion.map_or("-", Conclusion::as_str).to_string(),
                        |x| format!("{} ({})", x.concluded, x.direction.as_str()),
                    ),
                    ov.map(|x| format!("{}, {}", x.actor, local_time(&x.at, tz)))
                        .unwrap_or_default(),
                    ov.map(|x| x.why.clone()).unwrap_or_default(),
                ]
            }),
        ));
    }
    if let Some(log) = log {
        o.push_str("\n## Every conclusion recorded, oldest first\n\n");
        o.push_str(&table(
            &[
                "Time",
                "Actor",
                "Control",
                "Computed",
                "Concluded",
                "Direction",
                "Run",
                "Why",
            ],
            log.iter().map(|x| {
                vec![
                    local_time(&x.at, tz),
                    x.actor.clone(),
                    x.control.clone(),
                    x.computed.map_or("not recorded", Conclusion::as_str).into(),
                    x.concluded.to_string(),
                    x.direction.as_str().into(),
                    x.run.to_string(),
                    x.why.clone(),
                ]
            }),
        ));
    }
    o
}

/// `exceptions burndown --format markdown`.
pub(crate) fn burndown(runs: &[RunSummary], tz: &jiff::tz::TimeZone) -> String {
    let mut o = String::from("# Burndown of open exceptions\n\n");
    if !runs.is_empty() {
        o.push_str(&table(
            &["Run", "At", "Open", "Overdue"],
            runs.iter().map(|r| {
                vec![
                    r.id.to_string(),
                    r.at.clone(),
                    fieldcheck_kit::thousands(r.open.max(0) as usize),
                    fieldcheck_kit::thousands(r.overdue.max(0) as usize),
                ]
            }),
        ));
        o.push('\n');
    }
    let _ = writeln!(o, "{}.", projection(runs, tz).trim_end_matches('.'));
    o
}
