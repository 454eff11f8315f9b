//! A real server on 127.0.0.1 over the demo company's kit and a recorded register (SQLite, or
//! PostgreSQL when `FIELDCHECK_TEST_POSTGRES` names a server), with one user per role, and an
//! HTTP client that keeps its own cookies.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use fieldcheck_register::Register;
use fieldcheck_register::access::{NewUser, Role, Session};
use fieldcheck_serve::{App, Clock, Options, auth};

/// The time the server runs at: eight days after the register's first run.
pub const NOW: &str = "2026-10-09T15:00:00Z";
/// Every test user's password.
pub const PASSWORD: &str = "correct horse battery staple";
/// The exception assigned to the owner.
pub const OWNED: &str = "vendor-management/vendor-records/V-0014";
/// An exception assigned to someone else.
pub const OTHERS: &str = "vendor-management/vendor-records/V-0029";

/// The users, by the name the tests give them.
pub const USERS: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin", "ana@northpeak.io", Role::Admin, None),
    ("owner", "omar@northpeak.io", Role::Owner, None),
    ("other_owner", "olga@northpeak.io", Role::Owner, None),
    ("viewer", "vic@northpeak.io", Role::Viewer, None),
    (
        "auditor",
        "kim@audit.example",
        Role::Auditor,
        Some("2027-03-31"),
    ),
    (
        "expired_auditor",
        "ex@audit.example",
        Role::Auditor,
        Some("2026-10-08"),
    ),
];

pub fn email_of(who: &str) -> &'static str {
    USERS
        .iter()
        .find(|u| u.0 == who)
        .map(|u| u.1)
        .expect("a test user")
}

/// The register locations to run a suite on: SQLite always, PostgreSQL when a test server is
/// given (required under CI).
pub fn backends() -> Vec<Option<String>> {
    assert!(
        std::env::var_os("CI").is_none() || std::env::var_os("FIELDCHECK_TEST_POSTGRES").is_some(),
        "CI is set but FIELDCHECK_TEST_POSTGRES is not: run the tests with scripts/test.sh"
    );
    #[cfg_attr(not(feature = "postgres"), allow(unused_mut))]
    let mut out = vec![None];
    #[cfg(feature = "postgres")]
    if let Ok(admin) = std::env::var("FIELDCHECK_TEST_POSTGRES") {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "fc_serve_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut c = postgres::Client::connect(&admin, postgres::NoTls)
            .expect("the test PostgreSQL server answers");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        out.push(Some(format!("{admin} dbname={name}")));
    }
    out
}

pub struct Server {
    pub base: String,
    pub app: Arc<App>,
    pub kit: PathBuf,
    pub database: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Server {
    /// The demo kit (600 people), one recorded run, the users, and the server listening on a
    /// free port. `edit` may change the kit before the audit.
    pub fn start(database: Option<String>, edit: impl FnOnce(&std::path::Path)) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let kit = dir.path().join("kit");
        fieldcheck_demo::write_kit(&kit, &fieldcheck_demo::DemoOptions::default()).unwrap();
        edit(&kit);
        Server::serve(database, dir, kit)
    }

