//! Person resolution: every field that names a person is resolved to a `person_id` before any
//! control runs, through people.csv (ids, then emails in any case) and identities.csv.

use crate::fast::FastMap;

use crate::diag::Diagnostic;
use crate::kit::Kit;
use crate::records::{Id, Kind, Loc};

/// Resolves person-naming values to person ids.
pub struct Resolver {
    ids: FastMap<Id, ()>,
    /// Emails as written and lower-cased.
    emails: FastMap<String, Id>,
    external: FastMap<Id, Id>,
}

impl Resolver {
    /// A person id as is, else the person with that email, else the identity it maps to; a value
    /// that resolves to nobody stays as written.
    pub fn resolve(&self, v: &Id) -> Id {
        if self.ids.contains_key(v) {
            return v.clone();
        }
        if let Some(p) = self.emails.get(&**v) {
            return p.clone();
        }
        let lower: std::borrow::Cow<'_, str> = if v.chars().any(char::is_uppercase) {
            v.to_lowercase().into()
        } else {
            (**v).into()
        };
        if let Some(p) = self.emails.get(&*lower) {
            return p.clone();
        }
        if let Some(p) = self.external.get(v) {
            return p.clone();
        }
        v.clone()
    }

    fn resolve_direct(&self, v: &Id) -> Id {
        if self.ids.contains_key(v) {
            return v.clone();
        }
        self.emails
            .get(&v.to_lowercase())
            .cloned()
            .unwrap_or_else(|| v.clone())
    }
}

/// A resolver that remembers its answers: a reading worker keeps one across the kinds it
/// resolves (person fields repeat a few thousand values millions of times, and a decision's
/// reviewer is often the one of the row before).
pub(crate) struct Cached<'a> {
    r: &'a Resolver,
    memo: FastMap<Id, Id>,
    last: Option<(Id, Id)>,
}

impl<'a> Cached<'a> {
    pub(crate) fn new(r: &'a Resolver) -> Self {
        Cached {
            r,
            memo: FastMap::default(),
            last: None,
        }
    }

    fn get(&mut self, v: &Id) -> Id {
        if let Some((k, p)) = &self.last
            && k == v
        {
            return p.clone();
        }
        let p = match self.memo.get(v) {
            Some(p) => p.clone(),
            None => {
                let p = self.r.resolve(v);
                self.memo.insert(v.clone(), p.clone());
                p
            }
        };
        self.last = Some((v.clone(), p.clone()));
        p
    }

    fn opt(&mut self, v: &mut Option<Id>) {
        if let Some(x) = v {
            *x = self.get(x);
        }
    }
}

/// Resolves every person field of the kit in place.
#[cfg(test)]
pub(crate) fn resolve_people(kit: &mut Kit, diags: &mut Vec<Diagnostic>) {
    let r = resolver(kit, diags);
    apply(kit, &r);
}

/// The resolver of a kit's people and identities (with the identities' own persons resolved),
/// reporting emails and external ids that name two people. It reads only those two kinds, and
/// the kit's file names and origins for the diagnostics' locations.
pub(crate) fn resolver(kit: &mut Kit, diags: &mut Vec<Diagnostic>) -> Resolver {
    let mut r = Resolver {
        ids: FastMap::default(),
        emails: FastMap::default(),
        external: FastMap::default(),
    };
    // Where each email and external id was first seen: described only for a diagnostic.
    let mut email_line: FastMap<String, Loc> = FastMap::default();
    for p in &kit.people {
        r.ids.insert(p.person_id.clone(), ());
    }
    for p in &kit.people {
        let Some(email) = &p.email else { continue };
        let key = email.to_lowercase();
        match r.emails.get(&key) {
            Some(first) if *first != p.person_id => {
                // Sourced records point at their raw export, kit records at their line.
                let at = kit.evidence_at(p.loc);
                diags.push(
                    Diagnostic::warning(
                        crate::Code::AmbiguousPerson,
                        format!(
                            "email `{email}` names two people, `{first}` and `{}`; `{first}` wins",
                            p.person_id
                        ),
                    )
                    .file(at.file)
                    .line(at.line)
                    .field("email")
                    .help(format!(
                        "give each person their own email (first seen at {})",
                        email_line
                            .get(&key)
                            .map(|&l| kit.describe(l))
                            .unwrap_or_default()
                    )),
                )
            }
            Some(_) => {}
            None => {
                email_line.insert(key.clone(), p.loc);
                r.emails.insert(key, p.person_id.clone());
                r.emails
                    .entry(email.to_string())
                    .or_insert_with(|| p.person_id.clone());
            }
        }
    }
    let mut ident_line: FastMap<Id, Loc> = FastMap::default();
    for i in &mut kit.identities {
        i.person_id = r.resolve_direct(&i.person_id);
    }
    for i in &kit.identities {
        match r.external.get(&i.external_id) {
            Some(first) if *first != i.person_id => {
                let at = kit.evidence_at(i.loc);
                diags.push(
                    Diagnostic::warning(
                        crate::Code::AmbiguousPerson,
                        format!(
                            "external id `{}` names two people, `{first}` and `{}`; `{first}` wins",
                            i.external_id, i.person_id
                        ),
                    )
                    .file(at.file)
                    .line(at.line)
                    .field("external_id")
                    .help(format!(
                        "map each external id to one person (first seen at {})",
                        ident_line
                            .get(&i.external_id)
                            .map(|&l| kit.describe(l))
                            .unwrap_or_default()
                    )),
                )
            }
            Some(_) => {}
            None => {
                ident_line.insert(i.external_id.clone(), i.loc);
                r.external
                    .insert(i.external_id.clone(), i.person_id.clone());
            }
        }
    }
    r
}

