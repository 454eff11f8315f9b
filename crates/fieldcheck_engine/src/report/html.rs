//! The committee's report as one self-contained HTML document: inline CSS and SVG, no script, no
//! font or image fetched, so it opens offline and prints (to PDF) as it shows.
//!
//! Every text from the kit or the register is escaped ([`esc`]): evidence is data, never markup.

use std::fmt::Write;

use fieldcheck_controls::Conclusion;
use fieldcheck_kit::thousands;

use super::committee::{Committee, Remediation};
use super::percent;

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = r#"
:root { --ink: #1d2430; --muted: #5b6472; --line: #d9dee6; --red: #b42318; --amber: #a15c07;
  --green: #1a7f37; --blue: #1f5fa8; --grey: #6b7280; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink);
  font-size: 10pt; line-height: 1.4; margin: 0 auto; max-width: 190mm; padding: 8mm 6mm; }
h1 { font-size: 17pt; margin: 0 0 2pt; }
h2 { font-size: 12.5pt; margin: 14pt 0 5pt; border-bottom: 1px solid var(--line); padding-bottom: 2pt;
  break-after: avoid; }
p { margin: 4pt 0; }
.sub { color: var(--muted); margin: 0 0 8pt; }
.lead { font-size: 10.5pt; }
.answers { display: grid; grid-template-columns: repeat(3, 1fr); gap: 6pt; margin: 8pt 0; }
.answer { border: 1px solid var(--line); border-top-width: 4px; border-radius: 3px; padding: 5pt 6pt;
  break-inside: avoid; font-size: 9pt; }
.answer .q { color: var(--muted); font-size: 8.5pt; }
.answer .a { font-weight: bold; font-size: 11.5pt; margin: 2pt 0; }
.answer.yes { border-top-color: var(--green); } .answer.yes .a { color: var(--green); }
.answer.partly { border-top-color: var(--amber); } .answer.partly .a { color: var(--amber); }
.answer.no { border-top-color: var(--red); } .answer.no .a { color: var(--red); }
.answer.not_known { border-top-color: var(--grey); } .answer.not_known .a { color: var(--grey); }
table { border-collapse: collapse; width: 100%; font-size: 8.8pt; }
th { text-align: left; color: var(--muted); font-weight: normal; border-bottom: 1px solid var(--ink);
  padding: 2pt 4pt; }
td { border-bottom: 1px solid var(--line); padding: 3pt 4pt; vertical-align: top; }
tr { break-inside: avoid; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.why { color: var(--muted); font-size: 8pt; }
td .id { font-size: 7.6pt; }
td.nowrap { white-space: nowrap; }
th.wide { width: 56%; }
.badge { display: inline-block; padding: 0 4pt; border-radius: 2px; font-size: 8.3pt;
  white-space: nowrap; border: 1px solid currentColor; }
.c-ineffective { color: var(--red); font-weight: bold; }
.c-effective_with_exceptions { color: var(--amber); }
.c-effective { color: var(--green); }
.c-not_evidenced { color: var(--amber); font-weight: bold; }
.c-not_occurring { color: var(--blue); }
.c-scoped_out { color: var(--grey); }
.verdict { margin-top: 5pt; font-size: 9pt; }
code, .id { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 8.3pt; }
.late { color: var(--red); font-weight: bold; }
.chart { width: 100%; height: auto; margin: 4pt 0; }
ul { margin: 3pt 0; padding-left: 14pt; }
li { margin: 1pt 0; }
.box { border-left: 3px solid var(--line); padding: 2pt 8pt; break-inside: avoid; }
.box.warn { border-left-color: var(--amber); }
.box.ok { border-left-color: var(--green); }
footer { margin-top: 14pt; color: var(--muted); font-size: 7.8pt; border-top: 1px solid var(--line);
  padding-top: 4pt; }
@media print { body { padding: 0; max-width: none; } }
"#;

/// The paper an org prints on: US Letter for an org on American time, A4 elsewhere.
pub fn paper_for(timezone: &str) -> &'static str {
    if timezone.starts_with("America/") {
        "Letter"
    } else {
        "A4"
    }
}

