//! `fieldcheck collect` and `fieldcheck locker keygen|verify|log|export` on the command line:
//! the flags' values in, the engine's collection, bundle and log out, printed. The locker's
//! work (collecting, replaying, freshness) is `fieldcheck_engine::locker`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use fieldcheck_engine::locker::{self, CollectEvent, CollectRequest, Collected};
use fieldcheck_locker::Incoming;

use crate::{diagnostics, out};

/// `fieldcheck collect`: stores the config, the kit files and every configured source's files.
pub(crate) fn collect_command(
    kit: &Path,
    config: Option<&Path>,
    locker: Option<&Path>,
    sign: Option<&Path>,
) -> anyhow::Result<u8> {
    collect_with(kit, config, locker, sign, Vec::new())
}

/// [`collect_command`], storing `extra` files too (`pull --locker`: the pull's retrieval records,
/// which no source reads).
pub(crate) fn collect_with(
    kit: &Path,
    config: Option<&Path>,
    locker: Option<&Path>,
    sign: Option<&Path>,
    extra: Vec<Incoming>,
) -> anyhow::Result<u8> {
    let req = CollectRequest {
        kit,
        config,
        locker,
        sign,
        extra,
        clock: &crate::register::now,
        crash_after: fieldcheck_locker::crash_after_from_env(),
        progress: crate::progress::bars(),
    };
    let mut err = anstream::stderr();
    let collected = locker::collect(req, &mut |e| match e {
        CollectEvent::Warnings(d) => {
            let _ = anstream::stderr().write_all(diagnostics::render_all(d).as_bytes());
        }
        CollectEvent::Waiting(dir) => {
            let _ = writeln!(
                anstream::stderr(),
                "waiting for another collection into `{}` to finish…",
                dir.display()
            );
        }
    })?;
    let (c, dir) = match collected {
        Collected::Refused { diagnostics, why } => {
            let _ = err.write_all(diagnostics::render_all(&diagnostics).as_bytes());
            let _ = writeln!(err, "{why}");
            return Ok(2);
        }
        Collected::Done { collection, dir } => (collection, dir),
    };
    let at = c.at;
    let _ = writeln!(
        err,
        "collection {} at {at}: {} file{} ({} new content{}, {}) into `{}`",
        c.collection,
        c.entries,
        if c.entries == 1 { "" } else { "s" },
        c.new_blobs,
        if c.new_blobs == 1 { "" } else { "s" },
        human_bytes(c.bytes),
        dir.display()
    );
    let _ = writeln!(
        err,
        "chain head {}{}",
        c.head,
        if c.signed {
            " (sealed and signed)"
        } else {
            " (sealed; unsigned: pass --sign KEY to sign)"
        }
    );
    out(&format!("{}\n", c.head), false);
    Ok(0)
}

use fieldcheck_engine::human_bytes;

/// `fieldcheck locker keygen`.
pub(crate) fn keygen_command(out_path: &Path) -> anyhow::Result<u8> {
    let key = fieldcheck_locker::generate_key().map_err(anyhow::Error::new)?;
    let pub_path = fieldcheck_locker::write_key_pair(&key, out_path).map_err(anyhow::Error::new)?;
    let mut err = anstream::stderr();
    let _ = writeln!(
        err,
        "wrote the secret key `{}` (keep it private; collections sign with `--sign {}`) and the public key `{}` (give it to your auditor)",
        out_path.display(),
        out_path.display(),
        pub_path.display()
    );
    out(
        &format!("{}\n", fieldcheck_locker::public_text(&key.verifying_key())),
        false,
    );
    Ok(0)
}

