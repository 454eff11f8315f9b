//! `fieldcheck pull` end to end against a local server replaying Okta's documented pages: pull,
//! then audit the pulled kit; the secrets never appear; a pull killed at any step leaves the kit
//! as it was or complete.

mod common;
#[path = "../../fieldcheck_pull/tests/server/mod.rs"]
mod server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{assert_stderr, s, text};
use server::Server;
use server::okta::{Faults, org};

const NOW: &str = "2026-12-05T12:00:00Z";
/// A token no output, file or locker may contain.
const TOKEN: &str = "00zDistinctive-Okta-Token-9c41f7e2ab";

fn config(base: &str) -> String {
    format!(
        "# Acme's evidence kit.\n[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n\n[window]\nstart = \"2026-01-01\"\nend = \"2026-12-31\"\n\n[[collectors]]\ncollector = \"okta\"\nbase_url = \"{base}\"   # the test server\nsystem_id = \"okta\"\nservice_accounts = [\"svc-*\"]\n"
    )
}

fn kit(dir: &Path, base: &str) -> PathBuf {
    let kit = dir.join("kit");
    let o = common::fieldcheck(&["init", s(&kit)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    std::fs::write(kit.join("fieldcheck.toml"), config(base)).expect("config");
    std::fs::write(
        kit.join("systems.csv"),
        "system_id,name,kind,tier,in_scope,classification,rto_minutes,owner_id\nokta,Okta,idp,1,true,confidential,,\n",
    )
    .expect("systems");
    kit
}

fn pull(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut a = vec!["pull"];
    a.extend_from_slice(args);
    let mut e = vec![
        ("FIELDCHECK_NOW", NOW),
        ("FIELDCHECK_PULL_MAX_WAIT_MS", "5"),
    ];
    e.extend_from_slice(env);
    common::run(&a, &e)
}

/// Every file under `dir` (relative path to bytes), hidden ones included.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, d: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            let m = std::fs::symlink_metadata(&p).expect("meta");
            if m.is_dir() {
                walk(root, &p, out);
            } else if m.is_file() {
                let rel = p
                    .strip_prefix(root)
                    .expect("under")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn pull_then_audit_the_pulled_kit() {
    let srv = Server::start(org(
        TOKEN,
        Faults {
            rate_limit_users_page_2: true,
            server_error_logs: true,
            ..Faults::default()
        },
    ));
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = kit(tmp.path(), &srv.url);
    let before = std::fs::read_to_string(kit.join("fieldcheck.toml")).expect("config");
    let o = pull(&[s(&kit)], &[("OKTA_API_TOKEN", TOKEN)]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("okta: users: 3 pages"), "{err}");
    assert!(
        err.contains("shortfall: Okta keeps the System Log for 90 days"),
        "{err}"
    );
    assert!(err.contains("pulled 1 collector"), "{err}");
    assert!(err.contains("added 3 `[[sources]]` entries"), "{err}");
    // The pages as served, where the adapters read them, with the records beside them.
    let pulled = kit.join("exports/okta");
    assert_eq!(
        std::fs::read_to_string(pulled.join("users/page-0002.json")).expect("page"),
        server::okta::user_pages()[1]
    );
    let jsonl = std::fs::read_to_string(pulled.join("retrieval.jsonl")).expect("records");
    assert_eq!(jsonl.lines().count(), 9);
    let pull_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pulled.join("pull.json")).expect("pull.json"))
            .expect("json");
    assert_eq!(pull_json["format"], "fieldcheck.pull/v1");
    assert_eq!(pull_json["window_open"], true);
    // The user's text is kept, the sources appended, and it is still a valid config.
    let after = std::fs::read_to_string(kit.join("fieldcheck.toml")).expect("config");
    assert!(after.starts_with(&before));
    assert!(after.contains("adapter = \"okta-users\"\npath = \"exports/okta/users*/page-*.json\"\nsystem_id = \"okta\"\nservice_accounts = [\"svc-*\"]\n"), "{after}");
    assert!(after.contains("adapter = \"okta-iga\""));
    // No stage is left.
    assert!(std::fs::read_dir(&kit).expect("kit").flatten().all(|e| {
        !e.file_name()
            .to_string_lossy()
            .starts_with(".fieldcheck-pull-")
    }));

    // The audit reads the pulled files: every okta source is used, none is missing; the only
    // error is the System Log's retention shortfall.
    let v = common::audit_json(&[s(&kit)]);
    let diags = v["diagnostics"].as_array().expect("diagnostics");
    assert!(
        diags
            .iter()
            .all(|d| d["severity"] != "error" || d["code"] == "pull-shortfall"),
        "{diags:#?}"
    );
    let report = v.to_string();
    assert!(
        report.contains("00u3m90rxKjGQ0G6L1d6") || report.contains("kenji@acme.io"),
        "the deprovisioned user is in the audit"
    );
    // The System Log's 90-day shortfall reaches the audit: the sign-in and lifecycle events
    // cannot be the whole window's population, so the controls fed by them are not evidenced,
    // and the open window is said.
    assert!(
        after.contains("pulled = \"exports/okta/pull.json\"\npulled_calls = [\"system-log\"]"),
        "{after}"
    );
    let codes: Vec<&str> = diags.iter().filter_map(|d| d["code"].as_str()).collect();
    assert!(codes.contains(&"pull-shortfall"), "{codes:?}");
    assert!(codes.contains(&"window-open"), "{codes:?}");
    let pulls = v["evidence"]["pulls"].as_array().expect("pulls");
    let log = pulls
        .iter()
        .find(|p| p["call"] == "system-log")
        .expect("the system log call");
    assert!(
        log["shortfall"]
            .as_str()
            .expect("shortfall")
            .contains("90 days")
    );
    let users = pulls.iter().find(|p| p["call"] == "users").expect("users");
    assert_eq!(users["observed_at"], "2026-12-05T12:00:00Z");
    let leavers = common::control(&v, "leaver-deprovisioning");
    assert_eq!(leavers["status"], "not_evidenced", "{leavers:#}");

    // A second pull replaces the pulled files and leaves the config as it is.
    let o = pull(&[s(&kit)], &[("OKTA_API_TOKEN", TOKEN)]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("already reads the pulled files"), "{err}");
    assert_eq!(
        std::fs::read_to_string(kit.join("fieldcheck.toml")).expect("config"),
        after
    );
}

#[test]
fn dry_run_lists_every_call_without_network_or_writes() {
    let tmp = tempfile::tempdir().expect("tmp");
    // Nothing listens there: a request would fail.
    let kit = kit(tmp.path(), "http://127.0.0.1:9");
    let before = files(&kit);
    let o = pull(&[s(&kit), "--dry-run"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("system-log: GET http://127.0.0.1:9/api/v1/logs"),
        "{out}"
    );
    assert!(out.contains("since=2026-09-06T12:00:00Z"), "{out}");
    assert!(out.contains("until=2026-12-05T12:00:00Z"), "{out}");
    assert!(
        out.contains("scope:  okta.governance.accessCertifications.read"),
        "{out}"
    );
    assert!(out.contains("secret: OKTA_API_TOKEN"), "{out}");
    assert_eq!(files(&kit), before);
}

#[test]
fn the_token_appears_in_no_output_file_or_locker() {
    let srv = Server::start(org(
        TOKEN,
        Faults {
            rate_limit_users_page_2: true,
            ..Faults::default()
        },
    ));
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = kit(tmp.path(), &srv.url);
    // The token from the secrets file (mode 0600, outside the kit).
    let secrets = tmp.path().join("secrets.toml");
    std::fs::write(&secrets, format!("OKTA_API_TOKEN = \"{TOKEN}\"\n")).expect("secrets");
    set_mode(&secrets, 0o600);
    let mut cfg = std::fs::read_to_string(kit.join("fieldcheck.toml")).expect("config");
    cfg = cfg.replacen(
        "[window]",
        "[pull]\nsecrets = \"../secrets.toml\"\n\n[window]",
        1,
    );
    std::fs::write(kit.join("fieldcheck.toml"), cfg).expect("config");
    let locker = tmp.path().join("locker");
    let mut outputs = Vec::new();
    let o = pull(&[s(&kit), "--locker", s(&locker)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    outputs.push(o);
    outputs.push(pull(&[s(&kit), "--dry-run"], &[]));
    // Refused, expired: the error paths print no token either.
    let bad = Server::start(org(
        TOKEN,
        Faults {
            expired: true,
            ..Faults::default()
        },
    ));
    let kit2 = tmp.path().join("kit2");
    std::fs::create_dir(&kit2).expect("kit2");
    std::fs::write(kit2.join("fieldcheck.toml"), config(&bad.url)).expect("config");
    let o = pull(&[s(&kit2)], &[("OKTA_API_TOKEN", TOKEN)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("E0000011"), "{}", text(&o.stderr));
    outputs.push(o);
    // A token written into the config is refused without being shown.
    let kit3 = tmp.path().join("kit3");
    std::fs::create_dir(&kit3).expect("kit3");
    std::fs::write(
        kit3.join("fieldcheck.toml"),
        format!("{}token = \"{TOKEN}\"\n", config(&srv.url)),
    )
    .expect("config");
    let o = pull(&[s(&kit3)], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("collector-secret-in-config"));
    outputs.push(o);
    let o = common::run(
        &["audit", s(&kit), "--locker", s(&locker), "--format", "json"],
        &[("FIELDCHECK_NOW", NOW)],
    );
    assert!(
        o.status.code().is_some_and(|c| c < 2),
        "{}",
        text(&o.stderr)
    );
    outputs.push(o);
    for o in &outputs {
        assert!(!text(&o.stdout).contains(TOKEN) && !text(&o.stderr).contains(TOKEN));
    }
    let needle = TOKEN.as_bytes();
    for root in [&kit, &kit2, &locker] {
        for (name, bytes) in files(root) {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "the token is in {}/{name}",
                root.display()
            );
        }
    }
    // The server did receive it, in the header only.
    assert!(srv.requests().iter().all(|r| r.header("authorization")
        == Some(&format!("SSWS {TOKEN}"))
        && !r.target.contains(TOKEN)));
    // The locker holds the pulled pages and their retrieval records.
    let o = common::run(&["locker", "log", s(&locker)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let log = text(&o.stdout);
    assert!(
        log.contains("okta-users (okta)") && log.contains("retrieval"),
        "{log}"
    );
}

#[cfg(unix)]
fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(unix)]
#[test]
fn a_secrets_file_others_can_read_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = kit(tmp.path(), "http://127.0.0.1:9");
    let secrets = kit.join("secrets.toml");
    std::fs::write(&secrets, format!("OKTA_API_TOKEN = \"{TOKEN}\"\n")).expect("secrets");
    set_mode(&secrets, 0o644);
    let cfg = std::fs::read_to_string(kit.join("fieldcheck.toml")).expect("config");
    std::fs::write(
        kit.join("fieldcheck.toml"),
        cfg.replacen(
            "[window]",
            "[pull]\nsecrets = \"secrets.toml\"\n\n[window]",
            1,
        ),
    )
    .expect("config");
    let o = pull(&[s(&kit)], &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("pull-secrets-file") && err.contains("mode 0644") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(!err.contains(TOKEN));
    assert!(!kit.join("exports").exists());
}

/// The kit's state: its exports (relative path to bytes) and config.
fn state(kit: &Path) -> (BTreeMap<String, Vec<u8>>, String) {
    (
        files(&kit.join("exports")),
        std::fs::read_to_string(kit.join("fieldcheck.toml")).expect("config"),
    )
}

/// Pages are compared as served; the retrieval records (times, attempts) only by count.
fn complete(exports: &BTreeMap<String, Vec<u8>>, reference: &BTreeMap<String, Vec<u8>>) -> bool {
    exports.keys().eq(reference.keys())
        && exports.iter().all(|(k, v)| {
            if k.ends_with("retrieval.jsonl") {
                v.iter().filter(|b| **b == b'\n').count()
                    == reference[k].iter().filter(|b| **b == b'\n').count()
            } else if k.ends_with("pull.json") {
                !v.is_empty()
            } else {
                *v == reference[k]
            }
        })
}

#[test]
fn a_pull_killed_at_any_step_leaves_the_kit_as_it_was_or_complete() {
    let srv = Server::start(org(TOKEN, Faults::default()));
    let tmp = tempfile::tempdir().expect("tmp");
    let make_old = |kit: &Path| {
        // A kit pulled before (a page that is gone now), with hand-saved files beside.
        let okta = kit.join("exports/okta/users");
        std::fs::create_dir_all(&okta).expect("dirs");
        std::fs::write(okta.join("page-0001.json"), "[]").expect("old");
        std::fs::write(okta.join("page-0009.json"), "[]").expect("old");
        std::fs::write(
            kit.join("exports/okta/retrieval.jsonl"),
            r#"{"collector":"okta","call":"users","request":"GET x","params":{},"at":"2026-06-01T00:00:00Z","status":200,"page":1,"attempts":1,"bytes":2,"sha256":"","file":"exports/okta/users/page-0001.json"}
{"collector":"okta","call":"users","request":"GET x","params":{},"at":"2026-06-01T00:00:00Z","status":200,"page":9,"attempts":1,"bytes":2,"sha256":"","file":"exports/okta/users/page-0009.json"}
"#,
        )
        .expect("old");
        std::fs::write(kit.join("exports/okta/README.txt"), "saved by hand\n").expect("hand");
        std::fs::create_dir_all(kit.join("exports/github")).expect("dirs");
        std::fs::write(kit.join("exports/github/pulls.json"), "[]").expect("hand");
    };
    // The reference: the same pull, not killed.
    let reference_kit = kit(&tmp.path().join("ref"), &srv.url);
    make_old(&reference_kit);
    let o = pull(&[s(&reference_kit)], &[("OKTA_API_TOKEN", TOKEN)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let (reference, new_config) = state(&reference_kit);
    assert!(
        reference.contains_key("okta/README.txt") && reference.contains_key("github/pulls.json")
    );
    assert!(!reference.contains_key("okta/users/page-0009.json"));
    let mut steps = 0;
    for n in 1.. {
        let kit = kit(&tmp.path().join(format!("k{n}")), &srv.url);
        make_old(&kit);
        let (old, old_config) = state(&kit);
        let crash = n.to_string();
        let o = pull(
            &[s(&kit)],
            &[
                ("OKTA_API_TOKEN", TOKEN),
                ("FIELDCHECK_PULL_CRASH_AFTER", &crash),
            ],
        );
        let (exports, config) = state(&kit);
        if o.status.code() == Some(0) {
            assert!(complete(&exports, &reference) && config == new_config);
            steps = n - 1;
            break;
        }
        assert!(
            o.status.code().is_none() || o.status.code() == Some(134),
            "killed at step {n}: {}",
            text(&o.stderr)
        );
        let was = exports == old && config == old_config;
        let done = complete(&exports, &reference) && config == new_config;
        // After the exchange and before the config's rename: the new files, which the old
        // config does not read yet; the next pull finishes it.
        let between = complete(&exports, &reference) && config == old_config;
        assert!(
            was || done || between,
            "killed at step {n}: neither as it was nor complete"
        );
        // The next pull removes or finishes what was left, and completes.
        let o = pull(&[s(&kit)], &[("OKTA_API_TOKEN", TOKEN)]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let (exports, config) = state(&kit);
        assert!(
            complete(&exports, &reference) && config == new_config,
            "after step {n}"
        );
        if between {
            assert!(
                text(&o.stderr).contains("finished `.fieldcheck-pull-"),
                "{}",
                text(&o.stderr)
            );
        }
        assert!(std::fs::read_dir(&kit).expect("kit").flatten().all(|e| {
            !e.file_name()
                .to_string_lossy()
                .starts_with(".fieldcheck-pull-")
        }));
        assert!(n < 100, "the pull never completed");
    }
    assert!(steps >= 10, "only {steps} durable steps");
}

#[test]
fn a_failed_pull_leaves_the_previous_one_in_place() {
    let good = Server::start(org(TOKEN, Faults::default()));
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = kit(tmp.path(), &good.url);
    let o = pull(&[s(&kit)], &[("OKTA_API_TOKEN", TOKEN)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let before = state(&kit);
    // The token has since expired.
    let expired = Server::start(org(
        TOKEN,
        Faults {
            expired: true,
            ..Faults::default()
        },
    ));
    let cfg = before.1.replace(&good.url, &expired.url);
    std::fs::write(kit.join("fieldcheck.toml"), &cfg).expect("config");
    let o = pull(&[s(&kit)], &[("OKTA_API_TOKEN", TOKEN)]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error[pull-failed]")
            && err.contains("401")
            && err.contains("okta.users.read"),
        "{err}"
    );
    assert!(err.contains("`exports/okta/` is as it was"), "{err}");
    assert_eq!(state(&kit), (before.0, cfg));
    // `--only` names a configured collector.
    let o = pull(&[s(&kit), "--only", "otka"], &[("OKTA_API_TOKEN", TOKEN)]);
    assert_stderr(&o, 2, "did you mean `okta`?");
}
