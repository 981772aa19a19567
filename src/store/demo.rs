//! The bundled demo clinic. Its dates are stored around a fixed reference day and moved
//! to today when it is copied, so the demo looks alive whenever it is opened.

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;

use crate::domain::patient::{Patient, PatientId};
use crate::domain::series::add_days;

use super::patients::PatientStore;

const DEMO: &str = include_str!("../../assets/demo/clinic.json");

#[derive(Deserialize)]
struct DemoDoc {
    reference_day: NaiveDate,
    /// Patients whose overdue aftercare is part of the demo's story.
    #[serde(default)]
    keep_open: Vec<PatientId>,
    patients: Vec<Patient>,
}

/// The demo patients with their dates moved to today's week.
pub fn demo_patients(today: NaiveDate) -> Vec<Patient> {
    let doc: DemoDoc = serde_json::from_str(DEMO).expect("assets/demo/clinic.json is valid");
    // Whole weeks only: the reference day (a Monday) becomes the Monday of today's week,
    // so every session keeps its weekday and with it the clinic's hours for that day
    // (Saturday mornings, closed Sundays). `div_euclid` rounds down before the
    // reference day too.
    let shift = (today - doc.reference_day).num_days().div_euclid(7) * 7;
    let monday = add_days(doc.reference_day, shift);
    doc.patients
        .into_iter()
        .map(|mut p| {
            p.shift_dates(shift);
            roll_past_bookings(&mut p, today);
            if !doc.keep_open.contains(&p.id) {
                tick_this_weeks_items(&mut p, monday, today);
            }
            p
        })
        .collect()
}

/// Aftercare items that fell due this week before today are ticked on their due day:
/// the demo's ticks were made up to its reference Monday, and a working clinic would
/// have carried on since. Only the patients the demo shows as overdue keep theirs open.
fn tick_this_weeks_items(p: &mut Patient, monday: NaiveDate, today: NaiveDate) {
    let at = NaiveTime::from_hms_opt(11, 30, 0).expect("valid time");
    for session in p.series.iter_mut().flat_map(|s| s.sessions.iter_mut()) {
        let day = session.date;
        for entry in session.checklist.iter_mut().filter(|e| e.ticked_at.is_none()) {
            let due = entry.due_date(day);
            if due >= monday && due < today {
                entry.ticked_at = Some(due.and_time(at));
            }
        }
    }
}

/// Bookings of the reference week that now fall before today (opened on a Thursday,
/// Monday's appointments would look missed) move one week on, same weekday and time.
/// The generator keeps those slots free next week and the series' gaps wide enough.
fn roll_past_bookings(p: &mut Patient, today: NaiveDate) {
    for session in p.series.iter_mut().flat_map(|s| s.sessions.iter_mut()) {
        if session.status.is_upcoming() && session.date < today {
            session.date = add_days(session.date, 7);
        }
    }
}

/// Copies the demo clinic into a new temporary dir (kept after exit so its files can be
/// looked at) and returns that dir. The real data dir is never involved.
pub fn install_in_temp_dir(today: NaiveDate) -> Result<PathBuf, String> {
    let dir = tempfile::Builder::new()
        .prefix("needleplan-demo-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary dir for the demo: {e}"))?
        .keep();
    install(&dir, today)?;
    Ok(dir)
}

pub fn install(dir: &Path, today: NaiveDate) -> Result<(), String> {
    let store = PatientStore::open(dir).map_err(|e| format!("cannot open {}: {e}", dir.display()))?;
    for p in demo_patients(today) {
        store.save(&p)?;
    }
    Ok(())
}
