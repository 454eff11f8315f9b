//! Names stored once: 4-byte handles for the values of columns repeated on millions of rows
//! (the systems, accounts and actors of `account_events`, the kit's largest file by far: a few
//! hundred thousand distinct accounts behind 5.7 million events in the 50,000-person demo).
//!
//! An [`Id`] takes 24 bytes in every record; a [`Name`] takes 4 (`Option<Name>` too), and its
//! text is kept once in the kit's [`Names`]. A handle means something only with the table that
//! made it: [`Kit::names`](crate::Kit::names) for the kit's records.

use std::num::NonZeroU32;

use std::hash::{BuildHasher, Hasher};

use crate::fast::FastState;
use crate::records::Id;

/// A handle to a string in a [`Names`] table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Name(NonZeroU32);

impl Name {
    /// The handle's number (from 1).
    pub(crate) fn index(self) -> u32 {
        self.0.get()
    }

    /// The handle's place in its table, from 0 to below [`Names::len`]: for a vector indexed
    /// by name.
    pub fn slot(self) -> usize {
        self.0.get() as usize - 1
    }

    /// The handle numbered `i`, none for 0.
    pub(crate) fn from_index(i: u32) -> Option<Name> {
        NonZeroU32::new(i).map(Name)
    }
}

/// A table of strings, each stored once and named by a [`Name`].
///
/// The index holds 8 bytes a name (a hash tag and the handle); a probe compares against the text
/// in `all` only when the tags match. A reader that knows the next rows' values calls
/// [`Names::prefetch`] on them first, so that their lookups find the index and the texts in the
/// processor's caches.
#[derive(Clone, Default)]
pub struct Names {
    all: Vec<Id>,
    index: Index,
    /// The last name made for each of a few columns: a column that repeats its value row after
    /// row (one system, one actor) costs a comparison instead of a lookup.
    recent: [Option<Name>; RECENT],
    /// The last name made for any column: an event's actor that is its own account (a sign-in)
    /// costs a comparison too.
    last: Option<Name>,
}

impl std::fmt::Debug for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.all.iter()).finish()
    }
}

/// How many texts [`Names::prefetch`] loads at a time.
const PREFETCH: usize = 128;

/// How many columns [`Names::intern_at`] remembers the last value of.
const RECENT: usize = 8;

/// A string's hash: of its bytes, so that a cell's raw bytes hash alike ([`Names::prefetch`]).
pub(crate) fn hash(text: &[u8]) -> u64 {
    let mut h = FastState::default().build_hasher();
    h.write(text);
    h.finish()
}

/// The index of a [`Names`] table: open addressing with linear probing, at most half full. A slot
/// holds the top 32 bits of its string's hash (the tag) and the name's number, 0 when empty. A
/// string's first slot is given by its tag's top bits, so the index grows and forgets names
/// without hashing their texts again.
#[derive(Clone, Default)]
pub(crate) struct Index {
    slots: Vec<u64>,
    /// `slots.len()` is `1 << bits` (or 0 before the first name).
    bits: u32,
    len: usize,
}

impl Index {
    fn tag(h: u64) -> u32 {
        (h >> 32) as u32
    }

