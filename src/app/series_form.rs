//! The new-series form: a protocol template, then the start date typed by staff; the
//! protocol's numbers are filled in and can be changed for this patient.

use crate::domain::dates::{DATE_HINT, parse_date, parse_days, parse_optional_time};
use crate::domain::patient::PatientId;
use crate::domain::protocol::ProtocolTemplate;
use crate::domain::series::{Series, SeriesPlan};

use super::form::{Field, Form};
use super::model::{Effect, Model, StatusKind};

pub const PROTOCOL: usize = 0;
pub const START: usize = 1;
pub const TIME: usize = 2;
pub const SESSIONS: usize = 3;
pub const INTERVAL: usize = 4;
pub const MIN_INTERVAL: usize = 5;

pub fn form(model: &Model, id: &PatientId) -> Form {
    let names = model.templates.protocols.iter().map(|p| p.name.clone()).collect();
    let mut f = Form::new(
        "New treatment series",
        vec![
            Field::choice("Protocol", names, 0),
            Field::text("First session", DATE_HINT, String::new()),
            Field::text("Time", "HH:MM, optional", "09:00"),
            Field::text("Sessions", "1-20", String::new()),
            Field::text("Interval (days)", "target gap", String::new()),
            Field::text("Minimum (days)", "never closer", String::new()),
        ],
    );
    fill_from_protocol(&mut f, &model.templates.protocols[0]);
    if let Some(p) = model.patient(id)
        && let Some(s) = p.current_series()
    {
        let to_come = s.sessions.iter().filter(|x| x.status.is_upcoming()).count();
        if to_come > 0 {
            f.warnings.push(format!(
                "the current series still has {to_come} session(s) to come; a new series is a separate course"
            ));
        }
    }
    f
}

fn fill_from_protocol(f: &mut Form, p: &ProtocolTemplate) {
    f.fields[SESSIONS].set_text(p.sessions.to_string());
    f.fields[INTERVAL].set_text(p.interval_days.to_string());
    f.fields[MIN_INTERVAL].set_text(p.min_interval_days.to_string());
}

/// Keeps the numbers in step with the chosen protocol.
pub fn changed(model: &Model, f: &mut Form) {
    if f.focus == PROTOCOL
        && let Some(p) = model.templates.protocols.get(f.choice(PROTOCOL))
    {
        fill_from_protocol(f, p);
    }
}

pub fn submit(model: &mut Model, id: &PatientId, f: &mut Form) -> Option<Effect> {
    let protocol = model.templates.protocols.get(f.choice(PROTOCOL))?.clone();
    let start = match parse_date(f.value(START)) {
        Ok(d) => d,
        Err(m) => return fail(f, START, m),
    };
    let time = match parse_optional_time(f.value(TIME)) {
        Ok(t) => t,
        Err(m) => return fail(f, TIME, m),
    };
    let sessions = match parse_days(f.value(SESSIONS), "sessions", 1..=20) {
        Ok(n) => n,
        Err(m) => return fail(f, SESSIONS, m),
    };
    let min = match parse_days(f.value(MIN_INTERVAL), "minimum interval", 1..=365) {
        Ok(n) => n,
        Err(m) => return fail(f, MIN_INTERVAL, m),
    };
    let interval = match parse_days(f.value(INTERVAL), "interval", 1..=365) {
        Ok(n) if n < min => {
            return fail(
                f,
                INTERVAL,
                format!("interval must be at least the minimum ({min} days)"),
            );
        }
        Ok(n) => n,
        Err(m) => return fail(f, INTERVAL, m),
    };
    if !f.warnings.is_empty() && !f.warnings_acknowledged {
        f.warnings_acknowledged = true;
        return None;
    }
    let plan = SeriesPlan {
        sessions,
        interval_days: interval,
        min_interval_days: min,
        ..SeriesPlan::from_protocol(&protocol, start, time)
    };
    let mut patient = model.patient(id)?.clone();
    patient.series.push(Series::from_plan(&plan, model.today));
    model.set_status(StatusKind::Info, format!("series of {sessions} sessions created"));
    let effect = model.put_patient(patient);
    model.reset_session_selection();
    Some(effect)
}

fn fail(f: &mut Form, field: usize, message: String) -> Option<Effect> {
    f.fail(field, message);
    None
}
