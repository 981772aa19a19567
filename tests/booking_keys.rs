//! Key-sequence tests of booking with the clinic's rules: the series builder and its
//! preview, refused and overridden session moves, the cascade question, and the
//! replacement offered after a cancellation or a no-show.
//!
//! The clinic is the default one (Mon-Fri 09:00-18:00, Sat 09:00-13:00, Sunday closed;
//! Amara Okafor and Ben Carter; Room 1 and Room 2) with Christmas closed, at a fixed
//! "now" (Wed 2026-11-25 10:00). Saves go to an in-memory saver that records them.
//! Key scripts: plain characters are typed; `<Name>` is a named key, `<Name*N>` repeats.

mod common;

use std::cell::RefCell;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use needleplan::app::form::Form;
use needleplan::app::model::StatusKind;
use needleplan::app::persist::{self, Saver};
use needleplan::app::preview::{self, Preview};
use needleplan::app::{Model, Overlay, Pane};
use needleplan::app::{series_form, session_form};
use needleplan::domain::clinic::ClosedDate;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::schedule::{
    BookingRequest, Proposal, ProposalPlan, SeriesAt, Violation, build_series, check_booking, refusals,
};
use needleplan::domain::series::{Session, SessionStatus};
use needleplan::store::SaveError;
use needleplan::store::templates::Templates;

use common::keys::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

fn now() -> NaiveDateTime {
    d("2026-11-25").and_hms_opt(10, 0, 0).unwrap()
}

fn pid(id: &str) -> PatientId {
    PatientId::new(id).unwrap()
}

fn patient(id: &str, name: &str) -> Patient {
    let details = PatientDetails {
        full_name: name.into(),
        ..PatientDetails::default()
    };
    Patient::new(pid(id), details, d("2026-08-01"))
}

fn plan(first: &str, sessions: u32) -> ProposalPlan {
    ProposalPlan {
        sessions,
        interval_days: 28,
        min_interval_days: 14,
        max_interval_days: 42,
        minutes: 60,
        first_date: d(first),
        preferred_time: None,
        clinician: None,
        room: None,
    }
}

fn row(date: &str, time: &str, clinician: &str, room: &str) -> Proposal {
    Proposal {
        date: d(date),
        time: t(time),
        minutes: 60,
        clinician: clinician.into(),
        room: room.into(),
        gap_days: None,
    }
}

/// - Ann Lee: no series.
/// - Dee Park: three sessions booked at 09:30 with Amara in Room 1: Thu 2026-11-26
///   (tomorrow, less than 24 h away), Thu 2026-12-24 and Thu 2027-01-21.
/// - Eli Moss: one session booked Tue 2026-12-01 10:00 with Ben in Room 2.
fn clinic() -> Vec<Patient> {
    let ann = patient("p-ann", "Ann Lee");
    let mut dee = patient("p-dee", "Dee Park");
    let rows = [
        row("2026-11-26", "09:30", "amara", "room-1"),
        row("2026-12-24", "09:30", "amara", "room-1"),
        row("2027-01-21", "09:30", "amara", "room-1"),
    ];
    dee.series.push(build_series(
        "acne-scars-standard",
        "Acne scars, standard",
        &plan("2026-11-26", 3),
        &rows,
        d("2026-11-01"),
    ));
    let mut eli = patient("p-eli", "Eli Moss");
    let rows = [row("2026-12-01", "10:00", "ben", "room-2")];
    eli.series.push(build_series(
        "maintenance",
        "Yearly maintenance",
        &plan("2026-12-01", 1),
        &rows,
        d("2026-11-01"),
    ));
    vec![ann, dee, eli]
}

#[derive(Default)]
struct Recorder {
    written: RefCell<Vec<Patient>>,
}

impl Saver for Recorder {
    fn save(&self, patient: &Patient) -> Result<u64, SaveError> {
        self.written.borrow_mut().push(patient.clone());
        Ok(patient.revision + 1)
    }

    fn save_clinic(
        &self,
        _: &needleplan::domain::clinic::ClinicSettings,
    ) -> Result<(), needleplan::store::clinic_file::ClinicSaveError> {
        Ok(())
    }
}

struct App {
    model: Model,
    saver: Recorder,
}

