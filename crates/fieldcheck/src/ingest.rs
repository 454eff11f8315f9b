//! `fieldcheck ingest` (the configured sources' exports written as a canonical kit) and
//! `fieldcheck sources` (the adapters, as data).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context;
use fieldcheck_kit::Kind;

use fieldcheck_engine::csv_out::write_record;
use fieldcheck_engine::{LoadError, LoadRequest, config_dir};

use crate::{ControlsFormat, diagnostics, out};

/// Writes the canonical kit of `kit_dir`'s config (kit files merged with sourced rows) to `out_dir`.
pub(crate) fn run(kit_dir: &Path, config: Option<&Path>, out_dir: &Path) -> anyhow::Result<u8> {
    let loaded = match fieldcheck_engine::load(LoadRequest::new(kit_dir, config)) {
        Ok(l) => l,
        Err(LoadError::Tool(e)) => return Err(e),
        Err(LoadError::Config(diags)) => {
            let mut err = anstream::stderr();
            let _ = err.write_all(diagnostics::render_all(&diags).as_bytes());
            let _ = writeln!(err, "the config has errors; nothing was ingested");
            return Ok(2);
        }
    };
    if out_dir.exists() && out_dir.canonicalize().ok() == kit_dir.canonicalize().ok() {
        anyhow::bail!("`--out` must be a different folder from the kit");
    }
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create `{}`", out_dir.display()))?;
    if !loaded.diagnostics.is_empty() {
        let mut err = anstream::stderr();
        let _ = err.write_all(diagnostics::render_all(&loaded.diagnostics).as_bytes());
    }
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
    let mut err = anstream::stderr();
    let _ = writeln!(
        err,
        "wrote {files} kit files with {} records ({} from {} raw export{}) to `{}`; provenance.csv maps each sourced row to its raw record",
        fieldcheck_kit::thousands(total),
        fieldcheck_kit::thousands(from_sources),
        sourced.files.len(),
        if sourced.files.len() == 1 { "" } else { "s" },
        out_dir.display()
    );
    for u in &unread {
        let _ = writeln!(
            err,
            "error: {u}; it was left out of `{}`",
            out_dir.display()
        );
    }
    let errors = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == fieldcheck_kit::Severity::Error)
        .count()
        + unread.len();
    if errors > 0 {
        let _ = writeln!(
            err,
            "the ingested kit is incomplete: {errors} error{} above lost records, and `{}` does not carry them; fix the exports and ingest again",
            if errors == 1 { "" } else { "s" },
            out_dir.display()
        );
        return Ok(1);
    }
    let _ = writeln!(err, "audit it with: fieldcheck audit {}", out_dir.display());
    Ok(0)
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
pub(crate) fn without_sources(text: &str) -> String {
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

/// `fieldcheck sources`: every adapter, or one with its options.
pub(crate) fn sources_command(name: Option<&str>, format: ControlsFormat) -> anyhow::Result<u8> {
    let all = fieldcheck_sources::adapters();
    let chosen: Vec<_> = match name {
        None => all.to_vec(),
        Some(n) => match fieldcheck_sources::adapter(n) {
            Some(a) => vec![a],
            None if crate::pull::specs().iter().any(|s| s.name == n) => Vec::new(),
            None => {
                let collectors = crate::pull::specs();
                let hint = fieldcheck_kit::did_you_mean(
                    n,
                    all.iter()
                        .map(|a| a.spec.name)
                        .chain(collectors.iter().map(|s| s.name)),
                )
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
                anyhow::bail!(
                    "there is no adapter `{n}`; {hint}the adapters are: {}",
                    all.iter()
                        .map(|a| a.spec.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        },
    };
    let kinds = |a: &fieldcheck_sources::Adapter| -> Vec<String> {
        if a.spec.produces.is_empty() {
            vec!["the kind its `kind` names".to_string()]
        } else {
            a.spec.produces.iter().map(|k| k.csv_name()).collect()
        }
    };
    if format == ControlsFormat::Json {
        let v: Vec<serde_json::Value> = chosen
            .iter()
            .map(|a| {
                serde_json::json!({
                    "name": a.spec.name,
                    "system": a.spec.system,
                    "reads": a.spec.reads,
                    "produces": kinds(a),
                    "needs_system_id": a.spec.needs_system,
                    "options": a.spec.options.iter().map(|o| serde_json::json!({"name": o.name, "type": o.ty.describe(), "meaning": o.help})).collect::<Vec<_>>(),
                    "example": a.spec.example,
                    "type": "adapter",
                })
            })
            .chain(crate::pull::collectors_json(name))
            .collect();
        out(&format!("{}\n", serde_json::to_string_pretty(&v)?), false);
        return Ok(0);
    }
    let mut s = String::new();
    use std::fmt::Write as _;
    for a in &chosen {
        let _ = writeln!(s, "{} — {}", a.spec.name, a.spec.system);
        let _ = writeln!(s, "  reads:    {}", a.spec.reads);
        let _ = writeln!(s, "  produces: {}", kinds(a).join(", "));
        if a.spec.needs_system {
            let _ = writeln!(
                s,
                "  needs:    `system_id` (the system its records belong to)"
            );
        }
        if name.is_some() {
            for o in a.spec.options {
                let _ = writeln!(s, "  option `{}` ({}): {}", o.name, o.ty.describe(), o.help);
            }
        }
        let _ = writeln!(s, "  example:");
        for l in a.spec.example.lines() {
            let _ = writeln!(s, "    {l}");
        }
        let _ = writeln!(s);
    }
    if name.is_none() || chosen.is_empty() {
        s.push_str(&crate::pull::collectors_text(name));
    }
    if name.is_none() {
        let _ = writeln!(
            s,
            "`fieldcheck sources NAME` shows an adapter's or a collector's options; every source takes `path` (a file or glob relative to the config), `system_id` and `timezone`; `fieldcheck pull` runs the `[[collectors]]` (secrets from the environment or `[pull] secrets`, never the config)."
        );
    }
    out(&s, false);
    Ok(0)
}
