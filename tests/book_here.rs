//! Issue 12, "book from where you look" and "statuses that make sense": Enter on a free
//! slot found in the agenda picks a patient and opens the add-session form filled with
//! the slot; Enter on a queue's "to book" row opens the form that books for that
//! patient; the plan writes the .ics and the handout by key and says where; after a
//! cancellation with the replacement declined the plan's counts agree with the file and
//! the queues.

mod common;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use common::keys::type_keys;
use needleplan::app::Model;
use needleplan::app::model::{FormPurpose, Overlay, Pane, StatusKind};
use needleplan::app::screen::ScreenId;
use needleplan::app::{series_form, session_form};
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::series::{Series, Session, SessionStatus};
use needleplan::domain::staff::{Role, StaffMember};
use needleplan::store::PatientStore;
use needleplan::store::templates::Templates;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use SessionStatus::{Booked, Cancelled, Done, Planned};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn now() -> NaiveDateTime {
    d("2026-11-25").and_hms_opt(10, 0, 0).unwrap()
}

fn pid(s: &str) -> PatientId {
    PatientId::new(s).unwrap()
}

fn session(date: &str, time: Option<&str>, status: SessionStatus) -> Session {
    Session {
        time: time.map(|t| NaiveTime::parse_from_str(t, "%H:%M").unwrap()),
        clinician: time.map(|_| "ben".into()),
        room: time.map(|_| "room-2".into()),
        status,
        ..Session::planned(d(date), None)
    }
}

fn patient(id: &str, name: &str, sessions: Vec<Session>) -> Patient {
    let details = PatientDetails {
        full_name: name.into(),
        date_of_birth: Some(d("1990-05-05")),
        phone: "+44 7700 900111".into(),
        ..PatientDetails::default()
    };
    let mut p = Patient::new(pid(id), details, d("2026-10-01"));
    if !sessions.is_empty() {
        p.series.push(Series {
            protocol_id: "acne-scars-standard".into(),
            protocol_name: "Acne scars, standard".into(),
            interval_days: 28,
            min_interval_days: 21,
            target_sessions: Some(3),
            created: d("2026-10-01"),
            sessions,
            ..Series::default()
        });
    }
    p
}

/// Ana: no series. Bea: one done, one cancelled and not replaced, one planned without a
/// time (the queue lists her). Cara: three booked, none done.
fn patients() -> Vec<Patient> {
    vec![
        patient("p-ana", "Ana Silva", vec![]),
        patient(
            "p-bea",
            "Bea Lowe",
            vec![
                session("2026-10-28", Some("09:00"), Done),
                session("2026-11-18", Some("09:00"), Cancelled),
                session("2026-12-23", None, Planned),
            ],
        ),
        patient(
            "p-cara",
            "Cara Moss",
            vec![
                session("2026-11-27", Some("14:00"), Booked),
                session("2026-12-25", Some("14:00"), Booked),
                session("2027-01-22", Some("14:00"), Booked),
            ],
        ),
    ]
}

struct App {
    model: Model,
    store: PatientStore,
    dir: tempfile::TempDir,
}

impl App {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = PatientStore::open(dir.path()).unwrap();
        let mut loaded = Vec::new();
        for mut p in patients() {
            p.revision = store.save(&p).unwrap();
            loaded.push(p);
        }
        let model = Model::new(now(), Templates::builtin(), loaded)
            .with_clinic(needleplan::store::demo::demo_settings())
            .with_acting("desk");
        Self { model, store, dir }
    }

    fn keys(&mut self, script: &str) {
        type_keys(&mut self.model, &self.store, script);
    }

    fn on_disk(&self, id: &str) -> Patient {
        let (_, report) = {
            let mut s = PatientStore::open(self.dir.path()).unwrap();
            let r = s.load_all().unwrap();
            (s, r)
        };
        report.patients.into_iter().find(|p| p.id.as_str() == id).unwrap()
    }

    fn draw(&self, w: u16, h: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| needleplan::ui::view(&self.model, f)).unwrap();
        terminal.backend().to_string()
    }

    fn form(&self) -> &needleplan::app::form::Form {
        match &self.model.overlay {
            Overlay::Form(_, f) => f,
            other => panic!("no form open: {other:?}"),
        }
    }

    /// Finds the next free slot in the agenda (any clinician and room, from now).
    fn find_slot(&mut self) -> needleplan::domain::schedule::Slot {
        self.keys("2f<Enter>");
        self.model.screens.agenda.found.clone().expect("a slot found")
    }
}

