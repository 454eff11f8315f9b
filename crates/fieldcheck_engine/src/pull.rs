//! `fieldcheck pull`'s library side: the collectors this build can run, every collector's spec
//! (listed by `fieldcheck sources`), and the `[[sources]]` entries appended to the config so that
//! `audit` reads the pulled files. Running a pull and saying what it does is the caller's.

use std::fmt::Write as _;
use std::path::Path;

use fieldcheck_kit::{ConfigValue, Severity, parse_config};
use fieldcheck_pull::{Collector, CollectorSpec, Configured};

/// The collectors this build can run. The AWS collector is compiled in only with the `aws`
/// feature; its spec is listed either way.
pub fn implementations() -> Vec<&'static dyn Collector> {
    #[allow(unused_mut)]
    let mut v: Vec<&'static dyn Collector> = fieldcheck_pull::http_collectors();
    #[cfg(feature = "aws")]
    v.push(&fieldcheck_aws::AWS);
    v
}

/// Every collector's spec, built or not, in the order `fieldcheck sources` lists them.
pub fn specs() -> Vec<&'static CollectorSpec> {
    let mut v: Vec<&'static CollectorSpec> = fieldcheck_pull::http_collectors()
        .iter()
        .map(|c| c.spec())
        .collect();
    v.push(&fieldcheck_pull::aws_spec::AWS);
    v
}

/// Why this build cannot run a collector.
pub fn missing_impl(spec: &CollectorSpec) -> String {
    if spec.name == "aws" {
        "this fieldcheck was built without the `aws` collector (the AWS SDK is heavy to build): install it with `cargo install --path crates/fieldcheck --features aws`, or remove the `aws` collector".into()
    } else {
        format!("this build has no `{}` collector", spec.name)
    }
}

