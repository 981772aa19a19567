//! The compare screen of a real clash, driven by keys: two instances on one data dir
//! (A saves through the store, B is the app's model), B's save meets A's version.
//! - each clashing field is listed with the base, theirs (and who) and mine;
//! - t/m pick per field, T/M for the clashing fields only, Enter saves, Esc leaves it
//!   undecided and unsaved;
//! - nothing outside the clashing fields is taken from the losing side;
//! - a merged booking that breaks the minimum interval is refused with the reason.
//!
//! Every test works in its own temporary dir.

use std::fs;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use needleplan::app::Model;
use needleplan::app::model::{Overlay, StatusKind};
use needleplan::app::persist;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::series::{Series, SeriesPlan};
use needleplan::store::PatientStore;
use needleplan::store::patient_file;
use needleplan::store::templates::Templates;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

mod common;
use common::keys::type_keys;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn now() -> NaiveDateTime {
    d("2026-11-25").and_hms_opt(10, 0, 0).unwrap()
}

fn pid() -> PatientId {
    PatientId::new("p-x").unwrap()
}

fn patient() -> Patient {
    let details = PatientDetails {
        full_name: "Xena Example".into(),
        phone: "0100 000".into(),
        email: "base@example.com".into(),
        ..PatientDetails::default()
    };
    let mut p = Patient::new(pid(), details, d("2026-11-20"));
    let plan = SeriesPlan {
        protocol_id: "x".into(),
        protocol_name: "X".into(),
        sessions: 3,
        interval_days: 28,
        min_interval_days: 14,
        start: d("2027-01-04"),
        time: None,
    };
    p.series.push(Series::from_plan(&plan, d("2026-11-20")));
    p
}

/// A data dir holding the patient (revision 1), A's store, and B's model on it.
fn setup(dir: &Path) -> (PatientStore, PatientStore, Model) {
    let store = PatientStore::open(dir).unwrap();
    assert_eq!(store.save(&patient()), Ok(1));
    let a = PatientStore::open(dir).unwrap();
    let mut b = PatientStore::open(dir).unwrap();
    let patients = b.load_all().unwrap().patients;
    let model = Model::new(now(), Templates::builtin(), patients);
    (a, b, model)
}

fn on_disk(store: &PatientStore) -> Patient {
    patient_file::decode(&fs::read(store.path_of(&pid())).unwrap()).unwrap()
}

fn draw(m: &Model, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| needleplan::ui::view(m, f)).unwrap();
    terminal.backend().to_string()
}

/// A changes phone, email and notes; B changes phone and email: two clashes, and A's
/// notes are outside them.
fn clash_on_contact_details(a: &PatientStore, b: &PatientStore, model: &mut Model) {
    let mut theirs = on_disk(a);
    theirs.phone = "0100 AAA".into();
    theirs.email = "a@example.com".into();
    theirs.notes = "A's note".into();
    assert_eq!(a.save(&theirs), Ok(2));

    let mut mine = model.patient(&pid()).unwrap().clone();
    mine.phone = "0100 BBB".into();
    mine.email = "b@example.com".into();
    let effect = model.put_patient(mine);
    persist::run_effects(model, vec![effect], b);
    assert_eq!(model.status.kind, StatusKind::Error, "{:?}", model.status);
    assert_eq!(model.conflicts[&pid()].merge.clashes.len(), 2);
}

#[test]
fn the_compare_screen_shows_base_theirs_and_who_and_mine_for_each_clash() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, mut model) = setup(dir.path());
    clash_on_contact_details(&a, &b, &mut model);
    type_keys(&mut model, &b, "C");
    assert!(matches!(model.overlay, Overlay::Conflict(_)));
    let who = needleplan::store::audit::os_user();
    for (w, h) in [(80, 24), (160, 50)] {
        let screen = draw(&model, w, h);
        assert!(screen.contains(&format!("{who} saved Xena Example")), "{screen}");
        for text in [
            "▶ email",
            "phone",
            "was: 0100 000",
            &format!("{who}: 0100 AAA"),
            "mine: 0100 BBB",
            "was: base@example.com",
            &format!("{who}: a@example.com"),
            "mine: b@example.com",
            "2 field(s) left to pick",
        ] {
            assert!(screen.contains(text), "{w}x{h}: {text:?} missing:\n{screen}");
        }
        assert!(!screen.contains("A's note"), "merged fields are not asked about");
    }
}

