//! The cache of parsed kit files (`KIT/.fieldcheck/cache`): an audit that uses it reports
//! exactly what an audit that reads every file reports, after rows are appended, after edits,
//! deletions and clock skew, and with a torn or damaged cache; and it serves only what it may.

use std::io::Write;
use std::path::Path;

use fieldcheck_engine::{LoadRequest, RunOptions};
use fieldcheck_kit::{Cached, Kind};

mod common;

/// The audit's JSON, and how each kind's file was read.
fn audit(dir: &Path, cache: bool) -> (String, Vec<(Kind, Cached)>) {
    let Ok(loaded) = fieldcheck_engine::load(LoadRequest {
        cache,
        // Every file of the small demo kit, not only those of 1 MiB or more.
        cache_min_bytes: 0,
        ..LoadRequest::new(dir, None)
    }) else {
        panic!("the kit at {} loads", dir.display());
    };
    let read = loaded
        .kit
        .files
        .iter()
        .filter(|f| f.name.is_some())
        .map(|f| (f.kind, f.cached))
        .collect();
    let out = fieldcheck_engine::run(&loaded, &RunOptions::plain("demo-kit")).expect("runs");
    (out.report.to_json(), read)
}

/// The audit without the cache (the engine's default), which must be what the cached audit
/// says.
fn cold(dir: &Path) -> String {
    let loaded = common::load(dir);
    assert!(loaded.kit.files.iter().all(|f| f.cached == Cached::No));
    fieldcheck_engine::run(&loaded, &RunOptions::plain("demo-kit"))
        .expect("runs")
        .report
        .to_json()
}

fn how(read: &[(Kind, Cached)], kind: Kind) -> Cached {
    read.iter()
        .find(|(k, _)| *k == kind)
        .map_or_else(|| panic!("{kind:?} was read"), |(_, c)| *c)
}

fn demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    common::write_demo(dir.path());
    dir
}

/// Appends the last `n` rows of `stem.csv` again, with new keys (the first field, suffixed)
/// unless the kind has none.
fn append_day(dir: &Path, stem: &str, n: usize, keyed: bool) {
    let path = dir.join(format!("{stem}.csv"));
    let text = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = text.lines().filter(|l| l.contains(',')).collect();
    let mut more = String::new();
    for line in &lines[lines.len() - n..] {
        if keyed {
            let (key, rest) = line.split_once(',').expect("a row with fields");
            more.push_str(&format!("{key}-next,{rest}\n"));
        } else {
            more.push_str(line);
            more.push('\n');
        }
    }
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("open");
    f.write_all(more.as_bytes()).expect("append");
}

const GROWN: [(&str, Kind, bool); 3] = [
    ("account_events", Kind::AccountEvents, false),
    ("sessions", Kind::Sessions, true),
    ("deploys", Kind::Deploys, true),
];

#[test]
fn an_unchanged_kit_is_replayed_from_the_cache_with_the_same_report() {
    let dir = demo();
    let expected = cold(dir.path());
    assert!(!dir.path().join(".fieldcheck/cache").exists());
    let (first, read) = audit(dir.path(), true);
    assert_eq!(first, expected);
    assert!(read.iter().all(|(_, c)| *c == Cached::No), "{read:?}");
    let (second, read) = audit(dir.path(), true);
    assert_eq!(second, expected);
    // Every file the demo writes reads clean, so every one is served from the cache.
    assert!(read.len() > 20, "{read:?}");
    assert!(read.iter().all(|(_, c)| *c == Cached::Whole), "{read:?}");
}

#[test]
fn rows_appended_to_event_files_are_parsed_alone_and_the_report_is_a_full_reads() {
    let dir = demo();
    audit(dir.path(), true);
    for (stem, _, keyed) in GROWN {
        append_day(dir.path(), stem, 40, keyed);
    }
    let expected = cold(dir.path());
    let (got, read) = audit(dir.path(), true);
    assert_eq!(got, expected);
    for (_, kind, _) in GROWN {
        assert_eq!(how(&read, kind), Cached::Grown, "{kind:?}");
    }
    assert_eq!(how(&read, Kind::People), Cached::Whole);
    // The cache now holds the grown files: a second day appends to them again.
    let (again, read) = audit(dir.path(), true);
    assert_eq!(again, expected);
    assert!(read.iter().all(|(_, c)| *c == Cached::Whole), "{read:?}");
    for (stem, _, keyed) in GROWN {
        append_day(dir.path(), stem, 7, keyed);
    }
    let (got, read) = audit(dir.path(), true);
    assert_eq!(got, cold(dir.path()));
    assert_eq!(how(&read, Kind::Sessions), Cached::Grown);
}

