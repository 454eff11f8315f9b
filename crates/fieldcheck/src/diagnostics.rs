//! Cargo-style rendering of input diagnostics: severity and code, the place, the offending line
//! with a caret under the bad text, and what to do.

use std::fmt::Write;

use fieldcheck_kit::{Diagnostic, Severity};
use owo_colors::OwoColorize;

/// The longest part of a source line shown around the marked text.
const MAX_LINE: usize = 110;

/// Renders one diagnostic.
pub fn render(d: &Diagnostic) -> String {
    let mut o = String::new();
    let head = format!("{}[{}]", d.severity.as_str(), d.code);
    let head = match d.severity {
        Severity::Error => head.red().bold().to_string(),
        Severity::Warning => head.yellow().bold().to_string(),
        Severity::Note => head.cyan().bold().to_string(),
    };
    let _ = writeln!(o, "{head}{} {}", ":".bold(), d.message.bold());
    let gutter = d.line.map_or(1, |l| l.to_string().len());
    let pad = " ".repeat(gutter);
    if let Some(file) = &d.file {
        let place = match (d.line, d.column) {
            (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
            (Some(l), None) => format!("{file}:{l}"),
            _ => file.clone(),
        };
        let field = d
            .field
            .as_ref()
            .map(|f| format!(" (field `{f}`)"))
            .unwrap_or_default();
        let _ = writeln!(o, "{pad}{} {place}{field}", "-->".blue().bold());
    }
    if let (Some(line), Some(snippet)) = (d.line, &d.snippet) {
        let chars: Vec<char> = snippet.chars().collect();
        let col = d.column.unwrap_or(1).max(1) as usize - 1;
        let width = (d.span_len as usize).max(1);
        // Show a window of the line around the marked text.
        let start = if chars.len() > MAX_LINE && col > 30 {
            col - 30
        } else {
            0
        };
        let end = chars.len().min(start + MAX_LINE);
        let mut shown: String = chars[start..end].iter().collect();
        let mut caret_at = col - start;
        if start > 0 {
            shown = format!("…{shown}");
            caret_at += 1;
        }
        if end < chars.len() {
            shown.push('…');
        }
        let bar = "|".blue().bold().to_string();
        let _ = writeln!(o, "{pad} {bar}");
        let _ = writeln!(o, "{} {bar} {shown}", line.to_string().blue().bold());
        if d.column.is_some() {
            let marks = "^".repeat(width.min(MAX_LINE));
            let marks = match d.severity {
                Severity::Error => marks.red().bold().to_string(),
                _ => marks.yellow().bold().to_string(),
            };
            let _ = writeln!(o, "{pad} {bar} {}{marks}", " ".repeat(caret_at));
        }
        let _ = writeln!(o, "{pad} {bar}");
    }
    if let Some(help) = &d.help {
        let _ = writeln!(o, "{pad} {} {}: {help}", "=".blue().bold(), "help".bold());
    }
    o
}

/// Renders a list of diagnostics followed by a one-line count.
pub fn render_all(diags: &[Diagnostic]) -> String {
    let mut o = String::new();
    for d in diags {
        o.push_str(&render(d));
        o.push('\n');
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    if errors + warnings > 0 {
        let _ = writeln!(
            o,
            "{}",
            format!(
                "{}, {} in the inputs",
                fieldcheck_kit::count(errors, "error", "errors"),
                fieldcheck_kit::count(warnings, "warning", "warnings")
            )
            .bold()
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_caret_under_the_bad_value() {
        let d = Diagnostic::error(
            fieldcheck_kit::Code::NaiveTimestamp,
            "timestamp `2026-03-06T17:05:00` has no offset in `terminated_at`",
        )
        .file("people.csv")
        .line(3)
        .column(26)
        .field("terminated_at")
        .snippet("p2,jdoe@acme.test,x,2024,2026-03-06T17:05:00,false", 19)
        .help("add an offset");
        let text = render(&d);
        let plain = String::from_utf8(anstream::adapter::strip_bytes(text.as_bytes()).into_vec())
            .expect("utf8");
        assert_eq!(
            plain,
            "error[naive-timestamp]: timestamp `2026-03-06T17:05:00` has no offset in `terminated_at`\n \
             --> people.csv:3:26 (field `terminated_at`)\n  |\n3 | p2,jdoe@acme.test,x,2024,2026-03-06T17:05:00,false\n  |                          ^^^^^^^^^^^^^^^^^^^\n  |\n  = help: add an offset\n"
        );
    }
}
