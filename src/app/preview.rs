//! The proposed series, before anything is booked: every session's date, time,
//! clinician and room, the gap from the one before and what the rules say about it.
//! A row can be changed in a small form (re-checked as it is typed, never saved while
//! a rule refuses it); `c` books the whole series, only when no row is refused.
//!
//! The patient's screening is one of the rules: a row before the end of a running
//! washout, or any row while an absolute contraindication is open, is refused with the
//! reason (a clinician lifts it on the consult screen, never from here). A row closer
//! than the minimum interval to another is refused unless the row form's Override
//! reason holds a typed reason (on it or on the row it is too close to); that reason is
//! stored on the session when `c` books.

use chrono::NaiveDate;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::domain::dates::{DATE_HINT, parse_date};
use crate::domain::patient::PatientId;
use crate::domain::protocol::ProtocolTemplate;
use crate::domain::schedule::{
    Proposal, ProposalPlan, Violation, build_series, check_proposals, override_reason, refusals,
};

use super::booking::{BookingFields, field_of, refresh_resources, resource_options, when};
use super::clinical_rules::{open_block_labels, override_note, screening_refusals};
use super::form::{Field, Form, FormEvent};
use super::keymap::{Binding, Scope, code, k, move_down, move_up, screen_action_for};
use super::model::{Effect, Model, Overlay, StatusKind};
use super::session_form::OVERRIDE_HINT;

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
    /// The typed reason for booking each row closer than the minimum interval (one
    /// per row, in the rows' order), valid when set.
    pub reasons: Vec<Option<String>>,
    /// What the patient's screening refuses about each row, as of the last key.
    pub screening: Vec<(usize, String)>,
    /// Where a clinician lifts the screening blocks, while one refuses a row.
    pub screening_note: Option<String>,
    /// Shown above the table (e.g. the current series still has sessions to come).
    pub notes: Vec<String>,
    /// The small form of the row being changed, while it is open.
    pub edit: Option<Form>,
}

