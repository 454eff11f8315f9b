//! fieldcheck's pipeline, one entry for every face (the command line today, a server later).
//!
//! The stages are: [`load`] (the config, the sample-size table, the sources and the kit) →
//! evaluate ([`fieldcheck_controls::audit`]) → freshness (a locker replay's collections, measured
//! at its as-of time) → conclude (each control's conclusion, with people's overrides from the
//! register) → [`sample`] → record ([`record`], the exception register) → the report model
//! ([`report::Report`]), which every format renders. [`run`] chains them.
//!
//! The engine prints nothing, exits nothing, knows no terminal and no colour, and reads no clock
//! and no environment: the time (`now`) and the actor are values its caller passes in.

pub mod csv_out;
pub mod docs;
pub mod ingest;
pub mod init;
pub mod locker;
pub mod pull;
pub mod record;
pub mod report;
pub mod sample;

use std::path::{Path, PathBuf};

use anyhow::Context;
use fieldcheck_controls::Params;
use fieldcheck_register::Reconciled;
use jiff::Timestamp;

use crate::report::Report;
use fieldcheck_kit::{
    Code, Config, Diagnostic, Kit, NoProgress, Progress, ReadOptions, Severity, Unit, did_you_mean,
    parse_config, read_kit_progress,
};
use fieldcheck_sampling::SizeTable;

/// A config and kit, loaded, with every diagnostic about them.
pub struct Loaded {
    /// The validated config.
    pub config: Config,
    /// Control parameters.
    pub params: Params,
    /// The kit.
    pub kit: Kit,
    /// Config diagnostics (warnings only) followed by kit diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// The sample-size table (built in, or the config's `[sampling] table`).
    pub sizes: SizeTable,
    /// What the configured sources produced (the kit's sourced records point into it).
    pub sourced: fieldcheck_kit::Sourced,
    /// The config's path and text.
    pub config_file: (PathBuf, String),
    /// The kit folder it was read from.
    pub kit_dir: PathBuf,
}

/// Why a run could not be done.
pub enum LoadError {
    /// The config has errors (already collected as diagnostics).
    Config(Vec<Diagnostic>),
    /// Anything else.
    Tool(anyhow::Error),
}

/// What to load: the kit folder, its config, how to name the config in diagnostics, and where
/// to report progress.
#[derive(Clone, Copy)]
pub struct LoadRequest<'a> {
    /// The evidence kit folder.
    pub kit_dir: &'a Path,
    /// The config file [default: `KIT/fieldcheck.toml`].
    pub config: Option<&'a Path>,
    /// The config's name in diagnostics [default: its path] (a replay's temporary folder is no
    /// name for a user, and would make the output differ run to run).
    pub shown: Option<&'a str>,
    /// Where the long steps (the sources' exports, the kit) report progress [`NoProgress`].
    pub progress: &'a dyn Progress,
    /// Whether to keep the cache of parsed kit files in `KIT/.fieldcheck/cache` (read it, and
    /// write what was read in full) [default: no]. The command line keeps it unless `--no-cache`.
    pub cache: bool,
    /// With the cache: files smaller than this are read in full and not cached
    /// [default: [`fieldcheck_kit::CACHE_MIN_BYTES`], 8 MiB].
    pub cache_min_bytes: u64,
}

impl std::fmt::Debug for LoadRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadRequest")
            .field("kit_dir", &self.kit_dir)
            .field("config", &self.config)
            .field("shown", &self.shown)
            .finish_non_exhaustive()
    }
}

impl<'a> LoadRequest<'a> {
    /// The kit at `kit_dir` with its config at `config` (or `KIT/fieldcheck.toml`).
    pub fn new(kit_dir: &'a Path, config: Option<&'a Path>) -> Self {
        LoadRequest {
            kit_dir,
            config,
            shown: None,
            progress: &NoProgress,
            cache: false,
            cache_min_bytes: fieldcheck_kit::CACHE_MIN_BYTES,
        }
    }
}

/// Where a kit's cache of parsed files is kept: `KIT/.fieldcheck/cache`.
pub fn kit_cache_dir(kit_dir: &Path) -> PathBuf {
    kit_dir.join(".fieldcheck").join("cache")
}

