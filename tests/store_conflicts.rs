//! Two instances on one data dir, in one process: revision-checked saves (a stale save
//! is a conflict and writes nothing; different patients never conflict), polling for
//! changes made by the other instance (and never one's own), the model's handling of
//! conflicts and external changes, and a property test of interleaved edits.
//! Every test works in its own temporary dir.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use chrono::{NaiveDate, NaiveDateTime};
use needleplan::app::model::{FormPurpose, Overlay, StatusKind};
use needleplan::app::persist::{self, CONFLICT_MESSAGE};
use needleplan::app::{Model, patient_form};
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::store::patient_file;
use needleplan::store::templates::Templates;
use needleplan::store::{PatientStore, SaveError};
use proptest::prelude::*;

mod common;
use common::keys::type_keys;

fn today() -> NaiveDate {
    "2026-11-25".parse().unwrap()
}

fn now() -> NaiveDateTime {
    today().and_hms_opt(10, 0, 0).unwrap()
}

fn pid(s: &str) -> PatientId {
    PatientId::new(s).unwrap()
}

fn patient(id: &str, name: &str) -> Patient {
    let details = PatientDetails {
        full_name: name.into(),
        phone: "+44 20 7946 0000".into(),
        ..PatientDetails::default()
    };
    Patient::new(pid(id), details, today())
}

/// An instance: a store that has loaded the dir, as the app does at start.
fn instance(dir: &Path) -> (PatientStore, Vec<Patient>) {
    let mut store = PatientStore::open(dir).unwrap();
    let report = store.load_all().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    (store, report.patients)
}

fn find(patients: &[Patient], id: &str) -> Patient {
    patients.iter().find(|p| p.id.as_str() == id).unwrap().clone()
}

fn on_disk(store: &PatientStore, id: &str) -> Patient {
    patient_file::decode(&fs::read(store.path_of(&pid(id))).unwrap()).unwrap()
}

/// A data dir with patients X and Y saved once (revision 1).
fn clinic() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let store = PatientStore::open(dir.path()).unwrap();
    for p in [patient("p-x", "Xena Example"), patient("p-y", "Yann Example")] {
        assert_eq!(store.save(&p), Ok(1));
    }
    dir
}

// ---------------------------------------------------------------------------------------
// 1. Revision-checked saves
// ---------------------------------------------------------------------------------------

#[test]
fn a_stale_save_is_a_conflict_carrying_their_version_and_writes_nothing() {
    let dir = clinic();
    let (a, a_patients) = instance(dir.path());
    let (b, b_patients) = instance(dir.path());
    let mut mine_a = find(&a_patients, "p-x");
    let mut mine_b = find(&b_patients, "p-x");
    assert_eq!((mine_a.revision, mine_b.revision), (1, 1));

    mine_a.notes = "A: allergic to lidocaine".into();
    mine_a.revision = a.save(&mine_a).unwrap();
    assert_eq!(mine_a.revision, 2);
    let bytes_after_a = fs::read(a.path_of(&pid("p-x"))).unwrap();

    mine_b.phone = "0161 000 000".into();
    let err = b.save(&mine_b).unwrap_err();
    let SaveError::Conflict(theirs) = &err else {
        panic!("expected a conflict, got {err:?}");
    };
    assert_eq!(**theirs, mine_a, "the conflict carries the version on disk");
    assert!(err.to_string().contains("patients/p-x.json"), "{err}");
    assert_eq!(
        fs::read(a.path_of(&pid("p-x"))).unwrap(),
        bytes_after_a,
        "B's edit must not be written"
    );

    // Saving the same stale edit again is still a conflict (never retried into a write).
    assert!(matches!(b.save(&mine_b), Err(SaveError::Conflict(_))));

    // B chooses: its edit on top of A's revision (here: both changes kept).
    let mut merged = (**theirs).clone();
    merged.phone = mine_b.phone.clone();
    assert_eq!(b.save(&merged), Ok(3));
    let disk = on_disk(&a, "p-x");
    assert_eq!(disk.notes, "A: allergic to lidocaine");
    assert_eq!(disk.phone, "0161 000 000");
    assert_eq!(disk.revision, 3);
}

