//! Enter and `a`: the form each row opens, filled with what is there now.

use chrono::NaiveDate;

use crate::domain::dates::DATE_HINT;
use crate::domain::staff::{Role, StaffMember};

use super::super::form::{ChoiceOption, Field, Form};
use super::super::model::{FormPurpose, Overlay};
use super::super::model::{Model, StatusKind};
use super::hours::{hhmm, reopening_hours};
use super::ids::{id_note, ids_taken};
use super::read_only::refused_read_only;
use super::rows::{ResourceKind, Row, Section, WEEKDAYS};
use super::state::{ADMIN, CLINICIAN, CLOSES, DATE, Edit, FRONT_DESK, LINKED, LOGIN, OPENS, REASON, STAFF_NAME, VALUE};

pub(super) fn edit(model: &mut Model, row: Row) {
    let (edit, form) = match row {
        Row::Protocol(_) => {
            model.set_status(StatusKind::Info, "Space ticks or unticks a protocol in use");
            return;
        }
        Row::NoClosedDates | Row::NoStaff => {
            add(model, Some(row));
            return;
        }
        _ if refused_read_only(model) => return,
        Row::Name => (
            Edit::Name,
            Form::new(
                "Clinic name",
                vec![Field::text(VALUE, "Clinic name", "", model.clinic.name.clone())],
            ),
        ),
        Row::Phone => (
            Edit::Phone,
            Form::new(
                "Clinic phone",
                vec![Field::text(
                    VALUE,
                    "Phone",
                    "handouts say: call the clinic on ...",
                    model.clinic.phone.clone(),
                )],
            ),
        ),
        Row::Address => (
            Edit::Address,
            Form::new(
                "Clinic address",
                vec![Field::text(
                    VALUE,
                    "Address",
                    "one line, for handouts and .ics",
                    model.clinic.address.clone(),
                )],
            ),
        ),
        Row::DefaultMinutes => (
            Edit::DefaultMinutes,
            Form::new(
                "Default appointment length",
                vec![Field::text(
                    VALUE,
                    "Length",
                    "minutes, 5 to 480",
                    model.clinic.default_minutes.to_string(),
                )],
            ),
        ),
        Row::IdleLock => (
            Edit::IdleLock,
            Form::new(
                "Idle lock",
                vec![Field::text(
                    VALUE,
                    "Lock after",
                    "minutes without a key, 1 to 1440; empty: off",
                    model
                        .clinic
                        .idle_lock_minutes
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                )],
            ),
        ),
        Row::Day(day) => {
            let (hours, title) = match model.clinic.hours[day] {
                Some(h) => (h, format!("Opening hours · {}", WEEKDAYS[day])),
                None => (
                    reopening_hours(model, day),
                    format!("Opening hours · {} (closed now: saving opens it)", WEEKDAYS[day]),
                ),
            };
            (
                Edit::Day(day),
                Form::new(
                    title,
                    vec![
                        Field::text(OPENS, "Opens", "HH:MM, e.g. 08:30", hhmm(hours.open)),
                        Field::text(CLOSES, "Closes", "HH:MM, e.g. 18:00", hhmm(hours.close)),
                    ],
                ),
            )
        }
        Row::Closed(i) => {
            let Some(c) = model.clinic.closed_dates.get(i) else {
                return;
            };
            (
                Edit::ClosedDate(Some(i)),
                closed_date_form("Closed date", Some(c.date), &c.reason),
            )
        }
        Row::Resource(kind, i) => {
            let Some(r) = kind.list(&model.clinic).get(i) else {
                return;
            };
            let mut form = resource_form(kind, &format!("Rename {} · {}", kind.noun(), r.id), &r.name);
            form.notes = vec![format!("the id {} stays: sessions refer to it", r.id)];
            (Edit::Resource(kind, Some(i)), form)
        }
        Row::Staff(i) => {
            let Some(s) = model.clinic.staff.get(i) else {
                return;
            };
            let form = staff_form(model, &format!("Staff · {}", s.login), Some(s));
            (Edit::Staff(Some(i)), form)
        }
    };
    model.push_overlay(Overlay::Form(FormPurpose::Settings(edit), form));
}

fn closed_date_form(title: &str, date: Option<NaiveDate>, reason: &str) -> Form {
    let date = date.map(|d| d.to_string()).unwrap_or_default();
    Form::new(
        title,
        vec![
            Field::text(DATE, "Date", DATE_HINT, date),
            Field::text(REASON, "Reason", "optional, e.g. Christmas Day", reason),
        ],
    )
}

fn resource_form(kind: ResourceKind, title: &str, name: &str) -> Form {
    let hint = match kind {
        ResourceKind::Clinician => "full name, e.g. Sara Lund",
        ResourceKind::Room => "as staff call it, e.g. Room 3",
    };
    Form::new(title, vec![Field::text(VALUE, "Name", hint, name)])
}

/// Login, name, the three roles as yes/no, and the bookable clinician this person is.
fn staff_form(model: &Model, title: &str, s: Option<&StaffMember>) -> Form {
    let has = |r: Role| s.is_some_and(|s| s.has(r));
    let mut options = vec![ChoiceOption::new(None::<String>, "none")];
    options.extend(
        model
            .clinic
            .clinicians
            .iter()
            .map(|c| ChoiceOption::new(Some(c.id.clone()), format!("{} ({})", c.name, c.id))),
    );
    let mut form = Form::new(
        title,
        vec![
            Field::text(LOGIN, "Login", "their OS account name, e.g. fred", s.map_or("", |s| s.login.as_str())),
            Field::text(STAFF_NAME, "Name", "as signatures show it", s.map_or("", |s| s.name.as_str())),
            Field::yes_no(FRONT_DESK, "Front desk", has(Role::FrontDesk)),
            Field::yes_no(CLINICIAN, "Clinician", has(Role::Clinician)),
            Field::yes_no(ADMIN, "Admin", has(Role::Admin)),
            Field::choice(LINKED, "Bookable as", options, s.and_then(|s| s.clinician.clone())),
        ],
    );
    form.notes = vec!["the login is the account they run needleplan as (not typed at start)".into()];
    form
}

pub(super) fn add(model: &mut Model, row: Option<Row>) {
    let section = row.map_or(Section::General, Row::section);
    if section == Section::Staff {
        if refused_read_only(model) {
            return;
        }
        let form = staff_form(model, "New staff member", None);
        model.push_overlay(Overlay::Form(FormPurpose::Settings(Edit::Staff(None)), form));
        return;
    }
    let kind = match section {
        Section::ClosedDates => None,
        Section::Clinicians => Some(ResourceKind::Clinician),
        Section::Rooms => Some(ResourceKind::Room),
        _ => {
            model.set_status(
                StatusKind::Info,
                "a adds a closed date, a clinician, a room or a staff member: move to that section first (Tab)",
            );
            return;
        }
    };
    if refused_read_only(model) {
        return;
    }
    let (edit, form) = match kind {
        None => (
            Edit::ClosedDate(None),
            closed_date_form("New closed date", None, ""),
        ),
        Some(kind) => {
            model.screens.settings.taken_ids = ids_taken(model, kind);
            let mut form = resource_form(kind, &format!("New {}", kind.noun()), "");
            form.notes = vec![id_note(model, kind, "")];
            (Edit::Resource(kind, None), form)
        }
    };
    model.push_overlay(Overlay::Form(FormPurpose::Settings(edit), form));
}
