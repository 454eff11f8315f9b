//! A KnowBe4 account served as the Reporting API documents it, for the collector's tests.
//!
//! https://developer.knowbe4.com/rest/reporting: bare JSON arrays paged by `page` (from 1) and
//! `per_page` (at most 500), a bearer token (the Reporting API key), `429` with `Retry-After`
//! past the rate limit. Shapes: training enrollments (`enrollment_id`, `content_type`,
//! `module_name`, `user {id, first_name, last_name, email}`, `campaign_name`, `enrollment_date`,
//! `start_date`, `completion_date`, `status`, `time_spent`, `policy_acknowledged`), phishing
//! security tests (`campaign_id`, `pst_id`, `status`, `name`, `groups`, `phish_prone_percentage`,
//! `started_at`, `duration`, ..., the counts) and their recipients (`recipient_id`, `pst_id`,
//! `user`, `template`, `scheduled_at`, `delivered_at`, `opened_at`, `clicked_at`, ...,
//! `reported_at`, `bounced_at`), as listed in the reference and in public clients
//! (`demisto/content` `Packs/KnowBe4_KMSAT/Integrations/KnowBe4KMSAT/KnowBe4KMSAT.py`; see
//! /work/shared/research/sources.md §9.1). A refused key answers `401` (its body is not
//! documented; none is sent).

#![allow(dead_code)]

use super::{Once, Reply, Request, too_many_requests};

/// The Reporting API key.
pub const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.kb4-test-reporting-key";

/// Faults the account shows.
#[derive(Default)]
pub struct Faults {
    /// The second enrollments page answers `429` with `Retry-After: 1` once.
    pub rate_limit_enrollments_page_2: bool,
    /// The security tests answer `502` once.
    pub server_error_tests: bool,
    /// Every request answers `401`.
    pub expired: bool,
}

fn enrollment(
    id: u32,
    user: (u32, &str, &str, &str),
    module: &str,
    done: Option<&str>,
    status: &str,
) -> String {
    let done = done.map_or("null".to_string(), |d| format!("\"{d}\""));
    format!(
        r#"{{"enrollment_id":{id},"content_type":"Store Purchase","module_name":"{module}","user":{{"id":{},"first_name":"{}","last_name":"{}","email":"{}"}},"campaign_name":"Annual Training 2026","enrollment_date":"2026-01-06T15:00:00.000Z","start_date":null,"completion_date":{done},"status":"{status}","time_spent":0,"policy_acknowledged":false}}"#,
        user.0, user.1, user.2, user.3
    )
}

const MODULE: &str = "2026 Security Awareness Training";

/// The enrollments' two pages: 500 and 1 (the account's 498 other users not started).
pub fn enrollment_pages() -> Vec<String> {
    let mut all = vec![
        enrollment(
            5001,
            (778800, "Ann", "Lee", "ann@acme.io"),
            MODULE,
            Some("2026-01-07T09:58:41.000Z"),
            "Passed",
        ),
        enrollment(
            5002,
            (778801, "Kenji", "Watanabe", "kenji@acme.io"),
            MODULE,
            Some("2026-01-20T10:00:00.000Z"),
            "Completed",
        ),
    ];
    for i in 0..498u32 {
        all.push(enrollment(
            6000 + i,
            (
                779000 + i,
                "Staff",
                "Member",
                &format!("staff{i:03}@acme.io"),
            ),
            MODULE,
            None,
            "Not Started",
        ));
    }
    all.push(enrollment(
        7001,
        (778802, "Dan", "Ito", "dan@acme.io"),
        MODULE,
        Some("2026-02-03T11:00:00.000Z"),
        "Passed",
    ));
    vec![
        format!("[{}]", all[..500].join(",")),
        format!("[{}]", all[500..].join(",")),
    ]
}

/// The security tests: one before the window (its recipients are not pulled), one in it.
pub const TESTS: &str = r#"[{"campaign_id":242333,"pst_id":14240,"status":"Closed","name":"Feb phish","groups":[{"group_id":1,"name":"All Users"}],"phish_prone_percentage":33.3,"started_at":"2026-02-10T14:00:00.000Z","duration":3,"categories":[],"template":{"id":2,"name":"Your Password Will Expire"},"landing-page":{"id":1,"name":"Oops"},"scheduled_count":3,"delivered_count":3,"opened_count":2,"clicked_count":1,"replied_count":0,"attachment_open_count":0,"macro_enabled_count":0,"data_entered_count":0,"qr_code_scanned_count":0,"vulnerable_plugin_count":0,"exploited_count":0,"reported_count":1,"bounced_count":0},{"campaign_id":230001,"pst_id":13001,"status":"Closed","name":"Nov phish","groups":[{"group_id":1,"name":"All Users"}],"phish_prone_percentage":0.0,"started_at":"2025-11-03T14:00:00.000Z","duration":3,"categories":[],"template":{"id":3,"name":"Package delivery"},"landing-page":{"id":1,"name":"Oops"},"scheduled_count":3,"delivered_count":3,"opened_count":0,"clicked_count":0,"replied_count":0,"attachment_open_count":0,"macro_enabled_count":0,"data_entered_count":0,"qr_code_scanned_count":0,"vulnerable_plugin_count":0,"exploited_count":0,"reported_count":0,"bounced_count":0}]"#;

