//! The report as SARIF 2.1.0, in the subset GitHub code scanning accepts: one rule per reason
//! code of every test in the report (`control/test/reason`, with the criteria, the reason's
//! meaning and the test's population from the catalog), and one result per deviation and reason
//! at the evidence's file and line. `docs/readings.md` ("SARIF") gives every choice.

use serde_json::{Value, json};

use super::ids::{relative_uri, uuid};
use super::{ControlOut, Report, TestOut};
use fieldcheck_controls::Status;

/// GitHub code scanning refuses a run with more results than this.
pub const MAX_RESULTS: usize = 25_000;
/// ... and keeps no more locations per result than this.
const MAX_LOCATIONS: usize = 1_000;
/// ... and shows at most 10 tags of a rule (20 are accepted).
const MAX_TAGS: usize = 10;

/// The report as SARIF (pretty JSON with a trailing newline). `prefix` is the kit folder as
/// given on the command line, so artifact URIs are relative to the repository it was run from.
pub fn render(r: &Report, prefix: &str) -> String {
    let mut rules: Vec<Value> = Vec::new();
    let mut index: Vec<(String, usize)> = Vec::new();
    for c in &r.controls {
        for t in &c.tests {
            for (code, meaning) in reasons(c, t) {
                let id = format!("{}/{}/{}", c.id, t.id, code);
                index.push((id.clone(), rules.len()));
                rules.push(rule(&id, c, t, &code, &meaning));
            }
        }
    }

    let mut results = Vec::new();
    let mut total = 0usize;
    for c in &r.controls {
        if c.status == Status::NotApplicable {
            continue;
        }
        for t in &c.tests {
            for d in &t.deviations {
                for code in &d.reasons {
                    total += 1;
                    if results.len() == MAX_RESULTS {
                        continue;
                    }
                    let id = format!("{}/{}/{}", c.id, t.id, code);
                    let rule_index = index.iter().find(|(i, _)| *i == id).map(|(_, n)| *n);
                    let mut locations: Vec<Value> = d
                        .evidence
                        .iter()
                        .map(|e| location(prefix, &e.file, e.line))
                        .collect();
                    if locations.is_empty() {
                        // GitHub needs a file: the config that names the control and its window.
                        locations.push(location(prefix, "fieldcheck.toml", 0));
                    }
                    let related: Vec<Value> = locations
                        .split_off(1)
                        .into_iter()
                        .take(MAX_LOCATIONS)
                        .enumerate()
                        .map(|(n, mut l)| {
                            l["id"] = json!(n + 1);
                            l["message"] = json!({ "text": "further evidence of this deviation" });
                            l
                        })
                        .collect();
                    let mut res = json!({
                        "ruleId": id,
                        "level": "error",
                        "kind": "fail",
                        "message": { "text": format!("{}: {}", d.item, d.detail) },
                        "locations": locations,
                        "partialFingerprints": {
                            // The same item failing the same way is one alert across runs.
                            "fieldcheckDeviation/v1": uuid(&[&r.org, &c.id, &t.id, code, &d.item]),
                        },
                        "properties": {
                            "item": d.item,
                            "reasons": d.reasons,
                            "conclusion": super::conclusion_label(c.conclusion),
                        },
                    });
                    if let Some(n) = rule_index {
                        res["ruleIndex"] = json!(n);
                    }
                    if !related.is_empty() {
                        res["relatedLocations"] = Value::Array(related);
                    }
                    results.push(res);
                }
            }
        }
    }

    let mut invocation = json!({ "executionSuccessful": true });
    if total > results.len() {
        invocation["toolExecutionNotifications"] = json!([{
            "level": "warning",
            "message": { "text": format!(
                "{total} deviation results, of which the first {MAX_RESULTS} are listed (GitHub code scanning refuses more in a run); the JSON report has them all"
            ) },
        }]);
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "fieldcheck",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            } },
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "org": r.org,
                "window": { "start": r.window.start, "end": r.window.end, "timezone": r.window.timezone },
                "results": total,
                "risk": r.summary.risk.to_string(),
            },
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("the log serializes");
    s.push('\n');
    s
}

/// The reason codes of a test and their meaning, in the catalog's order.
fn reasons(c: &ControlOut, t: &TestOut) -> Vec<(String, String)> {
    fieldcheck_controls::control_meta(&c.id)
        .and_then(|m| m.tests.iter().find(|x| x.id == t.id))
        .map(|m| m.reasons.clone())
        .unwrap_or_default()
}

fn rule(id: &str, c: &ControlOut, t: &TestOut, code: &str, meaning: &str) -> Value {
    let test = fieldcheck_controls::control_meta(&c.id)
        .and_then(|m| m.tests.iter().find(|x| x.id == t.id));
    let population = test.map(|m| m.population.as_str()).unwrap_or("");
    let request = test.map(|m| m.request.as_str()).unwrap_or("");
    let criteria = c.criteria.join(", ");
    let help = format!(
        "{title} ({criteria}). Test `{test}`: every item of the population ({population}) is checked; this reason means {meaning}. An auditor asks for {request}.",
        title = c.title,
        test = t.id,
    );
    let mut tags: Vec<&str> = vec!["soc2", "compliance"];
    tags.extend(c.criteria.iter().map(String::as_str));
    tags.push(&c.id);
    tags.truncate(MAX_TAGS);
    json!({
        "id": id,
        "name": code,
        "shortDescription": { "text": format!("{}: {meaning}", c.title) },
        "fullDescription": { "text": help },
        "help": { "text": help, "markdown": format!(
            "**{}** ({criteria})\n\nTest `{}`, reason `{code}`: {meaning}.\n\nPopulation: {population}.\n\nAn auditor asks for {request}.",
            c.title, t.id
        ) },
        "defaultConfiguration": { "level": "error" },
        "properties": {
            "tags": tags,
            "precision": "very-high",
            "criteria": c.criteria,
            "control": c.id,
            "test": t.id,
        },
    })
}

/// The evidence's file (and line, when there is one: never a `startLine` 0).
fn location(prefix: &str, file: &str, line: u32) -> Value {
    let mut physical = json!({ "artifactLocation": { "uri": relative_uri(prefix, file) } });
    if line >= 1 {
        physical["region"] = json!({ "startLine": line });
    }
    json!({ "physicalLocation": physical })
}
