//! The lost-update test with real processes: four copies of this test binary (started
//! again with `--ignored --exact worker_entry`, an ignored entry point that is no test of
//! its own) each apply 300 edits to one data dir through the real `PatientStore`: every
//! third edit to a patient all of them share, the others to a patient of their own. An
//! edit appends a unique token to the patient's notes. On a conflict the worker takes the
//! version on disk and applies its edit on top (what a user merging would do), logging
//! both. Afterwards every edit logged as saved is in the final file, exactly once and in
//! revision order, revisions went up by exactly one per save, and the workers' own
//! patients never had a conflict.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::store::{PatientStore, SaveError};

const DIR_VAR: &str = "NEEDLEPLAN_TEST_WORKER_DIR";
const N_VAR: &str = "NEEDLEPLAN_TEST_WORKER_N";
const WORKERS: usize = 4;
const EDITS: usize = 300;
const SHARED: &str = "p-shared";

fn own(n: usize) -> String {
    format!("p-worker{n}")
}

fn log_path(dir: &Path, n: usize) -> PathBuf {
    dir.join(format!("worker-{n}.log"))
}

fn new_patient(id: &str) -> Patient {
    let details = PatientDetails {
        full_name: format!("Patient {id}"),
        ..PatientDetails::default()
    };
    Patient::new(
        PatientId::new(id).unwrap(),
        details,
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
    )
}

/// Not a test: a worker process of the test below, which runs this binary again with
/// `--ignored --exact worker_entry` and the env vars set. Run without them (say by
/// `--include-ignored`) it fails rather than pass having tested nothing.
#[test]
#[ignore = "a worker process of four_processes_with_hundreds_of_edits_each_lose_nothing"]
fn worker_entry() {
    let (Ok(dir), Ok(n)) = (std::env::var(DIR_VAR), std::env::var(N_VAR)) else {
        panic!("not a test: started by four_processes_with_hundreds_of_edits_each_lose_nothing");
    };
    worker(Path::new(&dir), n.parse().unwrap());
}

fn worker(dir: &Path, n: usize) {
    let data = dir.join("data");
    let mut store = PatientStore::open(&data).unwrap();
    let mut copies: BTreeMap<String, Patient> = store
        .load_all()
        .unwrap()
        .patients
        .into_iter()
        .map(|p| (p.id.to_string(), p))
        .collect();
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path(dir, n))
        .unwrap();
    // Start together, so that the edits really interleave.
    while !dir.join("go").exists() {
        std::thread::sleep(Duration::from_millis(1));
    }
    let mine = own(n);
    for i in 0..EDITS {
        let target = if i % 3 == 0 { SHARED } else { mine.as_str() };
        let token = format!("w{n}e{i}");
        let mut edited = copies[target].clone();
        edited.notes.push_str(&format!(" {token}"));
        loop {
            match store.save(&edited) {
                Ok(revision) => {
                    writeln!(log, "saved {token} {target} {revision}").unwrap();
                    edited.revision = revision;
                    copies.insert(target.to_string(), edited);
                    break;
                }
                Err(SaveError::Conflict(theirs)) => {
                    writeln!(log, "conflict {token} {target} {}", theirs.revision).unwrap();
                    let mut merged = *theirs;
                    merged.notes.push_str(&format!(" {token}"));
                    edited = merged;
                }
                Err(e) => panic!("worker {n}, edit {token}: {e}"),
            }
        }
        // Take in what the others saved now and then, as the app does when idle.
        if i % 10 == 9 {
            for p in store.poll_changes().unwrap().updated {
                let id = p.id.to_string();
                assert_ne!(
                    id, mine,
                    "worker {n}: its own patient reported as changed by another"
                );
                if p.revision > copies[&id].revision {
                    copies.insert(id, p);
                }
            }
        }
    }
}

#[derive(Debug)]
struct Logged {
    token: String,
    patient: String,
    revision: u64,
}

fn read_log(path: &Path) -> (Vec<Logged>, Vec<Logged>) {
    let (mut saved, mut conflicts) = (Vec::new(), Vec::new());
    for line in fs::read_to_string(path).unwrap().lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        let entry = Logged {
            token: parts[1].into(),
            patient: parts[2].into(),
            revision: parts[3].parse().unwrap(),
        };
        match parts[0] {
            "saved" => saved.push(entry),
            "conflict" => conflicts.push(entry),
            other => panic!("bad log line {other}"),
        }
    }
    (saved, conflicts)
}

#[test]
fn four_processes_with_hundreds_of_edits_each_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let store = PatientStore::open(&data).unwrap();
    for id in std::iter::once(SHARED.to_string()).chain((0..WORKERS).map(own)) {
        assert_eq!(store.save(&new_patient(&id)), Ok(1));
    }

    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let children: Vec<_> = (0..WORKERS)
        .map(|n| {
            Command::new(&exe)
                .args([
                    "--ignored",
                    "--exact",
                    "worker_entry",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(DIR_VAR, tmp.path())
                .env(N_VAR, n.to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    fs::write(tmp.path().join("go"), b"").unwrap();
    for (n, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "worker {n} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let elapsed = started.elapsed();

    let mut final_files = BTreeMap::new();
    let mut reader = PatientStore::open(&data).unwrap();
    let report = reader.load_all().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    for p in report.patients {
        final_files.insert(p.id.to_string(), p);
    }
    assert_eq!(final_files.len(), WORKERS + 1);

    let mut saves_by_patient: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
    let mut shared_conflicts = 0;
    for n in 0..WORKERS {
        let (saved, conflicts) = read_log(&log_path(tmp.path(), n));
        // Every edit was saved exactly once (a conflict is followed by a saved retry).
        let tokens: Vec<&str> = saved.iter().map(|s| s.token.as_str()).collect();
        let wanted: Vec<String> = (0..EDITS).map(|i| format!("w{n}e{i}")).collect();
        assert_eq!(
            tokens, wanted,
            "worker {n}: an edit was neither saved nor retried"
        );
        for c in &conflicts {
            assert_eq!(
                c.patient, SHARED,
                "worker {n}: a conflict on its own patient: {c:?}"
            );
            assert!(saved.iter().any(|s| s.token == c.token), "{c:?} never saved");
        }
        shared_conflicts += conflicts.len();
        for s in saved {
            saves_by_patient
                .entry(s.patient)
                .or_default()
                .push((s.revision, s.token));
        }
    }

    for (id, mut saves) in saves_by_patient {
        saves.sort();
        let file = &final_files[&id];
        // Revisions: 1 at creation, then exactly one more per save, none given twice.
        let revisions: Vec<u64> = saves.iter().map(|(r, _)| *r).collect();
        let expected: Vec<u64> = (2..2 + saves.len() as u64).collect();
        assert_eq!(revisions, expected, "{id}: revisions not strictly sequential");
        assert_eq!(file.revision, 1 + saves.len() as u64, "{id}");
        // Every saved edit is in the final file, once, in the order of the saves.
        let in_file: Vec<&str> = file.notes.split_whitespace().collect();
        let in_log: Vec<&str> = saves.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(in_file, in_log, "{id}: an edit vanished or was duplicated");
    }
    eprintln!(
        "{WORKERS} processes x {EDITS} edits in {elapsed:?}; {shared_conflicts} conflicts on the shared patient, none on the others"
    );
    assert!(
        shared_conflicts > 0,
        "the workers never overlapped: the test proved little"
    );
    let leftovers: Vec<String> = fs::read_dir(data.join("patients"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
