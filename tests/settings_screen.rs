//! The settings screen (key `5`): key tests that change each kind of setting and read
//! `clinic.json` back from disk (a real `PatientStore` in a temporary dir, or a saver
//! that fails on demand), the refusals (typed text kept, the broken file never written),
//! and snapshots at 80x24 and 160x50.
//!
//! Every test runs at a fixed "now" (Wed 2026-11-25 10:00), never the real clock, never
//! the real data dir.
//!
//! Keys are written as a small script: plain characters are typed as they are, `<Name>`
//! is a named key (`<Enter>`, `<Esc>`, `<Tab>`, `<BackTab>`, `<Up>`, `<Down>`, `<Space>`,
//! `<Backspace>`), and `<Backspace*N>` repeats one.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use needleplan::app::form::Form;
use needleplan::app::model::FormPurpose;
use needleplan::app::model::StatusKind;
use needleplan::app::persist::{self, Saver};
use needleplan::app::screen::ScreenId;
use needleplan::app::settings::{self, ResourceKind, Row};
use needleplan::app::{Model, Overlay};
use needleplan::domain::clinic::{ClinicSettings, ClosedDate, Closure, DayHours};
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::series::{Series, SeriesPlan};
use needleplan::store::clinic_file::{ClinicIoError, ClinicSaveError};
use needleplan::store::templates::Templates;
use needleplan::store::{IoFailure, PatientStore, SaveError, clinic_file};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tempfile::TempDir;

use common::keys::*;

// ---------------------------------------------------------------------------------------
// A small clinic, by hand
// ---------------------------------------------------------------------------------------

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn now() -> NaiveDateTime {
    d("2026-11-25").and_hms_opt(10, 0, 0).unwrap()
}

/// Ann: one series, its first session on Wed 2026-12-02 10:00 with Ben in room 1, and no
/// length of its own (so the clinic's default length applies). Her second session names
/// "sara", a clinician no longer listed.
fn patients() -> Vec<Patient> {
    let templates = Templates::builtin();
    let details = PatientDetails {
        full_name: "Ann Lee".into(),
        date_of_birth: Some(d("1990-06-02")),
        phone: "+44 7700 900001".into(),
        email: String::new(),
        notes: String::new(),
    };
    let mut ann = Patient::new(PatientId::new("p-ann").unwrap(), details, d("2026-10-01"));
    let plan = SeriesPlan::from_protocol(&templates.protocols[0], d("2026-12-02"), Some(t(10, 0)));
    let mut series = Series::from_plan(&plan, d("2026-11-01"));
    series.session_minutes = None;
    for s in &mut series.sessions {
        s.minutes = None;
    }
    series.sessions[0].clinician = Some("ben".into());
    series.sessions[0].room = Some("room-1".into());
    series.sessions[1].clinician = Some("sara".into());
    ann.series.push(series);
    vec![ann]
}

// ---------------------------------------------------------------------------------------
// Driving the model
// ---------------------------------------------------------------------------------------

/// Sends keys and carries out the saves they ask for, as the runtime does.
fn keys(model: &mut Model, saver: &dyn Saver, script: &str) {
    type_keys(model, saver, script);
}

/// Moves the cursor with j/k until `row` is selected.
fn select(model: &mut Model, saver: &dyn Saver, row: Row) {
    let rows = settings::rows(model);
    let target = rows.iter().position(|r| *r == row).expect("the row exists");
    for _ in 0..rows.len() * 2 {
        let here = settings::selected_row(model).unwrap();
        let at = rows.iter().position(|r| *r == here).unwrap();
        if at == target {
            return;
        }
        keys(model, saver, if at < target { "j" } else { "k" });
    }
    panic!("could not reach {row:?}");
}

fn form(model: &Model) -> &Form {
    match &model.overlay {
        Overlay::Form(FormPurpose::Settings(_), form) => form,
        other => panic!("expected an open form, got {other:?}"),
    }
}

/// The model over a real data dir in a temporary folder, started as the runtime starts
/// it (`clinic.json` loaded, read-only when it is broken).
struct App {
    model: Model,
    store: PatientStore,
    /// Shared by the instances of one clinic (see [`App::another`]).
    dir: Rc<TempDir>,
}

impl App {
    fn new() -> Self {
        Self::with_clinic_file(None)
    }

    fn with_clinic_file(text: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        if let Some(text) = text {
            std::fs::write(clinic_file::path(dir.path()), text).unwrap();
        }
        Self::open_at(Rc::new(dir))
    }

    /// A second instance on the same data dir (another member of staff).
    fn another(&self) -> Self {
        Self::open_at(Rc::clone(&self.dir))
    }

    fn open_at(dir: Rc<TempDir>) -> Self {
        let store = PatientStore::open(dir.path()).unwrap();
        let mut model = Model::new(now(), Templates::builtin(), patients())
            .with_clinic(needleplan::store::demo::demo_settings());
        let load = clinic_file::load(dir.path());
        model.problems.extend(load.problem);
        model.clinic_read_only = load.read_only;
        // No file yet: the demo's people at revision 0, so that edits have a valid base.
        model.set_clinic(if load.exists {
            load.settings
        } else {
            needleplan::store::demo::demo_settings()
        });
        keys(&mut model, &store, "5");
        assert_eq!(model.screen, ScreenId::Settings);
        Self { model, store, dir }
    }

