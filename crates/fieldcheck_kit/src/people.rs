//! Person resolution: every field that names a person is resolved to a `person_id` before any
//! control runs, through people.csv (ids, then emails in any case) and identities.csv.

use crate::fast::FastMap;
use crate::names::{Index, Name, hash, same_bytes};

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
/// reviewer is often the one of the row before). Its memo is the names' own index over a vector
/// of answers, so the resolution of a large kind fetches the next rows' lookups ahead
/// ([`Cached::prefetch`]), as the reader does its names'.
pub(crate) struct Cached<'a> {
    r: &'a Resolver,
    /// Each value resolved so far and the person it names (`None`: it stays as written).
    memo: Vec<(Id, Option<Id>)>,
    index: Index,
    /// The place in `memo` of the last value resolved.
    last: usize,
}

impl<'a> Cached<'a> {
    pub(crate) fn new(r: &'a Resolver) -> Self {
        Cached {
            r,
            memo: Vec::new(),
            index: Index::default(),
            last: usize::MAX,
        }
    }

    /// The place in `memo` of `v`'s answer, made when it is new.
    fn answer(&mut self, v: &Id) -> usize {
        if let Some((last, _)) = self.memo.get(self.last)
            && same_bytes(last.as_bytes(), v.as_bytes())
        {
            return self.last;
        }
        let h = hash(v.as_bytes());
        let memo = &self.memo;
        let i = match self
            .index
            .probe(h, |n| same_bytes(memo[n.slot()].0.as_bytes(), v.as_bytes()))
        {
            Ok(n) => n.slot(),
            Err(slot) => {
                let p = self.r.resolve(v);
                let p = (p != *v).then_some(p);
                self.memo.push((v.clone(), p));
                let n = Name::from_index(self.memo.len() as u32).expect("numbered from 1");
                self.index.put(slot, h, n);
                self.memo.len() - 1
            }
        };
        self.last = i;
        i
    }

    /// Resolves `v` in place.
    fn fix(&mut self, v: &mut Id) {
        let i = self.answer(v);
        if let Some(p) = &self.memo[i].1 {
            *v = p.clone();
        }
    }

    fn opt(&mut self, v: &mut Option<Id>) {
        if let Some(x) = v {
            self.fix(x);
        }
    }

    /// Loads into the processor's caches what resolving `values` will read: each value's first
    /// slot in the index, then the answer that slot names. A hint only: nothing changes.
    fn prefetch<'t>(&self, values: impl Iterator<Item = &'t Id>) {
        if self.memo.is_empty() {
            return;
        }
        let mut hashes = [0u64; 2 * CHUNK];
        let mut n = 0;
        for v in values.take(hashes.len()) {
            hashes[n] = hash(v.as_bytes());
            n += 1;
        }
        let mut sink = 0u64;
        for &h in &hashes[..n] {
            sink = sink.wrapping_add(self.index.first_slot(h));
        }
        for &h in &hashes[..n] {
            if let Ok(found) = self.index.probe(h, |_| true) {
                sink = sink.wrapping_add(self.memo[found.slot()].0.len() as u64);
            }
        }
        std::hint::black_box(sink);
    }
}

/// How many records [`each`] resolves after one prefetch.
const CHUNK: usize = 32;

