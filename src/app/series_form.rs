//! The new-series form: a protocol the clinic uses, the first date and the patient's
//! wishes (time, clinician, room); the protocol's numbers are filled in and can be
//! changed for this patient. Enter asks the scheduler for every session's place and
//! opens the proposal as a preview: nothing is booked until it is confirmed there.
//!
//! The first date is never before the earliest eligible date of a washout still
//! running (and not lifted by a clinician): the form suggests that date, and a date
//! typed before it is moved to it, which the preview says.

use crate::domain::dates::{DATE_HINT, parse_date, parse_days, parse_optional_time};
use crate::domain::patient::PatientId;
use crate::domain::protocol::ProtocolTemplate;
use crate::domain::schedule::{MINUTES_RANGE, ProposalPlan, propose_series};

use super::booking::resource_options;
use super::clinical_rules::eligible_from;
use super::form::{Field, Form};
use super::model::{Effect, Model};
use super::preview;

pub const PROTOCOL: usize = 0;
pub const START: usize = 1;
pub const TIME: usize = 2;
pub const SESSIONS: usize = 3;
pub const INTERVAL: usize = 4;
pub const MIN_INTERVAL: usize = 5;
pub const MAX_INTERVAL: usize = 6;
pub const MINUTES: usize = 7;
pub const CLINICIAN: usize = 8;
pub const ROOM: usize = 9;

/// The protocols offered: those in `clinic.protocols_in_use` (all when it is empty). If
/// none of the ids listed there exists, every template is offered rather than none.
pub fn offered(model: &Model) -> Vec<&ProtocolTemplate> {
    let all = &model.templates.protocols;
    let in_use: Vec<&ProtocolTemplate> = all
        .iter()
        .filter(|p| model.clinic.protocol_in_use(&p.id))
        .collect();
    if in_use.is_empty() {
        all.iter().collect()
    } else {
        in_use
    }
}

pub fn form(model: &Model, id: &PatientId) -> Form {
    let protocols = offered(model);
    let names = protocols.iter().map(|p| p.name.clone()).collect();
    let (_, clinicians) = resource_options(&model.clinic.clinicians, "any", None);
    let (_, rooms) = resource_options(&model.clinic.rooms, "any", None);
    let mut f = Form::new(
        "New treatment series",
        vec![
            Field::choice("Protocol", names, 0),
            Field::text("First date", DATE_HINT, String::new()),
            Field::text(
                "Preferred time",
                "HH:MM, optional: the nearest free time",
                String::new(),
            ),
            Field::text("Sessions", "1-20", String::new()),
            Field::text("Interval (days)", "target gap", String::new()),
            Field::text("Minimum (days)", "never closer", String::new()),
            Field::text("Maximum (days)", "never further", String::new()),
            Field::text("Length (min)", "minutes per session", String::new()),
            Field::choice("Clinician", clinicians, 0),
            Field::choice("Room", rooms, 0),
        ],
    );
    f.enter_label = "propose the sessions";
    if let Some(p) = protocols.first() {
        fill_from_protocol(&mut f, p);
    }
    if let Some(note) = sessions_to_come(model, id) {
        f.warnings.push(note);
    }
    if let Some((date, label)) = washout_until(model, id) {
        f.fields[START].set_text(date.to_string());
        f.notes.push(format!(
            "first date suggested on {date}, the earliest eligible date ({label} washout); an earlier date is moved to it"
        ));
    }
    f
}

/// The earliest eligible date of a washout the patient is still in (after today), and
/// the washout's label.
fn washout_until(model: &Model, id: &PatientId) -> Option<(chrono::NaiveDate, String)> {
    eligible_from(model, model.patient(id)?).filter(|(date, _)| *date > model.today)
}

/// "The current series still has N session(s) to come": shown in the form and in the
/// preview. Confirming the preview books the new series anyway; the old one is kept.
fn sessions_to_come(model: &Model, id: &PatientId) -> Option<String> {
    let s = model.patient(id)?.current_series()?;
    let to_come = s.sessions.iter().filter(|x| x.status.is_upcoming()).count();
    (to_come > 0).then(|| {
        format!(
            "the current series still has {to_come} session(s) to come; a new series is a separate course"
        )
    })
}

