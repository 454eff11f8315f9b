//! The kit reader on bad input: each kind of problem gives its diagnostic on the right line and
//! column, the bad row is skipped, and the rest of the kit is still read.

use fieldcheck_kit::{Diagnostic, Kind, Kit, ReadOptions, Severity, read_kit};

fn read(files: &[(&str, &str)], opts: ReadOptions) -> (Kit, Vec<Diagnostic>) {
    let dir = fieldcheck_testkit::TempKit::with(files);
    read_kit(dir.path(), &opts).expect("readable kit")
}

fn people(rows: &str) -> (Kit, Vec<Diagnostic>) {
    read(
        &[(
            "people.csv",
            &format!("person_id,email,name,start_date,terminated_at,privileged\n{rows}"),
        )],
        ReadOptions::default(),
    )
}

/// Each diagnostic's code, line and field, in order.
fn placed(diags: &[Diagnostic]) -> Vec<(&str, Option<u32>, Option<&str>)> {
    diags
        .iter()
        .map(|d| (d.code.as_str(), d.line, d.field.as_deref()))
        .collect()
}

fn only(diags: &[Diagnostic]) -> &Diagnostic {
    assert_eq!(diags.len(), 1, "{diags:#?}");
    &diags[0]
}

#[test]
fn a_clean_file_reads_every_row() {
    let (kit, d) = people(
        "p1,a@x.test,A,2024-01-01,,false\np2,b@x.test,\"Doe, B\",2024-02-01,2026-03-06T17:05:00-05:00,yes\n",
    );
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(kit.people.len(), 2);
    assert_eq!(kit.people[1].name.as_deref(), Some("Doe, B"));
    assert_eq!(kit.people[1].loc.line, 3);
    assert_eq!(kit.people[1].privileged, Some(true));
    assert_eq!(kit.file(Kind::People).shortfall(), None);
    assert_eq!(
        kit.file(Kind::Accounts).shortfall().as_deref(),
        Some("accounts.csv is missing")
    );
}

#[test]
fn a_timestamp_without_offset_is_rejected_with_its_column() {
    let (kit, d) = people(
        "p1,a@x.test,A,2024-01-01,,false\np2,b@x.test,\"Doe, B\",2024-02-01,2026-03-06T17:05:00,no\np3,c@x.test,C,2024-01-01,,\n",
    );
    let d = only(&d);
    assert_eq!(
        (d.code.as_str(), d.severity, d.line, d.column),
        ("naive-timestamp", Severity::Error, Some(3), Some(33))
    );
    assert_eq!(d.field.as_deref(), Some("terminated_at"));
    assert_eq!(d.span_len, 19);
    assert!(
        d.help.as_deref().unwrap_or("").contains("naive_timestamps"),
        "{:?}",
        d.help
    );
    // The bad row is skipped; the rest are kept and the file is marked.
    assert_eq!(
        kit.people.iter().map(|p| &*p.person_id).collect::<Vec<_>>(),
        ["p1", "p3"]
    );
    assert_eq!(
        kit.file(Kind::People).shortfall().as_deref(),
        Some("people.csv: 1 row rejected as bad input")
    );
}

#[test]
fn naive_timestamps_in_the_org_zone_when_configured() {
    let tz = jiff::tz::TimeZone::get("America/New_York").expect("zone");
    let (kit, d) = read(
        &[(
            "people.csv",
            "person_id,start_date,terminated_at\np2,2024-02-01,2026-03-06T17:05:00\n",
        )],
        ReadOptions {
            naive_tz: Some(tz),
            ..Default::default()
        },
    );
    assert!(d.is_empty());
    assert_eq!(
        kit.people[0]
            .terminated_at
            .map(|t| t.to_string())
            .as_deref(),
        Some("2026-03-06T22:05:00Z")
    );
}

#[test]
fn unknown_enum_values_suggest_the_right_one() {
    let (kit, d) = read(
        &[(
            "accounts.csv",
            "system_id,account_id,kind,status\nokta,a,human,Active\nokta,b,robot,active\nokta,c,service,active\n",
        )],
        ReadOptions::default(),
    );
    assert_eq!(d.len(), 2, "{d:#?}");
    assert_eq!(
        (d[0].code.as_str(), d[0].line, d[0].column),
        ("unknown-enum-value", Some(2), Some(14))
    );
    assert!(
        d[0].help
            .as_deref()
            .unwrap_or("")
            .starts_with("did you mean `active`?"),
        "{:?}",
        d[0].help
    );
    assert_eq!((d[1].line, d[1].column), (Some(3), Some(8)));
    assert!(
        d[1].help
            .as_deref()
            .unwrap_or("")
            .contains("`human`, `service`")
    );
    assert_eq!(kit.accounts.len(), 1);
}

