//! Data in and out (issue 13), the real binary on temporary data dirs: `import-csv` on
//! the fixtures in `tests/fixtures/` (a practice-management export with BOM, CRLF,
//! quoted newlines, day-first dates and a "Mobile" column; a spreadsheet with
//! duplicates and a bad row; a file whose dates could be read both ways), `export-csv`
//! (and the demo clinic's patients exported and imported back), `reminders` for a fixed
//! day of the demo clinic, and `--exec` with a script that records its environment.
//! A property test checks that whatever the csv crate writes imports back the same.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::cli::*;
use needleplan::domain::import_csv::{ImportOptions, plan_import};
use needleplan::domain::patient::{Patient, PatientDetails};
use needleplan::store::{PatientStore, audit, demo};
use proptest::prelude::*;
use tempfile::TempDir;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Every patient in `dir`, as loaded by the store.
fn patients_in(dir: &Path) -> Vec<Patient> {
    let mut store = PatientStore::open(dir).unwrap();
    store.load_all().unwrap().patients
}

/// The names, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = patients_in(dir).into_iter().map(|p| p.full_name).collect();
    v.sort();
    v
}

/// Every file under `dir` with its bytes: what "nothing written" compares.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let path = e.path();
            if path.is_dir() {
                out.extend(snapshot(&path));
            } else if !path.ends_with(".lock") {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn import(tmp: &TempDir, args: &[&str]) -> std::process::Output {
    let mut all = vec!["import-csv"];
    all.extend(args);
    run_on(tmp, &all)
}

/// A data dir holding the four patients of the practice-management export.
/// The audit lines about patients (the test clinic's set-up logged a settings save).
fn patient_entries(dir: &std::path::Path) -> Vec<audit::AuditEntry> {
    audit::read_entries(dir)
        .unwrap()
        .into_iter()
        .filter(|e| e.action != audit::AuditAction::ClinicUpdate)
        .collect()
}

fn clinic_with_pms_import() -> TempDir {
    let tmp = temp_clinic(&[]);
    let out = import(&tmp, &[&fixture("pms_export.csv"), "--map", "Mobile=phone"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    tmp
}

#[test]
fn a_dry_run_reports_every_row_by_its_line_and_writes_nothing() {
    let tmp = temp_clinic(&[]);
    let before = snapshot(&data_dir(&tmp));
    let out = import(&tmp, &[&fixture("pms_export.csv"), "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.contains("(dry run: nothing written)"), "{report}");
    assert!(report.contains("dates read day first (dmy)"), "{report}");
    // The Mobile column is not known without --map: named, with how to use it.
    assert!(
        report.contains("columns not imported: Patient ID, Mobile (give --map 'Mobile=phone' to import the phone from Mobile)"),
        "{report}"
    );
    assert!(report.contains("would create 4 patients:"), "{report}");
    assert!(
        report.contains("  line 2: Ana Lima, born 1990-04-03, ana.lima@example.com\n"),
        "{report}"
    );
    assert!(
        report.contains("  line 3: Zoë Åström, born 1985-12-25, zoe@example.org\n"),
        "{report}"
    );
    // Line 4's notes hold a quoted newline: the next row starts on line 6.
    assert!(
        report.contains("  line 4: Jean-Luc Martin, Jr, born 1979-07-14\n"),
        "{report}"
    );
    assert!(report.contains("  line 6: Mei Chen, born 2001-02-01"), "{report}");
    assert_eq!(snapshot(&data_dir(&tmp)), before, "a dry run writes nothing");

    let none = tmp.path().join("none");
    let out = run(
        tmp.path(),
        &[
            "--data-dir",
            none.to_str().unwrap(),
            "import-csv",
            &fixture("pms_export.csv"),
            "--dry-run",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("would create 4 patients:"));
    assert!(!none.exists(), "a dry run creates no data dir");
}

#[test]
fn an_import_saves_through_the_store_with_one_audit_line_per_patient_and_no_names_in_it() {
    let tmp = clinic_with_pms_import();
    let dir = data_dir(&tmp);
    let patients = patients_in(&dir);
    assert_eq!(patients.len(), 4);
    let jean = patients
        .iter()
        .find(|p| p.full_name == "Jean-Luc Martin, Jr")
        .unwrap();
    assert_eq!(jean.phone, "06 98 76 54 32");
    assert_eq!(jean.notes, "Allergic to lidocaine.\nSee letter of 2024.");
    assert_eq!(jean.date_of_birth, Some(d("1979-07-14")));
    assert_eq!(jean.revision, 1);
    let entries = patient_entries(&dir);
    assert_eq!(entries.len(), 4);
    let ids: BTreeSet<String> = patients.iter().map(|p| p.id.to_string()).collect();
    for e in &entries {
        assert_eq!(e.action, audit::AuditAction::Create);
        assert!(ids.contains(&e.patient_id));
    }
    let log = std::fs::read_to_string(audit::audit_path(&dir)).unwrap();
    for p in &patients {
        let surname = p.full_name.split_whitespace().last().unwrap();
        assert!(!log.contains(surname), "no name in the audit log: {log}");
    }
    assert_eq!(
        audit::verify(&dir),
        Ok(5),
        "the chain holds: the set-up line and four creates"
    );
}

#[test]
fn a_second_run_of_the_same_file_creates_nothing_new() {
    let tmp = clinic_with_pms_import();
    let dir = data_dir(&tmp);
    let before = snapshot(&dir);
    let out = import(&tmp, &[&fixture("pms_export.csv"), "--map", "Mobile=phone"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.contains("created 0 patients:"), "{report}");
    assert!(report.contains("already there, nothing created (4):"), "{report}");
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn a_refused_row_stops_the_whole_import_unless_skip_bad() {
    let tmp = clinic_with_pms_import();
    let dir = data_dir(&tmp);
    let before = snapshot(&dir);
    let file = fixture("spreadsheet_with_problems.csv");

    let out = import(&tmp, &[&file, "--dry-run"]);
    assert_eq!(out.status.code(), Some(1), "a dry run with refused rows fails");
    let report = stdout(&out);
    let ana = patients_in(&dir)
        .into_iter()
        .find(|p| p.full_name == "Ana Lima")
        .unwrap();
    for expected in [
        "would create 3 patients:",
        "  line 3: Olu Adeyemi, born 1988-09-30, 07700 900123, olu@example.com\n",
        "already there, nothing created (2):",
        &format!("  line 2: same as {}\n", ana.id),
        "  line 4: same as line 3\n",
        "likely duplicates, would be created all the same: check them (1):",
        "  line 5: same phone as line 3\n",
        "refused (1):",
        "  line 6: date of birth '1990-02-31': that month has no day 31; email 'not-an-email': email needs a name, an @ and a domain\n",
        "Without --dry-run nothing would be written while 1 row is refused",
    ] {
        assert!(report.contains(expected), "missing {expected:?} in:\n{report}");
    }

    let out = import(&tmp, &[&file]);
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(report.contains("would have created 3 patients:"), "{report}");
    assert!(
        report.contains("Nothing was written: 1 row is refused."),
        "{report}"
    );
    assert_eq!(snapshot(&dir), before, "all or nothing");

    let out = import(&tmp, &[&file, "--skip-bad"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("created 3 patients:"), "{}", stdout(&out));
    assert_eq!(
        names(&dir),
        vec![
            "Ana Lima",
            "Jean-Luc Martin, Jr",
            "Kofi Adeyemi",
            "Mei Chen",
            "Olu Adeyemi",
            "Sam Okafor",
            "Zoë Åström"
        ]
    );
    assert_eq!(patient_entries(&dir).len(), 7);

    // And again: nothing new, the bad row still named.
    let out = import(&tmp, &[&file, "--skip-bad"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("created 0 patients:"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("already there, nothing created (5):"),
        "{}",
        stdout(&out)
    );
    assert_eq!(patients_in(&dir).len(), 7);
}

#[test]
fn an_ambiguous_file_is_refused_with_its_rows_and_read_as_told() {
    let tmp = temp_clinic(&[]);
    let dir = data_dir(&tmp);
    let before = snapshot(&dir);
    let out = import(&tmp, &[&fixture("ambiguous_dates.csv")]);
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(
        said.contains("line 2: 03/04/1990 could be 3 April or 4 March"),
        "{said}"
    );
    assert!(
        said.contains("line 4: 05/06/1970 could be 5 June or 6 May"),
        "{said}"
    );
    assert!(said.contains("--date-format dmy"), "{said}");
    assert!(said.contains("nothing imported"), "{said}");
    assert_eq!(snapshot(&dir), before);

    let out = import(&tmp, &[&fixture("ambiguous_dates.csv"), "--date-format", "mdy"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ana = patients_in(&dir)
        .into_iter()
        .find(|p| p.full_name == "Ana Lima")
        .unwrap();
    assert_eq!(ana.date_of_birth, Some(d("1990-03-04")));
}

#[test]
fn a_missing_file_or_unknown_map_column_is_a_clear_refusal() {
    let tmp = temp_clinic(&[]);
    let out = import(&tmp, &["nope.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("nope.csv does not exist"),
        "{}",
        stderr(&out)
    );
    let out = import(&tmp, &[&fixture("pms_export.csv"), "--map", "Cell=phone"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the file has no column 'Cell'"),
        "{}",
        stderr(&out)
    );
    let out = import(&tmp, &[&fixture("pms_export.csv"), "--map", "Mobile=fax"]);
    assert_eq!(out.status.code(), Some(2), "clap refuses the argument");
    assert!(stderr(&out).contains("'fax' is not a field"), "{}", stderr(&out));
    assert!(patients_in(&data_dir(&tmp)).is_empty());
}

/// A copy of the demo clinic, dated as on its reference Monday 2026-06-01.
fn demo_clinic() -> TempDir {
    let tmp = tempfile::tempdir().unwrap();
    demo::install(&data_dir(&tmp), d("2026-06-01")).unwrap();
    tmp
}

#[test]
fn the_demo_clinics_patients_exported_and_imported_into_an_empty_dir_are_the_same() {
    let tmp = demo_clinic();
    let file = tmp.path().join("patients.csv");
    let out = run_on(
        &tmp,
        &[
            "export-csv",
            "--what",
            "patients",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let demo = patients_in(&data_dir(&tmp));
    assert!(
        stdout(&out).contains(&format!("wrote {} row(s)", demo.len())),
        "{}",
        stdout(&out)
    );

    let empty = tmp.path().join("empty");
    let out = run(
        tmp.path(),
        &[
            "--data-dir",
            empty.to_str().unwrap(),
            "import-csv",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let key = |p: &Patient| {
        (
            p.full_name.clone(),
            p.date_of_birth,
            p.phone.clone(),
            p.email.clone(),
            p.notes.clone(),
        )
    };
    let mut before: Vec<_> = demo.iter().map(key).collect();
    let mut after: Vec<_> = patients_in(&empty).iter().map(key).collect();
    before.sort();
    after.sort();
    assert_eq!(after, before);

    // An existing --out is never replaced without --force.
    let out = run_on(
        &tmp,
        &[
            "export-csv",
            "--what",
            "patients",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
}

#[test]
fn sessions_and_aftercare_go_to_stdout_by_date_with_or_without_names() {
    let tmp = demo_clinic();
    let out = run_on(
        &tmp,
        &[
            "export-csv",
            "--what",
            "sessions",
            "--from",
            "2026-06-02",
            "--to",
            "2026-06-02",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = stdout(&out);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("patient_id,name,date,time,status,clinician,room,series,series_number,session,depths_mm")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.contains(",2026-06-02,")), "{csv}");

    let out = run_on(&tmp, &["export-csv", "--what", "aftercare", "--no-names"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = stdout(&out);
    assert!(
        csv.starts_with("patient_id,session_date,item,due,done,done_at\n"),
        "{csv}"
    );
    for p in patients_in(&data_dir(&tmp)) {
        assert!(!csv.contains(&p.full_name), "no names with --no-names");
    }

    let out = run_on(
        &tmp,
        &["export-csv", "--what", "patients", "--from", "2026-06-02"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("an export of patients takes every patient"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn reminders_list_the_booked_sessions_of_a_day_as_text_or_csv() {
    let tmp = demo_clinic();
    let patients = patients_in(&data_dir(&tmp));
    let booked: Vec<&Patient> = patients
        .iter()
        .filter(|p| {
            p.series.iter().flat_map(|s| &s.sessions).any(|s| {
                s.date == d("2026-06-02") && s.status == needleplan::domain::series::SessionStatus::Booked
            })
        })
        .collect();
    assert!(booked.len() >= 2, "the demo books several patients that day");

    let out = run_on(&tmp, &["reminders", "--date", "2026-06-02", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = stdout(&out);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        vec![
            "name",
            "phone",
            "email",
            "date",
            "time",
            "clinician",
            "clinic",
            "address",
            "patient_id"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.len() >= booked.len());
    for p in &booked {
        let row = rows
            .iter()
            .find(|r| &r[8] == p.id.as_str())
            .expect("every booked patient");
        assert_eq!(
            (&row[0], &row[1], &row[2]),
            (p.full_name.as_str(), p.phone.as_str(), p.email.as_str())
        );
        assert_eq!(&row[3], "2026-06-02");
        assert!(!row[5].is_empty(), "the clinician's name");
        assert_eq!(&row[7], "12 Example Lane, London N1 0AA", "the clinic's address");
    }
    let times: Vec<&str> = rows.iter().map(|r| &r[4]).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "in time order");

    let out = run_on(&tmp, &["reminders", "--date", "2026-06-02"]);
    let text = stdout(&out);
    assert!(text.starts_with("Reminders for 2026-06-02 (Tuesday): "), "{text}");
    assert!(
        text.contains(&format!("{} ({})", booked[0].full_name, booked[0].id)),
        "{text}"
    );

    let out = run_on(&tmp, &["reminders", "--date", "02/06/2026"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("or 'today', 'tomorrow'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn exec_runs_the_command_once_per_reminder_with_the_fields_in_its_environment() {
    let tmp = demo_clinic();
    let record = tmp.path().join("sent");
    std::fs::create_dir(&record).unwrap();
    let script = tmp.path().join("send.sh");
    // Records its environment; fails for the first patient it is given.
    std::fs::write(
        &script,
        format!(
            "env | grep '^NEEDLEPLAN_' | sort > '{dir}/'\"$NEEDLEPLAN_PATIENT_ID\"\n\
             if [ ! -e '{dir}/first' ]; then touch '{dir}/first'; exit 3; fi\n",
            dir = record.display()
        ),
    )
    .unwrap();
    let cmd = format!("sh '{}'", script.display());
    let out = run_on(&tmp, &["reminders", "--date", "2026-06-02", "--exec", &cmd]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "one reminder failed: {}",
        stdout(&out)
    );
    let report = stdout(&out);
    let list = needleplan::domain::reminders::reminders(
        &patients_in(&data_dir(&tmp)),
        &needleplan::store::clinic_file::load(&data_dir(&tmp)).settings,
        d("2026-06-02"),
    );
    assert!(list.len() >= 2);
    let first = &list[0];
    assert!(
        report.contains(&format!(
            "2026-06-02 {} {}: FAILED, exit status 3",
            first.time.unwrap().format("%H:%M"),
            first.patient_id
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!("{}: ok, exit status 0", list[1].patient_id)),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "{} reminder(s) for 2026-06-02: {} ok, 1 failed",
            list.len(),
            list.len() - 1
        )),
        "{report}"
    );
    for p in &list {
        assert!(!report.contains(&p.name), "the report names ids, not patients");
    }
    let env = std::fs::read_to_string(record.join(&list[1].patient_id)).unwrap();
    let r = &list[1];
    let expected = format!(
        "NEEDLEPLAN_ADDRESS={}\nNEEDLEPLAN_CLINIC={}\nNEEDLEPLAN_CLINICIAN={}\nNEEDLEPLAN_DATE=2026-06-02\nNEEDLEPLAN_EMAIL={}\nNEEDLEPLAN_NAME={}\nNEEDLEPLAN_PATIENT_ID={}\nNEEDLEPLAN_PHONE={}\nNEEDLEPLAN_TIME={}\n",
        r.address,
        r.clinic,
        r.clinician,
        r.email,
        r.name,
        r.patient_id,
        r.phone,
        r.time.unwrap().format("%H:%M")
    );
    assert_eq!(env, expected);
    assert!(!r.name.is_empty() && !r.phone.is_empty() && !r.clinician.is_empty());
    assert!(!r.address.is_empty(), "the clinic address from its settings");
}

// ---------------------------------------------------------------------------------------
// Whatever the csv crate writes imports back the same
// ---------------------------------------------------------------------------------------

/// Text as a form field holds it: no leading or trailing space, any characters between
/// (commas, quotes, accents; newlines in notes).
fn field(chars: &'static str, max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("{chars}{{0,{max}}}"))
        .unwrap()
        .prop_map(|s| s.trim().to_string())
}

fn details() -> impl Strategy<Value = PatientDetails> {
    (
        field(r#"[a-zA-Zéèöñ'", .\-]"#, 20),
        proptest::option::of(0i64..40_000),
        field(r"[0-9 +()./\-]", 16),
        proptest::option::of("[a-z0-9.]{1,8}@[a-z]{1,8}\\.[a-z]{2,3}"),
        field(r#"[a-zA-Z0-9 ,;"'\n]"#, 40),
    )
        .prop_map(|(name, dob, phone, email, notes)| PatientDetails {
            full_name: format!("{name} X").trim().to_string(),
            date_of_birth: dob.map(|days| d("1900-01-01") + chrono::Duration::days(days)),
            phone,
            email: email.unwrap_or_default(),
            notes,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_csv_the_csv_crate_writes_imports_back_to_the_same_fields(
        people in proptest::collection::vec(details(), 1..6),
        crlf in any::<bool>(),
    ) {
        // Distinct people: a row identical to an earlier one is (rightly) created once.
        let people: Vec<PatientDetails> = people
            .into_iter()
            .enumerate()
            .map(|(i, mut p)| {
                p.full_name = format!("{} {i}", p.full_name);
                p
            })
            .collect();
        let terminator = if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') };
        let mut w = csv::WriterBuilder::new().terminator(terminator).from_writer(Vec::new());
        w.write_record(["Name", "Date of birth", "Phone", "Email", "Notes"]).unwrap();
        for p in &people {
            let dob = p.date_of_birth.map(|d| d.to_string()).unwrap_or_default();
            w.write_record([&p.full_name, &dob, &p.phone, &p.email, &p.notes]).unwrap();
        }
        let bytes = w.into_inner().unwrap();
        let plan = plan_import(&bytes, &ImportOptions::default(), &[], d("2026-12-04")).unwrap();
        prop_assert!(plan.refused.is_empty(), "{:?}", plan.refused);
        let back: Vec<PatientDetails> = plan.new.into_iter().map(|r| r.details).collect();
        prop_assert_eq!(back, people);
    }
}

#[test]
fn an_import_needs_a_login_allowed_to_change_patients() {
    use needleplan::domain::clinic::ClinicSettings;
    use needleplan::domain::staff::{Role, StaffMember};
    let tmp = temp_clinic(&[]);
    let dir = data_dir(&tmp);
    // The test clinic as saved at its set-up, with a staff list that lacks this login.
    let mut settings: ClinicSettings = needleplan::store::clinic_file::parse(
        &std::fs::read_to_string(needleplan::store::clinic_file::path(&dir)).unwrap(),
    )
    .unwrap();
    settings.staff = vec![StaffMember {
        login: "someone-else".into(),
        name: "Someone Else".into(),
        roles: vec![Role::Admin],
        clinician: None,
    }];
    needleplan::store::clinic_file::save(&dir, &settings).unwrap();
    let before = snapshot(&dir);
    let out = import(&tmp, &[&fixture("pms_export.csv")]);
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(said.contains("is not on the staff list"), "{said}");
    assert!(said.ends_with("; nothing imported\n"), "{said}");
    assert_eq!(snapshot(&dir), before);
    // A dry run only reads: it is allowed.
    assert!(
        import(&tmp, &[&fixture("pms_export.csv"), "--dry-run"])
            .status
            .success()
    );
}

#[test]
fn a_save_that_fails_stops_the_import_and_says_what_was_saved() {
    let tmp = temp_clinic(&[]);
    let dir = data_dir(&tmp);
    // Where audit.log should be, a dir: no save can write its audit line.
    let _ = std::fs::remove_file(audit::audit_path(&dir));
    std::fs::create_dir(audit::audit_path(&dir)).unwrap();
    let out = import(&tmp, &[&fixture("pms_export.csv"), "--map", "Mobile=phone"]);
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(report.contains("created 0 patients:"), "{report}");
    assert!(
        report.contains("STOPPED at line 2: patients/p-")
            && report.contains("not saved: audit.log cannot be written"),
        "{report}"
    );
    assert!(
        report.contains("Nothing was saved; once the problem is fixed, run the same command again"),
        "{report}"
    );
    assert!(patients_in(&dir).is_empty());
}
