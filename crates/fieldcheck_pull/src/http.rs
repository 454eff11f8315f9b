//! The HTTP client the HTTP collectors share: timeouts, bounded retries with backoff for rate
//! limits (`429` with `Retry-After`, `X-RateLimit-*`, Okta's `x-rate-limit-*`, Graph throttling)
//! and server errors (`5xx`), and a clear error for a refused token that names the scope the call
//! needs and never echoes the token.
//!
//! A response is read whole (one page at a time: memory is bounded by one page) and handed back
//! with its status, headers and attempts; [`crate::paging`] writes it to the stage.

use std::time::Duration;

use jiff::Timestamp;
use ureq::http::HeaderMap;

use crate::error::PullError;
use crate::secrets::Secret;
use crate::spec::CallSpec;

/// The largest page read (a bigger one is an error, not an unbounded allocation).
pub const MAX_PAGE_BYTES: u64 = 256 << 20;

/// How waiting and retrying go.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// The first backoff after a server error or a broken connection; doubled each attempt.
    pub backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// The longest wait a rate limit may ask for; a longer one stops the pull with a clear error.
    pub max_wait: Duration,
    /// Test hook: every wait is cut to this (`FIELDCHECK_PULL_MAX_WAIT_MS`), so that tests of
    /// `Retry-After` and backoff run in milliseconds.
    pub cap: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_wait: Duration::from_secs(300),
            cap: None,
        }
    }
}

impl RetryPolicy {
    /// The default policy, with the test hook `FIELDCHECK_PULL_MAX_WAIT_MS` read from the
    /// environment.
    pub fn from_env() -> Self {
        let cap = std::env::var("FIELDCHECK_PULL_MAX_WAIT_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis);
        RetryPolicy {
            cap,
            ..RetryPolicy::default()
        }
    }

    fn sleep(&self, d: Duration) {
        let d = self.cap.map_or(d, |c| d.min(c));
        if !d.is_zero() {
            std::thread::sleep(d);
        }
    }

    fn backoff_for(&self, attempt: u32) -> Duration {
        let f = 1u32 << (attempt.saturating_sub(1)).min(16);
        (self.backoff * f).min(self.max_backoff)
    }
}

/// A response read whole.
#[derive(Debug)]
pub struct Response {
    /// The URL requested (never holding a secret: tokens go in headers).
    pub url: String,
    /// When the successful attempt was sent.
    pub at: Timestamp,
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body, as received (after the transfer's content encoding is undone).
    pub body: Vec<u8>,
    /// Attempts it took.
    pub attempts: u32,
}

/// How the token is sent.
#[derive(Clone, Debug)]
pub struct Auth {
    /// The header (`Authorization`).
    pub header: &'static str,
    /// What precedes the token in it (`SSWS `, `Bearer `).
    pub prefix: &'static str,
    /// The token.
    pub secret: Secret,
    /// Where it came from (`OKTA_API_TOKEN`), for messages.
    pub env: &'static str,
}

/// An HTTP client for one collector and one base URL.
pub struct Http {
    agent: ureq::Agent,
    collector: &'static str,
    origin: String,
    base: String,
    auth: Option<Auth>,
    policy: RetryPolicy,
    clock: Box<dyn Fn() -> Timestamp>,
    extra_headers: Vec<(&'static str, String)>,
}

/// Whether `url` may carry a token: `https://`, or `http://` to this machine (tests).
fn check_base(url: &str) -> Result<(String, String), String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("`{url}` is not a URL (write `https://host`)"))?;
    let host_port = rest.split('/').next().unwrap_or("");
    if host_port.is_empty() || host_port.contains('@') {
        return Err(format!("`{url}` has no host (or carries credentials)"));
    }
    let host = if host_port.starts_with('[') {
        host_port.split_inclusive(']').next().unwrap_or(host_port)
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    match scheme {
        "https" => {}
        "http" if matches!(host, "127.0.0.1" | "localhost" | "[::1]") => {}
        _ => {
            return Err(format!(
                "`{url}`: only `https://` URLs are used (plain `http://` only to this machine), so that a token never crosses a network in clear"
            ));
        }
    }
    let origin = format!("{scheme}://{host_port}");
    let base = url.trim_end_matches('/').to_string();
    Ok((origin, base))
}

impl Http {
    /// A client for `collector` at `base` (`https://acme.okta.com`), sending `auth` with every
    /// request. The base is an option of every HTTP collector (`base_url`), so that tests point
    /// it at `http://127.0.0.1:PORT`.
    pub fn new(
        collector: &'static str,
        base: &str,
        auth: Option<Auth>,
        policy: RetryPolicy,
    ) -> Result<Http, PullError> {
        let (origin, base) = check_base(base).map_err(|m| PullError::Call {
            collector: collector.into(),
            call: "base URL".into(),
            message: m,
            help: "fix the collector's `domain` or `base_url` in fieldcheck.toml".into(),
        })?;
        let timeout = |var: &str, default: u64| {
            Duration::from_millis(
                std::env::var(var)
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(default),
            )
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(timeout("FIELDCHECK_PULL_TIMEOUT_MS", 120_000)))
            .timeout_recv_body(Some(Duration::from_secs(600)))
            .user_agent(concat!("fieldcheck/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Http {
            agent: config.into(),
            collector,
            origin,
            base,
            auth,
            policy,
            clock: Box::new(Timestamp::now),
            extra_headers: Vec::new(),
        })
    }

