//! Every diagnostic code, with its meaning next to it (as cargo-deny keeps its `diags.rs`).
//!
//! `as_str` gives the stable kebab-case code; docs/diagnostics.md documents each (a test checks
//! both ways). A code is never reused for another meaning.

/// A diagnostic code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// `config-syntax` (error; Config (`fieldcheck.toml`)): the file is not valid TOML
    ConfigSyntax,
    /// `config-unknown-key` (error; Config (`fieldcheck.toml`)): a key or section fieldcheck does not know (with a "did you mean")
    ConfigUnknownKey,
    /// `config-missing-key` (error; Config (`fieldcheck.toml`)): `[org]`, `[window]` or one of their keys is missing
    ConfigMissingKey,
    /// `config-invalid-value` (error; Config (`fieldcheck.toml`)): a value of the wrong type or shape (a date that is not `YYYY-MM-DD`, an SLA that is not `same_day` or a duration, …)
    ConfigInvalidValue,
    /// `unknown-timezone` (error; Config (`fieldcheck.toml`)): `org.timezone` is not an IANA time zone name
    UnknownTimezone,
    /// `fixed-offset-timezone` (warning; Config (`fieldcheck.toml`)): a fixed-offset zone for a region that keeps daylight-saving time (`EST`, `MST`, `Etc/GMT+5` to `+8`): part of the year its dates are an hour off; the help names the DST-aware zone (`America/New_York`). `EST5EDT`-style zones have DST rules and are not flagged
    FixedOffsetTimezone,
    /// `window-end-before-start` (error; Config (`fieldcheck.toml`)): `window.end` is before `window.start`
    WindowEndBeforeStart,
    /// `control-unknown` (error; Config (`fieldcheck.toml`)): `[controls.<id>]` names no control
    ControlUnknown,
    /// `scope-out-without-reason` (error; Config (`fieldcheck.toml`)): `enabled = false` without a non-empty `reason`
    ScopeOutWithoutReason,
    /// `missing-column` (error; Evidence kit files): a required column is missing from a CSV header; no row of the file can be used
    MissingColumn,
    /// `unknown-column` (warning; Evidence kit files): columns (or JSON fields) the format does not define; kept and ignored, named once
    UnknownColumn,
    /// `duplicate-column` (error; Evidence kit files): a column appears twice in a header: which one holds the evidence cannot be guessed, so the file cannot be relied on
    DuplicateColumn,
    /// `no-known-column` (error; Evidence kit files): the header names no column of the kind (a wrong delimiter such as `;` or a tab is named); no row can be read
    NoKnownColumn,
    /// `near-miss-column` (error; Evidence kit files): an unknown column that is a near miss of a field the file lacks (`terminated` for `terminated_at`): that field would read as empty in every row
    NearMissColumn,
    /// `naive-timestamp` (error; Evidence kit files): a timestamp without an offset or `Z` (unless `evidence.naive_timestamps = "org"`)
    NaiveTimestamp,
    /// `bad-timestamp` (error; Evidence kit files): a value that is not an RFC 3339 timestamp (`2026-03-06T17:05:00-05:00`; other ISO 8601 shapes such as `20260306T170500Z` or a missing seconds field are rejected)
    BadTimestamp,
    /// `bad-date` (error; Evidence kit files): a value that is not a `YYYY-MM-DD` date
    BadDate,
    /// `bad-bool` (error; Evidence kit files): a value that is not `true/false`, `yes/no` or `1/0`
    BadBool,
    /// `bad-int` (error; Evidence kit files): a value that is not a whole number
    BadInt,
    /// `out-of-range` (error; Evidence kit files): a number outside its range (tier 1-3, likelihood 1-5, minutes ≥ 0)
    OutOfRange,
    /// `unknown-enum-value` (error; Evidence kit files): a value outside the listed lower-case values (with a "did you mean")
    UnknownEnumValue,
    /// `required-null` (error; Evidence kit files): a required field (a key, or `people.start_date`) is empty
    RequiredNull,
    /// `missing-value` (warning; Evidence kit files): cells of an *expected* field (one a record cannot be placed or joined without: a deploy's time, an account's kind), or that whole column, are empty: the rows are kept and read as unknown; one warning per file and field. An optional column left out entirely is not reported: where a control decides a reason on it, an empty value fails the item or is named in the test's notes (readings.md, "No pass on unknown")
    MissingValue,
    /// `duplicate-key` (error; Evidence kit files): a second row with the same key; the first row is kept and both lines are named
    DuplicateKey,
    /// `duplicate-file` (error; Evidence kit files): both `<kind>.csv` and `<kind>.jsonl` exist; the CSV is read and the kind counts as unreliable
    DuplicateFile,
    /// `unreadable-file` (error; Evidence kit files): the file could not be opened or read
    UnreadableFile,
    /// `not-a-file` (error; Evidence kit files): a kit file that is a folder, a FIFO, a device, a broken link or a symbolic link out of the kit folder: refused without being opened or followed
    NotAFile,
    /// `bad-encoding` (error; Evidence kit files): a header that is not UTF-8 text, or a UTF-16 byte-order mark followed by invalid UTF-16 (a UTF-16 file with its byte-order mark is decoded)
    BadEncoding,
    /// `empty-file` (error; Evidence kit files): a 0-byte file: no header, no evidence of zero records (a kind with no records is a header row alone)
    EmptyFile,
    /// `bad-csv` (error; Evidence kit files): malformed CSV, such as a quote that is never closed (the lines it swallowed are counted as rejected)
    BadCsv,
    /// `bad-row` (error; Evidence kit files): a CSV row with more or fewer fields than the header (a file cut off mid-row ends with one); the row is rejected
    BadRow,
    /// `bad-utf8` (error; Evidence kit files): a row or value with bytes that are not UTF-8; the row is rejected
    BadUtf8,
    /// `cell-too-long` (error; Evidence kit files): a value longer than 64 KiB: no evidence field is that long (a cell that swallowed a file); the row is rejected
    CellTooLong,
    /// `nul-byte` (error; Evidence kit files): a row or line holding a NUL byte; the row is rejected
    NulByte,
    /// `bare-date` (note; Evidence kit files): timestamp values written as a bare date (`2026-03-06`), read as 23:59:59 that day in the org time zone; counted per file and field
    BareDate,
    /// `coverage-gap` (error; Evidence kit files): a busy event file (account_events, deploys, sessions, central_log, backup_jobs) has a month of the window with no row: an export cut short or a missing page looks exactly like this, so the file cannot be relied on. Busy: at least `evidence.coverage_min_monthly` (20) × the window's months rows in the window, or months with rows averaging that many, or no row in the window but that many outside it. The part of the month in which a window ends mid-month counts as a month
    CoverageGap,
    /// `coverage-gap-accepted` (note; Evidence kit files): such a month, accepted in `[[evidence.accepted_gaps]]` with its reason
    CoverageGapAccepted,
    /// `unused-accepted-gap` (warning; Evidence kit files): an `[[evidence.accepted_gaps]]` entry for a month outside the window, or for a month in which the busy file has rows: it excuses nothing and should go
    UnusedAcceptedGap,
    /// `bad-json` (error; Evidence kit files): a JSON Lines line that is not a JSON object, or a field that is an array or object
    BadJson,
    /// `ambiguous-person` (warning; Evidence kit files): an email or external id names two people; the first row wins
    AmbiguousPerson,
    /// `unknown-system` (warning; Evidence kit files): rows name a `system_id` that is not in systems.csv; every control ignores them as out of scope
    UnknownSystem,
    /// `more-diagnostics` (note; Evidence kit files): more than 50 diagnostics of one code in one file; the rest are counted, not listed
    MoreDiagnostics,
    /// `source-invalid` (error; Sources (`[[sources]]` and the raw exports they read)): a source lacks `adapter`, `path` or a required `system_id`, or a mapping names no valid `kind`
    SourceInvalid,
    /// `source-unknown-adapter` (error; Sources (`[[sources]]` and the raw exports they read)): `adapter` names no adapter (with a "did you mean"; `fieldcheck sources` lists them)
    SourceUnknownAdapter,
    /// `source-unknown-option` (error; Sources (`[[sources]]` and the raw exports they read)): an option the adapter does not take (with a "did you mean")
    SourceUnknownOption,
    /// `source-invalid-option` (error; Sources (`[[sources]]` and the raw exports they read)): an option of the wrong type, or a mapping's `fields` that names an unknown field or misses a key field
    SourceInvalidOption,
    /// `source-no-files` (error; Sources (`[[sources]]` and the raw exports they read)): the source's `path` matches no file; the kinds it makes are `not_evidenced`
    SourceNoFiles,
    /// `source-missing-column` (error; Sources (`[[sources]]` and the raw exports they read)): a CSV export's header lacks a column the adapter needs, or a column a mapping names (the export's format changed); the file is skipped. A header split by `;` or tabs instead of the source's delimiter is named in the help
    SourceMissingColumn,
    /// `empty-export` (error; Sources (`[[sources]]` and the raw exports they read)): an export of 0 bytes, only whitespace, or a CSV without even its header row: a failed download, not "no records"
    EmptyExport,
    /// `source-error-response` (error; Sources (`[[sources]]` and the raw exports they read)): the export is an API's error answer (bad credentials, permissions, rate limit), named in the API's own words
    SourceErrorResponse,
    /// `source-missing-field` (warning; Sources (`[[sources]]` and the raw exports they read)): a column or JSON field a source maps (a built-in default, or in JSON no record of the file has it): the field is unknown for every record; a renamed report column is the usual cause
    SourceMissingField,
    /// `truncated-export` (error; Sources (`[[sources]]` and the raw exports they read)): a JSON export ends inside a record (an interrupted download or page); the records before the cut are kept
    TruncatedExport,
    /// `bad-value` (error; Sources (`[[sources]]` and the raw exports they read)): a raw record's value cannot be read (a timestamp that is not one, a record that names no user); the record is skipped
    BadValue,
    /// `unknown-value` (error; Sources (`[[sources]]` and the raw exports they read)): a raw value that maps to no kit value (a status, an event outcome, a TLS policy not in the table, a level name, a boolean that is not one), on the record's line: the record is skipped and the kinds the source makes are `not_evidenced`. Event types fieldcheck does not use are not this: they are counted in `source-skipped-events`
    UnknownValue,
    /// `source-skipped-events` (note; Sources (`[[sources]]` and the raw exports they read)): events of types fieldcheck does not use, counted by type; they are not evidence for any control
    SourceSkippedEvents,
    /// `source-skipped-records` (note; Sources (`[[sources]]` and the raw exports they read)): records the adapter recognised but does not use (unfinished backup jobs, deleted campaigns, unknown record shapes), counted
    SourceSkippedRecords,
    /// `source-duplicate-records` (note; Sources (`[[sources]]` and the raw exports they read)): records identical in every field to one already read (overlapping exports, a page downloaded twice) are counted once
    SourceDuplicateRecords,
    /// `source-skipped-lines` (note; Sources (`[[sources]]` and the raw exports they read)): log lines that are not sessions (other daemons, failed logins), counted
    SourceSkippedLines,
    /// `source-missing-pages` (error; Sources (`[[sources]]` and the raw exports they read)): a paged export that says more pages follow than the source holds: Microsoft Graph pages of one listing (`@odata.context`) that all carry an `@odata.nextLink`, Jira `/search/jql` pages that all have `isLast: false`, or `/search` pages whose issues do not reach their `total`; the kinds the source makes are `not_evidenced`
    SourceMissingPages,
    /// `source-missing-changelog` (note; Sources (`[[sources]]` and the raw exports they read)): Jira issues exported without `expand=changelog`: their approval and retro-review times are unknown
    SourceMissingChangelog,
    /// `source-assumed-value` (note; Sources (`[[sources]]` and the raw exports they read)): a value the export lacks was taken from the documented fallback (a deploy time from the deployment's creation when it has no statuses)
    SourceAssumedValue,
    /// `source-needs-option` (error; Sources (`[[sources]]` and the raw exports they read)): the export needs an option to be read (syslog lines without `year`); those records are skipped
    SourceNeedsOption,
    /// `source-no-system` (warning; Sources (`[[sources]]` and the raw exports they read)): a record whose resource maps to no system (`systems`, `hosts`, `targets` options) and the source names no `system_id`; skipped
    SourceNoSystem,
    /// `source-partial-changelog` (warning; Sources (`[[sources]]` and the raw exports they read)): Jira issues whose changelog the search page cut short (it returns at most 100 histories): an approval among the missing ones is not seen
    SourcePartialChangelog,
    /// `source-unvalidated-restores` (note; Sources (`[[sources]]` and the raw exports they read)): AWS Backup restores that completed without a validation result, read as succeeded: weaker evidence than a validated restore test
    SourceUnvalidatedRestores,
    /// `source-review-systems` (note; Sources (`[[sources]]` and the raw exports they read)): one access-review campaign covers several systems; each decision keeps its own system
    SourceReviewSystems,
    /// `source-unlinked-review` (warning; Sources (`[[sources]]` and the raw exports they read)): an access-review instance that cannot be linked to its definition, so its system is the source's
    SourceUnlinkedReview,
    /// `source-other-call` (note; Sources (`[[sources]]` and the raw exports they read)): outputs of other AWS CLI calls found among a source's files (`list-keys` for `aws-kms`, `describe-trails` for `aws-cloudtrail`, `list-users` for the credential report), counted by file: read, not used, nothing lost
    SourceOtherCall,
    /// `source-missing-call` (error; Sources (`[[sources]]` and the raw exports they read)): a resource the source knows (a KMS key from `describe-key`, `list-keys` or `list-aliases`; a bucket from `list-buckets`) whose evidence call was not collected; the help names the exact command. Its value is never guessed and the kind is `not_evidenced`. A warning for an AWS-managed key (its rotation no control judges) and for a key with a rotation status but no `describe-key` (manager and spec unknown, named in the control's notes)
    SourceMissingCall,
    /// `source-unnamed-resource` (error; Sources (`[[sources]]` and the raw exports they read)): an output that names no resource (a `get-key-rotation-status` without `KeyId`) whose resource no rule finds (the file name, a `describe-key` in the same file or in the file of the same name); skipped, so the kind is `not_evidenced`
    SourceUnnamedResource,
    /// `bad-base64` (error; Sources (`[[sources]]` and the raw exports they read)): the credential report's `Content` is not base64: the report cannot be decoded and its kinds are `not_evidenced`
    BadBase64,
    /// `pull-record-unreadable` (error; Pulled sources (`pulled = "exports/<collector>/pull.json"`)): the `pull.json` a pulled source names is missing, not a regular file, or not what `fieldcheck pull` writes; the kinds the source makes are `not_evidenced`
    PullRecordUnreadable,
    /// `pull-call-missing` (error; Pulled sources (`pulled = "exports/<collector>/pull.json"`)): the record has no entry for a call that feeds the source (it failed, or the record is from another pull); the kinds are `not_evidenced`
    PullCallMissing,
    /// `pull-shortfall` (error; Pulled sources (`pulled = "exports/<collector>/pull.json"`)): an event call could not reach back to the window's start (the API's retention, such as 90 days for the Okta System Log and CloudTrail `lookup-events`); the kinds are `not_evidenced` until archived events cover the gap (read them with a file-based `[[sources]]` entry of the same adapter)
    PullShortfall,
    /// `window-open` (warning; Pulled sources (`pulled = "exports/<collector>/pull.json"`)): "window still open: population incomplete": the events were pulled before the window's end; pull again after it closes for the auditor's population
    WindowOpen,
    /// `evidence-gap` (warning; Evidence locker (audits replayed with `--locker`)): a source was not collected for longer than its cadence within the window (daily for logs and event streams, weekly for reviews and training, monthly for inventories; `cadence = "12h"` in a `[[sources]]` entry sets it); the dependent controls get a note that their evidence covers only part of the window
    EvidenceGap,
    /// `stale-evidence` (warning; Evidence locker (audits replayed with `--locker`)): a source's newest collection is older than its cadence at the window's end, or at the `--as-of` date, or now while the window is still running; or nothing of it was collected by then
    StaleEvidence,
    /// `collector-invalid` (error; Pull (`[[collectors]]` and `fieldcheck pull`)): a `[[collectors]]` entry without `collector`, or with one that is not a string
    CollectorInvalid,
    /// `collector-unknown` (error; Pull (`[[collectors]]` and `fieldcheck pull`)): `collector = "..."` names no collector (with a "did you mean"; `fieldcheck sources` lists them)
    CollectorUnknown,
    /// `collector-unknown-option` (error; Pull (`[[collectors]]` and `fieldcheck pull`)): a key the collector does not take (with a "did you mean", or the list of its options)
    CollectorUnknownOption,
    /// `collector-invalid-option` (error; Pull (`[[collectors]]` and `fieldcheck pull`)): an option of the wrong type (`service_accounts` must be a list of strings)
    CollectorInvalidOption,
    /// `collector-missing-option` (error; Pull (`[[collectors]]` and `fieldcheck pull`)): an option the collector needs is missing (`system_id`)
    CollectorMissingOption,
    /// `collector-duplicate` (error; Pull (`[[collectors]]` and `fieldcheck pull`)): the same collector configured twice: its files go to one `exports/<collector>/` folder
    CollectorDuplicate,
    /// `collector-secret-in-config` (error; Pull (`[[collectors]]` and `fieldcheck pull`)): a key that looks like a secret (`token`, `api_key`, `password`, `secret`, `client_secret`, ...) in the config: secrets never go in `fieldcheck.toml`; the value is never shown (the snippet reads `<redacted>`); give it as an environment variable or in the `[pull] secrets` file
    CollectorSecretInConfig,
    /// `pull-secrets-file` (error; Pull (`[[collectors]]` and `fieldcheck pull`)): the `[pull] secrets` file cannot be used: missing, not a regular file, readable or writable by others (mode looser than 0600: `chmod 600 FILE`), not TOML (only the line is named, never its text), or a value that is not a string
    PullSecretsFile,
    /// `pull-secret-missing` (error; Pull (`[[collectors]]` and `fieldcheck pull`)): a secret a collector needs (`OKTA_API_TOKEN`) is neither in the environment nor in the secrets file
    PullSecretMissing,
    /// `pull-failed` (error; Pull (`[[collectors]]` and `fieldcheck pull`)): a collector's pull stopped: an expired or refused token (`401`: the API's own error code, `E0000011`, and the scope the call needs), a missing permission (`403`: the scope named), a rate limit asking to wait longer than 5 minutes, a server that kept failing after 5 attempts, a next page on another site. Nothing of that collector reaches the kit; the others land; exit code 2
    PullFailed,
    /// `source-missing-select` (error or warning; Sources): Microsoft Graph records that lack fields the listing leaves out unless the request asks for them, once per file with the `$select`/`$expand` to add: users without `accountEnabled` or `createdDateTime` (an error: their status is unknown, so the accounts are `not_evidenced`), applications and service principals without `owners` and no owner in the `owners` option (a warning: they are read as having no owner)
    SourceMissingSelect,
}

