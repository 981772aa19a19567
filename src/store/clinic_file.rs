//! `<data dir>/clinic.json`: the clinic's settings,
//! `{"schema_version": 3, "revision": 7, "name": ...}`.
//!
//! - Absent: the neutral defaults (`ClinicSettings::default()`: no name, no clinicians,
//!   no rooms) are used, at revision 0, and the file is written only when someone saves
//!   the settings (the app's first-run set-up does, before anything else).
//! - Broken (not JSON, a bad field, a rule broken, a newer schema): the problem names
//!   the file and the field or line, the defaults are used, and the file is left
//!   byte-for-byte untouched: a save refuses to replace it until it is fixed by hand
//!   or moved away.
//! - Several instances share it (staff over SSH on one server). [`save_revision`] takes
//!   the data dir's lock around read-check-write, like a patient's save: a save whose
//!   revision is not the one on disk any more is a conflict, and the other user's version
//!   is returned, never overwritten. Every save is atomic and logged in `audit.log`, the
//!   line written before the file (see `audit`).
//!
//! Schema versions: 1, the first release (no revision); 2 adds `revision` (see
//! [`v1_to_v2`]); 3 adds `staff`, `phone` and `address` (see [`v2_to_v3`]).

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::de::{DeserializeSeed, IgnoredAny, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::clinic::{ClinicSettings, SettingsError};

use super::atomic::write_atomic;
use super::audit;
use super::io_failure::IoFailure;
use super::lock::{self, DirLock};

pub const CLINIC_FILE: &str = "clinic.json";
pub const CLINIC_SCHEMA: u64 = 3;

/// What the app starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicLoad {
    /// With the revision read (0 when there is no file, or it cannot be used).
    pub settings: ClinicSettings,
    /// Why the file could not be used (file and field or line named); `None` when it
    /// was read, or when there is none yet.
    pub problem: Option<String>,
    /// The file exists but could not be used: the settings screen must not save over it.
    pub read_only: bool,
    /// There is a `clinic.json` (false on first run: the defaults are in use).
    pub exists: bool,
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(CLINIC_FILE)
}

/// The settings in use when there is no usable file: the neutral defaults, at revision 0
/// (no file written yet). Never the demo clinic's.
pub fn builtin() -> ClinicSettings {
    ClinicSettings::default()
}

/// Reads `<data dir>/clinic.json`; never fails: problems come back in the result.
pub fn load(data_dir: &Path) -> ClinicLoad {
    let file = path(data_dir);
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return ClinicLoad {
                settings: builtin(),
                problem: None,
                read_only: false,
                exists: false,
            };
        }
        Err(e) => return broken(format!("{CLINIC_FILE}: cannot be read: {e}")),
    };
    match parse(&text) {
        Ok(settings) => ClinicLoad {
            settings,
            problem: None,
            read_only: false,
            exists: true,
        },
        Err(why) => broken(format!("{CLINIC_FILE}: {why}; using the built-in settings")),
    }
}

/// The `schema_version` the text says it has, if it is a whole number.
pub fn schema_version_of(text: &str) -> Option<u64> {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()?
        .get("schema_version")?
        .as_u64()
}

fn broken(problem: String) -> ClinicLoad {
    ClinicLoad {
        settings: builtin(),
        problem: Some(problem),
        read_only: true,
        exists: true,
    }
}

/// Why `clinic.json` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClinicFileError {
    /// Not JSON, or an unknown or mistyped field: serde's words, with line and column
    /// (kept as text so that the save errors carrying this one can be compared).
    #[error("{0}")]
    Json(String),
    #[error("schema_version is missing")]
    MissingVersion,
    #[error(
        "written by a newer needleplan (schema_version {0}, this one reads {CLINIC_SCHEMA}); left untouched"
    )]
    NewerVersion(u64),
    /// Not a whole number, or 0; the value as written.
    #[error("schema_version {0} is not supported (expected 1 to {CLINIC_SCHEMA})")]
    UnsupportedVersion(serde_json::Value),
    #[error("revision is not a field of schema_version 1")]
    RevisionInVersion1,
    #[error("revision is missing")]
    MissingRevision,
    #[error("revision {0} is not a whole number of saves")]
    BadRevision(serde_json::Value),
    /// A rule of the settings is broken; the field is named.
    #[error(transparent)]
    Invalid(#[from] SettingsError),
}

impl From<serde_json::Error> for ClinicFileError {
    fn from(e: serde_json::Error) -> Self {
        ClinicFileError::Json(e.to_string())
    }
}

