//! fieldcheck's command line: `audit`, `demo`, `init`, `controls`, `pull` and the rest.
//!
//! This crate keeps the flags, the printing and the exit codes: each command's flags become a
//! call into the pipeline (`fieldcheck_engine`), whose values it prints (with colours on a
//! terminal). It is the only one that knows about terminals, colours (`--color`, `NO_COLOR`),
//! exit codes and the environment (`FIELDCHECK_NOW`, `$USER`, git's `user.email`).

mod committee;
mod diagnostics;
mod ingest;
mod locker;
mod markdown;
mod progress;
mod pull;
mod register;
mod sample_text;
mod serve;
mod text;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use fieldcheck_controls::catalog;
use fieldcheck_engine::locker::Replay;
use fieldcheck_engine::{LoadError, LoadRequest, Outcome, RegisterUse, RunOptions};
use fieldcheck_register::rules;

use fieldcheck_engine::report;
use fieldcheck_engine::{record, sample};

#[derive(Parser)]
#[command(
    name = "fieldcheck",
    version,
    about = "SOC 2 Type II readiness: tests ten commonly failed controls on 100 % of your evidence",
    long_about = "fieldcheck reads an evidence kit (CSV or JSON Lines exports of your HR, identity, \
                  change, vendor, backup, session, encryption, training and risk records), tests \
                  ten commonly failed SOC 2 controls over the whole observation window, and names \
                  every deviation with a reason and the evidence behind it.\n\n\
                  Start with `fieldcheck demo` to see a fictional company's audit, then \
                  `fieldcheck init my-kit` to build your own kit."
)]
struct Cli {
    /// Colours: `auto` (on a terminal, unless `NO_COLOR` is set; `CLICOLOR_FORCE` forces them),
    /// `always` (even into a pipe or a file) or `never`.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = ColorWhen::Auto,
        value_name = "WHEN"
    )]
    color: ColorWhen,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Sets the colour choice of every `anstream` stream of the process.
    fn apply(self) {
        let choice = match self {
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
            // anstream's auto honours NO_COLOR, CLICOLOR_FORCE and whether it is a terminal.
            ColorWhen::Auto => anstream::ColorChoice::Auto,
        };
        choice.write_global();
    }
}

#[derive(Subcommand)]
enum Command {
    /// Test the controls on an evidence kit and report every deviation.
    ///
    /// Exit codes: 0 when every control is effective or not applicable, 1 when a control has
    /// exceptions or is not evidenced, 2 when the audit could not run (bad config, no such folder).
    Audit(AuditArgs),
    /// Write the audit committee's report: the three questions answered first, each control's
    /// conclusion and readiness odds, the burndown, the top exceptions by owner, what changed
    /// since the last recorded run and the evidence's integrity.
    ///
    /// `--format html` (the default) is one self-contained file that opens offline; `--format
    /// pdf --out FILE` prints it with a headless Chromium. Any other `--format` writes what
    /// `audit` would. Exit codes: 0 when written, 2 when the report could not be made.
    Report(AuditArgs),
    /// Generate a fictional SaaS company's evidence kit (600 people unless `--people`) and audit
    /// it, or write it to a folder with `--out`.
    Demo(DemoArgs),
    /// Write a commented fieldcheck.toml and a header-only file for every record kind.
    Init(InitArgs),
    /// Draw the auditor's sample of every test and write the PBC request list.
    ///
    /// Nobody can re-roll it: each test's seed is SHA-256(engagement | control | test | SHA-256 of
    /// the population's canonical listing), and the selection is one seeded pick in each
    /// contiguous run of the window. `--out` writes the plan and the listings beside the request
    /// list; `--rederive DIR` checks a written sample from those files alone.
    Sample(SampleArgs),
    /// Track exceptions: list, show, assign, set targets and statuses, accept risks, conclude on controls, export.
    Exceptions(ExceptionsArgs),
    /// List the controls: criteria, tests, reason codes and parameters.
    Controls(ControlsArgs),
    /// Translate the configured sources' raw exports into a canonical evidence kit folder.
    ///
    /// Writes one CSV per record kind (the kit's own files merged with what the sources made),
    /// provenance.csv (each sourced row's raw file, line and JSON path) and the config without
    /// its `[[sources]]`, so that `fieldcheck audit OUT` gives the same result.
    Ingest(IngestArgs),
    /// List the source adapters: the export each reads, the record kinds it makes, an example.
    Sources(SourcesArgs),
    /// Store the config, the kit files and every source's raw files in the evidence locker:
    /// content-addressed, in an append-only hash-chained manifest, sealed (and signed).
    Collect(CollectArgs),
    /// The evidence locker: keygen, verify, log, export.
    Locker(LockerArgs),
    /// Pull the evidence from the systems' APIs (the config's `[[collectors]]`) into the kit's
    /// `exports/`, every response unedited with its retrieval record, and write the
    /// `[[sources]]` that read it.
    ///
    /// Nothing reaches the kit until the pull is complete. Secrets come from the environment or
    /// the `[pull] secrets` file (mode 0600), never the config. Exit codes: 0 when every
    /// collector was pulled, 2 when one could not be (its folder is left as it was).
    Pull(PullArgs),
    /// Serve the audit and the exception register in a browser: an overview, each control with
    /// its deviations and evidence, the register with its actions, each owner's work, the
    /// committee report, the recorded runs and a read-only auditor's portal.
    ///
    /// Listens on 127.0.0.1:8400 unless `--listen`; the first start creates an admin with a
    /// one-time password, printed once. Sign-ins are local accounts (`fieldcheck users`) or an SSO
    /// proxy's header (`--trust-header`, believed only from `--trusted-proxy`).
    Serve(serve::ServeArgs),
    /// The server's accounts: add, list, disable, enable, set-role, passwd.
    Users(serve::UsersArgs),
}

#[derive(Parser)]
struct PullArgs {
    /// The evidence kit folder (with fieldcheck.toml and its `[[collectors]]`) [default: the
    /// current folder].
    #[arg(value_name = "KIT")]
    kit: Option<PathBuf>,
    /// The same as KIT.
    #[arg(long = "kit", value_name = "DIR", conflicts_with = "kit")]
    kit_flag: Option<PathBuf>,
    /// The config file [default: KIT/fieldcheck.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Pull only this collector (repeatable).
    #[arg(long = "only", value_name = "NAME")]
    only: Vec<String>,
    /// List every call (request, parameters, scope) without touching the network or the kit.
    #[arg(long)]
    dry_run: bool,
    /// Then store the pulled files and their retrieval records in this evidence locker as a
    /// collection (as `fieldcheck collect` does).
    #[arg(long, value_name = "DIR")]
    locker: Option<PathBuf>,
    /// With --locker: sign the collection's seal with this secret key.
    #[arg(long, value_name = "KEY", requires = "locker")]
    sign: Option<PathBuf>,
}

