//! `audit.log`: one JSON line per change to a patient record or to the clinic settings
//! (when, which OS user, what, which patient id, revision before and after) and the
//! SHA-256 of the line before it,
//! so that an edited, removed or reordered line breaks the chain and `needleplan doctor`
//! names it.
//!
//! - Only patient ids go into the log, never names or any other detail.
//! - The user is the name of the effective uid as the OS knows it (`$USER` can be set
//!   to anything by anyone), or the bare uid when it has no name.
//! - `append` is called with the store lock held, so the lines of several processes
//!   sharing a data dir form one chain.
//! - The first line's `prev_hash` is [`GENESIS_HASH`], the SHA-256 of no bytes. A line's
//!   hash covers its bytes without the final newline.
//! - Limits: the chain shows accidental and casual edits, not a determined insider who
//!   can write the file and recompute every hash after the edit. The newest line has no
//!   successor, so an edit of it that keeps it valid JSON is not visible in the chain
//!   alone; `doctor` compares the last logged revision of each patient with the file.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{Local, SecondsFormat};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::patient::PatientId;

use super::permissions;

pub const AUDIT_FILE: &str = "audit.log";

/// `prev_hash` of the first line: the SHA-256 of no bytes.
pub const GENESIS_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// How many bytes are read at a time, from the end, to find the last line.
const TAIL_CHUNK: usize = 4096;

/// What was done to a patient record, or to `clinic.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A new patient record.
    Create,
    /// Any edit: details, series, sessions, checklist ticks.
    Update,
    /// Moved to the archive (nothing is deleted).
    Archive,
    /// Brought back from the archive.
    Restore,
    /// A save of the clinic settings (`clinic.json`); its line has no patient id.
    ClinicUpdate,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Archive => "archive",
            AuditAction::Restore => "restore",
            AuditAction::ClinicUpdate => "clinic_update",
        }
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of `audit.log`, fields in this order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Local time with its UTC offset, ISO 8601: `2026-11-25T09:30:12+00:00`.
    pub time: String,
    /// OS user name of the effective uid, or the uid as a number.
    pub user: String,
    pub action: AuditAction,
    /// Empty for a [`AuditAction::ClinicUpdate`].
    pub patient_id: String,
    /// `None` for a record that did not exist before.
    pub revision_before: Option<u64>,
    pub revision_after: u64,
    /// Hex SHA-256 of the previous line (without its newline), or [`GENESIS_HASH`].
    pub prev_hash: String,
}

/// A line of `audit.log` that does not fit the chain. `line_no` counts from 1; 0 is
/// the file as a whole (it cannot be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditProblem {
    pub line_no: usize,
    pub message: String,
}

impl std::fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line_no {
            0 => write!(f, "{AUDIT_FILE}: {}", self.message),
            n => write!(f, "{AUDIT_FILE} line {n}: {}", self.message),
        }
    }
}