#[test]
fn a_duplicate_key_names_both_lines() {
    let (kit, d) = read(
        &[(
            "accounts.csv",
            "system_id,account_id,kind\nokta,a,human\nokta,b,human\nokta,a,service\ngithub,a,human\n",
        )],
        ReadOptions::default(),
    );
    let d = only(&d);
    assert_eq!((d.code.as_str(), d.line), ("duplicate-key", Some(4)));
    assert!(
        d.message.contains("okta/a") && d.message.contains("line 2"),
        "{}",
        d.message
    );
    assert_eq!(kit.accounts.len(), 3);
    assert_eq!(kit.file(Kind::Accounts).rejected, 1);
}

#[test]
fn a_missing_key_column_names_the_file_and_column() {
    let (kit, d) = read(
        &[(
            "deploys.csv",
            "system_id,environment,deployed_at\napi,production,2026-02-01T10:00:00Z\napi,production,2026-02-01T10:00:00Z\n",
        )],
        ReadOptions::default(),
    );
    let d = only(&d);
    assert_eq!(
        (
            d.code.as_str(),
            d.file.as_deref(),
            d.line,
            d.field.as_deref()
        ),
        (
            "missing-column",
            Some("deploys.csv"),
            Some(1),
            Some("deploy_id")
        )
    );
    assert!(kit.deploys.is_empty());
    assert_eq!(kit.file(Kind::Deploys).rejected, 2);
    assert_eq!(
        kit.file(Kind::Deploys).shortfall().as_deref(),
        Some("deploys.csv misses required column `deploy_id`")
    );
}

#[test]
fn empty_expected_values_are_kept_and_reported_once() {
    // A deploy without a time cannot be placed in the window: kept (read as unknown), reported.
    let (kit, d) = read(
        &[(
            "deploys.csv",
            "deploy_id,system_id,environment,deployed_at\nd1,api,production,\nd2,api,,\nd3,api,production,2026-02-01T10:00:00Z\n",
        )],
        ReadOptions::default(),
    );
    assert_eq!(
        placed(&d),
        [
            ("missing-value", Some(3), Some("environment")),
            ("missing-value", Some(2), Some("deployed_at"))
        ]
    );
    assert!(
        d[1].message
            .starts_with("2 rows have an empty `deployed_at`"),
        "{}",
        d[1].message
    );
    assert_eq!(kit.deploys.len(), 3);
    assert_eq!(kit.deploys[0].deployed_at, None);
    assert_eq!(kit.file(Kind::Deploys).shortfall(), None);
    // A whole expected column missing is one warning.
    let (_, d) = read(
        &[(
            "deploys.csv",
            "deploy_id,system_id,deployed_at\nd1,api,2026-02-01T10:00:00Z\n",
        )],
        ReadOptions::default(),
    );
    assert_eq!(
        (only(&d).code.as_str(), only(&d).line),
        ("missing-value", Some(1))
    );
}

#[test]
fn line_numbers_survive_crlf_and_blank_lines() {
    let (kit, d) = read(
        &[("vendors.csv", "vendor_id,name,tier\r\nv1,a,2\r\nv3,x,9\r\n")],
        ReadOptions::default(),
    );
    let d0 = only(&d);
    assert_eq!(
        (d0.code.as_str(), d0.line, d0.column),
        ("out-of-range", Some(3), Some(6))
    );
    assert_eq!(d0.snippet.as_deref(), Some("v3,x,9"));
    assert_eq!(kit.vendors[0].loc.line, 2);
    assert_eq!(kit.vendors[0].name.as_deref(), Some("a"));
    let (kit, d) = read(
        &[(
            "vendors.csv",
            "vendor_id,name,tier\nv1,a,2\n\n  \nv3,x,9\nv4,\"multi\nline\",1\nv5,y,1",
        )],
        ReadOptions::default(),
    );
    assert_eq!(
        (only(&d).line, only(&d).snippet.as_deref()),
        (Some(5), Some("v3,x,9"))
    );
    assert_eq!(
        kit.vendors
            .iter()
            .map(|v| (v.vendor_id.as_str(), v.loc.line))
            .collect::<Vec<_>>(),
        [("v1", 2), ("v4", 6), ("v5", 8)]
    );
}

