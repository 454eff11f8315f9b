//! Reading a source's files: JSON records with their path, CSV rows by header name, text lines;
//! each with the diagnostics a bad file gets (file, line, JSON path, what to do).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};

use fieldcheck_kit::fsafe::Refusal;
use fieldcheck_kit::{Diagnostic, did_you_mean};
use serde::de::DeserializeOwned;

use crate::emit::{Emitter, FileId};
use crate::json::{Element, scan};
use crate::{Input, SourceFile};

/// Where a raw record is.
#[derive(Clone, Debug)]
pub struct At {
    /// The raw file.
    pub file: FileId,
    /// The line the record starts on.
    pub line: u32,
    /// The JSON path, for JSON records.
    pub path: Option<String>,
}

impl At {
    /// The JSON path as a `&str`, if any.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// An Error diagnostic on this record (its file, line and JSON path): what is wrong, and
    /// what happened to the record.
    pub(crate) fn bad(
        &self,
        em: &mut Emitter,
        code: fieldcheck_kit::Code,
        message: impl Into<String>,
        then: impl Into<String>,
    ) {
        em.bad_record(&self.file, self.line, self.path(), code, message, then);
    }
}

pub(crate) fn open(input: &Input<'_>, f: &SourceFile, em: &mut Emitter) -> Option<(File, FileId)> {
    let id = em.open(&f.shown, input.spec.name);
    // Only a regular file inside the config's folder: a FIFO or a device is never opened (it
    // would hang the read), a folder or a broken link matched by a glob is a lost source, and a
    // link out of the folder is not followed.
    match fieldcheck_kit::fsafe::open(&f.path, Some(input.root)) {
        Ok(h) if h.metadata().is_ok_and(|m| m.len() == 0) => {
            em.diag(
                Diagnostic::error(fieldcheck_kit::Code::EmptyExport, format!("`{}` is empty (0 bytes)", f.shown))
                    .file(f.shown.clone())
                    .help("an empty export is a failed download or an interrupted export job, not \"no records\" (that is `[]` or a header row); export it again"),
            );
            None
        }
        Ok(h) => Some((h, id)),
        Err(Refusal::Unreadable(e)) => {
            em.diag(
                Diagnostic::error(
                    fieldcheck_kit::Code::UnreadableFile,
                    format!("cannot read `{}`: {e}", f.shown),
                )
                .file(f.shown.clone())
                .help("check the file's permissions; the other files were still read"),
            );
            None
        }
        Err(r) => {
            em.diag(
                Diagnostic::error(fieldcheck_kit::Code::NotAFile, format!("`{}` {}", f.shown, r.describe()))
                    .file(f.shown.clone())
                    .help(format!(
                        "{}; the source's path matched it, so its records are lost and the controls that need them are not evidenced",
                        r.help()
                    )),
            );
            None
        }
    }
}

/// The error message of an API error document (GitHub, Okta, Jira, Microsoft Graph, AWS,
/// KnowBe4), or `None` for data.
pub fn api_error(bytes: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let o = v.as_object()?;
    let text = |k: &str| o.get(k).and_then(|x| x.as_str()).map(str::to_string);
    // Okta: {"errorCode": "E0000011", "errorSummary": "Invalid token provided", ...}
    if let (Some(code), Some(summary)) = (text("errorCode"), text("errorSummary")) {
        return Some(format!("{code}: {summary}"));
    }
    // Jira: {"errorMessages": ["..."], "errors": {}}
    if let Some(list) = o.get("errorMessages").and_then(|x| x.as_array())
        && !o.contains_key("issues")
        && !o.contains_key("key")
    {
        let msgs: Vec<&str> = list.iter().filter_map(|x| x.as_str()).collect();
        return Some(if msgs.is_empty() {
            "an error with no message".to_string()
        } else {
            msgs.join("; ")
        });
    }
    // GitHub: {"message": "Bad credentials", "documentation_url": "..."}
    if let (Some(m), true) = (text("message"), o.contains_key("documentation_url")) {
        return Some(m);
    }
    // Microsoft Graph: {"error": {"code": "...", "message": "..."}}; AWS CLI: {"Error": {"Code": ..., "Message": ...}}
    for (k, c, m) in [("error", "code", "message"), ("Error", "Code", "Message")] {
        if let Some(e) = o.get(k).and_then(|x| x.as_object()) {
            let code = e.get(c).and_then(|x| x.as_str()).unwrap_or("error");
            // Answers, not failures: a bucket without an encryption rule (S3), a key type
            // without rotation (KMS). Their adapters read them.
            if matches!(
                code,
                "ServerSideEncryptionConfigurationNotFoundError" | "UnsupportedOperationException"
            ) {
                return None;
            }
            let msg = e.get(m).and_then(|x| x.as_str()).unwrap_or("");
            return Some(format!("{code}: {msg}").trim_end_matches(": ").to_string());
        }
    }
    // AWS JSON protocol: {"__type": "AccessDeniedException", "message": "..."}
    if let Some(t) = text("__type") {
        return Some(format!(
            "{t}: {}",
            text("message")
                .or_else(|| text("Message"))
                .unwrap_or_default()
        ));
    }
    None
}

