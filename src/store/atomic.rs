//! Atomic file replacement: the file on disk is always either the old version or the
//! new one, never a half-written mix, even if the machine loses power mid-save.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path` via a temporary file in the same directory: write, fsync,
/// rename over the target, then fsync the directory so the rename itself is durable.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_durably(path, bytes, true)
}

/// [`write_atomic`] for a file that must not exist yet: an existing one (whatever it
/// is, a link included) is never replaced, and the error is `AlreadyExists`. The check
/// is the rename itself (no replace), so a file created meanwhile is safe too.
pub fn write_atomic_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_durably(path, bytes, false)
}

fn write_durably(path: &Path, bytes: &[u8], replace: bool) -> io::Result<()> {
    let (dir, mut tmp) = temp_beside(path)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    set_mode(tmp.as_file(), dir)?;
    // On error the temp file is removed by its destructor; the target is untouched.
    if replace {
        tmp.persist(path).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| e.error)?;
    }
    sync_dir(dir)
}

/// The dir `path` is in: "." for a bare file name such as `sheet.md` (whose parent is
/// the empty path, which cannot be opened to sync it).
fn dir_of(path: &Path) -> io::Result<&Path> {
    match path.parent() {
        Some(dir) if dir.as_os_str().is_empty() => Ok(Path::new(".")),
        Some(dir) => Ok(dir),
        None => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "path has no parent dir",
        )),
    }
}

/// Writes `bytes` to a temporary file next to `path` and renames it to `path`, which must
/// not exist, without syncing anything: a reader sees the whole file or none. For bulk
/// writes of new files (the demo install) whose caller syncs the dir once at the end.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let (_, mut tmp) = temp_beside(path)?;
    tmp.write_all(bytes)?;
    set_file_mode(tmp.as_file(), mode)?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// A new temporary file in the dir of `path` (so the rename stays on one file system),
/// named `.tmp-*` so that loaders and `doctor` know it for what it is.
fn temp_beside(path: &Path) -> io::Result<(&Path, tempfile::NamedTempFile)> {
    let dir = dir_of(path)?;
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .suffix(".json")
        .tempfile_in(dir)?;
    Ok((dir, tmp))
}

/// Private (`0600`), or `0660` in a dir shared by a staff group (setgid `2770`), so the
/// colleagues who share the data dir can read what one of them saved.
fn set_mode(file: &File, dir: &Path) -> io::Result<()> {
    set_file_mode(file, super::permissions::file_mode_for(dir))
}

#[cfg(unix)]
fn set_file_mode(file: &File, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_file_mode(_file: &File, _mode: u32) -> io::Result<()> {
    Ok(())
}

/// Makes the entries of `dir` (a rename, a new file) durable.
#[cfg(unix)]
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
pub fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.json")]);
    }

    #[test]
    fn a_bare_file_name_is_in_the_current_dir() {
        assert_eq!(dir_of(Path::new("sheet.md")).unwrap(), Path::new("."));
        assert_eq!(dir_of(Path::new("out/sheet.md")).unwrap(), Path::new("out"));
        assert_eq!(dir_of(Path::new("/sheet.md")).unwrap(), Path::new("/"));
        assert!(dir_of(Path::new("/")).is_err());
    }

    #[test]
    fn a_new_file_never_replaces_an_existing_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ics");
        write_atomic_new(&path, b"one").unwrap();
        let err = write_atomic_new(&path, b"two").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"one");
        assert_eq!(names_in(dir.path()), vec!["a.ics"], "a temp file was left behind");
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// While alive, this thread's file-system identity is `nobody` (Linux `setfsuid` and
    /// `setfsgid` act on the calling thread only), so that root is held to modes and to
    /// the sticky bit like anyone else; the old identity is back on drop, even on a panic.
    #[cfg(target_os = "linux")]
    struct AsNobody(nix::unistd::Uid, nix::unistd::Gid);

    #[cfg(target_os = "linux")]
    impl AsNobody {
        fn enter() -> Self {
            use nix::unistd::{Gid, Uid, setfsgid, setfsuid};
            let gid = setfsgid(Gid::from_raw(65534));
            let uid = setfsuid(Uid::from_raw(65534));
            // Both calls return the previous id; asking again returns the current one.
            assert_eq!(setfsuid(Uid::from_raw(65534)), Uid::from_raw(65534), "setfsuid");
            Self(uid, gid)
        }
    }

    #[cfg(target_os = "linux")]
    impl Drop for AsNobody {
        fn drop(&mut self) {
            nix::unistd::setfsuid(self.0);
            nix::unistd::setfsgid(self.1);
        }
    }

    /// The write fails after the temp file exists when it can (as root): the old file
    /// keeps its bytes and the temp file is gone. Not as root, the dir is read-only.
    #[cfg(unix)]
    #[test]
    fn a_failed_write_keeps_the_old_file() {
        use std::os::unix::fs::PermissionsExt;
        let chmod =
            |path: &Path, mode: u32| fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        fs::create_dir(&dir).unwrap();
        let path = dir.join("a.json");
        write_atomic(&path, b"the old version").unwrap();

        let result = if nix::unistd::geteuid().is_root() {
            #[cfg(not(target_os = "linux"))]
            {
                let _ = writeln!(
                    io::stderr(),
                    "SKIPPED a_failed_write_keeps_the_old_file: root, not Linux"
                );
                return;
            }
            // A sticky, world-writable dir: `nobody` can create, write, sync and chmod
            // the temp file, but not rename it over root's file, the very last step. The
            // old file is writable by all, so writing it in place would show.
            #[cfg(target_os = "linux")]
            {
                chmod(tmp.path(), 0o711);
                chmod(&dir, 0o1777);
                chmod(&path, 0o666);
                let _nobody = AsNobody::enter();
                let result = write_atomic(&path, b"the new version");
                let err = result
                    .as_ref()
                    .expect_err("the rename over root's file must fail");
                assert_eq!(
                    err.raw_os_error(),
                    Some(nix::errno::Errno::EPERM as i32),
                    "not the rename that failed: {err}"
                );
                result
            }
        } else {
            // A read-only dir: the temp file cannot even be created.
            chmod(&dir, 0o500);
            let result = write_atomic(&path, b"the new version");
            chmod(&dir, 0o700);
            result
        };
        assert!(result.is_err(), "the write must fail");
        assert_eq!(fs::read(&path).unwrap(), b"the old version");
        assert_eq!(names_in(&dir), vec!["a.json"], "a temp file was left behind");
    }
}