#[test]
fn an_unterminated_quote_is_reported_with_the_lines_it_swallowed() {
    let (kit, d) = read(
        &[(
            "vendors.csv",
            "vendor_id,name,tier\nv1,a,2\nv2,\"b,2\nv3,c,1\nv4,d,1\n",
        )],
        ReadOptions::default(),
    );
    let d = only(&d);
    assert_eq!((d.code.as_str(), d.line), ("bad-csv", Some(3)));
    assert!(d.message.contains("lines 3 to 5"), "{}", d.message);
    assert_eq!(kit.vendors.len(), 1);
    assert_eq!(
        (
            kit.file(Kind::Vendors).rows,
            kit.file(Kind::Vendors).rejected
        ),
        (4, 3)
    );
}

#[test]
fn short_and_long_rows_are_rejected() {
    // v2: a row with fewer or more fields than the header may have lost a field; it is an error
    // of the file, whatever the extra fields hold.
    let (kit, d) = read(
        &[(
            "vendors.csv",
            "vendor_id,name,tier\nv1,a\nv2,b,1,\nv3,c,1\nv4,d",
        )],
        ReadOptions::default(),
    );
    let got: Vec<(&str, Severity, Option<u32>)> = d
        .iter()
        .map(|d| (d.code.as_str(), d.severity, d.line))
        .collect();
    assert_eq!(
        got,
        [
            ("bad-row", Severity::Error, Some(2)),
            ("bad-row", Severity::Error, Some(3)),
            ("bad-row", Severity::Error, Some(5)),
        ]
    );
    assert_eq!(kit.vendors.len(), 1);
    assert_eq!(
        kit.file(Kind::Vendors).shortfall().as_deref(),
        Some("vendors.csv: 3 rows rejected as bad input")
    );
}

#[test]
fn unknown_columns_are_a_warning_and_near_misses_an_error() {
    let (kit, d) = read(
        &[(
            "systems.csv",
            "system_id,in_scope,teir,notes\nokta,true,1,x\n",
        )],
        ReadOptions::default(),
    );
    let got: Vec<(&str, Severity, Option<u32>, Option<u32>)> = d
        .iter()
        .map(|d| (d.code.as_str(), d.severity, d.line, d.column))
        .collect();
    assert_eq!(
        got,
        [
            ("near-miss-column", Severity::Error, Some(1), Some(20)),
            ("unknown-column", Severity::Warning, Some(1), Some(25)),
        ]
    );
    assert!(
        d[0].help
            .as_deref()
            .unwrap_or("")
            .contains("rename the column to `tier`"),
        "{:?}",
        d[0].help
    );
    assert_eq!(kit.systems.len(), 1);
    assert!(kit.file(Kind::Systems).shortfall().is_some());
    // The boundary: an unknown column that is no near miss of an absent field is a warning only.
    let (_, d) = read(
        &[(
            "systems.csv",
            "system_id,in_scope,tier,notes\nokta,true,1,x\n",
        )],
        ReadOptions::default(),
    );
    assert_eq!(only(&d).code.as_str(), "unknown-column");
}

#[test]
fn cells_are_trimmed_and_booleans_read_in_any_case() {
    let (kit, d) = read(
        &[(
            "systems.csv",
            "system_id,tier,in_scope\n okta ,1,Yes\n\u{a0}github\u{a0},2, nO\naws,3,1\ngcp,1,0\nx,1,y\n",
        )],
        ReadOptions::default(),
    );
    let got: Vec<(&str, Option<bool>)> = kit
        .systems
        .iter()
        .map(|s| (s.system_id.as_str(), s.in_scope))
        .collect();
    assert_eq!(
        got,
        [
            ("okta", Some(true)),
            ("github", Some(false)),
            ("aws", Some(true)),
            ("gcp", Some(false))
        ]
    );
    // The boundary: `y` is no boolean.
    assert_eq!(
        (only(&d).code.as_str(), only(&d).line),
        ("bad-bool", Some(6))
    );
}

#[test]
fn other_cell_errors() {
    let (kit, d) = read(
        &[(
            "systems.csv",
            "system_id,tier,in_scope,rto_minutes\na,4,true,60\nb,1,maybe,60\nc,1,true,sixty\nd,1,true,60,extra\n,1,true,60\ne,1,TRUE,60\n",
        )],
        ReadOptions::default(),
    );
    let got: Vec<(&str, Option<u32>)> = d.iter().map(|d| (d.code.as_str(), d.line)).collect();
    assert_eq!(
        got,
        [
            ("out-of-range", Some(2)),
            ("bad-bool", Some(3)),
            ("bad-int", Some(4)),
            ("bad-row", Some(5)),
            ("required-null", Some(6))
        ]
    );
    assert_eq!(kit.systems.len(), 1);
    assert_eq!(kit.file(Kind::Systems).rejected, 5);
    let (_, d) = people("p1,a@x.test,A,2024-13-01,,\np2,a@x.test,A,01/02/2024,,\n");
    assert_eq!(
        d.iter().map(|d| d.code).collect::<Vec<_>>(),
        ["bad-date", "bad-date"]
    );
}

