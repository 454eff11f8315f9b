//! A collector's pull in progress: its options and secrets, the window, the clock, and the
//! staged files with their retrieval records.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use fieldcheck_kit::{ConfigValue, Entry};
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::retrieval::{CallOutcome, PullRecord, Retrieval};
use crate::spec::CollectorSpec;

pub use crate::error::PullError;
pub use crate::secrets::Secret;

/// One response to write and record.
pub struct Saved<'b> {
    /// The call's name from the spec.
    pub call: &'b str,
    /// The request (method and URL without secrets, or the API action).
    pub request: String,
    /// Its parameters, without secrets.
    pub params: BTreeMap<String, String>,
    /// When it was sent.
    pub at: Timestamp,
    /// The HTTP status.
    pub status: u16,
    /// The page within the call, from 1.
    pub page: u32,
    /// Attempts it took.
    pub attempts: u32,
    /// The file, relative to the collector's folder (`users/page-0001.json`).
    pub file: String,
    /// The bytes, exactly as received (or, for an SDK call, as the vendor's CLI prints them).
    pub body: &'b [u8],
}

/// A collector's pull in progress.
pub struct Session<'a> {
    spec: &'static CollectorSpec,
    entries: &'a [Entry],
    secrets: &'a BTreeMap<String, Secret>,
    stage: PathBuf,
    prefix: String,
    now: Timestamp,
    window: (Timestamp, Timestamp),
    records: Vec<Retrieval>,
    outcomes: Vec<CallOutcome>,
    started: std::time::Instant,
    progress: Option<Progress<'a>>,
    retry: Option<crate::http::RetryPolicy>,
}

/// Told of each call's outcome as it is recorded (the collector's name and the outcome).
pub type Progress<'a> = Box<dyn Fn(&str, &CallOutcome) + 'a>;

/// What a collector's pull made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PullTotals {
    /// Calls.
    pub calls: u32,
    /// Pages (responses).
    pub pages: u32,
    /// Bytes of the responses.
    pub bytes: u64,
    /// Files written (the responses, `retrieval.jsonl` and `pull.json`).
    pub files: u32,
}

impl<'a> Session<'a> {
    /// A session writing into `stage` (the collector's staged folder), whose files will be
    /// `prefix/...` in the kit (`exports/okta`).
    pub fn new(
        spec: &'static CollectorSpec,
        entries: &'a [Entry],
        secrets: &'a BTreeMap<String, Secret>,
        stage: PathBuf,
        prefix: String,
        now: Timestamp,
        window: (Timestamp, Timestamp),
    ) -> Self {
        Session {
            spec,
            entries,
            secrets,
            stage,
            prefix,
            now,
            window,
            records: Vec::new(),
            outcomes: Vec::new(),
            started: std::time::Instant::now(),
            progress: None,
            retry: None,
        }
    }

    /// Reports each call's outcome to `p` as it is recorded (progress on the terminal).
    pub fn set_progress(&mut self, p: Progress<'a>) {
        self.progress = Some(p);
    }

    /// Uses `policy` for the HTTP retries instead of the default (with its test hook
    /// `FIELDCHECK_PULL_MAX_WAIT_MS` read from the environment).
    pub fn set_retry_policy(&mut self, policy: crate::http::RetryPolicy) {
        self.retry = Some(policy);
    }

    /// The HTTP retry policy.
    pub fn retry_policy(&self) -> crate::http::RetryPolicy {
        self.retry
            .clone()
            .unwrap_or_else(crate::http::RetryPolicy::from_env)
    }

