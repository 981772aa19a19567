//! Saves that fail: at each step of the atomic write (a fake writer, always run), on a
//! read-only dir (as `nobody` when run as root), on a full disk and a read-only file
//! system (a real tmpfs, mounted by the test; where mounting is not allowed those two
//! say `SKIPPED`, or fail with `NEEDLEPLAN_TEST_NO_SKIP` set, as in CI), with the lock
//! held by someone else, with an `audit.log` that cannot be written (the line is written
//! first: no line, no save). Each ends in a clear "not saved"
//! message naming the file, with the data on disk intact and no temp files left; the
//! edit is kept and a later retry saves it. Every test works in its own temporary dir.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use needleplan::app::Model;
use needleplan::app::model::StatusKind;
use needleplan::app::persist;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::store::lock::DirLock;
use needleplan::store::patient_file;
use needleplan::store::patients::{WriteStep, Writer};
use needleplan::store::templates::Templates;
use needleplan::store::{PatientStore, SaveError, SaveStep, audit, clinic_file, doctor};

mod common;
#[cfg(unix)]
use common::as_nobody::AsNobody;
use common::skip::skip;

fn today() -> NaiveDate {
    "2026-11-25".parse().unwrap()
}

fn patient(id: &str) -> Patient {
    let details = PatientDetails {
        full_name: "Fay Ultmann".into(),
        phone: "+44 20 7946 0000".into(),
        ..PatientDetails::default()
    };
    Patient::new(PatientId::new(id).unwrap(), details, today())
}

/// A store in `dir` holding patient `id` saved once; returns it, the patient (at
/// revision 1) and the file's bytes.
fn saved_once(dir: &Path, id: &str) -> (PatientStore, Patient, Vec<u8>) {
    let store = PatientStore::open(dir).unwrap();
    let mut p = patient(id);
    p.revision = store.save(&p).unwrap();
    let bytes = fs::read(store.path_of(&p.id)).unwrap();
    (store, p, bytes)
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The old version is on disk, byte for byte, loads, and nothing else is in `patients/`.
fn assert_intact(data: &Path, p: &Patient, bytes: &[u8]) {
    let path = data.join("patients").join(format!("{}.json", p.id));
    assert_eq!(fs::read(&path).unwrap(), bytes, "the old file changed");
    assert_eq!(
        names_in(&data.join("patients")),
        vec![format!("{}.json", p.id)],
        "temp files left behind"
    );
    let report = PatientStore::open(data).unwrap().load_all().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.patients, vec![p.clone()]);
}

fn assert_not_saved(err: &SaveError, file: &str, reason: &str) {
    assert!(matches!(err, SaveError::Io(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&format!("patients/{file} not saved")), "{text}");
    assert!(text.contains(reason), "'{reason}' missing: {text}");
}

// ---------------------------------------------------------------------------------------
// 1. The fake writer: each step fails (always run)
// ---------------------------------------------------------------------------------------

#[test]
fn a_failure_before_the_rename_keeps_the_old_file_and_a_retry_saves() {
    for step in [WriteStep::Write, WriteStep::Fsync, WriteStep::Rename] {
        let tmp = tempfile::tempdir().unwrap();
        let (mut store, old, bytes) = saved_once(tmp.path(), "p-fault001");
        store.set_writer(Writer::FailAt {
            step,
            kind: io::ErrorKind::Other,
        });
        let mut edit = old.clone();
        edit.notes = format!("edit that fails at {step:?}");
        let err = store.save(&edit).unwrap_err();
        assert_not_saved(&err, "p-fault001.json", "Input/output error");
        assert_intact(tmp.path(), &old, &bytes);

        // Still failing: still not saved, still intact; then the disk is back.
        assert!(store.save(&edit).is_err());
        assert_intact(tmp.path(), &old, &bytes);
        store.set_writer(Writer::Atomic);
        assert_eq!(store.save(&edit), Ok(2), "{step:?}");
        assert!(store.poll_changes().unwrap().is_empty(), "own save reported");
    }
}

#[test]
fn a_failed_dir_fsync_is_not_saved_and_the_retry_settles_it_without_a_conflict() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut store, old, _) = saved_once(tmp.path(), "p-fault002");
    store.set_writer(Writer::FailAt {
        step: WriteStep::DirFsync,
        kind: io::ErrorKind::Other,
    });
    let mut edit = old.clone();
    edit.notes = "renamed but not durable".into();
    let err = store.save(&edit).unwrap_err();
    assert_not_saved(&err, "p-fault002.json", "Input/output error");
    // The rename happened: the file is one whole version (the new one), never a mix.
    let on_disk = patient_file::decode(&fs::read(store.path_of(&edit.id)).unwrap()).unwrap();
    assert_eq!(on_disk.notes, edit.notes);
    assert_eq!(on_disk.revision, 2);

    // The retry (same edit, same base revision) is not its own conflict...
    assert!(
        matches!(store.save(&edit), Err(SaveError::Io(_))),
        "dir fsync still failing"
    );
    store.set_writer(Writer::Atomic);
    assert_eq!(store.save(&edit), Ok(2));
    // ...and this instance's own write never comes back as someone else's change.
    assert!(store.poll_changes().unwrap().is_empty());
    assert_eq!(names_in(&tmp.path().join("patients")), vec!["p-fault002.json"]);
}

