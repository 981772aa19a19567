//! The patients folder: one `<id>.json` per patient, loaded all at start, each saved on
//! its own the moment it changes, and watched (cheaply) for changes made by other
//! needleplan instances sharing the data dir.
//!
//! Saving is revision-checked: under the data dir's lock the file on disk is read and
//! its revision compared with the one the edit started from. A stale edit is a
//! conflict: nothing is written and the caller gets the version on disk, so no one's
//! save ever silently replaces another's.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use crate::domain::changes;
use crate::domain::patient::{Patient, PatientId};

use super::atomic::{sync_dir, write_atomic};
use super::audit::{self, AuditAction, Intent};
use super::io_failure::IoFailure;
use super::lock::{self, DirLock};
use super::paths::patients_dir;
use super::patient_file::{self, DecodeError, Decoded};
use super::regular_file::{FileKind, MAX_PATIENT_FILE_BYTES, NotRead, read_regular, size_text};

/// A file that could not be loaded. Its bytes are left exactly as they were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    /// `patients/<stem>.json`, as messages name it.
    pub file: String,
    /// The file's name without `.json`: the id no new patient may be given.
    pub stem: String,
    pub message: String,
}

/// A patient file written by a newer needleplan whose record this version can still
/// read (fields it does not know are ignored). It is shown, never saved: its file stays
/// protected like an unreadable one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOnlyPatient {
    pub patient: Patient,
    /// The file's `schema_version`, newer than `patient_file::SCHEMA_VERSION`.
    pub schema_version: u64,
}

#[derive(Debug, Default)]
pub struct LoadReport {
    /// Editable patients.
    pub patients: Vec<Patient>,
    /// Patients from files of a newer version: to show, never to save.
    pub read_only: Vec<ReadOnlyPatient>,
    pub problems: Vec<LoadProblem>,
}

/// What other instances changed since this one last looked (see `poll_changes`).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// New or changed patient files, as they are on disk now. A file that was read-only
    /// and was rewritten by this version (or an older one) is here too, whatever its
    /// revision: it is editable again.
    pub updated: Vec<Patient>,
    /// Files of a newer version that are new, changed, or turned newer since last seen.
    pub read_only: Vec<ReadOnlyPatient>,
    /// Files that became unreadable (or are new and unreadable); they are protected.
    pub problems: Vec<LoadProblem>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.updated.is_empty() && self.read_only.is_empty() && self.problems.is_empty()
    }
}

/// Why a save did not happen. In every case no record on disk was changed by it (except
/// `Io` after the rename, when only the final directory fsync failed: the new version is
/// then in place but may not survive a power cut, and a retry makes it durable). An `Io`
/// failure after the audit line was written leaves that line, an interrupted save.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaveError {
    /// Someone else saved this patient since the edit began. Carries their version (as
    /// on disk, which is kept); the edit was not written.
    #[error(
        "patients/{}.json not saved: another user changed it first (now revision {})",
        .0.id,
        .0.revision
    )]
    Conflict(Box<Patient>),
    /// The disk refused (full, read-only, permission, lock timeout). The message names
    /// the file and says "not saved".
    #[error(transparent)]
    Io(SaveIoError),
    /// The file on disk cannot be read by this version (corrupt, from a newer release):
    /// it is never overwritten.
    #[error(transparent)]
    Protected(ProtectedFile),
}

/// The disk refused a save: the file, the step, and the OS's error (its kind kept, so a
/// full disk can be told from a lock timeout without reading the words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} {}: {error}", .step.outcome())]
pub struct SaveIoError {
    /// `patients/<id>.json`.
    pub file: String,
    pub step: SaveStep,
    pub error: IoFailure,
}

impl SaveIoError {
    pub fn kind(&self) -> io::ErrorKind {
        self.error.kind
    }
}

/// Where in a save the disk refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveStep {
    /// The data dir's lock could not be taken (another instance held it too long).
    Lock,
    /// The version on disk, read to check its revision, could not be opened.
    ReadFirst,
    /// Writing, syncing or renaming the new version, or syncing the dir after it.
    Write,
    /// The audit line could not be written (it is written first): nothing was renamed.
    Audit,
}

