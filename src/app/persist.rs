//! Carrying out saves, and taking in what other users saved.
//!
//! A failed save keeps the edit in memory, says so on the status line and is retried;
//! "saved" is only ever shown after the write succeeded. A save refused because another
//! user saved the same patient first (a conflict) keeps the edit too, but is not retried:
//! their version waits in `model.conflicts` until the user compares and chooses.

use std::path::PathBuf;

use crate::domain::clinic::ClinicSettings;
use crate::domain::patient::{Patient, PatientId};
use crate::store::clinic_file::{self, ClinicSaveError};
use crate::store::{PatientStore, SaveError};

use crate::store::patients::Changes;

use super::exports::{Export, ExportError};
use super::message::{Msg, update};
use super::model::{Effect, Model, Overlay, ReadOnly, StatusKind};
use super::overlay::Record;

pub const CONFLICT_MESSAGE: &str = "CONFLICT: another user changed this patient; your edit is kept, not saved — press C to compare and choose";

/// Anything that can write a patient; the real store, or a fake in tests. `patient`'s
/// revision is the one the edit started from; success returns the new revision.
pub trait Saver {
    fn save(&self, patient: &Patient) -> Result<u64, SaveError>;
    /// Writes the clinic's settings (`clinic.json`); the error says why it was not saved.
    fn save_clinic(&self, settings: &ClinicSettings) -> Result<(), ClinicSaveError>;
    /// Writes the settings if the file is still at `settings.revision` (the version the
    /// edit started from) and returns the new revision; a stale one is a conflict that
    /// carries the other user's version. What the settings screen calls. Savers that
    /// keep no revisions (test fakes) get `save_clinic` behind it.
    fn save_clinic_revision(&self, settings: &ClinicSettings) -> Result<u64, ClinicSaveError> {
        self.save_clinic(settings).map(|()| settings.revision + 1)
    }

    /// The data dir, where the settings screen's CSV export writes (`exports/`); savers
    /// that keep no files (test fakes) have none, and the export says so.
    fn data_dir(&self) -> Option<&std::path::Path> {
        None
    }

    /// Writes `export` into the exports folder and returns its path; an existing file is
    /// replaced only when the export says so. Savers that write no files say so.
    fn write_export(&self, export: &Export) -> Result<PathBuf, ExportError> {
        let _ = export;
        Err(ExportError::Unsupported)
    }
}

impl Saver for PatientStore {
    fn save(&self, patient: &Patient) -> Result<u64, SaveError> {
        PatientStore::save(self, patient)
    }

    /// Revision-checked too: a stale edit is refused, never written over a newer file.
    fn save_clinic(&self, settings: &ClinicSettings) -> Result<(), ClinicSaveError> {
        self.save_clinic_revision(settings).map(|_| ())
    }

    fn save_clinic_revision(&self, settings: &ClinicSettings) -> Result<u64, ClinicSaveError> {
        clinic_file::save_revision(self.data_dir(), settings, crate::store::lock::DEFAULT_WAIT)
    }

    fn data_dir(&self) -> Option<&std::path::Path> {
        Some(PatientStore::data_dir(self))
    }

    fn write_export(&self, export: &Export) -> Result<PathBuf, ExportError> {
        let dir = self.data_dir().join(super::exports::EXPORTS_DIR);
        let path = dir.join(&export.file_name);
        let failed = |error: std::io::Error| ExportError::Write {
            path: path.clone(),
            error: error.to_string(),
        };
        std::fs::create_dir_all(&dir).map_err(failed)?;
        let written = if export.replace {
            crate::store::atomic::write_atomic(&path, export.text.as_bytes())
        } else {
            crate::store::atomic::write_atomic_new(&path, export.text.as_bytes())
        };
        match written {
            Ok(()) => Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(ExportError::Exists(path)),
            Err(e) => Err(failed(e)),
        }
    }
}

