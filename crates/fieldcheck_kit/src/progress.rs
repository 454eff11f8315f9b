//! Progress of long steps (reading a kit, collecting into the locker, recording), reported to
//! whoever shows it. The library crates report through [`Progress`] and know no terminal; the
//! command line draws a bar on stderr when it is a terminal, and everything else passes
//! [`NoProgress`].
//!
//! Reporting must cost nothing on the hot path: loops count locally and report in batches
//! ([`Batched`], every [`BYTES_PER_REPORT`] bytes or [`ITEMS_PER_REPORT`] items), never per record.

/// What a step counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Bytes read or hashed.
    Bytes,
    /// Records, files, calls or other items.
    Items,
}

/// Where a step's progress goes. Every method defaults to doing nothing; one step runs at a time
/// (`start`, any number of `advance`, `finish`), and `advance` may be called from several threads.
pub trait Progress: Sync {
    /// A step begins: `step` names it (`reading the kit`), `total` is its size in `unit` (0 when
    /// unknown).
    fn start(&self, step: &str, total: u64, unit: Unit) {
        let _ = (step, total, unit);
    }

    /// `n` more units of the step are done.
    fn advance(&self, n: u64) {
        let _ = n;
    }

    /// The step is done.
    fn finish(&self) {}
}

/// Progress that goes nowhere: what tests, pipes and servers pass.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// How often a loop over bytes reports.
pub const BYTES_PER_REPORT: u64 = 1 << 20;

/// How often a loop over items reports.
pub const ITEMS_PER_REPORT: u64 = 4096;

/// Counts locally and reports to a [`Progress`] every `every` units, and the rest when dropped.
pub struct Batched<'a> {
    to: &'a dyn Progress,
    pending: u64,
    every: u64,
}

impl<'a> Batched<'a> {
    /// Reports to `to` every `every` units.
    pub fn new(to: &'a dyn Progress, every: u64) -> Self {
        Batched {
            to,
            pending: 0,
            every: every.max(1),
        }
    }

    /// `n` more units done.
    #[inline]
    pub fn add(&mut self, n: u64) {
        self.pending += n;
        if self.pending >= self.every {
            self.to.advance(self.pending);
            self.pending = 0;
        }
    }
}

impl Drop for Batched<'_> {
    fn drop(&mut self) {
        if self.pending > 0 {
            self.to.advance(self.pending);
        }
    }
}

/// Runs `f` as one step of `total` units on `p`: `start`, then `f` (which advances), then `finish`.
pub fn step<T>(
    p: &dyn Progress,
    name: &str,
    total: u64,
    unit: Unit,
    f: impl FnOnce(&dyn Progress) -> T,
) -> T {
    p.start(name, total, unit);
    let out = f(p);
    p.finish();
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Records every call, for tests.
    #[derive(Default)]
    pub(crate) struct Recorder {
        pub calls: Mutex<Vec<String>>,
        pub done: Mutex<u64>,
    }

    impl Progress for Recorder {
        fn start(&self, step: &str, total: u64, unit: Unit) {
            *self.done.lock().expect("lock") = 0;
            self.calls
                .lock()
                .expect("lock")
                .push(format!("start {step} {total} {unit:?}"));
        }
        fn advance(&self, n: u64) {
            *self.done.lock().expect("lock") += n;
            self.calls
                .lock()
                .expect("lock")
                .push(format!("advance {n}"));
        }
        fn finish(&self) {
            let done = *self.done.lock().expect("lock");
            self.calls
                .lock()
                .expect("lock")
                .push(format!("finish {done}"));
        }
    }

    #[test]
    fn a_batch_reports_every_so_often_and_the_rest_when_dropped() {
        let r = Recorder::default();
        step(&r, "counting", 10_000, Unit::Items, |p| {
            let mut b = Batched::new(p, ITEMS_PER_REPORT);
            for _ in 0..10_000 {
                b.add(1);
            }
        });
        let calls = r.calls.lock().expect("lock").clone();
        assert_eq!(
            calls,
            [
                "start counting 10000 Items",
                "advance 4096",
                "advance 4096",
                "advance 1808",
                "finish 10000"
            ]
        );
    }

    #[test]
    fn reading_a_kit_reports_its_bytes_in_batches_up_to_the_total() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut people = String::from("person_id,start_date\n");
        for i in 0..20_000 {
            people.push_str(&format!("p{i},2026-01-01\n"));
        }
        std::fs::write(dir.path().join("people.csv"), &people).expect("write");
        let mut events = String::new();
        for i in 0..9_000 {
            events.push_str(&format!("{{\"event_id\":\"e{i}\"}}\n"));
        }
        std::fs::write(dir.path().join("account_events.jsonl"), &events).expect("write");
        let total = (people.len() + events.len()) as u64;
        let r = Recorder::default();
        let (kit, _) = crate::read_kit_progress(
            dir.path(),
            &crate::ReadOptions::default(),
            &crate::Sourced::new(),
            &r,
        )
        .expect("read");
        assert_eq!(kit.people.len(), 20_000);
        let calls = r.calls.lock().expect("lock").clone();
        assert_eq!(calls[0], format!("start reading the kit {total} Bytes"));
        assert_eq!(calls.last().expect("finish"), &format!("finish {total}"));
        // Reported in batches while reading (every 8,192 rows), not once per row nor once per file.
        let advances = calls.iter().filter(|c| c.starts_with("advance")).count();
        assert!((4..=8).contains(&advances), "{calls:?}");
    }
}