    fn keys(&mut self, script: &str) {
        keys(&mut self.model, &self.store, script);
    }

    fn select(&mut self, row: Row) {
        select(&mut self.model, &self.store, row);
    }

    /// `clinic.json` as read back from disk; it must exist and be valid.
    fn on_disk(&self) -> ClinicSettings {
        let load = clinic_file::load(self.dir.path());
        assert!(load.exists, "clinic.json was not written");
        assert_eq!(load.problem, None);
        load.settings
    }

    fn status(&self) -> &str {
        &self.model.status.text
    }

    /// The saved settings are the ones in memory, and nothing waits to be written.
    fn assert_saved(&self) {
        assert_eq!(self.on_disk(), self.model.clinic);
        assert!(!self.model.screens.settings.unsaved);
        assert_eq!(self.model.status.kind, StatusKind::Saved, "{}", self.status());
        assert!(self.status().starts_with("settings saved"), "{}", self.status());
    }
}

fn draw(model: &Model, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| needleplan::ui::view(model, f)).unwrap();
    terminal.backend().to_string()
}

// ---------------------------------------------------------------------------------------
// The screen
// ---------------------------------------------------------------------------------------

#[test]
fn five_opens_the_screen_esc_goes_back_and_the_help_lists_its_keys() {
    let mut app = App::new();
    assert_eq!(settings::selected_row(&app.model), Some(Row::Name));
    app.keys("<Esc>");
    assert_eq!(app.model.screen, ScreenId::Main);
    app.keys("5?");
    assert!(matches!(app.model.overlay, Overlay::Help { .. }));
    let help = draw(&app.model, 160, 50);
    assert!(help.contains("clinic settings: hours, closed dates"), "{help}");
    let lines = needleplan::app::screen::help_sections();
    let (_, rows) = lines
        .iter()
        .find(|(title, _)| title.starts_with("Settings"))
        .unwrap();
    assert!(
        rows.iter()
            .any(|(k, what)| k == "Space" && what.contains("weekday")),
        "{rows:?}"
    );
    assert!(rows.iter().any(|(k, _)| k == "x"), "{rows:?}");
}

#[test]
fn tab_jumps_from_section_to_section() {
    let mut app = App::new();
    let sections: Vec<_> = (0..7)
        .map(|_| {
            app.keys("<Tab>");
            settings::selected_row(&app.model).unwrap()
        })
        .collect();
    assert_eq!(
        sections,
        [
            Row::Day(0),
            Row::NoClosedDates,
            Row::Resource(ResourceKind::Clinician, 0),
            Row::Resource(ResourceKind::Room, 0),
            Row::Protocol(0),
            Row::NoStaff,
            Row::Name,
        ]
    );
    app.keys("<BackTab>");
    assert_eq!(settings::selected_row(&app.model), Some(Row::NoStaff));
}

// ---------------------------------------------------------------------------------------
// Opening hours
// ---------------------------------------------------------------------------------------

#[test]
fn opening_hours_are_typed_checked_and_saved() {
    let mut app = App::new();
    app.select(Row::Day(0));
    app.keys("<Enter><Backspace*5>25:00<Enter>");
    let f = form(&app.model);
    assert_eq!(f.text("opens"), "25:00", "what was typed is kept");
    let (field, message) = f.first_error().expect("refused inline");
    assert_eq!(field, "opens");
    assert!(message.contains("'25:00' is not a time"), "{message}");
    assert!(!clinic_file::path(app.dir.path()).exists(), "nothing written");

    // Closing before opening is refused by the clinic's own rules, at the closing time.
    app.keys("<Backspace*5>08:30<Tab><Backspace*5>07:00<Enter>");
    let (field, message) = form(&app.model).first_error().unwrap();
    assert_eq!(field, "closes");
    assert!(message.contains("must be after opening time 08:30"), "{message}");

    app.keys("<Backspace*5>17:00<Enter>");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.model.clinic.hours[0], Some(DayHours::new(t(8, 30), t(17, 0))));
    app.assert_saved();
    assert!(app.status().contains("Mondays 08:30-17:00"), "{}", app.status());
    // Monday 2026-11-30 now opens at 08:30.
    assert_eq!(
        app.model.clinic.hours_on(d("2026-11-30")).map(|h| h.open),
        Some(t(8, 30))
    );
}

#[test]
fn esc_in_a_form_cancels_it_and_changes_nothing() {
    let mut app = App::new();
    app.select(Row::Day(1));
    app.keys("<Enter><Backspace*5>07:00<Esc>");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(
        app.model.screen,
        ScreenId::Settings,
        "Esc closed the form, not the screen"
    );
    assert_eq!(app.model.clinic, needleplan::store::demo::demo_settings());
    assert!(!clinic_file::path(app.dir.path()).exists());
    app.keys("<Esc>");
    assert_eq!(app.model.screen, ScreenId::Main);
}