/// The file's bytes, decompressed when it is gzip (logrotate's `auth.log.2.gz`, `export.csv.gz`).
pub(crate) fn decompressed(h: File) -> Box<dyn Read> {
    let mut r = BufReader::with_capacity(1 << 16, h);
    let gz = r
        .fill_buf()
        .is_ok_and(|b| b.len() >= 2 && b[0] == 0x1f && b[1] == 0x8b);
    if gz {
        Box::new(flate2::read::MultiGzDecoder::new(r))
    } else {
        Box::new(r)
    }
}

/// Reads every JSON record of every file of `input` as `T`, calling `each` with it and its place.
/// A record that does not parse as `T` is reported (with its line, column and path) and skipped;
/// a truncated file keeps the records before the cut.
pub fn json_records<T: DeserializeOwned>(
    input: &Input<'_>,
    em: &mut Emitter,
    each: &mut dyn FnMut(T, &At, &mut Emitter),
) {
    for f in input.files {
        json_file(
            input,
            f,
            em,
            &mut |el, at, em| match serde_json::from_slice::<T>(el.bytes) {
                Ok(v) => each(v, at, em),
                Err(e) => bad_json(em, at, &e, input.spec.reads),
            },
        );
    }
}

/// Parses one raw record as `T`; a record in another shape is reported (line, column, path) and
/// `None`.
pub fn parse_record<T: DeserializeOwned>(
    input: &Input<'_>,
    em: &mut Emitter,
    bytes: &[u8],
    at: &At,
) -> Option<T> {
    match serde_json::from_slice::<T>(bytes) {
        Ok(v) => Some(v),
        Err(e) => {
            bad_json(em, at, &e, input.spec.reads);
            None
        }
    }
}

/// Reports a record that is not what the adapter expects.
pub fn bad_json(em: &mut Emitter, at: &At, e: &serde_json::Error, reads: &str) {
    let line = at.line + e.line().saturating_sub(1) as u32;
    let mut d = Diagnostic::error(
        fieldcheck_kit::Code::BadJson,
        format!(
            "the record at {} is not in the expected shape: {e}",
            at.path.as_deref().unwrap_or("$")
        ),
    )
    .file(at.file.shown.clone())
    .line(line)
    .help(format!(
        "this adapter reads {reads}; the record was skipped and the rest of the file was read"
    ));
    if e.line() == 1 && e.column() > 0 {
        d = d.column(e.column() as u32);
    }
    em.diag(d);
}

