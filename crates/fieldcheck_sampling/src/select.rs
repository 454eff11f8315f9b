//! Hash-ranked sample selection: each item's rank is SHA-256 of the seed, the control, the test
//! and the item key (joined by the unit separator, U+001F), and the sample is the items of lowest
//! rank. It does not depend on input order or on any random-number library, a larger sample always
//! contains a smaller one, and anyone can recompute it.

use sha2::{Digest, Sha256};

/// The rank of an item: SHA-256 of `seed ␟ control ␟ test ␟ item`.
pub fn rank(seed: &str, control: &str, test: &str, item: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    for (i, part) in [seed, control, test, item].iter().enumerate() {
        if i > 0 {
            h.update([0x1f]);
        }
        h.update(part.as_bytes());
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&h.finalize());
    out
}

/// The indexes of the `n` items of lowest rank, in rank order.
pub fn select<S: AsRef<str>>(
    seed: &str,
    control: &str,
    test: &str,
    items: &[S],
    n: usize,
) -> Vec<usize> {
    let mut ranked: Vec<([u8; 32], &str, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, s)| (rank(seed, control, test, s.as_ref()), s.as_ref(), i))
        .collect();
    ranked.sort_unstable();
    ranked.into_iter().take(n).map(|r| r.2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("dpl-{i:05}")).collect()
    }

    fn sample(seed: &str, items: &[String], n: usize) -> Vec<String> {
        select(seed, "change-management", "deploy-traceability", items, n)
            .into_iter()
            .map(|i| items[i].clone())
            .collect()
    }

    #[test]
    fn the_rank_is_plain_sha256() {
        // printf 'seed\x1fc\x1ft\x1fitem' | sha256sum
        let r = rank("seed", "c", "t", "item");
        let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
        let mut h = Sha256::new();
        h.update(b"seed\x1fc\x1ft\x1fitem");
        let want: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, want);
    }

    #[test]
    fn same_seed_same_sample_and_within_the_population() {
        let items = keys(500);
        let a = sample("7", &items, 29);
        assert_eq!(a, sample("7", &items, 29));
        assert_eq!(a.len(), 29);
        assert!(a.iter().all(|x| items.contains(x)));
        let unique: std::collections::BTreeSet<_> = a.iter().collect();
        assert_eq!(unique.len(), 29);
        assert_ne!(a, sample("8", &items, 29));
    }

    #[test]
    fn input_order_does_not_matter() {
        let items = keys(300);
        let mut shuffled = items.clone();
        shuffled.reverse();
        shuffled.rotate_left(77);
        let mut a = sample("42", &items, 25);
        let mut b = sample("42", &shuffled, 25);
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }

    #[test]
    fn a_larger_sample_extends_the_smaller() {
        let items = keys(1_000);
        for seed in ["1", "2", "audit-2026"] {
            let small = sample(seed, &items, 29);
            let large = sample(seed, &items, 38);
            assert_eq!(&large[..29], &small[..]);
        }
        assert_eq!(
            sample("1", &items[..10], 29).len(),
            10,
            "never more than the population"
        );
    }
}
