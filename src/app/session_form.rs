//! The add/edit session form: date, time, status and notes, with a live warning when
//! the date comes closer to a neighbouring session than the series' minimum interval.

use crate::domain::dates::{DATE_HINT, parse_date, parse_optional_time};
use crate::domain::patient::PatientId;
use crate::domain::series::{Session, SessionStatus};

use super::form::{Field, Form};
use super::model::{Effect, Model, StatusKind};

pub const DATE: usize = 0;
pub const TIME: usize = 1;
pub const STATUS: usize = 2;
pub const NOTES: usize = 3;

fn status_options() -> Vec<String> {
    SessionStatus::ALL.iter().map(|s| s.label().to_string()).collect()
}

fn build(title: String, s: &Session) -> Form {
    let chosen = SessionStatus::ALL
        .iter()
        .position(|x| *x == s.status)
        .unwrap_or(0);
    Form::new(
        title,
        vec![
            Field::text("Date", DATE_HINT, s.date.to_string()),
            Field::text(
                "Time",
                "HH:MM, optional",
                s.time.map(|t| t.format("%H:%M").to_string()).unwrap_or_default(),
            ),
            Field::choice("Status", status_options(), chosen),
            Field::text("Notes", "optional", s.notes.clone()),
        ],
    )
}

pub fn edit_form(model: &Model, id: &PatientId, index: usize) -> Option<Form> {
    let series = model.patient(id)?.current_series()?;
    let session = series.sessions.get(index)?;
    let mut f = build(format!("Session {}", index + 1), session);
    refresh_warnings(model, id, Some(index), &mut f);
    Some(f)
}

pub fn add_form(model: &Model, id: &PatientId) -> Option<Form> {
    let series = model.patient(id)?.current_series()?;
    let n = series.sessions.len();
    let time = series.sessions.last().and_then(|s| s.time);
    let draft = Session::planned(series.next_date_suggestion(model.today), time);
    let mut f = build(format!("New session {}", n + 1), &draft);
    refresh_warnings(model, id, None, &mut f);
    Some(f)
}

/// Recomputes the interval warnings for what is typed now.
pub fn refresh_warnings(model: &Model, id: &PatientId, index: Option<usize>, f: &mut Form) {
    f.warnings.clear();
    let Some(series) = model.patient(id).and_then(|p| p.current_series()) else {
        return;
    };
    if let Ok(date) = parse_date(f.value(DATE)) {
        let status = SessionStatus::ALL[f.choice(STATUS)];
        f.warnings = series.interval_warnings(index, date, status);
    }
}

pub fn submit(model: &mut Model, id: &PatientId, index: Option<usize>, f: &mut Form) -> Option<Effect> {
    let date = match parse_date(f.value(DATE)) {
        Ok(d) => d,
        Err(m) => {
            f.fail(DATE, m);
            return None;
        }
    };
    let time = match parse_optional_time(f.value(TIME)) {
        Ok(t) => t,
        Err(m) => {
            f.fail(TIME, m);
            return None;
        }
    };
    let status = SessionStatus::ALL[f.choice(STATUS)];
    if status == SessionStatus::Done && date > model.today {
        f.fail(STATUS, format!("a session on {date} cannot be done yet"));
        return None;
    }
    refresh_warnings(model, id, index, f);
    if !f.warnings.is_empty() && !f.warnings_acknowledged {
        f.warnings_acknowledged = true;
        return None;
    }
    let aftercare = model.templates.aftercare.clone();
    let mut patient = model.patient(id)?.clone();
    let series = patient.current_series_mut()?;
    let slot = match index {
        Some(i) => i,
        None => {
            series.sessions.push(Session::planned(date, time));
            series.sessions.len() - 1
        }
    };
    let session = series.sessions.get_mut(slot)?;
    session.date = date;
    session.time = time;
    session.notes = f.value(NOTES).trim().to_string();
    session.set_status(status, &aftercare);
    // Sessions are numbered in date order, so a moved session takes its new place.
    let moved = session.clone();
    series.sessions.sort_by_key(Session::starts_at);
    let slot = series.sessions.iter().position(|s| *s == moved).unwrap_or(slot);
    let overridden = !f.warnings.is_empty();
    model.set_status(
        StatusKind::Info,
        if overridden {
            format!("session {} saved despite the interval warning", slot + 1)
        } else {
            format!("session {} saved", slot + 1)
        },
    );
    let effect = model.put_patient(patient);
    model.session = slot;
    model.checklist_item = 0;
    Some(effect)
}
