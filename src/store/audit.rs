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
//! - A save writes its line *before* the new version is renamed into place, and fsyncs
//!   it, under the store lock ([`log_intent`]): whenever a revision is on disk, its line
//!   is in the log, whatever moment a kill or power cut strikes. A line whose revision
//!   never reached disk (the save was interrupted, or failed after the line) is an
//!   "interrupted save": the record's next line starts again from the revision that is on
//!   disk, and `doctor` says so in a note. If the line cannot be written, the save fails
//!   and nothing is renamed. A retry of the same save reuses its line rather than add
//!   the same intent again.
//! - `doctor` (with [`super::audit_chain`]) walks each record's lines in order and proves
//!   that every revision from its creation to the one on disk is logged.
//! - Format: the lines of the first logging release verify and walk unchanged. Two keys
//!   were added since: `before_unlogged` (written only when `true`, so ordinary lines are
//!   byte for byte as before): the revision the save replaced came from a file of the
//!   first release (`schema_version` 1), which kept no log, so it has no line of its own.
//!   And `changes` (written only when not empty): what an update changed, as change
//!   kinds with field paths (`screening_change screening.answers.pregnancy`), never a
//!   value that identifies the patient or free text. It is part of the line, so the
//!   chain covers it.
//! - Limits: the chain shows accidental and casual edits, not a determined insider who
//!   can write the file and recompute every hash after the edit. The newest line has no
//!   successor, so an edit of it that keeps it valid JSON is not visible in the chain
//!   alone; `doctor` compares each record's last line with its file.

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

/// How far back from the end [`log_intent`] looks for the line of a save it retries.
/// A retry follows its failed attempt within seconds, so its line is near the end; one
/// further back is written again (harmless: `doctor` accepts a repeated intent).
const RETRY_LOOKBACK: usize = 64 * 1024;

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
    /// `revision_before` was written by the first release (`schema_version` 1), which
    /// kept no audit log: that revision has no line, and none is missing. Written only
    /// when true, so every other line reads as in the logs of earlier versions.
    #[serde(default, skip_serializing_if = "is_false")]
    pub before_unlogged: bool,
    /// What the save changed, one `kind path` each (`screening_change
    /// screening.answers.pregnancy`, `move series[0].sessions[1].date`; see
    /// [`crate::domain::changes`]): field paths, never a patient's details or free text.
    /// Written only when there is something to say, so lines without it (every line of
    /// earlier versions, creations, settings saves) read and hash as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// Hex SHA-256 of the previous line (without its newline), or [`GENESIS_HASH`].
    pub prev_hash: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What a save is about to do, as its audit line says it: written before the new
/// version is renamed into place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub action: AuditAction,
    /// Empty for a [`AuditAction::ClinicUpdate`].
    pub patient_id: String,
    /// `None` for a record that has no file yet.
    pub revision_before: Option<u64>,
    pub revision_after: u64,
    /// See [`AuditEntry::before_unlogged`].
    pub before_unlogged: bool,
    /// See [`AuditEntry::changes`].
    pub changes: Vec<String>,
}

impl Intent {
    /// The intent of a save of patient `id`.
    pub fn patient(
        action: AuditAction,
        id: &PatientId,
        revision_before: Option<u64>,
        revision_after: u64,
    ) -> Self {
        Self {
            action,
            patient_id: id.as_str().to_string(),
            revision_before,
            revision_after,
            before_unlogged: false,
            changes: Vec::new(),
        }
    }

    /// The intent of a save of `clinic.json`.
    pub fn clinic(revision_before: Option<u64>, revision_after: u64) -> Self {
        Self {
            action: AuditAction::ClinicUpdate,
            patient_id: String::new(),
            revision_before,
            revision_after,
            before_unlogged: false,
            changes: Vec::new(),
        }
    }

    /// Whether `e` is a line about the same record.
    fn same_record(&self, e: &AuditEntry) -> bool {
        (self.action == AuditAction::ClinicUpdate) == (e.action == AuditAction::ClinicUpdate)
            && e.patient_id == self.patient_id
    }

