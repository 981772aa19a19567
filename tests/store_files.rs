//! Store-level tests: patient files on disk, in temporary dirs only (never the real data
//! dir). Round trips, corrupt and future files (reported, protected, never rewritten),
//! atomic writes, permissions, the v1 sample file, templates, data dir choice, demo.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use needleplan::domain::aftercare::ChecklistEntry;
use needleplan::domain::patient::{Patient, PatientId};
use needleplan::domain::series::{Series, Session, SessionStatus};
use needleplan::store::demo::{demo_patients, install};
use needleplan::store::lock::LOCK_FILE;
use needleplan::store::paths::{PATIENTS_DIR, choose_data_dir};
use needleplan::store::patient_file::{self, DecodeError, SCHEMA_VERSION};
use needleplan::store::templates::{PROTOCOLS_FILE, Templates};
use needleplan::store::{LoadProblem, LoadReport, PatientStore, SaveError};
use proptest::prelude::*;
use tempfile::TempDir;

mod common;
#[cfg(unix)]
use common::as_nobody::AsNobody;
use common::skip::skip;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn today() -> NaiveDate {
    d("2026-11-25")
}

fn id(s: &str) -> PatientId {
    PatientId::new(s).unwrap()
}

/// A fresh (not yet existing) data dir inside a new temporary dir.
fn fresh_dir() -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    (tmp, data)
}

fn open(data: &Path) -> PatientStore {
    PatientStore::open(data).unwrap()
}

fn load(data: &Path) -> (PatientStore, LoadReport) {
    let mut store = open(data);
    let report = store.load_all().unwrap();
    (store, report)
}

/// Saves `p` as the app does: from the revision it was loaded at, keeping the new one.
fn save(store: &PatientStore, p: &mut Patient) {
    p.revision = store.save(p).unwrap();
}

fn sorted(mut patients: Vec<Patient>) -> Vec<Patient> {
    patients.sort_by(|a, b| a.id.cmp(&b.id));
    patients
}

fn patients_path(data: &Path) -> PathBuf {
    data.join(PATIENTS_DIR)
}

/// Names of every entry of `dir` (hidden ones included), sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every file and dir under `root`, as `/`-separated paths relative to it, sorted.
fn tree(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if e.file_type().unwrap().is_dir() {
                out.push(format!("{rel}/"));
                walk(root, &e.path(), out);
            } else {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// A small but complete patient: a series with a done session and a ticked item.
fn sample_patient(raw_id: &str) -> Patient {
    let at = |date: &str, time: &str| -> NaiveDateTime {
        d(date).and_time(NaiveTime::parse_from_str(time, "%H:%M").unwrap())
    };
    Patient {
        id: id(raw_id),
        full_name: "Ann \"Annie\" O'Neil\nsecond line, Zoë 李".into(),
        date_of_birth: Some(d("1990-05-01")),
        phone: "+44 20 7946 0000".into(),
        email: "ann@example.com".into(),
        notes: "Fitzpatrick II".into(),
        archived: false,
        created: d("2026-10-01"),
        revision: 0,
        skin: Vec::new(),
        screening: Default::default(),
        history: Vec::new(),
        series: vec![Series {
            protocol_id: "acne-scars-standard".into(),
            protocol_name: "Acne scars, standard".into(),
            interval_days: 28,
            min_interval_days: 14,
            created: d("2026-10-01"),
            sessions: vec![
                Session {
                    date: d("2026-10-10"),
                    time: Some(NaiveTime::from_hms_opt(9, 30, 0).unwrap()),
                    status: SessionStatus::Done,
                    notes: "1.5 mm".into(),
                    checklist: vec![
                        ChecklistEntry {
                            item_id: "day0-instructions".into(),
                            day: 0,
                            text: "Aftercare sheet given".into(),
                            ticked_at: Some(at("2026-10-10", "10:45")),
                        },
                        ChecklistEntry {
                            item_id: "day1-call".into(),
                            day: 1,
                            text: "Follow-up call".into(),
                            ticked_at: None,
                        },
                    ],
                    ..Default::default()
                },
                Session::planned(d("2026-11-07"), None),
            ],
            ..Default::default()
        }],
    }
}

/// The problem reported for `patients/<name>`, failing with the whole report if none.
fn problem_for<'a>(report: &'a LoadReport, name: &str) -> &'a LoadProblem {
    let file = format!("patients/{name}");
    report
        .problems
        .iter()
        .find(|p| p.file == file)
        .unwrap_or_else(|| panic!("no problem reported for {file}: {:?}", report.problems))
}

// ---------------------------------------------------------------------------------------
// 1. Round trip of the demo clinic through save / load_all
// ---------------------------------------------------------------------------------------

#[test]
fn demo_patients_round_trip_through_save_and_load_all() {
    let (_tmp, data) = fresh_dir();
    let mut patients = demo_patients(today());
    assert!(!patients.is_empty());
    let store = open(&data);
    for p in &mut patients {
        save(&store, p);
        assert_eq!(p.revision, 1, "a first save makes revision 1");
    }
    let (store, report) = load(&data);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(store.protected_ids().is_empty());
    assert_eq!(sorted(report.patients), sorted(patients.clone()));

    // One file per patient, named by id only, each with a top-level schema_version.
    // Sorted as the names are (as strings), not as the ids.
    let mut expected: Vec<String> = patients.iter().map(|p| format!("{}.json", p.id)).collect();
    expected.sort();
    assert_eq!(names_in(&patients_path(&data)), expected);
    for p in &patients {
        let bytes = fs::read(store.path_of(&p.id)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["schema_version"], serde_json::json!(SCHEMA_VERSION));
        assert_eq!(v["patient"]["id"], serde_json::json!(p.id.as_str()));
        assert!(
            !names_in(&patients_path(&data))
                .iter()
                .any(|n| n.contains(&p.full_name)),
            "a patient name appears in a file name"
        );
    }
}

#[test]
fn saving_again_replaces_the_file_and_loads_the_new_version() {
    let (_tmp, data) = fresh_dir();
    let store = open(&data);
    let mut p = sample_patient("p-0000b001");
    save(&store, &mut p);
    p.full_name = "Changed Name".into();
    p.series[0].sessions[1].status = SessionStatus::Booked;
    save(&store, &mut p);
    assert_eq!(p.revision, 2);
    let (_, report) = load(&data);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.patients, vec![p]);
}

// ---------------------------------------------------------------------------------------
// 2. Property-based round trips
// ---------------------------------------------------------------------------------------

