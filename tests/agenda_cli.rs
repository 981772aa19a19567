//! `needleplan agenda` and `needleplan export-ics`, run as the real binary on data dirs
//! in temporary dirs (hand-built patients saved with the store, or the demo clinic).

mod common;

use std::fs;

use common::cli::*;
use needleplan::domain::series::{Session, SessionStatus};
use needleplan::store::PatientStore;
use needleplan::store::demo;
use tempfile::TempDir;

use SessionStatus::{Booked, Cancelled, Done, Planned};

/// A temp dir holding a data dir `data/` with three patients saved by the store.
fn clinic() -> TempDir {
    temp_clinic(&[
        patient(
            "p-000000a1",
            "Yusuf Late",
            vec![
                at("2026-10-28", "15:00", "amara", "room-1", Done),
                at("2026-11-25", "15:00", "amara", "room-1", Booked),
                at("2026-12-23", "15:00", "amara", "room-1", Planned),
                Session::planned(d("2027-01-20"), None),
            ],
        ),
        patient(
            "p-000000b2",
            "Abby Early",
            vec![at("2026-11-25", "09:00", "amara", "room-2", Booked)],
        ),
        patient(
            "p-000000c3",
            "Maya Middle",
            vec![
                at("2026-11-25", "11:30", "ben", "room-1", Planned),
                at("2026-11-18", "11:30", "ben", "room-1", Cancelled),
            ],
        ),
    ])
}

fn pos(text: &str, what: &str) -> usize {
    text.find(what)
        .unwrap_or_else(|| panic!("{what} missing from:\n{text}"))
}

