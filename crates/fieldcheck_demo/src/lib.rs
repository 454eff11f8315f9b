//! A deterministic generator of the evidence kit of a fictional company, Northpeak Software.
//!
//! Northpeak is a SaaS company of about 600 people in New York, preparing for its first SOC 2 Type II
//! observation window (2026-04-01 to 2026-09-30). Its kit has the gaps a readiness consultant usually finds,
//! at realistic rates, so that `fieldcheck demo` shows the product at work; `DEMO.md` describes them.
//! Seven of the ten controls come out with exceptions; `privileged-sessions`, `encryption` and
//! `security-training` are clean and must come out `effective`.
//!
//! The kit is a pure function of [`DemoOptions`]: the same seed and people count give byte-identical files on
//! every platform. Randomness comes from our own xoshiro256** (never a library generator), each file draws from
//! its own named stream, nothing iterates a hash map to produce output, and timestamps are formatted by hand
//! from a table of the zone's offsets built with jiff's bundled time zone database.
//!
//! The people count drives everything (accounts, logins, deploys, sessions, reviews), so the kit doubles as the
//! benchmark input: 50,000 people give about 8.7 million records (5.7 million of them login events), written in
//! about five seconds in a release build.

mod backups;
mod changes;
mod csv;
mod directory;
mod encryption;
mod events;
mod files;
mod names;
mod org;
mod raw;
mod reviews;
mod risks;
mod rng;
mod sessions;
mod time;
mod training;
mod vendors;

use std::io;
use std::path::Path;

pub use raw::write_raw;

/// What to generate: the seed of every random choice, and the size of the workforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    /// The seed; the same seed and people count give byte-identical kits.
    pub seed: u64,
    /// The number of people in people.csv (current staff, joiners and leavers of the past year).
    pub people: usize,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 7,
            people: 600,
        }
    }
}

/// What was written: each kit file with its number of data rows, and the total.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DemoSummary {
    /// Every CSV file of the kit, in the order of the evidence kit format, with its data rows (header excluded).
    pub files: Vec<(String, u64)>,
    /// The number of data rows of all files.
    pub records: u64,
}

/// The kit's config: org, time zone and observation window; every control keeps its default parameters.
const CONFIG: &str = "\
[org]
name = \"Northpeak Software\"
timezone = \"America/New_York\"

[window]
start = \"2026-04-01\"
end = \"2026-09-30\"
";

/// Writes every record kind's CSV file and a fieldcheck.toml into `dir` (created if missing).
///
/// Fails with `InvalidInput` when `opts.people` is 0, and with the underlying error when a file cannot be written.
pub fn write_kit(dir: &Path, opts: &DemoOptions) -> io::Result<DemoSummary> {
    if opts.people == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the demo needs at least one person",
        ));
    }
    std::fs::create_dir_all(dir)?;
    let clock = time::Clock::new_york()
        .map_err(|e| io::Error::other(format!("time zone America/New_York: {e}")))?;
    let mut org = org::build(&clock, opts.seed, opts.people);

    let mut written: Vec<csv::Written> = Vec::with_capacity(files::ALL.len());
    // Reviews first: their revocations disable accounts, which the other files must reflect.
    written.extend(reviews::write(dir, &clock, &mut org)?);
    written.push(directory::write_systems(dir, &clock, &org)?);
    written.push(directory::write_people(dir, &clock, &org)?);
    written.push(directory::write_identities(dir, &clock, &org)?);
    written.push(directory::write_accounts(dir, &clock, &org)?);
    written.push(directory::write_credentials(dir, &clock, &org)?);
    written.push(events::write(dir, &clock, &org)?);
    let (change_files, emergencies) = changes::write(dir, &clock, &org)?;
    written.extend(change_files);
    let (vendor_file, vendor_info) = vendors::write(dir, &clock, &org)?;
    written.push(vendor_file);
    written.extend(backups::write(dir, &clock, &org)?);
    written.extend(sessions::write(dir, &clock, &org)?);
    written.extend(encryption::write(dir, &clock, &org)?);
    written.extend(training::write(dir, &clock, &org)?);
    written.extend(risks::write(dir, &clock, &org, &vendor_info, &emergencies)?);
    std::fs::write(dir.join("fieldcheck.toml"), CONFIG)?;

    let mut summary = DemoSummary::default();
    for (name, _) in files::ALL {
        let rows = written
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, r)| *r);
        summary.files.push((name.to_string(), rows));
        summary.records += rows;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests;