fn fill_from_protocol(f: &mut Form, p: &ProtocolTemplate) {
    f.fields[SESSIONS].set_text(p.sessions.to_string());
    f.fields[INTERVAL].set_text(p.interval_days.to_string());
    f.fields[MIN_INTERVAL].set_text(p.min_interval_days.to_string());
    f.fields[MAX_INTERVAL].set_text(p.max_interval_days.to_string());
    f.fields[MINUTES].set_text(p.session_minutes.to_string());
}

/// Keeps the numbers in step with the chosen protocol.
pub fn changed(model: &Model, f: &mut Form) {
    if f.focus == PROTOCOL
        && let Some(p) = offered(model).get(f.choice(PROTOCOL))
    {
        fill_from_protocol(f, p);
    }
}

/// Validates the form and proposes the series. `None` keeps the form open (with the
/// reason on its field); otherwise the preview is open and nothing is saved yet.
pub fn submit(model: &mut Model, id: &PatientId, f: &mut Form) -> Option<Vec<Effect>> {
    let protocol = (*offered(model).get(f.choice(PROTOCOL))?).clone();
    let mut plan = match read_plan(model, f) {
        Ok(plan) => plan,
        Err((field, message)) => {
            f.fail(field, message);
            return None;
        }
    };
    let mut moved = None;
    if let Some((date, label)) = washout_until(model, id)
        && plan.first_date < date
    {
        moved = Some(format!(
            "first date moved from {} to {date}, the earliest eligible date ({label} washout)",
            plan.first_date
        ));
        plan.first_date = date;
    }
    match propose_series(&model.clinic, &model.calendar, &plan) {
        Err(why) => {
            f.fail(START, why.to_string());
            None
        }
        Ok(rows) => {
            let notes = sessions_to_come(model, id).into_iter().chain(moved).collect();
            preview::open(model, id.clone(), &protocol, plan, rows, notes);
            Some(Vec::new())
        }
    }
}

fn read_plan(model: &Model, f: &Form) -> Result<ProposalPlan, (usize, String)> {
    let first_date = parse_date(f.value(START)).map_err(|m| (START, m.to_string()))?;
    if first_date < model.today {
        return Err((
            START,
            format!(
                "{first_date} is in the past; the first session is on or after today ({})",
                model.today
            ),
        ));
    }
    let preferred_time = parse_optional_time(f.value(TIME)).map_err(|m| (TIME, m.to_string()))?;
    let days = |field: usize, name: &str| {
        parse_days(f.value(field), name, 1..=365).map_err(|m| (field, m.to_string()))
    };
    let sessions =
        parse_days(f.value(SESSIONS), "sessions", 1..=20).map_err(|m| (SESSIONS, m.to_string()))?;
    let interval_days = days(INTERVAL, "interval")?;
    let min_interval_days = days(MIN_INTERVAL, "minimum interval")?;
    let max_interval_days = days(MAX_INTERVAL, "maximum interval")?;
    let minutes =
        parse_days(f.value(MINUTES), "length", MINUTES_RANGE).map_err(|m| (MINUTES, m.to_string()))?;
    if interval_days < min_interval_days {
        let m = format!("interval must be at least the minimum ({min_interval_days} days)");
        return Err((INTERVAL, m));
    }
    if max_interval_days < interval_days {
        let m = format!("maximum must be at least the interval ({interval_days} days)");
        return Err((MAX_INTERVAL, m));
    }
    let (clinicians, _) = resource_options(&model.clinic.clinicians, "any", None);
    let (rooms, _) = resource_options(&model.clinic.rooms, "any", None);
    Ok(ProposalPlan {
        sessions,
        interval_days,
        min_interval_days,
        max_interval_days,
        minutes,
        first_date,
        preferred_time,
        clinician: clinicians.get(f.choice(CLINICIAN)).cloned().flatten(),
        room: rooms.get(f.choice(ROOM)).cloned().flatten(),
    })
}