/// Parses, migrates and validates the file's text. Messages name the line and column
/// (syntax, unknown or mistyped field) or the field (`hours.mon.close: ...`).
pub fn parse(text: &str) -> Result<ClinicSettings, ClinicFileError> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    let version = match value.get("schema_version") {
        None => return Err(ClinicFileError::MissingVersion),
        Some(v) => match v.as_u64() {
            Some(n @ 1..=CLINIC_SCHEMA) => n,
            Some(n) if n > CLINIC_SCHEMA => return Err(ClinicFileError::NewerVersion(n)),
            _ => return Err(ClinicFileError::UnsupportedVersion(v.clone())),
        },
    };
    match (version, value.get("revision")) {
        (1, Some(_)) => return Err(ClinicFileError::RevisionInVersion1),
        (1, None) => {}
        (_, None) => return Err(ClinicFileError::MissingRevision),
        (_, Some(r)) if r.as_u64().is_none() => {
            return Err(ClinicFileError::BadRevision(r.clone()));
        }
        (_, Some(_)) => {}
    }
    // Parsed again from the text (not the value) so that errors carry line and column;
    // the migration steps then work on the typed settings.
    let Envelope(mut settings) = serde_json::from_str(text)?;
    for step in STEPS.iter().skip((version - 1) as usize) {
        step(&mut settings);
    }
    settings.validate()?;
    Ok(settings)
}

/// `STEPS[i]` brings a file of version `i + 1` to version `i + 2`. A change of the format
/// bumps `CLINIC_SCHEMA`, adds a step here and a sample under `tests/samples/`.
const STEPS: [fn(&mut ClinicSettings); (CLINIC_SCHEMA - 1) as usize] = [v1_to_v2, v2_to_v3];

/// v2 counts saves in `revision`. A v1 file was saved once at least, so it is revision 1
/// (revision 0 is "no file"), and an edit started from it is checked against that.
fn v1_to_v2(settings: &mut ClinicSettings) {
    settings.revision = 1;
}

/// v3 adds the staff list and the clinic's phone and address line, all empty in a v2
/// file (an empty staff list means no roles are enforced, as before). Nothing to move;
/// the bump is there so that an older needleplan meeting these fields says the file is
/// from a newer version, and leaves it alone, instead of calling it broken.
fn v2_to_v3(_settings: &mut ClinicSettings) {}

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    schema_version: u64,
    #[serde(flatten)]
    settings: &'a ClinicSettings,
}

/// The file's text for `settings`: pretty JSON, `schema_version` first, then `revision`.
pub fn to_json(settings: &ClinicSettings) -> String {
    let mut text = serde_json::to_string_pretty(&EnvelopeOut {
        schema_version: CLINIC_SCHEMA,
        settings,
    })
    .expect("settings serialise");
    text.push('\n');
    text
}

/// Why a save of the settings did not happen. In every case `clinic.json` did not change
/// (an `Io` failure of the write leaves its audit line, an interrupted save).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClinicSaveError {
    /// Another user saved the settings since this edit began: their version (as on disk,
    /// with its revision), which is kept.
    #[error(
        "{CLINIC_FILE} not saved: another user changed the settings first (now revision {})",
        .0.revision
    )]
    Conflict(Box<ClinicSettings>),
    /// The settings break a rule (the field is named).
    #[error("not saved: {0}")]
    Invalid(SettingsError),
    /// The `clinic.json` on disk cannot be read: it is never overwritten.
    #[error("not saved: the {CLINIC_FILE} on disk cannot be read ({0}); fix it or move it away first")]
    Protected(ClinicFileError),
    /// The disk refused, or the lock could not be taken.
    #[error(transparent)]
    Io(ClinicIoError),
}

/// The disk refused a save of `clinic.json`: the step, and the OS's error (its kind kept).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClinicIoError {
    /// The data dir's lock could not be taken (another instance held it too long).
    #[error("{CLINIC_FILE} not saved: {0}")]
    Lock(IoFailure),
    /// The version on disk, read to check its revision, could not be read.
    #[error("{CLINIC_FILE} not saved: the version on disk cannot be read first: {0}")]
    ReadFirst(IoFailure),
    #[error("{CLINIC_FILE} not saved: {0}")]
    Write(IoFailure),
    /// The audit line (written first) could not be written: nothing was.
    #[error("{CLINIC_FILE} not saved: audit.log cannot be written: {0}")]
    Audit(IoFailure),
}

