//! The evidence locker: raw evidence as it was received, kept so that nobody can change, remove
//! or back-date it unnoticed, and replayable as of any past date.
//!
//! ```text
//! locker/
//!   manifest.jsonl        append-only: one entry per collected file, one seal per collection
//!   HEAD                  the last line's sequence number and hash (a truncation witness)
//!   locker.pub            the public key that signs the seals (when signing)
//!   blobs/sha256/ab/cd…   each distinct content once, named by its SHA-256
//! ```
//!
//! Every manifest line carries the hash of the line before it (`prev`) and its own `hash` (SHA-256
//! of the line without `hash`), so the manifest is a hash chain: editing, removing, reordering or
//! inserting a line breaks it at that line. A collection ends with a **seal** line whose optional
//! Ed25519 signature covers the chain head, so even a recomputed chain cannot pass as the
//! original. `HEAD` records the last line, so a cut-off manifest is caught too.
//!
//! **Invariant:** the locker is always valid on disk. Blobs are written to `tmp/`, synced and
//! renamed into place; a collection's lines become visible in one atomic rename of the whole
//! manifest, and `HEAD` is renamed after it. A crash at any moment leaves either the previous
//! manifest or the new one, never a partial line.
//!
//! **Invariant:** no clock is read here: collection times come from the caller.

#![deny(missing_docs)]

mod keys;
mod layout;
mod manifest;
mod meter;
mod store;
mod verify;

pub use keys::{
    KeyError, generate_key, public_text, read_public_key, read_secret_key, write_key_pair,
};
pub use manifest::{Entry, LineKind, ZERO_HASH, sha256_hex, valid_digest};
pub use meter::Meter;
pub use store::{Collected, Collection, Incoming, Locker, LockerError, crash_after_from_env};
pub use verify::{Finding, Verified, verify, verify_metered, verify_with};

/// An Ed25519 public key: the key a locker's seals are checked against.
pub use ed25519_dalek::VerifyingKey;
