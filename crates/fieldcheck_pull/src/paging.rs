//! Paginated listings: every page written unedited to `<folder>/page-0001.json`, ... with its
//! retrieval record, following the API's own pagination: the `Link` header's `rel="next"`, a
//! next-page URL in the body (`@odata.nextLink`, `_links.next.href`), a cursor in the body put
//! back as a query parameter (`NextToken`, `cursor`), or page numbers. Only one page is held in
//! memory at a time.

use crate::http::{Http, Response, request_and_params};
use crate::retrieval::CallOutcome;
use crate::session::{PullError, Saved, Session};
use crate::spec::CallSpec;

/// How an API says where the next page is.
#[derive(Clone, Debug)]
pub enum Pager {
    /// One page only.
    Single,
    /// The `Link` header's `rel="next"` URL (Okta, GitHub, GitLab).
    LinkHeader,
    /// The `Link` header's `rel="next"`, else a URL in the body at this JSON pointer (Okta
    /// Identity Governance, documented with both).
    LinkOrBody(&'static str),
    /// A URL in the body at this JSON pointer (`/@odata.nextLink` for Microsoft Graph,
    /// `/_links/next/href` for Okta Identity Governance).
    BodyUrl(&'static str),
    /// A cursor in the body at `pointer`, sent back as the query parameter `param`; absent,
    /// null or empty means the last page.
    BodyCursor {
        /// Where the cursor is (`/nextPageToken`).
        pointer: &'static str,
        /// The query parameter it goes in (`pageToken`).
        param: &'static str,
    },
    /// Page numbers in the query parameter `param`, from `first`; the listing ends at a page
    /// with fewer than `size` items in the array at `items` (`""`: the body is the array).
    PageNumber {
        /// The parameter (`page`).
        param: &'static str,
        /// The first page's number (1 or 0).
        first: u32,
        /// The page size asked for.
        size: usize,
        /// Where the items are.
        items: &'static str,
    },
}

/// The `rel="next"` URL of a `Link` header (RFC 8288), whether the links come in one header or
/// several.
pub fn next_link(resp: &Response) -> Option<String> {
    for v in resp.headers.get_all("link") {
        let Ok(v) = v.to_str() else { continue };
        for part in split_links(v) {
            let Some((url, params)) = part.trim().split_once('>') else {
                continue;
            };
            let url = url.trim().trim_start_matches('<');
            let is_next = params.split(';').any(|p| {
                let p = p.trim();
                p.strip_prefix("rel=").is_some_and(|r| {
                    r.trim_matches('"')
                        .split_ascii_whitespace()
                        .any(|x| x.eq_ignore_ascii_case("next"))
                })
            });
            if is_next {
                return Some(url.to_string());
            }
        }
    }
    None
}

/// Splits a `Link` header at the commas between links (not those inside `<...>` or quotes).
fn split_links(v: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut start) = (false, false, 0);
    for (i, c) in v.char_indices() {
        match c {
            '<' if !quoted => depth = true,
            '>' if !quoted => depth = false,
            '"' if !depth => quoted = !quoted,
            ',' if !depth && !quoted => {
                out.push(&v[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&v[start..]);
    out
}

fn body_str(body: &[u8], pointer: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    match v.pointer(pointer)? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn with_param(url: &str, param: &str, value: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && p.split('=').next() != Some(param))
        .map(str::to_string)
        .collect();
    parts.push(format!("{param}={}", crate::http::encode(value)));
    format!("{path}?{}", parts.join("&"))
}

fn item_count(body: &[u8], items: &str) -> Option<usize> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let a = if items.is_empty() {
        &v
    } else {
        v.pointer(items)?
    };
    a.as_array().map(Vec::len)
}

/// What a listing read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Listed {
    /// Pages written.
    pub pages: u32,
    /// Bytes written.
    pub bytes: u64,
}

impl Listed {
    /// One page holding `body`.
    pub fn one(body: &[u8]) -> Listed {
        Listed {
            pages: 1,
            bytes: body.len() as u64,
        }
    }
}

/// The most pages one listing follows (a loop in an API's links stops here with an error).
pub const MAX_PAGES: u32 = 100_000;

/// Lists `url` page by page into `folder/page-0001.json`, ... (relative to the collector's
/// folder), recording each page's retrieval; `each` sees every page's body (to find the ids of
/// follow-up calls) before the next page is fetched.
pub fn list(
    http: &Http,
    session: &mut Session<'_>,
    call: &CallSpec,
    url: String,
    pager: &Pager,
    folder: &str,
    each: &mut dyn FnMut(&[u8]) -> Result<(), PullError>,
) -> Result<Listed, PullError> {
    let mut next = Some(url);
    let mut listed = Listed::default();
    let mut number = match pager {
        Pager::PageNumber { first, .. } => *first,
        _ => 0,
    };
    let mut seen = std::collections::BTreeSet::new();
    while let Some(u) = next.take() {
        if !seen.insert(u.clone()) || listed.pages >= MAX_PAGES {
            return Err(PullError::Call {
                collector: session.spec().name.into(),
                call: call.name.into(),
                message: format!("the API's next page loops back to a page already read (`{u}`)"),
                help: "report it to the vendor; the pages read so far were not used".into(),
            });
        }
        let resp = http.get(call, &u)?;
        listed.pages += 1;
        session.save(saved(
            call,
            &resp,
            listed.pages,
            format!("{folder}/page-{:04}.json", listed.pages),
        ))?;
        listed.bytes += resp.body.len() as u64;
        each(&resp.body)?;
        next = match pager {
            Pager::Single => None,
            Pager::LinkHeader => next_link(&resp),
            Pager::BodyUrl(p) => body_str(&resp.body, p),
            Pager::LinkOrBody(p) => next_link(&resp).or_else(|| body_str(&resp.body, p)),
            Pager::BodyCursor { pointer, param } => {
                body_str(&resp.body, pointer).map(|c| with_param(&resp.url, param, &c))
            }
            Pager::PageNumber {
                param, size, items, ..
            } => match item_count(&resp.body, items) {
                Some(n) if n >= *size && n > 0 => {
                    number += 1;
                    Some(with_param(&resp.url, param, &number.to_string()))
                }
                _ => None,
            },
        }
        .map(|l| http.resolve(call, &l))
        .transpose()?;
    }
    Ok(listed)
}

/// A response as it is saved: its request and parameters read back from the URL asked for,
/// when it was sent, its status, attempts and body, as `page` of `call`, in `file`.
pub fn saved<'b>(call: &'b CallSpec, resp: &'b Response, page: u32, file: String) -> Saved<'b> {
    let (request, params) = request_and_params(&resp.url);
    Saved {
        call: call.name,
        request,
        params,
        at: resp.at,
        status: resp.status,
        page,
        attempts: resp.attempts,
        file,
        body: &resp.body,
    }
}

/// The outcome of a state listing (`call` as it stood at `observed`) that read `listed`.
pub fn state_outcome(call: &CallSpec, listed: Listed, observed: jiff::Timestamp) -> CallOutcome {
    CallOutcome {
        call: call.name.into(),
        pages: listed.pages,
        bytes: listed.bytes,
        observed_at: Some(observed.to_string()),
        ..CallOutcome::default()
    }
}

/// The outcome of an event listing over `from`..`to` (with the shortfall when the API keeps
/// less) that read `listed`.
pub fn events_outcome(call: &CallSpec, listed: Listed, range: EventRange) -> CallOutcome {
    let (from, to, shortfall) = range;
    CallOutcome {
        call: call.name.into(),
        pages: listed.pages,
        bytes: listed.bytes,
        from: Some(from.to_string()),
        to: Some(to.to_string()),
        shortfall,
        ..CallOutcome::default()
    }
}

/// The range an event listing asks for: from, to, and the shortfall when the API keeps less
/// than the window.
pub type EventRange = (jiff::Timestamp, jiff::Timestamp, Option<String>);

/// The range of an event log the API keeps for `retention_days`: from the window's start (or as
/// far back as the log is kept) to the earlier of now and the window's end, with the shortfall
/// (`shortfall(start, kept_from)`, in the vendor's words) when the window starts earlier.
pub fn retention_range(
    session: &Session<'_>,
    retention_days: i64,
    shortfall: impl FnOnce(jiff::Timestamp, jiff::Timestamp) -> String,
) -> EventRange {
    let until = session.events_until();
    let kept_from = session
        .now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * retention_days))
        .unwrap_or(session.now());
    let start = session.window_start();
    if start < kept_from {
        (kept_from, until, Some(shortfall(start, kept_from)))
    } else {
        (start, until, None)
    }
}

/// Lists a call and records its [`CallOutcome`]: for an event listing, `from`..`to` (and a
/// shortfall when given); for a state listing, when it was observed. An event listing whose
/// range is empty (the window has not started) asks for nothing and records the range.
#[allow(clippy::too_many_arguments)]
pub fn list_call(
    http: &Http,
    session: &mut Session<'_>,
    call: &CallSpec,
    url: String,
    pager: &Pager,
    range: Option<EventRange>,
    each: &mut dyn FnMut(&[u8]) -> Result<(), PullError>,
) -> Result<Listed, PullError> {
    let observed = session.now();
    if let Some(r) = &range
        && r.0 >= r.1
    {
        session.outcome(events_outcome(call, Listed::default(), r.clone()));
        return Ok(Listed::default());
    }
    let listed = list(http, session, call, url, pager, call.name, each)?;
    session.outcome(match range {
        Some(r) => events_outcome(call, listed, r),
        None => state_outcome(call, listed, observed),
    });
    Ok(listed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_link_headers_at_the_commas_between_links() {
        let v = r#"<https://api.github.com/repos/o/r/pulls?page=2>; rel="next", <https://api.github.com/repos/o/r/pulls?page=5>; rel="last""#;
        let parts = split_links(v);
        assert_eq!(parts.len(), 2);
        assert!(parts[0].contains("page=2"));
    }

    #[test]
    fn cursors_replace_their_parameter() {
        assert_eq!(
            with_param("https://x/a?limit=2&cursor=old", "cursor", "n e"),
            "https://x/a?limit=2&cursor=n%20e"
        );
        assert_eq!(with_param("https://x/a", "page", "2"), "https://x/a?page=2");
    }

    #[test]
    fn body_links_and_counts() {
        let graph = br#"{"@odata.context":"x","@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=X","value":[{"id":"1"}]}"#;
        assert_eq!(
            body_str(graph, "/@odata.nextLink").as_deref(),
            Some("https://graph.microsoft.com/v1.0/users?$skiptoken=X")
        );
        assert_eq!(body_str(br#"{"next":null}"#, "/next"), None);
        assert_eq!(item_count(br#"[1,2,3]"#, ""), Some(3));
        assert_eq!(item_count(br#"{"data":[1]}"#, "/data"), Some(1));
    }
}
