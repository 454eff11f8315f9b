//! The register's rules about dates: today in the org's time zone, when a risk acceptance has
//! expired, when an exception is overdue, and which target dates and statuses a change may set.
//!
//! Every face (the command line, a server) applies them through here, so they are written once.
//! Nothing here reads a clock: `now` is the caller's (`FIELDCHECK_NOW` fixes it on the command
//! line).

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::{ExceptionStatus, Register, Result};

/// The moment of a change and the date it falls on in the org's time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Today {
    /// The org's date, `YYYY-MM-DD`: what target dates and acceptances are compared with.
    pub date: String,
    /// The moment, RFC 3339 UTC: when the change is recorded.
    pub at: String,
}

impl Today {
    /// `now` as the register records it, and its date in the time zone `tz` (the org's).
    pub fn at(now: Timestamp, tz: &TimeZone) -> Today {
        Today {
            date: today(now, tz).to_string(),
            at: now.to_string(),
        }
    }
}

/// Today's date in the time zone `tz` (the org's) at `now`.
pub fn today(now: Timestamp, tz: &TimeZone) -> Date {
    now.to_zoned(tz.clone()).date()
}

/// The target close date of an exception found `today` with `days` to fix it (today, when the
/// sum falls outside the calendar).
pub fn target_date(today: Date, days: i64) -> String {
    today
        .checked_add(jiff::Span::new().days(days))
        .unwrap_or(today)
        .to_string()
}

/// Whether an exception in `status` still needs work (open or in remediation).
pub fn is_active(status: ExceptionStatus) -> bool {
    status.is_active()
}

/// Whether an exception is overdue on `today`: still needing work, with its target date past (on
/// its target date it is not overdue yet). [`Register::list`]'s `overdue_on` filter and each run's
/// overdue count apply this rule.
pub fn is_overdue(status: ExceptionStatus, target: &str, today: &str) -> bool {
    is_active(status) && target < today
}

/// Whether a risk accepted `until` a date has expired on `today` (the acceptance holds through
/// its last day).
pub fn acceptance_expired(until: &str, today: &str) -> bool {
    until < today
}

/// Reopens the acceptances that expired before `today` (as `fieldcheck`, at `today.at`): done
/// before anything reads or changes the register, so no list shows a lapsed acceptance.
pub fn expire_acceptances(reg: &mut Register, today: &Today) -> Result<usize> {
    reg.expire_acceptances(&today.date, &today.at, "fieldcheck")
}

/// A date as the register takes it: `YYYY-MM-DD`, a real day.
pub fn check_date(date: &str) -> std::result::Result<Date, String> {
    let b = date.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let parsed = if shape {
        date.parse::<Date>().map_err(|e| e.to_string())
    } else {
        Err("expected `YYYY-MM-DD`".to_string())
    };
    parsed.map_err(|m| format!("`{date}` is not a date ({m})"))
}

/// A target close date a person may set on `today`: a date, and not before today.
pub fn check_target(date: &str, today: &str) -> std::result::Result<(), String> {
    check_date(date)?;
    if date < today {
        return Err(format!(
            "the target date {date} is before today ({today}); give a date from today on"
        ));
    }
    Ok(())
}

/// The statuses a person typed to filter a list by (`exceptions list --status`), each one of
/// [`ExceptionStatus::ALL`]; an unknown one is refused, naming them all.
pub fn parse_statuses(
    statuses: &[impl AsRef<str>],
) -> std::result::Result<Vec<ExceptionStatus>, String> {
    statuses
        .iter()
        .map(|s| {
            s.as_ref()
                .parse::<ExceptionStatus>()
                .map_err(|e| e.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_org_zones_date() {
        let now: Timestamp = "2026-03-01T02:30:00Z".parse().expect("time");
        assert_eq!(today(now, &TimeZone::UTC).to_string(), "2026-03-01");
        let la = TimeZone::get("America/Los_Angeles").expect("zone");
        assert_eq!(today(now, &la).to_string(), "2026-02-28");
        let t = Today::at(now, &la);
        assert_eq!(
            (t.date.as_str(), t.at.as_str()),
            ("2026-02-28", "2026-03-01T02:30:00Z")
        );
    }

    #[test]
    fn overdue_needs_an_active_status_and_a_past_target() {
        use ExceptionStatus::*;
        assert!(is_overdue(Open, "2026-01-09", "2026-01-10"));
        assert!(is_overdue(InRemediation, "2026-01-09", "2026-01-10"));
        assert!(!is_overdue(Open, "2026-01-10", "2026-01-10"));
        assert!(!is_overdue(Remediated, "2026-01-09", "2026-01-10"));
        assert!(!is_overdue(RiskAccepted, "2026-01-09", "2026-01-10"));
    }

    #[test]
    fn an_acceptance_holds_through_its_last_day() {
        assert!(!acceptance_expired("2026-01-10", "2026-01-10"));
        assert!(acceptance_expired("2026-01-09", "2026-01-10"));
    }

    #[test]
    fn targets_are_dates_from_today_on() {
        assert_eq!(check_target("2026-01-10", "2026-01-10"), Ok(()));
        assert_eq!(
            check_target("2026-01-09", "2026-01-10").unwrap_err(),
            "the target date 2026-01-09 is before today (2026-01-10); give a date from today on"
        );
        assert_eq!(
            check_target("10/01/2026", "2026-01-10").unwrap_err(),
            "`10/01/2026` is not a date (expected `YYYY-MM-DD`)"
        );
        assert!(check_date("2026-02-30").is_err());
        assert_eq!(
            target_date("2026-01-10".parse().expect("date"), 30),
            "2026-02-09"
        );
    }

    #[test]
    fn only_known_statuses_filter() {
        assert_eq!(
            parse_statuses(&["open", "remediated"]),
            Ok(vec![ExceptionStatus::Open, ExceptionStatus::Remediated])
        );
        assert_eq!(
            parse_statuses(&["open", "closed"]).unwrap_err(),
            "unknown status `closed`; the statuses are: open, in_remediation, remediated, risk_accepted"
        );
        // Case matters: the register writes them in lower case only.
        assert!(parse_statuses(&["Open"]).is_err());
    }
}
