//! The lost-update test for `clinic.json` with real processes: two copies of this test
//! binary (started again with `--ignored --exact clinic_worker_entry`, an ignored entry
//! point that is no test of its own) each make 100 edits to the clinic's settings
//! through the real store (`clinic_file::save_revision`, lock and all).
//! An edit adds a closed date of its own (its reason is a unique token). On a conflict
//! the worker takes the version on disk and puts its edit on top (what "keep mine" does
//! on the settings screen), logging both. Afterwards every edit is in the final file
//! exactly once, revisions went up by exactly one per save, every conflict was followed
//! by a save, and the audit log holds one intact line per save.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::NaiveDate;
use needleplan::domain::clinic::ClosedDate;
use needleplan::domain::clinic::changes::rebase;
use needleplan::store::audit;
use needleplan::store::clinic_file::{self, ClinicSaveError};

const DIR_VAR: &str = "NEEDLEPLAN_TEST_CLINIC_WORKER_DIR";
const N_VAR: &str = "NEEDLEPLAN_TEST_CLINIC_WORKER_N";
const WORKERS: usize = 2;
const EDITS: usize = 100;

fn log_path(dir: &Path, n: usize) -> PathBuf {
    dir.join(format!("clinic-worker-{n}.log"))
}

/// A date of its own for every edit of every worker, so that no two edits are the same.
fn date_of(n: usize, i: usize) -> NaiveDate {
    NaiveDate::from_ymd_opt(2030, 1, 1).unwrap() + chrono::Duration::days((n * EDITS + i) as i64)
}

/// Not a test: a worker process of the test below, which runs this binary again with
/// `--ignored --exact clinic_worker_entry` and the env vars set. Run without them (say
/// by `--include-ignored`) it fails rather than pass having tested nothing.
#[test]
#[ignore = "a worker process of two_processes_editing_the_settings_100_times_each_lose_nothing"]
fn clinic_worker_entry() {
    let (Ok(dir), Ok(n)) = (std::env::var(DIR_VAR), std::env::var(N_VAR)) else {
        panic!("not a test: started by two_processes_editing_the_settings_100_times_each_lose_nothing");
    };
    worker(Path::new(&dir), n.parse().unwrap());
}

fn worker(dir: &Path, n: usize) {
    let data = dir.join("data");
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path(dir, n))
        .unwrap();
    // Start together (after both are up), so that the edits really interleave.
    fs::write(dir.join(format!("ready-{n}")), b"").unwrap();
    while !dir.join("go").exists() {
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut mine = clinic_file::load(&data).settings;
    for i in 0..EDITS {
        let token = format!("w{n}e{i}");
        let base = mine.clone();
        let mut edited = mine.clone();
        edited.closed_dates.push(ClosedDate {
            date: date_of(n, i),
            reason: token.clone(),
        });
        loop {
            match clinic_file::save_revision(&data, &edited, Duration::from_secs(30)) {
                Ok(revision) => {
                    writeln!(log, "saved {token} {revision}").unwrap();
                    edited.revision = revision;
                    mine = edited;
                    // A person does not save back to back: the pause lets the other
                    // worker's save in between (the lock is not fair to a tight loop).
                    std::thread::sleep(Duration::from_millis(2));
                    break;
                }
                Err(ClinicSaveError::Conflict(theirs)) => {
                    writeln!(log, "conflict {token} {}", theirs.revision).unwrap();
                    edited = rebase(&base, &edited, &theirs);
                }
                Err(e) => panic!("worker {n}, edit {token}: {e}"),
            }
        }
    }
}

#[test]
fn two_processes_editing_the_settings_100_times_each_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    needleplan::store::PatientStore::open(&data).unwrap();
    clinic_file::save(&data, &needleplan::store::demo::demo_settings()).unwrap();

    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..WORKERS)
        .map(|n| {
            Command::new(&exe)
                .args([
                    "--ignored",
                    "--exact",
                    "clinic_worker_entry",
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
    while !(0..WORKERS).all(|n| tmp.path().join(format!("ready-{n}")).exists()) {
        std::thread::sleep(Duration::from_millis(1));
    }
    fs::write(tmp.path().join("go"), b"").unwrap();
    for (n, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "worker {n} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let load = clinic_file::load(&data);
    assert_eq!(load.problem, None);
    let file = load.settings;
    let mut revisions = Vec::new();
    let mut conflicts = 0;
    for n in 0..WORKERS {
        let text = fs::read_to_string(log_path(tmp.path(), n)).unwrap();
        let mut saved_tokens = Vec::new();
        for line in text.lines() {
            let parts: Vec<&str> = line.split(' ').collect();
            match parts[0] {
                "saved" => {
                    saved_tokens.push(parts[1].to_string());
                    revisions.push(parts[2].parse::<u64>().unwrap());
                }
                "conflict" => {
                    conflicts += 1;
                    assert!(
                        text.contains(&format!("saved {} ", parts[1])),
                        "a conflict never followed by a save: {line}"
                    );
                }
                other => panic!("bad log line {other}"),
            }
        }
        let wanted: Vec<String> = (0..EDITS).map(|i| format!("w{n}e{i}")).collect();
        assert_eq!(
            saved_tokens, wanted,
            "worker {n}: an edit was neither saved nor retried"
        );
        for i in 0..EDITS {
            let in_file: Vec<&ClosedDate> = file
                .closed_dates
                .iter()
                .filter(|c| c.date == date_of(n, i))
                .collect();
            assert_eq!(in_file.len(), 1, "edit w{n}e{i} vanished or doubled");
            assert_eq!(in_file[0].reason, format!("w{n}e{i}"));
        }
    }
    assert_eq!(file.closed_dates.len(), WORKERS * EDITS, "nothing else crept in");
    // Revision 1 was the first save; then exactly one per edit, none given twice.
    revisions.sort();
    let expected: Vec<u64> = (2..2 + (WORKERS * EDITS) as u64).collect();
    assert_eq!(revisions, expected);
    assert_eq!(file.revision, 1 + (WORKERS * EDITS) as u64);
    assert_eq!(audit::verify(&data), Ok(1 + WORKERS * EDITS));
    eprintln!("{WORKERS} processes x {EDITS} settings edits: {conflicts} conflicts, all resolved and saved");
    assert!(
        conflicts > 0,
        "the workers never overlapped: the test proved little"
    );
    let leftovers: Vec<String> = fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
