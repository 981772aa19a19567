//! `needleplan doctor`: reads every file of a data dir without changing anything and
//! reports, one finding per line, what needleplan would stumble on: patient files that
//! do not parse (with line and column), are from a newer version or hold another id,
//! are not regular files (links, FIFOs, devices: never followed or opened) or are over
//! the size cap, temporary files left by an interrupted save, broken template or clinic
//! files, permissions that let others read patient files, breaks in the audit chain, and
//! revisions missing from it: every revision of every record, from its creation to the
//! one on disk, must be logged in order (`audit_chain`). A missing, empty or cut log while
//! records have revisions is a problem naming each record's first missing revision.
//!
//! Lines start with `ok`, `PROBLEM` (counted; the command exits non-zero), `note` or
//! (with `--fix`) `fixed`. Findings name files by their path in the data dir, never a
//! patient's name.
//!
//! `doctor --fix` ([`fix`]) repairs the one thing that is always safe to repair: under the
//! data dir's lock, so that no save is half-way, it removes `.tmp-*` files older than a
//! minute from the data dir and `patients/` (a record is never a `.tmp-` file), then
//! checks everything as `doctor` does.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde::Deserialize;

use crate::domain::patient::Patient;

use super::audit::{self, AUDIT_FILE, AuditAction, AuditEntry};
use super::audit_chain::{self, Kind, OnDisk};
use super::clinic_file::{self, CLINIC_FILE};
use super::lock::{self, DirLock};
use super::paths::PATIENTS_DIR;
use super::patient_file::{self, DecodeError};
use super::patients::ReadError;
use super::permissions;
use super::regular_file::{MAX_PATIENT_FILE_BYTES, NotRead, read_regular};
use super::templates::Templates;

/// A temporary file younger than this may belong to a save happening right now.
const TMP_GRACE: Duration = Duration::from_secs(60);

/// Findings of the audit history listed one per line, of each kind; the rest are counted
/// in one line (a wiped log on a large clinic would otherwise fill the screen).
const LISTED: usize = 20;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoctorReport {
    pub lines: Vec<String>,
    pub problems: usize,
}

impl DoctorReport {
    fn ok(&mut self, text: impl AsRef<str>) {
        self.lines.push(format!("ok       {}", text.as_ref()));
    }
    fn note(&mut self, text: impl AsRef<str>) {
        self.lines.push(format!("note     {}", text.as_ref()));
    }
    fn problem(&mut self, text: impl AsRef<str>) {
        self.lines.push(format!("PROBLEM  {}", text.as_ref()));
        self.problems += 1;
    }
    /// One line standing for `n` problems.
    fn problems_unlisted(&mut self, text: impl AsRef<str>, n: usize) {
        self.lines.push(format!("PROBLEM  {}", text.as_ref()));
        self.problems += n;
    }
    fn fixed(&mut self, text: impl AsRef<str>) {
        self.lines.push(format!("fixed    {}", text.as_ref()));
    }

    pub fn is_clean(&self) -> bool {
        self.problems == 0
    }
}

/// Checks everything in `data_dir`; reads only.
pub fn run(data_dir: &Path) -> DoctorReport {
    let mut r = DoctorReport::default();
    r.lines.push(format!("needleplan doctor: {}", data_dir.display()));
    check(data_dir, r)
}

/// `doctor --fix`: removes the temp files left by interrupted saves (older than a minute;
/// a younger one may be a save in progress), under the lock, says what it removed, then
/// checks everything. Clean only when nothing else is wrong.
pub fn fix(data_dir: &Path) -> DoctorReport {
    fix_waiting(data_dir, lock::DEFAULT_WAIT)
}

/// [`fix`], waiting up to `wait` for a save in progress to release the lock.
pub fn fix_waiting(data_dir: &Path, wait: Duration) -> DoctorReport {
    let mut r = DoctorReport::default();
    r.lines
        .push(format!("needleplan doctor --fix: {}", data_dir.display()));
    if data_dir.is_dir() {
        match DirLock::acquire(data_dir, wait) {
            Ok(_lock) => {
                remove_old_tmp_files(data_dir, "", &mut r);
                remove_old_tmp_files(&data_dir.join(PATIENTS_DIR), &format!("{PATIENTS_DIR}/"), &mut r);
            }
            Err(e) => r.problem(format!("nothing removed: {e}")),
        }
    }
    check(data_dir, r)
}

