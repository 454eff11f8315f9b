//! The exception register: every deviation of a recorded audit becomes an exception with a
//! stable id (`control/test/item`), an owner, a target close date and a status, and every change
//! to it is kept in its history with who, when and why.
//!
//! Each recorded run reconciles the register with the run's deviations, in one transaction: new
//! deviations are opened, exceptions whose deviation disappeared are remediated by that run, and
//! remediated ones that come back are reopened as regressions. Nothing is ever deleted. A risk
//! acceptance needs an approver, a reason and an expiry, after which the exception reopens.
//!
//! **Invariant:** the register is changed only inside transactions that take the write lock
//! first (`BEGIN IMMEDIATE`), so a crash leaves it as it was before or after a whole run, and two
//! concurrent runs are serialised instead of interleaved.
//!
//! Times are RFC 3339 UTC text and dates `YYYY-MM-DD`, given by the caller: this crate reads no
//! clock.

#![deny(missing_docs)]

mod backend;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use backend::{Backend, Val};

/// An exception's status.
pub const STATUSES: [&str; 4] = ["open", "in_remediation", "remediated", "risk_accepted"];

/// A register error: the database could not be opened or written, or a request was refused.
#[derive(Debug)]
pub enum Error {
    /// The database failed.
    Db(Box<dyn std::error::Error + Send + Sync>),
    /// The request makes no sense for the register as it is (unknown id, bad status, ...).
    Refused(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Db(e) => write!(f, "the exception register failed: {e}"),
            Error::Refused(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Db(e) => Some(e.as_ref()),
            Error::Refused(_) => None,
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
    /// The controls it evaluated: only their exceptions can be remediated by it.
    pub controls: Vec<String>,
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
    /// One of [`STATUSES`].
    pub status: String,
    /// Whether it came back after being remediated.
    pub regression: bool,
    /// The run that opened it.
    pub opened_run: i64,
    /// The latest run that found it.
    pub last_seen_run: i64,
    /// The risk acceptance, when accepted: approver, reason, expiry.
    pub accepted: Option<(String, String, String)>,
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
    pub statuses: Vec<String>,
    /// Only exceptions not closed whose target date is before this date.
    pub overdue_on: Option<String>,
}

/// The exception register, in SQLite (a file) or PostgreSQL (a URL).
pub struct Register {
    db: Box<dyn Backend + Send>,
}

const OPEN_STATUSES: [&str; 3] = ["open", "in_remediation", "risk_accepted"];

const EXCEPTION_COLUMNS: &str = "id, control, test, item, reasons, detail, owner, target, status, regression, opened_run, last_seen_run, accepted_by, accepted_reason, accepted_until";

/// Whether a register location names a PostgreSQL server (`postgres://...`, `postgresql://...`,
/// or a `host=... dbname=...` connection string) rather than an SQLite file.
pub fn is_postgres(location: &str) -> bool {
    location.starts_with("postgres://")
        || location.starts_with("postgresql://")
        || location
            .split_whitespace()
            .any(|w| w.starts_with("host=") || w.starts_with("dbname="))
}

fn no_such(id: &str) -> Error {
    Error::Refused(format!(
        "no exception `{id}` in the register; `fieldcheck exceptions list` shows the ids"
    ))
}

impl Register {
    /// Opens (creating when needed) the SQLite register at `path`.
    pub fn open(path: &Path) -> Result<Register> {
        Register::with(Box::new(backend::Sqlite::open(path)?))
    }

    /// Connects to a PostgreSQL register (`postgres://user@host/db`, or `host=... dbname=...`),
    /// creating its tables when needed.
    #[cfg(feature = "postgres")]
    pub fn connect(url: &str) -> Result<Register> {
        Register::with(Box::new(backend::Postgres::connect(url)?))
    }

    /// Opens a register by where it is: a PostgreSQL URL or connection string, or a file path.
    pub fn at(location: &str) -> Result<Register> {
        if is_postgres(location) {
            #[cfg(feature = "postgres")]
            return Register::connect(location);
            #[cfg(not(feature = "postgres"))]
            return Err(Error::Refused("this build of fieldcheck has no PostgreSQL support (build it with `--features postgres`)".into()));
        }
        Register::open(Path::new(location))
    }

    fn with(mut db: Box<dyn Backend + Send>) -> Result<Register> {
        db.create_schema()?;
        Ok(Register { db })
    }

    /// Runs `f` in a write-locked transaction, committing on success and rolling back otherwise.
    fn write<T>(&mut self, f: impl FnOnce(&mut dyn Backend) -> Result<T>) -> Result<T> {
        self.db.begin()?;
        match f(self.db.as_mut()) {
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
        self.write(|db| reconcile(db, run, found))
    }

    /// Reopens risk acceptances that expired before `today`, as `actor` at `at`.
    pub fn expire_acceptances(&mut self, today: &str, at: &str, actor: &str) -> Result<usize> {
        self.write(|db| {
            let expired = db.query(
                "SELECT id, accepted_until FROM exceptions WHERE status = 'risk_accepted' AND accepted_until < ?1 ORDER BY id",
                &[today.into()],
            )?;
            let mut log = History::new(db)?;
            for row in &expired {
                let (id, until) = (row[0].text(), row[1].text());
                db.exec(
                    "UPDATE exceptions SET status = 'open', accepted_by = NULL, accepted_reason = NULL, accepted_until = NULL WHERE id = ?1",
                    &[id.clone().into()],
                )?;
                log.add(db, &id, at, actor, "status", "risk_accepted", "open", &format!("the risk acceptance expired on {until}"), None)?;
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
        Ok(rows
            .iter()
            .map(|r| to_exception(r))
            .filter(|e| {
                f.owner
                    .as_ref()
                    .is_none_or(|o| o.eq_ignore_ascii_case(&e.owner))
                    && f.control.as_ref().is_none_or(|c| *c == e.control)
                    && (f.statuses.is_empty() || f.statuses.contains(&e.status))
                    && f.overdue_on.as_ref().is_none_or(|d| {
                        (e.status == "open" || e.status == "in_remediation") && e.target < *d
                    })
            })
            .collect())
    }

    /// One exception and its history, oldest first.
    pub fn show(&mut self, id: &str) -> Result<(Exception, Vec<Change>)> {
        let rows = self.db.query(
            &format!("SELECT {EXCEPTION_COLUMNS} FROM exceptions WHERE id = ?1"),
            &[id.into()],
        )?;
        let e = rows
            .first()
            .map(|r| to_exception(r))
            .ok_or_else(|| no_such(id))?;
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
        status: &str,
        at: &str,
        actor: &str,
        why: &str,
    ) -> Result<()> {
        if !STATUSES.contains(&status) {
            return Err(Error::Refused(format!(
                "unknown status `{status}`; use `open`, `in_remediation` or `remediated` (and `fieldcheck exceptions accept` to accept a risk)"
            )));
        }
        if status == "risk_accepted" {
            return Err(Error::Refused("accept a risk with `fieldcheck exceptions accept`, which records the approver, reason and expiry".into()));
        }
        if why.trim().is_empty() {
            return Err(Error::Refused(
                "say why the status changes (`--why`)".into(),
            ));
        }
        self.write(|db| {
            let old = db.query("SELECT status FROM exceptions WHERE id = ?1", &[id.into()])?;
            let old = old.first().map(|r| r[0].text()).ok_or_else(|| no_such(id))?;
            if old == status {
                return Err(Error::Refused(format!("`{id}` is already {status}")));
            }
            // Leaving an acceptance withdraws it.
            db.exec(
                "UPDATE exceptions SET status = ?2, accepted_by = NULL, accepted_reason = NULL, accepted_until = NULL WHERE id = ?1",
                &[id.into(), status.into()],
            )?;
            History::new(db)?.add(db, id, at, actor, "status", &old, status, why, None)
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
            let old = db.query("SELECT status FROM exceptions WHERE id = ?1", &[id.into()])?;
            let old = old.first().map(|r| r[0].text()).ok_or_else(|| no_such(id))?;
            if old == "remediated" {
                return Err(Error::Refused(format!("`{id}` is remediated: there is no risk left to accept")));
            }
            db.exec(
                "UPDATE exceptions SET status = 'risk_accepted', accepted_by = ?2, accepted_reason = ?3, accepted_until = ?4 WHERE id = ?1",
                &[id.into(), approver.into(), reason.into(), until.into()],
            )?;
            History::new(db)?.add(db, id, at, actor, "status", &old, "risk_accepted", &format!("accepted by {approver} until {until}: {reason}"), None)
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
}

fn reconcile(db: &mut dyn Backend, run: &Run, found: &[Found]) -> Result<Reconciled> {
    let run_id = db
        .query("SELECT COALESCE(MAX(id), 0) + 1 FROM runs", &[])?
        .first()
        .map_or(1, |r| r[0].int());
    db.exec(
        "INSERT INTO runs (id, at, actor, kit, controls, deviations, open_after) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
        &[run_id.into(), run.at.as_str().into(), run.actor.as_str().into(), run.kit.as_str().into(), run.controls.join(" ").into(), (found.len() as i64).into()],
    )?;
    let mut out = Reconciled {
        run: run_id,
        ..Reconciled::default()
    };
    let mut log = History::new(db)?;
    // What the register holds now: id → (status, reasons, accepted until).
    let existing: HashMap<String, (String, String, Option<String>)> = db
        .query(
            "SELECT id, status, reasons, accepted_until FROM exceptions",
            &[],
        )?
        .into_iter()
        .map(|r| (r[0].text(), (r[1].text(), r[2].text(), r[3].opt_text())))
        .collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for f in found {
        let id = f.id();
        if !seen.insert(id.clone()) {
            continue;
        }
        let reasons = f.reasons.join(" ");
        match existing.get(&id) {
            None => {
                let owner = f.owner.clone().unwrap_or_else(|| "unassigned".into());
                db.exec(
                    "INSERT INTO exceptions (id, control, test, item, reasons, detail, owner, target, status, regression, opened_run, last_seen_run)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'open', 0, ?9, ?10)",
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
                    ],
                )?;
                log.add(
                    db,
                    &id,
                    &run.at,
                    &run.actor,
                    "status",
                    "",
                    "open",
                    &format!("found by run {run_id}"),
                    Some(run_id),
                )?;
                out.opened += 1;
            }
            Some((status, old_reasons, until)) => {
                let expired = status == "risk_accepted"
                    && until.as_deref().is_some_and(|u| u < run.today.as_str());
                if status == "remediated" || expired {
                    // A regression is a deviation a run saw fixed that came back; one closed by
                    // hand while still present simply reopens.
                    let by_run = status == "remediated"
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
                        "UPDATE exceptions SET status = 'open', regression = CASE WHEN ?2 = 1 THEN 1 ELSE regression END, reasons = ?3, detail = ?4,
                         last_seen_run = ?5, target = ?6, accepted_by = NULL, accepted_reason = NULL, accepted_until = NULL WHERE id = ?1",
                        &[id.as_str().into(), i64::from(by_run).into(), reasons.as_str().into(), f.detail.as_str().into(), run_id.into(), f.target.as_str().into()],
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
                    log.add(
                        db,
                        &id,
                        &run.at,
                        &run.actor,
                        "status",
                        status,
                        "open",
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
                        "UPDATE exceptions SET reasons = ?2, detail = ?3, last_seen_run = ?4 WHERE id = ?1",
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
    // Deviations of the evaluated controls that this run no longer finds are remediated.
    let evaluated: BTreeSet<&str> = run.controls.iter().map(String::as_str).collect();
    let mut gone: Vec<(&String, &String)> = existing
        .iter()
        .filter(|(id, (status, _, _))| {
            OPEN_STATUSES.contains(&status.as_str()) && !seen.contains(*id)
        })
        .filter(|(id, _)| id.split('/').next().is_some_and(|c| evaluated.contains(c)))
        .map(|(id, (status, _, _))| (id, status))
        .collect();
    gone.sort();
    for (id, status) in gone {
        db.exec(
            "UPDATE exceptions SET status = 'remediated' WHERE id = ?1",
            &[id.as_str().into()],
        )?;
        log.add(
            db,
            id,
            &run.at,
            &run.actor,
            "status",
            status,
            "remediated",
            &format!("not found by run {run_id}"),
            Some(run_id),
        )?;
        out.remediated += 1;
    }
    let open_after = db
        .query("SELECT COUNT(*) FROM exceptions WHERE status IN ('open', 'in_remediation', 'risk_accepted')", &[])?
        .first()
        .map_or(0, |r| r[0].int());
    let overdue_after = db
        .query("SELECT COUNT(*) FROM exceptions WHERE status IN ('open', 'in_remediation') AND target < ?1", &[run.today.as_str().into()])?
        .first()
        .map_or(0, |r| r[0].int());
    db.exec(
        "UPDATE runs SET open_after = ?2, overdue_after = ?3 WHERE id = ?1",
        &[run_id.into(), open_after.into(), overdue_after.into()],
    )?;
    Ok(out)
}

fn to_exception(r: &[Val]) -> Exception {
    Exception {
        id: r[0].text(),
        control: r[1].text(),
        test: r[2].text(),
        item: r[3].text(),
        reasons: r[4].text(),
        detail: r[5].text(),
        owner: r[6].text(),
        target: r[7].text(),
        status: r[8].text(),
        regression: r[9].int() != 0,
        opened_run: r[10].int(),
        last_seen_run: r[11].int(),
        accepted: match (r[12].opt_text(), r[13].opt_text(), r[14].opt_text()) {
            (Some(b), Some(why), Some(u)) => Some((b, why, u)),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests;
