//! `vendor-management` (CC9.2): active vendors are tiered and reviewed, tier-1 vendors have a
//! current, reviewed assurance report, and vendors with production data sign a subprocessor clause.

use fieldcheck_kit::time::add_days;
use fieldcheck_kit::{AssuranceType, DataAccess, Vendor, VendorStatus, Window};
use jiff::Span;
use jiff::civil::Date;

use super::Unknown;
use crate::control_params::vendor_management::Params;
use crate::reasons::vendor_management::VendorRecords;
use crate::{Cx, Dev, Note, Tally, TestResult};

/// Whether a vendor was active at some time in the window.
pub(crate) fn active_in_window(v: &Vendor, w: &Window) -> bool {
    match v.status {
        Some(VendorStatus::Offboarded) => v.offboarded_at.is_some_and(|t| t >= w.start_ts),
        _ => true,
    }
}

pub(crate) fn run(cx: &Cx<'_, Params>) -> Vec<TestResult> {
    let record_age = cx.p.record_max_age_days;
    let assurance_age = cx.p.assurance_max_age_days;
    let warn_days = cx.p.expiry_warning_days;
    let oldest_review = add_days(cx.w.end_ts, -record_age);
    let mut tally = Tally::default();
    let mut notes = Vec::new();
    let mut no_access = Unknown::new(
        "vendors.data_access",
        "vendor without a subprocessor clause",
        "no_subprocessor_clause was not judged (the spec requires the clause for `data_access = production`)",
    );
    for v in cx.kit.vendors.iter().filter(|v| active_in_window(v, cx.w)) {
        let name = v.name.as_deref().unwrap_or(&v.vendor_id);
        let mut dev = Dev::new(&*v.vendor_id).lead(format!(
            "vendor {name}{}",
            v.tier.map(|t| format!(" (tier {t})")).unwrap_or_default()
        ));
        dev.ev(v.loc);
        dev.person("owner", v.owner_id.as_deref());
        if v.tier.is_none() {
            dev.fail(VendorRecords::NoTier, "has no risk tier");
        }
        match v.last_reviewed_at {
            None => dev.fail(VendorRecords::StaleRecord, "its record was never reviewed"),
            Some(t) if t < oldest_review => dev.fail(
                VendorRecords::StaleRecord,
                format!("its record was last reviewed {}, more than {record_age} days before the window's end", cx.w.local_date(t)),
            ),
            Some(_) => {}
        }
        if v.tier == Some(1) {
            match v.assurance_type {
                None | Some(AssuranceType::None) => {
                    dev.fail(VendorRecords::MissingAssurance, "has no assurance report")
                }
                Some(kind) => {
                    let covered_to: Option<Date> =
                        match (v.report_period_end, v.bridge_letter_through) {
                            (Some(a), Some(b)) => Some(a.max(b)),
                            (a, b) => a.or(b),
                        };
                    let expires = covered_to
                        .and_then(|d| d.checked_add(Span::new().days(assurance_age)).ok());
                    match expires {
                        None => dev.fail(VendorRecords::ExpiredAssurance, format!("its {} report has no period end or bridge letter date", kind.as_str())),
                        Some(e) if e < cx.w.end => dev.fail(
                            VendorRecords::ExpiredAssurance,
                            format!("its {} report covers to {} and aged out {} (before the window's last day)", kind.as_str(), covered_to.unwrap_or(e), e),
                        ),
                        Some(e) => {
                            if e.checked_sub(Span::new().days(warn_days)).is_ok_and(|w| w <= cx.w.end) {
                                notes.push(Note {
                                    item: v.vendor_id.to_string(),
                                    detail: format!("vendor {name}: its {} report ages out {e}, within {warn_days} days after the window", kind.as_str()),
                                });
                            }
                        }
                    }
                    if v.assurance_reviewed_at.is_none() {
                        dev.fail(
                            VendorRecords::AssuranceNotReviewed,
                            format!("its {} report was never reviewed", kind.as_str()),
                        );
                    }
                }
            }
        }
        if v.data_access.is_none() && v.subprocessor_clause != Some(true) {
            no_access.add(&*v.vendor_id);
        }
        if v.data_access == Some(DataAccess::Production) && v.subprocessor_clause != Some(true) {
            dev.fail(
                VendorRecords::NoSubprocessorClause,
                "has production data access but no subprocessor clause",
            );
        }
        tally.add(dev);
    }
    notes.extend(no_access.note());
    vec![tally.finish("vendor-records", notes)]
}

#[cfg(test)]
mod tests {
    use crate::builtin::testkit::*;

    const HEAD: &str = "vendor_id,name,tier,data_access,status,offboarded_at,owner_id,last_reviewed_at,assurance_type,report_period_end,bridge_letter_through,assurance_reviewed_at,subprocessor_clause\n";
    const OK: &str = "v1,Acme Pay,1,production,active,,p1,2026-03-01T00:00:00Z,soc2_type2,2026-03-31,,2026-04-10T00:00:00Z,true\n";

