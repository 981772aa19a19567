//! The session prep popup (`d` on the consult screen): consent, photo consent, the
//! before-photos and the screening prompts that apply, each ticked for the selected
//! session (consents are dated the day they are ticked).

use chrono::NaiveDate;
use ratatui::crossterm::event::KeyEvent;

use crate::app::keymap::screen_action_for;
use crate::app::model::{Effect, Model, Overlay, StatusKind};
use crate::domain::patient::Patient;
use crate::domain::readiness::PhotoView;

use super::keys::{ListAction as L, PREP_KEYS};
use super::target;

/// One toggle of the prep list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrepRow {
    Consent,
    PhotoConsent,
    Photo(PhotoView),
    /// A screening prompt (rule id, text) confirmed for this session.
    Prompt(String, String),
}

impl PrepRow {
    pub fn label(&self) -> String {
        match self {
            PrepRow::Consent => "Consent signed".into(),
            PrepRow::PhotoConsent => "Photo consent signed".into(),
            PrepRow::Photo(v) => format!("Before-photo: {}", v.label()),
            PrepRow::Prompt(_, text) => text.clone(),
        }
    }
}

/// The prep toggles: both consents, the photo views, and the prompts that apply.
pub fn prep_rows(model: &Model, patient: &Patient) -> Vec<PrepRow> {
    let mut rows = vec![PrepRow::Consent, PrepRow::PhotoConsent];
    rows.extend(PhotoView::ALL.into_iter().map(PrepRow::Photo));
    rows.extend(
        model
            .templates
            .screening
            .prompts
            .iter()
            .filter(|p| patient.screening.answers.get(&p.id) == Some(&true))
            .map(|p| PrepRow::Prompt(p.id.clone(), p.prompt.clone())),
    );
    rows
}

/// A key in the session prep list (`Overlay::Prep`, taken off the model: it is put back
/// unless the key closes it).
pub fn prep_key(model: &mut Model, row: usize, key: KeyEvent) -> Vec<Effect> {
    let Some(action) = screen_action_for(PREP_KEYS, &key) else {
        model.overlay = Overlay::Prep { row };
        return Vec::new();
    };
    if action == L::Close {
        return Vec::new();
    }
    model.overlay = Overlay::Prep { row };
    if action == L::Toggle && model.refuse_unless(crate::domain::staff::Permission::Charts) {
        return Vec::new();
    }
    let Some((patient, si, ci)) = target(model) else {
        return Vec::new();
    };
    let rows = prep_rows(model, patient);
    let row = row.min(rows.len() - 1);
    match action {
        L::Up => {
            model.overlay = Overlay::Prep {
                row: row.saturating_sub(1),
            }
        }
        L::Down => {
            model.overlay = Overlay::Prep {
                row: (row + 1).min(rows.len() - 1),
            }
        }
        L::Toggle if model.read_only.contains_key(&patient.id) => {
            let id = patient.id.clone();
            model.refuse_read_only(&id);
        }
        L::Toggle => {
            let mut p = patient.clone();
            let today = model.today;
            let prep = &mut p.series[si].sessions[ci].prep;
            let flip = |d: &mut Option<NaiveDate>| {
                *d = if d.is_some() { None } else { Some(today) };
                d.is_some()
            };
            let on = match &rows[row] {
                PrepRow::Consent => flip(&mut prep.consent_signed),
                PrepRow::PhotoConsent => flip(&mut prep.photo_consent),
                PrepRow::Photo(v) => prep.photos.insert(*v) || !prep.photos.remove(v),
                PrepRow::Prompt(id, _) => {
                    prep.confirmed_prompts.insert(id.clone()) || !prep.confirmed_prompts.remove(id)
                }
            };
            let word = if on { "ticked" } else { "unticked" };
            model.set_status(
                StatusKind::Saved,
                format!("session {}: {} {word}", ci + 1, rows[row].label()),
            );
            return vec![model.put_patient(p)];
        }
        _ => {}
    }
    Vec::new()
}
