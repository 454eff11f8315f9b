//! The fictional company: its systems, people and accounts, and how its leavers were offboarded.
//!
//! Everything here is decided once, in memory, before any file is written; the writers only read it
//! (except the access reviews, which revoke accounts and run before the accounts are written).

use std::collections::{HashMap, HashSet};

use crate::names::{FIRST, LAST};
use crate::rng::{Rng, mix64, push_base36, push_base62, push_hex};
use crate::time::{
    COLLECT_DAY, Clock, DAY, HOUR, MINUTE, SPAN1_DAY, Ts, W0_DAY, W1_DAY, days, weekday,
    workday_on_or_after, workday_on_or_before,
};

/// The company's email domain.
pub(crate) const DOMAIN: &str = "northpeak.io";

pub(crate) const OKTA: u8 = 0;
pub(crate) const AWS_PROD: u8 = 1;
pub(crate) const GITHUB: u8 = 2;
pub(crate) const POSTGRES: u8 = 3;
pub(crate) const GOOGLE: u8 = 4;
pub(crate) const JIRA: u8 = 5;
pub(crate) const SALESFORCE: u8 = 6;
pub(crate) const AWS_STAGING: u8 = 7;
pub(crate) const DATADOG: u8 = 8;
pub(crate) const SLACK: u8 = 9;
pub(crate) const WIKI: u8 = 10;
pub(crate) const WEBSITE: u8 = 11;

pub(crate) const CEO: usize = 0;
pub(crate) const CTO: usize = 1;
pub(crate) const VP_ENG: usize = 2;
pub(crate) const CISO: usize = 3;
pub(crate) const CFO: usize = 4;
pub(crate) const VP_SALES: usize = 5;
pub(crate) const VP_CS: usize = 6;
pub(crate) const VP_MARKETING: usize = 7;
pub(crate) const VP_PRODUCT: usize = 8;
pub(crate) const HEAD_PEOPLE: usize = 9;
pub(crate) const HEAD_IT: usize = 10;
const EXEC_COUNT: usize = 11;

/// A system of the inventory.
pub(crate) struct SystemDef {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) tier: u8,
    pub(crate) in_scope: bool,
    pub(crate) classification: &'static str,
    pub(crate) rto_minutes: Option<i64>,
    /// The day the company adopted it.
    pub(crate) adopted: i32,
    /// Accounts are provisioned and deprovisioned from the IdP by SCIM.
    pub(crate) scim: bool,
    /// The system's relative share of a user's logins.
    pub(crate) login_weight: u32,
    /// The owning executive.
    pub(crate) owner: usize,
}

pub(crate) const SYSTEMS: [SystemDef; 12] = [
    SystemDef {
        id: "okta",
        name: "Okta",
        kind: "idp",
        tier: 1,
        in_scope: true,
        classification: "confidential",
        rto_minutes: Some(240),
        adopted: days(2019, 3, 4),
        scim: false,
        login_weight: 50,
        owner: HEAD_IT,
    },
    SystemDef {
        id: "aws-prod",
        name: "AWS production (us-east-1, us-west-2)",
        kind: "cloud",
        tier: 1,
        in_scope: true,
        classification: "restricted",
        rto_minutes: Some(240),
        adopted: days(2017, 3, 6),
        scim: true,
        login_weight: 9,
        owner: CTO,
    },
    SystemDef {
        id: "github",
        name: "GitHub (northpeak organization)",
        kind: "saas",
        tier: 1,
        in_scope: true,
        classification: "confidential",
        rto_minutes: Some(480),
        adopted: days(2017, 3, 6),
        scim: false,
        login_weight: 14,
        owner: VP_ENG,
    },
    SystemDef {
        id: "postgres-prod",
        name: "PostgreSQL production cluster",
        kind: "database",
        tier: 1,
        in_scope: true,
        classification: "restricted",
        rto_minutes: Some(120),
        adopted: days(2017, 5, 1),
        scim: false,
        login_weight: 3,
        owner: CTO,
    },
    SystemDef {
        id: "google-workspace",
        name: "Google Workspace",
        kind: "saas",
        tier: 2,
        in_scope: true,
        classification: "confidential",
        rto_minutes: Some(1440),
        adopted: days(2017, 2, 1),
        scim: true,
        login_weight: 8,
        owner: HEAD_IT,
    },
    SystemDef {
        id: "jira",
        name: "Jira Software and Service Management",
        kind: "saas",
        tier: 2,
        in_scope: true,
        classification: "internal",
        rto_minutes: Some(1440),
        adopted: days(2017, 4, 3),
        scim: true,
        login_weight: 10,
        owner: VP_ENG,
    },
    SystemDef {
        id: "salesforce",
        name: "Salesforce Sales Cloud",
        kind: "saas",
        tier: 2,
        in_scope: true,
        classification: "confidential",
        rto_minutes: Some(1440),
        adopted: days(2018, 1, 8),
        scim: true,
        login_weight: 16,
        owner: VP_SALES,
    },
    SystemDef {
        id: "aws-staging",
        name: "AWS staging",
        kind: "cloud",
        tier: 2,
        in_scope: true,
        classification: "internal",
        rto_minutes: Some(1440),
        adopted: days(2017, 9, 4),
        scim: true,
        login_weight: 6,
        owner: VP_ENG,
    },
    SystemDef {
        id: "datadog",
        name: "Datadog",
        kind: "saas",
        tier: 3,
        in_scope: true,
        classification: "internal",
        rto_minutes: None,
        adopted: days(2020, 6, 1),
        scim: true,
        login_weight: 6,
        owner: VP_ENG,
    },
    SystemDef {
        id: "slack",
        name: "Slack",
        kind: "saas",
        tier: 3,
        in_scope: true,
        classification: "internal",
        rto_minutes: None,
        adopted: days(2017, 2, 1),
        scim: true,
        login_weight: 6,
        owner: HEAD_IT,
    },
    SystemDef {
        id: "legacy-wiki",
        name: "Confluence Server (legacy, read-only)",
        kind: "host",
        tier: 3,
        in_scope: false,
        classification: "internal",
        rto_minutes: None,
        adopted: days(2017, 4, 3),
        scim: false,
        login_weight: 2,
        owner: HEAD_IT,
    },
    SystemDef {
        id: "marketing-site",
        name: "Marketing website (WordPress)",
        kind: "host",
        tier: 3,
        in_scope: false,
        classification: "public",
        rto_minutes: None,
        adopted: days(2017, 6, 5),
        scim: false,
        login_weight: 3,
        owner: VP_MARKETING,
    },
];

