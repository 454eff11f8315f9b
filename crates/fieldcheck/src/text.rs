//! The terminal rendering of a report: a header, one row per control, the deviations of each
//! failing control grouped by reason, and the self-check verdict. Colour codes are always
//! written; the caller's stream strips them when the output is not a terminal or `NO_COLOR` is set.

use std::fmt::Write;

use owo_colors::OwoColorize;

use fieldcheck_controls::{Conclusion, Risk, Status};
use fieldcheck_engine::report::{Report, by_reason, conclusion_label, verdict};

/// Items shown per reason unless `verbose`.
const FIRST_FEW: usize = 5;

fn conclusion_cell(conclusion: Option<Conclusion>, width: usize) -> String {
    let padded = format!("{:<width$}", conclusion_label(conclusion));
    match conclusion {
        Some(Conclusion::Effective) => padded.green().to_string(),
        Some(Conclusion::EffectiveWithExceptions) => padded.yellow().to_string(),
        Some(Conclusion::Ineffective) => padded.red().bold().to_string(),
        Some(Conclusion::NotEvidenced) => padded.yellow().bold().to_string(),
        Some(Conclusion::NotOccurring) => padded.blue().to_string(),
        None => padded.dimmed().to_string(),
    }
}

/// Renders the report for a terminal.
pub fn render(r: &Report, kit_label: &str, verbose: bool) -> String {
    let mut o = String::new();
    let (errors, warnings) = r.diagnostic_counts();
    let _ = writeln!(
        o,
        "{} {}",
        "fieldcheck audit".bold(),
        format!("· {}", r.org).bold()
    );
    let _ = writeln!(
        o,
        "window {} → {} ({}) · kit {} · {}, {}{}{}",
        r.window.start,
        r.window.end,
        r.window.timezone,
        kit_label,
        fieldcheck_kit::count(r.evidence.files.len(), "record kind", "record kinds"),
        fieldcheck_kit::count(r.evidence.records, "record", "records"),
        match r.evidence.sources.len() {
            0 => String::new(),
            1 => " from 1 raw export".to_string(),
            n => format!(" (from {} raw exports and the kit files)", thousands(n)),
        },
        match (errors, warnings) {
            (0, 0) => String::new(),
            _ => format!(
                " · {}",
                format!(
                    "{}, {} (shown above)",
                    fieldcheck_kit::count(errors, "input error", "input errors"),
                    fieldcheck_kit::count(warnings, "warning", "warnings")
                )
                .yellow()
            ),
        }
    );
    for p in &r.evidence.pulls {
        let what = match (&p.observed_at, &p.from, &p.to) {
            (Some(at), _, _) => format!("state observed {at}"),
            (None, Some(from), Some(to)) => format!("events {from} → {to}"),
            _ => "pulled".to_string(),
        };
        let _ = writeln!(
            o,
            "pulled: {} `{}`{} · {what}{}",
            p.adapter,
            p.call,
            p.system_id
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default(),
            match &p.shortfall {
                Some(s) => format!(" · {}", format!("shortfall: {s}").yellow()),
                None => String::new(),
            }
        );
    }
    if let Some(l) = &r.locker {
        let _ = writeln!(o, "{}", l.sentence(r.freshness_warnings()));
        if l.key_verified {
            let _ = writeln!(o, "{}", l.key_sentence());
        } else {
            let _ = writeln!(o, "{}", l.key_sentence().yellow());
        }
    }
    let _ = writeln!(o);
    let w_id = r
        .controls
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let w_cr = r
        .controls
        .iter()
        .map(|c| c.criteria.join(", ").len())
        .max()
        .unwrap_or(8)
        .max(8);
    let w_st = 15;
    let _ = writeln!(
        o,
        "  {}",
        format!(
            "{:<w_id$}  {:<w_cr$}  {:<w_st$}  {:>10}  {:>10}  {:>12}",
            "CONTROL", "CRITERIA", "CONCLUSION", "POPULATION", "DEVIATIONS", "P(EXCEPTION)"
        )
        .dimmed()
    );
    for c in &r.controls {
        let population: usize = c.tests.iter().map(|t| t.population).sum();
        let deviations: usize = c.tests.iter().map(|t| t.deviations.len()).sum();
        let _ = writeln!(
            o,
            "  {:<w_id$}  {:<w_cr$}  {}  {:>10}  {}  {}",
            c.id,
            c.criteria.join(", "),
            conclusion_cell(c.conclusion, w_st),
            thousands(population),
            if deviations > 0 {
                format!("{:>10}", thousands(deviations)).red().to_string()
            } else {
                format!("{:>10}", 0)
            },
            {
                let cell = format!(
                    "{:>12}",
                    fieldcheck_engine::report::percent(c.exception_probability)
                );
                if c.exception_probability >= 0.5 {
                    cell.red().to_string()
                } else if c.exception_probability > 0.0 {
                    cell.yellow().to_string()
                } else {
                    cell
                }
            }
        );
    }
    for c in r
        .controls
        .iter()
        .filter(|c| matches!(c.status, Status::Exceptions | Status::NotEvidenced))
    {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{} {}",
            c.id.bold(),
            format!("· {} ({})", c.title, c.criteria.join(", ")).dimmed()
        );
        if let Some(reason) = &c.reason {
            let _ = writeln!(o, "  {} {reason}", "not evidenced:".yellow().bold());
        } else {
            let line = format!("conclusion: {}", c.conclusion_reason);
            let _ = writeln!(
                o,
                "  {}",
                if c.conclusion == Some(Conclusion::Ineffective) {
                    line.red().to_string()
                } else {
                    line.yellow().to_string()
                }
            );
        }
        if let Some(ov) = &c.override_ {
            let _ = writeln!(
                o,
                "  {}",
                format!(
                    "override: concluded {} by {} at {} over fieldcheck's {}{}",
                    conclusion_label(c.conclusion),
                    ov.by,
                    ov.at,
                    conclusion_label(Some(ov.computed)),
                    ov.why
                        .as_deref()
                        .map(|w| format!(": {w}"))
                        .unwrap_or_default()
                )
                .magenta()
            );
        }
        for t in &c.tests {
            if t.status == Status::NotOccurring {
                let _ = writeln!(o, "  {} · did not occur (population 0)", t.id);
                continue;
            }
            if t.deviations.is_empty() {
                let _ = writeln!(
                    o,
                    "  {} · {}, no deviation",
                    t.id,
                    fieldcheck_kit::count(t.population, "item", "items")
                );
                continue;
            }
            let _ = writeln!(
                o,
                "  {} · {} of {} {} · {}",
                t.id.bold(),
                thousands(t.deviations.len()),
                fieldcheck_kit::count(t.population, "item", "items"),
                if t.deviations.len() == 1 {
                    "deviates"
                } else {
                    "deviate"
                },
                fieldcheck_engine::report::odds_sentence(&t.sampling).yellow()
            );
            for (code, items) in by_reason(&c.id, t) {
                let _ = writeln!(o, "    {} ({})", code.red(), items.len());
                let shown = if verbose {
                    items.len()
                } else {
                    FIRST_FEW.min(items.len())
                };
                let w_item = items
                    .iter()
                    .take(shown)
                    .map(|d| d.item.chars().count())
                    .max()
                    .unwrap_or(0);
                for d in items.iter().take(shown) {
                    let pad = w_item - d.item.chars().count();
                    let _ = writeln!(
                        o,
                        "      {}{}  {}",
                        d.item.cyan(),
                        " ".repeat(pad),
                        d.detail
                    );
                }
                if shown < items.len() {
                    let _ = writeln!(
                        o,
                        "      {}",
                        format!("… {} more (--verbose lists all)", items.len() - shown).dimmed()
                    );
                }
            }
        }
    }
    let notes: Vec<(&str, &str)> = r
        .controls
        .iter()
        .flat_map(|c| {
            c.notes
                .iter()
                .chain(c.tests.iter().flat_map(|t| t.notes.iter()))
                .map(move |n| (c.id.as_str(), n.detail.as_str()))
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", "notes (not deviations)".bold());
        let shown = if verbose {
            notes.len()
        } else {
            notes.len().min(FIRST_FEW)
        };
        for (id, n) in notes.iter().take(shown) {
            let _ = writeln!(o, "  {}  {n}", id.dimmed());
        }
        if shown < notes.len() {
            let _ = writeln!(
                o,
                "  {}",
                format!("… {} more (--verbose lists all)", notes.len() - shown).dimmed()
            );
        }
    }
    let _ = writeln!(o);
    let v = verdict(r);
    let line = format!("self-check: {v}");
    let _ = writeln!(
        o,
        "{}",
        match r.summary.risk {
            Risk::Low => line.green().bold().to_string(),
            Risk::Elevated => line.yellow().bold().to_string(),
            Risk::Material => line.red().bold().to_string(),
        }
    );
    o
}

pub(crate) use fieldcheck_kit::thousands;
