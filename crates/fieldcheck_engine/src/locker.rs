//! The evidence locker in the pipeline: a collection of the config, the kit and the sources'
//! files (`collect`), a replay of the evidence as it was at a moment (`replay`), the freshness of
//! each source's collections over the window (`freshness`, measured at the replay's as-of time),
//! the auditor's bundle (`export`) and the log (`log`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use fieldcheck_kit::{Diagnostic, Kind, NoProgress, Progress, Unit, Window, parse_config};
use fieldcheck_locker::{Entry, Incoming, Locker};
use jiff::{SignedDuration, Timestamp};

/// The locker's byte meter as a progress step: `total` starts the step `step` (a verification
/// knows its total only once it has read the manifest); the caller finishes it.
pub struct Metered<'a> {
    /// Where the step is reported.
    pub progress: &'a dyn Progress,
    /// The step's name (`verifying the locker`).
    pub step: &'a str,
}

impl fieldcheck_locker::Meter for Metered<'_> {
    fn total(&self, bytes: u64) {
        self.progress.start(self.step, bytes, Unit::Bytes);
    }

    fn add(&self, bytes: u64) {
        self.progress.advance(bytes);
    }
}

/// The locker of a kit whose config is at `config_path`.
pub fn default_dir(config_path: &Path) -> PathBuf {
    crate::config_dir(config_path)
        .join(".fieldcheck")
        .join("locker")
}

/// A locker folder, or a kit folder holding one.
pub fn resolve(dir: &Path) -> anyhow::Result<PathBuf> {
    if dir.join("manifest.jsonl").is_file() {
        return Ok(dir.to_path_buf());
    }
    let inner = dir.join(".fieldcheck").join("locker");
    if inner.join("manifest.jsonl").is_file() {
        return Ok(inner);
    }
    anyhow::bail!(
        "`{}` is not an evidence locker or a kit with one (no manifest.jsonl); run `fieldcheck collect {}` first",
        dir.display(),
        dir.display()
    )
}

/// Whether a path relative to the config's folder stays inside it.
fn inside(rel: &str) -> bool {
    let p = Path::new(rel);
    !p.is_absolute()
        && !p
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
}

/// The public key an audit pins: the locker's seals must all be signed by it.
#[derive(Clone)]
pub struct Pin {
    pub key: fieldcheck_locker::VerifyingKey,
    /// `ed25519:<hex>`.
    pub text: String,
    /// Where it was given: `--key` or `config`.
    pub from: &'static str,
}

impl Pin {
    /// Where the key was given, for a sentence.
    pub fn given(&self) -> &'static str {
        if self.from == "config" {
            "from the config's `[locker] public_key`"
        } else {
            "from `--key`"
        }
    }
}

/// The key an audit from the locker pins: `--key`, or `[locker] public_key` in the config the
/// audit is given (`--config`, or KIT/fieldcheck.toml when there is one). The config collected
/// into the locker is never used for this: it came with the evidence, and a forger would have
/// rewritten it too.
pub fn pin(
    key_arg: Option<&str>,
    config: Option<&Path>,
    kit: &Path,
) -> Result<Option<Pin>, crate::LoadError> {
    use crate::LoadError;
    let flag = key_arg
        .map(|k| {
            fieldcheck_locker::read_public_key(k)
                .map_err(|e| LoadError::Tool(anyhow::anyhow!("`--key {k}`: {e}")))
        })
        .transpose()?;
    let config_path = config.map_or_else(|| kit.join("fieldcheck.toml"), Path::to_path_buf);
    let text = match fieldcheck_kit::fsafe::read_to_string(&config_path, None) {
        Ok(t) => Some(t),
        // An exported bundle or a bare locker has no config beside it: only `--key` can pin.
        Err(fieldcheck_kit::fsafe::Refusal::NotFound) if config.is_none() => None,
        Err(r) => {
            return Err(LoadError::Tool(crate::config_refused(&config_path, &r)));
        }
    };
    let mut from_config = None;
    if let Some(text) = text {
        let shown = config_path.display().to_string();
        let (cfg, diags) = parse_config(&shown, &text);
        // The pin cannot be known from a config with errors: stop rather than audit unpinned.
        let Some(cfg) = cfg else {
            return Err(LoadError::Config(diags));
        };
        if let Some(k) = &cfg.locker_public_key {
            match fieldcheck_locker::read_public_key(&k.text) {
                Ok(key) => from_config = Some(key),
                Err(e) => {
                    return Err(LoadError::Config(vec![
                        Diagnostic::error(
                            fieldcheck_kit::Code::ConfigInvalidValue,
                            format!("`locker.public_key` is not a usable key: {e}"),
                        )
                        .file(shown)
                        .line(k.at.line)
                        .column(k.at.column)
                        .snippet(k.at.snippet.clone(), k.at.width.max(1))
                        .help("paste the line of `locker.pub` (or of the `.pub` file `fieldcheck locker keygen` wrote)"),
                    ]));
                }
            }
        }
    }
    let text = |k: &fieldcheck_locker::VerifyingKey| fieldcheck_locker::public_text(k);
    match (flag, from_config) {
        (Some(f), Some(c)) if f != c => Err(LoadError::Tool(anyhow::anyhow!(
            "`--key` is {}, but the config `{}` pins {} (`[locker] public_key`): a locker can be signed by one key only; settle which key signs it before auditing",
            text(&f),
            config_path.display(),
            text(&c)
        ))),
        (Some(f), _) => Ok(Some(Pin {
            text: text(&f),
            key: f,
            from: "--key",
        })),
        (None, Some(c)) => Ok(Some(Pin {
            text: text(&c),
            key: c,
            from: "config",
        })),
        (None, None) => Ok(None),
    }
}

/// Where a collected file must stay: the kit files in the kit folder, the sample-size table and
/// the sources' exports in the config's folder; the config itself is the path given.
fn root_of<'a>(f: &Incoming, kit: &'a Path, base: &'a Path) -> Option<&'a Path> {
    match f.source.as_str() {
        "config" if f.name == "fieldcheck.toml" => None,
        "kit" => Some(kit),
        _ => Some(base),
    }
}