#[test]
fn json_lines_read_like_csv() {
    let (kit, d) = read(
        &[(
            "people.jsonl",
            "\u{feff}{\"person_id\": \"p1\", \"email\": \"a@x.test\", \"start_date\": \"2024-01-01\", \"privileged\": true}\n\n{\"person_id\": \"p2\", \"start_date\": \"2024-01-01\", \"terminated_at\": \"2026-03-06T17:05:00\", \"nickname\": \"x\"}\n{\"person_id\": \"p3\", \"start_date\": null}\n{not json\n{\"person_id\": \"p4\", \"start_date\": \"2024-01-01\"}\n",
        )],
        ReadOptions::default(),
    );
    let got: Vec<(&str, Option<u32>)> = d.iter().map(|d| (d.code.as_str(), d.line)).collect();
    assert_eq!(
        got,
        [
            ("naive-timestamp", Some(3)),
            ("required-null", Some(4)),
            ("bad-json", Some(5)),
            ("unknown-column", Some(3))
        ]
    );
    assert_eq!(
        kit.people
            .iter()
            .map(|p| (&*p.person_id, p.loc.line))
            .collect::<Vec<_>>(),
        [("p1", 1), ("p4", 6)]
    );
    assert_eq!(kit.people[0].privileged, Some(true));
    assert_eq!(kit.file(Kind::People).name.as_deref(), Some("people.jsonl"));
}

#[test]
fn both_formats_for_one_kind_is_an_error() {
    let (kit, d) = read(
        &[
            ("vendors.csv", "vendor_id\nv1\n"),
            ("vendors.jsonl", "{\"vendor_id\": \"v2\"}\n"),
        ],
        ReadOptions::default(),
    );
    assert_eq!(only(&d).code.as_str(), "duplicate-file");
    assert_eq!(kit.vendors.len(), 1);
    assert!(kit.file(Kind::Vendors).shortfall().is_some());
}

/// Three people, two with one email; identities naming them by email and by id, one external id
/// given twice.
const PEOPLE: &str = "person_id,email,start_date\np1,Ann@X.test,2024-01-01\np2,bob@x.test,2024-01-01\np3,bob@x.test,2024-01-01\n";
const IDENTITIES: &str = "system_id,external_id,person_id\ngithub,ann-gh,ann@x.test\njira,557058:abc,p2\njira,ann-gh,p2\n";

/// The pull requests' authors as read (empty when none).
fn authors(kit: &Kit) -> Vec<&str> {
    kit.pull_requests
        .iter()
        .map(|p| p.author_id.as_deref().unwrap_or(""))
        .collect()
}

#[test]
fn people_resolve_by_id_email_and_identity() {
    let (kit, d) = read(
        &[
            ("people.csv", PEOPLE),
            ("identities.csv", IDENTITIES),
            (
                "pull_requests.csv",
                "pr_id,author_id\na#1,ANN@x.test\na#2,ann-gh\na#3,557058:abc\na#4,p2\na#5,stranger\n",
            ),
        ],
        ReadOptions::default(),
    );
    assert_eq!(authors(&kit), ["p1", "p1", "p2", "p2", "stranger"]);
    let warnings: Vec<(&str, Option<u32>)> = d.iter().map(|d| (d.code.as_str(), d.line)).collect();
    assert_eq!(
        warnings,
        [("ambiguous-person", Some(4)), ("ambiguous-person", Some(4))]
    );
}

/// The people and identities are read first, by one worker, which builds the resolver while the
/// other reads a large file; each worker resolves the kinds it reads once the resolver exists, and
/// any read before it are resolved after the merge. Whichever worker read what, the records and
/// diagnostics are those of one resolution of the whole kit.
#[test]
fn people_resolve_alike_when_a_large_file_is_read_alone() {
    const SESSIONS: usize = 40_000;
    let mut sessions = String::from("session_id,system_id,person_id,started_at\n");
    for i in 0..SESSIONS {
        let who = ["ANN@x.test", "ann-gh", "p2", "stranger"][i % 4];
        sessions.push_str(&format!("s{i},aws,{who},2026-03-01T10:00:00Z\n"));
    }
    let (kit, d) = read(
        &[
            ("people.csv", PEOPLE),
            ("identities.csv", IDENTITIES),
            (
                "pull_requests.csv",
                "pr_id,author_id\na#1,ANN@x.test\na#2,557058:abc\n",
            ),
            ("sessions.csv", &sessions),
        ],
        ReadOptions::default(),
    );
    assert_eq!(authors(&kit), ["p1", "p2"]);
    assert_eq!(kit.sessions.len(), SESSIONS);
    for (i, s) in kit.sessions.iter().enumerate() {
        let want = ["p1", "p1", "p2", "stranger"][i % 4];
        assert_eq!(s.person_id.as_deref(), Some(want), "session {i}");
    }
    let warnings: Vec<(&str, Option<u32>, Option<&str>)> = d
        .iter()
        .map(|d| (d.code.as_str(), d.line, d.file.as_deref()))
        .collect();
    assert_eq!(
        warnings,
        [
            ("ambiguous-person", Some(4), Some("people.csv")),
            ("ambiguous-person", Some(4), Some("identities.csv"))
        ]
    );
}