/// Removes `.tmp-*` files in `dir` older than [`TMP_GRACE`]. Only plain files whose name
/// starts with `.tmp-`: records, the lock, the log and anything else are never touched.
fn remove_old_tmp_files(dir: &Path, prefix: &str, r: &mut DoctorReport) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut old: Vec<(String, Duration)> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
        .filter_map(|e| {
            let meta = e.path().symlink_metadata().ok()?;
            let age = SystemTime::now().duration_since(meta.modified().ok()?).ok()?;
            (meta.is_file() && age >= TMP_GRACE).then(|| (e.file_name().to_string_lossy().into_owned(), age))
        })
        .collect();
    old.sort();
    for (name, age) in old {
        match std::fs::remove_file(dir.join(&name)) {
            Ok(()) => r.fixed(format!(
                "removed {prefix}{name}, left over from a save interrupted {} ago",
                age_text(age)
            )),
            Err(e) => r.problem(format!("{prefix}{name} could not be removed: {e}")),
        }
    }
}

fn age_text(age: Duration) -> String {
    let s = age.as_secs();
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        7200..=172_799 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

fn check(data_dir: &Path, mut r: DoctorReport) -> DoctorReport {
    if !data_dir.is_dir() {
        r.problem(format!(
            "data dir {} does not exist or is not a dir",
            data_dir.display()
        ));
        r.lines.push(summary(0, r.problems));
        return r;
    }

    let (checked, records) = check_patients(data_dir, &mut r);
    check_tmp_files(data_dir, "", &mut r);
    let clinic = check_other_files(data_dir, &mut r);

    let warnings = permissions::check(data_dir);
    if warnings.is_empty() {
        r.ok("permissions: only the owner (or the data dir's staff group) can read the data");
    }
    for w in warnings {
        r.problem(format!("permissions: {w}"));
    }

    check_audit(data_dir, &records, clinic, &mut r);
    let problems = r.problems;
    r.lines.push(summary(checked, problems));
    r
}

fn summary(checked: usize, problems: usize) -> String {
    format!(
        "checked {checked} patient file{}, {problems} problem{}",
        if checked == 1 { "" } else { "s" },
        if problems == 1 { "" } else { "s" }
    )
}

/// Reads every `patients/*.json`. Returns how many were checked and, by file stem, what
/// each is on disk: its revision when it loaded, unknown when it did not.
fn check_patients(data_dir: &Path, r: &mut DoctorReport) -> (usize, BTreeMap<String, OnDisk>) {
    let mut revisions = BTreeMap::new();
    let dir = data_dir.join(PATIENTS_DIR);
    if !dir.is_dir() {
        r.note(format!("{PATIENTS_DIR}/ does not exist yet (no patient saved)"));
        return (0, revisions);
    }
    let mut names: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) => {
            r.problem(format!("{PATIENTS_DIR}/ cannot be listed: {e}"));
            return (0, revisions);
        }
    };
    names.sort();
    check_tmp_files(&dir, &format!("{PATIENTS_DIR}/"), r);
    let mut checked = 0;
    let mut bad = 0;
    for name in names {
        let rel = format!("{PATIENTS_DIR}/{name}");
        if name.starts_with('.') {
            continue; // temporary files, reported above
        }
        let Some(stem) = name.strip_suffix(".json") else {
            if dir.join(&name).is_file() {
                r.note(format!(
                    "{rel} is not a patient file (not *.json); needleplan ignores it"
                ));
            }
            continue;
        };
        // As the app reads it: a link is not followed, a FIFO or device never opened
        // (reading a FIFO would hang here), a file over the cap never read.
        let read = read_regular(&dir.join(&name), MAX_PATIENT_FILE_BYTES);
        if matches!(read, Err(NotRead::Missing)) {
            continue; // gone since the listing
        }
        checked += 1;
        // Until it is read: there, revision unknown.
        revisions.insert(stem.to_string(), OnDisk::Unknown);
        let bytes = match read {
            Ok((b, _)) => b,
            Err(NotRead::Missing) => continue,
            Err(NotRead::Io(e)) => {
                bad += 1;
                r.problem(format!("{rel} cannot be read: {e}"));
                continue;
            }
            Err(NotRead::NotRegular { kind, .. }) => {
                bad += 1;
                r.problem(format!("{rel} {}", ReadError::NotRegular(kind)));
                continue;
            }
            Err(NotRead::TooLarge { bytes, cap, .. }) => {
                bad += 1;
                r.problem(format!("{rel} {}", ReadError::TooLarge { bytes, cap }));
                continue;
            }
        };
        match patient_file::decode(&bytes) {
            Ok(p) if p.id.as_str() != stem => {
                bad += 1;
                r.problem(format!(
                    "{rel} holds patient id '{}', not '{stem}': needleplan will not load it",
                    p.id
                ));
            }
            Ok(p) => {
                let first_release = patient_file::schema_version(&bytes) == Some(1);
                revisions.insert(
                    p.id.as_str().to_string(),
                    OnDisk::At {
                        revision: p.revision,
                        first_release,
                    },
                );
            }
            Err(DecodeError::FutureVersion(v)) => {
                bad += 1;
                // Still a problem: staff on this version cannot change the record.
                let shown = match patient_file::decode_lenient(&bytes) {
                    Ok(_) => "this version shows it read-only",
                    Err(_) => "this version cannot show it",
                };
                r.problem(format!(
                    "{rel} was written by a newer needleplan (schema_version {v}; this one reads up to {}): {shown}; use the newer version",
                    patient_file::SCHEMA_VERSION
                ));
            }
            Err(DecodeError::Corrupt(why)) => {
                bad += 1;
                r.problem(format!("{rel} cannot be read: {}", with_position(&bytes, why)));
            }
        }
    }
    if bad == 0 {
        r.ok(format!(
            "{checked} patient file{} read",
            if checked == 1 { "" } else { "s" }
        ));
    }
    (checked, revisions)
}

