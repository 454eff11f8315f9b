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
    let h = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5d1c_0ffe;
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 20) & 0xfff,
        n.wrapping_mul(0x1000_0000_01b3) & 0xffff_ffff_ffff
    )
}

/// The marketing site's console sign-ins (its account events' logins) through CloudTrail, and
/// every third sign-in followed by a shell on its instance through Session Manager.
pub(super) fn marketing_site(dir: &Path, config: &mut String, logins: &[Row]) -> io::Result<()> {
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
            &format!("exports/cloudtrail/marketing-console-logins-{month}.json"),
            &json!({ "Events": events }),
        )?;
    }
    for (month, sessions) in &ssm {
        write_json(
            dir,
            &format!("exports/ssm/marketing-sessions-{month}.json"),
            &json!({ "Sessions": sessions }),
        )?;
    }
    let _ = write!(
        config,
        "\n# The marketing site's AWS account: console sign-ins from CloudTrail (`aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=ConsoleLogin`, monthly: the API keeps 90 days).\n[[sources]]\nadapter = \"aws-cloudtrail\"\npath = \"exports/cloudtrail/marketing-console-logins-*.json\"\nsystem_id = \"marketing-site\"\n\n# Shells on the marketing site's instance: `aws ssm describe-sessions --state History`, monthly.\n[[sources]]\nadapter = \"aws-ssm-sessions\"\npath = \"exports/ssm/marketing-sessions-*.json\"\ntargets = {{ \"{MARKETING_INSTANCE}\" = \"marketing-site\" }}\n"
    );
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
        let lines = months.entry(start.strftime("%Y%m").to_string()).or_default();
        lines.push((start, format!("{} wiki-1 sshd[{pid}]: Accepted publickey for {user} from 10.20.4.17 port {port} ssh2: ED25519 SHA256:q8Jb1uTyV0KZ9rFh3mXw2cLpN4sYdE7gA6oRiUvCkMt", stamp(start))));
        lines.push((end, format!("{} wiki-1 sshd[{pid}]: Disconnected from user {user} 10.20.4.17 port {port}", stamp(end))));
        lines.push((end, format!("{} wiki-1 sshd[{pid}]: pam_unix(sshd:session): session closed for user {user}", stamp(end))));
    }
    for (month, mut lines) in months {
        lines.sort_by_key(|(t, _)| *t);
        let mut text = String::new();
        for (_, l) in lines {
            text.push_str(&l);
            text.push('\n');
        }
        let p = dir.join(format!("exports/sshd/wiki-1-auth.log-{month}"));
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, text)?;
    }
    config.push_str("\n# SSH sessions on the legacy wiki's server: sshd's lines of /var/log/auth.log (rsyslog's RFC 3339 form), one file per month.\n[[sources]]\nadapter = \"sshd\"\npath = \"exports/sshd/wiki-1-auth.log-*\"\nhosts = { \"wiki-*\" = \"legacy-wiki\" }\n");
    Ok(())
}
