//! Sample sizes as data: by frequency for periodic controls, by population band for
//! event-driven and inventory populations.

use serde::Deserialize;

use crate::odds::{binomial_sample_size, detection_probability};

/// How often a control operates, which sets how an auditor sizes the sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frequency {
    /// Once a year.
    Annual,
    /// Twice a year.
    Semiannual,
    /// Every quarter.
    Quarterly,
    /// Every month.
    Monthly,
    /// Every week.
    Weekly,
    /// Every day.
    Daily,
    /// Many times a day.
    Many,
    /// On each event (a leaver, a deploy, a session) or for each item of an inventory (an
    /// account, a vendor, a key): sized by the population.
    Event,
}

impl Frequency {
    /// Parses a catalog frequency; `continuous` and `population` mean an inventory, sized like
    /// events.
    pub fn parse(s: &str) -> Option<Frequency> {
        Some(match s {
            "annual" => Frequency::Annual,
            "semiannual" => Frequency::Semiannual,
            "quarterly" => Frequency::Quarterly,
            "monthly" => Frequency::Monthly,
            "weekly" => Frequency::Weekly,
            "daily" => Frequency::Daily,
            "many" => Frequency::Many,
            "event" | "population" | "continuous" => Frequency::Event,
            _ => return None,
        })
    }

    /// The frequency a calendar period label shows: `2026` annual, `2026-H1` semiannual,
    /// `2026-Q2` quarterly, `2026-05` monthly, `2026-W07` weekly, `2026-05-14` daily.
    pub fn of_period(label: &str) -> Option<Frequency> {
        let b = label.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        Some(match b.len() {
            4 if digits(0..4) => Frequency::Annual,
            7 if digits(0..4) && b[4] == b'-' && b[5] == b'H' && digits(6..7) => {
                Frequency::Semiannual
            }
            7 if digits(0..4) && b[4] == b'-' && b[5] == b'Q' && digits(6..7) => {
                Frequency::Quarterly
            }
            7 if digits(0..4) && b[4] == b'-' && digits(5..7) => Frequency::Monthly,
            8 if digits(0..4) && b[4] == b'-' && b[5] == b'W' && digits(6..8) => Frequency::Weekly,
            10 if digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10) => {
                Frequency::Daily
            }
            _ => return None,
        })
    }

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Annual => "annual",
            Frequency::Semiannual => "semiannual",
            Frequency::Quarterly => "quarterly",
            Frequency::Monthly => "monthly",
            Frequency::Weekly => "weekly",
            Frequency::Daily => "daily",
            Frequency::Many => "many",
            Frequency::Event => "event",
        }
    }
}

impl Frequency {
    /// The position in the table's `[frequency]` list (annual first); not for `Event`.
    fn index(self) -> usize {
        match self {
            Frequency::Annual => 0,
            Frequency::Semiannual => 1,
            Frequency::Quarterly => 2,
            Frequency::Monthly => 3,
            Frequency::Weekly => 4,
            Frequency::Daily => 5,
            Frequency::Many | Frequency::Event => 6,
        }
    }
}

/// Populations up to this size are checked against every band.
pub const CHECKED_UP_TO: usize = 5_000;

/// The deviating items a population of `population` has at the tolerable rate: ceil(rate × N).
pub fn deviating_at_tolerable(population: usize, rate: f64) -> usize {
    ((rate * population as f64) - 1e-9).ceil().max(0.0) as usize
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    name: String,
    confidence: f64,
    tolerable_rate: f64,
    frequency: FrequencySizes,
    population: Vec<Band>,
    extension: Extension,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrequencySizes {
    annual: usize,
    semiannual: usize,
    quarterly: usize,
    monthly: usize,
    weekly: usize,
    daily: usize,
    many: usize,
}

#[derive(Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct Band {
    up_to: Option<usize>,
    size: usize,
}

#[derive(Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct Extension {
    min_sample: usize,
}

/// A sample-size table.
#[derive(Clone, Debug, PartialEq)]
pub struct SizeTable {
    /// The table's name, shown in reports.
    pub name: String,
    /// The confidence level the table is built and judged at (0.95 for 95 %).
    pub confidence: f64,
    /// The tolerable deviation rate (0.10 for 10 %).
    pub tolerable_rate: f64,
    periodic: [usize; 7],
    bands: Vec<Band>,
    extension: Extension,
    extended_size: usize,
}

/// Why a table was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableError(pub String);

impl std::fmt::Display for TableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TableError {}

