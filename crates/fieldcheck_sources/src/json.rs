//! Streaming the records out of a JSON export without loading it whole.
//!
//! Exports come as a top-level array (`[...]`), as an object wrapping the array
//! (`{"Records": [...]}`, `{"value": [...], "@odata.nextLink": ...}`), as one object per record,
//! as JSON Lines, or as several such documents (API pages) concatenated, optionally gzipped. The
//! scanner walks the bytes once, keeping only the record in progress, and hands each record's
//! bytes to the adapter with its line and JSON path, so a 2 GB CloudTrail export costs one
//! record of memory. It checks structure only; the adapter's typed parse checks the rest.

use std::io::{self, Read};

/// One record of a JSON export.
#[derive(Debug)]
pub struct Element<'a> {
    /// The record's JSON text.
    pub bytes: &'a [u8],
    /// The 1-based line where it starts.
    pub line: u32,
    /// The 1-based document (API page) it belongs to.
    pub doc: u32,
    /// The key of the wrapping object's array, if any.
    pub key: Option<&'a str>,
    /// The index in the array, if in one.
    pub index: Option<u32>,
}

impl Element<'_> {
    /// The record's JSON path: `$.Records[17]`, `$[3]` or `$`, with the page first (`#2 $[3]`)
    /// when the file holds several documents.
    pub fn path(&self, many_docs: bool) -> String {
        let mut s = String::new();
        if many_docs {
            s.push_str(&format!("#{} ", self.doc));
        }
        s.push('$');
        if let Some(k) = self.key {
            if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                s.push('.');
                s.push_str(k);
            } else {
                s.push_str(&format!("[{k:?}]"));
            }
        }
        if let Some(i) = self.index {
            s.push_str(&format!("[{i}]"));
        }
        s
    }
}

/// A structural problem that stops the scan of a file (the records before it were delivered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// The 1-based line.
    pub line: u32,
    /// What is wrong.
    pub message: String,
    /// Whether the file simply ends too early (a truncated download or page).
    pub truncated: bool,
}

/// What a scan saw.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScanStats {
    /// Documents (pages) in the file.
    pub docs: u32,
    /// Records delivered.
    pub records: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Between documents.
    Top,
    /// Inside a top-level object that has not (yet) shown a container key.
    Object,
    /// Inside the records array, whose elements sit at `depth == container`.
    Array { container: u32 },
    /// Inside a top-level object after its records array closed: the rest is skipped.
    After,
}

