//! After a cancellation or a no-show: the next free slot that keeps the series valid
//! (`next_valid_slot`), offered as a replacement session. `y` books it; `n` or Esc
//! leaves the series as it is.
//!
//! The screening counts too: the search starts no earlier than the end of a washout
//! still running (the offer says so), and nothing is offered while an absolute
//! contraindication is open (the status line says why and where a clinician lifts it).

use chrono::{NaiveDateTime, NaiveTime};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::domain::patient::PatientId;
use crate::domain::schedule::{SEARCH_DAYS, SeriesAt, Slot, check_booking, next_valid_slot, refusals};
use crate::domain::series::{Session, SessionStatus};

use super::booking::when;
use super::clinical_rules::{eligible_from, open_block_labels, override_note, screening_refusals};
use super::keymap::{Binding, Scope, code, k, screen_action_for};
use super::model::{Effect, Model, Overlay, StatusKind};
use super::session_form;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebook {
    pub patient: PatientId,
    /// The cancelled or missed session (index in the current series).
    pub session: usize,
    pub slot: Slot,
    /// Why the search started later than the cancelled visit: "not before 2027-02-28,
    /// the earliest eligible date (Oral isotretinoin washout)".
    pub eligible_note: Option<String>,
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

/// Keys of the replacement offer; other keys leave the offer open.
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
        bar: Some("not now"),
        help: "no replacement now",
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
    let mut from = model.now.max(old_end);
    let mut eligible_note = None;
    if let Some((date, label)) = eligible_from(model, patient)
        && date > from.date()
    {
        from = date.and_time(NaiveTime::MIN);
        eligible_note = Some(format!(
            "not before {date}, the earliest eligible date ({label} washout)"
        ));
    }
    let found = next_valid_slot(&model.clinic, &model.calendar, &at, index, from);
    // What is still refused on the slot found is what no later date cures: an absolute
    // contraindication (or a washout the search ran past).
    let blocked = found
        .as_ref()
        .map(|slot| {
            let refused = screening_refusals(model, patient, slot.date);
            (!refused.is_empty()).then(|| {
                let labels = open_block_labels(model, patient, slot.date);
                (refused, labels)
            })
        })
        .unwrap_or_default();
    match (found, blocked) {
        (Some(_), Some((refused, labels))) => {
            let text = format!(
                "{}; no replacement is offered: {}; {}",
                model.status.text,
                refused.join("; "),
                override_note(&labels)
            );
            model.set_status(StatusKind::Info, text);
        }
        (Some(slot), None) => {
            model.overlay = Overlay::Rebook(Box::new(Rebook {
                patient: id.clone(),
                session: index,
                slot,
                eligible_note,
            }))
        }
        (None, _) => {
            let text = format!(
                "{}; no free slot keeps the series valid within {SEARCH_DAYS} days{}, so no replacement is offered",
                model.status.text,
                eligible_note.map(|n| format!(" ({n})")).unwrap_or_default()
            );
            model.set_status(StatusKind::Info, text);
        }
    }
}

pub fn handle_key(model: &mut Model, r: Box<Rebook>, key: KeyEvent) -> Vec<Effect> {
    match screen_action_for(REBOOK_KEYS, &key) {
        Some(RebookAction::Book) => book(model, &r),
        Some(RebookAction::NotNow) => {
            model.set_status(StatusKind::Info, "no replacement booked");
            Vec::new()
        }
        None => {
            model.overlay = Overlay::Rebook(r);
            Vec::new()
        }
    }
}

/// Adds the slot as a booked session, after checking it once more.
fn book(model: &mut Model, r: &Rebook) -> Vec<Effect> {
    // A safety net behind the keys that opened it (the staff list may have changed).
    if model.refuse_unless(crate::domain::staff::Permission::Bookings) {
        return Vec::new();
    }
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
    if let Some(first) = screening_refusals(model, &patient, r.slot.date).first() {
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
