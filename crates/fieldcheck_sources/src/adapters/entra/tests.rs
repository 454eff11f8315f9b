//! Recorded Graph payloads (written to the documented shapes) for the Entra adapters.

use crate::testkit::{flat, run};

fn flats(out: &crate::testkit::Out, stem: &str) -> Vec<String> {
    out.rows(stem).iter().map(flat).collect()
}

// ------------------------------------------------------------------------------------ users

const USERS_1: &str = r##"{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,mail,accountEnabled,createdDateTime)",
  "value": [
    {"id": "1800bb2c-955d-4205-8471-3a6c3116435d", "userPrincipalName": "kenji@contoso.com",
     "mail": "Kenji.Watanabe@contoso.com", "accountEnabled": false, "createdDateTime": "2021-06-01T08:00:00Z"},
    {"id": "5f0c2b7e-0c4e-4d7a-9a55-1b2f6f0f0a11", "userPrincipalName": "ann@contoso.com",
     "mail": null, "accountEnabled": true, "createdDateTime": "2019-02-14T20:45:22.1234567Z"}
  ],
  "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$skiptoken=X"
}
{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": [
  {"id": "aa11", "userPrincipalName": "svc-backup@contoso.com", "mail": "platform@contoso.com",
   "accountEnabled": true, "createdDateTime": "2023-04-02T10:11:12Z"}
]}
"##;

const USERS_2: &str = r##"{"value": [
  {"id": "bb22", "userPrincipalName": "old@contoso.com", "mail": "old@contoso.com", "accountEnabled": false,
   "createdDateTime": "2020-01-01T00:00:00Z", "deletedDateTime": "2025-03-20T10:00:00Z"},
  {"id": "cc33", "userPrincipalName": "x@contoso.com", "accountEnabled": "yes"},
  {"id": "dd44", "userPrincipalName": "y@contoso.com", "createdDateTime": "last week"}
]}"##;

#[test]
fn entra_users_become_accounts_and_identities() {
    let out = run(
        "[[sources]]\nadapter = \"entra-users\"\npath = \"entra/users-*.json\"\nsystem_id = \"entra\"\nservice_accounts = [\"SVC-*\"]\nowners = { \"svc-backup@contoso.com\" = \"ann@contoso.com\" }",
        &[
            ("entra/users-1.json", USERS_1.as_bytes()),
            ("entra/users-2.json", USERS_2.as_bytes()),
        ],
    );
    assert_eq!(
        flats(&out, "accounts"),
        [
            "account_id=1800bb2c-955d-4205-8471-3a6c3116435d|created_at=2021-06-01T08:00:00Z|interactive=true|kind=human|person_id=Kenji.Watanabe@contoso.com|status=disabled|system_id=entra",
            "account_id=5f0c2b7e-0c4e-4d7a-9a55-1b2f6f0f0a11|created_at=2019-02-14T20:45:22.1234567Z|interactive=true|kind=human|person_id=ann@contoso.com|status=active|system_id=entra",
            "account_id=aa11|created_at=2023-04-02T10:11:12Z|kind=service|owner_id=ann@contoso.com|status=active|system_id=entra",
            "account_id=bb22|created_at=2020-01-01T00:00:00Z|disabled_at=2025-03-20T10:00:00Z|interactive=true|kind=human|person_id=old@contoso.com|status=deleted|system_id=entra",
            "account_id=dd44|interactive=true|kind=human|person_id=y@contoso.com|system_id=entra",
        ]
    );
    assert_eq!(
        flats(&out, "identities"),
        [
            "external_id=1800bb2c-955d-4205-8471-3a6c3116435d|person_id=Kenji.Watanabe@contoso.com|system_id=entra",
            "external_id=kenji@contoso.com|person_id=Kenji.Watanabe@contoso.com|system_id=entra",
            "external_id=5f0c2b7e-0c4e-4d7a-9a55-1b2f6f0f0a11|person_id=ann@contoso.com|system_id=entra",
            "external_id=aa11|person_id=platform@contoso.com|system_id=entra",
            "external_id=svc-backup@contoso.com|person_id=platform@contoso.com|system_id=entra",
            "external_id=bb22|person_id=old@contoso.com|system_id=entra",
            "external_id=dd44|person_id=y@contoso.com|system_id=entra",
        ]
    );
    // A string `accountEnabled` is a bad record on its line; a bad time is read as unknown.
    assert_eq!(out.codes(), ["bad-json", "bad-value"]);
    assert_eq!(
        (out.diags[0].file.as_deref(), out.diags[0].line),
        (Some("entra/users-2.json"), Some(4))
    );
    assert_eq!(out.diags[1].line, Some(5));
    let o = &out.origins("accounts")[2];
    assert_eq!((o.line, o.path.as_deref()), (12, Some("#2 $.value[0]")));
}