/// What a person does; it decides their department and their accounts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    Exec,
    Backend,
    Frontend,
    Mobile,
    Qa,
    Sre,
    Dba,
    Data,
    Security,
    It,
    Product,
    Design,
    Sales,
    Cs,
    Marketing,
    Finance,
    People,
    Legal,
}

/// Roles of the non-executive workforce: per-mille share and share of contractors (percent).
const ROLES: [(Role, u32, u32); 17] = [
    (Role::Backend, 150, 20),
    (Role::Frontend, 80, 20),
    (Role::Mobile, 30, 25),
    (Role::Qa, 25, 30),
    (Role::Sre, 40, 5),
    (Role::Dba, 10, 0),
    (Role::Data, 40, 10),
    (Role::Security, 15, 5),
    (Role::It, 15, 10),
    (Role::Product, 45, 5),
    (Role::Design, 25, 15),
    (Role::Sales, 170, 3),
    (Role::Cs, 150, 15),
    (Role::Marketing, 75, 10),
    (Role::Finance, 35, 5),
    (Role::People, 25, 5),
    (Role::Legal, 10, 10),
];

impl Role {
    /// Engineers write code: they have GitHub, Jira and staging.
    pub(crate) fn engineer(self) -> bool {
        matches!(
            self,
            Role::Backend
                | Role::Frontend
                | Role::Mobile
                | Role::Qa
                | Role::Sre
                | Role::Dba
                | Role::Data
        )
    }

    /// The executive who heads the role's department.
    fn head(self) -> usize {
        match self {
            Role::Exec => CEO,
            Role::Backend
            | Role::Frontend
            | Role::Mobile
            | Role::Qa
            | Role::Sre
            | Role::Dba
            | Role::Data => VP_ENG,
            Role::Security => CISO,
            Role::It => HEAD_IT,
            Role::Product | Role::Design => VP_PRODUCT,
            Role::Sales => VP_SALES,
            Role::Cs => VP_CS,
            Role::Marketing => VP_MARKETING,
            Role::Finance | Role::Legal => CFO,
            Role::People => HEAD_PEOPLE,
        }
    }
}

/// Executives: who they report to and whether they hold admin rights.
const EXEC_MANAGER: [Option<usize>; EXEC_COUNT] = [
    None,
    Some(CEO),
    Some(CTO),
    Some(CTO),
    Some(CEO),
    Some(CEO),
    Some(CEO),
    Some(CEO),
    Some(CEO),
    Some(CEO),
    Some(CISO),
];

/// A member of the workforce (HRIS record plus the identifiers other systems know them by).
pub(crate) struct Person {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) manager: Option<u32>,
    pub(crate) contractor: bool,
    /// Start date (day number).
    pub(crate) start: i32,
    pub(crate) term: Option<Ts>,
    pub(crate) privileged: bool,
    pub(crate) role: Role,
    pub(crate) exec: Option<usize>,
    pub(crate) is_manager: bool,
    pub(crate) github: Option<String>,
    pub(crate) jira: Option<String>,
    /// Indexes of their human accounts, in system order.
    pub(crate) accounts: Vec<u32>,
}

impl Person {
    /// Whether they are employed at `t` (from local midnight of the start date to the termination).
    pub(crate) fn employed_at(&self, clock: &Clock, t: Ts) -> bool {
        t >= clock.midnight(self.start) && self.term.is_none_or(|end| t < end)
    }

    /// Whether they never leave before the evidence is collected.
    pub(crate) fn stays(&self) -> bool {
        self.term.is_none()
    }

    /// The person's account on a system, if any.
    pub(crate) fn account_on(&self, accounts: &[Account], sys: u8) -> Option<u32> {
        self.accounts
            .iter()
            .copied()
            .find(|&a| accounts[a as usize].sys == sys)
    }
}

/// The type of a service account's secret.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum CredType {
    Password,
    AccessKey,
    ApiToken,
    SshKey,
    Certificate,
}

impl CredType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CredType::Password => "password",
            CredType::AccessKey => "access_key",
            CredType::ApiToken => "api_token",
            CredType::SshKey => "ssh_key",
            CredType::Certificate => "certificate",
        }
    }
}

/// Multi-factor enforcement of an account.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mfa {
    Enforced,
    NotEnforced,
    NotApplicable,
}

impl Mfa {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Mfa::Enforced => "enforced",
            Mfa::NotEnforced => "not_enforced",
            Mfa::NotApplicable => "not_applicable",
        }
    }
}

/// An account in one system, human or service.
pub(crate) struct Account {
    pub(crate) sys: u8,
    pub(crate) id: String,
    /// The human behind a human account.
    pub(crate) person: Option<u32>,
    /// How the export names that human (a person_id, an email or an external id).
    pub(crate) person_ref: String,
    /// How the export names a service account's owner (`None` = no owner).
    pub(crate) owner_ref: Option<String>,
    pub(crate) service: bool,
    pub(crate) privileged: bool,
    pub(crate) created: Ts,
    pub(crate) disabled: Option<Ts>,
    pub(crate) deleted: bool,
    pub(crate) interactive: bool,
    pub(crate) mfa: Mfa,
    /// A leaver's account left behind on purpose: access reviews keep it, so the gap survives.
    pub(crate) orphan: bool,
    /// Service accounts: the secret type, and whether rotation lapsed (more than 90 days in the window).
    pub(crate) cred: CredType,
    pub(crate) stale: bool,
}

impl Account {
    /// Whether the account works at `t`.
    pub(crate) fn active_at(&self, t: Ts) -> bool {
        self.created <= t && self.disabled.is_none_or(|d| t < d)
    }
}