/// Resolves `recs` with `fix`, a few dozen at a time, first fetching the lookups of the values
/// `peek` gives (the same fields: a field left out of `peek` costs only its prefetch).
fn each<T>(
    c: &mut Cached<'_>,
    recs: &mut [T],
    peek: fn(&T) -> [Option<&Id>; 2],
    fix: fn(&mut Cached<'_>, &mut T),
) {
    for chunk in recs.chunks_mut(CHUNK) {
        c.prefetch(chunk.iter().flat_map(peek).flatten());
        for r in chunk {
            fix(c, r);
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
        Kind::Accounts => each(
            c,
            &mut kit.accounts,
            |a| [a.person_id.as_ref(), a.owner_id.as_ref()],
            |c, a| {
                c.opt(&mut a.person_id);
                c.opt(&mut a.owner_id);
            },
        ),
        Kind::AccessReviews => kit
            .access_reviews
            .iter_mut()
            .for_each(|a| c.opt(&mut a.owner_id)),
        Kind::AccessReviewDecisions => each(
            c,
            &mut kit.access_review_decisions,
            |d| [d.reviewer_id.as_ref(), None],
            |c, d| c.opt(&mut d.reviewer_id),
        ),
        Kind::Changes => each(
            c,
            &mut kit.changes,
            |x| [x.requester_id.as_ref(), x.approver_id.as_ref()],
            |c, x| {
                c.opt(&mut x.requester_id);
                c.opt(&mut x.approver_id);
            },
        ),
        Kind::PullRequests => each(
            c,
            &mut kit.pull_requests,
            |p| [p.author_id.as_ref(), None],
            |c, p| c.opt(&mut p.author_id),
        ),
        Kind::PrReviews => each(
            c,
            &mut kit.pr_reviews,
            |p| [p.reviewer_id.as_ref(), None],
            |c, p| c.opt(&mut p.reviewer_id),
        ),
        Kind::Deploys => each(
            c,
            &mut kit.deploys,
            |d| [d.deployer_id.as_ref(), None],
            |c, d| c.opt(&mut d.deployer_id),
        ),
        Kind::Vendors => kit.vendors.iter_mut().for_each(|v| c.opt(&mut v.owner_id)),
        Kind::Sessions => each(
            c,
            &mut kit.sessions,
            |s| [s.person_id.as_ref(), None],
            |c, s| c.opt(&mut s.person_id),
        ),
        Kind::JitRequests => each(
            c,
            &mut kit.jit_requests,
            |j| [j.person_id.as_ref(), j.approver_id.as_ref()],
            |c, j| {
                c.opt(&mut j.person_id);
                c.opt(&mut j.approver_id);
            },
        ),
        Kind::Training => each(
            c,
            &mut kit.training,
            |t| [Some(&t.person_id), None],
            |c, t| c.fix(&mut t.person_id),
        ),
        Kind::TrainingEscalations => {
            for t in &mut kit.training_escalations {
                c.fix(&mut t.person_id);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The memo gives the resolver's own answer for every value, new or remembered, through its
    /// index's growth, and after a prefetch (a hint that changes nothing).
    #[test]
    fn remembered_answers_are_the_resolvers() {
        let mut r = Resolver {
            ids: FastMap::default(),
            emails: FastMap::default(),
            external: FastMap::default(),
        };
        for i in 0..3000 {
            let id = Id::new(format!("p{i}"));
            r.ids.insert(id.clone(), ());
            r.emails
                .insert(format!("person.{i}@example.test"), id.clone());
            r.external.insert(Id::new(format!("gh-{i}")), id);
        }
        let values: Vec<Id> = (0..12_000)
            .map(|i| {
                let n = (i * 7919) % 4000;
                Id::new(match i % 4 {
                    0 => format!("p{n}"),
                    1 => format!("PERSON.{n}@EXAMPLE.TEST"),
                    2 => format!("gh-{n}"),
                    _ => format!("nobody-{n}-with-a-longer-name-than-23"),
                })
            })
            .collect();
        let mut c = Cached::new(&r);
        for pass in 0..2 {
            for chunk in values.chunks(CHUNK) {
                c.prefetch(chunk.iter());
                for v in chunk {
                    let mut got = v.clone();
                    c.fix(&mut got);
                    assert_eq!(got, r.resolve(v), "{v} (pass {pass})");
                }
            }
        }
        // Each distinct value is remembered once.
        let distinct: std::collections::HashSet<&Id> = values.iter().collect();
        assert_eq!(c.memo.len(), distinct.len());
        // Two values whose hashes share a tag get their own answers: the second is not taken
        // for the first (two external ids of two people).
        let (a, b) = crate::names::tag_collision(|i| format!("ext-{i}"), |t| hash(t.as_bytes()));
        let mut r = Resolver {
            ids: FastMap::default(),
            emails: FastMap::default(),
            external: FastMap::default(),
        };
        r.external.insert(Id::new(&a), Id::new("pa"));
        r.external.insert(Id::new(&b), Id::new("pb"));
        let mut c = Cached::new(&r);
        for (v, want) in [(&a, "pa"), (&b, "pb"), (&a, "pa"), (&b, "pb")] {
            let mut got = Id::new(v);
            c.fix(&mut got);
            assert_eq!(got, want, "{v} ({a} and {b} share a tag)");
        }
    }
}