impl Default for SizeTable {
    fn default() -> Self {
        SizeTable::parse(Self::SHIPPED).expect("the shipped table is valid (tested)")
    }
}

impl SizeTable {
    /// The text of the built-in table, a starting point for a firm's own.
    pub const SHIPPED: &'static str = include_str!("sizes.toml");

    /// Parses and checks a table in the shape of the shipped `sizes.toml`.
    pub fn parse(text: &str) -> Result<SizeTable, TableError> {
        let f: TableFile =
            toml::from_str(text).map_err(|e| TableError(e.to_string().trim_end().to_string()))?;
        let fq = &f.frequency;
        let periodic = [
            fq.annual,
            fq.semiannual,
            fq.quarterly,
            fq.monthly,
            fq.weekly,
            fq.daily,
            fq.many,
        ];
        if periodic.contains(&0) {
            return Err(TableError(
                "every frequency needs a sample size of at least 1".into(),
            ));
        }
        if f.population.is_empty() || f.population.last().is_some_and(|b| b.up_to.is_some()) {
            return Err(TableError("the last `[[population]]` band must have no `up_to` (it covers any larger population)".into()));
        }
        let mut previous = 0;
        for b in &f.population[..f.population.len() - 1] {
            match b.up_to {
                Some(u) if u > previous => previous = u,
                _ => {
                    return Err(TableError(
                        "`[[population]]` bands need `up_to` values that increase".into(),
                    ));
                }
            }
        }
        if f.population.iter().any(|b| b.size == 0) {
            return Err(TableError(
                "every population band needs a sample size of at least 1".into(),
            ));
        }
        let t = SizeTable {
            name: f.name,
            confidence: f.confidence,
            tolerable_rate: f.tolerable_rate,
            periodic,
            bands: f.population,
            extension: f.extension,
            extended_size: 0,
        };
        t.at_confidence(f.confidence)
    }

    /// The table judged at another confidence level (the config's `[sampling] confidence`): its
    /// bands are checked again, and the extension is sized at it.
    pub fn at_confidence(&self, confidence: f64) -> Result<SizeTable, TableError> {
        let rate = self.tolerable_rate;
        if !(confidence > 0.0 && confidence < 1.0 && rate > 0.0 && rate < 1.0) {
            return Err(TableError(
                "`confidence` and `tolerable_rate` must be between 0 and 1 (0.95 for 95 %)".into(),
            ));
        }
        let mut t = self.clone();
        t.confidence = confidence;
        t.extended_size = binomial_sample_size(confidence, rate, 1);
        if let Some(miss) = t.band_shortfall() {
            return Err(miss);
        }
        Ok(t)
    }

    /// The first population a band's size does not cover at the table's confidence: the chance
    /// that its sample misses every one of ceil(tolerable_rate × N) deviating items must be at
    /// most 1 − confidence (hypergeometric, zero expected deviations). Checked for N = 1 to 5,000
    /// (or twice the last `up_to`), and for the last band also in the limit of a large population.
    fn band_shortfall(&self) -> Option<TableError> {
        let risk = 1.0 - self.confidence;
        let top = self.bands.iter().filter_map(|b| b.up_to).max().unwrap_or(0);
        for big_n in 1..=CHECKED_UP_TO.max(2 * top) {
            let n = self.size(Frequency::Event, big_n);
            let k = deviating_at_tolerable(big_n, self.tolerable_rate);
            let miss = 1.0 - detection_probability(big_n, k, n);
            if miss > risk + 1e-12 {
                return Some(self.shortfall(big_n, n, 1.0 - miss));
            }
        }
        let last = self.bands.last().map_or(0, |b| b.size);
        let limit = (1.0 - self.tolerable_rate).powi(last as i32);
        (limit > risk + 1e-12).then(|| {
            TableError(format!(
                "the last `[[population]]` band's size {last} reaches only {:.1} % confidence for a large population, not {:.1} % (at a {:.1} % tolerable rate); raise it",
                100.0 * (1.0 - limit),
                100.0 * self.confidence,
                100.0 * self.tolerable_rate
            ))
        })
    }

    fn shortfall(&self, big_n: usize, n: usize, reached: f64) -> TableError {
        TableError(format!(
            "for a population of {big_n}, the `[[population]]` band's size {n} reaches only {:.1} % confidence, not {:.1} % (it would miss all {} deviating items, {:.1} % of {big_n}, too often); raise the band's `size`",
            100.0 * reached,
            100.0 * self.confidence,
            deviating_at_tolerable(big_n, self.tolerable_rate),
            100.0 * self.tolerable_rate
        ))
    }

