//! Moving a session that has sessions to come after it: shift them by the same amount
//! (`cascade`, every rule checked again for every moved session) or move it alone
//! (`move_one`). Both are worked out before asking, so a refused cascade can say why
//! and is not offered. The patient's screening is a rule too: a move that puts any
//! session before the end of a washout, or while an absolute contraindication is open,
//! is refused like a clash (a clinician lifts it on the consult screen, not here). The
//! chosen moves are applied and saved at once.

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::domain::patient::{Patient, PatientId};
use crate::domain::schedule::{
    CascadePlan, MoveRequest, SeriesAt, Violation, cascade, move_one, override_reason,
};
use crate::domain::series::Series;

use super::booking::shift_text;
use super::clinical_rules::{open_block_labels, override_note, screening_refusals};
use super::form::Form;
use super::keymap::{Binding, Scope, code, k, screen_action_for};
use super::model::{Effect, FormPurpose, Model, Overlay, StatusKind};
use super::session_form::{self, Typed};

/// The moves, or each refusal in words with the session (index) it is about: a
/// clinic rule's or the screening's.
pub type Outcome = Result<CascadePlan, Vec<(usize, String)>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reschedule {
    pub patient: PatientId,
    /// The session moved (index in the current series).
    pub index: usize,
    /// The patient with the form's other changes (status, notes, clinician, room) put on
    /// the session, still at its old place: what both plans start from.
    pub base: Patient,
    pub from: (NaiveDate, Option<NaiveTime>),
    pub to: (NaiveDate, Option<NaiveTime>),
    /// Upcoming sessions after it, which `y` shifts too.
    pub later: Vec<usize>,
    /// The typed override reason, valid, when the form had one.
    pub reason: Option<String>,
    pub alone: Outcome,
    pub shifted: Outcome,
    /// Where a clinician lifts the screening blocks that refuse a move, when one does.
    pub screening_note: Option<String>,
    /// The session form, to go back to with Esc.
    pub form: Form,
}

impl Reschedule {
    /// How far the session moves: by date and time when both have a time, else by days.
    pub fn shift(&self) -> TimeDelta {
        match (self.from.1, self.to.1) {
            (Some(a), Some(b)) => self.to.0.and_time(b) - self.from.0.and_time(a),
            _ => self.to.0 - self.from.0,
        }
    }

    /// The question's title.
    pub fn title(&self) -> String {
        "Move the later sessions too?".into()
    }

    /// "Session 2 moves by +7 days"
    pub fn headline(&self) -> String {
        format!("Session {} moves by {}", self.index + 1, shift_text(self.shift()))
    }

