//! A small Entra tenant served as Microsoft Graph v1.0 and the Microsoft identity platform
//! document them, for the collector's tests. Graph is served under `/v1.0`, the token endpoint
//! under `/{tenant}/oauth2/v2.0/token`.
//!
//! Shapes, trimmed to the documented fields that matter but otherwise as documented:
//! the token answer and its errors (`invalid_client`, AADSTS7000222 for an expired client
//! secret) as in https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow;
//! users with `$select` as in https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0;
//! deleted users as in https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-list?view=graph-rest-1.0;
//! directory audits as in https://learn.microsoft.com/en-us/graph/api/directoryaudit-list?view=graph-rest-1.0;
//! access review definitions, instances and decisions as in
//! https://learn.microsoft.com/en-us/graph/api/accessreviewset-list-definitions?view=graph-rest-1.0,
//! https://learn.microsoft.com/en-us/graph/api/accessreviewscheduledefinition-list-instances?view=graph-rest-1.0 and
//! https://learn.microsoft.com/en-us/graph/api/accessreviewinstance-list-decisions?view=graph-rest-1.0;
//! service principals with `$expand=owners` as in https://learn.microsoft.com/en-us/graph/api/serviceprincipal-list?view=graph-rest-1.0;
//! `@odata.nextLink` paging as in https://learn.microsoft.com/en-us/graph/paging;
//! `429` with `Retry-After` as in https://learn.microsoft.com/en-us/graph/throttling;
//! `Authorization_RequestDenied` as in https://learn.microsoft.com/en-us/graph/errors.
//!
//! The story: ann and the service account svc-ci are active, frank was disabled on 2026-11-20
//! (the audit log says so), gina was deleted on 2026-11-25; the access review "Quarterly AWS
//! production access" ran in Q4 2026 (carol kept ann, revoked frank) and in Q1 2025 (over long
//! before the window: its decisions are not asked for); the service principal ci-deployer is
//! owned by ann and has a client secret from 2026-02-01.

#![allow(dead_code)]

use super::{Once, Reply, Request};

/// The tenant id.
pub const TENANT: &str = "b7f5a8d2-0c4e-4a3b-9f1e-2d6c8e0a1b23";
/// The client (application) id.
pub const CLIENT: &str = "5c1d9e7a-3b2f-4e8d-a6c0-9f4b7e2d1a38";
/// The access token the token endpoint hands out.
pub const ACCESS: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test-graph-access.sig";

const DEF: &str = "2b83cc42-09db-46f6-8c6e-16fec466a82d";
const INST_Q4: &str = "6444d4fd-ab55-4608-8cf9-c6702d172bfc";
const INST_OLD: &str = "1a2b3c4d-0000-4000-8000-00000000a2025";

/// Faults the tenant shows, once each.
#[derive(Default)]
pub struct Faults {
    /// The second users page answers `429` with `Retry-After` once.
    pub throttle_users_page_2: bool,
    /// The directory audits answer `503` once.
    pub server_error_audits: bool,
    /// The token endpoint refuses the client secret as expired.
    pub expired_secret: bool,
    /// The directory audits answer `403` (no `AuditLog.Read.All`).
    pub no_audit_permission: bool,
}

fn user(id: &str, upn: &str, name: &str, enabled: bool, created: &str) -> String {
    format!(
        r##"{{"id":"{id}","userPrincipalName":"{upn}","mail":"{upn}","displayName":"{name}","accountEnabled":{enabled},"createdDateTime":"{created}"}}"##
    )
}

