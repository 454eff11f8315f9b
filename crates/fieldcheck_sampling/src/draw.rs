//! A test's sample: its sampling unit, its strata, the sizes from the table, the selection, the
//! exact chance it finds a deviation, and what it would show.

use crate::odds::{detection_probability, upper_deviation_limit_finite};
use crate::select::{Listing, Member, extend, listing, seed, stratified};
use crate::table::{Frequency, SizeTable};

/// What an auditor samples in a periodic test run per system (one item per system and period).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Choose periods at the frequency's size, and test every in-scope system in them (the
    /// default, as fieldwork does).
    Period,
    /// One population per system, each sized by the frequency.
    System,
    /// Every item pooled into one population (the reading before v2).
    Item,
}

impl Unit {
    /// Parses `period`, `system` or `item`.
    pub fn parse(s: &str) -> Option<Unit> {
        Some(match s {
            "period" => Unit::Period,
            "system" => Unit::System,
            "item" => Unit::Item,
            _ => return None,
        })
    }

    /// The name used in the config, the plan and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Period => "period",
            Unit::System => "system",
            Unit::Item => "item",
        }
    }
}

/// One stratum of a test's sample: the whole population for the item unit, one frequency's
/// periods for the period unit, one system for the system unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Stratum {
    /// Its name, part of every pick's hash: `items`, a frequency (`monthly`), or a system id.
    pub name: String,
    /// How often the control operates in it.
    pub frequency: Frequency,
    /// Its sampling units (items, or periods), each as the listing positions of its items.
    pub units: Vec<Vec<usize>>,
    /// Each period's label, for the period unit (empty otherwise: an item unit's label is its
    /// item's key).
    pub labels: Vec<String>,
    /// The number of units the auditor chooses.
    pub size: usize,
    /// Units with at least one deviating item.
    pub deviating: usize,
    /// The units chosen (indexes into `units`), in run order.
    pub chosen: Vec<usize>,
    /// The chance the chosen units include a deviating one (hypergeometric, exact).
    pub detection_probability: f64,
}

/// Everything about one test's sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The unit used (the item unit when the items are not per system and period).
    pub unit: Unit,
    /// The population's canonical listing and its hash.
    pub listing: Listing,
    /// The seed, derived from the engagement, control, test and population hash.
    pub seed: String,
    /// The strata.
    pub strata: Vec<Stratum>,
    /// The items selected, as listing positions, in listing order.
    pub selected: Vec<usize>,
    /// The items an extension after a first deviation would add (listing positions), when the
    /// sample is large enough to extend.
    pub extension: Vec<usize>,
    /// The chance the sample finds at least one deviation.
    pub detection_probability: f64,
    /// The sample is the whole population.
    pub census: bool,
    /// Deviating items in the selection.
    pub deviations_in_sample: usize,
    /// The sampling units chosen, over all strata, and those with a deviation.
    pub units_chosen: usize,
    /// Chosen units with a deviation.
    pub units_deviating: usize,
    /// All sampling units.
    pub units_total: usize,
    /// The upper deviation limit of the chosen units, in percent, at the table's confidence.
    pub upper_limit: f64,
    /// Whether this sample would support reliance on the control.
    pub supports_reliance: bool,
    /// The sizes were raised for deviations in the prior period.
    pub prior_period: bool,
}

/// What the sample of one test is drawn from.
pub struct Population<'a> {
    /// The engagement id.
    pub engagement: &'a str,
    /// The control id.
    pub control: &'a str,
    /// The test id.
    pub test: &'a str,
    /// The test's frequency (after the cadence settings), used where a period label does not
    /// show one.
    pub frequency: Frequency,
    /// The unit asked for.
    pub unit: Unit,
    /// The control had deviations in the prior recorded window.
    pub prior_period: bool,
    /// The items.
    pub members: &'a [Member],
    /// Whether each item deviates (parallel to `members`).
    pub deviates: &'a [bool],
}

