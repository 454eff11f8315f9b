//! Finding a source's files: a path or a glob, relative to the config's folder.
//!
//! A pattern is split at `/` (a `\\` is a separator too, so Windows-style paths work); each
//! component is a [`globset`] glob: `*` any run of characters, `?` one character, `[a-z]` and
//! `[!a-z]` a character class, `{a,b}` alternatives. A metacharacter is matched literally inside
//! a class (`[*]`, `[?]`, `[[]`, `[{]`); the backslash is not an escape, since it separates
//! components. A whole component `**` matches any run of folders, none included. Wildcards never
//! match a hidden name (one starting with `.`), and `**` does not walk into hidden folders (a
//! `.git`, the locker) or through symbolic links (which can loop).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use walkdir::WalkDir;

/// A component's matcher: a glob, or `None` when the component is not a valid glob (an
/// unclosed `[` or `{`), which then matches its literal text, as a name with those characters in
/// it would be. `*` matches `/` too: a path component has none, and a name glob (an ARN's
/// `arn:aws:rds:*:db:prod-*`, a login's `svc-*`) matches across them as it always has.
fn component(pat: &str) -> Option<GlobMatcher> {
    GlobBuilder::new(pat)
        .literal_separator(false)
        .backslash_escape(false)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

/// Whether `pat` has a glob metacharacter.
fn is_glob(pat: &str) -> bool {
    pat.contains(['*', '?', '[', '{'])
}

thread_local! {
    /// The matchers of the patterns seen so far: adapters match every row against the few
    /// patterns of their options, and a glob is compiled once.
    static COMPILED: RefCell<HashMap<String, Option<GlobMatcher>>> = RefCell::new(HashMap::new());
}

/// Whether `name` matches the glob `pat` (see the module's documentation): a path component,
/// or a name (a login, an ARN, a host) against an adapter option's glob.
pub fn matches(pat: &str, name: &str) -> bool {
    COMPILED.with(|c| {
        let mut c = c.borrow_mut();
        if !c.contains_key(pat) {
            // Bounded: patterns come from the config, but a caller must not grow it forever.
            if c.len() >= 1024 {
                c.clear();
            }
            c.insert(pat.to_string(), component(pat));
        }
        match &c[pat] {
            Some(m) => m.is_match(name),
            None => pat == name,
        }
    })
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

fn hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
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
        // Every real, visible folder from `dir` down (`dir` itself included): not through
        // symbolic links, not into hidden folders.
        let tree = WalkDir::new(dir)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !hidden(e.file_name()));
        for e in tree.filter_map(Result::ok) {
            if rest.is_empty() {
                // A trailing `**` means every file below: the folders it walks are not matches.
                if e.depth() > 0 && !e.file_type().is_dir() {
                    out.push(e.into_path());
                }
            } else if e.file_type().is_dir() {
                walk(e.path(), rest, out);
            }
        }
        return;
    }
    let matcher = if is_glob(first) {
        component(first)
    } else {
        None
    };
    let Some(matcher) = matcher else {
        walk(&dir.join(first), rest, out);
        return;
    };
    for e in entries(dir) {
        let Some(name) = e.file_name() else { continue };
        if hidden(name) || !matcher.is_match(name) {
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

    #[test]
    fn classes_alternatives_and_literal_metacharacters() {
        // Components: classes, negated classes, alternatives; a metacharacter in a class is
        // literal; an invalid glob is its literal text.
        assert!(matches("page-[0-9].json", "page-7.json"));
        assert!(!matches("page-[0-9].json", "page-x.json"));
        assert!(matches("page-[!0-9].json", "page-x.json"));
        assert!(matches("{okta,entra}-*.json", "entra-users.json"));
        assert!(!matches("{okta,entra}-*.json", "github-users.json"));
        assert!(matches("report[*].csv", "report*.csv"));
        assert!(!matches("report[*].csv", "report1.csv"));
        assert!(matches("a[?]", "a?"));
        assert!(!matches("a[?]", "ab"));
        assert!(matches("odd[name", "odd[name"));
        assert!(!matches("odd[name", "oddxname"));
        // `*` and `?` keep their meaning; matching is case-sensitive.
        assert!(matches("svc-*", "svc-ci-deploy"));
        assert!(!matches("svc-*", "SVC-ci"));
        assert!(matches("?", "x") && !matches("?", "xy"));
        // In a name, `*` runs across `/` as before (an ARN's resource path).
        assert!(matches(
            "arn:aws:rds:*:db:prod-*",
            "arn:aws:rds:us-east-1:db:prod-main/replica"
        ));
        assert!(matches("i-0abc*", "i-0abc123"));

        let d = fieldcheck_testkit::TempKit::with(
            &[
                "okta/users-1.json",
                "okta/users-2.json",
                "okta/users-x.json",
                "entra/users-1.json",
                "github/users-1.json",
                "odd/a*b.json",
                "odd/axb.json",
                "okta/.users-3.json",
            ]
            .map(|f| (f, "[]")),
        );
        let found = |p: &str| -> Vec<String> {
            expand(d.path(), p)
                .iter()
                .map(|x| shown(d.path(), x))
                .collect()
        };
        assert_eq!(
            found("okta/users-[0-9].json"),
            ["okta/users-1.json", "okta/users-2.json"]
        );
        assert_eq!(
            found("{okta,entra}/users-1.json"),
            ["entra/users-1.json", "okta/users-1.json"]
        );
        assert_eq!(
            found("**/users-{1,x}.json"),
            [
                "entra/users-1.json",
                "github/users-1.json",
                "okta/users-1.json",
                "okta/users-x.json"
            ]
        );
        assert_eq!(found("odd/a[*]b.json"), ["odd/a*b.json"]);
        assert_eq!(found("odd/a*b.json"), ["odd/a*b.json", "odd/axb.json"]);
        // A wildcard never matches a hidden name, even one that spells out the dot.
        assert_eq!(found("okta/[.]users-*.json"), Vec::<String>::new());
        // Windows-style separators still work: the backslash is a separator, not an escape.
        assert_eq!(found("okta\\users-2.json"), ["okta/users-2.json"]);
        assert_eq!(
            found("okta\\users-?.json"),
            [
                "okta/users-1.json",
                "okta/users-2.json",
                "okta/users-x.json"
            ]
        );
    }
}
