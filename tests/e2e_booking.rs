//! End to end, booking (issue 3): the real binary in a pseudo-terminal (tests/common/pty.rs)
//! books a whole series by keys from the preview, moves a session with the cascade, and
//! refuses a move onto a closed day or onto another patient's booking; the JSON on disk
//! is checked afterwards against what the screen showed and against the clinic's rules.
//!
//! The clinic is this file's own, not the defaults, so a rule that is only right by luck
//! of the defaults would show: Mon, Tue, Thu, Fri 10:00-17:00, Sat 09:00-12:00, closed
//! on Wednesdays and Sundays, one closed date; Lena Novak and Omar Haddad; Blue Room and
//! Green Room; the standard and the PRP protocols in use. Dates count from the real
//! today, so the tests work on any day.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use chrono::{Datelike, Days, Local, NaiveDate, NaiveTime, TimeDelta, Weekday};
use common::pty::*;
use needleplan::domain::clinic::{ClinicSettings, ClosedDate, DayHours, Resource};
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::protocol::ProtocolTemplate;
use needleplan::domain::schedule::{Proposal, ProposalPlan, build_series};
use needleplan::store::patient_file::SCHEMA_VERSION;
use needleplan::store::templates::Templates;
use needleplan::store::{PatientStore, clinic_file};

const COLS: u16 = 120;
const ROWS: u16 = 40;

const BACKSPACE: &str = "\x7f";
const RIGHT: &str = "\x1b[C";
const HOME: &str = "\x1b[H";

const NORA: &str = "p-0000b001";
const ADAM: &str = "p-0000a001";
const PRP: &str = "acne-scars-prp";
const HOLIDAY: &str = "Staff training";

// ---------------------------------------------------------------------------------------
// The clinic and its patients
// ---------------------------------------------------------------------------------------

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// Opening hours by weekday: the one definition the settings are built from and the
/// checks of the saved sessions read, independently of the app's own rules code.
fn hours(day: Weekday) -> Option<(NaiveTime, NaiveTime)> {
    match day {
        Weekday::Mon | Weekday::Tue | Weekday::Thu | Weekday::Fri => Some((hm(10, 0), hm(17, 0))),
        Weekday::Sat => Some((hm(9, 0), hm(12, 0))),
        Weekday::Wed | Weekday::Sun => None,
    }
}

fn clinic(closed: NaiveDate) -> ClinicSettings {
    let mut c = needleplan::store::demo::demo_settings();
    c.name = "Quay Street Skin".into();
    for (i, day) in [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]
    .into_iter()
    .enumerate()
    {
        c.hours[i] = hours(day).map(|(open, close)| DayHours::new(open, close));
    }
    c.closed_dates = vec![ClosedDate {
        date: closed,
        reason: HOLIDAY.into(),
    }];
    c.clinicians = vec![
        Resource::new("lena", "Lena Novak"),
        Resource::new("omar", "Omar Haddad"),
    ];
    c.rooms = vec![
        Resource::new("blue", "Blue Room"),
        Resource::new("green", "Green Room"),
    ];
    c.protocols_in_use = vec!["acne-scars-standard".into(), PRP.into()];
    c
}

fn protocol(id: &str) -> ProtocolTemplate {
    Templates::builtin()
        .protocols
        .into_iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no built-in protocol {id}"))
}

fn today() -> NaiveDate {
    Local::now().date_naive()
}

/// The first Tuesday at least two days ahead: in the future whatever the time of day,
/// and a day the clinic is open.
fn next_tuesday() -> NaiveDate {
    let mut day = today() + Days::new(2);
    while day.weekday() != Weekday::Tue {
        day = day.succ_opt().unwrap();
    }
    day
}

fn plus(day: NaiveDate, n: u64) -> NaiveDate {
    day + Days::new(n)
}

fn new_patient(id: &str, name: &str) -> Patient {
    let details = PatientDetails {
        full_name: name.into(),
        phone: "+44 7700 900777".into(),
        ..PatientDetails::default()
    };
    Patient::new(PatientId::new(id).unwrap(), details, today())
}

