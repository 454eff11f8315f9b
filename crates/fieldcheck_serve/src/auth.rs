//! Who is asking: passwords (argon2id), session tokens, CSRF tokens, sign-in throttling and the
//! SSO proxy's header.
//!
//! - A session token is 32 random bytes; the browser holds it in an HttpOnly, SameSite=Strict
//!   cookie (Secure when the request came over TLS through a trusted proxy), the register holds
//!   only its SHA-256. Sessions end after [`IDLE_SECS`] idle or [`MAX_SECS`] in all, and a
//!   sign-in always starts a new one (a token set before sign-in is never promoted: no session
//!   fixation).
//! - Every change carries the session's CSRF token in its form; the sign-in form carries a
//!   pre-session token from its own cookie.
//! - Sign-in failures are throttled per client address ([`Throttle`]) and lock the account after
//!   [`LOCK_AFTER`] in a row for [`LOCK_SECS`].

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use fieldcheck_register::access::{Role, Session, User};
use sha2::Digest;

/// The signed-in user and their session, as the handlers see them.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub user: Option<User>,
    /// The session (none for the SSO proxy's users, who carry no session: their CSRF token is
    /// derived from the header's identity per server start).
    pub csrf: String,
    pub session: Option<Session>,
    /// The client's address.
    pub ip: IpAddr,
    /// Whether the request came over TLS (through a trusted proxy).
    pub tls: bool,
}

impl Ctx {
    pub fn email(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.email.as_str())
    }

    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.role)
    }
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "fc_session";
/// The sign-in form's pre-session CSRF cookie.
pub const PRE_COOKIE: &str = "fc_pre";
/// A session ends after this long without a request.
pub const IDLE_SECS: i64 = 30 * 60;
/// A session ends this long after sign-in, whatever its use.
pub const MAX_SECS: i64 = 12 * 60 * 60;
/// Failed sign-ins in a row that lock an account.
pub const LOCK_AFTER: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_SECS: i64 = 15 * 60;
/// Failed sign-ins from one address within [`THROTTLE_SECS`] before it is refused for the rest
/// of that time.
pub const THROTTLE_AFTER: u32 = 10;
pub const THROTTLE_SECS: i64 = 10 * 60;

/// `n` random bytes as hex.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("the system's random source");
    crate::hex(&buf)
}

/// A token's stored form: SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    crate::hex(&sha2::Sha256::digest(token.as_bytes()))
}

/// An argon2id hash (PHC string) of a password, with a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no random source: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?
        .to_string())
}

