//! Source adapters: the real exports of the systems companies use (Okta, Entra ID, AWS, GitHub,
//! GitLab, Jira, BambooHR, Workday, KnowBe4, CISO Assistant, or any CSV/JSON through a declarative
//! mapping) translated into the canonical evidence kit.
//!
//! **Invariant:** adapters only translate. They never decide pass or fail; a value they cannot
//! read becomes a diagnostic pointing at the raw file and line or JSON path, and the record or
//! file is skipped while the rest is read. Every row keeps its [`fieldcheck_kit::Origin`].
//!
//! `[[sources]]` in fieldcheck.toml names an adapter, the files (a path or glob relative to the
//! config's folder), the `system_id` the records belong to, and the adapter's options; [`collect`]
//! runs them all and returns the rows for [`fieldcheck_kit::read_kit_with`].

#![deny(missing_docs)]

pub mod adapters;
mod emit;
mod files;
pub mod json;
mod options;
mod pulled;
pub mod read;
pub mod spec;
#[cfg(test)]
mod testkit;
pub mod value;

use std::path::{Path, PathBuf};

use fieldcheck_kit::{ConfigValue, Diagnostic, SourceSection, Sourced, did_you_mean};
use jiff::tz::TimeZone;

pub use emit::{Cell, Emitter, FileId, Row};
pub use options::Options;
pub use read::{At, CsvRow};
pub use spec::{OptSpec, OptTy, Spec};

/// An adapter: its description and its translation.
pub struct Adapter {
    /// What it is.
    pub spec: &'static Spec,
    /// Reads the source's files into the emitter.
    pub run: fn(&Input<'_>, &mut Emitter),
}

/// What an adapter gets: its files, options, system and time zone.
pub struct Input<'a> {
    /// The adapter's description.
    pub spec: &'static Spec,
    /// Its validated options.
    pub options: &'a Options,
    /// The system its records belong to.
    pub system_id: Option<&'a str>,
    /// The zone for timestamps without offset and for bare dates (the source's `timezone`, else
    /// the org's).
    pub tz: &'a TimeZone,
    /// The files to read, sorted.
    pub files: &'a [SourceFile],
    /// The config's path as shown (for diagnostics about option values).
    pub config: &'a str,
    /// The config's folder: a source file is opened only when it is a regular file inside it.
    pub root: &'a Path,
}

impl Input<'_> {
    /// Reports a bad option value as a config error at the option's place: the run stops with
    /// exit code 2, like any config error.
    pub fn option_error(
        &self,
        em: &mut Emitter,
        key: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let mut d = Diagnostic::error(fieldcheck_kit::Code::SourceInvalidOption, message)
            .help(help.into())
            .file(self.config.to_string());
        if let Some(p) = self.options.place(key) {
            d = d
                .line(p.line)
                .column(p.column)
                .snippet(p.snippet.clone(), p.width.max(1));
        }
        em.diag(d);
    }
}

/// A file of a source.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Where it is.
    pub path: PathBuf,
    /// How it is shown (relative to the config's folder).
    pub shown: String,
}

/// Every built-in adapter, in the order `fieldcheck sources` lists them.
pub fn adapters() -> &'static [&'static Adapter] {
    adapters::ALL
}

/// The adapter named `name`.
pub fn adapter(name: &str) -> Option<&'static Adapter> {
    adapters::ALL.iter().copied().find(|a| a.spec.name == name)
}

/// A collection cadence: a whole number of days, hours or minutes (`1d`, `12h`, `30m`).
pub fn parse_cadence(s: &str) -> Option<jiff::SignedDuration> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: i64 = s[..s.len() - unit.len_utf8()]
        .parse()
        .ok()
        .filter(|n| *n > 0 && *n <= 3660)?;
    match unit {
        'd' => Some(jiff::SignedDuration::from_hours(n * 24)),
        'h' => Some(jiff::SignedDuration::from_hours(n)),
        'm' => Some(jiff::SignedDuration::from_mins(n)),
        _ => None,
    }
}