/// The users' pages (two users, then one).
pub fn user_pages(base: &str) -> Vec<String> {
    let sel = "$select=id,userPrincipalName,mail,displayName,accountEnabled,createdDateTime";
    vec![
        format!(
            r##"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,mail,displayName,accountEnabled,createdDateTime)","@odata.nextLink":"{base}/v1.0/users?{sel}&$top=999&$skiptoken=RFNwdAIAAQAAABc6YW5uQGFjbWUuZXhhbXBsZQ","value":[{},{}]}}"##,
            user(
                "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
                "ann@acme.example",
                "Ann Archer",
                true,
                "2025-03-01T09:00:00Z"
            ),
            user(
                "0f3e9b4a-7c21-4d5e-8a96-1b2c3d4e5f60",
                "frank@acme.example",
                "Frank Fisher",
                false,
                "2025-04-01T09:00:00Z"
            ),
        ),
        format!(
            r##"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,mail,displayName,accountEnabled,createdDateTime)","value":[{}]}}"##,
            user(
                "c9a8b7d6-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                "svc-ci@acme.example",
                "CI service account",
                true,
                "2025-05-01T09:00:00Z"
            ),
        ),
    ]
}

/// The deleted users' page.
pub fn deleted_page() -> String {
    r##"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#directory/deletedItems/microsoft.graph.user(id,userPrincipalName,mail,displayName,accountEnabled,createdDateTime,deletedDateTime)","value":[{"id":"d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6","userPrincipalName":"d1e2f3a4b5c64d7e8f90a1b2c3d4e5f6gina@acme.example","mail":"gina@acme.example","displayName":"Gina Gray","accountEnabled":false,"createdDateTime":"2025-06-01T09:00:00Z","deletedDateTime":"2026-11-25T16:00:00Z"}]}"##.into()
}

/// The directory audits' page.
pub fn audits_page() -> String {
    r##"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits","value":[{"id":"Directory_ESQ9N_149827","category":"UserManagement","correlationId":"da159bfb-54fa-4092-8a38-8fbd2e0b3e1b","result":"success","resultReason":"","activityDisplayName":"Disable account","activityDateTime":"2026-11-20T10:00:00Z","loggedByService":"Core Directory","operationType":"Update","initiatedBy":{"app":null,"user":{"id":"728309ef-6d3c-4b4e-9a5d-1e2f3a4b5c6d","displayName":null,"userPrincipalName":"carol@acme.example","ipAddress":"","userType":null,"homeTenantId":null,"homeTenantName":null}},"targetResources":[{"id":"0f3e9b4a-7c21-4d5e-8a96-1b2c3d4e5f60","displayName":null,"type":"User","userPrincipalName":"frank@acme.example","groupType":null,"modifiedProperties":[{"displayName":"AccountEnabled","oldValue":"[true]","newValue":"[false]"}]}],"additionalDetails":[]},{"id":"Directory_ESQ9N_149900","category":"UserManagement","correlationId":"aa159bfb-54fa-4092-8a38-8fbd2e0b3e1c","result":"success","resultReason":"","activityDisplayName":"Delete user","activityDateTime":"2026-11-25T16:00:00Z","loggedByService":"Core Directory","operationType":"Delete","initiatedBy":{"app":null,"user":{"id":"728309ef-6d3c-4b4e-9a5d-1e2f3a4b5c6d","displayName":null,"userPrincipalName":"carol@acme.example","ipAddress":"","userType":null,"homeTenantId":null,"homeTenantName":null}},"targetResources":[{"id":"d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6","displayName":null,"type":"User","userPrincipalName":"d1e2f3a4b5c64d7e8f90a1b2c3d4e5f6gina@acme.example","groupType":null,"modifiedProperties":[]}],"additionalDetails":[]}]}"##.into()
}

/// The access review definitions' page.
pub fn definitions_page() -> String {
    format!(
        r##"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identityGovernance/accessReviews/definitions","value":[{{"id":"{DEF}","displayName":"Quarterly AWS production access","createdDateTime":"2025-01-10T09:00:00Z","lastModifiedDateTime":"2025-01-10T09:00:00Z","status":"InProgress","descriptionForAdmins":"","descriptionForReviewers":"","createdBy":{{"id":"728309ef-6d3c-4b4e-9a5d-1e2f3a4b5c6d","displayName":"Carol Chen","userPrincipalName":"carol@acme.example"}},"scope":{{"@odata.type":"#microsoft.graph.accessReviewQueryScope","query":"/groups/02f3bafb-448c-487c-88c2-5fd65ce49a41/transitiveMembers","queryType":"MicrosoftGraph"}},"instanceEnumerationScope":null,"reviewers":[],"settings":{{"mailNotificationsEnabled":true,"defaultDecisionEnabled":false,"defaultDecision":"None","instanceDurationInDays":14,"autoApplyDecisionsEnabled":true,"recommendationsEnabled":false,"recurrence":{{"pattern":{{"type":"absoluteMonthly","interval":3}},"range":{{"type":"noEnd","startDate":"2025-01-10"}}}}}}}}]}}"##
    )
}