/// The unit a population can be sampled by: the one asked for when every item has both a period
/// and a system, else the item unit.
pub fn effective_unit<M: std::borrow::Borrow<Member>>(unit: Unit, members: &[M]) -> Unit {
    if unit != Unit::Item
        && !members.is_empty()
        && members.iter().all(|m| {
            let m = m.borrow();
            m.period.is_some() && m.system.is_some()
        })
    {
        unit
    } else {
        Unit::Item
    }
}

/// The strata of a listed population (members in listing order), without sizes.
pub fn strata<M: std::borrow::Borrow<Member>>(
    unit: Unit,
    frequency: Frequency,
    members: &[M],
) -> Vec<Stratum> {
    let empty = |name: String, frequency| Stratum {
        name,
        frequency,
        units: Vec::new(),
        labels: Vec::new(),
        size: 0,
        deviating: 0,
        chosen: Vec::new(),
        detection_probability: 0.0,
    };
    let freq_of = |m: &Member| {
        m.period
            .as_deref()
            .and_then(Frequency::of_period)
            .unwrap_or(frequency)
    };
    match unit {
        Unit::Item => {
            let mut s = empty("items".into(), frequency);
            s.units = (0..members.len()).map(|i| vec![i]).collect();
            vec![s]
        }
        Unit::System => {
            let mut by: std::collections::BTreeMap<&str, Stratum> = Default::default();
            for (i, m) in members.iter().enumerate() {
                let m = m.borrow();
                let sys = m.system.as_deref().unwrap_or("");
                let s = by
                    .entry(sys)
                    .or_insert_with(|| empty(sys.to_string(), freq_of(m)));
                s.units.push(vec![i]);
            }
            by.into_values().collect()
        }
        Unit::Period => {
            // Periods of one frequency form a stratum; a period's unit is every system's item in
            // it. Period labels of one kind sort in calendar order.
            let mut by: std::collections::BTreeMap<
                (u8, &'static str),
                std::collections::BTreeMap<&str, Vec<usize>>,
            > = Default::default();
            for (i, m) in members.iter().enumerate() {
                let m = m.borrow();
                let f = freq_of(m);
                by.entry((rank(f), f.as_str()))
                    .or_default()
                    .entry(m.period.as_deref().unwrap_or(""))
                    .or_default()
                    .push(i);
            }
            by.into_iter()
                .map(|((_, name), periods)| {
                    let f = Frequency::parse(name).unwrap_or(frequency);
                    let mut s = empty(name.to_string(), f);
                    for (label, items) in periods {
                        s.units.push(items);
                        s.labels.push(label.to_string());
                    }
                    s
                })
                .collect()
        }
    }
}

fn rank(f: Frequency) -> u8 {
    match f {
        Frequency::Annual => 0,
        Frequency::Semiannual => 1,
        Frequency::Quarterly => 2,
        Frequency::Monthly => 3,
        Frequency::Weekly => 4,
        Frequency::Daily => 5,
        Frequency::Many => 6,
        Frequency::Event => 7,
    }
}

/// The items a set of strata with sizes selects (listing positions, sorted), with each stratum's
/// `chosen` filled. This is all a re-derivation needs besides the listing: the seed and the sizes.
pub fn choose(seed: &str, strata: &mut [Stratum]) -> Vec<usize> {
    let mut selected = Vec::new();
    for s in strata.iter_mut() {
        s.chosen = stratified(seed, &s.name, s.units.len(), s.size);
        for &u in &s.chosen {
            selected.extend_from_slice(&s.units[u]);
        }
    }
    selected.sort_unstable();
    selected.dedup();
    selected
}

/// What a report says of a test's sample without listing or drawing it: the same figures as
/// [`SizeTable::sample`] gives, for a fraction of the work on a large population.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Odds {
    /// The unit used.
    pub unit: Unit,
    /// The items the sample selects.
    pub sample_size: usize,
    /// The items after an extension, when the sample can be extended.
    pub extended_sample_size: Option<usize>,
    /// The sample is the whole population.
    pub census: bool,
    /// The chance the sample finds at least one deviation.
    pub detection_probability: f64,
}

