//! Calibration: the published worked examples of concluding on a census, each as a small kit
//! read by the real reader and run through the real control, checked against the conclusion the
//! method draws. Examples C1–C6 are from the Chiaro methodology v1.6, `method/type2-testing.md`
//! (Y Assurance PLLC, CC BY 4.0, github.com/Chiaro-HQ/methodology); the small-population and
//! multi-system cases are restated in `type2-method.md`. The window is a calendar year.

use crate::Conclusion;
use crate::builtin::testkit::{KitBuilder, run_control_in, window_of};

fn year() -> fieldcheck_kit::Window {
    window_of("2025-01-01", "2025-12-31")
}

const TEN_AUTHORS: usize = 10;

/// 214 production deploys spread over the year, each ticketed, approved and peer reviewed,
/// except `unreviewed` (index → author), whose pull request has no approving review.
fn changes(unreviewed: &[(usize, &str)]) -> KitBuilder {
    let t0: jiff::Timestamp = "2025-01-02T15:00:00Z".parse().expect("time");
    let (mut deploys, mut tickets, mut prs, mut reviews) = (
        String::from(
            "deploy_id,system_id,environment,deployed_at,deployer_id,commit_sha,pr_id,ticket_id\n",
        ),
        String::from(
            "ticket_id,type,title,created_at,requester_id,approver_id,approved_at,retro_reviewed_at\n",
        ),
        String::from("pr_id,repo,author_id,created_at,merged_at,merge_commit_sha,checks_passed\n"),
        String::from("pr_id,reviewer_id,state,submitted_at\n"),
    );
    let mut people = String::from(
        "person_id,email,start_date\nops,ops@acme.test,2020-01-01\nmgr,mgr@acme.test,2020-01-01\n",
    );
    for a in 0..TEN_AUTHORS {
        people.push_str(&format!("dev{a},dev{a}@acme.test,2020-01-01\n"));
    }
    for i in 0..214usize {
        let at = t0 + jiff::SignedDuration::from_mins((i as i64) * 362 * 24 * 60 / 214);
        let h = |hours: i64| at - jiff::SignedDuration::from_hours(hours);
        let special = unreviewed.iter().find(|(j, _)| *j == i);
        let author = special.map_or(format!("dev{}", i % TEN_AUTHORS), |(_, a)| a.to_string());
        let reviewer = format!("dev{}", (i + 1) % TEN_AUTHORS);
        deploys.push_str(&format!(
            "d{i},api,production,{at},ops,sha{i},acme/api#{i},CHG-{i}\n"
        ));
        tickets.push_str(&format!(
            "CHG-{i},normal,Change {i},{},{author},mgr,{},\n",
            h(24),
            h(3)
        ));
        prs.push_str(&format!(
            "acme/api#{i},acme/api,{author},{},{},sha{i},true\n",
            h(24),
            h(1)
        ));
        if special.is_none() {
            reviews.push_str(&format!("acme/api#{i},{reviewer},approved,{}\n", h(2)));
        }
    }
    KitBuilder::new()
        .file("systems.csv", "system_id,in_scope\napi,true\n")
        .file("people.csv", &people)
        .file("deploys.csv", &deploys)
        .file("changes.csv", &tickets)
        .file("pull_requests.csv", &prs)
        .file("pr_reviews.csv", &reviews)
}

fn conclude_changes(unreviewed: &[(usize, &str)]) -> (Option<Conclusion>, String) {
    let r = run_control_in(
        &changes(unreviewed).build(),
        "change-management",
        &year(),
        |_| {},
    );
    let t = &r.tests[0];
    assert_eq!(t.population, 214);
    // Exactly the unreviewed deploys deviate, each for the missing review alone.
    let mut want: Vec<String> = unreviewed.iter().map(|(i, _)| format!("d{i}")).collect();
    want.sort();
    let mut got: Vec<String> = t.deviations.iter().map(|d| d.item.to_string()).collect();
    got.sort();
    assert_eq!(got, want, "{:?}", t.deviations);
    assert!(t.deviations.iter().all(|d| d.reasons == ["no_peer_review"]));
    (r.judgement.conclusion, r.judgement.sentence)
}

