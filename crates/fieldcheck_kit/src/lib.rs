//! The canonical evidence kit (format v2): record kinds, `fieldcheck.toml`, the reader, person
//! resolution, the observation window, and diagnostics about bad input.
//!
//! This crate is the collecting side's output and the judging side's input. It reads files but
//! judges nothing: a bad row becomes a [`Diagnostic`] and is skipped, and each file's status
//! ([`FileInfo`]) tells the controls whether they can rely on it.
//!
//! ```no_run
//! use fieldcheck_kit::{parse_config, read_kit, ReadOptions};
//! let text = std::fs::read_to_string("kit/fieldcheck.toml").unwrap();
//! let (config, diagnostics) = parse_config("kit/fieldcheck.toml", &text);
//! let (kit, more) = read_kit("kit".as_ref(), &ReadOptions::default()).unwrap();
//! ```

#![deny(missing_docs)]

mod cache;
mod code;
mod config;
pub mod coverage;
mod diag;
mod fast;
pub mod fsafe;
mod keys;
mod kit;
mod names;
mod people;
pub mod progress;
mod read;
mod records;
mod sourced;
pub mod time;

pub use code::Code;
pub use config::{
    Config, ConfigValue, ControlSection, Entry, Place, SourceMap, SourceSection, parse_config,
};
pub use diag::{Capped, Diagnostic, Severity, count, did_you_mean, thousands};
pub use fast::{FastMap, FastSet, FastState, par_map};
pub use kit::{Cached, EvidenceAt, FileInfo, Kit};
pub use people::Resolver;
pub use progress::{NoProgress, Progress, Unit};
pub use read::{
    CACHE_MIN_BYTES, MAX_CELL, ReadOptions, header_line, kit_file_bytes, read_kit,
    read_kit_progress, read_kit_with,
};
pub use records::*;
pub use sourced::{Origin, PulledCall, RawFile, SourceRow, Sourced};
pub use time::{Period, Window};
