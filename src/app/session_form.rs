//! The add/edit session form: date, time, status, clinician, room, notes and an override
//! reason. Every change is checked with the clinic's rules (`check_booking`, the
//! session's own booking left out): a refusal shows as it is typed and Enter does not
//! save while there is one. Only the minimum interval can be overridden, and only with
//! a typed reason, which is stored on the session.
//!
//! A booked session needs a time (without one it would be in no agenda and miss the
//! clash checks); a planned one may go without.
//!
//! The rules bind when something is booked or moved: a new session, a changed date,
//! time, clinician or room, or a session becoming booked or counted again. A session
//! left where it is (notes changed, marked done) is not refused for how it already is;
//! what the rules say about it shows as a warning.
//!
//! When they bind, the patient's screening binds too (`clinical_rules`): an open
//! absolute contraindication, or a washout still running on the typed date, refuses the
//! Date field. The override reason here does not lift it; the form says where a
//! clinician does (consult screen, screening list, name and reason). Changing the status
//! to done is refused while anything is missing before the session (consents, photos,
//! screening, prompts, interval), listed on the Status field with the keys that record
//! each. The prompts of the screening (antiviral prophylaxis) show on every upcoming
//! session's form.

use chrono::{NaiveDate, NaiveTime, TimeDelta};

use crate::domain::dates::{DATE_HINT, parse_date, parse_optional_time};
use crate::domain::patient::{Patient, PatientId};
use crate::domain::schedule::{
    BookingRequest, SeriesAt, Violation, booked_without_time, check_booking, override_reason, refusals,
};
use crate::domain::series::{Series, Session, SessionStatus};

use super::booking::{BookingFields, field_of, refresh_resources, resource_options};
use super::clinical_rules::{
    self, missing, open_block_labels, override_note, record_notes, screening_refusals, session_prompts,
};
use super::form::{ChoiceOption, Field, Form};
use super::model::{Effect, Model, StatusKind};
use super::{rebook, reschedule};

pub const DATE: &str = "date";
pub const TIME: &str = "time";
pub const STATUS: &str = "status";
pub const CLINICIAN: &str = "clinician";
pub const ROOM: &str = "room";
pub const NOTES: &str = "notes";
pub const REASON: &str = "override_reason";

const FIELDS: BookingFields = BookingFields {
    date: DATE,
    time: TIME,
    clinician: CLINICIAN,
    room: ROOM,
};

pub const OVERRIDE_HINT: &str = "type a reason in Override reason to book it anyway";

/// What the form holds, read and parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    pub status: SessionStatus,
    pub clinician: Option<String>,
    pub room: Option<String>,
    pub notes: String,
    pub reason: String,
}

/// The statuses, by their label (which is also how the file names them).
fn status_options() -> Vec<ChoiceOption> {
    SessionStatus::ALL
        .iter()
        .map(|s| ChoiceOption::new(Some(s.label()), s.label()))
        .collect()
}

fn series_of<'a>(model: &'a Model, id: &PatientId) -> Option<(&'a Patient, &'a Series)> {
    let p = model.patient(id)?;
    Some((p, p.current_series()?))
}

/// The session as stored, for an edit.
fn stored<'a>(model: &'a Model, id: &PatientId, index: Option<usize>) -> Option<&'a Session> {
    series_of(model, id)?.1.sessions.get(index?)
}

fn build(model: &Model, title: String, s: &Session) -> Form {
    Form::new(
        title,
        vec![
            Field::text(DATE, "Date", DATE_HINT, s.date.to_string()),
            Field::text(
                TIME,
                "Time",
                "HH:MM; needed to book",
                s.time.map(|t| t.format("%H:%M").to_string()).unwrap_or_default(),
            ),
            Field::choice(STATUS, "Status", status_options(), Some(s.status.label().into())),
            Field::choice(
                CLINICIAN,
                "Clinician",
                resource_options(&model.clinic.clinicians, "none", s.clinician.as_deref()),
                s.clinician.clone(),
            ),
            Field::choice(
                ROOM,
                "Room",
                resource_options(&model.clinic.rooms, "none", s.room.as_deref()),
                s.room.clone(),
            ),
            Field::text(NOTES, "Notes", "optional", s.notes.clone()),
            Field::text(
                REASON,
                "Override reason",
                "only to book closer than the minimum interval",
                "",
            ),
        ],
    )
}

