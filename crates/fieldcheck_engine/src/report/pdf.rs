//! The committee's report as PDF: the HTML document printed by a headless Chromium, the same
//! bytes a reader opens, so the two never say different things.
//!
//! Chromium stamps the PDF's creation and modification dates with the wall clock; they are the
//! only bytes that differ between two prints of the same HTML. They are replaced, in place and
//! at the same length (the cross-reference offsets stay true), by the report's own date, so the
//! same report prints the same bytes.
//!
//! Why Chromium rather than Typst as a library: measured on this project's machine (BENCHMARKS.md,
//! "The committee report"), Chromium costs no build time and prints a report in about a second,
//! while Typst adds about 300 crates and several minutes to a clean build.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// How long a print may take before the browser is stopped.
const TIMEOUT: Duration = Duration::from_secs(90);

/// What a print made.
#[derive(Debug, Clone, Copy)]
pub struct Printed {
    /// Pages in the PDF.
    pub pages: usize,
    /// Its size in bytes.
    pub bytes: usize,
}

/// Prints `html` to the PDF file `out` with the Chromium (or Chrome) binary `browser`; `stamp` is
/// the document's date written in the PDF's metadata (the report's as-of time).
pub fn print(
    html: &str,
    browser: &Path,
    out: &Path,
    stamp: jiff::Timestamp,
) -> anyhow::Result<Printed> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let work = parent.join(format!(".fieldcheck-print-{}", std::process::id()));
    std::fs::create_dir_all(&work)
        .with_context(|| format!("cannot make the scratch folder `{}`", work.display()))?;
    let result = print_in(&work, html, browser, out, stamp);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn print_in(
    work: &Path,
    html: &str,
    browser: &Path,
    out: &Path,
    stamp: jiff::Timestamp,
) -> anyhow::Result<Printed> {
    let page = std::path::absolute(work.join("report.html"))
        .context("cannot resolve the scratch folder")?;
    std::fs::write(&page, html).with_context(|| format!("cannot write `{}`", page.display()))?;
    let pdf = work.join("report.pdf");
    let mut child = Command::new(browser)
        .args(headless_args(work))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(file_url(&page))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| {
            format!(
                "cannot run the browser `{}` to print the PDF: install Chromium (Debian: `apt install chromium`) or name one with `--browser`; `--format html` needs no browser",
                browser.display()
            )
        })?;
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().context("waiting for the browser")? {
            break s;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "the browser `{}` did not print the PDF within {} s; it was stopped",
                browser.display(),
                TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut stderr);
    }
    let mut bytes = std::fs::read(&pdf).unwrap_or_default();
    if !status.success() || !bytes.starts_with(b"%PDF-") {
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        bail!(
            "the browser `{}` did not print the PDF ({status}){}",
            browser.display(),
            if tail.is_empty() {
                String::new()
            } else {
                format!(
                    ": {}",
                    tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
                )
            }
        );
    }
    restamp(&mut bytes, stamp);
    let pages = page_count(&bytes);
    let tmp = out.with_extension("pdf.part");
    std::fs::write(&tmp, &bytes).with_context(|| format!("cannot write `{}`", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("cannot write `{}`", out.display()))?;
    Ok(Printed {
        pages,
        bytes: bytes.len(),
    })
}

/// The flags of a headless print that touches no network and keeps no state: no first-run, sync,
/// component updates or background fetches, a throwaway profile, no header or footer.
pub fn headless_args(profile_parent: &Path) -> Vec<String> {
    vec![
        "--headless".into(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--no-first-run".into(),
        "--no-default-browser-check".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-extensions".into(),
        "--mute-audio".into(),
        "--hide-scrollbars".into(),
        "--no-pdf-header-footer".into(),
        format!(
            "--user-data-dir={}",
            profile_parent.join("browser-profile").display()
        ),
    ]
}

/// A `file://` URL of an absolute path, with the bytes a URL cannot hold escaped.
pub fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                url.push(b as char)
            }
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    url
}

/// Replaces the PDF's `/CreationDate` and `/ModDate` values by `stamp`, at the same length.
fn restamp(pdf: &mut [u8], stamp: jiff::Timestamp) {
    let date = stamp
        .to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("D:%Y%m%d%H%M%S+00'00'")
        .to_string();
    for key in [b"/CreationDate (".as_slice(), b"/ModDate (".as_slice()] {
        let mut from = 0;
        while let Some(at) = find(&pdf[from..], key) {
            let start = from + at + key.len();
            let Some(len) = pdf[start..].iter().position(|&b| b == b')') else {
                break;
            };
            if len == date.len() {
                pdf[start..start + len].copy_from_slice(date.as_bytes());
            }
            from = start + len;
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Pages in a PDF: its `/Type /Page` objects (not `/Pages`).
pub fn page_count(pdf: &[u8]) -> usize {
    let key = b"/Type /Page";
    let mut n = 0;
    let mut from = 0;
    while let Some(at) = find(&pdf[from..], key) {
        let end = from + at + key.len();
        if pdf.get(end) != Some(&b's') {
            n += 1;
        }
        from = end;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restamping_keeps_the_length_and_replaces_both_dates() {
        let mut pdf = b"%PDF-1.4\n<</CreationDate (D:20261206052101+00'00')\n/ModDate (D:20261206052102+00'00')>>\n<</Type /Pages>> <</Type /Page>> <</Type /Page\n>>".to_vec();
        let before = pdf.len();
        restamp(&mut pdf, "2026-09-30T04:00:00Z".parse().unwrap());
        assert_eq!(pdf.len(), before);
        let text = String::from_utf8(pdf.clone()).unwrap();
        assert_eq!(text.matches("D:20260930040000+00'00'").count(), 2, "{text}");
        assert!(!text.contains("2026120605"), "{text}");
        assert_eq!(page_count(&pdf), 2);
    }

    #[test]
    fn a_date_of_another_length_is_left_alone() {
        let mut pdf = b"/CreationDate (D:2026)".to_vec();
        restamp(&mut pdf, "2026-09-30T04:00:00Z".parse().unwrap());
        assert_eq!(pdf, b"/CreationDate (D:2026)");
    }

    #[test]
    fn file_urls_escape_what_a_url_cannot_hold() {
        assert_eq!(
            file_url(Path::new("/tmp/a b/r#1.html")),
            "file:///tmp/a%20b/r%231.html"
        );
    }
}
