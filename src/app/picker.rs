//! Booking from where one looks: a free slot found in the agenda (`f`, then Enter) asks
//! which patient in a filtered picker, then opens the add-session form filled with that
//! slot; a "to book" row of the queues opens the booking form for its patient. Either
//! way the patient's plan is shown under the form, and the rules of the form (clashes,
//! intervals, screening, roles) apply as when it is opened from the plan.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::domain::patient::PatientId;
use crate::domain::schedule::Slot;
use crate::domain::series::SessionStatus;
use crate::domain::staff::Permission;

use super::form::{Form, is_typed};
use super::keymap::{Binding, Scope, code, ctrl, screen_action_for};
use super::model::{Effect, FormPurpose, Model, Overlay, Pane, StatusKind};
use super::screen::ScreenId;
use super::{series_form, session_form};

/// The patient picker over the agenda: what is typed narrows the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// The slot to book once a patient is chosen.
    pub slot: Slot,
    pub filter: String,
    /// Index into [`Picker::matches`].
    pub selected: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerAction {
    Pick,
    Cancel,
    Up,
    Down,
    Erase,
    Clear,
}

/// The picker's keys. Letters are typed into the filter (names hold j and k), so the
/// list moves with the arrow keys, Tab or Ctrl-N/Ctrl-P.
pub static PICKER_KEYS: &[Binding<PickerAction>] = &[
    Binding {
        keys: &[code(KeyCode::Enter)],
        action: PickerAction::Pick,
        scope: Scope::Everywhere,
        bar: Some("book for"),
        help: "book the slot for the selected patient (form filled in)",
    },
    Binding {
        keys: &[code(KeyCode::Esc)],
        action: PickerAction::Cancel,
        scope: Scope::Everywhere,
        bar: Some("cancel"),
        help: "close without booking",
    },
    Binding {
        keys: &[code(KeyCode::Down), code(KeyCode::Tab), ctrl('n')],
        action: PickerAction::Down,
        scope: Scope::Everywhere,
        bar: Some("move"),
        help: "next patient in the list",
    },
    Binding {
        keys: &[code(KeyCode::Up), code(KeyCode::BackTab), ctrl('p')],
        action: PickerAction::Up,
        scope: Scope::Everywhere,
        bar: None,
        help: "previous patient in the list",
    },
    Binding {
        keys: &[code(KeyCode::Backspace)],
        action: PickerAction::Erase,
        scope: Scope::Everywhere,
        bar: None,
        help: "delete the last character typed",
    },
    Binding {
        keys: &[ctrl('u')],
        action: PickerAction::Clear,
        scope: Scope::Everywhere,
        bar: None,
        help: "clear what is typed",
    },
];

/// The help row for what typing does in the picker.
pub const TYPING_HELP: (&str, &str) = ("letters", "narrow the list: name, phone or email");

impl Picker {
    /// The patients offered for what is typed: active ones, in the list's order.
    pub fn matches<'a>(&self, model: &'a Model) -> Vec<&'a crate::domain::patient::Patient> {
        let needle = self.filter.trim().to_lowercase();
        model
            .patients
            .iter()
            .filter(|p| !p.archived && p.matches(&needle))
            .collect()
    }
}

/// Enter on a free slot found in the agenda: asks which patient (refused without the
/// right to book).
pub fn open_for_slot(model: &mut Model, slot: Slot) {
    if model.refuse_unless(Permission::Bookings) {
        return;
    }
    if !model.patients.iter().any(|p| !p.archived) {
        model.set_status(
            StatusKind::Info,
            "no patients yet: add one on the patients screen (1, then a), then find the slot again",
        );
        return;
    }
    model.push_overlay(Overlay::PickPatient(Box::new(Picker {
        slot,
        filter: String::new(),
        selected: 0,
    })));
    model.set_status(
        StatusKind::Info,
        "type to narrow the list; Enter books the slot for the patient",
    );
}

/// A key in the picker (taken off the model: put back unless the key closes it).
pub fn handle_key(model: &mut Model, mut p: Box<Picker>, key: KeyEvent) -> Vec<Effect> {
    let count = p.matches(model).len();
    match screen_action_for(PICKER_KEYS, &key) {
        Some(PickerAction::Cancel) => {
            model.set_status(StatusKind::Info, "nothing booked");
            return Vec::new();
        }
        Some(PickerAction::Pick) => {
            let chosen = p.matches(model).get(p.selected).map(|x| x.id.clone());
            match chosen {
                Some(id) => {
                    book_for(model, &id, Some(&p.slot));
                    return Vec::new();
                }
                None => model.set_status(StatusKind::Info, "no patient matches what is typed"),
            }
        }
        Some(PickerAction::Down) => p.selected = (p.selected + 1).min(count.saturating_sub(1)),
        Some(PickerAction::Up) => p.selected = p.selected.saturating_sub(1),
        Some(PickerAction::Erase) => {
            p.filter.pop();
            p.selected = 0;
        }
        Some(PickerAction::Clear) => {
            p.filter.clear();
            p.selected = 0;
        }
        None if is_typed(&key) => {
            if let KeyCode::Char(c) = key.code {
                p.filter.push(c);
                p.selected = 0;
            }
        }
        None => {}
    }
    model.overlay = Overlay::PickPatient(p);
    Vec::new()
}

