//! The patients folder: one `<id>.json` per patient, loaded all at start and each saved
//! on its own the moment it changes.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::domain::patient::{Patient, PatientId};

use super::atomic::write_atomic;
use super::paths::patients_dir;
use super::patient_file;

/// A file that could not be loaded. Its bytes are left exactly as they were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    pub file: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct LoadReport {
    pub patients: Vec<Patient>,
    pub problems: Vec<LoadProblem>,
}

#[derive(Debug)]
pub struct PatientStore {
    data_dir: PathBuf,
    /// Ids whose files failed to load: saving to them would destroy what is there.
    protected: BTreeSet<String>,
}

impl PatientStore {
    /// Opens (creating if needed) the data dir and its `patients/` folder.
    pub fn open(data_dir: &Path) -> io::Result<Self> {
        create_private_dir(data_dir)?;
        create_private_dir(&patients_dir(data_dir))?;
        Ok(Self {
            data_dir: data_dir.to_path_buf(),
            protected: BTreeSet::new(),
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn path_of(&self, id: &PatientId) -> PathBuf {
        patients_dir(&self.data_dir).join(format!("{id}.json"))
    }

    /// Loads every `*.json` in `patients/`. A file that fails is reported and remembered
    /// so that it is never overwritten; every other patient still loads.
    pub fn load_all(&mut self) -> io::Result<LoadReport> {
        let mut report = LoadReport::default();
        let mut entries: Vec<PathBuf> = fs::read_dir(patients_dir(&self.data_dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter(|p| !file_name(p).starts_with('.'))
            .collect();
        entries.sort();
        for path in entries {
            let name = file_name(&path);
            let stem = name.strip_suffix(".json").unwrap_or(&name).to_string();
            let result = fs::read(&path)
                .map_err(|e| format!("cannot be read: {e}"))
                .and_then(|bytes| patient_file::decode(&bytes).map_err(|e| e.to_string()))
                .and_then(|p| {
                    if p.id.as_str() == stem {
                        Ok(p)
                    } else {
                        Err(format!("holds patient id '{}', not '{stem}'", p.id))
                    }
                });
            match result {
                Ok(p) => report.patients.push(p),
                Err(message) => {
                    self.protected.insert(stem);
                    report.problems.push(LoadProblem {
                        file: format!("patients/{name}"),
                        message,
                    });
                }
            }
        }
        Ok(report)
    }

    /// Saves one patient atomically. Refuses to replace a file that failed to load.
    pub fn save(&self, patient: &Patient) -> Result<(), String> {
        if self.protected.contains(patient.id.as_str()) {
            return Err(format!(
                "patients/{}.json could not be read at start and is left untouched",
                patient.id
            ));
        }
        write_atomic(&self.path_of(&patient.id), &patient_file::encode(patient))
            .map_err(|e| format!("patients/{}.json not saved: {e}", patient.id))
    }

    /// Ids of files that failed to load: a new patient must never be given one.
    pub fn protected_ids(&self) -> &BTreeSet<String> {
        &self.protected
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}
