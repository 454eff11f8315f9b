//! Fast, non-cryptographic hash maps for the reader's interner and the controls' indexes, on
//! [`foldhash`]'s fixed-seed hasher. Keys here are ids from the organisation's own files; hash
//! flooding is not a concern, speed on millions of rows is. The seed is fixed, so a map's
//! iteration order is the same on every run (output never depends on it: whatever is printed is
//! sorted first, but a fixed seed keeps a stray iteration from making runs differ).

use std::collections::{HashMap, HashSet};

/// The hasher's builder: foldhash's fast hasher with its fixed seed.
pub type FastState = foldhash::fast::FixedState;

/// A hash map with [`FastState`].
pub type FastMap<K, V> = HashMap<K, V, FastState>;

/// A hash set with [`FastState`].
pub type FastSet<K> = HashSet<K, FastState>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn maps_work_and_hashes_differ_and_are_fixed() {
        let mut m: FastMap<&str, u32> = FastMap::default();
        for (i, k) in ["okta", "github", "aws-prod", "okta/alice", "okta/alicf"]
            .iter()
            .enumerate()
        {
            m.insert(k, i as u32);
        }
        assert_eq!(m.get("okta/alicf"), Some(&4));
        let h = |s: &str| FastState::default().hash_one(s);
        assert_ne!(h("okta/alice"), h("okta/alicf"));
        // Two builders hash alike: the seed is fixed, not drawn per map.
        assert_eq!(h("okta/alice"), FastState::default().hash_one("okta/alice"));
    }
}
