//! `fieldcheck.toml`: the org, the observation window, how to read evidence, and the raw
//! `[controls.<id>]` sections (their parameters are validated by the controls crate).
//!
//! Parsing collects diagnostics with line and column instead of stopping at the first problem.

use std::ops::Range;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, did_you_mean};
use crate::time::{Window, parse_date};

/// A config value, as written.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigValue {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// An array.
    Array(Vec<ConfigValue>),
    /// An inline table, in file order.
    Table(Vec<(String, ConfigValue)>),
    /// A value of a type no parameter takes.
    Other(&'static str),
}

impl ConfigValue {
    /// The TOML type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            ConfigValue::Str(_) => "a string",
            ConfigValue::Int(_) => "an integer",
            ConfigValue::Float(_) => "a float",
            ConfigValue::Bool(_) => "a boolean",
            ConfigValue::Array(_) => "an array",
            ConfigValue::Table(_) => "a table",
            ConfigValue::Other(t) => t,
        }
    }
}

/// A place in the config text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The whole source line.
    pub snippet: String,
    /// Width of the marked text.
    pub width: u32,
}

/// One `key = value` of a `[controls.<id>]` section.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// Where the key is.
    pub key_at: Place,
    /// Where the value is.
    pub value_at: Place,
    /// The value.
    pub value: ConfigValue,
}

/// A `[controls.<id>]` section.
#[derive(Clone, Debug)]
pub struct ControlSection {
    /// The control id as written.
    pub id: String,
    /// Where the id is.
    pub at: Place,
    /// Its entries, in file order.
    pub entries: Vec<Entry>,
}

/// A `[[sources]]` entry: an adapter reading exported files (validated by the sources crate).
#[derive(Clone, Debug)]
pub struct SourceSection {
    /// Where the `[[sources]]` header is.
    pub at: Place,
    /// Its entries, in file order (`adapter`, `path`, `system_id`, and the adapter's options).
    pub entries: Vec<Entry>,
}

impl SourceSection {
    /// The entry for `key`, if written.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// The validated config.
#[derive(Clone, Debug)]
pub struct Config {
    /// The config's path, as shown in diagnostics.
    pub path: String,
    /// The org's name.
    pub org: String,
    /// The observation window (with the org time zone).
    pub window: Window,
    /// Read naive timestamps in the org zone instead of rejecting them.
    pub naive_timestamps_in_org_zone: bool,
    /// `evidence.coverage_min_monthly`: the monthly floor above which an event file's empty
    /// month is a coverage gap.
    pub coverage_min_monthly: u32,
    /// `[[evidence.accepted_gaps]]`: months the config accepts as empty, with a reason.
    pub accepted_gaps: Vec<crate::coverage::AcceptedGap>,
    /// The `[controls.*]` sections.
    pub controls: Vec<ControlSection>,
    /// `sampling.table`: a firm's own sample-size table, as written (relative to the config).
    pub sampling_table: Option<String>,
    /// `sampling.unit`: what a periodic test run per system is sampled by, `period` (the
    /// default), `system` or `item`.
    pub sampling_unit: Option<&'static str>,
    /// `sampling.confidence`: the confidence level of the sample sizes and limits (0.95 for
    /// 95 %), replacing the table's.
    pub sampling_confidence: Option<f64>,
    /// The `[[sources]]` entries, in file order.
    pub sources: Vec<SourceSection>,
    /// The `[[collectors]]` entries, in file order (validated by the pull crate).
    pub collectors: Vec<SourceSection>,
    /// `[pull] secrets`: the secrets file (relative to the config's folder) and where it is
    /// written.
    pub pull_secrets: Option<(String, Place)>,
    /// `[locker] public_key`: the key the evidence locker's seals must be signed with.
    pub locker_public_key: Option<LockerKey>,
}

/// `[locker] public_key`: the public key an audit from the locker (and `collect`) pins, written
/// as `locker.pub` and `fieldcheck locker keygen` write it (`ed25519:` and 64 hex digits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockerKey {
    /// The key as written, trimmed (`ed25519:…`).
    pub text: String,
    /// Where the value is, for diagnostics (a key that is not an Ed25519 point is found only by
    /// the locker).
    pub at: Place,
}

/// Turns byte spans into places.
pub struct SourceMap<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> SourceMap<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceMap { text, line_starts }
    }

    /// The place of a byte span.
    pub fn place(&self, span: Range<usize>) -> Place {
        let start = span.start.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= start).max(1);
        let ls = self.line_starts[line - 1];
        let le = self.text[ls..]
            .find('\n')
            .map_or(self.text.len(), |i| ls + i);
        let snippet = self.text[ls..le].trim_end_matches('\r').to_string();
        let column = self.text[ls..start].chars().count() as u32 + 1;
        let end = span.end.clamp(start, le);
        let width = self.text[start..end].chars().count() as u32;
        Place {
            line: line as u32,
            column,
            snippet,
            width,
        }
    }
}

fn at(d: Diagnostic, file: &str, p: &Place) -> Diagnostic {
    d.file(file.to_string())
        .line(p.line)
        .column(p.column)
        .snippet(p.snippet.clone(), p.width.max(1))
}

