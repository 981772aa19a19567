//! When another user saved a patient I was changing: the three-way merge that settles
//! it by itself, and the compare screen for the fields that really clash.
//!
//! A save (or a poll) that meets their newer version merges base -> mine and base ->
//! theirs ([`crate::domain::merge`]). A clean merge whose bookings pass every rule is
//! saved at once ("saved (merged with <who>'s change)"). Otherwise the compare screen
//! lists each clashing field with the base, their value (and who) and mine; the user
//! picks a side per field (or all theirs / all mine for those fields only). Fields
//! outside the clashes always come from the merge, never from the losing side.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::domain::calendar::Calendar;
use crate::domain::merge::{self, Merge, Seg, Side};
use crate::domain::patient::{Patient, PatientId};
use crate::domain::schedule::{BookingRequest, SeriesAt, check_booking, refusals};
use crate::domain::series::Session;

use super::clinical_rules::screening_refusals;
use super::keymap::{Binding, Scope, code, k, move_down, move_up, screen_action_for};
use super::model::{Effect, Model, Overlay, StatusKind};

/// A save that could not merge by itself: what the compare screen shows and decides.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// Their version, as on disk.
    pub theirs: Patient,
    /// Who saved it (the staff name when known, else the login).
    pub who: String,
    pub merge: Merge,
    /// The side picked for each clash, in the order of `merge.clashes`.
    pub picks: Vec<Option<Side>>,
    /// The selected clash.
    pub selected: usize,
    /// Why the merged bookings were refused, one line each (empty: a plain clash).
    pub refused: Vec<String>,
}

impl Conflict {
    /// How many clashes have no side picked yet.
    pub fn undecided(&self) -> usize {
        self.picks.iter().filter(|p| p.is_none()).count()
    }
}

/// The status line while a conflict waits for the user (fits 80 columns: the key to
/// press must not be cut off).
pub const CONFLICT_MESSAGE: &str =
    "CONFLICT: another user changed the same field(s): press C to choose; not saved";

/// The same when the clash is a merged booking that breaks a rule.
pub const BOOKING_CONFLICT_MESSAGE: &str =
    "CONFLICT: the merged bookings break a rule: press C to see why; not saved";

/// What the status line says about the conflicts open now.
pub fn conflict_message(model: &Model) -> &'static str {
    if model.conflicts.values().any(|c| !c.refused.is_empty()) {
        BOOKING_CONFLICT_MESSAGE
    } else {
        CONFLICT_MESSAGE
    }
}

/// Merges my edit of `id` with `theirs` (saved by `who`). `Ok`: the merged record, at
/// their revision, ready to be saved. `Err`: the conflict to show.
pub fn try_merge(
    model: &Model,
    id: &PatientId,
    theirs: Patient,
    who: String,
) -> Result<Patient, Box<Conflict>> {
    let mine = model.patient(id).cloned().unwrap_or_else(|| theirs.clone());
    let base = model.bases.get(id);
    let mut merge = merge::merge(base, &mine, &theirs);
    let mut refused = Vec::new();
    if merge.is_clean() {
        refused = booking_refusals(model, &mine, &theirs, &merge.merged);
        if refused.is_empty() {
            return Ok(merge.merged);
        }
        // Each booking field I changed becomes a question: taking theirs undoes my move.
        for path in my_booking_changes(base, &mine) {
            merge.ask_about(&path);
        }
    }
    let picks = vec![None; merge.clashes.len()];
    Err(Box::new(Conflict {
        theirs,
        who,
        merge,
        picks,
        selected: 0,
        refused,
    }))
}

const BOOKING_FIELDS: [&str; 5] = ["date", "time", "clinician", "room", "status"];

fn booking_of(
    s: &Session,
) -> (
    chrono::NaiveDate,
    Option<chrono::NaiveTime>,
    &Option<String>,
    &Option<String>,
    crate::domain::series::SessionStatus,
) {
    (s.date, s.time, &s.clinician, &s.room, s.status)
}

