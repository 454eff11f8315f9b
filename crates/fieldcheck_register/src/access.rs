//! Who may see and change the register through `fieldcheck serve`: users with a role, their
//! sessions, the auditor's evidence requests, and the log of changes to access (schema 5).
//!
//! The register stores; it does not decide. Password hashing, session tokens and the rules of
//! each role live with the server (`fieldcheck_serve`); here are the rows, written in one
//! transaction each, with every change to a user logged with its actor.

use crate::backend::{Backend, Val};
use crate::{Error, Register, Result};

/// What a user may do (`fieldcheck_serve` enforces it on every route).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, users included.
    Admin,
    /// Edits the exceptions assigned to them; reads the rest.
    Owner,
    /// Reads everything.
    Viewer,
    /// Reads the auditor's portal, the controls and the evidence, until the account expires.
    Auditor,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Owner, Role::Viewer, Role::Auditor];

    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Owner => "owner",
            Role::Viewer => "viewer",
            Role::Auditor => "auditor",
        }
    }

    /// The role of a stored name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The names, for a message: `admin, owner, viewer, auditor`.
    pub fn names() -> String {
        Role::ALL.map(Role::as_str).join(", ")
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Role> for Val {
    fn from(r: Role) -> Self {
        Val::Text(r.as_str().to_string())
    }
}

/// A user of the server.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct User {
    /// The sign-in name, an email, stored in lower case.
    pub email: String,
    /// A display name (may be empty).
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// The argon2id hash in PHC form; empty for an account that signs in only through the SSO
    /// proxy.
    #[serde(skip)]
    pub password: String,
    /// Whether the account is disabled (no sign-in, no session).
    pub disabled: bool,
    /// The last day the account works (`YYYY-MM-DD`, in the org's zone): an auditor's ends with
    /// the audit.
    pub expires: Option<String>,
    /// Failed sign-ins since the last success.
    pub failures: i64,
    /// Locked out until (Unix seconds), after repeated failures.
    pub locked_until: Option<i64>,
    /// When the account was added (RFC 3339).
    pub created_at: String,
    /// Who added it.
    pub created_by: String,
}

/// A user to add.
pub struct NewUser<'a> {
    /// The sign-in email (stored in lower case).
    pub email: &'a str,
    /// A display name.
    pub name: &'a str,
    /// What they may do.
    pub role: Role,
    /// The argon2id hash (empty: SSO only).
    pub password: &'a str,
    /// The last day the account works (`YYYY-MM-DD`).
    pub expires: Option<&'a str>,
}

/// A signed-in session: the token itself is never stored, only its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Whose session.
    pub email: String,
    /// The session's CSRF token, which every change must carry.
    pub csrf: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last request.
    pub seen_at: i64,
}

/// The state of an evidence request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the item's owner.
    Open,
    /// The owner answered.
    Answered,
}

impl RequestStatus {
    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Answered => "answered",
        }
    }

    fn parse(s: &str) -> RequestStatus {
        if s == "answered" {
            RequestStatus::Answered
        } else {
            RequestStatus::Open
        }
    }
}

/// An auditor's request for evidence on one item, a task for the item's owner.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct EvidenceRequest {
    /// Its number.
    pub id: i64,
    /// `control/test/item`: the item the request is about.
    pub item: String,
    /// Who must answer: the exception's owner when the item is in the register, else the
    /// control's owner as the requester named it (may be `unassigned`).
    pub owner: String,
    /// What is requested.
    pub text: String,
    /// The auditor who asked.
    pub requested_by: String,
    /// When (RFC 3339).
    pub requested_at: String,
    /// Open or answered.
    pub status: RequestStatus,
    /// The answer: text, who, when.
    pub answer: Option<(String, String, String)>,
}

/// One change to access: who did what to whom.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AccessChange {
    /// When (RFC 3339).
    pub at: String,
    /// Who made the change.
    pub actor: String,
    /// `user_added`, `role`, `disabled`, `enabled`, `password`, `expires`.
    pub action: String,
    /// Whose access changed.
    pub email: String,
    /// The new value, when there is one (`auditor until 2027-03-31`).
    pub detail: String,
}