    /// Sends this header with every request too (`Accept: application/json`).
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra_headers.push((name, value.into()));
        self
    }

    /// Reads times from `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: impl Fn() -> Timestamp + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// The base URL, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `path` (`/api/v1/users`) with `query` on the base URL, percent-encoded.
    pub fn url(&self, path: &str, query: &[(&str, String)]) -> String {
        let mut u = format!("{}{}", self.base, path);
        for (i, (k, v)) in query.iter().enumerate() {
            u.push(if i == 0 { '?' } else { '&' });
            u.push_str(&encode(k));
            u.push('=');
            u.push_str(&encode(v));
        }
        u
    }

    /// Resolves a next-page link against the base, refusing one on another origin (the token
    /// would follow it).
    pub fn resolve(&self, call: &CallSpec, link: &str) -> Result<String, PullError> {
        if link.starts_with('/') {
            return Ok(format!("{}{link}", self.origin));
        }
        let same = link == self.origin
            || link
                .strip_prefix(&self.origin)
                .is_some_and(|r| r.starts_with('/') || r.starts_with('?'));
        if same {
            Ok(link.to_string())
        } else {
            Err(self.error(
                call,
                format!(
                    "the next page is on another site (`{link}`), which would receive the token"
                ),
                "check `base_url`: it must be the site the API's own links point at".into(),
            ))
        }
    }

    fn error(&self, call: &CallSpec, message: String, help: String) -> PullError {
        PullError::Call {
            collector: self.collector.into(),
            call: call.name.into(),
            message: self.redact(&message),
            help: self.redact(&help),
        }
    }

    /// `text` without the token.
    pub fn redact(&self, text: &str) -> String {
        match &self.auth {
            Some(a) if !a.secret.expose().is_empty() => {
                text.replace(a.secret.expose(), "<redacted>")
            }
            _ => text.to_string(),
        }
    }

    /// `GET url`, with retries: waits as a `429` asks (`Retry-After`, else the rate limit's reset
    /// time), backs off after a `5xx` or a broken connection, and stops after
    /// [`RetryPolicy::max_attempts`]. A `401`/`403` is an error naming `call.scope` (but a `403`
    /// with `x-ratelimit-remaining: 0` or `retry-after` is a spent rate limit, waited for).
    pub fn get(&self, call: &CallSpec, url: &str) -> Result<Response, PullError> {
        self.send(call, url, None)
    }

    /// `POST url` with a JSON `body` (a report request such as BambooHR's custom report), with
    /// the same retries and errors as [`Http::get`].
    pub fn post_json(
        &self,
        call: &CallSpec,
        url: &str,
        body: &[u8],
    ) -> Result<Response, PullError> {
        self.send(call, url, Some(body))
    }

    fn with_headers<B>(&self, mut req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        if let Some(a) = &self.auth {
            req = req.header(a.header, format!("{}{}", a.prefix, a.secret.expose()));
        }
        for (k, v) in &self.extra_headers {
            req = req.header(*k, v.as_str());
        }
        req
    }

