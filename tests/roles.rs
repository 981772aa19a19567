//! Staff and roles (issue 10, item 1), driven by keys over a temporary data dir whose
//! `clinic.json` lists the staff. The acting login is set with the test-only
//! `Model::with_acting` (the real one comes from the process's uid, see
//! `tests/acting_env.rs`). Each test works in its own temporary dir.

use std::fs;

use chrono::{Local, NaiveDate, NaiveTime, TimeDelta};
use needleplan::app::model::{Effect, FormPurpose, Overlay, StatusKind};
use needleplan::app::screen::ScreenId;
use needleplan::app::{Model, handle_key};
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::series::{Series, SeriesPlan};
use needleplan::runtime;
use needleplan::store::templates::Templates;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
use tempfile::TempDir;

use KeyCode::{Char, Down, Enter, Esc, Tab};

const FRONT_DESK_SCREENING: &str =
    "needs a clinician to change screening: you are Fred Reception (front desk)";

fn today() -> NaiveDate {
    Local::now().date_naive()
}

fn patient() -> Patient {
    let t = Templates::builtin();
    let details = PatientDetails {
        full_name: "Test Person".into(),
        phone: "+44 7700 900111".into(),
        ..PatientDetails::default()
    };
    let mut p = Patient::new(PatientId::new("p-0000roles").unwrap(), details, today());
    let ten = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
    let plan = SeriesPlan::from_protocol(&t.protocols[0], today() + TimeDelta::days(14), Some(ten));
    p.series.push(Series::from_plan(&plan, today()));
    p
}

/// A data dir whose clinic.json lists Amara (admin and clinician) and Fred (front
/// desk); `staff: false` writes the same clinic without a staff list.
fn data_dir(staff: bool) -> TempDir {
    let dir = private_dir();
    let mut clinic = serde_json::to_value(needleplan::store::demo::demo_settings()).unwrap();
    clinic["schema_version"] = json!(2);
    clinic["revision"] = json!(1);
    if staff {
        clinic["staff"] = json!([
            {"login": "amara", "name": "Amara Okafor", "roles": ["admin", "clinician"], "clinician": "amara"},
            {"login": "fred", "name": "Fred Reception", "roles": ["front_desk"]}
        ]);
    }
    let file = dir.path().join("clinic.json");
    fs::write(&file, clinic.to_string()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    }
    dir
}

/// A new temporary dir, private as a data dir should be (no permission warning at start).
fn private_dir() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
    }
    dir
}

/// The model over `dir`, acting as `login`, with one patient selected.
fn model(dir: &TempDir, login: &str) -> Model {
    let (m, _store) = runtime::load(dir.path(), None).unwrap();
    let mut m = m.with_acting(login);
    m.replace_from_disk(patient());
    m
}

fn press(m: &mut Model, keys: &[KeyCode]) -> Vec<Effect> {
    keys.iter()
        .flat_map(|k| handle_key(m, KeyEvent::new(*k, KeyModifiers::NONE)))
        .collect()
}

fn refused(m: &Model, text: &str) {
    assert_eq!(m.status.kind, StatusKind::Error, "{:?}", m.status);
    assert_eq!(m.status.text, text);
}

#[test]
fn the_staff_list_loads_and_the_acting_login_is_resolved_against_it() {
    let dir = data_dir(true);
    let m = model(&dir, "fred");
    assert_eq!(m.clinic.staff.len(), 2);
    assert_eq!(m.acting_name(), "Fred Reception");
    assert_eq!(model(&dir, "amara").acting_name(), "Amara Okafor");
}

#[test]
fn front_desk_cannot_answer_screening_and_the_message_names_the_role() {
    let dir = data_dir(true);
    let mut m = model(&dir, "fred");
    let before = m.selected_patient().unwrap().clone();
    press(&mut m, &[Char('4')]);
    assert_eq!(m.screen, ScreenId::Consult);
    // The list opens to be read; Space (answer) and d (date) are refused.
    press(&mut m, &[Char('s')]);
    let effects = press(&mut m, &[Char(' ')]);
    assert!(effects.is_empty());
    refused(&m, FRONT_DESK_SCREENING);
    press(&mut m, &[Char('r')]);
    refused(&m, FRONT_DESK_SCREENING);
    assert!(matches!(m.overlay, Overlay::Screening { .. }), "no form opened");
    assert_eq!(m.selected_patient().unwrap(), &before, "nothing changed");
}