// ------------------------------------------------------------------------------------ audit

const AUDIT: &str = r##"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits", "value": [
  {"id": "7c2b1f2e-8b0a-4a8f-9c3d-1e2f3a4b5c6d", "activityDateTime": "2025-03-14T19:02:45.1234567Z",
   "activityDisplayName": "Disable account", "category": "UserManagement", "loggedByService": "Core Directory",
   "operationType": "Update", "result": "success", "resultReason": "",
   "initiatedBy": {"user": {"id": "5f0c2b7e-0c4e-4d7a-9a55-1b2f6f0f0a11", "displayName": "IT Admin",
     "userPrincipalName": "it-admin@contoso.com", "ipAddress": "198.51.100.20"}},
   "targetResources": [{"id": "1800bb2c-955d-4205-8471-3a6c3116435d", "displayName": "Kenji Watanabe",
     "type": "User", "userPrincipalName": "kenji@contoso.com",
     "modifiedProperties": [{"displayName": "AccountEnabled", "oldValue": "[true]", "newValue": "[false]"}]}],
   "additionalDetails": []},
  {"id": "2", "activityDateTime": "2025-03-14T19:02:50Z", "activityDisplayName": "Update StsRefreshTokenValidFrom Timestamp",
   "result": "success", "initiatedBy": {"app": {"appId": "a1", "displayName": "Offboarding Logic App", "servicePrincipalId": "s1"}},
   "targetResources": [{"id": "1800bb2c-955d-4205-8471-3a6c3116435d", "type": "User", "userPrincipalName": "kenji@contoso.com"}]},
  {"id": "3", "activityDateTime": "2025-03-15T10:00:00Z", "activityDisplayName": "Update user", "result": "success",
   "initiatedBy": {"user": {"userPrincipalName": "it-admin@contoso.com"}},
   "targetResources": [{"id": "u3", "type": "User", "userPrincipalName": "lee@contoso.com",
     "modifiedProperties": [{"displayName": "AccountEnabled", "oldValue": "[false]", "newValue": "[true]"}]}]},
  {"id": "4", "activityDateTime": "2025-03-15T11:00:00Z", "activityDisplayName": "Update user", "result": "success",
   "targetResources": [{"id": "u4", "type": "User",
     "modifiedProperties": [{"displayName": "Department", "oldValue": "[\"A\"]", "newValue": "[\"B\"]"}]}]}
]}
{"value": [
  {"id": "5", "activityDateTime": "2025-03-16T09:00:00Z", "activityDisplayName": "Hard Delete user", "result": "success",
   "initiatedBy": {"user": {"id": "adm1"}}, "targetResources": [{"id": "u5", "type": "User"}]},
  {"id": "6", "activityDateTime": "2025-03-16T09:30:00Z", "activityDisplayName": "Restore user.", "result": "success",
   "targetResources": [{"id": "u6", "type": "User", "userPrincipalName": "back@contoso.com"}]},
  {"id": "7", "activityDateTime": "2025-03-16T09:40:00Z", "activityDisplayName": "Disable account", "result": "failure",
   "targetResources": [{"id": "u7", "type": "User"}]},
  {"id": "8", "activityDateTime": "2025-03-16T09:50:00Z", "activityDisplayName": "Add member to group", "result": "success",
   "targetResources": [{"id": "g8", "type": "Group"}]},
  {"id": "9", "activityDateTime": "2025-03-16T09:51:00Z", "activityDisplayName": "Add member to group", "result": "success"},
  {"id": "10", "activityDateTime": "2025-03-16T10:00:00Z", "activityDisplayName": "Delete user", "result": "success",
   "targetResources": [{"id": "g10", "type": "Group"}]},
  {"id": "11", "activityDateTime": "16/03/2025", "activityDisplayName": "Delete user", "result": "success",
   "targetResources": [{"id": "u11", "type": "User"}]},
  {"id": "12", "activityDateTime": "2025-03-16T10:00:00Z", "activityDisplayName": "Enable account", "result": "success",
   "targetResources": "u12"}
]}
"##;

