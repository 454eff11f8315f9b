//! A local HTTP/1.1 server for the collectors' tests: std `TcpListener` on 127.0.0.1, one
//! thread per connection, keep-alive, every request logged. The test gives a handler that
//! answers each request (pages shaped as the vendor documents them, a 429 with `Retry-After`, a
//! 5xx, an expired token...). No part of fieldcheck is replaced: the collectors talk HTTP to it.
//!
//! Shared by `crates/fieldcheck_pull/tests` and `crates/fieldcheck/tests` (through `#[path]`).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A request as received.
#[derive(Clone, Debug)]
pub struct Request {
    /// `GET`.
    pub method: String,
    /// The path and query as sent (`/api/v1/users?limit=200`).
    pub target: String,
    /// The headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body (a `POST`'s).
    pub body: Vec<u8>,
}

impl Request {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// A query parameter, decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        let q = self.target.split_once('?')?.1;
        q.split('&').find_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k == name).then(|| decode(v))
        })
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(x) =
                u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or(""), 16)
        {
            out.push(x);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An answer.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The status.
    pub status: u16,
    /// Extra headers (`Link`, `Retry-After`, `Content-Type`...).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Arc<Vec<u8>>,
}

impl Reply {
    /// A `200` JSON answer.
    pub fn json(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Arc::new(body.into()),
        }
    }

    /// An answer with this status and JSON body.
    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            ..Reply::json(body)
        }
    }

    /// Adds a header.
    pub fn header(mut self, k: &str, v: impl Into<String>) -> Reply {
        self.headers.push((k.into(), v.into()));
        self
    }
}

/// A fault a server shows once (a `429` before the retry, a `5xx` the retry gets past).
#[derive(Default)]
pub struct Once(AtomicBool);

impl Once {
    /// Whether to show the fault now: when `on`, the first time only.
    pub fn first(&self, on: bool) -> bool {
        on && !self.0.swap(true, Ordering::SeqCst)
    }
}

/// `429 Too Many Requests` with `Retry-After: 1`, as the vendors send it.
pub fn too_many_requests() -> Reply {
    Reply::status(429, "").header("Retry-After", "1")
}

/// The handler type.
pub type Handler = dyn Fn(&Request, &str) -> Reply + Send + Sync;

/// A running server; it stops with the test process.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Every request, in order.
    pub log: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    /// Starts a server answering with `handler(request, base_url)`.
    pub fn start(handler: impl Fn(&Request, &str) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (l2, u2) = (log.clone(), url.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (h, l, u) = (handler.clone(), l2.clone(), u2.clone());
                std::thread::spawn(move || serve(stream, &*h, &l, &u));
            }
        });
        Server { url, log }
    }

    /// The requests so far.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().expect("log").clone()
    }
}

fn serve(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Request>>, base: &str) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut w = stream;
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if len > 0 && reader.read_exact(&mut body).is_err() {
            return;
        }
        let req = Request {
            method,
            target,
            headers,
            body,
        };
        log.lock().expect("log").push(req.clone());
        let reply = handler(&req, base);
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Length: {}\r\n",
            reply.status,
            reason(reply.status),
            reply.body.len()
        );
        for (k, v) in &reply.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        if w.write_all(head.as_bytes()).is_err() || w.write_all(&reply.body).is_err() {
            return;
        }
        let _ = w.flush();
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Okta's `Link` headers for a page: `self`, and `next` when there is one (Okta sends them as
/// two `Link` headers; <https://developer.okta.com/docs/api/#pagination>).
pub fn okta_links(reply: Reply, base: &str, target: &str, next: Option<&str>) -> Reply {
    let mut r = reply.header("link", format!("<{base}{target}>; rel=\"self\""));
    if let Some(n) = next {
        r = r.header("link", format!("<{base}{n}>; rel=\"next\""));
    }
    r
}
pub mod entra;
pub mod github;
pub mod gitlab;

pub mod bamboohr;
pub mod jira;
pub mod knowbe4;
pub mod okta;
pub mod workday;
