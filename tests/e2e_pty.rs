//! End to end: the real `needleplan` binary in a pseudo-terminal (portable-pty), its
//! output read back through a terminal emulator (vt100), keys typed as bytes, and the
//! JSON on disk checked afterwards. No tmux needed.
//!
//! Every run gets its own `--data-dir`, and `NEEDLEPLAN_DATA_DIR`, `HOME`,
//! `XDG_DATA_HOME`, `TMPDIR` and the working dir all point at other temporary dirs that
//! must stay empty: that proves `--data-dir` wins and that nothing leaks elsewhere.

mod common;

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use common::pty::*;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::store::PatientStore;
use needleplan::store::patient_file::SCHEMA_VERSION;

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[test]
fn adds_a_patient_by_typing_and_finds_it_on_disk() {
    let sandbox = Sandbox::new();
    let mut tui = Tui::spawn(&sandbox, &sandbox.args_with_data_dir(&[]), 100, 30);
    let screen = tui.wait_for(FIRST_RUN_HINT, TIMEOUT);
    assert!(screen.alternate, "the app should draw on the alternate screen");

    tui.send("a");
    tui.wait_for("New patient", TIMEOUT);
    tui.send("Ada Lovelace");
    tui.send(TAB);
    tui.send("1990-12-10");
    tui.send(TAB);
    tui.send("+44 7700 900123");
    tui.send(ENTER);

    let screen = tui.wait_until("\"saved\" on the status line", TIMEOUT, |s| {
        let status = s.status_line();
        status.contains("saved") && !status.contains("unsaved") && !status.contains("NOT SAVED")
    });
    assert!(
        !screen.contains("New patient"),
        "the form is still open:\n{}",
        screen.dump()
    );
    assert!(
        screen.contains("Ada Lovelace"),
        "the name is not listed:\n{}",
        screen.dump()
    );
    assert!(
        screen.contains("Patients (1)"),
        "the list does not count 1:\n{}",
        screen.dump()
    );
    assert!(
        screen.contains("+44 7700 900123"),
        "the phone is not listed:\n{}",
        screen.dump()
    );
    tui.quit();

    let files = sandbox.patient_files();
    assert_eq!(files.len(), 1, "expected exactly one patient file: {files:?}");
    assert!(
        files[0].starts_with("p-") && files[0].ends_with(".json"),
        "{files:?}"
    );
    assert!(
        !files[0].to_lowercase().contains("ada"),
        "a name in a file name: {files:?}"
    );
    let doc = read_json(&sandbox.patients_dir().join(&files[0]));
    assert_eq!(doc["schema_version"], SCHEMA_VERSION, "{doc:#}");
    assert_eq!(doc["patient"]["revision"], 1, "{doc:#}");
    assert_eq!(doc["patient"]["full_name"], "Ada Lovelace", "{doc:#}");
    assert_eq!(doc["patient"]["date_of_birth"], "1990-12-10", "{doc:#}");
    assert_eq!(doc["patient"]["phone"], "+44 7700 900123", "{doc:#}");
    assert_eq!(
        doc["patient"]["id"].as_str(),
        files[0].strip_suffix(".json"),
        "{doc:#}"
    );
    sandbox.assert_nothing_leaked_incl_tmp();
}

#[test]
fn an_impossible_date_is_refused_inline_and_nothing_is_saved() {
    let sandbox = Sandbox::new();
    let mut tui = Tui::spawn(&sandbox, &sandbox.args_with_data_dir(&[]), 100, 30);
    tui.wait_for(FIRST_RUN_HINT, TIMEOUT);

    tui.send("a");
    tui.wait_for("New patient", TIMEOUT);
    tui.send("Ada Lovelace");
    tui.send(TAB);
    tui.send("2026-02-30");
    tui.send(ENTER);
    let screen = tui.wait_for("does not exist", TIMEOUT);
    assert!(
        screen.contains("New patient"),
        "the form closed:\n{}",
        screen.dump()
    );
    assert!(
        screen.contains("Ada Lovelace"),
        "the name was lost:\n{}",
        screen.dump()
    );
    assert!(
        screen.contains("2026-02-30"),
        "the date was lost:\n{}",
        screen.dump()
    );
    assert!(!screen.status_line().contains("saved"), "{}", screen.dump());

    tui.esc();
    tui.wait_screen(
        &[FIRST_RUN_HINT, "Patients (0)"],
        &["New patient", "Ada Lovelace", "does not exist"],
        TIMEOUT,
    );
    tui.quit();

    let files = sandbox.patient_files();
    assert!(files.is_empty(), "nothing should be saved: {files:?}");
    sandbox.assert_nothing_leaked_incl_tmp();
}