#[test]
fn entra_audit_records_become_account_events() {
    let out = run(
        "[[sources]]\nadapter = \"entra-audit\"\npath = \"entra/audit.json\"\nsystem_id = \"entra\"",
        &[("entra/audit.json", AUDIT.as_bytes())],
    );
    assert_eq!(
        flats(&out, "account_events"),
        [
            "account_id=1800bb2c-955d-4205-8471-3a6c3116435d|actor_id=it-admin@contoso.com|at=2025-03-14T19:02:45.1234567Z|event=disabled|system_id=entra",
            "account_id=1800bb2c-955d-4205-8471-3a6c3116435d|actor_id=Offboarding Logic App|at=2025-03-14T19:02:50Z|event=sessions_revoked|system_id=entra",
            "account_id=u3|actor_id=it-admin@contoso.com|at=2025-03-15T10:00:00Z|event=enabled|system_id=entra",
            "account_id=u5|actor_id=adm1|at=2025-03-16T09:00:00Z|event=deleted|system_id=entra",
            "account_id=u6|at=2025-03-16T09:30:00Z|event=enabled|system_id=entra",
        ]
    );
    assert_eq!(
        flats(&out, "identities"),
        [
            "external_id=1800bb2c-955d-4205-8471-3a6c3116435d|person_id=kenji@contoso.com|system_id=entra",
            "external_id=u3|person_id=lee@contoso.com|system_id=entra",
            "external_id=u6|person_id=back@contoso.com|system_id=entra",
        ]
    );
    assert_eq!(
        out.codes(),
        [
            "bad-value",
            "bad-value",
            "bad-json",
            "source-skipped-events",
            "source-skipped-events"
        ],
        "{:?}",
        out.diags
    );
    // The Delete user of a group names no user, a day-first date is no timestamp, the string
    // targetResources is a bad record: each on its record's line.
    let lines: Vec<Option<u32>> = out.diags[..3].iter().map(|d| d.line).collect();
    assert_eq!(lines, [Some(32), Some(34), Some(37)]);
    assert!(out.diags[3].message.starts_with("1 record without"));
    assert!(
        out.diags[4]
            .message
            .contains("`Add member to group` ×2, `Update user (no AccountEnabled change)` ×1"),
        "{}",
        out.diags[3].message
    );
}

#[test]
fn entra_audit_extra_activities_and_a_cut_page() {
    let cut = &AUDIT[..AUDIT.find("{\"id\": \"3\"").unwrap() + 30];
    let out = run(
        "[[sources]]\nadapter = \"entra-audit\"\npath = \"entra/*.json\"\nsystem_id = \"entra\"\nactivities = { \"Block sign-in\" = \"disabled\", \"Reset\" = \"wiped\" }",
        &[
            ("entra/a.json", cut.as_bytes()),
            (
                "entra/b.json",
                br##"[{"activityDateTime": "2025-04-01T00:00:00Z", "activityDisplayName": "Block sign-in", "result": "Success", "targetResources": [{"id": "u9", "type": "User"}]}]"##,
            ),
        ],
    );
    assert_eq!(out.rows("account_events").len(), 3);
    assert_eq!(out.rows("account_events")[2]["event"], "disabled");
    assert_eq!(out.codes(), ["source-invalid-option", "truncated-export"]);
    assert_eq!(out.problems("account_events").len(), 1);
}

