//! The auditor's conclusion on a control, from its census: `effective` with no deviation,
//! `effective_with_exceptions` when the deviations are isolated (disclosed, the control still
//! relied on), `ineffective` when any marker of a systematic deviation shows in the data.
//!
//! The rule is census-first (type2-method.md, after the Chiaro methodology, CC BY 4.0): with
//! 100 % of the population tested there is no sampling risk, so the question is only whether
//! the deviations are isolated or systematic. The markers are the ones the data can show
//! (`catalog.toml`, `[[marker]]`): a rate above 5 % of a population of at least 20, a
//! concentration in one system or person, a period in which a periodic control did not run at
//! all, and a majority of a small population. Spread over the window is not a marker on its own,
//! and neither is the same reason code repeating; it is said in the sentence.
//!
//! Pure: a function of the control's results, its thresholds and the window.

use fieldcheck_kit::{FastMap, Window, thousands};

use crate::catalog::{TestMeta, Thresholds};
use crate::{ControlResult, Status, TestResult};

/// A control's conclusion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Conclusion {
    /// No deviation in a complete population.
    Effective,
    /// Isolated deviations, disclosed as exceptions; the control is still relied on.
    EffectiveWithExceptions,
    /// A marker of a systematic deviation: the control did not operate.
    Ineffective,
    /// Every population is empty: the control never ran in the window.
    NotOccurring,
    /// Evidence is missing or damaged: nothing can be concluded.
    NotEvidenced,
}

/// Written as its report name (`effective_with_exceptions`).
impl serde::Serialize for Conclusion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Conclusion {
    /// Every conclusion, in order.
    pub const ALL: [Conclusion; 5] = [
        Conclusion::Effective,
        Conclusion::EffectiveWithExceptions,
        Conclusion::Ineffective,
        Conclusion::NotOccurring,
        Conclusion::NotEvidenced,
    ];

    /// The conclusion as written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Effective => "effective",
            Conclusion::EffectiveWithExceptions => "effective_with_exceptions",
            Conclusion::Ineffective => "ineffective",
            Conclusion::NotOccurring => "not_occurring",
            Conclusion::NotEvidenced => "not_evidenced",
        }
    }

    /// Parses a conclusion as written in reports.
    pub fn parse(s: &str) -> Option<Conclusion> {
        Conclusion::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// How harsh a judged conclusion is (effective 0, with exceptions 1, ineffective 2); `None`
    /// for `not_occurring` and `not_evidenced`, which only evidence changes.
    pub fn severity(self) -> Option<u8> {
        match self {
            Conclusion::Effective => Some(0),
            Conclusion::EffectiveWithExceptions => Some(1),
            Conclusion::Ineffective => Some(2),
            Conclusion::NotOccurring | Conclusion::NotEvidenced => None,
        }
    }
}

/// Which marker of a systematic deviation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MarkerKind {
    /// Deviations above the rate of a population large enough for rates to mean something.
    Rate,
    /// A system or person with enough items, more than the share of them deviating.
    Concentration,
    /// A period in which a periodic control did not run at all.
    MissedPeriod,
    /// More than the share of a small population deviates.
    Majority,
}

impl MarkerKind {
    /// The marker's id (`catalog.toml`, `[[marker]]`).
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerKind::Rate => "rate",
            MarkerKind::Concentration => "concentration",
            MarkerKind::MissedPeriod => "missed_period",
            MarkerKind::Majority => "majority",
        }
    }
}

/// One marker found in one test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// Which marker.
    pub kind: MarkerKind,
    /// The test it was found in.
    pub test: &'static str,
    /// What the data shows, in one clause (`282 of 1,214 deploys (23.2 %) deviate, above 5 %`).
    pub detail: String,
}

/// The conclusion of one control, with the markers behind it and the reason in one sentence.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Judgement {
    /// The conclusion; `None` for a control scoped out (nothing was examined).
    pub conclusion: Option<Conclusion>,
    /// The markers found, in test order then marker order.
    pub markers: Vec<Marker>,
    /// `ineffective: 282 of 1,214 deploys (23.2 %) deviate, above 5 %, in every month of the
    /// window`.
    pub sentence: String,
}

