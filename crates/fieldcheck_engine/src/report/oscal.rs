//! The report as NIST OSCAL assessment results (JSON), for an auditor's or a GRC platform's
//! tooling: one result for the window, a finding per test, an observation per deviation, the
//! Trust Services Criteria as the reviewed controls. Valid against the OSCAL 1.0.6 schema and
//! loaded by compliance-trestle (whose models are OSCAL 1.2.1); `docs/readings.md` ("OSCAL assessment results")
//! gives every choice.
//!
//! Deterministic: the ids are version 5 UUIDs of stable names (org, window, control, test, item)
//! and the only times are the window's and the locker's, so the same kit gives the same bytes.

use fieldcheck_controls::Status;
use serde_json::{Value, json};

use super::ids::{relative_uri, uuid};
use super::{ControlOut, DeviationOut, Report, TestOut, verdict};

/// The OSCAL version the document declares: the schema it is checked against. It uses only what
/// 1.0.6 and 1.2.1 share, so compliance-trestle (whose models are 1.2.1) loads it as well.
pub const OSCAL_VERSION: &str = "1.0.6";

/// The namespace of fieldcheck's own properties.
const NS: &str = "urn:fieldcheck";

/// What the assessment plan is: fieldcheck has none in OSCAL; the kit's config (window,
/// controls, parameters) governs the assessment, so `import-ap` points at it.
const PLAN: &str = "fieldcheck.toml";