/// The decoder checks the shape of a patient on a parsed value, which has no positions;
/// parsing the text again straight into the shape finds the line and column.
fn with_position(bytes: &[u8], why: String) -> String {
    if why.contains(" line ") {
        return why;
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Probe {
        patient: Patient,
    }
    match serde_json::from_slice::<Probe>(bytes) {
        Err(e) if e.line() > 0 => e.to_string(),
        _ => why,
    }
}

/// `.tmp-*` files left in `dir` by a save that never finished. `prefix` is how `dir`
/// is named in the report.
fn check_tmp_files(dir: &Path, prefix: &str, r: &mut DoctorReport) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut found: Vec<(String, bool)> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
        .map(|e| {
            let fresh = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age < TMP_GRACE);
            (e.file_name().to_string_lossy().into_owned(), fresh)
        })
        .collect();
    found.sort();
    for (name, fresh) in found {
        if fresh {
            r.note(format!(
                "{prefix}{name} is a save in progress (or just interrupted)"
            ));
        } else {
            r.problem(format!(
                "{prefix}{name} is left over from an interrupted save; the record it belongs to is intact: `needleplan doctor --fix` removes it"
            ));
        }
    }
}

/// `clinic.json` and the template overrides, when present, read as the app reads them.
/// Returns what `clinic.json` is on disk.
fn check_other_files(data_dir: &Path, r: &mut DoctorReport) -> OnDisk {
    let (_, problems) = Templates::load(data_dir);
    for p in problems {
        r.problem(p);
    }
    check_clinic(data_dir, r)
}

/// `clinic.json`: parses and its schema version. Returns what it is on disk, for its
/// history in the audit log.
fn check_clinic(data_dir: &Path, r: &mut DoctorReport) -> OnDisk {
    let clinic = clinic_file::load(data_dir);
    if let Some(why) = clinic.problem {
        r.problem(why);
        return OnDisk::Unknown;
    }
    if !clinic.exists {
        r.note(format!(
            "{CLINIC_FILE} does not exist yet (the built-in settings are in use)"
        ));
        return OnDisk::Missing;
    }
    let revision = clinic.settings.revision;
    let version = std::fs::read_to_string(clinic_file::path(data_dir))
        .ok()
        .and_then(|t| clinic_file::schema_version_of(&t));
    match version {
        Some(v) if v < clinic_file::CLINIC_SCHEMA => r.note(format!(
            "{CLINIC_FILE} is schema_version {v}, from an older needleplan: read as revision {revision}, \
             written as schema_version {} on the next settings save",
            clinic_file::CLINIC_SCHEMA
        )),
        _ => r.ok(format!("{CLINIC_FILE} read (revision {revision})")),
    }
    OnDisk::At {
        revision,
        first_release: version == Some(1),
    }
}