/// Renders the committee's report; `paper` is the CSS page size (`A4` or `Letter`).
pub fn render(c: &Committee, paper: &str, generator: &str) -> String {
    let mut o = String::with_capacity(32 * 1024);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"generator\" content=\"{}\">\n<title>SOC 2 readiness: {}</title>\n\
         <style>@page {{ size: {}; margin: 14mm 13mm; }}{STYLE}</style>\n</head>\n<body>\n",
        esc(generator),
        esc(&c.org),
        esc(paper)
    );
    let _ = writeln!(
        o,
        "<h1>SOC 2 Type II readiness: {}</h1>\n<p class=\"sub\">Observation window {} · as of {} · all of every population tested</p>",
        esc(&c.org),
        esc(&c.window),
        esc(&c.as_of)
    );
    // The three questions, answered in the first paragraph, then one card each.
    let _ = writeln!(o, "<p class=\"lead\">{}</p>", prose(&c.first_paragraph()));
    let _ = writeln!(o, "<div class=\"answers\">");
    for a in &c.answers {
        let _ = writeln!(
            o,
            "<div class=\"answer {}\"><div class=\"q\">{}</div><div class=\"a\">{}</div></div>",
            a.verdict,
            esc(a.question),
            esc(&a.short)
        );
    }
    let _ = writeln!(o, "</div>");

    controls(&mut o, c);
    remediation(&mut o, &c.remediation);
    changes(&mut o, c);
    integrity(&mut o, c);

    let _ = writeln!(
        o,
        "<footer>Made by {} from the evidence kit and the exception register. Conclusions follow the census-first rule: isolated deviations are exceptions disclosed with the control relied on; a marker of a systematic deviation (rate, concentration, a missed period) makes it ineffective. “P(exception)” is the chance that an auditor's sample, drawn as fieldwork would draw it, hits a deviation. A control without complete evidence is not evidenced, never passed.</footer>\n</body>\n</html>",
        esc(generator)
    );
    o
}

/// The conclusion's reason without what the badge already says, up to its first `;` (the rest,
/// such as where deviations concentrate, is in the audit report).
fn short_why(r: &super::committee::ControlRow) -> &str {
    let why = r.why.trim();
    let why = why
        .split_once(": ")
        .filter(|(head, _)| {
            !head.contains(' ') || head.starts_with("effective") || head.starts_with("not ")
        })
        .map_or(why, |(_, rest)| rest);
    why.split(';').next().unwrap_or(why).trim()
}

fn class_of(c: Option<Conclusion>) -> &'static str {
    match c {
        Some(Conclusion::Effective) => "c-effective",
        Some(Conclusion::EffectiveWithExceptions) => "c-effective_with_exceptions",
        Some(Conclusion::Ineffective) => "c-ineffective",
        Some(Conclusion::NotEvidenced) => "c-not_evidenced",
        Some(Conclusion::NotOccurring) => "c-not_occurring",
        None => "c-scoped_out",
    }
}

fn controls(o: &mut String, c: &Committee) {
    let _ = writeln!(o, "<h2>Each control's conclusion and readiness odds</h2>");
    let _ = writeln!(
        o,
        "<table>\n<thead><tr><th>Control</th><th>Criteria</th><th>Conclusion</th><th class=\"n\">Population</th><th class=\"n\">Deviations</th><th class=\"n\">P(exception)</th></tr></thead>\n<tbody>"
    );
    for r in &c.controls {
        let _ = writeln!(
            o,
            "<tr><td><span class=\"id\">{}</span><br><span class=\"why\">{}</span></td><td>{}</td><td><span class=\"badge {}\">{}</span></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&r.id),
            esc(short_why(r)),
            esc(&r.criteria),
            class_of(r.conclusion),
            esc(r.conclusion_label),
            thousands(r.population),
            thousands(r.deviations),
            if r.conclusion.is_none() {
                "–".to_string()
            } else {
                esc(&percent(r.exception_probability))
            }
        );
    }
    let _ = writeln!(o, "</tbody>\n</table>");
    let _ = writeln!(
        o,
        "<p class=\"verdict\"><b>Self-check:</b> {}.</p>",
        prose(&c.verdict)
    );
}