/// Shows `id` on the patients screen (plan focused; a filter that hides them cleared)
/// and opens the form that books for them: the add-session form when a series is under
/// way, else the series builder; with `slot`, filled with its date, time, clinician and
/// room. Refused without the right to book, or on a read-only record.
pub fn book_for(model: &mut Model, id: &PatientId, slot: Option<&Slot>) {
    if model.refuse_unless(Permission::Bookings) || model.refuse_read_only(id) {
        return;
    }
    let Some(patient) = model.patient(id) else {
        model.set_status(StatusKind::Error, "that patient is no longer loaded");
        return;
    };
    let name = patient.full_name.clone();
    let under_way = patient.current_series().is_some_and(|s| !s.is_complete());
    let hidden = !patient.matches(&model.filter.trim().to_lowercase());
    let archived = patient.archived;
    if hidden {
        model.filter.clear();
    }
    if archived && !model.show_archived {
        model.show_archived = true;
    }
    model.filter_typing = false;
    model.refresh_visible(Some(id.clone()));
    model.close_all_overlays();
    model.screen = ScreenId::Main;
    model.focus = Pane::Plan;
    let (purpose, form) = if under_way {
        let Some(mut form) = session_form::add_form(model, id) else {
            return;
        };
        if let Some(s) = slot {
            fill_session(model, id, &mut form, s);
        }
        (FormPurpose::AddSession(id.clone()), form)
    } else {
        let mut form = series_form::form(model, id);
        if let Some(s) = slot {
            form.set_text(series_form::START, s.date.to_string());
            form.set_text(series_form::TIME, s.time.format("%H:%M").to_string());
            choose(&mut form, series_form::CLINICIAN, &s.clinician);
            choose(&mut form, series_form::ROOM, &s.room);
        }
        (FormPurpose::NewSeries(id.clone()), form)
    };
    let what = match (&purpose, slot) {
        (FormPurpose::AddSession(_), Some(s)) => format!(
            "{name}: a session on {} at {} (check and press Enter to book)",
            s.date.format("%a %Y-%m-%d"),
            s.time.format("%H:%M")
        ),
        (FormPurpose::AddSession(_), None) => format!("{name}: the next session (Enter books it)"),
        (_, Some(s)) => format!(
            "{name} has no series under way: a new one from {} at {} (Enter proposes the sessions)",
            s.date.format("%a %Y-%m-%d"),
            s.time.format("%H:%M")
        ),
        (_, None) => format!("{name} has no series under way: a new one (Enter proposes the sessions)"),
    };
    model.overlay = Overlay::Form(purpose, form);
    model.set_status(StatusKind::Info, what);
}

fn choose(form: &mut Form, field: &str, id: &str) {
    if let Some(c) = form.choice_mut(field)
        && c.options.iter().any(|o| o.id.as_deref() == Some(id))
    {
        c.chosen = Some(id.to_string());
    }
}

fn fill_session(model: &Model, id: &PatientId, form: &mut Form, s: &Slot) {
    form.set_text(session_form::DATE, s.date.to_string());
    form.set_text(session_form::TIME, s.time.format("%H:%M").to_string());
    choose(form, session_form::STATUS, SessionStatus::Booked.label());
    choose(form, session_form::CLINICIAN, &s.clinician);
    choose(form, session_form::ROOM, &s.room);
    session_form::refresh(model, id, None, form);
}

/// The edit form of session `index` of `id`'s current series, set to booked (the plan
/// shows the patient, the session selected): the queue's "to book" row, booked.
pub fn book_planned(model: &mut Model, id: &PatientId, index: usize) {
    if model.refuse_unless(Permission::Bookings) || model.refuse_read_only(id) {
        return;
    }
    let Some(mut form) = session_form::edit_form(model, id, index) else {
        return;
    };
    choose(&mut form, session_form::STATUS, SessionStatus::Booked.label());
    // No clinician or room yet: those the series had last, as a new session gets them.
    if let Some(series) = model.patient(id).and_then(|p| p.current_series()) {
        let last = |pick: fn(&crate::domain::series::Session) -> Option<&String>| {
            series.sessions.iter().rev().find_map(|s| pick(s).cloned())
        };
        if form.choice(session_form::CLINICIAN).is_none()
            && let Some(c) = last(|s| s.clinician.as_ref())
        {
            choose(&mut form, session_form::CLINICIAN, &c);
        }
        if form.choice(session_form::ROOM).is_none()
            && let Some(r) = last(|s| s.room.as_ref())
        {
            choose(&mut form, session_form::ROOM, &r);
        }
    }
    if form.text(session_form::TIME).trim().is_empty() {
        form.focus_on(session_form::TIME);
    }
    session_form::refresh(model, id, Some(index), &mut form);
    model.session = index;
    model.overlay = Overlay::Form(FormPurpose::EditSession(id.clone(), index), form);
    model.set_status(
        StatusKind::Info,
        format!(
            "session {} to book: check the time, clinician and room, then Enter",
            index + 1
        ),
    );
}
