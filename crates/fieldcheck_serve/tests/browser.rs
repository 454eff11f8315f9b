//! The server in a real headless Chromium, driven over the W3C WebDriver protocol through
//! Debian's chromedriver (scripts/test.sh installs chromium and chromium-driver and sets
//! `FIELDCHECK_TEST_CHROMEDRIVER` and `FIELDCHECK_TEST_CHROMIUM`; without them these tests have
//! nothing to drive outside CI, and fail under CI).
//!
//! Each page the tests visit is kept as a PNG under `target/tmp/serve-screens/` for review.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

fn tools() -> Option<(PathBuf, PathBuf)> {
    match (
        std::env::var("FIELDCHECK_TEST_CHROMEDRIVER"),
        std::env::var("FIELDCHECK_TEST_CHROMIUM"),
    ) {
        (Ok(d), Ok(c)) => Some((d.into(), c.into())),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but FIELDCHECK_TEST_CHROMEDRIVER is not: run the tests with scripts/test.sh"
            );
            eprintln!(
                "FIELDCHECK_TEST_CHROMEDRIVER is not set: run scripts/test.sh to drive a browser"
            );
            None
        }
    }
}

fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-screens");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A chromedriver and one browser session.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .agent
            .delete(format!("{}/session/{}", self.base, self.session))
            .call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    fn start(driver: &Path, chromium: &Path) -> Browser {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
        let base = format!("http://127.0.0.1:{port}");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let deadline = Instant::now() + Duration::from_secs(20);
        while agent.get(format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not answer");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,1000", "--lang=en-US"]
            }
        }}});
        let mut b = Browser {
            driver: child,
            base,
            session: String::new(),
            agent,
        };
        let v = b.call("POST", "/session", Some(caps));
        b.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        b
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let res = match method {
            "GET" => self.agent.get(&url).call(),
            _ => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or(json!({})).to_string()),
        }
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let text = res.into_body().read_to_string().unwrap();
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        let v = v["value"].clone();
        if let Some(err) = v.get("error") {
            panic!("{method} {path}: {err}: {}", v["message"]);
        }
        v
    }

    fn open(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    fn count(&self, css: &str) -> usize {
        self.call(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .map_or(0, Vec::len)
    }

    fn type_in(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/clear"), None);
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/click"), None);
    }

    /// Clicks a form's submit button and waits until the page it leads to has loaded: the
    /// driver may return from the click before the browser has left the old page.
    fn submit(&self, css: &str) {
        self.script("window.fieldcheckOldPage = true;");
        self.click(css);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.script(
            "return window.fieldcheckOldPage === true || document.readyState !== 'complete';",
        ) != json!(false)
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the form `{css}` led to no new page"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn script(&self, js: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
    }

    fn text(&self) -> String {
        self.script("return document.body.innerText;")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The value of the browser's cookie `name` for the current page, if it has one.
    fn cookie(&self, name: &str) -> Option<String> {
        self.call("GET", "/cookie", None)
            .as_array()?
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["value"].as_str())
            .map(str::to_string)
    }

    fn url(&self) -> String {
        self.call("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn screenshot(&self, name: &str) {
        let b64 = self.call("GET", "/screenshot", None);
        let png = decode_base64(b64.as_str().unwrap());
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(shots().join(format!("{name}.png")), png).unwrap();
    }

    /// Signs in on the sign-in page (opened unless the browser is on it already).
    fn sign_in(&self, server: &Server, email: &str, password: &str) {
        if !self.url().contains("/login") {
            self.open(&format!("{}/login", server.base));
        }
        // Chromium may hand the page to the driver before it has stored the page's cookie; a
        // form sent in that moment carries no cookie and is refused as stale (no person types
        // that fast). Wait until the form's token is the cookie's.
        let form = self.script("return document.querySelector('input[name=csrf]').value;");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.cookie("fc_pre") != form.as_str().map(str::to_string) {
            assert!(
                std::time::Instant::now() < deadline,
                "the sign-in page's cookie never arrived"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        self.type_in("input[name=email]", email);
        self.type_in("input[name=password]", password);
        self.submit("form button[type=submit]");
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => 0,
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for chunk in bytes.chunks(4) {
        let pad = chunk.iter().filter(|c| **c == b'=').count();
        let n = chunk
            .iter()
            .fold(0u32, |acc, c| (acc << 6) | val(*c) as u32);
        let b = n.to_be_bytes();
        out.extend_from_slice(&b[1..4 - pad]);
    }
    out
}

#[test]
fn an_owner_signs_in_sees_their_exceptions_and_sets_a_status_with_a_reason() {
    let Some((driver, chromium)) = tools() else {
        return;
    };
    let s = Server::start(None, |kit| {
        let path = kit.join("vendors.csv");
        let csv = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            csv.replace(
                "V-0014,Redwood Events Co.,",
                "V-0014,\"Redwood <script>document.title='pwned'</script>\",",
            ),
        )
        .unwrap();
    });
    let b = Browser::start(&driver, &chromium);
    b.open(&format!("{}/me", s.base));
    assert!(b.url().contains("/login?next=/me"), "{}", b.url());
    b.screenshot("01-sign-in");
    b.sign_in(&s, "omar@northpeak.io", PASSWORD);
    assert!(b.url().ends_with("/me"), "{}", b.url());
    let text = b.text();
    assert!(text.contains(OWNED), "{text}");
    b.screenshot("02-my-work");
    b.open(&format!("{}/exceptions/{OWNED}", s.base));
    // The evidence's script is text in the page, not a script that ran.
    assert_eq!(b.script("return document.scripts.length;"), json!(0));
    assert_ne!(b.script("return document.title;"), json!("pwned"));
    b.click("form select[name=status] option[value=in_remediation]");
    b.type_in(
        "form:has(select[name=status]) input[name=why]",
        "tiering the vendor this week",
    );
    b.submit("form:has(select[name=status]) button[type=submit]");
    let text = b.text();
    assert!(text.contains("in_remediation"), "{text}");
    assert!(
        text.contains("tiering the vendor this week"),
        "the reason is in the history: {text}"
    );
    assert!(text.contains("omar@northpeak.io"), "the owner is the actor");
    b.screenshot("03-exception-after-status");
    b.open(&format!("{}/", s.base));
    assert!(
        b.text()
            .contains("Did the program operate throughout the window?")
    );
    assert_eq!(b.count("svg.chart, .chart svg"), 1, "the burndown");
    b.screenshot("04-overview");
    b.open(&format!("{}/controls/vendor-management", s.base));
    b.screenshot("05-control");
    b.open(&format!("{}/exceptions?overdue=1", s.base));
    b.screenshot("06-exceptions");
    let (e, _) = s.register().show(OWNED).unwrap();
    assert_eq!(e.status.as_str(), "in_remediation");
}

#[test]
fn an_admin_invites_an_auditor_who_files_a_request_and_can_edit_nothing() {
    let Some((driver, chromium)) = tools() else {
        return;
    };
    let s = Server::start(None, |_| {});
    let b = Browser::start(&driver, &chromium);
    b.sign_in(&s, "ana@northpeak.io", PASSWORD);
    b.open(&format!("{}/admin/users", s.base));
    b.type_in("form.stack input[name=email]", "lee@audit-firm.example");
    b.type_in("form.stack input[name=name]", "Lee, external auditor");
    b.click("form.stack select[name=role] option[value=auditor]");
    // The audit's last day (the date input takes the browser's locale: type it as the US one).
    b.script("document.querySelector('form.stack input[name=expires]').value = '2027-03-31';");
    b.submit("form.stack button[type=submit]");
    let text = b.text();
    let password = text
        .split("shown only now: ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no one-time password in: {text}"))
        .to_string();
    assert!(
        text.contains("invited lee@audit-firm.example as auditor until 2027-03-31"),
        "{text}"
    );
    b.screenshot("07-admin-invites-auditor");
    // The auditor, in a fresh browser.
    drop(b);
    let b = Browser::start(&driver, &chromium);
    b.sign_in(&s, "lee@audit-firm.example", &password);
    assert!(b.url().ends_with("/auditor"), "{}", b.url());
    let text = b.text();
    assert!(
        text.contains("observation window 2026-04-01 to 2026-09-30"),
        "{text}"
    );
    assert!(text.contains("vendors.csv"));
    b.type_in("form.stack input[name=item]", OWNED);
    b.type_in(
        "form.stack textarea[name=text]",
        "The tiering decision for V-0014, with its approval",
    );
    b.submit("form.stack button[type=submit]");
    assert!(
        b.text().contains("The tiering decision for V-0014"),
        "the request is listed"
    );
    b.screenshot("08-auditor-portal");
    // Read-only: no form that changes the register, and the register's pages refuse them.
    b.open(&format!("{}/controls/vendor-management", s.base));
    assert_eq!(b.count("form[method=post]:not([action='/logout'])"), 0);
    assert_eq!(
        b.count("a[href^='/exceptions/']"),
        0,
        "no link into the register"
    );
    b.screenshot("09-auditor-control");
    b.open(&format!("{}/exceptions/{OWNED}", s.base));
    assert!(
        b.text().contains("the auditor role cannot read this page"),
        "{}",
        b.text()
    );
    // The request is the owner's task.
    let mine = s.register().requests(Some(email_of("owner"))).unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].requested_by, "lee@audit-firm.example");
}
