//! Records written by a newer needleplan (issue 5, item 3): a patient file of a future
//! `schema_version` whose record this version can still read opens read-only. It is
//! listed, its plan and bookings are shown, the calendar holds its sessions, and every
//! key that would change it is refused with a message; its file is never rewritten.
//! A future file this version cannot read at all stays a problem.
//!
//! Every test works in its own temporary data dir.

use std::fs;
use std::path::Path;

use chrono::{Local, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use needleplan::app::model::{Overlay, ReadOnly, StatusKind};
use needleplan::app::{Model, handle_key, persist};
use needleplan::domain::calendar::ResourceKey;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::series::{Series, SeriesPlan, SessionStatus};
use needleplan::runtime;
use needleplan::store::patient_file::{self, SCHEMA_VERSION};
use needleplan::store::templates::Templates;
use needleplan::store::{PatientStore, SaveError};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
use tempfile::TempDir;

const FUTURE: &str = "p-future01";
const MESSAGE: &str =
    "read-only: written by a newer needleplan (schema 99); open it with that version to change it";

fn pid(id: &str) -> PatientId {
    PatientId::new(id).unwrap()
}

/// `runtime::load` reads the real clock, so the record's dates follow it: the aftercare
/// of the session done five days ago is due, the booked one is a week ahead.
fn today() -> NaiveDate {
    Local::now().date_naive()
}

fn ten() -> NaiveTime {
    NaiveTime::from_hms_opt(10, 0, 0).unwrap()
}

fn booked_start() -> NaiveDateTime {
    (today() + TimeDelta::days(7)).and_time(ten())
}

fn person(id: &str, name: &str) -> Patient {
    let details = PatientDetails {
        full_name: name.into(),
        phone: "+44 7700 900555".into(),
        ..PatientDetails::default()
    };
    Patient::new(pid(id), details, today() - TimeDelta::days(60))
}

/// Aaron Future (first in the list): session 1 done five days ago (aftercare due),
/// session 2 booked in a week with Amara in room 1, session 3 planned. Revision 4.
fn future_patient() -> Patient {
    let t = Templates::builtin();
    let mut p = person(FUTURE, "Aaron Future");
    p.notes = "kept by the newer release".into();
    let plan = SeriesPlan {
        sessions: 3,
        ..SeriesPlan::from_protocol(&t.protocols[0], today() - TimeDelta::days(5), Some(ten()))
    };
    let mut s = Series::from_plan(&plan, today() - TimeDelta::days(20));
    s.sessions[0].set_status(SessionStatus::Done, &t.aftercare);
    s.sessions[1].date = today() + TimeDelta::days(7);
    s.sessions[1].status = SessionStatus::Booked;
    s.sessions[1].clinician = Some("amara".into());
    s.sessions[1].room = Some("room-1".into());
    p.series.push(s);
    p.revision = 4;
    p
}

/// The file a newer release would write: schema 99, the same record with fields this
/// version does not know, at the top, in the patient and in a session.
fn v99_bytes(p: &Patient) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(&patient_file::encode(p)).unwrap();
    v["schema_version"] = json!(99);
    v["signature"] = json!("sha256:abc");
    v["patient"]["pronouns"] = json!("he/him");
    v["patient"]["series"][0]["sessions"][1]["video_call"] = json!({"url": "https://x"});
    serde_json::to_vec_pretty(&v).unwrap()
}

/// A data dir with one editable patient (saved by this version) and the v99 file.
fn clinic() -> (TempDir, Vec<u8>) {
    let dir = private_dir();
    let store = PatientStore::open(dir.path()).unwrap();
    store.save(&person("p-editable", "Zoe Current")).unwrap();
    set_up(dir.path());
    let bytes = v99_bytes(&future_patient());
    write_private(file_of(dir.path(), FUTURE), &bytes);
    (dir, bytes)
}

/// A clinic set up already (no first-run set-up), its only staff member the login
/// running the tests.
fn set_up(dir: &std::path::Path) {
    let mut settings = needleplan::store::demo::demo_settings();
    let login = needleplan::store::audit::os_user();
    settings.staff = vec![needleplan::domain::staff::first_user(&login, Some("amara"))];
    needleplan::store::clinic_file::save(dir, &settings).unwrap();
}

/// A data dir as a clinic keeps it (0700), so that the start-up check of permissions has
/// nothing to say and the status line is free for what these tests look at.
fn private_dir() -> TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

