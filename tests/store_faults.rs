//! Saves that fail: at each step of the atomic write (a fake writer, always run), on a
//! read-only dir (as `nobody` when run as root), on a full disk and a read-only file
//! system (a real tmpfs, mounted by the test; where mounting is not allowed those two
//! say `SKIPPED`, or fail with `NEEDLEPLAN_TEST_NO_SKIP` set, as in CI), with the lock
//! held by someone else. Each ends in a clear "not saved"
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
use needleplan::store::{PatientStore, SaveError};

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
    );
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

    // Space again: the same edit saves.
    fs::remove_file(&filler_path).unwrap();
    assert_eq!(store.save(&edit), Ok(2));
    let disk = patient_file::decode(&fs::read(store.path_of(&edit.id)).unwrap()).unwrap();
    assert_eq!(disk.notes, edit.notes);
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