    /// The size a test takes when its control had deviations in the prior period: the next larger
    /// size. For a frequency, the size of the next more frequent one that is larger (annual 1 → 2,
    /// quarterly and monthly 2 → 5, weekly 5 → 25, daily 25 → 40); for a population band, the next
    /// band's size. Beyond the largest (many times a day, the last band) it is the size that
    /// supports the control with one deviation at the table's confidence (46 at 95 % and 10 %).
    /// Never more than the population.
    pub fn next_larger(&self, frequency: Frequency, population: usize) -> usize {
        let (current, next) = match frequency {
            Frequency::Event => {
                let i = self
                    .bands
                    .iter()
                    .position(|b| b.up_to.is_none_or(|u| population <= u))
                    .unwrap_or(self.bands.len() - 1);
                let current = self.bands[i].size;
                let next = self.bands[i + 1..]
                    .iter()
                    .map(|b| b.size)
                    .find(|&s| s > current);
                (current, next)
            }
            _ => {
                let i = frequency.index();
                let current = self.periodic[i];
                (
                    current,
                    self.periodic[i + 1..]
                        .iter()
                        .copied()
                        .find(|&s| s > current),
                )
            }
        };
        next.unwrap_or_else(|| self.extended_size.max(current + 1))
            .min(population)
    }

    /// The sample size for a test of `population` items, never more than the population.
    pub fn size(&self, frequency: Frequency, population: usize) -> usize {
        let n = match frequency {
            Frequency::Event => self
                .bands
                .iter()
                .find(|b| b.up_to.is_none_or(|u| population <= u))
                .map_or(population, |b| b.size),
            periodic => self.periodic[periodic.index()],
        };
        n.min(population)
    }

