//! `security-training` (CC2.2): everyone employed is covered by current awareness training (new
//! hires get a grace period), long overdue stretches are escalated to a manager, and phishing
//! simulations run every period.

use fieldcheck_kit::FastMap;

use fieldcheck_kit::time::{add_days, human_duration};
use fieldcheck_kit::{Training, TrainingEscalation, Ts};
use jiff::Timestamp;

use super::{periods, periods_without};
use crate::control_params::security_training::Params;
use crate::reasons::security_training::{PhishingSimulations, TrainingCompletion};
use crate::{Cx, Dev, Note, Tally, TestResult};

pub(crate) fn run(cx: &Cx<'_, Params>) -> Vec<TestResult> {
    vec![training(cx), phishing(cx)]
}

fn training(cx: &Cx<'_, Params>) -> TestResult {
    let kit = cx.kit;
    let (ws, we) = (cx.w.start_ts, cx.w.end_ts);
    let course = cx.p.course.as_str();
    let new_hire = cx.p.new_hire_days;
    let refresh = cx.p.refresh_days;
    let escalation = cx.p.escalation_days;
    let mut completions: FastMap<&str, Vec<&Training>> = FastMap::default();
    for t in kit.training.iter().filter(|t| &*t.course == course) {
        completions.entry(&t.person_id).or_default().push(t);
    }
    let mut escalations: FastMap<&str, Vec<&TrainingEscalation>> = FastMap::default();
    for e in kit
        .training_escalations
        .iter()
        .filter(|e| e.course.as_deref().is_none_or(|c| c == course))
    {
        escalations.entry(&e.person_id).or_default().push(e);
    }
    let mut tally = Tally::default();
    for p in &kit.people {
        let start = cx.w.midnight(p.start_date);
        let employed = start < we && p.terminated_at.is_none_or(|t| t > ws);
        if !employed {
            continue;
        }
        let end_of_employment = p.terminated_at.map_or(Timestamp::MAX, Ts::get);
        let mut dev = Dev::new(&*p.person_id).lead(format!(
            "{} (started {})",
            cx.who(&p.person_id),
            p.start_date
        ));
        dev.ev(p.loc);
        // Covered intervals (closed), merged: the new-hire grace, then each completion's year.
        // Completions with a time, in order.
        let mut done: Vec<(Timestamp, &Training)> =
            completions.get(&*p.person_id).map_or(Vec::new(), |v| {
                v.iter()
                    .filter_map(|t| Some((t.completed_at?.get(), *t)))
                    .collect()
            });
        done.sort_by_key(|t| t.0);
        // A new hire is covered until `new_hire_days` (exact days) after local midnight of the start date.
        let grace_end = add_days(start, new_hire);
        let mut covered: Vec<(Timestamp, Timestamp)> = vec![(Timestamp::MIN, grace_end)];
        for &(at, _) in &done {
            let iv = (at, add_days(at, refresh));
            match covered.last_mut() {
                Some(last) if iv.0 <= last.1 => last.1 = last.1.max(iv.1),
                _ => covered.push(iv),
            }
        }
        // Uncovered stretches are the open gaps between covered intervals, cut at the termination.
        let mut stretches: Vec<(Timestamp, Timestamp)> = Vec::new();
        for (i, c) in covered.iter().enumerate() {
            let next = covered.get(i + 1).map_or(Timestamp::MAX, |n| n.0);
            let (a, b) = (c.1, next.min(end_of_employment));
            if a < b && a < we && b > ws {
                stretches.push((a, b));
            }
        }
        if stretches.is_empty() {
            tally.add(dev);
            continue;
        }
        let last_done = done.last().map(|t| t.0);
        for (_, t) in &done {
            dev.ev(t.loc);
        }
        let (a0, b0) = stretches[0];
        dev.fail(
            TrainingCompletion::TrainingOverdue,
            format!(
                "not covered by {course} training from {}{} ({})",
                cx.w.local_date(a0),
                if b0 < we {
                    format!(" to {}", cx.w.local_date(b0))
                } else {
                    " through the window's end".to_string()
                },
                match last_done {
                    Some(t) => format!("last completed {}", cx.w.local_date(t)),
                    None => "never completed".to_string(),
                }
            ),
        );
        let mine = escalations
            .get(&*p.person_id)
            .map_or(&[][..], |v| v.as_slice());
        for (a, b) in stretches {
            let counted = b.min(we).duration_since(a);
            if counted <= jiff::SignedDuration::from_hours(escalation * 24) {
                continue;
            }
            let escalated = mine
                .iter()
                .find(|e| e.notified_at.is_some_and(|n| n >= a && n <= b));
            match escalated {
                Some(e) => dev.ev(e.loc),
                None => {
                    dev.fail(
                        TrainingCompletion::OverdueNotEscalated,
                        format!(
                            "overdue for {} from {} with no escalation to a manager",
                            human_duration(counted),
                            cx.w.local_date(a)
                        ),
                    );
                    break;
                }
            }
        }
        tally.add(dev);
    }
    tally.finish("training-completion", Vec::new())
}