    /// The first slot a tag is looked for in.
    fn home(&self, tag: u32) -> usize {
        // `bits` is at least 4 once there are slots (`grow`), and never more than 32.
        (u64::from(tag) >> (32 - self.bits)) as usize
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// The name of hash `h` that `eq` accepts, or the empty slot where it would go.
    pub(crate) fn probe(&self, h: u64, mut eq: impl FnMut(Name) -> bool) -> Result<Name, usize> {
        if self.slots.is_empty() {
            return Err(usize::MAX);
        }
        let tag = Index::tag(h);
        let mut i = self.home(tag);
        loop {
            let s = self.slots[i];
            if s == 0 {
                return Err(i);
            }
            if (s >> 32) as u32 == tag
                && let Some(n) = Name::from_index(s as u32)
                && eq(n)
            {
                return Ok(n);
            }
            i = (i + 1) & self.mask();
        }
    }

    /// Reads the slot a hash is looked for first: a prefetch's load.
    pub(crate) fn first_slot(&self, h: u64) -> u64 {
        if self.slots.is_empty() {
            return 0;
        }
        self.slots[self.home(Index::tag(h))]
    }

    /// How many entries it can hold before it grows.
    pub(crate) fn capacity(&self) -> usize {
        self.slots.len() / 2
    }

    /// Whether the next insert must wait for the index to grow (then its slot is looked for
    /// again).
    fn full(&self) -> bool {
        (self.len + 1) * 2 > self.slots.len()
    }

    /// Doubles the index (16 slots at first), every name moved to its slot in the larger one.
    pub(crate) fn grow(&mut self) {
        let bits = (self.bits + 1).max(4);
        assert!(bits <= 32, "fewer than 2^31 names");
        // Filled by writing, not allocated zeroed: a large zeroed allocation is fresh pages that
        // a probe maps read-only to the shared zero page, and every first write to one then
        // copies it and stops the other thread to flush its TLB (BENCHMARKS.md, tenth round).
        #[allow(clippy::slow_vector_initialization)] // On purpose: see above.
        let slots = {
            let mut slots = Vec::with_capacity(1 << bits);
            slots.resize(1 << bits, 0);
            slots
        };
        let old = std::mem::replace(&mut self.slots, slots);
        self.bits = bits;
        let mask = self.mask();
        for s in old.into_iter().filter(|&s| s != 0) {
            let mut i = self.home((s >> 32) as u32);
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }

    /// Puts name `n` of hash `h` in slot `i`, the empty slot [`Index::probe`] gave; when the
    /// index is full it grows first, and the slot is looked for again.
    pub(crate) fn put(&mut self, mut i: usize, h: u64, n: Name) {
        if self.full() {
            self.grow();
            i = self
                .probe(h, |_| false)
                .expect_err("a new entry is not in the index");
        }
        self.slots[i] = u64::from(Index::tag(h)) << 32 | u64::from(n.index());
        self.len += 1;
    }

    /// Removes name `n` of hash `h`; each name after it in its run moves back to the first slot
    /// on its path, so no lookup ever stops short at the slot it leaves.
    fn remove(&mut self, h: u64, n: Name) {
        let Ok(found) = self.probe(h, |m| m == n) else {
            return;
        };
        let mask = self.mask();
        let mut hole = self.home(Index::tag(h));
        while self.slots[hole] as u32 != found.index() {
            hole = (hole + 1) & mask;
        }
        let mut j = (hole + 1) & mask;
        loop {
            let s = self.slots[j];
            if s == 0 {
                break;
            }
            let home = self.home((s >> 32) as u32);
            // The name at `j` may move to `hole` when `hole` is on its path from `home` to `j`.
            if j.wrapping_sub(home) & mask >= j.wrapping_sub(hole) & mask {
                self.slots[hole] = s;
                hole = j;
            }
            j = (j + 1) & mask;
        }
        self.slots[hole] = 0;
        self.len -= 1;
    }
}

impl Names {
    /// The text of `name`.
    ///
    /// # Panics
    /// When `name` was not made by this table (a handle of another kit).
    pub fn get(&self, name: Name) -> &str {
        &self.all[name.0.get() as usize - 1]
    }

    /// The name of `text`, if the table has it: a string no record holds has none.
    pub fn find(&self, text: &str) -> Option<Name> {
        let all = &self.all;
        self.index
            .probe(hash(text.as_bytes()), |n| same(&all[n.slot()], text))
            .ok()
    }

    /// [`Names::find`] of each of `texts`, in order: a few dozen at a time, their lookups
    /// fetched first ([`Names::prefetch`]), for a control that looks up every record of a large
    /// kind.
    pub fn find_all<'t>(&self, texts: impl ExactSizeIterator<Item = &'t str>) -> Vec<Option<Name>> {
        let texts: Vec<&str> = texts.collect();
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(PREFETCH) {
            self.prefetch(chunk.iter().map(|t| t.as_bytes()));
            out.extend(chunk.iter().map(|t| self.find(t)));
        }
        out
    }

    /// How many distinct strings the table holds.
    pub fn len(&self) -> usize {
        self.all.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// Forgets every name made after the first `len` (those of records not kept).
    pub(crate) fn truncate(&mut self, len: usize) {
        // Each forgotten name leaves the index by its own hash: the cost is the names forgotten,
        // not the table (a rejected row forgets the names its cells made).
        while self.all.len() > len {
            let n = Name::from_index(self.all.len() as u32).expect("at least one name");
            let text = self.all.pop().expect("at least one name");
            self.index.remove(hash(text.as_bytes()), n);
        }
        self.recent = [None; RECENT];
        self.last = None;
    }

    /// The name of `text`, added when new.
    pub fn intern(&mut self, text: Id) -> Name {
        self.intern_with(&text, || text.clone())
    }

    /// The name of `text`; `make` gives the string to store when it is new.
    fn intern_with(&mut self, text: &str, make: impl FnOnce() -> Id) -> Name {
        let h = hash(text.as_bytes());
        let all = &self.all;
        let slot = match self.index.probe(h, |n| same(&all[n.slot()], text)) {
            Ok(n) => return n,
            Err(i) => i,
        };
        // Handles stop below u32::MAX, which an event's actor keeps for "the account itself".
        let n = u32::try_from(self.all.len() + 1)
            .ok()
            .filter(|&i| i < u32::MAX)
            .and_then(Name::from_index)
            .expect("fewer than 2^32 - 1 names");
        self.all.push(make());
        self.index.put(slot, h, n);
        n
    }

    /// Loads into the processor's caches what looking up each of `texts` will read: every
    /// text's slot in the index, then the stored id its slot names, then a long id's text. A
    /// reader calls it on the cells of the rows it is about to read (a few dozen rows at a time):
    /// the lookups that follow then find what they compare in the caches. Each step is a short
    /// loop of loads that do not wait for each other, so the processor has many in flight. A
    /// hint only: nothing changes, and a text that is not (yet) a name costs its hash.
    pub(crate) fn prefetch<'t>(&self, texts: impl Iterator<Item = &'t [u8]>) {
        if self.index.slots.is_empty() {
            return;
        }
        let mut hashes = [0u64; PREFETCH];
        let mut n = 0;
        for t in texts {
            if n == PREFETCH {
                self.prefetch_hashes(&hashes);
                n = 0;
            }
            hashes[n] = hash(t);
            n += 1;
        }
        self.prefetch_hashes(&hashes[..n]);
    }

    fn prefetch_hashes(&self, hashes: &[u64]) {
        let ix = &self.index;
        let mut sink = 0u64;
        for &h in hashes {
            sink = sink.wrapping_add(ix.slots[ix.home(Index::tag(h))]);
        }
        // The first name with each text's tag: its text is what the lookup compares.
        let mut found = [0usize; PREFETCH];
        for (f, &h) in found.iter_mut().zip(hashes) {
            *f = ix.probe(h, |_| true).map_or(usize::MAX, Name::slot);
        }
        let found = &found[..hashes.len()];
        for &f in found {
            if let Some(id) = self.all.get(f) {
                sink = sink.wrapping_add(id.len() as u64);
            }
        }
        for &f in found {
            if let Some(id) = self.all.get(f).filter(|id| id.is_heap_allocated()) {
                sink = sink.wrapping_add(u64::from(id.as_bytes().first().copied().unwrap_or(0)));
            }
        }
        std::hint::black_box(sink);
    }

    /// Adds every name of `other` to this table: the names they have here, in `other`'s order
    /// (the name `other` numbers `i` is at `i - 1`).
    pub(crate) fn absorb(&mut self, other: &Names) -> Vec<Name> {
        let mut to = Vec::with_capacity(other.all.len());
        // A few dozen at a time, their lookups' memory fetched first, as the reader does.
        for some in other.all.chunks(PREFETCH) {
            self.prefetch(some.iter().map(|t| t.as_bytes()));
            to.extend(some.iter().map(|text| self.intern(text.clone())));
        }
        to
    }

    /// [`Names::intern`] for the value of column `slot` (below 8): the column's last value, then
    /// the last name made for any column, are checked first.
    pub(crate) fn intern_at(&mut self, slot: usize, text: Id) -> Name {
        self.intern_str_at(slot, &text, || text.clone())
    }

    /// [`Names::intern_at`] for a cell's text: nothing is allocated for a name already made.
    pub(crate) fn intern_raw_at(&mut self, slot: usize, text: &str) -> Name {
        self.intern_str_at(slot, text, || Id::new(text))
    }

    fn intern_str_at(&mut self, slot: usize, text: &str, make: impl FnOnce() -> Id) -> Name {
        let slot = slot % RECENT;
        // The last name first: an actor that is its row's account matches it.
        for n in [self.last, self.recent[slot]].into_iter().flatten() {
            if same(self.get(n), text) {
                self.recent[slot] = Some(n);
                self.last = Some(n);
                return n;
            }
        }
        let n = self.intern_with(text, make);
        self.recent[slot] = Some(n);
        self.last = Some(n);
        n
    }
}

/// Whether two names' texts are equal: ids are short (most under 32 bytes), and comparing them
/// 8 bytes at a time here, inline, costs less than a call to the C library's `memcmp` for each of
/// the millions of rows' lookups.
#[inline]
fn same(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

/// [`same`] over bytes.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if !(8..=64).contains(&n) {
        return a == b;
    }
    let word = |s: &[u8], i: usize| u64::from_ne_bytes(s[i..i + 8].try_into().expect("8 bytes"));
    let mut i = 0;
    while i + 8 < n {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    // The last 8 bytes (overlapping the words compared when `n` is not a multiple of 8).
    word(a, n - 8) == word(b, n - 8)
}

/// Two different texts `make` gives whose hashes by `h` have the same tag (an index compares
/// them as texts): found by trying about a hundred thousand, as the birthday bound says.
#[cfg(test)]
pub(crate) fn tag_collision(
    make: impl Fn(u32) -> String,
    h: impl Fn(&str) -> u64,
) -> (String, String) {
    let mut seen = std::collections::HashMap::new();
    for i in 0.. {
        let t = make(i);
        if let Some(j) = seen.insert(Index::tag(h(&t)), i) {
            return (make(j), t);
        }
    }
    unreachable!("a tag is 32 bits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_compared_whole_at_every_length() {
        for n in 0..80usize {
            let a: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            assert!(same(&a, &a.clone()), "length {n}");
            // One byte changed at each place, and one more or one less byte: never equal.
            for at in 0..n {
                let mut b = a.clone().into_bytes();
                b[at] = b'#';
                let b = String::from_utf8(b).expect("ascii");
                assert!(!same(&a, &b) && !same(&b, &a), "length {n}, byte {at}");
            }
            assert!(!same(&a, &format!("{a}a")), "length {n}");
            if n > 0 {
                assert!(!same(&a, &a[..n - 1]), "length {n}");
            }
        }
    }

    #[test]
    fn absorbing_a_table_names_each_of_its_names_as_this_table_does() {
        // More names than one prefetched batch, half of them already here, long and short.
        let text = |i: usize| {
            if i.is_multiple_of(3) {
                format!("account-{i:020}")
            } else {
                format!("a{i}")
            }
        };
        let mut here = Names::default();
        for i in (0..300).step_by(2) {
            here.intern(Id::new(text(i)));
        }
        let mut other = Names::default();
        for i in (0..300).rev() {
            other.intern(Id::new(text(i)));
        }
        let before = here.len();
        let to = here.absorb(&other);
        assert_eq!(to.len(), other.len());
        for (i, &n) in to.iter().enumerate() {
            let name = Name::from_index(i as u32 + 1).expect("a handle");
            assert_eq!(here.get(n), other.get(name), "name {i}");
        }
        // Only the odd texts were new.
        assert_eq!(here.len(), before + 150);
    }

    #[test]
    fn a_string_is_stored_once_and_named_by_four_bytes() {
        assert_eq!(std::mem::size_of::<Option<Name>>(), 4);
        let mut t = Names::default();
        let okta = t.intern_at(0, Id::new("okta"));
        let aws = t.intern_at(0, Id::new("aws"));
        // The column's last value, and an earlier one, give the same handles again.
        assert_eq!(t.intern_at(0, Id::new("aws")), aws);
        assert_eq!(t.intern_at(1, Id::new("okta")), okta);
        assert_eq!(t.intern(Id::new("okta")), okta);
        assert_ne!(okta, aws);
        assert_eq!((t.get(okta), t.get(aws), t.len()), ("okta", "aws", 2));
        assert_eq!(t.find("aws"), Some(aws));
        // The boundary: a string never interned has no name, and the empty string is a name.
        assert_eq!(t.find("gcp"), None);
        let empty = t.intern(Id::default());
        assert_eq!(t.get(empty), "");
        assert_eq!(t.len(), 3);
        // Names made for records that were not kept are forgotten, and made again alike.
        t.truncate(2);
        assert_eq!((t.len(), t.find(""), t.find("aws")), (2, None, Some(aws)));
        assert_eq!(t.intern(Id::default()), empty);
    }

    #[test]
    fn finding_many_is_finding_each() {
        let mut t = Names::default();
        for i in 0..1000 {
            if i % 3 != 0 {
                t.intern(Id::new(format!("account-{i}-of-a-longer-kind")));
            }
        }
        let texts: Vec<String> = (0..1000)
            .map(|i| format!("account-{i}-of-a-longer-kind"))
            .collect();
        let all = t.find_all(texts.iter().map(String::as_str));
        let each: Vec<Option<Name>> = texts.iter().map(|x| t.find(x)).collect();
        assert_eq!(all, each);
        assert_eq!(all.iter().filter(|n| n.is_some()).count(), 666);
    }

    #[test]
    fn the_index_grows_and_forgets_in_any_order_and_finds_every_name_left() {
        // Hashes chosen so that names share their first slots and runs wrap past the end: with
        // 16 slots a name's first slot is its tag's top 4 bits.
        let h = |home: u64, k: u64| (home << 60) | (k << 32) | k;
        let mut ix = Index::default();
        ix.grow();
        assert_eq!(ix.slots.len(), 16);
        let homes = [15, 15, 0, 15, 14, 0, 1, 14];
        let mut live: Vec<(u64, Name)> = Vec::new();
        for (k, &home) in homes.iter().enumerate() {
            let hk = h(home, k as u64 + 1);
            let n = Name::from_index(k as u32 + 1).unwrap();
            let slot = ix.probe(hk, |_| false).unwrap_err();
            ix.put(slot, hk, n);
            live.push((hk, n));
        }
        for &(hk, n) in &live {
            assert_eq!(ix.probe(hk, |m| m == n), Ok(n));
        }
        // Eight orders of removal of these names (each from another first name) leave the rest
        // findable.
        for first in 0..live.len() {
            let mut ix = ix.clone();
            let mut left = live.clone();
            let mut at = first;
            while !left.is_empty() {
                let (hk, n) = left.remove(at % left.len());
                ix.remove(hk, n);
                assert_eq!(ix.probe(hk, |m| m == n).ok(), None);
                for &(hk, m) in &left {
                    assert_eq!(ix.probe(hk, |x| x == m), Ok(m), "lost after removing {n:?}");
                }
                at += 3;
            }
            assert_eq!(
                (ix.len, ix.slots.iter().filter(|&&s| s != 0).count()),
                (0, 0)
            );
        }
        // Growing keeps every name.
        ix.grow();
        for &(hk, n) in &live {
            assert_eq!(ix.probe(hk, |m| m == n), Ok(n));
        }
    }

    #[test]
    fn many_names_made_forgotten_and_made_again_keep_their_handles() {
        let mut t = Names::default();
        let texts: Vec<String> = (0..5000)
            .map(|i| format!("acct-{i:05}-{}", "x".repeat(i % 30)))
            .collect();
        let made: Vec<Name> = texts.iter().map(|s| t.intern(Id::new(s))).collect();
        assert_eq!(t.len(), 5000);
        t.prefetch(texts.iter().map(|s| s.as_bytes()));
        for (s, &n) in texts.iter().zip(&made) {
            assert_eq!((t.find(s), t.get(n)), (Some(n), s.as_str()));
        }
        t.truncate(1234);
        for (i, s) in texts.iter().enumerate() {
            assert_eq!(t.find(s), (i < 1234).then_some(made[i]), "{s}");
        }
        let again: Vec<Name> = texts.iter().map(|s| t.intern(Id::new(s))).collect();
        assert_eq!(again, made);
    }
}
