//! The HTTP collectors, and what they share: the base URL (`base_url`, else from the
//! collector's own option such as Okta's `domain`) and the token.

pub mod entra;
pub mod github;
pub mod gitlab;

pub mod bamboohr;
pub mod jira;
pub mod knowbe4;
pub mod okta;
pub mod workday;

use crate::http::{Auth, Http};
use crate::session::{PullError, Session};

/// The base URL of a collector: `base_url` when given, else `https://` and the `host_option`
/// (a host name, or a whole URL).
pub fn base_url(session: &Session<'_>, host_option: &str) -> Result<String, PullError> {
    if let Some(u) = session.option_str("base_url") {
        return Ok(u.trim_end_matches('/').to_string());
    }
    match session.option_str(host_option) {
        Some(h) if h.contains("://") => Ok(h.trim_end_matches('/').to_string()),
        Some(h) => Ok(format!("https://{}", h.trim_end_matches('/'))),
        None => Err(PullError::Call {
            collector: session.spec().name.into(),
            call: "base URL".into(),
            message: format!("neither `{host_option}` nor `base_url` is set"),
            help: format!(
                "add `{host_option} = \"...\"` to the `{}` collector in fieldcheck.toml",
                session.spec().name
            ),
        }),
    }
}

/// An HTTP client for the session's collector, sending the token from `env` in `header` after
/// `prefix`, with the retry policy from the environment (and its test hook).
pub fn client(
    session: &Session<'_>,
    base: &str,
    env: &'static str,
    header: &'static str,
    prefix: &'static str,
) -> Result<Http, PullError> {
    let secret = session.secret(env)?.clone();
    let now = session.now();
    let started = std::time::Instant::now();
    Ok(Http::new(
        session.spec().name,
        base,
        Some(Auth {
            header,
            prefix,
            secret,
            env,
        }),
        session.retry_policy(),
    )?
    .with_header("Accept", "application/json")
    .with_clock(move || {
        let elapsed = jiff::SignedDuration::try_from(started.elapsed()).unwrap_or_default();
        now.checked_add(elapsed).unwrap_or(now)
    }))
}

/// An HTTP client sending HTTP basic authentication (RFC 7617): `user` and `password` read
/// from the secrets `user_env` and `password_env` (a `password_env` of `None`: the user alone,
/// with the password `x`, as BambooHR's API keys are sent). `shown` names the secrets in
/// messages (`JIRA_EMAIL and JIRA_API_TOKEN`).
pub fn basic_client(
    session: &Session<'_>,
    base: &str,
    user_env: &'static str,
    password_env: Option<&'static str>,
    shown: &'static str,
) -> Result<Http, PullError> {
    let user = session.secret(user_env)?.expose();
    let password = match password_env {
        Some(p) => session.secret(p)?.expose(),
        None => "x",
    };
    let credentials = crate::session::Secret::new(base64(format!("{user}:{password}").as_bytes()));
    let now = session.now();
    let started = std::time::Instant::now();
    Ok(Http::new(
        session.spec().name,
        base,
        Some(Auth {
            header: "Authorization",
            prefix: "Basic ",
            secret: credentials,
            env: shown,
        }),
        session.retry_policy(),
    )?
    .with_header("Accept", "application/json")
    .with_clock(move || {
        let elapsed = jiff::SignedDuration::try_from(started.elapsed()).unwrap_or_default();
        now.checked_add(elapsed).unwrap_or(now)
    }))
}

/// Standard base64 with padding (RFC 4648), for basic authentication.
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut o = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= c.len() {
                o.push(T[((n >> shift) & 63) as usize] as char);
            } else {
                o.push('=');
            }
        }
    }
    o
}

/// A string usable as one folder name (ids of the vendor's objects: letters, digits, `-`, `_`;
/// anything else becomes `_`).
pub fn folder_safe(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A request line and its parameters for `--dry-run`.
pub fn planned(call: &'static crate::CallSpec, url: &str) -> crate::Planned {
    let (request, params) = crate::http::request_and_params(url);
    crate::Planned {
        call: call.name,
        request,
        params,
        scope: call.scope,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_as_rfc_4648_gives_it() {
        // RFC 4648 section 10's test vectors, and RFC 7617's example credentials.
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ] {
            assert_eq!(super::base64(i.as_bytes()), o);
        }
    }
}
