//! Time in the org's zone: parsing kit values, the observation window and its calendar periods.
//!
//! The window is half-open: it runs from local midnight at the start of `window.start` to local
//! midnight at the end of `window.end`. Calendar periods (months, quarters) belong to the window
//! when their last day falls within it; a period itself is never clipped to the window.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};

/// Why a timestamp cell could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TsError {
    /// A valid date-time without an offset or `Z`.
    Naive,
    /// Not a timestamp at all.
    Invalid(String),
}

/// Parses an RFC 3339 timestamp with an offset or `Z`; a naive one (a date and time without
/// offset) is read in `naive_tz` when given, and is an error otherwise.
///
/// The grammar is RFC 3339's, strictly: `YYYY-MM-DD`, `T` (or `t`, or a space, as RFC 3339
/// allows), `HH:MM:SS`, an optional fraction (digits past nanoseconds are dropped), and `Z` or
/// `±HH:MM`. Other ISO 8601 shapes (basic format, missing seconds, `+0500`, zone annotations)
/// and leap seconds are rejected.
pub fn parse_ts(s: &str, naive_tz: Option<&TimeZone>) -> Result<Timestamp, TsError> {
    let invalid = || TsError::Invalid(format!("`{s}` is not an RFC 3339 timestamp"));
    let (fields, rest) = date_time(s).ok_or_else(invalid)?;
    let offset = match rest.as_bytes() {
        [] => {
            let tz = naive_tz.ok_or(TsError::Naive)?;
            let dt = DateTime::new(
                fields.year as i16,
                fields.month as i8,
                fields.day as i8,
                fields.hour as i8,
                fields.minute as i8,
                fields.second as i8,
                fields.nanos as i32,
            )
            .map_err(|_| invalid())?;
            return dt
                .to_zoned(tz.clone())
                .map(|z| z.timestamp())
                .map_err(|_| invalid());
        }
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let d = |c: &u8| c.is_ascii_digit().then(|| i64::from(c - b'0'));
            let (h, m) = (
                d(h1).zip(d(h2)).map(|(a, b)| a * 10 + b),
                d(m1).zip(d(m2)).map(|(a, b)| a * 10 + b),
            );
            match (h, m) {
                (Some(h), Some(m)) if h <= 23 && m <= 59 => {
                    if *sign == b'-' {
                        -(h * 3600 + m * 60)
                    } else {
                        h * 3600 + m * 60
                    }
                }
                _ => return Err(invalid()),
            }
        }
        _ => return Err(invalid()),
    };
    let secs = days_from_civil(fields.year, fields.month, fields.day) * 86_400
        + fields.hour * 3_600
        + fields.minute * 60
        + fields.second
        - offset;
    Timestamp::new(secs, fields.nanos as i32).map_err(|_| invalid())
}

/// The date and time of an RFC 3339 value.
struct Fields {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    nanos: i64,
}

