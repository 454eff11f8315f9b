//! The control catalog: `catalog.toml` parsed once, metadata as data.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Deserialize;

/// A control's metadata.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlMeta {
    /// Stable kebab-case id.
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Trust Services Criteria ids.
    pub criteria: Vec<String>,
    /// Kit files (stems) the control's tests read.
    pub needs: Vec<String>,
    /// Whether its tests compare or match people (self-review, a leaver's accounts, the
    /// approver of a session): then a damaged identities.csv, which resolves people's logins,
    /// leaves it `not_evidenced` too.
    #[serde(default)]
    pub resolves_people: bool,
    /// Days from recording an exception to its target close date, by default.
    pub target_days: i64,
    /// The tests, in order.
    #[serde(rename = "test")]
    pub tests: Vec<TestMeta>,
    /// Parameters and their defaults.
    #[serde(rename = "param", default)]
    pub params: Vec<ParamMeta>,
}

/// A test's metadata.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestMeta {
    /// Stable kebab-case id.
    pub id: String,
    /// What the population is.
    pub population: String,
    /// The item key's shape.
    pub item: String,
    /// How often the control operates, which sizes the auditor's sample: `annual`, `quarterly`,
    /// `monthly`, `weekly`, `daily`, `many`, or `event` / `population` (sized by the population).
    pub frequency: String,
    /// What evidence an auditor asks for about one sampled item.
    pub request: String,
    /// The population's items, in the plural, for sentences (`deploys`, `system-quarters`).
    pub noun: String,
    /// Reason codes saying the control did not run at all in a period (the `missed_period`
    /// marker).
    #[serde(default)]
    pub missed_period: Vec<String>,
    /// Reason codes and their meaning, in order.
    pub reasons: Vec<(String, String)>,
}

/// A parameter's metadata.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamMeta {
    /// Name under `[controls.<id>]`.
    pub name: String,
    /// `days`, `hours`, `int`, `bool`, `string`, `strings`, `classifications`, `sla`, `cadence`, `tls`.
    #[serde(rename = "type")]
    pub ty: String,
    /// The default.
    pub default: toml::Value,
    /// What it means.
    pub doc: String,
}

/// The thresholds of the markers of a systematic deviation (`[markers]` in the catalog, set per
/// control with `[controls.<id>] markers = { ... }`).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// `rate`: deviations above this share of the population ...
    pub rate: f64,
    /// ... of at least this many items.
    pub rate_min_population: usize,
    /// `concentration`: a system or person with at least this many items ...
    pub concentration_min_items: usize,
    /// ... of which more than this share deviate.
    pub concentration_share: f64,
    /// `majority`: in a population below this size ...
    pub majority_below: usize,
    /// ... more than this share of the items deviate.
    pub majority_share: f64,
}

/// A marker's metadata.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkerMeta {
    /// Stable snake_case id (`rate`, `concentration`, `missed_period`, `majority`).
    pub id: String,
    /// What it means.
    pub meaning: String,
}

#[derive(Deserialize)]
struct CatalogFile {
    markers: Thresholds,
    marker: Vec<MarkerMeta>,
    control: Vec<ControlMeta>,
}

fn file() -> &'static CatalogFile {
    static CATALOG: OnceLock<CatalogFile> = OnceLock::new();
    CATALOG.get_or_init(|| {
        // `catalog.toml`, followed by the extra control folders' entries (build.rs).
        toml::from_str::<CatalogFile>(include_str!(concat!(env!("OUT_DIR"), "/catalog.toml")))
            .expect("catalog.toml is valid (tested)")
    })
}

include!(concat!(env!("OUT_DIR"), "/builtin_count.rs"));

static EXTRA: AtomicBool = AtomicBool::new(false);

/// Adds the controls compiled in from extra folders (the `toy-control` feature) to the catalog,
/// and so to the parameters, the audit, the sample and the register. Call it before anything
/// reads the catalog; without extra folders it changes nothing.
pub fn enable_extra_controls() {
    EXTRA.store(true, Ordering::Relaxed);
}

/// The built-in controls' metadata, in the order of controls.md (then the extra controls, once
/// enabled).
pub fn catalog() -> &'static [ControlMeta] {
    let all = &file().control;
    if EXTRA.load(Ordering::Relaxed) {
        all
    } else {
        &all[..BUILTIN_COUNT]
    }
}

/// Where `code` stands among the reason codes of `control`'s test `test`, in the catalog's (and
/// the generated enum's) order; `None` when it is not one of them.
pub fn reason_rank(control: &str, test: &str, code: &str) -> Option<usize> {
    file()
        .control
        .iter()
        .find(|c| c.id == control)?
        .tests
        .iter()
        .find(|t| t.id == test)?
        .reasons
        .iter()
        .position(|r| r.0 == code)
}

/// The markers of a systematic deviation, in the catalog's order.
pub fn markers() -> &'static [MarkerMeta] {
    &file().marker
}

/// The markers' default thresholds.
pub fn default_thresholds() -> Thresholds {
    file().markers
}

/// One control's metadata by id.
pub fn control_meta(id: &str) -> Option<&'static ControlMeta> {
    catalog().iter().find(|c| c.id == id)
}
