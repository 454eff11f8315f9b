//! `fieldcheck serve`: the audit and the exception register in a browser, for the control owners
//! who close exceptions, the compliance lead who chases them, the audit committee and the
//! external auditor.
//!
//! A thin face over the same pipeline as the command line: at start it loads the kit and runs
//! the audit ([`fieldcheck_engine::load`], [`fieldcheck_engine::run`]) and draws the auditor's
//! sample from that audit ([`fieldcheck_engine::sample::run_on`]); every request reads the
//! register live, and every change goes through the same [`fieldcheck_register::Register`] calls
//! as `fieldcheck exceptions`, with the signed-in user as the actor.
//!
//! Map:
//! - [`routes`]: every route with who may use it, as data ([`routes::ROUTES`]); one layer
//!   enforces it (sign-in, role, auditor expiry, CSRF) before any handler runs, and refuses a
//!   route that has no row.
//! - [`auth`]: passwords (argon2id), session tokens (only their hash is stored), CSRF tokens,
//!   sign-in throttling and lockout, the SSO header.
//! - `pages`: the HTML, server-rendered with maud (every interpolated value escaped), no script.
//! - [`users`]: `fieldcheck users add|list|disable|set-role`.
//!
//! Invariants: text from the evidence kit or the register is never markup (maud escapes it, and
//! the Content-Security-Policy forbids scripts); a request changes the register only with a
//! session, a CSRF token and a role that allows it; a change made against an older version of an
//! exception is refused with the change made since ([`fieldcheck_register::Error::Conflict`]).

pub mod auth;
mod pages;
pub mod routes;
pub mod users;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use fieldcheck_engine::report::Report;
use fieldcheck_engine::sample::Request;
use fieldcheck_register::{Exception, Filter, Register};
use jiff::Timestamp;

/// How to serve.
pub struct Options {
    /// The evidence kit folder.
    pub kit: PathBuf,
    /// Its config [default: `KIT/fieldcheck.toml`].
    pub config: Option<PathBuf>,
    /// The register: an SQLite file or a PostgreSQL URL [default: the kit's
    /// `.fieldcheck/fieldcheck.db`].
    pub database: Option<String>,
    /// Where to listen [default: `127.0.0.1:8400`].
    pub listen: SocketAddr,
    /// A header that carries the signed-in user's email, set by an SSO proxy
    /// (`X-Forwarded-Email`); trusted only from `trusted_proxies`.
    pub trust_header: Option<String>,
    /// The proxies whose `trust_header` and `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// The first admin's email, created with a one-time password when the register has no admin.
    pub first_admin: String,
    /// The clock (a fixed time in tests, `FIELDCHECK_NOW`).
    pub clock: Clock,
}

/// The time: the system's, or a fixed moment (tests).
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    System,
    Fixed(Timestamp),
}

impl Clock {
    pub fn now(self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Fixed(t) => t,
        }
    }
}

/// A kit file the auditor may read, with its digest.
pub struct KitFile {
    /// Its name in the kit (`accounts.csv`, `exports/okta/users.json`), the only names
    /// `/evidence/` serves.
    pub name: String,
    pub kind: String,
    pub rows: u32,
    pub bytes: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// A test's sample as the pages show it (the population's full listing is not kept).
pub struct SampleSummary {
    pub control: String,
    pub test: String,
    pub population: usize,
    /// The items selected, in listing order.
    pub selected: Vec<String>,
    /// The seed the selection derives from.
    pub seed: String,
}

/// The register's exceptions as of one generation ([`Register::generation`]), for the list
/// pages: filtering 26,000 rows in memory costs a fraction of a millisecond, and the copy is
/// replaced as soon as the register changes.
pub(crate) struct Snapshot {
    generation: (i64, i64),
    /// Every exception, by id.
    pub rows: Vec<Exception>,
    /// Each row's id, detail and owner in lower case, for the text filter.
    pub text: Vec<String>,
}

impl Snapshot {
    /// The rows that pass `filter` and hold `text` (any case) in their id, detail or owner.
    pub fn matching<'a>(
        &'a self,
        filter: &'a Filter,
        text: &'a str,
    ) -> impl Iterator<Item = &'a Exception> + 'a {
        let text = text.trim().to_lowercase();
        self.rows
            .iter()
            .zip(&self.text)
            .filter(move |(e, hay)| filter.matches(e) && (text.is_empty() || hay.contains(&text)))
            .map(|(e, _)| e)
    }
}