/// A raw file a configured source reads (for the evidence locker).
#[derive(Clone, Debug)]
pub struct ConfiguredFile {
    /// The adapter.
    pub adapter: String,
    /// The source's system.
    pub system_id: Option<String>,
    /// The source's `cadence` as written (`1d`, `12h`, `30d`), if any.
    pub cadence: Option<String>,
    /// The kinds the source makes.
    pub kinds: Vec<fieldcheck_kit::Kind>,
    /// The file.
    pub path: PathBuf,
    /// The file relative to `base`.
    pub shown: String,
}

/// The files every `[[sources]]` entry names (entries with config errors are left out: the
/// audit reports those).
pub fn configured_files(sections: &[SourceSection], base: &Path) -> Vec<ConfiguredFile> {
    let mut out = Vec::new();
    for s in sections {
        let (Some((name, _)), Some((pattern, _))) = (str_entry(s, "adapter"), str_entry(s, "path"))
        else {
            continue;
        };
        let Some(a) = adapter(name) else { continue };
        let kinds: Vec<fieldcheck_kit::Kind> = if a.spec.produces.is_empty() {
            str_entry(s, "kind")
                .and_then(|(k, _)| {
                    fieldcheck_kit::Kind::ALL
                        .iter()
                        .copied()
                        .find(|x| x.stem() == k)
                })
                .into_iter()
                .collect()
        } else {
            a.spec.produces.to_vec()
        };
        for p in files::expand(base, pattern) {
            out.push(ConfiguredFile {
                adapter: name.to_string(),
                system_id: str_entry(s, "system_id").map(|x| x.0.to_string()),
                cadence: str_entry(s, "cadence").map(|x| x.0.to_string()),
                kinds: kinds.clone(),
                shown: files::shown(base, &p),
                path: p,
            });
        }
    }
    out
}

/// Checks every `[[sources]]` entry without reading the exports: the config errors `collect`
/// would report, and a warning for each source whose path matches no file.
pub fn check_sources(
    sections: &[SourceSection],
    config_name: &str,
    base: &Path,
) -> Vec<Diagnostic> {
    let mut em = Emitter::default();
    // Checking reads no file, so the window does not matter.
    let any = fieldcheck_kit::time::Window::new(
        jiff::civil::date(2000, 1, 1),
        jiff::civil::date(2000, 1, 1),
        TimeZone::UTC,
        "UTC",
    );
    for section in sections {
        run_section(section, config_name, base, &any, &mut em, true);
    }
    for d in &mut em.diags {
        if d.code == "source-no-files" {
            d.severity = fieldcheck_kit::Severity::Warning;
        }
    }
    em.diags
}

/// What the configured sources produced.
pub struct Collected {
    /// The rows, ready for [`fieldcheck_kit::read_kit_with`].
    pub sourced: Sourced,
    /// Problems with the config's sources and with the raw files.
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs every `[[sources]]` entry of the config at `config` (shown as `config_name`) against
/// files under `base`.
pub fn collect(
    sections: &[SourceSection],
    config_name: &str,
    base: &Path,
    window: &fieldcheck_kit::time::Window,
) -> Collected {
    collect_progress(
        sections,
        config_name,
        base,
        window,
        &fieldcheck_kit::NoProgress,
    )
}

/// [`collect`], reporting each source read to `progress` as the step `reading the sources'
/// exports` (one item per `[[sources]]` entry).
pub fn collect_progress(
    sections: &[SourceSection],
    config_name: &str,
    base: &Path,
    window: &fieldcheck_kit::time::Window,
    progress: &dyn fieldcheck_kit::Progress,
) -> Collected {
    let mut em = Emitter::default();
    if !sections.is_empty() {
        progress.start(
            "reading the sources' exports",
            sections.len() as u64,
            fieldcheck_kit::Unit::Items,
        );
    }
    for section in sections {
        run_section(section, config_name, base, window, &mut em, false);
        progress.advance(1);
    }
    if !sections.is_empty() {
        progress.finish();
    }
    Collected {
        sourced: em.sourced,
        diagnostics: em.diags,
    }
}

fn str_entry<'s>(
    section: &'s SourceSection,
    key: &str,
) -> Option<(&'s str, &'s fieldcheck_kit::Place)> {
    let e = section.get(key)?;
    match &e.value {
        ConfigValue::Str(s) => Some((s.as_str(), &e.value_at)),
        _ => None,
    }
}

