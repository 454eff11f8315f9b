//! Where the locker reports the bytes it hashes, for a caller's progress bar. The locker knows
//! no terminal: `()` reports nowhere.

/// Told the bytes a collection stores or a verification hashes, once per read of up to 1 MiB
/// (never per record), possibly from two threads.
pub trait Meter: Sync {
    /// The bytes the work will hash in all (a verification says it before hashing the blobs).
    fn total(&self, bytes: u64) {
        let _ = bytes;
    }

    /// `bytes` more were hashed.
    fn add(&self, bytes: u64) {
        let _ = bytes;
    }
}

impl Meter for () {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[derive(Default)]
    struct Count {
        total: AtomicU64,
        added: AtomicU64,
    }

    impl Meter for Count {
        fn total(&self, bytes: u64) {
            self.total.store(bytes, Ordering::Relaxed);
        }
        fn add(&self, bytes: u64) {
            self.added.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    #[test]
    fn a_collection_and_a_verification_meter_every_byte() {
        let tmp = tempfile::tempdir().expect("tmp");
        let (a, b) = (tmp.path().join("a.csv"), tmp.path().join("b.csv"));
        std::fs::write(&a, vec![b'x'; 3 << 20]).expect("write");
        std::fs::write(&b, b"small\n").expect("write");
        let files: Vec<crate::Incoming> = [("a.csv", &a), ("b.csv", &b)]
            .iter()
            .map(|(name, path)| crate::Incoming {
                source: "kit".into(),
                system_id: None,
                name: (*name).into(),
                path: path.to_path_buf(),
            })
            .collect();
        let dir = tmp.path().join("locker");
        let l = crate::Locker::open(&dir).expect("locker");
        let at: jiff::Timestamp = "2026-05-01T06:00:00Z".parse().expect("time");
        let open = |f: &crate::Incoming| {
            std::fs::File::open(&f.path).map_err(|e| crate::LockerError(e.to_string()))
        };
        let stored = Count::default();
        l.collect_metered(&files, &|| at, None, None, &open, &stored)
            .expect("collect");
        let size = (3 << 20) + 6;
        assert_eq!(stored.added.load(Ordering::Relaxed), size);
        let hashed = Count::default();
        let v = crate::verify_metered(&dir, None, None, true, &hashed);
        assert!(v.ok(), "{:?}", v.findings);
        assert_eq!(hashed.total.load(Ordering::Relaxed), size);
        assert_eq!(hashed.added.load(Ordering::Relaxed), size);
        let copied = Count::default();
        let entries = l.as_of(None).expect("entries");
        l.materialize_metered(&entries, &tmp.path().join("replay"), &copied)
            .expect("materialize");
        assert_eq!(copied.total.load(Ordering::Relaxed), size);
        assert_eq!(copied.added.load(Ordering::Relaxed), size);
    }
}