/// Stage 1, load: the config (with the control parameters and the sample-size table), the
/// configured sources' exports and the kit, with every diagnostic about them.
pub fn load(req: LoadRequest<'_>) -> Result<Loaded, LoadError> {
    let LoadRequest {
        kit_dir,
        config: config_path,
        shown,
        progress,
        cache,
        cache_min_bytes,
    } = req;
    if !kit_dir.is_dir() {
        return Err(LoadError::Tool(anyhow::anyhow!(
            "`{}` is not a folder; give the evidence kit folder (try `fieldcheck demo --out demo-kit` for an example)",
            kit_dir.display()
        )));
    }
    let config_path = config_path
        .map(Path::to_path_buf)
        .unwrap_or_else(|| kit_dir.join("fieldcheck.toml"));
    // The config is opened only when it is a regular file: a FIFO would hang the run.
    let text = match fieldcheck_kit::fsafe::read_to_string(&config_path, None) {
        Ok(t) => t,
        Err(fieldcheck_kit::fsafe::Refusal::NotFound) => {
            return Err(LoadError::Tool(anyhow::anyhow!(
                "no config at `{}`; run `fieldcheck init {}` to write a commented one, or pass `--config FILE`",
                config_path.display(),
                kit_dir.display()
            )));
        }
        Err(r) => {
            return Err(LoadError::Tool(config_refused(&config_path, &r)));
        }
    };
    let shown = shown.map_or_else(|| config_path.display().to_string(), str::to_string);
    let (config, mut diags) = parse_config(&shown, &text);
    let (params, more) = fieldcheck_controls::resolve_params(config.as_ref());
    diags.extend(more);
    let config = match config {
        Some(c) if !diags.iter().any(|d| d.severity == Severity::Error) => c,
        _ => return Err(LoadError::Config(diags)),
    };
    let sizes = match &config.sampling_table {
        None => SizeTable::default(),
        Some(file) => {
            let path = config_dir(&config_path).join(file);
            let text = fieldcheck_kit::fsafe::read_to_string(&path, Some(config_dir(&config_path)))
                .map_err(|r| anyhow::anyhow!("`{}` {}; {}", path.display(), r.describe(), r.help()))
                .with_context(|| {
                    format!(
                        "cannot read the sample-size table `{}` named in `[sampling] table`",
                        path.display()
                    )
                })
                .map_err(LoadError::Tool)?;
            SizeTable::parse(&text)
                .with_context(|| format!("the sample-size table `{}` is not valid; `fieldcheck sample --print-table` shows the expected shape", path.display()))
                .map_err(LoadError::Tool)?
        }
    };
    let sizes = match config.sampling_confidence {
        Some(c) => sizes
            .at_confidence(c)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| {
                format!(
                    "the sample-size table `{}` at `[sampling] confidence = {c}`",
                    sizes.name
                )
            })
            .map_err(LoadError::Tool)?,
        None => sizes,
    };
    let opts = ReadOptions {
        cache: cache.then(|| kit_cache_dir(kit_dir)),
        cache_min_bytes,
        ..ReadOptions::for_config(&config)
    };
    // The configured sources' files are relative to the config's folder.
    let base = config_dir(&config_path);
    let collected = fieldcheck_sources::collect_progress(
        &config.sources,
        &shown,
        base,
        &config.window,
        progress,
    );
    if collected
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error && SOURCE_CONFIG_CODES.contains(&d.code))
    {
        diags.extend(collected.diagnostics);
        return Err(LoadError::Config(diags));
    }
    diags.extend(collected.diagnostics);
    let (kit, kit_diags) = read_kit_progress(kit_dir, &opts, &collected.sourced, progress)
        .map_err(|e| {
            LoadError::Tool(anyhow::Error::new(e).context("cannot read the evidence kit"))
        })?;
    diags.extend(kit_diags);
    Ok(Loaded {
        config,
        params,
        kit,
        diagnostics: diags,
        sizes,
        sourced: collected.sourced,
        config_file: (config_path.clone(), text),
        kit_dir: kit_dir.to_path_buf(),
    })
}

/// The folder a config file is in (`.` for a bare file name): what its relative paths mean.
pub fn config_dir(config_path: &Path) -> &Path {
    config_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Why a config file could not be read (not a regular file, unreadable), as a tool error naming
/// the file and what to do; every face reads its config through `fsafe` and says this.
pub fn config_refused(path: &Path, r: &fieldcheck_kit::fsafe::Refusal) -> anyhow::Error {
    anyhow::anyhow!(
        "the config `{}` {}; {}",
        path.display(),
        r.describe(),
        r.help()
    )
}

/// Source diagnostics that mean the config itself is wrong (not the exported files).
const SOURCE_CONFIG_CODES: &[Code] = &[
    Code::SourceInvalid,
    Code::SourceUnknownAdapter,
    Code::SourceUnknownOption,
    Code::SourceInvalidOption,
    Code::UnknownTimezone,
];

/// The exception register a run uses: where it is, who records, and whether this run is recorded
/// (`--record`) or only reads people's conclusions (`--database` alone).
#[derive(Clone, Debug)]
pub struct RegisterUse {
    /// An SQLite file or a PostgreSQL URL.
    pub location: String,
    /// Who records the run.
    pub actor: String,
    /// Record this run (else only read the people's conclusions).
    pub write: bool,
}

/// How to run the pipeline on a loaded kit.
pub struct RunOptions<'a> {
    /// Only these controls (all when empty).
    pub only: &'a [String],
    /// The locker replay the kit was loaded from: its freshness is measured and the report points
    /// at its blobs.
    pub replay: Option<&'a locker::Replay>,
    /// The register to record in or read conclusions from [default: the kit's
    /// `.fieldcheck/fieldcheck.db` when it exists, read only].
    pub register: Option<&'a RegisterUse>,
    /// The time of the run: needed to record it, and for the freshness of a replay of the newest
    /// evidence (a replay as of a moment is measured at that moment). The engine reads no clock.
    pub now: Option<Timestamp>,
    /// What the run audited, as the register records it (the kit folder, or the locker).
    pub label: &'a str,
    /// Where the long steps (testing the controls, recording) report progress [`NoProgress`].
    pub progress: &'a dyn Progress,
}

