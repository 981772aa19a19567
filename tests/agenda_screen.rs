//! The agenda screen: snapshots of the day and week views, grouped by clinician and by
//! room, at 80x24 and 160x50, and its keys (navigation, toggles, Enter to the patient,
//! find next free slot). A hand-built clinic and a fixed "now": no real clock.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use needleplan::app::agenda::{FIND_FROM, FIND_LENGTH, View, selected_booking, selection};
use needleplan::app::form::Form;
use needleplan::app::model::{FormPurpose, Model, Pane, StatusKind};
use needleplan::app::screen::{ScreenId, help_sections};
use needleplan::app::{Overlay, handle_key};
use needleplan::domain::agenda::{Entry, Grouping};
use needleplan::domain::calendar::Visit;
use needleplan::domain::clinic::{ClinicSettings, ClosedDate, DayHours};
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::schedule::{BookingRequest, SeriesAt, check_booking, refusals};
use needleplan::domain::series::{ReviewVisit, Series, Session, SessionStatus};
use needleplan::store::templates::Templates;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use KeyCode::{Char, Down, Enter, Esc, Left, Right, Up};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

/// Wednesday 2026-11-25, 10:00.
fn now() -> NaiveDateTime {
    d("2026-11-25").and_time(t("10:00"))
}

fn settings() -> ClinicSettings {
    let mut c = needleplan::store::demo::demo_settings();
    c.closed_dates.push(ClosedDate {
        date: d("2026-12-24"),
        reason: "Christmas Eve".into(),
    });
    c
}

fn session(date: &str, time: &str, clin: Option<&str>, room: Option<&str>, status: SessionStatus) -> Session {
    Session {
        clinician: clin.map(Into::into),
        room: room.map(Into::into),
        status,
        ..Session::planned(d(date), Some(t(time)))
    }
}

fn patient(id: &str, name: &str, sessions: Vec<Session>) -> Patient {
    let details = PatientDetails {
        full_name: name.into(),
        phone: "+44 7700 900000".into(),
        ..PatientDetails::default()
    };
    let mut p = Patient::new(PatientId::new(id).unwrap(), details, d("2026-08-01"));
    p.series.push(Series {
        protocol_id: "acne-scars-standard".into(),
        protocol_name: "Acne scars, standard".into(),
        interval_days: 28,
        min_interval_days: 14,
        created: d("2026-09-01"),
        sessions,
        ..Series::default()
    });
    p
}

use SessionStatus::{Booked, Done, Planned};

/// Wednesday: Amara has two bookings, Ben one (45 minutes). Thursday: an archived
/// patient and a review. Friday: a visit with no clinician or room yet.
fn clinic() -> Vec<Patient> {
    let amara = Some("amara");
    let ben = Some("ben");
    let r1 = Some("room-1");
    let r2 = Some("room-2");
    let okonkwo = patient(
        "p-00000001",
        "Amara Okonkwo",
        vec![
            session("2026-10-28", "09:30", amara, r1, Done),
            session("2026-11-25", "09:30", amara, r1, Booked),
            session("2026-12-23", "09:30", amara, r1, Planned),
        ],
    );
    let mut costa = patient(
        "p-00000002",
        "Bruno Costa",
        vec![
            session("2026-11-25", "11:00", ben, r2, Booked),
            session("2026-12-23", "11:00", ben, r2, Planned),
        ],
    );
    costa.series[0].session_minutes = Some(45);
    let martin = patient(
        "p-00000003",
        "Chloé Martin",
        vec![session("2026-11-25", "14:00", amara, r2, Booked)],
    );
    let mut volkov = patient(
        "p-00000004",
        "Dmitri Volkov",
        vec![session("2026-11-26", "10:00", ben, r1, Booked)],
    );
    volkov.archived = true;
    let kaya = patient(
        "p-00000005",
        "Elif Kaya",
        vec![session("2026-11-27", "15:00", None, None, Planned)],
    );
    let mut adeyemi = patient(
        "p-00000006",
        "Grace Adeyemi",
        vec![
            session("2026-08-19", "10:00", amara, r1, Done),
            session("2026-09-16", "10:00", amara, r1, Done),
            session("2026-10-14", "10:00", amara, r1, Done),
        ],
    );
    adeyemi.series[0].reviews.push(ReviewVisit {
        month: 1,
        date: d("2026-11-26"),
        time: Some(t("15:00")),
        status: Booked,
        clinician: Some("ben".into()),
        room: Some("room-2".into()),
        minutes: Some(30),
        notes: String::new(),
    });
    let farah = patient(
        "p-00000007",
        "Farah Haddad",
        vec![session("2026-11-28", "10:00", ben, r1, Booked)],
    );
    vec![okonkwo, costa, martin, volkov, kaya, adeyemi, farah]
}