/// Streams the raw records of one JSON file (records in the spec's containers).
pub fn json_file(
    input: &Input<'_>,
    f: &SourceFile,
    em: &mut Emitter,
    each: &mut dyn FnMut(&Element<'_>, &At, &mut Emitter),
) {
    json_file_in(input, f, input.spec.containers, em, each);
}

/// Streams the raw records of one JSON file, with the records in the arrays of `containers`.
pub fn json_file_in(
    input: &Input<'_>,
    f: &SourceFile,
    containers: &[&str],
    em: &mut Emitter,
    each: &mut dyn FnMut(&Element<'_>, &At, &mut Emitter),
) {
    let Some((h, id)) = open(input, f, em) else {
        return;
    };
    let mut pending: Vec<Diagnostic> = Vec::new();
    // Paths show the page only when a file holds several; the first pass cannot know, so a page
    // number appears from the second document on.
    let result = scan(h, containers, &mut |el| {
        let at = At {
            file: id.clone(),
            line: el.line,
            path: Some(el.path(el.doc > 1)),
        };
        // A whole document that is an API's error answer (bad credentials, rate limit) is not
        // evidence of anything: say so, in the API's own words.
        if el.key.is_none()
            && el.index.is_none()
            && let Some(msg) = api_error(el.bytes)
        {
            pending.push(
                Diagnostic::error(
                    fieldcheck_kit::Code::SourceErrorResponse,
                    format!("the export is an error response from the API, not data: {msg}"),
                )
                .file(id.shown.clone())
                .line(el.line)
                .help("fix the export job (credentials, permissions, rate limits) and export again; the controls that need this source are not evidenced"),
            );
            return;
        }
        if el.bytes.first() != Some(&b'{') {
            pending.push(
                Diagnostic::error(
                    fieldcheck_kit::Code::BadJson,
                    format!(
                        "the record at {} is not a JSON object",
                        at.path.as_deref().unwrap_or("$")
                    ),
                )
                .file(id.shown.clone())
                .line(el.line)
                .help(format!(
                    "this adapter reads {}; the value was skipped",
                    input.spec.reads
                )),
            );
            return;
        }
        each(el, &at, em);
    });
    for d in pending {
        em.diag(d);
    }
    if result.as_ref().is_ok_and(|st| st.docs == 0) {
        em.diag(
            Diagnostic::error(fieldcheck_kit::Code::EmptyExport, format!("`{}` holds no JSON (only whitespace)", id.shown))
                .file(id.shown.clone())
                .help("an export with no records is `[]` or an empty page; this one was cut off or failed: export it again"),
        );
    }
    if let Err(e) = result {
        let (code, help) = if e.truncated {
            (
                fieldcheck_kit::Code::TruncatedExport,
                "the export was cut off (an interrupted download or page); the records before this point were read: export the file again",
            )
        } else {
            (
                fieldcheck_kit::Code::BadJson,
                "the file is not JSON in the shape this adapter reads; the records before this point were read",
            )
        };
        em.diag(
            Diagnostic::error(code, e.message)
                .file(id.shown.clone())
                .line(e.line)
                .help(help),
        );
    }
}

/// A CSV row, read by header name.
pub struct CsvRow<'r> {
    header: &'r HashMap<String, usize>,
    rec: &'r csv::StringRecord,
    /// The row's line.
    pub line: u32,
}

impl CsvRow<'_> {
    /// The trimmed cell of `column`, or `None` when the column is absent or the cell empty.
    pub fn get(&self, column: &str) -> Option<&str> {
        let i = *self.header.get(column)?;
        let v = self.rec.get(i)?.trim();
        (!v.is_empty()).then_some(v)
    }
}