#[test]
fn enter_on_a_free_slot_picks_a_patient_and_books_the_slot_for_them() {
    let mut app = App::new();
    let slot = app.find_slot();
    assert!(
        app.model.status.text.contains("Enter books it"),
        "{}",
        app.model.status.text
    );
    assert!(
        app.draw(80, 24).contains("Enter  book it"),
        "{}",
        app.draw(80, 24)
    );
    app.keys("<Enter>");
    assert!(
        matches!(app.model.overlay, Overlay::PickPatient(_)),
        "{:?}",
        app.model.overlay
    );
    insta::assert_snapshot!("picker_80x24", app.draw(80, 24));
    insta::assert_snapshot!("picker_160x50", app.draw(160, 50));
    // Typing narrows the list (Cara, not Ana or Bea); Enter takes the one selected.
    app.keys("car");
    let shown = app.draw(80, 24);
    assert!(
        shown.contains("> Cara Moss") && !shown.contains("Ana Silva"),
        "{shown}"
    );
    app.keys("<Backspace*3>bea<Enter>");
    assert_eq!(app.model.screen, ScreenId::Main);
    assert_eq!(app.model.focus, Pane::Plan);
    assert_eq!(app.model.selected_id(), Some(pid("p-bea")));
    assert!(
        matches!(&app.model.overlay, Overlay::Form(FormPurpose::AddSession(id), _) if *id == pid("p-bea"))
    );
    let f = app.form();
    assert_eq!(f.text(session_form::DATE), slot.date.to_string());
    assert_eq!(f.text(session_form::TIME), slot.time.format("%H:%M").to_string());
    assert_eq!(f.choice(session_form::STATUS), Some("booked"));
    assert_eq!(f.choice(session_form::CLINICIAN), Some(slot.clinician.as_str()));
    assert_eq!(f.choice(session_form::ROOM), Some(slot.room.as_str()));
    assert!(f.refusals.is_empty(), "{:?}", f.refusals);
    app.keys("<Enter>");
    assert_eq!(app.model.overlay, Overlay::None, "{:?}", app.model.status);
    let bea = app.on_disk("p-bea");
    let booked = bea.series[0]
        .sessions
        .iter()
        .find(|s| s.date == slot.date && s.time == Some(slot.time))
        .expect("the slot is booked for Bea");
    assert_eq!(booked.status, Booked);
    assert_eq!(booked.clinician.as_deref(), Some(slot.clinician.as_str()));
    assert_eq!(booked.room.as_deref(), Some(slot.room.as_str()));
}

#[test]
fn a_patient_without_a_series_gets_the_series_builder_from_the_slot() {
    let mut app = App::new();
    let slot = app.find_slot();
    app.keys("<Enter>ana<Enter>");
    assert!(
        matches!(&app.model.overlay, Overlay::Form(FormPurpose::NewSeries(id), _) if *id == pid("p-ana"))
    );
    let f = app.form();
    assert_eq!(f.text(series_form::START), slot.date.to_string());
    assert_eq!(f.text(series_form::TIME), slot.time.format("%H:%M").to_string());
    assert_eq!(f.choice(series_form::CLINICIAN), Some(slot.clinician.as_str()));
    assert_eq!(f.choice(series_form::ROOM), Some(slot.room.as_str()));
    assert!(
        app.model
            .status
            .text
            .contains("Ana Silva has no series under way")
    );
}

#[test]
fn the_picker_says_when_nothing_matches_and_esc_books_nothing() {
    let mut app = App::new();
    app.find_slot();
    app.keys("<Enter>zzz<Enter>");
    assert!(matches!(app.model.overlay, Overlay::PickPatient(_)));
    assert!(
        app.model.status.text.contains("no patient matches"),
        "{}",
        app.model.status.text
    );
    app.keys("<Esc>");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.model.screen, ScreenId::Agenda);
    assert_eq!(app.model.status.text, "nothing booked");
}