impl SaveStep {
    /// What became of the save, as the message says it after the file's name.
    fn outcome(self) -> &'static str {
        match self {
            SaveStep::Lock | SaveStep::Write => "not saved",
            SaveStep::ReadFirst => "not saved: the version on disk cannot be read first",
            SaveStep::Audit => "not saved: audit.log cannot be written",
        }
    }
}

/// Why a patient's file is never written over.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtectedFile {
    /// It could not be read (corrupt, another patient's, from a newer release); `why` is
    /// `None` when the reason was not kept.
    #[error("{file} {}; it is left untouched, not saved", unreadable_text(.why.as_ref()))]
    Unreadable { file: String, why: Option<ReadError> },
    #[error("{file} has revision {revision} which cannot be increased; not saved")]
    RevisionExhausted { file: String, revision: u64 },
}

fn unreadable_text(why: Option<&ReadError>) -> String {
    why.map_or_else(|| "could not be read".to_string(), ToString::to_string)
}

/// Why a patient file cannot be loaded (or, found at save time, why it is protected).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("cannot be read: {0}")]
    Io(IoFailure),
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The file's name and the id inside it differ.
    #[error("holds patient id '{found}', not '{stem}'")]
    WrongId { found: PatientId, stem: String },
    /// A symbolic link, FIFO, device or directory where a record should be: it is
    /// never opened for reading or followed (a FIFO would hang the app, a link could
    /// lead anywhere).
    #[error("is {0}, not a regular file: needleplan neither opens nor follows it; move it out of patients/")]
    NotRegular(FileKind),
    /// Bigger than any record can be: not read (it would fill the memory).
    #[error(
        "is {}, over the {} a patient file may hold: not read; move it out of patients/",
        size_text(*.bytes),
        size_text(*.cap)
    )]
    TooLarge { bytes: u64, cap: u64 },
}

/// A step of the atomic write, for fault injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteStep {
    /// Writing the temp file (half of it gets written, as when the disk fills up).
    Write,
    /// fsync of the temp file.
    Fsync,
    /// Renaming the temp file over the patient file.
    Rename,
    /// fsync of the patients dir, after the rename.
    DirFsync,
}

/// How patient files are written: the real atomic write, or (for fault tests) the same
/// steps failing at one of them with an error of the given kind, as the OS reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Writer {
    #[default]
    Atomic,
    FailAt {
        step: WriteStep,
        kind: io::ErrorKind,
    },
}

impl Writer {
    fn write(self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        match self {
            Writer::Atomic => write_atomic(path, bytes),
            Writer::FailAt { step, kind } => write_failing_at(path, bytes, step, kind),
        }
    }

    fn sync_dir(self, dir: &Path) -> io::Result<()> {
        match self {
            Writer::FailAt {
                step: WriteStep::DirFsync,
                kind,
            } => Err(fault(kind)),
            _ => sync_dir(dir),
        }
    }
}

/// The steps of `write_atomic`, failing at `fail`. Before the rename the temp file is
/// removed (by its destructor) and the target is untouched.
fn write_failing_at(path: &Path, bytes: &[u8], fail: WriteStep, kind: io::ErrorKind) -> io::Result<()> {
    let dir = path.parent().expect("patient files live in a dir");
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .suffix(".json")
        .tempfile_in(dir)?;
    if fail == WriteStep::Write {
        tmp.write_all(&bytes[..bytes.len() / 2])?;
        return Err(fault(kind));
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    if matches!(fail, WriteStep::Fsync | WriteStep::Rename) {
        return Err(fault(kind));
    }
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)?;
    Err(fault(kind))
}

