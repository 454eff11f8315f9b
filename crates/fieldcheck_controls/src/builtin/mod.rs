//! The built-in control tests, one module per control (`<id_with_underscores>.rs`), registered
//! in [`CONTROLS`] in the order of the catalog by build.rs.

use fieldcheck_kit::{Period, Window};

use crate::params::Cadence;
use crate::{Cx, Dev, Note, ReasonCode, Tally, TestResult};

/// A control test: the kit in, one result per test out.
pub(crate) type RunFn = fn(&Cx<'_>) -> Vec<TestResult>;

// The control modules (`<id_with_underscores>.rs` here, one per control of `catalog.toml`), each
// control's run function with its typed parameters, and `CONTROLS` in catalog order: generated
// by build.rs.
include!(concat!(env!("OUT_DIR"), "/registry.rs"));

/// The window's periods for a cadence.
pub(crate) fn periods(w: &Window, cadence: Cadence) -> Vec<Period> {
    match cadence {
        Cadence::Monthly => w.months(),
        Cadence::Quarterly => w.quarters(),
    }
}

/// A test whose items are periods and which fails a period when nothing happened in it: the
/// times of the records that count (`None` for a record without one), and what was missing.
pub(crate) fn periods_without(
    id: &'static str,
    periods: &[Period],
    times: impl Iterator<Item = Option<jiff::Timestamp>> + Clone,
    code: impl ReasonCode,
    missing: &str,
) -> TestResult {
    let mut tally = Tally::default();
    for p in periods {
        let mut dev = Dev::new(&p.label).at(p.start).period(&p.label);
        if !times.clone().any(|t| t.is_some_and(|t| p.contains(t))) {
            dev.fail(code, format!("{missing} in {}", p.label));
        }
        tally.add(dev);
    }
    tally.finish(id, Vec::new())
}

/// Items whose empty field the spec's letter lets pass one reason: reported as a note, so that an
/// unknown value never passes silently (`docs/readings.md`, "Controls (v2)").
pub(crate) struct Unknown {
    field: &'static str,
    noun: &'static str,
    effect: &'static str,
    items: Vec<String>,
}

impl Unknown {
    /// `noun` names the items (`endpoint`), `effect` what could not be judged.
    pub fn new(field: &'static str, noun: &'static str, effect: &'static str) -> Unknown {
        Unknown {
            field,
            noun,
            effect,
            items: Vec::new(),
        }
    }

    pub fn add(&mut self, item: impl Into<String>) {
        self.items.push(item.into());
    }

    /// The note, when some item had the field empty.
    pub fn note(self) -> Option<Note> {
        (!self.items.is_empty()).then(|| Note {
            item: self.field.to_string(),
            detail: format!(
                "{} with an empty `{}`: {} ({})",
                plural(self.items.len(), self.noun),
                self.field,
                self.effect,
                short_list(&self.items)
            ),
        })
    }
}

/// The notes of the unknowns that occurred, in the order given.
pub(crate) fn unknown_notes(unknowns: impl IntoIterator<Item = Unknown>) -> Vec<Note> {
    unknowns.into_iter().filter_map(Unknown::note).collect()
}

/// A short list of ids for a sentence: `a, b, c and 4 more`.
pub(crate) fn short_list<S: AsRef<str>>(items: &[S]) -> String {
    const SHOW: usize = 3;
    let shown: Vec<String> = items
        .iter()
        .take(SHOW)
        .map(|s| s.as_ref().to_string())
        .collect();
    if items.len() > SHOW {
        format!("{} and {} more", shown.join(", "), items.len() - SHOW)
    } else {
        shown.join(", ")
    }
}

/// `1 account` / `3 accounts`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod coverage;
#[cfg(test)]
pub(crate) mod testkit;