/// What an export wrote.
pub struct Exported {
    /// Evidence entries in the bundle's manifest.
    pub entries: u64,
    /// Distinct blobs copied.
    pub blobs: usize,
    /// Bytes of evidence.
    pub bytes: u64,
}

/// `fieldcheck locker export`: a self-verifying bundle for the auditor (blobs, manifest, HEAD,
/// public key, `SHA256SUMS`, `VERIFY.md`), after checking that the locker verifies.
pub fn export(dir: &Path, out_dir: &Path) -> anyhow::Result<Exported> {
    let dir = resolve(dir)?;
    let l = Locker::existing(&dir).map_err(anyhow::Error::new)?;
    let v = fieldcheck_locker::verify(&dir, None, None);
    if !v.ok() {
        anyhow::bail!(
            "the locker does not verify ({} findings); run `fieldcheck locker verify {}` and fix it before exporting",
            v.findings.len(),
            dir.display()
        );
    }
    // The bundle must not overlap the locker (copying a file onto itself empties it).
    let norm = |p: &Path| -> Option<PathBuf> {
        let abs = std::path::absolute(p).ok()?;
        // Resolve what exists (symbolic links included), keep the rest as written.
        let mut existing = abs.clone();
        let mut rest = Vec::new();
        while !existing.exists() {
            rest.push(existing.file_name()?.to_owned());
            existing = existing.parent()?.to_path_buf();
        }
        let mut out = existing.canonicalize().ok()?;
        for r in rest.into_iter().rev() {
            out.push(r);
        }
        Some(out)
    };
    if let (Some(o), Some(d)) = (norm(out_dir), norm(&dir))
        && (o.starts_with(&d) || d.starts_with(&o))
    {
        anyhow::bail!("`--out` must be outside the locker `{}`", dir.display());
    }
    if out_dir.exists() && std::fs::read_dir(out_dir).is_ok_and(|mut d| d.next().is_some()) {
        anyhow::bail!(
            "`{}` is not empty; export into a new or empty folder",
            out_dir.display()
        );
    }
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create `{}`", out_dir.display()))?;
    for f in ["manifest.jsonl", "HEAD", "locker.pub"] {
        let p = dir.join(f);
        if p.is_file() {
            std::fs::copy(&p, out_dir.join(f)).with_context(|| format!("cannot copy `{f}`"))?;
        }
    }
    let mut sums = String::new();
    let mut seen = std::collections::BTreeSet::new();
    for e in l.entries().map_err(anyhow::Error::new)? {
        let Some(d) = e.digest else { continue };
        if !seen.insert(d.clone()) {
            continue;
        }
        let src = l.blob_path(&d);
        let rel = src.strip_prefix(&dir).unwrap_or(&src).to_path_buf();
        let dest = out_dir.join(&rel);
        if let Some(p) = dest.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::copy(&src, &dest).with_context(|| format!("cannot copy `{}`", src.display()))?;
        let _ = writeln!(
            sums,
            "{}  {}",
            d.trim_start_matches("sha256:"),
            rel.to_string_lossy().replace('\\', "/")
        );
    }
    std::fs::write(out_dir.join("SHA256SUMS"), sums)?;
    let head = v.head.clone().unwrap_or_default();
    std::fs::write(
        out_dir.join("VERIFY.md"),
        verify_md(v.entries, v.collections, &head, v.key.as_deref()),
    )?;
    Ok(Exported {
        entries: v.entries,
        blobs: seen.len(),
        bytes: v.bytes,
    })
}

/// `fieldcheck locker verify --format json`: what verifying the locker `dir` found (`pinned`:
/// a key was given to verify against).
pub fn verify_json(dir: &Path, v: &fieldcheck_locker::Verified, pinned: bool) -> serde_json::Value {
    let findings: Vec<serde_json::Value> = v
        .findings
        .iter()
        .map(|f| serde_json::json!({"code": f.code, "line": f.line, "entry": f.entry, "message": f.message}))
        .collect();
    serde_json::json!({
        "locker": dir.display().to_string(),
        "ok": v.ok(),
        "lines": v.lines, "entries": v.entries, "collections": v.collections,
        "signed_seals": v.signed, "key": v.key, "key_verified": pinned && v.ok(),
        "blobs": v.blobs, "bytes": v.bytes,
        "head": v.head, "findings": findings,
    })
}

/// The bundle's instructions for the auditor.
fn verify_md(entries: u64, collections: u64, head: &str, key: Option<&str>) -> String {
    let (signed, command, key_advice) = match key {
        Some(k) => (
            format!(", signed by `{k}`"),
            format!("fieldcheck locker verify . --key <your trusted copy of the public key> --head {head}"),
            "Use the public key you received from the company separately (it should read `".to_string() + k + "`), not only the `locker.pub` in this bundle: a rewritten bundle would carry its own key.\n",
        ),
        None => (
            String::new(),
            format!("fieldcheck locker verify . --head {head}"),
            "This locker is not signed: its chain shows changes made after the fact only against a chain head you recorded earlier (`--head`).\n".to_string(),
        ),
    };
    format!(
        "# Evidence locker bundle\n\n\
         {entries} evidence entries in {collections} collections; chain head `{head}`{signed}.\n\n\
         To verify with fieldcheck (every blob's SHA-256, the hash chain, the seals and their signatures):\n\n\
         ```sh\n{command}\n```\n\n\
         {key_advice}\
         Pass the chain heads the company sent you as it collected (`--head`, one at a time): each must still be in the chain, which rules out a rewrite or a rollback.\n\
         Without fieldcheck, `sha256sum -c SHA256SUMS` checks every blob, and each line of `manifest.jsonl` is\n\
         `sha256(line without its \"hash\" field)`, chained through `prev`.\n"
    )
}

