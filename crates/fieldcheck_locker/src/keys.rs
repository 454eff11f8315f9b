//! Ed25519 keys for sealing collections: generated from the OS's randomness, stored as text.

use std::path::Path;

use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::manifest::{hex, unhex};

const SECRET_HEADER: &str = "fieldcheck-locker-secret-key/v1";

/// A key file that cannot be used.
#[derive(Debug)]
pub struct KeyError(pub String);

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

/// A new signing key from the operating system's random source.
pub fn generate_key() -> Result<SigningKey, KeyError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| KeyError(format!("no randomness from the OS: {e}")))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The public key as written in seals and `locker.pub`: `ed25519:<hex>`.
pub fn public_text(k: &VerifyingKey) -> String {
    format!("ed25519:{}", hex(k.as_bytes()))
}

/// Writes `path` (the secret key, readable by its owner only) and `path.pub`.
pub fn write_key_pair(key: &SigningKey, path: &Path) -> Result<std::path::PathBuf, KeyError> {
    let io = |e: std::io::Error| KeyError(format!("cannot write `{}`: {e}", path.display()));
    if path.exists() {
        return Err(KeyError(format!(
            "`{}` exists; refusing to overwrite a key (a lost key cannot sign again)",
            path.display()
        )));
    }
    {
        let mut p = path.as_os_str().to_owned();
        p.push(".pub");
        if std::path::Path::new(&p).exists() {
            return Err(KeyError(format!(
                "`{}` exists; refusing to overwrite a public key an auditor may already trust",
                std::path::Path::new(&p).display()
            )));
        }
    }
    let secret = format!("{SECRET_HEADER}\n{}\n", hex(&key.to_bytes()));
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(path).map_err(io)?;
        f.write_all(secret.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    let mut pub_path = path.as_os_str().to_owned();
    pub_path.push(".pub");
    let pub_path = std::path::PathBuf::from(pub_path);
    if pub_path.exists() {
        let _ = std::fs::remove_file(path);
        return Err(KeyError(format!(
            "`{}` exists; refusing to overwrite a public key an auditor may already trust",
            pub_path.display()
        )));
    }
    std::fs::write(
        &pub_path,
        format!("{}\n", public_text(&key.verifying_key())),
    )
    .map_err(io)?;
    Ok(pub_path)
}

/// Reads a secret key written by [`write_key_pair`].
pub fn read_secret_key(path: &Path) -> Result<SigningKey, KeyError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| KeyError(format!("cannot read the key `{}`: {e}", path.display())))?;
    let mut lines = text.lines();
    if lines.next().map(str::trim) != Some(SECRET_HEADER) {
        return Err(KeyError(format!(
            "`{}` is not a fieldcheck secret key (it should start with `{SECRET_HEADER}`); make one with `fieldcheck locker keygen`",
            path.display()
        )));
    }
    let bytes = lines
        .next()
        .and_then(|l| unhex(l.trim()))
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| KeyError(format!("`{}` holds no valid key", path.display())))?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Parses a public key: the text `ed25519:<hex>` or a file holding it.
pub fn read_public_key(text_or_path: &str) -> Result<VerifyingKey, KeyError> {
    let text = if text_or_path.starts_with("ed25519:") {
        text_or_path.to_string()
    } else {
        std::fs::read_to_string(text_or_path)
            .map_err(|e| KeyError(format!("cannot read the public key `{text_or_path}`: {e}")))?
    };
    if text.trim_start().starts_with(SECRET_HEADER) {
        return Err(KeyError(format!(
            "`{text_or_path}` is the secret key; give the public key (`{text_or_path}.pub`, or the locker's `locker.pub`) and keep the secret one private"
        )));
    }
    let hexpart = text.trim().strip_prefix("ed25519:").ok_or_else(|| {
        KeyError("a public key is written `ed25519:<64 hex digits>` (see `locker.pub`)".into())
    })?;
    let bytes = unhex(hexpart)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| KeyError("the public key is not 32 bytes of hex".into()))?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|e| KeyError(format!("not an Ed25519 public key: {e}")))
}
