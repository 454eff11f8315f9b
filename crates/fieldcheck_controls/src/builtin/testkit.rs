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
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in &self.files {
            std::fs::write(dir.path().join(name), text).expect("write kit file");
        }
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

/// The reasons of one item (empty when it passes).
pub(crate) fn reasons_of(r: &ControlResult, item: &str) -> Vec<&'static str> {
    reasons(r)
        .into_iter()
        .filter(|(i, _)| i == item)
        .flat_map(|(_, r)| r)
        .collect()
}

/// The items of every test's notes, in order (what a control reported without failing).
pub(crate) fn note_items(r: &ControlResult) -> Vec<String> {
    r.tests
        .iter()
        .flat_map(|t| t.notes.iter().map(|n| n.item.clone()))
        .collect()
}