#[test]
fn front_desk_cannot_override_acknowledge_assess_chart_or_sign() {
    let dir = data_dir(true);
    let mut m = model(&dir, "fred");
    press(&mut m, &[Char('4'), Char('s'), Char('o')]);
    refused(
        &m,
        "needs a clinician to override a clinical rule: you are Fred Reception (front desk)",
    );
    press(&mut m, &[Char('a')]);
    refused(
        &m,
        "needs a clinician to override a clinical rule: you are Fred Reception (front desk)",
    );
    press(&mut m, &[Esc, Char('S')]);
    refused(
        &m,
        "needs a clinician to sign charts: you are Fred Reception (front desk)",
    );
    press(&mut m, &[Char('p')]);
    refused(
        &m,
        "needs a clinician to change the skin profile: you are Fred Reception (front desk)",
    );
    press(&mut m, &[Char('c')]);
    refused(
        &m,
        "needs a clinician to change charts: you are Fred Reception (front desk)",
    );
    assert!(!matches!(m.overlay, Overlay::Form(..)), "no form opened");
}

#[test]
fn a_clinician_answers_screening() {
    let dir = data_dir(true);
    let mut m = model(&dir, "amara");
    press(&mut m, &[Char('4'), Char('s')]);
    let effects = press(&mut m, &[Char(' ')]);
    assert_eq!(effects.len(), 1, "saved: {:?}", m.status);
    assert_eq!(m.selected_patient().unwrap().screening.answers.len(), 1);
}

#[test]
fn front_desk_adds_patients_and_books_but_cannot_change_settings() {
    let dir = data_dir(true);
    let mut m = model(&dir, "fred");
    press(&mut m, &[Char('a')]);
    assert!(matches!(m.overlay, Overlay::Form(FormPurpose::AddPatient, _)));
    press(&mut m, &[Esc, Tab, Char('a')]);
    assert!(
        matches!(m.overlay, Overlay::Form(FormPurpose::AddSession(_), _)),
        "{:?}",
        m.status
    );
    press(&mut m, &[Esc, Char('5'), Enter]);
    assert_eq!(m.screen, ScreenId::Settings);
    refused(
        &m,
        "needs an admin to change settings: you are Fred Reception (front desk)",
    );
    assert!(!matches!(m.overlay, Overlay::Form(..)));
}

#[test]
fn a_login_not_on_the_list_is_read_only_and_told_who_can_add_it() {
    let dir = data_dir(true);
    let mut m = model(&dir, "bob");
    let msg =
        "login 'bob' is not on the staff list: read-only; Amara Okafor (admin) can add it in Settings (5)";
    press(&mut m, &[Char('a')]);
    refused(&m, msg);
    assert_eq!(m.overlay, Overlay::None);
    press(&mut m, &[Char('e')]);
    refused(&m, msg);
    press(&mut m, &[Char('n')]);
    refused(&m, msg);
    press(&mut m, &[Char('4'), Char('s'), Char(' ')]);
    refused(&m, msg);
    // Reading is fine: the list moves.
    press(&mut m, &[Down]);
    assert!(matches!(m.overlay, Overlay::Screening { row: 1 }));
}

#[test]
fn the_start_message_names_an_unlisted_login_and_a_missing_staff_list() {
    // The real login is not "amara" or "fred" on a test machine (if it is, the
    // message below would not show, which the assertion says).
    let dir = data_dir(true);
    let (m, _) = runtime::load(dir.path(), None).unwrap();
    if !["amara", "fred"].contains(&m.acting_login()) {
        assert!(
            m.status.text.starts_with(&format!(
                "login '{}' is not on the staff list: read-only",
                m.acting_login()
            )),
            "{:?}",
            m.status
        );
    }
    let dir = data_dir(false);
    let (m, _) = runtime::load(dir.path(), None).unwrap();
    assert_eq!(
        m.status.text,
        "no staff list yet: anyone can change anything; an admin adds staff in Settings (5)"
    );
}