impl App {
    fn new() -> Self {
        let mut model = Model::new(now(), Templates::builtin(), clinic())
            .with_clinic(needleplan::store::demo::demo_settings());
        let mut settings = needleplan::store::demo::demo_settings();
        settings.closed_dates.push(ClosedDate {
            date: d("2026-12-25"),
            reason: "Christmas".into(),
        });
        model.set_clinic(settings);
        Self {
            model,
            saver: Recorder::default(),
        }
    }

    fn keys(&mut self, script: &str) {
        type_keys(&mut self.model, &self.saver, script);
    }

    fn select(&mut self, id: &str) {
        self.keys("<Home>");
        while self.model.selected_id() != Some(pid(id)) {
            self.keys("j");
        }
    }

    /// The patient's plan focused on session `n` (1-based), with its form open.
    fn edit_session(&mut self, id: &str, n: usize) {
        self.select(id);
        self.keys("<Tab>");
        assert_eq!(self.model.focus, Pane::Plan);
        self.keys("<Home>");
        self.keys(&"j".repeat(n - 1));
        self.keys("e");
        assert!(matches!(self.model.overlay, Overlay::Form(..)));
    }

    fn form(&self) -> &Form {
        match &self.model.overlay {
            Overlay::Form(_, f) => f,
            other => panic!("expected a form, found {other:?}"),
        }
    }

    fn preview(&self) -> &Preview {
        match &self.model.overlay {
            Overlay::SeriesPreview(p) => p,
            other => panic!("expected the preview, found {other:?}"),
        }
    }

    fn patient(&self, id: &str) -> &Patient {
        self.model.patient(&pid(id)).unwrap()
    }

    fn sessions(&self, id: &str) -> Vec<Session> {
        self.patient(id).current_series().unwrap().sessions.clone()
    }

    fn places(&self, id: &str) -> Vec<String> {
        let s = self.sessions(id);
        s.iter()
            .map(|x| {
                format!(
                    "{} {}",
                    x.date,
                    x.time.map(|t| t.format("%H:%M").to_string()).unwrap_or_default()
                )
            })
            .collect()
    }

    fn writes(&self) -> usize {
        self.saver.written.borrow().len()
    }

    /// Every counted session of the patient's current series passes every rule.
    fn assert_all_valid(&self, id: &str) {
        let p = self.patient(id);
        let series = p.current_series().unwrap();
        let at = SeriesAt {
            patient_id: id,
            series_index: p.series.len() - 1,
            series,
        };
        for (i, s) in series
            .sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| s.status.is_upcoming())
        {
            let req = BookingRequest {
                date: s.date,
                time: s.time,
                minutes: series.minutes_of(i, 60),
                clinician: s.clinician.as_deref(),
                room: s.room.as_deref(),
            };
            let v = check_booking(&self.model.clinic, &self.model.calendar, &at, Some(i), &req);
            // A too-close pair is allowed by the reason stored on either of the two.
            let refused: Vec<_> = refusals(&v, s.interval_override.as_deref())
                .into_iter()
                .filter(|v| match v {
                    Violation::TooClose { neighbour, .. } => {
                        series.sessions[*neighbour].interval_override.is_none()
                    }
                    _ => true,
                })
                .collect();
            assert!(refused.is_empty(), "session {}: {refused:?}", i + 1);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Series builder
// ---------------------------------------------------------------------------------------

/// Ann's new-series form with 2026-12-01 10:00 and Ben preferred, then Enter.
fn proposal_for_ann() -> App {
    let mut app = App::new();
    app.select("p-ann");
    app.keys("n");
    let labels: Vec<&str> = app.form().fields.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Protocol",
            "First date",
            "Preferred time",
            "Sessions",
            "Interval (days)",
            "Minimum (days)",
            "Maximum (days)",
            "Length (min)",
            "Clinician",
            "Room"
        ]
    );
    app.keys("<Tab>2026-12-01<Tab>10:00<Tab*6><Right><Right><Enter>");
    app
}

