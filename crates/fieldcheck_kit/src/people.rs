//! Person resolution: every field that names a person is resolved to a `person_id` before any
//! control runs, through people.csv (ids, then emails in any case) and identities.csv.

use std::collections::HashMap;

use crate::fast::FastMap;

use crate::diag::Diagnostic;
use crate::kit::Kit;
use crate::records::Id;

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

/// A resolver that remembers its answers.
struct Cached<'a> {
    r: &'a Resolver,
    memo: FastMap<Id, Id>,
}

impl<'a> Cached<'a> {
    fn new(r: &'a Resolver) -> Self {
        Cached {
            r,
            memo: FastMap::default(),
        }
    }

    fn get(&mut self, v: &Id) -> Id {
        if let Some(p) = self.memo.get(v) {
            return p.clone();
        }
        let p = self.r.resolve(v);
        self.memo.insert(v.clone(), p.clone());
        p
    }

    fn opt(&mut self, v: &mut Option<Id>) {
        if let Some(x) = v {
            *x = self.get(x);
        }
    }
}

/// Resolves every person field of the kit in place.
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
    let mut email_line: HashMap<String, String> = HashMap::new();
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
                        email_line.get(&key).cloned().unwrap_or_default()
                    )),
                )
            }
            Some(_) => {}
            None => {
                email_line.insert(key.clone(), kit.describe(p.loc));
                r.emails.insert(key, p.person_id.clone());
                r.emails
                    .entry(email.to_string())
                    .or_insert_with(|| p.person_id.clone());
            }
        }
    }
    let mut ident_line: HashMap<Id, String> = HashMap::new();
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
                        ident_line.get(&i.external_id).cloned().unwrap_or_default()
                    )),
                )
            }
            Some(_) => {}
            None => {
                ident_line.insert(i.external_id.clone(), kit.describe(i.loc));
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
pub(crate) fn apply(kit: &mut Kit, r: &Resolver) {
    // The fields are independent: two threads share them, the big vectors split between them,
    // each remembering what it resolved (person fields repeat a few thousand values millions of times).
    let Kit {
        systems,
        people,
        accounts,
        access_reviews,
        access_review_decisions,
        changes,
        pull_requests,
        pr_reviews,
        deploys,
        vendors,
        sessions,
        jit_requests,
        training,
        training_escalations,
        risks,
        risk_reviews,
        ..
    } = kit;
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut a = Cached::new(r);
            for d in access_review_decisions {
                a.opt(&mut d.reviewer_id);
            }
            for c in changes {
                a.opt(&mut c.requester_id);
                a.opt(&mut c.approver_id);
            }
            for p in pull_requests {
                a.opt(&mut p.author_id);
            }
            for p in pr_reviews {
                a.opt(&mut p.reviewer_id);
            }
            for t in training {
                t.person_id = a.get(&t.person_id);
            }
        });
        let mut b = Cached::new(r);
        for s in systems {
            b.opt(&mut s.owner_id);
        }
        for p in people {
            b.opt(&mut p.manager_id);
        }
        for a in accounts {
            b.opt(&mut a.person_id);
            b.opt(&mut a.owner_id);
        }
        for a in access_reviews {
            b.opt(&mut a.owner_id);
        }
        for d in deploys {
            b.opt(&mut d.deployer_id);
        }
        for v in vendors {
            b.opt(&mut v.owner_id);
        }
        for s in sessions {
            b.opt(&mut s.person_id);
        }
        for j in jit_requests {
            b.opt(&mut j.person_id);
            b.opt(&mut j.approver_id);
        }
        for t in training_escalations {
            t.person_id = b.get(&t.person_id);
            b.opt(&mut t.notified_id);
        }
        for x in risks {
            b.opt(&mut x.owner_id);
        }
        for x in risk_reviews {
            b.opt(&mut x.reviewer_id);
        }
    });
}
