//! The bundled demo clinic. Its dates are stored around a fixed reference day (a Monday)
//! and moved to today's week when it is copied, so the demo looks alive whenever it is
//! opened.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::patient::Patient;

use super::patients::PatientStore;

const DEMO: &str = include_str!("../../assets/demo/clinic.json");

#[derive(Deserialize)]
struct DemoDoc {
    reference_day: NaiveDate,
    patients: Vec<Patient>,
}

/// The demo patients with their dates moved by whole weeks so that `reference_day` (a
/// Monday) becomes the Monday of `today`'s week (today itself on a Monday).
pub fn demo_patients(today: NaiveDate) -> Vec<Patient> {
    let doc: DemoDoc = serde_json::from_str(DEMO).expect("assets/demo/clinic.json is valid");
    // Shift by whole weeks only, so every date keeps its weekday: a shift by the exact
    // number of days would move sessions onto Sundays, when the clinic is closed, which
    // looks wrong to front-desk staff. `div_euclid` rounds down, also for days before the
    // reference day. The demo data is written so that it looks alive on any day of the
    // reference week (see assets/demo/generate_demo.py).
    let shift = (today - doc.reference_day).num_days().div_euclid(7) * 7;
    doc.patients
        .into_iter()
        .map(|mut p| {
            p.shift_dates(shift);
            p
        })
        .collect()
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