/// The clinic's settings changed while the form is open: its clinician and room
/// choices follow, and one made inactive or removed meanwhile is refused on its field.
pub fn clinic_changed(model: &Model, id: &PatientId, index: Option<usize>, f: &mut Form) {
    let kept = stored(model, id, index);
    refresh_resources(
        f,
        &model.clinic,
        FIELDS,
        (
            kept.and_then(|s| s.clinician.as_deref()),
            kept.and_then(|s| s.room.as_deref()),
        ),
    );
    refresh(model, id, index, f);
}

pub fn edit_form(model: &Model, id: &PatientId, index: usize) -> Option<Form> {
    let session = stored(model, id, Some(index))?;
    let mut f = build(model, format!("Session {}", index + 1), session);
    refresh(model, id, Some(index), &mut f);
    Some(f)
}

/// A new session one target interval after the last, at the last one's time, with the
/// clinician and room the series had last.
pub fn add_form(model: &Model, id: &PatientId) -> Option<Form> {
    let (_, series) = series_of(model, id)?;
    let n = series.sessions.len();
    let last = series.sessions.last();
    let mut date = series.next_date_suggestion(model.today);
    let mut title = format!("New session {}", n + 1);
    // A running washout moves the suggestion to its end, and the title says why (a
    // note would be cleared by the first key's re-check).
    if let Some((eligible, _)) = clinical_rules::eligible_from(model, model.patient(id)?)
        && eligible > date
    {
        // The first day the clinic is open from then (within a month: past that the
        // settings are odd, and the form's own refusal says what is wrong).
        date = (0..31)
            .map(|k| eligible + chrono::Days::new(k))
            .find(|d| model.clinic.is_open(*d))
            .unwrap_or(eligible);
        title = format!("{title} · not before {eligible} (washout)");
    }
    let mut draft = Session::planned(date, last.and_then(|s| s.time));
    draft.clinician = series.sessions.iter().rev().find_map(|s| s.clinician.clone());
    draft.room = series.sessions.iter().rev().find_map(|s| s.room.clone());
    let mut f = build(model, title, &draft);
    refresh(model, id, None, &mut f);
    Some(f)
}

/// The form's values, or every field at fault and why.
fn read(f: &Form) -> Result<Typed, Vec<(String, String)>> {
    let mut r = f.reader();
    let date = r.parse(DATE, parse_date);
    let time = r.parse(TIME, parse_optional_time);
    let status = r.choice_of(STATUS, &SessionStatus::ALL, SessionStatus::label);
    let clinician = r.choice(CLINICIAN);
    let room = r.choice(ROOM);
    r.finish()?;
    let missing = || vec![(STATUS.to_string(), "choose a status".to_string())];
    Ok(Typed {
        date: date.ok_or_else(missing)?,
        time: time.ok_or_else(missing)?,
        status: status.ok_or_else(missing)?,
        clinician: clinician.ok_or_else(missing)?,
        room: room.ok_or_else(missing)?,
        notes: f.text(NOTES).trim().to_string(),
        reason: f.text(REASON).to_string(),
    })
}

/// What the rules say about the typed session, and whether they bind (see the module
/// comment).
struct Checked {
    violations: Vec<Violation>,
    binding: bool,
}

