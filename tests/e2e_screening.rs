//! End to end, screening: the real binary in a pseudo-terminal (the shared harness in
//! `tests/common/pty.rs`) screens a patient on the consult screen (key 4, s) by typing
//! an isotretinoin last dose; then, in the plan, types a booking before the earliest
//! eligible date into the session form and sees it refused on screen (nothing of it
//! reaches the disk), and types one on an open day on or after that date, which is
//! saved; audit.log says what happened by field path, with no patient value. The clinic
//! runs on the built-in defaults (no `clinic.json`): Monday to Friday 09:00-18:00,
//! Saturday 09:00-13:00, Sunday closed.

mod common;

use chrono::{Datelike, Days, Local, Months, NaiveDate, NaiveTime, Weekday};

use common::pty::*;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::series::{Series, SeriesPlan};
use needleplan::store::PatientStore;
use needleplan::store::templates::Templates;

const ID: &str = "p-0000150a";

/// Iris, with a series of the first protocol starting in ten days at 09:30 and no
/// screening recorded yet.
fn seed(sandbox: &Sandbox, today: NaiveDate) {
    let details = PatientDetails {
        full_name: "Iris Tretinoin".into(),
        ..PatientDetails::default()
    };
    let mut p = Patient::new(PatientId::new(ID).unwrap(), details, today);
    let t = Templates::builtin();
    let plan = SeriesPlan::from_protocol(
        &t.protocols[0],
        today + Days::new(10),
        NaiveTime::from_hms_opt(9, 30, 0),
    );
    p.series.push(Series::from_plan(&plan, today));
    PatientStore::open(sandbox.data_dir()).unwrap().save(&p).unwrap();
}

/// The sessions' dates in the patient's file on disk.
fn dates_on_disk(sandbox: &Sandbox) -> Vec<String> {
    let doc = read_json(&sandbox.patients_dir().join(format!("{ID}.json")));
    doc["patient"]["series"][0]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["date"].as_str().unwrap().to_string())
        .collect()
}

/// `date` or the nearest day in direction `step` (+1 or -1) the default clinic is open
/// (a 09:30 hour-long session fits on every open day, Saturday included).
fn open_day(mut date: NaiveDate, step: i64) -> NaiveDate {
    while date.weekday() == Weekday::Sun {
        date = date.checked_add_signed(chrono::TimeDelta::days(step)).unwrap();
    }
    date
}