const USER_COLUMNS: &str = "email, name, role, password, disabled, expires, failures, locked_until, created_at, created_by";

fn to_user(r: &[Val]) -> Result<User> {
    let role = r[2].text();
    Ok(User {
        email: r[0].text(),
        name: r[1].text(),
        role: Role::parse(&role).ok_or_else(|| {
            Error::Refused(format!(
                "users row `{}` has the unknown role `{role}` (the roles are {})",
                r[0].text(),
                Role::names()
            ))
        })?,
        password: r[3].text(),
        disabled: r[4].int() != 0,
        expires: r[5].opt_text().filter(|s| !s.is_empty()),
        failures: r[6].int(),
        locked_until: r[7].opt_int(),
        created_at: r[8].text(),
        created_by: r[9].text(),
    })
}

fn no_user(email: &str) -> Error {
    Error::Refused(format!(
        "no user `{email}`; `fieldcheck users list` shows them"
    ))
}

/// An email as stored: trimmed, lower case. Refuses what cannot be one.
pub fn normalize_email(email: &str) -> Result<String> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && e.split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !b.contains('@'))
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(e)
    } else {
        Err(Error::Refused(format!(
            "`{}` is not an email address; users sign in with one",
            email.trim()
        )))
    }
}

fn log(
    db: &mut dyn Backend,
    at: &str,
    actor: &str,
    action: &str,
    email: &str,
    detail: &str,
) -> Result<()> {
    let next = db
        .query("SELECT COALESCE(MAX(seq), 0) + 1 FROM access_log", &[])?
        .first()
        .map_or(1, |r| r[0].int());
    db.exec(
        "INSERT INTO access_log (seq, at, actor, action, email, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[next.into(), at.into(), actor.into(), action.into(), email.into(), detail.into()],
    )
}

fn user_in(db: &mut dyn Backend, email: &str) -> Result<Option<User>> {
    db.query(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?1"),
        &[email.into()],
    )?
    .first()
    .map(|r| to_user(r))
    .transpose()
}

impl Register {
    /// Adds a user; refuses an email already taken.
    pub fn add_user(&mut self, u: &NewUser<'_>, at: &str, actor: &str) -> Result<User> {
        let email = normalize_email(u.email)?;
        if let Some(d) = u.expires {
            crate::rules::check_date(d).map_err(Error::Refused)?;
        }
        self.write(|db| {
            if user_in(db, &email)?.is_some() {
                return Err(Error::Refused(format!("there is already a user `{email}`")));
            }
            db.exec(
                &format!("INSERT INTO users ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, 0, ?5, 0, NULL, ?6, ?7)"),
                &[
                    email.as_str().into(),
                    u.name.trim().into(),
                    u.role.into(),
                    u.password.into(),
                    u.expires.map_or(Val::Null, Val::from),
                    at.into(),
                    actor.into(),
                ],
            )?;
            let until = u.expires.map(|d| format!(" until {d}")).unwrap_or_default();
            log(db, at, actor, "user_added", &email, &format!("{}{until}", u.role))?;
            user_in(db, &email)?.ok_or_else(|| no_user(&email))
        })
    }

    /// Every user, by email.
    pub fn users(&mut self) -> Result<Vec<User>> {
        self.db
            .query(
                &format!("SELECT {USER_COLUMNS} FROM users ORDER BY email"),
                &[],
            )?
            .iter()
            .map(|r| to_user(r))
            .collect()
    }

    /// Whether any user is an enabled admin.
    pub fn has_admin(&mut self) -> Result<bool> {
        Ok(self
            .users()?
            .iter()
            .any(|u| u.role == Role::Admin && !u.disabled))
    }

    /// One user, by email (any case).
    pub fn user(&mut self, email: &str) -> Result<Option<User>> {
        let email = email.trim().to_lowercase();
        user_in(self.db.as_mut(), &email)
    }

