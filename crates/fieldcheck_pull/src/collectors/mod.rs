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

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::Planned;
use crate::http::{Auth, Http};
use crate::paging::{Listed, state_outcome};
use crate::session::{PullError, Session};
use crate::spec::{CallSpec, CollectorSpec};

/// The base URL of a collector: `base_url` when given, else `https://` and the `host_option`
/// (a host name, or a whole URL).
pub fn base_url(session: &Session<'_>, host_option: &str) -> Result<String, PullError> {
    if let Some(u) = session.option_str("base_url") {
        return Ok(u.trim_end_matches('/').to_string());
    }
    match session.option_str(host_option) {
        Some(h) if h.contains("://") => Ok(h.trim_end_matches('/').to_string()),
        Some(h) => Ok(format!("https://{}", h.trim_end_matches('/'))),
        None => Err(call_error(
            session.spec(),
            "base URL",
            format!("neither `{host_option}` nor `base_url` is set"),
            format!(
                "add `{host_option} = \"...\"` to the `{}` collector in fieldcheck.toml",
                session.spec().name
            ),
        )),
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
    authenticated(
        session,
        base,
        Auth {
            header,
            prefix,
            secret,
            env,
        },
    )
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
    authenticated(
        session,
        base,
        Auth {
            header: "Authorization",
            prefix: "Basic ",
            secret: credentials,
            env: shown,
        },
    )
}

/// An HTTP client for the session's collector sending `auth`, asking for JSON, with the retry
/// policy from the environment (and its test hook) and a clock that runs from the session's now.
pub fn authenticated(session: &Session<'_>, base: &str, auth: Auth) -> Result<Http, PullError> {
    let now = session.now();
    let started = std::time::Instant::now();
    Ok(Http::new(
        session.spec().name,
        base,
        Some(auth),
        session.retry_policy(),
    )?
    .with_header("Accept", "application/json")
    .with_clock(move || {
        let elapsed = jiff::SignedDuration::try_from(started.elapsed()).unwrap_or_default();
        now.checked_add(elapsed).unwrap_or(now)
    }))
}

/// A dry run's requests: `plan` given a client without credentials on `base`, or the spec's
/// requests as written when the base URL cannot be used.
pub fn plan_with(
    spec: &'static CollectorSpec,
    base: Result<String, PullError>,
    plan: impl FnOnce(&Http) -> Vec<Planned>,
) -> Vec<Planned> {
    match base.and_then(|b| Http::new(spec.name, &b, None, Default::default())) {
        Ok(http) => plan(&http),
        Err(_) => crate::spec_plan(spec),
    }
}

/// An error of `call` in the collector `spec` (a page not as the vendor documents it, an
/// option that cannot be used), with what to do.
pub fn call_error(
    spec: &CollectorSpec,
    call: &str,
    message: impl Into<String>,
    help: impl Into<String>,
) -> PullError {
    PullError::Call {
        collector: spec.name.into(),
        call: call.into(),
        message: message.into(),
        help: help.into(),
    }
}

/// A page of `call` read as JSON, or the error saying that this `what` page is not JSON, with
/// what to check.
pub fn json_page(
    spec: &CollectorSpec,
    call: &CallSpec,
    what: &str,
    body: &[u8],
    help: &str,
) -> Result<serde_json::Value, PullError> {
    serde_json::from_slice(body).map_err(|e| {
        call_error(
            spec,
            call.name,
            format!("a {what} page is not JSON ({e})"),
            help,
        )
    })
}

/// An on/off option: on unless it is set to `false`.
pub fn enabled(session: &Session<'_>, key: &str) -> bool {
    !matches!(
        session.option(key),
        Some(fieldcheck_kit::ConfigValue::Bool(false))
    )
}

/// A URL option (`base_url`, `login_url`) without its trailing `/`, else `default`.
pub fn url_option(session: &Session<'_>, key: &str, default: &str) -> String {
    session
        .option_str(key)
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| default.into())
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

/// A list option's strings (a single string is a list of one).
pub(crate) fn list_option(session: &Session<'_>, key: &str) -> Vec<String> {
    match session.option(key) {
        Some(fieldcheck_kit::ConfigValue::Str(s)) => vec![s.clone()],
        Some(fieldcheck_kit::ConfigValue::Array(a)) => a
            .iter()
            .filter_map(|v| match v {
                fieldcheck_kit::ConfigValue::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A name (`acme/api`, a sha, an id) as a folder below the collector's: each `/`-separated part
/// kept when it is letters, digits, `-`, `_` and `.` (not `.` or `..`), other characters
/// replaced by `_`.
pub(crate) fn folder(name: &str) -> String {
    name.split('/')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let s: String = p
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if s.chars().all(|c| c == '.') {
                s.replace('.', "_")
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Pages and bytes of a call made once per repository (or per item), recorded as one outcome.
#[derive(Default)]
pub(crate) struct Tally(BTreeMap<&'static str, Listed>);

impl Tally {
    /// Counts a listing of `call`.
    pub(crate) fn add(&mut self, call: &'static str, l: Listed) {
        let e = self.0.entry(call).or_default();
        e.pages += l.pages;
        e.bytes += l.bytes;
    }

    /// Pages and bytes of `call` so far.
    pub(crate) fn get(&self, call: &str) -> Listed {
        self.0.get(call).copied().unwrap_or_default()
    }

    /// Records one state outcome for each of `calls`, observed at `observed`.
    pub(crate) fn record(
        &self,
        session: &mut Session<'_>,
        calls: &[&CallSpec],
        observed: Timestamp,
    ) {
        for c in calls {
            session.outcome(state_outcome(c, self.get(c.name), observed));
        }
    }
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
