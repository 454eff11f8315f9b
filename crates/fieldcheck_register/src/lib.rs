//! The exception register: every deviation of a recorded audit becomes an exception with a
//! stable id (`control/test/item`), an owner, a target close date and a status, and every change
//! to it is kept in its history with who, when and why.
//!
//! Each recorded run reconciles the register with the run's deviations, in one transaction: new
//! deviations are opened, remediated ones that come back are reopened as regressions, and an
//! exception whose deviation disappeared is remediated by that run only when the run could see it
//! fixed. Nothing is ever deleted. A risk acceptance needs an approver, a reason and an expiry,
//! after which the exception reopens; management's response is kept with the exception for good.
//!
//! **Invariant (no fix from missing evidence):** a run remediates an exception only when it
//! re-tested the same item (the item is in this run's population of the exception's test), the
//! control's evidence was complete (not `not_evidenced`, not scoped out), and none of the files
//! the control reads has fewer records than when the deviation was last found. Otherwise the
//! exception stays as it was, and its history says why the fix could not be verified (once, when
//! the reason appears or changes).
//!
//! **Invariant:** the register is changed only inside transactions that take the write lock
//! first (`backend.rs` says how each database takes it), so a crash leaves it as it was before
//! or after a whole run, and two concurrent runs are serialised instead of interleaved.
//!
//! **Conclusions.** Each recorded run keeps every evaluated control's computed [`Conclusion`] and
//! each test's deviation count. A person may conclude otherwise for a window
//! ([`Register::conclude`]), append-only, with who, when and why: never for a control whose
//! computed conclusion is `not_evidenced` or `not_occurring` (only evidence changes those), and
//! never softer without a reason. [`Register::prior_deviations`] gives the tests with deviations in
//! the previous recorded window, for the sample's size.
//!
//! Times are RFC 3339 UTC text and dates `YYYY-MM-DD`, given by the caller: this crate reads no
//! clock.

#![deny(missing_docs)]

pub mod access;
mod backend;
pub mod rules;

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use backend::{Backend, Val};

/// An exception's status, written in the register, its exports and its JSON as
/// [`ExceptionStatus::as_str`] gives it (`open`, `in_remediation`, `remediated`, `risk_accepted`);
/// the register's `exceptions.status` column accepts no other text (schema version 4).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionStatus {
    /// Found and not yet worked on.
    Open,
    /// Someone is fixing it.
    InRemediation,
    /// Fixed: a run re-tested the item on complete evidence and did not find it, or a person
    /// said so.
    Remediated,
    /// Its risk is accepted, by an approver, for a reason, until a date.
    RiskAccepted,
}

impl ExceptionStatus {
    /// Every status, in the order lists and messages name them.
    pub const ALL: [ExceptionStatus; 4] = [
        ExceptionStatus::Open,
        ExceptionStatus::InRemediation,
        ExceptionStatus::Remediated,
        ExceptionStatus::RiskAccepted,
    ];

    /// The status as written in the register, its exports and its JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            ExceptionStatus::Open => "open",
            ExceptionStatus::InRemediation => "in_remediation",
            ExceptionStatus::Remediated => "remediated",
            ExceptionStatus::RiskAccepted => "risk_accepted",
        }
    }

    /// The status named `s` (as [`ExceptionStatus::as_str`] writes it).
    pub fn parse(s: &str) -> Option<ExceptionStatus> {
        ExceptionStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether an exception in it still needs work (open or in remediation): what can be overdue.
    pub const fn is_active(self) -> bool {
        matches!(self, ExceptionStatus::Open | ExceptionStatus::InRemediation)
    }

    /// Whether it counts as open in the burndown (active, or accepted: not closed).
    pub const fn is_unclosed(self) -> bool {
        !matches!(self, ExceptionStatus::Remediated)
    }

    /// Every status's name, for messages (`open, in_remediation, remediated, risk_accepted`).
    pub fn names() -> String {
        ExceptionStatus::ALL.map(ExceptionStatus::as_str).join(", ")
    }
}

impl std::fmt::Display for ExceptionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ExceptionStatus {
    type Err = Error;

    fn from_str(s: &str) -> Result<ExceptionStatus> {
        ExceptionStatus::parse(s).ok_or_else(|| {
            Error::Refused(format!(
                "unknown status `{s}`; the statuses are: {}",
                ExceptionStatus::names()
            ))
        })
    }
}

/// A control's conclusion for a window, as the conclusion engine computes it or a person
/// concludes it. Harshness orders three of them: `effective` < `effective_with_exceptions` <
/// `ineffective`; `not_occurring` and `not_evidenced` are outside that order, because only
/// evidence decides them.
///
/// It maps one to one onto `fieldcheck_controls::Conclusion`, the conclusion engine's: the same
/// variants with the same names (the engine converts between the two with exhaustive matches, so
/// a variant added to one side alone does not compile), without making the register depend on the
/// controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// The control operated; no deviation.
    Effective,
    /// The control operated; its deviations are isolated and disclosed as exceptions.
    EffectiveWithExceptions,
    /// The control did not operate (systematic deviations).
    Ineffective,
    /// The control had nothing to operate on in the window.
    NotOccurring,
    /// The evidence cannot support a conclusion.
    NotEvidenced,
}

impl Conclusion {
    /// Every conclusion, harshness order first.
    pub const ALL: [Conclusion; 5] = [
        Conclusion::Effective,
        Conclusion::EffectiveWithExceptions,
        Conclusion::Ineffective,
        Conclusion::NotOccurring,
        Conclusion::NotEvidenced,
    ];

    /// The conclusions a person may record (`exceptions conclude --as`).
    pub const CONCLUDABLE: [Conclusion; 3] = [
        Conclusion::Effective,
        Conclusion::EffectiveWithExceptions,
        Conclusion::Ineffective,
    ];

    /// The conclusion as written in reports and the register.
    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Effective => "effective",
            Conclusion::EffectiveWithExceptions => "effective_with_exceptions",
            Conclusion::Ineffective => "ineffective",
            Conclusion::NotOccurring => "not_occurring",
            Conclusion::NotEvidenced => "not_evidenced",
        }
    }

    /// The conclusion named `s` (as [`Conclusion::as_str`] writes it).
    pub fn parse(s: &str) -> Option<Conclusion> {
        Conclusion::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Its place in the harshness order (0 effective, 1 with exceptions, 2 ineffective); `None`
    /// for `not_occurring` and `not_evidenced`.
    pub fn harshness(self) -> Option<u8> {
        match self {
            Conclusion::Effective => Some(0),
            Conclusion::EffectiveWithExceptions => Some(1),
            Conclusion::Ineffective => Some(2),
            Conclusion::NotOccurring | Conclusion::NotEvidenced => None,
        }
    }

    /// The concludable names, for messages.
    fn concludable_names() -> String {
        Conclusion::CONCLUDABLE.map(Conclusion::as_str).join(", ")
    }
}

impl std::fmt::Display for Conclusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Conclusion {
    type Err = Error;

    fn from_str(s: &str) -> Result<Conclusion> {
        Conclusion::parse(s).ok_or_else(|| {
            Error::Refused(format!(
                "unknown conclusion `{s}`; the conclusions are: {}",
                Conclusion::ALL.map(Conclusion::as_str).join(", ")
            ))
        })
    }
}

/// How a person's conclusion compares with the computed one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Less harsh than the computed conclusion.
    Softer,
    /// The same as the computed conclusion.
    Same,
    /// Harsher than the computed conclusion.
    Harsher,
    /// The computed conclusion is not known (not recorded), so softer or harsher cannot be
    /// judged; treated as softer wherever that matters.
    Unknown,
}

impl Direction {
    /// `concluded` against `computed` (`None`: not known).
    pub fn of(computed: Option<Conclusion>, concluded: Conclusion) -> Direction {
        match (
            computed.and_then(Conclusion::harshness),
            concluded.harshness(),
        ) {
            (Some(a), Some(b)) if b < a => Direction::Softer,
            (Some(a), Some(b)) if b > a => Direction::Harsher,
            (Some(_), Some(_)) => Direction::Same,
            _ => Direction::Unknown,
        }
    }

    /// As written in reports: `softer`, `same`, `harsher`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Softer => "softer",
            Direction::Same => "same",
            Direction::Harsher => "harsher",
            Direction::Unknown => "unknown",
        }
    }
}

