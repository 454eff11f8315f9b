//! The pages: server-rendered HTML (maud escapes every interpolated value), one stylesheet, no
//! script. Each handler reads the audit held in [`App`] and the register, and changes the
//! register only through its calls, as the signed-in user.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use fieldcheck_engine::report::{committee, conclusion_label, html as report_html, percent};
use fieldcheck_kit::{count, thousands};
use fieldcheck_register::access::{NewUser, RequestStatus, Role};
use fieldcheck_register::{Error, Exception, ExceptionStatus, Filter};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;

use crate::App;
use crate::auth;
use crate::auth::Ctx;

type AppState = State<Arc<App>>;

/// A kit file's header line (when the excerpt starts below it) and the numbered lines shown.
type Lines = (Option<String>, Vec<(u32, String)>);

/// Exceptions per page of `/exceptions`.
pub const PAGE: usize = 50;
/// Deviations shown per test on a control's page (the rest are a link to the register).
pub const DEVIATIONS_SHOWN: usize = 100;

const CSS: &str = include_str!("app.css");

pub async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// A whole page: the header with what the user's role may open, then `body`.
fn page(ctx: Option<&Ctx>, title: &str, body: Markup) -> Html<String> {
    let role = ctx.and_then(Ctx::role);
    let links: &[(&str, &str)] = match role {
        Some(Role::Admin) => &[
            ("/", "Overview"),
            ("/exceptions", "Exceptions"),
            ("/me", "My work"),
            ("/runs", "Runs"),
            ("/report", "Committee report"),
            ("/auditor", "Auditor"),
            ("/admin/users", "Users"),
        ],
        Some(Role::Owner) | Some(Role::Viewer) => &[
            ("/", "Overview"),
            ("/exceptions", "Exceptions"),
            ("/me", "My work"),
            ("/runs", "Runs"),
            ("/report", "Committee report"),
            ("/auditor", "Auditor"),
        ],
        Some(Role::Auditor) => &[("/auditor", "Auditor's portal")],
        None => &[],
    };
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · fieldcheck" }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                header {
                    a.brand href="/" { "fieldcheck" }
                    nav { @for (href, label) in links { a href=(href) { (label) } } }
                    @if let Some(c) = ctx.filter(|c| c.user.is_some()) {
                        div.who {
                            a href="/account" { (c.email()) }
                            " · " (c.role().map_or("", |r| r.as_str())) " "
                            @if c.session.is_some() {
                                form method="post" action="/logout" {
                                    input type="hidden" name="csrf" value=(c.csrf);
                                    button.link type="submit" { "Sign out" }
                                }
                            }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    };
    Html(markup.into_string())
}

fn csrf_field(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.csrf); }
}

/// A refusal page with its status.
pub fn refused(status: StatusCode, why: &str, ctx: Option<&Ctx>) -> Response {
    let title = match status {
        StatusCode::UNAUTHORIZED => "Sign in first",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::CONFLICT => "Changed meanwhile",
        StatusCode::TOO_MANY_REQUESTS => "Too many tries",
        _ => "Refused",
    };
    (status, page(ctx, title, html! { p.error { (why) } })).into_response()
}

/// A register failure: a refusal (400) or the database (500).
pub fn failed(e: &Error) -> Response {
    let status = match e {
        Error::Db(_) => StatusCode::INTERNAL_SERVER_ERROR,
        Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::Refused(_) => StatusCode::BAD_REQUEST,
    };
    refused(status, &e.to_string(), None)
}

pub fn to_login(next: &str) -> Response {
    let to = format!("/login?next={}", encode(next));
    Redirect::to(&to).into_response()
}

