//! Issue 12, first run: a data dir without `clinic.json` opens the set-up before anything
//! else; what is typed is saved through the normal settings save; leaving early writes
//! nothing and says so; the demo clinic's name and people never appear outside `--demo`.

mod common;

use std::fs;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use common::keys::type_keys;
use common::pty::*;
use needleplan::app::Model;
use needleplan::app::model::{FormPurpose, Overlay};
use needleplan::app::setup;
use needleplan::domain::staff::Role;
use needleplan::runtime;
use needleplan::store::templates::Templates;
use needleplan::store::{PatientStore, clinic_file};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Words of the demo clinic that must never show or be written outside `--demo`.
const DEMO_WORDS: [&str; 6] = [
    "Demo Skin",
    "Amara",
    "Okafor",
    "Ben Carter",
    "amara",
    "Example Lane",
];

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

fn private_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

/// A new data dir's model, acting as `sam`, with the set-up open as the app opens it.
fn fresh(dir: &Path) -> (Model, PatientStore) {
    let store = PatientStore::open(dir).unwrap();
    let mut m = Model::new(now(), Templates::builtin(), Vec::new()).with_acting("sam");
    setup::open(&mut m);
    (m, store)
}

fn draw(m: &Model, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| needleplan::ui::view(m, f)).unwrap();
    terminal.backend().to_string()
}

fn step(m: &Model) -> Option<&'static str> {
    match &m.overlay {
        Overlay::Form(FormPurpose::SetUp(setup::Step::Clinic), _) => Some("clinic"),
        Overlay::Form(FormPurpose::SetUp(setup::Step::Hours(_)), _) => Some("hours"),
        _ => None,
    }
}

/// Every byte under `dir`, as text where it is text.
fn all_text(dir: &Path) -> String {
    entries(dir)
        .into_iter()
        .filter(|n| dir.join(n).is_file())
        .map(|n| {
            format!(
                "{n}\n{}\n",
                String::from_utf8_lossy(&fs::read(dir.join(&n)).unwrap())
            )
        })
        .collect()
}

fn assert_no_demo_word(text: &str) {
    for word in DEMO_WORDS {
        assert!(!text.contains(word), "'{word}' appears in:\n{text}");
    }
}

#[test]
fn a_new_data_dir_opens_the_set_up_and_one_with_a_clinic_does_not() {
    let dir = private_dir();
    let (m, _store) = runtime::load(dir.path(), None).unwrap();
    assert_eq!(step(&m), Some("clinic"), "{:?}", m.overlay);
    assert!(
        m.status.text.contains("set up the clinic first"),
        "{}",
        m.status.text
    );
    assert!(m.clinic.name.is_empty() && m.clinic.clinicians.is_empty());
    assert_no_demo_word(&draw(&m, 80, 24));
    assert_no_demo_word(&draw(&m, 160, 50));

    let mut settings = needleplan::store::demo::demo_settings();
    settings.staff = vec![needleplan::domain::staff::first_user(m.acting_login(), None)];
    clinic_file::save(dir.path(), &settings).unwrap();
    let (m, _store) = runtime::load(dir.path(), None).unwrap();
    assert_eq!(m.overlay, Overlay::None);
}

