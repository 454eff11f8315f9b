//! `fieldcheck ingest` (the configured sources' exports written as a canonical kit, by the
//! engine) and `fieldcheck sources` (the adapters, as data).

use std::io::Write as _;
use std::path::Path;

use anyhow::Context;
use fieldcheck_engine::{LoadError, LoadRequest};

use crate::{Format, diagnostics, out};

/// Writes the canonical kit of `kit_dir`'s config (kit files merged with sourced rows) to `out_dir`.
pub(crate) fn run(kit_dir: &Path, config: Option<&Path>, out_dir: &Path) -> anyhow::Result<u8> {
    let loaded = match fieldcheck_engine::load(LoadRequest {
        progress: crate::progress::bars(),
        ..LoadRequest::new(kit_dir, config)
    }) {
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
    let x = fieldcheck_kit::progress::step(
        crate::progress::bars(),
        "writing the canonical kit",
        0,
        fieldcheck_kit::Unit::Items,
        |_| fieldcheck_engine::ingest::write_canonical(&loaded, out_dir),
    )?;
    let mut err = anstream::stderr();
    let _ = writeln!(
        err,
        "wrote {} with {} ({} from {}) to `{}`; provenance.csv maps each sourced row to its raw record",
        fieldcheck_kit::count(x.files, "kit file", "kit files"),
        fieldcheck_kit::count(x.records, "record", "records"),
        fieldcheck_kit::thousands(x.from_sources),
        fieldcheck_kit::count(x.raw_files, "raw export", "raw exports"),
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
            "the ingested kit is incomplete: {} above lost records, and `{}` does not carry them; fix the exports and ingest again",
            fieldcheck_kit::count(errors, "error", "errors"),
            out_dir.display()
        );
        return Ok(1);
    }
    let _ = writeln!(err, "audit it with: fieldcheck audit {}", out_dir.display());
    Ok(0)
}

/// `fieldcheck sources`: every adapter, or one with its options.
pub(crate) fn sources_command(name: Option<&str>, format: Format) -> anyhow::Result<u8> {
    use fieldcheck_engine::pull::Listing;
    let format = match format {
        Format::Json => Listing::Json,
        Format::Markdown => Listing::Markdown,
        _ => Listing::Text,
    };
    let listing = fieldcheck_engine::pull::sources_listing(name, format)?;
    out(&listing, false);
    Ok(0)
}
