//! Every confirmed change into the model, then onto disk; a failed write retried, and
//! the quit it holds.

use crate::domain::clinic::ClinicSettings;
use crate::store::clinic_file::{CLINIC_FILE, ClinicSaveError};

use super::super::message::{ClinicSaved, Msg};
use super::super::model::{Effect, Model, StatusKind};
use super::super::persist::Saver;
use super::conflict;

/// Puts a checked change into the model and asks for it to be written.
pub(super) fn commit(model: &mut Model, new: ClinicSettings, text: String) -> Vec<Effect> {
    if new == model.clinic {
        model.set_status(StatusKind::Info, "nothing changed");
        return Vec::new();
    }
    if model.screens.settings.base.is_none() {
        model.screens.settings.base = Some(model.clinic.clone());
    }
    model.set_clinic(new);
    model.set_status(StatusKind::Info, text);
    model.screens.settings.unsaved = true;
    vec![Effect::SaveClinic]
}

const NOT_SAVED: &str = "settings NOT SAVED";

/// Writes `model.clinic` when it has changes not on disk yet (`persist::flush` calls this
/// after every key and on every tick): IO only, the outcome is a message for `update`
/// ([`clinic_saved`]). Never writes while `clinic.json` cannot be read.
pub fn save_clinic(model: &Model, saver: &dyn Saver) -> Option<Msg> {
    if !model.screens.settings.unsaved || model.screens.settings.conflict.is_some() {
        return None;
    }
    let outcome = if model.clinic_read_only {
        ClinicSaved::Failed(format!(
            "{CLINIC_FILE} on disk cannot be read and is never written over; fix it or move it away"
        ))
    } else {
        match saver.save_clinic_revision(&model.clinic) {
            Ok(revision) => ClinicSaved::Saved(revision),
            Err(ClinicSaveError::Conflict(theirs)) => ClinicSaved::Conflict(theirs),
            Err(e) => ClinicSaved::Failed(e.to_string()),
        }
    };
    Some(Msg::ClinicSaved(outcome))
}

/// Takes in the outcome of [`save_clinic`]. A failed write keeps the change in memory,
/// says "NOT SAVED" and is tried again next time; "settings saved" only follows a write
/// that succeeded; a conflict opens the comparison.
pub fn clinic_saved(model: &mut Model, outcome: ClinicSaved) {
    let result = match outcome {
        ClinicSaved::Saved(revision) => {
            // Only the count moves: the settings in use are those just written.
            model.clinic.revision = revision;
            model.screens.settings.base = None;
            Ok(())
        }
        ClinicSaved::Conflict(theirs) => {
            conflict::open(model, *theirs);
            return;
        }
        ClinicSaved::Failed(why) => Err(why),
    };
    // What this key did ("closed on Sundays"), or a patient's failed save just now, stays
    // in front; an older message, or this one's own earlier failure, never does.
    let status = &model.status;
    let fresh = model.status_fresh && !status.text.is_empty();
    let says_not_saved = status.text.contains(NOT_SAVED);
    model.screens.settings.unsaved = result.is_err();
    if result.is_err() && model.quit_requested {
        // q's warning (which says NOT SAVED) stays on screen until the user answers it.
        return;
    }
    let (kind, text) = match (result, status.kind) {
        // "settings saved" comes first, so that a narrow status line never cuts it off.
        (Ok(()), StatusKind::Info) if fresh => {
            (StatusKind::Saved, format!("settings saved: {}", status.text))
        }
        (Ok(()), StatusKind::Error) if fresh && !says_not_saved => {
            (StatusKind::Error, format!("{}; settings saved", status.text))
        }
        (Ok(()), _) => (StatusKind::Saved, "settings saved".to_string()),
        // Already said, by the last try or by q's warning: kept as it is.
        (Err(_), StatusKind::Error) if fresh && says_not_saved => (StatusKind::Error, status.text.clone()),
        (Err(e), StatusKind::Info | StatusKind::Error) if fresh => (
            StatusKind::Error,
            format!("{}; {NOT_SAVED} (kept in memory, retrying): {e}", status.text),
        ),
        (Err(e), _) => (
            StatusKind::Error,
            format!("{NOT_SAVED} (kept in memory, retrying): {e}"),
        ),
    };
    model.set_status(kind, text);
}

/// Holds the first quit while settings are not written yet, saying so; true when it did.
/// A second q quits (`update::request_quit` then sees `quit_requested`).
pub fn hold_quit(model: &mut Model) -> bool {
    let in_conflict = model.screens.settings.conflict.is_some();
    if !(model.screens.settings.unsaved || in_conflict) || model.quit_requested {
        return false;
    }
    let patients = match model.unsaved.len() + model.conflicts.len() {
        0 => String::new(),
        n => format!(" (and {n} patient(s))"),
    };
    let text = if in_conflict {
        format!(
            "clinic settings{patients} in CONFLICT with another user's save, not saved: press 5 to \
             compare and choose, or press q again to quit and lose your changes"
        )
    } else {
        format!(
            "clinic settings{patients} NOT SAVED yet (see the error before): fix the disk problem and wait \
             for \"saved\", or press q again to quit and lose those changes"
        )
    };
    model.set_status(StatusKind::Error, text);
    // After the status: setting one clears the flag.
    model.quit_requested = true;
    true
}