#[test]
fn a_full_disk_is_reported_as_not_saved_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut store, old, bytes) = saved_once(tmp.path(), "p-fault003");
    store.set_writer(Writer::FailAt {
        step: WriteStep::Write,
        kind: io::ErrorKind::StorageFull,
    });
    let mut edit = old.clone();
    edit.notes = "x".repeat(10_000);
    let err = store.save(&edit).unwrap_err();
    assert_not_saved(&err, "p-fault003.json", "No space left on device");
    assert_intact(tmp.path(), &old, &bytes);
}

#[test]
fn permission_denied_is_reported_as_not_saved() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut store, old, bytes) = saved_once(tmp.path(), "p-fault004");
    store.set_writer(Writer::FailAt {
        step: WriteStep::Write,
        kind: io::ErrorKind::PermissionDenied,
    });
    let mut edit = old.clone();
    edit.phone = "0161".into();
    let err = store.save(&edit).unwrap_err();
    assert_not_saved(&err, "p-fault004.json", "Permission denied");
    assert_intact(tmp.path(), &old, &bytes);
}

/// Through the app: the status line says NOT SAVED with the reason (never "saved"),
/// the edit stays in memory and in the retry set, and the retry after the disk is back
/// saves it and says so.
#[test]
fn the_app_keeps_a_failed_edit_says_not_saved_and_retries_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut store, old, bytes) = saved_once(tmp.path(), "p-fault005");
    let mut model = Model::new(
        today().and_hms_opt(9, 0, 0).unwrap(),
        Templates::builtin(),
        vec![old.clone()],
    )
    .with_clinic(needleplan::store::demo::demo_settings());
    store.set_writer(Writer::FailAt {
        step: WriteStep::Write,
        kind: io::ErrorKind::StorageFull,
    });
    let mut edit = old.clone();
    edit.notes = "kept in memory".into();
    let effect = model.put_patient(edit.clone());
    persist::run_effects(&mut model, vec![effect], &store);
    assert_eq!(model.status.kind, StatusKind::Error);
    assert!(model.status.text.contains("NOT SAVED"), "{:?}", model.status);
    assert!(
        model.status.text.contains("No space left on device"),
        "{:?}",
        model.status
    );
    assert!(
        model.status.text.contains("patients/p-fault005.json"),
        "{:?}",
        model.status
    );
    assert_eq!(model.patient(&edit.id), Some(&edit));
    assert!(model.unsaved.contains(&edit.id));
    assert_intact(tmp.path(), &old, &bytes);

    persist::flush(&mut model, &store);
    assert_eq!(model.status.kind, StatusKind::Error, "still failing");

    store.set_writer(Writer::Atomic);
    persist::flush(&mut model, &store);
    assert_eq!(model.status.kind, StatusKind::Saved, "{:?}", model.status);
    assert!(model.unsaved.is_empty());
    let disk = patient_file::decode(&fs::read(store.path_of(&edit.id)).unwrap()).unwrap();
    assert_eq!(disk.notes, "kept in memory");
    assert_eq!(model.patient(&edit.id).unwrap().revision, 2);
}

// ---------------------------------------------------------------------------------------
// 2. The lock held by another instance
// ---------------------------------------------------------------------------------------

