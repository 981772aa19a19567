//! Key-sequence tests of the app model, without a terminal: keys go through
//! `needleplan::app::handle_key`, the effects they return are carried out by
//! `persist::run_effects` against a real `PatientStore` in a temporary dir (or a fake
//! saver that can fail on demand), and the tests look at the model and the files.
//!
//! Every test uses a fixed "now" (2026-11-25 10:00), never the real clock, and never
//! touches the real data dir.
//!
//! Keys are written as a small script: plain characters are typed as they are, and
//! `<Name>` is a named key: `<Enter>`, `<Esc>`, `<Tab>`, `<BackTab>`, `<Up>`, `<Down>`,
//! `<Left>`, `<Right>`, `<Home>`, `<End>`, `<PageUp>`, `<PageDown>`, `<Space>`,
//! `<Backspace>`, `<Delete>`, `<lt>` (a literal `<`), and `<Backspace*N>` to repeat a key.

mod common;

use std::cell::{Cell, RefCell};
use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use needleplan::app::form::{FieldKind, Form};
use needleplan::app::keymap::{self, Key, MAIN_KEYS, Scope};
use needleplan::app::model::{FormPurpose, StatusKind};
use needleplan::app::persist::{self, Saver};
use needleplan::app::{Model, Overlay, Pane, handle_key};
use needleplan::app::{patient_form, series_form, session_form};
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::readiness::PhotoView;
use needleplan::domain::series::{Series, SeriesPlan, SessionStatus};
use needleplan::store::clinic_file::{ClinicIoError, ClinicSaveError};
use needleplan::store::demo::demo_patients;
use needleplan::store::patient_file::SCHEMA_VERSION;
use needleplan::store::templates::Templates;
use needleplan::store::{IoFailure, PatientStore, SaveError, SaveIoError, SaveStep};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;
use tempfile::TempDir;

use common::keys::*;

// ---------------------------------------------------------------------------------------
// Helpers (kept in this file on purpose: tests/common/mod.rs belongs to other suites).
// ---------------------------------------------------------------------------------------

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test dates are valid")
}

/// The fixed moment every test runs at.
fn fixed_now() -> NaiveDateTime {
    d("2026-11-25").and_hms_opt(10, 0, 0).unwrap()
}

fn nine() -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(9, 0, 0)
}

/// A saver that records what it wrote and fails while `failing` is set.
#[derive(Default)]
struct FlakySaver {
    failing: Cell<bool>,
    written: RefCell<Vec<Patient>>,
}

impl Saver for FlakySaver {
    fn save(&self, patient: &Patient) -> Result<u64, SaveError> {
        if self.failing.get() {
            return Err(SaveError::Io(SaveIoError {
                file: format!("patients/{}.json", patient.id),
                step: SaveStep::Write,
                error: disk_full(),
            }));
        }
        self.written.borrow_mut().push(patient.clone());
        Ok(patient.revision + 1)
    }

    fn save_clinic(&self, _: &needleplan::domain::clinic::ClinicSettings) -> Result<(), ClinicSaveError> {
        if self.failing.get() {
            return Err(ClinicSaveError::Io(ClinicIoError::Write(disk_full())));
        }
        Ok(())
    }
}

fn disk_full() -> IoFailure {
    IoFailure::new(std::io::ErrorKind::StorageFull, "disk full (simulated)")
}

fn details(name: &str, dob: Option<&str>, phone: &str, email: &str) -> PatientDetails {
    PatientDetails {
        full_name: name.into(),
        date_of_birth: dob.map(d),
        phone: phone.into(),
        email: email.into(),
        notes: String::new(),
    }
}

fn make_patient(id: &str, d: PatientDetails) -> Patient {
    Patient::new(PatientId::new(id).unwrap(), d, fixed_now().date())
}

fn pid(id: &str) -> PatientId {
    PatientId::new(id).unwrap()
}

/// A small clinic whose every date is known:
/// - Ann Lee: no series.
/// - Bob Stone: standard series from 2026-10-01 (09:00), 28 days apart:
///   session 1 on 2026-10-01 done (checklist generated), 2 on 2026-10-29 planned,
///   3 on 2026-11-26 (tomorrow) planned.
/// - Cara Diaz: archived, no series.
/// - Joanna Brook: no series (her name contains "ann" too).
fn small_clinic() -> Vec<Patient> {
    let templates = Templates::builtin();
    let today = fixed_now().date();
    let ann = make_patient(
        "p-ann",
        details(
            "Ann Lee",
            Some("1985-03-14"),
            "+44 20 7946 0001",
            "ann.lee@example.com",
        ),
    );
    let mut bob = make_patient(
        "p-bob",
        details(
            "Bob Stone",
            Some("1979-11-02"),
            "+44 7700 900222",
            "bob@stone.example.org",
        ),
    );
    let plan = SeriesPlan::from_protocol(&templates.protocols[0], d("2026-10-01"), nine());
    let plan = SeriesPlan {
        sessions: 3,
        interval_days: 28,
        min_interval_days: 14,
        ..plan
    };
    let mut series = Series::from_plan(&plan, d("2026-09-20"));
    series.sessions[0].set_status(SessionStatus::Done, &templates.aftercare);
    bob.series.push(series);
    let mut cara = make_patient(
        "p-cara",
        details("Cara Diaz", None, "+1 (555) 010-4477", "CARA.DIAZ@Example.com"),
    );
    cara.archived = true;
    let joanna = make_patient(
        "p-joanna",
        details("Joanna Brook", None, "020 3000 1234", "jo@brook.example.net"),
    );
    assert!(today > d("2026-10-29"));
    vec![ann, bob, cara, joanna]
}

/// A model over real files: the store lives in a temporary dir that is removed at the end.
struct TestApp {
    model: Model,
    store: PatientStore,
    dir: TempDir,
}

impl TestApp {
    fn new(patients: Vec<Patient>) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = PatientStore::open(dir.path()).expect("store opens in a temp dir");
        let model = Model::new(fixed_now(), Templates::builtin(), patients)
            .with_clinic(needleplan::store::demo::demo_settings());
        Self { model, store, dir }
    }

    fn small_clinic() -> Self {
        Self::new(small_clinic())
    }

    fn keys(&mut self, script: &str) {
        type_keys(&mut self.model, &self.store, script);
    }

    fn file_of(&self, id: &PatientId) -> PathBuf {
        self.dir
            .path()
            .join("patients")
            .join(format!("{}.json", id.as_str()))
    }

    /// The saved JSON of a patient, if a file was written.
    fn saved_json(&self, id: &PatientId) -> Option<Value> {
        let bytes = std::fs::read(self.file_of(id)).ok()?;
        Some(serde_json::from_slice(&bytes).expect("saved files are JSON"))
    }

    fn saved_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path().join("patients"))
            .expect("patients dir exists")
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn patient(&self, id: &str) -> &Patient {
        self.model.patient(&pid(id)).expect("patient is loaded")
    }

    /// Moves the patient-list selection onto `id` with j/k, as a person would.
    fn select(&mut self, id: &str) {
        assert_eq!(self.model.focus, Pane::Patients, "select() works in the list");
        self.keys("<Home>");
        for _ in 0..self.model.visible.len() {
            if self.model.selected_id() == Some(pid(id)) {
                return;
            }
            self.keys("j");
        }
        assert_eq!(
            self.model.selected_id(),
            Some(pid(id)),
            "{id} is not in the visible list"
        );
    }

    fn form(&self) -> &Form {
        match &self.model.overlay {
            Overlay::Form(_, f) => f,
            other => panic!("expected a form, found {other:?}"),
        }
    }

    fn form_if_open(&self) -> Option<&Form> {
        match &self.model.overlay {
            Overlay::Form(_, f) => Some(f),
            _ => None,
        }
    }

    fn form_purpose(&self) -> &FormPurpose {
        match &self.model.overlay {
            Overlay::Form(p, _) => p,
            other => panic!("expected a form, found {other:?}"),
        }
    }

    /// True when no patient changed in memory and no file was written.
    fn patients_unchanged(&self) -> bool {
        let mut expected = small_clinic();
        expected.sort_by_key(|p| p.full_name.to_lowercase());
        self.model.patients == expected && self.saved_files().is_empty()
    }

    fn visible_names(&self) -> Vec<String> {
        self.model
            .visible
            .iter()
            .map(|&i| self.model.patients[i].full_name.clone())
            .collect()
    }
}

