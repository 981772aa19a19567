//! `clinic.json` on disk: defaults on first run, round trips, and a broken file that is
//! reported (file and field or line) and never overwritten. Each test in its own tempdir.

use std::fs;

use chrono::NaiveDate;
use needleplan::domain::clinic::{ClinicSettings, ClosedDate, Resource};
use needleplan::store::clinic_file::{self, CLINIC_FILE};

fn edited() -> ClinicSettings {
    let mut s = ClinicSettings {
        name: "Zoë's Skin Studio".into(),
        ..ClinicSettings::default()
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
    assert_eq!(load.settings.name, "Demo Skin Clinic");
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
    assert_eq!(load.settings, edited());
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
    let e = clinic_file::save(dir.path(), &bad).unwrap_err();
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
    let e = clinic_file::save(dir.path(), &edited()).unwrap_err();
    assert!(e.contains("cannot be read"), "{e}");
    assert_eq!(fs::read_to_string(&file).unwrap(), text);
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary files left: {names:?}");
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
    assert_broken_file_is_kept(&text, &["'9 o'clock' is not a time", "line 6"]);
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
    let text = good_text().replace("\"schema_version\": 1", "\"schema_version\": 2");
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
    assert_eq!(clinic_file::load(dir.path()).settings, edited());
}
