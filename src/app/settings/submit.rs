//! Keys in an open form, and turning what was typed into new settings: parsed, checked
//! by `ClinicSettings::validate`, a refusal shown next to its field.

use chrono::NaiveTime;
use ratatui::crossterm::event::KeyEvent;

use crate::domain::clinic::{ClinicSettings, ClosedDate, DayHours, Resource, SettingsError, WEEKDAY_KEYS};
use crate::domain::dates::parse_date;

use super::super::form::{Form, FormEvent};
use super::super::model::{Effect, Model, StatusKind};
use super::super::model::{FormPurpose, Overlay};
use super::hours::hhmm;
use super::ids::{id_note, new_id};
use super::read_only::refused_read_only;
use super::rows::{Row, WEEKDAYS, rows};
use super::save::commit;
use super::state::{ADMIN, CLINICIAN, CLOSES, DATE, Edit, FRONT_DESK, LINKED, LOGIN, OPENS, REASON, STAFF_NAME, VALUE};
use crate::domain::staff::{Role, StaffMember};

pub fn form_key(model: &mut Model, edit: Edit, mut form: Form, key: KeyEvent) -> Vec<Effect> {
    match form.handle_key(&key) {
        FormEvent::Cancel => {
            model.set_status(StatusKind::Info, "cancelled; nothing changed");
            return Vec::new();
        }
        FormEvent::Changed => {
            if let Edit::Resource(kind, None) = edit {
                form.notes = vec![id_note(model, kind, form.text(VALUE))];
            }
        }
        FormEvent::Submit => {
            if refused_read_only(model) {
                return Vec::new();
            }
            if let Some((new, text, select)) = submit(model, &edit, &mut form) {
                let effects = commit(model, new, text);
                if let Some(at) = select.and_then(|r| rows(model).iter().position(|x| *x == r)) {
                    model.screens.settings.cursor = at;
                }
                return effects;
            }
        }
        FormEvent::Nothing => {}
    }
    model.overlay = Overlay::Form(FormPurpose::Settings(edit), form);
    Vec::new()
}

/// The settings the form asks for, a status text and the row to select; `None` (with
/// the message next to its field) when something typed is refused.
fn submit(model: &Model, edit: &Edit, form: &mut Form) -> Option<(ClinicSettings, String, Option<Row>)> {
    let mut new = model.clinic.clone();
    let (text, select) = match *edit {
        Edit::Name => {
            new.name = form.text(VALUE).trim().to_string();
            (format!("clinic name: {}", new.name), None)
        }
        Edit::Phone => {
            new.phone = form.text(VALUE).trim().to_string();
            (format!("clinic phone: {}", new.phone), None)
        }
        Edit::Address => {
            new.address = form.text(VALUE).trim().to_string();
            (format!("clinic address: {}", new.address), None)
        }
        Edit::DefaultMinutes => {
            let Ok(m) = form.text(VALUE).trim().parse::<u32>() else {
                form.fail(VALUE, "the length must be a whole number of minutes, e.g. 60");
                return None;
            };
            new.default_minutes = m;
            (format!("default appointment length {m} min"), None)
        }
        Edit::IdleLock => {
            let typed = form.text(VALUE).trim();
            new.idle_lock_minutes = match typed {
                "" | "0" | "off" => None,
                _ => match typed.parse::<u32>() {
                    Ok(m) => Some(m),
                    Err(_) => {
                        form.fail(
                            VALUE,
                            "a whole number of minutes, e.g. 10; empty turns the lock off",
                        );
                        return None;
                    }
                },
            };
            let text = match new.idle_lock_minutes {
                Some(m) => format!("the screen locks after {m} min without a key"),
                None => "idle lock off".to_string(),
            };
            (text, None)
        }
        Edit::Day(day) => {
            // Both times are read before either refuses, so both messages show at once.
            let (open, close) = (parse_time(form, OPENS), parse_time(form, CLOSES));
            let (open, close) = (open?, close?);
            new.hours[day] = Some(DayHours::new(open, close));
            let text = format!("{}s {}-{}", WEEKDAYS[day], hhmm(open), hhmm(close));
            (text, None)
        }
        Edit::ClosedDate(index) => {
            let date = match parse_date(form.text(DATE)) {
                Ok(date) => date,
                Err(e) => {
                    form.fail(DATE, e);
                    return None;
                }
            };
            let reason = form.text(REASON).trim().to_string();
            if let Some(other) = new
                .closed_dates
                .iter()
                .enumerate()
                .find(|(i, c)| c.date == date && Some(*i) != index)
                .map(|(_, c)| c)
            {
                let why = if other.reason.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", other.reason)
                };
                form.fail(DATE, format!("{date} is already a closed date{why}"));
                return None;
            }
            let entry = ClosedDate { date, reason };
            match index {
                Some(i) if i < new.closed_dates.len() => new.closed_dates[i] = entry,
                _ => new.closed_dates.push(entry),
            }
            new.closed_dates.sort_by_key(|c| c.date);
            let at = new.closed_dates.iter().position(|c| c.date == date).unwrap_or(0);
            let verb = if index.is_some() { "changed" } else { "added" };
            let mut text = format!("closed date {} {verb}", date.format("%a %Y-%m-%d"));
            let booked = model.calendar.bookings_on(date).count();
            if booked > 0 {
                text.push_str(&format!(
                    " ({booked} booking(s) that day stay booked: move them from the agenda, 2)"
                ));
            }
            (text, Some(Row::Closed(at)))
        }
        Edit::Staff(index) => {
            let member = staff_member(model, index, form)?;
            let text = format!("staff {} ({}): {}", member.name, member.login, member.roles_text());
            match index {
                Some(i) => {
                    *new.staff.get_mut(i)? = member;
                    (format!("{text}; saved"), None)
                }
                None => {
                    new.staff.push(member);
                    (format!("{text}; added"), Some(Row::Staff(new.staff.len() - 1)))
                }
            }
        }
        Edit::Resource(kind, index) => {
            let name = form.text(VALUE).trim().to_string();
            let list = kind.list(&model.clinic);
            if let Some(same) = list
                .iter()
                .enumerate()
                .find(|(i, r)| r.name.trim().eq_ignore_ascii_case(&name) && Some(*i) != index)
                .map(|(_, r)| r)
            {
                let more = if same.active {
                    String::new()
                } else {
                    " (inactive: Space on that row makes it active again)".to_string()
                };
                form.fail(
                    VALUE,
                    format!("there is already a {} named {}{more}", kind.noun(), same.name),
                );
                return None;
            }
            match index {
                Some(i) => {
                    let r = kind.list_mut(&mut new).get_mut(i)?;
                    let text = format!("{} {} renamed {name}", kind.noun(), r.id);
                    r.name = name;
                    (text, None)
                }
                None => {
                    let id = new_id(model, kind, &name);
                    let text = format!("{} {name} added (id {id})", kind.noun());
                    kind.list_mut(&mut new).push(Resource::new(&id, &name));
                    let at = kind.list(&new).len() - 1;
                    (text, Some(Row::Resource(kind, at)))
                }
            }
        }
    };
    if let Err(e) = new.validate() {
        if let Edit::Staff(_) = edit {
            let (field, message) = place_staff_error(&e);
            form.fail(field, message);
            return None;
        }
        let (field, message) = place_error(edit, &e);
        form.fail(field, message);
        return None;
    }
    Some((new, text, select))
}

