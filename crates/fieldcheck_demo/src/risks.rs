//! risks.csv, risk_reviews.csv and risk_links.csv: the risk register and its quarterly reviews.

use std::io;
use std::path::Path;

use crate::csv::{Csv, Written};
use crate::files;
use crate::org::{
    CFO, CISO, CTO, HEAD_IT, HEAD_PEOPLE, Org, SYSTEMS, VP_CS, VP_ENG, VP_PRODUCT, VP_SALES,
};
use crate::rng::Rng;
use crate::time::{Clock, HOUR, MINUTE, Ts, W0_DAY, days, workday_on_or_after};
use crate::vendors::VendorInfo;

const TITLES: &[&str] = &[
    "Compromise of a privileged AWS credential",
    "Ransomware on employee laptops",
    "Outage or breach at a critical SaaS vendor",
    "Customer data exposed through a misconfigured S3 bucket",
    "Loss of the production database without a usable backup",
    "Insider misuse of production data access",
    "Phishing leads to IdP account takeover",
    "Unpatched critical vulnerability in a public service",
    "Leaver keeps access to customer data",
    "Unreviewed code reaches production",
    "Key person dependency in the SRE team",
    "Region-wide AWS outage in us-east-1",
    "Payment provider failure, delayed payouts",
    "Breach of a sub-processor holding customer PII",
    "DDoS against the public API",
    "Secrets committed to a GitHub repository",
    "Failure to meet contractual SLAs, penalties and churn",
    "GDPR data subject request missed",
    "Shadow IT: unsanctioned SaaS with company data",
    "Logging gaps delay incident detection",
    "Weak segregation between staging and production",
    "Third-party JavaScript (\"supply chain\") injection",
    "Mobile app signing key compromise",
    "Loss of source code integrity (force-push, tampering)",
    "Fraudulent wire transfer via business email compromise",
    "Encryption key deletion renders data unrecoverable",
    "Unvetted contractor access to production",
    "Stale service account credentials abused",
    "Capacity exhaustion during peak season",
    "Regulatory change in data residency, EU customers",
    "Incomplete asset inventory",
    "Backup restore exceeds RTO",
    "Open-source licence non-compliance",
    "Social engineering of the support desk",
    "Compromised CI/CD pipeline deploys malicious build",
    "DNS hijack of northpeak.io",
    "Physical theft of office equipment",
    "Vendor lock-in for the data warehouse",
    "Insufficient security awareness of new hires",
    "Data pipeline leaks PII into analytics",
    "Expired TLS certificate causes outage",
    "Misuse of AI coding assistants with customer data",
    "Account takeover of customer admin users",
    "Database migration corrupts tenant data",
    "Loss of the Okta tenant configuration",
    "Unmonitored privileged sessions",
    "Delayed patching of container base images",
    "Inadequate incident response on weekends",
    "Sales CRM exported by a departing employee",
    "Certificate authority compromise",
    "Rate-limit bypass enables scraping",
    "Unencrypted laptop lost while travelling",
    "Failure of the sole HRIS integration",
    "Webhook endpoint abused for SSRF",
    "Insecure default configuration of new services",
    "Budget cuts reduce the security programme",
    "Quantum-era cryptography migration",
    "Audit evidence not retained for the period",
    "Misconfigured IAM trust policy allows cross-account access",
    "Business continuity plan untested",
];