#[derive(Parser)]
#[command(group(clap::ArgGroup::new("kit_dir").required(true).args(["kit", "kit_flag"])))]
struct IngestArgs {
    /// The evidence kit folder (with fieldcheck.toml and its `[[sources]]`).
    #[arg(value_name = "KIT")]
    kit: Option<PathBuf>,
    /// The same as KIT.
    #[arg(long = "kit", value_name = "DIR", conflicts_with = "kit")]
    kit_flag: Option<PathBuf>,
    /// The folder to write the canonical kit to.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The config file [default: KIT/fieldcheck.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Parser)]
struct SourcesArgs {
    /// Show one adapter (or collector) with its options.
    name: Option<String>,
    /// Output format.
    #[arg(long, value_parser = formats(REPORT), default_value = "text")]
    format: Format,
}

#[derive(Parser)]
struct SampleArgs {
    /// The evidence kit folder (required, except with `--print-table`, `--table` or
    /// `--rederive`).
    #[arg(
        value_name = "KIT",
        required_unless_present_any = ["print_table", "table", "rederive", "kit_flag"]
    )]
    kit: Option<PathBuf>,
    /// The same as KIT.
    #[arg(long = "kit", value_name = "DIR", conflicts_with = "kit")]
    kit_flag: Option<PathBuf>,
    /// How to print the summary of the samples (`json`: the plan, as `sample-plan.json` holds
    /// it); `--out` writes the files whatever it is.
    #[arg(long, value_parser = formats(REPORT), default_value = "text")]
    format: Format,
    /// The engagement the sample is for (part of every seed) [default: the org and the window,
    /// e.g. "Northpeak Software 2026-01-01/2026-06-30"].
    #[arg(long, value_name = "ID")]
    engagement: Option<String>,
    /// Deprecated: an alias of `--engagement` (the seed is no longer chosen).
    #[arg(long, value_name = "ID", hide = true, conflicts_with = "engagement")]
    seed: Option<String>,
    /// Write `pbc-request-list.csv`, `pbc-request-list.xlsx`, `sample-plan.json` and the
    /// canonical population listings (`populations/`) to this folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Read every kit file in full, neither using nor writing the cache of parsed files.
    #[arg(long)]
    no_cache: bool,
    /// The config file [default: KIT/fieldcheck.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Sample only this control (repeatable).
    #[arg(long = "control", value_name = "ID")]
    controls: Vec<String>,
    /// This control had deviations in the prior period: its tests take the next larger size
    /// (repeatable).
    #[arg(long = "prior-deviations", value_name = "ID")]
    prior_deviations: Vec<String>,
    /// Print the built-in sample-size table (a starting point for `[sampling] table`) and exit.
    #[arg(long)]
    print_table: bool,
    /// Re-derive the selection of a `sample --out` folder from its plan and listings alone (no
    /// kit needed); exit 1 if anything differs.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["kit", "kit_flag", "out", "table"])]
    rederive: Option<PathBuf>,
    /// Print a published sample-size table and exit: `aicpa` (the AICPA Audit Sampling guide's
    /// attribute-sampling sizes, Tables ).
    #[arg(long, value_name = "NAME", value_parser = ["aicpa"])]
    table: Option<String>,
    /// Confidence level in percent (with `--table`, or replacing the config's for the sample).
    #[arg(long, value_name = "PERCENT")]
    confidence: Option<f64>,
    /// Tolerable deviation rate in percent (with `--table aicpa`).
    #[arg(long, value_name = "PERCENT", requires = "table")]
    tolerable: Option<f64>,
    /// Expected population deviation rate in percent (with `--table aicpa`).
    #[arg(long, value_name = "PERCENT", requires = "table")]
    expected: Option<f64>,
}

/// The one `--format` vocabulary: a report is printed as `text`, `json` or `markdown`; a table
/// is written as `csv` or `xlsx`. Each command takes the formats it can write (its `--help` lists
/// them, through [`formats`]).
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
enum Format {
    Text,
    Json,
    Markdown,
    /// The committee's report as one self-contained HTML file.
    Html,
    /// The committee's report printed to PDF (needs `--out` and a Chromium).
    Pdf,
    /// NIST OSCAL assessment results (JSON).
    Oscal,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// JUnit XML, for a CI system's test report.
    Junit,
    Csv,
    Xlsx,
}

impl Format {
    /// A table's format (written by `exceptions list|export` and `burndown`), not a report's.
    fn is_table(self) -> bool {
        matches!(self, Format::Csv | Format::Xlsx)
    }

    /// The name as typed after `--format`.
    fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

/// What a report prints as.
const REPORT: &[Format] = &[Format::Text, Format::Json, Format::Markdown];
/// A report that is also a table (`exceptions list`, `exceptions burndown`).
const REPORT_OR_TABLE: &[Format] = &[
    Format::Text,
    Format::Json,
    Format::Markdown,
    Format::Csv,
    Format::Xlsx,
];
/// What the register exports to a file.
const EXPORT: &[Format] = &[Format::Csv, Format::Xlsx, Format::Json];

/// A `--format` parser taking only `allowed`, so that `--help` lists exactly what the command
/// writes and anything else is refused with the list.
fn formats(allowed: &'static [Format]) -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(allowed.iter().filter_map(|f| f.to_possible_value()))
        .map(|s| Format::from_str(&s, false).expect("a listed format"))
}

/// The audit's formats: every report format (not the tables).
fn audit_formats() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(
        Format::value_variants()
            .iter()
            .filter(|f| !f.is_table())
            .filter_map(|f| f.to_possible_value()),
    )
    .map(|s| Format::from_str(&s, false).expect("a listed format"))
}

#[derive(Parser)]
#[command(group(clap::ArgGroup::new("kit_dir").required(true).args(["kit", "kit_flag"])))]
struct AuditArgs {
    /// The evidence kit folder.
    #[arg(value_name = "KIT")]
    kit: Option<PathBuf>,
    /// The same as KIT.
    #[arg(long = "kit", value_name = "DIR", conflicts_with = "kit")]
    kit_flag: Option<PathBuf>,
    /// Output format [default: text for `audit`, html for `report`].
    #[arg(long, value_parser = audit_formats())]
    format: Option<Format>,
    /// Write the output to this file instead of stdout (required for `pdf`).
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    /// With `--format pdf`: the Chromium or Chrome to print with [default: `FIELDCHECK_BROWSER`,
    /// else `chromium`, `chromium-browser` or `google-chrome` on PATH].
    #[arg(long, value_name = "PATH")]
    browser: Option<PathBuf>,
    /// The config file [default: KIT/fieldcheck.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Run only this control (repeatable).
    #[arg(long = "control", value_name = "ID")]
    controls: Vec<String>,
    /// List every deviation and note, not only the first few of each reason.
    #[arg(long, short)]
    verbose: bool,
    /// Read every kit file in full, neither using nor writing the cache of parsed files in
    /// KIT/.fieldcheck/cache (which re-reads only what changed since the last audit).
    #[arg(long)]
    no_cache: bool,
    /// Record the deviations in the exception register (opening, remediating and reopening).
    #[arg(long)]
    record: bool,
    /// The register: an SQLite file, or a PostgreSQL URL (`postgres://user@host/db`) for a shared
    /// one [default: KIT/.fieldcheck/fieldcheck.db].
    #[arg(long, value_name = "FILE|URL")]
    database: Option<String>,
    /// With --record: who records the run [default: git's `user.email`, else `$USER`].
    #[arg(long)]
    actor: Option<String>,
    /// Audit the evidence in the evidence locker (the newest collected version of every file)
    /// instead of the files in KIT [default locker: KIT/.fieldcheck/locker].
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    #[allow(clippy::option_option)]
    locker: Option<Option<PathBuf>>,
    /// With --locker: only what had been collected by then (a date, meaning the end of that day
    /// in UTC, or an RFC 3339 timestamp), replaying a past audit exactly.
    #[arg(long, value_name = "DATE", requires = "locker")]
    as_of: Option<String>,
    /// With --locker: the public key every seal must be signed by (`ed25519:...` or a file such
    /// as your trusted copy of locker.pub) [default: `[locker] public_key` in the config]. Without
    /// a pinned key the report says the evidence was not verified against a known key.
    #[arg(long, value_name = "KEY", requires = "locker")]
    key: Option<String>,
}

