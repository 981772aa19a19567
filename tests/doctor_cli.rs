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
    // The demo's patients only: these tests count patient records and their log lines,
    // so the demo's clinic.json and its line (the last) go ([`whole_demo`] keeps them).
    fs::remove_file(data.join("clinic.json")).unwrap();
    let log = fs::read_to_string(data.join("audit.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert!(lines.last().unwrap().contains("clinic_update"), "{log}");
    write(
        data.join("audit.log"),
        format!("{}\n", lines[..lines.len() - 1].join("\n")),
    )
    .unwrap();
    (tmp, data)
}

/// The demo as `install` writes it, its clinic.json included.
fn whole_demo() -> (TempDir, PathBuf) {
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
    let (_tmp, data) = whole_demo();
    let out = doctor_on(&data);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(problem_lines(&text).is_empty(), "{text}");
    let files = fs::read_dir(data.join("patients")).unwrap().count();
    // Installing the demo saved every patient once, then its clinic.json: one audit
    // line each.
    assert!(
        text.contains(&format!("audit.log: {} lines, chain intact", files + 1)),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "ok       audit.log: chain complete: every revision of {files} patient files and clinic.json is logged"
        )),
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
    // A newer file of a shape this version still reads: shown read-only in the app.
    let mut newer: serde_json::Value = serde_json::from_slice(&fs::read(data.join(&rel)).unwrap()).unwrap();
    newer["schema_version"] = serde_json::json!(99);
    let newer_rel = rel.clone();
    fs::copy(data.join(&rel), data.join("patients/p-copy.json")).unwrap();
    write(data.join(&newer_rel), serde_json::to_vec(&newer).unwrap()).unwrap();
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
    assert_eq!(problems.len(), 4, "{report}");
    assert!(
        report.contains("patients/p-future.json was written by a newer needleplan")
            && report.contains("this version cannot show it"),
        "{report}"
    );
    assert!(
        report.contains(&format!("{newer_rel} was written by a newer needleplan"))
            && report.contains("this version shows it read-only"),
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
    audit::append(&data, AuditAction::Update, &id, Some(1), 2).unwrap();
    let report = doctor::run(&data);
    assert_eq!(report.problems, 1, "{:?}", report.lines);
    assert!(
        report
            .lines
            .iter()
            .any(|l| l.contains("patients/p-gone.json is missing")),
        "{:?}",
        report.lines
    );
}

/// A create whose line was written but whose file never reached the disk (killed
/// between the two): an interrupted save, a note; nothing is missing.
#[test]
fn a_create_that_never_reached_the_disk_is_a_note() {
    let (_tmp, data) = clinic();
    let id = PatientId::new("p-never").unwrap();
    audit::append(&data, AuditAction::Create, &id, None, 1).unwrap();
    let out = doctor_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(
        report.contains(
            "note     audit.log line 100: an interrupted save: patients/p-never.json was being created"
        ),
        "{report}"
    );
    assert!(report.contains("chain complete"), "{report}");
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
fn a_bad_depth_ranges_override_is_named_with_its_area_and_field() {
    let (_tmp, data) = clinic();
    write(
        data.join("depth_ranges.json"),
        r#"{"schema_version":1,"areas":{"under_eye":{"min_mm":0.3,"max_mm":0.2}}}"#,
    )
    .unwrap();
    let out = doctor_on(&data);
    let report = stdout(&out);
    let problems = problem_lines(&report);
    assert_eq!(problems.len(), 1, "{report}");
    assert!(
        problems[0].contains(
            "depth_ranges.json: areas.under_eye.max_mm (0.2 mm) must not be below min_mm (0.3 mm); using the built-in defaults"
        ),
        "{report}"
    );
    assert_eq!(out.status.code(), Some(1));
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

// ---------------------------------------------------------------------------------------
// doctor --fix, and clinic.json
// ---------------------------------------------------------------------------------------

fn doctor_fix_on(data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_needleplan"))
        .arg("--data-dir")
        .arg(data)
        .args(["doctor", "--fix"])
        .output()
        .unwrap()
}

/// A temp file as a killed save leaves it, `age` old.
fn temp_file(path: &Path, age: Duration) {
    write(path, "{ half a rec").unwrap();
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(SystemTime::now() - age)
        .unwrap();
}

/// Every file in `dir` (not recursive) with its bytes.
fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn fix_removes_old_temp_files_and_keeps_fresh_ones_and_every_record() {
    let (_tmp, data) = clinic();
    needleplan::store::clinic_file::save(&data, &needleplan::store::demo::demo_settings()).unwrap();
    temp_file(
        &data.join("patients/.tmp-old1.json"),
        Duration::from_secs(3 * 3600),
    );
    temp_file(&data.join(".tmp-old2.json"), Duration::from_secs(120));
    temp_file(&data.join("patients/.tmp-fresh.json"), Duration::from_secs(5));
    // Old, but not a temp file of ours: never touched.
    temp_file(&data.join("patients/notes.txt"), Duration::from_secs(3600));
    let records_before: Vec<_> = files_in(&data.join("patients"))
        .into_iter()
        .filter(|(name, _)| !name.starts_with(".tmp-"))
        .collect();
    let clinic_before = fs::read(data.join("clinic.json")).unwrap();
    let before = doctor_on(&data);
    assert_eq!(before.status.code(), Some(1), "{}", stdout(&before));

    let out = doctor_fix_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(
        report
            .contains("fixed    removed patients/.tmp-old1.json, left over from a save interrupted 3 h ago"),
        "{report}"
    );
    assert!(report.contains("fixed    removed .tmp-old2.json"), "{report}");
    assert!(
        report.contains("note     patients/.tmp-fresh.json is a save in progress"),
        "{report}"
    );
    assert!(problem_lines(&report).is_empty(), "{report}");
    assert!(!data.join("patients/.tmp-old1.json").exists());
    assert!(!data.join(".tmp-old2.json").exists());
    assert!(
        data.join("patients/.tmp-fresh.json").exists(),
        "a save in progress is left alone"
    );
    let records_after: Vec<_> = files_in(&data.join("patients"))
        .into_iter()
        .filter(|(name, _)| !name.starts_with(".tmp-"))
        .collect();
    assert_eq!(records_after, records_before, "every record byte for byte");
    assert_eq!(fs::read(data.join("clinic.json")).unwrap(), clinic_before);

    // Nothing left to remove: a second run says nothing was fixed.
    let again = stdout(&doctor_fix_on(&data));
    assert!(!again.contains("fixed"), "{again}");
}

#[test]
fn fix_exits_non_zero_when_something_else_is_wrong() {
    let (_tmp, data) = clinic();
    temp_file(&data.join("patients/.tmp-old.json"), Duration::from_secs(600));
    let rel = some_patient(&data);
    write(data.join(&rel), "{ broken").unwrap();
    let out = doctor_fix_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("fixed    removed patients/.tmp-old.json"),
        "{report}"
    );
    assert_eq!(problem_lines(&report).len(), 1, "{report}");
    assert_eq!(
        fs::read_to_string(data.join(&rel)).unwrap(),
        "{ broken",
        "a broken record is kept"
    );
}

#[test]
fn fix_waits_for_a_save_in_progress_and_removes_nothing_without_the_lock() {
    let (_tmp, data) = clinic();
    temp_file(&data.join("patients/.tmp-old.json"), Duration::from_secs(600));
    let held = needleplan::store::lock::DirLock::acquire(&data, Duration::ZERO).unwrap();
    let report = doctor::fix_waiting(&data, Duration::from_millis(100));
    drop(held);
    assert!(!report.is_clean());
    assert!(
        report
            .lines
            .iter()
            .any(|l| l.contains("nothing removed") && l.contains("holding the lock")),
        "{:#?}",
        report.lines
    );
    assert!(data.join("patients/.tmp-old.json").exists());
}

#[test]
fn clinic_json_schema_and_revision_are_checked() {
    let (_tmp, data) = clinic();
    // The first release's file: read, with a note that it is from an older version.
    write(
        data.join("clinic.json"),
        fs::read("tests/samples/clinic/v1.json").unwrap(),
    )
    .unwrap();
    let report = stdout(&doctor_on(&data));
    assert!(
        report.contains(
            "note     clinic.json is schema_version 1, from an older needleplan: read as revision 1"
        ),
        "{report}"
    );
    assert!(problem_lines(&report).is_empty(), "{report}");

    // Saved twice: revision 3, and the log agrees.
    let mut s = needleplan::store::clinic_file::load(&data).settings;
    for name in ["A", "B"] {
        s.name = name.into();
        s.revision =
            needleplan::store::clinic_file::save_revision(&data, &s, Duration::from_secs(5)).unwrap();
    }
    let out = doctor_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(
        report.contains("ok       clinic.json read (revision 3)"),
        "{report}"
    );

    // The first save replaced the first release's file: its line says that revision 1
    // has no line of its own.
    let clinic_lines: Vec<_> = audit::read_entries(&data)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == AuditAction::ClinicUpdate)
        .map(|e| (e.revision_before, e.revision_after, e.before_unlogged))
        .collect();
    assert_eq!(clinic_lines, [(Some(1), 2, true), (Some(2), 3, false)]);

    // At the revision the last line started from: that save never reached the disk (the
    // line is written before the file), a note.
    let text = fs::read_to_string(data.join("clinic.json")).unwrap();
    write(
        data.join("clinic.json"),
        text.replace("\"revision\": 3", "\"revision\": 2"),
    )
    .unwrap();
    let out = doctor_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(
        report.contains("an interrupted save: revision 3 of clinic.json never reached the disk"),
        "{report}"
    );

    // An old copy put back over it: older than the log says.
    write(
        data.join("clinic.json"),
        text.replace("\"revision\": 3", "\"revision\": 1"),
    )
    .unwrap();
    let report = stdout(&doctor_on(&data));
    let problems = problem_lines(&report);
    assert_eq!(problems.len(), 1, "{report}");
    assert!(
        problems[0].contains("clinic.json is at revision 1 but the log records revision 3"),
        "{report}"
    );
}

// ---------------------------------------------------------------------------------------
// Completeness: every revision from creation to the one on disk is in the log
// ---------------------------------------------------------------------------------------

/// The patients' ids, sorted, as the demo installed them (and logged them, in this order).
fn patient_ids(data: &Path) -> Vec<String> {
    let mut ids: Vec<String> = fs::read_dir(data.join("patients"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".json")
                .to_string()
        })
        .collect();
    ids.sort();
    ids
}

