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
    /// The secrets it needs.
    pub secrets: &'static [SecretSpec],
    /// The sources that read its files.
    pub sources: &'static [SourceTemplate],
    /// An example `[[collectors]]` block.
    pub example: &'static str,
}