/// Whether a too-close pair is allowed: a valid reason on either of its rows.
fn interval_overridden(reasons: &[Option<String>], row: usize, v: &Violation) -> bool {
    let has = |i: usize| reasons.get(i).is_some_and(Option::is_some);
    match v {
        Violation::TooClose { neighbour, .. } => has(row) || has(*neighbour),
        _ => false,
    }
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

    /// Whether violation `v` of row `i` is a minimum interval lifted by a typed reason.
    pub fn is_overridden(&self, i: usize, v: &Violation) -> bool {
        interval_overridden(&self.reasons, i, v)
    }

    /// Why row `i` cannot be booked: the clinic's rules (the minimum interval unless a
    /// reason lifts it) and the screening's. Empty when it can.
    pub fn row_refusals(&self, i: usize) -> Vec<String> {
        let problems = self.row_problems(i);
        refusals(&problems, None)
            .into_iter()
            .filter(|v| !self.is_overridden(i, v))
            .map(ToString::to_string)
            .chain(
                self.screening
                    .iter()
                    .filter(|(r, _)| *r == i)
                    .map(|(_, s)| s.clone()),
            )
            .collect()
    }

    /// Rows that a rule refuses.
    pub fn refused_rows(&self) -> Vec<usize> {
        (0..self.rows.len())
            .filter(|&i| !self.row_refusals(i).is_empty())
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
    move_down(PreviewAction::Down, Some("row"), "next session of the proposal"),
    move_up(PreviewAction::Up, "previous session of the proposal"),
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
        reasons: vec![None; rows.len()],
        rows,
        problems: Vec::new(),
        screening: Vec::new(),
        screening_note: None,
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
/// taken a slot meanwhile), against each other, and against the patient's screening
/// (a clinician may have recorded an override meanwhile).
fn recheck(model: &Model, p: &mut Preview) {
    p.problems = check_proposals(&model.clinic, &model.calendar, &p.plan, &p.rows);
    (p.screening, p.screening_note) = screen_rows(model, &p.patient, &p.rows);
}

/// The screening's refusals of each row, and where a clinician lifts them.
fn screen_rows(model: &Model, id: &PatientId, rows: &[Proposal]) -> (Vec<(usize, String)>, Option<String>) {
    let Some(patient) = model.patient(id) else {
        return (Vec::new(), None);
    };
    let refused: Vec<(usize, String)> = rows
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            screening_refusals(model, patient, r.date)
                .into_iter()
                .map(move |x| (i, x))
        })
        .collect();
    let note = refused.first().map(|(i, _)| {
        let labels = open_block_labels(model, patient, rows[*i].date);
        override_note(&labels)
    });
    (refused, note)
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
    // A safety net behind the keys that opened it (the staff list may have changed).
    if model.refuse_unless(crate::domain::staff::Permission::Bookings) {
        return Vec::new();
    }
    if let Some(&row) = p.refused_rows().first() {
        let why = p.row_refusals(row).first().cloned().unwrap_or_default();
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
    let mut series = build_series(&p.protocol_id, &p.protocol_name, &p.plan, &p.rows, model.today);
    // The reason stays with the sessions that are closer than the minimum, only.
    let mut overridden = Vec::new();
    for (i, session) in series.sessions.iter_mut().enumerate() {
        let close = p.row_problems(i).iter().any(Violation::is_overridable);
        if close && let Some(reason) = p.reasons.get(i).cloned().flatten() {
            session.interval_override = Some(reason);
            overridden.push((i + 1).to_string());
        }
    }
    patient.series.push(series);
    let first = &p.rows[0];
    let mut text = format!(
        "series of {} sessions booked, the first on {}",
        p.rows.len(),
        when(first.date, Some(first.time))
    );
    if !overridden.is_empty() {
        text.push_str(&format!(
            "; minimum interval overridden for session {}",
            overridden.join(", ")
        ));
    }
    model.set_status(StatusKind::Info, text);
    let effect = model.put_patient(patient);
    model.reset_session_selection();
    vec![effect]
}

// ---------------------------------------------------------------------------------
// The small form that changes one row.

pub const DATE: &str = "date";
pub const TIME: &str = "time";
pub const CLINICIAN: &str = "clinician";
pub const ROOM: &str = "room";
pub const REASON: &str = "override_reason";
const FIELDS: BookingFields = BookingFields {
    date: DATE,
    time: TIME,
    clinician: CLINICIAN,
    room: ROOM,
};

fn row_form(model: &Model, p: &Preview) -> Form {
    let row = &p.rows[p.selected];
    let mut f = Form::new(
        format!("Proposed session {} of {}", p.selected + 1, p.rows.len()),
        vec![
            Field::text(DATE, "Date", DATE_HINT, row.date.to_string()),
            Field::text(TIME, "Time", "HH:MM", row.time.format("%H:%M").to_string()),
            Field::choice(
                CLINICIAN,
                "Clinician",
                resource_options(&model.clinic.clinicians, "none", Some(&row.clinician)),
                Some(row.clinician.clone()),
            ),
            Field::choice(
                ROOM,
                "Room",
                resource_options(&model.clinic.rooms, "none", Some(&row.room)),
                Some(row.room.clone()),
            ),
            Field::text(
                REASON,
                "Override reason",
                "only to book closer than the minimum interval",
                p.reasons.get(p.selected).cloned().flatten().unwrap_or_default(),
            ),
        ],
    );
    recheck_row(model, p, &mut f);
    f
}

/// The clinic's settings changed while the preview is open: its row form's choices
/// follow, and the rows are checked again (a clinician made inactive refuses its rows).
pub fn clinic_changed(model: &Model, p: &mut Preview) {
    recheck(model, p);
    if let Some(mut f) = p.edit.take() {
        refresh_resources(&mut f, &model.clinic, FIELDS, (None, None));
        recheck_row(model, p, &mut f);
        p.edit = Some(f);
    }
}

/// The row as typed, or every field at fault and why.
fn typed_row(p: &Preview, f: &Form) -> Result<Proposal, Vec<(String, String)>> {
    let mut r = f.reader();
    let date: Option<NaiveDate> = r.parse(DATE, parse_date);
    // Every row is booked when `c` confirms, and a booked session needs a time.
    let time = r.parse(TIME, |t| match t.trim() {
        "" => Err("a booked session needs a time: type HH:MM, e.g. 09:30".to_string()),
        t => chrono::NaiveTime::parse_from_str(t, "%H:%M")
            .map_err(|_| format!("'{t}' is not a time; use HH:MM, e.g. 09:30")),
    });
    let clinician = r.choice(CLINICIAN);
    if clinician == Some(None) {
        r.fail(CLINICIAN, "choose a clinician");
    }
    let room = r.choice(ROOM);
    if room == Some(None) {
        r.fail(ROOM, "choose a room");
    }
    let row = &p.rows[p.selected];
    match (date, time, clinician.flatten(), room.flatten()) {
        (Some(date), Some(time), Some(clinician), Some(room)) if !r.has_errors() => Ok(Proposal {
            date,
            time,
            minutes: row.minutes,
            clinician,
            room,
            gap_days: None,
        }),
        _ => Err(r.finish().err().unwrap_or_default()),
    }
}

/// The rows with the edited one (and its reason) replaced, in date order, with their
/// gaps and their reasons alongside; and where the edited row ended up.
fn with_row(
    rows: &[Proposal],
    reasons: &[Option<String>],
    index: usize,
    row: Proposal,
    reason: Option<String>,
) -> (Vec<Proposal>, Vec<Option<String>>, usize) {
    let mut pairs: Vec<(Proposal, Option<String>)> =
        rows.iter().cloned().zip(reasons.iter().cloned()).collect();
    pairs[index] = (row.clone(), reason);
    pairs.sort_by_key(|(r, _)| r.start());
    let (mut rows, reasons): (Vec<Proposal>, Vec<Option<String>>) = pairs.into_iter().unzip();
    for i in 0..rows.len() {
        rows[i].gap_days = i.checked_sub(1).map(|b| (rows[i].date - rows[b].date).num_days());
    }
    let at = rows
        .iter()
        .position(|r| r.start() == row.start() && r.clinician == row.clinician)
        .unwrap_or(index);
    (rows, reasons, at)
}

/// The preview as it would be with the row as typed, and what the rules say about it.
struct Candidate {
    rows: Vec<Proposal>,
    reasons: Vec<Option<String>>,
    at: usize,
    problems: Vec<(usize, Violation)>,
    /// The edited row's refusals: the clinic's (the interval unless a reason lifts it),
    /// then the screening's.
    refused: Vec<Refusal>,
    /// The edited row's warnings, the lifted interval included.
    warnings: Vec<String>,
    /// The edited row is closer than the minimum interval to another.
    too_close: bool,
    screening_note: Option<String>,
}

enum Refusal {
    Rule(Violation),
    Screening(String),
}

impl Refusal {
    fn text(&self, model: &Model) -> String {
        match self {
            Refusal::Rule(v) => model.explain(v),
            Refusal::Screening(s) => s.clone(),
        }
    }
}

fn candidate(model: &Model, p: &Preview, row: Proposal, typed_reason: &str) -> Candidate {
    let reason = override_reason(typed_reason).ok();
    let (rows, reasons, at) = with_row(&p.rows, &p.reasons, p.selected, row, reason);
    let problems = check_proposals(&model.clinic, &model.calendar, &p.plan, &rows);
    let mut refused = Vec::new();
    let mut warnings = Vec::new();
    let mut too_close = false;
    for (_, v) in problems.iter().filter(|(i, _)| *i == at) {
        too_close |= v.is_overridable();
        if v.is_warning() {
            warnings.push(model.explain(v));
        } else if interval_overridden(&reasons, at, v) {
            warnings.push(format!("minimum interval overridden: {}", model.explain(v)));
        } else {
            refused.push(Refusal::Rule(v.clone()));
        }
    }
    let (screening, screening_note) = screen_rows(model, &p.patient, &rows);
    refused.extend(
        screening
            .into_iter()
            .filter(|(i, _)| *i == at)
            .map(|(_, s)| Refusal::Screening(s)),
    );
    Candidate {
        rows,
        reasons,
        at,
        problems,
        refused,
        warnings,
        too_close,
        screening_note,
    }
}

/// Shows what the rules say about the row as typed: refusals, warnings, and what can be
/// done about them.
fn recheck_row(model: &Model, p: &Preview, f: &mut Form) {
    f.clear_rule_errors();
    f.refusals.clear();
    f.warnings.clear();
    f.notes.clear();
    let Ok(row) = typed_row(p, f) else {
        return;
    };
    let c = candidate(model, p, row, f.text(REASON));
    f.refusals = c.refused.iter().map(|r| r.text(model)).collect();
    f.warnings = c.warnings;
    let lifted = override_reason(f.text(REASON));
    let close_refused = c
        .refused
        .iter()
        .any(|r| matches!(r, Refusal::Rule(v) if v.is_overridable()));
    match lifted {
        Err(why) if close_refused && !f.text(REASON).trim().is_empty() => f.notes.push(why.to_string()),
        Err(_) if close_refused => f.notes.push(OVERRIDE_HINT.into()),
        _ => {}
    }
    if c.refused.iter().any(|r| matches!(r, Refusal::Screening(_))) {
        f.notes.extend(c.screening_note);
    }
}

fn row_form_key(model: &mut Model, p: &mut Preview, mut f: Form, key: KeyEvent) {
    match f.handle_key(&key) {
        FormEvent::Cancel => {
            model.set_status(StatusKind::Info, "row unchanged");
            return;
        }
        FormEvent::Changed => recheck_row(model, p, &mut f),
        FormEvent::Submit => match typed_row(p, &f) {
            Err(errors) => f.set_errors(errors),
            Ok(row) => {
                recheck_row(model, p, &mut f);
                let typed = f.text(REASON).to_string();
                let c = candidate(model, p, row, &typed);
                match c.refused.first() {
                    // A reason was typed for the interval, but it is too short to count.
                    Some(Refusal::Rule(v)) if v.is_overridable() && !typed.trim().is_empty() => {
                        let why = override_reason(&typed)
                            .err()
                            .map(|e| e.to_string())
                            .unwrap_or_default();
                        f.fail_by_rule(REASON, why);
                    }
                    Some(Refusal::Rule(v)) => {
                        f.fail_by_rule(field_of(v, FIELDS), format!("refused: {}", model.explain(v)))
                    }
                    Some(Refusal::Screening(s)) => f.fail_by_rule(DATE, format!("refused: {s}")),
                    None => {
                        let note = if c.too_close {
                            "; minimum interval overridden"
                        } else {
                            ""
                        };
                        model.set_status(
                            StatusKind::Info,
                            format!("session {} changed{note}; press c to book", c.at + 1),
                        );
                        (p.rows, p.reasons, p.problems, p.selected) = (c.rows, c.reasons, c.problems, c.at);
                        if !c.too_close {
                            // A reason is kept only where it lifts something, so it
                            // cannot silently lift a later edit's interval.
                            p.reasons[p.selected] = None;
                        }
                        recheck(model, p);
                        return;
                    }
                }
            }
        },
        FormEvent::Nothing => {}
    }
    p.edit = Some(f);
}