/// The PROBLEM line about `patients/<id>.json`.
fn problem_about<'a>(report: &'a str, id: &str) -> &'a str {
    let file = format!("patients/{id}.json ");
    problem_lines(report)
        .into_iter()
        .find(|l| l.contains(&file))
        .unwrap_or_else(|| panic!("no problem names {file}: {report}"))
}

#[test]
fn a_wiped_log_is_a_problem_naming_the_first_missing_revision() {
    let (_tmp, data) = clinic();
    write(data.join("audit.log"), "").unwrap();
    let out = doctor_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let n = patient_ids(&data).len();
    assert!(
        report.contains(&format!(
            "PROBLEM  audit.log is empty, but {n} records on disk have revisions"
        )),
        "{report}"
    );
    let first = &patient_ids(&data)[0];
    assert!(
        problem_about(&report, first).ends_with(
            "is at revision 1 but the log has no line for it: revision 1 is missing from the log, \
             the first missing is revision 1"
        ),
        "{report}"
    );
    // Twenty listed, the rest counted in one line; every record is a problem.
    assert!(
        report.contains(&format!(
            "audit.log: {} more records with revisions missing",
            n - 20
        )),
        "{report}"
    );
    assert!(
        report.ends_with(&format!("checked {n} patient files, {} problems\n", n + 1)),
        "{report}"
    );
    assert!(!report.contains("chain complete"), "{report}");
}

