//! A small BambooHR company served as BambooHR documents its custom report, for the collector's
//! tests.
//!
//! `POST /api/v1/reports/custom?format=JSON` with `{"title": ..., "fields": [...]}` (the body
//! read as JSON only with `Content-Type: application/json` exactly), answering `{"title": ...,
//! "fields": [{"id", "type", "name"}], "employees": [{"id": "2", ...}]}` with every employee,
//! active and inactive, and silently leaving out the fields the caller may not see
//! (https://documentation.bamboohr.com/reference/request-custom-report). Field names and value
//! shapes from https://documentation.bamboohr.com/docs/list-of-field-names (ids as JSON strings,
//! dates `YYYY-MM-DD`, `terminationDate` `0000-00-00` when never terminated). Basic
//! authentication with the API key as the user and any password
//! (https://documentation.bamboohr.com/docs/getting-started#authentication); a refused key
//! answers `401` with no body.

#![allow(dead_code)]

use super::{Once, Reply, Request, too_many_requests};

/// The API key.
pub const KEY: &str = "9f2c1e0test0bamboohr0key";
/// `Basic base64("9f2c1e0test0bamboohr0key:x")`, computed apart from fieldcheck.
pub const AUTH: &str = "Basic OWYyYzFlMHRlc3QwYmFtYm9vaHIwa2V5Ong=";

/// Faults the company shows.
#[derive(Default)]
pub struct Faults {
    /// The report answers `500` once.
    pub server_error: bool,
    /// The report answers `429` with `Retry-After: 1` once.
    pub rate_limit: bool,
    /// Every request answers `401`.
    pub expired: bool,
    /// The key's user may not see `terminationDate` (left out of the report, still `200`).
    pub hide_termination: bool,
}

/// The employees, every field they have.
pub fn employees() -> Vec<serde_json::Value> {
    serde_json::from_str(
        r#"[
 {"id": "1", "employeeNumber": "E-1001", "displayName": "Ann Lee", "firstName": "Ann", "lastName": "Lee", "preferredName": null,
  "workEmail": "ann@acme.io", "status": "Active", "employmentHistoryStatus": "Full-Time", "hireDate": "2020-01-06",
  "terminationDate": "0000-00-00", "supervisorEId": null, "lastChanged": "2025-11-02T10:11:12+00:00"},
 {"id": "2", "employeeNumber": "E-1042", "displayName": "Kenji Watanabe", "firstName": "Kenji", "lastName": "Watanabe", "preferredName": null,
  "workEmail": "kenji@acme.io", "status": "Inactive", "employmentHistoryStatus": "Terminated", "hireDate": "2021-06-01",
  "terminationDate": "2026-03-13", "supervisorEId": "1", "lastChanged": "2026-03-13T17:02:11+00:00"},
 {"id": "3", "employeeNumber": "C-0007", "displayName": "Dan Ito", "firstName": "Dan", "lastName": "Ito", "preferredName": "Danny",
  "workEmail": "dan@acme.io", "status": "Active", "employmentHistoryStatus": "Contractor", "hireDate": "2026-02-02",
  "terminationDate": "0000-00-00", "supervisorEId": "1", "lastChanged": "2026-02-02T09:00:00+00:00"}
]"#,
    )
    .expect("employees")
}

fn field_meta(id: &str) -> serde_json::Value {
    let (ty, name) = match id {
        "id" => ("int", "ID"),
        "employeeNumber" => ("text", "Employee #"),
        "displayName" => ("text", "Display name"),
        "firstName" => ("text", "First Name"),
        "lastName" => ("text", "Last Name"),
        "preferredName" => ("text", "Preferred Name"),
        "workEmail" => ("email", "Work Email"),
        "status" => ("status", "Status"),
        "employmentHistoryStatus" => ("list", "Employment Status"),
        "hireDate" => ("date", "Hire Date"),
        "terminationDate" => ("date", "Termination Date"),
        "supervisorEId" => ("int", "Supervisor EID"),
        "lastChanged" => ("timestamp", "Last changed"),
        _ => ("text", id),
    };
    serde_json::json!({"id": id, "type": ty, "name": name})
}

/// The report's answer to `fields`, leaving out the hidden ones and the unknown ones.
pub fn report(title: &str, fields: &[String], hidden: &[&str]) -> String {
    let known: Vec<&String> = fields
        .iter()
        .filter(|f| !hidden.contains(&f.as_str()) && employees()[0].get(f.as_str()).is_some())
        .collect();
    let meta: Vec<serde_json::Value> = known.iter().map(|f| field_meta(f)).collect();
    let rows: Vec<serde_json::Value> = employees()
        .into_iter()
        .map(|e| {
            let mut o = serde_json::Map::new();
            o.insert("id".into(), e["id"].clone());
            for f in &known {
                o.insert((*f).clone(), e[f.as_str()].clone());
            }
            serde_json::Value::Object(o)
        })
        .collect();
    serde_json::to_string(&serde_json::json!({"title": title, "fields": meta, "employees": rows}))
        .expect("json")
}

/// The company's handler.
pub fn company(f: Faults) -> impl Fn(&Request, &str) -> Reply + Send + Sync + 'static {
    let (limited, errored) = (Once::default(), Once::default());
    move |req: &Request, _base: &str| {
        if f.expired || req.header("authorization") != Some(AUTH) {
            return Reply::status(401, "");
        }
        if req.method != "POST" || req.path() != "/api/v1/reports/custom" {
            return Reply::status(404, "");
        }
        if !req
            .param("format")
            .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        {
            return Reply::status(404, "");
        }
        if req.header("content-type") != Some("application/json") {
            return Reply::status(400, "Malformed XML");
        }
        let Ok(body) = serde_json::from_slice::<serde_json::Value>(&req.body) else {
            return Reply::status(400, "");
        };
        if limited.first(f.rate_limit) {
            return too_many_requests();
        }
        if errored.first(f.server_error) {
            return Reply::status(500, "");
        }
        let fields: Vec<String> = body["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        let hidden: &[&str] = if f.hide_termination {
            &["terminationDate"]
        } else {
            &[]
        };
        Reply::json(report(
            body["title"].as_str().unwrap_or("Report"),
            &fields,
            hidden,
        ))
    }
}