impl ClinicIoError {
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            ClinicIoError::Lock(e)
            | ClinicIoError::ReadFirst(e)
            | ClinicIoError::Write(e)
            | ClinicIoError::Audit(e) => e.kind,
        }
    }
}

/// Saves `settings` if the file on disk is still at `settings.revision` (the version the
/// edit started from), atomically and under the data dir's lock, and logs it. Returns
/// the new revision. The same settings already on disk (a retry after a failure that
/// happened after the rename) are not written again.
pub fn save_revision(
    data_dir: &Path,
    settings: &ClinicSettings,
    wait: Duration,
) -> Result<u64, ClinicSaveError> {
    write_locked(data_dir, settings, Some(settings.revision), wait)
}

/// Writes `settings` as the next revision of whatever is on disk, knowingly replacing it
/// (for tools and tests that write a whole clinic; the app uses [`save_revision`]). Under
/// the lock, atomic and logged like any save; refused when the rules are broken or the
/// file on disk cannot be read.
pub fn save(data_dir: &Path, settings: &ClinicSettings) -> Result<(), ClinicSaveError> {
    write_locked(data_dir, settings, None, lock::DEFAULT_WAIT).map(|_| ())
}

/// The read-check-write. `base`: the revision the edit started from (`None`: any).
fn write_locked(
    data_dir: &Path,
    settings: &ClinicSettings,
    base: Option<u64>,
    wait: Duration,
) -> Result<u64, ClinicSaveError> {
    let io =
        |step: fn(IoFailure) -> ClinicIoError, e: io::Error| ClinicSaveError::Io(step(IoFailure::from(e)));
    settings.validate().map_err(ClinicSaveError::Invalid)?;
    let _lock = DirLock::acquire(data_dir, wait).map_err(|e| io(ClinicIoError::Lock, e))?;
    let file = path(data_dir);
    // The settings on disk, and whether they are a first-release file (schema_version 1,
    // no revision and no audit log then).
    let (on_disk, first_release) = match std::fs::read_to_string(&file) {
        Ok(text) => (
            Some(parse(&text).map_err(ClinicSaveError::Protected)?),
            schema_version_of(&text) == Some(1),
        ),
        Err(e) if e.kind() == io::ErrorKind::NotFound => (None, false),
        Err(e) => return Err(io(ClinicIoError::ReadFirst, e)),
    };
    let before = on_disk.as_ref().map(|t| t.revision);
    if let (Some(base), Some(theirs)) = (base, on_disk)
        && theirs.revision != base
    {
        if theirs.same_content(settings) {
            return Ok(theirs.revision);
        }
        return Err(ClinicSaveError::Conflict(Box::new(theirs)));
    }
    // A file moved away since the edit began holds nothing to lose; the count goes on
    // from the edit's base so that it never goes back.
    let revision = before.unwrap_or(0).max(base.unwrap_or(0)) + 1;
    let new = ClinicSettings {
        revision,
        ..settings.clone()
    };
    // The audit line first, synced: a revision on disk always has its line. If it cannot
    // be written nothing is written at all; a retry reuses the line of an attempt that
    // did not reach the disk.
    let mut intent = audit::Intent::clinic(before, revision);
    intent.before_unlogged = first_release;
    audit::log_intent(data_dir, &intent).map_err(|e| io(ClinicIoError::Audit, e))?;
    write_atomic(&file, to_json(&new).as_bytes()).map_err(|e| io(ClinicIoError::Write, e))?;
    Ok(revision)
}

/// What identifies one version of `clinic.json` without reading it: every save makes a
/// new file (temp + rename), so the inode changes with the size and times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    len: u64,
    mtime: Option<SystemTime>,
    ino: u64,
    ctime: (i64, i64),
}

/// Timestamps this close to "now" may not change with a second save in the same clock
/// tick of the filesystem: such a stamp is not trusted, and the file is read again.
const RACY: Duration = Duration::from_secs(2);

impl FileStamp {
    /// Whether the stamp can be trusted to change with the next save.
    pub fn settled(&self, now: SystemTime) -> bool {
        self.mtime
            .is_some_and(|t| now.duration_since(t).is_ok_and(|age| age >= RACY))
    }
}

