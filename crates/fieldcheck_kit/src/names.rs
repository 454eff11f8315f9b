//! Names stored once: 4-byte handles for the values of columns repeated on millions of rows
//! (the systems, accounts and actors of `account_events`, the kit's largest file by far: a few
//! hundred thousand distinct accounts behind 5.7 million events in the 50,000-person demo).
//!
//! An [`Id`] takes 24 bytes in every record; a [`Name`] takes 4 (`Option<Name>` too), and its
//! text is kept once in the kit's [`Names`]. A handle means something only with the table that
//! made it: [`Kit::names`](crate::Kit::names) for the kit's records.

use std::num::NonZeroU32;

use std::hash::BuildHasher;

use hashbrown::HashTable;

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
/// The index holds only the 4-byte handles (a table of a few hundred thousand accounts stays in
/// the processor's cache); a probe compares against the text in `all`.
#[derive(Clone, Default)]
pub struct Names {
    all: Vec<Id>,
    index: HashTable<Name>,
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

/// How many columns [`Names::intern_at`] remembers the last value of.
const RECENT: usize = 8;

fn hash(text: &str) -> u64 {
    FastState::default().hash_one(text)
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
            .find(hash(text), |&n| *all[n.0.get() as usize - 1] == *text)
            .copied()
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
            if let Ok(e) = self.index.find_entry(hash(&text), |&m| m == n) {
                e.remove();
            }
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
        let h = hash(text);
        let all = &mut self.all;
        let entry = self.index.entry(
            h,
            |&n| *all[n.0.get() as usize - 1] == *text,
            |&n| hash(&all[n.0.get() as usize - 1]),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(o) => *o.get(),
            hashbrown::hash_table::Entry::Vacant(v) => {
                // Handles stop below u32::MAX, which an event's actor keeps for "the account
                // itself".
                let n = u32::try_from(all.len() + 1)
                    .ok()
                    .filter(|&i| i < u32::MAX)
                    .and_then(Name::from_index)
                    .expect("fewer than 2^32 - 1 names");
                all.push(make());
                v.insert(n);
                n
            }
        }
    }

    /// Adds every name of `other` to this table: the names they have here, in `other`'s order
    /// (the name `other` numbers `i` is at `i - 1`).
    pub(crate) fn absorb(&mut self, other: &Names) -> Vec<Name> {
        other
            .all
            .iter()
            .map(|text| self.intern(text.clone()))
            .collect()
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
            if *self.get(n) == *text {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
