//! `needleplan handout <patient-id>`: the real binary on a temporary data dir writes the
//! aftercare sheet with real calendar dates for the latest session done (else the next
//! one, and says so), as text or Markdown, to stdout or a file; an unknown id fails.

mod common;

use common::cli::*;
use needleplan::domain::clinic::ClinicSettings;
use needleplan::domain::series::SessionStatus;
use needleplan::store::clinic_file;
use tempfile::TempDir;

/// A data dir `data/` with a named clinic and two patients.
fn clinic() -> TempDir {
    use SessionStatus::{Booked, Done, Planned};
    let tmp = temp_clinic(&[
        patient(
            "p-000000a1",
            "Yusuf Done",
            vec![
                timed("2026-10-28", "09:30", Done),
                timed("2026-11-25", "09:30", Done),
                timed("2026-12-23", "09:30", Booked),
            ],
        ),
        patient(
            "p-000000b2",
            "Abby New",
            vec![
                timed("2026-12-02", "09:30", Planned),
                timed("2026-12-30", "09:30", Planned),
            ],
        ),
    ]);
    let settings = ClinicSettings {
        name: "Harbour Skin Clinic".into(),
        ..needleplan::store::demo::demo_settings()
    };
    clinic_file::save(&data_dir(&tmp), &settings).unwrap();
    tmp
}

#[test]
fn the_sheet_is_for_the_latest_session_done_with_real_dates_on_stdout() {
    let tmp = clinic();
    let out = run_on(&tmp, &["handout", "p-000000a1"]);
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
    let file = tmp.path().join("abby.md");
    let out = run_on(
        &tmp,
        &[
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
    let out = run_on(&tmp, &["handout", "p-0000dead"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("no patient with id 'p-0000dead'"), "{err}");
}

/// Names in the temp dir that are left-over temporary files of a write.
fn temp_files_in(tmp: &TempDir) -> Vec<String> {
    std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp-"))
        .collect()
}

#[test]
fn a_bare_file_name_is_written_in_the_current_dir_and_reported_as_written() {
    let tmp = clinic();
    let out = run_on(&tmp, &["handout", "p-000000b2", "--out", "abby.md"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("to abby.md"), "{}", text(&out.stdout));
    let sheet = std::fs::read_to_string(tmp.path().join("abby.md")).unwrap();
    assert!(sheet.contains("Wed 2026-12-02"), "{sheet}");
    assert_eq!(temp_files_in(&tmp), Vec::<String>::new());
}

#[test]
fn an_existing_file_is_never_replaced_without_force() {
    let tmp = clinic();
    let file = tmp.path().join("abby.md");
    std::fs::write(&file, "someone's notes\n").unwrap();
    let out = run_on(&tmp, &["handout", "p-000000b2", "--out", "abby.md"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(
        err.contains("abby.md already exists and was left as it is (give --force to replace it)"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "someone's notes\n");
    assert_eq!(temp_files_in(&tmp), Vec::<String>::new());

    let out = run_on(&tmp, &["handout", "p-000000b2", "--out", "abby.md", "--force"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sheet = std::fs::read_to_string(&file).unwrap();
    assert!(sheet.contains("Wed 2026-12-02"), "{sheet}");
}

/// A link at the --out name is an existing file too: neither it nor what it points at
/// is written without --force.
#[cfg(unix)]
#[test]
fn a_link_at_the_out_name_is_not_written_through() {
    let tmp = clinic();
    let target = tmp.path().join("target.txt");
    std::fs::write(&target, "keep\n").unwrap();
    std::os::unix::fs::symlink(&target, tmp.path().join("sheet.txt")).unwrap();
    let out = run_on(&tmp, &["handout", "p-000000b2", "--out", "sheet.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
}
