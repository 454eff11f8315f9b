//! Control parameters: defaults from the catalog, overrides from `[controls.<id>]`, validated
//! with diagnostics that point at the config line.

use std::collections::BTreeMap;

use fieldcheck_kit::{
    Classification, Config, ConfigValue, Diagnostic, Place, TlsVersion, did_you_mean,
};
use jiff::SignedDuration;

use crate::catalog::{ParamMeta, Thresholds, catalog, default_thresholds};

/// A leaver deadline: the end of the termination's local day, or an exact duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sla {
    /// The end of the termination's calendar day in the org time zone.
    SameDay,
    /// An exact duration after the termination.
    After(SignedDuration),
}

impl Sla {
    /// How the SLA is written for humans.
    pub fn describe(&self) -> String {
        match self {
            Sla::SameDay => "same day".into(),
            Sla::After(d) => fieldcheck_kit::time::human_duration(*d),
        }
    }
}

/// A restore-test or phishing cadence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cadence {
    /// Every calendar month.
    Monthly,
    /// Every calendar quarter.
    Quarterly,
}

/// A resolved parameter value.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    /// Days, hours or a plain integer.
    Int(i64),
    /// A flag.
    Bool(bool),
    /// A string.
    Str(String),
    /// A list of strings.
    List(Vec<String>),
    /// A leaver deadline.
    Sla(Sla),
    /// A cadence.
    Cadence(Cadence),
    /// A TLS version.
    Tls(TlsVersion),
}

/// One control's resolved settings.
#[derive(Clone, Debug, Default)]
pub struct ControlParams {
    /// False when scoped out.
    pub enabled: bool,
    /// Why it was scoped out.
    pub reason: Option<String>,
    /// Who owns the control's exceptions in the register (`owner = "..."`).
    pub owner: Option<String>,
    /// Days from recording to an exception's target close date (`target_days = N`, or
    /// `target_days = { default = N, <reason> = M, ... }`).
    pub target_days: Option<i64>,
    /// Per-reason target days (`target_days = { <reason> = M }`); an exception takes the shortest.
    pub target_days_by_reason: BTreeMap<String, i64>,
    /// The thresholds of the markers of a systematic deviation (`markers = { rate = 0.1 }`).
    pub markers: Thresholds,
    values: BTreeMap<String, ParamValue>,
}

impl Default for Thresholds {
    fn default() -> Self {
        default_thresholds()
    }
}

impl ControlParams {
    /// An integer parameter (days, hours, int).
    pub fn int(&self, name: &str) -> i64 {
        match self.values.get(name) {
            Some(ParamValue::Int(n)) => *n,
            _ => 0,
        }
    }
    /// A boolean parameter.
    pub fn bool(&self, name: &str) -> bool {
        matches!(self.values.get(name), Some(ParamValue::Bool(true)))
    }
    /// A string parameter.
    pub fn str(&self, name: &str) -> &str {
        match self.values.get(name) {
            Some(ParamValue::Str(s)) => s,
            _ => "",
        }
    }
    /// A list parameter.
    pub fn list(&self, name: &str) -> &[String] {
        match self.values.get(name) {
            Some(ParamValue::List(l)) => l,
            _ => &[],
        }
    }
    /// An SLA parameter.
    pub fn sla(&self, name: &str) -> Sla {
        match self.values.get(name) {
            Some(ParamValue::Sla(s)) => *s,
            _ => Sla::SameDay,
        }
    }
    /// A cadence parameter.
    pub fn cadence(&self, name: &str) -> Cadence {
        match self.values.get(name) {
            Some(ParamValue::Cadence(c)) => *c,
            _ => Cadence::Quarterly,
        }
    }
    /// A TLS version parameter.
    pub fn tls(&self, name: &str) -> TlsVersion {
        match self.values.get(name) {
            Some(ParamValue::Tls(t)) => *t,
            _ => TlsVersion::V1_2,
        }
    }
    /// Every value, for reports.
    pub fn values(&self) -> &BTreeMap<String, ParamValue> {
        &self.values
    }
}