/// `path` relative to `base`, with `/`, when it is below it.
pub fn rel_to(base: &Path, path: &Path) -> Option<String> {
    let b = std::fs::canonicalize(base).ok()?;
    let p = std::fs::canonicalize(path.parent()?)
        .ok()?
        .join(path.file_name()?);
    let r = p.strip_prefix(&b).ok()?;
    Some(
        r.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// What the config needs so that `audit` reads the pulled files.
pub struct SourcesUpdate {
    /// The config's new text, when entries are added.
    pub text: Option<String>,
    /// `adapter (path)` of each entry added.
    pub added: Vec<String>,
    /// `adapter (line N)` of each entry already there.
    pub existing: Vec<String>,
    /// Notes for the user.
    pub warnings: Vec<String>,
}

/// A config value as TOML.
fn toml_value(v: &ConfigValue) -> String {
    match v {
        ConfigValue::Str(s) => toml_str(s),
        ConfigValue::Int(n) => n.to_string(),
        ConfigValue::Float(f) => f.to_string(),
        ConfigValue::Bool(b) => b.to_string(),
        ConfigValue::Array(a) => format!(
            "[{}]",
            a.iter().map(toml_value).collect::<Vec<_>>().join(", ")
        ),
        ConfigValue::Table(t) => format!(
            "{{ {} }}",
            t.iter()
                .map(|(k, v)| format!("{} = {}", toml_str(k), toml_value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ConfigValue::Other(_) => "\"\"".into(),
    }
}

fn toml_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(o, "\\u{:04X}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

pub fn sources_update(
    cfg: &fieldcheck_kit::Config,
    text: &str,
    shown: &str,
    landed: &[&Configured],
    kit: &Path,
    base: &Path,
) -> SourcesUpdate {
    let mut u = SourcesUpdate {
        text: None,
        added: Vec::new(),
        existing: Vec::new(),
        warnings: Vec::new(),
    };
    // The kit's folder as the config's paths name it.
    let kit_rel = if kit_is(base, kit) {
        String::new()
    } else {
        match rel_to(base, &kit.join("exports")) {
            Some(r) => r.trim_end_matches("exports").to_string(),
            None => format!(
                "{}/",
                std::fs::canonicalize(kit)
                    .unwrap_or_else(|_| kit.to_path_buf())
                    .display()
            ),
        }
    };
    let str_of = |s: &fieldcheck_kit::SourceSection, k: &str| match s.get(k).map(|e| &e.value) {
        Some(ConfigValue::Str(v)) => Some(v.clone()),
        _ => None,
    };
    let mut blocks = String::new();
    for c in landed {
        let entry = |k: &str| c.entries.iter().find(|e| e.key == k);
        for t in c.spec.sources {
            // The first folder of a source's path is the part of the system it reads (the AWS
            // service): a `services` list leaves the others unpulled, and a `systems` table that
            // is not the adapter's own option names their system.
            let part = t.path.split('/').next().unwrap_or_default();
            if let Some(ConfigValue::Array(list)) = entry("services").map(|e| &e.value)
                && !list
                    .iter()
                    .any(|v| matches!(v, ConfigValue::Str(s) if s == part))
            {
                continue;
            }
            let path = format!("{kit_rel}exports/{}/{}", c.spec.name, t.path);
            let same_adapter: Vec<&fieldcheck_kit::SourceSection> = cfg
                .sources
                .iter()
                .filter(|s| str_of(s, "adapter").as_deref() == Some(t.adapter))
                .collect();
            if let Some(s) = same_adapter
                .iter()
                .find(|s| str_of(s, "path").as_deref() == Some(path.as_str()))
            {
                u.existing
                    .push(format!("{} (line {})", t.adapter, s.at.line));
                continue;
            }
            for s in &same_adapter {
                u.warnings.push(format!(
                    "note: `{shown}` line {} also reads `{}` from `{}`: if that held a hand-saved export of what was pulled, remove it, or the same records are read twice",
                    s.at.line,
                    t.adapter,
                    str_of(s, "path").unwrap_or_default()
                ));
            }
            let _ = writeln!(
                blocks,
                "\n# Written by `fieldcheck pull`: the files the `{}` collector pulls.",
                c.spec.name
            );
            let _ = writeln!(blocks, "[[sources]]");
            let _ = writeln!(blocks, "adapter = {}", toml_str(t.adapter));
            let _ = writeln!(blocks, "path = {}", toml_str(&path));
            let own_system = match entry("systems").map(|e| &e.value) {
                Some(ConfigValue::Table(map)) if !t.options.contains(&"systems") => {
                    map.iter().find(|(k, _)| k == part).map(|(_, v)| v.clone())
                }
                _ => None,
            };
            if let Some(v) = own_system {
                let _ = writeln!(blocks, "system_id = {}", toml_value(&v));
            } else if let Some(e) = entry("system_id") {
                let _ = writeln!(blocks, "system_id = {}", toml_value(&e.value));
            }
            for k in t.options {
                if let Some(e) = entry(k) {
                    let _ = writeln!(blocks, "{k} = {}", toml_value(&e.value));
                }
            }
            let record = format!("{kit_rel}exports/{}/pull.json", c.spec.name);
            let _ = writeln!(blocks, "pulled = {}", toml_str(&record));
            let _ = writeln!(
                blocks,
                "pulled_calls = [{}]",
                t.calls
                    .iter()
                    .map(|c| toml_str(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            u.added.push(format!("{} (`{path}`)", t.adapter));
        }
    }
    if !blocks.is_empty() {
        let mut t = text.to_string();
        if !t.is_empty() && !t.ends_with('\n') {
            t.push('\n');
        }
        t.push_str(&blocks);
        // The new text must still be a valid config; if not, the user adds the entries.
        let (ok, d) = parse_config(shown, &t);
        if ok.is_some() && !d.iter().any(|d| d.severity == Severity::Error) {
            u.text = Some(t);
        } else {
            u.warnings.push(format!(
                "warning: adding the `[[sources]]` entries would make `{shown}` invalid, so it was not changed; add these yourself:\n{blocks}"
            ));
            u.added.clear();
        }
    }
    u
}

fn kit_is(base: &Path, kit: &Path) -> bool {
    match (std::fs::canonicalize(base), std::fs::canonicalize(kit)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `fieldcheck sources`: the collectors, as text.
pub fn collectors_text(only: Option<&str>) -> String {
    let mut s = String::new();
    let built: Vec<&str> = implementations().iter().map(|i| i.spec().name).collect();
    for spec in specs() {
        if only.is_some_and(|n| n != spec.name) {
            continue;
        }
        let _ = writeln!(
            s,
            "collector {} — {}{}",
            spec.name,
            spec.system,
            if built.contains(&spec.name) {
                ""
            } else {
                " (not in this build)"
            }
        );
        for c in spec.calls {
            let _ = writeln!(s, "  call {}: {}  [scope: {}]", c.name, c.request, c.scope);
        }
        for x in spec.secrets {
            let _ = writeln!(s, "  secret {}: {}", x.env, x.help);
        }
        if only.is_some() {
            for o in spec.options {
                let _ = writeln!(
                    s,
                    "  option `{}` ({}{}): {}",
                    o.name,
                    o.ty.describe(),
                    if o.required { ", required" } else { "" },
                    o.help
                );
            }
        }
        for t in spec.sources {
            let _ = writeln!(
                s,
                "  feeds: {} (`exports/{}/{}`)",
                t.adapter, spec.name, t.path
            );
        }
        let _ = writeln!(s, "  example:");
        for l in spec.example.lines() {
            let _ = writeln!(s, "    {l}");
        }
        let _ = writeln!(s);
    }
    s
}

/// `fieldcheck sources --format json`: the collectors.
pub fn collectors_json(only: Option<&str>) -> Vec<serde_json::Value> {
    let built: Vec<&str> = implementations().iter().map(|i| i.spec().name).collect();
    specs()
        .into_iter()
        .filter(|s| only.is_none_or(|n| n == s.name))
        .map(|spec| {
            serde_json::json!({
                "type": "collector",
                "name": spec.name,
                "system": spec.system,
                "built": built.contains(&spec.name),
                "calls": spec.calls.iter().map(|c| serde_json::json!({
                    "name": c.name, "request": c.request, "scope": c.scope, "events": c.events,
                })).collect::<Vec<_>>(),
                "secrets": spec.secrets.iter().map(|x| serde_json::json!({"env": x.env, "meaning": x.help})).collect::<Vec<_>>(),
                "options": spec.options.iter().map(|o| serde_json::json!({
                    "name": o.name, "type": o.ty.describe(), "required": o.required, "meaning": o.help,
                })).collect::<Vec<_>>(),
                "feeds": spec.sources.iter().map(|t| serde_json::json!({
                    "adapter": t.adapter, "path": format!("exports/{}/{}", spec.name, t.path),
                })).collect::<Vec<_>>(),
                "example": spec.example,
            })
        })
        .collect()
}

/// How `fieldcheck sources` prints its listing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Listing {
    Text,
    Json,
    Markdown,
}

/// `fieldcheck sources`: every adapter and collector, or one with its options, as text, JSON or
/// Markdown.
pub fn sources_listing(name: Option<&str>, format: Listing) -> anyhow::Result<String> {
    let json = format == Listing::Json;
    let all = fieldcheck_sources::adapters();
    let chosen: Vec<_> = match name {
        None => all.to_vec(),
        Some(n) => match fieldcheck_sources::adapter(n) {
            Some(a) => vec![a],
            None if specs().iter().any(|s| s.name == n) => Vec::new(),
            None => {
                let collectors = specs();
                let hint = fieldcheck_kit::did_you_mean(
                    n,
                    all.iter()
                        .map(|a| a.spec.name)
                        .chain(collectors.iter().map(|s| s.name)),
                )
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
                anyhow::bail!(
                    "there is no adapter `{n}`; {hint}the adapters are: {}",
                    all.iter()
                        .map(|a| a.spec.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        },
    };
    let kinds = |a: &fieldcheck_sources::Adapter| -> Vec<String> {
        if a.spec.produces.is_empty() {
            vec!["the kind its `kind` names".to_string()]
        } else {
            a.spec.produces.iter().map(|k| k.csv_name()).collect()
        }
    };
    if json {
        let v: Vec<serde_json::Value> = chosen
            .iter()
            .map(|a| {
                serde_json::json!({
                    "name": a.spec.name,
                    "system": a.spec.system,
                    "reads": a.spec.reads,
                    "produces": kinds(a),
                    "needs_system_id": a.spec.needs_system,
                    "options": a.spec.options.iter().map(|o| serde_json::json!({"name": o.name, "type": o.ty.describe(), "meaning": o.help})).collect::<Vec<_>>(),
                    "example": a.spec.example,
                    "type": "adapter",
                })
            })
            .chain(collectors_json(name))
            .collect();
        return Ok(format!("{}\n", serde_json::to_string_pretty(&v)?));
    }
    if format == Listing::Markdown {
        let mut s = String::new();
        if !chosen.is_empty() {
            let _ = writeln!(s, "## Source adapters\n");
            s.push_str(&crate::docs::sources_reference_of(&chosen));
        }
        if name.is_none() || chosen.is_empty() {
            let _ = writeln!(s, "## Collectors\n\n```text\n{}```", collectors_text(name));
        }
        return Ok(s);
    }
    let mut s = String::new();
    for a in &chosen {
        let _ = writeln!(s, "{} — {}", a.spec.name, a.spec.system);
        let _ = writeln!(s, "  reads:    {}", a.spec.reads);
        let _ = writeln!(s, "  produces: {}", kinds(a).join(", "));
        if a.spec.needs_system {
            let _ = writeln!(
                s,
                "  needs:    `system_id` (the system its records belong to)"
            );
        }
        if name.is_some() {
            for o in a.spec.options {
                let _ = writeln!(s, "  option `{}` ({}): {}", o.name, o.ty.describe(), o.help);
            }
        }
        let _ = writeln!(s, "  example:");
        for l in a.spec.example.lines() {
            let _ = writeln!(s, "    {l}");
        }
        let _ = writeln!(s);
    }
    if name.is_none() || chosen.is_empty() {
        s.push_str(&collectors_text(name));
    }
    if name.is_none() {
        let _ = writeln!(
            s,
            "`fieldcheck sources NAME` shows an adapter's or a collector's options; every source takes `path` (a file or glob relative to the config), `system_id` and `timezone`; `fieldcheck pull` runs the `[[collectors]]` (secrets from the environment or `[pull] secrets`, never the config)."
        );
    }
    Ok(s)
}
