//! `update` takes in messages: what the runtime found (the clock, other users' saves,
//! `clinic.json`, the outcome of writes) changes the model only through it. No files,
//! no terminal: each test builds the messages the runtime would send.

use chrono::{NaiveDate, NaiveDateTime};
use needleplan::app::Model;
use needleplan::app::message::{ClinicSaved, Msg, update};
use needleplan::app::model::StatusKind;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::store::patients::{Changes, SaveIoError, SaveStep};
use needleplan::store::templates::Templates;
use needleplan::store::{IoFailure, SaveError};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(day: &str, h: u32) -> NaiveDateTime {
    d(day).and_hms_opt(h, 0, 0).unwrap()
}

fn ann() -> Patient {
    let details = PatientDetails {
        full_name: "Ann Lee".into(),
        ..Default::default()
    };
    Patient::new(PatientId::new("p-ann").unwrap(), details, d("2026-10-01"))
}

fn model() -> Model {
    let mut m = Model::new(at("2026-11-25", 10), Templates::builtin(), vec![ann()])
        .with_clinic(needleplan::store::demo::demo_settings());
    m.set_clinic(needleplan::store::demo::demo_settings());
    m
}

#[test]
fn a_tick_moves_the_clock_and_the_date() {
    let mut m = model();
    assert!(update(&mut m, Msg::Tick(at("2026-11-26", 0))).is_empty());
    assert_eq!((m.today, m.now), (d("2026-11-26"), at("2026-11-26", 0)));
}

#[test]
fn a_key_is_stamped_with_the_time_it_came() {
    let mut m = model();
    let key = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    update(&mut m, Msg::Key(key, at("2026-11-25", 11)));
    assert_eq!(m.now, at("2026-11-25", 11));
}

#[test]
fn another_users_save_comes_in_as_a_message() {
    let mut m = model();
    let mut theirs = ann();
    theirs.revision = 5;
    theirs.notes = "prefers mornings".into();
    let changes = Changes {
        updated: vec![theirs],
        ..Default::default()
    };
    update(&mut m, Msg::PatientsChanged(Ok(changes)));
    assert_eq!(m.patients[0].notes, "prefers mornings");
    assert_eq!(m.others_updated, 1, "counted on the title bar");
    assert!(
        m.status.text.is_empty(),
        "the status line is left to the user's own actions"
    );

    update(&mut m, Msg::PatientsChanged(Err("permission denied".into())));
    assert_eq!(m.status.kind, StatusKind::Error);
    assert!(m.status.text.contains("permission denied"));
}

#[test]
fn a_failed_save_keeps_the_patient_unsaved_and_says_so() {
    let mut m = model();
    let id = PatientId::new("p-ann").unwrap();
    m.unsaved.insert(id.clone());
    let failure = SaveError::Io(SaveIoError {
        file: "patients/p-ann.json".into(),
        step: SaveStep::Write,
        error: IoFailure::new(std::io::ErrorKind::StorageFull, "disk full"),
    });
    update(
        &mut m,
        Msg::PatientsSaved(vec![(id.clone(), Err(failure))], Default::default()),
    );
    assert!(m.unsaved.contains(&id), "kept for a retry");
    assert!(m.status.text.starts_with("NOT SAVED"), "{}", m.status.text);

    update(
        &mut m,
        Msg::PatientsSaved(vec![(id.clone(), Ok(7))], Default::default()),
    );
    assert!(m.unsaved.is_empty());
    assert_eq!(m.patients[0].revision, 7);
    assert_eq!(m.status.kind, StatusKind::Saved);
}

#[test]
fn the_outcome_of_writing_the_settings_comes_in_as_a_message() {
    let mut m = model();
    m.screens.settings.unsaved = true;
    update(&mut m, Msg::ClinicSaved(ClinicSaved::Failed("disk full".into())));
    assert!(m.screens.settings.unsaved);
    assert!(m.status.text.contains("settings NOT SAVED"), "{}", m.status.text);
    update(&mut m, Msg::ClinicSaved(ClinicSaved::Saved(3)));
    assert!(!m.screens.settings.unsaved);
    assert_eq!(m.clinic.revision, 3);
    assert_eq!(m.status.text, "settings saved");
}

#[test]
fn a_record_turning_read_only_closes_its_form_and_leaves_the_list_under_it() {
    use needleplan::app::Overlay;
    use needleplan::store::patients::ReadOnlyPatient;
    let mut m = model();
    let press = |m: &mut Model, c: char| {
        update(
            m,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE), m.now),
        );
    };
    // The consult screen's screening list, and the review form over it.
    for c in ['4', 's', 'r'] {
        press(&mut m, c);
    }
    assert!(matches!(m.overlay, Overlay::Form(..)));
    assert_eq!(m.overlays_below, [Overlay::Screening { row: 0 }]);
    let mut newer = ann();
    newer.revision = 9;
    let changes = Changes {
        read_only: vec![ReadOnlyPatient {
            patient: newer,
            schema_version: 99,
        }],
        ..Default::default()
    };
    update(&mut m, Msg::PatientsChanged(Ok(changes)));
    assert_eq!(
        m.overlay,
        Overlay::Screening { row: 0 },
        "the form about it is gone"
    );
    assert!(m.overlays_below.is_empty());
}
