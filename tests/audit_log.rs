//! `audit.log`: the hash chain shows edited, removed, reordered, cut-short and non-JSON
//! lines; the user is the OS user of the uid (not `$USER`); only patient ids are logged.
//! Each test works in its own temporary dir.

use std::fs;
use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use needleplan::domain::patient::{Patient, PatientId};
use needleplan::store::PatientStore;
use needleplan::store::audit::{
    self, AUDIT_FILE, AuditAction, AuditEntry, AuditProblem, GENESIS_HASH, append, sha256_hex, verify,
};
use needleplan::store::demo::demo_patients;

fn id(s: &str) -> PatientId {
    PatientId::new(s).unwrap()
}

fn log_path(dir: &Path) -> std::path::PathBuf {
    dir.join(AUDIT_FILE)
}

/// A log of `n` lines for patients p-0, p-1, ... in a new temporary dir.
fn log_with(n: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..n {
        let before = if i == 0 { None } else { Some(i) };
        append(
            dir.path(),
            AuditAction::Update,
            &id(&format!("p-{}", i % 3)),
            before,
            i + 1,
        )
        .unwrap();
    }
    dir
}

fn lines_of(dir: &Path) -> Vec<String> {
    fs::read_to_string(log_path(dir))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(dir: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    fs::write(log_path(dir), text).unwrap();
}

fn problem_lines(result: Result<usize, Vec<AuditProblem>>) -> Vec<usize> {
    result.unwrap_err().iter().map(|p| p.line_no).collect()
}

#[test]
fn a_good_log_verifies_and_each_line_hashes_the_one_before() {
    let dir = log_with(5);
    assert_eq!(verify(dir.path()), Ok(5));
    let lines = lines_of(dir.path());
    let entries: Vec<AuditEntry> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(entries[0].prev_hash, GENESIS_HASH);
    for i in 1..5 {
        assert_eq!(entries[i].prev_hash, sha256_hex(lines[i - 1].as_bytes()));
    }
    assert_eq!(entries[0].revision_before, None);
    assert_eq!(entries[3].revision_before, Some(3));
    assert_eq!(entries[3].revision_after, 4);
    assert_eq!(entries[3].action, AuditAction::Update);
    assert_eq!(entries[3].patient_id, "p-0");
}

#[test]
fn no_log_yet_is_an_empty_valid_log() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(verify(dir.path()), Ok(0));
}

