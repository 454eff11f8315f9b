//! Staging and the swap into the kit: nothing reaches `KIT/exports/` until the pull is complete.
//!
//! A pull stages under `KIT/.fieldcheck-pull-<pid>/`: each collector writes into `new/<name>/`;
//! then `exports/` is assembled there (the kit's current `exports/` hard-linked, less the files
//! the landing collectors' previous pulls wrote, plus the new files), every folder is synced,
//! and the staged `exports/` is exchanged with the kit's in one atomic `renameat2(EXCHANGE)`
//! (where that is not available: two renames, which the next pull repairs). A config gaining
//! `[[sources]]` entries is written beside it first and renamed over it after the exchange; a
//! kill between the two leaves the new files unreferenced by the old config, and the next pull
//! finishes the rename (roll forward). Leftover stages of a killed pull are removed by the next.
//!
//! `FIELDCHECK_PULL_CRASH_AFTER=N` (a test hook, like the locker's) aborts the process after N
//! durable steps, so that a test can kill the pull at every step. It is compiled in only with the
//! `test-hooks` feature (test builds); release builds ignore the variable.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// The prefix of stage folders in the kit.
pub const STAGE_PREFIX: &str = ".fieldcheck-pull-";
const LOCK: &str = ".fieldcheck-pull.lock";
const MARKER: &str = "SWAP";

static STEPS: AtomicU32 = AtomicU32::new(0);

