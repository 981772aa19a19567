//! The bundled demo clinic. Its dates are stored around a fixed reference day and moved
//! to today when it is copied, so the demo looks alive whenever it is opened.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{Local, NaiveDate, NaiveTime, SecondsFormat};
use serde::Deserialize;

use crate::domain::clinic::ClinicSettings;
use crate::domain::patient::{Patient, PatientId};
use crate::domain::series::add_days;

use super::atomic::{sync_dir, write_new};
use super::audit::{self, AuditAction, AuditEntry, GENESIS_HASH};
use super::lock::{self, DirLock};
use super::paths::patients_dir;
use super::{clinic_file, patient_file, permissions};

const DEMO: &str = include_str!("../../assets/demo/clinic.json");
/// The demo clinic's settings (its name, phone, clinicians and rooms): written into the
/// demo's data dir as its `clinic.json`, and used by tests that book with the demo's
/// people. Nowhere else: a real data dir starts neutral and is set up on first run.
const DEMO_SETTINGS: &str = include_str!("../../assets/demo/settings.json");

/// The demo clinic's settings, at revision 0 (not saved anywhere yet).
pub fn demo_settings() -> ClinicSettings {
    ClinicSettings {
        revision: 0,
        ..clinic_file::parse(DEMO_SETTINGS).expect("assets/demo/settings.json is valid")
    }
}

#[derive(Deserialize)]
struct DemoDoc {
    reference_day: NaiveDate,
    /// Patients whose overdue aftercare is part of the demo's story.
    #[serde(default)]
    keep_open: Vec<PatientId>,
    patients: Vec<Patient>,
}

/// The demo patients with their dates moved to today's week.
pub fn demo_patients(today: NaiveDate) -> Vec<Patient> {
    let doc: DemoDoc = serde_json::from_str(DEMO).expect("assets/demo/clinic.json is valid");
    // Whole weeks only: the reference day (a Monday) becomes the Monday of today's week,
    // so every session keeps its weekday and with it the clinic's hours for that day
    // (Saturday mornings, closed Sundays). `div_euclid` rounds down before the
    // reference day too.
    let shift = (today - doc.reference_day).num_days().div_euclid(7) * 7;
    let monday = add_days(doc.reference_day, shift);
    doc.patients
        .into_iter()
        .map(|mut p| {
            p.shift_dates(shift);
            roll_past_bookings(&mut p, today);
            if !doc.keep_open.contains(&p.id) {
                tick_this_weeks_items(&mut p, monday, today);
            }
            p
        })
        .collect()
}

/// Aftercare items that fell due this week before today are ticked on their due day:
/// the demo's ticks were made up to its reference Monday, and a working clinic would
/// have carried on since. Only the patients the demo shows as overdue keep theirs open.
fn tick_this_weeks_items(p: &mut Patient, monday: NaiveDate, today: NaiveDate) {
    let at = NaiveTime::from_hms_opt(11, 30, 0).expect("valid time");
    for session in p.series.iter_mut().flat_map(|s| s.sessions.iter_mut()) {
        let day = session.date;
        for entry in session.checklist.iter_mut().filter(|e| e.ticked_at.is_none()) {
            let due = entry.due_date(day);
            if due >= monday && due < today {
                entry.ticked_at = Some(due.and_time(at));
            }
        }
    }
}

/// Bookings of the reference week that now fall before today (opened on a Thursday,
/// Monday's appointments would look missed) move one week on, same weekday and time.
/// The generator keeps those slots free next week and the series' gaps wide enough.
fn roll_past_bookings(p: &mut Patient, today: NaiveDate) {
    for session in p.series.iter_mut().flat_map(|s| s.sessions.iter_mut()) {
        if session.status.is_upcoming() && session.date < today {
            session.date = add_days(session.date, 7);
        }
    }
}

/// Copies the demo clinic into a new temporary dir, removed when the returned guard is
/// dropped (the app or the command ends, on success or error), so that `--demo` runs do
/// not fill the system's temp dir. The real data dir is never involved.
pub fn install_in_temp_dir(today: NaiveDate) -> Result<tempfile::TempDir, DemoError> {
    let dir = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempdir()
        .map_err(DemoError::TempDir)?;
    install(dir.path(), today)?;
    Ok(dir)
}

/// How the demo's temporary dirs are named (`needleplan-demo-XXXXXX`).
pub const TEMP_PREFIX: &str = "needleplan-demo-";