#[test]
fn new_rows_that_do_not_read_clean_are_reported_as_a_full_read_reports_them() {
    let dir = demo();
    audit(dir.path(), true);
    // A duplicate key (the last session again, as it was) and a bad timestamp.
    append_day(dir.path(), "sessions", 1, false);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("account_events.csv"))
        .expect("open");
    f.write_all(b"okta,u-late,login,yesterday,u-late\n")
        .expect("append");
    let expected = cold(dir.path());
    assert!(expected.contains("duplicate-key") && expected.contains("bad-timestamp"));
    let (got, read) = audit(dir.path(), true);
    assert_eq!(got, expected);
    assert_eq!(how(&read, Kind::Sessions), Cached::No);
    assert_eq!(how(&read, Kind::AccountEvents), Cached::No);
    // A file with diagnostics is not cached: it is read in full every time.
    let (got, read) = audit(dir.path(), true);
    assert_eq!(got, expected);
    assert_eq!(how(&read, Kind::Sessions), Cached::No);
    assert_eq!(how(&read, Kind::Deploys), Cached::Whole);
}

/// A fresh demo kit audited once (which writes the cache), then deploys appended (each as
/// `append_day(.., 1, keyed)`): the cold audit's JSON, the cached audit's, and how the deploys
/// were read.
fn deploys_appended(appends: &[bool]) -> (String, String, Cached) {
    let dir = demo();
    audit(dir.path(), true);
    for &keyed in appends {
        append_day(dir.path(), "deploys", 1, keyed);
    }
    let expected = cold(dir.path());
    let (got, read) = audit(dir.path(), true);
    (expected, got, how(&read, Kind::Deploys))
}

#[test]
fn a_new_key_given_twice_or_a_cached_key_again_is_reported_as_a_full_read_reports_it() {
    // The last deploy with a new key, then that row again (neither is a cached row's key); and
    // a new row repeating a cached row's key.
    for appends in [&[true, false][..], &[false][..]] {
        let (expected, got, how) = deploys_appended(appends);
        assert!(
            expected.contains("duplicate-key"),
            "{appends:?}: {expected}"
        );
        assert_eq!(got, expected, "{appends:?}");
        assert_eq!(how, Cached::No, "{appends:?}");
    }
    // The boundary: one new row with a new key is parsed alone.
    let (expected, got, how) = deploys_appended(&[true]);
    assert!(!expected.contains("duplicate-key"));
    assert_eq!(got, expected);
    assert_eq!(how, Cached::Grown);
}

#[test]
fn an_edit_a_truncation_a_deletion_or_clock_skew_is_read_in_full() {
    let dir = demo();
    audit(dir.path(), true);
    // An edit of one byte in the middle of a file, the size kept and the modification time set
    // back to what it was (a clock gone back, a restored backup): the content hash sees it.
    let path = dir.path().join("deploys.csv");
    let before = std::fs::metadata(&path)
        .expect("stat")
        .modified()
        .expect("mtime");
    let mut bytes = std::fs::read(&path).expect("read");
    let mid = bytes.len() / 2;
    let at = mid
        + bytes[mid..]
            .iter()
            .position(|b| b.is_ascii_digit())
            .expect("a digit");
    bytes[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
    std::fs::write(&path, &bytes).expect("write");
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(before))
        .expect("set mtime");
    // Rows removed from the end (the file shrank), and a file deleted.
    let events = dir.path().join("account_events.csv");
    let text = std::fs::read_to_string(&events).expect("read");
    let keep: Vec<&str> = text.lines().collect();
    std::fs::write(&events, keep[..keep.len() - 25].join("\n") + "\n").expect("write");
    std::fs::remove_file(dir.path().join("pr_reviews.csv")).expect("delete");
    let expected = cold(dir.path());
    let (got, read) = audit(dir.path(), true);
    assert_eq!(got, expected);
    assert_eq!(how(&read, Kind::Deploys), Cached::No);
    assert_eq!(how(&read, Kind::AccountEvents), Cached::No);
    assert!(read.iter().all(|(k, _)| *k != Kind::PrReviews));
    assert_eq!(how(&read, Kind::Sessions), Cached::Whole);
    // The boundary: the same file again is served from its new cache.
    let (got, read) = audit(dir.path(), true);
    assert_eq!(got, expected);
    assert_eq!(how(&read, Kind::Deploys), Cached::Whole);
}