/// Concludes on one control. `who` names a person id in sentences (an email where known).
pub fn conclude(
    c: &ControlResult,
    t: &Thresholds,
    w: &Window,
    who: &dyn Fn(&str) -> String,
) -> Judgement {
    let (conclusion, lead) = match c.status {
        Status::NotApplicable => {
            return Judgement {
                conclusion: None,
                markers: Vec::new(),
                sentence: format!(
                    "not concluded: scoped out{}",
                    c.reason
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                ),
            };
        }
        Status::NotEvidenced => {
            return Judgement {
                conclusion: Some(Conclusion::NotEvidenced),
                markers: Vec::new(),
                sentence: format!(
                    "not evidenced: {}",
                    c.reason.as_deref().unwrap_or("the evidence is incomplete")
                ),
            };
        }
        Status::NotOccurring => {
            let what: Vec<String> = c
                .tests
                .iter()
                .map(|r| format!("no {} in the window", noun(c, r)))
                .collect();
            return Judgement {
                conclusion: Some(Conclusion::NotOccurring),
                markers: Vec::new(),
                sentence: format!(
                    "not occurring: {}; an auditor asks for the recorded zero",
                    what.join(", ")
                ),
            };
        }
        Status::Effective => (Conclusion::Effective, "effective"),
        Status::Exceptions => (
            Conclusion::EffectiveWithExceptions,
            "effective with exceptions",
        ),
    };
    if conclusion == Conclusion::Effective {
        let tested: Vec<String> = c
            .tests
            .iter()
            .filter(|r| r.population > 0)
            .map(|r| format!("{} {} tested", thousands(r.population), noun(c, r)))
            .collect();
        return Judgement {
            conclusion: Some(conclusion),
            markers: Vec::new(),
            sentence: format!("effective: {}, none deviates", tested.join(", ")),
        };
    }
    let mut markers = Vec::new();
    for r in &c.tests {
        markers.extend(test_markers(c, r, t, who));
    }
    if markers.is_empty() {
        let parts: Vec<String> = c
            .tests
            .iter()
            .filter(|r| !r.deviations.is_empty())
            .map(|r| format!("{}{}", share(c, r), spread(r, w)))
            .collect();
        return Judgement {
            conclusion: Some(conclusion),
            markers,
            sentence: format!(
                "{lead}: {}; isolated (no marker of a systematic deviation), disclosed as exceptions",
                parts.join("; ")
            ),
        };
    }
    let parts: Vec<String> = markers
        .iter()
        .map(|m| match m.kind {
            MarkerKind::Rate => {
                let r = c.tests.iter().find(|r| r.id == m.test).expect("its test");
                format!("{}{}", m.detail, spread(r, w))
            }
            _ => m.detail.clone(),
        })
        .collect();
    Judgement {
        conclusion: Some(Conclusion::Ineffective),
        markers,
        sentence: format!("ineffective: {}", parts.join("; ")),
    }
}