// --------------------------------------------------------------------------- access reviews

const DEFINITIONS: &str = r##"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identityGovernance/accessReviews/definitions",
 "value": [
  {"id": "60860cdd-fb4d-4054-91ba-f75e04444aa6", "displayName": "Quarterly AWS production access",
   "createdDateTime": "2024-12-01T00:00:00Z", "lastModifiedDateTime": "2024-12-01T00:00:00Z", "status": "InProgress",
   "descriptionForAdmins": "", "descriptionForReviewers": "",
   "createdBy": {"id": "5f0c2b7e-0c4e-4d7a-9a55-1b2f6f0f0a11", "displayName": "Ann Lee", "userPrincipalName": "ann@contoso.com"},
   "scope": {"@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": "/groups/98f41dad-68d5-42f6-a50f-ddd75c5c5539/transitiveMembers", "queryType": "MicrosoftGraph"},
   "reviewers": [], "settings": {"mailNotificationsEnabled": true, "defaultDecisionEnabled": false,
     "instanceDurationInDays": 14, "autoApplyDecisionsEnabled": true,
     "recurrence": {"pattern": {"type": "absoluteMonthly", "interval": 3}, "range": {"type": "noEnd", "startDate": "2025-01-01"}}}}
 ]}"##;

const INSTANCES: &str = r##"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identityGovernance/accessReviews/definitions('60860cdd-fb4d-4054-91ba-f75e04444aa6')/instances",
 "value": [
  {"id": "8d035c9d-798d-47fa-beb4-f986a4b8126f", "startDateTime": "2025-01-01T08:00:00Z", "endDateTime": "2025-01-15T08:00:00Z",
   "status": "Completed", "scope": {"query": "/groups/98f41dad/transitiveMembers", "queryType": "MicrosoftGraph"}},
  {"id": "9e146d0e-0000-4000-8000-000000000002", "startDateTime": "2025-04-01T08:00:00.00Z", "endDateTime": "2025-04-15T08:00:00Z",
   "status": "InProgress"}
 ]}
{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identityGovernance/accessReviews/definitions('other-def')/instances",
 "value": [
  {"id": "inst-other", "startDateTime": "2025-02-01T00:00:00Z", "endDateTime": "2025-02-10T00:00:00Z", "status": "AutoReviewed"}
 ]}
"##;

const DECISIONS: &str = r##"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identityGovernance/accessReviews/definitions('60860cdd-fb4d-4054-91ba-f75e04444aa6')/instances('8d035c9d-798d-47fa-beb4-f986a4b8126f')/decisions",
 "@odata.count": 5,
 "value": [
  {"id": "139166ec-d214-4835-95aa-3c1d89581e51", "accessReviewId": "8d035c9d-798d-47fa-beb4-f986a4b8126f",
   "decision": "Deny", "justification": "Left the payments team in January",
   "reviewedBy": {"id": "5f0c2b7e-0c4e-4d7a-9a55-1b2f6f0f0a11", "displayName": "Ann Lee", "userPrincipalName": "ann@contoso.com"},
   "reviewedDateTime": "2025-01-10T14:22:09Z",
   "appliedBy": {"id": "00000000-0000-0000-0000-000000000000", "displayName": "", "userPrincipalName": ""},
   "appliedDateTime": "2025-01-15T00:04:11Z", "applyResult": "AppliedSuccessfully", "recommendation": "Deny",
   "principal": {"@odata.type": "#microsoft.graph.userIdentity", "id": "1800bb2c-955d-4205-8471-3a6c3116435d",
     "displayName": "Bob Ng", "userPrincipalName": "bob@contoso.com"},
   "principalLink": "https://graph.microsoft.com/v1.0/users/1800bb2c-955d-4205-8471-3a6c3116435d",
   "resourceLink": "https://graph.microsoft.com/v1.0/groups/98f41dad-68d5-42f6-a50f-ddd75c5c5539", "resource": null},
  {"id": "d2", "accessReviewId": "8d035c9d-798d-47fa-beb4-f986a4b8126f", "decision": "NotReviewed", "justification": "",
   "reviewedBy": {"id": "00000000-0000-0000-0000-000000000000", "displayName": "", "userPrincipalName": ""},
   "reviewedDateTime": null,
   "principal": {"@odata.type": "#microsoft.graph.servicePrincipalIdentity", "id": "sp-1", "displayName": "ci-deployer"}},
  {"id": "d3", "accessReviewId": "8d035c9d-798d-47fa-beb4-f986a4b8126f", "decision": "Approve",
   "reviewedBy": {"id": "rev-2", "displayName": "Cat"}, "reviewedDateTime": "2025-01-11T10:00:00.1Z",
   "principal": {"id": "p-3", "userPrincipalName": "p3@contoso.com"}},
  {"id": "d4", "accessReviewId": "8d035c9d-798d-47fa-beb4-f986a4b8126f", "decision": "Abstain",
   "principal": {"id": "p-4"}},
  {"id": "d5", "accessReviewId": "8d035c9d-798d-47fa-beb4-f986a4b8126f", "decision": "DontKnow",
   "reviewedBy": {"id": 7}, "principal": {"id": "p-5"}}
 ]}"##;

