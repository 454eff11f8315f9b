//! `[[collectors]]` entries, validated against the collectors' specs with diagnostics that point
//! at the config line. A key that looks like a secret is refused: secrets never go in
//! `fieldcheck.toml`.

use fieldcheck_kit::{ConfigValue, Diagnostic, Entry, Place, SourceSection, did_you_mean};

use crate::spec::{CollectorSpec, OptTy};

/// Keys every `[[collectors]]` entry takes besides its collector's options.
pub const COMMON: &[&str] = &["collector"];

/// A `[[collectors]]` entry whose collector is known and whose options are valid.
#[derive(Debug, Clone)]
pub struct Configured {
    /// The collector.
    pub spec: &'static CollectorSpec,
    /// The entry's keys as written (options, with their places).
    pub entries: Vec<Entry>,
    /// Where the `[[collectors]]` header is.
    pub at: Place,
}

fn at(d: Diagnostic, file: &str, p: &Place) -> Diagnostic {
    d.file(file.to_string())
        .line(p.line)
        .column(p.column)
        .snippet(p.snippet.clone(), p.width.max(1))
}

/// Whether a key names a secret (`token`, `api_key`, `client_secret`, `password`...).
pub fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "token",
        "secret",
        "password",
        "passwd",
        "api_key",
        "apikey",
        "private_key",
    ]
    .iter()
    .any(|w| k.contains(w))
}

fn type_ok(v: &ConfigValue, ty: OptTy) -> bool {
    match (ty, v) {
        (OptTy::Str, ConfigValue::Str(_)) | (OptTy::Bool, ConfigValue::Bool(_)) => true,
        (OptTy::Int, ConfigValue::Int(_)) => true,
        (OptTy::List, ConfigValue::Str(_)) => true,
        (OptTy::List, ConfigValue::Array(a)) => a.iter().all(|x| matches!(x, ConfigValue::Str(_))),
        (OptTy::Map, ConfigValue::Table(t)) => {
            t.iter().all(|(_, x)| matches!(x, ConfigValue::Str(_)))
        }
        _ => false,
    }
}