#[test]
fn the_proposal_is_shown_and_nothing_is_saved_before_confirm() {
    let app = proposal_for_ann();
    let p = app.preview();
    assert_eq!(p.rows.len(), 3);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    // Ben is busy on 2026-12-01 at 10:00 (Eli): the first session is elsewhere.
    let first = &p.rows[0];
    assert!(first.date >= d("2026-12-01"));
    assert!(!(first.date == d("2026-12-01") && first.time == t("10:00") && first.clinician == "ben"));
    for w in p.rows.windows(2) {
        let gap = (w[1].date - w[0].date).num_days();
        assert!((14..=42).contains(&gap), "{gap}");
    }
    assert!(app.patient("p-ann").series.is_empty());
    assert_eq!(app.writes(), 0);
    assert!(
        app.model.status.text.contains("nothing is booked"),
        "{:?}",
        app.model.status
    );
}

#[test]
fn esc_discards_the_proposal() {
    let mut app = proposal_for_ann();
    app.keys("<Esc>");
    assert_eq!(app.model.overlay, Overlay::None);
    assert!(app.patient("p-ann").series.is_empty());
    assert_eq!(app.writes(), 0);
    assert!(
        app.model.status.text.contains("discarded"),
        "{:?}",
        app.model.status
    );
}

#[test]
fn an_error_from_the_scheduler_stays_in_the_form_on_the_first_date() {
    let mut app = App::new();
    app.select("p-ann");
    for r in &mut app.model.clinic.rooms {
        r.active = false;
    }
    app.keys("n<Tab>2026-12-01<Enter>");
    let (field, message) = app.form().first_error().expect("an error");
    assert_eq!(field, series_form::START, "{message}");
    assert!(message.contains("no active room"), "{message}");
    assert_eq!(
        app.form().text(series_form::START),
        "2026-12-01",
        "the form keeps what was typed"
    );
    assert_eq!(app.writes(), 0);
}

#[test]
fn a_row_edit_is_rechecked_and_a_refused_row_blocks_confirm() {
    let mut app = proposal_for_ann();
    let before = app.preview().rows.clone();

    // Row 2 onto a Sunday: refused in the small form, which cannot be saved.
    app.keys("je");
    assert!(app.preview().edit.is_some());
    app.keys("<Backspace*10>2026-12-27");
    let form = app.preview().edit.clone().unwrap();
    assert!(
        form.refusals.iter().any(|r| r.contains("closed on Sundays")),
        "{:?}",
        form.refusals
    );
    app.keys("<Enter>");
    let form = app.preview().edit.clone().expect("still open");
    assert_eq!(
        form.first_error().map(|e| e.0),
        Some(preview::DATE),
        "{:?}",
        form.errors
    );
    app.keys("<Esc>");
    assert!(app.preview().edit.is_none());
    assert_eq!(app.preview().rows, before, "Esc leaves the row as it was");

    // Meanwhile another user books row 2's clinician at that very time.
    let taken = before[1].clone();
    let mut eli = app.patient("p-eli").clone();
    eli.revision += 1;
    eli.series[0].sessions.push(Session {
        date: taken.date,
        time: Some(taken.time),
        status: SessionStatus::Booked,
        clinician: Some(taken.clinician.clone()),
        room: Some(
            if taken.room == "room-1" {
                "room-2"
            } else {
                "room-1"
            }
            .into(),
        ),
        ..Session::default()
    });
    persist::apply_external(&mut app.model, vec![eli]);
    app.keys("k");
    assert_eq!(
        app.preview().refused_rows(),
        vec![1],
        "{:?}",
        app.preview().problems
    );

    // c is refused, says why, books nothing.
    app.keys("c");
    assert!(matches!(app.model.overlay, Overlay::SeriesPreview(_)));
    assert_eq!(app.model.status.kind, StatusKind::Error);
    assert!(
        app.model.status.text.contains("session 2 is refused"),
        "{:?}",
        app.model.status
    );
    assert!(app.patient("p-ann").series.is_empty());
    assert_eq!(app.writes(), 0);

    // Row 2 given to the other clinician: valid again, and the series books.
    let other = if taken.clinician == "ben" {
        "<Left>"
    } else {
        "<Right>"
    };
    app.keys(&format!("je<Tab><Tab>{other}"));
    let form = app.preview().edit.clone().unwrap();
    assert!(form.refusals.is_empty(), "{:?}", form.refusals);
    app.keys("<Enter>");
    assert!(app.preview().edit.is_none());
    assert!(app.preview().refused_rows().is_empty());
    app.keys("c");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.sessions("p-ann").len(), 3);
    app.assert_all_valid("p-ann");
}

