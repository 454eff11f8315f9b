//! The auditor's view of a population: how many items an auditor samples for a test, which
//! items (drawn reproducibly), and how likely that sample is to hit a deviation.
//!
//! Everything here is pure arithmetic on counts and item keys. Sample sizes are data
//! (`sizes.toml`, replaceable by a firm's own table); the selection ranks items by
//! SHA-256(seed, control, test, item), so the same seed gives the same sample whatever the input
//! order or library versions, a larger sample extends a smaller one, and an auditor can recompute
//! it in a few lines of any language.

#![deny(missing_docs)]

mod odds;
mod select;
mod table;

pub use odds::{binomial_sample_size, detection_probability, upper_deviation_limit};
pub use select::{rank, select};
pub use table::{Frequency, SizeTable, TableError};

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