/// What the server holds: the audit of the kit at start, the sample, the kit's files, and the
/// register's location (read live on every request).
pub struct App {
    pub report: Report,
    pub samples: Vec<SampleSummary>,
    pub requests: Vec<Request>,
    pub files: Vec<KitFile>,
    pub kit_dir: PathBuf,
    pub tz: jiff::tz::TimeZone,
    pub register: String,
    pub(crate) pool: Pool,
    pub(crate) opts: ServeOptions,
    pub(crate) throttle: auth::Throttle,
    snapshot: Mutex<Option<Arc<Snapshot>>>,
    /// Requests seen, so that the housekeeping task knows when the server is idle.
    pub(crate) served: std::sync::atomic::AtomicU64,
    /// Held while the copy is rebuilt, so that requests arriving meanwhile wait for that one
    /// rebuild instead of each making their own.
    rebuilding: tokio::sync::Mutex<()>,
    /// When the audit was run (the server's start).
    pub audited_at: Timestamp,
    /// A random secret of this start, behind the CSRF tokens of the SSO proxy's users (who have
    /// no session to hold one).
    pub(crate) sso_secret: String,
}

/// The options the running server needs.
pub(crate) struct ServeOptions {
    pub trust_header: Option<String>,
    pub trusted_proxies: Vec<IpAddr>,
    pub clock: Clock,
}

/// Register connections kept open between requests.
const POOL_IDLE: usize = 6;

/// Register connections, reused: the register is synchronous, so requests use it on tokio's
/// blocking threads.
pub(crate) struct Pool {
    location: String,
    idle: Mutex<Vec<Register>>,
}