#[test]
fn confirm_books_a_series_whose_sessions_all_pass_every_rule() {
    let mut app = proposal_for_ann();
    let rows = app.preview().rows.clone();
    app.keys("c");
    assert_eq!(app.model.overlay, Overlay::None);
    let sessions = app.sessions("p-ann");
    assert_eq!(sessions.len(), 3);
    for (s, r) in sessions.iter().zip(&rows) {
        assert_eq!(s.status, SessionStatus::Booked);
        assert_eq!((s.date, s.time), (r.date, Some(r.time)));
        assert_eq!(s.clinician.as_deref(), Some(r.clinician.as_str()));
        assert_eq!(s.room.as_deref(), Some(r.room.as_str()));
    }
    let series = app.patient("p-ann").current_series().unwrap();
    assert_eq!(
        (series.min_interval_days, series.max_interval_days),
        (14, Some(42))
    );
    app.assert_all_valid("p-ann");
    assert_eq!(app.writes(), 1);
    assert_eq!(app.model.status.kind, StatusKind::Saved);
    assert!(app.model.status.text.contains("booked"), "{:?}", app.model.status);
}

// ---------------------------------------------------------------------------------------
// Rules for staff: refused moves, the typed override
// ---------------------------------------------------------------------------------------

/// Types `script` into Dee's session `n` form, presses Enter, and checks it was refused
/// on `field` with a message holding `why`; nothing is saved.
fn assert_refused(n: usize, script: &str, field: &str, why: &str) {
    let mut app = App::new();
    app.edit_session("p-dee", n);
    let before = app.places("p-dee");
    app.keys(script);
    assert!(
        app.form().refusals.iter().any(|r| r.contains(why)),
        "{:?}",
        app.form().refusals
    );
    app.keys("<Enter>");
    let (at, message) = app.form().first_error().expect("refused inline");
    assert_eq!(at, field, "{message}");
    assert!(
        message.starts_with("refused:") && message.contains(why),
        "{message}"
    );
    assert_eq!(app.places("p-dee"), before);
    assert_eq!(app.writes(), 0);
}

#[test]
fn a_move_onto_a_closed_day_is_refused_with_the_reason() {
    assert_refused(1, "<End><Backspace*2>29", session_form::DATE, "closed on Sundays");
    assert_refused(
        2,
        "<End><Backspace*2>25",
        session_form::DATE,
        "closed (Christmas)",
    );
}

#[test]
fn a_move_outside_opening_hours_is_refused_with_the_reason() {
    assert_refused(
        1,
        "<Tab><Backspace*5>17:30",
        session_form::TIME,
        "outside opening hours (09:00-18:00)",
    );
}

#[test]
fn a_double_booking_of_a_clinician_or_room_is_refused_with_the_reason() {
    // Eli has Ben and Room 2 on 2026-12-01 10:00.
    let to_eli = "<Backspace*10>2026-12-01<Tab><Backspace*5>10:00";
    assert_refused(
        1,
        &format!("{to_eli}<Tab><Tab><Right>"),
        session_form::CLINICIAN,
        "Ben Carter is already booked 10:00-11:00",
    );
    assert_refused(
        1,
        &format!("{to_eli}<Tab><Tab><Tab><Right>"),
        session_form::ROOM,
        "Room 2 is already booked 10:00-11:00",
    );
}

#[test]
fn a_booked_session_without_a_time_is_refused_and_a_planned_one_may_go_without() {
    // Session 3 (the last: no cascade question) with its time cleared.
    assert_refused(
        3,
        "<Tab><Backspace>",
        session_form::TIME,
        "the session of 2027-01-21 is booked without a time: give it a time (HH:MM), or leave it planned",
    );
    let mut app = App::new();
    app.edit_session("p-dee", 3);
    // Planned instead: it may wait for its time.
    app.keys("<Tab><Backspace><Tab><Left>");
    assert_eq!(app.form().shown(session_form::STATUS), "planned");
    assert!(app.form().refusals.is_empty(), "{:?}", app.form().refusals);
    app.keys("<Enter>");
    assert_eq!(app.model.overlay, Overlay::None);
    let s = &app.sessions("p-dee")[2];
    assert_eq!((s.status, s.time), (SessionStatus::Planned, None));
    // Booking it again needs the time.
    app.keys("e<Tab*2><Right>");
    assert_eq!(app.form().shown(session_form::STATUS), "booked");
    app.keys("<Enter>");
    let (field, message) = app.form().first_error().expect("refused inline");
    assert_eq!(field, session_form::TIME);
    assert!(message.contains("booked without a time"), "{message}");
    app.keys("11:00<Enter>");
    assert_eq!(app.model.overlay, Overlay::None);
    let s = &app.sessions("p-dee")[2];
    assert_eq!((s.status, s.time), (SessionStatus::Booked, Some(t("11:00"))));
    assert_eq!(app.writes(), 2);
}