impl Odds {
    /// The figures of a drawn sample.
    pub fn of(s: &Sample) -> Odds {
        Odds {
            unit: s.unit,
            sample_size: s.selected.len(),
            extended_sample_size: (!s.extension.is_empty())
                .then(|| s.selected.len() + s.extension.len()),
            census: s.census,
            detection_probability: s.detection_probability,
        }
    }
}

impl SizeTable {
    /// The sample of one test.
    pub fn sample(&self, p: &Population<'_>) -> Sample {
        let listing = listing(p.members);
        let seed = seed(p.engagement, p.control, p.test, &listing.sha256);
        let ordered: Vec<&Member> = listing.order.iter().map(|&i| &p.members[i]).collect();
        let deviates: Vec<bool> = listing.order.iter().map(|&i| p.deviates[i]).collect();
        let unit = effective_unit(p.unit, &ordered);
        let mut strata = strata(unit, p.frequency, &ordered);
        for s in &mut strata {
            let count = s.units.len();
            s.size = if p.prior_period {
                self.next_larger(s.frequency, count)
            } else {
                self.size(s.frequency, count)
            };
            s.deviating = s
                .units
                .iter()
                .filter(|u| u.iter().any(|&i| deviates[i]))
                .count();
            s.detection_probability = detection_probability(count, s.deviating, s.size);
        }
        let selected = choose(&seed, &mut strata);
        let mut extension = Vec::new();
        if let [s] = strata.as_slice()
            && unit == Unit::Item
            && let Some(m) = self.extension(s.size, s.units.len())
        {
            extension = extend(&seed, &s.name, s.units.len(), &s.chosen, m)
                .into_iter()
                .flat_map(|u| s.units[u].iter().copied())
                .collect();
            extension.sort_unstable();
        }
        let detection_probability = 1.0
            - strata
                .iter()
                .map(|s| 1.0 - s.detection_probability)
                .product::<f64>();
        let units_total: usize = strata.iter().map(|s| s.units.len()).sum();
        let units_chosen: usize = strata.iter().map(|s| s.chosen.len()).sum();
        let units_deviating: usize = strata
            .iter()
            .map(|s| {
                s.chosen
                    .iter()
                    .filter(|&&u| s.units[u].iter().any(|&i| deviates[i]))
                    .count()
            })
            .sum();
        let census = units_chosen == units_total;
        let upper_limit = upper_deviation_limit_finite(
            units_total,
            units_chosen,
            units_deviating,
            self.confidence,
        );
        // Sizes from a population band are statistical: the limit decides. Sizes from the
        // frequency table are the firm's judgement: a sample without deviation supports reliance
        // (the table's premise), one with a deviation does not.
        let statistical = census || strata.iter().all(|s| s.frequency == Frequency::Event);
        let supports_reliance = if statistical {
            upper_limit <= self.tolerable_rate * 100.0 + 1e-9
        } else {
            units_deviating == 0
        };
        Sample {
            unit,
            deviations_in_sample: selected.iter().filter(|&&i| deviates[i]).count(),
            listing,
            seed,
            strata,
            selected,
            extension,
            detection_probability,
            census,
            units_chosen,
            units_deviating,
            units_total,
            upper_limit,
            supports_reliance,
            prior_period: p.prior_period,
        }
    }

    /// The figures of the sample [`SizeTable::sample`] would draw, without the draw where they
    /// do not depend on it: with the item unit (one stratum, one item a unit) they follow from
    /// the counts alone, so the canonical listing (every key, sorted and hashed) is never built.
    /// The period and system units (small periodic populations) are drawn.
    pub fn odds(&self, p: &Population<'_>) -> Odds {
        if effective_unit(p.unit, p.members) != Unit::Item {
            return Odds::of(&self.sample(p));
        }
        let deviating = p.deviates.iter().filter(|&&d| d).count();
        self.item_odds(p.frequency, p.prior_period, p.members.len(), deviating)
    }