/// A patient with a booked PRP series, one session per `(date, time, clinician, room)`.
fn booked_patient(id: &str, name: &str, sessions: &[(NaiveDate, NaiveTime, &str, &str)]) -> Patient {
    let p = protocol(PRP);
    let mut plan = ProposalPlan::from_protocol(&p, sessions[0].0);
    plan.sessions = sessions.len() as u32;
    let rows: Vec<Proposal> = sessions
        .iter()
        .map(|&(date, time, clinician, room)| Proposal {
            date,
            time,
            minutes: p.session_minutes,
            clinician: clinician.into(),
            room: room.into(),
            gap_days: None,
        })
        .collect();
    let mut patient = new_patient(id, name);
    patient
        .series
        .push(build_series(&p.id, &p.name, &plan, &rows, today()));
    patient
}

/// Writes clinic.json and the patients through the real store.
fn seed(sandbox: &Sandbox, closed: NaiveDate, patients: &[Patient]) {
    clinic_file::save(sandbox.data_dir(), &clinic(closed)).expect("save clinic.json");
    let store = PatientStore::open(sandbox.data_dir()).expect("open the store");
    for p in patients {
        store.save(p).expect("save the patient");
    }
}

fn patient_file(sandbox: &Sandbox, id: &str) -> std::path::PathBuf {
    sandbox.patients_dir().join(format!("{id}.json"))
}

// ---------------------------------------------------------------------------------------
// Sessions as the screen shows them and as the file holds them
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
struct Slot {
    date: NaiveDate,
    time: NaiveTime,
    clinician: String,
    room: String,
}

impl Slot {
    fn start(&self) -> chrono::NaiveDateTime {
        self.date.and_time(self.time)
    }
}

/// An id of the clinic's clinicians or rooms whose name is in `text`.
fn resource_in(text: &str, list: &[Resource]) -> Option<String> {
    list.iter().find(|r| text.contains(&r.name)).map(|r| r.id.clone())
}

/// The rows of the preview table ("▶1  Tue 2026-12-01 10:00 Lena Novak Blue Room  -
/// ✓ ok"), read from inside the preview's double border.
fn preview_rows(screen: &Screen, clinic: &ClinicSettings) -> Vec<Slot> {
    let mut rows = Vec::new();
    for line in &screen.rows {
        let Some(inner) = line.split('║').nth(1) else {
            continue;
        };
        let cells = inner.trim_start_matches(['▶', ' ']);
        let words: Vec<&str> = cells.split_whitespace().collect();
        let [n, _weekday, date, time, ..] = words.as_slice() else {
            continue;
        };
        let (Ok(n), Ok(date), Ok(time)) = (
            n.parse::<usize>(),
            date.parse::<NaiveDate>(),
            NaiveTime::parse_from_str(time, "%H:%M"),
        ) else {
            continue;
        };
        assert_eq!(n, rows.len() + 1, "rows out of order:\n{}", screen.dump());
        let clinician = resource_in(cells, &clinic.clinicians)
            .unwrap_or_else(|| panic!("no clinician in row {n}:\n{}", screen.dump()));
        let room = resource_in(cells, &clinic.rooms)
            .unwrap_or_else(|| panic!("no room in row {n}:\n{}", screen.dump()));
        rows.push(Slot {
            date,
            time,
            clinician,
            room,
        });
    }
    rows
}

fn str_of<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string {key} in {v:#}"))
}

/// The sessions of the patient's last series in the file, with their statuses.
fn saved_sessions(doc: &serde_json::Value) -> Vec<(Slot, String)> {
    let series = doc["patient"]["series"].as_array().expect("a series list");
    let sessions = series.last().expect("a series")["sessions"]
        .as_array()
        .expect("a session list");
    sessions
        .iter()
        .map(|s| {
            let time = str_of(s, "time");
            let slot = Slot {
                date: str_of(s, "date").parse().expect("an ISO date"),
                time: NaiveTime::parse_from_str(time, "%H:%M:%S")
                    .or_else(|_| NaiveTime::parse_from_str(time, "%H:%M"))
                    .unwrap_or_else(|e| panic!("time {time}: {e}")),
                clinician: str_of(s, "clinician").into(),
                room: str_of(s, "room").into(),
            };
            (slot, str_of(s, "status").to_string())
        })
        .collect()
}

fn revision(doc: &serde_json::Value) -> u64 {
    doc["patient"]["revision"]
        .as_u64()
        .unwrap_or_else(|| panic!("no revision in {doc:#}"))
}

