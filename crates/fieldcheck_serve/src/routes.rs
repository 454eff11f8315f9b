//! Every route, who may use it, and the one layer that enforces it.
//!
//! [`ROUTES`] is the access policy as data: the router is built from it, and the layer
//! ([`guard`]) looks the matched route up before any handler runs. A route without a row is
//! refused (500), and the authorization-matrix test fails on it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fieldcheck_register::access::{Role, Session, User};

pub use crate::auth::Ctx;

use crate::App;
use crate::auth;
use crate::pages;

/// Who may use a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user (signing out).
    SignedIn,
    /// Signed-in users of these roles.
    Roles(&'static [Role]),
}

/// A route and its policy.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    /// Changes state: needs the session's CSRF token.
    pub writes: bool,
}

const READERS: &[Role] = &[Role::Admin, Role::Owner, Role::Viewer];
const EVIDENCE_READERS: &[Role] = &[Role::Admin, Role::Owner, Role::Viewer, Role::Auditor];
const EDITORS: &[Role] = &[Role::Admin, Role::Owner];
const AUDITORS: &[Role] = &[Role::Admin, Role::Auditor];
const ADMINS: &[Role] = &[Role::Admin];

const fn r(method: &'static str, path: &'static str, access: Access) -> Route {
    Route {
        method,
        path,
        access,
        writes: matches!(method.as_bytes(), b"POST"),
    }
}

/// Every route. An owner's edits are further limited to the exceptions and requests assigned to
/// them (checked in the handler, against the register).
pub const ROUTES: &[Route] = &[
    r("GET", "/healthz", Access::Public),
    r("GET", "/static/app.css", Access::Public),
    r("GET", "/login", Access::Public),
    r("POST", "/login", Access::Public),
    r("POST", "/logout", Access::SignedIn),
    r("GET", "/account", Access::SignedIn),
    r("POST", "/account", Access::SignedIn),
    r("GET", "/", Access::Roles(READERS)),
    r("GET", "/controls/{id}", Access::Roles(EVIDENCE_READERS)),
    r("GET", "/evidence/{*file}", Access::Roles(EVIDENCE_READERS)),
    r("GET", "/exceptions", Access::Roles(READERS)),
    r("GET", "/exceptions/{*id}", Access::Roles(READERS)),
    r("POST", "/exceptions/{*id}", Access::Roles(EDITORS)),
    r("GET", "/me", Access::Roles(READERS)),
    r("POST", "/requests/{id}", Access::Roles(EDITORS)),
    r("GET", "/report", Access::Roles(READERS)),
    r("GET", "/auditor", Access::Roles(EVIDENCE_READERS)),
    r("POST", "/auditor/requests", Access::Roles(AUDITORS)),
    r("GET", "/runs", Access::Roles(READERS)),
    r("GET", "/admin/users", Access::Roles(ADMINS)),
    r("POST", "/admin/users", Access::Roles(ADMINS)),
];