/// The markers one test shows.
fn test_markers(
    c: &ControlResult,
    r: &TestResult,
    t: &Thresholds,
    who: &dyn Fn(&str) -> String,
) -> Vec<Marker> {
    let mut out = Vec::new();
    let (n, d) = (r.population, r.deviations.len());
    if d == 0 || n == 0 {
        return out;
    }
    let meta = meta(c, r);
    let marker = |kind, detail| Marker {
        kind,
        test: r.id,
        detail,
    };
    // rate: strictly above the threshold, in a population large enough.
    if n >= t.rate_min_population && d as f64 > t.rate * n as f64 {
        out.push(marker(
            MarkerKind::Rate,
            format!("{}, above {}", share(c, r), pct(t.rate)),
        ));
    }
    // concentration: a part of the organisation (a system or a person), not the whole
    // population, with enough items and more than the share of them deviating.
    let failing: std::collections::HashSet<&str> =
        r.deviations.iter().map(|d| d.item.as_str()).collect();
    // Counted by the facts' handles ((0 system / 1 person, role, handle) → (items, deviating
    // items)), then named: (0 system / 1 person, role, id).
    type Group<'a> = (u8, &'a str, &'a str);
    let mut counts: FastMap<(u8, u8, u32), (usize, usize)> = FastMap::default();
    for (item, f) in r.items.iter().zip(r.facts.iter()) {
        let bad = usize::from(failing.contains(item));
        if let Some(s) = f.system_handle() {
            let g = counts.entry((0, 0, s)).or_default();
            g.0 += 1;
            g.1 += bad;
        }
        for &(role, p) in f.people_handles() {
            let g = counts.entry((1, role, p)).or_default();
            g.0 += 1;
            g.1 += bad;
        }
    }
    let groups: Vec<(Group, (usize, usize))> = counts
        .into_iter()
        .map(|((kind, role, h), n)| {
            let role = if kind == 0 {
                "system"
            } else {
                r.facts.role_of(role)
            };
            ((kind, role, r.facts.name_of(h)), n)
        })
        .collect();
    let mut found: Vec<(&Group, &(usize, usize))> = groups
        .iter()
        .map(|(g, n)| (g, n))
        .filter(|(_, (items, bad))| {
            *items >= t.concentration_min_items
                && *items < n
                && *bad as f64 > t.concentration_share * *items as f64
        })
        .collect();
    // The worst first: the highest share, then the most items (then the key, for determinism).
    found.sort_by(|a, b| {
        (b.1.1 * a.1.0)
            .cmp(&(a.1.1 * b.1.0))
            .then(b.1.0.cmp(&a.1.0))
            .then(a.0.cmp(b.0))
    });
    let mut concentrated: Vec<String> = found
        .into_iter()
        .map(|((kind, role, id), (items, bad))| {
            let name = if *kind == 0 {
                format!("system {id}")
            } else {
                format!("{role} {}", who(id))
            };
            format!("{name}: {bad} of {items} {} deviate", noun(c, r))
        })
        .collect();
    if !concentrated.is_empty() {
        let more = concentrated.len().saturating_sub(3);
        concentrated.truncate(3);
        let mut detail = format!(
            "concentrated where the control did not operate ({})",
            concentrated.join(", ")
        );
        if more > 0 {
            detail.push_str(&format!(" and {more} more"));
        }
        out.push(marker(MarkerKind::Concentration, detail));
    }
    // missed_period: any item failing for a reason that says the control did not run at all.
    if let Some(m) = meta {
        let missed: Vec<&str> = r
            .deviations
            .iter()
            .filter(|d| {
                d.reasons
                    .iter()
                    .any(|x| m.missed_period.iter().any(|p| p == x))
            })
            .map(|d| d.item.as_str())
            .collect();
        if !missed.is_empty() {
            out.push(marker(
                MarkerKind::MissedPeriod,
                format!(
                    "{} with no performance at all ({}): the control did not operate for part of the window",
                    if missed.len() == 1 {
                        "1 period".to_string()
                    } else {
                        format!("{} periods", missed.len())
                    },
                    crate::builtin::short_list(&missed)
                ),
            ));
        }
    }
    // majority: a small population where more than the share deviates.
    if n < t.majority_below && d as f64 > t.majority_share * n as f64 {
        out.push(marker(
            MarkerKind::Majority,
            format!(
                "{}, more than half of a population under {}",
                share(c, r),
                t.majority_below
            ),
        ));
    }
    out
}

fn meta<'a>(c: &'a ControlResult, r: &TestResult) -> Option<&'a TestMeta> {
    c.meta.tests.iter().find(|m| m.id == r.id)
}

fn noun<'a>(c: &'a ControlResult, r: &TestResult) -> &'a str {
    meta(c, r).map_or("items", |m| m.noun.as_str())
}

/// `282 of 1,214 deploys (23.2 %) deviate`.
fn share(c: &ControlResult, r: &TestResult) -> String {
    let (n, d) = (r.population, r.deviations.len());
    format!(
        "{} of {} {} ({}) {}",
        thousands(d),
        thousands(n),
        noun(c, r),
        pct(d as f64 / n.max(1) as f64),
        if d == 1 { "deviates" } else { "deviate" }
    )
}

