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
    // A string `accountEnabled` is a bad record on its line; a bad time is read as unknown; the
    // record without `accountEnabled` was exported without the `$select` (one error per file).
    assert_eq!(
        out.codes(),
        ["bad-json", "bad-value", "source-missing-select"]
    );
    assert_eq!(
        (out.diags[0].file.as_deref(), out.diags[0].line),
        (Some("entra/users-2.json"), Some(4))
    );
    assert_eq!(out.diags[1].line, Some(5));
    assert_eq!(
        (out.diags[2].file.as_deref(), out.diags[2].line),
        (Some("entra/users-2.json"), Some(5))
    );
    assert!(
        out.diags[2]
            .message
            .starts_with("1 record of this file has no `accountEnabled`:"),
        "{}",
        out.diags[2].message
    );
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
    // The managed identity's listing has no `owners` (no `$expand=owners`) and the `owners`
    // option does not name it: a warning on its file; ci-deployer's owner came from its
    // application, reporting's from the option.
    assert_eq!(
        out.codes(),
        [
            "bad-value",
            "bad-json",
            "source-missing-select",
            "source-skipped-records"
        ],
        "{:?}",
        out.diags
    );
    assert_eq!(out.diags[0].line, Some(12));
    assert_eq!(out.diags[1].line, Some(11));
    assert_eq!(
        (out.diags[2].file.as_deref(), out.diags[2].line),
        (Some("entra/apps/serviceprincipals.json"), Some(6))
    );
    assert_eq!(out.diags[2].severity, fieldcheck_kit::Severity::Warning);
    assert!(out.diags[2].message.contains("no `owners`"));
}

#[test]
fn entra_apps_can_include_microsoft_service_principals() {
    let out = run(
        "[[sources]]\nadapter = \"entra-apps\"\npath = \"entra/sp.json\"\nsystem_id = \"entra\"\nmicrosoft_apps = true",
        &[("entra/sp.json", SERVICE_PRINCIPALS.as_bytes())],
    );
    assert_eq!(out.rows("accounts").len(), 3);
    assert_eq!(out.codes(), ["bad-json", "source-missing-select"]);
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

// ------------------------------------------------------- Microsoft's documented payloads

/// `GET /users` without `$select`, as Microsoft documents it: Example 1 of "List users",
/// https://learn.microsoft.com/graph/api/user-list?view=graph-rest-1.0 (source:
/// microsoftgraph/microsoft-graph-docs-contrib, api-reference/v1.0/api/user-list.md).
const DOC_USERS: &str = r##"{
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
    "value": [
        {
            "businessPhones": [],
            "displayName": "Conf Room Adams",
            "givenName": null,
            "jobTitle": null,
            "mail": "Adams@contoso.com",
            "mobilePhone": null,
            "officeLocation": null,
            "preferredLanguage": null,
            "surname": null,
            "userPrincipalName": "Adams@contoso.com",
            "id": "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0"
        },
        {
            "businessPhones": [
                "425-555-0100"
            ],
            "displayName": "MOD Administrator",
            "givenName": "MOD",
            "jobTitle": null,
            "mail": null,
            "mobilePhone": "425-555-0101",
            "officeLocation": null,
            "preferredLanguage": "en-US",
            "surname": "Administrator",
            "userPrincipalName": "admin@contoso.com",
            "id": "4562bcc8-c436-4f95-b7c0-4f8ce89dca5e"
        }
    ]
}"##;

