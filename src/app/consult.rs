//! The consult screen (key `4`): one screen for the selected patient that answers what
//! scars they have and whether they improve, whether it is safe to treat, which depths
//! were used where, and how the last recovery went. Drawn by `ui::consult`.
//!
//! From it a clinician adds a skin assessment (`p`), works through the screening list
//! (`s`), charts the selected session (`c`), signs the chart (`S`) and ticks the session
//! prep (`d`). Text is typed in ordinary forms (`Overlay::Form` with
//! `FormPurpose::Consult`); the screening list, the prep list and a signed chart are
//! overlays too (`Overlay::Screening`, `Prep`, `ChartView`), under the form that one of
//! their rows opens. Every change is saved at once.
//!
//! This file holds the screen's state, its key dispatch and the saving of its forms;
//! each part lives in its own file and is re-exported here, so callers keep using
//! `app::consult::*`:
//! - `keys`: the key tables of the screen and its popups, the help and hint-bar rows;
//! - `profile`: the skin assessment form (`p`);
//! - `area_text`: typed area names and `area=depth` fixes, shared by assessment and chart;
//! - `screening`: the screening list popup (`s`) and its answer, date, review, override
//!   and acknowledge forms;
//! - `prep`: the session prep popup (`d`);
//! - `chart`: charting (`c`), signing (`S`) and amending (`m`) a session's chart.

mod area_text;
mod chart;
mod keys;
mod prep;
mod profile;
mod screening;

use ratatui::crossterm::event::KeyEvent;

use crate::domain::patient::{Patient, PatientId};
use crate::domain::staff::Permission;

use super::form::Form;
use super::keymap::screen_action_for;
use super::model::{Effect, FormPurpose, Model, Overlay, StatusKind};

pub use chart::chart_areas;
pub use keys::{
    CHART_VIEW_KEYS, CONSULT_KEYS, ConsultAction, ListAction, PREP_KEYS, SCREENING_KEYS, bar_hints,
    help_sections,
};
pub use prep::{PrepRow, prep_key, prep_rows};
pub use profile::{PROFILE_AREAS, PROFILE_BY, PROFILE_DATE, PROFILE_SCORE};
pub use screening::{ScreeningRow, row_label, screening_key, screening_rows};

use ConsultAction as C;
use ListAction as L;

/// Where the user is on the consult screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsultState {
    /// The selected session of the current series (charts and prep are about it).
    pub session: usize,
}

/// What a consult form, once saved, changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsultForm {
    /// A new skin assessment.
    Profile(PatientId),
    /// The last exposure for a washout (its id).
    Exposure(PatientId, String),
    Review(PatientId),
    /// Lifting a block: an absolute rule's id or `washout:<id>`.
    Override(PatientId, String),
    /// A relative contraindication's id.
    Acknowledge(PatientId, String),
    /// The chart of (series, session), unsigned.
    Chart(PatientId, usize, usize),
    Sign(PatientId, usize, usize),
    Amend(PatientId, usize, usize),
    /// The reason for a change that clears an absolute contraindication or a washout
    /// date: the record as it will be saved, and what is cleared ("Pregnancy: yes ->
    /// unanswered"). Esc leaves the record as it was.
    Reason(PatientId, Box<Patient>, String),
}

impl ConsultForm {
    pub fn patient(&self) -> &PatientId {
        match self {
            ConsultForm::Profile(id)
            | ConsultForm::Exposure(id, _)
            | ConsultForm::Review(id)
            | ConsultForm::Override(id, _)
            | ConsultForm::Acknowledge(id, _)
            | ConsultForm::Chart(id, ..)
            | ConsultForm::Sign(id, ..)
            | ConsultForm::Amend(id, ..)
            | ConsultForm::Reason(id, ..) => id,
        }
    }
}

/// What saving a consult form changes.
pub fn permission_of(form: &ConsultForm) -> Permission {
    match form {
        ConsultForm::Profile(_) => Permission::SkinProfile,
        // The reason form clears a contraindication or a washout date: a screening change.
        ConsultForm::Exposure(..) | ConsultForm::Review(_) | ConsultForm::Reason(..) => Permission::Screening,
        ConsultForm::Override(..) | ConsultForm::Acknowledge(..) => Permission::ClinicalOverride,
        ConsultForm::Chart(..) | ConsultForm::Amend(..) => Permission::Charts,
        ConsultForm::Sign(..) => Permission::Signing,
    }
}

/// On entering the screen: the plan's selected session.
pub fn enter(model: &mut Model) {
    model.screens.consult = ConsultState {
        session: model.session,
    };
}

/// The selected patient, the index of their current series and the selected session.
fn target(model: &Model) -> Option<(&Patient, usize, usize)> {
    let p = model.selected_patient()?;
    let series = p.series.len().checked_sub(1)?;
    let len = p.series[series].sessions.len();
    if len == 0 {
        return None;
    }
    Some((p, series, model.screens.consult.session.min(len - 1)))
}

