//! `clinic.json` on disk: defaults on first run, round trips, a broken file that is
//! reported (file and field or line) and never overwritten, the schema 1 file of the
//! first release migrated, and revision-checked saves from several users (conflicts,
//! the audit line, the lock). Each test in its own tempdir.

use std::fs;
use std::time::Duration;

use chrono::NaiveDate;
use needleplan::domain::clinic::{ClinicSettings, ClosedDate, Resource};
use needleplan::store::audit;
use needleplan::store::clinic_file::{self, CLINIC_FILE, ClinicSaveError};
use needleplan::store::lock::DirLock;

fn edited() -> ClinicSettings {
    let mut s = ClinicSettings {
        name: "Zoë's Skin Studio".into(),
        ..needleplan::store::demo::demo_settings()
    };
    s.hours[6] = s.hours[5];
    s.closed_dates.push(ClosedDate {
        date: NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
        reason: "Christmas".into(),
    });
    s.clinicians.push(Resource {
        id: "cleo".into(),
        name: "Cleo Marsh".into(),
        active: false,
    });
    s.default_minutes = 45;
    s.protocols_in_use = vec!["acne-scars-standard".into()];
    s.idle_lock_minutes = Some(10);
    s
}

#[test]
fn first_run_uses_the_defaults_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let load = clinic_file::load(dir.path());
    assert_eq!(load.settings, ClinicSettings::default());
    assert!(load.settings.name.is_empty() && load.settings.clinicians.is_empty());
    assert_eq!((load.problem, load.read_only, load.exists), (None, false, false));
    assert!(!dir.path().join(CLINIC_FILE).exists());
}

#[test]
fn saved_settings_load_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    clinic_file::save(dir.path(), &edited()).unwrap();
    let load = clinic_file::load(dir.path());
    assert_eq!(load.problem, None);
    assert!(load.exists && !load.read_only);
    assert_eq!(
        load.settings,
        ClinicSettings {
            revision: 1,
            ..edited()
        }
    );
    let text = fs::read_to_string(dir.path().join(CLINIC_FILE)).unwrap();
    assert!(text.contains("\"sun\": {"), "{text}");
    assert!(text.contains("\"2026-12-25\""), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.path().join(CLINIC_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn settings_breaking_a_rule_are_not_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = edited();
    bad.rooms[1].id = "room-1".into();
    let e = clinic_file::save(dir.path(), &bad).unwrap_err().to_string();
    assert!(e.contains("rooms[1].id"), "{e}");
    assert!(!dir.path().join(CLINIC_FILE).exists());
}

/// Writes `text`, loads, and checks the problem mentions every one of `needles`; the
/// defaults are in use, the file is read-only and byte-for-byte unchanged, and a save is
/// refused.
fn assert_broken_file_is_kept(text: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(CLINIC_FILE);
    fs::write(&file, text).unwrap();
    let load = clinic_file::load(dir.path());
    let problem = load.problem.clone().expect("a problem is reported");
    assert!(problem.starts_with("clinic.json:"), "{problem}");
    for n in needles {
        assert!(problem.contains(n), "{problem:?} should mention {n:?}");
    }
    assert!(load.read_only && load.exists);
    assert_eq!(load.settings, ClinicSettings::default());
    let e = clinic_file::save(dir.path(), &edited()).unwrap_err().to_string();
    assert!(e.contains("cannot be read"), "{e}");
    assert_eq!(fs::read_to_string(&file).unwrap(), text);
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".needleplan.lock")
        .collect();
    assert_eq!(names, vec![CLINIC_FILE], "no temporary files left");
    assert!(!audit::audit_path(dir.path()).exists(), "nothing logged");
}

fn good_text() -> String {
    clinic_file::to_json(&edited())
}

#[test]
fn a_file_that_is_not_json_is_reported_with_its_line_and_kept() {
    let text = good_text();
    let truncated = &text[..text.len() / 2];
    assert_broken_file_is_kept(truncated, &["line"]);
}

#[test]
fn a_bad_time_is_reported_with_its_line_and_kept() {
    let text = good_text().replacen("\"09:00\"", "\"9 o'clock\"", 1);
    assert_broken_file_is_kept(&text, &["'9 o'clock' is not a time", "line 9"]);
}