fn form_values(form: &Form) -> Vec<String> {
    form.fields.iter().map(|f| f.shown()).collect()
}

fn session_dates(p: &Patient) -> Vec<NaiveDate> {
    p.current_series()
        .map(|s| s.sessions.iter().map(|x| x.date).collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// 1. Adding a patient
// ---------------------------------------------------------------------------------------

#[test]
fn adding_a_patient_saves_their_file_and_selects_them() {
    let mut app = TestApp::small_clinic();
    let before = app.model.patients.len();
    // The name holds a 'q' and an 'x': inside a form they are text, not quit or archive.
    app.keys("a");
    assert!(matches!(app.form_purpose(), FormPurpose::AddPatient));
    assert_eq!(
        app.form().focused(),
        patient_form::NAME,
        "the first field is the full name"
    );
    app.keys("Zoë Quinn-Xu<Tab>1990-05-01<Tab>+44 7700 900999<Tab>zoe@example.com<Enter>");

    assert_eq!(app.model.overlay, Overlay::None, "the form closes on save");
    assert!(!app.model.quit);
    assert_eq!(app.model.patients.len(), before + 1);
    let added = app.model.selected_patient().expect("the new patient is selected");
    assert_eq!(added.full_name, "Zoë Quinn-Xu");
    assert_eq!(added.date_of_birth, Some(d("1990-05-01")));
    assert_eq!(added.phone, "+44 7700 900999");
    assert_eq!(added.email, "zoe@example.com");
    assert_eq!(added.created, fixed_now().date());
    let id = added.id.clone();

    assert!(
        !id.as_str().to_lowercase().contains("zo"),
        "ids are not made from names"
    );
    let json = app.saved_json(&id).expect("patients/<id>.json is written");
    assert_eq!(json["schema_version"], SCHEMA_VERSION);
    assert_eq!(json["patient"]["revision"], 1, "a first save is revision 1");
    assert_eq!(added.revision, 1, "the model keeps the revision it saved");
    assert_eq!(json["patient"]["full_name"], "Zoë Quinn-Xu");
    assert_eq!(json["patient"]["id"], id.as_str());
    assert_eq!(app.saved_files(), vec![format!("{}.json", id.as_str())]);

    assert_eq!(app.model.status.kind, StatusKind::Saved);
    assert!(app.model.status.text.contains("saved"), "{:?}", app.model.status);
    assert!(app.model.unsaved.is_empty());
}

// ---------------------------------------------------------------------------------------
// 2. Validation keeps what was typed
// ---------------------------------------------------------------------------------------

#[test]
fn an_empty_name_is_refused_on_the_name_field() {
    let mut app = TestApp::small_clinic();
    app.keys("a<Tab>1990-05-01<Enter>");
    let form = app.form();
    let (field, message) = form.first_error().expect("an error is shown");
    assert_eq!(
        field,
        patient_form::NAME,
        "the error belongs to the name: {message}"
    );
    assert_eq!(
        form.focused(),
        patient_form::NAME,
        "the cursor goes to the field at fault"
    );
    assert_eq!(
        form.text(patient_form::DATE_OF_BIRTH),
        "1990-05-01",
        "the typed date is kept"
    );
    assert!(app.saved_files().is_empty());
    assert_eq!(app.model.patients.len(), 4);
}

#[test]
fn an_impossible_date_of_birth_is_refused_and_every_typed_value_kept() {
    let mut app = TestApp::small_clinic();
    app.keys("aNew Person<Tab>2026-02-30<Tab>0161 496 0000<Tab>new@example.com<Tab>likes mornings<Enter>");
    let form = app.form();
    let (field, message) = form.first_error().expect("an error is shown");
    assert_eq!(field, patient_form::DATE_OF_BIRTH, "{message}");
    assert!(message.contains("does not exist"), "{message}");
    assert_eq!(form.focused(), patient_form::DATE_OF_BIRTH);
    assert_eq!(
        form_values(form),
        vec![
            "New Person",
            "2026-02-30",
            "0161 496 0000",
            "new@example.com",
            "likes mornings"
        ]
    );

    // Fixing the date to one in the future is refused too.
    app.keys("<Backspace*10>2027-01-01<Enter>");
    let (field, message) = app.form().first_error().expect("an error is shown");
    assert_eq!(field, patient_form::DATE_OF_BIRTH);
    assert!(message.contains("future"), "{message}");
    assert_eq!(app.form().text(patient_form::NAME), "New Person");
    assert_eq!(app.form().text(patient_form::EMAIL), "new@example.com");

    assert!(app.saved_files().is_empty(), "nothing is written");
    assert_eq!(app.model.patients.len(), 4);
    assert!(app.model.unsaved.is_empty());
    assert_ne!(app.model.status.kind, StatusKind::Saved);

    // A valid date then saves everything that was typed.
    app.keys("<Backspace*10>1999-12-31<Enter>");
    assert_eq!(app.model.overlay, Overlay::None);
    let p = app.model.selected_patient().unwrap();
    assert_eq!(
        (p.full_name.as_str(), p.notes.as_str()),
        ("New Person", "likes mornings")
    );
    assert_eq!(app.saved_files().len(), 1);
}

#[test]
fn a_date_of_birth_in_the_future_is_refused() {
    let mut app = TestApp::small_clinic();
    app.keys("aBaby Future<Tab>2026-11-26<Enter>");
    let (field, message) = app.form().first_error().expect("an error is shown");
    assert_eq!(field, patient_form::DATE_OF_BIRTH);
    assert!(message.contains("future"), "{message}");
    assert!(app.saved_files().is_empty());
}

// ---------------------------------------------------------------------------------------
// 3. Esc cancels
// ---------------------------------------------------------------------------------------

#[test]
fn esc_in_a_form_cancels_without_saving() {
    let mut app = TestApp::small_clinic();
    let before = app.model.patients.clone();
    app.keys("aTemp Person<Tab>1990-01-01<Esc>");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.model.patients, before);

    // Editing, then Esc, leaves the patient as they were.
    app.select("p-ann");
    app.keys("e<Tab><Tab><Backspace*20>000<Esc>");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.model.patients, before);

    // The new-series form too.
    app.keys("n<Tab>2026-12-01<Esc>");
    assert_eq!(app.model.overlay, Overlay::None);
    assert!(app.patient("p-ann").series.is_empty());

    assert!(app.saved_files().is_empty());
    assert!(app.model.unsaved.is_empty());
    assert_ne!(app.model.status.kind, StatusKind::Saved);
    assert!(
        app.model.status.text.contains("nothing changed"),
        "{:?}",
        app.model.status
    );
}

// ---------------------------------------------------------------------------------------
// 4. Filter
// ---------------------------------------------------------------------------------------

