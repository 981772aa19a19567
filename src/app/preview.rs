//! The proposed series, before anything is booked: every session's date, time,
//! clinician and room, the gap from the one before and what the rules say about it.
//! A row can be changed in a small form (re-checked as it is typed, never saved while
//! a rule refuses it); `c` books the whole series, only when no row is refused.

use chrono::NaiveDate;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::domain::dates::{DATE_HINT, parse_date};
use crate::domain::patient::PatientId;
use crate::domain::protocol::ProtocolTemplate;
use crate::domain::schedule::{Proposal, ProposalPlan, Violation, build_series, check_proposals, refusals};

use super::booking::{BookingFields, field_of, position, resource_options, when};
use super::form::{Field, Form, FormEvent};
use super::keymap::{Binding, Scope, code, k, screen_action_for};
use super::model::{Effect, Model, Overlay, StatusKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub patient: PatientId,
    pub protocol_id: String,
    pub protocol_name: String,
    pub plan: ProposalPlan,
    /// The sessions, in date order.
    pub rows: Vec<Proposal>,
    /// What `check_proposals` says about the rows (warnings included), as of the last key.
    pub problems: Vec<(usize, Violation)>,
    pub selected: usize,
    /// Shown above the table (e.g. the current series still has sessions to come).
    pub notes: Vec<String>,
    /// The small form of the row being changed, while it is open.
    pub edit: Option<Form>,
}