/// Writes as another instance would: a patient file is private (0600), so that the
/// start-up check of permissions has nothing to say.
fn write_private(path: std::path::PathBuf, bytes: impl AsRef<[u8]>) {
    use std::os::unix::fs::PermissionsExt;
    fs::write(&path, bytes).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
}

fn file_of(data: &Path, id: &str) -> std::path::PathBuf {
    data.join("patients").join(format!("{id}.json"))
}

fn key(code: KeyCode) -> KeyEvent {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    KeyEvent::new(code, modifiers)
}

/// Presses one key as the runtime does; returns the effects `handle_key` gave.
fn press(model: &mut Model, store: &PatientStore, code: KeyCode) -> usize {
    let effects = handle_key(model, key(code));
    let n = effects.len();
    persist::run_effects(model, effects, store);
    n
}

/// Presses a key that would change the read-only record: it must be refused.
fn refused(model: &mut Model, store: &PatientStore, code: KeyCode, what: &str) {
    let effects = press(model, store, code);
    assert_eq!(effects, 0, "{what}: a save was asked for");
    assert_eq!(model.status.text, MESSAGE, "{what}");
    assert_eq!(model.status.kind, StatusKind::Error, "{what}");
    assert!(
        !matches!(model.overlay, Overlay::Form(..)),
        "{what}: a form opened: {:?}",
        model.overlay
    );
    assert!(model.unsaved.is_empty(), "{what}");
    // The next refusal must be a fresh message, not this one left over.
    model.status.text.clear();
}

// ---------------------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------------------

#[test]
fn a_v99_file_of_a_known_shape_loads_read_only_with_its_data() {
    let (dir, bytes) = clinic();
    let mut store = PatientStore::open(dir.path()).unwrap();
    let report = store.load_all().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.patients.len(), 1);
    assert_eq!(report.patients[0].id, pid("p-editable"));
    assert_eq!(report.read_only.len(), 1, "{:?}", report.read_only);
    assert_eq!(report.read_only[0].schema_version, 99);
    // Unknown fields are ignored; everything this version knows is there.
    assert_eq!(report.read_only[0].patient, future_patient());
    assert!(store.protected_ids().contains(FUTURE));

    let mut edit = future_patient();
    edit.notes = "changed".into();
    let err = store.save(&edit).expect_err("a read-only record is never saved");
    assert!(matches!(err, SaveError::Protected(_)), "{err:?}");
    assert!(err.to_string().contains("newer"), "{err}");
    // Also by an instance that never loaded it: the save reads the file first.
    let err = PatientStore::open(dir.path()).unwrap().save(&edit).unwrap_err();
    assert!(matches!(err, SaveError::Protected(_)), "{err:?}");
    assert_eq!(fs::read(file_of(dir.path(), FUTURE)).unwrap(), bytes);
}

#[test]
fn a_v99_file_of_unknown_shape_stays_a_problem() {
    let dir = private_dir();
    let mut store = PatientStore::open(dir.path()).unwrap();
    let bytes = br#"{"schema_version": 99, "patient": {"id": "p-future02", "name": {"given": "X"}}}"#;
    write_private(file_of(dir.path(), "p-future02"), bytes);
    let report = store.load_all().unwrap();
    assert!(report.read_only.is_empty(), "{:?}", report.read_only);
    assert!(report.patients.is_empty());
    assert_eq!(report.problems.len(), 1);
    assert!(
        report.problems[0].message.contains("newer"),
        "{:?}",
        report.problems
    );
    assert!(report.problems[0].message.contains("99"), "{:?}", report.problems);
    assert!(store.protected_ids().contains("p-future02"));
    assert_eq!(fs::read(file_of(dir.path(), "p-future02")).unwrap(), bytes);
}

// ---------------------------------------------------------------------------------------
// The app: listed, shown, in the calendar; every editing key refused
// ---------------------------------------------------------------------------------------

#[test]
fn it_is_listed_read_only_and_the_calendar_holds_its_bookings() {
    let (dir, _) = clinic();
    let (model, _store) = runtime::load(dir.path(), None).unwrap();
    assert_eq!(model.read_only_of(&pid(FUTURE)), Some(ReadOnly::NewerVersion(99)));
    assert_eq!(model.read_only.len(), 1);
    assert_eq!(model.selected_id(), Some(pid(FUTURE)), "first by name, and shown");
    assert_eq!(model.visible.len(), 2);
    assert!(model.problems.is_empty(), "{:?}", model.problems);
    assert!(model.status.text.contains("read-only"), "{}", model.status.text);
    // Its booking blocks Amara and room 1: no one can be double-booked over it.
    let (start, end) = (booked_start(), booked_start() + TimeDelta::minutes(30));
    assert!(
        !model
            .calendar
            .is_free(ResourceKey::Clinician("amara"), start, end, &[])
    );
    assert!(
        !model
            .calendar
            .is_free(ResourceKey::Room("room-1"), start, end, &[])
    );
    assert!(
        model
            .calendar
            .is_free(ResourceKey::Clinician("ben"), start, end, &[])
    );
}

