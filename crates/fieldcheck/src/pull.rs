//! `fieldcheck pull`: runs the config's `[[collectors]]` into the kit's `exports/` folder, writes
//! the `[[sources]]` entries that read the pulled files, and (with `--locker`) stores the pull as
//! a locker collection.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use fieldcheck_kit::{ConfigValue, Diagnostic, Severity, did_you_mean, parse_config};
use fieldcheck_pull::stage::Stage;
use fieldcheck_pull::{Collector, CollectorSpec, Configured, PullTotals, Secret, Session};

/// The collectors this build can run. The AWS collector is compiled in only with the `aws`
/// feature; its spec is listed either way.
pub(crate) fn implementations() -> Vec<&'static dyn Collector> {
    #[allow(unused_mut)]
    let mut v: Vec<&'static dyn Collector> = fieldcheck_pull::http_collectors();
    #[cfg(feature = "aws")]
    v.push(&fieldcheck_aws::AWS);
    v
}

/// Every collector's spec, built or not, in the order `fieldcheck sources` lists them.
pub(crate) fn specs() -> Vec<&'static CollectorSpec> {
    let mut v: Vec<&'static CollectorSpec> = fieldcheck_pull::http_collectors()
        .iter()
        .map(|c| c.spec())
        .collect();
    v.push(&fieldcheck_pull::aws_spec::AWS);
    v
}

/// `fieldcheck pull`'s arguments.
pub(crate) struct PullArgs<'a> {
    pub kit: &'a Path,
    pub config: Option<&'a Path>,
    pub only: &'a [String],
    pub dry_run: bool,
    pub locker: Option<&'a Path>,
    pub sign: Option<&'a Path>,
}

fn err_line(text: &str) {
    let mut err = anstream::stderr();
    let _ = writeln!(err, "{text}");
}

fn render(diags: &[Diagnostic]) {
    if !diags.is_empty() {
        let mut err = anstream::stderr();
        let _ = err.write_all(crate::diagnostics::render_all(diags).as_bytes());
    }
}

pub(crate) fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{n} bytes"),
    }
}