#[test]
fn a_side_is_picked_per_field_and_the_rest_comes_from_the_merge() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, mut model) = setup(dir.path());
    clash_on_contact_details(&a, &b, &mut model);
    // Fields in path order: email, then phone. Theirs for email, mine for phone.
    type_keys(&mut model, &b, "Ctm");
    assert_eq!(on_disk(&a).revision, 2, "nothing written before Enter");
    type_keys(&mut model, &b, "<Enter>");
    assert!(model.conflicts.is_empty());
    assert_eq!(model.overlay, Overlay::None);
    let disk = on_disk(&a);
    assert_eq!(disk.email, "a@example.com", "theirs, picked");
    assert_eq!(disk.phone, "0100 BBB", "mine, picked");
    assert_eq!(disk.notes, "A's note", "outside the clash: their change kept");
    assert_eq!(disk.revision, 3);
    assert_eq!(model.status.kind, StatusKind::Saved, "{:?}", model.status);
}

#[test]
fn all_mine_keeps_my_values_for_the_clashes_only() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, mut model) = setup(dir.path());
    clash_on_contact_details(&a, &b, &mut model);
    type_keys(&mut model, &b, "CM<Enter>");
    let disk = on_disk(&a);
    assert_eq!(
        (disk.phone.as_str(), disk.email.as_str()),
        ("0100 BBB", "b@example.com")
    );
    assert_eq!(disk.notes, "A's note", "never dropped by 'all mine'");
    assert_eq!(model.patient(&pid()), Some(&disk));
}

#[test]
fn all_theirs_takes_their_values_for_the_clashes_and_keeps_my_other_edits() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, mut model) = setup(dir.path());
    let mut theirs = on_disk(&a);
    theirs.phone = "0100 AAA".into();
    assert_eq!(a.save(&theirs), Ok(2));
    let mut mine = model.patient(&pid()).unwrap().clone();
    mine.phone = "0100 BBB".into();
    mine.notes = "B's note".into();
    let effect = model.put_patient(mine);
    persist::run_effects(&mut model, vec![effect], &b);
    type_keys(&mut model, &b, "CT<Enter>");
    let disk = on_disk(&a);
    assert_eq!(disk.phone, "0100 AAA");
    assert_eq!(disk.notes, "B's note", "my change outside the clash is kept");
}

#[test]
fn enter_with_a_field_undecided_saves_nothing_and_esc_leaves_it_unsaved() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, mut model) = setup(dir.path());
    clash_on_contact_details(&a, &b, &mut model);
    type_keys(&mut model, &b, "Ct<Enter>");
    assert!(matches!(model.overlay, Overlay::Conflict(_)), "still open");
    assert!(model.status.text.contains("1 left"), "{}", model.status.text);
    assert_eq!(on_disk(&a).revision, 2, "nothing written");
    type_keys(&mut model, &b, "<Esc>");
    assert_eq!(model.overlay, Overlay::None);
    assert!(model.status.text.contains("NOT saved"), "{}", model.status.text);
    assert!(
        model.conflicts.contains_key(&pid()),
        "still waiting for a decision"
    );
    assert_eq!(on_disk(&a).revision, 2);
    assert_eq!(model.patient(&pid()).unwrap().phone, "0100 BBB", "my edit kept");
}

