//! The report as JUnit XML, for a CI system's test view (GitLab's `reports: junit`, Jenkins):
//! a `<testsuite>` per control, a `<testcase>` per test, a `<failure>` per deviation. A test of
//! a control not evidenced has an `<error>`, one that did not occur (population 0) or was scoped
//! out is `<skipped>`. No times, so the same kit gives the same bytes. `docs/readings.md`
//! ("JUnit") gives every choice.

use std::fmt::Write;

use fieldcheck_controls::Status;

use super::{ControlOut, DeviationOut, Report, TestOut};

/// What a test case holds.
enum Outcome {
    Passed,
    Failed,
    Error(String),
    Skipped(String),
}

fn outcome(c: &ControlOut, t: &TestOut) -> Outcome {
    let not_evidenced = |c: &ControlOut| {
        Outcome::Error(format!(
            "not evidenced: {}",
            c.reason.as_deref().unwrap_or("the evidence is incomplete")
        ))
    };
    let scoped_out = |c: &ControlOut| {
        Outcome::Skipped(format!(
            "scoped out: {}",
            c.reason.as_deref().unwrap_or("no reason given")
        ))
    };
    match c.status {
        Status::NotApplicable => scoped_out(c),
        Status::NotEvidenced => not_evidenced(c),
        Status::Effective | Status::Exceptions | Status::NotOccurring => match t.status {
            Status::Effective => Outcome::Passed,
            Status::Exceptions => Outcome::Failed,
            Status::NotOccurring => Outcome::Skipped(
                "not occurring: the population is empty, the control did not operate in the window"
                    .to_string(),
            ),
            Status::NotEvidenced => not_evidenced(c),
            Status::NotApplicable => scoped_out(c),
        },
    }
}

/// The report as JUnit XML. The counts are JUnit's: `tests` test cases, `failures` test cases
/// with a deviation (each deviation is its own `<failure>`), `errors` test cases not evidenced,
/// `skipped` test cases not occurring or scoped out.
pub fn render(r: &Report) -> String {
    let mut suites = String::new();
    let mut all = [0usize; 4];
    for c in &r.controls {
        let mut n = [0usize; 4];
        let mut cases = String::new();
        for t in &c.tests {
            n[0] += 1;
            let o = outcome(c, t);
            let _ = write!(
                cases,
                "    <testcase name=\"{}\" classname=\"{}\" assertions=\"{}\"",
                attr(&t.id),
                attr(&c.id),
                t.population
            );
            let mut body = String::new();
            match &o {
                Outcome::Passed => {}
                Outcome::Failed => n[1] += 1,
                Outcome::Error(why) => {
                    n[2] += 1;
                    let _ = writeln!(
                        body,
                        "      <error message=\"{}\" type=\"not_evidenced\"/>",
                        attr(why)
                    );
                }
                Outcome::Skipped(why) => {
                    n[3] += 1;
                    let _ = writeln!(body, "      <skipped message=\"{}\"/>", attr(why));
                }
            }
            // Deviations are listed even under a control not evidenced: they were found.
            if !matches!(o, Outcome::Skipped(_)) {
                for d in &t.deviations {
                    failure(&mut body, d);
                }
            }
            if body.is_empty() {
                cases.push_str("/>\n");
            } else {
                let _ = write!(cases, ">\n{body}    </testcase>\n");
            }
        }
        for (a, b) in all.iter_mut().zip(n) {
            *a += b;
        }
        let mut props = String::new();
        let mut prop = |name: &str, value: &str| {
            let _ = writeln!(
                props,
                "      <property name=\"{}\" value=\"{}\"/>",
                attr(name),
                attr(value)
            );
        };
        for k in &c.criteria {
            prop("criterion", k);
        }
        prop("status", c.status.as_str());
        prop("conclusion", super::conclusion_label(c.conclusion));
        prop("conclusion_reason", &c.conclusion_reason);
        let _ = write!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n    <properties>\n{props}    </properties>\n{cases}  </testsuite>\n",
            attr(&format!("{}: {}", c.id, c.title)),
            n[0],
            n[1],
            n[2],
            n[3],
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n{suites}</testsuites>\n",
        attr(&format!(
            "fieldcheck: {} ({} to {})",
            r.org, r.window.start, r.window.end
        )),
        all[0],
        all[1],
        all[2],
        all[3],
    )
}

fn failure(body: &mut String, d: &DeviationOut) {
    let mut text = format!("{}: {}", d.item, d.detail);
    for e in &d.evidence {
        text.push_str("\nevidence: ");
        text.push_str(&e.file);
        if e.line > 0 {
            let _ = write!(text, ":{}", e.line);
        }
        if let Some(p) = &e.path {
            let _ = write!(text, " {p}");
        }
        if let Some(s) = &e.source {
            let _ = write!(text, " (source {s})");
        }
        if let Some(dg) = &e.digest {
            let _ = write!(text, " locker {dg}");
        }
    }
    let _ = writeln!(
        body,
        "      <failure message=\"{}\" type=\"{}\">{}</failure>",
        attr(&d.reasons.join(", ")),
        attr(&d.reasons.join(",")),
        escape(&text, false)
    );
}

fn attr(s: &str) -> String {
    escape(s, true)
}

/// XML 1.0 text: `&`, `<`, `>` and (in attributes) quotes escaped, line breaks and tabs in an
/// attribute kept as character references, and characters XML 1.0 does not allow (controls,
/// lone surrogates cannot occur in a `str`, U+FFFE and U+FFFF) dropped.
pub(crate) fn escape(s: &str, in_attribute: bool) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' if in_attribute => o.push_str("&quot;"),
            '\'' if in_attribute => o.push_str("&apos;"),
            '\n' if in_attribute => o.push_str("&#10;"),
            '\r' => o.push_str("&#13;"),
            '\t' if in_attribute => o.push_str("&#9;"),
            '\t' | '\n' => o.push(ch),
            c if (c as u32) < 0x20 => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_drops_illegal_characters() {
        assert_eq!(
            escape("<script>a & b</script>\u{0}\u{1b}[31m\u{FFFF}", false),
            "&lt;script&gt;a &amp; b&lt;/script&gt;[31m"
        );
        assert_eq!(escape("a\"b'\nc\td", true), "a&quot;b&apos;&#10;c&#9;d");
        assert_eq!(escape("line\nnext\ttab", false), "line\nnext\ttab");
    }
}
