//! The loaded evidence kit: every record kind as a vector of typed records, plus per-file status.

use crate::fast::FastSet;

use crate::diag::Diagnostic;
use crate::records::*;
use crate::sourced::{Origin, RawFile};

/// What happened to one record kind's file.
#[derive(Clone, Debug)]
pub struct FileInfo {
    /// The kind.
    pub kind: Kind,
    /// The file read (`people.csv` or `people.jsonl`), `None` when absent.
    pub name: Option<String>,
    /// Data rows seen.
    pub rows: u32,
    /// Data rows rejected as bad input.
    pub rejected: u32,
    /// A file-level problem (missing required column, unreadable, two formats, a truncated
    /// export).
    pub problem: Option<String>,
    /// The configured sources that produce this kind (`okta-system-log (okta)`), if any.
    pub sources: Vec<String>,
    /// How the file's records were read: parsed, or replayed from the cache of parsed files.
    /// The records are the same either way; reports do not show it.
    pub cached: Cached,
}

/// How a kit file's records were read ([`ReadOptions::cache`](crate::ReadOptions::cache)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Cached {
    /// Parsed from the file (no cache, or a cache that did not match it).
    #[default]
    No,
    /// Replayed from the cache: the file is byte for byte the one cached.
    Whole,
    /// The file grew: the cached rows replayed, and only the new rows parsed.
    Grown,
}

impl FileInfo {
    /// Whether the kind has evidence: its kit file, or a configured source that produces it.
    pub fn present(&self) -> bool {
        self.name.is_some() || !self.sources.is_empty()
    }

    /// The file's name, or the sources that produce the kind, or its default CSV name.
    pub fn display_name(&self) -> String {
        match (&self.name, self.sources.is_empty()) {
            (Some(n), true) => n.clone(),
            (Some(n), false) => format!("{n} + {}", self.sources.join(", ")),
            (None, false) => self.sources.join(", "),
            (None, true) => self.kind.csv_name(),
        }
    }

    /// Why the file cannot be relied on, if it cannot: missing, unusable or with rejected rows.
    pub fn shortfall(&self) -> Option<String> {
        if !self.present() {
            return Some(format!("{} is missing", self.kind.csv_name()));
        }
        if let Some(p) = &self.problem {
            return Some(p.clone());
        }
        if self.rejected > 0 {
            return Some(format!(
                "{}: {} row{} rejected as bad input",
                self.display_name(),
                self.rejected,
                if self.rejected == 1 { "" } else { "s" }
            ));
        }
        None
    }
}

/// The evidence kit, as read.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Kit {
    /// One entry per kind, indexed by `Kind as usize`.
    pub files: Vec<FileInfo>,
    pub systems: Vec<System>,
    pub people: Vec<Person>,
    pub identities: Vec<Identity>,
    pub accounts: Vec<Account>,
    pub credentials: Vec<Credential>,
    pub account_events: Vec<AccountEvent>,
    pub access_reviews: Vec<AccessReview>,
    pub access_review_decisions: Vec<Decision>,
    pub changes: Vec<Change>,
    pub pull_requests: Vec<PullRequest>,
    pub pr_reviews: Vec<PrReview>,
    pub deploys: Vec<Deploy>,
    pub vendors: Vec<Vendor>,
    pub backup_jobs: Vec<BackupJob>,
    pub restore_tests: Vec<RestoreTest>,
    pub sessions: Vec<Session>,
    pub central_log: Vec<CentralLog>,
    pub jit_requests: Vec<JitRequest>,
    pub data_stores: Vec<DataStore>,
    pub keys: Vec<Key>,
    pub endpoints: Vec<Endpoint>,
    pub training: Vec<Training>,
    pub training_escalations: Vec<TrainingEscalation>,
    pub phishing_campaigns: Vec<PhishingCampaign>,
    pub risks: Vec<Risk>,
    pub risk_reviews: Vec<RiskReview>,
    pub risk_links: Vec<RiskLink>,
    /// The raw files that source adapters read.
    pub raw_files: Vec<RawFile>,
    /// The API calls behind pulled sources (`fieldcheck pull`'s `pull.json`).
    pub pulls: Vec<crate::sourced::PulledCall>,
    /// Where each sourced record came from ([`Loc::line`] of a sourced record indexes this).
    pub origins: Vec<Origin>,
    /// The text of every [`Name`] the records hold (an account event's system, account and
    /// actor).
    pub names: Names,
}