/// An error of `kind` worded as the OS words it (so "No space left on device").
fn fault(kind: io::ErrorKind) -> io::Error {
    #[cfg(unix)]
    {
        let errno = match kind {
            io::ErrorKind::StorageFull => Some(28),        // ENOSPC
            io::ErrorKind::PermissionDenied => Some(13),   // EACCES
            io::ErrorKind::ReadOnlyFilesystem => Some(30), // EROFS
            io::ErrorKind::Other => Some(5),               // EIO
            _ => None,
        };
        if let Some(errno) = errno {
            return io::Error::from_raw_os_error(errno);
        }
    }
    io::Error::from(kind)
}

/// Timestamps closer to "now" than this are not trusted to reveal a later change: a
/// filesystem's clock ticks coarsely, so a second change in the same tick can leave the
/// same mtime. Such a file (or the dir) is looked at again on the next poll.
const RACY: Duration = Duration::from_secs(2);

/// What identifies one version of a file without reading it. Every save makes a new
/// file (temp + rename), so the inode changes too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Signature {
    len: u64,
    mtime: Option<SystemTime>,
    ino: u64,
    ctime: (i64, i64),
}

impl Signature {
    fn of(meta: &fs::Metadata) -> Self {
        #[cfg(unix)]
        let (ino, ctime) = {
            use std::os::unix::fs::MetadataExt;
            (meta.ino(), (meta.ctime(), meta.ctime_nsec()))
        };
        #[cfg(not(unix))]
        let (ino, ctime) = (0, (0, 0));
        Self {
            len: meta.len(),
            mtime: meta.modified().ok(),
            ino,
            ctime,
        }
    }

    /// The signature, if it can be trusted to change with the next write.
    fn settled(self, now: SystemTime) -> Option<Self> {
        is_settled(self.mtime, now).then_some(self)
    }
}

fn is_settled(mtime: Option<SystemTime>, now: SystemTime) -> bool {
    mtime.is_some_and(|t| now.duration_since(t).is_ok_and(|age| age >= RACY))
}

/// What this instance last knew of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Known {
    /// `None`: read it again on the next poll.
    sig: Option<Signature>,
    /// The revision last loaded, saved or reported; `None` for an unreadable file.
    revision: Option<u64>,
    /// The problem last reported for it, or why a read-only file is not saved.
    problem: Option<ReadError>,
    /// The schema version of a file read read-only (written by a newer needleplan).
    read_only: Option<u64>,
}

#[derive(Debug, Default)]
struct State {
    /// Ids whose files failed to load or are read-only: saving to them would destroy
    /// what is there.
    protected: BTreeSet<String>,
    /// mtime of `patients/` when last scanned; `None`: scan on the next poll.
    dir_mtime: Option<SystemTime>,
    /// By file stem (the patient id).
    files: HashMap<String, Known>,
}

#[derive(Debug)]
pub struct PatientStore {
    data_dir: PathBuf,
    patients_dir: PathBuf,
    writer: Writer,
    lock_wait: Duration,
    state: Mutex<State>,
}

/// One file read from disk: its signature (taken from the open file, so it belongs to
/// the bytes read) and the patient or why it cannot be loaded.
struct ReadFile {
    /// `None` when the file could not be opened.
    sig: Option<Signature>,
    result: Result<Decoded, ReadError>,
}

impl PatientStore {
    /// Opens (creating if needed) the data dir and its `patients/` folder.
    pub fn open(data_dir: &Path) -> io::Result<Self> {
        create_private_dir(data_dir)?;
        create_private_dir(&patients_dir(data_dir))?;
        Ok(Self {
            data_dir: data_dir.to_path_buf(),
            patients_dir: patients_dir(data_dir),
            writer: Writer::Atomic,
            lock_wait: lock::DEFAULT_WAIT,
            state: Mutex::new(State::default()),
        })
    }

    /// Replaces the file writer (fault tests use `Writer::FailAt`).
    pub fn set_writer(&mut self, writer: Writer) {
        self.writer = writer;
    }