/// The other way round: the people are the large file, so the worker that reads them builds the
/// resolver only after the other has read every other file (whose kinds are then resolved after
/// the merge, not as they were read). The records are the same either way.
#[test]
fn people_resolve_alike_when_the_people_are_read_last() {
    const PEOPLE_ROWS: usize = 60_000;
    let mut people = String::from(PEOPLE);
    for i in 0..PEOPLE_ROWS {
        people.push_str(&format!("x{i},x{i}@x.test,2024-01-01\n"));
    }
    let (kit, d) = read(
        &[
            ("people.csv", &people),
            ("identities.csv", IDENTITIES),
            (
                "pull_requests.csv",
                "pr_id,author_id\na#1,ANN@x.test\na#2,557058:abc\na#3,X59999@X.TEST\n",
            ),
            (
                "sessions.csv",
                "session_id,system_id,person_id,started_at\ns1,aws,ann-gh,2026-03-01T10:00:00Z\ns2,aws,stranger,2026-03-01T10:00:00Z\n",
            ),
        ],
        ReadOptions::default(),
    );
    assert_eq!(authors(&kit), ["p1", "p2", "x59999"]);
    let people: Vec<&str> = kit
        .sessions
        .iter()
        .map(|s| s.person_id.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(people, ["p1", "stranger"]);
    assert_eq!(kit.people.len(), PEOPLE_ROWS + 3);
    let codes: Vec<&str> = d.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["ambiguous-person", "ambiguous-person"], "{d:#?}");
}

/// A column the records do not keep (no test reads it) is still read and checked: a bad value
/// is reported on its line and rejects its row, as in a column that is kept.
#[test]
fn columns_that_are_not_kept_are_still_checked() {
    let (kit, d) = read(
        &[
            (
                "people.csv",
                "person_id,email,start_date,employment_type\np1,a@x.test,2024-01-01,employee\np2,b@x.test,2024-01-01,freelancer\n",
            ),
            (
                "sessions.csv",
                "session_id,system_id,person_id,started_at,ended_at\ns1,aws,p1,2026-03-01T10:00:00Z,2026-03-01T11:00:00Z\ns2,aws,p1,2026-03-01T10:00:00Z,yesterday\n",
            ),
            (
                "jit_requests.csv",
                "request_id,person_id,requested_at\nj1,p1,2026-03-01T09:00:00Z\nj2,p1,2026-03-01 9am\n",
            ),
            (
                "pull_requests.csv",
                "pr_id,repo,author_id\na#1,acme/api,p1\na#2,\"acme\u{0}api\",p1\n",
            ),
        ],
        ReadOptions::default(),
    );
    assert_eq!(
        placed(&d),
        [
            ("unknown-enum-value", Some(3), Some("employment_type")),
            ("nul-byte", Some(3), None),
            ("bad-timestamp", Some(3), Some("ended_at")),
            ("bad-timestamp", Some(3), Some("requested_at")),
        ],
        "{d:#?}"
    );
    let kept = |k: Kind| (kit.file(k).rows, kit.file(k).rejected);
    for k in [
        Kind::People,
        Kind::Sessions,
        Kind::JitRequests,
        Kind::PullRequests,
    ] {
        assert_eq!(kept(k), (2, 1), "{k:?}");
    }
}

#[test]
fn references_to_unknown_systems_are_reported() {
    let (_, d) = read(
        &[
            ("systems.csv", "system_id,in_scope\nokta,true\n"),
            (
                "accounts.csv",
                "system_id,account_id,kind\nokta,a,human\nokat,b,human\n",
            ),
        ],
        ReadOptions::default(),
    );
    let d = only(&d);
    assert_eq!(
        (d.code.as_str(), d.file.as_deref(), d.line),
        ("unknown-system", Some("accounts.csv"), Some(3))
    );
}