#[test]
fn booking_from_a_slot_is_refused_without_the_right_to_book() {
    let mut app = App::new();
    app.model.clinic.staff = vec![
        StaffMember {
            login: "boss".into(),
            name: "Boss".into(),
            roles: vec![Role::Admin],
            clinician: None,
        },
        StaffMember {
            login: "desk".into(),
            name: "Desk".into(),
            roles: vec![],
            clinician: None,
        },
    ];
    app.find_slot();
    app.keys("<Enter>");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.model.status.kind, StatusKind::Error);
    assert!(
        app.model.status.text.contains("change bookings"),
        "{}",
        app.model.status.text
    );
}

#[test]
fn enter_on_a_to_book_row_opens_the_form_that_books_for_that_patient() {
    let mut app = App::new();
    app.keys("3");
    let rows: Vec<String> = app
        .model
        .screens
        .queues
        .current()
        .iter()
        .map(|e| e.name.clone())
        .collect();
    assert!(rows.contains(&"Bea Lowe".to_string()), "{rows:?}");
    while app.model.screens.queues.selected_entry().map(|e| e.name.as_str()) != Some("Bea Lowe") {
        app.keys("j");
    }
    assert!(app.draw(80, 24).contains("Enter  book"), "{}", app.draw(80, 24));
    app.keys("<Enter>");
    assert_eq!(app.model.screen, ScreenId::Main);
    assert_eq!(app.model.selected_id(), Some(pid("p-bea")));
    // Her session 3 is planned without a time: its form, set to booked, cursor on Time.
    assert!(
        matches!(&app.model.overlay, Overlay::Form(FormPurpose::EditSession(id, 2), _) if *id == pid("p-bea")),
        "{:?}",
        app.model.overlay
    );
    let f = app.form();
    assert_eq!(f.choice(session_form::STATUS), Some("booked"));
    assert_eq!(f.focused(), session_form::TIME);
    // The clinician and room her series had last are filled in.
    assert_eq!(f.choice(session_form::CLINICIAN), Some("ben"));
    assert_eq!(f.choice(session_form::ROOM), Some("room-2"));
    app.keys("11:00<Enter>");
    assert_eq!(
        app.model.overlay,
        Overlay::None,
        "{:?} {:?}",
        app.model.status,
        app.model.overlay
    );
    let s = &app.on_disk("p-bea").series[0].sessions[2];
    assert_eq!(
        (s.status, s.time.map(|t| t.to_string())),
        (Booked, Some("11:00:00".into()))
    );
    assert_eq!(
        (s.clinician.as_deref(), s.room.as_deref()),
        (Some("ben"), Some("room-2"))
    );
}

#[test]
fn a_to_book_row_only_short_of_a_replacement_opens_the_add_session_form() {
    let mut app = App::new();
    // Bea's planned session gets a slot: only the cancelled one is left to replace.
    let mut bea = app.model.patient(&pid("p-bea")).unwrap().clone();
    bea.series[0].sessions[2] = session("2026-12-23", Some("11:00"), Booked);
    let effect = app.model.put_patient(bea);
    needleplan::app::persist::run_effects(&mut app.model, vec![effect], &app.store);
    app.keys("3");
    while app.model.screens.queues.selected_entry().map(|e| e.name.as_str()) != Some("Bea Lowe") {
        app.keys("j");
    }
    assert!(
        app.model
            .screens
            .queues
            .selected_entry()
            .unwrap()
            .what
            .contains("to replace"),
        "{:?}",
        app.model.screens.queues.selected_entry()
    );
    app.keys("<Enter>");
    assert!(
        matches!(&app.model.overlay, Overlay::Form(FormPurpose::AddSession(id), _) if *id == pid("p-bea"))
    );
}

