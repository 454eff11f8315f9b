//! What each collector is, as data: `fieldcheck sources` lists it, `pull --dry-run` prints its
//! calls, and `pull` writes its `[[sources]]` entries from it.

/// One API call (or paginated listing) a collector makes.
#[derive(Debug)]
pub struct CallSpec {
    /// A short stable name, used in retrieval records and file names (`users`, `system-log`).
    pub name: &'static str,
    /// The request as the vendor documents it (`GET /api/v1/users`, `iam:GetCredentialReport`).
    pub request: &'static str,
    /// The permission or scope it needs (`okta.users.read`, `iam:GenerateCredentialReport`).
    pub scope: &'static str,
    /// Whether it is an event listing queried over the window (from the window's start to the
    /// earlier of now and the window's end), rather than a state observed now.
    pub events: bool,
}

/// A secret a collector reads (from the environment or the secrets file, never the config).
#[derive(Debug)]
pub struct SecretSpec {
    /// The environment variable (and secrets-file key) it is read from (`OKTA_API_TOKEN`).
    pub env: &'static str,
    /// What it is.
    pub help: &'static str,
}

/// A `[[sources]]` entry a collector's files feed.
#[derive(Debug)]
pub struct SourceTemplate {
    /// The adapter.
    pub adapter: &'static str,
    /// The files, relative to the collector's folder (`users/*.json`).
    pub path: &'static str,
    /// The collector's options copied into the source entry as they are written
    /// (`service_accounts`: the adapter's option, given once on the collector).
    pub options: &'static [&'static str],
    /// The calls whose files the source reads: the source names them in `pulled_calls`, so the
    /// audit checks what each covered (a retention shortfall, an open window).
    pub calls: &'static [&'static str],
}

/// The type of a collector option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptTy {
    /// A string.
    Str,
    /// A list of strings (a single string is accepted as a list of one).
    List,
    /// A table of string to string.
    Map,
    /// A boolean.
    Bool,
    /// An integer.
    Int,
}

impl OptTy {
    /// How the type is written in messages.
    pub fn describe(self) -> &'static str {
        match self {
            OptTy::Str => "a string",
            OptTy::List => "a list of strings",
            OptTy::Map => "a table of strings",
            OptTy::Bool => "a boolean",
            OptTy::Int => "an integer",
        }
    }
}

/// One option of a `[[collectors]]` entry.
#[derive(Debug)]
pub struct OptSpec {
    /// The key.
    pub name: &'static str,
    /// Its type.
    pub ty: OptTy,
    /// Whether the entry must give it.
    pub required: bool,
    /// What it does and its default.
    pub help: &'static str,
}

/// A collector's description.
#[derive(Debug)]
pub struct CollectorSpec {
    /// The name written as `collector = "..."` and the folder under `exports/`.
    pub name: &'static str,
    /// The product.
    pub system: &'static str,
    /// The calls it makes, in order.
    pub calls: &'static [CallSpec],
    /// Its options besides `collector` (validated against this list).
    pub options: &'static [OptSpec],
    /// The secrets it needs.
    pub secrets: &'static [SecretSpec],
    /// The sources that read its files.
    pub sources: &'static [SourceTemplate],
    /// An example `[[collectors]]` block.
    pub example: &'static str,
}
