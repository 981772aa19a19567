//! The settings screen's CSV export (key `E`): the three files written into `exports/`
//! of the data dir, the status line saying where, and the key in the bar and the help.
//! A real `PatientStore` in a temporary dir; a fixed "now", never the real clock.

mod common;

use chrono::{NaiveDate, NaiveDateTime};
use needleplan::app::Model;
use needleplan::app::model::StatusKind;
use needleplan::app::persist::Saver;
use needleplan::app::screen::ScreenId;
use needleplan::domain::clinic::ClinicSettings;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::store::clinic_file::ClinicSaveError;
use needleplan::store::templates::Templates;
use needleplan::store::{PatientStore, SaveError};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use common::keys::*;

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

fn patients() -> Vec<Patient> {
    let details = PatientDetails {
        full_name: "Ann Lee, Jr".into(),
        phone: "06 12".into(),
        ..PatientDetails::default()
    };
    vec![Patient::new(
        PatientId::new("p-1").unwrap(),
        details,
        now().date(),
    )]
}

fn draw(model: &Model, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| needleplan::ui::view(model, f)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn e_writes_patients_sessions_and_aftercare_into_exports_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let store = PatientStore::open(dir.path()).unwrap();
    let mut model = Model::new(now(), Templates::builtin(), patients());
    type_keys(&mut model, &store, "5");
    assert_eq!(model.screen, ScreenId::Settings);
    assert!(
        draw(&model, 80, 24).contains("E  export CSV"),
        "{}",
        draw(&model, 80, 24)
    );
    type_keys(&mut model, &store, "E");
    let folder = dir.path().join("exports").join("2026-11-25_100000");
    assert_eq!(model.status.kind, StatusKind::Info, "{}", model.status.text);
    assert_eq!(
        model.status.text,
        format!(
            "CSV export in {}/ (patient data: keep it private): patients.csv 1 row, sessions.csv 0 rows, aftercare.csv 0 rows",
            folder.display()
        )
    );
    let text = std::fs::read_to_string(folder.join("patients.csv")).unwrap();
    assert_eq!(
        text,
        "id,name,date_of_birth,phone,email,notes,created,archived\np-1,\"Ann Lee, Jr\",,06 12,,,2026-11-25,no\n"
    );
    assert!(folder.join("sessions.csv").is_file());
    assert!(folder.join("aftercare.csv").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&folder).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the folder is private");
    }

    // A second export the same second goes into a folder of its own.
    type_keys(&mut model, &store, "E");
    assert!(
        dir.path()
            .join("exports/2026-11-25_100000-2/patients.csv")
            .is_file(),
        "{}",
        model.status.text
    );

    let sections = needleplan::app::screen::help_sections();
    let (_, rows) = sections
        .iter()
        .find(|(title, _)| title.starts_with("Settings"))
        .unwrap();
    assert!(
        rows.iter()
            .any(|(k, what)| k == "E" && what.starts_with("export patients, sessions and aftercare as CSV")),
        "{rows:?}"
    );
}

/// A saver that keeps no files.
struct NoFiles;

impl Saver for NoFiles {
    fn save(&self, p: &Patient) -> Result<u64, SaveError> {
        Ok(p.revision + 1)
    }
    fn save_clinic(&self, _: &ClinicSettings) -> Result<(), ClinicSaveError> {
        Ok(())
    }
}

#[test]
fn an_export_that_cannot_be_written_says_so() {
    let mut model = Model::new(now(), Templates::builtin(), patients());
    type_keys(&mut model, &NoFiles, "5E");
    assert_eq!(model.status.kind, StatusKind::Error);
    assert_eq!(
        model.status.text,
        "CSV export NOT written: no data dir to export into"
    );

    // A file where the exports folder should be.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("exports"), b"").unwrap();
    let store = PatientStore::open(dir.path()).unwrap();
    type_keys(&mut model, &store, "E");
    assert_eq!(model.status.kind, StatusKind::Error);
    assert!(
        model.status.text.starts_with("CSV export NOT written: "),
        "{}",
        model.status.text
    );
}