/// Every rule of issue 3, checked from this file's own definition of the clinic: open
/// weekday, not the closed date, inside the hours, gaps of at least `min_gap` days, and
/// no clinician or room booked twice at once (with `others`, another patient's).
fn assert_obeys_rules(sessions: &[Slot], closed: NaiveDate, minutes: u32, min_gap: u32, others: &[Slot]) {
    let length = TimeDelta::minutes(minutes.into());
    for s in sessions {
        assert_ne!(s.date, closed, "a session on the closed date: {s:?}");
        let (open, close) = hours(s.date.weekday())
            .unwrap_or_else(|| panic!("a session on a closed weekday ({}): {s:?}", s.date.weekday()));
        assert!(
            s.time >= open && s.time + length <= close,
            "outside {open}-{close}: {s:?}"
        );
    }
    for w in sessions.windows(2) {
        let gap = (w[1].date - w[0].date).num_days();
        assert!(gap >= min_gap.into(), "{gap} days < {min_gap} between {w:?}");
    }
    let all: Vec<&Slot> = sessions.iter().chain(others).collect();
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            let overlap = a.start() < b.start() + length && b.start() < a.start() + length;
            assert!(
                !(overlap && (a.clinician == b.clinician || a.room == b.room)),
                "double booking: {a:?} and {b:?}"
            );
        }
    }
}

