//! An I/O failure kept as data: its kind, to match on (disk full, permission denied, lock
//! timed out), and the OS's words, to show ("No space left on device"). Unlike
//! `io::Error` it can be cloned and compared, so the save errors that carry it can be
//! too (the app keeps them, tests compare them).

use std::io;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct IoFailure {
    pub kind: io::ErrorKind,
    pub message: String,
}

impl IoFailure {
    pub fn new(kind: io::ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl From<&io::Error> for IoFailure {
    fn from(e: &io::Error) -> Self {
        Self::new(e.kind(), e.to_string())
    }
}

impl From<io::Error> for IoFailure {
    fn from(e: io::Error) -> Self {
        Self::from(&e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_kind_and_shows_the_os_words() {
        let e = io::Error::from_raw_os_error(28);
        let f = IoFailure::from(&e);
        assert_eq!(f.kind, io::ErrorKind::StorageFull);
        assert_eq!(f.to_string(), e.to_string());
    }
}
