//! The record kinds of the evidence kit (format v1), their schemas and their typed records.
//!
//! **API boundary:** the field names, types and enum values here are `docs/evidence-kit.md`;
//! change them only by adding optional fields.

use jiff::Timestamp;

pub use crate::names::{Name, Names};
pub use crate::time::Ts;
use jiff::civil::Date;

/// An identifier or short text: stored inline up to 23 bytes, else shared (clones are cheap).
///
/// A non-key id field that must name something (an account's system, a decision's review) is an
/// `Id`, empty when its cell is empty: an empty id never equals a key, so such a record simply
/// joins nothing. Optional references are `Option<Id>`.
pub type Id = smol_str::SmolStr;

/// A record kind, one file of the kit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Kind {
    Systems,
    People,
    Identities,
    Accounts,
    Credentials,
    AccountEvents,
    AccessReviews,
    AccessReviewDecisions,
    Changes,
    PullRequests,
    PrReviews,
    Deploys,
    Vendors,
    BackupJobs,
    RestoreTests,
    Sessions,
    CentralLog,
    JitRequests,
    DataStores,
    Keys,
    Endpoints,
    Training,
    TrainingEscalations,
    PhishingCampaigns,
    Risks,
    RiskReviews,
    RiskLinks,
}

impl Kind {
    /// Every kind, in the order of the spec.
    pub const ALL: [Kind; 27] = [
        Kind::Systems,
        Kind::People,
        Kind::Identities,
        Kind::Accounts,
        Kind::Credentials,
        Kind::AccountEvents,
        Kind::AccessReviews,
        Kind::AccessReviewDecisions,
        Kind::Changes,
        Kind::PullRequests,
        Kind::PrReviews,
        Kind::Deploys,
        Kind::Vendors,
        Kind::BackupJobs,
        Kind::RestoreTests,
        Kind::Sessions,
        Kind::CentralLog,
        Kind::JitRequests,
        Kind::DataStores,
        Kind::Keys,
        Kind::Endpoints,
        Kind::Training,
        Kind::TrainingEscalations,
        Kind::PhishingCampaigns,
        Kind::Risks,
        Kind::RiskReviews,
        Kind::RiskLinks,
    ];

    /// The file stem: `people` for `people.csv` / `people.jsonl`.
    pub fn stem(self) -> &'static str {
        self.schema().stem
    }

    /// The default file name (CSV).
    pub fn csv_name(self) -> String {
        format!("{}.csv", self.stem())
    }

    /// The kind's schema.
    pub fn schema(self) -> &'static Schema {
        &SCHEMAS[self as usize]
    }
}

/// The type of a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// An identifier.
    Id,
    /// An identifier naming a person, resolved through people and identities.
    Person,
    /// Free text.
    Text,
    /// RFC 3339 timestamp with offset.
    Ts,
    /// `YYYY-MM-DD`, in the org time zone.
    Date,
    /// `true/false`, `yes/no`, `1/0`, any case.
    Bool,
    /// An integer within an inclusive range.
    Int(i64, i64),
    /// One of the listed lower-case values.
    Enum(&'static [&'static str]),
}

impl Ty {
    /// How the type is written in docs and messages.
    pub fn describe(self) -> String {
        match self {
            Ty::Id => "id".into(),
            Ty::Person => "id → people".into(),
            Ty::Text => "text".into(),
            Ty::Ts => "ts".into(),
            Ty::Date => "date".into(),
            Ty::Bool => "bool".into(),
            Ty::Int(lo, hi) if lo == 0 && hi == i64::MAX => "int ≥ 0".into(),
            Ty::Int(lo, hi) => format!("int {lo}-{hi}"),
            Ty::Enum(v) => format!("enum `{}`", v.join(", ")),
        }
    }
}

/// One field of a record kind.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Column name.
    pub name: &'static str,
    /// Type.
    pub ty: Ty,
    /// Must not be null (keys and `people.start_date`): a null rejects the row.
    pub required: bool,
    /// Should not be null: a null is kept (controls read it as unknown) and reported once per file.
    pub expected: bool,
}

/// The schema of a record kind.
#[derive(Debug)]
pub struct Schema {
    /// The kind.
    pub kind: Kind,
    /// File stem.
    pub stem: &'static str,
    /// Fields, in the spec's order.
    pub fields: &'static [Field],
    /// The key fields (unique within the file); empty when the kind has no key.
    pub key: &'static [&'static str],
}

impl Schema {
    /// The index of a field by name.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// A required field: a key, or `people.start_date`.
const fn r(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: true,
        expected: true,
    }
}
/// An expected field: a record without it cannot be placed or joined, which is reported.
const fn e(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: false,
        expected: true,
    }
}
/// An optional field.
const fn o(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: false,
        expected: false,
    }
}

const NONNEG: Ty = Ty::Int(0, i64::MAX);

macro_rules! kit_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)]
        pub enum $name { $($var),+ }
        impl $name {
            /// The accepted values, in order.
            pub const VALUES: &'static [&'static str] = &[$($s),+];
            // (A column whose values are checked but not kept, `people.employment_type`, builds
            // no value of its enum.)
            #[allow(dead_code)]
            const ALL: &'static [Self] = &[$(Self::$var),+];
            /// The value as written in the kit.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$var => $s),+ }
            }
            #[allow(dead_code)]
            pub(crate) fn from_index(i: u8) -> Option<Self> {
                Self::ALL.get(usize::from(i)).copied()
            }
        }
    };
}

kit_enum!(/// `systems.kind`.
    SystemKind { Idp = "idp", Saas = "saas", Cloud = "cloud", Database = "database", Host = "host", Network = "network", Other = "other" });
kit_enum!(/// Data classification.
    Classification { Restricted = "restricted", Confidential = "confidential", Internal = "internal", Public = "public" });
kit_enum!(/// `people.employment_type`.
    EmploymentType { Employee = "employee", Contractor = "contractor" });
kit_enum!(/// `accounts.kind`.
    AccountKind { Human = "human", Service = "service" });
kit_enum!(/// `accounts.status`.
    AccountStatus { Active = "active", Disabled = "disabled", Deleted = "deleted" });
kit_enum!(/// `accounts.mfa`.
    Mfa { Enforced = "enforced", NotEnforced = "not_enforced", NotApplicable = "not_applicable" });
