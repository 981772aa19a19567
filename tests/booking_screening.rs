//! Key-sequence tests of issue 4's booking refusals, with a real store in a temp dir:
//! every path that books or moves a session (session form, series builder and its row
//! form, reschedule with cascade, replacement offer) asks the patient's screening, and
//! marking a session done asks what is missing before it. Plus issue 3's override
//! reason in the preview's row form, and snapshots of the refused session form and the
//! refused preview at 80x24 and 160x50. A booking that a later change (a closed date, a
//! contraindication) makes refused is flagged on its plan row.
//!
//! The clinic is the default one (Mon-Fri 09:00-18:00, Sat 09:00-13:00, Sunday closed;
//! Amara Okafor and Ben Carter; Room 1 and Room 2) at a fixed "now", Wed 2026-11-25
//! 10:00. Key scripts: plain characters are typed; `<Name>` is a named key, `<Name*N>`
//! repeats it.

mod common;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use needleplan::app::clinical_rules::screening_refusals;
use needleplan::app::form::Form;
use needleplan::app::message::{Msg, update};
use needleplan::app::model::StatusKind;
use needleplan::app::preview::{self, Preview};
use needleplan::app::series_form;
use needleplan::app::session_form::{self, OVERRIDE_HINT, Typed};
use needleplan::app::settings::conflict::look_at_file;
use needleplan::app::standing::refused_bookings;
use needleplan::app::{Model, Overlay, Pane, persist};
use needleplan::domain::clinic::ClosedDate;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::readiness::PhotoView;
use needleplan::domain::schedule::{Proposal, ProposalPlan, build_series};
use needleplan::domain::series::SessionStatus;
use needleplan::store::PatientStore;
use needleplan::store::clinic_file;
use needleplan::store::templates::Templates;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tempfile::TempDir;

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

/// Isotretinoin stopped 2026-08-31: six calendar months, clamped to February's end.
const ELIGIBLE: &str = "2027-02-28";
const WASHOUT: &str =
    "washout: Oral isotretinoin, last dose: last 2026-08-31, 6 months washout; earliest eligible 2027-02-28";

fn patient(id: &str, name: &str) -> Patient {
    let details = PatientDetails {
        full_name: name.into(),
        ..PatientDetails::default()
    };
    Patient::new(pid(id), details, d("2026-08-01"))
}

