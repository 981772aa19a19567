//! The kill test: a child process (this test binary, started again with `--ignored
//! --exact child_entry`, an ignored entry point that is no test of its own) saves two
//! patients in a loop through the real `PatientStore`, each version's content a function
//! of its revision and some tens of KiB long, so that a write takes a while. The parent
//! SIGKILLs it at random moments, 200 times, and after every kill checks that each patient
//! file parses and is exactly one whole committed version (its content matches its
//! revision; its revision is the last one the child reported saved, or the one it was
//! saving), that temp files left by a kill are never loaded as patients, and that the
//! audit log is whole: every revision each file has had, up to the one on disk, has its
//! line, and `doctor` finds the chain complete (a line whose revision never reached the
//! disk, the kill having struck between the line and the rename, is a note).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::NaiveDate;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::store::audit::{self, AuditEntry};
use needleplan::store::{PatientStore, doctor, patient_file};

const DIR_VAR: &str = "NEEDLEPLAN_TEST_KILL_DIR";
const IDS: [&str; 2] = ["p-kill000a", "p-kill000b"];
const ROUNDS: usize = 200;

/// The notes of version `revision` of patient `id`: unique per version and 10-60 KiB.
fn notes_of(id: &str, revision: u64) -> String {
    let len = 10_000 + (revision as usize * 7919) % 50_000;
    let mut s = format!("{id} revision {revision}:");
    let fill = format!(" {revision}");
    while s.len() < len {
        s.push_str(&fill);
    }
    s
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

fn log_path(dir: &Path) -> PathBuf {
    dir.join("child.log")
}

/// Not a test: the child process of the test below, which runs this binary again with
/// `--ignored --exact child_entry` and the env var set. Run without it (say by
/// `--include-ignored`) it fails rather than pass having tested nothing.
#[test]
#[ignore = "the child process of sigkill_at_random_moments_never_leaves_a_broken_or_mixed_file"]
fn child_entry() {
    let Ok(dir) = std::env::var(DIR_VAR) else {
        panic!("not a test: started by sigkill_at_random_moments_never_leaves_a_broken_or_mixed_file");
    };
    let dir = Path::new(&dir);
    let mut store = PatientStore::open(&dir.join("data")).unwrap();
    let mut patients = store.load_all().unwrap().patients;
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path(dir))
        .unwrap();
    writeln!(log, "ready").unwrap();
    let stop = Instant::now() + Duration::from_secs(30); // never outlive a lost parent
    let mut i = std::process::id() as usize; // either patient may come first
    while Instant::now() < stop {
        let p = &mut patients[i % 2];
        let next = p.revision + 1;
        let mut edited = p.clone();
        edited.notes = notes_of(p.id.as_str(), next);
        // Written before the save: once this line is in the kernel a kill keeps it.
        writeln!(log, "saving {} {next}", p.id).unwrap();
        let revision = store.save(&edited).expect("saves succeed");
        assert_eq!(revision, next);
        writeln!(log, "saved {} {next}", p.id).unwrap();
        edited.revision = revision;
        *p = edited;
        i += 1;
    }
}

/// A small xorshift: random kill moments without a dependency; the seed is printed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// For `id`: the last revision logged as saved and the last one logged as being saved.
fn logged(log: &str, id: &str) -> (u64, u64) {
    let (mut saved, mut saving) = (1, 1);
    // The child is killed at random, also while writing this log: its last line may be
    // cut short (no newline yet), and then says nothing. Any other line must be whole.
    let whole = match log.rfind('\n') {
        Some(end) => &log[..end],
        None => "",
    };
    for line in whole.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        if parts.len() == 3 && parts[1] == id {
            let r: u64 = parts[2].parse().unwrap();
            match parts[0] {
                "saved" => saved = r,
                "saving" => saving = r,
                _ => {}
            }
        }
    }
    (saved, saving)
}