/// The report as OSCAL assessment-results JSON (pretty, with a trailing newline). `prefix` is
/// the kit folder as given on the command line: evidence links are relative to where it was run.
pub fn render(r: &Report, prefix: &str) -> String {
    let times = Times::of(r);
    let org = r.org.as_str();
    let window = [r.window.start.as_str(), r.window.end.as_str()];
    let id = |kind: &str, rest: &[&str]| {
        let mut parts = vec![org, window[0], window[1], kind];
        parts.extend_from_slice(rest);
        uuid(&parts)
    };

    let mut criteria: Vec<&str> = r
        .controls
        .iter()
        .filter(|c| c.status != Status::NotApplicable)
        .flat_map(|c| c.criteria.iter().map(String::as_str))
        .collect();
    criteria.sort_unstable();
    criteria.dedup();
    let selection = if criteria.is_empty() {
        json!({ "description": "No control was tested.", "include-all": {} })
    } else {
        json!({
            "description": "The Trust Services Criteria of the controls fieldcheck tested.",
            "include-controls": criteria.iter().map(|c| json!({ "control-id": c })).collect::<Vec<_>>(),
        })
    };

    let mut findings = Vec::new();
    let mut observations = Vec::new();
    for c in &r.controls {
        if c.status == Status::NotApplicable {
            continue;
        }
        for t in &c.tests {
            let mut related = Vec::new();
            let mut seen: Vec<&str> = Vec::new();
            for d in &t.deviations {
                // An item twice in a test (it should not be) still gets its own id.
                let n = seen.iter().filter(|s| **s == d.item).count();
                seen.push(&d.item);
                let nth = n.to_string();
                let oid = id("observation", &[&c.id, &t.id, &d.item, &nth]);
                related.push(json!({ "observation-uuid": oid }));
                observations.push(observation(oid, c, t, d, &times, prefix));
            }
            let mut f = json!({
                "uuid": id("finding", &[&c.id, &t.id]),
                "title": text(&format!("{}: {}", c.title, t.id)),
                "description": finding_description(c, t),
                "props": finding_props(c, t),
                "target": target(c, t),
            });
            if !related.is_empty() {
                f["related-observations"] = Value::Array(related);
            }
            findings.push(f);
        }
    }

    let scoped_out: Vec<String> = r
        .controls
        .iter()
        .filter(|c| c.status == Status::NotApplicable)
        .map(|c| {
            format!(
                "{} ({})",
                c.id,
                c.reason.as_deref().unwrap_or("no reason given")
            )
        })
        .collect();
    let mut result = json!({
        "uuid": id("result", &[]),
        "title": text(&format!("SOC 2 readiness of {org}, {} to {}", window[0], window[1])),
        "description": text(&format!("fieldcheck tested 100 % of each population. Self-check: {}.", verdict(r))),
        "start": times.start,
        "end": times.end,
        "props": [
            prop("risk", &r.summary.risk.to_string()),
            prop("time-zone", &r.window.timezone),
        ],
        "reviewed-controls": { "control-selections": [selection] },
    });
    if !scoped_out.is_empty() {
        result["remarks"] = json!(format!("Scoped out: {}.", scoped_out.join("; ")));
    }
    if !observations.is_empty() {
        result["observations"] = Value::Array(observations);
    }
    if !findings.is_empty() {
        result["findings"] = Value::Array(findings);
    }

    let mut metadata = json!({
        "title": text(&format!("SOC 2 readiness assessment results: {org}")),
        "last-modified": times.modified,
        "version": concat!("fieldcheck ", env!("CARGO_PKG_VERSION")),
        "oscal-version": OSCAL_VERSION,
        "props": [prop("report-format", super::FORMAT)],
        "remarks": times.remark,
    });
    if let Some(l) = &r.locker {
        metadata["props"]
            .as_array_mut()
            .expect("an array")
            .push(prop("locker-head", &l.head));
    }
    let doc = json!({
        "assessment-results": {
            "uuid": id("assessment-results", &[]),
            "metadata": metadata,
            "import-ap": {
                "href": relative_uri(prefix, PLAN),
                "remarks": "fieldcheck has no OSCAL assessment plan: the kit's config (the window, the controls and their parameters) governs the assessment.",
            },
            "results": [result],
        }
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("the document serializes");
    s.push('\n');
    s
}

/// The document's times, all in the org's time zone to the second.
struct Times {
    start: String,
    end: String,
    /// `metadata.last-modified` and every observation's `collected`.
    modified: String,
    remark: &'static str,
}

impl Times {
    fn of(r: &Report) -> Times {
        let tz = jiff::tz::TimeZone::get(&r.window.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
        let at = |date: &str, h: i8, m: i8, s: i8| {
            date.parse::<jiff::civil::Date>()
                .ok()
                .and_then(|d| d.at(h, m, s, 0).to_zoned(tz.clone()).ok())
                .map(|z| rfc3339(&z))
                .unwrap_or_else(|| format!("{date}T{h:02}:{m:02}:{s:02}Z"))
        };
        let start = at(&r.window.start, 0, 0, 0);
        let end = at(&r.window.end, 23, 59, 59);
        let as_of = r
            .locker
            .as_ref()
            .and_then(|l| l.as_of.as_deref())
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(|t| rfc3339(&t.to_zoned(tz.clone())));
        match as_of {
            Some(t) => Times {
                start,
                end,
                modified: t,
                remark: "last-modified and each observation's collected time are the locker's as-of time the evidence was replayed at.",
            },
            None => Times {
                start,
                modified: end.clone(),
                end,
                remark: "last-modified and each observation's collected time are the window's end: fieldcheck reads no clock, so the same kit gives the same document.",
            },
        }
    }
}

fn rfc3339(z: &jiff::Zoned) -> String {
    let s = z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
    match s.strip_suffix("+00:00") {
        Some(utc) => format!("{utc}Z"),
        None => s,
    }
}

/// A fieldcheck property (OSCAL's string type: no leading or trailing space, not empty).
fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NS, "value": text(value) })
}

/// Text for OSCAL's string type: trimmed, and never empty.
fn text(s: &str) -> String {
    let t = s.trim();
    if t.is_empty() {
        "-".to_string()
    } else {
        t.to_string()
    }
}

