//! Finding a source's files: a path or a glob (`*`, `?`, `**`), relative to the config's folder.

use std::path::{Path, PathBuf};

/// Whether `name` matches the glob component `pat` (`*` any run, `?` one character).
pub fn matches(pat: &str, name: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// The paths `pattern` names under `base`, sorted, without hidden files or folders. Every path
/// the pattern matches is returned, whatever it is: a directory, a FIFO or a broken symbolic
/// link matched by a glob is a lost source, which the reader reports (it opens only regular
/// files, through [`fieldcheck_kit::fsafe`]); it is never silently dropped.
pub fn expand(base: &Path, pattern: &str) -> Vec<PathBuf> {
    let pattern = pattern.replace('\\', "/");
    let (root, rest) = if let Some(stripped) = pattern.strip_prefix('/') {
        (PathBuf::from("/"), stripped.to_string())
    } else {
        (base.to_path_buf(), pattern.clone())
    };
    let parts: Vec<&str> = rest
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let mut out = Vec::new();
    walk(&root, &parts, &mut out);
    out.sort();
    out.dedup();
    out
}

fn walk(dir: &Path, parts: &[&str], out: &mut Vec<PathBuf>) {
    let Some((first, rest)) = parts.split_first() else {
        // `symlink_metadata`: a broken link is there too.
        if std::fs::symlink_metadata(dir).is_ok() {
            out.push(dir.to_path_buf());
        }
        return;
    };
    if *first == "**" {
        // A trailing `**` means every file below: the folders it walks are not matches.
        if rest.is_empty() {
            for e in entries(dir) {
                let hidden = e
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'));
                if !hidden && !std::fs::symlink_metadata(&e).is_ok_and(|m| m.is_dir()) {
                    out.push(e);
                }
            }
        } else {
            walk(dir, rest, out);
        }
        // Into real, visible folders only: not `.git` or `.fieldcheck`, not through symbolic
        // links (which can loop).
        for e in entries(dir) {
            let hidden = e
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            let real_dir = std::fs::symlink_metadata(&e).is_ok_and(|m| m.is_dir());
            if real_dir && !hidden {
                walk(&e, parts, out);
            }
        }
        return;
    }
    if !first.contains(['*', '?']) {
        walk(&dir.join(first), rest, out);
        return;
    }
    for e in entries(dir) {
        let name = e
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || !matches(first, &name) {
            continue;
        }
        // A folder is walked into only when the pattern goes on below it.
        if !rest.is_empty() && !e.is_dir() {
            continue;
        }
        walk(&e, rest, out);
    }
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// `path` as shown to the user: relative to `base` when inside it.
pub fn shown(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(matches("*.json", "users.json"));
        assert!(matches("page-?.json", "page-2.json"));
        assert!(!matches("*.json", "users.csv"));
        assert!(matches("*", ""));
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("okta/2026/04")).unwrap();
        std::fs::write(d.path().join("okta/a.json"), "[]").unwrap();
        std::fs::write(d.path().join("okta/2026/04/b.json"), "[]").unwrap();
        std::fs::write(d.path().join("okta/.hidden.json"), "[]").unwrap();
        let found = |p: &str| -> Vec<String> {
            expand(d.path(), p)
                .iter()
                .map(|x| shown(d.path(), x))
                .collect()
        };
        assert_eq!(found("okta/*.json"), ["okta/a.json"]);
        assert_eq!(
            found("okta/**/*.json"),
            ["okta/2026/04/b.json", "okta/a.json"]
        );
        assert_eq!(found("okta/a.json"), ["okta/a.json"]);
        assert!(found("nope/*.json").is_empty());
        // `**` does not walk into hidden folders (a `.git`, the locker) or through symlinks.
        std::fs::create_dir_all(d.path().join("okta/.git")).unwrap();
        std::fs::write(d.path().join("okta/.git/c.json"), "[]").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(d.path().join("okta"), d.path().join("okta/2026/loop")).unwrap();
        assert_eq!(
            found("okta/**/*.json"),
            ["okta/2026/04/b.json", "okta/a.json"]
        );
        // A broken link and a folder that the glob matches are returned (the reader reports them
        // as lost sources), never dropped; a trailing `**` matches files, not the folders walked.
        #[cfg(unix)]
        std::os::unix::fs::symlink(d.path().join("gone.json"), d.path().join("okta/c.json"))
            .unwrap();
        std::fs::create_dir_all(d.path().join("okta/d.json")).unwrap();
        #[cfg(unix)]
        assert_eq!(
            found("okta/*.json"),
            ["okta/a.json", "okta/c.json", "okta/d.json"]
        );
        // (`loop`, a link to a folder, is not walked through but is matched: a lost source.)
        #[cfg(unix)]
        assert_eq!(
            found("okta/2026/**"),
            ["okta/2026/04/b.json", "okta/2026/loop"]
        );
    }
}