const DECISIONS_OTHER: &str = r##"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identityGovernance/accessReviews/definitions('other-def')/instances('inst-x')/decisions",
 "value": [{"id": "e1", "accessReviewId": "inst-x", "decision": "Approve", "reviewedBy": {"id": "r"}, "reviewedDateTime": "2025-02-02T00:00:00Z", "principal": {"id": "p-9"}}]}"##;

const REVIEWS_CONFIG: &str = "[[sources]]\nadapter = \"entra-access-reviews\"\npath = \"entra/ar/*.json\"\nsystem_id = \"entra\"\nsystems = { \"Quarterly AWS production access\" = \"aws-prod\", \"other-def\" = \"github\" }";

#[test]
fn entra_access_reviews_link_instances_to_definitions() {
    let out = run(
        REVIEWS_CONFIG,
        &[
            // Decisions sort first: linking does not depend on file order.
            ("entra/ar/a-decisions.json", DECISIONS.as_bytes()),
            ("entra/ar/b-decisions.json", DECISIONS_OTHER.as_bytes()),
            ("entra/ar/instances.json", INSTANCES.as_bytes()),
            ("entra/ar/z-definitions.json", DEFINITIONS.as_bytes()),
        ],
    );
    assert_eq!(
        flats(&out, "access_reviews"),
        [
            "completed_at=2025-01-15T08:00:00Z|owner_id=ann@contoso.com|review_id=8d035c9d-798d-47fa-beb4-f986a4b8126f|started_at=2025-01-01T08:00:00Z|system_id=aws-prod",
            "owner_id=ann@contoso.com|review_id=9e146d0e-0000-4000-8000-000000000002|started_at=2025-04-01T08:00:00Z|system_id=aws-prod",
            "completed_at=2025-02-10T00:00:00Z|review_id=inst-other|started_at=2025-02-01T00:00:00Z|system_id=github",
        ]
    );
    assert_eq!(
        flats(&out, "access_review_decisions"),
        [
            "account_id=1800bb2c-955d-4205-8471-3a6c3116435d|decided_at=2025-01-10T14:22:09Z|decision=revoke|review_id=8d035c9d-798d-47fa-beb4-f986a4b8126f|reviewer_id=ann@contoso.com|system_id=aws-prod",
            "account_id=sp-1|decision=no_response|review_id=8d035c9d-798d-47fa-beb4-f986a4b8126f|system_id=aws-prod",
            "account_id=p-3|decided_at=2025-01-11T10:00:00.1Z|decision=keep|review_id=8d035c9d-798d-47fa-beb4-f986a4b8126f|reviewer_id=rev-2|system_id=aws-prod",
            // Its instance is not exported; the page's context still names the definition.
            "account_id=p-9|decided_at=2025-02-02T00:00:00Z|decision=keep|review_id=inst-x|reviewer_id=r|system_id=github",
        ]
    );
    assert_eq!(
        flats(&out, "identities"),
        [
            "external_id=1800bb2c-955d-4205-8471-3a6c3116435d|person_id=bob@contoso.com|system_id=entra",
            "external_id=5f0c2b7e-0c4e-4d7a-9a55-1b2f6f0f0a11|person_id=ann@contoso.com|system_id=entra",
            "external_id=p-3|person_id=p3@contoso.com|system_id=entra",
        ]
    );
    // The numeric reviewer id is a bad record (its line), the unknown decision is skipped.
    assert_eq!(
        out.codes(),
        ["bad-json", "unknown-value"],
        "{:?}",
        out.diags
    );
    assert_eq!(out.diags[0].line, Some(24));
    assert_eq!(out.diags[1].line, Some(21));
}

