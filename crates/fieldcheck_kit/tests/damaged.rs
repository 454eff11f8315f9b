//! Kit format v2: "damaged files are errors, never quiet". Whatever could make records or fields
//! disappear is an error of the file (so the controls that need it are `not_evidenced`); line
//! endings and a UTF-16 byte-order mark do not change what is read; event files must cover every
//! month of the window.

use fieldcheck_kit::coverage::{AcceptedGap, Coverage};
use fieldcheck_kit::{Diagnostic, Kind, Kit, ReadOptions, Severity, Window, read_kit};

fn read_bytes(files: &[(&str, &[u8])], opts: &ReadOptions) -> (Kit, Vec<Diagnostic>) {
    let dir = fieldcheck_testkit::TempKit::with(files);
    read_kit(dir.path(), opts).expect("readable kit")
}

fn read(name: &str, text: &str) -> (Kit, Vec<Diagnostic>) {
    read_bytes(&[(name, text.as_bytes())], &ReadOptions::default())
}

fn errors(d: &[Diagnostic]) -> Vec<(&'static str, Option<u32>)> {
    d.iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.code.as_str(), d.line))
        .collect()
}

const SYSTEMS: &str = "system_id,name,kind,tier,in_scope\nokta,Okta,idp,1,true\naws,AWS,cloud,1,true\ngh,GitHub,saas,2,false\n";

#[test]
fn a_zero_byte_file_is_an_error_not_an_empty_population() {
    for name in ["systems.csv", "systems.jsonl"] {
        let (kit, d) = read(name, "");
        assert_eq!(errors(&d), [("empty-file", Some(1))], "{name}");
        let why = kit.file(Kind::Systems).shortfall().expect("not relied on");
        assert!(why.contains("empty"), "{why}");
    }
    // The boundary: a header row alone is a kind with no records, read without complaint.
    let (kit, d) = read("systems.csv", "system_id,name,kind,tier,in_scope\n");
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(kit.file(Kind::Systems).shortfall(), None);
}

#[test]
fn a_header_naming_a_column_twice_is_an_error() {
    let (kit, d) = read(
        "sessions.csv",
        "session_id,system_id,session_id,started_at\ns1,aws,s9,2026-03-01T10:00:00Z\n",
    );
    assert_eq!(errors(&d), [("duplicate-column", Some(1))]);
    assert_eq!(d[0].column, Some(22));
    assert!(kit.file(Kind::Sessions).shortfall().is_some());
}

#[test]
fn a_header_with_no_known_column_names_the_delimiter() {
    let (kit, d) = read(
        "systems.csv",
        "system_id;name;kind;tier;in_scope\nokta;Okta;idp;1;true\n",
    );
    assert_eq!(errors(&d), [("no-known-column", Some(1))]);
    assert!(d[0].message.contains("semicolons"), "{}", d[0].message);
    assert!(kit.systems.is_empty());
    assert_eq!(kit.file(Kind::Systems).rejected, 1);
    let (_, d) = read("systems.csv", "system_id\tname\tkind\nokta\tOkta\tidp\n");
    assert!(d[0].message.contains("tabs"), "{}", d[0].message);
    let (_, d) = read("systems.csv", "a,b,c\n1,2,3\n");
    assert_eq!(errors(&d), [("no-known-column", Some(1))]);
}

#[test]
fn a_renamed_optional_column_is_a_near_miss_error() {
    // `terminated` for `terminated_at`: every leaver would read as still employed.
    let (kit, d) = read(
        "people.csv",
        "person_id,email,start_date,terminated\np1,a@x.io,2024-01-01,2026-03-01T17:00:00Z\n",
    );
    assert_eq!(errors(&d), [("near-miss-column", Some(1))]);
    assert!(
        d[0].help
            .as_deref()
            .unwrap_or("")
            .contains("`terminated_at`")
    );
    assert!(kit.file(Kind::People).shortfall().is_some());
    // JSON Lines alike.
    let (kit, d) = read(
        "people.jsonl",
        "{\"person_id\":\"p1\",\"start_date\":\"2024-01-01\",\"terminated\":\"2026-03-01T17:00:00Z\"}\n",
    );
    assert_eq!(errors(&d), [("near-miss-column", Some(1))]);
    assert!(kit.file(Kind::People).shortfall().is_some());
    // The boundary: a near miss of a field the file already has is only an unknown column.
    let (kit, d) = read(
        "people.csv",
        "person_id,start_date,terminated_at,terminated\np1,2024-01-01,,\n",
    );
    assert!(errors(&d).is_empty(), "{d:#?}");
    assert_eq!(kit.file(Kind::People).shortfall(), None);
}