/// Every control's resolved settings.
#[derive(Clone, Debug, Default)]
pub struct Params {
    by_control: BTreeMap<String, ControlParams>,
}

impl Params {
    /// All defaults.
    pub fn defaults() -> Params {
        resolve(None).0
    }

    /// One control's settings (defaults for an unknown id).
    pub fn control(&self, id: &str) -> &ControlParams {
        static EMPTY: std::sync::OnceLock<ControlParams> = std::sync::OnceLock::new();
        self.by_control
            .get(id)
            .unwrap_or_else(|| EMPTY.get_or_init(ControlParams::default))
    }

    /// Overrides one parameter (for tests and embedding); the value is not validated.
    pub fn set(&mut self, control: &str, name: &str, value: ParamValue) {
        if let Some(c) = self.by_control.get_mut(control) {
            c.values.insert(name.to_string(), value);
        }
    }

    /// Scopes a control out (for tests and embedding).
    pub fn disable(&mut self, control: &str, reason: &str) {
        if let Some(c) = self.by_control.get_mut(control) {
            c.enabled = false;
            c.reason = Some(reason.to_string());
        }
    }
}

/// Parses a duration such as `24h`, `4h`, `30m`, `2d`, `1h30m`.
pub fn parse_duration(s: &str) -> Option<SignedDuration> {
    let mut total: i64 = 0;
    let mut num = String::new();
    let mut any = false;
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        let unit = match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
        any = true;
    }
    (num.is_empty() && any).then(|| SignedDuration::from_secs(total))
}

fn from_default(meta: &ParamMeta) -> ConfigValue {
    match &meta.default {
        toml::Value::String(s) => ConfigValue::Str(s.clone()),
        toml::Value::Integer(n) => ConfigValue::Int(*n),
        toml::Value::Boolean(b) => ConfigValue::Bool(*b),
        toml::Value::Array(a) => ConfigValue::Array(
            a.iter()
                .filter_map(|v| v.as_str().map(|s| ConfigValue::Str(s.to_string())))
                .collect(),
        ),
        _ => ConfigValue::Other("a default of an unsupported type"),
    }
}

