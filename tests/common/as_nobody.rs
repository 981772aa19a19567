//! Root ignores file modes, so a read-only dir does not stop it. A test that needs one
//! to bind makes its thread `nobody` for file access while it works: Linux `setfsuid`
//! and `setfsgid` change the file-system identity of the calling thread only (the
//! other tests' threads keep theirs), and a non-zero fsuid drops the capabilities that
//! let root past modes. Not as root nothing changes: the modes bind already.

use std::fs;
use std::path::Path;

/// `nobody`'s uid and gid (numeric: no user database needed).
pub const NOBODY: u32 = 65534;

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// While alive (as root), this thread's file accesses are `nobody`'s; the old identity
/// is back on drop, even when the test panics.
#[must_use = "the identity is switched back when this is dropped"]
pub struct AsNobody {
    #[cfg(target_os = "linux")]
    before: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
}

impl AsNobody {
    /// As root: hands every file and dir under `tree` (and `tree` itself) to `nobody`,
    /// then makes this thread `nobody` for file access. Not as root, or off Linux (where
    /// the caller's check that the mode binds will then say it cannot run): nothing.
    pub fn enter(tree: &Path) -> Self {
        #[cfg(target_os = "linux")]
        {
            use nix::unistd::{Gid, Uid, setfsgid, setfsuid};
            if !is_root() {
                return Self { before: None };
            }
            chown_tree(tree);
            let gid = setfsgid(Gid::from_raw(NOBODY));
            let uid = setfsuid(Uid::from_raw(NOBODY));
            // Both return the previous id, so asking again returns the current one.
            assert_eq!(setfsuid(Uid::from_raw(NOBODY)).as_raw(), NOBODY, "setfsuid");
            assert_eq!(setfsgid(Gid::from_raw(NOBODY)).as_raw(), NOBODY, "setfsgid");
            Self {
                before: Some((uid, gid)),
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = tree;
            Self {}
        }
    }
}

impl Drop for AsNobody {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some((uid, gid)) = self.before {
            nix::unistd::setfsuid(uid);
            nix::unistd::setfsgid(gid);
        }
    }
}

fn chown_tree(path: &Path) {
    std::os::unix::fs::lchown(path, Some(NOBODY), Some(NOBODY)).unwrap();
    if fs::symlink_metadata(path).unwrap().is_dir() {
        for entry in fs::read_dir(path).unwrap() {
            chown_tree(&entry.unwrap().path());
        }
    }
}