    /// How long a save waits for another instance holding the lock.
    pub fn set_lock_wait(&mut self, wait: Duration) {
        self.lock_wait = wait;
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn path_of(&self, id: &PatientId) -> PathBuf {
        self.patients_dir.join(format!("{id}.json"))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding it cannot leave the state inconsistent in a harmful way:
        // the worst case is one more read of a file.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Loads every `*.json` in `patients/`. A file that fails is reported and remembered
    /// so that it is never overwritten; every other patient still loads.
    pub fn load_all(&mut self) -> io::Result<LoadReport> {
        let now = SystemTime::now();
        let dir_mtime = fs::metadata(&self.patients_dir)?.modified().ok();
        let mut report = LoadReport::default();
        let mut state = State::default();
        for (stem, path) in self.list_files()? {
            let read = match read_file(&path, &stem) {
                OnDisk::Missing => continue,
                OnDisk::Unopenable(e) => unreadable(e),
                OnDisk::Read(read) => *read,
            };
            let sig = read.sig.and_then(|s| s.settled(now));
            match read.result {
                Ok(Decoded::Current(p)) => {
                    state.files.insert(stem, known(sig, Some(p.revision), None));
                    report.patients.push(p);
                }
                Ok(Decoded::ReadOnly {
                    patient,
                    schema_version,
                }) => {
                    state.protected.insert(stem.clone());
                    state
                        .files
                        .insert(stem, read_only_known(sig, &patient, schema_version));
                    report.read_only.push(ReadOnlyPatient {
                        patient,
                        schema_version,
                    });
                }
                Err(why) => {
                    state.protected.insert(stem.clone());
                    let message = why.to_string();
                    state.files.insert(stem.clone(), known(sig, None, Some(why)));
                    report.problems.push(LoadProblem {
                        file: format!("patients/{stem}.json"),
                        stem,
                        message,
                    });
                }
            }
        }
        state.dir_mtime = dir_mtime.filter(|_| is_settled(dir_mtime, now));
        *self.state() = state;
        Ok(report)
    }

    /// Patient files in `patients/` as (stem, path), sorted; temp files (`.tmp-*`) and
    /// anything not ending in `.json` are not patients.
    fn list_files(&self) -> io::Result<Vec<(String, PathBuf)>> {
        let mut files: Vec<(String, PathBuf)> = fs::read_dir(&self.patients_dir)?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let stem = name.strip_suffix(".json")?;
                (!name.starts_with('.')).then(|| (stem.to_string(), e.path()))
            })
            .collect();
        files.sort();
        Ok(files)
    }