#[test]
fn a_file_cut_mid_row_ends_with_a_rejected_row() {
    let text = "session_id,system_id,started_at\ns1,aws,2026-03-01T10:00:00Z\ns2,aws";
    let (kit, d) = read("sessions.csv", text);
    assert_eq!(errors(&d), [("bad-row", Some(3))]);
    assert_eq!(kit.sessions.len(), 1);
    assert!(kit.file(Kind::Sessions).shortfall().is_some());
}

#[test]
fn bytes_that_are_not_utf8_and_nuls_are_errors() {
    let (kit, d) = read_bytes(
        &[(
            "systems.csv",
            b"system_id,name,kind\nokta,Ok\xffta,idp\naws,AWS,cloud\nx,\x00y,other\n",
        )],
        &ReadOptions::default(),
    );
    assert_eq!(errors(&d), [("bad-utf8", Some(2)), ("nul-byte", Some(4))]);
    assert_eq!(kit.systems.len(), 1);
    assert!(kit.file(Kind::Systems).shortfall().is_some());
    // An unmapped column's bad bytes count too: the row may be mis-split.
    let (_, d) = read_bytes(
        &[("systems.csv", b"system_id,notes\nokta,\xfe\n")],
        &ReadOptions::default(),
    );
    assert_eq!(errors(&d), [("bad-utf8", Some(2))]);
    let (_, d) = read_bytes(
        &[(
            "systems.jsonl",
            b"{\"system_id\":\"a\\u0000\"}\n{\"system_id\":\"b\"}\n",
        )],
        &ReadOptions::default(),
    );
    // A JSON escape is a value, not a byte: only a raw NUL is damage.
    assert!(errors(&d).is_empty(), "{d:#?}");
    let (_, d) = read_bytes(
        &[("systems.jsonl", b"{\"system_id\":\"a\x00\"}\n")],
        &ReadOptions::default(),
    );
    assert_eq!(errors(&d), [("nul-byte", Some(1))]);
}

fn utf16(text: &str, little: bool) -> Vec<u8> {
    let mut out = if little {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for u in text.encode_utf16() {
        out.extend(if little {
            u.to_le_bytes()
        } else {
            u.to_be_bytes()
        });
    }
    out
}

#[test]
fn utf16_with_a_bom_and_every_line_ending_read_the_same() {
    let (clean, d) = read("systems.csv", SYSTEMS);
    assert!(d.is_empty(), "{d:#?}");
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("crlf", SYSTEMS.replace('\n', "\r\n").into_bytes()),
        ("cr", SYSTEMS.replace('\n', "\r").into_bytes()),
        ("utf-16le", utf16(SYSTEMS, true)),
        ("utf-16be", utf16(SYSTEMS, false)),
        ("utf-16le cr", utf16(&SYSTEMS.replace('\n', "\r"), true)),
        // A header ending in LF and rows ending in CR: every line end counts.
        ("mixed", {
            let (head, rows) = SYSTEMS.split_once('\n').unwrap();
            format!("{head}\n{}", rows.replace('\n', "\r")).into_bytes()
        }),
        ("utf-16le mixed", {
            let (head, rows) = SYSTEMS.split_once('\n').unwrap();
            utf16(&format!("{head}\r\n{}", rows.replace('\n', "\r")), true)
        }),
    ];
    for (what, bytes) in variants {
        let (kit, d) = read_bytes(&[("systems.csv", &bytes)], &ReadOptions::default());
        assert!(d.is_empty(), "{what}: {d:#?}");
        assert_eq!(kit.systems.len(), clean.systems.len(), "{what}");
        for (a, b) in kit.systems.iter().zip(&clean.systems) {
            assert_eq!(
                (&a.system_id, &a.name, a.tier, a.in_scope, a.loc),
                (&b.system_id, &b.name, b.tier, b.in_scope, b.loc),
                "{what}"
            );
        }
    }
    // A bad row in a CR-only file is named on its own line, with its text.
    let (_, d) = read_bytes(
        &[(
            "systems.csv",
            b"system_id,tier,in_scope\rokta,1,true\raws,9,true\r",
        )],
        &ReadOptions::default(),
    );
    assert_eq!(errors(&d), [("out-of-range", Some(3))]);
    assert_eq!(d[0].snippet.as_deref(), Some("aws,9,true"));
    // JSON Lines with CR endings.
    let (kit, d) = read_bytes(
        &[(
            "systems.jsonl",
            b"{\"system_id\":\"a\",\"in_scope\":true}\r{\"system_id\":\"b\",\"in_scope\":false}\r",
        )],
        &ReadOptions::default(),
    );
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(kit.systems.len(), 2);
    // A BOM that is followed by something that is not UTF-16 is an error, not a guess.
    let (kit, d) = read_bytes(
        &[("systems.csv", b"\xff\xfes\x00y")],
        &ReadOptions::default(),
    );
    assert_eq!(errors(&d), [("bad-encoding", None)]);
    assert!(kit.file(Kind::Systems).shortfall().is_some());
}