#[test]
fn each_line_is_one_json_object_with_the_fields_in_order() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), AuditAction::Create, &id("p-1a2b3c4d"), None, 1).unwrap();
    let line = &lines_of(dir.path())[0];
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    let mut expected = vec![
        "time",
        "user",
        "action",
        "patient_id",
        "revision_before",
        "revision_after",
        "prev_hash",
    ];
    expected.sort();
    assert_eq!(sorted, expected);
    assert!(line.starts_with(r#"{"time":""#), "{line}");
    assert_eq!(value["action"], "create");
    assert_eq!(value["revision_before"], serde_json::Value::Null);
    // Local time with its offset: 2026-11-25T09:30:12+01:00 (or Z-less +00:00).
    let time = value["time"].as_str().unwrap();
    chrono::DateTime::parse_from_rfc3339(time).unwrap();
    assert!(
        time.len() == 25 && (time.contains('+') || time[19..].starts_with('-')),
        "{time}"
    );
}

#[test]
fn an_edited_line_breaks_the_chain_at_the_next_line() {
    let dir = log_with(5);
    let mut lines = lines_of(dir.path());
    lines[1] = lines[1].replace(r#""action":"update""#, r#""action":"archive""#);
    write_lines(dir.path(), &lines);
    let problems = verify(dir.path()).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line_no, 3);
    assert!(problems[0].message.contains("line 2 was edited"), "{problems:?}");
}

#[test]
fn an_edited_user_or_revision_is_found_too() {
    let dir = log_with(4);
    let mut lines = lines_of(dir.path());
    let user = serde_json::from_str::<AuditEntry>(&lines[0]).unwrap().user;
    lines[0] = lines[0].replacen(&format!(r#""user":"{user}""#), r#""user":"nobody""#, 1);
    lines[2] = lines[2].replace(r#""revision_after":3"#, r#""revision_after":30"#);
    write_lines(dir.path(), &lines);
    assert_eq!(problem_lines(verify(dir.path())), vec![2, 4]);
}

#[test]
fn a_removed_line_breaks_the_chain() {
    let dir = log_with(5);
    let mut lines = lines_of(dir.path());
    lines.remove(2);
    write_lines(dir.path(), &lines);
    assert_eq!(problem_lines(verify(dir.path())), vec![3]);
}

#[test]
fn removing_the_first_line_is_found() {
    let dir = log_with(3);
    let mut lines = lines_of(dir.path());
    lines.remove(0);
    write_lines(dir.path(), &lines);
    let problems = verify(dir.path()).unwrap_err();
    assert_eq!(problems[0].line_no, 1);
    assert!(
        problems[0].message.contains("does not start the chain"),
        "{problems:?}"
    );
}

#[test]
fn reordered_lines_break_the_chain() {
    let dir = log_with(5);
    let mut lines = lines_of(dir.path());
    lines.swap(1, 3);
    write_lines(dir.path(), &lines);
    let bad = problem_lines(verify(dir.path()));
    assert!(!bad.is_empty());
    assert!(bad.contains(&2), "{bad:?}");
}

#[test]
fn a_truncated_last_line_is_reported() {
    let dir = log_with(3);
    let bytes = fs::read(log_path(dir.path())).unwrap();
    fs::write(log_path(dir.path()), &bytes[..bytes.len() - 20]).unwrap();
    let problems = verify(dir.path()).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line_no, 3);
    assert!(problems[0].message.contains("cut short"), "{problems:?}");
}

#[test]
fn a_missing_final_newline_alone_is_reported() {
    let dir = log_with(2);
    let bytes = fs::read(log_path(dir.path())).unwrap();
    fs::write(log_path(dir.path()), &bytes[..bytes.len() - 1]).unwrap();
    assert_eq!(problem_lines(verify(dir.path())), vec![2]);
}

#[test]
fn a_line_that_is_not_json_is_reported_with_its_number() {
    let dir = log_with(3);
    let mut lines = lines_of(dir.path());
    lines.insert(1, "hello, not json".into());
    write_lines(dir.path(), &lines);
    let problems = verify(dir.path()).unwrap_err();
    assert_eq!(problems[0].line_no, 2);
    assert!(
        problems[0].message.contains("not a valid audit entry"),
        "{problems:?}"
    );
    // ...and the line after it does not follow it either.
    assert_eq!(problems[1].line_no, 3);
}

#[test]
fn after_a_cut_short_line_appending_starts_a_new_line_and_the_chain_goes_on() {
    let dir = log_with(2);
    let bytes = fs::read(log_path(dir.path())).unwrap();
    fs::write(log_path(dir.path()), &bytes[..bytes.len() - 10]).unwrap();
    append(dir.path(), AuditAction::Update, &id("p-9"), Some(1), 2).unwrap();
    append(dir.path(), AuditAction::Update, &id("p-9"), Some(2), 3).unwrap();
    let lines = lines_of(dir.path());
    assert_eq!(lines.len(), 4);
    // Only the cut-short line itself is a problem: the new lines chain to its bytes.
    let problems = verify(dir.path()).unwrap_err();
    assert_eq!(problem_lines(Err(problems.clone())), vec![2], "{problems:?}");
    assert!(
        problems[0].message.contains("not a valid audit entry"),
        "{problems:?}"
    );
}

#[test]
fn a_long_log_verifies_and_appends_stay_chained() {
    let dir = log_with(300);
    assert_eq!(verify(dir.path()), Ok(300));
}

/// The OS user name of this process, as `id -un` prints it.
fn id_un() -> String {
    let out = Command::new("id")
        .arg("-un")
        .output()
        .expect("the id command runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[cfg(unix)]
#[test]
fn the_user_is_the_uid_s_name() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), AuditAction::Create, &id("p-1"), None, 1).unwrap();
    let entry = &audit::read_entries(dir.path()).unwrap()[0];
    assert_eq!(entry.user, id_un());
    assert_eq!(entry.user, audit::os_user());
}

/// Not a test: the child half of `user_is_not_taken_from_the_user_variable`, which runs
/// this test binary again with `--ignored --exact` and `AUDIT_CHILD_DIR` set. Run
/// without it (say by `--include-ignored`) it fails rather than pass having tested
/// nothing.
#[test]
#[ignore = "the child process of user_is_not_taken_from_the_user_variable"]
fn child_appends_one_line_when_asked() {
    let Ok(dir) = std::env::var("AUDIT_CHILD_DIR") else {
        panic!("not a test: started by user_is_not_taken_from_the_user_variable");
    };
    append(Path::new(&dir), AuditAction::Update, &id("p-1"), Some(1), 2).unwrap();
}

#[cfg(unix)]
#[test]
fn user_is_not_taken_from_the_user_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_appends_one_line_when_asked",
            "--test-threads=1",
        ])
        .env("AUDIT_CHILD_DIR", dir.path())
        .env("USER", "somebody-else")
        .env("LOGNAME", "somebody-else")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let entries = audit::read_entries(dir.path()).unwrap();
    assert_eq!(entries.len(), 1, "the child wrote its line");
    assert_eq!(entries[0].user, id_un());
    assert_ne!(entries[0].user, "somebody-else");
}