    /// The server over a kit written elsewhere (copied into the server's own folder).
    pub fn start_on(database: Option<String>, from: &std::path::Path) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let kit = dir.path().join("kit");
        copy_dir(from, &kit);
        Server::serve(database, dir, kit)
    }

    fn serve(database: Option<String>, dir: tempfile::TempDir, kit: PathBuf) -> Server {
        let database = database.unwrap_or_else(|| {
            fieldcheck_engine::record::default_path(&kit)
                .to_string_lossy()
                .into_owned()
        });
        // The first recorded run, as `fieldcheck audit KIT --record` would.
        let loaded = fieldcheck_engine::load(fieldcheck_engine::LoadRequest {
            kit_dir: &kit,
            config: None,
            shown: None,
            progress: &fieldcheck_kit::NoProgress,
            cache: false,
            cache_min_bytes: 0,
        })
        .unwrap_or_else(|_| panic!("the demo kit loads"));
        fieldcheck_engine::run(
            &loaded,
            &fieldcheck_engine::RunOptions {
                only: &[],
                replay: None,
                register: Some(&fieldcheck_engine::RegisterUse {
                    location: database.clone(),
                    actor: "ci".into(),
                    write: true,
                }),
                now: Some("2026-10-01T14:00:00Z".parse().unwrap()),
                label: "kit",
                progress: &fieldcheck_kit::NoProgress,
            },
        )
        .expect("recorded");
        let mut reg = Register::at(&database).unwrap();
        let hash = auth::hash_password(PASSWORD).unwrap();
        for (_, email, role, expires) in USERS {
            reg.add_user(
                &NewUser {
                    email,
                    name: "",
                    role: *role,
                    password: &hash,
                    expires: *expires,
                },
                "2026-10-01T00:00:00Z",
                "setup",
            )
            .unwrap();
        }
        // The demo's exceptions (a kit of another shape may not have them).
        for (id, who) in [(OWNED, "owner"), (OTHERS, "other_owner")] {
            if reg.show(id).is_ok() {
                reg.assign(
                    id,
                    email_of(who),
                    "2026-10-02T00:00:00Z",
                    "setup",
                    "owns vendors",
                )
                .unwrap();
            }
        }
        drop(reg);
        let opts = Options {
            kit: kit.clone(),
            config: None,
            database: Some(database.clone()),
            listen: "127.0.0.1:0".parse().unwrap(),
            trust_header: Some("X-Forwarded-Email".into()),
            trusted_proxies: Vec::new(),
            first_admin: "first@localhost.localdomain".into(),
            clock: Clock::Fixed(NOW.parse().unwrap()),
        };
        let (app, first) = fieldcheck_serve::prepare(&opts).expect("prepared");
        assert!(first.is_none(), "the register has an admin already");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let served = app.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(fieldcheck_serve::serve(
                served,
                "127.0.0.1:0".parse().unwrap(),
                move |addr| ready_tx.send(addr).unwrap(),
                async {
                    let _ = rx.await;
                },
            ))
            .unwrap();
        });
        let addr = ready_rx.recv().unwrap();
        Server {
            base: format!("http://{addr}"),
            app,
            kit,
            database,
            stop: Some(tx),
            thread: Some(thread),
            _dir: dir,
        }
    }

    pub fn register(&self) -> Register {
        Register::at(&self.database).unwrap()
    }

    /// A client already signed in as `who` (a session made directly in the register: fast, and
    /// the sign-in itself has its own tests).
    pub fn client_as(&self, who: &str) -> Client {
        let mut c = Client::new(&self.base);
        if who == "anonymous" {
            return c;
        }
        let token = auth::random_hex(32);
        let csrf = auth::random_hex(32);
        let now = self.app.now().as_second();
        self.register()
            .start_session(&Session {
                token_hash: auth::token_hash(&token),
                email: email_of(who).into(),
                csrf: csrf.clone(),
                created_at: now,
                seen_at: now,
            })
            .unwrap();
        c.cookies.insert(auth::SESSION_COOKIE.into(), token);
        c.csrf = csrf;
        c
    }
}

pub struct Reply {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP client that follows no redirect and keeps cookies.
pub struct Client {
    base: String,
    agent: ureq::Agent,
    pub cookies: BTreeMap<String, String>,
    /// The session's CSRF token, when known.
    pub csrf: String,
    pub extra: Vec<(String, String)>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build();
        Client {
            base: base.to_string(),
            agent: config.into(),
            cookies: BTreeMap::new(),
            csrf: String::new(),
            extra: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, res: ureq::http::Response<ureq::Body>) -> Reply {
        let status = res.status().as_u16();
        let headers: Vec<(String, String)> = res
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        for (k, v) in &headers {
            if k.eq_ignore_ascii_case("set-cookie") {
                let pair = v.split(';').next().unwrap_or("");
                if let Some((name, value)) = pair.split_once('=') {
                    if value.is_empty() || v.contains("Max-Age=0") {
                        self.cookies.remove(name);
                    } else {
                        self.cookies.insert(name.to_string(), value.to_string());
                    }
                }
            }
        }
        let body = res.into_body().read_to_string().unwrap_or_default();
        Reply {
            status,
            body,
            headers,
        }
    }

    pub fn get(&mut self, path: &str) -> Reply {
        let mut req = self.agent.get(format!("{}{path}", self.base));
        let cookies = self.cookie_header();
        if !cookies.is_empty() {
            req = req.header("Cookie", &cookies);
        }
        for (k, v) in &self.extra {
            req = req.header(k.as_str(), v.as_str());
        }
        let res = req.call().unwrap_or_else(|e| panic!("GET {path}: {e}"));
        self.keep(res)
    }

    /// Posts a form (the fields as given: the CSRF token is not added).
    pub fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded");
        let cookies = self.cookie_header();
        if !cookies.is_empty() {
            req = req.header("Cookie", &cookies);
        }
        for (k, v) in &self.extra {
            req = req.header(k.as_str(), v.as_str());
        }
        let res = req
            .send(body)
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        self.keep(res)
    }

    /// Posts a form with the session's CSRF token.
    pub fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all)
    }
}

pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The value of a hidden field in a page (`name="version" value="12"`).
pub fn field(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &page[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_string())
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