    /// "sessions 3-4", "session 3", "sessions 3, 5".
    pub fn later_label(&self) -> String {
        let n: Vec<usize> = self.later.iter().map(|i| i + 1).collect();
        let contiguous = n.windows(2).all(|w| w[1] == w[0] + 1);
        match n.as_slice() {
            [one] => format!("session {one}"),
            [first, .., last] if contiguous => format!("sessions {first}-{last}"),
            _ => format!(
                "sessions {}",
                n.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RescheduleAction {
    ShiftAll,
    MoveOne,
    Back,
}

/// Keys of the cascade question: handled, shown in the key bar and the help from here.
pub static RESCHEDULE_KEYS: &[Binding<RescheduleAction>] = &[
    Binding {
        keys: &[k('y')],
        action: RescheduleAction::ShiftAll,
        scope: Scope::Everywhere,
        bar: Some("shift later ones too"),
        help: "shift the later sessions too (every rule re-checked)",
    },
    Binding {
        keys: &[k('n')],
        action: RescheduleAction::MoveOne,
        scope: Scope::Everywhere,
        bar: Some("move only this one"),
        help: "move only this one; the later ones stay where they are",
    },
    Binding {
        keys: &[code(KeyCode::Esc)],
        action: RescheduleAction::Back,
        scope: Scope::Everywhere,
        bar: Some("back to the form"),
        help: "back to the session form; nothing is moved",
    },
];

/// Upcoming (planned or booked) sessions after session `index`: the ones a cascade
/// shifts along.
pub fn later_upcoming(series: &Series, index: usize) -> Vec<usize> {
    let Some(moved) = series.sessions.get(index) else {
        return Vec::new();
    };
    let start = moved.starts_at();
    series
        .sessions
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            *i != index
                && s.status.is_upcoming()
                && (s.starts_at() > start || (s.starts_at() == start && *i > index))
        })
        .map(|(i, _)| i)
        .collect()
}

/// Works out both ways of moving session `index` to the typed place and asks.
pub fn open(model: &mut Model, id: &PatientId, index: usize, t: Typed, form: Form) {
    let Some(mut base) = model.patient(id).cloned() else {
        return;
    };
    let series_index = base.series.len() - 1;
    let Some(session) = base.series[series_index].sessions.get_mut(index) else {
        return;
    };
    let from = (session.date, session.time);
    session_form::apply(session, &t, model, false);
    let reason = override_reason(&t.reason).ok();
    let series = &base.series[series_index];
    let at = SeriesAt {
        patient_id: id.as_str(),
        series_index,
        series,
    };
    let req = MoveRequest {
        index,
        date: t.date,
        time: t.time,
        override_reason: reason.as_deref(),
    };
    let alone = screened(model, &base, move_one(&model.clinic, &model.calendar, &at, &req));
    let shifted = screened(model, &base, cascade(&model.clinic, &model.calendar, &at, &req));
    let later = later_upcoming(series, index);
    let screening_note = [&alone, &shifted]
        .into_iter()
        .filter_map(|o| o.as_ref().err())
        .flatten()
        .find_map(|(i, _)| {
            let date = if *i == index {
                t.date
            } else {
                // The date it was shifted to: the same shift as the moved session's.
                let old = series.sessions.get(*i)?.date;
                old + (t.date - from.0)
            };
            let labels = open_block_labels(model, &base, date);
            (!labels.is_empty()).then(|| override_note(&labels))
        });
    model.overlay = Overlay::Reschedule(Box::new(Reschedule {
        patient: id.clone(),
        index,
        from,
        to: (t.date, t.time),
        later,
        reason,
        alone,
        shifted,
        screening_note,
        form,
        base,
    }));
}

/// The clinic rules' outcome with the screening applied to every moved session's new
/// date: refused when the screening refuses any of them.
fn screened(
    model: &Model,
    patient: &Patient,
    outcome: Result<CascadePlan, Vec<(usize, Violation)>>,
) -> Outcome {
    let plan = outcome.map_err(|refused| {
        refused
            .into_iter()
            .map(|(i, v)| (i, model.explain(&v)))
            .collect::<Vec<_>>()
    })?;
    let refused: Vec<(usize, String)> = plan
        .moves
        .iter()
        .flat_map(|m| {
            screening_refusals(model, patient, m.date)
                .into_iter()
                .map(move |r| (m.index, r))
        })
        .collect();
    if refused.is_empty() {
        Ok(plan)
    } else {
        Err(refused)
    }
}

pub fn handle_key(model: &mut Model, r: Box<Reschedule>, key: KeyEvent) -> Vec<Effect> {
    let (plan, together) = match screen_action_for(RESCHEDULE_KEYS, &key) {
        Some(RescheduleAction::ShiftAll) => (&r.shifted, true),
        Some(RescheduleAction::MoveOne) => (&r.alone, false),
        Some(RescheduleAction::Back) => {
            let purpose = FormPurpose::EditSession(r.patient.clone(), r.index);
            model.overlay = Overlay::Form(purpose, r.form);
            return Vec::new();
        }
        None => {
            model.overlay = Overlay::Reschedule(r);
            return Vec::new();
        }
    };
    match plan {
        Ok(plan) => apply(model, &r, plan, together),
        Err(refused) => {
            let why = refused
                .first()
                .map(|(i, v)| format!("session {}: {v}", i + 1))
                .unwrap_or_default();
            let what = if together {
                "the later sessions cannot be shifted"
            } else {
                "cannot move it"
            };
            model.set_status(StatusKind::Error, format!("{what}: {why}"));
            model.overlay = Overlay::Reschedule(r);
            Vec::new()
        }
    }
}

/// Applies the chosen moves (and the override reason, where the rule needed it) and
/// saves the patient once.
fn apply(model: &mut Model, r: &Reschedule, plan: &CascadePlan, together: bool) -> Vec<Effect> {
    // A safety net behind the keys that opened it (the staff list may have changed).
    if model.refuse_unless(crate::domain::staff::Permission::Bookings) {
        return Vec::new();
    }
    let mut patient = r.base.clone();
    let Some(series) = patient.current_series_mut() else {
        return Vec::new();
    };
    for m in &plan.moves {
        let s = &mut series.sessions[m.index];
        s.date = m.date;
        s.time = m.time;
    }
    series.sessions[r.index].interval_override = if plan.overridden.contains(&r.index) {
        r.reason.clone()
    } else {
        None
    };
    let shift = shift_text(r.shift());
    let mut others = if together {
        format!(" with {}", r.later_label())
    } else {
        " (later sessions stay)".to_string()
    };
    if plan.overridden.contains(&r.index) {
        others.push_str("; minimum interval overridden");
    }
    let (effects, _) = session_form::finish(model, patient, r.index, |n| {
        format!("session {n} moved by {shift}{others}")
    });
    effects
}
