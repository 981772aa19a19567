//! Choice fields hold ids: a colleague's settings change while a form is open can no
//! longer crash the form or save something other than what it showed.
//!
//! Two instances share one data dir in a temporary folder: the front desk has a booking
//! form open, a colleague saves `clinic.json` (another clinician made inactive, the
//! chosen one made inactive, the chosen one removed), the desk's next tick takes the
//! settings in (`persist::poll_clinic`, as the runtime does), and the desk goes on
//! typing. Every test runs at a fixed "now" (Wed 2026-11-25 10:00).

mod common;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use needleplan::app::form::Form;
use needleplan::app::preview::{self, Preview};
use needleplan::app::{Model, Overlay, persist, session_form};
use needleplan::domain::clinic::{ClinicSettings, Resource};
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::series::{Series, SeriesPlan};
use needleplan::store::templates::Templates;
use needleplan::store::{PatientStore, clinic_file};
use tempfile::TempDir;

use common::keys::type_keys;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn now() -> NaiveDateTime {
    d("2026-11-25").and_hms_opt(10, 0, 0).unwrap()
}

/// The built-in clinic with a third clinician, Cleo, last in the list.
fn clinic_with_cleo() -> ClinicSettings {
    let mut c = needleplan::store::demo::demo_settings();
    c.clinicians.push(Resource::new("cleo", "Cleo Diaz"));
    c
}

/// Ann: one series, the first session Wed 2026-12-02 10:00 with Ben in room 1.
fn ann() -> Patient {
    let templates = Templates::builtin();
    let details = PatientDetails {
        full_name: "Ann Lee".into(),
        ..Default::default()
    };
    let mut ann = Patient::new(PatientId::new("p-ann").unwrap(), details, d("2026-10-01"));
    let plan = SeriesPlan::from_protocol(
        &templates.protocols[0],
        d("2026-12-02"),
        NaiveTime::from_hms_opt(10, 0, 0),
    );
    let mut series = Series::from_plan(&plan, d("2026-11-01"));
    series.sessions[0].clinician = Some("ben".into());
    series.sessions[0].room = Some("room-1".into());
    ann.series.push(series);
    ann
}

struct App {
    model: Model,
    store: PatientStore,
    dir: TempDir,
}

impl App {
    /// The front desk, on a data dir holding Ann and the clinic with Cleo.
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        clinic_file::save(dir.path(), &clinic_with_cleo()).unwrap();
        let store = PatientStore::open(dir.path()).unwrap();
        let mut model = Model::new(now(), Templates::builtin(), vec![ann()])
            .with_clinic(needleplan::store::demo::demo_settings());
        model.set_clinic(clinic_file::load(dir.path()).settings);
        let mut app = Self { model, store, dir };
        // Ann's file on disk, as after any earlier save.
        let effect = app.model.put_patient(ann());
        persist::run_effects(&mut app.model, vec![effect], &app.store);
        app
    }

    fn keys(&mut self, script: &str) {
        type_keys(&mut self.model, &self.store, script);
    }

    /// A colleague saves the settings with `change` applied; the desk's next tick
    /// takes them in.
    fn colleague_saves(&mut self, change: impl FnOnce(&mut ClinicSettings)) {
        let mut clinic = clinic_file::load(self.dir.path()).settings;
        change(&mut clinic);
        clinic_file::save(self.dir.path(), &clinic).unwrap();
        // The file's stamp is compared with what this instance saw; a save within the
        // same clock tick must still be noticed.
        persist::poll_clinic(&mut self.model, &self.store);
        assert_eq!(self.model.clinic.clinicians, clinic.clinicians, "taken in");
    }

    fn session_form(&self) -> &Form {
        match &self.model.overlay {
            Overlay::Form(_, f) => f,
            other => panic!("expected the session form, got {other:?}"),
        }
    }

    fn preview(&self) -> &Preview {
        match &self.model.overlay {
            Overlay::SeriesPreview(p) => p,
            other => panic!("expected the preview, got {other:?}"),
        }
    }

    /// The clinician of Ann's session `n` (from 0) in her file on disk.
    fn clinician_on_disk(&self, n: usize) -> Option<String> {
        let text = std::fs::read_to_string(self.dir.path().join("patients/p-ann.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        json["patient"]["series"][0]["sessions"][n]["clinician"]
            .as_str()
            .map(str::to_string)
    }

    fn file_bytes(&self) -> Vec<u8> {
        std::fs::read(self.dir.path().join("patients/p-ann.json")).unwrap()
    }
}

fn deactivate(id: &'static str) -> impl FnOnce(&mut ClinicSettings) {
    move |c| {
        c.clinicians.iter_mut().find(|r| r.id == id).unwrap().active = false;
    }
}

/// Opens the session form on Ann's first session and chooses Cleo as its clinician.
fn session_form_with_cleo() -> App {
    let mut app = App::new();
    app.keys("<Tab>e<Tab><Tab><Tab>");
    assert_eq!(app.session_form().focused(), session_form::CLINICIAN);
    app.keys("<Right>");
    assert_eq!(app.session_form().shown(session_form::CLINICIAN), "Cleo Diaz");
    app
}

#[test]
fn another_clinician_made_inactive_leaves_the_chosen_one_chosen_and_saved() {
    let mut app = session_form_with_cleo();
    app.colleague_saves(deactivate("amara"));
    assert_eq!(app.session_form().shown(session_form::CLINICIAN), "Cleo Diaz");
    assert!(
        app.session_form().errors.is_empty(),
        "{:?}",
        app.session_form().errors
    );
    app.keys("<Enter>");
    assert_eq!(app.model.overlay, Overlay::None, "saved");
    assert_eq!(
        app.clinician_on_disk(0).as_deref(),
        Some("cleo"),
        "what the form showed"
    );
}

#[test]
fn the_chosen_clinician_made_inactive_is_named_on_the_field_and_nothing_is_saved() {
    let mut app = session_form_with_cleo();
    let before = app.file_bytes();
    app.colleague_saves(deactivate("cleo"));
    let form = app.session_form();
    let message = form.error_of(session_form::CLINICIAN).expect("said on the field");
    assert!(message.contains("Cleo Diaz was made inactive"), "{message}");
    assert_eq!(form.shown(session_form::CLINICIAN), "Cleo Diaz (inactive)");

    app.keys("<Enter>");
    let form = app.session_form();
    assert_eq!(form.first_error().map(|e| e.0), Some(session_form::CLINICIAN));
    assert_eq!(app.file_bytes(), before, "nothing saved");

    // Choosing another clinician saves.
    app.keys("<Left>");
    assert_eq!(app.session_form().shown(session_form::CLINICIAN), "Ben Carter");
    app.keys("<Enter>");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.clinician_on_disk(0).as_deref(), Some("ben"));
}