kit_enum!(/// `credentials.type`.
    CredentialType { Password = "password", AccessKey = "access_key", ApiToken = "api_token", SshKey = "ssh_key", Certificate = "certificate" });
kit_enum!(/// `account_events.event`.
    EventKind { Login = "login", Disabled = "disabled", Enabled = "enabled", Deleted = "deleted", SessionsRevoked = "sessions_revoked" });
kit_enum!(/// `access_review_decisions.decision`.
    DecisionKind { Keep = "keep", Revoke = "revoke", NoResponse = "no_response" });
kit_enum!(/// `changes.type`.
    ChangeType { Standard = "standard", Normal = "normal", Emergency = "emergency" });
kit_enum!(/// `pr_reviews.state`.
    ReviewState { Approved = "approved", ChangesRequested = "changes_requested", Commented = "commented", Dismissed = "dismissed" });
kit_enum!(/// `deploys.environment`.
    Environment { Production = "production", Staging = "staging", Development = "development" });
kit_enum!(/// `vendors.data_access`.
    DataAccess { Production = "production", Internal = "internal", None = "none" });
kit_enum!(/// `vendors.status`.
    VendorStatus { Active = "active", Offboarded = "offboarded" });
kit_enum!(/// `vendors.assurance_type`.
    AssuranceType { Soc2Type2 = "soc2_type2", Soc2Type1 = "soc2_type1", Iso27001 = "iso27001", None = "none" });
kit_enum!(/// `backup_jobs.status`.
    BackupStatus { Completed = "completed", Failed = "failed", Partial = "partial" });
kit_enum!(/// `restore_tests.status`.
    RestoreStatus { Succeeded = "succeeded", Failed = "failed" });
kit_enum!(/// `sessions.method`.
    SessionMethod { Ssh = "ssh", Console = "console", Ssm = "ssm", Bastion = "bastion", Pam = "pam", Kubectl = "kubectl" });
kit_enum!(/// `data_stores.kind`.
    StoreKind { Database = "database", Replica = "replica", Snapshot = "snapshot", Bucket = "bucket", Volume = "volume", Backup = "backup" });
kit_enum!(/// `keys.manager`.
    KeyManager { Customer = "customer", Provider = "provider" });
kit_enum!(/// `endpoints.exposure`.
    Exposure { Public = "public", Internal = "internal" });
kit_enum!(/// `endpoints.tls_min_version`, ordered from weakest.
    TlsVersion { None = "none", V1_0 = "1.0", V1_1 = "1.1", V1_2 = "1.2", V1_3 = "1.3" });
kit_enum!(/// `risks.treatment`.
    Treatment { Mitigate = "mitigate", Accept = "accept", Transfer = "transfer", Avoid = "avoid" });
kit_enum!(/// `risks.status`.
    RiskStatus { Open = "open", Closed = "closed" });
kit_enum!(/// `risk_links.kind`.
    RiskLinkKind { Vendor = "vendor", System = "system", Change = "change", Vulnerability = "vulnerability" });

impl TlsVersion {
    /// Parses a version as written in the config (`"1.2"`).
    pub fn parse(s: &str) -> Option<TlsVersion> {
        Self::VALUES
            .iter()
            .position(|v| *v == s)
            .and_then(|i| Self::from_index(i as u8))
    }
}

/// The field that stands in for an empty expected field of a record a source adapter made: a
/// deploy whose source names its environment (`environment_name`) but does not map it to a kit
/// environment leaves `environment` to the change-management control, and is not reported as
/// missing it.
pub(crate) fn stand_in(kind: Kind, field: &str) -> Option<usize> {
    match (kind, field) {
        (Kind::Deploys, "environment") => Kind::Deploys.schema().index("environment_name"),
        _ => None,
    }
}