/// The kind of an account event.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) enum EventKind {
    Login,
    Enabled,
    Disabled,
    SessionsRevoked,
    Deleted,
}

impl EventKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EventKind::Login => "login",
            EventKind::Enabled => "enabled",
            EventKind::Disabled => "disabled",
            EventKind::SessionsRevoked => "sessions_revoked",
            EventKind::Deleted => "deleted",
        }
    }
}

/// Who did an account event.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) enum Actor {
    /// The account itself (a login).
    Own,
    /// An automation, by name.
    Tool(&'static str),
    /// A person (written as their person_id).
    Person(u32),
}

/// One lifecycle event (logins are generated while writing).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) struct Event {
    pub(crate) ts: Ts,
    pub(crate) acct: u32,
    pub(crate) kind: EventKind,
    pub(crate) actor: Actor,
}

/// The whole company, decided in memory.
pub(crate) struct Org {
    pub(crate) seed: u64,
    pub(crate) people: Vec<Person>,
    pub(crate) accounts: Vec<Account>,
    pub(crate) events: Vec<Event>,
    /// Window start and end instants, and the collection instant.
    pub(crate) w0: Ts,
    pub(crate) w1: Ts,
    pub(crate) collect: Ts,
}

impl Org {
    /// The person who owns a system (an executive, or the CEO in a tiny company).
    pub(crate) fn owner_of(&self, sys: u8) -> u32 {
        self.exec(SYSTEMS[sys as usize].owner)
    }

    /// The person in an executive seat (the CEO stands in for seats a tiny company lacks).
    pub(crate) fn exec(&self, seat: usize) -> u32 {
        if seat < self.people.len() {
            seat as u32
        } else {
            0
        }
    }

    /// A person's reference written as their person_id or (sometimes) their email, as exports mix them.
    pub(crate) fn person_ref(&self, p: u32, as_email: bool) -> &str {
        let person = &self.people[p as usize];
        if as_email { &person.email } else { &person.id }
    }

    /// People who stay through collection and have a given role (or seat), to act as admins.
    pub(crate) fn staff(&self, pred: impl Fn(&Person) -> bool) -> Vec<u32> {
        (0..self.people.len() as u32)
            .filter(|&i| {
                let p = &self.people[i as usize];
                p.stays() && pred(p)
            })
            .collect()
    }

    /// Picks a person of `pool` employed at `t`, other than `not`, trying a few times.
    pub(crate) fn pick_active(
        &self,
        clock: &Clock,
        rng: &mut Rng,
        pool: &[u32],
        t: Ts,
        not: &[u32],
    ) -> Option<u32> {
        if pool.is_empty() {
            return None;
        }
        for _ in 0..24 {
            let p = *rng.pick(pool);
            if !not.contains(&p) && self.people[p as usize].employed_at(clock, t) {
                return Some(p);
            }
        }
        pool.iter()
            .copied()
            .find(|p| !not.contains(p) && self.people[*p as usize].employed_at(clock, t))
    }
}

/// A random time of a working day, 09:00 to 18:00 local.
pub(crate) fn work_time(clock: &Clock, day: i32, rng: &mut Rng) -> Ts {
    clock.local(workday_on_or_after(day), rng.range(9 * HOUR, 18 * HOUR))
}

fn monday_on_or_before(day: i32) -> i32 {
    day - weekday(day) as i32
}

/// Folds a display name to the ASCII letters of an email address.
fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' | 'å' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ï' => 'i',
            'ó' | 'ö' | 'ô' | 'ø' => 'o',
            'ú' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            c => c,
        };
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Builds the company: people, their accounts, service accounts, and the offboarding of leavers.
pub(crate) fn build(clock: &Clock, seed: u64, n: usize) -> Org {
    let mut org = Org {
        seed,
        people: Vec::with_capacity(n),
        accounts: Vec::new(),
        events: Vec::new(),
        w0: clock.midnight(W0_DAY),
        w1: clock.midnight(W1_DAY),
        collect: clock.local(COLLECT_DAY, 10 * HOUR),
    };
    build_people(&mut org, clock, n);
    build_human_accounts(&mut org, clock);
    build_service_accounts(&mut org, clock);
    offboard_leavers(&mut org, clock);
    org
}

