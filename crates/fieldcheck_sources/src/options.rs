//! A `[[sources]]` entry's keys, validated against the adapter's [`Spec`] with diagnostics that
//! point at the config line.

use std::collections::BTreeMap;

use fieldcheck_kit::{ConfigValue, Diagnostic, Entry, Place, SourceSection, did_you_mean};

use crate::spec::{OptTy, Spec};

/// Keys every source takes.
pub const COMMON: &[&str] = &[
    "adapter",
    "path",
    "system_id",
    "timezone",
    "cadence",
    "pulled",
    "pulled_calls",
];

/// A source's options, validated.
#[derive(Debug, Clone, Default)]
pub struct Options {
    values: BTreeMap<String, ConfigValue>,
    places: BTreeMap<String, Place>,
}

pub(crate) fn at(d: Diagnostic, file: &str, p: &Place) -> Diagnostic {
    d.file(file.to_string())
        .line(p.line)
        .column(p.column)
        .snippet(p.snippet.clone(), p.width.max(1))
}

impl Options {
    /// Validates `section`'s adapter options against `spec`; bad ones are reported and dropped.
    pub fn parse(
        section: &SourceSection,
        spec: &Spec,
        config: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Options {
        let mut o = Options::default();
        for e in &section.entries {
            if COMMON.contains(&e.key.as_str()) {
                continue;
            }
            let Some(os) = spec.options.iter().find(|os| os.name == e.key) else {
                let names: Vec<&str> = spec
                    .options
                    .iter()
                    .map(|o| o.name)
                    .chain(COMMON.iter().copied())
                    .collect();
                let help = match did_you_mean(&e.key, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if spec.options.is_empty() => format!(
                        "`{}` takes no options besides `path`, `system_id` and `timezone`",
                        spec.name
                    ),
                    None => format!(
                        "the options of `{}` are: {}",
                        spec.name,
                        spec.options
                            .iter()
                            .map(|o| format!("`{}`", o.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                diags.push(
                    at(
                        Diagnostic::error(
                            fieldcheck_kit::Code::SourceUnknownOption,
                            format!("`{}` has no option `{}`", spec.name, e.key),
                        ),
                        config,
                        &e.key_at,
                    )
                    .help(help),
                );
                continue;
            };
            if let Some(v) = check(e, os.ty) {
                o.values.insert(e.key.clone(), v);
                o.places.insert(e.key.clone(), e.value_at.clone());
            } else {
                diags.push(
                    at(
                        Diagnostic::error(
                            fieldcheck_kit::Code::SourceInvalidOption,
                            format!(
                                "`{}` must be {}, not {}",
                                e.key,
                                os.ty.describe(),
                                e.value.type_name()
                            ),
                        ),
                        config,
                        &e.value_at,
                    )
                    .help(os.help),
                );
            }
        }
        o
    }

    /// Options from `(key, value)` pairs, unchecked (for tests and built-in uses).
    pub fn from_pairs(pairs: &[(&str, ConfigValue)]) -> Options {
        let mut o = Options::default();
        for (k, v) in pairs {
            o.values.insert(k.to_string(), v.clone());
        }
        o
    }

    /// A string option.
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.values.get(key)? {
            ConfigValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A list option (a single string counts as a list of one).
    pub fn list(&self, key: &str) -> Vec<String> {
        match self.values.get(key) {
            Some(ConfigValue::Str(s)) => vec![s.clone()],
            Some(ConfigValue::Array(a)) => a
                .iter()
                .filter_map(|v| match v {
                    ConfigValue::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A map option, in file order.
    pub fn map(&self, key: &str) -> Vec<(String, String)> {
        match self.values.get(key) {
            Some(ConfigValue::Table(t)) => t
                .iter()
                .filter_map(|(k, v)| match v {
                    ConfigValue::Str(s) => Some((k.clone(), s.clone())),
                    ConfigValue::Int(n) => Some((k.clone(), n.to_string())),
                    ConfigValue::Bool(b) => Some((k.clone(), b.to_string())),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A boolean option.
    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.values.get(key)? {
            ConfigValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// An integer option.
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.values.get(key)? {
            ConfigValue::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// A raw option value.
    pub fn value(&self, key: &str) -> Option<&ConfigValue> {
        self.values.get(key)
    }

    /// Where an option's value is written.
    pub fn place(&self, key: &str) -> Option<&Place> {
        self.places.get(key)
    }
}

fn check(e: &Entry, ty: OptTy) -> Option<ConfigValue> {
    let v = &e.value;
    let ok = match (ty, v) {
        (OptTy::Str, ConfigValue::Str(_)) => true,
        (OptTy::List, ConfigValue::Str(_)) => true,
        (OptTy::List, ConfigValue::Array(a)) => a.iter().all(|x| matches!(x, ConfigValue::Str(_))),
        (OptTy::Map, ConfigValue::Table(t)) => t.iter().all(|(_, x)| {
            matches!(
                x,
                ConfigValue::Str(_) | ConfigValue::Int(_) | ConfigValue::Bool(_)
            )
        }),
        (OptTy::Bool, ConfigValue::Bool(_)) => true,
        (OptTy::Int, ConfigValue::Int(_)) => true,
        (OptTy::Table, ConfigValue::Table(_)) => true,
        _ => false,
    };
    ok.then(|| v.clone())
}