#[test]
fn a_torn_or_damaged_cache_is_rebuilt_never_trusted() {
    let dir = demo();
    let expected = cold(dir.path());
    audit(dir.path(), true);
    let cache = dir.path().join(".fieldcheck/cache");
    // Torn: a write cut short. Damaged: one byte of its rows flipped, its footer intact.
    let torn = cache.join("sessions.fcc");
    let len = std::fs::metadata(&torn).expect("stat").len();
    std::fs::File::options()
        .write(true)
        .open(&torn)
        .and_then(|f| f.set_len(len / 2))
        .expect("truncate");
    let damaged = cache.join("account_events.fcc");
    let mut bytes = std::fs::read(&damaged).expect("read");
    bytes[100] ^= 0x20;
    std::fs::write(&damaged, &bytes).expect("write");
    // Not a cache at all.
    std::fs::write(cache.join("deploys.fcc"), b"not a cache").expect("write");
    let (got, read) = audit(dir.path(), true);
    assert_eq!(got, expected);
    for kind in [Kind::Sessions, Kind::AccountEvents, Kind::Deploys] {
        assert_eq!(how(&read, kind), Cached::No, "{kind:?}");
    }
    assert_eq!(how(&read, Kind::People), Cached::Whole);
    // Each was written again whole.
    let (got, read) = audit(dir.path(), true);
    assert_eq!(got, expected);
    assert!(read.iter().all(|(_, c)| *c == Cached::Whole), "{read:?}");
}

#[test]
fn another_config_or_a_file_without_a_final_newline_is_read_in_full() {
    let dir = demo();
    audit(dir.path(), true);
    // The org time zone decides how a bare date reads: a cache made under another is not used.
    let config = dir.path().join("fieldcheck.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    let zone = text
        .lines()
        .find(|l| l.trim_start().starts_with("timezone"))
        .expect("a timezone line")
        .to_string();
    std::fs::write(
        &config,
        text.replace(&zone, "timezone = \"Pacific/Auckland\""),
    )
    .expect("write");
    let expected = cold(dir.path());
    let (got, read) = audit(dir.path(), true);
    assert_eq!(got, expected);
    assert!(read.iter().all(|(_, c)| *c == Cached::No), "{read:?}");
    // A file whose last row has no newline cannot take new bytes after it as new rows (they
    // continue that row): it is read in full when it grows.
    let path = dir.path().join("sessions.csv");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.trim_end()).expect("write");
    audit(dir.path(), true);
    let (_, read) = audit(dir.path(), true);
    assert_eq!(how(&read, Kind::Sessions), Cached::Whole);
    append_day(dir.path(), "sessions", 3, true);
    let expected = cold(dir.path());
    let (got, read) = audit(dir.path(), true);
    assert_eq!(got, expected);
    assert_eq!(how(&read, Kind::Sessions), Cached::No);
}

#[test]
fn without_the_cache_nothing_is_written() {
    let dir = demo();
    cold(dir.path());
    cold(dir.path());
    assert!(!dir.path().join(".fieldcheck").join("cache").exists());
}

/// The records of the three event files, as text, names resolved.
fn event_records(dir: &Path, cache: bool) -> (Vec<String>, Vec<(Kind, Cached)>) {
    let Ok(loaded) = fieldcheck_engine::load(LoadRequest {
        cache,
        // Every file of the small demo kit, not only those of 1 MiB or more.
        cache_min_bytes: 0,
        ..LoadRequest::new(dir, None)
    }) else {
        panic!("loads");
    };
    let kit = &loaded.kit;
    let mut out: Vec<String> = kit
        .account_events
        .iter()
        .map(|e| {
            format!(
                "{} {} {:?} {:?} {:?} {:?}",
                e.system(&kit.names),
                e.account(&kit.names),
                e.event,
                e.at,
                e.actor_id(&kit.names),
                e.loc
            )
        })
        .collect();
    // Names shown as their text, their handles blanked: a handle means something only with
    // its kit's table, and which reading thread made a name first differs from run to run.
    let names = &kit.names;
    out.extend(kit.sessions.iter().map(|s| {
        let row = format!("{s:?}");
        format!(
            "{} {:?} {}",
            s.system(names),
            s.account(names),
            blank_handles(&row)
        )
    }));
    out.extend(kit.deploys.iter().map(|d| {
        let row = format!("{d:?}");
        format!(
            "{} {:?} {}",
            d.system(names),
            d.environment_name(names),
            blank_handles(&row)
        )
    }));
    let read = kit.files.iter().map(|f| (f.kind, f.cached)).collect();
    (out, read)
}