pub(crate) fn write(
    dir: &Path,
    clock: &Clock,
    org: &Org,
    vendors: &[VendorInfo],
    emergencies: &[String],
) -> io::Result<Vec<Written>> {
    let mut rng = Rng::stream(org.seed, "risks", 0);
    let count = (30 + org.people.len() / 100).min(TITLES.len());
    let owners: Vec<u32> = [
        CTO,
        CISO,
        VP_ENG,
        CFO,
        HEAD_IT,
        VP_SALES,
        HEAD_PEOPLE,
        VP_PRODUCT,
        VP_CS,
    ]
    .iter()
    .map(|&s| org.exec(s))
    .collect();
    let work = |rng: &mut Rng, lo: i32, hi: i32| {
        clock.local(
            workday_on_or_after(rng.range(i64::from(lo), i64::from(hi)) as i32),
            10 * HOUR + rng.range(0, 7 * HOUR),
        )
    };

    struct Risk {
        owner: u32,
        l: i64,
        i: i64,
        rl: i64,
        ri: i64,
        treatment: Option<&'static str>,
        due: Option<i32>,
        created: Ts,
        closed: Option<Ts>,
    }
    let mut risks: Vec<Risk> = Vec::with_capacity(count);
    for _ in 0..count {
        let l = 1 + rng.below(3) as i64 + rng.below(3) as i64;
        let i = 1 + rng.below(3) as i64 + rng.below(3) as i64;
        let rl = (l - rng.range(0, 3)).max(1);
        let ri = (i - rng.range(0, 2)).max(1);
        let roll = rng.below(100);
        let treatment = match roll {
            0..60 => "mitigate",
            60..85 => "accept",
            85..95 => "transfer",
            _ => "avoid",
        };
        let due = (treatment == "mitigate")
            .then(|| rng.range(i64::from(days(2026, 6, 1)), i64::from(days(2027, 6, 30))) as i32);
        let roll = rng.below(100);
        let created = match roll {
            0..80 => work(&mut rng, days(2023, 6, 1), days(2025, 12, 15)),
            80..92 => work(&mut rng, days(2026, 4, 6), days(2026, 6, 20)),
            _ => work(&mut rng, days(2026, 7, 6), days(2026, 8, 28)),
        };
        let closed = if created < clock.midnight(days(2025, 12, 1)) && rng.chance(0.12) {
            Some(if rng.chance(0.5) {
                work(&mut rng, days(2025, 1, 6), days(2026, 3, 20))
            } else {
                work(&mut rng, days(2026, 4, 6), days(2026, 9, 20))
            })
            .filter(|&c| c > created)
        } else {
            None
        };
        risks.push(Risk {
            owner: *rng.pick(&owners),
            l,
            i,
            rl,
            ri,
            treatment: Some(treatment),
            due,
            created,
            closed,
        });
    }
    // A couple of risks above appetite (12) with no treatment plan.
    let mut open_old: Vec<usize> = (0..count)
        .filter(|&k| risks[k].closed.is_none() && risks[k].created < clock.midnight(W0_DAY))
        .collect();
    rng.shuffle(&mut open_old);
    for (j, &k) in open_old.iter().take(2).enumerate() {
        let r = &mut risks[k];
        (r.l, r.i, r.rl, r.ri) = (4, 5, 4, 4);
        if j == 0 {
            r.treatment = None;
            r.due = None;
        } else {
            r.treatment = Some("mitigate");
            r.due = None;
        }
    }

    let mut out = Csv::create(dir, files::RISKS.0, files::RISKS.1, clock)?;
    for (k, r) in risks.iter().enumerate() {
        out.text(&format!("R-{:03}", k + 1))?
            .text(TITLES[k])?
            .text(org.person_ref(r.owner, false))?
            .int(r.l)?
            .int(r.i)?
            .int(r.rl)?
            .int(r.ri)?
            .opt(r.treatment)?
            .opt_date(r.due)?
            .text(if r.closed.is_some() { "closed" } else { "open" })?
            .ts(r.created)?
            .opt_ts(r.closed)?
            .end()?;
    }
    let mut result = vec![out.finish()?];

    // The risk committee meets once a quarter; it skipped the second quarter of 2026 and caught up in July.
    let mut meetings: Vec<i32> = Vec::new();
    for year in 2024..=2026 {
        for q in 1..=4u32 {
            if year == 2026 && q == 2 {
                continue;
            }
            meetings.push(days(year, 3 * q, 10) + rng.range(0, 12) as i32);
        }
    }
    meetings.push(days(2026, 7, 7) + rng.range(0, 3) as i32);
    meetings.sort_unstable();
    let mut out = Csv::create(dir, files::RISK_REVIEWS.0, files::RISK_REVIEWS.1, clock)?;
    for &m in &meetings {
        let day = workday_on_or_after(m);
        let start = clock.local(day, 14 * HOUR);
        if start > org.collect {
            continue;
        }
        for (k, r) in risks.iter().enumerate() {
            if r.created >= start || r.closed.is_some_and(|c| c < start) || !rng.chance(0.9) {
                continue;
            }
            let reviewer = if rng.chance(0.6) {
                r.owner
            } else {
                org.exec(CISO)
            };
            out.text(&format!("R-{:03}", k + 1))?
                .ts(start + k as i64 * 2 * MINUTE)?
                .text(org.person_ref(reviewer, false))?
                .end()?;
        }
    }
    result.push(out.finish()?);

    let mut out = Csv::create(dir, files::RISK_LINKS.0, files::RISK_LINKS.1, clock)?;
    let risk_id = |k: usize| format!("R-{:03}", k + 1);
    let in_scope: Vec<usize> = (0..SYSTEMS.len())
        .filter(|&s| SYSTEMS[s].in_scope)
        .collect();
    for k in 0..count {
        let first = rng.index(in_scope.len());
        let links = rng.below(3) as usize;
        for j in 0..links {
            let sys = in_scope[(first + 3 * j) % in_scope.len()];
            out.text(&risk_id(k))?
                .text("system")?
                .text(SYSTEMS[sys].id)?
                .end()?;
        }
    }
    // Tier-1 vendors are linked to the vendor risk, except a few nobody linked.
    let mut tier1: Vec<usize> = (0..vendors.len())
        .filter(|&v| vendors[v].tier1_active)
        .collect();
    rng.shuffle(&mut tier1);
    let unlinked = ((tier1.len() as f64 * 0.2).round() as usize)
        .max(1)
        .min(tier1.len());
    let mut linked: Vec<usize> = tier1[unlinked..].to_vec();
    linked.sort_unstable();
    let vendor_risk = 2.min(count - 1);
    for v in linked {
        let k = if vendors[v].name.contains("Payments") {
            12.min(count - 1)
        } else {
            vendor_risk
        };
        out.text(&risk_id(k))?
            .text("vendor")?
            .text(&vendors[v].id)?
            .end()?;
    }
    for j in 0..6usize {
        let k = rng.index(count);
        out.text(&risk_id(k))?
            .text("vulnerability")?
            .text(&format!("CVE-2026-{}", 21_000 + j * 1_337 + rng.index(900)))?
            .end()?;
    }
    for id in emergencies {
        out.text(&risk_id(9.min(count - 1)))?
            .text("change")?
            .text(id)?
            .end()?;
    }
    result.push(out.finish()?);
    Ok(result)
}