fn arb_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "\\PC{0,12}",
        2 => any::<String>(),
        1 => prop::sample::select(vec![
            "\"", "'", "\\", "\n", "\r\n", "\t", "\u{0}", "\u{1b}[31m", "\u{7f}",
            "\u{2028}", "\u{feff}", "Zoë", "Ñúñez", "李小龍", "Ольга", "👩‍⚕️", "é",
            "{\"patient\":null}", "</script>", "",
        ])
        .prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..4).prop_map(|parts| parts.concat())
}

fn arb_date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        8 => (0i64..365 * 300).prop_map(|n| d("1900-01-01") + chrono::Duration::days(n)),
        1 => Just(NaiveDate::MIN),
        1 => Just(NaiveDate::MAX),
    ]
}

fn arb_time() -> impl Strategy<Value = NaiveTime> {
    prop_oneof![
        6 => (0u32..24, 0u32..60).prop_map(|(h, m)| NaiveTime::from_hms_opt(h, m, 0).unwrap()),
        2 => (0u32..24, 0u32..60, 0u32..60, 0u32..1_000_000_000)
            .prop_map(|(h, m, s, n)| NaiveTime::from_hms_nano_opt(h, m, s, n).unwrap()),
        // chrono's leap second representation
        1 => (0u32..24, 0u32..60, 1_000_000_000u32..2_000_000_000)
            .prop_map(|(h, m, n)| NaiveTime::from_hms_nano_opt(h, m, 59, n).unwrap()),
    ]
}

fn arb_entry() -> impl Strategy<Value = ChecklistEntry> {
    (
        arb_text(),
        any::<u32>(),
        arb_text(),
        prop::option::of((arb_date(), arb_time())),
    )
        .prop_map(|(item_id, day, text, ticked)| ChecklistEntry {
            item_id,
            day,
            text,
            ticked_at: ticked.map(|(date, time)| date.and_time(time)),
        })
}

fn arb_session() -> impl Strategy<Value = Session> {
    (
        arb_date(),
        prop::option::of(arb_time()),
        prop::sample::select(SessionStatus::ALL.to_vec()),
        arb_text(),
        prop::collection::vec(arb_entry(), 0..4),
    )
        .prop_map(|(date, time, status, notes, checklist)| Session {
            date,
            time,
            status,
            notes,
            checklist,
            ..Default::default()
        })
}

fn arb_series() -> impl Strategy<Value = Series> {
    (
        arb_text(),
        arb_text(),
        any::<u32>(),
        any::<u32>(),
        arb_date(),
        prop::collection::vec(arb_session(), 0..5),
    )
        .prop_map(
            |(protocol_id, protocol_name, interval_days, min_interval_days, created, sessions)| Series {
                protocol_id,
                protocol_name,
                interval_days,
                min_interval_days,
                created,
                sessions,
                ..Default::default()
            },
        )
}

fn arb_id() -> impl Strategy<Value = PatientId> {
    "[a-z0-9-]{1,64}".prop_map(|s| PatientId::new(&s).unwrap())
}