/// A person's conclusion for a control in a window (`exceptions conclude`), with what it was made
/// against and whether it still applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    /// Its number in the register (append-only, increasing).
    pub seq: i64,
    /// The window (as in [`Run::window`]).
    pub window: String,
    /// Control id.
    pub control: String,
    /// The recorded run whose computed conclusion it was made against (the latest of the window
    /// that evaluated the control, then).
    pub run: i64,
    /// That run's computed conclusion (`None`: not recorded).
    pub computed: Option<Conclusion>,
    /// The person's conclusion.
    pub concluded: Conclusion,
    /// Why (may be empty for a harsher or equal conclusion).
    pub why: String,
    /// When it was recorded (RFC 3339, UTC).
    pub at: String,
    /// Who recorded it.
    pub actor: String,
    /// `concluded` against `computed`.
    pub direction: Direction,
    /// The computed conclusion of the latest recorded run of the window that evaluated the
    /// control, now (it differs from `computed` when the evidence changed since).
    pub current: Option<Conclusion>,
    /// Why it does not apply now (`None`: it applies, and the report shows `concluded`).
    pub lapsed: Option<String>,
}

impl Override {
    /// Whether it is softer than the computed conclusion, or cannot be judged (unknown computed
    /// conclusion): what the report must show as a softer override.
    pub fn is_softer(&self) -> bool {
        matches!(self.direction, Direction::Softer | Direction::Unknown)
    }

    /// Whether the report shows it in place of the computed conclusion.
    pub fn applies(&self) -> bool {
        self.lapsed.is_none()
    }

    /// The conclusion the report shows: the person's while it applies, else the computed one.
    pub fn shown(&self) -> Option<Conclusion> {
        if self.applies() {
            Some(self.concluded)
        } else {
            self.current
        }
    }

    /// This override judged against the conclusion an audit computes now (`None`: none
    /// computed), for a report of an audit that was not recorded: `current` becomes it and
    /// `lapsed` says whether the override still applies to it, by the same rules as
    /// [`Register::overrides`].
    pub fn against(&self, now: Option<Conclusion>) -> Override {
        Override {
            current: now,
            lapsed: lapsed(
                "this audit",
                now,
                None,
                self.run,
                self.computed,
                self.concluded,
            ),
            ..self.clone()
        }
    }
}

/// Start and end dates of a window as [`Run::window`] writes it (`2026-01-01..2026-06-30 UTC`).
pub fn window_dates(window: &str) -> Option<(&str, &str)> {
    let dates = window.split(' ').next()?;
    let (start, end) = dates.split_once("..")?;
    let is_date = |d: &str| {
        d.len() == 10
            && d.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            })
    };
    (is_date(start) && is_date(end)).then_some((start, end))
}

/// A register error: the database could not be opened or written, or a request was refused.
#[derive(Debug)]
pub enum Error {
    /// The database failed.
    Db(Box<dyn std::error::Error + Send + Sync>),
    /// The request makes no sense for the register as it is (unknown id, bad status, ...).
    Refused(String),
    /// A change made against an older version of an exception ([`Register::expect_version`]):
    /// refused, with the changes made since.
    Conflict {
        /// The exception.
        id: String,
        /// The changes made since the version the change was made against, oldest first.
        since: Vec<Change>,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Db(e) => write!(f, "the exception register failed: {e}"),
            Error::Refused(m) => f.write_str(m),
            Error::Conflict { id, since } if since.is_empty() => write!(
                f,
                "`{id}` is not at the version the change was made from; nothing was saved: read it again and redo the change"
            ),
            Error::Conflict { id, since } => {
                write!(f, "`{id}` changed since it was read: ")?;
                for (n, c) in since.iter().enumerate() {
                    let sep = if n > 0 { "; " } else { "" };
                    write!(
                        f,
                        "{sep}{} set {} to `{}` at {}",
                        c.actor, c.field, c.new, c.at
                    )?;
                }
                f.write_str("; nothing was saved: read it again and redo the change")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Db(e) => Some(e.as_ref()),
            Error::Refused(_) | Error::Conflict { .. } => None,
        }
    }
}

/// A register result.
pub type Result<T> = std::result::Result<T, Error>;

/// One deviation of a run, as the register needs it.
#[derive(Clone, Debug)]
pub struct Found {
    /// Control id.
    pub control: String,
    /// Test id.
    pub test: String,
    /// Item key.
    pub item: String,
    /// Sorted reason codes.
    pub reasons: Vec<String>,
    /// The deviation's sentence.
    pub detail: String,
    /// Who should own it when it is opened (`None`: unassigned).
    pub owner: Option<String>,
    /// Its target close date when it is opened (`YYYY-MM-DD`).
    pub target: String,
}

impl Found {
    /// The exception's stable id.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.control, self.test, self.item)
    }
}

/// What a recorded run was.
#[derive(Clone, Debug)]
pub struct Run {
    /// When it was recorded (RFC 3339, UTC).
    pub at: String,
    /// Today in the org time zone (`YYYY-MM-DD`), for expiries.
    pub today: String,
    /// Who recorded it.
    pub actor: String,
    /// The kit it audited.
    pub kit: String,
    /// The observation window it audited (`2026-01-01..2026-06-30 Europe/Paris`): populations
    /// are compared with the last recorded run of the same window.
    pub window: String,
    /// The controls it evaluated: only their exceptions can be remediated by it.
    pub controls: Vec<Evaluated>,
    /// Records per evidence file (`accounts.csv` → 1200), to catch evidence that shrank.
    pub files: Vec<(String, i64)>,
}

/// One control as a run evaluated it.
#[derive(Clone, Debug, Default)]
pub struct Evaluated {
    /// Control id.
    pub control: String,
    /// Why the run cannot vouch for its results (`vendors.csv is missing`, a scoped-out
    /// control); `None` when its evidence was complete.
    pub unverifiable: Option<String>,
    /// The evidence files it reads (`accounts.csv`), as named in [`Run::files`].
    pub reads: Vec<String>,
    /// Its tests' populations.
    pub tests: Vec<Population>,
    /// Its computed conclusion (`None`: not computed, as by a fieldcheck without the conclusion
    /// engine); kept with the run, for overrides to be judged against.
    pub conclusion: Option<Conclusion>,
}

/// A test's population in a run.
#[derive(Clone, Debug, Default)]
pub struct Population {
    /// Test id.
    pub test: String,
    /// Every item key of the population.
    pub items: Vec<String>,
}

/// Items that left a test's population since the last recorded run of the same window that
/// tested it on complete evidence: a shrink that deserves a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Departure {
    /// Control id.
    pub control: String,
    /// Test id.
    pub test: String,
    /// The run they were last in.
    pub since: i64,
    /// Their item keys, sorted.
    pub items: Vec<String>,
}

/// What a recorded run changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// The run's number.
    pub run: i64,
    /// New exceptions.
    pub opened: usize,
    /// Remediated exceptions found again.
    pub reopened: usize,
    /// Exceptions whose deviation disappeared.
    pub remediated: usize,
    /// Risk acceptances that expired.
    pub expired: usize,
    /// Exceptions found again that were already open, in remediation or accepted.
    pub unchanged: usize,
    /// Exceptions not found again whose fix this run could not verify (they stay as they were).
    pub unverified: usize,
    /// Items that left a population since the last recorded run of the same window.
    pub departures: Vec<Departure>,
}

/// An exception as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exception {
    /// `control/test/item`.
    pub id: String,
    /// Control id.
    pub control: String,
    /// Test id.
    pub test: String,
    /// Item key.
    pub item: String,
    /// Reason codes, space-separated.
    pub reasons: String,
    /// The latest deviation sentence.
    pub detail: String,
    /// The owner, or `unassigned`.
    pub owner: String,
    /// Target close date.
    pub target: String,
    /// Its status.
    pub status: ExceptionStatus,
    /// Whether it came back after being remediated.
    pub regression: bool,
    /// The run that opened it.
    pub opened_run: i64,
    /// The latest run that found it.
    pub last_seen_run: i64,
    /// The risk acceptance, when accepted: approver, reason, expiry.
    pub accepted: Option<(String, String, String)>,
    /// Why the latest runs that did not find it could not verify a fix (it stays open); `None`
    /// when the latest run found it or it is closed.
    pub unverified: Option<String>,
    /// Management's response, kept whatever the status: text, who, when.
    pub response: Option<(String, String, String)>,
}