#[test]
fn entra_users_documented_default_listing_names_the_select() {
    let out = run(
        "[[sources]]\nadapter = \"entra-users\"\npath = \"entra/users.json\"\nsystem_id = \"entra\"",
        &[("entra/users.json", DOC_USERS.as_bytes())],
    );
    // The records are read; status and creation are unknown, not guessed.
    assert_eq!(
        flats(&out, "accounts"),
        [
            "account_id=6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0|interactive=true|kind=human|person_id=Adams@contoso.com|system_id=entra",
            "account_id=4562bcc8-c436-4f95-b7c0-4f8ce89dca5e|interactive=true|kind=human|person_id=admin@contoso.com|system_id=entra",
        ]
    );
    assert_eq!(
        flats(&out, "identities"),
        [
            "external_id=6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0|person_id=Adams@contoso.com|system_id=entra",
            "external_id=4562bcc8-c436-4f95-b7c0-4f8ce89dca5e|person_id=admin@contoso.com|system_id=entra",
        ]
    );
    // One error for the file (not one per record), naming the `$select` to add.
    assert_eq!(out.codes(), ["source-missing-select"], "{:?}", out.diags);
    let d = &out.diags[0];
    assert_eq!(d.severity, fieldcheck_kit::Severity::Error);
    assert_eq!(
        (d.file.as_deref(), d.line),
        (Some("entra/users.json"), Some(4))
    );
    assert!(
        d.message
            .starts_with("2 records of this file have no `accountEnabled` or `createdDateTime`"),
        "{}",
        d.message
    );
    assert!(
        d.help.as_deref().is_some_and(|h| h.contains(
            "GET /users?$select=id,userPrincipalName,mail,accountEnabled,createdDateTime`"
        )),
        "{:?}",
        d.help
    );
    assert_eq!(out.problems("accounts").len(), 1);
}

#[test]
fn entra_users_with_the_select_but_null_values_are_not_missing_it() {
    // Boundary: the fields are there (the `$select` was made) but null: unknown values, no
    // `source-missing-select`.
    let page = r##"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,mail,accountEnabled,createdDateTime)",
 "value": [{"id": "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0", "userPrincipalName": "Adams@contoso.com", "mail": "Adams@contoso.com",
   "accountEnabled": null, "createdDateTime": null}]}"##;
    let out = run(
        "[[sources]]\nadapter = \"entra-users\"\npath = \"entra/users.json\"\nsystem_id = \"entra\"",
        &[("entra/users.json", page.as_bytes())],
    );
    assert_eq!(
        flats(&out, "accounts"),
        [
            "account_id=6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0|interactive=true|kind=human|person_id=Adams@contoso.com|system_id=entra"
        ]
    );
    assert!(out.codes().is_empty(), "{:?}", out.diags);
}

/// "List directoryAudits", Examples 1 and 2 as Microsoft documents them,
/// https://learn.microsoft.com/graph/api/directoryaudit-list?view=graph-rest-1.0 (source:
/// microsoftgraph/microsoft-graph-docs-contrib, api-reference/v1.0/api/directoryaudit-list.md).
/// Example 1 spells the target's type `Type`.
const DOC_AUDIT_1: &str = r##"{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditlogs/directoryaudits",
  "value": [{
        "id": "id",
        "category": "UserManagement",
        "correlationId": "da159bfb-54fa-4092-8a38-6e1fa7870e30",
        "result": "success",
        "resultReason": "Successfully added member to group",
        "activityDisplayName": "Add member to group",
        "activityDateTime": "2018-01-09T21:20:02.7215374Z",
        "loggedByService": "Core Directory",
        "initiatedBy": {
            "user": {
                "id": "728309ae-1a37-4937-9afe-e35d964db09b",
                "displayName": "Audry Oliver",
                "userPrincipalName": "bob@wingtiptoysonline.com",
                "ipAddress": "127.0.0.1"
            },
            "app": null
        },
        "targetResources": [{
            "id": "ef7e527d-6c92-4234-8c6d-cf6fdfb57f95",
            "displayName": "Example.com",
            "Type": "Group",
            "modifiedProperties": [{
                "displayName": "Action Client Name",
                "oldValue": null,
                "newValue": "DirectorySync"}],
            "groupType": "unifiedGroups"
            }, 
            {
            "id": "1f0e98f5-3161-4c6b-9b50-d488572f2bb7",
            "displayName": null,
            "Type": "User",
            "modifiedProperties": [],
            "userPrincipalName": "bob@contoso.com"
        }],
        "additionalDetails": [{
            "key": "Additional Detail Name",
            "value": "Additional Detail Value"
        }]
    }]
}"##;

