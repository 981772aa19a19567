//! `needleplan backup` and `restore`: a backup restored elsewhere gives back every file
//! byte for byte and every record; a tampered backup or a non-empty target is refused
//! with nothing written. Each test works in its own temporary dir.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use needleplan::domain::patient::{Patient, PatientId};
use needleplan::store::PatientStore;
use needleplan::store::audit::{self, AuditAction};
use needleplan::store::backup::{MANIFEST_FILE, Manifest, backup, restore};
use needleplan::store::demo::install;
use needleplan::store::templates::AFTERCARE_FILE;
use tempfile::TempDir;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

/// A demo clinic with an audit log and a template override, in `<tmp>/data`.
fn clinic() -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    install(&data, today()).unwrap();
    for n in 1..=3 {
        let id = PatientId::new(&format!("p-log{n}")).unwrap();
        audit::append(&data, AuditAction::Create, &id, None, 1).unwrap();
    }
    fs::write(
        data.join(AFTERCARE_FILE),
        r#"{"schema_version":1,"items":[{"id":"call","day":2,"text":"Call"}]}"#,
    )
    .unwrap();
    (tmp, data)
}

/// Every file under `root` with its bytes, by `/`-separated relative path.
fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The data files only: the lock file is not data.
fn data_files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut f = files(root);
    f.remove(".needleplan.lock");
    f
}

fn load_sorted(dir: &Path) -> Vec<Patient> {
    let mut store = PatientStore::open(dir).unwrap();
    let report = store.load_all().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let mut patients = report.patients;
    patients.sort_by(|a, b| a.id.cmp(&b.id));
    patients
}

#[test]
fn backup_then_restore_gives_back_every_file_and_every_record() {
    let (tmp, data) = clinic();
    let dest = tmp.path().join("backup");
    let summary = backup(&data, &dest).unwrap();
    let originals = data_files(&data);
    let patient_count = originals.keys().filter(|k| k.starts_with("patients/")).count();
    assert!(patient_count >= 30, "the demo has its patients");
    assert_eq!(summary.patient_files, patient_count);
    assert_eq!(summary.files, originals.len());
    assert_eq!(
        summary.bytes,
        originals.values().map(|b| b.len() as u64).sum::<u64>()
    );

    // The backup holds the same files plus its manifest.
    let mut in_backup = files(&dest);
    assert!(in_backup.remove(MANIFEST_FILE).is_some());
    assert_eq!(in_backup, originals);

    let target = tmp.path().join("restored");
    let restored = restore(&dest, &target).unwrap();
    assert_eq!(restored.files, originals.len());
    assert_eq!(restored.patient_files, patient_count);
    assert_eq!(data_files(&target), originals, "byte for byte");
    assert_eq!(load_sorted(&target), load_sorted(&data));
    assert_eq!(audit::verify(&target), audit::verify(&data));
}

#[test]
fn the_manifest_lists_every_file_with_its_size_and_hash() {
    let (tmp, data) = clinic();
    let dest = tmp.path().join("backup");
    backup(&data, &dest).unwrap();
    let manifest: Manifest = serde_json::from_slice(&fs::read(dest.join(MANIFEST_FILE)).unwrap()).unwrap();
    assert_eq!(manifest.schema_version, 1);
    assert_eq!(
        manifest.source,
        fs::canonicalize(&data).unwrap().display().to_string()
    );
    chrono::DateTime::parse_from_rfc3339(&manifest.created).unwrap();
    let originals = data_files(&data);
    assert_eq!(manifest.files.len(), originals.len());
    for f in &manifest.files {
        let bytes = &originals[&f.path];
        assert_eq!(f.bytes, bytes.len() as u64);
        assert_eq!(f.sha256, audit::sha256_hex(bytes));
    }
    assert!(manifest.files.iter().any(|f| f.path == "audit.log"));
    assert!(manifest.files.iter().any(|f| f.path == AFTERCARE_FILE));
}

#[cfg(unix)]
#[test]
fn a_backup_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    let (tmp, data) = clinic();
    let dest = tmp.path().join("backup");
    backup(&data, &dest).unwrap();
    assert_eq!(mode(&dest), 0o700);
    assert_eq!(mode(&dest.join("patients")), 0o700);
    for rel in files(&dest).keys() {
        assert_eq!(mode(&dest.join(rel)), 0o600, "{rel}");
    }
}

#[test]
fn leftover_temp_files_are_not_backed_up() {
    let (tmp, data) = clinic();
    fs::write(data.join("patients/.tmp-abc.json"), "{ half").unwrap();
    let dest = tmp.path().join("backup");
    backup(&data, &dest).unwrap();
    assert!(!dest.join("patients/.tmp-abc.json").exists());
}