fn convert(v: &DeValue<'_>) -> ConfigValue {
    match v {
        DeValue::String(s) => ConfigValue::Str(s.to_string()),
        DeValue::Integer(i) => {
            let digits: String = i.as_str().chars().filter(|c| *c != '_').collect();
            let digits = digits
                .trim_start_matches("0x")
                .trim_start_matches("0o")
                .trim_start_matches("0b");
            match i64::from_str_radix(digits, i.radix()) {
                Ok(n) => ConfigValue::Int(n),
                Err(_) => ConfigValue::Other("an integer out of range"),
            }
        }
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse()
            .map_or(ConfigValue::Other("a float"), ConfigValue::Float),
        DeValue::Boolean(b) => ConfigValue::Bool(*b),
        DeValue::Datetime(d) => ConfigValue::Str(d.to_string()),
        DeValue::Array(a) => ConfigValue::Array(a.iter().map(|x| convert(x.get_ref())).collect()),
        DeValue::Table(t) => ConfigValue::Table(
            t.iter()
                .map(|(k, v)| (k.get_ref().to_string(), convert(v.get_ref())))
                .collect(),
        ),
    }
}

const TOP: &[&str] = &[
    "org",
    "window",
    "evidence",
    "controls",
    "sampling",
    "sources",
    "collectors",
    "pull",
    "locker",
];
const PULL: &[&str] = &["secrets"];
const ORG: &[&str] = &["name", "timezone"];
const WINDOW: &[&str] = &["start", "end"];
const EVIDENCE: &[&str] = &["naive_timestamps", "coverage_min_monthly", "accepted_gaps"];
const GAP_KEYS: &[&str] = &["file", "month", "reason"];
const SAMPLING: &[&str] = &["table", "unit", "confidence"];
const LOCKER: &[&str] = &["public_key"];