const DOC_AUDIT_2: &str = r##"{
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits",
    "@microsoft.graph.tips": "Use $select to choose only the properties your app needs, as this can lead to performance improvements. For example: GET auditLogs/directoryAudits?$select=activityDateTime,activityDisplayName",
    "value": [
        {
            "id": "SSGM_b662f17a-4e4d-4e1c-9248-cdec180024b2_MCDC4_88453290",
            "category": "GroupManagement",
            "correlationId": "b662f17a-4e4d-4e1c-9248-cdec180024b2",
            "result": "success",
            "resultReason": "OK",
            "activityDisplayName": "GroupLifecyclePolicies_Get",
            "activityDateTime": "2024-12-27T10:01:19.5796748Z",
            "loggedByService": "Self-service Group Management",
            "operationType": "Update",
            "initiatedBy": {
                "app": null,
                "user": {
                    "id": "00000000-0000-0000-0000-000000000000",
                    "displayName": null,
                    "userPrincipalName": null,
                    "ipAddress": "10.0.0.0",
                    "userType": null,
                    "homeTenantId": null,
                    "homeTenantName": null
                }
            },
            "targetResources": [
                {
                    "id": "00000000-0000-0000-0000-000000000000",
                    "displayName": null,
                    "type": "N/A",
                    "userPrincipalName": null,
                    "groupType": null,
                    "modifiedProperties": []
                }
            ],
            "additionalDetails": []
        }
    ]
}"##;

#[test]
fn entra_audit_documented_examples_are_read_and_skipped_as_unused() {
    let out = run(
        "[[sources]]\nadapter = \"entra-audit\"\npath = \"entra/audit-*.json\"\nsystem_id = \"entra\"",
        &[
            ("entra/audit-1.json", DOC_AUDIT_1.as_bytes()),
            ("entra/audit-2.json", DOC_AUDIT_2.as_bytes()),
        ],
    );
    assert!(out.rows("account_events").is_empty());
    assert!(out.rows("identities").is_empty());
    assert_eq!(out.codes(), ["source-skipped-events"], "{:?}", out.diags);
    assert!(
        out.diags[0]
            .message
            .contains("`Add member to group` ×1, `GroupLifecyclePolicies_Get` ×1"),
        "{}",
        out.diags[0].message
    );
}

#[test]
fn entra_audit_reads_the_documented_capital_type() {
    // Trigger: the documented record as a user deletion: its target is found by `Type`.
    let deleted = DOC_AUDIT_1.replace("\"Add member to group\"", "\"Delete user\"");
    let out = run(
        "[[sources]]\nadapter = \"entra-audit\"\npath = \"entra/audit.json\"\nsystem_id = \"entra\"",
        &[("entra/audit.json", deleted.as_bytes())],
    );
    assert_eq!(
        flats(&out, "account_events"),
        [
            "account_id=1f0e98f5-3161-4c6b-9b50-d488572f2bb7|actor_id=bob@wingtiptoysonline.com|at=2018-01-09T21:20:02.7215374Z|event=deleted|system_id=entra"
        ]
    );
    assert_eq!(
        flats(&out, "identities"),
        [
            "external_id=1f0e98f5-3161-4c6b-9b50-d488572f2bb7|person_id=bob@contoso.com|system_id=entra"
        ]
    );
    assert!(out.codes().is_empty(), "{:?}", out.diags);
}

/// "List instances" as Microsoft documents it: the instance's status is `Applied`,
/// https://learn.microsoft.com/graph/api/accessreviewscheduledefinition-list-instances?view=graph-rest-1.0
/// (source: microsoftgraph/microsoft-graph-docs-contrib,
/// api-reference/v1.0/api/accessreviewscheduledefinition-list-instances.md).
const DOC_INSTANCES: &str = r##"{
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identityGovernance/accessReviews/definitions('8564a649-4f67-4e09-88e7-55def6530e88')/instances",
    "@odata.count": 2,
    "value": [
        {
            "id": "7bc18cf4-3d70-4009-bc8e-a7c5adb30849",
            "startDateTime": "2021-03-09T23:10:28.83Z",
            "endDateTime": "2021-03-09T23:10:28.83Z",
            "status": "Applied",
            "scope": {
                "@odata.type": "#microsoft.graph.accessReviewQueryScope",
                "query": "/v1.0/groups/f661fdd0-f0f7-42c0-8281-e89c6527ac63/members/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')",
                "queryType": "MicrosoftGraph",
                "queryRoot": null
            }
        }
    ]
}"##;