#[test]
fn space_closes_a_weekday_and_opens_it_again_with_its_hours() {
    let mut app = App::new();
    app.select(Row::Day(2));
    app.keys("<Space>");
    assert_eq!(app.model.clinic.hours[2], None);
    app.assert_saved();
    assert_eq!(
        app.model.clinic.closure(d("2026-12-02")),
        Some(Closure::Weekday(Weekday::Wed))
    );
    // Ann's sessions (all on Wednesdays) stay booked, and the status line says so.
    assert!(
        app.status().contains("3 booking(s) from today on"),
        "{}",
        app.status()
    );
    assert_eq!(app.model.calendar.bookings_on(d("2026-12-02")).count(), 1);

    app.keys("<Space>");
    assert_eq!(app.model.clinic.hours[2], Some(DayHours::new(t(9, 0), t(18, 0))));
    app.assert_saved();
}

#[test]
fn the_last_open_weekday_cannot_be_closed() {
    let mut app = App::new();
    for day in 0..6 {
        app.select(Row::Day(day));
        app.keys("<Space>");
    }
    assert_eq!(app.model.status.kind, StatusKind::Error);
    assert!(app.status().contains("at least one weekday"), "{}", app.status());
    assert!(app.model.clinic.hours[5].is_some(), "Saturday stays open");
    assert_eq!(app.on_disk(), app.model.clinic);
}

// ---------------------------------------------------------------------------------------
// Closed dates
// ---------------------------------------------------------------------------------------

#[test]
fn closed_dates_are_added_checked_and_removed_after_asking() {
    let mut app = App::new();
    app.select(Row::NoClosedDates);
    app.keys("a2026-02-30<Tab>Christmas Eve<Enter>");
    let f = form(&app.model);
    assert_eq!(
        (f.text("date"), f.text("reason")),
        ("2026-02-30", "Christmas Eve")
    );
    let (field, message) = f.first_error().unwrap();
    assert_eq!(field, "date");
    assert!(message.contains("does not exist"), "{message}");
    assert!(!clinic_file::path(app.dir.path()).exists());

    app.keys("<Backspace*10>2026-12-24<Enter>");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(
        app.model.clinic.closure(d("2026-12-24")),
        Some(Closure::Holiday("Christmas Eve".into()))
    );
    assert!(!app.model.clinic.is_open(d("2026-12-24")));
    app.assert_saved();
    assert_eq!(settings::selected_row(&app.model), Some(Row::Closed(0)));

    // An earlier date goes first; one with a booking says so.
    app.keys("a2026-12-02<Tab>Training<Enter>");
    let dates: Vec<NaiveDate> = app.on_disk().closed_dates.iter().map(|c| c.date).collect();
    assert_eq!(dates, [d("2026-12-02"), d("2026-12-24")]);
    assert!(app.status().contains("1 booking(s) that day"), "{}", app.status());
    assert_eq!(settings::selected_row(&app.model), Some(Row::Closed(0)));

    // The same date twice is refused.
    app.keys("a2026-12-24<Enter>");
    let (_, message) = form(&app.model).first_error().unwrap();
    assert!(
        message.contains("already a closed date (Christmas Eve)"),
        "{message}"
    );
    app.keys("<Esc>");

    // x asks first; any key but y keeps it.
    app.select(Row::Closed(1));
    app.keys("x");
    assert_eq!(app.model.overlay, Overlay::ConfirmRemoveClosedDate(1));
    let screen = draw(&app.model, 80, 24);
    assert!(
        screen.contains("Remove the closed date Thu 2026-12-24"),
        "{screen}"
    );
    app.keys("n");
    assert_eq!(app.model.clinic.closed_dates.len(), 2);
    assert_eq!(app.status(), "nothing removed");
    app.keys("xy");
    assert_eq!(app.model.clinic.closure(d("2026-12-24")), None);
    app.assert_saved();
    assert_eq!(app.on_disk().closed_dates.len(), 1);
}

// ---------------------------------------------------------------------------------------
// Clinicians and rooms
// ---------------------------------------------------------------------------------------

#[test]
fn a_new_clinician_gets_a_file_safe_id_made_from_the_name() {
    let mut app = App::new();
    app.select(Row::Resource(ResourceKind::Clinician, 0));
    app.keys("aChloé Martin-Ng");
    assert!(
        form(&app.model).notes[0].contains("id: chloe-martin-ng"),
        "{:?}",
        form(&app.model).notes
    );
    app.keys("<Enter>");
    let added = app.model.clinic.clinicians.last().unwrap().clone();
    assert_eq!(
        (added.id.as_str(), added.name.as_str(), added.active),
        ("chloe-martin-ng", "Chloé Martin-Ng", true)
    );
    app.assert_saved();
    assert_eq!(
        settings::selected_row(&app.model),
        Some(Row::Resource(ResourceKind::Clinician, 2))
    );

    // "sara" is still named by one of Ann's sessions, "ben" is listed: both are skipped.
    app.keys("aSara<Enter>aBen<Enter>");
    let ids: Vec<String> = app.on_disk().clinicians.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids, ["amara", "ben", "chloe-martin-ng", "sara-2", "ben-2"]);

    // The same name twice, or no name, is refused with the text kept.
    app.keys("aben carter<Enter>");
    let (_, message) = form(&app.model).first_error().unwrap();
    assert!(
        message.contains("already a clinician named Ben Carter"),
        "{message}"
    );
    assert_eq!(form(&app.model).text("value"), "ben carter");
    app.keys("<Backspace*10><Enter>");
    let (_, message) = form(&app.model).first_error().unwrap();
    assert!(message.contains("must not be empty"), "{message}");
    app.keys("<Esc>");
    assert_eq!(app.on_disk().clinicians.len(), 5);
}