/// A source's collections, for freshness.
pub struct SourceHistory {
    /// The source as the log and the warnings name it.
    pub label: String,
    /// The record kinds it makes.
    pub kinds: Vec<Kind>,
    /// How often it is expected to be collected.
    pub cadence: SignedDuration,
    /// The cadence as written (`1d`, `7d`, or the source's `cadence`).
    pub cadence_text: String,
    /// Its collection times.
    pub times: Vec<Timestamp>,
}

/// How often evidence of a kind is expected to be collected when the source does not say:
/// logs and event streams daily, reviews and training weekly, inventories monthly.
fn default_cadence(kinds: &[Kind]) -> (SignedDuration, &'static str) {
    use Kind::*;
    let days = kinds
        .iter()
        .map(|k| match k {
            AccountEvents | Sessions | CentralLog | JitRequests | BackupJobs | Deploys
            | PullRequests | PrReviews | Changes => 1,
            Training
            | TrainingEscalations
            | RestoreTests
            | AccessReviews
            | AccessReviewDecisions
            | PhishingCampaigns
            | RiskReviews => 7,
            _ => 30,
        })
        .min()
        .unwrap_or(30);
    match days {
        1 => (SignedDuration::from_hours(24), "1d"),
        7 => (SignedDuration::from_hours(24 * 7), "7d"),
        _ => (SignedDuration::from_hours(24 * 30), "30d"),
    }
}