#[test]
fn the_filter_matches_names_phones_and_emails_case_insensitively() {
    let mut app = TestApp::small_clinic();
    let everyone = vec!["Ann Lee", "Bob Stone", "Joanna Brook"];
    assert_eq!(app.visible_names(), everyone);

    // Name, in the wrong case, while typing.
    app.keys("/ANN");
    assert!(app.model.filter_typing);
    assert_eq!(app.visible_names(), vec!["Ann Lee", "Joanna Brook"]);
    // Enter keeps the filter and leaves typing mode.
    app.keys("<Enter>");
    assert!(!app.model.filter_typing);
    assert_eq!(app.model.filter, "ANN");
    assert_eq!(app.visible_names(), vec!["Ann Lee", "Joanna Brook"]);
    // Keys are list keys again: j moves, it is not typed into the filter.
    app.keys("j");
    assert_eq!(app.model.filter, "ANN");
    assert_eq!(app.model.selected_id(), Some(pid("p-joanna")));

    // `/` then Esc clears it: every non-archived patient shows again.
    app.keys("/<Esc>");
    assert!(!app.model.filter_typing);
    assert_eq!(app.model.filter, "");
    assert_eq!(app.visible_names(), everyone);

    // Phone digits, written as stored and without the spaces.
    app.keys("/900222<Enter>");
    assert_eq!(app.visible_names(), vec!["Bob Stone"]);
    app.keys("/<Esc>/7700900222<Enter>");
    assert_eq!(app.visible_names(), vec!["Bob Stone"]);
    assert_eq!(app.model.selected_id(), Some(pid("p-bob")));

    // Email, in the wrong case.
    app.keys("/<Esc>/STONE.Example<Enter>");
    assert_eq!(app.visible_names(), vec!["Bob Stone"]);
    app.keys("/<Esc>/brook.example.NET<Enter>");
    assert_eq!(app.visible_names(), vec!["Joanna Brook"]);

    // Archived patients stay hidden even when they match.
    app.keys("/<Esc>/cara<Enter>");
    assert!(app.visible_names().is_empty());

    // No match at all: an empty list, nothing selected, and keys are harmless.
    app.keys("/<Esc>/zzz");
    assert!(app.model.visible.is_empty());
    assert_eq!(app.model.selected_patient(), None);
    app.keys("<Enter>jkex<Esc>");
    assert_eq!(app.model.overlay, Overlay::None);

    // Backspace widens the filter again.
    app.keys("/<Backspace*3>");
    assert_eq!(app.visible_names(), everyone);
    app.keys("<Esc>");
    assert_eq!(app.visible_names(), everyone);
}

// ---------------------------------------------------------------------------------------
// 5. Archive and restore
// ---------------------------------------------------------------------------------------

#[test]
fn archiving_asks_first_hides_the_patient_and_can_be_undone() {
    let mut app = TestApp::small_clinic();
    let bob = pid("p-bob");
    app.select("p-bob");

    // n and Esc keep the patient; other keys are not an answer: the question stays.
    for answer in ["n", "<Esc>"] {
        app.keys("x");
        assert_eq!(app.model.overlay, Overlay::ConfirmArchive(bob.clone()));
        app.keys(answer);
        assert_eq!(app.model.overlay, Overlay::None, "{answer} closes the question");
        assert!(!app.patient("p-bob").archived, "{answer} must not archive");
        assert!(app.visible_names().contains(&"Bob Stone".to_string()));
        assert!(!app.model.quit);
    }
    app.keys("x<Enter>xqa");
    assert_eq!(
        app.model.overlay,
        Overlay::ConfirmArchive(bob.clone()),
        "still asking"
    );
    assert!(!app.patient("p-bob").archived);
    assert!(
        !app.model.quit,
        "q is not an answer and does not quit from the question"
    );
    app.keys("n");
    assert!(app.saved_files().is_empty());

    // y archives and hides.
    app.keys("xy");
    assert!(app.patient("p-bob").archived);
    assert!(!app.visible_names().contains(&"Bob Stone".to_string()));
    assert_eq!(app.saved_json(&bob).unwrap()["patient"]["archived"], true);
    assert_eq!(app.model.status.kind, StatusKind::Saved);

    // A shows archived patients; x then y on one restores it.
    app.keys("A");
    assert!(app.model.show_archived);
    assert_eq!(
        app.visible_names(),
        vec!["Ann Lee", "Bob Stone", "Cara Diaz", "Joanna Brook"]
    );
    app.select("p-bob");
    app.keys("x");
    assert_eq!(app.model.overlay, Overlay::ConfirmArchive(bob.clone()));
    app.keys("y");
    assert!(!app.patient("p-bob").archived);
    assert_eq!(app.saved_json(&bob).unwrap()["patient"]["archived"], false);
    assert!(
        app.model.status.text.contains("restored"),
        "{:?}",
        app.model.status
    );

    // Hiding archived patients again keeps Bob, hides Cara.
    app.keys("A");
    assert!(!app.model.show_archived);
    assert_eq!(app.visible_names(), vec!["Ann Lee", "Bob Stone", "Joanna Brook"]);
}

// ---------------------------------------------------------------------------------------
// 6. Editing a patient
// ---------------------------------------------------------------------------------------

#[test]
fn editing_a_patient_starts_from_their_details_and_saves_the_change() {
    let mut app = TestApp::small_clinic();
    app.select("p-ann");
    app.keys("e");
    assert_eq!(app.form_purpose(), &FormPurpose::EditPatient(pid("p-ann")));
    assert_eq!(
        form_values(app.form()),
        vec![
            "Ann Lee",
            "1985-03-14",
            "+44 20 7946 0001",
            "ann.lee@example.com",
            ""
        ]
    );
    app.keys("<Tab><Tab><Backspace*30>+44 7700 900123<Enter>");
    assert_eq!(app.model.overlay, Overlay::None);
    let ann = app.patient("p-ann");
    assert_eq!(ann.phone, "+44 7700 900123");
    assert_eq!(ann.full_name, "Ann Lee", "other fields are unchanged");
    assert_eq!(ann.date_of_birth, Some(d("1985-03-14")));
    let json = app.saved_json(&pid("p-ann")).expect("saved");
    assert_eq!(json["patient"]["phone"], "+44 7700 900123");
    assert_eq!(json["patient"]["email"], "ann.lee@example.com");
    assert_eq!(app.model.status.kind, StatusKind::Saved);
    assert_eq!(app.model.selected_id(), Some(pid("p-ann")));
}

#[test]
fn renaming_a_patient_keeps_them_selected_in_their_new_place() {
    let mut app = TestApp::small_clinic();
    app.select("p-ann");
    app.keys("e<Backspace*7>Zed Ann<Enter>");
    assert_eq!(app.model.selected_id(), Some(pid("p-ann")));
    assert_eq!(app.visible_names(), vec!["Bob Stone", "Joanna Brook", "Zed Ann"]);
}

#[test]
fn the_status_after_saving_an_edit_does_not_repeat_an_old_message() {
    let mut app = TestApp::small_clinic();
    app.select("p-ann");
    app.keys("e<Esc>");
    assert!(app.model.status.text.contains("nothing changed"));
    app.keys("e<Tab><Tab><Backspace*30>+44 7700 900123<Enter>");
    assert_eq!(app.model.status.kind, StatusKind::Saved);
    assert!(
        !app.model.status.text.contains("nothing changed"),
        "a save must not be reported as 'nothing changed': {:?}",
        app.model.status
    );
}

// ---------------------------------------------------------------------------------------
// 7. New series
// ---------------------------------------------------------------------------------------

