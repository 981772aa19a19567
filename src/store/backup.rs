//! `needleplan backup` and `needleplan restore`.
//!
//! A backup is a plain folder (mode `0700`, files `0600`) holding copies of the data
//! files and a `manifest.json` that lists each with its size and SHA-256:
//!
//! ```text
//! needleplan-backup-20261125-093012/
//!   manifest.json      {schema_version, created, source, files: [{path, bytes, sha256}]}
//!   patients/<id>.json
//!   clinic.json, protocols.json, aftercare.json   when the data dir has them
//!   audit.log                                     when the data dir has one
//! ```
//!
//! The files are read under the store lock (`store::lock`), so no save lands half-way through the copy.
//! The manifest is written last: a folder without one is an unfinished backup, and
//! `restore` refuses it. `restore` checks every file against the manifest before it
//! writes anything, and only writes into an empty (or new) data dir.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Local, SecondsFormat};
use serde::{Deserialize, Serialize};

use super::audit::{AUDIT_FILE, sha256_hex};
use super::clinic_file::CLINIC_FILE;
use super::lock::{DirLock, LOCK_FILE};
use super::paths::PATIENTS_DIR;
use super::permissions;
use super::templates::{AFTERCARE_FILE, PROTOCOLS_FILE};

pub const MANIFEST_FILE: &str = "manifest.json";
pub const MANIFEST_SCHEMA: u64 = 1;

/// The files of the data dir's top level that a backup carries, when present.
const TOP_LEVEL_FILES: [&str; 4] = [CLINIC_FILE, PROTOCOLS_FILE, AFTERCARE_FILE, AUDIT_FILE];

/// How long `backup` and `restore` wait for a save in another process to finish.
const LOCK_WAIT: Duration = Duration::from_secs(15);

/// Data files as `(relative path, bytes)`.
pub type Files = Vec<(String, Vec<u8>)>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u64,
    /// Local time with offset, ISO 8601.
    pub created: String,
    /// The data dir the backup was taken from.
    pub source: String,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Relative, `/`-separated: `patients/p-1a2b3c4d.json`, `audit.log`.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub dest: PathBuf,
    /// Files copied, the manifest not counted.
    pub files: usize,
    pub patient_files: usize,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreSummary {
    pub target: PathBuf,
    pub files: usize,
    pub patient_files: usize,
    pub bytes: u64,
    /// When the backup was taken, from its manifest.
    pub created: String,
}

/// Why a backup or a restore did not happen, or stopped (a stopped restore removes what
/// it wrote; a stopped backup leaves a folder without a manifest, which no restore takes).
/// Each variant says which check or step failed; the OS's error is kept whole.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("data dir {} does not exist", .0.display())]
    NoDataDir(PathBuf),
    /// `what` is "backup destination" or "restore target".
    #[error("{what} {} is not empty (it holds {entry}); choose an empty or new dir", .dir.display())]
    NotEmpty {
        what: &'static str,
        dir: PathBuf,
        entry: String,
    },
    #[error("{what} {} exists and is not a readable dir", .dir.display())]
    NotADir { what: &'static str, dir: PathBuf },
    #[error("cannot read {what} {}: {error}", .dir.display())]
    CannotReadDir {
        what: &'static str,
        dir: PathBuf,
        error: io::Error,
    },
    /// Another process held the data dir's lock too long.
    #[error("{0}; nothing was copied")]
    Lock(io::Error),
    #[error("cannot create {}: {error}", .dir.display())]
    CreateDir { dir: PathBuf, error: io::Error },
    /// A file or listing of the data dir, or the backup's manifest, could not be read;
    /// `what` names it as the message shows it.
    #[error("cannot read {what}: {error}")]
    CannotRead { what: String, error: io::Error },
    #[error("cannot list {what}: {error}")]
    CannotList { what: String, error: io::Error },
    #[error("backup to {} failed: {error}; that folder has no {MANIFEST_FILE} and cannot be restored", .dest.display())]
    BackupFailed { dest: PathBuf, error: io::Error },
    #[error("restore into {} failed: {error}; the files written were removed again", .target.display())]
    RestoreFailed { target: PathBuf, error: io::Error },
    #[error("{} is not a complete needleplan backup: it has no {MANIFEST_FILE}", .0.display())]
    NoManifest(PathBuf),
    #[error("{MANIFEST_FILE} in {} cannot be read: {error}", .dir.display())]
    BadManifest { dir: PathBuf, error: serde_json::Error },
    #[error("{MANIFEST_FILE} has schema_version {0}; this needleplan reads {MANIFEST_SCHEMA}")]
    ManifestVersion(u64),
    #[error("{MANIFEST_FILE} lists an unexpected path: {0:?}")]
    UnexpectedPath(String),
    #[error("{MANIFEST_FILE} lists {0} twice")]
    ListedTwice(String),
    #[error("{path} is missing or unreadable in the backup: {error}")]
    MissingFile { path: String, error: io::Error },
    #[error(
        "{path} does not match the manifest: {bytes} bytes, the manifest says {listed}; nothing was restored"
    )]
    SizeMismatch { path: String, bytes: u64, listed: u64 },
    #[error(
        "{0} does not match the manifest (its SHA-256 differs: changed since the backup); nothing was restored"
    )]
    HashMismatch(String),
    #[error("the backup holds {0}, which its manifest does not list; nothing was restored")]
    Unlisted(String),
}

