//! `fieldcheck ingest`: the configured sources' exports written as a canonical kit, with
//! `provenance.csv` mapping each sourced row to its raw record.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use fieldcheck_kit::Kind;

use crate::csv_out::write_record;
use crate::{Loaded, config_dir};

/// What `ingest` wrote.
pub struct Ingested {
    /// Kit files written.
    pub files: usize,
    /// Records written.
    pub records: usize,
    /// Of them, records the sources made.
    pub from_sources: usize,
    /// Raw exports read.
    pub raw_files: usize,
    /// Kit files (and the sample-size table) that could not be carried over, each a sentence.
    pub unread: Vec<String>,
}

/// Writes the canonical kit of a loaded kit (its files merged with the sourced rows, with
/// `provenance.csv` and the config without its `[[sources]]`) into the folder `out_dir`.
pub fn write_canonical(loaded: &Loaded, out_dir: &Path) -> anyhow::Result<Ingested> {
    let kit_dir = loaded.kit_dir.as_path();
    let kit = &loaded.kit;
    let sourced = &loaded.sourced;
    let mut base = 0u32;
    let mut provenance = csv::Writer::from_writer(Vec::new());
    write_record(
        &mut provenance,
        ["file", "line", "source", "raw_file", "raw_line", "raw_path"],
    )?;
    let (mut files, mut from_sources, mut total) = (0usize, 0usize, 0usize);
    // Kit files (and the sample-size table) that could not be carried over.
    let mut unread: Vec<String> = Vec::new();
    for kind in Kind::ALL {
        let info = kit.file(kind);
        let rows = sourced.rows(kind);
        let schema = kind.schema();
        if info.present() {
            let name = kind.csv_name();
            let mut w = csv::Writer::from_writer(Vec::new());
            write_record(&mut w, schema.fields.iter().map(|f| f.name))?;
            let mut line = 1u32;
            // The kit's own file, every row as written (bad rows stay bad). A file that cannot
            // be read is never fatal: the rest is written, the file is named, and the exit code
            // says the ingested kit is incomplete.
            if let Some(own) = &info.name {
                match kit_rows(kit_dir, own, kind) {
                    Ok(rows) => {
                        for row in rows {
                            write_record(&mut w, &row)?;
                            line += 1 + row.iter().map(|c| newlines(c)).sum::<u32>();
                            total += 1;
                        }
                    }
                    // The message names the file.
                    Err(e) => unread.push(e.to_string()),
                }
            }
            // The sourced rows the reader accepted, in order.
            for loc in kit.locs(kind).into_iter().filter(|l| l.sourced) {
                let Some(row) = rows.get((loc.line - base) as usize) else {
                    continue;
                };
                write_record(&mut w, row.cells.iter().map(|c| c.as_deref().unwrap_or("")))?;
                // The row starts on the next physical line; quoted newlines inside it push the
                // following rows down.
                let starts = line + 1;
                line += 1 + row
                    .cells
                    .iter()
                    .map(|c| c.as_deref().map_or(0, newlines))
                    .sum::<u32>();
                total += 1;
                from_sources += 1;
                let raw = sourced.files.get(row.origin.file as usize);
                write_record(
                    &mut provenance,
                    [
                        name.as_str(),
                        &starts.to_string(),
                        raw.map_or("", |r| r.adapter.as_str()),
                        raw.map_or("", |r| r.path.as_str()),
                        &row.origin.line.to_string(),
                        row.origin.path.as_deref().unwrap_or(""),
                    ],
                )?;
            }
            let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
            std::fs::write(out_dir.join(&name), bytes)
                .with_context(|| format!("cannot write `{name}`"))?;
            files += 1;
        }
        base += rows.len() as u32;
    }
    let bytes = provenance
        .into_inner()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::write(out_dir.join("provenance.csv"), bytes)?;
    std::fs::write(
        out_dir.join("fieldcheck.toml"),
        without_sources(&loaded.config_file.1),
    )?;
    // A firm's own sample-size table goes with the config.
    if let Some(table) = &loaded.config.sampling_table {
        let from = config_dir(&loaded.config_file.0).join(table);
        let to = out_dir.join(table);
        if let Some(p) = to.parent() {
            std::fs::create_dir_all(p)?;
        }
        let base = config_dir(&loaded.config_file.0);
        match fieldcheck_kit::fsafe::read_to_string(&from, Some(base)) {
            Ok(text) => std::fs::write(&to, text)
                .with_context(|| format!("cannot write `{}`", to.display()))?,
            Err(r) => unread.push(format!("the sample-size table `{table}` {r}")),
        }
    }
    Ok(Ingested {
        files,
        records: total,
        from_sources,
        raw_files: sourced.files.len(),
        unread,
    })
}

/// Newlines inside a cell (a quoted multi-line value spans several physical lines).
fn newlines(c: &str) -> u32 {
    c.matches('\n').count() as u32
}

/// A kit file's rows in the schema's column order (CSV or JSON Lines).
fn kit_rows(kit_dir: &Path, name: &str, kind: Kind) -> anyhow::Result<Vec<Vec<String>>> {
    let schema = kind.schema();
    let path = kit_dir.join(name);
    // Opened and decoded as the reader does: only a regular file inside the kit (never a FIFO,
    // a device or a link out of it), UTF-16 decoded, CR-only line ends read as LF.
    let text = fieldcheck_kit::kit_file_bytes(&path, kit_dir).map_err(|e| anyhow::anyhow!(e))?;
    let mut out = Vec::new();
    if path.extension().is_some_and(|e| e == "jsonl") {
        for line in String::from_utf8_lossy(&text).lines() {
            let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(line)
            else {
                continue;
            };
            out.push(
                schema
                    .fields
                    .iter()
                    .map(|f| match o.get(f.name) {
                        None | Some(serde_json::Value::Null) => String::new(),
                        Some(serde_json::Value::String(s)) => s.clone(),
                        Some(v) => v.to_string(),
                    })
                    .collect(),
            );
        }
        return Ok(out);
    }
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(&text[..]);
    let header: BTreeMap<String, usize> = r
        .headers()?
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim_start_matches('\u{feff}').trim().to_string(), i))
        .collect();
    for rec in r.records() {
        let Ok(rec) = rec else { continue };
        out.push(
            schema
                .fields
                .iter()
                .map(|f| {
                    header
                        .get(f.name)
                        .and_then(|&i| rec.get(i))
                        .unwrap_or("")
                        .to_string()
                })
                .collect(),
        );
    }
    Ok(out)
}

/// The config text without its `[[sources]]` sections (and their `[sources.*]` sub-tables).
pub fn without_sources(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with('[') {
            let name = t.trim_start_matches('[').trim_start();
            skipping = name.starts_with("sources]") || name.starts_with("sources.");
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