#[test]
fn sigkill_at_random_moments_never_leaves_a_broken_or_mixed_file() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let store = PatientStore::open(&data).unwrap();
    for id in IDS {
        let mut p = new_patient(id);
        p.notes = notes_of(id, 1);
        assert_eq!(store.save(&p), Ok(1));
    }
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    eprintln!("kill test seed {seed}");
    let mut rng = Rng(seed);
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let mut previous = [1u64; 2];
    let mut killed_mid_save = 0;
    let mut killed_after_the_line = 0;
    let mut line_ahead: [Option<u64>; 2] = [None; 2];

    for round in 0..ROUNDS {
        let _ = fs::remove_file(log_path(tmp.path()));
        let mut child = Command::new(&exe)
            .args([
                "--ignored",
                "--exact",
                "child_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DIR_VAR, tmp.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until it is saving, then let it run 1-50 ms more.
        let deadline = Instant::now() + Duration::from_secs(20);
        while !fs::read_to_string(log_path(tmp.path())).is_ok_and(|l| l.contains("saving")) {
            assert!(
                Instant::now() < deadline,
                "round {round}: the child never started"
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "round {round}: the child exited"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(1 + rng.below(50)));
        child.kill().unwrap(); // SIGKILL on unix
        child.wait().unwrap();

        let log = fs::read_to_string(log_path(tmp.path())).unwrap();
        let patients_dir = data.join("patients");
        for (k, id) in IDS.iter().enumerate() {
            let bytes = fs::read(patients_dir.join(format!("{id}.json"))).unwrap();
            let p = patient_file::decode(&bytes)
                .unwrap_or_else(|e| panic!("round {round}: {id} does not parse after a kill: {e}"));
            assert_eq!(
                p.notes,
                notes_of(id, p.revision),
                "round {round}: {id} is not one whole version"
            );
            let (saved, saving) = logged(&log, id);
            let saved = saved.max(previous[k]);
            assert!(
                p.revision == saved || p.revision == saving,
                "round {round}: {id} at revision {}, last saved {saved}, being saved {saving}",
                p.revision
            );
            if p.revision != saved {
                killed_mid_save += 1;
            }
            previous[k] = p.revision;
        }

        // Every revision each file has had, up to the one on disk, has its line.
        let entries = audit::read_entries(&data).unwrap();
        for (k, id) in IDS.iter().enumerate() {
            let logged: Vec<u64> = entries
                .iter()
                .filter(|e| e.patient_id == *id)
                .map(|e| e.revision_after)
                .collect();
            for r in 1..=previous[k] {
                assert!(
                    logged.contains(&r),
                    "round {round}: revision {r} of {id} is on disk (or was) but has no audit line; \
                     logged: {logged:?}"
                );
            }
            // The line of a save that the kill stopped before its rename (counted once,
            // though it stays the last line until the next save of this patient).
            let ahead = logged.iter().max().filter(|&&r| r > previous[k]).copied();
            if ahead.is_some() && ahead != line_ahead[k] {
                killed_after_the_line += 1;
            }
            line_ahead[k] = ahead;
        }
        assert_chain_complete(&data, round);

        // Temp files a kill left are never patients, and never problems.
        let mut reader = PatientStore::open(&data).unwrap();
        let report = reader.load_all().unwrap();
        assert!(report.problems.is_empty(), "round {round}: {:?}", report.problems);
        let mut ids: Vec<String> = report.patients.iter().map(|p| p.id.to_string()).collect();
        ids.sort();
        assert_eq!(ids, IDS.to_vec(), "round {round}");
    }
    let leftovers = fs::read_dir(data.join("patients"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".tmp-")
        })
        .count();
    eprintln!(
        "{ROUNDS} kills in {:?}: revisions reached {previous:?}; {killed_mid_save} files caught \
         after the rename but before the child logged it; {killed_after_the_line} saves stopped \
         between their audit line and the rename; {leftovers} temp files left by kills \
         mid-write (ignored by load)",
        started.elapsed()
    );
    // As `doctor --fix` would: then the whole report is clean, not only its audit part.
    for e in fs::read_dir(data.join("patients")).unwrap() {
        let e = e.unwrap();
        if e.file_name().to_string_lossy().starts_with(".tmp-") {
            fs::remove_file(e.path()).unwrap();
        }
    }
    let report = doctor::run(&data);
    assert!(report.is_clean(), "{:#?}", report.lines);
    let entries: Vec<AuditEntry> = audit::read_entries(&data).unwrap();
    assert!(entries.len() as u64 >= previous.iter().sum::<u64>());
    assert!(
        previous.iter().all(|&r| r > 1 + ROUNDS as u64 / 4),
        "the child hardly saved"
    );
}

/// `doctor` finds the audit chain intact and complete: no problem but the temp files a
/// kill left (older than a minute on a slow run; `doctor --fix` removes those).
fn assert_chain_complete(data: &Path, round: usize) {
    let report = doctor::run(data);
    let problems: Vec<&String> = report
        .lines
        .iter()
        .filter(|l| l.starts_with("PROBLEM") && !l.contains("/.tmp-"))
        .collect();
    assert!(
        problems.is_empty(),
        "round {round}: {problems:#?}\n{:#?}",
        report.lines
    );
    assert!(
        report
            .lines
            .iter()
            .any(|l| l.contains("chain complete: every revision of 2 patient files is logged")),
        "round {round}: {:#?}",
        report.lines
    );
}