/// Carries out what a key asked for. The changes are already marked unsaved in the
/// model (by `Model::put_patient`, `keep_mine` and the settings' `commit`), so this only
/// writes: every pending save, retried after every key.
pub fn run_effects(model: &mut Model, effects: Vec<Effect>, saver: &dyn Saver) {
    flush(model, saver);
    for effect in effects {
        match effect {
            Effect::ExportCsv => {
                let msg = export_csv(model, saver);
                update(model, msg);
            }
            Effect::Export(export) => {
                let outcome = saver.write_export(&export);
                let more = update(model, Msg::Exported(export, outcome));
                run_effects(model, more, saver);
            }
            // Written by the flush above, from what the model marks unsaved.
            Effect::Save(_) | Effect::SaveClinic => {}
        }
    }
}

/// Writes the CSV exports of every loaded patient (IO only, reading the model).
pub fn export_csv(model: &Model, saver: &dyn Saver) -> Msg {
    let result = match saver.data_dir() {
        None => Err("no data dir to export into".to_string()),
        Some(dir) => crate::transfer::export_all(dir, &model.patients, &model.clinic, model.now)
            .map_err(|e| format!("{}: {e}", crate::transfer::exports_dir(dir).display())),
    };
    Msg::CsvExported(result)
}

/// Takes in the outcome of [`export_csv`]: where the files went, or why they did not.
pub fn csv_exported(model: &mut Model, result: Result<crate::transfer::ExportedFiles, String>) {
    match result {
        Ok(files) => {
            let counts: Vec<String> = files
                .rows
                .iter()
                .map(|(what, n)| {
                    format!(
                        "{} {n} {}",
                        what.file_name(),
                        if *n == 1 { "row" } else { "rows" }
                    )
                })
                .collect();
            model.set_status(
                StatusKind::Info,
                format!(
                    "CSV export in {}/ (patient data: keep it private): {}",
                    files.dir.display(),
                    counts.join(", ")
                ),
            );
        }
        Err(why) => model.set_status(StatusKind::Error, format!("CSV export NOT written: {why}")),
    }
}

/// Tries to write every patient with unsaved changes, then the clinic's settings: the
/// writes read the model, their outcomes come back as messages for `update`.
pub fn flush(model: &mut Model, saver: &dyn Saver) {
    if let Some(msg) = save_patients(model, saver) {
        update(model, msg);
    }
    if let Some(msg) = super::settings::save_clinic(model, saver) {
        update(model, msg);
    }
}

/// Writes every patient with unsaved changes (IO only); `None` when there is none.
pub fn save_patients(model: &Model, saver: &dyn Saver) -> Option<Msg> {
    if model.unsaved.is_empty() {
        return None;
    }
    let results = model
        .unsaved
        .iter()
        .filter_map(|id| Some((id.clone(), saver.save(model.patient(id)?))))
        .collect();
    Some(Msg::PatientsSaved(results))
}

/// Takes in the outcome of [`save_patients`]: new revisions, conflicts, failures kept
/// for a retry, and the status line that says which.
pub fn patients_saved(model: &mut Model, results: Vec<(PatientId, Result<u64, SaveError>)>) {
    if results.is_empty() {
        return;
    }
    let mut failures = Vec::new();
    let mut conflicted = false;
    // Patients no longer loaded have nothing left to save.
    model
        .unsaved
        .retain(|id| model.patients.iter().any(|p| &p.id == id));
    for (id, result) in results {
        model.unsaved.remove(&id);
        match result {
            Ok(revision) => {
                model.set_revision(&id, revision);
                model.conflicts.remove(&id);
                model.incoming.remove(&id);
            }
            Err(SaveError::Conflict(theirs)) => {
                model.incoming.remove(&id);
                model.conflicts.insert(id, *theirs);
                conflicted = true;
            }
            Err(e @ (SaveError::Io(_) | SaveError::Protected(_))) => {
                failures.push(e.to_string());
                model.unsaved.insert(id);
            }
        }
    }
    let not_saved = (!failures.is_empty())
        .then(|| format!("NOT SAVED (kept in memory, retrying): {}", failures.join("; ")));
    if conflicted {
        let text = match not_saved {
            Some(more) => format!("{CONFLICT_MESSAGE}; {more}"),
            None => CONFLICT_MESSAGE.to_string(),
        };
        model.set_status(StatusKind::Error, text);
    } else if let Some(text) = not_saved {
        // q's warning already says what is not saved; replacing it with the retry's
        // message would let the next q quit with the warning never seen.
        if !model.quit_requested {
            model.set_status(StatusKind::Error, text);
        }
    } else {
        // What this key did ("session 2 saved despite ...") stays in front of "saved";
        // an older message never does.
        let prefix = match model.status.kind {
            StatusKind::Info if model.status_fresh && !model.status.text.is_empty() => {
                format!("{}; ", model.status.text)
            }
            _ => String::new(),
        };
        model.set_status(StatusKind::Saved, format!("{prefix}saved"));
    }
}