    /// Whether `e`, written by `user`, says exactly this.
    fn is_said_by(&self, e: &AuditEntry, user: &str) -> bool {
        e.action == self.action
            && e.patient_id == self.patient_id
            && e.revision_before == self.revision_before
            && e.revision_after == self.revision_after
            && e.before_unlogged == self.before_unlogged
            && e.changes == self.changes
            && e.user == user
    }
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
/// group (setgid, mode `2770`). Saves use [`log_intent`].
pub fn append(
    data_dir: &Path,
    action: AuditAction,
    patient_id: &PatientId,
    revision_before: Option<u64>,
    revision_after: u64,
) -> io::Result<()> {
    let intent = Intent::patient(action, patient_id, revision_before, revision_after);
    let mut file = open_for_append(&audit_path(data_dir), permissions::file_mode_for(data_dir))?;
    append_entry(&mut file, &intent, os_user())
}

/// Appends the entry of a save of `clinic.json` (revision before and after). The caller
/// holds the store lock, so settings and patient saves form one chain.
pub fn append_clinic(data_dir: &Path, revision_before: Option<u64>, revision_after: u64) -> io::Result<()> {
    let intent = Intent::clinic(revision_before, revision_after);
    let mut file = open_for_append(&audit_path(data_dir), permissions::file_mode_for(data_dir))?;
    append_entry(&mut file, &intent, os_user())
}

/// Whether [`log_intent`] wrote a line or found its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logged {
    /// A new line, synced to disk.
    Written,
    /// The record's last line near the end of the log already says exactly this, by the
    /// same user: the line of an earlier attempt of this save that did not reach the disk
    /// (the record is still at `revision_before`, as the caller has just read under the
    /// lock). It stands for this attempt too, so retries add nothing.
    Reused,
}

/// Logs a save that is about to happen, before its new version is renamed into place, and
/// syncs the line to disk. The caller holds the store lock and has checked that the record
/// on disk is at `intent.revision_before`. When this fails nothing may be renamed: the
/// save did not happen. A retry of a save that did not reach the disk finds its line and
/// adds nothing ([`Logged::Reused`]).
pub fn log_intent(data_dir: &Path, intent: &Intent) -> io::Result<Logged> {
    let mut file = open_for_append(&audit_path(data_dir), permissions::file_mode_for(data_dir))?;
    let user = os_user();
    let last = last_entry_of(&mut file, RETRY_LOOKBACK, |e| intent.same_record(e))?;
    if last.is_some_and(|e| intent.is_said_by(&e, &user)) {
        return Ok(Logged::Reused);
    }
    append_entry(&mut file, intent, user)?;
    Ok(Logged::Written)
}