#[test]
fn every_editing_key_is_refused_and_the_file_stays_byte_identical() {
    use KeyCode::{Char, Enter, Esc, Tab};
    let (dir, bytes) = clinic();
    let (mut m, store) = runtime::load(dir.path(), None).unwrap();
    let before = m.patient(&pid(FUTURE)).unwrap().clone();
    let s = &store;
    assert_eq!(m.selected_id(), Some(pid(FUTURE)));

    // Patient list: edit, archive (even answering yes), new series.
    refused(&mut m, s, Char('e'), "e in the list");
    refused(&mut m, s, Char('x'), "x in the list");
    assert_eq!(m.overlay, Overlay::None, "no archive question");
    press(&mut m, s, Char('y'));
    refused(&mut m, s, Char('n'), "n in the list");
    // Plan: add session, edit session (e and Enter), new series.
    press(&mut m, s, Tab);
    refused(&mut m, s, Char('a'), "a in the plan");
    refused(&mut m, s, Char('e'), "e in the plan");
    refused(&mut m, s, Enter, "Enter in the plan");
    refused(&mut m, s, Char('n'), "n in the plan");
    // Checklist: tick (session 1 is done, so it has a checklist).
    m.session = 0;
    press(&mut m, s, Tab);
    refused(&mut m, s, Char(' '), "Space in the checklist");
    press(&mut m, s, Tab);

    // Consult screen: assessment, sign, chart (unsigned: it would open the editor).
    press(&mut m, s, Char('4'));
    refused(&mut m, s, Char('p'), "p on the consult screen");
    refused(&mut m, s, Char('S'), "S on the consult screen");
    refused(&mut m, s, Char('c'), "c on the consult screen");
    // The screening list opens to be read; every answer key is refused.
    press(&mut m, s, Char('s'));
    assert!(
        m.status.text.is_empty(),
        "opening it is allowed: {}",
        m.status.text
    );
    press(&mut m, s, KeyCode::Down);
    for (code, what) in [
        (Char(' '), "Space in screening"),
        (Enter, "Enter in screening"),
        (Char('e'), "e in screening"),
        (Char('r'), "r in screening"),
        (Char('o'), "o in screening"),
        (Char('a'), "a in screening"),
    ] {
        refused(&mut m, s, code, what);
    }
    press(&mut m, s, Esc);
    // Session prep opens to be read; ticking is refused.
    press(&mut m, s, Char('d'));
    refused(&mut m, s, Char(' '), "Space in the prep list");
    press(&mut m, s, Esc);
    press(&mut m, s, Esc);

    // Queues: the follow-up of session 1 is due; ticking it is refused.
    press(&mut m, s, Char('3'));
    press(&mut m, s, Tab);
    press(&mut m, s, Tab);
    let due = m
        .screens
        .queues
        .current()
        .iter()
        .filter(|e| e.patient_id == pid(FUTURE))
        .count();
    assert!(
        due > 0,
        "its aftercare is in the follow-ups: {:?}",
        m.screens.queues.current()
    );
    refused(&mut m, s, Char(' '), "Space in follow-ups due");
    press(&mut m, s, Esc);

    // Idle ticks (polls and retries) change nothing either.
    persist::poll(&mut m, s);
    persist::flush(&mut m, s);
    assert_eq!(m.patient(&pid(FUTURE)), Some(&before));
    assert!(m.unsaved.is_empty() && m.conflicts.is_empty());
    assert_eq!(fs::read(file_of(dir.path(), FUTURE)).unwrap(), bytes);
    let audit = fs::read_to_string(dir.path().join("audit.log")).unwrap_or_default();
    assert!(!audit.contains(FUTURE), "{audit}");

    // The other patient is still editable.
    press(&mut m, s, Char('j'));
    assert_eq!(m.selected_id(), Some(pid("p-editable")));
    press(&mut m, s, Char('e'));
    assert!(matches!(m.overlay, Overlay::Form(..)), "{:?}", m.overlay);
}

