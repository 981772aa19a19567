//! The real `needleplan` binary run to completion as a command-line tool (`agenda`,
//! `export-ics`, `handout`, ...), for the `tests/*_cli.rs` files, which include it with
//! `mod common; use common::cli::*;`.
//!
//! - Every run starts from an empty environment: what the test does not set cannot
//!   change the outcome (a developer's `NEEDLEPLAN_DATA_DIR` above all), and `HOME`,
//!   `XDG_DATA_HOME` and `TMPDIR` point inside the run's working dir, so a `--demo` copy
//!   or a stray write lands in the test's temp dir and is removed with it.
//! - Data dirs are built through the real store (`PatientStore::save`), so the files are
//!   exactly what the app writes.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{NaiveDate, NaiveTime};
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::series::{Series, Session, SessionStatus};
use needleplan::store::PatientStore;
use tempfile::TempDir;

/// The name of the data dir inside a [`temp_clinic`].
pub const DATA: &str = "data";

/// A command for the binary, run in `cwd`, with nothing inherited from the test
/// process. Add `.env(...)` to it for a test about the environment.
pub fn command(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_needleplan"));
    cmd.current_dir(cwd)
        .env_clear()
        .env("LANG", "C.UTF-8")
        .env("HOME", cwd)
        .env("XDG_DATA_HOME", cwd.join(".local/share"))
        .env("TMPDIR", cwd);
    cmd
}

/// Runs the binary in `cwd` with `args` (see [`command`]) and waits for it.
pub fn run<S: AsRef<OsStr>>(cwd: &Path, args: &[S]) -> Output {
    command(cwd).args(args).output().expect("run needleplan")
}

/// Runs the binary from the temp dir with `--data-dir <tmp>/data` before `args`.
pub fn run_on(tmp: &TempDir, args: &[&str]) -> Output {
    let data = data_dir(tmp);
    let mut all = vec![OsStr::new("--data-dir"), data.as_os_str()];
    all.extend(args.iter().map(OsStr::new));
    run(tmp.path(), &all)
}

/// Bytes of a run's output as text (lossy, so a test can print whatever came out).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn stdout(out: &Output) -> String {
    text(&out.stdout)
}

pub fn stderr(out: &Output) -> String {
    text(&out.stderr)
}

/// `d("2026-11-25")`; panics on a bad date, which is the test's own typo.
pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap_or_else(|e| panic!("{s:?} is not a date: {e}"))
}

/// `t("09:30")`.
pub fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap_or_else(|e| panic!("{s:?} is not HH:MM: {e}"))
}

/// A session at `date` `time` with `status` and no clinician or room.
pub fn timed(date: &str, time: &str, status: SessionStatus) -> Session {
    Session {
        status,
        ..Session::planned(d(date), Some(t(time)))
    }
}

/// A session at `date` `time` with clinician and room ids and `status`.
pub fn at(date: &str, time: &str, clinician: &str, room: &str, status: SessionStatus) -> Session {
    Session {
        clinician: Some(clinician.into()),
        room: Some(room.into()),
        ..timed(date, time, status)
    }
}

/// A patient created 2026-09-01 with one "Acne scars, standard" series (every 28 days,
/// minimum 14) holding `sessions` as given (order and statuses untouched).
pub fn patient(id: &str, name: &str, sessions: Vec<Session>) -> Patient {
    let details = PatientDetails {
        full_name: name.into(),
        ..PatientDetails::default()
    };
    let mut p = Patient::new(PatientId::new(id).expect("a valid id"), details, d("2026-09-01"));
    p.series.push(Series {
        protocol_id: "acne-scars-standard".into(),
        protocol_name: "Acne scars, standard".into(),
        interval_days: 28,
        min_interval_days: 14,
        created: d("2026-09-01"),
        sessions,
        ..Series::default()
    });
    p
}

/// A temp dir holding a data dir [`DATA`] with `patients` saved by the store. Run the
/// binary from the temp dir itself ([`run_on`]): files it writes by default land there.
pub fn temp_clinic(patients: &[Patient]) -> TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    let store = PatientStore::open(&data_dir(&tmp)).expect("open the store");
    // A clinic set up with the demo's people (a real dir without clinic.json has none).
    needleplan::store::clinic_file::save(&data_dir(&tmp), &needleplan::store::demo::demo_settings())
        .expect("save clinic.json");
    for p in patients {
        store
            .save(p)
            .unwrap_or_else(|e| panic!("save {}: {e:?}", p.id.as_str()));
    }
    tmp
}

/// The data dir of a [`temp_clinic`].
pub fn data_dir(tmp: &TempDir) -> PathBuf {
    tmp.path().join(DATA)
}
