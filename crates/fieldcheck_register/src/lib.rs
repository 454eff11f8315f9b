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

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// An exception's status.
pub const STATUSES: [&str; 4] = ["open", "in_remediation", "remediated", "risk_accepted"];

/// A register error: the database could not be opened or written, or a request was refused.
#[derive(Debug)]
pub enum Error {
    /// The database failed.
    Db(rusqlite::Error),
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
            Error::Db(e) => Some(e),
            Error::Refused(_) => None,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Db(e)
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

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kit TEXT NOT NULL,
    controls TEXT NOT NULL,
    deviations INTEGER NOT NULL,
    open_after INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS exceptions (
    id TEXT PRIMARY KEY,
    control TEXT NOT NULL,
    test TEXT NOT NULL,
    item TEXT NOT NULL,
    reasons TEXT NOT NULL,
    detail TEXT NOT NULL,
    owner TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    regression INTEGER NOT NULL DEFAULT 0,
    opened_run INTEGER NOT NULL,
    last_seen_run INTEGER NOT NULL,
    accepted_by TEXT,
    accepted_reason TEXT,
    accepted_until TEXT
);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY,
    exception_id TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    field TEXT NOT NULL,
    old TEXT NOT NULL,
    new TEXT NOT NULL,
    why TEXT NOT NULL,
    run INTEGER
);
CREATE INDEX IF NOT EXISTS history_by_exception ON history (exception_id, seq);
CREATE INDEX IF NOT EXISTS exceptions_by_status ON exceptions (status);
";

/// The exception register, in an SQLite database.
pub struct Register {
    conn: Connection,
}

const OPEN_STATUSES: [&str; 3] = ["open", "in_remediation", "risk_accepted"];