pub async fn not_found() -> Response {
    refused(StatusCode::NOT_FOUND, "there is no such page", None)
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A local path to go back to after sign-in (never another site).
fn local(next: Option<&str>) -> String {
    match next {
        // Printable ASCII only: a browser drops tabs and newlines from a URL, so `/\t/evil`
        // would become `//evil`, another site.
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// An argon2id hash made on a blocking thread (it takes tens of milliseconds by design).
async fn hash_off_thread(password: String) -> Option<String> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .ok()?
        .ok()
}

/// A password checked on a blocking thread.
async fn verify_off_thread(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

// ---- sign-in -------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

pub async fn login_page(Extension(ctx): Extension<Ctx>, Query(q): Query<Next>) -> Response {
    if ctx.user.is_some() {
        return Redirect::to(&local(q.next.as_deref())).into_response();
    }
    login_form(&ctx, q.next.as_deref(), None, StatusCode::OK)
}

fn login_form(ctx: &Ctx, next: Option<&str>, error: Option<&str>, status: StatusCode) -> Response {
    let pre = auth::random_hex(16);
    let body = html! {
        @if let Some(e) = error { p.error { (e) } }
        form.stack method="post" action="/login" {
            input type="hidden" name="csrf" value=(pre);
            input type="hidden" name="next" value=(local(next));
            label { "Email" input type="email" name="email" autocomplete="username" required; }
            label { "Password" input type="password" name="password" autocomplete="current-password" required; }
            button type="submit" { "Sign in" }
        }
    };
    let mut res = (status, page(None, "Sign in", body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::set_cookie(auth::PRE_COOKIE, &pre, 3600, ctx.tls)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Deserialize)]
pub struct LoginForm {
    csrf: Option<String>,
    email: Option<String>,
    password: Option<String>,
    next: Option<String>,
}

pub async fn login(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    axum::Form(f): axum::Form<LoginForm>,
) -> Response {
    let pre = auth::cookie(&headers, auth::PRE_COOKIE).unwrap_or_default();
    if !auth::same_secret(pre, f.csrf.as_deref().unwrap_or_default()) {
        return login_form(
            &ctx,
            f.next.as_deref(),
            Some("the sign-in form was stale: try again"),
            StatusCode::FORBIDDEN,
        );
    }
    let now = app.now().as_second();
    // Counted before the password is checked (and given back on success), so that parallel
    // tries cannot all pass the check before any of them is counted.
    if !app.throttle.begin(ctx.ip, now) {
        return login_form(
            &ctx,
            f.next.as_deref(),
            Some("too many failed sign-ins from this address: wait ten minutes"),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let email = f.email.unwrap_or_default().trim().to_lowercase();
    let password = f.password.unwrap_or_default();
    let lookup = email.clone();
    let user = match app.db(move |reg| reg.user(&lookup)).await {
        Ok(u) => u,
        Err(e) => return failed(&e),
    };
    // Nothing about the account is said before its password is proved: an unknown email, a
    // locked account (its password is not even checked) and a wrong password take the same time
    // and get the same answer.
    let wrong = "wrong email or password (five failures in a row lock an account for 15 minutes)";
    let checkable = user
        .as_ref()
        .filter(|u| !u.password.is_empty() && u.locked_until.is_none_or(|until| until <= now));
    let hash = checkable.map_or(DUMMY_HASH.to_string(), |u| u.password.clone());
    let checkable = checkable.is_some();
    let proved = verify_off_thread(password, hash).await && checkable;
    let Some(user) = user.filter(|_| proved) else {
        if checkable {
            let who = email.clone();
            let _ = app
                .db(move |reg| reg.sign_in_failed(&who, auth::LOCK_AFTER, now + auth::LOCK_SECS))
                .await;
        }
        return login_form(
            &ctx,
            f.next.as_deref(),
            Some(wrong),
            StatusCode::UNAUTHORIZED,
        );
    };
    app.throttle.succeeded(ctx.ip);
    // The password is right: now say why the account cannot be used, if it cannot.
    if let Some(why) = auth::barred(&user, &app.today(), now) {
        return login_form(&ctx, f.next.as_deref(), Some(&why), StatusCode::FORBIDDEN);
    }
    // A new session on every sign-in; any session the browser held ends.
    let old = auth::cookie(&headers, auth::SESSION_COOKIE).map(auth::token_hash);
    let token = auth::random_hex(32);
    let session = fieldcheck_register::access::Session {
        token_hash: auth::token_hash(&token),
        email: user.email.clone(),
        csrf: auth::random_hex(32),
        created_at: now,
        seen_at: now,
    };
    let who = user.email.clone();
    let started = app
        .db(move |reg| {
            if let Some(old) = old {
                reg.end_session(&old)?;
            }
            reg.sign_in_succeeded(&who)?;
            reg.start_session(&session)
        })
        .await;
    if let Err(e) = started {
        return failed(&e);
    }
    let to = match user.role {
        Role::Auditor if f.next.as_deref().is_none_or(|n| n == "/") => "/auditor".to_string(),
        _ => local(f.next.as_deref()),
    };
    let mut res = Redirect::to(&to).into_response();
    let h = res.headers_mut();
    for c in [
        auth::set_cookie(auth::SESSION_COOKIE, &token, auth::MAX_SECS, ctx.tls),
        auth::set_cookie(auth::PRE_COOKIE, "", 0, ctx.tls),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    res
}

/// A hash of a password nobody has, checked when the email is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$hbGEzqwXwSNdY2TdlrCq8k0m6pHSn4uM2YWbLkR7tEk";

pub async fn logout(State(app): AppState, Extension(ctx): Extension<Ctx>) -> Response {
    if let Some(s) = ctx.session.clone() {
        let _ = app.db(move |reg| reg.end_session(&s.token_hash)).await;
    }
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::set_cookie(auth::SESSION_COOKIE, "", 0, ctx.tls)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub async fn account_page(Extension(ctx): Extension<Ctx>) -> Response {
    account_form(&ctx, None, StatusCode::OK)
}

fn account_form(ctx: &Ctx, msg: Option<(&str, bool)>, status: StatusCode) -> Response {
    let body = html! {
        @if let Some((m, ok)) = msg { p class=(if ok { "ok" } else { "error" }) { (m) } }
        @if ctx.session.is_some() {
            h2 { "Change your password" }
            form.stack method="post" action="/account" {
                (csrf_field(ctx))
                label { "Current password" input type="password" name="current" autocomplete="current-password" required; }
                label { "New password (12 characters or more)" input type="password" name="new" autocomplete="new-password" required; }
                button type="submit" { "Change it" }
            }
        } @else {
            p { "You are signed in through your organisation's single sign-on; your password is kept there." }
        }
    };
    (status, page(Some(ctx), "Your account", body)).into_response()
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: Option<String>,
    new: Option<String>,
}

pub async fn account(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    axum::Form(f): axum::Form<PasswordForm>,
) -> Response {
    let Some(user) = ctx.user.clone() else {
        return refused(StatusCode::UNAUTHORIZED, "sign in first", None);
    };
    let new = f.new.unwrap_or_default();
    if let Err(e) = auth::check_password(&new) {
        return account_form(&ctx, Some((&e, false)), StatusCode::BAD_REQUEST);
    }
    let current = f.current.unwrap_or_default();
    let ok = verify_off_thread(current, user.password.clone()).await;
    if !ok {
        return account_form(
            &ctx,
            Some(("the current password is wrong", false)),
            StatusCode::FORBIDDEN,
        );
    }
    let Some(hash) = hash_off_thread(new).await else {
        return refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot hash the password",
            Some(&ctx),
        );
    };
    let at = app.now().to_string();
    let email = user.email.clone();
    match app
        .db(move |reg| reg.set_password(&email, &hash, &at, &email))
        .await
    {
        // Every session ended with the old password, this one too: sign in again.
        Ok(()) => Redirect::to("/login").into_response(),
        Err(e) => failed(&e),
    }
}

// ---- the overview, the report, the runs ----------------------------------------------------

fn class_of(label: &str) -> &'static str {
    match label {
        "effective" => "good",
        "with exceptions" => "warn",
        "ineffective" => "bad",
        _ => "muted",
    }
}

pub async fn overview(State(app): AppState, Extension(ctx): Extension<Ctx>) -> Response {
    let today = app.today();
    let a = app.clone();
    let gathered = app
        .db(move |reg| {
            committee::gather(&a.report, Some(reg), &today)
                .map_err(|e| Error::Refused(format!("{e:#}")))
        })
        .await;
    let c = match gathered {
        Ok(c) => c,
        Err(e) => return failed(&e),
    };
    let r = &app.report;
    let body = html! {
        p.lead {
            (r.org) ": observation window " (r.window.start) " to " (r.window.end) " (" (r.window.timezone) "). "
            "Audited at " (app.audited_at.strftime("%Y-%m-%d %H:%M UTC")) " on "
            (count(r.evidence.records, "record", "records")) "."
        }
        section.answers {
            @for ans in &c.answers {
                div class={ "answer " (ans.verdict) } {
                    div.q { (ans.question) }
                    div.a { (ans.short) }
                    div.because { (ans.because) }
                }
            }
        }
        p { strong { "Self-check: " } (c.verdict) }
        h2 { "Controls" }
        table {
            thead { tr { th { "Control" } th { "Criteria" } th { "Conclusion" } th.num { "Population" } th.num { "Deviations" } th.num { "P(exception)" } } }
            tbody {
                @for row in &c.controls {
                    tr {
                        td { a href={ "/controls/" (row.id) } { (row.id) } br; small { (row.title) } }
                        td { (row.criteria) }
                        td { span class={ "pill " (class_of(row.conclusion_label)) } { (row.conclusion_label) } }
                        td.num { (thousands(row.population)) }
                        td.num { (thousands(row.deviations)) }
                        td.num { (percent(row.exception_probability)) }
                    }
                }
            }
        }
        h2 { "Remediation" }
        p { (c.remediation.projection) }
        @if !c.remediation.runs.is_empty() {
            div.chart { (PreEscaped(report_html::burndown_svg(&c.remediation))) }
        }
        p {
            (count(c.remediation.unclosed, "exception", "exceptions")) " not closed, "
            (c.remediation.overdue) " overdue, " (c.remediation.unassigned) " unassigned, "
            (c.remediation.accepted) " accepted. "
            a href="/exceptions?overdue=1" { "See the overdue ones" } "."
        }
    };
    page(Some(&ctx), "Overview", body).into_response()
}

pub async fn report(State(app): AppState) -> Response {
    let today = app.today();
    let a = app.clone();
    let gathered = app
        .db(move |reg| {
            committee::gather(&a.report, Some(reg), &today)
                .map_err(|e| Error::Refused(format!("{e:#}")))
        })
        .await;
    match gathered {
        Ok(c) => {
            let paper = report_html::paper_for(&app.report.window.timezone);
            let generator = format!("fieldcheck {}", env!("CARGO_PKG_VERSION"));
            let doc = report_html::render(&c, paper, &generator);
            let mut res = Html(doc).into_response();
            // The committee's document is self-contained, with its own inline style.
            res.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
                ),
            );
            res
        }
        Err(e) => failed(&e),
    }
}

pub async fn runs(State(app): AppState, Extension(ctx): Extension<Ctx>) -> Response {
    let runs = app
        .db(|reg| {
            let runs = reg.runs()?;
            let mut out = Vec::new();
            for r in runs.iter().rev().take(30) {
                out.push((r.clone(), reg.run_changes(r.id)?));
            }
            Ok(out)
        })
        .await;
    let runs = match runs {
        Ok(r) => r,
        Err(e) => return failed(&e),
    };
    let body = html! {
        @if runs.is_empty() {
            p { "No run is recorded yet: record one with " code { "fieldcheck audit KIT --record" } "." }
        }
        @for (r, ch) in &runs {
            @let opened = ch.status.iter().filter(|s| s.old.is_none()).count();
            @let remediated = ch.status.iter().filter(|s| s.new == Some(ExceptionStatus::Remediated)).count();
            @let other = ch.status.len() - opened - remediated;
            section.run {
                h2 { "Run " (r.id) }
                p {
                    "Recorded " (r.at) ": " (thousands(r.open as usize)) " open after it, "
                    (thousands(r.overdue as usize)) " overdue. "
                    (thousands(opened)) " opened, " (thousands(remediated)) " remediated, "
                    (thousands(other)) " other status changes."
                }
                @if !ch.status.is_empty() {
                    details {
                        summary { "What changed" }
                        ul {
                            @for s in ch.status.iter().take(200) {
                                li {
                                    a href={ "/exceptions/" (encode(&s.id)) } { (s.id) } ": "
                                    (s.old.map_or("new", |o| o.as_str())) " → " (s.new.map_or("unknown", |n| n.as_str()))
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(Some(&ctx), "Recorded runs", body).into_response()
}

// ---- controls and evidence -----------------------------------------------------------------

pub async fn control(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let Some(c) = app.report.controls.iter().find(|c| c.id == id) else {
        return refused(
            StatusCode::NOT_FOUND,
            &format!("there is no control `{id}`"),
            Some(&ctx),
        );
    };
    let auditor = ctx.role() == Some(Role::Auditor);
    let body = html! {
        p.lead { (c.title) " · " (c.criteria.join(", ")) }
        p {
            span class={ "pill " (class_of(conclusion_label(c.conclusion))) } { (conclusion_label(c.conclusion)) }
            " " (c.conclusion_reason)
        }
        @if let Some(reason) = &c.reason { p.error { (reason) } }
        @for t in &c.tests {
            section.test {
                h2 { (t.id) }
                p {
                    (thousands(t.population)) " in the population, " (thousands(t.deviations.len())) " deviating. "
                    "The auditor samples " (thousands(t.sampling.sample_size))
                    @if t.sampling.census { " (the whole population)" }
                    "; the chance the sample hits a deviation: " (percent(t.sampling.detection_probability)) "."
                }
                @if let Some(s) = app.samples.iter().find(|s| s.control == c.id && s.test == t.id) {
                    details {
                        summary { "The auditor's sample (" (thousands(s.selected.len())) ")" }
                        p.small { "Seed " code { (s.seed) } }
                        ul.cols { @for item in &s.selected { li { code { (item) } } } }
                    }
                }
                @if !t.deviations.is_empty() {
                    table {
                        thead { tr { th { "Item" } th { "Reasons" } th { "Detail" } th { "Evidence" } } }
                        tbody {
                            @for d in t.deviations.iter().take(DEVIATIONS_SHOWN) {
                                @let eid = format!("{}/{}/{}", c.id, t.id, d.item);
                                tr {
                                    td {
                                        @if auditor { code { (d.item) } }
                                        @else { a href={ "/exceptions/" (encode(&eid)) } { (d.item) } }
                                    }
                                    td { @for r in &d.reasons { code { (r) } " " } }
                                    td { (d.detail) }
                                    td {
                                        @for e in &d.evidence {
                                            @if app.files.iter().any(|f| f.name == e.file) {
                                                a href={ "/evidence/" (e.file) "?line=" (e.line) } { (e.file) ":" (e.line) }
                                            } @else {
                                                (e.file) ":" (e.line)
                                            }
                                            @if let Some(d) = &e.digest { " " small { "sha256:" (d) } }
                                            br;
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if t.deviations.len() > DEVIATIONS_SHOWN && !auditor {
                        p { a href={ "/exceptions?control=" (c.id) } { "All " (thousands(t.deviations.len())) " in the register" } }
                    }
                }
                @for n in &t.notes { p.note { (n.item) ": " (n.detail) } }
            }
        }
    };
    page(Some(&ctx), &c.id, body).into_response()
}

#[derive(Deserialize)]
pub struct LineQuery {
    line: Option<u32>,
}

/// A kit file's lines around one, with the file's digest: the evidence behind a deviation.
pub async fn evidence(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    Path(file): Path<String>,
    Query(q): Query<LineQuery>,
) -> Response {
    let Some(f) = app.files.iter().find(|f| f.name == file) else {
        return refused(
            StatusCode::NOT_FOUND,
            &format!("`{file}` is not a file of the evidence kit"),
            Some(&ctx),
        );
    };
    let line = q.line.unwrap_or(1).max(1);
    let path = app.kit_dir.join(&f.name);
    let from = line.saturating_sub(3).max(1);
    let to = line.saturating_add(3);
    let read = tokio::task::spawn_blocking(move || -> std::io::Result<Lines> {
        use std::io::BufRead;
        let file = std::fs::File::open(&path)?;
        let mut header = None;
        let mut out = Vec::new();
        for (n, l) in std::io::BufReader::new(file).split(b'\n').enumerate() {
            let n = n as u32 + 1;
            if n > to {
                break;
            }
            let l = l?;
            let mut text = String::from_utf8_lossy(&l).into_owned();
            if text.ends_with('\r') {
                text.pop();
            }
            // Long lines are cut for the page.
            if text.len() > 4096 {
                let mut cut = 4096;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
                text.push('…');
            }
            if n == 1 {
                header = Some(text.clone());
            }
            if n >= from {
                out.push((n, text));
            }
        }
        Ok((header, out))
    })
    .await;
    let (header, lines) = match read {
        Ok(Ok(v)) => v,
        _ => {
            return refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("cannot read `{file}`"),
                Some(&ctx),
            );
        }
    };
    let body = html! {
        p.lead { (f.kind) " · " (thousands(f.rows as usize)) " rows · " (thousands(f.bytes as usize)) " bytes" }
        p { "SHA-256 " code { (f.sha256) } " (at the server's start)" }
        pre.lines {
            @if from > 1 { @if let Some(h) = &header { span.head { "    1  " (h) "\n" } "    …\n" } }
            @for (n, text) in &lines {
                span class=(if *n == line { "hit" } else { "" }) { (format!("{n:>5}  ")) (text) "\n" }
            }
        }
    };
    page(Some(&ctx), &format!("{}, line {line}", f.name), body).into_response()
}

// ---- the register --------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ListQuery {
    owner: Option<String>,
    control: Option<String>,
    status: Option<String>,
    overdue: Option<String>,
    q: Option<String>,
    page: Option<usize>,
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

pub async fn exceptions(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ListQuery>,
) -> Response {
    let statuses = match nonempty(&q.status) {
        Some(s) => match ExceptionStatus::parse(&s) {
            Some(st) => vec![st],
            None => {
                return refused(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "unknown status `{s}`; the statuses are {}",
                        ExceptionStatus::names()
                    ),
                    Some(&ctx),
                );
            }
        },
        None => Vec::new(),
    };
    let overdue = q.overdue.as_deref().is_some_and(|v| v == "1" || v == "on");
    let filter = Filter {
        owner: nonempty(&q.owner),
        control: nonempty(&q.control),
        statuses,
        overdue_on: overdue.then(|| app.today()),
    };
    let text = nonempty(&q.q).unwrap_or_default();
    let pageno = q.page.unwrap_or(1).max(1);
    let snapshot = match app.snapshot().await {
        Ok(s) => s,
        Err(e) => return failed(&e),
    };
    let mut total = 0;
    let mut rows = Vec::with_capacity(PAGE);
    for e in snapshot.matching(&filter, &text) {
        if total >= (pageno - 1).saturating_mul(PAGE) && rows.len() < PAGE {
            rows.push(e.clone());
        }
        total += 1;
    }
    let today = app.today();
    let pages = total.div_ceil(PAGE).max(1);
    let link = |p: usize| {
        let mut s = format!("/exceptions?page={p}");
        for (k, v) in [
            ("owner", &filter.owner),
            ("control", &filter.control),
            ("status", &nonempty(&q.status)),
            ("q", &nonempty(&q.q)),
        ] {
            if let Some(v) = v {
                s.push_str(&format!("&{k}={}", encode(v)));
            }
        }
        if overdue {
            s.push_str("&overdue=1");
        }
        s
    };
    let body = html! {
        form.filters method="get" action="/exceptions" {
            input type="search" name="q" placeholder="Text in the id, detail or owner" value=(text);
            input type="text" name="owner" placeholder="Owner" value=(filter.owner.clone().unwrap_or_default());
            select name="control" {
                option value="" { "Any control" }
                @for c in &app.report.controls {
                    option value=(c.id) selected[filter.control.as_deref() == Some(c.id.as_str())] { (c.id) }
                }
            }
            select name="status" {
                option value="" { "Any status" }
                @for s in ExceptionStatus::ALL {
                    option value=(s.as_str()) selected[q.status.as_deref() == Some(s.as_str())] { (s.as_str()) }
                }
            }
            label.inline { input type="checkbox" name="overdue" value="1" checked[overdue]; " Overdue" }
            button type="submit" { "Filter" }
        }
        p { (count(total, "exception", "exceptions")) " match; page " (pageno) " of " (pages) "." }
        (exception_table(&rows, &today))
        nav.pager {
            @if pageno > 1 { a href=(link(pageno - 1)) { "← Previous" } }
            @if pageno < pages { a href=(link(pageno + 1)) { "Next →" } }
        }
    };
    page(Some(&ctx), "Exceptions", body).into_response()
}

fn exception_table(rows: &[Exception], today: &str) -> Markup {
    html! {
        table {
            thead { tr { th { "Exception" } th { "Status" } th { "Owner" } th { "Target" } th { "Detail" } } }
            tbody {
                @for e in rows {
                    @let late = fieldcheck_register::rules::is_overdue(e.status, &e.target, today);
                    tr {
                        td { a href={ "/exceptions/" (encode(&e.id)) } { (e.id) } }
                        td { span class={ "pill " (status_class(e.status)) } { (e.status.as_str()) } }
                        td { (e.owner) }
                        td class=(if late { "bad" } else { "" }) { (e.target) @if late { " (overdue)" } }
                        td { (e.detail) }
                    }
                }
            }
        }
    }
}

fn status_class(s: ExceptionStatus) -> &'static str {
    match s {
        ExceptionStatus::Open => "bad",
        ExceptionStatus::InRemediation => "warn",
        ExceptionStatus::Remediated => "good",
        ExceptionStatus::RiskAccepted => "muted",
    }
}

/// Whether the user may change this exception: an admin, or its owner.
fn may_edit(ctx: &Ctx, e: &Exception) -> bool {
    match ctx.role() {
        Some(Role::Admin) => true,
        Some(Role::Owner) => e.owner.eq_ignore_ascii_case(ctx.email()),
        _ => false,
    }
}

pub async fn exception(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let lookup = id.clone();
    let shown = app
        .db(move |reg| {
            let (e, h) = reg.show(&lookup)?;
            let v = reg.version(&lookup)?;
            Ok((e, h, v))
        })
        .await;
    match shown {
        Ok((e, history, version)) => {
            exception_page(&app, &ctx, &e, &history, version, None, StatusCode::OK)
        }
        Err(Error::Refused(m)) => refused(StatusCode::NOT_FOUND, &m, Some(&ctx)),
        Err(e) => failed(&e),
    }
}

/// What a refused change left: the message, and the form's fields to show again.
struct Kept {
    message: String,
    conflict: Vec<fieldcheck_register::Change>,
    form: ChangeForm,
}

fn exception_page(
    app: &App,
    ctx: &Ctx,
    e: &Exception,
    history: &[fieldcheck_register::Change],
    version: i64,
    kept: Option<&Kept>,
    status: StatusCode,
) -> Response {
    let today = app.today();
    let edit = may_edit(ctx, e);
    // A refused change's words go back into its own form only; the other forms show the
    // exception as it is.
    let mine = |action: &str| {
        kept.map(|k| &k.form)
            .filter(|f| f.action.as_deref() == Some(action))
    };
    let val = |action: &str, get: fn(&ChangeForm) -> &Option<String>, now: &str| {
        mine(action)
            .and_then(|f| get(f).clone())
            .unwrap_or_else(|| now.to_string())
    };
    let head = |action: &str| {
        html! {
            (csrf_field(ctx))
            input type="hidden" name="version" value=(version);
            input type="hidden" name="action" value=(action);
        }
    };
    let body = html! {
        @if let Some(k) = kept {
            div.error {
                p { (k.message) }
                @if !k.conflict.is_empty() {
                    p { "Changed since you opened it:" }
                    ul { @for c in &k.conflict { li { (c.at) " · " (c.actor) " set " (c.field) " to " code { (c.new) } @if !c.why.is_empty() { " (" (c.why) ")" } } } }
                    p { "Your change was not saved; it is kept in the form below. Check it against the change above and save again." }
                }
            }
        }
        dl.facts {
            dt { "Status" } dd { span class={ "pill " (status_class(e.status)) } { (e.status.as_str()) } @if e.regression { " (a regression)" } }
            dt { "Owner" } dd { (e.owner) }
            dt { "Target" } dd { (e.target) @if fieldcheck_register::rules::is_overdue(e.status, &e.target, &today) { span.bad { " overdue" } } }
            dt { "Reasons" } dd { @for r in e.reasons.split_whitespace() { code { (r) } " " } }
            dt { "Detail" } dd { (e.detail) }
            dt { "Runs" } dd { "opened by run " (e.opened_run) ", last seen in run " (e.last_seen_run) }
            @if let Some((by, why, until)) = &e.accepted { dt { "Accepted" } dd { "by " (by) " until " (until) ": " (why) } }
            @if let Some(u) = &e.unverified { dt { "Not verified fixed" } dd { (u) } }
            @if let Some((text, by, at)) = &e.response { dt { "Response" } dd { (text) " — " (by) ", " (at) } }
            dt { "Control" } dd { a href={ "/controls/" (e.control) } { (e.control) } " · " (e.test) " · " code { (e.item) } }
        }
        @if edit {
            h2 { "Change it" }
            p.small { "Every change asks why; it is kept in the history below with your name." }
            div.actions {
                form.stack method="post" {
                    (head("status"))
                    label { "Status"
                        select name="status" {
                            @for s in [ExceptionStatus::Open, ExceptionStatus::InRemediation, ExceptionStatus::Remediated] {
                                option value=(s.as_str()) selected[val("status", |f| &f.status, e.status.as_str()) == s.as_str()] {
                                    (s.as_str())
                                    @if s == ExceptionStatus::Remediated { " (until a recorded run re-tests it)" }
                                }
                            }
                        }
                    }
                    label { "Why" input type="text" name="why" required value=(val("status", |f| &f.why, "")); }
                    button type="submit" { "Set the status" }
                }
                form.stack method="post" {
                    (head("assign"))
                    label { "Owner" input type="text" name="owner" required value=(val("assign", |f| &f.owner, &e.owner)); }
                    label { "Why" input type="text" name="why" required value=(val("assign", |f| &f.why, "")); }
                    button type="submit" { "Assign" }
                }
                form.stack method="post" {
                    (head("target"))
                    label { "Target date" input type="date" name="target" required value=(val("target", |f| &f.target, &e.target)); }
                    label { "Why" input type="text" name="why" required value=(val("target", |f| &f.why, "")); }
                    button type="submit" { "Set the target" }
                }
                form.stack method="post" {
                    (head("accept"))
                    label { "Approver" input type="text" name="approver" required value=(val("accept", |f| &f.approver, "")); }
                    label { "Accepted until" input type="date" name="until" required value=(val("accept", |f| &f.until, "")); }
                    label { "Why the risk is acceptable" input type="text" name="why" required value=(val("accept", |f| &f.why, "")); }
                    button type="submit" { "Accept the risk" }
                }
                form.stack method="post" {
                    (head("respond"))
                    label { "Management's response" textarea name="text" required { (val("respond", |f| &f.text, "")) } }
                    button type="submit" { "Record the response" }
                }
                form.stack method="post" {
                    (head("note"))
                    label { "Note" textarea name="note" required { (val("note", |f| &f.note, "")) } }
                    button type="submit" { "Add the note" }
                }
            }
        }
        h2 { "History" }
        table.history {
            thead { tr { th { "When" } th { "Who" } th { "What" } th { "Why" } } }
            tbody {
                @for c in history.iter().rev() {
                    tr {
                        td { (c.at) }
                        td { (c.actor) @if let Some(r) = c.run { " (run " (r) ")" } }
                        td { (c.field) ": " @if !c.old.is_empty() { code { (c.old) } " → " } code { (c.new) } }
                        td { (c.why) }
                    }
                }
            }
        }
    };
    (status, page(Some(ctx), &e.id, body)).into_response()
}

#[derive(Deserialize, Clone, Default)]
pub struct ChangeForm {
    action: Option<String>,
    version: Option<i64>,
    why: Option<String>,
    status: Option<String>,
    owner: Option<String>,
    target: Option<String>,
    approver: Option<String>,
    until: Option<String>,
    text: Option<String>,
    note: Option<String>,
}

pub async fn change_exception(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<ChangeForm>,
) -> Response {
    let lookup = id.clone();
    let current = match app.db(move |reg| reg.show(&lookup).map(|(e, _)| e)).await {
        Ok(e) => e,
        Err(Error::Refused(m)) => return refused(StatusCode::NOT_FOUND, &m, Some(&ctx)),
        Err(e) => return failed(&e),
    };
    if !may_edit(&ctx, &current) {
        return refused(
            StatusCode::FORBIDDEN,
            &format!(
                "`{id}` is assigned to {}: only its owner or an admin can change it",
                current.owner
            ),
            Some(&ctx),
        );
    }
    let Some(version) = f.version else {
        return refused(
            StatusCode::BAD_REQUEST,
            "the form has no version: reload the page",
            Some(&ctx),
        );
    };
    let actor = ctx.email().to_string();
    let now = app.now();
    let at = now.to_string();
    let today = app.today();
    let form = f.clone();
    let target_id = id.clone();
    let done = app
        .db(move |reg| {
            let why = form.why.as_deref().unwrap_or_default().trim().to_string();
            let need_why = || {
                if why.is_empty() {
                    Err(Error::Refused("say why (the history keeps it)".into()))
                } else {
                    Ok(())
                }
            };
            let id = target_id.as_str();
            match form.action.as_deref().unwrap_or_default() {
                "status" => {
                    let s = form.status.as_deref().unwrap_or_default();
                    let status = ExceptionStatus::parse(s).ok_or_else(|| {
                        Error::Refused(format!(
                            "unknown status `{s}`; the statuses are {}",
                            ExceptionStatus::names()
                        ))
                    })?;
                    reg.expect_version(id, version)
                        .set_status(id, status, &at, &actor, &why)
                }
                "assign" => {
                    need_why()?;
                    reg.expect_version(id, version).assign(
                        id,
                        form.owner.as_deref().unwrap_or_default(),
                        &at,
                        &actor,
                        &why,
                    )
                }
                "target" => {
                    need_why()?;
                    let date = form.target.as_deref().unwrap_or_default().trim();
                    fieldcheck_register::rules::check_target(date, &today)
                        .map_err(Error::Refused)?;
                    reg.expect_version(id, version)
                        .target(id, date, &at, &actor, &why)
                }
                "accept" => {
                    need_why()?;
                    let until = form.until.as_deref().unwrap_or_default().trim();
                    fieldcheck_register::rules::check_date(until).map_err(Error::Refused)?;
                    reg.expect_version(id, version).accept(
                        id,
                        form.approver.as_deref().unwrap_or_default(),
                        &why,
                        until,
                        &today,
                        &at,
                        &actor,
                    )
                }
                "respond" => reg.expect_version(id, version).respond(
                    id,
                    form.text.as_deref().unwrap_or_default(),
                    &at,
                    &actor,
                ),
                "note" => reg.expect_version(id, version).note(
                    id,
                    form.note.as_deref().unwrap_or_default(),
                    &at,
                    &actor,
                ),
                other => Err(Error::Refused(format!("unknown action `{other}`"))),
            }
        })
        .await;
    match done {
        Ok(()) => Redirect::to(&format!("/exceptions/{}", encode(&id))).into_response(),
        Err(err) => {
            let (status, conflict) = match &err {
                Error::Conflict { since, .. } => (StatusCode::CONFLICT, since.clone()),
                Error::Refused(_) => (StatusCode::BAD_REQUEST, Vec::new()),
                Error::Db(_) => return failed(&err),
            };
            let lookup = id.clone();
            let fresh = app
                .db(move |reg| {
                    let (e, h) = reg.show(&lookup)?;
                    let v = reg.version(&lookup)?;
                    Ok((e, h, v))
                })
                .await;
            match fresh {
                Ok((e, h, v)) => {
                    let kept = Kept {
                        message: err.to_string(),
                        conflict,
                        form: f,
                    };
                    exception_page(&app, &ctx, &e, &h, v, Some(&kept), status)
                }
                Err(e) => failed(&e),
            }
        }
    }
}

pub async fn me(State(app): AppState, Extension(ctx): Extension<Ctx>) -> Response {
    let email = ctx.email().to_string();
    let who = email.clone();
    let found = app
        .db(move |reg| {
            let mine = reg.list(&Filter {
                owner: Some(who.clone()),
                statuses: ExceptionStatus::ALL
                    .into_iter()
                    .filter(|s| s.is_active())
                    .collect(),
                ..Filter::default()
            })?;
            let requests = reg.requests(Some(&who))?;
            Ok((mine, requests))
        })
        .await;
    let (mut mine, requests) = match found {
        Ok(v) => v,
        Err(e) => return failed(&e),
    };
    mine.sort_by(|a, b| {
        (a.target.is_empty(), &a.target, &a.id).cmp(&(b.target.is_empty(), &b.target, &b.id))
    });
    let today = app.today();
    let open: Vec<_> = requests
        .iter()
        .filter(|r| r.status == RequestStatus::Open)
        .collect();
    let body = html! {
        h2 { "Evidence requested from you" }
        @if open.is_empty() { p { "No open request." } }
        @for r in &open {
            div.request {
                p { strong { "Request " (r.id) } " on " a href={ "/exceptions/" (encode(&r.item)) } { (r.item) } " from " (r.requested_by) ", " (r.requested_at) }
                blockquote { (r.text) }
                form.stack method="post" action={ "/requests/" (r.id) } {
                    (csrf_field(&ctx))
                    label { "Your answer (where the evidence is)" textarea name="text" required {} }
                    button type="submit" { "Answer" }
                }
            }
        }
        h2 { "Your exceptions by due date" }
        p { (count(mine.len(), "exception is", "exceptions are")) " assigned to " (email) " and still open." }
        (exception_table(&mine, &today))
    };
    page(Some(&ctx), "My work", body).into_response()
}

#[derive(Deserialize)]
pub struct AnswerForm {
    text: Option<String>,
}

pub async fn answer_request(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<AnswerForm>,
) -> Response {
    let actor = ctx.email().to_string();
    let admin = ctx.role() == Some(Role::Admin);
    let at = app.now().to_string();
    let done = app
        .db(move |reg| {
            let r = reg
                .requests(None)?
                .into_iter()
                .find(|r| r.id == id)
                .ok_or_else(|| Error::Refused(format!("no evidence request {id}")))?;
            if !admin && !r.owner.eq_ignore_ascii_case(&actor) {
                return Err(Error::Refused(format!(
                    "request {id} is for {}: only they or an admin can answer it",
                    r.owner
                )));
            }
            reg.answer_request(id, f.text.as_deref().unwrap_or_default(), &at, &actor)
        })
        .await;
    match done {
        Ok(()) => Redirect::to("/me").into_response(),
        Err(Error::Refused(m)) if m.contains("only they or an admin") => {
            refused(StatusCode::FORBIDDEN, &m, Some(&ctx))
        }
        Err(e) => failed(&e),
    }
}

// ---- the auditor's portal ------------------------------------------------------------------

pub async fn auditor(State(app): AppState, Extension(ctx): Extension<Ctx>) -> Response {
    let mine = ctx.email().to_string();
    let is_auditor = ctx.role() == Some(Role::Auditor);
    let requests = match app.db(|reg| reg.requests(None)).await {
        Ok(r) => r,
        Err(e) => return failed(&e),
    };
    let requests: Vec<_> = requests
        .into_iter()
        .filter(|r| !is_auditor || r.requested_by.eq_ignore_ascii_case(&mine))
        .collect();
    let r = &app.report;
    let can_request = matches!(ctx.role(), Some(Role::Auditor) | Some(Role::Admin));
    let body = html! {
        p.lead { (r.org) ": observation window " (r.window.start) " to " (r.window.end) " (" (r.window.timezone) ")." }
        h2 { "The evidence" }
        @match &r.locker {
            Some(l) => p {
                "Read from the evidence locker at " code { (l.path) } ", head " code { (l.head) } ", "
                (count(l.collections as usize, "collection", "collections")) "; "
                @if l.key_verified { "every seal verified against a pinned key." } @else { strong { "the seals were not verified against a pinned key." } }
            },
            None => p { "Read from the kit's files as they are (not from the evidence locker): the digests below were taken when the server started." },
        }
        table {
            thead { tr { th { "File" } th { "Kind" } th.num { "Rows" } th { "SHA-256" } } }
            tbody {
                @for f in &app.files {
                    tr { td { a href={ "/evidence/" (f.name) } { (f.name) } } td { (f.kind) } td.num { (thousands(f.rows as usize)) } td { code.digest { (f.sha256) } } }
                }
            }
        }
        h2 { "The sample and the request list" }
        table {
            thead { tr { th { "Control" } th { "Test" } th.num { "Population" } th.num { "Sample" } th { "Seed" } } }
            tbody {
                @for s in &app.samples {
                    tr {
                        td { a href={ "/controls/" (s.control) } { (s.control) } }
                        td { (s.test) }
                        td.num { (thousands(s.population)) }
                        td.num { (thousands(s.selected.len())) }
                        td { code.digest { (s.seed) } }
                    }
                }
            }
        }
        details {
            summary { "The PBC request list (" (thousands(app.requests.len())) " requests)" }
            table {
                thead { tr { th { "Request" } th { "Item" } th { "Evidence requested" } } }
                tbody {
                    @for q in app.requests.iter().take(2000) {
                        tr { td { (q.id) } td { code { (q.control) "/" (q.test) "/" (q.item) } } td { (q.evidence_requested) } }
                    }
                }
            }
        }
        h2 { "Evidence requests" }
        @if requests.is_empty() { p { "None filed yet." } }
        @if !requests.is_empty() {
            table {
                thead { tr { th { "#" } th { "Item" } th { "Owner" } th { "Request" } th { "Status" } th { "Answer" } } }
                tbody {
                    @for q in &requests {
                        tr {
                            td { (q.id) } td { code { (q.item) } } td { (q.owner) } td { (q.text) " — " (q.requested_by) }
                            td { (q.status.as_str()) }
                            td { @if let Some((a, by, at)) = &q.answer { (a) " — " (by) ", " (at) } }
                        }
                    }
                }
            }
        }
        @if can_request {
            h3 { "Request evidence on an item" }
            form.stack method="post" action="/auditor/requests" {
                (csrf_field(&ctx))
                label { "Item (control/test/item, as in the sample)" input type="text" name="item" required; }
                label { "What you need" textarea name="text" required {} }
                button type="submit" { "File the request" }
            }
        }
    };
    page(Some(&ctx), "Auditor's portal", body).into_response()
}

#[derive(Deserialize)]
pub struct RequestForm {
    item: Option<String>,
    text: Option<String>,
}

pub async fn file_request(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    axum::Form(f): axum::Form<RequestForm>,
) -> Response {
    let item = f.item.unwrap_or_default().trim().to_string();
    // The item must be in a tested population: a deviation, or a sampled item.
    let known = {
        let mut parts = item.splitn(3, '/');
        let (c, t, i) = (parts.next(), parts.next(), parts.next());
        match (c, t, i) {
            (Some(c), Some(t), Some(i)) => {
                app.report
                    .controls
                    .iter()
                    .any(|x| x.id == c && x.tests.iter().any(|y| y.id == t))
                    && (app.samples.iter().any(|s| {
                        s.control == c && s.test == t && s.selected.iter().any(|x| x == i)
                    }) || app.report.controls.iter().any(|x| {
                        x.id == c
                            && x.tests
                                .iter()
                                .any(|y| y.id == t && y.deviations.iter().any(|d| d.item == i))
                    }))
            }
            _ => false,
        }
    };
    if !known {
        return refused(
            StatusCode::BAD_REQUEST,
            &format!(
                "`{item}` is not a sampled or deviating item of this audit: give it as control/test/item"
            ),
            Some(&ctx),
        );
    }
    let actor = ctx.email().to_string();
    let at = app.now().to_string();
    let text = f.text.unwrap_or_default();
    match app
        .db(move |reg| reg.file_request(&item, "unassigned", &text, &at, &actor))
        .await
    {
        Ok(_) => Redirect::to("/auditor").into_response(),
        Err(e) => failed(&e),
    }
}

// ---- users ---------------------------------------------------------------------------------

pub async fn users_page(State(app): AppState, Extension(ctx): Extension<Ctx>) -> Response {
    users_view(&app, &ctx, None, StatusCode::OK).await
}

async fn users_view(
    app: &Arc<App>,
    ctx: &Ctx,
    msg: Option<(String, bool)>,
    status: StatusCode,
) -> Response {
    let found = app.db(|reg| Ok((reg.users()?, reg.access_log()?))).await;
    let (users, log) = match found {
        Ok(v) => v,
        Err(e) => return failed(&e),
    };
    let body = html! {
        @if let Some((m, ok)) = &msg { p class=(if *ok { "ok" } else { "error" }) { (m) } }
        table {
            thead { tr { th { "Email" } th { "Name" } th { "Role" } th { "Ends" } th { "State" } th { "Change" } } }
            tbody {
                @for u in &users {
                    tr {
                        td { (u.email) } td { (u.name) } td { (u.role.as_str()) }
                        td { (u.expires.clone().unwrap_or_default()) }
                        td { @if u.disabled { "disabled" } @else { "active" } }
                        td {
                            form.inline method="post" action="/admin/users" {
                                (csrf_field(ctx))
                                input type="hidden" name="email" value=(u.email);
                                select name="role" { @for r in Role::ALL { option value=(r.as_str()) selected[r == u.role] { (r.as_str()) } } }
                                input type="date" name="expires" value=(u.expires.clone().unwrap_or_default());
                                button type="submit" name="action" value="role" { "Set role" }
                                @if u.disabled {
                                    button type="submit" name="action" value="enable" { "Enable" }
                                } @else {
                                    button type="submit" name="action" value="disable" { "Disable" }
                                }
                                button type="submit" name="action" value="reset" { "New password" }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Invite a user" }
        form.stack method="post" action="/admin/users" {
            (csrf_field(ctx))
            input type="hidden" name="action" value="add";
            label { "Email" input type="email" name="email" required; }
            label { "Name" input type="text" name="name"; }
            label { "Role" select name="role" { @for r in Role::ALL { option value=(r.as_str()) selected[r == Role::Auditor] { (r.as_str()) } } } }
            label { "Last day (required for an auditor: the end of the audit)" input type="date" name="expires"; }
            button type="submit" { "Invite" }
        }
        h2 { "Changes to access" }
        ul { @for c in log.iter().take(100) { li { (c.at) " · " (c.actor) " · " (c.action) " " (c.email) @if !c.detail.is_empty() { ": " (c.detail) } } } }
    };
    (status, page(Some(ctx), "Users", body)).into_response()
}

#[derive(Deserialize)]
pub struct UserForm {
    action: Option<String>,
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
    expires: Option<String>,
}

pub async fn change_users(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    axum::Form(f): axum::Form<UserForm>,
) -> Response {
    let actor = ctx.email().to_string();
    let at = app.now().to_string();
    let today = app.today();
    let email = f.email.clone().unwrap_or_default();
    let role = f.role.as_deref().map(|r| {
        Role::parse(r).ok_or_else(|| {
            Error::Refused(format!(
                "unknown role `{r}`; the roles are {}",
                Role::names()
            ))
        })
    });
    let expires = f.expires.clone().filter(|e| !e.trim().is_empty());
    let action = f.action.clone().unwrap_or_default();
    let result: Result<String, Error> = match action.as_str() {
        "add" => {
            let password = auth::generate_password();
            let Some(hash) = hash_off_thread(password.clone()).await else {
                return refused(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "cannot hash the password",
                    Some(&ctx),
                );
            };
            let name = f.name.clone().unwrap_or_default();
            let rolled = role.unwrap_or(Ok(Role::Viewer));
            app.db(move |reg| {
                let role = rolled?;
                crate::users::check_expiry(role, expires.as_deref(), &today)?;
                let u = reg.add_user(
                    &NewUser {
                        email: &email,
                        name: &name,
                        role,
                        password: &hash,
                        expires: expires.as_deref(),
                    },
                    &at,
                    &actor,
                )?;
                Ok(format!(
                    "invited {} as {}{}; their one-time password, shown only now: {password}",
                    u.email,
                    u.role,
                    u.expires.map(|d| format!(" until {d}")).unwrap_or_default()
                ))
            })
            .await
        }
        "role" => {
            let rolled = role.unwrap_or_else(|| Err(Error::Refused("choose a role".into())));
            app.db(move |reg| {
                let role = rolled?;
                crate::users::check_expiry(role, expires.as_deref(), &today)?;
                if email.eq_ignore_ascii_case(&actor) && role != Role::Admin {
                    return Err(Error::Refused(
                        "you cannot take the admin role from yourself".into(),
                    ));
                }
                reg.set_role(&email, role, expires.as_deref(), &at, &actor)?;
                Ok(format!("{email} is now {role}"))
            })
            .await
        }
        "disable" | "enable" => {
            let off = action == "disable";
            app.db(move |reg| {
                if off && email.eq_ignore_ascii_case(&actor) {
                    return Err(Error::Refused("you cannot disable yourself".into()));
                }
                reg.set_disabled(&email, off, &at, &actor)?;
                Ok(format!(
                    "{email} is {}",
                    if off { "disabled" } else { "enabled" }
                ))
            })
            .await
        }
        "reset" => {
            let password = auth::generate_password();
            let Some(hash) = hash_off_thread(password.clone()).await else {
                return refused(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "cannot hash the password",
                    Some(&ctx),
                );
            };
            app.db(move |reg| {
                reg.set_password(&email, &hash, &at, &actor)?;
                Ok(format!(
                    "{email}'s new one-time password, shown only now: {password}"
                ))
            })
            .await
        }
        other => Err(Error::Refused(format!("unknown action `{other}`"))),
    };
    match result {
        Ok(m) => users_view(&app, &ctx, Some((m, true)), StatusCode::OK).await,
        Err(Error::Db(e)) => failed(&Error::Db(e)),
        Err(e) => {
            users_view(
                &app,
                &ctx,
                Some((e.to_string(), false)),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}