/// Looks at `clinic.json` for a save by another instance and takes it in (the calendar
/// and booking rules follow), or keeps the last good settings when the file on disk
/// broke. One `stat` when nothing changed: call it on every idle tick, next to [`poll`].
pub fn poll_clinic(model: &mut Model, store: &PatientStore) {
    let seen = super::settings::conflict::look_at_file(model, store.data_dir(), std::time::SystemTime::now());
    if let Some(seen) = seen {
        update(model, Msg::ClinicChanged(seen));
    }
}

/// Looks for changes saved by other instances and takes them in (see `apply_external`).
/// Files that became unreadable are added to the problem list. Cheap when nothing
/// changed: call it on every idle tick.
pub fn poll(model: &mut Model, store: &PatientStore) {
    let changes = store.poll_changes().map_err(|e| e.to_string());
    update(model, Msg::PatientsChanged(changes));
}

/// Takes in what [`poll`] found: other users' saves, newer-version files, files that
/// became unreadable, or why the look failed.
pub fn take_changes(model: &mut Model, changes: Result<Changes, String>) {
    match changes {
        Ok(changes) => {
            if let Some(first) = changes.problems.first() {
                model.set_status(
                    StatusKind::Error,
                    format!(
                        "{} file(s) changed on disk and cannot be read, press ! for the list: {}: {}",
                        changes.problems.len(),
                        first.file,
                        first.message
                    ),
                );
            }
            for p in &changes.problems {
                model.reserved_ids.insert(p.stem.clone());
                model.problems.push(format!("{}: {}", p.file, p.message));
            }
            apply_read_only(model, changes.read_only);
            apply_external(model, changes.updated);
        }
        Err(e) => {
            let text = format!("cannot look for changes by other users: {e}");
            if model.status.text != text {
                model.set_status(StatusKind::Error, text);
            }
        }
    }
}