fn build_people(org: &mut Org, clock: &Clock, n: usize) {
    let seed = org.seed;
    let mut rng = Rng::stream(seed, "people", 0);
    let weights: Vec<u32> = ROLES.iter().map(|r| r.1).collect();

    // Roles, employment type and start dates.
    let mut roles = Vec::with_capacity(n);
    for i in 0..n {
        if i < EXEC_COUNT {
            roles.push((Role::Exec, false));
        } else {
            let (role, _, contractor_pct) = ROLES[rng.weighted(&weights)];
            roles.push((role, rng.below(100) < u64::from(contractor_pct)));
        }
    }
    let mut starts = vec![0i32; n];
    let mut exec_day = days(2017, 2, 6);
    for (i, start) in starts.iter_mut().enumerate().take(n.min(EXEC_COUNT)) {
        *start = monday_on_or_before(exec_day);
        exec_day += rng.range(20, 150) as i32 + i as i32;
    }
    let mut others: Vec<usize> = (EXEC_COUNT.min(n)..n).collect();
    rng.shuffle(&mut others);
    let join_rate = 0.07 + 0.03 * rng.unit();
    let joiners = (others.len() as f64 * join_rate).round() as usize;
    let (join_lo, join_hi) = (days(2026, 4, 6), days(2026, 9, 28));
    let (hist_lo, hist_hi) = (days(2017, 6, 5), days(2026, 3, 30));
    for (k, &i) in others.iter().enumerate() {
        starts[i] = if k < joiners {
            monday_on_or_before(rng.range(i64::from(join_lo), i64::from(join_hi) + 1) as i32)
        } else {
            let u = rng.unit().max(rng.unit());
            monday_on_or_before(hist_lo + (f64::from(hist_hi - hist_lo) * u) as i32)
        };
    }

    // Terminations: leavers before, during and after the window (never executives).
    let mut terms: Vec<Option<Ts>> = vec![None; n];
    rng.shuffle(&mut others);
    let leave_rate = 0.08 + 0.04 * rng.unit();
    let mut pre = (n as f64 * 0.06).round() as usize;
    let mut during = (n as f64 * leave_rate).round() as usize;
    let mut post = (n as f64 * 0.015).round() as usize;
    for &i in &others {
        let start = starts[i];
        let range = if pre > 0 && start <= days(2025, 12, 1) {
            pre -= 1;
            ((start + 60).max(days(2025, 4, 1)), days(2026, 3, 31))
        } else if during > 0 && start <= days(2026, 9, 1) {
            during -= 1;
            ((start + 21).max(W0_DAY), W1_DAY - 1)
        } else if post > 0 && start <= days(2026, 9, 1) {
            post -= 1;
            (days(2026, 10, 1), days(2026, 10, 30))
        } else {
            continue;
        };
        let day =
            workday_on_or_before(rng.range(i64::from(range.0), i64::from(range.1) + 1) as i32);
        let secs = if rng.chance(0.75) {
            17 * HOUR + rng.range(0, 90 * MINUTE)
        } else {
            9 * HOUR + 30 * MINUTE + rng.range(0, 150 * MINUTE)
        };
        terms[i] = Some(clock.local(day, secs));
    }

    // Managers: about one per eight people of a department, chosen among long-tenured employees who stay.
    let mut is_manager = vec![false; n];
    let mut manager_of: Vec<Option<u32>> = vec![None; n];
    for (i, m) in manager_of.iter_mut().enumerate().take(n.min(EXEC_COUNT)) {
        *m = EXEC_MANAGER[i].map(|m| m as u32);
        is_manager[i] = true;
    }
    let head = |seat: usize| {
        if seat < n {
            Some(seat as u32)
        } else if n > 0 && seat != 0 {
            Some(0)
        } else {
            None
        }
    };
    let mut by_head: Vec<Vec<usize>> = vec![Vec::new(); EXEC_COUNT];
    for &i in &others {
        by_head[roles[i].0.head()].push(i);
    }
    for (seat, members) in by_head.iter_mut().enumerate() {
        members.sort_unstable();
        let mut candidates: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| !roles[i].1 && terms[i].is_none() && starts[i] <= days(2025, 6, 1))
            .collect();
        rng.shuffle(&mut candidates);
        let wanted = members.len().div_ceil(8).min(candidates.len());
        let managers: Vec<usize> = candidates[..wanted].to_vec();
        for &m in &managers {
            is_manager[m] = true;
            manager_of[m] = head(seat);
        }
        for &i in members.iter() {
            if !is_manager[i] {
                manager_of[i] = if managers.is_empty() {
                    head(seat)
                } else {
                    Some(*rng.pick(&managers) as u32)
                };
            }
        }
    }

    // Names, identifiers and the privileged flag.
    let mut emails: HashMap<String, u32> = HashMap::new();
    for i in 0..n {
        let first = *rng.pick(FIRST);
        let last = *rng.pick(LAST);
        let base = format!("{}.{}", ascii_fold(first), ascii_fold(last));
        let count = emails.entry(base.clone()).or_insert(0);
        *count += 1;
        let local = if *count == 1 {
            base
        } else {
            format!("{base}{count}")
        };
        let (role, contractor) = roles[i];
        let privileged = match role {
            Role::Sre | Role::Dba | Role::Security | Role::It => true,
            Role::Backend => rng.chance(0.08),
            Role::Exec => matches!(i, CTO | CISO | HEAD_IT),
            _ => false,
        };
        org.people.push(Person {
            id: format!("{}{}", if contractor { 'C' } else { 'E' }, 10_001 + i),
            email: format!("{local}@{DOMAIN}"),
            name: format!("{first} {last}"),
            manager: manager_of[i],
            contractor,
            start: starts[i],
            term: terms[i],
            privileged,
            role,
            exec: if i < EXEC_COUNT { Some(i) } else { None },
            is_manager: is_manager[i],
            github: None,
            jira: None,
            accounts: Vec::new(),
        });
    }
}