/// `fieldcheck locker verify`: exit 0 when intact, 1 on any finding.
pub(crate) fn verify_command(
    dir: &Path,
    key: Option<&str>,
    head: Option<&str>,
    json: bool,
) -> anyhow::Result<u8> {
    let dir = locker::resolve(dir)?;
    if let Some(h) = head
        && !fieldcheck_locker::valid_digest(h)
    {
        anyhow::bail!(
            "`--head {h}` is not a chain head: give the `sha256:` and 64 hex digits that `fieldcheck collect` printed"
        );
    }
    let key = key
        .map(fieldcheck_locker::read_public_key)
        .transpose()
        .map_err(anyhow::Error::new)?;
    let t = std::time::Instant::now();
    let bars = crate::progress::bars();
    let v = fieldcheck_locker::verify_metered(
        &dir,
        key.as_ref(),
        head,
        true,
        &locker::Metered {
            progress: bars,
            step: "verifying the locker",
        },
    );
    fieldcheck_kit::Progress::finish(bars);
    let secs = t.elapsed().as_secs_f64();
    if json {
        let doc = locker::verify_json(&dir, &v, key.is_some());
        out(&format!("{}\n", serde_json::to_string_pretty(&doc)?), false);
    } else {
        let mut s = String::new();
        for f in &v.findings {
            let _ = writeln!(
                s,
                "FAIL [{}]{} {}",
                f.code,
                f.line
                    .map(|l| format!(" manifest line {l}:"))
                    .unwrap_or_default(),
                f.message
            );
        }
        let _ = writeln!(
            s,
            "{} `{}`: {} in {} ({} signed{}), {} ({}) hashed in {:.2} s ({:.0} MB/s); chain head {}",
            if v.ok() { "intact" } else { "TAMPERED" },
            dir.display(),
            fieldcheck_kit::count(v.entries as usize, "entry", "entries"),
            fieldcheck_kit::count(v.collections as usize, "collection", "collections"),
            fieldcheck_kit::count(v.signed as usize, "seal", "seals"),
            v.key
                .as_deref()
                .map(|k| format!(" by {k}"))
                .unwrap_or_default(),
            fieldcheck_kit::count(v.blobs as usize, "blob", "blobs"),
            human_bytes(v.bytes),
            secs,
            v.bytes as f64 / 1e6 / secs.max(1e-9),
            v.head.as_deref().unwrap_or("none")
        );
        if !v.ok() {
            let _ = writeln!(
                s,
                "{} finding{}: the evidence in this locker cannot be relied on as collected",
                v.findings.len(),
                if v.findings.len() == 1 { "" } else { "s" }
            );
        } else if key.is_none() {
            let _ = writeln!(
                s,
                "note: not verified against a known key: {}; pass `--key` with your trusted copy of the public key (received apart from the locker, not its own locker.pub) to prove who signed it",
                if v.signed == 0 {
                    "this locker is unsigned, so a locker rewritten by anyone with write access (or stripped of its signatures and locker.pub) would pass as well".to_string()
                } else {
                    format!(
                        "the seals verify against the key they name themselves ({}), which a locker rewritten and re-signed with another key would name too",
                        v.key.as_deref().unwrap_or("?")
                    )
                }
            );
        }
        out(&s, true);
    }
    Ok(u8::from(!v.ok()))
}

/// `fieldcheck locker export`: a self-verifying bundle for the auditor.
pub(crate) fn export_command(dir: &Path, out_dir: &Path) -> anyhow::Result<u8> {
    let x = locker::export(dir, out_dir)?;
    let mut err = anstream::stderr();
    let _ = writeln!(
        err,
        "exported {} entries, {} blobs ({}) to `{}`; the auditor runs: fieldcheck locker verify {} --key <their trusted copy of the public key> --head <a chain head you sent them>",
        x.entries,
        x.blobs,
        human_bytes(x.bytes),
        out_dir.display(),
        out_dir.display()
    );
    Ok(0)
}

/// `fieldcheck locker log`: per source, what was collected when, and its coverage of the window.
pub(crate) fn log_command(dir: &Path, json: bool) -> anyhow::Result<u8> {
    let l = locker::log(dir, &crate::register::now)?;
    if json {
        out(&l.to_json()?, false);
        return Ok(0);
    }
    let window = &l.window;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "evidence locker `{}` · window {} → {} · {}",
        l.dir.display(),
        window.start,
        window.end,
        fieldcheck_kit::count(l.collections.len(), "collection", "collections")
    );
    for c in &l.collections {
        let bytes: u64 = c.entries.iter().filter_map(|e| e.size).sum();
        let _ = writeln!(
            s,
            "  collection {:>3}  {}  {:>4} files  {}",
            c.collection,
            c.at,
            c.entries.len(),
            human_bytes(bytes)
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "  {:<44} {:>7} {:>11} {:>11}  COVERAGE OF THE WINDOW",
        "SOURCE", "CADENCE", "FIRST", "LAST"
    );
    for src in &l.sources {
        let (h, g) = (&src.history, &src.gaps);
        let day = |t: Option<&jiff::Timestamp>| {
            t.map_or("-".to_string(), |t| window.local_date(*t).to_string())
        };
        let mut cov: Vec<String> = g
            .iter()
            .map(|(a, b)| format!("gap {} to {}", window.local_date(*a), window.local_date(*b)))
            .collect();
        if src.stale {
            cov.push("stale at the end".into());
        }
        let _ = writeln!(
            s,
            "  {:<44} {:>7} {:>11} {:>11}  {}",
            h.label,
            h.cadence_text,
            day(h.times.first()),
            day(h.times.last()),
            if cov.is_empty() {
                "complete".to_string()
            } else {
                cov.join("; ")
            }
        );
    }
    out(&s, true);
    Ok(0)
}