/// "List decisions", Example 1 as Microsoft documents it (its second decision names
/// `displayName` and `userPrincipalName` twice in `reviewedBy`),
/// https://learn.microsoft.com/graph/api/accessreviewinstance-list-decisions?view=graph-rest-1.0
/// (source: microsoftgraph/microsoft-graph-docs-contrib,
/// api-reference/v1.0/api/accessreviewinstance-list-decisions.md).
const DOC_DECISIONS: &str = r##"{
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identityGovernance/accessReviews/definitions('2dca8959-b716-4b4c-a93d-a535c01eb6e0')/instances('8d035c9d-798d-47fa-beb4-f986a4b8126f')/decisions",
    "@odata.count": 1,
    "value": [
        {
            "id": "139166ec-d214-4835-95aa-3c1d89581e51",
            "accessReviewId": "8d035c9d-798d-47fa-beb4-f986a4b8126f",
            "reviewedDateTime": null,
            "decision": "NotReviewed",
            "justification": "",
            "appliedDateTime": null,
            "applyResult": "New",
            "recommendation": "Deny",
            "principalLink": "https://graph.microsoft.com/v1.0/users/1800bb2c-955d-4205-8471-3a6c3116435d",
            "resourceLink": null,
            "resource": null,
            "reviewedBy": {
                "id": "00000000-0000-0000-0000-000000000000",
                "displayName": "",
                "userPrincipalName": ""
            },
            "appliedBy": {
                "id": "00000000-0000-0000-0000-000000000000",
                "displayName": "",
                "userPrincipalName": ""
            },
            "target": {
                "@odata.type": "#microsoft.graph.accessReviewInstanceDecisionItemUserTarget",
                "userId": "04777c4b-4d43-4d32-a2e7-1eba5d03f8cf",
                "userDisplayName": "Diego Siciliani",
                "userPrincipalName": "DiegoS@contoso.com"
            },
            "principal": {
                "@odata.type": "#microsoft.graph.userIdentity",
                "id": "1800bb2c-955d-4205-8471-3a6c3116435d",
                "displayName": "guest example",
                "userPrincipalName": "guest@guest.com"
                }
        },
        {
            "id": "4bde8d40-9224-4aa3-936b-08d73e1baf47",
            "accessReviewId": "6444d4fd-ab55-4608-8cf9-c6702d172bcc",
            "reviewedDateTime": null,
            "decision": "NotReviewed",
            "justification": "",
            "appliedDateTime": null,
            "applyResult": "New",
            "recommendation": "Approve",
            "principalLink": "https://graph.microsoft.com/v1.0/users/11feb738-0039-4a6c-a045-dcb91a47969a",
            "resourceLink": null,
            "resource": null,
            "reviewedBy": {
                "id": "00000000-0000-0000-0000-000000000000",
                "displayName": "",
                "displayName": "guest example",
                "userPrincipalName": "",
                "userPrincipalName": "guest@guest.com"
            },
            "appliedBy": {
                "id": "00000000-0000-0000-0000-000000000000",
                "displayName": "",
                "userPrincipalName": ""
            },
            "target": {
                "@odata.type": "#microsoft.graph.accessReviewInstanceDecisionItemUserTarget",
                "userId": "11feb738-0039-4a6c-a045-dcb91a47969a",
                "userDisplayName": "Johanna Lorenz",
                "userPrincipalName": "JohannaL@contoso.com"
            },
            "principal": {
                "@odata.type": "#microsoft.graph.userIdentity",
                "id": "11feb738-0039-4a6c-a045-dcb91a47969a",
                "displayName": "Johanna Lorenz",
                "userPrincipalName": "JohannaL@contoso.com"
            }
        }
    ]
}"##;

