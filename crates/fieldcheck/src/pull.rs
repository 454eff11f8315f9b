//! `fieldcheck pull` on the command line: runs the config's `[[collectors]]` into the kit's
//! `exports/` folder, says what it does, writes the `[[sources]]` entries that read the pulled
//! files (from `fieldcheck_engine::pull`), and (with `--locker`) stores the pull as a locker
//! collection.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use fieldcheck_engine::pull::{implementations, missing_impl, rel_to, sources_update, specs};
use fieldcheck_kit::{Diagnostic, Severity, count, did_you_mean, parse_config};
use fieldcheck_pull::stage::Stage;
use fieldcheck_pull::{CollectorSpec, Configured, PullTotals, Secret, Session};

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
    let text = fieldcheck_kit::fsafe::read_to_string(&config_path, None)
        .map_err(|r| fieldcheck_engine::config_refused(&config_path, &r))?;
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
            "{}: pulling {} from {}…",
            c.spec.name,
            count(c.spec.calls.len(), "call", "calls"),
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
        let bars = crate::progress::bars();
        let step = format!("pulling from {}", c.spec.system);
        fieldcheck_kit::Progress::start(
            bars,
            &step,
            c.spec.calls.len() as u64,
            fieldcheck_kit::Unit::Items,
        );
        session.set_progress(Box::new(|name: &str, o: &fieldcheck_pull::CallOutcome| {
            let mut line = format!(
                "{name}: {}: {}, {}",
                o.call,
                count(o.pages as usize, "page", "pages"),
                fieldcheck_engine::human_bytes(o.bytes)
            );
            if let Some(s) = &o.shortfall {
                let _ = write!(line, "\n  shortfall: {s}");
            }
            bars.suspend(|| err_line(&line));
            fieldcheck_kit::Progress::advance(bars, 1);
        }));
        let result = imp
            .pull(&mut session)
            .and_then(|()| session.write_records());
        fieldcheck_kit::Progress::finish(bars);
        match result {
            Ok(t) => {
                err_line(&format!(
                    "{}: {}, {}, {}, {}",
                    c.spec.name,
                    count(t.calls as usize, "call", "calls"),
                    count(t.pages as usize, "page", "pages"),
                    fieldcheck_engine::human_bytes(t.bytes),
                    count(t.files as usize, "file", "files")
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
        "pulled {} into `{}`: {}, {}, {}, {}",
        count(landed.len(), "collector", "collectors"),
        a.kit.join("exports").display(),
        count(total.calls as usize, "call", "calls"),
        count(total.pages as usize, "page", "pages"),
        fieldcheck_engine::human_bytes(total.bytes),
        count(total.files as usize, "file", "files")
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
