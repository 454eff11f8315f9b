//! Test support shared by the workspace's tests: a temporary folder with files written in it (a
//! kit, a config folder with its exports) and the config every test kit starts from.
//!
//! A dev-dependency only, and dependent on nothing of the workspace, so the unit tests of
//! `fieldcheck_kit` and `fieldcheck_controls` can use it without a dependency cycle.

use std::path::Path;

use tempfile::TempDir;

/// The `[org]` and `[window]` of every test config: Acme, America/New_York, the first half of
/// 2026.
pub const ORG_AND_WINDOW: &str = "[org]\nname = \"Acme\"\ntimezone = \"America/New_York\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n";

/// A `fieldcheck.toml` text: [`ORG_AND_WINDOW`] followed by `rest` (`[[sources]]` blocks,
/// parameters).
pub fn config(rest: &str) -> String {
    format!("{ORG_AND_WINDOW}\n{rest}\n")
}

/// Writes each `(name, contents)` under `dir`, creating the folders a name has.
pub fn write_files<N: AsRef<str>, C: AsRef<[u8]>>(dir: &Path, files: &[(N, C)]) {
    for (name, contents) in files {
        let path = dir.join(name.as_ref());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
        }
        std::fs::write(&path, contents.as_ref())
            .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
}

/// A temporary folder holding the files a test wrote, removed when dropped.
pub struct TempKit {
    dir: TempDir,
}

impl TempKit {
    /// An empty folder.
    pub fn new() -> TempKit {
        TempKit {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    /// A folder with `files` written in it.
    pub fn with<N: AsRef<str>, C: AsRef<[u8]>>(files: &[(N, C)]) -> TempKit {
        let k = TempKit::new();
        write_files(k.path(), files);
        k
    }

    /// Writes one more file (or replaces it).
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> &TempKit {
        write_files(self.path(), &[(name, contents)]);
        self
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Default for TempKit {
    fn default() -> TempKit {
        TempKit::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_files_in_folders_and_cleans_up() {
        let k = TempKit::with(&[("people.csv", "person_id\n"), ("exports/okta/a.json", "[]")]);
        k.write("exports/okta/a.json", b"[1]");
        let root = k.path().to_path_buf();
        assert_eq!(
            std::fs::read_to_string(root.join("people.csv")).unwrap(),
            "person_id\n"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("exports/okta/a.json")).unwrap(),
            "[1]"
        );
        drop(k);
        assert!(!root.exists());
    }

    #[test]
    fn the_config_starts_with_the_org_and_window() {
        let c = config("[[sources]]\nadapter = \"okta-users\"\n");
        assert!(c.starts_with("[org]\nname = \"Acme\"\ntimezone = \"America/New_York\"\n"));
        assert!(c.ends_with("adapter = \"okta-users\"\n\n"));
    }
}
