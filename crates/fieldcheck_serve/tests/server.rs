//! `fieldcheck serve` over real HTTP on 127.0.0.1, on SQLite and (under scripts/test.sh) on
//! PostgreSQL: the authorization matrix, the abuse cases, the edits and their conflicts.

mod common;

use std::collections::BTreeSet;

use common::*;
use fieldcheck_serve::routes::ROUTES;

/// Who asks, in the matrix's column order.
const WHO: [&str; 7] = [
    "anonymous",
    "admin",
    "owner",
    "other_owner",
    "viewer",
    "auditor",
    "expired_auditor",
];

/// The expected status of every route for every role: a concrete request and one status per
/// [`WHO`]. A route of [`ROUTES`] without a row here fails the test (and a row for a route that is
/// gone).
/// A row: the method, the route as [`ROUTES`] names it, a concrete path, the form, the statuses.
type Row = (
    &'static str,
    &'static str,
    String,
    Vec<(&'static str, String)>,
    [u16; 7],
);

fn matrix() -> Vec<Row> {
    let owned = format!("/exceptions/{OWNED}");
    let v = |s: &str| s.to_string();
    vec![
        //  method, route,              path,                       form,                              anon admin owner other viewer auditor expired
        (
            "GET",
            "/healthz",
            v("/healthz"),
            vec![],
            [200, 200, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/static/app.css",
            v("/static/app.css"),
            vec![],
            [200, 200, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/login",
            v("/login"),
            vec![],
            [200, 303, 303, 303, 303, 303, 200],
        ),
        // Without the sign-in form's own cookie the post is refused as stale, for anyone.
        (
            "POST",
            "/login",
            v("/login"),
            vec![("email", v("x@y.z")), ("password", v("x"))],
            [403, 403, 403, 403, 403, 403, 403],
        ),
        (
            "POST",
            "/logout",
            v("/logout"),
            vec![],
            [401, 303, 303, 303, 303, 303, 403],
        ),
        (
            "GET",
            "/account",
            v("/account"),
            vec![],
            [303, 200, 200, 200, 200, 200, 403],
        ),
        // A new password that is too short: refused as bad input, after the access check.
        (
            "POST",
            "/account",
            v("/account"),
            vec![("current", v(PASSWORD)), ("new", v("short"))],
            [401, 400, 400, 400, 400, 400, 403],
        ),
        (
            "GET",
            "/",
            v("/"),
            vec![],
            [303, 200, 200, 200, 200, 403, 403],
        ),
        (
            "GET",
            "/controls/{id}",
            v("/controls/vendor-management"),
            vec![],
            [303, 200, 200, 200, 200, 200, 403],
        ),
        (
            "GET",
            "/evidence/{*file}",
            v("/evidence/vendors.csv?line=3"),
            vec![],
            [303, 200, 200, 200, 200, 200, 403],
        ),
        (
            "GET",
            "/exceptions",
            v("/exceptions?overdue=1&q=vendor"),
            vec![],
            [303, 200, 200, 200, 200, 403, 403],
        ),
        (
            "GET",
            "/exceptions/{*id}",
            owned.clone(),
            vec![],
            [303, 200, 200, 200, 200, 403, 403],
        ),
        // Only an admin and the exception's own owner change it.
        (
            "POST",
            "/exceptions/{*id}",
            owned.clone(),
            vec![
                ("action", v("note")),
                ("note", v("checked")),
                ("version", v("VERSION")),
            ],
            [401, 303, 303, 403, 403, 403, 403],
        ),
        (
            "GET",
            "/me",
            v("/me"),
            vec![],
            [303, 200, 200, 200, 200, 403, 403],
        ),
        (
            "POST",
            "/requests/{id}",
            v("/requests/1"),
            vec![("text", v("the ticket is HR-88"))],
            [401, 303, 303, 403, 403, 403, 403],
        ),
        (
            "GET",
            "/report",
            v("/report"),
            vec![],
            [303, 200, 200, 200, 200, 403, 403],
        ),
        (
            "GET",
            "/auditor",
            v("/auditor"),
            vec![],
            [303, 200, 200, 200, 200, 200, 403],
        ),
        (
            "POST",
            "/auditor/requests",
            v("/auditor/requests"),
            vec![
                ("item", v(OWNED)),
                ("text", v("the vendor's tiering record")),
            ],
            [401, 303, 403, 403, 403, 303, 403],
        ),
        (
            "GET",
            "/runs",
            v("/runs"),
            vec![],
            [303, 200, 200, 200, 200, 403, 403],
        ),
        (
            "GET",
            "/admin/users",
            v("/admin/users"),
            vec![],
            [303, 200, 403, 403, 403, 403, 403],
        ),
        (
            "POST",
            "/admin/users",
            v("/admin/users"),
            vec![
                ("action", v("role")),
                ("email", v("vic@northpeak.io")),
                ("role", v("viewer")),
            ],
            [401, 200, 403, 403, 403, 403, 403],
        ),
    ]
}

#[test]
fn every_route_answers_every_role_as_the_matrix_says() {
    let rows = matrix();
    let listed: BTreeSet<(&str, &str)> = rows.iter().map(|r| (r.0, r.1)).collect();
    let routed: BTreeSet<(&str, &str)> = ROUTES.iter().map(|r| (r.method, r.path)).collect();
    assert_eq!(
        listed, routed,
        "the matrix and the routes differ: every route needs a row"
    );
    for db in backends() {
        let s = Server::start(db, |_| {});
        // One open evidence request for the owner, for `/requests/1`.
        s.register()
            .file_request(
                OWNED,
                "",
                "the tiering record",
                "2026-10-05T00:00:00Z",
                email_of("auditor"),
            )
            .unwrap();
        let mut failures = Vec::new();
        for (method, route, path, form, want) in &rows {
            for (i, who) in WHO.iter().enumerate() {
                let mut c = s.client_as(who);
                let got = if *method == "GET" {
                    c.get(path)
                } else {
                    let version = s.register().version(OWNED).unwrap().to_string();
                    let fields: Vec<(&str, &str)> = form
                        .iter()
                        .map(|(k, v)| {
                            (
                                *k,
                                if v == "VERSION" {
                                    version.as_str()
                                } else {
                                    v.as_str()
                                },
                            )
                        })
                        .collect();
                    c.post(path, &fields)
                };
                if got.status != want[i] {
                    failures.push(format!(
                        "{method} {route} as {who}: {} (wanted {}): {}",
                        got.status,
                        want[i],
                        got.body.chars().take(300).collect::<String>()
                    ));
                }
                // Every response carries the security headers.
                let csp = got.header("content-security-policy").unwrap_or("");
                assert!(
                    csp.contains("default-src 'none'"),
                    "{method} {route}: {csp}"
                );
                assert!(
                    !csp.contains("script-src"),
                    "no script is ever allowed: {csp}"
                );
                assert_eq!(got.header("x-frame-options"), Some("DENY"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

#[test]
fn an_anonymous_page_request_goes_to_sign_in_and_comes_back() {
    let s = Server::start(None, |_| {});
    let mut c = s.client_as("anonymous");
    let r = c.get("/exceptions?owner=omar%40northpeak.io");
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("/login?next=/exceptions%3Fowner%3Domar%2540northpeak.io")
    );
    let form = c.get("/login?next=/me");
    let pre = field(&form.body, "csrf").expect("the sign-in form's token");
    let r = c.post_raw(
        "/login",
        &[
            ("csrf", &pre),
            ("email", "Omar@Northpeak.io"),
            ("password", PASSWORD),
            ("next", "/me"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/me"));
    let cookie = r
        .headers
        .iter()
        .find(|(k, v)| k == "set-cookie" && v.starts_with("fc_session="))
        .map(|(_, v)| v.clone())
        .expect("a session cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP on loopback: {cookie}"
    );
    let me = c.get("/me");
    assert_eq!(me.status, 200);
    assert!(me.body.contains(OWNED), "the owner's exception is listed");
    // Never back to another site.
    let form = c.get("/logout");
    assert_eq!(form.status, 405, "signing out is a POST");
}

#[test]
fn a_form_without_the_sessions_csrf_token_changes_nothing() {
    for db in backends() {
        a_form_without_the_sessions_csrf_token_changes_nothing_on(db);
    }
}

fn a_form_without_the_sessions_csrf_token_changes_nothing_on(db: Option<String>) {
    let s = Server::start(db, |_| {});
    let mut c = s.client_as("admin");
    let before = s.register().version(OWNED).unwrap();
    let v = before.to_string();
    let fields = [
        ("action", "note"),
        ("note", "forged"),
        ("version", v.as_str()),
    ];
    let missing = c.post_raw(&format!("/exceptions/{OWNED}"), &fields);
    assert_eq!(missing.status, 403);
    assert!(missing.body.contains("security token is missing or stale"));
    let mut wrong = vec![("csrf", "0123456789abcdef")];
    wrong.extend_from_slice(&fields);
    assert_eq!(
        c.post_raw(&format!("/exceptions/{OWNED}"), &wrong).status,
        403
    );
    // Another session's token is no better.
    let other = s.client_as("admin");
    let mut theirs = vec![("csrf", other.csrf.as_str())];
    theirs.extend_from_slice(&fields);
    assert_eq!(
        c.post_raw(&format!("/exceptions/{OWNED}"), &theirs).status,
        403
    );
    assert_eq!(
        s.register().version(OWNED).unwrap(),
        before,
        "nothing was written"
    );
    // With it, the change goes in, with the signed-in user as the actor.
    assert_eq!(c.post(&format!("/exceptions/{OWNED}"), &fields).status, 303);
    let (_, history) = s.register().show(OWNED).unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.field.as_str(), last.new.as_str(), last.actor.as_str()),
        ("note", "forged", "ana@northpeak.io")
    );
}

#[test]
fn text_from_the_kit_and_the_register_is_never_markup() {
    for db in backends() {
        text_from_the_kit_and_the_register_is_never_markup_on(db);
    }
}

fn text_from_the_kit_and_the_register_is_never_markup_on(db: Option<String>) {
    let s = Server::start(db, |kit| {
        let path = kit.join("vendors.csv");
        let csv = std::fs::read_to_string(&path).unwrap();
        let evil = csv.replace(
            "V-0014,Redwood Events Co.,",
            "V-0014,\"Redwood <script>alert(1)</script><img src=x onerror=alert(2)>\",",
        );
        assert_ne!(csv, evil);
        std::fs::write(&path, evil).unwrap();
    });
    let mut c = s.client_as("admin");
    let v = s.register().version(OWNED).unwrap().to_string();
    let r = c.post(
        &format!("/exceptions/{OWNED}"),
        &[
            ("action", "note"),
            ("note", "<script>alert(3)</script>"),
            ("version", &v),
        ],
    );
    assert_eq!(r.status, 303);
    for path in [
        "/controls/vendor-management".to_string(),
        format!("/exceptions/{OWNED}"),
        "/evidence/vendors.csv?line=15".to_string(),
        "/exceptions?q=redwood".to_string(),
    ] {
        let page = c.get(&path);
        assert_eq!(page.status, 200, "{path}");
        assert!(!page.body.contains("<script"), "{path} holds a script tag");
        assert!(!page.body.contains("<img"), "{path} holds an img tag");
    }
    let page = c.get(&format!("/exceptions/{OWNED}"));
    assert!(
        page.body.contains("&lt;script&gt;alert(3)&lt;/script&gt;"),
        "the note is shown as text"
    );
    let evidence = c.get("/evidence/vendors.csv?line=15");
    assert!(
        evidence.body.contains("&lt;script&gt;alert(1)"),
        "{}",
        evidence.body
    );
}

#[test]
fn an_auditor_is_refused_after_the_last_day_even_with_a_session() {
    for db in backends() {
        an_auditor_is_refused_after_the_last_day_even_with_a_session_on(db);
    }
}

fn an_auditor_is_refused_after_the_last_day_even_with_a_session_on(db: Option<String>) {
    let s = Server::start(db, |_| {});
    let mut c = s.client_as("expired_auditor");
    let r = c.get("/auditor");
    assert_eq!(r.status, 403);
    assert!(
        r.body.contains("your auditor access ended on 2026-10-08"),
        "{}",
        r.body
    );
    // The session is gone: even the public pages now see nobody.
    assert_eq!(c.get("/login").status, 200);
    // And the sign-in is refused with the reason.
    let mut fresh = s.client_as("anonymous");
    let pre = field(&fresh.get("/login").body, "csrf").unwrap();
    let r = fresh.post_raw(
        "/login",
        &[
            ("csrf", &pre),
            ("email", "ex@audit.example"),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(r.status, 403);
    assert!(r.body.contains("ended on 2026-10-08"));
    // The auditor whose audit is running reads the portal, and nothing of the register.
    let mut a = s.client_as("auditor");
    assert_eq!(a.get("/auditor").status, 200);
    assert_eq!(a.get("/exceptions").status, 403);
}

#[test]
fn signing_in_never_keeps_a_session_token_the_browser_brought() {
    for db in backends() {
        signing_in_never_keeps_a_session_token_the_browser_brought_on(db);
    }
}

fn signing_in_never_keeps_a_session_token_the_browser_brought_on(db: Option<String>) {
    let s = Server::start(db, |_| {});
    let mut c = s.client_as("anonymous");
    // An attacker's planted token: unknown to the server, so it is nobody.
    c.cookies.insert("fc_session".into(), "a".repeat(64));
    assert_eq!(c.get("/").status, 303);
    // A token that was valid (the attacker's own session) is not promoted either.
    let attacker = s.client_as("viewer");
    let planted = attacker.cookies["fc_session"].clone();
    c.cookies.insert("fc_session".into(), planted.clone());
    let pre = field(&c.get("/login?next=/").body, "csrf");
    // Signed in as the viewer already, the sign-in page sends them on; sign out first.
    assert!(pre.is_none());
    let mut victim = s.client_as("anonymous");
    victim.cookies.insert("fc_session".into(), planted.clone());
    let pre = field(&victim.get("/login").body, "csrf");
    assert!(pre.is_none(), "with a valid session the form is not shown");
    victim.cookies.insert("fc_session".into(), "b".repeat(64));
    let pre = field(&victim.get("/login").body, "csrf").unwrap();
    let r = victim.post_raw(
        "/login",
        &[
            ("csrf", &pre),
            ("email", "omar@northpeak.io"),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(r.status, 303);
    let issued = victim.cookies["fc_session"].clone();
    assert_ne!(issued, "b".repeat(64), "a new token at sign-in");
    assert_ne!(issued, planted);
    assert_eq!(victim.get("/me").status, 200);
    // Signing out ends it on the server, not only in the browser.
    let csrf = {
        let page = victim.get("/me").body;
        field(&page, "csrf").unwrap()
    };
    victim.csrf = csrf;
    assert_eq!(victim.post("/logout", &[]).status, 303);
    let mut replay = s.client_as("anonymous");
    replay.cookies.insert("fc_session".into(), issued);
    assert_eq!(replay.get("/me").status, 303);
}

#[test]
fn repeated_failed_sign_ins_lock_the_account_then_throttle_the_address() {
    for db in backends() {
        repeated_failed_sign_ins_lock_the_account_then_throttle_the_address_on(db);
    }
}

fn repeated_failed_sign_ins_lock_the_account_then_throttle_the_address_on(db: Option<String>) {
    let s = Server::start(db, |_| {});
    let mut c = s.client_as("anonymous");
    let try_once = |c: &mut Client, email: &str, pw: &str| {
        let pre = field(&c.get("/login").body, "csrf").unwrap();
        c.post_raw(
            "/login",
            &[("csrf", &pre), ("email", email), ("password", pw)],
        )
    };
    for n in 1..=4 {
        let r = try_once(&mut c, "vic@northpeak.io", "wrong password!");
        assert_eq!(r.status, 401, "try {n}");
        assert!(r.body.contains("wrong email or password"));
    }
    let r = try_once(&mut c, "vic@northpeak.io", "wrong password!");
    assert_eq!(r.status, 401);
    let vic = s.register().user("vic@northpeak.io").unwrap().unwrap();
    assert!(
        vic.locked_until.is_some(),
        "the fifth failure locks the account"
    );
    // Locked: even the right password is refused, and the answer tells nothing of the lock
    // (the password is not checked until the lock has passed).
    let r = try_once(&mut c, "vic@northpeak.io", PASSWORD);
    assert_eq!(r.status, 401);
    assert!(r.body.contains("wrong email or password"), "{}", r.body);
    // An unknown email reads exactly like a wrong password.
    let r = try_once(&mut c, "nobody@northpeak.io", "whatever it is");
    assert!(r.body.contains("wrong email or password"));
    // Ten failures from one address: it is refused before any password is checked.
    for _ in 0..3 {
        try_once(&mut c, "nobody@northpeak.io", "whatever it is");
    }
    let r = try_once(&mut c, "omar@northpeak.io", PASSWORD);
    assert_eq!(r.status, 429, "{}", r.body);
}

#[test]
fn the_second_of_two_saves_from_the_same_page_is_refused_and_shows_the_first() {
    for db in backends() {
        let s = Server::start(db, |_| {});
        let mut ana = s.client_as("admin");
        let mut omar = s.client_as("owner");
        let page = ana.get(&format!("/exceptions/{OWNED}"));
        let seen = field(&page.body, "version").expect("the version in the form");
        assert_eq!(
            field(&omar.get(&format!("/exceptions/{OWNED}")).body, "version"),
            Some(seen.clone())
        );
        let first = ana.post(
            &format!("/exceptions/{OWNED}"),
            &[
                ("action", "status"),
                ("status", "in_remediation"),
                ("why", "vendor tiering started"),
                ("version", &seen),
            ],
        );
        assert_eq!(first.status, 303, "{}", first.body);
        let second = omar.post(
            &format!("/exceptions/{OWNED}"),
            &[
                ("action", "status"),
                ("status", "remediated"),
                ("why", "tier set to 3 in the inventory"),
                ("version", &seen),
            ],
        );
        assert_eq!(second.status, 409);
        assert!(
            second.body.contains("ana@northpeak.io set status to"),
            "{}",
            second.body
        );
        assert!(second.body.contains("in_remediation"));
        // Nothing is lost: the second user's words are back in the form.
        assert!(second.body.contains("tier set to 3 in the inventory"));
        // ... in its own form only: the others show the exception as it is.
        assert!(
            second
                .body
                .contains("name=\"owner\" required value=\"omar@northpeak.io\""),
            "the assign form keeps the owner"
        );
        assert!(
            second.body.contains("name=\"target\" required value=\"2"),
            "the target form keeps the date"
        );
        let (e, _) = s.register().show(OWNED).unwrap();
        assert_eq!(e.status.as_str(), "in_remediation");
        // Saved again from the fresh page, it goes in.
        let fresh = field(&second.body, "version").unwrap();
        let again = omar.post(
            &format!("/exceptions/{OWNED}"),
            &[
                ("action", "status"),
                ("status", "remediated"),
                ("why", "tier set to 3 in the inventory"),
                ("version", &fresh),
            ],
        );
        assert_eq!(again.status, 303);
        // Every action asks why.
        let v = s.register().version(OWNED).unwrap().to_string();
        let r = omar.post(
            &format!("/exceptions/{OWNED}"),
            &[
                ("action", "target"),
                ("target", "2026-11-30"),
                ("why", " "),
                ("version", &v),
            ],
        );
        assert_eq!(r.status, 400);
        assert!(r.body.contains("say why"));
    }
}

#[test]
fn an_auditors_request_becomes_the_owners_task_and_its_answer_reaches_the_portal() {
    for db in backends() {
        an_auditors_request_becomes_the_owners_task_and_its_answer_reaches_the_portal_on(db);
    }
}

fn an_auditors_request_becomes_the_owners_task_and_its_answer_reaches_the_portal_on(
    db: Option<String>,
) {
    let s = Server::start(db, |_| {});
    let mut kim = s.client_as("auditor");
    let r = kim.post(
        "/auditor/requests",
        &[
            ("item", OWNED),
            ("text", "Evidence of the vendor's tier review"),
        ],
    );
    assert_eq!(r.status, 303);
    let bad = kim.post(
        "/auditor/requests",
        &[
            ("item", "vendor-management/vendor-records/V-9999"),
            ("text", "x"),
        ],
    );
    assert_eq!(bad.status, 400, "an item outside the audit");
    let mut omar = s.client_as("owner");
    let me = omar.get("/me");
    assert!(
        me.body.contains("Evidence of the vendor&#39;s tier review")
            || me.body.contains("Evidence of the vendor's tier review"),
        "{}",
        me.body
    );
    // Another owner cannot answer it.
    let mut olga = s.client_as("other_owner");
    assert_eq!(
        olga.post("/requests/1", &[("text", "mine now")]).status,
        403
    );
    assert_eq!(
        omar.post(
            "/requests/1",
            &[("text", "Tier review minutes, 2026-10-03")]
        )
        .status,
        303
    );
    let portal = kim.get("/auditor");
    assert!(portal.body.contains("Tier review minutes, 2026-10-03"));
    assert!(portal.body.contains("answered"));
    // The auditor's portal lists the kit's files with their digests.
    let vendors = std::fs::read(s.kit.join("vendors.csv")).unwrap();
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(&vendors)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(portal.body.contains(&digest));
    // The history of the exception keeps both, with their actors.
    let (_, history) = s.register().show(OWNED).unwrap();
    let asked: Vec<_> = history
        .iter()
        .filter(|c| c.field.starts_with("evidence_"))
        .map(|c| c.actor.as_str())
        .collect();
    assert_eq!(asked, ["kim@audit.example", "omar@northpeak.io"]);
}

#[test]
fn the_sso_header_is_believed_only_from_a_trusted_proxy() {
    let s = Server::start(None, |_| {});
    let mut c = s.client_as("anonymous");
    c.extra
        .push(("X-Forwarded-Email".into(), "ana@northpeak.io".into()));
    // 127.0.0.1 is not a trusted proxy here.
    assert_eq!(c.get("/").status, 303);
}

#[test]
fn the_register_pages_filter_and_paginate_on_the_server() {
    for db in backends() {
        the_register_pages_filter_and_paginate_on_the_server_on(db);
    }
}

fn the_register_pages_filter_and_paginate_on_the_server_on(db: Option<String>) {
    let s = Server::start(db, |_| {});
    let mut c = s.client_as("viewer");
    let all = c.get("/exceptions");
    assert_eq!(all.status, 200);
    let total: usize = {
        let mut reg = s.register();
        reg.list(&fieldcheck_register::Filter::default())
            .unwrap()
            .len()
    };
    assert!(total > 50, "{total}");
    assert!(
        all.body.contains(&format!(
            "{} exceptions match; page 1 of {}",
            fieldcheck_kit::thousands(total),
            total.div_ceil(50)
        )),
        "{}",
        &all.body[..2000.min(all.body.len())]
    );
    assert_eq!(
        all.body.matches("<tr>").count(),
        51,
        "50 rows and the header"
    );
    let owner = c.get("/exceptions?owner=OMAR%40northpeak.io");
    assert!(
        owner.body.contains("1 exception match; page 1 of 1"),
        "{}",
        owner.body
    );
    let text = c.get("/exceptions?q=v-0029");
    assert!(text.body.contains(OTHERS));
    let bad = c.get("/exceptions?status=closed");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("unknown status `closed`"));
}

#[test]
fn head_requests_meet_the_same_policy_and_sign_in_never_leaves_the_site() {
    let s = Server::start(None, |_| {});
    // HEAD is answered by the GET handler: it must pass the same check.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let head = agent.head(format!("{}/report", s.base)).call().unwrap();
    assert_eq!(head.status(), 401, "anonymous HEAD /report");
    let mut c = s.client_as("anonymous");
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
    ] {
        let pre = field(&c.get("/login").body, "csrf").unwrap();
        let r = c.post_raw(
            "/login",
            &[
                ("csrf", &pre),
                ("email", "vic@northpeak.io"),
                ("password", PASSWORD),
                ("next", next),
            ],
        );
        assert_eq!(r.status, 303);
        assert_eq!(r.header("location"), Some("/"), "next = {next:?}");
        c.cookies.remove("fc_session");
    }
}

#[test]
fn a_refused_edit_leaves_no_version_check_behind_for_the_next_write() {
    let s = Server::start(None, |_| {});
    let mut omar = s.client_as("owner");
    // Refused before it reaches the database (an empty note), many times over, so that every
    // pooled connection has seen one.
    for _ in 0..8 {
        let r = omar.post(
            &format!("/exceptions/{OWNED}"),
            &[("action", "note"), ("note", " "), ("version", "0")],
        );
        assert_eq!(r.status, 400);
    }
    // The next writes on those connections are unrelated, and go through.
    let mut c = s.client_as("anonymous");
    let pre = field(&c.get("/login").body, "csrf").unwrap();
    let r = c.post_raw(
        "/login",
        &[
            ("csrf", &pre),
            ("email", "olga@northpeak.io"),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let mut kim = s.client_as("auditor");
    let r = kim.post(
        "/auditor/requests",
        &[("item", OTHERS), ("text", "the vendor review")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
}

#[test]
fn evidence_in_a_raw_export_is_linked_and_served_with_its_digest() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    fieldcheck_demo::write_raw(&raw, &fieldcheck_demo::DemoOptions::default()).unwrap();
    let s = Server::start_on(None, &raw);
    let mut c = s.client_as("auditor");
    let page = c.get("/controls/change-management");
    assert_eq!(page.status, 200);
    let link = page
        .body
        .split("href=\"/evidence/exports/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(|r| format!("/evidence/exports/{}", r.replace("&amp;", "&")))
        .unwrap_or_else(|| panic!("no link into a raw export"));
    let shown = c.get(&link);
    assert_eq!(shown.status, 200, "{link}");
    assert!(shown.body.contains("export"), "{}", shown.body);
    assert!(shown.body.contains("class=\"hit\""), "the line is marked");
    // Only the files the audit read: not the config, not a path out of the kit.
    assert_eq!(c.get("/evidence/fieldcheck.toml").status, 404);
    assert_eq!(c.get("/evidence/exports/../fieldcheck.toml").status, 404);
    assert_eq!(c.get("/evidence/%2Fetc%2Fpasswd").status, 404);
}