impl<'a> RunOptions<'a> {
    /// Every control, not recorded, no replay, no time and no progress: the plain audit of a kit
    /// (`fieldcheck audit KIT` without options), reading the kit's register when it has one.
    pub fn plain(label: &'a str) -> RunOptions<'a> {
        RunOptions {
            only: &[],
            replay: None,
            register: None,
            now: None,
            label,
            progress: &NoProgress,
        }
    }
}

/// What a run gives: the report model (every format renders it) and, when recorded, the
/// register's reconciliation.
pub struct Outcome {
    /// The report.
    pub report: Report,
    /// The control tests' results the report was made from, with every population (for
    /// [`sample::run_on`]).
    pub audit: fieldcheck_controls::Audit,
    /// The recorded run and where (when the run was recorded).
    pub recorded: Option<(Reconciled, String)>,
}

/// Stages 2 to 6 on a loaded kit: evaluate (the control tests), freshness (a replay's
/// collections), conclude, record (with `--record`), and the report model with people's
/// conclusions from the register.
pub fn run(loaded: &Loaded, opts: &RunOptions<'_>) -> anyhow::Result<Outcome> {
    let now = || {
        opts.now.context(
            "the run needs the time: pass `now` to record it or to replay the newest evidence",
        )
    };
    let mut diagnostics = loaded.diagnostics.clone();
    let mut audit = fieldcheck_kit::progress::step(
        opts.progress,
        "testing the controls",
        0,
        Unit::Items,
        |_| {
            fieldcheck_controls::audit(
                &loaded.kit,
                &loaded.config.window,
                &loaded.params,
                opts.only,
            )
        },
    );
    if let Some(r) = opts.replay {
        // The blobs hashed beside the reading and testing must verify before anything of the
        // replay is measured, recorded or reported.
        r.verified()?;
        let l = fieldcheck_locker::Locker::existing(&r.locker).map_err(anyhow::Error::new)?;
        let at = match r.as_of {
            Some(t) => t,
            None => now()?,
        };
        let (diags, partial) = locker::freshness(&l, r.as_of, at, &loaded.config, &r.dir)?;
        diagnostics.extend(diags);
        locker::add_partial_notes(&mut audit, &partial);
    }
    let recorded = match opts.register.filter(|r| r.write) {
        Some(r) => {
            let now = now()?;
            let reconciled = fieldcheck_kit::progress::step(
                opts.progress,
                "recording in the exception register",
                0,
                Unit::Items,
                |_| record::record(&r.location, loaded, &audit, opts.label, &r.actor, now),
            )?;
            Some((reconciled, r.location.clone()))
        }
        None => None,
    };
    let mut report = Report::new(
        &loaded.config,
        &loaded.kit,
        &audit,
        diagnostics,
        &loaded.sizes,
        &loaded.params,
    );
    if let Some(r) = opts.replay {
        report.attach_locker(r.locker_out(), &r.by_name);
    }
    // People's conclusions recorded in the register (`exceptions conclude`) are shown over the
    // computed ones while they apply.
    let register_at = match opts.register {
        Some(r) => Some(r.location.clone()),
        None => {
            let p = record::default_path(&loaded.kit_dir);
            p.is_file().then(|| p.to_string_lossy().into_owned())
        }
    };
    if let Some(location) = register_at {
        let overrides = fieldcheck_register::Register::at(&location)
            .and_then(|mut reg| reg.overrides(&record::window_label(&loaded.config.window)))
            .with_context(|| {
                format!("cannot read the people's conclusions from the register `{location}`")
            })?;
        report.apply_overrides(&overrides);
    }
    Ok(Outcome {
        report,
        audit,
        recorded,
    })
}

/// Control ids given on a command line or in a request: each must be in the catalog (the error
/// suggests the nearest).
pub fn check_control_ids(ids: &[String]) -> anyhow::Result<()> {
    for id in ids {
        if fieldcheck_controls::control_meta(id).is_none() {
            let all: Vec<&str> = fieldcheck_controls::catalog()
                .iter()
                .map(|c| c.id.as_str())
                .collect();
            let hint = did_you_mean(id, all.iter().copied())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            anyhow::bail!(
                "unknown control `{id}`; {hint}the controls are: {}",
                all.join(", ")
            );
        }
    }
    Ok(())
}

/// A byte count for people: `812 bytes`, `3.4 KB`, `1.2 MB`, `2.0 GB` (binary units).
pub fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{n} bytes"),
    }
}
