//! Files made from the plan by key: the patient's `.ics` calendar (`c`) and aftercare
//! handout (`h`). `update` builds the file's text (pure) and asks for it to be written
//! ([`Effect::Export`]); the effect runner writes it into `<data dir>/exports/` under
//! the patient's id (never their name), never over an existing file: that comes back
//! as a question ("replace it?"), and the status line says where the file went.

use std::path::PathBuf;

use chrono::TimeZone;
use ratatui::crossterm::event::KeyEvent;

use crate::domain::handout::{HandoutFormat, HandoutInput, render_handout};
use crate::domain::ics;

use super::keymap::screen_action_for;
use super::model::{Effect, Model, Overlay, StatusKind};
use super::overlay::{CONFIRM_KEYS, ConfirmAction};

/// The folder of the data dir exports go into.
pub const EXPORTS_DIR: &str = "exports";

/// A file to write into the exports folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The file's name in the exports folder (from the patient's id).
    pub file_name: String,
    pub text: String,
    /// What it is, for the status line: "calendar (3 sessions) of Zoë Adams".
    pub what: String,
    /// Whether an existing file of that name may be replaced (the user said yes).
    pub replace: bool,
}

/// Why an export was not written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// A file of that name is there already (it was left as it is).
    #[error("{} already exists", .0.display())]
    Exists(PathBuf),
    #[error("cannot write {}: {error}", .path.display())]
    Write { path: PathBuf, error: String },
    /// This saver writes no files (test fakes).
    #[error("exports are not written here")]
    Unsupported,
}

/// `c` in the plan: the selected patient's planned and booked sessions as an `.ics` file.
pub fn export_ics(model: &mut Model) -> Vec<Effect> {
    let Some(p) = model.selected_patient() else {
        model.set_status(StatusKind::Info, "no patient selected");
        return Vec::new();
    };
    let stamp = chrono::Local
        .from_local_datetime(&model.now)
        .earliest()
        .map_or_else(|| model.now.and_utc(), |t| t.to_utc());
    let export = ics::patient_calendar(&model.clinic, p, stamp);
    if export.events == 0 {
        let text = format!(
            "{} has no planned or booked session with a time: no calendar file to write",
            p.full_name
        );
        model.set_status(StatusKind::Info, text);
        return Vec::new();
    }
    let what = format!(
        "calendar ({} session{}) of {}",
        export.events,
        if export.events == 1 { "" } else { "s" },
        p.full_name
    );
    vec![Effect::Export(Box::new(Export {
        file_name: format!("{}.ics", p.id),
        text: export.text,
        what,
        replace: false,
    }))]
}

/// `h` in the plan: the aftercare sheet of the latest session done (else the next one),
/// as plain text with the real dates and the clinic's name, phone and address.
pub fn save_handout(model: &mut Model) -> Vec<Effect> {
    let Some(p) = model.selected_patient() else {
        model.set_status(StatusKind::Info, "no patient selected");
        return Vec::new();
    };
    let Some(chosen) = super::clinical_rules::handout_session(p) else {
        let text = format!(
            "{} has no session done or planned: no handout to write",
            p.full_name
        );
        model.set_status(StatusKind::Info, text);
        return Vec::new();
    };
    let input = HandoutInput {
        clinic_name: model.clinic.name.clone(),
        clinic_phone: model.clinic.phone.clone(),
        clinic_address: model.clinic.address.clone(),
        patient_name: p.full_name.clone(),
        session_date: chosen.date,
        last_in_series: chosen.last_in_series,
    };
    let text = render_handout(&model.templates.handout, &input, HandoutFormat::Text);
    let what = format!(
        "aftercare sheet of session {} ({}) of {}",
        chosen.number, chosen.date, p.full_name
    );
    vec![Effect::Export(Box::new(Export {
        file_name: format!("{}-aftercare-{}.txt", p.id, chosen.date),
        text,
        what,
        replace: false,
    }))]
}

/// What became of writing an export.
pub fn exported(model: &mut Model, export: Box<Export>, outcome: Result<PathBuf, ExportError>) {
    match outcome {
        Ok(path) => model.set_status(
            StatusKind::Saved,
            format!("wrote the {} to {}", export.what, path.display()),
        ),
        Err(ExportError::Exists(path)) => {
            model.set_status(
                StatusKind::Info,
                format!("{} already exists: replace it? (y/n)", path.display()),
            );
            model.push_overlay(Overlay::ConfirmReplaceExport(export));
        }
        Err(e) => model.set_status(StatusKind::Error, format!("{} not written: {e}", export.what)),
    }
}

/// The answer to "replace it?".
pub fn confirm_replace(model: &mut Model, export: Box<Export>, key: KeyEvent) -> Vec<Effect> {
    match screen_action_for(CONFIRM_KEYS, &key) {
        Some(ConfirmAction::Yes) => vec![Effect::Export(Box::new(Export {
            replace: true,
            ..*export
        }))],
        Some(ConfirmAction::No) => {
            model.set_status(StatusKind::Info, "not written: the file there was left as it is");
            Vec::new()
        }
        None => {
            model.overlay = Overlay::ConfirmReplaceExport(export);
            Vec::new()
        }
    }
}