fn phishing(cx: &Cx<'_, Params>) -> TestResult {
    let mut result = periods_without(
        "phishing-simulations",
        &periods(cx.w, cx.p.phishing_cadence),
        cx.kit
            .phishing_campaigns
            .iter()
            .map(|c| c.started_at.map(Ts::get)),
        PhishingSimulations::NoPhishingSimulation,
        "no phishing simulation was started",
    );
    result.notes.extend(phishing_results(cx));
    result
}

/// Each campaign of the window whose source gave its recipients' events: how many failed (by
/// `phishing_failure_events`), how many reported, and the phish-prone share of those delivered.
fn phishing_results(cx: &Cx<'_, Params>) -> Vec<Note> {
    let failure = &cx.p.phishing_failure_events;
    let mut notes = Vec::new();
    for c in &cx.kit.phishing_campaigns {
        let (Some(events), Some(started)) = (c.recipient_events.as_deref(), c.started_at) else {
            continue;
        };
        if !cx.w.contains(started) {
            continue;
        }
        let (mut delivered, mut failed, mut reported) = (0u64, 0u64, 0u64);
        let mut unread: Vec<&str> = Vec::new();
        for entry in events.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((set, n)) = entry
                .rsplit_once('=')
                .and_then(|(set, n)| Some((set, n.trim().parse::<u64>().ok()?)))
            else {
                unread.push(entry);
                continue;
            };
            let has = |e: &str| set.split('+').any(|x| x.trim().eq_ignore_ascii_case(e));
            if has("delivered") {
                delivered = delivered.saturating_add(n);
            }
            if failure.iter().any(|f| has(f)) {
                failed = failed.saturating_add(n);
            }
            if has("reported") {
                reported = reported.saturating_add(n);
            }
        }
        // Tenths of a per cent, rounded half up.
        let share = failed
            .saturating_mul(1000)
            .saturating_add(delivered / 2)
            .checked_div(delivered)
            .map_or(String::new(), |t| {
                format!(", {}.{} % phish-prone", t / 10, t % 10)
            });
        notes.push(Note {
            item: c.campaign_id.to_string(),
            detail: format!(
                "campaign {} started {}: {failed} of {delivered} delivered recipients failed (any of {}), {reported} reported{share}{}",
                c.campaign_id,
                cx.w.local_date(started),
                failure.join(", "),
                if unread.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; unreadable `recipient_events` entries not counted: {}",
                        unread.join("; ")
                    )
                }
            ),
        });
    }
    notes
}

#[cfg(test)]
mod tests {
    use crate::builtin::testkit::*;

    const CAMPAIGNS: &str = "campaign_id,started_at,recipients,clicked,reported\nc1,2026-02-10T15:00:00Z,100,5,40\nc2,2026-05-10T15:00:00Z,100,3,50\n";

    fn kit(people: &str, training: &str, escalations: &str) -> Kit {
        KitBuilder::new()
            .file(
                "people.csv",
                &format!("person_id,email,manager_id,start_date,terminated_at\n{people}"),
            )
            .file(
                "training.csv",
                &format!("person_id,course,completed_at\n{training}"),
            )
            .file(
                "training_escalations.csv",
                &format!("person_id,course,notified_at,notified_id\n{escalations}"),
            )
            .file("phishing_campaigns.csv", CAMPAIGNS)
            .build()
    }