/// Reads `YYYY-MM-DD[Tt ]HH:MM:SS[.fraction]`, returning it and what follows.
fn date_time(s: &str) -> Option<(Fields, &str)> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let digit = |i: usize| -> Option<i64> {
        b.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| i64::from(c - b'0'))
    };
    let two = |i: usize| -> Option<i64> { Some(digit(i)? * 10 + digit(i + 1)?) };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let year = two(0)? * 100 + two(2)?;
    let (month, day, hour, minute, second) = (two(5)?, two(8)?, two(11)?, two(14)?, two(17)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut i = 19;
    let mut nanos: i64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        let n = i - start;
        if n == 0 {
            return None;
        }
        nanos *= 10i64.pow(9u32.saturating_sub(n as u32));
    }
    Some((
        Fields {
            year,
            month,
            day,
            hour,
            minute,
            second,
            nanos,
        },
        &s[i..],
    ))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses a strict `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err("expected `YYYY-MM-DD`".to_string());
    }
    s.parse::<Date>().map_err(|e| e.to_string())
}

/// An instant as the kit's records keep it: microseconds since the Unix epoch in 8 bytes, and
/// `Option<Ts>` in 8 bytes too (jiff's `Timestamp` takes 16, its `Option` 24). Every instant jiff
/// can represent fits; digits finer than a microsecond are dropped when a record is built
/// (Entra ID writes seven; no control's rule is finer than a second: `docs/readings.md`).
///
/// Ordered, compared and hashed as the instant; converts to and from [`Timestamp`], and compares
/// with one directly.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ts(std::num::NonZeroI64);

impl Ts {
    /// The instant `t`, to the microsecond (towards the past).
    pub fn new(t: Timestamp) -> Ts {
        // Seconds and their fraction share a sign in jiff: the fraction's floor keeps instants
        // before 1970 in order too. (No 128-bit division: this runs for every instant read.)
        let us = t.as_second() * 1_000_000 + i64::from(t.subsec_nanosecond()).div_euclid(1000);
        // Flipping the sign bit keeps zero free for `Option`'s niche: only `i64::MIN`
        // microseconds (far outside jiff's range) would map to it.
        Ts(std::num::NonZeroI64::new(us ^ i64::MIN).expect("jiff's range excludes i64::MIN µs"))
    }

    /// The first microsecond at or after `t`: for every `Ts` `x`, `x >= t` exactly when
    /// `x.as_microsecond() >= Ts::ceil_microsecond(t)` (and `x < t` when below it), so a bound
    /// converted once compares with millions of instants as integers.
    pub fn ceil_microsecond(t: Timestamp) -> i64 {
        let nanos = i64::from(t.subsec_nanosecond());
        t.as_second() * 1_000_000 + nanos.div_euclid(1000) + i64::from(nanos.rem_euclid(1000) != 0)
    }

    /// The instant `us` microseconds after the Unix epoch, when jiff can represent it.
    pub fn from_microsecond(us: i64) -> Option<Ts> {
        Ts::timestamp(us).ok().map(Ts::new)
    }

    /// `us` microseconds after the Unix epoch as jiff's `Timestamp`, in 64-bit parts.
    fn timestamp(us: i64) -> Result<Timestamp, jiff::Error> {
        Timestamp::new(
            us.div_euclid(1_000_000),
            (us.rem_euclid(1_000_000) * 1000) as i32,
        )
    }

    /// Microseconds since the Unix epoch.
    #[inline]
    pub fn as_microsecond(self) -> i64 {
        self.0.get() ^ i64::MIN
    }

    /// The instant as jiff's `Timestamp`.
    #[inline]
    pub fn get(self) -> Timestamp {
        // In 64-bit parts: this runs for every comparison with a `Timestamp`.
        Ts::timestamp(self.as_microsecond()).expect("made from a Timestamp, and not after it")
    }

    /// The exact time from `earlier` to this instant (negative when `earlier` is later).
    pub fn duration_since(self, earlier: impl Into<Timestamp>) -> SignedDuration {
        self.get().duration_since(earlier.into())
    }
}

impl PartialOrd for Ts {
    fn partial_cmp(&self, other: &Ts) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ts {
    fn cmp(&self, other: &Ts) -> std::cmp::Ordering {
        self.as_microsecond().cmp(&other.as_microsecond())
    }
}

impl From<Timestamp> for Ts {
    fn from(t: Timestamp) -> Ts {
        Ts::new(t)
    }
}

impl From<Ts> for Timestamp {
    fn from(t: Ts) -> Timestamp {
        t.get()
    }
}

impl PartialEq<Timestamp> for Ts {
    fn eq(&self, other: &Timestamp) -> bool {
        self.get() == *other
    }
}

impl PartialEq<Ts> for Timestamp {
    fn eq(&self, other: &Ts) -> bool {
        *self == other.get()
    }
}

impl PartialOrd<Timestamp> for Ts {
    fn partial_cmp(&self, other: &Timestamp) -> Option<std::cmp::Ordering> {
        self.get().partial_cmp(other)
    }
}

impl PartialOrd<Ts> for Timestamp {
    fn partial_cmp(&self, other: &Ts) -> Option<std::cmp::Ordering> {
        self.partial_cmp(&other.get())
    }
}

impl std::fmt::Display for Ts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.get(), f)
    }
}

impl std::fmt::Debug for Ts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.get(), f)
    }
}

/// Adds an exact duration, saturating at the ends of time.
pub fn add(ts: impl Into<Timestamp>, d: SignedDuration) -> Timestamp {
    ts.into().checked_add(d).unwrap_or(if d.is_negative() {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// Adds N exact days (N × 24 h).
pub fn add_days(ts: impl Into<Timestamp>, days: i64) -> Timestamp {
    add(ts, SignedDuration::from_hours(days.saturating_mul(24)))
}

/// A calendar period of the org time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    /// `2026-Q1` or `2026-03`.
    pub label: String,
    /// First instant of the period.
    pub start: Timestamp,
    /// First instant after the period.
    pub end: Timestamp,
    /// The period's last calendar day.
    pub last_day: Date,
}

impl Period {
    /// Whether `t` lies in the period (`start ≤ t < end`).
    pub fn contains(&self, t: impl Into<Timestamp>) -> bool {
        let t = t.into();
        self.start <= t && t < self.end
    }
}

/// The observation window in the org time zone.
#[derive(Clone, Debug)]
pub struct Window {
    /// First day, inclusive.
    pub start: Date,
    /// Last day, inclusive.
    pub end: Date,
    /// The org time zone.
    pub tz: TimeZone,
    /// The IANA name of the org time zone.
    pub tz_name: String,
    /// Local midnight at the start of `start`.
    pub start_ts: Timestamp,
    /// Local midnight at the end of `end`.
    pub end_ts: Timestamp,
}

impl Window {
    /// Builds the window; `end` must not be before `start`.
    pub fn new(start: Date, end: Date, tz: TimeZone, tz_name: &str) -> Window {
        let start_ts = midnight(&tz, start);
        let end_ts = end_of_day(&tz, end);
        Window {
            start,
            end,
            tz,
            tz_name: tz_name.to_string(),
            start_ts,
            end_ts,
        }
    }

    /// Whether `t` is in the window (`start ≤ t < end`).
    pub fn contains(&self, t: impl Into<Timestamp>) -> bool {
        let t = t.into();
        self.start_ts <= t && t < self.end_ts
    }

    /// The local calendar date of an instant.
    pub fn local_date(&self, t: impl Into<Timestamp>) -> Date {
        t.into().to_zoned(self.tz.clone()).date()
    }

    /// Local midnight at the start of `d`.
    pub fn midnight(&self, d: Date) -> Timestamp {
        midnight(&self.tz, d)
    }

    /// Local midnight at the end of `d` (the end of that calendar day).
    pub fn end_of_day(&self, d: Date) -> Timestamp {
        end_of_day(&self.tz, d)
    }

    /// Formats an instant for humans in the org zone: `2026-03-06 17:05 EST`.
    pub fn fmt(&self, t: impl Into<Timestamp>) -> String {
        t.into()
            .to_zoned(self.tz.clone())
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string()
    }

    /// Formats an instant's time of day only when it falls on `same_day`: `09:12`, else full.
    pub fn fmt_near(&self, t: impl Into<Timestamp>, reference: impl Into<Timestamp>) -> String {
        let z = t.into().to_zoned(self.tz.clone());
        let r = reference.into().to_zoned(self.tz.clone());
        if z.offset() == r.offset() {
            z.strftime("%Y-%m-%d %H:%M").to_string()
        } else {
            z.strftime("%Y-%m-%d %H:%M %Z").to_string()
        }
    }

    /// Calendar quarters whose last day falls within the window, in order.
    pub fn quarters(&self) -> Vec<Period> {
        self.periods(3)
    }

    /// Calendar months whose last day falls within the window, in order.
    pub fn months(&self) -> Vec<Period> {
        self.periods(1)
    }

    fn periods(&self, months: i8) -> Vec<Period> {
        let mut out = Vec::new();
        let first_month = (self.start.month() - 1) / months * months + 1;
        let mut first =
            Date::new(self.start.year(), first_month, 1).expect("first day of a month is valid");
        loop {
            let next = first
                .checked_add(Span::new().months(months))
                .expect("dates stay in range");
            let last_day = next.yesterday().expect("dates stay in range");
            if last_day > self.end {
                break;
            }
            if last_day >= self.start {
                let label = if months == 3 {
                    format!("{}-Q{}", first.year(), (first.month() - 1) / 3 + 1)
                } else {
                    format!("{}-{:02}", first.year(), first.month())
                };
                out.push(Period {
                    label,
                    start: midnight(&self.tz, first),
                    end: midnight(&self.tz, next),
                    last_day,
                });
            }
            first = next;
        }
        out
    }
}

/// Local midnight at the start of `d` in `tz` (the first instant of the day when midnight is skipped).
pub fn midnight(tz: &TimeZone, d: Date) -> Timestamp {
    d.to_zoned(tz.clone())
        .and_then(|z| z.start_of_day())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX)
}

/// Local midnight at the end of `d` in `tz`.
pub fn end_of_day(tz: &TimeZone, d: Date) -> Timestamp {
    match d.tomorrow() {
        Ok(next) => midnight(tz, next),
        Err(_) => Timestamp::MAX,
    }
}

/// A duration for humans: `3 days 16 hours`, `5 hours 2 minutes`, `40 minutes`.
pub fn human_duration(d: SignedDuration) -> String {
    let secs = d.as_secs().unsigned_abs();
    let days = secs / 86_400;
    let hours = (secs % 86_400) / 3_600;
    let mins = (secs % 3_600) / 60;
    let unit = |n: u64, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(unit(days, "day"));
        if hours > 0 {
            parts.push(unit(hours, "hour"));
        }
    } else if hours > 0 {
        parts.push(unit(hours, "hour"));
        if mins > 0 {
            parts.push(unit(mins, "minute"));
        }
    } else if mins > 0 {
        parts.push(unit(mins, "minute"));
    } else {
        parts.push(unit(secs % 60, "second"));
    }
    let s = parts.join(" ");
    if d.is_negative() { format!("-{s}") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_in_microseconds_answers_as_the_instant_does() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        // Bounds on a microsecond, between two (a day's end, 23:59:59.999999999), and before
        // 1970; instants on, just before and just after each.
        for bound in [
            "2026-03-01T00:00:00Z",
            "2026-03-01T23:59:59.999999999Z",
            "2026-03-01T23:59:59.9999991Z",
            "1969-12-31T23:59:59.9999995Z",
            "1969-12-31T00:00:00Z",
        ] {
            let b = t(bound);
            let c = Ts::ceil_microsecond(b);
            for d in [-2_000i64, -1_000, -1, 0, 1, 1_000, 2_000] {
                let x = Ts::new(b + SignedDuration::from_nanos(d));
                assert_eq!(x >= b, x.as_microsecond() >= c, "{bound} {d:+} ns");
                assert_eq!(x < b, x.as_microsecond() < c, "{bound} {d:+} ns");
            }
        }
        assert_eq!(
            Ts::ceil_microsecond(t("2026-03-01T23:59:59.999999999Z")),
            Ts::new(t("2026-03-02T00:00:00Z")).as_microsecond()
        );
        assert_eq!(
            Ts::ceil_microsecond(t("2026-03-01T00:00:00Z")),
            Ts::new(t("2026-03-01T00:00:00Z")).as_microsecond()
        );
    }

    #[test]
    fn an_instant_comes_back_from_its_microseconds_and_none_outside_jiffs_range() {
        for s in ["2026-03-01T13:44:48.123456Z", "1969-12-31T23:59:59.999999Z"] {
            let x = Ts::new(s.parse().unwrap());
            assert_eq!(Ts::from_microsecond(x.as_microsecond()), Some(x), "{s}");
        }
        let max = Ts::new(Timestamp::MAX).as_microsecond();
        assert!(Ts::from_microsecond(max).is_some());
        assert_eq!(Ts::from_microsecond(max + 1_000_000), None);
        assert_eq!(Ts::from_microsecond(i64::MIN), None);
    }

    #[test]
    fn ts_keeps_the_instant_to_the_microsecond_in_eight_bytes() {
        assert_eq!(std::mem::size_of::<Option<Ts>>(), 8);
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        // Whole microseconds round-trip; finer digits are dropped towards the past, before
        // the epoch as after it.
        for s in [
            "2026-03-01T13:44:48Z",
            "2026-03-01T13:44:48.123456Z",
            "1969-12-31T23:59:59.999999Z",
            "9999-12-30T00:00:00.999999Z",
        ] {
            assert_eq!(Ts::new(t(s)).get(), t(s), "{s}");
        }
        assert_eq!(
            Ts::new(t("2026-03-01T13:44:48.1234567Z")).get(),
            t("2026-03-01T13:44:48.123456Z")
        );
        assert_eq!(
            Ts::new(t("1969-12-31T23:59:59.9999999Z")).get(),
            t("1969-12-31T23:59:59.999999Z")
        );
        assert_eq!(
            Ts::new(Timestamp::MAX).get().as_second(),
            Timestamp::MAX.as_second()
        );
        assert_eq!(
            Ts::new(Timestamp::MIN).get().as_second(),
            Timestamp::MIN.as_second()
        );
        // Ordered as instants (the stored bits are not), and comparable with a Timestamp.
        let (a, b) = (
            Ts::new(t("1969-06-01T00:00:00Z")),
            Ts::new(t("2026-06-01T00:00:00Z")),
        );
        assert!(a < b && Some(a) < Some(b) && None < Some(a));
        assert!(b > t("2026-05-31T23:59:59Z") && t("2026-06-01T00:00:01Z") > b);
        assert_eq!(b, t("2026-06-01T00:00:00Z"));
        assert_eq!(b.to_string(), "2026-06-01T00:00:00Z");
        assert_eq!(
            b.duration_since(a.get()).as_secs(),
            b.get().duration_since(a.get()).as_secs()
        );
    }

    fn ny() -> TimeZone {
        TimeZone::get("America/New_York").expect("bundled zone")
    }

    fn d(s: &str) -> Date {
        parse_date(s).expect("valid date")
    }

    #[test]
    fn parses_offsets_and_rejects_naive() {
        let t = parse_ts("2026-03-06T17:05:00-05:00", None).expect("valid");
        assert_eq!(t.to_string(), "2026-03-06T22:05:00Z");
        assert_eq!(parse_ts("2026-03-06T17:05:00", None), Err(TsError::Naive));
        let t = parse_ts("2026-03-06T17:05:00", Some(&ny())).expect("org zone");
        assert_eq!(t.to_string(), "2026-03-06T22:05:00Z");
        assert!(matches!(
            parse_ts("2026-13-06T17:05:00Z", None),
            Err(TsError::Invalid(_))
        ));
        assert!(matches!(
            parse_ts("yesterday", None),
            Err(TsError::Invalid(_))
        ));
    }

    /// A small deterministic generator (xorshift64): the same strings on every run.
    struct Gen(u64);

    impl Gen {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }

        fn pick<'a>(&mut self, of: &[&'a str]) -> &'a str {
            of[self.below(of.len() as u64) as usize]
        }
    }

    /// How a generated string departs from the RFC 3339 shape `parse_ts` claims.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Shape {
        /// `YYYY-MM-DD[Tt ]HH:MM:SS[.frac](Z|z|±HH:MM)`, with field values in or out of range.
        Rfc3339,
        /// Second 60. jiff reads a leap second as second 59; we reject it (RFC 3339 allows it
        /// only at the end of a UTC day, and no export writes one).
        LeapSecond,
        /// An offset hour of 24 or 25. jiff accepts offsets up to ±25:59:59; RFC 3339's
        /// `time-hour` is 00-23, and we keep to it.
        OffsetHourPast23,
        /// A fraction of more than nine digits. RFC 3339 sets no limit and we drop the digits
        /// past nanoseconds; jiff rejects it. The instant is jiff's for the first nine digits.
        LongFraction,
        /// ISO 8601 and Temporal extensions jiff accepts and RFC 3339 does not: no seconds,
        /// `+HHMM` or `+HH` offsets, a comma fraction, basic format, a bracketed zone
        /// annotation, a signed six-digit year. We reject them all.
        Extension,
    }

    /// One timestamp string, mostly in the claimed shape with field values near and past their
    /// edges, sometimes in a shape that differs on purpose.
    fn generate(g: &mut Gen) -> (String, Shape) {
        let year = [
            "1970", "1999", "2000", "2024", "2026", "2100", "0001", "9999",
        ];
        let year = g.pick(&year).to_string();
        let month = 1 + g.below(13); // 13 is out of range
        let day = 1 + g.below(32); // 29-31 test month lengths, 32 is out of range
        let hour = g.below(25); // 24 is out of range
        let minute = g.below(61); // 60 is out of range
        let mut second = g.below(60);
        let frac = match g.below(5) {
            0 => String::new(),
            1 => ".5".into(),
            2 => format!(".{:03}", g.below(1000)),
            3 => format!(".{:09}", g.below(1_000_000_000)),
            _ => format!(".{:06}", g.below(1_000_000)),
        };
        let mut shape = Shape::Rfc3339;
        let mut offset = match g.below(6) {
            0 => "Z".to_string(),
            1 => "z".to_string(),
            2 => format!("+{:02}:{:02}", g.below(24), g.below(60)),
            3 => format!("-{:02}:30", g.below(24)),
            4 => "+00:00".to_string(),
            _ => "-00:00".to_string(),
        };
        let sep = g.pick(&["T", "t", " "]);
        match g.below(12) {
            0 => {
                shape = Shape::LeapSecond;
                second = 60;
            }
            1 => {
                shape = Shape::OffsetHourPast23;
                offset = format!("+{}:00", 24 + g.below(2));
            }
            2 => {
                shape = Shape::Extension;
                let date = format!("{year}-{month:02}-{day:02}");
                let time = format!("{hour:02}:{minute:02}:{second:02}");
                let ext = match g.below(6) {
                    0 => format!("{date}T{hour:02}:{minute:02}Z"),
                    1 => format!("{date}T{time}+0{}00", g.below(10)),
                    2 => format!("{date}T{time}+0{}", g.below(10)),
                    3 => format!("{date}T{time},5Z"),
                    4 => format!(
                        "{}{month:02}{day:02}T{hour:02}{minute:02}{second:02}Z",
                        year
                    ),
                    _ => format!("{date}T{time}Z[America/New_York]"),
                };
                return (ext, shape);
            }
            4 => {
                shape = Shape::LongFraction;
                let nine = format!(".{:09}", g.below(1_000_000_000));
                let extra = 1 + g.below(3) as usize;
                return (
                    format!(
                        "{year}-{month:02}-{day:02}{sep}{hour:02}:{minute:02}:{second:02}{nine}{}{offset}",
                        &"789"[..extra]
                    ),
                    shape,
                );
            }
            3 => {
                shape = Shape::Extension;
                return (
                    format!("+00{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"),
                    shape,
                );
            }
            _ => {}
        }
        (
            format!(
                "{year}-{month:02}-{day:02}{sep}{hour:02}:{minute:02}:{second:02}{frac}{offset}"
            ),
            shape,
        )
    }

    #[test]
    fn the_parser_agrees_with_jiff_both_ways() {
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        let mut agreed = 0;
        let mut both_rejected = 0;
        let mut differ_on_purpose = 0;
        for _ in 0..40_000 {
            let (s, shape) = generate(&mut g);
            let jiff = s.parse::<Timestamp>().ok();
            let ours = parse_ts(&s, None).ok();
            match shape {
                // In the claimed shape: every string one accepts, the other accepts with the
                // same instant, and what one rejects the other rejects.
                Shape::Rfc3339 => {
                    assert_eq!(ours, jiff, "{s}");
                    if ours.is_some() {
                        agreed += 1;
                    } else {
                        both_rejected += 1;
                    }
                }
                // Past nanoseconds: jiff rejects; we read what jiff reads of the first nine
                // digits (and reject what it rejects there).
                Shape::LongFraction => {
                    assert_eq!(jiff, None, "{s}");
                    let dot = s.find('.').expect("a fraction");
                    let end = s[dot + 1..]
                        .find(|c: char| !c.is_ascii_digit())
                        .map_or(s.len(), |i| dot + 1 + i);
                    let nine = format!("{}{}", &s[..dot + 10], &s[end..]);
                    assert_eq!(ours, nine.parse::<Timestamp>().ok(), "{s}");
                    agreed += usize::from(ours.is_some());
                }
                // The shapes that differ on purpose: we reject, and jiff reads whatever it reads.
                Shape::LeapSecond | Shape::OffsetHourPast23 | Shape::Extension => {
                    assert_eq!(ours, None, "{s} ({shape:?})");
                    differ_on_purpose += usize::from(jiff.is_some());
                }
            }
        }
        // The sweep exercises every branch, and most values are valid.
        assert!(agreed > 20_000, "agreed on {agreed}");
        assert!(both_rejected > 1_000, "both rejected {both_rejected}");
        assert!(
            differ_on_purpose > 1_000,
            "jiff alone read {differ_on_purpose}"
        );
    }

    #[test]
    fn the_shapes_that_differ_on_purpose() {
        // Every one is read by jiff and rejected by us: the documented differences are real.
        // And the one jiff rejects and we read: a fraction past nanoseconds (RFC 3339 sets no
        // limit), whose extra digits are dropped.
        let long = "2026-03-06T17:05:00.1234567891-05:00";
        assert!(long.parse::<Timestamp>().is_err());
        assert_eq!(
            parse_ts(long, None).ok(),
            "2026-03-06T17:05:00.123456789-05:00"
                .parse::<Timestamp>()
                .ok()
        );
        for s in [
            "2026-03-06T17:05:60Z",
            "2026-03-06T17:05:00+24:00",
            "2026-03-06T17:05Z",
            "2026-03-06T17:05:00+0500",
            "2026-03-06T17:05:00+05",
            "2026-03-06T17:05:00,5Z",
            "20260306T170500Z",
            "2026-03-06T17:05:00Z[America/New_York]",
            "+002026-03-06T17:05:00Z",
        ] {
            assert!(s.parse::<Timestamp>().is_ok(), "jiff reads {s}");
            assert!(parse_ts(s, None).is_err(), "we reject {s}");
        }
    }

    #[test]
    fn only_rfc_3339_is_accepted() {
        for ok in [
            "2026-03-06 17:05:00Z",
            "2026-03-06t17:05:00z",
            "2026-03-06T17:05:00.1234567891-05:00",
        ] {
            assert!(parse_ts(ok, None).is_ok(), "{ok}");
        }
        for bad in [
            "20260306T170500Z",
            "2026-03-06T17Z",
            "2026-03-06T17:05-05:00",
            "2026-03-06T17:05:00-05",
            "2026-03-06T17:05:00+0500",
            "2026-03-06T17:05:00,5Z",
            "+002026-03-06T17:05:00Z",
            "2026-03-06T17:05:00-05:00[America/New_York]",
            "2026-03-06T17:05:60Z",
            "2026-03-06T17:05:00+24:00",
            "2026-02-29T00:00:00Z",
            "2026-03-06",
        ] {
            assert!(
                matches!(parse_ts(bad, None), Err(TsError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2026-02-28").is_ok());
        assert!(parse_date("2026-02-30").is_err());
        assert!(parse_date("20260228").is_err());
        assert!(parse_date("2026-2-28").is_err());
    }

    #[test]
    fn window_edges_are_local_midnights() {
        let w = Window::new(d("2026-01-01"), d("2026-06-30"), ny(), "America/New_York");
        assert_eq!(w.start_ts.to_string(), "2026-01-01T05:00:00Z");
        assert_eq!(w.end_ts.to_string(), "2026-07-01T04:00:00Z");
        assert!(w.contains(w.start_ts));
        assert!(!w.contains(w.end_ts));
    }

    #[test]
    fn periods_whose_last_day_is_in_the_window() {
        let w = Window::new(d("2026-02-15"), d("2026-09-29"), ny(), "America/New_York");
        let q: Vec<String> = w.quarters().into_iter().map(|p| p.label).collect();
        assert_eq!(q, ["2026-Q1", "2026-Q2"]);
        let m: Vec<String> = w.months().into_iter().map(|p| p.label).collect();
        assert_eq!(
            m,
            [
                "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08"
            ]
        );
        let q1 = &w.quarters()[0];
        assert_eq!(q1.start.to_string(), "2026-01-01T05:00:00Z");
        assert_eq!(q1.last_day, d("2026-03-31"));
        // The quarter ends at local midnight, after the March DST change (EDT, -04:00).
        assert_eq!(q1.end.to_string(), "2026-04-01T04:00:00Z");
    }

    #[test]
    fn exact_days_differ_from_calendar_days_across_dst() {
        let t = parse_ts("2026-03-07T12:00:00-05:00", None).expect("valid");
        let later = add_days(t, 1);
        assert_eq!(later.to_zoned(ny()).strftime("%H:%M").to_string(), "13:00");
    }

    #[test]
    fn human_durations() {
        assert_eq!(
            human_duration(SignedDuration::from_secs(3 * 86_400 + 16 * 3_600 + 7)),
            "3 days 16 hours"
        );
        assert_eq!(
            human_duration(SignedDuration::from_secs(3_600 + 120)),
            "1 hour 2 minutes"
        );
        assert_eq!(human_duration(SignedDuration::from_secs(45)), "45 seconds");
    }
}

/// For a fixed-offset zone name that people use for a region that keeps daylight-saving time
/// (`EST` all year is not New York's time in summer), the region's DST-aware IANA name. Names
/// with rules of their own (`EST5EDT`, `CET`) and regions without DST (`HST`) are not flagged.
pub fn dst_aware_alternative(name: &str) -> Option<&'static str> {
    let upper = name.to_ascii_uppercase();
    Some(match upper.as_str() {
        "EST" | "ETC/GMT+5" => "America/New_York",
        "ETC/GMT+6" => "America/Chicago",
        "MST" | "ETC/GMT+7" => "America/Denver",
        "ETC/GMT+8" => "America/Los_Angeles",
        _ => return None,
    })
}

#[cfg(test)]
mod dst_tests {
    use super::dst_aware_alternative as alt;

    #[test]
    fn fixed_offset_names_point_at_their_region() {
        assert_eq!(alt("EST"), Some("America/New_York"));
        assert_eq!(alt("Etc/GMT+8"), Some("America/Los_Angeles"));
        // Zones with DST rules of their own, Hawaii (which keeps none), and real regions.
        for ok in [
            "EST5EDT",
            "PST8PDT",
            "CET",
            "HST",
            "America/New_York",
            "UTC",
        ] {
            assert_eq!(alt(ok), None, "{ok}");
        }
    }
}