#[test]
fn an_old_booking_without_a_time_left_where_it_is_only_warns() {
    let mut app = App::new();
    // Session 3 was booked without a time by an older version.
    let mut dee = app.patient("p-dee").clone();
    dee.series[0].sessions[2].time = None;
    dee.revision += 1;
    persist::apply_external(&mut app.model, vec![dee]);
    app.edit_session("p-dee", 3);
    // Only the notes change: saved, with the rule shown as a warning.
    app.keys("<Tab*5>patient asked for a call first");
    assert!(app.form().refusals.is_empty(), "{:?}", app.form().refusals);
    assert!(
        app.form()
            .warnings
            .iter()
            .any(|w| w.starts_with("as booked already: the session of 2027-01-21 is booked without a time")),
        "{:?}",
        app.form().warnings
    );
    app.keys("<Enter>");
    assert_eq!(app.model.overlay, Overlay::None);
    let s = &app.sessions("p-dee")[2];
    assert_eq!(
        (s.time, s.notes.as_str()),
        (None, "patient asked for a call first")
    );
    // The plan flags it until it gets a time.
    let screen = {
        let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 50)).unwrap();
        terminal.draw(|f| needleplan::ui::view(&app.model, f)).unwrap();
        terminal.backend().to_string()
    };
    assert!(screen.contains("now refused: no time"), "{screen}");
}

#[test]
fn a_proposed_row_without_a_time_is_refused_on_its_time() {
    let mut app = proposal_for_ann();
    app.keys("e<Tab><Backspace><Enter>");
    let form = app.preview().edit.clone().expect("still open");
    assert_eq!(
        form.first_error(),
        Some((
            preview::TIME,
            "a booked session needs a time: type HH:MM, e.g. 09:30"
        ))
    );
    assert!(app.preview().rows.iter().all(|r| r.time >= t("09:00")));
}

#[test]
fn too_close_is_refused_without_a_reason_and_saved_with_one() {
    let mut app = App::new();
    // Session 3, 2027-01-21 -> 2027-01-05: 12 days after session 2, minimum 14.
    app.edit_session("p-dee", 3);
    app.keys("<End><Backspace*5>01-05");
    assert!(
        app.form()
            .refusals
            .iter()
            .any(|r| r.contains("12 days from session 2"))
    );
    assert!(
        app.form()
            .notes
            .iter()
            .any(|n| n.contains("type a reason in Override reason"))
    );
    app.keys("<Enter>");
    assert!(
        app.form()
            .first_error()
            .is_some_and(|e| e.1.contains("minimum interval is 14 days"))
    );
    assert_eq!(app.writes(), 0);

    app.keys("<Up>skin healed early, clinician agreed<Enter>");
    assert_eq!(
        app.model.overlay,
        Overlay::None,
        "the last session: no cascade question"
    );
    let s = &app.sessions("p-dee")[2];
    assert_eq!(s.date, d("2027-01-05"));
    assert_eq!(
        s.interval_override.as_deref(),
        Some("skin healed early, clinician agreed")
    );
    assert_eq!(app.writes(), 1);
    app.assert_all_valid("p-dee");
}

// ---------------------------------------------------------------------------------------
// Reschedule with cascade
// ---------------------------------------------------------------------------------------

/// Dee's session 1 moved from Thu 2026-11-26 to `date` (09:30): the question is asked.
fn move_first_session(date: &str) -> App {
    let mut app = App::new();
    app.edit_session("p-dee", 1);
    app.keys(&format!("<Backspace*10>{date}<Enter>"));
    assert!(
        matches!(app.model.overlay, Overlay::Reschedule(_)),
        "{:?}",
        app.model.overlay
    );
    assert_eq!(app.writes(), 0, "nothing is saved before the answer");
    app
}