/// The index of the deploy made on `date` (the kit makes one every ~1.7 days).
fn on(date: &str) -> usize {
    let d: jiff::civil::Date = date.parse().expect("date");
    let days = d
        .since(jiff::civil::date(2025, 1, 2))
        .expect("span")
        .get_days() as i64;
    (days * 214 / 362) as usize
}

#[test]
fn c1_three_misses_clustered_in_one_week_by_one_author_are_isolated() {
    // "3 merged without review, all inside one week in November, same author, while the second
    // reviewer was out": control effective, 3 exceptions disclosed.
    let week = [on("2025-11-10"), on("2025-11-12"), on("2025-11-14")];
    let misses: Vec<(usize, &str)> = week.iter().map(|&i| (i, "dev3")).collect();
    let (c, why) = conclude_changes(&misses);
    assert_eq!(c, Some(Conclusion::EffectiveWithExceptions), "{why}");
    assert!(
        why.contains("3 of 214 deploys (1.4 %) deviate, all in 2025-11"),
        "{why}"
    );
}

#[test]
fn c2_three_misses_spread_over_the_year_by_three_authors_are_isolated() {
    // "spread alone is not a systematic marker".
    let misses = [
        (on("2025-02-12"), "dev1"),
        (on("2025-05-20"), "dev5"),
        (on("2025-09-09"), "dev8"),
    ];
    let (c, why) = conclude_changes(&misses);
    assert_eq!(c, Some(Conclusion::EffectiveWithExceptions), "{why}");
    assert!(why.contains("in 3 of 12 months"), "{why}");
}

#[test]
fn c3_forty_misses_in_every_month_are_how_the_period_operated() {
    // "18.7% is not exceptions; it is how the period actually operated. Ineffective."
    let misses: Vec<(usize, String)> = (0..40)
        .map(|k| (k * 214 / 40 + 1, format!("dev{}", k % TEN_AUTHORS)))
        .collect();
    let refs: Vec<(usize, &str)> = misses.iter().map(|(i, a)| (*i, a.as_str())).collect();
    let (c, why) = conclude_changes(&refs);
    assert_eq!(c, Some(Conclusion::Ineffective), "{why}");
    assert_eq!(
        why,
        "ineffective: 40 of 214 deploys (18.7 %) deviate, above 5 %, in every month of the window"
    );
}

#[test]
fn c3_boundary_the_rate_turns_between_10_and_11_of_214() {
    let misses = |n: usize| -> Vec<(usize, String)> {
        (0..n)
            .map(|k| (k * 214 / n + 2, format!("dev{}", k % TEN_AUTHORS)))
            .collect()
    };
    for (n, want) in [
        (10, Conclusion::EffectiveWithExceptions),
        (11, Conclusion::Ineffective),
    ] {
        let m = misses(n);
        let refs: Vec<(usize, &str)> = m.iter().map(|(i, a)| (*i, a.as_str())).collect();
        let (c, why) = conclude_changes(&refs);
        assert_eq!(c, Some(want), "{n} of 214: {why}");
    }
}

/// Quarterly access reviews of `systems` systems over the year; `late` and `missing` name
/// (system, quarter) pairs completed 20 days after the grace period's start, or never started.
fn reviews(systems: usize, late: &[(usize, usize)], missing: &[(usize, usize)]) -> KitBuilder {
    let mut sys = String::from("system_id,in_scope\n");
    let mut accounts = String::from("system_id,account_id,kind,person_id,created_at,disabled_at\n");
    let mut revs = String::from("review_id,system_id,started_at,completed_at,owner_id\n");
    let mut decisions =
        String::from("review_id,system_id,account_id,reviewer_id,decision,decided_at\n");
    let quarter_end = ["2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31"];
    for s in 0..systems {
        sys.push_str(&format!("s{s},true\n"));
        accounts.push_str(&format!("s{s},alice,human,p1,2024-01-01T00:00:00Z,\n"));
        for (q, end) in quarter_end.iter().enumerate() {
            if missing.contains(&(s, q)) {
                continue;
            }
            let end: jiff::civil::Date = end.parse().expect("date");
            let started = end.checked_sub(jiff::Span::new().days(20)).expect("date");
            let done = if late.contains(&(s, q)) {
                end.checked_add(jiff::Span::new().days(20)).expect("date")
            } else {
                end.checked_sub(jiff::Span::new().days(10)).expect("date")
            };
            revs.push_str(&format!(
                "r{s}q{q},s{s},{started}T15:00:00Z,{done}T15:00:00Z,p2\n"
            ));
            decisions.push_str(&format!(
                "r{s}q{q},s{s},alice,p2,keep,{started}T16:00:00Z\n"
            ));
        }
    }
    KitBuilder::new()
        .file("systems.csv", &sys)
        .file("people.csv", "person_id,email,start_date\np1,alice@acme.test,2020-01-01\np2,bob@acme.test,2020-01-01\n")
        .file("accounts.csv", &accounts)
        .file("access_reviews.csv", &revs)
        .file("access_review_decisions.csv", &decisions)
}

