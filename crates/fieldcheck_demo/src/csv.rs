//! A minimal streaming CSV writer: a header row, RFC 4180 quoting of text, and cheap timestamp fields.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::time::{Clock, Ts, format_date};

/// A written kit file: its name and its number of data rows.
pub(crate) type Written = (String, u64);

/// One kit file being written, row by row.
pub(crate) struct Csv<'c> {
    out: BufWriter<File>,
    clock: &'c Clock,
    name: &'static str,
    rows: u64,
    fresh: bool,
}

impl<'c> Csv<'c> {
    /// Creates `dir/name` and writes its header row.
    pub(crate) fn create(
        dir: &Path,
        name: &'static str,
        header: &[&str],
        clock: &'c Clock,
    ) -> io::Result<Csv<'c>> {
        let file = File::create(dir.join(name))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(header.join(",").as_bytes())?;
        out.write_all(b"\n")?;
        Ok(Csv {
            out,
            clock,
            name,
            rows: 0,
            fresh: true,
        })
    }

    fn sep(&mut self) -> io::Result<()> {
        if self.fresh {
            self.fresh = false;
            Ok(())
        } else {
            self.out.write_all(b",")
        }
    }

    /// A text field, quoted when it holds a comma, a quote, a line break or edge spaces.
    pub(crate) fn text(&mut self, s: &str) -> io::Result<&mut Self> {
        self.sep()?;
        write_text(&mut self.out, s)?;
        Ok(self)
    }

    /// A text field, or null.
    pub(crate) fn opt(&mut self, s: Option<&str>) -> io::Result<&mut Self> {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    /// An empty (null) field.
    pub(crate) fn null(&mut self) -> io::Result<&mut Self> {
        self.sep()?;
        Ok(self)
    }

    /// An integer field.
    pub(crate) fn int(&mut self, v: i64) -> io::Result<&mut Self> {
        self.sep()?;
        write!(self.out, "{v}")?;
        Ok(self)
    }

    /// An integer field, or null.
    pub(crate) fn opt_int(&mut self, v: Option<i64>) -> io::Result<&mut Self> {
        match v {
            Some(v) => self.int(v),
            None => self.null(),
        }
    }

    /// A boolean field, written `true` or `false`.
    pub(crate) fn flag(&mut self, b: bool) -> io::Result<&mut Self> {
        self.sep()?;
        self.out.write_all(if b { b"true" } else { b"false" })?;
        Ok(self)
    }

    /// A boolean field, or null.
    pub(crate) fn opt_flag(&mut self, b: Option<bool>) -> io::Result<&mut Self> {
        match b {
            Some(b) => self.flag(b),
            None => self.null(),
        }
    }

    /// A timestamp in local time with its offset.
    pub(crate) fn ts(&mut self, t: Ts) -> io::Result<&mut Self> {
        self.stamp(t, false)
    }

    /// A timestamp in UTC with `Z`.
    pub(crate) fn utc(&mut self, t: Ts) -> io::Result<&mut Self> {
        self.stamp(t, true)
    }

    /// A local timestamp, or null.
    pub(crate) fn opt_ts(&mut self, t: Option<Ts>) -> io::Result<&mut Self> {
        match t {
            Some(t) => self.ts(t),
            None => self.null(),
        }
    }

    /// A UTC timestamp, or null.
    pub(crate) fn opt_utc(&mut self, t: Option<Ts>) -> io::Result<&mut Self> {
        match t {
            Some(t) => self.utc(t),
            None => self.null(),
        }
    }

    /// A timestamp in UTC or local time.
    pub(crate) fn stamp(&mut self, t: Ts, utc: bool) -> io::Result<&mut Self> {
        self.sep()?;
        let mut buf = [0u8; 25];
        let n = self.clock.format(t, utc, &mut buf);
        self.out.write_all(&buf[..n])?;
        Ok(self)
    }

    /// A date field, `YYYY-MM-DD`.
    pub(crate) fn date(&mut self, day: i32) -> io::Result<&mut Self> {
        self.sep()?;
        let mut buf = [0u8; 10];
        format_date(day, &mut buf);
        self.out.write_all(&buf)?;
        Ok(self)
    }

    /// A date field, or null.
    pub(crate) fn opt_date(&mut self, day: Option<i32>) -> io::Result<&mut Self> {
        match day {
            Some(d) => self.date(d),
            None => self.null(),
        }
    }

    /// Bytes written as they are: already-escaped fields with their commas (for the hot login path).
    pub(crate) fn raw(&mut self, bytes: &[u8]) -> io::Result<&mut Self> {
        self.sep()?;
        self.out.write_all(bytes)?;
        Ok(self)
    }

    /// Ends the current row.
    pub(crate) fn end(&mut self) -> io::Result<()> {
        self.out.write_all(b"\n")?;
        self.rows += 1;
        self.fresh = true;
        Ok(())
    }

    /// Flushes the file and returns its name and data row count.
    pub(crate) fn finish(mut self) -> io::Result<Written> {
        self.out.flush()?;
        Ok((self.name.to_string(), self.rows))
    }
}

/// Writes one text field with RFC 4180 quoting when needed.
pub(crate) fn write_text(out: &mut impl Write, s: &str) -> io::Result<()> {
    let needs = s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
        || s.starts_with(' ')
        || s.ends_with(' ');
    if !needs {
        return out.write_all(s.as_bytes());
    }
    out.write_all(b"\"")?;
    out.write_all(s.replace('"', "\"\"").as_bytes())?;
    out.write_all(b"\"")
}