#[cfg(unix)]
#[test]
fn folders_fifos_and_links_out_of_the_kit_are_refused_unopened() {
    let root = tempfile::tempdir().expect("temp dir");
    let kit_dir = root.path().join("kit");
    std::fs::create_dir(&kit_dir).unwrap();
    let secret = root.path().join("secret.csv");
    std::fs::write(&secret, "system_id\nTOP-SECRET-LINE\n").unwrap();
    std::os::unix::fs::symlink(&secret, kit_dir.join("systems.csv")).unwrap();
    std::fs::create_dir(kit_dir.join("people.csv")).unwrap();
    std::os::unix::fs::symlink(kit_dir.join("gone.csv"), kit_dir.join("vendors.csv")).unwrap();
    let fifo = kit_dir.join("sessions.csv");
    let has_fifo = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    // Inside the kit, a link is followed.
    std::fs::write(kit_dir.join("real-keys.csv"), "key_id\nk1\n").unwrap();
    std::os::unix::fs::symlink(kit_dir.join("real-keys.csv"), kit_dir.join("keys.csv")).unwrap();
    let (kit, d) = read_kit(&kit_dir, &ReadOptions::default()).expect("kit");
    let refused: Vec<(&str, String)> = d
        .iter()
        .filter(|d| d.code == "not-a-file")
        .map(|d| (d.code.as_str(), d.file.clone().unwrap_or_default()))
        .collect();
    let mut expect = vec![
        ("not-a-file", "systems.csv".to_string()),
        ("not-a-file", "people.csv".to_string()),
        ("not-a-file", "vendors.csv".to_string()),
    ];
    if has_fifo {
        expect.push(("not-a-file", "sessions.csv".to_string()));
    }
    let mut got = refused.clone();
    got.sort();
    expect.sort();
    assert_eq!(got, expect);
    for kind in [Kind::Systems, Kind::People, Kind::Vendors] {
        assert!(kit.file(kind).shortfall().is_some(), "{kind:?}");
    }
    assert!(kit.systems.is_empty());
    let all = format!("{d:?}");
    assert!(
        !all.contains("TOP-SECRET-LINE"),
        "the outside file was read"
    );
    assert_eq!(kit.keys.len(), 1);
}