/// `fieldcheck pull`.
pub(crate) fn pull_command(a: &PullArgs<'_>) -> anyhow::Result<u8> {
    if !a.kit.is_dir() {
        anyhow::bail!(
            "`{}` is not a folder; give the evidence kit folder (with fieldcheck.toml and its `[[collectors]]`)",
            a.kit.display()
        );
    }
    // The kit's pull lock first, and what an interrupted pull left finished or removed, before
    // the config is read (an interrupted pull may have its config update still to write).
    let stage = if a.dry_run { None } else { Some(begin(a.kit)?) };
    let config_path = a
        .config
        .map_or_else(|| a.kit.join("fieldcheck.toml"), Path::to_path_buf);
    let text = fieldcheck_kit::fsafe::read_to_string(&config_path, None).map_err(|r| {
        anyhow::anyhow!(
            "the config `{}` {}; {}",
            config_path.display(),
            r.describe(),
            r.help()
        )
    })?;
    let shown = config_path.display().to_string();
    let (cfg, mut diags) = parse_config(&shown, &text);
    let specs = specs();
    let configured = match &cfg {
        Some(c) => {
            let (configured, more) =
                fieldcheck_pull::check_collectors(&c.collectors, &shown, &specs);
            diags.extend(more);
            configured
        }
        None => Vec::new(),
    };
    // Secret-looking keys are refused wherever they are, even when the rest does not parse.
    let has_error = diags.iter().any(|d| d.severity == Severity::Error);
    render(&diags);
    let Some(cfg) = cfg.filter(|_| !has_error) else {
        err_line("the config has errors; nothing was pulled");
        return Ok(2);
    };
    if configured.is_empty() {
        let examples: String = specs
            .iter()
            .take(1)
            .map(|s| s.example.to_string())
            .collect();
        anyhow::bail!(
            "the config `{shown}` has no `[[collectors]]`; add one, for example:\n\n{examples}\n\n`fieldcheck sources` lists the collectors"
        );
    }
    let mut chosen: Vec<Configured> = Vec::new();
    for name in a.only {
        match configured.iter().find(|c| c.spec.name == name.as_str()) {
            Some(c) => chosen.push(c.clone()),
            None => {
                let names: Vec<&str> = configured.iter().map(|c| c.spec.name).collect();
                let hint = did_you_mean(name, names.iter().copied())
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                anyhow::bail!(
                    "`--only {name}`: the config has no `{name}` collector; {hint}it configures: {}",
                    names.join(", ")
                );
            }
        }
    }
    if a.only.is_empty() {
        chosen = configured;
    }
    let impls = implementations();
    let now = crate::register::now()?;
    let window = (cfg.window.start_ts, cfg.window.end_ts);
    let no_secrets = BTreeMap::new();
    if a.dry_run {
        let mut o = String::new();
        for c in &chosen {
            let session = Session::new(
                c.spec,
                &c.entries,
                &no_secrets,
                PathBuf::new(),
                format!("exports/{}", c.spec.name),
                now,
                window,
            );
            let plan = match impls.iter().find(|i| i.spec().name == c.spec.name) {
                Some(i) => i.plan(&session),
                None => fieldcheck_pull::spec_plan(c.spec),
            };
            let _ = writeln!(
                o,
                "{} ({}): {} calls",
                c.spec.name,
                c.spec.system,
                plan.len()
            );
            for p in &plan {
                let params = p
                    .params
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                let _ = writeln!(o, "  {}: {}", p.call, p.request);
                if !params.is_empty() {
                    let _ = writeln!(o, "    params: {params}");
                }
                let _ = writeln!(o, "    scope:  {}", p.scope);
            }
            for s in c.spec.secrets {
                let _ = writeln!(o, "  secret: {} ({})", s.env, s.help);
            }
            if !impls.iter().any(|i| i.spec().name == c.spec.name) {
                let _ = writeln!(o, "  (this build cannot run it: {})", missing_impl(c.spec));
            }
        }
        let _ = writeln!(o, "dry run: nothing was requested or written");
        crate::out(&o, false);
        return Ok(0);
    }
    for c in &chosen {
        if !impls.iter().any(|i| i.spec().name == c.spec.name) {
            anyhow::bail!("{}", missing_impl(c.spec));
        }
    }
    let Some(stage) = stage else {
        unreachable!("staged unless a dry run")
    };
    // The secrets: the environment, else the secrets file. Checked before anything is staged.
    let base = fieldcheck_engine::config_dir(&config_path).to_path_buf();
    let secrets_file = cfg.pull_secrets.as_ref().map(|(f, _)| base.join(f));
    let secret_specs: Vec<&'static CollectorSpec> = chosen.iter().map(|c| c.spec).collect();
    let secrets: BTreeMap<String, Secret> = match fieldcheck_pull::secrets::load(
        &secret_specs,
        secrets_file
            .as_deref()
            .map(|p| (p, cfg.pull_secrets.as_ref().map_or("", |(f, _)| f.as_str()))),
        &|k| std::env::var(k).ok(),
    ) {
        Ok(s) => s,
        Err(e) => {
            let at = cfg
                .pull_secrets
                .as_ref()
                .map(|(_, p)| format!("{shown}:{}:{}: ", p.line, p.column))
                .unwrap_or_default();
            err_line(&format!("error[pull-secrets-file]: {at}{}", e.message));
            err_line(&format!("  help: {}", e.help));
            err_line("nothing was pulled");
            return Ok(2);
        }
    };
    let mut missing = Vec::new();
    for c in &chosen {
        for s in c.spec.secrets {
            if !secrets.contains_key(s.env) {
                missing.push(format!(
                    "`{}` for the `{}` collector ({})",
                    s.env, c.spec.name, s.help
                ));
            }
        }
    }
    if !missing.is_empty() {
        for m in &missing {
            err_line(&format!("error[pull-secret-missing]: no {m}"));
        }
        err_line(&format!(
            "  help: export each in the environment, or put `NAME = \"...\"` lines in a file of mode 0600 named by `[pull] secrets` in {shown} (never in the config itself)"
        ));
        err_line("nothing was pulled");
        return Ok(2);
    }
    let mut landed: Vec<&'static str> = Vec::new();
    let mut failed = 0;
    let mut total = PullTotals::default();
    for c in &chosen {
        let imp = impls
            .iter()
            .find(|i| i.spec().name == c.spec.name)
            .expect("checked above");
        err_line(&format!(
            "{}: pulling {} call{} from {}…",
            c.spec.name,
            c.spec.calls.len(),
            if c.spec.calls.len() == 1 { "" } else { "s" },
            c.spec.system
        ));
        let dir = stage.collector_dir(c.spec.name);
        let mut session = Session::new(
            c.spec,
            &c.entries,
            &secrets,
            dir.clone(),
            format!("exports/{}", c.spec.name),
            now,
            window,
        );
        session.set_progress(Box::new(|name: &str, o: &fieldcheck_pull::CallOutcome| {
            let mut line = format!(
                "{name}: {}: {} page{}, {}",
                o.call,
                o.pages,
                if o.pages == 1 { "" } else { "s" },
                human_bytes(o.bytes)
            );
            if let Some(s) = &o.shortfall {
                let _ = write!(line, "\n  shortfall: {s}");
            }
            err_line(&line);
        }));
        let result = imp
            .pull(&mut session)
            .and_then(|()| session.write_records());
        match result {
            Ok(t) => {
                err_line(&format!(
                    "{}: {} calls, {} pages, {}, {} files",
                    c.spec.name,
                    t.calls,
                    t.pages,
                    human_bytes(t.bytes),
                    t.files
                ));
                total.calls += t.calls;
                total.pages += t.pages;
                total.bytes += t.bytes;
                total.files += t.files;
                landed.push(c.spec.name);
            }
            Err(e) => {
                failed += 1;
                err_line(&format!("error[pull-failed]: {e}"));
                if let Some(h) = e.help() {
                    err_line(&format!("  help: {h}"));
                }
                err_line(&format!(
                    "  nothing of the `{}` collector reached the kit; `exports/{}/` is as it was",
                    c.spec.name, c.spec.name
                ));
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
    }
    if landed.is_empty() {
        let _ = stage.abandon();
        err_line("nothing was pulled; the kit is as it was");
        return Ok(2);
    }
    let landed_specs: Vec<&Configured> = chosen
        .iter()
        .filter(|c| landed.contains(&c.spec.name))
        .collect();
    let update = sources_update(&cfg, &text, &shown, &landed_specs, a.kit, &base);
    for w in &update.warnings {
        err_line(w);
    }
    let new_text = update.text.as_deref();
    if let Err(e) = stage.commit(&landed, new_text.map(|t| (config_path.as_path(), t))) {
        anyhow::bail!(
            "cannot move the pulled files into `{}`: {e}; the kit is as it was (or, if this stopped after the swap, the next pull finishes it)",
            a.kit.join("exports").display()
        );
    }
    err_line(&format!(
        "pulled {} collector{} into `{}`: {} calls, {} pages, {}, {} files",
        landed.len(),
        if landed.len() == 1 { "" } else { "s" },
        a.kit.join("exports").display(),
        total.calls,
        total.pages,
        human_bytes(total.bytes),
        total.files
    ));
    if update.added.is_empty() {
        err_line(&format!(
            "the config `{shown}` already reads the pulled files ({})",
            update.existing.join(", ")
        ));
    } else {
        err_line(&format!(
            "added {} `[[sources]]` entr{} to `{shown}`: {}",
            update.added.len(),
            if update.added.len() == 1 { "y" } else { "ies" },
            update.added.join(", ")
        ));
    }
    if let Some(dir) = a.locker {
        let extra = landed
            .iter()
            .flat_map(|c| ["retrieval.jsonl", "pull.json"].map(|f| (c, f)))
            .filter_map(|(c, f)| {
                let path = a.kit.join("exports").join(c).join(f);
                let name = rel_to(&base, &path)?;
                Some(fieldcheck_locker::Incoming {
                    source: "retrieval".into(),
                    system_id: None,
                    name,
                    path,
                })
            })
            .collect();
        let code = crate::locker::collect_with(a.kit, a.config, Some(dir), a.sign, extra)?;
        if code != 0 {
            return Ok(code);
        }
    }
    err_line(&format!(
        "audit it with: fieldcheck audit {}",
        a.kit.display()
    ));
    Ok(if failed > 0 { 2 } else { 0 })
}

fn begin(kit: &Path) -> anyhow::Result<Stage> {
    let (stage, recovered) = Stage::begin(kit, &|| {
        err_line(&format!(
            "waiting for another pull into `{}` to finish…",
            kit.display()
        ))
    })
    .map_err(|e| anyhow::anyhow!("cannot stage the pull in `{}`: {e}", kit.display()))?;
    for r in &recovered.removed {
        err_line(&format!(
            "removed `{r}`, left by an interrupted pull (nothing of it had reached the kit)"
        ));
    }
    for r in &recovered.finished {
        err_line(&format!(
            "finished `{r}`, an interrupted pull whose files had reached the kit (its config update is now written)"
        ));
    }
    Ok(stage)
}

fn missing_impl(spec: &CollectorSpec) -> String {
    if spec.name == "aws" {
        "this fieldcheck was built without the `aws` collector (the AWS SDK is heavy to build): install it with `cargo install --path crates/fieldcheck --features aws`, or remove the `aws` collector".into()
    } else {
        format!("this build has no `{}` collector", spec.name)
    }
}

/// `path` relative to `base`, with `/`, when it is below it.
fn rel_to(base: &Path, path: &Path) -> Option<String> {
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
struct SourcesUpdate {
    /// The config's new text, when entries are added.
    text: Option<String>,
    /// `adapter (path)` of each entry added.
    added: Vec<String>,
    /// `adapter (line N)` of each entry already there.
    existing: Vec<String>,
    /// Notes for the user.
    warnings: Vec<String>,
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

fn sources_update(
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
pub(crate) fn collectors_text(only: Option<&str>) -> String {
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
pub(crate) fn collectors_json(only: Option<&str>) -> Vec<serde_json::Value> {
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
