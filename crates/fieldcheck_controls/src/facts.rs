//! A population as a test keeps it to the end of the run: its item keys, and what the data
//! says about each item beyond pass or fail, by column.
//!
//! The conclusion reads the facts for its markers, the sample reads keys and facts for its units
//! and strata, and the register stores the keys: 698,000 items at 50,000 people. A key as a
//! `String` costs 24 bytes and an allocation; here it costs its text and 4 bytes. An item's facts
//! as a struct of strings and a vector of people cost about 140 bytes; here they cost 16, and 8
//! for each person, with each period, system and person id written once per test.

use fieldcheck_kit::{FastMap, Id, Ts};

/// A population's item keys, in population order: one text, and where each key ends in it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Keys {
    text: String,
    ends: Vec<u32>,
}

impl Keys {
    /// The number of keys.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Key `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i {
            0 => 0,
            i => self.ends[i - 1] as usize,
        };
        Some(&self.text[start..end])
    }

    /// Every key, in population order.
    pub fn iter(&self) -> KeysIter<'_> {
        KeysIter {
            keys: self,
            range: 0..self.len(),
        }
    }

    /// Adds a key at the end.
    pub fn push(&mut self, key: &str) {
        self.text.push_str(key);
        let end = u32::try_from(self.text.len()).expect("under 4 GiB of keys in one population");
        self.ends.push(end);
    }

    /// The keys as strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }

    /// The keys at their length.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

impl std::ops::Index<usize> for Keys {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        match self.get(i) {
            Some(k) => k,
            None => panic!("key {i} of a population of {}", self.len()),
        }
    }
}

impl<S: AsRef<str>> FromIterator<S> for Keys {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Keys {
        let mut keys = Keys::default();
        for k in iter {
            keys.push(k.as_ref());
        }
        keys.shrink_to_fit();
        keys
    }
}

impl<'a> IntoIterator for &'a Keys {
    type Item = &'a str;
    type IntoIter = KeysIter<'a>;

    fn into_iter(self) -> KeysIter<'a> {
        self.iter()
    }
}

/// The keys of a [`Keys`], in order.
#[derive(Clone)]
pub struct KeysIter<'a> {
    keys: &'a Keys,
    range: std::ops::Range<usize>,
}

impl<'a> Iterator for KeysIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        self.range.next().map(|i| &self.keys[i])
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl DoubleEndedIterator for KeysIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.range.next_back().map(|i| &self.keys[i])
    }
}

impl ExactSizeIterator for KeysIter<'_> {}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Keys compare with a list of texts, in order (`assert_eq!(t.items, ["d1", "d4"])`).
impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Keys {
    fn eq(&self, other: &[S; N]) -> bool {
        self.len() == N && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for Keys {
    fn eq(&self, other: &Vec<S>) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

/// One item's facts, as a test states them: when it occurred, the period and system it belongs
/// to, and the people it names. [`FactTable`] keeps them for a whole population.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// When the item occurred: an event's time, a periodic item's period start. `None` for an
    /// inventory item (an account, a vendor, a key), which has no moment.
    pub at: Option<Ts>,
    /// The calendar period of a periodic control's item (`2026-Q2`, `2026-05`), as its key shows.
    pub period: Option<Id>,
    /// The system the item belongs to.
    pub system: Option<Id>,
    /// The people the item names, each with their role in it (`deployer`, `approver`, `owner`,
    /// `reviewer`), as person ids.
    pub people: Vec<(&'static str, Id)>,
}

/// The facts of every item of a population, in population order.
///
/// Periods, systems and people are handles into the table's own list of names (0 is none), and
/// an item's people are a run of `(role, person)` pairs: nothing is allocated per item.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FactTable {
    at: Vec<Option<Ts>>,
    period: Vec<u32>,
    system: Vec<u32>,
    /// Where each item's people end in `people`.
    people_end: Vec<u32>,
    /// An index into `roles`, and a handle into `names`.
    people: Vec<(u8, u32)>,
    roles: Vec<&'static str>,
    /// The text of handle `h` is `names[h - 1]`.
    names: Vec<Id>,
}

impl FactTable {
    /// The number of items.
    pub fn len(&self) -> usize {
        self.at.len()
    }

    /// Whether the population is empty.
    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// The facts of item `i`.
    pub fn get(&self, i: usize) -> Option<Fact<'_>> {
        (i < self.len()).then_some(Fact { table: self, i })
    }

    /// Every item's facts, in population order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Fact<'_>> + '_ {
        (0..self.len()).map(move |i| Fact { table: self, i })
    }

    fn name(&self, handle: u32) -> Option<&str> {
        let i = (handle as usize).checked_sub(1)?;
        Some(self.names[i].as_str())
    }

    /// The text of a handle given by [`Fact::system_handle`] or [`Fact::people_handles`].
    pub(crate) fn name_of(&self, handle: u32) -> &str {
        self.name(handle).unwrap_or("")
    }

    /// The role of a role index given by [`Fact::people_handles`].
    pub(crate) fn role_of(&self, role: u8) -> &'static str {
        self.roles[role as usize]
    }
}

