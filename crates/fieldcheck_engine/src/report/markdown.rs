//! The Markdown rendering of a report, for a wiki page or a pull-request comment.

use std::fmt::Write;

use super::{Report, by_reason, verdict};
use fieldcheck_controls::{Conclusion, Status};
use fieldcheck_kit::thousands;

const FIRST_FEW: usize = 10;

/// Text from the kit or the register, made inert: a table's `|` escaped, line breaks joined, and
/// `&`, `<`, `>` written as entities so that no evidence becomes HTML in a renderer that passes
/// raw HTML through (GitHub Flavored Markdown does).
fn cell(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => o.push_str("\\|"),
            '\n' | '\r' => o.push(' '),
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            c => o.push(c),
        }
    }
    o
}

/// An item key as a code span, fenced with more backticks than it holds (CommonMark's rule), so
/// that a key with a backtick cannot end the span early.
fn code_span(s: &str) -> String {
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", s.replace(['\n', '\r'], " "))
}

/// Renders the report as Markdown.
pub fn render(r: &Report, verbose: bool) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# SOC 2 readiness: {}", cell(&r.org));
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Observation window {} to {} ({}), tested on 100 % of each population by fieldcheck.",
        r.window.start, r.window.end, r.window.timezone
    );
    let _ = writeln!(o);
    if let Some(l) = &r.locker {
        let _ = writeln!(o, "{}.", l.sentence(r.freshness_warnings()));
        let _ = writeln!(o);
        if l.key_verified {
            let _ = writeln!(o, "Signature: {}.", l.key_sentence());
        } else {
            let _ = writeln!(o, "**Warning:** {}.", l.key_sentence());
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "**Self-check: {}**", verdict(r));
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "| Control | Criteria | Status | Conclusion | Population | Deviations | P(exception) |"
    );
    let _ = writeln!(o, "|---|---|---|---|---:|---:|---:|");
    for c in &r.controls {
        let population: usize = c.tests.iter().map(|t| t.population).sum();
        let deviations: usize = c.tests.iter().map(|t| t.deviations.len()).sum();
        let status = match c.status {
            Status::Effective => "✅ effective",
            Status::Exceptions => "❌ exceptions",
            Status::NotEvidenced => "⚠️ not evidenced",
            Status::NotOccurring => "⏸️ not occurring",
            Status::NotApplicable => "➖ not applicable",
        };
        let conclusion = match c.conclusion {
            Some(Conclusion::Ineffective) => "**ineffective**",
            other => super::conclusion_label(other),
        };
        let _ = writeln!(
            o,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            c.id,
            c.criteria.join(", "),
            status,
            conclusion,
            thousands(population),
            thousands(deviations),
            super::percent(c.exception_probability)
        );
    }
    for c in r
        .controls
        .iter()
        .filter(|c| matches!(c.status, Status::Exceptions | Status::NotEvidenced))
    {
        let _ = writeln!(o);
        let _ = writeln!(o, "## `{}`: {}", c.id, c.title);
        if let Some(reason) = &c.reason {
            let _ = writeln!(o);
            let _ = writeln!(o, "> **Not evidenced:** {}", cell(reason));
        } else {
            let _ = writeln!(o);
            let _ = writeln!(o, "> **Conclusion:** {}", cell(&c.conclusion_reason));
        }
        if let Some(ov) = &c.override_ {
            let _ = writeln!(o);
            let _ = writeln!(
                o,
                "> **Override:** concluded {} by {} at {} over fieldcheck's {}{}",
                super::conclusion_label(c.conclusion),
                cell(&ov.by),
                ov.at,
                super::conclusion_label(Some(ov.computed)),
                ov.why
                    .as_deref()
                    .map(|w| format!(": {}", cell(w)))
                    .unwrap_or_default()
            );
        }
        for t in &c.tests {
            let _ = writeln!(o);
            if t.status == Status::NotOccurring {
                let _ = writeln!(o, "### `{}`: did not occur (population 0)", t.id);
                continue;
            }
            let _ = writeln!(
                o,
                "### `{}`: {} of {} {}",
                t.id,
                thousands(t.deviations.len()),
                fieldcheck_kit::count(t.population, "item", "items"),
                if t.deviations.len() == 1 {
                    "deviates"
                } else {
                    "deviate"
                }
            );
            if !t.deviations.is_empty() {
                let _ = writeln!(o);
                let _ = writeln!(o, "_{}._", super::odds_sentence(&t.sampling));
            }
            for (code, items) in by_reason(&c.id, t) {
                let _ = writeln!(o);
                let _ = writeln!(o, "**`{code}`** ({})", items.len());
                let _ = writeln!(o);
                let shown = if verbose {
                    items.len()
                } else {
                    FIRST_FEW.min(items.len())
                };
                for d in items.iter().take(shown) {
                    let ev: Vec<String> = d
                        .evidence
                        .iter()
                        .take(3)
                        .map(|e| format!("{}:{}", e.file, e.line))
                        .collect();
                    let _ = writeln!(
                        o,
                        "- {}: {} _({})_",
                        code_span(&d.item),
                        cell(&d.detail),
                        cell(&ev.join(", "))
                    );
                }
                if shown < items.len() {
                    let _ = writeln!(o, "- … and {} more", items.len() - shown);
                }
            }
        }
    }
    let notes: Vec<String> = r
        .controls
        .iter()
        .flat_map(|c| {
            c.notes
                .iter()
                .chain(c.tests.iter().flat_map(|t| t.notes.iter()))
                .map(|n| format!("`{}`: {}", c.id, cell(&n.detail)))
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "## Notes (not deviations)");
        let _ = writeln!(o);
        for n in &notes {
            let _ = writeln!(o, "- {n}");
        }
    }
    if !r.diagnostics.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "## Input diagnostics");
        let _ = writeln!(o);
        for d in &r.diagnostics {
            let place = match (&d.file, d.line, d.column) {
                (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}"),
                (Some(f), Some(l), None) => format!("{f}:{l}"),
                (Some(f), None, _) => f.clone(),
                _ => String::new(),
            };
            let _ = writeln!(
                o,
                "- **{}** `{}` {}: {}{}",
                d.severity.as_str(),
                d.code,
                place,
                cell(&d.message),
                d.help
                    .as_deref()
                    .map(|h| format!(" (help: {})", cell(h)))
                    .unwrap_or_default()
            );
        }
    }
    o
}