/// Takes the store lock of `dir` (`store::lock`, the one every save takes), waiting up
/// to `wait` for a save in another process to finish.
fn lock_data_dir_within(dir: &Path, wait: Duration) -> Result<DirLock, BackupError> {
    DirLock::acquire(dir, wait).map_err(BackupError::Lock)
}

/// `needleplan-backup-YYYYMMDD-HHMMSS`, the default backup folder name.
pub fn default_backup_name(now: DateTime<Local>) -> String {
    format!("needleplan-backup-{}", now.format("%Y%m%d-%H%M%S"))
}

/// Copies the data files of `data_dir` into `dest` (new, or an empty dir) with a
/// manifest. The source is read under the store lock, so the copy is one consistent
/// moment of the clinic.
pub fn backup(data_dir: &Path, dest: &Path) -> Result<BackupSummary, BackupError> {
    if !data_dir.is_dir() {
        return Err(BackupError::NoDataDir(data_dir.to_path_buf()));
    }
    check_empty_or_absent(dest, "backup destination", false)?;

    let snapshot = {
        let _lock = lock_data_dir_within(data_dir, LOCK_WAIT)?;
        read_snapshot(data_dir)?
    };

    create_dir_with_mode(dest, 0o700).map_err(|error| BackupError::CreateDir {
        dir: dest.to_path_buf(),
        error,
    })?;
    let written = (|| -> io::Result<Vec<ManifestFile>> {
        if snapshot
            .iter()
            .any(|(p, _)| p.starts_with(&format!("{PATIENTS_DIR}/")))
        {
            create_dir_with_mode(&dest.join(PATIENTS_DIR), 0o700)?;
        }
        let mut files = Vec::new();
        for (rel, bytes) in &snapshot {
            write_new_file(&dest.join(rel), bytes, 0o600)?;
            files.push(ManifestFile {
                path: rel.clone(),
                bytes: bytes.len() as u64,
                sha256: sha256_hex(bytes),
            });
        }
        sync_dir(&dest.join(PATIENTS_DIR))?;
        let manifest = Manifest {
            schema_version: MANIFEST_SCHEMA,
            created: Local::now().to_rfc3339_opts(SecondsFormat::Secs, false),
            source: fs::canonicalize(data_dir)
                .unwrap_or_else(|_| data_dir.to_path_buf())
                .display()
                .to_string(),
            files: files.clone(),
        };
        let mut text = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
        text.push(b'\n');
        write_new_file(&dest.join(MANIFEST_FILE), &text, 0o600)?;
        sync_dir(dest)?;
        Ok(files)
    })()
    .map_err(|error| BackupError::BackupFailed {
        dest: dest.to_path_buf(),
        error,
    })?;

    Ok(BackupSummary {
        dest: dest.to_path_buf(),
        files: written.len(),
        patient_files: written.iter().filter(|f| is_patient_path(&f.path)).count(),
        bytes: written.iter().map(|f| f.bytes).sum(),
    })
}