#[test]
fn cascade_y_shifts_every_later_session_by_the_same_amount_within_the_rules() {
    let mut app = move_first_session("2026-12-01");
    let Overlay::Reschedule(r) = &app.model.overlay else {
        unreachable!()
    };
    assert_eq!(r.headline(), "Session 1 moves by +5 days");
    assert_eq!(r.later_label(), "sessions 2-3");
    assert!(r.shifted.is_ok() && r.alone.is_ok());
    app.keys("y");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(
        app.places("p-dee"),
        ["2026-12-01 09:30", "2026-12-29 09:30", "2027-01-26 09:30"]
    );
    app.assert_all_valid("p-dee");
    assert_eq!(app.writes(), 1, "saved once");
    assert!(
        app.model
            .status
            .text
            .contains("moved by +5 days with sessions 2-3"),
        "{:?}",
        app.model.status
    );
}

#[test]
fn cascade_n_moves_only_the_session() {
    let mut app = move_first_session("2026-12-01");
    app.keys("n");
    assert_eq!(
        app.places("p-dee"),
        ["2026-12-01 09:30", "2026-12-24 09:30", "2027-01-21 09:30"]
    );
    app.assert_all_valid("p-dee");
    assert_eq!(app.writes(), 1);
}

#[test]
fn esc_in_the_cascade_question_goes_back_to_the_form_as_typed() {
    let mut app = move_first_session("2026-12-01");
    app.keys("<Esc>");
    assert_eq!(app.form().text(session_form::DATE), "2026-12-01");
    app.keys("<Esc>");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.writes(), 0);
}

#[test]
fn a_refused_cascade_shows_each_reason_and_y_does_nothing() {
    // +1 day puts session 2 on Christmas.
    let mut app = move_first_session("2026-11-27");
    let Overlay::Reschedule(r) = &app.model.overlay else {
        unreachable!()
    };
    let refused = r.shifted.clone().unwrap_err();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].0, 1);
    assert!(refused[0].1.to_string().contains("Christmas"));
    app.keys("y");
    assert!(
        matches!(app.model.overlay, Overlay::Reschedule(_)),
        "y is not available"
    );
    assert_eq!(app.model.status.kind, StatusKind::Error);
    assert!(app.model.status.text.contains("session 2") && app.model.status.text.contains("Christmas"));
    assert_eq!(app.writes(), 0);
    app.keys("n");
    assert_eq!(
        app.places("p-dee"),
        ["2026-11-27 09:30", "2026-12-24 09:30", "2027-01-21 09:30"]
    );
}

// ---------------------------------------------------------------------------------------
// Cancellation and no-show: a replacement is offered
// ---------------------------------------------------------------------------------------

#[test]
fn a_late_cancellation_is_recorded_and_y_books_the_offered_slot() {
    let mut app = App::new();
    app.edit_session("p-dee", 1);
    // booked -> cancelled; it starts in less than 24 h.
    app.keys("<Tab><Tab><Right><Right>");
    assert_eq!(app.form().shown(session_form::STATUS), "cancelled");
    app.keys("<Enter>");
    let cancelled = &app.sessions("p-dee")[0];
    assert_eq!(cancelled.status, SessionStatus::Cancelled);
    assert!(cancelled.cancelled_late, "less than 24 h before 2026-11-26 09:30");
    assert_eq!(app.writes(), 1);
    assert!(
        app.model.status.text.contains("cancelled late"),
        "{:?}",
        app.model.status
    );

    let Overlay::Rebook(offer) = &app.model.overlay else {
        panic!("expected the offer, found {:?}", app.model.overlay);
    };
    let slot = offer.slot.clone();
    assert!(
        slot.start() >= d("2026-11-26").and_time(t("10:30")),
        "after the cancelled visit: {slot:?}"
    );
    assert!(
        offer.slot_text(&app.model).contains("Amara Okafor in Room 1"),
        "{}",
        offer.slot_text(&app.model)
    );
    app.keys("y");
    assert_eq!(app.model.overlay, Overlay::None);
    let sessions = app.sessions("p-dee");
    assert_eq!(sessions.len(), 4);
    let added = sessions
        .iter()
        .find(|s| s.date == slot.date && s.time == Some(slot.time))
        .unwrap();
    assert_eq!(added.status, SessionStatus::Booked);
    assert_eq!(added.clinician.as_deref(), Some(slot.clinician.as_str()));
    assert!(
        sessions.windows(2).all(|w| w[0].starts_at() <= w[1].starts_at()),
        "sorted into the series"
    );
    app.assert_all_valid("p-dee");
    assert_eq!(app.writes(), 2);
    assert!(
        app.model.status.text.contains("replacement"),
        "{:?}",
        app.model.status
    );
}