#[test]
fn put_patient_refuses_a_read_only_id_and_handle_key_drops_its_save() {
    let (dir, _) = clinic();
    let (mut m, _store) = runtime::load(dir.path(), None).unwrap();
    let before = m.patient(&pid(FUTURE)).unwrap().clone();
    let mut changed = before.clone();
    changed.full_name = "Someone Else".into();
    m.put_patient(changed);
    assert_eq!(
        m.patient(&pid(FUTURE)),
        Some(&before),
        "the model keeps the file's version"
    );
    assert_eq!(m.status.text, MESSAGE);

    // Archiving through the confirmation (as if it had been asked before the record
    // turned read-only) ends in `put_patient`: nothing changes and no save leaves.
    m.overlay = Overlay::ConfirmArchive(pid(FUTURE));
    let effects = handle_key(&mut m, key(KeyCode::Char('y')));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(!m.patient(&pid(FUTURE)).unwrap().archived);
    assert_eq!(m.status.text, MESSAGE);
}

// ---------------------------------------------------------------------------------------
// While the app runs: a file turns read-only, changes, and turns editable again
// ---------------------------------------------------------------------------------------

#[test]
fn a_record_turns_read_only_while_open_and_editable_again_when_rewritten() {
    use KeyCode::{Char, Enter};
    let dir = private_dir();
    let writer = PatientStore::open(dir.path()).unwrap();
    let mut p = future_patient();
    p.revision = 0;
    p.revision = writer.save(&p).unwrap();
    set_up(dir.path());
    let (mut m, store) = runtime::load(dir.path(), None).unwrap();
    assert!(m.read_only.is_empty());

    // A newer release saves the patient while the edit form is open here.
    press(&mut m, &store, Char('e'));
    assert!(matches!(m.overlay, Overlay::Form(..)));
    let mut newer = p.clone();
    newer.notes = "written by v99".into();
    newer.revision += 1;
    write_private(file_of(dir.path(), FUTURE), v99_bytes(&newer));
    let changes = store.poll_changes().unwrap();
    assert_eq!(changes.read_only.len(), 1, "{changes:?}");
    assert_eq!(changes.read_only[0].patient, newer);
    assert!(changes.updated.is_empty() && changes.problems.is_empty());
    persist::apply_read_only(&mut m, changes.read_only);
    assert_eq!(m.read_only_of(&pid(FUTURE)), Some(ReadOnly::NewerVersion(99)));
    assert_eq!(m.patient(&pid(FUTURE)), Some(&newer));
    assert_eq!(
        m.overlay,
        Overlay::None,
        "the form that can no longer save is closed"
    );
    assert!(m.status.text.contains("cannot be saved"), "{}", m.status.text);
    refused(&mut m, &store, Char('e'), "e after it turned read-only");
    assert!(store.poll_changes().unwrap().is_empty(), "reported once");

    // Someone restores the version-3 file (same revision as the newer one): it is
    // editable again, whatever its revision.
    let restored = patient_file::encode(&newer);
    assert!(String::from_utf8_lossy(&restored).contains(&format!("\"schema_version\": {SCHEMA_VERSION}")));
    write_private(file_of(dir.path(), FUTURE), &restored);
    persist::poll(&mut m, &store);
    assert!(m.read_only.is_empty(), "{:?}", m.read_only);
    assert_eq!(m.patient(&pid(FUTURE)), Some(&newer));
    press(&mut m, &store, Char('e'));
    assert!(matches!(m.overlay, Overlay::Form(..)), "{:?}", m.overlay);
    press(&mut m, &store, Enter);
    assert!(m.status.text.ends_with("saved"), "{}", m.status.text);
    let doc: serde_json::Value =
        serde_json::from_slice(&fs::read(file_of(dir.path(), FUTURE)).unwrap()).unwrap();
    assert_eq!(doc["patient"]["revision"], json!(newer.revision + 1));
}

#[test]
fn a_read_only_record_arriving_by_poll_is_listed_and_blocks_its_slot() {
    let dir = private_dir();
    let (mut m, store) = runtime::load(dir.path(), None).unwrap();
    assert!(m.patients.is_empty());
    write_private(file_of(dir.path(), FUTURE), v99_bytes(&future_patient()));
    persist::poll(&mut m, &store);
    assert_eq!(m.visible.len(), 1);
    assert_eq!(m.read_only_of(&pid(FUTURE)), Some(ReadOnly::NewerVersion(99)));
    assert!(m.status.text.contains(MESSAGE), "{}", m.status.text);
    let (start, end) = (booked_start(), booked_start() + TimeDelta::minutes(30));
    assert!(
        !m.calendar
            .is_free(ResourceKey::Clinician("amara"), start, end, &[])
    );
}