/// The schemas, indexed by `Kind as usize`.
pub static SCHEMAS: [Schema; 27] = [
    Schema {
        kind: Kind::Systems,
        stem: "systems",
        key: &["system_id"],
        fields: &[
            r("system_id", Ty::Id),
            o("name", Ty::Text),
            o("kind", Ty::Enum(SystemKind::VALUES)),
            o("tier", Ty::Int(1, 3)),
            e("in_scope", Ty::Bool),
            o("classification", Ty::Enum(Classification::VALUES)),
            o("rto_minutes", NONNEG),
            o("owner_id", Ty::Person),
        ],
    },
    Schema {
        kind: Kind::People,
        stem: "people",
        key: &["person_id"],
        fields: &[
            r("person_id", Ty::Id),
            o("email", Ty::Text),
            o("name", Ty::Text),
            o("manager_id", Ty::Person),
            o("employment_type", Ty::Enum(EmploymentType::VALUES)),
            r("start_date", Ty::Date),
            o("terminated_at", Ty::Ts),
            o("privileged", Ty::Bool),
        ],
    },
    Schema {
        kind: Kind::Identities,
        stem: "identities",
        key: &[],
        fields: &[
            e("system_id", Ty::Id),
            e("external_id", Ty::Id),
            e("person_id", Ty::Person),
        ],
    },
    Schema {
        kind: Kind::Accounts,
        stem: "accounts",
        key: &["system_id", "account_id"],
        fields: &[
            r("system_id", Ty::Id),
            r("account_id", Ty::Id),
            e("kind", Ty::Enum(AccountKind::VALUES)),
            o("person_id", Ty::Person),
            o("owner_id", Ty::Person),
            o("privileged", Ty::Bool),
            o("status", Ty::Enum(AccountStatus::VALUES)),
            o("created_at", Ty::Ts),
            o("disabled_at", Ty::Ts),
            o("interactive", Ty::Bool),
            o("mfa", Ty::Enum(Mfa::VALUES)),
        ],
    },
    Schema {
        kind: Kind::Credentials,
        stem: "credentials",
        key: &["credential_id"],
        fields: &[
            e("system_id", Ty::Id),
            e("account_id", Ty::Id),
            r("credential_id", Ty::Id),
            o("type", Ty::Enum(CredentialType::VALUES)),
            e("created_at", Ty::Ts),
            o("revoked_at", Ty::Ts),
        ],
    },
    Schema {
        kind: Kind::AccountEvents,
        stem: "account_events",
        key: &[],
        fields: &[
            e("system_id", Ty::Id),
            e("account_id", Ty::Id),
            e("event", Ty::Enum(EventKind::VALUES)),
            e("at", Ty::Ts),
            o("actor_id", Ty::Id),
        ],
    },
    Schema {
        kind: Kind::AccessReviews,
        stem: "access_reviews",
        key: &["review_id"],
        fields: &[
            r("review_id", Ty::Id),
            e("system_id", Ty::Id),
            e("started_at", Ty::Ts),
            o("completed_at", Ty::Ts),
            o("owner_id", Ty::Person),
        ],
    },
    Schema {
        kind: Kind::AccessReviewDecisions,
        stem: "access_review_decisions",
        key: &[],
        fields: &[
            e("review_id", Ty::Id),
            o("system_id", Ty::Id),
            e("account_id", Ty::Id),
            o("reviewer_id", Ty::Person),
            e("decision", Ty::Enum(DecisionKind::VALUES)),
            o("decided_at", Ty::Ts),
        ],
    },
    Schema {
        kind: Kind::Changes,
        stem: "changes",
        key: &["ticket_id"],
        fields: &[
            r("ticket_id", Ty::Id),
            e("type", Ty::Enum(ChangeType::VALUES)),
            o("title", Ty::Text),
            e("created_at", Ty::Ts),
            o("requester_id", Ty::Person),
            o("approver_id", Ty::Person),
            o("approved_at", Ty::Ts),
            o("retro_reviewed_at", Ty::Ts),
        ],
    },
    Schema {
        kind: Kind::PullRequests,
        stem: "pull_requests",
        key: &["pr_id"],
        fields: &[
            r("pr_id", Ty::Id),
            o("repo", Ty::Text),
            o("author_id", Ty::Person),
            o("created_at", Ty::Ts),
            o("merged_at", Ty::Ts),
            o("merge_commit_sha", Ty::Id),
            o("checks_passed", Ty::Bool),
            o("check_conclusions", Ty::Text),
        ],
    },
    Schema {
        kind: Kind::PrReviews,
        stem: "pr_reviews",
        key: &[],
        fields: &[
            e("pr_id", Ty::Id),
            o("reviewer_id", Ty::Person),
            e("state", Ty::Enum(ReviewState::VALUES)),
            o("submitted_at", Ty::Ts),
        ],
    },
    Schema {
        kind: Kind::Deploys,
        stem: "deploys",
        key: &["deploy_id"],
        fields: &[
            r("deploy_id", Ty::Id),
            e("system_id", Ty::Id),
            e("environment", Ty::Enum(Environment::VALUES)),
            e("deployed_at", Ty::Ts),
            o("deployer_id", Ty::Person),
            o("commit_sha", Ty::Id),
            o("pr_id", Ty::Id),
            o("ticket_id", Ty::Id),
            o("environment_name", Ty::Text),
        ],
    },
    Schema {
        kind: Kind::Vendors,
        stem: "vendors",
        key: &["vendor_id"],
        fields: &[
            r("vendor_id", Ty::Id),
            o("name", Ty::Text),
            o("tier", Ty::Int(1, 3)),
            o("data_access", Ty::Enum(DataAccess::VALUES)),
            o("status", Ty::Enum(VendorStatus::VALUES)),
            o("offboarded_at", Ty::Ts),
            o("owner_id", Ty::Person),
            o("last_reviewed_at", Ty::Ts),
            o("assurance_type", Ty::Enum(AssuranceType::VALUES)),
            o("report_period_end", Ty::Date),
            o("bridge_letter_through", Ty::Date),
            o("assurance_reviewed_at", Ty::Ts),
            o("subprocessor_clause", Ty::Bool),
        ],
    },
    Schema {
        kind: Kind::BackupJobs,
        stem: "backup_jobs",
        key: &["job_id"],
        fields: &[
            r("job_id", Ty::Id),
            e("system_id", Ty::Id),
            e("started_at", Ty::Ts),
            o("completed_at", Ty::Ts),
            e("status", Ty::Enum(BackupStatus::VALUES)),
        ],
    },
    Schema {
        kind: Kind::RestoreTests,
        stem: "restore_tests",
        key: &["test_id"],
        fields: &[
            r("test_id", Ty::Id),
            e("system_id", Ty::Id),
            e("started_at", Ty::Ts),
            o("completed_at", Ty::Ts),
            e("status", Ty::Enum(RestoreStatus::VALUES)),
            o("isolated", Ty::Bool),
            o("recovery_minutes", NONNEG),
            o("performed_by", Ty::Id),
        ],
    },
    Schema {
        kind: Kind::Sessions,
        stem: "sessions",
        key: &["session_id"],
        fields: &[
            r("session_id", Ty::Id),
            e("system_id", Ty::Id),
            o("account_id", Ty::Id),
            o("person_id", Ty::Person),
            o("method", Ty::Enum(SessionMethod::VALUES)),
            e("started_at", Ty::Ts),
            o("ended_at", Ty::Ts),
            o("jit_request_id", Ty::Id),
            o("recording_ref", Ty::Text),
        ],
    },
    Schema {
        kind: Kind::CentralLog,
        stem: "central_log",
        key: &[],
        fields: &[e("session_id", Ty::Id), o("received_at", Ty::Ts)],
    },
    Schema {
        kind: Kind::JitRequests,
        stem: "jit_requests",
        key: &["request_id"],
        fields: &[
            r("request_id", Ty::Id),
            o("person_id", Ty::Person),
            o("system_id", Ty::Id),
            o("requested_at", Ty::Ts),
            o("approver_id", Ty::Person),
            o("approved_at", Ty::Ts),
            o("expires_at", Ty::Ts),
        ],
    },
    Schema {
        kind: Kind::DataStores,
        stem: "data_stores",
        key: &["resource_id"],
        fields: &[
            r("resource_id", Ty::Id),
            e("system_id", Ty::Id),
            o("kind", Ty::Enum(StoreKind::VALUES)),
            o("primary_id", Ty::Id),
            o("region", Ty::Text),
            o("encrypted", Ty::Bool),
            o("key_id", Ty::Id),
        ],
    },
    Schema {
        kind: Kind::Keys,
        stem: "keys",
        key: &["key_id"],
        fields: &[
            r("key_id", Ty::Id),
            o("manager", Ty::Enum(KeyManager::VALUES)),
            o("algorithm", Ty::Text),
            o("rotation_enabled", Ty::Bool),
            o("rotation_period_days", NONNEG),
        ],
    },
    Schema {
        kind: Kind::Endpoints,
        stem: "endpoints",
        key: &["endpoint_id"],
        fields: &[
            r("endpoint_id", Ty::Id),
            e("system_id", Ty::Id),
            o("exposure", Ty::Enum(Exposure::VALUES)),
            e("tls_min_version", Ty::Enum(TlsVersion::VALUES)),
            o("weak_ciphers", Ty::Bool),
            o("policy_name", Ty::Text),
            o("ciphers", Ty::Text),
        ],
    },
    Schema {
        kind: Kind::Training,
        stem: "training",
        key: &[],
        fields: &[
            e("person_id", Ty::Person),
            e("course", Ty::Text),
            e("completed_at", Ty::Ts),
        ],
    },
    Schema {
        kind: Kind::TrainingEscalations,
        stem: "training_escalations",
        key: &[],
        fields: &[
            e("person_id", Ty::Person),
            o("course", Ty::Text),
            e("notified_at", Ty::Ts),
            o("notified_id", Ty::Person),
        ],
    },
    Schema {
        kind: Kind::PhishingCampaigns,
        stem: "phishing_campaigns",
        key: &["campaign_id"],
        fields: &[
            r("campaign_id", Ty::Id),
            e("started_at", Ty::Ts),
            o("recipients", NONNEG),
            o("clicked", NONNEG),
            o("reported", NONNEG),
            o("recipient_events", Ty::Text),
        ],
    },
    Schema {
        kind: Kind::Risks,
        stem: "risks",
        key: &["risk_id"],
        fields: &[
            r("risk_id", Ty::Id),
            o("title", Ty::Text),
            o("owner_id", Ty::Person),
            o("likelihood", Ty::Int(1, 5)),
            o("impact", Ty::Int(1, 5)),
            o("residual_likelihood", Ty::Int(1, 5)),
            o("residual_impact", Ty::Int(1, 5)),
            o("treatment", Ty::Enum(Treatment::VALUES)),
            o("treatment_due", Ty::Date),
            o("status", Ty::Enum(RiskStatus::VALUES)),
            o("created_at", Ty::Ts),
            o("closed_at", Ty::Ts),
        ],
    },
    Schema {
        kind: Kind::RiskReviews,
        stem: "risk_reviews",
        key: &[],
        fields: &[
            e("risk_id", Ty::Id),
            e("reviewed_at", Ty::Ts),
            o("reviewer_id", Ty::Person),
        ],
    },
    Schema {
        kind: Kind::RiskLinks,
        stem: "risk_links",
        key: &[],
        fields: &[
            e("risk_id", Ty::Id),
            e("kind", Ty::Enum(RiskLinkKind::VALUES)),
            e("ref_id", Ty::Id),
        ],
    },
];