impl FromIterator<Facts> for FactTable {
    fn from_iter<I: IntoIterator<Item = Facts>>(iter: I) -> FactTable {
        let mut b = FactBuilder::default();
        for f in iter {
            b.push(&f);
        }
        b.finish()
    }
}

/// One item's facts in a [`FactTable`].
#[derive(Clone, Copy)]
pub struct Fact<'a> {
    table: &'a FactTable,
    i: usize,
}

impl<'a> Fact<'a> {
    /// When the item occurred.
    pub fn at(self) -> Option<Ts> {
        self.table.at[self.i]
    }

    /// The calendar period of a periodic item.
    pub fn period(self) -> Option<&'a str> {
        self.table.name(self.table.period[self.i])
    }

    /// The system the item belongs to.
    pub fn system(self) -> Option<&'a str> {
        self.table.name(self.table.system[self.i])
    }

    /// The people the item names, each with their role, in the order the test named them.
    pub fn people(self) -> impl ExactSizeIterator<Item = (&'static str, &'a str)> + 'a {
        let t = self.table;
        self.people_handles()
            .iter()
            .map(move |&(r, p)| (t.role_of(r), t.name_of(p)))
    }

    /// The system as a handle of its table (equal handles, equal texts), for grouping.
    pub(crate) fn system_handle(self) -> Option<u32> {
        Some(self.table.system[self.i]).filter(|h| *h != 0)
    }

    /// The people as role indexes and handles of its table, for grouping.
    pub(crate) fn people_handles(self) -> &'a [(u8, u32)] {
        let t = self.table;
        let start = match self.i {
            0 => 0,
            i => t.people_end[i - 1] as usize,
        };
        &t.people[start..t.people_end[self.i] as usize]
    }

    /// The facts as the test stated them.
    pub fn to_facts(self) -> Facts {
        Facts {
            at: self.at(),
            period: self.period().map(Id::new),
            system: self.system().map(Id::new),
            people: self.people().map(|(r, p)| (r, Id::new(p))).collect(),
        }
    }
}

impl std::fmt::Debug for Fact<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_facts().fmt(f)
    }
}

/// Builds a [`FactTable`] item by item, naming each text once.
#[derive(Default)]
pub(crate) struct FactBuilder {
    table: FactTable,
    handles: FastMap<Id, u32>,
}

impl FactBuilder {
    /// Adds the next item's facts.
    pub fn push(&mut self, f: &Facts) {
        let period = self.handle(f.period.as_ref());
        let system = self.handle(f.system.as_ref());
        for (role, person) in &f.people {
            let r = self.role(role);
            let p = self.handle(Some(person));
            self.table.people.push((r, p));
        }
        let t = &mut self.table;
        t.at.push(f.at);
        t.period.push(period);
        t.system.push(system);
        let end = u32::try_from(t.people.len()).expect("fewer than 2^32 people in one population");
        t.people_end.push(end);
    }

