//! Raw values as the source systems write them: their timestamp forms, their "no value"
//! sentinels and their booleans, normalised to the evidence kit's text cells.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

/// The "no value" sentinels of the sources (sources.md §0.3): never dates or ids.
pub const SENTINELS: &[&str] = &[
    "N/A",
    "n/a",
    "not_supported",
    "no_information",
    "0000-00-00",
    "null",
    "--",
    "00000000-0000-0000-0000-000000000000",
];

/// A raw text value, or `None` when empty or a sentinel.
pub fn present(s: &str) -> Option<&str> {
    let t = s.trim();
    if t.is_empty() || SENTINELS.contains(&t) {
        None
    } else {
        Some(t)
    }
}

/// Parses a source timestamp: RFC 3339 / ISO 8601 with `Z` or an offset (with or without colon:
/// Jira's `+0000`), a space instead of `T` (boto3 dumps), fractional seconds of any length, epoch
/// seconds (AWS JSON APIs; `1741590000.123`), or a date-time without offset read in `naive`.
/// A bare date is refused here: what a date means (start or end of day) is the adapter's choice.
pub fn parse_time(raw: &str, naive: Option<&TimeZone>) -> Result<Timestamp, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("empty".into());
    }
    if s.contains('[') {
        return Err(ANNOTATION.into());
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') && s.len() >= 9 {
        return epoch(s.parse::<f64>().map_err(|e| e.to_string())?);
    }
    let mut t = s.to_string();
    if t.len() > 10 && t.as_bytes()[10] == b' ' {
        t.replace_range(10..11, "T");
    }
    // `+0000` / `-0700` at the end: insert the colon.
    let b = t.as_bytes();
    if b.len() > 5 {
        let tail = &b[b.len() - 5..];
        if (tail[0] == b'+' || tail[0] == b'-') && tail[1..].iter().all(u8::is_ascii_digit) {
            t.insert(t.len() - 2, ':');
        }
    }
    if t.ends_with(" UTC") {
        t.truncate(t.len() - 4);
        t.push('Z');
    }
    match t.parse::<Timestamp>() {
        Ok(ts) => Ok(ts),
        Err(e) => {
            if let Ok(dt) = t.parse::<DateTime>()
                && t.contains('T')
            {
                return match naive {
                    Some(tz) => dt
                        .to_zoned(tz.clone())
                        .map(|z| z.timestamp())
                        .map_err(|e| e.to_string()),
                    None => Err("it has no time zone offset".into()),
                };
            }
            Err(e.to_string())
        }
    }
}

/// Why a value with a bracketed zone annotation (`2026-03-06T17:05:00Z[Mars/Olympus]`, RFC 9557)
/// is refused, as the kit reader refuses it.
const ANNOTATION: &str = "it carries a time zone annotation in brackets, which fieldcheck does not read: write the offset (`Z` or `±HH:MM`) only";

/// Epoch seconds (possibly fractional, millisecond precision as AWS writes them).
pub fn epoch(x: f64) -> Result<Timestamp, String> {
    if !x.is_finite() {
        return Err("not a finite number".into());
    }
    let ms = (x * 1000.0).round() as i64;
    Timestamp::from_millisecond(ms)
        .map_err(|_| format!("{x} seconds since 1970 is outside the years 1 to 9999"))
}

/// A JSON timestamp value: a string in any form [`parse_time`] takes, or epoch seconds.
pub fn json_time(
    v: &serde_json::Value,
    naive: Option<&TimeZone>,
) -> Result<Option<Timestamp>, String> {
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| "not a number".to_string())
            .and_then(epoch)
            .map(Some),
        serde_json::Value::String(s) => match present(s) {
            None => Ok(None),
            Some(s) => parse_time(s, naive).map(Some),
        },
        other => Err(format!("expected a timestamp, found {other}")),
    }
}

/// A date at the start of a value (`2025-03-14`, Workday's `2025-03-14-08:00`, or a timestamp's
/// date part).
pub fn parse_date_prefix(raw: &str) -> Result<Date, String> {
    let s = raw.trim();
    if s.contains('[') {
        return Err(ANNOTATION.into());
    }
    let d = s.get(..10).ok_or_else(|| format!("`{s}` is not a date"))?;
    // After the date: nothing, an offset (Workday's `-08:00`, `Z`) or a time; never other text.
    let rest = &s[10..];
    let b = rest.as_bytes();
    let offset = rest == "Z"
        || (b.len() == 6
            && matches!(b[0], b'+' | b'-')
            && b[1..3].iter().all(u8::is_ascii_digit)
            && b[3] == b':'
            && b[4..].iter().all(u8::is_ascii_digit));
    let time = b.len() >= 2 && matches!(b[0], b'T' | b't' | b' ') && b[1].is_ascii_digit();
    if !(rest.is_empty() || offset || time) {
        return Err(format!("`{s}` is not a date"));
    }
    d.parse::<Date>()
        .map_err(|e| format!("`{s}` is not a date ({e})"))
}