/// Where a record came from: its kit file and line (1 = CSV header; JSON Lines count from 1), or
/// for a record translated by a source adapter, its entry in [`crate::Kit::origins`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    /// The record kind (and so the file).
    pub kind: Kind,
    /// Whether a source adapter made the record: then `line` indexes [`crate::Kit::origins`].
    pub sourced: bool,
    /// The line in the kit file, or the origin's index.
    pub line: u32,
}

impl Loc {
    /// A record of the kit's own file, at `line`.
    pub fn file(kind: Kind, line: u32) -> Loc {
        Loc {
            kind,
            sourced: false,
            line,
        }
    }
}

/// One parsed cell.
#[derive(Clone, Debug)]
pub(crate) enum Val {
    Null,
    Str(Id),
    /// A cell of a [`Record::NAMED`] column, already a name in the reader's table.
    Name(Name),
    Ts(Timestamp),
    Date(Date),
    Bool(bool),
    Int(i64),
    Enum(u8),
}

/// A parsed row, one value per schema field; building a record moves the values out. Columns
/// kept as [`Name`]s are interned in the reader's table.
pub(crate) struct Vals<'a>(pub(crate) &'a mut [Val], pub(crate) &'a mut Names);

impl Vals<'_> {
    /// A required field as a name, the empty name when empty (as [`Vals::rs`]); column `i`
    /// remembers its last value.
    fn rname(&mut self, i: usize) -> Name {
        match std::mem::replace(&mut self.0[i], Val::Null) {
            Val::Name(n) => n,
            Val::Str(s) => self.1.intern_at(i, s),
            _ => self.1.intern_at(i, Id::default()),
        }
    }
    /// An optional field as a name.
    fn oname(&mut self, i: usize) -> Option<Name> {
        match std::mem::replace(&mut self.0[i], Val::Null) {
            Val::Name(n) => Some(n),
            Val::Str(s) => Some(self.1.intern_at(i, s)),
            _ => None,
        }
    }
    /// An actor field: none, the same id as `account`, or another name.
    fn actor(&mut self, i: usize, account: Name) -> Actor {
        match std::mem::replace(&mut self.0[i], Val::Null) {
            Val::Name(n) if n == account => Actor::ACCOUNT,
            Val::Name(n) => Actor::other(n),
            Val::Str(a) if *a == *self.1.get(account) => Actor::ACCOUNT,
            Val::Str(a) => Actor::other(self.1.intern_at(i, a)),
            _ => Actor::NONE,
        }
    }
    fn s(&mut self, i: usize) -> Option<Id> {
        match std::mem::replace(&mut self.0[i], Val::Null) {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }
    fn rs(&mut self, i: usize) -> Id {
        self.s(i).unwrap_or_default()
    }
    /// Whether column `i` has a value (for a column kept only as that).
    fn given(&self, i: usize) -> bool {
        !matches!(self.0[i], Val::Null)
    }
    fn ts(&self, i: usize) -> Option<Ts> {
        match self.0[i] {
            Val::Ts(t) => Some(Ts::new(t)),
            _ => None,
        }
    }
    fn date(&self, i: usize) -> Option<Date> {
        match self.0[i] {
            Val::Date(d) => Some(d),
            _ => None,
        }
    }
    fn b(&self, i: usize) -> Option<bool> {
        match self.0[i] {
            Val::Bool(b) => Some(b),
            _ => None,
        }
    }
    fn int(&self, i: usize) -> Option<i64> {
        match self.0[i] {
            Val::Int(n) => Some(n),
            _ => None,
        }
    }
    fn e(&self, i: usize) -> Option<u8> {
        match self.0[i] {
            Val::Enum(n) => Some(n),
            _ => None,
        }
    }
}