#[test]
fn renaming_keeps_the_id() {
    let mut app = App::new();
    app.select(Row::Resource(ResourceKind::Clinician, 1));
    app.keys("<Enter><Backspace*10>Benjamin Carter<Enter>");
    let ben = app.model.clinic.clinician("ben").unwrap();
    assert_eq!(ben.name, "Benjamin Carter");
    app.assert_saved();
}

#[test]
fn typing_in_a_form_never_triggers_the_global_keys() {
    let mut app = App::new();
    app.select(Row::Resource(ResourceKind::Room, 0));
    // q quits, ? opens the help, 2 to 5 switch screens, ! and C open popups: not here.
    app.keys("aq?2345!C<Enter>");
    assert!(!app.model.quit);
    assert_eq!(app.model.screen, ScreenId::Settings);
    assert_eq!(app.model.overlay, Overlay::None);
    let room = app.model.clinic.rooms.last().unwrap();
    assert_eq!((room.name.as_str(), room.id.as_str()), ("q?2345!C", "q-2345-c"));
    app.assert_saved();
}

#[test]
fn rooms_are_never_deleted_only_made_inactive() {
    let mut app = App::new();
    app.select(Row::Resource(ResourceKind::Room, 0));
    app.keys("x");
    assert!(app.status().contains("never removed"), "{}", app.status());
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.model.clinic.rooms.len(), 2);

    app.keys("<Space>");
    assert!(!app.model.clinic.room("room-1").unwrap().active);
    app.assert_saved();
    assert!(!app.on_disk().room("room-1").unwrap().active);
    assert_eq!(app.model.clinic.active_rooms().count(), 1);

    // The last active room stays active.
    app.keys("j<Space>");
    assert_eq!(app.model.status.kind, StatusKind::Error);
    assert!(app.status().contains("at least one active"), "{}", app.status());
    assert!(app.on_disk().room("room-2").unwrap().active);

    app.keys("k<Space>");
    assert!(app.on_disk().room("room-1").unwrap().active);
}

// ---------------------------------------------------------------------------------------
// Protocols, general
// ---------------------------------------------------------------------------------------

#[test]
fn protocols_in_use_are_ticked_with_space_and_one_always_stays() {
    let mut app = App::new();
    let ids: Vec<String> = app
        .model
        .templates
        .protocols
        .iter()
        .map(|p| p.id.clone())
        .collect();
    assert!(
        app.model.clinic.protocols_in_use.is_empty(),
        "first run: all in use"
    );
    app.select(Row::Protocol(0));
    app.keys("<Space>");
    assert_eq!(app.model.clinic.protocols_in_use, ids[1..].to_vec());
    app.assert_saved();
    let offered: Vec<&str> = needleplan::app::series_form::offered(&app.model)
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert!(!offered.contains(&ids[0].as_str()), "{offered:?}");

    app.keys("<Space>");
    assert_eq!(
        app.on_disk().protocols_in_use,
        ids,
        "ticked again, in the templates' order"
    );

    for i in 0..ids.len() {
        app.select(Row::Protocol(i));
        app.keys("<Space>");
    }
    assert_eq!(app.model.status.kind, StatusKind::Error);
    assert!(app.status().contains("last protocol in use"), "{}", app.status());
    assert_eq!(app.on_disk().protocols_in_use, [ids.last().unwrap().clone()]);
}

#[test]
fn idle_lock_minutes_are_set_and_turned_off() {
    let mut app = App::new();
    app.select(Row::IdleLock);
    app.keys("<Enter>ten<Enter>");
    assert_eq!(form(&app.model).text("value"), "ten");
    assert!(form(&app.model).first_error().is_some());
    app.keys("<Backspace*3>2000<Enter>");
    let (_, message) = form(&app.model).first_error().unwrap();
    assert!(message.contains("between 1 and 1440"), "{message}");

    app.keys("<Backspace*4>10<Enter>");
    assert_eq!(app.model.clinic.idle_lock_minutes, Some(10));
    assert_eq!(
        app.model.idle.after,
        Some(Duration::minutes(10)),
        "the lock follows"
    );
    app.assert_saved();

    app.keys("<Enter><Backspace*2><Enter>");
    assert_eq!(app.model.clinic.idle_lock_minutes, None);
    assert_eq!(app.model.idle.after, None);
    assert_eq!(app.on_disk().idle_lock_minutes, None);
}

