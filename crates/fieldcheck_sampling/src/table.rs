//! Sample sizes as data: by frequency for periodic controls, by population band for
//! event-driven and inventory populations.

use serde::Deserialize;

use crate::odds::binomial_sample_size;

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    name: String,
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
    confidence: f64,
    tolerable_rate: f64,
    min_sample: usize,
}

/// A sample-size table.
#[derive(Clone, Debug, PartialEq)]
pub struct SizeTable {
    /// The table's name, shown in reports.
    pub name: String,
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
        let e = f.extension;
        if !(e.confidence > 0.0
            && e.confidence < 1.0
            && e.tolerable_rate > 0.0
            && e.tolerable_rate < 1.0)
        {
            return Err(TableError(
                "`[extension]` needs `confidence` and `tolerable_rate` between 0 and 1".into(),
            ));
        }
        Ok(SizeTable {
            name: f.name,
            periodic,
            bands: f.population,
            extension: e,
            extended_size: binomial_sample_size(e.confidence, e.tolerable_rate, 1),
        })
    }

    /// The sample size for a test of `population` items, never more than the population.
    pub fn size(&self, frequency: Frequency, population: usize) -> usize {
        let n = match frequency {
            Frequency::Annual => self.periodic[0],
            Frequency::Semiannual => self.periodic[1],
            Frequency::Quarterly => self.periodic[2],
            Frequency::Monthly => self.periodic[3],
            Frequency::Weekly => self.periodic[4],
            Frequency::Daily => self.periodic[5],
            Frequency::Many => self.periodic[6],
            Frequency::Event => self
                .bands
                .iter()
                .find(|b| b.up_to.is_none_or(|u| population <= u))
                .map_or(population, |b| b.size),
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

    #[test]
    fn the_shipped_table() {
        let t = SizeTable::default();
        assert_eq!(t.name, "common practice");
        assert_eq!(t.size(Frequency::Quarterly, 20), 2);
        assert_eq!(t.size(Frequency::Quarterly, 1), 1);
        assert_eq!(t.size(Frequency::Daily, 250), 25);
        // Population bands (40 CFR 80.127): min(N, 19) up to 25, then 20, 25 and 29.
        assert_eq!(t.size(Frequency::Event, 10), 10);
        assert_eq!(t.size(Frequency::Event, 25), 19);
        assert_eq!(t.size(Frequency::Event, 26), 20);
        assert_eq!(t.size(Frequency::Event, 65), 25);
        assert_eq!(t.size(Frequency::Event, 66), 29);
        assert_eq!(t.size(Frequency::Event, 50_000), 29);
        assert_eq!(t.size(Frequency::Event, 0), 0);
        // After one deviation, 29 is extended to 38 (90 % confidence, 10 % tolerable, 1 deviation).
        assert_eq!(t.extension(29, 1_000), Some(38));
        assert_eq!(t.extension(29, 30), Some(30));
        assert_eq!(t.extension(2, 8), None);
    }

    #[test]
    fn a_firms_own_table_replaces_it() {
        let t = SizeTable::parse(
            "name = \"firm\"\n[frequency]\nannual = 1\nsemiannual = 2\nquarterly = 3\nmonthly = 4\nweekly = 10\ndaily = 40\nmany = 60\n[[population]]\nup_to = 100\nsize = 10\n[[population]]\nsize = 30\n[extension]\nconfidence = 0.95\ntolerable_rate = 0.10\nmin_sample = 10\n",
        )
        .expect("valid");
        assert_eq!(t.size(Frequency::Monthly, 12), 4);
        assert_eq!(t.size(Frequency::Event, 500), 30);
        assert_eq!(t.extension(30, 500), Some(46));
        let bad = SizeTable::parse("name = \"x\"\n").expect_err("incomplete");
        assert!(bad.0.contains("missing field"), "{bad}");
        let unordered = include_str!("sizes.toml").replace("up_to = 40", "up_to = 10");
        assert!(SizeTable::parse(&unordered).is_err());
    }
}