/// The systems a person has a human account on, with whether that account is privileged.
fn human_systems(p: &Person, rng: &mut Rng) -> Vec<(u8, bool)> {
    use Role::*;
    let mut v = Vec::with_capacity(8);
    if let Some(seat) = p.exec {
        let list: &[(u8, bool)] = match seat {
            CEO => &[
                (OKTA, false),
                (GOOGLE, false),
                (JIRA, false),
                (SALESFORCE, false),
                (SLACK, false),
            ],
            CTO => &[
                (OKTA, false),
                (AWS_PROD, true),
                (GITHUB, true),
                (POSTGRES, true),
                (GOOGLE, false),
                (JIRA, false),
                (AWS_STAGING, true),
                (DATADOG, false),
                (SLACK, false),
            ],
            VP_ENG => &[
                (OKTA, false),
                (GITHUB, false),
                (GOOGLE, false),
                (JIRA, false),
                (AWS_STAGING, false),
                (DATADOG, false),
                (SLACK, false),
            ],
            CISO => &[
                (OKTA, true),
                (AWS_PROD, true),
                (GITHUB, false),
                (GOOGLE, false),
                (JIRA, false),
                (DATADOG, false),
                (SLACK, false),
            ],
            CFO | VP_SALES => &[
                (OKTA, false),
                (GOOGLE, false),
                (SALESFORCE, false),
                (SLACK, false),
            ],
            VP_CS => &[
                (OKTA, false),
                (GOOGLE, false),
                (JIRA, false),
                (SALESFORCE, false),
                (SLACK, false),
            ],
            VP_MARKETING => &[
                (OKTA, false),
                (GOOGLE, false),
                (SALESFORCE, false),
                (SLACK, false),
                (WEBSITE, true),
            ],
            VP_PRODUCT => &[
                (OKTA, false),
                (GITHUB, false),
                (GOOGLE, false),
                (JIRA, false),
                (SLACK, false),
            ],
            HEAD_IT => &[
                (OKTA, true),
                (GOOGLE, true),
                (JIRA, true),
                (SLACK, true),
                (WIKI, true),
            ],
            _ => &[(OKTA, false), (GOOGLE, false), (SLACK, false)],
        };
        v.extend_from_slice(list);
        return v;
    }
    let r = p.role;
    let eng = r.engineer();
    v.push((OKTA, matches!(r, It | Security)));
    match r {
        Sre | Dba | Security => v.push((AWS_PROD, true)),
        Backend if p.privileged => v.push((AWS_PROD, true)),
        Backend if rng.chance(0.2) => v.push((AWS_PROD, false)),
        Data if rng.chance(0.15) => v.push((AWS_PROD, false)),
        _ => {}
    }
    if eng || r == Security || (r == Product && rng.chance(0.3)) || (r == Design && rng.chance(0.2))
    {
        v.push((GITHUB, r == Sre && rng.chance(0.3)));
    }
    match r {
        Dba | Sre => v.push((POSTGRES, true)),
        Backend if p.privileged => v.push((POSTGRES, true)),
        Backend if rng.chance(0.1) => v.push((POSTGRES, false)),
        Data if rng.chance(0.25) => v.push((POSTGRES, false)),
        _ => {}
    }
    v.push((GOOGLE, r == It));
    if eng || matches!(r, Security | It | Product | Design | Cs) || rng.chance(0.2) {
        v.push((JIRA, r == It));
    }
    let sf = match r {
        Sales | Cs => true,
        Marketing => rng.chance(0.6),
        Finance => rng.chance(0.4),
        Legal => rng.chance(0.2),
        _ => false,
    };
    if sf {
        v.push((SALESFORCE, r == Sales && rng.chance(0.03)));
    }
    let staging = match r {
        Backend | Qa | Sre | Dba | Data => true,
        Frontend => rng.chance(0.5),
        Mobile => rng.chance(0.3),
        _ => false,
    };
    if staging {
        v.push((AWS_STAGING, r == Sre));
    }
    let dd = match r {
        Backend | Sre | Dba | Security => true,
        Frontend | Data | Qa => rng.chance(0.5),
        Mobile => rng.chance(0.3),
        Cs => rng.chance(0.15),
        _ => false,
    };
    if dd {
        v.push((DATADOG, false));
    }
    v.push((SLACK, false));
    if p.start < days(2023, 6, 1) && rng.chance(0.35) {
        v.push((WIKI, r == It));
    }
    if r == Marketing && rng.chance(0.5) {
        v.push((WEBSITE, false));
    }
    v
}

fn capitalized_email(email: &str) -> String {
    let mut out = String::with_capacity(email.len());
    let mut upper = true;
    for c in email.chars() {
        if c == '@' {
            upper = false;
            out.push(c);
            continue;
        }
        out.push(if upper && (out.is_empty() || out.ends_with('.')) {
            c.to_ascii_uppercase()
        } else {
            c
        });
    }
    out
}

fn github_login(first_last: (&str, &str), rng: &mut Rng, taken: &mut HashSet<String>) -> String {
    let (f, l) = first_last;
    let f1 = f.get(..1).unwrap_or("x");
    let base = match rng.below(5) {
        0 => format!("{f}{l}"),
        1 => format!("{f1}{l}"),
        2 => format!("{f}-{l}"),
        3 => format!("{f}{}", rng.range(1, 99)),
        _ => format!("{l}-np"),
    };
    let mut login = base.clone();
    let mut k = 2;
    while !taken.insert(login.clone()) {
        login = format!("{base}{k}");
        k += 1;
    }
    login
}

fn build_human_accounts(org: &mut Org, clock: &Clock) {
    let seed = org.seed;
    let mut rng = Rng::stream(seed, "accounts", 0);
    let mut logins: HashSet<String> = HashSet::new();
    for pi in 0..org.people.len() {
        let systems = human_systems(&org.people[pi], &mut rng);
        let p = &org.people[pi];
        let local = p.email.split('@').next().unwrap_or("user").to_string();
        let mut parts = p.name.split(' ');
        let first = ascii_fold(parts.next().unwrap_or("x"));
        let last = ascii_fold(parts.next().unwrap_or("x"));
        let term_day = p.term.map(|t| clock.day_of(t));
        let start = p.start;
        let salt = mix64(seed ^ 0x005e_ed0f_acc0);
        let key = mix64(salt ^ pi as u64);
        let mut okta_created = None;
        let mut github = None;
        let mut jira = None;
        let mut new_accounts = Vec::with_capacity(systems.len());
        for (sys, privileged) in systems {
            let def = &SYSTEMS[sys as usize];
            let created =
                if (sys == GOOGLE || sys == SLACK) && start >= SYSTEMS[OKTA as usize].adopted {
                    okta_created.unwrap_or(clock.local(start, 9 * HOUR)) + rng.range(20, 300)
                } else {
                    let mut day = if sys == OKTA {
                        workday_on_or_before(start - 3)
                    } else {
                        start + rng.range(0, 8) as i32
                    };
                    if day < def.adopted {
                        day = def.adopted + rng.range(0, 15) as i32;
                    }
                    if let Some(td) = term_day {
                        day = day.min(td - 1).max(start - 3);
                    }
                    let day = workday_on_or_before(day);
                    let secs = if sys == OKTA {
                        15 * HOUR + rng.range(0, 2 * HOUR)
                    } else {
                        9 * HOUR + rng.range(0, 8 * HOUR)
                    };
                    clock.local(day, secs)
                };
            if sys == OKTA {
                okta_created = Some(created);
            }
            let (id, person_ref) = match sys {
                OKTA => {
                    let mut id = String::from("00u");
                    push_base62(&mut id, key, 11);
                    push_base62(&mut id, mix64(key), 6);
                    (id, p.id.clone())
                }
                AWS_PROD | AWS_STAGING => (p.email.clone(), p.id.clone()),
                POSTGRES => (local.replace(['.', '-'], "_"), p.id.clone()),
                GITHUB => {
                    let login = github_login((&first, &last), &mut rng, &mut logins);
                    github = Some(login.clone());
                    (login.clone(), login)
                }
                JIRA => {
                    let mut id = String::from("5f");
                    push_hex(&mut id, mix64(key ^ 0x4a49_5241), 16);
                    push_hex(&mut id, mix64(key ^ 0x1111), 6);
                    jira = Some(id.clone());
                    (id.clone(), id)
                }
                SALESFORCE => {
                    let mut id = String::from("005");
                    push_base62(&mut id, mix64(key ^ 0x5f), 11);
                    id.push_str("IAA");
                    (id, capitalized_email(&p.email))
                }
                SLACK => {
                    let mut id = String::from("U0");
                    push_base36(&mut id, mix64(key ^ 0x51ac));
                    (id, p.email.clone())
                }
                WIKI | WEBSITE => (local.clone(), p.email.clone()),
                _ => (p.email.clone(), p.email.clone()),
            };
            let mfa = match sys {
                WIKI | WEBSITE => Mfa::NotEnforced,
                POSTGRES => Mfa::NotApplicable,
                _ => Mfa::Enforced,
            };
            new_accounts.push(Account {
                sys,
                id,
                person: Some(pi as u32),
                person_ref,
                owner_ref: None,
                service: false,
                privileged,
                created,
                disabled: None,
                deleted: false,
                interactive: true,
                mfa,
                orphan: false,
                cred: CredType::Password,
                stale: false,
            });
        }
        let base = org.accounts.len() as u32;
        let count = new_accounts.len() as u32;
        org.accounts.extend(new_accounts);
        let person = &mut org.people[pi];
        person.accounts = (base..base + count).collect();
        person.github = github;
        person.jira = jira;
    }
}