/// The router: every row of [`ROUTES`] with its handler, behind [`guard`] and the security
/// headers.
pub fn router(app: Arc<App>) -> Router {
    let mut router = Router::new();
    for route in ROUTES {
        let handler = match (route.method, route.path) {
            ("GET", "/healthz") => get(|| async { "ok\n" }),
            ("GET", "/static/app.css") => get(pages::css),
            ("GET", "/login") => get(pages::login_page),
            ("POST", "/login") => post(pages::login),
            ("POST", "/logout") => post(pages::logout),
            ("GET", "/account") => get(pages::account_page),
            ("POST", "/account") => post(pages::account),
            ("GET", "/") => get(pages::overview),
            ("GET", "/controls/{id}") => get(pages::control),
            ("GET", "/evidence/{*file}") => get(pages::evidence),
            ("GET", "/exceptions") => get(pages::exceptions),
            ("GET", "/exceptions/{*id}") => get(pages::exception),
            ("POST", "/exceptions/{*id}") => post(pages::change_exception),
            ("GET", "/me") => get(pages::me),
            ("POST", "/requests/{id}") => post(pages::answer_request),
            ("GET", "/report") => get(pages::report),
            ("GET", "/auditor") => get(pages::auditor),
            ("POST", "/auditor/requests") => post(pages::file_request),
            ("GET", "/runs") => get(pages::runs),
            ("GET", "/admin/users") => get(pages::users_page),
            ("POST", "/admin/users") => post(pages::change_users),
            (m, p) => panic!("route {m} {p} has no handler"),
        };
        router = router.route(route.path, handler);
    }
    router
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// The largest form accepted.
const BODY_LIMIT: usize = 64 * 1024;

/// Looks up the route's policy, resolves the user, checks role, expiry and CSRF, then runs the
/// handler with the [`Ctx`]; sets the security headers on every response.
pub async fn guard(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = check(app, peer, req, next).await;
    secure_headers(res.headers_mut());
    res
}

async fn check(app: Arc<App>, peer: SocketAddr, req: Request, next: Next) -> Response {
    app.served
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let method = req.method().clone();
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let Some(path) = matched else {
        // No route matched: the fallback's 404, for anyone.
        return next.run(req).await;
    };
    // A GET route answers HEAD too (axum runs the GET handler): the same policy applies.
    let asked = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    let Some(route) = ROUTES.iter().find(|r| r.path == path && r.method == asked) else {
        if ROUTES.iter().any(|r| r.path == path) {
            // The route exists for another method: the router answers 405.
            return next.run(req).await;
        }
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("route {method} {path} has no access policy"),
        )
            .into_response();
    };
    let from_proxy = app.opts.trusted_proxies.contains(&peer.ip());
    let tls = from_proxy
        && req
            .headers()
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes() == b"https");
    let now = app.now();
    let today = app.today();
    let (mut user, mut session) =
        match identify(&app, req.headers(), from_proxy, now.as_second()).await {
            Ok(v) => v,
            Err(r) => return r,
        };
    // A signed-in user who may no longer use the server (disabled, expired, locked) is signed
    // out: refused with the reason, or anonymous on a public page.
    if let Some(why) = user
        .as_ref()
        .and_then(|u| auth::barred(u, &today, now.as_second()))
    {
        if let Some(s) = &session {
            let hash = s.token_hash.clone();
            let _ = app.db(move |reg| reg.end_session(&hash)).await;
        }
        if route.access != Access::Public {
            return pages::refused(StatusCode::FORBIDDEN, &why, None);
        }
        user = None;
        session = None;
    }
    let csrf = match (&session, &user) {
        (Some(s), _) => s.csrf.clone(),
        (None, Some(u)) => auth::token_hash(&format!("{}\n{}", app.sso_secret, u.email)),
        (None, None) => String::new(),
    };
    let ctx = Ctx {
        user,
        csrf,
        session,
        ip: client_ip(req.headers(), peer.ip(), from_proxy),
        tls,
    };
    let allowed = match route.access {
        Access::Public => true,
        Access::SignedIn => ctx.user.is_some(),
        Access::Roles(roles) => ctx.role().is_some_and(|r| roles.contains(&r)),
    };
    if !allowed {
        if ctx.user.is_none() {
            if method == Method::GET {
                let to = req.uri().path_and_query().map_or("/", |p| p.as_str());
                return pages::to_login(to);
            }
            return pages::refused(StatusCode::UNAUTHORIZED, "sign in first", None);
        }
        return pages::refused(
            StatusCode::FORBIDDEN,
            &format!(
                "the {} role cannot {} this page",
                ctx.role().map_or("", |r| r.as_str()),
                if route.writes { "change" } else { "read" }
            ),
            Some(&ctx),
        );
    }
    let mut req = req;
    if route.writes && route.path != "/login" {
        // The CSRF token: the form's `csrf` field must be the session's.
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
            Ok(b) => b,
            Err(_) => {
                return pages::refused(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "the form is too large",
                    Some(&ctx),
                );
            }
        };
        let given = form_field(&bytes, "csrf").unwrap_or_default();
        if !auth::same_secret(&given, &ctx.csrf) {
            return pages::refused(
                StatusCode::FORBIDDEN,
                "the form's security token is missing or stale: reload the page and try again",
                Some(&ctx),
            );
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    if let Some(s) = &ctx.session {
        let hash = s.token_hash.clone();
        let at = now.as_second();
        // Touch at most once a minute.
        if at - s.seen_at >= 60 {
            let _ = app.db(move |reg| reg.touch_session(&hash, at)).await;
        }
    }
    req.extensions_mut().insert(ctx);
    next.run(req).await
}