#[test]
fn a_deleted_log_is_a_problem_naming_the_first_missing_revision() {
    let (_tmp, data) = clinic();
    fs::remove_file(data.join("audit.log")).unwrap();
    let out = doctor_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("PROBLEM  audit.log is missing, but"), "{report}");
    let first = &patient_ids(&data)[0];
    assert!(
        problem_about(&report, first).contains("the first missing is revision 1"),
        "{report}"
    );
}

#[test]
fn a_log_cut_to_its_first_line_is_a_problem_for_every_other_record() {
    let (_tmp, data) = clinic();
    let log = fs::read_to_string(data.join("audit.log")).unwrap();
    let first_line = log.lines().next().unwrap();
    write(data.join("audit.log"), format!("{first_line}\n")).unwrap();
    let out = doctor_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    // The chain itself is intact: only the history is not.
    assert!(
        report.contains("ok       audit.log: 1 line, chain intact"),
        "{report}"
    );
    let kept: audit::AuditEntry = serde_json::from_str(first_line).unwrap();
    let file = format!("patients/{}.json ", kept.patient_id);
    assert!(
        !problem_lines(&report).iter().any(|l| l.contains(&file)),
        "the first line's record is whole: {report}"
    );
    let ids = patient_ids(&data);
    let other = ids.iter().find(|id| **id != kept.patient_id).unwrap();
    assert!(
        problem_about(&report, other).contains("the first missing is revision 1"),
        "{report}"
    );
    let n = ids.len();
    assert!(
        report.ends_with(&format!("checked {n} patient files, {} problems\n", n - 1)),
        "{report}"
    );
}