/// A recorded run, as the burndown shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSummary {
    /// The run's number.
    pub id: i64,
    /// When it was recorded.
    pub at: String,
    /// Exceptions open, in remediation or accepted after it.
    pub open: i64,
    /// Of those open or in remediation, how many were past their target date on the run's day.
    pub overdue: i64,
}

/// One change in an exception's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What changed: `status`, `owner`, `target`, `reasons`, `note`, ...
    pub field: String,
    /// The value before (empty when none).
    pub old: String,
    /// The value after.
    pub new: String,
    /// Why.
    pub why: String,
    /// The run behind it, for changes made by a run.
    pub run: Option<i64>,
}

/// What to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only this owner.
    pub owner: Option<String>,
    /// Only this control.
    pub control: Option<String>,
    /// Only these statuses (empty: all).
    pub statuses: Vec<ExceptionStatus>,
    /// Only the exceptions overdue on this date ([`rules::is_overdue`]).
    pub overdue_on: Option<String>,
}

impl Filter {
    /// Whether an exception passes the filter (what [`Register::list`] keeps).
    pub fn matches(&self, e: &Exception) -> bool {
        self.owner
            .as_ref()
            .is_none_or(|o| o.eq_ignore_ascii_case(&e.owner))
            && self.control.as_ref().is_none_or(|c| *c == e.control)
            && (self.statuses.is_empty() || self.statuses.contains(&e.status))
            && self
                .overdue_on
                .as_ref()
                .is_none_or(|d| rules::is_overdue(e.status, &e.target, d))
    }
}

/// The exception register, in a file or on a database server (the backend knows which).
pub struct Register {
    db: Box<dyn Backend + Send>,
    /// The version the next change's exception must still be at ([`Register::expect_version`]).
    guard: Option<(String, i64)>,
}

const EXCEPTION_COLUMNS: &str = "id, control, test, item, reasons, detail, owner, target, status, regression, opened_run, last_seen_run, accepted_by, accepted_reason, accepted_until, unverified, response, response_by, response_at";

pub use backend::is_server;

fn no_such(id: &str) -> Error {
    Error::Refused(format!(
        "no exception `{id}` in the register; `fieldcheck exceptions list` shows the ids"
    ))
}

impl Register {
    /// Opens (creating when needed) the register in the file at `path`.
    pub fn open(path: &Path) -> Result<Register> {
        Register::with(backend::open_file(path)?)
    }

    /// Opens a register by where it is: a database server's URL or connection string
    /// ([`is_server`]), or a file path; creating its tables when needed.
    pub fn at(location: &str) -> Result<Register> {
        Register::with(backend::open(location)?)
    }

    fn with(mut db: Box<dyn Backend + Send>) -> Result<Register> {
        db.create_schema()?;
        let mut reg = Register { db, guard: None };
        // Bring an older register up to this schema, once, under the write lock; readers of a
        // current register take no lock.
        if reg.schema_version()? < backend::SCHEMA_VERSION {
            reg.write(|db| {
                let mut version = version_of(db)?;
                if version == 0 {
                    db.exec("INSERT INTO schema_version (version) VALUES (1)", &[])?;
                    version = 1;
                }
                for (to, step) in &backend::MIGRATIONS {
                    if version < *to {
                        backend::migrate(db, step)?;
                        db.exec("UPDATE schema_version SET version = ?1", &[(*to).into()])?;
                        version = *to;
                    }
                }
                Ok(())
            })?;
        }
        let version = reg.schema_version()?;
        if version > backend::SCHEMA_VERSION {
            return Err(Error::Refused(format!(
                "this register has schema version {version}, written by a newer fieldcheck; this one knows up to version {}: upgrade fieldcheck",
                backend::SCHEMA_VERSION
            )));
        }
        Ok(reg)
    }

    fn schema_version(&mut self) -> Result<i64> {
        version_of(self.db.as_mut())
    }

    /// Runs `f` in a write-locked transaction, committing on success and rolling back otherwise.
    fn write<T>(&mut self, f: impl FnOnce(&mut dyn Backend) -> Result<T>) -> Result<T> {
        let guard = self.guard.take();
        self.db.begin()?;
        match access::check_guard(self.db.as_mut(), guard).and_then(|()| f(self.db.as_mut())) {
            Ok(v) => {
                self.db.commit()?;
                Ok(v)
            }
            Err(e) => {
                self.db.rollback();
                Err(e)
            }
        }
    }