    fn handle(&mut self, text: Option<&Id>) -> u32 {
        let Some(text) = text else { return 0 };
        if let Some(&h) = self.handles.get(text) {
            return h;
        }
        self.table.names.push(text.clone());
        let h =
            u32::try_from(self.table.names.len()).expect("fewer than 2^32 names in one population");
        self.handles.insert(text.clone(), h);
        h
    }

    fn role(&mut self, role: &'static str) -> u8 {
        match self.table.roles.iter().position(|r| *r == role) {
            Some(i) => i as u8,
            None => {
                self.table.roles.push(role);
                u8::try_from(self.table.roles.len() - 1).expect("fewer than 256 roles")
            }
        }
    }

    /// The table, its columns at their length.
    pub fn finish(self) -> FactTable {
        let mut t = self.table;
        t.at.shrink_to_fit();
        t.period.shrink_to_fit();
        t.system.shrink_to_fit();
        t.people_end.shrink_to_fit();
        t.people.shrink_to_fit();
        t.names.shrink_to_fit();
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(
        at: Option<i64>,
        period: Option<&str>,
        system: Option<&str>,
        people: &[(&'static str, &str)],
    ) -> Facts {
        Facts {
            at: at.map(|s| Ts::new(jiff::Timestamp::from_second(s).expect("time"))),
            period: period.map(Id::new),
            system: system.map(Id::new),
            people: people.iter().map(|(r, p)| (*r, Id::new(p))).collect(),
        }
    }

    #[test]
    fn keys_give_back_each_key_in_order() {
        let stated = ["okta/2026-Q1", "", "d1", "a key with ü"];
        let keys: Keys = stated.iter().collect();
        assert_eq!(keys.len(), 4);
        assert_eq!(keys, stated);
        assert_eq!(keys.iter().collect::<Vec<_>>(), stated);
        assert_eq!(&keys[3], "a key with ü");
        assert_eq!(keys.get(1), Some(""));
        assert_eq!(keys.get(4), None);
        assert_eq!(keys.iter().next_back(), Some("a key with ü"));
        assert_eq!(keys.to_vec(), stated.map(String::from).to_vec());
        assert_ne!(keys, ["okta/2026-Q1", "", "d1"]);
        assert_ne!(keys, ["okta/2026-Q1", "", "d1", "a key with u"]);
        assert_eq!(format!("{keys:?}"), format!("{stated:?}"));
        assert!(Keys::default().is_empty());
    }

    #[test]
    fn a_table_gives_back_each_item_s_facts_as_stated() {
        let stated = vec![
            facts(Some(10), Some("2026-Q1"), Some("okta"), &[("owner", "p1")]),
            facts(None, None, None, &[]),
            facts(
                Some(20),
                Some("2026-Q2"),
                Some("okta"),
                &[("owner", "p1"), ("reviewer", "p2")],
            ),
            // A text used as a period in one item and a person in another.
            facts(
                Some(30),
                None,
                Some("aws"),
                &[
                    ("deployer", "okta"),
                    ("owner", "a-person-id-longer-than-23-bytes"),
                ],
            ),
        ];
        let t: FactTable = stated.iter().cloned().collect();
        assert_eq!(t.len(), 4);
        assert_eq!(t.iter().map(Fact::to_facts).collect::<Vec<_>>(), stated);
        assert!(t.get(4).is_none());
        let f = t.get(3).expect("item 3");
        assert_eq!(
            f.people().collect::<Vec<_>>(),
            [
                ("deployer", "okta"),
                ("owner", "a-person-id-longer-than-23-bytes")
            ]
        );
        // Each text is named once: `okta` as a system and as a person is one handle.
        assert_eq!(t.names.len(), 7);
        assert_eq!(
            t.get(0).and_then(Fact::system_handle),
            t.get(3).map(|f| f.people_handles()[0].1)
        );
        assert_eq!(t.get(1).and_then(Fact::system_handle), None);
        assert!(FactTable::default().is_empty());
    }
}