#[test]
fn a_new_series_follows_the_default_protocol_from_the_typed_start_date() {
    let mut app = TestApp::small_clinic();
    let standard = Templates::builtin().protocols[0].clone();
    assert_eq!(
        (standard.sessions, standard.interval_days),
        (3, 28),
        "assets/protocols.json: the default protocol is 3 sessions 28 days apart"
    );
    app.select("p-ann");
    app.keys("n");
    assert_eq!(app.form_purpose(), &FormPurpose::NewSeries(pid("p-ann")));
    assert_eq!(
        app.form().focused(),
        series_form::PROTOCOL,
        "focus starts on the protocol choice"
    );
    assert_eq!(app.form().shown(series_form::PROTOCOL), standard.name);
    app.keys("<Tab>2026-12-01<Tab>09:00<Enter>");

    // Enter only proposes: the preview shows, nothing is booked or written yet.
    assert!(
        matches!(app.model.overlay, Overlay::SeriesPreview(_)),
        "{:?}",
        app.model.overlay
    );
    assert!(app.patient("p-ann").series.is_empty());
    assert!(app.saved_files().is_empty());
    app.keys("c");

    assert_eq!(app.model.overlay, Overlay::None);
    let ann = app.patient("p-ann");
    assert_eq!(ann.series.len(), 1);
    let series = ann.current_series().unwrap();
    assert_eq!(series.protocol_id, standard.id);
    assert_eq!(
        session_dates(ann),
        vec![d("2026-12-01"), d("2026-12-29"), d("2027-01-26")]
    );
    assert!(series.sessions.iter().all(|s| s.status == SessionStatus::Booked
        && s.time == nine()
        && s.clinician.is_some()
        && s.room.is_some()));
    let json = app.saved_json(&pid("p-ann")).expect("saved");
    let sessions = json["patient"]["series"][0]["sessions"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions[0]["date"], "2026-12-01");
    assert_eq!(app.model.status.kind, StatusKind::Saved);
}

#[test]
fn left_and_right_on_the_protocol_fill_in_that_protocols_numbers() {
    let mut app = TestApp::small_clinic();
    let protocols = Templates::builtin().protocols;
    assert!(protocols.len() >= 2, "the test needs two protocols");
    app.select("p-joanna");
    app.keys("n");
    let numbers = |f: &Form| {
        [
            series_form::SESSIONS,
            series_form::INTERVAL,
            series_form::MIN_INTERVAL,
            series_form::MAX_INTERVAL,
            series_form::MINUTES,
        ]
        .map(|n| f.text(n).to_string())
        .to_vec()
    };
    let expected = |i: usize| {
        let p = &protocols[i];
        [
            p.sessions,
            p.interval_days,
            p.min_interval_days,
            p.max_interval_days,
            p.session_minutes,
        ]
        .map(|n| n.to_string())
        .to_vec()
    };
    assert_eq!(numbers(app.form()), expected(0));
    app.keys("<Right>");
    assert_eq!(app.form().shown(series_form::PROTOCOL), protocols[1].name);
    assert_eq!(numbers(app.form()), expected(1));
    app.keys("<Left>");
    assert_eq!(numbers(app.form()), expected(0));
    app.keys("<Left>");
    let last = protocols.len() - 1;
    assert_eq!(
        app.form().shown(series_form::PROTOCOL),
        protocols[last].name,
        "Left wraps around"
    );
    assert_eq!(numbers(app.form()), expected(last));

    // Booking uses the chosen protocol's number of sessions.
    app.keys("<Right><Right><Tab>2026-12-07<Enter>c");
    let joanna = app.patient("p-joanna");
    let series = joanna.current_series().expect("series created");
    assert_eq!(series.protocol_id, protocols[1].id);
    assert_eq!(series.sessions.len(), protocols[1].sessions as usize);
    assert_eq!(
        series.sessions[1].date - series.sessions[0].date,
        chrono::Duration::days(protocols[1].interval_days as i64)
    );
}

#[test]
fn an_impossible_start_date_is_refused_inline() {
    let mut app = TestApp::small_clinic();
    app.select("p-ann");
    app.keys("n<Tab>2026-02-30<Enter>");
    let (field, message) = app.form().first_error().expect("an error is shown");
    assert_eq!(
        field,
        series_form::START,
        "the error is on the first-session field: {message}"
    );
    assert!(message.contains("does not exist"), "{message}");
    assert_eq!(
        app.form().text(series_form::START),
        "2026-02-30",
        "what was typed stays"
    );
    assert!(app.patient("p-ann").series.is_empty());
    assert!(app.saved_files().is_empty());

    // A real day in the past is refused too: nothing is booked before today.
    app.keys("<Backspace*2>28<Enter>");
    let (field, message) = app.form().first_error().expect("an error is shown");
    assert_eq!(field, series_form::START);
    assert!(message.contains("in the past"), "{message}");

    // Corrected in place, it is proposed and then booked.
    app.keys("<Backspace*10>2026-12-28<Enter>c");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(session_dates(app.patient("p-ann"))[0], d("2026-12-28"));
}

// ---------------------------------------------------------------------------------------
// 8. Editing a session
// ---------------------------------------------------------------------------------------

/// Bob selected, the plan focused and session 2 (2026-10-29, planned) selected.
fn bob_plan_on_session_2() -> TestApp {
    let mut app = TestApp::small_clinic();
    app.select("p-bob");
    app.keys("<Tab>");
    assert_eq!(app.model.focus, Pane::Plan);
    assert_eq!(app.model.session, 0, "the plan starts on the latest done session");
    app.keys("j");
    assert_eq!(app.model.session, 1);
    app
}

#[test]
fn moving_a_session_too_close_is_refused_and_moving_it_back_clears_the_refusal() {
    let mut app = bob_plan_on_session_2();
    app.keys("e");
    assert_eq!(app.form_purpose(), &FormPurpose::EditSession(pid("p-bob"), 1));
    assert_eq!(app.form().text(session_form::DATE), "2026-10-29");
    assert!(app.form().refusals.is_empty());

    // 9 days after session 1: closer than the 14-day minimum.
    app.keys("<End><Backspace*2>10");
    assert_eq!(app.form().text(session_form::DATE), "2026-10-10");
    assert!(
        app.form().refusals.iter().any(|w| w.contains("session 1")),
        "a refusal shows while typing: {:?}",
        app.form().refusals
    );
    assert!(
        app.form().notes.iter().any(|n| n.contains("Override reason")),
        "{:?}",
        app.form().notes
    );

    // Back to a valid date: the refusal goes, and Enter moves it (only this one: n).
    app.keys("<Backspace*2>30");
    assert!(app.form().refusals.is_empty(), "{:?}", app.form().refusals);
    app.keys("<Enter>");
    assert!(
        matches!(app.model.overlay, Overlay::Reschedule(_)),
        "session 3 comes after it"
    );
    app.keys("n");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(
        session_dates(app.patient("p-bob")),
        vec![d("2026-10-01"), d("2026-10-30"), d("2026-11-26")]
    );
    let json = app.saved_json(&pid("p-bob")).expect("saved");
    assert_eq!(json["patient"]["series"][0]["sessions"][1]["date"], "2026-10-30");
}