    /// Records a run: reconciles the register with its deviations, in one transaction.
    pub fn record(&mut self, run: &Run, found: &[Found]) -> Result<Reconciled> {
        #[cfg(feature = "test-hooks")]
        if let Some(after) = std::env::var("FIELDCHECK_REGISTER_CRASH_AFTER")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            let mut hooked = hook::Crash {
                inner: self.db.as_mut(),
                done: 0,
                after,
            };
            hooked.begin()?;
            let out = reconcile(&mut hooked, run, found);
            return match out {
                Ok(v) => {
                    hooked.commit()?;
                    Ok(v)
                }
                Err(e) => {
                    hooked.rollback();
                    Err(e)
                }
            };
        }
        self.write(|db| reconcile(db, run, found))
    }

    /// Reopens risk acceptances that expired before `today`, as `actor` at `at`.
    pub fn expire_acceptances(&mut self, today: &str, at: &str, actor: &str) -> Result<usize> {
        self.write(|db| {
            let expired: Vec<(String, String)> = db
                .query(
                    "SELECT id, accepted_until FROM exceptions WHERE status = ?1 ORDER BY id",
                    &[ExceptionStatus::RiskAccepted.into()],
                )?
                .iter()
                .map(|r| (r[0].text(), r[1].text()))
                .filter(|(_, until)| rules::acceptance_expired(until, today))
                .collect();
            let mut log = History::new(db)?;
            for (id, until) in &expired {
                db.exec(
                    "UPDATE exceptions SET status = ?2, accepted_by = NULL, accepted_reason = NULL, accepted_until = NULL WHERE id = ?1",
                    &[id.into(), ExceptionStatus::Open.into()],
                )?;
                log.status(db, id, at, actor, Some(ExceptionStatus::RiskAccepted), ExceptionStatus::Open, &format!("the risk acceptance expired on {until}"), None)?;
            }
            Ok(expired.len())
        })
    }

    /// The exceptions that match a filter, by id.
    pub fn list(&mut self, f: &Filter) -> Result<Vec<Exception>> {
        let rows = self.db.query(
            &format!("SELECT {EXCEPTION_COLUMNS} FROM exceptions ORDER BY id"),
            &[],
        )?;
        let mut out = Vec::new();
        for r in &rows {
            let e = to_exception(r)?;
            if f.matches(&e) {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// The exceptions a person marked remediated (`exceptions status … remediated`) after the
    /// latest recorded run: closed by hand, not yet re-tested by any run. (A run recorded after
    /// the closure either found the deviation again, and reopened it, or did not.) A closure
    /// whose time does not read as one counts as not re-tested.
    pub fn closed_by_hand(&mut self) -> Result<BTreeSet<String>> {
        let latest_run: Option<jiff::Timestamp> = self
            .db
            .query("SELECT at FROM runs ORDER BY id DESC LIMIT 1", &[])?
            .first()
            .and_then(|r| r[0].text().parse().ok());
        let rows = self.db.query(
            "SELECT e.id, h.at, h.run FROM exceptions e JOIN history h ON h.exception_id = e.id WHERE e.status = ?1 AND h.field = 'status' AND h.seq = (SELECT MAX(h2.seq) FROM history h2 WHERE h2.exception_id = e.id AND h2.field = 'status') ORDER BY e.id",
            &[ExceptionStatus::Remediated.into()],
        )?;
        Ok(rows
            .iter()
            .filter(|r| r[2].opt_int().is_none())
            .filter(
                |r| match (r[1].text().parse::<jiff::Timestamp>(), latest_run) {
                    (Ok(closed), Some(run)) => closed > run,
                    _ => true,
                },
            )
            .map(|r| r[0].text())
            .collect())
    }

    /// Where the exceptions stand: the latest history entry and the latest run. Every change to
    /// an exception writes its history, and a run that reconciles one is a new run, so two equal
    /// generations mean the same exceptions (a reader can keep a copy until it changes).
    pub fn generation(&mut self) -> Result<(i64, i64)> {
        let h = self
            .db
            .query("SELECT COALESCE(MAX(seq), 0) FROM history", &[])?
            .first()
            .map_or(0, |r| r[0].int());
        let r = self
            .db
            .query("SELECT COALESCE(MAX(id), 0) FROM runs", &[])?
            .first()
            .map_or(0, |r| r[0].int());
        Ok((h, r))
    }

    /// One exception and its history, oldest first.
    pub fn show(&mut self, id: &str) -> Result<(Exception, Vec<Change>)> {
        let rows = self.db.query(
            &format!("SELECT {EXCEPTION_COLUMNS} FROM exceptions WHERE id = ?1"),
            &[id.into()],
        )?;
        let e = to_exception(rows.first().ok_or_else(|| no_such(id))?)?;
        let history = self
            .db
            .query("SELECT at, actor, field, old, new, why, run FROM history WHERE exception_id = ?1 ORDER BY seq", &[id.into()])?
            .iter()
            .map(|r| Change {
                at: r[0].text(),
                actor: r[1].text(),
                field: r[2].text(),
                old: r[3].text(),
                new: r[4].text(),
                why: r[5].text(),
                run: r[6].opt_int(),
            })
            .collect();
        Ok((e, history))
    }

    /// Changes one field (a column of the same name) of an exception, with its history entry.
    fn change(
        &mut self,
        id: &str,
        field: &'static str,
        new: &str,
        at: &str,
        actor: &str,
        why: &str,
    ) -> Result<()> {
        self.write(|db| {
            let old = db.query(
                &format!("SELECT {field} FROM exceptions WHERE id = ?1"),
                &[id.into()],
            )?;
            let old = old
                .first()
                .map(|r| r[0].text())
                .ok_or_else(|| no_such(id))?;
            db.exec(
                &format!("UPDATE exceptions SET {field} = ?2 WHERE id = ?1"),
                &[id.into(), new.into()],
            )?;
            History::new(db)?.add(db, id, at, actor, field, &old, new, why, None)
        })
    }

    /// Assigns an owner.
    pub fn assign(
        &mut self,
        id: &str,
        owner: &str,
        at: &str,
        actor: &str,
        why: &str,
    ) -> Result<()> {
        if owner.trim().is_empty() {
            return Err(Error::Refused(
                "give the new owner (an email or a name)".into(),
            ));
        }
        self.change(id, "owner", owner.trim(), at, actor, why)
    }

    /// Sets the target close date (`YYYY-MM-DD`).
    pub fn target(&mut self, id: &str, date: &str, at: &str, actor: &str, why: &str) -> Result<()> {
        self.change(id, "target", date, at, actor, why)
    }

    /// Sets the status to `open`, `in_remediation` or `remediated` (acceptance has its own call).
    pub fn set_status(
        &mut self,
        id: &str,
        status: ExceptionStatus,
        at: &str,
        actor: &str,
        why: &str,
    ) -> Result<()> {
        if status == ExceptionStatus::RiskAccepted {
            return Err(Error::Refused("accept a risk with `fieldcheck exceptions accept`, which records the approver, reason and expiry".into()));
        }
        if why.trim().is_empty() {
            return Err(Error::Refused(
                "say why the status changes (`--why`)".into(),
            ));
        }
        self.write(|db| {
            let old = status_now(db, id)?;
            if old == status {
                return Err(Error::Refused(format!("`{id}` is already {status}")));
            }
            // Leaving an acceptance withdraws it.
            db.exec(
                "UPDATE exceptions SET status = ?2, accepted_by = NULL, accepted_reason = NULL, accepted_until = NULL WHERE id = ?1",
                &[id.into(), status.into()],
            )?;
            History::new(db)?.status(db, id, at, actor, Some(old), status, why, None)
        })
    }

    /// Accepts the risk of an exception until a date, with an approver and a reason.
    #[allow(clippy::too_many_arguments)]
    pub fn accept(
        &mut self,
        id: &str,
        approver: &str,
        reason: &str,
        until: &str,
        today: &str,
        at: &str,
        actor: &str,
    ) -> Result<()> {
        if approver.trim().is_empty() || reason.trim().is_empty() {
            return Err(Error::Refused(
                "a risk acceptance needs an approver and a reason".into(),
            ));
        }
        if until <= today {
            return Err(Error::Refused(format!(
                "the acceptance must expire after today ({today}), not on {until}"
            )));
        }
        self.write(|db| {
            let old = status_now(db, id)?;
            if old == ExceptionStatus::Remediated {
                return Err(Error::Refused(format!("`{id}` is remediated: there is no risk left to accept")));
            }
            db.exec(
                "UPDATE exceptions SET status = ?5, accepted_by = ?2, accepted_reason = ?3, accepted_until = ?4 WHERE id = ?1",
                &[id.into(), approver.into(), reason.into(), until.into(), ExceptionStatus::RiskAccepted.into()],
            )?;
            History::new(db)?.status(db, id, at, actor, Some(old), ExceptionStatus::RiskAccepted, &format!("accepted by {approver} until {until}: {reason}"), None)
        })
    }

    /// Adds a note to an exception's history.
    pub fn note(&mut self, id: &str, text: &str, at: &str, actor: &str) -> Result<()> {
        if text.trim().is_empty() {
            return Err(Error::Refused("the note is empty".into()));
        }
        self.write(|db| {
            if db
                .query("SELECT id FROM exceptions WHERE id = ?1", &[id.into()])?
                .is_empty()
            {
                return Err(no_such(id));
            }
            History::new(db)?.add(db, id, at, actor, "note", "", text, "", None)
        })
    }

    /// Records management's response to an exception (replacing an earlier one, which its
    /// history keeps). The response stays with the exception whatever its status.
    pub fn respond(&mut self, id: &str, text: &str, at: &str, actor: &str) -> Result<()> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::Refused("the response is empty".into()));
        }
        self.write(|db| {
            let old = db.query("SELECT response FROM exceptions WHERE id = ?1", &[id.into()])?;
            let old = old.first().map(|r| r[0].text()).ok_or_else(|| no_such(id))?;
            if old == text {
                return Err(Error::Refused(format!("`{id}` already has this response")));
            }
            db.exec(
                "UPDATE exceptions SET response = ?2, response_by = ?3, response_at = ?4 WHERE id = ?1",
                &[id.into(), text.into(), actor.into(), at.into()],
            )?;
            History::new(db)?.add(db, id, at, actor, "response", &old, text, "management's response", None)
        })
    }

    /// The recorded runs, oldest first.
    pub fn runs(&mut self) -> Result<Vec<RunSummary>> {
        Ok(self
            .db
            .query(
                "SELECT id, at, open_after, overdue_after FROM runs ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| RunSummary {
                id: r[0].int(),
                at: r[1].text(),
                open: r[2].int(),
                overdue: r[3].int(),
            })
            .collect())
    }
}

/// What one recorded run changed ([`Register::run_changes`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunChanges {
    /// The run.
    pub run: i64,
    /// The exceptions whose status the run moved, in the order it wrote them.
    pub status: Vec<StatusChange>,
    /// Each control's computed conclusion the run kept (`None`: not recorded), by control id.
    pub conclusions: Vec<(String, Option<Conclusion>)>,
}

/// One exception's status as a run moved it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    /// The exception id.
    pub id: String,
    /// Its status before (`None`: the run opened it).
    pub old: Option<ExceptionStatus>,
    /// Its status after (`None`: a value this build does not know).
    pub new: Option<ExceptionStatus>,
}

/// A control's computed conclusion as the latest recorded run of a window that evaluated it kept
/// it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedConclusion {
    /// Control id.
    pub control: String,
    /// The run.
    pub run: i64,
    /// Its computed conclusion (`None`: not recorded).
    pub conclusion: Option<Conclusion>,
    /// Why that run could not vouch for the control's evidence (missing file, scoped out), if so.
    pub unverifiable: Option<String>,
}

impl Register {
    /// The windows of the recorded runs, the one of the latest run first.
    pub fn windows(&mut self) -> Result<Vec<String>> {
        windows_of(self.db.as_mut())
    }