/// The instances' page of the definition.
pub fn instances_page() -> String {
    format!(
        r##"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identityGovernance/accessReviews/definitions('{DEF}')/instances","value":[{{"id":"{INST_OLD}","startDateTime":"2025-01-10T09:00:00Z","endDateTime":"2025-01-24T09:00:00Z","status":"Completed","scope":{{"@odata.type":"#microsoft.graph.accessReviewQueryScope","query":"/groups/02f3bafb-448c-487c-88c2-5fd65ce49a41/transitiveMembers","queryType":"MicrosoftGraph"}}}},{{"id":"{INST_Q4}","startDateTime":"2026-10-10T09:00:00Z","endDateTime":"2026-10-24T09:00:00Z","status":"Completed","scope":{{"@odata.type":"#microsoft.graph.accessReviewQueryScope","query":"/groups/02f3bafb-448c-487c-88c2-5fd65ce49a41/transitiveMembers","queryType":"MicrosoftGraph"}}}}]}}"##
    )
}

fn decision(id: &str, decision: &str, principal: (&str, &str), at: &str) -> String {
    format!(
        r##"{{"id":"{id}","accessReviewId":"{INST_Q4}","reviewedDateTime":"{at}","decision":"{decision}","justification":"","appliedDateTime":null,"applyResult":"New","recommendation":"NoInfoAvailable","principalLink":"https://graph.microsoft.com/v1.0/users/{pid}","resourceLink":"https://graph.microsoft.com/v1.0/groups/02f3bafb-448c-487c-88c2-5fd65ce49a41","resource":{{"id":"02f3bafb-448c-487c-88c2-5fd65ce49a41","displayName":"AWS production","type":"group"}},"reviewedBy":{{"id":"728309ef-6d3c-4b4e-9a5d-1e2f3a4b5c6d","displayName":"Carol Chen","userPrincipalName":"carol@acme.example"}},"appliedBy":{{"id":"00000000-0000-0000-0000-000000000000","displayName":"","userPrincipalName":""}},"target":{{"@odata.type":"#microsoft.graph.accessReviewInstanceDecisionItemUserTarget","userId":"{pid}","userDisplayName":"","userPrincipalName":"{upn}"}},"principal":{{"@odata.type":"#microsoft.graph.userIdentity","id":"{pid}","displayName":"","userPrincipalName":"{upn}"}}}}"##,
        pid = principal.0,
        upn = principal.1,
    )
}

/// The decisions' page of the Q4 instance.
pub fn decisions_page() -> String {
    format!(
        r##"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identityGovernance/accessReviews/definitions('{DEF}')/instances('{INST_Q4}')/decisions","value":[{},{}]}}"##,
        decision(
            "e6cafba0-cbf0-4748-8868-0810c7f4cc06",
            "Approve",
            ("87d349ed-44d7-43e1-9a83-5f2406dee5bd", "ann@acme.example"),
            "2026-10-12T10:00:00Z"
        ),
        decision(
            "f7dbacb1-dc01-4859-9979-1921d8a5dd17",
            "Deny",
            ("0f3e9b4a-7c21-4d5e-8a96-1b2c3d4e5f60", "frank@acme.example"),
            "2026-10-12T10:05:00Z"
        ),
    )
}

