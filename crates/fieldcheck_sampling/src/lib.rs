//! The auditor's view of a population: how many items an auditor samples for a test, which
//! items (drawn reproducibly), and how likely that sample is to hit a deviation.
//!
//! Everything here is pure arithmetic on counts and item keys. Sample sizes are data
//! (`sizes.toml`, replaceable by a firm's own table, at one confidence level); a sampling unit
//! (period, system or item) fits periodic controls run per system; the seed is derived from the
//! engagement and the SHA-256 of the population's canonical listing, so nobody can re-roll it;
//! the selection is stratified over the window, one seeded pick per run; and an auditor can
//! recompute all of it from the listing in a few lines of any language (docs/sampling.md).

#![deny(missing_docs)]

mod draw;
mod odds;
mod select;
mod table;

pub use draw::{Odds, Population, Sample, Stratum, Unit, choose, effective_unit, strata};
pub use odds::{
    attribute_sample_size, binomial_sample_size, detection_probability, upper_deviation_limit,
    upper_deviation_limit_finite,
};
pub use select::{
    Listing, Member, extend, hex, listing, parse_listing, pick, seed, sha256_hex, stratified,
};
pub use table::{CHECKED_UP_TO, Frequency, SizeTable, TableError, deviating_at_tolerable};

/// The sampling plan of one test.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// How often the control operates.
    pub frequency: Frequency,
    /// Items in the population.
    pub population: usize,
    /// The auditor's sample size (never more than the population).
    pub sample_size: usize,
    /// The chance that a sample of that size contains at least one of `deviations` failing items.
    pub detection_probability: f64,
    /// The size an auditor extends the sample to after a first deviation, when they extend.
    pub extended_sample_size: Option<usize>,
}

impl SizeTable {
    /// The plan for a test with `population` items of which `deviations` fail.
    pub fn plan(&self, frequency: Frequency, population: usize, deviations: usize) -> Plan {
        let sample_size = self.size(frequency, population);
        let extended_sample_size = self.extension(sample_size, population);
        Plan {
            frequency,
            population,
            sample_size,
            detection_probability: detection_probability(population, deviations, sample_size),
            extended_sample_size,
        }
    }
}