    /// Each control's computed conclusion in `window` (as in [`Run::window`]): the one the latest
    /// recorded run of the window that evaluated the control kept, by control id.
    pub fn recorded_conclusions(&mut self, window: &str) -> Result<Vec<RecordedConclusion>> {
        recorded_of(self.db.as_mut(), window)
    }

    /// What one recorded run changed: each exception whose status it moved (opened, remediated,
    /// reopened), in the order it wrote them, and each control's computed conclusion it kept.
    /// The committee report's "what changed since the last run" is made of these.
    pub fn run_changes(&mut self, run: i64) -> Result<RunChanges> {
        let status = self
            .db
            .query(
                "SELECT exception_id, old, new FROM history WHERE run = ?1 AND field = 'status' ORDER BY seq",
                &[run.into()],
            )?
            .iter()
            .map(|r| StatusChange {
                id: r[0].text(),
                old: r[1].opt_text().filter(|t| !t.is_empty()).and_then(|t| ExceptionStatus::parse(&t)),
                new: ExceptionStatus::parse(&r[2].text()),
            })
            .collect();
        let mut conclusions = Vec::new();
        for r in &self.db.query(
            "SELECT control, conclusion FROM run_controls WHERE run = ?1 ORDER BY control",
            &[run.into()],
        )? {
            let control = r[0].text();
            let conclusion = r[1]
                .opt_text()
                .map(|t| {
                    conclusion_in(
                        &format!("run_controls row (run, control) = ({run}, '{control}')"),
                        "conclusion",
                        &t,
                    )
                })
                .transpose()?;
            conclusions.push((control, conclusion));
        }
        Ok(RunChanges {
            run,
            status,
            conclusions,
        })
    }

    /// Records a person's conclusion for `control` in `window` (`None`: the window of the latest
    /// recorded run), as `actor` at `at`; append-only (a later one replaces it in
    /// [`Register::overrides`], the log keeps both).
    ///
    /// Refused: a conclusion other than `effective`, `effective_with_exceptions`, `ineffective`; a
    /// window without a recorded run, or whose runs (recorded by this fieldcheck) never evaluated
    /// the control; a control whose latest run computed `not_evidenced` or `not_occurring`, or
    /// could not vouch for its evidence (only evidence changes those: no silent pass); a softer
    /// conclusion than the computed one, or one that cannot be judged (computed conclusion not
    /// recorded), without a reason.
    pub fn conclude(
        &mut self,
        control: &str,
        window: Option<&str>,
        concluded: Conclusion,
        why: &str,
        at: &str,
        actor: &str,
    ) -> Result<Override> {
        if concluded.harshness().is_none() {
            return Err(Error::Refused(format!(
                "a person concludes {}; `{concluded}` comes from the evidence alone",
                Conclusion::concludable_names()
            )));
        }
        let why = why.trim();
        self.write(|db| {
            let windows = windows_of(db)?;
            let window = match window {
                Some(w) if windows.iter().any(|x| x == w) => w.to_string(),
                Some(w) => {
                    return Err(Error::Refused(format!(
                        "no recorded run of the window {w}; record one with `fieldcheck audit KIT --record`{}",
                        if windows.is_empty() {
                            String::new()
                        } else {
                            format!(" (recorded windows: {})", windows.join(", "))
                        }
                    )));
                }
                None => windows.first().cloned().ok_or_else(|| {
                    Error::Refused(
                        "no recorded run yet: record one with `fieldcheck audit KIT --record`"
                            .into(),
                    )
                })?,
            };
            let Some(r) = recorded_of(db, &window)?
                .into_iter()
                .find(|r| r.control == control)
            else {
                return Err(Error::Refused(format!(
                    "no run of the window {window} recorded by this fieldcheck evaluated `{control}`: record an audit of it with `fieldcheck audit KIT --record`"
                )));
            };
            if let Some(c @ (Conclusion::NotEvidenced | Conclusion::NotOccurring)) = r.conclusion {
                return Err(Error::Refused(format!(
                    "`{control}` is {c} in run {} (window {window}): only evidence changes that, not a person's conclusion; supply the evidence and record again",
                    r.run
                )));
            }
            if let Some(reason) = &r.unverifiable {
                return Err(Error::Refused(format!(
                    "run {} could not vouch for the evidence of `{control}` ({reason}): only evidence changes its conclusion; supply it and record again",
                    r.run
                )));
            }
            let direction = Direction::of(r.conclusion, concluded);
            if why.is_empty() {
                match (direction, r.conclusion) {
                    (Direction::Softer, Some(c)) => {
                        return Err(Error::Refused(format!(
                            "{concluded} is softer than the computed conclusion of `{control}` ({c}, run {}): a softer conclusion needs a reason (`--why`)",
                            r.run
                        )));
                    }
                    (Direction::Unknown, _) => {
                        return Err(Error::Refused(format!(
                            "run {} kept no computed conclusion for `{control}`, so whether {concluded} is softer cannot be judged: give the reason (`--why`)",
                            r.run
                        )));
                    }
                    _ => {}
                }
            }
            let seq = db
                .query("SELECT COALESCE(MAX(seq), 0) + 1 FROM overrides", &[])?
                .first()
                .map_or(1, |row| row[0].int());
            db.exec(
                "INSERT INTO overrides (seq, audit_window, control, run, computed, concluded, why, at, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                &[
                    seq.into(),
                    window.as_str().into(),
                    control.into(),
                    r.run.into(),
                    r.conclusion.map_or(Val::Null, |c| c.as_str().into()),
                    concluded.as_str().into(),
                    why.into(),
                    at.into(),
                    actor.into(),
                ],
            )?;
            Ok(Override {
                seq,
                window,
                control: control.to_string(),
                run: r.run,
                computed: r.conclusion,
                concluded,
                why: why.to_string(),
                at: at.to_string(),
                actor: actor.to_string(),
                direction,
                current: r.conclusion,
                lapsed: None,
            })
        })
    }

    /// The latest person's conclusion per control in `window`, by control id, each with the
    /// computed conclusion now and whether it still applies.
    pub fn overrides(&mut self, window: &str) -> Result<Vec<Override>> {
        let mut latest: Vec<Override> = Vec::new();
        for o in self.override_log(window)? {
            match latest.iter_mut().find(|l| l.control == o.control) {
                Some(l) => *l = o,
                None => latest.push(o),
            }
        }
        latest.sort_by(|a, b| a.control.cmp(&b.control));
        Ok(latest)
    }

    /// Every person's conclusion recorded for `window`, oldest first.
    pub fn override_log(&mut self, window: &str) -> Result<Vec<Override>> {
        let db = self.db.as_mut();
        let now = recorded_of(db, window)?;
        let rows = db.query(
            "SELECT seq, audit_window, control, run, computed, concluded, why, at, actor FROM overrides WHERE audit_window = ?1 ORDER BY seq",
            &[window.into()],
        )?;
        rows.iter()
            .map(|r| {
                let seq = r[0].int();
                let row = || format!("overrides row seq = {seq}");
                let computed = r[4]
                    .opt_text()
                    .map(|t| conclusion_in(&row(), "computed", &t))
                    .transpose()?;
                let concluded = conclusion_in(&row(), "concluded", &r[5].text())?;
                let control = r[2].text();
                let run = r[3].int();
                let latest = now.iter().find(|n| n.control == control);
                let current = latest.map_or(computed, |n| n.conclusion);
                let lapsed = latest.and_then(|n| {
                    lapsed(
                        &format!("run {}", n.run),
                        n.conclusion,
                        n.unverifiable.as_deref(),
                        run,
                        computed,
                        concluded,
                    )
                });
                Ok(Override {
                    seq,
                    window: r[1].text(),
                    control,
                    run,
                    computed,
                    concluded,
                    why: r[6].text(),
                    at: r[7].text(),
                    actor: r[8].text(),
                    direction: Direction::of(computed, concluded),
                    current,
                    lapsed,
                })
            })
            .collect()
    }

    /// The window recorded before `window` (as in [`Run::window`]): of the recorded windows that
    /// end before it starts, the one that ends last (the one recorded last, on a tie).
    pub fn prior_window(&mut self, window: &str) -> Result<Option<String>> {
        let (start, _) = window_dates(window).ok_or_else(|| {
            Error::Refused(format!(
                "`{window}` is not a window (`START..END TZ`, dates as YYYY-MM-DD)"
            ))
        })?;
        let rows = self.db.query(
            "SELECT audit_window, MAX(id) FROM runs GROUP BY audit_window",
            &[],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let w = r[0].text();
                let (_, end) = window_dates(&w)?;
                (end < start).then(|| (end.to_string(), r[1].int(), w.clone()))
            })
            .max()
            .map(|(_, _, w)| w))
    }

    /// The tests (control, test) in which a recorded run of the previous window
    /// ([`Register::prior_window`]) found at least one deviation: for the sample to take the next
    /// larger size. Empty when there is no previous window, or its runs were recorded by a
    /// fieldcheck that kept no deviation counts.
    pub fn prior_deviations(&mut self, window: &str) -> Result<BTreeSet<(String, String)>> {
        let Some(prior) = self.prior_window(window)? else {
            return Ok(BTreeSet::new());
        };
        Ok(self
            .db
            .query(
                "SELECT DISTINCT t.control, t.test FROM run_tests t JOIN runs r ON r.id = t.run WHERE r.audit_window = ?1 AND t.deviations > 0",
                &[prior.as_str().into()],
            )?
            .iter()
            .map(|r| (r[0].text(), r[1].text()))
            .collect())
    }
}