/// What an older needleplan left when killed between the rename and the log: a revision
/// on disk with no line, and the next save logged as if nothing were amiss. The hash
/// chain is intact (nothing was removed), the history is not.
#[test]
fn a_gap_in_the_middle_of_a_history_is_a_problem_naming_the_first_missing_revision() {
    let (_tmp, data) = clinic();
    let id = patient_ids(&data)[5].clone();
    let mut store = needleplan::store::PatientStore::open(&data).unwrap();
    let mut p = store
        .load_all()
        .unwrap()
        .patients
        .into_iter()
        .find(|p| p.id.as_str() == id)
        .unwrap();
    let save = |p: &mut needleplan::domain::patient::Patient, note: &str| {
        p.notes.push_str(note);
        p.revision = store.save(p).unwrap();
    };
    save(&mut p, " two");
    // Revision 3 reaches the disk without its line.
    p.notes.push_str(" three");
    p.revision = 3;
    write(
        data.join(format!("patients/{id}.json")),
        needleplan::store::patient_file::encode(&p),
    )
    .unwrap();
    save(&mut p, " four");
    assert_eq!(p.revision, 4);

    let out = doctor_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("chain intact"), "{report}");
    let problems = problem_lines(&report);
    assert_eq!(problems.len(), 1, "{report}");
    assert!(
        problems[0].ends_with(&format!(
            "patients/{id}.json goes on from revision 3, but its line before (line 100) ends at \
             revision 2: revision 3 is missing from the log, the first missing is revision 3"
        )),
        "{report}"
    );
}

