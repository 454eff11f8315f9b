//! The keys a keyed file's rows have given so far, to find a key given twice.
//!
//! A file of a million sessions or deploys checks a million keys. Each key's text is copied once
//! into one buffer, and the index holds 8 bytes a key (a hash tag and the key's number, the
//! names' own [`Index`]); a key's text is compared only when its tag matches, which in practice
//! is only for a key given twice. A map of owned ids cloned each key and compared texts kept
//! elsewhere on the heap (BENCHMARKS.md, ninth round). The reader fetches the next rows' index
//! slots ahead ([`KeySet::prefetch`]), as it does their names'.

use crate::names::{Index, Name, hash, same_bytes};

/// A key's hash, from its parts' bytes (so a row's raw cells hash alike, for a prefetch).
fn key_hash(first: &[u8], second: Option<&[u8]>) -> u64 {
    let h = hash(first);
    match second {
        Some(s) => h.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ hash(s),
        None => h,
    }
}

/// The keys seen in one kind's rows (its file, then its sourced rows).
#[derive(Default)]
pub(crate) struct KeySet {
    index: Index,
    /// Each key's start in `text`, and where it was seen: a file line, or a sourced row's
    /// origin index with the reader's `SOURCED` flag. A key ends where the next starts.
    seen: Vec<(usize, u32)>,
    /// Every key's encoding, one after the other.
    text: Vec<u8>,
}

impl KeySet {
    /// Records the key `(first, second)` seen at `at`; a key seen before gives where it was.
    pub(crate) fn check(&mut self, first: &str, second: Option<&str>, at: u32) -> Result<(), u32> {
        // The first part's length, the first part, then whether there is a second part and the
        // second part: two keys are equal exactly when their encodings are.
        let start = self.text.len();
        self.text
            .extend_from_slice(&(first.len() as u64).to_le_bytes());
        self.text.extend_from_slice(first.as_bytes());
        match second {
            Some(s) => {
                self.text.push(1);
                self.text.extend_from_slice(s.as_bytes());
            }
            None => self.text.push(0),
        }
        let (text, seen) = (&self.text, &self.seen);
        let key = &text[start..];
        let h = key_hash(first.as_bytes(), second.map(str::as_bytes));
        let end = |i: usize| seen.get(i + 1).map_or(start, |s| s.0);
        let found = self.index.probe(h, |n| {
            let i = n.slot();
            same_bytes(&text[seen[i].0..end(i)], key)
        });
        match found {
            Ok(n) => {
                let earlier = self.seen[n.slot()].1;
                self.text.truncate(start);
                Err(earlier)
            }
            Err(slot) => {
                let n = Name::from_index(self.seen.len() as u32 + 1).expect("numbered from 1");
                self.seen.push((start, at));
                self.index.put(slot, h, n);
                Ok(())
            }
        }
    }