/// Converts a config value to a parameter value, or says what is expected.
fn convert(meta: &ParamMeta, v: &ConfigValue) -> Result<ParamValue, String> {
    let strings = |v: &ConfigValue| -> Option<Vec<String>> {
        match v {
            ConfigValue::Array(a) => a
                .iter()
                .map(|x| {
                    if let ConfigValue::Str(s) = x {
                        Some(s.clone())
                    } else {
                        None
                    }
                })
                .collect(),
            _ => None,
        }
    };
    match (meta.ty.as_str(), v) {
        // A century bounds every period a control could mean (and keeps date arithmetic in range).
        ("days", ConfigValue::Int(n)) if (0..=36_500).contains(n) => Ok(ParamValue::Int(*n)),
        ("hours", ConfigValue::Int(n)) if (0..=876_000).contains(n) => Ok(ParamValue::Int(*n)),
        ("days", _) => Err("a whole number of days from 0 to 36500, e.g. `30`".into()),
        ("hours", _) => Err("a whole number of hours from 0 to 876000, e.g. `48`".into()),
        ("int", ConfigValue::Int(n)) if (0..=1_000_000).contains(n) => Ok(ParamValue::Int(*n)),
        ("int", _) => Err("a whole number from 0 to 1000000".into()),
        ("bool", ConfigValue::Bool(b)) => Ok(ParamValue::Bool(*b)),
        ("bool", _) => Err("`true` or `false`".into()),
        ("string", ConfigValue::Str(s)) if !s.is_empty() => Ok(ParamValue::Str(s.clone())),
        ("string", _) => Err("a non-empty string".into()),
        ("strings", v) => strings(v)
            .map(ParamValue::List)
            .ok_or_else(|| "an array of strings, e.g. `[\"AES_256\"]`".into()),
        ("classifications", v) => match strings(v) {
            Some(l)
                if l.iter()
                    .all(|s| Classification::VALUES.contains(&s.as_str())) =>
            {
                Ok(ParamValue::List(l))
            }
            _ => Err(format!(
                "an array of classifications ({})",
                Classification::VALUES
                    .iter()
                    .map(|c| format!("`\"{c}\"`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        },
        ("sla", ConfigValue::Str(s)) if s == "same_day" => Ok(ParamValue::Sla(Sla::SameDay)),
        ("sla", ConfigValue::Str(s)) => parse_duration(s)
            .filter(|d| d.as_secs() <= 100 * 365 * 86_400)
            .map(|d| ParamValue::Sla(Sla::After(d)))
            .ok_or_else(|| {
                "`\"same_day\"` or a duration such as `\"24h\"`, `\"4h\"`, `\"30m\"` or `\"2d\"`"
                    .into()
            }),
        ("sla", _) => Err("`\"same_day\"` or a duration such as `\"24h\"`".into()),
        ("cadence", ConfigValue::Str(s)) if s == "monthly" => {
            Ok(ParamValue::Cadence(Cadence::Monthly))
        }
        ("cadence", ConfigValue::Str(s)) if s == "quarterly" => {
            Ok(ParamValue::Cadence(Cadence::Quarterly))
        }
        ("cadence", _) => Err("`\"monthly\"` or `\"quarterly\"`".into()),
        ("tls", ConfigValue::Str(s)) => match TlsVersion::parse(s) {
            Some(t) if t != TlsVersion::None => Ok(ParamValue::Tls(t)),
            _ => Err("a TLS version: `\"1.0\"`, `\"1.1\"`, `\"1.2\"` or `\"1.3\"`".into()),
        },
        ("tls", _) => Err("a TLS version such as `\"1.2\"`".into()),
        (other, _) => Err(format!("a value of type `{other}`")),
    }
}

fn at(d: Diagnostic, file: &str, p: &Place) -> Diagnostic {
    d.file(file.to_string())
        .line(p.line)
        .column(p.column)
        .snippet(p.snippet.clone(), p.width.max(1))
}

/// Resolves every control's parameters: catalog defaults, then the config's overrides.
pub fn resolve(config: Option<&Config>) -> (Params, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut params = Params::default();
    for meta in catalog() {
        let mut cp = ControlParams {
            enabled: true,
            reason: None,
            owner: None,
            target_days: None,
            target_days_by_reason: BTreeMap::new(),
            markers: default_thresholds(),
            values: BTreeMap::new(),
        };
        for p in &meta.params {
            let v = convert(p, &from_default(p)).expect("catalog defaults are valid (tested)");
            cp.values.insert(p.name.clone(), v);
        }
        params.by_control.insert(meta.id.clone(), cp);
    }
    let Some(config) = config else {
        return (params, diags);
    };
    let file = config.path.as_str();
    let ids: Vec<&str> = catalog().iter().map(|c| c.id.as_str()).collect();
    for section in &config.controls {
        let Some(meta) = catalog().iter().find(|c| c.id == section.id) else {
            let help = match did_you_mean(&section.id, ids.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "the controls are: {}",
                    ids.iter()
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            diags.push(
                at(
                    Diagnostic::error(
                        fieldcheck_kit::Code::ControlUnknown,
                        format!("unknown control `{}`", section.id),
                    ),
                    file,
                    &section.at,
                )
                .help(help),
            );
            continue;
        };
        let cp = params
            .by_control
            .get_mut(&meta.id)
            .expect("every catalog control has params");
        let mut enabled_at = None;
        for e in &section.entries {
            match e.key.as_str() {
                "enabled" => match e.value {
                    ConfigValue::Bool(b) => {
                        cp.enabled = b;
                        enabled_at = Some(e.value_at.clone());
                    }
                    _ => diags.push(at(Diagnostic::error(fieldcheck_kit::Code::ConfigInvalidValue, format!("`enabled` must be `true` or `false`, not {}", e.value.type_name())), file, &e.value_at).help("write `enabled = false` with a `reason = \"...\"` to scope the control out")),
                },
                "owner" => match &e.value {
                    ConfigValue::Str(s) if !s.trim().is_empty() => cp.owner = Some(s.clone()),
                    _ => diags.push(
                        at(Diagnostic::error(fieldcheck_kit::Code::ConfigInvalidValue, format!("`owner` must be a person (an email or person id), not {}", e.value.type_name())), file, &e.value_at)
                            .help("write `owner = \"jane@acme.test\"`: who owns this control's exceptions"),
                    ),
                },
                "target_days" => {
                    let days = |v: &ConfigValue| match v {
                        ConfigValue::Int(n) if (1..=3650).contains(n) => Some(*n),
                        _ => None,
                    };
                    let reasons: Vec<&str> = meta.tests.iter().flat_map(|t| t.reasons.iter().map(|r| r.0.as_str())).collect();
                    let bad = |what: String| {
                        at(Diagnostic::error(fieldcheck_kit::Code::ConfigInvalidValue, what), file, &e.value_at).help(format!(
                            "days from recording an exception to its target close date: `target_days = 14`, or per reason `target_days = {{ default = 30, {} = 7 }}`",
                            reasons.first().copied().unwrap_or("reason")
                        ))
                    };
                    match &e.value {
                        ConfigValue::Table(entries) => {
                            for (k, v) in entries {
                                match (k.as_str(), days(v)) {
                                    ("default", Some(n)) => cp.target_days = Some(n),
                                    (r, Some(n)) if reasons.contains(&r) => {
                                        cp.target_days_by_reason.insert(r.to_string(), n);
                                    }
                                    (r, Some(_)) => diags.push(bad(match did_you_mean(r, reasons.iter().copied()) {
                                        Some(s) => format!("`{r}` is not a reason of `{}`; did you mean `{s}`?", meta.id),
                                        None => format!("`{r}` is not a reason of `{}`", meta.id),
                                    })),
                                    (r, None) => diags.push(bad(format!("`target_days.{r}` must be a whole number of days from 1 to 3650"))),
                                }
                            }
                        }
                        v => match days(v) {
                            Some(n) => cp.target_days = Some(n),
                            None => diags.push(bad("`target_days` must be a whole number of days from 1 to 3650".into())),
                        },
                    }
                }
                "markers" => markers(&mut cp.markers, &e.value, &meta.id, file, &e.value_at, &mut diags),
                "reason" => match &e.value {
                    ConfigValue::Str(s) => cp.reason = Some(s.clone()).filter(|s| !s.trim().is_empty()),
                    _ => diags.push(at(Diagnostic::error(fieldcheck_kit::Code::ConfigInvalidValue, format!("`reason` must be a string, not {}", e.value.type_name())), file, &e.value_at)),
                },
                key => match meta.params.iter().find(|p| p.name == key) {
                    Some(p) => match convert(p, &e.value) {
                        Ok(v) => {
                            cp.values.insert(p.name.clone(), v);
                        }
                        Err(expected) => diags.push(
                            at(Diagnostic::error(fieldcheck_kit::Code::ConfigInvalidValue, format!("`{}.{}` must be {expected}", meta.id, p.name)), file, &e.value_at)
                                .help(format!("{} (default: `{}`)", p.doc, p.default)),
                        ),
                    },
                    None => {
                        let mut keys: Vec<&str> = meta.params.iter().map(|p| p.name.as_str()).collect();
                        keys.extend(["enabled", "reason", "owner", "target_days", "markers"]);
                        let help = match did_you_mean(key, keys.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("the keys of `[controls.{}]` are: {}", meta.id, keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")),
                        };
                        diags.push(at(Diagnostic::error(fieldcheck_kit::Code::ConfigUnknownKey, format!("unknown key `{key}` in `[controls.{}]`", meta.id)), file, &e.key_at).help(help));
                    }
                },
            }
        }
        if !cp.enabled && cp.reason.is_none() {
            let p = enabled_at.unwrap_or_else(|| section.at.clone());
            diags.push(
                at(Diagnostic::error(fieldcheck_kit::Code::ScopeOutWithoutReason, format!("`{}` is scoped out without a reason", meta.id)), file, &p)
                    .help("add `reason = \"...\"` saying why the control does not apply (auditors ask), or remove `enabled = false`"),
            );
        }
    }
    (params, diags)
}

/// Reads `markers = { rate = 0.10, concentration_min_items = 8, ... }` over the defaults.
fn markers(
    t: &mut Thresholds,
    value: &ConfigValue,
    control: &str,
    file: &str,
    place: &Place,
    diags: &mut Vec<Diagnostic>,
) {
    const HELP: &str = "the thresholds of the markers of a systematic deviation: `markers = { rate = 0.05, rate_min_population = 20, concentration_min_items = 5, concentration_share = 0.5, majority_below = 20, majority_share = 0.5 }` (any of them; `fieldcheck controls` explains each)";
    let ConfigValue::Table(entries) = value else {
        diags.push(
            at(
                Diagnostic::error(
                    fieldcheck_kit::Code::ConfigInvalidValue,
                    format!(
                        "`{control}.markers` must be a table, not {}",
                        value.type_name()
                    ),
                ),
                file,
                place,
            )
            .help(HELP),
        );
        return;
    };
    for (k, v) in entries {
        let share = |v: &ConfigValue| match v {
            ConfigValue::Float(f) if *f >= 0.0 && *f < 1.0 => Some(*f),
            ConfigValue::Int(0) => Some(0.0),
            _ => None,
        };
        let count = |v: &ConfigValue| match v {
            ConfigValue::Int(n) if (1..=1_000_000).contains(n) => Some(*n as usize),
            _ => None,
        };
        let ok = match k.as_str() {
            "rate" => share(v).map(|x| t.rate = x).is_some(),
            "concentration_share" => share(v).map(|x| t.concentration_share = x).is_some(),
            "majority_share" => share(v).map(|x| t.majority_share = x).is_some(),
            "rate_min_population" => count(v).map(|x| t.rate_min_population = x).is_some(),
            "concentration_min_items" => count(v).map(|x| t.concentration_min_items = x).is_some(),
            "majority_below" => count(v).map(|x| t.majority_below = x).is_some(),
            other => {
                let names = [
                    "rate",
                    "rate_min_population",
                    "concentration_min_items",
                    "concentration_share",
                    "majority_below",
                    "majority_share",
                ];
                let help = match did_you_mean(other, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => HELP.to_string(),
                };
                diags.push(
                    at(
                        Diagnostic::error(
                            fieldcheck_kit::Code::ConfigUnknownKey,
                            format!("unknown marker threshold `{other}` in `[controls.{control}]`"),
                        ),
                        file,
                        place,
                    )
                    .help(help),
                );
                continue;
            }
        };
        if !ok {
            let want = if k.ends_with("share") || k == "rate" {
                "a share from 0 to below 1 (`0.05` is 5 %)"
            } else {
                "a whole number from 1"
            };
            diags.push(
                at(
                    Diagnostic::error(
                        fieldcheck_kit::Code::ConfigInvalidValue,
                        format!(
                            "`{control}.markers.{k}` must be {want}, not `{}`",
                            v.type_name()
                        ),
                    ),
                    file,
                    place,
                )
                .help(HELP),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_thresholds_default_from_the_catalog_and_are_set_per_control() {
        let (p, d) = resolve(Some(&config(
            "[controls.change-management]\nmarkers = { rate = 0.10, concentration_min_items = 8 }\n",
        )));
        assert!(d.is_empty(), "{d:?}");
        let cm = p.control("change-management").markers;
        assert_eq!(
            (cm.rate, cm.concentration_min_items, cm.majority_below),
            (0.10, 8, 20)
        );
        assert_eq!(p.control("access-reviews").markers.rate, 0.05);
        let (_, d) = resolve(Some(&config(
            "[controls.change-management]\nmarkers = { rate = 5, concentraton_share = 0.5 }\n",
        )));
        let got: Vec<(&str, String)> = d.iter().map(|d| (d.code, d.message.clone())).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, "config-invalid-value");
        assert!(
            got[0]
                .1
                .contains("`change-management.markers.rate` must be a share"),
            "{got:?}"
        );
        assert_eq!(got[1].0, "config-unknown-key");
        assert_eq!(
            d[1].help.as_deref(),
            Some("did you mean `concentration_share`?")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h"), Some(SignedDuration::from_hours(24)));
        assert_eq!(parse_duration("1h30m"), Some(SignedDuration::from_mins(90)));
        assert_eq!(parse_duration("2d"), Some(SignedDuration::from_hours(48)));
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("24"), None);
        assert_eq!(parse_duration("24 hours"), None);
    }

    fn config(extra: &str) -> Config {
        let text = format!(
            "[org]\nname = \"A\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n{extra}"
        );
        let (c, d) = fieldcheck_kit::parse_config("fieldcheck.toml", &text);
        assert!(d.is_empty(), "{d:?}");
        c.expect("valid config")
    }

    #[test]
    fn defaults_and_overrides() {
        let (p, d) = resolve(Some(&config(
            "[controls.leaver-deprovisioning]\nsla = \"24h\"\n",
        )));
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            p.control("leaver-deprovisioning").sla("sla"),
            Sla::After(SignedDuration::from_hours(24))
        );
        assert_eq!(
            p.control("leaver-deprovisioning").sla("privileged_sla"),
            Sla::After(SignedDuration::from_hours(4))
        );
        assert_eq!(p.control("access-reviews").int("completion_grace_days"), 14);
        assert_eq!(
            p.control("encryption").list("cmk_required_for"),
            ["restricted", "confidential"]
        );
    }

    #[test]
    fn bad_params_are_diagnosed_with_places() {
        let (_, d) = resolve(Some(&config(
            "[controls.leaver-deprovisoning]\nsla = \"1d\"\n[controls.access-reviews]\ncompletion_grace_dayz = 3\nrevoke_grace_days = \"7\"\n[controls.backup-restore]\nenabled = false\n",
        )));
        let got: Vec<(&str, Option<u32>, Option<&str>)> = d
            .iter()
            .map(|d| (d.code, d.line, d.help.as_deref()))
            .collect();
        assert_eq!(
            got[0],
            (
                "control-unknown",
                Some(7),
                Some("did you mean `leaver-deprovisioning`?")
            )
        );
        assert_eq!(
            got[1],
            (
                "config-unknown-key",
                Some(10),
                Some("did you mean `completion_grace_days`?")
            )
        );
        assert_eq!(got[2].0, "config-invalid-value");
        assert_eq!(got[2].1, Some(11));
        assert_eq!(got[3].0, "scope-out-without-reason");
        assert_eq!(got[3].1, Some(13));
    }

    #[test]
    fn absurd_values_are_refused() {
        let (_, d) = resolve(Some(&config(
            "[controls.vendor-management]\nassurance_max_age_days = 100000000\n[controls.leaver-deprovisioning]\nsla = \"99999999d\"\n",
        )));
        assert_eq!(
            d.iter().map(|d| (d.code, d.line)).collect::<Vec<_>>(),
            [
                ("config-invalid-value", Some(8)),
                ("config-invalid-value", Some(10))
            ]
        );
    }

    #[test]
    fn target_days_per_control_or_reason() {
        let (p, d) = resolve(Some(&config(
            "[controls.leaver-deprovisioning]\ntarget_days = { default = 10, not_deprovisioned = 3 }\n[controls.vendor-management]\ntarget_days = 45\n[controls.backup-restore]\ntarget_days = { restore_faild = 3 }\n",
        )));
        assert_eq!(p.control("leaver-deprovisioning").target_days, Some(10));
        assert_eq!(
            p.control("leaver-deprovisioning")
                .target_days_by_reason
                .get("not_deprovisioned"),
            Some(&3)
        );
        assert_eq!(p.control("vendor-management").target_days, Some(45));
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message.contains("did you mean `restore_failed`?"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn scoping_out_with_a_reason() {
        let (p, d) = resolve(Some(&config(
            "[controls.backup-restore]\nenabled = false\nreason = \"no stored data\"\n",
        )));
        assert!(d.is_empty());
        assert!(!p.control("backup-restore").enabled);
        assert_eq!(
            p.control("backup-restore").reason.as_deref(),
            Some("no stored data")
        );
    }
}
