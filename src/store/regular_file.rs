//! Reading a record file without trusting what sits at its name: only a regular file is
//! read, and only up to a size cap.
//!
//! - A symbolic link is never followed (it could point at anything on the machine, or
//!   at another clinic's record); a FIFO, socket, device or directory is never read.
//!   The type is looked at first (`lstat`), and the open itself cannot block or follow
//!   a link (`O_NONBLOCK | O_NOFOLLOW`), so a file swapped for a FIFO in between does
//!   not hang the app either: what was opened is checked again (`fstat`).
//! - A file over the cap is not read at all (its size is known from `fstat`), and the
//!   read stops at the cap should the file grow meanwhile: a stray 4 GB file in
//!   `patients/` is a problem to report, not a memory blow-up.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

/// The most a patient file may hold: far above any real record (a record with years of
/// sessions and charts is tens of kilobytes).
pub const MAX_PATIENT_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// What sits at a file's name when it is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Directory,
    Symlink,
    Fifo,
    Socket,
    BlockDevice,
    CharDevice,
    Unknown,
}

impl FileKind {
    /// The kind of a non-regular file; `None` for a regular one.
    pub fn of(file_type: fs::FileType) -> Option<Self> {
        if file_type.is_file() {
            return None;
        }
        if file_type.is_dir() {
            return Some(Self::Directory);
        }
        if file_type.is_symlink() {
            return Some(Self::Symlink);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if file_type.is_fifo() {
                return Some(Self::Fifo);
            }
            if file_type.is_socket() {
                return Some(Self::Socket);
            }
            if file_type.is_block_device() {
                return Some(Self::BlockDevice);
            }
            if file_type.is_char_device() {
                return Some(Self::CharDevice);
            }
        }
        Some(Self::Unknown)
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Directory => "a directory",
            Self::Symlink => "a symbolic link",
            Self::Fifo => "a FIFO (named pipe)",
            Self::Socket => "a socket",
            Self::BlockDevice => "a block device",
            Self::CharDevice => "a character device",
            Self::Unknown => "a special file",
        })
    }
}

/// Why [`read_regular`] read nothing.
#[derive(Debug)]
pub enum NotRead {
    /// Nothing at that name (or it vanished while being looked at).
    Missing,
    /// Not a regular file: never opened for reading, never followed. `meta` is what
    /// `lstat` said, for change detection.
    NotRegular { kind: FileKind, meta: Box<fs::Metadata> },
    /// A regular file over the cap; `meta` as for `NotRegular`.
    TooLarge {
        bytes: u64,
        cap: u64,
        meta: Box<fs::Metadata>,
    },
    /// It could not be looked at or opened (permissions, I/O error).
    Io(io::Error),
}

/// The bytes of the regular file at `path`, and its metadata as taken from the open file
/// (so it belongs to the bytes read), if it is one and holds at most `cap` bytes.
pub fn read_regular(path: &Path, cap: u64) -> Result<(Vec<u8>, fs::Metadata), NotRead> {
    let missing_or = |e: io::Error| match e.kind() {
        io::ErrorKind::NotFound => NotRead::Missing,
        _ => NotRead::Io(e),
    };
    let meta = fs::symlink_metadata(path).map_err(missing_or)?;
    check(meta, cap)?;
    let mut file = open_no_follow_no_block(path).map_err(missing_or)?;
    let meta = check(file.metadata().map_err(NotRead::Io)?, cap)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.by_ref()
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(NotRead::Io)?;
    if bytes.len() as u64 > cap {
        // It grew past the cap while being read.
        return Err(NotRead::TooLarge {
            bytes: bytes.len() as u64,
            cap,
            meta: Box::new(meta),
        });
    }
    Ok((bytes, meta))
}

/// The metadata back when it is a regular file within the cap.
fn check(meta: fs::Metadata, cap: u64) -> Result<fs::Metadata, NotRead> {
    if let Some(kind) = FileKind::of(meta.file_type()) {
        return Err(NotRead::NotRegular {
            kind,
            meta: Box::new(meta),
        });
    }
    if meta.len() > cap {
        return Err(NotRead::TooLarge {
            bytes: meta.len(),
            cap,
            meta: Box::new(meta),
        });
    }
    Ok(meta)
}

#[cfg(unix)]
fn open_no_follow_no_block(path: &Path) -> io::Result<File> {
    use nix::libc;
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
fn open_no_follow_no_block(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// A size as people read it: "10 MB", "12.5 MB", "300 KB", "17 bytes".
pub fn size_text(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    match bytes {
        b if b >= MB && b % MB == 0 => format!("{} MB", b / MB),
        b if b >= MB => format!("{:.1} MB", b as f64 / MB as f64),
        b if b >= KB => format!("{} KB", b / KB),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_within_the_cap_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        fs::write(&path, b"{}").unwrap();
        let (bytes, meta) = read_regular(&path, 10).unwrap();
        assert_eq!(bytes, b"{}");
        assert_eq!(meta.len(), 2);
        assert!(matches!(
            read_regular(&dir.path().join("none.json"), 10),
            Err(NotRead::Missing)
        ));
    }

    #[test]
    fn a_file_over_the_cap_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        fs::write(&path, vec![b' '; 11]).unwrap();
        match read_regular(&path, 10) {
            Err(NotRead::TooLarge { bytes, cap, .. }) => assert_eq!((bytes, cap), (11, 10)),
            other => panic!("{other:?}"),
        }
        assert!(read_regular(&path, 11).is_ok(), "the cap itself is allowed");
    }

    #[test]
    fn a_directory_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.json");
        fs::create_dir(&path).unwrap();
        assert!(matches!(
            read_regular(&path, 10),
            Err(NotRead::NotRegular {
                kind: FileKind::Directory,
                ..
            })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.json");
        fs::write(&target, b"{}").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(matches!(
            read_regular(&link, 10),
            Err(NotRead::NotRegular {
                kind: FileKind::Symlink,
                ..
            })
        ));
        // Opening by name refuses a link even when the look before was fooled.
        let e = open_no_follow_no_block(&link).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(nix::libc::ELOOP));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_never_opened_and_nothing_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pipe.json");
        nix::unistd::mkfifo(&path, nix::sys::stat::Mode::S_IRWXU).unwrap();
        // A blocking read of a FIFO with no writer would never return: read it on a
        // thread, and fail (rather than hang the suite) if it does not come back.
        let (tx, rx) = std::sync::mpsc::channel();
        let probe = path.clone();
        std::thread::spawn(move || {
            let kind = match read_regular(&probe, 10) {
                Err(NotRead::NotRegular { kind, .. }) => Some(kind),
                _ => None,
            };
            let opened = open_no_follow_no_block(&probe).and_then(|f| f.metadata());
            let _ = tx.send((kind, opened.map(|m| FileKind::of(m.file_type()))));
        });
        let (kind, opened) = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("reading a FIFO blocked");
        assert_eq!(kind, Some(FileKind::Fifo));
        // Even opened by name (a file swapped for a FIFO after the look), it does not block.
        assert_eq!(opened.unwrap(), Some(FileKind::Fifo));
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(17), "17 bytes");
        assert_eq!(size_text(300 * 1024 + 5), "300 KB");
        assert_eq!(size_text(MAX_PATIENT_FILE_BYTES), "10 MB");
        assert_eq!(size_text(12 * 1024 * 1024 + 512 * 1024), "12.5 MB");
    }
}
