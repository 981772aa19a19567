//! Random key sequences on every form: nothing panics, and whatever a form saves is
//! what it showed when Enter was pressed.
//!
//! Each case opens one form on a small clinic (by keys, as staff would), types a random
//! sequence of characters and editing keys (Tab, Shift-Tab, arrows, Home/End,
//! Backspace, Delete, Ctrl-U, Ctrl-W, Space, Enter), and before every Enter takes a
//! snapshot of what the form holds: its text fields and its chosen ids. When the Enter
//! saves, the saved record is compared with that snapshot. Runs in memory at a fixed
//! "now" (Wed 2026-11-25 10:00); nothing touches a data dir.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use needleplan::app::form::Form;
use needleplan::app::model::FormPurpose;
use needleplan::app::{Effect, Model, Overlay, handle_key, patient_form, preview, session_form};
use needleplan::domain::dates::{parse_date, parse_optional_time};
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::series::{Series, SeriesPlan};
use needleplan::store::templates::Templates;
use proptest::prelude::*;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn now() -> NaiveDateTime {
    d("2026-11-25").and_hms_opt(10, 0, 0).unwrap()
}

fn ann() -> Patient {
    let templates = Templates::builtin();
    let details = PatientDetails {
        full_name: "Ann Lee".into(),
        date_of_birth: Some(d("1990-06-02")),
        phone: "+44 7700 900001".into(),
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

fn model() -> Model {
    let mut m = Model::new(now(), Templates::builtin(), vec![ann()])
        .with_clinic(needleplan::store::demo::demo_settings());
    m.set_clinic(needleplan::store::demo::demo_settings());
    m
}

fn press(m: &mut Model, key: KeyEvent) -> Vec<Effect> {
    handle_key(m, key)
}

fn open(script: &[KeyCode]) -> Model {
    let mut m = model();
    for code in script {
        let mods = match code {
            KeyCode::Char(c) if c.is_uppercase() => KeyModifiers::SHIFT,
            _ => KeyModifiers::NONE,
        };
        press(&mut m, KeyEvent::new(*code, mods));
    }
    m
}

/// The keys a random sequence is made of.
fn key() -> impl Strategy<Value = KeyEvent> {
    let plain = |c| KeyEvent::new(c, KeyModifiers::NONE);
    prop_oneof![
        8 => proptest::char::ranges(vec!['0'..='9', 'a'..='c', '-'..='.'].into())
            .prop_map(move |c| plain(KeyCode::Char(c))),
        2 => prop_oneof![Just(':'), Just(' '), Just('ë'), Just('+'), Just('@'), Just('Z')]
            .prop_map(move |c| plain(KeyCode::Char(c))),
        2 => Just(plain(KeyCode::Tab)),
        1 => Just(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        1 => Just(plain(KeyCode::Up)),
        1 => Just(plain(KeyCode::Down)),
        2 => Just(plain(KeyCode::Left)),
        2 => Just(plain(KeyCode::Right)),
        1 => Just(plain(KeyCode::Home)),
        1 => Just(plain(KeyCode::End)),
        2 => Just(plain(KeyCode::Backspace)),
        1 => Just(plain(KeyCode::Delete)),
        1 => Just(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        1 => Just(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL)),
        1 => Just(plain(KeyCode::Enter)),
    ]
}

/// Whole values typed over a field (Ctrl-U first), so that saves happen often.
fn value() -> impl Strategy<Value = Vec<KeyEvent>> {
    let typed = |text: &str| {
        std::iter::once(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL))
            .chain(
                text.chars()
                    .map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            )
            .collect::<Vec<_>>()
    };
    prop_oneof![
        (1u32..=28).prop_map(move |day| typed(&format!("2026-12-{day:02}"))),
        (8u32..=17, prop_oneof![Just(0u32), Just(30)])
            .prop_map(move |(h, m)| typed(&format!("{h:02}:{m:02}"))),
        Just(typed("Zoë Ñúñez")),
    ]
}

/// One step: a key, or a colleague's settings save that makes a clinician or room
/// active or inactive while the form is open (taken in as the runtime's poll does).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Key(KeyEvent),
    Toggle { room: bool, index: usize },
}

fn keys() -> impl Strategy<Value = Vec<Step>> {
    let chunk = prop_oneof![
        12 => key().prop_map(|k| vec![Step::Key(k)]),
        3 => value().prop_map(|v| v.into_iter().map(Step::Key).collect()),
        1 => (any::<bool>(), 0usize..4).prop_map(|(room, index)| vec![Step::Toggle { room, index }]),
    ];
    proptest::collection::vec(chunk, 0..40).prop_map(|c| c.concat())
}

/// What a form held when Enter was pressed.
#[derive(Debug, Clone)]
struct Snapshot {
    purpose: Option<FormPurpose>,
    form: Form,
}

/// The form open on top, if any.
fn open_form(m: &Model) -> Option<Snapshot> {
    match &m.overlay {
        Overlay::Form(purpose, f) => Some(Snapshot {
            purpose: Some(purpose.clone()),
            form: f.clone(),
        }),
        Overlay::SeriesPreview(p) => p.edit.clone().map(|form| Snapshot { purpose: None, form }),
        _ => None,
    }
}

/// A saved patient's details equal what the form showed (trimmed, as saving trims).
fn check_patient(shown: &Form, p: &Patient) -> Result<(), TestCaseError> {
    let t = |n| shown.text(n).trim().to_string();
    prop_assert_eq!(&p.full_name, &t(patient_form::NAME));
    prop_assert_eq!(
        p.date_of_birth.map(|x| x.to_string()).unwrap_or_default(),
        parse_date(&t(patient_form::DATE_OF_BIRTH))
            .map(|x| x.to_string())
            .unwrap_or_default()
    );
    prop_assert_eq!(&p.phone, &t(patient_form::PHONE));
    prop_assert_eq!(&p.email, &t(patient_form::EMAIL));
    prop_assert_eq!(&p.notes, &t(patient_form::NOTES));
    Ok(())
}

/// A saved session equals what the session form showed.
fn check_session(shown: &Form, m: &Model, id: &PatientId) -> Result<(), TestCaseError> {
    let p = m.patient(id).unwrap();
    let s = &p.current_series().unwrap().sessions[m.session];
    prop_assert_eq!(s.date, parse_date(shown.text(session_form::DATE)).unwrap());
    prop_assert_eq!(
        s.time,
        parse_optional_time(shown.text(session_form::TIME)).unwrap()
    );
    prop_assert_eq!(Some(s.status.label()), shown.choice(session_form::STATUS));
    prop_assert_eq!(s.clinician.as_deref(), shown.choice(session_form::CLINICIAN));
    prop_assert_eq!(s.room.as_deref(), shown.choice(session_form::ROOM));
    prop_assert_eq!(s.notes.as_str(), shown.text(session_form::NOTES).trim());
    Ok(())
}

/// Saved settings hold what the settings form showed.
fn check_settings(shown: &Form, m: &Model) -> Result<(), TestCaseError> {
    use needleplan::app::settings::{CLOSES, DATE, OPENS, REASON, VALUE};
    let c = &m.clinic;
    if shown.title == "Clinic name" {
        prop_assert_eq!(c.name.as_str(), shown.text(VALUE).trim());
    } else if shown.has_field(OPENS) {
        let t = |n| NaiveTime::parse_from_str(shown.text(n).trim(), "%H:%M").unwrap();
        prop_assert!(
            c.hours
                .iter()
                .flatten()
                .any(|h| h.open == t(OPENS) && h.close == t(CLOSES))
        );
    } else if shown.has_field(DATE) {
        let date = parse_date(shown.text(DATE)).unwrap();
        let saved = c.closed_dates.iter().find(|x| x.date == date);
        prop_assert_eq!(saved.map(|x| x.reason.as_str()), Some(shown.text(REASON).trim()));
    }
    Ok(())
}

/// Types `keys` into the form that `opening` opens; checks every save against the
/// snapshot taken before its Enter.
fn run(opening: &[KeyCode], steps: &[Step]) -> Result<(), TestCaseError> {
    let mut m = open(opening);
    prop_assume!(open_form(&m).is_some());
    for step in steps {
        let key = match step {
            Step::Key(k) => k,
            Step::Toggle { room, index } => {
                let mut clinic = m.clinic.clone();
                let list = if *room {
                    &mut clinic.rooms
                } else {
                    &mut clinic.clinicians
                };
                let n = list.len();
                if let Some(r) = list.get_mut(index % n.max(1)) {
                    r.active = !r.active;
                }
                m.set_clinic(clinic);
                continue;
            }
        };
        let before = open_form(&m);
        let patients_before = m.patients.clone();
        let preview_rows = match &m.overlay {
            Overlay::SeriesPreview(p) => Some(p.rows.clone()),
            _ => None,
        };
        let effects = press(&mut m, *key);
        let Some(snap) = before else { break };
        if key.code != KeyCode::Enter {
            continue;
        }
        for e in &effects {
            let Effect::Save(id) = e else { continue };
            let saved = m.patient(id).unwrap();
            match &snap.purpose {
                Some(FormPurpose::AddPatient | FormPurpose::EditPatient(_)) => {
                    check_patient(&snap.form, saved)?;
                }
                Some(FormPurpose::EditSession(..) | FormPurpose::AddSession(_)) => {
                    check_session(&snap.form, &m, id)?;
                }
                _ => {}
            }
        }
        if effects.contains(&Effect::SaveClinic) {
            check_settings(&snap.form, &m)?;
        }
        // A preview row saved from its form holds the date, time, clinician and room shown.
        if let (Some(rows), Overlay::SeriesPreview(p)) = (preview_rows, &m.overlay)
            && p.edit.is_none()
            && p.rows != rows
        {
            let row = &p.rows[p.selected];
            let f = &snap.form;
            prop_assert_eq!(row.date, parse_date(f.text(preview::DATE)).unwrap());
            // Compared as times, as for the session form: every form reads "09:0" as 09:00.
            prop_assert_eq!(
                Some(row.time),
                parse_optional_time(f.text(preview::TIME)).unwrap()
            );
            prop_assert_eq!(Some(row.clinician.as_str()), f.choice(preview::CLINICIAN));
            prop_assert_eq!(Some(row.room.as_str()), f.choice(preview::ROOM));
        }
        // Nothing else changes a patient than a save that says so.
        if effects.is_empty() {
            prop_assert_eq!(&m.patients, &patients_before);
        }
    }
    Ok(())
}

use KeyCode::{Char, Enter, Tab};

proptest! {
    #[test]
    fn new_patient_form(keys in keys()) {
        run(&[Char('a')], &keys)?;
    }

    #[test]
    fn edit_patient_form(keys in keys()) {
        run(&[Char('e')], &keys)?;
    }

    #[test]
    fn edit_session_form(keys in keys()) {
        run(&[Tab, Char('e')], &keys)?;
    }

    #[test]
    fn add_session_form(keys in keys()) {
        run(&[Tab, Char('a')], &keys)?;
    }

    #[test]
    fn new_series_form(keys in keys()) {
        run(&[Char('n')], &keys)?;
    }

    #[test]
    fn preview_row_form(keys in keys()) {
        run(&[Char('n'), Tab, Char('2'), Char('0'), Char('2'), Char('6'), Char('-'), Char('1'),
              Char('2'), Char('-'), Char('0'), Char('1'), Enter, Char('j'), Char('e')], &keys)?;
    }

    #[test]
    fn skin_assessment_form(keys in keys()) {
        run(&[Char('4'), Char('p')], &keys)?;
    }

    #[test]
    fn chart_form(keys in keys()) {
        run(&[Char('4'), Char('c')], &keys)?;
    }

    #[test]
    fn settings_name_form(keys in keys()) {
        run(&[Char('5'), Enter], &keys)?;
    }

    #[test]
    fn settings_hours_form(keys in keys()) {
        run(&[Char('5'), Char('j'), Char('j'), Char('j'), Enter], &keys)?;
    }

    #[test]
    fn settings_closed_date_form(keys in keys()) {
        run(&[Char('5'), Tab, Tab, Char('a')], &keys)?;
    }
}
