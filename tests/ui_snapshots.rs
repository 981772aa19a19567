//! Snapshot tests of every pane and popup, drawn into ratatui's TestBackend at 80x24
//! (the smallest supported terminal) and 160x50. The clinic is built here, with a fixed
//! "now", so the pictures never depend on the day the tests run.

use chrono::{NaiveDate, NaiveDateTime};
use needleplan::app::model::ReadOnly;
use needleplan::app::{Model, handle_key, persist};
use needleplan::domain::aftercare::ChecklistEntry;
use needleplan::domain::clinic::ClosedDate;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::series::{Series, SeriesPlan, SessionStatus};
use needleplan::store::templates::Templates;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn now() -> NaiveDateTime {
    d("2026-11-25").and_hms_opt(10, 0, 0).unwrap()
}

fn patient(id: &str, name: &str, phone: &str, email: &str) -> Patient {
    let details = PatientDetails {
        full_name: name.into(),
        date_of_birth: Some(d("1991-03-14")),
        phone: phone.into(),
        email: email.into(),
        notes: String::new(),
    };
    Patient::new(PatientId::new(id).unwrap(), details, d("2026-08-01"))
}

fn series(start: &str, sessions: u32) -> Series {
    let t = Templates::builtin();
    let plan = SeriesPlan {
        sessions,
        ..SeriesPlan::from_protocol(
            &t.protocols[0],
            d(start),
            Some(chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap()),
        )
    };
    Series::from_plan(&plan, d("2026-09-01"))
}

/// Four patients: mid-series with an overdue aftercare item, planned, new, archived.
fn clinic() -> Vec<Patient> {
    let aftercare = Templates::builtin().aftercare;
    let mut mid = patient(
        "p-00000001",
        "Amara Okonkwo",
        "+44 7700 900001",
        "amara@example.com",
    );
    mid.notes = "prefers mornings".into();
    let mut s = series("2026-10-20", 3);
    s.sessions[0].set_status(SessionStatus::Done, &aftercare);
    s.sessions[1].date = d("2026-11-18");
    s.sessions[1].set_status(SessionStatus::Done, &aftercare);
    s.sessions[1].notes = "depth 1.5 mm cheeks, tolerated well".into();
    for e in &mut s.sessions[0].checklist {
        e.ticked_at = Some(d("2026-10-21").and_hms_opt(9, 0, 0).unwrap());
    }
    // Day-0 and day-1 items ticked; day-3 onward open, so day 3 and 4 are overdue.
    let ticked: Vec<&mut ChecklistEntry> = s.sessions[1]
        .checklist
        .iter_mut()
        .filter(|e| e.day <= 1)
        .collect();
    for e in ticked {
        e.ticked_at = Some(d("2026-11-19").and_hms_opt(11, 15, 0).unwrap());
    }
    s.sessions[2].status = SessionStatus::Booked;
    mid.series.push(s);

    let mut planned = patient(
        "p-00000002",
        "Bruno Costa",
        "+44 7700 900002",
        "bruno@example.org",
    );
    planned.series.push(series("2026-12-02", 3));
    let new = patient("p-00000003", "Chloé Martin", "+44 7700 900003", "");
    let mut archived = patient("p-00000004", "Dmitri Volkov", "+44 7700 900004", "dv@example.com");
    archived.archived = true;
    vec![mid, planned, new, archived]
}

fn model() -> Model {
    let mut m = Model::new(now(), Templates::builtin(), clinic())
        .with_clinic(needleplan::store::demo::demo_settings());
    m.data_dir_label = "/clinic/data".into();
    m
}

fn press(m: &mut Model, keys: &[KeyCode]) {
    for k in keys {
        handle_key(m, KeyEvent::new(*k, KeyModifiers::NONE));
    }
}