fn check(model: &Model, id: &PatientId, index: Option<usize>, t: &Typed) -> Checked {
    let none = Checked {
        violations: Vec::new(),
        binding: false,
    };
    let Some((patient, series)) = series_of(model, id) else {
        return none;
    };
    if !t.status.counts_for_interval() {
        return none;
    }
    let default = model.clinic.default_minutes;
    let minutes = match index {
        Some(i) => series.minutes_of(i, default),
        None => series.session_minutes.unwrap_or(default),
    };
    let req = BookingRequest {
        date: t.date,
        time: t.time,
        minutes,
        clinician: t.clinician.as_deref(),
        room: t.room.as_deref(),
    };
    let at = SeriesAt {
        patient_id: id.as_str(),
        series_index: patient.series.len() - 1,
        series,
    };
    let binding = match index.and_then(|i| series.sessions.get(i)) {
        None => true,
        Some(old) => {
            old.date != t.date
                || old.time != t.time
                || old.clinician != t.clinician
                || old.room != t.room
                || !old.status.counts_for_interval()
                || (old.status != SessionStatus::Booked && t.status == SessionStatus::Booked)
        }
    };
    let mut violations = check_booking(&model.clinic, &model.calendar, &at, index, &req);
    violations.extend(booked_without_time(t.status, t.date, t.time));
    Checked { violations, binding }
}

/// Recomputes, for what is typed now, the refusals, warnings and notes the form shows.
pub fn refresh(model: &Model, id: &PatientId, index: Option<usize>, f: &mut Form) {
    f.clear_rule_errors();
    f.refusals.clear();
    f.warnings.clear();
    f.notes.clear();
    let Ok(t) = read(f) else {
        return;
    };
    let c = check(model, id, index, &t);
    let reason = override_reason(&t.reason);
    for v in &c.violations {
        if !c.binding {
            f.warnings
                .push(format!("as booked already: {}", model.explain(v)));
        } else if v.is_warning() {
            f.warnings.push(model.explain(v));
        } else if v.is_overridable() && reason.is_ok() {
            f.warnings
                .push(format!("minimum interval overridden: {}", model.explain(v)));
        } else {
            f.refusals.push(model.explain(v));
        }
    }
    let too_close = c.binding && c.violations.iter().any(Violation::is_overridable);
    match (&reason, too_close) {
        (Err(why), true) if !t.reason.trim().is_empty() => f.notes.push(why.to_string()),
        (Err(_), true) => f.notes.push(OVERRIDE_HINT.into()),
        _ => {}
    }
    if let Some(stored) = stored(model, id, index).and_then(|s| s.interval_override.as_deref())
        && !(too_close && reason.is_ok())
    {
        f.notes.push(format!("override reason on record: {stored}"));
    }
    let Some(patient) = model.patient(id) else {
        return;
    };
    if t.status.counts_for_interval() {
        let refused = screening_refusals(model, patient, t.date);
        if c.binding {
            if !refused.is_empty() {
                f.notes
                    .push(override_note(&open_block_labels(model, patient, t.date)));
            }
            f.refusals.extend(refused);
        } else {
            f.warnings
                .extend(refused.iter().map(|r| format!("as booked already: {r}")));
        }
    }
    if becoming_done(model, id, index, &t) {
        let missing = done_missing(model, id, index, &t);
        if !missing.is_empty() {
            f.refusals.push(done_refusal(&missing));
            f.notes.extend(record_notes(&missing, index.map(|i| i + 1)));
        }
    }
    if t.status.is_upcoming() {
        // Booking stays allowed; the clinician re-screens on the day, and the front
        // desk can say so when the patient is booked.
        let r = clinical_rules::screening_for(&model.templates, patient, t.date);
        if r.rescreen_needed {
            f.notes.push(match (r.reviewed_on, r.review_valid_until) {
                (Some(on), Some(until)) => format!(
                    "re-screen needed before this session: the screening was reviewed {on} and covers sessions to {until}"
                ),
                _ => "screening not reviewed yet: a clinician reviews it before this session".to_string(),
            });
        }
        f.notes.extend(
            session_prompts(&model.templates, patient)
                .into_iter()
                .map(|p| format!("before this session: {p}")),
        );
    }
}

/// The status is changed to done (a session already done is not asked again).
fn becoming_done(model: &Model, id: &PatientId, index: Option<usize>, t: &Typed) -> bool {
    t.status == SessionStatus::Done
        && stored(model, id, index).is_none_or(|s| s.status != SessionStatus::Done)
}