/// Where a record's evidence is, for reports: a kit file and line, or a raw export with its line
/// and JSON path and the adapter that read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceAt {
    /// The file (kit file or raw export).
    pub file: String,
    /// The line in it.
    pub line: u32,
    /// The JSON path of the raw record, if any.
    pub path: Option<String>,
    /// The adapter that translated it, for raw exports.
    pub source: Option<String>,
}

/// Calls `$m!` with every record vector of [`Kit`] and its record type, in kind order.
macro_rules! for_each_kind {
    ($m:ident) => {
        $m!(
            systems: System,
            people: Person,
            identities: Identity,
            accounts: Account,
            credentials: Credential,
            account_events: AccountEvent,
            access_reviews: AccessReview,
            access_review_decisions: Decision,
            changes: Change,
            pull_requests: PullRequest,
            pr_reviews: PrReview,
            deploys: Deploy,
            vendors: Vendor,
            backup_jobs: BackupJob,
            restore_tests: RestoreTest,
            sessions: Session,
            central_log: CentralLog,
            jit_requests: JitRequest,
            data_stores: DataStore,
            keys: Key,
            endpoints: Endpoint,
            training: Training,
            training_escalations: TrainingEscalation,
            phishing_campaigns: PhishingCampaign,
            risks: Risk,
            risk_reviews: RiskReview,
            risk_links: RiskLink,
        )
    };
}
pub(crate) use for_each_kind;

impl Kit {
    /// How many records name something in [`Kit::names`] (what merging this kit into another
    /// would re-point).
    pub(crate) fn named_records(&self) -> usize {
        self.account_events.len()
            + self.access_review_decisions.len()
            + self.sessions.len()
            + self.deploys.len()
    }

    /// Moves every record of `other` into this kit (records only, not file status).
    pub(crate) fn absorb(&mut self, other: &mut Kit) {
        // The records' names point into their own kit's table: the first table is taken whole,
        // any later one's names are added to it and its records pointed at them.
        if self.names.is_empty() {
            std::mem::swap(&mut self.names, &mut other.names);
        } else if !other.names.is_empty() {
            // Each of the other table's names is looked up once, not once per record.
            let to = self.names.absorb(&other.names);
            let re = |n: Name| to[n.index() as usize - 1];
            for d in &mut other.deploys {
                d.system_id = re(d.system_id);
                d.environment_name = d.environment_name.map(re);
            }
            for s in &mut other.sessions {
                s.system_id = re(s.system_id);
                s.account_id = s.account_id.map(re);
            }
            for d in &mut other.access_review_decisions {
                d.review_id = re(d.review_id);
                d.system_id = d.system_id.map(re);
                d.account_id = re(d.account_id);
            }
            for e in &mut other.account_events {
                e.system_id = re(e.system_id);
                e.account_id = re(e.account_id);
                if let Some(n) = e.actor.name() {
                    e.actor = Actor::other(re(n));
                }
            }
        }
        macro_rules! absorb {
            ($($field:ident: $t:ty),* $(,)?) => {
                $(if self.$field.is_empty() {
                    std::mem::swap(&mut self.$field, &mut other.$field);
                } else {
                    self.$field.append(&mut other.$field);
                })*
            };
        }
        for_each_kind!(absorb);
    }

