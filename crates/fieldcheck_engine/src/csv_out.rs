//! Every CSV that fieldcheck writes (the register export, the PBC request list, the ingested kit
//! and its provenance, the burndown series) goes through here, so that no cell can run as a
//! formula when a spreadsheet opens the file (CSV injection): a cell that starts with `=`, `+`,
//! `-`, `@`, a tab or a carriage return is prefixed with `'`, as OWASP advises. The kit reader
//! reads such a cell back without its `'`. XLSX files are written as strings and need none of it.

use std::borrow::Cow;

/// The characters a spreadsheet may read as the start of a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as written to CSV: `'` before one that starts like a formula, else as it is. A cell
/// that already starts with `'`s before such a character gets one more, so that the kit reader,
/// which takes exactly one `'` off, reads every cell back as it was.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.trim_start_matches('\'').starts_with(FORMULA_START) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Writes one record with its cells neutralised.
pub fn write_record<W: std::io::Write, S: AsRef<str>>(
    w: &mut csv::Writer<W>,
    cells: impl IntoIterator<Item = S>,
) -> csv::Result<()> {
    w.write_record(
        cells
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned()),
    )
}

/// Rows as CSV text with a header, quoted as RFC 4180 wants and neutralised.
pub fn write_csv<R: AsRef<[String]>>(header: &[&str], rows: impl Iterator<Item = R>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = write_record(&mut w, header);
    for r in rows {
        let _ = write_record(&mut w, r.as_ref());
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A new XLSX workbook whose document properties name no moment of their own: its creation time
/// is 1980-01-01, the date the workbook's ZIP entries carry too, so the same input gives the same
/// bytes (docs/readings.md).
pub fn workbook() -> rust_xlsxwriter::Workbook {
    let mut wb = rust_xlsxwriter::Workbook::new();
    if let Ok(epoch) = rust_xlsxwriter::ExcelDateTime::from_ymd(1980, 1, 1) {
        wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&epoch));
    }
    wb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_start_like_a_formula_are_neutralised() {
        for (cell, written) in [
            ("=1+2", "'=1+2"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("'=1", "''=1"),
            ("'plain", "'plain"),
        ] {
            assert_eq!(neutralise(cell), written);
        }
        for cell in ["", "a=b", "1-2", "v1", " =x", "2026-07-01"] {
            assert_eq!(neutralise(cell), cell);
        }
    }

    #[test]
    fn written_csv_reads_back_neutralised_and_quoted() {
        let text = write_csv(
            &["item", "detail"],
            [
                ["=1+2".to_string(), "a, \"quoted\"\nline".to_string()],
                ["v1".to_string(), "-".to_string()],
            ]
            .iter(),
        );
        let rows: Vec<Vec<String>> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.expect("valid").iter().map(str::to_string).collect())
            .collect();
        assert_eq!(
            rows,
            [
                vec!["'=1+2".to_string(), "a, \"quoted\"\nline".to_string()],
                vec!["v1".to_string(), "'-".to_string()]
            ]
        );
    }
}