fn run_section(
    section: &SourceSection,
    config: &str,
    base: &Path,
    window: &fieldcheck_kit::time::Window,
    em: &mut Emitter,
    dry: bool,
) {
    let org_tz = &window.tz;
    use options::at;
    let Some((name, name_at)) = str_entry(section, "adapter") else {
        em.diag(
            at(
                Diagnostic::error(
                    fieldcheck_kit::Code::SourceInvalid,
                    "this source has no `adapter = \"...\"`",
                ),
                config,
                &section.at,
            )
            .help("name the adapter that reads these files; `fieldcheck sources` lists them"),
        );
        return;
    };
    let Some(adapter) = adapter(name) else {
        let help = match did_you_mean(name, adapters::ALL.iter().map(|a| a.spec.name)) {
            Some(s) => format!("did you mean `{s}`? `fieldcheck sources` lists the adapters"),
            None => "`fieldcheck sources` lists the adapters".to_string(),
        };
        em.diag(
            at(
                Diagnostic::error(
                    fieldcheck_kit::Code::SourceUnknownAdapter,
                    format!("there is no adapter `{name}`"),
                ),
                config,
                name_at,
            )
            .help(help),
        );
        return;
    };
    let spec = adapter.spec;
    let errors_before = em.diags.len();
    let opts = Options::parse(section, spec, config, &mut em.diags);
    let bad_options = em.diags.len() > errors_before;
    for key in ["path", "system_id", "timezone", "cadence"] {
        if let Some(e) = section.get(key)
            && !matches!(e.value, ConfigValue::Str(_))
        {
            em.diag(
                at(
                    Diagnostic::error(
                        fieldcheck_kit::Code::SourceInvalidOption,
                        format!("`{key}` must be a string, not {}", e.value.type_name()),
                    ),
                    config,
                    &e.value_at,
                )
                .help(format!("write it as `{key} = \"...\"`")),
            );
        }
    }
    if let Some((c, c_at)) = str_entry(section, "cadence")
        && parse_cadence(c).is_none()
    {
        em.diag(
            at(Diagnostic::error(fieldcheck_kit::Code::SourceInvalidOption, format!("`cadence` = `{c}` is not a cadence")), config, c_at)
                .help("write how often the source is collected as days, hours or minutes: `1d`, `12h`, `30d`"),
        );
    }
    let system_id = str_entry(section, "system_id").map(|x| x.0.to_string());
    if spec.needs_system && system_id.is_none() {
        em.diag(
            at(
                Diagnostic::error(
                    fieldcheck_kit::Code::SourceInvalid,
                    format!(
                        "`{}` needs `system_id`: the system its records belong to",
                        spec.name
                    ),
                ),
                config,
                &section.at,
            )
            .help("add `system_id = \"...\"` naming a row of systems.csv"),
        );
        return;
    }
    let tz = match str_entry(section, "timezone") {
        Some((z, zat)) => match TimeZone::get(z) {
            Ok(tz) => {
                if let Some(better) = fieldcheck_kit::time::dst_aware_alternative(z) {
                    em.diag(
                        at(
                            Diagnostic::warning(
                                fieldcheck_kit::Code::FixedOffsetTimezone,
                                format!("time zone `{z}` is a fixed offset, without the daylight-saving time of the region it stands for: part of the year this source's local times and bare dates are an hour off"),
                            ),
                            config,
                            zat,
                        )
                        .help(format!("use the DST-aware name `{better}` unless the source really keeps `{z}` all year")),
                    );
                }
                tz
            }
            Err(_) => {
                em.diag(
                    at(
                        Diagnostic::error(
                            fieldcheck_kit::Code::UnknownTimezone,
                            format!("unknown time zone `{z}`"),
                        ),
                        config,
                        zat,
                    )
                    .help("use an IANA name such as `America/New_York` or `UTC`"),
                );
                return;
            }
        },
        None => org_tz.clone(),
    };
    if bad_options {
        // The config is wrong: the audit stops with exit code 2; reading the files would only add noise.
        return;
    }
    let Some((pattern, path_at)) = str_entry(section, "path") else {
        em.diag(
            at(Diagnostic::error(fieldcheck_kit::Code::SourceInvalid, format!("this `{}` source has no `path`", spec.name)), config, &section.at)
                .help("add `path = \"exports/...\"`: a file or a glob such as `exports/okta/*.json`, relative to the config's folder"),
        );
        return;
    };
    let label = match &system_id {
        Some(s) => format!("{} ({s}: {pattern})", spec.name),
        None => format!("{} ({pattern})", spec.name),
    };
    if dry {
        // Run the adapter on no file: it checks its option values (a ticket pattern, a type
        // map) and reads nothing.
        let input = Input {
            spec,
            options: &opts,
            system_id: system_id.as_deref(),
            tz: &tz,
            files: &[],
            config,
            root: base,
        };
        let mut probe = Emitter::default();
        (adapter.run)(&input, &mut probe);
        em.diags.extend(
            probe
                .diags
                .into_iter()
                .filter(|d| d.code == "source-invalid-option"),
        );
    }
    let found = files::expand(base, pattern);
    let produces: Vec<fieldcheck_kit::Kind> = if spec.produces.is_empty() {
        // The mapping adapter makes the kind its config names.
        opts.str("kind")
            .and_then(|k| {
                fieldcheck_kit::Kind::ALL
                    .iter()
                    .copied()
                    .find(|x| x.stem() == k)
            })
            .into_iter()
            .collect()
    } else {
        spec.produces.to_vec()
    };
    for &k in &produces {
        em.sourced.declared[k as usize].push(label.clone());
    }
    if found.is_empty() {
        em.diag(
            at(Diagnostic::error(fieldcheck_kit::Code::SourceNoFiles, format!("`{pattern}` matches no file, so `{}` read nothing", spec.name)), config, path_at)
                .help("check the path (relative to the config's folder); the controls that need these records are not evidenced"),
        );
        for &k in &produces {
            em.sourced.problems[k as usize].push(format!(
                "source `{}` found no file at `{pattern}`",
                spec.name
            ));
        }
        return;
    }
    if dry {
        return;
    }
    pulled::check(
        section,
        config,
        base,
        spec.name,
        system_id.as_deref(),
        &produces,
        window,
        em,
    );
    let files: Vec<SourceFile> = found
        .into_iter()
        .map(|p| SourceFile {
            shown: files::shown(base, &p),
            path: p,
        })
        .collect();
    em.system_id = system_id.clone();
    let before = em.diags.len();
    let dups_before = em.duplicates;
    let input = Input {
        spec,
        options: &opts,
        system_id: system_id.as_deref(),
        tz: &tz,
        files: &files,
        config,
        root: base,
    };
    (adapter.run)(&input, em);
    em.flush_caps();
    let dups = em.duplicates - dups_before;
    if dups > 0 {
        em.diag(
            Diagnostic::new(
                fieldcheck_kit::Severity::Note,
                fieldcheck_kit::Code::SourceDuplicateRecords,
                format!(
                    "{dups} record{} of `{}` repeated one already read (overlapping exports or pages) and {} counted once",
                    if dups == 1 { "" } else { "s" },
                    spec.name,
                    if dups == 1 { "was" } else { "were" }
                ),
            )
            .file(pattern.to_string()),
        );
    }
    // Problems that lose records make the kinds' evidence incomplete.
    let lost: Vec<String> = em.diags[before..]
        .iter()
        .filter(|d| d.severity == fieldcheck_kit::Severity::Error)
        .map(|d| format!("{}: {}", d.file.clone().unwrap_or_default(), d.message))
        .collect();
    if let Some(first) = lost.first() {
        for &k in &produces {
            em.sourced.problems[k as usize]
                .push(format!("source `{}` lost records ({first})", spec.name));
        }
    }
    em.system_id = None;
}

#[cfg(test)]
mod tests {
    use super::parse_cadence;

    #[test]
    fn cadences() {
        assert_eq!(
            parse_cadence("30d"),
            Some(jiff::SignedDuration::from_hours(720))
        );
        assert_eq!(
            parse_cadence(" 12h "),
            Some(jiff::SignedDuration::from_hours(12))
        );
        assert_eq!(
            parse_cadence("90m"),
            Some(jiff::SignedDuration::from_mins(90))
        );
        for bad in ["daily", "1µ", "0d", "d", "", "1w", "-3d", "9999d"] {
            assert_eq!(parse_cadence(bad), None, "{bad}");
        }
    }
}
