//! `risk-register` (CC3.1, CC3.2): open risks are owned, scored, reviewed every quarter and
//! treated when above appetite; the register is refreshed each quarter; tier-1 vendors are in it.

use fieldcheck_kit::{FastMap, FastSet};

use fieldcheck_kit::time::add_days;
use fieldcheck_kit::{RiskLinkKind, RiskReview, Treatment, Ts};

use super::periods_without;
use super::vendor_management::active_in_window;
use crate::control_params::risk_register::Params;
use crate::reasons::risk_register::{RegisterRefresh, RiskReviews, VendorCoverage};
use crate::{Cx, Dev, Tally, TestResult};

pub(crate) fn run(cx: &Cx<'_, Params>) -> Vec<TestResult> {
    vec![reviews(cx), refresh(cx), vendor_coverage(cx)]
}

fn reviews(cx: &Cx<'_, Params>) -> TestResult {
    let kit = cx.kit;
    let (ws, we) = (cx.w.start_ts, cx.w.end_ts);
    let max_age = cx.p.review_max_age_days;
    let appetite = cx.p.appetite;
    let mut by_risk: FastMap<&str, Vec<&RiskReview>> = FastMap::default();
    for r in &kit.risk_reviews {
        by_risk.entry(&r.risk_id).or_default().push(r);
    }
    for v in by_risk.values_mut() {
        v.sort_by_key(|r| r.reviewed_at);
    }
    let quarters = cx.w.quarters();
    let mut tally = Tally::default();
    for r in &kit.risks {
        let open = r.created_at.is_none_or(|c| c < we) && r.closed_at.is_none_or(|c| c > ws);
        if !open {
            continue;
        }
        let mut dev = Dev::new(&*r.risk_id).lead(format!(
            "risk {}{}",
            r.risk_id,
            r.title
                .as_deref()
                .map(|t| format!(" \"{t}\""))
                .unwrap_or_default()
        ));
        dev.ev(r.loc);
        dev.person("owner", r.owner_id.as_deref());
        if r.owner_id.is_none() {
            dev.fail(RiskReviews::NoOwner, "has no owner");
        }
        if r.likelihood.is_none() || r.impact.is_none() {
            dev.fail(RiskReviews::NotScored, "has no likelihood or impact");
        }
        let reviews = by_risk.get(&*r.risk_id).map_or(&[][..], |v| v.as_slice());
        for q in &quarters {
            let at = q.end;
            let existed = r.created_at.is_none_or(|c| c <= at);
            let not_closed = r.closed_at.is_none_or(|c| c > at);
            if !(existed && not_closed) {
                continue;
            }
            let last = reviews
                .iter()
                .rev()
                .find(|x| x.reviewed_at.is_some_and(|t| t <= at));
            let last_at = last.and_then(|x| x.reviewed_at);
            let reference = last_at.or(r.created_at);
            let stale = reference.is_none_or(|t| t < add_days(at, -max_age));
            if stale {
                if let Some(l) = last {
                    dev.ev(l.loc);
                }
                dev.fail(
                    RiskReviews::StaleReview,
                    match (last_at, r.created_at) {
                        (Some(l), _) => format!("at the end of {} it was last reviewed {}, more than {max_age} days before", q.label, cx.w.local_date(l)),
                        (None, Some(c)) => format!("at the end of {} it had not been reviewed since its creation {}", q.label, cx.w.local_date(c)),
                        (None, None) => format!("at the end of {} it had never been reviewed", q.label),
                    },
                );
                break;
            }
        }
        let residual = match (r.residual_likelihood, r.residual_impact) {
            (Some(l), Some(i)) => Some(l * i),
            _ => r.likelihood.zip(r.impact).map(|(l, i)| l * i),
        };
        if let Some(score) = residual
            && score >= appetite
        {
            match r.treatment {
                None => dev.fail(RiskReviews::AboveAppetiteUntreated, format!("residual score {score} is at or above appetite {appetite} with no treatment")),
                Some(Treatment::Mitigate) if r.treatment_due.is_none() => {
                    dev.fail(RiskReviews::AboveAppetiteUntreated, format!("residual score {score} is at or above appetite {appetite} and its mitigation has no due date"))
                }
                _ => {}
            }
        }
        tally.add(dev);
    }
    tally.finish("risk-reviews", Vec::new())
}

