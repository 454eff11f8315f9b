//! `fieldcheck serve` and `fieldcheck users` as a user runs them from the README: the binary
//! starts, prints its URL and the first admin's one-time password once, answers on loopback,
//! and the accounts it serves are managed from the command line.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::{assert_exit, assert_stderr, run, s, text};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `fieldcheck serve KIT` on a free port; returns the process, the URL and every line it
/// printed until it listened.
fn serve(kit: &std::path::Path) -> (Killed, String, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldcheck"))
        .args(["serve", s(kit), "--listen", "127.0.0.1:0"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let err = child.stderr.take().unwrap();
    let mut lines = Vec::new();
    let mut url = String::new();
    for line in BufReader::new(err).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.split("the register at ").nth(1) {
            url = rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_string();
            lines.push(line);
            break;
        }
        lines.push(line);
    }
    assert!(!url.is_empty(), "no URL in: {lines:#?}");
    (Killed(child), url, lines)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

#[test]
fn serve_prints_its_url_and_a_one_time_admin_password_once_and_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let kit = tmp.path().join("kit");
    assert_exit(&run(&["demo", "--out", s(&kit)], &[]), 0);
    let (server, url, lines) = serve(&kit);
    let all = lines.join("\n");
    assert!(all.contains("reading `"), "{all}");
    let password = all
        .split("created the first admin `admin@localhost.localdomain` with the one-time password: ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no first admin in: {all}"))
        .to_string();
    assert_eq!(password.len(), 20);
    let a = agent();
    let health = a.get(format!("{url}/healthz")).call().unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.into_body().read_to_string().unwrap(), "ok\n");
    // Signing in with it works.
    let page = a.get(format!("{url}/login")).call().unwrap();
    let cookie = page
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body = page.into_body().read_to_string().unwrap();
    let csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap();
    let r = a
        .post(format!("{url}/login"))
        .header("Cookie", &cookie)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(format!(
            "csrf={csrf}&email=admin%40localhost.localdomain&password={password}"
        ))
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers().get("location").unwrap(), "/");
    drop(server);
    // A second start prints no password: the admin exists.
    let (_server, _, lines) = serve(&kit);
    assert!(
        !lines.join("\n").contains("one-time password"),
        "{lines:#?}"
    );
}

#[test]
fn users_are_added_listed_and_changed_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let kit = tmp.path().join("kit");
    assert_exit(&run(&["demo", "--out", s(&kit)], &[]), 0);
    let env = [("FIELDCHECK_NOW", "2026-10-09T15:00:00Z")];
    let users = |args: &[&str]| {
        let mut all = vec!["users"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--kit", s(&kit), "--actor", "ana@northpeak.io"]);
        run(&all, &env)
    };
    assert_stderr(
        &users(&["add", "kim@audit.example", "--role", "auditor"]),
        2,
        "an auditor's account needs its last day (the end of the audit)",
    );
    assert_stderr(
        &users(&[
            "add",
            "kim@audit.example",
            "--role",
            "auditor",
            "--expires",
            "2026-10-08",
        ]),
        2,
        "the last day 2026-10-08 is already past (today is 2026-10-09)",
    );
    assert_stderr(
        &users(&["add", "kim@audit.example", "--role", "boss"]),
        2,
        "unknown role `boss`; the roles are admin, owner, viewer, auditor",
    );
    let o = users(&[
        "add",
        "Kim@Audit.Example",
        "--role",
        "auditor",
        "--expires",
        "2027-03-31",
    ]);
    assert_exit(&o, 0);
    assert!(text(&o.stderr).contains("added kim@audit.example as auditor until 2027-03-31"));
    assert_eq!(
        text(&o.stdout).trim().len(),
        20,
        "the one-time password on stdout"
    );
    assert_stderr(
        &users(&["add", "kim@audit.example", "--role", "viewer"]),
        2,
        "there is already a user `kim@audit.example`",
    );
    assert_exit(&users(&["set-role", "kim@audit.example", "viewer"]), 0);
    assert_exit(&users(&["disable", "kim@audit.example"]), 0);
    let list = users(&["list"]);
    assert_exit(&list, 0);
    assert_eq!(
        text(&list.stdout),
        "kim@audit.example\tviewer\tdisabled\t\n"
    );
    assert_stderr(
        &users(&["disable", "nobody@audit.example"]),
        2,
        "no user `nobody@audit.example`",
    );
}