#[test]
fn without_a_staff_list_anyone_may_change_anything() {
    let dir = data_dir(false);
    let mut m = model(&dir, "bob");
    press(&mut m, &[Char('4'), Char('s')]);
    assert_eq!(press(&mut m, &[Char(' ')]).len(), 1);
}

#[test]
fn a_new_data_dir_makes_its_first_user_admin_and_clinician() {
    let dir = private_dir();
    let (m, _) = runtime::load(dir.path(), None).unwrap();
    let login = m.acting_login().to_string();
    assert_eq!(m.clinic.staff.len(), 1);
    let me = &m.clinic.staff[0];
    assert_eq!(me.login, login);
    assert_eq!(me.roles_text(), "clinician, admin");
    assert!(
        !m.status.text.contains("staff list"),
        "no staff warning for the first user: {:?}",
        m.status
    );
}

/// The settings screen with the cursor on the first row of the Staff section.
fn on_staff_section(m: &mut Model) {
    press(m, &[Char('5')]);
    assert_eq!(m.screen, ScreenId::Settings);
    for _ in 0..6 {
        press(m, &[Tab]);
    }
}

fn type_text(m: &mut Model, text: &str) {
    for c in text.chars() {
        press(m, &[Char(c)]);
    }
}

#[test]
fn an_admin_adds_a_front_desk_member_in_settings_and_they_act_as_front_desk() {
    let dir = data_dir(true);
    let mut m = model(&dir, "amara");
    on_staff_section(&mut m);
    press(&mut m, &[Char('a')]);
    assert!(
        matches!(m.overlay, Overlay::Form(FormPurpose::Settings(_), _)),
        "{:?}",
        m.status
    );
    type_text(&mut m, "gina");
    press(&mut m, &[Tab]);
    type_text(&mut m, "Gina Desk");
    press(&mut m, &[Tab, KeyCode::Right]); // front desk: yes
    let effects = press(&mut m, &[Enter]);
    assert_eq!(effects, vec![Effect::SaveClinic], "{:?}", m.status);
    let gina = m.clinic.staff.iter().find(|s| s.login == "gina").unwrap();
    assert_eq!(
        (gina.name.as_str(), gina.roles_text()),
        ("Gina Desk", "front desk".into())
    );
    // The new entry applies at once to whoever runs as that login.
    let mut g = m.with_acting("gina");
    press(&mut g, &[Esc, Char('4'), Char('S')]);
    refused(
        &g,
        "needs a clinician to sign charts: you are Gina Desk (front desk)",
    );
}

#[test]
fn a_staff_entry_without_a_role_or_with_a_login_taken_is_refused_on_its_field() {
    let dir = data_dir(true);
    let mut m = model(&dir, "amara");
    on_staff_section(&mut m);
    press(&mut m, &[Char('a')]);
    type_text(&mut m, "gina");
    press(&mut m, &[Tab]);
    type_text(&mut m, "Gina Desk");
    assert!(press(&mut m, &[Enter]).is_empty());
    let Overlay::Form(_, f) = &m.overlay else {
        panic!("the form stays open: {:?}", m.overlay)
    };
    assert_eq!(f.error_of("admin"), Some("at least one role is needed"));
    press(&mut m, &[Esc, Char('a')]);
    type_text(&mut m, "fred");
    press(&mut m, &[Tab]);
    type_text(&mut m, "Fred Again");
    press(&mut m, &[Tab, Tab, Tab, KeyCode::Right]); // admin: yes
    assert!(press(&mut m, &[Enter]).is_empty());
    let Overlay::Form(_, f) = &m.overlay else {
        panic!("the form stays open: {:?}", m.overlay)
    };
    assert_eq!(f.error_of("login"), Some("'fred' is listed twice"));
    assert_eq!(m.clinic.staff.len(), 2, "nothing added");
}