/// The paths of the booking fields of every session whose booking I changed.
fn my_booking_changes(base: Option<&Patient>, mine: &Patient) -> Vec<Vec<Seg>> {
    let mut out = Vec::new();
    for (i, series) in mine.series.iter().enumerate() {
        for (j, session) in series.sessions.iter().enumerate() {
            let was = base.and_then(|b| b.series.get(i)).and_then(|s| s.sessions.get(j));
            if was.is_some_and(|w| booking_of(w) == booking_of(session)) {
                continue;
            }
            for field in BOOKING_FIELDS {
                out.push(vec![
                    Seg::Key("series".into()),
                    Seg::Index(i),
                    Seg::Key("sessions".into()),
                    Seg::Index(j),
                    Seg::Key(field.into()),
                ]);
            }
        }
    }
    out
}

/// Every booking rule (open day, hours, clinician and room free, minimum interval,
/// screening and washouts) for each session of `merged` whose booking is not the one
/// `theirs` saved (mine brought it in, or the merge combined it): one line per refusal,
/// naming the session. Their own bookings passed the rules when they were made.
pub fn booking_refusals(model: &Model, mine: &Patient, theirs: &Patient, merged: &Patient) -> Vec<String> {
    let mut changed = Vec::new();
    for (i, series) in merged.series.iter().enumerate() {
        for (j, s) in series.sessions.iter().enumerate() {
            let was = theirs.series.get(i).and_then(|x| x.sessions.get(j));
            if s.status.counts_for_interval() && was.is_none_or(|w| booking_of(w) != booking_of(s)) {
                changed.push((i, j));
            }
        }
    }
    if changed.is_empty() {
        return Vec::new();
    }
    let minutes = model.clinic.default_minutes;
    let mut calendar: Calendar = model.calendar.clone();
    let in_model = model.patient(&mine.id);
    calendar.replace_patient(in_model, Some(merged), minutes);
    let mut out = Vec::new();
    for (i, j) in changed {
        let series = &merged.series[i];
        let s = &series.sessions[j];
        let at = SeriesAt {
            patient_id: merged.id.as_str(),
            series_index: i,
            series,
        };
        let req = BookingRequest {
            date: s.date,
            time: s.time,
            minutes: series.minutes_of(j, minutes),
            clinician: s.clinician.as_deref(),
            room: s.room.as_deref(),
        };
        let violations = check_booking(&model.clinic, &calendar, &at, Some(j), &req);
        let place = format!("series {} session {}", i + 1, j + 1);
        for v in refusals(&violations, s.interval_override.as_deref()) {
            out.push(format!("{place}: {v}"));
        }
        if s.status.is_upcoming() {
            for r in screening_refusals(model, merged, s.date) {
                out.push(format!("{place}: {r}"));
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictAction {
    Down,
    Up,
    Theirs,
    Mine,
    AllTheirs,
    AllMine,
    Save,
    Later,
}

pub static CONFLICT_KEYS: &[Binding<ConflictAction>] = &[
    move_down(ConflictAction::Down, Some("next field"), "next clashing field"),
    move_up(ConflictAction::Up, "previous clashing field"),
    Binding {
        keys: &[k('t')],
        action: ConflictAction::Theirs,
        scope: Scope::Everywhere,
        bar: Some("theirs"),
        help: "take their value for the selected field",
    },
    Binding {
        keys: &[k('m')],
        action: ConflictAction::Mine,
        scope: Scope::Everywhere,
        bar: Some("mine"),
        help: "keep my value for the selected field",
    },
    Binding {
        keys: &[k('T')],
        action: ConflictAction::AllTheirs,
        scope: Scope::Everywhere,
        bar: Some("all theirs"),
        help: "take their value for every clashing field (nothing else)",
    },
    Binding {
        keys: &[k('M')],
        action: ConflictAction::AllMine,
        scope: Scope::Everywhere,
        bar: Some("all mine"),
        help: "keep my value for every clashing field (nothing else)",
    },
    Binding {
        keys: &[code(KeyCode::Enter)],
        action: ConflictAction::Save,
        scope: Scope::Everywhere,
        bar: Some("save"),
        help: "save: picked fields as chosen, every other field as merged",
    },
    Binding {
        keys: &[code(KeyCode::Esc)],
        action: ConflictAction::Later,
        scope: Scope::Everywhere,
        bar: Some("decide later"),
        help: "leave it undecided, not saved (C opens the compare screen again)",
    },
];

/// A key on the compare screen of `id`.
pub fn handle_key(model: &mut Model, id: PatientId, key: KeyEvent) -> Vec<Effect> {
    let action = screen_action_for(CONFLICT_KEYS, &key);
    let Some(c) = model.conflicts.get_mut(&id) else {
        return Vec::new();
    };
    let n = c.picks.len();
    match action {
        None => {}
        Some(ConflictAction::Down) => c.selected = (c.selected + 1).min(n.saturating_sub(1)),
        Some(ConflictAction::Up) => c.selected = c.selected.saturating_sub(1),
        Some(ConflictAction::Theirs | ConflictAction::Mine) => {
            let side = if action == Some(ConflictAction::Theirs) {
                Side::Theirs
            } else {
                Side::Mine
            };
            if let Some(p) = c.picks.get_mut(c.selected) {
                *p = Some(side);
            }
            // On to the next undecided field, so t t t ... walks the list.
            if let Some(next) = (c.selected + 1..n).find(|&i| c.picks[i].is_none()) {
                c.selected = next;
            }
        }
        Some(ConflictAction::AllTheirs) => c.picks = vec![Some(Side::Theirs); n],
        Some(ConflictAction::AllMine) => c.picks = vec![Some(Side::Mine); n],
        Some(ConflictAction::Save) => return save(model, id),
        Some(ConflictAction::Later) => {
            model.set_status(
                StatusKind::Error,
                "conflict left undecided: your edit is NOT saved — press C to compare and choose",
            );
            return Vec::new();
        }
    }
    model.overlay = Overlay::Conflict(id);
    Vec::new()
}

/// Enter: every clash needs a side; the result is checked against the booking rules
/// again, then saved on top of their version.
fn save(model: &mut Model, id: PatientId) -> Vec<Effect> {
    let Some(c) = model.conflicts.get(&id) else {
        return Vec::new();
    };
    model.overlay = Overlay::Conflict(id.clone());
    let left = c.undecided();
    if left > 0 {
        model.set_status(
            StatusKind::Error,
            format!("not saved: pick t (theirs) or m (mine) for every clashing field, {left} left"),
        );
        return Vec::new();
    }
    let picks: Vec<Side> = c.picks.iter().flatten().copied().collect();
    let resolved = match resolve_with_history(model, c, &picks) {
        Ok(p) => p,
        Err(e) => {
            model.set_status(StatusKind::Error, format!("not saved: {e}"));
            return Vec::new();
        }
    };
    let theirs = c.theirs.clone();
    let mine = model.patient(&id).cloned().unwrap_or_else(|| theirs.clone());
    let refused = booking_refusals(model, &mine, &theirs, &resolved);
    if !refused.is_empty() {
        model.set_status(
            StatusKind::Error,
            format!("not saved, the booking breaks a rule: {}", refused.join("; ")),
        );
        if let Some(c) = model.conflicts.get_mut(&id) {
            c.refused = refused;
        }
        return Vec::new();
    }
    if model.refuse_read_only(&id) {
        return Vec::new();
    }
    model.conflicts.remove(&id);
    model.overlay = Overlay::None;
    model.set_status(StatusKind::Info, format!("{} field(s) decided", picks.len()));
    vec![model.put_merged(resolved, theirs)]
}

/// The merged record with the picks applied, its clinical history saying what the
/// choice undid: each clinical field where their value was kept over mine (or mine over
/// theirs) gets an entry under the acting login, so the history never claims a change
/// that the record no longer holds.
fn resolve_with_history(model: &Model, c: &Conflict, picks: &[Side]) -> Result<Patient, merge::MergeError> {
    let mut resolved = c.merge.resolve(picks)?;
    for (side, kept) in [(Side::Mine, "their value kept"), (Side::Theirs, "my value kept")] {
        // From the other side's values in every clash to the picks: only the fields
        // where the other side lost differ.
        let before = c.merge.resolve_all(side)?;
        let mut after = resolved.clone();
        let n = after.history.len();
        let reason = format!("conflict with {}: {kept}", c.who);
        after.record_changes(&before, model.acting_login(), model.now, Some(&reason));
        resolved.history.extend(after.history.drain(n..));
    }
    Ok(resolved)
}
