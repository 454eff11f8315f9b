//! AWS IAM: the credential report (`GetCredentialReport`, CSV).

use std::collections::HashMap;

use fieldcheck_kit::Kind;
use jiff::Timestamp;

use crate::emit::Emitter;
use crate::read::{At, CsvRow, csv_rows};
use crate::spec::{OptSpec, OptTy, Spec};
use crate::value::{parse_bool, parse_time, present};
use crate::{Adapter, Input};

/// `aws-iam-credential-report`.
pub(crate) static CREDENTIAL_REPORT: Adapter = Adapter {
    spec: &Spec {
        name: "aws-iam-credential-report",
        system: "AWS IAM",
        reads: "the IAM credential report CSV as downloaded (`aws iam get-credential-report --query Content --output text | base64 -d`), columns by header name (`user`, `arn` and `user_creation_time` required)",
        produces: &[Kind::Accounts, Kind::Credentials, Kind::AccountEvents],
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

fn run_report(input: &Input<'_>, em: &mut Emitter) {
    let o = input.options;
    let service = o.list("service_accounts");
    let human = o.list("human_accounts");
    let domain = o
        .str("email_domain")
        .map(|d| d.trim().trim_start_matches('@').to_string());
    let owners: HashMap<String, String> = o.map("owners").into_iter().collect();
    csv_rows(
        input,
        em,
        b',',
        &["user", "arn", "user_creation_time"],
        &mut |row, at, em| {
            let Some(user) = row.get("user") else {
                em.bad_record(
                    &at.file,
                    at.line,
                    None,
                    "bad-value",
                    "the row has no `user`",
                    "the row was skipped",
                );
                return;
            };
            let time = |col: &str, em: &mut Emitter| time_cell(row, col, at, input, em);
            let flag = |col: &str, em: &mut Emitter| bool_cell(row, col, at, em);
            let root = user == ROOT;
            let password = if root {
                None
            } else {
                flag("password_enabled", em)
            };
            let is_service = root
                || glob_any(&service, user)
                || (!glob_any(&human, user) && password != Some(true));
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
            em.row(Kind::Accounts, &at.file, at.line, None)
                .set("account_id", user)
                .set("kind", if is_service { "service" } else { "human" })
                .set("person_id", person)
                .set("owner_id", owner)
                .set("privileged", root.then_some(true))
                .set("status", "active")
                .set("created_at", created)
                .set("interactive", if root { Some(true) } else { password })
                .set("mfa", mfa)
                .emit();
            if password == Some(true) {
                let changed = time("password_last_changed", em);
                em.row(Kind::Credentials, &at.file, at.line, None)
                    .set("account_id", user)
                    .set("credential_id", format!("{user}/password"))
                    .set("type", "password")
                    .set("created_at", changed)
                    .emit();
            }
            for (kind, prefix, id) in [
                ("access_key", "access_key_1", "access_key_1"),
                ("access_key", "access_key_2", "access_key_2"),
                ("certificate", "cert_1", "cert_1"),
                ("certificate", "cert_2", "cert_2"),
            ] {
                if flag(&format!("{prefix}_active"), em) == Some(true) {
                    let rotated = time(&format!("{prefix}_last_rotated"), em);
                    em.row(Kind::Credentials, &at.file, at.line, None)
                        .set("account_id", user)
                        .set("credential_id", format!("{user}/{id}"))
                        .set("type", kind)
                        .set("created_at", rotated)
                        .emit();
                }
            }
            for col in [
                "password_last_used",
                "access_key_1_last_used_date",
                "access_key_2_last_used_date",
            ] {
                if let Some(t) = time(col, em) {
                    em.row(Kind::AccountEvents, &at.file, at.line, None)
                        .set("account_id", user)
                        .set("event", "login")
                        .set("at", t)
                        .emit();
                }
            }
        },
    );
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
            em.bad_record(
                &at.file,
                at.line,
                None,
                "bad-value",
                format!("`{col}` is not a timestamp: `{raw}` ({e})"),
                "the value was read as unknown",
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
            em.bad_record(
                &at.file,
                at.line,
                None,
                "bad-value",
                format!("`{col}` is not true or false: `{raw}`"),
                "the value was read as unknown",
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
        assert_eq!(
            rows,
            [
                "account_id=alice|created_at=2025-01-15T09:00:00Z|credential_id=alice/password|system_id=aws-prod|type=password",
                "account_id=alice|created_at=2024-11-01T10:00:00Z|credential_id=alice/access_key_1|system_id=aws-prod|type=access_key",
                "account_id=svc-ci-deploy|created_at=2022-06-10T12:05:00Z|credential_id=svc-ci-deploy/access_key_1|system_id=aws-prod|type=access_key",
                "account_id=svc-ci-deploy|created_at=2024-06-10T12:05:00Z|credential_id=svc-ci-deploy/access_key_2|system_id=aws-prod|type=access_key",
                "account_id=svc-ci-deploy|created_at=2022-07-01T00:00:00Z|credential_id=svc-ci-deploy/cert_1|system_id=aws-prod|type=certificate",
                "account_id=bob|created_at=2023-03-01T09:00:00Z|credential_id=bob/password|system_id=aws-prod|type=password",
                "account_id=breakglass|created_at=2021-01-01T00:00:00Z|credential_id=breakglass/password|system_id=aws-prod|type=password",
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
}
