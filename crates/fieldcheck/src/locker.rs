//! `fieldcheck collect` and `fieldcheck locker keygen|verify|log|export` on the command line:
//! the flags' values in, the engine's collection, bundle and log out, printed. The locker's
//! work (collecting, replaying, freshness) is `fieldcheck_engine::locker`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use fieldcheck_engine::locker::{self, CollectEvent, CollectRequest, Collected};
use fieldcheck_locker::Incoming;

use crate::{Format, diagnostics, json_text, markdown, out};
use fieldcheck_kit::count;

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
        "collection {} at {at}: {} ({}, {}) into `{}`",
        c.collection,
        count(c.entries, "file", "files"),
        count(c.new_blobs, "new content", "new contents"),
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
    format: Format,
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
    if format == Format::Json {
        let doc = locker::verify_json(&dir, &v, key.is_some());
        out(&json_text(&doc), false);
        return Ok(u8::from(!v.ok()));
    }
    let summary = format!(
        "{} `{}`: {} in {} ({} signed{}), {} ({}) hashed in {:.2} s ({:.0} MB/s); chain head {}",
        if v.ok() { "intact" } else { "TAMPERED" },
        dir.display(),
        count(v.entries as usize, "entry", "entries"),
        count(v.collections as usize, "collection", "collections"),
        count(v.signed as usize, "seal", "seals"),
        v.key
            .as_deref()
            .map(|k| format!(" by {k}"))
            .unwrap_or_default(),
        count(v.blobs as usize, "blob", "blobs"),
        human_bytes(v.bytes),
        secs,
        v.bytes as f64 / 1e6 / secs.max(1e-9),
        v.head.as_deref().unwrap_or("none")
    );
    let verdict = if !v.ok() {
        Some(format!(
            "{}: the evidence in this locker cannot be relied on as collected",
            count(v.findings.len(), "finding", "findings")
        ))
    } else if key.is_none() {
        Some(format!(
            "note: not verified against a known key: {}; pass `--key` with your trusted copy of the public key (received apart from the locker, not its own locker.pub) to prove who signed it",
            if v.signed == 0 {
                "this locker is unsigned, so a locker rewritten by anyone with write access (or stripped of its signatures and locker.pub) would pass as well".to_string()
            } else {
                format!(
                    "the seals verify against the key they name themselves ({}), which a locker rewritten and re-signed with another key would name too",
                    v.key.as_deref().unwrap_or("?")
                )
            }
        ))
    } else {
        None
    };
    let mut s = String::new();
    if format == Format::Markdown {
        let _ = writeln!(s, "# Evidence locker verification\n");
        let _ = writeln!(s, "{summary}.\n");
        if !v.findings.is_empty() {
            s.push_str(&markdown::table(
                &["Finding", "Manifest line", "Message"],
                v.findings.iter().map(|f| {
                    vec![
                        format!("`{}`", f.code),
                        f.line.map(|l| l.to_string()).unwrap_or_default(),
                        f.message.clone(),
                    ]
                }),
            ));
            s.push('\n');
        }
        if let Some(l) = verdict {
            let _ = writeln!(s, "{l}.");
        }
        out(&s, false);
        return Ok(u8::from(!v.ok()));
    }
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
    let _ = writeln!(s, "{summary}");
    if let Some(l) = verdict {
        let _ = writeln!(s, "{l}");
    }
    out(&s, true);
    Ok(u8::from(!v.ok()))
}

/// `fieldcheck locker export`: a self-verifying bundle for the auditor.
pub(crate) fn export_command(dir: &Path, out_dir: &Path) -> anyhow::Result<u8> {
    let x = locker::export(dir, out_dir)?;
    let mut err = anstream::stderr();
    let _ = writeln!(
        err,
        "exported {}, {} ({}) to `{}`; the auditor runs: fieldcheck locker verify {} --key <their trusted copy of the public key> --head <a chain head you sent them>",
        count(x.entries as usize, "entry", "entries"),
        count(x.blobs, "blob", "blobs"),
        human_bytes(x.bytes),
        out_dir.display(),
        out_dir.display()
    );
    Ok(0)
}

/// `fieldcheck locker log`: per source, what was collected when, and its coverage of the window.
pub(crate) fn log_command(dir: &Path, format: Format) -> anyhow::Result<u8> {
    let l = locker::log(dir, &crate::register::now)?;
    if format == Format::Json {
        out(&l.to_json()?, false);
        return Ok(0);
    }
    if format == Format::Markdown {
        out(&log_markdown(&l), false);
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
            "  collection {:>3}  {}  {:>10}  {}",
            c.collection,
            c.at,
            count(c.entries.len(), "file", "files"),
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
        let [first, last, cov] = coverage(src, window);
        let _ = writeln!(
            s,
            "  {:<44} {:>7} {:>11} {:>11}  {cov}",
            src.history.label, src.history.cadence_text, first, last
        );
    }
    out(&s, true);
    Ok(0)
}

/// A source's dates and coverage of the window, as the log shows them: first, last, coverage.
fn coverage(src: &locker::SourceCoverage, window: &fieldcheck_kit::Window) -> [String; 3] {
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
    [
        day(h.times.first()),
        day(h.times.last()),
        if cov.is_empty() {
            "complete".to_string()
        } else {
            cov.join("; ")
        },
    ]
}

/// `fieldcheck locker log --format markdown`.
fn log_markdown(l: &locker::LockerLog) -> String {
    let window = &l.window;
    let mut s = format!(
        "# Evidence locker `{}`\n\nWindow {} → {} · {}.\n\n## Collections\n\n",
        l.dir.display(),
        window.start,
        window.end,
        count(l.collections.len(), "collection", "collections")
    );
    s.push_str(&markdown::table(
        &["Collection", "At", "Files", "Size"],
        l.collections.iter().map(|c| {
            let bytes: u64 = c.entries.iter().filter_map(|e| e.size).sum();
            vec![
                c.collection.to_string(),
                c.at.to_string(),
                fieldcheck_kit::thousands(c.entries.len()),
                human_bytes(bytes),
            ]
        }),
    ));
    s.push_str("\n## Sources\n\n");
    s.push_str(&markdown::table(
        &[
            "Source",
            "Cadence",
            "First",
            "Last",
            "Coverage of the window",
        ],
        l.sources.iter().map(|src| {
            let [first, last, cov] = coverage(src, window);
            vec![
                src.history.label.clone(),
                src.history.cadence_text.clone(),
                first,
                last,
                cov,
            ]
        }),
    ));
    s
}
