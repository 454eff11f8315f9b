//! Workday: a custom report served as a web service (Report-as-a-Service), one `GET` of its URL
//! with `?format=json` (`https://<host>/ccx/service/customreport2/<tenant>/<owner>/<report>`),
//! answered `{"Report_Entry": [...]}` and saved unedited where the `workday` source reads it.
//! Authentication: an Integration System User's name and password as HTTP basic
//! authentication, as Workday's RaaS documents for the REST form of a report
//! (<https://doc.workday.com/> "Create Custom Reports as Web Services"; the URL and JSON
//! conventions as public connectors use them, e.g. `faros-ai/airbyte-connectors`
//! `sources/workday-source/README.md`).

use super::{basic_client, call_error};
use crate::http::{Http, request_and_params};
use crate::paging::{Listed, saved, state_outcome};
use crate::session::{PullError, Session};
use crate::spec::{CallSpec, CollectorSpec, OptSpec, OptTy, SecretSpec, SourceTemplate};
use crate::{Collector, Planned};

const USER: &str = "WORKDAY_USERNAME";
const PASSWORD: &str = "WORKDAY_PASSWORD";

static CALLS: [CallSpec; 1] = [CallSpec {
    name: "report",
    request: "GET <report_url>?format=json",
    scope: "an Integration System User in a security group that may view the report and the worker data it shows (the report shared with it and enabled as a web service)",
    events: false,
}];

/// The Workday collector's description.
pub static SPEC: CollectorSpec = CollectorSpec {
    name: "workday",
    system: "Workday",
    calls: &CALLS,
    options: &[OptSpec {
        name: "report_url",
        ty: OptTy::Str,
        required: true,
        help: "the report's REST URL (`https://wd5-services1.myworkday.com/ccx/service/customreport2/acme/ISU_Fieldcheck/Terminations`); `format=json` is added when it has no `format`",
    }],
    secrets: &[
        SecretSpec {
            env: USER,
            help: "the Integration System User's name (`ISU_Fieldcheck`, or `ISU_Fieldcheck@acme`)",
        },
        SecretSpec {
            env: PASSWORD,
            help: "the Integration System User's password",
        },
    ],
    sources: &[SourceTemplate {
        adapter: "workday",
        path: "report/report.json",
        calls: &["report"],
        options: &[],
    }],
    example: "[[collectors]]\ncollector = \"workday\"\nreport_url = \"https://wd5-services1.myworkday.com/ccx/service/customreport2/acme/ISU_Fieldcheck/Terminations\"\n# WORKDAY_USERNAME and WORKDAY_PASSWORD in the environment or the `[pull] secrets` file",
};

/// The Workday collector.
pub struct Workday;

/// The collector, to register.
pub static WORKDAY: Workday = Workday;

/// The report's URL with `format=json`, or why it cannot be used.
pub fn report_url(session: &Session<'_>) -> Result<String, PullError> {
    let error = |message: String, help: &str| call_error(&SPEC, CALLS[0].name, message, help);
    let u = session
        .option_str("report_url")
        .ok_or_else(|| {
            error(
                "no `report_url`".into(),
                "add `report_url = \"https://...\"`",
            )
        })?
        .trim();
    let (_, params) = request_and_params(u);
    match params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("format"))
    {
        None if u.contains('?') => Ok(format!("{u}&format=json")),
        None => Ok(format!("{u}?format=json")),
        Some((_, f)) if f.eq_ignore_ascii_case("json") => Ok(u.to_string()),
        Some((_, f)) => Err(error(
            format!("`report_url` asks for `format={f}`"),
            "use `format=json` (or leave `format` out): the `workday` source reads the JSON report the pull saves",
        )),
    }
}

impl Collector for Workday {
    fn spec(&self) -> &'static CollectorSpec {
        &SPEC
    }

    fn plan(&self, session: &Session<'_>) -> Vec<Planned> {
        match report_url(session) {
            Ok(u) => vec![super::planned(&CALLS[0], &u)],
            Err(_) => crate::spec_plan(&SPEC),
        }
    }

    fn pull(&self, session: &mut Session<'_>) -> Result<(), PullError> {
        let call = &CALLS[0];
        let url = report_url(session)?;
        let http: Http = basic_client(
            session,
            &url,
            USER,
            Some(PASSWORD),
            "WORKDAY_USERNAME and WORKDAY_PASSWORD",
        )?;
        let observed = session.now();
        let resp = http.get(call, &url)?;
        session.save(saved(call, &resp, 1, format!("{}/report.json", call.name)))?;
        let v: Option<serde_json::Value> = serde_json::from_slice(&resp.body).ok();
        if !v
            .as_ref()
            .and_then(|v| v.get("Report_Entry"))
            .is_some_and(|e| e.is_array())
        {
            return Err(call_error(
                &SPEC,
                call.name,
                "the answer is not a JSON report (`{\"Report_Entry\": [...]}`)",
                "check `report_url`: it must be the report's REST URL (`/ccx/service/customreport2/...`), the report enabled as a web service",
            ));
        }
        session.outcome(state_outcome(call, Listed::one(&resp.body), observed));
        Ok(())
    }
}