impl Preview {
    /// The violations of row `i` (refusals and warnings).
    pub fn row_problems(&self, i: usize) -> Vec<Violation> {
        self.problems
            .iter()
            .filter(|(r, _)| *r == i)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Rows that a rule refuses (the minimum interval cannot be overridden here).
    pub fn refused_rows(&self) -> Vec<usize> {
        (0..self.rows.len())
            .filter(|&i| !refusals(&self.row_problems(i), None).is_empty())
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewAction {
    Up,
    Down,
    Edit,
    Confirm,
    Discard,
}

/// Keys of the preview: handled, shown in the key bar and listed in the help from here.
pub static PREVIEW_KEYS: &[Binding<PreviewAction>] = &[
    Binding {
        keys: &[code(KeyCode::Down), k('j')],
        action: PreviewAction::Down,
        scope: Scope::Everywhere,
        bar: Some("row"),
        help: "next session of the proposal",
    },
    Binding {
        keys: &[code(KeyCode::Up), k('k')],
        action: PreviewAction::Up,
        scope: Scope::Everywhere,
        bar: None,
        help: "previous session of the proposal",
    },
    Binding {
        keys: &[k('e'), code(KeyCode::Enter)],
        action: PreviewAction::Edit,
        scope: Scope::Everywhere,
        bar: Some("change row"),
        help: "change the session's date, time, clinician or room",
    },
    Binding {
        keys: &[k('c')],
        action: PreviewAction::Confirm,
        scope: Scope::Everywhere,
        bar: Some("confirm & book"),
        help: "book every session (only when no row is refused)",
    },
    Binding {
        keys: &[code(KeyCode::Esc)],
        action: PreviewAction::Discard,
        scope: Scope::Everywhere,
        bar: Some("discard"),
        help: "discard the proposal; nothing is booked",
    },
];

/// Opens the preview of a fresh proposal.
pub fn open(
    model: &mut Model,
    patient: PatientId,
    protocol: &ProtocolTemplate,
    plan: ProposalPlan,
    rows: Vec<Proposal>,
    notes: Vec<String>,
) {
    let mut p = Preview {
        patient,
        protocol_id: protocol.id.clone(),
        protocol_name: protocol.name.clone(),
        plan,
        rows,
        problems: Vec::new(),
        selected: 0,
        notes,
        edit: None,
    };
    recheck(model, &mut p);
    model.set_status(
        StatusKind::Info,
        format!(
            "proposal of {} sessions: nothing is booked until you press c",
            p.rows.len()
        ),
    );
    model.overlay = Overlay::SeriesPreview(Box::new(p));
}

/// Checks every row again against the calendar as it is now (another user may have
/// taken a slot meanwhile) and against each other.
fn recheck(model: &Model, p: &mut Preview) {
    p.problems = check_proposals(&model.clinic, &model.calendar, &p.plan, &p.rows);
}

pub fn handle_key(model: &mut Model, mut p: Box<Preview>, key: KeyEvent) -> Vec<Effect> {
    if let Some(form) = p.edit.take() {
        row_form_key(model, &mut p, form, key);
        model.overlay = Overlay::SeriesPreview(p);
        return Vec::new();
    }
    recheck(model, &mut p);
    match screen_action_for(PREVIEW_KEYS, &key) {
        Some(PreviewAction::Down) => p.selected = (p.selected + 1).min(p.rows.len().saturating_sub(1)),
        Some(PreviewAction::Up) => p.selected = p.selected.saturating_sub(1),
        Some(PreviewAction::Edit) => p.edit = Some(row_form(model, &p)),
        Some(PreviewAction::Confirm) => return confirm(model, p),
        Some(PreviewAction::Discard) => {
            model.set_status(StatusKind::Info, "proposal discarded; nothing booked");
            return Vec::new();
        }
        None => {}
    }
    model.overlay = Overlay::SeriesPreview(p);
    Vec::new()
}

/// Books the proposal when no row is refused; otherwise says which row and why.
fn confirm(model: &mut Model, p: Box<Preview>) -> Vec<Effect> {
    if let Some(&row) = p.refused_rows().first() {
        let problems = p.row_problems(row);
        let why = refusals(&problems, None)
            .first()
            .map(|v| v.to_string())
            .unwrap_or_default();
        model.set_status(
            StatusKind::Error,
            format!(
                "not booked: session {} is refused ({why}); press e on it to change it",
                row + 1
            ),
        );
        model.overlay = Overlay::SeriesPreview(p);
        return Vec::new();
    }
    let Some(mut patient) = model.patient(&p.patient).cloned() else {
        return Vec::new();
    };
    let series = build_series(&p.protocol_id, &p.protocol_name, &p.plan, &p.rows, model.today);
    patient.series.push(series);
    let first = &p.rows[0];
    model.set_status(
        StatusKind::Info,
        format!(
            "series of {} sessions booked, the first on {}",
            p.rows.len(),
            when(first.date, Some(first.time))
        ),
    );
    let effect = model.put_patient(patient);
    model.reset_session_selection();
    vec![effect]
}

// ---------------------------------------------------------------------------------
// The small form that changes one row.

const DATE: usize = 0;
const TIME: usize = 1;
const CLINICIAN: usize = 2;
const ROOM: usize = 3;
const FIELDS: BookingFields = BookingFields {
    date: DATE,
    time: TIME,
    clinician: CLINICIAN,
    room: ROOM,
};

fn row_form(model: &Model, p: &Preview) -> Form {
    let row = &p.rows[p.selected];
    let (clin_ids, clin_labels) = resource_options(&model.clinic.clinicians, "none", Some(&row.clinician));
    let (room_ids, room_labels) = resource_options(&model.clinic.rooms, "none", Some(&row.room));
    let mut f = Form::new(
        format!("Proposed session {} of {}", p.selected + 1, p.rows.len()),
        vec![
            Field::text("Date", DATE_HINT, row.date.to_string()),
            Field::text("Time", "HH:MM", row.time.format("%H:%M").to_string()),
            Field::choice(
                "Clinician",
                clin_labels,
                position(&clin_ids, Some(&row.clinician)),
            ),
            Field::choice("Room", room_labels, position(&room_ids, Some(&row.room))),
        ],
    );
    recheck_row(model, p, &mut f);
    f
}

/// The row as typed, or the field at fault and why.
fn typed_row(model: &Model, p: &Preview, f: &Form) -> Result<Proposal, (usize, String)> {
    let date: NaiveDate = parse_date(f.value(DATE)).map_err(|m| (DATE, m))?;
    let time = chrono::NaiveTime::parse_from_str(f.value(TIME).trim(), "%H:%M").map_err(|_| {
        (
            TIME,
            format!("'{}' is not a time; use HH:MM, e.g. 09:30", f.value(TIME).trim()),
        )
    })?;
    let row = &p.rows[p.selected];
    let (clin_ids, _) = resource_options(&model.clinic.clinicians, "none", Some(&row.clinician));
    let (room_ids, _) = resource_options(&model.clinic.rooms, "none", Some(&row.room));
    let clinician = clin_ids[f.choice(CLINICIAN)]
        .clone()
        .ok_or((CLINICIAN, "choose a clinician".to_string()))?;
    let room = room_ids[f.choice(ROOM)]
        .clone()
        .ok_or((ROOM, "choose a room".to_string()))?;
    Ok(Proposal {
        date,
        time,
        minutes: row.minutes,
        clinician,
        room,
        gap_days: None,
    })
}

/// The rows with the edited one replaced, in date order, with their gaps; and where the
/// edited row ended up.
fn with_row(rows: &[Proposal], index: usize, row: Proposal) -> (Vec<Proposal>, usize) {
    let mut rows = rows.to_vec();
    rows[index] = row.clone();
    rows.sort_by_key(Proposal::start);
    for i in 0..rows.len() {
        rows[i].gap_days = i.checked_sub(1).map(|b| (rows[i].date - rows[b].date).num_days());
    }
    let at = rows
        .iter()
        .position(|r| r.start() == row.start() && r.clinician == row.clinician)
        .unwrap_or(index);
    (rows, at)
}

/// Shows what the rules say about the row as typed: refusals, warnings.
fn recheck_row(model: &Model, p: &Preview, f: &mut Form) {
    f.refusals.clear();
    f.warnings.clear();
    let Ok(row) = typed_row(model, p, f) else {
        return;
    };
    let (rows, at) = with_row(&p.rows, p.selected, row);
    let problems = check_proposals(&model.clinic, &model.calendar, &p.plan, &rows);
    for (_, v) in problems.iter().filter(|(i, _)| *i == at) {
        let list = if v.is_warning() {
            &mut f.warnings
        } else {
            &mut f.refusals
        };
        list.push(v.to_string());
    }
}

fn row_form_key(model: &mut Model, p: &mut Preview, mut f: Form, key: KeyEvent) {
    match f.handle_key(&key) {
        FormEvent::Cancel => {
            model.set_status(StatusKind::Info, "row unchanged");
            return;
        }
        FormEvent::Changed => recheck_row(model, p, &mut f),
        FormEvent::Submit => match typed_row(model, p, &f) {
            Err((field, message)) => f.fail(field, message),
            Ok(row) => {
                recheck_row(model, p, &mut f);
                let (rows, at) = with_row(&p.rows, p.selected, row);
                let problems = check_proposals(&model.clinic, &model.calendar, &p.plan, &rows);
                let mine: Vec<Violation> = problems
                    .iter()
                    .filter(|(i, _)| *i == at)
                    .map(|(_, v)| v.clone())
                    .collect();
                if let Some(first) = refusals(&mine, None).first() {
                    f.fail(field_of(first, FIELDS), format!("refused: {first}"));
                } else {
                    model.set_status(
                        StatusKind::Info,
                        format!("session {} changed; press c to book", at + 1),
                    );
                    (p.rows, p.problems, p.selected) = (rows, problems, at);
                    return;
                }
            }
        },
        FormEvent::Nothing => {}
    }
    p.edit = Some(f);
}