#[test]
fn no_patient_name_or_detail_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let patients: Vec<Patient> = demo_patients(today).into_iter().take(12).collect();
    let store = PatientStore::open(&data).unwrap();
    for p in &patients {
        // Every save writes its own audit line (create, then update).
        let revision = store.save(p).unwrap();
        let mut again = p.clone();
        again.revision = revision;
        again.notes.push_str(" more notes");
        store.save(&again).unwrap();
    }
    assert_eq!(verify(&data), Ok(24));
    let log = fs::read_to_string(data.join(AUDIT_FILE)).unwrap();
    for p in &patients {
        assert!(log.contains(p.id.as_str()));
        let mut details = vec![p.full_name.clone(), p.email.clone(), p.phone.clone()];
        details.extend(p.full_name.split_whitespace().map(str::to_string));
        if !p.notes.trim().is_empty() {
            details.push(p.notes.clone());
        }
        for d in details.iter().filter(|d| d.len() >= 3) {
            assert!(!log.contains(d.as_str()), "the log holds a patient detail: {d:?}");
        }
    }
}

#[cfg(unix)]
#[test]
fn the_log_is_private_or_group_shared_like_its_dir() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;

    let private = tempfile::tempdir().unwrap();
    fs::set_permissions(private.path(), fs::Permissions::from_mode(0o700)).unwrap();
    append(private.path(), AuditAction::Create, &id("p-1"), None, 1).unwrap();
    assert_eq!(mode(&log_path(private.path())), 0o600);

    let shared = tempfile::tempdir().unwrap();
    fs::set_permissions(shared.path(), fs::Permissions::from_mode(0o2770)).unwrap();
    assert_eq!(mode(shared.path()), 0o2770, "setgid could be set on the test dir");
    append(shared.path(), AuditAction::Create, &id("p-1"), None, 1).unwrap();
    assert_eq!(mode(&log_path(shared.path())), 0o660);
}

/// The store writes the audit line itself, under its lock, for every save: what kind of
/// change it was and the revisions either side.
#[test]
fn every_store_save_is_logged_with_its_action_and_revisions() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let mut p = demo_patients(today).remove(0);
    p.archived = false;
    let store = PatientStore::open(&data).unwrap();
    let save = |p: &mut Patient| p.revision = store.save(p).unwrap();
    save(&mut p);
    p.phone = "+44 7700 900999".into();
    save(&mut p);
    p.archived = true;
    save(&mut p);
    p.archived = false;
    save(&mut p);
    let got: Vec<_> = audit::read_entries(&data)
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.action,
                e.patient_id.clone(),
                e.revision_before,
                e.revision_after,
            )
        })
        .collect();
    let id = p.id.to_string();
    assert_eq!(
        got,
        vec![
            (AuditAction::Create, id.clone(), None, 1),
            (AuditAction::Update, id.clone(), Some(1), 2),
            (AuditAction::Archive, id.clone(), Some(2), 3),
            (AuditAction::Restore, id, Some(3), 4),
        ]
    );
    assert_eq!(verify(&data), Ok(4));
}