/// The status of a test's objective. Only a test that ran on evidence and found nothing is
/// `satisfied`: a control not evidenced or not occurring is never a pass on unknown.
fn target(c: &ControlOut, t: &TestOut) -> Value {
    let (state, reason, why) = match (c.status, t.status) {
        (Status::NotEvidenced, _) => (
            "not-satisfied",
            "other",
            format!(
                "not evidenced: {}",
                c.reason.as_deref().unwrap_or("the evidence is incomplete")
            ),
        ),
        (_, Status::Effective) => ("satisfied", "pass", "no deviation".to_string()),
        (_, Status::Exceptions) => (
            "not-satisfied",
            "fail",
            format!("{} of {} deviate", t.deviations.len(), t.population),
        ),
        (_, Status::NotOccurring) => (
            "not-satisfied",
            "other",
            "not occurring: the population is empty, the control did not operate in the window"
                .to_string(),
        ),
        (_, Status::NotEvidenced | Status::NotApplicable) => {
            ("not-satisfied", "other", t.status.as_str().to_string())
        }
    };
    json!({
        "type": "objective-id",
        // OSCAL's target is one id: the control's first criterion; all are in the props.
        "target-id": c.criteria.first().map(String::as_str).unwrap_or(c.id.as_str()),
        "status": { "state": state, "reason": reason, "remarks": why },
    })
}

fn finding_description(c: &ControlOut, t: &TestOut) -> String {
    let population = fieldcheck_controls::control_meta(&c.id)
        .and_then(|m| m.tests.iter().find(|x| x.id == t.id))
        .map(|m| format!(" Population: {}.", m.population))
        .unwrap_or_default();
    text(&format!(
        "Control {} ({}), test {}: {} items tested, {} deviating.{population} Conclusion on the control: {}.",
        c.id,
        c.criteria.join(", "),
        t.id,
        t.population,
        t.deviations.len(),
        c.conclusion_reason.trim_end_matches('.'),
    ))
}

fn finding_props(c: &ControlOut, t: &TestOut) -> Vec<Value> {
    let mut p = vec![
        prop("control", &c.id),
        prop("test", &t.id),
        prop("status", t.status.as_str()),
        prop("control-status", c.status.as_str()),
        prop("population", &t.population.to_string()),
        prop("deviations", &t.deviations.len().to_string()),
        prop("conclusion", super::conclusion_label(c.conclusion)),
    ];
    p.extend(c.criteria.iter().map(|k| prop("criterion", k)));
    p
}

fn observation(
    uuid: String,
    c: &ControlOut,
    t: &TestOut,
    d: &DeviationOut,
    times: &Times,
    prefix: &str,
) -> Value {
    let mut props: Vec<Value> = vec![
        prop("control", &c.id),
        prop("test", &t.id),
        prop("item", &d.item),
    ];
    props.extend(d.reasons.iter().map(|r| prop("reason", r)));
    let mut o = json!({
        "uuid": uuid,
        "title": text(&format!("{}/{}: {}", c.id, t.id, d.item)),
        "description": text(&d.detail),
        "props": props,
        "methods": ["TEST"],
        "types": ["finding"],
        "collected": times.modified,
    });
    let evidence: Vec<Value> = d
        .evidence
        .iter()
        .map(|e| {
            let mut href = relative_uri(prefix, &e.file);
            let mut where_ = e.file.clone();
            if e.line > 0 {
                href.push_str(&format!("#L{}", e.line));
                where_.push_str(&format!(" line {}", e.line));
            }
            if let Some(p) = &e.path {
                where_.push_str(&format!(" {p}"));
            }
            if let Some(s) = &e.source {
                where_.push_str(&format!(" (read by the {s} adapter)"));
            }
            let mut props = vec![prop("file", &e.file)];
            if e.line > 0 {
                props.push(prop("line", &e.line.to_string()));
            }
            if let Some(p) = &e.path {
                props.push(prop("json-path", p));
            }
            if let Some(dg) = &e.digest {
                props.push(prop("locker-digest", dg));
            }
            if let Some(m) = e.manifest_line {
                props.push(prop("locker-manifest-line", &m.to_string()));
            }
            json!({ "href": href, "description": text(&where_), "props": props })
        })
        .collect();
    if !evidence.is_empty() {
        o["relevant-evidence"] = Value::Array(evidence);
    }
    o
}
