//! The JSON the AWS CLI prints (`--output json`): members in the API model's order and PascalCase
//! names, absent members left out, timestamps as the CLI writes them (ISO 8601 with `+00:00`,
//! microseconds only when there are any), blobs in base64, and Python's `json.dumps(indent=4,
//! ensure_ascii=False)` layout with a final newline.

use aws_smithy_types::DateTime;

/// A JSON value whose objects keep their members in the order they were added.
#[derive(Clone, Debug, PartialEq)]
pub enum J {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// An array.
    Arr(Vec<J>),
    /// An object, members in order.
    Obj(Vec<(String, J)>),
}

/// An object under construction: `None` members are left out, as the CLI leaves out members the
/// response did not have.
#[derive(Default)]
pub struct Obj(Vec<(String, J)>);

impl Obj {
    /// An empty object.
    pub fn new() -> Self {
        Obj(Vec::new())
    }
    /// A member, if present.
    pub fn put(mut self, key: &str, value: impl Into<Option<J>>) -> Self {
        if let Some(v) = value.into() {
            self.0.push((key.to_string(), v));
        }
        self
    }
    /// A string member, if present.
    pub fn s(self, key: &str, value: Option<&str>) -> Self {
        self.put(key, value.map(|v| J::Str(v.to_string())))
    }
    /// A boolean member, if present.
    pub fn b(self, key: &str, value: Option<bool>) -> Self {
        self.put(key, value.map(J::Bool))
    }
    /// An integer member, if present.
    pub fn i(self, key: &str, value: Option<i64>) -> Self {
        self.put(key, value.map(J::Int))
    }
    /// A timestamp member, if present.
    pub fn t(self, key: &str, value: Option<&DateTime>) -> Self {
        self.put(key, value.map(|v| J::Str(timestamp(v))))
    }
    /// A list member, if the response had the list (the SDK gives `None` for an absent one).
    pub fn list<T>(self, key: &str, items: Option<&[T]>, f: impl Fn(&T) -> J) -> Self {
        self.put(key, items.map(|xs| J::Arr(xs.iter().map(f).collect())))
    }
    /// A list of strings, if present.
    pub fn strs(self, key: &str, items: Option<&[String]>) -> Self {
        self.list(key, items, |s| J::Str(s.clone()))
    }
    /// The value.
    pub fn done(self) -> J {
        J::Obj(self.0)
    }
}

impl From<Obj> for Option<J> {
    fn from(o: Obj) -> Self {
        Some(o.done())
    }
}

/// A string value.
pub fn s(v: &str) -> J {
    J::Str(v.to_string())
}

/// A timestamp as the AWS CLI v2 prints it (`cli_timestamp_format = iso8601`, run in UTC):
/// Python's `datetime.isoformat()`, `2026-03-01T09:30:00+00:00` or
/// `2026-03-01T09:30:00.250000+00:00`.
pub fn timestamp(t: &DateTime) -> String {
    let micros = t.subsec_nanos() / 1000;
    let ts = jiff::Timestamp::new(t.secs(), (micros * 1000) as i32)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let base = ts.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    if micros == 0 {
        format!("{base}+00:00")
    } else {
        format!("{base}.{micros:06}+00:00")
    }
}

/// The text the CLI prints: four-space indentation, `": "` between key and value, a newline at
/// the end.
pub fn print(v: &J) -> Vec<u8> {
    let mut out = String::new();
    write(&mut out, v, 0);
    out.push('\n');
    out.into_bytes()
}

fn quote(out: &mut String, s: &str) {
    // serde_json escapes exactly what Python's json does with ensure_ascii=False: `"`, `\`, and
    // control characters (\b \f \n \r \t by name, the rest as \u00XX).
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

fn write(out: &mut String, v: &J, level: usize) {
    match v {
        J::Str(s) => quote(out, s),
        J::Int(i) => out.push_str(&i.to_string()),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Arr(xs) if xs.is_empty() => out.push_str("[]"),
        J::Arr(xs) => {
            out.push_str("[\n");
            for (n, x) in xs.iter().enumerate() {
                indent(out, level + 1);
                write(out, x, level + 1);
                out.push_str(if n + 1 < xs.len() { ",\n" } else { "\n" });
            }
            indent(out, level);
            out.push(']');
        }
        J::Obj(ms) if ms.is_empty() => out.push_str("{}"),
        J::Obj(ms) => {
            out.push_str("{\n");
            for (n, (k, x)) in ms.iter().enumerate() {
                indent(out, level + 1);
                quote(out, k);
                out.push_str(": ");
                write(out, x, level + 1);
                out.push_str(if n + 1 < ms.len() { ",\n" } else { "\n" });
            }
            indent(out, level);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_the_cli() {
        let v = Obj::new()
            .put(
                "Users",
                J::Arr(vec![
                    Obj::new()
                        .s("UserName", Some("ann"))
                        .t("CreateDate", Some(&DateTime::from_secs(1_767_225_600)))
                        .s("PasswordLastUsed", None)
                        .done(),
                ]),
            )
            .put("Tags", J::Arr(vec![]))
            .b("IsTruncated", Some(false))
            .done();
        assert_eq!(
            String::from_utf8(print(&v)).unwrap(),
            "{\n    \"Users\": [\n        {\n            \"UserName\": \"ann\",\n            \"CreateDate\": \"2026-01-01T00:00:00+00:00\"\n        }\n    ],\n    \"Tags\": [],\n    \"IsTruncated\": false\n}\n"
        );
    }

    #[test]
    fn timestamps_have_microseconds_only_when_there_are_some() {
        assert_eq!(
            timestamp(&DateTime::from_secs_and_nanos(1_499_288_695, 918_000_000)),
            "2017-07-05T21:04:55.918000+00:00"
        );
        assert_eq!(
            timestamp(&DateTime::from_secs(1_499_288_695)),
            "2017-07-05T21:04:55+00:00"
        );
    }
}
