//! Opening input files safely: a kit file, a config or a raw export is opened only when it is a
//! regular file inside the folder it belongs to.
//!
//! A FIFO or a device would hang or never end the read, a directory cannot be read, and a
//! symbolic link that leads out of the folder would make fieldcheck read (and echo in its
//! diagnostics, and store in the locker) a file the user never put in the evidence. None of
//! them is ever opened or followed: the path is checked with `lstat`, then opened without
//! blocking, then checked again with `fstat` on the open file, so a file swapped in between the
//! two cannot slip through.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Why a path was not opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Nothing is there.
    NotFound,
    /// A directory.
    Directory,
    /// A FIFO (named pipe).
    Fifo,
    /// A character or block device.
    Device,
    /// A socket.
    Socket,
    /// A symbolic link whose target does not exist.
    BrokenLink(PathBuf),
    /// A symbolic link whose target lies outside the folder (the target is given).
    LinkOutside(PathBuf),
    /// The file exists but cannot be read (permissions, I/O).
    Unreadable(String),
}

impl Refusal {
    /// What it is, for a message: "is a directory", "is a FIFO", ...
    pub fn describe(&self) -> String {
        match self {
            Refusal::NotFound => "does not exist".into(),
            Refusal::Directory => "is a directory, not a file".into(),
            Refusal::Fifo => "is a FIFO (named pipe), not a file; it was not opened".into(),
            Refusal::Device => "is a device, not a file; it was not opened".into(),
            Refusal::Socket => "is a socket, not a file; it was not opened".into(),
            Refusal::BrokenLink(t) => {
                format!(
                    "is a symbolic link to `{}`, which does not exist",
                    t.display()
                )
            }
            Refusal::LinkOutside(t) => format!(
                "is a symbolic link to `{}`, outside the folder; it was not followed",
                t.display()
            ),
            Refusal::Unreadable(e) => format!("cannot be read: {e}"),
        }
    }

    /// What to do about it.
    pub fn help(&self) -> &'static str {
        match self {
            Refusal::NotFound => "check the path",
            Refusal::Directory => "name a file, not a folder",
            Refusal::Fifo | Refusal::Device | Refusal::Socket => {
                "save the data to a regular file and point fieldcheck at that file"
            }
            Refusal::BrokenLink(_) => "restore the file the link points to, or remove the link",
            Refusal::LinkOutside(_) => {
                "copy the file into the folder instead of linking to it: evidence must live where it is collected"
            }
            Refusal::Unreadable(_) => "check the file's permissions",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// What a path is, checked without opening or following anything out of `root`.
///
/// `root` is the folder the file belongs to (the kit folder, the config's folder); `None`
/// allows a link to lead anywhere (a path the user typed on the command line).
pub fn check(path: &Path, root: Option<&Path>) -> Result<(), Refusal> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Refusal::NotFound),
        Err(e) => return Err(Refusal::Unreadable(e.to_string())),
    };
    let meta = if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path).unwrap_or_default();
        let resolved = match std::fs::canonicalize(path) {
            Ok(r) => r,
            Err(_) => return Err(Refusal::BrokenLink(target)),
        };
        if let Some(root) = root {
            let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
            if !resolved.starts_with(&root) {
                return Err(Refusal::LinkOutside(resolved));
            }
        }
        match std::fs::metadata(&resolved) {
            Ok(m) => m,
            Err(e) => return Err(Refusal::Unreadable(e.to_string())),
        }
    } else {
        meta
    };
    kind_of(&meta)
}

/// Opens `path` for reading when [`check`] allows it, without ever blocking on a FIFO.
pub fn open(path: &Path, root: Option<&Path>) -> Result<File, Refusal> {
    check(path, root)?;
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: a FIFO swapped in after the check still cannot hang the open.
        o.custom_flags(NONBLOCK);
    }
    let f = o.open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Refusal::NotFound,
        _ => Refusal::Unreadable(e.to_string()),
    })?;
    let meta = f
        .metadata()
        .map_err(|e| Refusal::Unreadable(e.to_string()))?;
    kind_of(&meta)?;
    Ok(f)
}

/// Reads a whole text file through [`open`] (a config, a small table).
pub fn read_to_string(path: &Path, root: Option<&Path>) -> Result<String, Refusal> {
    use std::io::Read;
    let mut f = open(path, root)?;
    let mut s = String::new();
    f.read_to_string(&mut s)
        .map_err(|e| Refusal::Unreadable(e.to_string()))?;
    Ok(s)
}

#[cfg(all(unix, any(target_os = "linux", target_os = "android")))]
const NONBLOCK: i32 = 0o4000;
#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
const NONBLOCK: i32 = 0x0004;

fn kind_of(meta: &std::fs::Metadata) -> Result<(), Refusal> {
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok(());
    }
    if ft.is_dir() {
        return Err(Refusal::Directory);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Err(Refusal::Fifo);
        }
        if ft.is_block_device() || ft.is_char_device() {
            return Err(Refusal::Device);
        }
        if ft.is_socket() {
            return Err(Refusal::Socket);
        }
    }
    Err(Refusal::Device)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn regular_files_open_and_the_rest_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("kit");
        std::fs::create_dir(&root).unwrap();
        let outside = d.path().join("secret.txt");
        std::fs::write(&outside, "top secret\n").unwrap();
        std::fs::write(root.join("people.csv"), "person_id\n").unwrap();
        std::os::unix::fs::symlink(root.join("people.csv"), root.join("inside.csv")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("out.csv")).unwrap();
        std::os::unix::fs::symlink(root.join("gone.csv"), root.join("broken.csv")).unwrap();
        std::fs::create_dir(root.join("dir.csv")).unwrap();
        let fifo = root.join("fifo.csv");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let r = Some(root.as_path());
        assert!(open(&root.join("people.csv"), r).is_ok());
        assert!(open(&root.join("inside.csv"), r).is_ok());
        assert!(matches!(
            open(&root.join("out.csv"), r),
            Err(Refusal::LinkOutside(_))
        ));
        // Without a root (a path typed by the user), a link may lead anywhere.
        assert!(open(&root.join("out.csv"), None).is_ok());
        assert!(matches!(
            open(&root.join("broken.csv"), r),
            Err(Refusal::BrokenLink(_))
        ));
        assert_eq!(
            open(&root.join("dir.csv"), r).unwrap_err(),
            Refusal::Directory
        );
        assert_eq!(
            open(&root.join("none.csv"), r).unwrap_err(),
            Refusal::NotFound
        );
        if made.is_ok_and(|s| s.success()) {
            // Must return at once: opening a FIFO for reading would block until a writer came.
            assert_eq!(open(&fifo, r).unwrap_err(), Refusal::Fifo);
        }
        assert_eq!(
            open(Path::new("/dev/zero"), None).unwrap_err(),
            Refusal::Device
        );
    }
}
