//! OpenSSH `sshd`: sessions from auth.log / secure / journal text (classic syslog or RFC 3339
//! prefixes).

use std::collections::{BTreeMap, HashMap};

use fieldcheck_kit::{Diagnostic, Kind, Severity};
use jiff::Timestamp;
use jiff::civil::DateTime;
use regex_lite::Regex;

use super::awsops::{no_system_warnings, plural, system_for};
use crate::emit::{Emitter, FileId};
use crate::read::text_lines;
use crate::spec::{OptSpec, OptTy, Spec};
use crate::{Adapter, Input};

/// `sshd`.
pub(crate) static SSHD: Adapter = Adapter {
    spec: &Spec {
        name: "sshd",
        system: "OpenSSH",
        reads: "sshd's log lines as the host writes them: /var/log/auth.log, /var/log/secure or `journalctl -u ssh -o short-iso-precise` (classic `Mar 10 16:40:02 host sshd[1758]: ...` or RFC 3339 prefixes; other daemons' lines are skipped)",
        produces: &[Kind::Sessions],
        needs_system: false,
        containers: &[],
        options: &[
            OptSpec {
                name: "year",
                ty: OptTy::Int,
                help: "the year of each file's first line, for classic syslog lines that carry none (a December → January step adds one); required for such lines, not needed for RFC 3339 lines",
            },
            OptSpec {
                name: "hosts",
                ty: OptTy::Map,
                help: "hostname or glob (`web-*`) → system_id; the first match in file order wins; default: none (the source's `system_id`, else the host's sessions are skipped)",
            },
        ],
        example: "[[sources]]\nadapter = \"sshd\"\npath = \"exports/hosts/*/auth.log*\"\nyear = 2026\ntimezone = \"UTC\"\nhosts = { \"bastion-*\" = \"bastion\", \"db-1\" = \"prod-db\" }",
    },
    run,
};