fn histories(
    l: &Locker,
    as_of: Option<Timestamp>,
    config: &fieldcheck_kit::Config,
    base: &Path,
) -> anyhow::Result<Vec<SourceHistory>> {
    let configured = fieldcheck_sources::configured_files(&config.sources, base);
    let mut by_label: BTreeMap<String, SourceHistory> = BTreeMap::new();
    for c in l.collections().map_err(anyhow::Error::new)? {
        if as_of.is_some_and(|t| c.at > t) {
            continue;
        }
        for e in &c.entries {
            let source = e.source.as_deref().unwrap_or("");
            if source == "config" {
                continue;
            }
            let name = e.name.as_deref().unwrap_or("");
            let (label, kinds, cadence) = if source == "kit" {
                let stem = name.rsplit_once('.').map_or(name, |x| x.0);
                let kinds: Vec<Kind> = Kind::ALL
                    .iter()
                    .copied()
                    .filter(|k| k.stem() == stem)
                    .collect();
                (name.to_string(), kinds, None)
            } else {
                let f = configured.iter().find(|f| f.shown == name).or_else(|| {
                    configured
                        .iter()
                        .find(|f| f.adapter == source && f.system_id == e.system_id)
                });
                // A mapping source is known by the kind it makes; others by their system.
                let label = match (&e.system_id, f) {
                    (_, Some(f)) if f.adapter == "mapping" => format!(
                        "mapping ({})",
                        f.kinds
                            .iter()
                            .map(|k| k.stem())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    (Some(s), _) => format!("{source} ({s})"),
                    (None, _) => source.to_string(),
                };
                (
                    label,
                    f.map(|f| f.kinds.clone()).unwrap_or_default(),
                    f.and_then(|f| f.cadence.clone()),
                )
            };
            let h = by_label.entry(label.clone()).or_insert_with(|| {
                let (d, t) = default_cadence(&kinds);
                let (cadence, cadence_text) = match cadence
                    .as_deref()
                    .and_then(fieldcheck_sources::parse_cadence)
                {
                    Some(c) => (c, cadence.clone().unwrap_or_default()),
                    None => (d, t.to_string()),
                };
                SourceHistory {
                    label,
                    kinds,
                    cadence,
                    cadence_text,
                    times: Vec::new(),
                }
            });
            if h.times.last() != Some(&c.at) {
                h.times.push(c.at);
            }
        }
    }
    Ok(by_label.into_values().collect())
}

/// Where the evidence of a source lapsed within the window up to `end`: each collection
/// covers its cadence (plus a tenth, so a job running late is not a gap); the uncovered stretches
/// are gaps, and staleness at `end` gives the newest collection (`None`: none by then).
fn gaps(
    h: &SourceHistory,
    window: &Window,
    end: Timestamp,
) -> (Vec<(Timestamp, Timestamp)>, Option<Option<Timestamp>>) {
    let start = window.midnight(window.start);
    let allowed = h.cadence + SignedDuration::from_secs(h.cadence.as_secs() / 10);
    let mut times: Vec<Timestamp> = h.times.iter().copied().filter(|t| *t <= end).collect();
    times.sort();
    let mut out = Vec::new();
    let mut covered_until: Option<Timestamp> = None;
    for &t in &times {
        let from = covered_until.map_or(start, |c| c.max(start));
        // Before the first collection the window is uncovered only when the first comes later
        // than one cadence after the start.
        let lapsed = match covered_until {
            None => t.duration_since(start) > allowed,
            Some(c) => t > c,
        };
        if lapsed && from < t && from < end {
            out.push((from, t));
        }
        let until = t + allowed;
        covered_until = Some(covered_until.map_or(until, |c| c.max(until)));
    }
    let stale = match covered_until {
        None => Some(None),
        Some(c) if c < end => Some(times.last().copied()),
        Some(_) => None,
    };
    (out, stale)
}

/// An `evidence-gap`'s help once the window has closed: collecting now cannot fill it.
pub const CLOSED_GAP_HELP: &str = "the window has closed, so no collection now can fill this gap: it stands for the window and the auditor will see it; be ready to explain why collection lapsed and what else evidences those days, and collect on the cadence in the next window";

/// A `stale-evidence`'s help once the window has closed: collecting now cannot cover its end.
pub const CLOSED_STALE_HELP: &str = "the window has closed, so no collection now can cover its end: the evidence stops there for this window and the auditor will see it; be ready to explain why collection stopped and what else evidences the rest of the window, and collect on the cadence in the next window";

/// Kinds whose evidence covers only part of the window, and the sentence saying so.
pub type Partial = (Vec<Kind>, String);

/// The freshness of every source over the window: diagnostics, and per kind a sentence for the
/// controls that need it. It is measured up to the window's end or, while the window runs, up to
/// `as_of` (a replay as of a moment: the same replay gives the same bytes whenever it is run), or
/// `now` without one.
pub fn freshness(
    l: &Locker,
    as_of: Option<Timestamp>,
    now: Timestamp,
    config: &fieldcheck_kit::Config,
    base: &Path,
) -> anyhow::Result<(Vec<Diagnostic>, Vec<Partial>)> {
    let window = &config.window;
    let window_end = window.end_of_day(window.end);
    // Evidence is due up to the window's end, or, while the window is running, up to the
    // replay's as-of time (so replaying the same locker as of the same moment gives the same
    // bytes whenever it is run), or up to now for the newest evidence.
    let end = as_of.unwrap_or(now).min(window_end);
    let at_end = if end < window_end {
        if as_of.is_some() {
            "the as-of date"
        } else {
            "now"
        }
    } else {
        "the window's end"
    };
    // Once the window has closed (at the as-of time, or now), no collection can fill its gaps:
    // the notes say what a gap means instead of advising to collect again.
    let closed = as_of.unwrap_or(now) > window_end;
    let mut diags = Vec::new();
    let mut partial = Vec::new();
    for h in histories(l, as_of, config, base)? {
        let (g, stale) = gaps(&h, window, end);
        let day = |t: Timestamp| window.local_date(t).to_string();
        for (from, to) in &g {
            diags.push(
                Diagnostic::warning(
                    fieldcheck_kit::Code::EvidenceGap,
                    format!(
                        "{}: no collection from {} to {} ({}, cadence {})",
                        h.label,
                        day(*from),
                        day(*to),
                        fieldcheck_kit::time::human_duration(to.duration_since(*from)),
                        h.cadence_text
                    ),
                )
                .file(h.label.clone())
                .help(if closed {
                    CLOSED_GAP_HELP
                } else {
                    "collect on the cadence (schedule `fieldcheck collect`); events that aged out of the source's look-back in the gap cannot be evidenced"
                }),
            );
        }
        if let Some(last) = stale {
            diags.push(
                Diagnostic::warning(
                    fieldcheck_kit::Code::StaleEvidence,
                    match last {
                        Some(last) => format!(
                            "{}: the newest collection ({}) is older than its cadence ({}) at {at_end}",
                            h.label,
                            day(last),
                            h.cadence_text,
                        ),
                        None => format!("{}: nothing was collected by {at_end}", h.label),
                    },
                )
                .file(h.label.clone())
                .help(if closed {
                    CLOSED_STALE_HELP
                } else {
                    "collect it again; an auditor asks first about evidence that stops before the window ends"
                }),
            );
        }
        if !g.is_empty() || stale.is_some() {
            let mut parts: Vec<String> = g
                .iter()
                .map(|(a, b)| format!("{} to {}", day(*a), day(*b)))
                .collect();
            match stale {
                Some(Some(last)) => parts.push(format!("after {}", day(last))),
                Some(None) => parts.push(format!("before {at_end}")),
                None => {}
            }
            partial.push((
                h.kinds.clone(),
                format!(
                    "evidence from {} covers only part of the window: no collection {} (cadence {})",
                    h.label,
                    parts.join(", "),
                    h.cadence_text
                ),
            ));
        }
    }
    Ok((diags, partial))
}

/// An audit replayed from the locker: the evidence as it was at `as_of`, materialized.
pub struct Replay {
    /// The temporary folder holding the evidence.
    pub dir: PathBuf,
    /// The locker's head at `as_of` (the last seal used).
    pub head: String,
    pub as_of: Option<Timestamp>,
    pub collections: u64,
    pub entries: usize,
    /// Original name → (digest, manifest line).
    pub by_name: BTreeMap<String, (String, u64)>,
    pub locker: PathBuf,
    /// The key every seal was verified against and where it was given (`--key`, `config`);
    /// `None`: the evidence was not verified against a known key.
    pub pinned: Option<(String, &'static str)>,
    /// The key the replayed seals are signed by (checked only against itself when not pinned).
    pub signed_by: Option<String>,
    /// Replayed seals that carry a signature.
    pub signed_seals: u64,
    /// The blobs' hashing when it runs beside the audit ([`replay_verifying`]), with the pin it
    /// verifies against; taken by [`Replay::verified`].
    blobs: std::sync::Mutex<
        Option<(
            std::thread::JoinHandle<fieldcheck_locker::Verified>,
            Option<Pin>,
        )>,
    >,
}

impl Replay {
    /// Waits for the blobs' hashing started by [`replay_verifying`] and refuses the replay as
    /// [`replay`] would have when a blob does not verify. Nothing read from the replay may be
    /// recorded or shown before this returns `Ok`; after a replay verified in full it returns
    /// at once.
    pub fn verified(&self) -> anyhow::Result<()> {
        let pending = self
            .blobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let Some((hashing, pin)) = pending else {
            return Ok(());
        };
        let v = hashing.join().map_err(|_| {
            anyhow::anyhow!(
                "verifying the locker's blobs failed internally; please report this as a bug"
            )
        })?;
        refuse_unverified(&self.locker, pin.as_ref(), &v)
    }

    /// The locker state the report names: anyone can check the evidence against its head.
    pub fn locker_out(&self) -> crate::report::LockerOut {
        crate::report::LockerOut {
            path: self.locker.display().to_string(),
            head: self.head.clone(),
            as_of: self.as_of.map(|t| t.to_string()),
            collections: self.collections,
            files: self.entries,
            key_verified: self.pinned.is_some(),
            pinned_by: self.pinned.as_ref().map(|p| p.1),
            signed_by: self
                .pinned
                .as_ref()
                .map(|p| p.0.clone())
                .or_else(|| self.signed_by.clone()),
            signed_seals: self.signed_seals,
        }
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `--as-of`: an RFC 3339 timestamp, or a date meaning the end of that day (UTC).
pub fn parse_as_of(s: &str) -> anyhow::Result<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let d: jiff::civil::Date = s.parse().with_context(|| {
        format!("`--as-of {s}` is neither a date (`2026-06-30`) nor an RFC 3339 timestamp")
    })?;
    let next = d.tomorrow().map_err(anyhow::Error::new)?;
    Ok(next.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp() - SignedDuration::from_nanos(1))
}

/// An `--as-of` moment as the user most likely gave it: a date for the end of a day (UTC, as
/// [`parse_as_of`] reads a date), else the timestamp.
fn as_of_shown(t: Timestamp) -> String {
    let z = (t + SignedDuration::from_nanos(1)).to_zoned(jiff::tz::TimeZone::UTC);
    if z.time() == jiff::civil::Time::midnight() {
        t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()
    } else {
        t.to_string()
    }
}

/// How many collection days are listed in full; beyond it, the first and last few.
const DAYS_LISTED: usize = 8;

/// The locker's collections as days (UTC, the days `--as-of DATE` takes), for a message: `the
/// locker's collections are on 2026-04-02, 2026-05-01 (2 collections)`; a long list keeps its
/// first three days and its last two around `…`.
pub fn collection_days(times: &[Timestamp]) -> String {
    let mut days: Vec<String> = times
        .iter()
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
        .collect();
    days.dedup();
    let listed = if days.len() > DAYS_LISTED {
        let mut short = days[..3].to_vec();
        short.push("…".into());
        short.extend_from_slice(&days[days.len() - 2..]);
        short.join(", ")
    } else {
        days.join(", ")
    };
    let count = fieldcheck_kit::count(times.len(), "collection", "collections");
    let whose = if times.len() == 1 {
        "the locker's one collection is"
    } else {
        "the locker's collections are"
    };
    if days.len() > DAYS_LISTED && days.len() < times.len() {
        format!("{whose} on {listed} ({count} on {} days)", days.len())
    } else {
        format!("{whose} on {listed} ({count})")
    }
}

/// Why a locker is refused under a pinned key, in a few words.
fn pin_refusal(v: &fieldcheck_locker::Verified) -> String {
    let at_seal = |code: &str| {
        v.findings
            .iter()
            .filter(|f| f.code == code && f.line.is_some())
            .count() as u64
    };
    let (unsigned, wrong) = (at_seal("unsigned-seal"), at_seal("wrong-key"));
    let pub_replaced = v
        .findings
        .iter()
        .any(|f| f.code == "wrong-key" && f.line.is_none());
    if v.collections == 0 {
        "it holds no seal for the key to vouch for".into()
    } else if unsigned + wrong == 0 && pub_replaced {
        "every seal is signed by it, but its locker.pub names another key: it was replaced, or the key given is not this locker's".into()
    } else if unsigned == v.collections {
        "no seal is signed: the locker is unsigned, or its signatures were stripped".into()
    } else if wrong == v.collections {
        "every seal is signed by another key: the locker was re-signed, or the key given is not its key".into()
    } else if unsigned + wrong > 0 {
        format!(
            "only {} of its {} seals are signed by the key ({} unsigned, {} signed by another key)",
            v.collections - unsigned - wrong,
            v.collections,
            unsigned,
            wrong
        )
    } else {
        "it holds no seal for the key to vouch for".into()
    }
}

/// Materializes the locker's evidence as of `as_of` into a temporary folder, after verifying
/// the whole locker (against `pin` when a key is pinned).
pub fn replay(
    locker: &Path,
    as_of: Option<Timestamp>,
    pin: Option<&Pin>,
) -> anyhow::Result<Replay> {
    replay_progress(locker, as_of, pin, &NoProgress)
}

/// [`replay`], reporting the verification's bytes to `progress` (`verifying the locker`).
pub fn replay_progress(
    locker: &Path,
    as_of: Option<Timestamp>,
    pin: Option<&Pin>,
    progress: &dyn Progress,
) -> anyhow::Result<Replay> {
    replay_with(locker, as_of, pin, progress, false)
}

/// [`replay_progress`] for an audit: the manifest, its seals and HEAD are verified first, and
/// the blobs (every stored byte) are hashed on threads of their own while the caller reads and
/// tests the replay. The caller must call [`Replay::verified`] before it records or shows
/// anything read from the replay ([`crate::run`] does, once the controls are tested).
pub fn replay_verifying(
    locker: &Path,
    as_of: Option<Timestamp>,
    pin: Option<&Pin>,
    progress: &dyn Progress,
) -> anyhow::Result<Replay> {
    replay_with(locker, as_of, pin, progress, true)
}

fn replay_with(
    locker: &Path,
    as_of: Option<Timestamp>,
    pin: Option<&Pin>,
    progress: &dyn Progress,
    beside: bool,
) -> anyhow::Result<Replay> {
    let locker = resolve(locker)?;
    let l = Locker::existing(&locker).map_err(anyhow::Error::new)?;
    // Never audit evidence the locker cannot vouch for.
    let v = fieldcheck_locker::verify_metered(
        &locker,
        pin.map(|p| &p.key),
        None,
        !beside,
        &Metered {
            progress,
            step: "verifying the locker",
        },
    );
    progress.finish();
    refuse_unverified(&locker, pin, &v)?;
    // The blobs are hashed from here on, beside the materializing, reading and testing.
    let blobs = beside.then(|| {
        let (dir, key) = (locker.clone(), pin.map(|p| p.key));
        let hashing = std::thread::spawn(move || {
            fieldcheck_locker::verify_metered(&dir, key.as_ref(), None, true, &())
        });
        (hashing, pin.cloned())
    });
    let every = l.collections().map_err(anyhow::Error::new)?;
    let collections: Vec<_> = every
        .iter()
        .filter(|c| as_of.is_none_or(|t| c.at <= t))
        .collect();
    if collections.is_empty() {
        match as_of {
            // Before the first collection: say which dates the locker can be replayed at.
            Some(t) if !every.is_empty() => anyhow::bail!(
                "nothing had been collected into the locker `{}` by {}; {}: give an `--as-of` on or after {}",
                locker.display(),
                as_of_shown(t),
                collection_days(&every.iter().map(|c| c.at).collect::<Vec<_>>()),
                every[0].at.to_zoned(jiff::tz::TimeZone::UTC).date()
            ),
            _ => anyhow::bail!("the locker `{}` has no collection", locker.display()),
        }
    }
    let entries = l.as_of(as_of).map_err(anyhow::Error::new)?;
    let all = l.entries().map_err(anyhow::Error::new)?;
    let last = collections.last().map_or(0, |c| c.collection);
    let head = all
        .iter()
        .find(|e| e.collection == last && e.kind == fieldcheck_locker::LineKind::Seal)
        .map(|e| e.hash.clone())
        .unwrap_or_default();
    let replayed_seals = all
        .iter()
        .filter(|e| e.kind == fieldcheck_locker::LineKind::Seal && e.collection <= last);
    let signed_seals = replayed_seals.clone().filter(|e| e.sig.is_some()).count() as u64;
    let signed_by = replayed_seals.filter_map(|e| e.key.clone()).next_back();
    let dir = std::env::temp_dir().join(format!(
        "fieldcheck-replay-{}-{}",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    ));
    std::fs::create_dir_all(&dir)?;
    let replay = Replay {
        dir,
        head,
        as_of,
        collections: collections.len() as u64,
        entries: entries.len(),
        by_name: entries
            .iter()
            .filter_map(|e: &Entry| Some((e.name.clone()?, (e.digest.clone()?, e.seq))))
            .collect(),
        locker: locker.clone(),
        pinned: pin.map(|p| (p.text.clone(), p.from)),
        signed_by,
        signed_seals,
        blobs: std::sync::Mutex::new(blobs),
    };
    let copied = l.materialize_metered(
        &entries,
        &replay.dir,
        &Metered {
            progress,
            step: "replaying the locker",
        },
    );
    progress.finish();
    if let Err(e) = copied {
        // A blob that does not verify is the cause to give, not what it broke.
        replay.verified()?;
        return Err(anyhow::Error::new(e));
    }
    if !replay.dir.join("fieldcheck.toml").is_file() {
        replay.verified()?;
        anyhow::bail!(
            "the locker holds no fieldcheck.toml; collect with `fieldcheck collect` (it stores the config)"
        );
    }
    Ok(replay)
}

/// Refuses a locker whose verification found anything: a key finding under a pin is said as
/// such; any other finding is tampering as without one.
fn refuse_unverified(
    locker: &Path,
    pin: Option<&Pin>,
    v: &fieldcheck_locker::Verified,
) -> anyhow::Result<()> {
    let about_key = v
        .findings
        .iter()
        .find(|f| matches!(f.code, "unsigned-seal" | "wrong-key"));
    if let (Some(p), Some(f)) = (pin, about_key) {
        anyhow::bail!(
            "the locker `{}` is refused: it is not proven by the pinned key {} ({}): {}. {}, first: [{}]{} {}; run `fieldcheck locker verify {} --key {}` for all of them — an audit of evidence the key does not vouch for would mean nothing",
            locker.display(),
            p.text,
            p.given(),
            pin_refusal(v),
            fieldcheck_kit::count(v.findings.len(), "finding", "findings"),
            f.code,
            f.line
                .map(|l| format!(" manifest line {l}:"))
                .unwrap_or_default(),
            f.message,
            locker.display(),
            p.text
        );
    }
    if let Some(f) = v.findings.first() {
        anyhow::bail!(
            "the locker `{}` does not verify ({}, first: [{}] {}); run `fieldcheck locker verify {}` — an audit of tampered evidence would mean nothing",
            locker.display(),
            fieldcheck_kit::count(v.findings.len(), "finding", "findings"),
            f.code,
            f.message,
            locker.display()
        );
    }
    Ok(())
}

/// What to collect into the locker, and how.
pub struct CollectRequest<'a> {
    /// The evidence kit folder.
    pub kit: &'a Path,
    /// The config file [default: `KIT/fieldcheck.toml`].
    pub config: Option<&'a Path>,
    /// The locker folder [default: beside the config, `.fieldcheck/locker`].
    pub locker: Option<&'a Path>,
    /// The secret key signing the seal.
    pub sign: Option<&'a Path>,
    /// Files no source reads that are stored too (`pull --locker`: the retrieval records).
    pub extra: Vec<Incoming>,
    /// The caller's clock (`FIELDCHECK_NOW` fixes it on the command line): read once to check
    /// it, then under the locker's lock for the collection's time.
    pub clock: &'a dyn Fn() -> anyhow::Result<Timestamp>,
    /// Test hook: abort after this many durable steps.
    pub crash_after: Option<u32>,
    /// Where the collection reports the bytes it stores (`collecting into the locker`).
    pub progress: &'a dyn Progress,
}

/// What a collection says along the way, in order.
pub enum CollectEvent<'a> {
    /// The config's sources have warnings (the collection goes on).
    Warnings(&'a [Diagnostic]),
    /// Another collection holds the locker's lock: this one waits for it.
    Waiting(&'a Path),
}

/// How a collection ended.
pub enum Collected {
    /// Nothing was collected: these diagnostics say why, and `why` in one sentence.
    Refused {
        /// The config's, the sources' or the files' errors.
        diagnostics: Vec<Diagnostic>,
        /// `nothing was collected` and its cause.
        why: String,
    },
    /// A collection was stored in the locker `dir`.
    Done {
        /// The collection.
        collection: fieldcheck_locker::Collected,
        /// The locker folder.
        dir: PathBuf,
    },
}

/// `fieldcheck collect`: stores the config, the kit files and every configured source's files
/// (and `extra`) in the locker as one sealed collection.
pub fn collect(
    req: CollectRequest<'_>,
    event: &mut dyn FnMut(CollectEvent<'_>),
) -> anyhow::Result<Collected> {
    let CollectRequest {
        kit,
        config,
        locker,
        sign,
        extra,
        clock,
        crash_after,
        progress,
    } = req;
    let config_path = config.map_or_else(|| kit.join("fieldcheck.toml"), Path::to_path_buf);
    // Opened only when it is a regular file, as `audit` opens it: a FIFO would hang the run.
    let text = fieldcheck_kit::fsafe::read_to_string(&config_path, None)
        .map_err(|r| crate::config_refused(&config_path, &r))?;
    let shown = config_path.display().to_string();
    let (cfg, diags) = parse_config(&shown, &text);
    let Some(cfg) = cfg else {
        return Ok(Collected::Refused {
            diagnostics: diags,
            why: "the config has errors; nothing was collected".into(),
        });
    };
    let base = crate::config_dir(&config_path).to_path_buf();
    let mut files = vec![Incoming {
        source: "config".into(),
        system_id: None,
        name: "fieldcheck.toml".into(),
        path: config_path.clone(),
    }];
    for k in Kind::ALL {
        for ext in ["csv", "jsonl"] {
            let name = format!("{}.{ext}", k.stem());
            let p = kit.join(&name);
            // Anything at a kit file's name is collected or refused, never skipped unseen.
            if std::fs::symlink_metadata(&p).is_ok() {
                files.push(Incoming {
                    source: "kit".into(),
                    system_id: None,
                    name,
                    path: p,
                });
            }
        }
    }
    // A firm's own sample-size table is part of the config.
    if let Some(table) = &cfg.sampling_table {
        if !inside(table) {
            anyhow::bail!(
                "the sample-size table `{table}` is outside the config's folder; the locker stores files by their path under it: move the table below it"
            );
        }
        files.push(Incoming {
            source: "config".into(),
            system_id: None,
            name: table.clone(),
            path: base.join(table),
        });
    }
    let checked = fieldcheck_sources::check_sources(&cfg.sources, &shown, &base);
    if checked
        .iter()
        .any(|d| d.severity == fieldcheck_kit::Severity::Error)
    {
        return Ok(Collected::Refused {
            diagnostics: checked,
            why: "the config's sources have errors; nothing was collected".into(),
        });
    }
    if !checked.is_empty() {
        event(CollectEvent::Warnings(&checked));
    }
    let configured = fieldcheck_sources::configured_files(&cfg.sources, &base);
    for f in &configured {
        // The locker keeps files by their path under the config's folder, which is how it
        // replays them; a file outside it could not be replayed.
        if !inside(&f.shown) {
            anyhow::bail!(
                "`{}` (source `{}`) is outside the config's folder `{}`; the locker stores evidence by its path under that folder: move or copy the exports below it",
                f.shown,
                f.adapter,
                base.display()
            );
        }
        files.push(Incoming {
            source: f.adapter.clone(),
            system_id: f.system_id.clone(),
            name: f.shown.clone(),
            path: f.path.clone(),
        });
    }
    files.extend(extra);
    // Never open (let alone store) a FIFO, a device, a folder or a link out of the kit: check
    // every file first and name them all, then open each through the same check.
    let refused: Vec<Diagnostic> = files
        .iter()
        .filter_map(|f| {
            let r = fieldcheck_kit::fsafe::check(&f.path, root_of(f, kit, &base)).err()?;
            Some(
                Diagnostic::error(
                    fieldcheck_kit::Code::NotAFile,
                    format!(
                        "`{}` ({}) {}; it was not collected",
                        f.name,
                        match f.source.as_str() {
                            "kit" => "a kit file".to_string(),
                            "config" => "the config".to_string(),
                            s => format!("source `{s}`"),
                        },
                        r.describe()
                    ),
                )
                .file(f.name.clone())
                .help(r.help()),
            )
        })
        .collect();
    if !refused.is_empty() {
        let why = format!(
            "{} cannot be collected; nothing was collected",
            fieldcheck_kit::count(refused.len(), "file", "files")
        );
        return Ok(Collected::Refused {
            diagnostics: refused,
            why,
        });
    }
    let key = sign
        .map(fieldcheck_locker::read_secret_key)
        .transpose()
        .map_err(anyhow::Error::new)?;
    // A key pinned in the config is the one every collection must be signed with: an unsigned
    // or differently signed collection would make every pinned audit refuse the locker.
    if let Some(pinned) = &cfg.locker_public_key {
        let at = format!("{shown}:{}", pinned.at.line);
        match &key {
            None => anyhow::bail!(
                "the config pins the locker key {} (`[locker] public_key` at {at}); pass `--sign KEY` with its secret key: an unsigned collection would be refused by every audit that pins the key",
                pinned.text
            ),
            Some(k) => {
                let have = fieldcheck_locker::public_text(&k.verifying_key());
                if have != pinned.text.to_ascii_lowercase() {
                    anyhow::bail!(
                        "`--sign` is the secret key of {have}, but the config pins {} (`[locker] public_key` at {at}); sign with the pinned key's secret key, or change the pin if the key was replaced",
                        pinned.text
                    );
                }
            }
        }
    }
    let dir = locker.map_or_else(|| default_dir(&config_path), Path::to_path_buf);
    let l = Locker::open(&dir).map_err(anyhow::Error::new)?;
    // Check the clock now (a bad FIELDCHECK_NOW is an error); the time used is read under the lock.
    let checked_at = clock()?;
    // Another collection of this locker holds its lock: say why we wait.
    if let Ok(f) = std::fs::File::options()
        .write(true)
        .open(dir.join("locker.lock"))
        && matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock))
    {
        event(CollectEvent::Waiting(&dir));
    }
    let clock = || clock().unwrap_or(checked_at);
    let open = |f: &Incoming| {
        fieldcheck_kit::fsafe::open(&f.path, root_of(f, kit, &base)).map_err(|r| {
            fieldcheck_locker::LockerError(format!(
                "`{}` {}; nothing was collected ({})",
                f.name,
                r.describe(),
                r.help()
            ))
        })
    };
    // The files' sizes now: what the collection will store, for its progress.
    let total = files
        .iter()
        .filter_map(|f| std::fs::metadata(&f.path).ok())
        .map(|m| m.len())
        .sum();
    let meter = Metered {
        progress,
        step: "collecting into the locker",
    };
    fieldcheck_locker::Meter::total(&meter, total);
    let c = l
        .collect_metered(&files, &clock, key.as_ref(), crash_after, &open, &meter)
        .map_err(anyhow::Error::new);
    progress.finish();
    let c = c?;
    Ok(Collected::Done { collection: c, dir })
}

/// One source's collections over the window, for `fieldcheck locker log`.
pub struct SourceCoverage {
    /// The source and its collection times.
    pub history: SourceHistory,
    /// Stretches of the window no collection covers.
    pub gaps: Vec<(Timestamp, Timestamp)>,
    /// The newest collection is older than the cadence at the end.
    pub stale: bool,
}

/// `fieldcheck locker log`: per source, what was collected when, and its coverage of the window.
pub struct LockerLog {
    /// The locker folder.
    pub dir: PathBuf,
    /// The window of the newest collected config.
    pub window: Window,
    /// Every collection, oldest first.
    pub collections: Vec<fieldcheck_locker::Collection>,
    /// Every source, by label.
    pub sources: Vec<SourceCoverage>,
}

impl LockerLog {
    /// The log as pretty JSON, with a trailing newline.
    pub fn to_json(&self) -> anyhow::Result<String> {
        let window = &self.window;
        let v: Vec<serde_json::Value> = self
            .sources
            .iter()
            .map(|s| {
                let h = &s.history;
                serde_json::json!({
                    "source": h.label,
                    "kinds": h.kinds.iter().map(|k| k.stem()).collect::<Vec<_>>(),
                    "cadence": h.cadence_text,
                    "collections": h.times.len(),
                    "first": h.times.first().map(ToString::to_string),
                    "last": h.times.last().map(ToString::to_string),
                    "gaps": s.gaps.iter().map(|(a, b)| serde_json::json!({"from": a.to_string(), "to": b.to_string()})).collect::<Vec<_>>(),
                    "stale": s.stale,
                })
            })
            .collect();
        Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(
                &serde_json::json!({"window": {"start": window.start.to_string(), "end": window.end.to_string()}, "collections": self.collections.len(), "sources": v})
            )?
        ))
    }
}

