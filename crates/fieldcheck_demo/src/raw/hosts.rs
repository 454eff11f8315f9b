//! Who got onto the two legacy hosts, as their logs say: the marketing site's AWS account
//! (CloudTrail console sign-ins from `aws cloudtrail lookup-events`, Session Manager history from
//! `aws ssm describe-sessions --state History`) and the legacy wiki's server (sshd's lines in
//! /var/log/auth.log, the RFC 3339 form rsyslog writes on current Debian and Ubuntu).
//!
//! Both hosts are out of scope, so their sessions are evidence no control tests: the canonical
//! kit leaves them out, and the raw demo still audits exactly like it. The marketing site's
//! console sign-ins are the same events as its logins in the canonical kit's account_events.
//! Shapes: the CloudTrail `ConsoleLogin` record of the CloudTrail user guide's sign-in event
//! examples, and the `Session` of the SSM API reference (DescribeSessions).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

use serde_json::{Value, json};

use super::{Row, get, ts, write_json};

/// The marketing site's own AWS account.
const MARKETING_ACCOUNT: &str = "520384761209";
/// Its one EC2 instance.
const MARKETING_INSTANCE: &str = "i-0c5e2b7a91d3f4e68";

fn iso(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

fn uuid(n: u64) -> String {
    // splitmix64 of the index: CloudTrail event ids look random.
    let mut x = (n + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5d1c_0ffe;
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    let y = x.rotate_left(29).wrapping_mul(0x2545_f491_4f6c_dd1d);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        x >> 32,
        (x >> 16) & 0xffff,
        x & 0xfff,
        (y >> 52) & 0xfff,
        y & 0xffff_ffff_ffff
    )
}

/// The collector saves the credential report as `aws iam get-credential-report --output json`
/// prints it (`{"Content": "<base64>", "ReportFormat": "text/csv", "GeneratedTime": ...}`). Set
/// to `false` for the decoded CSV (`--query Content --output text | base64 -d`), which the
/// aws-iam-credential-report adapter also reads.
const CREDENTIAL_REPORT_AS_JSON: bool = true;

/// Standard base64 (RFC 4648, with padding), for the credential report's `Content`.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for (k, shift) in [18u32, 12, 6, 0].iter().enumerate() {
            if k <= c.len() {
                out.push(char::from(ABC[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The marketing site's AWS account: its IAM users (the site's accounts) from the IAM
/// credential report, their console sign-ins (the site's logins) through CloudTrail, and every
/// third sign-in followed by a shell on its instance through Session Manager.
pub(super) fn marketing_site(
    dir: &Path,
    config: &mut String,
    accounts: &[Row],
    logins: &[Row],
    owner: &str,
) -> io::Result<()> {
    let mut last_login: BTreeMap<&str, jiff::Timestamp> = BTreeMap::new();
    for l in logins {
        if let (Some(a), Some(t)) = (get(l, "account_id"), get(l, "at")) {
            let t = ts(t);
            let e = last_login.entry(a).or_insert(t);
            *e = (*e).max(t);
        }
    }
    let mut report = String::from(
        "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n",
    );
    let first = accounts
        .iter()
        .filter_map(|a| get(a, "created_at"))
        .map(ts)
        .min()
        .unwrap_or_default();
    let _ = writeln!(
        report,
        "<root_account>,arn:aws:iam::{MARKETING_ACCOUNT}:root,{},not_supported,no_information,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        iso(first)
    );
    for a in accounts {
        let user = get(a, "account_id").unwrap_or_default();
        let created = iso(ts(get(a, "created_at").unwrap_or_default()));
        let used = last_login
            .get(user)
            .map_or("no_information".to_string(), |t| iso(*t));
        let mfa = get(a, "mfa") == Some("enforced");
        let _ = writeln!(
            report,
            "{user},arn:aws:iam::{MARKETING_ACCOUNT}:user/{user},{created},true,{used},{created},N/A,{mfa},false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
        );
    }
    let generated = last_login.values().max().copied().unwrap_or(first);
    if CREDENTIAL_REPORT_AS_JSON {
        write_json(
            dir,
            "exports/marketing-site/iam-credential-report.json",
            &json!({"Content": base64(report.as_bytes()), "ReportFormat": "text/csv", "GeneratedTime": iso(generated)}),
        )?;
    } else {
        let p = dir.join("exports/marketing-site/iam-credential-report.csv");
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, &report)?;
    }
    let _ = write!(
        config,
        "\n# The marketing site's accounts: the IAM users of its AWS account, from the IAM credential report (`aws iam get-credential-report`).\n[[sources]]\nadapter = \"aws-iam-credential-report\"\npath = \"exports/marketing-site/iam-credential-report.{}\"\nsystem_id = \"marketing-site\"\nemail_domain = \"northpeak.io\"\nowners = {{ \"<root_account>\" = \"{}\" }}\n",
        if CREDENTIAL_REPORT_AS_JSON {
            "json"
        } else {
            "csv"
        },
        owner
    );
    let mut trail: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut ssm: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (i, e) in logins.iter().enumerate() {
        let user = get(e, "account_id").unwrap_or_default();
        let at = ts(get(e, "at").unwrap_or_default());
        let month = at.strftime("%Y-%m").to_string();
        let arn = format!("arn:aws:iam::{MARKETING_ACCOUNT}:user/{user}");
        let id = uuid(i as u64);
        let record = json!({
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "IAMUser",
                "principalId": format!("AIDAXZ{:014X}", 0x3a7_0000 + i * 7),
                "arn": arn,
                "accountId": MARKETING_ACCOUNT,
                "userName": user
            },
            "eventTime": at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "eventSource": "signin.amazonaws.com",
            "eventName": "ConsoleLogin",
            "awsRegion": "us-east-1",
            "sourceIPAddress": "198.51.100.24",
            "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
            "requestParameters": null,
            "responseElements": {"ConsoleLogin": "Success"},
            "additionalEventData": {
                "LoginTo": "https://console.aws.amazon.com/console/home?region=us-east-1",
                "MobileVersion": "No",
                "MFAUsed": "Yes"
            },
            "eventID": id,
            "readOnly": false,
            "eventType": "AwsConsoleSignIn",
            "managementEvent": true,
            "recipientAccountId": MARKETING_ACCOUNT,
            "eventCategory": "Management"
        });
        let text = serde_json::to_string(&record).map_err(io::Error::other)?;
        trail.entry(month.clone()).or_default().push(json!({
            "EventId": id,
            "EventName": "ConsoleLogin",
            "ReadOnly": "false",
            "EventTime": iso(at),
            "EventSource": "signin.amazonaws.com",
            "Username": user,
            "Resources": [],
            "CloudTrailEvent": text
        }));
        if i % 3 == 0 {
            let start = at + jiff::SignedDuration::from_secs(120 + (i as i64 % 7) * 31);
            let end = start + jiff::SignedDuration::from_secs(300 + (i as i64 % 11) * 97);
            ssm.entry(month).or_default().push(json!({
                "SessionId": format!("{user}-{:017x}", 0x0a1b_2c3d_4e5f_6789u64 ^ (i as u64 * 0x9e37_79b9)),
                "Target": MARKETING_INSTANCE,
                "Status": "Terminated",
                "StartDate": iso(start),
                "EndDate": iso(end),
                "DocumentName": "SSM-SessionManagerRunShell",
                "Owner": arn,
                "Details": "",
                "OutputUrl": {"S3OutputUrl": "", "CloudWatchOutputUrl": ""},
                "MaxSessionDuration": "",
                "AccessType": "Standard"
            }));
        }
    }
    for (month, events) in &trail {
        write_json(
            dir,
            &format!("exports/marketing-site/cloudtrail-console-logins-{month}.json"),
            &json!({ "Events": events }),
        )?;
    }
    for (month, sessions) in &ssm {
        write_json(
            dir,
            &format!("exports/marketing-site/ssm-sessions-{month}.json"),
            &json!({ "Sessions": sessions }),
        )?;
    }
    // A source whose path matches no file is an error: a tiny demo company may have none.
    if !trail.is_empty() {
        config.push_str("\n# The marketing site's AWS account: console sign-ins from CloudTrail (`aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=ConsoleLogin`, monthly: the API keeps 90 days).\n[[sources]]\nadapter = \"aws-cloudtrail\"\npath = \"exports/marketing-site/cloudtrail-console-logins-*.json\"\nsystem_id = \"marketing-site\"\n");
    }
    if !ssm.is_empty() {
        let _ = write!(
            config,
            "\n# Shells on the marketing site's instance: `aws ssm describe-sessions --state History`, monthly.\n[[sources]]\nadapter = \"aws-ssm-sessions\"\npath = \"exports/marketing-site/ssm-sessions-*.json\"\ntargets = {{ \"{MARKETING_INSTANCE}\" = \"marketing-site\" }}\n"
        );
    }
    Ok(())
}

/// The legacy wiki's administrators on its server: an SSH session shortly after each of their
/// sign-ins to the wiki, from sshd's lines in auth.log (one file per month, as logrotate
/// leaves them).
pub(super) fn legacy_wiki(
    dir: &Path,
    config: &mut String,
    logins: &[Row],
    admins: &[&str],
) -> io::Result<()> {
    let mut months: BTreeMap<String, Vec<(jiff::Timestamp, String)>> = BTreeMap::new();
    let mut n = 0u64;
    for e in logins {
        let user = get(e, "account_id").unwrap_or_default();
        if !admins.contains(&user) {
            continue;
        }
        n += 1;
        let start = ts(get(e, "at").unwrap_or_default()) + jiff::SignedDuration::from_secs(45);
        let end = start + jiff::SignedDuration::from_secs(240 + (n as i64 % 13) * 113);
        let pid = 20_000 + (n * 1_733) % 40_000;
        let port = 49_152 + (n * 7_919) % 16_000;
        let stamp = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string();
        let lines = months
            .entry(start.strftime("%Y%m").to_string())
            .or_default();
        lines.push((start, format!("{} wiki-1 sshd[{pid}]: Accepted publickey for {user} from 10.20.4.17 port {port} ssh2: ED25519 SHA256:q8Jb1uTyV0KZ9rFh3mXw2cLpN4sYdE7gA6oRiUvCkMt", stamp(start))));
        lines.push((
            end,
            format!(
                "{} wiki-1 sshd[{pid}]: Disconnected from user {user} 10.20.4.17 port {port}",
                stamp(end)
            ),
        ));
        lines.push((
            end,
            format!(
                "{} wiki-1 sshd[{pid}]: pam_unix(sshd:session): session closed for user {user}",
                stamp(end)
            ),
        ));
    }
    if months.is_empty() {
        return Ok(());
    }
    for (month, mut lines) in months {
        lines.sort_by_key(|(t, _)| *t);
        let mut text = String::new();
        for (_, l) in lines {
            text.push_str(&l);
            text.push('\n');
        }
        let p = dir.join(format!("exports/legacy-wiki/wiki-1-auth.log-{month}"));
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, text)?;
    }
    config.push_str("\n# SSH sessions on the legacy wiki's server: sshd's lines of /var/log/auth.log (rsyslog's RFC 3339 form), one file per month.\n[[sources]]\nadapter = \"sshd\"\npath = \"exports/legacy-wiki/wiki-1-auth.log-*\"\nhosts = { \"wiki-*\" = \"legacy-wiki\" }\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_is_rfc_4648() {
        // RFC 4648 section 10's test vectors.
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64(raw.as_bytes()), enc);
        }
    }
}
