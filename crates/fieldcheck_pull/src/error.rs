//! Why a collector's pull stopped (below the HTTP client and the session, which both return it).

/// Why a collector's pull stopped. Nothing it staged reaches the kit.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// A call failed (after retries), or its answer cannot be used.
    #[error("{collector}: {call}: {message}")]
    Call {
        /// The collector.
        collector: String,
        /// The call's name.
        call: String,
        /// What happened (never containing a secret).
        message: String,
        /// What to do.
        help: String,
    },
    /// A staged file could not be written.
    #[error("writing `{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

impl PullError {
    /// What to do about it, if known.
    pub fn help(&self) -> Option<&str> {
        match self {
            PullError::Call { help, .. } if !help.is_empty() => Some(help),
            _ => None,
        }
    }
}
