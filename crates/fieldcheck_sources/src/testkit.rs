//! Running adapters on recorded payloads in tests.

use std::collections::BTreeMap;

use fieldcheck_kit::{Diagnostic, Kind, Origin, parse_config};

/// What a source run produced, for assertions.
pub(crate) struct Out {
    pub sourced: fieldcheck_kit::Sourced,
    pub diags: Vec<Diagnostic>,
}

impl Out {
    /// The rows of `kind` (by file stem) as field → value maps of their non-null cells.
    pub fn rows(&self, stem: &str) -> Vec<BTreeMap<&'static str, String>> {
        let kind = Kind::ALL
            .iter()
            .copied()
            .find(|k| k.stem() == stem)
            .expect("a kind");
        self.sourced
            .rows(kind)
            .iter()
            .map(|r| {
                kind.schema()
                    .fields
                    .iter()
                    .zip(r.cells.iter())
                    .filter_map(|(f, c)| c.as_ref().map(|c| (f.name, c.to_string())))
                    .collect()
            })
            .collect()
    }

    /// The origins of `kind`'s rows.
    pub fn origins(&self, stem: &str) -> Vec<Origin> {
        let kind = Kind::ALL
            .iter()
            .copied()
            .find(|k| k.stem() == stem)
            .expect("a kind");
        self.sourced
            .rows(kind)
            .iter()
            .map(|r| r.origin.clone())
            .collect()
    }

    /// The diagnostics' codes.
    pub fn codes(&self) -> Vec<&'static str> {
        self.diags.iter().map(|d| d.code.as_str()).collect()
    }

    /// The problems recorded for `stem`'s kind.
    pub fn problems(&self, stem: &str) -> Vec<String> {
        let kind = Kind::ALL
            .iter()
            .copied()
            .find(|k| k.stem() == stem)
            .expect("a kind");
        self.sourced.problems[kind as usize].clone()
    }
}

/// One row as `field=value` pairs joined by `|`, for compact assertions.
pub(crate) fn flat(row: &BTreeMap<&'static str, String>) -> String {
    row.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("|")
}

/// Runs the `[[sources]]` block `block` on `files` (name, content) in a fresh kit folder whose org
/// zone is America/New_York.
pub(crate) fn run(block: &str, files: &[(&str, &[u8])]) -> Out {
    let dir = fieldcheck_testkit::TempKit::with(files);
    let text = fieldcheck_testkit::config(block);
    let (config, diags) = parse_config("fieldcheck.toml", &text);
    let config = config.unwrap_or_else(|| panic!("config: {diags:?}"));
    let c = crate::collect(
        &config.sources,
        "fieldcheck.toml",
        dir.path(),
        &config.window,
    );
    Out {
        sourced: c.sourced,
        diags: c.diagnostics,
    }
}
