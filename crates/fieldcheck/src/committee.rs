//! `--format html|pdf`: the audit committee's report, written to a file (HTML may go to stdout).
//! The model and the HTML are the engine's (`report::committee`, `report::html`); this module
//! picks the register, the day, the paper and the browser, and says what it wrote.

use std::path::{Path, PathBuf};

use anyhow::Context;
use fieldcheck_engine::report::{Report, committee, html, pdf};
use fieldcheck_register::{Register, rules};

/// What to write.
pub struct Document<'a> {
    pub pdf: bool,
    pub out: Option<&'a Path>,
    pub browser: Option<&'a Path>,
    /// The register to read: `--database`, else the kit's own when it exists.
    pub register: Option<String>,
}

/// Writes the committee's report of `report`; `tz` is the org's time zone.
pub fn write(report: &Report, tz: &jiff::tz::TimeZone, doc: &Document<'_>) -> anyhow::Result<()> {
    let now = crate::register::now()?;
    let day = rules::Today::at(now, tz);
    let mut reg = match &doc.register {
        Some(location) => Some(Register::at(location).with_context(|| {
            format!(
                "cannot open the exception register `{}`",
                fieldcheck_engine::record::shown(location)
            )
        })?),
        None => None,
    };
    let c = committee::gather(report, reg.as_mut(), &day.date)?;
    let paper = html::paper_for(&report.window.timezone);
    let generator = format!("fieldcheck {}", env!("CARGO_PKG_VERSION"));
    let page = html::render(&c, paper, &generator);
    if !doc.pdf {
        match doc.out {
            Some(out) => {
                std::fs::write(out, &page)
                    .with_context(|| format!("cannot write `{}`", out.display()))?;
                eprintln!(
                    "wrote the committee report to `{}` ({}; open it in any browser, no network needed)",
                    out.display(),
                    fieldcheck_engine::human_bytes(page.len() as u64)
                );
            }
            None => crate::out(&page, false),
        }
        return Ok(());
    }
    let out = doc.out.context(
        "`--format pdf` writes a file: give it with `--out FILE.pdf` (a PDF is not for a terminal)",
    )?;
    let browser = match doc.browser {
        Some(b) => b.to_path_buf(),
        None => find_browser().context(
            "`--format pdf` prints the HTML report with a headless Chromium, and none was found: install it (Debian: `apt install chromium`), name it with `--browser PATH` or `FIELDCHECK_BROWSER`, or write `--format html` and print that",
        )?,
    };
    // The document's date: the start of the report's day in the org's zone, so that the same
    // report printed twice the same day gives the same bytes.
    let stamp = day
        .date
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(tz.clone()).ok())
        .map(|z| z.timestamp())
        .unwrap_or(now);
    let printed = pdf::print(&page, &browser, out, stamp)?;
    eprintln!(
        "wrote the committee report to `{}` ({}, {})",
        out.display(),
        fieldcheck_kit::count(printed.pages, "page", "pages"),
        fieldcheck_engine::human_bytes(printed.bytes as u64)
    );
    Ok(())
}

/// A Chromium or Chrome on the machine: `FIELDCHECK_BROWSER`, else the usual names on `PATH`.
pub fn find_browser() -> Option<PathBuf> {
    if let Some(b) = std::env::var_os("FIELDCHECK_BROWSER").filter(|b| !b.is_empty()) {
        return Some(PathBuf::from(b));
    }
    let path = std::env::var_os("PATH")?;
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
        "chrome",
    ] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}