#[test]
fn entra_access_reviews_documented_applied_instance_is_completed() {
    let out = run(
        "[[sources]]\nadapter = \"entra-access-reviews\"\npath = \"entra/ar/*.json\"\nsystem_id = \"entra\"",
        &[
            ("entra/ar/decisions.json", DOC_DECISIONS.as_bytes()),
            ("entra/ar/instances.json", DOC_INSTANCES.as_bytes()),
        ],
    );
    // `Applied` is completed: the review ended at its endDateTime (before: no completion, a
    // false `late_review`).
    assert_eq!(
        flats(&out, "access_reviews"),
        [
            "completed_at=2021-03-09T23:10:28.83Z|review_id=7bc18cf4-3d70-4009-bc8e-a7c5adb30849|started_at=2021-03-09T23:10:28.83Z|system_id=entra"
        ]
    );
    // The all-zero reviewer is nobody; the second decision names a key twice, which no JSON
    // reader can take one way: an error on its line, the rest read.
    assert_eq!(
        flats(&out, "access_review_decisions"),
        [
            "account_id=1800bb2c-955d-4205-8471-3a6c3116435d|decision=no_response|review_id=8d035c9d-798d-47fa-beb4-f986a4b8126f|system_id=entra"
        ]
    );
    assert_eq!(
        flats(&out, "identities"),
        [
            "external_id=1800bb2c-955d-4205-8471-3a6c3116435d|person_id=guest@guest.com|system_id=entra"
        ]
    );
    assert_eq!(out.codes(), ["bad-json"], "{:?}", out.diags);
    assert!(
        out.diags[0]
            .message
            .contains("duplicate field `displayName`"),
        "{}",
        out.diags[0].message
    );
    assert_eq!(out.diags[0].line, Some(55));
}

#[test]
fn entra_access_review_statuses_completed_or_not() {
    // Trigger and boundary of every status: the states after the reviewers' part are completed,
    // the ones before are not, an undocumented one is an error that skips the instance.
    let statuses = [
        ("Completed", true),
        ("AutoReviewed", true),
        ("Applying", true),
        ("Applied", true),
        ("ApplyFailed", true),
        ("applied", true),
        ("Initializing", false),
        ("NotStarted", false),
        ("Scheduled", false),
        ("Starting", false),
        ("InProgress", false),
        ("Completing", false),
        ("AutoReviewing", false),
    ];
    for (status, done) in statuses {
        let page = DOC_INSTANCES.replace("\"Applied\"", &format!("\"{status}\""));
        let out = run(
            "[[sources]]\nadapter = \"entra-access-reviews\"\npath = \"i.json\"\nsystem_id = \"entra\"",
            &[("i.json", page.as_bytes())],
        );
        let rows = out.rows("access_reviews");
        assert_eq!(rows.len(), 1, "{status}");
        assert_eq!(rows[0].contains_key("completed_at"), done, "{status}");
        assert!(out.codes().is_empty(), "{status}: {:?}", out.diags);
    }
    for status in ["Finished", ""] {
        let page = DOC_INSTANCES.replace("\"Applied\"", &format!("\"{status}\""));
        let out = run(
            "[[sources]]\nadapter = \"entra-access-reviews\"\npath = \"i.json\"\nsystem_id = \"entra\"",
            &[("i.json", page.as_bytes())],
        );
        assert!(out.rows("access_reviews").is_empty(), "{status}");
        assert_eq!(out.codes(), ["unknown-value"], "{status}");
        assert_eq!(out.problems("access_reviews").len(), 1);
    }
}