/// A typed record built from a validated row.
pub(crate) trait Record: Sized {
    const KIND: Kind;
    /// The columns kept as [`Name`]s: a kit file's reader interns their cells as it parses
    /// them ([`Val::Name`]), without making an [`Id`] for a name it has. Never a key column:
    /// keys are checked on [`Val::Str`] cells.
    const NAMED: &'static [usize] = &[];
    /// The text columns whose text no test reads (`build` reads at most whether they are
    /// given): the reader checks their cells like any other, then keeps an empty text for a
    /// given cell, making no string (and sharing none) for a value nothing reads.
    const UNKEPT: &'static [usize] = &[];
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self;
}

macro_rules! en {
    ($v:expr, $i:expr, $t:ty) => {
        $v.e($i).and_then(<$t>::from_index)
    };
}

/// `systems.csv`: the in-scope system inventory.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct System {
    pub system_id: Id,
    pub name: Option<Id>,
    pub kind: Option<SystemKind>,
    pub tier: Option<i64>,
    pub in_scope: Option<bool>,
    pub classification: Option<Classification>,
    pub rto_minutes: Option<i64>,
    pub owner_id: Option<Id>,
    pub loc: Loc,
}
impl Record for System {
    const KIND: Kind = Kind::Systems;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        System {
            system_id: v.rs(0),
            name: v.s(1),
            kind: en!(v, 2, SystemKind),
            tier: v.int(3),
            in_scope: v.b(4),
            classification: en!(v, 5, Classification),
            rto_minutes: v.int(6),
            owner_id: v.s(7),
            loc,
        }
    }
}

/// `people.csv`: the workforce.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Person {
    pub person_id: Id,
    pub email: Option<Id>,
    pub name: Option<Id>,
    pub manager_id: Option<Id>,
    // `employment_type` (column 4) is read and checked, not kept: no test reads it.
    pub start_date: Date,
    pub terminated_at: Option<Ts>,
    pub privileged: Option<bool>,
    pub loc: Loc,
}
impl Record for Person {
    const KIND: Kind = Kind::People;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        Person {
            person_id: v.rs(0),
            email: v.s(1),
            name: v.s(2),
            manager_id: v.s(3),
            start_date: v.date(5).unwrap_or(Date::MIN),
            terminated_at: v.ts(6),
            privileged: v.b(7),
            loc,
        }
    }
}

/// `identities.csv`: who is who across systems.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Identity {
    pub system_id: Id,
    pub external_id: Id,
    pub person_id: Id,
    pub loc: Loc,
}
impl Record for Identity {
    const KIND: Kind = Kind::Identities;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        Identity {
            system_id: v.rs(0),
            external_id: v.rs(1),
            person_id: v.rs(2),
            loc,
        }
    }
}

/// `accounts.csv`: accounts in every connected system.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Account {
    pub system_id: Id,
    pub account_id: Id,
    pub kind: Option<AccountKind>,
    pub person_id: Option<Id>,
    pub owner_id: Option<Id>,
    pub privileged: Option<bool>,
    pub status: Option<AccountStatus>,
    pub created_at: Option<Ts>,
    pub disabled_at: Option<Ts>,
    pub interactive: Option<bool>,
    pub mfa: Option<Mfa>,
    pub loc: Loc,
}
impl Record for Account {
    const KIND: Kind = Kind::Accounts;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        Account {
            system_id: v.rs(0),
            account_id: v.rs(1),
            kind: en!(v, 2, AccountKind),
            person_id: v.s(3),
            owner_id: v.s(4),
            privileged: v.b(5),
            status: en!(v, 6, AccountStatus),
            created_at: v.ts(7),
            disabled_at: v.ts(8),
            interactive: v.b(9),
            mfa: en!(v, 10, Mfa),
            loc,
        }
    }
}

/// `credentials.csv`: secrets attached to accounts.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Credential {
    pub system_id: Id,
    pub account_id: Id,
    pub credential_id: Id,
    pub ctype: Option<CredentialType>,
    pub created_at: Option<Ts>,
    pub revoked_at: Option<Ts>,
    pub loc: Loc,
}
impl Record for Credential {
    const KIND: Kind = Kind::Credentials;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        Credential {
            system_id: v.rs(0),
            account_id: v.rs(1),
            credential_id: v.rs(2),
            ctype: en!(v, 3, CredentialType),
            created_at: v.ts(4),
            revoked_at: v.ts(5),
            loc,
        }
    }
}

/// `account_events.csv`: lifecycle and activity events.
///
/// The file is the kit's largest by far (a login is an event), so its system and its account are
/// [`Name`]s in [`Kit::names`](crate::Kit::names) (each account's id stored once, however many
/// events it has), and its actor an [`Actor`]: 32 bytes a record instead of 96.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct AccountEvent {
    pub system_id: Name,
    /// The account; [`AccountEvent::account`] gives its id.
    pub account_id: Name,
    pub event: Option<EventKind>,
    pub at: Option<Ts>,
    /// Who acted; [`AccountEvent::actor_id`] gives the id as the row wrote it.
    pub actor: Actor,
    pub loc: Loc,
}
impl Record for AccountEvent {
    const KIND: Kind = Kind::AccountEvents;
    const NAMED: &'static [usize] = &[0, 1, 4];
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        let account_id = v.rname(1);
        AccountEvent {
            system_id: v.rname(0),
            event: en!(v, 2, EventKind),
            at: v.ts(3),
            actor: v.actor(4, account_id),
            account_id,
            loc,
        }
    }
}

impl AccountEvent {
    /// The system's id; `names` is the table of the kit that holds the event.
    pub fn system<'a>(&self, names: &'a Names) -> &'a str {
        names.get(self.system_id)
    }

    /// The account's id.
    pub fn account<'a>(&self, names: &'a Names) -> &'a str {
        names.get(self.account_id)
    }

    /// The actor's id as the row wrote it, if any; `names` is the table of the kit that holds
    /// the event.
    pub fn actor_id<'a>(&self, names: &'a Names) -> Option<&'a str> {
        match self.actor.0 {
            0 => None,
            Actor::SELF => Some(names.get(self.account_id)),
            _ => self.actor.name().map(|n| names.get(n)),
        }
    }
}

/// An account event's actor in 4 bytes: none, the event's own account (a sign-in: nearly every
/// event of a real log, 98.7 % of the demo's), or another actor, a [`Name`] in the kit's table
/// (a provisioning workflow, an admin: few and repeated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor(u32);