#[test]
fn a_booking_typed_before_the_eligible_date_is_refused_on_screen_and_one_after_it_is_saved() {
    let sandbox = Sandbox::new();
    let today = Local::now().date_naive();
    seed(&sandbox, today);
    let last_dose = today - Days::new(30);
    let eligible = last_dose.checked_add_months(Months::new(6)).unwrap();
    let before = open_day(eligible - Days::new(1), -1);
    let after = open_day(eligible, 1);

    let mut tui = Tui::spawn(&sandbox, &sandbox.args_with_data_dir(&[]), 120, 40);
    tui.wait_for("Iris Tretinoin", TIMEOUT);

    // Screening: the isotretinoin row of the consult screen's list, its last dose typed.
    tui.send("4");
    tui.wait_for("Consult · Iris Tretinoin", TIMEOUT);
    tui.send("s");
    tui.wait_for("Oral isotretinoin", TIMEOUT);
    let t = Templates::builtin().screening;
    let row = t.absolute.len() + t.relative.len() + t.prompts.len();
    tui.send(&"j".repeat(row));
    tui.send(ENTER);
    tui.wait_for("Last exposure ·", TIMEOUT);
    tui.send(&last_dose.to_string());
    tui.send(ENTER);
    tui.wait_for(&format!("earliest eligible {eligible}"), TIMEOUT);
    tui.esc();
    tui.esc();
    tui.wait_for("Treatment plan", TIMEOUT);

    // A new session typed the day before: refused while typing, and Enter does not save.
    tui.send(TAB);
    tui.send("a");
    tui.wait_for("New session", TIMEOUT);
    tui.send(&"\x7f".repeat(10));
    tui.send(&before.to_string());
    let refusal = "refused: washout: Oral isotretinoin";
    tui.wait_screen(&[&before.to_string(), refusal], &[], TIMEOUT);
    tui.send(ENTER);
    let screen = tui.wait_screen(
        &[
            "New session",
            &format!("earliest eligible {eligible}"),
            "only a clinician",
        ],
        &[],
        TIMEOUT,
    );
    // The status line still holds the screening's save; no session was saved.
    assert!(!screen.status_line().contains("session"), "{}", screen.dump());
    let dates = dates_on_disk(&sandbox);
    assert!(!dates.contains(&before.to_string()), "{dates:?}");

    // On an open day on or after the eligible date: saved.
    tui.send(&"\x7f".repeat(10));
    tui.send(&after.to_string());
    tui.wait_screen(&[&after.to_string()], &[refusal], TIMEOUT);
    tui.send(ENTER);
    tui.wait_until("\"session 4 saved\" on the status line", TIMEOUT, |s| {
        let status = s.status_line();
        status.contains("session 4 saved") && !status.contains("NOT SAVED")
    });
    tui.quit();

    let dates = dates_on_disk(&sandbox);
    assert!(dates.contains(&after.to_string()), "{dates:?}");
    assert!(!dates.contains(&before.to_string()), "{dates:?}");
    let doc = read_json(&sandbox.patients_dir().join(format!("{ID}.json")));
    assert_eq!(
        doc["patient"]["screening"]["exposures"]["isotretinoin"],
        last_dose.to_string()
    );
    // audit.log says what happened, by field path: the exposure date typed, then the
    // session added; and none of the patient's values (name, the dose date) is in it.
    let log = std::fs::read_to_string(sandbox.data_dir().join("audit.log")).unwrap();
    let changes: Vec<String> = needleplan::store::audit::read_entries(sandbox.data_dir())
        .unwrap()
        .into_iter()
        .flat_map(|e| e.changes)
        .collect();
    assert!(
        changes.contains(&"screening_change screening.exposures.isotretinoin".to_string()),
        "{changes:?}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c.starts_with("book series[0].sessions[") || c.starts_with("plan series[0].sessions[")),
        "{changes:?}"
    );
    for value in ["Iris", "Tretinoin", &last_dose.to_string()] {
        assert!(!log.contains(value), "audit.log holds {value:?}:\n{log}");
    }
    sandbox.assert_nothing_leaked();
}

/// A clinician clears a washout date: the real binary asks for the reason, the patient
/// file keeps the change (who: the process's OS login, when, old -> new, why) and
/// audit.log gets a line naming no patient detail, no date and no reason.
#[test]
fn clearing_a_washout_date_asks_a_reason_kept_in_the_history_and_audit_has_no_patient_data() {
    let sandbox = Sandbox::new();
    let today = Local::now().date_naive();
    let last_dose = today - Days::new(30);
    {
        let details = PatientDetails {
            full_name: "Iris Tretinoin".into(),
            phone: "+44 20 7946 0999".into(),
            ..PatientDetails::default()
        };
        let mut p = Patient::new(PatientId::new(ID).unwrap(), details, today);
        p.screening
            .exposures
            .insert("isotretinoin".into(), Some(last_dose));
        PatientStore::open(sandbox.data_dir()).unwrap().save(&p).unwrap();
    }
    let audit_before = std::fs::read_to_string(sandbox.data_dir().join("audit.log")).unwrap_or_default();

    let mut tui = Tui::spawn(&sandbox, &sandbox.args_with_data_dir(&[]), 120, 40);
    tui.wait_for("Iris Tretinoin", TIMEOUT);
    tui.send("4");
    tui.wait_for("Consult · Iris Tretinoin", TIMEOUT);
    tui.send("s");
    tui.wait_for("Oral isotretinoin", TIMEOUT);
    let t = Templates::builtin().screening;
    let row = t.absolute.len() + t.relative.len() + t.prompts.len();
    tui.send(&"j".repeat(row));
    tui.send(ENTER);
    tui.wait_for("Last exposure ·", TIMEOUT);
    tui.send(&"\x7f".repeat(12));
    tui.send("none");
    tui.send(ENTER);
    tui.wait_for("Reason for this change", TIMEOUT);
    // Too short: refused, the form stays.
    tui.send("ok");
    tui.send(ENTER);
    tui.wait_for("a few words at least", TIMEOUT);
    tui.send(" - never took it, misfiled");
    tui.send(ENTER);
    tui.wait_until("the change saved", TIMEOUT, |s| {
        let status = s.status_line();
        status.contains("saved") && !status.contains("NOT SAVED")
    });
    tui.esc();
    tui.wait_for("History", TIMEOUT);
    tui.quit();

    let doc = read_json(&sandbox.patients_dir().join(format!("{ID}.json")));
    let p = &doc["patient"];
    assert_eq!(
        p["screening"]["exposures"]["isotretinoin"],
        serde_json::Value::Null,
        "{doc:#}"
    );
    let history = p["history"].as_array().expect("a history");
    assert_eq!(history.len(), 1, "{doc:#}");
    let h = &history[0];
    assert_eq!(h["by"], needleplan::store::audit::os_user());
    assert_eq!(h["what"], "screening.exposures.isotretinoin");
    assert_eq!(h["old"], last_dose.to_string());
    assert_eq!(h["new"], "none");
    assert_eq!(h["reason"], "ok - never took it, misfiled");
    assert!(h["at"].as_str().unwrap().starts_with(&today.to_string()), "{h}");

    let audit = std::fs::read_to_string(sandbox.data_dir().join("audit.log")).unwrap();
    let new_lines: Vec<&str> = audit.lines().skip(audit_before.lines().count()).collect();
    assert!(!new_lines.is_empty(), "the save has an audit line: {audit}");
    for line in &new_lines {
        assert!(line.contains(ID), "{line}");
        for secret in ["Iris", "Tretinoin", "7946", "misfiled", &last_dose.to_string()] {
            assert!(!line.contains(secret), "{secret} in {line}");
        }
    }
    // What happened, as a field path (the template's washout id, not a value).
    assert!(
        new_lines
            .iter()
            .any(|l| l.contains("screening_change screening.exposures.isotretinoin")),
        "{new_lines:?}"
    );
    sandbox.assert_nothing_leaked();
}
