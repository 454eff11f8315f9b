//! BambooHR: every employee, active and inactive, with their hire and termination dates, as a
//! custom report (`POST /api/v1/reports/custom?format=JSON` with the list of fields), documented
//! at <https://documentation.bamboohr.com/reference/request-custom-report>: the report "includes
//! all employees regardless of status (both Active and Inactive)", where the employee directory
//! (`GET /v1/employees/directory`) lists only the active ones, so leavers would be missing.
//! Authentication: the API key as the basic-auth user, any password
//! (<https://documentation.bamboohr.com/docs/getting-started#authentication>).
//!
//! The report silently leaves out a field the key's user may not see (still `200`): a report
//! without `terminationDate` would read as nobody having left, so the pull stops with an error
//! naming the field instead.

use super::{basic_client, call_error, list_option, plan_with};
use crate::http::{Http, request_and_params};
use crate::paging::{Listed, saved, state_outcome};
use crate::session::{PullError, Session};
use crate::spec::{CallSpec, CollectorSpec, OptSpec, OptTy, SecretSpec, SourceTemplate};
use crate::{Collector, Planned};

const KEY: &str = "BAMBOOHR_API_KEY";

/// The fields the `bamboohr` source reads by default (and `status`, `lastChanged` for the
/// reader), asked for in this order.
pub const FIELDS: &[&str] = &[
    "id",
    "employeeNumber",
    "displayName",
    "firstName",
    "lastName",
    "preferredName",
    "workEmail",
    "status",
    "employmentHistoryStatus",
    "hireDate",
    "terminationDate",
    "supervisorEId",
    "lastChanged",
];

/// The fields whose absence from the report would pass silently.
pub const REQUIRED: &[&str] = &["terminationDate", "hireDate", "status"];

static CALLS: [CallSpec; 1] = [CallSpec {
    name: "employees",
    request: "POST /api/v1/reports/custom?format=JSON {\"fields\": [...]}",
    scope: "an API key of a user who can view every listed field of all employees, active and inactive (full admin or a custom access level)",
    events: false,
}];

/// The BambooHR collector's description.
pub static SPEC: CollectorSpec = CollectorSpec {
    name: "bamboohr",
    system: "BambooHR",
    calls: &CALLS,
    options: &[
        OptSpec {
            name: "subdomain",
            ty: OptTy::Str,
            required: false,
            help: "the company's BambooHR subdomain (`acme` for acme.bamboohr.com); required unless `base_url` is given",
        },
        OptSpec {
            name: "base_url",
            ty: OptTy::Str,
            required: false,
            help: "the API's base URL, instead of `https://<subdomain>.bamboohr.com` (a proxy, or a test server)",
        },
        OptSpec {
            name: "report_fields",
            ty: OptTy::List,
            required: false,
            help: "more fields to ask for (field names or ids, such as a custom field a `fields` override of the `bamboohr` source reads)",
        },
    ],
    secrets: &[SecretSpec {
        env: KEY,
        help: "a BambooHR API key (sent as the basic-auth user)",
    }],
    sources: &[SourceTemplate {
        adapter: "bamboohr",
        path: "employees/report.json",
        calls: &["employees"],
        options: &[],
    }],
    example: "[[collectors]]\ncollector = \"bamboohr\"\nsubdomain = \"acme\"\n# BAMBOOHR_API_KEY in the environment or the `[pull] secrets` file",
};

/// The BambooHR collector.
pub struct BambooHr;

/// The collector, to register.
pub static BAMBOOHR: BambooHr = BambooHr;

fn base(session: &Session<'_>) -> Result<String, PullError> {
    if session.option_str("base_url").is_none()
        && let Some(s) = session.option_str("subdomain")
        && !s.contains('.')
        && !s.contains('/')
    {
        return Ok(format!("https://{s}.bamboohr.com"));
    }
    super::base_url(session, "subdomain")
}

/// The report request's body: the fields, the default ones first.
pub fn request_body(session: &Session<'_>) -> String {
    let mut fields: Vec<String> = FIELDS.iter().map(|s| s.to_string()).collect();
    for f in list_option(session, "report_fields") {
        if !fields.contains(&f) {
            fields.push(f);
        }
    }
    serde_json::json!({"title": "fieldcheck: employees", "fields": fields}).to_string()
}

fn url(http: &Http) -> String {
    http.url("/api/v1/reports/custom", &[("format", "JSON".into())])
}

/// The fields a report answer carries: its `fields[].id`, and the keys of its employees.
fn fields_in(v: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .get("fields")
        .and_then(|f| f.as_array())
        .into_iter()
        .flatten()
        .filter_map(|f| f.get("id").and_then(|x| x.as_str()).map(str::to_string))
        .collect();
    for e in v
        .get("employees")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
    {
        if let Some(o) = e.as_object() {
            out.extend(o.keys().cloned());
        }
    }
    out
}

impl Collector for BambooHr {
    fn spec(&self) -> &'static CollectorSpec {
        &SPEC
    }

    fn plan(&self, session: &Session<'_>) -> Vec<Planned> {
        plan_with(&SPEC, base(session), |http| {
            let (_, mut params) = request_and_params(&url(http));
            params.insert("body".into(), request_body(session));
            vec![Planned {
                call: CALLS[0].name,
                request: format!("POST {}/api/v1/reports/custom", http.base()),
                params,
                scope: CALLS[0].scope,
            }]
        })
    }

    fn pull(&self, session: &mut Session<'_>) -> Result<(), PullError> {
        let call = &CALLS[0];
        let b = base(session)?;
        let http = basic_client(session, &b, KEY, None, KEY)?;
        let body = request_body(session);
        let u = url(&http);
        let observed = session.now();
        let resp = http.post_json(call, &u, body.as_bytes())?;
        let mut report = saved(call, &resp, 1, format!("{}/report.json", call.name));
        report.request = report.request.replacen("GET ", "POST ", 1);
        report.params.insert("body".into(), body);
        session.save(report)?;
        let error = |message: String, help: String| call_error(&SPEC, call.name, message, help);
        let v: serde_json::Value = serde_json::from_slice(&resp.body).map_err(|e| {
            error(
                format!("the report is not JSON ({e})"),
                "check `subdomain` or `base_url`: it must be the company's BambooHR API".into(),
            )
        })?;
        if !v.get("employees").is_some_and(|e| e.is_array()) {
            return Err(error(
                "the report has no `employees` array".into(),
                "check `subdomain` or `base_url`: it must be the company's BambooHR API".into(),
            ));
        }
        let have = fields_in(&v);
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|f| !have.iter().any(|h| h == f))
            .collect();
        if !missing.is_empty() {
            return Err(error(
                format!(
                    "the report left out {}: BambooHR omits the fields the API key's user may not see, and without them leavers would read as still employed",
                    missing
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                format!(
                    "give the user of `{KEY}` an access level that can view {} for all employees, active and inactive",
                    missing.join(", ")
                ),
            ));
        }
        session.outcome(state_outcome(call, Listed::one(&resp.body), observed));
        Ok(())
    }
}