fn arb_patient() -> impl Strategy<Value = Patient> {
    (
        (arb_id(), arb_text(), prop::option::of(arb_date())),
        (arb_text(), arb_text(), arb_text(), any::<bool>()),
        (
            arb_date(),
            prop::collection::vec(arb_series(), 0..3),
            prop_oneof![4 => 0u64..5, 1 => any::<u64>()],
        ),
    )
        .prop_map(
            |(
                (id, full_name, date_of_birth),
                (phone, email, notes, archived),
                (created, series, revision),
            )| Patient {
                id,
                full_name,
                date_of_birth,
                phone,
                email,
                notes,
                archived,
                created,
                series,
                revision,
                skin: Vec::new(),
                screening: Default::default(),
                history: Vec::new(),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn encode_then_decode_is_identity(p in arb_patient()) {
        let bytes = patient_file::encode(&p);
        let back = patient_file::decode(&bytes);
        prop_assert_eq!(back, Ok(p.clone()));
        // The envelope shape is fixed: a top-level schema_version and the patient.
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        prop_assert_eq!(&v["schema_version"], &serde_json::json!(SCHEMA_VERSION));
        prop_assert_eq!(&v["patient"]["id"], &serde_json::json!(p.id.as_str()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn save_then_load_all_is_identity(patients in prop::collection::vec(arb_patient(), 0..6)) {
        // Unique ids (a later patient with the same id replaces the earlier one).
        let mut by_id: BTreeMap<PatientId, Patient> =
            patients.into_iter().map(|mut p| { p.revision %= 1 << 40; (p.id.clone(), p) }).collect();
        let (_tmp, data) = fresh_dir();
        let store = open(&data);
        for p in by_id.values_mut() {
            // No file yet: written whatever revision the record had, one higher.
            let before = p.revision;
            save(&store, p);
            prop_assert_eq!(p.revision, before + 1);
        }
        let (store, report) = load(&data);
        prop_assert!(report.problems.is_empty(), "{:?}", report.problems);
        prop_assert!(store.protected_ids().is_empty());
        // Compared keyed by id, never as sorted lists: file names sort as strings
        // ("---.json" < "-.json") while ids sort as ids ("-" < "---").
        let loaded_count = report.patients.len();
        let loaded: BTreeMap<PatientId, Patient> =
            report.patients.into_iter().map(|p| (p.id.clone(), p)).collect();
        prop_assert_eq!(loaded_count, loaded.len(), "a patient was loaded twice");
        prop_assert_eq!(&loaded, &by_id);
        let files: BTreeSet<String> = by_id.keys().map(|id| format!("{id}.json")).collect();
        let on_disk = names_in(&patients_path(&data));
        prop_assert_eq!(on_disk.len(), files.len(), "{:?}", on_disk);
        prop_assert_eq!(on_disk.into_iter().collect::<BTreeSet<String>>(), files);
    }
}

// ---------------------------------------------------------------------------------------
// 3. Corrupt, future and mismatched files: reported, kept byte for byte, never overwritten
// ---------------------------------------------------------------------------------------

/// Valid file bytes of `sample_patient(raw_id)`.
fn valid_bytes(raw_id: &str) -> Vec<u8> {
    patient_file::encode(&sample_patient(raw_id))
}

fn future_bytes(raw_id: &str) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(&valid_bytes(raw_id)).unwrap();
    v["schema_version"] = serde_json::json!(99);
    v["patient"]["field_from_the_future"] = serde_json::json!({"x": [1, 2, 3]});
    serde_json::to_vec_pretty(&v).unwrap()
}

/// A newer file whose record this version cannot read even leniently (a field it knows
/// changed type): unlike one of a known shape (tests/read_only.rs), it is not shown
/// read-only but stays a problem.
fn future_bytes_of_unknown_shape(raw_id: &str) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(&future_bytes(raw_id)).unwrap();
    v["patient"]["full_name"] = serde_json::json!({"given": "Ann", "family": "Lee"});
    serde_json::to_vec_pretty(&v).unwrap()
}

struct BadFile {
    stem: &'static str,
    bytes: Vec<u8>,
    /// Checks the problem message.
    check: fn(&str),
}

fn syntax_error(msg: &str) {
    assert!(
        msg.contains("line") && msg.contains("column"),
        "a JSON syntax error must give line and column: {msg}"
    );
}

fn bad_files() -> Vec<BadFile> {
    let valid = valid_bytes("p-bad00001");
    vec![
        BadFile {
            stem: "p-bad00001",
            bytes: valid[..valid.len() / 2].to_vec(),
            check: syntax_error,
        },
        BadFile {
            stem: "p-bad00002",
            bytes: b"hello".to_vec(),
            check: syntax_error,
        },
        BadFile {
            stem: "p-bad00003",
            bytes: Vec::new(),
            check: syntax_error,
        },
        BadFile {
            stem: "p-bad00004",
            bytes: br#"{"schema_version": 1}"#.to_vec(),
            check: |msg| assert!(msg.contains("patient"), "{msg}"),
        },
        BadFile {
            stem: "p-bad00005",
            bytes: future_bytes_of_unknown_shape("p-bad00005"),
            check: |msg| {
                assert!(msg.contains("newer"), "{msg}");
                assert!(msg.contains("99"), "{msg}");
            },
        },
        BadFile {
            stem: "p-bad00006",
            bytes: valid_bytes("p-other0006"),
            check: |msg| {
                assert!(msg.contains("p-other0006"), "{msg}");
                assert!(msg.contains("p-bad00006"), "{msg}");
            },
        },
    ]
}

/// Puts the demo clinic and the `bad` files into a fresh data dir, loads it, and checks
/// everything the brief asks of a file that cannot be loaded.
fn check_bad_files(bad: &[BadFile]) {
    let (_tmp, data) = fresh_dir();
    let mut good = demo_patients(today());
    let store = open(&data);
    for p in &mut good {
        save(&store, p);
    }
    for b in bad {
        fs::write(patients_path(&data).join(format!("{}.json", b.stem)), &b.bytes).unwrap();
    }

    for round in 0..2 {
        let (store, report) = load(&data);
        assert_eq!(
            report.problems.len(),
            bad.len(),
            "round {round}: {:?}",
            report.problems
        );
        assert_eq!(
            sorted(report.patients.clone()),
            sorted(good.clone()),
            "round {round}: every other patient must still load"
        );
        for b in bad {
            let name = format!("{}.json", b.stem);
            let problem = problem_for(&report, &name);
            (b.check)(&problem.message);
            let path = patients_path(&data).join(&name);
            assert_eq!(fs::read(&path).unwrap(), b.bytes, "{name} changed by load_all");
            assert!(
                store.protected_ids().contains(b.stem),
                "{name} not protected: {:?}",
                store.protected_ids()
            );

            // A save under that id is refused and the bytes stay as they were.
            let err = store
                .save(&sample_patient(b.stem))
                .expect_err("saving over an unreadable file must be refused");
            assert!(matches!(err, SaveError::Protected(_)), "{err:?}");
            assert!(err.to_string().contains(&format!("patients/{name}")), "{err}");
            assert_eq!(fs::read(&path).unwrap(), b.bytes, "{name} changed by save");

            // So is one by an instance that never loaded it: the save reads the file first.
            let err = open(&data)
                .save(&sample_patient(b.stem))
                .expect_err("saving over an unreadable file must be refused");
            assert!(matches!(err, SaveError::Protected(_)), "{err:?}");
            assert!(err.to_string().contains(&format!("patients/{name}")), "{err}");
            assert_eq!(fs::read(&path).unwrap(), b.bytes, "{name} changed by save");
        }
        // Saving the good ones is still fine.
        save(&store, &mut good[0]);
    }
    // No temp files left anywhere.
    assert!(
        !names_in(&patients_path(&data)).iter().any(|n| n.starts_with('.')),
        "{:?}",
        names_in(&patients_path(&data))
    );
}

fn check_one(stem: &str) {
    let bad: Vec<BadFile> = bad_files().into_iter().filter(|b| b.stem == stem).collect();
    assert_eq!(bad.len(), 1);
    check_bad_files(&bad);
}

#[test]
fn a_truncated_file_is_reported_and_protected() {
    check_one("p-bad00001");
}

#[test]
fn a_file_that_is_not_json_is_reported_and_protected() {
    check_one("p-bad00002");
}

#[test]
fn an_empty_file_is_reported_and_protected() {
    check_one("p-bad00003");
}

#[test]
fn a_file_without_patient_is_reported_and_protected() {
    check_one("p-bad00004");
}

#[test]
fn a_file_from_a_newer_version_of_unknown_shape_is_reported_and_protected() {
    check_one("p-bad00005");
}

#[test]
fn a_file_whose_id_differs_from_its_name_is_reported_and_protected() {
    check_one("p-bad00006");
}

#[test]
fn all_kinds_of_bad_files_together_leave_the_others_loading() {
    check_bad_files(&bad_files());
}

#[test]
fn the_decode_errors_have_the_expected_kinds() {
    let valid = valid_bytes("p-0000c001");
    assert!(matches!(
        patient_file::decode(&valid[..valid.len() / 2]),
        Err(DecodeError::Corrupt(_))
    ));
    assert_eq!(
        patient_file::decode(&future_bytes("p-0000c001")),
        Err(DecodeError::FutureVersion(99))
    );
    for bad in [
        &br#"{"patient": {}}"#[..],
        br#"{"schema_version": 0, "patient": {}}"#,
        br#"{"schema_version": "1", "patient": {}}"#,
        br#"{"schema_version": -1, "patient": {}}"#,
        b"[]",
        b"null",
    ] {
        assert!(
            matches!(patient_file::decode(bad), Err(DecodeError::Corrupt(_))),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

/// `load_all` takes the id a file should hold from its name. `trim_end_matches(".json")`
/// strips the suffix repeatedly, so a stray copy `p-0000d001.json.json` is taken for
/// `p-0000d001` and the same patient is loaded twice (two records with one id; edits of
/// either are saved to `p-0000d001.json`). It should be reported as a file whose id does
/// not match its name (stem `p-0000d001.json`), like any other mismatch.
#[test]
fn a_double_extension_copy_is_not_loaded_as_a_duplicate() {
    let (_tmp, data) = fresh_dir();
    let store = open(&data);
    let mut p = sample_patient("p-0000d001");
    save(&store, &mut p);
    let copy = patients_path(&data).join("p-0000d001.json.json");
    fs::copy(store.path_of(&p.id), &copy).unwrap();
    let (_, report) = load(&data);
    assert_eq!(report.patients, vec![p], "the patient is loaded twice");
    problem_for(&report, "p-0000d001.json.json");
}

// ---------------------------------------------------------------------------------------
// 3b. What sits in patients/ may be no file at all: links, FIFOs, dirs, huge files
// ---------------------------------------------------------------------------------------

/// Runs `work` on a thread and fails, rather than hanging the whole suite, if it does
/// not come back: what these tests guard against is a read that blocks for ever.
fn must_finish<T: Send + 'static>(what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    rx.recv_timeout(std::time::Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("{what} never finished (blocked on a FIFO?)"))
}

/// A FIFO, a symlink to a valid patient file outside the data dir, and a directory, each
/// named like a patient file: every one is a problem naming what it is, none is opened,
/// followed or saved over, and the real patient still loads.
#[cfg(unix)]
#[test]
fn special_files_in_patients_are_problems_never_opened_or_followed() {
    let (tmp, data) = fresh_dir();
    let store = open(&data);
    let mut p = sample_patient("p-0000e001");
    save(&store, &mut p);
    let dir = patients_path(&data);
    nix::unistd::mkfifo(&dir.join("p-0000e002.json"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    // Outside the data dir, a file that would load as patient p-0000e003.
    let outside = tmp.path().join("elsewhere.json");
    let outside_bytes = valid_bytes("p-0000e003");
    fs::write(&outside, &outside_bytes).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("p-0000e003.json")).unwrap();
    fs::create_dir(dir.join("p-0000e004.json")).unwrap();

    let loaded = data.clone();
    let (store, report) = must_finish("load_all", move || load(&loaded));
    assert_eq!(
        report.patients,
        vec![p.clone()],
        "the linked record is not loaded"
    );
    for (name, what) in [
        ("p-0000e002.json", "is a FIFO (named pipe), not a regular file"),
        ("p-0000e003.json", "is a symbolic link, not a regular file"),
        ("p-0000e004.json", "is a directory, not a regular file"),
    ] {
        let problem = problem_for(&report, name);
        assert!(problem.message.starts_with(what), "{problem:?}");
        assert!(
            problem.message.contains("neither opens nor follows"),
            "{problem:?}"
        );
    }
    let protected = store.protected_ids();
    for stem in ["p-0000e002", "p-0000e003", "p-0000e004"] {
        assert!(
            protected.contains(stem),
            "{stem} must not be given out: {protected:?}"
        );
    }

    // A save to the link's name is refused: neither the link nor its target changes.
    let linked = patient_file::decode(&outside_bytes).unwrap();
    match store.save(&linked) {
        Err(SaveError::Protected(e)) => {
            assert!(e.to_string().contains("is a symbolic link"), "{e}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(fs::read(&outside).unwrap(), outside_bytes);
    assert!(
        fs::symlink_metadata(dir.join("p-0000e003.json"))
            .unwrap()
            .is_symlink()
    );

    // Polling (every tick in the app) does not block on the FIFO nor report the same
    // problems again; a FIFO that turns up later is reported. (Files this young are
    // looked at on every poll: their mtimes are too recent to trust.)
    let fifo = dir.join("p-0000e005.json");
    let (again, later) = must_finish("poll_changes", move || {
        let again = store.poll_changes().unwrap();
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        (again, store.poll_changes().unwrap())
    });
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(later.problems.len(), 1, "{later:?}");
    assert_eq!(later.problems[0].file, "patients/p-0000e005.json");
    assert!(later.problems[0].message.starts_with("is a FIFO"), "{later:?}");
}

/// A file far bigger than any record is a problem, reported with its size, never read
/// into memory, never saved over.
#[test]
fn a_file_over_the_size_cap_is_a_problem_and_not_read() {
    let (_tmp, data) = fresh_dir();
    let store = open(&data);
    let mut p = sample_patient("p-0000e011");
    save(&store, &mut p);
    let big = patients_path(&data).join("p-0000e012.json");
    // Sparse: 11 MB on paper, nothing on disk.
    let file = fs::File::create(&big).unwrap();
    file.set_len(11 * 1024 * 1024).unwrap();
    drop(file);

    let (store, report) = load(&data);
    assert_eq!(report.patients, vec![p]);
    let problem = problem_for(&report, "p-0000e012.json");
    assert!(
        problem
            .message
            .starts_with("is 11 MB, over the 10 MB a patient file may hold: not read"),
        "{problem:?}"
    );
    assert!(store.protected_ids().contains("p-0000e012"));
    let mut other = sample_patient("p-0000e012");
    other.revision = 0;
    assert!(matches!(store.save(&other), Err(SaveError::Protected(_))));
    assert_eq!(fs::metadata(&big).unwrap().len(), 11 * 1024 * 1024);
}

// ---------------------------------------------------------------------------------------
// 4. Fuzz-style: decode never panics
// ---------------------------------------------------------------------------------------

fn decode_no_panic(bytes: &[u8], what: &str) -> Result<Patient, DecodeError> {
    catch_unwind(AssertUnwindSafe(|| patient_file::decode(bytes)))
        .unwrap_or_else(|_| panic!("decode panicked on {what}: {:?}", String::from_utf8_lossy(bytes)))
}

/// Files to cut up (kept small: every offset is tried, in a debug build): the committed
/// v1 sample and the smallest and the median demo patient.
fn fuzz_seeds() -> Vec<Vec<u8>> {
    let mut encoded: Vec<Vec<u8>> = demo_patients(today()).iter().map(patient_file::encode).collect();
    encoded.sort_by_key(Vec::len);
    vec![
        fs::read(sample_dir().join("patients/p-0000a001.json")).unwrap(),
        encoded[0].clone(),
        encoded[encoded.len() / 2].clone(),
    ]
}

#[test]
fn every_truncation_of_a_valid_file_is_an_error_and_never_a_panic() {
    for full in fuzz_seeds() {
        assert!(decode_no_panic(&full, "the full file").is_ok());
        let content_len = full.trim_ascii_end().len();
        for cut in 0..full.len() {
            let result = decode_no_panic(&full[..cut], &format!("a cut at byte {cut}"));
            if cut < content_len {
                assert!(result.is_err(), "a cut at byte {cut} of {} decoded", full.len());
            } else {
                assert!(result.is_ok(), "only trailing whitespace cut at {cut}");
            }
        }
    }
}

#[test]
fn single_byte_damage_at_every_offset_never_panics() {
    for full in &fuzz_seeds()[..2] {
        for at in 0..full.len() {
            for replacement in [b'"', b'}', b'0', b'\\', 0xff] {
                let mut damaged = full.clone();
                damaged[at] = replacement;
                let _ = decode_no_panic(&damaged, &format!("byte {at} set to {replacement:#x}"));
            }
            let mut dropped = full.clone();
            dropped.remove(at);
            let _ = decode_no_panic(&dropped, &format!("byte {at} removed"));
        }
    }
}

#[test]
fn pathological_inputs_are_errors_not_crashes() {
    let deep_array = "[".repeat(100_000);
    let deep_object = "{\"a\":".repeat(100_000);
    let deep_in_patient = format!(
        "{{\"schema_version\":1,\"patient\":{{\"notes\":{}}}}}",
        "[".repeat(50_000)
    );
    let huge_version = r#"{"schema_version":18446744073709551616,"patient":{}}"#.to_string();
    let exp_version = r#"{"schema_version":1e400,"patient":{}}"#.to_string();
    let bom = format!("\u{feff}{}", String::from_utf8(valid_bytes("p-1")).unwrap());
    let bad_date = String::from_utf8(valid_bytes("p-1"))
        .unwrap()
        .replace("2026-10-10", "2026-02-30");
    let bad_time = String::from_utf8(valid_bytes("p-1"))
        .unwrap()
        .replace("09:30:00", "25:61:00");
    let bad_id = String::from_utf8(valid_bytes("p-1"))
        .unwrap()
        .replace("\"p-1\"", "\"../../etc/passwd\"");
    for input in [
        deep_array,
        deep_object,
        deep_in_patient,
        huge_version,
        exp_version,
        bom,
        bad_date,
        bad_time,
        bad_id,
    ] {
        let r = decode_no_panic(input.as_bytes(), "a pathological input");
        assert!(r.is_err(), "decoded: {}", &input[..input.len().min(80)]);
    }
}

/// Arbitrary JSON values, to reach past the syntax checks into the shape checks.
fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        arb_text().prop_map(Value::String),
        arb_date().prop_map(|d| Value::String(d.to_string())),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "id",
                    "full_name",
                    "created",
                    "series",
                    "sessions",
                    "date",
                    "status",
                    "checklist",
                    "ticked_at",
                    "patient",
                    "schema_version",
                    "x",
                ])
                .prop_map(String::from),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = decode_no_panic(&bytes, "random bytes");
    }

    #[test]
    fn random_json_in_the_envelope_never_panics(
        version in prop_oneof![Just(serde_json::json!(1)), arb_json()],
        patient in arb_json(),
    ) {
        let doc = serde_json::json!({"schema_version": version, "patient": patient});
        let _ = decode_no_panic(doc.to_string().as_bytes(), "random JSON");
    }
}

// ---------------------------------------------------------------------------------------
// 5. The committed schema v1 sample keeps loading
// ---------------------------------------------------------------------------------------

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples/v1")
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn the_v1_sample_file_loads_with_its_values() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("v1");
    copy_tree(&sample_dir(), &data);
    let sample_path = data.join("patients/p-0000a001.json");
    let original = fs::read(&sample_path).unwrap();

    let (store, report) = load(&data);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(store.protected_ids().is_empty());
    assert_eq!(report.patients.len(), 1);
    let p = &report.patients[0];

    assert_eq!(p.id, id("p-0000a001"));
    assert_eq!(p.full_name, "Zoë O'Brien-Nakamura");
    assert_eq!(p.date_of_birth, Some(d("1991-07-14")));
    assert_eq!(p.phone, "+44 20 7946 0123");
    assert_eq!(p.email, "zoe.obrien@example.com");
    assert_eq!(
        p.notes,
        "Fitzpatrick III. Rolling and boxcar scars, both cheeks.\nNo isotretinoin in the last 12 months."
    );
    assert!(!p.archived);
    assert_eq!(p.created, d("2026-10-02"));
    assert_eq!(p.series.len(), 1);

    let s = &p.series[0];
    assert_eq!(s.protocol_id, "acne-scars-standard");
    assert_eq!(s.protocol_name, "Acne scars, standard");
    assert_eq!((s.interval_days, s.min_interval_days), (28, 14));
    assert_eq!(s.created, d("2026-10-02"));
    let statuses: Vec<SessionStatus> = s.sessions.iter().map(|x| x.status).collect();
    assert_eq!(
        statuses,
        vec![
            SessionStatus::Done,
            SessionStatus::Cancelled,
            SessionStatus::Booked,
            SessionStatus::Planned
        ]
    );
    let dates: Vec<NaiveDate> = s.sessions.iter().map(|x| x.date).collect();
    assert_eq!(
        dates,
        vec![d("2026-10-14"), d("2026-11-11"), d("2026-11-18"), d("2026-12-16")]
    );
    let times: Vec<Option<NaiveTime>> = s.sessions.iter().map(|x| x.time).collect();
    assert_eq!(
        times,
        vec![
            NaiveTime::from_hms_opt(10, 30, 0),
            None,
            NaiveTime::from_hms_opt(14, 0, 0),
            None
        ]
    );
    assert_eq!(s.sessions[1].notes, "patient ill, rebooked");
    assert!(s.sessions[2].notes.is_empty() && s.sessions[2].checklist.is_empty());

    let done = &s.sessions[0];
    assert_eq!(done.notes, "depth 1.5 mm cheeks, 0.5 mm forehead; mild erythema");
    let items: Vec<(&str, u32)> = done
        .checklist
        .iter()
        .map(|e| (e.item_id.as_str(), e.day))
        .collect();
    assert_eq!(
        items,
        vec![("day0-instructions", 0), ("day1-call", 1), ("day4-spf", 4)]
    );
    let ticked: Vec<Option<NaiveDateTime>> = done.checklist.iter().map(|e| e.ticked_at).collect();
    assert_eq!(
        ticked,
        vec![Some(d("2026-10-14").and_hms_opt(11, 45, 0).unwrap()), None, None]
    );
    assert!(done.checklist[0].text.starts_with("Aftercare sheet given"));
    assert_eq!(s.progress(), "1/3");

    // Loading never rewrites the file.
    assert_eq!(fs::read(&sample_path).unwrap(), original);

    // A v1 file on disk was saved at least once: the migration makes it revision 1.
    assert_eq!(p.revision, 1);

    // Migrated, it is exactly what version 2 wrote for the same record: the v2 sample
    // (the v1 sample itself was checked byte for byte against the v1 release's `encode`),
    // stamped with the current version (v3 only added optional, empty-by-default fields).
    let v2_sample = fs::read(sample_dir_of(2).join("patients/p-0000a001.json")).unwrap();
    assert_eq!(
        String::from_utf8(patient_file::encode(p)).unwrap(),
        v2_as_current(&v2_sample)
    );

    // And it can be saved again (by this version, on top of revision 1) and reloaded
    // unchanged but for the revision; the file is then a current-version file.
    let mut p = p.clone();
    save(&store, &mut p);
    assert_eq!(p.revision, 2);
    let (_, again) = load(&data);
    assert_eq!(again.patients, vec![p]);
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&sample_path).unwrap()).unwrap();
    assert_eq!(v["schema_version"], serde_json::json!(SCHEMA_VERSION));
}

/// Every sample of every schema version, one dir each under `tests/samples/`.
fn sample_dir_of(version: u64) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/samples/v{version}"))
}

#[test]
fn there_is_a_sample_for_every_schema_version_and_each_loads() {
    for version in 1..=SCHEMA_VERSION {
        let dir = sample_dir_of(version);
        assert!(
            dir.is_dir(),
            "no sample of schema_version {version} in {}",
            dir.display()
        );
        let tmp = tempfile::tempdir().unwrap();
        copy_tree(&dir, tmp.path());
        let (store, report) = load(tmp.path());
        assert!(report.problems.is_empty(), "v{version}: {:?}", report.problems);
        assert!(store.protected_ids().is_empty());
        assert!(!report.patients.is_empty(), "v{version}: no patients");
        for name in names_in(&patients_path(tmp.path())) {
            let bytes = fs::read(patients_path(tmp.path()).join(&name)).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(v["schema_version"], serde_json::json!(version), "{name}");
        }
    }
    assert!(
        !sample_dir_of(SCHEMA_VERSION + 1).exists(),
        "a sample of a version this release does not know"
    );
}

/// The v2 sample's text as the current version writes the same record: only the version
/// differs (v3's clinical fields are left out when empty).
fn v2_as_current(v2: &[u8]) -> String {
    let text = String::from_utf8(v2.to_vec()).unwrap();
    assert!(text.contains("\"schema_version\": 2,"));
    text.replacen(
        "\"schema_version\": 2,",
        &format!("\"schema_version\": {SCHEMA_VERSION},"),
        1,
    )
}

#[test]
fn the_v2_sample_is_rewritten_unchanged_but_for_its_version() {
    let bytes = fs::read(sample_dir_of(2).join("patients/p-0000a001.json")).unwrap();
    let p = patient_file::decode(&bytes).unwrap();
    assert_eq!(p.revision, 1);
    assert!(p.skin.is_empty() && p.screening == Default::default());
    assert!(
        p.series[0]
            .sessions
            .iter()
            .all(|s| s.chart.is_none() && s.prep == Default::default())
    );
    assert_eq!(
        String::from_utf8(patient_file::encode(&p)).unwrap(),
        v2_as_current(&bytes)
    );
}

#[test]
fn the_v3_sample_round_trips_byte_for_byte_with_its_clinical_record() {
    let bytes = fs::read(sample_dir_of(3).join("patients/p-0000a001.json")).unwrap();
    let p = patient_file::decode(&bytes).unwrap();
    // Only the version differs (v4's history is left out when empty).
    assert_eq!(
        String::from_utf8(patient_file::encode(&p)).unwrap(),
        String::from_utf8(bytes).unwrap().replacen(
            "\"schema_version\": 3,",
            &format!("\"schema_version\": {SCHEMA_VERSION},"),
            1
        )
    );
    // The same record as v1 and v2, plus the clinical fields.
    let v2 =
        patient_file::decode(&fs::read(sample_dir_of(2).join("patients/p-0000a001.json")).unwrap()).unwrap();
    let mut bare = p.clone();
    bare.skin.clear();
    bare.screening = Default::default();
    for s in &mut bare.series[0].sessions {
        s.prep = Default::default();
        s.chart = None;
    }
    assert_eq!(bare, v2);
    assert_eq!(p.skin.len(), 2);
    assert_eq!(p.screening.reviewed_by, "Dr Okafor");
    assert_eq!(p.screening.overrides[0].target, "washout:tan");
    let chart = p.series[0].sessions[0].chart.as_ref().unwrap();
    assert_eq!(chart.signature().unwrap().by, "Dr Okafor");
    assert_eq!(chart.amendments().len(), 1);
    assert_eq!(
        chart
            .current_depths()
            .values()
            .map(|d| d.to_string())
            .collect::<Vec<_>>(),
        ["0.5", "1.25"]
    );
    assert_eq!(p.series[0].sessions[0].prep.photos.len(), 3);
}

#[test]
fn the_v4_sample_round_trips_byte_for_byte_with_its_history_and_judged_on_date() {
    let bytes = fs::read(sample_dir_of(4).join("patients/p-0000a001.json")).unwrap();
    let p = patient_file::decode(&bytes).unwrap();
    assert_eq!(
        String::from_utf8(patient_file::encode(&p)).unwrap(),
        String::from_utf8(bytes).unwrap()
    );
    assert_eq!(p.history.len(), 2);
    assert_eq!(p.history[0].what, "screening.exposures.isotretinoin");
    assert_eq!(
        p.history[0].reason.as_deref(),
        Some("patient checked her prescription: last dose was 2025")
    );
    assert_eq!(p.history[1].reason, None);
    let o = &p.screening.overrides[1];
    assert_eq!(o.judged_on, Some("2025-09-01".parse().unwrap()));
    assert!(p.screening.override_for("washout:isotretinoin").is_some());
    // The v3 override without a judged-on date keeps counting.
    assert_eq!(p.screening.overrides[0].judged_on, None);
    assert!(p.screening.override_for("washout:tan").is_some());
}

#[test]
fn v1_and_v2_samples_hold_the_same_record() {
    let v1 = fs::read(sample_dir().join("patients/p-0000a001.json")).unwrap();
    let v2 = fs::read(sample_dir_of(2).join("patients/p-0000a001.json")).unwrap();
    assert_eq!(patient_file::decode(&v1), patient_file::decode(&v2));
}

#[test]
fn a_v2_file_keeps_its_revision_and_a_v1_file_gets_one() {
    let mut v: serde_json::Value = serde_json::from_slice(&valid_bytes("p-0000a002")).unwrap();
    v["patient"]["revision"] = serde_json::json!(41);
    let bytes = serde_json::to_vec(&v).unwrap();
    assert_eq!(patient_file::decode(&bytes).unwrap().revision, 41);

    // As the first release wrote it: version 1, no revision.
    v["schema_version"] = serde_json::json!(1);
    v["patient"].as_object_mut().unwrap().remove("revision");
    let bytes = serde_json::to_vec(&v).unwrap();
    assert_eq!(patient_file::decode(&bytes).unwrap().revision, 1);
}

#[test]
fn a_file_newer_than_this_release_is_refused_and_never_saved_over() {
    let (_tmp, data) = fresh_dir();
    let store = open(&data);
    let path = store.path_of(&id("p-0000a003"));
    let mut v: serde_json::Value = serde_json::from_slice(&valid_bytes("p-0000a003")).unwrap();
    v["schema_version"] = serde_json::json!(SCHEMA_VERSION + 1);
    let bytes = serde_json::to_vec_pretty(&v).unwrap();
    fs::write(&path, &bytes).unwrap();
    assert_eq!(
        patient_file::decode(&bytes),
        Err(DecodeError::FutureVersion(SCHEMA_VERSION + 1))
    );
    let mut p = sample_patient("p-0000a003");
    for revision in [0, 1, 2] {
        p.revision = revision;
        let err = store.save(&p).unwrap_err();
        assert!(matches!(err, SaveError::Protected(_)), "{err:?}");
        assert!(err.to_string().contains("newer"), "{err}");
    }
    assert_eq!(fs::read(&path).unwrap(), bytes);
}

// ---------------------------------------------------------------------------------------
// 6. Atomic writes: no temp files left; crash leftovers ignored
// ---------------------------------------------------------------------------------------

#[test]
fn many_saves_leave_no_temp_files_behind() {
    let (_tmp, data) = fresh_dir();
    let store = open(&data);
    let mut a = sample_patient("p-0000e001");
    let mut b = sample_patient("p-0000e002");
    for i in 0..150 {
        a.notes = format!("edit {i}");
        b.full_name = format!("Name {i}");
        save(&store, &mut a);
        save(&store, &mut b);
    }
    assert_eq!((a.revision, b.revision), (150, 150));
    assert_eq!(
        names_in(&patients_path(&data)),
        vec!["p-0000e001.json", "p-0000e002.json"]
    );
    assert_eq!(
        tree(&data),
        vec![
            LOCK_FILE,
            "audit.log",
            "patients/",
            "patients/p-0000e001.json",
            "patients/p-0000e002.json"
        ]
    );
    let (_, report) = load(&data);
    assert_eq!(sorted(report.patients), vec![a, b]);
}

#[test]
fn temp_files_left_by_a_crash_are_ignored_by_load_all() {
    let (_tmp, data) = fresh_dir();
    let store = open(&data);
    let mut p = sample_patient("p-0000e003");
    save(&store, &mut p);
    let dir = patients_path(&data);
    // What a crash between create and rename can leave: half a file, a whole new
    // version, an empty one, and one with an unexpected suffix.
    let full = valid_bytes("p-0000e003");
    fs::write(dir.join(".tmp-Ab3xYz.json"), &full[..full.len() / 3]).unwrap();
    fs::write(dir.join(".tmp-Q9w8e7.json"), valid_bytes("p-0000e999")).unwrap();
    fs::write(dir.join(".tmp-empty00.json"), b"").unwrap();
    fs::write(dir.join(".tmp-noext"), b"garbage").unwrap();

    let (store, report) = load(&data);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(store.protected_ids().is_empty(), "{:?}", store.protected_ids());
    assert_eq!(report.patients, vec![p.clone()]);

    // Saving still works next to the leftovers.
    save(&store, &mut p);
    assert_eq!(p.revision, 2);
    assert_eq!(fs::read(store.path_of(&p.id)).unwrap(), patient_file::encode(&p));
}

// ---------------------------------------------------------------------------------------
// 7. Permissions
// ---------------------------------------------------------------------------------------

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn a_fresh_data_dir_and_its_files_are_private() {
    let (_tmp, data) = fresh_dir();
    let store = open(&data);
    assert_eq!(mode(&data), 0o700, "data dir");
    assert_eq!(mode(&patients_path(&data)), 0o700, "patients dir");
    let mut p = sample_patient("p-0000f001");
    save(&store, &mut p);
    assert_eq!(mode(&store.path_of(&p.id)), 0o600, "first save");
    save(&store, &mut p);
    assert_eq!(mode(&store.path_of(&p.id)), 0o600, "replacing save");
}

#[cfg(unix)]
#[test]
fn patients_dir_is_created_private_inside_an_existing_data_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    assert_eq!(mode(&patients_path(tmp.path())), 0o700);
    let p = sample_patient("p-0000f002");
    store.save(&p).unwrap();
    assert_eq!(mode(&store.path_of(&p.id)), 0o600);
}