/// Validates the `[[collectors]]` entries of the config `file` against `specs`. Returns the
/// valid entries (in file order) and a diagnostic for every problem; an entry with an error is
/// left out.
pub fn check_collectors(
    sections: &[SourceSection],
    file: &str,
    specs: &[&'static CollectorSpec],
) -> (Vec<Configured>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut out: Vec<Configured> = Vec::new();
    for section in sections {
        let before = diags.len();
        // A secret in the config is refused first, and its value is never shown.
        for e in &section.entries {
            if looks_secret(&e.key) {
                let shown_to =
                    (e.key_at.column as usize - 1 + e.key.len()).min(e.key_at.snippet.len());
                let redacted = format!(
                    "{} = <redacted>",
                    e.key_at.snippet.get(..shown_to).unwrap_or(&e.key)
                );
                diags.push(
                    Diagnostic::error(
                        fieldcheck_kit::Code::CollectorSecretInConfig,
                        format!(
                            "`{}` looks like a secret; secrets never go in the config",
                            e.key
                        ),
                    )
                    .file(file.to_string())
                    .line(e.key_at.line)
                    .column(e.key_at.column)
                    .snippet(redacted, e.key.len() as u32)
                    .help("remove the line (and revoke the credential if the file was shared); give it as an environment variable or in the secrets file named by `[pull] secrets` (mode 0600): `fieldcheck sources` names each collector's variables"),
                );
            }
        }
        let name = match section.get("collector") {
            None => {
                diags.push(
                    at(
                        Diagnostic::error(
                            fieldcheck_kit::Code::CollectorInvalid,
                            "a `[[collectors]]` entry has no `collector`",
                        ),
                        file,
                        &section.at,
                    )
                    .help(format!(
                        "add `collector = \"...\"`, one of: {}",
                        specs.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
                    )),
                );
                continue;
            }
            Some(e) => match &e.value {
                ConfigValue::Str(s) => (s.as_str(), e),
                other => {
                    diags.push(
                        at(
                            Diagnostic::error(
                                fieldcheck_kit::Code::CollectorInvalid,
                                format!("`collector` must be a string, not {}", other.type_name()),
                            ),
                            file,
                            &e.value_at,
                        )
                        .help("write it as `collector = \"okta\"`"),
                    );
                    continue;
                }
            },
        };
        let (name, name_entry) = name;
        let Some(spec) = specs.iter().copied().find(|s| s.name == name) else {
            let help = match did_you_mean(name, specs.iter().map(|s| s.name)) {
                Some(s) => format!("did you mean `{s}`? `fieldcheck sources` lists the collectors"),
                None => format!(
                    "the collectors are: {}; `fieldcheck sources` lists them",
                    specs.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
                ),
            };
            diags.push(
                at(
                    Diagnostic::error(
                        fieldcheck_kit::Code::CollectorUnknown,
                        format!("there is no collector `{name}`"),
                    ),
                    file,
                    &name_entry.value_at,
                )
                .help(help),
            );
            continue;
        };
        for e in &section.entries {
            if COMMON.contains(&e.key.as_str()) || looks_secret(&e.key) {
                continue;
            }
            let Some(os) = spec.options.iter().find(|o| o.name == e.key) else {
                let names = spec.options.iter().map(|o| o.name);
                let help = match did_you_mean(&e.key, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if spec.options.is_empty() => {
                        format!("`{}` takes no options", spec.name)
                    }
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
                            fieldcheck_kit::Code::CollectorUnknownOption,
                            format!("the `{}` collector has no option `{}`", spec.name, e.key),
                        ),
                        file,
                        &e.key_at,
                    )
                    .help(help),
                );
                continue;
            };
            if !type_ok(&e.value, os.ty) {
                diags.push(
                    at(
                        Diagnostic::error(
                            fieldcheck_kit::Code::CollectorInvalidOption,
                            format!(
                                "`{}` must be {}, not {}",
                                e.key,
                                os.ty.describe(),
                                e.value.type_name()
                            ),
                        ),
                        file,
                        &e.value_at,
                    )
                    .help(os.help),
                );
            }
        }
        for os in spec.options.iter().filter(|o| o.required) {
            if section.get(os.name).is_none() {
                diags.push(
                    at(
                        Diagnostic::error(
                            fieldcheck_kit::Code::CollectorMissingOption,
                            format!("the `{}` collector needs `{}`", spec.name, os.name),
                        ),
                        file,
                        &section.at,
                    )
                    .help(format!("add `{} = ...`: {}", os.name, os.help)),
                );
            }
        }
        // A collector that takes both a `domain` and a `base_url` needs one of them.
        let takes = |k: &str| spec.options.iter().any(|o| o.name == k);
        if takes("domain")
            && takes("base_url")
            && section.get("domain").is_none()
            && section.get("base_url").is_none()
        {
            diags.push(
                at(
                    Diagnostic::error(
                        fieldcheck_kit::Code::CollectorMissingOption,
                        format!(
                            "the `{}` collector needs `domain` (or `base_url`)",
                            spec.name
                        ),
                    ),
                    file,
                    &section.at,
                )
                .help("add `domain = \"...\"`: the organisation's API host"),
            );
        }
        if let Some(prev) = out.iter().find(|c| c.spec.name == spec.name) {
            diags.push(
                at(
                    Diagnostic::error(
                        fieldcheck_kit::Code::CollectorDuplicate,
                        format!(
                            "the `{}` collector is configured twice (first at line {}); its files go to `exports/{}/`, which one pull fills",
                            spec.name, prev.at.line, spec.name
                        ),
                    ),
                    file,
                    &section.at,
                )
                .help("keep one `[[collectors]]` entry per collector"),
            );
            continue;
        }
        if diags.len() == before {
            out.push(Configured {
                spec,
                entries: section.entries.clone(),
                at: section.at.clone(),
            });
        }
    }
    (out, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(extra: &str) -> Vec<Diagnostic> {
        let text = format!(
            "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-12-31\"\n[[collectors]]\n{extra}"
        );
        let (cfg, d) = fieldcheck_kit::parse_config("fieldcheck.toml", &text);
        assert!(d.is_empty(), "{d:?}");
        check_collectors(
            &cfg.expect("config").collectors,
            "fieldcheck.toml",
            &[&crate::collectors::okta::SPEC],
        )
        .1
    }

    fn codes(d: &[Diagnostic]) -> Vec<&str> {
        d.iter().map(|d| d.code.as_str()).collect()
    }

    #[test]
    fn a_valid_entry_has_no_diagnostic() {
        assert!(check("collector = \"okta\"\ndomain = \"acme.okta.com\"\nsystem_id = \"okta\"\nservice_accounts = \"svc-*\"\n").is_empty());
    }

    #[test]
    fn every_mistake_is_named_at_its_place() {
        let d = check("collector = \"okta\"\ndomian = \"acme.okta.com\"\nsystem_id = 7\n");
        assert_eq!(
            codes(&d),
            vec![
                "collector-unknown-option",
                "collector-invalid-option",
                "collector-missing-option"
            ]
        );
        assert_eq!((d[0].line, d[0].column), (Some(9), Some(1)));
        assert!(
            d[0].help
                .as_deref()
                .is_some_and(|h| h.contains("did you mean `domain`?"))
        );
        let d = check("collector = \"okat\"\n");
        assert_eq!(codes(&d), vec!["collector-unknown"]);
        assert!(
            d[0].help
                .as_deref()
                .is_some_and(|h| h.contains("did you mean `okta`?"))
        );
        assert_eq!(codes(&check("domain = \"x\"\n")), vec!["collector-invalid"]);
    }

    #[test]
    fn a_secret_is_refused_and_never_shown() {
        let d = check(
            "collector = \"okta\"\ndomain = \"acme.okta.com\"\nsystem_id = \"okta\"\napi_token = \"SECRET-VALUE-123\"\n",
        );
        assert_eq!(codes(&d), vec!["collector-secret-in-config"]);
        assert_eq!(d[0].line, Some(11));
        let shown = format!("{d:?}");
        assert!(!shown.contains("SECRET-VALUE-123"), "{shown}");
        assert!(
            looks_secret("client_secret")
                && looks_secret("password")
                && !looks_secret("service_accounts")
        );
    }
}