#[test]
fn garbage_never_panics() {
    let garbage = [
        "\u{feff}person_id,start_date\np1,2024-01-01\n",
        "\"unterminated\nquote",
        ",,,,\n,,,,\n",
        "person_id\n\"a\"\"b\",x\n",
        "\0\0\0\u{1}",
    ];
    for g in garbage {
        let (kit, _) = read(
            &[("people.csv", g), ("people.jsonl.bak", g)],
            ReadOptions::default(),
        );
        assert!(kit.people.len() <= 1);
    }
    let (kit, d) = read(
        &[(
            "people.csv",
            "\u{feff}person_id,start_date\np1,2024-01-01\n",
        )],
        ReadOptions::default(),
    );
    assert!(d.is_empty() && kit.people.len() == 1, "{d:#?}");
}

#[test]
fn an_events_actor_reads_back_as_written() {
    // A sign-in's actor is its own account (stored as such); a workflow is another actor; an
    // empty actor is none. The boundary: an actor that differs from the account only in case is
    // another actor, not the account.
    let (kit, d) = read(
        &[(
            "account_events.csv",
            "system_id,account_id,event,at,actor_id\n\
             okta,u1,login,2026-03-06T17:05:00Z,u1\n\
             okta,u2,disabled,2026-03-06T17:06:00Z,okta-workflows\n\
             okta,u3,login,2026-03-06T17:07:00Z,\n\
             okta,u4,login,2026-03-06T17:08:00Z,U4\n\
             github,u5,disabled,2026-03-06T17:09:00Z,okta-workflows\n",
        )],
        ReadOptions::default(),
    );
    assert!(d.iter().all(|d| d.severity != Severity::Error), "{d:#?}");
    let actors: Vec<Option<&str>> = kit
        .account_events
        .iter()
        .map(|e| e.actor_id(&kit.names))
        .collect();
    assert_eq!(
        actors,
        [
            Some("u1"),
            Some("okta-workflows"),
            None,
            Some("U4"),
            Some("okta-workflows")
        ]
    );
    use fieldcheck_kit::Actor;
    let e = &kit.account_events;
    assert_eq!((e[0].actor, e[2].actor), (Actor::ACCOUNT, Actor::NONE));
    assert_ne!(e[3].actor, Actor::ACCOUNT);
    // The workflow is stored once, by name.
    assert_eq!(e[1].actor, e[4].actor);
    assert_eq!(std::mem::size_of::<fieldcheck_kit::AccountEvent>(), 32);
}

