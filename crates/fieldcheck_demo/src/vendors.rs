//! vendors.csv: the vendor inventory, with its assurance reports and contract clauses.

use std::io;
use std::path::Path;

use crate::csv::{Csv, Written};
use crate::files;
use crate::org::{CFO, CISO, CTO, HEAD_IT, Org, VP_ENG, VP_MARKETING, VP_SALES};
use crate::rng::Rng;
use crate::time::{Clock, Ts, days};

/// Vendors behind the in-scope systems, with clean records: (name, tier, data access).
const NAMED: &[(&str, u8, &str)] = &[
    ("Amazon Web Services, Inc.", 1, "production"),
    ("Okta, Inc.", 1, "production"),
    ("GitHub, Inc.", 1, "production"),
    ("Google LLC (Workspace)", 1, "internal"),
    ("Datadog, Inc.", 1, "production"),
    ("Salesforce, Inc.", 2, "internal"),
    ("Atlassian Pty Ltd", 2, "internal"),
    ("Slack Technologies, LLC", 2, "internal"),
];

/// Kinds of fictional vendors: (name suffix, tier, data access, weight).
const KINDS: &[(&str, u8, &str, u32)] = &[
    ("Payments", 1, "production", 3),
    ("CDN", 1, "production", 2),
    ("Data Cloud", 1, "production", 3),
    ("Mail", 2, "production", 4),
    ("Analytics", 2, "production", 5),
    ("Support Desk", 2, "production", 4),
    ("Error Tracking", 2, "production", 3),
    ("SMS Gateway", 2, "production", 2),
    ("Feature Flags", 2, "production", 2),
    ("HR Systems", 2, "internal", 3),
    ("Payroll", 2, "internal", 2),
    ("Background Checks", 2, "internal", 2),
    ("Security Partners", 2, "internal", 2),
    ("Recruiting", 3, "internal", 4),
    ("Design Studio", 3, "none", 3),
    ("Travel", 3, "none", 3),
    ("Office Supply", 3, "none", 3),
    ("Events", 3, "none", 2),
    ("Translation", 3, "internal", 2),
];

const PREFIXES: &[&str] = &[
    "Brightwave",
    "Kestrel",
    "Lumen",
    "Northgate",
    "Bluefin",
    "Cobalt",
    "Harbor",
    "Juniper",
    "Meridian",
    "Summit",
    "Tidal",
    "Vantage",
    "Quartz",
    "Ember",
    "Falcon",
    "Granite",
    "Helix",
    "Ironwood",
    "Larkspur",
    "Mosaic",
    "Nimbus",
    "Orchid",
    "Pioneer",
    "Redwood",
    "Sable",
    "Tandem",
    "Verdant",
    "Willow",
    "Zephyr",
    "Alder",
    "Beacon",
    "Cascade",
];

const FORMS: &[&str] = &[", Inc.", " LLC", " Ltd.", ", Inc.", " GmbH", " Co."];

/// What the risk register needs to know about a vendor.
pub(crate) struct VendorInfo {
    pub(crate) id: String,
    pub(crate) name: String,
    /// Tier 1 and active at some time in the window.
    pub(crate) tier1_active: bool,
}

struct Vendor {
    name: String,
    tier: Option<u8>,
    access: &'static str,
    offboarded: Option<Ts>,
    owner: u32,
    last_reviewed: Ts,
    assurance: &'static str,
    period_end: Option<i32>,
    bridge: Option<i32>,
    assurance_reviewed: Option<Ts>,
    clause: Option<bool>,
    named: bool,
}