/// What is missing before the session, as typed (its date, and a valid override reason
/// for a too-short interval), can be marked done.
fn done_missing(
    model: &Model,
    id: &PatientId,
    index: Option<usize>,
    t: &Typed,
) -> Vec<crate::domain::readiness::Missing> {
    let Some(mut patient) = model.patient(id).cloned() else {
        return Vec::new();
    };
    let series_idx = patient.series.len().saturating_sub(1);
    let Some(series) = patient.series.get_mut(series_idx) else {
        return Vec::new();
    };
    let slot = match index {
        Some(i) => i,
        None => {
            series.sessions.push(Session::planned(t.date, t.time));
            series.sessions.len() - 1
        }
    };
    let Some(session) = series.sessions.get_mut(slot) else {
        return Vec::new();
    };
    session.date = t.date;
    session.time = t.time;
    if let Ok(reason) = override_reason(&t.reason) {
        session.interval_override = Some(reason);
    }
    missing(&model.templates, &patient, series_idx, slot)
}

/// "not ready to be marked done, missing: consent, photo consent, ..."
fn done_refusal(missing: &[crate::domain::readiness::Missing]) -> String {
    use crate::domain::readiness::Missing;
    let items: Vec<String> = missing
        .iter()
        .map(|m| match m {
            // The prompt's own words say what to do; the short form would not.
            Missing::Prompt(_) => m.text(),
            other => clinical_rules::short_text(other),
        })
        .collect();
    format!("not ready to be marked done, missing: {}", items.join(", "))
}

/// Validates and saves the form. `None` keeps it open with the reason on its field;
/// otherwise the form is closed: saved, or waiting in a confirmation (cascade) that
/// the returned effects do not include yet.
pub fn submit(model: &mut Model, id: &PatientId, index: Option<usize>, f: &mut Form) -> Option<Vec<Effect>> {
    let t = match read(f) {
        Ok(t) => t,
        Err(errors) => {
            f.set_errors(errors);
            return None;
        }
    };
    if t.status == SessionStatus::Done && t.date > model.today {
        f.fail(STATUS, format!("a session on {} cannot be done yet", t.date));
        return None;
    }
    if let Some(why) = not_yet_missed(model, &t) {
        f.fail(STATUS, why);
        return None;
    }
    refresh(model, id, index, f);
    let c = check(model, id, index, &t);
    if c.binding
        && let Some(first) = refusals(&c.violations, Some(&t.reason)).first()
    {
        match override_reason(&t.reason) {
            // A reason was typed for the interval, but it is too short to count.
            Err(why) if first.is_overridable() && !t.reason.trim().is_empty() => {
                f.fail_by_rule(REASON, why.to_string())
            }
            _ => f.fail_by_rule(field_of(first, FIELDS), format!("refused: {first}")),
        }
        return None;
    }
    if c.binding
        && let Some(first) = screening_refusals(model, model.patient(id)?, t.date).first()
    {
        f.fail_by_rule(DATE, format!("refused: {first}"));
        return None;
    }
    let marking_done = becoming_done(model, id, index, &t);
    if marking_done {
        let missing = done_missing(model, id, index, &t);
        if !missing.is_empty() {
            f.fail_by_rule(STATUS, format!("refused: {}", done_refusal(&missing)));
            return None;
        }
    }
    let old = stored(model, id, index).cloned();
    // A replacement is searched for after the visit that is given up.
    let old_end = old
        .as_ref()
        .zip(index)
        .zip(series_of(model, id))
        .map(|((o, i), (_, s))| {
            o.starts_at() + TimeDelta::minutes(s.minutes_of(i, model.clinic.default_minutes) as i64)
        });
    if let Some((i, old)) = index.zip(old.as_ref())
        && (old.date != t.date || old.time != t.time)
        && t.status.is_upcoming()
        && !reschedule::later_upcoming(series_of(model, id)?.1, i).is_empty()
    {
        reschedule::open(model, id, i, t, f.clone());
        return Some(Vec::new());
    }
    // Marking done a session too close to its neighbour needs the reason too (see
    // `clinical_rules::missing`), so it is kept then as well.
    let overridden = (c.binding || marking_done)
        && c.violations.iter().any(Violation::is_overridable)
        && override_reason(&t.reason).is_ok();
    let mut patient = model.patient(id)?.clone();
    let series = patient.current_series_mut()?;
    let slot = match index {
        Some(i) => i,
        None => {
            series.sessions.push(Session::planned(t.date, t.time));
            series.sessions.len() - 1
        }
    };
    let session = series.sessions.get_mut(slot)?;
    apply(session, &t, model, true);
    if overridden {
        session.interval_override = override_reason(&t.reason).ok();
    } else if c.binding {
        session.interval_override = None;
    }
    let cancelled_now = matches!(t.status, SessionStatus::Cancelled | SessionStatus::NoShow)
        && old.as_ref().is_none_or(|o| o.status != t.status);
    let saved = session.clone();
    let (effects, slot) = finish(model, patient, slot, |n| saved_message(&saved, n, overridden));
    if cancelled_now && let Some(old_end) = old_end {
        rebook::offer(model, id, slot, old_end);
    }
    Some(effects)
}