/// Why the demo clinic was not installed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot create a temporary dir for the demo: {0}")]
    TempDir(io::Error),
    /// Writing into `dir` failed (or it was not empty).
    #[error("cannot install the demo clinic in {}: {error}", .dir.display())]
    Install { dir: PathBuf, error: io::Error },
}

/// Installs the demo clinic (dated for `today`) into `dir`, a new or empty data dir: one
/// file per patient at revision 1 and an audit chain with one `create` line each, as if
/// every patient had been saved once through the store.
///
/// It is written in bulk rather than through `PatientStore::save`, which takes the lock,
/// reads the file back, writes and fsyncs it, fsyncs the dir and appends and fsyncs an
/// audit line for every patient: some 300 fsyncs, a second or two on a busy disk for a
/// copy nobody has seen yet. Here every file is still written atomically (temporary
/// file, then a rename that never replaces anything), the audit log first and in one
/// write, and each dir is fsynced once at the end. Losing a half-installed demo to a power cut costs
/// nothing: it lives in a new temporary dir and `--demo` makes a fresh one each time.
pub fn install(dir: &Path, today: NaiveDate) -> Result<(), DemoError> {
    let failed = |error| DemoError::Install {
        dir: dir.to_path_buf(),
        error,
    };
    write_new_clinic(dir, demo_patients(today)).map_err(failed)?;
    // The demo's settings go in through the normal save (lock, audit line, atomic
    // write): its name and people are the demo's own and never a real dir's defaults.
    clinic_file::save(dir, &demo_settings()).map_err(|e| {
        let kind = match &e {
            clinic_file::ClinicSaveError::Io(io) => io.kind(),
            _ => io::ErrorKind::Other,
        };
        failed(io::Error::new(kind, e.to_string()))
    })
}

fn write_new_clinic(dir: &Path, patients: Vec<Patient>) -> io::Result<()> {
    create_private_dir(dir)?;
    let pdir = patients_dir(dir);
    create_private_dir(&pdir)?;
    // No other needleplan may save into the dir while it is being filled.
    let _lock = DirLock::acquire(dir, lock::DEFAULT_WAIT)?;
    refuse_if_not_empty(dir, &pdir)?;
    let file_mode = permissions::file_mode_for(&pdir);
    // One time and one user for the whole install: it is one act.
    let time = Local::now().to_rfc3339_opts(SecondsFormat::Secs, false);
    let user = audit::os_user();
    let mut log = Vec::with_capacity(patients.len() * 256);
    let mut prev_hash = GENESIS_HASH.to_string();
    let mut files = Vec::with_capacity(patients.len());
    for mut p in patients {
        let before = p.revision;
        p.revision = before
            .checked_add(1)
            .ok_or_else(|| io::Error::other(format!("patient {} has no next revision", p.id)))?;
        let entry = AuditEntry {
            time: time.clone(),
            user: user.clone(),
            action: AuditAction::Create,
            patient_id: p.id.as_str().to_string(),
            revision_before: None,
            revision_after: p.revision,
            before_unlogged: false,
            changes: Vec::new(),
            prev_hash,
        };
        let line = serde_json::to_string(&entry).map_err(io::Error::other)?;
        prev_hash = audit::sha256_hex(line.as_bytes());
        log.extend_from_slice(line.as_bytes());
        log.push(b'\n');
        files.push(p);
    }
    // The log first, as every save does: a patient file is never there without its line
    // (an install killed half-way leaves creates that never reached the disk, which
    // `doctor` reads as interrupted saves).
    write_new(&audit::audit_path(dir), &log, permissions::file_mode_for(dir))?;
    for p in files {
        write_new(
            &pdir.join(format!("{}.json", p.id)),
            &patient_file::encode(&p),
            file_mode,
        )?;
    }
    sync_dir(&pdir)?;
    sync_dir(dir)
}

/// The demo never mixes with records already there: its audit chain starts at genesis and
/// its ids could clash.
fn refuse_if_not_empty(dir: &Path, pdir: &Path) -> io::Result<()> {
    let taken = fs::read_dir(pdir)?
        .filter_map(Result::ok)
        .any(|e| !e.file_name().to_string_lossy().starts_with('.'));
    let logged = fs::metadata(audit::audit_path(dir)).is_ok_and(|m| m.len() > 0);
    if taken || logged {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "it already holds patients or an audit log; the demo goes into a new or empty dir",
        ));
    }
    Ok(())
}

/// As the store creates its dirs: `0700`, or `2770` inside a dir shared by a staff group.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = dir.parent().map_or(0o700, permissions::dir_mode_for);
        fs::set_permissions(dir, fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}