#[test]
fn set_up_by_keys_writes_what_was_typed() {
    let dir = private_dir();
    let (mut m, store) = fresh(dir.path());
    type_keys(
        &mut m,
        &store,
        "Harbour Skin<Tab>020 7946 0999<Tab>3 Quay Street, Hull<Tab>Zoë Adler, Sam Lee<Tab><Tab><Enter>",
    );
    assert_eq!(step(&m), Some("hours"), "{:?}", m.status);
    assert!(
        !clinic_file::path(dir.path()).exists(),
        "nothing written before the end"
    );
    insta::assert_snapshot!("first_run_hours_80x24", draw(&m, 80, 24));
    // Saturday closed (the fields are selected on entry: typing replaces), the rest as offered.
    type_keys(&mut m, &store, "<Tab*5>closed<Enter>");
    assert_eq!(m.overlay, Overlay::None, "{:?}", m.status);
    assert!(m.status.text.contains("settings saved"), "{}", m.status.text);
    assert!(
        m.status.text.contains("a adds your first patient"),
        "{}",
        m.status.text
    );

    let load = clinic_file::load(dir.path());
    assert!(load.exists && load.problem.is_none(), "{:?}", load.problem);
    let c = load.settings;
    assert_eq!(c.revision, 1);
    assert_eq!(
        (c.name.as_str(), c.phone.as_str(), c.address.as_str()),
        ("Harbour Skin", "020 7946 0999", "3 Quay Street, Hull")
    );
    let people: Vec<(&str, &str)> = c
        .clinicians
        .iter()
        .map(|r| (r.id.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(people, [("zoe-adler", "Zoë Adler"), ("sam-lee", "Sam Lee")]);
    let rooms: Vec<(&str, &str)> = c.rooms.iter().map(|r| (r.id.as_str(), r.name.as_str())).collect();
    assert_eq!(rooms, [("room-1", "Room 1")]);
    assert_eq!(c.hours[0].map(|h| h.open.to_string()), Some("09:00:00".into()));
    assert_eq!(c.hours[5], None, "Saturday typed closed");
    assert_eq!(c.hours[6], None);
    assert_eq!(c.staff.len(), 1);
    let me = &c.staff[0];
    assert_eq!((me.login.as_str(), me.name.as_str()), ("sam", "Zoë Adler"));
    assert!(me.has(Role::Admin) && me.has(Role::Clinician));
    assert_eq!(me.clinician.as_deref(), Some("zoe-adler"));
    assert_no_demo_word(&all_text(dir.path()));
}

#[test]
fn every_missing_answer_is_named_at_once_and_nothing_is_written() {
    let dir = private_dir();
    let (mut m, store) = fresh(dir.path());
    // Rooms emptied too: name, clinicians and rooms are all needed.
    type_keys(&mut m, &store, "<Tab*4><Backspace*10><Enter>");
    let Overlay::Form(_, form) = &m.overlay else {
        panic!("the form stays open: {:?}", m.overlay)
    };
    assert!(form.error_of(setup::NAME).unwrap().contains("name is needed"));
    assert!(
        form.error_of(setup::CLINICIANS)
            .unwrap()
            .contains("at least one clinician")
    );
    assert!(form.error_of(setup::ROOMS).unwrap().contains("at least one room"));
    assert_eq!(form.focused(), setup::NAME, "the first bad field has the cursor");
    insta::assert_snapshot!("first_run_errors_80x24", draw(&m, 80, 24));
    insta::assert_snapshot!("first_run_errors_160x50", draw(&m, 160, 50));
    assert!(!clinic_file::path(dir.path()).exists());
}

#[test]
fn bad_hours_are_named_on_their_day_and_esc_goes_back_keeping_what_was_typed() {
    let dir = private_dir();
    let (mut m, store) = fresh(dir.path());
    type_keys(&mut m, &store, "Harbour Skin<Tab><Tab><Tab>Ann Bell<Enter>");
    assert_eq!(step(&m), Some("hours"));
    // Tuesday: nonsense; Wednesday: closing before opening.
    type_keys(&mut m, &store, "<Tab>nine to five<Tab>18:00-09:00<Enter>");
    let Overlay::Form(_, form) = &m.overlay else {
        panic!()
    };
    assert!(
        form.error_of("tue").unwrap().contains("e.g. 09:00-18:00"),
        "{:?}",
        form.errors
    );
    assert!(
        form.error_of("wed").unwrap().contains("must be after opening"),
        "{:?}",
        form.errors
    );
    assert!(!clinic_file::path(dir.path()).exists());
    // Esc: back to step 1, with what was typed there.
    type_keys(&mut m, &store, "<Esc>");
    assert_eq!(step(&m), Some("clinic"));
    let Overlay::Form(_, form) = &m.overlay else {
        panic!()
    };
    assert_eq!(form.text(setup::NAME), "Harbour Skin");
    assert_eq!(form.text(setup::CLINICIANS), "Ann Bell");
    assert!(!m.quit);
}

#[test]
fn esc_on_the_first_form_quits_and_writes_nothing() {
    let dir = private_dir();
    let (mut m, store) = fresh(dir.path());
    type_keys(&mut m, &store, "Harbour Skin<Esc>");
    assert!(m.quit);
    assert_eq!(m.exit_message.as_deref(), Some(setup::NOT_SET_UP));
    assert!(setup::NOT_SET_UP.contains("nothing was written"));
    // Only the empty patients folder the store opened: no clinic.json, no audit line.
    assert_eq!(
        entries(dir.path()),
        ["patients"],
        "nothing written in the data dir"
    );

    // Ctrl-C during step 2 too.
    let (mut m, store) = fresh(dir.path());
    type_keys(&mut m, &store, "Harbour Skin<Tab><Tab><Tab>Ann Bell<Enter>");
    let ctrl_c = ratatui::crossterm::event::KeyEvent::new(
        ratatui::crossterm::event::KeyCode::Char('c'),
        ratatui::crossterm::event::KeyModifiers::CONTROL,
    );
    needleplan::app::handle_key(&mut m, ctrl_c);
    assert!(m.quit);
    assert_eq!(m.exit_message.as_deref(), Some(setup::NOT_SET_UP));
    assert!(!clinic_file::path(dir.path()).exists());
}

#[test]
fn the_set_up_at_both_sizes() {
    let dir = private_dir();
    let (m, _store) = fresh(dir.path());
    insta::assert_snapshot!("first_run_clinic_80x24", draw(&m, 80, 24));
    insta::assert_snapshot!("first_run_clinic_160x50", draw(&m, 160, 50));
}

// ---------------------------------------------------------------------------------------
// End to end: the real binary in a pseudo-terminal
// ---------------------------------------------------------------------------------------

/// A fresh data dir, set up by keys, one patient added, a series booked: clinic.json
/// holds what was typed and no demo name appears anywhere in the dir.
#[test]
fn first_day_end_to_end() {
    let sandbox = Sandbox::fresh();
    let mut tui = Tui::spawn(&sandbox, &sandbox.args_with_data_dir(&[]), 100, 30);
    tui.wait_for("Set up your clinic (1 of 2)", TIMEOUT);
    tui.send("Quay Street Skin");
    tui.send(TAB);
    tui.send("01482 000111");
    tui.send(TAB);
    tui.send("3 Quay Street, Hull");
    tui.send(TAB);
    tui.send("Lena Holm");
    tui.send(TAB);
    tui.send("Blue Room, Green Room");
    tui.send(ENTER);
    tui.wait_for("Set up your clinic (2 of 2)", TIMEOUT);
    tui.send(ENTER);
    tui.wait_status("settings saved", TIMEOUT);
    let screen = tui.wait_for(FIRST_RUN_HINT, TIMEOUT);
    assert_no_demo_word(&screen.dump());

    tui.send("a");
    tui.wait_for("New patient", TIMEOUT);
    tui.send("Nora Quill");
    tui.send(TAB);
    tui.send("1990-12-10");
    tui.send(TAB);
    tui.send("+44 7700 900123");
    tui.send(ENTER);
    tui.wait_screen(&["Nora Quill"], &["New patient"], TIMEOUT);
    tui.send("n");
    tui.wait_for("New treatment series", TIMEOUT);
    tui.send(TAB);
    tui.send("2027-01-12");
    tui.send(ENTER);
    tui.wait_for("Proposed series", TIMEOUT);
    tui.send("c");
    tui.wait_status("sessions booked", TIMEOUT);
    let screen = tui.screen();
    assert_no_demo_word(&screen.dump());
    tui.quit();

    let clinic = read_json(&sandbox.data_dir().join("clinic.json"));
    assert_eq!(clinic["name"], "Quay Street Skin", "{clinic:#}");
    assert_eq!(clinic["phone"], "01482 000111", "{clinic:#}");
    assert_eq!(clinic["address"], "3 Quay Street, Hull", "{clinic:#}");
    assert_eq!(clinic["clinicians"][0]["name"], "Lena Holm", "{clinic:#}");
    assert_eq!(clinic["rooms"][1]["name"], "Green Room", "{clinic:#}");
    assert_eq!(clinic["hours"]["sun"], serde_json::Value::Null, "{clinic:#}");
    let files = sandbox.patient_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let doc = read_json(&sandbox.patients_dir().join(&files[0]));
    let sessions = doc["patient"]["series"][0]["sessions"].as_array().unwrap();
    assert!(!sessions.is_empty(), "{doc:#}");
    assert!(
        sessions
            .iter()
            .all(|s| s["status"] == "booked" && s["clinician"] == "lena-holm"),
        "{doc:#}"
    );
    assert_no_demo_word(&all_text(sandbox.data_dir()));
    sandbox.assert_nothing_leaked();
}