#[test]
fn a_bare_date_in_a_timestamp_field_is_the_end_of_that_day_with_a_note() {
    let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let opts = ReadOptions {
        org_tz: Some(tz),
        ..Default::default()
    };
    let (kit, d) = read_bytes(
        &[(
            "people.csv",
            b"person_id,start_date,terminated_at\np1,2024-01-01,2026-03-06\np2,2024-01-01,2026-07-01\np3,2024-01-01,2026-03-06T17:00:00Z\n",
        )],
        &opts,
    );
    assert!(errors(&d).is_empty(), "{d:#?}");
    let notes: Vec<_> = d.iter().filter(|d| d.code == "bare-date").collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].severity, Severity::Note);
    assert_eq!(notes[0].line, Some(2));
    assert!(notes[0].message.starts_with("2 `terminated_at` values"));
    assert_eq!(
        kit.people[0].terminated_at.unwrap().to_string(),
        "2026-03-07T04:59:59Z"
    );
    assert_eq!(
        kit.people[1].terminated_at.unwrap().to_string(),
        "2026-07-02T03:59:59Z"
    );
}

#[test]
fn neutralised_cells_read_as_what_they_protect() {
    let (kit, d) = read(
        "systems.csv",
        "system_id,name,in_scope\n'=1+2,'-x,true\n'plain,'@y,true\n''=2,x,true\n",
    );
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(&*kit.systems[0].system_id, "=1+2");
    assert_eq!(kit.systems[0].name.as_deref(), Some("-x"));
    // Only the prefix a neutralising writer adds is taken off.
    assert_eq!(&*kit.systems[1].system_id, "'plain");
    // A cell that was `'=2` was written `''=2`.
    assert_eq!(&*kit.systems[2].system_id, "'=2");
}

fn window() -> Window {
    let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    Window::new(
        "2026-01-01".parse().unwrap(),
        "2026-06-30".parse().unwrap(),
        tz,
        "America/New_York",
    )
}

/// A deploys file with `per_month` rows in each month of the first half of 2026 but `skip`.
fn deploys(per_month: u32, skip: &[u32]) -> String {
    let mut s = String::from("deploy_id,system_id,environment,deployed_at\n");
    for m in 1..=6 {
        if skip.contains(&m) {
            continue;
        }
        for i in 0..per_month {
            s.push_str(&format!(
                "d{m}-{i},aws,production,2026-{m:02}-{:02}T15:00:00Z\n",
                i % 27 + 1
            ));
        }
    }
    s
}

fn with_coverage(min: u32, accepted: Vec<AcceptedGap>) -> ReadOptions {
    ReadOptions {
        coverage: Some(Coverage {
            window: window(),
            min_monthly: min,
            accepted,
        }),
        ..Default::default()
    }
}

