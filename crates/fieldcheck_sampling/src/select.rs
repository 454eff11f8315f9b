//! A sample nobody can re-roll: the population's canonical listing and its SHA-256, the seed
//! derived from it, and the stratified selection (one seeded pick in each contiguous run of the
//! window).
//!
//! The canonical listing has one line per item, `key TAB occurred-at TAB period TAB system LF`,
//! where occurred-at is the UTC time `YYYY-MM-DDTHH:MM:SSZ` (empty for an inventory item) and
//! period and system are empty when the item has none; a backslash, tab, LF or CR inside a field
//! is written `\\`, `\t`, `\n`, `\r`. Lines are sorted by (occurred-at, key, line) as bytes, so items
//! without a time come first, by key. The population hash is SHA-256 of the listing's bytes; the
//! seed is SHA-256 of `engagement|control|test|population hash` (hex, lower case); a pick in run
//! `r` of stratum `s` is the first 8 bytes of SHA-256(`seed|s|r`) as a big-endian integer, modulo
//! the run's length.

use sha2::{Digest, Sha256};

/// One item of a population, as the sample sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Member {
    /// The item key.
    pub key: String,
    /// When it occurred, UTC, as `YYYY-MM-DDTHH:MM:SSZ`; `None` for an inventory item.
    pub at: Option<String>,
    /// The calendar period of a periodic item (`2026-Q2`, `2026-05`).
    pub period: Option<String>,
    /// The system the item belongs to.
    pub system: Option<String>,
}

/// A population's canonical listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    /// The listing's text (one line per item, sorted).
    pub text: String,
    /// The members' indexes in listing order.
    pub order: Vec<usize>,
    /// SHA-256 of the text, hex.
    pub sha256: String,
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

/// SHA-256 of some bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The canonical listing of a population.
pub fn listing(members: &[Member]) -> Listing {
    let mut lines: Vec<(String, usize, usize, usize)> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut line = String::with_capacity(m.key.len() + 40);
            escape(&m.key, &mut line);
            let key_end = line.len();
            line.push('\t');
            let at_start = line.len();
            escape(m.at.as_deref().unwrap_or(""), &mut line);
            let at_end = line.len();
            line.push('\t');
            escape(m.period.as_deref().unwrap_or(""), &mut line);
            line.push('\t');
            escape(m.system.as_deref().unwrap_or(""), &mut line);
            line.push('\n');
            (line, key_end, (at_start << 32) | at_end, i)
        })
        .collect();
    lines.sort_unstable_by(|a, b| {
        fn at(l: &(String, usize, usize, usize)) -> &[u8] {
            &l.0.as_bytes()[l.2 >> 32..l.2 & 0xffff_ffff]
        }
        at(a)
            .cmp(at(b))
            .then_with(|| a.0.as_bytes()[..a.1].cmp(&b.0.as_bytes()[..b.1]))
            .then_with(|| a.0.cmp(&b.0))
    });
    let mut text = String::with_capacity(lines.iter().map(|l| l.0.len()).sum());
    let mut order = Vec::with_capacity(lines.len());
    for (line, _, _, i) in lines {
        text.push_str(&line);
        order.push(i);
    }
    let sha256 = hex(&Sha256::digest(text.as_bytes()));
    Listing {
        text,
        order,
        sha256,
    }
}

/// Reads a canonical listing back into members (in listing order); `None` names the first line
/// that is not four tab-separated fields.
pub fn parse_listing(text: &str) -> Result<Vec<Member>, usize> {
    let opt = |s: &str| (!s.is_empty()).then(|| unescape(s));
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 4 {
                return Err(i + 1);
            }
            Ok(Member {
                key: unescape(f[0]),
                at: opt(f[1]),
                period: opt(f[2]),
                system: opt(f[3]),
            })
        })
        .collect()
}

/// The seed of a test's sample: SHA-256 of `engagement|control|test|population hash`, hex.
pub fn seed(engagement: &str, control: &str, test: &str, population_sha256: &str) -> String {
    hex(&Sha256::digest(
        format!("{engagement}|{control}|{test}|{population_sha256}").as_bytes(),
    ))
}