    fn of(people: &str, training: &str, escalations: &str) -> Vec<&'static str> {
        reasons_of(
            &run_control(
                &kit(people, training, escalations),
                "security-training",
                |_| {},
            ),
            "p1",
        )
    }

    const VETERAN: &str = "p1,p1@acme.test,m1,2020-01-01,\n";

    #[test]
    fn a_completion_covers_exactly_365_days() {
        // The window starts 2026-01-01T05:00Z and ends 2026-07-01T04:00Z.
        assert!(of(VETERAN, "p1,security-awareness,2025-07-01T04:00:00Z\n", "").is_empty());
        assert_eq!(
            of(VETERAN, "p1,security-awareness,2025-07-01T03:59:59Z\n", ""),
            ["training_overdue"]
        );
        // Only the configured course counts.
        assert_eq!(
            of(
                VETERAN,
                "p1,secure-coding,2026-01-10T00:00:00Z\n",
                "x,y,2026-01-01T00:00:00Z,\n"
            ),
            ["overdue_not_escalated", "training_overdue"]
        );
    }

    #[test]
    fn renewal_before_expiry_leaves_no_gap() {
        assert!(of(VETERAN, "p1,security-awareness,2025-03-01T00:00:00Z\np1,security-awareness,2026-03-01T00:00:00Z\n", "").is_empty());
        assert_eq!(
            of(
                VETERAN,
                "p1,security-awareness,2025-03-01T00:00:00Z\np1,security-awareness,2026-03-01T00:00:01Z\n",
                ""
            ),
            ["training_overdue"]
        );
    }

    #[test]
    fn new_hires_have_thirty_days() {
        // Started 2026-03-01 (midnight EST = 05:00Z): covered for 30 × 24 h, to 2026-03-31T05:00Z
        // (across the DST change, that is 01:00 EDT).
        let hire = "p1,p1@acme.test,m1,2026-03-01,\n";
        assert!(of(hire, "p1,security-awareness,2026-03-31T05:00:00Z\n", "").is_empty());
        assert_eq!(
            of(hire, "p1,security-awareness,2026-03-31T05:00:01Z\n", ""),
            ["training_overdue"]
        );
    }

    #[test]
    fn escalation_after_thirty_days_overdue() {
        // Coverage lapses 2026-02-01T00:00Z; trained again 2026-03-03T00:00Z exactly 30 days later.
        let t = |again: &str| {
            format!("p1,security-awareness,2025-02-01T00:00:00Z\np1,security-awareness,{again}\n")
        };
        assert_eq!(
            of(VETERAN, &t("2026-03-03T00:00:00Z"), ""),
            ["training_overdue"]
        );
        assert_eq!(
            of(VETERAN, &t("2026-03-03T00:00:01Z"), ""),
            ["overdue_not_escalated", "training_overdue"]
        );
        assert_eq!(
            of(
                VETERAN,
                &t("2026-03-10T00:00:00Z"),
                "p1,security-awareness,2026-02-15T00:00:00Z,m1\n"
            ),
            ["training_overdue"]
        );
        assert_eq!(
            of(
                VETERAN,
                &t("2026-03-10T00:00:00Z"),
                "p1,,2026-02-15T00:00:00Z,m1\n"
            ),
            ["training_overdue"]
        );
        // An escalation of another course or outside the stretch does not count.
        assert_eq!(
            of(
                VETERAN,
                &t("2026-03-10T00:00:00Z"),
                "p1,secure-coding,2026-02-15T00:00:00Z,m1\np1,,2026-01-15T00:00:00Z,m1\n"
            ),
            ["overdue_not_escalated", "training_overdue"]
        );
    }

    #[test]
    fn the_counted_stretch_stops_at_termination_and_the_window_end() {
        // Overdue from 2026-06-10; the window ends 2026-07-01: 20 days, no escalation needed.
        assert_eq!(
            of(VETERAN, "p1,security-awareness,2025-06-10T00:00:00Z\n", ""),
            ["training_overdue"]
        );
        // A stretch that began before the window counts from its start.
        assert_eq!(
            of(VETERAN, "p1,security-awareness,2024-06-10T00:00:00Z\n", ""),
            ["overdue_not_escalated", "training_overdue"]
        );
        // Leaving ends the stretch: left 2026-02-20, lapsed 2026-02-01.
        assert_eq!(
            of(
                "p1,p1@acme.test,m1,2020-01-01,2026-02-20T00:00:00Z\n",
                "p1,security-awareness,2025-02-01T00:00:00Z\n",
                ""
            ),
            ["training_overdue"]
        );
        // Lapsed after leaving: fine.
        assert!(
            of(
                "p1,p1@acme.test,m1,2020-01-01,2026-02-20T00:00:00Z\n",
                "p1,security-awareness,2025-03-01T00:00:00Z\n",
                ""
            )
            .is_empty()
        );
    }

    #[test]
    fn population_is_people_employed_in_the_window() {
        let people = "p1,a,,2020-01-01,\np2,b,,2026-06-30,\np3,c,,2026-07-01,\np4,d,,2020-01-01,2026-01-01T05:00:00Z\np5,e,,2020-01-01,2026-01-01T05:00:01Z\n";
        let r = run_control(&kit(people, "", ""), "security-training", |_| {});
        // p3 starts after the window and p4 left exactly at its start.
        assert_eq!(test_items(&r, 0), ["p1", "p2", "p5"]);
    }

    #[test]
    fn phishing_every_quarter() {
        let r = run_control(
            &kit(VETERAN, "p1,security-awareness,2025-12-01T00:00:00Z\n", ""),
            "security-training",
            |_| {},
        );
        assert_eq!(test_items(&r, 1), ["2026-Q1", "2026-Q2"]);
        all_pass(&r, &["2026-Q1", "2026-Q2", "p1"]);
        let k = KitBuilder::new()
            .file("people.csv", "person_id,start_date\n")
            .file(
                "phishing_campaigns.csv",
                "campaign_id,started_at\nc1,2026-04-01T03:59:59Z\n",
            )
            .build();
        let r = run_control(&k, "security-training", |_| {});
        assert_eq!(
            reasons(&r),
            [("2026-Q2".to_string(), vec!["no_phishing_simulation"])]
        );
    }

    /// The phishing test's notes for campaigns with a `recipient_events` column.
    fn phishing_notes(
        campaigns: &str,
        tweak: impl FnOnce(&mut crate::Params),
    ) -> Vec<(String, String)> {
        let k = KitBuilder::new()
            .file("people.csv", "person_id,start_date\n")
            .file(
                "phishing_campaigns.csv",
                &format!("campaign_id,started_at,recipients,clicked,reported,recipient_events\n{campaigns}"),
            )
            .build();
        let r = run_control(&k, "security-training", tweak);
        r.tests[1]
            .notes
            .iter()
            .map(|n| (n.item.clone(), n.detail.clone()))
            .collect()
    }

    /// KnowBe4 recipients as the `knowbe4` source groups them: one clicked, one scanned a QR
    /// code and reported it, one only reported, one bounced.
    const EVENTS: &str = "bounced=1; delivered+opened+clicked=1; delivered+qr_code_scanned+reported=1; delivered+reported=1";

    #[test]
    fn phishing_failure_events_define_who_failed() {
        let line = format!("14240,2026-02-10T14:00:00Z,3,1,2,{EVENTS}\n");
        // By default a QR scan fails like a click (what the KnowBe4 source used to count).
        assert_eq!(
            phishing_notes(&line, |_| {}),
            [(
                "14240".to_string(),
                "campaign 14240 started 2026-02-10: 2 of 3 delivered recipients failed (any of clicked, replied, attachment_opened, macro_enabled, data_entered, qr_code_scanned), 2 reported, 66.7 % phish-prone".to_string()
            )]
        );
        // Boundary: with clicks alone failing, the QR scan does not.
        let notes = phishing_notes(&line, |p| {
            p.set(
                "security-training",
                "phishing_failure_events",
                crate::params::ParamValue::List(vec!["clicked".into()]),
            )
        });
        assert_eq!(
            notes[0].1,
            "campaign 14240 started 2026-02-10: 1 of 3 delivered recipients failed (any of clicked), 2 reported, 33.3 % phish-prone"
        );
    }

    #[test]
    fn only_campaigns_of_the_window_with_events_are_reported() {
        let lines = format!(
            "c1,2026-02-10T14:00:00Z,40,3,12,\nc2,2025-12-10T14:00:00Z,3,1,2,{EVENTS}\nc3,2026-03-10T14:00:00Z,0,0,0,bounced=2; odd\n"
        );
        let notes = phishing_notes(&lines, |_| {});
        // c1 has counts only (nothing to judge), c2 started before the window.
        assert_eq!(
            notes,
            [(
                "c3".to_string(),
                "campaign c3 started 2026-03-10: 0 of 0 delivered recipients failed (any of clicked, replied, attachment_opened, macro_enabled, data_entered, qr_code_scanned), 0 reported; unreadable `recipient_events` entries not counted: odd".to_string()
            )]
        );
    }
}