#[test]
fn an_admin_cannot_take_away_their_own_admin_role() {
    let dir = data_dir(true);
    let mut m = model(&dir, "amara");
    on_staff_section(&mut m);
    press(&mut m, &[Enter]);
    // Login, name, front desk, clinician, admin: admin from yes to no.
    press(&mut m, &[Tab, Tab, Tab, Tab, KeyCode::Left]);
    assert!(press(&mut m, &[Enter]).is_empty());
    let Overlay::Form(_, f) = &m.overlay else {
        panic!("the form stays open: {:?}", m.overlay)
    };
    assert_eq!(
        f.error_of("admin"),
        Some("you cannot take away your own admin role: another admin can")
    );
}

#[test]
fn front_desk_cannot_add_staff() {
    let dir = data_dir(true);
    let mut m = model(&dir, "fred");
    on_staff_section(&mut m);
    press(&mut m, &[Char('a')]);
    refused(
        &m,
        "needs an admin to change settings: you are Fred Reception (front desk)",
    );
    assert!(!matches!(m.overlay, Overlay::Form(..)));
}

#[test]
fn an_admin_removes_a_staff_member_after_asking_but_never_themselves() {
    let dir = data_dir(true);
    let mut m = model(&dir, "amara");
    on_staff_section(&mut m);
    // Amara's own row: refused.
    press(&mut m, &[Char('x')]);
    refused(
        &m,
        "you cannot remove yourself from the staff list: another admin can",
    );
    // Fred's row: asked, n keeps him, y removes him.
    press(&mut m, &[Down, Char('x')]);
    assert_eq!(m.overlay, Overlay::ConfirmRemoveStaff(1));
    assert!(press(&mut m, &[Char('n')]).is_empty());
    assert_eq!(m.clinic.staff.len(), 2);
    press(&mut m, &[Char('x')]);
    assert_eq!(press(&mut m, &[Char('y')]), vec![Effect::SaveClinic]);
    assert_eq!(m.clinic.staff.len(), 1);
    assert_eq!(
        m.status.text,
        "Fred Reception (login fred) removed from the staff list"
    );
    // Fred now reads only.
    let mut f = m.with_acting("fred");
    press(&mut f, &[Esc, Char('a')]);
    assert!(
        f.status
            .text
            .starts_with("login 'fred' is not on the staff list: read-only")
    );
}

#[test]
fn a_login_taken_off_the_list_while_a_preview_is_open_books_nothing() {
    let dir = data_dir(true);
    let mut m = model(&dir, "fred");
    // A new series for a second patient, without one yet; front desk may book.
    let mut p = patient();
    p.id = PatientId::new("p-0000role2").unwrap();
    p.series.clear();
    m.replace_from_disk(p);
    let at = m
        .patients
        .iter()
        .position(|p| p.id.as_str() == "p-0000role2")
        .unwrap();
    m.selected = m.visible.iter().position(|&i| i == at).unwrap();
    press(&mut m, &[Char('n'), Tab]);
    let date = (today() + TimeDelta::days(30)).format("%Y-%m-%d").to_string();
    for c in date.chars() {
        press(&mut m, &[Char(c)]);
    }
    press(
        &mut m,
        &[Tab, Char('1'), Char('0'), Char(':'), Char('0'), Char('0'), Enter],
    );
    assert!(
        matches!(m.overlay, Overlay::SeriesPreview(_)),
        "{:?} {:?}",
        m.overlay,
        m.status
    );
    // An admin takes Fred off the list (clinic.json changed by another instance).
    let mut clinic = m.clinic.clone();
    clinic.staff.retain(|s| s.login != "fred");
    m.set_clinic(clinic);
    assert!(press(&mut m, &[Char('c')]).is_empty());
    assert!(
        m.status.text.starts_with("login 'fred' is not on the staff list"),
        "{:?}",
        m.status
    );
    assert!(
        m.patient(&PatientId::new("p-0000role2").unwrap())
            .unwrap()
            .series
            .is_empty()
    );
}
