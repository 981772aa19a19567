//! Messages into the model: what happened, for `update` to take in.
//!
//! The runtime (and the effect runner in `persist`) does the IO: it reads keys, the
//! clock, other users' saves and `clinic.json`, and writes what effects ask for; what
//! it found comes back here as a [`Msg`], and [`update`] is the only place the model
//! changes. Effects returned by `update` go back to the runtime. Tests drive `update`
//! with messages they build, no terminal and no files needed.

use chrono::NaiveDateTime;
use ratatui::crossterm::event::KeyEvent;

use crate::domain::patient::PatientId;
use crate::store::SaveError;
use crate::store::patients::Changes;

use super::model::{Effect, Model};
use super::settings::conflict::ClinicSeen;

#[derive(Debug)]
pub enum Msg {
    /// A key pressed, and when (the time a booking or a tick is stamped with).
    Key(KeyEvent, NaiveDateTime),
    /// The clock, on every idle tick (the date may have turned; the idle lock).
    Tick(NaiveDateTime),
    /// Patient files other users saved since the last look, or why the look failed.
    PatientsChanged(Result<Changes, String>),
    /// `clinic.json` as found on disk, when it may have changed since the last look.
    ClinicChanged(ClinicSeen),
    /// What became of the saves of patients with unsaved changes, and who saved the
    /// versions that a save met instead (their audit login), where known.
    PatientsSaved(
        Vec<(PatientId, Result<u64, SaveError>)>,
        std::collections::BTreeMap<PatientId, String>,
    ),
    /// What became of writing the clinic's settings.
    ClinicSaved(ClinicSaved),
    /// Where the settings screen's CSV export went, or why it was not written.
    CsvExported(Result<crate::transfer::ExportedFiles, String>),
    /// What became of writing an export (`.ics`, handout): where it went, or why not.
    Exported(
        Box<super::exports::Export>,
        Result<std::path::PathBuf, super::exports::ExportError>,
    ),
}

/// The outcome of writing `clinic.json`.
#[derive(Debug)]
pub enum ClinicSaved {
    /// Written; the new revision.
    Saved(u64),
    /// Another user saved first: their settings, to compare and choose from.
    Conflict(Box<crate::domain::clinic::ClinicSettings>),
    /// Not written, and why (kept in memory, retried).
    Failed(String),
}

/// Takes in one message; returns the effects for the runtime to carry out.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key, at) => {
            model.now = at;
            // The user saw the title bar's "updated by others": this is their next action.
            model.others_updated = 0;
            super::update::handle_key(model, key)
        }
        Msg::Tick(now) => {
            model.now = now;
            model.today = now.date();
            model.idle.tick(now);
            Vec::new()
        }
        Msg::PatientsChanged(changes) => {
            super::persist::take_changes(model, changes);
            Vec::new()
        }
        Msg::ClinicChanged(seen) => {
            super::settings::conflict::take_file(model, seen);
            Vec::new()
        }
        Msg::PatientsSaved(results, who) => {
            super::persist::patients_saved(model, results, who);
            Vec::new()
        }
        Msg::ClinicSaved(outcome) => {
            super::settings::clinic_saved(model, outcome);
            Vec::new()
        }
        Msg::CsvExported(result) => {
            super::persist::csv_exported(model, result);
            Vec::new()
        }
        Msg::Exported(export, outcome) => {
            super::exports::exported(model, export, outcome);
            Vec::new()
        }
    }
}