/// The locker at `dir` (or in the kit `dir`) as `fieldcheck locker log` shows it, the coverage
/// measured up to the window's end or `clock()`, whichever comes first.
pub fn log(dir: &Path, clock: &dyn Fn() -> anyhow::Result<Timestamp>) -> anyhow::Result<LockerLog> {
    let dir = resolve(dir)?;
    let l = Locker::existing(&dir).map_err(anyhow::Error::new)?;
    let r = replay(&dir, None, None)?;
    let text = std::fs::read_to_string(r.dir.join("fieldcheck.toml"))?;
    let (cfg, _) = parse_config("fieldcheck.toml", &text);
    let cfg = cfg.context("the newest collected fieldcheck.toml is not a valid config")?;
    let window = &cfg.window;
    let end = window.end_of_day(window.end).min(clock()?);
    let sources = histories(&l, None, &cfg, &r.dir)?
        .into_iter()
        .map(|h| {
            let (gaps, stale) = gaps(&h, window, end);
            SourceCoverage {
                history: h,
                gaps,
                stale: stale.is_some(),
            }
        })
        .collect();
    let collections = l.collections().map_err(anyhow::Error::new)?;
    Ok(LockerLog {
        dir,
        window: cfg.window.clone(),
        collections,
        sources,
    })
}