pub fn audit_path(data_dir: &Path) -> PathBuf {
    data_dir.join(AUDIT_FILE)
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The name of the effective user, looked up from the uid (never from `$USER`), or the
/// uid itself when the system has no name for it.
#[cfg(unix)]
pub fn os_user() -> String {
    use nix::unistd::{Uid, User};
    let uid = Uid::effective();
    match User::from_uid(uid) {
        Ok(Some(user)) => user.name,
        _ => uid.as_raw().to_string(),
    }
}

#[cfg(not(unix))]
pub fn os_user() -> String {
    "unknown".into()
}

/// Appends one entry for a change to `patient_id` and syncs it to disk. The caller holds
/// the store lock. The file is created `0600`, or `0660` in a data dir shared by a
/// group (setgid, mode `2770`).
pub fn append(
    data_dir: &Path,
    action: AuditAction,
    patient_id: &PatientId,
    revision_before: Option<u64>,
    revision_after: u64,
) -> io::Result<()> {
    append_line(
        data_dir,
        action,
        patient_id.as_str(),
        revision_before,
        revision_after,
    )
}

/// Appends the entry of a save of `clinic.json` (revision before and after). The caller
/// holds the store lock, so settings and patient saves form one chain.
pub fn append_clinic(data_dir: &Path, revision_before: Option<u64>, revision_after: u64) -> io::Result<()> {
    append_line(
        data_dir,
        AuditAction::ClinicUpdate,
        "",
        revision_before,
        revision_after,
    )
}

fn append_line(
    data_dir: &Path,
    action: AuditAction,
    patient_id: &str,
    revision_before: Option<u64>,
    revision_after: u64,
) -> io::Result<()> {
    let path = audit_path(data_dir);
    let mut file = open_for_append(&path, permissions::file_mode_for(data_dir))?;
    let (last, ends_with_newline) = last_line(&mut file, TAIL_CHUNK)?;
    let prev_hash = match &last {
        Some(line) => sha256_hex(line),
        None => GENESIS_HASH.to_string(),
    };
    let entry = AuditEntry {
        time: Local::now().to_rfc3339_opts(SecondsFormat::Secs, false),
        user: os_user(),
        action,
        patient_id: patient_id.to_string(),
        revision_before,
        revision_after,
        prev_hash,
    };
    let json = serde_json::to_string(&entry).map_err(io::Error::other)?;
    let mut bytes = Vec::with_capacity(json.len() + 2);
    // A last line cut short (no newline) stays as it is, for `verify` to report; the new
    // line starts on a line of its own and chains to the bytes that are there.
    if last.is_some() && !ends_with_newline {
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(json.as_bytes());
    bytes.push(b'\n');
    file.write_all(&bytes)?;
    file.sync_data()
}

#[cfg(unix)]
fn open_for_append(path: &Path, mode: u32) -> io::Result<File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match OpenOptions::new()
        .read(true)
        .append(true)
        .create_new(true)
        .mode(mode)
        .open(path)
    {
        Ok(file) => {
            // The umask may have taken bits away (a staff member with umask 077 in a
            // shared dir); the file is ours, so set exactly what the dir calls for.
            file.set_permissions(std::fs::Permissions::from_mode(mode))?;
            if let Some(dir) = path.parent() {
                File::open(dir)?.sync_all()?;
            }
            Ok(file)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            OpenOptions::new().read(true).append(true).open(path)
        }
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn open_for_append(path: &Path, _mode: u32) -> io::Result<File> {
    OpenOptions::new().read(true).append(true).create(true).open(path)
}

/// The last line of `file` (without its newline) and whether the file ends with a
/// newline, read backwards from the end `chunk` bytes at a time, so the cost does not
/// grow with the length of the log. `None` for an empty file.
fn last_line<F: Read + Seek>(file: &mut F, chunk: usize) -> io::Result<(Option<Vec<u8>>, bool)> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok((None, false));
    }
    // `tail` holds the bytes from `start` to the end of the file.
    let mut tail: Vec<u8> = Vec::new();
    let mut start = len;
    let mut ends_with_newline = None;
    loop {
        let take = chunk.min(start as usize);
        start -= take as u64;
        let mut buf = vec![0; take];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut buf)?;
        buf.extend_from_slice(&tail);
        tail = buf;
        let ends = *ends_with_newline.get_or_insert(tail.last() == Some(&b'\n'));
        let body = if ends { &tail[..tail.len() - 1] } else { &tail[..] };
        if let Some(pos) = body.iter().rposition(|&b| b == b'\n') {
            return Ok((Some(body[pos + 1..].to_vec()), ends));
        }
        if start == 0 {
            return Ok((Some(body.to_vec()), ends));
        }
    }
}

/// Checks the whole chain. `Ok(lines)` when every line is a valid entry whose
/// `prev_hash` is the hash of the line before it; otherwise every problem found, each
/// with its line number. A missing `audit.log` is an empty, valid log.
pub fn verify(data_dir: &Path) -> Result<usize, Vec<AuditProblem>> {
    let bytes = match std::fs::read(audit_path(data_dir)) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => {
            return Err(vec![AuditProblem {
                line_no: 0,
                message: format!("cannot be read: {e}"),
            }]);
        }
    };
    verify_bytes(&bytes)
}