#[derive(Parser)]
struct CollectArgs {
    /// The evidence kit folder (with fieldcheck.toml and its `[[sources]]`) [default: the
    /// current folder].
    #[arg(value_name = "KIT")]
    kit: Option<PathBuf>,
    /// The same as KIT.
    #[arg(long = "kit", value_name = "DIR", conflicts_with = "kit")]
    kit_flag: Option<PathBuf>,
    /// The config file [default: KIT/fieldcheck.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The locker folder [default: KIT/.fieldcheck/locker].
    #[arg(long, value_name = "DIR")]
    locker: Option<PathBuf>,
    /// Sign the collection's seal with this secret key (from `fieldcheck locker keygen`).
    #[arg(long, value_name = "KEY")]
    sign: Option<PathBuf>,
}

#[derive(Parser)]
struct LockerArgs {
    #[command(subcommand)]
    command: LockerCommand,
}

#[derive(Subcommand)]
enum LockerCommand {
    /// Make an Ed25519 key pair for signing collections: KEY (secret) and KEY.pub (public).
    Keygen {
        /// Where to write the secret key (KEY.pub is written beside it).
        #[arg(long, value_name = "KEY")]
        out: PathBuf,
    },
    /// Recompute every blob's digest, the whole hash chain and the seals' signatures; exit 1 on
    /// any finding (what an auditor runs).
    Verify {
        /// The locker folder, an exported bundle, or a kit folder holding a locker [default: the
        /// current folder].
        #[arg(value_name = "LOCKER")]
        locker: Option<PathBuf>,
        /// A kit folder holding a locker (the same as LOCKER).
        #[arg(long = "kit", value_name = "DIR", conflicts_with = "locker")]
        kit: Option<PathBuf>,
        /// The public key the seals must be signed with (`ed25519:...` or a file such as locker.pub).
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
        /// A chain head recorded earlier, which must still be in the chain (no rewrite or rollback).
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
        /// Output format.
        #[arg(long, value_parser = formats(REPORT), default_value = "text")]
        format: Format,
    },
    /// List what was collected when, per source, with its coverage of the window.
    Log {
        /// The locker folder, or a kit folder holding a locker [default: the current folder].
        #[arg(value_name = "LOCKER")]
        locker: Option<PathBuf>,
        /// A kit folder holding a locker (the same as LOCKER).
        #[arg(long = "kit", value_name = "DIR", conflicts_with = "locker")]
        kit: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_parser = formats(REPORT), default_value = "text")]
        format: Format,
    },
    /// Write a portable, self-verifying bundle (blobs, manifest, HEAD, public key, SHA256SUMS)
    /// for the auditor.
    Export {
        /// The locker folder, or a kit folder holding a locker [default: the current folder].
        #[arg(value_name = "LOCKER")]
        locker: Option<PathBuf>,
        /// A kit folder holding a locker (the same as LOCKER).
        #[arg(long = "kit", value_name = "DIR", conflicts_with = "locker")]
        kit: Option<PathBuf>,
        /// The bundle folder to write.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Parser)]
struct ExceptionsArgs {
    #[command(subcommand)]
    command: ExceptionsCommand,
    /// The kit whose register to use (its `.fieldcheck/fieldcheck.db`, and its org time zone)
    /// [default: the current folder]; `list`, `export`, `conclusions` and `burndown` also take it
    /// as their last argument, KIT.
    #[arg(long, global = true, value_name = "DIR")]
    kit: Option<PathBuf>,
    /// The register: an SQLite file, or a PostgreSQL URL [default: KIT/.fieldcheck/fieldcheck.db].
    #[arg(long, global = true, value_name = "FILE|URL")]
    database: Option<String>,
    /// Who makes a change (assign, target, status, accept, respond, note, conclude) [default:
    /// git's `user.email` in KIT, else `$USER`].
    #[arg(long, global = true)]
    actor: Option<String>,
}

#[derive(Subcommand)]
enum ExceptionsCommand {
    /// List exceptions (all, or filtered).
    List {
        /// The kit whose register to use [default: the current folder].
        #[arg(value_name = "KIT")]
        dir: Option<PathBuf>,
        /// Only this owner.
        #[arg(long)]
        owner: Option<String>,
        /// Only this control.
        #[arg(long)]
        control: Option<String>,
        /// Only this status (repeatable): open, in_remediation, remediated, risk_accepted.
        #[arg(long)]
        status: Vec<fieldcheck_register::ExceptionStatus>,
        /// Only open exceptions past their target date.
        #[arg(long)]
        overdue: bool,
        /// Output format (`xlsx` needs `--out`).
        #[arg(long, value_parser = formats(REPORT_OR_TABLE), default_value = "text")]
        format: Format,
        /// Write to this file instead of printing.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Show one exception with its history (times in the org's time zone).
    Show {
        /// The exception id (`control/test/item`).
        id: String,
        /// Output format (JSON keeps each change's exact UTC time, `at`, and adds `local`).
        #[arg(long, value_parser = formats(REPORT), default_value = "text")]
        format: Format,
    },
    /// Assign an owner.
    Assign {
        /// The exception id.
        id: String,
        /// The new owner.
        owner: String,
        /// Why.
        #[arg(long, default_value = "", hide_default_value = true)]
        why: String,
    },
    /// Set the target close date.
    Target {
        /// The exception id.
        id: String,
        /// The date, `YYYY-MM-DD`.
        date: String,
        /// Why.
        #[arg(long, default_value = "", hide_default_value = true)]
        why: String,
    },
    /// Set the status: open, in_remediation or remediated.
    Status {
        /// The exception id.
        id: String,
        /// The new status.
        status: fieldcheck_register::ExceptionStatus,
        /// Why (required).
        #[arg(long)]
        why: String,
    },
    /// Accept the risk until a date, with an approver and a reason.
    Accept {
        /// The exception id.
        id: String,
        /// Who approves the acceptance.
        #[arg(long)]
        approver: String,
        /// Why the risk is accepted.
        #[arg(long)]
        reason: String,
        /// When the acceptance expires (`YYYY-MM-DD`); the exception reopens after it.
        #[arg(long)]
        until: String,
    },
    /// Record management's response to an exception, kept with it in every list, show and export
    /// whatever its status (remediation does not erase a deviation in the window; it is disclosed
    /// with the response).
    Respond {
        /// The exception id.
        id: String,
        /// The response.
        #[arg(long)]
        text: String,
    },
    /// Add a note to the history.
    Note {
        /// The exception id.
        id: String,
        /// The note.
        text: String,
    },
    /// Export the whole register as CSV, XLSX or JSON (by `--format`, else by the file's
    /// extension), with each control's criteria.
    Export {
        /// The kit whose register to use [default: the current folder].
        #[arg(value_name = "KIT")]
        dir: Option<PathBuf>,
        /// The file to write (`.csv`, `.xlsx` or `.json`).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The format [default: by the extension of `--out`].
        #[arg(long, value_parser = formats(EXPORT))]
        format: Option<Format>,
    },
    /// Record a person's conclusion for a control in a window (append-only, with who, when and
    /// why): harsher or softer than the computed one; softer needs `--why`. A `not_evidenced` or
    /// `not_occurring` control cannot be concluded: only evidence changes those.
    Conclude {
        /// The control id.
        control: String,
        /// The conclusion: effective, effective_with_exceptions or ineffective.
        #[arg(long = "as", value_name = "CONCLUSION")]
        conclusion: String,
        /// Why (required when softer than the computed conclusion, or when that is not known).
        #[arg(long, default_value = "", hide_default_value = true)]
        why: String,
        /// The window, `START/END` (`2026-01-01/2026-06-30`) [default: the latest recorded run's].
        #[arg(long, value_name = "START/END")]
        window: Option<String>,
    },
    /// The controls' recorded conclusions in a window, with the conclusions people recorded.
    Conclusions {
        /// The kit whose register to use [default: the current folder].
        #[arg(value_name = "KIT")]
        dir: Option<PathBuf>,
        /// The window, `START/END` [default: the latest recorded run's].
        #[arg(long, value_name = "START/END")]
        window: Option<String>,
        /// Also list every conclusion people recorded, oldest first.
        #[arg(long)]
        all: bool,
        /// Output format.
        #[arg(long, value_parser = formats(REPORT), default_value = "text")]
        format: Format,
    },
    /// Open exceptions over the recorded runs, with the projected date to zero; `csv` and
    /// `xlsx` write the series (run, at, open, overdue).
    Burndown {
        /// The kit whose register to use [default: the current folder].
        #[arg(value_name = "KIT")]
        dir: Option<PathBuf>,
        /// Output format (`xlsx` needs `--out`).
        #[arg(long, value_parser = formats(REPORT_OR_TABLE), default_value = "text")]
        format: Format,
        /// Write to this file instead of printing.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Deprecated: print the chart and also write the series as CSV to this file (`-`: print
        /// only the series); use `--format csv`.
        #[arg(long, hide = true, value_name = "FILE", conflicts_with_all = ["format", "out"])]
        csv: Option<PathBuf>,
    },
}

impl ExceptionsCommand {
    /// The kit given as the subcommand's last argument, if it takes one.
    fn dir(&self) -> Option<&Path> {
        match self {
            ExceptionsCommand::List { dir, .. }
            | ExceptionsCommand::Export { dir, .. }
            | ExceptionsCommand::Conclusions { dir, .. }
            | ExceptionsCommand::Burndown { dir, .. } => dir.as_deref(),
            _ => None,
        }
    }
}

#[derive(Parser)]
struct DemoArgs {
    /// Seed of the generated company (same seed, same kit).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Number of people (the benchmark uses 50000).
    #[arg(long, default_value_t = 600)]
    people: usize,
    /// Write the kit (with its fieldcheck.toml) to this folder instead of auditing it.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write the company's evidence as the source systems export it (Workday, Okta System Log,
    /// Okta Identity Governance, Jira, GitHub, KnowBe4, AWS Backup, spreadsheet exports) with
    /// `[[sources]]` in its config.
    #[arg(long)]
    raw: bool,
    /// Output format of the audit.
    #[arg(long, value_parser = audit_formats(), default_value = "text")]
    format: Format,
    /// List every deviation and note.
    #[arg(long, short)]
    verbose: bool,
    /// Write `--out` into a folder that is not empty (files of the same names are replaced).
    #[arg(long)]
    force: bool,
}

#[derive(Parser)]
struct InitArgs {
    /// The folder to create or fill.
    dir: PathBuf,
    /// Overwrite files that already exist.
    #[arg(long)]
    force: bool,
}

#[derive(Parser)]
struct ControlsArgs {
    /// Output format (`markdown` is the reference of docs/controls.md).
    #[arg(long, value_parser = formats(REPORT), default_value = "text")]
    format: Format,
}

/// Runs the command line and returns the process exit code.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    cli.color.apply();
    let result = match cli.command {
        Command::Audit(a) => audit_command(&a, Format::Text),
        // A report written is a success: the findings are in it, not in the exit code.
        Command::Report(a) => {
            audit_command(&a, Format::Html).map(|code| if code == 2 { 2 } else { 0 })
        }
        Command::Demo(d) => demo_command(&d),
        Command::Init(i) => fieldcheck_engine::init::run(&i.dir, i.force).map(|n| {
            eprintln!(
                "wrote fieldcheck.toml and {n} header-only record files to `{}`\nfill them from your exports (docs/evidence-kit.md), then run: fieldcheck audit {}",
                i.dir.display(),
                i.dir.display()
            );
            0
        }),
        Command::Sample(a) => sample_command(&a),
        Command::Exceptions(e) => exceptions_command(e),
        Command::Controls(c) => controls_command(c.format).map(|()| 0),
        Command::Ingest(i) => ingest::run(
            &kit_of(i.kit, i.kit_flag),
            i.config.as_deref(),
            &i.out,
        ),
        Command::Sources(s) => ingest::sources_command(s.name.as_deref(), s.format),
        Command::Collect(c) => locker::collect_command(
            &kit_of(c.kit, c.kit_flag),
            c.config.as_deref(),
            c.locker.as_deref(),
            c.sign.as_deref(),
        ),
        Command::Serve(a) => serve::serve_command(&a),
        Command::Users(u) => serve::users_command(u),
        Command::Pull(p) => pull::pull_command(&pull::PullArgs {
            kit: &kit_of(p.kit, p.kit_flag),
            config: p.config.as_deref(),
            only: &p.only,
            dry_run: p.dry_run,
            locker: p.locker.as_deref(),
            sign: p.sign.as_deref(),
        }),
        Command::Locker(l) => match l.command {
            LockerCommand::Keygen { out } => locker::keygen_command(&out),
            LockerCommand::Verify {
                locker,
                kit,
                key,
                head,
                format,
            } => locker::verify_command(
                &kit_of(locker, kit),
                key.as_deref(),
                head.as_deref(),
                format,
            ),
            LockerCommand::Log {
                locker,
                kit,
                format,
            } => locker::log_command(&kit_of(locker, kit), format),
            LockerCommand::Export { locker, kit, out } => {
                locker::export_command(&kit_of(locker, kit), &out)
            }
        },
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let mut err = anstream::stderr();
            let _ = writeln!(
                err,
                "{}: {e}",
                owo_colors::OwoColorize::bold(&owo_colors::OwoColorize::red(&"error"))
            );
            for cause in e.chain().skip(1) {
                let _ = writeln!(err, "  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

/// The kit folder given as KIT or `--kit DIR` (clap lets only one through), else the current
/// folder.
fn kit_of(positional: Option<PathBuf>, flag: Option<PathBuf>) -> PathBuf {
    positional.or(flag).unwrap_or_else(|| PathBuf::from("."))
}

/// Prints a rendering, or writes it to `file` (without colours) and says so on stderr.
fn deliver(text: &str, colored: bool, file: Option<&Path>) -> anyhow::Result<()> {
    match file {
        None => {
            out(text, colored);
            Ok(())
        }
        Some(f) => {
            let plain = if colored {
                anstream::adapter::strip_str(text).to_string()
            } else {
                text.to_string()
            };
            std::fs::write(f, plain).with_context(|| format!("cannot write `{}`", f.display()))?;
            let mut err = anstream::stderr();
            let _ = writeln!(err, "wrote `{}`", f.display());
            Ok(())
        }
    }
}

/// JSON as printed: pretty, with a final newline.
fn json_text(v: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(v).expect("serializes");
    text.push('\n');
    text
}

/// The refusal of `--format xlsx` without a file: a workbook is not for a terminal.
fn xlsx_needs_out(what: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "`--format xlsx` writes a workbook, which cannot go to a terminal or a pipe: give the file with `--out {what}.xlsx`"
    )
}

/// Writes to stdout, ignoring a closed pipe.
pub(crate) fn out(text: &str, colored: bool) {
    let r = if colored {
        let mut s = anstream::stdout();
        s.write_all(text.as_bytes()).and_then(|()| s.flush())
    } else {
        let mut s = std::io::stdout().lock();
        s.write_all(text.as_bytes()).and_then(|()| s.flush())
    };
    let _ = r;
}

/// The audit JSON streamed to `file`, or to stdout (whose errors, a closed pipe, are ignored as
/// [`out`] ignores them), never held whole in memory.
fn write_json(report: &report::Report, file: Option<&Path>) -> anyhow::Result<()> {
    match file {
        Some(file) => {
            let f = std::fs::File::create(file)
                .with_context(|| format!("cannot write `{}`", file.display()))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
            report
                .write_json(&mut w)
                .and_then(|()| w.flush())
                .with_context(|| format!("cannot write `{}`", file.display()))
        }
        None => {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let _ = report.write_json(&mut w).and_then(|()| w.flush());
            Ok(())
        }
    }
}

/// Where an audit's result goes: the format, and for files the path and the browser.
struct Output<'a> {
    format: Format,
    out: Option<&'a Path>,
    browser: Option<&'a Path>,
}

fn audit_command(a: &AuditArgs, default_format: Format) -> anyhow::Result<u8> {
    let kit = kit_of(a.kit.clone(), a.kit_flag.clone());
    fieldcheck_engine::check_control_ids(&a.controls)?;
    let output = Output {
        format: a.format.unwrap_or(default_format),
        out: a.out.as_deref(),
        browser: a.browser.as_deref(),
    };
    if output.format == Format::Pdf && output.out.is_none() {
        anyhow::bail!(
            "`--format pdf` writes a file: give it with `--out FILE.pdf` (a PDF is not for a terminal)"
        );
    }
    let record = (a.record || a.database.is_some()).then(|| RegisterUse {
        location: a
            .database
            .clone()
            .unwrap_or_else(|| record::default_path(&kit).to_string_lossy().into_owned()),
        // Only a recording run writes who did it (and warns when nobody can be named).
        actor: if a.record {
            register::actor(a.actor.as_deref(), &kit)
        } else {
            String::new()
        },
        write: a.record,
    });
    if let Some(dir) = &a.locker {
        // The default locker is beside the config (`collect` puts it there).
        let dir = dir.clone().unwrap_or_else(|| match &a.config {
            Some(c) => fieldcheck_engine::locker::default_dir(c),
            None => kit.clone(),
        });
        let as_of = a
            .as_of
            .as_deref()
            .map(fieldcheck_engine::locker::parse_as_of)
            .transpose()?;
        let pin = match fieldcheck_engine::locker::pin(a.key.as_deref(), a.config.as_deref(), &kit)
        {
            Ok(p) => p,
            Err(LoadError::Tool(e)) => return Err(e),
            Err(LoadError::Config(diags)) => {
                let mut err = anstream::stderr();
                let _ = err.write_all(diagnostics::render_all(&diags).as_bytes());
                let _ = writeln!(
                    err,
                    "the config has errors, so the locker key it may pin is unknown; nothing was audited"
                );
                return Ok(2);
            }
        };
        let replay = fieldcheck_engine::locker::replay_verifying(
            &dir,
            as_of,
            pin.as_ref(),
            progress::bars(),
        )?;
        let label = format!(
            "locker {}{}",
            replay.locker.display(),
            a.as_of
                .as_deref()
                .map(|t| format!(" as of {t}"))
                .unwrap_or_default()
        );
        return audit_and_print_from(
            record.as_ref(),
            &replay.dir.clone(),
            None,
            &a.controls,
            &output,
            a.verbose,
            &label,
            Some(&replay),
            &kit.to_string_lossy(),
            false,
        );
    }
    audit_and_print_from(
        record.as_ref(),
        &kit,
        a.config.as_deref(),
        &a.controls,
        &output,
        a.verbose,
        &kit.display().to_string(),
        None,
        &kit.to_string_lossy(),
        !a.no_cache,
    )
}

/// The smallest kit file the cache keeps: `FIELDCHECK_CACHE_MIN_BYTES`, else 8 MiB
/// ([`fieldcheck_kit::CACHE_MIN_BYTES`]).
fn cache_min_bytes() -> u64 {
    std::env::var("FIELDCHECK_CACHE_MIN_BYTES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(fieldcheck_kit::CACHE_MIN_BYTES)
}

#[allow(clippy::too_many_arguments)]
fn audit_and_print_from(
    register: Option<&RegisterUse>,
    kit_dir: &Path,
    config: Option<&Path>,
    only: &[String],
    output: &Output<'_>,
    verbose: bool,
    label: &str,
    replay: Option<&Replay>,
    // The kit folder as given on the command line: OSCAL and SARIF link evidence under it.
    prefix: &str,
    // Whether to keep the cache of parsed files (not for a locker's or the demo's passing copy).
    cache: bool,
) -> anyhow::Result<u8> {
    let shown = replay.map(|_| "fieldcheck.toml (from the locker)");
    let loaded = match fieldcheck_engine::load(LoadRequest {
        kit_dir,
        config,
        shown,
        progress: progress::bars(),
        cache,
        cache_min_bytes: cache_min_bytes(),
    }) {
        Ok(l) => l,
        // A replay that does not load is refused as a locker that does not verify, when it does
        // not: the cause to give, not what it broke.
        Err(_)
            if let Some(r) = replay
                && let Err(refused) = r.verified() =>
        {
            return Err(refused);
        }
        Err(LoadError::Tool(e)) => return Err(e),
        Err(LoadError::Config(diags)) => {
            let mut err = anstream::stderr();
            let _ = err.write_all(diagnostics::render_all(&diags).as_bytes());
            let _ = writeln!(err, "the config has errors; nothing was audited");
            return Ok(2);
        }
    };
    // The clock is read only when the run needs it: to record, or to replay the locker.
    let recording = register.is_some_and(|r| r.write);
    let now = if recording || replay.is_some() {
        Some(register::now()?)
    } else {
        None
    };
    let opts = RunOptions {
        only,
        replay,
        register,
        now,
        label,
        progress: progress::bars(),
    };
    let Outcome {
        report,
        recorded,
        audit,
    } = fieldcheck_engine::run(&loaded, &opts)?;
    if matches!(output.format, Format::Oscal | Format::Sarif | Format::Junit)
        && !report.diagnostics.is_empty()
    {
        // These formats have no place for the kit's diagnostics: they go to stderr.
        let mut err = anstream::stderr();
        let _ = err.write_all(diagnostics::render_all(&report.diagnostics).as_bytes());
    }
    let write_or_print = |text: &str| -> anyhow::Result<()> {
        match output.out {
            Some(file) => std::fs::write(file, text)
                .with_context(|| format!("cannot write `{}`", file.display())),
            None => {
                out(text, false);
                Ok(())
            }
        }
    };
    match output.format {
        Format::Json => write_json(&report, output.out)?,
        Format::Markdown => write_or_print(&report::markdown::render(&report, verbose))?,
        Format::Oscal => write_or_print(&report::oscal::render(&report, prefix))?,
        Format::Sarif => write_or_print(&report::sarif::render(&report, prefix))?,
        Format::Junit => write_or_print(&report::junit::render(&report))?,
        Format::Html | Format::Pdf => {
            let default_register = record::default_path(kit_dir);
            committee::write(
                &report,
                &loaded.config.window.tz,
                &committee::Document {
                    pdf: output.format == Format::Pdf,
                    out: output.out,
                    browser: output.browser,
                    register: register.map(|r| r.location.clone()).or_else(|| {
                        default_register
                            .is_file()
                            .then(|| default_register.to_string_lossy().into_owned())
                    }),
                },
            )?;
        }
        Format::Csv | Format::Xlsx => anyhow::bail!(
            "`--format {}` writes a table; the audit prints text, json, markdown, html, pdf, oscal, sarif or junit",
            output.format.name()
        ),
        Format::Text => {
            if !report.diagnostics.is_empty() {
                let mut err = anstream::stderr();
                let _ = err.write_all(diagnostics::render_all(&report.diagnostics).as_bytes());
                let _ = writeln!(err);
            }
            let mut text = text::render(&report, label, verbose);
            // The audit committee's third question: is remediation tracking to closure?
            let default_register = record::default_path(kit_dir);
            if !recording
                && default_register.is_file()
                && let Some(runs) = record::runs(&default_register.to_string_lossy())
            {
                text.push_str(&format!(
                    "remediation (exception register): {}\n",
                    record::projection(&runs, &loaded.config.window.tz)
                ));
            }
            match output.out {
                // A file gets the text without the terminal's colour codes.
                Some(_) => write_or_print(&anstream::adapter::strip_str(&text).to_string())?,
                None => out(&text, true),
            }
        }
    }
    if let Some((r, location)) = recorded {
        let mut err = anstream::stderr();
        let _ = writeln!(err, "{}", register::recorded_line(&r, &location));
        let _ = write!(err, "{}", register::departures_text(&r, verbose));
        if let Some(runs) = record::runs(&location) {
            let _ = writeln!(
                err,
                "remediation: {}",
                record::projection(&runs, &loaded.config.window.tz)
            );
        }
    }
    // The process ends here: let the OS reclaim the kit and the audit's populations instead of
    // freeing millions of records and items one by one.
    std::mem::forget((loaded.kit, audit));
    Ok(report.exit_code())
}

fn exceptions_command(e: ExceptionsArgs) -> anyhow::Result<u8> {
    use fieldcheck_register::Register;
    let kit = match (e.command.dir(), &e.kit) {
        (Some(a), Some(b)) if a != b => anyhow::bail!(
            "two kits given, `{}` and `--kit {}`: give one",
            a.display(),
            b.display()
        ),
        (Some(a), _) => a.to_path_buf(),
        (None, Some(b)) => b.clone(),
        (None, None) => PathBuf::from("."),
    };
    let location = e
        .database
        .clone()
        .unwrap_or_else(|| record::default_path(&kit).to_string_lossy().into_owned());
    if !fieldcheck_register::is_server(&location) && !Path::new(&location).exists() {
        if e.database.is_none() && !kit.is_dir() {
            anyhow::bail!(
                "`{}` is not a folder; give the kit whose register to use (`fieldcheck exceptions list KIT`, or `--kit DIR` with any subcommand), or `--database FILE|URL`",
                kit.display()
            );
        }
        let db = e
            .database
            .as_ref()
            .map(|d| format!(" --database {d}"))
            .unwrap_or_default();
        anyhow::bail!(
            "no exception register at `{location}`; record an audit first with `fieldcheck audit {} --record{db}`",
            kit.display()
        );
    }
    let mut reg = Register::at(&location).with_context(|| {
        format!(
            "cannot open the exception register `{}`",
            record::shown(&location)
        )
    })?;
    let tz = record::org_zone(&kit);
    let day = rules::Today::at(register::now()?, &tz);
    let (today, at) = (day.date.clone(), day.at.clone());
    // Who acts is asked only by a change (it may run git, and warns when nobody can be named).
    let who = || register::actor(e.actor.as_deref(), &kit);
    rules::expire_acceptances(&mut reg, &day)?;
    // Every change says what it changed, on stderr.
    let changed = |reg: &mut Register, id: &str| -> anyhow::Result<u8> {
        let line = register::change_line(reg, id)?;
        let _ = writeln!(anstream::stderr(), "{line}");
        Ok(0)
    };
    match e.command {
        ExceptionsCommand::List {
            dir: _,
            owner,
            control,
            status,
            overdue,
            format,
            out: file,
        } => {
            if let Some(c) = &control {
                fieldcheck_engine::check_control_ids(std::slice::from_ref(c))?;
            }
            let list = reg.list(&record::filter(
                owner,
                control,
                status,
                overdue.then(|| today.clone()),
            ))?;
            match format {
                Format::Text => {
                    deliver(&register::render_list(&list, &today), true, file.as_deref())?
                }
                Format::Markdown => deliver(
                    &markdown::exception_list(&list, &today),
                    false,
                    file.as_deref(),
                )?,
                Format::Csv => deliver(&record::to_csv(&list), false, file.as_deref())?,
                Format::Json => deliver(
                    &json_text(&record::list_json(&list, &today)),
                    false,
                    file.as_deref(),
                )?,
                Format::Html | Format::Pdf | Format::Oscal | Format::Sarif | Format::Junit => {
                    anyhow::bail!(
                        "`--format {}` is not a format of this command",
                        format.name()
                    )
                }
                Format::Xlsx => {
                    let file = file.ok_or_else(|| xlsx_needs_out("exceptions"))?;
                    record::write_xlsx(&file, &list)?;
                    let _ = writeln!(
                        anstream::stderr(),
                        "wrote {} to `{}`",
                        fieldcheck_kit::count(list.len(), "exception", "exceptions"),
                        file.display()
                    );
                }
            }
            Ok(0)
        }
        ExceptionsCommand::Show { id, format } => {
            let text = match format {
                Format::Json => json_text(&record::show_json(&mut reg, &id, &today, &tz)?),
                Format::Markdown => markdown::exception_show(&mut reg, &id, &tz)?,
                _ => register::render_show(&mut reg, &id, &tz)?,
            };
            out(&text, format == Format::Text);
            Ok(0)
        }
        ExceptionsCommand::Assign { id, owner, why } => {
            reg.assign(&id, &owner, &at, &who(), &why)?;
            changed(&mut reg, &id)
        }
        ExceptionsCommand::Target { id, date, why } => {
            rules::check_target(&date, &today).map_err(anyhow::Error::msg)?;
            reg.target(&id, &date, &at, &who(), &why)?;
            changed(&mut reg, &id)
        }
        ExceptionsCommand::Status { id, status, why } => {
            reg.set_status(&id, status, &at, &who(), &why)?;
            changed(&mut reg, &id)
        }
        ExceptionsCommand::Accept {
            id,
            approver,
            reason,
            until,
        } => {
            rules::check_date(&until).map_err(anyhow::Error::msg)?;
            reg.accept(&id, &approver, &reason, &until, &today, &at, &who())?;
            changed(&mut reg, &id)
        }
        ExceptionsCommand::Note { id, text } => {
            reg.note(&id, &text, &at, &who())?;
            changed(&mut reg, &id)
        }
        ExceptionsCommand::Respond { id, text } => {
            reg.respond(&id, &text, &at, &who())?;
            changed(&mut reg, &id)
        }
        ExceptionsCommand::Export {
            dir: _,
            out: file,
            format,
        } => {
            let format = match format {
                Some(f) => f,
                None => {
                    let ext = file
                        .extension()
                        .map(|x| x.to_string_lossy().to_lowercase())
                        .unwrap_or_default();
                    match ext.as_str() {
                        "csv" => Format::Csv,
                        "xlsx" => Format::Xlsx,
                        "json" => Format::Json,
                        _ => anyhow::bail!(
                            "`{}`: export to a `.csv`, `.xlsx` or `.json` file, or name the format with `--format csv|xlsx|json`",
                            file.display()
                        ),
                    }
                }
            };
            let list = reg.list(&fieldcheck_register::Filter::default())?;
            match format {
                Format::Xlsx => record::write_xlsx(&file, &list)?,
                Format::Json => std::fs::write(&file, json_text(&record::list_json(&list, &today)))
                    .with_context(|| format!("cannot write `{}`", file.display()))?,
                _ => std::fs::write(&file, record::to_csv(&list))
                    .with_context(|| format!("cannot write `{}`", file.display()))?,
            }
            let _ = writeln!(
                anstream::stderr(),
                "wrote {} to `{}` ({})",
                fieldcheck_kit::count(list.len(), "exception", "exceptions"),
                file.display(),
                format.name()
            );
            Ok(0)
        }
        ExceptionsCommand::Conclude {
            control,
            conclusion,
            why,
            window,
        } => {
            fieldcheck_engine::check_control_ids(std::slice::from_ref(&control))?;
            let concluded =
                fieldcheck_register::Conclusion::parse(&conclusion).ok_or_else(|| {
                    anyhow::anyhow!(
                        "`--as {conclusion}`: conclude effective, effective_with_exceptions or ineffective"
                    )
                })?;
            let window = window
                .map(|w| record::resolve_window(&mut reg, &w))
                .transpose()?;
            let o = reg.conclude(&control, window.as_deref(), concluded, &why, &at, &who())?;
            let _ = writeln!(anstream::stderr(), "{}", register::concluded_line(&o));
            Ok(0)
        }
        ExceptionsCommand::Conclusions {
            dir: _,
            window,
            all,
            format,
        } => {
            let window = match window {
                Some(w) => record::resolve_window(&mut reg, &w)?,
                None => reg.windows()?.into_iter().next().ok_or_else(|| {
                    anyhow::anyhow!(
                        "no recorded run yet: record one with `fieldcheck audit KIT --record`"
                    )
                })?,
            };
            let recorded = reg.recorded_conclusions(&window)?;
            let overrides = reg.overrides(&window)?;
            let log = if all {
                Some(reg.override_log(&window)?)
            } else {
                None
            };
            match format {
                Format::Json => out(
                    &json_text(&record::conclusions_json(
                        &window,
                        &recorded,
                        &overrides,
                        log.as_deref(),
                    )),
                    false,
                ),
                Format::Markdown => out(
                    &markdown::conclusions(&window, &recorded, &overrides, log.as_deref(), &tz),
                    false,
                ),
                _ => out(
                    &register::render_conclusions(
                        &window,
                        &recorded,
                        &overrides,
                        log.as_deref(),
                        &tz,
                    ),
                    true,
                ),
            }
            Ok(0)
        }
        ExceptionsCommand::Burndown {
            dir: _,
            format,
            out: file,
            csv,
        } => {
            let runs = reg.runs()?;
            if let Some(csv) = csv {
                // The old `--csv FILE`: the chart, and the series to the file (`-`: printed).
                let series = record::burndown_csv(&runs);
                if csv.as_os_str() == "-" {
                    out(&series, false);
                } else {
                    out(&register::render_burndown(&runs, &tz), true);
                    std::fs::write(&csv, series)
                        .with_context(|| format!("cannot write `{}`", csv.display()))?;
                }
                return Ok(0);
            }
            let file = file.as_deref();
            match format {
                Format::Text => deliver(&register::render_burndown(&runs, &tz), true, file)?,
                Format::Markdown => deliver(&markdown::burndown(&runs, &tz), false, file)?,
                Format::Json => {
                    deliver(&json_text(&record::burndown_json(&runs, &tz)), false, file)?
                }
                Format::Csv => deliver(&record::burndown_csv(&runs), false, file)?,
                Format::Html | Format::Pdf | Format::Oscal | Format::Sarif | Format::Junit => {
                    anyhow::bail!(
                        "`--format {}` is not a format of this command",
                        format.name()
                    )
                }
                Format::Xlsx => {
                    let file = file.ok_or_else(|| xlsx_needs_out("burndown"))?;
                    record::write_burndown_xlsx(file, &runs)?;
                    let _ = writeln!(
                        anstream::stderr(),
                        "wrote the burndown of {} to `{}`",
                        fieldcheck_kit::count(runs.len(), "recorded run", "recorded runs"),
                        file.display()
                    );
                }
            }
            Ok(0)
        }
    }
}

fn sample_command(a: &SampleArgs) -> anyhow::Result<u8> {
    if a.print_table {
        out(fieldcheck_sampling::SizeTable::SHIPPED, false);
        return Ok(0);
    }
    let confidence = match a.confidence {
        Some(c) if c > 50.0 - 1e-9 && c < 100.0 => Some(c / 100.0),
        Some(c) => anyhow::bail!(
            "`--confidence {c}` is not a confidence level; give a percent from 50 to below 100, e.g. `--confidence 95`"
        ),
        None => None,
    };
    if a.table.is_some() {
        for (flag, v) in [("--tolerable", a.tolerable), ("--expected", a.expected)] {
            if v.is_some_and(|v| !(0.0..100.0).contains(&v)) {
                anyhow::bail!("`{flag}` is a percent from 0 to below 100, e.g. `{flag} 5`");
            }
        }
        if a.expected.is_some() && a.tolerable.is_none() {
            anyhow::bail!("`--expected` needs `--tolerable` (or neither, for the whole table)");
        }
        out(
            &sample::aicpa_table(confidence.unwrap_or(0.95), a.tolerable, a.expected),
            false,
        );
        return Ok(0);
    }
    if let Some(dir) = &a.rederive {
        let (report, ok) = sample::rederive(dir)?;
        out(&report, true);
        return Ok(if ok { 0 } else { 1 });
    }
    fieldcheck_engine::check_control_ids(&a.controls)?;
    fieldcheck_engine::check_control_ids(&a.prior_deviations)?;
    let kit_dir = kit_of(a.kit.clone(), a.kit_flag.clone());
    let kit_dir = kit_dir.as_path();
    let loaded = match fieldcheck_engine::load(LoadRequest {
        progress: progress::bars(),
        cache: !a.no_cache,
        cache_min_bytes: cache_min_bytes(),
        ..LoadRequest::new(kit_dir, a.config.as_deref())
    }) {
        Ok(l) => l,
        Err(LoadError::Tool(e)) => return Err(e),
        Err(LoadError::Config(diags)) => {
            let mut err = anstream::stderr();
            let _ = err.write_all(diagnostics::render_all(&diags).as_bytes());
            let _ = writeln!(err, "the config has errors; nothing was sampled");
            return Ok(2);
        }
    };
    let sizes = sample::sizes_at(&loaded, confidence)?;
    if let Some(s) = &a.seed {
        let mut err = anstream::stderr();
        let _ = writeln!(
            err,
            "warning: `--seed` is deprecated and now names the engagement (`--engagement {s}`): the seed is derived from it and the population, so it cannot be re-rolled"
        );
    }
    let engagement = a.engagement.clone().or_else(|| a.seed.clone());
    let opts = sample::SampleOptions {
        only: &a.controls,
        prior_deviations: &a.prior_deviations,
        engagement,
        sizes,
    };
    let sampled = fieldcheck_kit::progress::step(
        progress::bars(),
        "drawing the samples",
        0,
        fieldcheck_kit::Unit::Items,
        |_| sample::run(&loaded, opts),
    )?;
    let (engagement, sizes, tests) = (&sampled.engagement, &sampled.sizes, &sampled.tests);
    match a.format {
        Format::Json => out(
            &json_text(&serde_json::to_value(sample::plan_file(
                engagement, sizes, tests,
            ))?),
            false,
        ),
        Format::Markdown => out(&sample_text::markdown(engagement, sizes, tests), false),
        _ => out(&sample_text::summary(engagement, sizes, tests), true),
    }
    if let Some(dir) = &a.out {
        let (csv, xlsx) = sample::write_out(dir, &sampled)?;
        let mut err = anstream::stderr();
        let _ = writeln!(
            err,
            "wrote {} to `{}` and `{}`, and the plan with the population listings to `{}` (re-derive it with `fieldcheck sample --rederive {}`)",
            fieldcheck_kit::count(sampled.requests.len(), "request", "requests"),
            csv.display(),
            xlsx.display(),
            dir.join("sample-plan.json").display(),
            dir.display()
        );
    }
    // The process ends here: let the OS reclaim the audit, the samples and the kit.
    std::mem::forget(sampled);
    std::mem::forget(loaded.kit);
    Ok(0)
}

fn demo_command(d: &DemoArgs) -> anyhow::Result<u8> {
    if d.people == 0 {
        anyhow::bail!(
            "`--people 0`: the demo company needs at least one person (the default is 600; the benchmark uses 50000)"
        );
    }
    if let Some(dir) = &d.out {
        // As `init` does: never write over a folder's files unasked.
        let occupied = std::fs::read_dir(dir).is_ok_and(|mut e| e.next().is_some());
        if occupied && !d.force {
            anyhow::bail!(
                "`{}` is not empty; write the demo into a new folder, or pass `--force` to replace the files of the same names in it",
                dir.display()
            );
        }
    }
    let opts = fieldcheck_demo::DemoOptions {
        seed: d.seed,
        people: d.people,
    };
    let write = |dir: &Path| {
        fieldcheck_kit::progress::step(
            progress::bars(),
            "writing the demo kit",
            0,
            fieldcheck_kit::Unit::Items,
            |_| {
                if d.raw {
                    fieldcheck_demo::write_raw(dir, &opts)
                } else {
                    fieldcheck_demo::write_kit(dir, &opts)
                }
            },
        )
    };
    if let Some(dir) = &d.out {
        let summary = write(dir)
            .with_context(|| format!("cannot write the demo kit to `{}`", dir.display()))?;
        if d.raw {
            let mut err = anstream::stderr();
            let _ = writeln!(
                err,
                "wrote Northpeak Software's evidence as raw exports ({}, seed {}) to `{}`: see its fieldcheck.toml for the [[sources]]",
                fieldcheck_kit::count(d.people, "person", "people"),
                d.seed,
                dir.display()
            );
            let _ = writeln!(err, "audit it with: fieldcheck audit {}", dir.display());
            let _ = writeln!(
                err,
                "see what each export became: fieldcheck ingest {} --out {}-kit",
                dir.display(),
                dir.display()
            );
            return Ok(0);
        }
        let mut err = anstream::stderr();
        let _ = writeln!(
            err,
            "wrote the evidence kit of Northpeak Software ({}, seed {}) to `{}`: {}, {}",
            fieldcheck_kit::count(d.people, "person", "people"),
            d.seed,
            dir.display(),
            fieldcheck_kit::count(summary.files.len(), "file", "files"),
            fieldcheck_kit::count(summary.records as usize, "record", "records")
        );
        let _ = writeln!(err, "audit it with: fieldcheck audit {}", dir.display());
        return Ok(0);
    }
    let dir =
        std::env::temp_dir().join(format!("fieldcheck-demo-{}-{}", std::process::id(), d.seed));
    write(&dir).with_context(|| format!("cannot write the demo kit to `{}`", dir.display()))?;
    let result = audit_and_print_from(
        None,
        &dir,
        None,
        &[],
        &Output {
            format: d.format,
            out: None,
            browser: None,
        },
        d.verbose,
        "demo (Northpeak Software)",
        None,
        "",
        false,
    );
    let _ = std::fs::remove_dir_all(&dir);
    // The demo shows findings; only a failure to run is an error.
    result.map(|code| if code == 2 { 2 } else { 0 })
}

fn controls_command(format: Format) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    match format {
        Format::Json => {
            out(&json_text(&fieldcheck_engine::docs::controls_json()), false);
            return Ok(());
        }
        Format::Markdown => {
            // The reference docs/controls.md is made of.
            out(
                &format!(
                    "# Controls\n\n{}",
                    fieldcheck_engine::docs::controls_reference()
                ),
                false,
            );
            return Ok(());
        }
        _ => {}
    }
    use owo_colors::OwoColorize;
    let mut o = String::new();
    for c in catalog() {
        let _ = writeln!(
            o,
            "{}  {}  {}",
            c.id.bold(),
            c.criteria.join(", ").cyan(),
            c.title
        );
        let _ = writeln!(
            o,
            "  evidence: {}",
            c.needs
                .iter()
                .map(|n| format!("{n}.csv"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for t in &c.tests {
            let _ = writeln!(
                o,
                "  test {} ({}): {}",
                t.id.bold(),
                t.frequency,
                t.population
            );
            let _ = writeln!(o, "    item {}", t.item);
            let w = t.reasons.iter().map(|r| r.0.len()).max().unwrap_or(0);
            for (code, meaning) in &t.reasons {
                let _ = writeln!(o, "    {}  {meaning}", format!("{code:<w$}").red());
            }
        }
        if !c.params.is_empty() {
            let _ = writeln!(o, "  parameters");
            for p in &c.params {
                let _ = writeln!(o, "    {} = {}  {}", p.name, p.default, p.doc.dimmed());
            }
        }
        let _ = writeln!(o);
    }
    out(&o, true);
    Ok(())
}