/// The user: from the SSO proxy's header when trusted, else from the session cookie.
async fn identify(
    app: &Arc<App>,
    headers: &HeaderMap,
    from_proxy: bool,
    now: i64,
) -> Result<(Option<User>, Option<Session>), Response> {
    if let (Some(h), true) = (&app.opts.trust_header, from_proxy)
        && let Some(email) = headers.get(h.as_str()).and_then(|v| v.to_str().ok())
    {
        {
            let email = email.trim().to_lowercase();
            let user = app
                .db(move |reg| reg.user(&email))
                .await
                .map_err(|e| pages::failed(&e))?;
            return match user {
                Some(u) => Ok((Some(u), None)),
                None => Err(pages::refused(
                    StatusCode::FORBIDDEN,
                    "the proxy signed you in, but you have no account here; ask an admin to add you",
                    None,
                )),
            };
        }
    }
    let Some(token) = auth::cookie(headers, auth::SESSION_COOKIE) else {
        return Ok((None, None));
    };
    let hash = auth::token_hash(token);
    let found = app
        .db(move |reg| {
            let Some(s) = reg.session(&hash)? else {
                return Ok(None);
            };
            if now - s.seen_at > auth::IDLE_SECS || now - s.created_at > auth::MAX_SECS {
                reg.end_session(&s.token_hash)?;
                return Ok(None);
            }
            Ok(reg.user(&s.email)?.map(|u| (u, s)))
        })
        .await
        .map_err(|e| pages::failed(&e))?;
    Ok(match found {
        Some((u, s)) => (Some(u), Some(s)),
        None => (None, None),
    })
}

/// The client's address: the peer's, or behind a trusted proxy the last address of its
/// `X-Forwarded-For` (the one the proxy itself saw), so that throttling counts clients, not the
/// proxy.
fn client_ip(headers: &HeaderMap, peer: IpAddr, from_proxy: bool) -> IpAddr {
    if !from_proxy {
        return peer;
    }
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(peer)
}

/// One field of a URL-encoded form.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    url_pairs(body).find(|(k, _)| k == name).map(|(_, v)| v)
}

fn url_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(|b| *b == b'&').filter_map(|kv| {
        let mut it = kv.splitn(2, |b| *b == b'=');
        let k = decode(it.next()?)?;
        let v = decode(it.next().unwrap_or_default())?;
        Some((k, v))
    })
}

fn decode(s: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The headers every response carries: a strict Content-Security-Policy (no script at all;
/// styles and images only from this server), no framing, no sniffing, no referrer, no caching of
/// pages. `/report` (the committee's self-contained document with its inline style) sets its own
/// policy, which is kept.
fn secure_headers(h: &mut HeaderMap) {
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_unique_and_writes_only_by_post() {
        let mut seen = std::collections::BTreeSet::new();
        for r in ROUTES {
            assert!(
                seen.insert((r.method, r.path)),
                "{} {} twice",
                r.method,
                r.path
            );
            assert_eq!(r.writes, r.method == "POST");
            assert!(matches!(r.method, "GET" | "POST"));
        }
    }

    #[test]
    fn forms_decode_plus_and_percent_escapes() {
        let body = b"csrf=ab%2Fc&why=fix+it%21&empty=&bad=%zz&x";
        assert_eq!(form_field(body, "csrf").as_deref(), Some("ab/c"));
        assert_eq!(form_field(body, "why").as_deref(), Some("fix it!"));
        assert_eq!(form_field(body, "empty").as_deref(), Some(""));
        assert_eq!(form_field(body, "bad"), None);
        assert_eq!(form_field(body, "x").as_deref(), Some(""));
        assert_eq!(form_field(b"a=%4", "a"), None, "a cut escape");
    }
}
