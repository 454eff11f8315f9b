//! Progress bars on stderr for the long steps (reading the kit, collecting, verifying,
//! recording, sampling, pulling): the engine and the library crates report through
//! [`fieldcheck_kit::Progress`]; this is its one implementation that draws, with `indicatif`.
//!
//! Bars are drawn only when stderr is a terminal, so pipes, files, CI logs and tests see nothing
//! of them; a bar is cleared when its step ends, leaving the output as without it.

use std::io::IsTerminal as _;
use std::sync::Mutex;
use std::time::Duration;

use fieldcheck_kit::{Progress, Unit};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The process's bars on stderr (drawn only when stderr is a terminal).
pub fn bars() -> &'static Bars {
    static BARS: std::sync::OnceLock<Bars> = std::sync::OnceLock::new();
    BARS.get_or_init(Bars::stderr)
}

/// The bars of one command: one step at a time.
pub struct Bars {
    /// Whether anything is drawn (stderr is a terminal).
    on: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Bars on stderr when it is a terminal; otherwise nothing is ever drawn.
    pub fn stderr() -> Bars {
        Bars::new(std::io::stderr().is_terminal())
    }

    /// Bars that draw when `on` (a terminal) and do nothing otherwise.
    pub fn new(on: bool) -> Bars {
        Bars {
            on,
            bar: Mutex::new(None),
        }
    }

    fn with_bar(&self, f: impl FnOnce(&mut Option<ProgressBar>)) {
        if let Ok(mut b) = self.bar.lock() {
            f(&mut b);
        }
    }

    /// Runs `f` (which writes to stderr) with the bar hidden, so lines and the bar do not mix.
    pub fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        if !self.on {
            return f();
        }
        let bar = self.bar.lock().ok().and_then(|b| b.clone());
        match bar {
            Some(b) => b.suspend(f),
            None => f(),
        }
    }
}

/// The bar's look for a step: bytes with their rate, items with their count, or a spinner when
/// the total is unknown.
fn style(total: u64, unit: Unit) -> ProgressStyle {
    // Short enough for an 80-column terminal with the longest step's name.
    let template = match (total, unit) {
        (0, _) => "{spinner} {msg} {elapsed}",
        (_, Unit::Bytes) => "{msg} [{bar:20}] {bytes}/{total_bytes} {binary_bytes_per_sec}",
        (_, Unit::Items) => "{msg} [{bar:20}] {human_pos}/{human_len} {elapsed}",
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl Progress for Bars {
    fn start(&self, step: &str, total: u64, unit: Unit) {
        if !self.on {
            return;
        }
        self.with_bar(|slot| {
            if let Some(old) = slot.take() {
                old.finish_and_clear();
            }
            let bar = ProgressBar::with_draw_target(
                (total > 0).then_some(total),
                ProgressDrawTarget::stderr_with_hz(10),
            )
            .with_style(style(total, unit))
            .with_message(step.to_string());
            if total == 0 {
                bar.enable_steady_tick(Duration::from_millis(100));
            }
            *slot = Some(bar);
        });
    }

    fn advance(&self, n: u64) {
        if !self.on {
            return;
        }
        self.with_bar(|slot| {
            if let Some(b) = slot.as_ref() {
                b.inc(n);
            }
        });
    }

    fn finish(&self) {
        if !self.on {
            return;
        }
        self.with_bar(|slot| {
            if let Some(b) = slot.take() {
                b.finish_and_clear();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_off_keep_no_bar_and_on_keep_one_per_step() {
        let off = Bars::new(false);
        off.start("reading the kit", 10, Unit::Bytes);
        off.advance(10);
        assert!(off.bar.lock().expect("lock").is_none());
        off.finish();

        // Drawn to a hidden target here (no terminal), but the counts are kept.
        let on = Bars::new(true);
        on.start("reading the kit", 100, Unit::Bytes);
        on.advance(60);
        on.advance(40);
        let pos = on
            .bar
            .lock()
            .expect("lock")
            .as_ref()
            .map(|b| (b.position(), b.length()));
        assert_eq!(pos, Some((100, Some(100))));
        on.start("recording", 0, Unit::Items);
        assert_eq!(
            on.bar.lock().expect("lock").as_ref().map(|b| b.length()),
            Some(None)
        );
        on.finish();
        assert!(on.bar.lock().expect("lock").is_none());
        assert_eq!(on.suspend(|| 7), 7);
    }
}