impl Actor {
    /// No actor recorded.
    pub const NONE: Actor = Actor(0);
    /// The event's own account.
    pub const ACCOUNT: Actor = Actor(Actor::SELF);
    /// Above every name a table can make ([`Names::intern`] stops below it).
    const SELF: u32 = u32::MAX;

    /// Another actor, by name.
    pub fn other(name: Name) -> Actor {
        Actor(name.index())
    }

    /// The actor's name, when it is neither none nor the account.
    pub fn name(self) -> Option<Name> {
        match self.0 {
            Actor::SELF => None,
            i => Name::from_index(i),
        }
    }
}

/// `access_reviews.csv`: user access review campaigns.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct AccessReview {
    pub review_id: Id,
    pub system_id: Id,
    pub started_at: Option<Ts>,
    pub completed_at: Option<Ts>,
    pub owner_id: Option<Id>,
    pub loc: Loc,
}
impl Record for AccessReview {
    const KIND: Kind = Kind::AccessReviews;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        AccessReview {
            review_id: v.rs(0),
            system_id: v.rs(1),
            started_at: v.ts(2),
            completed_at: v.ts(3),
            owner_id: v.s(4),
            loc,
        }
    }
}

/// `access_review_decisions.csv`: one decision per reviewed account.
///
/// The kit's second largest file (each account once a quarter): its review, system and account,
/// each repeated on many rows, are [`Name`]s in [`Kit::names`](crate::Kit::names); the reviewer
/// stays an [`Id`], which person resolution rewrites.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Decision {
    /// The review; [`Decision::review`] gives its id.
    pub review_id: Name,
    /// The system, when the row names one; [`Decision::system`] gives its id.
    pub system_id: Option<Name>,
    /// The account; [`Decision::account`] gives its id.
    pub account_id: Name,
    pub reviewer_id: Option<Id>,
    pub decision: Option<DecisionKind>,
    pub decided_at: Option<Ts>,
    pub loc: Loc,
}
impl Record for Decision {
    const KIND: Kind = Kind::AccessReviewDecisions;
    const NAMED: &'static [usize] = &[0, 1, 2];
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        Decision {
            review_id: v.rname(0),
            system_id: v.oname(1),
            account_id: v.rname(2),
            reviewer_id: v.s(3),
            decision: en!(v, 4, DecisionKind),
            decided_at: v.ts(5),
            loc,
        }
    }
}

impl Decision {
    /// The review's id; `names` is the table of the kit that holds the decision.
    pub fn review<'a>(&self, names: &'a Names) -> &'a str {
        names.get(self.review_id)
    }
    /// The system's id, when the row names one.
    pub fn system<'a>(&self, names: &'a Names) -> Option<&'a str> {
        self.system_id.map(|n| names.get(n))
    }
    /// The account's id.
    pub fn account<'a>(&self, names: &'a Names) -> &'a str {
        names.get(self.account_id)
    }
}

/// `changes.csv`: change tickets.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Change {
    pub ticket_id: Id,
    pub ctype: Option<ChangeType>,
    // `title` (column 2) is read and checked, not kept: no test reads it.
    pub created_at: Option<Ts>,
    pub requester_id: Option<Id>,
    pub approver_id: Option<Id>,
    pub approved_at: Option<Ts>,
    pub retro_reviewed_at: Option<Ts>,
    pub loc: Loc,
}
impl Record for Change {
    const KIND: Kind = Kind::Changes;
    const UNKEPT: &'static [usize] = &[2];
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        Change {
            ticket_id: v.rs(0),
            ctype: en!(v, 1, ChangeType),
            created_at: v.ts(3),
            requester_id: v.s(4),
            approver_id: v.s(5),
            approved_at: v.ts(6),
            retro_reviewed_at: v.ts(7),
            loc,
        }
    }
}

/// `pull_requests.csv`: code changes under review.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct PullRequest {
    pub pr_id: Id,
    // `repo` (column 1) is read and checked, not kept: no test reads it.
    pub author_id: Option<Id>,
    pub created_at: Option<Ts>,
    pub merged_at: Option<Ts>,
    // `merge_commit_sha` (column 5) is read and checked, not kept: no test reads it.
    pub checks_passed: Option<bool>,
    /// The distinct conclusions of the pull request's check runs as the source reports them
    /// (a run without one by its status), separated by spaces; judged by the control.
    pub check_conclusions: Option<Id>,
    pub loc: Loc,
}
impl Record for PullRequest {
    const KIND: Kind = Kind::PullRequests;
    const UNKEPT: &'static [usize] = &[1, 5];
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        PullRequest {
            pr_id: v.rs(0),
            author_id: v.s(2),
            created_at: v.ts(3),
            merged_at: v.ts(4),
            checks_passed: v.b(6),
            check_conclusions: v.s(7),
            loc,
        }
    }
}

/// `pr_reviews.csv`: reviews of pull requests.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct PrReview {
    pub pr_id: Id,
    pub reviewer_id: Option<Id>,
    pub state: Option<ReviewState>,
    pub submitted_at: Option<Ts>,
    pub loc: Loc,
}
impl Record for PrReview {
    const KIND: Kind = Kind::PrReviews;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        PrReview {
            pr_id: v.rs(0),
            reviewer_id: v.s(1),
            state: en!(v, 2, ReviewState),
            submitted_at: v.ts(3),
            loc,
        }
    }
}

/// `deploys.csv`: deployments.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Deploy {
    pub deploy_id: Id,
    /// The system; [`Deploy::system`] gives its id.
    pub system_id: Name,
    pub environment: Option<Environment>,
    pub deployed_at: Option<Ts>,
    pub deployer_id: Option<Id>,
    // `commit_sha` (column 5) is read and checked, not kept: no test reads it.
    pub pr_id: Option<Id>,
    pub ticket_id: Option<Id>,
    /// The target environment's name in the source system (`prod-us`); classified by the control
    /// when `environment` is empty. [`Deploy::environment_name`] gives its text.
    pub environment_name: Option<Name>,
    pub loc: Loc,
}
impl Record for Deploy {
    const KIND: Kind = Kind::Deploys;
    const NAMED: &'static [usize] = &[1, 8];
    const UNKEPT: &'static [usize] = &[5];
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        Deploy {
            deploy_id: v.rs(0),
            system_id: v.rname(1),
            environment: en!(v, 2, Environment),
            deployed_at: v.ts(3),
            deployer_id: v.s(4),
            pr_id: v.s(6),
            ticket_id: v.s(7),
            environment_name: v.oname(8),
            loc,
        }
    }
}

