//! The writers' lock: an exclusive OS file lock on `<data dir>/.needleplan.lock`, held
//! only around one read-check-write of a patient file, never while a person types.
//! Instances on one server (several staff over SSH) take turns through it; readers do
//! not need it, because every file is replaced by an atomic rename.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const LOCK_FILE: &str = ".needleplan.lock";

/// How long a save waits for another instance to finish its own before giving up. A
/// save holds the lock for a few milliseconds, so reaching this means something is
/// stuck (a hung process, a lock held on purpose).
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// Holds the lock until dropped (the OS also releases it if the process dies).
#[derive(Debug)]
pub struct DirLock {
    file: File,
}

impl DirLock {
    /// Takes the lock of `data_dir`, waiting up to `wait` for another holder.
    pub fn acquire(data_dir: &Path, wait: Duration) -> io::Result<Self> {
        let path = lock_path(data_dir);
        let file = open_lock_file(&path)?;
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_micros(200);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Self { file }),
                Err(TryLockError::Error(e)) => {
                    return Err(io::Error::new(
                        e.kind(),
                        format!("cannot lock {}: {e}", path.display()),
                    ));
                }
                Err(TryLockError::WouldBlock) => {}
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "another needleplan is holding the lock on {} (waited {} s)",
                        path.display(),
                        wait.as_secs_f32()
                    ),
                ));
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_millis(5));
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first says so explicitly.
        let _ = self.file.unlock();
    }
}

pub fn lock_path(data_dir: &Path) -> PathBuf {
    data_dir.join(LOCK_FILE)
}

/// Opens (creating, private) the lock file. In a data dir that cannot be written to, an
/// existing lock file is opened read-only: locking still works, and the save then fails
/// on the patient file itself with the clearer message.
fn open_lock_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // 0660 in a dir shared by a staff group, so every colleague can take the lock.
        options.mode(path.parent().map_or(0o600, super::permissions::file_mode_for));
    }
    match options.open(path) {
        Ok(file) => {
            // The umask may have taken the group's bits off a new lock file; put them back
            // (only the file's owner can, and nothing is lost if that fails).
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let want = path.parent().map_or(0o600, super::permissions::file_mode_for);
                if file
                    .metadata()
                    .is_ok_and(|m| m.permissions().mode() & 0o777 != want)
                {
                    let _ = file.set_permissions(std::fs::Permissions::from_mode(want));
                }
            }
            Ok(file)
        }
        Err(e) => File::open(path)
            .map_err(|_| io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_and_then_gets_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(dir.path(), Duration::ZERO).unwrap();
        let started = Instant::now();
        let err = DirLock::acquire(dir.path(), Duration::from_millis(100)).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        let text = err.to_string();
        assert!(
            text.contains("another needleplan is holding the lock on"),
            "{text}"
        );
        assert!(text.contains(LOCK_FILE), "{text}");
        drop(first);
        DirLock::acquire(dir.path(), Duration::ZERO).expect("free again once dropped");
    }

    #[test]
    fn the_lock_is_released_when_the_guard_is_dropped_even_across_threads() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};

        let dir = tempfile::tempdir().unwrap();
        let guard = DirLock::acquire(dir.path(), Duration::ZERO).unwrap();
        let dropped = Arc::new(AtomicBool::new(false));
        let (tried, was_tried) = std::sync::mpsc::channel();
        let waiter = {
            let path = dir.path().to_path_buf();
            let dropped = Arc::clone(&dropped);
            std::thread::spawn(move || {
                // While the guard lives, another thread cannot have the lock at once...
                let at_once = DirLock::acquire(&path, Duration::ZERO).map(drop);
                tried.send(()).unwrap();
                // ...and one that waits gets it, but only once the guard is gone.
                let waited = DirLock::acquire(&path, Duration::from_secs(5));
                (at_once, waited.map(|_| dropped.load(Ordering::SeqCst)))
            })
        };
        was_tried.recv().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        dropped.store(true, Ordering::SeqCst);
        drop(guard);
        let (at_once, waited) = waiter.join().unwrap();
        let err = at_once.expect_err("the lock was taken by another thread while held");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert!(
            waited.expect("the waiting thread gets the lock once it is released"),
            "the waiting thread had the lock before the guard was dropped"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_lock_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        drop(DirLock::acquire(dir.path(), Duration::ZERO).unwrap());
        let mode = std::fs::metadata(lock_path(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