/// `Name(518)` becomes `Name(_)`, so two kits' records compare field by field.
fn blank_handles(row: &str) -> String {
    let mut out = String::with_capacity(row.len());
    let mut rest = row;
    while let Some(at) = rest.find("Name(") {
        out.push_str(&rest[..at + 5]);
        rest = &rest[at + 5..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push('_');
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

#[test]
fn blank_handles_leaves_everything_but_the_handles() {
    assert_eq!(
        blank_handles("S { a: Name(518), b: Some(Name(2)), c: \"Name(x)\" }"),
        "S { a: Name(_), b: Some(Name(_)), c: \"Name(x)\" }"
    );
}

#[test]
fn grown_files_give_the_records_of_a_full_read_line_for_line() {
    let dir = demo();
    audit(dir.path(), true);
    for (stem, _, keyed) in GROWN {
        append_day(dir.path(), stem, 30, keyed);
    }
    // A blank line and a CRLF row among the new ones: the lines still count as in the file.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("deploys.csv"))
        .expect("open");
    let last = std::fs::read_to_string(dir.path().join("deploys.csv")).expect("read");
    let row = last
        .lines()
        .last()
        .expect("a row")
        .replacen(",", "-crlf,", 1);
    write!(f, "\n{row}\r\n").expect("append");
    let (expected, _) = event_records(dir.path(), false);
    let (got, read) = event_records(dir.path(), true);
    for (_, kind, _) in GROWN {
        assert_eq!(how(&read, kind), Cached::Grown, "{kind:?}");
    }
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g, e);
    }
}

#[test]
fn a_cache_found_damaged_after_its_rows_were_replayed_leaves_nothing_of_them() {
    let dir = demo();
    audit(dir.path(), true);
    // The last actor `okta-workflows` of the login events' rows made `okta-workflowz`: every
    // row up to it is replayed, that actor named, before the segment's checksum fails.
    let path = dir.path().join(".fieldcheck/cache/account_events.fcc");
    let mut bytes = std::fs::read(&path).expect("read");
    let actor = b"okta-workflows";
    let at = bytes
        .windows(actor.len())
        .rposition(|w| w == actor)
        .expect("a workflow's event");
    bytes[at + actor.len() - 1] = b'z';
    std::fs::write(&path, &bytes).expect("write");
    let Ok(cached) = fieldcheck_engine::load(LoadRequest {
        cache: true,
        cache_min_bytes: 0,
        ..LoadRequest::new(dir.path(), None)
    }) else {
        panic!("loads");
    };
    let cold = common::load(dir.path());
    assert_eq!(cached.kit.file(Kind::AccountEvents).cached, Cached::No);
    // The same records and the same table of names as a full read: none made twice, none
    // left behind by the rows that were dropped.
    assert_eq!(
        cached.kit.account_events.len(),
        cold.kit.account_events.len()
    );
    assert_eq!(cached.kit.names.len(), cold.kit.names.len());
}

#[test]
fn odd_file_endings_give_what_a_full_read_gives() {
    let dir = demo();
    let d = dir.path();
    // Sessions end with a quote left open over two blank lines; the deploys' header ends with a
    // lone CR.
    let sessions = d.join("sessions.csv");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&sessions)
        .expect("open");
    f.write_all(b"\"\n\n").expect("append");
    let deploys = d.join("deploys.csv");
    let text = std::fs::read_to_string(&deploys).expect("read");
    std::fs::write(&deploys, text.replacen('\n', "\r", 1)).expect("write");
    audit(d, true);
    // A day more everywhere; the login events' last new row has no newline.
    append_day(d, "sessions", 3, true);
    append_day(d, "deploys", 3, true);
    let events = d.join("account_events.csv");
    let text = std::fs::read_to_string(&events).expect("read");
    let last: Vec<&str> = text.lines().rev().take(4).collect();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&events)
        .expect("open");
    write!(f, "{}\n{}\n{}", last[3], last[2], last[1]).expect("append");
    let expected = cold(d);
    let (got, read) = audit(d, true);
    assert_eq!(got, expected);
    // New bytes after an open quote or after a header ended by a lone CR are not new rows of
    // their own: those files are read in full. The login events grew cleanly.
    assert_eq!(how(&read, Kind::Sessions), Cached::No);
    assert_eq!(how(&read, Kind::Deploys), Cached::No);
    assert_eq!(how(&read, Kind::AccountEvents), Cached::Grown);
    let (records, _) = event_records(d, true);
    let (full, _) = event_records(d, false);
    assert_eq!(records, full);
}

