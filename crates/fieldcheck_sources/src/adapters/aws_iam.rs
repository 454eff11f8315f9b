//! AWS IAM: the credential report, as `aws iam get-credential-report` prints it (JSON with the
//! CSV base64-encoded in `Content`) or decoded (CSV).

use std::collections::HashMap;

use base64::Engine as _;
use fieldcheck_kit::{Diagnostic, Kind};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use super::awsops::{OtherCalls, cli_error, first_byte, head, top_keys};
use crate::emit::Emitter;
use crate::read::{At, CsvRow, Delimiter, csv_file, json_file_in};
use crate::spec::{OptSpec, OptTy, Spec};
use crate::value::{parse_bool, parse_time, present};
use crate::{Adapter, Input};

/// `aws-iam-credential-report`.
pub(crate) static CREDENTIAL_REPORT: Adapter = Adapter {
    spec: &Spec {
        name: "aws-iam-credential-report",
        system: "AWS IAM",
        reads: "the IAM credential report as `aws iam get-credential-report --output json` prints it (`{\"Content\": \"<base64 of the CSV>\", \"ReportFormat\": \"text/csv\", \"GeneratedTime\": ...}`; each row's provenance says when the report was generated) or decoded to CSV (`--query Content --output text | base64 -d`), under any file name: a file starting with `{` is the JSON, else the CSV; columns by header name (`user`, `arn` and `user_creation_time` required). Other IAM calls' JSON in the same folder (`list-users`, `list-access-keys`, `list-mfa-devices`) is skipped with a note; the CLI's error text (`An error occurred (ReportNotPresent) ...`) is an error",
        produces: &[
            Kind::Accounts,
            Kind::Credentials,
            Kind::AccountEvents,
            Kind::Identities,
        ],
        needs_system: true,
        containers: &[],
        options: &[
            OptSpec {
                name: "service_accounts",
                ty: OptTy::List,
                help: "IAM user names of service accounts, as globs (`svc-*`); default: none (users without a console password are service accounts)",
            },
            OptSpec {
                name: "human_accounts",
                ty: OptTy::List,
                help: "IAM user names of human accounts, as globs; default: none (users with a console password are human)",
            },
            OptSpec {
                name: "email_domain",
                ty: OptTy::Str,
                help: "the domain that makes a human user's name an email (`alice` → `alice@<domain>`); default: none (the user name is the person)",
            },
            OptSpec {
                name: "owners",
                ty: OptTy::Map,
                help: "the owner of each service user (and of `<root_account>`): user name → person; default: none",
            },
        ],
        example: "[[sources]]\nadapter = \"aws-iam-credential-report\"\npath = \"exports/aws/credential-report-prod.csv\"\nsystem_id = \"aws-prod\"\nemail_domain = \"acme.com\"\nservice_accounts = [\"svc-*\", \"ci-*\"]\nowners = { \"svc-ci-deploy\" = \"ann@acme.com\", \"<root_account>\" = \"cto@acme.com\" }",
    },
    run: run_report,
};

const ROOT: &str = "<root_account>";

fn glob_any(globs: &[String], name: &str) -> bool {
    globs.iter().any(|g| crate::files::matches(g, name))
}

