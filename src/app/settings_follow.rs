//! The clinic's settings changed (saved by a colleague, or a conflict resolved) while
//! a form or question about a booking is open: what it offers follows the new
//! settings, and a choice that was made inactive or removed meanwhile is refused on its
//! field instead of being saved as something else (or crashing the form).

use super::model::{FormPurpose, Model, Overlay, StatusKind};
use super::{preview, series_form, session_form};

pub fn clinic_changed(model: &mut Model) {
    let overlay = std::mem::replace(&mut model.overlay, Overlay::None);
    model.overlay = match overlay {
        Overlay::Form(purpose, mut form) => {
            match &purpose {
                FormPurpose::AddSession(id) => session_form::clinic_changed(model, id, None, &mut form),
                FormPurpose::EditSession(id, i) => {
                    session_form::clinic_changed(model, id, Some(*i), &mut form)
                }
                FormPurpose::NewSeries(_) => series_form::clinic_changed(model, &mut form),
                FormPurpose::FindSlot => super::agenda::clinic_changed(model, &mut form),
                _ => {}
            }
            Overlay::Form(purpose, form)
        }
        Overlay::SeriesPreview(mut p) => {
            preview::clinic_changed(model, &mut p);
            Overlay::SeriesPreview(p)
        }
        // The two plans of the question were worked out under the old settings: back
        // to the session form, checked again, rather than apply a stale plan.
        Overlay::Reschedule(r) => {
            let mut form = r.form;
            session_form::clinic_changed(model, &r.patient, Some(r.index), &mut form);
            model.set_status(
                StatusKind::Error,
                "the clinic's settings changed: check the session again before moving it",
            );
            Overlay::Form(FormPurpose::EditSession(r.patient, r.index), form)
        }
        other => other,
    };
}