// ---------------------------------------------------------------------------------------
// 8. A read-only patients dir
// ---------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn save_into_a_read_only_dir_fails_and_keeps_the_old_file() {
    use std::os::unix::fs::PermissionsExt;
    let (tmp, data) = fresh_dir();
    let store = open(&data);
    let mut p = sample_patient("p-0000f003");
    save(&store, &mut p);
    let saved = p.clone();
    let path = store.path_of(&p.id);
    let old = fs::read(&path).unwrap();

    // As root (CI), this thread works as `nobody`, for whom a 0500 dir is read-only.
    let nobody = AsNobody::enter(tmp.path());
    let dir = patients_path(&data);
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o500)).unwrap();
    let restore = || fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    let probe = dir.join("write-probe");
    if fs::write(&probe, b"x").is_ok() {
        let _ = fs::remove_file(&probe);
        restore();
        skip("a 0500 patients dir is writable here (root off Linux, or modes ignored)");
        return;
    }

    p.full_name = "Not saved".into();
    let result = store.save(&p);
    let names = names_in(&dir);
    restore();
    drop(nobody);
    let err = result.expect_err("saving into a read-only dir must fail");
    assert!(matches!(err, SaveError::Io(_)), "{err:?}");
    assert!(err.to_string().contains("patients/p-0000f003.json"), "{err}");
    assert_eq!(fs::read(&path).unwrap(), old);
    assert_eq!(names, vec!["p-0000f003.json"]);
    let (_, report) = load(&data);
    assert_eq!(report.patients, vec![saved]);
}