/// Named service accounts every Northpeak has: (system, name, secret, interactive).
const SERVICE_TEMPLATES: &[(u8, &str, CredType, bool)] = &[
    (AWS_PROD, "svc-ci-deployer", CredType::AccessKey, false),
    (AWS_PROD, "svc-terraform", CredType::AccessKey, false),
    (AWS_PROD, "svc-backup-runner", CredType::AccessKey, false),
    (
        AWS_PROD,
        "svc-datadog-integration",
        CredType::AccessKey,
        false,
    ),
    (AWS_PROD, "breakglass-admin", CredType::Password, true),
    (GITHUB, "northpeak-ci-bot", CredType::ApiToken, false),
    (GITHUB, "northpeak-release-bot", CredType::SshKey, false),
    (OKTA, "svc-okta-terraform", CredType::ApiToken, false),
    (OKTA, "svc-scim-github", CredType::ApiToken, false),
    (POSTGRES, "app_api", CredType::Password, false),
    (POSTGRES, "app_billing", CredType::Password, false),
    (POSTGRES, "etl_reader", CredType::Password, false),
    (POSTGRES, "metabase_ro", CredType::Password, true),
    (GOOGLE, "svc-gam-admin", CredType::AccessKey, true),
    (SALESFORCE, "integration-billing", CredType::ApiToken, true),
    (SALESFORCE, "integration-support", CredType::ApiToken, false),
    (JIRA, "svc-jira-automation", CredType::ApiToken, false),
    (DATADOG, "svc-dd-terraform", CredType::ApiToken, false),
    (AWS_STAGING, "svc-ci-staging", CredType::AccessKey, false),
    (SLACK, "bot-deploys", CredType::ApiToken, false),
    (AWS_PROD, "svc-log-shipper", CredType::AccessKey, false),
    (AWS_PROD, "svc-billing-exporter", CredType::AccessKey, false),
    (GITHUB, "deploy-key-infra", CredType::SshKey, false),
    (POSTGRES, "replication", CredType::Certificate, false),
];

const SERVICE_COMPONENTS: &[&str] = &[
    "ingest",
    "search",
    "exports",
    "webhooks",
    "notifications",
    "reports",
    "billing",
    "auth",
    "media",
    "analytics",
    "sync",
    "scheduler",
    "ledger",
    "audit",
];

