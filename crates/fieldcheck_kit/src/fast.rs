//! Fast, non-cryptographic hash maps for the reader's interner and the controls' indexes, on
//! [`foldhash`]'s fixed-seed hasher. Keys here are ids from the organisation's own files; hash
//! flooding is not a concern, speed on millions of rows is. The seed is fixed, so a map's
//! iteration order is the same on every run (output never depends on it: whatever is printed is
//! sorted first, but a fixed seed keeps a stray iteration from making runs differ).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The hasher's builder: foldhash's fast hasher with its fixed seed.
pub type FastState = foldhash::fast::FixedState;

/// A hash map with [`FastState`].
pub type FastMap<K, V> = HashMap<K, V, FastState>;

/// A hash set with [`FastState`].
pub type FastSet<K> = HashSet<K, FastState>;

/// `items.iter().map(f)`, on two threads (the machine's cores): the items are independent, each
/// goes to the next free thread, and the results come back in the items' order, so the output
/// does not depend on which thread did what. A panic in `f` is raised again here.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let mut all = std::thread::scope(|s| {
        let other = s.spawn(worker);
        let mut mine = worker();
        mine.extend(
            other
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p)),
        );
        mine
    });
    all.sort_unstable_by_key(|r| r.0);
    all.into_iter().map(|r| r.1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn par_map_keeps_the_order() {
        let items: Vec<u64> = (0..1000).collect();
        // Uneven work, so the threads finish out of order.
        let out = par_map(&items, |&i| (0..(i % 7) * 1000).fold(i, |a, b| a ^ b) ^ i);
        let expected: Vec<u64> = items
            .iter()
            .map(|&i| (0..(i % 7) * 1000).fold(i, |a, b| a ^ b) ^ i)
            .collect();
        assert_eq!(out, expected);
        assert!(par_map(&[] as &[u8], |_| 0).is_empty());
    }

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