/// [`verify`] on the contents of a log.
pub fn verify_bytes(bytes: &[u8]) -> Result<usize, Vec<AuditProblem>> {
    if bytes.is_empty() {
        return Ok(0);
    }
    let complete = bytes.last() == Some(&b'\n');
    let body = if complete {
        &bytes[..bytes.len() - 1]
    } else {
        bytes
    };
    let lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    let mut problems = Vec::new();
    let mut expected = GENESIS_HASH.to_string();
    for (i, line) in lines.iter().enumerate() {
        let line_no = i + 1;
        let last = line_no == lines.len();
        let mut problem = |message: String| problems.push(AuditProblem { line_no, message });
        if last && !complete {
            problem("the last line is cut short (no newline at its end): a write was interrupted or the file was truncated".into());
        } else if line.is_empty() {
            problem("empty line".into());
        } else {
            match serde_json::from_slice::<AuditEntry>(line) {
                Err(e) => problem(format!("not a valid audit entry: {e}")),
                Ok(entry) if entry.prev_hash != expected => problem(if line_no == 1 {
                    "does not start the chain: lines before it were removed, or it was edited".into()
                } else {
                    format!(
                        "does not follow line {}: line {} was edited, or lines were removed or reordered here",
                        line_no - 1,
                        line_no - 1
                    )
                }),
                Ok(_) => {}
            }
        }
        expected = sha256_hex(line);
    }
    if problems.is_empty() {
        Ok(lines.len())
    } else {
        Err(problems)
    }
}

/// Every valid entry of the log, in order (lines that do not parse are skipped).
pub fn read_entries(data_dir: &Path) -> io::Result<Vec<AuditEntry>> {
    let bytes = match std::fs::read(audit_path(data_dir)) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(bytes
        .split(|&b| b == b'\n')
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use std::time::Duration;

    fn id(s: &str) -> PatientId {
        PatientId::new(s).unwrap()
    }

    #[test]
    fn genesis_is_the_hash_of_nothing() {
        assert_eq!(sha256_hex(b""), GENESIS_HASH);
    }

    #[test]
    fn the_last_line_is_found_whatever_the_chunk_size() {
        // (file content, its last line, whether it ends with a newline)
        type Case = (&'static [u8], Option<&'static [u8]>, bool);
        let cases: &[Case] = &[
            (b"", None, false),
            (b"\n", Some(b""), true),
            (b"abc", Some(b"abc"), false),
            (b"abc\n", Some(b"abc"), true),
            (b"abc\ndefgh\n", Some(b"defgh"), true),
            (b"abc\ndefgh", Some(b"defgh"), false),
            (b"abc\n\n", Some(b""), true),
            (b"a\nbb\nccc\ndddddddddd\n", Some(b"dddddddddd"), true),
        ];
        for chunk in 1..=12 {
            for (content, line, ends) in cases {
                let got = last_line(&mut Cursor::new(content.to_vec()), chunk).unwrap();
                assert_eq!(
                    (got.0.as_deref(), got.1),
                    (*line, *ends),
                    "chunk {chunk}, content {:?}",
                    String::from_utf8_lossy(content)
                );
            }
        }
    }

    #[test]
    fn appended_lines_chain_and_verify() {
        let dir = tempfile::tempdir().unwrap();
        append(dir.path(), AuditAction::Create, &id("p-1"), None, 1).unwrap();
        append(dir.path(), AuditAction::Update, &id("p-1"), Some(1), 2).unwrap();
        append(dir.path(), AuditAction::Archive, &id("p-1"), Some(2), 3).unwrap();
        assert_eq!(verify(dir.path()), Ok(3));
        let entries = read_entries(dir.path()).unwrap();
        assert_eq!(entries[0].prev_hash, GENESIS_HASH);
        let text = std::fs::read_to_string(audit_path(dir.path())).unwrap();
        let first = text.lines().next().unwrap();
        assert_eq!(entries[1].prev_hash, sha256_hex(first.as_bytes()));
        assert!(first.contains(r#""action":"create""#), "{first}");
    }

    #[test]
    fn appends_under_the_lock_from_many_threads_form_one_chain() {
        let dir = tempfile::tempdir().unwrap();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let dir = dir.path().to_path_buf();
                std::thread::spawn(move || {
                    for r in 0..25 {
                        let _lock =
                            crate::store::lock::DirLock::acquire(&dir, Duration::from_secs(30)).unwrap();
                        append(&dir, AuditAction::Update, &id(&format!("p-{t}")), Some(r), r + 1).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(verify(dir.path()), Ok(200));
    }
}