/// Parses and validates `fieldcheck.toml`. Returns the config when it has no error; the
/// diagnostics always.
pub fn parse_config(path: &str, text: &str) -> (Option<Config>, Vec<Diagnostic>) {
    let map = SourceMap::new(text);
    let mut diags = Vec::new();
    let root = match DeTable::parse(text) {
        Ok(t) => t,
        Err(e) => {
            let p = map.place(e.span().unwrap_or(0..0));
            diags.push(
                at(
                    Diagnostic::error(
                        crate::Code::ConfigSyntax,
                        format!("invalid TOML: {}", e.message().trim_end_matches('\n')),
                    ),
                    path,
                    &p,
                )
                .help("fix the TOML syntax; see `fieldcheck init` for a commented example"),
            );
            return (None, diags);
        }
    };
    let root = root.get_ref();
    let unknown_key = |diags: &mut Vec<Diagnostic>,
                       key: &str,
                       span: Range<usize>,
                       allowed: &[&str],
                       table: &str| {
        let p = map.place(span);
        let help = match did_you_mean(key, allowed.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "the keys of {table} are: {}",
                allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        diags.push(
            at(
                Diagnostic::error(
                    crate::Code::ConfigUnknownKey,
                    format!("unknown key `{key}` in {table}"),
                ),
                path,
                &p,
            )
            .help(help),
        );
    };
    for (k, _) in root.iter() {
        if !TOP.contains(&k.get_ref().as_ref()) {
            unknown_key(&mut diags, k.get_ref(), k.span(), TOP, "fieldcheck.toml");
        }
    }
    let table = |diags: &mut Vec<Diagnostic>,
                 name: &str,
                 required: bool|
     -> Option<(&DeTable<'_>, Range<usize>)> {
        match root.iter().find(|(k, _)| k.get_ref() == name) {
            Some((k, v)) => match v.get_ref() {
                DeValue::Table(t) => Some((t, k.span())),
                other => {
                    let p = map.place(v.span());
                    diags.push(
                        at(
                            Diagnostic::error(
                                crate::Code::ConfigInvalidValue,
                                format!(
                                    "`{name}` must be a table, not {}",
                                    convert(other).type_name()
                                ),
                            ),
                            path,
                            &p,
                        )
                        .help(format!("write it as a `[{name}]` section")),
                    );
                    None
                }
            },
            None => {
                if required {
                    diags.push(
                        Diagnostic::error(crate::Code::ConfigMissingKey, format!("the `[{name}]` section is missing"))
                            .file(path.to_string())
                            .help(match name {
                                "org" => "add `[org]` with `name = \"...\"` and `timezone = \"America/New_York\"` (an IANA name)".to_string(),
                                _ => "add `[window]` with `start = \"2026-01-01\"` and `end = \"2026-06-30\"` (both inclusive)".to_string(),
                            }),
                    );
                }
                None
            }
        }
    };
    let str_key = |diags: &mut Vec<Diagnostic>,
                   t: &DeTable<'_>,
                   header: &Range<usize>,
                   section: &str,
                   key: &str,
                   example: &str|
     -> Option<(String, Range<usize>)> {
        match t.iter().find(|(k, _)| k.get_ref() == key) {
            Some((_, v)) => match v.get_ref() {
                DeValue::String(s) => Some((s.to_string(), v.span())),
                DeValue::Datetime(d) => Some((d.to_string(), v.span())),
                other => {
                    let p = map.place(v.span());
                    diags.push(
                        at(
                            Diagnostic::error(
                                crate::Code::ConfigInvalidValue,
                                format!(
                                    "`{section}.{key}` must be a string, not {}",
                                    convert(other).type_name()
                                ),
                            ),
                            path,
                            &p,
                        )
                        .help(format!("write it as `{key} = {example}`")),
                    );
                    None
                }
            },
            None => {
                let p = map.place(header.clone());
                diags.push(
                    at(
                        Diagnostic::error(
                            crate::Code::ConfigMissingKey,
                            format!("`{section}.{key}` is missing"),
                        ),
                        path,
                        &p,
                    )
                    .help(format!("add `{key} = {example}` to `[{section}]`")),
                );
                None
            }
        }
    };

    let mut org_name = None;
    let mut tz = None;
    if let Some((t, h)) = table(&mut diags, "org", true) {
        for (k, _) in t.iter() {
            if !ORG.contains(&k.get_ref().as_ref()) {
                unknown_key(&mut diags, k.get_ref(), k.span(), ORG, "[org]");
            }
        }
        org_name = str_key(&mut diags, t, &h, "org", "name", "\"Acme Cloud\"").map(|x| x.0);
        if let Some((name, span)) =
            str_key(&mut diags, t, &h, "org", "timezone", "\"America/New_York\"")
        {
            match TimeZone::get(&name) {
                Ok(z) => {
                    if let Some(better) = crate::time::dst_aware_alternative(&name) {
                        let p = map.place(span.clone());
                        diags.push(at(Diagnostic::warning(crate::Code::FixedOffsetTimezone, format!("time zone `{name}` is a fixed offset, without the daylight-saving time of the region it stands for: part of the year its local dates and calendar periods are an hour off")), path, &p)
                            .help(format!("use the DST-aware name `{better}` unless the org really keeps `{name}` all year")));
                    }
                    tz = Some((z, name))
                }
                Err(_) => {
                    let p = map.place(span);
                    let hint = did_you_mean(
                        &name,
                        jiff::tz::db()
                            .available()
                            .map(|n| n.as_str().to_string())
                            .collect::<Vec<_>>()
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>(),
                    )
                    .map(|s| format!("did you mean `{s}`? ",))
                    .unwrap_or_default();
                    diags.push(at(Diagnostic::error(crate::Code::UnknownTimezone, format!("unknown time zone `{name}`")), path, &p)
                        .help(format!("{hint}use an IANA time zone name such as `America/New_York`, `Europe/Berlin` or `UTC`")));
                }
            }
        }
    }
    let mut window = None;
    if let Some((t, h)) = table(&mut diags, "window", true) {
        for (k, _) in t.iter() {
            if !WINDOW.contains(&k.get_ref().as_ref()) {
                unknown_key(&mut diags, k.get_ref(), k.span(), WINDOW, "[window]");
            }
        }
        let mut date = |key: &str, example: &str| -> Option<(Date, Range<usize>)> {
            let (s, span) = str_key(&mut diags, t, &h, "window", key, example)?;
            match parse_date(&s) {
                Ok(d) if d.year() < 1900 || d.year() > 2199 => {
                    let p = map.place(span);
                    diags.push(
                        at(
                            Diagnostic::error(
                                crate::Code::ConfigInvalidValue,
                                format!("`window.{key}` = `{s}` is outside the years 1900 to 2199"),
                            ),
                            path,
                            &p,
                        )
                        .help("give the observation window's real dates"),
                    );
                    None
                }
                Ok(d) => Some((d, span)),
                Err(e) => {
                    let p = map.place(span);
                    diags.push(
                        at(
                            Diagnostic::error(
                                crate::Code::ConfigInvalidValue,
                                format!("`window.{key}` = `{s}` is not a date ({e})"),
                            ),
                            path,
                            &p,
                        )
                        .help(format!("write it as `{key} = {example}`")),
                    );
                    None
                }
            }
        };
        let start = date("start", "\"2026-01-01\"");
        let end = date("end", "\"2026-06-30\"");
        if let (Some((s, _)), Some((e, espan))) = (start, end) {
            if e < s {
                let p = map.place(espan);
                diags.push(
                    at(
                        Diagnostic::error(
                            crate::Code::WindowEndBeforeStart,
                            format!("the window ends ({e}) before it starts ({s})"),
                        ),
                        path,
                        &p,
                    )
                    .help("set `end` on or after `start`; both dates are inclusive"),
                );
            } else {
                window = Some((s, e));
            }
        }
    }
    let mut naive = false;
    let mut min_monthly = crate::coverage::DEFAULT_MIN_MONTHLY;
    let mut accepted_gaps = Vec::new();
    if let Some((t, _)) = table(&mut diags, "evidence", false) {
        for (k, v) in t.iter() {
            match k.get_ref().as_ref() {
                "naive_timestamps" => match v.get_ref() {
                    DeValue::String(s) if s == "org" => naive = true,
                    DeValue::String(s) if s == "reject" => naive = false,
                    other => {
                        let p = map.place(v.span());
                        diags.push(at(Diagnostic::error(crate::Code::ConfigInvalidValue, format!("`evidence.naive_timestamps` must be `\"reject\"` or `\"org\"`, not `{}`", match convert(other) { ConfigValue::Str(s) => s, o => o.type_name().to_string() })), path, &p)
                            .help("use `\"org\"` to read timestamps without offset in the org time zone, or `\"reject\"` (the default)"));
                    }
                },
                "coverage_min_monthly" => match convert(v.get_ref()) {
                    ConfigValue::Int(n) if (0..=1_000_000).contains(&n) => min_monthly = n as u32,
                    other => {
                        let p = map.place(v.span());
                        diags.push(at(Diagnostic::error(crate::Code::ConfigInvalidValue, format!("`evidence.coverage_min_monthly` must be a whole number of rows from 0 to 1000000, not {}", match other { ConfigValue::Int(n) => n.to_string(), o => o.type_name().to_string() })), path, &p)
                            .help(format!("the default is {}: an event file with at least that many rows a month on average must have a row in every month; 0 checks every event file", crate::coverage::DEFAULT_MIN_MONTHLY)));
                    }
                },
                "accepted_gaps" => {
                    let items: Vec<&toml::Spanned<DeValue<'_>>> = match v.get_ref() {
                        DeValue::Array(a) => a.iter().collect(),
                        _ => {
                            let p = map.place(v.span());
                            diags.push(at(Diagnostic::error(crate::Code::ConfigInvalidValue, "`evidence.accepted_gaps` must be an array of tables"), path, &p)
                                .help("write each accepted month as an `[[evidence.accepted_gaps]]` section with `file`, `month` and `reason`"));
                            Vec::new()
                        }
                    };
                    for item in items {
                        let ip = map.place(item.span());
                        let DeValue::Table(t) = item.get_ref() else {
                            diags.push(at(Diagnostic::error(crate::Code::ConfigInvalidValue, "each accepted gap must be a table"), path, &ip)
                                .help("write `[[evidence.accepted_gaps]]` with `file`, `month` and `reason`"));
                            continue;
                        };
                        let mut get = |key: &str| -> Option<(String, Place)> {
                            let (_, val) = t.iter().find(|(k, _)| k.get_ref() == key)?;
                            match val.get_ref() {
                                DeValue::String(x) => {
                                    Some((x.trim().to_string(), map.place(val.span())))
                                }
                                other => {
                                    let p = map.place(val.span());
                                    diags.push(at(Diagnostic::error(crate::Code::ConfigInvalidValue, format!("`{key}` of an accepted gap must be a string, not {}", convert(other).type_name())), path, &p));
                                    None
                                }
                            }
                        };
                        let (file, month, reason) = (get("file"), get("month"), get("reason"));
                        for (k, _) in t.iter() {
                            if !GAP_KEYS.contains(&k.get_ref().as_ref()) {
                                unknown_key(
                                    &mut diags,
                                    k.get_ref(),
                                    k.span(),
                                    GAP_KEYS,
                                    "[[evidence.accepted_gaps]]",
                                );
                            }
                        }
                        let kinds: Vec<&str> = crate::coverage::EVENT_KINDS
                            .iter()
                            .map(|(k, _)| k.stem())
                            .collect();
                        let kind = match &file {
                            Some((f, p)) => {
                                let stem = f.trim_end_matches(".csv").trim_end_matches(".jsonl");
                                match crate::coverage::EVENT_KINDS
                                    .iter()
                                    .find(|(k, _)| k.stem() == stem)
                                {
                                    Some((k, _)) => Some(*k),
                                    None => {
                                        let hint = did_you_mean(stem, kinds.iter().copied())
                                            .map(|h| format!("did you mean `{h}`? "))
                                            .unwrap_or_default();
                                        diags.push(at(Diagnostic::error(crate::Code::ConfigInvalidValue, format!("`{f}` is not an event file whose coverage is checked")), path, p)
                                            .help(format!("{hint}the event files are: {}", kinds.join(", "))));
                                        None
                                    }
                                }
                            }
                            None => {
                                diags.push(at(Diagnostic::error(crate::Code::ConfigMissingKey, "an accepted gap needs `file`, the event file's kind (`sessions`)"), path, &ip));
                                None
                            }
                        };
                        let month_ok = match &month {
                            Some((m, p)) => {
                                let ok = m.len() == 7 && parse_date(&format!("{m}-01")).is_ok();
                                if !ok {
                                    diags.push(
                                        at(
                                            Diagnostic::error(
                                                crate::Code::ConfigInvalidValue,
                                                format!("`{m}` is not a month"),
                                            ),
                                            path,
                                            p,
                                        )
                                        .help("write the month as `YYYY-MM`, e.g. `2026-05`"),
                                    );
                                }
                                ok
                            }
                            None => {
                                diags.push(at(
                                    Diagnostic::error(
                                        crate::Code::ConfigMissingKey,
                                        "an accepted gap needs `month` (`YYYY-MM`)",
                                    ),
                                    path,
                                    &ip,
                                ));
                                false
                            }
                        };
                        let reason_ok = match &reason {
                            Some((r, p)) if r.is_empty() => {
                                diags.push(
                                    at(
                                        Diagnostic::error(
                                            crate::Code::ConfigInvalidValue,
                                            "an accepted gap's `reason` is empty",
                                        ),
                                        path,
                                        p,
                                    )
                                    .help(
                                        "say why the month has no events; the auditor will read it",
                                    ),
                                );
                                false
                            }
                            Some(_) => true,
                            None => {
                                diags.push(at(Diagnostic::error(crate::Code::ConfigMissingKey, "an accepted gap needs `reason`: why the month has no events"), path, &ip));
                                false
                            }
                        };
                        if let (Some(kind), true, true) = (kind, month_ok, reason_ok) {
                            accepted_gaps.push(crate::coverage::AcceptedGap {
                                kind,
                                month: month.map(|m| m.0).unwrap_or_default(),
                                reason: reason.map(|r| r.0).unwrap_or_default(),
                            });
                        }
                    }
                }
                key => unknown_key(&mut diags, key, k.span(), EVIDENCE, "[evidence]"),
            }
        }
    }
    let mut sampling_table = None;
    let mut sampling_unit = None;
    let mut sampling_confidence = None;
    if let Some((t, _)) = table(&mut diags, "sampling", false) {
        for (k, v) in t.iter() {
            match (k.get_ref().as_ref(), v.get_ref()) {
                ("table", DeValue::String(s)) => sampling_table = Some(s.to_string()),
                ("table", other) => {
                    let p = map.place(v.span());
                    diags.push(
                        at(Diagnostic::error(crate::Code::ConfigInvalidValue, format!("`sampling.table` must be a file name, not {}", convert(other).type_name())), path, &p)
                            .help("write `table = \"sample-sizes.toml\"`, a file in the shape of `fieldcheck sample --print-table`"),
                    );
                }
                ("unit", DeValue::String(s)) => match ["period", "system", "item"]
                    .into_iter()
                    .find(|u| *u == s.as_ref())
                {
                    Some(u) => sampling_unit = Some(u),
                    None => {
                        let p = map.place(v.span());
                        diags.push(
                            at(Diagnostic::error(crate::Code::ConfigInvalidValue, format!("`sampling.unit` must be \"period\", \"system\" or \"item\", not `{}`", s.chars().take(80).collect::<String>())), path, &p)
                                .help("`period` chooses periods and tests every system in them (fieldwork's usual unit); `system` makes one population per system; `item` pools every system's items"),
                        );
                    }
                },
                ("unit", other) => {
                    let p = map.place(v.span());
                    diags.push(
                        at(
                            Diagnostic::error(
                                crate::Code::ConfigInvalidValue,
                                format!(
                                    "`sampling.unit` must be a string, not {}",
                                    convert(other).type_name()
                                ),
                            ),
                            path,
                            &p,
                        )
                        .help("write `unit = \"period\"`, `\"system\"` or `\"item\"`"),
                    );
                }
                ("confidence", value) => match convert(value) {
                    ConfigValue::Float(c) if (0.5..1.0).contains(&c) => {
                        sampling_confidence = Some(c)
                    }
                    other => {
                        let p = map.place(v.span());
                        let shown = match other {
                            ConfigValue::Float(f) => f.to_string(),
                            ConfigValue::Int(n) => n.to_string(),
                            o => o.type_name().to_string(),
                        };
                        diags.push(
                            at(Diagnostic::error(crate::Code::ConfigInvalidValue, format!("`sampling.confidence` must be a fraction from 0.5 to below 1, not {shown}")), path, &p)
                                .help("write `confidence = 0.95` for 95 % (or 0.90 for 90 %)"),
                        );
                    }
                },
                (key, _) => unknown_key(&mut diags, key, k.span(), SAMPLING, "[sampling]"),
            }
        }
    }
    let mut pull_secrets = None;
    if let Some((t, _)) = table(&mut diags, "pull", false) {
        for (k, v) in t.iter() {
            match (k.get_ref().as_ref(), v.get_ref()) {
                ("secrets", DeValue::String(s)) => {
                    pull_secrets = Some((s.to_string(), map.place(v.span())));
                }
                ("secrets", other) => {
                    let p = map.place(v.span());
                    diags.push(
                        at(
                            Diagnostic::error(
                                crate::Code::ConfigInvalidValue,
                                format!(
                                    "`pull.secrets` must be a string, not {}",
                                    convert(other).type_name()
                                ),
                            ),
                            path,
                            &p,
                        )
                        .help("write `secrets = \"secrets.toml\"`, a file of `NAME = \"value\"` lines with mode 0600, outside version control"),
                    );
                }
                (key, _) => unknown_key(&mut diags, key, k.span(), PULL, "[pull]"),
            }
        }
    }
    let mut locker_public_key = None;
    if let Some((t, _)) = table(&mut diags, "locker", false) {
        for (k, v) in t.iter() {
            match (k.get_ref().as_ref(), v.get_ref()) {
                ("public_key", DeValue::String(s)) => {
                    let p = map.place(v.span());
                    let text = s.trim();
                    if is_public_key_text(text) {
                        locker_public_key = Some(LockerKey {
                            text: text.to_string(),
                            at: p,
                        });
                    } else {
                        diags.push(
                            at(Diagnostic::error(crate::Code::ConfigInvalidValue, format!("`locker.public_key` must be an Ed25519 public key written `ed25519:` and 64 hex digits, not `{}`", text.chars().take(80).collect::<String>())), path, &p)
                                .help(if text.ends_with(".pub") || text.contains('/') {
                                    "write the key itself, not a file name: paste the line of `locker.pub` (or of the `.pub` file `fieldcheck locker keygen` wrote)"
                                } else {
                                    "paste the line of `locker.pub` (or of the `.pub` file `fieldcheck locker keygen` wrote), such as `public_key = \"ed25519:3d4017c3…\"`"
                                }),
                        );
                    }
                }
                ("public_key", other) => {
                    let p = map.place(v.span());
                    diags.push(
                        at(
                            Diagnostic::error(
                                crate::Code::ConfigInvalidValue,
                                format!(
                                    "`locker.public_key` must be a string, not {}",
                                    convert(other).type_name()
                                ),
                            ),
                            path,
                            &p,
                        )
                        .help("write `public_key = \"ed25519:…\"`, the line of `locker.pub`"),
                    );
                }
                (key, _) => unknown_key(&mut diags, key, k.span(), LOCKER, "[locker]"),
            }
        }
    }
    let mut controls = Vec::new();
    if let Some((t, _)) = table(&mut diags, "controls", false) {
        for (k, v) in t.iter() {
            let kp = map.place(k.span());
            match v.get_ref() {
                DeValue::Table(ct) => controls.push(ControlSection {
                    id: k.get_ref().to_string(),
                    at: kp,
                    entries: ct
                        .iter()
                        .map(|(ek, ev)| Entry {
                            key: ek.get_ref().to_string(),
                            key_at: map.place(ek.span()),
                            value_at: map.place(ev.span()),
                            value: convert(ev.get_ref()),
                        })
                        .collect(),
                }),
                other => {
                    diags.push(
                        at(
                            Diagnostic::error(
                                crate::Code::ConfigInvalidValue,
                                format!(
                                    "`controls.{}` must be a table, not {}",
                                    k.get_ref(),
                                    convert(other).type_name()
                                ),
                            ),
                            path,
                            &kp,
                        )
                        .help(format!(
                            "write it as a `[controls.{}]` section",
                            k.get_ref()
                        )),
                    );
                }
            }
        }
    }
    let mut array_of_tables = |name: &str, what: &str, hint: &str| -> Vec<SourceSection> {
        let mut out = Vec::new();
        let Some((k, v)) = root.iter().find(|(k, _)| k.get_ref() == name) else {
            return out;
        };
        let entries = |t: &DeTable<'_>| -> Vec<Entry> {
            t.iter()
                .map(|(ek, ev)| Entry {
                    key: ek.get_ref().to_string(),
                    key_at: map.place(ek.span()),
                    value_at: map.place(ev.span()),
                    value: convert(ev.get_ref()),
                })
                .collect()
        };
        match v.get_ref() {
            DeValue::Array(items) => {
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::Table(t) => out.push(SourceSection {
                            at: map.place(item.span()),
                            entries: entries(t),
                        }),
                        other => {
                            let p = map.place(item.span());
                            diags.push(
                                at(
                                    Diagnostic::error(
                                        crate::Code::ConfigInvalidValue,
                                        format!(
                                            "each {what} must be a table, not {}",
                                            convert(other).type_name()
                                        ),
                                    ),
                                    path,
                                    &p,
                                )
                                .help(format!(
                                    "write each {what} as a `[[{name}]]` section; {hint}"
                                )),
                            );
                        }
                    }
                }
            }
            other => {
                let p = map.place(k.span());
                diags.push(
                    at(
                        Diagnostic::error(
                            crate::Code::ConfigInvalidValue,
                            format!(
                                "`{name}` must be an array of tables, not {}",
                                convert(other).type_name()
                            ),
                        ),
                        path,
                        &p,
                    )
                    .help(format!(
                        "write each {what} as a `[[{name}]]` section (two brackets); {hint}"
                    )),
                );
            }
        }
        out
    };
    let sources = array_of_tables("sources", "source", "`fieldcheck sources` prints examples");
    let collectors = array_of_tables(
        "collectors",
        "collector",
        "`fieldcheck sources` lists the collectors with examples",
    );
    let has_error = diags
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error);
    match (org_name, tz, window) {
        (Some(org), Some((tz, tz_name)), Some((s, e))) if !has_error => (
            Some(Config {
                path: path.to_string(),
                org,
                window: Window::new(s, e, tz, &tz_name),
                naive_timestamps_in_org_zone: naive,
                coverage_min_monthly: min_monthly,
                accepted_gaps,
                controls,
                sampling_table,
                sampling_unit,
                sampling_confidence,
                sources,
                collectors,
                pull_secrets,
                locker_public_key,
            }),
            diags,
        ),
        _ => (None, diags),
    }
}