fn type_text(m: &mut Model, text: &str) {
    for c in text.chars() {
        handle_key(m, KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

fn draw(m: &Model, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| needleplan::ui::view(m, f)).unwrap();
    terminal.backend().to_string()
}

/// Snapshots the model at both supported sizes.
fn snap_both(name: &str, m: &Model) {
    insta::assert_snapshot!(format!("{name}_80x24"), draw(m, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x50"), draw(m, 160, 50));
}

use KeyCode::{BackTab, Char, Enter, Tab};

#[test]
fn patient_list_pane() {
    let m = model();
    let screen = draw(&m, 160, 50);
    assert!(
        screen.contains("Amara Okonkwo") && screen.contains("! overdue"),
        "{screen}"
    );
    assert!(
        !screen.contains("Dmitri Volkov"),
        "archived patients are hidden by default"
    );
    snap_both("patient_list", &m);
}

/// A record written by a newer needleplan: the list says "read-only" in words, the plan
/// says why at its top, the key bar drops the keys that would change it, and `e` is
/// answered on the status line.
#[test]
fn read_only_patient_in_list_and_plan() {
    let mut m = model();
    let id = PatientId::new("p-00000002").unwrap();
    let bruno = m.patient(&id).unwrap().clone();
    m.put_read_only(bruno, ReadOnly::NewerVersion(4));
    press(&mut m, &[Char('j'), Char('e')]);
    assert_eq!(m.selected_id(), Some(id));
    let screen = draw(&m, 160, 50);
    assert!(screen.contains("read-only"), "{screen}");
    assert!(
        screen.contains("READ-ONLY: written by a newer needleplan (schema 4)"),
        "{screen}"
    );
    assert!(!screen.contains(" e  edit "), "the bar offers no edit: {screen}");
    snap_both("read_only_patient", &m);
}

#[test]
fn archived_patients_shown_on_request() {
    let mut m = model();
    press(&mut m, &[Char('A')]);
    assert!(draw(&m, 160, 50).contains("Dmitri Volkov"));
    snap_both("patient_list_with_archived", &m);
}

#[test]
fn treatment_plan_pane() {
    let mut m = model();
    press(&mut m, &[Tab]);
    let screen = draw(&m, 160, 50);
    assert!(
        screen.contains("Acne scars, standard") && screen.contains("2/3 done"),
        "{screen}"
    );
    snap_both("treatment_plan", &m);
}

#[test]
fn recovery_checklist_pane_marks_overdue_without_colour() {
    let mut m = model();
    press(&mut m, &[Tab, Tab]);
    let screen = draw(&m, 160, 50);
    assert!(screen.contains("[!]") && screen.contains("OVERDUE"), "{screen}");
    snap_both("recovery_checklist", &m);
}

#[test]
fn checklist_preview_for_a_session_not_done() {
    let mut m = model();
    press(&mut m, &[Char('j'), Tab]);
    snap_both("checklist_preview", &m);
}

#[test]
fn new_patient_with_no_series() {
    let mut m = model();
    press(&mut m, &[Char('j'), Char('j')]);
    snap_both("no_series", &m);
}

#[test]
fn help_overlay() {
    let mut m = model();
    press(&mut m, &[Char('?')]);
    snap_both("help", &m);
}

#[test]
fn patient_form_with_an_inline_error() {
    let mut m = model();
    press(&mut m, &[Char('a')]);
    type_text(&mut m, "Zoë Adams");
    press(&mut m, &[Tab]);
    type_text(&mut m, "2026-02-30");
    press(&mut m, &[Enter]);
    let screen = draw(&m, 80, 24);
    assert!(
        screen.contains("does not exist") && screen.contains("Zoë Adams"),
        "{screen}"
    );
    snap_both("patient_form_error", &m);
}

#[test]
fn series_form() {
    let mut m = model();
    press(&mut m, &[Char('j'), Char('j'), Char('n'), Tab]);
    type_text(&mut m, "2026-12-01");
    snap_both("series_form", &m);
}

#[test]
fn session_form_refuses_a_move_too_close() {
    let mut m = model();
    press(&mut m, &[Tab, Char('j'), Char('e')]);
    // Session 3 moved to 6 days after session 2.
    for _ in 0..10 {
        handle_key(&mut m, KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    }
    type_text(&mut m, "2026-11-24");
    let screen = draw(&m, 160, 50);
    assert!(screen.contains("✗ refused: 6 days from session 2"), "{screen}");
    assert!(screen.contains("type a reason in Override reason"), "{screen}");
    snap_both("session_form_too_close", &m);
}

#[test]
fn archive_confirmation() {
    let mut m = model();
    press(&mut m, &[Char('x')]);
    snap_both("archive_confirm", &m);
}

#[test]
fn filter_with_no_match() {
    let mut m = model();
    press(&mut m, &[Char('/')]);
    type_text(&mut m, "zzz");
    snap_both("filter_no_match", &m);
}

#[test]
fn filter_typing() {
    let mut m = model();
    press(&mut m, &[Char('/')]);
    type_text(&mut m, "900002");
    let screen = draw(&m, 80, 24);
    assert!(
        screen.contains("Bruno Costa") && !screen.contains("Amara"),
        "{screen}"
    );
    snap_both("filter_typing", &m);
}

#[test]
fn empty_clinic_shows_the_first_run_hint() {
    let m = Model::new(now(), Templates::builtin(), Vec::new())
        .with_clinic(needleplan::store::demo::demo_settings());
    assert!(draw(&m, 80, 24).contains("Press a to add your first patient"));
    snap_both("empty_clinic", &m);
}

#[test]
fn problems_are_listed() {
    let mut m = model();
    m.problems =
        vec!["patients/p-0000bad1.json: cannot be read: EOF while parsing at line 3 column 1".into()];
    press(&mut m, &[Char('!')]);
    snap_both("problems", &m);
}

#[test]
fn too_small_terminal_shows_a_message() {
    let m = model();
    let screen = draw(&m, 60, 20);
    assert!(screen.contains("terminal too small (needs 80x24"), "{screen}");
    insta::assert_snapshot!("too_small_60x20", screen);
    // One row short is still too small; no panic at tiny sizes either.
    assert!(draw(&m, 80, 23).contains("too small"));
    for (w, h) in [(1, 1), (0, 0), (79, 50), (200, 3)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| needleplan::ui::view(&m, f)).unwrap();
    }
}

#[test]
fn shift_tab_goes_back_a_pane() {
    let mut m = model();
    press(&mut m, &[BackTab]);
    assert!(draw(&m, 160, 50).contains("▶ Recovery checklist"));
}

#[test]
fn idle_lock_hides_every_patient_until_a_key() {
    let mut m = model();
    m.idle = needleplan::app::idle::IdleLock::new(Some(5), now());
    m.idle.tick(now() + chrono::Duration::minutes(5));
    let screen = draw(&m, 80, 24);
    assert!(screen.contains("locked") && !screen.contains("Amara"), "{screen}");
    insta::assert_snapshot!("idle_lock_80x24", screen);
    // The unlocking key does nothing else: `q` does not quit.
    press(&mut m, &[Char('q')]);
    assert!(!m.quit);
    assert!(draw(&m, 80, 24).contains("Amara"));
}

// ---------------------------------------------------------------------------------------
// Booking with the clinic's rules: a clinic with clinicians, rooms and bookings.
// ---------------------------------------------------------------------------------------

/// The same patients, booked: Amara's session 3 (Tue 2026-12-15 09:30) with Amara Okafor
/// in Room 1, Bruno's three (Wed 2026-12-02, 12-30, 2027-01-27, 09:30) with Ben Carter
/// in Room 2. The clinic is the default one, closed on New Year's Eve.
fn booked_model() -> Model {
    let mut patients = clinic();
    let book = |s: &mut needleplan::domain::series::Session, clinician: &str, room: &str| {
        s.clinician = Some(clinician.into());
        s.room = Some(room.into());
    };
    book(&mut patients[0].series[0].sessions[2], "amara", "room-1");
    for s in &mut patients[1].series[0].sessions {
        book(s, "ben", "room-2");
    }
    let mut m = Model::new(now(), Templates::builtin(), patients)
        .with_clinic(needleplan::store::demo::demo_settings());
    m.data_dir_label = "/clinic/data".into();
    let mut clinic = needleplan::store::demo::demo_settings();
    clinic.closed_dates.push(ClosedDate {
        date: d("2026-12-31"),
        reason: "New Year's Eve".into(),
    });
    m.set_clinic(clinic);
    m
}

fn backspace(m: &mut Model, n: usize) {
    press(m, &vec![KeyCode::Backspace; n]);
}

#[test]
fn series_preview_with_a_refused_row() {
    let mut m = booked_model();
    press(&mut m, &[Char('j'), Char('j'), Char('n'), Tab]);
    type_text(&mut m, "2026-12-02");
    press(&mut m, &[Tab]);
    type_text(&mut m, "09:30");
    press(&mut m, &[Enter]);
    // Another user gives Bruno's session 2 (12-30 09:30) to Amara: row 2 clashes.
    let mut bruno = m.patient(&PatientId::new("p-00000002").unwrap()).unwrap().clone();
    bruno.revision += 1;
    bruno.series[0].sessions[1].clinician = Some("amara".into());
    persist::apply_external(&mut m, vec![bruno]);
    press(&mut m, &[Char('j')]);
    let screen = draw(&m, 160, 50);
    assert!(
        screen.contains("✗ refused") && screen.contains("Amara Okafor is already booked"),
        "{screen}"
    );
    snap_both("series_preview_refused", &m);
}

#[test]
fn session_form_refuses_a_double_booking() {
    let mut m = booked_model();
    press(&mut m, &[Tab, Char('j'), Char('e'), KeyCode::End]);
    backspace(&mut m, 2);
    type_text(&mut m, "02");
    press(&mut m, &[Tab, Tab, Tab, Tab, KeyCode::Right]);
    let screen = draw(&m, 160, 50);
    assert!(
        screen.contains("✗ refused: Room 2 is already booked 09:30-10:30"),
        "{screen}"
    );
    snap_both("session_form_refused", &m);
}

/// Bruno's session 1 moved from Wed 2026-12-02 to `date`, Enter: the cascade question.
fn move_brunos_first_session(date: &str) -> Model {
    let mut m = booked_model();
    press(&mut m, &[Char('j'), Tab, Char('e')]);
    backspace(&mut m, 10);
    type_text(&mut m, date);
    press(&mut m, &[Enter]);
    m
}

#[test]
fn cascade_confirm() {
    let m = move_brunos_first_session("2026-12-04");
    let screen = draw(&m, 160, 50);
    assert!(
        screen.contains("Session 1 moves by +2 days") && screen.contains("sessions 2-3"),
        "{screen}"
    );
    snap_both("cascade_confirm", &m);
}

#[test]
fn cascade_refused() {
    let m = move_brunos_first_session("2026-12-03");
    let screen = draw(&m, 160, 50);
    assert!(
        screen.contains("not available") && screen.contains("New Year's Eve"),
        "{screen}"
    );
    snap_both("cascade_refused", &m);
}

#[test]
fn rebook_offer_after_a_cancellation() {
    let mut m = booked_model();
    press(
        &mut m,
        &[
            Char('j'),
            Tab,
            Char('e'),
            Tab,
            Tab,
            KeyCode::Right,
            KeyCode::Right,
            KeyCode::Right,
            Enter,
        ],
    );
    let screen = draw(&m, 160, 50);
    assert!(
        screen.contains("Book a replacement on Wed 2026-12-02 10:30 with Ben Carter in Room 2"),
        "{screen}"
    );
    snap_both("rebook_offer", &m);
}

/// A patient whose head says a lot (contact, notes, missed visits, PIH caution, scar
/// trend, what the next session misses): at 80x24 the plan still shows its session
/// rows, the head giving way (long lines cut to one, least important lines left out).
#[test]
fn a_crowded_plan_keeps_its_sessions_in_view_at_80x24() {
    use needleplan::domain::skin::{Area, Fitzpatrick, Iga, ScarFinding, ScarType, SkinAssessment};
    let assessment = |date: &str, grade: u8| SkinAssessment {
        date: d(date),
        by: "Dr Okafor".into(),
        fitzpatrick: Fitzpatrick::V,
        iga: Iga::Mild,
        scars: vec![ScarFinding {
            kind: ScarType::Rolling,
            grade,
        }],
        quantitative_score: None,
        areas: [Area::Cheeks].into(),
        notes: String::new(),
    };
    let mut patients = clinic();
    let bruno = &mut patients[1];
    bruno.notes = "Prefers afternoons; sensitive skin; travels a lot, call before rebooking".into();
    bruno.skin = vec![assessment("2026-08-01", 3), assessment("2026-11-01", 2)];
    let mut m = Model::new(now(), Templates::builtin(), patients)
        .with_clinic(needleplan::store::demo::demo_settings());
    press(&mut m, &[KeyCode::Char('j')]);
    let screen = draw(&m, 80, 24);
    for row in ["1  2026-12-02", "2  2026-12-30", "3  2027-01-27"] {
        assert!(
            screen.contains(row),
            "session row {row:?} is not in view:\n{screen}"
        );
    }
    assert!(screen.contains("Bruno Costa  born"), "{screen}");
    assert!(screen.contains("PIH caution"), "{screen}");
    assert!(
        screen.contains("…"),
        "the long caution is cut to one line:\n{screen}"
    );
    // At 160x50 there is room for everything, the notes included.
    let wide = draw(&m, 160, 50);
    assert!(wide.contains("Notes: Prefers afternoons"), "{wide}");
    assert!(wide.contains("3  2027-01-27"), "{wide}");
}
