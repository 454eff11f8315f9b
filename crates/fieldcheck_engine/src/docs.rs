//! Reference docs generated from the code's own data: the kit's record kinds (from the schemas)
//! and the controls (from the catalog). `tests/docs.rs` keeps `docs/*.md` in step.

use std::fmt::Write;

use fieldcheck_controls::catalog;
use fieldcheck_kit::{Kind, Ty};

/// The field tables of every record kind.
pub fn kit_reference() -> String {
    let mut o = String::new();
    for k in Kind::ALL {
        let s = k.schema();
        let _ = writeln!(o, "### {}.csv / {}.jsonl", s.stem, s.stem);
        let _ = writeln!(o);
        if !s.key.is_empty() {
            let _ = writeln!(
                o,
                "Key: {} (unique within the file).",
                s.key
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(" + ")
            );
            let _ = writeln!(o);
        }
        let _ = writeln!(o, "| field | type | required? |");
        let _ = writeln!(o, "|---|---|---|");
        for f in s.fields {
            let ty = match f.ty {
                Ty::Enum(_) | Ty::Int(..) => f.ty.describe(),
                _ => format!("`{}`", f.ty.describe()),
            };
            let _ = writeln!(
                o,
                "| `{}` | {} | {} |",
                f.name,
                ty,
                if f.required {
                    "required"
                } else if f.expected {
                    "expected"
                } else {
                    ""
                }
            );
        }
        let _ = writeln!(o);
    }
    o
}

/// Every control with its tests, reasons and parameters.
pub fn controls_reference() -> String {
    let mut o = String::new();
    let t = fieldcheck_controls::default_thresholds();
    let _ = writeln!(o, "## The conclusion and its markers");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Any one marker makes a control with deviations `ineffective`; deviations without one are isolated: `effective_with_exceptions`. Defaults: `rate = {}`, `rate_min_population = {}`, `concentration_min_items = {}`, `concentration_share = {}`, `majority_below = {}`, `majority_share = {}`; set them per control with `[controls.<id>] markers = {{ rate = 0.10 }}`.",
        t.rate,
        t.rate_min_population,
        t.concentration_min_items,
        t.concentration_share,
        t.majority_below,
        t.majority_share
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "| marker | meaning |");
    let _ = writeln!(o, "|---|---|");
    for m in fieldcheck_controls::markers() {
        let _ = writeln!(o, "| `{}` | {} |", m.id, m.meaning);
    }
    let _ = writeln!(o);
    for (i, c) in catalog().iter().enumerate() {
        let _ = writeln!(o, "## {}. `{}`: {}", i + 1, c.id, c.title);
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "Criteria: {}. Evidence: {}.",
            c.criteria.join(", "),
            c.needs
                .iter()
                .map(|n| format!("`{n}.csv`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "In the exception register, its exceptions are due {} days after they are recorded (`target_days`).",
            c.target_days
        );
        for t in &c.tests {
            let _ = writeln!(o);
            let _ = writeln!(o, "### Test `{}` ({})", t.id, t.frequency);
            let _ = writeln!(o);
            let _ = writeln!(o, "Population: {}. Item key: `{}`.", t.population, t.item);
            let _ = writeln!(o);
            let _ = writeln!(o, "An auditor sampling an item asks for {}.", t.request);
            let _ = writeln!(o);
            let _ = writeln!(o, "| reason | meaning |");
            let _ = writeln!(o, "|---|---|");
            for (code, meaning) in &t.reasons {
                let _ = writeln!(o, "| `{code}` | {meaning} |");
            }
        }
        if !c.params.is_empty() {
            let _ = writeln!(o);
            let _ = writeln!(o, "| parameter | default | meaning |");
            let _ = writeln!(o, "|---|---|---|");
            for p in &c.params {
                let _ = writeln!(
                    o,
                    "| `{}` | `{}` | {} |",
                    p.name,
                    p.default,
                    p.doc.replace('|', "\\|")
                );
            }
        }
        let _ = writeln!(o);
    }
    o
}

/// Every source adapter: the export it reads, the kinds it makes, its options and an example.
pub fn sources_reference() -> String {
    sources_reference_of(fieldcheck_sources::adapters())
}

/// [`sources_reference`] of some adapters (`fieldcheck sources [NAME] --format markdown`).
pub fn sources_reference_of(adapters: &[&fieldcheck_sources::Adapter]) -> String {
    let mut o = String::new();
    for a in adapters {
        let s = a.spec;
        let _ = writeln!(o, "### `{}` ({})", s.name, s.system);
        let _ = writeln!(o);
        let _ = writeln!(o, "Reads {}.", s.reads.trim_end_matches('.'));
        let _ = writeln!(o);
        let produces = if s.produces.is_empty() {
            "the kind its `kind` option names".to_string()
        } else {
            s.produces
                .iter()
                .map(|k| format!("`{}`", k.csv_name()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            o,
            "Makes {produces}{}.",
            if s.needs_system {
                "; needs `system_id`"
            } else {
                ""
            }
        );
        let _ = writeln!(o);
        if !s.options.is_empty() {
            let _ = writeln!(o, "| option | type | meaning |");
            let _ = writeln!(o, "|---|---|---|");
            for opt in s.options {
                let _ = writeln!(
                    o,
                    "| `{}` | {} | {} |",
                    opt.name,
                    opt.ty.describe(),
                    opt.help.replace('|', "\\|")
                );
            }
            let _ = writeln!(o);
        }
        let _ = writeln!(o, "```toml\n{}\n```", s.example);
        let _ = writeln!(o);
    }
    o
}

/// The README's table of sources: one row per adapter with the export it reads.
pub fn sources_table() -> String {
    let mut o = String::from("| adapter | system | reads | makes |\n|---|---|---|---|\n");
    for a in fieldcheck_sources::adapters() {
        let s = a.spec;
        let produces = if s.produces.is_empty() {
            "any kind".to_string()
        } else {
            s.produces
                .iter()
                .map(|k| k.stem())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            o,
            "| `{}` | {} | {} | {} |",
            s.name,
            s.system,
            s.reads.replace('|', "\\|"),
            produces
        );
    }
    o
}

/// `fieldcheck controls --format json`: every control with its criteria, evidence, tests (their
/// populations, items, frequencies and reason codes) and parameters.
pub fn controls_json() -> serde_json::Value {
    let v: Vec<serde_json::Value> = catalog()
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id,
                    "title": c.title,
                    "criteria": c.criteria,
                    "evidence": c.needs.iter().map(|n| format!("{n}.csv")).collect::<Vec<_>>(),
                    "tests": c.tests.iter().map(|t| serde_json::json!({
                        "id": t.id,
                        "population": t.population,
                        "item": t.item,
                        "frequency": t.frequency,
                        "reasons": t.reasons.iter().map(|(code, meaning)| serde_json::json!({"code": code, "meaning": meaning})).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                    "parameters": c.params.iter().map(|p| serde_json::json!({
                        "name": p.name, "type": p.ty, "default": p.default, "meaning": p.doc,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
    serde_json::Value::Array(v)
}