/// Where the deviations fall in the window: for periodic items by period (`, in both periods`,
/// `, in 1 of 2 periods`), for items with a time by month (`, in every month of the window`,
/// `, in 3 of 6 months`, `, all in 2026-05`); nothing for inventories.
fn spread(r: &TestResult, w: &Window) -> String {
    let failing: std::collections::HashSet<&str> =
        r.deviations.iter().map(|d| d.item.as_str()).collect();
    if r.facts.iter().all(|f| f.period().is_some()) && !r.facts.is_empty() {
        let all: std::collections::BTreeSet<&str> =
            r.facts.iter().filter_map(|f| f.period()).collect();
        let hit: std::collections::BTreeSet<&str> = r
            .items
            .iter()
            .zip(r.facts.iter())
            .filter(|(i, _)| failing.contains(i))
            .filter_map(|(_, f)| f.period())
            .collect();
        return match (hit.len(), all.len()) {
            (_, 0 | 1) => String::new(),
            (2, 2) => ", in both periods".to_string(),
            (k, n) if k == n => format!(", in every period of the window ({n})"),
            (1, _) => format!(", all in {}", hit.iter().next().unwrap_or(&"")),
            (k, n) => format!(", in {k} of {n} periods"),
        };
    }
    let months = w.months();
    if months.len() < 2 {
        return String::new();
    }
    let mut hit = vec![false; months.len()];
    let mut timed = 0;
    for (item, f) in r.items.iter().zip(r.facts.iter()) {
        if !failing.contains(item) {
            continue;
        }
        let Some(at) = f.at() else { continue };
        timed += 1;
        if let Some(i) = months.iter().position(|m| m.contains(at)) {
            hit[i] = true;
        }
    }
    if timed == 0 || timed < failing.len() {
        return String::new();
    }
    let k = hit.iter().filter(|h| **h).count();
    if k == months.len() {
        ", in every month of the window".to_string()
    } else if k == 1 {
        let i = hit.iter().position(|h| *h).unwrap_or(0);
        format!(", all in {}", months[i].label)
    } else {
        format!(", in {k} of {} months", months.len())
    }
}

/// `23.2 %`, `5 %`.
fn pct(x: f64) -> String {
    let p = x * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0} %")
    } else {
        format!("{p:.1} %")
    }
}