impl Pool {
    fn new(location: String) -> Pool {
        Pool {
            location,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` on a connection (opened when none is idle).
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut Register) -> fieldcheck_register::Result<T>,
    ) -> fieldcheck_register::Result<T> {
        let held = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut reg = match held {
            Some(r) => r,
            None => Register::at(&self.location)?,
        };
        let out = f(&mut reg);
        // A version check that no write used must not meet the next request's write.
        reg.clear_expectation();
        // A connection whose database failed is dropped, not reused; and at most a few are
        // kept (each holds its own page cache), the rest close after a burst.
        if !matches!(out, Err(fieldcheck_register::Error::Db(_))) {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < POOL_IDLE {
                idle.push(reg);
            }
        }
        out
    }
}

impl App {
    /// Runs `f` on the register on a blocking thread.
    pub(crate) async fn db<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Register) -> fieldcheck_register::Result<T> + Send + 'static,
    ) -> fieldcheck_register::Result<T> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || app.pool.with(f))
            .await
            .unwrap_or_else(|e| {
                Err(fieldcheck_register::Error::Refused(format!(
                    "the request failed: {e}"
                )))
            })
    }

    /// Lets go of what only serves requests quickly (the copy of the register, the idle
    /// connections and their page caches) while no request comes.
    fn shed(&self) {
        *self.snapshot.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.pool
            .idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The register's exceptions, from the copy held while the register has not changed.
    pub(crate) async fn snapshot(self: &Arc<Self>) -> fieldcheck_register::Result<Arc<Snapshot>> {
        let held = || {
            self.snapshot
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
        };
        let generation = self.db(|reg| reg.generation()).await?;
        if let Some(s) = held().filter(|s| s.generation == generation) {
            return Ok(s);
        }
        // One rebuild at a time; whoever waited finds the copy it needed made.
        let _one = self.rebuilding.lock().await;
        let app = self.clone();
        let current = held();
        self.db(move |reg| {
            // The generation is read before the rows: a change in between labels the copy older
            // than it is, and the next request reads it again (never the other way round).
            let generation = reg.generation()?;
            if let Some(s) = current.filter(|s| s.generation == generation) {
                return Ok(s);
            }
            let rows = reg.list(&Filter::default())?;
            let text = rows
                .iter()
                .map(|e| format!("{}\n{}\n{}", e.id, e.detail, e.owner).to_lowercase())
                .collect();
            let snap = Arc::new(Snapshot {
                generation,
                rows,
                text,
            });
            *app.snapshot.lock().unwrap_or_else(|e| e.into_inner()) = Some(snap.clone());
            Ok(snap)
        })
        .await
    }

    /// Now.
    pub fn now(&self) -> Timestamp {
        self.opts.clock.now()
    }

    /// Today in the org's time zone (`YYYY-MM-DD`): what is overdue, whose access has ended.
    pub fn today(&self) -> String {
        fieldcheck_register::rules::Today::at(self.now(), &self.tz).date
    }
}

/// The first admin, created when the register had none: the password is shown once.
pub struct FirstAdmin {
    pub email: String,
    pub password: String,
}

/// Loads the kit, audits it, draws the sample, opens the register (creating the first admin
/// when there is none) and builds the application. The slow part of starting.
pub fn prepare(opts: &Options) -> anyhow::Result<(Arc<App>, Option<FirstAdmin>)> {
    let loaded = match fieldcheck_engine::load(fieldcheck_engine::LoadRequest {
        kit_dir: &opts.kit,
        config: opts.config.as_deref(),
        shown: None,
        progress: &fieldcheck_kit::NoProgress,
        cache: true,
        cache_min_bytes: fieldcheck_kit::CACHE_MIN_BYTES,
    }) {
        Ok(l) => l,
        Err(fieldcheck_engine::LoadError::Config(diags)) => {
            let first = diags
                .iter()
                .find(|d| d.severity == fieldcheck_kit::Severity::Error)
                .map(|d| {
                    format!(
                        "{}:{}: {}",
                        d.file.as_deref().unwrap_or("fieldcheck.toml"),
                        d.line.unwrap_or(0),
                        d.message
                    )
                })
                .unwrap_or_default();
            anyhow::bail!(
                "the kit's config has errors; `fieldcheck audit {}` lists them all. First: {first}",
                opts.kit.display()
            );
        }
        Err(fieldcheck_engine::LoadError::Tool(e)) => return Err(e),
    };
    let register = opts.database.clone().unwrap_or_else(|| {
        fieldcheck_engine::record::default_path(&opts.kit)
            .to_string_lossy()
            .into_owned()
    });
    let now = opts.clock.now();
    let shown = fieldcheck_engine::record::shown(&register);
    let mut reg = Register::at(&register)
        .with_context(|| format!("cannot open the exception register `{shown}`"))?;
    let first_admin = if reg.has_admin()? {
        None
    } else {
        let (email, password) = users::create_first_admin(&mut reg, &opts.first_admin, now)?;
        Some(FirstAdmin { email, password })
    };
    drop(reg);
    let outcome = fieldcheck_engine::run(
        &loaded,
        &fieldcheck_engine::RunOptions {
            only: &[],
            replay: None,
            register: Some(&fieldcheck_engine::RegisterUse {
                location: register.clone(),
                actor: String::new(),
                write: false,
            }),
            now: Some(now),
            label: &opts.kit.to_string_lossy(),
            progress: &fieldcheck_kit::NoProgress,
        },
    )?;
    // The samples are drawn from the populations of the audit just made (no second audit).
    let sampled = fieldcheck_engine::sample::run_on(
        &loaded,
        outcome.audit,
        fieldcheck_engine::sample::SampleOptions {
            only: &[],
            prior_deviations: &[],
            engagement: None,
            sizes: loaded.sizes.clone(),
        },
    )?;
    let files = kit_files(&opts.kit, &outcome.report)?;
    let tz = fieldcheck_engine::record::org_zone(&opts.kit);
    let samples = sampled
        .tests
        .into_iter()
        .map(|t| SampleSummary {
            control: t.control,
            test: t.test,
            population: t.population,
            selected: t.selected,
            seed: t.sample.seed,
        })
        .collect();
    let app = App {
        report: outcome.report,
        samples,
        requests: sampled.requests,
        files,
        kit_dir: opts.kit.clone(),
        tz,
        pool: Pool::new(register.clone()),
        register,
        opts: ServeOptions {
            trust_header: opts.trust_header.clone(),
            trusted_proxies: opts.trusted_proxies.clone(),
            clock: opts.clock,
        },
        throttle: auth::Throttle::default(),
        snapshot: Mutex::new(None),
        served: std::sync::atomic::AtomicU64::new(0),
        rebuilding: tokio::sync::Mutex::new(()),
        audited_at: now,
        sso_secret: auth::random_hex(32),
    };
    Ok((Arc::new(app), first_admin))
}

/// Gives the allocator's free pages back to the system (glibc's `malloc_trim`, which walks
/// every arena): measured at 50,000 people, the idle server's resident memory falls from 346 MB
/// to 46 MB (BENCHMARKS.md, "The web server"). Elsewhere it does nothing.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn release_free_memory() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: malloc_trim takes a byte count and works on the allocator's own free lists under
    // the allocator's locks; it has no precondition and frees nothing that is in use.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() {}

/// The kit's record files and the sources' raw exports, with their digests (what `/evidence/`
/// may serve).
fn kit_files(kit: &Path, report: &Report) -> anyhow::Result<Vec<KitFile>> {
    // The kit's record files, then the raw exports the sources read (under the kit folder).
    let records = report
        .evidence
        .files
        .iter()
        .filter(|f| !f.file.contains('/') && !f.file.contains('\\'))
        .map(|f| (f.file.as_str(), f.kind.to_string(), f.rows));
    let exports = report
        .evidence
        .sources
        .iter()
        .map(|r| (r.file.as_str(), format!("{} export", r.adapter), r.records));
    let mut listed: Vec<(&str, String, u32)> = Vec::new();
    for (name, kind, rows) in records.chain(exports) {
        let path = kit.join(name);
        // Only plain files inside the kit, by a relative path of plain names, never through a
        // link, and not compressed (their lines are not text).
        let inside = Path::new(name)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        let plain = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        if !inside || !plain || name.ends_with(".gz") || listed.iter().any(|f| f.0 == name) {
            continue;
        }
        listed.push((name, kind, rows));
    }
    // Hashed on two threads, the largest files first; listed in the report's order.
    let mut order: Vec<usize> = (0..listed.len()).collect();
    let size = |i: usize| std::fs::metadata(kit.join(listed[i].0)).map_or(0, |m| m.len());
    order.sort_by_key(|&i| std::cmp::Reverse(size(i)));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let digests: Vec<std::sync::Mutex<Option<anyhow::Result<FileDigest>>>> =
        listed.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        let work = || {
            loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&i) = order.get(k) else { break };
                let d = digest(&kit.join(listed[i].0));
                *digests[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(d);
            }
        };
        s.spawn(work);
        work();
    });
    let mut out = Vec::with_capacity(listed.len());
    for ((name, kind, rows), d) in listed.into_iter().zip(digests) {
        let (bytes, sha256) = d
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .expect("every file was hashed")?;
        out.push(KitFile {
            name: name.to_string(),
            kind,
            rows,
            bytes,
            sha256,
        });
    }
    Ok(out)
}

/// A file's size in bytes and its SHA-256 in hex.
type FileDigest = (u64, String);

/// A file's size and SHA-256, read in 128 KiB pieces.
fn digest(path: &Path) -> anyhow::Result<FileDigest> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let mut bytes = 0u64;
    // 128 KiB: a buffer that stays in a core's L2 cache takes the kernel's copy several times
    // as fast as one of 1 MiB (BENCHMARKS.md, tenth round).
    let mut buf = vec![0u8; 128 << 10];
    loop {
        let n = std::io::Read::read(&mut file, &mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((bytes, hex(&hasher.finalize())))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Binds the address and serves until `shutdown` resolves (or Ctrl-C). `on_ready` is called with
/// the bound address before the first request is accepted.
pub async fn serve(
    app: Arc<App>,
    listen: SocketAddr,
    on_ready: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    on_ready(addr);
    // Housekeeping every 30 s: when no request came since the last round, the server lets go
    // of its caches; then the allocator's free pages go back to the system.
    let kept = app.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut seen = u64::MAX;
        loop {
            every.tick().await;
            let now = kept.served.load(std::sync::atomic::Ordering::Relaxed);
            let idle = now == seen;
            seen = now;
            let app = kept.clone();
            let _ = tokio::task::spawn_blocking(move || {
                if idle {
                    app.shed();
                }
                release_free_memory();
            })
            .await;
        }
    });
    let router = routes::router(app);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("the server stopped")
}

/// `fieldcheck serve`: prepares, prints where it listens, and serves until Ctrl-C.
pub fn run(opts: &Options, mut say: impl FnMut(&str)) -> anyhow::Result<()> {
    let (app, first) = prepare(opts)?;
    // The start-up audit's peak (1.5 GB at 50,000 people) is free now, but glibc keeps the
    // pages of its fragmented heap: give them back, or the idle server holds several times what
    // it uses.
    release_free_memory();
    if let Some(FirstAdmin { email, password }) = &first {
        say(&format!(
            "created the first admin `{email}` with the one-time password: {password}\n  (shown once; sign in and change it at /account, or set one with `fieldcheck users passwd`)"
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(serve(
        app,
        opts.listen,
        |addr| {
            say(&format!(
                "serving the audit and the register at http://{addr}/ (Ctrl-C stops)"
            ))
        },
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
    ))
}