/// A no-show is only for a session that has started (at or before now): one still to
/// come is cancelled, or moved, instead.
fn not_yet_missed(model: &Model, t: &Typed) -> Option<String> {
    if t.status != SessionStatus::NoShow {
        return None;
    }
    let starts = t.date.and_time(t.time.unwrap_or(chrono::NaiveTime::MIN));
    (starts > model.now).then(|| {
        let when = match t.time {
            Some(time) => format!("{} {}", t.date, time.format("%H:%M")),
            None => t.date.to_string(),
        };
        format!("the session of {when} has not started yet: it cannot be a no-show; choose cancelled if the patient called it off")
    })
}

fn saved_message(s: &Session, n: usize, overridden: bool) -> String {
    match s.status {
        SessionStatus::Cancelled if s.cancelled_late => {
            format!("session {n} cancelled late (less than 24 h before it)")
        }
        SessionStatus::Cancelled => format!("session {n} cancelled"),
        SessionStatus::NoShow => format!("session {n} marked no-show"),
        _ if overridden => format!("session {n} saved with the minimum interval overridden"),
        _ => format!("session {n} saved"),
    }
}

/// Puts the typed values on `session`; `place` says whether its date and time too.
/// Cancelling records whether it was late (`Session::cancel` at `model.now`).
pub fn apply(session: &mut Session, t: &Typed, model: &Model, place: bool) {
    if place {
        session.date = t.date;
        session.time = t.time;
    }
    session.clinician = t.clinician.clone();
    session.room = t.room.clone();
    session.notes = t.notes.clone();
    match t.status {
        SessionStatus::Cancelled if session.status == SessionStatus::Cancelled => {}
        SessionStatus::Cancelled => session.cancel(model.now),
        status => {
            session.set_status(status, &model.templates.aftercare);
            session.cancelled_late = false;
        }
    }
}

/// Sorts the current series by date (sessions are numbered in date order, so a moved
/// session takes its new place), saves the patient and selects session `slot` where it
/// ended up. `message` gets the session's number there. Returns the save and the place.
pub fn finish(
    model: &mut Model,
    mut patient: Patient,
    slot: usize,
    message: impl FnOnce(usize) -> String,
) -> (Vec<Effect>, usize) {
    let mut place = slot;
    if let Some(series) = patient.current_series_mut() {
        let moved = series.sessions[slot].clone();
        series.sessions.sort_by_key(Session::starts_at);
        place = series.sessions.iter().position(|s| *s == moved).unwrap_or(slot);
    }
    model.set_status(StatusKind::Info, message(place + 1));
    let effect = model.put_patient(patient);
    model.session = place;
    model.checklist_item = 0;
    (vec![effect], place)
}