    /// [`SizeTable::odds`] of a population sampled by item (the item unit, or items without a
    /// period or system): `n` items of which `deviating` deviate.
    pub fn item_odds(
        &self,
        frequency: Frequency,
        prior_period: bool,
        n: usize,
        deviating: usize,
    ) -> Odds {
        // As `sample` with its one stratum of `n` single-item units.
        let size = if prior_period {
            self.next_larger(frequency, n)
        } else {
            self.size(frequency, n)
        };
        let stratum = detection_probability(n, deviating, size);
        // `stratified` chooses every unit when the size reaches them, else exactly `size`.
        let chosen = size.min(n);
        // `extend` adds `m` less those chosen, at most the units left.
        let added = self
            .extension(size, n)
            .map_or(0, |m| m.saturating_sub(chosen).min(n - chosen));
        Odds {
            unit: Unit::Item,
            sample_size: chosen,
            extended_sample_size: (added > 0).then_some(chosen + added),
            census: chosen == n,
            // The same expression as over `sample`'s strata, so the same bits.
            detection_probability: 1.0 - [stratum].iter().map(|d| 1.0 - d).product::<f64>(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `systems` systems reviewed every quarter of a year; `bad` lists the (system, quarter)
    /// items that deviate.
    fn reviews(
        systems: usize,
        quarters: usize,
        bad: &[(usize, usize)],
    ) -> (Vec<Member>, Vec<bool>) {
        let mut ms = Vec::new();
        let mut dev = Vec::new();
        for s in 0..systems {
            for q in 0..quarters {
                ms.push(Member {
                    key: format!("sys-{s:02}/2026-Q{}", q + 1),
                    at: Some(format!("2026-{:02}-01T00:00:00Z", 1 + 3 * q)),
                    period: Some(format!("2026-Q{}", q + 1)),
                    system: Some(format!("sys-{s:02}")),
                });
                dev.push(bad.contains(&(s, q)));
            }
        }
        (ms, dev)
    }

    fn population<'a>(unit: Unit, ms: &'a [Member], dev: &'a [bool]) -> Population<'a> {
        Population {
            engagement: "ENG-2026",
            control: "access-reviews",
            test: "quarterly-reviews",
            frequency: Frequency::Quarterly,
            unit,
            prior_period: false,
            members: ms,
            deviates: dev,
        }
    }

    #[test]
    fn ten_systems_two_quarters_by_period_system_and_item() {
        // issue 11: 10 systems × 2 quarters, one system's review missing in one quarter.
        let (ms, dev) = reviews(10, 2, &[(3, 1)]);
        let t = SizeTable::default();
        let item = t.sample(&population(Unit::Item, &ms, &dev));
        assert_eq!(item.unit, Unit::Item);
        assert_eq!(item.selected.len(), 2);
        // 1 − C(19,2)/C(20,2) = 0.1: the pooled reading.
        assert!((item.detection_probability - 0.1).abs() < 1e-12);
        let period = t.sample(&population(Unit::Period, &ms, &dev));
        assert_eq!(period.unit, Unit::Period);
        assert_eq!(period.strata.len(), 1);
        assert_eq!(period.strata[0].name, "quarterly");
        // Both quarters chosen (size 2 of 2): every system in them, a census.
        assert_eq!(period.selected.len(), 20);
        assert!(period.census);
        assert_eq!(period.detection_probability, 1.0);
        assert_eq!(period.deviations_in_sample, 1);
        assert!(!period.supports_reliance);
        let system = t.sample(&population(Unit::System, &ms, &dev));
        assert_eq!(system.strata.len(), 10);
        assert_eq!(system.selected.len(), 20);
        assert_eq!(system.detection_probability, 1.0);
    }

    #[test]
    fn four_quarters_by_period_exact_odds() {
        // 10 systems over four quarters, deviations in two quarters: 2 of 4 periods chosen.
        let (ms, dev) = reviews(10, 4, &[(3, 1), (7, 3)]);
        let t = SizeTable::default();
        let period = t.sample(&population(Unit::Period, &ms, &dev));
        assert_eq!(period.strata[0].units.len(), 4);
        assert_eq!(period.strata[0].deviating, 2);
        // 1 − C(2,2)/C(4,2) = 5/6.
        assert!((period.detection_probability - 5.0 / 6.0).abs() < 1e-12);
        assert_eq!(
            period.selected.len(),
            20,
            "every system in the two quarters"
        );
        assert!(!period.census);
        // One population per system: systems 3 and 7 each have 1 deviating quarter of 4, size 2.
        let system = t.sample(&population(Unit::System, &ms, &dev));
        let each = 1.0 - (3.0 / 4.0) * (2.0 / 3.0);
        assert!((system.detection_probability - (1.0 - (1.0 - each) * (1.0 - each))).abs() < 1e-12);
        assert_eq!(system.selected.len(), 20);
        // Pooled: 2 of 40.
        let item = t.sample(&population(Unit::Item, &ms, &dev));
        assert!((item.detection_probability - (1.0 - (38.0 * 37.0) / (40.0 * 39.0))).abs() < 1e-12);
        // No deviation: a period sample without one supports reliance; the limit is still shown.
        let (clean, none) = reviews(10, 4, &[]);
        let s = t.sample(&population(Unit::Period, &clean, &none));
        assert!(s.supports_reliance);
        assert_eq!(s.upper_limit, 50.0);
    }

    #[test]
    fn restore_tests_monthly_and_quarterly_strata() {
        // Tier-1 systems monthly, tier-2 quarterly: one stratum per frequency, each sized at 2.
        let mut ms = Vec::new();
        for s in ["db", "api"] {
            for m in 1..=12 {
                ms.push(Member {
                    key: format!("{s}/2026-{m:02}"),
                    at: Some(format!("2026-{m:02}-01T00:00:00Z")),
                    period: Some(format!("2026-{m:02}")),
                    system: Some(s.into()),
                });
            }
        }
        for q in 1..=4 {
            ms.push(Member {
                key: format!("wiki/2026-Q{q}"),
                at: Some(format!("2026-{:02}-01T00:00:00Z", 3 * q - 2)),
                period: Some(format!("2026-Q{q}")),
                system: Some("wiki".into()),
            });
        }
        let dev: Vec<bool> = ms.iter().map(|m| m.key == "db/2026-07").collect();
        let t = SizeTable::default();
        let s = t.sample(&Population {
            control: "backup-restore",
            test: "restore-tests",
            frequency: Frequency::Monthly,
            ..population(Unit::Period, &ms, &dev)
        });
        let names: Vec<&str> = s.strata.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["quarterly", "monthly"]);
        assert_eq!(s.selected.len(), 2 + 2 * 2);
        // 1 − C(11,2)/C(12,2) = 1/6 from the months; none from the quarters.
        assert!((s.detection_probability - 1.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn events_fall_back_to_items_and_extend() {
        let ms: Vec<Member> = (0..500)
            .map(|i| Member {
                key: format!("dpl-{i:04}"),
                at: Some(format!(
                    "2026-{:02}-{:02}T10:00:00Z",
                    1 + i % 12,
                    1 + i % 28
                )),
                ..Member::default()
            })
            .collect();
        let dev: Vec<bool> = (0..500).map(|i| i % 50 == 0).collect();
        let t = SizeTable::default();
        let p = Population {
            control: "change-management",
            test: "deploy-traceability",
            frequency: Frequency::Event,
            ..population(Unit::Period, &ms, &dev)
        };
        let s = t.sample(&p);
        assert_eq!(s.unit, Unit::Item, "no period or system: the item unit");
        assert_eq!(s.selected.len(), 29);
        assert_eq!(s.extension.len(), 17);
        assert!(s.extension.iter().all(|e| !s.selected.contains(e)));
        assert!((s.detection_probability - detection_probability(500, 10, 29)).abs() < 1e-12);
        let with_prior = t.sample(&Population {
            prior_period: true,
            ..p
        });
        assert_eq!(with_prior.selected.len(), 46);
        assert!(with_prior.prior_period);
        // Census of a small population: the limit is the rate itself.
        let small = t.sample(&Population {
            members: &ms[..10],
            deviates: &dev[..10],
            ..p
        });
        assert!(small.census);
        assert_eq!(small.deviations_in_sample, 1);
        assert_eq!(small.upper_limit, 10.0);
        assert!(small.supports_reliance);
    }

    #[test]
    fn the_choice_rederives_from_the_listing_seed_and_sizes() {
        let (ms, dev) = reviews(6, 4, &[(1, 2)]);
        let t = SizeTable::default();
        let s = t.sample(&population(Unit::Period, &ms, &dev));
        let listed = crate::select::parse_listing(&s.listing.text).expect("listing");
        let mut again = strata(Unit::Period, Frequency::Quarterly, &listed);
        for (a, b) in again.iter_mut().zip(&s.strata) {
            a.size = b.size;
        }
        assert_eq!(choose(&s.seed, &mut again), s.selected);
    }

    #[test]
    fn odds_are_the_drawn_samples_figures() {
        // Populations of every shape: item, period and system units (and units falling back to
        // items when a member lacks a period or system), every size band up to past the largest,
        // deviations none to all, prior-period sizes, a table with an extension.
        const FIRM: &str = "name = \"firm\"\nconfidence = 0.95\ntolerable_rate = 0.10\n[frequency]\nannual = 1\nsemiannual = 2\nquarterly = 3\nmonthly = 4\nweekly = 10\ndaily = 40\nmany = 60\n[[population]]\nup_to = 100\nsize = 26\n[[population]]\nsize = 30\n[extension]\nmin_sample = 10\n";
        let tables = [SizeTable::default(), SizeTable::parse(FIRM).expect("table")];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        let (mut checked, mut extended, mut census) = ([0usize; 3], 0, 0);
        for case in 0..600 {
            let n = match case % 4 {
                0 => next(30) as usize,
                1 => next(400) as usize,
                2 => [0, 1, 25, 26, 40, 100, 101, 250, 251, 3000][next(10) as usize],
                _ => 20 + next(2000) as usize,
            };
            let periodic = next(3) > 0;
            let systems = 1 + next(6);
            let ms: Vec<Member> = (0..n)
                .map(|i| {
                    let sys = format!("s{}", next(systems));
                    Member {
                        key: format!("{sys}/{i}"),
                        at: (next(8) > 0).then(|| format!("2026-{:02}-01T00:00:00Z", 1 + next(12))),
                        period: (periodic && next(50) > 0)
                            .then(|| format!("2026-Q{}", 1 + next(4))),
                        system: (periodic && next(50) > 0).then_some(sys),
                    }
                })
                .collect();
            let rate = [0, 1, 20, 100][next(4) as usize];
            let dev: Vec<bool> = (0..n).map(|_| next(100) < rate).collect();
            let unit = [Unit::Item, Unit::Period, Unit::System][next(3) as usize];
            let frequency =
                [Frequency::Event, Frequency::Many, Frequency::Quarterly][next(3) as usize];
            let p = Population {
                frequency,
                prior_period: next(4) == 0,
                ..population(unit, &ms, &dev)
            };
            let t = &tables[next(2) as usize];
            let drawn = Odds::of(&t.sample(&p));
            assert_eq!(
                t.odds(&p),
                drawn,
                "case {case}: {n} members, {unit:?}, {frequency:?}"
            );
            checked[drawn.unit as usize] += 1;
            extended += usize::from(drawn.extended_sample_size.is_some());
            census += usize::from(drawn.census && n > 0);
        }
        // Every unit was met, and extensions and censuses too.
        assert!(checked.iter().all(|&c| c > 20), "{checked:?}");
        assert!(extended > 20 && census > 20, "{extended} {census}");
    }
}