fn conclude_reviews(k: KitBuilder) -> (Option<Conclusion>, Vec<&'static str>, String) {
    let r = run_control_in(&k.build(), "access-reviews", &year(), |_| {});
    let kinds = r
        .judgement
        .markers
        .iter()
        .map(|m| m.kind.as_str())
        .collect();
    (r.judgement.conclusion, kinds, r.judgement.sentence)
}

#[test]
fn c4_one_late_review_of_four_is_an_exception() {
    // "Late is not absent": 4 reviews, one completed after the grace period → exception,
    // control effective.
    let (c, markers, why) = conclude_reviews(reviews(1, &[(0, 1)], &[]));
    assert_eq!(c, Some(Conclusion::EffectiveWithExceptions), "{why}");
    assert!(markers.is_empty());
    assert!(
        why.contains("1 of 4 system-quarters (25 %) deviates"),
        "{why}"
    );
}

#[test]
fn c5_a_quarter_with_no_review_did_not_operate() {
    // "A missing quarter is not late": the control did not operate for a slice of the window.
    let (c, markers, why) = conclude_reviews(reviews(1, &[], &[(0, 2)]));
    assert_eq!(
        (c, markers),
        (Some(Conclusion::Ineffective), vec!["missed_period"]),
        "{why}"
    );
    assert!(why.contains("(s0/2025-Q3)"), "{why}");
}

#[test]
fn c5_across_ten_systems_one_missed_quarter_is_still_absence_not_a_rate() {
    // 10 systems × 4 quarters: one system's Q3 never reviewed is 2.5 %, below any rate, and
    // still a period in which the control did not operate.
    let (c, markers, _) = conclude_reviews(reviews(10, &[], &[(6, 2)]));
    assert_eq!(
        (c, markers),
        (Some(Conclusion::Ineffective), vec!["missed_period"])
    );
    // Boundary: the same quarter reviewed late instead: 1 of 40, isolated.
    let (c, markers, _) = conclude_reviews(reviews(10, &[(6, 2)], &[]));
    assert_eq!(
        (c, markers),
        (Some(Conclusion::EffectiveWithExceptions), vec![])
    );
}

#[test]
fn c6_an_empty_population_is_not_occurring_never_a_pass() {
    let k = KitBuilder::new()
        .file("vendors.csv", "vendor_id,name,tier\n")
        .build();
    let r = run_control_in(&k, "vendor-management", &year(), |_| {});
    assert_eq!(r.judgement.conclusion, Some(Conclusion::NotOccurring));
}

#[test]
fn a_quarter_without_a_phishing_simulation_did_not_operate() {
    // Quarterly phishing simulations in Q1, Q2 and Q4 only.
    let k = KitBuilder::new()
        .file("people.csv", "person_id,email,start_date\n")
        .file("training.csv", "person_id,course,completed_at\n")
        .file(
            "training_escalations.csv",
            "person_id,course,notified_at,notified_id\n",
        )
        .file(
            "phishing_campaigns.csv",
            "campaign_id,started_at,recipients,clicked,reported\nc1,2025-02-10T15:00:00Z,100,5,40\nc2,2025-05-10T15:00:00Z,100,3,50\nc4,2025-11-10T15:00:00Z,100,2,55\n",
        )
        .build();
    let r = run_control_in(&k, "security-training", &year(), |_| {});
    let kinds: Vec<&str> = r
        .judgement
        .markers
        .iter()
        .map(|m| m.kind.as_str())
        .collect();
    assert_eq!(
        (r.judgement.conclusion, kinds),
        (Some(Conclusion::Ineffective), vec!["missed_period"])
    );
}