/// Resolves every person field of the kit's records through `r`. Resolving is idempotent (a
/// resolved value is a person id), and the records of two kits resolved apart are those of the
/// merged kit resolved once.
#[cfg(test)]
pub(crate) fn apply(kit: &mut Kit, r: &Resolver) {
    let mut c = Cached::new(r);
    for kind in Kind::ALL {
        apply_kind(kit, kind, &mut c);
    }
}

/// Resolves the person fields of one kind's records (the kinds read in `people.csv` and
/// `identities.csv` are the resolver's own: a person's manager is resolved here, an identity's
/// person by [`resolver`]). A reading worker calls it for each kind it read once the resolver
/// exists, so resolution runs on both threads as part of reading.
pub(crate) fn apply_kind(kit: &mut Kit, kind: Kind, c: &mut Cached<'_>) {
    match kind {
        Kind::Systems => kit.systems.iter_mut().for_each(|s| c.opt(&mut s.owner_id)),
        Kind::People => kit.people.iter_mut().for_each(|p| c.opt(&mut p.manager_id)),
        Kind::Accounts => {
            for a in &mut kit.accounts {
                c.opt(&mut a.person_id);
                c.opt(&mut a.owner_id);
            }
        }
        Kind::AccessReviews => kit
            .access_reviews
            .iter_mut()
            .for_each(|a| c.opt(&mut a.owner_id)),
        Kind::AccessReviewDecisions => kit
            .access_review_decisions
            .iter_mut()
            .for_each(|d| c.opt(&mut d.reviewer_id)),
        Kind::Changes => {
            for x in &mut kit.changes {
                c.opt(&mut x.requester_id);
                c.opt(&mut x.approver_id);
            }
        }
        Kind::PullRequests => kit
            .pull_requests
            .iter_mut()
            .for_each(|p| c.opt(&mut p.author_id)),
        Kind::PrReviews => kit
            .pr_reviews
            .iter_mut()
            .for_each(|p| c.opt(&mut p.reviewer_id)),
        Kind::Deploys => kit
            .deploys
            .iter_mut()
            .for_each(|d| c.opt(&mut d.deployer_id)),
        Kind::Vendors => kit.vendors.iter_mut().for_each(|v| c.opt(&mut v.owner_id)),
        Kind::Sessions => kit
            .sessions
            .iter_mut()
            .for_each(|s| c.opt(&mut s.person_id)),
        Kind::JitRequests => {
            for j in &mut kit.jit_requests {
                c.opt(&mut j.person_id);
                c.opt(&mut j.approver_id);
            }
        }
        Kind::Training => {
            for t in &mut kit.training {
                t.person_id = c.get(&t.person_id);
            }
        }
        Kind::TrainingEscalations => {
            for t in &mut kit.training_escalations {
                t.person_id = c.get(&t.person_id);
                c.opt(&mut t.notified_id);
            }
        }
        Kind::Risks => kit.risks.iter_mut().for_each(|x| c.opt(&mut x.owner_id)),
        Kind::RiskReviews => kit
            .risk_reviews
            .iter_mut()
            .for_each(|x| c.opt(&mut x.reviewer_id)),
        Kind::Identities
        | Kind::Credentials
        | Kind::AccountEvents
        | Kind::BackupJobs
        | Kind::RestoreTests
        | Kind::CentralLog
        | Kind::DataStores
        | Kind::Keys
        | Kind::Endpoints
        | Kind::PhishingCampaigns
        | Kind::RiskLinks => {}
    }
}
