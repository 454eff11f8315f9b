//! A small portable pseudo-random generator (xoshiro256** seeded by SplitMix64), so a seed gives the same kit everywhere.
//!
//! Every part of the kit draws from its own named stream, so changing how one file is generated never shifts another.

/// The SplitMix64 finaliser: a bijection on `u64` that scrambles its input well.
pub(crate) const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a of a label, to name streams.
const fn fnv(label: &str) -> u64 {
    let bytes = label.as_bytes();
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

/// An xoshiro256** generator.
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator seeded by SplitMix64 from `seed`.
    pub(crate) fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut s = [0u64; 4];
        for slot in &mut s {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            *slot = mix64(x);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }

    /// The generator of the named stream `label`, part `index`, of a seed.
    pub(crate) fn stream(seed: u64, label: &str, index: u64) -> Rng {
        let h = fnv(label);
        Rng::new(mix64(seed ^ mix64(h)) ^ mix64(index.wrapping_add(h.rotate_left(17))))
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform integer in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A uniform integer in `lo..hi` (`lo` when the range is empty).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64) as i64
    }

    /// A uniform index into a collection of `len` items.
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A uniform float in `[0, 1)`, built from 53 random bits (portable).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniformly chosen item of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// An index chosen with probability proportional to its weight (0 when all weights are 0).
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < u64::from(w) {
                return i;
            }
            r -= u64::from(w);
        }
        0
    }

    /// Shuffles a slice in place (Fisher-Yates).
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }
}

const B62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `width` base-62 digits of `v` (the low digits; 11 digits hold all of a `u64`).
pub(crate) fn push_base62(out: &mut String, mut v: u64, width: usize) {
    let mut tmp = [b'0'; 16];
    for slot in tmp.iter_mut().take(width.min(16)) {
        *slot = B62[(v % 62) as usize];
        v /= 62;
    }
    for &b in tmp[..width.min(16)].iter().rev() {
        out.push(char::from(b));
    }
}

/// Appends the 13 upper-case base-36 digits of `v` (all of a `u64`, so distinct values stay distinct).
pub(crate) fn push_base36(out: &mut String, mut v: u64) {
    let mut tmp = [b'0'; 13];
    for slot in &mut tmp {
        *slot = B62[(v % 36) as usize];
        v /= 36;
    }
    for &b in tmp.iter().rev() {
        out.push(char::from(b));
    }
}

/// Appends `width` lower-case hex digits of `v` (the low digits).
pub(crate) fn push_hex(out: &mut String, v: u64, width: usize) {
    for i in (0..width.min(16)).rev() {
        out.push(char::from(HEX[((v >> (4 * i)) & 15) as usize]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_stable_and_distinct() {
        let mut a = Rng::stream(7, "people", 0);
        let mut b = Rng::stream(7, "people", 0);
        let mut c = Rng::stream(7, "people", 1);
        let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..4).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        let mut r = Rng::new(1);
        for _ in 0..1000 {
            let v = r.range(-3, 4);
            assert!((-3..4).contains(&v));
        }
    }
}