/// An update's line says what it changed, as kinds with field paths: a screening answer
/// and an exposure date changed give `screening_change` with their paths, an override
/// `override`, a moved session `move`. No value of the patient reaches the log: the raw
/// bytes hold none of the distinctive name, phone, email, date of birth, notes or reason.
#[test]
fn an_update_logs_what_changed_by_field_path_and_no_patient_value() {
    use needleplan::domain::screening::Override;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let mut p = demo_patients(today)
        .into_iter()
        .find(|p| p.series.iter().any(|s| !s.sessions.is_empty()))
        .expect("a demo patient with a session");
    p.archived = false;
    p.full_name = "Quintessa Marbleworth".into();
    p.phone = "+44 1632 960777".into();
    p.email = "quintessa@marbleworth.example".into();
    p.date_of_birth = NaiveDate::from_ymd_opt(1971, 7, 19);
    p.notes = "Prefers the window seat".into();
    p.screening.answers.insert("pregnancy".into(), true);
    p.screening
        .exposures
        .insert("isotretinoin".into(), NaiveDate::from_ymd_opt(2026, 10, 1));
    let store = PatientStore::open(&data).unwrap();
    let save = |p: &mut Patient| p.revision = store.save(p).unwrap();
    save(&mut p);
    p.screening.answers.insert("pregnancy".into(), false);
    p.screening.exposures.insert("isotretinoin".into(), None);
    p.screening.overrides.push(Override {
        target: "pregnancy".into(),
        by: "Dr Hollowquill".into(),
        reason: "Zanzibar-flavoured justification".into(),
        at: today.and_hms_opt(9, 0, 0).unwrap(),
        judged_on: None,
    });
    p.notes = "Allergic to marzipan frosting".into();
    save(&mut p);
    let (si, ji) = p
        .series
        .iter()
        .enumerate()
        .find_map(|(i, s)| (!s.sessions.is_empty()).then_some((i, 0)))
        .unwrap();
    let date = p.series[si].sessions[ji].date;
    p.series[si].sessions[ji].date = date.succ_opt().unwrap();
    save(&mut p);

    let entries = audit::read_entries(&data).unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries[0].changes.is_empty(), "a creation lists no changes");
    assert_eq!(entries[1].action, AuditAction::Update);
    assert_eq!(
        entries[1].changes,
        [
            "details notes",
            "screening_change screening.answers.pregnancy",
            "screening_change screening.exposures.isotretinoin",
            "override screening.overrides[0]",
        ]
    );
    assert_eq!(
        entries[2].changes,
        [format!("move series[{si}].sessions[{ji}].date")]
    );
    assert_eq!(verify(&data), Ok(3));
    let report = needleplan::store::doctor::run(&data);
    assert!(report.is_clean(), "{report:?}");

    let raw = fs::read(data.join(AUDIT_FILE)).unwrap();
    let raw = String::from_utf8_lossy(&raw);
    assert!(
        raw.contains(r#""changes":["details notes","screening_change screening.answers.pregnancy""#),
        "{raw}"
    );
    for value in [
        "Quintessa",
        "Marbleworth",
        "1632",
        "960777",
        "marbleworth.example",
        "1971",
        "window seat",
        "marzipan",
        "Zanzibar",
        "justification",
        "Hollowquill",
    ] {
        assert!(
            !raw.contains(value),
            "the log holds a patient value: {value:?}\n{raw}"
        );
    }
}

/// A line with `changes` is covered by the chain like any other key: edit one of its
/// change kinds and the next line no longer follows it.
#[test]
fn the_changes_of_a_line_are_in_the_hash_chain() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let mut p = demo_patients(today).remove(0);
    p.archived = false;
    let store = PatientStore::open(&data).unwrap();
    let save = |p: &mut Patient| p.revision = store.save(p).unwrap();
    save(&mut p);
    p.screening.answers.insert(
        "pregnancy".into(),
        !p.screening.answers.get("pregnancy").copied().unwrap_or(false),
    );
    save(&mut p);
    p.phone = "+44 7700 900111".into();
    save(&mut p);
    assert_eq!(verify(&data), Ok(3));
    let mut lines = lines_of(&data);
    assert!(
        lines[1].contains("screening_change screening.answers.pregnancy"),
        "{}",
        lines[1]
    );
    lines[1] = lines[1].replace("screening_change", "details");
    write_lines(&data, &lines);
    assert_eq!(problem_lines(verify(&data)), vec![3]);
}

