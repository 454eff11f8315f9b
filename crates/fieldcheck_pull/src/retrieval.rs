//! The recorded retrieval: for every response, the exact request, when it was made, what came
//! back and the SHA-256 of the bytes written. A population is the exact query plus its unedited
//! output; these records are that query.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One response as it was retrieved (one line of `retrieval.jsonl`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retrieval {
    /// The collector (`okta`).
    pub collector: String,
    /// The call's name from its [`crate::CallSpec`].
    pub call: String,
    /// The request: the method and URL without secrets, or the API action (`kms:ListKeys`).
    pub request: String,
    /// The request's parameters (query or API parameters), without secrets.
    pub params: BTreeMap<String, String>,
    /// When the request was sent (RFC 3339, UTC).
    pub at: String,
    /// The HTTP status of the response.
    pub status: u16,
    /// The page number within the call, from 1.
    pub page: u32,
    /// How many attempts it took (retries after 429 or 5xx).
    pub attempts: u32,
    /// The bytes written.
    pub bytes: u64,
    /// The SHA-256 of the bytes written, lower-case hex.
    pub sha256: String,
    /// The file written, relative to the kit.
    pub file: String,
}

/// What a call covered, once all its pages are in (one entry of `pull.json`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallOutcome {
    /// The call's name.
    pub call: String,
    /// Its pages.
    pub pages: u32,
    /// Its bytes.
    pub bytes: u64,
    /// For an event listing: the start of the range asked for (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// For an event listing: the end of the range asked for (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// For configuration state: the moment it was observed (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_at: Option<String>,
    /// Why the call could not cover the range asked for (the API's retention), if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<String>,
}

/// A collector's pull as a whole (`exports/<collector>/pull.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRecord {
    /// `fieldcheck.pull/v1`.
    pub format: String,
    /// The collector.
    pub collector: String,
    /// The product.
    pub system: String,
    /// The clock's reading at the start of the pull (RFC 3339).
    pub started: String,
    /// The window's first instant (RFC 3339).
    pub window_start: String,
    /// The window's last instant (RFC 3339).
    pub window_end: String,
    /// Whether the window was still open when pulled: its event populations are incomplete.
    pub window_open: bool,
    /// Every call, in order.
    pub calls: Vec<CallOutcome>,
}
