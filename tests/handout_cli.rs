//! `needleplan handout <patient-id>`: the real binary on a temporary data dir writes the
//! aftercare sheet with real calendar dates for the latest session done (else the next
//! one, and says so), as text or Markdown, to stdout or a file; an unknown id fails.

use std::path::Path;
use std::process::{Command, Output};

use chrono::{NaiveDate, NaiveTime};
use needleplan::domain::clinic::ClinicSettings;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::series::{Series, Session, SessionStatus};
use needleplan::store::{PatientStore, clinic_file};
use tempfile::TempDir;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn patient(id: &str, name: &str, sessions: Vec<(&str, SessionStatus)>) -> Patient {
    let details = PatientDetails {
        full_name: name.into(),
        ..PatientDetails::default()
    };
    let mut p = Patient::new(PatientId::new(id).unwrap(), details, d("2026-09-01"));
    p.series.push(Series {
        protocol_id: "acne-scars-standard".into(),
        protocol_name: "Acne scars, standard".into(),
        interval_days: 28,
        min_interval_days: 14,
        created: d("2026-09-01"),
        sessions: sessions
            .into_iter()
            .map(|(date, status)| Session {
                status,
                ..Session::planned(d(date), NaiveTime::from_hms_opt(9, 30, 0))
            })
            .collect(),
        ..Series::default()
    });
    p
}

/// A data dir `data/` with a named clinic and two patients.
fn clinic() -> TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let store = PatientStore::open(&data).unwrap();
    let settings = ClinicSettings {
        name: "Harbour Skin Clinic".into(),
        ..ClinicSettings::default()
    };
    clinic_file::save(&data, &settings).unwrap();
    use SessionStatus::{Booked, Done, Planned};
    store
        .save(&patient(
            "p-000000a1",
            "Yusuf Done",
            vec![("2026-10-28", Done), ("2026-11-25", Done), ("2026-12-23", Booked)],
        ))
        .unwrap();
    store
        .save(&patient(
            "p-000000b2",
            "Abby New",
            vec![("2026-12-02", Planned), ("2026-12-30", Planned)],
        ))
        .unwrap();
    tmp
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_needleplan"))
        .args(args)
        .current_dir(cwd)
        .env("TMPDIR", cwd)
        .env_remove("NEEDLEPLAN_DATA_DIR")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_sheet_is_for_the_latest_session_done_with_real_dates_on_stdout() {
    let tmp = clinic();
    let data = tmp.path().join("data");
    let out = run(
        tmp.path(),
        &["--data-dir", data.to_str().unwrap(), "handout", "p-000000a1"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sheet = text(&out.stdout);
    assert!(sheet.contains("Harbour Skin Clinic"), "{sheet}");
    assert!(sheet.contains("Yusuf Done"), "{sheet}");
    // Session 2 on Wed 2026-11-25: day 0 is that day, day 1 the Thursday.
    assert!(sheet.contains("Wed 2026-11-25"), "{sheet}");
    assert!(sheet.contains("Thu 2026-11-26"), "{sheet}");
    assert!(!sheet.contains("2026-10-28"), "not the first session: {sheet}");
    assert!(!sheet.starts_with('#'), "plain text by default");
    let said = text(&out.stderr);
    assert!(
        said.contains("session 2 of 2026-11-25 (the latest done)"),
        "{said}"
    );
}

#[test]
fn markdown_to_a_file_and_the_next_session_when_none_is_done() {
    let tmp = clinic();
    let data = tmp.path().join("data");
    let file = tmp.path().join("abby.md");
    let out = run(
        tmp.path(),
        &[
            "--data-dir",
            data.to_str().unwrap(),
            "handout",
            "p-000000b2",
            "--format",
            "markdown",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("session 1 of 2026-12-02 (the next one; none is done yet)"),
        "{said}"
    );
    let sheet = std::fs::read_to_string(&file).unwrap();
    assert!(sheet.starts_with('#'), "{sheet}");
    assert!(sheet.contains("Wed 2026-12-02"), "{sheet}");
}

#[test]
fn an_unknown_patient_exits_1_with_a_clear_message() {
    let tmp = clinic();
    let data = tmp.path().join("data");
    let out = run(
        tmp.path(),
        &["--data-dir", data.to_str().unwrap(), "handout", "p-0000dead"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("no patient with id 'p-0000dead'"), "{err}");
}