    fn one(rows: &str) -> Vec<&'static str> {
        let k = KitBuilder::new()
            .file("vendors.csv", &format!("{HEAD}{rows}"))
            .build();
        let r = run_control(&k, "vendor-management", |_| {});
        assert_eq!(items(&r), ["v1"]);
        reasons_of(&r, "v1")
    }

    #[test]
    fn unknown_data_access_without_a_clause_is_noted() {
        let notes = |row: &str| {
            let k = KitBuilder::new()
                .file("vendors.csv", &format!("{HEAD}{row}"))
                .build();
            let r = run_control(&k, "vendor-management", |_| {});
            all_pass(&r, &["v1"]);
            note_items(&r)
        };
        assert_eq!(
            notes("v1,Acme,2,,active,,p1,2026-03-01T00:00:00Z,,,,,\n"),
            ["vendors.data_access"]
        );
        // Boundary: with the clause signed, the access does not matter.
        assert!(notes("v1,Acme,2,,active,,p1,2026-03-01T00:00:00Z,,,,,true\n").is_empty());
    }

    #[test]
    fn a_good_vendor_passes() {
        assert!(one(OK).is_empty());
    }

    #[test]
    fn population_excludes_vendors_offboarded_before_the_window() {
        let k = KitBuilder::new()
            .file(
                "vendors.csv",
                &format!("{HEAD}{OK}v2,Old,,none,offboarded,2026-01-01T04:59:59Z,,,,,,,\nv3,Edge,2,none,offboarded,2026-01-01T05:00:00Z,,2026-03-01T00:00:00Z,,,,,\nv4,NoDate,2,none,offboarded,,,,,,,,\n"),
            )
            .build();
        let r = run_control(&k, "vendor-management", |_| {});
        // v2 was offboarded before the window; v3 exactly at its start is still in it, and v4
        // (offboarded, date unknown) cannot be shown out of it.
        assert_eq!(test_items(&r, 0), ["v1", "v3"]);
    }

    #[test]
    fn tier_and_record_age() {
        assert_eq!(
            one("v1,X,,none,active,,,2026-03-01T00:00:00Z,,,,,\n"),
            ["no_tier"]
        );
        assert_eq!(one("v1,X,3,none,active,,,,,,,,\n"), ["stale_record"]);
        // The window ends 2026-07-01T04:00Z; exactly 365 days before is 2025-07-01T04:00Z.
        assert!(one("v1,X,3,none,active,,,2025-07-01T04:00:00Z,,,,,\n").is_empty());
        assert_eq!(
            one("v1,X,3,none,active,,,2025-07-01T03:59:59Z,,,,,\n"),
            ["stale_record"]
        );
    }

    #[test]
    fn tier_one_assurance() {
        assert_eq!(
            one("v1,X,1,none,active,,,2026-03-01T00:00:00Z,none,,,,\n"),
            ["missing_assurance"]
        );
        assert_eq!(
            one("v1,X,1,none,active,,,2026-03-01T00:00:00Z,,,,,\n"),
            ["missing_assurance"]
        );
        // Report period end + 365 days must not be before the window's last day (2026-06-30).
        assert!(one("v1,X,1,none,active,,,2026-03-01T00:00:00Z,soc2_type2,2025-06-30,,2026-01-01T00:00:00Z,\n").is_empty());
        assert_eq!(
            one(
                "v1,X,1,none,active,,,2026-03-01T00:00:00Z,soc2_type2,2025-06-29,,2026-01-01T00:00:00Z,\n"
            ),
            ["expired_assurance"]
        );
        // A bridge letter extends it.
        assert!(one("v1,X,1,none,active,,,2026-03-01T00:00:00Z,soc2_type2,2025-01-31,2025-07-31,2026-01-01T00:00:00Z,\n").is_empty());
        assert_eq!(
            one("v1,X,1,none,active,,,2026-03-01T00:00:00Z,iso27001,,,2026-01-01T00:00:00Z,\n"),
            ["expired_assurance"]
        );
        assert_eq!(
            one("v1,X,1,none,active,,,2026-03-01T00:00:00Z,soc2_type2,2026-03-31,,,\n"),
            ["assurance_not_reviewed"]
        );
        // Tier 2 needs none of it.
        assert!(one("v1,X,2,none,active,,,2026-03-01T00:00:00Z,,,,,\n").is_empty());
    }

    #[test]
    fn subprocessor_clause() {
        assert_eq!(
            one("v1,X,2,production,active,,,2026-03-01T00:00:00Z,,,,,\n"),
            ["no_subprocessor_clause"]
        );
        assert_eq!(
            one("v1,X,2,production,active,,,2026-03-01T00:00:00Z,,,,,no\n"),
            ["no_subprocessor_clause"]
        );
        assert!(one("v1,X,2,internal,active,,,2026-03-01T00:00:00Z,,,,,\n").is_empty());
    }

    #[test]
    fn upcoming_expiry_is_a_note() {
        let k = KitBuilder::new().file("vendors.csv", &format!("{HEAD}v1,X,1,none,active,,,2026-03-01T00:00:00Z,soc2_type2,2025-08-01,,2026-01-01T00:00:00Z,\n")).build();
        let r = run_control(&k, "vendor-management", |_| {});
        all_pass(&r, &["v1"]);
        assert_eq!(note_items_of(&r, 0), ["v1"]);
        assert!(
            r.tests[0].notes[0].detail.contains("2026-08-01"),
            "{}",
            r.tests[0].notes[0].detail
        );
    }
}