impl Deploy {
    /// The system's id; `names` is the table of the kit that holds the deploy.
    pub fn system<'a>(&self, names: &'a Names) -> &'a str {
        names.get(self.system_id)
    }
    /// The target environment's name in the source system, when given.
    pub fn environment_name<'a>(&self, names: &'a Names) -> Option<&'a str> {
        self.environment_name.map(|n| names.get(n))
    }
}

/// `vendors.csv`: the vendor inventory.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Vendor {
    pub vendor_id: Id,
    pub name: Option<Id>,
    pub tier: Option<i64>,
    pub data_access: Option<DataAccess>,
    pub status: Option<VendorStatus>,
    pub offboarded_at: Option<Ts>,
    pub owner_id: Option<Id>,
    pub last_reviewed_at: Option<Ts>,
    pub assurance_type: Option<AssuranceType>,
    pub report_period_end: Option<Date>,
    pub bridge_letter_through: Option<Date>,
    pub assurance_reviewed_at: Option<Ts>,
    pub subprocessor_clause: Option<bool>,
    pub loc: Loc,
}
impl Record for Vendor {
    const KIND: Kind = Kind::Vendors;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        Vendor {
            vendor_id: v.rs(0),
            name: v.s(1),
            tier: v.int(2),
            data_access: en!(v, 3, DataAccess),
            status: en!(v, 4, VendorStatus),
            offboarded_at: v.ts(5),
            owner_id: v.s(6),
            last_reviewed_at: v.ts(7),
            assurance_type: en!(v, 8, AssuranceType),
            report_period_end: v.date(9),
            bridge_letter_through: v.date(10),
            assurance_reviewed_at: v.ts(11),
            subprocessor_clause: v.b(12),
            loc,
        }
    }
}

/// `backup_jobs.csv`: backup runs.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct BackupJob {
    pub job_id: Id,
    pub system_id: Id,
    pub started_at: Option<Ts>,
    pub completed_at: Option<Ts>,
    pub status: Option<BackupStatus>,
    pub loc: Loc,
}
impl Record for BackupJob {
    const KIND: Kind = Kind::BackupJobs;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        BackupJob {
            job_id: v.rs(0),
            system_id: v.rs(1),
            started_at: v.ts(2),
            completed_at: v.ts(3),
            status: en!(v, 4, BackupStatus),
            loc,
        }
    }
}

/// `restore_tests.csv`: restore tests.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct RestoreTest {
    pub test_id: Id,
    pub system_id: Id,
    pub started_at: Option<Ts>,
    pub completed_at: Option<Ts>,
    pub status: Option<RestoreStatus>,
    pub isolated: Option<bool>,
    pub recovery_minutes: Option<i64>,
    pub performed_by: Option<Id>,
    pub loc: Loc,
}
impl Record for RestoreTest {
    const KIND: Kind = Kind::RestoreTests;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        RestoreTest {
            test_id: v.rs(0),
            system_id: v.rs(1),
            started_at: v.ts(2),
            completed_at: v.ts(3),
            status: en!(v, 4, RestoreStatus),
            isolated: v.b(5),
            recovery_minutes: v.int(6),
            performed_by: v.s(7),
            loc,
        }
    }
}

/// `sessions.csv`: privileged sessions as seen at the source.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Session {
    pub session_id: Id,
    /// The system; [`Session::system`] gives its id.
    pub system_id: Name,
    /// The account, when recorded; [`Session::account`] gives its id.
    pub account_id: Option<Name>,
    pub person_id: Option<Id>,
    pub method: Option<SessionMethod>,
    pub started_at: Option<Ts>,
    // `ended_at` (column 6) is read and checked, not kept: no test reads it.
    pub jit_request_id: Option<Id>,
    /// Whether the row gives a `recording_ref`. The reference itself is read and checked, not
    /// kept: the tests ask only whether there is one.
    pub recorded: bool,
    pub loc: Loc,
}
impl Record for Session {
    const KIND: Kind = Kind::Sessions;
    const NAMED: &'static [usize] = &[1, 2];
    /// `recording_ref`: only whether it is given.
    const UNKEPT: &'static [usize] = &[8];
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        Session {
            session_id: v.rs(0),
            system_id: v.rname(1),
            account_id: v.oname(2),
            person_id: v.s(3),
            method: en!(v, 4, SessionMethod),
            started_at: v.ts(5),
            jit_request_id: v.s(7),
            recorded: v.given(8),
            loc,
        }
    }
}

impl Session {
    /// The system's id; `names` is the table of the kit that holds the session.
    pub fn system<'a>(&self, names: &'a Names) -> &'a str {
        names.get(self.system_id)
    }
    /// The account's id, when recorded.
    pub fn account<'a>(&self, names: &'a Names) -> Option<&'a str> {
        self.account_id.map(|n| names.get(n))
    }
}

/// `central_log.csv`: what the central log store received.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct CentralLog {
    pub session_id: Id,
    pub received_at: Option<Ts>,
    pub loc: Loc,
}
impl Record for CentralLog {
    const KIND: Kind = Kind::CentralLog;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        CentralLog {
            session_id: v.rs(0),
            received_at: v.ts(1),
            loc,
        }
    }
}

/// `jit_requests.csv`: just-in-time elevation requests.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct JitRequest {
    pub request_id: Id,
    pub person_id: Option<Id>,
    pub system_id: Option<Id>,
    // `requested_at` (column 3) is read and checked, not kept: no test reads it.
    pub approver_id: Option<Id>,
    pub approved_at: Option<Ts>,
    pub expires_at: Option<Ts>,
    pub loc: Loc,
}
impl Record for JitRequest {
    const KIND: Kind = Kind::JitRequests;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        JitRequest {
            request_id: v.rs(0),
            person_id: v.s(1),
            system_id: v.s(2),
            approver_id: v.s(4),
            approved_at: v.ts(5),
            expires_at: v.ts(6),
            loc,
        }
    }
}