/// Lines written by earlier versions (no `before_unlogged` key) still verify and read;
/// the key is written only when true, so ordinary lines are as they were.
#[test]
fn a_log_of_an_earlier_version_verifies_and_reads_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let first = format!(
        r#"{{"time":"2026-11-25T09:30:12+00:00","user":"alice","action":"create","patient_id":"p-1a2b3c4d","revision_before":null,"revision_after":1,"prev_hash":"{GENESIS_HASH}"}}"#
    );
    let second = format!(
        r#"{{"time":"2026-11-25T09:31:00+00:00","user":"alice","action":"update","patient_id":"p-1a2b3c4d","revision_before":1,"revision_after":2,"prev_hash":"{}"}}"#,
        sha256_hex(first.as_bytes())
    );
    fs::write(log_path(dir.path()), format!("{first}\n{second}\n")).unwrap();
    assert_eq!(verify(dir.path()), Ok(2));
    let entries = audit::read_entries(dir.path()).unwrap();
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| !e.before_unlogged));
    assert!(entries.iter().all(|e| e.changes.is_empty()));
    // Appending goes on from them, in the same format.
    append(dir.path(), AuditAction::Update, &id("p-1a2b3c4d"), Some(2), 3).unwrap();
    assert_eq!(verify(dir.path()), Ok(3));
    assert!(
        !fs::read_to_string(log_path(dir.path()))
            .unwrap()
            .contains("before_unlogged")
    );
    assert!(
        !fs::read_to_string(log_path(dir.path()))
            .unwrap()
            .contains("changes")
    );
    // A line with changes goes on from them too, and the whole log verifies.
    let mut intent = audit::Intent::patient(AuditAction::Update, &id("p-1a2b3c4d"), Some(3), 4);
    intent.changes = vec!["screening_change screening.answers.pregnancy".into()];
    audit::log_intent(dir.path(), &intent).unwrap();
    assert_eq!(verify(dir.path()), Ok(4));
    let lines = lines_of(dir.path());
    assert_eq!(lines[0], first, "old lines are left byte for byte");
    assert_eq!(lines[1], second);
}

/// The line is written before the file: a save that fails after it leaves one line whose
/// revision never reached the disk, its retries reuse that line rather than add the same
/// one again, `doctor` calls it an interrupted save (a note, not a problem), and once the
/// save succeeds the history is whole.
#[test]
fn a_failed_save_leaves_one_intent_line_its_retries_add_none() {
    use needleplan::store::doctor;
    use needleplan::store::patients::{WriteStep, Writer};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let mut p = demo_patients(today).remove(0);
    let mut store = PatientStore::open(&data).unwrap();
    p.revision = store.save(&p).unwrap();
    store.set_writer(Writer::FailAt {
        step: WriteStep::Rename,
        kind: std::io::ErrorKind::Other,
    });
    p.notes.push_str(" edited");
    for _ in 0..3 {
        assert!(store.save(&p).is_err());
    }
    let lines = |data: &Path| {
        audit::read_entries(data)
            .unwrap()
            .into_iter()
            .map(|e| (e.revision_before, e.revision_after))
            .collect::<Vec<_>>()
    };
    assert_eq!(lines(&data), [(None, 1), (Some(1), 2)]);
    let report = doctor::run(&data);
    assert!(
        report.lines.iter().any(|l| l.starts_with("note")
            && l.contains("audit.log line 2: an interrupted save: revision 2")),
        "{:#?}",
        report.lines
    );
    assert!(
        !report
            .lines
            .iter()
            .any(|l| l.starts_with("PROBLEM") && l.contains("audit.log")),
        "{:#?}",
        report.lines
    );

    store.set_writer(Writer::Atomic);
    assert_eq!(store.save(&p), Ok(2));
    assert_eq!(
        lines(&data),
        [(None, 1), (Some(1), 2)],
        "the retry reused its line"
    );
    let report = doctor::run(&data);
    assert!(
        report.lines.iter().any(|l| l.contains("chain complete")),
        "{:#?}",
        report.lines
    );
    assert!(
        !report.lines.iter().any(|l| l.contains("interrupted")),
        "{:#?}",
        report.lines
    );
}
