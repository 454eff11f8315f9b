//! A small Okta org served as Okta documents its APIs, for the collector's tests.
//!
//! Shapes: users as in the Users API reference (`User` schema: id, status, created, activated,
//! statusChanged, lastLogin, type.id, profile, credentials.provider, _links), paged with `Link`
//! headers (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/
//! and https://developer.okta.com/docs/api/#pagination); System Log `LogEvent`s as in the System
//! Log API reference (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/SystemLog/);
//! Identity Governance campaigns and reviews as `{"data": [...], "_links": {...}}` pages
//! (https://developer.okta.com/docs/api/iga/openapi/governance-production-reference/campaigns/listcampaigns);
//! the expired-token answer is Okta's documented `E0000011` error
//! (https://developer.okta.com/docs/reference/error-codes/#E0000011).

#![allow(dead_code)]

use super::{Once, Reply, Request, okta_links};

/// Faults the org shows, once each.
#[derive(Default)]
pub struct Faults {
    /// The second users page answers `429` with `Retry-After` once.
    pub rate_limit_users_page_2: bool,
    /// The first System Log page answers `503` once.
    pub server_error_logs: bool,
    /// Every request answers `401` (an expired token).
    pub expired: bool,
    /// The campaigns answer `403` (the token lacks the governance scope).
    pub no_governance_scope: bool,
}

/// Okta's documented answer to an invalid or expired token.
pub const E0000011: &str = r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"oaeXZSd2hPZSgK4U2rgOhsNOw","errorCauses":[]}"#;

/// Okta's documented answer to a missing permission.
pub const E0000006: &str = r#"{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorLink":"E0000006","errorId":"oae5RlhhAhCSI-_Mrx0IB7AVA","errorCauses":[]}"#;

#[allow(clippy::too_many_arguments)]
fn user(
    id: &str,
    status: &str,
    login: &str,
    first: &str,
    last: &str,
    created: &str,
    status_changed: &str,
    last_login: &str,
    ty: &str,
) -> String {
    let last_login = if last_login.is_empty() {
        "null".to_string()
    } else {
        format!("\"{last_login}\"")
    };
    format!(
        r#"{{"id":"{id}","status":"{status}","created":"{created}","activated":"{created}","statusChanged":"{status_changed}","lastLogin":{last_login},"lastUpdated":"{status_changed}","passwordChanged":"{created}","type":{{"id":"{ty}"}},"profile":{{"firstName":"{first}","lastName":"{last}","mobilePhone":null,"secondEmail":null,"login":"{login}","email":"{login}"}},"credentials":{{"password":{{}},"provider":{{"type":"OKTA","name":"OKTA"}}}},"_links":{{"self":{{"href":"https://acme.okta.com/api/v1/users/{id}"}}}}}}"#
    )
}

/// The active users' pages (two users each).
pub fn user_pages() -> Vec<String> {
    let u = |id, login, first, last, ll| {
        user(
            id,
            "ACTIVE",
            login,
            first,
            last,
            "2025-06-02T10:11:12.000Z",
            "2025-06-02T10:11:13.000Z",
            ll,
            "oty1default00001",
        )
    };
    vec![
        format!(
            "[{},{}]",
            u(
                "00u1ann0000000001",
                "ann@acme.io",
                "Ann",
                "Lee",
                "2026-11-30T09:00:00.000Z"
            ),
            u(
                "00u1bob0000000001",
                "bob@acme.io",
                "Bob",
                "Ng",
                "2026-11-29T09:00:00.000Z"
            )
        ),
        format!(
            "[{},{}]",
            u(
                "00u1cat0000000001",
                "cat@acme.io",
                "Cat",
                "Diaz",
                "2026-11-28T09:00:00.000Z"
            ),
            user(
                "00u8svcbackup00001",
                "ACTIVE",
                "svc-backup@acme.io",
                "Backup",
                "Service",
                "2025-06-02T10:11:12.000Z",
                "2025-06-02T10:11:13.000Z",
                "",
                "oty1default00001"
            )
        ),
        format!(
            "[{}]",
            u(
                "00u1dan0000000001",
                "dan@acme.io",
                "Dan",
                "Ito",
                "2026-11-27T09:00:00.000Z"
            )
        ),
    ]
}