impl Register {
    /// Opens (creating when needed) the register at `path`.
    pub fn open(path: &Path) -> Result<Register> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Refused(format!("cannot create `{}`: {e}", dir.display())))?;
        }
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(60))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let reg = Register { conn };
        reg.conn.execute_batch(SCHEMA)?;
        Ok(reg)
    }

    /// Records a run: reconciles the register with its deviations, in one transaction.
    pub fn record(&mut self, run: &Run, found: &[Found]) -> Result<Reconciled> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO runs (at, actor, kit, controls, deviations, open_after) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
            params![run.at, run.actor, run.kit, run.controls.join(" "), found.len() as i64],
        )?;
        let run_id = tx.last_insert_rowid();
        let mut out = Reconciled {
            run: run_id,
            ..Reconciled::default()
        };
        // What the register holds now.
        let mut existing: HashMap<String, (String, String, Option<String>)> = HashMap::new();
        {
            let mut q = tx.prepare("SELECT id, status, reasons, accepted_until FROM exceptions")?;
            let rows = q.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
            })?;
            for row in rows {
                let (id, v) = row?;
                existing.insert(id, v);
            }
        }
        let mut seen: BTreeSet<String> = BTreeSet::new();
        {
            let mut insert = tx.prepare(
                "INSERT INTO exceptions (id, control, test, item, reasons, detail, owner, target, status, regression, opened_run, last_seen_run)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'open', 0, ?9, ?9)",
            )?;
            let mut touch = tx.prepare(
                "UPDATE exceptions SET reasons = ?2, detail = ?3, last_seen_run = ?4 WHERE id = ?1",
            )?;
            let mut reopen = tx.prepare(
                "UPDATE exceptions SET status = 'open', regression = 1, reasons = ?2, detail = ?3, last_seen_run = ?4,
                 accepted_by = NULL, accepted_reason = NULL, accepted_until = NULL WHERE id = ?1",
            )?;
            let mut history = tx.prepare(
                "INSERT INTO history (exception_id, at, actor, field, old, new, why, run) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for f in found {
                let id = f.id();
                if !seen.insert(id.clone()) {
                    continue;
                }
                let reasons = f.reasons.join(" ");
                match existing.get(&id) {
                    None => {
                        let owner = f.owner.clone().unwrap_or_else(|| "unassigned".into());
                        insert.execute(params![
                            id, f.control, f.test, f.item, reasons, f.detail, owner, f.target,
                            run_id
                        ])?;
                        history.execute(params![
                            id,
                            run.at,
                            run.actor,
                            "status",
                            "",
                            "open",
                            format!("found by run {run_id}"),
                            run_id
                        ])?;
                        out.opened += 1;
                    }
                    Some((status, old_reasons, until)) => {
                        let expired = status == "risk_accepted"
                            && until.as_deref().is_some_and(|u| u < run.today.as_str());
                        if status == "remediated" || expired {
                            reopen.execute(params![id, reasons, f.detail, run_id])?;
                            let why = if expired {
                                out.expired += 1;
                                format!(
                                    "the risk acceptance expired on {}; found again by run {run_id}",
                                    until.as_deref().unwrap_or("")
                                )
                            } else {
                                out.reopened += 1;
                                format!("regression: found again by run {run_id}")
                            };
                            history.execute(params![
                                id, run.at, run.actor, "status", status, "open", why, run_id
                            ])?;
                        } else {
                            touch.execute(params![id, reasons, f.detail, run_id])?;
                            out.unchanged += 1;
                        }
                        if *old_reasons != reasons {
                            history.execute(params![
                                id,
                                run.at,
                                run.actor,
                                "reasons",
                                old_reasons,
                                reasons,
                                format!("run {run_id}"),
                                run_id
                            ])?;
                        }
                    }
                }
            }
            // Deviations of the evaluated controls that this run no longer finds are remediated.
            let evaluated: BTreeSet<&str> = run.controls.iter().map(String::as_str).collect();
            let mut remediate =
                tx.prepare("UPDATE exceptions SET status = 'remediated' WHERE id = ?1")?;
            let mut candidates: Vec<(&String, &String)> = existing
                .iter()
                .filter(|(id, (status, _, _))| {
                    OPEN_STATUSES.contains(&status.as_str()) && !seen.contains(*id)
                })
                .filter(|(id, _)| id.split('/').next().is_some_and(|c| evaluated.contains(c)))
                .map(|(id, (status, _, _))| (id, status))
                .collect();
            candidates.sort();
            for (id, status) in candidates {
                remediate.execute(params![id])?;
                history.execute(params![
                    id,
                    run.at,
                    run.actor,
                    "status",
                    status,
                    "remediated",
                    format!("not found by run {run_id}"),
                    run_id
                ])?;
                out.remediated += 1;
            }
        }
        let open_after: i64 =
            tx.query_row("SELECT COUNT(*) FROM exceptions WHERE status IN ('open', 'in_remediation', 'risk_accepted')", [], |r| r.get(0))?;
        tx.execute(
            "UPDATE runs SET open_after = ?2 WHERE id = ?1",
            params![run_id, open_after],
        )?;
        tx.commit()?;
        Ok(out)
    }

    /// Reopens risk acceptances that expired before `today`, as `actor` at `at`.
    pub fn expire_acceptances(&mut self, today: &str, at: &str, actor: &str) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let expired: Vec<(String, String)> = {
            let mut q = tx.prepare("SELECT id, accepted_until FROM exceptions WHERE status = 'risk_accepted' AND accepted_until < ?1 ORDER BY id")?;
            q.query_map(params![today], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (id, until) in &expired {
            tx.execute(
                "UPDATE exceptions SET status = 'open', accepted_by = NULL, accepted_reason = NULL, accepted_until = NULL WHERE id = ?1",
                params![id],
            )?;
            tx.execute(
                "INSERT INTO history (exception_id, at, actor, field, old, new, why, run) VALUES (?1, ?2, ?3, 'status', 'risk_accepted', 'open', ?4, NULL)",
                params![id, at, actor, format!("the risk acceptance expired on {until}")],
            )?;
        }
        tx.commit()?;
        Ok(expired.len())
    }

    /// The exceptions that match a filter, by id.
    pub fn list(&self, f: &Filter) -> Result<Vec<Exception>> {
        let mut q = self.conn.prepare(
            "SELECT id, control, test, item, reasons, detail, owner, target, status, regression, opened_run, last_seen_run,
                    accepted_by, accepted_reason, accepted_until FROM exceptions ORDER BY id",
        )?;
        let rows = q.query_map([], row_to_exception)?;
        let mut out = Vec::new();
        for r in rows {
            let e = r?;
            if f.owner
                .as_ref()
                .is_some_and(|o| !o.eq_ignore_ascii_case(&e.owner))
                || f.control.as_ref().is_some_and(|c| *c != e.control)
                || (!f.statuses.is_empty() && !f.statuses.contains(&e.status))
                || f.overdue_on.as_ref().is_some_and(|d| {
                    !(e.status == "open" || e.status == "in_remediation") || e.target >= *d
                })
            {
                continue;
            }
            out.push(e);
        }
        Ok(out)
    }

    /// One exception and its history, oldest first.
    pub fn show(&self, id: &str) -> Result<(Exception, Vec<Change>)> {
        let e = self
            .conn
            .query_row(
                "SELECT id, control, test, item, reasons, detail, owner, target, status, regression, opened_run, last_seen_run,
                        accepted_by, accepted_reason, accepted_until FROM exceptions WHERE id = ?1",
                params![id],
                row_to_exception,
            )
            .optional()?
            .ok_or_else(|| Error::Refused(format!("no exception `{id}` in the register; `fieldcheck exceptions list` shows the ids")))?;
        let mut q = self.conn.prepare("SELECT at, actor, field, old, new, why, run FROM history WHERE exception_id = ?1 ORDER BY seq")?;
        let history = q
            .query_map(params![id], |r| {
                Ok(Change {
                    at: r.get(0)?,
                    actor: r.get(1)?,
                    field: r.get(2)?,
                    old: r.get(3)?,
                    new: r.get(4)?,
                    why: r.get(5)?,
                    run: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((e, history))
    }

    /// Changes one field (a column of the same name) of an exception, with its history entry.
    fn change(
        &mut self,
        id: &str,
        field: &str,
        new: &str,
        at: &str,
        actor: &str,
        why: &str,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let old: Option<String> = tx
            .query_row(
                &format!("SELECT {field} FROM exceptions WHERE id = ?1"),
                params![id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(old) = old else {
            return Err(Error::Refused(format!(
                "no exception `{id}` in the register; `fieldcheck exceptions list` shows the ids"
            )));
        };
        tx.execute(
            &format!("UPDATE exceptions SET {field} = ?2 WHERE id = ?1"),
            params![id, new],
        )?;
        tx.execute(
            "INSERT INTO history (exception_id, at, actor, field, old, new, why, run) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)",
            params![id, at, actor, field, old, new, why],
        )?;
        tx.commit()?;
        Ok(())
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
        self.change(id, "owner", owner, at, actor, why)
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
        if !["open", "in_remediation", "remediated"].contains(&status) {
            return Err(Error::Refused(format!(
                "status `{status}` cannot be set directly: use `open`, `in_remediation` or `remediated` (accept a risk with `fieldcheck exceptions accept`)"
            )));
        }
        if why.trim().is_empty() {
            return Err(Error::Refused(
                "say why the status changes (`--why`)".into(),
            ));
        }
        self.change(id, "status", status, at, actor, why)
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let old: Option<String> = tx
            .query_row(
                "SELECT status FROM exceptions WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(old) = old else {
            return Err(Error::Refused(format!(
                "no exception `{id}` in the register; `fieldcheck exceptions list` shows the ids"
            )));
        };
        if old == "remediated" {
            return Err(Error::Refused(format!(
                "`{id}` is remediated: there is no risk left to accept"
            )));
        }
        tx.execute(
            "UPDATE exceptions SET status = 'risk_accepted', accepted_by = ?2, accepted_reason = ?3, accepted_until = ?4 WHERE id = ?1",
            params![id, approver, reason, until],
        )?;
        tx.execute(
            "INSERT INTO history (exception_id, at, actor, field, old, new, why, run) VALUES (?1, ?2, ?3, 'status', ?4, 'risk_accepted', ?5, NULL)",
            params![id, at, actor, old, format!("accepted by {approver} until {until}: {reason}")],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Adds a note to an exception's history.
    pub fn note(&mut self, id: &str, text: &str, at: &str, actor: &str) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: Option<String> = tx
            .query_row(
                "SELECT id FROM exceptions WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_none() {
            return Err(Error::Refused(format!(
                "no exception `{id}` in the register; `fieldcheck exceptions list` shows the ids"
            )));
        }
        tx.execute(
            "INSERT INTO history (exception_id, at, actor, field, old, new, why, run) VALUES (?1, ?2, ?3, 'note', '', ?4, '', NULL)",
            params![id, at, actor, text],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The recorded runs: number, time and exceptions open after it.
    pub fn runs(&self) -> Result<Vec<(i64, String, i64)>> {
        let mut q = self
            .conn
            .prepare("SELECT id, at, open_after FROM runs ORDER BY id")?;
        let rows = q
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

fn row_to_exception(r: &rusqlite::Row<'_>) -> rusqlite::Result<Exception> {
    let by: Option<String> = r.get(12)?;
    let reason: Option<String> = r.get(13)?;
    let until: Option<String> = r.get(14)?;
    Ok(Exception {
        id: r.get(0)?,
        control: r.get(1)?,
        test: r.get(2)?,
        item: r.get(3)?,
        reasons: r.get(4)?,
        detail: r.get(5)?,
        owner: r.get(6)?,
        target: r.get(7)?,
        status: r.get(8)?,
        regression: r.get::<_, i64>(9)? != 0,
        opened_run: r.get(10)?,
        last_seen_run: r.get(11)?,
        accepted: match (by, reason, until) {
            (Some(b), Some(r), Some(u)) => Some((b, r, u)),
            _ => None,
        },
    })
}

#[cfg(test)]
mod tests;