#[test]
fn the_default_length_moves_bookings_without_their_own_in_the_calendar() {
    let mut app = App::new();
    let booked = |m: &Model| m.calendar.bookings_on(d("2026-12-02")).next().unwrap().minutes;
    assert_eq!(booked(&app.model), 60);
    app.select(Row::DefaultMinutes);
    app.keys("<Enter><Backspace*2>3<Enter>");
    let (_, message) = form(&app.model).first_error().unwrap();
    assert!(message.contains("between 5 and 480"), "{message}");
    app.keys("<Backspace>45<Enter>");
    assert_eq!(app.model.clinic.default_minutes, 45);
    assert_eq!(booked(&app.model), 45);
    app.assert_saved();
}

#[test]
fn the_clinic_name_must_not_be_empty() {
    let mut app = App::new();
    app.keys("<Enter><Backspace*30><Enter>");
    let (_, message) = form(&app.model).first_error().unwrap();
    assert!(message.contains("must not be empty"), "{message}");
    app.keys("Harbour Skin<Enter>");
    assert_eq!(app.on_disk().name, "Harbour Skin");
}

// ---------------------------------------------------------------------------------------
// A broken file, a failing disk
// ---------------------------------------------------------------------------------------

#[test]
fn a_broken_clinic_file_is_shown_and_never_written_over() {
    let broken = "{\n  \"schema_version\": 1,\n  \"name\": \"Harbour\",\n  oops\n";
    let mut app = App::with_clinic_file(Some(broken));
    assert!(app.model.clinic_read_only);
    let screen = draw(&app.model, 80, 24);
    assert!(
        screen.contains("READ-ONLY") && screen.contains("cannot be read"),
        "{screen}"
    );

    let tries = [
        (Row::Name, "<Enter>"),
        (Row::Day(2), "<Space>"),
        (Row::Day(2), "<Enter>"),
        (Row::NoClosedDates, "a"),
        (Row::Protocol(0), "<Space>"),
    ];
    for (row, key) in tries {
        app.select(row);
        app.keys(key);
        assert_eq!(app.model.overlay, Overlay::None, "{row:?} {key}");
        assert_eq!(app.model.status.kind, StatusKind::Error, "{row:?} {key}");
        assert!(app.status().contains("cannot be read"), "{}", app.status());
    }
    assert_eq!(app.model.clinic, clinic_file::builtin());
    let on_disk = std::fs::read_to_string(clinic_file::path(app.dir.path())).unwrap();
    assert_eq!(on_disk, broken, "the file is byte for byte as it was");
}

/// Writes nothing while `failing` is set; records what it wrote otherwise.
#[derive(Default)]
struct FlakyClinicSaver {
    failing: Cell<bool>,
    written: RefCell<Vec<ClinicSettings>>,
}

impl Saver for FlakyClinicSaver {
    fn save(&self, patient: &Patient) -> Result<u64, SaveError> {
        Ok(patient.revision + 1)
    }

    fn save_clinic(&self, settings: &ClinicSettings) -> Result<(), ClinicSaveError> {
        if self.failing.get() {
            let full = IoFailure::new(std::io::ErrorKind::StorageFull, "disk full (simulated)");
            return Err(ClinicSaveError::Io(ClinicIoError::Write(full)));
        }
        self.written.borrow_mut().push(settings.clone());
        Ok(())
    }
}

#[test]
fn a_failed_write_keeps_the_change_says_not_saved_and_is_retried() {
    let saver = FlakyClinicSaver::default();
    saver.failing.set(true);
    let mut model = Model::new(now(), Templates::builtin(), patients())
        .with_clinic(needleplan::store::demo::demo_settings());
    keys(&mut model, &saver, "5");
    select(&mut model, &saver, Row::Day(2));
    keys(&mut model, &saver, "<Space>");
    assert_eq!(model.clinic.hours[2], None, "the change is kept in memory");
    assert!(model.screens.settings.unsaved);
    assert_eq!(model.status.kind, StatusKind::Error);
    assert!(
        model.status.text.contains("settings NOT SAVED"),
        "{}",
        model.status.text
    );
    assert!(model.status.text.contains("disk full"), "{}", model.status.text);
    assert!(draw(&model, 80, 24).contains("NOT SAVED"));

    // A retry that fails again says so once, not twice.
    persist::flush(&mut model, &saver);
    assert_eq!(
        model.status.text.matches("NOT SAVED").count(),
        1,
        "{}",
        model.status.text
    );

    // q warns instead of quitting.
    keys(&mut model, &saver, "q");
    assert!(!model.quit);
    assert!(
        model.status.text.contains("press q again"),
        "{}",
        model.status.text
    );

    // Next tick, the disk is back: written, said so.
    saver.failing.set(false);
    persist::flush(&mut model, &saver);
    assert!(!model.screens.settings.unsaved);
    assert_eq!(model.status.kind, StatusKind::Saved);
    assert_eq!(model.status.text, "settings saved");
    let written = saver.written.borrow().last().cloned().unwrap();
    assert!(written.same_content(&model.clinic));
    assert_eq!(
        model.clinic.revision,
        written.revision + 1,
        "the next edit starts from the saved one"
    );
    keys(&mut model, &saver, "q");
    assert!(model.quit, "nothing pending: q quits");
}

/// Fails every write, the patients' and the clinic's.
struct FullDisk;