#[test]
fn a_too_close_session_is_refused_until_a_reason_is_typed_and_the_reason_is_stored() {
    let mut app = bob_plan_on_session_2();
    app.keys("e<End><Backspace*2>10");
    assert!(!app.form().refusals.is_empty());

    // Enter does not save: the form stays, the refusal is on the date.
    app.keys("<Enter>");
    let (field, message) = app.form().first_error().expect("refused inline");
    assert_eq!(field, session_form::DATE, "{message}");
    assert!(
        message.starts_with("refused:") && message.contains("minimum interval"),
        "{message}"
    );
    assert_eq!(session_dates(app.patient("p-bob"))[1], d("2026-10-29"));
    assert!(app.saved_files().is_empty(), "nothing written");

    // A reason too short to mean anything is not enough.
    app.keys("<Up>ok");
    assert_eq!(
        app.form().focused(),
        session_form::REASON,
        "Up from the date wraps to the override reason"
    );
    assert!(!app.form().refusals.is_empty());
    app.keys("<Enter>");
    let (field, message) = app.form().first_error().expect("refused inline");
    assert_eq!(
        field,
        session_form::REASON,
        "the error is on the reason: {message}"
    );
    assert!(message.contains("at least 4 characters"), "{message}");
    assert!(app.saved_files().is_empty());

    // A real reason books it; it is stored with the session.
    app.keys("<Backspace*2>patient flies abroad on the 12th<Enter>");
    assert!(app.form_if_open().is_none_or(|f| f.refusals.is_empty()));
    app.keys("n");
    assert_eq!(app.model.overlay, Overlay::None);
    let session = &app.patient("p-bob").current_series().unwrap().sessions[1];
    assert_eq!(session.date, d("2026-10-10"));
    assert_eq!(
        session.interval_override.as_deref(),
        Some("patient flies abroad on the 12th")
    );
    let json = app.saved_json(&pid("p-bob")).expect("saved");
    assert_eq!(
        json["patient"]["series"][0]["sessions"][1]["interval_override"],
        "patient flies abroad on the 12th"
    );
    // Who (the acting login: the OS account of the process) and when, too.
    assert_eq!(
        json["patient"]["series"][0]["sessions"][1]["interval_override_by"],
        needleplan::store::audit::os_user()
    );
    assert_eq!(
        session.interval_override_at,
        Some(fixed_now()),
        "set at the model's now"
    );
    assert!(
        app.patient("p-bob")
            .history
            .iter()
            .any(|h| h.what == "series[0].sessions[1].interval_override"),
        "in the history"
    );
    assert!(
        app.model.status.text.contains("overridden"),
        "the override is said: {:?}",
        app.model.status
    );
}

#[test]
fn clearing_the_override_reason_refuses_again() {
    let mut app = bob_plan_on_session_2();
    app.keys("e<End><Backspace*2>10<Up>patient request");
    assert!(app.form().refusals.is_empty(), "{:?}", app.form().refusals);
    assert!(app.form().warnings.iter().any(|w| w.contains("overridden")));
    app.keys("<Backspace*15>");
    assert!(!app.form().refusals.is_empty());
    app.keys("<Enter>");
    assert!(matches!(app.model.overlay, Overlay::Form(..)));
    assert!(app.saved_files().is_empty());
}

/// Records what a session needs before it can be marked done, as the consult screen
/// would: consent, photo consent, the three before-photos, and a reviewed screening with
/// every question answered no.
fn ready_for_session(app: &mut TestApp, id: &str, session: usize) {
    let today = app.model.today;
    let screening = Templates::builtin().screening;
    let p = app
        .model
        .patients
        .iter_mut()
        .find(|p| p.id.as_str() == id)
        .expect("patient");
    let prep = &mut p.series.last_mut().unwrap().sessions[session].prep;
    prep.consent_signed = Some(today);
    prep.photo_consent = Some(today);
    prep.photos = PhotoView::ALL.into_iter().collect();
    let rules = screening
        .absolute
        .iter()
        .chain(&screening.relative)
        .map(|r| &r.id);
    for rule in rules.chain(screening.prompts.iter().map(|p| &p.id)) {
        p.screening.answers.insert(rule.clone(), false);
    }
    for w in &screening.washouts {
        p.screening.exposures.insert(w.id.clone(), None);
    }
    p.screening.review("Dr Amara", today).expect("a name is given");
}

#[test]
fn marking_a_session_done_generates_its_checklist_from_the_aftercare_template() {
    let mut app = bob_plan_on_session_2();
    let aftercare = Templates::builtin().aftercare;
    // Not ready yet: marking it done is refused with what is missing (issue 4).
    app.keys("e<Tab><Tab><Right><Right><Enter>");
    let (field, message) = app.form().first_error().expect("refused while not ready");
    assert_eq!(field, session_form::STATUS, "{message}");
    assert!(message.contains("consent"), "{message}");
    assert!(app.saved_files().is_empty());
    app.keys("<Esc>");
    ready_for_session(&mut app, "p-bob", 1);

    app.keys("e<Tab><Tab>");
    let status_field = app.form().field(session_form::STATUS);
    assert!(matches!(status_field.kind, FieldKind::Choice(_)));
    assert_eq!(status_field.shown(), "planned");
    app.keys("<Right>");
    assert_eq!(app.form().shown(session_form::STATUS), "booked");
    app.keys("<Right>");
    assert_eq!(app.form().shown(session_form::STATUS), "done");
    app.keys("<Enter>");

    assert_eq!(app.model.overlay, Overlay::None);
    let session = &app.patient("p-bob").current_series().unwrap().sessions[1];
    assert_eq!(session.status, SessionStatus::Done);
    let ids: Vec<&str> = session.checklist.iter().map(|e| e.item_id.as_str()).collect();
    let template_ids: Vec<&str> = aftercare.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, template_ids);
    assert!(session.checklist.iter().all(|e| e.ticked_at.is_none()));
    assert_eq!(app.model.session, 1, "the plan stays on the edited session");

    let json = app.saved_json(&pid("p-bob")).expect("saved");
    let saved = &json["patient"]["series"][0]["sessions"][1];
    assert_eq!(saved["status"], "done");
    assert_eq!(saved["checklist"].as_array().unwrap().len(), aftercare.len());
}

#[test]
fn a_session_dated_in_the_future_cannot_be_marked_done() {
    let mut app = bob_plan_on_session_2();
    app.keys("j");
    assert_eq!(app.model.session, 2);
    app.keys("e<Tab><Tab><Right><Right>");
    assert_eq!(app.form().shown(session_form::STATUS), "done");
    app.keys("<Enter>");
    let (field, message) = app.form().first_error().expect("refused");
    assert_eq!(
        field,
        session_form::STATUS,
        "the error is on the status field: {message}"
    );
    assert!(message.contains("2026-11-26"), "{message}");
    let session = &app.patient("p-bob").current_series().unwrap().sessions[2];
    assert_eq!(session.status, SessionStatus::Planned);
    assert!(session.checklist.is_empty());
    assert!(app.saved_files().is_empty());
}

// ---------------------------------------------------------------------------------------
// 9. Adding a session
// ---------------------------------------------------------------------------------------

#[test]
fn a_in_the_plan_adds_a_session_one_interval_after_the_last() {
    let mut app = TestApp::small_clinic();
    app.select("p-bob");
    app.keys("<Tab>a");
    assert_eq!(app.form_purpose(), &FormPurpose::AddSession(pid("p-bob")));
    assert_eq!(
        app.form().text(session_form::DATE),
        "2026-12-24",
        "2026-11-26 + 28 days"
    );
    assert_eq!(
        app.form().text(session_form::TIME),
        "09:00",
        "the time of the last session"
    );
    assert!(app.form().warnings.is_empty());
    app.keys("<Enter>");

    assert_eq!(app.model.overlay, Overlay::None);
    let bob = app.patient("p-bob");
    assert_eq!(
        session_dates(bob),
        vec![d("2026-10-01"), d("2026-10-29"), d("2026-11-26"), d("2026-12-24")]
    );
    assert_eq!(
        bob.current_series().unwrap().sessions[3].status,
        SessionStatus::Planned
    );
    assert_eq!(app.model.session, 3, "the new session is selected");
    let json = app.saved_json(&pid("p-bob")).expect("saved");
    assert_eq!(
        json["patient"]["series"][0]["sessions"].as_array().unwrap().len(),
        4
    );
}