/// "List servicePrincipals" as Microsoft documents it (no `owners`: the request had no
/// `$expand=owners`), https://learn.microsoft.com/graph/api/serviceprincipal-list?view=graph-rest-1.0
/// (source: microsoftgraph/microsoft-graph-docs-contrib, api-reference/v1.0/api/serviceprincipal-list.md).
const DOC_SERVICE_PRINCIPALS: &str = r##"{
    "value": [{
        "id": "59e617e5-e447-4adc-8b88-00af644d7c92",
        "deletedDateTime": null,
        "accountEnabled": true,
        "appDisplayName": "My App",
        "appId": "65415bb1-9267-4313-bbf5-ae259732ee12",
        "appOwnerOrganizationId": "1bc1c026-2f7b-48a5-98da-afa2fd8bc7bc",
        "appRoleAssignmentRequired": false,
        "displayName": "foo",
        "homepage": null,
        "logoutUrl": null,
        "publisherName": "Contoso",
        "replyUrls": [],
        "servicePrincipalNames": [
        "f1bd758f-4a1a-4b71-aa20-a248a22a8928"
        ],
        "tags": [],
        "addIns": [],
        "appRoles": [],
        "info": {
        "termsOfServiceUrl": null,
        "supportUrl": null,
        "privacyStatementUrl": null,
        "marketingUrl": null,
        "logoUrl": null
        },
        "keyCredentials": [],
        "oauth2PermissionScopes": [],
        "passwordCredentials": []
    }]
}"##;

#[test]
fn entra_apps_documented_service_principal_without_owners() {
    let block =
        "[[sources]]\nadapter = \"entra-apps\"\npath = \"entra/sp.json\"\nsystem_id = \"entra\"";
    let out = run(
        block,
        &[("entra/sp.json", DOC_SERVICE_PRINCIPALS.as_bytes())],
    );
    assert_eq!(
        flats(&out, "accounts"),
        [
            "account_id=65415bb1-9267-4313-bbf5-ae259732ee12|interactive=false|kind=service|status=active|system_id=entra"
        ]
    );
    assert!(out.rows("credentials").is_empty());
    assert_eq!(out.codes(), ["source-missing-select"], "{:?}", out.diags);
    assert_eq!(out.diags[0].line, Some(2));
    assert!(
        out.diags[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("$expand=owners")),
        "{:?}",
        out.diags[0].help
    );
    // Boundary: the owner named in the source's options: nothing is missing.
    let out = run(
        &format!("{block}\nowners = {{ \"foo\" = \"ann@contoso.com\" }}"),
        &[("entra/sp.json", DOC_SERVICE_PRINCIPALS.as_bytes())],
    );
    assert_eq!(out.rows("accounts")[0]["owner_id"], "ann@contoso.com");
    assert!(out.codes().is_empty(), "{:?}", out.diags);
}

#[test]
fn entra_pages_that_all_point_to_a_next_page_are_missing_pages() {
    // Trigger: the documented users page with the `@odata.nextLink` Graph adds when more users
    // follow, and no later page.
    let first = DOC_USERS.replacen(
        "\"value\": [",
        "\"@odata.nextLink\": \"https://graph.microsoft.com/v1.0/users?$skiptoken=RFNwdAIAAQAAAD8\",\n    \"value\": [",
        1,
    );
    let block = "[[sources]]\nadapter = \"entra-users\"\npath = \"entra/users-*.json\"\nsystem_id = \"entra\"";
    let out = run(block, &[("entra/users-1.json", first.as_bytes())]);
    assert_eq!(
        out.codes(),
        ["source-missing-pages", "source-missing-select"],
        "{:?}",
        out.diags
    );
    assert!(
        out.diags[0]
            .message
            .contains("the `users` listing (1 page)"),
        "{}",
        out.diags[0].message
    );
    assert_eq!(out.diags[0].file.as_deref(), Some("entra/users-1.json"));
    // Boundary: its last page (no next link) is there.
    let out = run(
        block,
        &[
            ("entra/users-1.json", first.as_bytes()),
            ("entra/users-2.json", DOC_USERS.as_bytes()),
        ],
    );
    assert_eq!(
        out.codes(),
        [
            "source-missing-select",
            "source-missing-select",
            "source-duplicate-records"
        ],
        "{:?}",
        out.diags
    );
}