fn refresh(cx: &Cx<'_, Params>) -> TestResult {
    periods_without(
        "register-refresh",
        &cx.w.quarters(),
        cx.kit
            .risk_reviews
            .iter()
            .map(|r| r.reviewed_at.map(Ts::get)),
        RegisterRefresh::RegisterNotRefreshed,
        "no risk was reviewed",
    )
}

fn vendor_coverage(cx: &Cx<'_, Params>) -> TestResult {
    let linked: FastSet<&str> = cx
        .kit
        .risk_links
        .iter()
        .filter(|l| l.kind == Some(RiskLinkKind::Vendor))
        .map(|l| &*l.ref_id)
        .collect();
    let mut tally = Tally::default();
    for v in cx
        .kit
        .vendors
        .iter()
        .filter(|v| v.tier == Some(1) && active_in_window(v, cx.w))
    {
        let mut dev = Dev::new(&*v.vendor_id);
        dev.ev(v.loc);
        dev.person("owner", v.owner_id.as_deref());
        if !linked.contains(&*v.vendor_id) {
            dev.fail(
                VendorCoverage::VendorRiskUnlinked,
                format!(
                    "tier-1 vendor {} has no linked risk",
                    v.name.as_deref().unwrap_or(&v.vendor_id)
                ),
            );
        }
        tally.add(dev);
    }
    tally.finish("vendor-coverage", Vec::new())
}

#[cfg(test)]
mod tests {
    use crate::builtin::testkit::*;
    use crate::params::ParamValue;

    const HEAD: &str = "risk_id,title,owner_id,likelihood,impact,residual_likelihood,residual_impact,treatment,treatment_due,status,created_at,closed_at\n";
    const REVIEWS_ALL: &str = "r1,2026-03-01T00:00:00Z,p1\nr1,2026-05-15T00:00:00Z,p1\n";

    fn kit(risks: &str, reviews: &str, links: &str, vendors: &str) -> Kit {
        KitBuilder::new()
            .file("risks.csv", &format!("{HEAD}{risks}"))
            .file(
                "risk_reviews.csv",
                &format!("risk_id,reviewed_at,reviewer_id\n{reviews}"),
            )
            .file("risk_links.csv", &format!("risk_id,kind,ref_id\n{links}"))
            .file(
                "vendors.csv",
                &format!("vendor_id,name,tier,status,offboarded_at\n{vendors}"),
            )
            .build()
    }