/// Reads every CSV file of `input` with `delimiter`, checking that `required` columns exist
/// (a file without them is reported with the closest names and skipped). Gzipped files are read
/// as they are.
pub fn csv_rows(
    input: &Input<'_>,
    em: &mut Emitter,
    delimiter: u8,
    required: &[&str],
    each: &mut dyn FnMut(&CsvRow<'_>, &At, &mut Emitter),
) {
    let groups: Vec<Vec<String>> = required.iter().map(|c| vec![c.to_string()]).collect();
    csv_rows_any(input, em, delimiter, &groups, &[], each);
}

/// Like [`csv_rows`], with each needed column given as alternatives (any one will do), and
/// `wanted` columns whose absence is a warning (the file is still read).
pub fn csv_rows_any(
    input: &Input<'_>,
    em: &mut Emitter,
    delimiter: u8,
    needed: &[Vec<String>],
    wanted: &[Vec<String>],
    each: &mut dyn FnMut(&CsvRow<'_>, &At, &mut Emitter),
) {
    for f in input.files {
        let Some((h, id)) = open(input, f, em) else {
            continue;
        };
        let takes_delimiter = input.spec.options.iter().any(|o| o.name == "delimiter");
        csv_file(
            decompressed(h),
            &id,
            input.spec.reads,
            em,
            Delimiter {
                byte: delimiter,
                option: takes_delimiter,
            },
            needed,
            wanted,
            each,
        );
    }
}

/// A CSV file's delimiter, and whether the source takes a `delimiter` option.
#[derive(Clone, Copy, Debug)]
pub struct Delimiter {
    /// The byte that separates fields.
    pub byte: u8,
    /// Whether the source's config can change it (`delimiter = ";"`).
    pub option: bool,
}

/// The delimiter a header row seems to use instead of `expected`: `;` or a tab, when the header
/// read with `expected` is one column that holds several separated by it.
fn other_delimiter(names: &[String], expected: u8) -> Option<(u8, &'static str)> {
    if names.len() != 1 {
        return None;
    }
    [
        (b';', "`;` (semicolons)"),
        (b'\t', "tabs"),
        (b',', "`,` (commas)"),
        (b'|', "`|`"),
    ]
    .into_iter()
    .filter(|(b, _)| *b != expected)
    .find(|(b, _)| names[0].as_bytes().contains(b))
}

/// Reads one CSV file (see [`csv_rows_any`]).
#[allow(clippy::too_many_arguments)]
pub fn csv_file(
    h: impl Read,
    id: &FileId,
    reads: &str,
    em: &mut Emitter,
    delimiter: Delimiter,
    needed: &[Vec<String>],
    wanted: &[Vec<String>],
    each: &mut dyn FnMut(&CsvRow<'_>, &At, &mut Emitter),
) {
    // Rows end at `\n` (a CRLF's `\r` is trimmed with the cell), so line numbers are exact.
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter.byte)
        .flexible(true)
        .has_headers(false)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(BufReader::with_capacity(1 << 20, h));
    let mut rec = csv::StringRecord::new();
    match rdr.read_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => {
            em.diag(
                Diagnostic::error(fieldcheck_kit::Code::EmptyExport, "the export is empty (not even a header row)")
                    .file(id.shown.clone())
                    .line(1)
                    .help("an export with no records still has its header row; this one was cut off or failed: export it again"),
            );
            return;
        }
        Err(e) => {
            let (code, help) = csv_error_help(&e);
            em.diag(
                Diagnostic::error(code, format!("cannot read the header row: {e}"))
                    .file(id.shown.clone())
                    .line(1)
                    .help(help),
            );
            return;
        }
    }
    let names_in_order: Vec<String> = rec
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let mut header: HashMap<String, usize> = HashMap::new();
    let mut twice: Vec<&str> = Vec::new();
    for (i, h) in names_in_order.iter().enumerate() {
        if header.insert(h.clone(), i).is_some() && !h.is_empty() && !twice.contains(&h.as_str()) {
            twice.push(h);
        }
    }
    if !twice.is_empty() {
        // Which of the two holds the evidence cannot be guessed: the file cannot be relied on.
        em.diag(
            Diagnostic::error(
                fieldcheck_kit::Code::DuplicateColumn,
                format!(
                    "the header names {} twice",
                    twice
                        .iter()
                        .map(|c| format!("`{}`", crate::value::clip(c)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .file(id.shown.clone())
            .line(1)
            .help("which column holds the evidence cannot be guessed: rename or remove one of them in the export; the file was skipped"),
        );
        return;
    }
    let absent: Vec<String> = wanted
        .iter()
        .filter(|g| !g.iter().any(|c| header.contains_key(c)))
        .map(|g| {
            g.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .collect();
    if !absent.is_empty() {
        em.diag(
            Diagnostic::warning(
                fieldcheck_kit::Code::SourceMissingField,
                format!(
                    "the header has no {}: those fields are unknown for every row",
                    absent.join(", ")
                ),
            )
            .file(id.shown.clone())
            .line(1)
            .help("add the column to the report, or map the field to the column that holds it in `[sources.fields]`"),
        );
    }
    let missing: Vec<&Vec<String>> = needed
        .iter()
        .filter(|g| !g.iter().any(|c| header.contains_key(c)))
        .collect();
    if !missing.is_empty() {
        // In header order, so a tie in the suggestion is decided the same way every run.
        let names: Vec<&str> = names_in_order.iter().map(String::as_str).collect();
        let hints: Vec<String> = missing
            .iter()
            .filter_map(|g| {
                let m = g.first()?;
                did_you_mean(m, names.iter().copied()).map(|s| format!("`{s}` → `{m}`?"))
            })
            .collect();
        let shown: Vec<String> = missing
            .iter()
            .map(|g| {
                g.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            })
            .collect();
        em.diag(
            Diagnostic::error(
                fieldcheck_kit::Code::SourceMissingColumn,
                format!(
                    "the header lacks {}: {}",
                    if missing.len() == 1 {
                        "a column this source reads"
                    } else {
                        "columns this source reads"
                    },
                    shown.join(", ")
                ),
            )
            .file(id.shown.clone())
            .line(1)
            .help(if let Some((_, name)) = other_delimiter(&names_in_order, delimiter.byte) {
                let d = delimiter.byte as char;
                if delimiter.option {
                    format!("the header is separated by {name}, not `{d}`: set the source's `delimiter` (or export the file with `{d}`); the file was skipped")
                } else {
                    format!("the header is separated by {name}, not `{d}`: export the file with `{d}` as its delimiter; the file was skipped")
                }
            } else if hints.is_empty() {
                format!("this adapter reads {reads}; the file was skipped")
            } else {
                format!(
                    "the export's header changed: {}; the file was skipped",
                    hints.join(", ")
                )
            }),
        );
        return;
    }
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as u32);
                let (code, help) = csv_error_help(&e);
                em.diag(
                    Diagnostic::error(code, format!("malformed CSV: {e}"))
                        .file(id.shown.clone())
                        .line(line)
                        .help(help),
                );
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = rec.position().map_or(0, |p| p.line() as u32);
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if let Some(i) = rec.iter().position(|c| c.len() > MAX_LINE) {
            // No evidence field is this long (a cell that swallowed a file): rejected before any
            // adapter works on it.
            let column = names_in_order.get(i).map_or("?", String::as_str);
            em.diag(
                Diagnostic::error(
                    fieldcheck_kit::Code::CellTooLong,
                    format!(
                        "the `{}` cell is {} bytes long; no evidence field is longer than 64 KiB",
                        crate::value::clip(column),
                        rec.get(i).map_or(0, str::len)
                    ),
                )
                .file(id.shown.clone())
                .line(line)
                .help("the cell swallowed more than its value (an unclosed quote, a file pasted in): fix the export; the row was skipped"),
            );
            continue;
        }
        let row = CsvRow {
            header: &header,
            rec: &rec,
            line,
        };
        let at = At {
            file: id.clone(),
            line,
            path: None,
        };
        each(&row, &at, em);
    }
}

/// The code and advice for a CSV reading error.
fn csv_error_help(e: &csv::Error) -> (fieldcheck_kit::Code, &'static str) {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => (
            fieldcheck_kit::Code::BadUtf8,
            "the export is not UTF-8: save or export it as UTF-8 CSV; this row was skipped",
        ),
        _ => (
            fieldcheck_kit::Code::BadCsv,
            "check the quoting of this row; it was skipped",
        ),
    }
}

/// The longest text line read (as the kit reader's longest value: 64 KiB).
const MAX_LINE: usize = 64 * 1024;

/// Reads every text file of `input` line by line (invalid UTF-8 is replaced, not fatal; a line
/// over 64 KiB is an error and skipped).
pub fn text_lines(
    input: &Input<'_>,
    em: &mut Emitter,
    each: &mut dyn FnMut(&str, &At, &mut Emitter),
) {
    for f in input.files {
        let Some((h, id)) = open(input, f, em) else {
            continue;
        };
        let mut r = BufReader::with_capacity(1 << 20, decompressed(h));
        let mut buf = Vec::new();
        let mut line = 0u32;
        loop {
            buf.clear();
            // A line is read up to MAX_LINE bytes; the rest of an over-long line is skipped as
            // it streams by, so a 10 MB line costs neither time nor memory.
            let mut long = 0usize;
            let mut ended = false;
            let mut failed = None;
            loop {
                let chunk = match r.fill_buf() {
                    Ok(c) => c,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                };
                if chunk.is_empty() {
                    break;
                }
                let (take, end) = match chunk.iter().position(|&b| b == b'\n') {
                    Some(i) => (i + 1, true),
                    None => (chunk.len(), false),
                };
                let room = MAX_LINE.saturating_sub(buf.len());
                buf.extend_from_slice(&chunk[..take.min(room)]);
                long += take.saturating_sub(room);
                r.consume(take);
                if end {
                    ended = true;
                    break;
                }
            }
            if let Some(e) = failed {
                em.diag(
                    Diagnostic::error(
                        fieldcheck_kit::Code::UnreadableFile,
                        format!("read failed: {e}"),
                    )
                    .file(id.shown.clone())
                    .line(line + 1),
                );
                break;
            }
            if buf.is_empty() && long == 0 && !ended {
                break;
            }
            line += 1;
            if long > 0 {
                em.diag(
                    Diagnostic::error(
                        fieldcheck_kit::Code::CellTooLong,
                        format!("line {line} is {} bytes long; no log line is longer than 64 KiB", buf.len() + long),
                    )
                    .file(id.shown.clone())
                    .line(line)
                    .help("the file is not a text log (or two files were joined without line ends): fix the export; the line was skipped"),
                );
                continue;
            }
            let text = String::from_utf8_lossy(&buf);
            let at = At {
                file: id.clone(),
                line,
                path: None,
            };
            each(text.trim_end_matches(['\n', '\r']), &at, em);
        }
    }
}