#[test]
fn a_quote_opened_on_the_last_line_is_read_in_full_when_the_file_grows() {
    // The pull requests end with a quote opened on their last line: the final newline is inside
    // it, so the rows appended later continue it (a full read rejects them with the open
    // quote), and the file must not be taken as grown by clean rows.
    let dir = demo();
    let d = dir.path();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(d.join("pull_requests.csv"))
        .expect("open");
    f.write_all(b"\"\n").expect("append");
    audit(d, true);
    append_day(d, "pull_requests", 3, true);
    let expected = cold(d);
    let (got, read) = audit(d, true);
    assert_eq!(got, expected);
    assert_eq!(how(&read, Kind::PullRequests), Cached::No);
}

#[test]
fn files_under_the_threshold_are_read_in_full_and_not_cached() {
    let dir = demo();
    let load = || {
        let Ok(l) = fieldcheck_engine::load(LoadRequest {
            cache: true,
            cache_min_bytes: 1 << 20,
            ..LoadRequest::new(dir.path(), None)
        }) else {
            panic!("loads");
        };
        l
    };
    load();
    let loaded = load();
    let size = |stem: &str| {
        std::fs::metadata(dir.path().join(format!("{stem}.csv")))
            .expect("stat")
            .len()
    };
    // A threshold of 1 MiB: the demo's login events are over it, its sessions under it. (The
    // command line's is 8 MiB, which the whole small demo is under.)
    assert_eq!(LoadRequest::new(dir.path(), None).cache_min_bytes, 8 << 20);
    assert!(size("account_events") >= 1 << 20 && size("sessions") < 1 << 20);
    assert_eq!(loaded.kit.file(Kind::AccountEvents).cached, Cached::Whole);
    assert_eq!(loaded.kit.file(Kind::Sessions).cached, Cached::No);
    let cache = dir.path().join(".fieldcheck/cache");
    assert!(cache.join("account_events.fcc").is_file());
    assert!(!cache.join("sessions.fcc").exists());
    let report = fieldcheck_engine::run(&loaded, &RunOptions::plain("demo-kit"))
        .expect("runs")
        .report
        .to_json();
    assert_eq!(report, cold(dir.path()));
}

#[test]
fn a_cache_folder_or_file_that_is_a_link_is_never_written_through() {
    // The kit's `.fieldcheck` is a link to a folder elsewhere (a kit can point it anywhere):
    // nothing is cached there, every file is read in full.
    let dir = demo();
    let elsewhere = tempfile::tempdir().expect("tmp");
    std::os::unix::fs::symlink(elsewhere.path(), dir.path().join(".fieldcheck")).expect("link");
    let expected = cold(dir.path());
    for _ in 0..2 {
        let (got, read) = audit(dir.path(), true);
        assert_eq!(got, expected);
        assert!(read.iter().all(|(_, c)| *c == Cached::No), "{read:?}");
    }
    assert!(!elsewhere.path().join("cache").exists());

    // A cache file that is a link (to a copy of the user's own cache elsewhere): it may be read,
    // but a grown file's rows are never appended through it.
    let dir = demo();
    audit(dir.path(), true);
    let cached = dir.path().join(".fieldcheck/cache/sessions.fcc");
    let target = elsewhere.path().join("sessions.fcc");
    std::fs::copy(&cached, &target).expect("copy");
    std::fs::remove_file(&cached).expect("remove");
    std::os::unix::fs::symlink(&target, &cached).expect("link");
    let before = std::fs::read(&target).expect("read");
    append_day(dir.path(), "sessions", 5, true);
    let expected = cold(dir.path());
    let (got, read) = audit(dir.path(), true);
    assert_eq!(got, expected);
    assert_eq!(how(&read, Kind::Sessions), Cached::Grown);
    assert_eq!(std::fs::read(&target).expect("read"), before);
}