fn remediation(o: &mut String, r: &Remediation) {
    let _ = writeln!(o, "<h2>Remediation: open and overdue exceptions</h2>");
    if !r.tracked {
        let _ = writeln!(
            o,
            "<p class=\"box warn\">No exception register has been recorded for this kit, so no exception has an owner or a target date yet. Record this audit with <code>fieldcheck audit KIT --record</code>, assign owners and targets, and re-run this report.</p>"
        );
        return;
    }
    if r.runs.len() > 1 {
        let _ = writeln!(o, "{}", burndown_svg(r));
    }
    let _ = writeln!(
        o,
        "<p>{} not closed ({} overdue, {} without an owner, {} accepted as risks). {}.</p>",
        thousands(r.unclosed),
        thousands(r.overdue),
        thousands(r.unassigned),
        thousands(r.accepted),
        prose(&capital(&r.projection))
    );
    if r.owners.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "<h2>Top exceptions by owner</h2>\n<table>\n<thead><tr><th>Owner</th><th class=\"n\">Open</th><th class=\"n\">Overdue</th><th>Next target</th><th class=\"wide\">Most pressing (target)</th></tr></thead>\n<tbody>"
    );
    for w in &r.owners {
        let items: Vec<String> = w
            .exceptions
            .iter()
            .map(|e| {
                format!(
                    "<span class=\"id\">{}</span> · {}{}",
                    esc(&e.id),
                    if e.target.is_empty() {
                        "no target".to_string()
                    } else {
                        esc(&e.target)
                    },
                    if e.overdue {
                        " <span class=\"late\">overdue</span>"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n{}\">{}</td><td class=\"nowrap\">{}</td><td>{}</td></tr>",
            esc(&w.owner),
            thousands(w.open),
            if w.overdue > 0 { " late" } else { "" },
            thousands(w.overdue),
            esc(w.next_target.as_deref().unwrap_or("none set")),
            items.join("<br>")
        );
    }
    let _ = writeln!(o, "</tbody>\n</table>");
    if r.more_owners > 0 {
        let _ = writeln!(
            o,
            "<p class=\"why\">…and {} more; the whole register: <code>fieldcheck exceptions list</code>.</p>",
            fieldcheck_kit::count(r.more_owners, "owner", "owners")
        );
    }
}

/// The burndown: open (solid) and overdue (red) after each recorded run, over time, with a dashed
/// line to the projected date to zero when there is one. Coordinates are rounded to 0.1 so the
/// same register draws the same bytes.
/// The burndown chart of open and overdue exceptions by recorded run, with the projection to
/// zero, as an inline SVG (the committee report's, and the web server's overview).
pub fn burndown_svg(r: &Remediation) -> String {
    let (w, h) = (640.0_f64, 150.0_f64);
    let (left, right, top, bottom) = (44.0, 16.0, 24.0, 30.0);
    let secs = |at: &str| {
        at.parse::<jiff::Timestamp>()
            .map(|t| t.as_second())
            .unwrap_or(0)
    };
    let zero_secs = r
        .zero_on
        .as_deref()
        .and_then(|d| d.parse::<jiff::civil::Date>().ok())
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp().as_second());
    let first = r.runs.first().map(|p| secs(&p.at)).unwrap_or(0);
    let last = r
        .runs
        .last()
        .map(|p| secs(&p.at))
        .unwrap_or(0)
        .max(zero_secs.unwrap_or(0));
    let span = (last - first).max(1) as f64;
    let max = r.runs.iter().map(|p| p.open).max().unwrap_or(0).max(1) as f64;
    let x = |t: i64| left + (t - first) as f64 / span * (w - left - right);
    let y = |v: i64| top + (1.0 - v as f64 / max) * (h - top - bottom);
    let pts = |f: &dyn Fn(&super::committee::RunPoint) -> i64| {
        r.runs
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(secs(&p.at)), y(f(p))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Open and overdue exceptions by recorded run\">"
    );
    // Axes and the gridline at the top value.
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#1d2430\" stroke-width=\"1\"/>",
        h - bottom,
        w - right,
        h - bottom
    );
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"#1d2430\" stroke-width=\"1\"/>",
        h - bottom
    );
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{:.1}\" y2=\"{top}\" stroke=\"#d9dee6\" stroke-width=\"1\"/>",
        w - right
    );
    let text = |s: &mut String, x: f64, y: f64, anchor: &str, t: &str| {
        let _ = write!(
            s,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"10\" fill=\"#5b6472\" text-anchor=\"{anchor}\">{}</text>",
            esc(t)
        );
    };
    text(
        &mut s,
        left - 4.0,
        top + 4.0,
        "end",
        &thousands(max as usize),
    );
    text(&mut s, left - 4.0, h - bottom + 4.0, "end", "0");
    if let (Some(a), Some(b)) = (r.runs.first(), r.runs.last()) {
        text(&mut s, left, h - bottom + 16.0, "start", &a.day);
        if r.runs.len() > 1 && zero_secs.is_none() {
            text(&mut s, w - right, h - bottom + 16.0, "end", &b.day);
        }
    }
    if let (Some(z), Some(b)) = (zero_secs, r.runs.last()) {
        let _ = write!(
            s,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#1d2430\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>",
            x(secs(&b.at)),
            y(b.open),
            x(z),
            y(0)
        );
        text(
            &mut s,
            w - right,
            h - bottom + 16.0,
            "end",
            &format!("zero around {}", r.zero_on.as_deref().unwrap_or("")),
        );
    }
    let _ = write!(
        s,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#1d2430\" stroke-width=\"2\"/>",
        pts(&|p| p.open)
    );
    let _ = write!(
        s,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#b42318\" stroke-width=\"2\"/>",
        pts(&|p| p.overdue)
    );
    for p in &r.runs {
        let _ = write!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"#1d2430\"/>",
            x(secs(&p.at)),
            y(p.open)
        );
    }
    // The legend.
    let (lx, ly) = (w - right - 130.0, 8.0);
    let _ = write!(
        s,
        "<line x1=\"{lx:.1}\" y1=\"{ly}\" x2=\"{:.1}\" y2=\"{ly}\" stroke=\"#1d2430\" stroke-width=\"2\"/>",
        lx + 14.0
    );
    text(&mut s, lx + 18.0, ly + 4.0, "start", "open");
    let _ = write!(
        s,
        "<line x1=\"{:.1}\" y1=\"{ly}\" x2=\"{:.1}\" y2=\"{ly}\" stroke=\"#b42318\" stroke-width=\"2\"/>",
        lx + 60.0,
        lx + 74.0
    );
    text(&mut s, lx + 78.0, ly + 4.0, "start", "overdue");
    s.push_str("</svg>");
    s
}