#[test]
fn a_no_show_offers_a_slot_and_n_leaves_it() {
    let mut app = App::new();
    // An hour after session 2 began: the patient did not come.
    app.model.now = d("2026-12-24").and_hms_opt(10, 30, 0).unwrap();
    app.model.today = d("2026-12-24");
    app.edit_session("p-dee", 2);
    app.keys("<Tab><Tab><Right><Right><Right><Enter>");
    assert_eq!(app.sessions("p-dee")[1].status, SessionStatus::NoShow);
    assert!(matches!(app.model.overlay, Overlay::Rebook(_)));
    app.keys("x");
    assert!(
        matches!(app.model.overlay, Overlay::Rebook(_)),
        "x is not an answer"
    );
    app.keys("n");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.sessions("p-dee").len(), 3);
    assert_eq!(app.writes(), 1);
}

#[test]
fn without_any_free_slot_the_status_says_so() {
    let mut app = App::new();
    for c in &mut app.model.clinic.clinicians {
        c.active = false;
    }
    app.edit_session("p-dee", 3);
    app.keys("<Tab><Tab><Right><Right><Enter>");
    assert_eq!(app.model.overlay, Overlay::None);
    assert!(
        app.model.status.text.contains("no free slot"),
        "{:?}",
        app.model.status
    );
}

#[test]
fn the_new_keys_are_in_the_help() {
    use needleplan::app::preview::PREVIEW_KEYS;
    use needleplan::app::rebook::REBOOK_KEYS;
    use needleplan::app::reschedule::RESCHEDULE_KEYS;
    let mut model = Model::new(now(), Templates::builtin(), Vec::new())
        .with_clinic(needleplan::store::demo::demo_settings());
    model.overlay = Overlay::Help { scroll: 0 };
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 200)).unwrap();
    terminal.draw(|f| needleplan::ui::view(&model, f)).unwrap();
    let screen = terminal.backend().to_string();
    let helps = PREVIEW_KEYS
        .iter()
        .map(|b| (b.keys_label(), b.help))
        .chain(RESCHEDULE_KEYS.iter().map(|b| (b.keys_label(), b.help)))
        .chain(REBOOK_KEYS.iter().map(|b| (b.keys_label(), b.help)));
    for (keys, help) in helps {
        assert!(
            screen.lines().any(|l| l.contains(&keys) && l.contains(help)),
            "{keys}: {help}\n{screen}"
        );
    }
}

#[test]
fn a_session_still_to_come_cannot_be_a_no_show() {
    let mut app = App::new();
    // Session 2 is on 2026-12-24 09:30; it is 2026-11-25 10:00.
    app.edit_session("p-dee", 2);
    app.keys("<Tab><Tab><Right><Right><Right><Enter>");
    assert!(
        matches!(app.model.overlay, Overlay::Form(..)),
        "the form stays open"
    );
    let Overlay::Form(_, form) = &app.model.overlay else {
        unreachable!()
    };
    let why = form.error_of("status").expect("the status field says why");
    assert!(
        why.contains("2026-12-24 09:30 has not started yet") && why.contains("cannot be a no-show"),
        "{why}"
    );
    assert_eq!(app.sessions("p-dee")[1].status, SessionStatus::Booked);
    assert_eq!(app.writes(), 0, "nothing saved");
    // Half an hour after it began it can.
    app.keys("<Esc>");
    app.model.now = d("2026-12-24").and_hms_opt(10, 0, 0).unwrap();
    app.model.today = d("2026-12-24");
    app.keys("e<Tab><Tab><Right><Right><Right><Enter>");
    assert_eq!(app.sessions("p-dee")[1].status, SessionStatus::NoShow);
}