/// Reads `input` (gzip is detected and decompressed) and calls `each` with every record.
///
/// `containers` are the keys whose array holds the records when the document is an object;
/// an object without any of them is itself one record.
pub fn scan(
    input: impl Read,
    containers: &[&str],
    each: &mut dyn FnMut(&Element<'_>),
) -> Result<ScanStats, ScanError> {
    let mut input = io::BufReader::with_capacity(1 << 16, input);
    let gz = {
        use io::BufRead;
        let head = input.fill_buf().map_err(|e| io_error(e, 1))?;
        head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b
    };
    if gz {
        scan_plain(flate2::read::MultiGzDecoder::new(input), containers, each)
    } else {
        scan_plain(input, containers, each)
    }
}

fn io_error(e: io::Error, line: u32) -> ScanError {
    ScanError {
        line,
        message: format!("cannot read the file: {e}"),
        truncated: e.kind() == io::ErrorKind::UnexpectedEof,
    }
}

/// The scanner's state; indexes point into `buf`.
struct State {
    depth: u32,
    in_str: bool,
    line: u32,
    mode: Mode,
    doc: u32,
    doc_start: usize,
    doc_line: u32,
    /// At depth 1 of an object: the next string is a key.
    expect_key: bool,
    key_start: Option<usize>,
    key: String,
    /// The last key named a container and its value has not started yet.
    await_container: bool,
    container_key: Option<String>,
    index: u32,
    elem_start: Option<usize>,
    elem_line: u32,
    /// The element in progress is a scalar (ends at `,` or `]`).
    scalar: bool,
}

fn scan_plain(
    mut input: impl Read,
    containers: &[&str],
    each: &mut dyn FnMut(&Element<'_>),
) -> Result<ScanStats, ScanError> {
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    // Read in pieces that stay in a core's L2 cache (BENCHMARKS.md, tenth round).
    let mut chunk = vec![0u8; 128 << 10];
    let mut st = State {
        depth: 0,
        in_str: false,
        line: 1,
        mode: Mode::Top,
        doc: 0,
        doc_start: 0,
        doc_line: 1,
        expect_key: false,
        key_start: None,
        key: String::new(),
        await_container: false,
        container_key: None,
        index: 0,
        elem_start: None,
        elem_line: 0,
        scalar: false,
    };
    let mut stats = ScanStats::default();
    let mut pos = 0usize;
    let mut first = true;
    loop {
        let n = match input.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(e, st.line)),
        };
        stats.bytes += n as u64;
        let mut data = &chunk[..n];
        if first {
            first = false;
            if data.starts_with(b"\xEF\xBB\xBF") {
                data = &data[3..];
            }
        }
        buf.extend_from_slice(data);
        pos = step(&buf, pos, &mut st, containers, each, &mut stats)?;
        // Keep only what a record or key in progress still needs.
        let keep = [
            st.elem_start,
            st.key_start,
            (st.mode == Mode::Object).then_some(st.doc_start),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(pos);
        if keep > 0 {
            buf.drain(..keep);
            pos -= keep;
            let shift = |x: &mut usize| *x -= keep.min(*x);
            if let Some(e) = st.elem_start.as_mut() {
                shift(e);
            }
            if let Some(k) = st.key_start.as_mut() {
                shift(k);
            }
            shift(&mut st.doc_start);
        }
    }
    // Data ending inside a record, a string or an open document is a cut-off export.
    if st.depth > 0 || st.in_str {
        let line = match st.mode {
            Mode::Array { .. } if st.elem_start.is_some() => st.elem_line,
            Mode::Object => st.doc_line,
            _ => st.line,
        };
        let what = if st.elem_start.is_some() || st.mode == Mode::Object {
            format!("the record starting on line {line} is cut off")
        } else {
            format!(
                "the document starting on line {} is not closed",
                st.doc_line
            )
        };
        return Err(ScanError {
            line,
            message: format!("the file ends too early: {what}"),
            truncated: true,
        });
    }
    stats.docs = st.doc;
    Ok(stats)
}

/// Scans `buf[pos..]`, delivering finished records; returns where it stopped.
fn step(
    buf: &[u8],
    mut pos: usize,
    st: &mut State,
    containers: &[&str],
    each: &mut dyn FnMut(&Element<'_>),
    stats: &mut ScanStats,
) -> Result<usize, ScanError> {
    let len = buf.len();
    while pos < len {
        if st.in_str {
            match memchr::memchr2(b'"', b'\\', &buf[pos..]) {
                None => return Ok(len),
                Some(off) => {
                    let at = pos + off;
                    if buf[at] == b'\\' {
                        if at + 1 >= len {
                            return Ok(at); // The escaped byte is in the next chunk.
                        }
                        pos = at + 2;
                        continue;
                    }
                    st.in_str = false;
                    if let Some(ks) = st.key_start.take() {
                        st.key = String::from_utf8_lossy(&buf[ks..at]).into_owned();
                    }
                    pos = at + 1;
                    continue;
                }
            }
        }
        let b = buf[pos];
        match b {
            b'\n' => st.line += 1,
            b' ' | b'\t' | b'\r' => {}
            b'"' => {
                st.in_str = true;
                if st.mode == Mode::Object && st.depth == 1 && st.expect_key {
                    st.key_start = Some(pos + 1);
                    st.expect_key = false;
                } else {
                    start_scalar(st, pos);
                }
                st.await_container = false;
            }
            b'{' | b'[' => {
                if st.depth == 0 {
                    st.doc += 1;
                    st.doc_start = pos;
                    st.doc_line = st.line;
                    st.index = 0;
                    st.container_key = None;
                    if b == b'[' {
                        st.mode = Mode::Array { container: 1 };
                    } else {
                        st.mode = Mode::Object;
                        st.expect_key = true;
                    }
                } else if st.mode == Mode::Object
                    && st.depth == 1
                    && st.await_container
                    && b == b'['
                {
                    st.mode = Mode::Array { container: 2 };
                    st.container_key = Some(std::mem::take(&mut st.key));
                    st.index = 0;
                } else if let Mode::Array { container } = st.mode
                    && st.depth == container
                    && st.elem_start.is_none()
                {
                    st.elem_start = Some(pos);
                    st.elem_line = st.line;
                    st.scalar = false;
                }
                st.await_container = false;
                st.depth += 1;
            }
            b'}' | b']' => {
                if st.depth == 0 {
                    return Err(ScanError {
                        line: st.line,
                        message: format!("unexpected `{}`", b as char),
                        truncated: false,
                    });
                }
                if let Mode::Array { container } = st.mode
                    && st.depth == container
                    && st.scalar
                {
                    finish(buf, pos, st, each, stats);
                }
                st.depth -= 1;
                if let Mode::Array { container } = st.mode {
                    if st.depth == container && st.elem_start.is_some() {
                        finish(buf, pos + 1, st, each, stats);
                    } else if st.depth + 1 == container {
                        st.mode = if container == 1 {
                            Mode::Top
                        } else {
                            Mode::After
                        };
                    }
                }
                if st.depth == 0 {
                    if st.mode == Mode::Object {
                        // An object without a records array is itself one record.
                        st.elem_start = Some(st.doc_start);
                        st.elem_line = st.doc_line;
                        st.container_key = None;
                        let save = st.index;
                        finish_whole(buf, pos + 1, st, each, stats);
                        st.index = save;
                    }
                    st.mode = Mode::Top;
                }
            }
            b',' => {
                if st.mode == Mode::Object && st.depth == 1 {
                    st.expect_key = true;
                }
                if let Mode::Array { container } = st.mode
                    && st.depth == container
                    && st.scalar
                {
                    finish(buf, pos, st, each, stats);
                }
                st.await_container = false;
            }
            b':' => {
                if st.mode == Mode::Object && st.depth == 1 {
                    st.await_container = containers.iter().any(|c| *c == st.key);
                }
            }
            _ => {
                if st.depth == 0 {
                    return Err(ScanError {
                        line: st.line,
                        message: format!(
                            "expected a JSON object or array, found `{}`",
                            String::from_utf8_lossy(&buf[pos..len.min(pos + 20)])
                                .split_whitespace()
                                .next()
                                .unwrap_or("")
                        ),
                        truncated: false,
                    });
                }
                start_scalar(st, pos);
                st.await_container = false;
            }
        }
        pos += 1;
    }
    Ok(pos)
}

/// A scalar directly in the records array starts a (bad) record; the adapter reports it.
fn start_scalar(st: &mut State, pos: usize) {
    if let Mode::Array { container } = st.mode
        && st.depth == container
        && st.elem_start.is_none()
    {
        st.elem_start = Some(pos);
        st.elem_line = st.line;
        st.scalar = true;
    }
}

fn finish(
    buf: &[u8],
    end: usize,
    st: &mut State,
    each: &mut dyn FnMut(&Element<'_>),
    stats: &mut ScanStats,
) {
    let Some(start) = st.elem_start.take() else {
        return;
    };
    let bytes = buf[start..end].trim_ascii_end();
    each(&Element {
        bytes,
        line: st.elem_line,
        doc: st.doc,
        key: st.container_key.as_deref(),
        index: Some(st.index),
    });
    st.index += 1;
    st.scalar = false;
    stats.records += 1;
}

fn finish_whole(
    buf: &[u8],
    end: usize,
    st: &mut State,
    each: &mut dyn FnMut(&Element<'_>),
    stats: &mut ScanStats,
) {
    let Some(start) = st.elem_start.take() else {
        return;
    };
    each(&Element {
        bytes: &buf[start..end],
        line: st.elem_line,
        doc: st.doc,
        key: None,
        index: None,
    });
    stats.records += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each record's text, line and path, and the scan's result.
    type Scanned = (Vec<(String, u32, String)>, Result<ScanStats, ScanError>);

    fn records(text: &str, containers: &[&str]) -> Scanned {
        let mut out = Vec::new();
        let r = scan(text.as_bytes(), containers, &mut |e| {
            out.push((
                String::from_utf8_lossy(e.bytes).into_owned(),
                e.line,
                e.path(false),
            ))
        });
        (out, r)
    }

    #[test]
    fn arrays_wrappers_single_objects_and_lines() {
        let (r, s) = records("[{\"a\":1},\n {\"a\":[2,{\"b\":\"]}\"}]}]", &[]);
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[1],
            ("{\"a\":[2,{\"b\":\"]}\"}]}".into(), 2, "$[1]".into())
        );
        assert_eq!(s.unwrap().docs, 1);

        let text = "{\"NextToken\": \"x\",\n \"Records\": [\n  {\"eventID\": \"1\"},\n  {\"eventID\": \"2\\\"\"}\n ]}";
        let (r, _) = records(text, &["Records"]);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].1, 3);
        assert_eq!(r[1].2, "$.Records[1]");

        let (r, _) = records("{\"KeyMetadata\": {\"KeyId\": \"k\"}}", &["Records"]);
        assert_eq!(
            r,
            [(
                "{\"KeyMetadata\": {\"KeyId\": \"k\"}}".into(),
                1,
                "$".into()
            )]
        );

        let (r, s) = records("{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n", &[]);
        assert_eq!(r.iter().map(|x| x.1).collect::<Vec<_>>(), [1, 2, 4]);
        assert_eq!(s.unwrap().docs, 3);

        // Pages concatenated: each page's records, in order.
        let (r, s) = records(
            "{\"value\":[{\"id\":1}]}{\"value\":[{\"id\":2},{\"id\":3}]}",
            &["value"],
        );
        assert_eq!(r.len(), 3);
        assert_eq!(s.unwrap().docs, 2);
    }

    #[test]
    fn truncation_and_garbage_are_reported_after_the_good_records() {
        let (r, s) = records("[{\"a\":1},\n{\"a\":", &[]);
        assert_eq!(r.len(), 1);
        let e = s.unwrap_err();
        assert!(e.truncated);
        assert_eq!(e.line, 2);
        let (_, s) = records("nope", &[]);
        assert!(!s.unwrap_err().truncated);
        let (r, _) = records("[1, \"x\", {\"a\":1}]", &[]);
        assert_eq!(
            r.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
            ["1", "\"x\"", "{\"a\":1}"]
        );
    }

    #[test]
    fn records_split_across_chunks_survive() {
        let mut text = String::from("{\"Records\":[");
        for i in 0..60_000 {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&format!("{{\"eventID\":\"{i}\",\"s\":\"a\\\\b\\\"c\"}}\n"));
        }
        text.push_str("]}");
        let (r, s) = records(&text, &["Records"]);
        assert_eq!(r.len(), 60_000);
        assert_eq!(r[59_999].1, 60_000);
        assert!(r[12_345].0.contains("\"12345\""));
        assert_eq!(s.unwrap().records, 60_000);
    }

    #[test]
    fn gzip_is_detected() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"{\"Records\":[{\"a\":1}]}").unwrap();
        let gz = enc.finish().unwrap();
        let mut n = 0;
        scan(&gz[..], &["Records"], &mut |_| n += 1).unwrap();
        assert_eq!(n, 1);
    }
}