/// Puts versions saved by another instance into the model:
/// - a patient without local changes is replaced (or added) at once;
/// - a patient with an unsaved local edit becomes a conflict (their version kept in
///   `model.conflicts`, my edit in `patients`), never overwritten either way;
/// - a patient already in conflict gets the newer "theirs";
/// - a patient whose form or confirmation is open waits in `model.incoming` until it
///   closes (applying it under an open form would let the form's stale values win);
/// - a version not newer than the one in memory is ignored;
/// - a read-only patient whose file this version can save again (rewritten by it or an
///   older one) is replaced whatever its revision, and is editable from then on.
pub fn apply_external(model: &mut Model, patients: Vec<Patient>) {
    let mut waiting: Vec<Patient> = std::mem::take(&mut model.incoming).into_values().collect();
    waiting.extend(patients);
    let mut applied = 0;
    let mut conflicted = false;
    for theirs in waiting {
        let id = theirs.id.clone();
        if model.read_only.remove(&id).is_some() {
            // Read-only records have no local edit, form or conflict to respect.
            model.replace_from_disk(theirs);
            applied += 1;
            continue;
        }
        if let Some(known) = model.conflicts.get_mut(&id) {
            if theirs.revision > known.revision {
                *known = theirs;
            }
            continue;
        }
        if let Some(local) = model.patient(&id) {
            if theirs.revision <= local.revision {
                continue;
            }
            if model.unsaved.contains(&id) {
                if !same_content(local, &theirs) {
                    // Same content: our own write, already on disk after a failed dir
                    // fsync; the retry in `flush` settles it without a conflict.
                    model.unsaved.remove(&id);
                    model.conflicts.insert(id, theirs);
                    conflicted = true;
                }
                continue;
            }
        }
        if is_open(model, &id) {
            match model.incoming.get(&id) {
                Some(held) if held.revision >= theirs.revision => {}
                _ => {
                    model.incoming.insert(id, theirs);
                }
            }
            continue;
        }
        model.replace_from_disk(theirs);
        applied += 1;
    }
    if conflicted {
        model.set_status(StatusKind::Error, CONFLICT_MESSAGE);
    } else if applied > 0 && model.status.kind != StatusKind::Error {
        model.set_status(
            StatusKind::Info,
            format!("{applied} patient(s) updated by another user"),
        );
    }
}

/// Puts records that a newer needleplan wrote (new, changed, or rewritten in its format
/// since the last look) into the model, read-only. An unsaved edit or an open form of
/// such a patient can no longer be saved by this version: it is dropped, and the status
/// line says so rather than letting "NOT SAVED" retry for ever.
pub fn apply_read_only(model: &mut Model, patients: Vec<crate::store::patients::ReadOnlyPatient>) {
    let mut lost = Vec::new();
    let mut why = None;
    for r in &patients {
        let id = &r.patient.id;
        if model.unsaved.contains(id) || model.conflicts.contains_key(id) || is_open(model, id) {
            lost.push(id.to_string());
        }
        model.close_overlays_about(id);
        why = Some(ReadOnly::NewerVersion(r.schema_version));
    }
    let count = patients.len();
    for r in patients {
        model.put_read_only(r.patient, ReadOnly::NewerVersion(r.schema_version));
    }
    let Some(why) = why else {
        return;
    };
    if !lost.is_empty() {
        model.set_status(
            StatusKind::Error,
            format!(
                "patients/{}.json saved meanwhile by a newer needleplan: your change cannot be saved by this version and was dropped ({})",
                lost.join(".json, patients/"),
                why.message()
            ),
        );
    } else if model.status.kind != StatusKind::Error {
        model.set_status(
            StatusKind::Info,
            format!(
                "{count} patient(s) updated by another user, now {}",
                why.message()
            ),
        );
    }
}

/// Resolves a conflict with my version: it is saved on top of theirs (the returned
/// effect), replacing it knowingly.
pub fn keep_mine(model: &mut Model, id: &PatientId) -> Option<Effect> {
    let theirs = model.conflicts.remove(id)?;
    model.set_revision(id, theirs.revision);
    model.unsaved.insert(id.clone());
    Some(Effect::Save(id.clone()))
}

/// Resolves a conflict with their version: my edit of that patient is dropped.
pub fn take_theirs(model: &mut Model, id: &PatientId) {
    if let Some(theirs) = model.conflicts.remove(id) {
        model.unsaved.remove(id);
        model.replace_from_disk(theirs);
    }
}

/// Whether a form or question about `id` is open anywhere in the overlay stack (the
/// compare screen of a conflict is not one: it compares with what is on disk).
fn is_open(model: &Model, id: &PatientId) -> bool {
    model
        .overlay_stack()
        .filter(|o| !matches!(o, Overlay::Conflict(_)))
        .any(|o| o.record() == Record::Patient(id.clone()))
}

/// Equal apart from the revision.
fn same_content(a: &Patient, b: &Patient) -> bool {
    let mut a = a.clone();
    a.revision = b.revision;
    a == *b
}