#[test]
fn a_in_the_plan_without_a_series_says_how_to_make_one() {
    let mut app = TestApp::small_clinic();
    app.select("p-ann");
    app.keys("<Tab>a");
    assert_eq!(app.model.overlay, Overlay::None);
    assert!(
        app.model.status.text.contains("press n"),
        "{:?}",
        app.model.status
    );
    assert!(app.patient("p-ann").series.is_empty());
}

// ---------------------------------------------------------------------------------------
// 10. Checklist
// ---------------------------------------------------------------------------------------

#[test]
fn space_ticks_and_unticks_the_selected_checklist_item_at_now() {
    let mut app = TestApp::small_clinic();
    app.select("p-bob");
    app.keys("<Tab><Tab>");
    assert_eq!(app.model.focus, Pane::Checklist);
    assert_eq!((app.model.session, app.model.checklist_item), (0, 0));

    let checklist = |app: &TestApp| {
        app.patient("p-bob").current_series().unwrap().sessions[0]
            .checklist
            .clone()
    };
    app.keys("<Space>");
    assert_eq!(checklist(&app)[0].ticked_at, Some(fixed_now()));
    assert!(checklist(&app)[1..].iter().all(|e| e.ticked_at.is_none()));
    let json = app.saved_json(&pid("p-bob")).expect("saved");
    assert_eq!(
        json["patient"]["series"][0]["sessions"][0]["checklist"][0]["ticked_at"],
        "2026-11-25T10:00:00"
    );

    app.keys("<Space>");
    assert_eq!(checklist(&app)[0].ticked_at, None, "Space again unticks");
    let json = app.saved_json(&pid("p-bob")).expect("saved");
    assert!(
        json["patient"]["series"][0]["sessions"][0]["checklist"][0]
            .get("ticked_at")
            .is_none_or(Value::is_null)
    );

    app.keys("j");
    assert_eq!(app.model.checklist_item, 1);
    app.keys("<Space>");
    let list = checklist(&app);
    assert_eq!(list[0].ticked_at, None);
    assert_eq!(list[1].ticked_at, Some(fixed_now()));

    // j stops at the last item.
    app.keys(&"j".repeat(list.len() + 3));
    assert_eq!(app.model.checklist_item, list.len() - 1);
    app.keys("k");
    assert_eq!(app.model.checklist_item, list.len() - 2);
}

#[test]
fn ticking_on_a_session_not_yet_done_changes_nothing_and_says_why() {
    let mut app = TestApp::small_clinic();
    app.select("p-bob");
    app.keys("<Tab>j");
    assert_eq!(app.model.session, 1);
    app.keys("<Tab>");
    assert_eq!(app.model.focus, Pane::Checklist);
    let before = app.patient("p-bob").clone();
    app.keys("<Space>");
    assert_eq!(app.patient("p-bob"), &before);
    assert!(app.model.unsaved.is_empty());
    assert!(app.saved_files().is_empty());
    assert_ne!(app.model.status.kind, StatusKind::Saved);
    assert!(
        app.model.status.text.contains("marked done"),
        "the status says why: {:?}",
        app.model.status
    );
}

// ---------------------------------------------------------------------------------------
// 11. Help and panes
// ---------------------------------------------------------------------------------------

#[test]
fn question_mark_opens_help_and_its_close_keys_close_it() {
    let mut app = TestApp::small_clinic();
    app.keys("?");
    assert_eq!(app.model.overlay, Overlay::Help { scroll: 0 });
    // j/k scroll the help rather than closing it.
    app.keys("jj");
    assert_eq!(app.model.overlay, Overlay::Help { scroll: 2 });
    app.keys("k");
    assert_eq!(app.model.overlay, Overlay::Help { scroll: 1 });
    app.keys("<Esc>");
    assert_eq!(app.model.overlay, Overlay::None);

    // The closing key does nothing else: q does not quit; other keys are ignored.
    for closer in ["q", "?", "<Enter>", "<Esc>"] {
        app.keys("?");
        assert!(matches!(app.model.overlay, Overlay::Help { .. }));
        app.keys("xa<Tab>");
        assert!(
            matches!(app.model.overlay, Overlay::Help { .. }),
            "x, a, Tab do nothing"
        );
        app.keys(closer);
        assert_eq!(app.model.overlay, Overlay::None, "{closer} closes the help");
        assert!(!app.model.quit);
        assert_eq!(app.model.focus, Pane::Patients);
    }
    assert!(app.patients_unchanged());
}

#[test]
fn tab_and_backtab_cycle_the_panes() {
    let mut app = TestApp::small_clinic();
    assert_eq!(app.model.focus, Pane::Patients);
    let mut seen = Vec::new();
    for _ in 0..3 {
        app.keys("<Tab>");
        seen.push(app.model.focus);
    }
    assert_eq!(seen, vec![Pane::Plan, Pane::Checklist, Pane::Patients]);
    seen.clear();
    for _ in 0..3 {
        app.keys("<BackTab>");
        seen.push(app.model.focus);
    }
    assert_eq!(seen, vec![Pane::Checklist, Pane::Plan, Pane::Patients]);
}

#[test]
fn enter_on_a_patient_opens_their_plan() {
    let mut app = TestApp::small_clinic();
    app.select("p-bob");
    app.keys("<Enter>");
    assert_eq!(app.model.focus, Pane::Plan);
    assert_eq!(app.model.overlay, Overlay::None);
}

// ---------------------------------------------------------------------------------------
// 12. Quit, and saves that fail
// ---------------------------------------------------------------------------------------

#[test]
fn q_quits_at_once_when_everything_is_saved() {
    let mut app = TestApp::small_clinic();
    app.select("p-ann");
    app.keys("e<Tab><Tab><Backspace*30>0161 000<Enter>");
    assert!(app.model.unsaved.is_empty());
    app.keys("q");
    assert!(app.model.quit);
}

#[test]
fn a_failed_save_keeps_the_edit_in_memory_and_is_written_by_a_later_flush() {
    let saver = FlakySaver::default();
    let mut model = Model::new(fixed_now(), Templates::builtin(), small_clinic())
        .with_clinic(needleplan::store::demo::demo_settings());
    saver.failing.set(true);
    type_keys(&mut model, &saver, "e<Tab><Tab><Backspace*30>0161 000<Enter>");

    assert_eq!(model.overlay, Overlay::None);
    let ann = model.patient(&pid("p-ann")).unwrap();
    assert_eq!(ann.phone, "0161 000", "the edit is kept in memory");
    assert!(model.unsaved.contains(&pid("p-ann")));
    assert_eq!(model.status.kind, StatusKind::Error);
    // The failure as the store words it ("... not saved: <why>"), never a plain "saved".
    let not_saved =
        "NOT SAVED (kept in memory, retrying): patients/p-ann.json not saved: disk full (simulated)";
    assert_eq!(model.status.text, not_saved);
    assert!(saver.written.borrow().is_empty());

    // Still failing: a retry says so again, never "saved".
    persist::flush(&mut model, &saver);
    assert_eq!(model.status.kind, StatusKind::Error);
    assert_eq!(model.status.text, not_saved);

    // The disk is back: the retry writes the edited patient.
    saver.failing.set(false);
    persist::flush(&mut model, &saver);
    assert!(model.unsaved.is_empty());
    assert_eq!(model.status.kind, StatusKind::Saved);
    let written = saver.written.borrow();
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].id, pid("p-ann"));
    assert_eq!(written[0].phone, "0161 000");
}

