//! Diagnostics: messages about the run's inputs (config and evidence kit), never about the organisation.

use serde::Serialize;

use crate::Code;

/// Keeps at most [`Capped::MAX`] diagnostics of one code per file, counts the rest, and says how
/// many were left out: one bad column in a million rows is one message, not a million.
#[derive(Debug, Default)]
pub struct Capped {
    counts: std::collections::BTreeMap<(Option<String>, &'static str), usize>,
}

impl Capped {
    /// Diagnostics of one code kept per file.
    pub const MAX: usize = 50;

    /// Adds `d` to `diags` unless its file already has [`Capped::MAX`] of its code.
    pub fn push(&mut self, diags: &mut Vec<Diagnostic>, d: Diagnostic) {
        let n = self
            .counts
            .entry((d.file.clone(), d.code.as_str()))
            .or_insert(0);
        *n += 1;
        if *n <= Self::MAX {
            diags.push(d);
        }
    }

    /// Adds a `more-diagnostics` note for every file and code over the cap, and starts over.
    pub fn flush(&mut self, diags: &mut Vec<Diagnostic>) {
        for ((file, code), n) in std::mem::take(&mut self.counts) {
            if n > Self::MAX {
                let mut d = Diagnostic::new(
                    Severity::Note,
                    crate::Code::MoreDiagnostics,
                    format!(
                        "{} more `{code}` diagnostics in this file were not listed",
                        n - Self::MAX
                    ),
                );
                d.file = file;
                diags.push(d);
            }
        }
    }
}

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing was lost.
    Note,
    /// Something was ignored or guessed; results are still complete.
    Warning,
    /// Input was rejected; a config error stops the run, a kit error skips the row.
    Error,
}

impl Severity {
    /// The lower-case word used in renderings.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One message about one place in the inputs.
///
/// `code` is a stable kebab-case identifier (see `docs/diagnostics.md`); `line` is 1-based and
/// for CSV counts the header as line 1; `column` is 1-based in characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// How bad it is.
    pub severity: Severity,
    /// Its code: serialized as the stable kebab-case name (`docs/diagnostics.md`).
    pub code: Code,
    /// The file, relative to the kit folder (or the config path as given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// The field (column name or config key) concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong, lower case, no trailing period.
    pub message: String,
    /// What would fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The offending source line, for renderers.
    #[serde(skip)]
    pub snippet: Option<String>,
    /// Width in characters of the offending text within `snippet` (0 = unknown).
    #[serde(skip)]
    pub span_len: u32,
}

impl Diagnostic {
    /// A new diagnostic with no location.
    pub fn new(severity: Severity, code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            file: None,
            line: None,
            column: None,
            field: None,
            message: message.into(),
            help: None,
            snippet: None,
            span_len: 0,
        }
    }

    /// An error diagnostic.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    /// A warning diagnostic.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    /// Sets the file.
    pub fn file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Sets the line.
    pub fn line(mut self, line: u32) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the column.
    pub fn column(mut self, column: u32) -> Self {
        self.column = Some(column);
        self
    }

    /// Sets the field.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Sets the help text.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the source line shown under the message and the width of the marked text.
    pub fn snippet(mut self, snippet: impl Into<String>, span_len: u32) -> Self {
        let mut s: String = snippet.into();
        // A diagnostic shows a line, not a file: a huge cell is cut (on a character boundary).
        if s.len() > MAX_SNIPPET {
            let mut end = MAX_SNIPPET;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
            s.push('…');
        }
        self.span_len = span_len.min(s.chars().count() as u32);
        self.snippet = Some(s);
        self
    }
}

/// Longest snippet kept in a diagnostic, in bytes.
const MAX_SNIPPET: usize = 400;

/// Longest word [`did_you_mean`] compares, in bytes.
const MAX_SUGGEST_LEN: usize = 64;

/// The closest candidate to `word` by edit distance, when it is close enough to suggest.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // Names are short: a long word has no near miss, and its edit distance would cost
    // its length times each candidate's (a 10 MB cell must not take seconds and gigabytes).
    if word.len() > MAX_SUGGEST_LEN {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(&word.to_lowercase(), &c.to_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let (d, c) = best?;
    let limit = (word.chars().count().max(c.chars().count()) / 3).max(1);
    (d <= limit).then_some(c)
}

/// Edit distance over characters, counting an adjacent transposition as one edit (the optimal
/// string alignment distance).
fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        let keys = ["sla", "privileged_sla", "enabled", "reason"];
        assert_eq!(did_you_mean("privilegd_sla", keys), Some("privileged_sla"));
        assert_eq!(did_you_mean("enabeld", keys), Some("enabled"));
        assert_eq!(did_you_mean("colour_scheme", keys), None);
        assert_eq!(did_you_mean("teir", ["tier", "name"]), Some("tier"));
    }
}

/// A count with its noun, as every output writes one: `1 warning`, `2 warnings`,
/// `1,214 entries` (thousands separated; `many` is the plural).
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// A count for people: `12345` → `12,345`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod thousands_tests {
    #[test]
    fn thousands() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(5_123_456), "5,123,456");
    }
}