/// A row held until every report is read: several monthly reports of one account describe the
/// same users and keys at different times.
struct Held {
    at: At,
    cells: Vec<(&'static str, Option<String>)>,
}

/// One credential of a slot as a report saw it: its creation (or last rotation) and its row.
type Version = (Option<Timestamp>, Held);

fn emit_held(em: &mut Emitter, kind: Kind, h: Held) {
    let mut r = em.row(kind, &h.at.file, h.at.line, h.at.path());
    for (f, v) in h.cells {
        r = r.set(f, v);
    }
    r.emit();
}

fn run_report(input: &Input<'_>, em: &mut Emitter) {
    let o = input.options;
    let service = o.list("service_accounts");
    let human = o.list("human_accounts");
    let domain = o
        .str("email_domain")
        .map(|d| d.trim().trim_start_matches('@').to_string());
    let owners: HashMap<String, String> = o.map("owners").into_iter().collect();
    // Files are read in name order, so a later report (credential-report-2026-06.csv) wins for a
    // user's account row.
    let mut accounts: Vec<(String, Held)> = Vec::new();
    // Per credential slot (user ARN and slot), every distinct creation seen: a slot whose key
    // was rotated between two reports held the older key until the newer one was created.
    let mut slots: std::collections::BTreeMap<(String, &'static str), Vec<Version>> =
        Default::default();
    let mut logins: std::collections::BTreeSet<(String, Timestamp)> = Default::default();
    let mut events: Vec<Held> = Vec::new();
    let mut others = OtherCalls::default();
    let needed: Vec<Vec<String>> = ["user", "arn", "user_creation_time"]
        .iter()
        .map(|c| vec![c.to_string()])
        .collect();
    let delimiter = Delimiter {
        byte: b',',
        option: false,
    };
    let each = &mut |row: &CsvRow<'_>, at: &At, em: &mut Emitter| {
        let Some(user) = row.get("user") else {
            at.bad(
                em,
                fieldcheck_kit::Code::BadValue,
                "the row has no `user`",
                "the row was skipped",
            );
            return;
        };
        // The ARN names the AWS account: the same user name in two accounts is two users.
        let arn = row.get("arn").unwrap_or(user).to_string();
        let time = |col: &str, em: &mut Emitter| time_cell(row, col, at, input, em);
        let flag = |col: &str, em: &mut Emitter| bool_cell(row, col, at, em);
        let root = user == ROOT;
        let password = if root {
            None
        } else {
            flag("password_enabled", em)
        };
        let is_service =
            root || glob_any(&service, user) || (!glob_any(&human, user) && password != Some(true));
        let created = time("user_creation_time", em);
        let mfa_active = flag("mfa_active", em);
        // The root user always has a console password (the report says `not_supported`).
        let has_password = root || password == Some(true);
        let mfa = if has_password {
            mfa_active.map(|m| if m { "enforced" } else { "not_enforced" })
        } else {
            Some("not_applicable")
        };
        let person = (!is_service).then(|| match &domain {
            Some(d) if !user.contains('@') => format!("{user}@{d}"),
            _ => user.to_string(),
        });
        let owner = if is_service {
            owners.get(user).cloned()
        } else {
            None
        };
        // The user name is how CloudTrail and SSM name the person: link it to the email.
        if let Some(p) = person.as_deref().filter(|p| p.contains('@'))
            && let Some(system) = input.system_id
        {
            em.identity(&at.file, at.line, at.path(), system, user, p);
        }
        let held = Held {
            at: at.clone(),
            cells: vec![
                ("account_id", Some(user.to_string())),
                (
                    "kind",
                    Some(if is_service { "service" } else { "human" }.to_string()),
                ),
                ("person_id", person),
                ("owner_id", owner),
                ("privileged", root.then(|| "true".to_string())),
                ("status", Some("active".to_string())),
                ("created_at", created.map(|t| t.to_string())),
                (
                    "interactive",
                    if root { Some(true) } else { password }.map(|b| b.to_string()),
                ),
                ("mfa", mfa.map(str::to_string)),
            ],
        };
        match accounts.iter_mut().find(|(u, _)| *u == arn) {
            Some(slot) => slot.1 = held,
            None => accounts.push((arn.clone(), held)),
        }
        let mut credential = |slot: &'static str, kind: &str, created: Option<Timestamp>| {
            let id = match created {
                Some(t) => format!("{arn}#{slot}@{t}"),
                None => format!("{arn}#{slot}"),
            };
            let list = slots.entry((arn.clone(), slot)).or_default();
            if list.iter().any(|(c, _)| *c == created) {
                return;
            }
            list.push((
                created,
                Held {
                    at: at.clone(),
                    cells: vec![
                        ("account_id", Some(user.to_string())),
                        ("credential_id", Some(id)),
                        ("type", Some(kind.to_string())),
                        ("created_at", created.map(|t| t.to_string())),
                    ],
                },
            ));
        };
        if password == Some(true) {
            credential("password", "password", time("password_last_changed", em));
        }
        for (kind, slot) in [
            ("access_key", "access_key_1"),
            ("access_key", "access_key_2"),
            ("certificate", "cert_1"),
            ("certificate", "cert_2"),
        ] {
            if flag(&format!("{slot}_active"), em) == Some(true) {
                credential(slot, kind, time(&format!("{slot}_last_rotated"), em));
            }
        }
        for col in [
            "password_last_used",
            "access_key_1_last_used_date",
            "access_key_2_last_used_date",
        ] {
            if let Some(t) = time(col, em)
                && logins.insert((arn.clone(), t))
            {
                events.push(Held {
                    at: at.clone(),
                    cells: vec![
                        ("account_id", Some(user.to_string())),
                        ("event", Some("login".to_string())),
                        ("at", Some(t.to_string())),
                    ],
                });
            }
        }
    };
    for f in input.files {
        let head = head(input, f);
        if first_byte(&head) == Some(b'{') {
            report_json(input, f, em, &needed, &mut others, each);
        } else if let Some(e) = cli_error(&head) {
            let id = em.open(&f.shown, input.spec.name);
            em.diag(
                Diagnostic::error(
                    fieldcheck_kit::Code::SourceErrorResponse,
                    format!("the file is the AWS CLI's error message, not a credential report: {}", e.text),
                )
                .file(id.shown)
                .line(1)
                .help(if e.code == "ReportNotPresent" || e.code == "ReportExpired" {
                    "run `aws iam generate-credential-report` until its State is COMPLETE, then `aws iam get-credential-report` again; the users are not evidenced"
                } else {
                    "fix the credentials or permissions (iam:GetCredentialReport) and collect the report again; the users are not evidenced"
                }),
            );
        } else if let Some((h, id)) = crate::read::open(input, f, em) {
            csv_file(
                crate::read::decompressed(h),
                &id,
                input.spec.reads,
                em,
                delimiter,
                &needed,
                &[],
                each,
            );
        }
    }
    others.report(em);
    for (_, h) in accounts {
        emit_held(em, Kind::Accounts, h);
    }
    for (_, mut list) in slots {
        // An older key of a slot stopped being valid when the next one was created.
        list.sort_by_key(|(c, _)| *c);
        let next: Vec<Option<Timestamp>> = list.iter().skip(1).map(|(c, _)| *c).collect();
        for (i, (_, mut h)) in list.into_iter().enumerate() {
            if let Some(Some(t)) = next.get(i) {
                h.cells.push(("revoked_at", Some(t.to_string())));
            }
            emit_held(em, Kind::Credentials, h);
        }
    }
    for h in events {
        emit_held(em, Kind::AccountEvents, h);
    }
}