#[test]
fn a_lock_held_too_long_is_reported_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut store, old, bytes) = saved_once(tmp.path(), "p-fault006");
    store.set_lock_wait(Duration::from_millis(150));
    let held = DirLock::acquire(tmp.path(), Duration::ZERO).unwrap();
    let mut edit = old.clone();
    edit.notes = "waits for the lock".into();
    let started = Instant::now();
    let err = store.save(&edit).unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_not_saved(
        &err,
        "p-fault006.json",
        "another needleplan is holding the lock on",
    );
    assert!(err.to_string().contains(".needleplan.lock"), "{err}");
    assert_intact(tmp.path(), &old, &bytes);
    drop(held);
    assert_eq!(store.save(&edit), Ok(2));
}

// ---------------------------------------------------------------------------------------
// 3. Real failures: a read-only dir, a read-only and a full filesystem
// ---------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn saving_into_a_read_only_patients_dir_fails_clearly() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let (store, old, bytes) = saved_once(tmp.path(), "p-fault007");
    // As root (CI), this thread works as `nobody`, for whom a 0500 dir is read-only.
    let nobody = AsNobody::enter(tmp.path());
    let dir = tmp.path().join("patients");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o500)).unwrap();
    let probe = dir.join("write-probe");
    let writable = fs::write(&probe, b"x").is_ok();
    let _ = fs::remove_file(&probe);
    if writable {
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        skip("a 0500 dir is writable here (root off Linux, or modes ignored)");
        return;
    }
    let mut edit = old.clone();
    edit.notes = "not saved".into();
    let result = store.save(&edit);
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    drop(nobody);
    assert_not_saved(&result.unwrap_err(), "p-fault007.json", "Permission denied");
    assert_intact(tmp.path(), &old, &bytes);
}

/// Makes `audit.log` in `dir` read-only (`0400`) and says whether that binds here (as
/// root it does for a thread working as `nobody`).
#[cfg(unix)]
fn read_only_log(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let log = dir.join(audit::AUDIT_FILE);
    fs::set_permissions(&log, fs::Permissions::from_mode(0o400)).unwrap();
    fs::OpenOptions::new().append(true).open(&log).is_err()
}

/// `doctor` finds the audit chain intact and every revision logged (the temp dirs of
/// these tests are not private, which it would name too).
fn assert_log_complete(data: &Path) {
    let report = doctor::run(data);
    let audit_problems: Vec<&String> = report
        .lines
        .iter()
        .filter(|l| l.starts_with("PROBLEM") && l.contains("audit.log"))
        .collect();
    assert!(audit_problems.is_empty(), "{:#?}", report.lines);
    assert!(
        report.lines.iter().any(|l| l.contains("chain complete")),
        "{:#?}",
        report.lines
    );
}

#[cfg(unix)]
fn writable_log(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let log = dir.join(audit::AUDIT_FILE);
    fs::set_permissions(&log, fs::Permissions::from_mode(0o600)).unwrap();
}

/// The line is written before the file: when `audit.log` cannot be opened for append, the
/// save fails at the audit step, nothing is renamed or left behind, the retry fails the
/// same way (never "saved" without its line), and once the log is writable the edit
/// saves with its line.
#[cfg(unix)]
#[test]
fn a_read_only_audit_log_fails_the_save_and_nothing_is_renamed() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, old, bytes) = saved_once(tmp.path(), "p-fault010");
    let nobody = AsNobody::enter(tmp.path());
    if !read_only_log(tmp.path()) {
        writable_log(tmp.path());
        skip("a 0400 file is writable here (root off Linux, or modes ignored)");
        return;
    }
    let log_before = fs::read(tmp.path().join(audit::AUDIT_FILE)).unwrap();
    let mut edit = old.clone();
    edit.notes = "needs its audit line".into();
    for _ in 0..2 {
        let err = store.save(&edit).unwrap_err();
        assert!(
            matches!(&err, SaveError::Io(e) if e.step == SaveStep::Audit),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "patients/p-fault010.json not saved: audit.log cannot be written: Permission denied (os error 13)"
        );
        assert_intact(tmp.path(), &old, &bytes);
        assert_eq!(fs::read(tmp.path().join(audit::AUDIT_FILE)).unwrap(), log_before);
    }
    writable_log(tmp.path());
    assert_eq!(store.save(&edit), Ok(2));
    drop(nobody);
    let last = audit::read_entries(tmp.path()).unwrap().pop().unwrap();
    assert_eq!((last.revision_before, last.revision_after), (Some(1), 2));
    assert_log_complete(tmp.path());
}