/// Why an override made against run `run`'s `computed` conclusion does not apply to the
/// conclusion `by` (the latest recorded run of its control, or an audit) computed `now` (`None`:
/// it applies). Evidence that is not there, or a control that did not occur, is never concluded by
/// a person; a softer conclusion made against other facts lapses (a harsher or equal one hides
/// nothing, and stays).
fn lapsed(
    by: &str,
    now: Option<Conclusion>,
    unverifiable: Option<&str>,
    run: i64,
    computed: Option<Conclusion>,
    concluded: Conclusion,
) -> Option<String> {
    if let Some(c @ (Conclusion::NotEvidenced | Conclusion::NotOccurring)) = now {
        return Some(format!("{by} computed {c}: only evidence changes that"));
    }
    if let Some(reason) = unverifiable {
        return Some(format!("{by} could not vouch for the evidence ({reason})"));
    }
    if now != computed
        && matches!(
            Direction::of(now, concluded),
            Direction::Softer | Direction::Unknown
        )
    {
        let then = computed.map_or("no recorded conclusion", Conclusion::as_str);
        let since = now.map_or("none", Conclusion::as_str);
        return Some(format!(
            "made against {then} (run {run}); {by} computed {since} since: conclude again"
        ));
    }
    None
}

/// The windows of the recorded runs, the latest run's first.
fn windows_of(db: &mut dyn Backend) -> Result<Vec<String>> {
    Ok(db
        .query(
            "SELECT audit_window, MAX(id) AS last FROM runs WHERE audit_window <> '' GROUP BY audit_window ORDER BY last DESC",
            &[],
        )?
        .iter()
        .map(|r| r[0].text())
        .collect())
}

/// What [`Register::recorded_conclusions`] returns.
fn recorded_of(db: &mut dyn Backend, window: &str) -> Result<Vec<RecordedConclusion>> {
    let rows = db.query(
        "SELECT c.control, c.run, c.conclusion, c.unverifiable FROM run_controls c JOIN runs r ON r.id = c.run
         WHERE r.audit_window = ?1 ORDER BY c.control, c.run DESC",
        &[window.into()],
    )?;
    let mut out: Vec<RecordedConclusion> = Vec::new();
    for r in &rows {
        let control = r[0].text();
        if out.last().is_some_and(|l| l.control == control) {
            continue;
        }
        let run = r[1].int();
        let conclusion = r[2]
            .opt_text()
            .map(|t| {
                conclusion_in(
                    &format!("run_controls row (run, control) = ({run}, '{control}')"),
                    "conclusion",
                    &t,
                )
            })
            .transpose()?;
        out.push(RecordedConclusion {
            control,
            run,
            conclusion,
            unverifiable: r[3].opt_text(),
        });
    }
    Ok(out)
}

/// Appends history entries, numbering them (inside the write lock).
struct History {
    next: i64,
}

impl History {
    fn new(db: &mut dyn Backend) -> Result<History> {
        let next = db
            .query("SELECT COALESCE(MAX(seq), 0) + 1 FROM history", &[])?
            .first()
            .map_or(1, |r| r[0].int());
        Ok(History { next })
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        db: &mut dyn Backend,
        id: &str,
        at: &str,
        actor: &str,
        field: &str,
        old: &str,
        new: &str,
        why: &str,
        run: Option<i64>,
    ) -> Result<()> {
        db.exec(
            "INSERT INTO history (seq, exception_id, at, actor, field, old, new, why, run) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            &[self.next.into(), id.into(), at.into(), actor.into(), field.into(), old.into(), new.into(), why.into(), run.map_or(Val::Null, Val::Int)],
        )?;
        self.next += 1;
        Ok(())
    }

    /// A status change: from `old` (`None`: the exception is new) to `new`.
    #[allow(clippy::too_many_arguments)]
    fn status(
        &mut self,
        db: &mut dyn Backend,
        id: &str,
        at: &str,
        actor: &str,
        old: Option<ExceptionStatus>,
        new: ExceptionStatus,
        why: &str,
        run: Option<i64>,
    ) -> Result<()> {
        let old = old.map_or("", ExceptionStatus::as_str);
        self.add(db, id, at, actor, "status", old, new.as_str(), why, run)
    }
}

/// The text `value` of a row's status column, as a status; an unknown one is an error naming the
/// row (the database refuses them from schema version 4 on, so only a register changed by other
/// means than fieldcheck holds one).
fn status_in(row: &str, value: &str) -> Result<ExceptionStatus> {
    ExceptionStatus::parse(value).ok_or_else(|| {
        Error::Refused(format!(
            "the register's {row} has the status `{value}`, which is not one of: {}; correct the row",
            ExceptionStatus::names()
        ))
    })
}

/// The text `value` of a row's conclusion column `column`, as a conclusion; an unknown one is an
/// error naming the row, as for [`status_in`].
fn conclusion_in(row: &str, column: &str, value: &str) -> Result<Conclusion> {
    Conclusion::parse(value).ok_or_else(|| {
        Error::Refused(format!(
            "the register's {row} has the {column} `{value}`, which is not one of: {}; correct the row",
            Conclusion::ALL.map(Conclusion::as_str).join(", ")
        ))
    })
}

/// The status of exception `id` now (inside the write lock).
fn status_now(db: &mut dyn Backend, id: &str) -> Result<ExceptionStatus> {
    let rows = db.query("SELECT status FROM exceptions WHERE id = ?1", &[id.into()])?;
    let value = rows
        .first()
        .map(|r| r[0].text())
        .ok_or_else(|| no_such(id))?;
    status_in(&format!("exceptions row id = '{id}'"), &value)
}

/// An exception as reconciliation needs it.
struct Held {
    status: ExceptionStatus,
    reasons: String,
    until: Option<String>,
    control: String,
    test: String,
    item: String,
    unverified: Option<String>,
    last_seen_run: i64,
}