    /// A kit with no files.
    pub fn empty() -> Kit {
        Kit {
            files: Kind::ALL
                .iter()
                .map(|&kind| FileInfo {
                    kind,
                    name: None,
                    rows: 0,
                    rejected: 0,
                    problem: None,
                    sources: Vec::new(),
                    cached: Cached::No,
                })
                .collect(),
            systems: Vec::new(),
            people: Vec::new(),
            identities: Vec::new(),
            accounts: Vec::new(),
            credentials: Vec::new(),
            account_events: Vec::new(),
            access_reviews: Vec::new(),
            access_review_decisions: Vec::new(),
            changes: Vec::new(),
            pull_requests: Vec::new(),
            pr_reviews: Vec::new(),
            deploys: Vec::new(),
            vendors: Vec::new(),
            backup_jobs: Vec::new(),
            restore_tests: Vec::new(),
            sessions: Vec::new(),
            central_log: Vec::new(),
            jit_requests: Vec::new(),
            data_stores: Vec::new(),
            keys: Vec::new(),
            endpoints: Vec::new(),
            training: Vec::new(),
            training_escalations: Vec::new(),
            phishing_campaigns: Vec::new(),
            risks: Vec::new(),
            risk_reviews: Vec::new(),
            risk_links: Vec::new(),
            raw_files: Vec::new(),
            pulls: Vec::new(),
            origins: Vec::new(),
            names: Names::default(),
        }
    }

    /// The status of one kind's file.
    pub fn file(&self, kind: Kind) -> &FileInfo {
        &self.files[kind as usize]
    }

    /// The file name a record location points at.
    pub fn file_name(&self, loc: Loc) -> String {
        self.evidence_at(loc).file
    }

    /// Where a record's evidence is: its kit file and line, or its raw export.
    pub fn evidence_at(&self, loc: Loc) -> EvidenceAt {
        if loc.sourced
            && let Some(o) = self.origins.get(loc.line as usize)
            && let Some(f) = self.raw_files.get(o.file as usize)
        {
            return EvidenceAt {
                file: f.path.clone(),
                line: o.line,
                path: o.path.as_deref().map(str::to_string),
                source: Some(f.adapter.clone()),
            };
        }
        EvidenceAt {
            file: self
                .file(loc.kind)
                .name
                .clone()
                .unwrap_or_else(|| loc.kind.csv_name()),
            line: loc.line,
            path: None,
            source: None,
        }
    }

    /// A record location as `file:line` (with the JSON path of a raw record).
    pub fn describe(&self, loc: Loc) -> String {
        let e = self.evidence_at(loc);
        match e.path {
            Some(p) => format!("{}:{} {p}", e.file, e.line),
            None => format!("{}:{}", e.file, e.line),
        }
    }

    /// Where every record of `kind` came from, in order.
    pub fn locs(&self, kind: Kind) -> Vec<Loc> {
        macro_rules! locs {
            ($($field:ident: $t:ty),* $(,)?) => {
                $(if <$t as Record>::KIND == kind {
                    return self.$field.iter().map(|r| r.loc).collect();
                })*
            };
        }
        for_each_kind!(locs);
        Vec::new()
    }

    /// Total records loaded.
    pub fn record_count(&self) -> usize {
        self.files
            .iter()
            .map(|f| (f.rows - f.rejected) as usize)
            .sum()
    }
}