    /// The extended size after a first deviation, for samples large enough to extend.
    pub fn extension(&self, sample_size: usize, population: usize) -> Option<usize> {
        (sample_size >= self.extension.min_sample && sample_size < population)
            .then(|| self.extended_size.max(sample_size).min(population))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRM: &str = "name = \"firm\"\nconfidence = 0.95\ntolerable_rate = 0.10\n[frequency]\nannual = 1\nsemiannual = 2\nquarterly = 3\nmonthly = 4\nweekly = 10\ndaily = 40\nmany = 60\n[[population]]\nup_to = 100\nsize = 26\n[[population]]\nsize = 30\n[extension]\nmin_sample = 10\n";

    #[test]
    fn the_shipped_table() {
        let t = SizeTable::default();
        assert_eq!(t.name, "common practice");
        assert_eq!((t.confidence, t.tolerable_rate), (0.95, 0.10));
        assert_eq!(t.size(Frequency::Quarterly, 20), 2);
        assert_eq!(t.size(Frequency::Quarterly, 1), 1);
        assert_eq!(t.size(Frequency::Daily, 250), 25);
        // Population bands (40 CFR 80.127, 26–40 raised to 21): min(N, 19) up to 25, then 21, 25, 29.
        assert_eq!(t.size(Frequency::Event, 10), 10);
        assert_eq!(t.size(Frequency::Event, 25), 19);
        assert_eq!(t.size(Frequency::Event, 26), 21);
        assert_eq!(t.size(Frequency::Event, 40), 21);
        assert_eq!(t.size(Frequency::Event, 65), 25);
        assert_eq!(t.size(Frequency::Event, 66), 29);
        assert_eq!(t.size(Frequency::Event, 50_000), 29);
        assert_eq!(t.size(Frequency::Event, 0), 0);
        // After one deviation, 29 is extended to 46 (95 % confidence, 10 % tolerable, 1
        // deviation: AICPA Table A-1), the same confidence as the bands.
        assert_eq!(t.extension(29, 1_000), Some(46));
        assert_eq!(t.extension(29, 30), Some(30));
        assert_eq!(t.extension(2, 8), None);
        assert_eq!(
            t.at_confidence(0.90).expect("90 %").extension(29, 1_000),
            Some(38)
        );
    }

    #[test]
    fn the_frequency_sizes_are_the_published_table() {
        // type2-method.md, "When sampling is used": annual 1, quarterly 2, monthly 2, weekly 5,
        // daily 25, many times a day 40 (semiannual is not in it: docs/readings.md).
        let t = SizeTable::default();
        let published = [
            (Frequency::Annual, 1),
            (Frequency::Quarterly, 2),
            (Frequency::Monthly, 2),
            (Frequency::Weekly, 5),
            (Frequency::Daily, 25),
            (Frequency::Many, 40),
        ];
        for (f, n) in published {
            assert_eq!(t.size(f, 10_000), n, "{}", f.as_str());
        }
        assert_eq!(t.size(Frequency::Semiannual, 10_000), 2);
    }

    #[test]
    fn every_band_meets_the_confidence_for_every_population_up_to_5000() {
        let t = SizeTable::default();
        for big_n in 1..=5_000 {
            let n = t.size(Frequency::Event, big_n);
            let k = deviating_at_tolerable(big_n, 0.10);
            let p = detection_probability(big_n, k, n);
            assert!(p >= 0.95 - 1e-12, "N={big_n} n={n} k={k}: {p}");
        }
        // The band as published (20 for 26–40) misses at N = 40: 94.7 %.
        let p = detection_probability(40, 4, 20);
        assert!((p - 0.947).abs() < 5e-4 && p < 0.95, "{p}");
    }

    #[test]
    fn a_table_whose_band_misses_is_refused_naming_the_population() {
        let published = SizeTable::SHIPPED.replace("size = 21", "size = 20");
        let e = SizeTable::parse(&published).expect_err("20 for 26–40 misses at N = 40");
        assert!(
            e.0.contains("population of 40") && e.0.contains("size 20") && e.0.contains("94.7 %"),
            "{e}"
        );
        let low_tail = SizeTable::SHIPPED.replace("size = 29", "size = 28");
        let e = SizeTable::parse(&low_tail).expect_err("28 misses for large populations");
        assert!(e.0.contains("size 28"), "{e}");
        // The shipped bands do not reach 99 %.
        let e = SizeTable::default().at_confidence(0.99).expect_err("99 %");
        assert!(e.0.contains("99.0 %"), "{e}");
        let e = SizeTable::default()
            .at_confidence(95.0)
            .expect_err("a percent");
        assert!(e.0.contains("between 0 and 1"), "{e}");
    }

    #[test]
    fn a_firms_own_table_replaces_it() {
        let t = SizeTable::parse(FIRM).expect("valid");
        assert_eq!(t.size(Frequency::Monthly, 12), 4);
        assert_eq!(t.size(Frequency::Event, 500), 30);
        assert_eq!(t.extension(30, 500), Some(46));
        let bad = SizeTable::parse("name = \"x\"\n").expect_err("incomplete");
        assert!(bad.0.contains("missing field"), "{bad}");
        let unordered = include_str!("sizes.toml").replace("up_to = 40", "up_to = 10");
        assert!(SizeTable::parse(&unordered).is_err());
    }

    #[test]
    fn prior_period_deviations_take_the_next_larger_size() {
        let t = SizeTable::default();
        assert_eq!(t.next_larger(Frequency::Annual, 1_000), 2);
        assert_eq!(t.next_larger(Frequency::Semiannual, 1_000), 5);
        assert_eq!(t.next_larger(Frequency::Quarterly, 1_000), 5);
        assert_eq!(
            t.next_larger(Frequency::Quarterly, 4),
            4,
            "never more than the population"
        );
        assert_eq!(t.next_larger(Frequency::Monthly, 12), 5);
        assert_eq!(t.next_larger(Frequency::Weekly, 52), 25);
        assert_eq!(t.next_larger(Frequency::Daily, 365), 40);
        assert_eq!(t.next_larger(Frequency::Many, 5_000), 46);
        assert_eq!(t.next_larger(Frequency::Event, 20), 20);
        assert_eq!(t.next_larger(Frequency::Event, 30), 25);
        assert_eq!(t.next_larger(Frequency::Event, 50), 29);
        assert_eq!(t.next_larger(Frequency::Event, 5_000), 46);
        let firm = SizeTable::parse(FIRM).expect("valid");
        assert_eq!(firm.next_larger(Frequency::Quarterly, 100), 4);
        assert_eq!(firm.next_larger(Frequency::Event, 80), 30);
    }

    #[test]
    fn period_labels_show_their_frequency() {
        for (label, f) in [
            ("2026", Some(Frequency::Annual)),
            ("2026-H2", Some(Frequency::Semiannual)),
            ("2026-Q2", Some(Frequency::Quarterly)),
            ("2026-05", Some(Frequency::Monthly)),
            ("2026-W07", Some(Frequency::Weekly)),
            ("2026-05-14", Some(Frequency::Daily)),
            ("Q2", None),
            ("2026/05", None),
        ] {
            assert_eq!(Frequency::of_period(label), f, "{label}");
        }
    }
}