impl Saver for FullDisk {
    fn save(&self, patient: &Patient) -> Result<u64, SaveError> {
        Err(SaveError::Io(needleplan::store::SaveIoError {
            file: format!("patients/{}.json", patient.id),
            step: needleplan::store::SaveStep::Write,
            error: IoFailure::new(std::io::ErrorKind::StorageFull, "disk full (simulated)"),
        }))
    }

    fn save_clinic(&self, _: &ClinicSettings) -> Result<(), ClinicSaveError> {
        let full = IoFailure::new(std::io::ErrorKind::StorageFull, "disk full (simulated)");
        Err(ClinicSaveError::Io(ClinicIoError::Write(full)))
    }
}

#[test]
fn q_warning_about_settings_and_a_patient_survives_the_retries_then_q_quits() {
    let mut model = Model::new(now(), Templates::builtin(), patients())
        .with_clinic(needleplan::store::demo::demo_settings());
    // A patient edit and a settings change, neither written.
    keys(&mut model, &FullDisk, "e<Tab><Tab><Backspace*30>0161 000<Enter>");
    assert!(!model.unsaved.is_empty());
    keys(&mut model, &FullDisk, "5");
    select(&mut model, &FullDisk, Row::Day(2));
    keys(&mut model, &FullDisk, "<Space>");
    assert!(model.screens.settings.unsaved);

    keys(&mut model, &FullDisk, "q");
    assert!(!model.quit);
    let warning = model.status.clone();
    assert!(
        warning
            .text
            .contains("clinic settings (and 1 patient(s)) NOT SAVED yet")
            && warning.text.contains("press q again"),
        "{warning:?}"
    );
    // The runtime's ticks retry both writes; both fail; the warning stays as it was.
    for _ in 0..3 {
        persist::flush(&mut model, &FullDisk);
        assert_eq!(model.status, warning);
    }
    keys(&mut model, &FullDisk, "q");
    assert!(model.quit);
}

// ---------------------------------------------------------------------------------------
// Several users on one clinic.json
// ---------------------------------------------------------------------------------------

/// Two instances start from the same revision (no file yet); the manager (first)
/// renames the clinic and closes Thu 2026-12-03, then the front desk (second) makes its
/// change (`row`, `script`) and gets the conflict.
fn two_users_in_conflict(row: Row, script: &str) -> (App, App) {
    let mut manager = App::new();
    let mut desk = manager.another();
    assert_eq!(desk.model.clinic.revision, 0);
    manager.select(Row::Name);
    manager.keys("<Enter><Backspace*40>Harbour Skin<Enter>");
    manager.assert_saved();
    manager.select(Row::NoClosedDates);
    manager.keys("a2026-12-03<Tab>Staff meeting<Enter>");
    manager.assert_saved();
    assert_eq!(manager.model.clinic.revision, 2);

    desk.select(row);
    desk.keys(script);
    (manager, desk)
}

/// The desk makes Ben inactive.
fn ben_inactive() -> (App, App) {
    two_users_in_conflict(Row::Resource(ResourceKind::Clinician, 1), "<Space>")
}

/// The desk renames the clinic too.
fn renamed_too() -> (App, App) {
    two_users_in_conflict(Row::Name, "<Enter><Backspace*40>Harbour Clinic<Enter>")
}

#[test]
fn a_save_from_a_stale_revision_shows_the_conflict_and_overwrites_nothing() {
    let (manager, desk) = ben_inactive();
    assert!(desk.model.screens.settings.conflict.is_some());
    assert_eq!(desk.model.status.kind, StatusKind::Error);
    assert!(
        desk.status().starts_with("SETTINGS CONFLICT"),
        "{}",
        desk.status()
    );
    assert!(desk.status().contains("press 5"), "{}", desk.status());
    // Theirs is on disk, untouched; mine is in memory.
    let on_disk = desk.on_disk();
    assert_eq!(on_disk, manager.model.clinic);
    assert!(on_disk.clinicians[1].active);
    assert!(!desk.model.clinic.clinicians[1].active);
    assert!(!desk.model.screens.settings.unsaved, "a conflict is not retried");

    let screen = draw(&desk.model, 100, 30);
    for needle in [
        "CONFLICT",
        "first (now revision 2)",
        "They changed",
        "closed date added: Thu 2026-12-03 (Staff meeting)",
        "You changed",
        "clinician Ben Carter (ben): made inactive",
        "take theirs",
        "keep yours",
    ] {
        assert!(screen.contains(needle), "{needle:?} missing:\n{screen}");
    }
    // Any other key leaves it open and says how to decide; q waits for a decision.
    let mut desk = desk;
    desk.keys("<Space>");
    assert!(desk.model.screens.settings.conflict.is_some());
    assert!(desk.status().contains("t takes theirs"), "{}", desk.status());
    desk.keys("q");
    assert!(!desk.model.quit);
    assert!(desk.status().contains("CONFLICT"), "{}", desk.status());
    assert_eq!(desk.on_disk(), manager.model.clinic);
}

