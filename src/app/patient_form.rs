//! The add/edit patient form: full name first, then date of birth, phone, email, notes.

use crate::domain::dates::DATE_HINT;
use crate::domain::patient::{DetailsField, Patient, PatientDetails, TypedDetails};

use super::form::{Field, Form};
use super::model::{Effect, FormPurpose, Model, StatusKind};

pub const NAME: &str = "full_name";
pub const DATE_OF_BIRTH: &str = "date_of_birth";
pub const PHONE: &str = "phone";
pub const EMAIL: &str = "email";
pub const NOTES: &str = "notes";

pub fn form(title: &str, d: &PatientDetails) -> Form {
    Form::new(
        title,
        vec![
            Field::text(NAME, "Full name", "as on their ID", d.full_name.clone()),
            Field::text(
                DATE_OF_BIRTH,
                "Date of birth",
                DATE_HINT,
                d.date_of_birth.map(|x| x.to_string()).unwrap_or_default(),
            ),
            Field::text(PHONE, "Phone", "e.g. +44 7700 900123", d.phone.clone()),
            Field::text(EMAIL, "Email", "name@example.com", d.email.clone()),
            Field::text(NOTES, "Notes", "optional", d.notes.clone()),
        ],
    )
}

/// The form field a detail's validation failure belongs to.
fn field_of(d: DetailsField) -> &'static str {
    match d {
        DetailsField::Name => NAME,
        DetailsField::DateOfBirth => DATE_OF_BIRTH,
        DetailsField::Phone => PHONE,
        DetailsField::Email => EMAIL,
    }
}

/// Validates and applies the form. On validation errors the form keeps every value and
/// shows each message next to its field; nothing is saved.
pub fn submit(model: &mut Model, purpose: &FormPurpose, form: &mut Form) -> Option<Effect> {
    let typed = TypedDetails {
        full_name: form.text(NAME),
        date_of_birth: form.text(DATE_OF_BIRTH),
        phone: form.text(PHONE),
        email: form.text(EMAIL),
        notes: form.text(NOTES),
    };
    let details = match PatientDetails::parse(typed, model.today) {
        Ok(d) => d,
        Err(errors) => {
            form.set_errors(
                errors
                    .into_iter()
                    .map(|e| (field_of(e.field).to_string(), e.message))
                    .collect(),
            );
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
