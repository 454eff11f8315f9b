//! A Workday tenant serving one custom report as a web service (RaaS), for the collector's tests.
//!
//! `GET /ccx/service/customreport2/<tenant>/<owner>/<report>?format=json` answering
//! `{"Report_Entry": [...]}`, every value a string, the columns the report fields' aliases
//! (the suggested Terminations report of /work/shared/research/sources.md §6.2; URL and JSON
//! conventions as public connectors use them, e.g. `faros-ai/airbyte-connectors`
//! `sources/workday-source/README.md`; Workday's "Create Custom Reports as Web Services" at
//! https://doc.workday.com/). Basic authentication with an Integration System User; a refused
//! login answers `401` (its body is not documented; none is sent).

#![allow(dead_code)]

use super::{Once, Reply, Request, too_many_requests};

/// The report's path.
pub const PATH: &str = "/ccx/service/customreport2/acme/ISU_Fieldcheck/Terminations";
/// The Integration System User.
pub const USER: &str = "ISU_Fieldcheck@acme";
/// Its password.
pub const PASSWORD: &str = "wd-test-Passw0rd";
/// `Basic base64("ISU_Fieldcheck@acme:wd-test-Passw0rd")`, computed apart from fieldcheck.
pub const AUTH: &str = "Basic SVNVX0ZpZWxkY2hlY2tAYWNtZTp3ZC10ZXN0LVBhc3N3MHJk";

/// Faults the tenant shows.
#[derive(Default)]
pub struct Faults {
    /// The report answers `503` once.
    pub server_error: bool,
    /// The report answers `429` with `Retry-After: 1` once.
    pub rate_limit: bool,
    /// Every request answers `401`.
    pub expired: bool,
}

/// The report, as the tenant prints it.
pub const REPORT: &str = r#"{"Report_Entry":[{"Employee_ID":"E1","Worker":"Ann Lee","Primary_Work_Email":"ann@acme.io","Hire_Date":"2020-01-06","Worker_Type":"Employee"},{"Employee_ID":"E2","Worker":"Kenji Watanabe (E2)","Primary_Work_Email":"kenji@acme.io","Hire_Date":"2021-06-01","Termination_Date":"2026-03-13-05:00","Last_Day_of_Work":"2026-03-13-05:00","Termination_Reason":"Resignation","Worker_Type":"Employee","Manager_ID":"E1"},{"Employee_ID":"C7","Worker":"Dan Ito","Primary_Work_Email":"dan@acme.io","Hire_Date":"2026-02-02-05:00","Worker_Type":"Contingent Worker","Manager_ID":"E1"}]}"#;

/// The tenant's handler.
pub fn tenant(f: Faults) -> impl Fn(&Request, &str) -> Reply + Send + Sync + 'static {
    let (limited, errored) = (Once::default(), Once::default());
    move |req: &Request, _base: &str| {
        if f.expired || req.header("authorization") != Some(AUTH) {
            return Reply::status(401, "");
        }
        if req.path() != PATH || req.param("format").as_deref() != Some("json") {
            return Reply::status(404, "");
        }
        if limited.first(f.rate_limit) {
            return too_many_requests();
        }
        if errored.first(f.server_error) {
            return Reply::status(503, "");
        }
        Reply::json(REPORT)
    }
}