    fn send(
        &self,
        call: &CallSpec,
        url: &str,
        payload: Option<&[u8]>,
    ) -> Result<Response, PullError> {
        let method = if payload.is_some() { "POST" } else { "GET" };
        let mut last = String::new();
        for attempt in 1..=self.policy.max_attempts {
            let at = (self.clock)();
            let sent = match payload {
                None => self.with_headers(self.agent.get(url)).call(),
                Some(b) => self
                    .with_headers(self.agent.post(url))
                    .header("Content-Type", "application/json")
                    .send(b),
            };
            let mut resp = match sent {
                Ok(r) => r,
                Err(e) => {
                    last = format!("{method} {url}: {e}");
                    if matches!(
                        e,
                        ureq::Error::Io(_)
                            | ureq::Error::Timeout(_)
                            | ureq::Error::ConnectionFailed
                            | ureq::Error::Protocol(_)
                            | ureq::Error::HostNotFound
                    ) && attempt < self.policy.max_attempts
                    {
                        self.policy.sleep(self.policy.backoff_for(attempt));
                        continue;
                    }
                    break;
                }
            };
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            // GitHub answers a spent primary rate limit with `403` and
            // `x-ratelimit-remaining: 0` (or `retry-after`), not a missing permission.
            let limited_403 = status == 403
                && (remaining(&headers) == Some(0) || headers.contains_key("retry-after"));
            if status == 429 || status >= 500 || limited_403 {
                // Drain a little of the body so that the connection can be reused.
                let summary = error_summary(
                    &resp
                        .body_mut()
                        .with_config()
                        .limit(64 << 10)
                        .read_to_vec()
                        .unwrap_or_default(),
                );
                last = format!("{method} {url} answered {status}{summary}");
                if attempt == self.policy.max_attempts {
                    break;
                }
                let wait = wait_for(&headers, (self.clock)())
                    .unwrap_or_else(|| self.policy.backoff_for(attempt));
                if wait > self.policy.max_wait {
                    return Err(self.error(
                        call,
                        format!(
                            "rate limited: the API asks to wait {} s before the next request (`{}`)",
                            wait.as_secs(),
                            url
                        ),
                        "run the pull again later, or raise the API's rate limit for this token"
                            .into(),
                    ));
                }
                self.policy.sleep(wait);
                continue;
            }
            let body = resp
                .body_mut()
                .with_config()
                .limit(MAX_PAGE_BYTES)
                .read_to_vec();
            let body = match body {
                Ok(b) => b,
                Err(e) => {
                    last = format!("{method} {url}: reading the answer: {e}");
                    if attempt < self.policy.max_attempts {
                        self.policy.sleep(self.policy.backoff_for(attempt));
                        continue;
                    }
                    break;
                }
            };
            if status == 401 || status == 403 {
                let env = self.auth.as_ref().map_or("the token", |a| a.env);
                let what = if status == 401 {
                    "the token was refused (expired, revoked, or for another org)"
                } else {
                    "the token lacks a permission this call needs"
                };
                return Err(self.error(
                    call,
                    format!(
                        "{method} {url} answered {status}: {what}{}",
                        error_summary(&body)
                    ),
                    format!(
                        "give `{env}` a valid token with `{}`: the `{}` call (`{}`) needs it",
                        call.scope, call.name, call.request
                    ),
                ));
            }
            if !(200..300).contains(&status) {
                return Err(self.error(
                    call,
                    format!("{method} {url} answered {status}{}", error_summary(&body)),
                    if (300..400).contains(&status) {
                        "the API redirected the request: check `domain` or `base_url` (the API's own address, not a sign-in page)".into()
                    } else {
                        format!("check the collector's options; the call is `{}`", call.request)
                    },
                ));
            }
            // A rate limit spent: wait for its reset before the next request.
            if remaining(&headers) == Some(0)
                && let Some(w) = reset_wait(&headers, (self.clock)())
                && w <= self.policy.max_wait
            {
                self.policy.sleep(w);
            }
            return Ok(Response {
                url: url.to_string(),
                at,
                status,
                headers,
                body,
                attempts: attempt,
            });
        }
        Err(self.error(
            call,
            format!(
                "gave up after {} attempts: {last}",
                self.policy.max_attempts
            ),
            "the API kept failing or rate limiting; run the pull again later".into(),
        ))
    }
}

fn header<'h>(h: &'h HeaderMap, names: &[&str]) -> Option<&'h str> {
    names
        .iter()
        .find_map(|n| h.get(*n).and_then(|v| v.to_str().ok()))
        .map(str::trim)
}