fn reconcile(db: &mut dyn Backend, run: &Run, found: &[Found]) -> Result<Reconciled> {
    let run_id = db
        .query("SELECT COALESCE(MAX(id), 0) + 1 FROM runs", &[])?
        .first()
        .map_or(1, |r| r[0].int());
    let control_ids: Vec<&str> = run.controls.iter().map(|c| c.control.as_str()).collect();
    db.exec(
        "INSERT INTO runs (id, at, actor, kit, controls, deviations, open_after, audit_window, files) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)",
        &[run_id.into(), run.at.as_str().into(), run.actor.as_str().into(), run.kit.as_str().into(), control_ids.join(" ").into(), (found.len() as i64).into(), run.window.as_str().into(), join_files(&run.files).into()],
    )?;
    let mut out = Reconciled {
        run: run_id,
        ..Reconciled::default()
    };
    let mut log = History::new(db)?;
    // What the register holds now.
    let existing: HashMap<String, Held> = db
        .query(
            "SELECT id, status, reasons, accepted_until, control, test, item, unverified, last_seen_run FROM exceptions",
            &[],
        )?
        .into_iter()
        .map(|r| {
            let id = r[0].text();
            let status = status_in(&format!("exceptions row id = '{id}'"), &r[1].text())?;
            Ok((
                id,
                Held {
                    status,
                    reasons: r[2].text(),
                    until: r[3].opt_text(),
                    control: r[4].text(),
                    test: r[5].text(),
                    item: r[6].text(),
                    unverified: r[7].opt_text(),
                    last_seen_run: r[8].int(),
                },
            ))
        })
        .collect::<Result<_>>()?;
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut deviations: HashMap<(&str, &str), i64> = HashMap::new();
    for f in found {
        let id = f.id();
        if !seen.insert(id.clone()) {
            continue;
        }
        *deviations
            .entry((f.control.as_str(), f.test.as_str()))
            .or_insert(0) += 1;
        let reasons = f.reasons.join(" ");
        match existing.get(&id) {
            None => {
                let owner = f.owner.clone().unwrap_or_else(|| "unassigned".into());
                db.exec(
                    "INSERT INTO exceptions (id, control, test, item, reasons, detail, owner, target, status, regression, opened_run, last_seen_run)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?11, 0, ?9, ?10)",
                    &[
                        id.as_str().into(),
                        f.control.as_str().into(),
                        f.test.as_str().into(),
                        f.item.as_str().into(),
                        reasons.as_str().into(),
                        f.detail.as_str().into(),
                        owner.into(),
                        f.target.as_str().into(),
                        run_id.into(),
                        run_id.into(),
                        ExceptionStatus::Open.into(),
                    ],
                )?;
                log.status(
                    db,
                    &id,
                    &run.at,
                    &run.actor,
                    None,
                    ExceptionStatus::Open,
                    &format!("found by run {run_id}"),
                    Some(run_id),
                )?;
                out.opened += 1;
            }
            Some(held) => {
                let (status, old_reasons, until) = (held.status, &held.reasons, &held.until);
                let expired = status == ExceptionStatus::RiskAccepted
                    && until
                        .as_deref()
                        .is_some_and(|u| rules::acceptance_expired(u, &run.today));
                if status == ExceptionStatus::Remediated || expired {
                    // A regression is a deviation a run saw fixed that came back; one closed by
                    // hand while still present simply reopens.
                    let by_run = status == ExceptionStatus::Remediated
                        && db
                            .query(
                                "SELECT run FROM history WHERE exception_id = ?1 AND field = 'status' ORDER BY seq DESC LIMIT 1",
                                &[id.as_str().into()],
                            )?
                            .first()
                            .is_some_and(|r| r[0].opt_int().is_some());
                    let old_target = db
                        .query(
                            "SELECT target FROM exceptions WHERE id = ?1",
                            &[id.as_str().into()],
                        )?
                        .first()
                        .map(|r| r[0].text())
                        .unwrap_or_default();
                    db.exec(
                        "UPDATE exceptions SET status = ?7, regression = CASE WHEN ?2 = 1 THEN 1 ELSE regression END, reasons = ?3, detail = ?4,
                         last_seen_run = ?5, target = ?6, accepted_by = NULL, accepted_reason = NULL, accepted_until = NULL, unverified = NULL WHERE id = ?1",
                        &[id.as_str().into(), i64::from(by_run).into(), reasons.as_str().into(), f.detail.as_str().into(), run_id.into(), f.target.as_str().into(), ExceptionStatus::Open.into()],
                    )?;
                    let why = if expired {
                        out.expired += 1;
                        format!(
                            "the risk acceptance expired on {}; found again by run {run_id}",
                            until.as_deref().unwrap_or("")
                        )
                    } else if by_run {
                        out.reopened += 1;
                        format!("regression: found again by run {run_id}")
                    } else {
                        out.reopened += 1;
                        format!("marked remediated by hand but still found by run {run_id}")
                    };
                    log.status(
                        db,
                        &id,
                        &run.at,
                        &run.actor,
                        Some(status),
                        ExceptionStatus::Open,
                        &why,
                        Some(run_id),
                    )?;
                    if old_target != f.target {
                        log.add(
                            db,
                            &id,
                            &run.at,
                            &run.actor,
                            "target",
                            &old_target,
                            &f.target,
                            &format!("reopened by run {run_id}"),
                            Some(run_id),
                        )?;
                    }
                } else {
                    db.exec(
                        "UPDATE exceptions SET reasons = ?2, detail = ?3, last_seen_run = ?4, unverified = NULL WHERE id = ?1",
                        &[id.as_str().into(), reasons.as_str().into(), f.detail.as_str().into(), run_id.into()],
                    )?;
                    out.unchanged += 1;
                }
                if *old_reasons != reasons {
                    log.add(
                        db,
                        &id,
                        &run.at,
                        &run.actor,
                        "reasons",
                        old_reasons,
                        &reasons,
                        &format!("run {run_id}"),
                        Some(run_id),
                    )?;
                }
            }
        }
    }
    // Each control's computed conclusion, and each test's population and deviation counts, kept
    // with the run (for overrides, and the next window's prior period).
    for c in &run.controls {
        db.exec(
            "INSERT INTO run_controls (run, control, conclusion, unverifiable) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (run, control) DO NOTHING",
            &[
                run_id.into(),
                c.control.as_str().into(),
                c.conclusion.map_or(Val::Null, |k| k.as_str().into()),
                c.unverifiable.as_deref().map_or(Val::Null, Val::from),
            ],
        )?;
        for t in &c.tests {
            db.exec(
                "INSERT INTO run_tests (run, control, test, population, deviations) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (run, control, test) DO NOTHING",
                &[
                    run_id.into(),
                    c.control.as_str().into(),
                    t.test.as_str().into(),
                    (t.items.len() as i64).into(),
                    deviations
                        .get(&(c.control.as_str(), t.test.as_str()))
                        .copied()
                        .unwrap_or(0)
                        .into(),
                ],
            )?;
        }
    }
    // The run's populations, by control and test.
    let evaluated: HashMap<&str, &Evaluated> = run
        .controls
        .iter()
        .map(|c| (c.control.as_str(), c))
        .collect();
    let populations: HashMap<(&str, &str), HashSet<&str>> = run
        .controls
        .iter()
        .flat_map(|c| {
            c.tests.iter().map(move |t| {
                (
                    (c.control.as_str(), t.test.as_str()),
                    t.items.iter().map(String::as_str).collect(),
                )
            })
        })
        .collect();
    let files_now: HashMap<&str, i64> = run.files.iter().map(|(f, n)| (f.as_str(), *n)).collect();
    let mut files_then: HashMap<i64, HashMap<String, i64>> = HashMap::new();
    // Exceptions of the evaluated controls that this run does not find: remediated when the run
    // could see the item fixed, else kept as they are with the reason it could not.
    let mut gone: Vec<(&String, &Held)> = existing
        .iter()
        .filter(|(id, held)| held.status.is_unclosed() && !seen.contains(*id))
        .filter(|(_, held)| evaluated.contains_key(held.control.as_str()))
        .collect();
    gone.sort_by(|a, b| a.0.cmp(b.0));
    for (id, held) in gone {
        let control = evaluated[held.control.as_str()];
        let why_not: Option<String> = if let Some(reason) = &control.unverifiable {
            Some(reason.clone())
        } else if let Some(items) = populations.get(&(held.control.as_str(), held.test.as_str())) {
            if !items.contains(held.item.as_str()) {
                Some(format!(
                    "no longer in the population of test `{}`",
                    held.test
                ))
            } else {
                // Evidence that shrank since the deviation was last found may have taken it along.
                let then = match files_then.entry(held.last_seen_run) {
                    Entry::Occupied(e) => e.into_mut(),
                    Entry::Vacant(e) => e.insert(
                        db.query(
                            "SELECT files FROM runs WHERE id = ?1",
                            &[held.last_seen_run.into()],
                        )?
                        .first()
                        .map(|r| split_files(&r[0].text()))
                        .unwrap_or_default(),
                    ),
                };
                control.reads.iter().find_map(|f| {
                    let (before, now) = (then.get(f.as_str())?, files_now.get(f.as_str())?);
                    (now < before).then(|| {
                        format!(
                            "{f} has fewer records ({now}) than when run {} last found it ({before})",
                            held.last_seen_run
                        )
                    })
                })
            }
        } else {
            Some(format!("test `{}` was not run", held.test))
        };
        match why_not {
            None => {
                db.exec(
                    "UPDATE exceptions SET status = ?2, unverified = NULL WHERE id = ?1",
                    &[id.as_str().into(), ExceptionStatus::Remediated.into()],
                )?;
                log.status(
                    db,
                    id,
                    &run.at,
                    &run.actor,
                    Some(held.status),
                    ExceptionStatus::Remediated,
                    &format!("not found by run {run_id}, which re-tested it on complete evidence"),
                    Some(run_id),
                )?;
                out.remediated += 1;
            }
            Some(why_not) => {
                out.unverified += 1;
                // Said once, when the reason appears or changes.
                if held.unverified.as_deref() != Some(why_not.as_str()) {
                    db.exec(
                        "UPDATE exceptions SET unverified = ?2 WHERE id = ?1",
                        &[id.as_str().into(), why_not.as_str().into()],
                    )?;
                    log.add(
                        db,
                        id,
                        &run.at,
                        &run.actor,
                        "unverified",
                        held.unverified.as_deref().unwrap_or(""),
                        &why_not,
                        &format!(
                            "not found by run {run_id}, which could not verify a fix; it stays {}",
                            held.status
                        ),
                        Some(run_id),
                    )?;
                }
            }
        }
    }
    // Items that left a population since the last recorded run of the same window that tested it
    // on complete evidence; then this run's complete populations replace those, for the next one
    // (one row per window and test keeps the register's size bounded).
    let previous = db.query(
        "SELECT run, control, test, items FROM populations WHERE audit_window = ?1 ORDER BY control, test",
        &[run.window.as_str().into()],
    )?;
    for row in &previous {
        let (control, test) = (row[1].text(), row[2].text());
        if evaluated
            .get(control.as_str())
            .is_none_or(|c| c.unverifiable.is_some())
        {
            continue;
        }
        let Some(now) = populations.get(&(control.as_str(), test.as_str())) else {
            continue;
        };
        let mut items: Vec<String> = split_items(&row[3].text())
            .into_iter()
            .filter(|i| !now.contains(i.as_str()))
            .collect();
        if !items.is_empty() {
            items.sort();
            out.departures.push(Departure {
                control,
                test,
                since: row[0].int(),
                items,
            });
        }
    }
    // A population the same as the stored one keeps its items and only takes this run's number:
    // a daily re-run rewrites nothing it already holds (tens of megabytes of item keys).
    let stored: HashMap<(String, String), String> = previous
        .iter()
        .map(|row| ((row[1].text(), row[2].text()), row[3].text()))
        .collect();
    for c in run.controls.iter().filter(|c| c.unverifiable.is_none()) {
        for t in &c.tests {
            let items = join_items(&t.items);
            let key = (c.control.clone(), t.test.clone());
            if stored.get(&key) == Some(&items) {
                db.exec(
                    "UPDATE populations SET run = ?4 WHERE audit_window = ?1 AND control = ?2 AND test = ?3",
                    &[run.window.as_str().into(), c.control.as_str().into(), t.test.as_str().into(), run_id.into()],
                )?;
                continue;
            }
            db.exec(
                "INSERT INTO populations (audit_window, control, test, run, items) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (audit_window, control, test) DO UPDATE SET run = excluded.run, items = excluded.items",
                &[run.window.as_str().into(), c.control.as_str().into(), t.test.as_str().into(), run_id.into(), items.into()],
            )?;
        }
    }
    // Open after the run: not closed; overdue: as `rules::is_overdue` says on the run's day.
    let (mut open_after, mut overdue_after) = (0_i64, 0_i64);
    for r in db.query(
        "SELECT status, target, COUNT(*) FROM exceptions GROUP BY status, target",
        &[],
    )? {
        let status = status_in(
            &format!("exceptions rows of status `{}`", r[0].text()),
            &r[0].text(),
        )?;
        if status.is_unclosed() {
            open_after += r[2].int();
        }
        if rules::is_overdue(status, &r[1].text(), &run.today) {
            overdue_after += r[2].int();
        }
    }
    db.exec(
        "UPDATE runs SET open_after = ?2, overdue_after = ?3 WHERE id = ?1",
        &[run_id.into(), open_after.into(), overdue_after.into()],
    )?;
    Ok(out)
}