/// The service principals' page.
pub fn service_principals_page() -> String {
    format!(
        r##"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals(owners())","value":[{{"id":"59e617e5-e447-4adc-8b88-00af644d7c92","accountEnabled":true,"appDisplayName":"ci-deployer","appId":"65415bb1-9267-4313-bbf5-ae259732ee12","appOwnerOrganizationId":"{TENANT}","createdDateTime":"2026-02-01T09:00:00Z","displayName":"ci-deployer","servicePrincipalType":"Application","signInAudience":"AzureADMyOrg","keyCredentials":[],"passwordCredentials":[{{"customKeyIdentifier":null,"displayName":"deploy","endDateTime":"2027-02-01T09:00:00Z","hint":"Zx~","keyId":"b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e","secretText":null,"startDateTime":"2026-02-01T09:00:00Z"}}],"owners":[{{"@odata.type":"#microsoft.graph.user","id":"87d349ed-44d7-43e1-9a83-5f2406dee5bd","displayName":"Ann Archer","userPrincipalName":"ann@acme.example","mail":"ann@acme.example"}}]}}]}}"##
    )
}

fn graph_error(status: u16, code: &str, message: &str) -> Reply {
    Reply::status(
        status,
        format!(
            r##"{{"error":{{"code":"{code}","message":"{message}","innerError":{{"date":"2026-12-05T12:00:00","request-id":"0b2a1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","client-request-id":"0b2a1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}}}}}}"##
        ),
    )
}

/// The tenant as a handler, with `secret` as the app registration's client secret.
pub fn tenant(
    secret: &'static str,
    f: Faults,
) -> impl Fn(&Request, &str) -> Reply + Send + Sync + 'static {
    let _ = secret;
    let (throttled, errored) = (Once::default(), Once::default());
    move |req: &Request, base: &str| {
        if req.path() == format!("/{TENANT}/oauth2/v2.0/token") {
            if req.method != "POST" {
                return Reply::status(405, "{}");
            }
            if f.expired_secret {
                return Reply::status(
                    401,
                    format!(
                        r##"{{"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys for app '{CLIENT}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds. Trace ID: 1c2d3e4f-0000-4000-8000-000000000000 Correlation ID: 2d3e4f5a-0000-4000-8000-000000000000 Timestamp: 2026-12-05 12:00:00Z","error_codes":[7000222],"timestamp":"2026-12-05 12:00:00Z","trace_id":"1c2d3e4f-0000-4000-8000-000000000000","correlation_id":"2d3e4f5a-0000-4000-8000-000000000000"}}"##
                    ),
                );
            }
            return Reply::json(format!(
                r##"{{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"{ACCESS}"}}"##
            ));
        }
        if req.header("authorization") != Some(&format!("Bearer {ACCESS}")) {
            return graph_error(401, "InvalidAuthenticationToken", "Access token is empty.");
        }
        let Some(path) = req.path().strip_prefix("/v1.0") else {
            return graph_error(400, "BadRequest", "Invalid version.");
        };
        let defs = "/identityGovernance/accessReviews/definitions";
        match path {
            "/users" => {
                let pages = user_pages(base);
                if req.target.contains("skiptoken=") {
                    if throttled.first(f.throttle_users_page_2) {
                        return graph_error(429, "TooManyRequests", "Please retry again later.")
                            .header("retry-after", "1");
                    }
                    Reply::json(pages[1].clone())
                } else {
                    Reply::json(pages[0].clone())
                }
            }
            "/directory/deletedItems/microsoft.graph.user" => Reply::json(deleted_page()),
            "/auditLogs/directoryAudits" => {
                if f.no_audit_permission {
                    return graph_error(
                        403,
                        "Authorization_RequestDenied",
                        "Insufficient privileges to complete the operation.",
                    );
                }
                if errored.first(f.server_error_audits) {
                    return graph_error(
                        503,
                        "serviceNotAvailable",
                        "The service is temporarily unavailable.",
                    );
                }
                Reply::json(audits_page())
            }
            p if p == defs => Reply::json(definitions_page()),
            p if p == format!("{defs}/{DEF}/instances") => Reply::json(instances_page()),
            p if p == format!("{defs}/{DEF}/instances/{INST_Q4}/decisions") => {
                Reply::json(decisions_page())
            }
            "/servicePrincipals" => Reply::json(service_principals_page()),
            _ => graph_error(404, "Request_ResourceNotFound", "Resource not found."),
        }
    }
}