/// Every file under the data dir with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    entries(dir)
        .into_iter()
        .filter(|name| dir.join(name).is_file())
        .map(|name| {
            let bytes = fs::read(dir.join(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Driving the app
// ---------------------------------------------------------------------------------------

fn spawn(sandbox: &Sandbox) -> Tui {
    let mut tui = Tui::spawn(sandbox, &sandbox.args_with_data_dir(&[]), COLS, ROWS);
    tui.wait_screen(&["Adam Archer", "Nora Quill"], &[], TIMEOUT);
    tui
}

/// Moves the patient list's selection from Adam (first by name) to Nora.
fn select_nora(tui: &mut Tui) {
    tui.send("j");
    tui.wait_until("Nora selected", TIMEOUT, |s| {
        s.rows.iter().any(|r| r.contains("▶Nora Quill"))
    });
}

/// Nora's plan pane focused on session `n`, its form open.
fn open_session(tui: &mut Tui, n: usize, key: &str) {
    tui.send(TAB);
    tui.wait_for("▶ Treatment plan", TIMEOUT);
    tui.send(HOME);
    tui.send(&"j".repeat(n - 1));
    tui.send(key);
    tui.wait_screen(&[&format!("╔ Session {n} "), "Override reason"], &[], TIMEOUT);
}

/// Replaces the focused field's text (the cursor is at its end) with `text`.
fn retype(tui: &mut Tui, old_len: usize, text: &str) {
    tui.send(&BACKSPACE.repeat(old_len));
    tui.send(text);
}

/// The form's focused field is `label` and the row under it holds `text` (where a form
/// puts the reason Enter was refused for).
fn reason_under(screen: &Screen, label: &str, text: &str) -> bool {
    let focused = format!("▶ {label} ");
    screen
        .rows
        .iter()
        .position(|r| r.contains(&focused))
        .and_then(|i| screen.rows.get(i + 1))
        .is_some_and(|under| under.contains(text))
}

fn wait_saved(tui: &mut Tui, what: &str) -> Screen {
    tui.wait_until(&format!("{what:?} and saved on the status line"), TIMEOUT, |s| {
        let status = s.status_line();
        status.contains(what) && status.contains("saved") && !status.contains("NOT SAVED")
    })
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[test]
fn books_a_series_by_keys_as_the_preview_showed_it() {
    let prp = protocol(PRP);
    let first = next_tuesday();
    // Where the second session would go at the target interval: the scheduler must
    // find another day.
    let closed = plus(first, prp.interval_days.into());
    let sandbox = Sandbox::new();
    seed(
        &sandbox,
        closed,
        &[new_patient(ADAM, "Adam Archer"), new_patient(NORA, "Nora Quill")],
    );
    let settings = clinic(closed);
    let before = read_json(&patient_file(&sandbox, NORA));
    let before_bytes = fs::read(patient_file(&sandbox, NORA)).unwrap();

    let mut tui = spawn(&sandbox);
    select_nora(&mut tui);
    tui.send("n");
    tui.wait_screen(
        &["New treatment series", "◀ Acne scars, standard ▶"],
        &[],
        TIMEOUT,
    );
    tui.send(RIGHT);
    tui.wait_for("◀ Acne scars with PRP ▶", TIMEOUT);
    tui.send(TAB);
    tui.send(&first.to_string());
    tui.send(ENTER);
    let screen = tui.wait_screen(
        &[
            "Proposed series: Acne scars with PRP",
            "every session passes every rule",
        ],
        &["New treatment series"],
        TIMEOUT,
    );
    let head = format!(
        "Nora Quill · {} sessions, every {} days ({}-{})",
        prp.sessions, prp.interval_days, prp.min_interval_days, prp.max_interval_days
    );
    assert!(screen.contains(&head), "{head}:\n{}", screen.dump());
    let proposed = preview_rows(&screen, &settings);
    assert_eq!(proposed.len(), prp.sessions as usize, "{}", screen.dump());
    assert_eq!(proposed[0].date, first, "{}", screen.dump());
    assert!(
        fs::read(patient_file(&sandbox, NORA)).unwrap() == before_bytes,
        "saved before c"
    );

    // Row 3 to the day's last start time (or its first, if it is there already).
    let row = &proposed[2];
    let (open, close) = hours(row.date.weekday()).expect("an open day");
    let last = close - TimeDelta::minutes(prp.session_minutes.into());
    let edited = if row.time == last { open } else { last };
    tui.send("jje");
    let row_form = format!("Proposed session 3 of {}", prp.sessions);
    tui.wait_screen(&[&row_form], &[], TIMEOUT);
    tui.send(TAB);
    retype(&mut tui, 5, &edited.format("%H:%M").to_string());
    tui.send(ENTER);
    let screen = tui.wait_screen(
        &[
            "session 3 changed; press c to book",
            "every session passes every rule",
        ],
        &[&row_form],
        TIMEOUT,
    );
    let shown = preview_rows(&screen, &settings);
    let mut expected = proposed.clone();
    expected[2].time = edited;
    assert_eq!(shown, expected, "only row 3's time changed:\n{}", screen.dump());

    tui.send("c");
    wait_saved(&mut tui, &format!("series of {} sessions booked", prp.sessions));
    tui.quit();

    let doc = read_json(&patient_file(&sandbox, NORA));
    assert_eq!(doc["schema_version"], SCHEMA_VERSION, "{doc:#}");
    assert_eq!(revision(&doc), revision(&before) + 1, "{doc:#}");
    let series = &doc["patient"]["series"];
    assert_eq!(series.as_array().map(Vec::len), Some(1), "{doc:#}");
    assert_eq!(series[0]["protocol_id"], PRP, "{doc:#}");
    assert_eq!(series[0]["min_interval_days"], prp.min_interval_days, "{doc:#}");
    let saved = saved_sessions(&doc);
    assert_eq!(saved.len(), prp.sessions as usize, "{doc:#}");
    let slots: Vec<Slot> = saved.iter().map(|(s, _)| s.clone()).collect();
    assert_eq!(slots, shown, "the file holds what the preview showed");
    assert_eq!(slots[2].time, edited, "the edited row");
    assert!(saved.iter().all(|(_, status)| status == "booked"), "{doc:#}");
    assert_obeys_rules(&slots, closed, prp.session_minutes, prp.min_interval_days, &[]);
    // Adam is untouched.
    assert_eq!(
        read_json(&patient_file(&sandbox, ADAM))["patient"]["series"],
        serde_json::json!([])
    );
    sandbox.assert_nothing_leaked();
}

/// Nora's PRP series: four Tuesdays five weeks apart at 10:00, Lena in the Blue Room.
fn noras_series(t0: NaiveDate) -> Vec<Slot> {
    (0..4)
        .map(|i| Slot {
            date: plus(t0, 35 * i),
            time: hm(10, 0),
            clinician: "lena".into(),
            room: "blue".into(),
        })
        .collect()
}

fn booked(slots: &[Slot]) -> Vec<(NaiveDate, NaiveTime, &str, &str)> {
    slots
        .iter()
        .map(|s| (s.date, s.time, s.clinician.as_str(), s.room.as_str()))
        .collect()
}

#[test]
fn moving_session_2_by_keys_shifts_the_later_ones_with_it() {
    let prp = protocol(PRP);
    let t0 = next_tuesday();
    let old = noras_series(t0);
    // A Friday after the moved session 2: the cascade must not need it.
    let closed = plus(t0, 38);
    let sandbox = Sandbox::new();
    seed(
        &sandbox,
        closed,
        &[
            new_patient(ADAM, "Adam Archer"),
            booked_patient(NORA, "Nora Quill", &booked(&old)),
        ],
    );
    let before = read_json(&patient_file(&sandbox, NORA));
    assert_eq!(
        saved_sessions(&before)
            .into_iter()
            .map(|(s, _)| s)
            .collect::<Vec<_>>(),
        old
    );

    let mut tui = spawn(&sandbox);
    select_nora(&mut tui);
    open_session(&mut tui, 2, ENTER);
    // Tuesday to Thursday.
    let moved = plus(old[1].date, 2);
    retype(&mut tui, 10, &moved.to_string());
    tui.send(ENTER);
    let screen = tui.wait_screen(
        &[
            "Move session 2",
            "Session 2 moves by +2 days",
            "Shift sessions 3-4 by the same amount?",
        ],
        &["not available"],
        TIMEOUT,
    );
    assert!(
        !screen.status_line().contains("saved"),
        "saved before the answer:\n{}",
        screen.dump()
    );
    tui.send("y");
    wait_saved(&mut tui, "session 2 moved by +2 days with sessions 3-4");
    tui.quit();

    let doc = read_json(&patient_file(&sandbox, NORA));
    assert_eq!(doc["schema_version"], SCHEMA_VERSION, "{doc:#}");
    assert_eq!(revision(&doc), revision(&before) + 1, "saved once: {doc:#}");
    let saved = saved_sessions(&doc);
    let slots: Vec<Slot> = saved.iter().map(|(s, _)| s.clone()).collect();
    assert_eq!(slots.len(), old.len(), "{doc:#}");
    assert_eq!(slots[0], old[0], "session 1 stays");
    for (new, was) in slots.iter().zip(&old).skip(1) {
        assert_eq!(new.date - was.date, TimeDelta::days(2), "{new:?} from {was:?}");
        assert_eq!(
            (&new.time, &new.clinician, &new.room),
            (&was.time, &was.clinician, &was.room)
        );
    }
    assert!(saved.iter().all(|(_, status)| status == "booked"), "{doc:#}");
    assert_obeys_rules(&slots, closed, prp.session_minutes, prp.min_interval_days, &[]);
    sandbox.assert_nothing_leaked();
}

#[test]
fn a_move_onto_a_closed_day_or_another_booking_is_refused_and_nothing_is_written() {
    let t0 = next_tuesday();
    let noras = noras_series(t0);
    // Thursday after session 2: Adam has Lena at 14:00 (in the Green Room).
    let adams = Slot {
        date: plus(noras[1].date, 2),
        time: hm(14, 0),
        clinician: "lena".into(),
        room: "green".into(),
    };
    // The Friday after it.
    let closed = plus(noras[1].date, 3);
    let sandbox = Sandbox::new();
    seed(
        &sandbox,
        closed,
        &[
            booked_patient(ADAM, "Adam Archer", &booked(std::slice::from_ref(&adams))),
            booked_patient(NORA, "Nora Quill", &booked(&noras)),
        ],
    );
    let before = snapshot(sandbox.data_dir());

    let mut tui = spawn(&sandbox);
    select_nora(&mut tui);
    open_session(&mut tui, 2, "e");

    retype(&mut tui, 10, &closed.to_string());
    let holiday = format!("{closed}: the clinic is closed ({HOLIDAY})");
    tui.wait_for(&holiday, TIMEOUT);
    tui.send(ENTER);
    // Refused: the reason moves under the Date field, and the form stays open.
    let screen = tui.wait_until("the refusal under the Date field", TIMEOUT, |s| {
        reason_under(s, "Date", &format!("refused: {holiday}"))
    });
    assert!(screen.contains("Override reason"), "{}", screen.dump());

    retype(&mut tui, 10, &adams.date.to_string());
    tui.send(TAB);
    retype(&mut tui, 5, "14:00");
    let busy = "Lena Novak is already booked 14:00-15:30";
    let screen = tui.wait_screen(&[busy, "▶ Time"], &[&holiday], TIMEOUT);
    assert!(
        !screen.contains("Blue Room is already booked"),
        "Adam is in the Green Room:\n{}",
        screen.dump()
    );
    tui.send(ENTER);
    // Enter moves the focus to the field at fault, with the reason under it.
    tui.wait_until("the refusal under the Clinician field", TIMEOUT, |s| {
        reason_under(s, "Clinician", &format!("refused: {busy}"))
    });
    tui.esc();
    tui.wait_screen(&["cancelled; nothing changed"], &["Override reason"], TIMEOUT);
    tui.quit();

    let after = snapshot(sandbox.data_dir());
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "files were added or removed"
    );
    for (name, bytes) in &before {
        assert!(after[name] == *bytes, "{name} changed");
    }
    sandbox.assert_nothing_leaked();
}