fn build_service_accounts(org: &mut Org, clock: &Clock) {
    let mut rng = Rng::stream(org.seed, "service-accounts", 0);
    let n = org.people.len();
    let count = (n / 10).max(12);
    let sys_weights: [(u8, u32); 9] = [
        (AWS_PROD, 35),
        (GITHUB, 15),
        (POSTGRES, 15),
        (OKTA, 5),
        (GOOGLE, 5),
        (SALESFORCE, 8),
        (JIRA, 5),
        (DATADOG, 5),
        (AWS_STAGING, 7),
    ];
    let weights: Vec<u32> = sys_weights.iter().map(|w| w.1).collect();
    let first = org.accounts.len();
    for k in 0..count {
        let (sys, id, cred, interactive, created_lo) =
            if let Some(&(sys, name, cred, interactive)) = SERVICE_TEMPLATES.get(k) {
                (sys, name.to_string(), cred, interactive, days(2018, 1, 8))
            } else {
                let sys = sys_weights[rng.weighted(&weights)].0;
                let comp = *rng.pick(SERVICE_COMPONENTS);
                let (id, cred) = match sys {
                    POSTGRES => (format!("app_{comp}_{k}"), CredType::Password),
                    GITHUB => (
                        format!("bot-{comp}-{k}"),
                        if rng.chance(0.5) {
                            CredType::SshKey
                        } else {
                            CredType::ApiToken
                        },
                    ),
                    AWS_PROD | AWS_STAGING => (format!("svc-{comp}-{k}"), CredType::AccessKey),
                    GOOGLE => (format!("svc-{comp}-{k}"), CredType::AccessKey),
                    SALESFORCE => (format!("integration-{comp}-{k}"), CredType::ApiToken),
                    _ => (format!("svc-{comp}-{k}"), CredType::ApiToken),
                };
                let interactive = rng.chance(0.08);
                (sys, id, cred, interactive, days(2019, 1, 7))
            };
        let def = &SYSTEMS[sys as usize];
        let lo = created_lo.max(def.adopted);
        // The named accounts are the company's plumbing, set up early; the others came with growth.
        let day = if k < SERVICE_TEMPLATES.len() {
            lo + rng.range(0, i64::from(days(2022, 12, 30) - lo).max(1)) as i32
        } else {
            let u = rng.unit().max(rng.unit());
            lo + (f64::from(days(2026, 8, 28) - lo) * u) as i32
        };
        let created = clock.local(workday_on_or_before(day), 9 * HOUR + rng.range(0, 9 * HOUR));
        let disabled = if k >= SERVICE_TEMPLATES.len() && rng.chance(0.09) {
            let day = clock.day_of(created) + rng.range(30, 900) as i32;
            (day < SPAN1_DAY).then(|| work_time(clock, day, &mut rng))
        } else {
            None
        };
        org.accounts.push(Account {
            sys,
            id,
            person: None,
            person_ref: String::new(),
            owner_ref: None,
            service: true,
            privileged: matches!(sys, AWS_PROD | OKTA | POSTGRES) && rng.chance(0.5),
            created,
            disabled,
            deleted: false,
            interactive,
            mfa: if interactive {
                Mfa::Enforced
            } else {
                Mfa::NotApplicable
            },
            orphan: false,
            cred,
            stale: false,
        });
    }

    // Gaps among the accounts active in the window: no owner, departed owner, a team alias, lapsed MFA and rotation.
    let (w0, w1) = (org.w0, org.w1);
    let mut population: Vec<usize> = (first..org.accounts.len())
        .filter(|&a| {
            let acct = &org.accounts[a];
            acct.created < w1 && acct.disabled.is_none_or(|d| d > w0)
        })
        .collect();
    rng.shuffle(&mut population);
    let size = population.len();
    let no_owner = (size as f64 * (0.17 + 0.06 * rng.unit())).round() as usize;
    let departed = ((size as f64 * 0.06).round() as usize).max(1);
    let alias = usize::from(size >= 20);
    let leavers: Vec<u32> = (0..n as u32)
        .filter(|&i| {
            let p = &org.people[i as usize];
            p.term.is_some_and(|t| {
                t >= clock.midnight(days(2025, 9, 1)) && t < clock.midnight(days(2026, 8, 15))
            })
        })
        .collect();
    let eng_leavers: Vec<u32> = leavers
        .iter()
        .copied()
        .filter(|&i| org.people[i as usize].role.engineer())
        .collect();
    let mut owners: Vec<u32> =
        org.staff(|p| p.role.engineer() || matches!(p.exec, Some(CTO | VP_ENG | CISO)));
    if owners.is_empty() {
        owners = org.staff(|_| true);
    }
    if owners.is_empty() {
        owners.push(0);
    }
    let departed = if leavers.is_empty() { 0 } else { departed };
    let mut in_population = vec![false; org.accounts.len()];
    for (k, &a) in population.iter().enumerate() {
        in_population[a] = true;
        let owner = if k < no_owner {
            None
        } else if k < no_owner + departed {
            let pool = if eng_leavers.is_empty() {
                &leavers
            } else {
                &eng_leavers
            };
            org.accounts[a].disabled = None;
            Some(*rng.pick(pool))
        } else if k < no_owner + departed + alias {
            org.accounts[a].owner_ref = Some(format!("platform-team@{DOMAIN}"));
            continue;
        } else {
            Some(*rng.pick(&owners))
        };
        org.accounts[a].owner_ref = owner.map(|o| {
            let p = &org.people[o as usize];
            match rng.below(20) {
                0..=10 => p.id.clone(),
                11..=17 => p.email.clone(),
                _ => p.github.clone().unwrap_or_else(|| p.email.clone()),
            }
        });
    }
    // Accounts outside the window still get owners, all of them current staff.
    for (acct, &counted) in org.accounts.iter_mut().zip(&in_population).skip(first) {
        if acct.owner_ref.is_none() && !counted {
            let o = *rng.pick(&owners);
            acct.owner_ref = Some(org.people[o as usize].id.clone());
        }
    }
    // Rotation lapses only on accounts that still run and existed before March, so the lapse meets the window.
    let mut rotation: Vec<usize> = population
        .iter()
        .copied()
        .filter(|&a| {
            org.accounts[a].disabled.is_none()
                && org.accounts[a].created < clock.midnight(days(2026, 3, 1))
        })
        .collect();
    rotation.sort_unstable();
    rng.shuffle(&mut rotation);
    let stale = ((size as f64 * (0.08 + 0.04 * rng.unit())).round() as usize)
        .max(1)
        .min(rotation.len());
    for &a in &rotation[..stale] {
        org.accounts[a].stale = true;
    }
    let mut interactive: Vec<usize> = population
        .iter()
        .copied()
        .filter(|&a| org.accounts[a].interactive)
        .collect();
    interactive.sort_unstable();
    rng.shuffle(&mut interactive);
    let lapsed = ((interactive.len() as f64 * 0.3).round() as usize)
        .max(1)
        .min(interactive.len());
    for &a in &interactive[..lapsed] {
        org.accounts[a].mfa = Mfa::NotEnforced;
    }
}

/// How one in-window leaver's offboarding goes wrong (most go right).
#[derive(Clone, Copy, Default)]
struct LeaverGaps {
    late: bool,
    never: bool,
    login_after: bool,
    no_session_revoke: bool,
}