    #[allow(clippy::too_many_arguments)]
    fn change_user(
        &mut self,
        email: &str,
        set: &str,
        vals: Vec<Val>,
        at: &str,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> Result<()> {
        let email = email.trim().to_lowercase();
        self.write(|db| {
            if user_in(db, &email)?.is_none() {
                return Err(no_user(&email));
            }
            let mut params = vec![Val::from(email.as_str())];
            params.extend(vals);
            db.exec(&format!("UPDATE users SET {set} WHERE email = ?1"), &params)?;
            log(db, at, actor, action, &email, detail)
        })
    }

    /// Changes a user's role, and the day the account ends (kept for an auditor, whose account
    /// must end; cleared for the other roles unless given).
    pub fn set_role(
        &mut self,
        email: &str,
        role: Role,
        expires: Option<&str>,
        at: &str,
        actor: &str,
    ) -> Result<()> {
        if let Some(d) = expires {
            crate::rules::check_date(d).map_err(Error::Refused)?;
        }
        let detail = match expires {
            Some(d) => format!("{role} until {d}"),
            None => role.to_string(),
        };
        self.change_user(
            email,
            "role = ?2, expires = ?3",
            vec![role.into(), expires.map_or(Val::Null, Val::from)],
            at,
            actor,
            "role",
            &detail,
        )
    }

    /// Disables (or enables again) an account; disabling ends its sessions.
    pub fn set_disabled(
        &mut self,
        email: &str,
        disabled: bool,
        at: &str,
        actor: &str,
    ) -> Result<()> {
        let action = if disabled { "disabled" } else { "enabled" };
        self.change_user(
            email,
            "disabled = ?2, failures = 0, locked_until = NULL",
            vec![Val::Int(disabled as i64)],
            at,
            actor,
            action,
            "",
        )?;
        if disabled {
            self.end_sessions_of(email)?;
        }
        Ok(())
    }

    /// Sets a new password hash; ends the user's sessions.
    pub fn set_password(&mut self, email: &str, hash: &str, at: &str, actor: &str) -> Result<()> {
        self.change_user(
            email,
            "password = ?2, failures = 0, locked_until = NULL",
            vec![hash.into()],
            at,
            actor,
            "password",
            "",
        )?;
        self.end_sessions_of(email)
    }

    /// Counts a failed sign-in; at `max` failures in a row, locks the account until `lock_until`
    /// (Unix seconds). Returns whether the account is now locked.
    pub fn sign_in_failed(&mut self, email: &str, max: i64, lock_until: i64) -> Result<bool> {
        let email = email.trim().to_lowercase();
        self.write(|db| {
            let Some(u) = user_in(db, &email)? else {
                return Ok(false);
            };
            let failures = u.failures + 1;
            let locked = failures >= max;
            db.exec(
                "UPDATE users SET failures = ?2, locked_until = ?3 WHERE email = ?1",
                &[
                    email.as_str().into(),
                    Val::Int(if locked { 0 } else { failures }),
                    if locked {
                        Val::Int(lock_until)
                    } else {
                        u.locked_until.map_or(Val::Null, Val::Int)
                    },
                ],
            )?;
            Ok(locked)
        })
    }

    /// A successful sign-in: the failures count starts again.
    pub fn sign_in_succeeded(&mut self, email: &str) -> Result<()> {
        let email = email.trim().to_lowercase();
        self.write(|db| {
            db.exec(
                "UPDATE users SET failures = 0, locked_until = NULL WHERE email = ?1",
                &[email.as_str().into()],
            )
        })
    }

    /// Starts a session (the token's hash, never the token).
    pub fn start_session(&mut self, s: &Session) -> Result<()> {
        self.write(|db| {
            db.exec(
                "INSERT INTO sessions (token_hash, email, csrf, created_at, seen_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                &[s.token_hash.as_str().into(), s.email.as_str().into(), s.csrf.as_str().into(), s.created_at.into(), s.seen_at.into()],
            )
        })
    }

    /// A session by its token's hash.
    pub fn session(&mut self, token_hash: &str) -> Result<Option<Session>> {
        Ok(self
            .db
            .query(
                "SELECT token_hash, email, csrf, created_at, seen_at FROM sessions WHERE token_hash = ?1",
                &[token_hash.into()],
            )?
            .first()
            .map(|r| Session {
                token_hash: r[0].text(),
                email: r[1].text(),
                csrf: r[2].text(),
                created_at: r[3].int(),
                seen_at: r[4].int(),
            }))
    }

    /// Marks a session used at `now` (Unix seconds).
    pub fn touch_session(&mut self, token_hash: &str, now: i64) -> Result<()> {
        self.write(|db| {
            db.exec(
                "UPDATE sessions SET seen_at = ?2 WHERE token_hash = ?1",
                &[token_hash.into(), now.into()],
            )
        })
    }

    /// Ends a session.
    pub fn end_session(&mut self, token_hash: &str) -> Result<()> {
        self.write(|db| {
            db.exec(
                "DELETE FROM sessions WHERE token_hash = ?1",
                &[token_hash.into()],
            )
        })
    }

    /// Ends every session of a user.
    pub fn end_sessions_of(&mut self, email: &str) -> Result<()> {
        let email = email.trim().to_lowercase();
        self.write(|db| {
            db.exec(
                "DELETE FROM sessions WHERE email = ?1",
                &[email.as_str().into()],
            )
        })
    }

    /// Ends the sessions idle since before `idle_before` or started before `started_before`
    /// (Unix seconds).
    pub fn end_stale_sessions(&mut self, idle_before: i64, started_before: i64) -> Result<()> {
        self.write(|db| {
            db.exec(
                "DELETE FROM sessions WHERE seen_at < ?1 OR created_at < ?2",
                &[idle_before.into(), started_before.into()],
            )
        })
    }

    /// The log of changes to access, newest first.
    pub fn access_log(&mut self) -> Result<Vec<AccessChange>> {
        Ok(self
            .db
            .query(
                "SELECT at, actor, action, email, detail FROM access_log ORDER BY seq DESC",
                &[],
            )?
            .iter()
            .map(|r| AccessChange {
                at: r[0].text(),
                actor: r[1].text(),
                action: r[2].text(),
                email: r[3].text(),
                detail: r[4].text(),
            })
            .collect())
    }

    /// Files an evidence request on an item for its owner; when the item is an exception in the
    /// register, the request is also noted in its history. Returns the request's id.
    pub fn file_request(
        &mut self,
        item: &str,
        owner: &str,
        text: &str,
        at: &str,
        actor: &str,
    ) -> Result<i64> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::Refused("say what evidence is requested".into()));
        }
        if item.split('/').count() < 3 {
            return Err(Error::Refused(format!(
                "`{item}` is not an item (`control/test/item`)"
            )));
        }
        self.write(|db| {
            let id = db
                .query("SELECT COALESCE(MAX(id), 0) + 1 FROM evidence_requests", &[])?
                .first()
                .map_or(1, |r| r[0].int());
            let owner = match db
                .query("SELECT owner FROM exceptions WHERE id = ?1", &[item.into()])?
                .first()
            {
                Some(r) => r[0].text(),
                None => owner.to_string(),
            };
            db.exec(
                "INSERT INTO evidence_requests (id, item, owner, text, requested_by, requested_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open')",
                &[id.into(), item.into(), owner.as_str().into(), text.into(), actor.into(), at.into()],
            )?;
            if !db.query("SELECT id FROM exceptions WHERE id = ?1", &[item.into()])?.is_empty() {
                crate::History::new(db)?.add(db, item, at, actor, "evidence_request", "", text, &format!("request {id}"), None)?;
            }
            Ok(id)
        })
    }

    /// Answers an evidence request.
    pub fn answer_request(&mut self, id: i64, text: &str, at: &str, actor: &str) -> Result<()> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::Refused("the answer is empty".into()));
        }
        self.write(|db| {
            let rows = db.query("SELECT item FROM evidence_requests WHERE id = ?1", &[id.into()])?;
            let item = rows
                .first()
                .map(|r| r[0].text())
                .ok_or_else(|| Error::Refused(format!("no evidence request {id}")))?;
            db.exec(
                "UPDATE evidence_requests SET status = 'answered', answer = ?2, answered_by = ?3, answered_at = ?4 WHERE id = ?1",
                &[id.into(), text.into(), actor.into(), at.into()],
            )?;
            if !db.query("SELECT id FROM exceptions WHERE id = ?1", &[item.as_str().into()])?.is_empty() {
                crate::History::new(db)?.add(db, &item, at, actor, "evidence_answer", "", text, &format!("request {id}"), None)?;
            }
            Ok(())
        })
    }

    /// Evidence requests, oldest first: all, or only one owner's (any case).
    pub fn requests(&mut self, owner: Option<&str>) -> Result<Vec<EvidenceRequest>> {
        let rows = self.db.query(
            "SELECT id, item, owner, text, requested_by, requested_at, status, answer, answered_by, answered_at FROM evidence_requests ORDER BY id",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| EvidenceRequest {
                id: r[0].int(),
                item: r[1].text(),
                owner: r[2].text(),
                text: r[3].text(),
                requested_by: r[4].text(),
                requested_at: r[5].text(),
                status: RequestStatus::parse(&r[6].text()),
                answer: r[7].opt_text().map(|a| (a, r[8].text(), r[9].text())),
            })
            .filter(|q| owner.is_none_or(|o| o.eq_ignore_ascii_case(&q.owner)))
            .collect())
    }

    /// The version of an exception as a form saw it: the sequence number of its latest history
    /// entry (0 when it has none). A save made against an older version is refused
    /// ([`Register::expect_version`]).
    pub fn version(&mut self, id: &str) -> Result<i64> {
        Ok(self
            .db
            .query(
                "SELECT COALESCE(MAX(seq), 0) FROM history WHERE exception_id = ?1",
                &[id.into()],
            )?
            .first()
            .map_or(0, |r| r[0].int()))
    }

    /// Makes the next change to exception `id` conditional: it is refused with
    /// [`Error::Conflict`] (the changes made since, inside the same transaction) unless the
    /// exception is still at version `seen`.
    pub fn expect_version(&mut self, id: &str, seen: i64) -> &mut Register {
        self.guard = Some((id.to_string(), seen));
        self
    }

    /// Drops a pending [`Register::expect_version`] that no write used (the change was refused
    /// before it reached the database), so it cannot apply to a later, unrelated write.
    pub fn clear_expectation(&mut self) {
        self.guard = None;
    }
}

/// Checks a pending [`Register::expect_version`] inside the write transaction: the exception's
/// latest history entry must be the one the form was made from, exactly.
pub(crate) fn check_guard(db: &mut dyn Backend, guard: Option<(String, i64)>) -> Result<()> {
    let Some((id, seen)) = guard else {
        return Ok(());
    };
    let now = db
        .query(
            "SELECT COALESCE(MAX(seq), 0) FROM history WHERE exception_id = ?1",
            &[id.as_str().into()],
        )?
        .first()
        .map_or(0, |r| r[0].int());
    if now == seen {
        return Ok(());
    }
    let since = db.query(
        "SELECT at, actor, field, old, new, why, run FROM history WHERE exception_id = ?1 AND seq > ?2 ORDER BY seq",
        &[id.as_str().into(), seen.min(now).into()],
    )?;
    Err(Error::Conflict {
        id,
        since: since
            .iter()
            .map(|r| crate::Change {
                at: r[0].text(),
                actor: r[1].text(),
                field: r[2].text(),
                old: r[3].text(),
                new: r[4].text(),
                why: r[5].text(),
                run: r[6].opt_int(),
            })
            .collect(),
    })
}