#[test]
fn entra_instances_without_context_use_the_source_system() {
    let bare = r##"[{"id": "i1", "startDateTime": "2025-01-01T00:00:00Z", "endDateTime": "2025-01-02T00:00:00Z", "status": "Completed"}]"##;
    let out = run(REVIEWS_CONFIG, &[("entra/ar/i.json", bare.as_bytes())]);
    assert_eq!(
        flats(&out, "access_reviews"),
        [
            "completed_at=2025-01-02T00:00:00Z|review_id=i1|started_at=2025-01-01T00:00:00Z|system_id=entra"
        ]
    );
    assert_eq!(out.codes(), ["source-unlinked-review"]);
}

#[test]
fn entra_a_cut_decisions_page_keeps_its_context() {
    let cut = &DECISIONS[..DECISIONS.find("{\"id\": \"d3\"").unwrap()];
    let out = run(
        REVIEWS_CONFIG,
        &[
            ("entra/ar/d.json", cut.as_bytes()),
            ("entra/ar/z.json", DEFINITIONS.as_bytes()),
        ],
    );
    let systems: Vec<String> = out
        .rows("access_review_decisions")
        .iter()
        .map(|r| r["system_id"].clone())
        .collect();
    assert_eq!(systems, ["aws-prod", "aws-prod"]);
    assert_eq!(out.codes(), ["truncated-export"]);
}

// --------------------------------------------------------------------------------- apps

const APPLICATIONS: &str = r##"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications(id,appId,displayName,createdDateTime,passwordCredentials,keyCredentials,owners())",
 "value": [
  {"id": "0a1b0000-0000-4000-8000-000000000001", "appId": "c0ffee00-1111-2222-3333-444455556666", "displayName": "ci-deployer",
   "createdDateTime": "2024-02-01T00:00:00Z",
   "passwordCredentials": [{"customKeyIdentifier": null, "displayName": "github-actions",
     "endDateTime": "2026-01-31T00:00:00Z", "hint": "Q7~", "keyId": "0f6f3f4e-7c2d-4b1a-9e77-5a5a5a5a5a5a",
     "secretText": null, "startDateTime": "2025-02-01T00:00:00Z"}],
   "keyCredentials": [{"customKeyIdentifier": "A1B2", "displayName": "CN=ci", "endDateTime": "2027-01-01T00:00:00Z",
     "keyId": "1e7e0000-0000-4000-8000-00000000000c", "startDateTime": "2025-01-01T00:00:00Z",
     "type": "AsymmetricX509Cert", "usage": "Verify"}],
   "owners": [{"@odata.type": "#microsoft.graph.user", "id": "u1", "userPrincipalName": "ann@contoso.com", "mail": "ann@contoso.com"}]},
  {"id": "0a1b0000-0000-4000-8000-000000000002", "appId": "app-2", "displayName": "reporting",
   "createdDateTime": "2023-05-05T00:00:00Z", "passwordCredentials": [{"keyId": null, "startDateTime": "2023-05-05T00:00:00Z"}],
   "keyCredentials": [], "owners": []}
 ]}"##;