    /// Saves one patient atomically if the file on disk is still at the revision the edit
    /// started from (`patient.revision`; a patient never saved is 0 and has no file).
    /// Returns the new revision, which the caller keeps for its next edit.
    ///
    /// Holds the data dir's lock for the read-check-write only.
    pub fn save(&self, patient: &Patient) -> Result<u64, SaveError> {
        let stem = patient.id.as_str();
        let name = format!("patients/{stem}.json");
        {
            let state = self.state();
            if state.protected.contains(stem) {
                let why = state.files.get(stem).and_then(|k| k.problem.clone());
                return Err(SaveError::Protected(ProtectedFile::Unreadable {
                    file: name,
                    why,
                }));
            }
        }
        let io = |step, e: io::Error| {
            SaveError::Io(SaveIoError {
                file: format!("patients/{stem}.json"),
                step,
                error: IoFailure::from(e),
            })
        };
        let _lock = DirLock::acquire(&self.data_dir, self.lock_wait).map_err(|e| io(SaveStep::Lock, e))?;
        let path = self.path_of(&patient.id);
        let now = SystemTime::now();
        let mut before = None;
        // The version being replaced, for the audit line (its revision, and what changed).
        let mut replaced: Option<Patient> = None;
        match read_file(&path, stem) {
            OnDisk::Missing => {}
            OnDisk::Unopenable(e) => return Err(io(SaveStep::ReadFirst, e)),
            OnDisk::Read(read) => {
                let ReadFile { sig: raw, result } = *read;
                before = raw;
                let sig = raw.and_then(|s| s.settled(now));
                let theirs = match result {
                    Ok(Decoded::Current(theirs)) => theirs,
                    Ok(Decoded::ReadOnly {
                        patient,
                        schema_version,
                    }) => {
                        let k = read_only_known(sig, &patient, schema_version);
                        let why = k.problem.clone();
                        let mut state = self.state();
                        state.protected.insert(stem.to_string());
                        state.files.insert(stem.to_string(), k);
                        return Err(SaveError::Protected(ProtectedFile::Unreadable {
                            file: name,
                            why,
                        }));
                    }
                    Err(why) => {
                        let mut state = self.state();
                        state.protected.insert(stem.to_string());
                        state
                            .files
                            .insert(stem.to_string(), known(sig, None, Some(why.clone())));
                        return Err(SaveError::Protected(ProtectedFile::Unreadable {
                            file: name,
                            why: Some(why),
                        }));
                    }
                };
                if theirs.revision != patient.revision {
                    if same_content(&theirs, patient) {
                        // Already there: our own save whose dir fsync failed, or the very
                        // same change made by someone else. Make it durable; no write.
                        self.writer
                            .sync_dir(&self.patients_dir)
                            .map_err(|e| io(SaveStep::Write, e))?;
                        self.remember(stem, sig, theirs.revision);
                        return Ok(theirs.revision);
                    }
                    self.remember(stem, sig, theirs.revision);
                    return Err(SaveError::Conflict(Box::new(theirs)));
                }
                replaced = Some(theirs);
            }
        }
        let Some(revision) = patient.revision.checked_add(1) else {
            return Err(SaveError::Protected(ProtectedFile::RevisionExhausted {
                file: name,
                revision: patient.revision,
            }));
        };
        let mut next = patient.clone();
        next.revision = revision;
        let action = match &replaced {
            None => AuditAction::Create,
            Some(was) if was.archived != next.archived && next.archived => AuditAction::Archive,
            Some(was) if was.archived != next.archived => AuditAction::Restore,
            Some(_) => AuditAction::Update,
        };
        let before_revision = replaced.as_ref().map(|r| r.revision);
        let mut intent = Intent::patient(action, &patient.id, before_revision, revision);
        intent.before_unlogged = before_revision == Some(1) && from_first_release(&path);
        // What changed, as kinds and field paths only (never a value): see `domain::changes`.
        if let Some(was) = &replaced {
            intent.changes = changes::changes(was, &next)
                .iter()
                .map(|c| c.to_string())
                .collect();
        }
        // The line first, synced, still under the lock (one chain across instances): a
        // revision on disk always has its line, whenever a kill strikes. If it cannot be
        // written, nothing is renamed and the save fails; a retry reuses the line of an
        // attempt that did not reach the disk.
        audit::log_intent(&self.data_dir, &intent).map_err(|e| io(SaveStep::Audit, e))?;
        let written = self.writer.write(&path, &patient_file::encode(&next));
        // Remember what is there now (even after a failed dir fsync, when the new file is
        // already in place), so that polling does not report this instance's own save.
        if let Ok(meta) = fs::metadata(&path) {
            let sig = Signature::of(&meta);
            if Some(sig) != before {
                self.remember(stem, sig.settled(now), revision);
            }
        }
        written.map_err(|e| io(SaveStep::Write, e))?;
        Ok(revision)
    }

    fn remember(&self, stem: &str, sig: Option<Signature>, revision: u64) {
        self.state()
            .files
            .insert(stem.to_string(), known(sig, Some(revision), None));
    }