/// The hash chain, then the history of every record: each revision from its creation to
/// the one on disk is logged, in order (see `audit_chain`). `records` are the patient
/// files by stem, `clinic` is `clinic.json`.
fn check_audit(data_dir: &Path, records: &BTreeMap<String, OnDisk>, clinic: OnDisk, r: &mut DoctorReport) {
    let exists = data_dir.join(AUDIT_FILE).exists();
    if exists {
        match audit::verify(data_dir) {
            Ok(n) => r.ok(format!(
                "{AUDIT_FILE}: {n} line{}, chain intact",
                if n == 1 { "" } else { "s" }
            )),
            Err(problems) => {
                for p in problems {
                    r.problem(p.to_string());
                }
            }
        }
    }
    let entries = match audit::read_numbered(data_dir) {
        Ok(entries) => entries,
        // Named by `verify` above.
        Err(_) => return,
    };

    // Each record's lines, in log order. Settings saves have no patient id.
    let mut by_patient: BTreeMap<&str, Vec<(usize, &AuditEntry)>> = BTreeMap::new();
    let mut clinic_lines = Vec::new();
    for (n, e) in &entries {
        if e.action == AuditAction::ClinicUpdate {
            clinic_lines.push((*n, e));
        } else {
            by_patient.entry(e.patient_id.as_str()).or_default().push((*n, e));
        }
    }
    for id in records.keys() {
        by_patient.entry(id.as_str()).or_default();
    }
    let mut findings = Vec::new();
    for (id, lines) in &by_patient {
        let disk = records.get(*id).copied().unwrap_or(OnDisk::Missing);
        findings.extend(audit_chain::check(
            &format!("{PATIENTS_DIR}/{id}.json"),
            lines,
            disk,
        ));
    }
    findings.extend(audit_chain::check(CLINIC_FILE, &clinic_lines, clinic));

    // What should be logged: every record with a revision, unless the first release
    // wrote it and it has not been saved since.
    let logged_kind = |d: &OnDisk| {
        matches!(
            d,
            OnDisk::At {
                first_release: false,
                ..
            }
        )
    };
    let patients = records.values().filter(|d| logged_kind(d)).count();
    let clinic_at = logged_kind(&clinic);
    let should_have_lines = patients + usize::from(clinic_at);
    if entries.is_empty() && should_have_lines > 0 {
        r.problem(format!(
            "{AUDIT_FILE} is {}, but {should_have_lines} record{} on disk {} revisions: {} history is \
             not logged (each is named below with its first missing revision)",
            if exists { "empty" } else { "missing" },
            if should_have_lines == 1 { "" } else { "s" },
            if should_have_lines == 1 { "has" } else { "have" },
            if should_have_lines == 1 { "its" } else { "their" },
        ));
    } else if !exists {
        r.note(format!("{AUDIT_FILE} does not exist yet (no change logged)"));
    }

    let (problems, notes): (Vec<_>, Vec<_>) = findings.into_iter().partition(|f| f.kind == Kind::Problem);
    for f in problems.iter().take(LISTED) {
        r.problem(&f.text);
    }
    if problems.len() > LISTED {
        let more = problems.len() - LISTED;
        r.problems_unlisted(
            format!("{AUDIT_FILE}: {more} more records with revisions missing or out of order (not listed)"),
            more,
        );
    }
    for f in notes.iter().take(LISTED) {
        r.note(&f.text);
    }
    if notes.len() > LISTED {
        r.note(format!(
            "{AUDIT_FILE}: {} more interrupted saves or records older than the log (not listed)",
            notes.len() - LISTED
        ));
    }
    if problems.is_empty() && (patients > 0 || clinic_at) {
        let what = match (patients, clinic_at) {
            (0, _) => CLINIC_FILE.to_string(),
            (n, false) => format!("{n} patient file{}", if n == 1 { "" } else { "s" }),
            (n, true) => format!(
                "{n} patient file{} and {CLINIC_FILE}",
                if n == 1 { "" } else { "s" }
            ),
        };
        r.ok(format!(
            "{AUDIT_FILE}: chain complete: every revision of {what} is logged, in order from its creation"
        ));
    }
}