pub(crate) fn write(
    dir: &Path,
    clock: &Clock,
    org: &Org,
) -> io::Result<(Written, Vec<VendorInfo>)> {
    let mut rng = Rng::stream(org.seed, "vendors", 0);
    let n = org.people.len();
    let count = ((40.0 * (n as f64 / 600.0).sqrt()).round() as usize).clamp(12, 300);
    let owners: Vec<u32> = [CTO, VP_ENG, CISO, CFO, HEAD_IT, VP_SALES, VP_MARKETING]
        .iter()
        .map(|&s| org.exec(s))
        .collect();
    let work = |rng: &mut Rng, lo: i32, hi: i32| {
        clock.local(
            rng.range(i64::from(lo), i64::from(hi)) as i32,
            10 * 3600 + rng.range(0, 7 * 3600),
        )
    };

    let mut vendors: Vec<Vendor> = Vec::with_capacity(count);
    let kind_weights: Vec<u32> = KINDS.iter().map(|k| k.3).collect();
    let mut used_names = std::collections::HashSet::new();
    for k in 0..count {
        let (name, tier, access, named) = if let Some(&(name, tier, access)) = NAMED.get(k) {
            (name.to_string(), tier, access, true)
        } else {
            let (suffix, tier, access, _) = KINDS[rng.weighted(&kind_weights)];
            let mut name = format!("{} {}{}", rng.pick(PREFIXES), suffix, rng.pick(FORMS));
            if suffix == "Security Partners" && rng.chance(0.5) {
                name = format!("{}, {} & Co. LLP", rng.pick(PREFIXES), rng.pick(PREFIXES));
            }
            while !used_names.insert(name.clone()) {
                name = format!("{} {}", rng.pick(PREFIXES), name);
            }
            (name, tier, access, false)
        };
        let (assurance, period_end, bridge) = if tier == 1 || rng.chance(0.5) {
            let kind = if rng.chance(0.8) {
                "soc2_type2"
            } else {
                "iso27001"
            };
            let end = rng.range(i64::from(days(2025, 11, 30)), i64::from(days(2026, 6, 30))) as i32;
            let bridge = rng.chance(0.2).then(|| end + rng.range(90, 180) as i32);
            (kind, Some(end), bridge)
        } else {
            ("none", None, None)
        };
        let assurance_reviewed = period_end.map(|e| work(&mut rng, e + 20, e + 60));
        let clause = if access == "production" {
            Some(true)
        } else {
            [Some(true), Some(false), None][rng.index(3)]
        };
        vendors.push(Vendor {
            name,
            tier: Some(tier),
            access,
            offboarded: None,
            owner: *rng.pick(&owners),
            last_reviewed: work(&mut rng, days(2025, 10, 15), days(2026, 9, 15)),
            assurance,
            period_end,
            bridge,
            assurance_reviewed,
            clause,
            named,
        });
    }

    // Offboarded vendors: some before the window (out of the population), some during it.
    let fictional: Vec<usize> = (0..count).filter(|&i| !vendors[i].named).collect();
    for &i in &fictional {
        if rng.chance(0.08) {
            vendors[i].offboarded = Some(if rng.chance(0.5) {
                work(&mut rng, days(2025, 3, 1), days(2026, 3, 20))
            } else {
                work(&mut rng, days(2026, 4, 10), days(2026, 9, 20))
            });
        }
    }
    let active = |v: &Vendor| v.offboarded.is_none_or(|t| t >= org.w0);

    // The gaps, all on fictional vendors active in the window.
    let mut pool: Vec<usize> = fictional
        .iter()
        .copied()
        .filter(|&i| active(&vendors[i]))
        .collect();
    rng.shuffle(&mut pool);
    let stale = (count as f64 * (0.12 + 0.06 * rng.unit())).round() as usize;
    for &i in pool.iter().take(stale) {
        // Last looked at two years ago.
        vendors[i].last_reviewed = work(&mut rng, days(2024, 4, 1), days(2024, 10, 31));
    }
    let mut tier1: Vec<usize> = pool
        .iter()
        .copied()
        .filter(|&i| vendors[i].tier == Some(1))
        .collect();
    tier1.sort_unstable();
    rng.shuffle(&mut tier1);
    let t1 = tier1.len();
    let missing = ((t1 as f64 * 0.08).round() as usize).max(1).min(t1);
    let expired = ((t1 as f64 * 0.08).round() as usize)
        .max(1)
        .min(t1 - missing);
    let unreviewed = ((t1 as f64 * 0.04).round() as usize)
        .max(1)
        .min(t1 - missing - expired);
    let warning = usize::from(t1 > missing + expired + unreviewed);
    for (k, &i) in tier1.iter().enumerate() {
        let v = &mut vendors[i];
        if k < missing {
            v.assurance = "none";
            v.period_end = None;
            v.bridge = None;
            v.assurance_reviewed = None;
        } else if k < missing + expired {
            // A report that ended in 2024; the bridge letter (if any) ran out in early 2025.
            v.period_end = Some(days(2024, 12, 31));
            v.bridge = rng.chance(0.5).then_some(days(2025, 3, 31));
            v.assurance_reviewed = Some(work(&mut rng, days(2025, 2, 1), days(2025, 3, 1)));
        } else if k < missing + expired + unreviewed {
            v.assurance_reviewed = None;
        } else if k < missing + expired + unreviewed + warning {
            // Not a deviation yet: the report ages out within 60 days after the window.
            v.period_end = Some(days(2025, 10, 31));
            v.bridge = None;
            v.assurance_reviewed = Some(work(&mut rng, days(2025, 12, 1), days(2025, 12, 20)));
        }
    }
    let mut production: Vec<usize> = pool
        .iter()
        .copied()
        .filter(|&i| vendors[i].access == "production")
        .collect();
    production.sort_unstable();
    rng.shuffle(&mut production);
    let no_clause = ((production.len() as f64 * 0.15).round() as usize)
        .max(1)
        .min(production.len());
    for &i in production.iter().take(no_clause) {
        vendors[i].clause = if rng.chance(0.6) { Some(false) } else { None };
    }
    // One vendor procurement added but nobody tiered.
    if let Some(&i) = pool.iter().rev().find(|&&i| vendors[i].tier == Some(3))
        && count >= 20
    {
        vendors[i].tier = None;
    }

    let mut out = Csv::create(dir, files::VENDORS.0, files::VENDORS.1, clock)?;
    let mut info = Vec::with_capacity(count);
    for (k, v) in vendors.iter().enumerate() {
        let id = format!("V-{:04}", k + 1);
        out.text(&id)?
            .text(&v.name)?
            .opt_int(v.tier.map(i64::from))?
            .text(v.access)?
            .text(if v.offboarded.is_some() {
                "offboarded"
            } else {
                "active"
            })?
            .opt_ts(v.offboarded)?
            .text(org.person_ref(v.owner, k % 3 == 0))?
            .ts(v.last_reviewed)?
            .text(v.assurance)?
            .opt_date(v.period_end)?
            .opt_date(v.bridge)?
            .opt_ts(v.assurance_reviewed)?
            .opt_flag(v.clause)?
            .end()?;
        info.push(VendorInfo {
            id,
            name: v.name.clone(),
            tier1_active: v.tier == Some(1) && active(v),
        });
    }
    Ok((out.finish()?, info))
}