/// The bytes of every data file, as `(relative path, bytes)`, sorted by path.
fn read_snapshot(data_dir: &Path) -> Result<Files, BackupError> {
    let read = |rel: &str| {
        fs::read(data_dir.join(rel)).map_err(|error| BackupError::CannotRead {
            what: rel.to_string(),
            error,
        })
    };
    let mut out = Vec::new();
    for name in TOP_LEVEL_FILES {
        if data_dir.join(name).is_file() {
            out.push((name.to_string(), read(name)?));
        }
    }
    let patients = data_dir.join(PATIENTS_DIR);
    if patients.is_dir() {
        let mut names: Vec<String> = fs::read_dir(&patients)
            .map_err(|error| BackupError::CannotList {
                what: format!("{PATIENTS_DIR}/"),
                error,
            })?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| is_patient_file_name(n))
            .collect();
        names.sort();
        for n in names {
            let rel = format!("{PATIENTS_DIR}/{n}");
            let bytes = read(&rel)?;
            out.push((rel, bytes));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// `<something>.json` that is not hidden: leftover `.tmp-*` files of an interrupted save
/// are not records and stay behind.
fn is_patient_file_name(name: &str) -> bool {
    name.ends_with(".json") && !name.starts_with('.') && name.len() > ".json".len()
}

fn is_patient_path(rel: &str) -> bool {
    rel.strip_prefix(&format!("{PATIENTS_DIR}/"))
        .is_some_and(|n| !n.contains('/') && is_patient_file_name(n))
}

/// Only the paths a backup writes are accepted from a manifest: nothing absolute, no
/// `..`, nothing outside `patients/` and the known top-level files.
fn is_allowed_path(rel: &str) -> bool {
    let plain = Path::new(rel)
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    plain && (TOP_LEVEL_FILES.contains(&rel) || is_patient_path(rel))
}

/// Brings the backup in `backup_dir` back into `target`, which must be absent or empty
/// (an empty `patients/` folder and a lock file are allowed). Every file is checked
/// against the manifest first; on any mismatch nothing is written.
pub fn restore(backup_dir: &Path, target: &Path) -> Result<RestoreSummary, BackupError> {
    let (manifest, files) = read_verified(backup_dir)?;
    check_empty_or_absent(target, "restore target", true)?;

    let created_target = !target.exists();
    if created_target {
        create_dir_with_mode(target, 0o700).map_err(|error| BackupError::CreateDir {
            dir: target.to_path_buf(),
            error,
        })?;
    }
    let _lock = lock_data_dir_within(target, LOCK_WAIT)?;
    // Checked again under the lock: a needleplan started meanwhile may have saved.
    check_empty_or_absent(target, "restore target", true)?;

    let mut written: Vec<PathBuf> = Vec::new();
    let result = (|| -> io::Result<()> {
        let file_mode = permissions::file_mode_for(target);
        let patients = target.join(PATIENTS_DIR);
        if files.iter().any(|(p, _)| is_patient_path(p)) && !patients.exists() {
            create_dir_with_mode(&patients, permissions::dir_mode_for(target))?;
        }
        for (rel, bytes) in &files {
            let path = target.join(rel);
            write_new_file(&path, bytes, file_mode)?;
            written.push(path);
        }
        sync_dir(&patients)?;
        sync_dir(target)
    })();
    if let Err(error) = result {
        for path in written.iter().rev() {
            let _ = fs::remove_file(path);
        }
        return Err(BackupError::RestoreFailed {
            target: target.to_path_buf(),
            error,
        });
    }
    Ok(RestoreSummary {
        target: target.to_path_buf(),
        files: files.len(),
        patient_files: files.iter().filter(|(p, _)| is_patient_path(p)).count(),
        bytes: files.iter().map(|(_, b)| b.len() as u64).sum(),
        created: manifest.created,
    })
}

/// Reads the manifest and every file it lists, checking sizes and hashes, and that the
/// folder holds no file the manifest does not list.
pub fn read_verified(backup_dir: &Path) -> Result<(Manifest, Files), BackupError> {
    let manifest_path = backup_dir.join(MANIFEST_FILE);
    let text = fs::read(&manifest_path).map_err(|error| {
        if error.kind() == io::ErrorKind::NotFound {
            BackupError::NoManifest(backup_dir.to_path_buf())
        } else {
            BackupError::CannotRead {
                what: manifest_path.display().to_string(),
                error,
            }
        }
    })?;
    let manifest: Manifest = serde_json::from_slice(&text).map_err(|error| BackupError::BadManifest {
        dir: backup_dir.to_path_buf(),
        error,
    })?;
    if manifest.schema_version != MANIFEST_SCHEMA {
        return Err(BackupError::ManifestVersion(manifest.schema_version));
    }
    let mut listed = BTreeSet::new();
    let mut files = Vec::new();
    for f in &manifest.files {
        if !is_allowed_path(&f.path) {
            return Err(BackupError::UnexpectedPath(f.path.clone()));
        }
        if !listed.insert(f.path.clone()) {
            return Err(BackupError::ListedTwice(f.path.clone()));
        }
        let bytes = fs::read(backup_dir.join(&f.path)).map_err(|error| BackupError::MissingFile {
            path: f.path.clone(),
            error,
        })?;
        if bytes.len() as u64 != f.bytes {
            return Err(BackupError::SizeMismatch {
                path: f.path.clone(),
                bytes: bytes.len() as u64,
                listed: f.bytes,
            });
        }
        if sha256_hex(&bytes) != f.sha256 {
            return Err(BackupError::HashMismatch(f.path.clone()));
        }
        files.push((f.path.clone(), bytes));
    }
    let present = files_in(backup_dir).map_err(|error| BackupError::CannotList {
        what: backup_dir.display().to_string(),
        error,
    })?;
    for rel in present {
        if rel != MANIFEST_FILE && !listed.contains(&rel) {
            return Err(BackupError::Unlisted(rel));
        }
    }
    Ok((manifest, files))
}

/// Every file under `root` (one level of folders, as a backup has), `/`-separated.
fn files_in(root: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    for e in fs::read_dir(root)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type()?.is_dir() {
            for sub in fs::read_dir(e.path())? {
                let sub = sub?;
                out.push(format!("{name}/{}", sub.file_name().to_string_lossy()));
            }
        } else {
            out.push(name);
        }
    }
    Ok(out)
}

/// `Ok` when `dir` does not exist or is an empty dir. A data dir (`data_dir_ok`) may
/// also hold an empty `patients/` folder and the lock file: what opening needleplan on
/// it once leaves.
fn check_empty_or_absent(dir: &Path, what: &'static str, data_dir_ok: bool) -> Result<(), BackupError> {
    let cannot_read = |error| BackupError::CannotReadDir {
        what,
        dir: dir.to_path_buf(),
        error,
    };
    let entries = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(_) if dir.exists() => {
            return Err(BackupError::NotADir {
                what,
                dir: dir.to_path_buf(),
            });
        }
        Err(e) => return Err(cannot_read(e)),
    };
    for e in entries {
        let e = e.map_err(cannot_read)?;
        let name = e.file_name().to_string_lossy().into_owned();
        let harmless = data_dir_ok
            && (name == LOCK_FILE
                || (name == PATIENTS_DIR
                    && e.file_type().is_ok_and(|t| t.is_dir())
                    && fs::read_dir(e.path()).is_ok_and(|mut rd| rd.next().is_none())));
        if !harmless {
            return Err(BackupError::NotEmpty {
                what,
                dir: dir.to_path_buf(),
                entry: name,
            });
        }
    }
    Ok(())
}

/// Creates `dir` (and missing parents) and gives `dir` exactly `mode`; an existing
/// empty dir gets `mode` too.
fn create_dir_with_mode(dir: &Path, mode: u32) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(mode & 0o777);
        builder.create(dir)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = mode;
        builder.create(dir)
    }
}

/// Writes a file that must not exist yet, with `mode`, and syncs it.
fn write_new_file(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    file.write_all(bytes)?;
    file.sync_all()
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    if dir.is_dir() {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_paths_cannot_leave_the_backup() {
        for ok in ["audit.log", "protocols.json", "patients/p-1.json"] {
            assert!(is_allowed_path(ok), "{ok}");
        }
        for bad in [
            "/etc/passwd",
            "../x.json",
            "patients/../../x.json",
            "patients/.tmp-1.json",
            "patients/a/b.json",
            "other.txt",
            "patients/",
        ] {
            assert!(!is_allowed_path(bad), "{bad}");
        }
    }

    #[test]
    fn the_default_name_sorts_by_time() {
        let t = chrono::TimeZone::with_ymd_and_hms(&Local, 2026, 11, 25, 9, 30, 12).unwrap();
        assert_eq!(default_backup_name(t), "needleplan-backup-20261125-093012");
    }
}