#[test]
fn a_merged_booking_that_breaks_the_minimum_interval_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, mut model) = setup(dir.path());
    // Sessions on 4 Jan, 1 Feb, 1 Mar (min. 14 days). A moves session 2 to 15 Feb (14
    // days before session 3: allowed); B moves session 3 to 22 Feb (21 days after
    // session 2 as B sees it: allowed). Together: 7 days apart.
    let mut theirs = on_disk(&a);
    theirs.series[0].sessions[1].date = d("2027-02-15");
    assert_eq!(a.save(&theirs), Ok(2));
    let mut mine = model.patient(&pid()).unwrap().clone();
    mine.series[0].sessions[2].date = d("2027-02-22");
    mine.phone = "0100 BBB".into();
    let effect = model.put_patient(mine);
    persist::run_effects(&mut model, vec![effect], &b);

    assert_eq!(on_disk(&a).revision, 2, "the merged booking was not saved");
    assert!(
        model.status.text.contains("break a rule"),
        "{}",
        model.status.text
    );
    let c = &model.conflicts[&pid()];
    assert!(
        c.refused.iter().any(|r| r.contains("series 1 session 3")),
        "{:?}",
        c.refused
    );
    assert_eq!(
        c.merge.clashes.len(),
        1,
        "my move is asked about: {:?}",
        c.merge.clashes
    );
    assert_eq!(c.merge.clashes[0].label, "series 1 session 3 date");
    type_keys(&mut model, &b, "C");
    let screen = draw(&model, 160, 50);
    assert!(screen.contains("break a rule"), "{screen}");
    assert!(screen.contains(&c_reason(&model)), "{screen}");

    // Keeping my move is refused again, with the reason; nothing is written.
    type_keys(&mut model, &b, "m<Enter>");
    assert!(matches!(model.overlay, Overlay::Conflict(_)));
    assert!(
        model.status.text.contains("breaks a rule") && model.status.text.contains("session 3"),
        "{}",
        model.status.text
    );
    assert_eq!(on_disk(&a).revision, 2);

    // Taking theirs for the date undoes my move; my phone and A's move are saved.
    type_keys(&mut model, &b, "t<Enter>");
    assert!(model.conflicts.is_empty(), "{}", model.status.text);
    let disk = on_disk(&a);
    assert_eq!(disk.series[0].sessions[1].date, d("2027-02-15"), "A's move");
    assert_eq!(disk.series[0].sessions[2].date, d("2027-03-01"), "mine undone");
    assert_eq!(disk.phone, "0100 BBB", "my other edit kept");
}

/// The first refusal's text, as the screen shows it.
fn c_reason(model: &Model) -> String {
    model.conflicts[&pid()].refused[0].clone()
}

#[test]
fn my_last_save_stays_on_the_status_line_and_others_changes_are_counted_until_my_next_key() {
    use needleplan::app::message::{Msg, update};
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let dir = tempfile::tempdir().unwrap();
    let (a, b, mut model) = setup(dir.path());
    let other = {
        let details = PatientDetails {
            full_name: "Yann Other".into(),
            ..PatientDetails::default()
        };
        Patient::new(PatientId::new("p-y").unwrap(), details, d("2026-11-20"))
    };
    let mut mine = model.patient(&pid()).unwrap().clone();
    mine.phone = "0100 BBB".into();
    let effect = model.put_patient(mine);
    persist::run_effects(&mut model, vec![effect], &b);
    assert_eq!(model.status.text, "saved");

    // A colleague saves another patient; B's next idle poll takes it in.
    assert_eq!(a.save(&other), Ok(1));
    persist::poll(&mut model, &b);
    assert!(model.patient(&other.id).is_some());
    assert_eq!(model.status.text, "saved", "my own result is not replaced");
    assert_eq!(model.others_updated, 1);
    assert!(draw(&model, 160, 50).contains("1 updated by others"));
    assert!(draw(&model, 80, 24).contains("1 by others"));

    // My next key: the counter has been seen.
    let key = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    update(&mut model, Msg::Key(key, now()));
    assert_eq!(model.others_updated, 0);
    assert!(!draw(&model, 160, 50).contains("updated by others"));
}

#[test]
fn a_screening_clash_is_clinical_and_the_history_says_which_value_was_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, mut model) = setup(dir.path());
    let mut theirs = on_disk(&a);
    theirs.screening.answers.insert("pregnancy".into(), false);
    assert_eq!(a.save(&theirs), Ok(2));
    let mut mine = model.patient(&pid()).unwrap().clone();
    mine.screening.answers.insert("pregnancy".into(), true);
    let effect = model.put_patient(mine);
    persist::run_effects(&mut model, vec![effect], &b);
    let c = &model.conflicts[&pid()];
    assert_eq!(c.merge.clashes.len(), 1);
    assert!(c.merge.clashes[0].clinical, "a screening answer is clinical");
    let mine_entries = model.patient(&pid()).unwrap().history.len();
    assert!(mine_entries > 0, "my answer is in my history");
    let screen = {
        type_keys(&mut model, &b, "C");
        draw(&model, 80, 24)
    };
    assert!(screen.contains("(clinical)"), "{screen}");

    type_keys(&mut model, &b, "t<Enter>");
    let disk = on_disk(&a);
    assert_eq!(
        disk.screening.answers.get("pregnancy"),
        Some(&false),
        "theirs kept"
    );
    let last = disk.history.last().expect("an entry for the choice");
    assert_eq!(disk.history.len(), mine_entries + 1, "{:?}", disk.history);
    assert!(
        last.reason
            .as_deref()
            .is_some_and(|r| r.contains("their value kept")),
        "{last:?}"
    );
}