#[test]
fn an_events_account_is_a_name_and_a_rejected_row_leaves_none() {
    // Accounts are kept once in the kit's names, long ids (an email) as well as short ones. A
    // row rejected after its account and actor were read (a bad timestamp) leaves no name
    // behind: `Names::find` knows only the ids of records. The boundary: the same account on a
    // row that is kept is found.
    let long = "carlos.castillo3@northpeak.example";
    let (kit, d) = read(
        &[(
            "account_events.csv",
            &format!(
                "system_id,account_id,event,at,actor_id\n\
                 aws,{long},login,2026-03-06T17:05:00Z,{long}\n\
                 aws,ghost@northpeak.example,login,yesterday,admin-only-here\n\
                 okta,u1,login,2026-03-06T17:07:00Z,{long}\n"
            ),
        )],
        ReadOptions::default(),
    );
    assert_eq!(
        d.iter().filter(|d| d.severity == Severity::Error).count(),
        1,
        "{d:#?}"
    );
    let rows: Vec<(&str, &str, Option<&str>)> = kit
        .account_events
        .iter()
        .map(|e| {
            (
                e.system(&kit.names),
                e.account(&kit.names),
                e.actor_id(&kit.names),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [("aws", long, Some(long)), ("okta", "u1", Some(long))]
    );
    assert_eq!(
        kit.account_events[0].account_id,
        kit.names.find(long).unwrap()
    );
    assert_eq!(kit.names.find("ghost@northpeak.example"), None);
    assert_eq!(kit.names.find("admin-only-here"), None);
    assert_eq!(kit.names.len(), 4, "aws, okta, the long id and u1");
}

#[test]
fn rows_read_ahead_in_batches_keep_their_lines_and_order() {
    // The reader reads a file's records a few dozen at a time before loading them (to fetch
    // their names together). Bad rows on either side of a batch's end, a short row and a row
    // with a quoted newline keep their lines, and the names made for a rejected row are
    // forgotten, whatever batch they fall in.
    let mut rows = String::from("system_id,account_id,event,at,actor_id\n");
    let mut line = 1;
    let mut bad = Vec::new();
    for i in 0..200u32 {
        line += 1;
        match i {
            30 | 31 | 32 | 63 | 64 => {
                rows.push_str(&format!("okta,gone-{i},login,not-a-time,x-{i}\n"));
                bad.push(("bad-timestamp", line));
            }
            95 => {
                rows.push_str(&format!("okta,short-{i},login\n"));
                bad.push(("bad-row", line));
            }
            96 => {
                rows.push_str(&format!(
                    "okta,\"quoted\nacct-{i}\",login,2026-03-06T17:05:00Z,\n"
                ));
                line += 1;
            }
            _ => rows.push_str(&format!(
                "okta,acct-{},login,2026-03-06T17:05:00Z,acct-{}\n",
                i % 37,
                i % 37
            )),
        }
    }
    let (kit, d) = read(&[("account_events.csv", &rows)], ReadOptions::default());
    let got: Vec<(&str, u32)> = d
        .iter()
        .map(|d| (d.code.as_str(), d.line.unwrap_or(0)))
        .collect();
    assert_eq!(got, bad);
    let events = &kit.account_events;
    assert_eq!(events.len(), 200 - bad.len());
    // Every kept row, in order, on its line.
    let mut expect_line = 1;
    let mut k = 0;
    for i in 0..200u32 {
        expect_line += 1;
        if bad.iter().any(|b| b.1 == expect_line) {
            continue;
        }
        let e = &events[k];
        k += 1;
        assert_eq!(e.loc.line, expect_line, "row {i}");
        if i == 96 {
            assert_eq!(e.account(&kit.names), "quoted\nacct-96");
            expect_line += 1;
        } else {
            assert_eq!(e.account(&kit.names), format!("acct-{}", i % 37));
        }
    }
    assert_eq!(kit.names.find("gone-31"), None);
    assert_eq!(kit.names.find("x-64"), None);
    assert_eq!(
        kit.names.len(),
        1 + 37 + 1,
        "okta, 37 accounts, the quoted one"
    );
}

#[test]
fn a_last_row_whose_quoted_final_field_ends_with_a_newline_keeps_its_line() {
    // The quote is closed and the row ends with its own line end: its line is the one it starts
    // on. The boundary: a quote left open to the end of the file swallows the lines after it,
    // which is an error even when the row it makes has as many fields as the header.
    let (kit, d) = read(
        &[(
            "vendors.csv",
            "vendor_id,tier,name\nv1,2,a\nv2,1,\"b\n\"\nv3,1,\"c\n\"\n",
        )],
        ReadOptions::default(),
    );
    assert!(d.iter().all(|d| d.severity != Severity::Error), "{d:#?}");
    let lines: Vec<u32> = kit.vendors.iter().map(|v| v.loc.line).collect();
    assert_eq!(lines, [2, 3, 5]);
    // A space after the closing quote (read into the value, as any CSV reader does).
    let (kit, d) = read(
        &[(
            "vendors.csv",
            "vendor_id,tier,name\nv1,2,a\nv2,1,\"b\n\" \n",
        )],
        ReadOptions::default(),
    );
    assert!(d.iter().all(|d| d.severity != Severity::Error), "{d:#?}");
    assert_eq!(
        kit.vendors.iter().map(|v| v.loc.line).collect::<Vec<_>>(),
        [2, 3]
    );
    // The same without the final line end.
    let (kit, d) = read(
        &[("vendors.csv", "vendor_id,tier,name\nv1,2,a\nv2,1,\"b\nc\"")],
        ReadOptions::default(),
    );
    assert!(d.is_empty(), "{d:#?}");
    let lines: Vec<(u32, &str)> = kit
        .vendors
        .iter()
        .map(|v| (v.loc.line, v.name.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(lines, [(2, "a"), (3, "b\nc")]);
    // After a line cut for being over-long, the open quote is still found.
    let long = "x".repeat((1 << 20) + 10);
    let (kit, d) = read(
        &[(
            "vendors.csv",
            &format!("vendor_id,tier,name\nv0,1,{long}\nv1,2,a\nv2,1,\"b\nv3,1,c\n"),
        )],
        ReadOptions::default(),
    );
    let got: Vec<(&str, Option<u32>)> = d.iter().map(|d| (d.code.as_str(), d.line)).collect();
    assert_eq!(got, [("cell-too-long", Some(2)), ("bad-csv", Some(4))]);
    assert_eq!(kit.vendors.len(), 1);
    for (text, lines) in [
        (
            "vendor_id,tier,name\nv1,2,a\nv2,1,\"b\nv3,1,c\n",
            "lines 3 to 4",
        ),
        // An escaped quote before the final line end does not close the field.
        (
            "vendor_id,tier,name\nv1,2,a\nv2,1,\"b\nv3,1,c\"\"\n",
            "lines 3 to 4",
        ),
        // Without a final line end, the lines swallowed are still rejected, not read as a name.
        (
            "vendor_id,tier,name\nv1,2,a\nv2,1,\"b\nv3,1,c",
            "lines 3 to 4",
        ),
    ] {
        let (kit, d) = read(&[("vendors.csv", text)], ReadOptions::default());
        let d = only(&d);
        assert_eq!((d.code.as_str(), d.line), ("bad-csv", Some(3)), "{text:?}");
        assert!(d.message.contains(lines), "{text:?}: {}", d.message);
        assert_eq!(kit.vendors.len(), 1, "{text:?}");
    }
}

#[test]
fn a_file_of_whole_batches_and_a_long_last_line_read_to_the_end() {
    // 64 rows: the reader's last batch is full and the next one empty.
    let mut rows = String::from("system_id,account_id,event,at,actor_id\n");
    for i in 0..64 {
        rows.push_str(&format!("okta,acct-{i},login,2026-03-06T17:05:00Z,\n"));
    }
    let (kit, d) = read(&[("account_events.csv", &rows)], ReadOptions::default());
    assert!(d.is_empty(), "{d:#?}");
    let lines: Vec<u32> = kit.account_events.iter().map(|e| e.loc.line).collect();
    assert_eq!(lines, (2..=65).collect::<Vec<u32>>());
    // A last row whose quoted field holds a newline and then 40,000 escaped quotes (80,000 bytes
    // on the last line, under the 64 KiB cell limit once read): its closing quote is found.
    let quotes = "\"\"".repeat(40_000);
    let (kit, d) = read(
        &[(
            "vendors.csv",
            &format!("vendor_id,tier,name\nv1,2,a\nv2,1,\"b\n{quotes}\""),
        )],
        ReadOptions::default(),
    );
    assert!(d.iter().all(|d| d.severity != Severity::Error), "{d:#?}");
    assert_eq!(kit.vendors.len(), 2);
    assert_eq!(kit.vendors[1].name.as_deref().map(str::len), Some(40_002));
}

/// Every field that names a person, in every kind, is resolved wherever the two reading workers
/// resolve it (as each kind is read, or after the merge for a kind read before the resolver was
/// built): a field left out would keep an email where the controls compare person ids, and a
/// self-review or a leaver's account would go unseen.
#[test]
fn every_person_field_of_every_kind_is_resolved() {
    use fieldcheck_kit::Ty;
    const WHO: &str = "ANN@X.TEST";
    let mut files: Vec<(String, String)> = vec![
        (
            "people.csv".into(),
            format!(
                "person_id,email,name,start_date,manager_id\np1,ann@x.test,Ann,2024-01-01,{WHO}\n"
            ),
        ),
        (
            "identities.csv".into(),
            format!("system_id,external_id,person_id\ngithub,ann-gh,{WHO}\n"),
        ),
    ];
    let mut fields = 2;
    for kind in Kind::ALL {
        let schema = kind.schema();
        if matches!(kind, Kind::People | Kind::Identities)
            || !schema.fields.iter().any(|f| f.ty == Ty::Person)
        {
            continue;
        }
        let cell = |ty: Ty| match ty {
            Ty::Person => WHO.to_string(),
            Ty::Id | Ty::Text => "x1".into(),
            Ty::Ts => "2026-03-01T10:00:00Z".into(),
            Ty::Date => "2026-03-01".into(),
            Ty::Bool => "true".into(),
            Ty::Int(lo, _) => lo.to_string(),
            Ty::Enum(values) => values[0].into(),
        };
        let header: Vec<&str> = schema.fields.iter().map(|f| f.name).collect();
        let row: Vec<String> = schema.fields.iter().map(|f| cell(f.ty)).collect();
        fields += schema.fields.iter().filter(|f| f.ty == Ty::Person).count();
        files.push((
            format!("{}.csv", schema.stem),
            format!("{}\n{}\n", header.join(","), row.join(",")),
        ));
    }
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (&**n, &**t)).collect();
    for _ in 0..8 {
        let (kit, d) = read(&files, ReadOptions::default());
        assert!(d.iter().all(|d| d.severity != Severity::Error), "{d:#?}");
        let shown = format!("{kit:?}");
        assert!(
            !shown.contains(WHO),
            "a person field was not resolved: {shown}"
        );
        // Every person field holds the person's id (and `people.csv` names it once more).
        assert_eq!(shown.matches("\"p1\"").count(), fields + 1, "{shown}");
    }
    assert_eq!(fields, 21);
}