/// The schema version stored in the register (0: none yet).
fn version_of(db: &mut dyn Backend) -> Result<i64> {
    Ok(db
        .query("SELECT MAX(version) FROM schema_version", &[])?
        .first()
        .map_or(0, |r| r[0].int()))
}

/// Item keys as one text: newline-separated, with `\` and newlines inside a key escaped.
fn join_items(items: &[String]) -> String {
    let mut out = String::with_capacity(items.iter().map(|i| i.len() + 1).sum());
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        if item.contains(['\\', '\n']) {
            out.push_str(&item.replace('\\', "\\\\").replace('\n', "\\n"));
        } else {
            out.push_str(item);
        }
    }
    out
}

/// The item keys of [`join_items`].
fn split_items(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    text.split('\n')
        .map(|k| {
            if !k.contains('\\') {
                return k.to_string();
            }
            let mut out = String::with_capacity(k.len());
            let mut chars = k.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    match chars.next() {
                        Some('n') => out.push('\n'),
                        Some(o) => out.push(o),
                        None => out.push('\\'),
                    }
                } else {
                    out.push(c);
                }
            }
            out
        })
        .collect()
}

/// File record counts as stored in `runs.files`: `name=count` separated by spaces.
fn join_files(files: &[(String, i64)]) -> String {
    files
        .iter()
        .map(|(f, n)| format!("{f}={n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn split_files(text: &str) -> HashMap<String, i64> {
    text.split(' ')
        .filter_map(|kv| kv.rsplit_once('='))
        .filter_map(|(f, n)| Some((f.to_string(), n.parse().ok()?)))
        .collect()
}

fn to_exception(r: &[Val]) -> Result<Exception> {
    let id = r[0].text();
    let status = status_in(&format!("exceptions row id = '{id}'"), &r[8].text())?;
    Ok(Exception {
        id,
        control: r[1].text(),
        test: r[2].text(),
        item: r[3].text(),
        reasons: r[4].text(),
        detail: r[5].text(),
        owner: r[6].text(),
        target: r[7].text(),
        status,
        regression: r[9].int() != 0,
        opened_run: r[10].int(),
        last_seen_run: r[11].int(),
        accepted: match (r[12].opt_text(), r[13].opt_text(), r[14].opt_text()) {
            (Some(b), Some(why), Some(u)) => Some((b, why, u)),
            _ => None,
        },
        unverified: r[15].opt_text(),
        response: r[16].opt_text().map(|t| (t, r[17].text(), r[18].text())),
    })
}

#[cfg(test)]
mod tests;

/// The test hook `FIELDCHECK_REGISTER_CRASH_AFTER=N` (the `test-hooks` feature only): `record`
/// aborts the process after its N-th durable step. The steps are: the write lock taken, each
/// statement run inside the transaction, and the commit.
#[cfg(feature = "test-hooks")]
mod hook {
    use super::{Backend, Result, Val};
    use crate::backend::Check;

    pub(crate) struct Crash<'a> {
        pub(crate) inner: &'a mut dyn Backend,
        pub(crate) done: u32,
        pub(crate) after: u32,
    }

    impl Crash<'_> {
        fn step(&mut self) {
            self.done += 1;
            if self.done == self.after {
                std::process::abort();
            }
        }
    }

    impl Backend for Crash<'_> {
        fn create_schema(&mut self) -> Result<()> {
            self.inner.create_schema()
        }
        fn batch(&mut self, sql: &str) -> Result<()> {
            self.inner.batch(sql)?;
            self.step();
            Ok(())
        }
        fn add_checks(&mut self, checks: &[Check]) -> Result<()> {
            self.inner.add_checks(checks)?;
            self.step();
            Ok(())
        }
        fn begin(&mut self) -> Result<()> {
            self.inner.begin()?;
            self.step();
            Ok(())
        }
        fn commit(&mut self) -> Result<()> {
            self.inner.commit()?;
            self.step();
            Ok(())
        }
        fn rollback(&mut self) {
            self.inner.rollback()
        }
        fn exec(&mut self, sql: &str, params: &[Val]) -> Result<()> {
            self.inner.exec(sql, params)?;
            self.step();
            Ok(())
        }
        fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>> {
            self.inner.query(sql, params)
        }
    }
}