#[test]
fn agenda_prints_the_day_in_time_order_with_free_time() {
    let tmp = clinic();
    let out = run_on(&tmp, &["agenda", "--date", "2026-11-25"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Wed 2026-11-25  open 09:00-18:00  3 bookings"),
        "{text}"
    );
    // Amara's column: Abby at 09:00 before Yusuf at 15:00; Ben's: Maya.
    assert!(pos(&text, "Amara Okafor") < pos(&text, "Abby Early"));
    assert!(pos(&text, "Abby Early") < pos(&text, "Yusuf Late"));
    assert!(pos(&text, "Yusuf Late") < pos(&text, "Ben Carter"));
    assert!(pos(&text, "Ben Carter") < pos(&text, "Maya Middle"));
    assert!(text.contains("09:00-10:00  Abby Early "), "{text}");
    assert!(
        // The id `export-ics` and `handout` take is on every booking's line.
        text.contains("15:00-16:00  Yusuf Late   p-000000a1  session 2/4  Room 1  booked"),
        "{text}"
    );
    assert!(
        text.contains("session 1/1  Room 1  planned"),
        "the cancelled one drops out:\n{text}"
    );
    assert!(text.contains("10:00-15:00  free (5h)"), "{text}");
    assert!(!text.contains('\x1b'), "no terminal codes");
}

#[test]
fn agenda_over_several_days_names_closed_days_and_reads_the_env_var() {
    let tmp = clinic();
    let data = data_dir(&tmp);
    let out = command(tmp.path())
        .args(["agenda", "--date", "2026-11-27", "--days", "3"])
        .env("NEEDLEPLAN_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("agenda for Fri 2026-11-27 to Sun 2026-11-29"),
        "{text}"
    );
    assert!(
        text.contains("Sat 2026-11-28  open 09:00-13:00  0 bookings"),
        "{text}"
    );
    assert!(
        text.contains("Sun 2026-11-29  CLOSED: the clinic is closed on Sundays"),
        "{text}"
    );
}

#[test]
fn agenda_refuses_a_bad_date_and_a_missing_data_dir() {
    let tmp = clinic();
    let out = run_on(&tmp, &["agenda", "--date", "2026-02-30"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("2026-02-30 does not exist"),
        "{}",
        stderr(&out)
    );

    let missing = tmp.path().join("nowhere");
    let out = run(tmp.path(), &["--data-dir", missing.to_str().unwrap(), "agenda"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no data dir at"), "{}", stderr(&out));
    assert!(!missing.exists(), "a report never creates a data dir");
}

#[test]
fn agenda_on_the_demo_clinic() {
    let tmp = tempfile::tempdir().unwrap();
    let data = data_dir(&tmp);
    let today = d("2026-11-25");
    demo::install(&data, today).unwrap();
    let out = run_on(&tmp, &["agenda", "--date", "2026-11-25", "--days", "7"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // Every demo booking of the week, with a name, shows up once in the text.
    let mut week: Vec<String> = Vec::new();
    for p in demo::demo_patients(today) {
        let sessions = p.series.iter().flat_map(|s| &s.sessions);
        if sessions
            .filter(|x| x.time.is_some() && x.status.is_upcoming())
            .any(|x| x.date >= today && x.date < d("2026-12-02"))
        {
            week.push(p.full_name.clone());
        }
    }
    assert!(!week.is_empty(), "the demo has bookings that week");
    for name in &week {
        assert!(text.contains(name.as_str()), "{name} missing from:\n{text}");
    }
    assert!(text.contains("free ("), "{text}");
    assert!(text.contains("Sun 2026-11-29  CLOSED"), "{text}");

    // --demo works too (its copy is dated today, so only the shape is checked).
    let out = run(tmp.path(), &["--demo", "agenda"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("Demo Skin Clinic: agenda for "),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("demo clinic copied to"), "{}", stderr(&out));
}

/// Checks the calendar text the way an importer reads it; returns the events' DTSTARTs.
fn check_ics(text: &str) -> Vec<String> {
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    assert!(text.ends_with("END:VCALENDAR\r\n"), "{text}");
    assert!(!text.replace("\r\n", "").contains('\n'), "a bare LF:\n{text}");
    assert!(text.contains("\r\nVERSION:2.0\r\n") && text.contains("\r\nPRODID:"));
    let begins = text.matches("BEGIN:VEVENT\r\n").count();
    assert_eq!(begins, text.matches("END:VEVENT\r\n").count());
    let unfolded = text.replace("\r\n ", "");
    let starts: Vec<String> = unfolded
        .split("\r\n")
        .filter_map(|l| l.strip_prefix("DTSTART:"))
        .map(str::to_string)
        .collect();
    assert_eq!(starts.len(), begins);
    for s in &starts {
        assert!(
            chrono::NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").is_ok(),
            "DTSTART {s} is not a local date-time"
        );
    }
    for field in ["UID:", "DTSTAMP:", "DTEND:", "SUMMARY:Microneedling session "] {
        assert_eq!(
            unfolded.matches(&format!("\r\n{field}")).count(),
            begins,
            "{field}"
        );
    }
    let parsed: icalendar::Calendar = text.parse().expect("the file parses");
    assert_eq!(parsed.events().count(), begins);
    starts
}

#[test]
fn export_ics_writes_one_event_per_timed_upcoming_session() {
    let tmp = clinic();
    let data = data_dir(&tmp);
    let out = run_on(&tmp, &["export-ics", "p-000000a1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = tmp.path().join("p-000000a1.ics");
    assert!(
        stdout(&out).contains("wrote 2 session(s) of p-000000a1"),
        "{}",
        stdout(&out)
    );
    let text = fs::read_to_string(&file).unwrap();
    // Booked 11-25 and planned 12-23; not the done one, not the one without a time.
    assert_eq!(check_ics(&text), ["20261125T150000", "20261223T150000"]);
    assert!(
        text.contains("SUMMARY:Microneedling session 2 of 4\r\n"),
        "{text}"
    );
    let unfolded = text.replace("\r\n ", "");
    assert!(
        unfolded.contains("LOCATION:Demo Skin Clinic\\, Room 1\\, 12 Example Lane\\, London N1 0AA\r\n"),
        "{text}"
    );
    assert!(text.contains("UID:p-000000a1-s1-2@needleplan\r\n"), "{text}");
    assert!(
        !text.contains("Yusuf"),
        "the patient's name stays out of the file"
    );
    assert!(!data.join("p-000000a1.ics").exists());

    // --out FILE, and the UIDs stay the same on a second export.
    let out = run_on(&tmp, &["export-ics", "p-000000a1", "--out", "again.ics"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let again = fs::read_to_string(tmp.path().join("again.ics")).unwrap();
    let uids = |t: &str| {
        t.lines()
            .filter(|l| l.starts_with("UID:"))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(uids(&text), uids(&again));
}

#[test]
fn export_ics_refuses_an_unknown_id_and_a_patient_with_nothing_to_export() {
    let tmp = clinic();
    let data = data_dir(&tmp);
    let out = run_on(&tmp, &["export-ics", "p-99999999"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no patient with id 'p-99999999'"),
        "{}",
        stderr(&out)
    );
    assert!(!tmp.path().join("p-99999999.ics").exists());

    let store = PatientStore::open(&data).unwrap();
    store
        .save(&patient(
            "p-000000d4",
            "Nina Nothing",
            vec![at("2026-10-01", "10:00", "ben", "room-1", Done)],
        ))
        .unwrap();
    let out = run_on(&tmp, &["export-ics", "p-000000d4"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nothing to export"), "{}", stderr(&out));
}

#[test]
fn export_ics_keeps_out_of_the_data_dir_unless_told() {
    let tmp = clinic();
    let data = data_dir(&tmp);
    let out = run(
        &data,
        &["--data-dir", data.to_str().unwrap(), "export-ics", "p-000000b2"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("inside the data dir"), "{}", stderr(&out));
    assert!(!data.join("p-000000b2.ics").exists());
    let out = run(
        &data,
        &[
            "--data-dir",
            data.to_str().unwrap(),
            "export-ics",
            "p-000000b2",
            "--out",
            "b2.ics",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    check_ics(&fs::read_to_string(data.join("b2.ics")).unwrap());
}

#[test]
fn export_ics_on_the_demo_clinic() {
    let tmp = tempfile::tempdir().unwrap();
    let today = chrono::Local::now().date_naive();
    // A demo patient with upcoming timed sessions (the --demo copy is dated today).
    let patients = demo::demo_patients(today);
    let (id, count) = patients
        .iter()
        .map(|p| {
            let n = p
                .series
                .iter()
                .flat_map(|s| &s.sessions)
                .filter(|s| s.time.is_some() && s.status.is_upcoming())
                .count();
            (p.id.to_string(), n)
        })
        .max_by_key(|(_, n)| *n)
        .unwrap();
    assert!(count > 0);
    let out = run(tmp.path(), &["--demo", "export-ics", &id]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = fs::read_to_string(tmp.path().join(format!("{id}.ics"))).unwrap();
    assert_eq!(check_ics(&text).len(), count);
}

#[test]
fn export_ics_never_replaces_an_existing_file_without_force() {
    let tmp = clinic();
    // --out, and the default ./<id>.ics alike.
    for (args, name) in [
        (vec!["export-ics", "p-000000a1", "--out", "mine.ics"], "mine.ics"),
        (vec!["export-ics", "p-000000a1"], "p-000000a1.ics"),
    ] {
        let file = tmp.path().join(name);
        fs::write(&file, "an older export\n").unwrap();
        let out = run_on(&tmp, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{}", stdout(&out));
        assert!(
            stderr(&out).contains(&format!(
                "{name} already exists and was left as it is (give --force to replace it)"
            )),
            "{}",
            stderr(&out)
        );
        assert_eq!(fs::read_to_string(&file).unwrap(), "an older export\n");

        let mut forced = args.clone();
        forced.push("--force");
        let out = run_on(&tmp, &forced);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(check_ics(&fs::read_to_string(&file).unwrap()).len(), 2);
    }
    let left: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// `--demo` makes a fresh copy in the temp dir for every call and removes it when the
/// command ends, whether it succeeds or fails: the temp dir does not fill up.
#[test]
fn demo_commands_leave_no_copy_in_the_temp_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let demo_dirs = || -> Vec<String> {
        fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(needleplan::store::demo::TEMP_PREFIX))
            .collect()
    };
    // TMPDIR is the test's own temp dir (see `command`).
    let out = run(tmp.path(), &["--demo", "agenda"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("removed when done"), "{}", stderr(&out));
    let out = run(tmp.path(), &["--demo", "doctor"]);
    assert!(out.status.success(), "{}", stdout(&out));
    // A failing command: no such patient.
    let out = run(tmp.path(), &["--demo", "export-ics", "p-00000000"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no patient with id"), "{}", stderr(&out));
    assert_eq!(demo_dirs(), Vec::<String>::new(), "a demo copy was left behind");
}

/// A data dir never set up: the report says so, and no demo name or person stands in.
#[test]
fn a_clinic_not_set_up_yet_is_said_and_no_demo_name_stands_in() {
    let tmp = tempfile::tempdir().unwrap();
    let data = data_dir(&tmp);
    let store = PatientStore::open(&data).unwrap();
    store
        .save(&patient(
            "p-000000a1",
            "Yusuf Late",
            vec![at("2026-11-25", "15:00", "x", "y", Booked)],
        ))
        .unwrap();
    let out = run_on(&tmp, &["agenda", "--date", "2026-11-25"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the clinic is not set up yet"),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    for word in ["Demo Skin", "Amara", "Ben Carter"] {
        assert!(!text.contains(word), "{word} in:\n{text}");
    }
}