/// Appends the line of `intent`, chained to the last line of `file`, and syncs it. A
/// write that fails half-way (a full disk) is cut back off, so that no broken line stays
/// behind to break the chain.
fn append_entry(file: &mut File, intent: &Intent, user: String) -> io::Result<()> {
    let (last, ends_with_newline) = last_line(file, TAIL_CHUNK)?;
    let len = file.seek(SeekFrom::End(0))?;
    let prev_hash = match &last {
        Some(line) => sha256_hex(line),
        None => GENESIS_HASH.to_string(),
    };
    let entry = AuditEntry {
        time: Local::now().to_rfc3339_opts(SecondsFormat::Secs, false),
        user,
        action: intent.action,
        patient_id: intent.patient_id.clone(),
        revision_before: intent.revision_before,
        revision_after: intent.revision_after,
        before_unlogged: intent.before_unlogged,
        changes: intent.changes.clone(),
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
    let written = file.write_all(&bytes).and_then(|()| file.sync_data());
    if written.is_err() {
        // The save this line was for fails, so the line goes too (best effort: if even
        // this fails, a whole line left behind reads as an interrupted save).
        let _ = file.set_len(len).and_then(|()| file.sync_data());
    }
    written
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

/// The last entry in the final `max` bytes of `file` for which `wanted` holds (lines that
/// do not parse are passed over; so is a first line cut by the `max` bytes).
fn last_entry_of<F: Read + Seek>(
    file: &mut F,
    max: usize,
    wanted: impl Fn(&AuditEntry) -> bool,
) -> io::Result<Option<AuditEntry>> {
    let len = file.seek(SeekFrom::End(0))?;
    let start = len.saturating_sub(max as u64);
    let mut tail = Vec::with_capacity((len - start) as usize);
    file.seek(SeekFrom::Start(start))?;
    file.take(len - start).read_to_end(&mut tail)?;
    let mut lines: Vec<&[u8]> = tail.split(|&b| b == b'\n').collect();
    if start > 0 {
        lines.remove(0);
    }
    Ok(lines
        .into_iter()
        .rev()
        .filter_map(|line| serde_json::from_slice::<AuditEntry>(line).ok())
        .find(|e| wanted(e)))
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
    Ok(read_numbered(data_dir)?.into_iter().map(|(_, e)| e).collect())
}

/// Every valid entry of the log with its line number (from 1, as [`verify`] counts),
/// in order; lines that do not parse are skipped. A missing log has none.
pub fn read_numbered(data_dir: &Path) -> io::Result<Vec<(usize, AuditEntry)>> {
    let bytes = match std::fs::read(audit_path(data_dir)) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter_map(|(i, line)| Some((i + 1, serde_json::from_slice(line).ok()?)))
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
    fn a_retry_of_the_same_save_reuses_its_line_and_anything_else_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let p1 = Intent::patient(AuditAction::Update, &id("p-1"), Some(1), 2);
        assert_eq!(log_intent(d, &p1).unwrap(), Logged::Written);
        assert_eq!(log_intent(d, &p1).unwrap(), Logged::Reused);
        // Another record's line in between: still the same save of p-1.
        log_intent(d, &Intent::clinic(None, 1)).unwrap();
        assert_eq!(log_intent(d, &p1).unwrap(), Logged::Reused);
        // Anything else is a new line: another revision, action, record or flag.
        let mut other = p1.clone();
        other.revision_after = 3;
        assert_eq!(log_intent(d, &other).unwrap(), Logged::Written);
        assert_eq!(log_intent(d, &p1).unwrap(), Logged::Written);
        other = p1.clone();
        other.action = AuditAction::Archive;
        assert_eq!(log_intent(d, &other).unwrap(), Logged::Written);
        other = p1.clone();
        other.before_unlogged = true;
        assert_eq!(log_intent(d, &other).unwrap(), Logged::Written);
        assert_eq!(log_intent(d, &Intent::clinic(None, 1)).unwrap(), Logged::Reused);
        assert_eq!(verify(d), Ok(6));
        let flagged = read_entries(d).unwrap().pop().unwrap();
        assert!(flagged.before_unlogged);
        let plain = std::fs::read_to_string(audit_path(d)).unwrap();
        assert_eq!(plain.matches("before_unlogged").count(), 1, "{plain}");
        // A retry with other changes (edited again while not saved) is a new line too.
        let mut changed = p1.clone();
        changed.changes = vec!["details phone".into()];
        assert_eq!(log_intent(d, &changed).unwrap(), Logged::Written);
        assert_eq!(log_intent(d, &changed).unwrap(), Logged::Reused);
        changed.changes = vec!["move series[0].sessions[1].date".into()];
        assert_eq!(log_intent(d, &changed).unwrap(), Logged::Written);
        assert_eq!(verify(d), Ok(8));
        let text = std::fs::read_to_string(audit_path(d)).unwrap();
        assert_eq!(text.matches(r#""changes":"#).count(), 2, "{text}");
        let last = read_entries(d).unwrap().pop().unwrap();
        assert_eq!(last.changes, ["move series[0].sessions[1].date"]);
    }

    #[test]
    fn the_last_entry_of_a_record_is_found_within_the_lookback_only() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        append(d, AuditAction::Create, &id("p-1"), None, 1).unwrap();
        append(d, AuditAction::Create, &id("p-2"), None, 1).unwrap();
        let mut file = File::open(audit_path(d)).unwrap();
        let for_p1 = |e: &AuditEntry| e.patient_id == "p-1";
        let found = last_entry_of(&mut file, usize::MAX >> 1, for_p1).unwrap();
        assert_eq!(found.map(|e| e.revision_after), Some(1));
        // The window starts inside p-1's line: that cut line is not read.
        let len = std::fs::metadata(audit_path(d)).unwrap().len() as usize;
        let second = std::fs::read_to_string(audit_path(d))
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .len()
            + 1;
        assert_eq!(last_entry_of(&mut file, second + 5, for_p1).unwrap(), None);
        assert!(last_entry_of(&mut file, len, for_p1).unwrap().is_some());
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