    fn r1(risk: &str, reviews: &str) -> Vec<&'static str> {
        reasons_of(
            &run_control(&kit(risk, reviews, "", ""), "risk-register", |_| {}),
            "r1",
        )
    }

    #[test]
    fn ownership_and_scoring() {
        assert!(
            r1(
                "r1,Breach,p1,2,3,,,mitigate,2026-09-01,open,2025-12-01T00:00:00Z,\n",
                REVIEWS_ALL
            )
            .is_empty()
        );
        assert_eq!(
            r1(
                "r1,Breach,,2,3,,,mitigate,2026-09-01,open,2025-12-01T00:00:00Z,\n",
                REVIEWS_ALL
            ),
            ["no_owner"]
        );
        assert_eq!(
            r1(
                "r1,Breach,p1,,3,,,mitigate,2026-09-01,open,2025-12-01T00:00:00Z,\n",
                REVIEWS_ALL
            ),
            ["not_scored"]
        );
    }

    #[test]
    fn stale_review_at_a_quarters_end() {
        // Q1 ends 2026-04-01T04:00Z; 90 days before is 2026-01-01T04:00Z.
        let risk = "r1,Breach,p1,2,3,,,,,open,2025-06-01T00:00:00Z,\n";
        assert!(
            r1(
                risk,
                "r1,2026-01-01T04:00:00Z,p1\nr1,2026-06-01T00:00:00Z,p1\n"
            )
            .is_empty()
        );
        assert_eq!(
            r1(
                risk,
                "r1,2026-01-01T03:59:59Z,p1\nr1,2026-04-15T00:00:00Z,p1\n"
            ),
            ["stale_review"]
        );
        // Never reviewed: created_at is the reference.
        assert_eq!(r1(risk, ""), ["stale_review"]);
        assert!(
            r1(
                "r1,Breach,p1,2,3,,,,,open,2026-03-15T00:00:00Z,\n",
                "r1,2026-06-01T00:00:00Z,p1\n"
            )
            .is_empty()
        );
        // Closed before Q2 ended: Q2 is not judged.
        assert!(
            r1(
                "r1,Breach,p1,2,3,,,,,closed,2026-03-15T00:00:00Z,2026-06-20T00:00:00Z\n",
                ""
            )
            .is_empty()
        );
    }

    #[test]
    fn appetite() {
        // 3 × 4 = 12 is at appetite.
        assert_eq!(
            r1(
                "r1,Breach,p1,3,4,,,,,open,2026-01-10T00:00:00Z,\n",
                REVIEWS_ALL
            ),
            ["above_appetite_untreated"]
        );
        assert_eq!(
            r1(
                "r1,Breach,p1,3,4,,,mitigate,,open,2026-01-10T00:00:00Z,\n",
                REVIEWS_ALL
            ),
            ["above_appetite_untreated"]
        );
        assert!(
            r1(
                "r1,Breach,p1,3,4,,,accept,,open,2026-01-10T00:00:00Z,\n",
                REVIEWS_ALL
            )
            .is_empty()
        );
        assert!(
            r1(
                "r1,Breach,p1,5,5,2,5,,,open,2026-01-10T00:00:00Z,\n",
                REVIEWS_ALL
            )
            .is_empty()
        );
        // With no treatment at all, the appetite reason alone.
        assert_eq!(
            r1(
                "r1,Breach,p1,3,4,,,,,open,2026-01-10T00:00:00Z,\n",
                REVIEWS_ALL
            ),
            ["above_appetite_untreated"]
        );
        let r = run_control(
            &kit(
                "r1,Breach,p1,3,4,,,,,open,2026-01-10T00:00:00Z,\n",
                REVIEWS_ALL,
                "",
                "",
            ),
            "risk-register",
            |p| p.set("risk-register", "appetite", ParamValue::Int(13)),
        );
        passes(&r, "r1");
        assert!(reasons(&r).is_empty());
    }

    #[test]
    fn population_is_risks_open_in_the_window() {
        let risks = "r1,a,p1,1,1,,,,,open,,\nr2,b,p1,1,1,,,,,closed,2025-01-01T00:00:00Z,2026-01-01T05:00:00Z\nr3,c,p1,1,1,,,,,open,2026-07-01T04:00:00Z,\n";
        let r = run_control(&kit(risks, REVIEWS_ALL, "", ""), "risk-register", |_| {});
        // r2 closed exactly at the window's start and r3 opens after its end.
        assert_eq!(test_items(&r, 0), ["r1"]);
    }

    #[test]
    fn register_refresh_and_vendor_coverage() {
        let r = run_control(
            &kit(
                "",
                "r1,2026-03-01T00:00:00Z,p1\n",
                "r1,vendor,v1\nr1,system,v2\n",
                "v1,Pay,1,active,\nv2,Mail,1,active,\nv3,Old,1,offboarded,2025-12-01T00:00:00Z\nv4,Low,2,active,\n",
            ),
            "risk-register",
            |_| {},
        );
        assert_eq!(test_items(&r, 1), ["2026-Q1", "2026-Q2"]);
        // v3 was offboarded before the window and v4 is not tier 1.
        assert_eq!(test_items(&r, 2), ["v1", "v2"]);
        assert_eq!(
            reasons(&r),
            [
                ("2026-Q2".to_string(), vec!["register_not_refreshed"]),
                ("v2".to_string(), vec!["vendor_risk_unlinked"])
            ]
        );
    }
}