    /// What other instances changed in `patients/` since the last load, poll or save.
    ///
    /// Cheap when nothing changed: one stat of the dir (every save renames a file into
    /// it, which moves its mtime). Otherwise every file is stat'ed and only those whose
    /// signature changed are read; a file is reported when its revision differs from the
    /// one this instance last knew, so its own saves never come back.
    pub fn poll_changes(&self) -> io::Result<Changes> {
        let dir_mtime = fs::metadata(&self.patients_dir)?.modified().ok();
        let mut state = self.state();
        if dir_mtime.is_some() && state.dir_mtime == dir_mtime {
            return Ok(Changes::default());
        }
        let now = SystemTime::now();
        let mut changes = Changes::default();
        let files = self.list_files()?;
        let present: HashSet<&str> = files.iter().map(|(stem, _)| stem.as_str()).collect();
        state.files.retain(|stem, _| present.contains(stem.as_str()));
        for (stem, path) in &files {
            let (old_revision, old_problem, old_read_only) = match state.files.get(stem) {
                Some(k) => {
                    // lstat, as `read_file` looks: a link is never followed.
                    let unchanged = k.sig.is_some()
                        && fs::symlink_metadata(path).is_ok_and(|m| k.sig == Some(Signature::of(&m)));
                    if unchanged {
                        continue;
                    }
                    (k.revision, k.problem.clone(), k.read_only)
                }
                None => (None, None, None),
            };
            let read = match read_file(path, stem) {
                OnDisk::Missing => continue,
                OnDisk::Unopenable(e) => unreadable(e),
                OnDisk::Read(read) => *read,
            };
            let sig = read.sig.and_then(|s| s.settled(now));
            match read.result {
                Ok(Decoded::Current(p)) => {
                    state.protected.remove(stem);
                    state
                        .files
                        .insert(stem.clone(), known(sig, Some(p.revision), None));
                    // A read-only record rewritten by this version may keep its revision
                    // (a restored backup): it is news all the same, it can be edited now.
                    if old_revision != Some(p.revision) || old_read_only.is_some() {
                        changes.updated.push(p);
                    }
                }
                Ok(Decoded::ReadOnly {
                    patient,
                    schema_version,
                }) => {
                    state.protected.insert(stem.clone());
                    state
                        .files
                        .insert(stem.clone(), read_only_known(sig, &patient, schema_version));
                    if old_read_only != Some(schema_version) || old_revision != Some(patient.revision) {
                        changes.read_only.push(ReadOnlyPatient {
                            patient,
                            schema_version,
                        });
                    }
                }
                Err(why) => {
                    state.protected.insert(stem.clone());
                    // A read-only record that turned unreadable is reported even when the
                    // problem is the same ("written by a newer needleplan").
                    if old_problem.as_ref() != Some(&why) || old_read_only.is_some() {
                        changes.problems.push(LoadProblem {
                            file: format!("patients/{stem}.json"),
                            stem: stem.clone(),
                            message: why.to_string(),
                        });
                    }
                    state.files.insert(stem.clone(), known(sig, None, Some(why)));
                }
            }
        }
        state.dir_mtime = dir_mtime.filter(|_| is_settled(dir_mtime, now));
        Ok(changes)
    }

    /// Ids of files that failed to load: a new patient must never be given one.
    pub fn protected_ids(&self) -> BTreeSet<String> {
        self.state().protected.clone()
    }
}

fn known(sig: Option<Signature>, revision: Option<u64>, problem: Option<ReadError>) -> Known {
    Known {
        sig,
        revision,
        problem,
        read_only: None,
    }
}

/// What is known of a file read read-only; its problem is why a save is refused.
fn read_only_known(sig: Option<Signature>, patient: &Patient, schema_version: u64) -> Known {
    Known {
        read_only: Some(schema_version),
        ..known(
            sig,
            Some(patient.revision),
            Some(ReadError::Decode(DecodeError::FutureVersion(schema_version))),
        )
    }
}

/// Equal apart from the revision.
fn same_content(a: &Patient, b: &Patient) -> bool {
    let mut a = a.clone();
    a.revision = b.revision;
    a == *b
}

/// Whether the file at `path` was written by the first release (`schema_version` 1),
/// which kept no audit log: its revision (1, by migration) has no line of its own.
fn from_first_release(path: &Path) -> bool {
    fs::read(path).is_ok_and(|bytes| patient_file::schema_version(&bytes) == Some(1))
}

/// One patient file as found on disk.
enum OnDisk {
    /// No such file (or it vanished while being looked at).
    Missing,
    /// It exists but cannot even be opened (permissions, I/O error).
    Unopenable(io::Error),
    Read(Box<ReadFile>),
}

