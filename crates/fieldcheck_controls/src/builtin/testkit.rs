//! Test support: a kit written from inline CSV, read with the real reader, and run through one
//! control with the default window (2026-01-01 to 2026-06-30, America/New_York).

use std::collections::BTreeMap;

pub(crate) use fieldcheck_kit::Kit;
use fieldcheck_kit::{ReadOptions, Window, read_kit};

use crate::{ControlResult, Params, audit};

/// Inline kit files.
#[derive(Clone, Default)]
pub(crate) struct KitBuilder {
    files: BTreeMap<String, String>,
}

impl KitBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a file.
    pub fn file(mut self, name: &str, text: &str) -> Self {
        self.files.insert(name.to_string(), text.to_string());
        self
    }

    /// Writes the files to a temporary folder and reads them back.
    pub fn build(&self) -> Kit {
        let files: Vec<(&String, &String)> = self.files.iter().collect();
        let dir = fieldcheck_testkit::TempKit::with(&files);
        let (kit, diags) = read_kit(dir.path(), &ReadOptions::default()).expect("kit folder");
        let errors: Vec<_> = diags
            .iter()
            .filter(|d| d.severity == fieldcheck_kit::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "test kit has bad rows: {errors:#?}");
        kit
    }
}

/// The default test window.
pub(crate) fn window() -> Window {
    window_of("2026-01-01", "2026-06-30")
}

pub(crate) fn window_of(start: &str, end: &str) -> Window {
    let tz = jiff::tz::TimeZone::get("America/New_York").expect("bundled zone");
    Window::new(
        start.parse().expect("date"),
        end.parse().expect("date"),
        tz,
        "America/New_York",
    )
}

/// Runs one control with default parameters changed by `tweak`.
pub(crate) fn run_control(kit: &Kit, id: &str, tweak: impl FnOnce(&mut Params)) -> ControlResult {
    run_control_in(kit, id, &window(), tweak)
}

pub(crate) fn run_control_in(
    kit: &Kit,
    id: &str,
    w: &Window,
    tweak: impl FnOnce(&mut Params),
) -> ControlResult {
    let mut p = Params::defaults();
    tweak(&mut p);
    let mut a = audit(kit, w, &p, &[id.to_string()]);
    assert_eq!(a.controls.len(), 1);
    let r = a.controls.remove(0);
    super::coverage::record(&r);
    r
}

/// Every deviation as (item, reasons), over all tests.
pub(crate) fn reasons(r: &ControlResult) -> Vec<(String, Vec<&'static str>)> {
    r.tests
        .iter()
        .flat_map(|t| {
            t.deviations
                .iter()
                .map(|d| (d.item.clone(), d.reasons.clone()))
        })
        .collect()
}

/// Every test's population item keys, sorted, each once (what a count-only assert names).
pub(crate) fn items(r: &ControlResult) -> Vec<String> {
    let mut all: Vec<String> = r.tests.iter().flat_map(|t| t.items.to_vec()).collect();
    all.sort();
    all.dedup();
    all
}

/// Whether `item` is in the population of one of the control's tests.
pub(crate) fn in_population(r: &ControlResult, item: &str) -> bool {
    r.tests.iter().any(|t| t.items.iter().any(|i| i == item))
}

/// The reasons of one item (empty when it passes). The item must be in the population of one of
/// the control's tests: an item that dropped out of the population has no deviation either, and
/// a "passes" assert must not pass because of that.
#[track_caller]
pub(crate) fn reasons_of(r: &ControlResult, item: &str) -> Vec<&'static str> {
    assert!(
        in_population(r, item),
        "{item} is not in the population of {}; the populations are {:?}",
        r.meta.id,
        r.tests.iter().map(|t| (t.id, &t.items)).collect::<Vec<_>>()
    );
    reasons(r)
        .into_iter()
        .filter(|(i, _)| i == item)
        .flat_map(|(_, r)| r)
        .collect()
}

/// Asserts that `item` is in the population and has no deviation.
#[track_caller]
pub(crate) fn passes(r: &ControlResult, item: &str) {
    let found = reasons_of(r, item);
    assert!(found.is_empty(), "{item} deviates: {found:?}");
}

/// Asserts that the control has no deviation and that its population is exactly `expected`
/// (sorted keys, over all tests), so a clean result cannot come from an empty population.
#[track_caller]
pub(crate) fn all_pass(r: &ControlResult, expected: &[&str]) {
    assert_eq!(reasons(r), Vec::<(String, Vec<&str>)>::new());
    assert_eq!(items(r), expected);
}

/// Asserts that `item` is in no test's population (out of scope, outside the window).
#[track_caller]
pub(crate) fn excluded(r: &ControlResult, item: &str) {
    assert!(
        !in_population(r, item),
        "{item} is in the population of {}",
        r.meta.id
    );
}

/// The items of every test's notes, in order (what a control reported without failing).
pub(crate) fn note_items(r: &ControlResult) -> Vec<String> {
    r.tests
        .iter()
        .flat_map(|t| t.notes.iter().map(|n| n.item.clone()))
        .collect()
}

/// One test's population item keys, sorted.
pub(crate) fn test_items(r: &ControlResult, test: usize) -> Vec<String> {
    let mut all = r.tests[test].items.to_vec();
    all.sort();
    all
}

/// One test's note items, in order.
pub(crate) fn note_items_of(r: &ControlResult, test: usize) -> Vec<String> {
    r.tests[test].notes.iter().map(|n| n.item.clone()).collect()
}