#[test]
fn a_misspelt_field_is_reported_by_name_and_kept() {
    let text = good_text().replace("\"rooms\"", "\"roms\"");
    assert_broken_file_is_kept(&text, &["roms", "line"]);
}

#[test]
fn a_broken_rule_is_reported_with_the_field_and_kept() {
    let text = good_text().replace("\"close\": \"13:00\"", "\"close\": \"08:00\"");
    assert_broken_file_is_kept(&text, &["hours.sat.close", "08:00"]);
}

#[test]
fn a_file_from_a_newer_version_is_kept() {
    let text = good_text().replace("\"schema_version\": 3", "\"schema_version\": 4");
    assert_broken_file_is_kept(&text, &["newer"]);
}

#[test]
fn a_fixed_file_can_be_saved_again() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(CLINIC_FILE);
    fs::write(&file, "{ oops").unwrap();
    assert!(clinic_file::save(dir.path(), &edited()).is_err());
    fs::remove_file(&file).unwrap();
    clinic_file::save(dir.path(), &edited()).unwrap();
    assert!(clinic_file::load(dir.path()).settings.same_content(&edited()));
}

// ---------------------------------------------------------------------------------------
// Schema versions
// ---------------------------------------------------------------------------------------

const V1_SAMPLE: &str = include_str!("samples/clinic/v1.json");

#[test]
fn a_schema_1_file_loads_as_revision_1_and_is_saved_as_the_current_schema() {
    assert!(V1_SAMPLE.contains("\"schema_version\": 1") && !V1_SAMPLE.contains("revision"));
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(CLINIC_FILE), V1_SAMPLE).unwrap();
    let load = clinic_file::load(dir.path());
    assert_eq!(load.problem, None);
    assert!(!load.read_only);
    assert_eq!(load.settings.revision, 1);
    let first_release = ClinicSettings {
        phone: String::new(),
        address: String::new(),
        ..needleplan::store::demo::demo_settings()
    };
    assert!(load.settings.same_content(&first_release));

    let mut changed = load.settings.clone();
    changed.name = "Renamed".into();
    let revision = clinic_file::save_revision(dir.path(), &changed, Duration::from_secs(5)).unwrap();
    assert_eq!(revision, 2);
    let text = fs::read_to_string(dir.path().join(CLINIC_FILE)).unwrap();
    assert!(
        text.starts_with("{\n  \"schema_version\": 3,\n  \"revision\": 2,"),
        "{text}"
    );
    assert_eq!(clinic_file::load(dir.path()).settings.name, "Renamed");
}

const V2_SAMPLE: &str = include_str!("samples/clinic/v2.json");