#[test]
fn demo_opens_in_a_temp_dir_and_says_where() {
    let sandbox = Sandbox::new();
    let mut tui = Tui::spawn(&sandbox, &["--demo".into()], 100, 30);

    const INTRO: &str = "demo clinic: a temporary copy in ";
    let screen = tui.wait_status(INTRO, TIMEOUT);
    let status = screen.status_line();
    assert!(status.contains("removed on exit"), "{status}");
    let after = &status[status.find(INTRO).unwrap() + INTRO.len()..];
    let demo_dir = PathBuf::from(after.split(',').next().unwrap().trim());
    assert!(
        demo_dir.starts_with(sandbox.tmp()),
        "the demo dir {} is not in TMPDIR {}:\n{}",
        demo_dir.display(),
        sandbox.tmp().display(),
        screen.dump()
    );

    // The list shows patients: "Patients (N)" with N > 0, and rows under the header.
    let shown = tui.wait_until("a non-empty patient list", TIMEOUT, |s| {
        patients_count(s).is_some_and(|n| n > 0)
    });
    let count = patients_count(&shown).unwrap();
    assert!(!shown.contains(FIRST_RUN_HINT), "{}", shown.dump());

    tui.send("?");
    // The help box (its title starts "Keys (") has a row "q   quit ...".
    tui.wait_until("the help listing q as quit", TIMEOUT, |s| {
        s.contains("Keys (")
            && s.rows.iter().any(|row| {
                row.split('║')
                    .any(|cell| cell.trim_start().starts_with("q ") && cell.contains("quit"))
            })
    });
    // Any key but j/k closes the help, q included; the second q quits.
    tui.send("q");
    tui.wait_gone("Keys (", TIMEOUT);
    let files = entries(&demo_dir.join("patients"));
    assert!(
        files.len() >= count,
        "{count} patients listed but {} files in {}",
        files.len(),
        demo_dir.display()
    );
    assert!(files.iter().all(|f| f.ends_with(".json")), "{files:?}");
    tui.quit();

    sandbox.assert_nothing_leaked();
    assert!(sandbox.patient_files().is_empty(), "--demo wrote to the data dir");
    // The temporary copy went with the app: the temp dir does not fill up.
    assert!(!demo_dir.exists(), "{} left behind", demo_dir.display());
    sandbox.assert_nothing_leaked_incl_tmp();
}

/// N in the "Patients (N)" pane title.
fn patients_count(screen: &Screen) -> Option<usize> {
    screen.rows.iter().find_map(|row| {
        let rest = &row[row.find("Patients (")? + "Patients (".len()..];
        rest[..rest.find(')')?].trim().parse().ok()
    })
}

#[test]
fn too_small_terminal_shows_a_message_not_a_crash() {
    let sandbox = Sandbox::new();
    let mut tui = Tui::spawn(&sandbox, &sandbox.args_with_data_dir(&[]), 60, 20);
    tui.wait_screen(
        &["terminal too small", "this one is 60x20"],
        &["Patients"],
        TIMEOUT,
    );

    tui.resize(100, 30);
    tui.wait_screen(
        &[FIRST_RUN_HINT, "Patients (0)"],
        &["terminal too small"],
        TIMEOUT,
    );
    tui.quit();
    sandbox.assert_nothing_leaked_incl_tmp();
}

#[test]
fn corrupt_file_is_reported_and_left_untouched() {
    let sandbox = Sandbox::new();
    let store = PatientStore::open(sandbox.data_dir()).expect("open store");
    let patient = Patient::new(
        PatientId::new("p-00000001").unwrap(),
        PatientDetails {
            full_name: "Grace Hopper".into(),
            date_of_birth: Some("1986-12-09".parse().unwrap()),
            phone: "+1 555 0100".into(),
            ..PatientDetails::default()
        },
        "2026-01-15".parse().unwrap(),
    );
    store.save(&patient).expect("save the valid patient");
    let corrupt = sandbox.patients_dir().join("p-0000bad1.json");
    let corrupt_bytes = b"{ not json".to_vec();
    fs::write(&corrupt, &corrupt_bytes).unwrap();
    let valid = sandbox.patients_dir().join("p-00000001.json");
    let valid_bytes = fs::read(&valid).unwrap();

    let mut tui = Tui::spawn(&sandbox, &sandbox.args_with_data_dir(&[]), 100, 30);
    let screen = tui.wait_status("p-0000bad1.json", TIMEOUT);
    assert!(
        screen.contains("Grace Hopper"),
        "the valid patient is not listed:\n{}",
        screen.dump()
    );
    assert!(screen.contains("Patients (1)"), "{}", screen.dump());

    // `!` lists the problem files; Esc closes the list.
    tui.send("!");
    tui.wait_until("the problems popup", TIMEOUT, |s| {
        s.contains("were not loaded") && s.rows.iter().any(|r| r.contains("• patients/p-0000bad1.json"))
    });
    tui.send("\x1b");
    tui.wait_gone("were not loaded", TIMEOUT);
    tui.quit();

    assert_eq!(
        fs::read(&corrupt).unwrap(),
        corrupt_bytes,
        "the corrupt file was changed"
    );
    assert_eq!(
        fs::read(&valid).unwrap(),
        valid_bytes,
        "the valid file was rewritten"
    );
    assert_eq!(
        sandbox.patient_files(),
        vec!["p-00000001.json".to_string(), "p-0000bad1.json".to_string()]
    );
    sandbox.assert_nothing_leaked_incl_tmp();
}

#[test]
fn help_and_version_flags() {
    let sandbox = Sandbox::fresh();
    let run = |arg: &str| {
        let out = Command::new(BIN)
            .arg(arg)
            .env_clear()
            .envs(sandbox.env())
            .current_dir(sandbox.cwd())
            .output()
            .expect("run needleplan");
        assert!(
            out.status.success(),
            "{arg}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    };

    let help = run("--help");
    assert!(help.contains("--data-dir"), "{help}");
    assert!(help.contains("--demo"), "{help}");

    let version = run("--version");
    assert_eq!(
        version.trim_end(),
        format!("needleplan {}", env!("CARGO_PKG_VERSION"))
    );
    sandbox.assert_nothing_leaked_incl_tmp();
    assert!(entries(sandbox.data_dir()).is_empty());
}