impl Code {
    /// Every code, in the documentation's order.
    pub const ALL: &[Code] = &[
        Code::ConfigSyntax,
        Code::ConfigUnknownKey,
        Code::ConfigMissingKey,
        Code::ConfigInvalidValue,
        Code::UnknownTimezone,
        Code::FixedOffsetTimezone,
        Code::WindowEndBeforeStart,
        Code::ControlUnknown,
        Code::ScopeOutWithoutReason,
        Code::MissingColumn,
        Code::UnknownColumn,
        Code::DuplicateColumn,
        Code::NoKnownColumn,
        Code::NearMissColumn,
        Code::NaiveTimestamp,
        Code::BadTimestamp,
        Code::BadDate,
        Code::BadBool,
        Code::BadInt,
        Code::OutOfRange,
        Code::UnknownEnumValue,
        Code::RequiredNull,
        Code::MissingValue,
        Code::DuplicateKey,
        Code::DuplicateFile,
        Code::UnreadableFile,
        Code::NotAFile,
        Code::BadEncoding,
        Code::EmptyFile,
        Code::BadCsv,
        Code::BadRow,
        Code::BadUtf8,
        Code::CellTooLong,
        Code::NulByte,
        Code::BareDate,
        Code::CoverageGap,
        Code::CoverageGapAccepted,
        Code::UnusedAcceptedGap,
        Code::BadJson,
        Code::AmbiguousPerson,
        Code::UnknownSystem,
        Code::MoreDiagnostics,
        Code::SourceInvalid,
        Code::SourceUnknownAdapter,
        Code::SourceUnknownOption,
        Code::SourceInvalidOption,
        Code::SourceNoFiles,
        Code::SourceMissingColumn,
        Code::EmptyExport,
        Code::SourceErrorResponse,
        Code::SourceMissingField,
        Code::TruncatedExport,
        Code::BadValue,
        Code::UnknownValue,
        Code::SourceSkippedEvents,
        Code::SourceSkippedRecords,
        Code::SourceDuplicateRecords,
        Code::SourceSkippedLines,
        Code::SourceMissingPages,
        Code::SourceMissingChangelog,
        Code::SourceAssumedValue,
        Code::SourceNeedsOption,
        Code::SourceNoSystem,
        Code::SourcePartialChangelog,
        Code::SourceUnvalidatedRestores,
        Code::SourceReviewSystems,
        Code::SourceUnlinkedReview,
        Code::SourceOtherCall,
        Code::SourceMissingCall,
        Code::SourceUnnamedResource,
        Code::BadBase64,
        Code::PullRecordUnreadable,
        Code::PullCallMissing,
        Code::PullShortfall,
        Code::WindowOpen,
        Code::EvidenceGap,
        Code::StaleEvidence,
        Code::CollectorInvalid,
        Code::CollectorUnknown,
        Code::CollectorUnknownOption,
        Code::CollectorInvalidOption,
        Code::CollectorMissingOption,
        Code::CollectorDuplicate,
        Code::CollectorSecretInConfig,
        Code::PullSecretsFile,
        Code::PullSecretMissing,
        Code::PullFailed,
        Code::SourceMissingSelect,
    ];