#[test]
fn backup_refuses_a_non_empty_destination_and_accepts_an_empty_one() {
    let (tmp, data) = clinic();
    let full = tmp.path().join("full");
    fs::create_dir(&full).unwrap();
    fs::write(full.join("notes.txt"), "keep me").unwrap();
    let err = backup(&data, &full).unwrap_err().to_string();
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(fs::read_dir(&full).unwrap().count(), 1, "nothing added");

    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    backup(&data, &empty).unwrap();
    assert!(empty.join(MANIFEST_FILE).is_file());
}

#[test]
fn backup_of_a_missing_data_dir_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let err = backup(&tmp.path().join("nope"), &tmp.path().join("b"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not exist"), "{err}");
    assert!(!tmp.path().join("b").exists());
}

/// Restoring `backup_dir` into a new dir fails with a message naming `needle`, and
/// writes nothing.
fn assert_refused(tmp: &TempDir, backup_dir: &Path, needle: &str) {
    let target = tmp.path().join("target");
    let err = restore(backup_dir, &target).unwrap_err().to_string();
    assert!(err.contains(needle), "{err}");
    assert!(!target.exists(), "nothing was written");
}

#[test]
fn restore_refuses_a_backup_with_one_byte_changed_and_names_the_file() {
    let (tmp, data) = clinic();
    let dest = tmp.path().join("backup");
    backup(&data, &dest).unwrap();
    let victim = files(&dest)
        .into_keys()
        .find(|k| k.starts_with("patients/"))
        .unwrap();
    let mut bytes = fs::read(dest.join(&victim)).unwrap();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
    fs::write(dest.join(&victim), bytes).unwrap();
    assert_refused(&tmp, &dest, &victim);
}

#[test]
fn restore_refuses_a_backup_with_a_file_missing_added_or_no_manifest() {
    let (tmp, data) = clinic();
    let dest = tmp.path().join("backup");
    backup(&data, &dest).unwrap();

    fs::write(dest.join("patients/p-extra.json"), "{}").unwrap();
    assert_refused(&tmp, &dest, "patients/p-extra.json");
    fs::remove_file(dest.join("patients/p-extra.json")).unwrap();

    let audit_bytes = fs::read(dest.join("audit.log")).unwrap();
    fs::remove_file(dest.join("audit.log")).unwrap();
    assert_refused(&tmp, &dest, "audit.log");
    fs::write(dest.join("audit.log"), audit_bytes).unwrap();

    fs::remove_file(dest.join(MANIFEST_FILE)).unwrap();
    assert_refused(&tmp, &dest, MANIFEST_FILE);
}

#[test]
fn restore_refuses_a_non_empty_target_and_leaves_it_alone() {
    let (tmp, data) = clinic();
    let dest = tmp.path().join("backup");
    backup(&data, &dest).unwrap();
    let before = data_files(&data);
    let err = restore(&dest, &data).unwrap_err().to_string();
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(data_files(&data), before);
}

#[test]
fn restore_accepts_a_data_dir_needleplan_has_only_opened() {
    let (tmp, data) = clinic();
    let dest = tmp.path().join("backup");
    backup(&data, &dest).unwrap();
    let target = tmp.path().join("fresh");
    let mut store = PatientStore::open(&target).unwrap();
    assert!(store.load_all().unwrap().patients.is_empty());
    restore(&dest, &target).unwrap();
    assert_eq!(data_files(&target), data_files(&data));
}

#[test]
fn backup_and_restore_through_the_command_line() {
    let (tmp, data) = clinic();
    let bin = env!("CARGO_BIN_EXE_needleplan");
    let work = tmp.path().join("cwd");
    fs::create_dir(&work).unwrap();

    // No DEST: a dated folder in the current dir.
    let out = Command::new(bin)
        .current_dir(&work)
        .arg("--data-dir")
        .arg(&data)
        .arg("backup")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let made: Vec<String> = fs::read_dir(&work)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(made.len(), 1);
    assert!(
        made[0].starts_with("needleplan-backup-")
            && made[0].len() == "needleplan-backup-20261125-093012".len()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("backed up") && stdout.contains(&made[0]),
        "{stdout}"
    );

    // Restore into the data dir chosen by NEEDLEPLAN_DATA_DIR (new, so empty).
    let target = tmp.path().join("restored");
    let out = Command::new(bin)
        .env("NEEDLEPLAN_DATA_DIR", &target)
        .arg("restore")
        .arg(work.join(&made[0]))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(data_files(&target), data_files(&data));

    // Again into the same (now full) dir: refused, exit 1, message on stderr.
    let out = Command::new(bin)
        .arg("--data-dir")
        .arg(&target)
        .arg("restore")
        .arg(work.join(&made[0]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not empty"), "{stderr}");
    assert!(out.stdout.is_empty());

    // --into wins over the data dir.
    let other = tmp.path().join("other");
    let out = Command::new(bin)
        .arg("--data-dir")
        .arg(&target)
        .arg("restore")
        .arg(work.join(&made[0]))
        .arg("--into")
        .arg(&other)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(data_files(&other), data_files(&data));
}
