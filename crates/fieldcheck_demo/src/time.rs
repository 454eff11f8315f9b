//! Instants, civil days and fast RFC 3339 formatting in the org time zone, plus the demo's calendar.

use jiff::tz::TimeZone;

/// An instant as whole seconds since the Unix epoch.
pub(crate) type Ts = i64;

pub(crate) const MINUTE: i64 = 60;
pub(crate) const HOUR: i64 = 3_600;
pub(crate) const DAY: i64 = 86_400;

/// The first day of the observation window.
pub(crate) const W0_DAY: i32 = days(2026, 4, 1);
/// The first day after the observation window.
pub(crate) const W1_DAY: i32 = days(2026, 10, 1);
/// The first day of the activity logs (a month before the window).
pub(crate) const SPAN0_DAY: i32 = days(2026, 3, 1);
/// The first day after the activity logs (a month after the window).
pub(crate) const SPAN1_DAY: i32 = days(2026, 11, 1);
/// The day the evidence was collected.
pub(crate) const COLLECT_DAY: i32 = days(2026, 11, 2);

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) const fn days(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u32;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i32 - 719_468
}

/// The date of a day number, as (year, month, day).
pub(crate) const fn civil(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i32 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The weekday of a day number: 0 is Monday, 6 is Sunday.
pub(crate) const fn weekday(day: i32) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

/// Whether a day is a working day (Monday to Friday; the demo ignores public holidays).
pub(crate) const fn is_workday(day: i32) -> bool {
    weekday(day) < 5
}

/// The working day on or after `day`.
pub(crate) const fn workday_on_or_after(day: i32) -> i32 {
    match weekday(day) {
        5 => day + 2,
        6 => day + 1,
        _ => day,
    }
}

/// The working day on or before `day`.
pub(crate) const fn workday_on_or_before(day: i32) -> i32 {
    match weekday(day) {
        5 => day - 1,
        6 => day - 2,
        _ => day,
    }
}

/// The first day of a calendar quarter (`q` in 1..=4).
pub(crate) const fn quarter_start(year: i32, q: u32) -> i32 {
    days(year, 3 * q - 2, 1)
}

/// The first day after a calendar quarter.
pub(crate) const fn quarter_end(year: i32, q: u32) -> i32 {
    if q == 4 {
        days(year + 1, 1, 1)
    } else {
        days(year, 3 * q + 1, 1)
    }
}

/// The first day after the month of `day`.
pub(crate) const fn next_month(day: i32) -> i32 {
    let (y, m, _) = civil(day);
    if m == 12 {
        days(y + 1, 1, 1)
    } else {
        days(y, m + 1, 1)
    }
}

const TABLE_FROM: i32 = days(2014, 1, 1);
const TABLE_TO: i32 = days(2029, 1, 1);

/// The org time zone, with a per-hour table of UTC offsets so formatting a timestamp costs no lookup.
///
/// America/New_York changes offset only on whole UTC hours, so the table is exact; instants outside it ask jiff.
pub(crate) struct Clock {
    tz: TimeZone,
    first_hour: i64,
    hour_offsets: Vec<i32>,
}

impl Clock {
    /// The clock of Northpeak Software's time zone, America/New_York.
    pub(crate) fn new_york() -> Result<Clock, jiff::Error> {
        let tz = TimeZone::get("America/New_York")?;
        let first_hour = i64::from(TABLE_FROM) * 24;
        let hours = i64::from(TABLE_TO - TABLE_FROM) * 24;
        let mut hour_offsets = Vec::with_capacity(hours as usize);
        for h in 0..hours {
            let ts = jiff::Timestamp::from_second((first_hour + h) * HOUR)?;
            hour_offsets.push(tz.to_offset(ts).seconds());
        }
        Ok(Clock {
            tz,
            first_hour,
            hour_offsets,
        })
    }

    /// The UTC offset in seconds at an instant.
    pub(crate) fn offset_at(&self, ts: Ts) -> i32 {
        let h = ts.div_euclid(HOUR) - self.first_hour;
        if h >= 0 && (h as usize) < self.hour_offsets.len() {
            return self.hour_offsets[h as usize];
        }
        jiff::Timestamp::from_second(ts)
            .map(|t| self.tz.to_offset(t).seconds())
            .unwrap_or(0)
    }

    /// The instant at which the local wall clock shows `secs` seconds after midnight of `day`.
    ///
    /// A wall time in a gap or overlap of a transition maps to one of the nearby instants; the demo avoids them.
    pub(crate) fn local(&self, day: i32, secs: i64) -> Ts {
        let wall = i64::from(day) * DAY + secs;
        let o1 = i64::from(self.offset_at(wall));
        let t1 = wall - o1;
        let o2 = i64::from(self.offset_at(t1));
        if o2 == o1 {
            return t1;
        }
        let t2 = wall - o2;
        if i64::from(self.offset_at(t2)) == o2 {
            t2
        } else {
            t1
        }
    }

    /// Local midnight at the start of `day`.
    pub(crate) fn midnight(&self, day: i32) -> Ts {
        self.local(day, 0)
    }

    /// The local calendar day of an instant.
    pub(crate) fn day_of(&self, ts: Ts) -> i32 {
        (ts + i64::from(self.offset_at(ts))).div_euclid(DAY) as i32
    }

    /// Writes `ts` as RFC 3339 into `buf`, in local time with its offset or in UTC with `Z`; returns the length.
    pub(crate) fn format(&self, ts: Ts, utc: bool, buf: &mut [u8; 25]) -> usize {
        let off = if utc { 0 } else { self.offset_at(ts) };
        let wall = ts + i64::from(off);
        let (y, m, d) = civil(wall.div_euclid(DAY) as i32);
        let sod = wall.rem_euclid(DAY) as u32;
        let y = y.clamp(0, 9999) as u32;
        put2(buf, 0, y / 100);
        put2(buf, 2, y % 100);
        buf[4] = b'-';
        put2(buf, 5, m);
        buf[7] = b'-';
        put2(buf, 8, d);
        buf[10] = b'T';
        put2(buf, 11, sod / 3600);
        buf[13] = b':';
        put2(buf, 14, sod / 60 % 60);
        buf[16] = b':';
        put2(buf, 17, sod % 60);
        if utc {
            buf[19] = b'Z';
            return 20;
        }
        buf[19] = if off < 0 { b'-' } else { b'+' };
        let a = off.unsigned_abs();
        put2(buf, 20, a / 3600);
        buf[22] = b':';
        put2(buf, 23, a / 60 % 60);
        25
    }
}

/// Writes a day number as `YYYY-MM-DD`.
pub(crate) fn format_date(day: i32, buf: &mut [u8; 10]) {
    let (y, m, d) = civil(day);
    let y = y.clamp(0, 9999) as u32;
    let mut tmp = [0u8; 25];
    put2(&mut tmp, 0, y / 100);
    put2(&mut tmp, 2, y % 100);
    buf[..4].copy_from_slice(&tmp[..4]);
    buf[4] = b'-';
    buf[5] = b'0' + (m / 10) as u8;
    buf[6] = b'0' + (m % 10) as u8;
    buf[7] = b'-';
    buf[8] = b'0' + (d / 10) as u8;
    buf[9] = b'0' + (d % 10) as u8;
}

fn put2(buf: &mut [u8; 25], at: usize, v: u32) {
    buf[at] = b'0' + (v / 10 % 10) as u8;
    buf[at + 1] = b'0' + (v % 10) as u8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips() {
        for z in days(2010, 1, 1)..days(2030, 1, 1) {
            let (y, m, d) = civil(z);
            assert_eq!(days(y, m, d), z);
        }
        assert_eq!(days(1970, 1, 1), 0);
        assert_eq!(weekday(days(2026, 4, 1)), 2, "2026-04-01 is a Wednesday");
    }

    #[test]
    fn formats_like_jiff() {
        let clock = Clock::new_york().expect("bundled tz database");
        let tz = TimeZone::get("America/New_York").expect("bundled tz database");
        let mut buf = [0u8; 25];
        let start = i64::from(days(2025, 1, 1)) * DAY;
        let mut ts = start;
        while ts < start + 800 * DAY {
            let n = clock.format(ts, false, &mut buf);
            let zoned = jiff::Timestamp::from_second(ts)
                .expect("in range")
                .to_zoned(tz.clone());
            let want = zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
            assert_eq!(std::str::from_utf8(&buf[..n]).expect("ascii"), want);
            ts += 3_541;
        }
        let n = clock.format(0, true, &mut buf);
        assert_eq!(&buf[..n], b"1970-01-01T00:00:00Z");
        assert_eq!(
            clock.local(days(2026, 4, 1), 0),
            1_775_016_000,
            "2026-04-01T00:00-04:00"
        );
        assert_eq!(clock.day_of(1_775_016_000), days(2026, 4, 1));
        assert_eq!(clock.day_of(1_775_016_000 - 1), days(2026, 3, 31));
    }
}