/// `aws iam get-credential-report` output.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Report {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    report_format: Option<String>,
    #[serde(default)]
    generated_time: Value,
}

/// Reads the `get-credential-report` JSON documents of `f`: each `Content` is decoded and read as
/// the report's CSV; every row points at `$.Content` with its line in the report and the time
/// the report was generated (the moment the state was observed). A document of another call
/// (`{"Users": [...]}`) is counted in `others`.
fn report_json(
    input: &Input<'_>,
    f: &crate::SourceFile,
    em: &mut Emitter,
    needed: &[Vec<String>],
    others: &mut OtherCalls,
    each: &mut dyn FnMut(&CsvRow<'_>, &At, &mut Emitter),
) {
    const OURS: &[&str] = &["Content", "ReportFormat", "GeneratedTime"];
    json_file_in(input, f, &[], em, &mut |el, at, em| {
        let keys = top_keys(el.bytes);
        if !keys.iter().any(|k| OURS.contains(&k.as_str())) {
            others.add_keys(at, &keys, em);
            return;
        }
        let r: Report = match serde_json::from_slice(el.bytes) {
            Ok(r) => r,
            Err(e) => return crate::read::bad_json(em, at, &e, input.spec.reads),
        };
        let Some(content) = r.content.as_deref() else {
            at.bad(
                em,
                fieldcheck_kit::Code::BadValue,
                "the `get-credential-report` output has no `Content`: the report itself is missing",
                "save the whole output (`aws iam get-credential-report --output json`, without `--query`); the users are not evidenced",
            );
            return;
        };
        if let Some(fmt) = r.report_format.as_deref()
            && fmt != "text/csv"
        {
            super::common::unknown_value(
                em,
                at,
                "ReportFormat",
                fmt,
                "the credential report's format is `text/csv`",
            );
            return;
        }
        let compact: Vec<u8> = content
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let csv = match base64::engine::general_purpose::STANDARD.decode(&compact) {
            Ok(b) => b,
            Err(e) => {
                em.bad_record(
                    &at.file,
                    at.line,
                    Some("$.Content"),
                    fieldcheck_kit::Code::BadBase64,
                    format!("`Content` is not base64 ({e})"),
                    "the report could not be decoded, so its users are not evidenced: save `aws iam get-credential-report --output json` again, unedited",
                );
                return;
            }
        };
        let generated = match crate::value::json_time(&r.generated_time, None) {
            Ok(t) => t.map(|t| format!(", generated {}", crate::value::ts_cell(t))),
            Err(e) => {
                em.bad_record(
                    &at.file,
                    at.line,
                    Some("$.GeneratedTime"),
                    fieldcheck_kit::Code::BadValue,
                    format!("`GeneratedTime` is not a timestamp ({e})"),
                    "the report was read; when it was generated is unknown",
                );
                None
            }
        };
        let start = at.line;
        csv_file(
            csv.as_slice(),
            &at.file,
            input.spec.reads,
            em,
            Delimiter {
                byte: b',',
                option: false,
            },
            needed,
            &[],
            &mut |row, rat, em| {
                let inner = At {
                    file: rat.file.clone(),
                    line: start,
                    path: Some(format!(
                        "$.Content (report line {}{})",
                        rat.line,
                        generated.as_deref().unwrap_or("")
                    )),
                };
                each(row, &inner, em);
            },
        );
    });
}

fn time_cell(
    row: &CsvRow<'_>,
    col: &str,
    at: &At,
    input: &Input<'_>,
    em: &mut Emitter,
) -> Option<Timestamp> {
    let raw = present(row.get(col)?)?;
    match parse_time(raw, Some(input.tz)) {
        Ok(t) => Some(t),
        Err(e) => {
            at.bad(
                em,
                fieldcheck_kit::Code::BadValue,
                format!("`{col}` is not a timestamp: `{raw}` ({e})"),
                "the value was read as unknown, and the controls that need this source are not evidenced until the export is fixed",
            );
            None
        }
    }
}

fn bool_cell(row: &CsvRow<'_>, col: &str, at: &At, em: &mut Emitter) -> Option<bool> {
    let raw = present(row.get(col)?)?;
    match parse_bool(raw) {
        Some(b) => Some(b),
        None => {
            at.bad(
                em,
                fieldcheck_kit::Code::BadValue,
                format!("`{col}` is not true or false: `{raw}`"),
                "the value was read as unknown, and the controls that need this source are not evidenced until the export is fixed",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    fn report() -> String {
        [
            HEADER,
            "<root_account>,arn:aws:iam::111122223333:root,2019-05-05T10:00:00+00:00,not_supported,2025-01-03T08:12:44+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
            "alice,arn:aws:iam::111122223333:user/alice,2023-02-01T09:00:00+00:00,TRUE,2025-03-30T07:41:02+00:00,2025-01-15T09:00:00+00:00,N/A,FALSE,true,2024-11-01T10:00:00+00:00,no_information,N/A,N/A,false,2023-02-01T09:10:00+00:00,2023-05-01T09:10:00+00:00,us-east-1,iam,false,N/A,false,N/A",
            "svc-ci-deploy,arn:aws:iam::111122223333:user/svc-ci-deploy,2022-06-10T12:00:00+00:00,false,N/A,N/A,N/A,false,true,2022-06-10T12:05:00+00:00,2025-03-31T23:10:00+00:00,us-east-1,s3,true,2024-06-10T12:05:00+00:00,N/A,N/A,N/A,true,2022-07-01T00:00:00+00:00,false,N/A",
            "bob,arn:aws:iam::111122223333:user/bob,2023-03-01T09:00:00+00:00,true,no_information,2023-03-01T09:00:00+00:00,2023-06-01T09:00:00+00:00,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
            "breakglass,arn:aws:iam::111122223333:user/breakglass,2021-01-01T00:00:00+00:00,true,N/A,2021-01-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
            "carol,arn:aws:iam::111122223333:user/carol,yesterday,false,N/A,N/A,N/A,maybe,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        ]
        .join("\n")
            + "\n"
    }

    const CONFIG: &str = "[[sources]]\nadapter = \"aws-iam-credential-report\"\npath = \"aws/*.csv\"\nsystem_id = \"aws-prod\"\nemail_domain = \"acme.com\"\nservice_accounts = [\"breakglass\"]\nhuman_accounts = [\"carol\"]\nowners = { \"svc-ci-deploy\" = \"ann@acme.com\", \"<root_account>\" = \"cto@acme.com\" }";

    #[test]
    fn users_keys_and_logins() {
        let out = run(CONFIG, &[("aws/report.csv", report().as_bytes())]);
        let rows: Vec<String> = out.rows("accounts").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "account_id=<root_account>|created_at=2019-05-05T10:00:00Z|interactive=true|kind=service|mfa=enforced|owner_id=cto@acme.com|privileged=true|status=active|system_id=aws-prod",
                "account_id=alice|created_at=2023-02-01T09:00:00Z|interactive=true|kind=human|mfa=not_enforced|person_id=alice@acme.com|status=active|system_id=aws-prod",
                "account_id=svc-ci-deploy|created_at=2022-06-10T12:00:00Z|interactive=false|kind=service|mfa=not_applicable|owner_id=ann@acme.com|status=active|system_id=aws-prod",
                "account_id=bob|created_at=2023-03-01T09:00:00Z|interactive=true|kind=human|mfa=enforced|person_id=bob@acme.com|status=active|system_id=aws-prod",
                "account_id=breakglass|created_at=2021-01-01T00:00:00Z|interactive=true|kind=service|mfa=enforced|status=active|system_id=aws-prod",
                "account_id=carol|interactive=false|kind=human|mfa=not_applicable|person_id=carol@acme.com|status=active|system_id=aws-prod",
            ]
        );
        let rows: Vec<String> = out.rows("credentials").iter().map(flat).collect();
        let arn = "arn:aws:iam::111122223333:user";
        assert_eq!(
            rows,
            [
                format!(
                    "account_id=alice|created_at=2024-11-01T10:00:00Z|credential_id={arn}/alice#access_key_1@2024-11-01T10:00:00Z|system_id=aws-prod|type=access_key"
                ),
                format!(
                    "account_id=alice|created_at=2025-01-15T09:00:00Z|credential_id={arn}/alice#password@2025-01-15T09:00:00Z|system_id=aws-prod|type=password"
                ),
                format!(
                    "account_id=bob|created_at=2023-03-01T09:00:00Z|credential_id={arn}/bob#password@2023-03-01T09:00:00Z|system_id=aws-prod|type=password"
                ),
                format!(
                    "account_id=breakglass|created_at=2021-01-01T00:00:00Z|credential_id={arn}/breakglass#password@2021-01-01T00:00:00Z|system_id=aws-prod|type=password"
                ),
                format!(
                    "account_id=svc-ci-deploy|created_at=2022-06-10T12:05:00Z|credential_id={arn}/svc-ci-deploy#access_key_1@2022-06-10T12:05:00Z|system_id=aws-prod|type=access_key"
                ),
                format!(
                    "account_id=svc-ci-deploy|created_at=2024-06-10T12:05:00Z|credential_id={arn}/svc-ci-deploy#access_key_2@2024-06-10T12:05:00Z|system_id=aws-prod|type=access_key"
                ),
                format!(
                    "account_id=svc-ci-deploy|created_at=2022-07-01T00:00:00Z|credential_id={arn}/svc-ci-deploy#cert_1@2022-07-01T00:00:00Z|system_id=aws-prod|type=certificate"
                ),
            ]
        );
        let rows: Vec<String> = out.rows("account_events").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "account_id=<root_account>|at=2025-01-03T08:12:44Z|event=login|system_id=aws-prod",
                "account_id=alice|at=2025-03-30T07:41:02Z|event=login|system_id=aws-prod",
                // The inactive key's last use is still a sign-in that happened.
                "account_id=alice|at=2023-05-01T09:10:00Z|event=login|system_id=aws-prod",
                "account_id=svc-ci-deploy|at=2025-03-31T23:10:00Z|event=login|system_id=aws-prod",
            ]
        );
        // carol's creation time and mfa flag are unreadable: errors on her line, row kept.
        assert_eq!(out.codes(), ["bad-value", "bad-value"]);
        assert!(out.diags.iter().all(|d| d.line == Some(7)));
        let o = &out.origins("accounts")[1];
        assert_eq!(o.line, 3);
        // Human users' names link to their email, so CloudTrail's `alice` is Alice.
        let ids: Vec<String> = out.rows("identities").iter().map(flat).collect();
        assert!(
            ids.contains(
                &"external_id=alice|person_id=alice@acme.com|system_id=aws-prod".to_string()
            ),
            "{ids:?}"
        );
        assert!(!ids.iter().any(|i| i.contains("svc-ci-deploy")), "{ids:?}");
    }

    #[test]
    fn monthly_reports_rotate_keys_and_two_accounts_keep_their_users_apart() {
        let april = [
            HEADER,
            "svc-ci,arn:aws:iam::111122223333:user/svc-ci,2022-06-10T12:00:00+00:00,false,N/A,N/A,N/A,false,true,2026-01-10T12:05:00+00:00,2026-04-01T10:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        ]
        .join("\n");
        let june = [
            HEADER,
            "svc-ci,arn:aws:iam::111122223333:user/svc-ci,2022-06-10T12:00:00+00:00,false,N/A,N/A,N/A,false,true,2026-05-20T08:00:00+00:00,2026-06-01T10:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
            "svc-ci,arn:aws:iam::999988887777:user/svc-ci,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2026-02-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        ]
        .join("\n");
        let out = run(
            CONFIG,
            &[
                ("aws/credential-report-2026-04.csv", april.as_bytes()),
                ("aws/credential-report-2026-06.csv", june.as_bytes()),
            ],
        );
        let creds: Vec<String> = out.rows("credentials").iter().map(flat).collect();
        assert_eq!(creds.len(), 3, "{creds:?}");
        // The April key was replaced on 2026-05-20: it was valid until then.
        assert!(
            creds[0].contains("111122223333:user/svc-ci#access_key_1@2026-01-10T12:05:00Z")
                && creds[0].contains("revoked_at=2026-05-20T08:00:00Z"),
            "{}",
            creds[0]
        );
        assert!(
            creds[1].contains("@2026-05-20T08:00:00Z") && !creds[1].contains("revoked_at"),
            "{}",
            creds[1]
        );
        assert!(
            creds[2].contains("999988887777:user/svc-ci#access_key_1"),
            "{}",
            creds[2]
        );
        // One account row per user, the newest report's.
        assert_eq!(out.rows("accounts").len(), 2);
        assert!(out.diags.iter().all(|d| d.code != "duplicate-key"));
    }

    #[test]
    fn an_older_report_with_fewer_columns_and_a_bom() {
        let csv = "\u{feff}user,arn,user_creation_time,password_enabled,password_last_used,mfa_active,access_key_1_active,access_key_1_last_rotated\n\
            dave,arn:aws:iam::1:user/dave,2014-09-01T22:28:48+00:00,false,N/A,false,true,2015-01-01T00:00:00+00:00\n";
        let out = run(
            "[[sources]]\nadapter = \"aws-iam-credential-report\"\npath = \"aws/*.csv\"\nsystem_id = \"aws-old\"",
            &[("aws/old.csv", csv.as_bytes())],
        );
        let rows: Vec<String> = out.rows("accounts").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "account_id=dave|created_at=2014-09-01T22:28:48Z|interactive=false|kind=service|mfa=not_applicable|status=active|system_id=aws-old"
            ]
        );
        assert_eq!(out.rows("credentials").len(), 1);
        assert!(out.diags.is_empty(), "{:?}", out.diags);
    }

    #[test]
    fn a_changed_header_skips_the_file_with_a_hint() {
        let csv = report().replacen("user_creation_time", "user_creation_date", 1);
        let out = run(CONFIG, &[("aws/report.csv", csv.as_bytes())]);
        assert!(out.rows("accounts").is_empty());
        assert_eq!(out.codes(), ["source-missing-column"]);
        assert!(
            out.diags[0]
                .help
                .as_deref()
                .unwrap_or("")
                .contains("`user_creation_date` → `user_creation_time`?"),
            "{:?}",
            out.diags[0]
        );
        assert_eq!(out.problems("accounts").len(), 1);
    }

    fn b64(s: &str) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    const JSON_CONFIG: &str = "[[sources]]\nadapter = \"aws-iam-credential-report\"\npath = \"exports/aws/iam/*\"\nsystem_id = \"aws-prod\"\nemail_domain = \"acme.com\"\nservice_accounts = [\"breakglass\"]\nhuman_accounts = [\"carol\"]\nowners = { \"svc-ci-deploy\" = \"ann@acme.com\", \"<root_account>\" = \"cto@acme.com\" }";

    #[test]
    fn the_cli_json_reads_as_the_decoded_csv_with_when_it_was_generated() {
        // `aws iam get-credential-report --output json`, as the CLI prints it.
        let json = format!(
            "{{\n    \"Content\": \"{}\",\n    \"ReportFormat\": \"text/csv\",\n    \"GeneratedTime\": \"2026-06-30T09:00:00+00:00\"\n}}\n",
            b64(&report())
        );
        let from_json = run(
            JSON_CONFIG,
            &[
                ("exports/aws/iam/get-credential-report.json", json.as_bytes()),
                // Another IAM call in the same folder (AWS CLI Command Reference, list-users).
                ("exports/aws/iam/list-users.json", br#"{"Users": [{"UserName": "Adele", "Path": "/", "CreateDate": "2019-12-18T21:10:08+00:00", "UserId": "AIDA0123456789EXAMPLE", "Arn": "arn:aws:iam::123456789012:user/Adele"}]}"#),
            ],
        );
        let from_csv = run(CONFIG, &[("aws/report.csv", report().as_bytes())]);
        for kind in ["accounts", "credentials", "account_events", "identities"] {
            assert_eq!(from_json.rows(kind), from_csv.rows(kind), "{kind}");
        }
        // The row points at the JSON's `Content`, its line in the report and when AWS made it.
        let o = &from_json.origins("accounts")[1];
        assert_eq!(
            (o.line, o.path.as_deref()),
            (
                1,
                Some("$.Content (report line 3, generated 2026-06-30T09:00:00Z)")
            )
        );
        assert_eq!(
            from_json.codes(),
            ["bad-value", "bad-value", "source-other-call"],
            "{:?}",
            from_json.diags
        );
    }

    #[test]
    fn a_bad_payload_or_a_report_without_content_loses_the_users_loudly() {
        let bad = r#"{"Content": "dXNlcixhcm4s!!not base64", "ReportFormat": "text/csv", "GeneratedTime": "2026-06-30T09:00:00Z"}"#;
        let out = run(
            JSON_CONFIG,
            &[("exports/aws/iam/report-prod.json", bad.as_bytes())],
        );
        assert!(out.rows("accounts").is_empty());
        assert_eq!(out.codes(), ["bad-base64"]);
        assert_eq!(out.problems("accounts").len(), 1);
        // The AWS CLI Command Reference's get-credential-report example prints no `Content`
        // (https://docs.aws.amazon.com/cli/latest/reference/iam/get-credential-report.html).
        let documented = "{\n    \"GeneratedTime\":  \"2015-06-17T19:11:50Z\",\n    \"ReportFormat\": \"text/csv\"\n}\n";
        let out = run(
            JSON_CONFIG,
            &[(
                "exports/aws/iam/get-credential-report.json",
                documented.as_bytes(),
            )],
        );
        assert_eq!(out.codes(), ["bad-value"]);
        assert_eq!(out.problems("accounts").len(), 1);
        // The CLI's error text, saved from stderr.
        let err = "\nAn error occurred (ReportNotPresent) when calling the GetCredentialReport operation: Unknown\n";
        let out = run(
            JSON_CONFIG,
            &[("exports/aws/iam/get-credential-report.json", err.as_bytes())],
        );
        assert_eq!(out.codes(), ["source-error-response"]);
        assert!(
            out.diags[0]
                .help
                .as_deref()
                .unwrap_or("")
                .contains("generate-credential-report")
        );
        assert_eq!(out.problems("accounts").len(), 1);
    }
}