#[test]
fn a_failed_save_is_kept_across_further_edits_of_other_patients() {
    let saver = FlakySaver::default();
    let mut model = Model::new(fixed_now(), Templates::builtin(), small_clinic())
        .with_clinic(needleplan::store::demo::demo_settings());
    saver.failing.set(true);
    type_keys(&mut model, &saver, "e<Tab><Tab><Backspace*30>0161 000<Enter>");
    saver.failing.set(false);
    // Ticking Bob's checklist saves Bob and, with him, the pending Ann.
    type_keys(&mut model, &saver, "j<Tab><Tab><Space>");
    assert!(model.unsaved.is_empty());
    let written: Vec<String> = saver.written.borrow().iter().map(|p| p.id.to_string()).collect();
    assert!(written.contains(&"p-ann".to_string()), "{written:?}");
    assert!(written.contains(&"p-bob".to_string()), "{written:?}");
}

#[test]
fn with_a_save_pending_the_first_q_warns_and_the_second_quits() {
    let saver = FlakySaver::default();
    let mut model = Model::new(fixed_now(), Templates::builtin(), small_clinic())
        .with_clinic(needleplan::store::demo::demo_settings());
    saver.failing.set(true);
    type_keys(&mut model, &saver, "e<Tab><Tab><Backspace*30>0161 000<Enter>");
    assert!(!model.unsaved.is_empty());

    type_keys(&mut model, &saver, "q");
    assert!(!model.quit, "the first q must not lose the edit");
    assert_eq!(model.status.kind, StatusKind::Error);
    assert!(model.status.text.contains("NOT SAVED"), "{:?}", model.status);

    // Another key in between re-arms the warning.
    type_keys(&mut model, &saver, "jq");
    assert!(!model.quit);
    type_keys(&mut model, &saver, "q");
    assert!(model.quit, "the second q in a row quits");
}

/// The runtime retries failed saves on every tick: the retry must not replace q's
/// warning, or the second q would quit with the warning never seen.
#[test]
fn q_warning_survives_the_retry_on_every_tick_and_only_then_q_quits() {
    let saver = FlakySaver::default();
    let mut model = Model::new(fixed_now(), Templates::builtin(), small_clinic())
        .with_clinic(needleplan::store::demo::demo_settings());
    saver.failing.set(true);
    type_keys(&mut model, &saver, "e<Tab><Tab><Backspace*30>0161 000<Enter>");

    // `type_keys` flushes after the key, as the runtime does.
    type_keys(&mut model, &saver, "q");
    assert!(!model.quit);
    let warning = model.status.clone();
    assert_eq!(warning.kind, StatusKind::Error);
    assert!(
        warning.text.contains("press q again to quit and lose"),
        "the warning, not the retry's message: {:?}",
        warning
    );
    // A few ticks: still failing, still the warning.
    for _ in 0..3 {
        persist::flush(&mut model, &saver);
        assert_eq!(model.status, warning);
    }
    type_keys(&mut model, &saver, "q");
    assert!(model.quit, "the user saw the warning: the second q quits");
}

/// A status that replaces q's warning (here: the look for other users' saves failed, on
/// a tick) means the warning was not the last thing shown: q warns again, not quits.
#[test]
fn a_status_that_replaces_q_warning_makes_the_next_q_warn_again() {
    let saver = FlakySaver::default();
    let mut model = Model::new(fixed_now(), Templates::builtin(), small_clinic())
        .with_clinic(needleplan::store::demo::demo_settings());
    saver.failing.set(true);
    type_keys(&mut model, &saver, "e<Tab><Tab><Backspace*30>0161 000<Enter>");
    type_keys(&mut model, &saver, "q");
    assert!(model.status.text.contains("press q again"), "{:?}", model.status);

    use needleplan::app::message::{Msg, update};
    update(&mut model, Msg::PatientsChanged(Err("permission denied".into())));
    assert!(
        model.status.text.contains("permission denied"),
        "{:?}",
        model.status
    );
    type_keys(&mut model, &saver, "q");
    assert!(!model.quit, "the warning was replaced before this q");
    assert!(model.status.text.contains("press q again"), "{:?}", model.status);
    type_keys(&mut model, &saver, "q");
    assert!(model.quit);
}

#[test]
fn a_plain_c_between_two_q_re_arms_the_quit_warning() {
    let saver = FlakySaver::default();
    let mut model = Model::new(fixed_now(), Templates::builtin(), small_clinic())
        .with_clinic(needleplan::store::demo::demo_settings());
    saver.failing.set(true);
    type_keys(&mut model, &saver, "e<Tab><Tab><Backspace*30>0161 000<Enter>");
    type_keys(&mut model, &saver, "qcq");
    assert!(
        !model.quit,
        "c is not a quit key; the q after it is a first q again"
    );
}

// ---------------------------------------------------------------------------------------
// 13. Navigation on the demo clinic
// ---------------------------------------------------------------------------------------