/// Warns about records whose `system_id` names no row of systems.csv: every control ignores
/// them (only in-scope systems count), so the user must hear about it.
pub(crate) fn check_system_references(kit: &Kit, diags: &mut Vec<Diagnostic>) {
    if !kit.file(Kind::Systems).present() {
        return;
    }
    let known: FastSet<&str> = kit.systems.iter().map(|s| &*s.system_id).collect();
    let mut check = |refs: &mut dyn Iterator<Item = (&str, Loc)>| {
        let mut count = 0usize;
        let mut first: Option<(&str, Loc)> = None;
        let mut names: Vec<&str> = Vec::new();
        for (sys, loc) in refs {
            if !known.contains(sys) {
                count += 1;
                first.get_or_insert((sys, loc));
                if names.len() < 5 && !names.contains(&sys) {
                    names.push(sys);
                }
            }
        }
        if let Some((_, loc)) = first {
            let at = kit.evidence_at(loc);
            diags.push(
                Diagnostic::warning(
                    crate::Code::UnknownSystem,
                    format!(
                        "{count} row{} name{} a system that is not in systems.csv ({}); controls ignore them as out of scope",
                        if count == 1 { "" } else { "s" },
                        if count == 1 { "s" } else { "" },
                        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .file(at.file)
                .line(at.line)
                .field("system_id")
                .help("add the system to systems.csv (with `in_scope`), or correct the `system_id`"),
            );
        }
    };
    check(&mut kit.accounts.iter().map(|r| (&*r.system_id, r.loc)));
    check(&mut kit.credentials.iter().map(|r| (&*r.system_id, r.loc)));
    check(&mut kit.access_reviews.iter().map(|r| (&*r.system_id, r.loc)));
    check(&mut kit.deploys.iter().map(|r| (r.system(&kit.names), r.loc)));
    check(&mut kit.backup_jobs.iter().map(|r| (&*r.system_id, r.loc)));
    check(&mut kit.restore_tests.iter().map(|r| (&*r.system_id, r.loc)));
    check(&mut kit.sessions.iter().map(|r| (r.system(&kit.names), r.loc)));
    check(&mut kit.data_stores.iter().map(|r| (&*r.system_id, r.loc)));
    check(&mut kit.endpoints.iter().map(|r| (&*r.system_id, r.loc)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(names: &mut Names, system: &str, account: &str) -> AccountEvent {
        AccountEvent {
            system_id: names.intern(Id::new(system)),
            account_id: names.intern(Id::new(account)),
            event: Some(EventKind::Login),
            at: None,
            // An admin on every second account.
            actor: if account.ends_with(['2', '4']) {
                Actor::other(names.intern(Id::new("admin")))
            } else {
                Actor::ACCOUNT
            },
            loc: Loc::file(Kind::AccountEvents, 2),
        }
    }

    #[test]
    fn no_named_column_is_a_key() {
        // Keys are checked on `Val::Str` cells: a named key column would skip the check.
        macro_rules! check {
            ($($field:ident: $t:ty),* $(,)?) => {
                $({
                    let schema = <$t as crate::records::Record>::KIND.schema();
                    for &i in <$t as crate::records::Record>::NAMED {
                        let f = schema.fields[i].name;
                        assert!(!schema.key.contains(&f), "{}.{f} is named and a key", schema.stem);
                    }
                })*
            };
        }
        for_each_kind!(check);
        assert!(!<AccountEvent as crate::records::Record>::NAMED.is_empty());
    }

    #[test]
    fn no_record_reads_the_text_of_an_unkept_column() {
        // The reader keeps an empty text for a given cell of an `UNKEPT` column: a record built
        // from that must be the record built from the cell's text. Every cell is given.
        fn row(schema: &Schema, names: &mut Names, named: &[usize], unkept: &str) -> Vec<Val> {
            let at = jiff::Timestamp::from_second(1_780_000_000).expect("an instant");
            (0..schema.fields.len())
                .map(|i| match schema.fields[i].ty {
                    _ if named.contains(&i) => Val::Name(names.intern(Id::new("n-1"))),
                    Ty::Id | Ty::Person | Ty::Text => Val::Str(Id::new(format!("{unkept}{i}"))),
                    Ty::Ts => Val::Ts(at),
                    Ty::Date => Val::Date(jiff::civil::date(2026, 5, 1)),
                    Ty::Bool => Val::Bool(true),
                    Ty::Int(lo, _) => Val::Int(lo),
                    Ty::Enum(_) => Val::Enum(0),
                })
                .collect()
        }
        let mut some = 0;
        macro_rules! check {
            ($($field:ident: $t:ty),* $(,)?) => {
                $({
                    let schema = <$t as crate::records::Record>::KIND.schema();
                    let named = <$t as crate::records::Record>::NAMED;
                    let unkept = <$t as crate::records::Record>::UNKEPT;
                    some += unkept.len();
                    for &i in unkept {
                        let f = &schema.fields[i];
                        assert!(matches!(f.ty, Ty::Id | Ty::Person | Ty::Text), "{}.{}", schema.stem, f.name);
                        assert!(!schema.key.contains(&f.name) && !named.contains(&i), "{}.{}", schema.stem, f.name);
                    }
                    let mut names = Names::default();
                    let mut full = row(schema, &mut names, named, "a-value-longer-than-twenty-three-bytes-");
                    let mut kept = full.clone();
                    for &i in unkept {
                        kept[i] = Val::Str(Id::default());
                    }
                    let loc = Loc::file(<$t as crate::records::Record>::KIND, 2);
                    let a = <$t as crate::records::Record>::build(&mut Vals(&mut full, &mut names), loc);
                    let b = <$t as crate::records::Record>::build(&mut Vals(&mut kept, &mut names), loc);
                    assert_eq!(format!("{a:?}"), format!("{b:?}"), "{}", schema.stem);
                })*
            };
        }
        for_each_kind!(check);
        assert!(some >= 4, "the left-out text columns are named");
    }

    #[test]
    fn absorbed_records_keep_their_names() {
        // Two partial kits, each with its own table: `github` is the first name of one and the
        // second of the other.
        let mut a = Kit::empty();
        a.account_events = vec![
            event(&mut a.names, "okta", "u1"),
            event(&mut a.names, "github", "u2"),
        ];
        let mut b = Kit::empty();
        b.account_events = vec![
            event(&mut b.names, "github", "u3"),
            event(&mut b.names, "aws", "u4"),
        ];
        // The second kit's decisions and sessions name things the first kit's table numbers
        // otherwise (`github` and `u2`), and one it lacks (`aws-prod`).
        b.access_review_decisions = vec![Decision {
            review_id: b.names.intern(Id::new("AR-1")),
            system_id: Some(b.names.intern(Id::new("github"))),
            account_id: b.names.intern(Id::new("u2")),
            reviewer_id: None,
            decision: None,
            decided_at: None,
            loc: Loc::file(Kind::AccessReviewDecisions, 2),
        }];
        b.sessions = vec![Session {
            session_id: Id::new("s1"),
            system_id: b.names.intern(Id::new("aws-prod")),
            account_id: Some(b.names.intern(Id::new("u3"))),
            person_id: None,
            method: None,
            started_at: None,
            jit_request_id: None,
            recorded: false,
            loc: Loc::file(Kind::Sessions, 2),
        }];
        b.deploys = vec![Deploy {
            deploy_id: Id::new("d1"),
            system_id: b.names.intern(Id::new("okta")),
            environment: None,
            deployed_at: None,
            deployer_id: None,
            pr_id: None,
            ticket_id: None,
            environment_name: Some(b.names.intern(Id::new("prod-us"))),
            loc: Loc::file(Kind::Deploys, 2),
        }];
        let mut kit = Kit::empty();
        kit.absorb(&mut a);
        kit.absorb(&mut b);
        let dep = &kit.deploys[0];
        assert_eq!(
            (dep.system(&kit.names), dep.environment_name(&kit.names)),
            ("okta", Some("prod-us"))
        );
        let d = &kit.access_review_decisions[0];
        assert_eq!(
            (
                d.review(&kit.names),
                d.system(&kit.names),
                d.account(&kit.names)
            ),
            ("AR-1", Some("github"), "u2")
        );
        let s = &kit.sessions[0];
        assert_eq!(
            (s.system(&kit.names), s.account(&kit.names)),
            ("aws-prod", Some("u3"))
        );
        let read: Vec<(&str, &str, Option<&str>)> = kit
            .account_events
            .iter()
            .map(|e| {
                (
                    e.system(&kit.names),
                    e.account(&kit.names),
                    e.actor_id(&kit.names),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                ("okta", "u1", Some("u1")),
                ("github", "u2", Some("admin")),
                ("github", "u3", Some("u3")),
                ("aws", "u4", Some("admin"))
            ]
        );
        // One table, each name once: four systems, an admin, four accounts, a review and an
        // environment.
        assert_eq!(kit.names.len(), 11);
        assert_eq!(
            kit.account_events[1].system_id,
            kit.account_events[2].system_id
        );
    }
}