/// A key in a signed chart's view (`Overlay::ChartView`, taken off the model): `m`
/// opens the amendment form over it, Esc closes it.
pub fn chart_view_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    match screen_action_for(CHART_VIEW_KEYS, &key) {
        Some(L::Close) => {}
        Some(L::Amend) => {
            model.overlay = Overlay::ChartView;
            if !model.refuse_unless(Permission::Charts) && !model.refuse_selected_read_only() {
                chart::open_amend(model);
            }
        }
        _ => model.overlay = Overlay::ChartView,
    }
    Vec::new()
}

pub fn handle_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Some(action) = screen_action_for(CONSULT_KEYS, &key) else {
        return Vec::new();
    };
    // A read-only record is shown in full (popups and signed charts open to be read);
    // only what would change it is refused.
    if matches!(action, C::Profile | C::Sign) && model.refuse_selected_read_only() {
        return Vec::new();
    }
    let needs = match action {
        C::Profile => Some(Permission::SkinProfile),
        C::Sign => Some(Permission::Signing),
        _ => None,
    };
    if needs.is_some_and(|p| model.refuse_unless(p)) {
        return Vec::new();
    }
    let Some(patient) = model.selected_patient() else {
        model.set_status(
            StatusKind::Info,
            "no patient selected: choose one on the patients screen (Esc)",
        );
        return Vec::new();
    };
    let id = patient.id.clone();
    let sessions = patient.current_series().map_or(0, |s| s.sessions.len());
    match action {
        C::Up => {
            model.screens.consult.session = model
                .screens
                .consult
                .session
                .min(sessions.saturating_sub(1))
                .saturating_sub(1)
        }
        C::Down => model.screens.consult.session = (model.screens.consult.session + 1).min(sessions.saturating_sub(1)),
        C::Profile => {
            let form = profile::profile_form(model, patient);
            model.push_overlay(Overlay::Form(
                FormPurpose::Consult(ConsultForm::Profile(id)),
                form,
            ));
        }
        C::Screening => model.push_overlay(Overlay::Screening { row: 0 }),
        C::Chart => chart::open_chart(model),
        C::Sign => chart::open_sign(model),
        C::Prep => {
            if target(model).is_some() {
                model.push_overlay(Overlay::Prep { row: 0 });
            } else {
                model.set_status(StatusKind::Info, "no session to prepare: plan a series first");
            }
        }
    }
    Vec::new()
}

/// A consult form changed (a key typed): the forms that check as they are typed do.
pub fn changed(model: &Model, purpose: &ConsultForm, form: &mut Form) {
    if let ConsultForm::Chart(id, si, ci) = purpose {
        chart::changed(model, id, *si, *ci, form);
    }
}

/// Handles Enter in a consult form. `Some` when the form is done (saved).
pub fn submit(model: &mut Model, purpose: &ConsultForm, form: &mut Form) -> Option<Vec<Effect>> {
    let mut patient = model.patient(purpose.patient())?.clone();
    let p = &mut patient;
    // Each save reads the form into the patient's copy and names what changed; `None`
    // leaves the form open (a field shows why) and nothing is written.
    let message = match purpose {
        ConsultForm::Profile(_) => profile::save_profile(model, p, form)?,
        ConsultForm::Exposure(_, washout) => screening::save_exposure(model, p, washout, form)?,
        ConsultForm::Review(_) => screening::save_review(model, p, form)?,
        ConsultForm::Override(_, target) => screening::save_override(model, p, target, form)?,
        ConsultForm::Acknowledge(_, rule) => screening::save_acknowledge(model, p, rule, form)?,
        ConsultForm::Chart(_, si, ci) => chart::save_chart(model, p, *si, *ci, form)?,
        ConsultForm::Sign(_, si, ci) => chart::save_sign(model, p, *si, *ci, form)?,
        ConsultForm::Amend(_, si, ci) => chart::save_amend(model, p, *si, *ci, form)?,
        ConsultForm::Reason(_, pending, what) => {
            let reason = screening::read_reason(form)?;
            model.set_status(StatusKind::Saved, format!("{what} (reason recorded)"));
            return Some(vec![model.put_patient_because((**pending).clone(), Some(&reason))]);
        }
    };
    Some(commit(model, patient, message))
}

/// Saves a changed record with the status `message`, unless the change clears an
/// absolute contraindication or a washout date: then a form asks for the reason first
/// (over whatever is on top), and nothing is saved until it is given.
fn commit(model: &mut Model, patient: Patient, message: String) -> Vec<Effect> {
    let Some(old) = model.patient(&patient.id) else {
        return Vec::new();
    };
    match crate::domain::history::reason_needed(&model.templates.screening, old, &patient) {
        Some(what) => {
            let form = screening::reason_form(&what);
            model.set_status(StatusKind::Info, format!("{what}: give the reason (Esc keeps the record as it was)"));
            let purpose = ConsultForm::Reason(patient.id.clone(), Box::new(patient), what);
            model.push_overlay(Overlay::Form(FormPurpose::Consult(purpose), form));
            Vec::new()
        }
        None => {
            model.set_status(StatusKind::Saved, message);
            vec![model.put_patient(patient)]
        }
    }
}

// The screen's interface to its registry (`app::screen`).
pub type State = ConsultState;
pub const SWITCH_HELP: &str = "consult: profile trend, screening, depths, aftercare for the selected patient";

pub fn new_state(_today: chrono::NaiveDate) -> State {
    State::default()
}
