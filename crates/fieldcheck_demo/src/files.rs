//! The kit's file names and header rows, in the order of the evidence kit format (v1).

/// A kit file: its name and its columns.
pub(crate) type FileDef = (&'static str, &'static [&'static str]);

pub(crate) const SYSTEMS: FileDef = (
    "systems.csv",
    &[
        "system_id",
        "name",
        "kind",
        "tier",
        "in_scope",
        "classification",
        "rto_minutes",
        "owner_id",
    ],
);
pub(crate) const PEOPLE: FileDef = (
    "people.csv",
    &[
        "person_id",
        "email",
        "name",
        "manager_id",
        "employment_type",
        "start_date",
        "terminated_at",
        "privileged",
    ],
);
pub(crate) const IDENTITIES: FileDef =
    ("identities.csv", &["system_id", "external_id", "person_id"]);
pub(crate) const ACCOUNTS: FileDef = (
    "accounts.csv",
    &[
        "system_id",
        "account_id",
        "kind",
        "person_id",
        "owner_id",
        "privileged",
        "status",
        "created_at",
        "disabled_at",
        "interactive",
        "mfa",
    ],
);
pub(crate) const CREDENTIALS: FileDef = (
    "credentials.csv",
    &[
        "system_id",
        "account_id",
        "credential_id",
        "type",
        "created_at",
        "revoked_at",
    ],
);
pub(crate) const ACCOUNT_EVENTS: FileDef = (
    "account_events.csv",
    &["system_id", "account_id", "event", "at", "actor_id"],
);
pub(crate) const ACCESS_REVIEWS: FileDef = (
    "access_reviews.csv",
    &[
        "review_id",
        "system_id",
        "started_at",
        "completed_at",
        "owner_id",
    ],
);
pub(crate) const ACCESS_REVIEW_DECISIONS: FileDef = (
    "access_review_decisions.csv",
    &[
        "review_id",
        "system_id",
        "account_id",
        "reviewer_id",
        "decision",
        "decided_at",
    ],
);
pub(crate) const CHANGES: FileDef = (
    "changes.csv",
    &[
        "ticket_id",
        "type",
        "title",
        "created_at",
        "requester_id",
        "approver_id",
        "approved_at",
        "retro_reviewed_at",
    ],
);
pub(crate) const PULL_REQUESTS: FileDef = (
    "pull_requests.csv",
    &[
        "pr_id",
        "repo",
        "author_id",
        "created_at",
        "merged_at",
        "merge_commit_sha",
        "checks_passed",
    ],
);
pub(crate) const PR_REVIEWS: FileDef = (
    "pr_reviews.csv",
    &["pr_id", "reviewer_id", "state", "submitted_at"],
);
pub(crate) const DEPLOYS: FileDef = (
    "deploys.csv",
    &[
        "deploy_id",
        "system_id",
        "environment",
        "deployed_at",
        "deployer_id",
        "commit_sha",
        "pr_id",
        "ticket_id",
    ],
);
pub(crate) const VENDORS: FileDef = (
    "vendors.csv",
    &[
        "vendor_id",
        "name",
        "tier",
        "data_access",
        "status",
        "offboarded_at",
        "owner_id",
        "last_reviewed_at",
        "assurance_type",
        "report_period_end",
        "bridge_letter_through",
        "assurance_reviewed_at",
        "subprocessor_clause",
    ],
);
pub(crate) const BACKUP_JOBS: FileDef = (
    "backup_jobs.csv",
    &[
        "job_id",
        "system_id",
        "started_at",
        "completed_at",
        "status",
    ],
);
pub(crate) const RESTORE_TESTS: FileDef = (
    "restore_tests.csv",
    &[
        "test_id",
        "system_id",
        "started_at",
        "completed_at",
        "status",
        "isolated",
        "recovery_minutes",
        "performed_by",
    ],
);
pub(crate) const SESSIONS: FileDef = (
    "sessions.csv",
    &[
        "session_id",
        "system_id",
        "account_id",
        "person_id",
        "method",
        "started_at",
        "ended_at",
        "jit_request_id",
        "recording_ref",
    ],
);
pub(crate) const CENTRAL_LOG: FileDef = ("central_log.csv", &["session_id", "received_at"]);
pub(crate) const JIT_REQUESTS: FileDef = (
    "jit_requests.csv",
    &[
        "request_id",
        "person_id",
        "system_id",
        "requested_at",
        "approver_id",
        "approved_at",
        "expires_at",
    ],
);
pub(crate) const DATA_STORES: FileDef = (
    "data_stores.csv",
    &[
        "resource_id",
        "system_id",
        "kind",
        "primary_id",
        "region",
        "encrypted",
        "key_id",
    ],
);
pub(crate) const KEYS: FileDef = (
    "keys.csv",
    &[
        "key_id",
        "manager",
        "algorithm",
        "rotation_enabled",
        "rotation_period_days",
    ],
);
pub(crate) const ENDPOINTS: FileDef = (
    "endpoints.csv",
    &[
        "endpoint_id",
        "system_id",
        "exposure",
        "tls_min_version",
        "weak_ciphers",
        "policy_name",
    ],
);
pub(crate) const TRAINING: FileDef = ("training.csv", &["person_id", "course", "completed_at"]);
pub(crate) const TRAINING_ESCALATIONS: FileDef = (
    "training_escalations.csv",
    &["person_id", "course", "notified_at", "notified_id"],
);
pub(crate) const PHISHING_CAMPAIGNS: FileDef = (
    "phishing_campaigns.csv",
    &[
        "campaign_id",
        "started_at",
        "recipients",
        "clicked",
        "reported",
    ],
);
pub(crate) const RISKS: FileDef = (
    "risks.csv",
    &[
        "risk_id",
        "title",
        "owner_id",
        "likelihood",
        "impact",
        "residual_likelihood",
        "residual_impact",
        "treatment",
        "treatment_due",
        "status",
        "created_at",
        "closed_at",
    ],
);
pub(crate) const RISK_REVIEWS: FileDef = (
    "risk_reviews.csv",
    &["risk_id", "reviewed_at", "reviewer_id"],
);
pub(crate) const RISK_LINKS: FileDef = ("risk_links.csv", &["risk_id", "kind", "ref_id"]);

/// Every kit file, in the order of the format's documentation (and of `DemoSummary::files`).
pub(crate) const ALL: [FileDef; 27] = [
    SYSTEMS,
    PEOPLE,
    IDENTITIES,
    ACCOUNTS,
    CREDENTIALS,
    ACCOUNT_EVENTS,
    ACCESS_REVIEWS,
    ACCESS_REVIEW_DECISIONS,
    CHANGES,
    PULL_REQUESTS,
    PR_REVIEWS,
    DEPLOYS,
    VENDORS,
    BACKUP_JOBS,
    RESTORE_TESTS,
    SESSIONS,
    CENTRAL_LOG,
    JIT_REQUESTS,
    DATA_STORES,
    KEYS,
    ENDPOINTS,
    TRAINING,
    TRAINING_ESCALATIONS,
    PHISHING_CAMPAIGNS,
    RISKS,
    RISK_REVIEWS,
    RISK_LINKS,
];