/// Every question of the template answered no and every washout "none".
fn answered_no(p: &mut Patient) {
    let s = Templates::builtin().screening;
    for id in s
        .absolute
        .iter()
        .chain(&s.relative)
        .map(|r| &r.id)
        .chain(s.prompts.iter().map(|p| &p.id))
    {
        p.screening.answers.insert(id.clone(), false);
    }
    for w in &s.washouts {
        p.screening.exposures.insert(w.id.clone(), None);
    }
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

fn row(date: &str, time: &str) -> Proposal {
    Proposal {
        date: d(date),
        time: t(time),
        minutes: 60,
        clinician: "amara".into(),
        room: "room-1".into(),
        gap_days: None,
    }
}

/// - Ann Lee: no series, nothing screened.
/// - Dee Park: one session booked today 09:00; screening answered (all no but a history
///   of cold sores), not reviewed; nothing prepared.
/// - Iris Tretinoin: isotretinoin last dose 2026-08-31 (eligible 2027-02-28); three
///   sessions booked before that was recorded, Wed 2026-12-02, 12-30 and 2027-01-27,
///   09:30 with Amara in Room 1.
/// - Pia Grant: pregnant (an absolute contraindication), no series.
fn clinic() -> Vec<Patient> {
    let ann = patient("p-ann", "Ann Lee");

    let mut dee = patient("p-dee", "Dee Park");
    answered_no(&mut dee);
    dee.screening.answers.insert("hsv_history".into(), true);
    dee.series.push(build_series(
        "x",
        "Acne scars",
        &plan("2026-11-25", 1),
        &[row("2026-11-25", "09:00")],
        d("2026-11-01"),
    ));

    let mut iris = patient("p-iris", "Iris Tretinoin");
    iris.screening
        .exposures
        .insert("isotretinoin".into(), Some(d("2026-08-31")));
    iris.series.push(build_series(
        "x",
        "Acne scars",
        &plan("2026-12-02", 3),
        &[
            row("2026-12-02", "09:30"),
            row("2026-12-30", "09:30"),
            row("2027-01-27", "09:30"),
        ],
        d("2026-11-01"),
    ));

    let mut pia = patient("p-pia", "Pia Grant");
    pia.screening.answers.insert("pregnancy".into(), true);
    vec![ann, dee, iris, pia]
}

struct App {
    model: Model,
    store: PatientStore,
    _dir: TempDir,
}

impl App {
    /// The clinic saved to a fresh temp dir, then loaded back from it.
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut store = PatientStore::open(dir.path()).unwrap();
        for p in clinic() {
            store.save(&p).unwrap();
        }
        let loaded = store.load_all().unwrap().patients;
        assert_eq!(loaded.len(), 4);
        // Acting as Dr Ama Osei (login `osei`): overrides carry that name.
        let mut model = Model::new(now(), Templates::builtin(), loaded)
            .with_clinic(needleplan::store::demo::demo_settings())
            .with_acting("osei");
        let mut clinic = model.clinic.clone();
        clinic.staff = vec![needleplan::domain::staff::StaffMember {
            login: "osei".into(),
            name: "Dr Ama Osei".into(),
            roles: vec![
                needleplan::domain::staff::Role::Admin,
                needleplan::domain::staff::Role::Clinician,
            ],
            clinician: None,
        }];
        model.set_clinic(clinic);
        Self {
            model,
            store,
            _dir: dir,
        }
    }

    fn keys(&mut self, script: &str) {
        type_keys(&mut self.model, &self.store, script);
    }

    fn select(&mut self, id: &str) {
        self.model.focus = Pane::Patients;
        self.keys("<Home>");
        while self.model.selected_id() != Some(pid(id)) {
            self.keys("j");
        }
    }

    /// The patient's plan focused on session `n` (1-based), with its form open.
    fn edit_session(&mut self, id: &str, n: usize) {
        self.select(id);
        self.keys("<Tab><Home>");
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

    /// The patient's record as it is on disk.
    fn on_disk(&self, id: &str) -> serde_json::Value {
        let bytes = std::fs::read(self.store.path_of(&pid(id))).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// The dates of the current series' sessions on disk.
    fn dates_on_disk(&self, id: &str) -> Vec<String> {
        let doc = self.on_disk(id);
        let series = doc["patient"]["series"].as_array().unwrap();
        series.last().unwrap()["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["date"].as_str().unwrap().to_string())
            .collect()
    }

    fn draw(&self, w: u16, h: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| needleplan::ui::view(&self.model, f)).unwrap();
        terminal.backend().to_string()
    }

    fn snap_both(&self, name: &str) {
        insta::assert_snapshot!(format!("{name}_80x24"), self.draw(80, 24));
        insta::assert_snapshot!(format!("{name}_160x50"), self.draw(160, 50));
    }
}

/// The consult screen's override of screening row `label`, typed as a clinician does:
/// 4, s, Down to the row, o, name, Tab, reason, Enter; then back to the patients.
fn override_by_keys(app: &mut App, label: &str, name: &str, reason: &str) {
    app.keys("4s");
    let rows = needleplan::app::consult::screening_rows(&app.model);
    let row = rows
        .iter()
        .position(|r| needleplan::app::consult::row_label(r) == label)
        .unwrap_or_else(|| panic!("no screening row {label}"));
    app.keys(&"j".repeat(row));
    // The name is the acting clinician's, never typed: only the reason is.
    assert_eq!(app.model.acting_name(), name);
    app.keys(&format!("o{reason}<Enter>"));
    assert!(
        matches!(app.model.overlay, Overlay::Screening { .. }),
        "the override form saved, back on the screening list"
    );
    app.keys("<Esc><Esc>");
}

// ---------------------------------------------------------------------------------------
// Session form
// ---------------------------------------------------------------------------------------

#[test]
fn the_session_form_refuses_a_date_in_the_washout_and_saves_one_after_it() {
    let mut app = App::new();
    app.select("p-iris");
    app.keys("<Tab>a");
    // One target interval after the last session (2027-02-24) is still in the washout:
    // the suggestion is the first open day from the eligible date (a Sunday) instead.
    assert_eq!(app.form().shown(session_form::DATE), "2027-03-01");
    assert!(
        app.form().title.ends_with("· not before 2027-02-28 (washout)"),
        "{}",
        app.form().title
    );
    assert!(app.form().refusals.is_empty(), "{:?}", app.form().refusals);
    // Typed back into the washout, it is refused as it is typed.
    app.keys("<Backspace*10>2027-02-24");
    assert_eq!(app.form().refusals, [WASHOUT]);
    let note = app.form().notes.join("\n");
    assert!(
        note.contains(
            "Esc, 4 (consult), s (screening), Up/Down to \"Oral isotretinoin, last dose\", o, their name and reason"
        ),
        "{note}"
    );

    // The interval's override reason does not lift a washout.
    app.keys("<Up>patient insists on an earlier date<Enter>");
    let (field, message) = app.form().first_error().expect("refused inline");
    assert_eq!(field, session_form::DATE, "{message}");
    assert_eq!(message, format!("refused: {WASHOUT}"));
    assert_eq!(app.dates_on_disk("p-iris").len(), 3, "nothing saved");

    // Re-checked as it is typed: the eligible day is a Sunday, the Monday is free.
    app.keys(&format!("<Backspace*10>{ELIGIBLE}"));
    assert!(app.form().refusals.iter().all(|r| !r.starts_with("washout")));
    assert!(
        app.form()
            .refusals
            .iter()
            .any(|r| r.contains("closed on Sundays"))
    );
    app.keys("<Backspace*5>03-01<Enter>");
    assert_eq!(app.model.overlay, Overlay::None, "{:?}", app.model.status);
    assert_eq!(
        app.dates_on_disk("p-iris"),
        ["2026-12-02", "2026-12-30", "2027-01-27", "2027-03-01"]
    );
    assert_eq!(app.model.status.kind, StatusKind::Saved);
}

#[test]
fn a_clinician_override_with_name_and_reason_lets_the_booking_through() {
    let mut app = App::new();
    app.select("p-iris");
    override_by_keys(
        &mut app,
        "Oral isotretinoin, last dose",
        "Dr Ama Osei",
        "course stopped after 2 weeks, cleared",
    );
    let doc = app.on_disk("p-iris");
    let o = &doc["patient"]["screening"]["overrides"][0];
    assert_eq!(o["target"], "washout:isotretinoin");
    assert_eq!(o["by"], "Dr Ama Osei");
    assert_eq!(o["reason"], "course stopped after 2 weeks, cleared");

    app.select("p-iris");
    app.keys("<Tab>a");
    assert!(app.form().refusals.is_empty(), "{:?}", app.form().refusals);
    app.keys("<Enter>");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.dates_on_disk("p-iris").last().unwrap(), "2027-02-24");
}

#[test]
fn a_session_left_where_it_is_only_warns_about_the_washout() {
    let mut app = App::new();
    app.edit_session("p-iris", 2);
    assert!(app.form().refusals.is_empty(), "{:?}", app.form().refusals);
    assert!(
        app.form()
            .warnings
            .contains(&format!("as booked already: {WASHOUT}")),
        "{:?}",
        app.form().warnings
    );
    app.keys("<Tab*5>called to confirm<Enter>");
    assert_eq!(app.model.overlay, Overlay::None);
    let doc = app.on_disk("p-iris");
    assert_eq!(
        doc["patient"]["series"][0]["sessions"][1]["notes"],
        "called to confirm"
    );
}

#[test]
fn the_cold_sore_prompt_shows_on_the_form_of_every_upcoming_session() {
    let mut app = App::new();
    app.edit_session("p-dee", 1);
    let prompt = &Templates::builtin().screening.prompts[0].prompt;
    let want = format!("before this session: {prompt}");
    assert!(app.form().notes.contains(&want), "{:?}", app.form().notes);
    // A cancelled session has nothing to prepare.
    app.keys("<Tab*2><Right*2>");
    assert_eq!(app.form().shown(session_form::STATUS), "cancelled");
    assert!(!app.form().notes.contains(&want), "{:?}", app.form().notes);
    app.keys("<Esc>");
    app.keys("a");
    assert!(
        app.form().notes.contains(&want),
        "a new session: {:?}",
        app.form().notes
    );
    // Iris has no history of cold sores.
    app.keys("<Esc>");
    app.edit_session("p-iris", 1);
    assert!(
        app.form()
            .notes
            .iter()
            .all(|n| !n.starts_with("before this session"))
    );
}

/// The screening covers sessions for 30 days after its review: booking one later is
/// allowed, and the form says a re-screen is needed (or that none was ever done).
#[test]
fn the_session_form_says_when_a_re_screen_is_needed() {
    let mut app = App::new();
    let dee = app
        .model
        .patients
        .iter_mut()
        .find(|p| p.id.as_str() == "p-dee")
        .unwrap();
    dee.screening.review("Dr Okafor", d("2026-11-20")).unwrap();
    app.edit_session("p-dee", 1);
    let rescreen = |app: &App| {
        app.form()
            .notes
            .iter()
            .find(|n| n.starts_with("re-screen needed") || n.starts_with("screening not reviewed"))
            .cloned()
    };
    assert_eq!(rescreen(&app), None, "today is covered by the review of 11-20");
    // Moved to a day more than 30 days after the review.
    app.keys("<Backspace*10>2026-12-28");
    assert_eq!(
        rescreen(&app).as_deref(),
        Some(
            "re-screen needed before this session: the screening was reviewed 2026-11-20 and covers sessions to 2026-12-20"
        )
    );
    assert!(app.form().refusals.is_empty(), "{:?}", app.form().refusals);
    // A patient never screened.
    app.keys("<Esc>");
    app.edit_session("p-iris", 1);
    assert_eq!(
        rescreen(&app).as_deref(),
        Some("screening not reviewed yet: a clinician reviews it before this session")
    );
}

// ---------------------------------------------------------------------------------------
// Marking a session done
// ---------------------------------------------------------------------------------------

#[test]
fn done_is_refused_while_anything_is_missing_and_allowed_once_all_is_recorded() {
    let mut app = App::new();
    app.edit_session("p-dee", 1);
    app.keys("<Tab*2><Right>");
    assert_eq!(app.form().shown(session_form::STATUS), "done");
    let refusal = app.form().refusals.join("\n");
    assert!(
        refusal.starts_with(
            "not ready to be marked done, missing: consent, photo consent, photo (front), photo (left), photo (right), screening not reviewed"
        ),
        "{refusal}"
    );
    assert!(
        refusal.contains("not confirmed: Antiviral prophylaxis"),
        "{refusal}"
    );
    let notes = app.form().notes.join("\n");
    assert!(
        notes.contains("Esc, 4 (consult), Up/Down to session 1, d (prep), Space ticks each"),
        "{notes}"
    );
    assert!(
        notes.contains("Esc, 4 (consult), s (screening): Space answers, r marks it reviewed"),
        "{notes}"
    );
    app.keys("<Enter>");
    let (field, message) = app.form().first_error().expect("refused inline");
    assert_eq!(field, session_form::STATUS);
    assert!(
        message.starts_with("refused: not ready to be marked done"),
        "{message}"
    );
    assert_eq!(
        app.on_disk("p-dee")["patient"]["series"][0]["sessions"][0]["status"],
        "booked"
    );
    app.keys("<Esc>");

    // Everything recorded on the consult screen, by the keys the notes name.
    app.keys("4d");
    let rows = 5 + 1; // two consents, three photos, the antiviral prompt
    for i in 0..rows {
        app.keys(if i == 0 { " " } else { "j " });
    }
    app.keys("<Esc>sr");
    app.keys("Dr Ama Osei<Enter><Esc><Esc>");
    let prep = &app.model.patient(&pid("p-dee")).unwrap().series[0].sessions[0].prep;
    assert_eq!(prep.photos.len(), PhotoView::ALL.len());

    app.edit_session("p-dee", 1);
    app.keys("<Tab*2><Right>");
    assert!(app.form().refusals.is_empty(), "{:?}", app.form().refusals);
    app.keys("<Enter>");
    assert_eq!(app.model.overlay, Overlay::None, "{:?}", app.model.status);
    let doc = app.on_disk("p-dee");
    let session = &doc["patient"]["series"][0]["sessions"][0];
    assert_eq!(session["status"], "done");
    assert!(!session["checklist"].as_array().unwrap().is_empty());
    assert_eq!(session["prep"]["consent_signed"], "2026-11-25");
}

// ---------------------------------------------------------------------------------------
// Reschedule with cascade, and the replacement offer
// ---------------------------------------------------------------------------------------

#[test]
fn a_move_with_a_cascade_is_refused_in_the_washout_and_shifts_everything_after_it() {
    let mut app = App::new();
    app.edit_session("p-iris", 1);
    app.keys("<End><Backspace*2>03");
    assert_eq!(app.form().refusals, [WASHOUT]);
    app.keys("<Enter>");
    assert!(
        matches!(app.model.overlay, Overlay::Form(..)),
        "no cascade question for a refused date"
    );
    assert_eq!(app.form().first_error().map(|e| e.0), Some(session_form::DATE));

    app.keys("<Backspace*10>2027-03-01<Enter>");
    let Overlay::Reschedule(r) = &app.model.overlay else {
        panic!("expected the cascade question, found {:?}", app.model.overlay);
    };
    assert!(r.shifted.is_ok(), "{:?}", r.shifted);
    app.keys("y");
    assert_eq!(app.model.overlay, Overlay::None, "{:?}", app.model.status);
    assert_eq!(
        app.dates_on_disk("p-iris"),
        ["2027-03-01", "2027-03-29", "2027-04-26"]
    );
}

#[test]
fn a_cascade_into_the_washout_is_refused_for_each_session_it_would_put_there() {
    // The form refuses the moved session's own date first; the question checks every
    // shifted session again, so it is asked here directly with a date the form let by.
    let mut app = App::new();
    app.select("p-iris");
    let f = session_form::edit_form(&app.model, &pid("p-iris"), 0).unwrap();
    let typed = Typed {
        date: d("2026-12-03"),
        time: Some(t("09:30")),
        status: SessionStatus::Booked,
        clinician: Some("amara".into()),
        room: Some("room-1".into()),
        notes: String::new(),
        reason: String::new(),
    };
    needleplan::app::reschedule::open(&mut app.model, &pid("p-iris"), 0, typed, f);
    let Overlay::Reschedule(r) = &app.model.overlay else {
        panic!("expected the cascade question");
    };
    let refused = r.shifted.clone().unwrap_err();
    let sessions: Vec<usize> = refused.iter().map(|(i, _)| *i).collect();
    assert_eq!(sessions, [0, 1, 2], "{refused:?}");
    assert!(refused.iter().all(|(_, why)| why == WASHOUT), "{refused:?}");
    assert!(r.alone.is_err());
    assert!(
        r.screening_note
            .as_deref()
            .is_some_and(|n| n.contains("\"Oral isotretinoin, last dose\"")),
        "{:?}",
        r.screening_note
    );
    app.keys("y");
    assert!(matches!(app.model.overlay, Overlay::Reschedule(_)));
    assert_eq!(app.model.status.kind, StatusKind::Error);
    assert!(app.model.status.text.contains(WASHOUT), "{:?}", app.model.status);
    app.keys("n");
    assert!(matches!(app.model.overlay, Overlay::Reschedule(_)));
    assert_eq!(app.dates_on_disk("p-iris")[0], "2026-12-02", "nothing moved");
}

#[test]
fn a_replacement_is_offered_only_on_or_after_the_eligible_date() {
    let mut app = App::new();
    app.edit_session("p-iris", 1);
    app.keys("<Tab*2><Right*2>");
    assert_eq!(app.form().shown(session_form::STATUS), "cancelled");
    app.keys("<Enter>");
    let Overlay::Rebook(offer) = &app.model.overlay else {
        panic!("expected the offer, found {:?}", app.model.overlay);
    };
    assert_eq!(
        offer.slot.date,
        d("2027-03-01"),
        "the first open day from {ELIGIBLE}"
    );
    assert_eq!(
        offer.eligible_note.as_deref(),
        Some("not before 2027-02-28, the earliest eligible date (Oral isotretinoin, last dose washout)")
    );
    let screen = app.draw(160, 50);
    assert!(screen.contains("not before 2027-02-28"), "{screen}");
    app.keys("y");
    assert_eq!(app.model.overlay, Overlay::None);
    let dates = app.dates_on_disk("p-iris");
    assert!(dates.contains(&"2027-03-01".to_string()), "{dates:?}");
    let iris = app.model.patient(&pid("p-iris")).unwrap();
    assert!(screening_refusals(&app.model, iris, d("2027-03-01")).is_empty());
}

#[test]
fn no_replacement_is_offered_while_an_absolute_contraindication_is_open() {
    let mut app = App::new();
    let mut pia = app.model.patient(&pid("p-pia")).unwrap().clone();
    pia.series.push(build_series(
        "x",
        "Acne scars",
        &plan("2026-12-02", 1),
        &[row("2026-12-02", "09:30")],
        d("2026-11-01"),
    ));
    let effect = app.model.put_patient(pia);
    persist::run_effects(&mut app.model, vec![effect], &app.store);
    app.edit_session("p-pia", 1);
    app.keys("<Tab*2><Right*2><Enter>");
    assert_eq!(app.model.overlay, Overlay::None, "no offer");
    let text = &app.model.status.text;
    assert!(
        text.contains("no replacement is offered: absolute contraindication: Pregnancy"),
        "{text}"
    );
    assert!(text.contains("Up/Down to \"Pregnancy\", o"), "{text}");
}

// ---------------------------------------------------------------------------------------
// Series builder
// ---------------------------------------------------------------------------------------

#[test]
fn the_builder_suggests_and_keeps_the_first_date_at_the_eligible_date() {
    let mut app = App::new();
    app.select("p-iris");
    app.keys("n");
    assert_eq!(app.form().shown(series_form::START), ELIGIBLE, "suggested");
    assert!(
        app.form()
            .notes
            .iter()
            .any(|n| n.starts_with("first date suggested on 2027-02-28")),
        "{:?}",
        app.form().notes
    );
    app.keys("<Tab><Backspace*10>2026-12-01<Enter>");
    let p = app.preview();
    assert!(
        p.notes.contains(
            &"first date moved from 2026-12-01 to 2027-02-28, the earliest eligible date (Oral isotretinoin, last dose washout)"
                .to_string()
        ),
        "{:?}",
        p.notes
    );
    assert_eq!(p.rows[0].date, d("2027-03-01"), "Sunday closed: the Monday");
    assert!(p.refused_rows().is_empty(), "{:?}", p.screening);

    // A row edited into the washout is refused as it is typed and cannot be saved.
    app.keys("e<Backspace*10>2027-02-27");
    let form = app.preview().edit.clone().unwrap();
    assert_eq!(form.refusals, [WASHOUT], "a Saturday, open: only the washout");
    assert!(form.notes.iter().any(|n| n.contains("o, their name and reason")));
    app.keys("<Enter>");
    let form = app.preview().edit.clone().expect("still open");
    assert_eq!(
        form.first_error(),
        Some((preview::DATE, format!("refused: {WASHOUT}").as_str()))
    );
    app.keys("<Esc>c");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.dates_on_disk("p-iris")[0], "2027-03-01");
    assert_eq!(
        app.on_disk("p-iris")["patient"]["series"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn every_row_is_refused_while_a_contraindication_is_open_until_a_clinician_overrides_it() {
    let mut app = App::new();
    app.select("p-pia");
    app.keys("n<Tab>2026-12-01<Enter>");
    let p = app.preview();
    assert_eq!(p.refused_rows(), [0, 1, 2]);
    assert_eq!(p.row_refusals(0), ["absolute contraindication: Pregnancy"]);
    let screen = app.draw(160, 50);
    assert!(
        screen.contains("✗ sessions 1, 2, 3: absolute contraindication: Pregnancy"),
        "{screen}"
    );
    app.keys("c");
    assert!(matches!(app.model.overlay, Overlay::SeriesPreview(_)));
    assert_eq!(app.model.status.kind, StatusKind::Error);
    assert!(
        app.model
            .status
            .text
            .contains("session 1 is refused (absolute contraindication: Pregnancy)"),
        "{:?}",
        app.model.status
    );
    assert!(
        app.on_disk("p-pia")["patient"]["series"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    app.keys("<Esc>");

    override_by_keys(&mut app, "Pregnancy", "Dr Ama Osei", "post-partum, cleared by GP");
    app.select("p-pia");
    app.keys("n<Tab>2026-12-01<Enter>");
    assert!(app.preview().refused_rows().is_empty());
    app.keys("c");
    assert_eq!(app.model.overlay, Overlay::None);
    assert_eq!(app.dates_on_disk("p-pia").len(), 3);
}

// ---------------------------------------------------------------------------------------
// Issue 3: the override reason in the preview's row form
// ---------------------------------------------------------------------------------------

#[test]
fn a_preview_row_below_the_minimum_interval_books_only_with_a_typed_reason() {
    let mut app = App::new();
    app.select("p-ann");
    app.keys("n<Tab>2026-12-01<Tab>10:00<Enter>");
    let first = app.preview().rows[0].clone();
    // Ten days after the first session, on a weekday: closer than the minimum of 14.
    let mut close = first.date + chrono::Days::new(10);
    while matches!(close.weekday(), Weekday::Sat | Weekday::Sun) {
        close = close.pred_opt().unwrap();
    }
    let gap = (close - first.date).num_days();
    app.keys(&format!("je<Backspace*10>{close}"));
    let form = app.preview().edit.clone().unwrap();
    let labels: Vec<&str> = form.fields.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(labels, ["Date", "Time", "Clinician", "Room", "Override reason"]);
    assert!(
        form.refusals
            .iter()
            .any(|r| r.contains(&format!("{gap} days from session 1"))),
        "{:?}",
        form.refusals
    );
    assert!(
        form.notes.contains(&OVERRIDE_HINT.to_string()),
        "{:?}",
        form.notes
    );
    app.keys("<Enter>");
    let form = app.preview().edit.clone().unwrap();
    assert_eq!(form.first_error().map(|e| e.0), Some(preview::DATE));

    // Too short a reason does not count, and says so on its field.
    app.keys("<Up>ok<Enter>");
    let form = app.preview().edit.clone().unwrap();
    assert_eq!(form.first_error().map(|e| e.0), Some(preview::REASON));
    app.keys("ay, travelling abroad for six weeks");
    let form = app.preview().edit.clone().unwrap();
    assert!(form.refusals.is_empty(), "{:?}", form.refusals);
    assert!(
        form.warnings
            .iter()
            .any(|w| w.starts_with("minimum interval overridden"))
    );
    app.keys("<Enter>");
    let p = app.preview();
    assert!(p.edit.is_none());
    assert!(p.refused_rows().is_empty(), "{:?}", p.problems);
    let screen = app.draw(160, 50);
    assert!(screen.contains("⚠ override"), "{screen}");
    assert!(screen.contains("; overridden: okay, travelling"), "{screen}");

    app.keys("c");
    assert_eq!(app.model.overlay, Overlay::None, "{:?}", app.model.status);
    assert!(
        app.model
            .status
            .text
            .contains("minimum interval overridden for session 2"),
        "{:?}",
        app.model.status
    );
    let doc = app.on_disk("p-ann");
    let sessions = doc["patient"]["series"][0]["sessions"].as_array().unwrap();
    assert_eq!(sessions[1]["date"], close.to_string());
    assert_eq!(
        sessions[1]["interval_override"],
        "okay, travelling abroad for six weeks"
    );
    assert!(sessions[0].get("interval_override").is_none_or(|v| v.is_null()));
    assert!(sessions[2].get("interval_override").is_none_or(|v| v.is_null()));
}

#[test]
fn a_reason_on_a_row_that_is_not_too_close_is_not_kept() {
    let mut app = App::new();
    app.select("p-ann");
    app.keys("n<Tab>2026-12-01<Tab>10:00<Enter>");
    app.keys("je<Tab*4>no need for this<Enter>");
    let p = app.preview();
    assert!(p.edit.is_none());
    assert_eq!(p.reasons, [None, None, None]);
    app.keys("c");
    let doc = app.on_disk("p-ann");
    let sessions = doc["patient"]["series"][0]["sessions"].as_array().unwrap();
    assert!(
        sessions
            .iter()
            .all(|s| s.get("interval_override").is_none_or(|v| v.is_null()))
    );
}

// ---------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------

#[test]
fn snapshot_of_the_session_form_refused_by_the_washout() {
    let mut app = App::new();
    app.select("p-iris");
    app.keys("<Tab>a<Backspace*10>2027-02-24");
    assert_eq!(app.form().refusals, [WASHOUT]);
    app.snap_both("session_form_washout_refused");
}

#[test]
fn snapshot_of_the_session_form_refusing_done() {
    let mut app = App::new();
    app.edit_session("p-dee", 1);
    app.keys("<Tab*2><Right><Enter>");
    assert!(app.form().first_error().is_some());
    app.snap_both("session_form_done_refused");
}

#[test]
fn snapshot_of_the_preview_refused_by_the_screening() {
    let mut app = App::new();
    app.select("p-pia");
    app.keys("n<Tab>2026-12-01<Enter>");
    assert_eq!(app.preview().refused_rows(), [0, 1, 2]);
    app.snap_both("preview_screening_refused");
}

// ---------------------------------------------------------------------------------------
// Bookings a later change refuses
// ---------------------------------------------------------------------------------------

/// The reasons the plan flags the patient's booked sessions with (index -> full texts).
fn flags(app: &App, id: &str) -> Vec<(usize, Vec<String>)> {
    refused_bookings(&app.model, app.model.patient(&pid(id)).unwrap())
        .into_iter()
        .map(|(i, r)| (i, r.into_iter().map(|r| r.full).collect()))
        .collect()
}

#[test]
fn a_closed_date_added_on_a_booked_day_flags_the_plan_row_with_the_reason() {
    let mut app = App::new();
    app.select("p-dee");
    assert!(flags(&app, "p-dee").is_empty());
    assert!(!app.draw(160, 50).contains("now refused"));
    // A colleague closes the clinic on Dee's day (today); their instance saves
    // clinic.json and this one reads it as it does every second.
    let mut settings = app.model.clinic.clone();
    settings.closed_dates.push(ClosedDate {
        date: d("2026-11-25"),
        reason: "burst pipe".into(),
    });
    clinic_file::save(app._dir.path(), &settings).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    let seen = look_at_file(&app.model, app._dir.path(), later).expect("the file changed");
    update(&mut app.model, Msg::ClinicChanged(seen));
    assert_eq!(
        flags(&app, "p-dee"),
        [(
            0,
            vec!["2026-11-25: the clinic is closed (burst pipe)".to_string()]
        )]
    );
    let screen = app.draw(160, 50);
    assert!(
        screen.contains("!booked          now refused: closed (burst pipe)"),
        "{screen}"
    );
    assert!(
        screen.contains(
            "Session 1 is booked but now refused: 2026-11-25: the clinic is closed (burst pipe). Move it"
        ),
        "{screen}"
    );
    app.snap_both("plan_booking_now_refused");
    // Nothing was moved or cancelled by itself.
    assert_eq!(app.dates_on_disk("p-dee"), ["2026-11-25"]);
}

#[test]
fn a_contraindication_recorded_after_booking_flags_the_row_until_a_clinician_overrides() {
    let mut app = App::new();
    app.select("p-dee");
    // The clinician answers "pregnancy" yes on the consult screen (Space: no -> yes).
    let rows = needleplan::app::consult::screening_rows(&app.model);
    let row = rows
        .iter()
        .position(|r| needleplan::app::consult::row_label(r) == "Pregnancy")
        .unwrap();
    app.keys("4s");
    app.keys(&"j".repeat(row));
    app.keys(" <Esc><Esc>");
    assert_eq!(
        flags(&app, "p-dee"),
        [(0, vec!["absolute contraindication: Pregnancy".to_string()])]
    );
    let screen = app.draw(160, 50);
    assert!(
        screen.contains("now refused: contraindication: Pregnancy"),
        "{screen}"
    );
    // Planned or past sessions are not flagged, only booked ones to come.
    let mut planned = app.model.patient(&pid("p-dee")).unwrap().clone();
    planned.series[0].sessions[0].status = SessionStatus::Planned;
    assert!(refused_bookings(&app.model, &planned).is_empty());
    override_by_keys(
        &mut app,
        "Pregnancy",
        "Dr Ama Osei",
        "early, cleared by her obstetrician",
    );
    assert!(flags(&app, "p-dee").is_empty());
    assert!(!app.draw(160, 50).contains("now refused"));
}

#[test]
fn bookings_inside_a_washout_recorded_after_them_are_flagged_with_the_eligible_date() {
    let mut app = App::new();
    app.select("p-iris");
    let f = flags(&app, "p-iris");
    assert_eq!(f.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(f[0].1, [WASHOUT]);
    let screen = app.draw(160, 50);
    assert!(
        screen.contains("!booked          now refused: washout, eligible 2027-02-28"),
        "{screen}"
    );
}
