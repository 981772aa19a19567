//! Carrying out saves. A failed save keeps the edit in memory, says so on the status
//! line and is retried; "saved" is only ever shown after the write succeeded.

use crate::domain::patient::Patient;
use crate::store::PatientStore;

use super::model::{Effect, Model, StatusKind};

/// Anything that can write a patient; the real store, or a fake in tests.
pub trait Saver {
    fn save(&self, patient: &Patient) -> Result<(), String>;
}

impl Saver for PatientStore {
    fn save(&self, patient: &Patient) -> Result<(), String> {
        PatientStore::save(self, patient)
    }
}

pub fn run_effects(model: &mut Model, effects: Vec<Effect>, saver: &dyn Saver) {
    for effect in effects {
        match effect {
            Effect::Save(id) => {
                model.unsaved.insert(id);
            }
        }
    }
    flush(model, saver);
}

/// Tries to write every patient with unsaved changes.
pub fn flush(model: &mut Model, saver: &dyn Saver) {
    if model.unsaved.is_empty() {
        return;
    }
    let mut failures = Vec::new();
    for id in std::mem::take(&mut model.unsaved) {
        let Some(patient) = model.patient(&id) else {
            continue;
        };
        if let Err(e) = saver.save(patient) {
            failures.push(e);
            model.unsaved.insert(id);
        }
    }
    if failures.is_empty() {
        // What this key did ("session 2 saved despite ...") stays in front of "saved";
        // an older message never does.
        let prefix = match model.status.kind {
            StatusKind::Info if model.status_fresh && !model.status.text.is_empty() => {
                format!("{}; ", model.status.text)
            }
            _ => String::new(),
        };
        model.set_status(StatusKind::Saved, format!("{prefix}saved"));
    } else {
        model.set_status(
            StatusKind::Error,
            format!("NOT SAVED (kept in memory, retrying): {}", failures.join("; ")),
        );
    }
}