/// A kit timestamp cell: RFC 3339 in UTC.
pub fn ts_cell(t: Timestamp) -> String {
    t.to_string()
}

/// A boolean in any case (`true`, `TRUE`, `yes`, `1`).
pub fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "y" => Some(true),
        "false" | "no" | "0" | "n" => Some(false),
        _ => None,
    }
}

/// The key id of a KMS key reference: an ARN `arn:aws:kms:...:key/<id>` gives `<id>`, an alias
/// ARN `arn:aws:kms:...:alias/<name>` gives `alias/<name>` (as `list-aliases` names it); an id
/// or alias name is kept as written.
pub fn kms_key_id(r: &str) -> &str {
    if let Some((_, id)) = r.rsplit_once(":key/") {
        return id;
    }
    match r.find(":alias/") {
        Some(i) if r.starts_with("arn:") => &r[i + 1..],
        _ => r,
    }
}

/// A raw value for a message: at most 60 characters (a 10 MB cell is never echoed whole).
pub(crate) fn clip(v: &str) -> String {
    let v = v.trim();
    match v.char_indices().nth(60) {
        Some((i, _)) => format!("{}… ({} bytes)", &v[..i], v.len()),
        None => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> String {
        parse_time(s, None)
            .map(ts_cell)
            .unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn every_documented_timestamp_form() {
        assert_eq!(t("1582068633.188"), "2020-02-18T23:30:33.188Z");
        assert_eq!(t("2019-02-14T20:45:22.330Z"), "2019-02-14T20:45:22.33Z");
        assert_eq!(
            t("2020-02-18T23:30:33.188000+00:00"),
            "2020-02-18T23:30:33.188Z"
        );
        assert_eq!(
            t("2026-11-26 02:22:36.165205+00:00"),
            "2026-11-26T02:22:36.165205Z"
        );
        assert_eq!(t("2014-09-01T22:28:48+00:00"), "2014-09-01T22:28:48Z");
        assert_eq!(t("2024-03-04T09:00:00.000+0000"), "2024-03-04T09:00:00Z");
        assert_eq!(
            t("2025-03-17T07:06:58.443-07:00"),
            "2025-03-17T14:06:58.443Z"
        );
        assert_eq!(
            t("2025-03-14T19:02:45.1234567Z"),
            "2025-03-14T19:02:45.1234567Z"
        );
        assert!(t("2025-03-14T19:02:45").contains("no time zone"));
        assert!(t("yesterday").starts_with("ERR"));
        // Zone annotations are refused, as the kit reader refuses them, whatever the zone.
        assert!(t("2026-03-06T17:05:00Z[Mars/Olympus]").contains("annotation"));
        assert!(t("2026-03-06T17:05:00-05:00[America/New_York]").contains("annotation"));
        assert!(parse_date_prefix("2026-03-06[Mars/Olympus]").is_err());
        assert!(parse_date_prefix("2026-03-06 and then some").is_err());
        assert!(parse_date_prefix("2026-03-06T10:00:00Z").is_ok());
        let ny = TimeZone::get("America/New_York").unwrap();
        assert_eq!(
            parse_time("2025-03-14T19:02:45", Some(&ny))
                .map(ts_cell)
                .unwrap(),
            "2025-03-14T23:02:45Z"
        );
    }

    #[test]
    fn sentinels_are_no_value() {
        for s in SENTINELS {
            assert_eq!(present(s), None);
        }
        assert_eq!(present(" x "), Some("x"));
        assert_eq!(json_time(&serde_json::json!(null), None), Ok(None));
        assert_eq!(json_time(&serde_json::json!("N/A"), None), Ok(None));
        assert_eq!(
            json_time(&serde_json::json!(1741590000.123), None).map(|t| t.map(ts_cell)),
            Ok(Some("2025-03-10T07:00:00.123Z".into()))
        );
        assert_eq!(
            parse_date_prefix("2025-03-14-08:00").unwrap().to_string(),
            "2025-03-14"
        );
        assert_eq!(kms_key_id("arn:aws:kms:us-east-1:1:key/abc"), "abc");
        assert_eq!(kms_key_id("alias/aws/s3"), "alias/aws/s3");
    }
}