/// The staff form's values; `None` (messages on their fields) when one is refused.
fn staff_member(model: &Model, index: Option<usize>, form: &mut Form) -> Option<StaffMember> {
    let yes = |form: &Form, f: &str| form.choice(f) == Some("yes");
    let roles: Vec<Role> = [(FRONT_DESK, Role::FrontDesk), (CLINICIAN, Role::Clinician), (ADMIN, Role::Admin)]
        .into_iter()
        .filter(|(f, _)| yes(form, f))
        .map(|(_, r)| r)
        .collect();
    let member = StaffMember {
        login: form.text(LOGIN).trim().to_string(),
        name: form.text(STAFF_NAME).trim().to_string(),
        roles,
        clinician: form.choice(LINKED).map(str::to_string),
    };
    // An admin never takes away their own admin role (nobody might be left to undo it).
    let me = model.acting_login();
    let mine = index
        .and_then(|i| model.clinic.staff.get(i))
        .is_some_and(|s| s.login == me && s.has(Role::Admin));
    if mine && !member.has(Role::Admin) {
        form.fail(ADMIN, "you cannot take away your own admin role: another admin can");
        return None;
    }
    if mine && member.login != me {
        form.fail(LOGIN, "you cannot change your own login: another admin can");
        return None;
    }
    Some(member)
}

/// The staff form's field a validation error belongs to.
fn place_staff_error(e: &SettingsError) -> (&'static str, String) {
    let field = if e.field.ends_with(".login") {
        LOGIN
    } else if e.field.ends_with(".name") {
        STAFF_NAME
    } else if e.field.ends_with(".clinician") {
        LINKED
    } else {
        ADMIN
    };
    let message = if e.field.starts_with("staff") {
        e.message.clone()
    } else {
        e.to_string()
    };
    (field, message)
}

fn parse_time(form: &mut Form, field: &str) -> Option<NaiveTime> {
    let typed = form.text(field).trim().to_string();
    match NaiveTime::parse_from_str(&typed, "%H:%M") {
        Ok(t) => Some(t),
        Err(_) => {
            let message = if typed.is_empty() {
                "enter a time as HH:MM, e.g. 08:30".to_string()
            } else {
                format!("'{typed}' is not a time: use HH:MM, 00:00 to 23:59")
            };
            form.fail(field, message);
            None
        }
    }
}

/// The form field a validation error belongs to, and the message to show there: only
/// the message when the error is about what the form edits, else the field named too.
fn place_error(edit: &Edit, e: &SettingsError) -> (&'static str, String) {
    let about = match edit {
        Edit::Name => "name".to_string(),
        Edit::Phone => "phone".to_string(),
        Edit::Address => "address".to_string(),
        Edit::DefaultMinutes => "default_minutes".to_string(),
        Edit::IdleLock => "idle_lock_minutes".to_string(),
        Edit::Day(day) => format!("hours.{}", WEEKDAY_KEYS[*day]),
        Edit::ClosedDate(_) => "closed_dates".to_string(),
        Edit::Resource(kind, _) => kind.list_name().to_string(),
        Edit::Staff(_) => "staff".to_string(),
    };
    let field = match edit {
        Edit::Day(_) if e.field.ends_with(".open") => OPENS,
        Edit::Day(_) => CLOSES,
        Edit::ClosedDate(_) if e.field.ends_with(".reason") => REASON,
        Edit::ClosedDate(_) => DATE,
        _ => VALUE,
    };
    if e.field.starts_with(&about) {
        (field, e.message.clone())
    } else {
        (field, e.to_string())
    }
}