/// A record of the first release (schema_version 1, before revisions and the log) has no
/// line for its revision 1: a note, and its first save says so in its line, so that the
/// history from then on is complete.
#[test]
fn a_record_from_before_the_log_is_a_note_and_its_first_save_says_so() {
    let (_tmp, data) = clinic();
    let sample = "tests/samples/v1/patients/p-0000a001.json";
    write(data.join("patients/p-0000a001.json"), fs::read(sample).unwrap()).unwrap();
    let out = doctor_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(
        report.contains(
            "note     patients/p-0000a001.json was written by the first release (schema_version 1)"
        ),
        "{report}"
    );

    let mut store = needleplan::store::PatientStore::open(&data).unwrap();
    let mut p = store
        .load_all()
        .unwrap()
        .patients
        .into_iter()
        .find(|p| p.id.as_str() == "p-0000a001")
        .unwrap();
    p.notes.push_str(" seen again");
    assert_eq!(store.save(&p), Ok(2));
    let last = audit::read_entries(&data).unwrap().pop().unwrap();
    assert_eq!(
        (last.revision_before, last.revision_after, last.before_unlogged),
        (Some(1), 2, true)
    );
    let out = doctor_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(!report.contains("p-0000a001"), "{report}");

    // The same file of the current version, with no line: a problem, not history.
    let mut current = fs::read_to_string(data.join("patients/p-0000a001.json")).unwrap();
    let log = fs::read_to_string(data.join("audit.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    write(
        data.join("audit.log"),
        format!("{}\n", lines[..lines.len() - 1].join("\n")),
    )
    .unwrap();
    current = current.replace("\"revision\": 2", "\"revision\": 1");
    write(data.join("patients/p-0000a001.json"), current).unwrap();
    let out = doctor_on(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        problem_about(&report, "p-0000a001").contains("the first missing is revision 1"),
        "{report}"
    );
}

/// Runs `doctor`, killing it (and failing) should it never finish: the test is about a
/// FIFO that a plain read would block on for ever.
fn doctor_must_finish(data: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_needleplan"))
        .arg("--data-dir")
        .arg(data)
        .arg("doctor")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut waited = Duration::ZERO;
    while child.try_wait().unwrap().is_none() {
        if waited > Duration::from_secs(120) {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("doctor never finished (blocked on a FIFO?)");
        }
        std::thread::sleep(Duration::from_millis(50));
        waited += Duration::from_millis(50);
    }
    child.wait_with_output().unwrap()
}

/// Links, FIFOs, dirs and files over the size cap in `patients/` are each a problem that
/// says what it is; none is followed or opened, and doctor finishes.
#[cfg(unix)]
#[test]
fn special_and_oversized_patient_files_are_problems_and_doctor_finishes() {
    let (tmp, data) = clinic();
    let patients = data.join("patients");
    nix::unistd::mkfifo(&patients.join("p-fifo.json"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    let outside = tmp.path().join("elsewhere.json");
    fs::copy(data.join(some_patient(&data)), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, patients.join("p-linked.json")).unwrap();
    fs::create_dir(patients.join("p-dir.json")).unwrap();
    let big = fs::File::create(patients.join("p-big.json")).unwrap();
    big.set_len(20 * 1024 * 1024).unwrap();
    drop(big);
    make_private(&patients.join("p-big.json"));

    let out = doctor_must_finish(&data);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let problems = problem_lines(&report);
    for expected in [
        "patients/p-big.json is 20 MB, over the 10 MB a patient file may hold: not read",
        "patients/p-dir.json is a directory, not a regular file",
        "patients/p-fifo.json is a FIFO (named pipe), not a regular file",
        "patients/p-linked.json is a symbolic link, not a regular file",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{expected}\n{report}"
        );
    }
    assert_eq!(problems.len(), 4, "{report}");
}

#[cfg(unix)]
fn make_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
}

/// `needleplan doctor | head -1`: when the reader of the report goes away, doctor stops
/// quietly (killed by SIGPIPE, as other command-line tools are), never with the
/// "stopped on an internal error" of a panic inside `println!`.
#[cfg(unix)]
#[test]
fn a_reader_that_goes_away_stops_the_report_quietly() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    install(&data, "2026-11-25".parse().unwrap()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_needleplan"))
        .arg("--data-dir")
        .arg(&data)
        .arg("doctor")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before doctor writes its first line.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("internal error"), "{err}");
    assert!(
        out.status.signal() == Some(13) || out.status.success(),
        "{:?} {err}",
        out.status
    );
}