    /// The hash of every key it holds, as [`KeySet::hash_of`] gives it.
    pub(crate) fn hashes(&self) -> impl Iterator<Item = u64> + '_ {
        let ends = self
            .seen
            .iter()
            .skip(1)
            .map(|s| s.0)
            .chain(std::iter::once(self.text.len()));
        self.seen.iter().zip(ends).map(|(&(start, _), end)| {
            let key = &self.text[start..end];
            let len = u64::from_le_bytes(key[..8].try_into().expect("a length")) as usize;
            let (first, rest) = key[8..].split_at(len);
            key_hash(first, (rest[0] == 1).then(|| &rest[1..]))
        })
    }

    /// The hash of the key `(first, second)`: equal keys have equal hashes.
    pub(crate) fn hash_of(first: &str, second: Option<&str>) -> u64 {
        key_hash(first.as_bytes(), second.map(str::as_bytes))
    }

    /// Loads into the processor's caches the index slots that looking up these keys will read
    /// first (the next few dozen rows' raw cells). A hint only: nothing changes.
    pub(crate) fn prefetch<'t>(&self, keys: impl Iterator<Item = (&'t [u8], Option<&'t [u8]>)>) {
        if self.seen.is_empty() {
            return;
        }
        let mut hashes = [0u64; 64];
        let mut n = 0;
        let mut sink = 0u64;
        for (first, second) in keys {
            if n == hashes.len() {
                break;
            }
            hashes[n] = key_hash(first, second);
            n += 1;
        }
        // The hashes first, then the loads, which do not wait for each other.
        for &h in &hashes[..n] {
            sink = sink.wrapping_add(self.index.first_slot(h));
        }
        std::hint::black_box(sink);
    }

    /// Sets aside room for `more` keys.
    pub(crate) fn reserve(&mut self, more: usize) {
        let want = self.seen.len() + more;
        self.seen.reserve(more);
        while self.index.capacity() < want {
            self.index.grow();
        }
    }

    /// How many keys it holds.
    pub(crate) fn len(&self) -> usize {
        self.seen.len()
    }

    /// Forgets every key.
    pub(crate) fn clear(&mut self) {
        *self = KeySet::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hashes_are_those_of_each_key_held() {
        let mut k = KeySet::default();
        let keys = [
            ("a", None),
            ("a", Some("")),
            ("", Some("a")),
            ("ab", Some("c")),
            ("s-1", None),
        ];
        for (i, (a, b)) in keys.iter().enumerate() {
            k.check(a, *b, i as u32).expect("distinct");
        }
        let want: Vec<u64> = keys.iter().map(|(a, b)| KeySet::hash_of(a, *b)).collect();
        assert_eq!(k.hashes().collect::<Vec<_>>(), want);
        assert_eq!(KeySet::default().hashes().count(), 0);
    }

    #[test]
    fn a_key_is_found_again_and_only_itself() {
        let mut k = KeySet::default();
        let mut keys = Vec::new();
        for i in 0..5_000u32 {
            let first = format!("key-{i}");
            let second = (i % 3 != 0).then(|| format!("s{}", i % 7));
            assert_eq!(k.check(&first, second.as_deref(), i + 2), Ok(()), "{first}");
            keys.push((first, second, i + 2));
        }
        assert_eq!(k.len(), 5_000);
        // A prefetch is a hint: keys seen, not seen, and more than a batch, change nothing.
        k.prefetch(
            keys.iter()
                .map(|(a, b, _)| (a.as_bytes(), b.as_deref().map(str::as_bytes)))
                .chain([(&b"absent"[..], None)]),
        );
        assert_eq!(k.len(), 5_000);
        for (first, second, at) in &keys {
            assert_eq!(k.check(first, second.as_deref(), 99), Err(*at), "{first}");
        }
        // Nothing was added by the duplicates.
        assert_eq!(k.len(), 5_000);
        // Parts are not run together: ("ab", "c"), ("a", "bc"), ("abc", none), ("abc", "") and
        // the first part alone with a byte that could look like the separator are all distinct.
        let mut k = KeySet::default();
        for (i, (a, b)) in [
            ("ab", Some("c")),
            ("a", Some("bc")),
            ("abc", None),
            ("abc", Some("")),
            ("abc\u{1}", None),
            ("abc\u{0}", None),
            ("", None),
            ("", Some("")),
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(k.check(a, b, i as u32), Ok(()), "{a:?} {b:?}");
        }
        assert_eq!(k.check("a", Some("bc"), 50), Err(1));
        assert_eq!(k.check("", Some(""), 50), Err(7));
    }

    /// Two keys whose hashes share a tag are told apart by their texts: neither is a
    /// duplicate of the other (a row would be rejected for nothing), and each is found again.
    #[test]
    fn keys_with_the_same_tag_are_told_apart() {
        let (a, b) = crate::names::tag_collision(
            |i| format!("session-{i}"),
            |t| key_hash(t.as_bytes(), None),
        );
        assert_ne!(a, b);
        let mut k = KeySet::default();
        assert_eq!(k.check(&a, None, 2), Ok(()));
        assert_eq!(k.check(&b, None, 3), Ok(()), "{a} and {b}");
        assert_eq!(k.check(&a, None, 4), Err(2));
        assert_eq!(k.check(&b, None, 5), Err(3));
    }

    #[test]
    fn room_set_aside_changes_nothing() {
        let mut k = KeySet::default();
        k.reserve(1000);
        for i in 0..3000u32 {
            assert_eq!(k.check(&i.to_string(), None, i), Ok(()));
        }
        for i in (0..3000u32).rev() {
            assert_eq!(k.check(&i.to_string(), None, 0), Err(i));
        }
        k.clear();
        assert_eq!(k.len(), 0);
        assert_eq!(k.check("1", None, 5), Ok(()));
    }
}