fn offboard_leavers(org: &mut Org, clock: &Clock) {
    let mut rng = Rng::stream(org.seed, "leavers", 0);
    let (w0, w1) = (org.w0, org.w1);
    let it_admins = {
        let mut v = org.staff(|p| p.role == Role::It || p.exec == Some(HEAD_IT));
        if v.is_empty() {
            v.push(0);
        }
        v
    };
    let mut in_window: Vec<u32> = (0..org.people.len() as u32)
        .filter(|&i| {
            org.people[i as usize]
                .term
                .is_some_and(|t| t >= w0 && t < w1)
        })
        .collect();
    rng.shuffle(&mut in_window);
    let l = in_window.len();
    let late = ((l as f64 * (0.13 + 0.04 * rng.unit())).round() as usize).max(usize::from(l >= 4));
    let never = ((l as f64 * 0.03).round() as usize).max(usize::from(l >= 8));
    let after = ((l as f64 * 0.025).round() as usize)
        .max(usize::from(l >= 8))
        .min(late + never);
    let no_revoke = ((l as f64 * 0.05).round() as usize).max(usize::from(l >= 6));
    // Logins after termination: half on late accounts, half on never-deprovisioned ones.
    let after_never = (after / 2).min(never);
    let after_late = (after - after_never).min(late);
    let mut gaps: HashMap<u32, LeaverGaps> = HashMap::new();
    for (k, &p) in in_window.iter().enumerate() {
        let g = gaps.entry(p).or_default();
        g.late = k < late;
        g.never = k >= late && k < late + never;
        g.login_after = k < after_late || (k >= late && k < late + after_never);
    }
    let mut revoke_pool = in_window.clone();
    revoke_pool.sort_unstable();
    rng.shuffle(&mut revoke_pool);
    for &p in revoke_pool.iter().take(no_revoke) {
        gaps.entry(p).or_default().no_session_revoke = true;
    }

    for pi in 0..org.people.len() {
        let Some(term) = org.people[pi].term else {
            continue;
        };
        let g = gaps.get(&(pi as u32)).copied().unwrap_or_default();
        let person_priv = org.people[pi].privileged;
        let end_of_day = clock.midnight(clock.day_of(term) + 1);
        let accounts = org.people[pi].accounts.clone();
        let okta_done = term + rng.range(MINUTE, 25 * MINUTE);
        // Accounts that may be left behind: in scope, not the IdP.
        let lingering: Vec<u32> = accounts
            .iter()
            .copied()
            .filter(|&a| {
                let acct = &org.accounts[a as usize];
                acct.sys != OKTA && SYSTEMS[acct.sys as usize].in_scope
            })
            .collect();
        let mut late_set: Vec<u32> = Vec::new();
        let mut never_set: Vec<u32> = Vec::new();
        if !lingering.is_empty() {
            // Prefer the systems without SCIM: that is where manual offboarding slips.
            let manual: Vec<u32> = lingering
                .iter()
                .copied()
                .filter(|&a| !SYSTEMS[org.accounts[a as usize].sys as usize].scim)
                .collect();
            let pool = if manual.is_empty() || rng.chance(0.4) {
                &lingering
            } else {
                &manual
            };
            let chosen = *rng.pick(pool);
            if g.never {
                never_set.push(chosen);
            } else if g.late {
                late_set.push(chosen);
                if lingering.len() > 2 && rng.chance(0.3) {
                    let other = *rng.pick(&lingering);
                    if other != chosen {
                        late_set.push(other);
                    }
                }
            }
        }
        for &a in &accounts {
            let acct = &org.accounts[a as usize];
            let deadline = if person_priv || acct.privileged {
                term + 4 * HOUR
            } else {
                end_of_day
            };
            let def = &SYSTEMS[acct.sys as usize];
            let (disabled, actor) = if !def.in_scope {
                // Out of scope: nobody tracks it; half are never cleaned up.
                if rng.chance(0.5) {
                    (
                        Some(term + rng.range(DAY, 40 * DAY)),
                        Actor::Person(*rng.pick(&it_admins)),
                    )
                } else {
                    (None, Actor::Own)
                }
            } else if never_set.contains(&a) {
                (None, Actor::Own)
            } else if late_set.contains(&a) {
                let extra = if person_priv || acct.privileged {
                    rng.range(3 * HOUR, 3 * DAY)
                } else {
                    rng.range(DAY, 9 * DAY)
                };
                (Some(deadline + extra), Actor::Person(*rng.pick(&it_admins)))
            } else {
                let at = match acct.sys {
                    OKTA => okta_done,
                    _ if def.scim => okta_done + rng.range(5, 15 * MINUTE),
                    _ => term + rng.range(15 * MINUTE, 3 * HOUR),
                };
                let at = at.min(deadline - MINUTE).max(term + MINUTE);
                let actor = if acct.sys == OKTA || def.scim {
                    Actor::Tool("okta-workflows")
                } else {
                    Actor::Person(*rng.pick(&it_admins))
                };
                (Some(at), actor)
            };
            let Some(at) = disabled else {
                if never_set.contains(&a) {
                    org.accounts[a as usize].orphan = true;
                }
                continue;
            };
            let at = at.min(org.collect - HOUR);
            org.events.push(Event {
                ts: at,
                acct: a,
                kind: EventKind::Disabled,
                actor,
            });
            if acct.sys == OKTA && !g.no_session_revoke {
                org.events.push(Event {
                    ts: at,
                    acct: a,
                    kind: EventKind::SessionsRevoked,
                    actor,
                });
            }
            let mut deleted = false;
            if acct.sys == GOOGLE {
                let del = at + rng.range(20 * DAY, 40 * DAY);
                if del < org.collect {
                    org.events.push(Event {
                        ts: del,
                        acct: a,
                        kind: EventKind::Deleted,
                        actor: Actor::Tool("okta-workflows"),
                    });
                    deleted = true;
                }
            }
            let acct = &mut org.accounts[a as usize];
            acct.disabled = Some(at);
            acct.deleted = deleted;
            if late_set.contains(&a) {
                acct.orphan = true;
            }
        }
        if g.login_after {
            // The left-behind account is used after the person left (a contractor finishing a handover, a shared laptop).
            let target = never_set.first().or(late_set.first()).copied();
            if let Some(a) = target {
                let acct = &org.accounts[a as usize];
                let until = acct.disabled.unwrap_or(term + 3 * DAY).min(term + 3 * DAY);
                if until > term + 20 * MINUTE {
                    let ts = rng.range(term + 10 * MINUTE, until - 5 * MINUTE);
                    org.events.push(Event {
                        ts,
                        acct: a,
                        kind: EventKind::Login,
                        actor: Actor::Own,
                    });
                }
            }
        }
    }
    // IdP activations of people who joined during the activity logs.
    for p in &org.people {
        if let Some(a) = p.account_on(&org.accounts, OKTA) {
            let acct = &org.accounts[a as usize];
            if clock.day_of(acct.created) >= crate::time::SPAN0_DAY {
                org.events.push(Event {
                    ts: clock.local(p.start, 8 * HOUR + 5 * MINUTE),
                    acct: a,
                    kind: EventKind::Enabled,
                    actor: Actor::Tool("okta-workflows"),
                });
            }
        }
    }
}