/// The deprovisioned users (the default listing omits them).
pub fn deprovisioned_page() -> String {
    format!(
        "[{}]",
        user(
            "00u3m90rxKjGQ0G6L1d6",
            "DEPROVISIONED",
            "kenji@acme.io",
            "Kenji",
            "Watanabe",
            "2025-06-02T10:11:12.000Z",
            "2026-10-14T18:15:12.862Z",
            "2026-10-10T08:00:00.000Z",
            "oty1default00001"
        )
    )
}

fn event(
    uuid: &str,
    published: &str,
    ty: &str,
    display: &str,
    actor: (&str, &str),
    target: (&str, &str),
) -> String {
    format!(
        r#"{{"uuid":"{uuid}","published":"{published}","eventType":"{ty}","version":"0","severity":"INFO","legacyEventType":null,"displayMessage":"{display}","actor":{{"id":"{}","type":"User","alternateId":"{}","displayName":null,"detailEntry":null}},"client":{{"userAgent":{{"rawUserAgent":"Mozilla/5.0","os":"Mac OS X","browser":"CHROME"}},"zone":"null","device":"Computer","id":null,"ipAddress":"198.51.100.20","geographicalContext":null}},"outcome":{{"result":"SUCCESS","reason":null}},"target":[{{"id":"{}","type":"User","alternateId":"{}","displayName":null,"detailEntry":null}}],"transaction":{{"type":"WEB","id":"X7LBsMxeqO-ADcGcmp0WGQAAB@g","detail":{{}}}},"debugContext":{{"debugData":{{}}}},"authenticationContext":{{"authenticationStep":0,"externalSessionId":"102bZDNFfWaQSyEZQuDgWt-uQ"}},"securityContext":{{}}}}"#,
        actor.0, actor.1, target.0, target.1
    )
}

/// The System Log pages.
pub fn log_pages() -> Vec<String> {
    let ann = ("00u1ann0000000001", "ann@acme.io");
    let kenji = ("00u3m90rxKjGQ0G6L1d6", "kenji@acme.io");
    vec![
        format!(
            "[{},{}]",
            event(
                "6a3f1b7e-fa43-11ef-9a0e-2f3c4d5e6f70",
                "2026-10-10T08:00:00.000Z",
                "user.session.start",
                "User login to Okta",
                kenji,
                kenji
            ),
            event(
                "6a3f1b7e-fa43-11ef-9a0e-2f3c4d5e6f71",
                "2026-10-14T18:15:12.862Z",
                "user.lifecycle.deactivate",
                "Deactivate Okta User",
                ann,
                kenji
            )
        ),
        format!(
            "[{}]",
            event(
                "6a3f1b7e-fa43-11ef-9a0e-2f3c4d5e6f72",
                "2026-11-30T09:00:00.000Z",
                "user.session.start",
                "User login to Okta",
                ann,
                ann
            )
        ),
    ]
}

/// The campaigns page.
pub fn campaigns_page(base: &str) -> String {
    format!(
        r#"{{"data":[{{"id":"icizigd86iM9sOcbN1d6","name":"Q3 Okta access","description":"Quarterly","status":"COMPLETED","startDate":"2026-09-15T00:00:00.000Z","endDate":"2026-09-29T00:00:00.000Z","scheduleType":"ONE_OFF","reviewerType":"USER","created":"2026-09-10T10:00:00.000Z","createdBy":"00u1ann0000000001","lastUpdated":"2026-09-28T17:30:00.000Z","lastUpdatedBy":"00u1ann0000000001","_links":{{}}}}],"_links":{{"self":{{"href":"{base}/governance/api/v1/campaigns"}}}}}}"#
    )
}

/// The reviews of the campaign, in two pages (the first with `_links.next`).
pub fn review_pages(base: &str) -> Vec<String> {
    let r = |id: &str, who: (&str, &str), decision: &str, decided: &str| {
        format!(
            r#"{{"id":"{id}","campaignId":"icizigd86iM9sOcbN1d6","resourceId":"0oa1oktaadminapp01","decision":"{decision}","decided":"{decided}","remediationStatus":"NONE","principalProfile":{{"id":"{}","email":"{}","login":"{}","firstName":null,"lastName":null,"status":"ACTIVE"}},"reviewerProfile":{{"id":"00u1ann0000000001","email":"ann@acme.io","login":"ann@acme.io","firstName":"Ann","lastName":"Lee","status":"ACTIVE"}},"reviewerType":"USER","currentReviewerLevel":"FIRST","delegated":false,"created":"2026-09-15T00:00:05.000Z","createdBy":"00u1ann0000000001","lastUpdated":"{decided}","lastUpdatedBy":"00u1ann0000000001","_links":{{}}}}"#,
            who.0, who.1, who.1
        )
    };
    vec![
        format!(
            r#"{{"data":[{}],"_links":{{"next":{{"href":"{base}/governance/api/v1/reviews?filter=campaignId%20eq%20%22icizigd86iM9sOcbN1d6%22&limit=200&after=icr1"}}}}}}"#,
            r(
                "icr1",
                ("00u1bob0000000001", "bob@acme.io"),
                "APPROVE",
                "2026-09-20T10:00:00.000Z"
            )
        ),
        format!(
            r#"{{"data":[{}],"_links":{{}}}}"#,
            r(
                "icr2",
                ("00u1cat0000000001", "cat@acme.io"),
                "APPROVE",
                "2026-09-21T10:00:00.000Z"
            )
        ),
    ]
}