/// One seeded pick in `0..len`: SHA-256(`seed|stratum|run`), its first 8 bytes big-endian,
/// modulo `len`.
pub fn pick(seed: &str, stratum: &str, run: &str, len: usize) -> usize {
    let h = Sha256::digest(format!("{seed}|{stratum}|{run}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[..8]);
    (u64::from_be_bytes(b) % len.max(1) as u64) as usize
}

/// The `n` of `units` chosen, stratified: the units (in listing order) are split into `n`
/// contiguous runs, run r covering ⌊r·U/n⌋ to ⌊(r+1)·U/n⌋, and one seeded pick is made in each
/// (run label `r`). Returns unit indexes in run order; all of them when n ≥ U.
pub fn stratified(seed: &str, stratum: &str, units: usize, n: usize) -> Vec<usize> {
    if n >= units {
        return (0..units).collect();
    }
    (0..n)
        .map(|r| {
            let (a, b) = (r * units / n, (r + 1) * units / n);
            a + pick(seed, stratum, &r.to_string(), b - a)
        })
        .collect()
}

/// The extension of a first sample to `m` units after a first deviation: the units not yet
/// chosen (in listing order) are split into m − n runs the same way, with run labels `x0`, `x1`, …,
/// so the first sample stays a subset. Returns the added unit indexes.
pub fn extend(seed: &str, stratum: &str, units: usize, chosen: &[usize], m: usize) -> Vec<usize> {
    let mut taken = vec![false; units];
    for &c in chosen {
        taken[c] = true;
    }
    let rest: Vec<usize> = (0..units).filter(|&u| !taken[u]).collect();
    let add = m.saturating_sub(chosen.len()).min(rest.len());
    if add == rest.len() {
        return rest;
    }
    (0..add)
        .map(|r| {
            let (a, b) = (r * rest.len() / add, (r + 1) * rest.len() / add);
            rest[a + pick(seed, stratum, &format!("x{r}"), b - a)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(n: usize) -> Vec<Member> {
        (0..n)
            .map(|i| Member {
                key: format!("dpl-{i:05}"),
                at: Some(format!(
                    "2026-{:02}-{:02}T{:02}:00:00Z",
                    1 + i % 12,
                    1 + i % 28,
                    i % 24
                )),
                ..Member::default()
            })
            .collect()
    }

    #[test]
    fn the_listing_is_sorted_by_time_then_key_and_hashed() {
        let ms = vec![
            Member {
                key: "b".into(),
                at: Some("2026-02-01T00:00:00Z".into()),
                ..Member::default()
            },
            Member {
                key: "a".into(),
                at: Some("2026-03-01T00:00:00Z".into()),
                period: Some("2026-Q1".into()),
                system: Some("crm".into()),
            },
            Member {
                key: "z\tx".into(),
                ..Member::default()
            },
        ];
        let l = listing(&ms);
        assert_eq!(
            l.text,
            "z\\tx\t\t\t\nb\t2026-02-01T00:00:00Z\t\t\na\t2026-03-01T00:00:00Z\t2026-Q1\tcrm\n"
        );
        assert_eq!(l.order, vec![2, 0, 1]);
        // printf '…' | sha256sum
        assert_eq!(l.sha256, hex(&Sha256::digest(l.text.as_bytes())));
        let back = parse_listing(&l.text).expect("parses");
        assert_eq!(back, vec![ms[2].clone(), ms[0].clone(), ms[1].clone()]);
        assert_eq!(parse_listing("a\tb\n"), Err(1));
    }

    #[test]
    fn the_seed_and_picks_are_plain_sha256() {
        let s = seed("ENG-1", "c", "t", "ab");
        assert_eq!(s, hex(&Sha256::digest(b"ENG-1|c|t|ab")));
        let h = Sha256::digest(format!("{s}|items|3").as_bytes());
        let want = u64::from_be_bytes(h[..8].try_into().expect("8")) % 7;
        assert_eq!(pick(&s, "items", "3", 7) as u64, want);
    }

    #[test]
    fn same_inputs_same_sample_input_order_irrelevant_population_change_changes_the_seed() {
        let ms = members(500);
        let l = listing(&ms);
        let s = seed("E", "change-management", "deploy-traceability", &l.sha256);
        let a = stratified(&s, "items", ms.len(), 29);
        assert_eq!(a, stratified(&s, "items", ms.len(), 29));
        let mut shuffled = ms.clone();
        shuffled.reverse();
        shuffled.rotate_left(77);
        let l2 = listing(&shuffled);
        assert_eq!(l2.text, l.text);
        assert_eq!(l2.sha256, l.sha256);
        let keys = |l: &Listing, ms: &[Member], picks: &[usize]| -> Vec<String> {
            picks.iter().map(|&p| ms[l.order[p]].key.clone()).collect()
        };
        assert_eq!(keys(&l, &ms, &a), keys(&l2, &shuffled, &a));
        // One item more, or one item's time changed, changes the hash and the seed.
        let mut more = ms.clone();
        more.push(Member {
            key: "dpl-99999".into(),
            ..Member::default()
        });
        let mut moved = ms.clone();
        moved[3].at = Some("2026-12-31T23:59:59Z".into());
        for other in [more, moved] {
            let lo = listing(&other);
            assert_ne!(lo.sha256, l.sha256);
            assert_ne!(
                seed("E", "change-management", "deploy-traceability", &lo.sha256),
                s
            );
        }
        assert_ne!(
            seed("F", "change-management", "deploy-traceability", &l.sha256),
            s
        );
    }

    #[test]
    fn one_pick_in_each_run_spans_the_window() {
        let ms = members(1_000);
        let l = listing(&ms);
        let s = seed("E", "c", "t", &l.sha256);
        let picks = stratified(&s, "items", 1_000, 29);
        assert_eq!(picks.len(), 29);
        for (r, &p) in picks.iter().enumerate() {
            assert!(
                p >= r * 1_000 / 29 && p < (r + 1) * 1_000 / 29,
                "run {r}: {p}"
            );
        }
        assert_eq!(stratified(&s, "items", 10, 29), (0..10).collect::<Vec<_>>());
        assert!(stratified(&s, "items", 0, 2).is_empty());
    }

    #[test]
    fn the_extension_keeps_the_first_sample() {
        let s = seed("E", "c", "t", "h");
        let first = stratified(&s, "items", 1_000, 29);
        let added = extend(&s, "items", 1_000, &first, 46);
        assert_eq!(added.len(), 17);
        let mut all: Vec<usize> = first.iter().chain(&added).copied().collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 46, "no item twice");
        let chosen: Vec<usize> = (0..29).collect();
        assert_eq!(
            extend(&s, "items", 30, &chosen, 46),
            vec![29],
            "never more than the population"
        );
    }
}