/// A finding from freshness that names a record kind's dependent controls.
pub fn add_partial_notes(audit: &mut fieldcheck_controls::Audit, partial: &[Partial]) {
    for c in &mut audit.controls {
        for (kinds, sentence) in partial {
            if kinds
                .iter()
                .any(|k| c.meta.needs.iter().any(|n| n == k.stem()))
                && let Some(t) = c.tests.first_mut()
            {
                t.notes.push(fieldcheck_controls::Note {
                    item: "evidence".into(),
                    detail: sentence.clone(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn collection_days_are_listed_and_a_long_list_is_cut_in_the_middle() {
        assert_eq!(
            collection_days(&[at("2026-04-02T06:00:00Z")]),
            "the locker's one collection is on 2026-04-02 (1 collection)"
        );
        // Two collections on one day name the day once.
        assert_eq!(
            collection_days(&[
                at("2026-04-02T06:00:00Z"),
                at("2026-04-02T18:00:00Z"),
                at("2026-05-01T06:00:00Z"),
            ]),
            "the locker's collections are on 2026-04-02, 2026-05-01 (3 collections)"
        );
        let monthly: Vec<Timestamp> = (1..=8)
            .map(|m| at(&format!("2026-{m:02}-02T06:00:00Z")))
            .collect();
        assert_eq!(
            collection_days(&monthly),
            "the locker's collections are on 2026-01-02, 2026-02-02, 2026-03-02, 2026-04-02, 2026-05-02, 2026-06-02, 2026-07-02, 2026-08-02 (8 collections)"
        );
        let year: Vec<Timestamp> = (1..=12)
            .map(|m| at(&format!("2026-{m:02}-02T06:00:00Z")))
            .collect();
        assert_eq!(
            collection_days(&year),
            "the locker's collections are on 2026-01-02, 2026-02-02, 2026-03-02, …, 2026-11-02, 2026-12-02 (12 collections)"
        );
    }

    #[test]
    fn an_as_of_date_reads_back_as_the_date_and_a_moment_as_the_moment() {
        let day = parse_as_of("2026-03-01").expect("date");
        assert_eq!(as_of_shown(day), "2026-03-01");
        let moment = parse_as_of("2026-03-01T10:00:00Z").expect("moment");
        assert_eq!(as_of_shown(moment), "2026-03-01T10:00:00Z");
    }
}
