//! Permission checks of a data dir: private (0700/0600) and staff-group (2770/0660)
//! layouts are fine; anything that lets others in, or that keeps the group out of a
//! shared dir, is named. Each test works in its own temporary dir.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use needleplan::store::permissions::{check, dir_mode_for, file_mode_for, is_group_shared, startup_warning};
use tempfile::TempDir;

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    assert_eq!(
        fs::metadata(path).unwrap().permissions().mode() & 0o7777,
        mode,
        "mode of {} could be set",
        path.display()
    );
}

/// A data dir with `patients/` holding two files and an `audit.log`, with the given
/// modes for the dirs and the files.
fn data_dir(dir_mode: u32, file_mode: u32) -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    fs::create_dir_all(data.join("patients")).unwrap();
    for rel in ["patients/p-1.json", "patients/p-2.json", "audit.log"] {
        fs::write(data.join(rel), "{}").unwrap();
        chmod(&data.join(rel), file_mode);
    }
    chmod(&data.join("patients"), dir_mode);
    chmod(&data, dir_mode);
    (tmp, data)
}

#[test]
fn private_0700_and_0600_is_fine() {
    let (_tmp, data) = data_dir(0o700, 0o600);
    assert_eq!(check(&data), Vec::<String>::new());
    assert_eq!(startup_warning(&data), None);
    assert!(!is_group_shared(&data));
    assert_eq!((file_mode_for(&data), dir_mode_for(&data)), (0o600, 0o700));
}

#[test]
fn shared_2770_and_0660_is_fine() {
    let (_tmp, data) = data_dir(0o2770, 0o660);
    assert_eq!(check(&data), Vec::<String>::new());
    assert!(is_group_shared(&data));
    assert_eq!((file_mode_for(&data), dir_mode_for(&data)), (0o660, 0o2770));
}

#[test]
fn open_0755_dir_and_0644_files_are_named() {
    let (_tmp, data) = data_dir(0o755, 0o644);
    let warnings = check(&data);
    let all = warnings.join("\n");
    assert!(
        all.contains(&format!("other users can open {}", data.display())),
        "{all}"
    );
    assert!(all.contains("other users can open patients/"), "{all}");
    assert!(
        all.contains("other users can read patients/p-1.json (mode 0644"),
        "{all}"
    );
    assert!(all.contains("other users can read audit.log"), "{all}");
    let first = startup_warning(&data).unwrap();
    assert!(
        first.contains("permission warnings") && first.contains("doctor"),
        "{first}"
    );
}

#[test]
fn one_file_readable_by_others_is_named_alone() {
    let (_tmp, data) = data_dir(0o700, 0o600);
    chmod(&data.join("patients/p-2.json"), 0o604);
    let warnings = check(&data);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("patients/p-2.json") && warnings[0].contains("0604"));
    let line = startup_warning(&data).unwrap();
    assert!(
        line.starts_with("other users can read patients/p-2.json"),
        "{line}"
    );
}

#[test]
fn world_writable_files_say_so() {
    let (_tmp, data) = data_dir(0o700, 0o600);
    chmod(&data.join("patients/p-1.json"), 0o606);
    let warnings = check(&data);
    assert!(
        warnings[0].contains("can read and change patients/p-1.json"),
        "{warnings:?}"
    );
}

#[test]
fn a_group_writable_dir_without_setgid_is_named() {
    let (_tmp, data) = data_dir(0o770, 0o660);
    let warnings = check(&data);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("without setgid") && w.contains("chmod 2770")),
        "{warnings:?}"
    );
}

#[test]
fn partial_group_access_is_named() {
    let (_tmp, data) = data_dir(0o750, 0o600);
    let warnings = check(&data);
    assert!(
        warnings.iter().any(|w| w.contains("partial access")),
        "{warnings:?}"
    );
}

#[test]
fn group_readable_files_in_a_private_dir_are_named() {
    let (_tmp, data) = data_dir(0o700, 0o600);
    chmod(&data.join("patients/p-1.json"), 0o640);
    let warnings = check(&data);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("can access patients/p-1.json"),
        "{warnings:?}"
    );
}

#[test]
fn in_a_shared_dir_private_files_and_folders_keep_the_group_out() {
    let (_tmp, data) = data_dir(0o2770, 0o660);
    chmod(&data.join("patients/p-1.json"), 0o600);
    chmod(&data.join("patients"), 0o700);
    let warnings = check(&data);
    let all = warnings.join("\n");
    assert!(
        all.contains("patients/p-1.json has mode 0600: other staff"),
        "{all}"
    );
    assert!(
        all.contains("patients/ has mode 0700 but the data dir is shared"),
        "{all}"
    );
}

#[test]
fn the_lock_file_is_not_a_record() {
    let (_tmp, data) = data_dir(0o700, 0o600);
    fs::write(data.join(".needleplan.lock"), "").unwrap();
    chmod(&data.join(".needleplan.lock"), 0o644);
    assert_eq!(check(&data), Vec::<String>::new());
}

#[test]
fn a_missing_data_dir_has_nothing_to_warn_about() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(check(&tmp.path().join("none")).is_empty());
}

#[test]
fn in_a_shared_dir_the_lock_file_must_be_open_to_the_group() {
    let (_tmp, data) = data_dir(0o2770, 0o660);
    let lock = data.join(".needleplan.lock");
    fs::write(&lock, "").unwrap();
    chmod(&lock, 0o600);
    let warnings = check(&data);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("cannot take the lock"), "{warnings:?}");
    chmod(&lock, 0o660);
    assert!(check(&data).is_empty());
}

/// What the store itself creates in a dir shared by a staff group: folders `2770`,
/// records `0660` (the group can read and save them), and a clean bill from `check`.
#[test]
fn the_store_writes_group_readable_files_in_a_shared_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    fs::create_dir(&data).unwrap();
    chmod(&data, 0o2770);
    let store = needleplan::store::PatientStore::open(&data).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let patient = needleplan::store::demo::demo_patients(today).remove(0);
    store.save(&patient).unwrap();
    let mode = |p: PathBuf| fs::metadata(p).unwrap().permissions().mode();
    assert_eq!(mode(data.join("patients")) & 0o7777, 0o2770);
    assert_eq!(
        mode(data.join(format!("patients/{}.json", patient.id))) & 0o777,
        0o660
    );
    assert_eq!(mode(data.join("audit.log")) & 0o777, 0o660);
    assert_eq!(check(&data), Vec::<String>::new());
}
