//! `needleplan doctor`, run as the real binary on data dirs in temporary dirs: exit 0
//! on a clean clinic, 1 with the file (and line and column) named on each problem.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use chrono::NaiveDate;
use needleplan::domain::patient::PatientId;
use needleplan::store::audit::{self, AuditAction};
use needleplan::store::demo::install;
use needleplan::store::doctor;
use tempfile::TempDir;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn clinic() -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    install(&data, today()).unwrap();
    (tmp, data)
}

/// Writes a file as needleplan would: private.
fn write(path: impl AsRef<Path>, bytes: impl AsRef<[u8]>) -> std::io::Result<()> {
    fs::write(&path, bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Logs a `create` for the first `n` patients, at the revision their files have.
fn log_saves(data: &Path, n: usize) {
    let mut store = needleplan::store::PatientStore::open(data).unwrap();
    let mut patients = store.load_all().unwrap().patients;
    patients.sort_by(|a, b| a.id.cmp(&b.id));
    for p in patients.iter().take(n) {
        audit::append(data, AuditAction::Create, &p.id, None, p.revision).unwrap();
    }
}

fn doctor_on(data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_needleplan"))
        .arg("--data-dir")
        .arg(data)
        .arg("doctor")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Some patient file of the clinic, as `patients/<id>.json`.
fn some_patient(data: &Path) -> String {
    let mut names: Vec<String> = fs::read_dir(data.join("patients"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    format!("patients/{}", names[3])
}

fn problem_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with("PROBLEM")).collect()
}

#[test]
fn a_clean_demo_clinic_passes() {
    let (_tmp, data) = clinic();
    let out = doctor_on(&data);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(problem_lines(&text).is_empty(), "{text}");
    let files = fs::read_dir(data.join("patients")).unwrap().count();
    // Installing the demo saved every patient once: one audit line each.
    assert!(
        text.contains(&format!("audit.log: {files} lines, chain intact")),
        "{text}"
    );
    assert_eq!(
        text.lines().last().unwrap(),
        format!("checked {files} patient files, 0 problems")
    );
}

#[test]
fn a_corrupt_patient_file_is_named_with_line_and_column() {
    let (_tmp, data) = clinic();
    let rel = some_patient(&data);
    let text = fs::read_to_string(data.join(&rel)).unwrap();
    // Cut inside the third line: a truncated file.
    let cut: usize = text.lines().take(2).map(|l| l.len() + 1).sum::<usize>() + 5;
    write(data.join(&rel), &text[..cut]).unwrap();
    let out = doctor_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let problems = problem_lines(&report);
    assert_eq!(problems.len(), 1, "{report}");
    assert!(problems[0].contains(&rel), "{report}");
    assert!(problems[0].contains("line 3 column"), "{report}");
    assert!(report.ends_with(", 1 problem\n"), "{report}");
}

#[test]
fn a_patient_file_of_the_wrong_shape_is_named_with_line_and_column() {
    let (_tmp, data) = clinic();
    let rel = some_patient(&data);
    let text = fs::read_to_string(data.join(&rel)).unwrap();
    let broken = text.replacen("\"created\": \"", "\"created\": \"not a date ", 1);
    assert_ne!(broken, text);
    write(data.join(&rel), broken).unwrap();
    let report = stdout(&doctor_on(&data));
    let problems = problem_lines(&report);
    assert_eq!(problems.len(), 1, "{report}");
    assert!(
        problems[0].contains(&rel) && problems[0].contains(" line "),
        "{report}"
    );
}

#[test]
fn future_versions_wrong_ids_and_old_temp_files_are_problems() {
    let (_tmp, data) = clinic();
    write(
        data.join("patients/p-future.json"),
        r#"{"schema_version": 99, "patient": {}}"#,
    )
    .unwrap();
    let rel = some_patient(&data);
    fs::copy(data.join(&rel), data.join("patients/p-copy.json")).unwrap();
    let tmp_file = data.join("patients/.tmp-XYZ.json");
    write(&tmp_file, "{").unwrap();
    let old = SystemTime::now() - Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(&tmp_file)
        .unwrap()
        .set_modified(old)
        .unwrap();

    let out = doctor_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1));
    let problems = problem_lines(&report);
    assert_eq!(problems.len(), 3, "{report}");
    assert!(
        report.contains("patients/p-future.json was written by a newer needleplan"),
        "{report}"
    );
    assert!(
        report.contains("patients/p-copy.json holds patient id"),
        "{report}"
    );
    assert!(report.contains("patients/.tmp-XYZ.json is left over"), "{report}");
}

#[test]
fn a_fresh_temp_file_is_only_a_note() {
    let (_tmp, data) = clinic();
    write(data.join("patients/.tmp-now.json"), "{").unwrap();
    let out = doctor_on(&data);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("note     patients/.tmp-now.json"));
}

