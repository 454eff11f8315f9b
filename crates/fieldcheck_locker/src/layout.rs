//! Where things are in a locker's folder. The lowest module with `manifest`: both the store
//! (which writes blobs) and verification (which re-hashes them) find a blob here, so neither
//! imports the other for it.

use std::path::{Path, PathBuf};

/// Where the blob of a digest is. A digest that is not `sha256:` and 64 hex digits names no
/// blob (a path that cannot exist), so a forged manifest cannot point outside the store.
pub(crate) fn blob_path(dir: &Path, digest: &str) -> PathBuf {
    if !crate::manifest::valid_digest(digest) {
        return dir.join("blobs").join("sha256").join("not-a-digest");
    }
    let h = &digest["sha256:".len()..];
    dir.join("blobs").join("sha256").join(&h[..2]).join(&h[2..])
}