/// Through the app: while the log cannot be written the status line says NOT SAVED and
/// why, on every retry, and the edit is kept; "saved" only once its line is written.
#[cfg(unix)]
#[test]
fn the_app_says_not_saved_while_the_audit_log_cannot_be_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, old, _) = saved_once(tmp.path(), "p-fault011");
    let mut model = Model::new(
        today().and_hms_opt(9, 0, 0).unwrap(),
        Templates::builtin(),
        vec![old.clone()],
    )
    .with_clinic(needleplan::store::demo::demo_settings());
    let nobody = AsNobody::enter(tmp.path());
    if !read_only_log(tmp.path()) {
        writable_log(tmp.path());
        skip("a 0400 file is writable here (root off Linux, or modes ignored)");
        return;
    }
    let mut edit = old.clone();
    edit.notes = "kept until it can be logged".into();
    let effect = model.put_patient(edit.clone());
    persist::run_effects(&mut model, vec![effect], &store);
    for attempt in 0..3 {
        assert_eq!(model.status.kind, StatusKind::Error, "attempt {attempt}");
        assert!(
            model.status.text.contains(
                "NOT SAVED (kept in memory, retrying): patients/p-fault011.json not saved: audit.log cannot be written"
            ),
            "attempt {attempt}: {:?}",
            model.status
        );
        assert!(model.unsaved.contains(&edit.id));
        persist::flush(&mut model, &store);
    }
    writable_log(tmp.path());
    persist::flush(&mut model, &store);
    drop(nobody);
    assert_eq!(model.status.kind, StatusKind::Saved, "{:?}", model.status);
    assert!(model.unsaved.is_empty());
    let disk = patient_file::decode(&fs::read(store.path_of(&edit.id)).unwrap()).unwrap();
    assert_eq!(disk.notes, "kept until it can be logged");
    let last = audit::read_entries(tmp.path()).unwrap().pop().unwrap();
    assert_eq!((last.revision_before, last.revision_after), (Some(1), 2));
}

/// The same for the clinic settings: no line, no `clinic.json`.
#[cfg(unix)]
#[test]
fn a_read_only_audit_log_fails_a_settings_save_and_keeps_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    let mut settings = needleplan::store::demo::demo_settings();
    settings.revision = clinic_file::save_revision(data, &settings, Duration::from_secs(5)).unwrap();
    let before = fs::read(clinic_file::path(data)).unwrap();
    let nobody = AsNobody::enter(data);
    if !read_only_log(data) {
        writable_log(data);
        skip("a 0400 file is writable here (root off Linux, or modes ignored)");
        return;
    }
    settings.name = "Renamed".into();
    let err = clinic_file::save_revision(data, &settings, Duration::from_secs(5)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "clinic.json not saved: audit.log cannot be written: Permission denied (os error 13)"
    );
    assert_eq!(fs::read(clinic_file::path(data)).unwrap(), before);
    writable_log(data);
    assert_eq!(
        clinic_file::save_revision(data, &settings, Duration::from_secs(5)),
        Ok(2)
    );
    drop(nobody);
    assert_log_complete(data);
}

/// A tmpfs mounted for one test, unmounted (lazily) when dropped, even on a panic.
struct Mounted(PathBuf);