const SERVICE_PRINCIPALS: &str = r##"{"value": [
  {"id": "8a1f0c55-2b3c-4d5e-8f90-112233445566", "appId": "c0ffee00-1111-2222-3333-444455556666", "displayName": "ci-deployer",
   "servicePrincipalType": "Application", "accountEnabled": false, "appOwnerOrganizationId": "tenant-acme",
   "passwordCredentials": [{"keyId": "2b2b0000-0000-4000-8000-000000000002", "startDateTime": "2025-03-01T00:00:00Z"}],
   "keyCredentials": []},
  {"id": "mi-1", "appId": "mi-app-1", "displayName": "vm-backup-identity", "servicePrincipalType": "ManagedIdentity",
   "accountEnabled": true, "passwordCredentials": [], "keyCredentials": []},
  {"id": "ms-1", "appId": "00000003-0000-0000-c000-000000000000", "displayName": "Microsoft Graph",
   "servicePrincipalType": "Application", "accountEnabled": true,
   "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a"},
  {"id": "sp-bad", "appId": "app-bad", "accountEnabled": "true"}
 ]}"##;

#[test]
fn entra_apps_become_service_accounts_with_credentials() {
    let out = run(
        "[[sources]]\nadapter = \"entra-apps\"\npath = \"entra/apps/*.json\"\nsystem_id = \"entra\"\nowners = { \"reporting\" = \"cat@contoso.com\" }",
        &[
            ("entra/apps/applications.json", APPLICATIONS.as_bytes()),
            (
                "entra/apps/serviceprincipals.json",
                SERVICE_PRINCIPALS.as_bytes(),
            ),
        ],
    );
    assert_eq!(
        flats(&out, "accounts"),
        [
            "account_id=c0ffee00-1111-2222-3333-444455556666|created_at=2024-02-01T00:00:00Z|interactive=false|kind=service|owner_id=ann@contoso.com|status=disabled|system_id=entra",
            "account_id=app-2|created_at=2023-05-05T00:00:00Z|interactive=false|kind=service|owner_id=cat@contoso.com|system_id=entra",
            "account_id=mi-app-1|interactive=false|kind=service|status=active|system_id=entra",
        ]
    );
    assert_eq!(
        flats(&out, "credentials"),
        [
            "account_id=c0ffee00-1111-2222-3333-444455556666|created_at=2025-02-01T00:00:00Z|credential_id=0f6f3f4e-7c2d-4b1a-9e77-5a5a5a5a5a5a|system_id=entra|type=api_token",
            "account_id=c0ffee00-1111-2222-3333-444455556666|created_at=2025-01-01T00:00:00Z|credential_id=1e7e0000-0000-4000-8000-00000000000c|system_id=entra|type=certificate",
            "account_id=c0ffee00-1111-2222-3333-444455556666|created_at=2025-03-01T00:00:00Z|credential_id=2b2b0000-0000-4000-8000-000000000002|system_id=entra|type=api_token",
        ]
    );
    assert_eq!(
        out.codes(),
        ["bad-value", "bad-json", "source-skipped-records"],
        "{:?}",
        out.diags
    );
    assert_eq!(out.diags[0].line, Some(12));
    assert_eq!(out.diags[1].line, Some(11));
}

#[test]
fn entra_apps_can_include_microsoft_service_principals() {
    let out = run(
        "[[sources]]\nadapter = \"entra-apps\"\npath = \"entra/sp.json\"\nsystem_id = \"entra\"\nmicrosoft_apps = true",
        &[("entra/sp.json", SERVICE_PRINCIPALS.as_bytes())],
    );
    assert_eq!(out.rows("accounts").len(), 3);
    assert_eq!(out.codes(), ["bad-json"]);
}

#[test]
fn the_examples_are_valid_sources() {
    for name in [
        "okta-iga",
        "entra-users",
        "entra-audit",
        "entra-access-reviews",
        "entra-apps",
        "aws-iam-credential-report",
    ] {
        let spec = crate::adapter(name).expect("registered").spec;
        let out = run(spec.example, &[]);
        // Only the missing files are reported: every option of the example is known and typed.
        assert_eq!(out.codes(), ["source-no-files"], "{name}: {:?}", out.diags);
    }
}