/// `data_stores.csv`: databases, replicas, snapshots, buckets, volumes and backups.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct DataStore {
    pub resource_id: Id,
    pub system_id: Id,
    pub kind: Option<StoreKind>,
    pub primary_id: Option<Id>,
    pub region: Option<Id>,
    pub encrypted: Option<bool>,
    pub key_id: Option<Id>,
    pub loc: Loc,
}
impl Record for DataStore {
    const KIND: Kind = Kind::DataStores;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        DataStore {
            resource_id: v.rs(0),
            system_id: v.rs(1),
            kind: en!(v, 2, StoreKind),
            primary_id: v.s(3),
            region: v.s(4),
            encrypted: v.b(5),
            key_id: v.s(6),
            loc,
        }
    }
}

/// `keys.csv`: encryption keys.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Key {
    pub key_id: Id,
    pub manager: Option<KeyManager>,
    pub algorithm: Option<Id>,
    pub rotation_enabled: Option<bool>,
    pub rotation_period_days: Option<i64>,
    pub loc: Loc,
}
impl Record for Key {
    const KIND: Kind = Kind::Keys;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        Key {
            key_id: v.rs(0),
            manager: en!(v, 1, KeyManager),
            algorithm: v.s(2),
            rotation_enabled: v.b(3),
            rotation_period_days: v.int(4),
            loc,
        }
    }
}

/// `endpoints.csv`: network endpoints and their TLS.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Endpoint {
    pub endpoint_id: Id,
    pub system_id: Id,
    pub exposure: Option<Exposure>,
    pub tls_min_version: Option<TlsVersion>,
    pub weak_ciphers: Option<bool>,
    pub policy_name: Option<Id>,
    /// The cipher suites the endpoint offers, as named by the source, separated by `:`, `,` or
    /// spaces; judged by the control when present.
    pub ciphers: Option<Id>,
    pub loc: Loc,
}
impl Record for Endpoint {
    const KIND: Kind = Kind::Endpoints;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        Endpoint {
            endpoint_id: v.rs(0),
            system_id: v.rs(1),
            exposure: en!(v, 2, Exposure),
            tls_min_version: en!(v, 3, TlsVersion),
            weak_ciphers: v.b(4),
            policy_name: v.s(5),
            ciphers: v.s(6),
            loc,
        }
    }
}

/// `training.csv`: course completions.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Training {
    pub person_id: Id,
    pub course: Id,
    pub completed_at: Option<Ts>,
    pub loc: Loc,
}
impl Record for Training {
    const KIND: Kind = Kind::Training;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        Training {
            person_id: v.rs(0),
            course: v.rs(1),
            completed_at: v.ts(2),
            loc,
        }
    }
}

/// `training_escalations.csv`: managers told about overdue training.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct TrainingEscalation {
    pub person_id: Id,
    pub course: Option<Id>,
    pub notified_at: Option<Ts>,
    pub notified_id: Option<Id>,
    pub loc: Loc,
}
impl Record for TrainingEscalation {
    const KIND: Kind = Kind::TrainingEscalations;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        TrainingEscalation {
            person_id: v.rs(0),
            course: v.s(1),
            notified_at: v.ts(2),
            notified_id: v.s(3),
            loc,
        }
    }
}

/// `phishing_campaigns.csv`: simulated phishing campaigns.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct PhishingCampaign {
    pub campaign_id: Id,
    pub started_at: Option<Ts>,
    pub recipients: Option<i64>,
    pub clicked: Option<i64>,
    pub reported: Option<i64>,
    /// Each recipient's recorded events, grouped: `event+event=N` entries separated by `;`
    /// (`none` for a recipient with no event); judged by the control.
    pub recipient_events: Option<Id>,
    pub loc: Loc,
}
impl Record for PhishingCampaign {
    const KIND: Kind = Kind::PhishingCampaigns;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        PhishingCampaign {
            campaign_id: v.rs(0),
            started_at: v.ts(1),
            recipients: v.int(2),
            clicked: v.int(3),
            reported: v.int(4),
            recipient_events: v.s(5),
            loc,
        }
    }
}

/// `risks.csv`: the risk register.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Risk {
    pub risk_id: Id,
    pub title: Option<Id>,
    pub owner_id: Option<Id>,
    pub likelihood: Option<i64>,
    pub impact: Option<i64>,
    pub residual_likelihood: Option<i64>,
    pub residual_impact: Option<i64>,
    pub treatment: Option<Treatment>,
    pub treatment_due: Option<Date>,
    pub status: Option<RiskStatus>,
    pub created_at: Option<Ts>,
    pub closed_at: Option<Ts>,
    pub loc: Loc,
}
impl Record for Risk {
    const KIND: Kind = Kind::Risks;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        Risk {
            risk_id: v.rs(0),
            title: v.s(1),
            owner_id: v.s(2),
            likelihood: v.int(3),
            impact: v.int(4),
            residual_likelihood: v.int(5),
            residual_impact: v.int(6),
            treatment: en!(v, 7, Treatment),
            treatment_due: v.date(8),
            status: en!(v, 9, RiskStatus),
            created_at: v.ts(10),
            closed_at: v.ts(11),
            loc,
        }
    }
}

/// `risk_reviews.csv`: reviews of risks.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct RiskReview {
    pub risk_id: Id,
    pub reviewed_at: Option<Ts>,
    pub reviewer_id: Option<Id>,
    pub loc: Loc,
}
impl Record for RiskReview {
    const KIND: Kind = Kind::RiskReviews;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        RiskReview {
            risk_id: v.rs(0),
            reviewed_at: v.ts(1),
            reviewer_id: v.s(2),
            loc,
        }
    }
}

/// `risk_links.csv`: what each risk is about.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct RiskLink {
    pub risk_id: Id,
    pub kind: Option<RiskLinkKind>,
    pub ref_id: Id,
    pub loc: Loc,
}
impl Record for RiskLink {
    const KIND: Kind = Kind::RiskLinks;
    fn build(v: &mut Vals<'_>, loc: Loc) -> Self {
        RiskLink {
            risk_id: v.rs(0),
            kind: en!(v, 1, RiskLinkKind),
            ref_id: v.rs(2),
            loc,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_are_indexed_by_kind() {
        for k in Kind::ALL {
            assert_eq!(k.schema().kind, k, "{k:?}");
            for key in k.schema().key {
                let f = k.schema().index(key).expect("key field exists");
                assert!(
                    k.schema().fields[f].required,
                    "{k:?}.{key} must be required"
                );
            }
        }
    }
}