impl Mounted {
    /// Mounts a tmpfs of `size` at `at`, or says why not (not root, no permission).
    fn tmpfs(at: &Path, size: &str) -> Result<Self, String> {
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(at)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if out.status.success() {
            Ok(Self(at.to_path_buf()))
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }

    fn remount_read_only(&self) {
        let ok = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount read-only failed");
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_really_full_disk_keeps_the_old_file_and_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("mnt");
    fs::create_dir(&data).unwrap();
    let _mount = match Mounted::tmpfs(&data, "64k") {
        Ok(m) => m,
        Err(why) => {
            skip(&format!("cannot mount a tmpfs: {why}"));
            return;
        }
    };
    let (store, old, bytes) = saved_once(&data, "p-fault008");
    // Fill the filesystem to the last byte.
    let filler_path = data.join("filler");
    let mut filler = fs::File::create(&filler_path).unwrap();
    let chunk = vec![0u8; 4096];
    let full = loop {
        if let Err(e) = filler.write_all(&chunk) {
            break e;
        }
    };
    assert_eq!(full.kind(), io::ErrorKind::StorageFull, "{full}");
    drop(filler);

    let mut edit = old.clone();
    edit.notes = "a long note that needs a new block ".repeat(50);
    let err = store.save(&edit).unwrap_err();
    assert_not_saved(&err, "p-fault008.json", "No space left on device");
    assert_intact(&data, &old, &bytes);
    // Whatever part of the audit line fitted was cut back off: the chain is whole.
    assert!(audit::verify(&data).is_ok(), "{:?}", audit::verify(&data));

    // Space again: the same edit saves, with its line.
    fs::remove_file(&filler_path).unwrap();
    assert_eq!(store.save(&edit), Ok(2));
    assert_log_complete(&data);
    let disk = patient_file::decode(&fs::read(store.path_of(&edit.id)).unwrap()).unwrap();
    assert_eq!(disk.notes, edit.notes);
}

/// The disk fills up half-way through the audit line (it starts in the log's last page
/// and needs a new one): the part written is cut back off, so no broken line is left to
/// break the chain, and the save fails at the audit step with the old file intact.
#[cfg(target_os = "linux")]
#[test]
fn a_disk_full_half_way_through_the_audit_line_leaves_no_broken_line() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("mnt");
    fs::create_dir(&data).unwrap();
    let _mount = match Mounted::tmpfs(&data, "64k") {
        Ok(m) => m,
        Err(why) => {
            skip(&format!("cannot mount a tmpfs: {why}"));
            return;
        }
    };
    let (store, old, bytes) = saved_once(&data, "p-fault012");
    // How long the save's line will be: the same fields make the same length.
    let probe = tempfile::tempdir().unwrap();
    audit::append(probe.path(), audit::AuditAction::Update, &old.id, Some(1), 2).unwrap();
    let line_len = fs::metadata(probe.path().join(audit::AUDIT_FILE)).unwrap().len();
    // Lines of another record until the next line would cross into a new page.
    let log = data.join(audit::AUDIT_FILE);
    let pad = PatientId::new("p-pad").unwrap();
    for i in 0.. {
        assert!(i < 100, "the log never came to end near a page boundary");
        let room = 4096 - fs::metadata(&log).unwrap().len() % 4096;
        if room < line_len && room > 1 {
            break;
        }
        audit::append(&data, audit::AuditAction::Update, &pad, Some(i + 1), i + 2).unwrap();
    }
    let log_before = fs::read(&log).unwrap();
    let filler_path = data.join("filler");
    let mut filler = fs::File::create(&filler_path).unwrap();
    let full = loop {
        if let Err(e) = filler.write_all(&[0u8; 4096]) {
            break e;
        }
    };
    assert_eq!(full.kind(), io::ErrorKind::StorageFull, "{full}");
    drop(filler);

    let mut edit = old.clone();
    edit.notes = "no room for its line".into();
    let err = store.save(&edit).unwrap_err();
    assert!(
        matches!(&err, SaveError::Io(e) if e.step == SaveStep::Audit),
        "{err:?}"
    );
    assert_not_saved(&err, "p-fault012.json", "No space left on device");
    let log_after = fs::read(&log).unwrap();
    assert!(
        log_after == log_before,
        "a part of the line was left: {} bytes, {} before",
        log_after.len(),
        log_before.len()
    );
    assert!(audit::verify(&data).is_ok(), "{:?}", audit::verify(&data));
    assert_intact(&data, &old, &bytes);
    fs::remove_file(&filler_path).unwrap();
    assert_eq!(store.save(&edit), Ok(2));
    assert!(audit::verify(&data).is_ok(), "{:?}", audit::verify(&data));
}

#[cfg(target_os = "linux")]
#[test]
fn a_read_only_filesystem_keeps_the_old_file_and_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("mnt");
    fs::create_dir(&data).unwrap();
    let mount = match Mounted::tmpfs(&data, "1m") {
        Ok(m) => m,
        Err(why) => {
            skip(&format!("cannot mount a tmpfs: {why}"));
            return;
        }
    };
    let (store, old, bytes) = saved_once(&data, "p-fault009");
    mount.remount_read_only();
    let mut edit = old.clone();
    edit.notes = "not on a read-only disk".into();
    let err = store.save(&edit).unwrap_err();
    assert_not_saved(&err, "p-fault009.json", "Read-only file system");
    assert_intact(&data, &old, &bytes);
}
