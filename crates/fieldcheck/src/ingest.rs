//! `fieldcheck ingest` (the configured sources' exports written as a canonical kit, by the
//! engine) and `fieldcheck sources` (the adapters, as data).

use std::io::Write as _;
use std::path::Path;

use anyhow::Context;
use fieldcheck_engine::{LoadError, LoadRequest};

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
    let x = fieldcheck_engine::ingest::write_canonical(&loaded, out_dir)?;
    let mut err = anstream::stderr();
    let _ = writeln!(
        err,
        "wrote {} kit files with {} records ({} from {} raw export{}) to `{}`; provenance.csv maps each sourced row to its raw record",
        x.files,
        fieldcheck_kit::thousands(x.records),
        fieldcheck_kit::thousands(x.from_sources),
        x.raw_files,
        if x.raw_files == 1 { "" } else { "s" },
        out_dir.display()
    );
    for u in &x.unread {
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
        + x.unread.len();
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

/// `fieldcheck sources`: every adapter, or one with its options.
pub(crate) fn sources_command(name: Option<&str>, format: ControlsFormat) -> anyhow::Result<u8> {
    let all = fieldcheck_sources::adapters();
    let chosen: Vec<_> = match name {
        None => all.to_vec(),
        Some(n) => match fieldcheck_sources::adapter(n) {
            Some(a) => vec![a],
            None if fieldcheck_engine::pull::specs().iter().any(|s| s.name == n) => Vec::new(),
            None => {
                let collectors = fieldcheck_engine::pull::specs();
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
            .chain(fieldcheck_engine::pull::collectors_json(name))
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
