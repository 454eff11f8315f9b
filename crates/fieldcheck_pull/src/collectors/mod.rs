//! The HTTP collectors, and what they share: the base URL (`base_url`, else from the
//! collector's own option such as Okta's `domain`) and the token.

pub mod entra;
pub mod github;
pub mod gitlab;
pub mod okta;

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
