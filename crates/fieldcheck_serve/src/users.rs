//! `fieldcheck users add|list|disable|enable|set-role|passwd`, and the first admin: the rules of
//! accounts, shared by the command line and the server's users page.

use fieldcheck_register::access::{NewUser, Role, User};
use fieldcheck_register::{Error, Register};
use jiff::Timestamp;

use crate::auth;

/// An auditor's account must end (the end of the audit), on a day not yet past; other roles
/// may end too.
pub fn check_expiry(role: Role, expires: Option<&str>, today: &str) -> Result<(), Error> {
    match expires {
        None if role == Role::Auditor => Err(Error::Refused(
            "an auditor's account needs its last day (the end of the audit): give it".into(),
        )),
        Some(d) => {
            fieldcheck_register::rules::check_date(d).map_err(Error::Refused)?;
            if d < today {
                return Err(Error::Refused(format!(
                    "the last day {d} is already past (today is {today})"
                )));
            }
            Ok(())
        }
        None => Ok(()),
    }
}

/// Creates the first admin with a generated one-time password; returns the email and password.
pub fn create_first_admin(
    reg: &mut Register,
    email: &str,
    now: Timestamp,
) -> anyhow::Result<(String, String)> {
    let password = auth::generate_password();
    let hash = auth::hash_password(&password)?;
    let u = reg.add_user(
        &NewUser {
            email,
            name: "",
            role: Role::Admin,
            password: &hash,
            expires: None,
        },
        &now.to_string(),
        "fieldcheck serve (first start)",
    )?;
    Ok((u.email, password))
}

/// What `users add` was given.
pub struct Add<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub expires: Option<&'a str>,
    /// The password; `None` generates a one-time password (returned).
    pub password: Option<&'a str>,
    /// Sign-in through the SSO proxy only: no password at all.
    pub sso_only: bool,
}

/// Adds a user; returns the user and the generated password, when one was generated.
pub fn add(
    reg: &mut Register,
    a: &Add<'_>,
    today: &str,
    at: &str,
    actor: &str,
) -> anyhow::Result<(User, Option<String>)> {
    check_expiry(a.role, a.expires, today)?;
    let (hash, generated) = match (a.sso_only, a.password) {
        (true, _) => (String::new(), None),
        (false, Some(p)) => {
            auth::check_password(p).map_err(|e| anyhow::anyhow!(e))?;
            (auth::hash_password(p)?, None)
        }
        (false, None) => {
            let p = auth::generate_password();
            (auth::hash_password(&p)?, Some(p))
        }
    };
    let u = reg.add_user(
        &NewUser {
            email: a.email,
            name: a.name,
            role: a.role,
            password: &hash,
            expires: a.expires,
        },
        at,
        actor,
    )?;
    Ok((u, generated))
}

/// Sets a password (given, or generated and returned).
pub fn passwd(
    reg: &mut Register,
    email: &str,
    password: Option<&str>,
    at: &str,
    actor: &str,
) -> anyhow::Result<Option<String>> {
    let (hash, generated) = match password {
        Some(p) => {
            auth::check_password(p).map_err(|e| anyhow::anyhow!(e))?;
            (auth::hash_password(p)?, None)
        }
        None => {
            let p = auth::generate_password();
            (auth::hash_password(&p)?, Some(p))
        }
    };
    reg.set_password(email, &hash, at, actor)?;
    Ok(generated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_auditor_needs_a_last_day_that_is_not_past() {
        let today = "2026-12-06";
        assert!(check_expiry(Role::Auditor, None, today).is_err());
        assert!(check_expiry(Role::Auditor, Some("2026-12-05"), today).is_err());
        assert!(check_expiry(Role::Auditor, Some("2026-12-06"), today).is_ok());
        assert!(check_expiry(Role::Viewer, None, today).is_ok());
        assert!(check_expiry(Role::Viewer, Some("06/12/2026"), today).is_err());
    }
}