#[test]
fn a_merge_names_the_colleague_by_their_staff_name() {
    use needleplan::domain::staff::{Role, StaffMember};
    let dir = tempfile::tempdir().unwrap();
    let (a, b, mut model) = setup(dir.path());
    // Both instances run as this OS login; its staff entry names it.
    let mut clinic = model.clinic.clone();
    clinic.staff = vec![StaffMember {
        login: needleplan::store::audit::os_user(),
        name: "Dr Ana Ruiz".into(),
        roles: Role::ALL.to_vec(),
        clinician: None,
    }];
    model.set_clinic(clinic);
    let mut theirs = on_disk(&a);
    theirs.notes = "A's note".into();
    assert_eq!(a.save(&theirs), Ok(2));
    let mut mine = model.patient(&pid()).unwrap().clone();
    mine.phone = "0100 BBB".into();
    let effect = model.put_patient(mine);
    persist::run_effects(&mut model, vec![effect], &b);
    assert_eq!(model.status.text, "saved (merged with Dr Ana Ruiz's change)");
    assert_eq!(on_disk(&a).notes, "A's note");
    assert_eq!(on_disk(&a).phone, "0100 BBB");
}

#[test]
fn compare_screen_snapshots() {
    use needleplan::domain::staff::{Role, StaffMember};
    let dir = tempfile::tempdir().unwrap();
    let (a, b, mut model) = setup(dir.path());
    let mut clinic = model.clinic.clone();
    clinic.staff = vec![StaffMember {
        login: needleplan::store::audit::os_user(),
        name: "Dr Ana Ruiz".into(),
        roles: Role::ALL.to_vec(),
        clinician: None,
    }];
    model.set_clinic(clinic);
    clash_on_contact_details(&a, &b, &mut model);
    type_keys(&mut model, &b, "Ct");
    insta::assert_snapshot!("compare_80x24", draw(&model, 80, 24));
    insta::assert_snapshot!("compare_160x50", draw(&model, 160, 50));
}

#[test]
fn a_colleagues_change_waits_under_my_open_form_and_is_merged_when_i_save_it() {
    use needleplan::app::model::FormPurpose;
    use needleplan::app::patient_form;
    let dir = tempfile::tempdir().unwrap();
    let (a, b, mut model) = setup(dir.path());
    // I have an unsaved edit (its save failed, say) and the patient form open again.
    let mut mine = model.patient(&pid()).unwrap().clone();
    mine.notes = "B's note".into();
    model.put_patient(mine.clone());
    model.overlay = Overlay::Form(
        FormPurpose::EditPatient(pid()),
        patient_form::form("Edit patient", &mine.details()),
    );
    // A changes the phone meanwhile; my poll holds it back under the open form.
    let mut theirs = on_disk(&a);
    theirs.phone = "0100 AAA".into();
    assert_eq!(a.save(&theirs), Ok(2));
    persist::poll(&mut model, &b);
    assert_eq!(
        model.patient(&pid()).unwrap().phone,
        "0100 000",
        "not under the form"
    );
    assert!(model.incoming.contains_key(&pid()));

    // The form is saved with its (older) phone: A's phone is not undone by it.
    type_keys(&mut model, &b, "<Enter>");
    assert!(model.conflicts.is_empty(), "{}", model.status.text);
    let disk = on_disk(&a);
    assert_eq!(disk.phone, "0100 AAA", "A's change kept");
    assert_eq!(disk.notes, "B's note", "mine kept");
    assert!(model.status.text.contains("merged with"), "{}", model.status.text);
}
