//! After a cancellation or a no-show: the next free slot that keeps the series valid
//! (`next_valid_slot`), offered as a replacement session. `y` books it; any other key
//! leaves the series as it is.

use chrono::NaiveDateTime;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::domain::patient::PatientId;
use crate::domain::schedule::{SEARCH_DAYS, SeriesAt, Slot, check_booking, next_valid_slot, refusals};
use crate::domain::series::{Session, SessionStatus};

use super::booking::when;
use super::keymap::{Binding, Scope, code, k, screen_action_for};
use super::model::{Effect, Model, Overlay, StatusKind};
use super::session_form;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebook {
    pub patient: PatientId,
    /// The cancelled or missed session (index in the current series).
    pub session: usize,
    pub slot: Slot,
}

impl Rebook {
    /// "Tue 2026-12-01 10:00 with Ben Carter in Room 1".
    pub fn slot_text(&self, model: &Model) -> String {
        format!(
            "{} with {} in {}",
            when(self.slot.date, Some(self.slot.time)),
            model.clinic.clinician_name(&self.slot.clinician),
            model.clinic.room_name(&self.slot.room)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebookAction {
    Book,
    NotNow,
}

/// Keys of the replacement offer. Any key not listed also means "not now".
pub static REBOOK_KEYS: &[Binding<RebookAction>] = &[
    Binding {
        keys: &[k('y')],
        action: RebookAction::Book,
        scope: Scope::Everywhere,
        bar: Some("book it"),
        help: "book the offered replacement session",
    },
    Binding {
        keys: &[k('n'), code(KeyCode::Esc)],
        action: RebookAction::NotNow,
        scope: Scope::Everywhere,
        bar: Some("not now (any other key too)"),
        help: "no replacement now (any other key does the same)",
    },
];

/// Offers the next valid slot for the series after session `index` was cancelled or
/// missed, searching from `max(now, the end of the visit given up)`: the very slot just
/// cancelled is never offered back. Says so when there is none.
pub fn offer(model: &mut Model, id: &PatientId, index: usize, old_end: NaiveDateTime) {
    let Some(patient) = model.patient(id) else {
        return;
    };
    let Some(series) = patient.current_series() else {
        return;
    };
    let at = SeriesAt {
        patient_id: id.as_str(),
        series_index: patient.series.len() - 1,
        series,
    };
    let from = model.now.max(old_end);
    match next_valid_slot(&model.clinic, &model.calendar, &at, index, from) {
        Some(slot) => {
            model.overlay = Overlay::Rebook(Box::new(Rebook {
                patient: id.clone(),
                session: index,
                slot,
            }))
        }
        None => {
            let text = format!(
                "{}; no free slot keeps the series valid within {SEARCH_DAYS} days, so no replacement is offered",
                model.status.text
            );
            model.set_status(StatusKind::Info, text);
        }
    }
}

pub fn handle_key(model: &mut Model, r: Box<Rebook>, key: KeyEvent) -> Vec<Effect> {
    if screen_action_for(REBOOK_KEYS, &key) != Some(RebookAction::Book) {
        model.set_status(StatusKind::Info, "no replacement booked");
        return Vec::new();
    }
    book(model, &r)
}

/// Adds the slot as a booked session, after checking it once more.
fn book(model: &mut Model, r: &Rebook) -> Vec<Effect> {
    let Some(mut patient) = model.patient(&r.patient).cloned() else {
        return Vec::new();
    };
    let series_index = patient.series.len().saturating_sub(1);
    let Some(series) = patient.series.get(series_index) else {
        return Vec::new();
    };
    let at = SeriesAt {
        patient_id: r.patient.as_str(),
        series_index,
        series,
    };
    let violations = check_booking(&model.clinic, &model.calendar, &at, None, &r.slot.request());
    if let Some(first) = refusals(&violations, None).first() {
        model.set_status(StatusKind::Error, format!("not booked: {first}"));
        return Vec::new();
    }
    let own_length = series.session_minutes.unwrap_or(model.clinic.default_minutes);
    let text = r.slot_text(model);
    let series = &mut patient.series[series_index];
    series.sessions.push(Session {
        date: r.slot.date,
        time: Some(r.slot.time),
        status: SessionStatus::Booked,
        clinician: Some(r.slot.clinician.clone()),
        room: Some(r.slot.room.clone()),
        minutes: (r.slot.minutes != own_length).then_some(r.slot.minutes),
        ..Session::default()
    });
    let slot = series.sessions.len() - 1;
    let (effects, _) = session_form::finish(model, patient, slot, |n| {
        format!("replacement session {n} booked on {text}")
    });
    effects
}