/// What the plan should select for a patient: the latest session done, else the next to
/// come, else the first.
fn expected_session(p: &Patient) -> usize {
    p.current_series()
        .map(|s| {
            s.latest_done_index()
                .or_else(|| s.sessions.iter().position(|x| x.status.is_upcoming()))
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

#[test]
fn list_keys_move_the_selection_within_bounds_on_the_demo_clinic() {
    let patients = demo_patients(fixed_now().date());
    let mut app = TestApp::new(patients);
    let n = app.model.visible.len();
    assert!(n > 12, "the demo needs more than a page of patients");
    assert_eq!(app.model.selected, 0);

    app.keys("k<Up><PageUp><Home>g");
    assert_eq!(app.model.selected, 0, "never above the first row");
    app.keys("j");
    assert_eq!(app.model.selected, 1);
    app.keys("<Down>");
    assert_eq!(app.model.selected, 2);
    app.keys("k");
    assert_eq!(app.model.selected, 1);
    app.keys("<End>");
    assert_eq!(app.model.selected, n - 1);
    app.keys("j<Down><PageDown>G");
    assert_eq!(app.model.selected, n - 1, "never below the last row");
    app.keys("<Home>");
    assert_eq!(app.model.selected, 0);
    app.keys("<PageDown>");
    let page = app.model.list_page.get();
    assert!(page >= 1);
    assert_eq!(app.model.selected, page.min(n - 1));
    app.keys("<PageUp>");
    assert_eq!(app.model.selected, 0);
    app.keys("G");
    assert_eq!(app.model.selected, n - 1);
    app.keys("g");
    assert_eq!(app.model.selected, 0);
    // Nothing archived shows, and nothing was written by moving around.
    assert!(app.model.visible.iter().all(|&i| !app.model.patients[i].archived));
    assert!(app.saved_files().is_empty());
}

#[test]
fn changing_patient_resets_the_plan_to_their_latest_done_session() {
    let patients = demo_patients(fixed_now().date());
    let mut app = TestApp::new(patients);
    let n = app.model.visible.len();

    // Every patient, reached with j, shows their latest done session in the plan.
    app.keys("<Home>");
    for row in 0..n {
        assert_eq!(app.model.selected, row);
        let p = app.model.selected_patient().unwrap();
        assert_eq!(
            app.model.session,
            expected_session(p),
            "{} ({})",
            p.full_name,
            p.id
        );
        if let Some(done) = p.current_series().and_then(|s| s.latest_done_index()) {
            assert_eq!(app.model.session, done);
        }
        app.keys("j");
    }

    // Pick a patient whose latest done session is not the first of several, move the plan
    // elsewhere, leave and come back: the plan is reset to that session.
    let row = (0..n)
        .find(|&r| {
            let p = &app.model.patients[app.model.visible[r]];
            p.current_series()
                .is_some_and(|s| s.sessions.len() > 2 && s.latest_done_index().is_some_and(|i| i > 0))
        })
        .expect("the demo has a patient well into a series");
    app.keys("<Home>");
    app.keys(&"j".repeat(row));
    let id = app.model.selected_id().unwrap();
    let done = app.model.current_series().unwrap().latest_done_index().unwrap();
    assert_eq!(app.model.session, done);
    app.keys("<Tab>G");
    let last = app.model.current_series().unwrap().sessions.len() - 1;
    assert_eq!(app.model.session, last, "G moves in the plan when it has focus");
    assert_eq!(app.model.selected_id(), Some(id.clone()), "the patient stays");
    app.keys("<BackTab>");
    let step = if row + 1 < n { "jk" } else { "kj" };
    app.keys(step);
    assert_eq!(app.model.selected_id(), Some(id));
    assert_eq!(app.model.session, done, "back on the patient, the plan is reset");
    assert_eq!(app.model.checklist_item, 0);
}

// ---------------------------------------------------------------------------------------
// 14. The keymap is consistent with itself and with the help
// ---------------------------------------------------------------------------------------

fn event_for(key: &Key) -> KeyEvent {
    let mut ev = key_event(key.code);
    if key.shift {
        ev.modifiers |= KeyModifiers::SHIFT;
    }
    ev
}

fn panes_of(scope: Scope) -> Vec<Pane> {
    match scope {
        Scope::Global | Scope::Everywhere => Pane::ALL.to_vec(),
        Scope::Pane(p) => vec![p],
    }
}

#[test]
fn every_binding_maps_its_own_keys_back_to_its_action_in_its_scope() {
    for b in MAIN_KEYS {
        assert!(!b.keys.is_empty(), "{:?} has no key", b.action);
        assert!(!b.help.trim().is_empty(), "{:?} has no help text", b.action);
        for key in b.keys {
            for pane in panes_of(b.scope) {
                assert_eq!(
                    keymap::action_for(&event_for(key), pane),
                    Some(b.action),
                    "{} in {pane:?} should mean {:?} ({})",
                    key.label(),
                    b.action,
                    b.help
                );
            }
        }
    }
}

#[test]
fn every_binding_in_the_key_bar_is_listed_in_the_help_overlay() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    let mut model = Model::new(fixed_now(), Templates::builtin(), Vec::new())
        .with_clinic(needleplan::store::demo::demo_settings());
    model.overlay = Overlay::Help { scroll: 0 };
    let mut terminal = Terminal::new(TestBackend::new(120, 80)).unwrap();
    terminal
        .draw(|frame| needleplan::ui::view(&model, frame))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    let width = buffer.area.width as usize;
    let rows: Vec<String> = buffer
        .content
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect();

    let mut checked = 0;
    for b in MAIN_KEYS.iter().filter(|b| b.bar.is_some()) {
        let keys = b.keys_label();
        assert!(
            rows.iter().any(|row| row.contains(&keys) && row.contains(b.help)),
            "{:?} ({keys}: {}) is in the key bar but not in the help:\n{}",
            b.action,
            b.help,
            rows.join("\n")
        );
        checked += 1;
    }
    assert!(checked >= 5, "the key bar lists the main keys");
}

// ---------------------------------------------------------------------------------------
// More: reordering, filters and new patients, a second series, Ctrl-C, key releases
// ---------------------------------------------------------------------------------------

#[test]
fn a_session_moved_past_its_neighbour_takes_its_new_place_and_stays_selected() {
    let mut app = bob_plan_on_session_2();
    // 2026-10-29 -> 2026-12-21: after session 3 (2026-11-26), 25 days from it.
    app.keys("e<End><Backspace*5>12-21");
    assert!(app.form().refusals.is_empty(), "{:?}", app.form().refusals);
    app.keys("<Enter>n");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(
        session_dates(app.patient("p-bob")),
        vec![d("2026-10-01"), d("2026-11-26"), d("2026-12-21")]
    );
    assert_eq!(app.model.session, 2, "the moved session stays selected");
    assert!(
        app.model.status.text.contains("session 3"),
        "{:?}",
        app.model.status
    );
}

#[test]
fn a_new_patient_hidden_by_the_filter_clears_it_so_they_show() {
    let mut app = TestApp::small_clinic();
    app.keys("/bob<Enter>");
    assert_eq!(app.visible_names(), vec!["Bob Stone"]);
    app.keys("aZed Young<Enter>");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.model.filter, "");
    assert_eq!(
        app.model.selected_patient().map(|p| p.full_name.as_str()),
        Some("Zed Young")
    );
    assert_eq!(app.visible_names().len(), 4);
}

#[test]
fn a_new_series_over_one_with_sessions_to_come_shows_why_and_books_on_confirm() {
    let mut app = TestApp::small_clinic();
    app.select("p-bob");
    app.keys("n");
    assert!(!app.form().warnings.is_empty(), "Bob still has sessions to come");
    app.keys("<Tab>2027-01-04<Enter>");
    // The note stays in sight in the preview; confirming it is the acknowledgement.
    let Overlay::SeriesPreview(preview) = &app.model.overlay else {
        panic!("expected the preview, found {:?}", app.model.overlay);
    };
    assert!(
        preview
            .notes
            .iter()
            .any(|n| n.contains("still has 2 session(s) to come"))
    );
    assert_eq!(app.patient("p-bob").series.len(), 1);
    assert!(app.saved_files().is_empty());
    app.keys("c");
    assert_eq!(app.model.overlay, Overlay::None);
    let bob = app.patient("p-bob");
    assert_eq!(bob.series.len(), 2, "the old series is kept");
    assert_eq!(session_dates(bob)[0], d("2027-01-04"));
    assert_eq!(bob.series[0].sessions.len(), 3);
    assert_eq!(
        app.model.session, 0,
        "the plan shows the new series' first session"
    );
    assert!(app.saved_json(&pid("p-bob")).is_some());
}

#[test]
fn ctrl_c_quits_and_respects_pending_saves_like_q() {
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let mut app = TestApp::small_clinic();
    handle_key(&mut app.model, ctrl_c);
    assert!(app.model.quit);

    let saver = FlakySaver::default();
    let mut model = Model::new(fixed_now(), Templates::builtin(), small_clinic())
        .with_clinic(needleplan::store::demo::demo_settings());
    saver.failing.set(true);
    type_keys(&mut model, &saver, "e<Tab><Tab><Backspace*30>0161 000<Enter>");
    handle_key(&mut model, ctrl_c);
    assert!(!model.quit);
    assert!(model.status.text.contains("NOT SAVED"), "{:?}", model.status);
    handle_key(&mut model, ctrl_c);
    assert!(model.quit);
}

#[test]
fn key_releases_are_ignored() {
    use ratatui::crossterm::event::KeyEventKind;
    let mut app = TestApp::small_clinic();
    for code in [
        KeyCode::Char('j'),
        KeyCode::Char('a'),
        KeyCode::Char('q'),
        KeyCode::Tab,
    ] {
        let mut ev = key_event(code);
        ev.kind = KeyEventKind::Release;
        assert!(handle_key(&mut app.model, ev).is_empty());
    }
    assert_eq!(app.model.selected, 0);
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.model.focus, Pane::Patients);
    assert!(!app.model.quit);
}