#[test]
fn edits_to_different_patients_never_conflict() {
    let dir = clinic();
    let (a, a_patients) = instance(dir.path());
    let (b, b_patients) = instance(dir.path());
    let mut x = find(&a_patients, "p-x");
    let mut y = find(&b_patients, "p-y");
    for i in 0..60 {
        x.notes.push_str(&format!(" a{i}"));
        x.revision = a.save(&x).expect("A's patient never conflicts");
        y.notes.push_str(&format!(" b{i}"));
        y.revision = b.save(&y).expect("B's patient never conflicts");
    }
    assert_eq!(on_disk(&a, "p-x"), x);
    assert_eq!(on_disk(&a, "p-y"), y);
    assert_eq!((x.revision, y.revision), (61, 61));
}

#[test]
fn two_new_records_with_one_id_conflict_instead_of_replacing_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = instance(dir.path());
    let (b, _) = instance(dir.path());
    let first = patient("p-same", "First Person");
    let second = patient("p-same", "Second Person");
    assert_eq!(a.save(&first), Ok(1));
    match b.save(&second) {
        Err(SaveError::Conflict(theirs)) => assert_eq!(theirs.full_name, "First Person"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(on_disk(&a, "p-same").full_name, "First Person");
}

#[test]
fn the_very_same_change_made_twice_is_not_a_conflict() {
    let dir = clinic();
    let (a, a_patients) = instance(dir.path());
    let (b, b_patients) = instance(dir.path());
    let mut in_a = find(&a_patients, "p-x");
    let mut in_b = find(&b_patients, "p-x");
    in_a.archived = true;
    in_b.archived = true;
    assert_eq!(a.save(&in_a), Ok(2));
    let bytes = fs::read(a.path_of(&pid("p-x"))).unwrap();
    assert_eq!(b.save(&in_b), Ok(2), "nothing to choose between");
    assert_eq!(fs::read(a.path_of(&pid("p-x"))).unwrap(), bytes, "not rewritten");
}

#[test]
fn a_file_removed_behind_our_back_is_written_again() {
    let dir = clinic();
    let (a, patients) = instance(dir.path());
    let mut x = find(&patients, "p-x");
    fs::remove_file(a.path_of(&x.id)).unwrap();
    x.notes = "still here".into();
    assert_eq!(a.save(&x), Ok(2));
    assert_eq!(on_disk(&a, "p-x").notes, "still here");
}

// ---------------------------------------------------------------------------------------
// 2. Polling for changes made by other instances
// ---------------------------------------------------------------------------------------

fn revisions(changes: &needleplan::store::Changes) -> Vec<(String, u64)> {
    changes
        .updated
        .iter()
        .map(|p| (p.id.to_string(), p.revision))
        .collect()
}

#[test]
fn poll_sees_the_other_instances_saves_and_never_its_own() {
    let dir = clinic();
    let (a, a_patients) = instance(dir.path());
    let (b, b_patients) = instance(dir.path());
    assert!(a.poll_changes().unwrap().is_empty(), "nothing changed since load");
    assert!(b.poll_changes().unwrap().is_empty());

    let mut x = find(&a_patients, "p-x");
    x.notes = "changed by A".into();
    x.revision = a.save(&x).unwrap();
    let seen = b.poll_changes().unwrap();
    assert_eq!(seen.updated, vec![x.clone()]);
    assert!(seen.problems.is_empty());
    assert!(b.poll_changes().unwrap().is_empty(), "reported once");
    assert!(
        a.poll_changes().unwrap().is_empty(),
        "A's own save is not a change"
    );

    let mut y = find(&b_patients, "p-y");
    y.full_name = "Yann Renamed".into();
    y.revision = b.save(&y).unwrap();
    assert!(
        b.poll_changes().unwrap().is_empty(),
        "B's own save is not a change"
    );
    assert_eq!(revisions(&a.poll_changes().unwrap()), vec![("p-y".into(), 2)]);

    // A new patient appears too.
    let z = patient("p-z", "Zed New");
    a.save(&z).unwrap();
    assert_eq!(revisions(&b.poll_changes().unwrap()), vec![("p-z".into(), 1)]);
    assert!(a.poll_changes().unwrap().is_empty());
}

#[test]
fn rapid_saves_are_all_seen_even_within_one_clock_tick() {
    let dir = clinic();
    let (a, a_patients) = instance(dir.path());
    let (b, _) = instance(dir.path());
    let mut x = find(&a_patients, "p-x");
    let mut last_seen = 1;
    for i in 0..40 {
        x.notes = format!("edit {i:03}"); // same length every time
        x.revision = a.save(&x).unwrap();
        let changes = b.poll_changes().unwrap();
        assert_eq!(revisions(&changes), vec![("p-x".into(), x.revision)], "edit {i}");
        assert_eq!(changes.updated[0].notes, x.notes);
        last_seen = x.revision;
    }
    assert_eq!(last_seen, 41);
    assert!(b.poll_changes().unwrap().is_empty());
}

#[test]
fn a_file_that_turns_newer_is_reported_once_as_read_only_and_protected() {
    let dir = clinic();
    let (a, _) = instance(dir.path());
    let (b, b_patients) = instance(dir.path());
    let path = a.path_of(&pid("p-x"));
    let mut future: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    future["schema_version"] = serde_json::json!(patient_file::SCHEMA_VERSION + 1);
    let future = serde_json::to_vec_pretty(&future).unwrap();
    fs::write(&path, &future).unwrap();

    let changes = b.poll_changes().unwrap();
    assert!(changes.updated.is_empty());
    assert!(changes.problems.is_empty(), "{changes:?}");
    // Its shape is one this version knows, so it is shown read-only, not hidden.
    assert_eq!(changes.read_only.len(), 1, "{changes:?}");
    assert_eq!(changes.read_only[0].patient.id.as_str(), "p-x");
    assert_eq!(
        changes.read_only[0].schema_version,
        patient_file::SCHEMA_VERSION + 1
    );
    assert!(b.protected_ids().contains("p-x"));
    for _ in 0..3 {
        assert!(b.poll_changes().unwrap().is_empty(), "reported once");
    }
    let mut x = find(&b_patients, "p-x");
    x.notes = "edit".into();
    assert!(matches!(b.save(&x), Err(SaveError::Protected(_))));
    assert!(matches!(a.save(&x), Err(SaveError::Protected(_))));
    assert_eq!(fs::read(&path).unwrap(), future, "never overwritten");
}

#[test]
fn temp_files_of_a_save_in_progress_are_never_reported() {
    let dir = clinic();
    let (b, _) = instance(dir.path());
    let patients = dir.path().join("patients");
    fs::write(patients.join(".tmp-AbCdEf.json"), b"{ half a fi").unwrap();
    fs::write(patients.join(".tmp-GhIjKl.json"), b"").unwrap();
    assert!(b.poll_changes().unwrap().is_empty());
}

/// Sets a file's (or dir's) mtime `secs` into the past.
fn backdate(path: &Path, secs: u64) {
    let t = SystemTime::now() - Duration::from_secs(secs);
    fs::File::open(path).unwrap().set_modified(t).unwrap();
}

#[test]
fn polling_10000_patients_costs_one_stat_when_nothing_changed() {
    let dir = tempfile::tempdir().unwrap();
    let writer = PatientStore::open(dir.path()).unwrap();
    let patients_dir = dir.path().join("patients");
    let started = Instant::now();
    let long_ago = SystemTime::now() - Duration::from_secs(60);
    for i in 0..10_000u32 {
        let mut p = patient(&format!("p-{i:08x}"), &format!("Patient {i}"));
        p.revision = 1;
        // Written directly (no fsync): this test is about reading.
        let mut file = fs::File::create(writer.path_of(&p.id)).unwrap();
        file.write_all(&patient_file::encode(&p)).unwrap();
        // As in a clinic: files written long ago (recent ones are read again on a poll,
        // since a coarse clock could hide a second change in the same tick).
        file.set_modified(long_ago).unwrap();
    }
    backdate(&patients_dir, 60);
    let written = started.elapsed();

    let started = Instant::now();
    let (reader, loaded) = instance(dir.path());
    assert_eq!(loaded.len(), 10_000);
    let load = started.elapsed();

    // Nothing changed: one stat of the dir per poll.
    let rounds = 2_000;
    let started = Instant::now();
    for _ in 0..rounds {
        assert!(reader.poll_changes().unwrap().is_empty());
    }
    let per_poll = started.elapsed() / rounds;
    eprintln!("10,000 files: written in {written:?}, loaded in {load:?}, an idle poll takes {per_poll:?}");
    assert!(
        per_poll < Duration::from_micros(200),
        "an idle poll took {per_poll:?}"
    );

    // One patient changed by another instance: found, and only that one is read.
    let mut changed = find(&loaded, "p-00000100");
    changed.notes = "changed elsewhere".into();
    assert_eq!(writer.save(&changed), Ok(2));
    let started = Instant::now();
    let changes = reader.poll_changes().unwrap();
    let scan = started.elapsed();
    eprintln!("a poll after one change among 10,000 files took {scan:?} (a stat of each)");
    assert_eq!(revisions(&changes), vec![("p-00000100".into(), 2)]);
    assert!(scan < Duration::from_secs(2), "{scan:?}");
}

// ---------------------------------------------------------------------------------------
// 3. The model: conflicts kept, external changes taken in
// ---------------------------------------------------------------------------------------

fn model_of(patients: Vec<Patient>) -> Model {
    Model::new(now(), Templates::builtin(), patients).with_clinic(needleplan::store::demo::demo_settings())
}

#[test]
fn a_clashing_save_keeps_my_edit_stores_theirs_and_is_not_retried() {
    let dir = clinic();
    let (a, a_patients) = instance(dir.path());
    let (b, b_patients) = instance(dir.path());
    let mut model = model_of(b_patients);

    let mut x = find(&a_patients, "p-x");
    x.phone = "0161 111".into();
    x.revision = a.save(&x).unwrap();

    let mut mine = model.patient(&pid("p-x")).unwrap().clone();
    mine.phone = "0161 999".into();
    let effect = model.put_patient(mine.clone());
    persist::run_effects(&mut model, vec![effect], &b);

    assert_eq!(model.status.kind, StatusKind::Error);
    assert_eq!(model.status.text, CONFLICT_MESSAGE);
    let conflict = model.conflicts.get(&pid("p-x")).expect("a clash");
    assert_eq!(conflict.theirs, x, "theirs is kept");
    assert_eq!(conflict.merge.clashes.len(), 1);
    assert_eq!(model.patient(&pid("p-x")), Some(&mine), "my edit is kept");
    assert!(model.unsaved.is_empty(), "a conflict is not retried blindly");
    assert_eq!(on_disk(&a, "p-x"), x, "nothing overwritten");

    // The user takes theirs for the one clashing field: theirs is what is saved.
    type_keys(&mut model, &b, "Ct<Enter>");
    assert!(model.conflicts.is_empty());
    assert_eq!(on_disk(&a, "p-x").phone, "0161 111");
    assert_eq!(model.patient(&pid("p-x")).unwrap().phone, "0161 111");
}

#[test]
fn keeping_my_value_for_a_clash_keeps_their_other_changes() {
    let dir = clinic();
    let (a, a_patients) = instance(dir.path());
    let (b, b_patients) = instance(dir.path());
    let mut model = model_of(b_patients);
    let mut x = find(&a_patients, "p-x");
    x.notes = "A's note".into();
    x.phone = "0161 111".into();
    x.revision = a.save(&x).unwrap();

    let mut mine = model.patient(&pid("p-x")).unwrap().clone();
    mine.phone = "0161 999".into();
    let effect = model.put_patient(mine);
    persist::run_effects(&mut model, vec![effect], &b);
    assert!(model.conflicts.contains_key(&pid("p-x")));

    type_keys(&mut model, &b, "Cm<Enter>");
    assert_eq!(model.status.kind, StatusKind::Saved, "{:?}", model.status);
    assert!(model.conflicts.is_empty());
    let disk = on_disk(&a, "p-x");
    assert_eq!(disk.phone, "0161 999", "my value, chosen knowingly");
    assert_eq!(
        disk.notes, "A's note",
        "outside the clash, theirs is never dropped"
    );
    assert_eq!(disk.revision, 3);
    assert_eq!(model.patient(&pid("p-x")).unwrap().revision, 3);
}

#[test]
fn changes_to_different_fields_are_saved_merged_without_asking() {
    let dir = clinic();
    let (a, a_patients) = instance(dir.path());
    let (b, b_patients) = instance(dir.path());
    let mut model = model_of(b_patients);
    let mut x = find(&a_patients, "p-x");
    x.notes = "A's note".into();
    x.revision = a.save(&x).unwrap();

    let mut mine = model.patient(&pid("p-x")).unwrap().clone();
    mine.phone = "0161 999".into();
    let effect = model.put_patient(mine);
    persist::run_effects(&mut model, vec![effect], &b);
    assert!(model.conflicts.is_empty());
    assert_eq!(model.status.kind, StatusKind::Saved, "{:?}", model.status);
    assert!(
        model.status.text.contains("saved (merged with") && model.status.text.contains("'s change)"),
        "{}",
        model.status.text
    );
    let disk = on_disk(&a, "p-x");
    assert_eq!(
        (disk.phone.as_str(), disk.notes.as_str()),
        ("0161 999", "A's note")
    );
    assert_eq!(disk.revision, 3);
    assert_eq!(model.patient(&pid("p-x")), Some(&disk));
}

#[test]
fn successful_saves_move_the_models_revision_on() {
    let dir = clinic();
    let (b, b_patients) = instance(dir.path());
    let mut model = model_of(b_patients);
    for i in 0..5 {
        let mut x = model.patient(&pid("p-x")).unwrap().clone();
        x.notes = format!("edit {i}");
        let effect = model.put_patient(x);
        persist::run_effects(&mut model, vec![effect], &b);
        assert_eq!(model.status.kind, StatusKind::Saved);
        assert_eq!(model.patient(&pid("p-x")).unwrap().revision, 2 + i);
    }
}

#[test]
fn polled_changes_replace_untouched_patients_and_merge_with_unsaved_edits() {
    let dir = clinic();
    let (a, a_patients) = instance(dir.path());
    let (b, b_patients) = instance(dir.path());
    let mut model = model_of(b_patients);

    // Y is edited in B but its save fails (the edit waits in `unsaved`).
    let mut y_mine = model.patient(&pid("p-y")).unwrap().clone();
    y_mine.notes = "B's pending note".into();
    model.put_patient(y_mine.clone());
    model.unsaved.insert(pid("p-y"));

    // A changes X and Y and adds Z.
    let mut x = find(&a_patients, "p-x");
    x.full_name = "Xena Changed".into();
    x.revision = a.save(&x).unwrap();
    let mut y = find(&a_patients, "p-y");
    y.phone = "0207 000".into();
    y.revision = a.save(&y).unwrap();
    let mut z = patient("p-z", "Zed New");
    z.revision = a.save(&z).unwrap();

    persist::poll(&mut model, &b);
    assert_eq!(model.patient(&pid("p-x")), Some(&x), "untouched: replaced");
    assert_eq!(model.patient(&pid("p-z")), Some(&z), "new: added");
    let merged = model.patient(&pid("p-y")).unwrap();
    assert_eq!(merged.notes, y_mine.notes, "my edit kept");
    assert_eq!(merged.phone, y.phone, "their change merged in");
    assert_eq!(merged.revision, y.revision, "saved next on top of theirs");
    assert!(model.conflicts.is_empty());
    assert!(model.unsaved.contains(&pid("p-y")), "the merge waits to be saved");
    assert_eq!(model.others_updated, 2, "X and Z, on the title bar's counter");
    assert_ne!(model.status.text, CONFLICT_MESSAGE);

    // Nothing new: a second poll changes nothing.
    let before = model.patients.clone();
    persist::poll(&mut model, &b);
    assert_eq!(model.patients, before);
}

#[test]
fn a_change_to_a_patient_whose_form_is_open_waits_until_it_closes() {
    let dir = clinic();
    let (a, a_patients) = instance(dir.path());
    let (b, b_patients) = instance(dir.path());
    let mut model = model_of(b_patients);
    let old = model.patient(&pid("p-x")).unwrap().clone();
    model.overlay = Overlay::Form(
        FormPurpose::EditPatient(pid("p-x")),
        patient_form::form("Edit patient", &old.details()),
    );

    let mut x = find(&a_patients, "p-x");
    x.email = "x@example.com".into();
    x.revision = a.save(&x).unwrap();
    persist::poll(&mut model, &b);
    assert_eq!(model.patient(&pid("p-x")), Some(&old), "not under an open form");
    assert_eq!(model.incoming.get(&pid("p-x")), Some(&x));

    model.overlay = Overlay::None;
    persist::poll(&mut model, &b);
    assert_eq!(model.patient(&pid("p-x")), Some(&x));
    assert!(model.incoming.is_empty());
}

#[test]
fn a_form_saved_over_a_held_back_change_is_merged_with_it() {
    let dir = clinic();
    let (a, a_patients) = instance(dir.path());
    let (b, b_patients) = instance(dir.path());
    let mut model = model_of(b_patients);
    let mut x = find(&a_patients, "p-x");
    x.email = "x@example.com".into();
    x.revision = a.save(&x).unwrap();

    let mut mine = model.patient(&pid("p-x")).unwrap().clone();
    model.overlay = Overlay::Form(
        FormPurpose::EditPatient(pid("p-x")),
        patient_form::form("Edit patient", &mine.details()),
    );
    persist::poll(&mut model, &b);
    assert!(model.incoming.contains_key(&pid("p-x")));

    // The form is saved with values from before A's change.
    model.overlay = Overlay::None;
    mine.phone = "0161 1".into();
    let effect = model.put_patient(mine.clone());
    persist::run_effects(&mut model, vec![effect], &b);
    assert!(model.conflicts.is_empty());
    assert!(model.incoming.is_empty());
    let disk = on_disk(&a, "p-x");
    assert_eq!(disk.email, x.email, "A's email is not lost");
    assert_eq!(disk.phone, "0161 1", "nor my phone");
}

// ---------------------------------------------------------------------------------------
// 4. Property: interleaved edits of two instances lose nothing
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Two instances apply edits in a random interleaving, each appending a token to a
    /// patient's notes. A conflict takes their version and applies the edit on top (as a
    /// user choosing to merge would). At the end every token is on disk, once, in the
    /// order of the successful saves, and revisions went up by one per save.
    #[test]
    fn interleaved_edits_lose_nothing(ops in prop::collection::vec((0usize..2, 0usize..3), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let ids = ["p-a", "p-b", "p-c"];
        let stores = [PatientStore::open(dir.path()).unwrap(), PatientStore::open(dir.path()).unwrap()];
        let mut copies: Vec<Vec<Patient>> = (0..2)
            .map(|_| ids.iter().map(|id| patient(id, "Same Start")).collect())
            .collect();
        let mut expected: Vec<String> = vec![String::new(); 3];
        let mut saves = [0u64; 3];
        for (n, (who, which)) in ops.into_iter().enumerate() {
            let token = format!(" {who}:{n}");
            let mut edited = copies[who][which].clone();
            edited.notes.push_str(&token);
            let revision = match stores[who].save(&edited) {
                Ok(r) => r,
                Err(SaveError::Conflict(theirs)) => {
                    let mut merged = *theirs;
                    merged.notes.push_str(&token);
                    stores[who].save(&merged).expect("on top of theirs, nothing is stale")
                }
                Err(e) => panic!("{e}"),
            };
            saves[which] += 1;
            prop_assert_eq!(revision, saves[which]);
            expected[which].push_str(&token);
            let mut now = on_disk(&stores[who], ids[which]);
            prop_assert_eq!(&now.notes, &expected[which]);
            now.revision = revision;
            copies[who][which] = now;
        }
        for (i, id) in ids.iter().enumerate() {
            if saves[i] > 0 {
                prop_assert_eq!(&on_disk(&stores[0], id).notes, &expected[i]);
            }
        }
    }
}
