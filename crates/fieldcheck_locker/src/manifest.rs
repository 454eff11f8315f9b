//! Manifest lines: their canonical JSON form and their hashes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev` of the first line.
pub const ZERO_HASH: &str =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// Whether `d` is a digest as the locker writes them: `sha256:` and 64 lower-case hex digits.
pub fn valid_digest(d: &str) -> bool {
    d.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

pub(crate) fn hex(b: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(H[(x >> 4) as usize] as char);
        s.push(H[(x & 15) as usize] as char);
    }
    s
}

pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// What a manifest line records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    /// A collected file.
    Evidence,
    /// The end of a collection: the chain head, optionally signed.
    Seal,
}

/// One manifest line. Field order is the canonical order of the JSON form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// 1-based position in the manifest, contiguous.
    pub seq: u64,
    /// Evidence or seal.
    pub kind: LineKind,
    /// When the collection ran (RFC 3339, UTC).
    pub at: String,
    /// The collection's number (1 for the first `fieldcheck collect`).
    pub collection: u64,
    /// The source: an adapter name, `kit` for a kit file, `config` for fieldcheck.toml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The system the source's records belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_id: Option<String>,
    /// The file's original name (relative to the kit folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `sha256:<hex>` of the file's content (the blob's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The file's size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Seals: the hash of the line before the seal (the chain head it vouches for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    /// Seals: `ed25519:<hex>` of the signing key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Seals: the Ed25519 signature (hex) of [`Entry::signed_message`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
    /// The hash of the previous line ([`ZERO_HASH`] for the first).
    pub prev: String,
    /// `sha256:<hex>` of this line's canonical JSON without `hash`.
    #[serde(default)]
    pub hash: String,
}

impl Entry {
    /// The canonical JSON of the line without its `hash`.
    pub fn unhashed_json(&self) -> String {
        let mut e = self.clone();
        e.hash = String::new();
        let s = serde_json::to_string(&e).unwrap_or_default();
        // `hash` is last and empty: drop `,"hash":""`.
        s.strip_suffix(",\"hash\":\"\"}")
            .map_or(s.clone(), |t| format!("{t}}}"))
    }

    /// The line's hash, computed.
    pub fn compute_hash(&self) -> String {
        sha256_hex(self.unhashed_json().as_bytes())
    }

    /// The canonical JSON line (with `hash`, without a newline).
    pub fn line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// What a seal's signature signs: the format, the seal's position, its collection and time,
    /// and the head it vouches for.
    pub fn signed_message(&self) -> Vec<u8> {
        format!(
            "fieldcheck-locker-seal/v1\n{}\n{}\n{}\n{}\n",
            self.seq,
            self.collection,
            self.at,
            self.head.as_deref().unwrap_or("")
        )
        .into_bytes()
    }

    /// A short description for findings: `#12 exports/okta/users.json` or `#13 seal of collection 2`.
    pub fn describe(&self) -> String {
        match self.kind {
            LineKind::Evidence => format!(
                "entry #{} ({})",
                self.seq,
                self.name.as_deref().unwrap_or("?")
            ),
            LineKind::Seal => format!("seal #{} of collection {}", self.seq, self.collection),
        }
    }
}