#[cfg(test)]
mod calibration;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Deviation, Facts, TestResult, control_meta};

    fn window() -> Window {
        crate::builtin::testkit::window()
    }

    /// A control's result with one test of `n` items, the `failing` ones deviating with `reason`.
    fn result(
        control: &str,
        test: &'static str,
        n: usize,
        failing: &[usize],
        reason: &'static str,
        facts: impl Fn(usize) -> Facts,
    ) -> ControlResult {
        let items: Vec<String> = (0..n).map(|i| format!("i{i:04}")).collect();
        let deviations = failing
            .iter()
            .map(|&i| Deviation {
                item: items[i].clone(),
                reasons: vec![reason],
                detail: String::new(),
                evidence: Vec::new(),
            })
            .collect::<Vec<_>>();
        let status = if deviations.is_empty() {
            Status::Effective
        } else {
            Status::Exceptions
        };
        ControlResult {
            meta: control_meta(control).expect("control"),
            status,
            reason: None,
            tests: vec![TestResult {
                id: test,
                population: n,
                facts: (0..n).map(&facts).collect(),
                items: items.iter().collect(),
                deviations,
                notes: Vec::new(),
            }],
            notes: Vec::new(),
            judgement: Judgement::default(),
        }
    }

    fn deploys(n: usize, failing: &[usize], facts: impl Fn(usize) -> Facts) -> ControlResult {
        result(
            "change-management",
            "deploy-traceability",
            n,
            failing,
            "no_ticket",
            facts,
        )
    }

    fn judge(r: &ControlResult) -> Judgement {
        conclude(r, &Thresholds::default(), &window(), &|p| format!("<{p}>"))
    }

    fn kinds(j: &Judgement) -> Vec<&'static str> {
        j.markers.iter().map(|m| m.kind.as_str()).collect()
    }

    fn at(day: usize) -> Facts {
        // The test window runs 2026-01-01 → 2026-06-30 (UTC): one deploy a day, from January.
        let t: jiff::Timestamp = "2026-01-01T12:00:00Z".parse().expect("time");
        Facts {
            at: Some((t + jiff::SignedDuration::from_hours(24 * (day as i64 % 180))).into()),
            ..Facts::default()
        }
    }

    fn by(person: &str) -> Facts {
        Facts {
            people: vec![("deployer", person.into())],
            ..Facts::default()
        }
    }

    #[test]
    fn no_deviation_is_effective_and_says_what_was_tested() {
        let j = judge(&deploys(1_214, &[], at));
        assert_eq!(j.conclusion, Some(Conclusion::Effective));
        assert_eq!(j.sentence, "effective: 1,214 deploys tested, none deviates");
    }

    #[test]
    fn rate_is_strictly_above_5_percent_of_at_least_20() {
        // 1 of 20 is exactly 5 %: isolated.
        let j = judge(&deploys(20, &[3], at));
        assert_eq!(
            (j.conclusion, kinds(&j)),
            (Some(Conclusion::EffectiveWithExceptions), vec![])
        );
        assert_eq!(
            j.sentence,
            "effective with exceptions: 1 of 20 deploys (5 %) deviates, all in 2026-01; isolated (no marker of a systematic deviation), disclosed as exceptions"
        );
        // 2 of 20 is 10 %.
        let j = judge(&deploys(20, &[3, 9], at));
        assert_eq!(
            (j.conclusion, kinds(&j)),
            (Some(Conclusion::Ineffective), vec!["rate"])
        );
        // 2 of 19: a population too small for rates (and not a majority).
        let j = judge(&deploys(19, &[3, 9], at));
        assert_eq!(j.conclusion, Some(Conclusion::EffectiveWithExceptions));
    }

    #[test]
    fn the_reason_is_one_sentence_with_the_numbers_and_the_spread() {
        // 282 of 1,214, spread over every month of the window.
        let failing: Vec<usize> = (0..1_214).filter(|i| i % 13 < 3).take(282).collect();
        let j = judge(&deploys(1_214, &failing, |i| at(i * 180 / 1_214)));
        assert_eq!(
            j.sentence,
            "ineffective: 282 of 1,214 deploys (23.2 %) deviate, above 5 %, in every month of the window"
        );
        assert_eq!(j.markers[0].test, "deploy-traceability");
    }

    #[test]
    fn three_of_214_are_isolated_whoever_and_whenever() {
        // One week, one author (who made 40 deploys): isolated.
        let one = |i: usize| {
            let mut f = at(i * 180 / 214);
            f.people = vec![("author", if i < 40 { "ann" } else { "bob" }.into())];
            f
        };
        let j = judge(&deploys(214, &[10, 11, 12], one));
        assert_eq!(
            j.conclusion,
            Some(Conclusion::EffectiveWithExceptions),
            "{}",
            j.sentence
        );
        // Three months, three authors: isolated too.
        let three = |i: usize| {
            let mut f = at(i * 180 / 214);
            f.people = vec![("author", format!("p{}", i % 7).into())];
            f
        };
        let j = judge(&deploys(214, &[7, 80, 150], three));
        assert_eq!(
            j.conclusion,
            Some(Conclusion::EffectiveWithExceptions),
            "{}",
            j.sentence
        );
    }

    #[test]
    fn concentration_needs_5_items_more_than_half_failing_and_part_of_the_population() {
        // Person `x` has 5 of the 100 deploys, 3 failing: concentrated (3 of 100 is no rate).
        let facts = |i: usize| by(if i < 5 { "x" } else { "y" });
        let j = judge(&deploys(100, &[0, 1, 2], facts));
        assert_eq!(kinds(&j), ["concentration"]);
        assert_eq!(
            j.markers[0].detail,
            "concentrated where the control did not operate (deployer <x>: 3 of 5 deploys deviate)"
        );
        // 3 of 6 is not more than half.
        let facts = |i: usize| by(if i < 6 { "x" } else { "y" });
        assert_eq!(
            kinds(&judge(&deploys(100, &[0, 1, 2], facts))),
            Vec::<&str>::new()
        );
        // 4 of 4: too few items to speak of a part of the organisation.
        let facts = |i: usize| by(if i < 4 { "x" } else { "y" });
        assert_eq!(
            kinds(&judge(&deploys(100, &[0, 1, 2, 3], facts))),
            Vec::<&str>::new()
        );
        // A system holding the whole population is not a part of it (the rate speaks for it).
        let sys = |_| Facts {
            system: Some("api".into()),
            ..Facts::default()
        };
        assert_eq!(
            kinds(&judge(&deploys(19, &[0, 1, 2, 3, 4, 5], sys))),
            Vec::<&str>::new()
        );
        let sys = |i: usize| Facts {
            system: Some(if i < 10 { "api" } else { "web" }.into()),
            ..Facts::default()
        };
        let j = judge(&deploys(100, &[0, 1, 2, 3, 4, 5], sys));
        assert_eq!(kinds(&j), ["rate", "concentration"]);
        assert!(
            j.markers[1]
                .detail
                .contains("system api: 6 of 10 deploys deviate")
        );
    }

    fn quarters(n: usize, failing: &[usize], reason: &'static str) -> ControlResult {
        result(
            "access-reviews",
            "quarterly-reviews",
            n,
            failing,
            reason,
            |i| Facts {
                period: Some(format!("2026-Q{}", i % 4 + 1).into()),
                system: Some(format!("sys{}", i / 4).into()),
                ..Facts::default()
            },
        )
    }

    #[test]
    fn a_late_review_of_four_is_an_exception_a_missed_quarter_is_not() {
        // type2-method.md: one late review of four, otherwise on schedule: an exception.
        let j = judge(&quarters(4, &[2], "late_review"));
        assert_eq!(
            j.conclusion,
            Some(Conclusion::EffectiveWithExceptions),
            "{}",
            j.sentence
        );
        // A quarter with no review at all: the control did not operate for a slice of the window.
        let j = judge(&quarters(4, &[2], "missing_review"));
        assert_eq!(
            (j.conclusion, kinds(&j)),
            (Some(Conclusion::Ineffective), vec!["missed_period"])
        );
        assert_eq!(
            j.sentence,
            "ineffective: 1 period with no performance at all (i0002): the control did not operate for part of the window"
        );
        // Whatever the size: one missed quarter of 40 system-quarters.
        let j = judge(&quarters(40, &[2], "missing_review"));
        assert_eq!(kinds(&j), ["missed_period"]);
    }

    #[test]
    fn majority_is_more_than_half_of_a_population_under_20() {
        let j = judge(&quarters(8, &[0, 1, 2, 3, 5], "late_review"));
        assert_eq!(kinds(&j), ["majority"]);
        assert!(
            j.sentence.contains(
                "5 of 8 system-quarters (62.5 %) deviate, more than half of a population under 20"
            ),
            "{}",
            j.sentence
        );
        // Exactly half is not more than half.
        assert_eq!(
            kinds(&judge(&quarters(8, &[0, 1, 2, 3], "late_review"))),
            Vec::<&str>::new()
        );
        // 20 items is not small: the rate speaks instead.
        assert_eq!(
            kinds(&judge(&quarters(
                20,
                &(0..11).collect::<Vec<_>>(),
                "late_review"
            ))),
            ["rate"]
        );
    }

    #[test]
    fn thresholds_are_set_per_control() {
        let r = deploys(20, &[3, 9], at);
        let loose = Thresholds {
            rate: 0.10,
            ..Thresholds::default()
        };
        let j = conclude(&r, &loose, &window(), &|p| p.to_string());
        assert_eq!(j.conclusion, Some(Conclusion::EffectiveWithExceptions));
    }

    #[test]
    fn missing_evidence_and_empty_populations_are_never_judged() {
        let mut r = deploys(20, &[3, 9], at);
        r.status = Status::NotEvidenced;
        r.reason = Some("deploys.csv: 2 rows rejected".into());
        let j = judge(&r);
        assert_eq!(j.conclusion, Some(Conclusion::NotEvidenced));
        assert!(j.markers.is_empty());
        let mut r = deploys(0, &[], at);
        r.status = Status::NotOccurring;
        let j = judge(&r);
        assert_eq!(j.conclusion, Some(Conclusion::NotOccurring));
        assert_eq!(
            j.sentence,
            "not occurring: no deploys in the window; an auditor asks for the recorded zero"
        );
        r.status = Status::NotApplicable;
        assert_eq!(judge(&r).conclusion, None);
    }

    #[test]
    fn the_catalog_names_each_marker_and_the_missed_period_codes_are_reasons() {
        let ids: Vec<&str> = crate::markers().iter().map(|m| m.id.as_str()).collect();
        let kinds: Vec<&str> = [
            MarkerKind::Rate,
            MarkerKind::Concentration,
            MarkerKind::MissedPeriod,
            MarkerKind::Majority,
        ]
        .iter()
        .map(|k| k.as_str())
        .collect();
        assert_eq!(ids, kinds);
        let mut missed = Vec::new();
        for c in crate::catalog() {
            for t in &c.tests {
                for code in &t.missed_period {
                    assert!(t.reasons.iter().any(|r| &r.0 == code), "{}: {code}", t.id);
                    missed.push(code.as_str());
                }
            }
        }
        missed.sort_unstable();
        assert_eq!(
            missed,
            [
                "missing_review",
                "no_phishing_simulation",
                "no_restore_test",
                "register_not_refreshed"
            ]
        );
        for c in Conclusion::ALL {
            assert_eq!(Conclusion::parse(c.as_str()), Some(c));
        }
    }
}