fn model() -> Model {
    let mut m = Model::new(now(), Templates::builtin(), clinic())
        .with_clinic(needleplan::store::demo::demo_settings());
    m.set_clinic(settings());
    m.data_dir_label = "/clinic/data".into();
    m
}

/// The find form, when it is open.
fn find_form(m: &Model) -> Option<&Form> {
    match &m.overlay {
        Overlay::Form(FormPurpose::FindSlot, f) => Some(f),
        _ => None,
    }
}

fn type_text(m: &mut Model, text: &str) {
    press(m, &text.chars().map(Char).collect::<Vec<_>>());
}

fn press(m: &mut Model, keys: &[KeyCode]) {
    for k in keys {
        handle_key(m, KeyEvent::new(*k, KeyModifiers::NONE));
    }
}

/// The model on the agenda screen.
fn agenda() -> Model {
    let mut m = model();
    press(&mut m, &[Char('2')]);
    m
}

fn draw(m: &Model, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| needleplan::ui::view(m, f)).unwrap();
    terminal.backend().to_string()
}

fn snap_both(name: &str, m: &Model) {
    insta::assert_snapshot!(format!("{name}_80x24"), draw(m, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x50"), draw(m, 160, 50));
}

fn selected_name(m: &Model) -> Option<String> {
    selected_booking(m).map(|b| b.patient_name)
}

// ---------------------------------------------------------------------------------
// Snapshots.

#[test]
fn day_by_clinician() {
    let m = agenda();
    let screen = draw(&m, 160, 50);
    for want in [
        "Amara Okonkwo",
        "Chloé Martin",
        "Bruno Costa",
        "10:30-14:00 free",
        "2/3",
    ] {
        assert!(screen.contains(want), "{want} missing:\n{screen}");
    }
    snap_both("agenda_day_by_clinician", &m);
}

#[test]
fn day_by_room() {
    let mut m = agenda();
    press(&mut m, &[Char('r')]);
    let screen = draw(&m, 160, 50);
    assert!(
        screen.contains("Room 1") && screen.contains("Amara Okafor"),
        "{screen}"
    );
    snap_both("agenda_day_by_room", &m);
}

#[test]
fn week_by_clinician() {
    let mut m = agenda();
    press(&mut m, &[Char('w')]);
    let screen = draw(&m, 160, 50);
    assert!(screen.contains("Week Mon 2026-11-23"), "{screen}");
    assert!(screen.contains("closed"), "Sunday is closed:\n{screen}");
    snap_both("agenda_week_by_clinician", &m);
}

#[test]
fn week_by_room() {
    let mut m = agenda();
    press(&mut m, &[Char('w'), Char('r')]);
    snap_both("agenda_week_by_room", &m);
}

#[test]
fn a_day_with_a_visit_nobody_is_assigned_to_stacks_at_80_columns() {
    let mut m = agenda();
    press(&mut m, &[Right, Right]);
    assert_eq!(m.screens.agenda.date, d("2026-11-27"));
    let narrow = draw(&m, 80, 24);
    assert!(
        narrow.contains("No clinician") && narrow.contains("Elif Kaya"),
        "{narrow}"
    );
    snap_both("agenda_day_stacked", &m);
}

#[test]
fn a_closed_day_says_why() {
    let mut m = agenda();
    press(&mut m, &[Char('l'), Char('l'), Char('l'), Char('l')]);
    assert_eq!(m.screens.agenda.date, d("2026-11-29"));
    let screen = draw(&m, 80, 24);
    assert!(
        screen.contains("CLOSED: the clinic is closed on Sundays"),
        "{screen}"
    );
    insta::assert_snapshot!("agenda_closed_day_80x24", screen);
}

#[test]
fn find_form_and_found_slot() {
    let mut m = agenda();
    press(&mut m, &[Char('f')]);
    insta::assert_snapshot!("agenda_find_form_80x24", draw(&m, 80, 24));
    press(&mut m, &[Right, Down, Right, Right, Enter]);
    let screen = draw(&m, 80, 24);
    assert!(screen.contains("FOUND"), "{screen}");
    snap_both("agenda_found_slot", &m);
}

// ---------------------------------------------------------------------------------
// Keys.

#[test]
fn key_2_opens_today_in_the_day_view_by_clinician_on_the_first_booking() {
    let m = agenda();
    assert_eq!(m.screen, ScreenId::Agenda);
    assert_eq!(m.screens.agenda.date, d("2026-11-25"));
    assert_eq!(m.screens.agenda.view, View::Day);
    assert_eq!(m.screens.agenda.grouping, Grouping::Clinician);
    assert_eq!(selected_name(&m).as_deref(), Some("Amara Okonkwo"));
}

#[test]
fn days_weeks_and_today() {
    let mut m = agenda();
    press(&mut m, &[Right, Char('l')]);
    assert_eq!(m.screens.agenda.date, d("2026-11-27"));
    press(&mut m, &[Left]);
    assert_eq!(m.screens.agenda.date, d("2026-11-26"));
    press(&mut m, &[Char('w'), Right]);
    assert_eq!(
        (m.screens.agenda.view, m.screens.agenda.date),
        (View::Week, d("2026-12-03"))
    );
    press(&mut m, &[Char('h'), Char('h')]);
    assert_eq!(m.screens.agenda.date, d("2026-11-19"));
    press(&mut m, &[Char('t')]);
    assert_eq!(m.screens.agenda.date, d("2026-11-25"));
    // In the week view Up/Down pick the day and Enter opens it.
    press(&mut m, &[Down, Down, Enter]);
    assert_eq!(
        (m.screens.agenda.view, m.screens.agenda.date),
        (View::Day, d("2026-11-27"))
    );
    assert_eq!(selected_name(&m).as_deref(), Some("Elif Kaya"));
}

#[test]
fn selection_moves_through_bookings_and_gaps_and_stops_at_the_ends() {
    let mut m = agenda();
    let day = needleplan::app::agenda::shown_day(&m);
    let items = day.items().len();
    // Amara: free 09:00-09:30, Okonkwo, free, Martin, free; Ben: free, Costa, free.
    assert_eq!(items, 8);
    press(&mut m, &[Down]);
    assert!(matches!(day.item(selection(&m, &day)), Some(Entry::Free(_))));
    press(&mut m, &[Down]);
    assert_eq!(selected_name(&m).as_deref(), Some("Chloé Martin"));
    press(&mut m, &[Char('G')]);
    assert_eq!(m.screens.agenda.selected, Some(items - 1));
    press(&mut m, &[Down]);
    assert_eq!(m.screens.agenda.selected, Some(items - 1));
    press(&mut m, &[Char('g'), Up]);
    assert_eq!(m.screens.agenda.selected, Some(0));
}

#[test]
fn regrouping_keeps_the_same_booking_selected() {
    let mut m = agenda();
    press(&mut m, &[Down, Down]);
    assert_eq!(selected_name(&m).as_deref(), Some("Chloé Martin"));
    press(&mut m, &[Char('r')]);
    assert_eq!(m.screens.agenda.grouping, Grouping::Room);
    assert_eq!(selected_name(&m).as_deref(), Some("Chloé Martin"));
    press(&mut m, &[Char('r')]);
    assert_eq!(m.screens.agenda.grouping, Grouping::Clinician);
    assert_eq!(selected_name(&m).as_deref(), Some("Chloé Martin"));
}

/// Moves the selection down until it is on `name`'s booking.
fn select(m: &mut Model, name: &str) {
    for _ in 0..50 {
        if selected_name(m).as_deref() == Some(name) {
            return;
        }
        press(m, &[Down]);
    }
    panic!("{name} not found in the agenda");
}

#[test]
fn enter_opens_the_patient_with_the_session_selected_in_the_plan() {
    let mut m = agenda();
    // A filter that hides Bruno is cleared on the way.
    m.filter = "okonkwo".into();
    m.refresh_visible(None);
    select(&mut m, "Bruno Costa");
    press(&mut m, &[Enter]);
    assert_eq!(m.screen, ScreenId::Main);
    assert_eq!(m.focus, Pane::Plan);
    assert_eq!(m.selected_patient().unwrap().full_name, "Bruno Costa");
    assert_eq!(m.session, 0);
    assert!(m.filter.is_empty());
    assert!(m.status.text.contains("filter cleared"), "{}", m.status.text);

    // The third session of Amara Okonkwo, four weeks on.
    press(
        &mut m,
        &[Char('2'), Char('w'), Right, Right, Right, Right, Char('w')],
    );
    assert_eq!(m.screens.agenda.date, d("2026-12-23"));
    select(&mut m, "Amara Okonkwo");
    press(&mut m, &[Enter]);
    assert_eq!(m.selected_patient().unwrap().full_name, "Amara Okonkwo");
    assert_eq!((m.focus, m.session), (Pane::Plan, 2));
}

#[test]
fn enter_on_an_archived_patient_shows_archived_patients() {
    let mut m = agenda();
    assert!(!m.show_archived);
    press(&mut m, &[Right]);
    select(&mut m, "Dmitri Volkov");
    press(&mut m, &[Enter]);
    assert!(m.show_archived);
    assert_eq!(m.selected_patient().unwrap().full_name, "Dmitri Volkov");
}

#[test]
fn a_review_is_listed_and_opens_its_patient() {
    let mut m = agenda();
    press(&mut m, &[Right]);
    select(&mut m, "Grace Adeyemi");
    let b = selected_booking(&m).unwrap();
    assert_eq!(b.visit, "review +1 mo");
    assert!(matches!(b.who.visit, Visit::Review(0)));
    press(&mut m, &[Enter]);
    assert_eq!(m.selected_patient().unwrap().full_name, "Grace Adeyemi");
    assert!(m.status.text.contains("review"), "{}", m.status.text);
}

#[test]
fn esc_leaves_the_agenda_but_first_closes_the_form() {
    let mut m = agenda();
    press(&mut m, &[Char('f')]);
    assert!(find_form(&m).is_some());
    press(&mut m, &[Esc]);
    assert!(find_form(&m).is_none());
    assert_eq!(m.screen, ScreenId::Agenda);
    press(&mut m, &[Esc]);
    assert_eq!(m.screen, ScreenId::Main);
    assert_eq!(m.overlay, Overlay::None);
}

#[test]
fn find_next_free_slot_finds_one_that_check_booking_accepts() {
    let mut m = agenda();
    // Ben, Room 2, 60 minutes, from today (so from now, 10:00).
    press(&mut m, &[Char('f'), Right, Right, Down, Right, Right, Enter]);
    assert!(find_form(&m).is_none());
    let slot = m.screens.agenda.found.clone().expect("a slot");
    assert_eq!((slot.clinician.as_str(), slot.room.as_str()), ("ben", "room-2"));
    // 10:00-11:00 is free for Ben and Room 2: the first slot from now.
    assert_eq!(slot.start(), d("2026-11-25").and_time(t("10:00")));
    assert_eq!(slot.minutes, 60);
    assert_eq!(
        (m.screens.agenda.view, m.screens.agenda.date),
        (View::Day, slot.date)
    );
    let day = needleplan::app::agenda::shown_day(&m);
    assert!(matches!(day.item(selection(&m, &day)), Some(Entry::Found(_))));
    assert_eq!(m.status.kind, StatusKind::Saved);

    let fresh = Series {
        min_interval_days: 14,
        ..Series::default()
    };
    let at = SeriesAt {
        patient_id: "p-00000009",
        series_index: 0,
        series: &fresh,
    };
    let req = BookingRequest {
        date: slot.date,
        time: Some(slot.time),
        minutes: slot.minutes,
        clinician: Some(&slot.clinician),
        room: Some(&slot.room),
    };
    let v = check_booking(&m.clinic, &m.calendar, &at, None, &req);
    assert!(refusals(&v, None).is_empty(), "{v:?}");

    // From next Monday, 45 minutes with Amara in any room.
    // The length and the day are typed over what the form suggests.
    press(&mut m, &[Char('f'), Right, Down, Down]);
    type_text(&mut m, "45");
    press(&mut m, &[Down]);
    type_text(&mut m, "2026-11-30");
    let form = find_form(&m).unwrap();
    assert_eq!(
        (form.text(FIND_LENGTH), form.text(FIND_FROM)),
        ("45", "2026-11-30")
    );
    press(&mut m, &[Enter]);
    let slot = m.screens.agenda.found.clone().unwrap();
    assert_eq!(slot.start(), d("2026-11-30").and_time(t("09:00")));
    assert_eq!(slot.clinician, "amara");
}

#[test]
fn find_says_so_when_nothing_fits_within_the_search_bound() {
    let mut m = agenda();
    let mut short_days = settings();
    let four_hours = Some(DayHours::new(t("09:00"), t("13:00")));
    short_days.hours = [four_hours; 7];
    m.set_clinic(short_days);
    press(&mut m, &[Char('f'), Down, Down]);
    type_text(&mut m, "480");
    press(&mut m, &[Enter]);
    let form = find_form(&m).expect("the form stays open");
    let message = form.warnings.first().cloned().unwrap();
    assert!(
        message.contains("nothing free") && message.contains("365 days"),
        "{message}"
    );
    assert_eq!(m.status.kind, StatusKind::Error);
    assert!(m.screens.agenda.found.is_none());
    let screen = draw(&m, 80, 24);
    assert!(screen.contains("nothing free"), "{screen}");
}

#[test]
fn the_help_and_the_title_list_the_agenda() {
    assert_eq!(ScreenId::Agenda.key(), '2');
    assert!(
        needleplan::ui::help_text().contains(ScreenId::Agenda.switch_help()),
        "the help says what 2 opens"
    );
    let sections = help_sections();
    let (_, rows) = sections
        .iter()
        .find(|(title, _)| title.starts_with("Agenda screen"))
        .expect("an agenda section in the help");
    for key in ["Enter", "Left/h", "Right/l", "t", "w", "r", "f", "Up/k", "Down/j"] {
        assert!(rows.iter().any(|(k, _)| k == key), "{key} missing from the help");
    }
    let m = agenda();
    let screen = draw(&m, 80, 24);
    assert!(screen.contains("[2 Agenda]"), "{screen}");
    assert!(
        screen.contains("Enter  patient") && screen.contains("f  free slot"),
        "{screen}"
    );
}

#[test]
fn a_busy_day_scrolls_to_keep_the_selection_on_screen() {
    let mut patients = clinic();
    for i in 0..16 {
        let time = format!("{:02}:{:02}", 9 + i / 2, (i % 2) * 30);
        let mut p = patient(
            &format!("p-000001{i:02}"),
            &format!("Busy Patient {i:02}"),
            vec![session(
                "2026-12-01",
                &time,
                Some("amara"),
                Some("room-1"),
                Booked,
            )],
        );
        p.series[0].session_minutes = Some(30);
        patients.push(p);
    }
    let mut m = Model::new(now(), Templates::builtin(), patients)
        .with_clinic(needleplan::store::demo::demo_settings());
    m.set_clinic(settings());
    press(&mut m, &[Char('2'), Char('w'), Right, Char('w'), Left]);
    assert_eq!(m.screens.agenda.date, d("2026-12-01"));
    let top = draw(&m, 80, 24);
    assert!(
        top.contains("Busy Patient 00") && top.contains("below (j/k)"),
        "{top}"
    );
    press(&mut m, &[Char('G')]);
    press(&mut m, &[Up, Up]);
    assert_eq!(selected_name(&m).as_deref(), Some("Busy Patient 15"));
    let bottom = draw(&m, 80, 24);
    assert!(
        bottom.contains("Busy Patient 15") && bottom.contains("above"),
        "{bottom}"
    );
    assert!(!bottom.contains("Busy Patient 00"), "{bottom}");
    insta::assert_snapshot!("agenda_busy_day_scrolled_80x24", bottom);
}
