//! The add/edit patient form: full name first, then date of birth, phone, email, notes.

use crate::domain::dates::DATE_HINT;
use crate::domain::patient::{Patient, PatientDetails};

use super::form::{Field, Form};
use super::model::{Effect, FormPurpose, Model, StatusKind};

pub fn form(title: &str, d: &PatientDetails) -> Form {
    Form::new(
        title,
        vec![
            Field::text("Full name", "as on their ID", d.full_name.clone()),
            Field::text(
                "Date of birth",
                DATE_HINT,
                d.date_of_birth.map(|x| x.to_string()).unwrap_or_default(),
            ),
            Field::text("Phone", "e.g. +44 7700 900123", d.phone.clone()),
            Field::text("Email", "name@example.com", d.email.clone()),
            Field::text("Notes", "optional", d.notes.clone()),
        ],
    )
}

/// Validates and applies the form. On a validation error the form keeps every value and
/// shows the message next to the field; nothing is saved.
pub fn submit(model: &mut Model, purpose: &FormPurpose, form: &mut Form) -> Option<Effect> {
    let fields: [String; 5] = std::array::from_fn(|i| form.value(i).to_string());
    let details = match PatientDetails::parse(&fields, model.today) {
        Ok(d) => d,
        Err(e) => {
            form.fail(e.field, e.message);
            return None;
        }
    };
    let (patient, message) = match purpose {
        FormPurpose::AddPatient => (
            Patient::new(model.fresh_id(), details, model.today),
            "patient added",
        ),
        FormPurpose::EditPatient(id) => {
            let mut patient = model.patient(id)?.clone();
            patient.apply(details);
            (patient, "patient updated")
        }
        _ => return None,
    };
    // A filter that would hide the patient just saved is cleared, so staff see the row.
    if !patient.matches(&model.filter.trim().to_lowercase()) {
        model.filter.clear();
    }
    model.set_status(StatusKind::Info, message);
    let effect = model.put_patient(patient);
    if *purpose == FormPurpose::AddPatient {
        model.reset_session_selection();
    }
    Some(effect)
}