#[test]
fn a_schema_2_file_loads_with_no_staff_phone_or_address_and_is_saved_as_schema_3() {
    assert!(V2_SAMPLE.contains("\"schema_version\": 2") && !V2_SAMPLE.contains("staff"));
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(CLINIC_FILE), V2_SAMPLE).unwrap();
    let load = clinic_file::load(dir.path());
    assert_eq!(load.problem, None);
    assert!(!load.read_only);
    assert_eq!(load.settings.revision, 4);
    assert!(load.settings.staff.is_empty());
    assert_eq!(
        (load.settings.phone.as_str(), load.settings.address.as_str()),
        ("", "")
    );

    let mut changed = load.settings.clone();
    changed.phone = "020 7946 0000".into();
    assert_eq!(
        clinic_file::save_revision(dir.path(), &changed, Duration::from_secs(5)),
        Ok(5)
    );
    let text = fs::read_to_string(dir.path().join(CLINIC_FILE)).unwrap();
    assert!(
        text.starts_with("{\n  \"schema_version\": 3,\n  \"revision\": 5,"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------
// Several users
// ---------------------------------------------------------------------------------------

const WAIT: Duration = Duration::from_secs(5);

#[test]
fn a_save_from_a_stale_revision_is_a_conflict_and_keeps_the_other_users_version() {
    let dir = tempfile::tempdir().unwrap();
    clinic_file::save(dir.path(), &needleplan::store::demo::demo_settings()).unwrap();
    let base = clinic_file::load(dir.path()).settings;
    assert_eq!(base.revision, 1);

    let mut manager = base.clone();
    manager.closed_dates.push(ClosedDate {
        date: NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(),
        reason: "Christmas Eve".into(),
    });
    let mut desk = base.clone();
    desk.clinicians[1].active = false;

    assert_eq!(clinic_file::save_revision(dir.path(), &manager, WAIT), Ok(2));
    let on_disk_after_first = fs::read(dir.path().join(CLINIC_FILE)).unwrap();
    match clinic_file::save_revision(dir.path(), &desk, WAIT) {
        Err(ClinicSaveError::Conflict(theirs)) => {
            assert_eq!(theirs.revision, 2);
            assert!(theirs.same_content(&manager), "their version comes back whole");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        fs::read(dir.path().join(CLINIC_FILE)).unwrap(),
        on_disk_after_first,
        "the other user's file is untouched"
    );
    assert!(!desk.clinicians[1].active, "my version is still mine to keep");

    // From the new revision, the same edit is saved.
    let rebased = ClinicSettings {
        revision: 2,
        ..desk.clone()
    };
    assert_eq!(clinic_file::save_revision(dir.path(), &rebased, WAIT), Ok(3));

    // Every save logged: no patient id, the file's revisions, one chain.
    let entries = audit::read_entries(dir.path()).unwrap();
    let revisions: Vec<(Option<u64>, u64)> = entries
        .iter()
        .map(|e| (e.revision_before, e.revision_after))
        .collect();
    assert_eq!(revisions, vec![(None, 1), (Some(1), 2), (Some(2), 3)]);
    assert!(entries.iter().all(|e| e.patient_id.is_empty()));
    assert!(
        entries
            .iter()
            .all(|e| e.action == audit::AuditAction::ClinicUpdate)
    );
    let log = fs::read_to_string(audit::audit_path(dir.path())).unwrap();
    assert!(
        log.lines().all(|l| l.contains("\"action\":\"clinic_update\"")),
        "{log}"
    );
    assert_eq!(audit::verify(dir.path()), Ok(3));
}

#[test]
fn settings_and_patient_saves_form_one_audit_chain() {
    let tmp = tempfile::tempdir().unwrap();
    // A data dir created by the store is private, as doctor wants it.
    let data = tmp.path().join("data");
    let store = needleplan::store::PatientStore::open(&data).unwrap();
    let patient = needleplan::domain::patient::Patient::new(
        needleplan::domain::patient::PatientId::new("p-00000001").unwrap(),
        needleplan::domain::patient::PatientDetails {
            full_name: "Ann Lee".into(),
            ..Default::default()
        },
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
    );
    store.save(&patient).unwrap();
    clinic_file::save_revision(&data, &needleplan::store::demo::demo_settings(), WAIT).unwrap();
    let mut again = patient.clone();
    again.revision = 1;
    again.notes = "n".into();
    store.save(&again).unwrap();
    assert_eq!(audit::verify(&data), Ok(3));
    let report = needleplan::store::doctor::run(&data);
    assert!(report.is_clean(), "{:#?}", report.lines);
}

#[test]
fn the_same_settings_saved_again_are_not_a_conflict_and_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let saved = clinic_file::save_revision(dir.path(), &edited(), WAIT).unwrap();
    // A retry of the edit that was already written (its base is still 0).
    assert_eq!(clinic_file::save_revision(dir.path(), &edited(), WAIT), Ok(saved));
    assert_eq!(audit::read_entries(dir.path()).unwrap().len(), 1);
}

#[test]
fn a_save_waits_for_the_lock_and_says_so_when_it_cannot_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let held = DirLock::acquire(dir.path(), Duration::ZERO).unwrap();
    let e = clinic_file::save_revision(dir.path(), &edited(), Duration::from_millis(50)).unwrap_err();
    assert!(
        matches!(&e, ClinicSaveError::Io(m) if m.to_string().contains("not saved") && m.to_string().contains("lock")),
        "{e:?}"
    );
    assert!(!dir.path().join(CLINIC_FILE).exists());
    drop(held);
    assert_eq!(clinic_file::save_revision(dir.path(), &edited(), WAIT), Ok(1));
}

#[test]
fn a_broken_file_is_protected_from_a_revision_checked_save_too() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(CLINIC_FILE);
    fs::write(&file, "{ half").unwrap();
    let e = clinic_file::save_revision(dir.path(), &edited(), WAIT).unwrap_err();
    assert!(
        matches!(&e, ClinicSaveError::Protected(_)) && e.to_string().contains("cannot be read"),
        "{e:?}"
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), "{ half");
}