/// Reads one patient file, checking that it holds the patient its name says. Only a
/// regular file up to [`MAX_PATIENT_FILE_BYTES`] is read (see `regular_file`): anything
/// else is a problem whose signature is kept, so a poll does not look at it again until
/// it changes.
fn read_file(path: &Path, stem: &str) -> OnDisk {
    let (bytes, meta) = match read_regular(path, MAX_PATIENT_FILE_BYTES) {
        Ok(x) => x,
        Err(NotRead::Missing) => return OnDisk::Missing,
        Err(NotRead::Io(e)) => return OnDisk::Unopenable(e),
        Err(NotRead::NotRegular { kind, meta }) => {
            return OnDisk::Read(Box::new(ReadFile {
                sig: Some(Signature::of(&meta)),
                result: Err(ReadError::NotRegular(kind)),
            }));
        }
        Err(NotRead::TooLarge { bytes, cap, meta }) => {
            return OnDisk::Read(Box::new(ReadFile {
                sig: Some(Signature::of(&meta)),
                result: Err(ReadError::TooLarge { bytes, cap }),
            }));
        }
    };
    let sig = Some(Signature::of(&meta));
    let result = patient_file::decode_lenient(&bytes)
        .map_err(ReadError::from)
        .and_then(|decoded| {
            let id = match &decoded {
                Decoded::Current(p) | Decoded::ReadOnly { patient: p, .. } => &p.id,
            };
            if id.as_str() == stem {
                Ok(decoded)
            } else {
                Err(ReadError::WrongId {
                    found: id.clone(),
                    stem: stem.to_string(),
                })
            }
        });
    OnDisk::Read(Box::new(ReadFile { sig, result }))
}

/// A file that was listed but cannot be read: a problem, looked at again on every poll.
fn unreadable(e: io::Error) -> ReadFile {
    ReadFile {
        sig: None,
        result: Err(ReadError::Io(IoFailure::from(e))),
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // 0700, or 2770 inside a dir shared by a staff group.
        let mode = dir.parent().map_or(0o700, super::permissions::dir_mode_for);
        fs::set_permissions(dir, fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_io_failure_keeps_its_kind_and_says_what_became_of_the_save() {
        let full = IoFailure::new(io::ErrorKind::StorageFull, "No space left on device");
        let at = |step| {
            SaveError::Io(SaveIoError {
                file: "patients/p-1.json".into(),
                step,
                error: full.clone(),
            })
        };
        let texts: Vec<String> = [
            SaveStep::Lock,
            SaveStep::ReadFirst,
            SaveStep::Write,
            SaveStep::Audit,
        ]
        .into_iter()
        .map(|step| at(step).to_string())
        .collect();
        assert_eq!(
            texts,
            [
                "patients/p-1.json not saved: No space left on device",
                "patients/p-1.json not saved: the version on disk cannot be read first: No space left on device",
                "patients/p-1.json not saved: No space left on device",
                "patients/p-1.json not saved: audit.log cannot be written: No space left on device",
            ]
        );
        let SaveError::Io(e) = at(SaveStep::Write) else {
            unreachable!()
        };
        assert_eq!(e.kind(), io::ErrorKind::StorageFull);
    }

    #[test]
    fn a_protected_file_says_why_or_that_it_could_not_be_read() {
        let unreadable = |why| {
            SaveError::Protected(ProtectedFile::Unreadable {
                file: "patients/p-1.json".into(),
                why,
            })
            .to_string()
        };
        assert_eq!(
            unreadable(None),
            "patients/p-1.json could not be read; it is left untouched, not saved"
        );
        let newer = ReadError::Decode(DecodeError::FutureVersion(9));
        assert_eq!(
            unreadable(Some(newer)),
            format!(
                "patients/p-1.json was written by a newer needleplan (schema_version 9, this one reads up to {}); left untouched; it is left untouched, not saved",
                crate::store::patient_file::SCHEMA_VERSION
            )
        );
        let wrong = ReadError::WrongId {
            found: PatientId::new("p-2").unwrap(),
            stem: "p-1".into(),
        };
        assert_eq!(wrong.to_string(), "holds patient id 'p-2', not 'p-1'");
    }
}