// ---------------------------------------------------------------------------------------
// 9. Template overrides
// ---------------------------------------------------------------------------------------

const GOOD_PROTOCOL: &str = r#"{"id":"x","name":"X","sessions":3,"interval_days":28,"min_interval_days":14,"max_interval_days":42,"session_minutes":60}"#;

fn load_templates_with(protocols: &str) -> (Templates, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(PROTOCOLS_FILE), protocols).unwrap();
    let result = Templates::load(dir.path());
    assert_eq!(
        fs::read_to_string(dir.path().join(PROTOCOLS_FILE)).unwrap(),
        protocols,
        "a broken override must not be rewritten"
    );
    result
}

fn assert_one_problem(problems: &[String], words: &[&str]) {
    assert_eq!(problems.len(), 1, "{problems:?}");
    for w in words {
        assert!(problems[0].contains(w), "'{w}' missing in {problems:?}");
    }
}

#[test]
fn a_valid_protocols_override_is_used() {
    let (t, problems) = load_templates_with(&format!(
        r#"{{"schema_version":1,"protocols":[{GOOD_PROTOCOL}]}}"#
    ));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(t.protocols.len(), 1);
    assert_eq!(t.protocols[0].id, "x");
}

#[test]
fn invalid_json_in_protocols_keeps_the_defaults() {
    let (t, problems) = load_templates_with("{ \"schema_version\": 1, \"protocols\": [");
    assert_eq!(t, Templates::builtin());
    assert_one_problem(&problems, &["protocols.json", "line", "column"]);
}

