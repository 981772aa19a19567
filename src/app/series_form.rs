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

use super::booking::{BookingFields, refresh_resources, resource_options};
use super::clinical_rules::eligible_from;
use super::form::{ChoiceOption, Field, Form, Reader};
use super::model::{Effect, Model};
use super::preview;

pub const PROTOCOL: &str = "protocol";
pub const START: &str = "first_date";
pub const TIME: &str = "preferred_time";
pub const SESSIONS: &str = "sessions";
pub const INTERVAL: &str = "interval_days";
pub const MIN_INTERVAL: &str = "min_interval_days";
pub const MAX_INTERVAL: &str = "max_interval_days";
pub const MINUTES: &str = "minutes";
pub const CLINICIAN: &str = "clinician";
pub const ROOM: &str = "room";

const FIELDS: BookingFields = BookingFields {
    date: START,
    time: TIME,
    clinician: CLINICIAN,
    room: ROOM,
};

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

fn protocol_options(model: &Model) -> Vec<ChoiceOption> {
    offered(model)
        .iter()
        .map(|p| ChoiceOption::new(Some(p.id.clone()), p.name.clone()))
        .collect()
}

pub fn form(model: &Model, id: &PatientId) -> Form {
    let protocols = offered(model);
    let mut f = Form::new(
        "New treatment series",
        vec![
            Field::choice(
                PROTOCOL,
                "Protocol",
                protocol_options(model),
                protocols.first().map(|p| p.id.clone()),
            ),
            Field::text(START, "First date", DATE_HINT, String::new()),
            Field::text(
                TIME,
                "Preferred time",
                "HH:MM, optional: the nearest free time",
                String::new(),
            ),
            Field::text(SESSIONS, "Sessions", "1-20", String::new()),
            Field::text(INTERVAL, "Interval (days)", "target gap", String::new()),
            Field::text(MIN_INTERVAL, "Minimum (days)", "never closer", String::new()),
            Field::text(MAX_INTERVAL, "Maximum (days)", "never further", String::new()),
            Field::text(MINUTES, "Length (min)", "minutes per session", String::new()),
            Field::choice(
                CLINICIAN,
                "Clinician",
                resource_options(&model.clinic.clinicians, "any", None),
                None,
            ),
            Field::choice(
                ROOM,
                "Room",
                resource_options(&model.clinic.rooms, "any", None),
                None,
            ),
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
        f.set_text(START, date.to_string());
        f.notes.push(format!(
            "first date suggested on {date}, the earliest eligible date ({label} washout); an earlier date is moved to it"
        ));
    }
    f
}

/// The clinic's settings changed while the form is open: the protocols, clinicians and
/// rooms offered follow; one chosen here and no longer offered is refused on its field.
pub fn clinic_changed(model: &Model, f: &mut Form) {
    refresh_resources(f, &model.clinic, FIELDS, (None, None));
    let chosen = f.choice(PROTOCOL).map(str::to_string);
    let mut options = protocol_options(model);
    if let Some(id) = chosen
        && !options.iter().any(|o| o.id.as_deref() == Some(id.as_str()))
    {
        let why = "this protocol was taken out of use in Settings while this form was open: choose another";
        options.push(ChoiceOption {
            id: Some(id.clone()),
            label: format!("{id} (no longer in use)"),
            unavailable: Some(why.into()),
        });
        f.note(PROTOCOL, why);
    }
    if let Some(c) = f.choice_mut(PROTOCOL) {
        c.set_options(options);
    }
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
    f.set_text(SESSIONS, p.sessions.to_string());
    f.set_text(INTERVAL, p.interval_days.to_string());
    f.set_text(MIN_INTERVAL, p.min_interval_days.to_string());
    f.set_text(MAX_INTERVAL, p.max_interval_days.to_string());
    f.set_text(MINUTES, p.session_minutes.to_string());
}

/// The protocol chosen in the form, while it is still offered.
fn chosen_protocol<'a>(model: &'a Model, f: &Form) -> Option<&'a ProtocolTemplate> {
    let id = f.choice(PROTOCOL)?;
    offered(model).into_iter().find(|p| p.id == id)
}

/// Keeps the numbers in step with the chosen protocol.
pub fn changed(model: &Model, f: &mut Form) {
    if f.focused() == PROTOCOL
        && let Some(p) = chosen_protocol(model, f)
    {
        fill_from_protocol(f, p);
    }
}

/// Validates the form and proposes the series. `None` keeps the form open (with the
/// reason on its field); otherwise the preview is open and nothing is saved yet.
pub fn submit(model: &mut Model, id: &PatientId, f: &mut Form) -> Option<Vec<Effect>> {
    let (protocol, mut plan) = match read_plan(model, f) {
        Ok(read) => read,
        Err(errors) => {
            f.set_errors(errors);
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

/// The chosen protocol and the plan typed, or every field at fault and why.
fn read_plan(model: &Model, f: &Form) -> Result<(ProtocolTemplate, ProposalPlan), Vec<(String, String)>> {
    let mut r = f.reader();
    let protocol = r.choice(PROTOCOL).flatten();
    let protocol = match protocol.and_then(|id| offered(model).into_iter().find(|p| p.id == id)) {
        Some(p) => Some(p.clone()),
        None => {
            r.fail(PROTOCOL, "choose a protocol");
            None
        }
    };
    let first_date = r.parse(START, parse_date);
    if let Some(d) = first_date
        && d < model.today
    {
        r.fail(
            START,
            format!(
                "{d} is in the past; the first session is on or after today ({})",
                model.today
            ),
        );
    }
    let preferred_time = r.parse(TIME, parse_optional_time);
    let sessions = r.parse(SESSIONS, |s| parse_days(s, "sessions", 1..=20));
    let interval_days = r.parse(INTERVAL, |s| parse_days(s, "interval", 1..=365));
    let min_interval_days = r.parse(MIN_INTERVAL, |s| parse_days(s, "minimum interval", 1..=365));
    let max_interval_days = r.parse(MAX_INTERVAL, |s| parse_days(s, "maximum interval", 1..=365));
    let minutes = r.parse(MINUTES, |s| parse_days(s, "length", MINUTES_RANGE));
    if let (Some(i), Some(min)) = (interval_days, min_interval_days)
        && i < min
    {
        r.fail(
            INTERVAL,
            format!("interval must be at least the minimum ({min} days)"),
        );
    }
    if let (Some(max), Some(i)) = (max_interval_days, interval_days)
        && max < i
    {
        r.fail(
            MAX_INTERVAL,
            format!("maximum must be at least the interval ({i} days)"),
        );
    }
    let clinician = r.choice(CLINICIAN);
    let room = r.choice(ROOM);
    let unreadable = |r: Reader| r.finish().err().unwrap_or_default();
    match (
        protocol,
        first_date,
        preferred_time,
        sessions,
        interval_days,
        min_interval_days,
        max_interval_days,
        minutes,
        clinician,
        room,
    ) {
        (
            Some(protocol),
            Some(first_date),
            Some(preferred_time),
            Some(sessions),
            Some(interval_days),
            Some(min_interval_days),
            Some(max_interval_days),
            Some(minutes),
            Some(clinician),
            Some(room),
        ) if !r.has_errors() => Ok((
            protocol,
            ProposalPlan {
                sessions,
                interval_days,
                min_interval_days,
                max_interval_days,
                minutes,
                first_date,
                preferred_time,
                clinician,
                room,
            },
        )),
        _ => Err(unreadable(r)),
    }
}