/// The recipients of test 14240.
pub const RECIPIENTS: &str = r#"[{"recipient_id":3077742,"pst_id":14240,"user":{"id":778800,"active_directory_guid":null,"first_name":"Ann","last_name":"Lee","email":"ann@acme.io"},"template":{"id":2,"name":"Your Password Will Expire"},"scheduled_at":"2026-02-10T14:00:00.000Z","delivered_at":"2026-02-10T14:00:12.000Z","opened_at":"2026-02-10T15:01:00.000Z","clicked_at":"2026-02-10T15:01:22.000Z","replied_at":null,"attachment_opened_at":null,"macro_enabled_at":null,"data_entered_at":null,"qr_code_scanned":null,"vulnerable-plugins_at":null,"exploited_at":null,"reported_at":null,"bounced_at":null,"ip":"198.51.100.44","ip_location":"Denver, CO","browser":"Chrome","browser_version":"122.0","os":"MacOSX"},{"recipient_id":3077743,"pst_id":14240,"user":{"id":778801,"active_directory_guid":null,"first_name":"Kenji","last_name":"Watanabe","email":"kenji@acme.io"},"template":{"id":2,"name":"Your Password Will Expire"},"scheduled_at":"2026-02-10T14:00:00.000Z","delivered_at":"2026-02-10T14:00:13.000Z","opened_at":"2026-02-10T14:10:00.000Z","clicked_at":null,"replied_at":null,"attachment_opened_at":null,"macro_enabled_at":null,"data_entered_at":null,"qr_code_scanned":null,"vulnerable-plugins_at":null,"exploited_at":null,"reported_at":"2026-02-10T14:20:00.000Z","bounced_at":null,"ip":null,"ip_location":null,"browser":null,"browser_version":null,"os":null},{"recipient_id":3077744,"pst_id":14240,"user":{"id":778802,"active_directory_guid":null,"first_name":"Dan","last_name":"Ito","email":"dan@acme.io"},"template":{"id":2,"name":"Your Password Will Expire"},"scheduled_at":"2026-02-10T14:00:00.000Z","delivered_at":"2026-02-10T14:00:14.000Z","opened_at":null,"clicked_at":null,"replied_at":null,"attachment_opened_at":null,"macro_enabled_at":null,"data_entered_at":null,"qr_code_scanned":null,"vulnerable-plugins_at":null,"exploited_at":null,"reported_at":null,"bounced_at":null,"ip":null,"ip_location":null,"browser":null,"browser_version":null,"os":null}]"#;

/// The account's handler.
pub fn account(f: Faults) -> impl Fn(&Request, &str) -> Reply + Send + Sync + 'static {
    let (limited, errored) = (Once::default(), Once::default());
    move |req: &Request, _base: &str| {
        if f.expired || req.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
            return Reply::status(401, "");
        }
        if req.param("per_page").as_deref() != Some("500") {
            return Reply::status(400, "");
        }
        let page: usize = req.param("page").and_then(|p| p.parse().ok()).unwrap_or(1);
        let nth =
            |pages: &[String]| Reply::json(pages.get(page - 1).cloned().unwrap_or("[]".into()));
        match req.path() {
            "/v1/training/enrollments" => {
                if limited.first(page == 2 && f.rate_limit_enrollments_page_2) {
                    return too_many_requests();
                }
                nth(&enrollment_pages())
            }
            "/v1/phishing/security_tests" => {
                if errored.first(f.server_error_tests) {
                    return Reply::status(502, "");
                }
                nth(&[TESTS.to_string()])
            }
            "/v1/phishing/security_tests/14240/recipients" => nth(&[RECIPIENTS.to_string()]),
            "/v1/phishing/security_tests/13001/recipients" => {
                Reply::status(500, "asked for a test before the window")
            }
            _ => Reply::status(404, ""),
        }
    }
}