fn changes(o: &mut String, c: &Committee) {
    let ch = &c.changes;
    let _ = writeln!(o, "<h2>What changed since the last recorded run</h2>");
    let _ = writeln!(o, "<p>{}.</p>", prose(&capital(&ch.summary)));
    if !ch.conclusions.is_empty() {
        let _ = writeln!(o, "<ul>");
        for (id, then, now) in &ch.conclusions {
            let _ = writeln!(
                o,
                "<li><span class=\"id\">{}</span>: {} then, {} now</li>",
                esc(id),
                esc(then),
                esc(now)
            );
        }
        let _ = writeln!(o, "</ul>");
    }
    let (n_opened, n_remediated, n_reopened) = ch.counts;
    let mut list = |label: &str, ids: &[String], total: usize| {
        if ids.is_empty() {
            return;
        }
        let more = total.saturating_sub(ids.len());
        let _ = writeln!(
            o,
            "<p><b>{label}</b> ({}): {}{}</p>",
            thousands(total),
            ids.iter()
                .map(|i| format!("<span class=\"id\">{}</span>", esc(i)))
                .collect::<Vec<_>>()
                .join(", "),
            if more > 0 {
                format!(" and {} more", thousands(more))
            } else {
                String::new()
            }
        );
    };
    list("Reopened", &ch.reopened, n_reopened);
    list("Remediated", &ch.remediated, n_remediated);
    list("Opened", &ch.opened, n_opened);
}

fn integrity(o: &mut String, c: &Committee) {
    let i = &c.integrity;
    let _ = writeln!(o, "<h2>The evidence's integrity</h2>");
    let class = if i.from_locker && i.key_verified {
        "box ok"
    } else {
        "box warn"
    };
    let _ = writeln!(o, "<div class=\"{class}\">");
    if let Some(h) = &i.head {
        let _ = writeln!(o, "<p>Locker head <code>{}</code>.</p>", esc(h));
    }
    for l in &i.lines {
        let _ = writeln!(o, "<p>{}</p>", prose(l));
    }
    let _ = writeln!(o, "</div>");
}

/// Escapes a sentence and shows its `backticked` commands as code.
fn prose(s: &str) -> String {
    let mut o = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(o, "<code>{}</code>", esc(part));
        } else {
            o.push_str(&esc(part));
        }
    }
    o
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