/// What a rate-limited answer asks: `Retry-After` (seconds or an HTTP date), else the reset
/// time of the rate limit (`X-RateLimit-Reset`, Okta's `X-Rate-Limit-Reset`: epoch seconds).
pub fn wait_for(h: &HeaderMap, now: Timestamp) -> Option<Duration> {
    if let Some(v) = header(h, &["retry-after"]) {
        if let Ok(s) = v.parse::<u64>() {
            return Some(Duration::from_secs(s));
        }
        if let Ok(z) = jiff::fmt::rfc2822::parse(v) {
            let d = z.timestamp().duration_since(now);
            return Some(Duration::from_secs(d.as_secs().max(0) as u64));
        }
    }
    reset_wait(h, now)
}

fn remaining(h: &HeaderMap) -> Option<u64> {
    header(h, &["x-rate-limit-remaining", "x-ratelimit-remaining"])?
        .parse()
        .ok()
}

fn reset_wait(h: &HeaderMap, now: Timestamp) -> Option<Duration> {
    let reset: i64 = header(h, &["x-rate-limit-reset", "x-ratelimit-reset"])?
        .parse()
        .ok()?;
    // Epoch seconds (Okta, GitHub); a small number is seconds to wait (some APIs).
    let secs = if reset > 1_000_000_000 {
        reset - now.as_second() + 1
    } else {
        reset
    };
    Some(Duration::from_secs(secs.max(0) as u64))
}

/// The API's own words about an error (`errorSummary`, `error.message`, `message`), short.
fn error_summary(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return String::new();
    };
    let pick = |p: &str| v.pointer(p).and_then(|x| x.as_str()).map(str::to_string);
    let code = pick("/errorCode")
        .or_else(|| pick("/error/code"))
        .or_else(|| pick("/error"));
    let text = pick("/errorSummary")
        .or_else(|| pick("/error/message"))
        .or_else(|| pick("/message"))
        .or_else(|| pick("/error_description"));
    let mut s = match (code, text) {
        (Some(c), Some(t)) => format!(" ({c}: {t})"),
        (None, Some(t)) | (Some(t), None) => format!(" ({t})"),
        (None, None) => String::new(),
    };
    if s.len() > 300 {
        let mut cut = 300;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("…)");
    }
    s
}

/// Percent-encodes a query component (RFC 3986 unreserved characters kept).
pub fn encode(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// Decodes a percent-encoded query component (`+` is a space).
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(x) => {
                        out.push(x);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The request line of a URL for a retrieval record (`GET https://acme.okta.com/api/v1/users`)
/// and its query parameters, decoded.
pub fn request_and_params(url: &str) -> (String, std::collections::BTreeMap<String, String>) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let params = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    (format!("GET {path}"), params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_decodes_query_values() {
        let v = "status eq \"DEPROVISIONED\"";
        assert_eq!(encode(v), "status%20eq%20%22DEPROVISIONED%22");
        assert_eq!(decode(&encode(v)), v);
        assert_eq!(decode("a+b%2"), "a b%2");
    }

    #[test]
    fn only_https_or_this_machine_carries_a_token() {
        assert!(check_base("https://acme.okta.com").is_ok());
        assert!(check_base("http://127.0.0.1:8080/").is_ok());
        assert!(check_base("http://acme.okta.com").is_err());
        assert!(check_base("https://user:pw@acme.okta.com").is_err());
        assert!(check_base("acme.okta.com").is_err());
    }

    #[test]
    fn waits_as_the_answer_asks() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(wait_for(&h, now), Some(Duration::from_secs(7)));
        let mut h = HeaderMap::new();
        h.insert(
            "retry-after",
            "Thu, 01 Jan 2026 00:00:30 GMT".parse().unwrap(),
        );
        assert_eq!(wait_for(&h, now), Some(Duration::from_secs(30)));
        let mut h = HeaderMap::new();
        h.insert(
            "x-rate-limit-reset",
            (now.as_second() + 9).to_string().parse().unwrap(),
        );
        assert_eq!(wait_for(&h, now), Some(Duration::from_secs(10)));
        assert_eq!(wait_for(&HeaderMap::new(), now), None);
    }

    #[test]
    fn error_summaries_come_from_the_apis_own_words() {
        let okta = br#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"oaeXYZ","errorCauses":[]}"#;
        assert_eq!(error_summary(okta), " (E0000011: Invalid token provided)");
        let graph = br#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}"#;
        assert_eq!(
            error_summary(graph),
            " (InvalidAuthenticationToken: Access token has expired.)"
        );
        assert_eq!(error_summary(b"<html>"), "");
    }
}