/// Whether `password` matches a stored hash (an empty hash matches nothing: an SSO-only account).
pub fn verify_password(password: &str, hash: &str) -> bool {
    if hash.is_empty() {
        return false;
    }
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A password a person can type: 20 characters from an alphabet without look-alikes (about 100
/// bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 20];
    getrandom::fill(&mut buf).expect("the system's random source");
    buf.iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// A password good enough to set: at least 12 characters.
pub fn check_password(password: &str) -> Result<(), String> {
    if password.chars().count() < 12 {
        return Err("a password needs at least 12 characters".into());
    }
    Ok(())
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Why a user cannot use the server now, if they cannot.
pub fn barred(user: &User, today: &str, now_secs: i64) -> Option<String> {
    if user.disabled {
        return Some("this account is disabled; ask an admin".into());
    }
    if let Some(until) = user.locked_until.filter(|t| *t > now_secs) {
        let mins = (until - now_secs + 59) / 60;
        return Some(format!(
            "too many failed sign-ins: this account is locked for {mins} more minute{}",
            if mins == 1 { "" } else { "s" }
        ));
    }
    if let Some(last) = user.expires.as_deref().filter(|d| *d < today) {
        let who = if user.role == Role::Auditor {
            "your auditor access"
        } else {
            "this account"
        };
        return Some(format!("{who} ended on {last}; ask an admin to extend it"));
    }
    None
}

/// Failed sign-ins per client address, in memory.
#[derive(Default)]
pub struct Throttle {
    seen: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

impl Throttle {
    /// Whether the address may try now (`now` in Unix seconds).
    pub fn allows(&self, ip: IpAddr, now: i64) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        match seen.get(&ip) {
            Some((since, n)) if now - since < THROTTLE_SECS => *n < THROTTLE_AFTER,
            _ => true,
        }
    }

    /// Counts a failure from the address.
    pub fn failed(&self, ip: IpAddr, now: i64) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() > 100_000 {
            seen.retain(|_, (since, _)| now - *since < THROTTLE_SECS);
        }
        let e = seen.entry(ip).or_insert((now, 0));
        if now - e.0 >= THROTTLE_SECS {
            *e = (now, 0);
        }
        e.1 += 1;
    }

    /// A sign-in starts: whether the address may try, counting the try as a failure until
    /// [`Throttle::succeeded`] gives it back (one lock for both, so parallel tries are counted).
    pub fn begin(&self, ip: IpAddr, now: i64) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() > 100_000 {
            seen.retain(|_, (since, _)| now - *since < THROTTLE_SECS);
        }
        let e = seen.entry(ip).or_insert((now, 0));
        if now - e.0 >= THROTTLE_SECS {
            *e = (now, 0);
        }
        if e.1 >= THROTTLE_AFTER {
            return false;
        }
        e.1 += 1;
        true
    }

    /// The try that [`Throttle::begin`] counted succeeded.
    pub fn succeeded(&self, ip: IpAddr) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = seen.get_mut(&ip) {
            e.1 = e.1.saturating_sub(1);
        }
    }
}

/// A cookie's value from a `Cookie` header.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`, Secure over TLS; `max_age` in
/// seconds (0 removes it).
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_hash_only() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("", ""));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(h, hash_password("correct horse battery").unwrap(), "salted");
    }

    #[test]
    fn generated_passwords_pass_the_check_and_differ() {
        let (a, b) = (generate_password(), generate_password());
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
        assert!(check_password(&a).is_ok());
        assert!(check_password("short-pass1").is_err(), "11 characters");
        assert!(check_password("twelve-chars").is_ok(), "12 characters");
    }

    #[test]
    fn secrets_compare_whole_and_never_empty() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", ""));
    }

    #[test]
    fn the_throttle_refuses_the_eleventh_try_within_ten_minutes_only() {
        let t = Throttle::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..THROTTLE_AFTER {
            assert!(t.allows(ip, 1_000));
            t.failed(ip, 1_000);
        }
        assert!(!t.allows(ip, 1_000 + THROTTLE_SECS - 1));
        assert!(t.allows(ip, 1_000 + THROTTLE_SECS), "the window passed");
        assert!(
            t.allows("10.0.0.2".parse().unwrap(), 1_000),
            "another address"
        );
    }

    #[test]
    fn an_auditor_is_barred_the_day_after_their_last_day() {
        let u = User {
            email: "kim@audit.example".into(),
            name: String::new(),
            role: Role::Auditor,
            password: String::new(),
            disabled: false,
            expires: Some("2027-03-31".into()),
            failures: 0,
            locked_until: None,
            created_at: String::new(),
            created_by: String::new(),
        };
        assert_eq!(
            barred(&u, "2027-03-31", 0),
            None,
            "the last day still works"
        );
        assert_eq!(
            barred(&u, "2027-04-01", 0).as_deref(),
            Some("your auditor access ended on 2027-03-31; ask an admin to extend it")
        );
        let locked = User {
            locked_until: Some(120),
            ..u.clone()
        };
        assert!(
            barred(&locked, "2027-01-01", 60)
                .unwrap()
                .contains("locked for 1 more minute")
        );
        assert_eq!(
            barred(&locked, "2027-01-01", 120),
            None,
            "the lock has passed"
        );
        let off = User {
            disabled: true,
            ..u
        };
        assert!(barred(&off, "2027-01-01", 0).unwrap().contains("disabled"));
    }
}