#[test]
fn the_plan_writes_the_ics_and_the_handout_into_exports_and_asks_before_replacing() {
    let mut app = App::new();
    // Cara is the third patient by name.
    app.keys("jj<Tab>");
    assert_eq!(app.model.selected_id(), Some(pid("p-cara")));
    app.keys("c");
    let ics = app.dir.path().join("exports/p-cara.ics");
    assert!(ics.is_file());
    assert_eq!(app.model.status.kind, StatusKind::Saved);
    assert!(
        app.model.status.text.contains(&ics.display().to_string())
            && app
                .model
                .status
                .text
                .contains("calendar (3 sessions) of Cara Moss"),
        "{}",
        app.model.status.text
    );
    let text = std::fs::read_to_string(&ics).unwrap();
    assert!(
        text.contains("Demo Skin Clinic") && !text.contains("Cara"),
        "{text}"
    );

    // Again: asks, n leaves the file as it is, y replaces it.
    std::fs::write(&ics, "mine").unwrap();
    app.keys("c");
    assert!(matches!(app.model.overlay, Overlay::ConfirmReplaceExport(_)));
    assert!(app.draw(80, 24).contains("Replace it"), "{}", app.draw(80, 24));
    app.keys("n");
    assert_eq!(std::fs::read_to_string(&ics).unwrap(), "mine");
    assert_eq!(app.model.overlay, Overlay::None);
    app.keys("cy");
    assert!(std::fs::read_to_string(&ics).unwrap().contains("BEGIN:VCALENDAR"));
    assert_eq!(app.model.status.kind, StatusKind::Saved);

    app.keys("h");
    let sheet = app.dir.path().join("exports/p-cara-aftercare-2026-11-27.txt");
    let text = std::fs::read_to_string(&sheet).expect("the handout is written");
    assert!(text.contains("Clinic: Demo Skin Clinic"), "{text}");
    assert!(text.contains("Address: 12 Example Lane"), "{text}");
    assert!(text.contains("Call the clinic on 020 7946 0321."), "{text}");
    assert!(
        app.model.status.text.contains(&sheet.display().to_string()),
        "{}",
        app.model.status.text
    );
}

#[test]
fn after_a_cancel_with_the_replacement_declined_the_counts_agree_with_the_file_and_queues() {
    let mut app = App::new();
    app.keys("jj<Tab>jj");
    assert_eq!(app.model.selected_id(), Some(pid("p-cara")));
    assert_eq!(app.model.session, 2);
    // Session 3 cancelled; the replacement offered is declined.
    app.keys("e<Tab><Tab><Right><Right><Enter>");
    assert!(
        matches!(app.model.overlay, Overlay::Rebook(_)),
        "{:?}",
        app.model.overlay
    );
    app.keys("n");
    assert_eq!(app.model.overlay, Overlay::None);
    let cara = app.on_disk("p-cara");
    assert_eq!(cara.series[0].sessions.len(), 3, "the file keeps 3");
    assert_eq!(cara.series[0].sessions[2].status, Cancelled);
    let screen = app.draw(80, 24);
    assert!(
        !screen.contains("2 sessions") && !screen.contains("0/2"),
        "{screen}"
    );
    assert!(screen.contains("3 sessions, every 28 days"), "{screen}");
    assert!(
        screen.contains("Cara Moss       0/3"),
        "the list agrees:\n{screen}"
    );
    let wide = app.draw(160, 50);
    assert!(
        wide.contains("0/3 done · 1 cancelled or missed to replace"),
        "{wide}"
    );
    app.keys("3");
    let row = app
        .model
        .screens
        .queues
        .current()
        .iter()
        .find(|e| e.name == "Cara Moss")
        .cloned()
        .expect("Cara is to book");
    assert!(
        row.what.contains("1 missed or cancelled session to replace"),
        "{}",
        row.what
    );
}

#[test]
fn a_clash_names_the_patient_in_the_way_not_their_id() {
    let mut app = App::new();
    // Bea's new session (with Ben in room 2, as her last) typed onto Cara's 2026-11-27 14:00.
    app.keys("j<Tab>a");
    app.keys("2026-11-27<Tab>14:00");
    let f = app.form();
    let all = format!("{:?} {:?}", f.refusals, f.errors);
    assert!(all.contains("Cara Moss, session 1"), "{all}");
    assert!(!all.contains("p-cara"), "{all}");
}