#[test]
fn a_protocol_with_min_interval_zero_keeps_the_defaults() {
    let zero = GOOD_PROTOCOL.replace(r#""min_interval_days":14"#, r#""min_interval_days":0"#);
    let (t, problems) = load_templates_with(&format!(r#"{{"schema_version":1,"protocols":[{zero}]}}"#));
    assert_eq!(t, Templates::builtin());
    assert_one_problem(&problems, &["protocols.json", "min_interval_days", "'x'"]);
}

#[test]
fn an_unknown_template_schema_version_keeps_the_defaults() {
    let (t, problems) = load_templates_with(&format!(
        r#"{{"schema_version":7,"protocols":[{GOOD_PROTOCOL}]}}"#
    ));
    assert_eq!(t, Templates::builtin());
    assert_one_problem(&problems, &["protocols.json", "schema_version", "7"]);
}

#[test]
fn a_protocols_file_without_schema_version_keeps_the_defaults() {
    let (t, problems) = load_templates_with(&format!(r#"{{"protocols":[{GOOD_PROTOCOL}]}}"#));
    assert_eq!(t, Templates::builtin());
    assert_one_problem(&problems, &["protocols.json", "schema_version"]);
}

/// A newer release that changes the protocols format bumps `schema_version` *and*
/// changes the shape. `parse_protocols` deserialises the whole document before it looks
/// at the version, so the message is "missing field `protocols`" and never says the file
/// is from a newer version: staff are told the file is broken. The version should be
/// read (from a `serde_json::Value`) and checked first, as `patient_file::decode` does.
#[test]
fn a_future_format_protocols_file_is_reported_as_an_unsupported_version() {
    let (t, problems) =
        load_templates_with(r#"{"schema_version":2,"plans":[{"id":"x","label":"X","steps":[]}]}"#);
    assert_eq!(t, Templates::builtin());
    assert_one_problem(&problems, &["protocols.json", "schema_version", "2"]);
}

// ---------------------------------------------------------------------------------------
// 10. Choosing the data dir
// ---------------------------------------------------------------------------------------

fn platform_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "needleplan")
        .expect("the test environment has a home dir")
        .data_dir()
        .to_path_buf()
}

#[test]
fn the_flag_wins_over_the_env_var() {
    assert_eq!(
        choose_data_dir(Some("/srv/flag".into()), Some("/srv/env".into())).unwrap(),
        PathBuf::from("/srv/flag")
    );
    assert_eq!(
        choose_data_dir(Some("/srv/flag".into()), None).unwrap(),
        PathBuf::from("/srv/flag")
    );
}

#[test]
fn the_env_var_wins_over_the_platform_dir() {
    assert_eq!(
        choose_data_dir(None, Some("/srv/env".into())).unwrap(),
        PathBuf::from("/srv/env")
    );
    assert_eq!(
        choose_data_dir(None, Some("relative/dir".into())).unwrap(),
        PathBuf::from("relative/dir")
    );
}

#[test]
fn without_flag_or_env_the_platform_dir_is_used() {
    let platform = platform_dir();
    assert_eq!(choose_data_dir(None, None).unwrap(), platform);
    // An empty or blank variable counts as unset.
    assert_eq!(choose_data_dir(None, Some(String::new())).unwrap(), platform);
    assert_eq!(choose_data_dir(None, Some("  ".into())).unwrap(), platform);
    assert!(platform.ends_with("needleplan"), "{platform:?}");
    #[cfg(target_os = "linux")]
    {
        let xdg = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute());
        let expected = match xdg {
            Some(x) => x.join("needleplan"),
            None => PathBuf::from(std::env::var_os("HOME").unwrap()).join(".local/share/needleplan"),
        };
        assert_eq!(platform, expected);
    }
}

// ---------------------------------------------------------------------------------------
// 11. Installing the demo touches only the given dir
// ---------------------------------------------------------------------------------------

#[test]
fn demo_install_writes_only_patient_files_into_the_given_dir() {
    let platform = platform_dir();
    let platform_existed = platform.exists();

    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside-marker");
    fs::write(&outside, b"untouched").unwrap();
    let data = tmp.path().join("demo");
    install(&data, today()).unwrap();

    let mut patients = demo_patients(today());
    let mut expected: Vec<String> = patients
        .iter()
        .map(|p| format!("patients/{}.json", p.id))
        .collect();
    expected.push("patients/".into());
    // The writers' lock (see `store::lock`), left in place: it holds no data.
    expected.push(LOCK_FILE.into());
    // One audit line per patient written (see `store::audit`): ids only, no details.
    expected.push("audit.log".into());
    // The demo clinic's own settings (its name and people never reach a real dir).
    expected.push("clinic.json".into());
    expected.sort();
    assert_eq!(tree(&data), expected);
    assert_eq!(
        tree(tmp.path()).len(),
        expected.len() + 2,
        "{:?}",
        tree(tmp.path())
    );
    assert_eq!(fs::read(&outside).unwrap(), b"untouched");

    let (_, report) = load(&data);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    for p in &mut patients {
        p.revision = 1;
    }
    assert_eq!(sorted(report.patients), sorted(patients));

    if !platform_existed {
        assert!(
            !platform.exists(),
            "the demo created the real data dir {platform:?}"
        );
    }
}

#[test]
fn demo_install_into_an_existing_empty_dir_also_writes_only_patient_files() {
    let tmp = tempfile::tempdir().unwrap();
    install(tmp.path(), today()).unwrap();
    let ids: BTreeSet<String> = demo_patients(today())
        .iter()
        .map(|p| format!("patients/{}.json", p.id))
        .collect();
    let files: BTreeSet<String> = tree(tmp.path())
        .into_iter()
        .filter(|f| f != "patients/" && f != LOCK_FILE && f != "audit.log" && f != "clinic.json")
        .collect();
    assert_eq!(files, ids);
}