/// The org's handler: `token` is the only valid API token.
pub fn org(
    token: &'static str,
    f: Faults,
) -> impl Fn(&Request, &str) -> Reply + Send + Sync + 'static {
    let (limited, errored) = (Once::default(), Once::default());
    move |req: &Request, base: &str| {
        let auth = req.header("authorization").unwrap_or("");
        if f.expired || auth != format!("SSWS {token}") {
            return Reply::status(401, E0000011)
                .header("www-authenticate", "SSWS realm=\"IronDome\"");
        }
        let rl = |r: Reply| {
            r.header("x-rate-limit-limit", "600")
                .header("x-rate-limit-remaining", "599")
                .header("x-rate-limit-reset", "1609459200")
        };
        let after = req.param("after");
        match req.path() {
            "/api/v1/users" if req.param("search").is_some() => rl(okta_links(
                Reply::json(deprovisioned_page()),
                base,
                &req.target,
                None,
            )),
            "/api/v1/users" => {
                let pages = user_pages();
                let i = match after.as_deref() {
                    None => 0,
                    Some("00u1bob0000000001") => 1,
                    Some("00u8svcbackup00001") => 2,
                    Some(_) => {
                        return Reply::status(
                            400,
                            r#"{"errorCode":"E0000031","errorSummary":"Invalid search criteria."}"#,
                        );
                    }
                };
                if limited.first(i == 1 && f.rate_limit_users_page_2) {
                    return Reply::status(429, r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oaeQ3cwvX3LQ6Wc8d8ZBn0vwA","errorCauses":[]}"#)
                        .header("retry-after", "2")
                        .header("x-rate-limit-limit", "600")
                        .header("x-rate-limit-remaining", "0")
                        .header("x-rate-limit-reset", "1609459200");
                }
                let next = match i {
                    0 => Some("/api/v1/users?limit=200&after=00u1bob0000000001"),
                    1 => Some("/api/v1/users?limit=200&after=00u8svcbackup00001"),
                    _ => None,
                };
                rl(okta_links(
                    Reply::json(pages[i].clone()),
                    base,
                    &req.target,
                    next,
                ))
            }
            "/api/v1/logs" => {
                if errored.first(f.server_error_logs) {
                    return Reply::status(
                        503,
                        r#"{"errorCode":"E0000009","errorSummary":"Internal Server Error","errorCauses":[]}"#,
                    );
                }
                let pages = log_pages();
                let (i, next) = match after.as_deref() {
                    None => (
                        0,
                        Some(format!(
                            "/api/v1/logs?since={}&until={}&limit=1000&sortOrder=ASCENDING&after=1602280800000_1",
                            req.param("since").unwrap_or_default(),
                            req.param("until").unwrap_or_default()
                        )),
                    ),
                    Some(_) => (1, None),
                };
                rl(okta_links(
                    Reply::json(pages[i].clone()),
                    base,
                    &req.target,
                    next.as_deref(),
                ))
            }
            "/governance/api/v1/campaigns" => {
                if f.no_governance_scope {
                    return Reply::status(403, E0000006);
                }
                rl(Reply::json(campaigns_page(base)))
            }
            "/governance/api/v1/reviews" => {
                let pages = review_pages(base);
                let i = usize::from(after.is_some());
                rl(Reply::json(pages[i].clone()))
            }
            _ => Reply::status(
                404,
                r#"{"errorCode":"E0000022","errorSummary":"The endpoint does not support the provided HTTP method"}"#,
            ),
        }
    }
}
