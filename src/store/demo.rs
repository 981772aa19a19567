//! The bundled demo clinic. Its dates are stored around a fixed reference day and moved
//! to today when it is copied, so the demo looks alive whenever it is opened.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use crate::domain::patient::Patient;
use crate::domain::series::{SessionStatus, add_days};

use super::patients::PatientStore;

const DEMO: &str = include_str!("../../assets/demo/clinic.json");

#[derive(Deserialize)]
struct DemoDoc {
    reference_day: NaiveDate,
    patients: Vec<Patient>,
}

/// The demo patients with their dates moved so that `reference_day` becomes `today`.
pub fn demo_patients(today: NaiveDate) -> Vec<Patient> {
    let doc: DemoDoc = serde_json::from_str(DEMO).expect("assets/demo/clinic.json is valid");
    // Shift by the exact number of days, so that what is "today" in the file is today:
    // sessions booked for today show as today's, and none that should be in the future
    // is left behind as a stale booking. A whole-week shift would keep weekdays but leave
    // bookings earlier in the week looking missed.
    let shift = (today - doc.reference_day).num_days();
    doc.patients
        .into_iter()
        .map(|mut p| {
            p.shift_dates(shift);
            off_sundays(&mut p, today);
            p
        })
        .collect()
}

/// The clinic is closed on Sundays: a session the shift put on one moves to the Saturday
/// before when it is done or in the past (ticks, made on or after the session day, stay
/// after it) or to the Monday after otherwise (so a booking never falls into the past).
/// Gaps in the demo are well above the minimum, so a one-day nudge breaks no interval;
/// `tests/demo_clinic.rs` checks that for every weekday.
fn off_sundays(p: &mut Patient, today: NaiveDate) {
    for session in p.series.iter_mut().flat_map(|s| s.sessions.iter_mut()) {
        if session.date.weekday() == Weekday::Sun {
            let back = session.status == SessionStatus::Done || session.date < today;
            session.date = add_days(session.date, if back { -1 } else { 1 });
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
