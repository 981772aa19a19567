//! A `clinic.json` that cannot be read: why, and the refusal every change meets then, so
//! that the file is never written over.

use crate::store::clinic_file::CLINIC_FILE;

use super::super::model::{Model, StatusKind};

/// Why `clinic.json` cannot be used, as reported at start.
pub fn file_problem(model: &Model) -> Option<&str> {
    model
        .problems
        .iter()
        .find(|p| p.starts_with(CLINIC_FILE))
        .map(String::as_str)
}

/// Refuses a change when the acting person is not an admin (the message names the
/// role) or `clinic.json` cannot be read (returns true).
pub(super) fn refused_read_only(model: &mut Model) -> bool {
    if model.refuse_unless(crate::domain::staff::Permission::Settings) {
        return true;
    }
    if model.clinic_read_only {
        model.set_status(
            StatusKind::Error,
            format!(
                "refused: {CLINIC_FILE} cannot be read, so it is never written over; fix it by hand or \
                 move it away: it is read again within a second (nothing changed)"
            ),
        );
    }
    model.clinic_read_only
}