    /// The stable kebab-case code.
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::ConfigSyntax => "config-syntax",
            Code::ConfigUnknownKey => "config-unknown-key",
            Code::ConfigMissingKey => "config-missing-key",
            Code::ConfigInvalidValue => "config-invalid-value",
            Code::UnknownTimezone => "unknown-timezone",
            Code::FixedOffsetTimezone => "fixed-offset-timezone",
            Code::WindowEndBeforeStart => "window-end-before-start",
            Code::ControlUnknown => "control-unknown",
            Code::ScopeOutWithoutReason => "scope-out-without-reason",
            Code::MissingColumn => "missing-column",
            Code::UnknownColumn => "unknown-column",
            Code::DuplicateColumn => "duplicate-column",
            Code::NoKnownColumn => "no-known-column",
            Code::NearMissColumn => "near-miss-column",
            Code::NaiveTimestamp => "naive-timestamp",
            Code::BadTimestamp => "bad-timestamp",
            Code::BadDate => "bad-date",
            Code::BadBool => "bad-bool",
            Code::BadInt => "bad-int",
            Code::OutOfRange => "out-of-range",
            Code::UnknownEnumValue => "unknown-enum-value",
            Code::RequiredNull => "required-null",
            Code::MissingValue => "missing-value",
            Code::DuplicateKey => "duplicate-key",
            Code::DuplicateFile => "duplicate-file",
            Code::UnreadableFile => "unreadable-file",
            Code::NotAFile => "not-a-file",
            Code::BadEncoding => "bad-encoding",
            Code::EmptyFile => "empty-file",
            Code::BadCsv => "bad-csv",
            Code::BadRow => "bad-row",
            Code::BadUtf8 => "bad-utf8",
            Code::CellTooLong => "cell-too-long",
            Code::NulByte => "nul-byte",
            Code::BareDate => "bare-date",
            Code::CoverageGap => "coverage-gap",
            Code::CoverageGapAccepted => "coverage-gap-accepted",
            Code::UnusedAcceptedGap => "unused-accepted-gap",
            Code::BadJson => "bad-json",
            Code::AmbiguousPerson => "ambiguous-person",
            Code::UnknownSystem => "unknown-system",
            Code::MoreDiagnostics => "more-diagnostics",
            Code::SourceInvalid => "source-invalid",
            Code::SourceUnknownAdapter => "source-unknown-adapter",
            Code::SourceUnknownOption => "source-unknown-option",
            Code::SourceInvalidOption => "source-invalid-option",
            Code::SourceNoFiles => "source-no-files",
            Code::SourceMissingColumn => "source-missing-column",
            Code::EmptyExport => "empty-export",
            Code::SourceErrorResponse => "source-error-response",
            Code::SourceMissingField => "source-missing-field",
            Code::TruncatedExport => "truncated-export",
            Code::BadValue => "bad-value",
            Code::UnknownValue => "unknown-value",
            Code::SourceSkippedEvents => "source-skipped-events",
            Code::SourceSkippedRecords => "source-skipped-records",
            Code::SourceDuplicateRecords => "source-duplicate-records",
            Code::SourceSkippedLines => "source-skipped-lines",
            Code::SourceMissingPages => "source-missing-pages",
            Code::SourceMissingChangelog => "source-missing-changelog",
            Code::SourceAssumedValue => "source-assumed-value",
            Code::SourceNeedsOption => "source-needs-option",
            Code::SourceNoSystem => "source-no-system",
            Code::SourcePartialChangelog => "source-partial-changelog",
            Code::SourceUnvalidatedRestores => "source-unvalidated-restores",
            Code::SourceReviewSystems => "source-review-systems",
            Code::SourceUnlinkedReview => "source-unlinked-review",
            Code::SourceOtherCall => "source-other-call",
            Code::SourceMissingCall => "source-missing-call",
            Code::SourceUnnamedResource => "source-unnamed-resource",
            Code::BadBase64 => "bad-base64",
            Code::PullRecordUnreadable => "pull-record-unreadable",
            Code::PullCallMissing => "pull-call-missing",
            Code::PullShortfall => "pull-shortfall",
            Code::WindowOpen => "window-open",
            Code::EvidenceGap => "evidence-gap",
            Code::StaleEvidence => "stale-evidence",
            Code::CollectorInvalid => "collector-invalid",
            Code::CollectorUnknown => "collector-unknown",
            Code::CollectorUnknownOption => "collector-unknown-option",
            Code::CollectorInvalidOption => "collector-invalid-option",
            Code::CollectorMissingOption => "collector-missing-option",
            Code::CollectorDuplicate => "collector-duplicate",
            Code::CollectorSecretInConfig => "collector-secret-in-config",
            Code::PullSecretsFile => "pull-secrets-file",
            Code::PullSecretMissing => "pull-secret-missing",
            Code::PullFailed => "pull-failed",
            Code::SourceMissingSelect => "source-missing-select",
        }
    }

    /// The code of a kebab-case name, if there is one.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl From<Code> for &'static str {
    fn from(c: Code) -> &'static str {
        c.as_str()
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}