/// Counts one durable step (a file synced, a rename done); with `FIELDCHECK_PULL_CRASH_AFTER=N`
/// the process aborts after the N-th.
pub fn durable_step() {
    let n = STEPS.fetch_add(1, Ordering::SeqCst) + 1;
    if !cfg!(feature = "test-hooks") {
        return;
    }
    static LIMIT: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    let limit = LIMIT.get_or_init(|| {
        std::env::var("FIELDCHECK_PULL_CRASH_AFTER")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    if *limit == Some(n) {
        std::process::abort();
    }
}

/// A pull's stage in a kit, holding the kit's pull lock.
pub struct Stage {
    kit: PathBuf,
    dir: PathBuf,
    _lock: fs::File,
    done: bool,
}

impl Drop for Stage {
    /// A stage given up (an early return, an error) is removed: nothing of it reached the kit.
    fn drop(&mut self) {
        if !self.done {
            let _ = remove_any(&self.dir);
        }
    }
}

/// What [`Stage::begin`] found of earlier, killed pulls.
#[derive(Debug, Default)]
pub struct Recovered {
    /// Stages removed (their pull never reached the kit).
    pub removed: Vec<String>,
    /// Stages whose exchange was done and whose config rename was finished now.
    pub finished: Vec<String>,
}

fn sync_dir(p: &Path) -> io::Result<()> {
    fs::File::open(p)?.sync_all()
}

fn write_synced(p: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = fs::File::create(p)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(unix)]
fn identity(p: &Path) -> io::Result<String> {
    use std::os::unix::fs::MetadataExt;
    let m = fs::symlink_metadata(p)?;
    Ok(format!("{}:{}", m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(p: &Path) -> io::Result<String> {
    Ok(fs::symlink_metadata(p)?
        .modified()
        .map(|t| format!("{t:?}"))
        .unwrap_or_default())
}

/// The swap's record, written (synced) before the exchange.
#[derive(serde::Serialize, serde::Deserialize)]
struct Swap {
    /// The identity (device and inode) of the staged `exports/` folder.
    new_exports: String,
    /// The config to rename over (`to`) and the synced file beside it (`from`).
    config: Option<(PathBuf, PathBuf)>,
}

impl Stage {
    /// Takes the kit's pull lock (waiting for another pull of the kit, after `waiting` says so),
    /// repairs or removes what killed pulls left, and makes a fresh stage.
    pub fn begin(kit: &Path, waiting: &dyn Fn()) -> io::Result<(Stage, Recovered)> {
        let lock = fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(kit.join(LOCK))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                waiting();
                lock.lock()?;
            }
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
        let mut rec = Recovered::default();
        let mut leftovers: Vec<PathBuf> = fs::read_dir(kit)?
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(STAGE_PREFIX))
            .map(|e| e.path())
            .collect();
        leftovers.sort();
        for old in leftovers {
            let name = old
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if recover(kit, &old)? {
                rec.finished.push(name);
            } else {
                rec.removed.push(name);
            }
            remove_any(&old)?;
        }
        sync_dir(kit)?;
        let dir = kit.join(format!("{STAGE_PREFIX}{}", std::process::id()));
        fs::create_dir(&dir)?;
        fs::create_dir(dir.join("new"))?;
        Ok((
            Stage {
                kit: kit.to_path_buf(),
                dir,
                _lock: lock,
                done: false,
            },
            rec,
        ))
    }

    /// The folder a collector writes into.
    pub fn collector_dir(&self, name: &str) -> PathBuf {
        self.dir.join("new").join(name)
    }

    /// Puts the landed collectors' staged files into the kit in one exchange, then renames
    /// `config` (the config's path and its new text) over the config.
    pub fn commit(mut self, landed: &[&str], config: Option<(&Path, &str)>) -> io::Result<()> {
        // From here on a failure leaves the stage for the next pull to repair or remove.
        self.done = true;
        let staged = self.dir.join("exports");
        let current = self.kit.join("exports");
        fs::create_dir(&staged)?;
        match fs::symlink_metadata(&current) {
            Ok(m) if m.is_dir() => {
                let mut owned = std::collections::BTreeSet::new();
                for c in landed {
                    owned.extend(previous_files(&current, c));
                }
                link_tree(&current, &staged, Path::new(""), &owned)?;
            }
            Ok(_) => {
                return Err(io::Error::other(format!(
                    "`{}` is not a folder (a link or a file); pull writes the exports there: make it a folder",
                    current.display()
                )));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        durable_step();
        for c in landed {
            move_tree(&self.collector_dir(c), &staged.join(c))?;
        }
        sync_tree(&staged)?;
        sync_dir(&self.dir)?;
        durable_step();
        let config = match config {
            Some((path, text)) => {
                let tmp = tmp_beside(path);
                write_synced(&tmp, text.as_bytes())?;
                durable_step();
                Some((path.to_path_buf(), tmp))
            }
            None => None,
        };
        let swap = Swap {
            new_exports: identity(&staged)?,
            config,
        };
        write_synced(
            &self.dir.join(MARKER),
            serde_json::to_string(&swap)
                .map_err(io::Error::other)?
                .as_bytes(),
        )?;
        sync_dir(&self.dir)?;
        durable_step();
        exchange(&staged, &current)?;
        sync_dir(&self.kit)?;
        sync_dir(&self.dir)?;
        durable_step();
        if let Some((path, tmp)) = &swap.config {
            fs::rename(tmp, path)?;
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                sync_dir(parent)?;
            }
            durable_step();
        }
        remove_any(&self.dir)?;
        sync_dir(&self.kit)?;
        Ok(())
    }

    /// Removes the stage: nothing reaches the kit.
    pub fn abandon(mut self) -> io::Result<()> {
        self.done = true;
        remove_any(&self.dir)
    }
}

/// Where a config's new text is written before it is renamed over it.
fn tmp_beside(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".fieldcheck-pull.tmp");
    path.with_file_name(name)
}

/// Finishes or undoes a killed pull's stage: returns whether its exchange had been done (and
/// its config rename is now finished).
fn recover(kit: &Path, stage: &Path) -> io::Result<bool> {
    let Ok(text) = fs::read_to_string(stage.join(MARKER)) else {
        return Ok(false);
    };
    let Ok(swap) = serde_json::from_str::<Swap>(&text) else {
        return Ok(false);
    };
    let current = kit.join("exports");
    let exchanged = identity(&current).is_ok_and(|id| id == swap.new_exports);
    // The two-rename fallback killed between its renames: put the old tree back.
    if !exchanged && !current.exists() && stage.join("exports-old").is_dir() {
        fs::rename(stage.join("exports-old"), &current)?;
        sync_dir(kit)?;
    }
    if let Some((path, tmp)) = &swap.config {
        if exchanged && tmp.is_file() {
            fs::rename(tmp, path)?;
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                sync_dir(parent)?;
            }
        } else if tmp.is_file() {
            fs::remove_file(tmp)?;
        }
    }
    Ok(exchanged)
}

fn remove_any(p: &Path) -> io::Result<()> {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(p),
        Ok(_) => fs::remove_file(p),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// The files (relative to `exports/`) a collector's previous pull wrote: its records and every
/// file its `retrieval.jsonl` names. Other files in its folder (saved by hand) are kept.
fn previous_files(exports: &Path, collector: &str) -> Vec<PathBuf> {
    let mut out = vec![
        Path::new(collector).join("retrieval.jsonl"),
        Path::new(collector).join("pull.json"),
    ];
    if let Ok(text) = fs::read_to_string(exports.join(collector).join("retrieval.jsonl")) {
        for line in text.lines() {
            if let Ok(r) = serde_json::from_str::<crate::Retrieval>(line)
                && let Some(rel) = r.file.strip_prefix("exports/")
            {
                out.push(PathBuf::from(rel));
            }
        }
    }
    out
}

/// Hard-links (or, across devices, copies) the tree `from` into `to`, less `skip`.
fn link_tree(
    from: &Path,
    to: &Path,
    rel: &Path,
    skip: &std::collections::BTreeSet<PathBuf>,
) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(from.join(rel))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(fs::DirEntry::file_name);
    for e in entries {
        let r = rel.join(e.file_name());
        if skip.contains(&r) {
            continue;
        }
        let src = from.join(&r);
        let dst = to.join(&r);
        let m = fs::symlink_metadata(&src)?;
        if m.is_dir() {
            fs::create_dir(&dst)?;
            link_tree(from, to, &r, skip)?;
        } else if m.is_symlink() {
            copy_link(&src, &dst)?;
        } else if m.is_file() {
            if fs::hard_link(&src, &dst).is_err() {
                fs::copy(&src, &dst)?;
                fs::File::open(&dst)?.sync_all()?;
            }
        } else {
            return Err(io::Error::other(format!(
                "`{}` is neither a file nor a folder (a FIFO or device); move it out of the exports folder",
                src.display()
            )));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn copy_link(src: &Path, dst: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(fs::read_link(src)?, dst)
}

#[cfg(not(unix))]
fn copy_link(src: &Path, dst: &Path) -> io::Result<()> {
    fs::copy(src, dst).map(|_| ())
}

/// Moves every file of the tree `from` into `to` (merging folders, replacing files).
fn move_tree(from: &Path, to: &Path) -> io::Result<()> {
    if !from.exists() {
        return Ok(());
    }
    fs::create_dir_all(to)?;
    for e in fs::read_dir(from)? {
        let e = e?;
        let src = e.path();
        let dst = to.join(e.file_name());
        if e.file_type()?.is_dir() && dst.is_dir() {
            move_tree(&src, &dst)?;
        } else {
            if fs::symlink_metadata(&dst).is_ok_and(|m| m.is_dir()) {
                fs::remove_dir_all(&dst)?;
            }
            fs::rename(&src, &dst)?;
        }
    }
    Ok(())
}

fn sync_tree(p: &Path) -> io::Result<()> {
    for e in fs::read_dir(p)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            sync_tree(&e.path())?;
        }
    }
    sync_dir(p)
}

/// Exchanges the staged `exports/` with the kit's atomically (Linux `renameat2`); when the kit
/// has none, renames it in (refusing to replace one that appeared meanwhile).
#[cfg(target_os = "linux")]
fn exchange(staged: &Path, current: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    if fs::symlink_metadata(current).is_err() {
        return match renameat_with(CWD, staged, CWD, current, RenameFlags::NOREPLACE) {
            Ok(()) => Ok(()),
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {
                fs::rename(staged, current)
            }
            Err(e) => Err(e.into()),
        };
    }
    match renameat_with(CWD, staged, CWD, current, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        // A file system without RENAME_EXCHANGE.
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {
            two_renames(staged, current)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(staged: &Path, current: &Path) -> io::Result<()> {
    if fs::symlink_metadata(current).is_err() {
        return fs::rename(staged, current);
    }
    two_renames(staged, current)
}

/// The fallback: the kit's `exports/` to the stage, the staged one to the kit. A kill between
/// the two leaves no `exports/`, which the next pull puts back from the stage.
fn two_renames(staged: &Path, current: &Path) -> io::Result<()> {
    let aside = staged.with_file_name("exports-old");
    fs::rename(current, &aside)?;
    fs::rename(staged, current)?;
    // Keep the stage's shape: its `exports/` is the old tree, as after an exchange.
    fs::rename(&aside, staged)
}