#[test]
fn the_chosen_clinician_removed_from_the_settings_is_refused_not_saved_as_none() {
    let mut app = session_form_with_cleo();
    let before = app.file_bytes();
    app.colleague_saves(|c| c.clinicians.retain(|r| r.id != "cleo"));
    let message = app
        .session_form()
        .error_of(session_form::CLINICIAN)
        .expect("said on the field")
        .to_string();
    assert!(message.contains("removed in Settings"), "{message}");
    app.keys("<Enter>");
    assert!(
        matches!(app.model.overlay, Overlay::Form(..)),
        "the form stays open"
    );
    assert_eq!(app.file_bytes(), before, "nothing saved");
    assert_eq!(app.clinician_on_disk(0).as_deref(), Some("ben"));
}

/// Opens a proposal for Ann's next series and the row form of its second session, with
/// Cleo chosen there (the last clinician of the list).
fn row_form_with_cleo() -> App {
    let mut app = App::new();
    app.keys("n<Tab>2026-12-01<Enter>");
    assert!(app.preview().rows.len() >= 2);
    app.keys("je<Tab><Tab>");
    for _ in 0..5 {
        if app.preview().edit.as_ref().unwrap().shown(preview::CLINICIAN) == "Cleo Diaz" {
            return app;
        }
        app.keys("<Right>");
    }
    panic!("Cleo is offered in the row form");
}

#[test]
fn the_row_form_survives_another_clinician_made_inactive_and_keeps_cleo() {
    // Before choices held ids, the next key panicked ("len is 3 but the index is 3").
    let mut app = row_form_with_cleo();
    app.colleague_saves(deactivate("amara"));
    app.keys("<Enter>");
    let p = app.preview();
    assert!(p.edit.is_none(), "{:?}", p.edit.as_ref().map(|f| &f.errors));
    assert_eq!(p.rows[p.selected].clinician, "cleo");
}

#[test]
fn the_row_form_refuses_cleo_once_she_is_made_inactive() {
    let mut app = row_form_with_cleo();
    app.colleague_saves(deactivate("cleo"));
    app.keys("<Enter>");
    let form = app.preview().edit.clone().expect("still open");
    let (field, message) = form.first_error().expect("refused");
    assert_eq!(field, preview::CLINICIAN);
    assert!(message.contains("Cleo Diaz was made inactive"), "{message}");
    assert!(!app.preview().rows.iter().any(|r| r.clinician == "cleo"));
}

#[test]
fn a_colleagues_change_names_the_field_without_moving_the_cursor() {
    let mut app = session_form_with_cleo();
    // On to Notes, typing there.
    app.keys("<Tab><Tab>Flaking");
    assert_eq!(app.session_form().focused(), session_form::NOTES);
    app.colleague_saves(deactivate("cleo"));
    let form = app.session_form();
    assert!(form.error_of(session_form::CLINICIAN).is_some());
    assert_eq!(
        form.focused(),
        session_form::NOTES,
        "the cursor stays where the user types"
    );
    app.keys(" expected");
    assert_eq!(app.session_form().text(session_form::NOTES), "Flaking expected");
}

#[test]
fn the_agendas_find_form_refuses_a_clinician_made_inactive_while_it_is_open() {
    use needleplan::app::agenda::FIND_CLINICIAN;
    let mut app = App::new();
    app.keys("2f");
    for _ in 0..5 {
        match &app.model.overlay {
            Overlay::Form(_, f) if f.shown(FIND_CLINICIAN) == "Cleo Diaz" => break,
            _ => app.keys("<Right>"),
        }
    }
    app.colleague_saves(deactivate("cleo"));
    app.keys("<Enter>");
    let Overlay::Form(_, form) = &app.model.overlay else {
        panic!("the find form stays open, got {:?}", app.model.overlay)
    };
    let (field, message) = form.first_error().expect("refused");
    assert_eq!(field, FIND_CLINICIAN);
    assert!(message.contains("Cleo Diaz was made inactive"), "{message}");
    assert!(app.model.screens.agenda.found.is_none(), "no search ran");
}