#[test]
fn keep_mine_puts_my_changes_on_top_of_theirs_and_saves_the_next_revision() {
    let (_manager, mut desk) = renamed_too();
    let screen = draw(&desk.model, 160, 50);
    // Both renamed the clinic: marked, mine wins with m.
    assert!(screen.contains("they changed it too"), "{screen}");
    desk.keys("m");
    assert_eq!(desk.model.screens.settings.conflict, None);
    desk.assert_saved();
    let saved = desk.on_disk();
    assert_eq!(saved.revision, 3);
    assert_eq!(saved.name, "Harbour Clinic", "mine, where both changed it");
    assert_eq!(
        saved.closure(d("2026-12-03")),
        Some(Closure::Holiday("Staff meeting".into())),
        "theirs stays"
    );
    assert!(
        desk.status().contains("on top of the other user's"),
        "{}",
        desk.status()
    );
}

#[test]
fn take_theirs_drops_my_changes_and_writes_nothing() {
    let (manager, mut desk) = ben_inactive();
    let before = std::fs::read(clinic_file::path(desk.dir.path())).unwrap();
    desk.keys("t");
    assert_eq!(desk.model.screens.settings.conflict, None);
    assert_eq!(desk.model.clinic, manager.model.clinic);
    assert!(!desk.model.screens.settings.unsaved);
    assert!(
        desk.status().contains("your changes were dropped"),
        "{}",
        desk.status()
    );
    assert_eq!(std::fs::read(clinic_file::path(desk.dir.path())).unwrap(), before);
    // The next change starts from their revision: saved, no conflict.
    desk.select(Row::Resource(ResourceKind::Room, 1));
    desk.keys("<Space>");
    desk.assert_saved();
    assert_eq!(desk.on_disk().revision, 3);
}

#[test]
fn another_users_closed_date_arrives_by_the_poll_and_the_session_form_refuses_that_day() {
    let mut manager = App::new();
    let mut desk = manager.another();
    // The front desk moves Ann's first session from Wed 2026-12-02 to Thu 2026-12-03.
    desk.keys("<Esc><Tab>ge");
    assert!(matches!(desk.model.overlay, Overlay::Form(..)));
    desk.keys("<End><Backspace*2>03");
    let refusals = |app: &App| match &app.model.overlay {
        Overlay::Form(_, f) => f.refusals.join("; "),
        other => panic!("expected the session form, got {other:?}"),
    };
    assert!(!refusals(&desk).contains("closed"), "{}", refusals(&desk));

    // Meanwhile the manager closes that Thursday.
    manager.select(Row::NoClosedDates);
    manager.keys("a2026-12-03<Tab>Staff meeting<Enter>");
    manager.assert_saved();

    persist::poll_clinic(&mut desk.model, &desk.store);
    assert_eq!(
        desk.model.clinic, manager.model.clinic,
        "taken in without a restart"
    );
    assert!(
        desk.status()
            .contains("changed by another user: closed date added: Thu 2026-12-03"),
        "{}",
        desk.status()
    );
    // The form checks against the settings now in use.
    desk.keys("<Backspace>3");
    assert!(
        refusals(&desk).contains("closed (Staff meeting)"),
        "{}",
        refusals(&desk)
    );
    desk.keys("<Enter>");
    let Overlay::Form(_, f) = &desk.model.overlay else {
        panic!("the form stays open on a refusal");
    };
    let (_, message) = f.first_error().expect("refused");
    assert!(message.contains("closed (Staff meeting)"), "{message}");

    // Polling again with nothing new changes nothing.
    let status = desk.model.status.clone();
    persist::poll_clinic(&mut desk.model, &desk.store);
    assert_eq!(desk.model.status, status);
}

#[test]
fn a_clinic_file_broken_during_a_run_keeps_the_last_good_settings_and_is_never_overwritten() {
    let mut app = App::new();
    app.select(Row::NoClosedDates);
    app.keys("a2026-12-24<Tab>Christmas Eve<Enter>");
    app.assert_saved();
    persist::poll_clinic(&mut app.model, &app.store);
    let good = app.model.clinic.clone();

    let broken = "{ \"schema_version\": 2, \"revision\": 9, \"name\": ";
    let file = clinic_file::path(app.dir.path());
    std::fs::write(&file, broken).unwrap();
    persist::poll_clinic(&mut app.model, &app.store);
    assert_eq!(app.model.clinic, good, "the last good settings stay in use");
    assert!(app.model.clinic_read_only);
    assert_eq!(app.model.status.kind, StatusKind::Error);
    assert!(
        app.status()
            .starts_with("clinic.json broke on disk (! lists it): last good settings kept"),
        "{}",
        app.status()
    );
    assert!(
        app.model
            .problems
            .iter()
            .any(|p| p.starts_with("clinic.json") && p.ends_with("the last good settings stay in use")),
        "{:?}",
        app.model.problems
    );
    let screen = draw(&app.model, 80, 24);
    assert!(screen.contains("READ-ONLY"), "{screen}");

    // A change is refused, a retry of anything writes nothing.
    app.select(Row::Day(2));
    app.keys("<Space>");
    assert!(app.status().starts_with("refused"), "{}", app.status());
    persist::flush(&mut app.model, &app.store);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);

    // Fixed by hand (a new name, a later revision): taken in, changes allowed again.
    let fixed = clinic_file::to_json(&ClinicSettings {
        revision: 10,
        name: "Fixed by hand".into(),
        ..good.clone()
    });
    std::fs::write(&file, fixed).unwrap();
    persist::poll_clinic(&mut app.model, &app.store);
    assert!(!app.model.clinic_read_only);
    assert_eq!(app.model.clinic.name, "Fixed by hand");
    assert!(app.status().contains("can be read again"), "{}", app.status());
    assert!(!app.model.problems.iter().any(|p| p.starts_with("clinic.json")));
    app.keys("<Space>");
    app.assert_saved();
    assert_eq!(app.on_disk().revision, 11);
}