/// One `stat` of `clinic.json`: `None` when there is none.
pub fn stamp(data_dir: &Path) -> io::Result<Option<FileStamp>> {
    let meta = match std::fs::metadata(path(data_dir)) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    #[cfg(unix)]
    let (ino, ctime) = {
        use std::os::unix::fs::MetadataExt;
        (meta.ino(), (meta.ctime(), meta.ctime_nsec()))
    };
    #[cfg(not(unix))]
    let (ino, ctime) = (0, (0, 0));
    Ok(Some(FileStamp {
        len: meta.len(),
        mtime: meta.modified().ok(),
        ino,
        ctime,
    }))
}

/// `ClinicSettings` read from the file's top-level object, skipping `schema_version`
/// (already checked) so that every other unknown key is still refused.
struct Envelope(ClinicSettings);

impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EnvelopeVisitor)
    }
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Envelope;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("the clinic settings object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Envelope, A::Error> {
        let inner = serde::de::value::MapAccessDeserializer::new(SkipVersion(map));
        ClinicSettings::deserialize(inner).map(Envelope)
    }
}

struct SkipVersion<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for SkipVersion<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        loop {
            match self.0.next_key::<String>()? {
                None => return Ok(None),
                Some(key) if key == "schema_version" => {
                    self.0.next_value::<IgnoredAny>()?;
                }
                Some(key) => return seed.deserialize(key.into_deserializer()).map(Some),
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.0.next_value_seed(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A first-release (schema_version 1) file.
    const BUILTIN: &str = include_str!("../../tests/samples/clinic/v1.json");

    #[test]
    fn without_a_file_the_settings_are_the_neutral_defaults() {
        assert_eq!(builtin(), ClinicSettings::default());
        assert!(builtin().name.is_empty() && builtin().clinicians.is_empty());
    }

    #[test]
    fn written_text_reads_back_and_starts_with_the_version() {
        let saved = ClinicSettings {
            revision: 4,
            ..crate::store::demo::demo_settings()
        };
        let text = to_json(&saved);
        assert!(
            text.starts_with("{\n  \"schema_version\": 3,\n  \"revision\": 4,"),
            "{text}"
        );
        assert!(text.contains("\"open\": \"09:00\""), "{text}");
        assert_eq!(parse(&text), Ok(saved));
    }

    #[test]
    fn unknown_and_mistyped_fields_are_named_with_their_line() {
        let text = BUILTIN.replace("\"closed_dates\"", "\"closd_dates\"");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("closd_dates") && e.contains("line 13"), "{e}");

        let text = BUILTIN.replace("\"09:00\", \"close\": \"13:00\"", "\"9am\", \"close\": \"13:00\"");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("'9am' is not a time") && e.contains("line 10"), "{e}");
    }

    #[test]
    fn a_rule_broken_names_the_field() {
        let text = BUILTIN.replace("\"default_minutes\": 60", "\"default_minutes\": 2");
        let e = parse(&text).unwrap_err();
        assert!(
            matches!(&e, ClinicFileError::Invalid(s) if s.field == "default_minutes"),
            "{e:?}"
        );
        assert!(e.to_string().starts_with("default_minutes:"), "{e}");
    }

    #[test]
    fn versions_are_checked_first() {
        let e = parse(&BUILTIN.replace("\"schema_version\": 1", "\"schema_version\": 7")).unwrap_err();
        assert_eq!(e, ClinicFileError::NewerVersion(7));
        assert_eq!(
            e.to_string(),
            "written by a newer needleplan (schema_version 7, this one reads 3); left untouched"
        );
        let e = parse(&BUILTIN.replace("\"schema_version\": 1,", "")).unwrap_err();
        assert_eq!(e.to_string(), "schema_version is missing");
        let e = parse(&BUILTIN.replace("\"schema_version\": 1", "\"schema_version\": \"one\"")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "schema_version \"one\" is not supported (expected 1 to 3)"
        );
    }

    #[test]
    fn a_version_1_file_is_migrated_to_revision_1_and_version_2_needs_a_revision() {
        assert_eq!(parse(BUILTIN).unwrap().revision, 1);
        let v2 = BUILTIN.replace("\"schema_version\": 1,", "\"schema_version\": 2,");
        assert_eq!(parse(&v2).unwrap_err().to_string(), "revision is missing");
        let with = v2.replace("\"name\"", "\"revision\": \"x\", \"name\"");
        assert_eq!(
            parse(&with).unwrap_err().to_string(),
            "revision \"x\" is not a whole number of saves"
        );
        let v1_with = BUILTIN.replace("\"name\"", "\"revision\": 3, \"name\"");
        assert_eq!(
            parse(&v1_with).unwrap_err().to_string(),
            "revision is not a field of schema_version 1"
        );
    }
}
