//! Secrets: from the environment, or from the secrets file named by `[pull] secrets` (a regular
//! file of mode 0600 or stricter, `NAME = "value"` lines). A value is never printed, never
//! written, never part of an error message.

use std::collections::BTreeMap;
use std::path::Path;

use crate::spec::CollectorSpec;

/// A secret value: never printed (`Debug` shows `<redacted>`), never written.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: String) -> Self {
        Secret(value)
    }
    /// The value, to put in a request header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Why the secrets could not be read. The messages never contain a secret's value.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SecretsError {
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: String,
}

/// Reads the secrets the collectors need: each [`crate::SecretSpec::env`] from `env` (the
/// environment) or, when the variable is unset, from the secrets file. Secrets nobody needs are
/// not kept.
pub fn load(
    specs: &[&'static CollectorSpec],
    file: Option<(&Path, &str)>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, Secret>, SecretsError> {
    let from_file = match file {
        Some((path, shown)) => read_file(path, shown)?,
        None => BTreeMap::new(),
    };
    let mut out = BTreeMap::new();
    for spec in specs {
        for s in spec.secrets {
            let v = env(s.env)
                .filter(|v| !v.is_empty())
                .or_else(|| from_file.get(s.env).cloned());
            if let Some(v) = v {
                out.insert(s.env.to_string(), Secret::new(v));
            }
        }
    }
    Ok(out)
}

/// Whether the file's permissions let anyone but its owner read or write it.
#[cfg(unix)]
fn too_open(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn too_open(_meta: &std::fs::Metadata) -> Option<u32> {
    None
}

fn read_file(path: &Path, shown: &str) -> Result<BTreeMap<String, String>, SecretsError> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| SecretsError {
        message: format!("the secrets file `{shown}` (`[pull] secrets`) cannot be read: {e}"),
        help: "create it with mode 0600 (`install -m 600 /dev/null FILE`), or remove `[pull] secrets` and give the secrets as environment variables".into(),
    })?;
    if !meta.is_file() {
        return Err(SecretsError {
            message: format!("the secrets file `{shown}` is not a regular file"),
            help: "name a regular file (not a link, folder or FIFO) in `[pull] secrets`".into(),
        });
    }
    if let Some(mode) = too_open(&meta) {
        return Err(SecretsError {
            message: format!(
                "the secrets file `{shown}` has mode {mode:04o}: others can read or change it, so it was not read"
            ),
            help: format!(
                "run `chmod 600 {shown}` (and rotate the secrets if others could read them)"
            ),
        });
    }
    let text = fieldcheck_kit::fsafe::read_to_string(path, None).map_err(|r| SecretsError {
        message: format!("the secrets file `{shown}` {}", r.describe()),
        help: r.help().into(),
    })?;
    // toml's own messages quote the offending line, which may hold a secret: say only where.
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        SecretsError {
            message: format!(
                "the secrets file `{shown}` is not valid TOML{}",
                line.map(|l| format!(" (line {l})")).unwrap_or_default()
            ),
            help: "write one `NAME = \"value\"` per line, NAME being the environment variable `fieldcheck sources` names".into(),
        }
    })?;
    let mut out = BTreeMap::new();
    for (k, v) in table {
        match v {
            toml::Value::String(s) => {
                out.insert(k, s);
            }
            _ => {
                return Err(SecretsError {
                    message: format!("`{k}` in the secrets file `{shown}` is not a string"),
                    help: format!("write it as `{k} = \"...\"`"),
                });
            }
        }
    }
    Ok(out)
}