/// Whether `text` is a public key as `locker.pub` writes it: `ed25519:` and 64 hex digits.
fn is_public_key_text(text: &str) -> bool {
    text.strip_prefix("ed25519:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(&'static str, Option<u32>)> {
        parse_config("fieldcheck.toml", text)
            .1
            .into_iter()
            .map(|d| (d.code.as_str(), d.line))
            .collect()
    }

    const GOOD: &str = "[org]\nname = \"Acme\"\ntimezone = \"America/New_York\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n";

    #[test]
    fn a_good_config_parses() {
        let (c, d) = parse_config("fieldcheck.toml", GOOD);
        assert!(d.is_empty(), "{d:?}");
        let c = c.expect("valid");
        assert_eq!(c.org, "Acme");
        assert_eq!(c.window.start.to_string(), "2026-01-01");
    }

    #[test]
    fn the_sampling_unit_and_confidence_are_read_and_checked() {
        let (c, d) = parse_config(
            "fieldcheck.toml",
            &format!("{GOOD}[sampling]\nunit = \"system\"\nconfidence = 0.90\n"),
        );
        assert!(d.is_empty(), "{d:?}");
        let c = c.expect("valid");
        assert_eq!(c.sampling_unit, Some("system"));
        assert_eq!(c.sampling_confidence, Some(0.90));
        let (c, _) = parse_config("fieldcheck.toml", GOOD);
        let c = c.expect("valid");
        assert_eq!((c.sampling_unit, c.sampling_confidence), (None, None));
        for bad in [
            "unit = \"quarter\"",
            "unit = 3",
            "confidence = 95",
            "confidence = 1.0",
            "confidence = 0.4",
        ] {
            assert_eq!(
                codes(&format!("{GOOD}[sampling]\n{bad}\n")),
                [("config-invalid-value", Some(8))],
                "{bad}"
            );
        }
        // The boundaries: 0.5 and 0.99 are confidence levels.
        for good in ["confidence = 0.5", "confidence = 0.99", "unit = \"item\""] {
            assert!(
                codes(&format!("{GOOD}[sampling]\n{good}\n")).is_empty(),
                "{good}"
            );
        }
    }

    #[test]
    fn a_fixed_offset_zone_warns_and_names_the_region() {
        let (c, d) = parse_config("fieldcheck.toml", &GOOD.replace("America/New_York", "EST"));
        assert!(c.is_some(), "a warning does not stop the run");
        assert_eq!(
            d.iter()
                .map(|d| (d.code.as_str(), d.line))
                .collect::<Vec<_>>(),
            [("fixed-offset-timezone", Some(3))]
        );
        assert!(
            d[0].help
                .as_deref()
                .unwrap_or("")
                .contains("America/New_York")
        );
        // The boundary: a zone with DST rules of its own is fine.
        let (_, d) = parse_config(
            "fieldcheck.toml",
            &GOOD.replace("America/New_York", "EST5EDT"),
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn accepted_gaps_are_read_and_checked() {
        let text = format!(
            "{GOOD}[evidence]\ncoverage_min_monthly = 5\n[[evidence.accepted_gaps]]\nfile = \"sessions\"\nmonth = \"2026-05\"\nreason = \"bastion decommissioned\"\n"
        );
        let (c, d) = parse_config("fieldcheck.toml", &text);
        assert!(d.is_empty(), "{d:?}");
        let c = c.expect("valid");
        assert_eq!(c.coverage_min_monthly, 5);
        assert_eq!(c.accepted_gaps.len(), 1);
        assert_eq!(c.accepted_gaps[0].month, "2026-05");
        // A kind that is no event file, a month that is no month, and an empty reason.
        let bad = format!(
            "{GOOD}[[evidence.accepted_gaps]]\nfile = \"sesions\"\nmonth = \"May\"\nreason = \"\"\n"
        );
        let (c, d) = parse_config("fieldcheck.toml", &bad);
        assert!(c.is_none());
        assert_eq!(
            d.iter().map(|d| d.code).collect::<Vec<_>>(),
            ["config-invalid-value"; 3]
        );
        assert!(d[0].help.as_deref().unwrap_or("").contains("`sessions`"));
    }

    #[test]
    fn unknown_timezone_and_reversed_window() {
        let text = GOOD
            .replace("America/New_York", "America/New_Yrok")
            .replace("2026-06-30", "2025-12-31");
        let (c, d) = parse_config("fieldcheck.toml", &text);
        assert!(c.is_none());
        assert_eq!(
            d.iter()
                .map(|d| (d.code.as_str(), d.line))
                .collect::<Vec<_>>(),
            [
                ("unknown-timezone", Some(3)),
                ("window-end-before-start", Some(6))
            ]
        );
        assert!(
            d[0].help
                .as_deref()
                .unwrap_or("")
                .contains("America/New_York"),
            "{:?}",
            d[0].help
        );
    }

    #[test]
    fn the_locker_key_is_pinned_as_locker_pub_writes_it() {
        let key = format!("ed25519:{}", "3d".repeat(32));
        let (c, d) = parse_config(
            "fieldcheck.toml",
            &format!("{GOOD}[locker]\npublic_key = \" {key} \"\n"),
        );
        assert!(d.is_empty(), "{d:?}");
        let pinned = c.expect("valid").locker_public_key.expect("pinned");
        assert_eq!(pinned.text, key);
        assert_eq!((pinned.at.line, pinned.at.column), (8, 14));
        // No section: nothing pinned.
        let (c, _) = parse_config("fieldcheck.toml", GOOD);
        assert_eq!(c.expect("valid").locker_public_key, None);
        // A file name, a short key, a number and a misspelt key are config errors at their place.
        for (value, help) in [
            ("\"keys/locker.pub\"", "not a file name"),
            ("\"ed25519:3d3d\"", "paste the line of `locker.pub`"),
            ("42", "public_key = "),
        ] {
            let (c, d) = parse_config(
                "fieldcheck.toml",
                &format!("{GOOD}[locker]\npublic_key = {value}\n"),
            );
            assert!(c.is_none(), "{value}");
            assert_eq!(
                d.iter()
                    .map(|d| (d.code.as_str(), d.line, d.column))
                    .collect::<Vec<_>>(),
                [("config-invalid-value", Some(8), Some(14))],
                "{value}"
            );
            assert!(d[0].help.as_deref().unwrap_or("").contains(help), "{d:?}");
        }
        let (_, d) = parse_config(
            "fieldcheck.toml",
            &format!("{GOOD}[locker]\npublic_kye = \"{key}\"\n"),
        );
        assert_eq!(d[0].code.as_str(), "config-unknown-key");
        assert_eq!(d[0].help.as_deref(), Some("did you mean `public_key`?"));
        let (_, d) = parse_config("fieldcheck.toml", &format!("{GOOD}[lockr]\n"));
        assert_eq!(d[0].help.as_deref(), Some("did you mean `locker`?"));
    }

    #[test]
    fn unknown_keys_get_suggestions() {
        let text = format!("{GOOD}[evidnce]\nnaive_timestamps = \"org\"\n");
        let (_, d) = parse_config("fieldcheck.toml", &text);
        assert_eq!(d[0].code.as_str(), "config-unknown-key");
        assert_eq!(d[0].line, Some(7));
        assert_eq!(d[0].column, Some(2));
        assert_eq!(d[0].help.as_deref(), Some("did you mean `evidence`?"));
    }

    #[test]
    fn syntax_errors_and_missing_sections() {
        assert_eq!(codes("[org\nname = 1")[0], ("config-syntax", Some(1)));
        let c = codes("[org]\nname = \"x\"\ntimezone = \"UTC\"\n");
        assert_eq!(c, [("config-missing-key", None)]);
        let c = codes(
            "[org]\nname = \"x\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-1-1\"\nend = 2026-06-30\n",
        );
        assert_eq!(c, [("config-invalid-value", Some(5))]);
    }

    #[test]
    fn windows_stay_in_real_years() {
        let text = GOOD.replace("2026-06-30", "9999-12-31");
        assert_eq!(codes(&text), [("config-invalid-value", Some(6))]);
    }

    #[test]
    fn sources_keep_their_entries_and_places() {
        let text = format!(
            "{GOOD}[[sources]]\nadapter = \"okta-users\"\npath = \"okta/*.json\"\n[[sources]]\nadapter = \"github\"\noptions = {{ repo = \"acme/api\" }}\n"
        );
        let (c, d) = parse_config("fieldcheck.toml", &text);
        assert!(d.is_empty(), "{d:?}");
        let c = c.expect("valid");
        assert_eq!(c.sources.len(), 2);
        assert_eq!(c.sources[0].at.line, 7);
        assert_eq!(
            c.sources[0].get("path").map(|e| &e.value),
            Some(&ConfigValue::Str("okta/*.json".into()))
        );
        assert_eq!(
            c.sources[1].get("adapter").map(|e| e.value_at.line),
            Some(11)
        );
        let (_, d) = parse_config("fieldcheck.toml", &format!("sources = 3\n{GOOD}"));
        assert_eq!(d[0].code.as_str(), "config-invalid-value");
    }

    #[test]
    fn control_sections_keep_places() {
        let text = format!("{GOOD}[controls.leaver-deprovisioning]\nsla = \"24h\"\n");
        let (c, d) = parse_config("fieldcheck.toml", &text);
        assert!(d.is_empty());
        let c = c.expect("valid");
        assert_eq!(c.controls[0].id, "leaver-deprovisioning");
        assert_eq!(c.controls[0].entries[0].key, "sla");
        assert_eq!(
            c.controls[0].entries[0].value,
            ConfigValue::Str("24h".into())
        );
        assert_eq!(c.controls[0].entries[0].value_at.line, 8);
    }
}