#[test]
fn an_edited_audit_line_fails() {
    let (_tmp, data) = clinic();
    log_saves(&data, 4);
    let log = fs::read_to_string(data.join("audit.log")).unwrap();
    let edited = log.replacen(r#""action":"create""#, r#""action":"update""#, 1);
    write(data.join("audit.log"), edited).unwrap();
    let out = doctor_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let problems = problem_lines(&report);
    assert_eq!(problems.len(), 1, "{report}");
    assert!(problems[0].contains("audit.log line 2"), "{report}");
}

#[test]
fn a_removed_last_audit_line_shows_against_the_patient_file() {
    let (_tmp, data) = clinic();
    let rel = some_patient(&data);
    let id_text = rel.trim_start_matches("patients/").trim_end_matches(".json");
    let id = PatientId::new(id_text).unwrap();
    // The demo files are at some revision r: log two saves that end there, then drop the
    // last line, so the log ends one revision behind the file.
    let mut store = needleplan::store::PatientStore::open(&data).unwrap();
    let report = store.load_all().unwrap();
    let mut patient = report.patients.into_iter().find(|p| p.id == id).unwrap();
    patient.notes.push_str(" updated");
    store.save(&patient).unwrap();
    assert!(doctor::run(&data).is_clean(), "{:?}", doctor::run(&data).lines);

    // Drop the last line (that update): the log now ends a revision behind the file.
    let log = fs::read_to_string(data.join("audit.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    write(
        data.join("audit.log"),
        format!("{}\n", lines[..lines.len() - 1].join("\n")),
    )
    .unwrap();
    let report = doctor::run(&data);
    assert_eq!(report.problems, 1, "{:?}", report.lines);
    assert!(
        report
            .lines
            .iter()
            .any(|l| l.contains(&rel) && l.contains("missing from the log")),
        "{:?}",
        report.lines
    );
}

#[test]
fn a_missing_patient_file_the_log_knows_is_a_problem() {
    let (_tmp, data) = clinic();
    let id = PatientId::new("p-gone").unwrap();
    audit::append(&data, AuditAction::Create, &id, None, 1).unwrap();
    let report = doctor::run(&data);
    assert_eq!(report.problems, 1, "{:?}", report.lines);
    assert!(
        report
            .lines
            .iter()
            .any(|l| l.contains("patients/p-gone.json is missing"))
    );
}

#[cfg(unix)]
#[test]
fn a_patient_file_others_can_read_is_a_problem() {
    use std::os::unix::fs::PermissionsExt;
    let (_tmp, data) = clinic();
    let rel = some_patient(&data);
    fs::set_permissions(data.join(&rel), fs::Permissions::from_mode(0o644)).unwrap();
    let out = doctor_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let problems = problem_lines(&report);
    assert_eq!(problems.len(), 1, "{report}");
    assert!(
        problems[0].contains("permissions") && problems[0].contains(&rel),
        "{report}"
    );
    assert!(problems[0].contains("0644"), "{report}");
}

#[test]
fn a_broken_template_override_is_a_problem() {
    let (_tmp, data) = clinic();
    write(data.join("protocols.json"), "{ nope").unwrap();
    write(data.join("clinic.json"), r#"{"hours": []}"#).unwrap();
    let report = stdout(&doctor_on(&data));
    let problems = problem_lines(&report);
    assert_eq!(problems.len(), 2, "{report}");
    assert!(problems[0].contains("protocols.json"), "{report}");
    assert!(
        problems[1].contains("clinic.json: schema_version is missing"),
        "{report}"
    );
}

#[test]
fn a_missing_data_dir_is_a_problem_and_is_not_created() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("nowhere");
    let out = doctor_on(&data);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("does not exist"));
    assert!(!data.exists());
}

#[test]
fn doctor_reads_only() {
    let (_tmp, data) = clinic();
    let rel = some_patient(&data);
    write(data.join(&rel), "{ broken").unwrap();
    let before: Vec<_> = fs::read_dir(data.join("patients"))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (p.clone(), fs::read(&p).unwrap())
        })
        .collect();
    let log_before = fs::read(data.join("audit.log")).unwrap();
    doctor_on(&data);
    for (path, bytes) in before {
        assert_eq!(fs::read(&path).unwrap(), bytes);
    }
    assert_eq!(fs::read(data.join("audit.log")).unwrap(), log_before);
}

#[test]
fn with_demo_doctor_checks_a_fresh_demo_copy_and_says_where() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_needleplan"))
        .env("TMPDIR", tmp.path())
        .env("NEEDLEPLAN_DATA_DIR", tmp.path().join("real-data-untouched"))
        .args(["--demo", "doctor"])
        .output()
        .unwrap();
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    let first = report.lines().next().unwrap();
    assert!(first.starts_with("demo clinic copied to "), "{report}");
    assert!(first.contains(&tmp.path().display().to_string()), "{report}");
    assert!(!tmp.path().join("real-data-untouched").exists());
}

#[test]
fn demo_and_data_dir_cannot_be_combined() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_needleplan"))
        .arg("doctor")
        .arg("--demo")
        .arg("--data-dir")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "clap's usage error");
}