struct Open {
    file: FileId,
    line: u32,
    session_id: String,
    system: String,
    user: String,
    started: Timestamp,
    ended: Option<Timestamp>,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn run(input: &Input<'_>, em: &mut Emitter) {
    let (Ok(syslog), Ok(rfc), Ok(accepted), Ok(closed), Ok(disconnected)) = (
        Regex::new(
            r"^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\S+) (sshd(?:-session)?)\[(\d+)\]: (.*)$",
        ),
        Regex::new(r"^(\d{4}-\d{2}-\d{2}T\S+) (\S+) (sshd(?:-session)?)\[(\d+)\]: (.*)$"),
        Regex::new(r"^Accepted (\S+) for (\S+) from (\S+) port (\d+)"),
        Regex::new(r"^pam_unix\(sshd:session\): session closed for user (\S+)"),
        Regex::new(r"^Disconnected from user (\S+) "),
    ) else {
        return;
    };
    let year0 = input.options.int("year");
    let hosts = input.options.map("hosts");
    let mut sessions: Vec<Open> = Vec::new();
    let mut open: HashMap<(String, String), usize> = HashMap::new();
    let mut unclaimed: BTreeMap<String, u64> = BTreeMap::new();
    let mut skipped = 0u64;
    let mut no_year: Option<(String, u32)> = None;
    let mut no_year_lines = 0u64;
    // Per file: the year and month of the last syslog line, for the December → January step.
    let mut cursor: Option<(String, i64, i8)> = None;
    text_lines(input, em, &mut |line, at, em| {
        let (when, host, pid, msg) = if let Some(c) = syslog.captures(line) {
            let Some(year) = year0 else {
                no_year_lines += 1;
                no_year.get_or_insert((at.file.shown.clone(), at.line));
                return;
            };
            let month = MONTHS
                .iter()
                .position(|m| *m == &c[1])
                .map_or(0, |i| i as i8 + 1);
            if month == 0 {
                skipped += 1;
                return;
            }
            let year = match &cursor {
                Some((f, y, m)) if *f == at.file.shown => {
                    if *m > month + 6 {
                        y + 1
                    } else {
                        *y
                    }
                }
                _ => year,
            };
            cursor = Some((at.file.shown.clone(), year, month));
            let num = |i: usize| c[i].parse::<i8>().unwrap_or(-1);
            let t = i16::try_from(year)
                .ok()
                .and_then(|y| {
                    jiff::civil::DateTime::new(y, month, num(2), num(3), num(4), num(5), 0).ok()
                })
                .and_then(|dt: DateTime| dt.to_zoned(input.tz.clone()).ok())
                .map(|z| z.timestamp());
            let Some(t) = t else {
                em.bad_record(
                    &at.file,
                    at.line,
                    None,
                    fieldcheck_kit::Code::BadValue,
                    format!(
                        "`{} {} {}:{}:{}` is not a time in {year}",
                        &c[1], &c[2], &c[3], &c[4], &c[5]
                    ),
                    "the line was skipped; check the `year` option",
                );
                return;
            };
            (
                t,
                c[6].to_string(),
                c[8].to_string(),
                c.get(9).map_or("", |m| m.as_str()).to_string(),
            )
        } else if let Some(c) = rfc.captures(line) {
            match crate::value::parse_time(&c[1], Some(input.tz)) {
                Ok(t) => (t, c[2].to_string(), c[4].to_string(), c[5].to_string()),
                Err(_) => {
                    skipped += 1;
                    return;
                }
            }
        } else {
            skipped += 1;
            return;
        };
        if let Some(a) = accepted.captures(&msg) {
            let Some(system) = system_for(&hosts, &[&host], input.system_id) else {
                *unclaimed.entry(host).or_default() += 1;
                return;
            };
            let session_id = format!("{host}:{pid}:{}", when.as_second());
            open.insert((host, pid), sessions.len());
            sessions.push(Open {
                file: at.file.clone(),
                line: at.line,
                session_id,
                system,
                user: a[2].to_string(),
                started: when,
                ended: None,
            });
            return;
        }
        let user = closed
            .captures(&msg)
            .or_else(|| disconnected.captures(&msg))
            .map(|c| c[1].to_string());
        match user {
            Some(u) => {
                if let Some(i) = open.get(&(host.clone(), pid.clone())).copied()
                    && let Some(s) = sessions.get_mut(i)
                    && s.user == u
                {
                    if s.ended.is_none() {
                        s.ended = Some(when);
                    }
                    open.remove(&(host, pid));
                }
            }
            None => skipped += 1,
        }
    });
    for s in sessions {
        em.row(Kind::Sessions, &s.file, s.line, None)
            .set("session_id", s.session_id)
            .set("system_id", s.system)
            .set("account_id", s.user.as_str())
            .set("person_id", s.user.as_str())
            .set("method", "ssh")
            .set("started_at", s.started)
            .set("ended_at", s.ended)
            .emit();
    }
    if let Some((file, line)) = no_year {
        em.diag(
            Diagnostic::error(
                fieldcheck_kit::Code::SourceNeedsOption,
                format!(
                    "{no_year_lines} syslog line{} carry no year, and the source sets no `year`",
                    plural(no_year_lines)
                ),
            )
            .file(file)
            .line(line)
            .help("add `year = 2026` (the year of each file's first line) to the source; those lines were skipped"),
        );
    }
    no_system_warnings(em, &unclaimed, "ssh session", "hosts");
    if skipped > 0 {
        em.diag(
            Diagnostic::new(
                Severity::Note,
                fieldcheck_kit::Code::SourceSkippedLines,
                format!(
                    "{skipped} line{} that are not sshd session starts or ends were skipped",
                    plural(skipped)
                ),
            )
            .help("auth logs mix many daemons and messages; only `Accepted ...` and session-closed lines are read"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    const AUTH: &str = "Dec 31 23:50:02 bastion-1 sshd[1758]: Accepted publickey for alice from 203.0.113.7 port 53968 ssh2: ED25519 SHA256:5zmA8VOTEbBSXS3mEeza9l0VtfQuk0h9WTCeOWIa+y0
Dec 31 23:50:02 bastion-1 sshd[1758]: pam_unix(sshd:session): session opened for user alice(uid=1001) by (uid=0)
Dec 31 23:55:10 bastion-1 CRON[2001]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)
Dec 31 23:58:00 bastion-1 sshd[1800]: Failed password for invalid user admin from 198.51.100.9 port 40022 ssh2
Jan  1 00:05:41 bastion-1 sshd[1758]: Received disconnect from 203.0.113.7 port 53968:11: disconnected by user
Jan  1 00:05:41 bastion-1 sshd[1758]: Disconnected from user alice 203.0.113.7 port 53968
Jan  1 00:05:41 bastion-1 sshd[1758]: pam_unix(sshd:session): session closed for user alice
Jan  1 08:00:00 bastion-1 sshd-session[2210]: Accepted keyboard-interactive/pam for bob from 203.0.113.8 port 50000 ssh2
Jan  1 08:30:00 bastion-1 sshd-session[2210]: pam_unix(sshd:session): session closed for user bob
Jan  1 09:00:00 db-1 sshd[3300]: Accepted password for carol from 10.0.0.5 port 41000 ssh2
Jan  1 09:10:00 bastion-1 sshd[1758]: pam_unix(sshd:session): session closed for user alice
Jan  1 09:20:00 web-7 sshd[77]: Accepted publickey for dave from 10.0.0.6 port 41001 ssh2: RSA SHA256:abc
Feb 30 10:00:00 bastion-1 sshd[9]: Accepted publickey for eve from 10.0.0.7 port 1 ssh2
";

    const JOURNAL: &str = "2025-03-04T09:40:11.000007+09:00 app-2 sshd[4242]: Accepted publickey for frank from 10.1.0.1 port 2222 ssh2: ED25519 SHA256:xyz
2025-03-04T09:40:11.000321+09:00 app-2 sshd[4242]: pam_unix(sshd:session): session opened for user frank(uid=1002) by frank(uid=0)
2025-03-04T10:02:00.123456+09:00 app-2 sshd[4242]: pam_unix(sshd:session): session closed for user frank
-- Boot 0d1f3e2a --
";

    #[test]
    fn sessions_from_syslog_with_a_year_rollover_and_from_rfc3339_lines() {
        let out = run(
            "[[sources]]\nadapter = \"sshd\"\npath = \"hosts/*.log\"\nyear = 2025\ntimezone = \"UTC\"\nsystem_id = \"prod-hosts\"\n[sources.hosts]\n\"db-*\" = \"prod-db\"\n\"bastion-1\" = \"bastion\"",
            &[
                ("hosts/auth.log", AUTH.as_bytes()),
                ("hosts/journal.log", JOURNAL.as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("sessions").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                // Closed on the same pid after the year turned: ended on 2026-01-01.
                "account_id=alice|ended_at=2026-01-01T00:05:41Z|method=ssh|person_id=alice|session_id=bastion-1:1758:1767225002|started_at=2025-12-31T23:50:02Z|system_id=bastion",
                "account_id=bob|ended_at=2026-01-01T08:30:00Z|method=ssh|person_id=bob|session_id=bastion-1:2210:1767254400|started_at=2026-01-01T08:00:00Z|system_id=bastion",
                "account_id=carol|method=ssh|person_id=carol|session_id=db-1:3300:1767258000|started_at=2026-01-01T09:00:00Z|system_id=prod-db",
                "account_id=dave|method=ssh|person_id=dave|session_id=web-7:77:1767259200|started_at=2026-01-01T09:20:00Z|system_id=prod-hosts",
                "account_id=frank|ended_at=2025-03-04T01:02:00.123456Z|method=ssh|person_id=frank|session_id=app-2:4242:1741048811|started_at=2025-03-04T00:40:11.000007Z|system_id=prod-hosts",
            ]
        );
        assert_eq!(
            out.codes(),
            ["bad-value", "source-skipped-lines"],
            "{:?}",
            out.diags
        );
        assert_eq!(out.diags[0].line, Some(13));
        assert_eq!(
            out.diags[1].message,
            "6 lines that are not sshd session starts or ends were skipped"
        );
        let o = &out.origins("sessions")[1];
        assert_eq!((o.line, o.path.as_deref()), (8, None));
    }

    #[test]
    fn syslog_lines_need_a_year_and_hosts_need_a_system() {
        let out = run(
            "[[sources]]\nadapter = \"sshd\"\npath = \"hosts/*.log\"\nhosts = { \"bastion-*\" = \"bastion\" }",
            &[
                ("hosts/auth.log", AUTH.as_bytes()),
                ("hosts/journal.log", JOURNAL.as_bytes()),
            ],
        );
        assert!(out.rows("sessions").is_empty());
        assert_eq!(
            out.codes(),
            [
                "source-needs-option",
                "source-no-system",
                "source-skipped-lines"
            ]
        );
        assert_eq!(out.diags[0].line, Some(1));
        assert!(out.diags[0].message.starts_with("12 syslog lines"));
        assert_eq!(
            out.diags[1].message,
            "1 ssh session of `app-2` skipped: no system claims it"
        );
        assert_eq!(out.problems("sessions").len(), 1);
    }

    #[test]
    fn syslog_times_are_read_in_the_source_zone() {
        let out = run(
            "[[sources]]\nadapter = \"sshd\"\npath = \"auth.log\"\nyear = 2026\nsystem_id = \"bastion\"",
            &[("auth.log", AUTH.lines().nth(7).unwrap().as_bytes())],
        );
        let rows: Vec<String> = out.rows("sessions").iter().map(flat).collect();
        // The org zone (America/New_York): 08:00 EST is 13:00 UTC.
        assert_eq!(
            rows,
            [
                "account_id=bob|method=ssh|person_id=bob|session_id=bastion-1:2210:1767272400|started_at=2026-01-01T13:00:00Z|system_id=bastion"
            ]
        );
    }

    #[test]
    fn a_ten_megabyte_line_is_rejected_and_the_lines_after_it_are_read() {
        // Two logs concatenated without a line end, one of them binary: one 10 MB "line".
        let huge = format!(
            "Jan  1 07:00:00 bastion-1 sshd[1]: {}\n",
            "\u{1}x".repeat(5 * 1024 * 1024)
        );
        let lines: Vec<&str> = AUTH.lines().collect();
        let log = format!("{}\n{huge}{}\n{}\n", lines[7], lines[7], lines[8]);
        let out = run(
            "[[sources]]\nadapter = \"sshd\"\npath = \"auth.log\"\nyear = 2026\nsystem_id = \"bastion\"",
            &[("auth.log", log.as_bytes())],
        );
        assert_eq!(out.codes(), ["cell-too-long"]);
        let d = &out.diags[0];
        assert_eq!((d.file.as_deref(), d.line), (Some("auth.log"), Some(2)));
        assert!(d.message.len() < 100, "{}", d.message);
        // The session on the lines around it is read, with exact line numbers.
        let lines: Vec<u32> = out.origins("sessions").iter().map(|o| o.line).collect();
        assert_eq!(lines, [1, 3]);
        assert_eq!(out.problems("sessions").len(), 1);
    }

    /// Lines as sshd prints them: the authentication line is `auth_log()`'s
    /// `"%s %s%s%s for %s%.100s from %.200s port %d ssh2%s%s"` in OpenSSH's `auth.c`
    /// (https://github.com/openssh/openssh-portable/blob/master/auth.c), here with the
    /// `format_method_key()` text of a user certificate and with no extra text, from an IPv6
    /// address; the session ends with sshd's `Disconnected from user %s %s port %d` and
    /// pam_unix's `session closed for user %s`. The syslog prefix is rsyslog's traditional
    /// format of /var/log/auth.log.
    const SSHD_PRINTED: &str = "Mar 10 16:40:02 bastion-1 sshd[1758]: Accepted publickey for alice from 203.0.113.7 port 53968 ssh2: ED25519-CERT SHA256:frGtfUnZ8huEWJjAGnmLsmCqE0to2nuvfP4qhIUIUaI ID foo (serial 0) CA ED25519 SHA256:3PCaZkpmyZdYJSgpa2xv4wJiLmLPj1Y8oFgfrON7vJE
Mar 10 16:40:02 bastion-1 sshd[1758]: pam_unix(sshd:session): session opened for user alice(uid=1001) by alice(uid=0)
Mar 10 16:52:40 bastion-1 sshd[1758]: Received disconnect from 203.0.113.7 port 53968:11: disconnected by user
Mar 10 16:52:40 bastion-1 sshd[1758]: Disconnected from user alice 203.0.113.7 port 53968
Mar 10 16:52:40 bastion-1 sshd[1758]: pam_unix(sshd:session): session closed for user alice
Mar 10 17:01:13 bastion-1 sshd[1802]: Accepted password for bob from 2001:db8::7 port 40022 ssh2
Mar 10 17:01:20 bastion-1 sshd[1803]: Failed password for invalid user admin from 198.51.100.9 port 50022 ssh2
";

    #[test]
    fn lines_as_sshd_prints_them() {
        let out = run(
            "[[sources]]\nadapter = \"sshd\"\npath = \"auth.log\"\nyear = 2026\ntimezone = \"UTC\"\nsystem_id = \"bastion\"",
            &[("auth.log", SSHD_PRINTED.as_bytes())],
        );
        let rows: Vec<String> = out.rows("sessions").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                // The certificate's text after `ssh2: ` is not part of the user; the session ends
                // at the disconnect (the pam close repeats it).
                "account_id=alice|ended_at=2026-03-10T16:52:40Z|method=ssh|person_id=alice|session_id=bastion-1:1758:1773160802|started_at=2026-03-10T16:40:02Z|system_id=bastion",
                // Still open when the log ends: no end, never a guessed one.
                "account_id=bob|method=ssh|person_id=bob|session_id=bastion-1:1802:1773162073|started_at=2026-03-10T17:01:13Z|system_id=bastion",
            ]
        );
        // The session-opened, received-disconnect and failed-password lines are counted.
        assert_eq!(out.codes(), ["source-skipped-lines"], "{:?}", out.diags);
        assert!(out.diags[0].message.starts_with("3 lines"));
    }
}