#[test]
fn a_busy_event_file_with_an_empty_month_has_a_coverage_gap() {
    // 25 a month over five months: 125 rows ≥ 20 × 6, so the empty May is a gap.
    let text = deploys(25, &[5]);
    let (kit, d) = read_bytes(
        &[("deploys.csv", text.as_bytes())],
        &with_coverage(20, vec![]),
    );
    assert_eq!(errors(&d), [("coverage-gap", None)]);
    assert!(d[0].message.contains("2026-05"), "{}", d[0].message);
    assert!(d[0].message.contains("averages 25"), "{}", d[0].message);
    let why = kit.file(Kind::Deploys).shortfall().expect("gap");
    assert!(why.contains("2026-05"), "{why}");
    // The boundary: months that average fewer than 20 rows (19 a month over five months) may
    // really have a quiet one.
    let text = deploys(19, &[5]);
    let (kit, d) = read_bytes(
        &[("deploys.csv", text.as_bytes())],
        &with_coverage(20, vec![]),
    );
    assert!(errors(&d).is_empty(), "{d:#?}");
    assert_eq!(kit.file(Kind::Deploys).shortfall(), None);
    // Every month present: nothing to say.
    let (_, d) = read_bytes(
        &[("deploys.csv", deploys(25, &[]).as_bytes())],
        &with_coverage(20, vec![]),
    );
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn an_accepted_gap_is_a_note() {
    let gap = AcceptedGap {
        kind: Kind::Deploys,
        month: "2026-05".into(),
        reason: "deploy freeze for the migration".into(),
    };
    let text = deploys(25, &[5]);
    let (kit, d) = read_bytes(
        &[("deploys.csv", text.as_bytes())],
        &with_coverage(20, vec![gap.clone()]),
    );
    assert!(errors(&d).is_empty(), "{d:#?}");
    assert_eq!(d[0].code.as_str(), "coverage-gap-accepted");
    assert!(d[0].message.contains("deploy freeze"));
    assert_eq!(kit.file(Kind::Deploys).shortfall(), None);
    // Accepting May does not accept March (30 a month over four months: 120 ≥ 20 × 6).
    let text = deploys(30, &[3, 5]);
    let (_, d) = read_bytes(
        &[("deploys.csv", text.as_bytes())],
        &with_coverage(20, vec![gap]),
    );
    assert_eq!(errors(&d), [("coverage-gap", None)]);
    assert!(d.iter().any(|d| d.message.contains("2026-03")));
}

#[test]
fn a_huge_cell_is_rejected_unread_and_the_rest_of_the_file_still_reads() {
    // A 10 MB enum cell: rejected as its bytes stream by (never parsed, never suggested
    // against), and the rows after it keep their lines and their raw text in diagnostics.
    let mut text = b"system_id,kind,tier,in_scope\nokta,".to_vec();
    text.extend(std::iter::repeat_n(b'x', 10 << 20));
    text.extend_from_slice(b",1,true\naws,cloud,1,true\ngh,saas,9,true\n");
    let started = std::time::Instant::now();
    let (kit, d) = read_bytes(&[("systems.csv", &text)], &ReadOptions::default());
    let took = started.elapsed();
    assert_eq!(
        errors(&d),
        [("cell-too-long", Some(2)), ("out-of-range", Some(4))]
    );
    assert_eq!(d[1].snippet.as_deref(), Some("gh,saas,9,true"));
    assert_eq!(kit.systems.len(), 1);
    assert_eq!(&*kit.systems[0].system_id, "aws");
    assert_eq!(kit.systems[0].loc.line, 3);
    assert!(kit.file(Kind::Systems).shortfall().is_some());
    // Generous for a debug build on a busy machine; the release figure is in the issue note.
    assert!(took.as_secs() < 5, "{took:?}");
    // A long value below the line cap is rejected by its length.
    let mut text = b"system_id,name\nokta,".to_vec();
    text.extend(std::iter::repeat_n(b'y', 100 * 1024));
    text.extend_from_slice(b"\naws,AWS\n");
    let (kit, d) = read_bytes(&[("systems.csv", &text)], &ReadOptions::default());
    assert_eq!(errors(&d), [("cell-too-long", Some(2))]);
    assert_eq!(kit.systems.len(), 1);
    // JSON Lines alike.
    let mut text = b"{\"system_id\":\"okta\",\"kind\":\"".to_vec();
    text.extend(std::iter::repeat_n(b'z', 10 << 20));
    text.extend_from_slice(b"\"}\n{\"system_id\":\"aws\"}\n");
    let (kit, d) = read_bytes(&[("systems.jsonl", &text)], &ReadOptions::default());
    assert_eq!(errors(&d), [("cell-too-long", Some(1))]);
    assert_eq!(kit.systems.len(), 1);
}

#[test]
fn json_lines_records_that_lose_a_value_are_rejected() {
    // A key named twice: a JSON reader keeps the last value silently.
    let (kit, d) = read(
        "endpoints.jsonl",
        "{\"endpoint_id\":\"e1\",\"tls_min_version\":\"1.0\",\"tls_min_version\":\"1.2\"}\n{\"endpoint_id\":\"e2\",\"tls_min_version\":\"1.2\"}\n",
    );
    assert_eq!(errors(&d), [("duplicate-column", Some(1))]);
    assert_eq!(kit.endpoints.len(), 1);
    assert!(kit.file(Kind::Endpoints).shortfall().is_some());
    // A near miss in one record, while the others spell the field right.
    let (kit, d) = read(
        "endpoints.jsonl",
        "{\"endpoint_id\":\"e1\",\"weak_ciphers\":false}\n{\"endpoint_id\":\"e2\",\"weak_cipher\":true}\n",
    );
    assert_eq!(errors(&d), [("near-miss-column", Some(2))]);
    assert_eq!(kit.endpoints.len(), 1);
    // The boundary: an unknown key that is no near miss of a missing field is a warning only.
    let (kit, d) = read(
        "endpoints.jsonl",
        "{\"endpoint_id\":\"e1\",\"weak_ciphers\":false,\"weak_cipher\":1,\"note\":\"x\"}\n",
    );
    assert!(errors(&d).is_empty(), "{d:#?}");
    assert_eq!(kit.endpoints.len(), 1);
}

#[test]
fn a_header_longer_than_the_line_cap_is_an_error() {
    let mut text = b"endpoint_id,tls_min_version".to_vec();
    for i in 0..200_000 {
        text.extend_from_slice(format!(",c{i}").as_bytes());
    }
    text.extend_from_slice(b",weak_ciphers\ne1,1.2\n");
    let (kit, d) = read_bytes(&[("endpoints.csv", &text)], &ReadOptions::default());
    assert_eq!(errors(&d), [("cell-too-long", Some(1))]);
    assert!(kit.endpoints.is_empty());
    assert!(kit.file(Kind::Endpoints).shortfall().is_some());
}

#[test]
fn an_export_cut_short_early_in_the_window_has_coverage_gaps() {
    // 100 rows in January, then nothing: far below 20 × 6 in all, but a busy January.
    let text = deploys(100, &[2, 3, 4, 5, 6]);
    let (kit, d) = read_bytes(
        &[("deploys.csv", text.as_bytes())],
        &with_coverage(20, vec![]),
    );
    assert_eq!(errors(&d).len(), 5, "{d:#?}");
    assert!(d[0].message.contains("2026-02") && d[0].message.contains("averages 100"));
    assert!(kit.file(Kind::Deploys).shortfall().is_some());
}

#[test]
fn an_export_that_does_not_reach_the_window_has_coverage_gaps() {
    let mut text = String::from("deploy_id,system_id,environment,deployed_at\n");
    for i in 0..40 {
        text.push_str(&format!(
            "d{i},aws,production,2025-12-{:02}T15:00:00Z\n",
            i % 28 + 1
        ));
    }
    let (kit, d) = read_bytes(
        &[("deploys.csv", text.as_bytes())],
        &with_coverage(20, vec![]),
    );
    assert_eq!(errors(&d).len(), 6, "{d:#?}");
    assert!(
        d[0].message.contains("40 rows outside the window"),
        "{}",
        d[0].message
    );
    assert!(kit.file(Kind::Deploys).shortfall().is_some());
}

#[test]
fn the_days_of_a_month_in_which_the_window_ends_are_covered_too() {
    let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let w = Window::new(
        "2026-01-01".parse().unwrap(),
        "2026-07-15".parse().unwrap(),
        tz,
        "America/New_York",
    );
    let opts = |accepted| ReadOptions {
        coverage: Some(Coverage {
            window: w.clone(),
            min_monthly: 20,
            accepted,
        }),
        ..Default::default()
    };
    // Six busy months, and nothing in July 1–15.
    let text = deploys(25, &[]);
    let (_, d) = read_bytes(&[("deploys.csv", text.as_bytes())], &opts(vec![]));
    assert_eq!(errors(&d), [("coverage-gap", None)]);
    assert!(d[0].message.contains("2026-07"), "{}", d[0].message);
    // An accepted gap outside the window, or for a month that has rows, is reported unused.
    let gaps = vec![
        AcceptedGap {
            kind: Kind::Deploys,
            month: "2031-01".into(),
            reason: "typo".into(),
        },
        AcceptedGap {
            kind: Kind::Deploys,
            month: "2026-03".into(),
            reason: "no longer true".into(),
        },
    ];
    let (_, d) = read_bytes(&[("deploys.csv", text.as_bytes())], &opts(gaps));
    let unused: Vec<_> = d
        .iter()
        .filter(|d| d.code == "unused-accepted-gap")
        .collect();
    assert_eq!(unused.len(), 2, "{d:#?}");
}