// ---------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------

/// A clinic with something in every section: hours changed, two closed dates (one with
/// a booking), an inactive clinician, a protocol not in use, the idle lock on.
fn busy_clinic() -> ClinicSettings {
    let mut c = ClinicSettings {
        name: "Harbour Skin Clinic".into(),
        ..needleplan::store::demo::demo_settings()
    };
    c.hours[0] = Some(DayHours::new(t(8, 30), t(17, 0)));
    c.hours[3] = Some(DayHours::new(t(10, 0), t(20, 0)));
    c.closed_dates = vec![
        ClosedDate {
            date: d("2026-12-02"),
            reason: "Staff training".into(),
        },
        ClosedDate {
            date: d("2026-12-25"),
            reason: "Christmas Day".into(),
        },
    ];
    c.clinicians.push(needleplan::domain::clinic::Resource {
        id: "sara".into(),
        name: "Sara Lund".into(),
        active: false,
    });
    c.protocols_in_use = vec![
        "acne-scars-standard".into(),
        "acne-scars-severe".into(),
        "maintenance".into(),
    ];
    c.idle_lock_minutes = Some(10);
    c
}

fn snapshot_model() -> Model {
    let mut m = Model::new(now(), Templates::builtin(), patients())
        .with_clinic(needleplan::store::demo::demo_settings());
    m.data_dir_label = "/clinic/data".into();
    m.set_clinic(busy_clinic());
    let saver = FlakyClinicSaver::default();
    keys(&mut m, &saver, "5");
    select(&mut m, &saver, Row::Day(2));
    m
}

fn snap_both(name: &str, m: &Model) {
    insta::assert_snapshot!(format!("{name}_80x24"), draw(m, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x50"), draw(m, 160, 50));
}

#[test]
fn snapshot_settings_screen() {
    let m = snapshot_model();
    let small = draw(&m, 80, 24);
    assert!(
        small.contains("Wednesday") && small.contains("Opening hours"),
        "{small}"
    );
    snap_both("settings", &m);
}

#[test]
fn snapshot_settings_scrolled_to_the_protocols() {
    let mut m = snapshot_model();
    let saver = FlakyClinicSaver::default();
    // G goes to the last row (the Staff section's); k back up to the last protocol.
    keys(&mut m, &saver, "Gk");
    let small = draw(&m, 80, 24);
    assert!(
        small.contains("Yearly maintenance") && small.contains("Protocols in use (3 of 4)"),
        "{small}"
    );
    assert!(
        !small.contains("Clinic name"),
        "only the lines that fit are drawn: {small}"
    );
    insta::assert_snapshot!("settings_protocols_80x24", small);
}

#[test]
fn snapshot_settings_hours_form_refused() {
    let mut m = snapshot_model();
    let saver = FlakyClinicSaver::default();
    keys(&mut m, &saver, "<Enter><Backspace*5>25:00<Enter>");
    snap_both("settings_hours_refused", &m);
}

#[test]
fn snapshot_settings_conflict() {
    let (_manager, mut desk) = renamed_too();
    desk.model.data_dir_label = "/clinic/data".into();
    snap_both("settings_conflict", &desk.model);
}

#[test]
fn snapshot_settings_read_only() {
    let broken = "{ \"schema_version\": 1, \"name\": 7 }";
    let app = App::with_clinic_file(Some(broken));
    let mut m = app.model;
    m.data_dir_label = "/clinic/data".into();
    // The problem names the temporary dir nowhere: only the file and the field.
    assert!(m.problems[0].starts_with("clinic.json"), "{:?}", m.problems);
    snap_both("settings_read_only", &m);
}

#[test]
fn the_clinic_phone_and_address_for_handouts_are_edited_here() {
    let mut app = App::new();
    app.select(Row::Phone);
    app.keys("<Enter>01482 000111<Enter>");
    app.select(Row::Address);
    app.keys("<Enter>3 Quay Street, Hull<Enter>");
    assert_eq!(app.model.overlay, Overlay::None);
    app.assert_saved();
    let c = app.on_disk();
    assert_eq!(
        (c.phone.as_str(), c.address.as_str()),
        ("01482 000111", "3 Quay Street, Hull")
    );
    assert!(
        app.status().contains("clinic address: 3 Quay Street, Hull"),
        "{}",
        app.status()
    );
    let screen = draw(&app.model, 80, 24);
    assert!(screen.contains("Phone           01482 000111"), "{screen}");
}
