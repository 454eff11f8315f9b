//! KnowBe4 (Reporting API, <https://developer.knowbe4.com/rest/reporting>): training enrollments,
//! phishing security tests, and the recipients of the tests that started in the window, which
//! the `knowbe4` source reads (it recomputes each test's delivered, clicked and reported counts
//! from its recipients). Every listing is paged by page number (`page=1..`, `per_page=500`)
//! until a page holds fewer than 500 items; the answers are bare JSON arrays. The region's base
//! URL (`https://us.api.knowbe4.com`, `eu`, `ca`, `uk`, `de`), a bearer token (the account's
//! Reporting API key), and `429` with `Retry-After` when the rate limit is reached.

use jiff::Timestamp;

use super::{Tally, call_error, client, folder_safe, json_page, plan_with, planned};
use crate::http::Http;
use crate::paging::{Pager, list, list_call};
use crate::session::{PullError, Session};
use crate::spec::{CallSpec, CollectorSpec, OptSpec, OptTy, SecretSpec, SourceTemplate};
use crate::{Collector, Planned};

const TOKEN: &str = "KNOWBE4_API_TOKEN";

/// Items per page: the Reporting API's largest.
pub const PER_PAGE: usize = 500;

const SCOPE: &str =
    "the account's Reporting API key (Account Settings > API; an admin of the KnowBe4 account)";

static CALLS: [CallSpec; 3] = [
    CallSpec {
        name: "training-enrollments",
        request: "GET /v1/training/enrollments?page=&per_page=500",
        scope: SCOPE,
        events: false,
    },
    CallSpec {
        name: "phishing-security-tests",
        request: "GET /v1/phishing/security_tests?page=&per_page=500",
        scope: SCOPE,
        events: false,
    },
    CallSpec {
        name: "phishing-recipients",
        request: "GET /v1/phishing/security_tests/<pst_id>/recipients?page=&per_page=500",
        scope: SCOPE,
        events: false,
    },
];

/// The KnowBe4 collector's description.
pub static SPEC: CollectorSpec = CollectorSpec {
    name: "knowbe4",
    system: "KnowBe4",
    calls: &CALLS,
    options: &[
        OptSpec {
            name: "region",
            ty: OptTy::Str,
            required: false,
            help: "the account's region: `us` (the default), `eu`, `ca`, `uk` or `de` (`https://<region>.api.knowbe4.com`)",
        },
        OptSpec {
            name: "base_url",
            ty: OptTy::Str,
            required: false,
            help: "the API's base URL, instead of the region's (a proxy, or a test server)",
        },
        OptSpec {
            name: "courses",
            ty: OptTy::Map,
            required: false,
            help: "passed to the `knowbe4` source: module name → the course name used in the kit",
        },
    ],
    secrets: &[SecretSpec {
        env: TOKEN,
        help: "the KnowBe4 Reporting API key (sent as a bearer token)",
    }],
    sources: &[SourceTemplate {
        adapter: "knowbe4",
        path: "**/page-*.json",
        calls: &["training-enrollments", "phishing-security-tests"],
        options: &["courses"],
    }],
    example: "[[collectors]]\ncollector = \"knowbe4\"\nregion = \"us\"\ncourses = { \"2026 Security Awareness Training\" = \"security-awareness\" }\n# KNOWBE4_API_TOKEN in the environment or the `[pull] secrets` file",
};

/// The KnowBe4 collector.
pub struct KnowBe4;

/// The collector, to register.
pub static KNOWBE4: KnowBe4 = KnowBe4;

fn base(session: &Session<'_>) -> Result<String, PullError> {
    if let Some(u) = session.option_str("base_url") {
        return Ok(u.trim_end_matches('/').to_string());
    }
    let region = session.option_str("region").unwrap_or("us").trim();
    if ["us", "eu", "ca", "uk", "de"].contains(&region) {
        Ok(format!("https://{region}.api.knowbe4.com"))
    } else {
        Err(call_error(
            &SPEC,
            "base URL",
            format!("`region = \"{region}\"` is not a KnowBe4 region"),
            "write `region` as `us`, `eu`, `ca`, `uk` or `de` (where the account is hosted), or give `base_url`",
        ))
    }
}

fn pager() -> Pager {
    Pager::PageNumber {
        param: "page",
        first: 1,
        size: PER_PAGE,
        items: "",
    }
}

fn listing(http: &Http, path: &str) -> String {
    http.url(
        path,
        &[("page", "1".into()), ("per_page", PER_PAGE.to_string())],
    )
}

/// A test whose recipients are pulled: one that started at or after the window's start, or
/// whose start cannot be read (then it is pulled rather than guessed out).
fn in_window(test: &serde_json::Value, start: Timestamp) -> bool {
    match test.get("started_at").and_then(|s| s.as_str()) {
        Some(s) => s.parse::<Timestamp>().map_or(true, |t| t >= start),
        None => true,
    }
}

impl Collector for KnowBe4 {
    fn spec(&self) -> &'static CollectorSpec {
        &SPEC
    }

    fn plan(&self, session: &Session<'_>) -> Vec<Planned> {
        plan_with(&SPEC, base(session), |http| {
            vec![
                planned(&CALLS[0], &listing(http, "/v1/training/enrollments")),
                planned(&CALLS[1], &listing(http, "/v1/phishing/security_tests")),
                planned(
                    &CALLS[2],
                    &listing(
                        http,
                        "/v1/phishing/security_tests/<each test started in the window>/recipients",
                    ),
                ),
            ]
        })
    }

    fn pull(&self, session: &mut Session<'_>) -> Result<(), PullError> {
        let b = base(session)?;
        let http = client(session, &b, TOKEN, "Authorization", "Bearer ")?;
        let none = &mut |_: &[u8]| Ok(());
        list_call(
            &http,
            session,
            &CALLS[0],
            listing(&http, "/v1/training/enrollments"),
            &pager(),
            None,
            none,
        )?;
        let start = session.window_start();
        let mut ids: Vec<String> = Vec::new();
        let collect_ids = &mut |body: &[u8]| {
            let v = json_page(
                &SPEC,
                &CALLS[1],
                "security tests",
                body,
                "check `region` or `base_url`: it must be the account's Reporting API",
            )?;
            for t in v.as_array().into_iter().flatten() {
                let id = match t.get("pst_id") {
                    Some(serde_json::Value::Number(n)) => n.to_string(),
                    Some(serde_json::Value::String(s)) => s.clone(),
                    _ => continue,
                };
                if in_window(t, start) && !ids.contains(&id) {
                    ids.push(id);
                }
            }
            Ok(())
        };
        list_call(
            &http,
            session,
            &CALLS[1],
            listing(&http, "/v1/phishing/security_tests"),
            &pager(),
            None,
            collect_ids,
        )?;
        let observed = session.now();
        let mut tally = Tally::default();
        for id in &ids {
            let folder = format!("{}/{}", CALLS[2].name, folder_safe(id));
            let path = format!(
                "/v1/phishing/security_tests/{}/recipients",
                crate::http::encode(id)
            );
            let l = list(
                &http,
                session,
                &CALLS[2],
                listing(&http, &path),
                &pager(),
                &folder,
                none,
            )?;
            tally.add(CALLS[2].name, l);
        }
        tally.record(session, &[&CALLS[2]], observed);
        Ok(())
    }
}