    /// The collector's spec.
    pub fn spec(&self) -> &'static CollectorSpec {
        self.spec
    }

    /// The `[[collectors]]` entry's value for `key`.
    pub fn option(&self, key: &str) -> Option<&ConfigValue> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    /// The `[[collectors]]` entry's string value for `key`.
    pub fn option_str(&self, key: &str) -> Option<&str> {
        match self.option(key) {
            Some(ConfigValue::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// A secret by its environment variable name, or an error saying where to put it.
    pub fn secret(&self, env: &str) -> Result<&Secret, PullError> {
        self.secrets.get(env).ok_or_else(|| PullError::Call {
            collector: self.spec.name.into(),
            call: "credentials".into(),
            message: format!("no `{env}` in the environment or the secrets file"),
            help: format!(
                "export {env}=... or add `{env} = \"...\"` to the secrets file named by `[pull] secrets` (mode 0600)"
            ),
        })
    }

    /// The clock's reading at the start of the pull.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The window's first instant.
    pub fn window_start(&self) -> Timestamp {
        self.window.0
    }

    /// Where event listings end: the earlier of now and the window's last instant.
    pub fn events_until(&self) -> Timestamp {
        self.window.1.min(self.now)
    }

    /// Writes one response and records its retrieval.
    pub fn save(&mut self, s: Saved<'_>) -> Result<(), PullError> {
        let safe = !s.file.is_empty()
            && Path::new(&s.file)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !safe {
            return Err(PullError::Call {
                collector: self.spec.name.into(),
                call: s.call.into(),
                message: format!("the file name `{}` leaves the collector's folder", s.file),
                help: "report it: a collector writes only below `exports/<collector>/`".into(),
            });
        }
        let path = self.stage.join(&s.file);
        let shown = format!("{}/{}", self.prefix, s.file);
        let io = |source| PullError::Io {
            path: shown.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut f = std::fs::File::create(&path).map_err(io)?;
        f.write_all(s.body).map_err(io)?;
        f.sync_all().map_err(io)?;
        crate::stage::durable_step();
        self.records.push(Retrieval {
            collector: self.spec.name.into(),
            call: s.call.into(),
            request: s.request,
            params: s.params,
            at: s.at.to_string(),
            status: s.status,
            page: s.page,
            attempts: s.attempts,
            bytes: s.body.len() as u64,
            sha256: hex(&Sha256::digest(s.body)),
            file: shown,
        });
        Ok(())
    }

    /// Records what a call covered once all its pages are saved.
    pub fn outcome(&mut self, o: CallOutcome) {
        if let Some(p) = &self.progress {
            p(self.spec.name, &o);
        }
        self.outcomes.push(o);
    }

    /// The staged folder.
    pub fn stage(&self) -> &Path {
        &self.stage
    }

    /// The retrieval records so far.
    pub fn records(&self) -> &[Retrieval] {
        &self.records
    }

    /// Ends the session: the records and outcomes.
    pub fn finish(self) -> (Vec<Retrieval>, Vec<CallOutcome>) {
        (self.records, self.outcomes)
    }

    /// Ends the session by writing `retrieval.jsonl` (one record per response) and `pull.json`
    /// (the calls' outcomes) into the collector's staged folder; returns what was pulled.
    pub fn write_records(self) -> Result<PullTotals, PullError> {
        let totals = PullTotals {
            calls: self.outcomes.len() as u32,
            pages: self.records.len() as u32,
            bytes: self.records.iter().map(|r| r.bytes).sum(),
            files: self.records.len() as u32 + 2,
        };
        let mut jsonl = String::new();
        for r in &self.records {
            jsonl.push_str(&serde_json::to_string(r).expect("serializes"));
            jsonl.push('\n');
        }
        let record = PullRecord {
            format: "fieldcheck.pull/v1".into(),
            collector: self.spec.name.into(),
            system: self.spec.system.into(),
            started: self.now.to_string(),
            window_start: self.window.0.to_string(),
            window_end: self.window.1.to_string(),
            window_open: self.now < self.window.1,
            calls: self.outcomes,
        };
        let mut json = serde_json::to_string_pretty(&record).expect("serializes");
        json.push('\n');
        for (name, text) in [("retrieval.jsonl", jsonl), ("pull.json", json)] {
            let path = self.stage.join(name);
            let io = |source| PullError::Io {
                path: format!("{}/{name}", self.prefix),
                source,
            };
            std::fs::create_dir_all(&self.stage).map_err(io)?;
            let mut f = std::fs::File::create(&path).map_err(io)?;
            f.write_all(text.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
            crate::stage::durable_step();
        }
        Ok(totals)
    }

    /// The time now: the clock's reading at the start plus the time elapsed since (so that a
    /// fixed `FIELDCHECK_NOW` still orders the requests).
    pub fn clock(&self) -> Timestamp {
        let elapsed = jiff::SignedDuration::try_from(self.started.elapsed()).unwrap_or_default();
        self.now.checked_add(elapsed).unwrap_or(self.now)
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
